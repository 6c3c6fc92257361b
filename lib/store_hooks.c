/*
 * store_hooks.c — the statements of mtchat-hooks (sql/0005-hooks.sql):
 * change-log rows into the outbox, the delayed notification checks of F12,
 * the outbox itself and its dead letters.
 *
 * The key idea: a webhook's body — envelope id, timestamp, payload — is
 * built once, when its event is taken from the change-log, in the same
 * transaction that moves the cursor. Every attempt, and the one after a
 * crash, then signs and sends the same bytes under the same X-Webhook-Id,
 * and the change-log row may be pruned as soon as the cursor passed it.
 *
 * JSON here: the stored event bodies are parsed for the payload of the
 * webhook built from them (they are stored text, not made from rows).
 */
#include <string.h>

#include "changelog.h"
#include "err.h"
#include "hook.h"
#include "json.h"
#include "log.h"
#include "mem.h"
#include "store_hooks.h"
#include "store_int.h"
#include "tm.h"

static const char SQL_DIALOG[] =
	"SELECT id, object_id, object_type, title FROM dialogs WHERE id = ?";
static const char SQL_JOINED_AT[] =
	"SELECT joined_at FROM participants WHERE dialog_id = ? AND user_id = ?";
static const char SQL_QUEUE[] =
	"INSERT INTO hook_outbox (event_id, event, body, created_at)"
	" VALUES (?, ?, ?, ?)";
static const char SQL_CHECK_ADD[] =
	"INSERT INTO hook_notify (message_id, due_at) VALUES (?, ?)"
	" ON CONFLICT (message_id) DO NOTHING";
static const char SQL_CHECKS_DUE[] =
	"SELECT message_id FROM hook_notify WHERE due_at <= ?"
	" ORDER BY due_at, message_id LIMIT ?";
static const char SQL_CHECK_DONE[] =
	"DELETE FROM hook_notify WHERE message_id = ?";
static const char SQL_CHECK_NEXT[] =
	"SELECT min(due_at) FROM hook_notify";
/*
 * A check's user message, its dialog and the sender's company
 * (docs/webhooks.md#notifications).
 */
static const char SQL_CHECK_MESSAGE[] =
	"SELECT m.id, m.sender_id, m.content, m.reply_to_id, m.sent_at,"
	" m.message_type, d.id, d.object_id, d.object_type, d.title,"
	" (SELECT company FROM participants"
	" WHERE dialog_id = d.id AND user_id = m.sender_id)"
	" FROM messages m JOIN dialogs d ON d.id = m.dialog_id"
	" WHERE m.id = ? AND m.message_type = 'user'";
/*
 * Who is told of message ?1, sent at ?2 by ?3 in dialog ?4
 * (docs/webhooks.md#notifications, F12): the other participants who were in the
 * dialog when it was sent, with notifications on, whose read position is before
 * that message (ids follow commit order) and who have something unread at all.
 */
static const char SQL_CHECK_RECIPIENTS[] =
	"SELECT p.user_id FROM participants p"
	" JOIN dialogs d ON d.id = p.dialog_id"
	" WHERE p.dialog_id = ?4 AND p.user_id <> ?3"
	" AND p.notifications_enabled <> 0 AND p.joined_at <= ?2"
	" AND (p.last_read_message_id IS NULL"
	" OR p.last_read_message_id < ?1)"
	" AND d.user_messages > p.read_messages"
	" ORDER BY p.joined_at, p.user_id";
static const char SQL_HEAD[] =
	"SELECT id, event_id, event, body, attempts, next_at FROM hook_outbox"
	" ORDER BY id LIMIT 1";
static const char SQL_ACK[] =
	"DELETE FROM hook_outbox WHERE id = ?";
static const char SQL_RETRY[] =
	"UPDATE hook_outbox SET attempts = ?2, next_at = ?3, last_error = ?4"
	" WHERE id = ?1";
