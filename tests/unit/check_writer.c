/*
 * check_writer.c — unit tests of lib/writer.c, group commit: threads that
 * write through one writer all land exactly once, writes that queue while
 * a batch runs are run together by the writer's thread and share one
 * commit (a write finding the writer quiet runs on its own thread), a
 * failed write is undone alone, no write is answered before its batch is
 * committed, and with a connection for checkpoints the WAL stays small.
 * SPDX-License-Identifier: MIT
 */
#include <check.h>
#include <limits.h>
#include <pthread.h>
#include <semaphore.h>
#include <sqlite3.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "changelog.h"
#include "err.h"
#include "json.h"
#include "log.h"
#include "store.h"
#include "testutil.h"
#include "writer.h"

#define THREADS		8
#define PER_THREAD	50

static char db[PATH_MAX];

static void
setup(void)
{
	struct store_opts o = { .create = true, .allow_old = true,
	    .busy_timeout_ms = 5000 };
	struct store *st;
	char err[STORE_ERR_LEN];
	int applied;

	tu_setup();
	tu_path(db, tu_dir, "mtchat.db");
	o.path = db;
	ck_assert_msg(store_open(&st, &o, err, sizeof(err)) == 0, "%s", err);
	ck_assert_int_eq(store_migrate(st, &applied, err, sizeof(err)), 0);
	store_close(st);
}

static struct store *
open_db(void)
{
	struct store_opts o = { .path = db, .busy_timeout_ms = 5000 };
	struct store *st;
	char err[STORE_ERR_LEN];

	ck_assert_msg(store_open(&st, &o, err, sizeof(err)) == 0, "%s", err);
	return st;
}

/* Rows in the change-log, seen by a connection of its own. */
static long long
committed_rows(void)
{
	sqlite3 *d;
	sqlite3_stmt *s;
	long long n;

	ck_assert_int_eq(sqlite3_open(db, &d), SQLITE_OK);
	sqlite3_busy_timeout(d, 5000);	/* a write may be committing */
	ck_assert_int_eq(sqlite3_prepare_v2(d, "SELECT count(*) FROM changelog",
	    -1, &s, NULL), SQLITE_OK);
	ck_assert_int_eq(sqlite3_step(s), SQLITE_ROW);
	n = sqlite3_column_int64(s, 0);
	sqlite3_finalize(s);
	sqlite3_close(d);
	return n;
}

/* One write: a change-log row in a transaction; fail makes it fail. */
static int
write_row(struct store *st, const char *body, bool fail)
{
	struct changelog_row r = { .type = "test.event", .body = body };
	int rc;

	if ((rc = store_begin(st)) != 0)
		return rc;
	if ((rc = changelog_append(st, &r, NULL)) != 0 || fail) {
		store_rollback(st);
		return rc != 0 ? rc : MT_EINVAL;
	}
	return store_commit(st);
}

struct row_call {
	const char	*body;
	bool		 fail;
	pthread_t	 ran_on;	/* the thread that ran the write */
	long long	 seen;		/* committed rows when it ran */
};

static int
row_job(struct store *st, void *arg)
{
	struct row_call *c = arg;

	c->ran_on = pthread_self();
	c->seen = committed_rows();
	return write_row(st, c->body, c->fail);
}

/* A write through w: 0 once it is committed. */
static int
write_through(struct writer *w, const char *body, bool fail)
{
	return writer_run(w, row_job, &(struct row_call){ body, fail, 0, 0 });
}

struct worker {
	pthread_t	 tid;
	struct writer	*w;
	int		 id, failures;
};

static void *
worker_run(void *arg)
{
	struct worker *k = arg;
	char body[64];
	int i;

	for (i = 0; i < PER_THREAD; i++) {
		snprintf(body, sizeof(body), "{\"t\":%d,\"i\":%d}", k->id, i);
		/* every seventh write of odd threads fails */
		if (write_through(k->w, body, k->id % 2 == 1 && i % 7 == 0) !=
		    0)
			k->failures++;
	}
	return NULL;
}

