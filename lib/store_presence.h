/*
 * store_presence.h — presence (docs/events.md#presence): a row per online user
 * with the time it was last seen. Every transition appends its
 * presence.update event in the same transaction; refreshes are batched.
 */
#ifndef MT_STORE_PRESENCE_H
#define MT_STORE_PRESENCE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct store;

/*
 * Marks users online as of now_us in one transaction: refreshes existing
 * rows, inserts missing ones and appends presence.update (online) for each
 * of those (offline→online). *seq gets the last event's seq (0: none).
 */
int	store_presence_touch(struct store *st, const char *const *users,
	    size_t n, int64_t now_us, int64_t *seq);
/*
 * Marks users offline (their last connection closed) in one transaction,
 * with presence.update (offline) for each that had a row.
 */
int	store_presence_remove(struct store *st, const char *const *users,
	    size_t n, int64_t *seq);
/*
 * Expires up to limit rows not seen since cutoff_us, with their offline
 * events, in one transaction; *n gets how many. Safe to run concurrently:
 * the write lock serialises runs and a row expires once.
 */
int	store_presence_expire(struct store *st, int64_t cutoff_us, int limit,
	    int *n, int64_t *seq);
/* Whether user has a presence row, and when it was last refreshed. */
int	store_presence_get(struct store *st, const char *user, bool *found,
	    int64_t *last_seen);
/* Lists (without changing anything) the users expire would take. */
int	store_presence_stale(struct store *st, int64_t cutoff_us, int limit,
	    void (*cb)(const char *user, int64_t last_seen, void *arg),
	    void *arg);

#endif
