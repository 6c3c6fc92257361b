/*
 * poll.c — the held long-poll, GET /api/v1/events?since=SEQ&timeout=S
 * (docs/differences.md N3): answered at once when events are waiting, else held
 * until one arrives or S seconds pass (default 25, at most
 * BRIDGE_POLL_MAX_SECS). Everything needed is copied out of the request and its
 * header table is given back, so thousands of held polls cost no more than idle
 * sockets.
 * A poll counts as a presence ping. The arguments follow lib/reqargs.c,
 * as in mtchat.fcgi; every answer closes its connection.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "bridge.h"
#include "cfg.h"
#include "changelog.h"
#include "cors.h"
#include "err.h"
#include "json.h"
#include "log.h"
#include "mem.h"
#include "tm.h"

#define EVENTS_PATH	"/api/v1/events"

#define HOLD_TICK_US	(100 * 1000)	/* expiry granularity */

/* Takes c out of its hold list, if it is in one. */
static void
hold_remove(struct bridge *b, struct conn *c)
{
	struct hold_list *l;

	if (c->hold_secs < 0 || b->holds == NULL)
		return;
	l = &b->holds[c->hold_secs];
	if (c->hprev != NULL)
		c->hprev->hnext = c->hnext;
	else
		l->head = c->hnext;
	if (c->hnext != NULL)
		c->hnext->hprev = c->hprev;
	else
		l->tail = c->hprev;
	c->hprev = c->hnext = NULL;
	c->hold_secs = -1;
	b->nheld--;
}

/*
 * Held polls are answered by poll_flush(), straight from the timer or the
 * tail that ends their hold, rather than each from its own writable
 * callback: a poll() round trip per poll less, and every event of a batch
 * in one answer all the same.
 */
void
poll_wake(struct bridge *b, struct conn *c)
{
	if (c->answer)
		return;
	c->answer = true;
	hold_remove(b, c);
	c->wnext = b->answers;
	b->answers = c;
}

/* Every HOLD_TICK_US while polls are held: wakes the expired ones. */
static void
hold_tick(lws_sorted_usec_list_t *sul)
{
	struct bridge *b = lws_container_of(sul, struct bridge, sul_holds);
	int64_t now = tm_now_us();
	long s;

	for (s = 0; s <= b->cfg->bridge_poll_max && b->nheld > 0; s++)
		while (b->holds[s].head != NULL &&
		    b->holds[s].head->deadline <= now)
			poll_wake(b, b->holds[s].head);
	poll_flush(b);
	if (b->nheld > 0)
		lws_sul_schedule(b->ctx, 0, &b->sul_holds, hold_tick,
		    HOLD_TICK_US);
}

/* Holds c for secs seconds (at most bridge_poll_max): O(1). */
static int
hold_add(struct bridge *b, struct conn *c, long secs)
{
	struct hold_list *l;

	if (b->holds == NULL && (b->holds = mt_calloc(
	    (size_t)b->cfg->bridge_poll_max + 1, sizeof(*b->holds))) == NULL)
		return -1;
	c->deadline = tm_now_us() + (int64_t)secs * 1000000;
	c->hold_secs = secs;
	l = &b->holds[secs];
	c->hnext = NULL;
	c->hprev = l->tail;
	if (l->tail != NULL)
		l->tail->hnext = c;
	else
		l->head = c;
	l->tail = c;
	if (b->nheld++ == 0)
		lws_sul_schedule(b->ctx, 0, &b->sul_holds, hold_tick,
		    HOLD_TICK_US);
	return 0;
}

void
poll_fini(struct bridge *b)
{
	mt_free(b->holds);
	b->holds = NULL;
	b->nheld = 0;
}

int
poll_add(struct conn *c, struct ev *e)
{
	struct ev **a;

	if (c->nevs == c->cevs) {
		size_t cap = c->cevs ? c->cevs * 2 : 4;

		if ((a = mt_realloc(c->evs, cap * sizeof(*a))) == NULL)
			return -1;
		c->evs = a;
		c->cevs = cap;
	}
	e->refs++;
	c->evs[c->nevs++] = e;
	return 0;
}

