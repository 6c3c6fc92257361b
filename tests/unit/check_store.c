/*
 * check_store.c — unit tests of lib/store.c and lib/store_admin.c: opening,
 * creating and refusing databases, migrations, write transactions, stats,
 * the integrity check and the online backup, on real SQLite files in a
 * scratch directory. The tests use sqlite3 directly to prepare odd
 * databases and to look inside, and store_int.h only to read per-connection
 * pragmas of an open store and to fill its statement cache.
 * SPDX-License-Identifier: MIT
 */
#include <check.h>
#include <dirent.h>
#include <fcntl.h>
#include <limits.h>
#include <poll.h>
#include <sqlite3.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "cfg.h"
#include "changelog.h"
#include "err.h"
#include "json.h"
#include "log.h"
#include "mem.h"
#include "migrate.h"
#include "store.h"
#include "store_int.h"
#include "testutil.h"
#include "tm.h"

static char db[PATH_MAX];	/* tu_dir/mtchat.db */

static void
setup(void)
{
	tu_setup();
	tu_path(db, tu_dir, "mtchat.db");
}

static struct store_opts
opts(const char *path, bool create, bool allow_old)
{
	struct store_opts o = {
		.path = path, .create = create, .allow_old = allow_old,
		.busy_timeout_ms = 5000,
	};

	return o;
}

/* Opens (creating and migrating if need be) the database at path. */
static struct store *
open_init(const char *path)
{
	struct store_opts o = opts(path, true, true);
	struct store *st;
	char err[STORE_ERR_LEN];
	int applied;

	ck_assert_msg(store_open(&st, &o, err, sizeof(err)) == 0, "%s", err);
	ck_assert_msg(store_migrate(st, &applied, err, sizeof(err)) == 0, "%s",
	    err);
	return st;
}

static void
init_db(const char *path)
{
	store_close(open_init(path));
}

/* Runs SQL on a connection of its own (foreign keys off, as by default). */
static void
sql_exec(const char *path, const char *sql)
{
	sqlite3 *d;
	char *msg = NULL;

	ck_assert_int_eq(sqlite3_open(path, &d), SQLITE_OK);
	sqlite3_busy_timeout(d, 5000);
	ck_assert_msg(sqlite3_exec(d, sql, NULL, NULL, &msg) == SQLITE_OK,
	    "%s: %s", sql, msg ? msg : "?");
	sqlite3_close(d);
}

/* The first column of the first row of a query on handle d, as text. */
static void
query_text_db(sqlite3 *d, const char *sql, char *out, size_t len)
{
	sqlite3_stmt *s;

	ck_assert_msg(sqlite3_prepare_v2(d, sql, -1, &s, NULL) == SQLITE_OK,
	    "%s: %s", sql, sqlite3_errmsg(d));
	ck_assert_int_eq(sqlite3_step(s), SQLITE_ROW);
	snprintf(out, len, "%s", (const char *)sqlite3_column_text(s, 0));
	sqlite3_finalize(s);
}

static void
query_text(const char *path, const char *sql, char *out, size_t len)
{
	sqlite3 *d;

	ck_assert_int_eq(sqlite3_open_v2(path, &d, SQLITE_OPEN_READWRITE,
	    NULL), SQLITE_OK);
	sqlite3_busy_timeout(d, 5000);
	query_text_db(d, sql, out, len);
	sqlite3_close(d);
}

static long long
query_int(const char *path, const char *sql)
{
	char buf[64];

	query_text(path, sql, buf, sizeof(buf));
	return atoll(buf);
}

/* True if path followed by suffix (e.g. "-wal") exists. */
static int
side_exists(const char *path, const char *suffix)
{
	char side[PATH_MAX];

	if (snprintf(side, sizeof(side), "%s%s", path, suffix) >=
	    (int)sizeof(side))
		return 0;
	return tu_exists(side);
}

/* True if path or its -wal / -shm side files exist. */
static int
any_db_file(const char *path)
{
	return tu_exists(path) || side_exists(path, "-wal") ||
	    side_exists(path, "-shm") || side_exists(path, "-journal");
}

/* Reads a whole small file into buf; returns its length. */
static size_t
slurp(const char *path, char *buf, size_t len)
{
	FILE *fp = fopen(path, "rb");
	size_t n;

	ck_assert_ptr_nonnull(fp);
	n = fread(buf, 1, len, fp);
	fclose(fp);
	return n;
}

static void
append_rows(struct store *st, int n, const char *body)
{
	struct changelog_row r = { .type = "test.event", .body = body };
	int i;

	ck_assert_int_eq(store_begin(st), 0);
	for (i = 0; i < n; i++)
		ck_assert_int_eq(changelog_append(st, &r, NULL), 0);
	ck_assert_int_eq(store_commit(st), 0);
}

/* store_opts_init(): what every program takes from its configuration. */
START_TEST(store_opts_init_from_cfg)
{
	struct cfg c = { .db_path = "/x/m.db", .synchronous = "NORMAL",
	    .busy_timeout_ms = 1234 };
	struct store_opts o;

	memset(&o, 0xff, sizeof(o));
	store_opts_init(&o, &c);
	ck_assert_str_eq(o.path, "/x/m.db");
	ck_assert(o.sync_normal);
	ck_assert_int_eq(o.busy_timeout_ms, 1234);
	ck_assert(!o.create && !o.allow_old);
	ck_assert_ptr_null(o.files);
	c.synchronous = "FULL";
	store_opts_init(&o, &c);
	ck_assert(!o.sync_normal);
}
END_TEST

START_TEST(store_open_missing_without_create)
{
	struct store_opts o = opts(db, false, true);
	struct store *st = (struct store *)1;
	char err[STORE_ERR_LEN] = "";

	ck_assert_int_eq(store_open(&st, &o, err, sizeof(err)), MT_ENOTFOUND);
	ck_assert_ptr_null(st);
	ck_assert_ptr_nonnull(strstr(err, db));
	ck_assert_ptr_nonnull(strstr(err, "mtchat-admin init"));
	ck_assert(!any_db_file(db));
}
END_TEST

START_TEST(store_open_empty_path)
{
	struct store_opts o = opts("", true, true);
	struct store *st;
	char err[STORE_ERR_LEN] = "";

	ck_assert_int_eq(store_open(&st, &o, err, sizeof(err)), MT_EINVAL);
	ck_assert_ptr_null(st);
	o.path = NULL;
	ck_assert_int_eq(store_open(&st, &o, err, sizeof(err)), MT_EINVAL);
	ck_assert_str_ne(err, "");
}
END_TEST

