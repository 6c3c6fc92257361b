/*
 * check_files.c — unit tests of lib/files.c and lib/imgsize.c: object keys
 * and their extensions, upload tokens (round trip, expiry, tampering, a
 * validly signed but malformed grant, a download MAC passed off as an
 * upload one), download URLs and their rounded expiry, disk paths,
 * Content-Disposition for ASCII and other names, Range headers, and image
 * sizes of PNG, GIF, WebP and JPEG headers, damaged ones included.
 * SPDX-License-Identifier: MIT
 */
#include <check.h>
#include <fcntl.h>
#include <limits.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "cfg.h"
#include "err.h"
#include "files.h"
#include "imgsize.h"
#include "json.h"
#include "mem.h"
#include "testutil.h"

#define DIALOG	"01950f3c-5a2e-7b41-9c3d-2f6e8a1b4c70"
#define ATT	"01950f9a-0b20-7000-8000-0000000000aa"
#define NOW	1800000000

static const char SECRET[] = "0123456789abcdef-test-secret";

static struct files_cfg
cfg_with(const char *base, long down_ttl)
{
	struct files_cfg f = {
		.dir = "/srv/files", .secret = SECRET, .base = base,
		.base_len = strlen(base), .upload_ttl = 300,
		.download_ttl = down_ttl, .max_size = 104857600,
	};

	return f;
}

static struct upload_grant
grant(void)
{
	struct upload_grant g = { .size = 12345, .expires = NOW + 300 };

	ck_assert_int_eq(files_new_key(DIALOG, "report.pdf", g.key), 0);
	snprintf(g.content_type, sizeof(g.content_type), "application/pdf");
	snprintf(g.user, sizeof(g.user), "alice \"the\" admin");
	return g;
}

/* The token of an upload URL (after the last '/'). */
static const char *
token_of(const char *url)
{
	return strrchr(url, '/') + 1;
}

/* ---- keys ---------------------------------------------------------- */

static void
expect_ext(const char *filename, const char *ext)
{
	char key[FILES_KEY_MAX];

	ck_assert_int_eq(files_new_key(DIALOG, filename, key), 0);
	ck_assert_msg(files_key_valid(key), "%s", key);
	ck_assert_str_eq(strrchr(key, '.') + 1, ext);
	ck_assert_int_eq(strncmp(key, "dialogs/" DIALOG "/", 45), 0);
}

START_TEST(key_extensions)
{
	expect_ext("report.pdf", "pdf");
	expect_ext("a.tar.gz", "gz");
	expect_ext("README", "README");
	expect_ext("x.", "bin");
	expect_ext("", "bin");
	expect_ext("../../etc/passwd", "bin");
	expect_ext("a.p/df", "bin");
	expect_ext("photo.JPEG", "JPEG");
	expect_ext("a.\xc3\xa9t\xc3\xa9", "bin");
	expect_ext("a.abcdefghijklmnop", "abcdefghijklmnop");
	expect_ext("a.abcdefghijklmnopq", "bin");
}
END_TEST

START_TEST(key_shapes)
{
	char key[FILES_KEY_MAX];

	ck_assert_int_eq(files_new_key(DIALOG, "f.txt", key), 0);
	ck_assert(files_key_valid(key));
	ck_assert(!files_key_valid(""));
	ck_assert(!files_key_valid("dialogs/" DIALOG "/../x.txt"));
	ck_assert(!files_key_valid("dialogs/" DIALOG "/" ATT));
	ck_assert(!files_key_valid("dialogs/" DIALOG "/" ATT "."));
	ck_assert(!files_key_valid("dialogs/" DIALOG "/" ATT ".a/b"));
	ck_assert(!files_key_valid("dialogs/" DIALOG "/" ATT ".a.b"));
	ck_assert(!files_key_valid("dialogs/01950F3C-5A2E-7B41-9C3D-"
	    "2F6E8A1B4C70/" ATT ".txt"));
	ck_assert(!files_key_valid("x/" DIALOG "/" ATT ".txt"));
	ck_assert(files_key_valid("dialogs/" DIALOG "/" ATT ".txt"));
}
END_TEST

/* ---- upload tokens -------------------------------------------------- */

