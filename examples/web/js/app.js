// app.js — the demo client's entry: who you are, the lists of dialogs
// ("My chats", "Available"), and the wiring of live events. The open dialog
// is chat.js, the admin panel admin.js; the shared state S is in ui.js.
// The page is built with DOM calls (dom.js), never from HTML strings.
import { Api } from './api.js';
import { EventStream } from './events.js';
import { $, $$, clear, debounce, fmtTime, h, htmlToText } from './dom.js';
import { Chat } from './chat.js';
import { setupAdmin } from './admin.js';
import { S, attempt, showError, systemText, titleOf } from './ui.js';

const apiBase = document.querySelector('meta[name="mtchat-api-base"]')
    ?.content || '';
const STORE = 'mtchat-demo';

function setConn(mode) {
	S.live = mode === 'ws' || mode === 'poll';
	S.chat.renderMembers();
	const el = $('#conn');
	el.dataset.mode = mode;
	el.textContent = { ws: 'live', poll: 'live (polling)',
	    connecting: 'connecting…', offline: 'offline' }[mode] || mode;
	el.title = { ws: 'Live updates over the WebSocket',
	    poll: 'The WebSocket cannot connect: live updates by polling',
	    connecting: 'Connecting the WebSocket',
	    offline: 'No live updates: retrying' }[mode] || '';
}

// ---- the lists ----

function activity(d) {
	return d.last_message_at || d.created_at || '';
}

// Pinned first, then by last activity (the archived list: activity only).
function sortDialogs(list, pinFirst) {
	return list.sort((a, b) => {
		if (pinFirst && !!a.is_pinned !== !!b.is_pinned)
			return a.is_pinned ? -1 : 1;
		return activity(b).localeCompare(activity(a));
	});
}

function preview(d) {
	const m = d.last_message;
	if (!m)
		return d.i_am_participant ? 'No messages yet' :
		    `${d.participants_count ?? 0} participants`;
	if (m.message_type === 'system')
		return systemText(m.content);
	const who = m.sender_id === S.me.id ? 'You' :
	    (m.sender_name || m.sender_id);
	return `${who}: ${htmlToText(m.content).replace(/\s+/g, ' ')}`;
}

function learnNames(list) {
	for (const d of list)
		for (const p of d.participants || [])
			if (p.display_name)
				S.names.set(p.user_id, p.display_name);
}

let listsAsked = 0;	// the newest loadLists() call wins

async function loadLists() {
	const asked = ++listsAsked;
	const search = S.search;
	const mine = attempt('Loading your chats', () => S.api.dialogs({
		type: 'participating', archived: S.archived, search }));
	const avail = S.me.scope.length ? attempt('Loading available chats',
	    () => S.api.dialogs({ type: 'available', search })) : [];
	const [m, a] = await Promise.all([mine, avail]);
	if (asked !== listsAsked)
		return;	// a newer answer is on its way
	if (m) {
		S.lists.mine = sortDialogs(m, !S.archived);
		learnNames(m);
	}
	if (a) {
		S.lists.available = sortDialogs(a, false);
		learnNames(a);
	}
	S.chat.syncItem(S.lists.mine.find((d) => d.id === S.chat.id) ||
	    S.lists.available.find((d) => d.id === S.chat.id));
	renderLists();
}

const refreshLists = debounce(loadLists, 120);

function renderLists() {
	const list = S.lists[S.tab];
	for (const t of $$('.tabs [data-tab]')) {
		t.setAttribute('aria-selected', String(t.dataset.tab === S.tab));
		const n = t.dataset.tab === 'mine' ? S.lists.mine.reduce(
		    (s, d) => s + (d.unread_count || 0), 0) : 0;
		t.dataset.unread = n ? String(n) : '';
	}
	$('#archived-label').hidden = S.tab !== 'mine';
	const ul = clear($('#dialogs'));
	for (const d of list) {
		const unread = d.unread_count || 0;
		ul.append(h('li', { class: 'dialog-item' },
		    h('button', {
			type: 'button',
			class: `dialog${d.id === S.chat.id ? ' current' : ''}`,
			dataset: { id: d.id, unread: String(unread) },
			attrs: d.id === S.chat.id ? { 'aria-current': 'true' } : {},
			onclick: () => S.chat.open(d.id, d),
		    },
			h('span', { class: 'line' },
			    h('span', { class: 'title', text: titleOf(d) }),
			    d.is_pinned && h('span', { class: 'flag',
				text: 'pinned' }),
			    d.notifications_enabled === false &&
				h('span', { class: 'flag', text: 'muted',
				    title: 'Notifications off' }),
			    h('time', { class: 'when', text: fmtTime(activity(d)),
				dateTime: activity(d) })),
			h('span', { class: 'line' },
			    h('span', { class: 'preview', text: preview(d) }),
			    unread > 0 && h('span', { class: 'badge',
				text: String(unread),
				attrs: { 'aria-label': `${unread} unread` } }),
			    S.tab === 'available' && h('span', {
				class: 'tag', text: 'Join' })))));
	}
	const empty = $('#dialogs-empty');
	empty.hidden = list.length > 0;
	empty.textContent = S.search ? 'Nothing matches the search.' :
	    S.tab === 'available' ? (S.me.scope.length ?
		'No dialog of your scope to join.' :
		'With no scope you may join nothing: Switch user to set one.') :
	    S.archived ? 'No archived chats.' :
	    'No chats yet: join one under “Available”, or create one with ' +
	    'Admin (or run mtchat-admin demo-seed).';
}

