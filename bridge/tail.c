/*
 * tail.c — follows the change-log. Woken by the writers' datagram (on
 * PostgreSQL: by NOTIFY, listen.c) or by a fallback timer of at most one
 * second, it reads the rows after its cursor in batches and, for each in
 * seq order, first applies the membership change the row carries (so a
 * joiner receives their own participant.joined), then hands the row to
 * its audience (lib/audience.c) over the in-memory membership: one
 * encoding per row, one reference per receiving connection, in seq order
 * on each. Presence goes to WebSockets through the presence lane (presq.c)
 * instead: after their chat events, the latest state of each user only.
 *
 * Resuming connections replay their events from the database up to the
 * cursor (tail_replay()); live rows are not queued on them meanwhile, so
 * the seam has neither a gap nor a duplicate. A replay (and a long-poll's
 * collection) shows a dialog's events only for the seqs at which the user
 * was in it, and checks after every read that nothing it needed was
 * pruned meanwhile (else: resync).
 */
#include <string.h>

#include "bridge.h"
#include "cfg.h"
#include "changelog.h"
#include "err.h"
#include "json.h"
#include "log.h"
#include "mem.h"
#include "store_members.h"
#include "tm.h"

#define TAIL_BATCH	512	/* rows per read */
#define REPLAY_ROWS	512	/* rows examined per replay step */
#define REPLAY_QUEUE	64	/* events queued per replay step */
#define COLLECT_ROWS	20000	/* rows examined per long-poll answer */
#define COLLECT_EVENTS	500	/* events per long-poll answer */

/* One row being delivered: encoded at most once, on first need. */
struct delivery {
	struct bridge			*b;
	const struct changelog_row	*r;
	struct ev			*ev;
	int64_t				 pidx;	/* presence lane entry, or 0 */
	bool				 failed;
};

json_t *
tail_event_obj(const struct changelog_row *r)
{
	char err[64];
	json_t *o;

	if (r->body == NULL ||
	    (o = json_parse(r->body, strlen(r->body), err, sizeof(err)))
	    == NULL)
		return NULL;
	if (!json_is_object(o) || json_add_int(o, "seq", r->seq) != 0) {
		json_decref(o);
		return NULL;
	}
	return o;
}

bool
tail_wants(struct bridge *b, const struct conn *c,
    const struct changelog_row *r)
{
	(void)b;
	if (!c->filter || r->dialog_id == NULL ||
	    conn_subscribed(c, r->dialog_id))
		return true;
	return audience_passes_filter(r, c->u->h.key);
}

static bool
encode(struct delivery *d)
{
	json_t *obj;

	if (d->ev != NULL)
		return true;
	if (d->failed)
		return false;
	obj = tail_event_obj(d->r);
	d->ev = obj != NULL ? ev_json(d->r->seq, obj) : NULL;
	json_decref(obj);
	if (d->ev == NULL) {
		log_warnx("tail: cannot encode seq %lld", (long long)d->r->seq);
		d->failed = true;
		return false;
	}
	return true;
}

static void
deliver_poll(struct delivery *d, struct conn *c)
{
	if (poll_add(c, d->ev) == 0) {
		c->last_seq = d->r->seq;
		poll_wake(d->b, c);
	}
}

/* audience_each() callback: one user of the row's audience. */
static void
deliver(const char *name, void *arg)
{
	struct delivery *d = arg;
	struct user *u = members_each_user(d->b, name);
	struct conn *c;

	if (u == NULL || u->conns == NULL)
		return;
	for (c = u->conns; c != NULL; c = c->unext) {
		if (d->pidx != 0 && c->kind == CONN_WS) {
			/* the presence lane; a storm makes this hot */
			if (!c->pres_pending && !c->replaying)
				presq_mark(d->b, c, d->pidx);
			continue;
		}
		if (c->replaying || c->culled || c->last_seq >= d->r->seq ||
		    (c->kind == CONN_POLL && !c->held) ||
		    !tail_wants(d->b, c, d->r) || !encode(d))
			continue;
		if (c->kind == CONN_WS)
			conn_send(d->b, c, d->ev);
		else
			deliver_poll(d, c);
	}
}