START_TEST(upload_round_trip)
{
	struct files_cfg f = cfg_with("https://chat.example", 3600);
	struct upload_grant g = grant(), back;
	enum files_verdict v;
	char *url;

	ck_assert_int_eq(files_upload_url(&f, &g, &url), 0);
	ck_assert_int_eq(strncmp(url, "https://chat.example/api/v1/upload/",
	    35), 0);
	ck_assert_ptr_null(strpbrk(token_of(url), "/?#%+= "));
	ck_assert_int_eq(files_upload_check(&f, token_of(url),
	    strlen(token_of(url)), NOW, &back, &v), 0);
	ck_assert_int_eq(v, FILES_OK);
	ck_assert_str_eq(back.key, g.key);
	ck_assert_str_eq(back.content_type, "application/pdf");
	ck_assert_str_eq(back.user, "alice \"the\" admin");
	ck_assert_int_eq(back.size, 12345);
	ck_assert_int_eq(back.expires, NOW + 300);
	/* the last second still counts, the next does not */
	files_upload_check(&f, token_of(url), strlen(token_of(url)),
	    NOW + 300, &back, &v);
	ck_assert_int_eq(v, FILES_OK);
	files_upload_check(&f, token_of(url), strlen(token_of(url)),
	    NOW + 301, &back, &v);
	ck_assert_int_eq(v, FILES_EXPIRED);
	mt_free(url);
}
END_TEST

START_TEST(upload_tampered)
{
	struct files_cfg f = cfg_with("", 3600), other = f;
	struct upload_grant g = grant(), back;
	enum files_verdict v;
	char *url, *tok;
	size_t len, i;

	ck_assert_int_eq(files_upload_url(&f, &g, &url), 0);
	ck_assert_int_eq(strncmp(url, "/api/v1/upload/", 15), 0);
	tok = url + 15;
	len = strlen(tok);
	/* every single changed character is refused */
	for (i = 0; i < len; i++) {
		char c = tok[i];

		tok[i] = c == 'A' ? 'B' : 'A';
		files_upload_check(&f, tok, len, NOW, &back, &v);
		ck_assert_msg(v == FILES_FORGED, "position %zu", i);
		tok[i] = c;
	}
	files_upload_check(&f, tok, len - 1, NOW, &back, &v);
	ck_assert_int_eq(v, FILES_FORGED);
	files_upload_check(&f, tok, strchr(tok, '.') - tok, NOW, &back, &v);
	ck_assert_int_eq(v, FILES_FORGED);
	files_upload_check(&f, "", 0, NOW, &back, &v);
	ck_assert_int_eq(v, FILES_FORGED);
	other.secret = "another-secret-of-16+";
	files_upload_check(&other, tok, len, NOW, &back, &v);
	ck_assert_int_eq(v, FILES_FORGED);
	other = f;
	other.dir = NULL;	/* no storage: nothing is valid */
	files_upload_check(&other, tok, len, NOW, &back, &v);
	ck_assert_int_eq(v, FILES_FORGED);
	files_upload_check(&f, tok, len, NOW, &back, &v);
	ck_assert_int_eq(v, FILES_OK);
	mt_free(url);
}
END_TEST

/* A token over payload, signed the way lib/files.c signs (prefix given). */
static char *
forge(const char *prefix, const char *payload)
{
	static char tok[4096];
	unsigned char md[EVP_MAX_MD_SIZE], msg[2048];
	unsigned int mdlen;
	size_t n, i, p;

	n = (size_t)EVP_EncodeBlock((unsigned char *)tok,
	    (const unsigned char *)payload, (int)strlen(payload));
	while (n > 0 && tok[n - 1] == '=')
		n--;
	for (i = 0; i < n; i++)
		tok[i] = tok[i] == '+' ? '-' : tok[i] == '/' ? '_' : tok[i];
	p = strlen(prefix);
	memcpy(msg, prefix, p);
	memcpy(msg + p, tok, n);
	HMAC(EVP_sha256(), SECRET, (int)strlen(SECRET), msg, p + n, md,
	    &mdlen);
	tok[n++] = '.';
	n += (size_t)EVP_EncodeBlock((unsigned char *)tok + n, md,
	    (int)mdlen);
	while (tok[n - 1] == '=')
		n--;
	tok[n] = '\0';
	for (i = 0; i < n; i++)
		tok[i] = tok[i] == '+' ? '-' : tok[i] == '/' ? '_' : tok[i];
	return tok;
}

