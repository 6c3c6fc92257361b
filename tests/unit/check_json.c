/*
 * check_json.c — unit tests of lib/json.c: the json_add_* helpers (null and
 * omitted values, timestamps), compact encoding in insertion or sorted
 * order, and json_parse's limits (depth, UTF-8, NUL, length-bounded input).
 * SPDX-License-Identifier: MIT
 */
#include <check.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "err.h"
#include "json.h"
#include "log.h"
#include "mem.h"
#include "testutil.h"

/* Encodes o compactly in insertion order and compares with want. */
static void
assert_encodes(const json_t *o, const char *want)
{
	char *text = json_encode(o);

	ck_assert_ptr_nonnull(text);
	ck_assert_str_eq(text, want);
	mt_free(text);
}

/* Parses len bytes of a heap copy (no NUL after them, so ASan sees
 * overreads); returns the value or NULL with the reason in err. */
static json_t *
parse_exact(const char *text, size_t len, char *err, size_t errlen)
{
	char *buf = mt_malloc(len);
	json_t *v;

	ck_assert_ptr_nonnull(buf);
	memcpy(buf, text, len);
	err[0] = '\0';
	v = json_parse(buf, len, err, errlen);
	mt_free(buf);
	return v;
}

static json_t *
parse_str(const char *text, char *err, size_t errlen)
{
	return parse_exact(text, strlen(text), err, errlen);
}

/* n nested arrays: "[[...]]". */
static char *
nested(int n, char open, char close)
{
	char *s = mt_malloc((size_t)n * 2 + 1);
	int i;

	ck_assert_ptr_nonnull(s);
	for (i = 0; i < n; i++) {
		s[i] = open;
		s[2 * n - 1 - i] = close;
	}
	s[2 * n] = '\0';
	return s;
}

/* n levels: n - 1 objects {"a":...} around an empty array. */
static char *
nested_objects(int n)
{
	char *s = mt_malloc((size_t)n * 6 + 3), *p = s;
	int i;

	ck_assert_ptr_nonnull(s);
	for (i = 0; i < n - 1; i++)
		p += sprintf(p, "{\"a\":");
	p += sprintf(p, "[]");
	for (i = 0; i < n - 1; i++)
		*p++ = '}';
	*p = '\0';
	return s;
}

START_TEST(json_add_str_null_is_json_null)
{
	json_t *o = json_object();

	ck_assert_int_eq(json_add_str(o, "a", NULL), 0);
	ck_assert_int_eq(json_add_str(o, "b", "x"), 0);
	ck_assert_int_eq(json_add_str(o, "c", ""), 0);
	assert_encodes(o, "{\"a\":null,\"b\":\"x\",\"c\":\"\"}");
	json_decref(o);
}
END_TEST

START_TEST(json_add_str_opt_null_is_omitted)
{
	json_t *o = json_object();

	ck_assert_int_eq(json_add_str_opt(o, "a", NULL), 0);
	ck_assert_int_eq(json_add_str_opt(o, "b", "x"), 0);
	ck_assert_int_eq(json_add_str_opt(o, "c", ""), 0);
	assert_encodes(o, "{\"b\":\"x\",\"c\":\"\"}");
	json_decref(o);
}
END_TEST

START_TEST(json_add_str_invalid_utf8_fails)
{
	json_t *o = json_object();

	ck_assert_int_ne(json_add_str(o, "a", "bad \xff byte"), 0);
	ck_assert_int_ne(json_add_str_opt(o, "a", "\xc0\xaf"), 0);
	assert_encodes(o, "{}");	/* nothing half-added */
	json_decref(o);
}
END_TEST

START_TEST(json_add_int_and_bool)
{
	json_t *o = json_object();

	ck_assert_int_eq(json_add_int(o, "max", INT64_MAX), 0);
	ck_assert_int_eq(json_add_int(o, "min", INT64_MIN), 0);
	ck_assert_int_eq(json_add_int(o, "zero", 0), 0);
	ck_assert_int_eq(json_add_bool(o, "t", true), 0);
	ck_assert_int_eq(json_add_bool(o, "f", false), 0);
	assert_encodes(o, "{\"max\":9223372036854775807,"
	    "\"min\":-9223372036854775808,\"zero\":0,\"t\":true,\"f\":false}");
	json_decref(o);
}
END_TEST

