/*
 * presq.c — the presence lane. One member of an N-member dialog coming
 * online costs N - 1 frames, so N members coming online together cost
 * about N x N: a million for a thousand, which were written in change-log
 * order, every chat message behind all of them.
 *
 * A presence change is kept once, bridge-wide, as an entry of a ring in
 * seq order (the tail adds it); a WebSocket in its audience keeps only its
 * place in the ring (pres_pos) and is put on the pump's list. The pump, a
 * timer, visits the listed connections in turn and for each
 *
 *   - writes nothing while anything else waits to go out on it (its queue
 *     of chat events and messages, a partial frame, a replay) or while
 *     more than OUTQ_MAX bytes wait in its socket, so a chat event is
 *     written at once and waits behind at most that much presence;
 *   - skips the entries whose subject has a later one (only the latest
 *     state of each user is ever framed: three connects and disconnects
 *     while a recipient is behind cost it one frame), those the
 *     connection is no longer in the audience of (membership as it is
 *     now), and those a replay already carried;
 *   - writes the rest as WebSocket frames, up to BATCH_BYTES in one send().
 *
 * Each run lasts SLICE_US, then the pump rests so that it takes at most
 * PRESENCE_FANOUT_SHARE percent of the bridge's time; the tail, the chat
 * fan-out and every other callback run in between.
 *
 * Seq (docs/differences.md N1): a frame carries its seq when that is above
 * every seq the connection has been sent; a change overtaken by a later chat
 * event goes without it (it is the latest state, not a position in the log), so
 * seq stays strictly increasing and a client resuming from the highest seq it
 * saw repeats nothing. Changes still waiting when a connection ends, and older
 * than that seq, are not replayed: presence is the cheapest event to lose, and
 * the participants endpoint's is_online has it (the
 * SDK reloads it on every reconnect).
 */
#include <sys/ioctl.h>
#include <string.h>

#include "bridge.h"
#include "cfg.h"
#include "changelog.h"
#include "json.h"
#include "log.h"
#include "mem.h"

#define SLICE_US	2000	/* one run of the pump */
#define BACKOFF_US	1000	/* first rest while nothing can be written */
#define BACKOFF_MAX_US	100000
#define BATCH_BYTES	4096	/* frames per send() */
#define OUTQ_MAX	8192	/* socket bytes that hold presence back */
#define FRAME_HDR	10	/* largest WebSocket frame header */
#define LAG_MIN		65536	/* entries a blocked connection may lag */

bool
presq_is(const struct changelog_row *r)
{
	return r->subject_user != NULL && r->body != NULL &&
	    strcmp(r->type, "presence.update") == 0;
}

static struct pentry *
entry(struct bridge *b, int64_t idx)
{
	return &b->pq[(size_t)idx & (b->pq_cap - 1)];
}

/* Frees the entries before upto. */
static void
trim(struct bridge *b, int64_t upto)
{
	while (b->pq_base < upto) {
		struct pentry *e = entry(b, b->pq_base);
		struct user *u = e->subject;

		ev_unref(e->ev);
		ev_unref(e->bare);
		memset(e, 0, sizeof(*e));
		if (u->pres_last == b->pq_base)
			u->pres_last = 0;
		u->pres_refs--;
		b->pq_base++;
		members_gc(b, u);
	}
}

/* Doubles the ring; an entry keeps its index (slot: index mod size). */
static int
grow(struct bridge *b)
{
	size_t cap = b->pq_cap ? b->pq_cap * 2 : 256;
	struct pentry *q = mt_calloc(cap, sizeof(*q));
	int64_t i;

	if (q == NULL)
		return -1;
	for (i = b->pq_base; i < b->pq_end; i++)
		q[(size_t)i & (cap - 1)] = *entry(b, i);
	mt_free(b->pq);
	b->pq = q;
	b->pq_cap = cap;
	return 0;
}

/* The event as clients receive it, without the seq. */
static struct ev *
bare_of(const struct changelog_row *r)
{
	char err[64];
	json_t *o = json_parse(r->body, strlen(r->body), err, sizeof(err));
	struct ev *e = o != NULL ? ev_json(0, o) : NULL;

	json_decref(o);
	return e;
}

