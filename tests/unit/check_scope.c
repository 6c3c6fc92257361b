/*
 * check_scope.c — unit tests of lib/scope.c: the X-Scope-Config header
 * (docs/api.md#scopes), row matching (docs/api.md#scopes), M2 set equality (M2)
 * and input validation of access_scopes.
 */
#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/evp.h>

#include "err.h"
#include "json.h"
#include "mem.h"
#include "scope.h"

#define HDR_MAX	4096

/* Standard padded base64 of the len bytes of raw. */
static char *
b64(char *buf, const char *raw, size_t len)
{
	EVP_EncodeBlock((unsigned char *)buf, (const unsigned char *)raw,
	    (int)len);
	return buf;
}

static int
parse_json(const char *raw, struct scope_set **out)
{
	char buf[HDR_MAX];

	return scope_parse_header(b64(buf, raw, strlen(raw)), out);
}

static void
hdr_rc(const char *value, int want)
{
	struct scope_set *s = (struct scope_set *)1;

	ck_assert_int_eq(scope_parse_header(value, &s), want);
	ck_assert_ptr_null(s);
}

static void
json_rc(const char *raw, int want)
{
	char buf[HDR_MAX];

	hdr_rc(b64(buf, raw, strlen(raw)), want);
}

static json_t *
js(const char *text)
{
	json_error_t e;
	json_t *v = json_loads(text, 0, &e);

	ck_assert_msg(v != NULL, "bad test JSON %s: %s", text, e.text);
	return v;
}

/* A user scope set from JSON text. */
static struct scope_set *
user(const char *text)
{
	struct scope_set *s;
	json_t *v = js(text);

	ck_assert_int_eq(scope_from_json(v, &s), 0);
	json_decref(v);
	return s;
}

/* Row given as the three level arrays in JSON text. */
static bool
row(const struct scope_set *u, const char *l0, const char *l1,
    const char *l2)
{
	json_t *a = js(l0), *b = js(l1), *c = js(l2);
	bool m = scope_row_matches(u, a, b, c);

	json_decref(a);
	json_decref(b);
	json_decref(c);
	return m;
}

static bool
lists_equal(const char *req, const char *stored)
{
	json_t *a = js(req), *b = js(stored);
	bool eq = scope_lists_equal(a, b), back = scope_lists_equal(b, a);

	ck_assert_int_eq(eq, back);		/* symmetric */
	json_decref(a);
	json_decref(b);
	return eq;
}

START_TEST(header_valid)
{
	struct scope_set *s;

	ck_assert_int_eq(parse_json("{\"scope_level0\":[\"t1\"],"
	    "\"scope_level1\":[\"d1\",\"d2\"],\"scope_level2\":[]}", &s),
	    SCOPE_HDR_OK);
	ck_assert_uint_eq(s->n[0], 1);
	ck_assert_uint_eq(s->n[1], 2);
	ck_assert_uint_eq(s->n[2], 0);
	ck_assert_str_eq(s->v[0][0], "t1");
	ck_assert_str_eq(s->v[1][1], "d2");
	scope_set_free(s);
	ck_assert_int_eq(parse_json("{\"scope_level1\":[\"\\u00e9\",\"\"]}",
	    &s), SCOPE_HDR_OK);
	ck_assert_uint_eq(s->n[0], 0);
	ck_assert_str_eq(s->v[1][0], "\xc3\xa9");
	ck_assert_str_eq(s->v[1][1], "");
	scope_set_free(s);
	ck_assert_int_eq(scope_parse_header("e30=", &s), SCOPE_HDR_OK);
	ck_assert_uint_eq(s->n[0] + s->n[1] + s->n[2], 0);
	scope_set_free(s);
}
END_TEST

START_TEST(header_unknown_keys)
{
	struct scope_set *s;

	ck_assert_int_eq(parse_json(" {\"x\":1,\"scope_level0\":[\"a\"],"
	    "\"foo\":{\"bar\":[null]},\"scope_level3\":7} ", &s),
	    SCOPE_HDR_OK);
	ck_assert_uint_eq(s->n[0], 1);
	ck_assert_str_eq(s->v[0][0], "a");
	scope_set_free(s);
}
END_TEST

START_TEST(header_absent)
{
	hdr_rc(NULL, SCOPE_HDR_ABSENT);
	hdr_rc("e30=\x80", SCOPE_HDR_ABSENT);
	hdr_rc("\x01" "e30=", SCOPE_HDR_ABSENT);
	hdr_rc("e30=\x7f", SCOPE_HDR_ABSENT);
	hdr_rc("\xc3\xa9", SCOPE_HDR_ABSENT);
	hdr_rc("e30=\n", SCOPE_HDR_ABSENT);
	/* Space and tab are visible to the reference: then not base64. */
	hdr_rc("e30= ", SCOPE_HDR_BAD_BASE64);
	hdr_rc("\te30=", SCOPE_HDR_BAD_BASE64);
}
END_TEST

