/* err.h — the error codes every lib/ function returns (0 or a negative MT_E*). */
#ifndef MT_ERR_H
#define MT_ERR_H

enum {
	MT_OK		=  0,
	MT_EINVAL	= -1,	/* bad input */
	MT_ENOTFOUND	= -2,	/* no such row */
	MT_EFORBIDDEN	= -3,	/* not allowed for this user */
	MT_ECONFLICT	= -4,	/* already exists / constraint */
	MT_EBUSY	= -5,	/* database locked past busy_timeout */
	MT_ENOMEM	= -6,
	MT_EIO		= -7,	/* database or system error */
	MT_ESCHEMA	= -8,	/* schema version mismatch */
	MT_EFULL	= -9,	/* the disk (or the database's quota) is full */
	MT_ESTORAGE	= -10,	/* the storage failed an I/O; may pass */
};

/* Returns a static, human-readable name for an MT_E* code. */
const char	*mt_strerror(int code);

/* How an HTTP answer reports an MT_E* code (docs/errors.md). */
struct mt_http_error {
	int		 status;
	const char	*code;		/* of the error envelope */
	const char	*message;
	const char	*retry_after;	/* seconds, or NULL */
};

/*
 * The one table from MT_E* codes to HTTP: a client's mistake a 4xx, a
 * full disk 507, what passes (busy, out of memory, an I/O error) 503 with
 * Retry-After, anything else 500 "Internal server error".
 */
const struct mt_http_error *mt_http_error(int code);

#endif
