/*
 * store_message.c — every SQL statement of the message endpoints: mark
 * read (C12), list (C14), send (C15), get (C16), edit (C17), delete (C18).
 *
 * Unread counts follow one definition (F15): a participant's count is the
 * number of other users' user messages after their read position, in id
 * order. Each writer keeps that true incrementally: a send adds one for the
 * others, a read recounts after the new position, a delete takes one off
 * for those who had not read the message. Paging and its flags (F16) are
 * answered from one read snapshot, so they describe one state of the dialog.
 *
 * Messages come back as rows (lib/rows.h), read into one arena per
 * result; lib/shape.c writes their JSON, also for the bodies of
 * message.new and message.edited (event_body.c). The only JSON here is the
 * array of users who had archived the dialog, dialog.unarchived's
 * recipients (F14).
 */
#include <stdio.h>
#include <string.h>

#include "err.h"
#include "event_body.h"
#include "files.h"
#include "json.h"
#include "mem.h"
#include "store_common.h"
#include "store_int.h"
#include "store_members.h"
#include "store_message.h"
#include "tm.h"

#define ATT_COLS	"a.message_id, a.id, a.filename, a.content_type," \
			" a.size, a.width, a.height, a.thumbnail_s3_key"

/* PostgreSQL: one snapshot for the whole transaction, as SQLite's WAL. */
static const struct sql2 SQL_READ_BEGIN = {
	"BEGIN DEFERRED",
	"BEGIN ISOLATION LEVEL REPEATABLE READ, READ ONLY",
};
static const char SQL_READ_END[] = "ROLLBACK";
static const char SQL_READ_POS[] =
	"SELECT last_read_message_id FROM participants"
	" WHERE dialog_id = ? AND user_id = ?";
static const char SQL_MSG_GET[] =
	"SELECT " MESSAGE_COLS " FROM messages m"
	" WHERE m.id = ? AND m.dialog_id = ?";
static const char SQL_MSG_SENDER[] =
	"SELECT sender_id FROM messages WHERE id = ? AND dialog_id = ?";
static const char SQL_MSG_IN_DIALOG[] =
	"SELECT 1 FROM messages WHERE id = ? AND dialog_id = ?";
static const char SQL_WAS_IN_DIALOG[] =
	"SELECT 1 FROM deleted_messages WHERE id = ? AND dialog_id = ?";
static const char SQL_TOMBSTONE[] =
	"INSERT INTO deleted_messages (id, dialog_id, deleted_at)"
	" VALUES (?1, ?2, ?3) ON CONFLICT (id) DO UPDATE SET"
	" dialog_id = excluded.dialog_id, deleted_at = excluded.deleted_at";
static const char SQL_KEY_USED[] =
	"SELECT 1 FROM attachments WHERE s3_key = ?";
static const char SQL_ATT_INSERT[] =
	"INSERT INTO attachments (id, message_id, filename, content_type,"
	" size, s3_key, created_at, width, height) VALUES (?1, ?2, ?3, ?4,"
	" ?5, ?6, ?7, (SELECT width FROM uploads WHERE s3_key = ?6),"
	" (SELECT height FROM uploads WHERE s3_key = ?6))";
/* N5: the upload behind a key, and its use. */
static const char SQL_UPLOAD_GET[] =
	"SELECT dialog_id, user_id, content_type, size, state FROM uploads"
	" WHERE s3_key = ?";
static const char SQL_UPLOAD_ATTACH[] =
	"UPDATE uploads SET state = 1 WHERE s3_key = ?";
static const char SQL_ATT_OF_MSG[] =
	"SELECT " ATT_COLS " FROM attachments a WHERE a.message_id = ?"
	" ORDER BY a.created_at, a.id";
/*
 * F14, on every message: SQLite finds the archived rows through the
 * partial index participants_archived only when the condition is written
 * as the index's ("WHERE is_archived"), which PostgreSQL does not take of
 * an integer.
 */
#define ARCHIVED(is) "SELECT user_id FROM participants WHERE dialog_id = ?" \
	" AND " is " ORDER BY user_id"
#define UNARCHIVE(is) "UPDATE participants SET is_archived = 0" \
	" WHERE dialog_id = ? AND " is
static const struct sql2 SQL_ARCHIVED = {
	ARCHIVED("is_archived"), ARCHIVED("is_archived <> 0"),
};
static const struct sql2 SQL_UNARCHIVE = {
	UNARCHIVE("is_archived"), UNARCHIVE("is_archived <> 0"),
};
/* The sender has read up to their message: nothing of the dialog unread. */
static const char SQL_SENDER_READ[] =
	"UPDATE participants SET last_read_message_id = ?1,"
	" read_messages = " USER_MESSAGES(2)
	" WHERE dialog_id = ?2 AND user_id = ?3";
static const char SQL_KEY_FIND[] =
	"SELECT message_id FROM send_keys WHERE user_id = ?1"
	" AND dialog_id = ?2 AND key = ?3 AND created_at >= ?4";
static const char SQL_KEY_ADD[] =
	"INSERT INTO send_keys (user_id, dialog_id, key,"
	" message_id, created_at) VALUES (?1, ?2, ?3, ?4, ?5)"
	" ON CONFLICT (user_id, dialog_id, key) DO UPDATE SET"
	" message_id = excluded.message_id, created_at = excluded.created_at";
