/*
 * route.c — matches a request against the route tables and runs the checks
 * of docs/api.md#order in order: CORS preflight, rate limit, route (404/405),
 * bearer token or admin token, then the extractors (user_id, X-Scope-Config,
 * path, body) — the first failing step decides the response.
 */
#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "auth.h"
#include "cfg.h"
#include "cors_http.h"
#include "err.h"
#include "json.h"
#include "log.h"
#include "mem.h"
#include "ratelimit.h"
#include "route.h"
#include "sanitize.h"
#include "scope.h"
#include "store.h"
#include "url.h"

#define MAX_SEGS	12

static const struct route *const tables[] = {
	health_routes, dialog_routes, message_routes, manage_routes,
	event_routes, file_routes,
};

struct segs {
	const char	*s[MAX_SEGS];
	size_t		 len[MAX_SEGS];
	int		 n;
};

/* Splits "/a/b/c" into segments; -1 when there are too many. */
static int
split_path(const char *path, struct segs *sg)
{
	const char *p = path;

	sg->n = 0;
	if (*p == '/')
		p++;
	while (*p) {
		const char *slash = strchr(p, '/');
		size_t len = slash ? (size_t)(slash - p) : strlen(p);

		if (sg->n == MAX_SEGS)
			return -1;
		sg->s[sg->n] = p;
		sg->len[sg->n++] = len;
		p += len;
		if (*p == '/')
			p++;
	}
	return 0;
}

static int
is_param(const char *seg, size_t len)
{
	return len >= 2 && seg[0] == '{' && seg[len - 1] == '}';
}

/*
 * Whether pattern matches the path segments; *spec gets a bit per literal
 * segment (earlier segments weigh more), so "by-object" beats "{id}".
 */
static int
pattern_matches(const char *pattern, const struct segs *sg, unsigned *spec)
{
	struct segs pt;
	int i;

	if (split_path(pattern, &pt) != 0 || pt.n != sg->n)
		return 0;
	*spec = 0;
	for (i = 0; i < pt.n; i++) {
		*spec <<= 1;
		if (is_param(pt.s[i], pt.len[i])) {
			if (sg->len[i] == 0)
				return 0;
			continue;
		}
		if (pt.len[i] != sg->len[i] ||
		    memcmp(pt.s[i], sg->s[i], sg->len[i]) != 0)
			return 0;
		*spec |= 1;
	}
	return 1;
}

/*
 * Finds the route: NULL with *status 404 (no path matches) or 405 (the path
 * matches under other methods, listed in allow).
 */
static const struct route *
route_find(const struct req *r, const struct segs *sg, char *allow,
    size_t allowlen, int *status)
{
	const struct route *best = NULL, *rt;
	const char *best_pattern = NULL;
	unsigned spec, best_spec = 0;
	size_t t;

	for (t = 0; t < sizeof(tables) / sizeof(tables[0]); t++)
		for (rt = tables[t]; rt->method != NULL; rt++)
			if (pattern_matches(rt->pattern, sg, &spec) &&
			    (best_pattern == NULL || spec > best_spec)) {
				best_pattern = rt->pattern;
				best_spec = spec;
			}
	*allow = '\0';
	*status = 404;
	if (best_pattern == NULL)
		return NULL;
	for (t = 0; t < sizeof(tables) / sizeof(tables[0]); t++)
		for (rt = tables[t]; rt->method != NULL; rt++) {
			if (strcmp(rt->pattern, best_pattern) != 0)
				continue;
			if (strcmp(rt->method, r->method) == 0)
				best = rt;
			if (*allow)
				strncat(allow, ",", allowlen - strlen(allow) - 1);
			strncat(allow, rt->method, allowlen - strlen(allow) - 1);
		}
	*status = best ? 200 : 405;
	return best;
}

/* S10: one token from the bucket of key (the client address if NULL). */
static int
ratelimit_check(struct req *r, struct app *app, const char *key)
{
	if (app->rl == NULL ||
	    ratelimit_take_user(app->rl, key, r->remote_addr))
		return 0;
	reply_header(r, "Retry-After", "1");
	reply_error(r, 429, "RATE_LIMIT_EXCEEDED",
	    "Too many requests. Please slow down.");
	return -1;
}

/* The bearer token of an Authorization header, or NULL. */
static const char *
bearer(const char *header)
{
	if (header == NULL || strncmp(header, "Bearer ", 7) != 0)
		return NULL;
	return header + 7;
}

