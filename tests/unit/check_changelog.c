/*
 * check_changelog.c — unit tests of lib/store_changelog.c (changelog.h): appending inside write
 * transactions only, reading after a seq, the head that never goes back,
 * pruning with consumer cursors, and several processes appending at once.
 * SPDX-License-Identifier: MIT
 */
#include <check.h>
#include <limits.h>
#include <sqlite3.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "changelog.h"
#include "err.h"
#include "json.h"
#include "log.h"
#include "mem.h"
#include "store.h"
#include "testutil.h"
#include "tm.h"

static char db[PATH_MAX];	/* tu_dir/mtchat.db */
static struct store *st;	/* open on db for each test */

static struct store_opts
opts(const char *path, bool create, bool allow_old)
{
	struct store_opts o = {
		.path = path, .create = create, .allow_old = allow_old,
		.busy_timeout_ms = 10000,
	};

	return o;
}

static void
setup(void)
{
	struct store_opts o;
	char err[STORE_ERR_LEN];
	int applied;

	tu_setup();
	tu_path(db, tu_dir, "mtchat.db");
	o = opts(db, true, true);
	ck_assert_msg(store_open(&st, &o, err, sizeof(err)) == 0, "%s", err);
	ck_assert_msg(store_migrate(st, &applied, err, sizeof(err)) == 0, "%s",
	    err);
}

static void
teardown(void)
{
	store_close(st);
	st = NULL;
	tu_teardown();
}

/* Runs SQL on a connection of its own. */
static void
sql_exec(const char *sql)
{
	sqlite3 *d;
	char *msg = NULL;

	ck_assert_int_eq(sqlite3_open(db, &d), SQLITE_OK);
	sqlite3_busy_timeout(d, 5000);
	ck_assert_msg(sqlite3_exec(d, sql, NULL, NULL, &msg) == SQLITE_OK,
	    "%s: %s", sql, msg ? msg : "?");
	sqlite3_close(d);
}

/* Appends one row of type "t" in a transaction of its own; returns seq. */
static int64_t
append_one(const char *body)
{
	struct changelog_row r = { .type = "test.event", .body = body };
	int64_t seq = -1;

	ck_assert_int_eq(store_begin(st), 0);
	ck_assert_int_eq(changelog_append(st, &r, &seq), 0);
	ck_assert_int_eq(store_commit(st), 0);
	return seq;
}

/* Collects what changelog_read_after() passes. */
struct seen {
	int	 n;
	int64_t	 seqs[2000];
	int	 stop_at;	/* return 42 on row stop_at; 0: never */
};

static int
collect(const struct changelog_row *r, void *arg)
{
	struct seen *s = arg;

	if (s->stop_at > 0 && s->n + 1 == s->stop_at)
		return 42;
	if (s->n < (int)(sizeof(s->seqs) / sizeof(s->seqs[0])))
		s->seqs[s->n] = r->seq;
	s->n++;
	return 0;
}

static int
count_rows(void)
{
	struct seen s = { 0 };
	int64_t last;

	ck_assert_int_eq(changelog_read_after(st, 0, INT_MAX, collect, &s,
	    &last), 0);
	return s.n;
}

START_TEST(changelog_append_outside_tx_fails)
{
	struct changelog_row r = { .type = "test.event", .body = "{}" };
	int64_t seq = -1, head = -1;

	ck_assert_int_ne(changelog_append(st, &r, &seq), 0);
	ck_assert_int_eq(seq, -1);
	ck_assert_int_eq(count_rows(), 0);
	ck_assert_int_eq(changelog_head(st, &head), 0);
	ck_assert_int_eq(head, 0);
}
END_TEST

START_TEST(changelog_rollback_leaves_no_row)
{
	struct changelog_row r = { .type = "test.event", .body = "{}" };
	int64_t seq = 0, head = -1;

	ck_assert_int_eq(store_begin(st), 0);
	ck_assert_int_eq(changelog_append(st, &r, &seq), 0);
	ck_assert_int_eq(seq, 1);
	store_rollback(st);
	ck_assert_int_eq(count_rows(), 0);
	ck_assert_int_eq(changelog_head(st, &head), 0);
	ck_assert_int_eq(head, 0);
	/* The seq was never handed out for good. */
	ck_assert_int_eq(append_one("{}"), 1);
}
END_TEST

