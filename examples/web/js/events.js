// events.js — live events: the WebSocket /api/v1/ws first, resumed with
// since=<last seq> after every drop (docs/differences.md N2); when it cannot
// connect, or keeps dropping, long-polls of GET /api/v1/events (N3) with the
// same cursor, trying the WebSocket again now and then. Both carry the same
// events with the same seq, so switching loses and repeats nothing.
//
// The client loads its state (on.resync) once live delivery has started —
// after the WebSocket's "connected", or the first poll's cursor — so
// nothing committed in between is missed, and again whenever it must: a
// connection without a cursor to resume from, or a "resync" event. A poll
// is a presence ping (N3), so none is made while the WebSocket works: a
// user who closes the page goes offline at once.

const PING_MS = 25000;		// presence TTL is 60 s (docs/events.md#presence)
const CONNECT_MS = 10000;	// for the WebSocket's "connected"
const POLL_TIMEOUT_S = 25;
const DROPS_WINDOW_MS = 60000;	// this many drops in this window: poll
const MAX_DROPS = 3;

export class EventStream {
	// api: an Api; wsUrl: ws(s)://.../api/v1/ws; on: {event(ev), resync(),
	// mode(m), error(err)} where m is 'connecting', 'ws', 'poll' or
	// 'offline'. wsRetryMs: how often polling tries the WebSocket again.
	constructor({ api, wsUrl, on, wsRetryMs = 30000 }) {
		this.api = api;
		this.wsUrl = wsUrl;
		this.on = on;
		this.wsRetryMs = wsRetryMs;
		this.cursor = null;	// last seq handled
		this.synced = false;	// on.resync() called at least once
		this.ws = null;
		this.mode = 'offline';
		this.stopped = false;
		this.drops = [];
		this.poller = null;	// {abort: AbortController, done: bool}
		this.timers = new Set();
	}

	start() {
		this.openWs();
	}

	stop() {
		this.stopped = true;
		for (const t of this.timers)
			clearTimeout(t);
		this.timers.clear();
		this.stopPolling();
		if (this.ws) {
			const ws = this.ws;
			this.ws = null;
			ws.close();
		}
	}

	later(f, ms) {
		const t = setTimeout(() => {
			this.timers.delete(t);
			if (!this.stopped)
				f();
		}, ms);
		this.timers.add(t);
	}

	resync() {
		this.synced = true;
		this.on.resync();
	}

	setMode(m) {
		if (this.mode !== m) {
			this.mode = m;
			this.on.mode(m);
		}
	}

	// Every event of either transport comes through here, once.
	deliver(ev) {
		if (typeof ev?.type !== 'string')
			return;
		if (typeof ev.seq === 'number') {
			if (this.cursor !== null && ev.seq <= this.cursor)
				return;	// seen on the other transport
			this.cursor = ev.seq;
		}
		switch (ev.type) {
		case 'connected':
		case 'pong':
			return;
		case 'error':
			console.warn('mtchat: server says:', ev.message);
			return;
		case 'resync':
			this.cursor = ev.cursor;
			this.resync();
			return;
		default:
			this.on.event(ev);
		}
	}

	url() {
		let u = `${this.wsUrl}?user_id=${encodeURIComponent(this.api.userId)}`;
		if (this.cursor !== null)
			u += `&since=${this.cursor}`;
		return u;
	}

	openWs() {
		if (this.stopped || this.ws)
			return;
		if (!this.poller)
			this.setMode('connecting');
		const resume = this.cursor !== null;
		let ws, greeted = false, ping = null;
		try {
			ws = new WebSocket(this.url());
		} catch (e) {
			this.on.error(e);
			this.startPolling();
			return;
		}
		this.ws = ws;
		// A proxy that neither answers nor refuses: give up on it.
		const guard = setTimeout(() => {
			if (!greeted)
				ws.close();
		}, CONNECT_MS);
		ws.onmessage = (m) => {
			let ev;
			try {
				ev = JSON.parse(m.data);
			} catch {
				return;
			}
			if (ev.type === 'connected' && !greeted) {
				greeted = true;
				clearTimeout(guard);
				this.stopPolling();
				this.setMode('ws');
				ping = setInterval(() => {
					if (ws.readyState === WebSocket.OPEN)
						ws.send('{"type":"ping"}');
				}, PING_MS);
				if (!resume)
					this.resync();
			}
			this.deliver(ev);
		};
		ws.onclose = () => {
			clearTimeout(guard);
			clearInterval(ping);
			if (this.ws !== ws)
				return;	// stopped, or replaced
			this.ws = null;
			if (this.stopped)
				return;
			const now = Date.now();
			if (greeted)
				this.drops = [...this.drops.filter((t) =>
				    now - t < DROPS_WINDOW_MS), now];
			if (!greeted || this.drops.length >= MAX_DROPS) {
				// Cannot connect, or keeps dropping: poll,
				// and try the WebSocket again later.
				this.drops = [];
				this.startPolling();
				this.later(() => this.openWs(), this.wsRetryMs);
			} else {
				this.setMode('connecting');
				this.later(() => this.openWs(),
				    500 + Math.random() * 1000);
			}
		};
	}

	startPolling() {
		if (this.poller || this.stopped)
			return;
		const p = { abort: null, done: false };
		this.poller = p;
		this.pollLoop(p);
	}

	stopPolling() {
		const p = this.poller;
		if (!p)
			return;
		this.poller = null;
		p.done = true;
		p.abort?.abort();
	}

	async pollLoop(p) {
		let failures = 0;
		while (!p.done && !this.stopped) {
			p.abort = new AbortController();
			const t0 = Date.now();
			let wait = 0;
			const fresh = this.cursor === null;
			try {
				const d = await this.api.events({
					since: this.cursor ?? undefined,
					timeout: POLL_TIMEOUT_S,
					signal: p.abort.signal,
				});
				if (p.done)
					return;
				failures = 0;
				this.setMode('poll');
				for (const ev of d.events || [])
					this.deliver(ev);
				if (typeof d.cursor === 'number' &&
				    (this.cursor === null || d.cursor > this.cursor))
					this.cursor = d.cursor;
				if (fresh)
					this.resync();
				// A server that does not hold polls (mtchat.fcgi
				// with POLL_MAX_WAIT_SECS=0) answers at once.
				if (!fresh && !(d.events || []).length &&
				    Date.now() - t0 < 1000)
					wait = 3000;
			} catch (e) {
				if (p.done || e.name === 'AbortError')
					return;
				failures++;
				this.setMode('offline');
				if (failures === 1)
					this.on.error(e);
				if (!this.synced)
					this.resync();	// no live updates, but the state
				wait = Math.min(30000, 1000 * 2 ** failures);
			}
			if (wait)
				await new Promise((resolve) => {
					const t = setTimeout(resolve, wait);
					p.abort.signal.addEventListener('abort',
					    () => { clearTimeout(t); resolve(); });
				});
		}
	}
}