static const char SQL_HISTORY_ADD[] =
	"INSERT INTO message_edits (id, message_id, old_content, edited_at)"
	" SELECT ?, id, content, ? FROM messages WHERE id = ?";
static const char SQL_MSG_UPDATE[] =
	"UPDATE messages SET content = ?, last_edited_at = ? WHERE id = ?";
/*
 * A deleted user message ?3 of ?2 leaves the dialog's count. It was unread
 * (F15) for the others whose position is unset or before it, with an
 * unread count above 0 (one added by M5 has 0 and no position): they keep
 * their read_messages, so that their unread count drops by one. Everyone
 * else had accounted for it.
 */
static const char SQL_READ_UNDO[] =
	"UPDATE participants SET read_messages = read_messages - 1"
	" WHERE dialog_id = ?1 AND (user_id = ?2"
	" OR last_read_message_id >= ?3"
	" OR read_messages >= " USER_MESSAGES(1) ")";
static const char SQL_USER_MESSAGES_UNDO[] =
	"UPDATE dialogs SET user_messages = user_messages - 1 WHERE id = ?";
static const char SQL_MSG_DELETE[] =
	"DELETE FROM messages WHERE id = ?";
static const char SQL_DIALOG_LAST[] =
	"UPDATE dialogs SET last_message_at = (SELECT sent_at FROM messages"
	" WHERE dialog_id = ?1 ORDER BY id DESC LIMIT 1) WHERE id = ?1";
static const char SQL_READ_SET[] =
	"UPDATE participants SET last_read_message_id = ?1,"
	" read_messages = " READ_MESSAGES(2, 3, "id > ?1")
	" WHERE dialog_id = ?2 AND user_id = ?3";
static const char SQL_HISTORY[] =
	"SELECT id, old_content, edited_at FROM message_edits"
	" WHERE message_id = ? ORDER BY edited_at, id";

/*
 * Pages: the bound anchor is ?2, the limit ?3 (?2 for the latest); each
 * row a Message and whether it has attachments.
 */
#define PAGE_COLS	MESSAGE_COLS ", m.has_attachments"
static const char SQL_PAGE_LATEST[] =
	"SELECT " PAGE_COLS " FROM messages m WHERE m.dialog_id = ?1"
	" ORDER BY m.id DESC LIMIT ?2";
static const char SQL_PAGE_BEFORE[] =
	"SELECT " PAGE_COLS " FROM messages m WHERE m.dialog_id = ?1"
	" AND m.id < ?2 ORDER BY m.id DESC LIMIT ?3";
static const char SQL_PAGE_AFTER[] =
	"SELECT " PAGE_COLS " FROM messages m WHERE m.dialog_id = ?1"
	" AND m.id > ?2 ORDER BY m.id LIMIT ?3";
static const char SQL_PAGE_FROM[] =
	"SELECT " PAGE_COLS " FROM messages m WHERE m.dialog_id = ?1"
	" AND m.id >= ?2 ORDER BY m.id LIMIT ?3";
static const char SQL_PAGE_ATT[] =
	"SELECT " ATT_COLS " FROM attachments a"
	" JOIN messages m ON m.id = a.message_id"
	" WHERE m.dialog_id = ? AND m.id BETWEEN ? AND ?"
	" ORDER BY a.message_id, a.created_at, a.id";
static const char SQL_ANY_LT[] =
	"SELECT 1 FROM messages WHERE dialog_id = ? AND id < ? LIMIT 1";
static const char SQL_ANY_LE[] =
	"SELECT 1 FROM messages WHERE dialog_id = ? AND id <= ? LIMIT 1";
static const char SQL_ANY_GT[] =
	"SELECT 1 FROM messages WHERE dialog_id = ? AND id > ? LIMIT 1";
static const char SQL_ANY_GE[] =
	"SELECT 1 FROM messages WHERE dialog_id = ? AND id >= ? LIMIT 1";

/* Whether sql, with two text parameters, gives a row. */
static int
any_row(struct store *st, const char *sql, const char *a, const char *b,
    bool *found)
{
	struct dbstmt *s = store_stmt(st, sql);
	int rc;

	if (s == NULL)
		return MT_EIO;
	store_bind_text(s, 1, a);
	if (db_bind_parameter_count(s) > 1)
		store_bind_text(s, 2, b);
	if ((rc = store_step(st, s, __func__)) < 0)
		return rc;
	db_reset(s);
	*found = rc == 1;
	return 0;
}

/* A read snapshot for statements that must agree with each other. */
static int
read_begin(struct store *st)
{
	return store_exec_stmt(st, store_stmt(st, store_sql(st, SQL_READ_BEGIN)), __func__);
}

static void
read_end(struct store *st)
{
	if (!store_autocommit(st))
		(void)store_exec_stmt(st, store_stmt(st, SQL_READ_END),
		    __func__);
}

/* Ends a write transaction: commit when all went well, else roll back. */
static int
tx_end(struct store *st, int rc, const enum msg_result *res)
{
	if (rc != 0 || *res != MSG_OK) {
		store_rollback(st);
		return rc;
	}
	return store_commit(st);
}

/*
 * The caller's read position: *found whether they take part, *pos their
 * last_read_message_id (NULL when unset; free with mt_free()).
 */
static int
read_pos(struct store *st, const char *dialog_id, const char *user_id,
    bool *found, char **pos)
{
	int rc = store_participant_text(st, SQL_READ_POS, dialog_id, user_id,
	    pos);

	*found = rc == 0;
	return rc == MT_ENOTFOUND ? 0 : rc;
}

