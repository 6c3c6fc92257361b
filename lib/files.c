/*
 * files.c — keys, signed URLs and download headers of the local storage.
 *
 * An upload URL carries its whole grant (key, type, size, user, expiry) as
 * base64url JSON, signed with HMAC-SHA256 under MTCHAT_FILES_SECRET, so
 * nothing is stored before the PUT; a download URL signs the attachment id
 * and an expiry. The two MACs are over differently prefixed texts, so one
 * can never pass for the other. OpenSSL computes the MACs and encodes the
 * base64; the signature is compared with CRYPTO_memcmp().
 */
#include <inttypes.h>
#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "cfg.h"
#include "err.h"
#include "files.h"
#include "mem.h"
#include "url.h"

#define MAC_LEN		32	/* SHA-256 */
#define MAC_B64_LEN	43	/* unpadded base64url of 32 bytes */

static const char UPLOAD_PATH[] = "/api/v1/upload/";
static const char DOWNLOAD_PATH[] = "/api/v1/files/";

void
files_cfg_init(struct files_cfg *f, const struct cfg *c)
{
	memset(f, 0, sizeof(*f));
	f->dir = c->files_dir != NULL && *c->files_dir != '\0' ?
	    c->files_dir : NULL;
	f->secret = c->files_secret;
	f->base = c->public_url != NULL ? c->public_url : "";
	f->base_len = strlen(f->base);
	while (f->base_len > 0 && f->base[f->base_len - 1] == '/')
		f->base_len--;
	f->upload_ttl = c->upload_expiry;
	f->download_ttl = c->download_expiry;
	f->max_size = c->files_max_size;
	f->sendfile = c->files_sendfile != NULL &&
	    strcmp(c->files_sendfile, "off") != 0 ? c->files_sendfile : NULL;
}

bool
files_enabled(const struct files_cfg *f)
{
	return f != NULL && f->dir != NULL && f->secret != NULL &&
	    *f->secret != '\0';
}

static bool
is_alnum(unsigned char c)
{
	return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'z') ||
	    (c >= 'A' && c <= 'Z');
}

/* The extension a key keeps of filename (see files_new_key()). */
static const char *
key_ext(const char *filename, size_t *len)
{
	const char *dot = strrchr(filename, '.');
	const char *ext = dot ? dot + 1 : filename;
	size_t n = strlen(ext), i;

	*len = n;
	if (n == 0 || n > FILES_EXT_MAX)
		goto bin;
	for (i = 0; i < n; i++)
		if (!is_alnum((unsigned char)ext[i]))
			goto bin;
	return ext;
bin:
	*len = 3;
	return "bin";
}

int
files_new_key(const char *dialog_id, const char *filename,
    char key[FILES_KEY_MAX])
{
	char id[ID_BUF];
	const char *ext;
	size_t elen;
	int rc;

	if ((rc = id_new(id)) != 0)
		return rc;
	ext = key_ext(filename, &elen);
	snprintf(key, FILES_KEY_MAX, "dialogs/%s/%s.%.*s", dialog_id, id,
	    (int)elen, ext);
	return 0;
}

bool
files_key_valid(const char *key)
{
	char id[ID_BUF];
	size_t len = strlen(key), i;

	if (len < 8 + ID_LEN + 1 + ID_LEN + 2 || len >= FILES_KEY_MAX ||
	    strncmp(key, "dialogs/", 8) != 0 || key[8 + ID_LEN] != '/' ||
	    key[8 + ID_LEN + 1 + ID_LEN] != '.')
		return false;
	memcpy(id, key + 8, ID_LEN);
	id[ID_LEN] = '\0';
	if (!id_is_canonical(id))
		return false;
	memcpy(id, key + 8 + ID_LEN + 1, ID_LEN);
	if (!id_is_canonical(id))
		return false;
	for (i = 8 + ID_LEN + 1 + ID_LEN + 1; i < len; i++)
		if (!is_alnum((unsigned char)key[i]))
			return false;
	return true;
}

