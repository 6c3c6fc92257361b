/*
 * store_hooks.h — the queues of mtchat-hooks (sql/0005-hooks.sql). The
 * change-log rows that fire webhooks become outbox rows, each with the
 * exact body every attempt sends, in the transaction that moves the
 * consumer's cursor past them; user messages also become notification
 * checks due later (F12); an outbox row leaves only when its webhook was
 * acknowledged or became a dead letter.
 */
#ifndef MT_STORE_HOOKS_H
#define MT_STORE_HOOKS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "id.h"

struct store;

#define HOOKS_CURSOR		"hooks"	/* mtchat-hooks' change-log cursor */
#define HOOKS_NOTIFY_BATCH	64	/* checks per store_hooks_notify() */
#define HOOKS_EVENT_MAX		32	/* longest event name, with NUL */

struct hooks_take {
	const char	*cursor;	/* consumer name, e.g. HOOKS_CURSOR */
	int		 limit;		/* change-log rows per call */
	bool		 notify;	/* queue notification checks */
	int64_t		 notify_delay_us; /* after the message's commit */
};

/*
 * In one write transaction: reads up to o->limit change-log rows after
 * the cursor, queues a webhook for each that fires one (docs/webhooks.md#which)
 * and, with o->notify, a notification check for each user message, and
 * moves the cursor past the rows. A cursor not registered yet is
 * registered at the end of the log, so that events from before webhooks
 * were turned on are not sent. An event whose dialog is gone is skipped.
 * *rows gets how many rows were passed (0: the log is read), *queued how
 * many webhooks were queued.
 */
int	store_hooks_take(struct store *st, const struct hooks_take *o,
	    int *rows, int *queued);

/*
 * In one write transaction, runs up to HOOKS_NOTIFY_BATCH notification
 * checks due by now_us: for each, a notification.pending webhook to every
 * recipient (not the sender) who was a participant when the message was
 * sent and still is, has notifications on and has not read that message
 * (read position before it, unread count above 0); a deleted message or
 * dialog notifies nobody. *checks gets how many checks ran, *queued how
 * many webhooks they queued.
 */
int	store_hooks_notify(struct store *st, int64_t now_us, int *checks,
	    int *queued);
/* When the next check is due; MT_ENOTFOUND when none is waiting. */
int	store_hooks_notify_next(struct store *st, int64_t *due_us);

/* The outbox row to deliver next. */
struct hook_delivery {
	int64_t		 id;
	char		 event_id[ID_BUF];	/* X-Webhook-Id */
	char		 event[HOOKS_EVENT_MAX];	/* X-Webhook-Event */
	char		*body;		/* owned; store_hooks_delivery_reset() */
	size_t		 len;
	int		 attempts;	/* failed so far */
	int64_t		 next_at;	/* not before, microseconds */
};

/*
 * The oldest outbox row into *d (FIFO: one webhook at a time, in order);
 * MT_ENOTFOUND when the outbox is empty.
 */
int	store_hooks_head(struct store *st, struct hook_delivery *d);
/* Frees d->body and zeroes *d. */
void	store_hooks_delivery_reset(struct hook_delivery *d);
/* The receiver acknowledged row id: it leaves the outbox. */
int	store_hooks_ack(struct store *st, int64_t id);
/* Row id failed attempts times; the next attempt not before next_at. */
int	store_hooks_retry(struct store *st, int64_t id, int attempts,
	    int64_t next_at, const char *error);
/* Row id failed for good: it moves to the dead letters. */
int	store_hooks_bury(struct store *st, int64_t id, int attempts,
	    const char *error);

/*
 * Puts the dead letter event_id (NULL: every one, oldest first) back at
 * the end of the outbox with its body, id and no failed attempts; *n gets
 * how many. MT_ENOTFOUND when event_id is not a dead letter.
 */
int	store_hooks_replay(struct store *st, const char *event_id, int *n);

struct hook_dead_row {
	const char	*event_id;
	const char	*event;
	int		 attempts;
	const char	*last_error;
	int64_t		 created_at;	/* queued */
	int64_t		 failed_at;
};
/* Calls cb for every dead letter, oldest failure first. */
int	store_hooks_dead_list(struct store *st,
	    void (*cb)(const struct hook_dead_row *, void *), void *arg);

struct hooks_counts {
	int64_t	 queued;	/* webhooks in the outbox */
	int64_t	 checks;	/* notification checks not run yet */
	int64_t	 dead;		/* dead letters */
};
int	store_hooks_counts(struct store *st, struct hooks_counts *c);

#endif
