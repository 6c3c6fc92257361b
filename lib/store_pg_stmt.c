/*
 * store_pg_stmt.c — the PostgreSQL side of the store's statements
 * (struct dbstmt, store_int.h): one SQL text serves both databases, so
 * this file turns SQLite's placeholders (? and ?N) into PostgreSQL's ($N),
 * keeps the bound values as text, prepares the statement on the server the
 * first time it runs (with the types of its integer parameters, which
 * PostgreSQL could not always infer), and answers the calls the store makes
 * of a SQLite statement: step through the rows, read columns, reset. Result
 * codes are SQLite's, mapped from SQLSTATEs (store_pg_rc() has the same
 * table for MT_E* codes).
 * SPDX-License-Identifier: MIT
 */
#include <errno.h>
#include <inttypes.h>
#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "err.h"
#include "log.h"
#include "mem.h"
#include "store_int.h"
#include "store_pg_int.h"

#define INT8OID		20	/* pg_type.h: bigint */
#define TEXTOID		25	/* pg_type.h: text */
#define MAX_PARAMS	99

struct pgparam {
	char		*text;	/* owned; NULL: SQL NULL */
	unsigned int	 type;	/* INT8OID, or 0: the server infers it */
	char		 num[24];	/* an integer's digits (text points here) */
};

struct pgstmt {
	struct store_pg	*pg;
	char		*sql;		/* with $N placeholders */
	char		 name[16];	/* server-side name, "s<n>" */
	unsigned long	 prepared_gen;	/* pg->gen it was prepared in, or 0 */
	int		 nparams;
	struct pgparam	*params;
	const char	**values;	/* nparams pointers for libpq */
	PGresult	*res;		/* the rows, after the first step */
	int		 row;		/* the current one */
	bool		 done;		/* stepped past the last row */
};

/* --- SQLite's placeholders into PostgreSQL's --- */

/* Copies a quoted literal or identifier starting at *in; returns its end. */
static const char *
copy_quoted(const char *in, char **out)
{
	char q = *in;

	*(*out)++ = *in++;
	while (*in != '\0') {
		*(*out)++ = *in;
		if (*in++ == q) {
			if (*in != q)
				break;
			*(*out)++ = *in++;	/* a doubled quote */
		}
	}
	return in;
}

/*
 * The few SQLite words the store's statements use that PostgreSQL spells
 * differently; everything else is one text for both. json_each() of a
 * JSON array becomes mt_json_each() (sql/pg/0002-schema.sql: the same
 * key and value columns), instr() is strpos(), and an INDEXED BY hint
 * goes (the planner chooses).
 */
static const struct {
	const char	*lite, *pg;
	bool		 drop_ident;	/* also drop the identifier after it */
} words[] = {
	{ "json_each(", "mt_json_each(", false },
	{ "instr(", "strpos(", false },
	{ " INDEXED BY ", " ", true },
};

static bool
is_ident_char(char c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
	    (c >= '0' && c <= '9') || c == '_';
}

/* Rewrites a word of words[] at sql (start is the statement); its end. */
static const char *
rewrite_word(const char *start, const char *sql, char **o)
{
	size_t i, n;

	if (sql > start && is_ident_char(sql[-1]) && *sql != ' ')
		return sql;
	for (i = 0; i < sizeof(words) / sizeof(words[0]); i++) {
		n = strlen(words[i].lite);
		if (strncmp(sql, words[i].lite, n) != 0)
			continue;
		*o = stpcpy(*o, words[i].pg);
		sql += n;
		while (words[i].drop_ident && is_ident_char(*sql))
			sql++;
		return sql;
	}
	return sql;
}

/*
 * Writes sql with ? and ?N as $N, and words[] rewritten, into a new
 * string; *n gets the highest number. A bare ? is one more than the
 * highest before it, as in SQLite.
 */
static char *
translate(const char *sql, int *n)
{
	const char *start = sql, *next;
	char *out, *o;
	int top = 0;

	/* each ? becomes at most "$99", each word grows by 4 at most */
	if ((out = mt_malloc(strlen(sql) * 3 + 1)) == NULL)
		return NULL;
	o = out;
	while (*sql != '\0') {
		if (*sql == '\'' || *sql == '"') {
			sql = copy_quoted(sql, &o);
			continue;
		}
		if ((next = rewrite_word(start, sql, &o)) != sql) {
			sql = next;
			continue;
		}
		if (*sql != '?') {
			*o++ = *sql++;
			continue;
		}
		sql++;
		if (*sql >= '0' && *sql <= '9') {
			char *end;
			long k = strtol(sql, &end, 10);

			if (k < 1 || k > MAX_PARAMS)
				goto bad;
			sql = end;
			o += sprintf(o, "$%ld", k);
			if (k > top)
				top = (int)k;
		} else {
			if (++top > MAX_PARAMS)
				goto bad;
			o += sprintf(o, "$%d", top);
		}
	}
	*o = '\0';
	*n = top;
	return out;
bad:
	mt_free(out);
	return NULL;
}