static const char SQL_BURY[] =
	"INSERT INTO hook_dead (event_id, event, body, attempts,"
	" last_error, created_at, failed_at) SELECT event_id, event, body, ?2,"
	" ?3, created_at, ?4 FROM hook_outbox WHERE id = ?1"
	" ON CONFLICT (event_id) DO UPDATE SET event = excluded.event,"
	" body = excluded.body, attempts = excluded.attempts,"
	" last_error = excluded.last_error, created_at = excluded.created_at,"
	" failed_at = excluded.failed_at";
static const char SQL_REPLAY_ONE[] =
	"INSERT INTO hook_outbox (event_id, event, body, created_at)"
	" SELECT event_id, event, body, created_at FROM hook_dead"
	" WHERE event_id = ?";
static const char SQL_REPLAY_ALL[] =
	"INSERT INTO hook_outbox (event_id, event, body, created_at)"
	" SELECT event_id, event, body, created_at FROM hook_dead"
	" ORDER BY failed_at, event_id";
static const char SQL_DEAD_DROP_ONE[] =
	"DELETE FROM hook_dead WHERE event_id = ?";
static const char SQL_DEAD_DROP_ALL[] =
	"DELETE FROM hook_dead";
static const char SQL_DEAD_LIST[] =
	"SELECT event_id, event, attempts, last_error, created_at, failed_at"
	" FROM hook_dead ORDER BY failed_at, event_id";
static const char SQL_COUNTS[] =
	"SELECT (SELECT count(*) FROM hook_outbox),"
	" (SELECT count(*) FROM hook_notify), (SELECT count(*) FROM hook_dead)";

/* Commits when rc is 0, else rolls back; returns the outcome. */
static int
finish(struct store *st, int rc)
{
	if (rc != 0) {
		store_rollback(st);
		return rc;
	}
	return store_commit(st);
}

/* Queues a webhook of event whose payload (stolen) is built already. */
static int
queue(struct store *st, const char *event, json_t *payload)
{
	char id[ID_BUF], *body;
	struct dbstmt *s;
	int rc;

	if (payload == NULL)
		return MT_ENOMEM;
	if ((rc = id_new(id)) != 0) {
		json_decref(payload);
		return rc;
	}
	if ((body = hook_envelope(id, event, hook_now_ns(), payload)) == NULL)
		return MT_ENOMEM;
	if ((s = store_stmt(st, SQL_QUEUE)) == NULL)
		rc = MT_EIO;
	else {
		store_bind_text(s, 1, id);
		store_bind_text(s, 2, event);
		store_bind_text(s, 3, body);
		db_bind_int64(s, 4, tm_now_us());
		rc = store_exec_stmt(st, s, __func__);
	}
	mt_free(body);
	return rc;
}

/* --- change-log rows into the outbox ----------------------------------- */

struct take_ctx {
	struct store		*st;
	const struct hooks_take	*o;
	int			 rows, queued;
};

/*
 * Steps *sp (SQL_DIALOG) onto the dialog: d points into its row until the
 * caller resets *sp. *found is false when the dialog is gone.
 */
static int
dialog_row(struct store *st, const char *id, struct dbstmt **sp,
    struct hook_dialog *d, bool *found)
{
	struct dbstmt *s = store_stmt(st, SQL_DIALOG);
	int rc;

	*sp = s;
	*found = false;
	if (s == NULL)
		return MT_EIO;
	store_bind_text(s, 1, id);
	if ((rc = db_step(s)) == SQLITE_ROW) {
		*found = true;
		d->id = store_col_text(s, 0);
		d->object_id = store_col_text(s, 1);
		d->object_type = store_col_text(s, 2);
		d->title = store_col_text(s, 3);
		return 0;
	}
	return rc == SQLITE_DONE ? 0 : store_rc(st, rc, __func__);
}

static void
gone(const struct changelog_row *r)
{
	log_info("seq %lld: dialog %s is gone, its %s webhook is not sent",
	    (long long)r->seq, r->dialog_id ? r->dialog_id : "-", r->type);
}

/* A check of message id at due_us, unless there is one. */
static int
check_add(struct store *st, const char *id, int64_t due_us)
{
	struct dbstmt *s = store_stmt(st, SQL_CHECK_ADD);

	if (s == NULL)
		return MT_EIO;
	store_bind_text(s, 1, id);
	db_bind_int64(s, 2, due_us);
	return store_exec_stmt(st, s, __func__);
}