START_TEST(store_init_creates_and_migrates)
{
	struct store_opts o = opts(db, true, true);
	struct store *st;
	char err[STORE_ERR_LEN];
	int applied = -1, version = -1;

	ck_assert_int_ge(store_code_version(), 1);
	ck_assert_int_eq(store_open(&st, &o, err, sizeof(err)), 0);
	ck_assert_str_eq(store_path(st), db);
	ck_assert_int_eq(store_schema_version(st, &version), 0);
	ck_assert_int_eq(version, 0);
	ck_assert_int_eq(store_migrate(st, &applied, err, sizeof(err)), 0);
	ck_assert_int_ge(applied, 1);
	ck_assert_int_eq(store_schema_version(st, &version), 0);
	ck_assert_int_eq(version, store_code_version());
	store_close(st);
	ck_assert_int_eq(query_int(db, "SELECT count(*) FROM schema_version"),
	    applied);
	ck_assert_int_eq(query_int(db, "SELECT count(*) FROM sqlite_master "
	    "WHERE type = 'table' AND name IN ('dialogs', 'messages', "
	    "'participants', 'changelog', 'cursors', 'meta')"), 6);
	/* A current database opens without create or allow_old. */
	o = opts(db, false, false);
	ck_assert_msg(store_open(&st, &o, err, sizeof(err)) == 0, "%s", err);
	store_close(st);
}
END_TEST

START_TEST(store_migrate_twice_applies_nothing)
{
	struct store *st = open_init(db);
	char err[STORE_ERR_LEN];
	int applied = -1;

	ck_assert_int_eq(store_migrate(st, &applied, err, sizeof(err)), 0);
	ck_assert_int_eq(applied, 0);
	store_close(st);
	st = open_init(db);	/* and on another open */
	ck_assert_int_eq(store_migrate(st, &applied, err, sizeof(err)), 0);
	ck_assert_int_eq(applied, 0);
	store_close(st);
	ck_assert_int_eq(query_int(db, "SELECT count(*) FROM schema_version"),
	    migrations_count);
}
END_TEST

START_TEST(store_migrate_concurrently)
{
	enum { NPROC = 4 };
	pid_t pids[NPROC];
	int i, status, total = 0, fds[2];

	/* Several `mtchat-admin init` at once on a database nobody made. */
	ck_assert_int_eq(pipe(fds), 0);
	for (i = 0; i < NPROC; i++) {
		pids[i] = fork();
		ck_assert_int_ge(pids[i], 0);
		if (pids[i] == 0) {
			struct store_opts o = opts(db, true, true);
			struct store *st;
			char err[STORE_ERR_LEN], c;
			int applied = 0;

			close(fds[1]);
			(void)read(fds[0], &c, 1);	/* start together */
			if (store_open(&st, &o, err, sizeof(err)) != 0) {
				fprintf(stderr, "child %d: %s\n", i, err);
				_exit(1);
			}
			if (store_migrate(st, &applied, err,
			    sizeof(err)) != 0) {
				fprintf(stderr, "child %d: %s\n", i, err);
				_exit(2);
			}
			store_close(st);
			_exit(10 + applied);
		}
	}
	close(fds[0]);
	close(fds[1]);	/* EOF: go */
	for (i = 0; i < NPROC; i++) {
		ck_assert_int_eq(waitpid(pids[i], &status, 0), pids[i]);
		ck_assert_msg(WIFEXITED(status) && WEXITSTATUS(status) >= 10,
		    "child %d: status %d", i, status);
		total += WEXITSTATUS(status) - 10;
	}
	/* Each migration ran exactly once among them. */
	ck_assert_int_eq(total, migrations_count);
	ck_assert_int_eq(query_int(db, "SELECT count(*) FROM schema_version"),
	    migrations_count);
}
END_TEST

START_TEST(store_create_refused_without_allow_old)
{
	struct store_opts o = opts(db, true, false);
	struct store *st;
	char err[STORE_ERR_LEN];

	/* A new, empty database has version 0: too old, and not left behind. */
	ck_assert_int_eq(store_open(&st, &o, err, sizeof(err)), MT_ESCHEMA);
	ck_assert_ptr_null(st);
	ck_assert_ptr_nonnull(strstr(err, "mtchat-admin init"));
	ck_assert(!any_db_file(db));
}
END_TEST

START_TEST(store_open_newer_schema_refused)
{
	struct store_opts o = opts(db, false, false);
	struct store *st;
	char err[STORE_ERR_LEN], sql[200];

	init_db(db);
	snprintf(sql, sizeof(sql), "INSERT INTO schema_version (version, name,"
	    " applied_at) VALUES (%d, '9999-future.sql', 0)",
	    store_code_version() + 1);
	sql_exec(db, sql);
	ck_assert_int_eq(store_open(&st, &o, err, sizeof(err)), MT_ESCHEMA);
	ck_assert_ptr_null(st);
	ck_assert_ptr_nonnull(strstr(err, "newer"));
	/* Neither migrate nor init may touch it. */
	o = opts(db, true, true);
	ck_assert_int_eq(store_open(&st, &o, err, sizeof(err)), MT_ESCHEMA);
	ck_assert_ptr_nonnull(strstr(err, "newer"));
	ck_assert(tu_exists(db));
	ck_assert_int_eq(query_int(db, "SELECT max(version) FROM "
	    "schema_version"), store_code_version() + 1);
}
END_TEST

START_TEST(store_open_older_schema_refused)
{
	struct store_opts o = opts(db, false, false);
	struct store *st;
	char err[STORE_ERR_LEN];
	int version = -1;

	/* A database that lacks the newest migration. */
	init_db(db);
	sql_exec(db, "DELETE FROM schema_version WHERE version = "
	    "(SELECT max(version) FROM schema_version)");
	ck_assert_int_eq(store_open(&st, &o, err, sizeof(err)), MT_ESCHEMA);
	ck_assert_ptr_null(st);
	ck_assert_msg(strstr(err, "migrate") != NULL, "%s", err);
	ck_assert(tu_exists(db));
	/* mtchat-admin migrate opens it with allow_old. */
	o.allow_old = true;
	ck_assert_msg(store_open(&st, &o, err, sizeof(err)) == 0, "%s", err);
	ck_assert_int_eq(store_schema_version(st, &version), 0);
	/* The one before the newest: versions need not be consecutive. */
	ck_assert_int_eq(version, migrations[migrations_count - 2].version);
	store_close(st);
}
END_TEST

static void first_problem(const char *line, void *arg);

/*
 * 0002 on a database with data: the dialogs' counts of participants and
 * user messages, and unread counts that stay what they were.
 */
