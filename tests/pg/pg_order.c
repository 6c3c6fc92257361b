/*
 * pg_order.c — the commit-order test of the PostgreSQL change-log (issue
 * 22, item 3; docs/postgresql.md). Writer processes append events, each in
 * a transaction of its own that waits a random moment between taking its
 * seq and committing (and sometimes rolls back), while tailer processes
 * read seq > cursor as mtchat-bridge does: one woken by LISTEN/NOTIFY, one
 * polling. At the end every tailer must have received exactly the seqs
 * that committed, each once, in increasing order: a seq received after a
 * higher one, or never because the cursor had passed it when it committed,
 * is a violation. --naive appends without the lock of changelog_append()
 * (the same INSERT and NOTIFY), to show that the test catches the race.
 *
 * usage: pg_order [-w writers] [-n appends] [-T tailers] [-d max_delay_us]
 *                 [-r rollback_percent] [-t timeout_s] [--naive]
 * The database of MTCHAT_DATABASE_URL must have an empty change-log. Exit
 * status: 0 no violation, 1 violations, 2 usage, 3 the run itself failed.
 * SPDX-License-Identifier: MIT
 */
#include <errno.h>
#include <getopt.h>
#include <inttypes.h>
#include <limits.h>
#include <signal.h>
#include <stdbool.h>
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
#include "tm.h"

#define END_TYPE	"test.end"	/* the last row, after every writer */
#define READ_LIMIT	100
#define MAX_PROCS	64

/* The append of changelog_append() without its lock: the naive scheme. */
static const char SQL_NAIVE[] =
	"WITH r AS (INSERT INTO changelog (seq, type, body, created_at)"
	" VALUES (nextval('changelog_seq'), $1, $2, $3) RETURNING seq)"
	" SELECT seq, pg_notify('" STORE_PG_CHANNEL "', seq::text) FROM r";
static const char SQL_ALL[] =
	"SELECT seq FROM changelog WHERE type <> '" END_TYPE "' ORDER BY seq";

struct opts {
	int		 writers, appends, tailers;
	int		 delay_us;	/* most a writer waits before COMMIT */
	int		 rollback_pct;
	int		 timeout_s;	/* a tailer's, for the whole run */
	bool		 naive;
	const char	*url;
	char		 dir[PATH_MAX - 64];	/* the processes' seq files */
};

/* A growing array of seqs. */
struct seqs {
	int64_t		*v;
	size_t		 n, cap;
};

/* What a tailer got wrong. */
struct tally {
	size_t		 delivered, skipped, out_of_order, dups, unknown;
	int64_t		 example;	/* a skipped seq, or 0 */
};

static uint64_t rng;		/* this process's xorshift state */

static int
fail(const char *what)
{
	fprintf(stderr, "pg_order: %s\n", what);
	return 3;
}

static uint32_t
rnd(uint32_t below)
{
	rng ^= rng << 13;
	rng ^= rng >> 7;
	rng ^= rng << 17;
	return below > 0 ? (uint32_t)(rng % below) : 0;
}

static void
sleep_us(long us)
{
	struct timespec ts = { us / 1000000, (us % 1000000) * 1000 };

	while (nanosleep(&ts, &ts) != 0 && errno == EINTR)
		;
}

/* Blocks until the parent closes the pipe: all start at once. */
static void
wait_go(int fd)
{
	char c;

	while (read(fd, &c, 1) < 0 && errno == EINTR)
		;
}

static void
seq_path(char *buf, const struct opts *o, char kind, int i)
{
	snprintf(buf, PATH_MAX, "%s/%c%d", o->dir, kind, i);
}

static int
seqs_push(struct seqs *s, int64_t v)
{
	if (mt_reserve(&s->v, &s->cap, s->n + 1, sizeof(*s->v)) != 0)
		return MT_ENOMEM;
	s->v[s->n++] = v;
	return 0;
}

/* Appends the seqs of file path (int64s, as written) to s. */
static int
seqs_load(struct seqs *s, const char *path)
{
	FILE *fp = fopen(path, "r");
	int64_t v;
	int rc = 0;

	if (fp == NULL)
		return MT_EIO;
	while (rc == 0 && fread(&v, sizeof(v), 1, fp) == 1)
		rc = seqs_push(s, v);
	if (ferror(fp))
		rc = MT_EIO;
	fclose(fp);
	return rc;
}

