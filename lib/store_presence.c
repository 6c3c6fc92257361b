/*
 * store_presence.c — the presence table: a row per user and instance (the
 * bridge holding their connections, or PRESENCE_POLLS for mtchat.fcgi's
 * polls) while the user is online there. Writers (the bridge on
 * connect/ping/close, start and stop, pollers, the reaper) change rows
 * only together with the presence.update events of real transitions: a
 * user's first row takes them online, the removal of their last takes
 * them offline (docs/events.md#presence). The test and the write are in
 * one write transaction, which the store serialises on both databases, so
 * two bridges cannot both see "first" or both see "last".
 */
#include "err.h"
#include "event_body.h"
#include "mem.h"
#include "store_int.h"
#include "store_presence.h"

static const char SQL_ONLINE[] =
	"INSERT INTO presence (user_id, last_seen, instance)"
	" VALUES (?1, ?2, ?3)";
/* A refresh of a user online here: most touches are one. */
static const char SQL_REFRESH[] =
	"UPDATE presence SET last_seen = ?2 WHERE user_id = ?1"
	" AND instance = ?3 AND last_seen < ?2";
/* One row: 1 if the user has a row of instance ?2, 0 if only others. */
static const char SQL_ROWS[] =
	"SELECT CASE WHEN instance = ?2 THEN 1 ELSE 0 END FROM presence"
	" WHERE user_id = ?1 ORDER BY 1 DESC LIMIT 1";
static const char SQL_GET[] =
	"SELECT last_seen FROM presence WHERE user_id = ?1 AND instance = ?2";
static const char SQL_GET_ANY[] =
	"SELECT last_seen FROM presence WHERE user_id = ?1"
	" ORDER BY last_seen DESC LIMIT 1";
static const char SQL_REMOVE[] =
	"DELETE FROM presence WHERE user_id = ?1 AND instance = ?2";
static const char SQL_STALE[] =
	"SELECT user_id, instance, last_seen FROM presence WHERE last_seen < ?1"
	" ORDER BY last_seen, user_id, instance LIMIT ?2";
static const char SQL_STALE_OF[] =
	"SELECT user_id, instance, last_seen FROM presence WHERE last_seen < ?1"
	" AND instance = ?3 ORDER BY last_seen, user_id LIMIT ?2";

int
store_presence_get(struct store *st, const char *user, const char *instance,
    bool *found, int64_t *last_seen)
{
	struct dbstmt *s = store_stmt(st, instance ? SQL_GET : SQL_GET_ANY);
	int rc;

	*found = false;
	*last_seen = 0;
	if (s == NULL)
		return MT_EIO;
	store_bind_text(s, 1, user);
	if (instance != NULL)
		store_bind_text(s, 2, instance);
	if ((rc = store_step(st, s, __func__)) != 1)
		return rc;
	*found = true;
	*last_seen = db_column_int64(s, 0);
	db_reset(s);
	return 0;
}

/*
 * Which rows user has: *mine whether one of instance, *any whether one of
 * any instance.
 */
static int
user_rows(struct store *st, const char *user, const char *instance,
    bool *any, bool *mine)
{
	struct dbstmt *s = store_stmt(st, SQL_ROWS);
	int rc;

	*any = *mine = false;
	if (s == NULL)
		return MT_EIO;
	store_bind_text(s, 1, user);
	store_bind_text(s, 2, instance);
	if ((rc = store_step(st, s, __func__)) != 1)
		return rc;
	*any = true;
	*mine = db_column_int64(s, 0) != 0;
	db_reset(s);
	return 0;
}

/* Runs sql with a user (?1), a time (?2) and an instance (?3). */
static int
exec_user_time(struct store *st, const char *sql, const char *user,
    int64_t t, const char *instance)
{
	struct dbstmt *s = store_stmt(st, sql);

	if (s == NULL)
		return MT_EIO;
	store_bind_text(s, 1, user);
	db_bind_int64(s, 2, t);
	store_bind_text(s, 3, instance);
	return store_exec_stmt(st, s, __func__);
}

/* What a batch of presence changes shares across its users. */
struct presence_batch {
	const char	*instance;	/* the writer's rows */
	int64_t		 now_us;	/* touches: when the users were seen */
	int64_t		*seq;		/* out: the last event's seq (0: none) */
};

/*
 * A user's row of this instance refreshed, or made; with the online event
 * when it is the user's first row. The row of a user online here is
 * refreshed in one statement; only a touch that changed nothing looks
 * further (no row here yet, or one already as recent).
 */
static int
touch_one(struct store *st, const char *user, struct presence_batch *b)
{
	bool any, mine;
	int rc;

	if ((rc = exec_user_time(st, SQL_REFRESH, user, b->now_us,
	    b->instance)) != 0)
		return rc;
	if (store_changes(st) > 0)
		return 0;
	if ((rc = user_rows(st, user, b->instance, &any, &mine)) != 0)
		return rc;
	if (mine)	/* already as recent */
		return 0;
	if ((rc = exec_user_time(st, SQL_ONLINE, user, b->now_us,
	    b->instance)) != 0)
		return rc;
	return any ? 0 : event_presence(st, user, true, b->seq);
}

