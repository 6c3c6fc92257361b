/*
 * store_int.h — internals shared by the lib/store*.c files only: the store
 * struct and the prepared-statement cache. Nothing outside lib/ includes it.
 */
#ifndef MT_STORE_INT_H
#define MT_STORE_INT_H

#include <sqlite3.h>

#include "store.h"

struct stmt_slot {
	const char	*sql;	/* key: address of a static SQL string */
	sqlite3_stmt	*stmt;
};

struct store {
	sqlite3		*db;
	char		*path;
	bool		 in_tx;
	struct stmt_slot *slots;	/* open-addressed hash by sql pointer */
	size_t		 nslots, nused;
};

/*
 * Returns the cached prepared statement for sql (a string with static
 * storage), prepared on first use; reset and with bindings cleared. NULL
 * (and a log line) if it does not prepare. Do not finalize it.
 */
sqlite3_stmt	*store_stmt(struct store *st, const char *sql);
/* Maps a SQLite result code to 0 or an MT_E* code (logging real errors). */
int		 store_rc(struct store *st, int rc, const char *what);
/* Steps a statement expected to be done (no rows); returns 0 or MT_E*. */
int		 store_exec_stmt(struct store *st, sqlite3_stmt *s,
		    const char *what);
/* Binds text or NULL. */
int		 store_bind_text(sqlite3_stmt *s, int idx, const char *v);
/* Copies column i as a new string (NULL for SQL NULL); *oom on failure. */
char		*store_col_dup(sqlite3_stmt *s, int i, int *oom);

#endif
