/*
 * messages.c — the message endpoints of the Chat API: mark read (C12), list
 * (C14), send (C15), get (C16), edit (C17) and delete (C18), with the exact
 * statuses, codes and messages of docs/errors.md and the differences S3,
 * S7, S8, S10, F5, F14–F16.
 *
 * A write first asks lib/ whether the request may go ahead at all (404 and
 * 403 come before any 400, as in the reference), then validates and
 * sanitises outside the write lock, and lib/ repeats the checks inside the
 * transaction that writes.
 */
#include <stdio.h>
#include <string.h>

#include "attach.h"
#include "err.h"
#include "files.h"
#include "json.h"
#include "mem.h"
#include "params.h"
#include "route.h"
#include "sanitize.h"
#include "shape.h"
#include "store_message.h"
#include "valid.h"

#define DIALOG_ID(r)	((r)->ids[0])
#define MESSAGE_ID(r)	((r)->ids[1])

/* How one endpoint answers a result of lib/store_message.h. */
struct outcome {
	enum msg_result	 res;
	int		 status;
	const char	*code;
	const char	*message;
};

static const struct outcome read_outcomes[] = {
	{ MSG_NO_DIALOG, 404, "NOT_FOUND", "Dialog not found" },
	{ MSG_NOT_PARTICIPANT, 403, "FORBIDDEN", "Not a participant" },
	{ MSG_NO_MESSAGE, 404, "MESSAGE_NOT_FOUND", "Message not found" },
	{ MSG_OK, 0, NULL, NULL }
};

static const struct outcome list_outcomes[] = {
	{ MSG_NOT_PARTICIPANT, 403, "FORBIDDEN",
	  "Not a participant. Join the dialog first." },
	{ MSG_OK, 0, NULL, NULL }
};

static const struct outcome send_outcomes[] = {
	{ MSG_NO_DIALOG, 404, "DIALOG_NOT_FOUND", "Dialog not found" },
	{ MSG_NOT_PARTICIPANT, 403, "FORBIDDEN",
	  "Not a participant. Join the dialog first." },
	{ MSG_BAD_REPLY, 400, "INVALID_INPUT",
	  "reply_to must be a message of this dialog" },
	{ MSG_KEY_USED, 400, "INVALID_INPUT",
	  "Invalid S3 key: file is already attached to a message" },
	{ MSG_OK, 0, NULL, NULL }
};

static const struct outcome get_outcomes[] = {
	{ MSG_NO_MESSAGE, 404, "MESSAGE_NOT_FOUND", "Message not found" },
	{ MSG_NOT_PARTICIPANT, 403, "FORBIDDEN", "Not a participant" },
	{ MSG_OK, 0, NULL, NULL }
};

static const struct outcome edit_outcomes[] = {
	{ MSG_NO_MESSAGE, 404, "MESSAGE_NOT_FOUND", "Message not found" },
	{ MSG_NOT_AUTHOR, 403, "NOT_MESSAGE_AUTHOR",
	  "Can only edit own messages" },
	{ MSG_NOT_PARTICIPANT, 403, "NOT_PARTICIPANT", "Not a participant" },
	{ MSG_OK, 0, NULL, NULL }
};

static const struct outcome delete_outcomes[] = {
	{ MSG_NO_MESSAGE, 404, "MESSAGE_NOT_FOUND", "Message not found" },
	{ MSG_NOT_AUTHOR, 403, "NOT_MESSAGE_AUTHOR",
	  "Can only delete own messages" },
	{ MSG_NOT_PARTICIPANT, 403, "NOT_PARTICIPANT", "Not a participant" },
	{ MSG_OK, 0, NULL, NULL }
};

/*
 * Answers a failed call (rc) or an unsuccessful result with the endpoint's
 * table; returns true when it answered, false when the request goes on.
 */
static bool
answered(struct req *r, int rc, enum msg_result res,
    const struct outcome *tab)
{
	if (rc != 0) {
		reply_failure(r, rc);
		return true;
	}
	for (; tab->status != 0; tab++)
		if (tab->res == res) {
			reply_error(r, tab->status, tab->code, tab->message);
			return true;
		}
	return false;
}

/* Length check (before sanitising), then the sanitised copy (mt_free). */
static int
clean_content(struct req *r, const char *content, size_t len, char **out)
{
	char msg[VALID_MSG_LEN];
	int rc;

	*out = NULL;
	if (!valid_content(len, msg, sizeof(msg))) {
		reply_error(r, 400, "INVALID_INPUT", msg);
		return -1;
	}
	if ((rc = sanitize_html(content, len, out)) == MT_EINVAL) {
		reply_error(r, 400, "INVALID_INPUT",
		    "content is not valid UTF-8");
		return -1;
	}
	if (rc != 0) {
		reply_failure(r, rc);
		return -1;
	}
	return 0;
}

