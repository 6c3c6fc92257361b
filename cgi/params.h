/*
 * params.h — typed access to a request's query string and JSON body, each
 * answering the framework-level errors of docs/errors.md#plain itself
 * (plain-text 400 for a bad query, 422 for a body of the wrong shape) — and the
 * wake-up after a committed write.
 */
#ifndef MT_PARAMS_H
#define MT_PARAMS_H

#include <stdbool.h>
#include <stdint.h>

#include "id.h"
#include "req.h"

/* Return values: 0 found, 1 absent, -1 already answered (bad input). */
int	q_str(struct req *r, const char *key, char **out);	/* mt_free */
int	q_long(struct req *r, const char *key, long *out);
int	q_bool(struct req *r, const char *key, bool *out);
int	q_uuid(struct req *r, const char *key, char out[ID_BUF]);

#define FIELD_REQUIRED	0x1	/* absent is a 422 */
#define FIELD_NULLABLE	0x2	/* null is accepted (as absent) */

/* The body must be a JSON object: 0, or -1 after a 422. */
int	body_object(struct req *r);
/* A string member; *out NULL when absent or null. 0 or -1 (answered). */
int	body_str(struct req *r, const char *key, unsigned flags,
	    const char **out);
int	body_bool(struct req *r, const char *key, unsigned flags, bool *out,
	    bool *present);
/* A UUID member, parsed leniently; *present false when absent/null. */
int	body_uuid(struct req *r, const char *key, unsigned flags,
	    char out[ID_BUF], bool *present);
/* Answers 422 "Failed to deserialize the JSON body ...: detail". */
void	reply_shape(struct req *r, const char *detail);

/* After COMMIT: one best-effort datagram to the bridge. */
void	app_wake(struct app *app, int64_t seq);

#endif