static void
seqs_free(struct seqs *s)
{
	mt_free(s->v);
	s->v = NULL;
	s->n = s->cap = 0;
}

static int
cmp_seq(const void *a, const void *b)
{
	int64_t x = *(const int64_t *)a, y = *(const int64_t *)b;

	return (x > y) - (x < y);
}

static struct store_pg *
connect_or_null(const struct opts *o)
{
	struct store_pg *pg;
	char err[256];

	if (store_pg_open(&pg, o->url, err, sizeof(err)) != 0) {
		fprintf(stderr, "pg_order: %s\n", err);
		return NULL;
	}
	return pg;
}

/* --- writers --------------------------------------------------------- */

/* Appends one row the naive way: a seq with no lock. */
static int
append_naive(struct store_pg *pg, const struct changelog_row *r, int64_t *seq)
{
	char now[24];
	const char *args[] = { r->type, r->body, now };
	PGresult *res;
	int rc;

	snprintf(now, sizeof(now), "%" PRId64, tm_now_us());
	if ((rc = store_pg_exec(pg, SQL_NAIVE, 3, args, &res, __func__)) != 0)
		return rc;
	rc = store_pg_int64(res, 0, 0, seq);
	PQclear(res);
	return rc;
}

/*
 * One writer's transaction: append, wait, then commit or roll back. Writes
 * the seq to fp when it committed; 0 or an MT_E* code.
 */
static int
write_one(struct store_pg *pg, const struct opts *o, int w, int k, FILE *fp)
{
	char body[64];
	struct changelog_row r = { .type = "test.event", .body = body };
	int64_t seq;
	int rc;

	snprintf(body, sizeof(body), "{\"writer\":%d,\"n\":%d}", w, k);
	if ((rc = store_pg_begin(pg)) != 0)
		return rc;
	rc = o->naive ? append_naive(pg, &r, &seq) :
	    store_pg_changelog_append(pg, &r, &seq);
	if (rc != 0) {
		store_pg_rollback(pg);
		return rc;
	}
	sleep_us(rnd((uint32_t)o->delay_us + 1));
	if ((int)rnd(100) < o->rollback_pct) {
		store_pg_rollback(pg);
		return 0;
	}
	if ((rc = store_pg_commit(pg)) != 0)
		return rc;
	return fwrite(&seq, sizeof(seq), 1, fp) == 1 ? 0 : MT_EIO;
}

static int
writer_main(const struct opts *o, int w)
{
	char path[PATH_MAX];
	struct store_pg *pg;
	FILE *fp;
	int k, rc = 0;

	seq_path(path, o, 'w', w);
	if ((pg = connect_or_null(o)) == NULL)
		return 3;
	if ((fp = fopen(path, "w")) == NULL) {
		store_pg_close(pg);
		return fail("cannot write a seq file");
	}
	for (k = 0; k < o->appends && rc == 0; k++)
		rc = write_one(pg, o, w, k, fp);
	if (fclose(fp) != 0 && rc == 0)
		rc = MT_EIO;
	store_pg_close(pg);
	if (rc != 0)
		fprintf(stderr, "pg_order: writer %d: %s\n", w,
		    mt_strerror(rc));
	return rc == 0 ? 0 : 3;
}

/* --- tailers --------------------------------------------------------- */

struct tail {
	FILE		*fp;		/* the seqs received, in order */
	bool		 done;		/* END_TYPE seen */
};

static int
on_row(const struct changelog_row *r, void *arg)
{
	struct tail *t = arg;

	if (strcmp(r->type, END_TYPE) == 0) {
		t->done = true;
		return 0;
	}
	return fwrite(&r->seq, sizeof(r->seq), 1, t->fp) == 1 ? 0 : MT_EIO;
}

/* Waits on the socket for a wake-up, up to 100 ms; 0 or MT_EIO. */
static int
wait_wakeup(struct store_pg *pg, int64_t cursor)
{
	struct timeval tv = { 0, 100 * 1000 };
	int64_t woke = cursor;
	fd_set fds;
	int fd = store_pg_socket(pg), n;

	/* a wake-up read during the last query no longer shows on fd */
	if ((n = store_pg_changelog_woken(pg, &woke)) != 0 || woke > cursor)
		return n < 0 ? n : 0;
	FD_ZERO(&fds);
	FD_SET(fd, &fds);
	if (select(fd + 1, &fds, NULL, NULL, &tv) < 0 && errno != EINTR)
		return MT_EIO;
	n = store_pg_changelog_woken(pg, &woke);
	return n < 0 ? n : 0;
}

