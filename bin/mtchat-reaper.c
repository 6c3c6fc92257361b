/*
 * mtchat-reaper.c — the presence reaper, run from cron every minute:
 * users whose presence row nobody refreshed for PRESENCE_TTL_SECS (a
 * crashed bridge, pollers that went away) go offline, each with its
 * presence.update event written in the same transaction
 * (store_presence_expire()). Idempotent and safe to run twice at once and
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
#include "err.h"
#include "json.h"
#include "log.h"
#include "mem.h"
#include "presence.h"
#include "proc.h"
#include "store.h"
#include "store_presence.h"
#include "tm.h"
#include "valid.h"
#include "wake.h"

#define REAPER_BATCH	500	/* users expired per transaction */
#define REAPER_LIMIT	10000	/* users expired per run by default */
#define REAPER_LIMIT_MAX 10000000

static const char *const usage_line =
	"usage: mtchat-reaper [-nv] [-c file] [--limit N]";

struct opts {
	const char	*cfgfile;
	long		 limit;
	int		 dry_run;
	int		 verbose;
};

static void
usage(FILE *fp)
{
	fprintf(fp, "%s\n\n"
	    "Expires presence rows not refreshed for PRESENCE_TTL_SECS and "
	    "writes the\noffline presence.update events. Run it from cron "
	    "every minute.\n\n"
	    "  -c, --config FILE   configuration file (default $MTCHAT_CONFIG "
	    "or %s/mtchat.conf)\n"
	    "  -n, --dry-run       list the users that would go offline; "
	    "change nothing\n"
	    "  -l, --limit N       expire at most N users (default %d)\n"
	    "  -v, --verbose       say what was done (twice: debug)\n"
	    "  -h, --help          this help\n"
	    "  -V, --version       print the version\n",
	    usage_line, MTCHAT_SYSCONFDIR, REAPER_LIMIT);
}

/* A count in [1, REAPER_LIMIT_MAX], or -1. */
static long
parse_count(const char *s)
{
	long v;

	return valid_number(s, 1, REAPER_LIMIT_MAX, &v, NULL) == 0 ? v : -1;
}

/* 0 to run, or the exit status (help, version, usage error) + 1. */
static int
parse_opts(int argc, char **argv, struct opts *o)
{
	static const struct option longopts[] = {
		{ "config", required_argument, NULL, 'c' },
		{ "dry-run", no_argument, NULL, 'n' },
		{ "limit", required_argument, NULL, 'l' },
		{ "help", no_argument, NULL, 'h' },
		{ "verbose", no_argument, NULL, 'v' },
		{ "version", no_argument, NULL, 'V' },
		{ NULL, 0, NULL, 0 }
	};
	int ch;

	while ((ch = getopt_long(argc, argv, "c:l:nhvV", longopts, NULL))
	    != -1) {
		switch (ch) {
		case 'c': o->cfgfile = optarg; break;
		case 'n': o->dry_run = 1; break;
		case 'v': o->verbose++; break;
		case 'l':
			if ((o->limit = parse_count(optarg)) > 0)
				break;
			fprintf(stderr, "mtchat-reaper: --limit: not a count "
			    "from 1 to %d: %s\n", REAPER_LIMIT_MAX, optarg);
			return 2 + 1;
		case 'h': usage(stdout); return 0 + 1;
		case 'V':
			printf("mtchat-reaper %s\n", MTCHAT_VERSION);
			return 0 + 1;
		default:
			fprintf(stderr, "%s\n", usage_line);
			return 2 + 1;
		}
	}
	if (optind != argc) {
		fprintf(stderr, "%s\n", usage_line);
		return 2 + 1;
	}
	return 0;
}

/* Prints one user the way cron mail and terminals can show safely. */
static void
print_stale(const char *user, int64_t last_seen, void *arg)
{
	char when[TM_BUF];
	json_t *s = json_string(user);
	char *q = s ? json_encode(s) : NULL;

	(void)arg;
	if (tm_format(last_seen, when, sizeof(when)) != 0)
		snprintf(when, sizeof(when), "?");
	printf("would expire %s (last seen %s)\n", q ? q : "?", when);
	mt_free(q);
	json_decref(s);
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

		rc = store_presence_expire(st, cutoff, (int)batch, &n, &seq);
		if (rc != 0) {
			fprintf(stderr, "mtchat-reaper: expiring presence: "
			    "%s\n", mt_strerror(rc));
			break;
		}
		total += n;
		if (seq > 0) {
			if (w == NULL)
				w = wake_open(c->bridge_socket);
			wake_send(w, seq);
		}
		if (n < batch)
			break;
	} while (total < limit);
	wake_close(w);
	log_info("expired %ld user%s", total, total == 1 ? "" : "s");
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
		rc = store_presence_stale(st, cutoff, (int)o->limit,
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
	struct cfg c;
	char err[CFG_ERR_LEN];
	int status;

	proc_std_fds();
	if ((status = parse_opts(argc, argv, &o)) != 0)
		return status - 1;
	if (cfg_load(&c, o.cfgfile, err, sizeof(err)) != 0) {
		fprintf(stderr, "mtchat-reaper: %s\n", err);
		return 2;
	}
	log_init("mtchat-reaper", c.log_syslog, o.verbose ? o.verbose :
	    (int)c.log_verbose);
	json_init();
	status = run(&c, &o);
	cfg_reset(&c);
	return status;
}