START_TEST(json_add_replaces_existing_key)
{
	json_t *o = json_object();

	ck_assert_int_eq(json_add_int(o, "a", 1), 0);
	ck_assert_int_eq(json_add_int(o, "b", 2), 0);
	ck_assert_int_eq(json_add_str(o, "a", "one"), 0);
	assert_encodes(o, "{\"a\":\"one\",\"b\":2}");
	json_decref(o);
}
END_TEST

START_TEST(json_add_time_formats)
{
	json_t *o = json_object();

	ck_assert_int_eq(json_add_time(o, "epoch", 0), 0);
	ck_assert_int_eq(json_add_time(o, "ms", 100000), 0);
	ck_assert_int_eq(json_add_time(o, "us", INT64_C(1771330200412907)), 0);
	ck_assert_int_eq(json_add_time(o, "neg", -1), 0);
	assert_encodes(o, "{\"epoch\":\"1970-01-01T00:00:00Z\","
	    "\"ms\":\"1970-01-01T00:00:00.100Z\","
	    "\"us\":\"2026-02-17T12:10:00.412907Z\","
	    "\"neg\":\"1969-12-31T23:59:59.999999Z\"}");
	/* A time that cannot be written is an error, and no key is added. */
	ck_assert_int_eq(json_add_time(o, "bad", INT64_MAX), MT_EINVAL);
	ck_assert_ptr_null(json_object_get(o, "bad"));
	json_decref(o);
}
END_TEST

START_TEST(json_add_time_null_or_value)
{
	json_t *o = json_object();

	ck_assert_int_eq(json_add_time_null(o, "none", false, 12345), 0);
	ck_assert_int_eq(json_add_time_null(o, "some", true, 1000), 0);
	assert_encodes(o, "{\"none\":null,"
	    "\"some\":\"1970-01-01T00:00:00.001Z\"}");
	json_decref(o);
}
END_TEST

START_TEST(json_add_new_steals_and_rejects_null)
{
	json_t *o = json_object(), *a = json_array();

	ck_assert_int_eq(json_array_append_new(a, json_integer(1)), 0);
	ck_assert_int_eq(json_add_new(o, "a", a), 0);	/* o owns a now */
	ck_assert_int_eq(json_add_new(o, "n", NULL), MT_ENOMEM);
	assert_encodes(o, "{\"a\":[1]}");
	json_decref(o);
}
END_TEST

/* json_encode() writes exactly what json_dumps(JSON_COMPACT) writes. */
static void
assert_same_as_jansson(json_t *v)
{
	char *ours = json_encode(v);
	char *theirs = json_dumps(v, JSON_COMPACT | JSON_ENCODE_ANY);

	ck_assert_ptr_nonnull(ours);
	ck_assert_ptr_nonnull(theirs);
	ck_assert_str_eq(ours, theirs);
	mt_free(ours);
	mt_free(theirs);
}

