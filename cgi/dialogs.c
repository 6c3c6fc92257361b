/*
 * dialogs.c — the dialog endpoints of the Chat API (docs/rest.md C1–C11,
 * C13): lists (C1, C3, C4), one dialog (C2), join and leave (C5, C6),
 * the per-user flags (C7–C11) and the participant list (C13). Each handler
 * decodes its query or body, calls lib/store_dialog.c and maps the outcome
 * to the statuses and messages of docs/errors.md. Marking read (C12, POST
 * /api/v1/dialogs/{id}/read) moves a read position among the messages:
 * it is in messages.c, with the other message writes.
 */
#include <string.h>

#include "cfg.h"
#include "err.h"
#include "json.h"
#include "mem.h"
#include "params.h"
#include "presence.h"
#include "route.h"
#include "shape.h"
#include "store_dialog.h"
#include "tm.h"

#define LIMIT_DEFAULT	50
#define LIMIT_MAX	100	/* S10 */

/* An error of docs/errors.md#codes. */
struct err_reply {
	int		 status;
	const char	*code;
	const char	*message;
};

static const struct err_reply NOT_FOUND =
	{ 404, "DIALOG_NOT_FOUND", "Dialog not found" };
static const struct err_reply NOT_PARTICIPANT =
	{ 403, "NOT_PARTICIPANT", "Not a participant" };

static void
reply_err(struct req *r, const struct err_reply *e)
{
	reply_error(r, e->status, e->code, e->message);
}

/* Answers {"status": status} (and dialog_id first when given). */
static void
reply_status(struct req *r, const char *dialog_id, const char *status)
{
	json_t *o = json_object();

	if (o != NULL && ((dialog_id != NULL &&
	    json_add_str(o, "dialog_id", dialog_id) != 0) ||
	    json_add_str(o, "status", status) != 0)) {
		json_decref(o);
		o = NULL;
	}
	reply_json(r, 200, o);
}

/* "participating" / "available" (C1), absent (C4 only): 0, or -1 answered. */
static int
query_type(struct req *r, bool absent_is_both, struct dialog_filter *f)
{
	char *type = NULL;
	int rc = q_str(r, "type", &type), bad = 0;

	if (rc < 0)
		return -1;
	f->participating = rc == 1 || strcmp(type, "participating") == 0;
	f->available = (rc == 1 && absent_is_both) ||
	    (rc == 0 && strcmp(type, "available") == 0);
	if (rc == 0 && !f->participating && !f->available)
		bad = 1;
	mt_free(type);
	if (bad) {
		reply_error(r, 400, "BAD_REQUEST", "Invalid type parameter");
		return -1;
	}
	return 0;
}

/*
 * The query parameters every list shares: search and archived (decoded
 * first, so that any undecodable one is a plain 400). *search is mt_free'd
 * by the caller.
 */
static int
query_common(struct req *r, struct dialog_filter *f, char **search)
{
	bool archived;
	int rc;

	*search = NULL;
	f->archived = -1;
	if (q_str(r, "search", search) < 0 ||
	    (rc = q_bool(r, "archived", &archived)) < 0)
		return -1;
	if (rc == 0)
		f->archived = archived;
	f->search = *search;
	return 0;
}

/* C1 limit and offset (S10); -1 answered. */
static int
query_page(struct req *r, struct dialog_filter *f)
{
	long limit = LIMIT_DEFAULT, offset = 0;

	if (q_long(r, "limit", &limit) < 0 || q_long(r, "offset", &offset) < 0)
		return -1;
	f->limit = limit > LIMIT_MAX ? LIMIT_MAX : limit;
	f->offset = offset < 0 ? 0 : offset;
	return 0;
}

/* C1 — GET /api/v1/dialogs */
static void
dialogs_list(struct req *r, struct app *app)
{
	struct dialog_filter f = { .user = r->user, .scopes = r->scopes };
	struct dialog_page pg;
	struct jw w = JW_INIT;
	char *search = NULL;
	int rc;

	if (query_common(r, &f, &search) != 0 || query_page(r, &f) != 0 ||
	    query_type(r, false, &f) != 0)
		goto out;
	if (f.available && r->scopes == NULL) {
		reply_error(r, 400, "BAD_REQUEST", "X-Scope-Config header "
		    "required for available dialogs");
		goto out;
	}
	if (f.limit < 0) {
		reply_error(r, 400, "INVALID_INPUT", "limit must not be "
		    "negative");
		goto out;
	}
	if (f.available)
		f.participating = false;
	if ((rc = store_dialog_list(app->store, &f, &pg)) != 0) {
		reply_failure(r, rc);
		goto out;
	}
	jw_open(&w, NULL, '{');
	rc = shape_dialog_list(&w, "data", &pg);
	jw_close(&w, '}');
	dialog_page_free(&pg);
	if (rc != 0)
		reply_failure(r, rc);
	else
		reply_written(r, &w);
out:
	jw_free(&w);
	mt_free(search);
}

