/*
 * mtchat-reaper.c — the presence reaper, run from cron every minute:
 * presence rows nobody refreshed for PRESENCE_TTL_SECS (of a crashed
 * bridge, of pollers that went away) are removed, row by row (a row per
 * user and bridge instance); a user whose last row goes goes offline, with
 * the presence.update event written in the same transaction, while a user
 * still on another bridge stays online (store_presence_expire()).
 * Idempotent and safe to run twice at once and
 * alongside the bridge: the selection happens inside the write
 * transaction, so a row expires once. Prints nothing on success (cron mails
 * every byte); -v says what it did, --dry-run lists what it would do.
 *
 * Exit status: 0 success (including nothing to do), 1 failure, 2 usage or
 * configuration error.
 */
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cfg.h"
#include "cli.h"
#include "err.h"
#include "json.h"
#include "log.h"
#include "mem.h"
#include "presence.h"
#include "store.h"
#include "store_presence.h"
#include "tm.h"
#include "wake.h"

#define REAPER_BATCH	500	/* rows expired per transaction */
#define REAPER_LIMIT	10000	/* rows expired per run by default */
#define REAPER_LIMIT_MAX 10000000

struct opts {
	long		 limit;
	int		 dry_run;
};

static int	take_opt(const struct cli *, int, const char *,
		    struct cli_opts *);

static const struct option longopts[] = {
	{ "dry-run", no_argument, NULL, 'n' },
	{ "limit", required_argument, NULL, 'l' },
	{ NULL, 0, NULL, 0 }
};

static const struct cli reaper_cli = {
	.name = "mtchat-reaper",
	.synopsis = "usage: mtchat-reaper [-nv] [-c file] [--limit N] "
	    "[--check-config]",
	.about = "Expires presence rows not refreshed for PRESENCE_TTL_SECS "
	    "and writes the\noffline presence.update events. Run it from "
	    "cron every minute.",
	.options =
	    "  -n, --dry-run         list the users that would go offline; "
	    "change nothing\n"
	    "  -l, --limit N         expire at most N rows (default "
	    CLI_STR(REAPER_LIMIT) ")\n",
	.verbose = "say what was done (twice: debug)",
	.shortopts = "nl:",
	.longopts = longopts,
	.take = take_opt,
};

static int
take_opt(const struct cli *p, int ch, const char *arg, struct cli_opts *o)
{
	struct opts *ro = o->own;

	switch (ch) {
	case 'n':
		ro->dry_run = 1;
		return 0;
	case 'l':
		return cli_count(p, "--limit", arg, REAPER_LIMIT_MAX,
		    &ro->limit);
	default:
		return cli_usage(p);
	}
}

/* A string quoted as JSON: safe for cron mail and terminals. */
static char *
quoted(const char *v)
{
	json_t *s = json_string(v);
	char *q = s ? json_encode(s) : NULL;

	json_decref(s);
	return q;
}

/*
 * Prints one row: its user, the bridge instance that wrote it (none for
 * mtchat.fcgi's polls) and when it was last seen.
 */
static void
print_stale(const char *user, const char *instance, int64_t last_seen,
    void *arg)
{
	char when[TM_BUF];
	char *q = quoted(user), *qi = NULL;

	(void)arg;
	if (instance != NULL && *instance != '\0')
		qi = quoted(instance);
	if (tm_format(last_seen, when, sizeof(when)) != 0)
		snprintf(when, sizeof(when), "?");
	printf("would expire %s%s%s (last seen %s)\n", q ? q : "?",
	    qi ? " on " : "", qi ? qi : "", when);
	mt_free(q);
	mt_free(qi);
}

/* Expires in batches of REAPER_BATCH up to limit; wakes the bridge. */
static int
expire(struct store *st, const struct cfg *c, int64_t cutoff, long limit)
{
	struct wake *w = NULL;
	int64_t seq = 0;
	long total = 0;
	int n, rc;

	do {
		long batch = limit - total < REAPER_BATCH ?
		    limit - total : REAPER_BATCH;

		rc = store_presence_expire(st, NULL, cutoff, (int)batch, &n,
		    &seq);
		if (rc != 0) {
			fprintf(stderr, "mtchat-reaper: expiring presence: "
			    "%s\n", mt_strerror(rc));
			break;
		}
		total += n;
		if (seq > 0 && *c->database_url == '\0') {	/* else NOTIFY */
			if (w == NULL)
				w = wake_open(c->bridge_socket);
			wake_send(w, seq);
		}
		if (n < batch)
			break;
	} while (total < limit);
	wake_close(w);
	log_info("expired %ld row%s", total, total == 1 ? "" : "s");
	if (rc == 0 && total == limit)
		log_info("stopped at --limit %ld; more may be stale", limit);
	return rc == 0 ? 0 : 1;
}

static int
run(const struct cfg *c, const struct opts *o)
{
	struct store_opts so;
	struct store *st;
	char err[STORE_ERR_LEN], when[TM_BUF];
	int64_t cutoff = presence_cutoff(c, tm_now_us());
	int rc;

	store_opts_init(&so, c);
	if (store_open(&st, &so, err, sizeof(err)) != 0) {
		fprintf(stderr, "mtchat-reaper: %s\n", err);
		return 1;
	}
	if (tm_format(cutoff, when, sizeof(when)) == 0)
		log_info("presence rows not seen since %s (PRESENCE_TTL_SECS "
		    "%ld) go offline", when, c->presence_ttl);
	if (o->dry_run) {
		rc = store_presence_stale(st, NULL, cutoff, (int)o->limit,
		    print_stale, NULL);
		if (rc != 0)
			fprintf(stderr, "mtchat-reaper: listing presence: "
			    "%s\n", mt_strerror(rc));
		rc = rc != 0 || fflush(stdout) != 0;
	} else
		rc = expire(st, c, cutoff, o->limit);
	store_close(st);
	return rc;
}

int
main(int argc, char *argv[])
{
	struct opts o = { .limit = REAPER_LIMIT };
	struct cli_opts co = { .own = &o };
	struct cfg c;
	int status;

	if ((status = cli_parse(&reaper_cli, argc, argv, &co)) != CLI_RUN ||
	    (status = cli_config(&reaper_cli, &co, &c)) != CLI_RUN)
		return status;
	if (co.check_config)
		return cli_config_ok(&c);
	cli_log_init(&reaper_cli, &co, &c);
	json_init();
	status = run(&c, &o);
	cfg_reset(&c);
	return status;
}
