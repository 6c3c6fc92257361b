/*
 * cors_http.h — CORS headers and preflights of mtchat.fcgi (docs/api.md#cors).
 */
#ifndef MT_CORS_HTTP_H
#define MT_CORS_HTTP_H

#include <stdbool.h>

struct cfg;
struct req;

/* Adds Access-Control-Allow-Origin (and friends) when the origin is allowed. */
void	cors_headers(struct req *r, const struct cfg *c);
/* Answers a preflight OPTIONS request itself; true if it did. */
bool	cors_preflight(struct req *r, const struct cfg *c);

#endif