/* base64url without padding of len bytes into out (4 * len / 3 + 4). */
static size_t
b64url(const unsigned char *in, size_t len, char *out)
{
	size_t n = (size_t)EVP_EncodeBlock((unsigned char *)out, in,
	    (int)len), i;

	while (n > 0 && out[n - 1] == '=')
		n--;
	for (i = 0; i < n; i++)
		if (out[i] == '+')
			out[i] = '-';
		else if (out[i] == '/')
			out[i] = '_';
	out[n] = '\0';
	return n;
}

/* The base64url MAC of prefix and the len bytes of text, into out[44]. */
static int
mac(const struct files_cfg *f, const char *prefix, const char *text,
    size_t len, char out[MAC_B64_LEN + 1])
{
	unsigned char md[EVP_MAX_MD_SIZE], *msg;
	unsigned int mdlen = 0;
	size_t plen = strlen(prefix);
	bool ok;

	if ((msg = mt_malloc(plen + len + 1)) == NULL)
		return MT_ENOMEM;
	memcpy(msg, prefix, plen);
	memcpy(msg + plen, text, len);
	ok = HMAC(EVP_sha256(), f->secret, (int)strlen(f->secret), msg,
	    plen + len, md, &mdlen) != NULL && mdlen == MAC_LEN;
	mt_free(msg);
	if (!ok)
		return MT_ENOMEM;
	b64url(md, MAC_LEN, out);
	return 0;
}

/* Whether the len bytes at sig are the MAC want, in constant time. */
static bool
mac_equal(const char *want, const char *sig, size_t len)
{
	return len == MAC_B64_LEN && CRYPTO_memcmp(want, sig, len) == 0;
}

int
files_upload_url(const struct files_cfg *f, const struct upload_grant *g,
    char **url)
{
	json_t *o;
	char *payload = NULL, *out = NULL, sig[MAC_B64_LEN + 1];
	size_t plen, need;
	int rc = MT_ENOMEM;

	*url = NULL;
	o = json_pack("{s:s,s:s,s:I,s:s,s:I}", "k", g->key,
	    "t", g->content_type, "n", (json_int_t)g->size, "u", g->user,
	    "e", (json_int_t)g->expires);
	if (o == NULL || (payload = json_dumps(o, JSON_COMPACT |
	    JSON_SORT_KEYS)) == NULL)
		goto out;
	plen = strlen(payload);
	need = f->base_len + sizeof(UPLOAD_PATH) + plen / 3 * 4 + 8 +
	    MAC_B64_LEN + 1;
	if (plen / 3 * 4 + 8 + MAC_B64_LEN > FILES_TOKEN_MAX) {
		rc = MT_EINVAL;
		goto out;
	}
	if ((out = mt_malloc(need)) == NULL)
		goto out;
	memcpy(out, f->base, f->base_len);
	memcpy(out + f->base_len, UPLOAD_PATH, sizeof(UPLOAD_PATH));
	plen = b64url((const unsigned char *)payload, plen,
	    out + strlen(out));
	if ((rc = mac(f, "mtchat-upload\n", out + f->base_len +
	    sizeof(UPLOAD_PATH) - 1, plen, sig)) != 0)
		goto out;
	strcat(out, ".");
	strcat(out, sig);
	*url = out;
	out = NULL;
out:
	json_decref(o);
	mt_free(payload);	/* Jansson allocates with mt_malloc() */
	mt_free(out);
	return rc;
}

/* Copies string member key of o into buf (len bytes); false if it does not fit. */
static bool
member_str(const json_t *o, const char *key, char *buf, size_t len)
{
	const json_t *v = json_object_get(o, key);

	if (!json_is_string(v) || json_string_length(v) >= len ||
	    strlen(json_string_value(v)) != json_string_length(v))
		return false;
	memcpy(buf, json_string_value(v), json_string_length(v) + 1);
	return true;
}

