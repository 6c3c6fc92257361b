/*
 * admin-hooks.c — `mtchat-admin hooks dead` (the webhooks mtchat-hooks gave
 * up on) and `hooks replay` (back into its queue, same body and
 * X-Webhook-Id, then a wake-up for mtchat-hooks --follow).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "admin.h"
#include "err.h"
#include "id.h"
#include "store.h"
#include "store_hooks.h"
#include "tm.h"
#include "wake.h"

/* id, event, attempts, failed at, last error: tab-separated, our words. */
static void
print_dead(const struct hook_dead_row *r, void *arg)
{
	char when[TM_BUF];

	(void)arg;
	if (tm_format(r->failed_at, when, sizeof(when)) != 0)
		snprintf(when, sizeof(when), "?");
	printf("%s\t%s\t%d\t%s\t%s\n", r->event_id, r->event, r->attempts,
	    when, r->last_error ? r->last_error : "");
}

static int
hooks_dead(struct admin_ctx *ctx, int argc, char **argv)
{
	struct store *st;
	int rc;

	(void)argv;
	if (argc != 1)
		return admin_usage("hooks");
	if (admin_open(ctx, &st, false, false) != 0)
		return 1;
	rc = store_hooks_dead_list(st, print_dead, NULL);
	store_close(st);
	return rc == 0 && fflush(stdout) == 0 ? 0 : 1;
}

/* Replays one dead letter (NULL: all); 0, or 1 after saying why. */
static int
replay_one(struct store *st, const char *event_id, int *total)
{
	char id[ID_BUF];
	int n, rc;

	if (event_id != NULL &&
	    id_parse(event_id, strlen(event_id), id) != 0) {
		fprintf(stderr, "mtchat-admin: %s: not a webhook id\n",
		    event_id);
		return 1;
	}
	rc = store_hooks_replay(st, event_id ? id : NULL, &n);
	if (rc == MT_ENOTFOUND) {
		fprintf(stderr, "mtchat-admin: %s: no such dead letter\n", id);
		return 1;
	}
	if (rc != 0) {
		fprintf(stderr, "mtchat-admin: replay failed: %s\n",
		    mt_strerror(rc));
		return 1;
	}
	*total += n;
	return 0;
}

static int
hooks_replay(struct admin_ctx *ctx, int argc, char **argv)
{
	struct store *st;
	struct wake *w;
	int i, all, status = 0, total = 0;

	all = argc == 2 && strcmp(argv[1], "--all") == 0;
	if (argc < 2 || (!all && argv[1][0] == '-'))
		return admin_usage("hooks");
	if (admin_open(ctx, &st, false, false) != 0)
		return 1;
	if (all)
		status = replay_one(st, NULL, &total);
	for (i = 1; !all && i < argc; i++)
		status |= replay_one(st, argv[i], &total);
	store_close(st);
	/*
	 * No change-log row, hence no NOTIFY on PostgreSQL either: the
	 * datagram, else mtchat-hooks finds them within a second.
	 */
	if (total > 0 && (w = wake_open(ctx->cfg.hooks_socket)) != NULL) {
		wake_send(w, 0);
		wake_close(w);
	}
	return status;
}

int
admin_hooks(struct admin_ctx *ctx, int argc, char **argv)
{
	if (argc < 2)
		return admin_usage(argv[0]);
	if (strcmp(argv[1], "dead") == 0)
		return hooks_dead(ctx, argc - 1, argv + 1);
	if (strcmp(argv[1], "replay") == 0)
		return hooks_replay(ctx, argc - 1, argv + 1);
	fprintf(stderr, "mtchat-admin: hooks %s: unknown action\n", argv[1]);
	return admin_usage(argv[0]);
}
