/*
 * writer.c — group commit for the threads of one process (see writer.h),
 * by flat combining: a thread with a write queues it; if no thread is
 * committing, it becomes the leader and runs every queued write itself,
 * each as a savepoint of one transaction, commits once, and tells each
 * write's thread how it went. Writes queued meanwhile form the next batch.
 * Running them all on one thread spares a wake-up per write: on a busy
 * machine a woken thread can wait milliseconds for a core.
 */
#include <pthread.h>
#include <stdbool.h>

#include "err.h"
#include "mem.h"
#include "store.h"
#include "writer.h"

/* Past about this many writes a batch gets no cheaper per write. */
#define BATCH_MAX	32

struct job {
	struct job	*next;
	writer_fn	 fn;
	void		*arg;
	int		 rc;
	bool		 done;
	pthread_cond_t	 wake;		/* done, or first in line to lead */
};

struct writer {
	pthread_mutex_t	 mu;
	struct store	*st;
	bool		 leading;	/* a thread is running batches */
	struct job	*head, **tail;	/* queued, in arrival order */
	unsigned	 queued;
	unsigned long	 writes, commits;
};

struct writer *
writer_new(struct store *st)
{
	struct writer *w = mt_calloc(1, sizeof(*w));

	if (w == NULL)
		return NULL;
	pthread_mutex_init(&w->mu, NULL);
	w->st = st;
	w->tail = &w->head;
	return w;
}

void
writer_free(struct writer *w)
{
	if (w == NULL)
		return;
	pthread_mutex_destroy(&w->mu);
	mt_free(w);
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

	if ((rc = store_batch_begin(w->st)) != 0) {
		for (j = batch; j != NULL; j = j->next)
			j->rc = rc;
		return;
	}
	for (j = batch; j != NULL; j = j->next)
		j->rc = j->fn(w->st, j->arg);
	rc = store_batch_commit(w->st);
	for (j = batch; j != NULL; j = j->next)
		if (j->rc == 0) {
			j->rc = rc;
			*writes += rc == 0;
		}
}

/*
 * Leads batches until its own job is done (w->mu held), then lets the
 * thread of the next queued job lead the rest: a leader is also a client
 * waiting for its answer. Each thread is woken only for its own job, not
 * all of them for every batch.
 */
static void
lead(struct writer *w, const struct job *mine)
{
	struct job *batch, *j;
	unsigned long writes;

	w->leading = true;
	while (!mine->done && w->head != NULL) {
		batch = take_batch(w);
		writes = 0;
		pthread_mutex_unlock(&w->mu);
		run_batch(w, batch, &writes);
		pthread_mutex_lock(&w->mu);
		w->writes += writes;
		w->commits++;
		for (j = batch; j != NULL; j = j->next) {
			j->done = true;	/* their threads wait for w->mu */
			if (j != mine)
				pthread_cond_signal(&j->wake);
		}
	}
	w->leading = false;
	if (w->head != NULL)
		pthread_cond_signal(&w->head->wake);
}

int
writer_run(struct writer *w, writer_fn fn, void *arg)
{
	struct job me = { .fn = fn, .arg = arg };

	pthread_cond_init(&me.wake, NULL);
	pthread_mutex_lock(&w->mu);
	*w->tail = &me;
	w->tail = &me.next;
	w->queued++;
	while (!me.done) {
		if (!w->leading)
			lead(w, &me);
		else
			pthread_cond_wait(&me.wake, &w->mu);
	}
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
	out->waiting = w->queued;
	pthread_mutex_unlock(&w->mu);
}
