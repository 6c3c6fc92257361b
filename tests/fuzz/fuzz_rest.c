/*
 * fuzz_rest.c — the REST request path of mtchat.fcgi, in-process: method,
 * path, query, headers and body → req_fill() → route_dispatch() → the
 * handler → req_write(), against a temporary database with a dialog, a
 * message and an upload (tests/unit/resthost.h), reset every RESET_EVERY
 * inputs so it does not grow without bound.
 *
 * An input is an HTTP request in short form:
 *
 *	METHOD URI\n
 *	Name: value\n		(any number; Content-Length is the body's
 *	\n			 unless given)
 *	body
 *
 * where {D} becomes the fixture dialog's id, {M} its message's, {K} the
 * upload's key. Properties: no sanitizer report, no 5xx (no fault is
 * injected: every answer is the client's doing), every JSON error in the
 * envelope {"error":{"code":...,"message":...}}, every JSON answer JSON.
 * SPDX-License-Identifier: MIT
 */
#include <fcntl.h>
#include <limits.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

#include "fuzz.h"
#include "json.h"
#include "log.h"
#include "resthost.h"
#include "store.h"

#define RESET_EVERY	2000	/* inputs between fresh copies of the DB */
#define REQ_MAX_INPUT	65536

static char dir[PATH_MAX], tmpl[PATH_MAX], db[PATH_MAX];
static struct rh host;
static struct { char d[64], m[64], k[256]; } fx;
static long runs;

static void
die(const char *what)
{
	fprintf(stderr, "fuzz_rest: %s\n", what);
	exit(1);
}

/* One request on host, from strings; the answer in c (rh_call_reset). */
static void
simple(struct rh_call *c, const char *method, const char *uri,
    const char *body)
{
	static char env[4][1200];

	memset(c, 0, sizeof(*c));
	snprintf(env[0], sizeof(env[0]), "REQUEST_METHOD=%s", method);
	snprintf(env[1], sizeof(env[1]), "REQUEST_URI=%s", uri);
	snprintf(env[2], sizeof(env[2]), "CONTENT_LENGTH=%zu", strlen(body));
	snprintf(env[3], sizeof(env[3]), "QUERY_STRING=%s",
	    strchr(uri, '?') ? strchr(uri, '?') + 1 : "");
	rh_env(c, env[0]);
	rh_env(c, env[1]);
	rh_env(c, env[2]);
	rh_env(c, env[3]);
	rh_env(c, "CONTENT_TYPE=application/json");
	rh_env(c, "HTTP_AUTHORIZATION=Bearer fuzz-admin-token");
	c->body = body;
	c->len = strlen(body);
	rh_serve(&host, c);
	if (c->status != 200)
		die(c->resp);
}

static void
data_str(const struct rh_call *c, const char *key, char *out, size_t len)
{
	char err[64];
	json_t *o = json_parse(c->resp, c->resplen, err, sizeof(err));
	const char *v = json_get_str(json_object_get(o, "data"), key);

	if (v == NULL || strlen(v) >= len)
		die("fixture: no id");
	memcpy(out, v, strlen(v) + 1);
	json_decref(o);
}

static void
make_fixture(void)
{
	struct store_opts o = { .path = tmpl, .create = true,
	    .allow_old = true, .busy_timeout_ms = 5000 };
	char err[STORE_ERR_LEN], uri[512], body[512], up[1024];
	struct store *st;
	struct rh_call c;
	int applied;

	if (store_open(&st, &o, err, sizeof(err)) != 0 ||
	    store_migrate(st, &applied, err, sizeof(err)) != 0)
		die(err);
	store_close(st);
	setenv("MTCHAT_DB", tmpl, 1);
	if (rh_open(&host, false, err, sizeof(err)) != 0)
		die(err);
	simple(&c, "POST", "/api/v1/management/dialogs",
	    "{\"object_id\":\"o\",\"object_type\":\"t\",\"participants\":["
	    "{\"user_id\":\"alice\",\"display_name\":\"A\"},{\"user_id\":"
	    "\"bob\",\"display_name\":\"B\"}],\"access_scopes\":[{"
	    "\"scope_level0\":[\"x\"]}]}");
	data_str(&c, "id", fx.d, sizeof(fx.d));
	rh_call_reset(&c);
	snprintf(uri, sizeof(uri), "/api/v1/dialogs/%s/messages?user_id=alice",
	    fx.d);
	simple(&c, "POST", uri, "{\"content\":\"<p>hi</p>\"}");
	data_str(&c, "id", fx.m, sizeof(fx.m));
	rh_call_reset(&c);
	snprintf(body, sizeof(body), "{\"dialog_id\":\"%s\",\"filename\":"
	    "\"x.json\",\"content_type\":\"application/json\",\"size\":2}",
	    fx.d);
	simple(&c, "POST", "/api/v1/upload/presign?user_id=alice", body);
	data_str(&c, "s3_key", fx.k, sizeof(fx.k));
	data_str(&c, "upload_url", up, sizeof(up));
	rh_call_reset(&c);
	simple(&c, "PUT", up, "{}");
	rh_call_reset(&c);
	rh_close(&host);
}