START_TEST(header_bad_base64)
{
	struct scope_set *s;

	hdr_rc("not base64!", SCOPE_HDR_BAD_BASE64);
	hdr_rc("e30", SCOPE_HDR_BAD_BASE64);		/* length */
	hdr_rc("e30==", SCOPE_HDR_BAD_BASE64);
	hdr_rc("e31=", SCOPE_HDR_BAD_BASE64);		/* unused bits */
	hdr_rc("e3 0=", SCOPE_HDR_BAD_BASE64);
	hdr_rc("e30=e30=", SCOPE_HDR_BAD_BASE64);	/* padding inside */
	hdr_rc("====", SCOPE_HDR_BAD_BASE64);
	/* {"scope_level0":["~~~"]}: standard alphabet fine, URL one not */
	hdr_rc("eyJzY29wZV9sZXZlbDAiOlsifn5-Il19", SCOPE_HDR_BAD_BASE64);
	ck_assert_int_eq(scope_parse_header("eyJzY29wZV9sZXZlbDAiOlsifn5+Il19",
	    &s), SCOPE_HDR_OK);
	ck_assert_str_eq(s->v[0][0], "~~~");
	scope_set_free(s);
}
END_TEST

START_TEST(header_bad_json)
{
	hdr_rc("", SCOPE_HDR_BAD_JSON);
	json_rc("not json", SCOPE_HDR_BAD_JSON);
	json_rc("[]", SCOPE_HDR_BAD_JSON);
	json_rc("[{\"scope_level0\":[]}]", SCOPE_HDR_BAD_JSON);
	json_rc("\"scope\"", SCOPE_HDR_BAD_JSON);
	json_rc("null", SCOPE_HDR_BAD_JSON);
	json_rc("{\"scope_level0\":[null]}", SCOPE_HDR_BAD_JSON);
	json_rc("{\"scope_level0\":[\"a\",1]}", SCOPE_HDR_BAD_JSON);
	json_rc("{\"scope_level1\":null}", SCOPE_HDR_BAD_JSON);
	json_rc("{\"scope_level2\":\"a\"}", SCOPE_HDR_BAD_JSON);
	json_rc("{\"scope_level2\":{}}", SCOPE_HDR_BAD_JSON);
	json_rc("{\"scope_level0\":[[\"a\"]]}", SCOPE_HDR_BAD_JSON);
	json_rc("{\"scope_level0\":[\"\xff\"]}", SCOPE_HDR_BAD_JSON);
	json_rc("{\"scope_level0\":[\"a\\u0000\"]}", SCOPE_HDR_BAD_JSON);
	json_rc("{\"scope_level0\":[],\"scope_level0\":[\"a\"]}",
	    SCOPE_HDR_BAD_JSON);
	json_rc("{} {}", SCOPE_HDR_BAD_JSON);
	json_rc("{\"scope_level0\":[]", SCOPE_HDR_BAD_JSON);
}
END_TEST

START_TEST(header_nul_byte)
{
	char buf[HDR_MAX];

	/* Decoded bytes with a NUL after the object. */
	hdr_rc(b64(buf, "{}\0", 3), SCOPE_HDR_BAD_JSON);
	hdr_rc(b64(buf, "{\"scope_level0\":[\"a\0\"]}", 23),
	    SCOPE_HDR_BAD_JSON);
}
END_TEST

START_TEST(from_json)
{
	struct scope_set *s = (struct scope_set *)1;
	json_t *v;

	ck_assert_int_eq(scope_from_json(NULL, &s), MT_EINVAL);
	ck_assert_ptr_null(s);
	v = json_null();
	ck_assert_int_eq(scope_from_json(v, &s), MT_EINVAL);
	json_decref(v);
	v = js("[]");
	ck_assert_int_eq(scope_from_json(v, &s), MT_EINVAL);
	json_decref(v);
	v = js("{\"scope_level2\":[\"x\",null]}");
	ck_assert_int_eq(scope_from_json(v, &s), MT_EINVAL);
	json_decref(v);
	s = user("{\"scope_level2\":[\"x\",\"y\"]}");
	ck_assert_uint_eq(s->n[2], 2);
	ck_assert_str_eq(s->v[2][1], "y");
	scope_set_free(s);
	scope_set_free(NULL);
	ck_assert_str_eq(scope_level_name(1), "scope_level1");
	ck_assert_ptr_null(scope_level_name(3));
}
END_TEST

