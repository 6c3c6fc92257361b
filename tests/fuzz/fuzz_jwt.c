/*
 * fuzz_jwt.c — bearer tokens (lib/auth.c, docs/api.md#jwt): HS256 JWS in
 * compact form. The first byte chooses how the rest is used:
 *   even: the token itself, as a client sends it (nearly every one fails
 *         the signature: the parsing before and around it is what runs);
 *   odd:  "header\npayload" — the target encodes both in base64url and
 *         signs them with the configured secret, so the header and claim
 *         rules behind the signature are reached too.
 * Properties: 0 or MT_EINVAL (memory does not run out here); on 0 a user
 * id that is UTF-8 and a scope only when asked for; on failure no user
 * id and no scope; a signed token whose header is exactly
 * {"alg":"HS256"} and payload {"sub":"u"} is accepted as user u.
 * SPDX-License-Identifier: MIT
 */
#include <openssl/evp.h>
#include <openssl/hmac.h>
#include <stdlib.h>
#include <string.h>

#include "auth.h"
#include "cfg.h"
#include "err.h"
#include "fuzz.h"
#include "json.h"
#include "mem.h"
#include "sanitize.h"

#define SECRET	"fuzz-jwt-secret"

static struct auth_keys *keys;

int
LLVMFuzzerInitialize(int *argc, char ***argv)
{
	struct cfg c;
	char err[CFG_ERR_LEN];

	(void)argc;
	(void)argv;
	json_init();
	setenv("MTCHAT_CONFIG", "/dev/null", 1);
	setenv("JWT_AUTH_ENABLED", "true", 1);
	setenv("JWT_SECRET", SECRET, 1);
	unsetenv("JWT_SECRETS");
	if (cfg_load(&c, NULL, err, sizeof(err)) != 0 ||
	    auth_keys_new(&c, &keys) != 0) {
		fprintf(stderr, "fuzz_jwt: %s\n", err);
		exit(1);
	}
	cfg_reset(&c);
	return 0;
}

/* base64url without padding of len bytes at in, at out; the length. */
static size_t
b64url(const unsigned char *in, size_t len, char *out)
{
	static const char a[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnop"
	    "qrstuvwxyz0123456789-_";
	size_t i, o = 0;

	for (i = 0; i + 2 < len; i += 3) {
		out[o++] = a[in[i] >> 2];
		out[o++] = a[((in[i] & 3) << 4) | (in[i + 1] >> 4)];
		out[o++] = a[((in[i + 1] & 15) << 2) | (in[i + 2] >> 6)];
		out[o++] = a[in[i + 2] & 63];
	}
	if (len - i == 1) {
		out[o++] = a[in[i] >> 2];
		out[o++] = a[(in[i] & 3) << 4];
	} else if (len - i == 2) {
		out[o++] = a[in[i] >> 2];
		out[o++] = a[((in[i] & 3) << 4) | (in[i + 1] >> 4)];
		out[o++] = a[(in[i + 1] & 15) << 2];
	}
	return o;
}

/* "b64(header).b64(payload).b64(HMAC)" into out (4/3 * len + 64). */
static size_t
sign(const uint8_t *data, size_t size, char *out)
{
	const uint8_t *nl = memchr(data, '\n', size);
	size_t hlen = nl ? (size_t)(nl - data) : size, o;
	unsigned char mac[EVP_MAX_MD_SIZE];
	unsigned int maclen = 0;

	o = b64url(data, hlen, out);
	out[o++] = '.';
	if (nl != NULL)
		o += b64url(nl + 1, size - hlen - 1, out + o);
	HMAC(EVP_sha256(), SECRET, (int)strlen(SECRET),
	    (const unsigned char *)out, o, mac, &maclen);
	out[o++] = '.';
	o += b64url(mac, maclen, out + o);
	return o;
}

static void
verify(const char *tok, size_t len)
{
	struct auth_claims c = { len % 3 ? NULL : "user_id",
	    len % 2 == 0 ? "scope" : NULL, (char *)1, (json_t *)1 };
	int rc;

	rc = auth_jwt_verify(keys, tok, len, &c);
	FUZZ_CHECK(rc == 0 || rc == MT_EINVAL, "rc %d", rc);
	if (rc != 0) {
		FUZZ_CHECK(c.user_id == NULL && c.scope == NULL,
		    "a failed token left a user or a scope");
		return;
	}
	FUZZ_CHECK(c.user_id != NULL && utf8_valid(c.user_id,
	    strlen(c.user_id)), "a bad user id");
	json_decref(c.scope);
	mt_free(c.user_id);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const char good[] = "{\"alg\":\"HS256\"}\n{\"sub\":\"u\"}";
	struct auth_claims c = { NULL, NULL, NULL, NULL };
	char *tok;
	size_t len;

	if (size == 0 || size > 8192)
		return 0;
	if ((data[0] & 1) == 0) {
		verify((const char *)data + 1, size - 1);
		return 0;
	}
	if ((tok = malloc(size * 2 + 128)) == NULL)
		return 0;
	len = sign(data + 1, size - 1, tok);
	verify(tok, len);
	if (size - 1 == sizeof(good) - 1 && memcmp(data + 1, good,
	    sizeof(good) - 1) == 0) {
		FUZZ_CHECK(auth_jwt_verify(keys, tok, len, &c) == 0 &&
		    strcmp(c.user_id, "u") == 0, "a good token fails");
		mt_free(c.user_id);
	}
	free(tok);
	return 0;
}