/* C2 — GET /api/v1/dialogs/{id} */
static void
dialog_get(struct req *r, struct app *app)
{
	static const struct err_reply no_access =
		{ 403, "SCOPE_MISMATCH", "No access to this dialog" };
	enum dialog_result res;
	struct dialog_page pg;
	int rc;

	rc = store_dialog_get(app->store, &(struct dialog_access){ r->ids[0],
	    r->user, r->scopes }, &pg, &res);
	if (rc != 0)
		reply_failure(r, rc);
	else if (res == DIALOG_NOT_FOUND)
		reply_err(r, &NOT_FOUND);
	else if (res != DIALOG_OK)
		reply_err(r, &no_access);
	else
		reply_data(r, shape_dialog_one(&pg));
	dialog_page_free(&pg);
}

/* C3 — GET /api/v1/dialogs/by-object/{object_type}/{object_id} */
static void
dialog_by_object(struct req *r, struct app *app)
{
	struct dialog_filter f = {
		.user = r->user, .scopes = r->scopes, .archived = -1,
		.object_type = r->params[0], .object_id = r->params[1],
	};
	struct dialog_page pg;
	json_t *item, *o;
	int rc;

	if ((rc = store_dialog_by_object(app->store, &f, &pg)) != 0) {
		reply_failure(r, rc);
		return;
	}
	rc = shape_dialog_first(&pg, &item);
	dialog_page_free(&pg);
	if (rc != 0) {
		reply_failure(r, rc);
		return;
	}
	/* {"data": null} when nothing is accessible (C3) */
	if ((o = json_object()) == NULL)
		json_decref(item);
	else if (json_add_new(o, "data", item ? item : json_null()) != 0) {
		json_decref(o);
		o = NULL;
	}
	reply_json(r, 200, o);
}

/* C4 — GET /api/v1/dialogs/by-object/{object_type}/{object_id}/list */
static void
dialog_by_object_list(struct req *r, struct app *app)
{
	struct dialog_filter f = {
		.user = r->user, .scopes = r->scopes,
		.object_type = r->params[0], .object_id = r->params[1],
	};
	struct dialog_page pg;
	char *search = NULL;
	int rc;

	if (query_common(r, &f, &search) != 0 ||
	    query_type(r, true, &f) != 0)
		goto out;
	if ((rc = store_dialog_list_by_object(app->store, &f, &pg)) != 0)
		reply_failure(r, rc);
	else {
		reply_data(r, shape_dialog_items(&pg));
		dialog_page_free(&pg);
	}
out:
	mt_free(search);
}

/* The writes of C5–C11, run by the writer (app_run). */
struct join_call {
	struct dialog_join	*j;
	enum dialog_result	*res;
};

static int
join_job(struct store *st, void *arg)
{
	struct join_call *c = arg;

	return store_dialog_join(st, c->j, c->res);
}

struct member_call {
	const char		*dialog_id, *user;
	int64_t			*seq;
	enum dialog_result	*res;
};

struct flag_call {
	struct dialog_flag_change	 ch;
	enum dialog_result		*res;
};

static int
leave_job(struct store *st, void *arg)
{
	struct member_call *c = arg;

	return store_dialog_leave(st, c->dialog_id, c->user, c->seq, c->res);
}

static int
flag_job(struct store *st, void *arg)
{
	struct flag_call *c = arg;

	return store_dialog_set_flag(st, &c->ch, c->res);
}

/* C5 — POST /api/v1/dialogs/{id}/join */
static void
dialog_join(struct req *r, struct app *app)
{
	static const struct err_reply already =
		{ 400, "BAD_REQUEST", "Already a participant" };
	static const struct err_reply no_access =
		{ 403, "FORBIDDEN", "No access to join this dialog" };
	struct dialog_join j = {
		.dialog_id = r->ids[0], .user = r->user, .scopes = r->scopes,
	};
	enum dialog_result res;
	int rc;

	if (body_object(r) != 0 ||
	    body_str(r, "display_name", FIELD_REQUIRED, &j.display_name) ||
	    body_str(r, "company", FIELD_REQUIRED, &j.company) ||
	    body_str(r, "email", FIELD_NULLABLE, &j.email) ||
	    body_str(r, "phone", FIELD_NULLABLE, &j.phone))
		return;
	if ((rc = app_run(app, join_job, &(struct join_call){ &j, &res })) !=
	    0) {
		reply_failure(r, rc);
		return;
	}
	switch (res) {
	case DIALOG_OK:
		app_wake(app, j.seq);
		reply_status(r, r->ids[0], "joined");
		break;
	case DIALOG_NOT_FOUND:
		reply_err(r, &NOT_FOUND);
		break;
	case DIALOG_ALREADY:
		reply_err(r, &already);
		break;
	case DIALOG_INVALID:
		reply_error(r, 400, "INVALID_INPUT", j.msg);
		break;
	default:
		reply_err(r, &no_access);
		break;
	}
}