START_TEST(store_migrate_fills_list_copies)
{
	struct store_opts o = opts(db, false, false);
	struct store *st;
	char err[STORE_ERR_LEN], first[256] = "", text[64];
	int applied, problems = -1;

	ck_assert_int_ge(migrations_count, 2);
	ck_assert_int_eq(migrations[1].version, 2);
	sql_exec(db, migrations[0].sql);
	sql_exec(db, "INSERT INTO schema_version (version, name, applied_at)"
	    " VALUES (1, '0001-init.sql', 0);"
	    "INSERT INTO dialogs (id, object_id, object_type, created_at,"
	    " last_message_at) VALUES ('d1', 'o', 't', 10, 50),"
	    " ('d2', 'o', 't', 20, NULL), ('d3', 'o', 't', 30, NULL);"
	    "INSERT INTO messages (id, dialog_id, sender_id, content, sent_at,"
	    " message_type) VALUES ('m0', 'd1', NULL, '{}', 11, 'system'),"
	    " ('m1', 'd1', 'b', 'x', 40, 'user'),"
	    " ('m2', 'd1', 'b', 'y', 50, 'user');"
	    "INSERT INTO participants (dialog_id, user_id, joined_at,"
	    " joined_as, unread_count, last_read_message_id) VALUES"
	    " ('d1', 'a', 1, 'creator', 2, NULL),"
	    " ('d1', 'b', 1, 'participant', 0, 'm2'),"
	    " ('d2', 'a', 1, 'creator', 0, NULL);");
	o.allow_old = true;
	ck_assert_msg(store_open(&st, &o, err, sizeof(err)) == 0, "%s", err);
	ck_assert_msg(store_migrate(st, &applied, err, sizeof(err)) == 0, "%s",
	    err);
	ck_assert_int_eq(applied, migrations_count - 1);
	ck_assert_int_eq(store_check(st, first_problem, first, &problems), 0);
	ck_assert_msg(problems == 0, "%s", first);
	store_close(st);
	query_text(db, "SELECT group_concat(d.user_messages - p.read_messages,"
	    " ' ') FROM (SELECT * FROM participants ORDER BY dialog_id,"
	    " user_id) p JOIN dialogs d ON d.id = p.dialog_id", text,
	    sizeof(text));
	ck_assert_str_eq(text, "2 0 0");
	query_text(db, "SELECT group_concat(participants_count || '/' ||"
	    " user_messages, ' ') FROM (SELECT * FROM dialogs ORDER BY id)",
	    text, sizeof(text));
	ck_assert_str_eq(text, "2/2 1/0 0/0");
}
END_TEST

START_TEST(store_open_not_sqlite_file)
{
	static const char text[] = "this is not a database\n"
	    "but somebody's notes, which must survive\n";
	struct store_opts o = opts(db, false, true);
	struct store *st;
	char err[STORE_ERR_LEN] = "", buf[PATH_MAX];
	int pass;

	tu_write_file(db, text);
	for (pass = 0; pass < 2; pass++) {
		o.create = pass == 1;	/* as migrate, then as init */
		ck_assert_int_ne(store_open(&st, &o, err, sizeof(err)), 0);
		ck_assert_ptr_null(st);
		ck_assert_msg(strstr(err, "not a database") != NULL, "%s",
		    err);
		ck_assert_uint_eq(slurp(db, buf, sizeof(buf)),
		    sizeof(text) - 1);
		ck_assert(memcmp(buf, text, sizeof(text) - 1) == 0);
		ck_assert(!side_exists(db, "-wal"));
		ck_assert(!side_exists(db, "-shm"));
	}
}
END_TEST

START_TEST(store_open_foreign_sqlite_refused)
{
	struct store_opts o = opts(db, false, true);
	struct store *st;
	char err[STORE_ERR_LEN] = "", mode[32];
	int pass;

	sql_exec(db, "CREATE TABLE accounts (id INTEGER PRIMARY KEY, name "
	    "TEXT); INSERT INTO accounts (name) VALUES ('alice')");
	for (pass = 0; pass < 2; pass++) {
		o.create = pass == 1;
		ck_assert_int_eq(store_open(&st, &o, err, sizeof(err)),
		    MT_ESCHEMA);
		ck_assert_ptr_null(st);
		ck_assert_msg(strstr(err, "not an mtchat") != NULL, "%s", err);
	}
	/* The other program's database is as it was, journal mode too. */
	ck_assert_int_eq(query_int(db, "SELECT count(*) FROM accounts"), 1);
	ck_assert_int_eq(query_int(db, "SELECT count(*) FROM sqlite_master"),
	    1);
	query_text(db, "PRAGMA journal_mode", mode, sizeof(mode));
	ck_assert_str_eq(mode, "delete");
}
END_TEST

START_TEST(store_create_in_missing_directory)
{
	struct store_opts o;
	struct store *st;
	char err[STORE_ERR_LEN] = "", dir[PATH_MAX], path[PATH_MAX];

	tu_path(dir, tu_dir, "nodir");
	tu_path(path, dir, "mtchat.db");
	o = opts(path, true, true);
	ck_assert_int_ne(store_open(&st, &o, err, sizeof(err)), 0);
	ck_assert_ptr_null(st);
	ck_assert_str_ne(err, "");
	ck_assert(!tu_exists(dir));
}
END_TEST

START_TEST(store_open_directory_refused)
{
	struct store_opts o = opts(tu_dir, true, true);
	struct store *st;
	char err[STORE_ERR_LEN] = "";

	ck_assert_int_eq(store_open(&st, &o, err, sizeof(err)), MT_EINVAL);
	ck_assert_ptr_nonnull(strstr(err, "not a regular file"));
	ck_assert(tu_exists(tu_dir));
}
END_TEST

/*
 * Runs in a child, as nobody if started as root (root bypasses permission
 * checks): creating in a read-only directory fails and creates nothing, and
 * an existing database there, writable but unable to get its WAL files, is
 * refused cleanly (or, if opened, really works). Returns the exit status:
 * 0 ok, 77 could not drop privileges.
 */
