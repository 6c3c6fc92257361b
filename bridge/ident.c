/*
 * ident.c — who is asking, with the same token check as mtchat.fcgi
 * (lib/auth.c). The WebSocket takes ?user_id= (legacy) or ?token= (JWT) and
 * is refused before the upgrade in plain text (API.md §10.1); the long-poll
 * follows the REST rules of §3.1 and §3.2 (Authorization: Bearer in JWT
 * mode). libwebsockets hands over the query already form-decoded ('+' is a
 * space, %XX decoded) and split on '&', which is §10.1's decoding.
 */
#include <string.h>

#include "auth.h"
#include "bridge.h"
#include "cfg.h"
#include "err.h"
#include "json.h"
#include "mem.h"
#include "ratelimit.h"

char *
ident_arg(struct lws *wsi, const char *name)
{
	size_t nlen = strlen(name);
	int total = lws_hdr_total_length(wsi, WSI_TOKEN_HTTP_URI_ARGS), i, n;
	char *buf, *val = NULL;

	if (total <= 0 || (buf = mt_malloc((size_t)total + 1)) == NULL)
		return NULL;
	for (i = 0; val == NULL; i++) {
		n = lws_hdr_copy_fragment(wsi, buf, total + 1,
		    WSI_TOKEN_HTTP_URI_ARGS, i);
		if (n < 0)
			break;
		if ((size_t)n >= nlen && strncmp(buf, name, nlen) == 0 &&
		    (buf[nlen] == '=' || buf[nlen] == '\0'))
			val = mt_strdup(buf[nlen] == '=' ? buf + nlen + 1 : "");
	}
	mt_free(buf);
	return val;
}

static int
refuse(struct ident *id, int status, const char *code, const char *msg)
{
	id->status = status;
	id->code = code;
	id->json = code != NULL;
	id->message = msg;
	return 0;
}

/* Verifies a token; sets id->user or a 401. */
static int
verify(struct bridge *b, const char *tok, struct ident *id)
{
	int rc = auth_jwt_verify(b->keys, tok, strlen(tok),
	    b->cfg->jwt_user_claim, NULL, &id->user, NULL);

	if (rc == MT_ENOMEM)
		return rc;
	if (rc != 0)
		return refuse(id, 401, NULL, "Invalid token");
	return 0;
}

static int
ident_ws(struct bridge *b, struct lws *wsi, struct ident *id)
{
	char *v;
	int rc;

	if (b->cfg->jwt_enabled) {
		if ((v = ident_arg(wsi, "token")) == NULL)
			return refuse(id, 401, NULL,
			    "token query parameter required");
		rc = verify(b, v, id);
		mt_free(v);
		return rc;
	}
	if ((v = ident_arg(wsi, "user_id")) == NULL)
		return refuse(id, 400, NULL, "Missing user_id query parameter");
	if (*v == '\0') {
		mt_free(v);
		return refuse(id, 400, NULL, "user_id cannot be empty");
	}
	id->user = v;
	return 0;
}

/* The REST user_id (or its alias sender_id), first one present. */
static char *
rest_user(struct lws *wsi)
{
	char *v = ident_arg(wsi, "user_id");

	return v != NULL ? v : ident_arg(wsi, "sender_id");
}

static int
ident_poll(struct bridge *b, struct lws *wsi, struct ident *id)
{
	char hdr[AUTH_JWT_MAX / 8], *v;
	int n, rc;

	if (b->cfg->jwt_enabled) {
		n = lws_hdr_copy(wsi, hdr, sizeof(hdr),
		    WSI_TOKEN_HTTP_AUTHORIZATION);
		if (n < 7 || strncmp(hdr, "Bearer ", 7) != 0)
			return refuse(id, 401, NULL,
			    "Authorization header required");
		if ((rc = verify(b, hdr + 7, id)) != 0 || id->status != 0)
			return rc;
		if ((v = rest_user(wsi)) != NULL && strcmp(v, id->user) != 0)
			refuse(id, 403, "FORBIDDEN",
			    "user_id does not match token");
		mt_free(v);
		return 0;
	}
	if ((v = rest_user(wsi)) == NULL)
		return refuse(id, 400, "BAD_REQUEST",
		    "user_id query parameter required");
	if (*v == '\0') {
		mt_free(v);
		return refuse(id, 400, "BAD_REQUEST",
		    "user_id cannot be empty");
	}
	id->user = v;
	return 0;
}

