/*
 * admin-archive.c — `mtchat-admin archive-inactive`, the auto-archive job of
 * docs/config.md#events as a cron tool (every 5 minutes): dialogs inactive
 * for longer than ARCHIVE_AFTER_SECS are archived for their participants, with
 * F13 (a participant's own unarchive counts as activity for them) and one
 * dialog.archived event per dialog to exactly the users whose flag changed.
 * Prints nothing on success; -v says what it did, --dry-run what it would.
 */
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>

#include "admin.h"
#include "err.h"
#include "json.h"
#include "log.h"
#include "mem.h"
#include "store.h"
#include "store_archive.h"
#include "tm.h"
#include "valid.h"
#include "wake.h"

#define ARCHIVE_LIMIT		1000	/* dialogs per run by default */
#define ARCHIVE_LIMIT_MAX	10000000

/* A count in [1, ARCHIVE_LIMIT_MAX], or -1. */
static long
parse_count(const char *s)
{
	long v;

	return valid_number(s, 1, ARCHIVE_LIMIT_MAX, &v, NULL) == 0 ? v : -1;
}

/* One line per dialog; ids as JSON strings, safe for mail and terminals. */
static void
print_candidate(const char *dialog_id, const json_t *users, void *arg)
{
	char *list = json_encode(users);

	(void)arg;
	printf("would archive %s for %s\n", dialog_id, list ? list : "?");
	mt_free(list);
}

static int
archive(struct store *st, const struct cfg *c, int64_t cutoff, long limit)
{
	struct archive_count n;
	struct wake *w;
	int rc;

	rc = store_archive_inactive(st, cutoff, (int)limit, &n);
	/* on PostgreSQL the commit's NOTIFY woke the bridges */
	if (n.seq > 0 && *c->database_url == '\0' &&
	    (w = wake_open(c->bridge_socket)) != NULL) {
		wake_send(w, n.seq);
		wake_close(w);
	}
	log_info("archived %d dialog%s for %d participant%s", n.dialogs,
	    n.dialogs == 1 ? "" : "s", n.users, n.users == 1 ? "" : "s");
	if (rc != 0) {
		fprintf(stderr, "mtchat-admin: archive-inactive: %s\n",
		    mt_strerror(rc));
		return 1;
	}
	return 0;
}

int
admin_archive_inactive(struct admin_ctx *ctx, int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "limit", required_argument, NULL, 'l' },
		{ "dry-run", no_argument, NULL, 'n' },
		{ NULL, 0, NULL, 0 }
	};
	struct store *st;
	char when[TM_BUF];
	long limit = ARCHIVE_LIMIT;
	int64_t cutoff;
	int ch, dry_run = 0, rc;

	while ((ch = getopt_long(argc, argv, "l:n", longopts, NULL)) != -1) {
		if (ch == 'n')
			dry_run = 1;
		else if (ch != 'l' || (limit = parse_count(optarg)) < 0) {
			if (ch == 'l')
				fprintf(stderr, "mtchat-admin: --limit: not a "
				    "count from 1 to %d: %s\n",
				    ARCHIVE_LIMIT_MAX, optarg);
			return admin_usage(argv[0]);
		}
	}
	if (optind != argc)
		return admin_usage(argv[0]);
	if (admin_open(ctx, &st, false, false) != 0)
		return 1;
	cutoff = tm_now_us() - (int64_t)ctx->cfg.archive_after * 1000000;
	if (tm_format(cutoff, when, sizeof(when)) == 0)
		log_info("archiving dialogs inactive since before %s "
		    "(ARCHIVE_AFTER_SECS %ld)", when, ctx->cfg.archive_after);
	if (dry_run) {
		rc = store_archive_candidates(st, cutoff, (int)limit,
		    print_candidate, NULL);
		if (rc != 0)
			fprintf(stderr, "mtchat-admin: archive-inactive: %s\n",
			    mt_strerror(rc));
		rc = rc != 0 || fflush(stdout) != 0;
	} else
		rc = archive(st, &ctx->cfg, cutoff, limit);
	store_close(st);
	return rc;
}