static int
on_row(const struct changelog_row *r, void *arg)
{
	struct bridge *b = arg;
	struct delivery d = { .b = b, .r = r };

	b->tail_rows++;
	members_apply(b, r);
	if (b->nconns > 0) {
		if (presq_is(r) && encode(&d))
			d.pidx = presq_add(b, r, d.ev);
		audience_each(r, &b->ops, deliver, &d);
		if (d.pidx != 0)
			presq_subscribers(b, d.pidx);
	}
	ev_unref(d.ev);
	b->cursor = r->seq;
	return 0;
}

void
tail_run(struct bridge *b)
{
	int64_t last;
	int rc;

	do {
		b->tail_rows = 0;
		rc = changelog_read_after(b->st, b->cursor, TAIL_BATCH, on_row,
		    b, &last);
		if (rc != 0) {
			log_warnx("tail: reading the change-log: %s",
			    mt_strerror(rc));
			break;
		}
	} while (b->tail_rows >= TAIL_BATCH);
	poll_flush(b);
}

static void
tail_timer(lws_sorted_usec_list_t *sul)
{
	struct bridge *b = lws_container_of(sul, struct bridge, sul_tail);
	bool lost = listen_lost(b);	/* first: connects again if due */

	tail_run(b);
	tail_schedule(b, lost ? LWS_US_PER_SEC : b->tail_every);
}

void
tail_schedule(struct bridge *b, lws_usec_t us)
{
	lws_sul_schedule(b->ctx, 0, &b->sul_tail, tail_timer, us);
}

/*
 * What a user may see of the past: a dialog's events only for the seqs at
 * which they were in it (their membership periods, read once per step of
 * a replay or collection: a user who joins meanwhile is seen at the next);
 * presence by the dialogs they share now, as live.
 */
struct history {
	struct bridge		*b;
	struct periods		 ps;
	struct audience_ops	 ops;
};

static bool
history_member(void *ctx, const char *dialog_id, const char *user,
    int64_t seq)
{
	struct history *h = ctx;

	(void)user;	/* audience_includes() asks about its user only */
	return periods_include(&h->ps, dialog_id, seq);
}

static bool
history_shares(void *ctx, const char *a, const char *b)
{
	struct history *h = ctx;

	return h->b->ops.shares_dialog(h->b->ops.ctx, a, b);
}

static int
history_load(struct bridge *b, const char *user, struct history *h)
{
	memset(h, 0, sizeof(*h));
	h->b = b;
	h->ops.is_member = history_member;
	h->ops.shares_dialog = history_shares;
	h->ops.ctx = h;
	return store_periods_load(b->st, user, &h->ps);
}

/*
 * Whether rows after `after` were pruned: asked after each read, so that a
 * prune racing the read is never a silent gap (it committed its
 * pruned_through before the rows went).
 */
static bool
pruned_after(struct bridge *b, int64_t after)
{
	int64_t pruned = 0;

	return changelog_pruned_through(b->st, &pruned) != 0 ||
	    pruned > after;
}

/* Replay of one connection: its rows after replay_pos, up to the cursor. */
struct replay {
	struct bridge	*b;
	struct conn	*c;
	struct history	 h;
	int		 queued;
	int64_t		 upto;
};

static int
replay_row(const struct changelog_row *r, void *arg)
{
	struct replay *rp = arg;
	struct conn *c = rp->c;
	json_t *o;
	struct ev *e;

	if (r->seq > rp->upto)
		return 1;
	c->replay_pos = r->seq;
	if (!audience_includes(r, c->u->h.key, &rp->h.ops) ||
	    !tail_wants(rp->b, c, r))
		return 0;
	if ((o = tail_event_obj(r)) == NULL)
		return 0;
	e = ev_json(r->seq, o);
	json_decref(o);
	if (e == NULL) {
		conn_cull(c, "out of memory");
		return 1;
	}
	conn_push(rp->b, c, e);
	ev_unref(e);
	return ++rp->queued >= REPLAY_QUEUE || c->culled ? 1 : 0;
}