/* A new message slot of r, zeroed; NULL when out of memory. */
static struct message_row *
rows_push(struct message_rows *r)
{
	struct message_row *m;

	if (mt_reserve(&r->m, &r->cap, r->n + 1, sizeof(*m)) != 0)
		return NULL;
	m = &r->m[r->n++];
	memset(m, 0, sizeof(*m));
	return m;
}

/*
 * Appends the attachment of a row selected with ATT_COLS (from column 1)
 * to r->att; its url is a signed download URL with local storage (N5),
 * else "". The messages' att pointers are set by rows_link_att().
 */
static int
read_attachment(struct store *st, struct message_rows *r, struct dbstmt *s)
{
	const char *id = store_col_text(s, 1);
	struct attachment_row *a;
	struct download_link dl;

	if (mt_reserve(&r->att, &r->attcap, r->natt + 1, sizeof(*a)) != 0)
		return MT_ENOMEM;
	if (!files_enabled(st->files) || id == NULL ||
	    files_download_url(st->files, id, tm_now_us() / 1000000, &dl) != 0)
		*dl.url = '\0';
	a = &r->att[r->natt++];
	memset(a, 0, sizeof(*a));
	a->id = store_col_arena(s, 1, &r->arena);
	a->filename = store_col_arena(s, 2, &r->arena);
	a->content_type = store_col_arena(s, 3, &r->arena);
	a->size = db_column_int64(s, 4);
	if ((a->has_width = db_column_type(s, 5) != SQLITE_NULL))
		a->width = db_column_int64(s, 5);
	if ((a->has_height = db_column_type(s, 6) != SQLITE_NULL))
		a->height = db_column_int64(s, 6);
	a->url = arena_dup(&r->arena, dl.url);
	a->has_thumbnail = db_column_type(s, 7) != SQLITE_NULL;
	return r->arena.err;
}

/*
 * Points each message at its attachments: r->att holds them in the
 * order of the messages, m[i].natt of each.
 */
static void
rows_link_att(struct message_rows *r)
{
	size_t i, k = 0;

	for (i = 0; i < r->n; i++)
		if (r->m[i].natt > 0) {
			r->m[i].att = r->att + k;
			k += r->m[i].natt;
		}
}

/*
 * Appends the Message (docs/rest.md#message, without attachments) of id
 * in dialog_id to r; *found whether there is one.
 */
static int
message_read(struct store *st, const char *dialog_id, const char *id,
    struct message_rows *r, bool *found)
{
	struct dbstmt *s = store_stmt(st, SQL_MSG_GET);
	struct message_row *m;
	int rc;

	*found = false;
	if (s == NULL)
		return MT_EIO;
	store_bind_text(s, 1, id);
	store_bind_text(s, 2, dialog_id);
	if ((rc = store_step(st, s, __func__)) <= 0)
		return rc;
	if ((m = rows_push(r)) == NULL)
		rc = MT_ENOMEM;
	else {
		store_read_message(s, 0, &r->arena, m);
		rc = r->arena.err;
		*found = rc == 0;
	}
	db_reset(s);
	return rc;
}

/*
 * The Message that message_read() would read back for a row just
 * inserted without attachments, made from the row itself: a send does
 * not query what it has just written while it holds the write lock.
 */
static int
message_of_row(const struct msg_row *row, struct message_rows *r)
{
	struct message_row *m = rows_push(r);
	struct arena *a = &r->arena;

	if (m == NULL)
		return MT_ENOMEM;
	m->id = arena_dup(a, row->id);
	m->dialog_id = arena_dup(a, row->dialog_id);
	m->sender_id = arena_dup(a, row->sender_id);
	m->content = arena_dup(a, row->content);
	m->sent_at = row->sent_at;
	m->reply_to_id = arena_dup(a, row->reply_to_id);
	m->message_type = row->sender_id != NULL ? "user" : "system";
	return a->err;
}

/* Appends the attachments of the last message of r (possibly none). */
static int
message_attachments(struct store *st, struct message_rows *r)
{
	struct dbstmt *s = store_stmt(st, SQL_ATT_OF_MSG);
	struct message_row *m = &r->m[r->n - 1];
	int rc;

	if (s == NULL)
		return MT_EIO;
	store_bind_text(s, 1, m->id);
	while ((rc = store_step(st, s, __func__)) == 1) {
		if ((rc = read_attachment(st, r, s)) != 0) {
			db_reset(s);
			return rc;
		}
		m->natt++;
	}
	rows_link_att(r);
	return rc;
}

/* ---- C15: send ------------------------------------------------------ */

int
store_message_can_post(struct store *st, const char *dialog_id,
    const char *user_id, enum msg_result *res)
{
	bool dialog, member;
	int rc;

	*res = MSG_OK;
	if ((rc = store_membership(st, dialog_id, user_id, &dialog, &member))
	    != 0)
		return rc;
	if (!dialog)
		*res = MSG_NO_DIALOG;
	else if (!member)
		*res = MSG_NOT_PARTICIPANT;
	return 0;
}

/* Reports attachment i as the one that failed with res. */
static void
att_failed(const struct msg_send *m, size_t i, enum msg_result *res,
    enum msg_result what)
{
	*res = what;
	if (m->bad != NULL)
		*m->bad = i;
}

