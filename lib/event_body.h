/*
 * event_body.h — the events of docs/websocket.md#server-messages (with F10 and
 * F19), each appended to the change-log inside the caller's write transaction
 * with the data its audience needs (docs/events.md#audience).
 */
#ifndef MT_EVENT_BODY_H
#define MT_EVENT_BODY_H

#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "rows.h"

struct store;

struct msg_event {
	const char	*id;
	const char	*dialog_id;
	const char	*sender_id;	/* NULL for system messages */
	const char	*content;
	int64_t		 sent_at;	/* microseconds */
	const char	*reply_to_id;	/* NULL when none */
	const struct attachment_row *att;	/* natt of them */
	size_t		 natt;
};

/*
 * Each returns 0 or an MT_E* code; seq (may be NULL) gets the row's seq.
 * message.new and message.edited carry the whole Message (docs/rest.md#message)
 * as payload.message besides the flat fields
 * (docs/websocket.md#client-messages), made by lib/shape.c: an edit's are
 * taken from message, the edited Message.
 */
int	event_message_new(struct store *st, const struct msg_event *m,
	    int64_t *seq);
int	event_message_edited(struct store *st,
	    const struct message_row *message, int64_t *seq);
int	event_message_deleted(struct store *st, const char *id,
	    const char *dialog_id, int64_t *seq);
int	event_message_read(struct store *st, const char *dialog_id,
	    const char *user_id, const char *last_read_message_id, int64_t *seq);
/*
 * webhook: the change fires the participant.* webhook, as a join (C5) or
 * leave (C6) of the Chat API does and the Management API's do not (
 * docs/webhooks.md#which). message.new fires one for user messages.
 */
int	event_participant_joined(struct store *st, const char *dialog_id,
	    const char *user_id, bool webhook, int64_t *seq);
/* Reaches the dialog's participants and the user who left. */
int	event_participant_left(struct store *st, const char *dialog_id,
	    const char *user_id, bool webhook, int64_t *seq);
/*
 * Per-user events: only the users in the JSON array `users` receive them
 * (F14: dialog.unarchived goes to those who had archived the dialog; F19:
 * dialog.deleted to the former participants). No row when users is empty.
 */
int	event_dialog_archived(struct store *st, const char *dialog_id,
	    const json_t *users, int64_t *seq);
int	event_dialog_unarchived(struct store *st, const char *dialog_id,
	    const json_t *users, int64_t *seq);
int	event_dialog_deleted(struct store *st, const char *dialog_id,
	    const json_t *users, int64_t *seq);
/* Reaches users who share at least one dialog with user_id. */
int	event_presence(struct store *st, const char *user_id, bool is_online,
	    int64_t *seq);

#endif