/* The replay cannot be completed: the client reloads, then goes live. */
static void
replay_resync(struct bridge *b, struct conn *c)
{
	log_info("replay of user %s: log pruned under it, resync",
	    c->u->h.key);
	c->replaying = false;
	conn_say(b, c, "resync", "cursor", json_integer(b->cursor));
	c->last_seq = b->cursor;
}

/* One step of c's replay; 0, or -1 when c was culled. */
static int
replay_step(struct bridge *b, struct conn *c, struct replay *rp)
{
	int64_t last, start = c->replay_pos;
	int rc;

	if ((rc = history_load(b, c->u->h.key, &rp->h)) == 0)
		rc = changelog_read_after(b->st, c->replay_pos, REPLAY_ROWS,
		    replay_row, rp, &last);
	periods_free(&rp->h.ps);
	if (rc < 0) {
		log_warnx("replay: %s", mt_strerror(rc));
		conn_cull(c, "replay failed");
		return -1;
	}
	if (pruned_after(b, start)) {
		replay_resync(b, c);
		return 0;
	}
	/* No row at all up to the cursor: nothing left to replay. */
	if (c->replay_pos == start)
		c->replay_pos = b->cursor;
	return 0;
}

bool
tail_replay(struct bridge *b, struct conn *c)
{
	struct replay rp = { .b = b, .c = c, .upto = b->cursor };

	if (!c->replaying)
		return false;
	if (c->replay_pos < b->cursor && replay_step(b, c, &rp) != 0)
		return false;
	if (c->replaying && c->replay_pos >= b->cursor) {
		c->replaying = false;
		if (c->replay_pos > c->last_seq)
			c->last_seq = c->replay_pos;
	}
	if (rp.queued == 0 && c->replaying)
		lws_callback_on_writable(c->wsi);
	return c->replaying || rp.queued > 0;
}

/* Long-poll: the events for c after since, up to the cursor. */
struct collect {
	struct bridge	*b;
	struct conn	*c;
	struct history	 h;
	int64_t		 upto, examined;
	int		 rows;
};

static int
collect_row(const struct changelog_row *r, void *arg)
{
	struct collect *cl = arg;
	struct ev *e;
	json_t *o;
	int rc;

	if (r->seq > cl->upto)
		return 1;
	if (audience_includes(r, cl->c->u->h.key, &cl->h.ops) &&
	    (o = tail_event_obj(r)) != NULL) {
		e = ev_json(r->seq, o);
		json_decref(o);
		rc = e == NULL ? MT_ENOMEM : poll_add(cl->c, e);
		ev_unref(e);
		if (rc != 0)
			return MT_ENOMEM;	/* not examined: read again */
	}
	cl->examined = r->seq;
	cl->rows++;
	return cl->c->nevs >= COLLECT_EVENTS ? 1 : 0;
}

int
tail_collect(struct bridge *b, struct conn *c, int64_t since,
    int64_t *cursor)
{
	struct collect cl = { .b = b, .c = c, .upto = b->cursor,
	    .examined = since };
	int64_t last;
	int rc;

	if ((rc = history_load(b, c->u->h.key, &cl.h)) != 0)
		return rc;
	while (cl.examined < cl.upto && cl.rows < COLLECT_ROWS &&
	    c->nevs < COLLECT_EVENTS) {
		int before = cl.rows;

		rc = changelog_read_after(b->st, cl.examined, TAIL_BATCH,
		    collect_row, &cl, &last);
		if (rc < 0)
			break;
		if (cl.rows == before) {	/* nothing left below upto */
			cl.examined = cl.upto;
			break;
		}
	}
	periods_free(&cl.h.ps);
	/*
	 * A read that failed after events were collected answers them, the
	 * cursor at the last row examined: the client polls again from
	 * there, so that polls make progress over a store that fails now
	 * and then (every event up to the cursor is in the answer).
	 */
	if (rc < 0 && c->nevs == 0)
		return rc;
	*cursor = cl.examined;
	return pruned_after(b, since) ? MT_ENOTFOUND : 0;
}