/*
 * Failed token checks are limited per client address, before the check:
 * an address past AUTH_FAILURES_PER_MINUTE gets 429 without its token
 * being looked at, so guessing costs a minute per few tries.
 */
static int
auth_allowed(struct req *r, struct app *app)
{
	if (app->authfail == NULL || r->remote_addr == NULL ||
	    ratelimit_has(app->authfail, r->remote_addr))
		return 0;
	reply_header(r, "Retry-After", "60");
	reply_error(r, 429, "RATE_LIMIT_EXCEEDED",
	    "Too many failed authentication attempts. Please slow down.");
	return -1;
}

static void
auth_failed(struct req *r, struct app *app)
{
	if (app->authfail != NULL && r->remote_addr != NULL)
		(void)ratelimit_take(app->authfail, r->remote_addr);
}

static int
check_admin(struct req *r, struct app *app)
{
	const char *configured = app->cfg->admin_token, *tok;

	if (configured == NULL || *configured == '\0')
		return 0;
	if (r->authorization == NULL) {
		reply_error(r, 401, "UNAUTHORIZED",
		    "Authorization header required");
		return -1;
	}
	if ((tok = bearer(r->authorization)) == NULL) {
		reply_error(r, 401, "UNAUTHORIZED",
		    "Invalid authorization format. Use: Bearer <token>");
		return -1;
	}
	if (auth_allowed(r, app) != 0)
		return -1;
	if (auth_admin_token_ok(configured, tok, strlen(tok)) != 0) {
		auth_failed(r, app);
		reply_error(r, 403, "FORBIDDEN", "Invalid admin token");
		return -1;
	}
	return 0;
}

/* JWT mode: the token decides who the user is (S1) and their scopes (S4). */
static int
check_jwt(struct req *r, struct app *app, const struct route *rt,
    json_t **scope_claim)
{
	const char *tok = bearer(r->authorization);
	struct auth_claims c = { .user_claim = app->cfg->jwt_user_claim,
	    .scope_claim = app->cfg->jwt_scope_claim };
	int rc;

	if (tok == NULL) {
		reply_plain(r, 401, "Authorization header required");
		return -1;
	}
	if (auth_allowed(r, app) != 0)
		return -1;
	rc = auth_jwt_verify(app->keys, tok, strlen(tok), &c);
	*scope_claim = c.scope;
	if (rc == MT_ENOMEM) {
		reply_failure(r, rc);
		return -1;
	}
	if (rc != 0) {
		auth_failed(r, app);
		reply_plain(r, 401, "Invalid token");
		return -1;
	}
	if (rt->auth == AUTH_USER)
		r->user = c.user_id;
	else
		mt_free(c.user_id);
	return 0;
}

/* Legacy mode's user_id, or JWT mode's check that it agrees (S1). */
static int
extract_user(struct req *r, struct app *app)
{
	struct refusal why;
	char *user = NULL;
	int rc;

	if (app->cfg->jwt_enabled)
		rc = reqargs_user_matches(r->query, r->user, &why);
	else if ((rc = reqargs_user(r->query, &user, &why)) == 0)
		r->user = user;
	if (rc == MT_EINVAL || rc == MT_EFORBIDDEN)
		reply_refusal(r, &why);
	else if (rc != 0)
		reply_failure(r, rc);
	return rc == 0 ? 0 : -1;
}

static int
extract_scopes(struct req *r, const struct route *rt, json_t *claim)
{
	int rc;

	if (rt->scope == SCOPE_IGNORED)
		return 0;
	if (claim != NULL) {
		if (scope_from_json(claim, &r->scopes) == 0)
			return 0;
		reply_plain(r, 401, "Invalid token");
		return -1;
	}
	rc = scope_parse_header(r->scope_header, &r->scopes);
	switch (rc) {
	case SCOPE_HDR_OK:
		return 0;
	case SCOPE_HDR_ABSENT:
		if (rt->scope != SCOPE_REQUIRED)
			return 0;
		reply_error(r, 400, "BAD_REQUEST",
		    "X-Scope-Config header required");
		return -1;
	case SCOPE_HDR_BAD_BASE64:
		reply_error(r, 400, "BAD_REQUEST",
		    "Invalid X-Scope-Config: not valid base64");
		return -1;
	case SCOPE_HDR_BAD_JSON:
		reply_error(r, 400, "BAD_REQUEST",
		    "Invalid X-Scope-Config: not valid JSON");
		return -1;
	default:
		reply_failure(r, rc);
		return -1;
	}
}