// ---- live events ----

function onEvent(ev) {
	switch (ev.type) {
	case 'presence.update':
		S.online.set(ev.user_id, !!ev.is_online);
		S.onlineAt.set(ev.user_id, performance.now());
		S.chat.renderMembers();
		return;
	case 'message.new':
	case 'message.edited':
	case 'message.deleted':
	case 'message.read':
	case 'participant.joined':
	case 'participant.left':
	case 'dialog.archived':
	case 'dialog.unarchived':
	case 'dialog.deleted':
		S.chat.onEvent(ev);
		refreshLists();	// previews and exact unread counts
		return;
	default:
		return;
	}
}

async function onResync() {
	await loadLists();
	if (S.chat.id)
		await S.chat.reload();
}

// ---- who you are ----

function saved() {
	try {
		return JSON.parse(localStorage.getItem(STORE)) || {};
	} catch {
		return {};
	}
}

function remember(me) {
	const s = saved();
	const known = [me.id, ...(s.known || []).filter((u) => u !== me.id)];
	try {
		localStorage.setItem(STORE, JSON.stringify({ last: me,
		    known: known.slice(0, 8) }));
	} catch {
		// private mode: nothing remembered
	}
}

function showLogin() {
	const s = saved();
	const last = s.last || {};
	$('#login').hidden = false;
	$('#main').hidden = true;
	$('#btn-logout').hidden = true;
	$('#whoami').textContent = '';
	$('#login-user').value = last.id || '';
	$('#login-name').value = last.name || '';
	$('#login-company').value = last.company || '';
	$('#login-scope').value = (last.scope || ['demo']).join(', ');
	const known = [...new Set([...(s.known || []), 'alice', 'bob'])];
	clear($('#known-users')).append(...known.map((u) =>
	    h('option', { value: u })));
	const demo = { alice: ['Alice', 'Acme Logistics'],
	    bob: ['Bob', 'Globex Freight'] };
	clear($('#quick-users')).append(...Object.entries(demo).map(
	    ([id, [name, company]]) => h('button', {
		type: 'button', class: 'ghost', text: `I am ${id}`,
		dataset: { user: id },
		onclick: () => {
			$('#login-user').value = id;
			$('#login-name').value = name;
			$('#login-company').value = company;
		} })));
	$('#login-user').focus();
}

function start(me) {
	me.scope = Array.isArray(me.scope) ? me.scope : [];
	S.me = me;
	remember(me);
	S.api = new Api({ base: apiBase, userId: me.id,
	    // No scope, no header: a header would hide one's own dialogs
	    // that have scopes (docs/api.md#scopes), and "Available" needs one.
	    scope: me.scope.length ? { scope_level0: me.scope } : null });
	S.names.clear();
	S.online.clear();
	S.onlineAt.clear();
	S.lists = { mine: [], available: [] };
	S.chat.reset();
	$('#login').hidden = true;
	$('#main').hidden = false;
	$('#btn-logout').hidden = false;
	$('#whoami').textContent = me.name && me.name !== me.id ?
	    `${me.name} (${me.id})` : me.id;
	const wsUrl = new URL(`${apiBase}/api/v1/ws`, location.href);
	wsUrl.protocol = wsUrl.protocol === 'https:' ? 'wss:' : 'ws:';
	S.stream = new EventStream({ api: S.api, wsUrl: wsUrl.href, on: {
		event: onEvent,
		resync: onResync,
		mode: setConn,
		error: (e) => showError('Live updates', e),
	} });
	setConn('connecting');
	S.stream.start();	// its first resync loads the lists
}

function stop() {
	S.stream?.stop();
	S.stream = null;
	S.chat.reset();
	setConn('offline');
}

function setupLogin() {
	$('#login-form').addEventListener('submit', (e) => {
		e.preventDefault();
		const id = $('#login-user').value.trim();
		if (!id)
			return;
		const scope = $('#login-scope').value.split(',')
		    .map((s) => s.trim()).filter(Boolean);
		start({ id, name: $('#login-name').value.trim(),
		    company: $('#login-company').value.trim(), scope });
	});
	$('#btn-logout').addEventListener('click', () => {
		stop();
		showLogin();
	});
}

function setupLists() {
	for (const t of $$('.tabs [data-tab]'))
		t.addEventListener('click', () => {
			S.tab = t.dataset.tab;
			renderLists();
			loadLists();	// new dialogs send nobody an event
		});
	$('#archived').addEventListener('change', (e) => {
		S.archived = e.target.checked;
		loadLists();
	});
	const search = debounce(() => loadLists(), 250);
	$('#search').addEventListener('input', (e) => {
		S.search = e.target.value.trim();
		search();
	});
}

function main() {
	S.chat = new Chat();
	S.refreshLists = refreshLists;
	S.renderLists = renderLists;
	setupLogin();
	setupLists();
	setupAdmin();
	window.addEventListener('focus', () => S.api && refreshLists());
	window.addEventListener('unhandledrejection', (e) =>
	    showError('Unexpected failure', e.reason));
	const u = new URLSearchParams(location.search).get('user');
	if (u) {
		const s = saved().last;
		start(s && s.id === u ? s : { id: u, name: '', company: '',
		    scope: ['demo'] });
	} else
		showLogin();
}

main();