static int
read_only_child(const char *rodir)
{
	char path[PATH_MAX], err[STORE_ERR_LEN] = "";
	struct store_opts o;
	struct store *st;

	if (geteuid() == 0 && (setgid(65534) != 0 || setuid(65534) != 0 ||
	    geteuid() == 0))
		return 77;
	if (snprintf(path, sizeof(path), "%s/new.db", rodir) >=
	    (int)sizeof(path))
		return 5;
	o = opts(path, true, true);
	if (store_open(&st, &o, err, sizeof(err)) == 0) {
		fprintf(stderr, "created %s\n", path);
		return 1;
	}
	if (any_db_file(path) || *err == '\0') {
		fprintf(stderr, "left %s behind or no message: %s\n", path,
		    err);
		return 2;
	}
	if (snprintf(path, sizeof(path), "%s/old.db", rodir) >=
	    (int)sizeof(path))
		return 5;
	o = opts(path, false, true);
	err[0] = '\0';
	if (store_open(&st, &o, err, sizeof(err)) == 0) {
		int rc = store_begin(st);

		store_rollback(st);
		store_close(st);
		if (rc != 0) {
			fprintf(stderr, "opened but cannot write\n");
			return 3;
		}
	} else if (*err == '\0') {
		fprintf(stderr, "refused without a message\n");
		return 4;
	}
	return 0;
}

START_TEST(store_read_only_directory)
{
	char rodir[PATH_MAX], old[PATH_MAX];
	pid_t pid;
	int status;

	tu_path(rodir, tu_dir, "ro");
	ck_assert_int_eq(mkdir(rodir, 0755), 0);
	init_db(tu_path(old, rodir, "old.db"));
	if (geteuid() == 0) {
		/* The child runs as nobody: let it reach and write old.db. */
		ck_assert_int_eq(chown(old, 65534, 65534), 0);
		ck_assert_int_eq(chmod(tu_base, 0711), 0);
		ck_assert_int_eq(chmod(tu_dir, 0711), 0);
	}
	ck_assert_int_eq(chmod(rodir, 0555), 0);
	pid = fork();
	ck_assert_int_ge(pid, 0);
	if (pid == 0)
		_exit(read_only_child(rodir));
	ck_assert_int_eq(waitpid(pid, &status, 0), pid);
	ck_assert(WIFEXITED(status));
	if (WEXITSTATUS(status) == 77) {
		fprintf(stderr, "%s: running as root and setuid(65534) failed:"
		    " permission checks not exercised\n", __func__);
		return;
	}
	ck_assert_msg(WEXITSTATUS(status) == 0, "child exit %d",
	    WEXITSTATUS(status));
	/* The existing database is intact. */
	ck_assert_int_eq(chmod(rodir, 0755), 0);
	ck_assert_int_eq(query_int(old, "SELECT max(version) FROM "
	    "schema_version"), store_code_version());
}
END_TEST

START_TEST(store_wal_and_foreign_keys_on)
{
	struct store_opts o = opts(db, false, false);
	struct store *st;
	char err[STORE_ERR_LEN], v[32];

	init_db(db);
	o.busy_timeout_ms = 1234;
	ck_assert_int_eq(store_open(&st, &o, err, sizeof(err)), 0);
	query_text_db(st->db, "PRAGMA journal_mode", v, sizeof(v));
	ck_assert_str_eq(v, "wal");
	query_text_db(st->db, "PRAGMA foreign_keys", v, sizeof(v));
	ck_assert_str_eq(v, "1");
	query_text_db(st->db, "PRAGMA synchronous", v, sizeof(v));
	ck_assert_str_eq(v, "2");	/* FULL */
	/* Our own busy handler (store.c busy_wait) keeps the timeout. */
	ck_assert_int_eq(st->busy_timeout_ms, 1234);
	store_close(st);
	o.sync_normal = true;
	ck_assert_int_eq(store_open(&st, &o, err, sizeof(err)), 0);
	query_text_db(st->db, "PRAGMA synchronous", v, sizeof(v));
	ck_assert_str_eq(v, "1");	/* NORMAL */
	store_close(st);
	/* WAL is a property of the file: another connection sees it. */
	query_text(db, "PRAGMA journal_mode", v, sizeof(v));
	ck_assert_str_eq(v, "wal");
}
END_TEST

START_TEST(store_begin_twice_fails)
{
	struct store *st = open_init(db);

	ck_assert(!store_in_tx(st));
	ck_assert_int_eq(store_begin(st), 0);
	ck_assert(store_in_tx(st));
	ck_assert_int_ne(store_begin(st), 0);
	ck_assert(store_in_tx(st));	/* the first one is still open */
	ck_assert_int_eq(store_commit(st), 0);
	ck_assert(!store_in_tx(st));
	store_close(st);
}
END_TEST

START_TEST(store_rollback_without_tx_harmless)
{
	struct store *st = open_init(db);

	store_rollback(st);
	store_rollback(st);
	ck_assert(!store_in_tx(st));
	ck_assert_int_eq(store_begin(st), 0);
	store_rollback(st);
	store_rollback(st);
	ck_assert(!store_in_tx(st));
	ck_assert_int_eq(store_begin(st), 0);
	ck_assert_int_eq(store_commit(st), 0);
	store_close(st);
}
END_TEST

START_TEST(store_commit_without_tx_fails)
{
	struct store *st = open_init(db);

	ck_assert_int_ne(store_commit(st), 0);
	ck_assert(!store_in_tx(st));
	ck_assert_int_eq(store_begin(st), 0);
	ck_assert_int_eq(store_commit(st), 0);
	store_close(st);
}
END_TEST

/* Distinct static statements, to fill the statement cache up to a size. */
static const char *const fillers[] = {
	"SELECT 1", "SELECT 2", "SELECT 3", "SELECT 4", "SELECT 5",
	"SELECT 6", "SELECT 7", "SELECT 8", "SELECT 9", "SELECT 10",
	"SELECT 11", "SELECT 12", "SELECT 13", "SELECT 14", "SELECT 15",
	"SELECT 16", "SELECT 17", "SELECT 18", "SELECT 19", "SELECT 20",
	"SELECT 21", "SELECT 22", "SELECT 23", "SELECT 24", "SELECT 25",
	"SELECT 26", "SELECT 27", "SELECT 28", "SELECT 29", "SELECT 30",
	"SELECT 31", "SELECT 32", "SELECT 33", "SELECT 34", "SELECT 35",
};

START_TEST(store_rollback_without_memory_ends_tx)
{
	struct store *st = open_init(db);
	struct changelog_row r = { .type = "t", .body = "{}" };
	int64_t head = -1;
	int i;

	/*
	 * Fill the statement cache to 32 of its 64 slots: the next new
	 * statement, ROLLBACK, needs the cache to grow, and that allocation
	 * fails.
	 */
	ck_assert_int_eq(store_begin(st), 0);
	ck_assert_int_eq(changelog_append(st, &r, NULL), 0);
	for (i = 0; st->nused < 32; i++)
		ck_assert_ptr_nonnull(store_stmt(st, fillers[i]));
	ck_assert_uint_eq(st->nslots, 64);
	mem_fail_after(1);
	store_rollback(st);
	mem_fail_after(0);
	ck_assert(!store_in_tx(st));
	/* The transaction really ended: no row, and a new one can begin. */
	ck_assert_int_eq(changelog_head(st, &head), 0);
	ck_assert_int_eq(head, 0);
	ck_assert_int_eq(store_begin(st), 0);
	ck_assert_int_eq(store_commit(st), 0);
	store_close(st);
}
END_TEST

