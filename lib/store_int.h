/*
 * store_int.h — internals shared by the lib/store*.c files only: the store
 * struct and the prepared-statement cache. Nothing outside lib/ includes it.
 */
#ifndef MT_STORE_INT_H
#define MT_STORE_INT_H

#include <sqlite3.h>
#include <stdint.h>

#include "rows.h"
#include "store.h"

/*
 * One SQL statement of the store, whichever database runs it: a SQLite
 * statement, or a PostgreSQL one (lib/store_pg_stmt.c) that keeps its
 * parameters and its result. The store's files use only the db_*()
 * functions below, which take and return what the sqlite3_*() functions of
 * the same name do (SQLITE_ROW, SQLITE_DONE, SQLITE_NULL, ... are the codes
 * of both), so that one text of a statement serves both drivers.
 */
struct pgstmt;
struct dbstmt {
	sqlite3_stmt	*lite;	/* SQLite, or NULL */
	struct pgstmt	*pg;	/* PostgreSQL, or NULL */
};

struct stmt_slot {
	const char	*sql;	/* key: address of a static SQL string */
	struct dbstmt	*stmt;
};

struct store_pg;

struct store {
	sqlite3		*db;		/* SQLite, or NULL */
	struct store_pg	*pg;		/* PostgreSQL, or NULL */
	char		*path;		/* the file, or the URL's host/db */
	bool		 in_tx;		/* in a write (or a batch member) */
	bool		 in_batch;	/* a batch transaction is open */
	bool		 fold_ready;	/* mt_fold() defined (store_dialog.c) */
	struct stmt_slot *slots;	/* open-addressed hash by sql pointer */
	size_t		 nslots, nused;
	long		 busy_timeout_ms;
	int64_t		 busy_since_us;	/* start of the current wait */
	int		 lockfd;	/* DB-wlock, or -1 (store.c) */
	void		(*on_commit)(void *, int);	/* store_on_commit() */
	void		*on_commit_arg;
	const struct files_cfg *files;	/* store_opts.files (not owned) */
};

/*
 * A statement whose text differs between the two databases; the others
 * have one text for both (the PostgreSQL driver turns ? and ?N into $N).
 * store_sql() picks the store's.
 */
struct sql2 {
	const char	*lite;
	const char	*pg;
};
#define store_sql(st, q)	((st)->pg != NULL ? (q).pg : (q).lite)

/* The PostgreSQL side of the db_*() functions (lib/store_pg_stmt.c). */
struct pgstmt	*pgstmt_new(struct store_pg *pg, const char *sql);
void		 pgstmt_free(struct pgstmt *p);
int		 pgstmt_bind_int64(struct pgstmt *p, int i, int64_t v);
int		 pgstmt_bind_text(struct pgstmt *p, int i, const char *v,
		    int n);
int		 pgstmt_bind_null(struct pgstmt *p, int i);
int		 pgstmt_bind_parameter_count(const struct pgstmt *p);
void		 pgstmt_clear_bindings(struct pgstmt *p);
int		 pgstmt_step(struct pgstmt *p);
void		 pgstmt_reset(struct pgstmt *p);
int		 pgstmt_column_type(const struct pgstmt *p, int i);
int64_t		 pgstmt_column_int64(const struct pgstmt *p, int i);
const unsigned char *pgstmt_column_text(const struct pgstmt *p, int i);
int		 pgstmt_column_bytes(const struct pgstmt *p, int i);
/* Rows changed by the connection's last INSERT, UPDATE or DELETE. */
int		 store_pg_changes(const struct store_pg *pg);
/* The connection's last error, one line. */
const char	*store_pg_errmsg(const struct store_pg *pg);

/*
 * Fault injection (store_fault_set(), store.h): every db_step() and every
 * preparation of store_stmt() asks this first, which answers the result
 * code the call fails with instead of running, or SQLITE_OK. One branch
 * per call when no fault is set.
 */
int		 store_fault_take(void);

