/*
 * json.c — building and parsing JSON with Jansson, with a nesting limit on
 * what it parses (JSON_MAX_DEPTH) and the timestamp format of
 * docs/api.md#conventions.
 */
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#if defined(__SSE2__)
#include <emmintrin.h>
#endif

#include "err.h"
#include "json.h"
#include "mem.h"
#include "tm.h"

void
json_init(void)
{
	json_set_alloc_funcs(mt_malloc, mt_free);
	json_object_seed(0);	/* now, not lazily in whichever thread is first */
}

int
json_add_new(json_t *obj, const char *key, json_t *val)
{
	if (val == NULL)
		return MT_ENOMEM;
	return json_object_set_new(obj, key, val) == 0 ? 0 : MT_ENOMEM;
}

int
json_add_str(json_t *obj, const char *key, const char *val)
{
	return json_add_new(obj, key, val ? json_string(val) : json_null());
}

int
json_add_str_opt(json_t *obj, const char *key, const char *val)
{
	if (val == NULL)
		return 0;
	return json_add_new(obj, key, json_string(val));
}

int
json_add_int(json_t *obj, const char *key, int64_t val)
{
	return json_add_new(obj, key, json_integer((json_int_t)val));
}

int
json_add_bool(json_t *obj, const char *key, bool val)
{
	return json_add_new(obj, key, json_boolean(val));
}

int
json_add_time(json_t *obj, const char *key, int64_t us)
{
	char buf[TM_BUF];

	if (tm_format(us, buf, sizeof(buf)) != 0)
		return MT_EINVAL;
	return json_add_new(obj, key, json_string(buf));
}

int
json_add_time_null(json_t *obj, const char *key, bool has_value, int64_t us)
{
	if (!has_value)
		return json_add_new(obj, key, json_null());
	return json_add_time(obj, key, us);
}

/*
 * A compact encoder producing exactly what json_dumps(JSON_COMPACT |
 * JSON_ENCODE_ANY) does, about four times faster: json_dumps goes through
 * a callback per token and copies every object key into a temporary, and
 * encoding dominated the cost of large list responses.
 */
/* Appends n bytes of s; a failure stays in b->err (buf.h). */
static inline void
jb_add(struct buf *b, const char *s, size_t n)
{
	(void)buf_add(b, s, n);
}

/* The escape of c (a quote, a backslash or a control character). */
static void
jb_escape(struct buf *b, unsigned char c)
{
	char esc[8];

	switch (c) {
	case '"':  jb_add(b, "\\\"", 2); return;
	case '\\': jb_add(b, "\\\\", 2); return;
	case '\b': jb_add(b, "\\b", 2); return;
	case '\f': jb_add(b, "\\f", 2); return;
	case '\n': jb_add(b, "\\n", 2); return;
	case '\r': jb_add(b, "\\r", 2); return;
	case '\t': jb_add(b, "\\t", 2); return;
	}
	snprintf(esc, sizeof(esc), "\\u%04X", c);
	jb_add(b, esc, 6);
}

#define ONES	UINT64_C(0x0101010101010101)
#define HIGHS	UINT64_C(0x8080808080808080)

/* Whether any of the 8 bytes at s is a control character, " or \. */
static inline bool
needs_escape8(const char *s)
{
	uint64_t x, quote, bslash;

	memcpy(&x, s, sizeof(x));
	quote = x ^ (ONES * '"');
	bslash = x ^ (ONES * '\\');
	return (((x - ONES * 0x20) & ~x) |
	    ((quote - ONES) & ~quote) |
	    ((bslash - ONES) & ~bslash)) & HIGHS;
}

#if defined(__SSE2__)
/* Of the 16 bytes at s, a bit for each control character, " or \. */
static inline unsigned
escape_mask16(const char *s)
{
	const __m128i quote = _mm_set1_epi8('"'), bslash = _mm_set1_epi8('\\');
	const __m128i ctl = _mm_set1_epi8(0x1f);
	__m128i x = _mm_loadu_si128((const __m128i *)(const void *)s);
	__m128i m = _mm_or_si128(_mm_or_si128(_mm_cmpeq_epi8(x, quote),
	    _mm_cmpeq_epi8(x, bslash)),
	    _mm_cmpeq_epi8(_mm_min_epu8(x, ctl), x));	/* x <= 0x1f */

	return (unsigned)_mm_movemask_epi8(m);
}
#endif

/*
 * The first byte of s[0..len) that needs an escape, or s + len: 16 bytes
 * at a time where SSE2 is (every x86-64), else 8; a tail shorter than
 * that is checked by a last block overlapping what was already found
 * clean.
 */
