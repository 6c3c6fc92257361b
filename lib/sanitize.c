/*
 * sanitize.c — HTML sanitisation of message content (docs/rest.md#html) with
 * the gumbo HTML5 parser, and the UTF-8 validator the other modules share.
 *
 * The content is parsed as a fragment in a <body> context, as a browser
 * would parse it, and the tree is written out again by this file alone:
 * allow-listed elements with their allow-listed attributes, the children of
 * every other element in its place, nothing at all of script, style and
 * template. Every byte of text and of attribute values is escaped here, so
 * nothing of the input reaches the output unescaped. Path A of
 * docs/rest.md#html (no '<') needs no code of its own: text without tags parses
 * to one text node, which the tokenizer has decoded and the writer escapes
 * again.
 *
 * The tree is walked through parent links, not by recursion: a 50 000-byte
 * message can nest 16 000 elements deep.
 *
 * gumbo 0.10.1 never checks what its allocator returns. The allocator given
 * to it links every block into a list and, when mt_calloc() fails,
 * longjmp()s back to parse(), which gives up; the list is then freed whole.
 * gumbo keeps no global state, so nothing is left half-changed. The same list
 * replaces gumbo_destroy_output(), which recurses once per nesting level.
 *
 * Where gumbo 0.10.1 differs from today's HTML parsing, the writer follows
 * today's: <isindex> is an ordinary unknown element, and code points the
 * parser would turn into U+FFFD are written as U+FFFD even when a character
 * reference produced them, so that the output is a fixed point.
 */
#include <gumbo.h>
#include <limits.h>
#include <setjmp.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "buf.h"
#include "err.h"
#include "hex.h"
#include "mem.h"
#include "sanitize.h"

#define REL_VALUE	"noopener noreferrer"	/* added to every <a> */

union gblock {			/* header in front of every gumbo block */
	struct {
		union gblock	*prev;
		union gblock	*next;
	}		 link;
	max_align_t	 align;	/* keeps gumbo's part suitably aligned */
};

/* An element written out whose end tag is not yet. */
struct open {
	const GumboNode	*n;
	size_t		 block;	/* 1 + index of the nearest li, ul,
				   ol, blockquote or pre at or below
				   it; 0: none */
};

struct san {
	GumboOptions	 opt;
	jmp_buf		 oom;		/* where gumbo's failures land */
	union gblock	*blocks;	/* every live gumbo allocation */
	struct buf	 out;
	bool		 pre_open;	/* nothing written since a <pre> tag */
	struct open	*open;		/* written, still open */
	size_t		 nopen, copen;
	size_t		 open_a, open_p;	/* how many are a, p */
};

struct tag_rule {
	GumboTag		 tag;
	const char		*name;
	const char *const	*attrs;	/* allowed besides lang and title */
};

struct url {			/* a cursor over an attribute value */
	const char	*p;
	const char	*end;
};

static const char *const ATTRS_ANY[] = { "lang", "title", NULL };
static const char *const ATTRS_NONE[] = { NULL };
static const char *const ATTRS_A[] = { "href", "target", NULL };
static const char *const ATTRS_CLASS[] = { "class", NULL };
static const char *const ATTRS_SPAN[] = {
	"data-type", "data-id", "data-label", "data-mention", "class", NULL
};

static const struct tag_rule TAGS[] = {
	{ GUMBO_TAG_P,		"p",		ATTRS_NONE },
	{ GUMBO_TAG_BR,		"br",		ATTRS_NONE },
	{ GUMBO_TAG_STRONG,	"strong",	ATTRS_NONE },
	{ GUMBO_TAG_B,		"b",		ATTRS_NONE },
	{ GUMBO_TAG_EM,		"em",		ATTRS_NONE },
	{ GUMBO_TAG_I,		"i",		ATTRS_NONE },
	{ GUMBO_TAG_U,		"u",		ATTRS_NONE },
	{ GUMBO_TAG_S,		"s",		ATTRS_NONE },
	{ GUMBO_TAG_STRIKE,	"strike",	ATTRS_NONE },
	{ GUMBO_TAG_A,		"a",		ATTRS_A },
	{ GUMBO_TAG_UL,		"ul",		ATTRS_NONE },
	{ GUMBO_TAG_OL,		"ol",		ATTRS_NONE },
	{ GUMBO_TAG_LI,		"li",		ATTRS_NONE },
	{ GUMBO_TAG_BLOCKQUOTE,	"blockquote",	ATTRS_NONE },
	{ GUMBO_TAG_CODE,	"code",		ATTRS_CLASS },
	{ GUMBO_TAG_PRE,	"pre",		ATTRS_CLASS },
	{ GUMBO_TAG_SPAN,	"span",		ATTRS_SPAN },
};

