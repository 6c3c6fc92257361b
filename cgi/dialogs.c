/* dialogs.c — the dialog endpoints of the Chat API (C1–C13). */
#include "route.h"

const struct route dialog_routes[] = {
	{ NULL, NULL, NULL, AUTH_NONE, SCOPE_IGNORED, false }
};
