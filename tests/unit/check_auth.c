/*
 * check_auth.c — unit tests of lib/auth.c: the JWT secret list, HS256 token
 * rules of docs/api.md#jwt and the admin token check of
 * docs/api.md#admin-token. Tokens are made here with OpenSSL's HMAC(),
 * independently of the code under test.
 */
#include <check.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/evp.h>
#include <openssl/hmac.h>

#include "auth.h"
#include "cfg.h"
#include "err.h"
#include "json.h"
#include "mem.h"

#define TOK_MAX	4096
#define HS256	"{\"alg\":\"HS256\",\"typ\":\"JWT\"}"

/* Unpadded base64url of len bytes, appended at out; returns its length. */
static size_t
b64url(const void *in, size_t len, char *out)
{
	int i, n;

	n = EVP_EncodeBlock((unsigned char *)out, in, (int)len);
	while (n > 0 && out[n - 1] == '=')
		n--;
	for (i = 0; i < n; i++) {
		if (out[i] == '+')
			out[i] = '-';
		else if (out[i] == '/')
			out[i] = '_';
	}
	out[n] = '\0';
	return (size_t)n;
}

/* hdr.payload signed with key under md (NULL md: empty signature). */
static char *
make_token(char *buf, const char *hdr, const char *payload, const char *key,
    const EVP_MD *md)
{
	unsigned char mac[EVP_MAX_MD_SIZE];
	unsigned int maclen;
	size_t n;

	n = b64url(hdr, strlen(hdr), buf);
	buf[n++] = '.';
	n += b64url(payload, strlen(payload), buf + n);
	buf[n++] = '.';
	buf[n] = '\0';
	if (md == NULL)
		return buf;
	ck_assert_ptr_nonnull(HMAC(md, key, (int)strlen(key),
	    (unsigned char *)buf, n - 1, mac, &maclen));
	b64url(mac, maclen, buf + n);
	return buf;
}

static char *
tok(char *buf, const char *payload)
{
	return make_token(buf, HS256, payload, "secret", EVP_sha256());
}

static struct auth_keys *
keys_of(const char *secrets, const char *secret)
{
	struct cfg c;
	struct auth_keys *k;

	memset(&c, 0, sizeof(c));
	c.jwt_enabled = true;
	c.jwt_secrets = (char *)(uintptr_t)secrets;
	c.jwt_secret = (char *)(uintptr_t)secret;
	ck_assert_int_eq(auth_keys_new(&c, &k), 0);
	return k;
}

static int
verify(const char *secrets, const char *token, const char *claim,
    char **user, json_t **scope)
{
	struct auth_keys *k = keys_of(secrets, NULL);
	struct auth_claims c = { claim, scope ? "mtchat_scope" : NULL, NULL,
	    NULL };
	int rc;

	rc = auth_jwt_verify(k, token, strlen(token), &c);
	*user = c.user_id;
	if (scope != NULL)
		*scope = c.scope;
	auth_keys_free(k);
	return rc;
}

static void
accepts(const char *token, const char *claim, const char *want)
{
	char *user = NULL;
	json_t *scope = (json_t *)1;

	ck_assert_int_eq(verify("secret", token, claim, &user, &scope), 0);
	ck_assert_str_eq(user, want);
	json_decref(scope);
	mt_free(user);
}

static void
rejects(const char *token)
{
	char *user = (char *)1;
	json_t *scope = (json_t *)1;

	ck_assert_int_eq(verify("secret", token, "sub", &user, &scope),
	    MT_EINVAL);
	ck_assert_ptr_null(user);
	ck_assert_ptr_null(scope);
}

static void
payload_accepts(const char *payload, const char *want)
{
	char buf[TOK_MAX];

	accepts(tok(buf, payload), "sub", want);
}

static void
payload_rejects(const char *payload)
{
	char buf[TOK_MAX];

	rejects(tok(buf, payload));
}