/* The content member: a required string (422 otherwise). */
static int
body_content(struct req *r, const char **content, size_t *len)
{
	if (body_object(r) != 0 ||
	    body_str(r, "content", FIELD_REQUIRED, content) != 0)
		return -1;
	*len = json_string_length(json_object_get(r->json, "content"));
	return 0;
}

/* The writes of C12, C15, C17 and C18, run by the writer (app_run). */
struct msg_call {
	struct msg_ref		 ref;		/* C12, C17, C18 */
	const struct msg_send	*send;		/* C15 */
	enum msg_result		*res;
	struct message_rows	*msg;
	int64_t			*seq;
};

static int
read_job(struct store *st, void *arg)
{
	struct msg_call *c = arg;

	return store_message_mark_read(st, &c->ref, c->res, c->seq);
}

static int
send_job(struct store *st, void *arg)
{
	struct msg_call *c = arg;

	return store_message_send(st, c->send, c->res, c->msg, c->seq);
}

static int
edit_job(struct store *st, void *arg)
{
	struct msg_call *c = arg;

	return store_message_edit(st, &c->ref, c->res, c->msg, c->seq);
}

static int
delete_job(struct store *st, void *arg)
{
	struct msg_call *c = arg;

	return store_message_delete(st, &c->ref, c->res, c->seq);
}

/* ---- C12 ------------------------------------------------------------ */

/* C12 · POST /api/v1/dialogs/{dialog_id}/read */
static void
mark_read(struct req *r, struct app *app)
{
	enum msg_result res;
	char id[ID_BUF];
	int64_t seq;
	bool present;
	int rc;

	if (body_object(r) != 0 ||
	    body_uuid(r, "last_read_message_id", FIELD_REQUIRED, id,
	    &present) != 0)
		return;
	rc = app_run(app, read_job, &(struct msg_call){
	    .ref = { DIALOG_ID(r), id, r->user, NULL },
	    .res = &res, .seq = &seq });
	if (answered(r, rc, res, read_outcomes))
		return;
	app_wake(app, seq);	/* 0 after a stale mark: nothing to say */
	reply_json(r, 200, json_pack("{s:b}", "success", 1));
}

/* ---- C14 ------------------------------------------------------------ */

/* The query of C14: limit (S10) and the anchors, around > after > before. */
static int
page_query(struct req *r, struct msg_page *q, char anchor[ID_BUF])
{
	char before[ID_BUF], after[ID_BUF], around[ID_BUF];
	int b, a, c, l;

	q->limit = PAGE_DEFAULT;
	if ((l = q_long(r, "limit", &q->limit)) < 0 ||
	    (b = q_uuid(r, "before", before)) < 0 ||
	    (a = q_uuid(r, "after", after)) < 0 ||
	    (c = q_uuid(r, "around", around)) < 0)
		return -1;
	if (q->limit < 0) {
		reply_error(r, 400, "INVALID_INPUT",
		    "limit must not be negative");
		return -1;
	}
	if (q->limit > PAGE_MAX)
		q->limit = PAGE_MAX;
	q->mode = c == 0 ? PAGE_AROUND : a == 0 ? PAGE_AFTER :
	    b == 0 ? PAGE_BEFORE : PAGE_LATEST;
	q->anchor = NULL;
	if (q->mode != PAGE_LATEST) {
		memcpy(anchor, c == 0 ? around : a == 0 ? after : before,
		    ID_BUF);
		q->anchor = anchor;
	}
	return 0;
}

/* C14 · GET /api/v1/dialogs/{dialog_id}/messages */
static void
list_messages(struct req *r, struct app *app)
{
	struct msg_page q = { .dialog_id = DIALOG_ID(r), .user_id = r->user };
	struct message_rows rows;
	enum msg_result res;
	struct jw w = JW_INIT;
	char anchor[ID_BUF];
	int rc;

	if (page_query(r, &q, anchor) != 0)
		return;
	rc = store_message_list(app->store, &q, &res, &rows);
	if (answered(r, rc, res, list_outcomes))
		return;
	jw_open(&w, NULL, '{');
	rc = shape_message_list(&w, "data", &rows);
	jw_close(&w, '}');
	message_rows_free(&rows);
	if (rc != 0) {
		jw_free(&w);
		reply_failure(r, rc);
		return;
	}
	reply_written(r, &w);
}

/* ---- C15 ------------------------------------------------------------ */

