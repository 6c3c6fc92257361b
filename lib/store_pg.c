/*
 * store_pg.c — the PostgreSQL store's connection (store_pg.h,
 * docs/postgresql.md): connect (and again after a break), run a statement
 * with bound parameters, map SQLSTATEs to MT_E* codes, transactions, and
 * the migrations of sql/pg/ compiled in by tools/embed-sql.sh.
 * SPDX-License-Identifier: MIT
 */
#include <errno.h>
#include <sqlite3.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "err.h"
#include "log.h"
#include "mem.h"
#include "migrate.h"
#include "store_pg.h"
#include "store_pg_int.h"
#include "tm.h"

/* Generated from sql/pg/ (build/gen/pg_migrations.c). */
extern const struct migration pg_migrations[];
extern const int pg_migrations_count;

/*
 * Serialises concurrent store_pg_migrate() runs: the bytes of 'mtchatMG'.
 * (The change-log's own lock, 'mtchatCL', lives in sql/pg/.)
 */
#define PG_MIGRATE_LOCK	"7887038147395341639"

static const char SQL_LOCK[] = "SELECT pg_advisory_lock($1)";
static const char SQL_UNLOCK[] = "SELECT pg_advisory_unlock($1)";
static const char SQL_HAS_VERSION[] =
	"SELECT to_regclass('schema_version') IS NOT NULL";
static const char SQL_VERSION[] =
	"SELECT coalesce(max(version), 0) FROM schema_version";
static const char SQL_SET_VERSION[] =
	"INSERT INTO schema_version (version, name, applied_at)"
	" VALUES ($1, $2, $3)";

/* SQLSTATEs (or their two-letter classes) that are not MT_EIO. */
static const struct {
	const char	*state;
	int		 code;
} pg_states[] = {
	{ "40001", MT_EBUSY },		/* serialization_failure */
	{ "40P01", MT_EBUSY },		/* deadlock_detected */
	{ "55P03", MT_EBUSY },		/* lock_not_available: lock_timeout */
	{ "57014", MT_EBUSY },		/* query_canceled: statement_timeout */
	{ "53300", MT_EBUSY },		/* too_many_connections */
	{ "53100", MT_EFULL },		/* disk_full */
	{ "53200", MT_ENOMEM },		/* out_of_memory */
	{ "23", MT_ECONFLICT },		/* integrity_constraint_violation */
};

/* Copies the first line of msg into err. */
static void
first_line(char *err, size_t errlen, const char *what, const char *msg)
{
	if (errlen > 0)
		snprintf(err, errlen, "%s: %.*s", what, (int)strcspn(msg, "\n"),
		    msg);
}

/* PostgreSQL's notices ("... already exists, skipping") are debug lines. */
static void
on_notice(void *arg, const char *msg)
{
	(void)arg;
	log_debug("postgresql: %.*s", (int)strcspn(msg, "\n"), msg);
}

/* mtchat's text is UTF-8: the database must store it as such. */
static int
check_encoding(struct store_pg *pg, char *err, size_t errlen)
{
	const char *enc = PQparameterStatus(pg->conn, "server_encoding");

	if (enc == NULL || strcmp(enc, "UTF8") != 0) {
		snprintf(err, errlen, "the database's encoding is %s, not UTF8"
		    " (CREATE DATABASE ... ENCODING 'UTF8')",
		    enc != NULL ? enc : "unknown");
		return MT_EINVAL;
	}
	if (PQsetClientEncoding(pg->conn, "UTF8") != 0) {
		first_line(err, errlen, "client_encoding",
		    PQerrorMessage(pg->conn));
		return MT_EIO;
	}
	return 0;
}

int
store_pg_open(struct store_pg **pp, const char *url, char *err,
    size_t errlen)
{
	struct store_pg *pg;
	int rc;

	*pp = NULL;
	if (url == NULL || *url == '\0') {
		snprintf(err, errlen, "no PostgreSQL connection string");
		return MT_EINVAL;
	}
	if ((pg = mt_calloc(1, sizeof(*pg))) == NULL ||
	    (pg->url = mt_strdup(url)) == NULL) {
		mt_free(pg);
		snprintf(err, errlen, "out of memory");
		return MT_ENOMEM;
	}
	pg->gen = 1;
	if ((pg->conn = PQconnectdb(url)) == NULL) {
		snprintf(err, errlen, "out of memory");
		rc = MT_ENOMEM;
		goto fail;
	}
	if (PQstatus(pg->conn) != CONNECTION_OK) {
		first_line(err, errlen, "postgresql", PQerrorMessage(pg->conn));
		rc = MT_EIO;
		goto fail;
	}
	PQsetNoticeProcessor(pg->conn, on_notice, NULL);
	if ((rc = check_encoding(pg, err, errlen)) != 0)
		goto fail;
	*pp = pg;
	return 0;
fail:
	store_pg_close(pg);
	return rc;
}

char *
store_pg_describe(const struct store_pg *pg)
{
	const char *host = PQhost(pg->conn), *port = PQport(pg->conn);
	char buf[512];

	snprintf(buf, sizeof(buf), "postgresql://%s%s%s/%s",
	    host != NULL && *host != '/' ? host : "",
	    port != NULL && *port != '\0' ? ":" : "", port ? port : "",
	    PQdb(pg->conn) ? PQdb(pg->conn) : "");
	return mt_strdup(buf);
}