/* message.new of a user message: its body is the change-log row's. */
static int
take_message(struct take_ctx *c, const struct changelog_row *r)
{
	struct hook_dialog d;
	struct hook_message m;
	struct dbstmt *s;
	json_t *body;
	char err[64];
	bool found;
	int rc;

	/*
	 * Bodies are json_encode()'s: one that does not parse is a failed
	 * allocation, and the batch is taken again later.
	 */
	if ((body = json_parse(r->body, strlen(r->body), err,
	    sizeof(err))) == NULL) {
		log_warnx("%s: seq %lld: %s", __func__, (long long)r->seq, err);
		return MT_ENOMEM;
	}
	m = (struct hook_message){
		.id = json_get_str(body, "id"),
		.sender_id = json_get_str(body, "sender_id"),
		.content = json_get_str(body, "content"),
		.reply_to = json_get_str(body, "reply_to_id"),
		.created_at = json_get_str(body, "sent_at"),
		.message_type = json_get_str(body, "message_type"),
	};
	if (m.id == NULL || m.sender_id == NULL || m.content == NULL ||
	    m.created_at == NULL || m.message_type == NULL) {
		log_warnx("%s: seq %lld: not a user message", __func__,
		    (long long)r->seq);
		json_decref(body);
		return 0;
	}
	rc = dialog_row(c->st, r->dialog_id, &s, &d, &found);
	if (rc == 0 && found &&
	    (rc = queue(c->st, "message.new", hook_message_new(&d, &m))) == 0)
		c->queued++;
	if (s != NULL)
		db_reset(s);
	if (rc == 0 && !found)
		gone(r);
	if (rc == 0 && found && c->o->notify)
		rc = check_add(c->st, m.id, r->created_at +
		    c->o->notify_delay_us);
	json_decref(body);
	return rc;
}

/* When the joiner's row says they joined, else when the event was made. */
static int
joined_at(struct store *st, const char *dialog_id, const char *user,
    int64_t fallback, int64_t *at)
{
	struct dbstmt *s = store_stmt(st, SQL_JOINED_AT);
	int rc;

	*at = fallback;
	if (s == NULL)
		return MT_EIO;
	store_bind_text(s, 1, dialog_id);
	store_bind_text(s, 2, user);
	if ((rc = db_step(s)) == SQLITE_ROW)
		*at = db_column_int64(s, 0);
	db_reset(s);
	return rc == SQLITE_ROW || rc == SQLITE_DONE ? 0 :
	    store_rc(st, rc, __func__);
}

/* participant.joined (C5) and participant.left (C6). */
static int
take_membership(struct take_ctx *c, const struct changelog_row *r)
{
	bool joined = strcmp(r->type, "participant.joined") == 0, found;
	struct hook_dialog d;
	struct dbstmt *s;
	int64_t at = r->created_at;
	int rc;

	if (r->subject_user == NULL)
		return 0;
	rc = dialog_row(c->st, r->dialog_id, &s, &d, &found);
	if (rc == 0 && found && joined)
		rc = joined_at(c->st, r->dialog_id, r->subject_user,
		    r->created_at, &at);
	if (rc == 0 && found &&
	    (rc = queue(c->st, r->type, joined ?
	    hook_participant_joined(&d, r->subject_user, at) :
	    hook_participant_left(&d, r->subject_user, at))) == 0)
		c->queued++;
	if (s != NULL)
		db_reset(s);
	if (rc == 0 && !found)
		gone(r);
	return rc;
}

static const struct {
	const char	*type;
	int		(*take)(struct take_ctx *, const struct changelog_row *);
} takers[] = {
	{ "message.new", take_message },
	{ "participant.joined", take_membership },
	{ "participant.left", take_membership },
};