START_TEST(keys_list)
{
	struct auth_keys *k;
	struct cfg c;

	k = keys_of(" a , ,\tb,, ", "ignored");
	ck_assert_uint_eq(auth_keys_count(k), 2);
	auth_keys_free(k);
	k = keys_of("", " spaced ");
	ck_assert_uint_eq(auth_keys_count(k), 1);
	auth_keys_free(k);
	k = keys_of(NULL, "x");
	ck_assert_uint_eq(auth_keys_count(k), 1);
	auth_keys_free(k);

	memset(&c, 0, sizeof(c));
	c.jwt_enabled = true;
	ck_assert_int_eq(auth_keys_new(&c, &k), MT_EINVAL);
	ck_assert_ptr_null(k);
	c.jwt_secrets = (char *)(uintptr_t)" , ,";
	c.jwt_secret = (char *)(uintptr_t)"fallback";
	ck_assert_int_eq(auth_keys_new(&c, &k), MT_EINVAL);
	c.jwt_enabled = false;
	ck_assert_int_eq(auth_keys_new(&c, &k), 0);
	ck_assert_uint_eq(auth_keys_count(k), 0);
	auth_keys_free(k);
}
END_TEST

START_TEST(keys_order_and_trim)
{
	char buf[TOK_MAX], *user = NULL;
	struct auth_claims c = { NULL, NULL, NULL, NULL };
	struct auth_keys *k;
	int rc;

	make_token(buf, HS256, "{\"sub\":\"u\"}", "second", EVP_sha256());
	ck_assert_int_eq(verify("first, second ", buf, "sub", &user, NULL),
	    0);
	ck_assert_str_eq(user, "u");
	mt_free(user);
	ck_assert_int_eq(verify("first", buf, "sub", &user, NULL), MT_EINVAL);
	/* JWT_SECRETS wins over JWT_SECRET; JWT_SECRET is used verbatim. */
	k = keys_of("first", "second");
	rc = auth_jwt_verify(k, buf, strlen(buf), &c);
	ck_assert_int_eq(rc, MT_EINVAL);
	auth_keys_free(k);
	k = keys_of(NULL, " second");
	rc = auth_jwt_verify(k, buf, strlen(buf), &c);
	ck_assert_int_eq(rc, MT_EINVAL);
	auth_keys_free(k);
	k = keys_of("", "second");
	rc = auth_jwt_verify(k, buf, strlen(buf), &c);
	ck_assert_int_eq(rc, 0);
	mt_free(c.user_id);
	auth_keys_free(k);
	/* No secrets at all (JWT disabled): nothing verifies. */
	rc = auth_jwt_verify(NULL, buf, strlen(buf), &c);
	ck_assert_int_eq(rc, MT_EINVAL);
}
END_TEST

START_TEST(valid_string_sub)
{
	char buf[TOK_MAX];

	payload_accepts("{\"sub\":\"alice\"}", "alice");
	payload_accepts("{\"sub\":\"\\u0418\\u0432 x\"}", "\xd0\x98\xd0\xb2 x");
	payload_accepts("{\"sub\":\"\"}", "");
	accepts(make_token(buf, "{\"alg\":\"HS256\"}", "{\"sub\":\"a\"}",
	    "secret", EVP_sha256()), "sub", "a");
	/* typ is not looked at (libjwt would refuse this one). */
	accepts(make_token(buf, "{\"typ\":\"at+jwt\",\"alg\":\"HS256\","
	    "\"kid\":7}", "{\"sub\":\"a\"}", "secret", EVP_sha256()), "sub",
	    "a");
}
END_TEST

START_TEST(numeric_sub)
{
	payload_accepts("{\"sub\":42}", "42");
	payload_accepts("{\"sub\":-7}", "-7");
	payload_accepts("{\"sub\":0}", "0");
	payload_accepts("{\"sub\":9223372036854775807}", "9223372036854775807");
	/* Non-integers as serde_json prints an f64. */
	payload_accepts("{\"sub\":42.0}", "42.0");
	payload_accepts("{\"sub\":1.5}", "1.5");
	payload_accepts("{\"sub\":-0.25}", "-0.25");
	payload_accepts("{\"sub\":0.1}", "0.1");
	payload_accepts("{\"sub\":1e2}", "100.0");
	payload_accepts("{\"sub\":0.00001}", "0.00001");
	payload_accepts("{\"sub\":0.000001}", "1e-6");
	payload_accepts("{\"sub\":1.5e-7}", "1.5e-7");
	payload_accepts("{\"sub\":1234567890123456.0}", "1234567890123456.0");
	payload_accepts("{\"sub\":1e16}", "1e16");
	payload_accepts("{\"sub\":1.25e21}", "1.25e21");
	payload_accepts("{\"sub\":0.0}", "0.0");
	payload_accepts("{\"sub\":-0.0}", "-0.0");
	payload_accepts("{\"sub\":123.456}", "123.456");
	payload_accepts("{\"sub\":1.7976931348623157e308}",
	    "1.7976931348623157e308");
	payload_accepts("{\"sub\":5e-324}", "5e-324");
}
END_TEST