static void
copy_db(void)
{
	char buf[65536], side[PATH_MAX + 8];
	int in, out;
	ssize_t n;

	snprintf(side, sizeof(side), "%s-wal", db);
	unlink(side);
	snprintf(side, sizeof(side), "%s-shm", db);
	unlink(side);
	if ((in = open(tmpl, O_RDONLY)) == -1 ||
	    (out = open(db, O_WRONLY | O_CREAT | O_TRUNC, 0600)) == -1)
		die("copy");
	while ((n = read(in, buf, sizeof(buf))) > 0)
		if (write(out, buf, (size_t)n) != n)
			die("copy");
	close(in);
	close(out);
}

static void
open_work(void)
{
	char err[STORE_ERR_LEN];

	copy_db();
	setenv("MTCHAT_DB", db, 1);
	if (rh_open(&host, false, err, sizeof(err)) != 0)
		die(err);
}

static void
cleanup(void)
{
	char cmd[PATH_MAX + 16];

	rh_close(&host);
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", dir);
	if (system(cmd) != 0)
		fprintf(stderr, "fuzz_rest: could not remove %s\n", dir);
}

int
LLVMFuzzerInitialize(int *argc, char ***argv)
{
	const char *tmp = getenv("TMPDIR");
	char files[PATH_MAX];

	(void)argc;
	(void)argv;
	snprintf(dir, sizeof(dir), "%s/mtchat-fuzz.XXXXXX",
	    tmp && *tmp ? tmp : "/tmp");
	if (mkdtemp(dir) == NULL)
		die("mkdtemp");
	snprintf(tmpl, sizeof(tmpl), "%s/template.db", dir);
	snprintf(db, sizeof(db), "%s/m.db", dir);
	snprintf(files, sizeof(files), "%s/files", dir);
	json_init();
	log_init("fuzz_rest", 0, 0);
	setenv("MTCHAT_CONFIG", "/dev/null", 1);
	setenv("MTCHAT_BRIDGE_SOCKET", "", 1);
	setenv("MTCHAT_SYNCHRONOUS", "NORMAL", 1);
	setenv("MTCHAT_FILES_DIR", files, 1);
	setenv("MTCHAT_FILES_SECRET", "fuzz-files-secret-0123456789", 1);
	setenv("ADMIN_API_TOKEN", "fuzz-admin-token", 1);
	setenv("MTCHAT_MAX_BODY", "65536", 1);
	unsetenv("JWT_AUTH_ENABLED");
	unsetenv("MTCHAT_TEST_CLOCK");
	make_fixture();
	open_work();
	atexit(cleanup);
	/* the handlers' warnings are not findings */
	if (getenv("FUZZ_VERBOSE") == NULL)
		log_init("fuzz_rest", 0, -1);
	return 0;
}

/* in with {D}, {M} and {K} replaced, NUL-terminated, in out. */
static size_t
expand(const uint8_t *in, size_t len, char *out, size_t cap)
{
	const struct { const char *tok, *val; } subs[] = {
		{ "{D}", fx.d }, { "{M}", fx.m }, { "{K}", fx.k },
	};
	size_t o = 0, i, j;

	for (i = 0; i < len; ) {
		for (j = 0; j < 3; j++)
			if (len - i >= 3 && memcmp(in + i, subs[j].tok, 3) == 0)
				break;
		if (j < 3 && o + strlen(subs[j].val) < cap) {
			memcpy(out + o, subs[j].val, strlen(subs[j].val));
			o += strlen(subs[j].val);
			i += 3;
		} else if (o + 1 < cap)
			out[o++] = (char)in[i++];
		else
			break;
	}
	out[o] = '\0';
	return o;
}

