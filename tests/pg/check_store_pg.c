/*
 * check_store_pg.c — tests of the PostgreSQL store (lib/store_pg.c,
 * lib/store_pg_changelog.c, docs/postgresql.md) against a real
 * server: connecting, migrations (also several processes at once),
 * transactions and error codes, appends and reads of the change-log, the
 * append lock, the head, and LISTEN/NOTIFY wake-ups of a tailer blocked in
 * select(), and the schema of sql/pg/0002-schema.sql (triggers, checks,
 * collation, mt_fold()). tests/it/0800-pg-changelog.sh runs it on a
 * throw-away cluster (tests/pg.sh), with MTCHAT_DATABASE_URL set; without
 * it, it skips.
 * SPDX-License-Identifier: MIT
 */
#include <check.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/select.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "err.h"
#include "log.h"
#include "mem.h"
#include "store_pg.h"
#include "store_pg_changelog.h"
#include "store_pg_int.h"
#include "testutil.h"
#include "tm.h"

static const char *url;		/* MTCHAT_DATABASE_URL */
static struct store_pg *pg;	/* open and migrated for each test */

static struct store_pg *
xopen(const char *u)
{
	struct store_pg *p;
	char err[256];

	ck_assert_msg(store_pg_open(&p, u, err, sizeof(err)) == 0, "%s", err);
	return p;
}

static void
setup(void)
{
	char err[256];
	int applied;

	pg = xopen(url);
	ck_assert_msg(store_pg_migrate(pg, &applied, err, sizeof(err)) == 0,
	    "%s", err);
}

static void
teardown(void)
{
	store_pg_close(pg);
	pg = NULL;
}

static void
sleep_ms(long ms)
{
	struct timespec ts = { ms / 1000, (ms % 1000) * 1000000 };

	while (nanosleep(&ts, &ts) != 0)
		;
}

static void
xexec(struct store_pg *p, const char *sql)
{
	ck_assert_int_eq(store_pg_exec(p, sql, 0, NULL, NULL, "test"), 0);
}

static int64_t
head(struct store_pg *p)
{
	int64_t h = -1;

	ck_assert_int_eq(store_pg_changelog_head(p, &h), 0);
	return h;
}

/* Appends one event in a transaction of its own; returns its seq. */
static int64_t
append_one(struct store_pg *p, const char *body)
{
	struct changelog_row r = { .type = "test.event", .body = body };
	int64_t seq = -1;

	ck_assert_int_eq(store_pg_begin(p), 0);
	ck_assert_int_eq(store_pg_changelog_append(p, &r, &seq), 0);
	ck_assert_int_eq(store_pg_commit(p), 0);
	return seq;
}

/* What store_pg_changelog_read_after() passed: copies of the rows. */
struct seen {
	int			n;
	struct changelog_row	rows[8];
	int			stop_at;	/* return 42 on row stop_at */
};

static char *
dup_or_null(const char *s)
{
	return s != NULL ? mt_strdup(s) : NULL;
}

static int
collect(const struct changelog_row *r, void *arg)
{
	struct seen *s = arg;
	struct changelog_row *c;

	if (s->stop_at > 0 && s->n + 1 == s->stop_at)
		return 42;
	ck_assert_int_lt(s->n, 8);
	c = &s->rows[s->n++];
	*c = *r;
	c->type = dup_or_null(r->type);
	c->dialog_id = dup_or_null(r->dialog_id);
	c->subject_user = dup_or_null(r->subject_user);
	c->audience = dup_or_null(r->audience);
	c->body = dup_or_null(r->body);
	return 0;
}

static void
seen_free(struct seen *s)
{
	int i;

	for (i = 0; i < s->n; i++) {
		mt_free((char *)(uintptr_t)s->rows[i].type);
		mt_free((char *)(uintptr_t)s->rows[i].dialog_id);
		mt_free((char *)(uintptr_t)s->rows[i].subject_user);
		mt_free((char *)(uintptr_t)s->rows[i].audience);
		mt_free((char *)(uintptr_t)s->rows[i].body);
	}
	s->n = 0;
}

