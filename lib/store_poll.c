/*
 * store_poll.c — the reads of the polling endpoint. A poll walks the
 * change-log after the client's cursor and keeps the rows whose audience
 * (lib/audience.c, the one place the rules live) includes the polling
 * user: a dialog's events only for the seqs at which the user was in it
 * (their membership periods, read once per batch), presence by whether
 * they share a dialog now (remembered for the batch). The lookups run
 * while the change-log statement is still stepping, so rows and
 * membership come from the same snapshot.
 *
 * JSON here: the events are the change-log's stored bodies (JSON text
 * written by event_body.c inside the write transactions), parsed and given
 * their "seq"; they are not made from rows, so no shape of lib/shape.c
 * applies.
 */
#include <string.h>

#include "audience.h"
#include "changelog.h"
#include "err.h"
#include "json.h"
#include "log.h"
#include "mem.h"
#include "store_common.h"
#include "store_int.h"
#include "store_members.h"
#include "store_poll.h"

static const char SQL_SHARES[] =
	"SELECT 1 FROM participants a JOIN participants b"
	" ON b.dialog_id = a.dialog_id AND b.user_id = ?2"
	" WHERE a.user_id = ?1 LIMIT 1";
/*
 * PostgreSQL: the change-log head, which changes with every append and,
 * waiting for an append's transaction to end, never names one that is
 * not visible yet (docs/postgresql.md).
 */
static const struct sql2 SQL_DATA_VERSION = {
	"PRAGMA data_version",
	"SELECT changelog_head()",
};

/* Answers already looked up during one read: key → yes or no. */
struct memo {
	char	**keys;
	bool	 *vals;
	size_t	  n, cap;
};

struct poll_ctx {
	struct store	*st;
	const char	*user;		/* the polling user */
	json_t		*events;	/* where kept rows go */
	struct periods	 periods;	/* the user's, once loaded */
	bool		 loaded;
	struct memo	 peers;		/* user id → shares a dialog with user */
	int		 examined;	/* rows seen */
	int		 err;		/* first failure of a lookup */
};

static int
memo_find(const struct memo *m, const char *key)
{
	size_t i;

	for (i = 0; i < m->n; i++)
		if (strcmp(m->keys[i], key) == 0)
			return (int)i;
	return -1;
}

/* Remembers key; out of memory only means asking the database again. */
static void
memo_put(struct memo *m, const char *key, bool val)
{
	char **k;
	bool *v;
	size_t cap;

	if (m->n == m->cap) {
		cap = m->cap ? m->cap * 2 : 16;
		if ((k = mt_realloc(m->keys, cap * sizeof(*k))) == NULL)
			return;
		m->keys = k;
		if ((v = mt_realloc(m->vals, cap * sizeof(*v))) == NULL)
			return;
		m->vals = v;
		m->cap = cap;
	}
	if ((m->keys[m->n] = mt_strdup(key)) == NULL)
		return;
	m->vals[m->n++] = val;
}

static void
memo_free(struct memo *m)
{
	size_t i;

	for (i = 0; i < m->n; i++)
		mt_free(m->keys[i]);
	mt_free(m->keys);
	mt_free(m->vals);
}

static bool
is_member(void *arg, const char *dialog_id, const char *user, int64_t seq)
{
	struct poll_ctx *c = arg;
	bool yes = false;
	int rc;

	if (strcmp(user, c->user) != 0) {	/* not asked by audience.c */
		if ((rc = store_participant_exists(c->st, dialog_id, user,
		    &yes)) != 0)
			c->err = rc;
		return yes;
	}
	if (!c->loaded) {
		if ((rc = store_periods_load(c->st, c->user, &c->periods))
		    != 0) {
			c->err = rc;
			return false;
		}
		c->loaded = true;
	}
	return periods_include(&c->periods, dialog_id, seq);
}

