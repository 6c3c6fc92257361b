/*
 * store.h — the storage interface: every SQL statement of mtchat lives behind
 * these functions (lib/store*.c). SQLite in WAL mode, BEGIN IMMEDIATE write
 * transactions, statements prepared once and kept for the life of the store.
 */
#ifndef MT_STORE_H
#define MT_STORE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define STORE_ERR_LEN	256

struct files_cfg;
struct store;

struct store_opts {
	const char	*path;
	bool		 create;	/* create the file if missing (init) */
	bool		 allow_old;	/* open an older schema (migrate) */
	bool		 sync_normal;	/* synchronous=NORMAL instead of FULL */
	long		 busy_timeout_ms;
	/* local storage, for the download URLs of attachments; NULL: none */
	const struct files_cfg *files;
};

/*
 * Opens the database at o->path and checks its schema version: a database
 * newer than this program is refused (MT_ESCHEMA), an older one too unless
 * o->allow_old. Without o->create a missing file is MT_ENOTFOUND. On error,
 * *sp is NULL, err holds one line, and no file has been left behind.
 * Close with store_close().
 */
int	 store_open(struct store **sp, const struct store_opts *o, char *err,
	    size_t errlen);
/*
 * Optional, before the first store_open() of a program whose threads each
 * use their own store and share a writer (writer.h): turns off SQLite's
 * memory statistics, which take one process-wide mutex on every
 * allocation, and keeps savepoint journals in memory.
 */
void	 store_threads_init(void);
/*
 * Takes checkpoints off st's commits. By default the commit that takes
 * the WAL past 1,000 pages also copies it into the database and syncs
 * it, milliseconds during which the next writes wait; with this, SQLite
 * stops doing that on st, and after each commit calls cb(arg, pages)
 * with the WAL's length in pages, for the caller to checkpoint on another
 * connection (store_checkpoint()).
 */
void	 store_on_commit(struct store *st, void (*cb)(void *arg, int pages),
	    void *arg);
/*
 * A PASSIVE checkpoint on st: copies into the database what of the WAL no
 * reader still needs, without waiting for writers or readers; *done gets
 * the WAL frames now copied. 0 or MT_EIO.
 */
int	 store_checkpoint(struct store *st, int *done);
/* Finalizes every cached statement and closes the database. NULL is ok. */
void	 store_close(struct store *st);

/* Schema version of the database, and the newest this program knows. */
int	 store_schema_version(struct store *st, int *version);
int	 store_code_version(void);
/*
 * Applies the missing migrations, each in one transaction; *applied gets how
 * many ran (0: already current). Idempotent and safe to run concurrently.
 */
int	 store_migrate(struct store *st, int *applied, char *err, size_t errlen);

/*
 * Write transactions: BEGIN IMMEDIATE takes the write lock at once (waiting
 * up to busy_timeout), so a transaction never fails half-way on a lock.
 * store_begin() returns MT_EBUSY when the lock could not be had.
 */
int	 store_begin(struct store *st);
int	 store_commit(struct store *st);
void	 store_rollback(struct store *st);
bool	 store_in_tx(const struct store *st);

/*
 * Group commit: between store_batch_begin() and store_batch_commit() every
 * write (store_begin() ... store_commit()) is a savepoint of one shared
 * transaction, so several writes share one lock, one WAL append and one
 * fsync. A write that fails is rolled back alone; none of them is durable
 * before store_batch_commit() returns 0, and if it fails none happened.
 */
int	 store_batch_begin(struct store *st);
int	 store_batch_commit(struct store *st);

/* A trivial query: 0 when the database answers (readiness checks). */
int	 store_ping(struct store *st);

/* Path the store was opened with. */
const char *store_path(const struct store *st);

/* Counts for `mtchat-admin stats`. */
struct store_stats {
	int64_t	 dialogs, messages, participants, changelog, presence;
	int64_t	 changelog_first, changelog_last;	/* seq range, 0 if none */
	int64_t	 db_bytes;	/* main file + WAL */
};
int	 store_stats(struct store *st, struct store_stats *out);
/*
 * Integrity, foreign-key and derived-data check; each problem is passed
 * to cb as one line. Returns 0 with *problems set to how many were found.
 */
int	 store_check(struct store *st, void (*cb)(const char *line, void *arg),
	    void *arg, int *problems);
/* Online backup into a new file at dest, consistent while writers run. */
int	 store_backup(struct store *st, const char *dest, char *err,
	    size_t errlen);

#endif
