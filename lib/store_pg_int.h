/*
 * store_pg_int.h — internals of the PostgreSQL store shared by the
 * lib/store_pg*.c files (and their white-box tests in tests/pg): the
 * connection struct and the one way to run a statement, with every value
 * a bound parameter.
 */
#ifndef MT_STORE_PG_INT_H
#define MT_STORE_PG_INT_H

#include <libpq-fe.h>
#include <stdbool.h>
#include <stdint.h>

#include "store_pg.h"

struct store_pg {
	PGconn		*conn;
	char		*url;		/* to connect again (store_pg_ready()) */
	unsigned long	 gen;		/* connections made: 1, 2, ... */
	unsigned long	 nstmts;	/* statements made, for their names */
	int		 changes;	/* rows of the last write statement */
	bool		 tx_open;	/* a transaction was open at the last
					   answer (store_pg_note_tx()) */
	long		 lock_timeout_ms;	/* lock waits, 0: none */
	char		 errmsg[256];	/* the last error, one line */
};

/*
 * Before a statement: a connection that broke while no transaction was
 * open is made again (once per call; the server's prepared statements go
 * with it, and pgstmt prepares again). SQLITE_OK, or SQLITE_IOERR when
 * there is none to be had (or it broke inside a transaction, which is
 * lost: the caller rolls back).
 */
int	store_pg_ready(struct store_pg *pg);
/* Notes after each statement whether a transaction is open. */
void	store_pg_note_tx(struct store_pg *pg);
/* Waits for locks at most ms (0: without limit), from now on. */
int	store_pg_set_lock_timeout(struct store_pg *pg, long ms);

/*
 * Runs sql with n parameters given as text (a NULL one is SQL NULL), sent
 * apart from the statement, never pasted into it. On success returns 0
 * and, if res is not NULL, stores the result there for the caller to
 * PQclear(). On failure logs one line naming func, returns the MT_E* code
 * of the error's SQLSTATE (store_pg_rc()) and stores NULL.
 */
int	store_pg_exec(struct store_pg *pg, const char *sql, int n,
	    const char *const *params, PGresult **res, const char *func);
/*
 * The MT_E* code for a failed result (NULL: no result at all):
 * serialisation failures, deadlocks and lock or statement timeouts are
 * MT_EBUSY (try again), integrity violations MT_ECONFLICT, a full disk
 * MT_EFULL, out of memory MT_ENOMEM, anything else MT_EIO.
 */
int	store_pg_rc(const struct store_pg *pg, const PGresult *res);
/* Parses field (row, col) of res as a decimal int64: 0 or MT_EIO. */
int	store_pg_int64(const PGresult *res, int row, int col, int64_t *v);

#endif
