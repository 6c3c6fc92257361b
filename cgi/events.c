/*
 * events.c — polling the change-log: GET /api/v1/events (docs/differences.md
 * N3), so the chat works with mtchat.fcgi alone, without the bridge.
 *
 *   200 {"data":{"events":[...],"cursor":SEQ}}
 *
 * The events are those the bridge would push (lib/store_poll.c applies the
 * same audience function), each with its "seq". A poll counts as a
 * presence ping. A FastCGI thread serves one request at a time, so a held
 * poll costs a whole thread: the hold, min(timeout, default 25 s as in
 * the bridge), is bounded by POLL_MAX_WAIT_SECS (default 0: answer at
 * once). While held, the thread sleeps and asks SQLite every POLL_TICK_MS
 * whether another connection committed (PRAGMA data_version: the WAL index
 * in shared memory, no disk I/O), and reads the log only then; about 1 ms
 * of CPU per second held.
 */
#include <time.h>

#include "cfg.h"
#include "changelog.h"
#include "err.h"
#include "json.h"
#include "log.h"
#include "params.h"
#include "presence.h"
#include "route.h"
#include "store_poll.h"
#include "store_presence.h"
#include "tm.h"

#define POLL_SCAN_MAX	(10 * POLL_BATCH)	/* rows examined per request */
#define POLL_TICK_MS	100	/* how often a held poll checks for commits */
#define PING_EVERY_US	1000000	/* presence refresh check while held */

struct poll {
	const char	*user;
	int64_t		 cursor;	/* highest seq examined */
	int		 scanned;	/* rows examined by this request */
	bool		 resync;
	json_t		*events;
};

static int64_t
mono_us(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000000 + ts.tv_nsec / 1000;
}

/* The presence write of a poll, run by the writer (app_run). */
struct touch_call {
	const char	*user;
	int64_t		 now, *seq;
};

static int
touch_job(struct store *st, void *arg)
{
	struct touch_call *c = arg;

	return store_presence_touch(st, PRESENCE_POLLS, &c->user, 1, c->now,
	    c->seq);
}

/*
 * A poll is a presence ping (N3), on the row of instance PRESENCE_POLLS
 * (all of mtchat.fcgi's processes and nodes share it; it only expires,
 * through mtchat-reaper). The row is rewritten only when it is
 * older than a quarter of PRESENCE_TTL_SECS, so frequent pollers do not
 * turn every poll into a write transaction. A failure is logged, not
 * answered: presence is a side effect of reading events.
 */
static void
presence_ping(struct app *app, const char *user)
{
	int64_t now = tm_now_us(), seen = 0, seq = 0;
	int64_t fresh = presence_ttl_us(app->cfg) / 4;
	bool found = false;
	int rc;

	rc = store_presence_get(app->store, user, PRESENCE_POLLS, &found,
	    &seen);
	if (rc == 0 && found && now - seen < fresh)
		return;
	if (rc == 0)
		rc = app_run(app, touch_job,
		    &(struct touch_call){ user, now, &seq });
	if (rc != 0) {
		log_warnx("%s: %s", __func__, mt_strerror(rc));
		return;
	}
	app_wake(app, seq);
}

/*
 * Reads batches from p->cursor until one yields events, the log ends, the
 * client must resync or POLL_SCAN_MAX rows have been examined.
 */
static int
poll_scan(struct app *app, struct poll *p)
{
	struct poll_pos pos = { .cursor = p->cursor };
	int rc;

	do {
		rc = store_poll_read(app->store, p->user, POLL_BATCH,
		    p->events, &pos);
		if (rc != 0)
			return rc;
		p->cursor = pos.cursor;
		p->resync = pos.resync;
		p->scanned += pos.examined;
	} while (!p->resync && json_array_size(p->events) == 0 &&
	    pos.examined == POLL_BATCH && p->scanned < POLL_SCAN_MAX);
	return 0;
}

/*
 * Sleeps until another connection has committed since version, or until
 * deadline (then returns 1), refreshing presence on the way.
 */
