/*
 * reqargs.h — the query-string rules of what mtchat.fcgi and mtchat-bridge
 * both answer: the acting user (docs/api.md#user, S1, F18) and the arguments of
 * GET /api/v1/events (N3). Both programs call these, so the same input
 * gets the same status and the same body from either.
 */
#ifndef MT_REQARGS_H
#define MT_REQARGS_H

#include <stdbool.h>
#include <stdint.h>

#define REFUSAL_MSG_LEN	160

/*
 * Why a request is refused: the HTTP status, the error code of the JSON
 * envelope (NULL: a plain-text body, as the framework errors of 
 * docs/errors.md#plain) and the message.
 */
struct refusal {
	int		 status;
	const char	*code;
	char		 msg[REFUSAL_MSG_LEN];
};

/*
 * A query number, as typed query parameters are parsed (form-decoded,
 * decimal, optional sign, no spaces). Returns 0 with *out, 1 when key is
 * absent, MT_EINVAL with why (400, plain text) or MT_ENOMEM.
 */
int	reqargs_long(const char *query, const char *key, long *out,
	    struct refusal *why);

/*
 * The acting user of legacy mode from the user_id (or sender_id) argument
 * (docs/api.md#user, F18: %XX decoded, '+' kept). Returns 0 with *user (free
 * with mt_free()), MT_EINVAL with why (400 BAD_REQUEST: missing, empty or not
 * UTF-8) or MT_ENOMEM.
 */
int	reqargs_user(const char *query, char **user, struct refusal *why);

/*
 * JWT mode (S1): a user_id argument, if any, must name the token's user.
 * Returns 0, MT_EFORBIDDEN with why (403 FORBIDDEN), MT_EINVAL with why
 * (400, not UTF-8) or MT_ENOMEM.
 */
int	reqargs_user_matches(const char *query, const char *token_user,
	    struct refusal *why);

#define EVENTS_TIMEOUT_DEFAULT	25	/* seconds held when absent */

/* The arguments of GET /api/v1/events (docs/differences.md N3). */
struct events_args {
	bool	 has_since;
	int64_t	 since;		/* when has_since: >= 0 */
	long	 timeout;	/* >= 0; the caller caps it */
};

/*
 * Parses since and timeout. Returns 0, MT_EINVAL with why (400: not a
 * number in plain text, negative as INVALID_INPUT) or MT_ENOMEM.
 */
int	reqargs_events(const char *query, struct events_args *a,
	    struct refusal *why);

#endif