static int
shares_query(struct store *st, const char *a, const char *b, bool *yes)
{
	struct dbstmt *s = store_stmt(st, SQL_SHARES);
	int rc;

	if (s == NULL)
		return MT_EIO;
	store_bind_text(s, 1, a);
	store_bind_text(s, 2, b);
	rc = db_step(s);
	*yes = rc == SQLITE_ROW;
	db_reset(s);
	return rc == SQLITE_ROW || rc == SQLITE_DONE ? 0 :
	    store_rc(st, rc, __func__);
}

static bool
shares_dialog(void *arg, const char *a, const char *b)
{
	struct poll_ctx *c = arg;
	bool mine = strcmp(b, c->user) == 0, yes = false;
	int i, rc;

	if (mine && (i = memo_find(&c->peers, a)) >= 0)
		return c->peers.vals[i];
	if ((rc = shares_query(c->st, a, b, &yes)) != 0) {
		c->err = rc;
		return false;
	}
	if (mine)
		memo_put(&c->peers, a, yes);
	return yes;
}

/* The stored body of a row as a new object, or NULL. */
static json_t *
parse_body(const char *body)
{
	json_error_t e;
	json_t *v = json_loadb(body, strlen(body), 0, &e);

	if (json_is_object(v))
		return v;
	json_decref(v);
	return NULL;
}

/*
 * The event object of a row, or NULL with *rc set: MT_ENOMEM, or 0 for a
 * body that is not a JSON object (logged and skipped, so that one bad row
 * cannot stall every poll). Jansson reports running out of memory as a
 * syntax error, so a row is called bad only if it fails again while memory
 * for it is demonstrably there: an event is never dropped for lack of
 * memory.
 */
static json_t *
row_event(const struct changelog_row *r, int *rc)
{
	json_t *ev;
	void *probe;

	*rc = 0;
	if ((ev = parse_body(r->body)) != NULL)
		return ev;
	if ((probe = mt_malloc(2 * strlen(r->body) + 4096)) == NULL) {
		*rc = MT_ENOMEM;
		return NULL;
	}
	mt_free(probe);
	if ((ev = parse_body(r->body)) == NULL)
		log_warnx("%s: change-log row %lld is not a JSON object; "
		    "skipped", __func__, (long long)r->seq);
	return ev;
}

/* changelog_read_after() callback: keeps the row if it is the user's. */
static int
on_row(const struct changelog_row *r, void *arg)
{
	struct poll_ctx *c = arg;
	struct audience_ops ops = {
		.is_member = is_member, .shares_dialog = shares_dialog,
		.ctx = c,
	};
	json_t *ev;
	bool keep;
	int rc;

	c->examined++;
	keep = audience_includes(r, c->user, &ops);
	if (c->err != 0)
		return c->err;
	if (!keep)
		return 0;
	if ((ev = row_event(r, &rc)) == NULL)
		return rc;
	if (json_add_int(ev, "seq", r->seq) != 0) {
		json_decref(ev);
		return MT_ENOMEM;
	}
	return json_array_append_new(c->events, ev) == 0 ? 0 : MT_ENOMEM;
}

int
store_poll_read(struct store *st, const char *user, int max_rows,
    json_t *events, struct poll_pos *pos)
{
	struct poll_ctx c = { .st = st, .user = user, .events = events };
	int64_t after = pos->cursor, head = 0, pruned = 0;
	int rc;

	pos->resync = false;
	rc = changelog_read_after(st, after, max_rows, on_row, &c,
	    &pos->cursor);
	pos->examined = c.examined;
	/*
	 * After the read: a prune that removed rows we wanted has committed
	 * its pruned_through by now, so a gap is always seen. A prune that
	 * came after the read costs at most a needless resync.
	 */
	if (rc == 0)
		rc = changelog_pruned_through(st, &pruned);
	if (rc == 0)
		rc = changelog_head(st, &head);
	periods_free(&c.periods);
	memo_free(&c.peers);
	if (rc != 0)
		return rc;
	if (after < pruned || after > head) {
		pos->resync = true;
		json_array_clear(events);
		pos->cursor = head;
	}
	return 0;
}

int
store_poll_data_version(struct store *st, int64_t *version)
{
	return store_query_int64(st, store_sql(st, SQL_DATA_VERSION), version);
}