START_TEST(upload_signed_but_malformed)
{
	struct files_cfg f = cfg_with("", 3600);
	struct upload_grant back;
	enum files_verdict v;
	char *tok;
	static const char *const bad[] = {
		"{}",
		"[]",
		"not json",
		"{\"e\":1900000000,\"k\":\"dialogs/../../etc/passwd\","
		"\"n\":1,\"t\":\"\",\"u\":\"a\"}",
		"{\"e\":\"1900000000\",\"k\":\"dialogs/" DIALOG "/" ATT ".a\","
		"\"n\":1,\"t\":\"\",\"u\":\"a\"}",
		"{\"e\":1900000000,\"k\":\"dialogs/" DIALOG "/" ATT ".a\","
		"\"n\":1,\"t\":\"\",\"u\":\"a\",\"u\":\"b\"}",
		"{\"e\":1900000000,\"k\":\"dialogs/" DIALOG "/" ATT ".a\","
		"\"n\":1,\"t\":\"\",\"u\":\"a\\u0000b\"}",
	};
	size_t i;

	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		tok = forge("mtchat-upload\n", bad[i]);
		ck_assert_int_eq(files_upload_check(&f, tok, strlen(tok), NOW,
		    &back, &v), 0);
		ck_assert_msg(v == FILES_FORGED, "payload %zu", i);
	}
	/* the same grant, well formed, passes: the forger is right */
	tok = forge("mtchat-upload\n", "{\"e\":1900000000,\"k\":\"dialogs/"
	    DIALOG "/" ATT ".a\",\"n\":1,\"t\":\"\",\"u\":\"a\"}");
	files_upload_check(&f, tok, strlen(tok), NOW, &back, &v);
	ck_assert_int_eq(v, FILES_OK);
	/* ... but not under the download MAC's prefix */
	tok = forge("mtchat-download\n", "{\"e\":1900000000,\"k\":\"dialogs/"
	    DIALOG "/" ATT ".a\",\"n\":1,\"t\":\"\",\"u\":\"a\"}");
	files_upload_check(&f, tok, strlen(tok), NOW, &back, &v);
	ck_assert_int_eq(v, FILES_FORGED);
}
END_TEST

/* ---- download URLs -------------------------------------------------- */

/* Splits a download URL into its expires and signature values. */
static void
url_parts(const char *url, char *exp, char *sig)
{
	const char *e = strstr(url, "?expires="), *s = strstr(url,
	    "&signature=");

	ck_assert_ptr_nonnull(e);
	ck_assert_ptr_nonnull(s);
	snprintf(exp, 32, "%.*s", (int)(s - e - 9), e + 9);
	snprintf(sig, 64, "%s", s + 11);
}

START_TEST(download_round_trip)
{
	struct files_cfg f = cfg_with("http://h:8080/chat", 3600);
	static char base[FILES_URL_MAX];
	struct download_link dl, dl2;
	char exp[32], sig[64];
	long in;

	ck_assert_int_eq(files_download_url(&f, ATT, NOW, &dl), 0);
	in = dl.expires_in;
	ck_assert_int_eq(strncmp(dl.url, "http://h:8080/chat/api/v1/files/"
	    ATT "?expires=", 77), 0);
	url_parts(dl.url, exp, sig);
	/* rounded up to a quarter of the lifetime: cacheable */
	ck_assert_int_eq(strtoll(exp, NULL, 10) % 900, 0);
	ck_assert_int_ge(in, 3600);
	ck_assert_int_lt(in, 3600 + 900);
	ck_assert_int_eq(strtoll(exp, NULL, 10), NOW + in);
	/* within one quarter the URL stays the same */
	ck_assert_int_eq(files_download_url(&f, ATT, NOW - 1, &dl2), 0);
	ck_assert_str_eq(dl.url, dl2.url);
	ck_assert_int_eq(files_download_url(&f, ATT, NOW + 1, &dl2), 0);
	ck_assert_str_ne(dl.url, dl2.url);
	ck_assert_int_eq(files_download_check(&f, ATT, exp, sig, NOW),
	    FILES_OK);
	ck_assert_int_eq(files_download_check(&f, ATT, exp, sig,
	    NOW + in), FILES_OK);
	ck_assert_int_eq(files_download_check(&f, ATT, exp, sig,
	    NOW + in + 1), FILES_EXPIRED);
	/* another attachment, expiry or key: refused */
	ck_assert_int_eq(files_download_check(&f, DIALOG, exp, sig, NOW),
	    FILES_FORGED);
	ck_assert_int_eq(files_download_check(&f, ATT, "1999999999", sig,
	    NOW), FILES_FORGED);
	sig[3] = sig[3] == 'a' ? 'b' : 'a';
	ck_assert_int_eq(files_download_check(&f, ATT, exp, sig, NOW),
	    FILES_FORGED);
	ck_assert_int_eq(files_download_check(&f, ATT, "", sig, NOW),
	    FILES_FORGED);
	ck_assert_int_eq(files_download_check(&f, ATT, "-1", sig, NOW),
	    FILES_FORGED);
	ck_assert_int_eq(files_download_check(&f, ATT, "12x", sig, NOW),
	    FILES_FORGED);
	ck_assert_int_eq(files_download_check(&f, ATT, "1234567890123456789",
	    sig, NOW), FILES_FORGED);
	ck_assert_int_eq(files_download_check(&f, ATT, exp, "", NOW),
	    FILES_FORGED);
	ck_assert_int_eq(files_download_check(&f, ATT, NULL, sig, NOW),
	    FILES_FORGED);
	/* a URL too long for its buffer is an error, not a cut URL */
	memset(base, 'h', sizeof(base) - 1);
	f.base = base;
	f.base_len = sizeof(base) - 1;
	ck_assert_int_eq(files_download_url(&f, ATT, NOW, &dl2), MT_EINVAL);
}
END_TEST