/*
 * N5: attachment a is a file that user uploaded to dialog, of its type
 * and size, not attached before (state 0); *ok false otherwise, *used
 * true when it was attached before.
 */
static int
upload_matches(struct store *st, const struct msg_send *m,
    const struct attach_in *a, bool *ok, bool *used)
{
	struct dbstmt *s = store_stmt(st, SQL_UPLOAD_GET);
	const char *d, *u, *ct;
	int rc;

	*ok = *used = false;
	if (s == NULL)
		return MT_EIO;
	db_bind_text(s, 1, a->s3_key, (int)a->s3_key_len, SQLITE_STATIC);
	if ((rc = store_step(st, s, __func__)) <= 0)
		return rc;
	d = store_col_text(s, 0);
	u = store_col_text(s, 1);
	ct = store_col_text(s, 2);
	*used = db_column_int(s, 4) != 0;
	*ok = d != NULL && strcmp(d, m->dialog_id) == 0 && u != NULL &&
	    strcmp(u, m->user_id) == 0 && ct != NULL &&
	    strcmp(ct, a->content_type) == 0 &&
	    db_column_int64(s, 3) == a->size;
	db_reset(s);
	return 0;
}

/* F5: every s3_key is new, also within the request; N5: and uploaded. */
static int
keys_unused(struct store *st, const struct msg_send *m,
    enum msg_result *res)
{
	size_t i, j;
	bool used, ok;
	int rc;

	for (i = 0; i < m->natt; i++) {
		for (j = 0; j < i; j++)
			if (m->att[j].s3_key_len == m->att[i].s3_key_len &&
			    memcmp(m->att[j].s3_key, m->att[i].s3_key,
			    m->att[i].s3_key_len) == 0) {
				att_failed(m, i, res, MSG_KEY_USED);
				return 0;
			}
		if ((rc = any_row(st, SQL_KEY_USED, m->att[i].s3_key, NULL,
		    &used)) != 0)
			return rc;
		if (used) {
			att_failed(m, i, res, MSG_KEY_USED);
			return 0;
		}
		if (!m->uploads)
			continue;
		if ((rc = upload_matches(st, m, &m->att[i], &ok, &used)) != 0)
			return rc;
		if (used || !ok) {
			att_failed(m, i, res, used ? MSG_KEY_USED :
			    MSG_NOT_UPLOADED);
			return 0;
		}
	}
	return 0;
}

/* The checks of a send, inside its transaction. */
static int
send_checks(struct store *st, const struct msg_send *m,
    enum msg_result *res)
{
	bool found;
	int rc;

	if ((rc = store_message_can_post(st, m->dialog_id, m->user_id, res))
	    != 0 || *res != MSG_OK)
		return rc;
	if (m->reply_to_id != NULL) {
		if ((rc = any_row(st, SQL_MSG_IN_DIALOG, m->reply_to_id,
		    m->dialog_id, &found)) != 0)
			return rc;
		if (!found) {
			*res = MSG_BAD_REPLY;
			return 0;
		}
	}
	return keys_unused(st, m, res);
}

static int
insert_attachments(struct store *st, const struct msg_send *m,
    const char *message_id)
{
	int64_t now = tm_now_us();
	char id[ID_BUF];
	struct dbstmt *s;
	size_t i;
	int rc;

	for (i = 0; i < m->natt; i++) {
		if ((rc = id_new(id)) != 0)
			return rc;
		if ((s = store_stmt(st, SQL_ATT_INSERT)) == NULL)
			return MT_EIO;
		store_bind_text(s, 1, id);
		store_bind_text(s, 2, message_id);
		store_bind_text(s, 3, m->att[i].filename);
		store_bind_text(s, 4, m->att[i].content_type);
		db_bind_int64(s, 5, m->att[i].size);
		db_bind_text(s, 6, m->att[i].s3_key,
		    (int)m->att[i].s3_key_len, SQLITE_STATIC);
		db_bind_int64(s, 7, now);
		if ((rc = store_exec_stmt(st, s, __func__)) != 0)
			return rc;
		if ((s = store_stmt(st, SQL_UPLOAD_ATTACH)) == NULL)
			return MT_EIO;
		db_bind_text(s, 1, m->att[i].s3_key,
		    (int)m->att[i].s3_key_len, SQLITE_STATIC);
		if ((rc = store_exec_stmt(st, s, __func__)) != 0)
			return rc;
	}
	return 0;
}

/* Runs sql with the two text parameters a and b. */
static int
exec2(struct store *st, const char *sql, const char *a, const char *b)
{
	struct dbstmt *s = store_stmt(st, sql);

	if (s == NULL)
		return MT_EIO;
	store_bind_text(s, 1, a);
	if (db_bind_parameter_count(s) > 1)
		store_bind_text(s, 2, b);
	return store_exec_stmt(st, s, __func__);
}

/* F14: unarchives the dialog; *users gets those who had archived it. */
static int
unarchive(struct store *st, const char *dialog_id, json_t **users)
{
	struct dbstmt *s = store_stmt(st, store_sql(st, SQL_ARCHIVED));
	int rc;

	if (s != NULL)
		store_bind_text(s, 1, dialog_id);
	if ((rc = store_collect_users(st, s, users)) != 0 ||
	    json_array_size(*users) == 0)
		return rc;
	return exec2(st, store_sql(st, SQL_UNARCHIVE), dialog_id, NULL);
}