static int
poll_wait(struct app *app, struct poll *p, int64_t version, int64_t deadline)
{
	struct timespec tick;
	int64_t now, left, v, next_ping = mono_us() + PING_EVERY_US;
	int rc;

	for (;;) {
		if ((left = deadline - (now = mono_us())) <= 0)
			return 1;
		if (now >= next_ping) {
			presence_ping(app, p->user);
			next_ping = now + PING_EVERY_US;
		}
		if (left > POLL_TICK_MS * 1000)
			left = POLL_TICK_MS * 1000;
		tick.tv_sec = 0;
		tick.tv_nsec = (long)left * 1000;
		nanosleep(&tick, NULL);
		if ((rc = store_poll_data_version(app->store, &v)) != 0)
			return rc;
		if (v != version)
			return 0;
	}
}

/* Scans, and while nothing came and the hold lasts, waits and rescans. */
static int
poll_run(struct app *app, struct poll *p, long hold)
{
	int64_t deadline = mono_us() + (int64_t)hold * 1000000, version;
	int rc;

	for (;;) {
		/* Taken before the scan: a commit during it is not missed. */
		if ((rc = store_poll_data_version(app->store, &version)) != 0 ||
		    (rc = poll_scan(app, p)) != 0)
			return rc;
		if (json_array_size(p->events) > 0 || p->resync ||
		    p->scanned >= POLL_SCAN_MAX)
			return 0;
		if ((rc = poll_wait(app, p, version, deadline)) != 0)
			return rc == 1 ? 0 : rc;
	}
}

/* 200 {"data":{"events":events,"cursor":cursor}}; events stolen. */
static void
reply_events(struct req *r, json_t *events, int64_t cursor)
{
	json_t *data = json_object();

	if (data == NULL || json_add_new(data, "events", events) != 0 ||
	    json_add_int(data, "cursor", cursor) != 0) {
		if (data == NULL)
			json_decref(events);
		json_decref(data);
		reply_failure(r, MT_ENOMEM);
		return;
	}
	reply_data(r, data);
}

/* {"type":"resync","cursor":head}, alone (N3). */
static void
reply_resync(struct req *r, int64_t head)
{
	json_t *ev = json_object(), *events = json_array();

	if (ev == NULL || events == NULL ||
	    json_add_str(ev, "type", "resync") != 0 ||
	    json_add_int(ev, "cursor", head) != 0 ||
	    json_array_append(events, ev) != 0) {
		json_decref(ev);
		json_decref(events);
		reply_failure(r, MT_ENOMEM);
		return;
	}
	json_decref(ev);
	reply_events(r, events, head);
}

/* since and timeout (lib/reqargs.c): 0, or -1 when already answered. */
static int
poll_params(struct req *r, struct events_args *a)
{
	struct refusal why;
	int rc = reqargs_events(r->query, a, &why);

	if (rc == MT_EINVAL)
		reply_refusal(r, &why);
	else if (rc != 0)
		reply_failure(r, rc);
	return rc == 0 ? 0 : -1;
}

/* GET /api/v1/events (docs/events.md, the long-poll) */
static void
events_get(struct req *r, struct app *app)
{
	struct poll p = { .user = r->user };
	struct events_args a;
	long hold;
	int64_t head;
	int rc;

	if (poll_params(r, &a) != 0)
		return;
	presence_ping(app, r->user);
	if (!a.has_since) {
		if ((rc = changelog_head(app->store, &head)) != 0)
			reply_failure(r, rc);
		else if ((p.events = json_array()) == NULL)
			reply_failure(r, MT_ENOMEM);
		else
			reply_events(r, p.events, head);
		return;
	}
	hold = a.timeout < app->cfg->poll_max_wait ? a.timeout :
	    app->cfg->poll_max_wait;
	p.cursor = a.since;
	if ((p.events = json_array()) == NULL) {
		reply_failure(r, MT_ENOMEM);
		return;
	}
	if ((rc = poll_run(app, &p, hold)) != 0) {
		json_decref(p.events);
		reply_failure(r, rc);
	} else if (p.resync) {
		json_decref(p.events);
		reply_resync(r, p.cursor);
	} else
		reply_events(r, p.events, p.cursor);
}

const struct route event_routes[] = {
	{ "GET", "/api/v1/events", events_get, AUTH_USER, SCOPE_IGNORED,
	  false },
	{ NULL, NULL, NULL, AUTH_NONE, SCOPE_IGNORED, false }
};