/* "Name: value" as CGI's NAME or HTTP_NAME=value, into buf. */
static const char *
cgi_var(char *line, char *buf, size_t len, bool *is_length)
{
	char *colon = strchr(line, ':'), *v, *p;
	size_t o;

	if (colon == NULL || colon == line)
		return NULL;
	*colon = '\0';
	for (v = colon + 1; *v == ' '; v++)
		;
	*is_length = strcasecmp(line, "Content-Length") == 0;
	o = *is_length ? (size_t)snprintf(buf, len, "CONTENT_LENGTH") :
	    strcasecmp(line, "Content-Type") == 0 ?
	    (size_t)snprintf(buf, len, "CONTENT_TYPE") :
	    (size_t)snprintf(buf, len, "HTTP_");
	if (strncmp(buf, "HTTP_", 5) == 0)
		for (p = line; *p != '\0' && o + 1 < len; p++)
			buf[o++] = *p == '-' ? '_' : (char)(*p >= 'a' &&
			    *p <= 'z' ? *p - 32 : *p);
	if (o + 2 + strlen(v) >= len)
		return NULL;
	buf[o++] = '=';
	memcpy(buf + o, v, strlen(v) + 1);
	return buf;
}

/* Whether body is the error envelope of docs/errors.md#envelope. */
static bool
is_envelope(const char *body, size_t len)
{
	char err[64];
	json_t *o = json_parse(body, len, err, sizeof(err));
	const json_t *e = json_object_get(o, "error");
	bool ok = json_is_object(o) && json_object_size(o) == 1 &&
	    json_is_object(e) && json_is_string(json_object_get(e, "code")) &&
	    json_is_string(json_object_get(e, "message"));

	json_decref(o);
	return ok;
}

static void
check_answer(const struct rh_call *c, const char *method, const char *uri)
{
	bool json = strstr(c->headers, "\r\nContent-Type: application/json") !=
	    NULL;
	char err[64];
	json_t *o;

	FUZZ_CHECK(c->status >= 200 && c->status < 500, "%d for %s %.200s: "
	    "%.300s", c->status, method, uri, c->resp);
	if (strcmp(method, "HEAD") == 0)
		return;		/* the headers of a GET, no body */
	if (json && c->status >= 400)
		FUZZ_CHECK(is_envelope(c->resp, c->resplen), "%d for %s "
		    "%.200s: %.300s", c->status, method, uri, c->resp);
	else if (json) {
		o = json_parse(c->resp, c->resplen, err, sizeof(err));
		FUZZ_CHECK(o != NULL, "not JSON for %s %.200s: %.300s", method,
		    uri, c->resp);
		json_decref(o);
	}
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static char text[REQ_MAX_INPUT * 2], vars[RH_MAX_ENV][1024];
	static char method[32], uri[4096], length[32], query[4200];
	struct rh_call c;
	char *line, *next, *body, *sp;
	bool has_length = false, is_length;
	size_t n, len;
	int nv = 0;

	if (size > REQ_MAX_INPUT)
		return 0;
	if (++runs % RESET_EVERY == 0) {
		rh_close(&host);
		open_work();
	}
	n = expand(data, size, text, sizeof(text));
	/* the request line and headers end at the first blank line */
	if ((body = strstr(text, "\n\n")) != NULL) {
		*body = '\0';
		body += 2;
	} else
		body = text + strlen(text);
	len = n - (size_t)(body - text);
	if ((next = strchr(text, '\n')) != NULL)
		*next++ = '\0';
	if ((sp = strchr(text, ' ')) == NULL || sp - text >= (long)sizeof(method))
		return 0;
	memcpy(method, text, (size_t)(sp - text));
	method[sp - text] = '\0';
	snprintf(uri, sizeof(uri), "%s", sp + 1);
	memset(&c, 0, sizeof(c));
	for (line = next; line != NULL && nv < RH_MAX_ENV - 6; line = next) {
		if ((next = strchr(line, '\n')) != NULL)
			*next++ = '\0';
		if (cgi_var(line, vars[nv], sizeof(vars[nv]), &is_length)) {
			has_length |= is_length;
			rh_env(&c, vars[nv++]);
		}
	}
	snprintf(vars[nv], sizeof(vars[nv]), "REQUEST_METHOD=%s", method);
	rh_env(&c, vars[nv++]);
	snprintf(vars[nv], sizeof(vars[nv]), "REQUEST_URI=%s", uri);
	rh_env(&c, vars[nv++]);
	snprintf(query, sizeof(query), "QUERY_STRING=%s",
	    strchr(uri, '?') ? strchr(uri, '?') + 1 : "");
	rh_env(&c, query);
	rh_env(&c, "REMOTE_ADDR=127.0.0.1");
	if (!has_length) {
		snprintf(length, sizeof(length), "CONTENT_LENGTH=%zu", len);
		rh_env(&c, length);
	}
	c.body = body;
	c.len = len;
	rh_serve(&host, &c);
	check_answer(&c, method, uri);
	rh_call_reset(&c);
	return 0;
}