/*
 * Reads after its cursor until END_TYPE: tailer 0 (and every even one)
 * waits for wake-ups between empty reads, the others poll every ms.
 */
static int
tail_loop(struct store_pg *pg, const struct opts *o, int i, struct tail *t)
{
	int64_t cursor = 0, last, deadline = tm_now_us() +
	    (int64_t)o->timeout_s * 1000000;
	int rc;

	while (!t->done) {
		if (tm_now_us() > deadline)
			return fail("a tailer timed out");
		rc = store_pg_changelog_read_after(pg, cursor, READ_LIMIT,
		    on_row, t, &last);
		if (rc != 0)
			return fail("a tailer's read failed");
		if (last > cursor) {
			cursor = last;
			continue;
		}
		if (i % 2 == 1)
			sleep_us(1000);
		else if (wait_wakeup(pg, cursor) != 0)
			return fail("a tailer's wait failed");
	}
	return 0;
}

static int
tailer_main(const struct opts *o, int i, int go)
{
	char path[PATH_MAX];
	struct tail t = { 0 };
	struct store_pg *pg;
	int rc;

	seq_path(path, o, 't', i);
	if ((pg = connect_or_null(o)) == NULL)
		return 3;
	if (store_pg_changelog_listen(pg) != 0 ||
	    (t.fp = fopen(path, "w")) == NULL) {
		store_pg_close(pg);
		return fail("a tailer could not start");
	}
	wait_go(go);
	rc = tail_loop(pg, o, i, &t);
	if (fclose(t.fp) != 0 && rc == 0)
		rc = fail("cannot write a seq file");
	store_pg_close(pg);
	return rc;
}

/* --- the run ---------------------------------------------------------- */

/* Forks a tailer or a writer (role 't' or 'w'), exiting with its status. */
static pid_t
spawn(const struct opts *o, int i, int go[2], int role)
{
	pid_t pid;

	fflush(NULL);		/* nothing buffered is written twice */
	if ((pid = fork()) != 0)
		return pid;
	close(go[1]);
	rng = ((uint64_t)tm_now_us() << 16) ^ (uint64_t)getpid() ^
	    ((uint64_t)i << 40);
	rng |= 1;
	/* exit(), not _exit(): LeakSanitizer checks each process */
	if (role == 't')
		exit(tailer_main(o, i, go[0]));
	wait_go(go[0]);
	exit(writer_main(o, i));
}

/* The change-log must be empty: the verdict counts every row. */
static int
prepare(const struct opts *o)
{
	struct store_pg *pg;
	char err[256];
	int64_t head = -1;
	int applied, rc;

	if ((pg = connect_or_null(o)) == NULL)
		return 3;
	if (store_pg_migrate(pg, &applied, err, sizeof(err)) != 0) {
		store_pg_close(pg);
		fprintf(stderr, "pg_order: migrate: %s\n", err);
		return 3;
	}
	rc = store_pg_changelog_head(pg, &head);
	store_pg_close(pg);
	if (rc != 0 || head != 0)
		return fail("the change-log is not empty");
	return 0;
}

/* After every writer: the row that tells tailers to stop. */
static int
append_end(const struct opts *o)
{
	struct changelog_row r = { .type = END_TYPE, .body = "{}" };
	struct store_pg *pg;
	int rc;

	if ((pg = connect_or_null(o)) == NULL)
		return 3;
	if ((rc = store_pg_begin(pg)) == 0 &&
	    (rc = store_pg_changelog_append(pg, &r, NULL)) == 0)
		rc = store_pg_commit(pg);
	store_pg_rollback(pg);
	store_pg_close(pg);
	return rc == 0 ? 0 : fail("cannot append the end row");
}

/* Waits for n processes; 0 if all exited 0. */
static int
reap(const pid_t *pids, int n)
{
	int i, st, bad = 0;

	for (i = 0; i < n; i++)
		if (waitpid(pids[i], &st, 0) != pids[i] || !WIFEXITED(st) ||
		    WEXITSTATUS(st) != 0)
			bad++;
	return bad;
}

