/*
 * store_message.h — the statements behind the message endpoints of the
 * Chat API (docs/rest.md C12, C14–C18 with S3, S7, S8, S10, F5, F10, F14,
 * F15, F16): mark read, list, send, get, edit, delete.
 *
 * Every function returns 0 or an MT_E* code for failures of the database;
 * what the request itself ran into (a missing dialog, a non-author...) is
 * reported through *res, and nothing is written unless *res is MSG_OK.
 * Messages come back as rows (struct message_rows of lib/rows.h, freed
 * with message_rows_free(); empty unless the call succeeded with MSG_OK):
 * shape_message() and shape_message_list() of lib/shape.h make their
 * JSON.
 */
#ifndef MT_STORE_MESSAGE_H
#define MT_STORE_MESSAGE_H

#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "attach.h"
#include "rows.h"

struct store;

enum msg_result {
	MSG_OK,
	MSG_NO_DIALOG,		/* the dialog does not exist */
	MSG_NOT_PARTICIPANT,	/* the acting user is not in the dialog */
	MSG_NO_MESSAGE,		/* no message with this id in this dialog */
	MSG_NOT_AUTHOR,		/* someone else's (or a system) message */
	MSG_STALE,		/* C12: the read position would move back */
	MSG_BAD_REPLY,		/* C15: reply_to is no message of the dialog */
	MSG_KEY_USED,		/* C15: an s3_key is attached already */
	MSG_NOT_UPLOADED,	/* C15, N5: no such upload by the sender */
};

/* C15 before validation: MSG_NO_DIALOG, MSG_NOT_PARTICIPANT or MSG_OK. */
int	store_message_can_post(struct store *st, const char *dialog_id,
	    const char *user_id, enum msg_result *res);

/*
 * The message a request names: its dialog, its id, the acting user, and
 * for an edit (C17) the new content (sanitised already).
 */
struct msg_ref {
	const char	*dialog_id;
	const char	*message_id;
	const char	*user_id;
	const char	*content;
};

struct msg_send {
	const char		*dialog_id;
	const char		*user_id;	/* the sender */
	const char		*content;	/* sanitised already */
	const char		*reply_to_id;	/* canonical, or NULL */
	const struct attach_in	*att;		/* validated already */
	size_t			 natt;
	bool			 uploads;	/* N5: keys must be uploads */
	const char		*key;		/* Idempotency-Key, or NULL */
	size_t			*bad;		/* out: the failing attachment */
	bool			*repeated;	/* out: key seen, nothing sent */
};

/*
 * C15: in one transaction checks the dialog, the participation, reply_to (F5)
 * and that no s3_key is in use (MSG_KEY_USED); with m->uploads, also that each
 * key is a file the sender uploaded to this dialog, never attached, of the same
 * content type and size (MSG_NOT_UPLOADED; *m->bad, when not NULL, gets the
 * index of the attachment that failed, also for MSG_KEY_USED). Then inserts the
 * message and its attachments (with the image size found at upload), marks the
 * uploads attached, counts it unread for the other participants (F15),
 * unarchives the dialog for those who had archived it and sends them
 * dialog.unarchived (F14), moves the sender's read position to it and appends
 * message.new with reply_to_id and attachments (F10). out->m[0] gets the
 * Message (docs/rest.md#message, its attachments when any), *seq the last
 * event's seq. With m->key, a send the same user already made to the dialog
 * with that key (within SEND_KEY_US) is not made again: out->m[0] is the
 * message it made and *m->repeated is set (*seq 0).
 */
int	store_message_send(struct store *st, const struct msg_send *m,
	    enum msg_result *res, struct message_rows *out, int64_t *seq);

/*
 * C16 with S3: out->m[0] the Message (no attachments) if it is in the
 * dialog (else MSG_NO_MESSAGE) and user_id takes part (else
 * MSG_NOT_PARTICIPANT).
 */
int	store_message_get(struct store *st, const struct msg_ref *m,
	    enum msg_result *res, struct message_rows *out);

/*
 * C17/C18 before validation: MSG_NO_MESSAGE, MSG_NOT_AUTHOR, then (S7)
 * MSG_NOT_PARTICIPANT, or MSG_OK.
 */
int	store_message_can_change(struct store *st, const struct msg_ref *m,
	    enum msg_result *res);
/*
 * C17: with the checks of store_message_can_change() inside the
 * transaction, keeps the old content in the edit history, sets content
 * (sanitised already) and last_edited_at, appends message.edited.
 * out->m[0] gets the Message without attachments.
 */
int	store_message_edit(struct store *st, const struct msg_ref *m,
	    enum msg_result *res, struct message_rows *out, int64_t *seq);
/*
 * C18: with the same checks, takes the message off the unread counts of
 * those who had not read it (F15), deletes it (attachments, history,
 * replies' reply_to_id and read positions follow by cascade), recomputes
 * the dialog's last_message_at and appends message.deleted.
 */
int	store_message_delete(struct store *st, const struct msg_ref *m,
	    enum msg_result *res, int64_t *seq);

/*
 * C12 with S8 and F15: MSG_NO_DIALOG, MSG_NOT_PARTICIPANT, MSG_NO_MESSAGE
 * (not a message of the dialog), MSG_STALE (at or before the current read
 * position: nothing written, no event), or MSG_OK: the position moves to
 * message_id, unread_count becomes the number of other users' user
 * messages after it, and message.read is appended.
 */
int	store_message_mark_read(struct store *st, const struct msg_ref *m,
	    enum msg_result *res, int64_t *seq);

enum msg_page_mode {
	PAGE_LATEST,		/* the newest messages */
	PAGE_BEFORE,		/* the newest with id < anchor */
	PAGE_AFTER,		/* the oldest with id > anchor */
	PAGE_AROUND,		/* limit/2 before anchor, limit/2+1 from it */
};

#define PAGE_DEFAULT	50
#define PAGE_MAX	100	/* S10: larger limits are clamped */

struct msg_page {
	const char		*dialog_id;
	const char		*user_id;
	enum msg_page_mode	 mode;
	const char		*anchor;	/* canonical id; LATEST: NULL */
	long			 limit;		/* 0 .. PAGE_MAX */
};

/*
 * C14 with F15/F16: the page's messages in id order with their
 * attachments, out->first_unread (NULL: none), out->has_more_before and
 * out->has_more_after, read in one snapshot; or *res MSG_NOT_PARTICIPANT
 * (also when the dialog does not exist).
 */
int	store_message_list(struct store *st, const struct msg_page *q,
	    enum msg_result *res, struct message_rows *out);

/*
 * The edit history of a message, oldest first (shape_edits()): no API
 * exposes it; for tests and administration. Free with edit_rows_free().
 */
int	store_message_history(struct store *st, const char *message_id,
	    struct edit_rows *out);

#endif
