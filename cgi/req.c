/*
 * req.c — a request in, a response out: filling struct req from the CGI or
 * FastCGI environment (whatever way the web server passes the path), the
 * reply_*() functions every handler answers with, and writing the answer.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "err.h"
#include "json.h"
#include "log.h"
#include "mem.h"
#include "req.h"
#include "scope.h"
#include "transport.h"

#define FILE_CHUNK	65536	/* bytes of a file body written at once */
#define UPLOAD_PREFIX	"/api/v1/upload/"

/* What a request gets when even building its error fails. */
static const char ERR_INTERNAL[] =
	"{\"error\":{\"code\":\"INTERNAL_ERROR\","
	"\"message\":\"Internal server error\"}}";

const char *
req_status_text(int status)
{
	switch (status) {
	case 200: return "200 OK";
	case 201: return "201 Created";
	case 204: return "204 No Content";
	case 206: return "206 Partial Content";
	case 400: return "400 Bad Request";
	case 401: return "401 Unauthorized";
	case 403: return "403 Forbidden";
	case 404: return "404 Not Found";
	case 405: return "405 Method Not Allowed";
	case 409: return "409 Conflict";
	case 411: return "411 Length Required";
	case 413: return "413 Payload Too Large";
	case 415: return "415 Unsupported Media Type";
	case 416: return "416 Range Not Satisfiable";
	case 422: return "422 Unprocessable Entity";
	case 429: return "429 Too Many Requests";
	case 503: return "503 Service Unavailable";
	case 507: return "507 Insufficient Storage";
	default:  return "500 Internal Server Error";
	}
}

void
reply_header(struct req *r, const char *name, const char *value)
{
	if (buf_addstr(&r->headers, name) != 0 ||
	    buf_add(&r->headers, ": ", 2) != 0 ||
	    buf_addstr(&r->headers, value) != 0 ||
	    buf_add(&r->headers, "\r\n", 2) != 0)
		log_warnx("%s: out of memory", __func__);
}

/* Sets the body of the answer; the first answer of a request wins. */
static void
answer(struct req *r, int status, const char *type, const char *body,
    size_t len)
{
	if (r->answered)
		return;
	r->answered = true;
	r->status = status;
	if (type != NULL)
		reply_header(r, "Content-Type", type);
	if (len > 0 && buf_add(&r->out, body, len) != 0) {
		r->status = 500;
		r->out.len = 0;
	}
}

void
reply_json(struct req *r, int status, json_t *val)
{
	char *text;

	if (val == NULL || (text = json_encode(val)) == NULL) {
		json_decref(val);
		answer(r, 500, "application/json", ERR_INTERNAL,
		    sizeof(ERR_INTERNAL) - 1);
		return;
	}
	json_decref(val);
	answer(r, status, "application/json", text, strlen(text));
	mt_free(text);
}

void
reply_data(struct req *r, json_t *val)
{
	json_t *o;

	if (val == NULL || (o = json_object()) == NULL) {
		json_decref(val);
		reply_failure(r, MT_ENOMEM);
		return;
	}
	if (json_add_new(o, "data", val) != 0) {
		json_decref(o);
		reply_failure(r, MT_ENOMEM);
		return;
	}
	reply_json(r, 200, o);
}

void
reply_written(struct req *r, struct jw *w)
{
	size_t len;
	char *text = jw_take(w, &len);

	if (text == NULL) {
		reply_failure(r, MT_ENOMEM);
		return;
	}
	if (r->answered) {	/* keep the first answer, as answer() does */
		mt_free(text);
		return;
	}
	answer(r, 200, "application/json", NULL, 0);
	buf_reset(&r->out);
	r->out = (struct buf){ .data = text, .len = len, .cap = len + 1 };
}

void
reply_error(struct req *r, int status, const char *code, const char *message)
{
	json_t *o = json_pack("{s:{s:s,s:s}}", "error", "code", code,
	    "message", message);

	if (o == NULL) {
		answer(r, 500, "application/json", ERR_INTERNAL,
		    sizeof(ERR_INTERNAL) - 1);
		return;
	}
	reply_json(r, status, o);
}

