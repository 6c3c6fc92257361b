// chat.js — the open dialog: its header and toggles, participants with
// presence, messages (scroll-back paging, reply with quote, edit, delete,
// read receipts, attachments) and the composer; or, for a dialog one may
// join, the join form. Message content is the server's sanitized HTML
// (docs/rest.md#html), inserted through messageFragment(); everything else is
// text.
import { $, clear, debounce, fmtSize, fmtTime, h, htmlToText,
    messageFragment, safeUrl, textToHtml } from './dom.js';
import { S, attempt, confirmBox, nameOf, showError, systemText,
    titleOf } from './ui.js';

const PAGE = 30;
const MAX_FILES = 10;			// docs/rest.md#c15
const MAX_SIZE = 104857600;
const IMAGE = /^image\/(jpeg|png|gif|webp|bmp)$/;

// Attachments: unknown until the first presign answers (C19 may not exist
// on this server: C19 answers then a bare 404).
const attach = { state: 'unknown', note: '' };

function excerpt(m) {
	if (!m)
		return '';
	const t = m.message_type === 'system' ? systemText(m.content) :
	    htmlToText(m.content).replace(/\s+/g, ' ').trim();
	const n = m.attachments?.length || 0;
	const a = n ? ` [${n} attachment${n > 1 ? 's' : ''}]` : '';
	return (t.length > 120 ? `${t.slice(0, 120)}…` : t || '…') + a;
}

export class Chat {
	constructor() {
		this.d = null;	// the open dialog's state, see open()
		this.markRead = debounce(() => this.sendRead(), 300);
		this.bind();
	}

	get id() {
		return this.d?.id ?? null;
	}

	reset() {
		this.close();
		attach.state = 'unknown';
	}

	// ---- opening and closing ----

	async open(id, item) {
		if (this.d?.id === id && this.d.member === !!item?.i_am_participant)
			return;
		const d = {
			id,
			item: item || null,
			member: item ? !!item.i_am_participant : null,
			msgs: new Map(),	// id -> message
			els: new Map(),		// id -> <li>
			order: [],		// ids, ascending
			hasMoreBefore: false,
			loadingOlder: false,
			participants: [],
			myRead: null,		// my last_read_message_id
			quoted: new Map(),	// id -> message|null (C16)
			replyTo: null,
			editing: null,
			files: [],
		};
		this.d = d;
		document.body.classList.add('chat-open');
		$('#chat-none').hidden = true;
		$('#chat-pane').hidden = false;
		clear($('#msg-list'));
		clear($('#members'));
		this.setContext(null);
		this.setFiles([]);
		$('#text').value = '';
		S.renderLists();
		if (d.member === null) {
			const got = await attempt('Opening the dialog',
			    () => S.api.dialog(id));
			if (this.d !== d)
				return;
			if (!got) {
				this.close();
				return;
			}
			d.item = got;
			d.member = !!got.i_am_participant;
		}
		this.renderHead();
		$('#join-form').hidden = d.member;
		$('#composer').hidden = !d.member;
		$('#messages').hidden = !d.member;
		if (!d.member) {
			$('#join-name').value = S.me.name || S.me.id;
			$('#join-company').value = S.me.company || '';
			this.loadParticipants();
			return;
		}
		await this.loadFirstPage();
		if (this.d === d)
			this.probeAttachments(d);
	}

	close() {
		this.d = null;
		document.body.classList.remove('chat-open');
		$('#chat-pane').hidden = true;
		$('#chat-none').hidden = false;
		if (S.renderLists)
			S.renderLists();
	}

	async reload() {
		const d = this.d;
		if (!d)
			return;
		this.d = null;
		await this.open(d.id, d.item);
	}

	// The list item of the open dialog changed (per-user flags, counts).
	syncItem(item) {
		if (!this.d || !item)
			return;
		this.d.item = { ...this.d.item, ...item };
		this.renderHead();
	}

	// ---- loading ----

	async loadFirstPage() {
		const d = this.d;
		const [page, parts] = await Promise.all([
			attempt('Loading messages',
			    () => S.api.messages(d.id, { limit: PAGE })),
			this.loadParticipants(),
		]);
		if (this.d !== d || !page)
			return;
		for (const m of page.messages)
			this.upsert(m, false);
		d.hasMoreBefore = page.has_more_before;
		$('#btn-older').hidden = !d.hasMoreBefore;
		const first = page.first_unread_message_id;
		const divider = first && (d.item?.unread_count || 0) > 0 &&
		    d.els.get(first);
		if (divider)
			divider.before(h('li', { class: 'divider',
			    text: 'New messages' }));
		this.renderReceipts();
		if (divider)
			divider.scrollIntoView({ block: 'center' });
		else
			this.scrollBottom();
		if (parts)
			this.markRead();
	}

