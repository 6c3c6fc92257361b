/*
 * auth.c — HS256 bearer tokens (docs/api.md#jwt) and the admin token
 * (docs/api.md#admin-token).
 *
 * The token is checked here rather than by libjwt: libjwt 1.10 (Debian 12)
 * verifies HS384/HS512 tokens with the same key, compares "alg" without
 * regard to case, decodes base64url leniently and refuses any "typ" other
 * than "JWT" (so "at+jwt" tokens, which the reference accepts), and it
 * allocates outside mt_malloc(). So this file splits the compact form,
 * decodes canonical base64url (url_b64_decode(), OpenSSL underneath),
 * parses JSON with Jansson and computes the HMAC with OpenSSL's HMAC(),
 * comparing with CRYPTO_memcmp(). No cryptography is written by hand.
 * The signature is checked before the payload is parsed.
 */
#include <limits.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>

#include "auth.h"
#include "err.h"
#include "json.h"
#include "mem.h"
#include "url.h"

#define SHA256_LEN	32
#define NUM_BUF		64	/* longest number written by claim_text() */

struct auth_key {
	char	*buf;		/* secret bytes, NUL-terminated */
	size_t	 len;
};

struct auth_keys {
	struct auth_key	*v;		/* room for every entry of the list */
	size_t		 n;
};

struct seg {			/* one segment of a compact JWS */
	const char	*p;
	size_t		 len;
};

static bool	is_space(char);
static int	keys_add(struct auth_keys *, const char *, size_t);
static int	keys_split(struct auth_keys *, const char *);
static int	jwt_split(const char *, size_t, struct seg *);
static int	seg_json(const struct seg *, json_t **);
static int	jwt_check_header(const struct seg *);
static int	jwt_check_sig(const struct auth_keys *, const char *,
		    const struct seg *);
static int	claims_check(const json_t *);
static void	fmt_f64(double, char *, size_t);
static int	claim_text(const json_t *, char **);

static int
keys_add(struct auth_keys *k, const char *s, size_t len)
{
	struct auth_key *key = &k->v[k->n];

	if ((key->buf = mt_strndup(s, len)) == NULL)
		return MT_ENOMEM;
	key->len = len;
	k->n++;
	return 0;
}

static bool
is_space(char c)
{
	return c == ' ' || (c >= '\t' && c <= '\r');
}

/* Adds each trimmed, non-empty comma-separated entry of s. */
static int
keys_split(struct auth_keys *k, const char *s)
{
	const char *p, *e, *a, *b;
	int rc;

	for (p = s;; p = e + 1) {
		if ((e = strchr(p, ',')) == NULL)
			e = p + strlen(p);
		for (a = p; a < e && is_space(*a); a++)
			;
		for (b = e; b > a && is_space(b[-1]); b--)
			;
		if (b > a && (rc = keys_add(k, a, (size_t)(b - a))) != 0)
			return rc;
		if (*e == '\0')
			return 0;
	}
}

int
auth_keys_new(const struct cfg *c, struct auth_keys **out)
{
	struct auth_keys *k;
	const char *p;
	size_t cap = 1;
	int rc = 0;

	*out = NULL;
	if ((k = mt_calloc(1, sizeof(*k))) == NULL)
		return MT_ENOMEM;
	if (c->jwt_secrets != NULL)
		for (p = c->jwt_secrets; *p != '\0'; p++)
			cap += *p == ',';
	if ((k->v = mt_calloc(cap, sizeof(*k->v))) == NULL)
		rc = MT_ENOMEM;
	else if (c->jwt_secrets != NULL && *c->jwt_secrets != '\0')
		rc = keys_split(k, c->jwt_secrets);
	else if (c->jwt_secret != NULL && *c->jwt_secret != '\0')
		rc = keys_add(k, c->jwt_secret, strlen(c->jwt_secret));
	if (rc == 0 && k->n == 0 && c->jwt_enabled)
		rc = MT_EINVAL;
	if (rc != 0) {
		auth_keys_free(k);
		return rc;
	}
	*out = k;
	return 0;
}

void
auth_keys_free(struct auth_keys *k)
{
	size_t i;

	if (k == NULL)
		return;
	for (i = 0; i < k->n; i++) {
		OPENSSL_cleanse(k->v[i].buf, k->v[i].len);
		mt_free(k->v[i].buf);
	}
	mt_free(k->v);
	mt_free(k);
}