/* Rows after a seq, into s (limit 8). */
static int
read_after(struct store_pg *p, int64_t after, struct seen *s, int64_t *last)
{
	return store_pg_changelog_read_after(p, after, 8, collect, s, last);
}

/*
 * Waits up to ms for a wake-up, the way a tailer does: take what is
 * already there, else block in select() on the socket. Returns how many
 * wake-ups came, raising *seq.
 */
static int
wait_woken(struct store_pg *p, int ms, int64_t *seq)
{
	int64_t end = tm_now_us() + (int64_t)ms * 1000, left;
	struct timeval tv;
	fd_set fds;
	int n, fd = store_pg_socket(p);

	ck_assert_int_ge(fd, 0);
	while ((n = store_pg_changelog_woken(p, seq)) == 0) {
		if ((left = end - tm_now_us()) <= 0)
			return 0;
		tv.tv_sec = left / 1000000;
		tv.tv_usec = left % 1000000;
		FD_ZERO(&fds);
		FD_SET(fd, &fds);
		ck_assert_int_ge(select(fd + 1, &fds, NULL, NULL, &tv), 0);
	}
	ck_assert_int_gt(n, 0);
	return n;
}

/* The first column of the one row a statement answers, as text (mt_free). */
static char *
query_text(struct store_pg *p, const char *sql, int n,
    const char *const *params)
{
	PGresult *res;
	char *v;

	ck_assert_int_eq(store_pg_exec(p, sql, n, params, &res, "test"), 0);
	ck_assert_int_eq(PQntuples(res), 1);
	v = PQgetisnull(res, 0, 0) ? NULL : mt_strdup(PQgetvalue(res, 0, 0));
	PQclear(res);
	return v;
}

/* The one bigint a statement answers. */
static int64_t
query_int(struct store_pg *p, const char *sql, int n,
    const char *const *params)
{
	PGresult *res;
	int64_t v = -1;

	ck_assert_int_eq(store_pg_exec(p, sql, n, params, &res, "test"), 0);
	ck_assert_int_eq(store_pg_int64(res, 0, 0, &v), 0);
	PQclear(res);
	return v;
}

/* Runs one statement with parameters; returns its MT_E* code. */
static int
xrun(struct store_pg *p, const char *sql, int n, const char *const *params)
{
	return store_pg_exec(p, sql, n, params, NULL, "test");
}

START_TEST(pg_open_refuses_bad_urls)
{
	struct store_pg *p = (struct store_pg *)1;
	char err[256];

	ck_assert_int_eq(store_pg_open(&p, NULL, err, sizeof(err)), MT_EINVAL);
	ck_assert_ptr_null(p);
	ck_assert_int_eq(store_pg_open(&p, "", err, sizeof(err)), MT_EINVAL);
	ck_assert_int_eq(store_pg_open(&p, "postgresql://127.0.0.1:1/x"
	    "?connect_timeout=5&sslmode=disable&gssencmode=disable", err,
	    sizeof(err)), MT_EIO);
	ck_assert_ptr_null(p);
	ck_assert_msg(strncmp(err, "postgresql: ", 12) == 0, "%s", err);
	ck_assert_ptr_null(strchr(err, '\n'));
	ck_assert_int_eq(store_pg_open(&p, "postgresql://%zz", err,
	    sizeof(err)), MT_EIO);
	ck_assert_int_eq(store_pg_open(&p, "nonsense", err, sizeof(err)),
	    MT_EIO);
}
END_TEST

START_TEST(pg_open_out_of_memory)
{
	struct store_pg *p;
	char err[256];

	mem_fail_after(1);
	ck_assert_int_eq(store_pg_open(&p, url, err, sizeof(err)), MT_ENOMEM);
	mem_fail_after(0);
	ck_assert_ptr_null(p);
}
END_TEST

