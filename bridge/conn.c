/*
 * conn.c — connections and their queues. A connection (struct conn, the
 * libwebsockets per-session data) holds references to encoded events; a
 * connection past BRIDGE_QUEUE_LIMIT is culled: its queue is dropped and
 * the library closes it asynchronously, never from inside the code that is
 * delivering to it (the client resumes with since). conn_release() runs
 * from the connection's own events only: its CLOSED callbacks, and a
 * long-poll's answer (poll.c), which ends the connection anyway.
 *
 * This queue holds chat events and per-connection messages; presence
 * waits in the presence lane (presq.c), which writes only when this queue
 * is empty, so a chat event never waits behind presence.
 */
#include <string.h>

#include "bridge.h"
#include "cfg.h"
#include "json.h"
#include "log.h"
#include "mem.h"

#define CULL_GRACE_SECS	5	/* for the close frame of a culled client */

static void	dialog_unlist(struct bridge *, struct conn *, const char *);

struct ev *
ev_new(int64_t seq, const char *text, size_t len)
{
	struct ev *e = mt_malloc(sizeof(*e) + LWS_PRE + len + 1);

	if (e == NULL)
		return NULL;
	e->refs = 1;
	e->seq = seq;
	e->len = len;
	memcpy(e->buf + LWS_PRE, text, len);
	e->buf[LWS_PRE + len] = '\0';
	return e;
}

struct ev *
ev_json(int64_t seq, const json_t *obj)
{
	char *text = json_encode(obj);
	struct ev *e;

	if (text == NULL)
		return NULL;
	e = ev_new(seq, text, strlen(text));
	mt_free(text);
	return e;
}

void
ev_unref(struct ev *e)
{
	if (e != NULL && --e->refs == 0)
		mt_free(e);
}

void
conn_attach(struct bridge *b, struct conn *c, struct user *u,
    enum conn_kind kind, struct lws *wsi)
{
	c->wsi = wsi;
	c->kind = kind;
	c->u = u;
	c->uprev = NULL;
	c->unext = u->conns;
	if (u->conns != NULL)
		u->conns->uprev = c;
	u->conns = c;
	c->aprev = NULL;
	c->anext = b->conns;
	if (b->conns != NULL)
		b->conns->aprev = c;
	b->conns = c;
	b->nconns++;
	u->nconns++;
	if (kind == CONN_WS)
		u->nws++;
}

bool
conn_user_full(struct bridge *b, const char *name)
{
	struct user *u = members_user(b, name, false);

	return u != NULL && u->nconns >= b->cfg->bridge_max_per_user;
}

static void
queue_clear(struct conn *c)
{
	while (c->qlen > 0)
		ev_unref(conn_pop(c));
	mt_free(c->q);
	c->q = NULL;
	c->qcap = c->qhead = 0;
}

void
conn_release(struct bridge *b, struct conn *c)
{
	struct user *u = c->u;
	size_t i;

	if (u == NULL)
		return;
	if (c->uprev != NULL)
		c->uprev->unext = c->unext;
	else
		u->conns = c->unext;
	if (c->unext != NULL)
		c->unext->uprev = c->uprev;
	if (c->aprev != NULL)
		c->aprev->anext = c->anext;
	else
		b->conns = c->anext;
	if (c->anext != NULL)
		c->anext->aprev = c->aprev;
	b->nconns--;
	u->nconns--;
	if (c->kind == CONN_WS)
		u->nws--;
	queue_clear(c);
	presq_forget(b, c);
	for (i = 0; i < c->nsubs; i++) {
		dialog_unlist(b, c, c->subs[i]);
		mt_free(c->subs[i]);
	}
	mt_free(c->subs);
	mt_free(c->rx);
	for (i = 0; i < c->nevs; i++)
		ev_unref(c->evs[i]);
	mt_free(c->evs);
	mt_free(c->reply);
	c->u = NULL;
	c->subs = NULL;
	c->rx = c->reply = NULL;
	c->evs = NULL;
	c->nsubs = c->rxlen = c->nevs = c->cevs = 0;
	c->kind = CONN_NONE;
	presence_changed(b, u);
}

struct ev *
conn_pop(struct conn *c)
{
	struct ev *e;

	if (c->qlen == 0)
		return NULL;
	e = c->q[c->qhead];
	c->qhead = (c->qhead + 1) % c->qcap;
	c->qlen--;
	return e;
}

/* Doubles the ring, keeping the order of what is queued. */
static int
queue_grow(struct conn *c)
{
	size_t cap = c->qcap ? c->qcap * 2 : 8, i;
	struct ev **q = mt_malloc(cap * sizeof(*q));

	if (q == NULL)
		return -1;
	for (i = 0; i < c->qlen; i++)
		q[i] = c->q[(c->qhead + i) % c->qcap];
	mt_free(c->q);
	c->q = q;
	c->qcap = cap;
	c->qhead = 0;
	return 0;
}

/*
 * The close frame goes out from the next writable callback (ws_writable()
 * returns -1 there, after lws_close_reason()); a client that reads nothing
 * any more never makes the socket writable, so a timeout ends it too.
 */