struct one_row {
	int			 n;
	struct changelog_row	 r;
	char			 type[32], dialog[64], user[64], aud[64];
	char			 body[64];
	int			 nulls;	/* bit per NULL field */
};

static void
copy_field(char *dst, size_t len, const char *src, int bit, int *nulls)
{
	if (src == NULL)
		*nulls |= bit;
	else
		snprintf(dst, len, "%s", src);
}

static int
keep_row(const struct changelog_row *r, void *arg)
{
	struct one_row *o = arg;

	o->n++;
	o->r = *r;	/* the strings are copied below; pointers die */
	o->nulls = 0;
	copy_field(o->type, sizeof(o->type), r->type, 1, &o->nulls);
	copy_field(o->dialog, sizeof(o->dialog), r->dialog_id, 2, &o->nulls);
	copy_field(o->user, sizeof(o->user), r->subject_user, 4, &o->nulls);
	copy_field(o->aud, sizeof(o->aud), r->audience, 8, &o->nulls);
	copy_field(o->body, sizeof(o->body), r->body, 16, &o->nulls);
	return 0;
}

START_TEST(changelog_append_commit_read_all_fields)
{
	struct changelog_row r = {
		.type = "message.new", .dialog_id = "d-1",
		.subject_user = "u-1", .audience = "[\"u-2\",\"u-3\"]",
		.body = "{\"type\":\"message.new\",\"text\":\"\xc3\xa9\"}",
		.seq = 999, .created_at = 5,	/* both ignored */
	};
	struct one_row o = { 0 };
	int64_t seq = 0, last = -1, t0, t1;

	t0 = tm_now_us();
	ck_assert_int_eq(store_begin(st), 0);
	ck_assert_int_eq(changelog_append(st, &r, &seq), 0);
	ck_assert_int_eq(store_commit(st), 0);
	t1 = tm_now_us();
	ck_assert_int_eq(seq, 1);
	ck_assert_int_eq(changelog_read_after(st, 0, 10, keep_row, &o, &last),
	    0);
	ck_assert_int_eq(o.n, 1);
	ck_assert_int_eq(last, 1);
	ck_assert_int_eq(o.r.seq, 1);
	ck_assert_int_eq(o.nulls, 0);
	ck_assert_str_eq(o.type, "message.new");
	ck_assert_str_eq(o.dialog, "d-1");
	ck_assert_str_eq(o.user, "u-1");
	ck_assert_str_eq(o.aud, "[\"u-2\",\"u-3\"]");
	ck_assert_str_eq(o.body, r.body);
	ck_assert_int_ge(o.r.created_at, t0);
	ck_assert_int_le(o.r.created_at, t1);
}
END_TEST

START_TEST(changelog_optional_fields_read_back_null)
{
	struct changelog_row r = { .type = "presence.update", .body = "{}" };
	struct one_row o = { 0 };
	int64_t last;

	ck_assert_int_eq(store_begin(st), 0);
	ck_assert_int_eq(changelog_append(st, &r, NULL), 0);	/* no seq */
	ck_assert_int_eq(store_commit(st), 0);
	ck_assert_int_eq(changelog_read_after(st, 0, 10, keep_row, &o, &last),
	    0);
	ck_assert_int_eq(o.n, 1);
	ck_assert_int_eq(o.nulls, 2 | 4 | 8);
}
END_TEST

START_TEST(changelog_missing_required_field_fails)
{
	struct changelog_row r = { .type = NULL, .body = "{}" };

	ck_assert_int_eq(store_begin(st), 0);
	ck_assert_int_ne(changelog_append(st, &r, NULL), 0);
	r.type = "t";
	r.body = NULL;
	ck_assert_int_ne(changelog_append(st, &r, NULL), 0);
	store_rollback(st);
	ck_assert_int_eq(count_rows(), 0);
}
END_TEST

START_TEST(changelog_seq_strictly_increasing)
{
	struct changelog_row r = { .type = "t", .body = "{}" };
	struct seen s = { 0 };
	int64_t seq, prev = 0, last;
	int i, j;

	for (i = 0; i < 20; i++) {
		ck_assert_int_eq(store_begin(st), 0);
		for (j = 0; j < 5; j++) {
			ck_assert_int_eq(changelog_append(st, &r, &seq), 0);
			ck_assert_int_gt(seq, prev);
			prev = seq;
		}
		ck_assert_int_eq(store_commit(st), 0);
	}
	ck_assert_int_eq(changelog_read_after(st, 0, 1000, collect, &s, &last),
	    0);
	ck_assert_int_eq(s.n, 100);
	ck_assert_int_eq(last, prev);
	for (i = 1; i < s.n; i++)
		ck_assert_int_gt(s.seqs[i], s.seqs[i - 1]);
}
END_TEST

