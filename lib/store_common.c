/*
 * store_common.c — existence checks and message insertion shared by the
 * dialog, message and management statements.
 *
 * JSON here (lib/shape.c makes the API's): a system message's content,
 * stored as JSON text (docs/rest.md#system-messages), and the JSON arrays
 * of user ids that per-user events are addressed to (event_body.h).
 */
#include <stdio.h>

#include "err.h"
#include "event_body.h"
#include "json.h"
#include "mem.h"
#include "store_common.h"
#include "store_int.h"
#include "tm.h"

static const char SQL_DIALOG_EXISTS[] =
	"SELECT 1 FROM dialogs WHERE id = ?";
static const char SQL_PARTICIPANT_EXISTS[] =
	"SELECT 1 FROM participants WHERE dialog_id = ? AND user_id = ?";
static const char SQL_NEWEST_MESSAGE[] =
	"SELECT max(id) FROM messages";
static const char SQL_MESSAGE_INSERT[] =
	"INSERT INTO messages (id, dialog_id, sender_id, content, sent_at,"
	" reply_to_id, message_type, has_attachments)"
	" VALUES (?, ?, ?, ?, ?, ?, ?, ?)";
/* ?3: 1 for a user message, which counts towards unread counts (F15). */
static const char SQL_DIALOG_TOUCH[] =
	"UPDATE dialogs SET last_message_at = ?1,"
	" user_messages = user_messages + ?3 WHERE id = ?2";

/* Runs a statement with bound parameters; *found is whether it had a row. */
static int
step_found(struct store *st, struct dbstmt *s, bool *found)
{
	int rc = store_step(st, s, __func__);

	if ((*found = rc == 1))
		db_reset(s);
	return rc < 0 ? rc : 0;
}

int
store_dialog_exists(struct store *st, const char *dialog_id, bool *exists)
{
	struct dbstmt *s = store_stmt(st, SQL_DIALOG_EXISTS);

	if (s == NULL)
		return MT_EIO;
	store_bind_text(s, 1, dialog_id);
	return step_found(st, s, exists);
}

int
store_participant_exists(struct store *st, const char *dialog_id,
    const char *user_id, bool *exists)
{
	struct dbstmt *s = store_stmt(st, SQL_PARTICIPANT_EXISTS);

	if (s == NULL)
		return MT_EIO;
	store_bind_text(s, 1, dialog_id);
	store_bind_text(s, 2, user_id);
	return step_found(st, s, exists);
}

int
store_participant_text(struct store *st, const char *sql,
    const char *dialog_id, const char *user_id, char **text)
{
	struct dbstmt *s = store_stmt(st, sql);
	int rc, oom = 0;

	*text = NULL;
	if (s == NULL)
		return MT_EIO;
	store_bind_text(s, 1, dialog_id);
	store_bind_text(s, 2, user_id);
	if ((rc = store_step(st, s, __func__)) != 1)
		return rc == 0 ? MT_ENOTFOUND : rc;
	*text = store_col_dup(s, 0, &oom);
	db_reset(s);
	return oom ? MT_ENOMEM : 0;
}

int
store_membership(struct store *st, const char *dialog_id,
    const char *user_id, bool *dialog, bool *participant)
{
	int rc;

	*participant = false;
	if ((rc = store_dialog_exists(st, dialog_id, dialog)) != 0 ||
	    !*dialog || user_id == NULL)
		return rc;
	return store_participant_exists(st, dialog_id, user_id, participant);
}

/* A new message id after the newest one in the database. */
static int
next_message_id(struct store *st, char out[ID_BUF])
{
	struct dbstmt *s = store_stmt(st, SQL_NEWEST_MESSAGE);
	char floor[ID_BUF] = "";
	int rc;

	if (s == NULL)
		return MT_EIO;
	rc = db_step(s);
	if (rc == SQLITE_ROW && store_col_text(s, 0) != NULL)
		snprintf(floor, sizeof(floor), "%s", store_col_text(s, 0));
	db_reset(s);
	if (rc != SQLITE_ROW)
		return store_rc(st, rc, __func__);
	return id_new_after(*floor ? floor : NULL, out);
}

int
store_message_insert(struct store *st, struct msg_row *m)
{
	struct dbstmt *s;
	int rc;

	if ((rc = next_message_id(st, m->id)) != 0)
		return rc;
	m->sent_at = tm_now_us();
	if ((s = store_stmt(st, SQL_MESSAGE_INSERT)) == NULL)
		return MT_EIO;
	store_bind_text(s, 1, m->id);
	store_bind_text(s, 2, m->dialog_id);
	store_bind_text(s, 3, m->sender_id);
	store_bind_text(s, 4, m->content);
	db_bind_int64(s, 5, m->sent_at);
	store_bind_text(s, 6, m->reply_to_id);
	store_bind_text(s, 7, m->sender_id ? "user" : "system");
	db_bind_int(s, 8, m->has_attachments);
	if ((rc = store_exec_stmt(st, s, __func__)) != 0)
		return rc;
	if ((s = store_stmt(st, SQL_DIALOG_TOUCH)) == NULL)
		return MT_EIO;
	db_bind_int64(s, 1, m->sent_at);
	store_bind_text(s, 2, m->dialog_id);
	db_bind_int(s, 3, m->sender_id != NULL);
	return store_exec_stmt(st, s, __func__);
}

int
store_system_message(struct store *st, const char *dialog_id,
    const json_t *content, bool broadcast, int64_t *seq)
{
	struct msg_event ev = { 0 };
	struct msg_row row;
	char *text;
	int rc;

	if ((text = json_encode_sorted(content)) == NULL)
		return MT_ENOMEM;
	row.dialog_id = dialog_id;
	row.sender_id = NULL;
	row.reply_to_id = NULL;
	row.has_attachments = false;
	row.content = text;
	rc = store_message_insert(st, &row);
	if (rc == 0 && broadcast) {
		ev.id = row.id;
		ev.dialog_id = dialog_id;
		ev.content = text;
		ev.sent_at = row.sent_at;
		rc = event_message_new(st, &ev, seq);
	}
	mt_free(text);
	return rc;
}

int
store_collect_users(struct store *st, struct dbstmt *s, json_t **users)
{
	json_t *arr;
	int rc;

	*users = NULL;
	if (s == NULL)
		return MT_EIO;
	if ((arr = json_array()) == NULL) {
		db_reset(s);
		return MT_ENOMEM;
	}
	while ((rc = store_step(st, s, __func__)) == 1)
		if (json_array_append_new(arr,
		    json_string(store_col_text(s, 0))) != 0) {
			db_reset(s);
			rc = MT_ENOMEM;
			break;
		}
	if (rc != 0) {
		json_decref(arr);
		return rc;
	}
	*users = arr;
	return 0;
}