static inline int
db_bind_int64(struct dbstmt *s, int i, int64_t v)
{
	return s->lite ? sqlite3_bind_int64(s->lite, i, v) :
	    pgstmt_bind_int64(s->pg, i, v);
}

static inline int
db_bind_int(struct dbstmt *s, int i, int v)
{
	return db_bind_int64(s, i, v);
}

static inline int
db_bind_null(struct dbstmt *s, int i)
{
	return s->lite ? sqlite3_bind_null(s->lite, i) :
	    pgstmt_bind_null(s->pg, i);
}

/* Only SQLITE_STATIC is used: v stays valid until the statement steps. */
static inline int
db_bind_text(struct dbstmt *s, int i, const char *v, int n,
    void (*destructor)(void *))
{
	return s->lite ? sqlite3_bind_text(s->lite, i, v, n, destructor) :
	    pgstmt_bind_text(s->pg, i, v, n);
}

static inline int
db_bind_parameter_count(struct dbstmt *s)
{
	return s->lite ? sqlite3_bind_parameter_count(s->lite) :
	    pgstmt_bind_parameter_count(s->pg);
}

/* SQLITE_ROW, SQLITE_DONE or an error code, as sqlite3_step(). */
static inline int
db_step(struct dbstmt *s)
{
	int rc = store_fault_take();

	if (rc != SQLITE_OK)
		return rc;
	return s->lite ? sqlite3_step(s->lite) : pgstmt_step(s->pg);
}

static inline void
db_reset(struct dbstmt *s)
{
	if (s->lite)
		sqlite3_reset(s->lite);
	else
		pgstmt_reset(s->pg);
}

static inline int
db_column_type(struct dbstmt *s, int i)
{
	return s->lite ? sqlite3_column_type(s->lite, i) :
	    pgstmt_column_type(s->pg, i);
}

static inline int64_t
db_column_int64(struct dbstmt *s, int i)
{
	return s->lite ? sqlite3_column_int64(s->lite, i) :
	    pgstmt_column_int64(s->pg, i);
}

static inline int
db_column_int(struct dbstmt *s, int i)
{
	return (int)db_column_int64(s, i);
}

static inline const unsigned char *
db_column_text(struct dbstmt *s, int i)
{
	return s->lite ? sqlite3_column_text(s->lite, i) :
	    pgstmt_column_text(s->pg, i);
}

static inline int
db_column_bytes(struct dbstmt *s, int i)
{
	return s->lite ? sqlite3_column_bytes(s->lite, i) :
	    pgstmt_column_bytes(s->pg, i);
}

/* Rows changed by st's last write statement (sqlite3_changes()). */
int		 store_changes(struct store *st);
/* st's last error message (sqlite3_errmsg()). */
const char	*store_errmsg(struct store *st);
/* Whether st has no transaction open (sqlite3_get_autocommit()). */
int		 store_autocommit(struct store *st);

/*
 * Returns the cached prepared statement for sql (a string with static
 * storage), prepared on first use; reset and with bindings cleared. NULL
 * (and a log line) if it does not prepare. Do not finalize it.
 */
struct dbstmt	*store_stmt(struct store *st, const char *sql);
/* Maps a SQLite result code to 0 or an MT_E* code (logging real errors). */
int		 store_rc(struct store *st, int rc, const char *what);
/*
 * The one way the store steps a statement: 1 when s is on a row (read its
 * columns, then step again, or sqlite3_reset() s to stop early), 0 at the
 * end, or an MT_E* code (a real error logged as what's); s is reset at
 * the end and on an error. A loop over rows is
 *	while ((rc = store_step(st, s, __func__)) == 1)
 *		...
 * and a NULL s (store_stmt() failed) is MT_EIO.
 */
int		 store_step(struct store *st, struct dbstmt *s, const char *what);
/* Steps a statement expected to be done (no rows); returns 0 or MT_E*. */
int		 store_exec_stmt(struct store *st, struct dbstmt *s,
		    const char *what);