/*
 * Builds the answer {"data":{"events":[...],"cursor":N}} from the events'
 * encoded text: each event is encoded once for all its recipients.
 */
static int
poll_encode(struct conn *c, int64_t cursor)
{
	struct jw w = JW_INIT;
	size_t i;

	jw_open(&w, NULL, '{');
	jw_open(&w, "data", '{');
	jw_open(&w, "events", '[');
	for (i = 0; i < c->nevs; i++)
		jw_raw(&w, NULL, (const char *)c->evs[i]->buf + LWS_PRE,
		    c->evs[i]->len);
	jw_close(&w, ']');
	jw_int(&w, "cursor", cursor);
	jw_close(&w, '}');
	jw_close(&w, '}');
	if ((c->reply = jw_take(&w, &c->replylen)) == NULL)
		return -1;
	return 0;
}

/* Answers now (at the next writable) with what was collected. */
static void
poll_answer(struct conn *c, int64_t cursor)
{
	if (poll_encode(c, cursor) != 0)
		c->status = 503;
	c->answer = true;
	lws_callback_on_writable(c->wsi);
}

/* Answers {"type":"resync","cursor":N} alone (docs/differences.md N3). */
static void
poll_resync(struct conn *c, int64_t cursor)
{
	struct ev *e = NULL;
	json_t *r;
	size_t i;

	for (i = 0; i < c->nevs; i++)	/* what came before a gap */
		ev_unref(c->evs[i]);
	c->nevs = 0;
	r = json_pack("{s:s,s:I}", "type", "resync", "cursor",
	    (json_int_t)cursor);
	if (r == NULL || (e = ev_json(0, r)) == NULL || poll_add(c, e) != 0)
		c->status = 503;
	ev_unref(e);
	json_decref(r);
	poll_answer(c, cursor);
}

/* Decides: resync, events waiting, or hold. */
static void
poll_decide(struct bridge *b, struct conn *c, bool has_since, int64_t since,
    long timeout)
{
	int64_t head = 0, pruned = 0, cursor = b->cursor;
	int rc;

	if (!has_since) {
		poll_answer(c, cursor);
		return;
	}
	/* The head is at least the cursor: most polls resume from it. */
	if ((since > cursor && changelog_head(b->st, &head) != 0) ||
	    changelog_pruned_through(b->st, &pruned) != 0 ||
	    since < pruned || (since > cursor && since > head)) {
		poll_resync(c, cursor);
		return;
	}
	/* pruned while collected: as above, checked after the read */
	if ((rc = tail_collect(b, c, since, &cursor)) == MT_ENOTFOUND) {
		poll_resync(c, b->cursor);
		return;
	}
	if (rc != 0)
		c->status = 503;
	if (c->status != 0 || c->nevs > 0 ||
	    cursor < b->cursor || timeout == 0) {
		poll_answer(c, cursor);
		return;
	}
	if (hold_add(b, c, timeout) != 0) {
		c->status = 503;
		poll_answer(c, cursor);
		return;
	}
	c->held = true;
	c->last_seq = cursor;
	lws_set_timeout(c->wsi, NO_PENDING_TIMEOUT, 0);
	lws_http_headers_detach(c->wsi);
	/*
	 * Nothing is read while the request is held: a client closing it
	 * makes the socket readable for good, and libwebsockets' loop would
	 * spin on it until the hold ended.
	 */
	lws_rx_flow_control(c->wsi, 0);
}

/* A request header by its lower-case name with the colon, or NULL. */
static char *
header_copy(struct lws *wsi, enum lws_token_indexes tok, const char *name)
{
	char buf[1024];
	int n;

	if (name != NULL)
		n = lws_hdr_custom_copy(wsi, buf, sizeof(buf), name,
		    (int)strlen(name));
	else
		n = lws_hdr_copy(wsi, buf, sizeof(buf), tok);
	return n > 0 ? mt_strndup(buf, (size_t)n) : NULL;
}

/* Remembers the CORS origin to answer with (lib/cors.c decides). */
static void
cors_capture(struct bridge *b, struct conn *c, struct lws *wsi)
{
	char *origin = header_copy(wsi, WSI_TOKEN_ORIGIN, NULL);
	const char *allow = cors_allow_origin(b->cfg, origin);

	if (allow != NULL)
		c->cors = mt_strdup(allow);
	mt_free(origin);
}

