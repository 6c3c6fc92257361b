/*
 * store_members.c — membership periods (store_members.h). A period is
 * opened by the participant.joined row that starts it and closed by the
 * participant.left or dialog.deleted row that ends it, in the same
 * transaction, so periods and the change-log never disagree. A user's
 * periods are read in one indexed query and kept sorted by dialog, so
 * asking about one event is a binary search.
 */
#include <stdlib.h>
#include <string.h>

#include "changelog.h"
#include "err.h"
#include "mem.h"
#include "store_int.h"
#include "store_members.h"

static const char SQL_OPEN[] =
	"INSERT INTO memberships (user_id, dialog_id, from_seq)"
	" VALUES (?1, ?2, ?3) ON CONFLICT DO NOTHING";
static const char SQL_CLOSE[] =
	"UPDATE memberships SET to_seq = ?3"
	" WHERE dialog_id = ?2 AND user_id = ?1 AND to_seq IS NULL";
static const char SQL_CLOSE_DIALOG[] =
	"UPDATE memberships SET to_seq = ?2"
	" WHERE dialog_id = ?1 AND to_seq IS NULL";
static const char SQL_PRUNE[] =
	"DELETE FROM memberships WHERE to_seq IS NOT NULL AND to_seq <= ?1";
static const char SQL_PRUNE_DELETED[] =
	"DELETE FROM deleted_messages WHERE deleted_at < ?1";
static const char SQL_PRUNE_KEYS[] =
	"DELETE FROM send_keys WHERE created_at < ?1";
static const char SQL_LOAD[] =
	"SELECT dialog_id, from_seq, to_seq FROM memberships"
	" WHERE user_id = ?1 ORDER BY dialog_id, from_seq";

/* Runs sql with ?1 user, ?2 dialog, ?3 seq (user NULL: ?1 dialog, ?2 seq). */
static int
change(struct store *st, const char *sql, const char *user,
    const char *dialog_id, int64_t seq)
{
	struct dbstmt *s = store_stmt(st, sql);
	int i = 1;

	if (s == NULL)
		return MT_EIO;
	if (user != NULL)
		store_bind_text(s, i++, user);
	store_bind_text(s, i++, dialog_id);
	db_bind_int64(s, i, seq);
	return store_exec_stmt(st, s, "membership");
}

int
store_membership_open(struct store *st, const char *dialog_id,
    const char *user_id, int64_t seq)
{
	return change(st, SQL_OPEN, user_id, dialog_id, seq);
}

int
store_membership_close(struct store *st, const char *dialog_id,
    const char *user_id, int64_t seq)
{
	return change(st, SQL_CLOSE, user_id, dialog_id, seq);
}

int
store_membership_close_dialog(struct store *st, const char *dialog_id,
    int64_t seq)
{
	return change(st, SQL_CLOSE_DIALOG, NULL, dialog_id, seq);
}

/* Deletes what sql names by one time or seq bound; *n the rows gone. */
static int
prune_by(struct store *st, const char *sql, int64_t bound, int64_t *n)
{
	struct dbstmt *s = store_stmt(st, sql);
	int rc;

	if (s == NULL)
		return MT_EIO;
	db_bind_int64(s, 1, bound);
	if ((rc = store_exec_stmt(st, s, __func__)) == 0)
		*n += store_changes(st);
	return rc;
}

int
store_history_prune(struct store *st, int64_t before_us, int64_t keys_before,
    int64_t *n)
{
	int64_t pruned = 0;
	int rc;

	*n = 0;
	if ((rc = store_begin(st)) != 0)
		return rc;
	if ((rc = changelog_pruned_through(st, &pruned)) != 0 ||
	    (rc = prune_by(st, SQL_PRUNE, pruned, n)) != 0 ||
	    (rc = prune_by(st, SQL_PRUNE_DELETED, before_us, n)) != 0 ||
	    (rc = prune_by(st, SQL_PRUNE_KEYS, keys_before, n)) != 0) {
		store_rollback(st);
		return rc;
	}
	return store_commit(st);
}

static int
period_add(struct periods *ps, size_t *cap, struct dbstmt *s)
{
	const char *d = store_col_text(s, 0);
	struct period *p;

	if (d == NULL || strlen(d) >= ID_BUF)
		return 0;	/* not a dialog mtchat made: nothing of it */
	if (ps->n == *cap) {
		size_t c = *cap ? *cap * 2 : 16;

		if ((p = mt_realloc(ps->p, c * sizeof(*p))) == NULL)
			return MT_ENOMEM;
		ps->p = p;
		*cap = c;
	}
	p = &ps->p[ps->n++];
	memcpy(p->dialog_id, d, strlen(d) + 1);
	p->from_seq = db_column_int64(s, 1);
	p->to_seq = db_column_type(s, 2) == SQLITE_NULL ? INT64_MAX :
	    db_column_int64(s, 2);
	return 0;
}

int
store_periods_load(struct store *st, const char *user_id,
    struct periods *out)
{
	struct dbstmt *s = store_stmt(st, SQL_LOAD);
	size_t cap = 0;
	int rc;

	periods_free(out);
	if (s == NULL)
		return MT_EIO;
	store_bind_text(s, 1, user_id);
	while ((rc = store_step(st, s, __func__)) == 1)
		if ((rc = period_add(out, &cap, s)) != 0) {
			db_reset(s);
			break;
		}
	if (rc != 0)
		periods_free(out);
	return rc;
}

bool
periods_include(const struct periods *ps, const char *dialog_id,
    int64_t seq)
{
	size_t lo = 0, hi = ps->n, mid;

	/* the first period of dialog_id */
	while (lo < hi) {
		mid = lo + (hi - lo) / 2;
		if (strcmp(ps->p[mid].dialog_id, dialog_id) < 0)
			lo = mid + 1;
		else
			hi = mid;
	}
	for (; lo < ps->n && strcmp(ps->p[lo].dialog_id, dialog_id) == 0; lo++)
		if (ps->p[lo].from_seq <= seq && seq <= ps->p[lo].to_seq)
			return true;
	return false;
}

void
periods_free(struct periods *ps)
{
	mt_free(ps->p);
	ps->p = NULL;
	ps->n = 0;
}
