/*
 * writer.c — group commit for the threads of one process (see writer.h):
 * a thread with a write queues it and sleeps; the writer's own thread
 * takes every queued write, runs each as a savepoint of one transaction,
 * commits once, and wakes each write's thread with how it went. Writes
 * queued meanwhile form the next batch, which starts as soon as the
 * commit returns: the write lock never waits for a thread to be woken.
 * (When request threads took turns at running batches, each hand-over
 * waited ~120 us for the next thread to get a core, and sends ran ~25%
 * slower under load.) A write that finds the writer quiet, nothing queued,
 * no batch running and none for IDLE_US, runs at once on its own thread
 * instead: handing it over and back cost two wake-ups of idle threads,
 * ~90 us each here, on every write of a quiet server. Under load batches
 * follow each other closely and every write goes to the writer's thread
 * (when any write could run on its own, sends ran slower: batches of one
 * write each, and a wake-up of the writer after each).
 *
 * Given a second connection, a third thread checkpoints: the commit that
 * takes the WAL past CKPT_PAGES only wakes it, where SQLite would copy
 * the WAL into the database and sync it inside that commit, holding up
 * the writes behind it for milliseconds. While writes go on, that thread
 * never quite reaches the end of the WAL, which SQLite only starts over
 * once it is all copied: so after each of its rounds the writer thread,
 * between two batches, copies what was written meanwhile (a few dozen
 * pages, against a thousand).
 */
#include <pthread.h>
#include <signal.h>
#include <stdbool.h>

#include "err.h"
#include "log.h"
#include "mem.h"
#include "store.h"
#include "tm.h"
#include "writer.h"

/* Past about this many writes a batch gets no cheaper per write. */
#define BATCH_MAX	32
/* Quiet for this long, the writer lets a write run on its caller's thread. */
#define IDLE_US		2000
/* WAL pages not yet copied that call for a checkpoint (SQLite's default). */
#define CKPT_PAGES	1000

struct job {
	struct job	*next;
	writer_fn	 fn;
	void		*arg;
	int		 rc;
	bool		 done;
	pthread_cond_t	 wake;		/* done */
};

struct writer {
	pthread_mutex_t	 mu;
	pthread_cond_t	 work;		/* a job queued, or stopping */
	pthread_t	 tid;
	struct store	*st;
	bool		 stopping;
	bool		 busy;		/* a batch (or catch-up) is running */
	int64_t		 last_end;	/* when the last batch ended, us */
	struct job	*head, **tail;	/* queued, in arrival order */
	unsigned	 queued;
	unsigned long	 writes, commits;
	/* checkpoints, when given a connection for them */
	struct store	*ck;
	pthread_t	 ck_tid;
	pthread_cond_t	 ck_work;	/* ck_due, or stopping */
	bool		 ck_due;
	bool		 ck_catch_up;	/* the writer is to copy the rest */
	int		 wal_pages;	/* after the last commit */
	int		 ck_done;	/* of them, copied by a checkpoint */
	unsigned long	 checkpoints;
};

static void	*writer_loop(void *arg);
static void	*checkpoint_loop(void *arg);

/*
 * Starts one of the writer's threads with every signal blocked: signals
 * are for the program's own threads (and store.c unblocks SIGALRM around
 * the lock wait it times).
 */
static int
start_blocked(pthread_t *tid, void *(*fn)(void *), struct writer *w)
{
	sigset_t all, old;
	int rc;

	sigfillset(&all);
	pthread_sigmask(SIG_SETMASK, &all, &old);
	rc = pthread_create(tid, NULL, fn, w);
	pthread_sigmask(SIG_SETMASK, &old, NULL);
	return rc;
}

/*
 * After each commit on the writer's connection (writer thread, w->mu not
 * held): wakes the checkpoint thread once CKPT_PAGES of the WAL wait to
 * be copied. A WAL that got shorter was restarted from its beginning.
 */
static void
on_commit(void *arg, int pages)
{
	struct writer *w = arg;

	pthread_mutex_lock(&w->mu);
	if (pages < w->wal_pages)
		w->ck_done = 0;
	w->wal_pages = pages;
	if (!w->ck_due && pages - w->ck_done >= CKPT_PAGES) {
		w->ck_due = true;
		pthread_cond_signal(&w->ck_work);
	}
	pthread_mutex_unlock(&w->mu);
}

/* Notes that a checkpoint copied the WAL's first done frames (w->mu held). */
static void
checkpointed(struct writer *w, int done)
{
	if (done > w->ck_done && done <= w->wal_pages)
		w->ck_done = done;
}

/* The writer's catch-up after a checkpoint round (w->mu held). */
static void
catch_up(struct writer *w)
{
	int done;

	w->ck_catch_up = false;
	pthread_mutex_unlock(&w->mu);
	(void)store_checkpoint(w->st, &done);
	pthread_mutex_lock(&w->mu);
	checkpointed(w, done);
}

/* Runs a checkpoint each time one is due, until told to stop. */
static void *
checkpoint_loop(void *arg)
{
	struct writer *w = arg;
	int done;

	pthread_mutex_lock(&w->mu);
	for (;;) {
		while (!w->ck_due && !w->stopping)
			pthread_cond_wait(&w->ck_work, &w->mu);
		if (w->stopping)
			break;
		pthread_mutex_unlock(&w->mu);
		(void)store_checkpoint(w->ck, &done);	/* logs a failure */
		pthread_mutex_lock(&w->mu);
		checkpointed(w, done);
		w->ck_due = false;
		w->ck_catch_up = w->ck_done < w->wal_pages;
		w->checkpoints++;
	}
	pthread_mutex_unlock(&w->mu);
	return NULL;
}

