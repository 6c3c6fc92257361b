/*
 * bridge.h — the state mtchat-bridge shares between its files: the bridge
 * itself (one per process, reached from any libwebsockets callback through
 * the context's user pointer), the users it knows, the dialogs they are in,
 * the connections (WebSockets and held long-polls) and the encoded events
 * queued on them.
 *
 * The model is the libwebsockets ring example: an event is encoded once per
 * change-log row into a refcounted buffer with LWS_PRE bytes of headroom,
 * and each connection queues references to the buffers it must send.
 */
#ifndef MT_BRIDGE_H
#define MT_BRIDGE_H

#include <libwebsockets.h>
#include <jansson.h>
#include <signal.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "audience.h"
#include "reqargs.h"

#define BRIDGE_INSTANCE_MAX	200	/* bytes of a presence instance */

struct cfg;
struct store;
struct auth_keys;
struct changelog_row;

/* A node of the bridge's string-keyed hash tables (first member). */
struct hnode {
	struct hnode	*next;
	char		*key;
	uint32_t	 hash;
};

struct htab {
	struct hnode	**b;
	size_t		  nb, n;
};

struct dialog;
struct conn;
struct bridge;
struct evloop_timer;
struct evloop_io;
struct wake_pg;

/*
 * A one-shot timer (timer.c): libev's own when the bridge runs on libev,
 * else a libwebsockets sul.
 */
struct btimer {
	lws_sorted_usec_list_t	 sul;
	struct evloop_timer	*et;
	struct bridge		*b;	/* NULL: not set up, or finished */
	void			(*cb)(struct bridge *);
};

/* A user the bridge knows: a participant of some dialog, or connected. */
struct user {
	struct hnode	  h;		/* key: the user id */
	struct dialog	**dialogs;	/* the dialogs they are in */
	size_t		  ndialogs, cdialogs;
	struct conn	 *conns;	/* WebSockets and held polls */
	int		  nws;		/* open WebSockets */
	int		  nconns;	/* WebSockets and held polls */
	int64_t		  poll_seen;	/* last long-poll, microseconds */
	int64_t		  refreshed;	/* when we last wrote them online */
	unsigned	  mark;		/* each_peer de-duplication */
	bool		  online;	/* the store has them online (by us) */
	bool		  queued;	/* on the presence change list */
	struct user	 *pnext;	/* presence change list */
	int64_t		  pres_last;	/* their latest presence lane entry */
	unsigned	  pres_refs;	/* lane entries naming them */
};

struct dialog {
	struct hnode	  h;		/* key: the dialog id */
	struct user	**members;
	size_t		  n, cap;
	struct conn	**subs;		/* connections subscribed (N4) */
	size_t		  nsubs, csubs;
	uint64_t	  mark;		/* presq.c: a dialog of the visited user */
};

/* One encoded event: refcounted, LWS_PRE bytes of headroom before data. */
struct ev {
	unsigned	 refs;
	int64_t		 seq;		/* 0: a per-connection message */
	size_t		 len;
	unsigned char	 buf[];		/* LWS_PRE + len + 1 */
};

enum conn_kind { CONN_NONE, CONN_WS, CONN_POLL };

/*
 * One WebSocket or held long-poll: libwebsockets' per-session data of the
 * mtchat protocol (zeroed by the library, freed by it after CLOSED). What
 * it points to is freed by conn_release(), from the connection's own
 * CLOSED callbacks or a long-poll's answer only.
 */
struct conn {
	struct lws	*wsi;
	enum conn_kind	 kind;
	struct user	*u;
	struct conn	*unext, *uprev;	/* the user's connections */
	struct conn	*anext, *aprev;	/* every connection */
	int64_t		 last_seq;	/* highest change-log seq queued */
	int64_t		 replay_pos;	/* replaying: seq examined so far */
	int64_t		 last_rx;	/* last client frame, microseconds */
	int64_t		 since;		/* resume point asked for */
	bool		 replaying, resync, filter, culled, closing;
	bool		 has_since;
	/* outgoing queue (ring of references) */
	struct ev	**q;
	size_t		 qhead, qlen, qcap;
	/* dialogs subscribed to (docs/differences.md N4) */
	char		**subs;
	size_t		 nsubs;
	/* presence lane (presq.c): changes waiting, after the chat events */
	int64_t		 pres_pos;	/* next lane entry to look at */
	int64_t		 pres_floor;	/* presence up to this seq replayed */
	struct conn	*pqnext, *pqprev;	/* the pump's list */
	bool		 pres_pending;	/* on that list */
	/* incoming message being assembled from fragments */
	char		*rx;
	size_t		 rxlen;
	/* long-poll */
	struct ev	**evs;		/* collected events (references) */
	size_t		 nevs, cevs;
	struct conn	*wnext;		/* answer list, while on it */
	char		*reply;		/* encoded answer, while it is sent */
	char		*cors;		/* Access-Control-Allow-Origin, or NULL */
	size_t		 replylen;
	int		 status;
	bool		 answer;	/* answer at the next writable */
	bool		 held;
	int64_t		 deadline;	/* microseconds */
	long		 hold_secs;	/* which hold list, -1 none */
	struct conn	*hprev, *hnext;	/* in that list, by deadline */
};

