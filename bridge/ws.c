/*
 * ws.c — the libwebsockets callback of the mtchat protocol: each reason
 * maps to a short function. WebSockets on /api/v1/ws (identity checked
 * before the upgrade), held long-polls on /api/v1/events (poll.c).
 * Frames are written only from the WRITEABLE callback, one per call.
 */
#include <string.h>

#include "bridge.h"
#include "cfg.h"
#include "changelog.h"
#include "err.h"
#include "id.h"
#include "json.h"
#include "log.h"
#include "mem.h"
#include "proto.h"
#include "tm.h"
#include "url.h"

#define WS_PATH		"/api/v1/ws"

static bool
path_is(struct lws *wsi, const char *want)
{
	char path[64];

	return lws_hdr_copy(wsi, path, sizeof(path), WSI_TOKEN_GET_URI) > 0 &&
	    strcmp(path, want) == 0;
}

/* The identity and arguments of the upgrade: a refusal, or 0. */
static int
ws_refusal(struct bridge *b, struct lws *wsi, const char *query)
{
	static const char full[] = "{\"error\":{\"code\":"
	    "\"TOO_MANY_CONNECTIONS\",\"message\":\"Too many connections "
	    "for this user\"}}";
	struct ident id;
	int64_t since;
	bool has_since, filter;
	const char *bad;
	int rc;

	ident_get(b, wsi, query, IDENT_WS, &id);
	if (id.why.status != 0)
		return http_refuse(wsi, &id.why) ? -1 : 1;
	if (conn_user_full(b, id.user)) {
		mt_free(id.user);
		return http_send(wsi, &(struct http_answer){ 429,
		    "application/json", full, sizeof(full) - 1, "5" }) ?
		    -1 : 1;
	}
	rc = http_rate_limited(b, wsi, id.user);
	mt_free(id.user);
	if (rc != 0)
		return rc < 0 ? -1 : 1;
	if ((bad = proto_ws_args(query, &since, &has_since, &filter)) != NULL)
		return http_reply(wsi, 400, "text/plain", bad, strlen(bad)) ?
		    -1 : 1;
	return 0;
}

/* Before the upgrade: refuse with a status and a body, or let it go on. */
static int
ws_confirm(struct bridge *b, struct lws *wsi)
{
	char *query;
	int rc;

	if (!path_is(wsi, WS_PATH))
		return http_reply(wsi, 404, "text/plain", "Not Found", 9) ?
		    -1 : 1;
	if (b->stopping || b->nconns >= b->cfg->bridge_max_conns)
		return http_reply(wsi, 503, "text/plain",
		    "Too many connections", 20) ? -1 : 1;
	query = ident_query(wsi);
	rc = ws_refusal(b, wsi, query);
	mt_free(query);
	return rc;
}

/* Starts a resume: a resync when since is outside the log, else replay. */
static void
ws_resume(struct bridge *b, struct conn *c)
{
	int64_t head = 0, pruned = 0;

	if (changelog_head(b->st, &head) != 0 ||
	    changelog_pruned_through(b->st, &pruned) != 0 ||
	    c->since < pruned || c->since > head) {
		conn_say(b, c, "resync", "cursor", json_integer(b->cursor));
		c->last_seq = b->cursor;
		return;
	}
	c->replaying = true;
	c->replay_pos = c->since;
}

static void	subscribe_ids(struct bridge *, struct conn *, const char *);

static int
ws_established(struct bridge *b, struct conn *c, struct lws *wsi)
{
	struct ident id;
	struct user *u = NULL;
	char peer[64], *query, *subs = NULL;
	int rc;

	if (c == NULL)
		return -1;
	mt_free(c->cors);	/* from a poll before the upgrade */
	memset(c, 0, sizeof(*c));
	query = ident_query(wsi);
	rc = ident_get(b, wsi, query, IDENT_WS, &id) != 0 ||
	    id.why.status != 0 ||
	    proto_ws_args(query, &c->since, &c->has_since,
	    &c->filter) != NULL ||
	    url_query_get(query, "subscribe", &subs) == MT_ENOMEM;
	mt_free(query);
	if (!rc)
		u = members_user(b, id.user, true);
	mt_free(id.user);
	if (u == NULL) {
		mt_free(subs);
		return -1;
	}
	conn_attach(b, c, u, CONN_WS, wsi);
	c->last_rx = tm_now_us();
	lws_get_peer_simple(wsi, peer, sizeof(peer));
	log_info("connect %s user %s (%d open)", peer, u->h.key, b->nconns);
	conn_say(b, c, "connected", "employee_id", json_string(u->h.key));
	/* before the replay: it passes the filter with these */
	subscribe_ids(b, c, subs);
	mt_free(subs);
	if (c->has_since)
		ws_resume(b, c);
	presence_changed(b, u);
	return 0;
}

static void
say_error(struct bridge *b, struct conn *c, const char *msg)
{
	conn_say(b, c, "error", "message", json_string(msg));
}

#define SUBSCRIBE_MAX	100	/* dialogs named in ?subscribe= */

/* Subscribes c to one dialog (id: len bytes), or says why not. */
static void
subscribe_one(struct bridge *b, struct conn *c, const char *text, size_t len)
{
	char id[ID_BUF];

	if (id_parse(text, len, id) != 0)
		say_error(b, c, "Invalid dialog_id");
	else if (!members_has_dialog(b, id, c->u->h.key))
		say_error(b, c, "Not a participant of this dialog");
	else if (conn_subscribe(b, c, id) != 0)
		conn_cull(c, "out of memory");
}