START_TEST(writer_threads_all_land_once)
{
	struct store *st = open_db();
	struct writer *w = writer_new(st, NULL);
	struct worker k[THREADS];
	struct writer_stats ws;
	int i, failures = 0;

	ck_assert_ptr_nonnull(w);
	for (i = 0; i < THREADS; i++) {
		k[i] = (struct worker){ .w = w, .id = i };
		ck_assert_int_eq(pthread_create(&k[i].tid, NULL, worker_run,
		    &k[i]), 0);
	}
	for (i = 0; i < THREADS; i++) {
		pthread_join(k[i].tid, NULL);
		failures += k[i].failures;
	}
	/* 4 odd threads x 8 failing writes (i = 0, 7, ..., 49) */
	ck_assert_int_eq(failures, 4 * 8);
	ck_assert_int_eq(committed_rows(), THREADS * PER_THREAD - failures);
	writer_stats(w, &ws);
	ck_assert_uint_eq(ws.writes, THREADS * PER_THREAD - failures);
	ck_assert_uint_le(ws.commits, ws.writes + (unsigned long)failures);
	ck_assert_uint_eq(ws.waiting, 0);
	writer_free(w);
	store_close(st);
}
END_TEST

/* A write that holds the writer until four others queue behind it. */
struct holder {
	struct writer	*w;
	sem_t		*running;	/* posted once the holder's write runs */
	long long	 seen_after;	/* committed rows once answered */
	struct row_call	 call;
	int		 rc;
};

static int
hold_job(struct store *st, void *arg)
{
	struct holder *h = arg;
	struct writer_stats ws;
	int i;

	sem_post(h->running);
	for (i = 0; i < 5000; i++) {		/* up to 5 s */
		writer_stats(h->w, &ws);
		if (ws.waiting == 4)
			break;
		nanosleep(&(struct timespec){ 0, 1000000 }, NULL);
	}
	return row_job(st, &h->call);
}

static void *
hold_then_write(void *arg)
{
	struct holder *h = arg;

	h->rc = writer_run(h->w, hold_job, h);
	h->seen_after = committed_rows();
	return NULL;
}

static void *
queue_write(void *arg)
{
	struct holder *h = arg;

	h->rc = writer_run(h->w, row_job, &h->call);
	h->seen_after = committed_rows();
	return NULL;
}

START_TEST(writer_queued_writes_share_one_commit)
{
	struct store *st = open_db();
	struct writer *w = writer_new(st, NULL);
	sem_t running;
	struct holder first = { .w = w, .running = &running,
	    .call = { "{\"holder\":1}", false, 0, 0 } }, q[4];
	pthread_t t0, t[4];
	struct writer_stats ws;
	int i;

	ck_assert_int_eq(sem_init(&running, 0, 0), 0);
	ck_assert_int_eq(pthread_create(&t0, NULL, hold_then_write, &first),
	    0);
	while (sem_wait(&running) != 0)
		;
	for (i = 0; i < 4; i++) {
		q[i] = (struct holder){ .w = w,
		    .call = { "{\"queued\":1}", false, 0, 0 } };
		ck_assert_int_eq(pthread_create(&t[i], NULL, queue_write,
		    &q[i]), 0);
	}
	pthread_join(t0, NULL);
	ck_assert_int_eq(first.rc, 0);
	ck_assert_int_eq(first.call.seen, 0);
	/* the writer was quiet: the holder's write ran on its own thread */
	ck_assert(pthread_equal(first.call.ran_on, t0));
	ck_assert_int_ge(first.seen_after, 1);	/* committed when answered */
	for (i = 0; i < 4; i++) {
		pthread_join(t[i], NULL);
		ck_assert_int_eq(q[i].rc, 0);
		/* one batch after the holder's, run by one of them */
		ck_assert_int_eq(q[i].call.seen, 1);
		ck_assert(pthread_equal(q[i].call.ran_on, q[0].call.ran_on));
		ck_assert_int_eq(q[i].seen_after, 5);
	}
	for (i = 0; i < 4; i++)	/* ... on the writer's thread, none of theirs */
		ck_assert(!pthread_equal(q[0].call.ran_on, t[i]) &&
		    !pthread_equal(q[0].call.ran_on, t0));
	writer_stats(w, &ws);
	ck_assert_uint_eq(ws.writes, 5);
	ck_assert_uint_eq(ws.commits, 2);
	ck_assert_uint_eq(ws.waiting, 0);
	ck_assert_int_eq(committed_rows(), 5);
	sem_destroy(&running);
	writer_free(w);
	store_close(st);
}
END_TEST

