/* messages.c — the message endpoints of the Chat API (C12, C14–C18). */
#include "route.h"

const struct route message_routes[] = {
	{ NULL, NULL, NULL, AUTH_NONE, SCOPE_IGNORED, false }
};
