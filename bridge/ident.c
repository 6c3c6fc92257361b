/*
 * ident.c — who is asking, with the same rules as mtchat.fcgi: the raw query
 * string that accept.c kept, read by lib/url.c and lib/reqargs.c (a user id is
 * %XX-decoded with '+' kept, F18), and the token check of lib/auth.c. The
 * WebSocket takes ?user_id= (legacy) or ?token= (JWT) and is refused before the
 * upgrade in plain text ( docs/websocket.md#connecting); the long-poll follows
 * the REST rules of docs/api.md#user and #jwt-mode (Authorization: Bearer in
 * JWT mode). Failed token checks count against the client address's
 * AUTH_FAILURES_PER_MINUTE, as in mtchat.fcgi.
 */
#include <arpa/inet.h>
#include <string.h>

#include "auth.h"
#include "bridge.h"
#include "cfg.h"
#include "err.h"
#include "json.h"
#include "mem.h"
#include "ratelimit.h"
#include "url.h"

static int
refuse(struct ident *id, int status, const char *code, const char *msg)
{
	id->why.status = status;
	id->why.code = code;
	snprintf(id->why.msg, sizeof(id->why.msg), "%s", msg);
	return 0;
}

/* Whether addr (text) is one of the comma-separated TRUSTED_PROXIES. */
static bool
trusted(const struct cfg *c, const char *addr)
{
	const char *p = c->trusted_proxies, *e;
	size_t n = strlen(addr);

	for (; p != NULL && *p != '\0'; p = *e ? e + 1 : e) {
		while (*p == ' ')
			p++;
		if ((e = strchr(p, ',')) == NULL)
			e = p + strlen(p);
		if ((size_t)(e - p) == n && memcmp(p, addr, n) == 0)
			return true;
	}
	return false;
}

/*
 * The client's address: the peer, or, when the peer is a trusted proxy,
 * the last address of its X-Forwarded-For (the one that proxy added).
 */
static void
client_addr(struct bridge *b, struct lws *wsi, char *out, size_t len)
{
	char xff[256], *last;
	unsigned char bin[16];

	lws_get_peer_simple(wsi, out, len);
	if (!trusted(b->cfg, out) || lws_hdr_copy(wsi, xff, sizeof(xff),
	    WSI_TOKEN_X_FORWARDED_FOR) <= 0)
		return;
	last = strrchr(xff, ',');
	last = last != NULL ? last + 1 : xff;
	while (*last == ' ')
		last++;
	if (strlen(last) < len && (inet_pton(AF_INET, last, bin) == 1 ||
	    inet_pton(AF_INET6, last, bin) == 1))
		memcpy(out, last, strlen(last) + 1);
}

/* Verifies a token; sets id->user, or a refusal (401, or 429). */
static int
verify(struct bridge *b, struct lws *wsi, const char *tok, size_t len,
    struct ident *id)
{
	struct auth_claims c = { .user_claim = b->cfg->jwt_user_claim };
	char addr[64];
	int rc;

	client_addr(b, wsi, addr, sizeof(addr));
	if (b->authfail != NULL && !ratelimit_has(b->authfail, addr))
		return refuse(id, 429, "RATE_LIMIT_EXCEEDED", "Too many failed "
		    "authentication attempts. Please slow down.");
	rc = auth_jwt_verify(b->keys, tok, len, &c);
	id->user = c.user_id;
	if (rc == MT_ENOMEM)
		return rc;
	if (rc != 0) {
		if (b->authfail != NULL)
			(void)ratelimit_take(b->authfail, addr);
		return refuse(id, 401, NULL, "Invalid token");
	}
	return 0;
}

static int
ident_ws(struct bridge *b, struct lws *wsi, const char *query,
    struct ident *id)
{
	char *v;
	int rc;

	if (b->cfg->jwt_enabled) {
		rc = url_query_get(query, "token", &v);
		if (rc == MT_ENOTFOUND)
			return refuse(id, 401, NULL,
			    "token query parameter required");
		if (rc == MT_EINVAL)
			return refuse(id, 401, NULL, "Invalid token");
		if (rc != 0)
			return rc;
		rc = verify(b, wsi, v, strlen(v), id);
		mt_free(v);
		return rc;
	}
	rc = url_query_user(query, &v);
	if (rc == MT_ENOTFOUND)
		return refuse(id, 400, NULL, "Missing user_id query parameter");
	if (rc == MT_EINVAL)
		return refuse(id, 400, NULL, "user_id is not valid UTF-8");
	if (rc != 0)
		return rc;
	if (*v == '\0') {
		mt_free(v);
		return refuse(id, 400, NULL, "user_id cannot be empty");
	}
	id->user = v;
	return 0;
}