START_TEST(store_commit_without_memory_rolls_back)
{
	struct store_opts o = opts(db, false, false);
	struct changelog_row r = { .type = "t", .body = "{}" };
	struct store *st;
	char err[STORE_ERR_LEN];
	int64_t head = -1;
	int i;

	/* A new handle: COMMIT is not in its statement cache yet. */
	init_db(db);
	ck_assert_int_eq(store_open(&st, &o, err, sizeof(err)), 0);
	ck_assert_int_eq(store_begin(st), 0);
	ck_assert_int_eq(changelog_append(st, &r, NULL), 0);
	for (i = 0; st->nused < 32; i++)
		ck_assert_ptr_nonnull(store_stmt(st, fillers[i]));
	mem_fail_after(1);
	ck_assert_int_ne(store_commit(st), 0);
	mem_fail_after(0);
	ck_assert(!store_in_tx(st));
	ck_assert_int_eq(changelog_head(st, &head), 0);
	ck_assert_int_eq(head, 0);
	ck_assert_int_eq(store_begin(st), 0);
	ck_assert_int_eq(store_commit(st), 0);
	store_close(st);
}
END_TEST

/* store_fault_set(): which calls fail, with what, and the text form. */
/* store_step(): 1 per row, 0 at the end (reset), an MT_E* on an error. */
START_TEST(store_step_walks_rows)
{
	static const char sql[] =
	    "SELECT 1 UNION ALL SELECT 2 UNION ALL SELECT 3";
	struct store *st = open_init(db);
	struct dbstmt *s = store_stmt(st, sql);
	int rc, sum = 0, n = 0;

	ck_assert_ptr_nonnull(s);
	while ((rc = store_step(st, s, __func__)) == 1) {
		sum += db_column_int(s, 0);
		n++;
	}
	ck_assert_int_eq(rc, 0);
	ck_assert_int_eq(n, 3);
	ck_assert_int_eq(sum, 6);
	ck_assert_int_eq(store_step(st, s, __func__), 1);  /* reset: again */
	db_reset(s);
	store_fault_set(2, STORE_FAULT_BUSY, STORE_FAULT_ONCE);
	ck_assert_int_eq(store_step(st, s, __func__), 1);
	ck_assert_int_eq(store_step(st, s, __func__), MT_EBUSY);
	ck_assert_int_eq(store_step(st, s, __func__), 1);  /* reset: again */
	store_fault_set(0, 0, 0);
	db_reset(s);
	ck_assert_int_eq(store_step(st, NULL, __func__), MT_EIO);
	store_close(st);
}
END_TEST

START_TEST(store_faults_fail_the_chosen_calls)
{
	struct store *st = open_init(db);
	int i, rc[6];

	ck_assert_int_eq(store_ping(st), 0);	/* prepared: one step a ping */
	store_fault_set(2, STORE_FAULT_FULL, STORE_FAULT_ONCE);
	for (i = 0; i < 4; i++)
		rc[i] = store_ping(st);
	ck_assert_int_eq(rc[0], 0);
	ck_assert_int_eq(rc[1], MT_EFULL);
	ck_assert_int_eq(rc[2] | rc[3], 0);
	ck_assert_int_eq(store_fault_count(), 1);
	ck_assert_int_eq(store_fault_parse("IOERR:every:3"), 0);
	for (i = 0; i < 6; i++)
		rc[i] = store_ping(st);
	ck_assert_int_eq(rc[0] | rc[1] | rc[3] | rc[4], 0);
	ck_assert_int_eq(rc[2], MT_ESTORAGE);
	ck_assert_int_eq(rc[5], MT_ESTORAGE);
	store_fault_set(1, STORE_FAULT_BUSY, STORE_FAULT_PERSIST);
	ck_assert_int_eq(store_ping(st), MT_EBUSY);
	ck_assert_int_eq(store_ping(st), MT_EBUSY);
	ck_assert_int_eq(store_begin(st), MT_EBUSY);
	ck_assert_int_eq(store_fault_count(), 3);
	store_fault_set(0, 0, 0);
	ck_assert_int_eq(store_ping(st), 0);
	ck_assert_int_eq(store_fault_count(), 0);
	ck_assert_int_eq(store_fault_parse(NULL), 0);
	ck_assert_int_eq(store_fault_parse("IOERR:every:0"), MT_EINVAL);
	ck_assert_int_eq(store_fault_parse("IOERR:sometimes:1"), MT_EINVAL);
	ck_assert_int_eq(store_fault_parse("NOMEM:once:1"), MT_EINVAL);
	ck_assert_int_eq(store_fault_parse("FULL:once:1x"), MT_EINVAL);
	ck_assert_int_eq(store_ping(st), 0);
	store_close(st);
}
END_TEST

START_TEST(store_begin_busy_when_locked)
{
	struct store_opts o = opts(db, false, false);
	struct store *st;
	sqlite3 *other;
	char err[STORE_ERR_LEN];
	int64_t t0;

	init_db(db);
	o.busy_timeout_ms = 100;
	ck_assert_int_eq(store_open(&st, &o, err, sizeof(err)), 0);
	ck_assert_int_eq(sqlite3_open(db, &other), SQLITE_OK);
	ck_assert_int_eq(sqlite3_exec(other, "BEGIN IMMEDIATE", NULL, NULL,
	    NULL), SQLITE_OK);
	t0 = tm_now_us();
	ck_assert_int_eq(store_begin(st), MT_EBUSY);
	ck_assert_int_ge(tm_now_us() - t0, 90000);	/* it did wait */
	ck_assert(!store_in_tx(st));
	sqlite3_exec(other, "ROLLBACK", NULL, NULL, NULL);
	sqlite3_close(other);
	ck_assert_int_eq(store_begin(st), 0);
	ck_assert_int_eq(store_commit(st), 0);
	store_close(st);
}
END_TEST

/* Whether DB-wlock is free: a third descriptor can take it at once. */
static bool
writer_lock_free(void)
{
	char path[PATH_MAX];
	int fd, ok;

	ck_assert_int_lt(snprintf(path, sizeof(path), "%s-wlock", db),
	    (int)sizeof(path));
	ck_assert_int_ge(fd = open(path, O_RDONLY), 0);
	ok = flock(fd, LOCK_EX | LOCK_NB) == 0;
	close(fd);
	return ok;
}

