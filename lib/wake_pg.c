/*
 * wake_pg.c — the LISTEN connection of a receiver on PostgreSQL
 * (wake_pg.h): store_pg_open() with the store's URL, LISTEN, the
 * notifications taken by store_pg_changelog_woken(), and a back-off
 * between attempts to connect again, so that a database that is down
 * costs a blocking connect at most every WAKE_PG_BACKOFF_MAX_US.
 */
#include <time.h>

#include "err.h"
#include "log.h"
#include "mem.h"
#include "store.h"
#include "store_pg.h"
#include "store_pg_changelog.h"
#include "wake_pg.h"

#define BACKOFF_MIN_US	1000000

struct wake_pg {
	char		*url;
	struct store_pg	*pg;		/* NULL: not connected */
	int64_t		 retry_at;	/* monotonic us; 0: at once */
	int64_t		 backoff;	/* us, after the next failure */
	int		 down;		/* a failure was logged */
};

static int64_t
mono_us(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000000 + ts.tv_nsec / 1000;
}

struct wake_pg *
wake_pg_new(const char *url)
{
	struct wake_pg *w;

	if ((w = mt_calloc(1, sizeof(*w))) == NULL)
		return NULL;
	if ((w->url = mt_strdup(url)) == NULL) {
		mt_free(w);
		return NULL;
	}
	w->backoff = BACKOFF_MIN_US;
	return w;
}

void
wake_pg_free(struct wake_pg *w)
{
	if (w == NULL)
		return;
	store_pg_close(w->pg);
	mt_free(w->url);
	mt_free(w);
}

/* A failure: says so once, and waits before the next attempt. */
static void
failed(struct wake_pg *w, const char *why)
{
	if (!w->down)
		log_warnx("LISTEN connection: %s; looking at the change-log "
		    "every second until it is back", why);
	w->down = 1;
	w->retry_at = mono_us() + w->backoff;
	w->backoff *= 2;
	if (w->backoff > WAKE_PG_BACKOFF_MAX_US)
		w->backoff = WAKE_PG_BACKOFF_MAX_US;
}

int
wake_pg_connect(struct wake_pg *w)
{
	char err[STORE_ERR_LEN];
	int rc;

	if (w->pg != NULL || mono_us() < w->retry_at)
		return 0;
	if (store_pg_open(&w->pg, w->url, err, sizeof(err)) != 0) {
		failed(w, err);
		return 0;
	}
	if ((rc = store_pg_changelog_listen(w->pg)) != 0) {
		store_pg_close(w->pg);
		w->pg = NULL;
		failed(w, mt_strerror(rc));
		return 0;
	}
	if (w->down)
		log_info("LISTEN connection back");
	w->down = 0;
	w->retry_at = 0;
	w->backoff = BACKOFF_MIN_US;
	return 1;
}

int
wake_pg_socket(const struct wake_pg *w)
{
	return w->pg != NULL ? store_pg_socket(w->pg) : -1;
}

int
wake_pg_take(struct wake_pg *w, int64_t *seq)
{
	int n;

	if (w->pg == NULL)
		return 0;
	/* libpq closes its socket when it reads the end of the stream */
	if ((n = store_pg_changelog_woken(w->pg, seq)) < 0 ||
	    store_pg_socket(w->pg) == -1)
		return -1;
	return n;
}

void
wake_pg_drop(struct wake_pg *w)
{
	if (w->pg == NULL)
		return;
	store_pg_close(w->pg);
	w->pg = NULL;
	failed(w, "lost");
}