	async loadParticipants() {
		const d = this.d;
		const asked = performance.now();
		const list = await attempt('Loading participants',
		    () => S.api.participants(d.id));
		if (this.d !== d || !list)
			return list;
		d.participants = list;
		for (const p of list) {
			if (p.display_name)
				S.names.set(p.user_id, p.display_name);
			// An event newer than the request knows better.
			if (!(S.onlineAt.get(p.user_id) > asked))
				S.online.set(p.user_id, !!p.is_online);
			if (p.user_id === S.me.id)
				d.myRead = p.last_read_message_id;
		}
		this.renderHead();
		this.renderMembers();
		this.renderReceipts();
		return list;
	}

	async loadOlder() {
		const d = this.d;
		if (!d || !d.hasMoreBefore || d.loadingOlder || !d.order.length)
			return;
		d.loadingOlder = true;
		const page = await attempt('Loading older messages',
		    () => S.api.messages(d.id, { before: d.order[0],
			limit: PAGE }));
		if (this.d !== d)
			return;
		d.loadingOlder = false;
		if (!page)
			return;
		const box = $('#messages');
		const height = box.scrollHeight, top = box.scrollTop;
		for (const m of page.messages)
			this.upsert(m, false);
		d.hasMoreBefore = page.has_more_before;
		$('#btn-older').hidden = !d.hasMoreBefore;
		this.renderReceipts();
		box.scrollTop = top + (box.scrollHeight - height);
	}

	// ---- messages ----

	atBottom() {
		const b = $('#messages');
		return b.scrollHeight - b.scrollTop - b.clientHeight < 80;
	}

	scrollBottom() {
		const b = $('#messages');
		b.scrollTop = b.scrollHeight;
	}

	// Adds or replaces a message, keeping id order (ids are UUIDv7).
	upsert(m, receipts = true) {
		const d = this.d;
		const old = d.msgs.get(m.id);
		if (old)
			m = { ...old, ...m, attachments: m.attachments ??
			    old.attachments };
		d.msgs.set(m.id, m);
		const li = this.renderMsg(m);
		if (d.els.has(m.id)) {
			d.els.get(m.id).replaceWith(li);
		} else {
			let i = d.order.length;
			while (i > 0 && d.order[i - 1] > m.id)
				i--;
			d.order.splice(i, 0, m.id);
			const next = d.order[i + 1];
			if (next)
				d.els.get(next).before(li);
			else
				$('#msg-list').append(li);
		}
		d.els.set(m.id, li);
		this.refreshQuotes(m.id);
		if (receipts)
			this.renderReceipts();
	}

	drop(id) {
		const d = this.d;
		d.els.get(id)?.remove();
		d.els.delete(id);
		d.msgs.delete(id);
		d.order = d.order.filter((x) => x !== id);
		d.quoted.set(id, null);
		this.refreshQuotes(id);
		if (d.replyTo?.id === id || d.editing?.id === id)
			this.setContext(null);
	}

	renderMsg(m) {
		if (m.message_type === 'system')
			return h('li', { class: 'msg system', dataset: { id: m.id } },
			    h('span', { text: systemText(m.content) }),
			    h('time', { text: fmtTime(m.sent_at),
				dateTime: m.sent_at }));
		const mine = m.sender_id === S.me.id;
		return h('li', { class: `msg${mine ? ' mine' : ''}`,
		    dataset: { id: m.id, sender: m.sender_id || '' } },
		    h('div', { class: 'meta' },
			h('span', { class: 'who', text: mine ? 'You' :
			    nameOf(m.sender_id) }),
			h('time', { text: fmtTime(m.sent_at), dateTime: m.sent_at }),
			m.last_edited_at && h('span', { class: 'edited',
			    text: 'edited', title: fmtTime(m.last_edited_at) })),
		    m.reply_to_id && this.renderQuote(m.reply_to_id),
		    h('div', { class: 'body' }, messageFragment(m.content)),
		    m.attachments?.length > 0 &&
			this.renderAttachments(m.attachments),
		    h('div', { class: 'foot' },
			mine && h('span', { class: 'receipt' }),
			h('span', { class: 'tools' },
			    h('button', { type: 'button', class: 'ghost tool',
				text: 'Reply', dataset: { act: 'reply' },
				onclick: () => this.setContext('reply', m.id) }),
			    mine && h('button', { type: 'button',
				class: 'ghost tool', text: 'Edit',
				dataset: { act: 'edit' },
				onclick: () => this.setContext('edit', m.id) }),
			    mine && h('button', { type: 'button',
				class: 'ghost tool danger', text: 'Delete',
				dataset: { act: 'delete' },
				onclick: () => this.remove(m.id) }))));
	}

