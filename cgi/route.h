/*
 * route.h — the route tables of mtchat.fcgi. Each resource file (dialogs.c,
 * messages.c, manage.c, ...) exports one table; route.c matches a request
 * against all of them and runs the checks of docs/api.md#order in order before
 * calling the handler.
 */
#ifndef MT_ROUTE_H
#define MT_ROUTE_H

#include "req.h"

enum route_auth {
	AUTH_NONE,		/* health */
	AUTH_USER,		/* Chat API: JWT in JWT mode, acting user */
	AUTH_TOKEN_ONLY,	/* Chat API without user_id (C16, C20) */
	AUTH_ADMIN,		/* Management API: admin token */
};

enum route_scope {
	SCOPE_IGNORED,		/* never looks at X-Scope-Config */
	SCOPE_OPTIONAL,		/* parsed when present; malformed is 400 */
	SCOPE_REQUIRED,		/* absent is 400 */
};

/*
 * One endpoint. Pattern segments are literals, "{id}" (a UUID, parsed into
 * req->ids[i]) or "{s}" (any segment, percent-decoded into req->params[i]).
 */
struct route {
	const char	*method;
	const char	*pattern;
	handler_fn	 fn;
	enum route_auth	 auth;
	enum route_scope scope;
	bool		 json_body;	/* needs a JSON body */
};

extern const struct route health_routes[];
extern const struct route dialog_routes[];
extern const struct route message_routes[];
extern const struct route manage_routes[];
extern const struct route event_routes[];
extern const struct route file_routes[];

/* Runs CORS, routing, identity and extraction, then the handler. */
void	route_dispatch(struct req *r, struct app *app);

#endif
