/*
 * cors.h — the CORS rules of docs/api.md#cors, shared by mtchat.fcgi and the
 * bridge's long-poll: which origins and methods are allowed.
 */
#ifndef MT_CORS_RULES_H
#define MT_CORS_RULES_H

#include <stdbool.h>

struct cfg;

/*
 * The Access-Control-Allow-Origin value for a request from origin: "*",
 * origin itself (then the answer must also say Vary: Origin), or NULL when
 * there is no origin or it is not allowed.
 */
const char	*cors_allow_origin(const struct cfg *c, const char *origin);
/* Whether a preflight may announce method. */
bool		 cors_allow_method(const struct cfg *c, const char *method);
/* Whether a request value may be echoed in a header (visible ASCII). */
bool		 cors_safe(const char *s);
/* Whether a configured list is exactly "*". */
bool		 cors_any(const char *list);

#endif
