/*
 * changelog.h — the one door for events: append a change-log row inside the
 * caller's write transaction, read rows after a seq, prune, and the durable
 * cursors of consumers.
 */
#ifndef MT_CHANGELOG_H
#define MT_CHANGELOG_H

#include <stdbool.h>
#include <stdint.h>

struct store;

struct changelog_row {
	int64_t		 seq;
	const char	*type;		/* "message.new", ... */
	const char	*dialog_id;	/* NULL for non-dialog events */
	const char	*subject_user;	/* NULL when none */
	const char	*audience;	/* JSON array of user ids, or NULL */
	const char	*body;		/* exact JSON sent to clients */
	int64_t		 created_at;	/* microseconds */
	bool		 webhook;	/* fires a webhook (see docs/webhooks.md) */
};

/*
 * Appends one row (r->seq and r->created_at are ignored) inside the caller's
 * open write transaction and writes its seq to *seq (may be NULL). Returns 0
 * or an MT_E* code; the caller then rolls back, so no row remains.
 */
int	changelog_append(struct store *st, const struct changelog_row *r,
	    int64_t *seq);

/*
 * Calls cb for up to limit rows with seq > after, in seq order. The strings
 * of a row are valid only during its callback. A non-zero return from cb
 * stops the walk and is returned. *last gets the seq of the last row passed
 * (after, if none).
 */
int	changelog_read_after(struct store *st, int64_t after, int limit,
	    int (*cb)(const struct changelog_row *, void *), void *arg,
	    int64_t *last);

/* The highest seq ever assigned (0 for an empty log). */
int	changelog_head(struct store *st, int64_t *seq);
/* The highest seq ever pruned (0 if none): resuming below it must resync. */
int	changelog_pruned_through(struct store *st, int64_t *seq);

/*
 * Deletes rows created before before_us, in short transactions. Unless
 * force, rows that a registered consumer cursor has not passed are kept.
 * *deleted gets how many rows went; *held (may be NULL) how many were kept
 * only because of a cursor.
 */
int	changelog_prune(struct store *st, int64_t before_us, bool force,
	    int64_t *deleted, int64_t *held);

/* Durable consumer positions (e.g. "hooks"): MT_ENOTFOUND if unknown. */
int	cursor_get(struct store *st, const char *name, int64_t *seq);
/* Sets a cursor; inside the caller's transaction if one is open. */
int	cursor_set(struct store *st, const char *name, int64_t seq);

/* Calls cb for every registered cursor, by name. */
int	cursor_list(struct store *st,
	    void (*cb)(const char *name, int64_t seq, int64_t updated_at,
	    void *arg), void *arg);
/* Forgets a consumer (e.g. an uninstalled one): MT_ENOTFOUND if unknown. */
int	cursor_delete(struct store *st, const char *name);

#endif