/* --- the verdict ------------------------------------------------------ */

/* Whether v is in the sorted array s. */
static bool
has(const struct seqs *s, int64_t v)
{
	return bsearch(&v, s->v, s->n, sizeof(*s->v), cmp_seq) != NULL;
}

/* Compares what a tailer received, in order, with what committed. */
static void
judge(const struct seqs *committed, struct seqs *got, struct tally *t)
{
	size_t i;

	memset(t, 0, sizeof(*t));
	t->delivered = got->n;
	for (i = 1; i < got->n; i++)
		if (got->v[i] <= got->v[i - 1])
			t->out_of_order++;
	for (i = 0; i < got->n; i++)
		if (!has(committed, got->v[i]))
			t->unknown++;
	qsort(got->v, got->n, sizeof(*got->v), cmp_seq);
	for (i = 1; i < got->n; i++)
		if (got->v[i] == got->v[i - 1])
			t->dups++;
	for (i = 0; i < committed->n; i++)
		if (!has(got, committed->v[i])) {
			if (t->skipped++ == 0)
				t->example = committed->v[i];
		}
}

/* What the writers say committed, against the table itself. */
static int
load_committed(const struct opts *o, struct seqs *c)
{
	char path[PATH_MAX];
	struct store_pg *pg;
	PGresult *res = NULL;
	int64_t v;
	int i, ok;

	for (i = 0; i < o->writers; i++) {
		seq_path(path, o, 'w', i);
		if (seqs_load(c, path) != 0)
			return fail("cannot read a writer's seqs");
	}
	qsort(c->v, c->n, sizeof(*c->v), cmp_seq);
	if ((pg = connect_or_null(o)) == NULL)
		return 3;
	ok = store_pg_exec(pg, SQL_ALL, 0, NULL, &res, __func__) == 0 &&
	    (size_t)PQntuples(res) == c->n;
	for (i = 0; ok && i < PQntuples(res); i++)
		ok = store_pg_int64(res, i, 0, &v) == 0 && v == c->v[i];
	PQclear(res);
	store_pg_close(pg);
	return ok ? 0 : fail("the writers' seqs are not the table's");
}

/* Prints each tailer's tally; returns the number of violations. */
static size_t
verdict(const struct opts *o, const struct seqs *committed)
{
	char path[PATH_MAX];
	struct seqs got = { 0 };
	struct tally t;
	size_t bad = 0;
	int i;

	for (i = 0; i < o->tailers; i++) {
		seq_path(path, o, 't', i);
		if (seqs_load(&got, path) != 0) {
			fail("cannot read a tailer's seqs");
			bad++;
			continue;
		}
		judge(committed, &got, &t);
		printf("  tailer %d (%s): received %zu of %zu; skipped %zu,"
		    " out of order %zu, twice %zu, never committed %zu",
		    i + 1, i % 2 == 0 ? "woken" : "polling", t.delivered,
		    committed->n, t.skipped, t.out_of_order, t.dups,
		    t.unknown);
		if (t.skipped > 0)
			printf(" (e.g. seq %" PRId64 ")", t.example);
		printf("\n");
		bad += t.skipped + t.out_of_order + t.dups + t.unknown;
		seqs_free(&got);
	}
	return bad;
}

/* --- main ------------------------------------------------------------- */

static void
usage(FILE *fp)
{
	fprintf(fp, "usage: pg_order [-w writers] [-n appends] [-T tailers]"
	    " [-d max_delay_us]\n"
	    "                [-r rollback_percent] [-t timeout_s]"
	    " [--naive]\n");
}

static int
num(const char *s, int lo, int hi, int *v)
{
	char *end;
	long n;

	errno = 0;
	n = strtol(s, &end, 10);
	if (errno != 0 || end == s || *end != '\0' || n < lo || n > hi)
		return -1;
	*v = (int)n;
	return 0;
}

