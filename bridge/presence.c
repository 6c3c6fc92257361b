/*
 * presence.c — presence of the bridge's users (docs/events.md#presence,
 * docs/differences.md F1, F2). A user is live while one of their WebSockets
 * pinged within PRESENCE_TTL_SECS (or opened), or they polled within it.
 * Changes are written in transactions of WRITE_CHUNK users: a flush shortly
 * after connects, pings after expiry and closes, and a tick every second (every
 * third of the TTL if that is shorter) that refreshes the live users whose row
 * is a third of the TTL old, reconciles the rest and closes WebSockets silent
 * for twice the TTL. Refreshing everybody at once every third of the TTL would
 * stall the event loop for a time that grows with the users; the tick spreads
 * the same writes over the seconds. store_presence_*() append presence.update
 * only on real transitions; the tail then delivers them like any other row.
 *
 * The rows are this bridge's own, named by its instance (BRIDGE_INSTANCE):
 * with several bridges over one database, a user connected to two has two
 * rows and stays online until the last goes. A stop removes the
 * instance's rows; a start removes those a bridge killed before its stop
 * left (the reaper would take them after the TTL).
 */
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "bridge.h"
#include "cfg.h"
#include "err.h"
#include "log.h"
#include "mem.h"
#include "presence.h"
#include "store_presence.h"
#include "tm.h"

#define FLUSH_DELAY_US	2000	/* batches a burst of connects */
/*
 * Users per presence transaction: one transaction for every live user
 * would hold the write lock (every send waiting) for a time that grows
 * with them.
 */
#define WRITE_CHUNK	500

struct plist {
	const char	**names;
	struct user	**users;
	size_t		  n, cap;
};

bool
presence_live(struct bridge *b, const struct user *u, int64_t now)
{
	const struct conn *c;
	int64_t since = presence_cutoff(b->cfg, now);

	if (u->poll_seen != 0 && u->poll_seen >= since)
		return true;
	for (c = u->conns; c != NULL; c = c->unext)
		if (c->kind == CONN_POLL ||
		    (c->kind == CONN_WS && c->last_rx >= since && !c->closing))
			return true;
	return false;
}

static int
plist_add(struct plist *l, struct user *u)
{
	if (l->n == l->cap) {
		size_t cap = l->cap ? l->cap * 2 : 64;
		const char **n = mt_realloc(l->names, cap * sizeof(*n));
		struct user **us;

		if (n == NULL)
			return -1;
		l->names = n;
		if ((us = mt_realloc(l->users, cap * sizeof(*us))) == NULL)
			return -1;
		l->users = us;
		l->cap = cap;
	}
	l->names[l->n] = u->h.key;
	l->users[l->n++] = u;
	return 0;
}

static void
plist_free(struct plist *l)
{
	mt_free(l->names);
	mt_free(l->users);
}

/*
 * Writes list l, online or not, WRITE_CHUNK users per transaction; the
 * users of each chunk written get their online flag.
 */
static void
write_chunks(struct bridge *b, struct plist *l, bool online, int64_t now)
{
	int64_t seq;
	size_t i, k, n;
	int rc;

	for (i = 0; i < l->n; i += n) {
		n = l->n - i < WRITE_CHUNK ? l->n - i : WRITE_CHUNK;
		rc = online ?
		    store_presence_touch(b->st, b->instance, l->names + i, n,
		    now, &seq) :
		    store_presence_remove(b->st, b->instance, l->names + i, n,
		    &seq);
		if (rc != 0) {
			log_warnx("presence: %s %zu users: %s", online ?
			    "touch" : "remove", n, mt_strerror(rc));
			continue;
		}
		for (k = i; k < i + n; k++) {
			l->users[k]->online = online;
			l->users[k]->refreshed = online ? now : 0;
		}
	}
}

/* Writes both lists; the users' online flags follow what was written. */
static void
presence_write(struct bridge *b, struct plist *on, struct plist *off,
    int64_t now)
{
	size_t i;

	write_chunks(b, on, true, now);
	write_chunks(b, off, false, now);
	for (i = 0; i < off->n; i++)
		members_gc(b, off->users[i]);
}

void
presence_flush(struct bridge *b)
{
	struct plist on = { 0 }, off = { 0 };
	struct user *u, *next;
	int64_t now = tm_now_us();
	int oom = 0;

	for (u = b->pchanges; u != NULL; u = next) {
		next = u->pnext;
		u->queued = false;
		u->pnext = NULL;
		if (presence_live(b, u, now)) {
			if (!u->online)
				oom |= plist_add(&on, u);
		} else if (u->online)
			oom |= plist_add(&off, u);
		else
			members_gc(b, u);
	}
	b->pchanges = NULL;
	if (oom)
		log_warnx("presence: out of memory (the next tick retries)");
	presence_write(b, &on, &off, now);
	plist_free(&on);
	plist_free(&off);
	if (!b->stopping)
		tail_run(b);
}