/*
 * ?subscribe=ID,ID,...: subscriptions made at connect, before a replay
 * (a filter=subscribed connection resuming with since would otherwise
 * replay before its first subscribe message could arrive).
 */
static void
subscribe_ids(struct bridge *b, struct conn *c, const char *list)
{
	const char *p = list, *e;
	int n = 0;

	while (p != NULL && *p != '\0' && n++ < SUBSCRIBE_MAX) {
		if ((e = strchr(p, ',')) == NULL)
			e = p + strlen(p);
		subscribe_one(b, c, p, (size_t)(e - p));
		p = *e != '\0' ? e + 1 : e;
	}
	if (p != NULL && *p != '\0')
		say_error(b, c, "Too many dialogs in subscribe");
}

/* One client message, as proto_wsmsg() reads it. */
static void
ws_message(struct bridge *b, struct conn *c, const char *text, size_t len)
{
	struct wsmsg m;

	proto_wsmsg(text, len, &m);
	switch (m.kind) {
	case WSMSG_PING:
		c->last_rx = tm_now_us();
		conn_say(b, c, "pong", NULL, NULL);
		presence_changed(b, c->u);
		break;
	case WSMSG_SUBSCRIBE:
		subscribe_one(b, c, m.dialog_id, strlen(m.dialog_id));
		break;
	case WSMSG_UNSUBSCRIBE:
		conn_unsubscribe(b, c, m.dialog_id);
		break;
	case WSMSG_ERROR:
		say_error(b, c, m.error);
		break;
	}
}

static int
ws_receive(struct bridge *b, struct conn *c, struct lws *wsi,
    const char *in, size_t len)
{
	char *rx;

	if (c->u == NULL)
		return -1;
	if (c->rxlen + len > (size_t)b->cfg->bridge_max_frame) {
		log_info("user %s: message over %ld bytes", c->u->h.key,
		    b->cfg->bridge_max_frame);
		lws_close_reason(wsi, LWS_CLOSE_STATUS_MESSAGE_TOO_LARGE,
		    (unsigned char *)"message too big", 15);
		return -1;
	}
	if ((rx = mt_realloc(c->rx, c->rxlen + len + 1)) == NULL)
		return -1;
	c->rx = rx;
	memcpy(c->rx + c->rxlen, in, len);
	c->rxlen += len;
	if (!lws_is_final_fragment(wsi) || lws_remaining_packet_payload(wsi))
		return 0;
	if (lws_frame_is_binary(wsi))
		say_error(b, c, "Binary frames are not supported");
	else
		ws_message(b, c, c->rx, c->rxlen);
	c->rxlen = 0;
	return 0;
}

static int
ws_writable(struct bridge *b, struct conn *c, struct lws *wsi)
{
	struct ev *e;
	size_t len;
	int n;

	if (c->u == NULL || c->culled)	/* the close frame: conn_cull() */
		return -1;
	if (c->closing) {
		lws_close_reason(wsi, LWS_CLOSE_STATUS_GOINGAWAY,
		    (unsigned char *)"server shutdown", 15);
		return -1;
	}
	if ((e = conn_pop(c)) == NULL) {
		if (!tail_replay(b, c))
			presq_kick(b, c);
		return 0;
	}
	len = e->len;
	n = lws_write(wsi, e->buf + LWS_PRE, len, LWS_WRITE_TEXT);
	ev_unref(e);
	if (n < (int)len)
		return -1;
	if (c->qlen > 0)
		lws_callback_on_writable(wsi);
	else if (c->replaying)
		tail_replay(b, c);
	else
		presq_kick(b, c);	/* presence waited for this */
	return 0;
}

static void
ws_closed(struct bridge *b, struct conn *c)
{
	if (c->u == NULL)
		return;
	log_info("disconnect user %s (%d open)", c->u->h.key, b->nconns - 1);
	conn_release(b, c);
}

/*
 * libwebsockets may call back for a connection whose per-session data it
 * never allocated (a request it refused while parsing, a handshake that
 * timed out): every reason that uses c checks it first.
 */
int
ws_callback(struct lws *wsi, enum lws_callback_reasons reason, void *user,
    void *in, size_t len)
{
	struct bridge *b = bridge_of(wsi);
	struct conn *c = user;

	switch (reason) {
	case LWS_CALLBACK_HTTP_CONFIRM_UPGRADE:
		return ws_confirm(b, wsi);
	case LWS_CALLBACK_ESTABLISHED:
		return ws_established(b, c, wsi);
	case LWS_CALLBACK_RECEIVE:
		return c == NULL ? -1 : ws_receive(b, c, wsi, in, len);
	case LWS_CALLBACK_SERVER_WRITEABLE:
		return c == NULL ? -1 : ws_writable(b, c, wsi);
	case LWS_CALLBACK_CLOSED:
		if (c != NULL)
			ws_closed(b, c);
		return 0;
	case LWS_CALLBACK_HTTP:
		return c == NULL ? -1 : poll_start(b, c, wsi, in);
	case LWS_CALLBACK_HTTP_WRITEABLE:
		return c == NULL ? -1 : poll_writable(b, c);
	case LWS_CALLBACK_CLOSED_HTTP:
		if (c != NULL)
			poll_closed(b, c);
		return 0;
	case LWS_CALLBACK_HTTP_DROP_PROTOCOL:	/* c is freed after this */
		if (c != NULL) {
			mt_free(c->cors);
			c->cors = NULL;
		}
		break;
	default:
		break;
	}
	return lws_callback_http_dummy(wsi, reason, user, in, len);
}