/* The grant in a payload whose signature is good. */
static enum files_verdict
grant_parse(const unsigned char *p, size_t len, int64_t now,
    struct upload_grant *g)
{
	json_t *o = json_loadb((const char *)p, len, JSON_REJECT_DUPLICATES,
	    NULL);
	const json_t *n = json_object_get(o, "n"), *e = json_object_get(o, "e");
	enum files_verdict v = FILES_FORGED;

	if (!json_is_object(o) || !json_is_integer(n) || !json_is_integer(e) ||
	    !member_str(o, "k", g->key, sizeof(g->key)) ||
	    !member_str(o, "t", g->content_type, sizeof(g->content_type)) ||
	    !member_str(o, "u", g->user, sizeof(g->user)) ||
	    !files_key_valid(g->key))
		goto out;
	g->size = json_integer_value(n);
	g->expires = json_integer_value(e);
	v = now > g->expires ? FILES_EXPIRED : FILES_OK;
out:
	json_decref(o);
	return v;
}

int
files_upload_check(const struct files_cfg *f, const char *token, size_t len,
    int64_t now, struct upload_grant *g, enum files_verdict *v)
{
	const char *dot;
	char want[MAC_B64_LEN + 1];
	unsigned char *p = NULL;
	size_t plen;
	int rc;

	*v = FILES_FORGED;
	memset(g, 0, sizeof(*g));
	if (!files_enabled(f) || len > FILES_TOKEN_MAX ||
	    (dot = memchr(token, '.', len)) == NULL)
		return 0;
	plen = (size_t)(dot - token);
	if ((rc = mac(f, "mtchat-upload\n", token, plen, want)) != 0)
		return rc;
	if (!mac_equal(want, dot + 1, len - plen - 1))
		return 0;
	rc = url_b64_decode(token, plen, true, &p, &plen);
	if (rc == MT_ENOMEM)
		return rc;
	if (rc == 0)
		*v = grant_parse(p, plen, now, g);
	mt_free(p);
	return 0;
}

/* The text a download MAC covers. */
static int
download_text(const char *att_id, int64_t expires, char *buf, size_t len)
{
	int n = snprintf(buf, len, "%s\n%" PRId64, att_id, expires);

	return n > 0 && (size_t)n < len ? n : -1;
}

int
files_download_url(const struct files_cfg *f, const char *att_id,
    int64_t now, struct download_link *out)
{
	char text[ID_BUF + 32], sig[MAC_B64_LEN + 1];
	int64_t step = f->download_ttl / 4 > 0 ? f->download_ttl / 4 : 1;
	int64_t exp = (now + f->download_ttl + step - 1) / step * step;
	int n;

	if (!files_enabled(f) || (n = download_text(att_id, exp, text,
	    sizeof(text))) < 0 || mac(f, "mtchat-download\n", text,
	    (size_t)n, sig) != 0)
		return MT_EINVAL;
	n = snprintf(out->url, sizeof(out->url), "%.*s%s%s?expires=%" PRId64
	    "&signature=%s", (int)f->base_len, f->base, DOWNLOAD_PATH, att_id,
	    exp, sig);
	if (n < 0 || (size_t)n >= sizeof(out->url))
		return MT_EINVAL;
	out->expires_in = (long)(exp - now);
	return 0;
}

enum files_verdict
files_download_check(const struct files_cfg *f, const char *att_id,
    const char *expires, const char *signature, int64_t now)
{
	char text[ID_BUF + 32], want[MAC_B64_LEN + 1], *end;
	long long exp;
	int n;

	if (!files_enabled(f) || expires == NULL || signature == NULL ||
	    *expires < '0' || *expires > '9' || strlen(expires) > 18)
		return FILES_FORGED;
	exp = strtoll(expires, &end, 10);
	if (*end != '\0' || (n = download_text(att_id, (int64_t)exp, text,
	    sizeof(text))) < 0 ||
	    mac(f, "mtchat-download\n", text, (size_t)n, want) != 0 ||
	    !mac_equal(want, signature, strlen(signature)))
		return FILES_FORGED;
	return now > exp ? FILES_EXPIRED : FILES_OK;
}