void
store_pg_close(struct store_pg *pg)
{
	if (pg == NULL)
		return;
	if (pg->conn != NULL)
		PQfinish(pg->conn);
	mt_free(pg->url);
	mt_free(pg);
}

int
store_pg_set_lock_timeout(struct store_pg *pg, long ms)
{
	char v[24];
	const char *args[] = { v };

	pg->lock_timeout_ms = ms;
	snprintf(v, sizeof(v), "%ld", ms > 0 ? ms : 0);
	return store_pg_exec(pg, "SELECT set_config('lock_timeout', $1, false)",
	    1, args, NULL, __func__);
}

void
store_pg_note_tx(struct store_pg *pg)
{
	PGTransactionStatusType t = PQtransactionStatus(pg->conn);

	if (t != PQTRANS_UNKNOWN)
		pg->tx_open = t != PQTRANS_IDLE;
}

int
store_pg_ready(struct store_pg *pg)
{
	if (PQstatus(pg->conn) == CONNECTION_OK)
		return SQLITE_OK;
	if (pg->tx_open)
		return SQLITE_IOERR;	/* until the caller rolls back */
	PQreset(pg->conn);
	if (PQstatus(pg->conn) != CONNECTION_OK) {
		snprintf(pg->errmsg, sizeof(pg->errmsg), "%.*s",
		    (int)strcspn(PQerrorMessage(pg->conn), "\n"),
		    PQerrorMessage(pg->conn));
		return SQLITE_IOERR;
	}
	log_info("postgresql: connected again");
	pg->gen++;
	PQsetNoticeProcessor(pg->conn, on_notice, NULL);
	if (PQsetClientEncoding(pg->conn, "UTF8") != 0 ||
	    (pg->lock_timeout_ms > 0 &&
	    store_pg_set_lock_timeout(pg, pg->lock_timeout_ms) != 0))
		return SQLITE_IOERR;
	return SQLITE_OK;
}

int
store_pg_rc(const struct store_pg *pg, const PGresult *res)
{
	const char *state;
	size_t i;

	if (res == NULL)
		return PQstatus(pg->conn) == CONNECTION_OK ? MT_ENOMEM : MT_EIO;
	if ((state = PQresultErrorField(res, PG_DIAG_SQLSTATE)) == NULL)
		return MT_EIO;		/* libpq's own: the connection broke */
	for (i = 0; i < sizeof(pg_states) / sizeof(pg_states[0]); i++)
		if (strncmp(state, pg_states[i].state,
		    strlen(pg_states[i].state)) == 0)
			return pg_states[i].code;
	return MT_EIO;
}

int
store_pg_exec(struct store_pg *pg, const char *sql, int n,
    const char *const *params, PGresult **res, const char *func)
{
	PGresult *r;
	ExecStatusType st;
	const char *msg;
	int rc;

	if (res != NULL)
		*res = NULL;
	r = PQexecParams(pg->conn, sql, n, NULL, params, NULL, NULL, 0);
	st = PQresultStatus(r);
	store_pg_note_tx(pg);
	if (r != NULL && (st == PGRES_COMMAND_OK || st == PGRES_TUPLES_OK)) {
		if (res != NULL)
			*res = r;
		else
			PQclear(r);
		return 0;
	}
	rc = store_pg_rc(pg, r);
	msg = r != NULL ? PQresultErrorMessage(r) : PQerrorMessage(pg->conn);
	log_warnx("%s: %.*s", func, (int)strcspn(msg, "\n"), msg);
	PQclear(r);
	return rc;
}

int
store_pg_int64(const PGresult *res, int row, int col, int64_t *v)
{
	const char *s;
	char *end;
	long long n;

	if (row >= PQntuples(res) || col >= PQnfields(res) ||
	    PQgetisnull(res, row, col))
		return MT_EIO;
	s = PQgetvalue(res, row, col);
	errno = 0;
	n = strtoll(s, &end, 10);
	if (errno != 0 || end == s || *end != '\0')
		return MT_EIO;
	*v = n;
	return 0;
}

/* Runs one statement without parameters and keeps no result. */
static int
exec_plain(struct store_pg *pg, const char *sql, const char *func)
{
	return store_pg_exec(pg, sql, 0, NULL, NULL, func);
}

int
store_pg_begin(struct store_pg *pg)
{
	if (store_pg_in_tx(pg)) {
		log_warnx("%s: nested transaction", __func__);
		return MT_EIO;
	}
	return exec_plain(pg, "BEGIN", __func__);
}

int
store_pg_commit(struct store_pg *pg)
{
	PGresult *res;
	int rc;

	if ((rc = store_pg_exec(pg, "COMMIT", 0, NULL, &res, __func__)) != 0)
		return rc;
	/* COMMIT of a transaction that already failed answers ROLLBACK */
	if (strcmp(PQcmdStatus(res), "COMMIT") != 0) {
		log_warnx("%s: the transaction had failed and rolled back",
		    __func__);
		rc = MT_EIO;
	}
	PQclear(res);
	return rc;
}

