// api.js — the REST calls of docs/rest.md#chat-api (Chat API) and
// docs/rest.md#management-api M1 (create a dialog), and the polling endpoint of
// N3. Every failure becomes an ApiError whose message is the server's
// error.message (docs/errors.md), the plain-text body of a framework error
// (docs/errors.md#plain), or what went wrong on the way.

export class ApiError extends Error {
	constructor(status, code, message) {
		super(message);
		this.status = status;	// 0: no answer at all
		this.code = code;	// docs/errors.md#codes code, or '' when the body had none
	}
}

const enc = encodeURIComponent;

// Standard base64 of UTF-8 (btoa alone takes only Latin-1).
function b64(text) {
	let bin = '';
	for (const byte of new TextEncoder().encode(text))
		bin += String.fromCharCode(byte);
	return btoa(bin);
}

function query(params) {
	const parts = [];
	for (const [k, v] of Object.entries(params))
		if (v !== undefined && v !== null)
			parts.push(`${enc(k)}=${enc(String(v))}`);
	return parts.length ? `?${parts.join('&')}` : '';
}

async function failure(res) {
	let text = '';
	try {
		text = await res.text();
	} catch {
		// the status alone will do
	}
	let code = '', message = '';
	const type = res.headers.get('Content-Type') || '';
	if (type.includes('json')) {
		try {
			const body = JSON.parse(text);
			code = body?.error?.code || '';
			message = body?.error?.message || '';
		} catch {
			// not the docs/errors.md envelope after all
		}
	} else if (type.startsWith('text/plain'))
		message = text.trim().slice(0, 200);	// docs/errors.md#plain framework errors
	if (!message)
		message = res.status === 404 ? 'Not Found' :
		    res.statusText || `HTTP ${res.status}`;
	return new ApiError(res.status, code, message);
}

export class Api {
	// base: what comes before /api/v1 ('' for this origin's root); scope:
	// {scope_level0: [...], ...} sent as X-Scope-Config
	// (docs/api.md#scopes).
	constructor({ base = '', userId, scope = null }) {
		this.base = base.replace(/\/+$/, '');
		this.userId = userId;
		this.scope = scope ? b64(JSON.stringify(scope)) : null;
	}

	// One request; resolves to the parsed JSON body (null for 204).
	async call(method, path, { params = {}, body, admin, signal } = {}) {
		const headers = {};
		if (body !== undefined)
			headers['Content-Type'] = 'application/json';
		if (admin !== undefined) {
			if (admin)
				headers.Authorization = `Bearer ${admin}`;
		} else {
			params = { user_id: this.userId, ...params };
			if (this.scope)
				headers['X-Scope-Config'] = this.scope;
		}
		let res;
		try {
			res = await fetch(this.base + path + query(params), {
				method, headers, signal, cache: 'no-store',
				body: body === undefined ? undefined :
				    JSON.stringify(body),
			});
		} catch (e) {
			if (e.name === 'AbortError')
				throw e;
			throw new ApiError(0, 'NETWORK',
			    'the server could not be reached');
		}
		if (!res.ok)
			throw await failure(res);
		if (res.status === 204)
			return null;
		const text = await res.text();
		try {
			return text ? JSON.parse(text) : null;
		} catch {
			throw new ApiError(res.status, '',
			    'the server answered something that is not JSON');
		}
	}

	// C1: type 'participating' or 'available'; archived true/false/undefined.
	async dialogs({ type, archived, search }) {
		const r = await this.call('GET', '/api/v1/dialogs', {
			params: { type, archived, search: search || undefined,
			    limit: 100 },
		});
		return r.data;
	}

	async dialog(id) {
		return (await this.call('GET', `/api/v1/dialogs/${enc(id)}`)).data;
	}

	join(id, profile) {
		return this.call('POST', `/api/v1/dialogs/${enc(id)}/join`,
		    { body: profile });
	}

	// leave, archive, unarchive, pin, unpin: body-less POSTs.
	action(id, what) {
		return this.call('POST', `/api/v1/dialogs/${enc(id)}/${what}`);
	}

	notifications(id, enabled) {
		return this.call('POST',
		    `/api/v1/dialogs/${enc(id)}/notifications`,
		    { body: { enabled } });
	}

	read(id, messageId) {
		return this.call('POST', `/api/v1/dialogs/${enc(id)}/read`,
		    { body: { last_read_message_id: messageId } });
	}

	async participants(id) {
		return (await this.call('GET',
		    `/api/v1/dialogs/${enc(id)}/participants`)).data;
	}

	// C14: {messages, first_unread_message_id, has_more_before, ...}.
	async messages(id, { before, limit = 30 } = {}) {
		return (await this.call('GET',
		    `/api/v1/dialogs/${enc(id)}/messages`,
		    { params: { limit, before } })).data;
	}

	async message(dialogId, id) {
		return (await this.call('GET',
		    `/api/v1/dialogs/${enc(dialogId)}/messages/${enc(id)}`)).data;
	}

	async send(dialogId, { content, replyTo, attachments = [] }) {
		const body = { content, attachments };
		if (replyTo)
			body.reply_to = replyTo;
		return (await this.call('POST',
		    `/api/v1/dialogs/${enc(dialogId)}/messages`, { body })).data;
	}

	async edit(dialogId, id, content) {
		return (await this.call('PUT',
		    `/api/v1/dialogs/${enc(dialogId)}/messages/${enc(id)}`,
		    { body: { content } })).data;
	}

	remove(dialogId, id) {
		return this.call('DELETE',
		    `/api/v1/dialogs/${enc(dialogId)}/messages/${enc(id)}`);
	}

	// C19: {upload_url, s3_key, expires_in}.
	async presign(dialogId, file) {
		return (await this.call('POST', '/api/v1/upload/presign', {
			body: { dialog_id: dialogId, filename: file.name,
			    content_type: file.type, size: file.size },
		})).data;
	}

	// PUT of the bytes to the presigned URL (C19: exactly that type).
	async upload(url, file) {
		let res;
		try {
			res = await fetch(url, { method: 'PUT', body: file,
			    headers: { 'Content-Type': file.type } });
		} catch {
			throw new ApiError(0, 'NETWORK',
			    'the upload could not reach the storage');
		}
		if (!res.ok)
			throw await failure(res);
	}

	// M1 with the admin token the user typed ('' when the API is open).
	async createDialog(body, token) {
		return (await this.call('POST', '/api/v1/management/dialogs',
		    { body, admin: token })).data;
	}

	// N3: {events, cursor}; without since, just the current cursor.
	async events({ since, timeout, signal } = {}) {
		return (await this.call('GET', '/api/v1/events',
		    { params: { since, timeout }, signal })).data;
	}
}