int
ident_get(struct bridge *b, struct lws *wsi, enum ident_kind kind,
    struct ident *id)
{
	int rc;

	memset(id, 0, sizeof(*id));
	rc = kind == IDENT_WS ? ident_ws(b, wsi, id) : ident_poll(b, wsi, id);
	if (rc != 0 || id->status != 0) {
		mt_free(id->user);
		id->user = NULL;
	}
	if (rc != 0)
		refuse(id, 503, "SERVICE_UNAVAILABLE", "Out of memory");
	return rc;
}

#define HEADER_ROOM	512	/* bytes for the response headers */

/* The headers of an answer (with CORS when asked for), finalized. */
static int
http_headers(struct lws *wsi, int status, const char *ctype, size_t len,
    unsigned char **pp, unsigned char *end)
{
	const struct conn *c = lws_wsi_user(wsi);
	unsigned char *p = *pp;
	int rc;

	rc = lws_add_http_common_headers(wsi, (unsigned int)status, ctype,
	    (lws_filepos_t)len, &p, end) ||
	    lws_add_http_header_by_token(wsi, WSI_TOKEN_HTTP_CACHE_CONTROL,
	    (const unsigned char *)"no-store", 8, &p, end) ||
	    (c != NULL && c->cors != NULL && (lws_add_http_header_by_name(wsi,
	    (const unsigned char *)"access-control-allow-origin:",
	    (const unsigned char *)c->cors, (int)strlen(c->cors), &p, end) ||
	    (strcmp(c->cors, "*") != 0 && lws_add_http_header_by_name(wsi,
	    (const unsigned char *)"vary:", (const unsigned char *)"Origin",
	    6, &p, end)))) ||
	    lws_finalize_http_header(wsi, &p, end);
	*pp = p;
	return rc ? -1 : 0;
}

/*
 * The headers and the body go out in one write, as one segment: a second
 * write per answer cost a system call and a wake-up of the client each,
 * which at thousands of long-polls answered at once was a third of it.
 */
int
http_reply(struct lws *wsi, int status, const char *ctype, const char *body,
    size_t len)
{
	unsigned char *buf, *start, *p, *end;
	int rc;

	if ((buf = mt_malloc(LWS_PRE + HEADER_ROOM + len)) == NULL)
		return -1;
	start = p = buf + LWS_PRE;
	end = start + HEADER_ROOM;
	if (http_headers(wsi, status, ctype, len, &p, end) != 0) {
		mt_free(buf);
		return -1;
	}
	if (len > 0)
		memcpy(p, body, len);
	p += len;
	rc = lws_write(wsi, start, (size_t)(p - start), LWS_WRITE_HTTP_HEADERS);
	mt_free(buf);
	return rc == (int)(p - start) ? 0 : -1;
}

int
http_refuse(struct lws *wsi, const struct ident *id)
{
	json_t *o;
	char *text;
	int rc;

	if (!id->json)
		return http_reply(wsi, id->status, "text/plain; charset=utf-8",
		    id->message, strlen(id->message));
	o = json_pack("{s:{s:s,s:s}}", "error", "code", id->code, "message",
	    id->message);
	if (o == NULL || (text = json_encode(o)) == NULL) {
		json_decref(o);
		return -1;
	}
	rc = http_reply(wsi, id->status, "application/json", text,
	    strlen(text));
	mt_free(text);
	json_decref(o);
	return rc;
}

int
http_rate_limited(struct bridge *b, struct lws *wsi, const char *user)
{
	static const char body[] = "{\"error\":{\"code\":\"RATE_LIMIT_EXCEEDED\","
	    "\"message\":\"Too many requests. Please slow down.\"}}";

	if (b->rl == NULL || ratelimit_take_user(b->rl, user, NULL))
		return 0;
	return http_reply(wsi, 429, "application/json", body,
	    sizeof(body) - 1) ? -1 : 1;
}