START_TEST(custom_claim)
{
	char buf[TOK_MAX];

	tok(buf, "{\"sub\":\"x\",\"uid\":\"u9\"}");
	accepts(buf, "uid", "u9");
	accepts(buf, NULL, "x");
	tok(buf, "{\"uid\":7}");
	accepts(buf, "uid", "7");
	rejects(buf);		/* no sub */
}
END_TEST

START_TEST(bad_signature)
{
	char buf[TOK_MAX];
	size_t n;

	rejects(make_token(buf, HS256, "{\"sub\":\"a\"}", "other",
	    EVP_sha256()));
	rejects(make_token(buf, HS256, "{\"sub\":\"a\"}", "secre",
	    EVP_sha256()));
	/* Last signature character changed. */
	tok(buf, "{\"sub\":\"a\"}");
	n = strlen(buf);
	buf[n - 1] = buf[n - 1] == 'A' ? 'B' : 'A';
	rejects(buf);
	/* Signature truncated, and empty. */
	tok(buf, "{\"sub\":\"a\"}");
	buf[strlen(buf) - 4] = '\0';
	rejects(buf);
	rejects(make_token(buf, HS256, "{\"sub\":\"a\"}", NULL, NULL));
	/* Payload swapped under a valid signature. */
	tok(buf, "{\"sub\":\"a\"}");
	memcpy(strchr(buf, '.') + 1, "eyJzdWIiOiJiIn0", 15); /* {"sub":"b"} */
	rejects(buf);
}
END_TEST

START_TEST(alg_none_and_others)
{
	char buf[TOK_MAX];
	const char *p = "{\"sub\":\"a\"}";

	rejects(make_token(buf, "{\"alg\":\"none\"}", p, NULL, NULL));
	rejects(make_token(buf, "{\"alg\":\"none\"}", p, "secret",
	    EVP_sha256()));
	rejects(make_token(buf, "{\"alg\":\"HS512\"}", p, "secret",
	    EVP_sha512()));
	rejects(make_token(buf, "{\"alg\":\"HS512\"}", p, "secret",
	    EVP_sha256()));
	rejects(make_token(buf, "{\"alg\":\"HS384\"}", p, "secret",
	    EVP_sha384()));
	rejects(make_token(buf, "{\"alg\":\"RS256\"}", p, "secret",
	    EVP_sha256()));
	rejects(make_token(buf, "{\"alg\":\"hs256\"}", p, "secret",
	    EVP_sha256()));
	rejects(make_token(buf, "{\"alg\":\"HS256 \"}", p, "secret",
	    EVP_sha256()));
	rejects(make_token(buf, "{\"typ\":\"JWT\"}", p, "secret",
	    EVP_sha256()));
	rejects(make_token(buf, "{\"alg\":256}", p, "secret", EVP_sha256()));
	rejects(make_token(buf, "{\"alg\":null}", p, "secret", EVP_sha256()));
	rejects(make_token(buf, "{\"alg\":\"none\",\"alg\":\"HS256\"}", p,
	    "secret", EVP_sha256()));
	rejects(make_token(buf, "[\"HS256\"]", p, "secret", EVP_sha256()));
	rejects(make_token(buf, "\"HS256\"", p, "secret", EVP_sha256()));
	rejects(make_token(buf, "", p, "secret", EVP_sha256()));
}
END_TEST