START_TEST(pg_open_refuses_other_encodings)
{
	const char *u = getenv("MTCHAT_TEST_URL_SQLASCII");
	struct store_pg *p;
	char err[256];

	if (u == NULL)
		return;
	ck_assert_int_eq(store_pg_open(&p, u, err, sizeof(err)), MT_EINVAL);
	ck_assert_ptr_null(p);
	ck_assert_msg(strstr(err, "SQL_ASCII") != NULL, "%s", err);
}
END_TEST

START_TEST(pg_migrate_is_idempotent)
{
	char err[256];
	int v = -1, applied = -1;

	ck_assert_int_eq(store_pg_schema_version(pg, &v), 0);
	ck_assert_int_eq(v, store_pg_code_version());
	ck_assert_int_ge(v, 1);
	ck_assert_int_eq(store_pg_migrate(pg, &applied, err, sizeof(err)), 0);
	ck_assert_int_eq(applied, 0);
}
END_TEST

/* Four processes migrate one empty database at once: each step runs once. */
START_TEST(pg_migrate_concurrently)
{
	const char *u = getenv("MTCHAT_TEST_URL_EMPTY");
	struct store_pg *p;
	char err[256];
	int i, st, total = 0, v = -1, applied;
	pid_t pid;

	if (u == NULL)
		return;
	for (i = 0; i < 4; i++) {
		ck_assert_int_ge(pid = fork(), 0);
		if (pid == 0) {
			if (store_pg_open(&p, u, err, sizeof(err)) != 0 ||
			    store_pg_migrate(p, &applied, err,
			    sizeof(err)) != 0) {
				fprintf(stderr, "migrate: %s\n", err);
				_exit(100);
			}
			store_pg_close(p);
			_exit(applied);
		}
	}
	while ((pid = wait(&st)) > 0) {
		ck_assert(WIFEXITED(st));
		ck_assert_int_ne(WEXITSTATUS(st), 100);
		total += WEXITSTATUS(st);
	}
	ck_assert_int_eq(total, store_pg_code_version());
	p = xopen(u);
	ck_assert_int_eq(store_pg_schema_version(p, &v), 0);
	ck_assert_int_eq(v, store_pg_code_version());
	store_pg_close(p);
}
END_TEST

START_TEST(pg_append_outside_tx_fails)
{
	struct changelog_row r = { .type = "test.event", .body = "{}" };
	struct seen s = { 0 };
	int64_t seq = -1, h = head(pg), last;

	ck_assert_int_eq(store_pg_changelog_append(pg, &r, &seq), MT_EIO);
	ck_assert_int_eq(seq, -1);
	ck_assert_int_eq(read_after(pg, h, &s, &last), 0);
	ck_assert_int_eq(s.n, 0);
	ck_assert_int_eq(head(pg), h);
}
END_TEST