START_TEST(json_encode_matches_jansson)
{
	char every[160];
	json_t *o, *deep;
	int i;

	/* every byte 1..127, and multi-byte UTF-8 */
	for (i = 1; i < 128; i++)
		every[i - 1] = (char)i;
	every[127] = '\0';
	o = json_pack("{s:s,s:s,s:s,s:I,s:I,s:I,s:b,s:b,s:n,s:f,s:f,s:[],s:{}}",
	    "all", every, "utf8", "\xc3\xa9\xe2\x80\xa8\xf0\x9f\x98\x80 "
	    "\xd0\xa3\xd1\x87\xd0\xb0", "", "", "int", (json_int_t)0,
	    "min", (json_int_t)INT64_MIN, "max", (json_int_t)INT64_MAX,
	    "t", 1, "f", 0, "nul", "real", 1.5, "real2", 100.0, "ea", "eo");
	ck_assert_ptr_nonnull(o);
	assert_same_as_jansson(o);
	deep = json_loads("[{\"k\":[1,{\"q\":[\"x\\ny\",null]}]},[],"
	    "\"\\\"quoted\\\"\\\\\",-0.25,1e300]", 0, NULL);
	ck_assert_ptr_nonnull(deep);
	assert_same_as_jansson(deep);
	json_object_set_new(o, "deep", deep);
	json_object_set_new(o, "weird \"key\"\n", json_string("v"));
	assert_same_as_jansson(o);
	json_decref(o);
	o = json_string("top-level string");
	assert_same_as_jansson(o);
	json_decref(o);
	o = json_integer(-42);
	assert_same_as_jansson(o);
	json_decref(o);
}
END_TEST

START_TEST(json_encode_insertion_order_compact)
{
	json_t *o = json_object(), *in = json_object(), *arr = json_array();

	json_add_int(in, "y", 1);
	json_add_int(in, "x", 2);
	json_array_append_new(arr, json_integer(3));
	json_array_append_new(arr, json_string("s"));
	json_array_append_new(arr, json_null());
	json_add_str(o, "zeta", "z");
	json_add_new(o, "alpha", in);
	json_add_new(o, "mid", arr);
	json_add_new(o, "empty", json_object());
	assert_encodes(o, "{\"zeta\":\"z\",\"alpha\":{\"y\":1,\"x\":2},"
	    "\"mid\":[3,\"s\",null],\"empty\":{}}");
	json_decref(o);
}
END_TEST

START_TEST(json_encode_escapes)
{
	json_t *o = json_object();

	/* UTF-8 stays as it is; quotes, backslashes, controls are escaped. */
	json_add_str(o, "s", "a/b \xc3\xa9 \"q\" \\ \n\t\x01");
	assert_encodes(o, "{\"s\":\"a/b \xc3\xa9 \\\"q\\\" \\\\ \\n\\t"
	    "\\u0001\"}");
	json_decref(o);
}
END_TEST

/*
 * Every escape at every position of strings up to 72 bytes (the 8- and
 * 16-byte scans, their overlapping tails), as Jansson.
 */
START_TEST(json_encode_escapes_at_every_position)
{
	static const char specials[] = "\"\\\n\x01\x1f\t";
	char str[73], *ours, *theirs;
	json_t *v;

	for (size_t len = 0; len <= 72; len++)
		for (size_t pos = 0; pos <= len; pos++)
			for (size_t k = 0; k < sizeof(specials) - 1; k++) {
				memset(str, 'a', len);
				if (pos < len)
					str[pos] = specials[k];
				str[len] = '\0';
				v = json_string(str);
				ours = json_encode(v);
				theirs = json_dumps(v, JSON_ENCODE_ANY);
				ck_assert_str_eq(ours, theirs);
				mt_free(ours);
				free(theirs);
				json_decref(v);
			}
}
END_TEST

/* Bytes above 0x7f and DEL are not escapes, whatever their position. */
START_TEST(json_encode_high_bytes_raw)
{
	char str[64];
	json_t *v;

	for (size_t len = 0; len + 2 < sizeof(str); len++) {
		memset(str, 0x7f, len);
		memcpy(str + len, "\xc3\xa9", 3);	/* é and the NUL */
		v = json_string(str);
		char *ours = json_encode(v), *want = json_dumps(v,
		    JSON_ENCODE_ANY);
		ck_assert_str_eq(ours, want);
		ck_assert_uint_eq(strlen(ours), len + 4);
		mt_free(ours);
		free(want);
		json_decref(v);
	}
}
END_TEST