START_TEST(changelog_read_after_limit_and_resume)
{
	struct seen s = { 0 };
	int64_t last = -1, after = 0;
	int i, rounds = 0;

	for (i = 0; i < 25; i++)
		append_one("{}");
	/* Pages of 10: 10, 10, 5, then nothing. */
	do {
		int before = s.n;

		ck_assert_int_eq(changelog_read_after(st, after, 10, collect,
		    &s, &last), 0);
		ck_assert_int_le(s.n - before, 10);
		if (s.n == before)
			ck_assert_int_eq(last, after);	/* unchanged */
		after = last;
		rounds++;
	} while (s.n % 10 == 0 && rounds < 10);
	ck_assert_int_eq(s.n, 25);
	ck_assert_int_eq(rounds, 3);
	for (i = 0; i < 25; i++)
		ck_assert_int_eq(s.seqs[i], i + 1);
	/* Nothing after the head. */
	ck_assert_int_eq(changelog_read_after(st, 25, 10, collect, &s, &last),
	    0);
	ck_assert_int_eq(last, 25);
	ck_assert_int_eq(s.n, 25);
}
END_TEST

START_TEST(changelog_read_after_callback_stop_propagates)
{
	struct seen s = { .stop_at = 3 };
	int64_t last = -1;
	int i;

	for (i = 0; i < 5; i++)
		append_one("{}");
	ck_assert_int_eq(changelog_read_after(st, 0, 10, collect, &s, &last),
	    42);
	ck_assert_int_eq(s.n, 2);
	ck_assert_int_eq(last, 2);	/* the last row passed, not 3 */
	/* The statement was reset: reading again works from the start. */
	s.n = 0;
	s.stop_at = 0;
	ck_assert_int_eq(changelog_read_after(st, last, 10, collect, &s,
	    &last), 0);
	ck_assert_int_eq(s.n, 3);
	ck_assert_int_eq(last, 5);
}
END_TEST

START_TEST(changelog_head_survives_prune)
{
	int64_t head = -1, deleted = -1, pruned = -1, seq;
	int i;

	for (i = 0; i < 10; i++)
		append_one("{}");
	ck_assert_int_eq(changelog_head(st, &head), 0);
	ck_assert_int_eq(head, 10);
	ck_assert_int_eq(changelog_pruned_through(st, &pruned), 0);
	ck_assert_int_eq(pruned, 0);
	/* Everything is older than a second from now. */
	ck_assert_int_eq(changelog_prune(st, tm_now_us() + 1000000, false,
	    &deleted, NULL), 0);
	ck_assert_int_eq(deleted, 10);
	ck_assert_int_eq(count_rows(), 0);
	ck_assert_int_eq(changelog_head(st, &head), 0);
	ck_assert_int_eq(head, 10);	/* the highest ever, not max(seq) */
	ck_assert_int_eq(changelog_pruned_through(st, &pruned), 0);
	ck_assert_int_eq(pruned, 10);
	/* AUTOINCREMENT: a seq is never handed out twice. */
	seq = append_one("{}");
	ck_assert_int_eq(seq, 11);
	ck_assert_int_eq(changelog_head(st, &head), 0);
	ck_assert_int_eq(head, 11);
}
END_TEST

/* Ten rows with created_at = seq * 1000 us, for exact age boundaries. */
static void
ten_rows_at_known_times(void)
{
	int i;

	for (i = 0; i < 10; i++)
		append_one("{}");
	sql_exec("UPDATE changelog SET created_at = seq * 1000");
}

