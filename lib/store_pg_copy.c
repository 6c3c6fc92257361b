/*
 * store_pg_copy.c — `mtchat-admin migrate-to-postgres` (store_copy.h,
 * docs/postgresql.md#moving-from-sqlite): reads every table of a SQLite
 * store and writes it into an empty PostgreSQL one, in batched INSERTs with
 * bound parameters, all in one transaction, then moves the sequences past
 * what was copied.
 *
 * The columns are those SQLite has (pragma_table_info), so a column added
 * by a later migration of both schemas is copied without a change here; a
 * table the copy does not know is refused, never left behind. Presence is
 * not copied: it says who is connected to this host's bridges right now.
 */
#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "buf.h"
#include "err.h"
#include "mem.h"
#include "store_copy.h"
#include "store_int.h"
#include "store_pg_int.h"

/* A column read otherwise than as it is. */
struct col_expr {
	const char	*col;
	const char	*expr;		/* SQLite's expression for it */
};

struct copy_table {
	const char	*name;
	const char	*order;		/* ORDER BY of the read, or NULL */
	const struct col_expr *exprs;	/* NULL-terminated, or NULL */
};

/*
 * dialogs.participants_count is kept by the trigger on participants, which
 * adds one per row copied: the count starts at minus SQLite's, so that
 * after the copy a dialog whose count was right holds 0 (then the count is
 * set from the rows, fix_counts()).
 */
static const struct col_expr dialog_exprs[] = {
	{ "participants_count", "-participants_count" },
	{ NULL, NULL }
};

/*
 * messages.reply_to_id refers to a message, checked at once: the messages
 * are inserted in id order, each with its reply only when that message
 * came before it; fix_replies() sets the others afterwards.
 */
static const struct col_expr message_exprs[] = {
	{ "reply_to_id", "CASE WHEN reply_to_id < id THEN reply_to_id END" },
	{ NULL, NULL }
};

/* In an order that inserts every row after those it refers to. */
static const struct copy_table tables[] = {
	{ "dialogs", "id", dialog_exprs },
	{ "messages", "id", message_exprs },
	{ "participants", NULL, NULL },
	{ "access_scopes", NULL, NULL },
	{ "access_scope_values", NULL, NULL },
	{ "message_edits", NULL, NULL },
	{ "uploads", NULL, NULL },
	{ "attachments", NULL, NULL },
	{ "changelog", "seq", NULL },
	{ "memberships", NULL, NULL },
	{ "deleted_messages", NULL, NULL },
	{ "send_keys", NULL, NULL },
	{ "cursors", NULL, NULL },
	{ "meta", NULL, NULL },
	{ "hook_outbox", "id", NULL },
	{ "hook_notify", NULL, NULL },
	{ "hook_dead", NULL, NULL },
	{ NULL, NULL, NULL }
};

/*
 * SQLite's tables that are not copied: presence (ephemeral), the schema
 * version (PostgreSQL has its own, sql/pg/) and SQLite's own.
 */
static const char *const skipped[] = {
	"presence", "schema_version", "sqlite_sequence", "sqlite_stat1",
	"sqlite_stat4", NULL
};

#define MAX_COLS	32
#define BATCH_PARAMS	2000	/* values per INSERT (PostgreSQL: 65535) */

struct copier {
	sqlite3		*lite;
	struct store_pg	*pg;
	char		*err;
	size_t		 errlen;
};

/* One table on its way. */
struct tcopy {
	const struct copy_table *t;
	char		*cols[MAX_COLS];
	int		 ncols;
	char		*vals[BATCH_PARAMS];	/* the batch's rows, NULL: NULL */
	int		 nrows;
	int64_t		 rows;			/* copied so far */
};

static const char SQL_TABLES[] =
	"SELECT name FROM sqlite_master WHERE type = 'table' ORDER BY name";
static const char SQL_COLUMNS[] =
	"SELECT name FROM pragma_table_info(?1) ORDER BY cid";
static const char SQL_LITE_HEAD[] =
	"SELECT coalesce((SELECT seq FROM sqlite_sequence"
	" WHERE name = 'changelog'), 0),"
	" coalesce((SELECT max(seq) FROM changelog), 0),"
	" coalesce((SELECT CAST(value AS INTEGER) FROM meta"
	" WHERE key = 'pruned_through'), 0)";
