/*
 * url.c — percent-decoding and query strings (docs/api.md#user, F18), and
 * canonical base64 for JWS segments and the X-Scope-Config header.
 *
 * Two query readers exist because the reference has two: url_query_get()
 * follows application/x-www-form-urlencoded (what typed query parameters use),
 * url_query_user() the hand-written user_id rule of docs/api.md#user, which
 * keeps '+' and falls back to the raw value when decoding does not give UTF-8.
 * Base64 is decoded by OpenSSL; this file only insists on canonical input
 * first, since EVP_DecodeBlock() skips whitespace and ignores unused bits.
 */
#include <limits.h>
#include <stdbool.h>
#include <stdint.h>
#include <string.h>

#include <openssl/evp.h>

#include "err.h"
#include "hex.h"
#include "mem.h"
#include "url.h"

static size_t	utf8_seq(const unsigned char *, size_t, size_t *);
static bool	utf8_valid(const char *, size_t);
static char	*utf8_lossy(const char *, size_t);
static bool	next_piece(const char **, const char **, size_t *);
static int	user_value(const char *, size_t, char **);
static int	b64_val(unsigned char, bool);
static int	b64_check(const char *, size_t, bool, size_t *);

char *
url_decode(const char *s, size_t len, bool plus_is_space, size_t *outlen)
{
	char *d;
	size_t i, n = 0;
	int hi, lo;

	if ((d = mt_malloc(len + 1)) == NULL)
		return NULL;
	for (i = 0; i < len; i++) {
		if (s[i] == '%' && len - i > 2 &&
		    (hi = hex_value((unsigned char)s[i + 1])) >= 0 &&
		    (lo = hex_value((unsigned char)s[i + 2])) >= 0) {
			d[n++] = (char)(hi << 4 | lo);
			i += 2;
		} else if (s[i] == '+' && plus_is_space)
			d[n++] = ' ';
		else
			d[n++] = s[i];
	}
	d[n] = '\0';
	if (outlen != NULL)
		*outlen = n;
	return d;
}

/*
 * Length (1-4) of the well-formed UTF-8 sequence at s, or 0 with *bad set to
 * the length of its maximal ill-formed prefix: the unit that one U+FFFD
 * replaces (Unicode docs/api.md#identity, as Rust's from_utf8_lossy does).
 */
static size_t
utf8_seq(const unsigned char *s, size_t len, size_t *bad)
{
	unsigned char c = s[0], lo = 0x80, hi = 0xbf;
	size_t need, i;

	if (c < 0x80)
		return 1;
	if (c >= 0xc2 && c <= 0xdf)
		need = 1;
	else if (c >= 0xe0 && c <= 0xef) {
		need = 2;
		if (c == 0xe0)
			lo = 0xa0;	/* overlong */
		else if (c == 0xed)
			hi = 0x9f;	/* surrogates */
	} else if (c >= 0xf0 && c <= 0xf4) {
		need = 3;
		if (c == 0xf0)
			lo = 0x90;	/* overlong */
		else if (c == 0xf4)
			hi = 0x8f;	/* above U+10FFFF */
	} else {
		*bad = 1;
		return 0;
	}
	for (i = 1; i <= need; i++) {
		if (i >= len || s[i] < lo || s[i] > hi) {
			*bad = i;
			return 0;
		}
		lo = 0x80;
		hi = 0xbf;
	}
	return need + 1;
}

static bool
utf8_valid(const char *s, size_t len)
{
	const unsigned char *p = (const unsigned char *)s;
	size_t i = 0, n, bad;

	while (i < len) {
		if ((n = utf8_seq(p + i, len - i, &bad)) == 0)
			return false;
		i += n;
	}
	return true;
}

/* A copy of s with each ill-formed UTF-8 unit replaced by U+FFFD. */
static char *
utf8_lossy(const char *s, size_t len)
{
	const unsigned char *p = (const unsigned char *)s;
	size_t i = 0, o = 0, n, bad;
	char *d;

	if (len > (SIZE_MAX - 1) / 3 || (d = mt_malloc(3 * len + 1)) == NULL)
		return NULL;
	while (i < len) {
		if ((n = utf8_seq(p + i, len - i, &bad)) > 0) {
			memcpy(d + o, s + i, n);
			o += n;
			i += n;
		} else {
			memcpy(d + o, "\xef\xbf\xbd", 3);
			o += 3;
			i += bad;
		}
	}
	d[o] = '\0';
	return d;
}

/* Splits the next non-empty '&'-separated piece off *p; false at the end. */
static bool
next_piece(const char **p, const char **piece, size_t *len)
{
	const char *s = *p, *e;

	while (*s == '&')
		s++;
	if (*s == '\0')
		return false;
	if ((e = strchr(s, '&')) == NULL)
		e = s + strlen(s);
	*piece = s;
	*len = (size_t)(e - s);
	*p = e;
	return true;
}

