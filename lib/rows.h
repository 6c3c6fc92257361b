/*
 * rows.h — what the store's reads return (lib/store_dialog.c,
 * store_message.c, store_manage.c): plain rows of the API's resources, for
 * lib/shape.c to turn into the JSON of docs/rest.md#shapes. Nothing here
 * knows JSON, except that meta and the scope levels are kept as the JSON
 * text the database stores.
 *
 * Ownership: every result (a struct *_rows or dialog_page) owns one arena
 * that holds all its strings, and its arrays; the row structs only point
 * into it (a row the store has just written may point at the caller's
 * strings instead, as documented where it is returned). One *_free() call
 * frees a result; free on a zeroed result is a no-op, so callers may start
 * from = { 0 }.
 */
#ifndef MT_ROWS_H
#define MT_ROWS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/*
 * Strings copied into blocks freed together. A failed copy sets err and
 * returns NULL: check err once after filling.
 */
struct arena_blk;
struct arena {
	struct arena_blk *head;
	char		*next;		/* free space of head */
	size_t		 left;
	int		 err;		/* MT_ENOMEM once a copy failed */
};

/* A copy of len bytes of s and a NUL; NULL s gives NULL (not an error). */
char	*arena_dupn(struct arena *a, const char *s, size_t len);
char	*arena_dup(struct arena *a, const char *s);
void	 arena_free(struct arena *a);

/* A Dialog (docs/rest.md#dialog): the columns of DIALOG_COLS. */
struct dialog_row {
	const char	*id, *object_id, *object_type, *title, *object_url;
	const char	*created_by;
	int64_t		 created_at;	/* microseconds */
	const char	*meta;		/* stored JSON text, or NULL: absent */
};

/* A Participant (docs/rest.md#participant): PARTICIPANT_COLS. */
struct participant_row {
	const char	*dialog_id, *user_id;
	int64_t		 joined_at;
	const char	*joined_as;
	bool		 notifications_enabled;
	const char	*last_read_message_id;
	int64_t		 unread_count;
	const char	*display_name, *company, *email, *phone;
	bool		 is_archived, is_pinned;
	bool		 is_online;	/* C13 only */
};

/* An access scope (docs/rest.md#access-scope): SCOPE_COLS. */
struct scope_row {
	const char	*id, *dialog_id;
	const char	*level[3];	/* stored JSON text of each level */
	int64_t		 created_at;
};

/* An Attachment (docs/rest.md#attachment). */
struct attachment_row {
	const char	*id, *filename, *content_type;
	int64_t		 size, width, height;
	bool		 has_width, has_height;
	bool		 has_thumbnail;	/* a thumbnail key is stored */
	const char	*url;		/* signed download URL (N5), or "" */
};

/* A Message (docs/rest.md#message): MESSAGE_COLS and its attachments. */
struct message_row {
	const char	*id, *dialog_id, *sender_id, *content;
	int64_t		 sent_at;
	bool		 edited;	/* last_edited_at is set */
	int64_t		 last_edited_at;
	const char	*reply_to_id, *message_type;
	const struct attachment_row *att;	/* natt of them, or NULL */
	size_t		 natt;
};

/*
 * Messages: one (C15–C17: n is 0 or 1) or a page of C14 with the page's
 * facts (F15, F16). m[i].att point into att.
 */
struct message_rows {
	struct message_row	*m;
	size_t			 n, cap;
	struct attachment_row	*att;
	size_t			 natt, attcap;
	const char		*first_unread;	/* C14; NULL: none */
	bool			 has_more_before, has_more_after;
	struct arena		 arena;
};
void	message_rows_free(struct message_rows *r);

/* The edit history of a message (store_message_history()). */
struct edit_row {
	const char	*id, *old_content;
	int64_t		 edited_at;
};
struct edit_rows {
	struct edit_row	*v;
	size_t		 n, cap;
	struct arena	 arena;
};
void	edit_rows_free(struct edit_rows *r);

/*
 * A dialog of the Management API (M1–M3, M7) or the participants of one
 * (C13): what was asked for is filled, the rest stays empty.
 */
struct dialog_rows {
	bool			 found;		/* d is set */
	bool			 mine;		/* C13: the caller takes part */
	struct dialog_row	 d;
	struct participant_row	*parts;
	size_t			 nparts, partcap;
	struct scope_row	*scopes;
	size_t			 nscopes, scopecap;
	struct arena		 arena;
};
void	dialog_rows_free(struct dialog_rows *r);

/* The last message of a list item (docs/rest.md#dialog-list-item). */
struct last_message_row {
	const char	*id, *content, *sender_id, *sender_name;
	int64_t		 sent_at;
	const char	*message_type;
};

/* A ParticipantSummary (docs/rest.md#dialog-list-item). */
struct summary_row {
	const char	*user_id, *display_name, *company;
};

/*
 * A dialog list item (docs/rest.md#dialog-list-item): the dialog, its
 * count, the caller's own state where they take part (F9, F15), the last
 * activity, the last message (the caller's own dialogs only) and the
 * participants, sum[first .. first + nsum) of the page.
 */
struct dialog_item {
	const char		*id;
	bool			 has_dialog;	/* d read (a dialog deleted
						   meanwhile is skipped) */
	struct dialog_row	 d;
	int64_t			 participants_count;
	bool			 mine;		/* the caller takes part */
	int64_t			 unread_count;
	bool			 is_archived, is_pinned, notifications_enabled;
	int64_t			 read_messages;	/* until unread_count is known */
	bool			 has_last_at;
	int64_t			 last_message_at;
	bool			 has_last;
	struct last_message_row	 last;
	size_t			 first, nsum;
};

/* A page of list items (C1–C4), in order. */
struct dialog_page {
	struct dialog_item	 *it;
	size_t			  n, cap;
	struct dialog_item	**by_id;	/* the same, sorted by id */
	struct summary_row	 *sum;
	size_t			  nsum, sumcap;
	struct arena		  arena;
};
void	dialog_page_free(struct dialog_page *pg);

#endif