static const char SQL_LATE_REPLIES[] =
	"SELECT id, reply_to_id FROM messages WHERE reply_to_id >= id";
static const char SQL_PG_NOT_EMPTY[] =
	"SELECT CAST(EXISTS (SELECT 1 FROM dialogs) OR EXISTS (SELECT 1 FROM"
	" messages) OR EXISTS (SELECT 1 FROM changelog) AS integer)";
static const char SQL_PG_SET_REPLY[] =
	"UPDATE messages SET reply_to_id = $2 WHERE id = $1";
static const char SQL_PG_MISCOUNTED[] =
	"SELECT count(*) FROM dialogs WHERE participants_count <> 0";
static const char SQL_PG_RECOUNT[] =
	"UPDATE dialogs d SET participants_count = (SELECT count(*)"
	" FROM participants p WHERE p.dialog_id = d.id)";
/*
 * Never backwards: a sequence is not rolled back with the transaction, so
 * a failed copy tried again may find it moved already.
 */
static const char SQL_PG_SET_HEAD[] =
	"SELECT setval('changelog_seq', greatest($1::bigint, (SELECT CASE"
	" WHEN is_called THEN last_value ELSE 0 END FROM changelog_seq)))";
static const char SQL_PG_SET_OUTBOX[] =
	"SELECT setval(pg_get_serial_sequence('hook_outbox', 'id'), max(id))"
	" FROM hook_outbox HAVING max(id) IS NOT NULL";

/* err = "what: the connection's last error, first line". */
static int
pg_failed(struct copier *c, const char *what, int rc)
{
	const char *msg = PQerrorMessage(c->pg->conn);

	snprintf(c->err, c->errlen, "%s: %.*s", what, (int)strcspn(msg, "\n"),
	    msg);
	return rc;
}

static int
lite_failed(struct copier *c, const char *what)
{
	snprintf(c->err, c->errlen, "%s: %s", what, sqlite3_errmsg(c->lite));
	return MT_EIO;
}

static bool
listed(const char *name, const char *const *names)
{
	for (; *names != NULL; names++)
		if (strcmp(*names, name) == 0)
			return true;
	return false;
}

static bool
known_table(const char *name)
{
	const struct copy_table *t;

	for (t = tables; t->name != NULL; t++)
		if (strcmp(t->name, name) == 0)
			return true;
	return listed(name, skipped);
}

/* Refuses a SQLite table that is neither copied nor skipped on purpose. */
static int
check_tables(struct copier *c)
{
	sqlite3_stmt *s;
	int rc;

	if (sqlite3_prepare_v2(c->lite, SQL_TABLES, -1, &s, NULL) != SQLITE_OK)
		return lite_failed(c, "reading the tables");
	while ((rc = sqlite3_step(s)) == SQLITE_ROW) {
		const char *name = (const char *)sqlite3_column_text(s, 0);

		if (name != NULL && !known_table(name)) {
			snprintf(c->err, c->errlen, "table %s: not known to "
			    "this copy (is mtchat-admin older than the "
			    "database?)", name);
			sqlite3_finalize(s);
			return MT_EINVAL;
		}
	}
	sqlite3_finalize(s);
	return rc == SQLITE_DONE ? 0 : lite_failed(c, "reading the tables");
}

/* A name that needs no quoting in either database. */
static bool
plain_name(const char *s)
{
	if (*s == '\0')
		return false;
	for (; *s != '\0'; s++)
		if (!((*s >= 'a' && *s <= 'z') || (*s >= '0' && *s <= '9') ||
		    *s == '_'))
			return false;
	return true;
}

/* tc->cols: the table's columns as SQLite has them. */
static int
read_columns(struct copier *c, struct tcopy *tc)
{
	sqlite3_stmt *s;
	int rc;

	if (sqlite3_prepare_v2(c->lite, SQL_COLUMNS, -1, &s, NULL) != SQLITE_OK)
		return lite_failed(c, tc->t->name);
	sqlite3_bind_text(s, 1, tc->t->name, -1, SQLITE_STATIC);
	while ((rc = sqlite3_step(s)) == SQLITE_ROW) {
		const char *name = (const char *)sqlite3_column_text(s, 0);

		if (name == NULL || !plain_name(name) || tc->ncols == MAX_COLS) {
			snprintf(c->err, c->errlen, "table %s: unexpected "
			    "column %s", tc->t->name, name ? name : "(null)");
			sqlite3_finalize(s);
			return MT_EINVAL;
		}
		if ((tc->cols[tc->ncols] = mt_strdup(name)) == NULL) {
			sqlite3_finalize(s);
			snprintf(c->err, c->errlen, "out of memory");
			return MT_ENOMEM;
		}
		tc->ncols++;
	}
	sqlite3_finalize(s);
	if (rc != SQLITE_DONE)
		return lite_failed(c, tc->t->name);
	if (tc->ncols == 0) {
		snprintf(c->err, c->errlen, "table %s: missing in the SQLite "
		    "database", tc->t->name);
		return MT_EINVAL;
	}
	return 0;
}