/* The sender's read position moves to their new message. */
static int
sender_read(struct store *st, const struct msg_row *row)
{
	struct dbstmt *s = store_stmt(st, SQL_SENDER_READ);

	if (s == NULL)
		return MT_EIO;
	store_bind_text(s, 1, row->id);
	store_bind_text(s, 2, row->dialog_id);
	store_bind_text(s, 3, row->sender_id);
	return store_exec_stmt(st, s, __func__);
}

/* The rows of a send: message, attachments, counts, archive, position. */
static int
send_rows(struct store *st, const struct msg_send *m, struct msg_row *row,
    json_t **unarchived)
{
	int rc;

	row->dialog_id = m->dialog_id;
	row->sender_id = m->user_id;
	row->content = m->content;
	row->reply_to_id = m->reply_to_id;
	row->has_attachments = m->natt > 0;
	if ((rc = store_message_insert(st, row)) != 0 ||
	    (rc = insert_attachments(st, m, row->id)) != 0 ||
	    (rc = sender_read(st, row)) != 0)
		return rc;
	return unarchive(st, m->dialog_id, unarchived);
}

/*
 * The events of a send and the Message it answers with, as the one row
 * of out.
 */
static int
send_events(struct store *st, const struct msg_row *row,
    const json_t *unarchived, struct message_rows *out, int64_t *seq)
{
	struct msg_event ev = {
		.id = row->id, .dialog_id = row->dialog_id,
		.sender_id = row->sender_id, .content = row->content,
		.sent_at = row->sent_at, .reply_to_id = row->reply_to_id,
	};
	bool found;
	int rc;

	if ((rc = event_dialog_unarchived(st, row->dialog_id, unarchived,
	    seq)) != 0)
		return rc;
	if (!row->has_attachments)
		rc = message_of_row(row, out);
	else if ((rc = message_read(st, row->dialog_id, row->id, out,
	    &found)) == 0)
		rc = found ? message_attachments(st, out) : MT_EIO;
	if (rc != 0)
		return rc;
	ev.att = out->m[0].att;
	ev.natt = out->m[0].natt;
	return event_message_new(st, &ev, seq);
}

/* The Message with its attachments, as a send answers it; n 0 if none. */
static int
sent_message(struct store *st, const char *dialog_id, const char *id,
    struct message_rows *out)
{
	bool found;
	int rc;

	if ((rc = message_read(st, dialog_id, id, out, &found)) != 0 ||
	    !found)
		return rc;
	return message_attachments(st, out);
}

/*
 * A send repeated with the key of an earlier one (by the same user, to the
 * same dialog): *msg is that message, or NULL when the key is new.
 */
static int
send_repeated(struct store *st, const struct msg_send *m,
    struct message_rows *out)
{
	struct dbstmt *s = store_stmt(st, SQL_KEY_FIND);
	char id[ID_BUF];
	const char *t;
	int rc;

	if (s == NULL)
		return MT_EIO;
	store_bind_text(s, 1, m->user_id);
	store_bind_text(s, 2, m->dialog_id);
	store_bind_text(s, 3, m->key);
	db_bind_int64(s, 4, tm_now_us() - SEND_KEY_US);
	if ((rc = store_step(st, s, __func__)) <= 0)
		return rc;
	t = store_col_text(s, 0);
	rc = t != NULL && strlen(t) < ID_BUF ? 0 : MT_EIO;
	if (rc == 0)
		memcpy(id, t, strlen(t) + 1);
	db_reset(s);
	/* a message deleted since: the key is spent, nothing comes back */
	return rc != 0 ? rc : sent_message(st, m->dialog_id, id, out);
}

static int
key_remember(struct store *st, const struct msg_send *m, const char *id)
{
	struct dbstmt *s = store_stmt(st, SQL_KEY_ADD);

	if (s == NULL)
		return MT_EIO;
	store_bind_text(s, 1, m->user_id);
	store_bind_text(s, 2, m->dialog_id);
	store_bind_text(s, 3, m->key);
	store_bind_text(s, 4, id);
	db_bind_int64(s, 5, tm_now_us());
	return store_exec_stmt(st, s, __func__);
}

int
store_message_send(struct store *st, const struct msg_send *m,
    enum msg_result *res, struct message_rows *out, int64_t *seq)
{
	struct msg_row row = { 0 };
	json_t *unarchived = NULL;
	int rc;

	*res = MSG_OK;
	memset(out, 0, sizeof(*out));
	*seq = 0;
	if (m->repeated != NULL)
		*m->repeated = false;
	if ((rc = store_begin(st)) != 0)
		return rc;
	/* first: a retry's attachments are attached already, by itself */
	if (m->key != NULL && (rc = send_repeated(st, m, out)) == 0 &&
	    out->n > 0) {
		if (m->repeated != NULL)
			*m->repeated = true;
	} else if (rc == 0 && (rc = send_checks(st, m, res)) == 0 &&
	    *res == MSG_OK &&
	    (rc = send_rows(st, m, &row, &unarchived)) == 0 &&
	    (rc = send_events(st, &row, unarchived, out, seq)) == 0 &&
	    m->key != NULL)
		rc = key_remember(st, m, row.id);
	json_decref(unarchived);
	if ((rc = tx_end(st, rc, res)) != 0 || *res != MSG_OK)
		message_rows_free(out);
	return rc;
}

