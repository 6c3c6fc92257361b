/*
 * reqargs.c — query-string rules shared by mtchat.fcgi and mtchat-bridge.
 * Both used to parse GET /api/v1/events on their own and disagreed
 * (since=-1 was a JSON error from one and plain text from the other, "+5"
 * a number for one only, '+' in a user id a space for the bridge); now
 * the raw query string goes through these functions in both.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "err.h"
#include "mem.h"
#include "reqargs.h"
#include "url.h"

static int
refuse(struct refusal *why, int status, const char *code, const char *msg)
{
	why->status = status;
	why->code = code;
	snprintf(why->msg, sizeof(why->msg), "%s", msg);
	return status == 403 ? MT_EFORBIDDEN : MT_EINVAL;
}

/*
 * The framework's plain-text refusal of a query argument
 * (docs/errors.md#plain).
 */
static int
refuse_query(struct refusal *why, const char *key, const char *detail)
{
	char msg[REFUSAL_MSG_LEN];

	snprintf(msg, sizeof(msg), "Failed to deserialize query string: "
	    "%.40s: %s", key, detail);
	return refuse(why, 400, NULL, msg);
}

/* Whether v is [+-]?[0-9]+ (strtol alone would skip leading spaces). */
static bool
decimal_form(const char *v)
{
	if (*v == '+' || *v == '-')
		v++;
	if (*v == '\0')
		return false;
	for (; *v != '\0'; v++)
		if (*v < '0' || *v > '9')
			return false;
	return true;
}

int
reqargs_long(const char *query, const char *key, long *out,
    struct refusal *why)
{
	char *v, *end;
	long n = 0;
	bool ok;
	int rc;

	if ((rc = url_query_get(query, key, &v)) == MT_ENOTFOUND)
		return 1;
	if (rc == MT_EINVAL)	/* decodes to a NUL byte */
		return refuse_query(why, key, "invalid value");
	if (rc != 0)
		return rc;
	if ((ok = decimal_form(v))) {
		errno = 0;
		n = strtol(v, &end, 10);
		ok = errno == 0 && *end == '\0';
	}
	mt_free(v);
	if (!ok)
		return refuse_query(why, key, "invalid digit found in string");
	*out = n;
	return 0;
}

int
reqargs_user(const char *query, char **user, struct refusal *why)
{
	int rc = url_query_user(query, user);

	if (rc == MT_ENOTFOUND)
		return refuse(why, 400, "BAD_REQUEST",
		    "user_id query parameter required");
	if (rc == MT_EINVAL)	/* raw bytes that are not UTF-8 */
		return refuse(why, 400, "BAD_REQUEST",
		    "user_id is not valid UTF-8");
	if (rc != 0)
		return rc;
	if (**user == '\0') {
		mt_free(*user);
		*user = NULL;
		return refuse(why, 400, "BAD_REQUEST",
		    "user_id cannot be empty");
	}
	return 0;
}

int
reqargs_user_matches(const char *query, const char *token_user,
    struct refusal *why)
{
	char *given = NULL;
	int rc = url_query_user(query, &given);

	if (rc == MT_ENOTFOUND)
		return 0;
	if (rc == MT_EINVAL)
		return refuse(why, 400, "BAD_REQUEST",
		    "user_id is not valid UTF-8");
	if (rc != 0)
		return rc;
	rc = strcmp(given, token_user) == 0 ? 0 :
	    refuse(why, 403, "FORBIDDEN", "user_id does not match token");
	mt_free(given);
	return rc;
}

int
reqargs_events(const char *query, struct events_args *a,
    struct refusal *why)
{
	long v;
	int rc;

	a->has_since = false;
	a->since = 0;
	a->timeout = EVENTS_TIMEOUT_DEFAULT;
	if ((rc = reqargs_long(query, "since", &v, why)) < 0)
		return rc;
	if (rc == 0) {
		if (v < 0)
			return refuse(why, 400, "INVALID_INPUT",
			    "since must not be negative");
		a->has_since = true;
		a->since = v;
	}
	if ((rc = reqargs_long(query, "timeout", &v, why)) < 0)
		return rc;
	if (rc == 0) {
		if (v < 0)
			return refuse(why, 400, "INVALID_INPUT",
			    "timeout must not be negative");
		a->timeout = v;
	}
	return 0;
}
