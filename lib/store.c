/*
 * store.c — opening the database, schema migrations, write transactions and
 * the prepared-statement cache. The other lib/store_*.c files hold the
 * statements of each resource; this one holds what they all share.
 */
#define _DEFAULT_SOURCE		/* flock(), setitimer() */
#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <pthread.h>
#include <signal.h>
#include <stdatomic.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <sys/time.h>
#include <time.h>
#include <unistd.h>

#include "cfg.h"
#include "err.h"
#include "log.h"
#include "mem.h"
#include "migrate.h"
#include "store_int.h"
#include "store_pg.h"
#include "store_pg_int.h"
#include "tm.h"

#define STMT_SLOTS_MIN	64

static const char SQL_BEGIN[] = "BEGIN IMMEDIATE";
/*
 * PostgreSQL: writes are serialised as in SQLite, from BEGIN to COMMIT, by
 * the change-log's lock (docs/postgresql.md#writes): every read-modify-
 * write of the store stays as correct as under BEGIN IMMEDIATE, and the
 * change-log append takes the lock it already holds.
 */
static const char SQL_PG_BEGIN[] = "BEGIN";
static const char SQL_PG_WRITE_LOCK[] =
	"SELECT pg_advisory_xact_lock(7887038147395339084)";
static const char SQL_COMMIT[] = "COMMIT";
static const char SQL_ROLLBACK[] = "ROLLBACK";
static const char SQL_SAVEPOINT[] = "SAVEPOINT w";
static const char SQL_RELEASE[] = "RELEASE w";
static const char SQL_ROLLBACK_TO[] = "ROLLBACK TO w";

/* --- fault injection (store.h): the calls of store_int.h's macros --- */

static atomic_bool fault_armed;	/* read without the lock, per call */
static pthread_mutex_t fault_mu = PTHREAD_MUTEX_INITIALIZER;
static long fault_left;		/* calls until the next fault, 1: this */
static long fault_period;	/* n of store_fault_set() */
static long fault_hits;
static int fault_rc;
static enum store_fault_mode fault_mode;

void
store_fault_set(long n, enum store_fault_kind kind, enum store_fault_mode mode)
{
	static const int rcs[] = {
		[STORE_FAULT_BUSY] = SQLITE_BUSY,
		[STORE_FAULT_IOERR] = SQLITE_IOERR,
		[STORE_FAULT_FULL] = SQLITE_FULL,
	};

	pthread_mutex_lock(&fault_mu);
	fault_left = fault_period = n > 0 && kind >= STORE_FAULT_BUSY &&
	    kind <= STORE_FAULT_FULL ? n : 0;
	fault_rc = fault_left ? rcs[kind] : SQLITE_OK;
	fault_mode = mode;
	fault_hits = 0;
	atomic_store(&fault_armed, fault_left > 0);
	pthread_mutex_unlock(&fault_mu);
}

long
store_fault_count(void)
{
	long n;

	pthread_mutex_lock(&fault_mu);
	n = fault_hits;
	pthread_mutex_unlock(&fault_mu);
	return n;
}

/* The result code this call fails with, or SQLITE_OK to make it. */
int
store_fault_take(void)
{
	int rc = SQLITE_OK;

	if (!atomic_load_explicit(&fault_armed, memory_order_relaxed))
		return SQLITE_OK;
	pthread_mutex_lock(&fault_mu);
	if (fault_left > 1)
		fault_left--;
	else if (fault_left == 1) {
		rc = fault_rc;
		fault_hits++;
		if (fault_mode == STORE_FAULT_EVERY)
			fault_left = fault_period;
		else if (fault_mode == STORE_FAULT_ONCE) {
			fault_left = 0;
			atomic_store(&fault_armed, false);
		}
	}
	pthread_mutex_unlock(&fault_mu);
	return rc;
}

int
store_fault_parse(const char *spec)
{
	static const char *const kinds[] = { "", "BUSY", "IOERR", "FULL" };
	static const char *const modes[] = { "once", "persist", "every" };
	char kind[8], mode[8];
	long n;
	int k, m, used = 0;

	if (spec == NULL || *spec == '\0')
		return 0;
	if (sscanf(spec, "%7[A-Z]:%7[a-z]:%ld%n", kind, mode, &n, &used) != 3 ||
	    spec[used] != '\0' || n < 1)
		return MT_EINVAL;
	for (k = STORE_FAULT_BUSY; k <= STORE_FAULT_FULL; k++)
		if (strcmp(kind, kinds[k]) == 0)
			break;
	for (m = 0; m < 3; m++)
		if (strcmp(mode, modes[m]) == 0)
			break;
	if (k > STORE_FAULT_FULL || m == 3)
		return MT_EINVAL;
	store_fault_set(n, (enum store_fault_kind)k, (enum store_fault_mode)m);
	return 0;
}

