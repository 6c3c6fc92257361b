/*
 * store_presence.h — presence (docs/events.md#presence): a row per online
 * user and instance (each bridge writes its own, BRIDGE_INSTANCE;
 * mtchat.fcgi's polls PRESENCE_POLLS) with the time it was last seen. A
 * user is online while any row of theirs is fresh. Every transition (the
 * user's first row made, their last one removed) appends its
 * presence.update event in the same transaction; refreshes are batched.
 */
#ifndef MT_STORE_PRESENCE_H
#define MT_STORE_PRESENCE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct store;

/* The instance of the rows of mtchat.fcgi's polls, on every node. */
#define PRESENCE_POLLS	""

/*
 * Marks users seen by instance as of now_us in one transaction: refreshes
 * the instance's rows, inserts missing ones and appends presence.update
 * (online) for each user who had no row of any instance (offline→online).
 * *seq gets the last event's seq (0: none).
 */
int	store_presence_touch(struct store *st, const char *instance,
	    const char *const *users, size_t n, int64_t now_us, int64_t *seq);
/*
 * Removes the users' rows of instance (their last connection to it
 * closed) in one transaction, with presence.update (offline) for each
 * user who then has no row left.
 */
int	store_presence_remove(struct store *st, const char *instance,
	    const char *const *users, size_t n, int64_t *seq);
/*
 * Expires up to limit rows not seen since cutoff_us (of instance, or of
 * every instance if NULL), in one transaction, with the offline events of
 * the users left with no row; *n gets how many rows. Safe to run
 * concurrently: the write lock serialises runs and a row expires once. A
 * bridge drops its own rows with instance and a cutoff of INT64_MAX.
 */
int	store_presence_expire(struct store *st, const char *instance,
	    int64_t cutoff_us, int limit, int *n, int64_t *seq);
/*
 * Whether user has a presence row of instance (of any if NULL), and when
 * it (the freshest) was last refreshed.
 */
int	store_presence_get(struct store *st, const char *user,
	    const char *instance, bool *found, int64_t *last_seen);
/* Lists (without changing anything) the rows expire would take. */
int	store_presence_stale(struct store *st, const char *instance,
	    int64_t cutoff_us, int limit,
	    void (*cb)(const char *user, const char *instance,
	    int64_t last_seen, void *arg), void *arg);

#endif
