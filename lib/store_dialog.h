/*
 * store_dialog.h — the statements behind the dialog endpoints of the Chat
 * API (docs/rest.md C1–C11, C13): dialog lists and single dialogs as the
 * JSON items of docs/rest.md#dialog-list-item, join and leave with their
 * system messages and events, the per-user flags, and the participant list
 * of C13.
 *
 * Reads return rows (lib/rows.h; lib/shape.c makes their JSON); writes
 * run in one BEGIN IMMEDIATE
 * transaction with their change-log rows. Expected outcomes (no such
 * dialog, not a participant, ...) come back as an enum dialog_result; the
 * return value is 0 or an MT_E* failure.
 */
#ifndef MT_STORE_DIALOG_H
#define MT_STORE_DIALOG_H

#include <jansson.h>
#include <stdbool.h>
#include <stdint.h>

#include "rows.h"
#include "valid.h"

struct scope_set;
struct store;

enum dialog_result {
	DIALOG_OK = 0,
	DIALOG_NOT_FOUND,	/* no such dialog */
	DIALOG_NO_ACCESS,	/* neither participant nor scope access */
	DIALOG_NOT_PARTICIPANT,	/* the caller has no participant row */
	DIALOG_ALREADY,		/* join: already a participant */
	DIALOG_INVALID,		/* join: the profile fails docs/rest.md#c15 */
};

/* What a dialog list selects (C1, C3, C4). */
struct dialog_filter {
	const char	*user;		/* acting user */
	const struct scope_set *scopes;	/* NULL: no scope information */
	const char	*object_type;	/* C3, C4; NULL for C1 */
	const char	*object_id;
	const char	*search;	/* NULL or "": no filter (F21) */
	int		 archived;	/* -1 either, 0 or 1: the caller's flag */
	bool		 participating;	/* the caller's own dialogs */
	bool		 available;	/* dialogs open to the caller's scopes */
	long		 limit;		/* C1 page (0..100), offset >= 0 */
	long		 offset;
};

/*
 * The list functions fill *pg (free it with dialog_page_free(); on an
 * error it is empty) with the items of docs/rest.md#dialog-list-item in
 * order, in a fixed number of queries; shape_dialog_list() and its
 * siblings in shape.h write them.
 *
 * C1 (F6, F7, F21): exactly one of f->participating and f->available;
 * pinned first (participating), then by last activity newest first, then
 * by id. Available dialogs need f->scopes (the handler checks).
 */
int	store_dialog_list(struct store *st, const struct dialog_filter *f,
	    struct dialog_page *pg);

/*
 * C4 (F7, F8): every dialog of the object in the enabled branches,
 * newest created first.
 */
int	store_dialog_list_by_object(struct store *st,
	    const struct dialog_filter *f, struct dialog_page *pg);

/*
 * C3 (F7, F9): the newest accessible dialog of the object, or an empty
 * page when there is none.
 */
int	store_dialog_by_object(struct store *st, const struct dialog_filter *f,
	    struct dialog_page *pg);

/*
 * Who asks about which dialog (C2, C13): a participant sees it, anyone
 * else through scope access.
 */
struct dialog_access {
	const char	*dialog_id;
	const char	*user;		/* acting user */
	const struct scope_set *scopes;	/* NULL: no scope information */
};

/*
 * C2: *res DIALOG_OK with *pg holding the one item (its participants
 * when the caller is one; shape_dialog_one()), DIALOG_NOT_FOUND or
 * DIALOG_NO_ACCESS (then *pg is empty).
 */
int	store_dialog_get(struct store *st, const struct dialog_access *a,
	    struct dialog_page *pg, enum dialog_result *res);

/*
 * C13 (S6): *res DIALOG_OK with out->parts the participants (with
 * is_online: a presence row of any instance last seen at or after
 * online_since, in microseconds) and out->mine whether the caller is one
 * of them, or DIALOG_NO_ACCESS (also for a missing dialog; out empty).
 * Free out with dialog_rows_free().
 */
int	store_dialog_participants(struct store *st,
	    const struct dialog_access *a, int64_t online_since,
	    struct dialog_rows *out, enum dialog_result *res);

struct dialog_join {
	const char	*dialog_id;
	const char	*user;
	const struct scope_set *scopes;
	const char	*display_name;	/* the C5 body; NULL: absent */
	const char	*company;
	const char	*email;
	const char	*phone;
	char		 msg[VALID_MSG_LEN];	/* out: DIALOG_INVALID message */
	int64_t		 seq;		/* out: seq of the last event */
};

/*
 * C5 (F4, F15): checks in the order of C5 inside the transaction —
 * DIALOG_NOT_FOUND, DIALOG_ALREADY, DIALOG_NO_ACCESS, DIALOG_INVALID (with
 * j->msg) — then inserts the participant, the participant_joined system
 * message (message.new) and participant.joined. j->seq gets the last seq.
 */
int	store_dialog_join(struct store *st, struct dialog_join *j,
	    enum dialog_result *res);

/*
 * C6 (S5, F20): DIALOG_NOT_FOUND, DIALOG_NOT_PARTICIPANT (nothing
 * written), or the row deleted with the participant_left system message
 * (message.new) and participant.left; *seq gets the last seq.
 */
int	store_dialog_leave(struct store *st, const char *dialog_id,
	    const char *user, int64_t *seq, enum dialog_result *res);

enum dialog_flag {
	DIALOG_FLAG_ARCHIVED,		/* unarchiving also sets unarchived_at */
	DIALOG_FLAG_PINNED,
	DIALOG_FLAG_NOTIFICATIONS,
};

/* One of a participant's flags on one dialog, set (on) or cleared. */
struct dialog_flag_change {
	const char	*dialog_id;
	const char	*user;
	enum dialog_flag flag;
	bool		 on;
};

/*
 * C7–C11: applies ch to the caller's row (idempotent, no events);
 * DIALOG_NOT_PARTICIPANT when the caller has no row (or no such dialog).
 */
int	store_dialog_set_flag(struct store *st,
	    const struct dialog_flag_change *ch, enum dialog_result *res);

#endif