/* OPTIONS: the preflight of a cross-origin poll (docs/api.md#cors). */
static int
poll_preflight(struct bridge *b, struct conn *c, struct lws *wsi)
{
	unsigned char hdr[LWS_PRE + 1024], *start = hdr + LWS_PRE, *p = start;
	unsigned char *end = hdr + sizeof(hdr);
	char *method, *headers, age[24];
	const struct cfg *cf = b->cfg;
	int rc = 0;

	method = header_copy(wsi, 0, "access-control-request-method:");
	headers = header_copy(wsi, WSI_TOKEN_HTTP_AC_REQUEST_HEADERS, NULL);
	snprintf(age, sizeof(age), "%ld", cf->cors_max_age);
	if (lws_add_http_common_headers(wsi, 200, "text/plain", 0, &p, end) ||
	    lws_add_http_header_by_token(wsi, WSI_TOKEN_CONNECTION,
	    (const unsigned char *)"close", 5, &p, end))
		rc = -1;
	if (rc == 0 && c->cors != NULL && cors_allow_method(cf, method)) {
		const char *m = cors_any(cf->cors_methods) ? method :
		    cf->cors_methods;
		const char *h = cors_any(cf->cors_headers) ? headers :
		    cf->cors_headers;

		if (lws_add_http_header_by_name(wsi, (const unsigned char *)
		    "access-control-allow-origin:", (const unsigned char *)
		    c->cors, (int)strlen(c->cors), &p, end) ||
		    lws_add_http_header_by_name(wsi, (const unsigned char *)
		    "access-control-allow-methods:", (const unsigned char *)m,
		    (int)strlen(m), &p, end) ||
		    (h != NULL && cors_safe(h) && lws_add_http_header_by_name(
		    wsi, (const unsigned char *)"access-control-allow-headers:",
		    (const unsigned char *)h, (int)strlen(h), &p, end)) ||
		    lws_add_http_header_by_name(wsi, (const unsigned char *)
		    "access-control-max-age:", (const unsigned char *)age,
		    (int)strlen(age), &p, end))
			rc = -1;
	}
	if (rc == 0 && lws_finalize_write_http_header(wsi, start, &p, end))
		rc = -1;
	mt_free(method);
	mt_free(headers);
	return rc;
}

/* Checks path and method; 1 when the request is for us, else answered. */
static int
poll_route(struct bridge *b, struct conn *c, struct lws *wsi,
    const char *path)
{
	char *uri;
	int ulen, m;

	if (path != NULL && strcmp(path, "/api/v1/ws") == 0)
		return http_reply(wsi, 400, "text/plain",
		    "Expected a WebSocket upgrade", 28) ? -1 : 0;
	if (path == NULL || strcmp(path, EVENTS_PATH) != 0)
		return http_reply(wsi, 404, "text/plain", "Not Found", 9) ?
		    -1 : 0;
	m = lws_http_get_uri_and_method(wsi, &uri, &ulen);
	if (m == LWSHUMETH_OPTIONS)
		return poll_preflight(b, c, wsi) ? -1 : 0;
	if (m != LWSHUMETH_GET)
		return http_reply(wsi, 405, "text/plain",
		    "Method Not Allowed", 18) ? -1 : 0;
	return 1;
}

static const char err_full[] = "{\"error\":{\"code\":"
    "\"SERVICE_UNAVAILABLE\",\"message\":\"Too many connections\"}}";
static const char err_user_full[] = "{\"error\":{\"code\":"
    "\"TOO_MANY_CONNECTIONS\",\"message\":\"Too many connections for "
    "this user\"}}";

/*
 * Who asks and for what (the rules of lib/reqargs.c, as mtchat.fcgi):
 * the user, or NULL once a refusal is answered.
 */
static struct user *
poll_who(struct bridge *b, struct lws *wsi, const char *query,
    struct events_args *a)
{
	struct user *u = NULL;
	struct ident id;
	int rc;

