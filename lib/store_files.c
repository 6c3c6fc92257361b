/*
 * store_files.c — every SQL statement of the local attachment storage:
 * the uploads table (sql/0001, sql/0006) and the attachment lookups of C20
 * and downloads. Uploads raise no event: nobody hears of a file until a
 * message carries it (store_message.c marks it attached then).
 */
#include <stdio.h>
#include <string.h>

#include "err.h"
#include "mem.h"
#include "store_files.h"
#include "store_int.h"
#include "tm.h"

#define GC_BATCH	100	/* uploads forgotten per transaction */

static const char SQL_UPLOADED[] =
	"SELECT 1 FROM uploads WHERE s3_key = ?";
static const char SQL_UPLOAD_ADD[] =
	"INSERT INTO uploads (s3_key, dialog_id, user_id, content_type, size,"
	" created_at, state, width, height) VALUES (?, ?, ?, ?, ?, ?, 0, ?, ?)";
/* The attachment, its message's dialog and whether ?2 takes part in it. */
static const char SQL_ATTACHMENT[] =
	"SELECT a.id, m.dialog_id, a.s3_key, a.filename, a.content_type,"
	" a.size, EXISTS (SELECT 1 FROM participants p"
	"  WHERE p.dialog_id = m.dialog_id AND p.user_id = ?2)"
	" FROM attachments a JOIN messages m ON m.id = a.message_id"
	" WHERE a.id = ?1";
#define GC_WHERE "((state = 0 AND created_at < ?1)" \
		 " OR (state = 2 AND created_at < ?2))"
static const char SQL_GC_LIST[] =
	"SELECT s3_key, state FROM uploads WHERE " GC_WHERE
	" ORDER BY created_at LIMIT ?3";
static const char SQL_GC_DELETE[] =
	"DELETE FROM uploads WHERE " GC_WHERE " AND s3_key = ?3";

int
store_files_uploaded(struct store *st, const char *s3_key, bool *uploaded)
{
	struct dbstmt *s = store_stmt(st, SQL_UPLOADED);
	int rc;

	*uploaded = false;
	if (s == NULL)
		return MT_EIO;
	store_bind_text(s, 1, s3_key);
	rc = db_step(s);
	db_reset(s);
	if (rc == SQLITE_ROW)
		*uploaded = true;
	else if (rc != SQLITE_DONE)
		return store_rc(st, rc, __func__);
	return 0;
}

static int
insert_upload(struct store *st, const struct upload_row *u)
{
	struct dbstmt *s = store_stmt(st, SQL_UPLOAD_ADD);

	if (s == NULL)
		return MT_EIO;
	store_bind_text(s, 1, u->s3_key);
	store_bind_text(s, 2, u->dialog_id);
	store_bind_text(s, 3, u->user_id);
	store_bind_text(s, 4, u->content_type);
	db_bind_int64(s, 5, u->size);
	db_bind_int64(s, 6, tm_now_us());
	if (u->width > 0 && u->height > 0) {
		db_bind_int(s, 7, u->width);
		db_bind_int(s, 8, u->height);
	}
	return store_exec_stmt(st, s, __func__);
}

int
store_files_record(struct store *st, const struct upload_row *u,
    int (*place)(void *), void *arg, enum files_result *res)
{
	bool used;
	int rc;

	*res = FILES_R_OK;
	if ((rc = store_begin(st)) != 0)
		return rc;
	if ((rc = store_files_uploaded(st, u->s3_key, &used)) == 0) {
		if (used)
			*res = FILES_R_USED;
		else if ((rc = insert_upload(st, u)) == 0)
			rc = place(arg);
	}
	if (rc != 0 || *res != FILES_R_OK) {
		store_rollback(st);
		return rc;
	}
	return store_commit(st);
}

/* Copies column i into buf (len bytes); false if NULL or too long. */
static bool
col_copy(struct dbstmt *s, int i, char *buf, size_t len)
{
	const char *v = store_col_text(s, i);

	if (v == NULL || (size_t)db_column_bytes(s, i) >= len)
		return false;
	memcpy(buf, v, (size_t)db_column_bytes(s, i) + 1);
	return true;
}