/* Runs a one-row, one-integer query (sql static, as for store_stmt()). */
int		 store_query_int64(struct store *st, const char *sql,
		    int64_t *out);
/* Binds text or NULL. */
int		 store_bind_text(struct dbstmt *s, int idx, const char *v);
/* Binds a LIMIT: a negative one is none (SQLite's -1 is PostgreSQL's ALL). */
int		 store_bind_limit(struct dbstmt *s, int idx, int64_t limit);
/* Copies column i as a new string (NULL for SQL NULL); *oom on failure. */
char		*store_col_dup(struct dbstmt *s, int i, int *oom);

/*
 * Column lists of the API's resources and the functions that read such a
 * row (starting at column col) into its struct of lib/rows.h
 * (lib/store_rows.c); lib/shape.c makes their JSON.
 */
#define DIALOG_COLS	"d.id, d.object_id, d.object_type, d.title," \
			" d.object_url, d.created_by, d.created_at, d.meta"
#define DIALOG_NCOLS	8
/*
 * Of participant rows p joined with their dialog d: the unread count (F15)
 * is the dialog's user messages that the row has not accounted for
 * (sql/0002-counts.sql).
 */
#define PARTICIPANT_COLS "p.dialog_id, p.user_id, p.joined_at, p.joined_as," \
			" p.notifications_enabled, p.last_read_message_id," \
			" d.user_messages - p.read_messages, p.display_name," \
			" p.company, p.email, p.phone, p.is_archived, p.is_pinned"
#define PARTICIPANT_FROM "participants p JOIN dialogs d ON d.id = p.dialog_id"
#define PARTICIPANT_NCOLS 13
/* The user messages of dialog ?d: a read_messages with nothing unread. */
#define USER_MESSAGES(d) "(SELECT user_messages FROM dialogs WHERE id = ?" \
			#d ")"
/*
 * The read_messages of user ?u in dialog ?d for which the other users'
 * user messages that match the SQL condition after are unread.
 */
#define READ_MESSAGES(d, u, after) "(" USER_MESSAGES(d) \
			" - (SELECT count(*) FROM messages" \
			" WHERE dialog_id = ?" #d " AND message_type = 'user'" \
			" AND sender_id <> ?" #u " AND " after "))"
#define MESSAGE_COLS	"m.id, m.dialog_id, m.sender_id, m.content," \
			" m.sent_at, m.last_edited_at, m.reply_to_id," \
			" m.message_type"
#define MESSAGE_NCOLS	8
#define SCOPE_COLS	"a.id, a.dialog_id, a.scope_level0, a.scope_level1," \
			" a.scope_level2, a.created_at"
#define SCOPE_NCOLS	6

/*
 * Each reads the row's columns from col into its struct, the strings
 * copied into a (a->err set when out of memory).
 */
void		 store_read_dialog(struct dbstmt *s, int col, struct arena *a,
		    struct dialog_row *d);
/* is_online is left false. */
void		 store_read_participant(struct dbstmt *s, int col,
		    struct arena *a, struct participant_row *p);
/*
 * Steps s (bound) to the end and appends each row's participant
 * (PARTICIPANT_COLS from column 0; with_online: is_online from the column
 * after them) to out->parts. 0 or an MT_E* code; s is reset.
 */
int		 store_read_participants(struct store *st, struct dbstmt *s,
		    bool with_online, struct dialog_rows *out);
/* Without attachments. */
void		 store_read_message(struct dbstmt *s, int col, struct arena *a,
		    struct message_row *m);
void		 store_read_scope(struct dbstmt *s, int col, struct arena *a,
		    struct scope_row *r);
/* The text of column i, or NULL. */
const char	*store_col_text(struct dbstmt *s, int i);
/* The same, copied into a (NULL for SQL NULL, or with a->err set). */
const char	*store_col_arena(struct dbstmt *s, int i, struct arena *a);

#endif
