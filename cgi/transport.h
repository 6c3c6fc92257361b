/*
 * transport.h — how a request reaches req.c: FastCGI (libfcgi streams) or
 * plain CGI (the process environment, stdin and stdout), behind three calls.
 */
#ifndef MT_TRANSPORT_H
#define MT_TRANSPORT_H

#include <stddef.h>

struct req;

struct transport {
	const char	*(*getenv)(void *ctx, const char *name);
	long		 (*read)(void *ctx, char *buf, size_t len);
	int		 (*write)(void *ctx, const char *buf, size_t len);
	void		*ctx;
};

/*
 * Fills r from t: method, headers, the route path, and the body unless it
 * is over max_body (then r is already answered with 413). 0 or MT_ENOMEM.
 */
int	req_fill(struct req *r, const struct transport *t, long max_body);
/* Writes the CGI response (Status, headers, body) of r to t. */
int	req_write(struct req *r, const struct transport *t);

#endif