/* --- the prepared-statement cache --- */

static size_t
slot_hash(const char *sql, size_t n)
{
	uintptr_t p = (uintptr_t)sql;

	return (size_t)((p >> 3) * UINT64_C(0x9E3779B97F4A7C15)) & (n - 1);
}

static int
slots_grow(struct store *st)
{
	size_t n = st->nslots ? st->nslots * 2 : STMT_SLOTS_MIN, i;
	struct stmt_slot *s;

	if ((s = mt_calloc(n, sizeof(*s))) == NULL)
		return MT_ENOMEM;
	for (i = 0; i < st->nslots; i++) {
		size_t h;

		if (st->slots[i].sql == NULL)
			continue;
		h = slot_hash(st->slots[i].sql, n);
		while (s[h].sql != NULL)
			h = (h + 1) & (n - 1);
		s[h] = st->slots[i];
	}
	mt_free(st->slots);
	st->slots = s;
	st->nslots = n;
	return 0;
}

/*
 * What the thread's last statement that could not be prepared failed
 * with: its caller returns MT_EIO, store_error() tells the reason.
 */
static _Thread_local int stmt_failure;

int
store_error(int rc)
{
	return rc == MT_EIO && stmt_failure != 0 ? stmt_failure : rc;
}

void
store_error_clear(void)
{
	stmt_failure = 0;
}

/* Prepares sql on st's database into a new statement: 0 or a result code. */
static int
stmt_prepare(struct store *st, const char *sql, struct dbstmt **out)
{
	struct dbstmt *d;
	int rc = store_fault_take();

	*out = NULL;
	if (rc != SQLITE_OK)
		return rc;
	/*
	 * From libc, as SQLite's own statement is, not mt_calloc(): the
	 * tests' allocation failures (mem.h) are for what our code does
	 * with memory, and a statement fails to prepare as SQLite's would.
	 */
	if ((d = calloc(1, sizeof(*d))) == NULL)
		return SQLITE_NOMEM;
	if (st->pg != NULL) {
		if ((d->pg = pgstmt_new(st->pg, sql)) == NULL) {
			free(d);
			return SQLITE_NOMEM;
		}
	} else if ((rc = sqlite3_prepare_v3(st->db, sql, -1,
	    SQLITE_PREPARE_PERSISTENT, &d->lite, NULL)) != SQLITE_OK) {
		free(d);
		return rc;
	}
	*out = d;
	return SQLITE_OK;
}

static void
stmt_free(struct dbstmt *d)
{
	if (d == NULL)
		return;
	if (d->lite != NULL)
		sqlite3_finalize(d->lite);
	pgstmt_free(d->pg);
	free(d);
}

struct dbstmt *
store_stmt(struct store *st, const char *sql)
{
	size_t h;
	struct dbstmt *s;
	int rc;

	if ((st->nused + 1) * 2 > st->nslots && slots_grow(st) != 0)
		return NULL;
	h = slot_hash(sql, st->nslots);
	while (st->slots[h].sql != NULL) {
		if (st->slots[h].sql == sql) {
			s = st->slots[h].stmt;
			db_reset(s);
			if (s->lite != NULL)
				sqlite3_clear_bindings(s->lite);
			else
				pgstmt_clear_bindings(s->pg);
			return s;
		}
		h = (h + 1) & (st->nslots - 1);
	}
	if ((rc = stmt_prepare(st, sql, &s)) != SQLITE_OK) {
		log_warnx("%s: %s: %s", __func__, rc == SQLITE_NOMEM ?
		    "out of memory" : store_errmsg(st), sql);
		stmt_failure = store_rc(st, rc, __func__);
		return NULL;
	}
	st->slots[h].sql = sql;
	st->slots[h].stmt = s;
	st->nused++;
	return s;
}

int
store_changes(struct store *st)
{
	return st->pg != NULL ? store_pg_changes(st->pg) :
	    sqlite3_changes(st->db);
}

const char *
store_errmsg(struct store *st)
{
	return st->pg != NULL ? store_pg_errmsg(st->pg) :
	    sqlite3_errmsg(st->db);
}

int
store_autocommit(struct store *st)
{
	return st->pg != NULL ? !store_pg_in_tx(st->pg) :
	    sqlite3_get_autocommit(st->db);
}