static void	*gb_alloc(void *, size_t);
static void	 gb_free(void *, void *);
static void	 gb_free_all(struct san *);
static GumboOutput *parse(struct san *, const char *, size_t);
static bool	 is_replaced(uint32_t);
static uint32_t	 utf8_decode(const unsigned char *, size_t, size_t *);
static const char *escape_of(uint32_t, bool);
static void	 put_escaped(struct buf *, const char *, bool);
static void	 put_text(struct san *, const char *);
static void	 put_start_tag(struct san *, const struct tag_rule *,
		    const GumboElement *);
static const struct tag_rule *rule_for(const GumboNode *);
static bool	 name_in(const char *const *, const char *);
static bool	 attr_allowed(const struct tag_rule *, const GumboAttribute *);
static int	 url_getc(struct url *);
static bool	 is_alpha(int);
static bool	 is_digit(int);
static bool	 is_hex(int);
static bool	 is_forbidden_host(int);
static bool	 host_ok(struct url *);
static bool	 http_ok(struct url *);
static bool	 href_allowed(const char *);
static bool	 href_written_allowed(const char *);
static bool	 is_block(GumboTag);
static bool	 nests(const struct san *, const struct tag_rule *);
static bool	 open_element(struct san *, const GumboNode *,
		    const struct tag_rule *);
static bool	 visit(struct san *, const GumboNode *);
static void	 leave(struct san *, const GumboNode *);
static GumboNode *first_child(const GumboNode *);
static GumboNode *next_sibling(const GumboNode *);
static void	 walk(struct san *, const GumboNode *);
static size_t	 utf8_seq_len(const unsigned char *, size_t);

/*
 * gumbo's allocator: links the block in, or leaves gumbo through s->oom.
 * Blocks are zeroed: in fragment mode gumbo 0.10.1 never sets the
 * document's quirks mode and reads it (<p><table>), and zero is the
 * no-quirks mode a fragment must be parsed in.
 */
static void *
gb_alloc(void *arg, size_t len)
{
	struct san *s = arg;
	union gblock *b;

	if (len > SIZE_MAX - sizeof(*b) ||
	    (b = mt_calloc(1, sizeof(*b) + len)) == NULL)
		longjmp(s->oom, 1);
	b->link.prev = NULL;
	b->link.next = s->blocks;
	if (s->blocks != NULL)
		s->blocks->link.prev = b;
	s->blocks = b;
	return b + 1;
}

static void
gb_free(void *arg, void *p)
{
	struct san *s = arg;
	union gblock *b;

	if (p == NULL)
		return;
	b = (union gblock *)p - 1;
	if (b->link.prev != NULL)
		b->link.prev->link.next = b->link.next;
	else
		s->blocks = b->link.next;
	if (b->link.next != NULL)
		b->link.next->link.prev = b->link.prev;
	mt_free(b);
}

static void
gb_free_all(struct san *s)
{
	union gblock *b;

	while ((b = s->blocks) != NULL) {
		s->blocks = b->link.next;
		mt_free(b);
	}
}

/*
 * Returns gumbo's tree, or NULL when an allocation failed. Kept apart from
 * sanitize_html() so that no local of the function calling setjmp() changes
 * before the longjmp(): s lives in the caller's frame.
 */
static GumboOutput *
parse(struct san *s, const char *in, size_t len)
{
	if (setjmp(s->oom) != 0)
		return NULL;
	return gumbo_parse_with_options(&s->opt, in, len);
}

/*
 * The code points gumbo's input stream turns into U+FFFD: controls other
 * than whitespace, and noncharacters. Character references can still make
 * them; writing U+FFFD for those too keeps the output a fixed point.
 */
static bool
is_replaced(uint32_t c)
{
	return (c >= 0x01 && c <= 0x08) || c == 0x0B ||
	    (c >= 0x0E && c <= 0x1F) || (c >= 0x7F && c <= 0x9F) ||
	    (c >= 0xFDD0 && c <= 0xFDEF) || (c & 0xFFFE) == 0xFFFE ||
	    c > 0x10FFFF;
}