size_t
auth_keys_count(const struct auth_keys *k)
{
	return k ? k->n : 0;
}

/* Splits token into exactly three '.'-separated segments. */
static int
jwt_split(const char *token, size_t len, struct seg *sg)
{
	const char *p = token, *end = token + len, *dot;
	int i;

	if (len == 0 || len > AUTH_JWT_MAX)
		return MT_EINVAL;
	for (i = 0; i < 3; i++) {
		dot = memchr(p, '.', (size_t)(end - p));
		if ((dot == NULL) != (i == 2))
			return MT_EINVAL;	/* too few or too many dots */
		sg[i].p = p;
		sg[i].len = (size_t)((dot ? dot : end) - p);
		if (dot != NULL)
			p = dot + 1;
	}
	return 0;
}

/* Decodes a header or payload segment into a JSON object. */
static int
seg_json(const struct seg *sg, json_t **out)
{
	unsigned char *buf;
	json_error_t jerr;
	json_t *v;
	size_t n;
	int rc;

	*out = NULL;
	if ((rc = url_b64_decode(sg->p, sg->len, true, &buf, &n)) != 0)
		return rc;
	v = json_loadb((const char *)buf, n, JSON_REJECT_DUPLICATES, &jerr);
	mt_free(buf);
	if (v == NULL)
		return json_error_code(&jerr) == json_error_out_of_memory ?
		    MT_ENOMEM : MT_EINVAL;
	if (!json_is_object(v)) {
		json_decref(v);
		return MT_EINVAL;
	}
	*out = v;
	return 0;
}

/* The header must name "HS256" exactly: "none" and all else fail. */
static int
jwt_check_header(const struct seg *sg)
{
	const char *alg;
	json_t *h;
	int rc;

	if ((rc = seg_json(sg, &h)) != 0)
		return rc;
	alg = json_get_str(h, "alg");
	rc = alg != NULL && strcmp(alg, "HS256") == 0 ? 0 : MT_EINVAL;
	json_decref(h);
	return rc;
}

/* HMAC-SHA256 of "header.payload" under any of the secrets, in order. */
static int
jwt_check_sig(const struct auth_keys *k, const char *token,
    const struct seg *sg)
{
	unsigned char *sig, md[EVP_MAX_MD_SIZE];
	unsigned int mdlen;
	size_t i, n, dlen = sg[0].len + 1 + sg[1].len;
	int rc;

	if ((rc = url_b64_decode(sg[2].p, sg[2].len, true, &sig, &n)) != 0)
		return rc;
	rc = MT_EINVAL;
	for (i = 0; n == SHA256_LEN && k != NULL && i < k->n; i++) {
		if (k->v[i].len > INT_MAX)
			continue;
		if (HMAC(EVP_sha256(), k->v[i].buf, (int)k->v[i].len,
		    (const unsigned char *)token, dlen, md, &mdlen) == NULL) {
			rc = MT_ENOMEM;
			break;
		}
		if (mdlen == SHA256_LEN &&
		    CRYPTO_memcmp(md, sig, SHA256_LEN) == 0) {
			rc = 0;
			break;
		}
	}
	OPENSSL_cleanse(md, sizeof(md));
	mt_free(sig);
	return rc;
}

/*
 * The reference's JWT library refuses any audience when the server expects
 * none; "aud" values it cannot read as audiences (numbers, objects, arrays
 * with a non-string) are ignored.
 */
static int
claims_check(const json_t *payload)
{
	const json_t *aud = json_object_get(payload, "aud"), *v;
	size_t i;

	if (json_is_string(aud))
		return MT_EINVAL;
	if (!json_is_array(aud))
		return 0;
	json_array_foreach(aud, i, v)
		if (!json_is_string(v))
			return 0;
	return MT_EINVAL;
}

/*
 * Writes d the way serde_json prints an f64 (the ryu crate's layout), so that
 * a numeric user-id claim reads as it does in the reference: the shortest
 * digits that read back as d; plain notation with at least one decimal when
 * 1e-5 <= |d| < 1e16 ("42.0", "0.001"), otherwise "1e16", "1.5e-7". buf
 * holds at least NUM_BUF bytes.
 */
