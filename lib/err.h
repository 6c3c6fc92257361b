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
};

/* Returns a static, human-readable name for an MT_E* code. */
const char	*mt_strerror(int code);

#endif
