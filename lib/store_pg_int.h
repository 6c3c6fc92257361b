/*
 * store_pg_int.h — internals of the PostgreSQL store shared by the
 * lib/store_pg*.c files (and their white-box tests in tests/pg): the
 * connection struct and the one way to run a statement, with every value
 * a bound parameter.
 */
#ifndef MT_STORE_PG_INT_H
#define MT_STORE_PG_INT_H

#include <libpq-fe.h>
#include <stdint.h>

#include "store_pg.h"

struct store_pg {
	PGconn		*conn;
};

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