int
files_path(const struct files_cfg *f, const char *key, char *buf, size_t len)
{
	int n;

	if (f->dir == NULL || !files_key_valid(key))
		return MT_EINVAL;
	n = snprintf(buf, len, "%s/%s", f->dir, key);
	return n > 0 && (size_t)n < len ? 0 : MT_EINVAL;
}

bool
files_inline(const char *ct)
{
	static const char *const types[] = {
		"image/jpeg", "image/png", "image/gif", "image/webp",
		"image/bmp", "image/tiff",
	};
	size_t i;

	for (i = 0; i < sizeof(types) / sizeof(types[0]); i++)
		if (strcmp(ct, types[i]) == 0)
			return true;
	return false;
}

/* RFC 5987 attr-char: sent as is in filename*. */
static bool
attr_char(unsigned char c)
{
	return is_alnum(c) || (c != '\0' && strchr("!#$&+-.^_`|~", c) != NULL);
}

/* A quoted-string-safe ASCII stand-in: one '_' per other character. */
static bool
ascii_name(const char *name, char *out, size_t len)
{
	const unsigned char *p = (const unsigned char *)name;
	size_t n = 0;
	bool same = true;

	for (; *p && n + 1 < len; p++) {
		if ((*p & 0xc0) == 0x80)	/* UTF-8 continuation byte */
			continue;
		if (*p < 0x20 || *p >= 0x7f || strchr("\"\\/%", *p) != NULL) {
			out[n++] = '_';
			same = false;
		} else
			out[n++] = (char)*p;
	}
	out[n] = '\0';
	return same && *p == '\0';
}

void
files_disposition(const char *filename, const char *ct, char *buf, size_t len)
{
	static const char hex[] = "0123456789ABCDEF";
	const unsigned char *p;
	char fallback[256];
	size_t n;

	if (*filename == '\0')
		filename = "download";
	n = (size_t)snprintf(buf, len, "%s", files_inline(ct) ? "inline" :
	    "attachment");
	if (ascii_name(filename, fallback, sizeof(fallback))) {
		snprintf(buf + n, len - n, "; filename=\"%s\"", fallback);
		return;
	}
	n += (size_t)snprintf(buf + n, len - n, "; filename=\"%s\"; "
	    "filename*=UTF-8''", fallback);
	for (p = (const unsigned char *)filename; *p && n + 4 < len; p++) {
		if (attr_char(*p))
			buf[n++] = (char)*p;
		else {
			buf[n++] = '%';
			buf[n++] = hex[*p >> 4];
			buf[n++] = hex[*p & 15];
		}
	}
	buf[n] = '\0';
}

/* A decimal number of at most 18 digits at *s; advances *s. */
static bool
range_number(const char **s, int64_t *out)
{
	const char *p = *s;
	int64_t v = 0;

	if (*p < '0' || *p > '9')
		return false;
	for (; *p >= '0' && *p <= '9'; p++) {
		if (p - *s >= 18)
			return false;
		v = v * 10 + (*p - '0');
	}
	*s = p;
	*out = v;
	return true;
}

enum files_range
files_range(const char *hdr, int64_t size, int64_t *start, int64_t *len)
{
	const char *p = hdr;
	int64_t a, b = size - 1;

	if (p == NULL || strncmp(p, "bytes=", 6) != 0)
		return RANGE_ALL;
	p += 6;
	if (*p == '-') {			/* the last b bytes */
		p++;
		if (!range_number(&p, &b) || *p != '\0')
			return RANGE_ALL;
		if (b == 0)
			return RANGE_BAD;
		*start = b >= size ? 0 : size - b;
		*len = size - *start;
		return RANGE_PART;
	}
	if (!range_number(&p, &a) || *p++ != '-')
		return RANGE_ALL;
	if (*p != '\0' && (!range_number(&p, &b) || *p != '\0' || b < a))
		return RANGE_ALL;	/* also several ranges: "0-1,5-6" */
	if (a >= size)
		return RANGE_BAD;
	if (b >= size)
		b = size - 1;
	*start = a;
	*len = b - a + 1;
	return RANGE_PART;
}