/*
 * Held polls, one FIFO list per hold length: polls held for the same number
 * of seconds expire in the order they arrived, so adding is O(1) (an lws
 * timer per poll would be an O(N) sorted insert each, quadratic in the
 * polls held).
 */
struct hold_list {
	struct conn	*head, *tail;
};

struct pre;

/* One presence change in the lane (presq.c), oldest first. */
struct pentry {
	struct user	*subject;
	struct ev	*ev;		/* the event with its seq */
	struct ev	*bare;		/* without: sent behind later events */
};

struct bridge {
	const struct cfg	*cfg;
	struct store		*st;
	struct auth_keys	*keys;
	struct lws_context	*ctx;
	struct ev_loop		*loop;		/* NULL: lws's poll() loop */
	struct lws_vhost	*vh;
	int64_t			 cursor;	/* last change-log seq done */
	int			 tail_rows;	/* rows in the current read */
	struct htab		 users, dialogs;
	struct audience_ops	 ops;
	unsigned		 mark;
	struct user		*each;		/* the user each_* reports now */
	struct conn		*conns;		/* every connection */
	int			 nconns;
	struct user		*pchanges;	/* presence to write */
	int			 wake_fd;
	struct wake_pg		*pgwake;	/* PostgreSQL: LISTEN (listen.c) */
	struct evloop_io	*pgio;		/* its socket, while connected */
	lws_sorted_usec_list_t	 sul_tail, sul_tick;
	lws_usec_t		 tail_every;	/* the fallback tail's period */
	struct btimer		 t_flush;	/* presence to write */
	lws_sorted_usec_list_t	 sul_stop;
	struct ratelimit	*rl;		/* NULL unless RATE_LIMIT_ENABLED */
	struct ratelimit	*authfail;	/* failed token checks, or NULL */
	/* BRIDGE_INSTANCE (or host:port): the name on its presence rows */
	char			 instance[BRIDGE_INSTANCE_MAX + 1];
	/* connections whose request header is being read (accept.c) */
	struct pre		*pre_head, *pre_tail;
	long			 npre;
	lws_sorted_usec_list_t	 sul_pre;
	int			 lfd[2], nlfd;	/* listening (accept.c) */
	int			 spare_fd;	/* for EMFILE (accept.c) */
	int			 lock_fd;	/* one bridge per wake socket */
	bool			 unix_bound;	/* BRIDGE_UNIX_LISTEN is ours */
	struct hold_list	*holds;		/* [0 .. bridge_poll_max] */
	long			 nheld;
	lws_sorted_usec_list_t	 sul_holds;	/* expiry tick while nheld */
	struct conn		*answers;	/* polls to answer after the tail */
	/* presence lane (presq.c): entries [pq_base, pq_end), ring of pq_cap */
	struct pentry		*pq;
	size_t			 pq_cap;
	int64_t			 pq_base, pq_end;	/* from 1 */
	struct conn		*pump_head, *pump_tail;
	long			 npump;
	uint64_t		 dmark;
	unsigned char		*pbuf;		/* frames of one batch */
	struct btimer		 t_pump;
	int64_t			 pump_rest;	/* no pumping before (pacing) */
	int64_t			 pump_at;	/* when it runs next, 0: idle */
	int64_t			 pump_backoff;	/* us, while nothing moves */
	struct pump_stats {	/* of the current storm, for the log */
		int64_t		 start, busy;	/* us */
		long		 runs, frames, sends, held;
	}			 pst;
	bool			 stopping, stopped;
	int			 stop_rounds;
};

/* timer.c */
/* Sets t up to call cb(b) when due; -1 out of memory. */
int		 btimer_init(struct bridge *b, struct btimer *t,
		    void (*cb)(struct bridge *));
/* (Re)arms t: cb runs once, us microseconds from now. */
void		 btimer_schedule(struct btimer *t, int64_t us);
/* Stops t for good; scheduling it afterwards does nothing. */
void		 btimer_fini(struct btimer *t);

/* The bridge of the context wsi belongs to. */
struct bridge	*bridge_of(struct lws *wsi);
/* The request-stop flag set by signals (main.c). */
extern volatile sig_atomic_t bridge_signalled;