int
store_files_attachment(struct store *st, const char *att_id,
    const char *user_id, struct att_file *out, enum files_result *res)
{
	struct dbstmt *s = store_stmt(st, SQL_ATTACHMENT);
	int rc;

	*res = FILES_R_NOT_FOUND;
	memset(out, 0, sizeof(*out));
	if (s == NULL)
		return MT_EIO;
	store_bind_text(s, 1, att_id);
	store_bind_text(s, 2, user_id);
	rc = db_step(s);
	if (rc == SQLITE_ROW) {
		if (!col_copy(s, 0, out->id, sizeof(out->id)) ||
		    !col_copy(s, 1, out->dialog_id, sizeof(out->dialog_id)) ||
		    !col_copy(s, 2, out->s3_key, sizeof(out->s3_key)) ||
		    !col_copy(s, 3, out->filename, sizeof(out->filename)) ||
		    !col_copy(s, 4, out->content_type,
		    sizeof(out->content_type)))
			rc = MT_EIO;	/* the columns' CHECKs forbid it */
		else {
			out->size = db_column_int64(s, 5);
			*res = user_id != NULL && !db_column_int(s, 6) ?
			    FILES_R_NOT_PARTICIPANT : FILES_R_OK;
			rc = 0;
		}
	} else
		rc = rc == SQLITE_DONE ? 0 : store_rc(st, rc, __func__);
	db_reset(s);
	return rc;
}

struct gc_item {
	char	key[ATTACH_KEY_MAX + 1];
	bool	released;
};

/* The statement listing g's candidates, at most limit; NULL (logged). */
static struct dbstmt *
gc_candidates(struct store *st, const struct files_gc *g, int limit)
{
	struct dbstmt *s = store_stmt(st, SQL_GC_LIST);

	if (s != NULL) {
		db_bind_int64(s, 1, g->pending_before);
		db_bind_int64(s, 2, g->released_before);
		db_bind_int(s, 3, limit);
	}
	return s;
}

/* Up to n candidates into items; *got how many. */
static int
gc_list(struct store *st, const struct files_gc *g, struct gc_item *items,
    int n, int *got)
{
	struct dbstmt *s = gc_candidates(st, g, n);
	int rc;

	*got = 0;
	while ((rc = store_step(st, s, __func__)) == 1) {
		if (!col_copy(s, 0, items[*got].key, sizeof(items[*got].key)))
			continue;	/* not ours to have made */
		items[(*got)++].released = db_column_int(s, 1) == 2;
	}
	return rc;
}

/* Deletes the rows of items still matching; done[i] says which went. */
static int
gc_delete(struct store *st, const struct files_gc *g,
    const struct gc_item *items, int n, bool *done)
{
	struct dbstmt *s;
	int i, rc;

	if ((rc = store_begin(st)) != 0)
		return rc;
	for (i = 0; i < n && rc == 0; i++) {
		if ((s = store_stmt(st, SQL_GC_DELETE)) == NULL) {
			rc = MT_EIO;
			break;
		}
		db_bind_int64(s, 1, g->pending_before);
		db_bind_int64(s, 2, g->released_before);
		store_bind_text(s, 3, items[i].key);
		if ((rc = store_exec_stmt(st, s, __func__)) == 0)
			done[i] = store_changes(st) == 1;
	}
	if (rc != 0) {
		store_rollback(st);
		return rc;
	}
	return store_commit(st);
}

/* The candidates, without deleting any. */
static int
gc_show(struct store *st, const struct files_gc *g,
    void (*gone)(const char *, bool, void *), void *arg, int *count)
{
	struct dbstmt *s = gc_candidates(st, g, g->limit);
	int rc;

	while ((rc = store_step(st, s, __func__)) == 1) {
		gone(store_col_text(s, 0), db_column_int(s, 1) == 2, arg);
		(*count)++;
	}
	return rc;
}

int
store_files_gc(struct store *st, const struct files_gc *g,
    void (*gone)(const char *, bool, void *), void *arg, int *count)
{
	struct gc_item *items;
	bool done[GC_BATCH];
	int n, i, batch, forgotten, rc = 0;

	*count = 0;
	if (g->dry_run)
		return gc_show(st, g, gone, arg, count);
	if ((items = mt_calloc(GC_BATCH, sizeof(*items))) == NULL)
		return MT_ENOMEM;
	while (*count < g->limit) {
		batch = g->limit - *count < GC_BATCH ? g->limit - *count :
		    GC_BATCH;
		if ((rc = gc_list(st, g, items, batch, &n)) != 0 || n == 0)
			break;
		memset(done, 0, sizeof(done));
		if ((rc = gc_delete(st, g, items, n, done)) != 0)
			break;
		for (i = 0, forgotten = 0; i < n; i++)
			if (done[i]) {
				gone(items[i].key, items[i].released, arg);
				forgotten++;
			}
		*count += forgotten;
		if (n < batch || forgotten == 0)
			break;
	}
	mt_free(items);
	return rc;
}