START_TEST(changelog_prune_respects_before_us)
{
	int64_t deleted = -1, held = -1, pruned = -1, last;
	struct seen s = { 0 };

	ten_rows_at_known_times();
	/* created_at < 5500: seq 1..5. */
	ck_assert_int_eq(changelog_prune(st, 5500, false, &deleted, &held), 0);
	ck_assert_int_eq(deleted, 5);
	ck_assert_int_eq(held, 0);
	ck_assert_int_eq(changelog_pruned_through(st, &pruned), 0);
	ck_assert_int_eq(pruned, 5);
	ck_assert_int_eq(changelog_read_after(st, 0, 100, collect, &s, &last),
	    0);
	ck_assert_int_eq(s.n, 5);
	ck_assert_int_eq(s.seqs[0], 6);
	/* Strictly before: a row created exactly at before_us stays. */
	ck_assert_int_eq(changelog_prune(st, 6000, false, &deleted, NULL), 0);
	ck_assert_int_eq(deleted, 0);
	ck_assert_int_eq(changelog_prune(st, 6001, false, &deleted, NULL), 0);
	ck_assert_int_eq(deleted, 1);
	/* Nothing old enough: nothing goes, pruned_through stays. */
	ck_assert_int_eq(changelog_prune(st, 0, false, &deleted, &held), 0);
	ck_assert_int_eq(deleted, 0);
	ck_assert_int_eq(changelog_pruned_through(st, &pruned), 0);
	ck_assert_int_eq(pruned, 6);
}
END_TEST

START_TEST(changelog_prune_respects_cursors_unless_force)
{
	int64_t deleted = -1, held = -1, pruned = -1;

	ten_rows_at_known_times();
	ck_assert_int_eq(cursor_set(st, "hooks", 3), 0);
	ck_assert_int_eq(cursor_set(st, "other", 7), 0);
	/* All are old enough, but "hooks" has only passed seq 3. */
	ck_assert_int_eq(changelog_prune(st, 1000000, false, &deleted, &held),
	    0);
	ck_assert_int_eq(deleted, 3);
	ck_assert_int_eq(held, 7);
	ck_assert_int_eq(changelog_pruned_through(st, &pruned), 0);
	ck_assert_int_eq(pruned, 3);
	ck_assert_int_eq(count_rows(), 7);
	/* The consumer moves on; the next prune follows it. */
	ck_assert_int_eq(cursor_set(st, "hooks", 8), 0);
	ck_assert_int_eq(changelog_prune(st, 1000000, false, &deleted, &held),
	    0);
	ck_assert_int_eq(deleted, 4);	/* up to "other" at 7 */
	ck_assert_int_eq(held, 3);
	/* force ignores the cursors. */
	ck_assert_int_eq(changelog_prune(st, 1000000, true, &deleted, &held),
	    0);
	ck_assert_int_eq(deleted, 3);
	ck_assert_int_eq(held, 0);
	ck_assert_int_eq(count_rows(), 0);
	ck_assert_int_eq(changelog_pruned_through(st, &pruned), 0);
	ck_assert_int_eq(pruned, 10);
}
END_TEST

START_TEST(changelog_prune_in_batches)
{
	struct changelog_row r = { .type = "t", .body = "{}" };
	int64_t deleted = -1, pruned = -1, head = -1;
	int i;

	/* More than one prune batch (5000 rows) in one transaction. */
	ck_assert_int_eq(store_begin(st), 0);
	for (i = 0; i < 12001; i++)
		if (changelog_append(st, &r, NULL) != 0)
			ck_abort_msg("append %d failed", i);
	ck_assert_int_eq(store_commit(st), 0);
	ck_assert_int_eq(changelog_prune(st, tm_now_us() + 1000000, false,
	    &deleted, NULL), 0);
	ck_assert_int_eq(deleted, 12001);
	ck_assert_int_eq(count_rows(), 0);
	ck_assert_int_eq(changelog_pruned_through(st, &pruned), 0);
	ck_assert_int_eq(pruned, 12001);
	ck_assert_int_eq(changelog_head(st, &head), 0);
	ck_assert_int_eq(head, 12001);
}
END_TEST

START_TEST(changelog_prune_empty_log)
{
	int64_t deleted = -1, held = -1, pruned = -1;

	ck_assert_int_eq(changelog_prune(st, tm_now_us(), false, &deleted,
	    &held), 0);
	ck_assert_int_eq(deleted, 0);
	ck_assert_int_eq(held, 0);
	ck_assert_int_eq(changelog_pruned_through(st, &pruned), 0);
	ck_assert_int_eq(pruned, 0);
	ck_assert(!store_in_tx(st));
}
END_TEST

