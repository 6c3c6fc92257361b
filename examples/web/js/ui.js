// ui.js — what every part of the demo client shares: the state object,
// error reporting, confirmation, and names for users, dialogs and system
// messages.
import { $, h } from './dom.js';

export const S = {
	api: null,
	stream: null,
	me: null,	// {id, name, company, scope: [...]}
	tab: 'mine',	// or 'available'
	archived: false,
	search: '',
	lists: { mine: [], available: [] },
	names: new Map(),	// user_id -> display name
	online: new Map(),	// user_id -> bool
	onlineAt: new Map(),	// user_id -> when a presence event said so
	live: false,		// receiving live events: online oneself
	chat: null,		// the Chat (chat.js)
	refreshLists: null,	// reloads the lists soon (app.js)
	renderLists: null,	// redraws them (app.js)
};

// ---- errors: one line per failed call, dismissable ----

export function showError(what, err) {
	const status = err?.status ? ` (HTTP ${err.status})` : '';
	const text = `${what}: ${err?.message || err}${status}`;
	console.warn('mtchat:', text);
	const list = $('#errors');
	const li = h('li', { class: 'error' },
	    h('span', { text }),
	    h('button', { type: 'button', class: 'ghost', text: '✕',
		attrs: { 'aria-label': 'Dismiss' },
		onclick: () => li.remove() }));
	list.append(li);
	while (list.children.length > 4)
		list.firstElementChild.remove();
	setTimeout(() => li.remove(), 12000);
}

// Runs an API call; on failure shows "what: message" and returns undefined.
export async function attempt(what, f) {
	try {
		return await f();
	} catch (e) {
		showError(what, e);
		return undefined;
	}
}

export function nameOf(userId) {
	if (userId === S.me?.id && S.me.name)
		return S.me.name;
	return S.names.get(userId) || userId;
}

// In-page confirmation (window.confirm would block, and is unstyled).
export function confirmBox(text) {
	const d = $('#confirm-dialog');
	$('#confirm-text').textContent = text;
	return new Promise((resolve) => {
		d.addEventListener('close',
		    () => resolve(d.returnValue === 'yes'), { once: true });
		d.returnValue = '';
		d.showModal();
	});
}

// System messages carry JSON (docs/rest.md#system-messages); this is its
// sentence.
export function systemText(content) {
	let m;
	try {
		m = JSON.parse(content);
	} catch {
		return String(content);
	}
	const who = (p) => p.company ? `${p.name} (${p.company})` : p.name;
	switch (m?.event) {
	case 'chat_created':
		return `Chat created with ${(m.participants || []).map(who)
		    .join(', ')}`;
	case 'participant_joined':
		return `${who(m)} joined`;
	case 'participant_left':
		return `${m.name} left`;
	default:
		return String(content);
	}
}

export function titleOf(d) {
	return d.title || `${d.object_type} ${d.object_id}`;
}