static const char *
col_expr(const struct copy_table *t, const char *col)
{
	const struct col_expr *e;

	for (e = t->exprs; e != NULL && e->col != NULL; e++)
		if (strcmp(e->col, col) == 0)
			return e->expr;
	return col;
}

/* SELECT of the table's columns (new string, NULL out of memory). */
static char *
select_sql(const struct tcopy *tc)
{
	struct buf b = BUF_INIT;
	size_t len;
	int i;

	buf_addstr(&b, "SELECT ");
	for (i = 0; i < tc->ncols; i++) {
		if (i > 0)
			buf_addstr(&b, ", ");
		buf_addstr(&b, col_expr(tc->t, tc->cols[i]));
	}
	buf_addstr(&b, " FROM ");
	buf_addstr(&b, tc->t->name);
	if (tc->t->order != NULL) {
		buf_addstr(&b, " ORDER BY ");
		buf_addstr(&b, tc->t->order);
	}
	return buf_take(&b, &len);
}

/* INSERT of nrows rows of the table's columns (new string, or NULL). */
static char *
insert_sql(const struct tcopy *tc, int nrows)
{
	struct buf b = BUF_INIT;
	char num[16];
	size_t len;
	int i, r, n = 0;

	buf_addstr(&b, "INSERT INTO ");
	buf_addstr(&b, tc->t->name);
	buf_addstr(&b, " (");
	for (i = 0; i < tc->ncols; i++) {
		buf_addstr(&b, i > 0 ? ", \"" : "\"");
		buf_addstr(&b, tc->cols[i]);
		buf_addstr(&b, "\"");
	}
	buf_addstr(&b, ") VALUES ");
	for (r = 0; r < nrows; r++) {
		buf_addstr(&b, r > 0 ? ", (" : "(");
		for (i = 0; i < tc->ncols; i++) {
			snprintf(num, sizeof(num), "%s$%d", i > 0 ? ", " : "",
			    ++n);
			buf_addstr(&b, num);
		}
		buf_addstr(&b, ")");
	}
	return buf_take(&b, &len);
}

static void
free_batch(struct tcopy *tc)
{
	int i;

	for (i = 0; i < tc->nrows * tc->ncols; i++) {
		mt_free(tc->vals[i]);
		tc->vals[i] = NULL;
	}
	tc->nrows = 0;
}

/* Writes the batch's rows into PostgreSQL. */
static int
flush(struct copier *c, struct tcopy *tc)
{
	char *sql;
	int rc;

	if (tc->nrows == 0)
		return 0;
	if ((sql = insert_sql(tc, tc->nrows)) == NULL) {
		snprintf(c->err, c->errlen, "out of memory");
		free_batch(tc);
		return MT_ENOMEM;
	}
	rc = store_pg_exec(c->pg, sql, tc->nrows * tc->ncols,
	    (const char *const *)tc->vals, NULL, __func__);
	mt_free(sql);
	if (rc != 0)
		rc = pg_failed(c, tc->t->name, rc);
	else
		tc->rows += tc->nrows;
	free_batch(tc);
	return rc;
}

/* Copies column i of the row s is on into *v (NULL for SQL NULL). */
static int
take_value(struct copier *c, struct tcopy *tc, sqlite3_stmt *s, int i,
    char **v)
{
	const char *text;

	if (sqlite3_column_type(s, i) == SQLITE_NULL)
		return 0;
	if ((text = (const char *)sqlite3_column_text(s, i)) == NULL ||
	    (*v = mt_strdup(text)) == NULL) {
		snprintf(c->err, c->errlen, "out of memory");
		return MT_ENOMEM;
	}
	if ((int)strlen(text) != sqlite3_column_bytes(s, i)) {
		snprintf(c->err, c->errlen, "table %s, column %s: a value "
		    "holds a NUL byte, which PostgreSQL cannot store",
		    tc->t->name, tc->cols[i]);
		return MT_EINVAL;
	}
	return 0;
}

