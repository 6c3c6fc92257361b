/*
 * store_bridge.c — the bridge's start-up snapshot: participants and the
 * change-log head read inside one read transaction (WAL gives it a stable
 * view while writers go on), so no membership change falls between them.
 * PostgreSQL reads the head first, then the participants in a later
 * snapshot: the events after the head that the participants already show
 * are applied again, which leaves them as they are (each join or leave
 * sets the state the last one of a user left).
 */
#include "changelog.h"
#include "err.h"
#include "store_bridge.h"
#include "store_int.h"

static const char SQL_READ_BEGIN[] = "BEGIN DEFERRED";
static const char SQL_READ_END[] = "COMMIT";
static const char SQL_MEMBERS[] =
	"SELECT dialog_id, user_id FROM participants";

static int
walk_members(struct store *st,
    int (*cb)(const char *, const char *, void *), void *arg)
{
	struct dbstmt *s = store_stmt(st, SQL_MEMBERS);
	int rc;

	while ((rc = store_step(st, s, __func__)) == 1)
		if ((rc = cb(store_col_text(s, 0), store_col_text(s, 1),
		    arg)) != 0) {
			db_reset(s);
			break;
		}
	return rc;
}

int
store_bridge_load(struct store *st,
    int (*cb)(const char *, const char *, void *), void *arg, int64_t *head)
{
	int rc;

	*head = 0;
	if (st->pg != NULL) {
		if ((rc = changelog_head(st, head)) != 0)
			return rc;
		return walk_members(st, cb, arg);
	}
	if ((rc = store_exec_stmt(st, store_stmt(st, SQL_READ_BEGIN),
	    __func__)) != 0)
		return rc;
	if ((rc = walk_members(st, cb, arg)) == 0)
		rc = changelog_head(st, head);
	if (rc == 0)
		rc = store_exec_stmt(st, store_stmt(st, SQL_READ_END),
		    __func__);
	if (rc != 0)
		store_rollback(st);
	return rc;
}
