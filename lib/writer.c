/*
 * writer.c — group commit for the threads of one process (see writer.h). One thread at a time holds the
 * shared store. On leaving, a thread hands the open transaction to the next
 * waiting writer; the first one to leave with nobody waiting (or the
 * BATCH_MAX-th member) commits, and tells every member of the batch how
 * the commit went. An idle server therefore commits each write at once:
 * batching only happens when writes already queue for the lock.
 */
#include <pthread.h>
#include <stdbool.h>

#include "err.h"
#include "mem.h"
#include "store.h"
#include "writer.h"

/* Past about this many members a batch gets slower, not faster. */
#define BATCH_MAX	16

struct member {			/* a thread waiting for its batch's commit */
	struct member	*next;
	int		 rc;
	bool		 done;
};

struct writer {
	pthread_mutex_t	 mu;
	pthread_cond_t	 turn;		/* the store is free */
	pthread_cond_t	 done;		/* a batch was committed */
	struct store	*st;
	bool		 busy;		/* a thread holds st */
	bool		 open;		/* a batch transaction is open */
	unsigned	 waiting;	/* threads waiting for st */
	unsigned	 size;		/* successful writes in the batch */
	struct member	*members;	/* their threads, waiting */
	unsigned long	 writes, commits;
};

struct writer *
writer_new(struct store *st)
{
	struct writer *w = mt_calloc(1, sizeof(*w));

	if (w == NULL)
		return NULL;
	pthread_mutex_init(&w->mu, NULL);
	pthread_cond_init(&w->turn, NULL);
	pthread_cond_init(&w->done, NULL);
	w->st = st;
	return w;
}

void
writer_free(struct writer *w)
{
	if (w == NULL)
		return;
	pthread_cond_destroy(&w->done);
	pthread_cond_destroy(&w->turn);
	pthread_mutex_destroy(&w->mu);
	mt_free(w);
}

/* Lets the next waiting thread have the store (w->mu held). */
static void
release(struct writer *w)
{
	w->busy = false;
	if (w->waiting > 0)
		pthread_cond_signal(&w->turn);
}

struct store *
writer_enter(struct writer *w, int *rc)
{
	bool begin;

	pthread_mutex_lock(&w->mu);
	w->waiting++;
	while (w->busy)
		pthread_cond_wait(&w->turn, &w->mu);
	w->waiting--;
	w->busy = true;
	begin = !w->open;
	pthread_mutex_unlock(&w->mu);
	if (begin && (*rc = store_batch_begin(w->st)) != 0) {
		pthread_mutex_lock(&w->mu);
		release(w);
		pthread_mutex_unlock(&w->mu);
		return NULL;
	}
	pthread_mutex_lock(&w->mu);
	w->open = true;
	pthread_mutex_unlock(&w->mu);
	*rc = 0;
	return w->st;
}

/* Commits the open batch for all its members (w->mu held, store held). */
static int
commit_batch(struct writer *w)
{
	struct member *m = w->members;
	int rc;

	w->members = NULL;
	w->size = 0;
	w->commits++;
	pthread_mutex_unlock(&w->mu);
	rc = store_batch_commit(w->st);
	pthread_mutex_lock(&w->mu);
	w->open = false;
	for (; m != NULL; m = m->next) {
		m->rc = rc;
		m->done = true;
	}
	pthread_cond_broadcast(&w->done);
	release(w);
	return rc;
}

int
writer_leave(struct writer *w, int rc)
{
	struct member me = { NULL, 0, false };

	pthread_mutex_lock(&w->mu);
	if (rc == 0) {
		w->size++;
		w->writes++;
	}
	if (w->waiting == 0 || w->size >= BATCH_MAX) {
		int crc = commit_batch(w);

		pthread_mutex_unlock(&w->mu);
		return rc != 0 ? rc : crc;
	}
	release(w);		/* the next writer joins this batch */
	if (rc == 0) {
		me.next = w->members;
		w->members = &me;
		while (!me.done)
			pthread_cond_wait(&w->done, &w->mu);
		rc = me.rc;
	}
	pthread_mutex_unlock(&w->mu);
	return rc;
}


void
writer_stats(struct writer *w, struct writer_stats *out)
{
	pthread_mutex_lock(&w->mu);
	out->writes = w->writes;
	out->commits = w->commits;
	out->waiting = w->waiting;
	pthread_mutex_unlock(&w->mu);
}