static void
fmt_f64(double d, char *buf, size_t len)
{
	char e[40], dig[24], *p;
	int prec, nd = 0, kk, i;
	size_t o = 0;

	for (prec = 0; prec < 17; prec++) {
		snprintf(e, sizeof(e), "%.*e", prec, d);
		if (strtod(e, NULL) == d)
			break;
	}
	p = e;			/* [-]D[.DDD]e(+|-)XX */
	if (*p == '-')
		buf[o++] = *p++;
	for (; *p != 'e' && *p != '\0'; p++)
		if (*p != '.')
			dig[nd++] = *p;
	while (nd > 1 && dig[nd - 1] == '0')
		nd--;
	/* kk: position of the decimal point after the first digit */
	kk = (*p == 'e' ? (int)strtol(p + 1, NULL, 10) : 0) + 1;
	if (kk > -5 && kk <= 0) {
		buf[o++] = '0';
		buf[o++] = '.';
		for (i = 0; i < -kk; i++)
			buf[o++] = '0';
		for (i = 0; i < nd; i++)
			buf[o++] = dig[i];
	} else if (kk > 0 && kk <= 16) {
		for (i = 0; i < kk || i < nd; i++) {
			if (i == kk)
				buf[o++] = '.';
			buf[o++] = i < nd ? dig[i] : '0';
		}
		if (kk >= nd) {
			buf[o++] = '.';
			buf[o++] = '0';
		}
	} else {
		buf[o++] = dig[0];
		if (nd > 1)
			buf[o++] = '.';
		for (i = 1; i < nd; i++)
			buf[o++] = dig[i];
		snprintf(buf + o, len - o, "e%d", kk - 1);
		return;
	}
	buf[o] = '\0';
}

/* The user-id claim as text: a string as is, a number printed. */
static int
claim_text(const json_t *v, char **out)
{
	char num[NUM_BUF];

	if (json_is_string(v))
		*out = mt_strndup(json_string_value(v), json_string_length(v));
	else if (json_is_integer(v)) {
		snprintf(num, sizeof(num), "%" JSON_INTEGER_FORMAT,
		    json_integer_value(v));
		*out = mt_strdup(num);
	} else if (json_is_real(v)) {
		fmt_f64(json_real_value(v), num, sizeof(num));
		*out = mt_strdup(num);
	} else
		return MT_EINVAL;
	return *out ? 0 : MT_ENOMEM;
}

int
auth_jwt_verify(const struct auth_keys *k, const char *token, size_t len,
    struct auth_claims *c)
{
	struct seg sg[3];
	json_t *payload, *v;
	int rc;

	c->user_id = NULL;
	c->scope = NULL;
	if ((rc = jwt_split(token, len, sg)) != 0 ||
	    (rc = jwt_check_header(&sg[0])) != 0 ||
	    (rc = jwt_check_sig(k, token, sg)) != 0 ||
	    (rc = seg_json(&sg[1], &payload)) != 0)
		return rc;
	if ((rc = claims_check(payload)) == 0)
		rc = claim_text(json_object_get(payload,
		    c->user_claim ? c->user_claim : "sub"), &c->user_id);
	if (rc == 0 && c->scope_claim != NULL &&
	    (v = json_object_get(payload, c->scope_claim)) != NULL &&
	    !json_is_null(v))
		c->scope = json_incref(v);
	json_decref(payload);
	return rc;
}

int
auth_admin_token_ok(const char *configured, const char *supplied,
    size_t supplied_len)
{
	unsigned char a[EVP_MAX_MD_SIZE], b[EVP_MAX_MD_SIZE];
	unsigned int alen, blen;

	if (configured == NULL || supplied == NULL)
		return MT_EFORBIDDEN;
	/* Hashing first makes the comparison length-independent. */
	if (!EVP_Digest(configured, strlen(configured), a, &alen,
	    EVP_sha256(), NULL) ||
	    !EVP_Digest(supplied, supplied_len, b, &blen, EVP_sha256(), NULL))
		return MT_ENOMEM;
	return CRYPTO_memcmp(a, b, SHA256_LEN) == 0 ? 0 : MT_EFORBIDDEN;
}