START_TEST(download_short_ttl)
{
	struct files_cfg f = cfg_with("", 2);
	struct download_link dl;
	char exp[32], sig[64];

	ck_assert_int_eq(files_download_url(&f, ATT, NOW, &dl), 0);
	ck_assert_int_eq(dl.expires_in, 2);
	ck_assert_int_eq(strncmp(dl.url, "/api/v1/files/", 14), 0);
	url_parts(dl.url, exp, sig);
	ck_assert_int_eq(files_download_check(&f, ATT, exp, sig, NOW + 3),
	    FILES_EXPIRED);
}
END_TEST

START_TEST(paths)
{
	struct files_cfg f = cfg_with("", 60);
	char buf[FILES_PATH_MAX];

	ck_assert_int_eq(files_path(&f, "dialogs/" DIALOG "/" ATT ".pdf", buf,
	    sizeof(buf)), 0);
	ck_assert_str_eq(buf, "/srv/files/dialogs/" DIALOG "/" ATT ".pdf");
	ck_assert_int_eq(files_path(&f, "dialogs/" DIALOG "/../x", buf,
	    sizeof(buf)), MT_EINVAL);
	ck_assert_int_eq(files_path(&f, "dialogs/" DIALOG "/" ATT ".pdf", buf,
	    20), MT_EINVAL);
	f.dir = NULL;
	ck_assert_int_eq(files_path(&f, "dialogs/" DIALOG "/" ATT ".pdf", buf,
	    sizeof(buf)), MT_EINVAL);
}
END_TEST

START_TEST(config)
{
	char dir[] = "/var/lib/mtchat/files", secret[] = "0123456789abcdef";
	char url[] = "https://chat.example//", off[] = "off";
	char xs[] = "X-Sendfile", empty[] = "";
	struct cfg c = { 0 };
	struct files_cfg f;

	c.files_dir = dir;
	c.files_secret = secret;
	c.public_url = url;
	c.files_sendfile = off;
	files_cfg_init(&f, &c);
	ck_assert(files_enabled(&f));
	ck_assert_int_eq(f.base_len, strlen("https://chat.example"));
	ck_assert_ptr_null(f.sendfile);
	c.files_sendfile = xs;
	c.files_dir = empty;
	files_cfg_init(&f, &c);
	ck_assert(!files_enabled(&f));
	ck_assert_str_eq(f.sendfile, "X-Sendfile");
	ck_assert(!files_enabled(NULL));
}
END_TEST

/* ---- download headers ----------------------------------------------- */

