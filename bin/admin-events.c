/*
 * admin-events.c — `mtchat-admin events tail` (change-log rows as JSON
 * lines, optionally following the log) and `events prune`.
 */
#include <errno.h>
#include <getopt.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "admin.h"
#include "changelog.h"
#include "err.h"
#include "json.h"
#include "mem.h"
#include "store.h"
#include "tm.h"

#define TAIL_BATCH	500
#define FOLLOW_MS	200

static volatile sig_atomic_t stop;

static void
on_signal(int sig)
{
	(void)sig;
	stop = 1;
}

/* Parses JSON stored by us; a row that does not parse is shown as text. */
static json_t *
stored_json(const char *text)
{
	char err[64];
	json_t *v;

	if (text == NULL)
		return json_null();
	v = json_parse(text, strlen(text), err, sizeof(err));
	return v ? v : json_string(text);
}

static int
print_row(const struct changelog_row *r, void *arg)
{
	json_t *o = json_object();
	char *line = NULL;
	int rc = MT_ENOMEM;

	(void)arg;
	if (o != NULL &&
	    json_add_int(o, "seq", r->seq) == 0 &&
	    json_add_str(o, "type", r->type) == 0 &&
	    json_add_str(o, "dialog_id", r->dialog_id) == 0 &&
	    json_add_str(o, "subject_user", r->subject_user) == 0 &&
	    json_add_new(o, "audience", stored_json(r->audience)) == 0 &&
	    json_add_new(o, "body", stored_json(r->body)) == 0 &&
	    json_add_time(o, "created_at", r->created_at) == 0 &&
	    (line = json_encode(o)) != NULL) {
		rc = printf("%s\n", line) < 0 ? MT_EIO : 0;
	}
	mt_free(line);
	json_decref(o);
	return rc;
}

static int
parse_seq(const char *s, int64_t *out)
{
	char *end;
	long long v;

	errno = 0;
	v = strtoll(s, &end, 10);
	if (errno != 0 || end == s || *end != '\0' || v < 0)
		return -1;
	*out = v;
	return 0;
}

static int
tail(struct store *st, int64_t since, int follow)
{
	struct timespec pause = { 0, FOLLOW_MS * 1000000L };
	int64_t last;
	int rc;

	signal(SIGPIPE, SIG_IGN);
	signal(SIGINT, on_signal);
	signal(SIGTERM, on_signal);
	while (!stop) {
		rc = changelog_read_after(st, since, TAIL_BATCH, print_row,
		    NULL, &last);
		if (fflush(stdout) != 0 || rc == MT_EIO)
			return errno == EPIPE ? 0 : 1;
		if (rc != 0)
			return 1;
		if (last > since) {
			since = last;
			continue;
		}
		if (!follow)
			break;
		nanosleep(&pause, NULL);
	}
	return 0;
}

static int
events_tail(struct admin_ctx *ctx, int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "since", required_argument, NULL, 's' },
		{ "follow", no_argument, NULL, 'f' },
		{ NULL, 0, NULL, 0 }
	};
	struct store *st;
	int64_t since = 0;
	int ch, follow = 0, rc;

	while ((ch = getopt_long(argc, argv, "s:f", longopts, NULL)) != -1) {
		if (ch == 'f')
			follow = 1;
		else if (ch != 's' || parse_seq(optarg, &since) != 0) {
			if (ch == 's')
				fprintf(stderr, "mtchat-admin: --since: not a "
				    "sequence number: %s\n", optarg);
			return admin_usage("events");
		}
	}
	if (optind != argc)
		return admin_usage("events");
	if (admin_open(ctx, &st, false, false) != 0)
		return 1;
	rc = tail(st, since, follow);
	store_close(st);
	return rc;
}

static int
events_prune(struct admin_ctx *ctx, int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "keep", required_argument, NULL, 'k' },
		{ "force", no_argument, NULL, 'F' },
		{ NULL, 0, NULL, 0 }
	};
	struct store *st;
	int64_t keep = -1, deleted, held;
	int ch, force = 0, rc;

	while ((ch = getopt_long(argc, argv, "k:F", longopts, NULL)) != -1) {
		if (ch == 'F')
			force = 1;
		else if (ch != 'k' || tm_parse_duration(optarg, &keep) != 0) {
			if (ch == 'k')
				fprintf(stderr, "mtchat-admin: --keep: not a "
				    "duration (e.g. 3600, 30m, 24h, 7d): %s\n",
				    optarg);
			return admin_usage("events");
		}
	}
	if (optind != argc || keep < 0)
		return admin_usage("events");
	if (admin_open(ctx, &st, false, false) != 0)
		return 1;
	rc = changelog_prune(st, tm_now_us() - keep * 1000000, force,
	    &deleted, &held);
	store_close(st);
	if (rc != 0) {
		fprintf(stderr, "mtchat-admin: prune failed: %s\n",
		    mt_strerror(rc));
		return 1;
	}
	if (held > 0)
		fprintf(stderr, "mtchat-admin: kept %lld rows that a consumer "
		    "has not read yet (--force deletes them)\n",
		    (long long)held);
	return 0;
}

static void
print_cursor(const char *name, int64_t seq, int64_t updated_at, void *arg)
{
	char when[TM_BUF];

	(void)arg;
	if (tm_format(updated_at, when, sizeof(when)) != 0)
		snprintf(when, sizeof(when), "?");
	printf("%s\t%lld\t%s\n", name, (long long)seq, when);
}

static int
events_cursors(struct admin_ctx *ctx, int argc, char **argv)
{
	struct store *st;
	int rc;

	if (argc != 1 && !(argc == 3 && strcmp(argv[1], "--delete") == 0))
		return admin_usage("events");
	if (admin_open(ctx, &st, false, false) != 0)
		return 1;
	if (argc == 1)
		rc = cursor_list(st, print_cursor, NULL);
	else if ((rc = cursor_delete(st, argv[2])) == MT_ENOTFOUND)
		fprintf(stderr, "mtchat-admin: no consumer named %s\n",
		    argv[2]);
	store_close(st);
	return rc == 0 ? 0 : 1;
}

int
admin_events(struct admin_ctx *ctx, int argc, char **argv)
{
	if (argc < 2)
		return admin_usage(argv[0]);
	/* The verb's own options follow it: argv[1] is its argv[0]. */
	if (strcmp(argv[1], "tail") == 0)
		return events_tail(ctx, argc - 1, argv + 1);
	if (strcmp(argv[1], "prune") == 0)
		return events_prune(ctx, argc - 1, argv + 1);
	if (strcmp(argv[1], "cursors") == 0)
		return events_cursors(ctx, argc - 1, argv + 1);
	fprintf(stderr, "mtchat-admin: events %s: unknown action\n", argv[1]);
	return admin_usage(argv[0]);
}