	renderQuote(ref) {
		const q = h('blockquote', { class: 'quote', dataset: { ref },
		    title: 'Show the quoted message',
		    onclick: () => this.d?.els.get(ref)?.scrollIntoView(
			{ block: 'center', behavior: 'smooth' }) });
		this.fillQuote(q);
		return q;
	}

	fillQuote(q) {
		const d = this.d, ref = q.dataset.ref;
		const m = d.msgs.get(ref) ?? d.quoted.get(ref);
		if (m === undefined) {
			q.replaceChildren(h('span', { class: 'quote-text',
			    text: '…' }));
			this.fetchQuoted(ref);
		} else if (m === null) {
			q.replaceChildren(h('span', { class: 'quote-text gone',
			    text: 'Deleted message' }));
		} else {
			q.replaceChildren(
			    h('span', { class: 'quote-who',
				text: m.sender_id ? nameOf(m.sender_id) : '' }),
			    h('span', { class: 'quote-text', text: excerpt(m) }));
		}
	}

	refreshQuotes(ref) {
		for (const q of $('#msg-list').querySelectorAll(
		    `blockquote[data-ref="${CSS.escape(ref)}"]`))
			this.fillQuote(q);
	}

	// A quoted message outside the loaded pages (C16); 404: deleted.
	async fetchQuoted(ref) {
		const d = this.d;
		if (d.quoted.has(ref))
			return;
		d.quoted.set(ref, undefined);
		let m = null;
		try {
			m = await S.api.message(d.id, ref);
		} catch (e) {
			if (e.status !== 404)
				showError('Loading a quoted message', e);
		}
		if (this.d !== d)
			return;
		d.quoted.set(ref, m);
		this.refreshQuotes(ref);
	}

	renderAttachments(list) {
		return h('ul', { class: 'atts' }, list.map((a) => {
			const url = safeUrl(a.url);
			const label = `${a.filename} · ${fmtSize(a.size)}`;
			if (!url)
				return h('li', {}, h('span', {
				    text: `${label} (no download link)` }));
			return h('li', {}, h('a', { href: url, target: '_blank',
			    rel: 'noopener noreferrer', download: a.filename },
			    IMAGE.test(a.content_type) && h('img', { src: url,
				alt: a.filename, loading: 'lazy' }),
			    h('span', { text: label })));
		}));
	}

	// Who has read my messages: a participant's read position at or
	// after the message (positions and ids share one order).
	renderReceipts() {
		const d = this.d;
		if (!d)
			return;
		const others = d.participants.filter((p) =>
		    p.user_id !== S.me.id);
		const mine = d.order.filter((id) =>
		    d.msgs.get(id).sender_id === S.me.id);
		mine.forEach((id, i) => {
			const r = d.els.get(id)?.querySelector('.receipt');
			if (!r)
				return;
			const readers = others.filter((p) =>
			    p.last_read_message_id &&
			    p.last_read_message_id >= id);
			const names = readers.map((p) => nameOf(p.user_id));
			r.dataset.readBy = readers.map((p) => p.user_id).join(',');
			r.classList.toggle('read', readers.length > 0);
			r.title = names.length ? `Read by ${names.join(', ')}` :
			    'Sent';
			r.textContent = readers.length ? (i === mine.length - 1 ?
			    `✓✓ Read by ${names.join(', ')}` : '✓✓') : '✓';
		});
	}

	async sendRead() {
		const d = this.d;
		if (!d || !d.member || document.visibilityState !== 'visible')
			return;
		const last = d.order[d.order.length - 1];
		if (!last || (d.myRead && d.myRead >= last))
			return;
		d.myRead = last;
		await attempt('Marking messages read', () => S.api.read(d.id, last));
	}

