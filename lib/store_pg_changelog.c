/*
 * store_pg_changelog.c — the change-log on PostgreSQL
 * (store_pg_changelog.h, docs/postgresql.md). The ordering lives
 * in the database: changelog_append() of sql/pg/0001-changelog.sql takes a
 * transaction-scoped advisory lock before it takes the seq, so seqs become
 * visible in commit order and a tailer reading seq > cursor never passes
 * over a row that commits later (docs/postgresql.md). Lock, insert and
 * NOTIFY are one round trip, which keeps the time the lock is held short.
 * SPDX-License-Identifier: MIT
 */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "err.h"
#include "log.h"
#include "store_pg_changelog.h"
#include "store_pg_int.h"
#include "tm.h"

static const char SQL_APPEND[] =
	"SELECT changelog_append($1, $2, $3, $4, $5, $6, $7)";
static const char SQL_READ[] =
	"SELECT seq, type, dialog_id, subject_user, audience, body, created_at,"
	" webhook FROM changelog WHERE seq > $1 ORDER BY seq LIMIT $2";
static const char SQL_HEAD[] = "SELECT changelog_head()";
static const char SQL_LISTEN[] = "LISTEN " STORE_PG_CHANNEL;

/* Runs a statement that answers one bigint, into *v. */
static int
query_int64(struct store_pg *pg, const char *sql, int n,
    const char *const *params, int64_t *v, const char *func)
{
	PGresult *res;
	int rc;

	if ((rc = store_pg_exec(pg, sql, n, params, &res, func)) != 0)
		return rc;
	if ((rc = store_pg_int64(res, 0, 0, v)) != 0)
		log_warnx("%s: not a number", func);
	PQclear(res);
	return rc;
}

int
store_pg_changelog_append(struct store_pg *pg, const struct changelog_row *r,
    int64_t *seq)
{
	char now[24];
	const char *args[] = {
		r->type, r->dialog_id, r->subject_user, r->audience, r->body,
		now, r->webhook ? "1" : "0",	/* an integer 0/1, as in SQLite */
	};
	int64_t s;
	int rc;

	if (!store_pg_in_tx(pg)) {
		log_warnx("%s: %s outside a transaction", __func__, r->type);
		return MT_EIO;
	}
	snprintf(now, sizeof(now), "%" PRId64, tm_now_us());
	if ((rc = query_int64(pg, SQL_APPEND, 7, args, &s, __func__)) != 0)
		return rc;
	if (seq != NULL)
		*seq = s;
	return 0;
}

/* Fills r from row i of a SQL_READ result: 0 or MT_EIO. */
static int
row_get(const PGresult *res, int i, struct changelog_row *r)
{
	const char *v[8];
	int64_t webhook;
	int k;

	for (k = 0; k < 8; k++)
		v[k] = PQgetisnull(res, i, k) ? NULL : PQgetvalue(res, i, k);
	if (store_pg_int64(res, i, 0, &r->seq) != 0 ||
	    store_pg_int64(res, i, 6, &r->created_at) != 0 ||
	    store_pg_int64(res, i, 7, &webhook) != 0 ||
	    v[1] == NULL || v[5] == NULL)
		return MT_EIO;
	r->type = v[1];
	r->dialog_id = v[2];
	r->subject_user = v[3];
	r->audience = v[4];
	r->body = v[5];
	r->webhook = webhook != 0;
	return 0;
}

int
store_pg_changelog_read_after(struct store_pg *pg, int64_t after, int limit,
    int (*cb)(const struct changelog_row *, void *), void *arg, int64_t *last)
{
	struct changelog_row r;
	char a[24], l[16];
	const char *args[] = { a, l };
	PGresult *res;
	int i, rc;

	*last = after;
	if (limit < 1)
		return MT_EINVAL;
	snprintf(a, sizeof(a), "%" PRId64, after);
	snprintf(l, sizeof(l), "%d", limit);
	if ((rc = store_pg_exec(pg, SQL_READ, 2, args, &res, __func__)) != 0)
		return rc;
	if (PQnfields(res) != 8) {
		PQclear(res);
		return MT_EIO;
	}
	for (i = 0; i < PQntuples(res); i++) {
		if ((rc = row_get(res, i, &r)) != 0) {
			log_warnx("%s: a malformed row after %" PRId64,
			    __func__, *last);
			break;
		}
		if ((rc = cb(&r, arg)) != 0)
			break;
		*last = r.seq;
	}
	PQclear(res);
	return rc;
}

int
store_pg_changelog_head(struct store_pg *pg, int64_t *seq)
{
	return query_int64(pg, SQL_HEAD, 0, NULL, seq, __func__);
}

int
store_pg_changelog_listen(struct store_pg *pg)
{
	if (store_pg_in_tx(pg)) {
		log_warnx("%s: inside a transaction", __func__);
		return MT_EIO;
	}
	return store_pg_exec(pg, SQL_LISTEN, 0, NULL, NULL, __func__);
}

/* The seq a wake-up announces, or -1 when its payload is not one. */
static int64_t
payload_seq(const char *extra)
{
	char *end;
	long long n;

	errno = 0;
	n = strtoll(extra, &end, 10);
	if (errno != 0 || end == extra || *end != '\0' || n < 0)
		return -1;
	return n;
}

int
store_pg_changelog_woken(struct store_pg *pg, int64_t *seq)
{
	PGnotify *note;
	int64_t s;
	int n = 0;

	if (PQconsumeInput(pg->conn) == 0) {
		log_warnx("%s: %.*s", __func__,
		    (int)strcspn(PQerrorMessage(pg->conn), "\n"),
		    PQerrorMessage(pg->conn));
		return MT_EIO;
	}
	while ((note = PQnotifies(pg->conn)) != NULL) {
		if (strcmp(note->relname, STORE_PG_CHANNEL) == 0) {
			n++;
			if ((s = payload_seq(note->extra)) > *seq)
				*seq = s;
		}
		PQfreemem(note);
	}
	return n;
}
