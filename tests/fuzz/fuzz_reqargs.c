/*
 * fuzz_reqargs.c — the query rules mtchat.fcgi and mtchat-bridge share
 * (lib/reqargs.c): since, timeout and the acting user in legacy and JWT
 * mode, on the input as a raw query string. Properties: every refusal is
 * a 400 (403 for another token's user) with a message that is one line
 * of UTF-8; accepted numbers are what the digits say (since, timeout
 * >= 0); an accepted user is non-empty UTF-8 and the same one
 * reqargs_user_matches() then accepts for a token of that user.
 * SPDX-License-Identifier: MIT
 */
#include <string.h>

#include "err.h"
#include "fuzz.h"
#include "json.h"
#include "mem.h"
#include "reqargs.h"
#include "sanitize.h"

FUZZ_INIT_JSON

static void
check_refusal(int rc, const struct refusal *why, int status)
{
	FUZZ_CHECK(rc == MT_EINVAL || rc == MT_EFORBIDDEN, "rc %d", rc);
	FUZZ_CHECK(why->status == status || why->status == 400,
	    "status %d", why->status);
	FUZZ_CHECK(*why->msg != '\0' && strchr(why->msg, '\n') == NULL &&
	    utf8_valid(why->msg, strlen(why->msg)), "message \"%s\"",
	    why->msg);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct events_args a;
	struct refusal why;
	char *q, *user = NULL;
	long n;
	int rc;

	if (size > 16384 || (q = mt_strndup((const char *)data, size)) == NULL)
		return 0;
	memset(&why, 0, sizeof(why));
	if ((rc = reqargs_events(q, &a, &why)) == 0)
		FUZZ_CHECK(a.timeout >= 0 && (!a.has_since || a.since >= 0),
		    "since %lld timeout %ld", (long long)a.since, a.timeout);
	else
		check_refusal(rc, &why, 400);
	if ((rc = reqargs_long(q, "limit", &n, &why)) < 0)
		check_refusal(rc, &why, 400);
	if ((rc = reqargs_user(q, &user, &why)) == 0) {
		FUZZ_CHECK(user != NULL && *user != '\0' &&
		    utf8_valid(user, strlen(user)), "user");
		FUZZ_CHECK(reqargs_user_matches(q, user, &why) == 0,
		    "the query's own user refused: %s", why.msg);
		mt_free(user);
	} else
		check_refusal(rc, &why, 400);
	if ((rc = reqargs_user_matches(q, "token-user", &why)) != 0)
		check_refusal(rc, &why, 403);
	mt_free(q);
	return 0;
}
