/*
 * writer.h — group commit for the threads of one process (mtchat.fcgi).
 * The threads share one writer connection; writes that queue while a
 * batch commits are run together as savepoints of one transaction, so a
 * burst of N sends costs one lock, one WAL append and one fsync instead of
 * N. Nobody answers before its write is durable.
 */
#ifndef MT_WRITER_H
#define MT_WRITER_H

struct store;
struct writer;

/* One write: runs in a transaction on st; returns 0 or an MT_E* code. */
typedef int	(*writer_fn)(struct store *st, void *arg);

/*
 * A writer over st (kept, not owned) and its thread, which starts with
 * every signal blocked; NULL when out of memory or threads. With ck, a
 * second connection to the same database (kept, not owned, used by no
 * one else), a thread of its own checkpoints the WAL on it, off the
 * commits of st (store_on_commit()); NULL leaves that to SQLite.
 */
struct writer	*writer_new(struct store *st, struct store *ck);
/* Stops the threads after the queued writes; no writer_run() may follow. */
void		 writer_free(struct writer *w);

/*
 * Runs fn(st, arg) in a batch with the writes of other threads, on the
 * writer's own thread (on the caller's, alone, when the writer has been
 * quiet for a while), and returns once the batch is committed: fn's own
 * failure, else the commit's result (0: durable).
 * fn must not wait for other threads, and everything it reaches through
 * arg must stay valid until writer_run() returns.
 */
int		 writer_run(struct writer *w, writer_fn fn, void *arg);

struct writer_stats {
	unsigned long	 writes;	/* successful writes so far */
	unsigned long	 commits;	/* batches committed (or failed) */
	unsigned long	 checkpoints;	/* run by the checkpoint thread */
	unsigned	 waiting;	/* writes queued for the next batch */
};
void		 writer_stats(struct writer *w, struct writer_stats *out);

#endif
