/*
 * check_url.c — unit tests of lib/url.c: percent-decoding, the two query
 * readers (form rules and the docs/api.md#user user_id rule) and canonical
 * base64.
 */
#include <check.h>
#include <stdlib.h>
#include <string.h>

#include "err.h"
#include "json.h"
#include "mem.h"
#include "url.h"

/* Decodes s and checks the result against want (wantlen bytes). */
static void
dec_is(const char *s, bool plus, const char *want, size_t wantlen)
{
	size_t n = 12345;
	char *d = url_decode(s, strlen(s), plus, &n);

	ck_assert_ptr_nonnull(d);
	ck_assert_uint_eq(n, wantlen);
	ck_assert_mem_eq(d, want, wantlen);
	ck_assert_int_eq(d[n], '\0');
	mt_free(d);
}

static void
get_is(const char *query, const char *key, const char *want)
{
	char *v = (char *)1;

	ck_assert_int_eq(url_query_get(query, key, &v), 0);
	ck_assert_str_eq(v, want);
	mt_free(v);
}

static void
get_rc(const char *query, const char *key, int want)
{
	char *v = (char *)1;

	ck_assert_int_eq(url_query_get(query, key, &v), want);
	ck_assert_ptr_null(v);
}

static void
user_is(const char *query, const char *want)
{
	char *u = (char *)1;

	ck_assert_int_eq(url_query_user(query, &u), 0);
	ck_assert_str_eq(u, want);
	mt_free(u);
}

static void
user_rc(const char *query, int want)
{
	char *u = (char *)1;

	ck_assert_int_eq(url_query_user(query, &u), want);
	ck_assert_ptr_null(u);
}

static void
b64_is(const char *s, bool urlsafe, const char *want, size_t wantlen)
{
	unsigned char *d = NULL;
	size_t n = 999;

	ck_assert_int_eq(url_b64_decode(s, strlen(s), urlsafe, &d, &n), 0);
	ck_assert_uint_eq(n, wantlen);
	ck_assert_mem_eq(d, want, wantlen);
	ck_assert_int_eq(d[n], '\0');
	mt_free(d);
}

static void
b64_bad(const char *s, bool urlsafe)
{
	unsigned char *d = (unsigned char *)1;
	size_t n = 999;

	ck_assert_int_eq(url_b64_decode(s, strlen(s), urlsafe, &d, &n),
	    MT_EINVAL);
	ck_assert_ptr_null(d);
}

START_TEST(decode_plain)
{
	dec_is("", false, "", 0);
	dec_is("abc", false, "abc", 3);
	dec_is("a%20b", false, "a b", 3);
	dec_is("%41%62%2f%2F", false, "Ab//", 4);
	dec_is("%c3%A9", true, "\xc3\xa9", 2);
}
END_TEST

START_TEST(decode_plus)
{
	dec_is("a+b", false, "a+b", 3);
	dec_is("a+b", true, "a b", 3);
	dec_is("a%2Bb", false, "a+b", 3);
	dec_is("a%2Bb", true, "a+b", 3);
	dec_is("%2b+", true, "+ ", 2);
}
END_TEST

START_TEST(decode_bad_percent)
{
	dec_is("%zz", false, "%zz", 3);
	dec_is("%", false, "%", 1);
	dec_is("100%", false, "100%", 4);
	dec_is("%4", false, "%4", 2);
	dec_is("%4g", false, "%4g", 3);
	dec_is("%%41", false, "%A", 2);
	dec_is("%+41", true, "% 41", 4);
}
END_TEST

START_TEST(decode_nul_and_len)
{
	size_t n;
	char *d;

	dec_is("a%00b", false, "a\0b", 3);
	/* Only len bytes are read: a %XX cut by len stays literal. */
	d = url_decode("ab%41", 4, false, &n);
	ck_assert_ptr_nonnull(d);
	ck_assert_uint_eq(n, 4);
	ck_assert_str_eq(d, "ab%4");
	mt_free(d);
	d = url_decode("xyz", 2, false, NULL);
	ck_assert_str_eq(d, "xy");
	mt_free(d);
}
END_TEST

START_TEST(get_basic)
{
	get_is("a=1&b=2", "b", "2");
	get_is("a=1&b=2", "a", "1");
	get_is("search=x+y%21", "search", "x y!");
	get_is("search=a%2Bb", "search", "a+b");
	get_is("a=b=c", "a", "b=c");
	get_is("&&a=1&&", "a", "1");
}
END_TEST