START_TEST(store_writers_take_the_lock_file)
{
	struct store_opts o = opts(db, false, false);
	struct store *a, *b;
	char err[STORE_ERR_LEN];
	int64_t t0;

	init_db(db);
	o.busy_timeout_ms = 100;
	ck_assert_int_eq(store_open(&a, &o, err, sizeof(err)), 0);
	ck_assert_int_eq(store_open(&b, &o, err, sizeof(err)), 0);
	ck_assert(writer_lock_free());
	ck_assert_int_eq(store_begin(a), 0);
	ck_assert(!writer_lock_free());
	t0 = tm_now_us();
	ck_assert_int_eq(store_begin(b), MT_EBUSY);	/* queued, timed out */
	ck_assert_int_ge(tm_now_us() - t0, 90000);
	ck_assert(!store_in_tx(b));
	ck_assert_int_eq(store_commit(a), 0);
	ck_assert(writer_lock_free());
	ck_assert_int_eq(store_begin(b), 0);
	ck_assert(!writer_lock_free());
	store_rollback(b);
	ck_assert(writer_lock_free());
	store_close(a);
	store_close(b);
}
END_TEST

/* One write of a batch: a changelog row, committed as a savepoint. */
static void
batch_member(struct store *st, const char *body, bool keep)
{
	struct changelog_row r = { .type = "test.event", .body = body };

	ck_assert_int_eq(store_begin(st), 0);
	ck_assert(store_in_tx(st));
	ck_assert_int_eq(changelog_append(st, &r, NULL), 0);
	if (keep)
		ck_assert_int_eq(store_commit(st), 0);
	else
		store_rollback(st);
	ck_assert(!store_in_tx(st));
}

START_TEST(store_batch_commits_members_together)
{
	struct store *st;

	init_db(db);
	st = open_init(db);
	ck_assert_int_eq(store_batch_begin(st), 0);
	ck_assert(!writer_lock_free());
	batch_member(st, "{\"n\":1}", true);
	batch_member(st, "{\"n\":2}", false);	/* rolled back alone */
	batch_member(st, "{\"n\":3}", true);
	/* nothing is visible to others before the batch commits */
	ck_assert_int_eq(query_int(db, "SELECT count(*) FROM changelog"), 0);
	ck_assert_int_eq(store_batch_commit(st), 0);
	ck_assert(writer_lock_free());
	ck_assert_int_eq(query_int(db, "SELECT count(*) FROM changelog"), 2);
	ck_assert_int_eq(query_int(db, "SELECT count(*) FROM changelog"
	    " WHERE body = '{\"n\":2}'"), 0);
	/* after the batch, writes are plain transactions again */
	append_rows(st, 1, "{}");
	ck_assert_int_eq(query_int(db, "SELECT count(*) FROM changelog"), 3);
	store_close(st);
}
END_TEST

START_TEST(store_batch_misuse_refused)
{
	struct store *st;

	init_db(db);
	st = open_init(db);
	ck_assert_int_eq(store_batch_commit(st), MT_EIO);	/* none open */
	ck_assert_int_eq(store_begin(st), 0);
	ck_assert_int_eq(store_batch_begin(st), MT_EIO);	/* in a write */
	store_rollback(st);
	ck_assert_int_eq(store_batch_begin(st), 0);
	ck_assert_int_eq(store_batch_begin(st), MT_EIO);	/* nested */
	ck_assert_int_eq(store_begin(st), 0);
	ck_assert_int_eq(store_begin(st), MT_EIO);	/* member twice */
	store_rollback(st);
	ck_assert_int_eq(store_batch_commit(st), 0);
	ck_assert(writer_lock_free());
	store_close(st);
}
END_TEST

START_TEST(store_stats_counts)
{
	struct store *st = open_init(db);
	struct store_stats s;

	ck_assert_int_eq(store_stats(st, &s), 0);
	ck_assert_int_eq(s.dialogs + s.messages + s.participants +
	    s.changelog + s.presence, 0);
	ck_assert_int_eq(s.changelog_first, 0);
	ck_assert_int_eq(s.changelog_last, 0);
	ck_assert_int_gt(s.db_bytes, 0);
	sql_exec(db,
	    "INSERT INTO dialogs (id, object_id, object_type, created_at)"
	    " VALUES ('d1', 'o1', 'order', 1), ('d2', 'o2', 'order', 2);"
	    "INSERT INTO messages (id, dialog_id, sender_id, content, sent_at,"
	    " message_type) VALUES ('m1', 'd1', 'u1', 'hi', 1, 'user'),"
	    " ('m2', 'd1', 'u1', 'ho', 2, 'user'),"
	    " ('m3', 'd2', NULL, 'sys', 3, 'system');"
	    "INSERT INTO participants (dialog_id, user_id, joined_at,"
	    " joined_as) VALUES ('d1', 'u1', 1, 'creator'),"
	    " ('d1', 'u2', 1, 'participant'), ('d2', 'u1', 1, 'creator'),"
	    " ('d2', 'u3', 1, 'joined');"
	    "INSERT INTO presence (user_id, last_seen, instance)"
	    " VALUES ('u1', 1, '');");
	append_rows(st, 5, "{}");
	ck_assert_int_eq(store_stats(st, &s), 0);
	ck_assert_int_eq(s.dialogs, 2);
	ck_assert_int_eq(s.messages, 3);
	ck_assert_int_eq(s.participants, 4);
	ck_assert_int_eq(s.presence, 1);
	ck_assert_int_eq(s.changelog, 5);
	ck_assert_int_eq(s.changelog_first, 1);
	ck_assert_int_eq(s.changelog_last, 5);
	store_close(st);
}
END_TEST

/* store_check() callback: keeps the first line in arg (256 bytes). */
static void
first_problem(const char *line, void *arg)
{
	char *first = arg;

	if (*first == '\0')
		snprintf(first, 256, "%s", line);
}

START_TEST(store_check_good_db)
{
	struct store *st = open_init(db);
	char first[256] = "";
	int problems = -1;

	append_rows(st, 10, "{\"a\":1}");
	ck_assert_int_eq(store_check(st, first_problem, first, &problems), 0);
	ck_assert_int_eq(problems, 0);
	ck_assert_str_eq(first, "");
	store_close(st);
}
END_TEST

/*
 * store_check() of a new database after the SQL setup (run with foreign
 * keys off): how many problems, the first of them in first[256].
 */
static int
problems_after(const char *setup, char *first)
{
	struct store *st;
	int problems = -1;

	init_db(db);
	sql_exec(db, setup);
	st = open_init(db);
	*first = '\0';
	ck_assert_int_eq(store_check(st, first_problem, first, &problems), 0);
	store_close(st);
	return problems;
}