/* Adds the row s is on to the batch. */
static int
take_row(struct copier *c, struct tcopy *tc, sqlite3_stmt *s)
{
	char **v = tc->vals + tc->nrows * tc->ncols;
	int i, rc;

	for (i = 0; i < tc->ncols; i++)
		if ((rc = take_value(c, tc, s, i, &v[i])) != 0) {
			for (; i >= 0; i--) {	/* not in the batch yet */
				mt_free(v[i]);
				v[i] = NULL;
			}
			return rc;
		}
	tc->nrows++;
	return 0;
}

/* Reads every row of the table from SQLite and writes it in batches. */
static int
copy_rows(struct copier *c, struct tcopy *tc)
{
	sqlite3_stmt *s = NULL;
	char *sql;
	int step, rc = 0, per_batch = BATCH_PARAMS / tc->ncols;

	if ((sql = select_sql(tc)) == NULL) {
		snprintf(c->err, c->errlen, "out of memory");
		return MT_ENOMEM;
	}
	step = sqlite3_prepare_v2(c->lite, sql, -1, &s, NULL);
	mt_free(sql);
	if (step != SQLITE_OK)
		return lite_failed(c, tc->t->name);
	while ((step = sqlite3_step(s)) == SQLITE_ROW) {
		if ((rc = take_row(c, tc, s)) != 0 ||
		    (tc->nrows == per_batch && (rc = flush(c, tc)) != 0))
			break;
	}
	if (rc == 0 && step == SQLITE_DONE)
		rc = flush(c, tc);
	else if (rc == 0)
		rc = lite_failed(c, tc->t->name);
	free_batch(tc);
	sqlite3_finalize(s);
	return rc;
}

static int
copy_table(struct copier *c, const struct copy_table *t,
    struct store_copy_report *rep)
{
	struct tcopy *tc;
	int i, rc;

	if ((tc = mt_calloc(1, sizeof(*tc))) == NULL) {
		snprintf(c->err, c->errlen, "out of memory");
		return MT_ENOMEM;
	}
	tc->t = t;
	if ((rc = read_columns(c, tc)) == 0)
		rc = copy_rows(c, tc);
	if (rc == 0 && rep->table != NULL)
		rep->table(t->name, tc->rows, rep->arg);
	for (i = 0; i < tc->ncols; i++)
		mt_free(tc->cols[i]);
	mt_free(tc);
	return rc;
}

/* One bigint (or integer) of a PostgreSQL query with n text parameters. */
static int
query_int64(struct copier *c, const char *sql, int n, const char *const *params,
    int64_t *v, const char *what)
{
	PGresult *res;
	int rc;

	*v = 0;
	if ((rc = store_pg_exec(c->pg, sql, n, params, &res, __func__)) != 0)
		return pg_failed(c, what, rc);
	if (PQntuples(res) > 0 && (rc = store_pg_int64(res, 0, 0, v)) != 0)
		snprintf(c->err, c->errlen, "%s: not an integer", what);
	PQclear(res);
	return rc;
}

/* SQLite's change-log head (its sqlite_sequence: above max(seq) after a
 * prune of the newest rows) and pruned mark. */
static int
read_head(struct copier *c, struct store_copy_report *rep)
{
	sqlite3_stmt *s;
	int64_t top;

	if (sqlite3_prepare_v2(c->lite, SQL_LITE_HEAD, -1, &s, NULL) !=
	    SQLITE_OK)
		return lite_failed(c, "the change-log head");
	if (sqlite3_step(s) != SQLITE_ROW) {
		sqlite3_finalize(s);
		return lite_failed(c, "the change-log head");
	}
	rep->head = sqlite3_column_int64(s, 0);
	top = sqlite3_column_int64(s, 1);
	rep->pruned = sqlite3_column_int64(s, 2);
	sqlite3_finalize(s);
	if (top > rep->head)
		rep->head = top;
	return 0;
}

static int
check_empty(struct copier *c)
{
	int64_t v;
	int rc;

	if ((rc = query_int64(c, SQL_PG_NOT_EMPTY, 0, NULL, &v,
	    "looking at the PostgreSQL database")) != 0)
		return rc;
	if (v != 0) {
		snprintf(c->err, c->errlen, "the PostgreSQL database already "
		    "holds mtchat data (dialogs, messages or change-log rows); "
		    "the copy goes into an empty one only");
		return MT_ECONFLICT;
	}
	return 0;
}

