// admin.js — the admin panel: creates a dialog through the Management API
// (docs/rest.md M1 M1) as a host application would. The admin token is what
// the user types; it stays in this module's memory for the tab's life and
// is neither stored nor part of the page.
import { $ } from './dom.js';
import { S, showError } from './ui.js';

let token = '';

// "user, Display Name, Company" lines as M1 participants.
function participants(text) {
	const out = [];
	for (const line of text.split('\n')) {
		const [user_id, name, company] = line.split(',').map((s) =>
		    s.trim());
		if (!user_id)
			continue;
		const p = { user_id, display_name: name || user_id };
		if (company)
			p.company = company;
		out.push(p);
	}
	return out;
}

function fill() {
	const me = S.me;
	$('#admin-token').value = token;
	$('#admin-title').value = '';
	$('#admin-oid').value = `order-${Math.floor(Math.random() * 9000) + 1000}`;
	$('#admin-parts').value = me ? [me.id, me.name || me.id,
	    me.company].filter(Boolean).join(', ') : '';
	$('#admin-scope').value = me ? me.scope.join(', ') : 'demo';
	$('#admin-error').textContent = '';
}

async function create() {
	const err = $('#admin-error');
	const scope = $('#admin-scope').value.split(',').map((s) => s.trim())
	    .filter(Boolean);
	const body = {
		object_type: $('#admin-otype').value.trim(),
		object_id: $('#admin-oid').value.trim(),
		title: $('#admin-title').value.trim() || null,
		participants: participants($('#admin-parts').value),
		access_scopes: scope.length ? [{ scope_level0: scope }] : [],
	};
	token = $('#admin-token').value;
	err.textContent = '';
	$('#admin-create').disabled = true;
	try {
		const d = await S.api.createDialog(body, token);
		$('#admin-dialog').close();
		S.refreshLists();
		if (body.participants.some((p) => p.user_id === S.me.id))
			S.chat.open(d.id);
	} catch (e) {
		const hint = e.status === 401 || e.status === 403 ?
		    ' — check the admin token' : '';
		err.textContent = `${e.message}${hint}`;
		showError('Creating the dialog', e);
	} finally {
		$('#admin-create').disabled = false;
	}
}

export function setupAdmin() {
	const dlg = $('#admin-dialog');
	$('#btn-admin').addEventListener('click', () => {
		if (!S.api) {
			showError('Admin', new Error('say who you are first'));
			return;
		}
		fill();
		dlg.showModal();
		$('#admin-title').focus();
	});
	$('#admin-cancel').addEventListener('click', () => dlg.close());
	$('#admin-form').addEventListener('submit', (e) => {
		e.preventDefault();
		create();
	});
}