/* Integers at the edges, by json_encode() and jw_int(), as Jansson. */
START_TEST(json_encode_integer_edges)
{
	static const int64_t vals[] = { 0, 7, -1, 10, -10, 99, 100,
	    1234567890123, INT64_MAX, INT64_MIN, INT64_MIN + 1 };

	for (size_t i = 0; i < sizeof(vals) / sizeof(vals[0]); i++) {
		json_t *v = json_integer((json_int_t)vals[i]);
		char *ours = json_encode(v), *want = json_dumps(v,
		    JSON_ENCODE_ANY), *got;
		struct jw w = JW_INIT;

		ck_assert_str_eq(ours, want);
		jw_int(&w, NULL, vals[i]);
		got = jw_take(&w, NULL);
		ck_assert_str_eq(got, want);
		mt_free(got);
		mt_free(ours);
		free(want);
		json_decref(v);
	}
}
END_TEST

START_TEST(json_encode_sorted_keys)
{
	json_t *o = json_object(), *in = json_object();
	char *text;

	json_add_int(in, "b", 1);
	json_add_int(in, "a", 2);
	json_add_str(o, "zeta", "z");
	json_add_new(o, "alpha", in);
	json_add_bool(o, "Mid", true);
	text = json_encode_sorted(o);
	ck_assert_ptr_nonnull(text);
	ck_assert_str_eq(text, "{\"Mid\":true,\"alpha\":{\"a\":2,\"b\":1},"
	    "\"zeta\":\"z\"}");
	mt_free(text);
	/* The object itself keeps its insertion order. */
	assert_encodes(o, "{\"zeta\":\"z\",\"alpha\":{\"b\":1,\"a\":2},"
	    "\"Mid\":true}");
	json_decref(o);
}
END_TEST

START_TEST(json_encode_scalars)
{
	json_t *v = json_integer(5);

	assert_encodes(v, "5");
	json_decref(v);
	v = json_string("x");
	assert_encodes(v, "\"x\"");
	json_decref(v);
	v = json_null();
	assert_encodes(v, "null");
}
END_TEST

START_TEST(json_parse_depth_32_accepted)
{
	char err[128], *a = nested(JSON_MAX_DEPTH, '[', ']');
	json_t *v = parse_str(a, err, sizeof(err));

	ck_assert_msg(v != NULL, "%s", err);
	json_decref(v);
	mt_free(a);
	/* Objects count as well: {"a":{"a":...[]...}} 32 deep. */
	a = nested_objects(JSON_MAX_DEPTH);
	v = parse_str(a, err, sizeof(err));
	ck_assert_msg(v != NULL, "%s", err);
	json_decref(v);
	mt_free(a);
}
END_TEST

START_TEST(json_parse_depth_33_rejected)
{
	char err[128], *a = nested(JSON_MAX_DEPTH + 1, '[', ']');

	ck_assert_ptr_null(parse_str(a, err, sizeof(err)));
	ck_assert_ptr_nonnull(strstr(err, "nesting"));
	mt_free(a);
	a = nested(JSON_MAX_DEPTH + 1, '{', '}');	/* invalid anyway */
	ck_assert_ptr_null(parse_str(a, err, sizeof(err)));
	mt_free(a);
	a = nested_objects(JSON_MAX_DEPTH + 1);
	ck_assert_ptr_null(parse_str(a, err, sizeof(err)));
	ck_assert_ptr_nonnull(strstr(err, "nesting"));
	mt_free(a);
	/* Deep enough to exhaust a recursive parser's stack. */
	a = nested(100000, '[', ']');
	ck_assert_ptr_null(parse_str(a, err, sizeof(err)));
	mt_free(a);
}
END_TEST

START_TEST(json_parse_brackets_in_strings_do_not_count)
{
	char err[128];
	json_t *v;

	v = parse_str("{\"s\":\"[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[\","
	    "\"t\":\"\\\"[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[\\\\\"}", err,
	    sizeof(err));
	ck_assert_msg(v != NULL, "%s", err);
	ck_assert_str_eq(json_get_str(v, "t"),
	    "\"[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[\\");
	json_decref(v);
}
END_TEST