/* Signs "h.p" as given (segments already encoded, maybe badly). */
static char *
sign_raw(char *buf, const char *h, const char *p, bool pad_sig)
{
	unsigned char mac[EVP_MAX_MD_SIZE];
	unsigned int maclen;
	size_t n;

	n = (size_t)snprintf(buf, TOK_MAX, "%s.%s.", h, p);
	HMAC(EVP_sha256(), "secret", 6, (unsigned char *)buf, n - 1, mac,
	    &maclen);
	n += b64url(mac, maclen, buf + n);
	if (pad_sig)
		strcpy(buf + n, "=");
	return buf;
}

START_TEST(padded_segments)
{
	char buf[TOK_MAX];
	/* {"alg":"HS256","x":12} is 22 bytes: "==" in padded base64. */
	const char *h = "eyJhbGciOiJIUzI1NiIsIngiOjEyfQ";
	const char *hpad = "eyJhbGciOiJIUzI1NiIsIngiOjEyfQ==";
	/* {"sub":"ab"} is 12 bytes: no padding; {"sub":"abc"} needs "==". */
	const char *p = "eyJzdWIiOiJhYiJ9";
	const char *p3 = "eyJzdWIiOiJhYmMifQ", *p3pad = "eyJzdWIiOiJhYmMifQ==";

	accepts(sign_raw(buf, h, p, false), "sub", "ab");
	accepts(sign_raw(buf, h, p3, false), "sub", "abc");
	rejects(sign_raw(buf, hpad, p, false));
	rejects(sign_raw(buf, h, p3pad, false));
	rejects(sign_raw(buf, h, p, true));
	/* Standard alphabet and non-canonical trailing bits. */
	rejects(sign_raw(buf, h, "eyJzdWIiOiJhYmMifR", false));
	rejects(sign_raw(buf, h, "eyJzdWIiOiJ+YiJ9", false));
}
END_TEST

START_TEST(segment_count)
{
	char buf[TOK_MAX], four[TOK_MAX + 8], *dot;

	tok(buf, "{\"sub\":\"a\"}");
	snprintf(four, sizeof(four), "%s.", buf);
	rejects(four);
	snprintf(four, sizeof(four), "%s.AAAA", buf);
	rejects(four);
	snprintf(four, sizeof(four), "AAAA.%s", buf);
	rejects(four);
	dot = strrchr(buf, '.');
	*dot = '\0';
	rejects(buf);				/* two segments */
	rejects("");
	rejects(".");
	rejects("..");
	rejects("...");
	rejects("abc");
}
END_TEST

START_TEST(garbage)
{
	char buf[TOK_MAX];
	struct auth_claims c = { "sub", NULL, (char *)1, NULL };
	struct auth_keys *k = keys_of("secret", NULL);

	rejects("!!!.???.***");
	rejects("eyJhbGciOiJIUzI1NiJ9 .eyJzdWIiOiJhYiJ9.AAAA");
	rejects("eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiJhYiJ9.A");
	rejects("e.e.e");
	/* A NUL byte inside the given length. */
	tok(buf, "{\"sub\":\"a\"}");
	buf[3] = '\0';
	ck_assert_int_eq(auth_jwt_verify(k, buf, strlen(buf + 4) + 4, &c),
	    MT_EINVAL);
	ck_assert_ptr_null(c.user_id);
	/* Only len bytes count: a valid token cut short fails. */
	tok(buf, "{\"sub\":\"a\"}");
	ck_assert_int_eq(auth_jwt_verify(k, buf, strlen(buf) - 1, &c),
	    MT_EINVAL);
	ck_assert_int_eq(auth_jwt_verify(k, buf, AUTH_JWT_MAX + 1, &c),
	    MT_EINVAL);
	auth_keys_free(k);
}
END_TEST

START_TEST(payload_shape)
{
	payload_rejects("[1,2]");
	payload_rejects("[]");
	payload_rejects("\"sub\"");
	payload_rejects("42");
	payload_rejects("null");
	payload_rejects("");
	payload_rejects("{\"sub\":\"a\"");
	payload_rejects("{\"sub\":\"a\"} x");
	payload_rejects("{\"sub\":\"a\",\"sub\":\"b\"}");
	payload_rejects("{\"sub\":\"a\\u0000b\"}");
	payload_rejects("{\"sub\":\"\xff\"}");
	payload_accepts("{\"sub\":\"a\"}\n ", "a");
}
END_TEST

