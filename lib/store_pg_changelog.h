/*
 * store_pg_changelog.h — the change-log on PostgreSQL (issue 22, work in
 * progress; docs/postgresql.md): appends inside the caller's transaction
 * that tailers see in seq order without gaps, reads after a seq, the head,
 * and the LISTEN/NOTIFY wake-up that replaces SQLite's datagram. The same
 * rows as changelog.h; when the store is split into drivers these become
 * the PostgreSQL side of changelog_append() and changelog_read_after().
 */
#ifndef MT_STORE_PG_CHANGELOG_H
#define MT_STORE_PG_CHANGELOG_H

#include <stdint.h>

#include "changelog.h"
#include "store_pg.h"

/* The NOTIFY channel; each payload is the decimal seq of a new row. */
#define STORE_PG_CHANNEL	"mtchat_changelog"

/*
 * Appends one row (r->seq and r->created_at are ignored) inside the
 * caller's open transaction and writes its seq to *seq (may be NULL).
 * From here until the transaction ends, every other append waits: append
 * last, just before store_pg_commit(). Returns 0 or an MT_E* code (MT_EIO
 * outside a transaction); the caller then rolls back, and the seq taken,
 * if any, stays unused.
 */
int	store_pg_changelog_append(struct store_pg *pg,
	    const struct changelog_row *r, int64_t *seq);

/*
 * Calls cb for up to limit (>= 1) rows with seq > after, in seq order; a
 * row that is not there yet has a higher seq than every row passed, so
 * moving the cursor past them skips nothing. The strings of a row are
 * valid only during its callback. A non-zero return from cb stops the walk
 * and is returned. *last gets the seq of the last row passed (after, if
 * none).
 */
int	store_pg_changelog_read_after(struct store_pg *pg, int64_t after,
	    int limit, int (*cb)(const struct changelog_row *, void *),
	    void *arg, int64_t *last);

/*
 * The highest seq handed out to a transaction that has ended (0 for an
 * empty log); it never goes back. Waits for the transaction that is
 * appending, if any; inside a transaction, appends wait for the caller's
 * until it ends.
 */
int	store_pg_changelog_head(struct store_pg *pg, int64_t *seq);

/*
 * Subscribes the connection, outside a transaction, to the wake-ups that
 * each append sends when its transaction commits.
 */
int	store_pg_changelog_listen(struct store_pg *pg);

/*
 * Reads what arrived on the connection and takes the wake-ups received
 * so far, raising *seq to the highest seq announced (it is left as it is
 * if none is higher). Returns how many wake-ups were taken, or MT_EIO when
 * the connection is gone. Call it before each wait on store_pg_socket():
 * a wake-up that arrived during another statement is already read and
 * makes the socket readable no more.
 */
int	store_pg_changelog_woken(struct store_pg *pg, int64_t *seq);

#endif