static const char *
first_escape(const char *s, size_t len)
{
	const char *end = s + len;

#if defined(__SSE2__)
	if (len >= 16) {
		unsigned m;

		for (; end - s >= 16; s += 16)
			if ((m = escape_mask16(s)) != 0)
				return s + __builtin_ctz(m);
		if (s == end || (m = escape_mask16(end - 16)) == 0)
			return end;
		return end - 16 + __builtin_ctz(m);
	}
#endif
	if (len >= 8) {
		for (; end - s >= 8; s += 8)
			if (needs_escape8(s))
				break;
		if (end - s < 8 && !needs_escape8(end - 8))
			return end;	/* the tail, checked overlapping */
	}
	for (; s < end; s++)
		if ((unsigned char)*s < 0x20 || *s == '"' || *s == '\\')
			return s;
	return end;
}

/*
 * A JSON string literal: ", \ and control characters escaped, UTF-8 raw.
 * Runs without escapes are found 8 bytes at a time and copied whole.
 */
static void
jb_string(struct buf *b, const char *s, size_t len)
{
	const char *end = s + len, *e;

	if (buf_room(b, len + 2) != 0)
		return;
	b->data[b->len++] = '"';
	while ((e = first_escape(s, (size_t)(end - s))) < end) {
		jb_add(b, s, (size_t)(e - s));
		jb_escape(b, (unsigned char)*e);
		s = e + 1;
	}
	if (buf_room(b, (size_t)(end - s) + 1) != 0)
		return;
	memcpy(b->data + b->len, s, (size_t)(end - s));
	b->len += (size_t)(end - s);
	b->data[b->len++] = '"';
	b->data[b->len] = '\0';
}

/* A string literal of s[0..len), which holds nothing to escape. */
static void
jb_plain(struct buf *b, const char *s, size_t len)
{
	if (buf_room(b, len + 2) != 0)
		return;
	b->data[b->len] = '"';
	memcpy(b->data + b->len + 1, s, len);
	b->len += len + 2;
	b->data[b->len - 1] = '"';
	b->data[b->len] = '\0';
}

/* v in decimal, by hand: snprintf() is slow for the many ids and counts. */
static void
jb_int(struct buf *b, int64_t v)
{
	uint64_t u = v < 0 ? -(uint64_t)v : (uint64_t)v;
	char num[24], *p = num + sizeof(num);

	do {
		*--p = (char)('0' + u % 10);
		u /= 10;
	} while (u != 0);
	if (v < 0)
		*--p = '-';
	jb_add(b, p, (size_t)(num + sizeof(num) - p));
}

static void
jb_value(struct buf *b, const json_t *v)
{
	char *text;
	const char *key;
	json_t *item;
	size_t i;
	int first = 1;

	switch (json_typeof(v)) {
	case JSON_OBJECT:
		jb_add(b, "{", 1);
		json_object_foreach((json_t *)(uintptr_t)v, key, item) {
			if (!first)
				jb_add(b, ",", 1);
			first = 0;
			jb_string(b, key, strlen(key));
			jb_add(b, ":", 1);
			jb_value(b, item);
		}
		jb_add(b, "}", 1);
		break;
	case JSON_ARRAY:
		jb_add(b, "[", 1);
		json_array_foreach(v, i, item) {
			if (i > 0)
				jb_add(b, ",", 1);
			jb_value(b, item);
		}
		jb_add(b, "]", 1);
		break;
	case JSON_STRING:
		jb_string(b, json_string_value(v), json_string_length(v));
		break;
	case JSON_INTEGER:
		jb_int(b, (int64_t)json_integer_value(v));
		break;
	case JSON_TRUE:
		jb_add(b, "true", 4);
		break;
	case JSON_FALSE:
		jb_add(b, "false", 5);
		break;
	case JSON_NULL:
		jb_add(b, "null", 4);
		break;
	default:	/* reals: Jansson's own formatting, exactly */
		if ((text = json_dumps(v, JSON_ENCODE_ANY)) == NULL) {
			buf_fail(b, MT_ENOMEM);
			return;
		}
		jb_add(b, text, strlen(text));
		mt_free(text);
	}
}

char *
json_encode(const json_t *val)
{
	struct buf b = BUF_INIT;

	if (val == NULL)
		return NULL;
	jb_value(&b, val);
	return buf_take(&b, NULL);
}