START_TEST(json_parse_invalid_utf8_rejected)
{
	static const char *const bad[] = {
		"\"\xff\"",			/* never valid */
		"\"\xc0\xaf\"",			/* overlong "/" */
		"\"\xe0\x80\xaf\"",		/* overlong, 3 bytes */
		"\"\xed\xa0\x80\"",		/* UTF-16 surrogate */
		"\"\xe2\x82\"",			/* truncated */
		"\"\xf4\x90\x80\x80\"",		/* above U+10FFFF */
		"\"\x80\"",			/* lone continuation */
		"{\"\xff\":1}",			/* in a key */
	};
	char err[128];
	size_t i;

	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		ck_assert_msg(parse_str(bad[i], err, sizeof(err)) == NULL,
		    "case %zu accepted", i);
	/* Valid multi-byte text passes. */
	{
		json_t *v = parse_str("\"\xc3\xa9\xe2\x82\xac"
		    "\xf0\x9f\x98\x80\"", err, sizeof(err));

		ck_assert_msg(v != NULL, "%s", err);
		json_decref(v);
	}
}
END_TEST

START_TEST(json_parse_nul_escape_rejected)
{
	char err[128];
	json_t *v;

	ck_assert_ptr_null(parse_str("\"a\\u0000b\"", err, sizeof(err)));
	ck_assert_str_ne(err, "");
	ck_assert_ptr_null(parse_str("{\"k\\u0000\":1}", err, sizeof(err)));
	/* A raw NUL byte inside the given length. */
	ck_assert_ptr_null(parse_exact("\"a\0b\"", 5, err, sizeof(err)));
	ck_assert_ptr_null(parse_exact("[1]\0", 4, err, sizeof(err)));
	/* Other escapes are fine. */
	v = parse_str("\"\\u0001\\u00e9\\ud83d\\ude00\"", err, sizeof(err));
	ck_assert_msg(v != NULL, "%s", err);
	json_decref(v);
}
END_TEST

START_TEST(json_parse_len_bounded)
{
	char err[128];
	json_t *v;

	/* Only the first len bytes count: the rest is not looked at. */
	v = json_parse("[1,2]garbage", 5, err, sizeof(err));
	ck_assert_msg(v != NULL, "%s", err);
	ck_assert_int_eq(json_array_size(v), 2);
	json_decref(v);
	v = parse_exact("{\"a\":\"b\"}", 9, err, sizeof(err));
	ck_assert_msg(v != NULL, "%s", err);
	ck_assert_str_eq(json_get_str(v, "a"), "b");
	json_decref(v);
	/* A cut-off document is an error, not a read past the end. */
	ck_assert_ptr_null(parse_exact("{\"a\":\"b\"}", 8, err, sizeof(err)));
	ck_assert_ptr_null(parse_exact("\"abc\\", 5, err, sizeof(err)));
	ck_assert_ptr_null(parse_exact("[[[[", 4, err, sizeof(err)));
	ck_assert_ptr_null(parse_exact("12", 0, err, sizeof(err)));
}
END_TEST

START_TEST(json_parse_errors_are_reported)
{
	char err[128];

	ck_assert_ptr_null(parse_str("", err, sizeof(err)));
	ck_assert_str_ne(err, "");
	ck_assert_ptr_null(parse_str("[1] x", err, sizeof(err)));
	ck_assert_ptr_nonnull(strstr(err, "line 1"));
	ck_assert_ptr_null(parse_str("{\"a\":}", err, sizeof(err)));
	ck_assert_ptr_null(parse_str("[1,]", err, sizeof(err)));
	ck_assert_ptr_null(parse_str("{'a':1}", err, sizeof(err)));
	ck_assert_ptr_null(parse_str("NaN", err, sizeof(err)));
}
END_TEST

START_TEST(json_parse_scalars_and_whitespace)
{
	char err[128];
	json_t *v;

	v = parse_str("5", err, sizeof(err));
	ck_assert(json_is_integer(v));
	json_decref(v);
	v = parse_str(" \t\n{ \"a\" : [ 1 , 2 ] }\r\n ", err, sizeof(err));
	ck_assert_msg(v != NULL, "%s", err);
	json_decref(v);
	v = parse_str("null", err, sizeof(err));
	ck_assert(json_is_null(v));
	json_decref(v);
}
END_TEST