void
reply_plain(struct req *r, int status, const char *text)
{
	answer(r, status, "text/plain; charset=utf-8", text, strlen(text));
}

void
reply_refusal(struct req *r, const struct refusal *why)
{
	if (why->code == NULL)
		reply_plain(r, why->status, why->msg);
	else
		reply_error(r, why->status, why->code, why->msg);
}

void
reply_empty(struct req *r, int status)
{
	answer(r, status, NULL, NULL, 0);
}

void
reply_file(struct req *r, int status, int fd, int64_t off, int64_t len)
{
	if (r->answered || r->has_file) {
		close(fd);
		return;
	}
	answer(r, status, NULL, NULL, 0);
	r->has_file = true;
	r->file_fd = fd;
	r->file_off = off;
	r->file_len = len;
}

long
req_read(struct req *r, char *buf, size_t len)
{
	if (!r->body_pending || r->io == NULL)
		return -1;
	return r->io->read(r->io->ctx, buf, len);
}

void
reply_failure(struct req *r, int code)
{
	const struct mt_http_error *e = mt_http_error(store_error(code));

	if (e->retry_after != NULL)
		reply_header(r, "Retry-After", e->retry_after);
	reply_error(r, e->status, e->code, e->message);
}

void
req_reset(struct req *r)
{
	int i;

	mt_free(r->path);
	mt_free(r->body);
	for (i = 0; i < r->nparams; i++)
		mt_free(r->params[i]);
	mt_free(r->user);
	scope_set_free(r->scopes);
	json_decref(r->json);
	buf_reset(&r->headers);
	buf_reset(&r->out);
	if (r->has_file)
		close(r->file_fd);
	memset(r, 0, sizeof(*r));
}

static const char *
env(const struct transport *t, const char *name)
{
	const char *v = t->getenv(t->ctx, name);

	return v ? v : NULL;
}

/* Finds where the API path starts in a server-given path ("/x/api/v1/..."). */
static const char *
api_start(const char *p)
{
	const char *a;

	if (strncmp(p, "/api/", 5) == 0 || strncmp(p, "/health", 7) == 0)
		return p;
	if ((a = strstr(p, "/api/v1/")) != NULL ||
	    (a = strstr(p, "/api/v1")) != NULL ||
	    (a = strstr(p, "/health")) != NULL)
		return a;
	return p;
}

/*
 * The route path, still percent-encoded: REQUEST_URI (lighttpd, Apache,
 * nginx) without its query, else SCRIPT_NAME + PATH_INFO, with any mount
 * prefix before /api/ or /health dropped.
 */
static int
fill_path(struct req *r, const struct transport *t)
{
	const char *uri = env(t, "REQUEST_URI");
	const char *script = env(t, "SCRIPT_NAME");
	const char *info = env(t, "PATH_INFO");
	struct buf b = BUF_INIT;
	const char *q;

	if (uri != NULL && *uri == '/') {
		q = strchr(uri, '?');
		if (buf_add(&b, uri, q ? (size_t)(q - uri) : strlen(uri)) != 0)
			return MT_ENOMEM;
	} else {
		if ((script && buf_addstr(&b, script) != 0) ||
		    (info && buf_addstr(&b, info) != 0))
			return MT_ENOMEM;
	}
	if (b.data == NULL && buf_add(&b, "/", 1) != 0)
		return MT_ENOMEM;
	q = api_start(b.data);
	r->path = mt_strdup(q);
	buf_reset(&b);
	return r->path ? 0 : MT_ENOMEM;
}

static long
parse_length(const char *s)
{
	char *end;
	long v;

	if (s == NULL || *s == '\0')
		return -1;
	errno = 0;
	v = strtol(s, &end, 10);
	if (errno != 0 || *end != '\0' || v < 0)
		return -2;
	return v;
}

/* Reads exactly content_length bytes of body (the cap is already checked). */
static int
read_body(struct req *r, const struct transport *t)
{
	size_t want = (size_t)r->content_length, got = 0;

	if ((r->body = mt_malloc(want + 1)) == NULL)
		return MT_ENOMEM;
	while (got < want) {
		long n = t->read(t->ctx, r->body + got, want - got);

		if (n <= 0)
			break;
		got += (size_t)n;
	}
	r->body[got] = '\0';
	r->body_len = got;
	return 0;
}