	// ---- composing ----

	// kind: null, 'reply' or 'edit', about message id.
	setContext(kind, id) {
		const d = this.d;
		const box = $('#compose-ctx');
		if (!d || !kind) {
			if (d) {
				if (d.editing)
					$('#text').value = '';
				d.replyTo = d.editing = null;
			}
			box.hidden = true;
			return;
		}
		const m = d.msgs.get(id);
		if (!m)
			return;
		d.replyTo = kind === 'reply' ? m : null;
		d.editing = kind === 'edit' ? m : null;
		$('#compose-ctx-text').textContent = kind === 'reply' ?
		    `Replying to ${m.sender_id === S.me.id ? 'yourself' :
		    nameOf(m.sender_id)}: ${excerpt(m)}` : 'Editing your message';
		box.dataset.kind = kind;
		box.hidden = false;
		if (kind === 'edit')
			$('#text').value = htmlToText(m.content);
		$('#text').focus();
	}

	async submit() {
		const d = this.d;
		const ta = $('#text');
		const text = ta.value.replace(/\s+$/, '');
		if (!d || (!text.trim() && !d.files.length))
			return;
		const send = $('#send');
		send.disabled = true;
		try {
			if (d.editing) {
				const id = d.editing.id;
				const m = await attempt('Editing the message',
				    () => S.api.edit(d.id, id, textToHtml(text)));
				if (m && this.d === d) {
					this.upsert(m);
					this.setContext(null);
					ta.value = '';
				}
				return;
			}
			let atts = [];
			if (d.files.length &&
			    (atts = await this.uploadAll(d)) === null)
				return;
			const m = await attempt('Sending the message',
			    () => S.api.send(d.id, {
				content: text.trim() ? textToHtml(text) : '',
				replyTo: d.replyTo?.id, attachments: atts }));
			if (!m || this.d !== d)
				return;
			d.myRead = m.id;	// a send reads up to it (C15)
			$('#msg-list').querySelector('.divider')?.remove();
			this.upsert(m);
			this.scrollBottom();
			this.setContext(null);
			this.setFiles([]);
			ta.value = '';
		} finally {
			send.disabled = false;
			this.autosize();
		}
	}

	async remove(id) {
		const d = this.d;
		if (!await confirmBox('Delete this message for everybody?'))
			return;
		const ok = await attempt('Deleting the message',
		    () => S.api.remove(d.id, id));
		if (ok !== undefined && this.d === d)
			this.drop(id);
	}

	autosize() {
		const ta = $('#text');
		ta.style.height = 'auto';
		ta.style.height = `${Math.min(ta.scrollHeight, 160)}px`;
	}

	// ---- attachments (C19 presign, PUT, then C15 with the keys) ----

	async probeAttachments(d) {
		if (attach.state === 'unknown') {
			attach.state = 'probing';
			try {
				await S.api.presign(d.id, { name: 'probe.txt',
				    type: 'text/plain', size: 1 });
				attach.state = 'on';
			} catch (e) {
				if ((e.status === 404 && !e.code) ||
				    e.status === 405 || e.status === 501) {
					attach.state = 'off';
					attach.note = 'not supported by this ' +
					    'server yet';
				} else if (e.status === 500) {
					attach.state = 'off';
					attach.note = 'no file storage is ' +
					    'configured';
				} else
					attach.state = 'on';
			}
		}
		this.renderAttach();
	}

	renderAttach() {
		const off = attach.state === 'off';
		$('#attach').disabled = off;
		$('#attach-label').classList.toggle('disabled', off);
		$('#attach-label').title = off ? `Attachments are off: ${attach.note}` :
		    'Attach files';
		const note = $('#attach-note');
		note.hidden = !off;
		note.textContent = off ? `Attachments off: ${attach.note}.` : '';
	}

	setFiles(files) {
		const d = this.d;
		if (d)
			d.files = files;
		const ul = clear($('#pending-files'));
		ul.hidden = !files.length;
		files.forEach((f, i) => ul.append(h('li', {},
		    h('span', { text: `${f.name} · ${fmtSize(f.size)}` }),
		    h('button', { type: 'button', class: 'ghost', text: '✕',
			attrs: { 'aria-label': `Remove ${f.name}` },
			onclick: () => this.setFiles(files.filter((_, j) =>
			    j !== i)) }))));
	}