START_TEST(json_get_str_cases)
{
	char err[128];
	json_t *v = parse_str("{\"s\":\"x\",\"n\":1,\"z\":null}", err,
	    sizeof(err)), *a;

	ck_assert_str_eq(json_get_str(v, "s"), "x");
	ck_assert_ptr_null(json_get_str(v, "n"));
	ck_assert_ptr_null(json_get_str(v, "z"));
	ck_assert_ptr_null(json_get_str(v, "missing"));
	a = json_array();
	ck_assert_ptr_null(json_get_str(a, "s"));
	ck_assert_ptr_null(json_get_str(NULL, "s"));
	json_decref(a);
	json_decref(v);
}
END_TEST

/* Builds and encodes a small event; 0 or the first error. */
static int
build_event(char **out)
{
	json_t *o = json_object(), *arr = json_array();
	int rc = MT_ENOMEM;

	*out = NULL;
	if (o != NULL && arr != NULL &&
	    json_array_append_new(arr, json_string("u1")) == 0 &&
	    json_add_str(o, "type", "message.new") == 0 &&
	    json_add_str_opt(o, "dialog_id", "d") == 0 &&
	    json_add_int(o, "seq", 7) == 0 &&
	    json_add_time(o, "at", 412907) == 0 &&
	    json_add_new(o, "to", json_incref(arr)) == 0 &&
	    (*out = json_encode_sorted(o)) != NULL)
		rc = 0;
	json_decref(arr);
	json_decref(o);
	return rc;
}

START_TEST(json_build_fault_injection)
{
	char *text = NULL;
	long n;
	int rc = -1;

	for (n = 1; n < 1000; n++) {
		mem_fail_after(n);
		rc = build_event(&text);
		mem_fail_after(0);
		if (rc == 0)
			break;
		ck_assert_int_eq(rc, MT_ENOMEM);
		ck_assert_ptr_null(text);
	}
	ck_assert_int_eq(rc, 0);
	ck_assert_int_gt(n, 3);
	ck_assert_str_eq(text, "{\"at\":\"1970-01-01T00:00:00.412907Z\","
	    "\"dialog_id\":\"d\",\"seq\":7,\"to\":[\"u1\"],"
	    "\"type\":\"message.new\"}");
	mt_free(text);
}
END_TEST

START_TEST(json_parse_fault_injection)
{
	static const char doc[] = "{\"type\":\"message.new\",\"a\":[1,2,"
	    "{\"b\":\"long string value to copy\"}],\"c\":null}";
	char err[128];
	json_t *v = NULL;
	long n;

	for (n = 1; n < 1000; n++) {
		mem_fail_after(n);
		v = json_parse(doc, sizeof(doc) - 1, err, sizeof(err));
		mem_fail_after(0);
		if (v != NULL)
			break;
	}
	ck_assert_ptr_nonnull(v);
	ck_assert_int_gt(n, 3);
	ck_assert_str_eq(json_get_str(v, "type"), "message.new");
	json_decref(v);
}
END_TEST

