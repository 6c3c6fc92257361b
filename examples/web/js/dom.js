// dom.js — building the page without HTML strings. Every text from the
// server or the user goes in through text nodes; the only HTML ever parsed
// is a message's content, which the server sanitized (docs/rest.md#html) and
// messageFragment() checks once more against the same allow-list.

// h('li', {class: 'x', dataset: {id}, onclick: f}, child, ...): an element.
// Props: class, dataset, text (textContent), attrs (setAttribute), on*
// (event listeners); anything else is set as a DOM property. Children are
// nodes or strings (as text), arrays of them, or null/false (skipped).
export function h(tag, props, ...children) {
	const el = document.createElement(tag);
	for (const [k, v] of Object.entries(props || {})) {
		if (v === undefined || v === null || v === false)
			continue;
		if (k === 'class')
			el.className = v;
		else if (k === 'dataset')
			Object.assign(el.dataset, v);
		else if (k === 'text')
			el.textContent = v;
		else if (k === 'attrs')
			for (const [a, av] of Object.entries(v))
				el.setAttribute(a, av);
		else if (k.startsWith('on') && typeof v === 'function')
			el.addEventListener(k.slice(2), v);
		else
			el[k] = v;
	}
	append(el, children);
	return el;
}

function append(el, children) {
	for (const c of children) {
		if (c === null || c === undefined || c === false)
			continue;
		if (Array.isArray(c))
			append(el, c);
		else
			el.append(c);	// a string becomes a text node
	}
}

export function clear(el) {
	el.replaceChildren();
	return el;
}

export const $ = (sel, root = document) => root.querySelector(sel);
export const $$ = (sel, root = document) => [...root.querySelectorAll(sel)];

// What docs/rest.md#html lets through; anything else is unwrapped or dropped.
const KEEP = new Set(['P', 'BR', 'STRONG', 'B', 'EM', 'I', 'U', 'S',
    'STRIKE', 'A', 'UL', 'OL', 'LI', 'BLOCKQUOTE', 'CODE', 'PRE', 'SPAN']);
const DROP = new Set(['SCRIPT', 'STYLE', 'TEMPLATE', 'IFRAME', 'OBJECT',
    'EMBED', 'SVG', 'MATH']);
const ATTRS = {
	'*': ['lang', 'title'],
	A: ['href', 'target', 'rel'],
	SPAN: ['data-type', 'data-id', 'data-label', 'data-mention', 'class'],
	CODE: ['class'],
	PRE: ['class'],
};

// An http(s) or relative URL resolved against the page, else null.
export function safeUrl(u) {
	if (typeof u !== 'string' || u === '')
		return null;
	try {
		const url = new URL(u, location.href);
		return url.protocol === 'http:' || url.protocol === 'https:' ?
		    url.href : null;
	} catch {
		return null;
	}
}

function scrub(node) {
	for (const child of [...node.childNodes]) {
		if (child.nodeType === Node.TEXT_NODE)
			continue;
		if (child.nodeType !== Node.ELEMENT_NODE) {
			child.remove();	// comments and the like
			continue;
		}
		const tag = child.tagName.toUpperCase();
		if (DROP.has(tag)) {
			child.remove();
			continue;
		}
		scrub(child);
		if (!KEEP.has(tag)) {
			child.replaceWith(...child.childNodes);
			continue;
		}
		const allowed = [...ATTRS['*'], ...(ATTRS[tag] || [])];
		for (const a of [...child.attributes])
			if (!allowed.includes(a.name))
				child.removeAttribute(a.name);
		if (tag === 'A') {
			const href = child.getAttribute('href');
			if (href !== null && safeUrl(href) === null)
				child.removeAttribute('href');
			child.setAttribute('rel', 'noopener noreferrer');
			child.setAttribute('target', '_blank');
		}
	}
}

// A message's content (server-sanitized HTML) as a fragment to insert. A
// <template> parses without running scripts or loading anything.
export function messageFragment(html) {
	const t = document.createElement('template');
	t.innerHTML = html;
	scrub(t.content);
	return t.content;
}

// The text of server HTML, for previews, quotes and editing: line breaks
// where <br> and block ends were. Parsed in an inert document.
export function htmlToText(html) {
	const doc = new DOMParser().parseFromString(String(html), 'text/html');
	for (const br of doc.querySelectorAll('br'))
		br.replaceWith('\n');
	for (const b of doc.querySelectorAll('p, li, blockquote, pre'))
		b.append('\n');
	return doc.body.textContent.replace(/\n+$/, '');
}

// Plain text typed by the user as message HTML: escaped by the DOM, lines
// joined with <br>. The server sanitizes it again before storing.
export function textToHtml(text) {
	const p = document.createElement('p');
	text.split('\n').forEach((line, i) => {
		if (i > 0)
			p.append(document.createElement('br'));
		p.append(line);
	});
	return p.outerHTML;
}

export function fmtTime(ts) {
	const d = new Date(ts);
	if (Number.isNaN(d.getTime()))
		return '';
	const now = new Date();
	const opts = d.toDateString() === now.toDateString() ?
	    { hour: '2-digit', minute: '2-digit' } :
	    { month: 'short', day: 'numeric', hour: '2-digit', minute: '2-digit' };
	return d.toLocaleString(undefined, opts);
}

export function fmtSize(n) {
	if (n < 1024)
		return `${n} B`;
	if (n < 1024 * 1024)
		return `${(n / 1024).toFixed(1)} KiB`;
	return `${(n / 1024 / 1024).toFixed(1)} MiB`;
}

// A function that runs f once, wait ms after the last of a burst of calls.
export function debounce(f, wait) {
	let timer = null;
	return (...args) => {
		clearTimeout(timer);
		timer = setTimeout(() => f(...args), wait);
	};
}