int
url_query_get(const char *query, const char *key, char **val)
{
	const char *p = query, *pc, *eq;
	size_t len, klen, dlen;
	char *dk, *dv;
	bool same;

	*val = NULL;
	if (query == NULL)
		return MT_ENOTFOUND;
	while (next_piece(&p, &pc, &len)) {
		eq = memchr(pc, '=', len);
		klen = eq ? (size_t)(eq - pc) : len;
		/*
		 * The decoded key is compared as bytes: the reference replaces
		 * bad UTF-8 with U+FFFD first, which only matters for keys we
		 * never ask for.
		 */
		if ((dk = url_decode(pc, klen, true, &dlen)) == NULL)
			return MT_ENOMEM;
		same = dlen == strlen(key) && memcmp(dk, key, dlen) == 0;
		mt_free(dk);
		if (!same)
			continue;
		if (eq == NULL)
			return (*val = mt_strdup("")) ? 0 : MT_ENOMEM;
		if ((dv = url_decode(eq + 1, len - klen - 1, true, &dlen)) ==
		    NULL)
			return MT_ENOMEM;
		if (memchr(dv, '\0', dlen) != NULL) {
			mt_free(dv);
			return MT_EINVAL;
		}
		*val = utf8_lossy(dv, dlen);
		mt_free(dv);
		return *val ? 0 : MT_ENOMEM;
	}
	return MT_ENOTFOUND;
}

/* Decodes one user_id value by the rules of docs/api.md#user. */
static int
user_value(const char *v, size_t len, char **user)
{
	size_t dlen;
	char *d;

	if ((d = url_decode(v, len, false, &dlen)) == NULL)
		return MT_ENOMEM;
	if (memchr(d, '\0', dlen) == NULL && utf8_valid(d, dlen)) {
		*user = d;
		return 0;
	}
	mt_free(d);
	/* Raw bytes reach us only from clients that skip encoding. */
	if (!utf8_valid(v, len))
		return MT_EINVAL;
	return (*user = mt_strndup(v, len)) ? 0 : MT_ENOMEM;
}

int
url_query_user(const char *query, char **user)
{
	const char *p = query, *pc, *eq;
	size_t len, klen;

	*user = NULL;
	if (query == NULL)
		return MT_ENOTFOUND;
	while (next_piece(&p, &pc, &len)) {
		if ((eq = memchr(pc, '=', len)) == NULL)
			continue;
		klen = (size_t)(eq - pc);
		if ((klen == 7 && memcmp(pc, "user_id", 7) == 0) ||
		    (klen == 9 && memcmp(pc, "sender_id", 9) == 0))
			return user_value(eq + 1, len - klen - 1, user);
	}
	return MT_ENOTFOUND;
}

static int
b64_val(unsigned char c, bool urlsafe)
{
	if (c >= 'A' && c <= 'Z')
		return c - 'A';
	if (c >= 'a' && c <= 'z')
		return c - 'a' + 26;
	if (c >= '0' && c <= '9')
		return c - '0' + 52;
	if (c == (urlsafe ? '-' : '+'))
		return 62;
	if (c == (urlsafe ? '_' : '/'))
		return 63;
	return -1;
}

/*
 * Checks the canonical form described at url_b64_decode() and sets *ndata to
 * the number of characters before the padding.
 */
static int
b64_check(const char *s, size_t len, bool urlsafe, size_t *ndata)
{
	size_t n = len, i;
	int v = 0;

	if (!urlsafe) {
		if (len % 4 != 0)
			return MT_EINVAL;
		while (n > 0 && len - n < 2 && s[n - 1] == '=')
			n--;
	}
	if (n % 4 == 1)
		return MT_EINVAL;
	for (i = 0; i < n; i++)
		if ((v = b64_val((unsigned char)s[i], urlsafe)) < 0)
			return MT_EINVAL;
	/* A final group of 2 or 3 characters carries 4 or 2 unused bits. */
	if ((n % 4 == 2 && (v & 0x0f) != 0) || (n % 4 == 3 && (v & 0x03) != 0))
		return MT_EINVAL;
	*ndata = n;
	return 0;
}

int
url_b64_decode(const char *s, size_t len, bool urlsafe, unsigned char **out,
    size_t *outlen)
{
	unsigned char *tmp = NULL, *d = NULL;
	size_t n, tlen, i;
	int rc, got;

	*out = NULL;
	*outlen = 0;
	if (len > INT_MAX / 2)
		return MT_EINVAL;
	if ((rc = b64_check(s, len, urlsafe, &n)) != 0)
		return rc;
	/* EVP_DecodeBlock() wants the standard alphabet, padded. */
	tlen = (n + 3) / 4 * 4;
	if ((tmp = mt_malloc(tlen + 1)) == NULL ||
	    (d = mt_malloc(tlen / 4 * 3 + 1)) == NULL) {
		rc = MT_ENOMEM;
		goto out;
	}
	for (i = 0; i < n; i++) {
		unsigned char c = (unsigned char)s[i];

		tmp[i] = c == '-' ? '+' : c == '_' ? '/' : c;
	}
	for (; i < tlen; i++)
		tmp[i] = '=';
	/* It counts the padding as decoded bytes; take them off again. */
	if ((got = EVP_DecodeBlock(d, tmp, (int)tlen)) < 0 ||
	    (size_t)got < tlen - n) {
		rc = MT_EINVAL;
		goto out;
	}
	*outlen = (size_t)got - (tlen - n);
	d[*outlen] = '\0';
	*out = d;
	d = NULL;
	rc = 0;
out:
	mt_free(tmp);
	mt_free(d);
	return rc;
}
