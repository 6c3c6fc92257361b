/*
 * store_presence.c — the presence table. A row exists while a user is
 * online; writers (the bridge on connect/ping/close, pollers, the reaper)
 * change it only together with the presence.update events of real
 * transitions.
 */
#include "err.h"
#include "event_body.h"
#include "mem.h"
#include "store_int.h"
#include "store_presence.h"

static const char SQL_ONLINE[] =
	"INSERT INTO presence (user_id, last_seen) VALUES (?, ?)";
/* A refresh of an online user: most touches are one. */
static const char SQL_REFRESH[] =
	"UPDATE presence SET last_seen = ?2 WHERE user_id = ?1"
	" AND last_seen < ?2";
static const char SQL_GET[] =
	"SELECT last_seen FROM presence WHERE user_id = ?";
static const char SQL_REMOVE[] =
	"DELETE FROM presence WHERE user_id = ?";
static const char SQL_STALE[] =
	"SELECT user_id, last_seen FROM presence WHERE last_seen < ?"
	" ORDER BY last_seen LIMIT ?";

int
store_presence_get(struct store *st, const char *user, bool *found,
    int64_t *last_seen)
{
	struct dbstmt *s = store_stmt(st, SQL_GET);
	int rc;

	if (s == NULL)
		return MT_EIO;
	store_bind_text(s, 1, user);
	rc = db_step(s);
	*found = rc == SQLITE_ROW;
	*last_seen = *found ? db_column_int64(s, 0) : 0;
	db_reset(s);
	return rc == SQLITE_ROW || rc == SQLITE_DONE ? 0 :
	    store_rc(st, rc, __func__);
}

/* Runs sql with a user (?1) and a time (?2). */
static int
exec_user_time(struct store *st, const char *sql, const char *user,
    int64_t t)
{
	struct dbstmt *s = store_stmt(st, sql);

	if (s == NULL)
		return MT_EIO;
	store_bind_text(s, 1, user);
	db_bind_int64(s, 2, t);
	return store_exec_stmt(st, s, __func__);
}

/* What a batch of presence changes shares across its users. */
struct presence_batch {
	int64_t	 now_us;	/* touches: when the users were seen */
	int64_t	*seq;		/* out: the last event's seq (0: none) */
};

/*
 * A user's row refreshed, or made with its online event. The row of an
 * online user is refreshed in one statement; only a touch that changed
 * nothing looks further (no row yet, or one already as recent).
 */
static int
touch_one(struct store *st, const char *user, struct presence_batch *b)
{
	int64_t seen;
	bool was;
	int rc;

	if ((rc = exec_user_time(st, SQL_REFRESH, user, b->now_us)) != 0)
		return rc;
	if (store_changes(st) > 0)
		return 0;
	if ((rc = store_presence_get(st, user, &was, &seen)) != 0)
		return rc;
	if (was)	/* already as recent */
		return 0;
	if ((rc = exec_user_time(st, SQL_ONLINE, user, b->now_us)) != 0)
		return rc;
	return event_presence(st, user, true, b->seq);
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
store_presence_touch(struct store *st, const char *const *users, size_t n,
    int64_t now_us, int64_t *seq)
{
	struct presence_batch b = { now_us, seq };

	return each_user(st, users, n, touch_one, &b);
}

static int
remove_one(struct store *st, const char *user, struct presence_batch *b)
{
	struct dbstmt *s = store_stmt(st, SQL_REMOVE);
	int rc;

	if (s == NULL)
		return MT_EIO;
	store_bind_text(s, 1, user);
	if ((rc = store_exec_stmt(st, s, __func__)) != 0)
		return rc;
	if (store_changes(st) == 0)
		return 0;
	return event_presence(st, user, false, b->seq);
}

int
store_presence_remove(struct store *st, const char *const *users, size_t n,
    int64_t *seq)
{
	struct presence_batch b = { 0, seq };

	return each_user(st, users, n, remove_one, &b);
}

int
store_presence_stale(struct store *st, int64_t cutoff_us, int limit,
    void (*cb)(const char *, int64_t, void *), void *arg)
{
	struct dbstmt *s = store_stmt(st, SQL_STALE);
	int rc;

	if (s == NULL)
		return MT_EIO;
	db_bind_int64(s, 1, cutoff_us);
	db_bind_int(s, 2, limit);
	while ((rc = store_step(st, s, __func__)) == 1)
		cb(store_col_text(s, 0), db_column_int64(s, 1), arg);
	return rc;
}

/* The stale users, copied out of the statement before rows change. */
struct stale_list {
	char	**users;
	size_t	  n, cap;
	int	  oom;
};

static void
collect(const char *user, int64_t last_seen, void *arg)
{
	struct stale_list *l = arg;
	char **p;

	(void)last_seen;
	if (l->oom)
		return;
	if (l->n == l->cap) {
		size_t cap = l->cap ? l->cap * 2 : 64;

		if ((p = mt_realloc(l->users, cap * sizeof(*p))) == NULL) {
			l->oom = 1;
			return;
		}
		l->users = p;
		l->cap = cap;
	}
	if ((l->users[l->n] = mt_strdup(user)) == NULL)
		l->oom = 1;
	else
		l->n++;
}

static void
stale_free(struct stale_list *l)
{
	size_t i;

	for (i = 0; i < l->n; i++)
		mt_free(l->users[i]);
	mt_free(l->users);
}

int
store_presence_expire(struct store *st, int64_t cutoff_us, int limit, int *n,
    int64_t *seq)
{
	struct stale_list l = { 0 };
	struct presence_batch b = { 0, seq };
	size_t i;
	int rc;

	*n = 0;
	*seq = 0;
	if ((rc = store_begin(st)) != 0)
		return rc;
	rc = store_presence_stale(st, cutoff_us, limit, collect, &l);
	if (rc == 0 && l.oom)
		rc = MT_ENOMEM;
	for (i = 0; rc == 0 && i < l.n; i++)
		rc = remove_one(st, l.users[i], &b);
	if (rc == 0)
		rc = store_commit(st);
	else
		store_rollback(st);
	if (rc == 0)
		*n = (int)l.n;
	stale_free(&l);
	return rc;
}