int
store_rc(struct store *st, int rc, const char *what)
{
	switch (rc & 0xff) {
	case SQLITE_OK:
	case SQLITE_DONE:
	case SQLITE_ROW:
		return 0;
	case SQLITE_BUSY:
	case SQLITE_LOCKED:
		log_warnx("%s: database busy", what);
		return MT_EBUSY;
	case SQLITE_NOMEM:
		return MT_ENOMEM;
	case SQLITE_FULL:
		log_warnx("%s: %s", what, store_errmsg(st));
		return MT_EFULL;
	case SQLITE_IOERR:
		if (rc == SQLITE_IOERR_NOMEM)
			return MT_ENOMEM;
		log_warnx("%s: %s", what, store_errmsg(st));
		return MT_ESTORAGE;
	case SQLITE_CONSTRAINT:
		log_debug("%s: %s", what, store_errmsg(st));
		return MT_ECONFLICT;
	default:
		log_warnx("%s: %s", what, store_errmsg(st));
		return MT_EIO;
	}
}

int
store_step(struct store *st, struct dbstmt *s, const char *what)
{
	int rc;

	if (s == NULL)
		return MT_EIO;
	if ((rc = db_step(s)) == SQLITE_ROW)
		return 1;
	db_reset(s);
	return rc == SQLITE_DONE ? 0 : store_rc(st, rc, what);
}

int
store_exec_stmt(struct store *st, struct dbstmt *s, const char *what)
{
	int rc = store_step(st, s, what);

	if (rc == 1)		/* a row nobody asked for: done with it */
		db_reset(s);
	return rc < 0 ? rc : 0;
}

int
store_bind_text(struct dbstmt *s, int idx, const char *v)
{
	if (v == NULL)
		return db_bind_null(s, idx);
	return db_bind_text(s, idx, v, -1, SQLITE_STATIC);
}

int
store_bind_limit(struct dbstmt *s, int idx, int64_t limit)
{
	return db_bind_int64(s, idx, limit < 0 ? INT64_MAX : limit);
}

char *
store_col_dup(struct dbstmt *s, int i, int *oom)
{
	const unsigned char *t = db_column_text(s, i);
	char *d;

	if (t == NULL)
		return NULL;
	d = mt_strndup((const char *)t, (size_t)db_column_bytes(s, i));
	if (d == NULL)
		*oom = 1;
	return d;
}

/* Runs one SQL text without results (pragmas, migrations). */
static int
exec_sql(struct store *st, const char *sql, char *err, size_t errlen)
{
	char *msg = NULL;
	int rc;

	rc = sqlite3_exec(st->db, sql, NULL, NULL, &msg);
	if (rc != SQLITE_OK) {
		snprintf(err, errlen, "%s: %s", st->path,
		    msg ? msg : sqlite3_errstr(rc));
		sqlite3_free(msg);
		return (rc & 0xff) == SQLITE_BUSY ? MT_EBUSY : MT_EIO;
	}
	return 0;
}

/*
 * Switches a new file to WAL, which takes an exclusive lock. SQLite answers
 * SQLITE_BUSY at once, without the busy handler, when another connection
 * is doing the same (waiting could deadlock), so that two `mtchat-admin
 * init` at once would fail: retry for up to busy_timeout.
 */
static int
set_pragmas(struct store *st, const struct store_opts *o, char *err,
    size_t errlen)
{
	struct timespec pause = { 0, 10 * 1000 * 1000 };
	sqlite3_stmt *s = NULL;
	long waited = 0;
	int rc;

	for (;;) {
		rc = sqlite3_prepare_v2(st->db, "PRAGMA journal_mode=WAL", -1,
		    &s, NULL);
		if (rc == SQLITE_OK)
			rc = sqlite3_step(s);
		if ((rc & 0xff) != SQLITE_BUSY || waited >= o->busy_timeout_ms)
			break;
		sqlite3_finalize(s);
		s = NULL;
		nanosleep(&pause, NULL);
		waited += 10;
	}
	if (rc != SQLITE_ROW) {
		snprintf(err, errlen, "%s: %s", st->path,
		    store_errmsg(st));
		sqlite3_finalize(s);
		return (rc & 0xff) == SQLITE_BUSY ? MT_EBUSY : MT_EIO;
	}
	if (sqlite3_column_text(s, 0) == NULL ||
	    strcmp((const char *)sqlite3_column_text(s, 0), "wal") != 0) {
		snprintf(err, errlen, "%s: cannot switch to WAL mode "
		    "(is the directory writable?)", st->path);
		sqlite3_finalize(s);
		return MT_EIO;
	}
	sqlite3_finalize(s);
	return exec_sql(st, o->sync_normal ?
	    "PRAGMA synchronous=NORMAL; PRAGMA foreign_keys=ON;" :
	    "PRAGMA synchronous=FULL; PRAGMA foreign_keys=ON;", err, errlen);
}

