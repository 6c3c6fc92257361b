/*
 * store.h — the storage interface: every SQL statement of mtchat lives behind
 * these functions (lib/store*.c). SQLite in WAL mode, BEGIN IMMEDIATE write
 * transactions, statements prepared once and kept for the life of the store.
 * The reads return rows (lib/rows.h), never the API's JSON: lib/shape.c,
 * one layer above, makes that (docs/postgresql.md#rows-and-shapes).
 */
#ifndef MT_STORE_H
#define MT_STORE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define STORE_ERR_LEN	256

struct cfg;
struct files_cfg;
struct store;

struct store_opts {
	const char	*path;		/* SQLite: the file */
	const char	*url;		/* PostgreSQL: libpq's connection
					   string; NULL or "": SQLite */
	bool		 create;	/* create the file if missing (init) */
	bool		 allow_old;	/* open an older schema (migrate) */
	bool		 sync_normal;	/* synchronous=NORMAL instead of FULL */
	long		 busy_timeout_ms;
	/* local storage, for the download URLs of attachments; NULL: none */
	const struct files_cfg *files;
};

/*
 * The options every program opens its database with, from c: MTCHAT_DB,
 * MTCHAT_SYNCHRONOUS and MTCHAT_BUSY_TIMEOUT_MS; create, allow_old and
 * files off, for the caller to set.
 */
void	 store_opts_init(struct store_opts *o, const struct cfg *c);
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
 * Fault injection for tests, as SQLite tests itself: the store layer's
 * calls to sqlite3_step() and sqlite3_prepare_*() (every connection of the
 * process, counted together) can be made to fail with SQLITE_BUSY,
 * SQLITE_IOERR or SQLITE_FULL instead of running. After
 * store_fault_set(n, kind, mode) the n-th following call (1-based) fails;
 * then, by mode, no other (ONCE), every later one (PERSIST) or every n-th
 * (EVERY). store_fault_set(0, 0, 0) turns it off.
 */
enum store_fault_kind {
	STORE_FAULT_BUSY = 1,
	STORE_FAULT_IOERR,
	STORE_FAULT_FULL,
};
enum store_fault_mode {
	STORE_FAULT_ONCE,
	STORE_FAULT_PERSIST,
	STORE_FAULT_EVERY,
};
void	 store_fault_set(long n, enum store_fault_kind kind,
	    enum store_fault_mode mode);
/* How many calls failed since the last store_fault_set(). */
long	 store_fault_count(void);
/*
 * Sets a fault from its text form "KIND:MODE:N" (e.g. "IOERR:every:7"),
 * as tests hand it to a program in MTCHAT_TEST_STORE_FAULTS; NULL or ""
 * sets nothing. 0, or MT_EINVAL for anything else.
 */
int	 store_fault_parse(const char *spec);

/*
 * The MT_E* code to report for rc, a store function's failure: MT_EIO of
 * a statement that could not be prepared becomes what the preparation
 * failed with (MT_EBUSY, MT_ESTORAGE, MT_EFULL, ...), as the calling
 * thread's last such failure says; anything else stays. A server calls
 * store_error_clear() as each request starts.
 */
int	 store_error(int rc);
void	 store_error_clear(void);

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
