/*
 * store_changelog.c — the change-log table (changelog.h): the only way
 * events travel. Writers append inside their own transaction, so an event
 * exists if and only if its change committed; readers follow seq. Its SQL
 * lives here, with the rest of the store's.
 */
#include <stdio.h>
#include <string.h>

#include "changelog.h"
#include "err.h"
#include "log.h"
#include "store_int.h"
#include "store_members.h"
#include "tm.h"

#define PRUNE_BATCH	5000

/*
 * On PostgreSQL, changelog_append() of sql/pg/ takes the seq under the
 * change-log's lock, so that seqs become visible in commit order
 * (docs/postgresql.md#the-change-log-in-commit-order).
 */
static const struct sql2 SQL_APPEND = {
	"INSERT INTO changelog (type, dialog_id, subject_user, audience, body,"
	" created_at, webhook) VALUES (?, ?, ?, ?, ?, ?, ?) RETURNING seq",
	"SELECT changelog_append(?, ?, ?, ?, ?, ?, CAST(? AS integer))",
};
static const char SQL_READ[] =
	"SELECT seq, type, dialog_id, subject_user, audience, body, created_at,"
	" webhook FROM changelog WHERE seq > ? ORDER BY seq LIMIT ?";
static const struct sql2 SQL_HEAD = {
	"SELECT coalesce((SELECT seq FROM sqlite_sequence"
	" WHERE name = 'changelog'), 0)",
	"SELECT changelog_head()",
};
static const char SQL_PRUNED[] =
	"SELECT coalesce((SELECT CAST(value AS INTEGER) FROM meta"
	" WHERE key = 'pruned_through'), 0)";
static const char SQL_SET_PRUNED[] =
	"INSERT INTO meta (key, value) VALUES ('pruned_through', ?)"
	" ON CONFLICT (key) DO UPDATE SET value = excluded.value"
	" WHERE CAST(meta.value AS INTEGER) < CAST(excluded.value AS INTEGER)";
static const char SQL_PRUNE_LIMIT[] =
	"SELECT coalesce((SELECT max(seq) FROM changelog WHERE created_at < ?),"
	" 0), (SELECT min(seq) FROM cursors)";
static const char SQL_PRUNE_BATCH[] =
	"DELETE FROM changelog WHERE seq IN (SELECT seq FROM changelog"
	" WHERE seq <= ? ORDER BY seq LIMIT ?)";
static const char SQL_COUNT_RANGE[] =
	"SELECT count(*) FROM changelog WHERE seq > ? AND seq <= ?";
static const char SQL_CURSOR_GET[] =
	"SELECT seq FROM cursors WHERE name = ?";
static const char SQL_CURSOR_SET[] =
	"INSERT INTO cursors (name, seq, updated_at) VALUES (?, ?, ?)"
	" ON CONFLICT (name) DO UPDATE SET seq = excluded.seq,"
	" updated_at = excluded.updated_at";

int
changelog_append(struct store *st, const struct changelog_row *r,
    int64_t *seq)
{
	struct dbstmt *s;
	int rc;

	if (!store_in_tx(st)) {
		log_warnx("%s: %s outside a transaction", __func__, r->type);
		return MT_EIO;
	}
	if ((s = store_stmt(st, store_sql(st, SQL_APPEND))) == NULL)
		return MT_EIO;
	store_bind_text(s, 1, r->type);
	store_bind_text(s, 2, r->dialog_id);
	store_bind_text(s, 3, r->subject_user);
	store_bind_text(s, 4, r->audience);
	store_bind_text(s, 5, r->body);
	db_bind_int64(s, 6, tm_now_us());
	db_bind_int(s, 7, r->webhook);
	if ((rc = store_step(st, s, __func__)) != 1)
		return rc == 0 ? MT_EIO : rc;
	if (seq != NULL)
		*seq = db_column_int64(s, 0);
	db_reset(s);
	return 0;
}

int
changelog_read_after(struct store *st, int64_t after, int limit,
    int (*cb)(const struct changelog_row *, void *), void *arg, int64_t *last)
{
	struct changelog_row r;
	struct dbstmt *s;
	int rc;

	*last = after;
	if ((s = store_stmt(st, SQL_READ)) == NULL)
		return MT_EIO;
	db_bind_int64(s, 1, after);
	db_bind_int(s, 2, limit);
	while ((rc = store_step(st, s, __func__)) == 1) {
		r.seq = db_column_int64(s, 0);
		r.type = (const char *)db_column_text(s, 1);
		r.dialog_id = (const char *)db_column_text(s, 2);
		r.subject_user = (const char *)db_column_text(s, 3);
		r.audience = (const char *)db_column_text(s, 4);
		r.body = (const char *)db_column_text(s, 5);
		r.created_at = db_column_int64(s, 6);
		r.webhook = db_column_int(s, 7) != 0;
		/* NOT NULL columns: NULL here is SQLite out of memory, and a
		 * row is never passed over (the caller reads it again) */
		rc = r.type == NULL || r.body == NULL ? MT_ENOMEM : cb(&r, arg);
		if (rc != 0) {
			db_reset(s);
			break;
		}
		*last = r.seq;
	}
	return rc;
}

int
changelog_head(struct store *st, int64_t *seq)
{
	return store_query_int64(st, store_sql(st, SQL_HEAD), seq);
}

int
changelog_pruned_through(struct store *st, int64_t *seq)
{
	return store_query_int64(st, SQL_PRUNED, seq);
}