/* C6 — POST /api/v1/dialogs/{id}/leave */
static void
dialog_leave(struct req *r, struct app *app)
{
	enum dialog_result res;
	int64_t seq;
	struct member_call c = { r->ids[0], r->user, &seq, &res };
	int rc;

	rc = app_run(app, leave_job, &c);
	if (rc != 0)
		reply_failure(r, rc);
	else if (res == DIALOG_NOT_FOUND)
		reply_err(r, &NOT_FOUND);
	else if (res != DIALOG_OK)
		reply_err(r, &NOT_PARTICIPANT);
	else {
		app_wake(app, seq);
		reply_status(r, NULL, "left");
	}
}

/* C7–C11: one flag of the caller's row; answers {"status": status}. */
static void
set_flag(struct req *r, struct app *app, enum dialog_flag flag, bool on,
    const char *status)
{
	enum dialog_result res;
	struct flag_call c = { { r->ids[0], r->user, flag, on }, &res };
	int rc;

	rc = app_run(app, flag_job, &c);
	if (rc != 0)
		reply_failure(r, rc);
	else if (res != DIALOG_OK)
		reply_err(r, &NOT_PARTICIPANT);
	else
		reply_status(r, NULL, status);
}

/* C7 · POST /api/v1/dialogs/{dialog_id}/archive */
static void
dialog_archive(struct req *r, struct app *app)
{
	set_flag(r, app, DIALOG_FLAG_ARCHIVED, true, "archived");
}

/* C8 · POST /api/v1/dialogs/{dialog_id}/unarchive */
static void
dialog_unarchive(struct req *r, struct app *app)
{
	set_flag(r, app, DIALOG_FLAG_ARCHIVED, false, "unarchived");
}

/* C9 · POST /api/v1/dialogs/{dialog_id}/pin */
static void
dialog_pin(struct req *r, struct app *app)
{
	set_flag(r, app, DIALOG_FLAG_PINNED, true, "pinned");
}

/* C10 · POST /api/v1/dialogs/{dialog_id}/unpin */
static void
dialog_unpin(struct req *r, struct app *app)
{
	set_flag(r, app, DIALOG_FLAG_PINNED, false, "unpinned");
}

/* C11 — POST /api/v1/dialogs/{id}/notifications {"enabled": bool} */
static void
dialog_notifications(struct req *r, struct app *app)
{
	bool enabled = false, present;

	if (body_object(r) != 0 ||
	    body_bool(r, "enabled", FIELD_REQUIRED, &enabled, &present) != 0)
		return;
	set_flag(r, app, DIALOG_FLAG_NOTIFICATIONS, enabled,
	    enabled ? "enabled" : "disabled");
}

/* C13 — GET /api/v1/dialogs/{id}/participants */
static void
dialog_participants(struct req *r, struct app *app)
{
	int64_t since = presence_cutoff(app->cfg, tm_now_us());
	enum dialog_result res;
	struct dialog_rows rows;
	int rc;

	rc = store_dialog_participants(app->store, &(struct dialog_access){
	    r->ids[0], r->user, r->scopes }, since, &rows, &res);
	if (rc != 0)
		reply_failure(r, rc);
	else if (res != DIALOG_OK)
		reply_error(r, 403, "FORBIDDEN", "Not a participant");
	else
		reply_data(r, shape_participants(rows.parts, rows.nparts,
		    SHAPE_ONLINE | (rows.mine ? 0 : SHAPE_HIDE)));
	dialog_rows_free(&rows);
}

#define D	"/api/v1/dialogs"
#define ID	D "/{id}"

const struct route dialog_routes[] = {
	{ "GET", D, dialogs_list, AUTH_USER, SCOPE_OPTIONAL, false },
	{ "GET", ID, dialog_get, AUTH_USER, SCOPE_OPTIONAL, false },
	{ "GET", D "/by-object/{s}/{s}", dialog_by_object, AUTH_USER,
	  SCOPE_OPTIONAL, false },
	{ "GET", D "/by-object/{s}/{s}/list", dialog_by_object_list,
	  AUTH_USER, SCOPE_OPTIONAL, false },
	{ "POST", ID "/join", dialog_join, AUTH_USER, SCOPE_REQUIRED, true },
	{ "POST", ID "/leave", dialog_leave, AUTH_USER, SCOPE_IGNORED, false },
	{ "POST", ID "/archive", dialog_archive, AUTH_USER, SCOPE_IGNORED,
	  false },
	{ "POST", ID "/unarchive", dialog_unarchive, AUTH_USER, SCOPE_IGNORED,
	  false },
	{ "POST", ID "/pin", dialog_pin, AUTH_USER, SCOPE_IGNORED, false },
	{ "POST", ID "/unpin", dialog_unpin, AUTH_USER, SCOPE_IGNORED, false },
	{ "POST", ID "/notifications", dialog_notifications, AUTH_USER,
	  SCOPE_IGNORED, true },
	{ "GET", ID "/participants", dialog_participants, AUTH_USER,
	  SCOPE_OPTIONAL, false },
	{ NULL, NULL, NULL, AUTH_NONE, SCOPE_IGNORED, false }
};