int
req_fill(struct req *r, const struct transport *t, long max_body)
{
	r->method = env(t, "REQUEST_METHOD");
	r->query = env(t, "QUERY_STRING");
	r->content_type = env(t, "CONTENT_TYPE");
	r->authorization = env(t, "HTTP_AUTHORIZATION");
	r->scope_header = env(t, "HTTP_X_SCOPE_CONFIG");
	r->origin = env(t, "HTTP_ORIGIN");
	r->remote_addr = env(t, "REMOTE_ADDR");
	r->acr_method = env(t, "HTTP_ACCESS_CONTROL_REQUEST_METHOD");
	r->acr_headers = env(t, "HTTP_ACCESS_CONTROL_REQUEST_HEADERS");
	r->range = env(t, "HTTP_RANGE");
	r->idempotency_key = env(t, "HTTP_IDEMPOTENCY_KEY");
	r->io = t;
	if (r->method == NULL)
		r->method = "GET";
	if (r->query == NULL)
		r->query = "";
	if (fill_path(r, t) != 0)
		return MT_ENOMEM;
	r->content_length = parse_length(env(t, "CONTENT_LENGTH"));
	if (r->content_length == -2) {
		reply_plain(r, 400, "Invalid Content-Length");
		return 0;
	}
	/* An upload streams to disk: its handler reads it, with its limit. */
	if (strcmp(r->method, "PUT") == 0 &&
	    strncmp(r->path, UPLOAD_PREFIX, sizeof(UPLOAD_PREFIX) - 1) == 0) {
		r->body_pending = true;
		return 0;
	}
	if (r->content_length > max_body) {
		reply_plain(r, 413, "Failed to buffer the request body: "
		    "length limit exceeded");
		return 0;
	}
	if (r->content_length > 0)
		return read_body(r, t);
	return 0;
}

/* Writes the file body of r, in pieces of FILE_CHUNK bytes. */
static int
write_file(struct req *r, const struct transport *t)
{
	int64_t off = r->file_off, left = r->file_len;
	char *chunk = mt_malloc(FILE_CHUNK);
	ssize_t n;
	int rc = 0;

	if (chunk == NULL)
		return MT_ENOMEM;
	while (left > 0) {
		n = pread(r->file_fd, chunk, left < FILE_CHUNK ? (size_t)left :
		    FILE_CHUNK, (off_t)off);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0) {		/* the file shrank or failed: cut short */
			log_warn("%s: read", __func__);
			rc = MT_EIO;
			break;
		}
		if (t->write(t->ctx, chunk, (size_t)n) != 0) {
			rc = MT_EIO;
			break;
		}
		off += n;
		left -= n;
	}
	mt_free(chunk);
	return rc;
}

int
req_write(struct req *r, const struct transport *t)
{
	struct buf head = BUF_INIT;
	char line[64];
	bool body = strcmp(r->method ? r->method : "", "HEAD") != 0;
	int rc = 0;

	snprintf(line, sizeof(line), "Status: %s\r\n",
	    req_status_text(r->status));
	if (buf_addstr(&head, line) != 0 ||
	    (r->headers.len && buf_add(&head, r->headers.data,
	    r->headers.len) != 0)) {
		buf_reset(&head);
		return MT_ENOMEM;
	}
	snprintf(line, sizeof(line), "Content-Length: %lld\r\n\r\n",
	    r->has_file ? (long long)r->file_len : (long long)r->out.len);
	if (buf_addstr(&head, line) != 0)
		rc = MT_ENOMEM;
	else if (t->write(t->ctx, head.data, head.len) != 0)
		rc = MT_EIO;
	else if (body && r->has_file)
		rc = write_file(r, t);
	else if (body && r->out.len > 0 &&
	    t->write(t->ctx, r->out.data, r->out.len) != 0)
		rc = MT_EIO;
	buf_reset(&head);
	return rc;
}