/* Within the caller's transaction: the seq up to which rows may go. */
static int
prune_limit(struct store *st, int64_t before_us, bool force,
    int64_t *upto, int64_t *held)
{
	struct dbstmt *s;
	int64_t by_age, by_cursor;
	int rc, has_cursor;

	if ((s = store_stmt(st, SQL_PRUNE_LIMIT)) == NULL)
		return MT_EIO;
	db_bind_int64(s, 1, before_us);
	if ((rc = db_step(s)) != SQLITE_ROW) {
		db_reset(s);
		return store_rc(st, rc, __func__);
	}
	by_age = db_column_int64(s, 0);
	has_cursor = db_column_type(s, 1) != SQLITE_NULL;
	by_cursor = db_column_int64(s, 1);
	db_reset(s);
	*upto = by_age;
	*held = 0;
	if (!force && has_cursor && by_cursor < by_age) {
		*upto = by_cursor;
		if ((s = store_stmt(st, SQL_COUNT_RANGE)) == NULL)
			return MT_EIO;
		db_bind_int64(s, 1, by_cursor);
		db_bind_int64(s, 2, by_age);
		if ((rc = db_step(s)) == SQLITE_ROW)
			*held = db_column_int64(s, 0);
		db_reset(s);
		if (rc != SQLITE_ROW)
			return store_rc(st, rc, __func__);
	}
	return 0;
}

/* Deletes one batch; *n gets how many rows went. */
static int
prune_batch(struct store *st, int64_t before_us, bool force, int64_t *n,
    int64_t *held)
{
	struct dbstmt *s;
	int64_t upto = 0;
	char buf[32];
	int rc;

	*n = 0;
	if ((rc = store_begin(st)) != 0)
		return rc;
	if ((rc = prune_limit(st, before_us, force, &upto, held)) != 0)
		goto fail;
	if (upto > 0) {
		if ((s = store_stmt(st, SQL_PRUNE_BATCH)) == NULL) {
			rc = MT_EIO;
			goto fail;
		}
		db_bind_int64(s, 1, upto);
		db_bind_int(s, 2, PRUNE_BATCH);
		if ((rc = store_exec_stmt(st, s, __func__)) != 0)
			goto fail;
		*n = store_changes(st);
	}
	if (*n > 0) {
		snprintf(buf, sizeof(buf), "%lld", (long long)upto);
		if ((s = store_stmt(st, SQL_SET_PRUNED)) == NULL) {
			rc = MT_EIO;
			goto fail;
		}
		/*
		 * A batch may stop below upto; the rows it left are deleted
		 * by the next batch, and nobody may resume in between them
		 * either way.
		 */
		store_bind_text(s, 1, buf);
		if ((rc = store_exec_stmt(st, s, __func__)) != 0)
			goto fail;
	}
	return store_commit(st);
fail:
	store_rollback(st);
	return rc;
}

int
changelog_prune(struct store *st, int64_t before_us, bool force,
    int64_t *deleted, int64_t *held)
{
	int64_t n, h = 0;
	int rc;

	*deleted = 0;
	do {
		if ((rc = prune_batch(st, before_us, force, &n, &h)) != 0)
			return rc;
		*deleted += n;
	} while (n == PRUNE_BATCH);
	if (held != NULL)
		*held = h;
	/* what only the pruned rows needed; send keys are kept a day */
	return store_history_prune(st, before_us, tm_now_us() - SEND_KEY_US,
	    &n);
}

static const char SQL_CURSOR_LIST[] =
	"SELECT name, seq, updated_at FROM cursors ORDER BY name";
static const char SQL_CURSOR_DELETE[] =
	"DELETE FROM cursors WHERE name = ?";

int
cursor_list(struct store *st,
    void (*cb)(const char *, int64_t, int64_t, void *), void *arg)
{
	struct dbstmt *s;
	int rc;

	if ((s = store_stmt(st, SQL_CURSOR_LIST)) == NULL)
		return MT_EIO;
	while ((rc = store_step(st, s, __func__)) == 1) {
		const char *name = (const char *)db_column_text(s, 0);

		if (name == NULL) {	/* NOT NULL: out of memory */
			db_reset(s);
			return MT_ENOMEM;
		}
		cb(name, db_column_int64(s, 1), db_column_int64(s, 2),
		    arg);
	}
	return rc;
}

int
cursor_delete(struct store *st, const char *name)
{
	struct dbstmt *s;
	int rc;

	if ((s = store_stmt(st, SQL_CURSOR_DELETE)) == NULL)
		return MT_EIO;
	store_bind_text(s, 1, name);
	if ((rc = store_exec_stmt(st, s, __func__)) != 0)
		return rc;
	return store_changes(st) > 0 ? 0 : MT_ENOTFOUND;
}

int
cursor_get(struct store *st, const char *name, int64_t *seq)
{
	struct dbstmt *s;
	int rc;

	if ((s = store_stmt(st, SQL_CURSOR_GET)) == NULL)
		return MT_EIO;
	store_bind_text(s, 1, name);
	rc = db_step(s);
	if (rc == SQLITE_ROW)
		*seq = db_column_int64(s, 0);
	db_reset(s);
	if (rc == SQLITE_DONE)
		return MT_ENOTFOUND;
	return rc == SQLITE_ROW ? 0 : store_rc(st, rc, __func__);
}

int
cursor_set(struct store *st, const char *name, int64_t seq)
{
	struct dbstmt *s;

	if ((s = store_stmt(st, SQL_CURSOR_SET)) == NULL)
		return MT_EIO;
	store_bind_text(s, 1, name);
	db_bind_int64(s, 2, seq);
	db_bind_int64(s, 3, tm_now_us());
	return store_exec_stmt(st, s, __func__);
}