START_TEST(pg_append_then_read)
{
	struct changelog_row a = {
		.type = "message.new", .dialog_id = "d1", .subject_user = "u1",
		.audience = "[\"u2\"]", .body = "{\"text\":\"h\\u00e9 ✓\"}",
		.webhook = true,
	}, b = { .type = "presence.update", .body = "{}" };
	struct seen s = { 0 };
	int64_t h = head(pg), sa, sb, last, t0 = tm_now_us();

	ck_assert_int_eq(store_pg_begin(pg), 0);
	ck_assert(store_pg_in_tx(pg));
	ck_assert_int_eq(store_pg_changelog_append(pg, &a, &sa), 0);
	ck_assert_int_eq(store_pg_changelog_append(pg, &b, &sb), 0);
	ck_assert_int_eq(store_pg_commit(pg), 0);
	ck_assert(!store_pg_in_tx(pg));
	ck_assert_int_gt(sa, h);
	ck_assert_int_eq(sb, sa + 1);
	ck_assert_int_eq(head(pg), sb);

	ck_assert_int_eq(read_after(pg, h, &s, &last), 0);
	ck_assert_int_eq(s.n, 2);
	ck_assert_int_eq(last, sb);
	ck_assert_int_eq(s.rows[0].seq, sa);
	ck_assert_str_eq(s.rows[0].type, a.type);
	ck_assert_str_eq(s.rows[0].dialog_id, a.dialog_id);
	ck_assert_str_eq(s.rows[0].subject_user, a.subject_user);
	ck_assert_str_eq(s.rows[0].audience, a.audience);
	ck_assert_str_eq(s.rows[0].body, a.body);
	ck_assert(s.rows[0].webhook);
	ck_assert_int_ge(s.rows[0].created_at, t0);
	ck_assert_int_le(s.rows[0].created_at, tm_now_us());
	ck_assert_int_eq(s.rows[1].seq, sb);
	ck_assert_ptr_null(s.rows[1].dialog_id);
	ck_assert_ptr_null(s.rows[1].subject_user);
	ck_assert_ptr_null(s.rows[1].audience);
	ck_assert(!s.rows[1].webhook);
	seen_free(&s);

	ck_assert_int_eq(store_pg_changelog_read_after(pg, h, 1, collect, &s,
	    &last), 0);
	ck_assert_int_eq(s.n, 1);
	ck_assert_int_eq(last, sa);
	seen_free(&s);
	ck_assert_int_eq(read_after(pg, sb, &s, &last), 0);
	ck_assert_int_eq(s.n, 0);
	ck_assert_int_eq(last, sb);
	ck_assert_int_eq(store_pg_changelog_read_after(pg, h, 0, collect, &s,
	    &last), MT_EINVAL);
}
END_TEST

START_TEST(pg_read_stops_when_told)
{
	struct seen s = { .stop_at = 2 };
	int64_t h = head(pg), a, last;

	a = append_one(pg, "{\"n\":1}");
	(void)append_one(pg, "{\"n\":2}");
	ck_assert_int_eq(read_after(pg, h, &s, &last), 42);
	ck_assert_int_eq(s.n, 1);
	ck_assert_int_eq(last, a);
	seen_free(&s);
}
END_TEST

/* A rolled-back seq is a hole nothing fills: the next append goes above. */
START_TEST(pg_rollback_leaves_no_row)
{
	struct changelog_row r = { .type = "test.event", .body = "{}" };
	struct seen s = { 0 };
	int64_t h = head(pg), gone, kept, last;

	ck_assert_int_eq(store_pg_begin(pg), 0);
	ck_assert_int_eq(store_pg_changelog_append(pg, &r, &gone), 0);
	store_pg_rollback(pg);
	ck_assert(!store_pg_in_tx(pg));
	ck_assert_int_eq(read_after(pg, h, &s, &last), 0);
	ck_assert_int_eq(s.n, 0);
	kept = append_one(pg, "{}");
	ck_assert_int_gt(kept, gone);
	ck_assert_int_eq(read_after(pg, h, &s, &last), 0);
	ck_assert_int_eq(s.n, 1);
	ck_assert_int_eq(s.rows[0].seq, kept);
	ck_assert_int_eq(head(pg), kept);
	seen_free(&s);
	store_pg_rollback(pg);		/* outside a transaction: nothing */
}
END_TEST

/* A failed statement fails the transaction: COMMIT then reports it. */
START_TEST(pg_commit_after_failure_fails)
{
	struct changelog_row r = { .type = NULL, .body = "{}" };
	struct seen s = { 0 };
	int64_t h = head(pg), last;

	ck_assert_int_eq(store_pg_begin(pg), 0);
	ck_assert_int_eq(store_pg_begin(pg), MT_EIO);	/* nested */
	ck_assert_int_eq(store_pg_changelog_append(pg, &r, NULL),
	    MT_ECONFLICT);				/* type NOT NULL */
	ck_assert(store_pg_in_tx(pg));
	ck_assert_int_eq(store_pg_commit(pg), MT_EIO);
	ck_assert(!store_pg_in_tx(pg));
	ck_assert_int_eq(read_after(pg, h, &s, &last), 0);
	ck_assert_int_eq(s.n, 0);
}
END_TEST

/*
 * The lock: while one transaction has appended, another's append waits
 * (here until its lock_timeout: MT_EBUSY), and so does the head, which
 * never names a seq whose transaction is still running.
 */
