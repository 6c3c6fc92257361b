/*
 * store_int.h — internals shared by the lib/store*.c files only: the store
 * struct and the prepared-statement cache. Nothing outside lib/ includes it.
 */
#ifndef MT_STORE_INT_H
#define MT_STORE_INT_H

#include <jansson.h>
#include <sqlite3.h>
#include <stdint.h>

#include "json.h"
#include "store.h"

struct stmt_slot {
	const char	*sql;	/* key: address of a static SQL string */
	sqlite3_stmt	*stmt;
};

struct store {
	sqlite3		*db;
	char		*path;
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
 * Fault injection (store_fault_set(), store.h): every sqlite3_step() and
 * sqlite3_prepare_v2/v3() of the files that include this header goes
 * through these, which fail the chosen call with the chosen result code
 * instead of making it. One branch per call when no fault is set.
 */
int		 store_fault_step(sqlite3_stmt *s);
int		 store_fault_prepare_v2(sqlite3 *db, const char *sql, int n,
		    sqlite3_stmt **s, const char **tail);
int		 store_fault_prepare_v3(sqlite3 *db, const char *sql, int n,
		    unsigned int flags, sqlite3_stmt **s, const char **tail);
#define sqlite3_step(s)		store_fault_step(s)
#define sqlite3_prepare_v2(db, sql, n, s, tail) \
	store_fault_prepare_v2(db, sql, n, s, tail)
#define sqlite3_prepare_v3(db, sql, n, flags, s, tail) \
	store_fault_prepare_v3(db, sql, n, flags, s, tail)

/*
 * Returns the cached prepared statement for sql (a string with static
 * storage), prepared on first use; reset and with bindings cleared. NULL
 * (and a log line) if it does not prepare. Do not finalize it.
 */
sqlite3_stmt	*store_stmt(struct store *st, const char *sql);
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
int		 store_step(struct store *st, sqlite3_stmt *s, const char *what);
/* Steps a statement expected to be done (no rows); returns 0 or MT_E*. */
int		 store_exec_stmt(struct store *st, sqlite3_stmt *s,
		    const char *what);
/* Runs a one-row, one-integer query (sql static, as for store_stmt()). */
int		 store_query_int64(struct store *st, const char *sql,
		    int64_t *out);
/* Binds text or NULL. */
int		 store_bind_text(sqlite3_stmt *s, int idx, const char *v);
/* Copies column i as a new string (NULL for SQL NULL); *oom on failure. */
char		*store_col_dup(sqlite3_stmt *s, int i, int *oom);

/*
 * Column lists of the API's resources and the functions that turn such a
 * row (starting at column col) into its JSON shape (docs/rest.md#shapes;
 * lib/store_shapes.c).
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

/* The Dialog (docs/rest.md#dialog) members into an open object. */
void		 write_dialog_fields(struct jw *w, sqlite3_stmt *s, int col);
/* Adds the Dialog fields (docs/rest.md#dialog) to obj; 0 or MT_ENOMEM. */
int		 present_dialog(json_t *obj, sqlite3_stmt *s, int col);
/*
 * A Participant (docs/rest.md#participant); hide_contact nulls email and phone.
 */
json_t		*present_participant(sqlite3_stmt *s, int col,
		    bool hide_contact);
/*
 * The Message (docs/rest.md#message) members, without attachments, into an open
 * object.
 */
void		 write_message_fields(struct jw *w, sqlite3_stmt *s, int col);
/* The value w wrote, as a Jansson tree (w is emptied); NULL on failure. */
json_t		*present_written(struct jw *w);
/* A Message (docs/rest.md#message) without attachments. */
json_t		*present_message(sqlite3_stmt *s, int col);
/* An access scope (docs/rest.md#access-scope). */
json_t		*present_scope(sqlite3_stmt *s, int col);
/*
 * Steps s (already bound) to the end and collects fn(s) of every row into a
 * new JSON array *out; fn returns a new reference or NULL (out of memory).
 * Resets s. 0 or an MT_E* code (then *out is NULL).
 */
int		 store_collect(struct store *st, sqlite3_stmt *s,
		    json_t *(*fn)(sqlite3_stmt *), json_t **out);
/* Row makers for store_collect(). */
json_t		*present_scope_row(sqlite3_stmt *s);
json_t		*present_participant_row(sqlite3_stmt *s);
json_t		*present_text_row(sqlite3_stmt *s);
/* The text of column i, or NULL. */
const char	*store_col_text(sqlite3_stmt *s, int i);

#endif