int
store_code_version(void)
{
	return migrations_count > 0 ?
	    migrations[migrations_count - 1].version : 0;
}

/*
 * Counts the tables of the database and whether schema_version is one of
 * them: tells an empty file from an mtchat one and from a foreign one.
 */
static int
count_tables(struct store *st, int *n, int *has_version)
{
	sqlite3_stmt *s;
	int rc;

	rc = sqlite3_prepare_v2(st->db, "SELECT count(*), coalesce(sum(name ="
	    " 'schema_version'), 0) FROM sqlite_master WHERE type = 'table'",
	    -1, &s, NULL);
	if (rc != SQLITE_OK)
		return store_rc(st, rc, __func__);
	rc = sqlite3_step(s);
	*n = rc == SQLITE_ROW ? sqlite3_column_int(s, 0) : 0;
	*has_version = rc == SQLITE_ROW ? sqlite3_column_int(s, 1) : 0;
	sqlite3_finalize(s);
	return rc == SQLITE_ROW ? 0 : store_rc(st, rc, __func__);
}

int
store_schema_version(struct store *st, int *version)
{
	sqlite3_stmt *s;
	int rc;

	*version = 0;
	if (st->pg != NULL)
		return store_pg_schema_version(st->pg, version);
	rc = sqlite3_prepare_v2(st->db, "SELECT 1 FROM sqlite_master WHERE "
	    "type = 'table' AND name = 'schema_version'", -1, &s, NULL);
	if (rc != SQLITE_OK)
		return store_rc(st, rc, __func__);
	rc = sqlite3_step(s);
	sqlite3_finalize(s);
	if (rc == SQLITE_DONE)
		return 0;
	if (rc != SQLITE_ROW)
		return store_rc(st, rc, __func__);
	rc = sqlite3_prepare_v2(st->db, "SELECT coalesce(max(version), 0) "
	    "FROM schema_version", -1, &s, NULL);
	if (rc != SQLITE_OK)
		return store_rc(st, rc, __func__);
	rc = sqlite3_step(s);
	if (rc == SQLITE_ROW)
		*version = sqlite3_column_int(s, 0);
	sqlite3_finalize(s);
	return rc == SQLITE_ROW ? 0 : store_rc(st, rc, __func__);
}

/*
 * Whether a program of schema version code may use a database of version v
 * (fresh: none of our tables yet): 0, or MT_ESCHEMA with the reason in err.
 */
static int
judge_version(const struct store *st, const struct store_opts *o, int v,
    int code, bool fresh, char *err, size_t errlen)
{
	if (v > code) {
		snprintf(err, errlen, "%s: database schema version %d is newer "
		    "than this program knows (%d); upgrade mtchat", st->path, v,
		    code);
		return MT_ESCHEMA;
	}
	if (v < code && !o->allow_old) {
		snprintf(err, errlen, "%s: database schema version %d, this "
		    "program needs %d; run mtchat-admin %s", st->path, v, code,
		    fresh ? "init" : "migrate");
		return MT_ESCHEMA;
	}
	return 0;
}

static int
check_version(struct store *st, const struct store_opts *o, char *err,
    size_t errlen)
{
	int v, ntables, has_version, rc, code = store_code_version();

	if ((rc = store_schema_version(st, &v)) != 0 ||
	    (rc = count_tables(st, &ntables, &has_version)) != 0) {
		snprintf(err, errlen, "%s: %s", st->path,
		    store_errmsg(st));
		return rc;
	}
	if (ntables > 0 && !has_version) {
		snprintf(err, errlen, "%s: a SQLite database, but not an "
		    "mtchat one", st->path);
		return MT_ESCHEMA;
	}
	return judge_version(st, o, v, code, ntables == 0, err, errlen);
}

static void
remove_db_files(const char *path)
{
	char side[4096];

	unlink(path);
	if (snprintf(side, sizeof(side), "%s-wal", path) < (int)sizeof(side))
		unlink(side);
	if (snprintf(side, sizeof(side), "%s-shm", path) < (int)sizeof(side))
		unlink(side);
	if (snprintf(side, sizeof(side), "%s-wlock", path) < (int)sizeof(side))
		unlink(side);
}

