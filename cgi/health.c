/*
 * health.c — GET /health and GET /health/ready (docs/rest.md#health), no auth.
 */
#include "json.h"
#include "route.h"
#include "store.h"

/* GET /health */
static void
health(struct req *r, struct app *app)
{
	(void)app;
	reply_json(r, 200, json_pack("{s:s,s:s}", "status", "ok", "version",
	    MTCHAT_VERSION));
}

/* GET /health/ready */
static void
health_ready(struct req *r, struct app *app)
{
	if (store_ping(app->store) != 0) {
		reply_json(r, 503, json_pack("{s:s}", "status", "not_ready"));
		return;
	}
	reply_json(r, 200, json_pack("{s:s}", "status", "ready"));
}

const struct route health_routes[] = {
	{ "GET", "/health", health, AUTH_NONE, SCOPE_IGNORED, false },
	{ "GET", "/health/ready", health_ready, AUTH_NONE, SCOPE_IGNORED,
	  false },
	{ NULL, NULL, NULL, AUTH_NONE, SCOPE_IGNORED, false }
};