START_TEST(pg_append_waits_for_the_appender)
{
	struct changelog_row r = { .type = "test.event", .body = "{}" };
	struct store_pg *other = xopen(url);
	int64_t h = head(pg), mine, theirs = -1;

	xexec(other, "SET lock_timeout = '200ms'");
	ck_assert_int_eq(store_pg_begin(pg), 0);
	ck_assert_int_eq(store_pg_changelog_append(pg, &r, &mine), 0);

	ck_assert_int_eq(store_pg_begin(other), 0);
	ck_assert_int_eq(store_pg_changelog_append(other, &r, &theirs),
	    MT_EBUSY);
	store_pg_rollback(other);
	ck_assert_int_eq(store_pg_changelog_head(other, &theirs), MT_EBUSY);

	ck_assert_int_eq(store_pg_commit(pg), 0);
	ck_assert_int_eq(head(other), mine);
	ck_assert_int_gt(mine, h);
	ck_assert_int_gt(append_one(other, "{}"), mine);
	store_pg_close(other);
}
END_TEST

/* A tailer blocked in select() wakes when a writer process commits. */
START_TEST(pg_notify_wakes_a_blocked_tailer)
{
	struct seen s = { 0 };
	struct store_pg *w;
	int64_t h = head(pg), woke = h, t0, waited, last;
	int fds[2], st;
	pid_t pid;

	ck_assert_int_eq(store_pg_changelog_listen(pg), 0);
	ck_assert_int_eq(pipe(fds), 0);
	ck_assert_int_ge(pid = fork(), 0);
	if (pid == 0) {
		int64_t seq;

		close(fds[0]);
		sleep_ms(300);	/* the tailer is blocked by now */
		w = xopen(url);
		seq = append_one(w, "{\"woke\":true}");
		store_pg_close(w);
		_exit(write(fds[1], &seq, sizeof(seq)) == sizeof(seq) ? 0 : 1);
	}
	close(fds[1]);
	t0 = tm_now_us();
	ck_assert_int_eq(wait_woken(pg, 10000, &woke), 1);
	waited = tm_now_us() - t0;
	ck_assert_int_eq(waitpid(pid, &st, 0), pid);
	ck_assert(WIFEXITED(st) && WEXITSTATUS(st) == 0);
	ck_assert_int_eq(read(fds[0], &last, sizeof(last)), sizeof(last));
	close(fds[0]);
	ck_assert_int_eq(woke, last);
	ck_assert_int_ge(waited, 250 * 1000);	/* not before the commit */
	ck_assert_int_eq(read_after(pg, h, &s, &last), 0);
	ck_assert_int_eq(s.n, 1);
	ck_assert_int_eq(s.rows[0].seq, woke);
	seen_free(&s);
}
END_TEST

/* No wake-up before the commit, none for a rollback, one per row after. */
START_TEST(pg_notify_only_on_commit)
{
	struct changelog_row r = { .type = "test.event", .body = "{}" };
	struct store_pg *w = xopen(url);
	int64_t woke = 0, a, b;

	ck_assert_int_eq(store_pg_changelog_listen(pg), 0);
	ck_assert_int_eq(store_pg_begin(w), 0);
	ck_assert_int_eq(store_pg_changelog_append(w, &r, &a), 0);
	ck_assert_int_eq(wait_woken(pg, 300, &woke), 0);
	store_pg_rollback(w);
	ck_assert_int_eq(wait_woken(pg, 300, &woke), 0);
	ck_assert_int_eq(woke, 0);

	ck_assert_int_eq(store_pg_begin(w), 0);
	ck_assert_int_eq(store_pg_changelog_append(w, &r, &a), 0);
	ck_assert_int_eq(store_pg_changelog_append(w, &r, &b), 0);
	ck_assert_int_eq(store_pg_commit(w), 0);
	ck_assert_int_ge(wait_woken(pg, 10000, &woke), 1);
	if (woke < b)		/* the second may come in a later read */
		ck_assert_int_eq(wait_woken(pg, 10000, &woke), 1);
	ck_assert_int_eq(woke, b);
	store_pg_close(w);
}
END_TEST