/* ---- C16: get ------------------------------------------------------- */

int
store_message_get(struct store *st, const struct msg_ref *m,
    enum msg_result *res, struct message_rows *out)
{
	bool found;
	int rc;

	*res = MSG_OK;
	memset(out, 0, sizeof(*out));
	if ((rc = message_read(st, m->dialog_id, m->message_id, out,
	    &found)) != 0 || !found) {
		message_rows_free(out);
		if (rc == 0)
			*res = MSG_NO_MESSAGE;
		return rc;
	}
	rc = store_participant_exists(st, m->dialog_id, m->user_id, &found);
	if (rc != 0 || !found) {
		*res = MSG_NOT_PARTICIPANT;
		message_rows_free(out);
	}
	return rc;
}

/* ---- C17, C18: edit and delete -------------------------------------- */

int
store_message_can_change(struct store *st, const struct msg_ref *m,
    enum msg_result *res)
{
	const char *dialog_id = m->dialog_id, *user_id = m->user_id;
	struct dbstmt *s = store_stmt(st, SQL_MSG_SENDER);
	const char *sender;
	bool own, found;
	int rc;

	*res = MSG_OK;
	if (s == NULL)
		return MT_EIO;
	store_bind_text(s, 1, m->message_id);
	store_bind_text(s, 2, dialog_id);
	if ((rc = store_step(st, s, __func__)) < 0)
		return rc;
	if (rc == 0) {
		*res = MSG_NO_MESSAGE;
		return 0;
	}
	sender = store_col_text(s, 0);
	own = sender != NULL && strcmp(sender, user_id) == 0;
	db_reset(s);
	if (!own) {
		*res = MSG_NOT_AUTHOR;
		return 0;
	}
	if ((rc = store_participant_exists(st, dialog_id, user_id, &found))
	    != 0)
		return rc;
	if (!found)
		*res = MSG_NOT_PARTICIPANT;	/* S7 */
	return 0;
}

/* The rows, the answer *msg and the event of an edit. */
static int
edit_rows(struct store *st, const struct msg_ref *m,
    struct message_rows *out, int64_t *seq)
{
	const char *dialog_id = m->dialog_id, *message_id = m->message_id;
	const char *content = m->content;
	int64_t now = tm_now_us();
	char id[ID_BUF];
	struct dbstmt *s;
	bool found;
	int rc;

	if ((rc = id_new(id)) != 0)
		return rc;
	if ((s = store_stmt(st, SQL_HISTORY_ADD)) == NULL)
		return MT_EIO;
	store_bind_text(s, 1, id);
	db_bind_int64(s, 2, now);
	store_bind_text(s, 3, message_id);
	if ((rc = store_exec_stmt(st, s, __func__)) != 0)
		return rc;
	if ((s = store_stmt(st, SQL_MSG_UPDATE)) == NULL)
		return MT_EIO;
	store_bind_text(s, 1, content);
	db_bind_int64(s, 2, now);
	store_bind_text(s, 3, message_id);
	if ((rc = store_exec_stmt(st, s, __func__)) != 0 ||
	    (rc = message_read(st, dialog_id, message_id, out, &found)) != 0)
		return rc;
	if (!found)
		return MT_EIO;
	return event_message_edited(st, &out->m[0], seq);
}

int
store_message_edit(struct store *st, const struct msg_ref *m,
    enum msg_result *res, struct message_rows *out, int64_t *seq)
{
	int rc;

	*res = MSG_OK;
	memset(out, 0, sizeof(*out));
	*seq = 0;
	if ((rc = store_begin(st)) != 0)
		return rc;
	if ((rc = store_message_can_change(st, m, res)) == 0 &&
	    *res == MSG_OK)
		rc = edit_rows(st, m, out, seq);
	if ((rc = tx_end(st, rc, res)) != 0 || *res != MSG_OK)
		message_rows_free(out);
	return rc;
}

/* The rows and event of a delete by its author user_id. */
static int
delete_rows(struct store *st, const char *dialog_id, const char *message_id,
    const char *user_id, int64_t *seq)
{
	struct dbstmt *s;
	int rc;

	if ((s = store_stmt(st, SQL_READ_UNDO)) == NULL)
		return MT_EIO;
	store_bind_text(s, 1, dialog_id);
	store_bind_text(s, 2, user_id);
	store_bind_text(s, 3, message_id);
	if ((rc = store_exec_stmt(st, s, __func__)) != 0 ||
	    (rc = exec2(st, SQL_USER_MESSAGES_UNDO, dialog_id, NULL)) != 0 ||
	    (rc = exec2(st, SQL_MSG_DELETE, message_id, NULL)) != 0 ||
	    (rc = exec2(st, SQL_DIALOG_LAST, dialog_id, NULL)) != 0)
		return rc;
	/* a read mark racing the delete is then a no-op, not a 404 */
	if ((s = store_stmt(st, SQL_TOMBSTONE)) == NULL)
		return MT_EIO;
	store_bind_text(s, 1, message_id);
	store_bind_text(s, 2, dialog_id);
	db_bind_int64(s, 3, tm_now_us());
	if ((rc = store_exec_stmt(st, s, __func__)) != 0)
		return rc;
	return event_message_deleted(st, message_id, dialog_id, seq);
}

int
store_message_delete(struct store *st, const struct msg_ref *m,
    enum msg_result *res, int64_t *seq)
{
	int rc;

