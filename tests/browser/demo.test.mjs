// demo.test.mjs — the demo web client (examples/web) in Debian's headless
// Chromium, driven by playwright-core, against the real stack that
// tests/it/0920-browser.sh starts (lighttpd, mtchat.fcgi, mtchat-bridge).
// Two browser contexts are two users, alice (desktop) and bob (phone
// width). Steps run in order; the first failure takes a screenshot of every
// open page into the work directory and ends the run.
//
// env: MTCHAT_BASE (http://127.0.0.1:PORT), MTCHAT_WORK (a directory),
//      MTCHAT_ADMIN_TOKEN, CHROMIUM (default /usr/bin/chromium)
import { chromium } from 'playwright-core';
import { mkdtempSync } from 'node:fs';
import { join } from 'node:path';

const BASE = process.env.MTCHAT_BASE;
const WORK = process.env.MTCHAT_WORK;
const TOKEN = process.env.MTCHAT_ADMIN_TOKEN;
const T = 10000;	// how long any one outcome may take to show
let passed = 0;

const deadline = setTimeout(() => {
	console.log('FAIL: the browser test took longer than 90 s');
	process.exit(1);
}, 90000);

const browser = await chromium.launch({
	executablePath: process.env.CHROMIUM || '/usr/bin/chromium',
	headless: true,
	// Playwright gives the browser a fresh --user-data-dir of its own.
	args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic',
	    '--no-first-run', '--disable-background-networking',
	    '--disable-component-update', '--disable-sync'],
	downloadsPath: mkdtempSync(join(WORK, 'downloads-')),
});
const pages = {};	// name -> page, for the failure screenshots
const problems = [];	// page errors: any one fails the run

async function user(name, viewport) {
	const ctx = await browser.newContext({ viewport });
	ctx.setDefaultTimeout(T);
	const page = await ctx.newPage();
	watch(name, page);
	return { ctx, page };
}

function watch(name, page) {
	pages[name] = page;
	page.on('pageerror', (e) => problems.push(`${name}: ${e.message}`));
}

async function step(name, f) {
	const t0 = Date.now();
	try {
		await f();
		if (problems.length)
			throw new Error(`error in the page: ${problems.join('; ')}`);
	} catch (e) {
		console.log(`FAIL ${name}: ${e.message.split('\n')[0]}`);
		for (const [n, p] of Object.entries(pages))
			if (!p.isClosed())
				await p.screenshot({ path: join(WORK,
				    `fail-${n}.png`), fullPage: true })
				    .catch(() => {});
		console.log(`screenshots: ${WORK}/fail-*.png`);
		console.log(`browser: ${passed} passed, 1 failed`);
		await browser.close();
		process.exit(1);
	}
	passed++;
	console.log(`ok   ${name} (${Date.now() - t0} ms)`);
}

function check(what, actual, expected) {
	if (actual !== expected)
		throw new Error(`${what}: expected ${JSON.stringify(expected)}, ` +
		    `got ${JSON.stringify(actual)}`);
}

// Waits until f(arg) is true in the page (polled on animation frames).
function until(page, f, arg, timeout = T) {
	return page.waitForFunction(f, arg, { timeout });
}

// The id of the message whose text is text, once the page shows it.
async function msgId(page, text, timeout = T) {
	const found = await page.waitForFunction((t) => {
		const m = [...document.querySelectorAll('#msg-list .msg')]
		    .find((e) => e.querySelector('.body')?.textContent === t);
		return m ? m.dataset.id : false;
	}, text, { timeout });
	return found.jsonValue();
}

// Waits until the page shows selector with text in it.
function shows(page, selector, text, timeout = T) {
	return until(page, ([s, t]) => [...document.querySelectorAll(s)]
	    .some((e) => e.textContent.includes(t)), [selector, text], timeout);
}

async function login(page, id, name, company) {
	await page.goto(BASE + '/');
	await page.fill('#login-user', id);
	await page.fill('#login-name', name);
	await page.fill('#login-company', company);
	await page.fill('#login-scope', 'demo');
	await page.click('#login-go');
	await page.waitForSelector('#conn[data-mode="ws"]', { timeout: T });
}

async function send(page, text) {
	await page.fill('#text', text);
	await page.press('#text', 'Enter');
	return msgId(page, text);
}

const A = await user('alice', { width: 1280, height: 800 });
const B = await user('bob', { width: 390, height: 780 });
const a = A.page, b = B.page;
let dialogId, m1, m2, reply;