void
store_pg_rollback(struct store_pg *pg)
{
	if (store_pg_in_tx(pg))
		(void)exec_plain(pg, "ROLLBACK", __func__);
	pg->tx_open = false;	/* a broken one is gone too */
}

bool
store_pg_in_tx(const struct store_pg *pg)
{
	PGTransactionStatusType t = PQtransactionStatus(pg->conn);

	return t == PQTRANS_INTRANS || t == PQTRANS_INERROR;
}

int
store_pg_socket(const struct store_pg *pg)
{
	return PQsocket(pg->conn);
}

int
store_pg_code_version(void)
{
	return pg_migrations_count > 0 ?
	    pg_migrations[pg_migrations_count - 1].version : 0;
}

int
store_pg_schema_version(struct store_pg *pg, int *version)
{
	PGresult *res;
	int64_t v = 0;
	bool has_table;
	int rc;

	*version = 0;
	if ((rc = store_pg_exec(pg, SQL_HAS_VERSION, 0, NULL, &res,
	    __func__)) != 0)
		return rc;
	has_table = PQntuples(res) == 1 &&
	    strcmp(PQgetvalue(res, 0, 0), "t") == 0;
	PQclear(res);
	if (!has_table)
		return 0;	/* before sql/pg/0001 */
	if ((rc = store_pg_exec(pg, SQL_VERSION, 0, NULL, &res,
	    __func__)) != 0)
		return rc;
	rc = store_pg_int64(res, 0, 0, &v);
	PQclear(res);
	if (rc == 0)
		*version = (int)v;
	return rc;
}

/* Runs a migration's script: several statements, no parameters. */
static int
run_script(struct store_pg *pg, const struct migration *m, char *err,
    size_t errlen)
{
	PGresult *res;
	int rc = 0;

	res = PQexec(pg->conn, m->sql);
	if (PQresultStatus(res) != PGRES_COMMAND_OK &&
	    PQresultStatus(res) != PGRES_TUPLES_OK) {
		rc = store_pg_rc(pg, res);
		first_line(err, errlen, m->name, res != NULL ?
		    PQresultErrorMessage(res) : PQerrorMessage(pg->conn));
	}
	PQclear(res);
	return rc;
}

/* Applies m in one transaction: 0 or an MT_E* code. */
static int
apply_one(struct store_pg *pg, const struct migration *m, char *err,
    size_t errlen)
{
	char ver[16], now[24];
	const char *args[] = { ver, m->name, now };
	int rc;

	snprintf(ver, sizeof(ver), "%d", m->version);
	snprintf(now, sizeof(now), "%" PRId64, tm_now_us());
	if ((rc = store_pg_begin(pg)) != 0 ||
	    (rc = run_script(pg, m, err, errlen)) != 0 ||
	    (rc = store_pg_exec(pg, SQL_SET_VERSION, 3, args, NULL,
	    __func__)) != 0 || (rc = store_pg_commit(pg)) != 0) {
		store_pg_rollback(pg);
		if (errlen > 0 && *err == '\0')
			snprintf(err, errlen, "%s: %s", m->name,
			    mt_strerror(rc));
	}
	return rc;
}

/* Applies what the database lacks; the caller holds the migrate lock. */
static int
migrate_locked(struct store_pg *pg, int *applied, char *err, size_t errlen)
{
	int i, v, rc;

	if ((rc = store_pg_schema_version(pg, &v)) != 0) {
		snprintf(err, errlen, "schema version: %s", mt_strerror(rc));
		return rc;
	}
	if (v > store_pg_code_version()) {
		snprintf(err, errlen, "the database's schema (%d) is newer than"
		    " this program's (%d)", v, store_pg_code_version());
		return MT_ESCHEMA;
	}
	for (i = 0; i < pg_migrations_count; i++) {
		if (pg_migrations[i].version <= v)
			continue;
		if ((rc = apply_one(pg, &pg_migrations[i], err, errlen)) != 0)
			return rc;
		(*applied)++;
	}
	return 0;
}

/*
 * The lock is a session's, taken before the transactions that read the
 * version: a transaction that waited for a transaction-scoped lock would
 * still look tables up in the catalog as it was when it began, and miss
 * what the migration it waited for created.
 */
int
store_pg_migrate(struct store_pg *pg, int *applied, char *err,
    size_t errlen)
{
	const char *key[] = { PG_MIGRATE_LOCK };
	int rc;

	*applied = 0;
	if (errlen > 0)
		*err = '\0';
	if (store_pg_in_tx(pg)) {
		snprintf(err, errlen, "migrate inside a transaction");
		return MT_EIO;
	}
	if ((rc = store_pg_exec(pg, SQL_LOCK, 1, key, NULL, __func__)) != 0) {
		snprintf(err, errlen, "migrate lock: %s", mt_strerror(rc));
		return rc;
	}
	rc = migrate_locked(pg, applied, err, errlen);
	(void)store_pg_exec(pg, SQL_UNLOCK, 1, key, NULL, __func__);
	return rc;
}
