/*
 * store_admin.c — the statements behind the administrators' commands:
 * stats, integrity check and online backup (pg_dump on PostgreSQL).
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "err.h"
#include "log.h"
#include "mem.h"
#include "store_int.h"
#include "store_pg.h"

static const char SQL_STATS[] =
	"SELECT (SELECT count(*) FROM dialogs),"
	" (SELECT count(*) FROM messages),"
	" (SELECT count(*) FROM participants),"
	" (SELECT count(*) FROM changelog),"
	" (SELECT count(*) FROM presence),"
	" (SELECT coalesce(min(seq), 0) FROM changelog),"
	" (SELECT coalesce(max(seq), 0) FROM changelog)";

static const char SQL_PG_SIZE[] =
	"SELECT pg_database_size(current_database())";

static int64_t
file_size(const char *path, const char *suffix)
{
	char buf[4096];
	struct stat sb;

	if (snprintf(buf, sizeof(buf), "%s%s", path, suffix) >=
	    (int)sizeof(buf))
		return 0;
	return stat(buf, &sb) == 0 ? (int64_t)sb.st_size : 0;
}

int
store_stats(struct store *st, struct store_stats *out)
{
	struct dbstmt *s;
	int rc;

	memset(out, 0, sizeof(*out));
	if ((s = store_stmt(st, SQL_STATS)) == NULL)
		return MT_EIO;
	if ((rc = db_step(s)) != SQLITE_ROW) {
		rc = store_rc(st, rc, __func__);
		db_reset(s);
		return rc ? rc : MT_EIO;
	}
	out->dialogs = db_column_int64(s, 0);
	out->messages = db_column_int64(s, 1);
	out->participants = db_column_int64(s, 2);
	out->changelog = db_column_int64(s, 3);
	out->presence = db_column_int64(s, 4);
	out->changelog_first = db_column_int64(s, 5);
	out->changelog_last = db_column_int64(s, 6);
	db_reset(s);
	if (st->pg != NULL)
		return store_query_int64(st, SQL_PG_SIZE, &out->db_bytes);
	out->db_bytes = file_size(st->path, "") + file_size(st->path, "-wal");
	return 0;
}

/*
 * Counts kept beside what they count (sql/0002-counts.sql) that disagree,
 * and unread counts out of range: one row per problem, already worded.
 */
static const char SQL_DERIVED_CHECK[] =
	"SELECT 'dialog ' || d.id || ' counts ' || d.participants_count"
	" || ' participants, not ' || coalesce(n.c, 0) FROM dialogs d"
	" LEFT JOIN (SELECT dialog_id, count(*) AS c FROM participants"
	" GROUP BY dialog_id) n ON n.dialog_id = d.id"
	" WHERE d.participants_count <> coalesce(n.c, 0)"
	" UNION ALL"
	" SELECT 'dialog ' || d.id || ' counts ' || d.user_messages"
	" || ' user messages, not ' || coalesce(n.c, 0) FROM dialogs d"
	" LEFT JOIN (SELECT dialog_id, count(*) AS c FROM messages"
	" WHERE message_type = 'user' GROUP BY dialog_id) n"
	" ON n.dialog_id = d.id WHERE d.user_messages <> coalesce(n.c, 0)"
	" UNION ALL"
	" SELECT 'participant ' || p.user_id || ' of dialog ' || d.id"
	" || ' has unread count ' || (d.user_messages - p.read_messages)"
	" FROM participants p JOIN dialogs d ON d.id = p.dialog_id"
	" WHERE p.read_messages > d.user_messages OR p.read_messages < 0"
	" UNION ALL"
	" SELECT 'message ' || m.id || CASE WHEN m.has_attachments <> 0"
	" THEN ' is marked with attachments and has none'"
	" ELSE ' has attachments and is not marked' END FROM messages m"
	" WHERE (m.has_attachments <> 0) <> EXISTS (SELECT 1 FROM attachments"
	" a WHERE a.message_id = m.id)";

/* The checks of store_check(), in the order it runs them. */
enum check_kind { CHECK_PRAGMA, CHECK_FK, CHECK_DERIVED, NCHECKS };

static const char *const check_sql[NCHECKS] = {
	[CHECK_PRAGMA] = "PRAGMA integrity_check",
	[CHECK_FK] = "PRAGMA foreign_key_check",
	[CHECK_DERIVED] = SQL_DERIVED_CHECK,
};

/*
 * Runs a check; every row that is not "ok" is one problem (every row of
 * CHECK_FK and CHECK_DERIVED). PostgreSQL checks its pages and foreign
 * keys itself: only CHECK_DERIVED runs there.
 */
