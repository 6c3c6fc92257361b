/*
 * event_body.c — builds the JSON body of each event (keys in the order of
 * docs/websocket.md#server-messages, "type" first) and appends it to the
 * change-log with what the audience rules need: the dialog, the subject user,
 * and an explicit list of recipients for per-user events.
 */
#include <string.h>

#include "changelog.h"
#include "err.h"
#include "event_body.h"
#include "json.h"
#include "mem.h"
#include "shape.h"
#include "store_members.h"

/*
 * Encodes body (stolen) and the optional audience into r and appends the
 * row.
 */
static int
append(struct store *st, struct changelog_row *r, const json_t *audience,
    json_t *body, int64_t *seq)
{
	char *btext = NULL, *atext = NULL;
	int rc = MT_ENOMEM;

	if (body == NULL)
		return MT_ENOMEM;
	if ((btext = json_encode(body)) == NULL ||
	    (audience != NULL && (atext = json_encode(audience)) == NULL))
		goto out;
	r->body = btext;
	r->audience = atext;
	rc = changelog_append(st, r, seq);
out:
	mt_free(btext);
	mt_free(atext);
	json_decref(body);
	return rc;
}

static json_t *
typed(const char *type)
{
	json_t *o = json_object();

	if (o != NULL && json_add_str(o, "type", type) != 0) {
		json_decref(o);
		return NULL;
	}
	return o;
}

/*
 * The Message (docs/rest.md#message) of m, for payload.message: the MTChat SDK
 * prefers it to the flat fields, which lack the reply and attachments.
 */
static json_t *
message_object(const struct msg_event *m)
{
	struct message_row r = {
		.id = m->id, .dialog_id = m->dialog_id,
		.sender_id = m->sender_id, .content = m->content,
		.sent_at = m->sent_at, .reply_to_id = m->reply_to_id,
		.message_type = m->sender_id ? "user" : "system",
		.att = m->att, .natt = m->natt,
	};

	return shape_message(&r);
}

/* Adds {"message": message} (stolen) as o's payload; 0 or MT_ENOMEM. */
static int
add_payload(json_t *o, json_t *message)
{
	json_t *p;

	if (message == NULL || (p = json_object()) == NULL) {
		json_decref(message);
		return MT_ENOMEM;
	}
	if (json_add_new(p, "message", message) != 0) {
		json_decref(p);
		return MT_ENOMEM;
	}
	return json_add_new(o, "payload", p) == 0 ? 0 : MT_ENOMEM;
}

int
event_message_new(struct store *st, const struct msg_event *m, int64_t *seq)
{
	json_t *o = typed("message.new");

	if (o == NULL ||
	    json_add_str(o, "id", m->id) != 0 ||
	    json_add_str(o, "dialog_id", m->dialog_id) != 0 ||
	    json_add_str_opt(o, "sender_id", m->sender_id) != 0 ||
	    json_add_str(o, "content", m->content) != 0 ||
	    json_add_time(o, "sent_at", m->sent_at) != 0 ||
	    json_add_str(o, "message_type", m->sender_id ? "user" : "system")
	    != 0 ||
	    json_add_str(o, "reply_to_id", m->reply_to_id) != 0 ||
	    json_add_new(o, "attachments", shape_attachments(m->att,
	    m->natt)) != 0 ||
	    add_payload(o, message_object(m)) != 0) {
		json_decref(o);
		return MT_ENOMEM;
	}
	/*
	 * docs/webhooks.md#which: user messages (C15) fire message.new, system
	 * ones not.
	 */
	return append(st, &(struct changelog_row){ .type = "message.new",
	    .dialog_id = m->dialog_id, .subject_user = m->sender_id,
	    .webhook = m->sender_id != NULL }, NULL, o, seq);
}

/* Copies member key of from into o; 0 or MT_ENOMEM (MT_EINVAL if none). */
static int
copy_member(json_t *o, const json_t *from, const char *key)
{
	json_t *v = json_object_get(from, key);

	if (v == NULL)
		return MT_EINVAL;
	return json_object_set(o, key, v) == 0 ? 0 : MT_ENOMEM;
}

int
event_message_edited(struct store *st, const struct message_row *m,
    int64_t *seq)
{
	json_t *o = typed("message.edited");
	json_t *message = shape_message(m);
	const char *dialog_id = m->dialog_id;

	if (o == NULL || message == NULL || dialog_id == NULL ||
	    copy_member(o, message, "id") != 0 ||
	    copy_member(o, message, "dialog_id") != 0 ||
	    copy_member(o, message, "content") != 0 ||
	    copy_member(o, message, "last_edited_at") != 0 ||
	    add_payload(o, json_incref(message)) != 0) {
		json_decref(message);
		json_decref(o);
		return MT_ENOMEM;
	}
	json_decref(message);
	return append(st, &(struct changelog_row){ .type = "message.edited",
	    .dialog_id = dialog_id }, NULL, o, seq);
}