	*res = MSG_OK;
	*seq = 0;
	if ((rc = store_begin(st)) != 0)
		return rc;
	if ((rc = store_message_can_change(st, m, res)) == 0 &&
	    *res == MSG_OK)
		rc = delete_rows(st, m->dialog_id, m->message_id, m->user_id,
		    seq);
	return tx_end(st, rc, res);
}

/* ---- C12: mark read ------------------------------------------------- */

/* The checks of a read mark, inside its transaction. */
static int
read_checks(struct store *st, const char *dialog_id, const char *user_id,
    const char *message_id, enum msg_result *res)
{
	char *pos = NULL;
	bool found;
	int rc;

	*res = MSG_OK;
	if ((rc = store_dialog_exists(st, dialog_id, &found)) != 0)
		return rc;
	if (!found) {
		*res = MSG_NO_DIALOG;
		return 0;
	}
	if ((rc = read_pos(st, dialog_id, user_id, &found, &pos)) != 0)
		return rc;
	if (!found)
		*res = MSG_NOT_PARTICIPANT;
	else if ((rc = any_row(st, SQL_MSG_IN_DIALOG, message_id, dialog_id,
	    &found)) == 0 && !found) {
		/* deleted a moment ago (the SDK marks what it showed): no-op */
		if ((rc = any_row(st, SQL_WAS_IN_DIALOG, message_id,
		    dialog_id, &found)) == 0)
			*res = found ? MSG_STALE : MSG_NO_MESSAGE;	/* S8 */
	} else if (rc == 0 && pos != NULL && strcmp(message_id, pos) <= 0)
		*res = MSG_STALE;		/* S8: never backwards */
	mt_free(pos);
	return rc;
}

int
store_message_mark_read(struct store *st, const struct msg_ref *m,
    enum msg_result *res, int64_t *seq)
{
	const char *dialog_id = m->dialog_id, *user_id = m->user_id;
	const char *message_id = m->message_id;
	struct dbstmt *s;
	int rc;

	*res = MSG_OK;
	*seq = 0;
	if ((rc = store_begin(st)) != 0)
		return rc;
	if ((rc = read_checks(st, dialog_id, user_id, message_id, res)) == 0 &&
	    *res == MSG_OK) {
		if ((s = store_stmt(st, SQL_READ_SET)) == NULL) {
			rc = MT_EIO;
		} else {
			store_bind_text(s, 1, message_id);
			store_bind_text(s, 2, dialog_id);
			store_bind_text(s, 3, user_id);
			rc = store_exec_stmt(st, s, __func__);
		}
		if (rc == 0)
			rc = event_message_read(st, dialog_id, user_id,
			    message_id, seq);
	}
	return tx_end(st, rc, res);
}

/* ---- C14: list ------------------------------------------------------ */

/*
 * A page is read into rows (lib/shape.c writes it): rows arrive newest
 * first for most pages and are turned round, and the one query for the
 * page's attachments runs once the page is known.
 */
struct page {
	struct message_rows *r;
	bool		 any_att;	/* a message has attachments */
	char		*read_pos;	/* the reader's (F15), or NULL */
};

/* Reverses the messages from base on (fetched newest first). */
static void
page_reverse(struct message_rows *r, size_t base)
{
	struct message_row t;

	for (size_t i = base, j = r->n; i + 1 < j; i++, j--) {
		t = r->m[i];
		r->m[i] = r->m[j - 1];
		r->m[j - 1] = t;
	}
}

/* Reads the row's message (PAGE_COLS) into the page. */
static int
page_add_row(struct page *pg, struct dbstmt *s)
{
	struct message_row *m = rows_push(pg->r);

	if (m == NULL)
		return MT_ENOMEM;
	store_read_message(s, 0, &pg->r->arena, m);
	if (pg->r->arena.err != 0)
		return pg->r->arena.err;
	if (m->id == NULL)
		return MT_EIO;
	if (db_column_int(s, MESSAGE_NCOLS) != 0)
		pg->any_att = true;
	return 0;
}

/*
 * Appends up to limit rows of sql (anchor bound as ?2 unless NULL) to
 * the page in ascending id order, turning round the statements that run
 * newest first.
 */
static int
fetch(struct store *st, const char *sql, const struct msg_page *q,
    long limit, struct page *pg)
{
	bool desc = sql == SQL_PAGE_LATEST || sql == SQL_PAGE_BEFORE;
	struct dbstmt *s = store_stmt(st, sql);
	size_t base = pg->r->n;
	int rc;

	if (s == NULL)
		return MT_EIO;
	store_bind_text(s, 1, q->dialog_id);
	if (sql == SQL_PAGE_LATEST)
		db_bind_int64(s, 2, limit);
	else {
		store_bind_text(s, 2, q->anchor);
		db_bind_int64(s, 3, limit);
	}
	while ((rc = store_step(st, s, __func__)) == 1)
		if ((rc = page_add_row(pg, s)) != 0) {
			db_reset(s);
			return rc;
		}
	if (desc)
		page_reverse(pg->r, base);
	return rc;
}