/* Runs one() for every user, all in one transaction. */
static int
each_user(struct store *st, const char *const *users, size_t n,
    int (*one)(struct store *, const char *, struct presence_batch *),
    struct presence_batch *b)
{
	size_t i;
	int rc;

	*b->seq = 0;
	if (n == 0)
		return 0;
	if ((rc = store_begin(st)) != 0)
		return rc;
	for (i = 0; i < n; i++)
		if ((rc = one(st, users[i], b)) != 0) {
			store_rollback(st);
			return rc;
		}
	return store_commit(st);
}

int
store_presence_touch(struct store *st, const char *instance,
    const char *const *users, size_t n, int64_t now_us, int64_t *seq)
{
	struct presence_batch b = { instance, now_us, seq };

	return each_user(st, users, n, touch_one, &b);
}

/* Removes row (user, instance); the offline event if it was the last. */
static int
remove_row(struct store *st, const char *user, const char *instance,
    int64_t *seq)
{
	struct dbstmt *s = store_stmt(st, SQL_REMOVE);
	bool any, mine;
	int rc;

	if (s == NULL)
		return MT_EIO;
	store_bind_text(s, 1, user);
	store_bind_text(s, 2, instance);
	if ((rc = store_exec_stmt(st, s, __func__)) != 0)
		return rc;
	if (store_changes(st) == 0)
		return 0;
	if ((rc = user_rows(st, user, instance, &any, &mine)) != 0)
		return rc;
	return any ? 0 : event_presence(st, user, false, seq);
}

static int
remove_one(struct store *st, const char *user, struct presence_batch *b)
{
	return remove_row(st, user, b->instance, b->seq);
}

int
store_presence_remove(struct store *st, const char *instance,
    const char *const *users, size_t n, int64_t *seq)
{
	struct presence_batch b = { instance, 0, seq };

	return each_user(st, users, n, remove_one, &b);
}

int
store_presence_stale(struct store *st, const char *instance,
    int64_t cutoff_us, int limit,
    void (*cb)(const char *, const char *, int64_t, void *), void *arg)
{
	struct dbstmt *s = store_stmt(st, instance ? SQL_STALE_OF : SQL_STALE);
	int rc;

	if (s == NULL)
		return MT_EIO;
	db_bind_int64(s, 1, cutoff_us);
	db_bind_int(s, 2, limit);
	if (instance != NULL)
		store_bind_text(s, 3, instance);
	while ((rc = store_step(st, s, __func__)) == 1)
		cb(store_col_text(s, 0), store_col_text(s, 1),
		    db_column_int64(s, 2), arg);
	return rc;
}

/* The stale rows, copied out of the statement before rows change. */
struct stale_list {
	char	**rows;		/* user, instance, user, instance, ... */
	size_t	  n, cap;	/* in strings */
	int	  oom;
};

static void
collect_one(struct stale_list *l, const char *v)
{
	char **p;

	if (l->oom)
		return;
	if (l->n == l->cap) {
		size_t cap = l->cap ? l->cap * 2 : 128;

		if ((p = mt_realloc(l->rows, cap * sizeof(*p))) == NULL) {
			l->oom = 1;
			return;
		}
		l->rows = p;
		l->cap = cap;
	}
	if ((l->rows[l->n] = mt_strdup(v ? v : "")) == NULL)
		l->oom = 1;
	else
		l->n++;
}

static void
collect(const char *user, const char *instance, int64_t last_seen, void *arg)
{
	(void)last_seen;
	collect_one(arg, user);
	collect_one(arg, instance);
}

static void
stale_free(struct stale_list *l)
{
	size_t i;

	for (i = 0; i < l->n; i++)
		mt_free(l->rows[i]);
	mt_free(l->rows);
}

int
store_presence_expire(struct store *st, const char *instance,
    int64_t cutoff_us, int limit, int *n, int64_t *seq)
{
	struct stale_list l = { 0 };
	size_t i;
	int rc;

	*n = 0;
	*seq = 0;
	if ((rc = store_begin(st)) != 0)
		return rc;
	rc = store_presence_stale(st, instance, cutoff_us, limit, collect, &l);
	if (rc == 0 && (l.oom || l.n % 2 != 0))
		rc = MT_ENOMEM;
	for (i = 0; rc == 0 && i < l.n; i += 2)
		rc = remove_row(st, l.rows[i], l.rows[i + 1], seq);
	if (rc == 0)
		rc = store_commit(st);
	else
		store_rollback(st);
	if (rc == 0)
		*n = (int)(l.n / 2);
	stale_free(&l);
	return rc;
}