/*
 * Waiting for the write lock. SQLite's own busy handler backs off up to
 * 100 ms between tries, so with several writers a transaction can wait far
 * longer than the lock is held; FastCGI writers hold it for well under a
 * millisecond, so we retry every 100 us for the first 5 ms and every
 * 500 us after that, until busy_timeout.
 */
static int
busy_wait(void *arg, int count)
{
	struct store *st = arg;
	struct timespec ts = { 0, count < 50 ? 100000 : 500000 };
	int64_t now = tm_now_us();

	if (count == 0)
		st->busy_since_us = now;
	if (now - st->busy_since_us >= st->busy_timeout_ms * 1000)
		return 0;
	nanosleep(&ts, NULL);
	return 1;
}

/*
 * The writers' lock. SQLite has no blocking wait for its write lock: a
 * busy writer polls (busy_wait above), and with several FastCGI processes
 * the lock then sits free while the next writer sleeps. So every writer
 * first takes flock() on DB-wlock, which the kernel hands straight to the
 * next waiter; SQLite's own lock and busy handler still guard against any
 * other program. Without the file (a read-only directory) writers only
 * poll, as before.
 */
static void
lock_open(struct store *st)
{
	char path[4096];

	st->lockfd = -1;
	if (snprintf(path, sizeof(path), "%s-wlock", st->path) <
	    (int)sizeof(path))
		st->lockfd = open(path, O_RDONLY | O_CREAT | O_CLOEXEC, 0644);
}

static void
on_alarm(int sig)
{
	(void)sig;	/* only interrupts the flock() in lock_wait() */
}

/*
 * Waits for the lock, up to busy_timeout; 0 or MT_EBUSY. A threaded
 * program blocks SIGALRM in every thread and lets one at a time write
 * (mtchat.fcgi's writer.c): the waiting thread unblocks it, so the
 * process's timer interrupts this flock() and no other call.
 */
static int
lock_wait(struct store *st)
{
	struct sigaction sa, old;
	struct itimerval tick = { { 0, 20000 }, { 0, 20000 } }, off;
	int64_t deadline = tm_now_us() + st->busy_timeout_ms * 1000;
	sigset_t alarm, oldmask;
	int rc;

	sigemptyset(&alarm);
	sigaddset(&alarm, SIGALRM);
	pthread_sigmask(SIG_UNBLOCK, &alarm, &oldmask);
	memset(&sa, 0, sizeof(sa));
	memset(&off, 0, sizeof(off));
	sa.sa_handler = on_alarm;	/* no SA_RESTART: flock() gives EINTR */
	sigemptyset(&sa.sa_mask);
	sigaction(SIGALRM, &sa, &old);
	setitimer(ITIMER_REAL, &tick, NULL);
	while ((rc = flock(st->lockfd, LOCK_EX)) == -1 && errno == EINTR &&
	    tm_now_us() < deadline)
		;
	setitimer(ITIMER_REAL, &off, NULL);
	sigaction(SIGALRM, &old, NULL);
	pthread_sigmask(SIG_SETMASK, &oldmask, NULL);
	return rc == 0 ? 0 : MT_EBUSY;
}

static int
writer_lock(struct store *st)
{
	if (st->lockfd < 0 || flock(st->lockfd, LOCK_EX | LOCK_NB) == 0)
		return 0;
	if (errno != EWOULDBLOCK)
		return 0;	/* no lock to be had: SQLite's alone */
	if (lock_wait(st) != 0) {
		log_warnx("%s: database busy", st->path);
		return MT_EBUSY;
	}
	return 0;
}

static void
writer_unlock(struct store *st)
{
	if (st->lockfd >= 0)
		(void)flock(st->lockfd, LOCK_UN);
}

void
store_threads_init(void)
{
	(void)sqlite3_config(SQLITE_CONFIG_MEMSTATUS, 0);
	/*
	 * A batch of group commit is one savepoint per write: past 64 KiB,
	 * SQLite spills the savepoint journal to a temporary file, created
	 * and unlinked in every transaction. Its size is bounded by the
	 * batch (BATCH_MAX writes of a few pages each).
	 */
	(void)sqlite3_config(SQLITE_CONFIG_STMTJRNL_SPILL, -1);
}

void
store_opts_init(struct store_opts *o, const struct cfg *c)
{
	*o = (struct store_opts){
		.path = c->db_path,
		.url = c->database_url,
		.sync_normal = strcmp(c->synchronous, "NORMAL") == 0,
		.busy_timeout_ms = c->busy_timeout_ms,
	};
}

