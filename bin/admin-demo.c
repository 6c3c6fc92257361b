/*
 * admin-demo.c — `mtchat-admin demo-seed`: the first dialog of a new
 * installation, so that the demo page `make run` serves has something to
 * show. Two users, alice and bob, in one dialog (object demo/welcome) whose
 * access scope lets any user of the scope "demo" find and join it. Written
 * through store_manage_create(), as the Management API writes (M1), so the
 * change-log gets its participant.joined rows; safe to run again.
 */
#include <jansson.h>
#include <stdio.h>

#include "admin.h"
#include "err.h"
#include "mem.h"
#include "store.h"
#include "store_manage.h"
#include "wake.h"

#define DEMO_TYPE	"demo"
#define DEMO_OBJECT	"welcome"
#define DEMO_SCOPES	"[{\"scope_level0\":[\"demo\"]}]"

static const struct participant_in demo_users[] = {
	{ .user_id = "alice", .display_name = "Alice",
	  .company = "Acme Logistics" },
	{ .user_id = "bob", .display_name = "Bob",
	  .company = "Globex Freight" },
};

static void
print_dialog(const struct dialog_rows *dialog, const char *what)
{
	printf("%s\t%s\n", dialog->d.id, what);
}

/* Creates the dialog unless M2's search finds it; 0 or an MT_E* code. */
static int
seed(struct store *st, const struct cfg *c, const json_t *scopes)
{
	struct dialog_in in = {
		.object_id = DEMO_OBJECT,
		.object_type = DEMO_TYPE,
		.title = "Welcome to mtchat",
		.participants = demo_users,
		.nparticipants = sizeof(demo_users) / sizeof(demo_users[0]),
		.scopes = scopes,
	};
	struct wake *w;
	struct dialog_rows dialog;
	int64_t seq;
	int rc;

	if ((rc = store_manage_search(st, DEMO_TYPE, DEMO_OBJECT, scopes,
	    &dialog)) != 0)
		return rc;
	if (dialog.found) {
		print_dialog(&dialog, "exists");
		dialog_rows_free(&dialog);
		return 0;
	}
	if ((rc = store_manage_create(st, &in, &dialog, &seq)) != 0)
		return rc;
	/*
	 * The bridge would find the rows within a second anyway. On
	 * PostgreSQL the commit's NOTIFY woke it.
	 */
	if (seq > 0 && *c->database_url == '\0' &&
	    (w = wake_open(c->bridge_socket)) != NULL) {
		wake_send(w, seq);
		wake_close(w);
	}
	print_dialog(&dialog, "created");
	dialog_rows_free(&dialog);
	return 0;
}

int
admin_demo_seed(struct admin_ctx *ctx, int argc, char **argv)
{
	struct store *st;
	json_t *scopes;
	int rc;

	if (argc != 1)
		return admin_usage(argv[0]);
	if ((scopes = json_loads(DEMO_SCOPES, 0, NULL)) == NULL) {
		fprintf(stderr, "mtchat-admin: demo-seed: %s\n",
		    mt_strerror(MT_ENOMEM));
		return 1;
	}
	if (admin_open(ctx, &st, false, false) != 0) {
		json_decref(scopes);
		return 1;
	}
	rc = seed(st, &ctx->cfg, scopes);
	store_close(st);
	json_decref(scopes);
	if (rc != 0) {
		fprintf(stderr, "mtchat-admin: demo-seed: %s\n",
		    mt_strerror(rc));
		return 1;
	}
	return fflush(stdout) != 0;
}
