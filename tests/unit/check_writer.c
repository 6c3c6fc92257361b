/*
 * check_writer.c — unit tests of lib/writer.c, group commit: threads that
 * write through one writer all land exactly once, writes that queue behind
 * a running one share its commit, a failed write is undone alone, and no
 * write is visible (or answered) before its batch is committed.
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

/* A write through w; asserts that, once answered, it is committed. */
static int
write_through(struct writer *w, const char *body, bool fail)
{
	struct store *st;
	int rc;

	if ((st = writer_enter(w, &rc)) == NULL)
		return rc;
	return writer_leave(w, write_row(st, body, fail));
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
	struct writer *w = writer_new(st);
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

/* Holds the writer until four others queue behind it. */
struct holder {
	struct writer	*w;
	sem_t		*entered;	/* posted once the holder has it */
	long long	 seen_before_commit;
	int		 rc;
};

static void *
hold_then_write(void *arg)
{
	struct holder *h = arg;
	struct writer_stats ws;
	struct store *st;
	int i;

	st = writer_enter(h->w, &h->rc);
	sem_post(h->entered);
	if (st == NULL)
		return NULL;
	for (i = 0; i < 5000; i++) {		/* up to 5 s */
		writer_stats(h->w, &ws);
		if (ws.waiting == 4)
			break;
		nanosleep(&(struct timespec){ 0, 1000000 }, NULL);
	}
	h->rc = write_row(st, "{\"holder\":1}", false);
	h->seen_before_commit = committed_rows();
	h->rc = writer_leave(h->w, h->rc);
	return NULL;
}

static void *
queue_write(void *arg)
{
	struct holder *h = arg;

	h->rc = write_through(h->w, "{\"queued\":1}", false);
	h->seen_before_commit = committed_rows();	/* after: all 5 */
	return NULL;
}

START_TEST(writer_queued_writes_share_one_commit)
{
	struct store *st = open_db();
	struct writer *w = writer_new(st);
	sem_t entered;
	struct holder first = { .w = w, .entered = &entered }, q[4];
	pthread_t t0, t[4];
	struct writer_stats ws;
	int i;

	ck_assert_int_eq(sem_init(&entered, 0, 0), 0);
	ck_assert_int_eq(pthread_create(&t0, NULL, hold_then_write, &first),
	    0);
	while (sem_wait(&entered) != 0)
		;
	for (i = 0; i < 4; i++) {
		q[i] = (struct holder){ .w = w };
		ck_assert_int_eq(pthread_create(&t[i], NULL, queue_write,
		    &q[i]), 0);
	}
	pthread_join(t0, NULL);
	for (i = 0; i < 4; i++) {
		pthread_join(t[i], NULL);
		ck_assert_int_eq(q[i].rc, 0);
		ck_assert_int_eq(q[i].seen_before_commit, 5);
	}
	ck_assert_int_eq(first.rc, 0);
	/* the holder's write was not visible when it handed over */
	ck_assert_int_eq(first.seen_before_commit, 0);
	writer_stats(w, &ws);
	ck_assert_uint_eq(ws.writes, 5);
	ck_assert_uint_eq(ws.commits, 1);
	ck_assert_int_eq(committed_rows(), 5);
	sem_destroy(&entered);
	writer_free(w);
	store_close(st);
}
END_TEST

START_TEST(writer_alone_commits_at_once)
{
	struct store *st = open_db();
	struct writer *w = writer_new(st);
	struct writer_stats ws;

	ck_assert_int_eq(write_through(w, "{}", false), 0);
	ck_assert_int_eq(committed_rows(), 1);
	ck_assert_int_eq(write_through(w, "{}", true), MT_EINVAL);
	ck_assert_int_eq(committed_rows(), 1);
	ck_assert_int_eq(write_through(w, "{}", false), 0);
	ck_assert_int_eq(committed_rows(), 2);
	writer_stats(w, &ws);
	ck_assert_uint_eq(ws.commits, 3);
	writer_free(w);
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
