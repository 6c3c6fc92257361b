/*
 * store_pg.h — the PostgreSQL store's connection (docs/postgresql.md):
 * one libpq connection, its transactions and the migrations of sql/pg/.
 * lib/store.c opens it when MTCHAT_DATABASE_URL is set (a libpq URL or
 * key=value string), and the store's statements run on it through
 * lib/store_pg_stmt.c; the change-log's own calls are in
 * store_pg_changelog.h.
 */
#ifndef MT_STORE_PG_H
#define MT_STORE_PG_H

#include <stdbool.h>
#include <stddef.h>

struct store_pg;

/*
 * Connects to the database that url names (a postgresql:// URL or libpq's
 * key=value form) and checks that it stores UTF-8. On error, *pp is NULL,
 * err holds one line (never the password) and the code is MT_EINVAL for a
 * NULL or empty url, MT_ENOMEM, or MT_EIO. Close with store_pg_close().
 */
int	 store_pg_open(struct store_pg **pp, const char *url, char *err,
	    size_t errlen);
/*
 * The database for messages: postgresql://host:port/dbname, without the
 * user and password. A new string for mt_free(), or NULL.
 */
char	*store_pg_describe(const struct store_pg *pg);
/* Ends the connection (an open transaction rolls back). NULL is ok. */
void	 store_pg_close(struct store_pg *pg);

/* Schema version of the database (0: none yet), and the newest we know. */
int	 store_pg_schema_version(struct store_pg *pg, int *version);
int	 store_pg_code_version(void);
/*
 * Applies the missing migrations of sql/pg/, each in one transaction, all
 * under one advisory lock, so that concurrent runs apply each once;
 * *applied gets how many ran. On error err holds one line; MT_ESCHEMA when
 * the database is newer than this program.
 */
int	 store_pg_migrate(struct store_pg *pg, int *applied, char *err,
	    size_t errlen);

/*
 * Write transactions, READ COMMITTED. store_pg_commit() returns MT_EBUSY
 * for a serialisation failure or deadlock (retry the transaction) and
 * MT_EIO when an earlier statement had failed it; either way it ended
 * without committing. After a lost connection (MT_EIO too) whether it
 * committed is unknown. store_pg_rollback() is always safe to call.
 */
int	 store_pg_begin(struct store_pg *pg);
int	 store_pg_commit(struct store_pg *pg);
void	 store_pg_rollback(struct store_pg *pg);
bool	 store_pg_in_tx(const struct store_pg *pg);

/*
 * `mtchat-admin backup` on PostgreSQL: runs pg_dump --format=custom into
 * file (which it overwrites), handing it the connection in libpq's
 * environment variables, never on its command line; pg_dump's messages go
 * to our stderr. 0, MT_ENOTFOUND where there is no pg_dump in PATH, or
 * MT_EIO when it failed; err says which.
 */
int	 store_pg_dump(const struct store_pg *pg, const char *file, char *err,
	    size_t errlen);

/*
 * The connection's socket, to wait on with select(), poll() or an event
 * loop for notifications (store_pg_changelog_woken()); -1 when the
 * connection is gone.
 */
int	 store_pg_socket(const struct store_pg *pg);

#endif