int64_t
presq_add(struct bridge *b, const struct changelog_row *r, struct ev *e)
{
	struct pentry *p;
	struct user *u;
	struct ev *bare;

	if (b->pq_base == 0)
		b->pq_base = b->pq_end = 1;
	if (b->pump_head == NULL)	/* nobody needs any of them; first, */
		trim(b, b->pq_end);	/* as it may free the subject */
	if ((u = members_user(b, r->subject_user, false)) == NULL)
		return 0;	/* in no dialog the bridge knows: no peers */
	if ((b->pbuf == NULL &&
	    (b->pbuf = mt_malloc(BATCH_BYTES)) == NULL) ||
	    ((size_t)(b->pq_end - b->pq_base) == b->pq_cap && grow(b) != 0) ||
	    (bare = bare_of(r)) == NULL) {
		/* Its older entries are stale now; this one goes as chat. */
		log_warnx("%s: out of memory at seq %lld", __func__,
		    (long long)r->seq);
		u->pres_last = 0;
		return 0;
	}
	p = entry(b, b->pq_end);
	p->subject = u;
	p->ev = e;
	e->refs++;
	p->bare = bare;
	u->pres_refs++;
	u->pres_last = b->pq_end;
	return b->pq_end++;
}

static void
schedule(struct bridge *b, int64_t us)
{
	if (us < 1)
		us = 1;
	btimer_schedule(&b->t_pump, us);
	b->pump_at = lws_now_usecs() + us;
}

/* Runs the pump as soon as its share allows. */
static void
pump_soon(struct bridge *b)
{
	int64_t now = lws_now_usecs();
	int64_t at = b->pump_rest > now ? b->pump_rest : now;

	if (b->pump_at != 0 && b->pump_at <= at)
		return;
	b->pump_backoff = 0;
	schedule(b, at - now);
}

static void
list_add(struct bridge *b, struct conn *c)
{
	c->pqnext = NULL;
	c->pqprev = b->pump_tail;
	if (b->pump_tail != NULL)
		b->pump_tail->pqnext = c;
	else
		b->pump_head = c;
	b->pump_tail = c;
	c->pres_pending = true;
	b->npump++;
}

static void
list_del(struct bridge *b, struct conn *c)
{
	if (c->pqprev != NULL)
		c->pqprev->pqnext = c->pqnext;
	else
		b->pump_head = c->pqnext;
	if (c->pqnext != NULL)
		c->pqnext->pqprev = c->pqprev;
	else
		b->pump_tail = c->pqprev;
	c->pqnext = c->pqprev = NULL;
	c->pres_pending = false;
	b->npump--;
}

/*
 * A connection not on the list has looked at every entry that concerned
 * it: it starts at idx, the first that does.
 */
void
presq_mark(struct bridge *b, struct conn *c, int64_t idx)
{
	if (c->pres_pending || c->kind != CONN_WS || c->culled || c->closing)
		return;
	c->pres_pos = idx;
	list_add(b, c);
	pump_soon(b);
}

void
presq_subscribers(struct bridge *b, int64_t idx)
{
	struct user *x = entry(b, idx)->subject;
	struct dialog *d;
	struct conn *c;
	size_t i, j;

	for (i = 0; i < x->ndialogs; i++) {
		d = x->dialogs[i];
		if (!members_large(b, d))
			continue;	/* each_peer had its members */
		for (j = 0; j < d->nsubs; j++) {
			c = d->subs[j];
			if (c->u != x && !c->replaying && members_in(c->u, d))
				presq_mark(b, c, idx);
		}
	}
}

void
presq_kick(struct bridge *b, struct conn *c)
{
	if (c->pres_pending)
		pump_soon(b);
}

void
presq_forget(struct bridge *b, struct conn *c)
{
	if (c->pres_pending)
		list_del(b, c);
}

/* Bytes written to c's socket and not yet taken by the peer. */
static int
outq(struct conn *c)
{
	int n = 0;

#ifdef TIOCOUTQ
	if (ioctl(lws_get_socket_fd(c->wsi), TIOCOUTQ, &n) != 0)
		n = 0;
#else
	(void)c;
#endif
	return n;
}