struct pgstmt *
pgstmt_new(struct store_pg *pg, const char *sql)
{
	struct pgstmt *p;

	if ((p = mt_calloc(1, sizeof(*p))) == NULL)
		return NULL;
	p->pg = pg;
	p->row = -1;
	if ((p->sql = translate(sql, &p->nparams)) == NULL)
		goto fail;
	if (p->nparams > 0 &&
	    ((p->params = mt_calloc((size_t)p->nparams,
	    sizeof(*p->params))) == NULL ||
	    (p->values = mt_calloc((size_t)p->nparams,
	    sizeof(*p->values))) == NULL))
		goto fail;
	snprintf(p->name, sizeof(p->name), "s%lu", ++pg->nstmts);
	return p;
fail:
	pgstmt_free(p);
	return NULL;
}

static void
param_clear(struct pgparam *x)
{
	if (x->text != x->num)
		mt_free(x->text);
	x->text = NULL;
}

void
pgstmt_free(struct pgstmt *p)
{
	int i;

	if (p == NULL)
		return;
	PQclear(p->res);
	for (i = 0; i < p->nparams; i++)
		param_clear(&p->params[i]);
	mt_free(p->params);
	mt_free(p->values);
	mt_free(p->sql);
	mt_free(p);
}

/* --- parameters --- */

static struct pgparam *
param(struct pgstmt *p, int i)
{
	if (i < 1 || i > p->nparams)
		return NULL;
	param_clear(&p->params[i - 1]);
	return &p->params[i - 1];
}

int
pgstmt_bind_int64(struct pgstmt *p, int i, int64_t v)
{
	struct pgparam *x = param(p, i);

	if (x == NULL)
		return SQLITE_RANGE;
	snprintf(x->num, sizeof(x->num), "%" PRId64, v);
	x->text = x->num;
	x->type = INT8OID;
	return SQLITE_OK;
}

int
pgstmt_bind_text(struct pgstmt *p, int i, const char *v, int n)
{
	struct pgparam *x = param(p, i);

	if (x == NULL)
		return SQLITE_RANGE;
	x->type = 0;
	if (v == NULL)
		return SQLITE_OK;
	x->text = n < 0 ? mt_strdup(v) : mt_strndup(v, (size_t)n);
	return x->text != NULL ? SQLITE_OK : SQLITE_NOMEM;
}

int
pgstmt_bind_null(struct pgstmt *p, int i)
{
	struct pgparam *x = param(p, i);

	return x != NULL ? SQLITE_OK : SQLITE_RANGE;
}

void
pgstmt_clear_bindings(struct pgstmt *p)
{
	int i;

	for (i = 0; i < p->nparams; i++)
		param_clear(&p->params[i]);
}

int
pgstmt_bind_parameter_count(const struct pgstmt *p)
{
	return p->nparams;
}

/* --- running --- */

/* The SQLite result code for a failed result (NULL: none at all). */
static int
lite_rc(struct store_pg *pg, const PGresult *res)
{
	switch (store_pg_rc(pg, res)) {
	case MT_EBUSY:
		return SQLITE_BUSY;
	case MT_ECONFLICT:
		return SQLITE_CONSTRAINT;
	case MT_EFULL:
		return SQLITE_FULL;
	case MT_ENOMEM:
		return SQLITE_NOMEM;
	default:
		/* a broken connection is storage trouble, the rest a bug */
		return PQstatus(pg->conn) != CONNECTION_OK ? SQLITE_IOERR :
		    SQLITE_ERROR;
	}
}

/* Keeps res's error as the connection's last, and its result code. */
static int
failed(struct store_pg *pg, PGresult *res)
{
	const char *msg = res != NULL ? PQresultErrorMessage(res) :
	    PQerrorMessage(pg->conn);
	int rc = lite_rc(pg, res);

	snprintf(pg->errmsg, sizeof(pg->errmsg), "%.*s",
	    (int)strcspn(msg, "\n"), msg);
	PQclear(res);
	return rc;
}

/* Whether res failed because a parameter's type could not be inferred. */
static bool
indeterminate(const PGresult *res)
{
	const char *state = PQresultErrorField(res, PG_DIAG_SQLSTATE);

	return state != NULL && strcmp(state, "42P18") == 0;
}