void
presence_changed(struct bridge *b, struct user *u)
{
	if (u->queued || b->stopping)
		return;
	u->queued = true;
	u->pnext = b->pchanges;
	b->pchanges = u;
	btimer_schedule(&b->t_flush, FLUSH_DELAY_US);
}

/* Closes WebSockets that sent nothing for twice the TTL. */
static void
close_silent(struct bridge *b, int64_t now)
{
	struct conn *c;

	for (c = b->conns; c != NULL; c = c->anext)
		if (c->kind == CONN_WS && !c->culled &&
		    c->last_rx < now - 2 * presence_ttl_us(b->cfg)) {
			log_info("user %s: no ping for %lds, closing",
			    c->u->h.key, 2 * b->cfg->presence_ttl);
			c->closing = true;
			lws_callback_on_writable(c->wsi);
		}
}

void
presence_tick(struct bridge *b)
{
	struct plist on = { 0 }, off = { 0 };
	struct hnode *n, *next;
	int64_t now = tm_now_us(), due = now - presence_ttl_us(b->cfg) / 3;
	size_t i;
	int oom = 0;

	close_silent(b, now);
	for (i = 0; i < b->users.nb; i++)
		for (n = b->users.b[i]; n != NULL; n = next) {
			struct user *u = (struct user *)n;

			next = n->next;
			if (u->poll_seen != 0 &&
			    u->poll_seen < presence_cutoff(b->cfg, now))
				u->poll_seen = 0;
			if (presence_live(b, u, now)) {
				if (!u->online || u->refreshed <= due)
					oom |= plist_add(&on, u);
			} else if (u->online)
				oom |= plist_add(&off, u);
		}
	if (oom)
		log_warnx("presence: out of memory in the tick");
	presence_write(b, &on, &off, now);
	if (on.n > 0 || off.n > 0)
		tail_run(b);
	plist_free(&on);
	plist_free(&off);
}

/*
 * Removes every row of this instance, WRITE_CHUNK per transaction, with
 * the offline events of users left with no row; how many, or -1.
 */
static long
drop_rows(struct bridge *b)
{
	int64_t seq;
	long total = 0;
	int n, rc;

	do {
		rc = store_presence_expire(b->st, b->instance, INT64_MAX,
		    WRITE_CHUNK, &n, &seq);
		if (rc != 0) {
			log_warnx("presence: removing the rows of %s: %s",
			    b->instance, mt_strerror(rc));
			return -1;
		}
		total += n;
	} while (n == WRITE_CHUNK);
	return total;
}

void
presence_start(struct bridge *b)
{
	long n = drop_rows(b);

	if (n > 0)
		log_info("start: %ld presence row%s of %s left by a bridge "
		    "that did not stop removed", n, n == 1 ? "" : "s",
		    b->instance);
}

int
presence_instance(const struct cfg *c, char *buf, size_t len)
{
	char host[256];
	int n;

	if (c->bridge_instance != NULL && *c->bridge_instance != '\0')
		n = snprintf(buf, len, "%s", c->bridge_instance);
	else {
		if (gethostname(host, sizeof(host)) == -1)
			snprintf(host, sizeof(host), "localhost");
		host[sizeof(host) - 1] = '\0';
		if (c->bridge_listen != NULL && *c->bridge_listen != '\0')
			n = snprintf(buf, len, "%s:%ld", host, c->bridge_port);
		else
			n = snprintf(buf, len, "%s:%s", host,
			    c->bridge_unix_listen ? c->bridge_unix_listen : "");
	}
	return n < 0 || (size_t)n >= len ? -1 : 0;
}

void
presence_all_offline(struct bridge *b)
{
	struct plist off = { 0 };
	struct hnode *n;
	size_t i;
	long rest;

	for (i = 0; i < b->users.nb; i++)
		for (n = b->users.b[i]; n != NULL; n = n->next)
			if (((struct user *)n)->online &&
			    plist_add(&off, (struct user *)n) != 0)
				log_warnx("presence: out of memory at stop");
	if (off.n > 0) {
		struct plist none = { 0 };

		presence_write(b, &none, &off, tm_now_us());
		log_info("stop: %zu users offline", off.n);
	}
	plist_free(&off);
	/* rows whose removal failed above, or that a refresh re-made */
	if ((rest = drop_rows(b)) > 0)
		log_info("stop: %ld more presence row%s of %s removed", rest,
		    rest == 1 ? "" : "s", b->instance);
}