START_TEST(jw_writes_what_json_encode_gives)
{
	struct jw w = JW_INIT;
	json_t *o = json_object(), *arr = json_array(), *inner = json_object();
	char *want, *got;
	size_t len;

	json_add_str(o, "s", "a \"q\" \\ \n\x01 é");
	json_add_str(o, "null", NULL);
	json_add_int(o, "i", -42);
	json_add_bool(o, "t", true);
	json_add_time(o, "at", 1700000000123456);
	json_add_new(inner, "k", json_string("v"));
	json_array_append_new(arr, inner);
	json_array_append_new(arr, json_integer(7));
	json_add_new(o, "arr", arr);
	json_add_new(o, "raw", json_loads("{\"x\":[1,2]}", 0, NULL));
	json_add_new(o, "empty", json_array());

	jw_open(&w, NULL, '{');
	jw_str(&w, "s", "a \"q\" \\ \n\x01 é");
	jw_str(&w, "null", NULL);
	jw_str_opt(&w, "left-out", NULL);
	jw_int(&w, "i", -42);
	jw_bool(&w, "t", true);
	jw_time(&w, "at", 1700000000123456);
	jw_open(&w, "arr", '[');
	jw_open(&w, NULL, '{');
	jw_str(&w, "k", "v");
	jw_close(&w, '}');
	jw_int(&w, NULL, 7);
	jw_close(&w, ']');
	jw_raw(&w, "raw", "{\"x\":[1,2]}", 11);
	jw_open(&w, "empty", '[');
	jw_close(&w, ']');
	jw_close(&w, '}');

	want = json_encode(o);
	got = jw_take(&w, &len);
	ck_assert_ptr_nonnull(got);
	ck_assert_str_eq(got, want);
	ck_assert_uint_eq(len, strlen(want));
	mt_free(want);
	mt_free(got);
	json_decref(o);
}
END_TEST

START_TEST(jw_reports_allocation_failure)
{
	struct jw w = JW_INIT;
	size_t len = 99;

	mem_fail_after(1);
	jw_open(&w, NULL, '[');
	jw_str(&w, NULL, "x");
	jw_close(&w, ']');
	mem_fail_after(0);
	ck_assert_ptr_null(jw_take(&w, &len));
	ck_assert_uint_eq(len, 0);
	jw_open(&w, NULL, '[');	/* usable again */
	jw_close(&w, ']');
	ck_assert_str_eq(w.b.data, "[]");
	jw_free(&w);
}
END_TEST

static Suite *
json_suite(void)
{
	Suite *s = suite_create("json");
	TCase *build = tcase_create("build");
	TCase *parse = tcase_create("parse");
	TCase *fault = tcase_create("fault");

	tcase_add_test(build, json_add_str_null_is_json_null);
	tcase_add_test(build, json_add_str_opt_null_is_omitted);
	tcase_add_test(build, json_add_str_invalid_utf8_fails);
	tcase_add_test(build, json_add_int_and_bool);
	tcase_add_test(build, json_add_replaces_existing_key);
	tcase_add_test(build, json_add_time_formats);
	tcase_add_test(build, json_add_time_null_or_value);
	tcase_add_test(build, json_add_new_steals_and_rejects_null);
	tcase_add_test(build, json_encode_insertion_order_compact);
	tcase_add_test(build, json_encode_matches_jansson);
	tcase_add_test(build, json_encode_escapes);
	tcase_add_test(build, json_encode_escapes_at_every_position);
	tcase_add_test(build, json_encode_high_bytes_raw);
	tcase_add_test(build, json_encode_integer_edges);
	tcase_add_test(build, json_encode_sorted_keys);
	tcase_add_test(build, json_encode_scalars);
	tcase_add_test(build, jw_writes_what_json_encode_gives);
	suite_add_tcase(s, build);

	tcase_add_test(parse, json_parse_depth_32_accepted);
	tcase_add_test(parse, json_parse_depth_33_rejected);
	tcase_add_test(parse, json_parse_brackets_in_strings_do_not_count);
	tcase_add_test(parse, json_parse_invalid_utf8_rejected);
	tcase_add_test(parse, json_parse_nul_escape_rejected);
	tcase_add_test(parse, json_parse_len_bounded);
	tcase_add_test(parse, json_parse_errors_are_reported);
	tcase_add_test(parse, json_parse_scalars_and_whitespace);
	tcase_add_test(parse, json_get_str_cases);
	suite_add_tcase(s, parse);

	tcase_add_test(fault, json_build_fault_injection);
	tcase_add_test(fault, json_parse_fault_injection);
	tcase_add_test(fault, jw_reports_allocation_failure);
	suite_add_tcase(s, fault);
	return s;
}

int
main(void)
{
	json_init();
	log_init("test", 0, 0);
	return tu_run(json_suite());
}