/* A wake-up that arrived during another statement is not lost. */
START_TEST(pg_notify_during_a_query_is_kept)
{
	struct store_pg *w = xopen(url);
	int64_t woke = 0, seq;

	ck_assert_int_eq(store_pg_changelog_listen(pg), 0);
	seq = append_one(w, "{}");
	sleep_ms(100);
	(void)head(pg);		/* libpq reads the wake-up with the answer */
	ck_assert_int_eq(store_pg_changelog_woken(pg, &woke), 1);
	ck_assert_int_eq(woke, seq);
	store_pg_close(w);
}
END_TEST

/* A connection the server ended: every call fails cleanly. */
START_TEST(pg_connection_lost)
{
	struct store_pg *killer = xopen(url);
	char pid[16];
	const char *args[] = { pid };
	int64_t seq = 0, last;
	struct seen s = { 0 };

	ck_assert_int_eq(store_pg_changelog_listen(pg), 0);
	snprintf(pid, sizeof(pid), "%d", PQbackendPID(pg->conn));
	ck_assert_int_eq(store_pg_exec(killer,
	    "SELECT pg_terminate_backend($1)", 1, args, NULL, "test"), 0);
	store_pg_close(killer);
	sleep_ms(100);
	ck_assert_int_eq(store_pg_begin(pg), MT_EIO);
	ck_assert(!store_pg_in_tx(pg));
	ck_assert_int_eq(read_after(pg, 0, &s, &last), MT_EIO);
	ck_assert_int_eq(store_pg_changelog_head(pg, &seq), MT_EIO);
	ck_assert_int_eq(store_pg_changelog_woken(pg, &seq), MT_EIO);
	store_pg_rollback(pg);
	ck_assert_int_eq(store_pg_commit(pg), MT_EIO);
}
END_TEST

/*
 * sql/pg/0002-schema.sql: what its translation of the SQLite schema must
 * keep. The triggers count participants and release uploads (also through
 * a dialog's cascade), mt_fold() lower-cases Unicode, the length checks
 * count bytes, text sorts byte-wise, the flags are integers. All in one
 * transaction, rolled back.
 */