char *
json_encode_sorted(const json_t *val)
{
	return json_dumps(val, JSON_COMPACT | JSON_ENCODE_ANY | JSON_SORT_KEYS);
}

/* Depth of the deepest array/object nesting, ignoring string contents. */
static int
max_depth(const char *buf, size_t len)
{
	int depth = 0, deepest = 0, in_str = 0;
	size_t i;

	for (i = 0; i < len; i++) {
		char c = buf[i];

		if (in_str) {
			if (c == '\\')
				i++;
			else if (c == '"')
				in_str = 0;
			continue;
		}
		if (c == '"')
			in_str = 1;
		else if (c == '[' || c == '{') {
			if (++depth > deepest)
				deepest = depth;
		} else if (c == ']' || c == '}')
			depth--;
	}
	return deepest;
}

json_t *
json_parse(const char *buf, size_t len, char *err, size_t errlen)
{
	json_error_t jerr;
	json_t *val;

	if (max_depth(buf, len) > JSON_MAX_DEPTH) {
		snprintf(err, errlen, "nesting deeper than %d", JSON_MAX_DEPTH);
		return NULL;
	}
	val = json_loadb(buf, len, JSON_DECODE_ANY, &jerr);
	if (val == NULL)
		snprintf(err, errlen, "%s at line %d column %d", jerr.text,
		    jerr.line, jerr.column);
	return val;
}

const char *
json_get_str(const json_t *obj, const char *key)
{
	const json_t *v = json_object_get(obj, key);

	return json_is_string(v) ? json_string_value(v) : NULL;
}

/* --- the streaming writer ------------------------------------------------ */

/*
 * A separator if a value came before at this level, then "key": if any
 * (member names are the API's own, never needing escapes).
 */
static inline void
jw_member(struct jw *w, const char *key)
{
	size_t n;

	if (w->more)
		jb_add(&w->b, ",", 1);
	w->more = 1;
	if (key == NULL)
		return;
	n = strlen(key);
	if (buf_room(&w->b, n + 3) != 0)
		return;
	w->b.data[w->b.len] = '"';
	memcpy(w->b.data + w->b.len + 1, key, n);
	memcpy(w->b.data + w->b.len + 1 + n, "\":", 3);
	w->b.len += n + 3;
	w->b.data[w->b.len] = '\0';
}

void
jw_open(struct jw *w, const char *key, char bracket)
{
	jw_member(w, key);
	jb_add(&w->b, &bracket, 1);
	w->more = 0;
}

void
jw_close(struct jw *w, char bracket)
{
	jb_add(&w->b, &bracket, 1);
	w->more = 1;
}

void
jw_str(struct jw *w, const char *key, const char *val)
{
	jw_member(w, key);
	if (val == NULL)
		jb_add(&w->b, "null", 4);
	else
		jb_string(&w->b, val, strlen(val));
}

void
jw_str_opt(struct jw *w, const char *key, const char *val)
{
	if (val != NULL)
		jw_str(w, key, val);
}

void
jw_int(struct jw *w, const char *key, int64_t val)
{
	jw_member(w, key);
	jb_int(&w->b, val);
}

void
jw_bool(struct jw *w, const char *key, bool val)
{
	jw_member(w, key);
	jb_add(&w->b, val ? "true" : "false", val ? 4 : 5);
}

void
jw_null(struct jw *w, const char *key)
{
	jw_member(w, key);
	jb_add(&w->b, "null", 4);
}

void
jw_time(struct jw *w, const char *key, int64_t us)
{
	char buf[TM_BUF];

	if (tm_format(us, buf, sizeof(buf)) != 0) {
		buf_fail(&w->b, MT_EINVAL);
		return;
	}
	jw_member(w, key);
	/* digits, '-', ':', '.', 'T', 'Z': nothing to escape */
	jb_plain(&w->b, buf, strlen(buf));
}

void
jw_raw(struct jw *w, const char *key, const char *text, size_t len)
{
	jw_member(w, key);
	jb_add(&w->b, text, len);
}

void
jw_reserve(struct jw *w, size_t n)
{
	(void)buf_room(&w->b, n);
}

void
jw_append(struct jw *w, const char *text, size_t len)
{
	jb_add(&w->b, text, len);
}

char *
jw_take(struct jw *w, size_t *len)
{
	w->more = 0;
	if (w->b.data == NULL) {	/* nothing written */
		buf_reset(&w->b);
		if (len != NULL)
			*len = 0;
		return NULL;
	}
	return buf_take(&w->b, len);
}

void
jw_free(struct jw *w)
{
	mt_free(jw_take(w, NULL));
}