	if (b->stopping || b->nconns >= b->cfg->bridge_max_conns) {
		http_reply(wsi, 503, "application/json", err_full,
		    sizeof(err_full) - 1);
		return NULL;
	}
	if (ident_get(b, wsi, query, IDENT_POLL, &id) != 0 ||
	    id.why.status != 0) {
		http_refuse(wsi, &id.why);
		return NULL;
	}
	if ((rc = reqargs_events(query, a, &id.why)) != 0) {
		if (rc == MT_ENOMEM)
			http_reply(wsi, 503, "text/plain", "Out of memory", 13);
		else
			http_refuse(wsi, &id.why);
	} else if (conn_user_full(b, id.user))
		http_send(wsi, &(struct http_answer){ 429, "application/json",
		    err_user_full, sizeof(err_user_full) - 1, "5" });
	else if (http_rate_limited(b, wsi, id.user) == 0 &&
	    (u = members_user(b, id.user, true)) == NULL)
		http_reply(wsi, 503, "text/plain", "Out of memory", 13);
	mt_free(id.user);
	return u;
}

/*
 * LWS_CALLBACK_HTTP. Every answer closes the connection (accept.c reads
 * each request), so a refusal returns -1 once it is written.
 */
int
poll_start(struct bridge *b, struct conn *c, struct lws *wsi,
    const char *path)
{
	struct events_args a;
	struct user *u;
	char *query;

	if (c->u != NULL)
		conn_release(b, c);
	mt_free(c->cors);
	memset(c, 0, sizeof(*c));
	c->hold_secs = -1;
	cors_capture(b, c, wsi);
	if (poll_route(b, c, wsi, path) != 1)
		return -1;
	query = ident_query(wsi);
	u = poll_who(b, wsi, query, &a);
	mt_free(query);
	if (u == NULL)
		return -1;
	if (a.timeout > b->cfg->bridge_poll_max)
		a.timeout = b->cfg->bridge_poll_max;
	conn_attach(b, c, u, CONN_POLL, wsi);
	u->poll_seen = tm_now_us();
	presence_changed(b, u);
	poll_decide(b, c, a.has_since, a.since, a.timeout);
	return 0;
}

/*
 * A poll whose reads of the store failed: 503 with the error envelope and
 * Retry-After, as mtchat.fcgi answers a busy store (docs/errors.md).
 */
static void
busy_reply(struct lws *wsi)
{
	const struct mt_http_error *e = mt_http_error(MT_EBUSY);
	struct refusal why = { .status = e->status, .code = e->code };

	snprintf(why.msg, sizeof(why.msg), "%s", e->message);
	(void)http_refuse(wsi, &why);
}

/* Writes c's answer; the connection is closed after it either way. */
static void
poll_send(struct bridge *b, struct conn *c)
{
	struct lws *wsi = c->wsi;

	if (c->reply == NULL && c->status == 0 &&
	    poll_encode(c, b->cursor) != 0)
		c->status = 503;
	if (c->status != 0)
		busy_reply(wsi);
	else
		http_reply(wsi, 200, "application/json", c->reply,
		    c->replylen);
	hold_remove(b, c);
	conn_release(b, c);
}

int
poll_writable(struct bridge *b, struct conn *c)
{
	if (c->u == NULL || !c->answer)
		return 0;
	poll_send(b, c);
	return -1;
}

/*
 * Answers the woken polls and closes them (libwebsockets flushes what is
 * left to write first). A synchronous close: no poll() round trip per
 * answer as a writable callback would cost, and no sorted-list insert
 * each as an asynchronous kill would — thousands of polls are answered
 * at once by a broadcast. Not called from the callback of any of them.
 */
void
poll_flush(struct bridge *b)
{
	struct conn *c;

	while ((c = b->answers) != NULL) {
		b->answers = c->wnext;
		c->wnext = NULL;
		if (c->u == NULL)
			continue;
		poll_send(b, c);
		lws_set_timeout(c->wsi, PENDING_TIMEOUT_USER_OK,
		    LWS_TO_KILL_SYNC);
	}
}

void
poll_closed(struct bridge *b, struct conn *c)
{
	mt_free(c->cors);
	c->cors = NULL;
	if (c->u == NULL || c->kind != CONN_POLL)
		return;
	hold_remove(b, c);
	conn_release(b, c);
}
