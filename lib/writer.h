/*
 * writer.h — group commit for the threads of one process (mtchat.fcgi).
 * The threads share one writer connection; a write that arrives while another
 * is running joins the open transaction as a savepoint, and the last one
 * in commits for all, so a burst of N sends costs one lock, one WAL append
 * and one fsync instead of N. Nobody answers before its write is durable.
 */
#ifndef MT_WRITER_H
#define MT_WRITER_H

struct store;
struct writer;

/* A writer over st (kept, not owned), or NULL (MT_ENOMEM). */
struct writer	*writer_new(struct store *st);
void		 writer_free(struct writer *w);

/*
 * Waits for the shared connection and returns it, inside the open batch
 * transaction (begun if none). NULL with *rc set when the database lock
 * could not be had (MT_EBUSY) or the transaction not begun.
 */
struct store	*writer_enter(struct writer *w, int *rc);
/*
 * Gives the connection back after one write whose result was rc. When rc
 * is 0, waits until the batch holding the write is committed and returns
 * the commit's result; otherwise returns rc at once.
 */
int		 writer_leave(struct writer *w, int rc);

struct writer_stats {
	unsigned long	 writes;	/* successful writes so far */
	unsigned long	 commits;	/* batches committed (or failed) */
	unsigned	 waiting;	/* threads waiting for the store now */
};
void		 writer_stats(struct writer *w, struct writer_stats *out);

#endif