/* Whether something must go out on c before presence may. */
static bool
held_back(struct conn *c)
{
	return c->qlen > 0 || c->replaying || lws_partial_buffered(c->wsi) ||
	    outq(c) > OUTQ_MAX;
}

/* Marks the dialogs of u: reaches() then looks at each of x's once. */
static uint64_t
stamp(struct bridge *b, const struct user *u)
{
	uint64_t g = ++b->dmark;
	size_t i;

	for (i = 0; i < u->ndialogs; i++)
		u->dialogs[i]->mark = g;
	return g;
}

/*
 * Whether x's presence reaches c (docs/events.md#presence, docs/differences.md
 * N4): they share a dialog of at most PRESENCE_FANOUT_MAX_DIALOG members, or a
 * larger one that c subscribed to.
 */
static bool
reaches(struct bridge *b, const struct conn *c, const struct user *x,
    uint64_t g)
{
	const struct dialog *d;
	size_t i;

	if (x == c->u)
		return false;
	for (i = 0; i < x->ndialogs; i++) {
		d = x->dialogs[i];
		if (d->mark == g && (!members_large(b, d) ||
		    conn_subscribed(c, d->h.key)))
			return true;
	}
	return false;
}

/* Appends e as one unmasked text frame at p; its length. */
static size_t
frame(unsigned char *p, const struct ev *e)
{
	size_t n = 0, len = e->len;
	int i;

	p[n++] = 0x81;				/* FIN, text */
	if (len < 126)
		p[n++] = (unsigned char)len;
	else if (len < 65536) {
		p[n++] = 126;
		p[n++] = (unsigned char)(len >> 8);
		p[n++] = (unsigned char)len;
	} else {
		p[n++] = 127;
		for (i = 7; i >= 0; i--)
			p[n++] = (unsigned char)((uint64_t)len >> (8 * i));
	}
	memcpy(p + n, e->buf + LWS_PRE, len);
	return n + len;
}

/* The next entry c gets, moving past those it does not; NULL at the end. */
static struct pentry *
next_for(struct bridge *b, struct conn *c, uint64_t g)
{
	struct pentry *e;

	for (; c->pres_pos < b->pq_end; c->pres_pos++) {
		e = entry(b, c->pres_pos);
		if (e->subject->pres_last == c->pres_pos &&
		    e->ev->seq > c->pres_floor && reaches(b, c, e->subject, g))
			return e;
	}
	return NULL;
}

/*
 * Frames what c gets next, up to BATCH_BYTES, into b->pbuf; its length.
 * A frame too big for the batch alone is written through libwebsockets
 * (*big), by itself.
 */
static size_t
batch(struct bridge *b, struct conn *c, struct ev **big)
{
	uint64_t g = stamp(b, c->u);
	struct pentry *e;
	struct ev *f;
	size_t len = 0;

	*big = NULL;
	while ((e = next_for(b, c, g)) != NULL) {
		f = e->ev->seq > c->last_seq ? e->ev : e->bare;
		if (FRAME_HDR + f->len > BATCH_BYTES) {
			if (len == 0) {
				*big = f;
				c->pres_pos++;
				if (f == e->ev)
					c->last_seq = f->seq;
			}
			break;
		}
		if (len + FRAME_HDR + f->len > BATCH_BYTES)
			break;
		len += frame(b->pbuf + len, f);
		b->pst.frames++;
		if (f == e->ev)
			c->last_seq = f->seq;
		c->pres_pos++;
	}
	return len;
}

/*
 * One turn of c: 1 when something was written or looked at, 0 when c
 * must wait, -1 when c is off the list (done, culled or closing).
 * The batch is one write of whole frames: libwebsockets sends it as it
 * is (LWS_WRITE_HTTP is its raw write) and keeps what the socket did not
 * take, ahead of anything written after it.
 */