/* Decodes the code point at p into *n bytes; UINT32_MAX if malformed. */
static uint32_t
utf8_decode(const unsigned char *p, size_t left, size_t *n)
{
	if ((*n = utf8_seq_len(p, left)) == 0) {
		*n = 1;		/* gumbo writes valid UTF-8: not reached */
		return UINT32_MAX;
	}
	switch (*n) {
	case 1:
		return p[0];
	case 2:
		return (uint32_t)(p[0] & 0x1F) << 6 | (p[1] & 0x3F);
	case 3:
		return (uint32_t)(p[0] & 0x0F) << 12 |
		    (uint32_t)(p[1] & 0x3F) << 6 | (p[2] & 0x3F);
	default:
		return (uint32_t)(p[0] & 0x07) << 18 |
		    (uint32_t)(p[1] & 0x3F) << 12 |
		    (uint32_t)(p[2] & 0x3F) << 6 | (p[3] & 0x3F);
	}
}

/*
 * What HTML5 serialization writes for c: & and U+00A0 always, < and > in
 * text, " in attribute values (always double-quoted); a CR as the LF the
 * parser would make of it; NULL to copy c.
 */
static const char *
escape_of(uint32_t c, bool is_attr)
{
	switch (c) {
	case '&':
		return "&amp;";
	case 0xA0:
		return "&nbsp;";
	case '<':
		return is_attr ? NULL : "&lt;";
	case '>':
		return is_attr ? NULL : "&gt;";
	case '"':
		return is_attr ? "&quot;" : NULL;
	case '\r':
		/* only &#13; makes one; parsed again it would be a LF */
		return "\n";
	default:
		return is_replaced(c) ? "\xEF\xBF\xBD" : NULL;
	}
}

static void
put_escaped(struct buf *b, const char *s, bool is_attr)
{
	const unsigned char *p = (const unsigned char *)s;
	size_t len = strlen(s), i = 0, run = 0, n;
	const char *rep;
	uint32_t c;

	while (i < len) {
		if (p[i] < 0x80) {
			c = p[i];
			n = 1;
		} else
			c = utf8_decode(p + i, len - i, &n);
		if ((rep = escape_of(c, is_attr)) != NULL) {
			buf_add(b, s + run, i - run);
			buf_addstr(b, rep);
			run = i + n;
		}
		i += n;
	}
	buf_add(b, s + run, i - run);
}

/*
 * Whether the href value v passes href_allowed() both as it is and as
 * put_escaped() will write it (what the parser would replace already
 * U+FFFD). Judging v alone let a control character pass as trailing
 * space and come back as a U+FFFD the next pass refused: the output was
 * not a fixed point. Judging only the written value would let
 * "&#1;javascript:" pass as a relative reference. false also when out of
 * memory (the attribute is dropped).
 */
static bool
href_written_allowed(const char *v)
{
	const unsigned char *p = (const unsigned char *)v;
	size_t len = strlen(v), i = 0, n;
	struct buf w = BUF_INIT;
	bool ok;

	while (i < len) {
		if (p[i] < 0x80 ? is_replaced(p[i]) :
		    is_replaced(utf8_decode(p + i, len - i, &n)))
			break;
		i += p[i] < 0x80 ? 1 : n;
	}
	if (i == len)
		return href_allowed(v);		/* written as it is */
	for (i = 0; i < len; i += n) {
		uint32_t c = p[i] < 0x80 ? (n = 1, p[i]) :
		    utf8_decode(p + i, len - i, &n);

		if (is_replaced(c))
			buf_addstr(&w, "\xEF\xBF\xBD");
		else
			buf_add(&w, v + i, n);
	}
	ok = w.err == 0 && href_allowed(v) && href_allowed(w.data);
	buf_reset(&w);
	return ok;
}

static void
put_text(struct san *s, const char *text)
{
	if (*text == '\0')
		return;
	/*
	 * The parser drops one newline right after <pre>; doubling it keeps
	 * a text that starts with a newline intact when the output is parsed
	 * again (the old HTML5 serialization rule, kept for round trips).
	 */
	if (s->pre_open && (*text == '\n' || *text == '\r'))	/* CR: LF */
		buf_add(&s->out, "\n", 1);
	s->pre_open = false;
	put_escaped(&s->out, text, false);
}