static int
parse(int argc, char **argv, struct opts *o)
{
	static const struct option longopts[] = {
		{ "naive", no_argument, NULL, 'N' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	int c, bad = 0;

	while ((c = getopt_long(argc, argv, "w:n:T:d:r:t:h", longopts,
	    NULL)) != -1) {
		switch (c) {
		case 'w': bad |= num(optarg, 1, MAX_PROCS, &o->writers); break;
		case 'n': bad |= num(optarg, 1, 1000000, &o->appends); break;
		case 'T': bad |= num(optarg, 1, MAX_PROCS, &o->tailers); break;
		case 'd': bad |= num(optarg, 0, 1000000, &o->delay_us); break;
		case 'r': bad |= num(optarg, 0, 99, &o->rollback_pct); break;
		case 't': bad |= num(optarg, 1, 86400, &o->timeout_s); break;
		case 'N': o->naive = true; break;
		case 'h': usage(stdout); exit(0);
		default: bad = -1; break;
		}
	}
	if (bad != 0 || optind != argc) {
		usage(stderr);
		return 2;
	}
	if ((o->url = getenv("MTCHAT_DATABASE_URL")) == NULL) {
		fprintf(stderr, "pg_order: MTCHAT_DATABASE_URL is not set\n");
		return 2;
	}
	return 0;
}

static int
make_dir(struct opts *o)
{
	const char *tmp = getenv("TMPDIR");

	if (tmp == NULL || *tmp == '\0')
		tmp = "/tmp";
	if (snprintf(o->dir, sizeof(o->dir), "%s/pg_order.XXXXXX", tmp) >=
	    (int)sizeof(o->dir) || mkdtemp(o->dir) == NULL)
		return fail("cannot make a scratch directory");
	return 0;
}

static void
remove_dir(const struct opts *o)
{
	char path[PATH_MAX];
	int i;

	for (i = 0; i < MAX_PROCS; i++) {
		seq_path(path, o, 'w', i);
		unlink(path);
		seq_path(path, o, 't', i);
		unlink(path);
	}
	rmdir(o->dir);
}

/* Starts the tailers, then the writers all at once; waits for them all. */
static int
run(const struct opts *o, double *secs)
{
	pid_t tailers[MAX_PROCS], writers[MAX_PROCS];
	int go[2], i, bad;
	int64_t t0;

	if (pipe(go) != 0)
		return fail("pipe");
	for (i = 0; i < o->tailers; i++)
		if ((tailers[i] = spawn(o, i, go, 't')) < 0)
			return fail("fork");
	for (i = 0; i < o->writers; i++)
		if ((writers[i] = spawn(o, i, go, 'w')) < 0)
			return fail("fork");
	sleep_us(300 * 1000);		/* connected and listening */
	t0 = tm_now_us();
	close(go[1]);
	bad = reap(writers, o->writers);
	*secs = (double)(tm_now_us() - t0) / 1e6;
	close(go[0]);
	if (bad == 0)
		bad = append_end(o);
	bad += reap(tailers, o->tailers);
	return bad == 0 ? 0 : fail("a process failed");
}

int
main(int argc, char **argv)
{
	struct opts o = {
		.writers = 8, .appends = 500, .tailers = 2, .delay_us = 1000,
		.rollback_pct = 5, .timeout_s = 300,
	};
	struct seqs committed = { 0 };
	double secs = 0;
	size_t bad;
	int rc;

	if ((rc = parse(argc, argv, &o)) != 0)
		return rc;
	log_init("pg_order", 0, 0);
	signal(SIGPIPE, SIG_IGN);
	if ((rc = prepare(&o)) != 0 || (rc = make_dir(&o)) != 0)
		return rc;
	if ((rc = run(&o, &secs)) == 0)
		rc = load_committed(&o, &committed);
	if (rc == 0) {
		printf("pg_order: %s scheme, %d writers x %d appends (%d%%"
		    " rolled back, up to %d us between seq and commit):"
		    " %zu committed in %.2f s, %.0f transactions/s\n",
		    o.naive ? "naive (no lock)" : "advisory-lock", o.writers,
		    o.appends, o.rollback_pct, o.delay_us, committed.n, secs,
		    (double)o.writers * o.appends / (secs > 0 ? secs : 1));
		bad = verdict(&o, &committed);
		printf("pg_order: %zu violation%s\n", bad, bad == 1 ? "" : "s");
		rc = bad == 0 ? 0 : 1;
	}
	seqs_free(&committed);
	remove_dir(&o);
	return rc;
}
