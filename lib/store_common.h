/*
 * store_common.h — storage primitives the resource files share: existence
 * checks and the one way a message row is inserted.
 */
#ifndef MT_STORE_COMMON_H
#define MT_STORE_COMMON_H

#include <jansson.h>
#include <stdbool.h>
#include <stdint.h>

#include "id.h"

struct store;

/* 0 with *exists set, or an MT_E* code. */
int	store_dialog_exists(struct store *st, const char *dialog_id,
	    bool *exists);
int	store_participant_exists(struct store *st, const char *dialog_id,
	    const char *user_id, bool *exists);

/*
 * Runs sql, a query of one participant's row (?1 the dialog, ?2 the user):
 * 0 with *text a copy of its column 0 (NULL for SQL NULL; the caller
 * mt_free()s it), MT_ENOTFOUND without such a row, or another MT_E* code.
 */
int	store_participant_text(struct store *st, const char *sql,
	    const char *dialog_id, const char *user_id, char **text);

/*
 * Whether the dialog exists and, when it does and user_id is not NULL,
 * whether user_id is one of its participants (*participant false else).
 */
int	store_membership(struct store *st, const char *dialog_id,
	    const char *user_id, bool *dialog, bool *participant);

struct msg_row {
	char		 id[ID_BUF];	/* set by store_message_insert() */
	int64_t		 sent_at;	/* set by store_message_insert() */
	const char	*dialog_id;
	const char	*sender_id;	/* NULL: a system message */
	const char	*content;
	const char	*reply_to_id;	/* NULL when none */
	bool		 has_attachments; /* inserted with it by the caller */
};

/*
 * Inserts a message inside the caller's write transaction: a new UUIDv7
 * after the newest message id (so ids follow commit order across
 * processes), sent_at = now, the dialog's last_message_at and, for a user
 * message, its user_messages, which makes it unread for every participant
 * who has not accounted for it (PARTICIPANT_COLS). The sender's read
 * position is the caller's business.
 */
int	store_message_insert(struct store *st, struct msg_row *m);
/*
 * Inserts a system message whose content is the compact, key-sorted JSON of
 * content (docs/rest.md#system-messages) and, if broadcast, its message.new
 * event (seq gets its position). Inside the caller's transaction.
 */
int	store_system_message(struct store *st, const char *dialog_id,
	    const json_t *content, bool broadcast, int64_t *seq);

/*
 * Steps s (bound already) to the end and collects the text of column 0 of
 * its rows, user ids, into a new JSON array *users: the recipients of the
 * per-user events of event_body.h (an input of the change-log, not an API
 * shape). Resets s; a NULL s is MT_EIO. 0 or an MT_E* code (*users NULL).
 */
struct dbstmt;
int	store_collect_users(struct store *st, struct dbstmt *s,
	    json_t **users);

#endif