static void
put_start_tag(struct san *s, const struct tag_rule *r, const GumboElement *e)
{
	const GumboAttribute *a;
	unsigned int i;

	buf_add(&s->out, "<", 1);
	buf_addstr(&s->out, r->name);
	for (i = 0; i < e->attributes.length; i++) {
		a = e->attributes.data[i];
		if (!attr_allowed(r, a))
			continue;
		if (strcmp(a->name, "href") == 0 &&
		    !href_written_allowed(a->value))
			continue;
		buf_add(&s->out, " ", 1);
		buf_addstr(&s->out, a->name);
		buf_add(&s->out, "=\"", 2);
		put_escaped(&s->out, a->value, true);
		buf_add(&s->out, "\"", 1);
	}
	if (r->tag == GUMBO_TAG_A)
		buf_addstr(&s->out, " rel=\"" REL_VALUE "\"");
	buf_add(&s->out, ">", 1);
	s->pre_open = r->tag == GUMBO_TAG_PRE;
}

/* The rule of an element that is kept, or NULL. Only HTML elements are. */
static const struct tag_rule *
rule_for(const GumboNode *n)
{
	size_t i;

	if (n->type != GUMBO_NODE_ELEMENT ||
	    n->v.element.tag_namespace != GUMBO_NAMESPACE_HTML)
		return NULL;
	for (i = 0; i < sizeof(TAGS) / sizeof(TAGS[0]); i++)
		if (TAGS[i].tag == n->v.element.tag)
			return &TAGS[i];
	return NULL;
}

static bool
name_in(const char *const *list, const char *name)
{
	for (; *list != NULL; list++)
		if (strcmp(*list, name) == 0)
			return true;
	return false;
}

static bool
attr_allowed(const struct tag_rule *r, const GumboAttribute *a)
{
	if (a->attr_namespace != GUMBO_ATTR_NAMESPACE_NONE)
		return false;
	return name_in(ATTRS_ANY, a->name) || name_in(r->attrs, a->name);
}

/* The next byte of a URL without the tabs and newlines URL parsing drops. */
static int
url_getc(struct url *u)
{
	unsigned char c;

	while (u->p < u->end) {
		c = (unsigned char)*u->p++;
		if (c != '\t' && c != '\n' && c != '\r')
			return c;
	}
	return -1;
}

static bool
is_alpha(int c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');
}

static bool
is_digit(int c)
{
	return c >= '0' && c <= '9';
}

static bool
is_hex(int c)
{
	return c >= 0 && c <= 0x7F && hex_value((unsigned char)c) >= 0;
}

/* WHATWG URL: forbidden domain code points that can reach the host. */
static bool
is_forbidden_host(int c)
{
	return c <= 0x20 || c == 0x7F || c == '%' ||
	    strchr("#/:<>?@[\\]^|", c) != NULL;
}

/*
 * Checks "host[:port]" the way the URL parser does for http and https,
 * closely enough: the host is not empty and has no forbidden code point
 * (also once percent-decoded), an IPv6 address is bracketed hex, colons and
 * dots, and a port is decimal and at most 65535. IDNA and IPv4 number
 * rules are not checked; they cannot change the scheme.
 */
static bool
host_ok(struct url *h)
{
	long port = 0;
	size_t n = 0;
	int c, c2;

	if ((c = url_getc(h)) == '[') {
		while ((c = url_getc(h)) != ']') {
			if (c == -1 || !(is_hex(c) || c == ':' || c == '.'))
				return false;
			n++;
		}
		c = url_getc(h);
	} else {
		for (; c != -1 && c != ':'; c = url_getc(h), n++) {
			if (c != '%')
				c2 = c;
			else if (is_hex(c = url_getc(h)) &&
			    is_hex(c2 = url_getc(h)))
				c2 = hex_value((unsigned char)c) * 16 +
				    hex_value((unsigned char)c2);
			else
				return false;
			if (is_forbidden_host(c2))
				return false;
		}
	}
	if (n == 0 || (c != -1 && c != ':'))
		return false;
	while ((c = url_getc(h)) != -1) {
		if (!is_digit(c) || (port = port * 10 + (c - '0')) > 65535)
			return false;
	}
	return true;
}

/* Checks what follows "http:" or "https:": slashes, authority, the rest. */
static bool
http_ok(struct url *u)
{
	struct url host, prev;
	int c;

	do {
		prev = *u;
		c = url_getc(u);
	} while (c == '/' || c == '\\');
	*u = prev;
	host = *u;
	for (;;) {
		prev = *u;
		c = url_getc(u);
		if (c == -1 || c == '/' || c == '\\' || c == '?' || c == '#')
			break;
		if (c == '@')		/* userinfo ends at the last '@' */
			host = *u;
	}
	host.end = prev.p;
	return host_ok(&host);
}

