/*
 * req.h — one HTTP request and its response inside mtchat.fcgi, and what
 * every handler is given. A request is filled from the CGI/FastCGI
 * environment, answered into a buffer, written out and released by
 * req_reset() at the end of each loop turn: no per-request globals.
 */
#ifndef MT_REQ_H
#define MT_REQ_H

#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "buf.h"
#include "id.h"
#include "json.h"
#include "reqargs.h"
#include "store.h"
#include "writer.h"

struct auth_keys;
struct cfg;
struct files_cfg;
struct ratelimit;
struct scope_set;
struct store;
struct wake;

#define REQ_MAX_PARAMS	4

/* What lives for the whole process: handed to every handler. */
struct app {
	const struct cfg	*cfg;
	struct store		*store;
	struct auth_keys	*keys;		/* NULL unless JWT mode */
	struct wake		*wake;
	struct ratelimit	*rl;		/* NULL unless rate limiting */
	struct ratelimit	*authfail;	/* failed token checks, or NULL */
	struct writer		*writer;	/* shared by the threads, or NULL */
	struct store_opts	 store_opts;	/* how store was opened */
	const struct files_cfg	*files;		/* local attachment storage */
};

struct req {
	/* request, from the environment (not owned: the server's strings) */
	const char	*method;
	const char	*query;		/* raw, without '?'; "" when none */
	const char	*content_type;
	const char	*authorization;
	const char	*scope_header;	/* X-Scope-Config */
	const char	*origin;
	const char	*remote_addr;
	const char	*acr_method;	/* Access-Control-Request-Method */
	const char	*acr_headers;	/* Access-Control-Request-Headers */
	const char	*range;		/* Range */
	const char	*idempotency_key;	/* Idempotency-Key */
	long		 content_length;	/* -1 when absent */
	char		*path;		/* decoded route path, owned */
	char		*body;		/* owned, NUL-terminated */
	size_t		 body_len;
	/* an upload's body is left unread for its handler (req_read()) */
	bool		 body_pending;
	const struct transport *io;	/* where the request came from */

	/* filled by the router before the handler runs (owned) */
	char		*params[REQ_MAX_PARAMS];	/* raw path segments */
	int		 nparams;
	char		 ids[REQ_MAX_PARAMS][ID_BUF];	/* canonical UUIDs */
	char		*user;		/* acting user */
	struct scope_set *scopes;	/* NULL: no scope information */
	json_t		*json;		/* parsed body, when the route has one */

	/* response */
	int		 status;
	struct buf	 headers;	/* "Name: value\r\n" lines */
	struct buf	 out;		/* body */
	bool		 answered;
	/* or the body is file_len bytes at file_off of file_fd (owned) */
	bool		 has_file;
	int		 file_fd;
	int64_t		 file_off, file_len;
};

/* Handler of one route; answers through the reply_*() functions. */
typedef void	(*handler_fn)(struct req *, struct app *);

/*
 * A handler's write goes through here, for group commit: fn(store, arg),
 * run by the process's writer when it has one (writer.h); 0 once the write
 * is durable, else an MT_E* code.
 */
int		 app_run(struct app *app, writer_fn fn, void *arg);

/* Adds a response header line (name and value are ours, never raw input). */
void	reply_header(struct req *r, const char *name, const char *value);
/* Answers status with the JSON value val (reference stolen). */
void	reply_json(struct req *r, int status, json_t *val);
/* Answers 200 {"data": val} (reference stolen; NULL val is a 500). */
void	reply_data(struct req *r, json_t *val);
/*
 * 200 with the JSON text w wrote as the body, taken without a copy (w is
 * empty afterwards); 500 if w ran out of memory.
 */
void	reply_written(struct req *r, struct jw *w);
/* Answers the error envelope {"error":{"code":...,"message":...}}. */
void	reply_error(struct req *r, int status, const char *code,
	    const char *message);
/*
 * Answers a plain-text body (framework-level failures, docs/errors.md#plain).
 */
void	reply_plain(struct req *r, int status, const char *text);
/* Answers a refusal of lib/reqargs.c: plain text or the error envelope. */
void	reply_refusal(struct req *r, const struct refusal *why);
/* Answers with no body (201, 204). */
void	reply_empty(struct req *r, int status);
/*
 * Answers status with len bytes at off of the open file fd as the body,
 * sent in pieces by req_write(); fd is the request's now (closed by
 * req_reset(), also when an earlier answer wins).
 */
void	reply_file(struct req *r, int status, int fd, int64_t off,
	    int64_t len);
/*
 * Reads up to len bytes of a body left pending (body_pending): the count,
 * 0 at its end, -1 on an error.
 */
long	req_read(struct req *r, char *buf, size_t len);
/* Answers an MT_E* failure of lib/ as lib/err.c's table says. */
void	reply_failure(struct req *r, int code);

/* Status line text for status, e.g. "404 Not Found". */
const char *req_status_text(int status);

/* Frees everything the request owns and zeroes it for the next one. */
void	req_reset(struct req *r);

#endif