	addFiles(list) {
		const d = this.d;
		const files = [...d.files];
		for (const f of list) {
			if (f.size < 1 || f.size > MAX_SIZE) {
				showError(`Attaching ${f.name}`, new Error(
				    'a file must have 1 byte to 100 MiB'));
				continue;
			}
			if (files.length === MAX_FILES) {
				showError(`Attaching ${f.name}`, new Error(
				    `at most ${MAX_FILES} files per message`));
				break;
			}
			files.push(f);
		}
		this.setFiles(files);
	}

	// Each file presigned and uploaded; the attachments for C15, or null.
	async uploadAll(d) {
		const out = [];
		for (const f of d.files) {
			const ok = await attempt(`Uploading ${f.name}`, async () => {
				const p = await S.api.presign(d.id, f);
				await S.api.upload(p.upload_url, f);
				out.push({ s3_key: p.s3_key, filename: f.name,
				    content_type: f.type, size: f.size });
				return true;
			});
			if (!ok)
				return null;
		}
		return out;
	}

	// ---- header, members, toggles, join and leave ----

	renderHead() {
		const d = this.d;
		if (!d || !d.item)
			return;
		const it = d.item;
		$('#chat-title').textContent = titleOf(it);
		const n = d.participants.length || it.participants_count || 0;
		$('#chat-sub').textContent = `${it.object_type} · ${it.object_id}` +
		    ` · ${n} participant${n === 1 ? '' : 's'}` +
		    (it.is_archived ? ' · archived' : '');
		$('#chat-actions').hidden = !d.member;
		$('#btn-pin').textContent = it.is_pinned ? 'Unpin' : 'Pin';
		$('#btn-pin').setAttribute('aria-pressed', String(!!it.is_pinned));
		const on = it.notifications_enabled !== false;
		$('#btn-mute').textContent = on ? 'Mute' : 'Unmute';
		$('#btn-mute').title = on ? 'Notifications on: turn off' :
		    'Notifications off: turn on';
		$('#btn-mute').setAttribute('aria-pressed', String(!on));
		$('#btn-archive').textContent = it.is_archived ? 'Unarchive' :
		    'Archive';
	}

	renderMembers() {
		const d = this.d;
		if (!d)
			return;
		const list = d.participants.length ? d.participants :
		    (d.item?.participants || []);
		clear($('#members')).append(...list.map((p) => {
			// Nobody hears of their own presence
			// (docs/events.md#audience).
			const online = p.user_id === S.me.id ? S.live :
			    !!S.online.get(p.user_id);
			return h('li', { class: 'member', dataset: {
			    user: p.user_id, online: String(online) } },
			    h('span', { class: 'dot', title: online ? 'online' :
				'offline' }),
			    h('span', { class: 'name', text: p.user_id === S.me.id ?
				`${nameOf(p.user_id)} (you)` :
				(p.display_name || p.user_id) }),
			    p.company && h('span', { class: 'company',
				text: p.company }));
		}));
	}

	async toggle(what) {
		const d = this.d;
		if (!d?.item)
			return;
		const it = d.item;
		const flip = {
			pin: ['is_pinned', 'pin', 'unpin', 'Pinning',
			    'Unpinning'],
			archive: ['is_archived', 'archive', 'unarchive',
			    'Archiving', 'Unarchiving'],
		}[what];
		let ok;
		if (flip) {
			const on = !it[flip[0]];
			ok = await attempt(`${on ? flip[3] : flip[4]} the dialog`,
			    () => S.api.action(d.id, on ? flip[1] : flip[2]));
			if (ok)
				it[flip[0]] = on;
		} else {
			const on = it.notifications_enabled === false;
			ok = await attempt(`Turning notifications ${on ? 'on' :
			    'off'}`, () => S.api.notifications(d.id, on));
			if (ok)
				it.notifications_enabled = on;
		}
		if (ok && this.d === d) {
			this.renderHead();
			S.refreshLists();
		}
	}

	async join() {
		const d = this.d;
		const val = (id) => $(id).value.trim();
		const profile = { display_name: val('#join-name'),
		    company: val('#join-company') };
		if (val('#join-email'))
			profile.email = val('#join-email');
		if (val('#join-phone'))
			profile.phone = val('#join-phone');
		$('#join-go').disabled = true;
		const ok = await attempt('Joining the dialog',
		    () => S.api.join(d.id, profile));
		$('#join-go').disabled = false;
		if (!ok || this.d !== d)
			return;
		S.names.set(S.me.id, profile.display_name);
		this.d = null;
		await this.open(d.id, { ...d.item, i_am_participant: true,
		    unread_count: 0 });
		S.refreshLists();
	}

