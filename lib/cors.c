/*
 * cors.c — which origins and methods CORS allows (docs/api.md#cors): a list of
 * `*` means any, else a comma-separated list compared without case.
 */
#include <string.h>
#include <strings.h>

#include "cfg.h"
#include "cors.h"

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

bool
cors_any(const char *list)
{
	return strcmp(list, "*") == 0;
}

bool
cors_safe(const char *s)
{
	for (; *s; s++)
		if ((unsigned char)*s < 0x20 || (unsigned char)*s > 0x7e)
			return false;
	return true;
}

const char *
cors_allow_origin(const struct cfg *c, const char *origin)
{
	if (origin == NULL || !cors_safe(origin))
		return NULL;
	if (cors_any(c->cors_origins))
		return "*";
	return list_has(c->cors_origins, origin, strlen(origin)) ? origin :
	    NULL;
}

bool
cors_allow_method(const struct cfg *c, const char *method)
{
	return method != NULL && cors_safe(method) &&
	    (cors_any(c->cors_methods) ||
	    list_has(c->cors_methods, method, strlen(method)));
}