static int
visit(struct bridge *b, struct conn *c)
{
	int64_t start = c->pres_pos;
	struct ev *big;
	size_t len;
	int n;

	if (c->u == NULL || c->culled || c->closing) {
		list_del(b, c);
		return -1;
	}
	if (c->replay_pos > c->pres_floor)	/* what its replay carried */
		c->pres_floor = c->replay_pos;
	if (held_back(c)) {
		b->pst.held++;
		if (b->pq_end - c->pres_pos > LAG_MIN + 2 * (int64_t)b->users.n) {
			conn_cull(c, "presence backlog");
			list_del(b, c);
			return -1;
		}
		return 0;
	}
	len = batch(b, c, &big);
	if (len > 0 || big != NULL)
		b->pst.sends++;
	if (big != NULL)
		n = lws_write(c->wsi, big->buf + LWS_PRE, big->len,
		    LWS_WRITE_TEXT) < (int)big->len;
	else
		n = len > 0 &&
		    lws_write(c->wsi, b->pbuf, len, LWS_WRITE_HTTP) < (int)len;
	if (n) {
		conn_cull(c, "write failed");
		list_del(b, c);
		return -1;
	}
	if (c->pres_pos >= b->pq_end) {
		list_del(b, c);
		return -1;
	}
	return c->pres_pos > start;
}

/* The oldest entry a listed connection may still need. */
static int64_t
lowest(struct bridge *b)
{
	int64_t low = b->pq_end;
	struct conn *c;

	for (c = b->pump_head; c != NULL; c = c->pqnext)
		if (c->pres_pos < low)
			low = c->pres_pos;
	return low;
}

/* Passes over the list until the slice ends or a pass moves nothing. */
static bool
pump_run(struct bridge *b, int64_t end)
{
	struct conn *c;
	bool moved = false, pass;
	long n;
	int r;

	do {
		pass = false;
		for (n = b->npump; n > 0 && b->pump_head != NULL; n--) {
			c = b->pump_head;
			if ((r = visit(b, c)) != 0)
				pass = true;
			if (r >= 0 && b->pump_tail != c) {	/* its turn ends */
				list_del(b, c);
				list_add(b, c);
			}
			if (lws_now_usecs() >= end)
				return moved || pass;
		}
		moved |= pass;
	} while (pass && b->pump_head != NULL);
	return moved;
}

void
presq_pump(struct bridge *b)
{
	int64_t t0 = lws_now_usecs(), used;
	long share = b->cfg->presence_share;
	bool moved;

	b->pump_at = 0;
	if (b->pst.start == 0)
		b->pst.start = t0;
	moved = pump_run(b, t0 + SLICE_US);
	b->pst.runs++;
	b->pst.busy += lws_now_usecs() - t0;
	trim(b, lowest(b));
	if (b->pump_head == NULL) {
		log_info("presence: %ld frames in %ld sends over %.3f s, "
		    "pumping %.3f s in %ld runs, %ld turns held back",
		    b->pst.frames, b->pst.sends,
		    (double)(lws_now_usecs() - b->pst.start) / 1e6,
		    (double)b->pst.busy / 1e6, b->pst.runs, b->pst.held);
		memset(&b->pst, 0, sizeof(b->pst));
		b->pump_backoff = 0;
		return;
	}
	if (moved) {
		used = lws_now_usecs() - t0;
		b->pump_backoff = 0;
		b->pump_rest = t0 + used + used * (100 - share) / share;
		schedule(b, b->pump_rest - lws_now_usecs());
		return;
	}
	/* Everybody listed is held back: look again later, less often. */
	b->pump_backoff = b->pump_backoff == 0 ? BACKOFF_US :
	    b->pump_backoff * 2 > BACKOFF_MAX_US ? BACKOFF_MAX_US :
	    b->pump_backoff * 2;
	schedule(b, b->pump_backoff);
}

void
presq_fini(struct bridge *b)
{
	while (b->pump_head != NULL)
		list_del(b, b->pump_head);
	if (b->pq != NULL)
		trim(b, b->pq_end);
	mt_free(b->pq);
	mt_free(b->pbuf);
	b->pq = NULL;
	b->pbuf = NULL;
	b->pq_cap = 0;
}