static int
run_check(struct store *st, enum check_kind kind,
    void (*cb)(const char *, void *), void *arg, int *problems)
{
	struct dbstmt *s;
	char line[512];
	int rc;

	if (st->pg != NULL && kind != CHECK_DERIVED)
		return 0;
	/* cached: the pragmas are prepared again by SQLite as they run */
	if ((s = store_stmt(st, check_sql[kind])) == NULL)
		return MT_EIO;
	while ((rc = store_step(st, s, __func__)) == 1) {
		const char *a = (const char *)db_column_text(s, 0);
		const char *c = (const char *)db_column_text(s, 2);

		if (kind == CHECK_FK)
			snprintf(line, sizeof(line), "foreign key: table %s "
			    "row %lld refers to a missing row of %s",
			    a ? a : "?", (long long)db_column_int64(s, 1),
			    c ? c : "?");
		else if (kind == CHECK_DERIVED)
			snprintf(line, sizeof(line), "derived data: %s",
			    a ? a : "?");
		else if (a != NULL && strcmp(a, "ok") == 0)
			continue;
		else
			snprintf(line, sizeof(line), "integrity: %s",
			    a ? a : "?");
		(*problems)++;
		cb(line, arg);
	}
	return rc;
}

int
store_check(struct store *st, void (*cb)(const char *line, void *arg),
    void *arg, int *problems)
{
	enum check_kind k;
	int rc;

	*problems = 0;
	for (k = 0; k < NCHECKS; k++)
		if ((rc = run_check(st, k, cb, arg, problems)) != 0)
			return rc;
	return 0;
}

/* Copies every page of st into the open database dst. */
static int
copy_pages(struct store *st, sqlite3 *dst, char *err, size_t errlen)
{
	sqlite3_backup *b;
	int rc;

	if ((b = sqlite3_backup_init(dst, "main", st->db, "main")) == NULL) {
		snprintf(err, errlen, "backup: %s", sqlite3_errmsg(dst));
		return MT_EIO;
	}
	/*
	 * All pages in one step: in WAL mode this reads one snapshot while
	 * writers go on, so the copy is consistent.
	 */
	while ((rc = sqlite3_backup_step(b, -1)) == SQLITE_BUSY ||
	    rc == SQLITE_LOCKED) {
		struct timespec ts = { 0, 20 * 1000 * 1000 };

		nanosleep(&ts, NULL);
	}
	sqlite3_backup_finish(b);
	if (rc != SQLITE_DONE) {
		snprintf(err, errlen, "backup: %s", sqlite3_errstr(rc));
		return MT_EIO;
	}
	return 0;
}

/* SQLite's online backup into the (empty) file tmp. */
static int
backup_sqlite(struct store *st, const char *tmp, char *err, size_t errlen)
{
	sqlite3 *dst = NULL;
	int rc;

	rc = sqlite3_open_v2(tmp, &dst, SQLITE_OPEN_READWRITE, NULL);
	if (rc != SQLITE_OK) {
		snprintf(err, errlen, "%s: %s", tmp, sqlite3_errstr(rc));
		rc = MT_EIO;
	} else
		rc = copy_pages(st, dst, err, errlen);
	if (rc == 0 && sqlite3_exec(dst, "PRAGMA journal_mode=DELETE", NULL,
	    NULL, NULL) != SQLITE_OK) {
		snprintf(err, errlen, "%s: %s", tmp, sqlite3_errmsg(dst));
		rc = MT_EIO;
	}
	sqlite3_close(dst);
	return rc;
}

/*
 * The copy goes to a temporary file beside dest, synced, then renamed: dest
 * appears whole or not at all. On PostgreSQL it is pg_dump's custom format
 * (docs/postgresql.md#backups).
 */
int
store_backup(struct store *st, const char *dest, char *err, size_t errlen)
{
	char tmp[4096];
	int fd, rc;

	if (access(dest, F_OK) == 0) {
		snprintf(err, errlen, "%s: already exists", dest);
		return MT_ECONFLICT;
	}
	if (snprintf(tmp, sizeof(tmp), "%s.tmp.XXXXXX", dest) >=
	    (int)sizeof(tmp)) {
		snprintf(err, errlen, "%s: path too long", dest);
		return MT_EINVAL;
	}
	if ((fd = mkstemp(tmp)) == -1) {
		snprintf(err, errlen, "%s: %s", dest, strerror(errno));
		return MT_EIO;
	}
	close(fd);
	if (st->pg != NULL)
		rc = store_pg_dump(st->pg, tmp, err, errlen);
	else
		rc = backup_sqlite(st, tmp, err, errlen);
	if (rc == 0 && (fd = open(tmp, O_RDONLY)) != -1) {
		if (fsync(fd) != 0) {
			snprintf(err, errlen, "%s: %s", tmp, strerror(errno));
			rc = MT_EIO;
		}
		close(fd);
	}
	if (rc == 0 && rename(tmp, dest) != 0) {
		snprintf(err, errlen, "%s: %s", dest, strerror(errno));
		rc = MT_EIO;
	}
	if (rc != 0)
		unlink(tmp);
	return rc;
}