/*
 * Applies docs/rest.md#html to an href value: no scheme (a relative reference)
 * passes, http and https pass if the URL parses, every other scheme fails. As
 * URL parsers do, C0 controls and spaces around the value and tabs and newlines
 * inside it are ignored, so " java\tscript:" is seen as "javascript:". The
 * value itself is kept unchanged.
 */
static bool
href_allowed(const char *v)
{
	struct url u;
	char scheme[6];		/* enough to tell "https" from longer ones */
	size_t n = 0;
	int c;

	u.p = v;
	u.end = v + strlen(v);
	while (u.p < u.end && (unsigned char)*u.p <= 0x20)
		u.p++;
	while (u.end > u.p && (unsigned char)u.end[-1] <= 0x20)
		u.end--;
	if (!is_alpha(c = url_getc(&u)))
		return true;
	for (;;) {
		if (n < sizeof(scheme))
			scheme[n] = (char)(c | 0x20);
		n++;
		if ((c = url_getc(&u)) == ':')
			break;
		if (!is_alpha(c) && !is_digit(c) && c != '+' && c != '-' &&
		    c != '.')
			return true;	/* not a scheme: a relative path */
	}
	if (!(n == 4 && memcmp(scheme, "http", 4) == 0) &&
	    !(n == 5 && memcmp(scheme, "https", 5) == 0))
		return false;
	return http_ok(&u);
}

static bool
is_block(GumboTag t)
{
	return t == GUMBO_TAG_LI || t == GUMBO_TAG_UL || t == GUMBO_TAG_OL ||
	    t == GUMBO_TAG_BLOCKQUOTE || t == GUMBO_TAG_PRE;
}

/*
 * Whether an element r written inside the open ones would stay inside
 * them when the output is parsed again. A tree that came out of the
 * parser can still nest what its start tag would close once unwrapped
 * elements are gone, or through foreign content: an <a> inside an <a>
 * (the adoption agency closes the outer one), a p, list or block inside a
 * <p> (closes the p), an <li> whose nearest list or block is an <li>
 * (closes it). Such an element is unwrapped like a disallowed one, or
 * the output would not be a fixed point, the root of mutation XSS.
 */
static bool
nests(const struct san *s, const struct tag_rule *r)
{
	const struct open *top = s->nopen ? &s->open[s->nopen - 1] : NULL;
	size_t b = top == NULL ? 0 : top->block;

	if (r->tag == GUMBO_TAG_A)
		return s->open_a == 0;
	if (is_block(r->tag) || r->tag == GUMBO_TAG_P) {
		if (s->open_p > 0)
			return false;
		if (r->tag == GUMBO_TAG_LI && b > 0 &&
		    s->open[b - 1].n->v.element.tag == GUMBO_TAG_LI)
			return false;
	}
	return true;
}

/* Writes n's start tag and keeps it open; false when out of memory. */
static bool
open_element(struct san *s, const GumboNode *n, const struct tag_rule *r)
{
	struct open *o;

	if (mt_reserve(&s->open, &s->copen, s->nopen + 1, sizeof(*o)) != 0) {
		buf_fail(&s->out, MT_ENOMEM);
		return false;
	}
	o = &s->open[s->nopen];
	o->n = n;
	o->block = is_block(r->tag) ? s->nopen + 1 :
	    s->nopen > 0 ? s->open[s->nopen - 1].block : 0;
	s->nopen++;
	s->open_a += r->tag == GUMBO_TAG_A;
	s->open_p += r->tag == GUMBO_TAG_P;
	put_start_tag(s, r, &n->v.element);
	return true;
}

/* Writes what n itself contributes; returns true to go on to its children. */
static bool
visit(struct san *s, const GumboNode *n)
{
	const struct tag_rule *r;

	switch (n->type) {
	case GUMBO_NODE_TEXT:
	case GUMBO_NODE_WHITESPACE:
		put_text(s, n->v.text.text);
		return false;
	case GUMBO_NODE_ELEMENT:
		/* In any namespace: <svg><script> runs as well. */
		if (n->v.element.tag == GUMBO_TAG_SCRIPT ||
		    n->v.element.tag == GUMBO_TAG_STYLE)
			return false;
		/*
		 * gumbo still expands <isindex> into a form with a prompt
		 * text, which HTML dropped in 2016; today it is an unknown
		 * element and contributes nothing.
		 */
		if (n->parse_flags & GUMBO_INSERTION_FROM_ISINDEX)
			return false;
		if ((r = rule_for(n)) == NULL || !nests(s, r))
			return true;	/* unwrapped: its children only */
		if (r->tag == GUMBO_TAG_BR)
			put_start_tag(s, r, &n->v.element);
		else
			(void)open_element(s, n, r);
		return true;
	default:
		/*
		 * Comments, CDATA sections, and templates: a template's
		 * children are its content, which is not part of the DOM
		 * tree and is dropped (as ammonia, which never sees it).
		 */
		return false;
	}
}