/* The replies to messages that came later in id order (message_exprs). */
static int
fix_replies(struct copier *c)
{
	sqlite3_stmt *s;
	const char *p[2];
	int step, rc = 0;

	if (sqlite3_prepare_v2(c->lite, SQL_LATE_REPLIES, -1, &s, NULL) !=
	    SQLITE_OK)
		return lite_failed(c, "messages' replies");
	while (rc == 0 && (step = sqlite3_step(s)) == SQLITE_ROW) {
		p[0] = (const char *)sqlite3_column_text(s, 0);
		p[1] = (const char *)sqlite3_column_text(s, 1);
		if ((rc = store_pg_exec(c->pg, SQL_PG_SET_REPLY, 2, p, NULL,
		    __func__)) != 0)
			rc = pg_failed(c, "messages' replies", rc);
	}
	if (rc == 0 && step != SQLITE_DONE)
		rc = lite_failed(c, "messages' replies");
	sqlite3_finalize(s);
	return rc;
}

/*
 * Counts the dialogs whose SQLite participants_count was not the number of
 * their participants (dialog_exprs), then sets every count from the rows.
 */
static int
fix_counts(struct copier *c, struct store_copy_report *rep)
{
	int rc;

	if ((rc = query_int64(c, SQL_PG_MISCOUNTED, 0, NULL, &rep->recounted,
	    "participant counts")) != 0)
		return rc;
	if ((rc = store_pg_exec(c->pg, SQL_PG_RECOUNT, 0, NULL, NULL,
	    __func__)) != 0)
		return pg_failed(c, "participant counts", rc);
	return 0;
}

/* changelog_seq to SQLite's head, hook_outbox's identity past its ids. */
static int
set_sequences(struct copier *c, const struct store_copy_report *rep)
{
	char head[24];
	const char *p[1] = { head };
	int rc;

	if (rep->head > 0) {
		snprintf(head, sizeof(head), "%lld", (long long)rep->head);
		if ((rc = store_pg_exec(c->pg, SQL_PG_SET_HEAD, 1, p, NULL,
		    __func__)) != 0)
			return pg_failed(c, "changelog_seq", rc);
	}
	if ((rc = store_pg_exec(c->pg, SQL_PG_SET_OUTBOX, 0, NULL, NULL,
	    __func__)) != 0)
		return pg_failed(c, "hook_outbox's identity", rc);
	return 0;
}

/* Inside the PostgreSQL transaction: everything. */
static int
copy_all(struct copier *c, struct store_copy_report *rep)
{
	const struct copy_table *t;
	int rc;

	if ((rc = check_empty(c)) != 0)
		return rc;
	for (t = tables; t->name != NULL; t++)
		if ((rc = copy_table(c, t, rep)) != 0)
			return rc;
	if ((rc = fix_replies(c)) != 0 || (rc = fix_counts(c, rep)) != 0)
		return rc;
	return set_sequences(c, rep);
}

int
store_copy_to_pg(struct store *src, struct store *dst,
    struct store_copy_report *rep, char *err, size_t errlen)
{
	struct copier c = { src->db, dst->pg, err, errlen };
	int rc;

	rep->head = rep->pruned = rep->recounted = 0;
	if (src->db == NULL || dst->pg == NULL) {
		snprintf(err, errlen, "the copy goes from SQLite to "
		    "PostgreSQL");
		return MT_EINVAL;
	}
	/* one snapshot of SQLite, while its writers may go on */
	if (sqlite3_exec(c.lite, "BEGIN", NULL, NULL, NULL) != SQLITE_OK)
		return lite_failed(&c, src->path);
	if ((rc = check_tables(&c)) == 0 && (rc = read_head(&c, rep)) == 0) {
		if ((rc = store_begin(dst)) != 0)
			pg_failed(&c, "starting the PostgreSQL transaction",
			    rc);
		else if ((rc = copy_all(&c, rep)) != 0)
			store_rollback(dst);
		else if ((rc = store_commit(dst)) != 0)
			pg_failed(&c, "committing the copy", rc);
	}
	(void)sqlite3_exec(c.lite, "ROLLBACK", NULL, NULL, NULL);
	return rc;
}