START_TEST(store_check_finds_derived_disagreement)
{
	static const char setup[] =
	    "INSERT INTO dialogs (id, object_id, object_type, created_at)"
	    " VALUES ('d1', 'o', 't', 10);"
	    "INSERT INTO participants (dialog_id, user_id, joined_at,"
	    " joined_as, read_messages) VALUES ('d1', 'u1', 1, 'creator', 0),"
	    " ('d1', 'u2', 1, 'participant', 1);"
	    "UPDATE dialogs SET participants_count = 3, user_messages = 0;";
	char first[256];

	ck_assert_int_eq(problems_after(setup, first), 2);
	ck_assert_str_eq(first, "derived data: dialog d1 counts 3 participants,"
	    " not 2");
}
END_TEST

START_TEST(store_check_finds_foreign_key_violation)
{
	/* foreign_keys is off on the setup's connection: the rows go in. */
	static const char setup[] =
	    "INSERT INTO messages (id, dialog_id, sender_id, content, sent_at,"
	    " message_type) VALUES ('m1', 'no-such-dialog', 'u1', 'orphan', 1,"
	    " 'user');"
	    "INSERT INTO participants (dialog_id, user_id, joined_at,"
	    " joined_as) VALUES ('gone', 'u1', 1, 'creator');";
	char first[256];

	ck_assert_int_eq(problems_after(setup, first), 2);
	ck_assert_ptr_nonnull(strstr(first, "foreign key"));
	ck_assert_ptr_nonnull(strstr(first, "dialogs"));
}
END_TEST

START_TEST(store_backup_refuses_existing_path)
{
	struct store *st = open_init(db);
	char err[STORE_ERR_LEN], dest[PATH_MAX], buf[64];

	tu_write_file(tu_path(dest, tu_dir, "backup.db"), "keep\n");
	ck_assert_int_eq(store_backup(st, dest, err, sizeof(err)),
	    MT_ECONFLICT);
	ck_assert_ptr_nonnull(strstr(err, "exists"));
	ck_assert_uint_eq(slurp(dest, buf, sizeof(buf)), 5);
	ck_assert(memcmp(buf, "keep\n", 5) == 0);
	/* Nor over the live database itself. */
	ck_assert_int_eq(store_backup(st, db, err, sizeof(err)), MT_ECONFLICT);
	store_close(st);
}
END_TEST

START_TEST(store_backup_to_missing_directory)
{
	struct store *st = open_init(db);
	char err[STORE_ERR_LEN] = "", dest[PATH_MAX];

	tu_path(dest, tu_dir, "nodir/backup.db");
	ck_assert_int_ne(store_backup(st, dest, err, sizeof(err)), 0);
	ck_assert_str_ne(err, "");
	store_close(st);
}
END_TEST

/* How many entries dir has, for "nothing else was left behind". */
static int
count_dir_entries(const char *dir)
{
	DIR *d = opendir(dir);
	struct dirent *de;
	int n = 0;

	ck_assert_ptr_nonnull(d);
	while ((de = readdir(d)) != NULL)
		if (strcmp(de->d_name, ".") != 0 &&
		    strcmp(de->d_name, "..") != 0)
			n++;
	closedir(d);
	return n;
}

START_TEST(store_backup_roundtrip)
{
	struct store *st = open_init(db), *b;
	struct store_opts o;
	struct store_stats s;
	char err[STORE_ERR_LEN], dest[PATH_MAX], bdir[PATH_MAX], mode[16];
	char first[256] = "";
	int problems = -1;

	append_rows(st, 50, "{\"x\":\"some body\"}");
	tu_path(bdir, tu_dir, "backups");
	ck_assert_int_eq(mkdir(bdir, 0700), 0);
	tu_path(dest, bdir, "copy.db");
	ck_assert_msg(store_backup(st, dest, err, sizeof(err)) == 0, "%s", err);
	store_close(st);
	/* Just the copy: no temporary file, no journal. */
	ck_assert_int_eq(count_dir_entries(bdir), 1);
	query_text(dest, "PRAGMA journal_mode", mode, sizeof(mode));
	ck_assert_str_eq(mode, "delete");
	o = opts(dest, false, false);
	ck_assert_msg(store_open(&b, &o, err, sizeof(err)) == 0, "%s", err);
	ck_assert_int_eq(store_stats(b, &s), 0);
	ck_assert_int_eq(s.changelog, 50);
	ck_assert_int_eq(store_check(b, first_problem, first, &problems), 0);
	ck_assert_msg(problems == 0, "%s", first);
	store_close(b);
}
END_TEST

/*
 * The writer of the backup test: transactions of TX_ROWS rows until the
 * pipe closes. Exit status 0 if every transaction committed.
 */
#define TX_ROWS	10

static int
backup_writer(const char *path, int ready_fd, int stop_fd)
{
	struct store_opts o = opts(path, false, false);
	struct changelog_row r = { .type = "test.event",
	    .body = "{\"text\":\"written while the backup runs\"}" };
	struct pollfd pfd = { .fd = stop_fd, .events = POLLIN };
	struct store *st;
	char err[STORE_ERR_LEN];
	int i, rc = 0, ntx = 0;

	o.sync_normal = true;
	o.busy_timeout_ms = 10000;
	if (store_open(&st, &o, err, sizeof(err)) != 0) {
		fprintf(stderr, "writer: %s\n", err);
		return 1;
	}
	while (rc == 0 && poll(&pfd, 1, 0) == 0) {
		if ((rc = store_begin(st)) != 0)
			break;
		for (i = 0; i < TX_ROWS && rc == 0; i++)
			rc = changelog_append(st, &r, NULL);
		if (rc == 0)
			rc = store_commit(st);
		else
			store_rollback(st);
		if (rc == 0 && ++ntx == 5)
			(void)write(ready_fd, "r", 1);	/* writing now */
	}
	store_close(st);
	if (rc != 0)
		fprintf(stderr, "writer: %s after %d transactions\n",
		    mt_strerror(rc), ntx);
	return rc != 0;
}

