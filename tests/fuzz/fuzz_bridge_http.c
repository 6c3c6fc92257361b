/*
 * fuzz_bridge_http.c — what mtchat-bridge reads of a request before and
 * around libwebsockets (bridge/proto.c, lib/reqargs.c): the end of the
 * header block, the request line and its raw query, then the query as
 * the WebSocket upgrade (user_id, since, filter) and the long-poll (user,
 * since, timeout) read it. Properties: the header end lies inside the
 * input; the request line is refused with 400 or 431 or accepted with a
 * query that is exactly the bytes after the target's '?'; the query's
 * refusals are 400s with a one-line message.
 * SPDX-License-Identifier: MIT
 */
#include <string.h>

#include "err.h"
#include "fuzz.h"
#include "json.h"
#include "mem.h"
#include "proto.h"
#include "reqargs.h"

FUZZ_INIT_JSON

/* The query of an accepted request line: after '?', before " HTTP/". */
static void
check_query(const char *buf, size_t len, const char *q)
{
	const char *nl = memchr(buf, '\n', len), *sp, *qm;

	FUZZ_CHECK(nl != NULL, "accepted without a line end");
	sp = memchr(buf, ' ', (size_t)(nl - buf));
	FUZZ_CHECK(sp != NULL, "accepted without a space");
	qm = memchr(sp, '?', (size_t)(nl - sp));
	if (q == NULL) {
		FUZZ_CHECK(qm == NULL || qm[1] == ' ', "query lost");
		return;
	}
	FUZZ_CHECK(qm != NULL && strncmp(qm + 1, q, strlen(q)) == 0 &&
	    qm[1 + strlen(q)] == ' ', "query \"%s\" is not the target's", q);
}

static void
check_query_args(const char *q)
{
	struct events_args a;
	struct refusal why;
	int64_t since;
	bool has_since, filter;
	const char *bad;
	char *user = NULL;
	int rc;

	bad = proto_ws_args(q, &since, &has_since, &filter);
	FUZZ_CHECK(bad != NULL || !has_since || since >= 0, "since %lld",
	    (long long)since);
	memset(&why, 0, sizeof(why));
	if ((rc = reqargs_events(q, &a, &why)) != 0)
		FUZZ_CHECK(why.status == 400 && strchr(why.msg, '\n') == NULL,
		    "events: %d %s", why.status, why.msg);
	if ((rc = reqargs_user(q, &user, &why)) != 0)
		FUZZ_CHECK(rc != MT_ENOMEM && why.status == 400, "user: %d",
		    why.status);
	mt_free(user);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const char *buf = (const char *)data;
	size_t end;
	char *q = NULL;
	int rc;

	if (size > 65536)
		return 0;
	end = proto_header_end(buf, size);
	FUZZ_CHECK(end <= size, "end %zu past %zu", end, size);
	if (end == 0)
		end = size;	/* accept.c waits; look at the line anyway */
	rc = proto_reqline(buf, end, &q);
	FUZZ_CHECK(rc == 0 || rc == PROTO_BAD || rc == PROTO_TOO_MANY,
	    "rc %d", rc);
	if (rc != 0) {
		FUZZ_CHECK(q == NULL, "a refused line left a query");
		return 0;
	}
	check_query(buf, end, q);
	check_query_args(q);
	mt_free(q);
	return 0;
}