int
event_message_deleted(struct store *st, const char *id,
    const char *dialog_id, int64_t *seq)
{
	json_t *o = typed("message.deleted");

	if (o == NULL ||
	    json_add_str(o, "id", id) != 0 ||
	    json_add_str(o, "dialog_id", dialog_id) != 0) {
		json_decref(o);
		return MT_ENOMEM;
	}
	return append(st, &(struct changelog_row){ .type = "message.deleted",
	    .dialog_id = dialog_id }, NULL, o, seq);
}

int
event_message_read(struct store *st, const char *dialog_id,
    const char *user_id, const char *last_read_message_id, int64_t *seq)
{
	json_t *o = typed("message.read");

	if (o == NULL ||
	    json_add_str(o, "dialog_id", dialog_id) != 0 ||
	    json_add_str(o, "user_id", user_id) != 0 ||
	    json_add_str(o, "last_read_message_id", last_read_message_id)
	    != 0) {
		json_decref(o);
		return MT_ENOMEM;
	}
	return append(st, &(struct changelog_row){ .type = "message.read",
	    .dialog_id = dialog_id, .subject_user = user_id }, NULL, o, seq);
}

/* r has type, dialog and subject user set. */
static int
membership(struct store *st, struct changelog_row *r, const json_t *extra,
    int64_t *seq)
{
	json_t *o = typed(r->type);

	if (o == NULL ||
	    json_add_str(o, "dialog_id", r->dialog_id) != 0 ||
	    json_add_str(o, "user_id", r->subject_user) != 0) {
		json_decref(o);
		return MT_ENOMEM;
	}
	return append(st, r, extra, o, seq);
}

/*
 * A join opens the user's membership period at its own seq and a leave
 * closes it at its own (store_members.h): the event and the period are
 * written together, so replays always agree with what was live.
 */
int
event_participant_joined(struct store *st, const char *dialog_id,
    const char *user_id, bool webhook, int64_t *seq)
{
	int64_t s;
	int rc = membership(st, &(struct changelog_row){
	    .type = "participant.joined", .dialog_id = dialog_id,
	    .subject_user = user_id, .webhook = webhook }, NULL, &s);

	if (rc == 0)
		rc = store_membership_open(st, dialog_id, user_id, s);
	if (rc == 0 && seq != NULL)
		*seq = s;
	return rc;
}

int
event_participant_left(struct store *st, const char *dialog_id,
    const char *user_id, bool webhook, int64_t *seq)
{
	json_t *leaver = json_pack("[s]", user_id);
	int64_t s;
	int rc;

	if (leaver == NULL)
		return MT_ENOMEM;
	rc = membership(st, &(struct changelog_row){
	    .type = "participant.left", .dialog_id = dialog_id,
	    .subject_user = user_id, .webhook = webhook }, leaver, &s);
	json_decref(leaver);
	if (rc == 0)
		rc = store_membership_close(st, dialog_id, user_id, s);
	if (rc == 0 && seq != NULL)
		*seq = s;
	return rc;
}

static int
per_user(struct store *st, const char *type, const char *dialog_id,
    const json_t *users, int64_t *seq)
{
	json_t *o;

	if (json_array_size(users) == 0)
		return 0;
	if ((o = typed(type)) == NULL ||
	    json_add_str(o, "dialog_id", dialog_id) != 0) {
		json_decref(o);
		return MT_ENOMEM;
	}
	return append(st, &(struct changelog_row){ .type = type,
	    .dialog_id = dialog_id }, users, o, seq);
}

int
event_dialog_archived(struct store *st, const char *dialog_id,
    const json_t *users, int64_t *seq)
{
	return per_user(st, "dialog.archived", dialog_id, users, seq);
}

int
event_dialog_unarchived(struct store *st, const char *dialog_id,
    const json_t *users, int64_t *seq)
{
	return per_user(st, "dialog.unarchived", dialog_id, users, seq);
}

int
event_dialog_deleted(struct store *st, const char *dialog_id,
    const json_t *users, int64_t *seq)
{
	int64_t s = 0;
	int rc = per_user(st, "dialog.deleted", dialog_id, users, &s);

	if (rc == 0 && s != 0)
		rc = store_membership_close_dialog(st, dialog_id, s);
	if (rc == 0 && seq != NULL)
		*seq = s;
	return rc;
}

int
event_presence(struct store *st, const char *user_id, bool is_online,
    int64_t *seq)
{
	json_t *o = typed("presence.update");

	if (o == NULL ||
	    json_add_str(o, "user_id", user_id) != 0 ||
	    json_add_bool(o, "is_online", is_online) != 0) {
		json_decref(o);
		return MT_ENOMEM;
	}
	return append(st, &(struct changelog_row){ .type = "presence.update",
	    .subject_user = user_id }, NULL, o, seq);
}