START_TEST(pg_schema_translation)
{
	static const char ins_dialog[] =
	    "INSERT INTO dialogs (id, object_id, object_type, created_at)"
	    " VALUES ($1, 'o1', 'order', 1)";
	static const char ins_part[] =
	    "INSERT INTO participants (dialog_id, user_id, joined_at, joined_as)"
	    " VALUES ($1, $2, 1, 'joined')";
	static const char count[] =
	    "SELECT participants_count FROM dialogs WHERE id = $1";
	static const char ins_msg[] =
	    "INSERT INTO messages (id, dialog_id, sender_id, content, sent_at,"
	    " reply_to_id, message_type) VALUES ($1, $2, 'u1', 'hi', 1, $3,"
	    " 'user')";
	static const char ins_upload[] =
	    "INSERT INTO uploads (s3_key, dialog_id, user_id, content_type, size,"
	    " created_at, state) VALUES ($1, $2, 'u1', 'image/png', 10, 1, 1)";
	static const char ins_att[] =
	    "INSERT INTO attachments (id, message_id, filename, content_type,"
	    " size, s3_key, created_at) VALUES ($1, $2, 'a.png', 'image/png', 10,"
	    " $1, 1)";
	static const char state[] = "SELECT state FROM uploads WHERE s3_key = $1";
	char u255[256], u256[257], *v;
	const char *a[3];

	/*
	 * mt_fold() folds as the C side does (towlower_l() in C.UTF-8):
	 * through glibc's C.utf8 where the server has it (Debian's does).
	 */
	v = query_text(pg, "SELECT EXISTS (SELECT 1 FROM pg_collation"
	    " WHERE collname = 'C.utf8')::text", 0, NULL);
	if (strcmp(v, "true") == 0) {
		mt_free(v);
		v = query_text(pg, "SELECT pg_get_functiondef('mt_fold(text)'"
		    "::regprocedure)", 0, NULL);
		ck_assert_msg(strstr(v, "C.utf8") != NULL, "%s", v);
		mt_free(v);
		/* U+0130 to one code point, as towlower() does, not ICU's two */
		v = query_text(pg, "SELECT mt_fold('İ')", 0, NULL);
		ck_assert_str_eq(v, "i");
	}
	mt_free(v);
	v = query_text(pg, "SELECT mt_fold('ÄÖÉ Straße')", 0, NULL);
	ck_assert_str_eq(v, "äöé straße");
	mt_free(v);
	v = query_text(pg, "SELECT mt_fold(NULL)", 0, NULL);
	ck_assert_ptr_null(v);

	ck_assert_int_eq(store_pg_begin(pg), 0);
	/* Text sorts by bytes, as SQLite's BINARY: 'B' < 'a' < 'é'. */
	a[0] = "dé"; a[1] = "da"; a[2] = "dB";
	ck_assert_int_eq(xrun(pg, ins_dialog, 1, &a[0]), 0);
	ck_assert_int_eq(xrun(pg, ins_dialog, 1, &a[1]), 0);
	ck_assert_int_eq(xrun(pg, ins_dialog, 1, &a[2]), 0);
	v = query_text(pg, "SELECT string_agg(id, ',' ORDER BY id) FROM dialogs"
	    " WHERE id IN ('dé', 'da', 'dB')", 0, NULL);
	ck_assert_str_eq(v, "dB,da,dé");
	mt_free(v);

	/* participants_count_join / _leave */
	a[0] = "da";
	ck_assert_int_eq(query_int(pg, count, 1, a), 0);
	a[1] = "u1";
	ck_assert_int_eq(xrun(pg, ins_part, 2, a), 0);
	a[1] = "u2";
	ck_assert_int_eq(xrun(pg, ins_part, 2, a), 0);
	ck_assert_int_eq(query_int(pg, count, 1, a), 2);
	ck_assert_int_eq(xrun(pg, "DELETE FROM participants WHERE dialog_id = $1"
	    " AND user_id = $2", 2, a), 0);
	ck_assert_int_eq(query_int(pg, count, 1, a), 1);

	/* The flags are integers: = 0, <> 0, and the partial index's form. */
	ck_assert_int_eq(xrun(pg, "UPDATE participants SET is_archived = 1"
	    " WHERE dialog_id = $1 AND is_archived = 0", 1, a), 0);
	ck_assert_int_eq(query_int(pg, "SELECT count(*) FROM participants"
	    " WHERE dialog_id = $1 AND is_archived <> 0", 1, a), 1);

	/* attachments_release: directly, and through a dialog's cascade */
	a[0] = "m1"; a[1] = "da"; a[2] = NULL;
	ck_assert_int_eq(xrun(pg, ins_msg, 3, a), 0);
	a[0] = "m2"; a[2] = "m1";
	ck_assert_int_eq(xrun(pg, ins_msg, 3, a), 0);
	ck_assert_int_eq(xrun(pg, "UPDATE participants"
	    " SET last_read_message_id = 'm2' WHERE dialog_id = 'da'", 0,
	    NULL), 0);
	a[0] = "k1"; a[1] = "da";
	ck_assert_int_eq(xrun(pg, ins_upload, 2, a), 0);
	a[1] = "m1";
	ck_assert_int_eq(xrun(pg, ins_att, 2, a), 0);
	a[0] = "k2"; a[1] = "da";
	ck_assert_int_eq(xrun(pg, ins_upload, 2, a), 0);
	a[1] = "m2";
	ck_assert_int_eq(xrun(pg, ins_att, 2, a), 0);
	ck_assert_int_eq(xrun(pg, "DELETE FROM attachments WHERE id = 'k1'", 0,
	    NULL), 0);
	a[0] = "k1";
	ck_assert_int_eq(query_int(pg, state, 1, a), 2);
	a[0] = "k2";
	ck_assert_int_eq(query_int(pg, state, 1, a), 1);
	/* the message m1 goes: m2's reply_to_id becomes NULL */
	ck_assert_int_eq(xrun(pg, "DELETE FROM messages WHERE id = 'm1'", 0,
	    NULL), 0);
	ck_assert_int_eq(query_int(pg, "SELECT count(*) FROM messages"
	    " WHERE id = 'm2' AND reply_to_id IS NULL", 0, NULL), 1);
	/* the dialog goes: messages, attachments, participants with it */
	ck_assert_int_eq(xrun(pg, "DELETE FROM dialogs WHERE id = 'da'", 0,
	    NULL), 0);
	ck_assert_int_eq(query_int(pg, state, 1, a), 2);
	ck_assert_int_eq(query_int(pg, "SELECT (SELECT count(*) FROM messages"
	    " WHERE dialog_id = 'da') + (SELECT count(*) FROM participants"
	    " WHERE dialog_id = 'da')", 0, NULL), 0);

	/* hook_outbox.id is given by the database */
	ck_assert_int_gt(query_int(pg, "INSERT INTO hook_outbox (event_id,"
	    " event, body, created_at) VALUES ('ev1', 'message.new', '{}', 1)"
	    " RETURNING id", 0, NULL), 0);

	/* The length checks count bytes: 255 bytes pass, 256 do not. */
	memset(u255, 'x', 255);
	u255[255] = '\0';
	memcpy(u255, "é", 2);		/* 254 characters, 255 bytes */
	memset(u256, 'x', 256);
	u256[256] = '\0';
	memcpy(u256, "éé", 4);		/* 254 characters, 256 bytes */
	a[0] = "dB"; a[1] = u255;
	ck_assert_int_eq(xrun(pg, ins_part, 2, a), 0);
	a[1] = u256;
	ck_assert_int_eq(xrun(pg, ins_part, 2, a), MT_ECONFLICT);
	store_pg_rollback(pg);
	ck_assert_int_eq(query_int(pg, "SELECT count(*) FROM dialogs"
	    " WHERE id IN ('dé', 'da', 'dB')", 0, NULL), 0);
}
END_TEST