START_TEST(cursor_get_set)
{
	int64_t seq = -1;

	ck_assert_int_eq(cursor_get(st, "hooks", &seq), MT_ENOTFOUND);
	ck_assert_int_eq(seq, -1);
	ck_assert_int_eq(cursor_set(st, "hooks", 5), 0);
	ck_assert_int_eq(cursor_get(st, "hooks", &seq), 0);
	ck_assert_int_eq(seq, 5);
	ck_assert_int_eq(cursor_set(st, "hooks", 9), 0);	/* upsert */
	ck_assert_int_eq(cursor_get(st, "hooks", &seq), 0);
	ck_assert_int_eq(seq, 9);
	/* Cursors are separate, and names are exact. */
	ck_assert_int_eq(cursor_get(st, "Hooks", &seq), MT_ENOTFOUND);
	ck_assert_int_eq(cursor_set(st, "bridge", 1), 0);
	ck_assert_int_eq(cursor_get(st, "hooks", &seq), 0);
	ck_assert_int_eq(seq, 9);
}
END_TEST

START_TEST(cursor_set_follows_the_transaction)
{
	int64_t seq = -1;

	ck_assert_int_eq(cursor_set(st, "hooks", 1), 0);
	ck_assert_int_eq(store_begin(st), 0);
	ck_assert_int_eq(cursor_set(st, "hooks", 2), 0);
	store_rollback(st);
	ck_assert_int_eq(cursor_get(st, "hooks", &seq), 0);
	ck_assert_int_eq(seq, 1);
	ck_assert_int_eq(store_begin(st), 0);
	ck_assert_int_eq(cursor_set(st, "hooks", 3), 0);
	ck_assert_int_eq(store_commit(st), 0);
	ck_assert_int_eq(cursor_get(st, "hooks", &seq), 0);
	ck_assert_int_eq(seq, 3);
}
END_TEST

/*
 * The concurrency test: NCHILD processes, each with its own store, each
 * NTX write transactions of one row naming the child and its counter.
 */
#define NCHILD	4
#define NTX	250

static int
writer_child(int child, int go_fd)
{
	struct store_opts o = opts(db, false, false);
	struct changelog_row r = { .type = "test.concurrent" };
	struct store *mine;
	char err[STORE_ERR_LEN], body[64], c;
	int i, rc;

	/* synchronous=FULL, the default: 1000 commits take well under 1 s. */
	(void)read(go_fd, &c, 1);	/* start together */
	if (store_open(&mine, &o, err, sizeof(err)) != 0) {
		fprintf(stderr, "child %d: %s\n", child, err);
		return 1;
	}
	for (i = 0; i < NTX; i++) {
		snprintf(body, sizeof(body), "{\"child\":%d,\"n\":%d}", child,
		    i);
		r.body = body;
		if ((rc = store_begin(mine)) != 0) {
			fprintf(stderr, "child %d: begin %d: %s\n", child, i,
			    mt_strerror(rc));
			break;
		}
		if ((rc = changelog_append(mine, &r, NULL)) != 0 ||
		    (rc = store_commit(mine)) != 0) {
			fprintf(stderr, "child %d: tx %d: %s\n", child, i,
			    mt_strerror(rc));
			store_rollback(mine);
			break;
		}
	}
	store_close(mine);
	return i == NTX ? 0 : 2;
}

struct tally {
	int	 n, bad;
	int64_t	 prev;
	char	 seen[NCHILD][NTX];
};

static int
tally_row(const struct changelog_row *r, void *arg)
{
	struct tally *t = arg;
	char err[64];
	json_t *v = json_parse(r->body, strlen(r->body), err, sizeof(err));
	json_int_t child, n;

	t->n++;
	if (r->seq <= t->prev)
		t->bad++;
	t->prev = r->seq;
	if (v == NULL || json_unpack(v, "{s:I,s:I}", "child", &child, "n",
	    &n) != 0 || child < 0 || child >= NCHILD || n < 0 || n >= NTX)
		t->bad++;
	else
		t->seen[child][n]++;
	json_decref(v);
	return 0;
}

