/*
 * cors.c — Cross-Origin Resource Sharing as API.md §3.8 describes. With the
 * default `*` header list the preflight reflects the requested headers, so
 * Authorization, Content-Type and X-Scope-Config work cross-origin (a bare
 * `Access-Control-Allow-Headers: *` would not cover Authorization).
 */
#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "cfg.h"
#include "cors.h"
#include "req.h"

/* Whether item (len bytes) is in the comma-separated list (no case). */
static bool
list_has(const char *list, const char *item, size_t len)
{
	const char *p = list;

	while (*p) {
		const char *comma = strchr(p, ',');
		const char *end = comma ? comma : p + strlen(p);
		const char *b = p, *e = end;

		while (b < e && (*b == ' ' || *b == '\t'))
			b++;
		while (e > b && (e[-1] == ' ' || e[-1] == '\t'))
			e--;
		if ((size_t)(e - b) == len && strncasecmp(b, item, len) == 0)
			return true;
		if (!comma)
			break;
		p = comma + 1;
	}
	return false;
}

static bool
is_any(const char *list)
{
	return strcmp(list, "*") == 0;
}

/* Header values we echo must be plain visible ASCII (no CR/LF injection). */
static bool
safe_value(const char *s)
{
	for (; *s; s++)
		if ((unsigned char)*s < 0x20 || (unsigned char)*s > 0x7e)
			return false;
	return true;
}

static bool
origin_allowed(const struct req *r, const struct cfg *c)
{
	return r->origin != NULL && safe_value(r->origin) &&
	    (is_any(c->cors_origins) ||
	    list_has(c->cors_origins, r->origin, strlen(r->origin)));
}

void
cors_headers(struct req *r, const struct cfg *c)
{
	if (!origin_allowed(r, c))
		return;
	if (is_any(c->cors_origins))
		reply_header(r, "Access-Control-Allow-Origin", "*");
	else {
		reply_header(r, "Access-Control-Allow-Origin", r->origin);
		reply_header(r, "Vary", "Origin");
	}
	if (c->cors_credentials)
		reply_header(r, "Access-Control-Allow-Credentials", "true");
}

bool
cors_preflight(struct req *r, const struct cfg *c)
{
	char age[24];

	if (strcmp(r->method, "OPTIONS") != 0 || r->origin == NULL ||
	    r->acr_method == NULL)
		return false;
	if (!origin_allowed(r, c) || !safe_value(r->acr_method) ||
	    (!is_any(c->cors_methods) && !list_has(c->cors_methods,
	    r->acr_method, strlen(r->acr_method)))) {
		reply_empty(r, 200);	/* no CORS headers: the browser refuses */
		return true;
	}
	reply_header(r, "Access-Control-Allow-Methods", is_any(c->cors_methods) ?
	    r->acr_method : c->cors_methods);
	if (is_any(c->cors_headers)) {
		if (r->acr_headers != NULL && safe_value(r->acr_headers))
			reply_header(r, "Access-Control-Allow-Headers",
			    r->acr_headers);
	} else
		reply_header(r, "Access-Control-Allow-Headers", c->cors_headers);
	snprintf(age, sizeof(age), "%ld", c->cors_max_age);
	reply_header(r, "Access-Control-Max-Age", age);
	reply_header(r, "Vary", "Origin, Access-Control-Request-Method, "
	    "Access-Control-Request-Headers");
	reply_empty(r, 200);
	return true;
}