/* One attachment object: all four members required (422 otherwise). */
static int
body_attachment(struct req *r, json_t *item, struct attach_in *a)
{
	static const struct {
		const char	*key;
		bool		 is_int;
	} members[] = {
		{ "s3_key", false }, { "filename", false },
		{ "content_type", false }, { "size", true },
	};
	json_t *v[4];
	char why[96];
	size_t i;

	if (!json_is_object(item)) {
		reply_shape(r, "attachments: invalid type, expected a struct");
		return -1;
	}
	for (i = 0; i < 4; i++) {
		v[i] = json_object_get(item, members[i].key);
		if (members[i].is_int ? json_is_integer(v[i]) :
		    json_is_string(v[i]))
			continue;
		if (v[i] == NULL)
			snprintf(why, sizeof(why), "attachments: missing field "
			    "`%s`", members[i].key);
		else
			snprintf(why, sizeof(why), "attachments: %s: invalid "
			    "type, expected %s", members[i].key,
			    members[i].is_int ? "i64" : "a string");
		reply_shape(r, why);
		return -1;
	}
	a->s3_key = json_string_value(v[0]);
	a->s3_key_len = json_string_length(v[0]);
	a->filename = json_string_value(v[1]);
	a->content_type = json_string_value(v[2]);
	a->size = json_integer_value(v[3]);
	return 0;
}

/* The attachments member (default []); *att is freed with mt_free(). */
static int
body_attachments(struct req *r, struct attach_in **att, size_t *n)
{
	json_t *arr = json_object_get(r->json, "attachments");
	size_t i;

	*att = NULL;
	*n = 0;
	if (arr == NULL)
		return 0;
	if (!json_is_array(arr)) {
		reply_shape(r, "attachments: invalid type, expected a "
		    "sequence");
		return -1;
	}
	if (json_array_size(arr) == 0)
		return 0;
	if ((*att = mt_calloc(json_array_size(arr), sizeof(**att))) == NULL) {
		reply_failure(r, MT_ENOMEM);
		return -1;
	}
	for (i = 0; i < json_array_size(arr); i++)
		if (body_attachment(r, json_array_get(arr, i), &(*att)[i]) != 0)
			return -1;
	*n = i;
	return 0;
}

/* The checks that come before the content's: access, then attachments. */
static int
send_prepare(struct req *r, struct app *app, const struct msg_send *m)
{
	enum msg_result res;
	struct attach_error err;
	int rc;

	rc = store_message_can_post(app->store, m->dialog_id, m->user_id,
	    &res);
	if (answered(r, rc, res, send_outcomes))
		return -1;
	if (!attach_validate(m->att, m->natt, m->dialog_id, &err)) {
		reply_error(r, 400, err.code, err.msg);
		return -1;
	}
	return 0;
}

/* N5: an attachment that is no upload of the sender's to this dialog. */
static bool
not_uploaded(struct req *r, int rc, enum msg_result res,
    const struct msg_send *m, size_t bad)
{
	char msg[ATTACH_MSG_LEN + ATTACH_KEY_MAX];

	if (rc != 0 || res != MSG_NOT_UPLOADED || bad >= m->natt)
		return false;
	snprintf(msg, sizeof(msg), "File not found in storage: %.*s",
	    (int)m->att[bad].s3_key_len, m->att[bad].s3_key);
	reply_error(r, 400, "BAD_REQUEST", msg);
	return true;
}

#define SEND_KEY_MAX	255

/*
 * The send's idempotency key: the Idempotency-Key header, else the body's
 * client_message_id; 1 to 255 visible ASCII characters. 0 (*key NULL when
 * none), or -1 when answered.
 */
static int
send_key(struct req *r, const char **key)
{
	const char *k = r->idempotency_key;
	size_t i, n;

	*key = NULL;
	if (k == NULL && body_str(r, "client_message_id", FIELD_NULLABLE, &k)
	    != 0)
		return -1;
	if (k == NULL)
		return 0;
	n = strlen(k);
	for (i = 0; i < n && k[i] > 0x20 && k[i] < 0x7f; i++)
		;
	if (n == 0 || n > SEND_KEY_MAX || i != n) {
		reply_error(r, 400, "INVALID_INPUT", "Idempotency-Key (or "
		    "client_message_id) must be 1 to 255 visible ASCII "
		    "characters");
		return -1;
	}
	*key = k;
	return 0;
}