/* PostgreSQL's check_version(): the schema of sql/pg/. */
static int
check_version_pg(struct store *st, const struct store_opts *o, char *err,
    size_t errlen)
{
	int v, rc, code = store_pg_code_version();

	if ((rc = store_pg_schema_version(st->pg, &v)) != 0) {
		snprintf(err, errlen, "%s: %s", st->path, store_errmsg(st));
		return rc;
	}
	return judge_version(st, o, v, code, v == 0, err, errlen);
}

/*
 * PostgreSQL (o->url): the database must exist (its owner creates it,
 * INSTALL); init creates the tables in it.
 */
static int
open_pg(struct store **sp, const struct store_opts *o, char *err,
    size_t errlen)
{
	struct store *st;
	int rc;

	if ((st = mt_calloc(1, sizeof(*st))) == NULL) {
		snprintf(err, errlen, "out of memory");
		return MT_ENOMEM;
	}
	st->lockfd = -1;
	st->busy_timeout_ms = o->busy_timeout_ms;
	st->files = o->files;
	if ((rc = store_pg_open(&st->pg, o->url, err, errlen)) != 0)
		goto fail;
	if ((st->path = store_pg_describe(st->pg)) == NULL) {
		snprintf(err, errlen, "out of memory");
		rc = MT_ENOMEM;
		goto fail;
	}
	if ((rc = store_pg_set_lock_timeout(st->pg,
	    o->busy_timeout_ms)) != 0) {
		snprintf(err, errlen, "%s: %s", st->path, store_errmsg(st));
		goto fail;
	}
	if ((rc = check_version_pg(st, o, err, errlen)) != 0)
		goto fail;
	*sp = st;
	return 0;
fail:
	store_close(st);
	return rc;
}

int
store_open(struct store **sp, const struct store_opts *o, char *err,
    size_t errlen)
{
	struct store *st;
	struct stat sb;
	int rc, existed, flags = SQLITE_OPEN_READWRITE | SQLITE_OPEN_NOMUTEX;

	*sp = NULL;
	if (o->url != NULL && *o->url != '\0')
		return open_pg(sp, o, err, errlen);
	if (o->path == NULL || *o->path == '\0') {
		snprintf(err, errlen, "no database path configured (MTCHAT_DB)");
		return MT_EINVAL;
	}
	existed = stat(o->path, &sb) == 0;
	if (!existed && !o->create) {
		snprintf(err, errlen, "%s: %s%s", o->path, strerror(errno),
		    errno == ENOENT ? " (create it with mtchat-admin init)" : "");
		return MT_ENOTFOUND;
	}
	if (existed && !S_ISREG(sb.st_mode)) {
		snprintf(err, errlen, "%s: not a regular file", o->path);
		return MT_EINVAL;
	}
	if (o->create)
		flags |= SQLITE_OPEN_CREATE;
	if ((st = mt_calloc(1, sizeof(*st))) == NULL ||
	    (st->path = mt_strdup(o->path)) == NULL) {
		mt_free(st);
		snprintf(err, errlen, "out of memory");
		return MT_ENOMEM;
	}
	st->lockfd = -1;
	/*
	 * Create the file here, exclusively: on failure we remove it only if
	 * it is ours, never one that a concurrent init has just made.
	 */
	if (!existed) {
		int fd = open(o->path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC,
		    0644);

		if (fd == -1 && errno != EEXIST) {
			snprintf(err, errlen, "%s: %s", o->path,
			    strerror(errno));
			rc = MT_EIO;
			existed = 1;	/* nothing of ours to remove */
			goto fail;
		}
		if (fd == -1)
			existed = 1;	/* a concurrent init made it */
		else
			close(fd);
	}
	rc = sqlite3_open_v2(o->path, &st->db, flags, NULL);
	if (rc != SQLITE_OK) {
		snprintf(err, errlen, "%s: %s", o->path, st->db ?
		    store_errmsg(st) : sqlite3_errstr(rc));
		rc = MT_EIO;
		goto fail;
	}
	sqlite3_extended_result_codes(st->db, 1);
	st->busy_timeout_ms = o->busy_timeout_ms;
	st->files = o->files;
	sqlite3_busy_handler(st->db, busy_wait, st);
	/*
	 * Reading the schema proves the file is SQLite at all; the version
	 * comes before the pragmas, so a foreign database is left untouched.
	 */
	if ((rc = exec_sql(st, "SELECT count(*) FROM sqlite_master", err,
	    errlen)) != 0 ||
	    (rc = check_version(st, o, err, errlen)) != 0 ||
	    (rc = set_pragmas(st, o, err, errlen)) != 0)
		goto fail;
	lock_open(st);
	*sp = st;
	return 0;
fail:
	store_close(st);
	if (!existed)
		remove_db_files(o->path);	/* nothing half-created */
	return rc;
}