START_TEST(claim_types)
{
	payload_rejects("{}");
	payload_rejects("{\"user\":\"a\"}");
	payload_rejects("{\"sub\":true}");
	payload_rejects("{\"sub\":false}");
	payload_rejects("{\"sub\":null}");
	payload_rejects("{\"sub\":{\"id\":\"a\"}}");
	payload_rejects("{\"sub\":[\"a\"]}");
}
END_TEST

START_TEST(audience)
{
	payload_rejects("{\"sub\":\"a\",\"aud\":\"x\"}");
	payload_rejects("{\"sub\":\"a\",\"aud\":\"\"}");
	payload_rejects("{\"sub\":\"a\",\"aud\":[\"x\",\"y\"]}");
	payload_rejects("{\"sub\":\"a\",\"aud\":[]}");
	payload_accepts("{\"sub\":\"a\",\"aud\":42}", "a");
	payload_accepts("{\"sub\":\"a\",\"aud\":null}", "a");
	payload_accepts("{\"sub\":\"a\",\"aud\":true}", "a");
	payload_accepts("{\"sub\":\"a\",\"aud\":{\"x\":1}}", "a");
	payload_accepts("{\"sub\":\"a\",\"aud\":[\"x\",1]}", "a");
}
END_TEST

START_TEST(time_claims_ignored)
{
	payload_accepts("{\"sub\":\"a\",\"exp\":1}", "a");
	payload_accepts("{\"sub\":\"a\",\"nbf\":99999999999}", "a");
	payload_accepts("{\"sub\":\"a\",\"exp\":\"soon\",\"iss\":3}", "a");
	payload_accepts("{\"sub\":\"a\",\"iat\":1.5}", "a");
}
END_TEST

START_TEST(scope_claim)
{
	char buf[TOK_MAX], *user = NULL;
	json_t *scope = NULL;
	struct auth_claims c = { "sub", "scp", NULL, NULL };
	struct auth_keys *k = keys_of("secret", NULL);

	tok(buf, "{\"sub\":\"a\",\"mtchat_scope\":{\"scope_level0\":[\"t\"]}}");
	ck_assert_int_eq(verify("secret", buf, "sub", &user, &scope), 0);
	ck_assert_str_eq(user, "a");
	ck_assert(json_is_object(scope));
	ck_assert_str_eq(json_string_value(json_array_get(json_object_get(
	    scope, "scope_level0"), 0)), "t");
	json_decref(scope);
	mt_free(user);
	/* A null claim is no claim; other types go to the caller. */
	tok(buf, "{\"sub\":\"a\",\"mtchat_scope\":null}");
	ck_assert_int_eq(verify("secret", buf, "sub", &user, &scope), 0);
	ck_assert_ptr_null(scope);
	mt_free(user);
	tok(buf, "{\"sub\":\"a\",\"scp\":[1]}");
	ck_assert_int_eq(auth_jwt_verify(k, buf, strlen(buf), &c), 0);
	ck_assert(json_is_array(c.scope));
	json_decref(c.scope);
	mt_free(c.user_id);
	/* No scope wanted (no claim named): none, whatever the token has. */
	c.scope_claim = NULL;
	ck_assert_int_eq(auth_jwt_verify(k, buf, strlen(buf), &c), 0);
	ck_assert_ptr_null(c.scope);
	mt_free(c.user_id);
	c.scope_claim = "none";
	ck_assert_int_eq(auth_jwt_verify(k, buf, strlen(buf), &c), 0);
	ck_assert_ptr_null(c.scope);
	mt_free(c.user_id);
	auth_keys_free(k);
}
END_TEST