START_TEST(get_duplicates)
{
	get_is("a=1&a=2", "a", "1");
	get_is("b=0&a=&a=2", "a", "");
}
END_TEST

START_TEST(get_no_eq_and_empty)
{
	get_is("flag&x=1", "flag", "");
	get_is("x=1&flag", "flag", "");
	get_is("a=&b=1", "a", "");
	get_is("=v&a=1", "a", "1");
	get_is("=v", "", "v");
}
END_TEST

START_TEST(get_encoded_key)
{
	get_is("us%65r=1", "user", "1");
	get_is("a+b=1", "a b", "1");
	get_is("a%2Bb=1", "a+b", "1");
	get_rc("a%2Bb=1", "a b", MT_ENOTFOUND);
}
END_TEST

START_TEST(get_absent)
{
	get_rc(NULL, "a", MT_ENOTFOUND);
	get_rc("", "a", MT_ENOTFOUND);
	get_rc("&&&", "a", MT_ENOTFOUND);
	get_rc("ab=1&b=2", "a", MT_ENOTFOUND);
	get_rc("a1=1", "a", MT_ENOTFOUND);
}
END_TEST

START_TEST(get_nul_and_utf8)
{
	get_rc("a=x%00y", "a", MT_EINVAL);
	get_is("a=%C3%A9", "a", "\xc3\xa9");
	get_is("a=%F0%9F%98%80", "a", "\xf0\x9f\x98\x80");
	get_is("a=%FF", "a", "\xef\xbf\xbd");
	/* A truncated sequence is one replacement, a bad lead byte one each. */
	get_is("a=%E2%82x", "a", "\xef\xbf\xbdx");
	get_is("a=%C0%80", "a", "\xef\xbf\xbd\xef\xbf\xbd");
	get_is("a=%ED%A0%80", "a", "\xef\xbf\xbd\xef\xbf\xbd\xef\xbf\xbd");
}
END_TEST

START_TEST(user_basic)
{
	user_is("user_id=alice", "alice");
	user_is("limit=5&user_id=bob&x", "bob");
	user_is("user_id=a&user_id=b", "a");
	user_is("user_id=a=b", "a=b");
}
END_TEST

START_TEST(user_sender_alias)
{
	user_is("sender_id=carol", "carol");
	user_is("sender_id=x&user_id=y", "x");
	user_is("user_id=y&sender_id=x", "y");
}
END_TEST

START_TEST(user_plus_and_percent)
{
	user_is("user_id=a+b", "a+b");
	user_is("user_id=a%2Bb", "a+b");
	user_is("user_id=a%2bb", "a+b");
	user_is("user_id=a%20b", "a b");
	user_is("user_id=%zz", "%zz");
	user_is("user_id=50%", "50%");
	user_is("user_id=%D0%98%D0%B2", "\xd0\x98\xd0\xb2");
}
END_TEST

START_TEST(user_raw_fallback)
{
	user_is("user_id=a%00b", "a%00b");
	user_is("user_id=%FF", "%FF");
	user_is("user_id=x%C3", "x%C3");
	user_is("user_id=%ED%A0%80", "%ED%A0%80");
	/* Unencoded bytes that are not UTF-8 cannot be used at all. */
	user_rc("user_id=\xff", MT_EINVAL);
	user_is("user_id=\xc3\xa9", "\xc3\xa9");
}
END_TEST

START_TEST(user_key_rules)
{
	user_rc("user%5Fid=x", MT_ENOTFOUND);
	user_rc("User_id=x", MT_ENOTFOUND);
	user_rc("user_id+=x", MT_ENOTFOUND);
	user_rc("xuser_id=x", MT_ENOTFOUND);
	user_is("user_id&user_id=z", "z");
	user_rc("user_id", MT_ENOTFOUND);
	user_rc("user_id&sender_id", MT_ENOTFOUND);
}
END_TEST

START_TEST(user_empty_and_absent)
{
	user_is("user_id=", "");
	user_is("user_id=&user_id=x", "");
	user_is("sender_id=", "");
	user_rc(NULL, MT_ENOTFOUND);
	user_rc("", MT_ENOTFOUND);
	user_rc("a=1&b=2", MT_ENOTFOUND);
}
END_TEST

START_TEST(b64_standard)
{
	b64_is("", false, "", 0);
	b64_is("QQ==", false, "A", 1);
	b64_is("QUI=", false, "AB", 2);
	b64_is("QUJD", false, "ABC", 3);
	b64_is("e30=", false, "{}", 2);
	b64_is("+/+/", false, "\xfb\xff\xbf", 3);
	b64_is("AA==", false, "\0", 1);
}
END_TEST