void
store_close(struct store *st)
{
	size_t i;

	if (st == NULL)
		return;
	for (i = 0; i < st->nslots; i++)
		stmt_free(st->slots[i].stmt);
	mt_free(st->slots);
	if (st->db != NULL)
		sqlite3_close(st->db);
	store_pg_close(st->pg);
	if (st->lockfd >= 0)
		close(st->lockfd);
	mt_free(st->path);
	mt_free(st);
}

static int
wal_hook(void *arg, sqlite3 *db, const char *name, int pages)
{
	struct store *st = arg;

	(void)db;
	(void)name;
	st->on_commit(st->on_commit_arg, pages);
	return SQLITE_OK;
}

void
store_on_commit(struct store *st, void (*cb)(void *, int), void *arg)
{
	st->on_commit = cb;
	st->on_commit_arg = arg;
	if (st->pg != NULL)
		return;		/* PostgreSQL checkpoints by itself */
	/* replaces SQLite's own hook, the automatic checkpoint */
	sqlite3_wal_hook(st->db, wal_hook, st);
}

int
store_checkpoint(struct store *st, int *done)
{
	int frames = 0, rc;

	*done = 0;
	if (st->pg != NULL)
		return 0;
	rc = sqlite3_wal_checkpoint_v2(st->db, NULL, SQLITE_CHECKPOINT_PASSIVE,
	    &frames, done);
	if (rc == SQLITE_OK || (rc & 0xff) == SQLITE_BUSY)
		return 0;	/* BUSY: another checkpoint runs; fine */
	return store_rc(st, rc, __func__);
}

int
store_query_int64(struct store *st, const char *sql, int64_t *out)
{
	struct dbstmt *s = store_stmt(st, sql);
	int rc;

	if (s == NULL)
		return MT_EIO;
	rc = db_step(s);
	*out = rc == SQLITE_ROW ? db_column_int64(s, 0) : 0;
	db_reset(s);
	return rc == SQLITE_ROW ? 0 : store_rc(st, rc, __func__);
}

int
store_ping(struct store *st)
{
	static const char sql[] = "SELECT max(version) FROM schema_version";
	int64_t v;

	return store_query_int64(st, sql, &v);
}

const char *
store_path(const struct store *st)
{
	return st->path;
}

static int
apply_one(struct store *st, const struct migration *m, char *err,
    size_t errlen)
{
	sqlite3_stmt *s;
	int v, rc;

	if ((rc = store_begin(st)) != 0) {
		snprintf(err, errlen, "%s: cannot lock the database",
		    st->path);
		return rc;
	}
	/* Another migrate may have run while we waited for the lock. */
	if ((rc = store_schema_version(st, &v)) != 0)
		goto fail;
	if (v >= m->version) {
		store_rollback(st);
		return 0;
	}
	if ((rc = exec_sql(st, m->sql, err, errlen)) != 0)
		goto fail;
	rc = sqlite3_prepare_v2(st->db, "INSERT INTO schema_version (version, "
	    "name, applied_at) VALUES (?, ?, ?)", -1, &s, NULL);
	if (rc == SQLITE_OK) {
		sqlite3_bind_int(s, 1, m->version);
		sqlite3_bind_text(s, 2, m->name, -1, SQLITE_STATIC);
		sqlite3_bind_int64(s, 3, tm_now_us());
		rc = sqlite3_step(s);
		sqlite3_finalize(s);
	}
	if (rc != SQLITE_DONE) {
		snprintf(err, errlen, "%s: %s: %s", st->path, m->name,
		    store_errmsg(st));
		rc = MT_EIO;
		goto fail;
	}
	if ((rc = store_commit(st)) != 0) {
		snprintf(err, errlen, "%s: %s: commit failed", st->path,
		    m->name);
		return rc;
	}
	return 1;
fail:
	store_rollback(st);
	return rc < 0 ? rc : MT_EIO;
}

