/*
 * cors_http.c — Cross-Origin Resource Sharing in mtchat.fcgi, by the rules
 * of lib/cors.c (docs/api.md#cors). With the default `*` header list the
 * preflight reflects the requested headers, so
 * Authorization, Content-Type and X-Scope-Config work cross-origin (a bare
 * `Access-Control-Allow-Headers: *` would not cover Authorization).
 */
#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "cfg.h"
#include "cors.h"
#include "cors_http.h"
#include "req.h"

void
cors_headers(struct req *r, const struct cfg *c)
{
	const char *allow = cors_allow_origin(c, r->origin);

	if (allow == NULL)
		return;
	reply_header(r, "Access-Control-Allow-Origin", allow);
	if (!cors_any(c->cors_origins))
		reply_header(r, "Vary", "Origin");
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
	if (cors_allow_origin(c, r->origin) == NULL ||
	    !cors_allow_method(c, r->acr_method)) {
		reply_empty(r, 200);	/* no CORS headers: the browser refuses */
		return true;
	}
	reply_header(r, "Access-Control-Allow-Methods", cors_any(c->cors_methods) ?
	    r->acr_method : c->cors_methods);
	if (cors_any(c->cors_headers)) {
		if (r->acr_headers != NULL && cors_safe(r->acr_headers))
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