	async leave() {
		const d = this.d;
		if (!await confirmBox(`Leave “${titleOf(d.item)}”?`))
			return;
		const ok = await attempt('Leaving the dialog',
		    () => S.api.action(d.id, 'leave'));
		if (ok && this.d === d) {
			this.close();
			S.refreshLists();
		}
	}

	// ---- live events about the open dialog ----

	onEvent(ev) {
		const d = this.d;
		if (!d || ev.dialog_id !== d.id)
			return;
		switch (ev.type) {
		case 'message.new': {
			if (!d.member)
				return;
			const stick = this.atBottom();
			this.upsert({ id: ev.id, dialog_id: ev.dialog_id,
			    sender_id: ev.sender_id ?? null, content: ev.content,
			    sent_at: ev.sent_at, last_edited_at: null,
			    reply_to_id: ev.reply_to_id ?? null,
			    message_type: ev.message_type,
			    attachments: ev.attachments });
			if (stick)
				this.scrollBottom();
			if (ev.sender_id !== S.me.id)
				this.markRead();
			return;
		}
		case 'message.edited':
			if (d.msgs.has(ev.id))
				this.upsert({ id: ev.id, content: ev.content,
				    last_edited_at: ev.last_edited_at });
			else if (d.quoted.get(ev.id))
				d.quoted.set(ev.id, { ...d.quoted.get(ev.id),
				    content: ev.content });
			this.refreshQuotes(ev.id);
			return;
		case 'message.deleted':
			this.drop(ev.id);
			return;
		case 'message.read':
			for (const p of d.participants)
				if (p.user_id === ev.user_id &&
				    !(p.last_read_message_id >= ev.last_read_message_id))
					p.last_read_message_id = ev.last_read_message_id;
			if (ev.user_id === S.me.id && !(d.myRead >= ev.last_read_message_id))
				d.myRead = ev.last_read_message_id;
			this.renderReceipts();
			return;
		case 'participant.joined':
		case 'participant.left':
			if (ev.user_id === S.me.id) {
				if (ev.type === 'participant.left' && d.member) {
					this.close();
					showError(titleOf(d.item || {}), new Error(
					    'you are no longer a participant'));
				}
				return;
			}
			this.loadParticipants();
			return;
		case 'dialog.archived':
		case 'dialog.unarchived':
			if (d.item) {
				d.item.is_archived = ev.type === 'dialog.archived';
				this.renderHead();
			}
			return;
		case 'dialog.deleted':
			this.close();
			showError(titleOf(d.item || {}), new Error(
			    'the dialog was deleted'));
			return;
		default:
			return;
		}
	}

	bind() {
		$('#btn-back').addEventListener('click', () => this.close());
		$('#btn-older').addEventListener('click', () => this.loadOlder());
		$('#messages').addEventListener('scroll', () => {
			if ($('#messages').scrollTop < 80)
				this.loadOlder();
		});
		$('#btn-pin').addEventListener('click', () => this.toggle('pin'));
		$('#btn-archive').addEventListener('click',
		    () => this.toggle('archive'));
		$('#btn-mute').addEventListener('click', () => this.toggle('mute'));
		$('#btn-leave').addEventListener('click', () => this.leave());
		$('#join-form').addEventListener('submit', (e) => {
			e.preventDefault();
			this.join();
		});
		$('#composer').addEventListener('submit', (e) => {
			e.preventDefault();
			this.submit();
		});
		const ta = $('#text');
		ta.addEventListener('keydown', (e) => {
			if (e.key === 'Enter' && !e.shiftKey && !e.isComposing) {
				e.preventDefault();
				this.submit();
			} else if (e.key === 'Escape')
				this.setContext(null);
		});
		ta.addEventListener('input', () => this.autosize());
		$('#compose-ctx-cancel').addEventListener('click',
		    () => this.setContext(null));
		$('#attach').addEventListener('change', (e) => {
			this.addFiles([...e.target.files]);
			e.target.value = '';
		});
		document.addEventListener('visibilitychange', () => {
			if (document.visibilityState === 'visible')
				this.markRead();
		});
	}
}