START_TEST(fault_injection)
{
	char buf[TOK_MAX];
	struct auth_claims cl = { "sub", "mtchat_scope", NULL, NULL };
	struct auth_keys *k = keys_of("one,secret", NULL);
	struct cfg c;
	long i;
	int rc = -1;

	tok(buf, "{\"sub\":\"alice\",\"aud\":5,\"mtchat_scope\":"
	    "{\"scope_level0\":[\"a\",\"b\"],\"x\":{\"y\":[1,2,\"z\"]}}}");
	for (i = 1; i < 1000; i++) {
		mem_fail_after(i);
		rc = auth_jwt_verify(k, buf, strlen(buf), &cl);
		mem_fail_after(0);
		if (rc == 0)
			break;
		/* Jansson 2.14 reports most failed allocations as bad JSON. */
		ck_assert(rc == MT_ENOMEM || rc == MT_EINVAL);
		ck_assert_ptr_null(cl.user_id);
		ck_assert_ptr_null(cl.scope);
	}
	ck_assert_int_eq(rc, 0);
	ck_assert_str_eq(cl.user_id, "alice");
	json_decref(cl.scope);
	mt_free(cl.user_id);
	auth_keys_free(k);

	memset(&c, 0, sizeof(c));
	c.jwt_enabled = true;
	c.jwt_secrets = (char *)(uintptr_t)"a, b ,c";
	for (i = 1; i < 100; i++) {
		mem_fail_after(i);
		rc = auth_keys_new(&c, &k);
		mem_fail_after(0);
		if (rc == 0)
			break;
		ck_assert_int_eq(rc, MT_ENOMEM);
		ck_assert_ptr_null(k);
	}
	ck_assert_int_eq(rc, 0);
	ck_assert_uint_eq(auth_keys_count(k), 3);
	auth_keys_free(k);
}
END_TEST

START_TEST(admin_token)
{
	ck_assert_int_eq(auth_admin_token_ok("s3cret", "s3cret", 6), 0);
	ck_assert_int_eq(auth_admin_token_ok("s3cret", "s3cres", 6),
	    MT_EFORBIDDEN);
	ck_assert_int_eq(auth_admin_token_ok("s3cret", "s3cre", 5),
	    MT_EFORBIDDEN);
	ck_assert_int_eq(auth_admin_token_ok("s3cret", "s3cretX", 7),
	    MT_EFORBIDDEN);
	ck_assert_int_eq(auth_admin_token_ok("s3cret", "s3cretX", 6), 0);
	ck_assert_int_eq(auth_admin_token_ok("s3cret", "", 0), MT_EFORBIDDEN);
	ck_assert_int_eq(auth_admin_token_ok("s3cret", " s3cret", 7),
	    MT_EFORBIDDEN);
	ck_assert_int_eq(auth_admin_token_ok("S3CRET", "s3cret", 6),
	    MT_EFORBIDDEN);
	ck_assert_int_eq(auth_admin_token_ok("", "", 0), 0);
	ck_assert_int_eq(auth_admin_token_ok(NULL, "", 0), MT_EFORBIDDEN);
	ck_assert_int_eq(auth_admin_token_ok("x", NULL, 0), MT_EFORBIDDEN);
}
END_TEST

static Suite *
auth_suite(void)
{
	Suite *s = suite_create("auth");
	TCase *tc = tcase_create("core");

	tcase_add_test(tc, keys_list);
	tcase_add_test(tc, keys_order_and_trim);
	tcase_add_test(tc, valid_string_sub);
	tcase_add_test(tc, numeric_sub);
	tcase_add_test(tc, custom_claim);
	tcase_add_test(tc, bad_signature);
	tcase_add_test(tc, alg_none_and_others);
	tcase_add_test(tc, padded_segments);
	tcase_add_test(tc, segment_count);
	tcase_add_test(tc, garbage);
	tcase_add_test(tc, payload_shape);
	tcase_add_test(tc, claim_types);
	tcase_add_test(tc, audience);
	tcase_add_test(tc, time_claims_ignored);
	tcase_add_test(tc, scope_claim);
	tcase_add_test(tc, fault_injection);
	tcase_add_test(tc, admin_token);
	suite_add_tcase(s, tc);
	return s;
}

int
main(void)
{
	SRunner *sr;
	int nf;

	json_init();
	sr = srunner_create(auth_suite());
	srunner_run_all(sr, CK_NORMAL);
	nf = srunner_ntests_failed(sr);
	srunner_free(sr);
	return nf == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