static int
fetch_page(struct store *st, const struct msg_page *q, struct page *pg)
{
	long half = q->limit / 2;
	int rc;

	switch (q->mode) {
	case PAGE_LATEST:
		return fetch(st, SQL_PAGE_LATEST, q, q->limit, pg);
	case PAGE_BEFORE:
		return fetch(st, SQL_PAGE_BEFORE, q, q->limit, pg);
	case PAGE_AFTER:
		return fetch(st, SQL_PAGE_AFTER, q, q->limit, pg);
	case PAGE_AROUND:
		if ((rc = fetch(st, SQL_PAGE_BEFORE, q, half, pg)) != 0)
			return rc;
		return fetch(st, SQL_PAGE_FROM, q, half + 1, pg);
	}
	return MT_EINVAL;
}

/*
 * F16: whether messages exist before the page's first and after its last
 * message; for an empty page, before and after the position asked for.
 */
static int
page_flags(struct store *st, const struct msg_page *q, struct page *pg)
{
	struct message_rows *r = pg->r;
	bool *before = &r->has_more_before, *after = &r->has_more_after;
	int rc;

	*before = *after = false;
	if (r->n > 0) {
		if ((rc = any_row(st, SQL_ANY_LT, q->dialog_id, r->m[0].id,
		    before)) != 0)
			return rc;
		return any_row(st, SQL_ANY_GT, q->dialog_id,
		    r->m[r->n - 1].id, after);
	}
	if (q->mode == PAGE_LATEST)	/* the position is "after the last" */
		return any_row(st, SQL_ANY_GT, q->dialog_id, "", before);
	if ((rc = any_row(st, q->mode == PAGE_AFTER ? SQL_ANY_LE : SQL_ANY_LT,
	    q->dialog_id, q->anchor, before)) != 0)
		return rc;
	return any_row(st, q->mode == PAGE_AFTER ? SQL_ANY_GT : SQL_ANY_GE,
	    q->dialog_id, q->anchor, after);
}

/* F15: the first message of the page after the reader's read position. */
static const char *
first_unread(const struct msg_page *q, const struct page *pg)
{
	const struct message_rows *r = pg->r;

	if (q->mode == PAGE_AROUND || r->n == 0)
		return NULL;
	if (pg->read_pos == NULL)
		return r->m[0].id;
	for (size_t i = 0; i < r->n; i++)
		if (strcmp(r->m[i].id, pg->read_pos) > 0)
			return r->m[i].id;
	return NULL;
}

/*
 * Adds the attachments of the page's messages, in one query
 * (docs/rest.md#message).
 */
static int
page_attachments(struct store *st, const struct msg_page *q, struct page *pg)
{
	struct message_rows *r = pg->r;
	size_t i = 0;
	struct dbstmt *s;
	int rc;

	if (!pg->any_att)
		return 0;
	if ((s = store_stmt(st, SQL_PAGE_ATT)) == NULL)
		return MT_EIO;
	store_bind_text(s, 1, q->dialog_id);
	store_bind_text(s, 2, r->m[0].id);
	store_bind_text(s, 3, r->m[r->n - 1].id);
	while ((rc = store_step(st, s, __func__)) == 1) {
		/* both in id order: walk the page along the rows */
		while (i < r->n &&
		    strcmp(r->m[i].id, store_col_text(s, 0)) < 0)
			i++;
		if (i == r->n || strcmp(r->m[i].id, store_col_text(s, 0)) != 0)
			continue;
		if ((rc = read_attachment(st, r, s)) != 0) {
			db_reset(s);
			return rc;
		}
		r->m[i].natt++;
	}
	rows_link_att(r);
	return rc;
}

int
store_message_list(struct store *st, const struct msg_page *q,
    enum msg_result *res, struct message_rows *out)
{
	struct page pg = { out, false, NULL };
	bool found;
	int rc;

	*res = MSG_OK;
	memset(out, 0, sizeof(*out));
	if ((rc = read_begin(st)) != 0)
		return rc;
	if ((rc = read_pos(st, q->dialog_id, q->user_id, &found,
	    &pg.read_pos)) != 0)
		goto out;
	if (!found) {
		*res = MSG_NOT_PARTICIPANT;
		goto out;
	}
	if ((rc = fetch_page(st, q, &pg)) == 0 &&
	    (rc = page_flags(st, q, &pg)) == 0 &&
	    (rc = page_attachments(st, q, &pg)) == 0)
		out->first_unread = first_unread(q, &pg);
out:
	read_end(st);
	mt_free(pg.read_pos);
	if (rc != 0)
		message_rows_free(out);
	return rc;
}

/* ---- edit history --------------------------------------------------- */

int
store_message_history(struct store *st, const char *message_id,
    struct edit_rows *out)
{
	struct dbstmt *s = store_stmt(st, SQL_HISTORY);
	struct edit_row *e;
	int rc;

	memset(out, 0, sizeof(*out));
	if (s == NULL)
		return MT_EIO;
	store_bind_text(s, 1, message_id);
	while ((rc = store_step(st, s, __func__)) == 1) {
		if (mt_reserve(&out->v, &out->cap, out->n + 1, sizeof(*e))
		    != 0) {
			db_reset(s);
			rc = MT_ENOMEM;
			break;
		}
		e = &out->v[out->n++];
		e->id = store_col_arena(s, 0, &out->arena);
		e->old_content = store_col_arena(s, 1, &out->arena);
		e->edited_at = db_column_int64(s, 2);
		if ((rc = out->arena.err) != 0) {
			db_reset(s);
			break;
		}
	}
	if (rc != 0)
		edit_rows_free(out);
	return rc;
}