START_TEST(disposition)
{
	char buf[FILES_DISP_MAX];

	files_disposition("report.pdf", "application/pdf", buf, sizeof(buf));
	ck_assert_str_eq(buf, "attachment; filename=\"report.pdf\"");
	files_disposition("cat.png", "image/png", buf, sizeof(buf));
	ck_assert_str_eq(buf, "inline; filename=\"cat.png\"");
	/* S9: active content is never shown inline */
	files_disposition("x.svg", "image/svg+xml", buf, sizeof(buf));
	ck_assert_str_eq(buf, "attachment; filename=\"x.svg\"");
	files_disposition("x.html", "text/html", buf, sizeof(buf));
	ck_assert_str_eq(buf, "attachment; filename=\"x.html\"");
	files_disposition("x", "", buf, sizeof(buf));
	ck_assert_str_eq(buf, "attachment; filename=\"x\"");
	files_disposition("", "text/plain", buf, sizeof(buf));
	ck_assert_str_eq(buf, "attachment; filename=\"download\"");
	/* RFC 5987 for the rest */
	files_disposition("\xd0\xbe\xd1\x82\xd1\x87\xd1\x91\xd1\x82 1.pdf",
	    "application/pdf", buf, sizeof(buf));
	ck_assert_str_eq(buf, "attachment; filename=\"_____ 1.pdf\"; "
	    "filename*=UTF-8''%D0%BE%D1%82%D1%87%D1%91%D1%82%201.pdf");
	files_disposition("a\"b\\c/d%e\r\nSet-Cookie: x.txt", "text/plain",
	    buf, sizeof(buf));
	ck_assert_str_eq(buf, "attachment; filename=\"a_b_c_d_e__Set-Cookie: "
	    "x.txt\"; filename*=UTF-8''a%22b%5Cc%2Fd%25e%0D%0ASet-Cookie%3A%20"
	    "x.txt");
	ck_assert_ptr_null(strpbrk(buf, "\r\n"));
}
END_TEST

START_TEST(disposition_longest)
{
	char name[256], buf[FILES_DISP_MAX];

	/* 255 bytes that all need escaping fit whole */
	memset(name, '\x7f', 255);
	name[255] = '\0';
	files_disposition(name, "", buf, sizeof(buf));
	ck_assert_int_lt(strlen(buf), sizeof(buf));
	ck_assert_str_eq(buf + strlen(buf) - 3, "%7F");
}
END_TEST

static enum files_range
range(const char *h, int64_t size, int64_t *start, int64_t *len)
{
	*start = *len = -1;
	return files_range(h, size, start, len);
}

START_TEST(ranges)
{
	int64_t s, n;

	ck_assert_int_eq(range(NULL, 100, &s, &n), RANGE_ALL);
	ck_assert_int_eq(range("bytes=0-9", 100, &s, &n), RANGE_PART);
	ck_assert(s == 0 && n == 10);
	ck_assert_int_eq(range("bytes=90-", 100, &s, &n), RANGE_PART);
	ck_assert(s == 90 && n == 10);
	ck_assert_int_eq(range("bytes=90-500", 100, &s, &n), RANGE_PART);
	ck_assert(s == 90 && n == 10);
	ck_assert_int_eq(range("bytes=-10", 100, &s, &n), RANGE_PART);
	ck_assert(s == 90 && n == 10);
	ck_assert_int_eq(range("bytes=-1000", 100, &s, &n), RANGE_PART);
	ck_assert(s == 0 && n == 100);
	ck_assert_int_eq(range("bytes=99-99", 100, &s, &n), RANGE_PART);
	ck_assert(s == 99 && n == 1);
	ck_assert_int_eq(range("bytes=100-", 100, &s, &n), RANGE_BAD);
	ck_assert_int_eq(range("bytes=100-200", 100, &s, &n), RANGE_BAD);
	ck_assert_int_eq(range("bytes=-0", 100, &s, &n), RANGE_BAD);
	/* ignored: the whole file */
	ck_assert_int_eq(range("bytes=5-1", 100, &s, &n), RANGE_ALL);
	ck_assert_int_eq(range("bytes=0-1,5-6", 100, &s, &n), RANGE_ALL);
	ck_assert_int_eq(range("bytes=", 100, &s, &n), RANGE_ALL);
	ck_assert_int_eq(range("bytes=-", 100, &s, &n), RANGE_ALL);
	ck_assert_int_eq(range("bytes=x-1", 100, &s, &n), RANGE_ALL);
	ck_assert_int_eq(range("items=0-1", 100, &s, &n), RANGE_ALL);
	ck_assert_int_eq(range("bytes= 0-1", 100, &s, &n), RANGE_ALL);
	ck_assert_int_eq(range("bytes=0-99999999999999999999", 100, &s, &n),
	    RANGE_ALL);
}
END_TEST