/* C15 · POST /api/v1/dialogs/{dialog_id}/messages */
static void
send_message(struct req *r, struct app *app)
{
	struct msg_send m = { .dialog_id = DIALOG_ID(r), .user_id = r->user };
	bool repeated = false;
	struct attach_in *att = NULL;
	size_t bad = 0;
	const char *content;
	char *clean = NULL, reply_to[ID_BUF];
	enum msg_result res;
	struct message_rows msg = { 0 };
	int64_t seq;
	bool has_reply;
	size_t len;
	int rc;

	if (body_content(r, &content, &len) != 0 ||
	    body_uuid(r, "reply_to", FIELD_NULLABLE, reply_to,
	    &has_reply) != 0 ||
	    body_attachments(r, &att, &m.natt) != 0 ||
	    send_key(r, &m.key) != 0)
		goto out;
	m.repeated = &repeated;
	m.att = att;
	m.reply_to_id = has_reply ? reply_to : NULL;
	m.uploads = files_enabled(app->files);
	m.bad = &bad;
	if (send_prepare(r, app, &m) != 0 ||
	    clean_content(r, content, len, &clean) != 0)
		goto out;
	m.content = clean;
	rc = app_run(app, send_job, &(struct msg_call){
	    .send = &m, .res = &res, .msg = &msg, .seq = &seq });
	if (not_uploaded(r, rc, res, &m, bad) ||
	    answered(r, rc, res, send_outcomes))
		goto out;
	if (repeated)	/* the first send's message; nothing was written */
		reply_header(r, "Idempotent-Replayed", "true");
	else
		app_wake(app, seq);
	reply_data(r, shape_message(&msg.m[0]));
out:
	message_rows_free(&msg);
	mt_free(clean);
	mt_free(att);
}

/* ---- C16 ------------------------------------------------------------ */

/* C16 · GET /api/v1/dialogs/{dialog_id}/messages/{message_id} */
static void
get_message(struct req *r, struct app *app)
{
	struct message_rows msg;
	enum msg_result res;
	int rc;

	rc = store_message_get(app->store, &(struct msg_ref){ DIALOG_ID(r),
	    MESSAGE_ID(r), r->user, NULL }, &res, &msg);
	if (answered(r, rc, res, get_outcomes))
		return;
	reply_data(r, shape_message(&msg.m[0]));
	message_rows_free(&msg);
}

/* ---- C17 ------------------------------------------------------------ */

/* C17 · PUT /api/v1/dialogs/{dialog_id}/messages/{message_id} */
static void
edit_message(struct req *r, struct app *app)
{
	enum msg_result res;
	const char *content;
	char *clean = NULL;
	struct message_rows msg = { 0 };
	int64_t seq;
	size_t len;
	int rc;

	if (body_content(r, &content, &len) != 0)
		return;
	rc = store_message_can_change(app->store, &(struct msg_ref){
	    DIALOG_ID(r), MESSAGE_ID(r), r->user, NULL }, &res);
	if (answered(r, rc, res, edit_outcomes) ||
	    clean_content(r, content, len, &clean) != 0)
		goto out;
	rc = app_run(app, edit_job, &(struct msg_call){
	    .ref = { DIALOG_ID(r), MESSAGE_ID(r), r->user, clean },
	    .res = &res, .msg = &msg, .seq = &seq });
	if (answered(r, rc, res, edit_outcomes))
		goto out;
	app_wake(app, seq);
	reply_data(r, shape_message(&msg.m[0]));
out:
	message_rows_free(&msg);
	mt_free(clean);
}

/* ---- C18 ------------------------------------------------------------ */

/* C18 · DELETE /api/v1/dialogs/{dialog_id}/messages/{message_id} */
static void
delete_message(struct req *r, struct app *app)
{
	enum msg_result res;
	int64_t seq;
	int rc;

	rc = app_run(app, delete_job, &(struct msg_call){
	    .ref = { DIALOG_ID(r), MESSAGE_ID(r), r->user, NULL },
	    .res = &res, .seq = &seq });
	if (answered(r, rc, res, delete_outcomes))
		return;
	app_wake(app, seq);
	reply_empty(r, 204);
}

const struct route message_routes[] = {
	{ "POST", "/api/v1/dialogs/{id}/read", mark_read, AUTH_USER,
	  SCOPE_IGNORED, true },
	{ "GET", "/api/v1/dialogs/{id}/messages", list_messages, AUTH_USER,
	  SCOPE_IGNORED, false },
	{ "POST", "/api/v1/dialogs/{id}/messages", send_message, AUTH_USER,
	  SCOPE_IGNORED, true },
	/* S3: C16 needs the acting user (a participant of the dialog) */
	{ "GET", "/api/v1/dialogs/{id}/messages/{id}", get_message, AUTH_USER,
	  SCOPE_IGNORED, false },
	{ "PUT", "/api/v1/dialogs/{id}/messages/{id}", edit_message,
	  AUTH_USER, SCOPE_IGNORED, true },
	{ "DELETE", "/api/v1/dialogs/{id}/messages/{id}", delete_message,
	  AUTH_USER, SCOPE_IGNORED, false },
	{ NULL, NULL, NULL, AUTH_NONE, SCOPE_IGNORED, false }
};