int
store_migrate(struct store *st, int *applied, char *err, size_t errlen)
{
	int i, v, rc;

	*applied = 0;
	if (st->pg != NULL)
		return store_pg_migrate(st->pg, applied, err, errlen);
	if ((rc = store_schema_version(st, &v)) != 0) {
		snprintf(err, errlen, "%s: %s", st->path,
		    store_errmsg(st));
		return rc;
	}
	for (i = 0; i < migrations_count; i++) {
		if (migrations[i].version <= v)
			continue;
		if ((rc = apply_one(st, &migrations[i], err, errlen)) < 0)
			return rc;
		*applied += rc;
	}
	return 0;
}

/* Runs one of the static statements above, even when none can be cached. */
static int
exec_static(struct store *st, const char *sql, const char *what)
{
	struct dbstmt *s = store_stmt(st, sql);

	if (s != NULL)
		return store_exec_stmt(st, s, what);
	if (st->pg != NULL)
		return store_pg_exec(st->pg, sql, 0, NULL, NULL, what);
	return sqlite3_exec(st->db, sql, NULL, NULL, NULL) == SQLITE_OK ?
	    0 : MT_EIO;
}

/* Inside a batch: a write is a savepoint of the batch's transaction. */
static int
batch_member_begin(struct store *st)
{
	int rc;

	if (store_autocommit(st)) {
		/* SQLite rolled the batch back (I/O error, full disk) */
		log_warnx("%s: the batch transaction is gone", st->path);
		return MT_EIO;
	}
	if ((rc = exec_static(st, SQL_SAVEPOINT, __func__)) == 0)
		st->in_tx = true;
	return rc;
}

/* BEGIN, and the write lock (SQL_PG_WRITE_LOCK): 0, or MT_EBUSY after
 * busy_timeout (the connection's lock_timeout). */
static int
begin_pg(struct store *st)
{
	int rc;

	if ((rc = store_exec_stmt(st, store_stmt(st, SQL_PG_BEGIN),
	    __func__)) != 0)
		return rc;
	if ((rc = store_exec_stmt(st, store_stmt(st, SQL_PG_WRITE_LOCK),
	    __func__)) != 0) {
		(void)exec_static(st, SQL_ROLLBACK, __func__);
		store_pg_rollback(st->pg);
		return rc;
	}
	st->in_tx = true;
	return 0;
}

int
store_begin(struct store *st)
{
	int rc;

	if (st->in_tx) {
		log_warnx("%s: nested transaction", __func__);
		return MT_EIO;
	}
	if (st->in_batch)
		return batch_member_begin(st);
	if (st->pg != NULL)
		return begin_pg(st);
	if ((rc = writer_lock(st)) != 0)
		return rc;
	if ((rc = store_exec_stmt(st, store_stmt(st, SQL_BEGIN), __func__)) != 0) {
		writer_unlock(st);
		return rc;
	}
	st->in_tx = true;
	return 0;
}

int
store_commit(struct store *st)
{
	int rc;

	rc = st->in_batch ? exec_static(st, SQL_RELEASE, __func__) :
	    store_exec_stmt(st, store_stmt(st, SQL_COMMIT), __func__);
	if (rc != 0) {
		store_rollback(st);
		return rc;
	}
	st->in_tx = false;
	if (!st->in_batch)
		writer_unlock(st);
	return 0;
}

/* Undoes a batch member's savepoint, leaving the batch's earlier work. */
static void
batch_member_rollback(struct store *st)
{
	if (st->in_tx && !store_autocommit(st)) {
		(void)exec_static(st, SQL_ROLLBACK_TO, __func__);
		(void)exec_static(st, SQL_RELEASE, __func__);
	}
	st->in_tx = false;
}

void
store_rollback(struct store *st)
{
	if (st->in_batch) {
		batch_member_rollback(st);
		return;
	}
	if (!store_autocommit(st))
		(void)exec_static(st, SQL_ROLLBACK, __func__);
	if (st->pg != NULL)
		store_pg_rollback(st->pg);	/* forgets a broken one */
	if (st->in_tx)
		writer_unlock(st);
	st->in_tx = false;
}

int
store_batch_begin(struct store *st)
{
	int rc;

	if (st->in_tx || st->in_batch) {
		log_warnx("%s: nested transaction", __func__);
		return MT_EIO;
	}
	if ((rc = store_begin(st)) == 0) {
		st->in_tx = false;
		st->in_batch = true;
	}
	return rc;
}

int
store_batch_commit(struct store *st)
{
	if (!st->in_batch)
		return MT_EIO;
	st->in_batch = false;
	st->in_tx = true;
	if (store_autocommit(st)) {	/* rolled back under us */
		store_rollback(st);
		return MT_EIO;
	}
	return store_commit(st);
}

bool
store_in_tx(const struct store *st)
{
	return st->in_tx;
}