/* ---- image sizes ---------------------------------------------------- */

/* img_size() of the len bytes b, written to a scratch file. */
static int
size_of(const void *b, size_t len, int *w, int *h)
{
	char path[PATH_MAX];
	int fd, rc;

	tu_path(path, tu_dir, "img");
	fd = open(path, O_RDWR | O_CREAT | O_TRUNC, 0600);
	ck_assert_int_ge(fd, 0);
	ck_assert_int_eq(write(fd, b, len), (ssize_t)len);
	rc = img_size(fd, w, h);
	close(fd);
	return rc;
}

START_TEST(image_png_gif)
{
	static const unsigned char png[] = {
		0x89, 'P', 'N', 'G', '\r', '\n', 0x1a, '\n',
		0, 0, 0, 13, 'I', 'H', 'D', 'R',
		0, 0, 0x02, 0x80, 0, 0, 0x01, 0xe0, 8, 6, 0, 0, 0,
	};
	static const unsigned char gif[] = {
		'G', 'I', 'F', '8', '9', 'a', 0x40, 0x01, 0xc8, 0x00, 0, 0, 0,
	};
	int w, h;

	ck_assert_int_eq(size_of(png, sizeof(png), &w, &h), 0);
	ck_assert(w == 640 && h == 480);
	ck_assert_int_eq(size_of(gif, sizeof(gif), &w, &h), 0);
	ck_assert(w == 320 && h == 200);
	ck_assert_int_eq(size_of(png, 20, &w, &h), MT_ENOTFOUND);
	ck_assert_int_eq(size_of(gif, 8, &w, &h), MT_ENOTFOUND);
}
END_TEST

START_TEST(image_webp)
{
	unsigned char b[30];
	int w, h;

	memset(b, 0, sizeof(b));
	memcpy(b, "RIFF\0\0\0\0WEBPVP8 ", 16);
	b[23] = 0x9d, b[24] = 0x01, b[25] = 0x2a;
	b[26] = 0x20, b[27] = 0x03;	/* 800 */
	b[28] = 0x58, b[29] = 0x02;	/* 600 */
	ck_assert_int_eq(size_of(b, sizeof(b), &w, &h), 0);
	ck_assert(w == 800 && h == 600);
	b[24] = 0;			/* no key frame */
	ck_assert_int_eq(size_of(b, sizeof(b), &w, &h), MT_ENOTFOUND);

	memset(b + 12, 0, 18);
	memcpy(b + 12, "VP8L", 4);
	b[20] = 0x2f;			/* 99 | 49 << 14 = 0x0c4063 */
	b[21] = 0x63, b[22] = 0x40, b[23] = 0x0c, b[24] = 0;
	ck_assert_int_eq(size_of(b, sizeof(b), &w, &h), 0);
	ck_assert(w == 100 && h == 50);

	memset(b + 12, 0, 18);
	memcpy(b + 12, "VP8X", 4);
	b[24] = 0xff, b[25] = 0x0f;	/* 4095 + 1 */
	b[27] = 0x00, b[28] = 0x10;	/* 4096 + 1 */
	ck_assert_int_eq(size_of(b, sizeof(b), &w, &h), 0);
	ck_assert(w == 4096 && h == 4097);
	ck_assert_int_eq(size_of(b, 29, &w, &h), MT_ENOTFOUND);
}
END_TEST