void
conn_cull(struct conn *c, const char *why)
{
	if (c->culled)
		return;
	c->culled = true;
	log_info("cull %p user %s: %s", (void *)c->wsi,
	    c->u ? c->u->h.key : "-", why);
	queue_clear(c);
	lws_close_reason(c->wsi, LWS_CLOSE_STATUS_POLICY_VIOLATION,
	    (unsigned char *)"too far behind", 14);
	lws_callback_on_writable(c->wsi);
	lws_set_timeout(c->wsi, PENDING_TIMEOUT_USER_OK, CULL_GRACE_SECS);
}

void
conn_push(struct bridge *b, struct conn *c, struct ev *e)
{
	if (c->culled || c->closing)
		return;
	if (c->qlen >= (size_t)b->cfg->bridge_queue_limit) {
		conn_cull(c, "queue limit");
		return;
	}
	if (c->qlen == c->qcap && queue_grow(c) != 0) {
		conn_cull(c, "out of memory");
		return;
	}
	e->refs++;
	c->q[(c->qhead + c->qlen) % c->qcap] = e;
	c->qlen++;
	if (e->seq > c->last_seq)
		c->last_seq = e->seq;
	lws_callback_on_writable(c->wsi);
}

/*
 * The tail's fan-out: with nothing ahead of e on c (its queue empty, no
 * partial frame left in libwebsockets) the frame is written at once, else
 * it is queued behind the rest: asking for a writable callback per
 * recipient would cost a poll() round trip and a callback each, a cost
 * that grows with the audience. A short write is kept and finished by the
 * library itself before anything else goes out on c.
 */
void
conn_send(struct bridge *b, struct conn *c, struct ev *e)
{
	int n;

	if (c->culled || c->closing)
		return;
	if (c->kind != CONN_WS || c->qlen > 0 || c->replaying ||
	    lws_partial_buffered(c->wsi)) {
		conn_push(b, c, e);
		return;
	}
	n = lws_write(c->wsi, e->buf + LWS_PRE, e->len, LWS_WRITE_TEXT);
	if (n < (int)e->len) {
		conn_cull(c, "write failed");
		return;
	}
	if (e->seq > c->last_seq)
		c->last_seq = e->seq;
}

void
conn_say(struct bridge *b, struct conn *c, const char *type, const char *key,
    json_t *val)
{
	json_t *o = json_object();
	struct ev *e = NULL;

	if (o == NULL || json_add_str(o, "type", type) != 0) {
		if (key != NULL)
			json_decref(val);
	} else if (key == NULL || json_add_new(o, key, val) == 0)
		e = ev_json(0, o);
	json_decref(o);
	if (e == NULL) {
		conn_cull(c, "out of memory");
		return;
	}
	conn_push(b, c, e);
	ev_unref(e);
}

/* Takes c off the subscriber list of the dialog dialog_id, if it is on. */
static void
dialog_unlist(struct bridge *b, struct conn *c, const char *dialog_id)
{
	struct dialog *d = members_dialog(b, dialog_id);
	size_t i;

	for (i = 0; d != NULL && i < d->nsubs; i++)
		if (d->subs[i] == c) {
			d->subs[i] = d->subs[--d->nsubs];
			return;
		}
}

/*
 * Puts c on the subscriber list of the dialog (presq.c reaches the
 * subscribers of a large dialog through it); once only.
 */
static int
dialog_list(struct bridge *b, struct conn *c, const char *dialog_id)
{
	struct dialog *d = members_dialog(b, dialog_id);
	struct conn **s;
	size_t i;

	if (d == NULL)
		return 0;
	for (i = 0; i < d->nsubs; i++)
		if (d->subs[i] == c)
			return 0;
	if (d->nsubs == d->csubs) {
		size_t cap = d->csubs ? d->csubs * 2 : 4;

		if ((s = mt_realloc(d->subs, cap * sizeof(*s))) == NULL)
			return -1;
		d->subs = s;
		d->csubs = cap;
	}
	d->subs[d->nsubs++] = c;
	return 0;
}

bool
conn_subscribed(const struct conn *c, const char *dialog_id)
{
	size_t i;

	for (i = 0; i < c->nsubs; i++)
		if (strcmp(c->subs[i], dialog_id) == 0)
			return true;
	return false;
}

int
conn_subscribe(struct bridge *b, struct conn *c, const char *dialog_id)
{
	char **s, *copy;

	if (dialog_list(b, c, dialog_id) != 0)
		return -1;
	if (conn_subscribed(c, dialog_id))
		return 0;
	if ((copy = mt_strdup(dialog_id)) == NULL) {
		dialog_unlist(b, c, dialog_id);
		return -1;
	}
	if ((s = mt_realloc(c->subs, (c->nsubs + 1) * sizeof(*s))) == NULL) {
		mt_free(copy);
		dialog_unlist(b, c, dialog_id);
		return -1;
	}
	c->subs = s;
	c->subs[c->nsubs++] = copy;
	return 0;
}

void
conn_unsubscribe(struct bridge *b, struct conn *c, const char *dialog_id)
{
	size_t i;

	dialog_unlist(b, c, dialog_id);
	for (i = 0; i < c->nsubs; i++)
		if (strcmp(c->subs[i], dialog_id) == 0) {
			mt_free(c->subs[i]);
			c->subs[i] = c->subs[--c->nsubs];
			return;
		}
}