// Bob's display name is not sanitized by the server (docs/rest.md#html): the
// page must show it as text.
const BOB = 'Bob <img src=x onerror="window.__xss=1">';
const TITLE = 'Order 42 <script>window.__xss=2</script>';

await step('alice and bob log in; both live over the WebSocket', async () => {
	await login(a, 'alice', 'Alice', 'Acme');
	await login(b, 'bob', BOB, 'Globex');
});

let bNavigations = 0;
b.on('framenavigated', (f) => {
	if (f === b.mainFrame())
		bNavigations++;
});

await step('a wrong admin token is refused with a clear message', async () => {
	await a.click('#btn-admin');
	await a.fill('#admin-token', 'wrong');
	await a.fill('#admin-title', TITLE);
	await a.click('#admin-create');
	await shows(a, '#admin-error', 'Invalid admin token');
	await shows(a, '#errors li', 'Invalid admin token');
});

await step('alice creates a dialog from the admin panel', async () => {
	await a.fill('#admin-token', TOKEN);
	await a.click('#admin-create');
	await a.waitForSelector('#admin-dialog:not([open])', { state: 'attached',
	    timeout: T });
	await until(a, (t) => document.querySelector('#chat-title')
	    .textContent === t, TITLE);
	dialogId = await a.getAttribute('#dialogs .dialog.current', 'data-id');
	check('dialog id', /^[0-9a-f-]{36}$/.test(dialogId || ''), true);
	await a.click('#errors li button');	// the refusal, read
});

await step('bob finds it under Available and joins with a profile',
    async () => {
	await b.click('#tab-available');
	await b.click(`#dialogs .dialog[data-id="${dialogId}"]`);
	await b.waitForSelector('#join-form:not([hidden])', { timeout: T });
	check('display name offered', await b.inputValue('#join-name'), BOB);
	await b.fill('#join-company', 'Globex');
	await b.click('#join-go');
	await b.waitForSelector('#composer:not([hidden])', { timeout: T });
	// Alice sees the join live: its system message and the new member.
	await shows(a, '.msg.system', 'joined');
	await a.waitForSelector('#members [data-user="bob"][data-online="true"]',
	    { timeout: T });
});

await step('alice sends; bob sees it within 1 s, without reload', async () => {
	const seen = until(b, () => !!document.querySelector(
	    '#msg-list .msg .body'), null, 3000).then(() => Date.now());
	const t0 = Date.now();
	m1 = await send(a, 'Hello Bob');
	const took = await seen - t0;
	check('what bob saw', await msgId(b, 'Hello Bob', 100), m1);
	if (took > 1000)
		throw new Error(`bob saw it after ${took} ms`);
	console.log(`     (bob saw it ${took} ms after alice pressed Enter)`);
});

await step('bob had it open: the read receipt reaches alice', async () => {
	await a.waitForSelector(`.msg[data-id="${m1}"] .receipt.read` +
	    '[data-read-by="bob"]', { timeout: T });
});

await step('bob is elsewhere: his unread count goes to 1', async () => {
	await b.click('#btn-back');	// the phone layout: back to the list
	await b.click('#tab-mine');
	m2 = await send(a, 'Second message');
	await b.waitForSelector(`#dialogs .dialog[data-id="${dialogId}"]` +
	    '[data-unread="1"] .badge', { timeout: T });
	check('badge', await b.textContent(`#dialogs .dialog[data-id="${
	    dialogId}"] .badge`), '1');
	check('preview', (await b.textContent(`#dialogs .dialog[data-id="${
	    dialogId}"] .preview`)).includes('Second message'), true);
});

await step('bob opens it: unread cleared; bob replies with a quote',
    async () => {
	await b.click(`#dialogs .dialog[data-id="${dialogId}"]`);
	check('bob sees', await msgId(b, 'Second message'), m2);
	await b.click(`.msg[data-id="${m2}"] [data-act="reply"]`);
	reply = await send(b, 'Reply from Bob');
	check('alice sees', await msgId(a, 'Reply from Bob'), reply);
	await shows(a, `.msg[data-id="${reply}"] .quote`, 'Second message');
	await b.click('#btn-back');
	await b.waitForSelector(`#dialogs .dialog[data-id="${dialogId}"]` +
	    '[data-unread="0"]', { timeout: T });
	await b.click(`#dialogs .dialog[data-id="${dialogId}"]`);
});

await step('alice edits; bob sees the new text', async () => {
	await a.click(`.msg[data-id="${m1}"] [data-act="edit"]`);
	check('text to edit', await a.inputValue('#text'), 'Hello Bob');
	await a.fill('#text', 'Hello Bob, edited');
	await a.press('#text', 'Enter');
	await b.waitForSelector(`.msg[data-id="${m1}"] .edited`, { timeout: T });
	check('edited text', await b.textContent(`.msg[data-id="${m1}"] .body`),
	    'Hello Bob, edited');
});