START_TEST(image_jpeg)
{
	unsigned char b[8192];
	size_t n = 0;
	int w, h;

	memset(b, 0, sizeof(b));
	b[n++] = 0xff, b[n++] = 0xd8;
	b[n++] = 0xff, b[n++] = 0xe0, b[n++] = 0, b[n++] = 16;	/* APP0 */
	n += 14;
	b[n++] = 0xff, b[n++] = 0xe1, b[n++] = 0x10, b[n++] = 0; /* 4 KiB */
	n += 0x1000 - 2;
	b[n++] = 0xff;			/* a fill byte */
	b[n++] = 0xff, b[n++] = 0xdb, b[n++] = 0, b[n++] = 67;	/* DQT */
	n += 65;
	b[n++] = 0xff, b[n++] = 0xc2, b[n++] = 0, b[n++] = 17, b[n++] = 8;
	b[n++] = 0x04, b[n++] = 0x38;	/* height 1080 */
	b[n++] = 0x07, b[n++] = 0x80;	/* width 1920 */
	n += 10;
	ck_assert_int_eq(size_of(b, n, &w, &h), 0);
	ck_assert(w == 1920 && h == 1080);
	/* cut inside the metadata, or a scan before any frame: no size */
	ck_assert_int_eq(size_of(b, 3000, &w, &h), MT_ENOTFOUND);
	b[4 + 16 + 1] = 0xda;
	ck_assert_int_eq(size_of(b, n, &w, &h), MT_ENOTFOUND);
	b[4 + 16 + 1] = 0xe1;
	b[4 + 16 + 2] = 0, b[4 + 16 + 3] = 1;	/* a length below 2 */
	ck_assert_int_eq(size_of(b, n, &w, &h), MT_ENOTFOUND);
}
END_TEST

START_TEST(image_other)
{
	static const char text[] = "%PDF-1.7 not an image at all";
	static const unsigned char zero_png[] = {
		0x89, 'P', 'N', 'G', '\r', '\n', 0x1a, '\n',
		0, 0, 0, 13, 'I', 'H', 'D', 'R', 0, 0, 0, 0, 0, 0, 1, 0,
	};
	int w = 7, h = 7;

	ck_assert_int_eq(size_of(text, sizeof(text), &w, &h), MT_ENOTFOUND);
	ck_assert(w == 0 && h == 0);
	ck_assert_int_eq(size_of("", 0, &w, &h), MT_ENOTFOUND);
	ck_assert_int_eq(size_of("\xff\xd8", 2, &w, &h), MT_ENOTFOUND);
	ck_assert_int_eq(size_of(zero_png, sizeof(zero_png), &w, &h),
	    MT_ENOTFOUND);
	ck_assert_int_eq(img_size(-1, &w, &h), MT_EIO);
}
END_TEST

/* Allocation failures while making and checking tokens are clean. */
START_TEST(fault_injection)
{
	struct files_cfg f = cfg_with("", 3600);
	struct upload_grant g = grant(), back;
	enum files_verdict v;
	char *url = NULL, *good;
	long n;
	int rc;

	ck_assert_int_eq(files_upload_url(&f, &g, &good), 0);
	for (n = 1;; n++) {
		mem_fail_after(n);
		rc = files_upload_url(&f, &g, &url);
		mem_fail_after(0);
		if (rc == 0)
			break;
		ck_assert_int_eq(rc, MT_ENOMEM);
		ck_assert_ptr_null(url);
	}
	ck_assert_str_eq(url, good);
	for (n = 1;; n++) {
		mem_fail_after(n);
		rc = files_upload_check(&f, good + 15, strlen(good + 15), NOW,
		    &back, &v);
		mem_fail_after(0);
		if (rc == 0 && v == FILES_OK)
			break;
		/* refused either way: never a grant made of garbage */
		ck_assert(rc == MT_ENOMEM || v == FILES_FORGED);
	}
	mt_free(url);
	mt_free(good);
}
END_TEST

static Suite *
files_suite(void)
{
	Suite *s = suite_create("files");
	TCase *tc = tcase_create("core");

	tcase_add_checked_fixture(tc, tu_setup, tu_teardown);
	tcase_add_test(tc, key_extensions);
	tcase_add_test(tc, key_shapes);
	tcase_add_test(tc, upload_round_trip);
	tcase_add_test(tc, upload_tampered);
	tcase_add_test(tc, upload_signed_but_malformed);
	tcase_add_test(tc, download_round_trip);
	tcase_add_test(tc, download_short_ttl);
	tcase_add_test(tc, paths);
	tcase_add_test(tc, config);
	tcase_add_test(tc, disposition);
	tcase_add_test(tc, disposition_longest);
	tcase_add_test(tc, ranges);
	tcase_add_test(tc, image_png_gif);
	tcase_add_test(tc, image_webp);
	tcase_add_test(tc, image_jpeg);
	tcase_add_test(tc, image_other);
	tcase_add_test(tc, fault_injection);
	suite_add_tcase(s, tc);
	return s;
}

int
main(void)
{
	json_init();
	return tu_run(files_suite());
}