START_TEST(match_rules)
{
	struct scope_set *u = user("{\"scope_level0\":[\"a\"],"
	    "\"scope_level1\":[\"b\",\"b2\"],\"scope_level2\":[\"c\"]}");

	ck_assert(row(u, "[]", "[]", "[]"));
	ck_assert(row(u, "[\"a\"]", "[]", "[]"));
	ck_assert(row(u, "[\"a\"]", "[\"b\"]", "[\"c\"]"));
	ck_assert(!row(u, "[\"x\"]", "[]", "[]"));
	ck_assert(row(u, "[\"x\",\"a\"]", "[]", "[]"));	/* OR in a level */
	ck_assert(row(u, "[]", "[\"z\",\"b2\"]", "[]"));
	ck_assert(!row(u, "[\"a\"]", "[\"b\"]", "[\"d\"]"));	/* AND across */
	ck_assert(!row(u, "[\"A\"]", "[]", "[]"));		/* case */
	ck_assert(!row(u, "[\"a \"]", "[]", "[]"));
	ck_assert(!row(u, "[\"c\"]", "[]", "[]"));	/* levels kept apart */
	ck_assert(scope_row_matches(u, NULL, NULL, NULL));
	ck_assert(!scope_row_matches(NULL, NULL, NULL, NULL));
	scope_set_free(u);
}
END_TEST

START_TEST(match_empty_user)
{
	struct scope_set *u = user("{}");

	ck_assert(row(u, "[]", "[]", "[]"));
	ck_assert(!row(u, "[\"a\"]", "[]", "[]"));
	ck_assert(!row(u, "[]", "[]", "[\"c\"]"));
	ck_assert(!row(u, "[\"\"]", "[]", "[]"));
	scope_set_free(u);
	u = user("{\"scope_level0\":[\"a\"],\"scope_level1\":[]}");
	ck_assert(row(u, "[\"a\"]", "[]", "[]"));
	ck_assert(!row(u, "[\"a\"]", "[\"b\"]", "[]"));
	scope_set_free(u);
	u = user("{\"scope_level0\":[\"\"]}");
	ck_assert(row(u, "[\"\"]", "[]", "[]"));
	scope_set_free(u);
}
END_TEST

START_TEST(lists_equality)
{
	ck_assert(lists_equal("[]", "[]"));
	ck_assert(!lists_equal("[]", "[{}]"));
	ck_assert(lists_equal("[{}]", "[{\"scope_level0\":[],"
	    "\"scope_level1\":[],\"scope_level2\":[]}]"));
	/* Order of scopes and of values is irrelevant. */
	ck_assert(lists_equal(
	    "[{\"scope_level0\":[\"a\",\"b\"]},{\"scope_level0\":[\"c\"]}]",
	    "[{\"scope_level0\":[\"c\"]},{\"scope_level0\":[\"b\",\"a\"]}]"));
	/* Values are de-duplicated within a level. */
	ck_assert(lists_equal("[{\"scope_level0\":[\"a\",\"a\",\"b\"]}]",
	    "[{\"scope_level0\":[\"b\",\"a\"]}]"));
	/* An omitted level is [], which differs from a level with values. */
	ck_assert(lists_equal("[{\"scope_level0\":[\"a\"]}]",
	    "[{\"scope_level0\":[\"a\"],\"scope_level2\":[]}]"));
	ck_assert(!lists_equal("[{\"scope_level0\":[\"a\"]}]",
	    "[{\"scope_level0\":[\"a\"],\"scope_level1\":[\"x\"]}]"));
	ck_assert(!lists_equal("[{\"scope_level0\":[\"a\"]}]",
	    "[{\"scope_level1\":[\"a\"]}]"));
	ck_assert(!lists_equal("[{\"scope_level0\":[\"a\"]}]",
	    "[{\"scope_level0\":[\"A\"]}]"));
	ck_assert(!lists_equal("[{\"scope_level0\":[\"a\"]}]",
	    "[{\"scope_level0\":[\"a\",\"b\"]}]"));
	/* Other keys (id, dialog_id, created_at of stored rows) are ignored. */
	ck_assert(lists_equal("[{\"scope_level0\":[\"a\"]}]",
	    "[{\"id\":\"x\",\"scope_level0\":[\"a\"],\"scope_level1\":[],"
	    "\"scope_level2\":[]}]"));
}
END_TEST