/* Path parameters: UUIDs parsed leniently, other segments decoded (F18). */
static int
extract_path(struct req *r, const struct route *rt, const struct segs *sg)
{
	struct segs pt;
	char msg[128];
	size_t len;
	int i;

	split_path(rt->pattern, &pt);
	for (i = 0; i < pt.n; i++) {
		if (!is_param(pt.s[i], pt.len[i]))
			continue;
		if (r->nparams == REQ_MAX_PARAMS)
			break;
		r->params[r->nparams] = url_decode(sg->s[i], sg->len[i], false,
		    &len);
		if (r->params[r->nparams] == NULL) {
			reply_failure(r, MT_ENOMEM);
			return -1;
		}
		r->nparams++;
		if (strlen(r->params[r->nparams - 1]) != len ||
		    !utf8_valid(r->params[r->nparams - 1], len)) {
			reply_plain(r, 400, "Invalid URL: path segment is not "
			    "valid UTF-8");
			return -1;
		}
		if (strncmp(pt.s[i], "{id}", pt.len[i]) == 0 &&
		    id_parse(r->params[r->nparams - 1], len,
		    r->ids[r->nparams - 1]) != 0) {
			snprintf(msg, sizeof(msg), "Invalid URL: Cannot parse "
			    "`%.40s` to a UUID", r->params[r->nparams - 1]);
			reply_plain(r, 400, msg);
			return -1;
		}
	}
	return 0;
}

/*
 * application/json or any application/...+json, parameters allowed
 * (docs/api.md#conventions).
 */
static int
is_json_type(const char *ct)
{
	size_t len;
	const char *semi;

	if (ct == NULL)
		return 0;
	while (*ct == ' ')
		ct++;
	semi = strchr(ct, ';');
	len = semi ? (size_t)(semi - ct) : strlen(ct);
	while (len > 0 && ct[len - 1] == ' ')
		len--;
	if (len == 16 && strncasecmp(ct, "application/json", 16) == 0)
		return 1;
	return len > 17 && strncasecmp(ct, "application/", 12) == 0 &&
	    strncasecmp(ct + len - 5, "+json", 5) == 0;
}

static int
extract_body(struct req *r)
{
	char err[160], msg[256];

	if (!is_json_type(r->content_type)) {
		reply_plain(r, 415, "Expected request with `Content-Type: "
		    "application/json`");
		return -1;
	}
	if (r->body_len == 0) {
		reply_plain(r, 400, "Failed to parse the request body as JSON: "
		    "EOF while parsing a value at line 1 column 0");
		return -1;
	}
	r->json = json_parse(r->body, r->body_len, err, sizeof(err));
	if (r->json == NULL) {
		snprintf(msg, sizeof(msg), "Failed to parse the request body "
		    "as JSON: %s", err);
		reply_plain(r, 400, msg);
		return -1;
	}
	return 0;
}

void
route_dispatch(struct req *r, struct app *app)
{
	const struct route *rt;
	struct segs sg;
	json_t *claim = NULL;
	char allow[128];
	int status = 404;

	store_error_clear();
	cors_headers(r, app->cfg);
	if (cors_preflight(r, app->cfg))
		return;
	if (split_path(r->path, &sg) != 0 ||
	    (rt = route_find(r, &sg, allow, sizeof(allow), &status)) == NULL) {
		if (ratelimit_check(r, app, NULL) != 0)
			return;
		if (status == 405)
			reply_header(r, "Allow", allow);
		reply_empty(r, status == 405 ? 405 : 404);
		return;
	}
	if (rt->auth == AUTH_ADMIN && check_admin(r, app) != 0)
		return;
	if ((rt->auth == AUTH_USER || rt->auth == AUTH_TOKEN_ONLY) &&
	    app->cfg->jwt_enabled && check_jwt(r, app, rt, &claim) != 0)
		goto out;
	if (rt->auth == AUTH_USER && extract_user(r, app) != 0)
		goto out;
	/* One bucket per acting user, or per address before identity (S10). */
	if (ratelimit_check(r, app, r->user) != 0)
		goto out;
	if (extract_scopes(r, rt, claim) != 0 ||
	    extract_path(r, rt, &sg) != 0 ||
	    (rt->json_body && extract_body(r) != 0))
		goto out;
	rt->fn(r, app);
	if (!r->answered) {
		log_warnx("%s: %s %s: handler gave no answer", __func__,
		    r->method, rt->pattern);
		reply_failure(r, MT_EIO);
	}
out:
	json_decref(claim);
}