START_TEST(changelog_concurrent_writers)
{
	struct tally *t = mt_calloc(1, sizeof(*t));
	pid_t pids[NCHILD];
	int64_t last = -1, head = -1;
	int i, j, status, go[2];

	ck_assert_ptr_nonnull(t);
	store_close(st);	/* no connection may cross the fork */
	st = NULL;
	ck_assert_int_eq(pipe(go), 0);
	for (i = 0; i < NCHILD; i++) {
		pids[i] = fork();
		ck_assert_int_ge(pids[i], 0);
		if (pids[i] == 0) {
			close(go[1]);
			_exit(writer_child(i, go[0]));
		}
	}
	close(go[0]);
	close(go[1]);	/* EOF: go */
	for (i = 0; i < NCHILD; i++) {
		ck_assert_int_eq(waitpid(pids[i], &status, 0), pids[i]);
		ck_assert_msg(WIFEXITED(status) && WEXITSTATUS(status) == 0,
		    "child %d: status %d", i, status);
	}
	{
		struct store_opts o = opts(db, false, false);
		char err[STORE_ERR_LEN];

		ck_assert_int_eq(store_open(&st, &o, err, sizeof(err)), 0);
	}
	ck_assert_int_eq(changelog_read_after(st, 0, INT_MAX, tally_row, t,
	    &last), 0);
	ck_assert_int_eq(t->n, NCHILD * NTX);
	ck_assert_int_eq(t->bad, 0);
	for (i = 0; i < NCHILD; i++)
		for (j = 0; j < NTX; j++)
			if (t->seen[i][j] != 1)
				ck_abort_msg("child %d row %d seen %d times", i,
				    j, t->seen[i][j]);
	/* No seq was skipped either: every transaction committed. */
	ck_assert_int_eq(last, NCHILD * NTX);
	ck_assert_int_eq(changelog_head(st, &head), 0);
	ck_assert_int_eq(head, NCHILD * NTX);
	mt_free(t);
}
END_TEST

START_TEST(changelog_append_fault_injection)
{
	struct changelog_row r = { .type = "t", .body = "{}" };
	int64_t head = -1;
	long n;
	int rc = -1;

	/* A fresh store: its statement cache is still empty. */
	store_close(st);
	{
		struct store_opts o = opts(db, false, false);
		char err[STORE_ERR_LEN];

		ck_assert_int_eq(store_open(&st, &o, err, sizeof(err)), 0);
	}
	for (n = 1; n < 100; n++) {
		mem_fail_after(n);
		rc = store_begin(st);
		if (rc == 0) {
			rc = changelog_append(st, &r, NULL);
			if (rc == 0)
				rc = store_commit(st);
			else
				store_rollback(st);
		}
		mem_fail_after(0);
		ck_assert(!store_in_tx(st));
		if (rc == 0)
			break;
	}
	ck_assert_int_eq(rc, 0);
	ck_assert_int_eq(count_rows(), 1);	/* failures left nothing */
	ck_assert_int_eq(changelog_head(st, &head), 0);
	ck_assert_int_eq(head, 1);
}
END_TEST

static Suite *
changelog_suite(void)
{
	Suite *s = suite_create("changelog");
	TCase *append = tcase_create("append");
	TCase *prune = tcase_create("prune");
	TCase *cursors = tcase_create("cursors");
	TCase *conc = tcase_create("concurrency");

	tcase_add_checked_fixture(append, setup, teardown);
	tcase_add_test(append, changelog_append_outside_tx_fails);
	tcase_add_test(append, changelog_rollback_leaves_no_row);
	tcase_add_test(append, changelog_append_commit_read_all_fields);
	tcase_add_test(append, changelog_optional_fields_read_back_null);
	tcase_add_test(append, changelog_missing_required_field_fails);
	tcase_add_test(append, changelog_seq_strictly_increasing);
	tcase_add_test(append, changelog_read_after_limit_and_resume);
	tcase_add_test(append, changelog_read_after_callback_stop_propagates);
	tcase_add_test(append, changelog_append_fault_injection);
	suite_add_tcase(s, append);

	tcase_add_checked_fixture(prune, setup, teardown);
	tu_timeout(prune, 30);
	tcase_add_test(prune, changelog_head_survives_prune);
	tcase_add_test(prune, changelog_prune_respects_before_us);
	tcase_add_test(prune, changelog_prune_respects_cursors_unless_force);
	tcase_add_test(prune, changelog_prune_in_batches);
	tcase_add_test(prune, changelog_prune_empty_log);
	suite_add_tcase(s, prune);

	tcase_add_checked_fixture(cursors, setup, teardown);
	tcase_add_test(cursors, cursor_get_set);
	tcase_add_test(cursors, cursor_set_follows_the_transaction);
	suite_add_tcase(s, cursors);

	tcase_add_checked_fixture(conc, setup, teardown);
	tu_timeout(conc, 60);
	tcase_add_test(conc, changelog_concurrent_writers);
	suite_add_tcase(s, conc);
	return s;
}

int
main(void)
{
	json_init();
	log_init("test", 0, 0);
	return tu_run(changelog_suite());
}