await step('alice deletes; bob sees it gone and the quote says so',
    async () => {
	await a.click(`.msg[data-id="${m2}"] [data-act="delete"]`);
	await a.click('#confirm-yes');
	await b.waitForSelector(`.msg[data-id="${m2}"]`, { state: 'detached',
	    timeout: T });
	await shows(b, `.msg[data-id="${reply}"] .quote .gone`,
	    'Deleted message');
});

await step('an XSS payload sent through the API renders inert', async () => {
	const res = await fetch(`${BASE}/api/v1/dialogs/${dialogId}/messages` +
	    '?user_id=alice', {
		method: 'POST', headers: { 'Content-Type': 'application/json' },
		body: JSON.stringify({ content: '<p onclick="window.__xss=3">' +
		    'para</p><img src=x onerror="window.__xss=4"><script>' +
		    'window.__xss=5</script><a href="javascript:window.__xss=6">' +
		    'link</a><svg onload="window.__xss=7"></svg>' }),
	});
	check('send status', res.status, 200);
	const id = (await res.json()).data.id;
	const sel = `.msg[data-id="${id}"] .body`;
	await b.waitForSelector(sel, { timeout: T });
	await b.click(`${sel} p`);
	await b.click(`${sel} a`);
	for (const [p, name] of [[a, 'alice'], [b, 'bob']]) {
		await p.waitForSelector(sel, { timeout: T });
		const found = await p.evaluate((s) => {
			const body = document.querySelector(s);
			return {
				xss: window.__xss ?? null,
				active: body.querySelectorAll('img, script, svg, ' +
				    '[onclick], [onerror], [onload]').length,
				href: body.querySelector('a')?.getAttribute('href'),
				text: body.textContent,
				imgs: document.querySelectorAll(
				    '#members img, #chat-title *').length,
				title: document.querySelector('#chat-title')
				    .textContent,
			};
		}, sel);
		check(`${name}: nothing ran`, found.xss, null);
		check(`${name}: no active element`, found.active, 0);
		check(`${name}: no javascript: link`, found.href ?? null, null);
		check(`${name}: text kept`, found.text, 'paralink');
		check(`${name}: names and titles are text`, found.imgs, 0);
		check(`${name}: title shown as typed`, found.title, TITLE);
	}
	check('bob\'s name shown as typed', await a.textContent(
	    '#members [data-user="bob"] .name'), BOB);
	check('bob never reloaded', bNavigations, 0);
});

await step('bob closes the page: alice sees him go offline', async () => {
	await a.waitForSelector('#members [data-user="bob"][data-online="true"]',
	    { timeout: T });
	await b.close();
	await a.waitForSelector('#members [data-user="bob"][data-online="false"]',
	    { timeout: T });
});

await step('WebSocket refused: the page polls and still receives', async () => {
	// As behind a proxy without the WebSocket route: the upgrade gets
	// mtchat.fcgi's 404, a real failed handshake.
	await B.ctx.addInitScript(() => {
		const Native = window.WebSocket;
		window.WebSocket = class extends Native {
			constructor(url, protocols) {
				super(String(url).replace('/api/v1/ws',
				    '/api/v1/ws-refused'), protocols);
			}
		};
	});
	const p = await B.ctx.newPage();
	watch('bob-polling', p);
	await p.goto(`${BASE}/?user=bob`);
	await p.waitForSelector('#conn[data-mode="poll"]', { timeout: T });
	await p.click(`#dialogs .dialog[data-id="${dialogId}"]`);
	await msgId(p, 'Reply from Bob');
	// A poll is a presence ping: bob is back for alice.
	await a.waitForSelector('#members [data-user="bob"][data-online="true"]',
	    { timeout: T });
	const id = await send(a, 'While bob polls');
	check('bob sees', await msgId(p, 'While bob polls'), id);
	check('still polling', await p.getAttribute('#conn', 'data-mode'),
	    'poll');
});

await step('no failed call was reported on the way', async () => {
	for (const [n, p] of Object.entries(pages)) {
		if (p.isClosed())
			continue;
		const errors = await p.$$eval('#errors li', (l) =>
		    l.map((e) => e.textContent));
		check(`${n}: errors shown`, errors.join(' | '), '');
	}
});

await browser.close();
clearTimeout(deadline);
console.log(`browser: ${passed} passed, 0 failed`);
