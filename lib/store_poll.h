/*
 * store_poll.h — what the polling endpoint of mtchat.fcgi (GET /api/v1/events,
 * docs/differences.md N3) reads: the change-log rows one user receives (the
 * audience rules of lib/audience.c against the user's membership periods),
 * whether the database changed since a moment, and when the user was last seen.
 */
#ifndef MT_STORE_POLL_H
#define MT_STORE_POLL_H

#include <jansson.h>
#include <stdbool.h>
#include <stdint.h>

struct store;

#define POLL_BATCH	500	/* change-log rows examined per read */

/* Where a read starts (cursor, set by the caller) and where it ended. */
struct poll_pos {
	int64_t	 cursor;	/* seq read after; then the last examined */
	int	 examined;	/* rows examined */
	bool	 resync;	/* the client must reload its state */
};

/*
 * Appends to the JSON array events every change-log row after pos->cursor
 * that user receives, as its stored body with "seq" added, in seq order,
 * examining at most max_rows rows. pos->cursor then gets the seq of the
 * last row examined (unchanged, if none). A dialog's events are kept only
 * for the seqs at which user was its participant (store_members.h).
 *
 * pos->resync is set, events emptied and pos->cursor set to the head of
 * the log when the client cannot resume from where it was: rows after it
 * were pruned (checked after the read, so a concurrent prune is never a
 * silent gap), or it is beyond the head (another database, a restored
 * backup). Returns 0 or an MT_E* code.
 */
int	store_poll_read(struct store *st, const char *user, int max_rows,
	    json_t *events, struct poll_pos *pos);
/*
 * A number that changes whenever another connection committed to the
 * database (PRAGMA data_version; on PostgreSQL the committed head of the
 * change-log): the cheap "anything new?" of a held poll.
 */
int	store_poll_data_version(struct store *st, int64_t *version);

#endif