static Suite *
pg_suite(void)
{
	Suite *s = suite_create("store_pg");
	TCase *tc = tcase_create("core");

	tcase_add_checked_fixture(tc, setup, teardown);
	tu_timeout(tc, 60);
	tcase_add_test(tc, pg_open_refuses_bad_urls);
	tcase_add_test(tc, pg_open_out_of_memory);
	tcase_add_test(tc, pg_open_refuses_other_encodings);
	tcase_add_test(tc, pg_migrate_is_idempotent);
	tcase_add_test(tc, pg_migrate_concurrently);
	tcase_add_test(tc, pg_append_outside_tx_fails);
	tcase_add_test(tc, pg_append_then_read);
	tcase_add_test(tc, pg_read_stops_when_told);
	tcase_add_test(tc, pg_rollback_leaves_no_row);
	tcase_add_test(tc, pg_commit_after_failure_fails);
	tcase_add_test(tc, pg_append_waits_for_the_appender);
	tcase_add_test(tc, pg_notify_wakes_a_blocked_tailer);
	tcase_add_test(tc, pg_notify_only_on_commit);
	tcase_add_test(tc, pg_notify_during_a_query_is_kept);
	tcase_add_test(tc, pg_connection_lost);
	tcase_add_test(tc, pg_schema_translation);
	suite_add_tcase(s, tc);
	return s;
}

int
main(void)
{
	if ((url = getenv("MTCHAT_DATABASE_URL")) == NULL || *url == '\0') {
		printf("skip: MTCHAT_DATABASE_URL is not set"
		    " (tests/it/0800-pg-changelog.sh sets it)\n");
		return 0;
	}
	log_init("check_store_pg", 0, -1);
	return tu_run(pg_suite());
}