START_TEST(writer_alone_commits_at_once)
{
	struct store *st = open_db();
	struct writer *w = writer_new(st, NULL);
	struct writer_stats ws;
	struct row_call call = { "{}", false, 0, 0 };

	/* The writer quiet, a write runs on its caller's thread (one that
	 * queues behind a batch: writer_queued_writes_share_one_commit). */
	ck_assert_int_eq(writer_run(w, row_job, &call), 0);
	ck_assert(pthread_equal(call.ran_on, pthread_self()));
	ck_assert_int_eq(committed_rows(), 1);
	ck_assert_int_eq(writer_run(w, row_job, &call), 0);
	ck_assert_int_eq(committed_rows(), 2);
	nanosleep(&(struct timespec){ 0, 5000000 }, NULL);	/* quiet again */
	ck_assert_int_eq(writer_run(w, row_job, &call), 0);
	ck_assert(pthread_equal(call.ran_on, pthread_self()));
	ck_assert_int_eq(committed_rows(), 3);
	ck_assert_int_eq(write_through(w, "{}", true), MT_EINVAL);
	ck_assert_int_eq(committed_rows(), 3);
	ck_assert_int_eq(write_through(w, "{}", false), 0);
	ck_assert_int_eq(committed_rows(), 4);
	writer_stats(w, &ws);
	ck_assert_uint_eq(ws.commits, 5);
	ck_assert_uint_eq(ws.writes, 4);
	writer_free(w);
	store_close(st);
}
END_TEST

/* The size of the database's WAL file in bytes. */
static long long
wal_bytes(void)
{
	char wal[PATH_MAX + 8];
	FILE *f;
	long long n;

	snprintf(wal, sizeof(wal), "%s-wal", db);
	ck_assert_ptr_nonnull(f = fopen(wal, "rb"));
	ck_assert_int_eq(fseek(f, 0, SEEK_END), 0);
	n = ftell(f);
	fclose(f);
	return n;
}

/*
 * With a connection for checkpoints, commits no longer checkpoint (the
 * writer's hook replaces SQLite's), so only the checkpoint thread keeps
 * the WAL from growing: 400 writes of 40 KB (~4,000 pages) must leave it
 * well under their 16 MB (12 MB: a busy machine can delay the thread, and
 * 8 MB failed 3 times in 120 runs), and the thread must have run.
 */
START_TEST(writer_checkpoints_on_its_own_connection)
{
	struct store *st = open_db(), *ck = open_db();
	struct writer *w = writer_new(st, ck);
	struct writer_stats ws;
	char *body = malloc(40 * 1024);
	int i;

	ck_assert_ptr_nonnull(w);
	ck_assert_ptr_nonnull(body);
	memset(body, 'x', 40 * 1024 - 1);
	body[40 * 1024 - 1] = '\0';
	for (i = 0; i < 400; i++)
		ck_assert_int_eq(write_through(w, body, false), 0);
	writer_stats(w, &ws);
	ck_assert_uint_eq(ws.writes, 400);
	ck_assert_uint_ge(ws.checkpoints, 1);
	ck_assert_int_lt(wal_bytes(), 12 * 1024 * 1024);
	ck_assert_int_eq(committed_rows(), 400);
	writer_free(w);
	free(body);
	store_close(ck);
	store_close(st);
}
END_TEST

static Suite *
writer_suite(void)
{
	Suite *s = suite_create("writer");
	TCase *tc = tcase_create("group commit");

	tcase_add_checked_fixture(tc, setup, tu_teardown);
	tu_timeout(tc, 60);
	tcase_add_test(tc, writer_alone_commits_at_once);
	tcase_add_test(tc, writer_threads_all_land_once);
	tcase_add_test(tc, writer_queued_writes_share_one_commit);
	tcase_add_test(tc, writer_checkpoints_on_its_own_connection);
	suite_add_tcase(s, tc);
	return s;
}

int
main(void)
{
	json_init();
	log_init("test", 0, 0);
	return tu_run(writer_suite());
}