START_TEST(b64_standard_bad)
{
	b64_bad("QQ", false);		/* padding missing */
	b64_bad("QQ=", false);
	b64_bad("QUJ", false);
	b64_bad("Q===", false);
	b64_bad("====", false);
	b64_bad("QQ==QQ==", false);	/* padding inside */
	b64_bad("QQ=A", false);
	b64_bad("QR==", false);		/* unused bits set */
	b64_bad("QUJ=", false);
	b64_bad(" QQ==", false);
	b64_bad("QQ==\n", false);
	b64_bad("Q Q=", false);
	b64_bad("-_8=", false);		/* url alphabet */
	b64_bad("QQ=\xff", false);
}
END_TEST

START_TEST(b64_urlsafe)
{
	b64_is("", true, "", 0);
	b64_is("QQ", true, "A", 1);
	b64_is("QUI", true, "AB", 2);
	b64_is("QUJD", true, "ABC", 3);
	b64_is("-_-_", true, "\xfb\xff\xbf", 3);
	b64_bad("QQ==", true);
	b64_bad("QUI=", true);
	b64_bad("+/+/", true);
	b64_bad("Q", true);
	b64_bad("QUJDQ", true);
	b64_bad("QR", true);
	b64_bad("QUJ", true);
	b64_bad("QU.I", true);
}
END_TEST

/* Every injected allocation failure gives MT_ENOMEM and nothing leaks. */
START_TEST(fault_injection)
{
	unsigned char *b;
	char *v;
	size_t n;
	long i;
	int rc;

	for (i = 1; i < 100; i++) {
		mem_fail_after(i);
		rc = url_query_get("x=1&sea%72ch=%FF+a&y", "search", &v);
		mem_fail_after(0);
		if (rc == 0)
			break;
		ck_assert_int_eq(rc, MT_ENOMEM);
		ck_assert_ptr_null(v);
	}
	ck_assert_int_eq(rc, 0);
	ck_assert_str_eq(v, "\xef\xbf\xbd a");
	mt_free(v);
	for (i = 1; i < 100; i++) {
		mem_fail_after(i);
		rc = url_query_user("a=1&user_id=%FF", &v);
		mem_fail_after(0);
		if (rc == 0)
			break;
		ck_assert_int_eq(rc, MT_ENOMEM);
	}
	ck_assert_int_eq(rc, 0);
	mt_free(v);
	for (i = 1; i < 100; i++) {
		mem_fail_after(i);
		rc = url_b64_decode("QUI", 3, true, &b, &n);
		mem_fail_after(0);
		if (rc == 0)
			break;
		ck_assert_int_eq(rc, MT_ENOMEM);
		ck_assert_ptr_null(b);
	}
	ck_assert_int_eq(rc, 0);
	mt_free(b);
	mem_fail_after(1);
	ck_assert_ptr_null(url_decode("abc", 3, false, NULL));
	mem_fail_after(0);
}
END_TEST

static Suite *
url_suite(void)
{
	Suite *s = suite_create("url");
	TCase *tc = tcase_create("core");

	tcase_add_test(tc, decode_plain);
	tcase_add_test(tc, decode_plus);
	tcase_add_test(tc, decode_bad_percent);
	tcase_add_test(tc, decode_nul_and_len);
	tcase_add_test(tc, get_basic);
	tcase_add_test(tc, get_duplicates);
	tcase_add_test(tc, get_no_eq_and_empty);
	tcase_add_test(tc, get_encoded_key);
	tcase_add_test(tc, get_absent);
	tcase_add_test(tc, get_nul_and_utf8);
	tcase_add_test(tc, user_basic);
	tcase_add_test(tc, user_sender_alias);
	tcase_add_test(tc, user_plus_and_percent);
	tcase_add_test(tc, user_raw_fallback);
	tcase_add_test(tc, user_key_rules);
	tcase_add_test(tc, user_empty_and_absent);
	tcase_add_test(tc, b64_standard);
	tcase_add_test(tc, b64_standard_bad);
	tcase_add_test(tc, b64_urlsafe);
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
	sr = srunner_create(url_suite());
	srunner_run_all(sr, CK_NORMAL);
	nf = srunner_ntests_failed(sr);
	srunner_free(sr);
	return nf == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