static void
writer_destroy(struct writer *w)
{
	pthread_cond_destroy(&w->ck_work);
	pthread_cond_destroy(&w->work);
	pthread_mutex_destroy(&w->mu);
	mt_free(w);
}

struct writer *
writer_new(struct store *st, struct store *ck)
{
	struct writer *w = mt_calloc(1, sizeof(*w));

	if (w == NULL)
		return NULL;
	pthread_mutex_init(&w->mu, NULL);
	pthread_cond_init(&w->work, NULL);
	pthread_cond_init(&w->ck_work, NULL);
	w->st = st;
	w->ck = ck;
	w->tail = &w->head;
	if (start_blocked(&w->tid, writer_loop, w) != 0) {
		log_warnx("%s: cannot start the writer thread", __func__);
		writer_destroy(w);
		return NULL;
	}
	if (ck != NULL && start_blocked(&w->ck_tid, checkpoint_loop, w) != 0) {
		log_warnx("%s: cannot start the checkpoint thread; SQLite "
		    "checkpoints in commits", __func__);
		w->ck = NULL;
	}
	if (w->ck != NULL)
		store_on_commit(st, on_commit, w);
	return w;
}

void
writer_free(struct writer *w)
{
	if (w == NULL)
		return;
	pthread_mutex_lock(&w->mu);
	w->stopping = true;
	pthread_cond_signal(&w->work);
	pthread_cond_signal(&w->ck_work);
	pthread_mutex_unlock(&w->mu);
	pthread_join(w->tid, NULL);
	if (w->ck != NULL)
		pthread_join(w->ck_tid, NULL);
	writer_destroy(w);
}

/* Takes up to BATCH_MAX queued jobs, in order (w->mu held). */
static struct job *
take_batch(struct writer *w)
{
	struct job *first = w->head, *j = first;
	unsigned n = 1;

	while (n < BATCH_MAX && j->next != NULL) {
		j = j->next;
		n++;
	}
	w->head = j->next;
	if (w->head == NULL)
		w->tail = &w->head;
	j->next = NULL;
	w->queued -= n;
	return first;
}

/*
 * Runs the jobs in one transaction (w->mu not held). A job's rc is its
 * own failure, or else the commit's; 0 only once the commit is durable.
 */
static void
run_batch(struct writer *w, struct job *batch, unsigned long *writes)
{
	struct job *j;
	int rc;

	/* store_error(): the reason goes back with rc, not in this thread's
	 * last failure (store.h) */
	store_error_clear();
	if ((rc = store_error(store_batch_begin(w->st))) != 0) {
		for (j = batch; j != NULL; j = j->next)
			j->rc = rc;
		return;
	}
	for (j = batch; j != NULL; j = j->next) {
		store_error_clear();
		j->rc = store_error(j->fn(w->st, j->arg));
	}
	store_error_clear();
	rc = store_error(store_batch_commit(w->st));
	for (j = batch; j != NULL; j = j->next)
		if (j->rc == 0) {
			j->rc = rc;
			*writes += rc == 0;
		}
}

/* Runs batches while there are jobs, until told to stop. */
static void *
writer_loop(void *arg)
{
	struct writer *w = arg;
	struct job *batch, *j;
	unsigned long writes;

	pthread_mutex_lock(&w->mu);
	for (;;) {
		while (w->busy || (w->head == NULL && !w->stopping))
			pthread_cond_wait(&w->work, &w->mu);
		if (w->head == NULL)
			break;
		batch = take_batch(w);
		w->busy = true;
		writes = 0;
		pthread_mutex_unlock(&w->mu);
		run_batch(w, batch, &writes);
		pthread_mutex_lock(&w->mu);
		w->writes += writes;
		w->commits++;
		for (j = batch; j != NULL; j = j->next) {
			j->done = true;	/* their threads wait for w->mu */
			pthread_cond_signal(&j->wake);
		}
		if (w->ck_catch_up)
			catch_up(w);
		w->busy = false;
		w->last_end = tm_now_us();
	}
	pthread_mutex_unlock(&w->mu);
	return NULL;
}

/*
 * Runs job me as a batch of its own on the calling thread, the writer
 * being idle (w->mu held, and again on return).
 */
static void
run_here(struct writer *w, struct job *me)
{
	unsigned long writes = 0;

	w->busy = true;
	pthread_mutex_unlock(&w->mu);
	run_batch(w, me, &writes);
	pthread_mutex_lock(&w->mu);
	w->writes += writes;
	w->commits++;
	if (w->ck_catch_up)
		catch_up(w);
	w->busy = false;
	w->last_end = tm_now_us();
	/* Queued meanwhile, or stopping: the writer waited for us. */
	if (w->head != NULL || w->stopping)
		pthread_cond_signal(&w->work);
}

int
writer_run(struct writer *w, writer_fn fn, void *arg)
{
	struct job me = { .fn = fn, .arg = arg };

	pthread_mutex_lock(&w->mu);
	if (!w->busy && w->head == NULL && !w->stopping &&
	    tm_now_us() - w->last_end >= IDLE_US) {
		run_here(w, &me);
		pthread_mutex_unlock(&w->mu);
		return me.rc;
	}
	pthread_cond_init(&me.wake, NULL);
	*w->tail = &me;
	w->tail = &me.next;
	if (w->queued++ == 0)
		pthread_cond_signal(&w->work);
	while (!me.done)
		pthread_cond_wait(&me.wake, &w->mu);
	pthread_mutex_unlock(&w->mu);
	pthread_cond_destroy(&me.wake);
	return me.rc;
}

void
writer_stats(struct writer *w, struct writer_stats *out)
{
	pthread_mutex_lock(&w->mu);
	out->writes = w->writes;
	out->commits = w->commits;
	out->checkpoints = w->checkpoints;
	out->waiting = w->queued;
	pthread_mutex_unlock(&w->mu);
}
