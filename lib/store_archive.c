/*
 * store_archive.c — the statements of auto-archive. Candidates are found
 * through the dialogs_activity index (coalesce(last_message_at,
 * created_at)) outside any write transaction; each batch is then archived
 * in one BEGIN IMMEDIATE transaction by an UPDATE ... RETURNING that
 * repeats every condition, so what changes is exactly what is still
 * inactive at that moment, and the returned users are the event's
 * audience.
 *
 * JSON here (lib/shape.c makes the API's): the users of a dialog as a
 * JSON array, the recipients of dialog.archived (event_body.h) and what
 * store_archive_candidates() reports.
 */
#include <stdio.h>
#include <string.h>

#include "err.h"
#include "event_body.h"
#include "id.h"
#include "store_archive.h"
#include "store_common.h"
#include "store_int.h"

/* A participant is inactive when both the dialog and their unarchive are
 * older than the cutoff (F13). */
static const char SQL_CANDIDATES[] =
	"SELECT d.id FROM dialogs d"
	" WHERE coalesce(d.last_message_at, d.created_at) < ?1"
	" AND EXISTS (SELECT 1 FROM participants p WHERE p.dialog_id = d.id"
	" AND p.is_archived = 0 AND coalesce(p.unarchived_at, 0) < ?1)"
	" ORDER BY coalesce(d.last_message_at, d.created_at) LIMIT ?2";
static const char SQL_INACTIVE_USERS[] =
	"SELECT p.user_id FROM participants p JOIN dialogs d"
	" ON d.id = p.dialog_id"
	" WHERE p.dialog_id = ?1 AND p.is_archived = 0"
	" AND coalesce(p.unarchived_at, 0) < ?2"
	" AND coalesce(d.last_message_at, d.created_at) < ?2"
	" ORDER BY p.user_id";
static const char SQL_ARCHIVE[] =
	"UPDATE participants SET is_archived = 1"
	" WHERE dialog_id = ?1 AND is_archived = 0"
	" AND coalesce(unarchived_at, 0) < ?2"
	" AND (SELECT coalesce(last_message_at, created_at) FROM dialogs"
	" WHERE id = ?1) < ?2"
	" RETURNING user_id";

/* Up to limit candidate dialog ids into ids; *n gets how many. */
static int
list_candidates(struct store *st, int64_t cutoff, int limit,
    char (*ids)[ID_BUF], int *n)
{
	struct dbstmt *s = store_stmt(st, SQL_CANDIDATES);
	const char *id;
	int rc;

	*n = 0;
	if (s == NULL)
		return MT_EIO;
	db_bind_int64(s, 1, cutoff);
	db_bind_int(s, 2, limit);
	while ((rc = store_step(st, s, __func__)) == 1) {
		id = store_col_text(s, 0);
		/* mtchat's ids are UUIDs; anything else is not ours to touch */
		if (id != NULL && strlen(id) < ID_BUF)
			snprintf(ids[(*n)++], ID_BUF, "%s", id);
	}
	return rc;
}

/* The inactive participants of one dialog, as a new JSON array. */
static int
inactive_users(struct store *st, const char *dialog_id, int64_t cutoff,
    json_t **users)
{
	struct dbstmt *s = store_stmt(st, SQL_INACTIVE_USERS);

	if (s == NULL)
		return MT_EIO;
	store_bind_text(s, 1, dialog_id);
	db_bind_int64(s, 2, cutoff);
	return store_collect_users(st, s, users);
}

int
store_archive_candidates(struct store *st, int64_t cutoff_us, int limit,
    void (*cb)(const char *, const json_t *, void *), void *arg)
{
	struct dbstmt *s = store_stmt(st, SQL_CANDIDATES);
	json_t *users;
	int rc;

	if (s == NULL)
		return MT_EIO;
	db_bind_int64(s, 1, cutoff_us);
	db_bind_int(s, 2, limit);
	/* A read only: the users are looked up while the list steps. */
	while ((rc = store_step(st, s, __func__)) == 1) {
		if ((rc = inactive_users(st, store_col_text(s, 0), cutoff_us,
		    &users)) != 0) {
			db_reset(s);
			break;
		}
		if (json_array_size(users) > 0)
			cb(store_col_text(s, 0), users, arg);
		json_decref(users);
	}
	return rc;
}

/* Inside the caller's transaction: archives one dialog, with its event. */
static int
archive_one(struct store *st, const char *dialog_id, int64_t cutoff,
    struct archive_count *c)
{
	struct dbstmt *s = store_stmt(st, SQL_ARCHIVE);
	json_t *users;
	int64_t seq = 0;
	int rc;

	if (s == NULL)
		return MT_EIO;
	store_bind_text(s, 1, dialog_id);
	db_bind_int64(s, 2, cutoff);
	if ((rc = store_collect_users(st, s, &users)) != 0)
		return rc;
	if (json_array_size(users) > 0 &&
	    (rc = event_dialog_archived(st, dialog_id, users, &seq)) == 0) {
		c->dialogs++;
		c->users += (int)json_array_size(users);
		c->seq = seq;
	}
	json_decref(users);
	return rc;
}

/* One transaction over ids; c is updated only when it commits. */
static int
archive_batch(struct store *st, char (*ids)[ID_BUF], int n, int64_t cutoff,
    struct archive_count *c)
{
	struct archive_count tx = *c;
	int i, rc;

	if ((rc = store_begin(st)) != 0)
		return rc;
	for (i = 0; i < n; i++)
		if ((rc = archive_one(st, ids[i], cutoff, &tx)) != 0) {
			store_rollback(st);
			return rc;
		}
	if ((rc = store_commit(st)) == 0)
		*c = tx;
	return rc;
}

int
store_archive_inactive(struct store *st, int64_t cutoff_us, int limit,
    struct archive_count *out)
{
	char ids[ARCHIVE_BATCH][ID_BUF];
	int done = 0, n, want, rc = 0;

	memset(out, 0, sizeof(*out));
	/* Every dialog listed counts against limit, archived or not (a
	 * concurrent run may have taken it): the loop always ends. */
	while (rc == 0 && done < limit) {
		want = limit - done < ARCHIVE_BATCH ? limit - done :
		    ARCHIVE_BATCH;
		if ((rc = list_candidates(st, cutoff_us, want, ids, &n)) != 0 ||
		    n == 0)
			break;
		rc = archive_batch(st, ids, n, cutoff_us, out);
		done += n;
		if (n < want)
			break;
	}
	return rc;
}