/* changelog_read_after() callback. */
static int
take_row(const struct changelog_row *r, void *arg)
{
	struct take_ctx *c = arg;
	size_t i;

	c->rows++;
	if (!r->webhook)
		return 0;
	for (i = 0; i < sizeof(takers) / sizeof(takers[0]); i++)
		if (strcmp(takers[i].type, r->type) == 0)
			return takers[i].take(c, r);
	return 0;
}

int
store_hooks_take(struct store *st, const struct hooks_take *o, int *rows,
    int *queued)
{
	struct take_ctx c = { .st = st, .o = o };
	int64_t after = 0, last = 0, head = 0;
	int rc;

	*rows = *queued = 0;
	/* Nothing new: no write lock taken (mtchat-hooks looks every second). */
	if (cursor_get(st, o->cursor, &after) == 0 &&
	    changelog_head(st, &head) == 0 && head <= after)
		return 0;
	if ((rc = store_begin(st)) != 0)
		return rc;
	if ((rc = cursor_get(st, o->cursor, &after)) == MT_ENOTFOUND) {
		if ((rc = changelog_head(st, &after)) == 0)
			rc = cursor_set(st, o->cursor, after);
		if (rc == 0)
			log_info("cursor %s registered at seq %lld", o->cursor,
			    (long long)after);
		return finish(st, rc);
	}
	if (rc == 0)
		rc = changelog_read_after(st, after, o->limit, take_row, &c,
		    &last);
	if (rc == 0 && last > after)
		rc = cursor_set(st, o->cursor, last);
	if ((rc = finish(st, rc)) != 0)
		return rc;
	*rows = c.rows;
	*queued = c.queued;
	return 0;
}

/* --- notification checks (F12) ----------------------------------------- */

/* Queues the notification.pending webhooks of one check; *n counts them. */
static int
check_run(struct store *st, const char *message_id, int *n)
{
	struct dbstmt *m = store_stmt(st, SQL_CHECK_MESSAGE), *r;
	struct hook_message hm;
	struct hook_dialog d;
	char sent[TM_BUF];
	const char *company;
	int rc;

	if (m == NULL)
		return MT_EIO;
	store_bind_text(m, 1, message_id);
	if ((rc = store_step(st, m, __func__)) != 1)	/* 0: gone, nobody */
		return rc;
	if (tm_format(db_column_int64(m, 4), sent, sizeof(sent)) != 0)
		sent[0] = '\0';
	hm = (struct hook_message){
		.id = store_col_text(m, 0), .sender_id = store_col_text(m, 1),
		.content = store_col_text(m, 2),
		.reply_to = store_col_text(m, 3), .created_at = sent,
		.message_type = store_col_text(m, 5),
	};
	d = (struct hook_dialog){
		.id = store_col_text(m, 6), .object_id = store_col_text(m, 7),
		.object_type = store_col_text(m, 8),
		.title = store_col_text(m, 9),
	};
	company = store_col_text(m, 10);
	if ((r = store_stmt(st, SQL_CHECK_RECIPIENTS)) == NULL) {
		db_reset(m);
		return MT_EIO;
	}
	store_bind_text(r, 1, hm.id);
	db_bind_int64(r, 2, db_column_int64(m, 4));
	store_bind_text(r, 3, hm.sender_id);
	store_bind_text(r, 4, d.id);
	while ((rc = store_step(st, r, __func__)) == 1) {
		if ((rc = queue(st, "notification.pending",
		    hook_notification_pending(&d, store_col_text(r, 0),
		    company, &hm))) != 0) {
			db_reset(r);
			break;
		}
		(*n)++;
	}
	db_reset(m);
	return rc;
}

/* Copies the ids of up to HOOKS_NOTIFY_BATCH checks due by now. */
static int
checks_due(struct store *st, int64_t now_us,
    char ids[HOOKS_NOTIFY_BATCH][ID_BUF], int *n)
{
	struct dbstmt *s = store_stmt(st, SQL_CHECKS_DUE);
	const char *id;
	int rc;

	*n = 0;
	if (s == NULL)
		return MT_EIO;
	db_bind_int64(s, 1, now_us);
	db_bind_int(s, 2, HOOKS_NOTIFY_BATCH);
	while ((rc = store_step(st, s, __func__)) == 1 &&
	    *n < HOOKS_NOTIFY_BATCH)
		if ((id = store_col_text(s, 0)) != NULL &&
		    strlen(id) == ID_LEN)
			memcpy(ids[(*n)++], id, ID_BUF);
	db_reset(s);	/* a row left when the batch is full */
	return rc < 0 ? rc : 0;
}