START_TEST(lists_duplicates_quirk)
{
	const char *a = "{\"scope_level0\":[\"A\"]}";
	const char *b = "{\"scope_level0\":[\"B\"]}";
	char x[256], y[256];

	snprintf(x, sizeof(x), "[%s,%s,%s]", a, a, b);
	snprintf(y, sizeof(y), "[%s,%s,%s]", a, b, b);
	ck_assert(lists_equal(x, y));
	snprintf(x, sizeof(x), "[%s,%s]", a, a);
	snprintf(y, sizeof(y), "[%s,%s]", a, b);
	ck_assert(!lists_equal(x, y));
	snprintf(x, sizeof(x), "[%s]", a);
	snprintf(y, sizeof(y), "[%s,%s]", a, a);
	ck_assert(!lists_equal(x, y));
	ck_assert(scope_lists_equal(NULL, NULL));	/* NULL counts as [] */
}
END_TEST

START_TEST(validate_input)
{
	char err[128];
	json_t *v;

	ck_assert_int_eq(scope_validate_input(NULL, err, sizeof(err)), 0);
	v = js("[]");
	ck_assert_int_eq(scope_validate_input(v, err, sizeof(err)), 0);
	json_decref(v);
	v = js("[{},{\"scope_level0\":[\"a\"],\"scope_level2\":[],\"x\":1}]");
	ck_assert_int_eq(scope_validate_input(v, err, sizeof(err)), 0);
	json_decref(v);
	v = js("{\"scope_level0\":[]}");
	ck_assert_int_eq(scope_validate_input(v, err, sizeof(err)),
	    MT_EINVAL);
	ck_assert_str_eq(err, "access_scopes: expected an array");
	json_decref(v);
	v = json_null();
	ck_assert_int_eq(scope_validate_input(v, err, sizeof(err)),
	    MT_EINVAL);
	json_decref(v);
	v = js("[{}, \"a\"]");
	ck_assert_int_eq(scope_validate_input(v, err, sizeof(err)),
	    MT_EINVAL);
	ck_assert_str_eq(err, "access_scopes[1]: expected an object");
	json_decref(v);
	v = js("[{\"scope_level2\":null}]");
	ck_assert_int_eq(scope_validate_input(v, err, sizeof(err)),
	    MT_EINVAL);
	ck_assert_str_eq(err,
	    "access_scopes[0].scope_level2: expected an array of strings");
	json_decref(v);
	v = js("[{\"scope_level1\":[\"a\",2]}]");
	ck_assert_int_eq(scope_validate_input(v, err, sizeof(err)),
	    MT_EINVAL);
	json_decref(v);
	v = js("[{\"scope_level0\":\"a\"}]");
	ck_assert_int_eq(scope_validate_input(v, err, sizeof(err)),
	    MT_EINVAL);
	json_decref(v);
}
END_TEST

START_TEST(fault_injection)
{
	struct scope_set *s;
	long i;
	int rc = -1;

	for (i = 1; i < 1000; i++) {
		mem_fail_after(i);
		rc = parse_json("{\"scope_level0\":[\"a\",\"b\"],\"x\":[1,{}],"
		    "\"scope_level2\":[\"c\",\"d\",\"e\"]}", &s);
		mem_fail_after(0);
		if (rc == SCOPE_HDR_OK)
			break;
		/* Jansson 2.14 reports most failed allocations as bad JSON. */
		ck_assert(rc == MT_ENOMEM || rc == SCOPE_HDR_BAD_JSON);
		ck_assert_ptr_null(s);
	}
	ck_assert_int_eq(rc, SCOPE_HDR_OK);
	ck_assert_uint_eq(s->n[2], 3);
	ck_assert_str_eq(s->v[2][2], "e");
	scope_set_free(s);
}
END_TEST

static Suite *
scope_suite(void)
{
	Suite *s = suite_create("scope");
	TCase *tc = tcase_create("core");

	tcase_add_test(tc, header_valid);
	tcase_add_test(tc, header_unknown_keys);
	tcase_add_test(tc, header_absent);
	tcase_add_test(tc, header_bad_base64);
	tcase_add_test(tc, header_bad_json);
	tcase_add_test(tc, header_nul_byte);
	tcase_add_test(tc, from_json);
	tcase_add_test(tc, match_rules);
	tcase_add_test(tc, match_empty_user);
	tcase_add_test(tc, lists_equality);
	tcase_add_test(tc, lists_duplicates_quirk);
	tcase_add_test(tc, validate_input);
	tcase_add_test(tc, fault_injection);
	suite_add_tcase(s, tc);
	return s;
}

int
main(void)
{
	SRunner *sr;
	int nf;

	json_init();
	sr = srunner_create(scope_suite());
	srunner_run_all(sr, CK_NORMAL);
	nf = srunner_ntests_failed(sr);
	srunner_free(sr);
	return nf == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
