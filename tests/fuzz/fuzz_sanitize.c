/*
 * fuzz_sanitize.c — the HTML sanitizer of message content (lib/sanitize.c,
 * docs/rest.md#html). Properties, for every input it accepts:
 *   - sanitizing its output again changes nothing;
 *   - the output, parsed as an HTML5 body fragment the way a browser
 *     parses it (gumbo), holds only the allowed elements, each with only
 *     its allowed attributes, no comment, and no href whose scheme, as a
 *     browser reads it (leading C0 controls and spaces skipped, tabs and
 *     newlines ignored), is other than http or https;
 *   - a refused input is not UTF-8.
 * The allow-list here is written from docs/rest.md#html, not taken from
 * lib/sanitize.c, so that the two are checked against each other.
 * SPDX-License-Identifier: MIT
 */
#include <gumbo.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "err.h"
#include "fuzz.h"
#include "json.h"
#include "mem.h"
#include "sanitize.h"

static const char *const tags[] = {
	"p", "br", "strong", "b", "em", "i", "u", "s", "strike", "a", "ul",
	"ol", "li", "blockquote", "code", "pre", "span", NULL
};

static bool
in_list(const char *s, const char *const *list)
{
	for (; *list != NULL; list++)
		if (strcmp(s, *list) == 0)
			return true;
	return false;
}

static bool
attr_allowed(const char *tag, const char *name)
{
	static const char *const any[] = { "lang", "title", NULL };
	static const char *const a[] = { "href", "target", "rel", NULL };
	static const char *const span[] = { "data-type", "data-id",
	    "data-label", "data-mention", "class", NULL };
	static const char *const code[] = { "class", NULL };

	if (in_list(name, any))
		return true;
	if (strcmp(tag, "a") == 0)
		return in_list(name, a);
	if (strcmp(tag, "span") == 0)
		return in_list(name, span);
	if (strcmp(tag, "code") == 0 || strcmp(tag, "pre") == 0)
		return in_list(name, code);
	return false;
}

/* Whether a browser would follow href to a scheme other than http(s). */
static bool
bad_scheme(const char *v)
{
	char s[16];
	size_t n = 0;

	while (*v != '\0' && (unsigned char)*v <= 0x20)
		v++;
	for (; *v != '\0'; v++) {
		if (*v == '\t' || *v == '\n' || *v == '\r')
			continue;
		if (*v == ':')
			break;
		if (!((*v >= 'a' && *v <= 'z') || (*v >= 'A' && *v <= 'Z') ||
		    (n > 0 && ((*v >= '0' && *v <= '9') || *v == '+' ||
		    *v == '-' || *v == '.'))))
			return false;	/* no scheme: a relative reference */
		if (n < sizeof(s) - 1)
			s[n] = (char)(*v | 0x20);
		n++;
	}
	if (*v != ':' || n == 0)
		return false;
	s[n < sizeof(s) - 1 ? n : sizeof(s) - 1] = '\0';
	return !(n == 4 && strcmp(s, "http") == 0) &&
	    !(n == 5 && strcmp(s, "https") == 0);
}

static void
check_tree(const GumboNode *node, const char *out)
{
	const GumboVector *kids;
	const char *tag;
	unsigned i;

	FUZZ_CHECK(node->type != GUMBO_NODE_COMMENT, "a comment in %.300s",
	    out);
	if (node->type != GUMBO_NODE_ELEMENT)
		return;
	tag = gumbo_normalized_tagname(node->v.element.tag);
	kids = &node->v.element.children;
	if (node->v.element.tag != GUMBO_TAG_HTML &&
	    node->v.element.tag != GUMBO_TAG_BODY) {
		FUZZ_CHECK(node->v.element.tag != GUMBO_TAG_UNKNOWN &&
		    in_list(tag, tags), "element <%s> in %.300s",
		    node->v.element.tag == GUMBO_TAG_UNKNOWN ? "?" : tag, out);
		for (i = 0; i < node->v.element.attributes.length; i++) {
			const GumboAttribute *a =
			    node->v.element.attributes.data[i];

			FUZZ_CHECK(attr_allowed(tag, a->name),
			    "attribute %s on <%s> in %.300s", a->name, tag, out);
			FUZZ_CHECK(strcmp(a->name, "href") != 0 ||
			    !bad_scheme(a->value), "href=\"%s\" in %.300s",
			    a->value, out);
		}
	}
	for (i = 0; i < kids->length; i++)
		check_tree(kids->data[i], out);
}

/* gumbo 0.10.1 reads the quirks mode it never sets in fragment mode:
 * zeroed blocks (no quirks), as lib/sanitize.c does. */
static void *
zalloc(void *arg, size_t len)
{
	(void)arg;
	return calloc(1, len ? len : 1);
}

static void
zfree(void *arg, void *p)
{
	(void)arg;
	free(p);
}

FUZZ_INIT_JSON

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	GumboOptions o = kGumboDefaultOptions;
	char *out = NULL, *again = NULL;
	GumboOutput *tree;
	int rc;

	if (size > 20000)
		return 0;
	rc = sanitize_html((const char *)data, size, &out);
	if (rc != 0) {
		FUZZ_CHECK(rc == MT_EINVAL, "rc %d", rc);
		return 0;
	}
	FUZZ_CHECK(sanitize_html(out, strlen(out), &again) == 0,
	    "its own output refused: %.300s", out);
	FUZZ_CHECK(strcmp(out, again) == 0, "not idempotent:\n  %.300s\n"
	    "  %.300s", out, again);
	o.allocator = zalloc;
	o.deallocator = zfree;
	o.fragment_context = GUMBO_TAG_BODY;
	o.fragment_namespace = GUMBO_NAMESPACE_HTML;
	o.max_errors = 0;
	if ((tree = gumbo_parse_with_options(&o, out, strlen(out))) != NULL) {
		check_tree(tree->root, out);
		gumbo_destroy_output(&o, tree);
	}
	mt_free(again);
	mt_free(out);
	return 0;
}
