/* events.c — polling the change-log: GET /api/v1/events (API.md N3). */
#include "route.h"

const struct route event_routes[] = {
	{ NULL, NULL, NULL, AUTH_NONE, SCOPE_IGNORED, false }
};
