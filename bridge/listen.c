/*
 * listen.c — on PostgreSQL the writers' wake-up is the NOTIFY each
 * change-log append sends at commit (docs/postgresql.md#wake-ups-listennotify),
 * which reaches the bridges of every machine. A connection of its own
 * LISTENs (lib/wake_pg.c), its socket watched by the libev loop (not
 * adopted by libwebsockets, which would close it): readable, the bridge
 * takes the wake-ups and tails. When it breaks it is dropped, and the 1 s
 * tail timer, which goes on delivering meanwhile, connects again with
 * back-off. Without libev (lws's poll() loop) the timer alone tails.
 */
#include "bridge.h"
#include "cfg.h"
#include "evloop.h"
#include "log.h"
#include "wake_pg.h"

static void
listen_cb(void *arg)
{
	struct bridge *b = arg;
	int64_t seq = 0;
	int n;

	if ((n = wake_pg_take(b->pgwake, &seq)) < 0) {
		evloop_io_free(b->pgio);
		b->pgio = NULL;
		wake_pg_drop(b->pgwake);
		/* a longer MTCHAT_TEST_TAIL_SECS, too: reconnect soon */
		tail_schedule(b, LWS_US_PER_SEC);
		return;
	}
	if (n > 0 && !b->stopping) {
		/* one line per wake-up, at -vv: tests/it/0810-pg-nodes.sh */
		log_debug("tail: woken by NOTIFY (seq %lld)", (long long)seq);
		tail_run(b);
	}
}

/* Connects if due; a new connection's socket is watched from now on. */
static void
connect_watch(struct bridge *b)
{
	int fd;

	if (wake_pg_connect(b->pgwake) != 1)
		return;
	fd = wake_pg_socket(b->pgwake);
	if (fd == -1 ||
	    (b->pgio = evloop_io_new(b->loop, fd, listen_cb, b)) == NULL) {
		wake_pg_drop(b->pgwake);
		return;
	}
	listen_cb(b);	/* what LISTEN's answer brought along */
}

void
listen_start(struct bridge *b)
{
	if (*b->cfg->database_url == '\0')
		return;
	if (b->loop == NULL) {
		log_warnx("no libev event loop: no LISTEN on PostgreSQL, "
		    "looking at the change-log every second");
		return;
	}
	if ((b->pgwake = wake_pg_new(b->cfg->database_url)) == NULL) {
		log_warnx("LISTEN: out of memory; looking at the change-log "
		    "every second");
		return;
	}
	connect_watch(b);
}

bool
listen_lost(struct bridge *b)
{
	if (b->pgwake != NULL && b->pgio == NULL)
		connect_watch(b);
	return b->pgwake != NULL && b->pgio == NULL;
}

void
listen_stop(struct bridge *b)
{
	evloop_io_free(b->pgio);
	b->pgio = NULL;
	wake_pg_free(b->pgwake);
	b->pgwake = NULL;
}
