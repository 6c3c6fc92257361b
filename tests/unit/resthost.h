/*
 * resthost.h — mtchat.fcgi's request path inside a test process: the same
 * req_fill(), route_dispatch() and req_write() as cgi/main.c's serve(),
 * over a transport that reads the request from memory and writes the
 * answer to memory, against the database the environment names
 * (MTCHAT_DB, MTCHAT_CONFIG=/dev/null, ...). Used by the storage fault
 * tests (check_rest_faults.c) and the REST fuzz target (tests/fuzz).
 * Header-only, as testutil.h; programs that include it link the cgi/
 * objects (Makefile: CGI_LIB).
 * SPDX-License-Identifier: MIT
 */
#ifndef MT_RESTHOST_H
#define MT_RESTHOST_H

#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "auth.h"
#include "cfg.h"
#include "err.h"
#include "files.h"
#include "req.h"
#include "route.h"
#include "store.h"
#include "transport.h"
#include "writer.h"

#define RH_MAX_ENV	24

/* One mtchat.fcgi: its configuration and what app_open() opens. */
struct rh {
	struct cfg	 cfg;
	struct files_cfg files;
	struct app	 app;
	struct writer	*writer;	/* group commit, when asked for */
};

/* One request as the web server hands it over, and the answer. */
struct rh_call {
	const char	*env[RH_MAX_ENV];	/* "NAME=value", CGI style */
	int		 nenv;
	const char	*body;
	size_t		 len, off;
	/* the answer: status, header lines and body */
	int		 status;
	char		*out;		/* malloc'd, NUL-terminated */
	size_t		 outlen;
	const char	*headers;	/* into out */
	const char	*resp;		/* the body, into out */
	size_t		 resplen;
};

static inline const char *
rh_getenv(void *ctx, const char *name)
{
	struct rh_call *c = ctx;
	size_t n = strlen(name);
	int i;

	for (i = 0; i < c->nenv; i++)
		if (strncmp(c->env[i], name, n) == 0 && c->env[i][n] == '=')
			return c->env[i] + n + 1;
	return NULL;
}

static inline long
rh_read(void *ctx, char *buf, size_t len)
{
	struct rh_call *c = ctx;
	size_t n = c->len - c->off < len ? c->len - c->off : len;

	memcpy(buf, c->body + c->off, n);
	c->off += n;
	return (long)n;
}

static inline int
rh_write(void *ctx, const char *buf, size_t len)
{
	struct rh_call *c = ctx;
	char *p = realloc(c->out, c->outlen + len + 1);

	if (p == NULL)
		return -1;
	memcpy(p + c->outlen, buf, len);
	c->out = p;
	c->outlen += len;
	c->out[c->outlen] = '\0';
	return 0;
}

/*
 * Opens what cgi/main.c's app_open() opens, from the environment's
 * configuration; with_writer adds a group-commit writer as the threaded
 * server has. 0, or -1 with a line in err.
 */
static inline int
rh_open(struct rh *h, bool with_writer, char *err, size_t errlen)
{
	memset(h, 0, sizeof(*h));
	if (cfg_load(&h->cfg, NULL, err, errlen) != 0)
		return -1;
	files_cfg_init(&h->files, &h->cfg);
	h->app.cfg = &h->cfg;
	h->app.files = &h->files;
	h->app.store_opts = (struct store_opts) {
		.path = h->cfg.db_path,
		.sync_normal = true,
		.busy_timeout_ms = h->cfg.busy_timeout_ms,
		.files = &h->files,
	};
	if (store_open(&h->app.store, &h->app.store_opts, err, errlen) != 0) {
		cfg_reset(&h->cfg);
		return -1;
	}
	if (h->cfg.jwt_enabled && auth_keys_new(&h->cfg, &h->app.keys) != 0) {
		snprintf(err, errlen, "no JWT secret");
		store_close(h->app.store);
		cfg_reset(&h->cfg);
		return -1;
	}
	if (with_writer &&
	    (h->writer = writer_new(h->app.store, NULL)) == NULL) {
		snprintf(err, errlen, "no writer");
		auth_keys_free(h->app.keys);
		store_close(h->app.store);
		cfg_reset(&h->cfg);
		return -1;
	}
	h->app.writer = h->writer;
	return 0;
}

static inline void
rh_close(struct rh *h)
{
	if (h->writer != NULL)
		writer_free(h->writer);
	auth_keys_free(h->app.keys);
	store_close(h->app.store);
	cfg_reset(&h->cfg);
	memset(h, 0, sizeof(*h));
}

/* Adds "NAME=value" (kept, not copied) to the request's environment. */
static inline void
rh_env(struct rh_call *c, const char *kv)
{
	if (c->nenv < RH_MAX_ENV)
		c->env[c->nenv++] = kv;
}

/*
 * Serves c as cgi/main.c's serve() does and splits the answer into
 * status, headers and body. Free c->out with rh_call_reset().
 */
static inline void
rh_serve(struct rh *h, struct rh_call *c)
{
	struct transport t = { rh_getenv, rh_read, rh_write, c };
	struct req r;
	char *sep;

	memset(&r, 0, sizeof(r));
	c->off = 0;
	if (req_fill(&r, &t, h->cfg.max_body) != 0)
		reply_failure(&r, MT_ENOMEM);
	else if (!r.answered)
		route_dispatch(&r, &h->app);
	(void)req_write(&r, &t);
	req_reset(&r);
	c->status = 0;
	c->headers = c->resp = "";
	c->resplen = 0;
	if (c->out == NULL || sscanf(c->out, "Status: %d", &c->status) != 1)
		return;
	c->headers = c->out;
	if ((sep = strstr(c->out, "\r\n\r\n")) != NULL) {
		sep[2] = '\0';	/* the headers end with their last CRLF */
		c->resp = sep + 4;
		c->resplen = c->outlen - (size_t)(c->resp - c->out);
	}
}

static inline void
rh_call_reset(struct rh_call *c)
{
	free(c->out);
	memset(c, 0, sizeof(*c));
}

#endif