/* Closes an element whose children have been visited. */
static void
leave(struct san *s, const GumboNode *n)
{
	const struct tag_rule *r;

	if (s->nopen == 0 || s->open[s->nopen - 1].n != n ||
	    (r = rule_for(n)) == NULL)
		return;		/* not written, or unwrapped */
	s->nopen--;
	s->open_a -= r->tag == GUMBO_TAG_A;
	s->open_p -= r->tag == GUMBO_TAG_P;
	buf_add(&s->out, "</", 2);
	buf_addstr(&s->out, r->name);
	buf_add(&s->out, ">", 1);
	s->pre_open = false;
}

static GumboNode *
first_child(const GumboNode *n)
{
	if (n->type != GUMBO_NODE_ELEMENT || n->v.element.children.length == 0)
		return NULL;
	return n->v.element.children.data[0];
}

static GumboNode *
next_sibling(const GumboNode *n)
{
	const GumboVector *v = &n->parent->v.element.children;
	size_t i = n->index_within_parent + 1;

	return i < v->length ? v->data[i] : NULL;
}

/* Writes the filtered children of root, depth first, without recursion. */
static void
walk(struct san *s, const GumboNode *root)
{
	GumboNode *n, *next;
	bool descend;

	n = first_child(root);
	while (n != NULL) {
		descend = visit(s, n);
		if (descend && (next = first_child(n)) != NULL) {
			n = next;
			continue;
		}
		if (descend)
			leave(s, n);
		/* Climb until a node has a next sibling, closing parents. */
		while ((next = next_sibling(n)) == NULL) {
			n = n->parent;
			if (n == root)
				break;
			leave(s, n);
		}
		n = next;
	}
}

int
sanitize_html(const char *in, size_t len, char **out)
{
	struct san s;
	GumboOutput *tree;

	*out = NULL;
	if (len == 0)
		in = "";
	/* gumbo keeps offsets in unsigned int. */
	if (len > UINT_MAX || !utf8_valid(in, len))
		return MT_EINVAL;
	memset(&s, 0, sizeof(s));
	s.opt = kGumboDefaultOptions;
	s.opt.allocator = gb_alloc;
	s.opt.deallocator = gb_free;
	s.opt.userdata = &s;
	s.opt.fragment_context = GUMBO_TAG_BODY;
	s.opt.fragment_namespace = GUMBO_NAMESPACE_HTML;
	s.opt.max_errors = 0;	/* the error list is unused and can be large */
	if ((tree = parse(&s, in, len)) != NULL)
		walk(&s, tree->root);
	else
		buf_fail(&s.out, MT_ENOMEM);
	gb_free_all(&s);
	mt_free(s.open);
	return (*out = buf_take(&s.out, NULL)) != NULL ? 0 : MT_ENOMEM;
}

/* Length of the well-formed sequence at p (Unicode table 3-7), or 0. */
static size_t
utf8_seq_len(const unsigned char *p, size_t left)
{
	unsigned char lo = 0x80, hi = 0xBF;
	size_t n, i;

	if (p[0] < 0x80)
		return 1;
	if (p[0] < 0xC2)		/* continuation byte or overlong */
		return 0;
	if (p[0] < 0xE0)
		n = 2;
	else if (p[0] < 0xF0) {
		n = 3;
		if (p[0] == 0xE0)
			lo = 0xA0;	/* overlong */
		else if (p[0] == 0xED)
			hi = 0x9F;	/* surrogates */
	} else if (p[0] < 0xF5) {
		n = 4;
		if (p[0] == 0xF0)
			lo = 0x90;	/* overlong */
		else if (p[0] == 0xF4)
			hi = 0x8F;	/* above U+10FFFF */
	} else
		return 0;
	if (left < n || p[1] < lo || p[1] > hi)
		return 0;
	for (i = 2; i < n; i++)
		if (p[i] < 0x80 || p[i] > 0xBF)
			return 0;
	return n;
}

bool
utf8_valid(const char *s, size_t len)
{
	const unsigned char *p = (const unsigned char *)s;
	size_t i = 0, n;

	while (i < len) {
		if ((n = utf8_seq_len(p + i, len - i)) == 0)
			return false;
		i += n;
	}
	return true;
}