/* hash.c */
uint32_t	 htab_hash(const char *key);
struct hnode	*htab_find(const struct htab *t, const char *key, uint32_t h);
int		 htab_add(struct htab *t, struct hnode *n);
void		 htab_del(struct htab *t, struct hnode *n);
void		 htab_free(struct htab *t);

/* members.c: the membership cache and users */
int		 members_load(struct bridge *b);
void		 members_free(struct bridge *b);
struct user	*members_user(struct bridge *b, const char *name, bool create);
/*
 * The user named name inside an audience_each() callback: the one the
 * membership walk is at, without a hash lookup, else looked up.
 */
struct user	*members_each_user(struct bridge *b, const char *name);
/* Frees u if nothing refers to it any more. */
void		 members_gc(struct bridge *b, struct user *u);
/* Applies the membership change a change-log row carries, if any. */
void		 members_apply(struct bridge *b, const struct changelog_row *r);
bool		 members_has_dialog(struct bridge *b, const char *dialog_id,
		    const char *user);
struct dialog	*members_dialog(struct bridge *b, const char *dialog_id);
/* Whether d is above PRESENCE_FANOUT_MAX_DIALOG (presence to subscribers). */
bool		 members_large(const struct bridge *b, const struct dialog *d);
bool		 members_in(const struct user *u, const struct dialog *d);

/* conn.c */
struct ev	*ev_new(int64_t seq, const char *text, size_t len);
void		 ev_unref(struct ev *e);
/* Encodes obj (not stolen) as an event; NULL when out of memory. */
struct ev	*ev_json(int64_t seq, const json_t *obj);
void		 conn_attach(struct bridge *b, struct conn *c, struct user *u,
		    enum conn_kind kind, struct lws *wsi);
void		 conn_release(struct bridge *b, struct conn *c);
/* Whether user name holds BRIDGE_MAX_CONNECTIONS_PER_USER already. */
bool		 conn_user_full(struct bridge *b, const char *name);
/* Queues a reference to e (or culls c when past its limit). */
void		 conn_push(struct bridge *b, struct conn *c, struct ev *e);
/* Writes e on c now if nothing is queued before it, else queues it. */
void		 conn_send(struct bridge *b, struct conn *c, struct ev *e);
/* Queues a per-connection message {"type":type[,key:val]}. */
void		 conn_say(struct bridge *b, struct conn *c, const char *type,
		    const char *key, json_t *val);
struct ev	*conn_pop(struct conn *c);
/* Closes c asynchronously (it resumes with since). */
void		 conn_cull(struct conn *c, const char *why);
bool		 conn_subscribed(const struct conn *c, const char *dialog_id);
/* Records the subscription, in the dialog's list too; -1 out of memory. */
int		 conn_subscribe(struct bridge *b, struct conn *c,
		    const char *dialog_id);
void		 conn_unsubscribe(struct bridge *b, struct conn *c,
		    const char *dialog_id);

/* listen.c: wake-ups by LISTEN/NOTIFY on PostgreSQL */
/* On PostgreSQL, connects the LISTEN connection; else nothing. */
void		 listen_start(struct bridge *b);
/*
 * Before each timed tail: connects again after a failure (back-off).
 * True while a LISTEN connection is wanted and missing: the timer then
 * tails every second.
 */
bool		 listen_lost(struct bridge *b);
void		 listen_stop(struct bridge *b);

/* tail.c */
void		 tail_run(struct bridge *b);
void		 tail_schedule(struct bridge *b, lws_usec_t us);
/* Queues up to a batch of c's replay; false when the replay is done. */
bool		 tail_replay(struct bridge *b, struct conn *c);
/*
 * Whether c receives row r (audience and subscription filter), for live
 * delivery and replay alike.
 */
bool		 tail_wants(struct bridge *b, const struct conn *c,
		    const struct changelog_row *r);
/* Row r as the JSON object clients receive (its body plus "seq"). */
json_t		*tail_event_obj(const struct changelog_row *r);
/*
 * Collects c's events after since up to the cursor (long-poll). 0,
 * MT_ENOTFOUND when rows after since were pruned (the client must
 * resync), or another MT_E* code when the store failed before any event
 * was collected (after some, those are the answer and *cursor the last
 * row examined).
 */
int		 tail_collect(struct bridge *b, struct conn *c, int64_t since,
		    int64_t *cursor);

/* accept.c: the listening sockets and the request headers. */
/*
 * Opens the listening sockets (before daemon(3) and the event loop).
 * -1 when one cannot be opened; *in_use then says whether another server
 * holds its address.
 */
int		 accept_open(struct bridge *b, bool *in_use);
/* Hands the listening sockets to the event loop. */
int		 accept_watch(struct bridge *b);
void		 accept_fini(struct bridge *b);
int		 accept_listen_callback(struct lws *wsi,
		    enum lws_callback_reasons reason, void *user, void *in,
		    size_t len);