int
store_hooks_notify(struct store *st, int64_t now_us, int *checks,
    int *queued)
{
	char ids[HOOKS_NOTIFY_BATCH][ID_BUF];
	struct dbstmt *s;
	int64_t due;
	int i, n = 0, q = 0, rc;

	*checks = *queued = 0;
	if ((rc = store_hooks_notify_next(st, &due)) == MT_ENOTFOUND ||
	    (rc == 0 && due > now_us))
		return 0;
	if ((rc = store_begin(st)) != 0)
		return rc;
	rc = checks_due(st, now_us, ids, &n);
	for (i = 0; rc == 0 && i < n; i++) {
		if ((rc = check_run(st, ids[i], &q)) != 0)
			break;
		if ((s = store_stmt(st, SQL_CHECK_DONE)) == NULL) {
			rc = MT_EIO;
			break;
		}
		store_bind_text(s, 1, ids[i]);
		rc = store_exec_stmt(st, s, __func__);
	}
	if ((rc = finish(st, rc)) != 0)
		return rc;
	*checks = n;
	*queued = q;
	return 0;
}

int
store_hooks_notify_next(struct store *st, int64_t *due_us)
{
	struct dbstmt *s = store_stmt(st, SQL_CHECK_NEXT);
	int rc, none = 1;

	if (s == NULL)
		return MT_EIO;
	if ((rc = db_step(s)) == SQLITE_ROW &&
	    db_column_type(s, 0) != SQLITE_NULL) {
		*due_us = db_column_int64(s, 0);
		none = 0;
	}
	db_reset(s);
	if (rc != SQLITE_ROW)
		return store_rc(st, rc, __func__);
	return none ? MT_ENOTFOUND : 0;
}

/* --- the outbox --------------------------------------------------------- */

void
store_hooks_delivery_reset(struct hook_delivery *d)
{
	mt_free(d->body);
	memset(d, 0, sizeof(*d));
}

/* Copies the head row of s into d. */
static int
delivery_copy(struct dbstmt *s, struct hook_delivery *d)
{
	const char *event_id = store_col_text(s, 1);
	const char *event = store_col_text(s, 2);
	int oom = 0;

	/* Both go into request headers: ours, or nothing. */
	if (event_id == NULL || !id_is_canonical(event_id) ||
	    hook_body_type(event) == NULL || strlen(event) >= sizeof(d->event))
		return MT_EIO;
	d->id = db_column_int64(s, 0);
	memcpy(d->event_id, event_id, ID_BUF);
	memcpy(d->event, event, strlen(event) + 1);
	if ((d->body = store_col_dup(s, 3, &oom)) == NULL)
		return oom ? MT_ENOMEM : MT_EIO;
	d->len = (size_t)db_column_bytes(s, 3);
	d->attempts = db_column_int(s, 4);
	d->next_at = db_column_int64(s, 5);
	return 0;
}

int
store_hooks_head(struct store *st, struct hook_delivery *d)
{
	struct dbstmt *s = store_stmt(st, SQL_HEAD);
	int rc;

	memset(d, 0, sizeof(*d));
	if (s == NULL)
		return MT_EIO;
	if ((rc = db_step(s)) == SQLITE_ROW) {
		if ((rc = delivery_copy(s, d)) != 0) {
			log_warnx("%s: outbox row %lld is malformed", __func__,
			    (long long)db_column_int64(s, 0));
			store_hooks_delivery_reset(d);
		}
		db_reset(s);
		return rc;
	}
	db_reset(s);
	return rc == SQLITE_DONE ? MT_ENOTFOUND : store_rc(st, rc, __func__);
}