static int
ident_poll(struct bridge *b, struct lws *wsi, const char *query,
    struct ident *id)
{
	char hdr[AUTH_JWT_MAX / 8];
	int n, rc;

	if (!b->cfg->jwt_enabled) {
		rc = reqargs_user(query, &id->user, &id->why);
		return rc == MT_EINVAL ? 0 : rc;
	}
	n = lws_hdr_copy(wsi, hdr, sizeof(hdr), WSI_TOKEN_HTTP_AUTHORIZATION);
	if (n < 7 || strncmp(hdr, "Bearer ", 7) != 0)
		return refuse(id, 401, NULL, "Authorization header required");
	if ((rc = verify(b, wsi, hdr + 7, (size_t)n - 7, id)) != 0 ||
	    id->why.status != 0)
		return rc;
	rc = reqargs_user_matches(query, id->user, &id->why);
	return rc == MT_EINVAL || rc == MT_EFORBIDDEN ? 0 : rc;
}

int
ident_get(struct bridge *b, struct lws *wsi, const char *query,
    enum ident_kind kind, struct ident *id)
{
	int rc;

	memset(id, 0, sizeof(*id));
	rc = kind == IDENT_WS ? ident_ws(b, wsi, query, id) :
	    ident_poll(b, wsi, query, id);
	if (rc != 0 || id->why.status != 0) {
		mt_free(id->user);
		id->user = NULL;
	}
	if (rc != 0)
		refuse(id, 503, "SERVICE_UNAVAILABLE", "Out of memory");
	return rc;
}

#define HEADER_ROOM	512	/* bytes for the response headers */

/* The headers of answer a (with CORS when asked for), finalized. */
static int
http_headers(struct lws *wsi, const struct http_answer *a,
    unsigned char **pp, unsigned char *end)
{
	const struct conn *c = lws_wsi_user(wsi);
	const char *retry_after = a->retry_after;
	unsigned char *p = *pp;
	int rc;

	rc = lws_add_http_common_headers(wsi, (unsigned int)a->status,
	    a->ctype, (lws_filepos_t)a->len, &p, end) ||
	    lws_add_http_header_by_token(wsi, WSI_TOKEN_HTTP_CACHE_CONTROL,
	    (const unsigned char *)"no-store", 8, &p, end) ||
	    lws_add_http_header_by_token(wsi, WSI_TOKEN_CONNECTION,
	    (const unsigned char *)"close", 5, &p, end) ||
	    (retry_after != NULL && lws_add_http_header_by_token(wsi,
	    WSI_TOKEN_HTTP_RETRY_AFTER, (const unsigned char *)retry_after,
	    (int)strlen(retry_after), &p, end)) ||
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
 * Every answer closes its connection (accept.c reads each request), and
 * the headers and the body go out in one write, as one segment: a second
 * write per answer would cost a system call and a wake-up of the client
 * each, which counts when thousands of long-polls are answered at once.
 */
int
http_send(struct lws *wsi, const struct http_answer *a)
{
	unsigned char *buf, *start, *p, *end;
	int rc;

	if ((buf = mt_malloc(LWS_PRE + HEADER_ROOM + a->len)) == NULL)
		return -1;
	start = p = buf + LWS_PRE;
	end = start + HEADER_ROOM;
	if (http_headers(wsi, a, &p, end) != 0) {
		mt_free(buf);
		return -1;
	}
	if (a->len > 0)
		memcpy(p, a->body, a->len);
	p += a->len;
	rc = lws_write(wsi, start, (size_t)(p - start), LWS_WRITE_HTTP_HEADERS);
	mt_free(buf);
	return rc == (int)(p - start) ? 0 : -1;
}

int
http_reply(struct lws *wsi, int status, const char *ctype, const char *body,
    size_t len)
{
	return http_send(wsi, &(struct http_answer){ status, ctype, body, len,
	    NULL });
}

int
http_refuse(struct lws *wsi, const struct refusal *why)
{
	const char *retry = why->status == 429 ? "60" :
	    why->status == 503 ? "1" : NULL;
	json_t *o;
	char *text;
	int rc;

	if (why->code == NULL)
		return http_send(wsi, &(struct http_answer){ why->status,
		    "text/plain; charset=utf-8", why->msg, strlen(why->msg),
		    retry });
	o = json_pack("{s:{s:s,s:s}}", "error", "code", why->code, "message",
	    why->msg);
	if (o == NULL || (text = json_encode(o)) == NULL) {
		json_decref(o);
		return -1;
	}
	rc = http_send(wsi, &(struct http_answer){ why->status,
	    "application/json", text, strlen(text), retry });
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
	return http_send(wsi, &(struct http_answer){ 429, "application/json",
	    body, sizeof(body) - 1, "1" }) ? -1 : 1;
}