int		 accept_pre_callback(struct lws *wsi,
		    enum lws_callback_reasons reason, void *user, void *in,
		    size_t len);

/*
 * ident.c: who is asking (docs/api.md#user, #jwt-mode,
 * docs/websocket.md#connecting)
 */
enum ident_kind { IDENT_WS, IDENT_POLL };
struct ident {
	char		*user;
	struct refusal	 why;		/* why.status 0: accepted */
};
/*
 * The raw query string of wsi's request, as accept.c saw it (mt_free), or
 * NULL if it had none.
 */
char		*ident_query(struct lws *wsi);
/*
 * Who sends the request with the raw query string query (may be NULL):
 * id->user, or a refusal in id->why. 0, or MT_ENOMEM (then a 503 refusal).
 */
int		 ident_get(struct bridge *b, struct lws *wsi, const char *query,
		    enum ident_kind kind, struct ident *id);
/* Answers a plain-text or JSON-error HTTP status right away. */
int		 http_reply(struct lws *wsi, int status, const char *ctype,
		    const char *body, size_t len);
/* An HTTP answer of the bridge's own. */
struct http_answer {
	int		 status;
	const char	*ctype;
	const char	*body;
	size_t		 len;
	const char	*retry_after;	/* seconds, or NULL */
};
/* Answers a (the connection closes after it); 0, or -1. */
int		 http_send(struct lws *wsi, const struct http_answer *a);
int		 http_refuse(struct lws *wsi, const struct refusal *why);
/*
 * S10 on the bridge: one token of user's bucket, shared with mtchat.fcgi.
 * 0 to go on, else the request is answered 429 (1) or failed (-1).
 */
int		 http_rate_limited(struct bridge *b, struct lws *wsi,
		    const char *user);

/* ws.c, poll.c */
int		 ws_callback(struct lws *wsi, enum lws_callback_reasons reason,
		    void *user, void *in, size_t len);
int		 poll_start(struct bridge *b, struct conn *c, struct lws *wsi,
		    const char *path);
int		 poll_writable(struct bridge *b, struct conn *c);
void		 poll_closed(struct bridge *b, struct conn *c);
/* Marks a held poll to be answered by the next poll_flush(). */
void		 poll_wake(struct bridge *b, struct conn *c);
/* Answers every poll woken since the last flush, at once. */
void		 poll_flush(struct bridge *b);
/* Adds a reference to e to what poll c answers with; -1 out of memory. */
int		 poll_add(struct conn *c, struct ev *e);
/* Frees the hold lists (at exit). */
void		 poll_fini(struct bridge *b);

/*
 * presq.c: the presence lane. Presence changes wait in one bridge-wide
 * list; a connection keeps only its place in it and receives them when it
 * has no chat event waiting, the latest state of each user only, paced to
 * PRESENCE_FANOUT_SHARE of the bridge's time.
 */
/* Whether r goes through the lane (presence.update with a subject). */
bool		 presq_is(const struct changelog_row *r);
/* Adds r (encoded as e, seq included) to the lane: its index, 0 if not. */
int64_t		 presq_add(struct bridge *b, const struct changelog_row *r,
		    struct ev *e);
/* WebSocket c is in the audience of lane entry idx. */
void		 presq_mark(struct bridge *b, struct conn *c, int64_t idx);
/*
 * Marks the subscribers of the subject's large dialogs (docs/differences.md
 * N4).
 */
void		 presq_subscribers(struct bridge *b, int64_t idx);
/* c has no chat event waiting any more: its presence may go on. */
void		 presq_kick(struct bridge *b, struct conn *c);
/* Takes c out of the lane (conn_release()). */
void		 presq_forget(struct bridge *b, struct conn *c);
/* One run of the pump (the callback of b->t_pump). */
void		 presq_pump(struct bridge *b);
void		 presq_fini(struct bridge *b);

/* presence.c */
void		 presence_changed(struct bridge *b, struct user *u);
void		 presence_tick(struct bridge *b);
void		 presence_flush(struct bridge *b);
/* Whether u counts as online for the bridge now. */
bool		 presence_live(struct bridge *b, const struct user *u,
		    int64_t now);
void		 presence_all_offline(struct bridge *b);
/*
 * This bridge's name on its presence rows into buf: BRIDGE_INSTANCE, else
 * the host name and ":" BRIDGE_PORT (or ":" BRIDGE_UNIX_LISTEN without
 * TCP). -1 if it is longer than BRIDGE_INSTANCE_MAX.
 */
int		 presence_instance(const struct cfg *c, char *buf, size_t len);
/*
 * Start-up: removes the rows of this instance that a bridge killed
 * without its stop left, with the offline events of users left with none.
 */
void		 presence_start(struct bridge *b);

#endif