START_TEST(store_backup_while_writing)
{
	struct store *st, *b;
	struct store_opts o;
	struct store_stats s, s1, sb;
	char err[STORE_ERR_LEN], first[256], dest[PATH_MAX], big[2048], c;
	int ready[2], stop[2], status, problems = -1, pass;
	pid_t pid;

	/* A database of a few MB, so that the copy takes a while. */
	memset(big, 'x', sizeof(big) - 3);
	memcpy(big, "\"", 1);
	memcpy(big + sizeof(big) - 3, "\"", 2);
	st = open_init(db);
	append_rows(st, 2000, big);
	store_close(st);	/* no connection may cross the fork */

	ck_assert_int_eq(pipe(ready), 0);
	ck_assert_int_eq(pipe(stop), 0);
	pid = fork();
	ck_assert_int_ge(pid, 0);
	if (pid == 0) {
		close(ready[0]);
		close(stop[1]);
		_exit(backup_writer(db, ready[1], stop[0]));
	}
	close(ready[1]);
	close(stop[0]);
	ck_assert_int_eq(read(ready[0], &c, 1), 1);

	o = opts(db, false, false);
	ck_assert_int_eq(store_open(&st, &o, err, sizeof(err)), 0);
	for (pass = 0; pass < 3; pass++) {
		char name[32];

		snprintf(name, sizeof(name), "backup%d.db", pass);
		tu_path(dest, tu_dir, name);
		ck_assert_int_eq(store_stats(st, &s), 0);
		ck_assert_msg(store_backup(st, dest, err, sizeof(err)) == 0,
		    "%s", err);
		ck_assert_int_eq(store_stats(st, &s1), 0);

		o = opts(dest, false, false);
		ck_assert_msg(store_open(&b, &o, err, sizeof(err)) == 0,
		    "%s", err);
		first[0] = '\0';
		ck_assert_int_eq(store_check(b, first_problem, first,
		    &problems), 0);
		ck_assert_msg(problems == 0, "%s", first);
		ck_assert_int_eq(store_stats(b, &sb), 0);
		store_close(b);
		/*
		 * A snapshot: between the counts before and after, made of
		 * whole transactions, with no gap in seq.
		 */
		ck_assert_int_ge(sb.changelog, s.changelog);
		ck_assert_int_le(sb.changelog, s1.changelog);
		ck_assert_int_eq((sb.changelog - 2000) % TX_ROWS, 0);
		ck_assert_int_eq(sb.changelog_first, 1);
		ck_assert_int_eq(sb.changelog_last, sb.changelog);
	}
	/* The writer kept going during the copies. */
	ck_assert_int_gt(s1.changelog, 2000);
	store_close(st);
	close(stop[1]);	/* stop the writer */
	ck_assert_int_eq(waitpid(pid, &status, 0), pid);
	ck_assert_msg(WIFEXITED(status) && WEXITSTATUS(status) == 0,
	    "writer failed: status %d", status);
	close(ready[0]);
}
END_TEST

START_TEST(store_open_fault_injection)
{
	char path[PATH_MAX], name[32];
	struct store_opts o;
	struct store *st;
	char err[STORE_ERR_LEN];
	long n;
	int rc = -1, applied;

	for (n = 1; n < 200; n++) {
		snprintf(name, sizeof(name), "fault%ld.db", n);
		tu_path(path, tu_dir, name);
		o = opts(path, true, true);
		mem_fail_after(n);
		rc = store_open(&st, &o, err, sizeof(err));
		if (rc == 0) {
			rc = store_migrate(st, &applied, err, sizeof(err));
			if (rc == 0)
				rc = store_begin(st);
			if (rc == 0)
				rc = store_commit(st);
			mem_fail_after(0);
			store_close(st);
			if (rc == 0)
				break;
			continue;
		}
		mem_fail_after(0);
		ck_assert_ptr_null(st);
		ck_assert_msg(!any_db_file(path), "n=%ld: %s left", n, path);
	}
	ck_assert_int_eq(rc, 0);
	ck_assert_int_gt(n, 2);
	/* What a failed migration left is completed by the next one. */
	st = open_init(path);
	store_close(st);
}
END_TEST

static Suite *
store_suite(void)
{
	Suite *s = suite_create("store");
	TCase *open = tcase_create("open");
	TCase *tx = tcase_create("transactions");
	TCase *admin = tcase_create("admin");

	tcase_add_checked_fixture(open, setup, tu_teardown);
	tu_timeout(open, 30);
	tcase_add_test(open, store_opts_init_from_cfg);
	tcase_add_test(open, store_open_missing_without_create);
	tcase_add_test(open, store_open_empty_path);
	tcase_add_test(open, store_init_creates_and_migrates);
	tcase_add_test(open, store_migrate_twice_applies_nothing);
	tcase_add_test(open, store_migrate_concurrently);
	tcase_add_test(open, store_create_refused_without_allow_old);
	tcase_add_test(open, store_open_newer_schema_refused);
	tcase_add_test(open, store_open_older_schema_refused);
	tcase_add_test(open, store_migrate_fills_list_copies);
	tcase_add_test(open, store_open_not_sqlite_file);
	tcase_add_test(open, store_open_foreign_sqlite_refused);
	tcase_add_test(open, store_create_in_missing_directory);
	tcase_add_test(open, store_open_directory_refused);
	tcase_add_test(open, store_read_only_directory);
	tcase_add_test(open, store_wal_and_foreign_keys_on);
	tcase_add_test(open, store_open_fault_injection);
	suite_add_tcase(s, open);

	tcase_add_checked_fixture(tx, setup, tu_teardown);
	tcase_add_test(tx, store_begin_twice_fails);
	tcase_add_test(tx, store_rollback_without_tx_harmless);
	tcase_add_test(tx, store_commit_without_tx_fails);
	tcase_add_test(tx, store_step_walks_rows);
	tcase_add_test(tx, store_faults_fail_the_chosen_calls);
	tcase_add_test(tx, store_begin_busy_when_locked);
	tcase_add_test(tx, store_writers_take_the_lock_file);
	tcase_add_test(tx, store_batch_commits_members_together);
	tcase_add_test(tx, store_batch_misuse_refused);
	tcase_add_test(tx, store_rollback_without_memory_ends_tx);
	tcase_add_test(tx, store_commit_without_memory_rolls_back);
	suite_add_tcase(s, tx);

	tcase_add_checked_fixture(admin, setup, tu_teardown);
	tu_timeout(admin, 60);
	tcase_add_test(admin, store_stats_counts);
	tcase_add_test(admin, store_check_good_db);
	tcase_add_test(admin, store_check_finds_foreign_key_violation);
	tcase_add_test(admin, store_check_finds_derived_disagreement);
	tcase_add_test(admin, store_backup_refuses_existing_path);
	tcase_add_test(admin, store_backup_to_missing_directory);
	tcase_add_test(admin, store_backup_roundtrip);
	tcase_add_test(admin, store_backup_while_writing);
	suite_add_tcase(s, admin);
	return s;
}

int
main(void)
{
	json_init();
	log_init("test", 0, 0);
	return tu_run(store_suite());
}