/* Runs SQL_ACK on id inside the open transaction. */
static int
outbox_delete(struct store *st, int64_t id)
{
	struct dbstmt *s = store_stmt(st, SQL_ACK);

	if (s == NULL)
		return MT_EIO;
	db_bind_int64(s, 1, id);
	return store_exec_stmt(st, s, __func__);
}

int
store_hooks_ack(struct store *st, int64_t id)
{
	int rc;

	if ((rc = store_begin(st)) != 0)
		return rc;
	return finish(st, outbox_delete(st, id));
}

int
store_hooks_retry(struct store *st, int64_t id, int attempts,
    int64_t next_at, const char *error)
{
	struct dbstmt *s;
	int rc;

	if ((rc = store_begin(st)) != 0)
		return rc;
	if ((s = store_stmt(st, SQL_RETRY)) == NULL)
		return finish(st, MT_EIO);
	db_bind_int64(s, 1, id);
	db_bind_int(s, 2, attempts);
	db_bind_int64(s, 3, next_at);
	store_bind_text(s, 4, error);
	return finish(st, store_exec_stmt(st, s, __func__));
}

int
store_hooks_bury(struct store *st, int64_t id, int attempts,
    const char *error)
{
	struct dbstmt *s;
	int rc;

	if ((rc = store_begin(st)) != 0)
		return rc;
	if ((s = store_stmt(st, SQL_BURY)) == NULL)
		return finish(st, MT_EIO);
	db_bind_int64(s, 1, id);
	db_bind_int(s, 2, attempts);
	store_bind_text(s, 3, error ? error : "");
	db_bind_int64(s, 4, tm_now_us());
	if ((rc = store_exec_stmt(st, s, __func__)) == 0)
		rc = outbox_delete(st, id);
	return finish(st, rc);
}

int
store_hooks_replay(struct store *st, const char *event_id, int *n)
{
	struct dbstmt *s;
	int rc;

	*n = 0;
	if ((rc = store_begin(st)) != 0)
		return rc;
	if ((s = store_stmt(st, event_id ? SQL_REPLAY_ONE : SQL_REPLAY_ALL))
	    == NULL)
		return finish(st, MT_EIO);
	if (event_id != NULL)
		store_bind_text(s, 1, event_id);
	if ((rc = store_exec_stmt(st, s, __func__)) != 0)
		return finish(st, rc);
	*n = store_changes(st);
	if (event_id != NULL && *n == 0)
		return finish(st, MT_ENOTFOUND);
	if ((s = store_stmt(st, event_id ? SQL_DEAD_DROP_ONE :
	    SQL_DEAD_DROP_ALL)) == NULL)
		return finish(st, MT_EIO);
	if (event_id != NULL)
		store_bind_text(s, 1, event_id);
	if ((rc = finish(st, store_exec_stmt(st, s, __func__))) != 0)
		*n = 0;
	return rc;
}

int
store_hooks_dead_list(struct store *st,
    void (*cb)(const struct hook_dead_row *, void *), void *arg)
{
	struct dbstmt *s = store_stmt(st, SQL_DEAD_LIST);
	struct hook_dead_row r;
	int rc;

	if (s == NULL)
		return MT_EIO;
	while ((rc = store_step(st, s, __func__)) == 1) {
		r = (struct hook_dead_row){
			.event_id = store_col_text(s, 0),
			.event = store_col_text(s, 1),
			.attempts = db_column_int(s, 2),
			.last_error = store_col_text(s, 3),
			.created_at = db_column_int64(s, 4),
			.failed_at = db_column_int64(s, 5),
		};
		cb(&r, arg);
	}
	return rc;
}

int
store_hooks_counts(struct store *st, struct hooks_counts *c)
{
	struct dbstmt *s = store_stmt(st, SQL_COUNTS);
	int rc;

	memset(c, 0, sizeof(*c));
	if (s == NULL)
		return MT_EIO;
	if ((rc = db_step(s)) == SQLITE_ROW) {
		c->queued = db_column_int64(s, 0);
		c->checks = db_column_int64(s, 1);
		c->dead = db_column_int64(s, 2);
	}
	db_reset(s);
	return rc == SQLITE_ROW ? 0 : store_rc(st, rc, __func__);
}
