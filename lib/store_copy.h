/*
 * store_copy.h — copying a SQLite database into an empty PostgreSQL one
 * (`mtchat-admin migrate-to-postgres`, docs/postgresql.md#moving-from-sqlite):
 * every table but presence, in one PostgreSQL transaction, keeping every
 * id and seq, with the change-log's sequence moved to SQLite's head.
 */
#ifndef MT_STORE_COPY_H
#define MT_STORE_COPY_H

#include <stddef.h>
#include <stdint.h>

struct store;

/* What the copy did, for its report. */
struct store_copy_report {
	/* called once per table copied, in the order they were */
	void	(*table)(const char *name, int64_t rows, void *arg);
	void	*arg;
	int64_t	 head;		/* the change-log head set on PostgreSQL */
	int64_t	 pruned;	/* pruned_through, 0 if never pruned */
	/* dialogs whose SQLite participants_count was not the rows' count
	   (the copy has the recount) */
	int64_t	 recounted;
};

/*
 * Copies the SQLite store src (a current schema) into the PostgreSQL store
 * dst (migrated, see store_migrate()), which must hold no dialogs, messages
 * or change-log rows. One read snapshot of src, one transaction on dst:
 * either everything is copied or nothing. On error err holds one line and
 * the code is MT_ECONFLICT when dst is not empty, MT_EINVAL when src or dst
 * is not the kind of store said or src has a table the copy does not know,
 * else the store's error.
 */
int	store_copy_to_pg(struct store *src, struct store *dst,
	    struct store_copy_report *rep, char *err, size_t errlen);

#endif