/*
 * Prepares p on the server once per connection (pg->gen changes when
 * store_pg_ready() made a new one), with the types of the integers bound
 * now; the other parameters' types the server infers from where they
 * stand, and where it cannot (only "?3 IS NULL"), they are text.
 */
static int
prepare(struct pgstmt *p)
{
	unsigned int types[MAX_PARAMS];
	PGresult *res;
	int i;

	if (p->prepared_gen == p->pg->gen)
		return SQLITE_OK;
	for (i = 0; i < p->nparams; i++)
		types[i] = p->params[i].type;
	res = PQprepare(p->pg->conn, p->name, p->sql, p->nparams, types);
	if (indeterminate(res)) {
		PQclear(res);
		for (i = 0; i < p->nparams; i++)
			if (types[i] == 0)
				types[i] = TEXTOID;
		res = PQprepare(p->pg->conn, p->name, p->sql, p->nparams,
		    types);
	}
	if (PQresultStatus(res) != PGRES_COMMAND_OK)
		return failed(p->pg, res);
	PQclear(res);
	p->prepared_gen = p->pg->gen;
	return SQLITE_OK;
}

/* Runs p and keeps its rows, or the number of rows it changed. */
static int
run(struct pgstmt *p)
{
	ExecStatusType est;
	PGresult *res;
	int i, rc;

	if ((rc = store_pg_ready(p->pg)) != SQLITE_OK ||
	    (rc = prepare(p)) != SQLITE_OK)
		return rc;
	for (i = 0; i < p->nparams; i++)
		p->values[i] = p->params[i].text;
	res = PQexecPrepared(p->pg->conn, p->name, p->nparams, p->values,
	    NULL, NULL, 0);
	est = PQresultStatus(res);
	store_pg_note_tx(p->pg);
	if (est != PGRES_TUPLES_OK && est != PGRES_COMMAND_OK)
		return failed(p->pg, res);
	if (*PQcmdTuples(res) != '\0')
		p->pg->changes = atoi(PQcmdTuples(res));
	p->res = res;
	p->row = -1;
	return SQLITE_OK;
}

int
pgstmt_step(struct pgstmt *p)
{
	int rc;

	if (p->done)
		return SQLITE_DONE;
	if (p->res == NULL && (rc = run(p)) != SQLITE_OK)
		return rc;
	if (++p->row < PQntuples(p->res))
		return SQLITE_ROW;
	p->done = true;
	return SQLITE_DONE;
}

void
pgstmt_reset(struct pgstmt *p)
{
	PQclear(p->res);
	p->res = NULL;
	p->row = -1;
	p->done = false;
}

/* --- columns --- */

static bool
on_field(const struct pgstmt *p, int i)
{
	return p->res != NULL && p->row >= 0 && p->row < PQntuples(p->res) &&
	    i >= 0 && i < PQnfields(p->res);
}

int
pgstmt_column_type(const struct pgstmt *p, int i)
{
	if (!on_field(p, i) || PQgetisnull(p->res, p->row, i))
		return SQLITE_NULL;
	return PQftype(p->res, i) == INT8OID ? SQLITE_INTEGER : SQLITE_TEXT;
}

/*
 * An integer as SQLite reads one: NULL is 0, and so is text that is not
 * a number; PostgreSQL's booleans (a comparison, EXISTS) are 1 and 0.
 */
int64_t
pgstmt_column_int64(const struct pgstmt *p, int i)
{
	const char *v;

	if (!on_field(p, i) || PQgetisnull(p->res, p->row, i))
		return 0;
	v = PQgetvalue(p->res, p->row, i);
	if (v[0] == 't' && v[1] == '\0')
		return 1;
	return strtoll(v, NULL, 10);
}

const unsigned char *
pgstmt_column_text(const struct pgstmt *p, int i)
{
	if (!on_field(p, i) || PQgetisnull(p->res, p->row, i))
		return NULL;
	return (const unsigned char *)PQgetvalue(p->res, p->row, i);
}

int
pgstmt_column_bytes(const struct pgstmt *p, int i)
{
	if (!on_field(p, i) || PQgetisnull(p->res, p->row, i))
		return 0;
	return PQgetlength(p->res, p->row, i);
}

int
store_pg_changes(const struct store_pg *pg)
{
	return pg->changes;
}

const char *
store_pg_errmsg(const struct store_pg *pg)
{
	return *pg->errmsg != '\0' ? pg->errmsg : "no error";
}
