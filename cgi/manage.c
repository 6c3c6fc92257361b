/*
 * manage.c — the Management API (M1–M7, docs/rest.md#management-api), called by
 * the host back-end with the admin token: decode the body, validate it in the
 * order the reference does, call lib/store_manage.c, encode the answer.
 */
#include <stdio.h>
#include <string.h>

#include "err.h"
#include "json.h"
#include "mem.h"
#include "params.h"
#include "route.h"
#include "shape.h"
#include "scope.h"
#include "store_manage.h"
#include "valid.h"

#define MAX_PARTICIPANTS	10000

static void
reply_invalid(struct req *r, const char *msg)
{
	reply_error(r, 400, "INVALID_INPUT", msg);
}

static void
reply_no_dialog(struct req *r)
{
	reply_error(r, 404, "NOT_FOUND", "Dialog not found");
}

/* Storage limits the reference left to the database (A17): a 400 here. */
static int
check_len(struct req *r, const char *field, const char *v, size_t max)
{
	char msg[VALID_MSG_LEN];

	if (v == NULL || strlen(v) <= max)
		return 0;
	snprintf(msg, sizeof(msg), "%s exceeds maximum length of %zu "
	    "characters", field, max);
	reply_invalid(r, msg);
	return -1;
}

/* Reads one participant object; the shape is checked here (422). */
static int
participant_shape(struct req *r, json_t *o, struct participant_in *p)
{
	json_t *saved = r->json;
	int rc;

	if (!json_is_object(o)) {
		reply_shape(r, "participants: invalid type, expected a struct "
		    "ParticipantInput");
		return -1;
	}
	r->json = o;	/* body_* read the member object */
	rc = body_str(r, "user_id", FIELD_REQUIRED, &p->user_id) != 0 ||
	    body_str(r, "display_name", FIELD_REQUIRED, &p->display_name) != 0 ||
	    body_str(r, "company", FIELD_NULLABLE, &p->company) != 0 ||
	    body_str(r, "email", FIELD_NULLABLE, &p->email) != 0 ||
	    body_str(r, "phone", FIELD_NULLABLE, &p->phone) != 0 ? -1 : 0;
	r->json = saved;
	return rc;
}

static int
participant_valid(struct req *r, const struct participant_in *p)
{
	char msg[VALID_MSG_LEN];

	if (!valid_profile(&(struct profile){ p->display_name, p->company,
	    p->email, p->phone }, msg, sizeof(msg))) {
		reply_invalid(r, msg);
		return -1;
	}
	return check_len(r, "user_id", p->user_id, USER_ID_MAX);
}

/* access_scopes: absent is [], anything else must have the input shape. */
static int
scopes_shape(struct req *r, const char *key, bool required, json_t **out)
{
	char err[128], msg[160];

	*out = json_object_get(r->json, key);
	if (*out == NULL) {
		if (!required)
			return 0;
		snprintf(msg, sizeof(msg), "missing field `%s`", key);
		reply_shape(r, msg);
		return -1;
	}
	if (scope_validate_input(*out, err, sizeof(err)) != 0) {
		snprintf(msg, sizeof(msg), "%s: %s", key, err);
		reply_shape(r, msg);
		return -1;
	}
	return 0;
}

/* Two participants with one user_id (F4): a clear 409, never a 500. */
static int
duplicate_check(struct req *r, const struct participant_in *p, size_t n)
{
	char msg[320];
	size_t i, j;

	for (i = 0; i < n; i++)
		for (j = i + 1; j < n; j++)
			if (strcmp(p[i].user_id, p[j].user_id) == 0) {
				snprintf(msg, sizeof(msg), "Duplicate "
				    "participant user_id: %.255s", p[i].user_id);
				reply_error(r, 409, "CONFLICT", msg);
				return -1;
			}
	return 0;
}

/* M1 body, shape first (422), then limits (400) in the reference's order. */
static int
create_input(struct req *r, struct dialog_in *in,
    struct participant_in **parts)
{
	json_t *arr, *scopes;
	char msg[VALID_MSG_LEN];
	size_t i, n;

	if (body_object(r) != 0 ||
	    body_str(r, "object_id", FIELD_REQUIRED, &in->object_id) != 0 ||
	    body_str(r, "object_type", FIELD_REQUIRED, &in->object_type) != 0 ||
	    body_str(r, "title", FIELD_NULLABLE, &in->title) != 0 ||
	    body_str(r, "object_url", FIELD_NULLABLE, &in->object_url) != 0)
		return -1;
	arr = json_object_get(r->json, "participants");
	if (!json_is_array(arr)) {
		reply_shape(r, arr ? "participants: invalid type, expected a "
		    "sequence" : "missing field `participants`");
		return -1;
	}
	if ((n = json_array_size(arr)) > MAX_PARTICIPANTS) {
		reply_invalid(r, "too many participants");
		return -1;
	}
	if ((*parts = mt_calloc(n ? n : 1, sizeof(**parts))) == NULL) {
		reply_failure(r, MT_ENOMEM);
		return -1;
	}
	for (i = 0; i < n; i++)
		if (participant_shape(r, json_array_get(arr, i),
		    &(*parts)[i]) != 0)
			return -1;
	if (scopes_shape(r, "access_scopes", false, &scopes) != 0)
		return -1;
	in->scopes = scopes;
	in->meta = json_object_get(r->json, "meta");
	in->participants = *parts;
	in->nparticipants = n;
	if (!valid_title(in->title, msg, sizeof(msg))) {
		reply_invalid(r, msg);
		return -1;
	}
	for (i = 0; i < n; i++)
		if (participant_valid(r, &(*parts)[i]) != 0)
			return -1;
	if (check_len(r, "object_id", in->object_id, OBJECT_ID_MAX) != 0 ||
	    check_len(r, "object_type", in->object_type, OBJECT_TYPE_MAX) != 0)
		return -1;
	return duplicate_check(r, *parts, n);
}

/* The writes of M1 and M4–M7, run by the writer (app_run). */
struct manage_call {
	const char			*dialog_id;
	const struct dialog_in		*dialog;	/* M1 */
	const struct participant_in	*participant;	/* M5 */
	const char			*user_id;	/* M6 */
	const json_t			*scopes;	/* M7 */
	struct dialog_rows		*out;
	enum manage_result		*res;
	int64_t				*seq;
};

static int
create_job(struct store *st, void *arg)
{
	struct manage_call *c = arg;

	return store_manage_create(st, c->dialog, c->out, c->seq);
}

static int
delete_job(struct store *st, void *arg)
{
	struct manage_call *c = arg;

	return store_manage_delete(st, c->dialog_id, c->seq);
}

static int
add_job(struct store *st, void *arg)
{
	struct manage_call *c = arg;

	return store_manage_add(st, c->dialog_id, c->participant, c->res,
	    c->seq);
}

static int
remove_job(struct store *st, void *arg)
{
	struct manage_call *c = arg;

	return store_manage_remove(st, c->dialog_id, c->user_id, c->res,
	    c->seq);
}

static int
scopes_job(struct store *st, void *arg)
{
	struct manage_call *c = arg;

	return store_manage_set_scopes(st, c->dialog_id, c->scopes, c->out,
	    c->res);
}

/* M1 · POST /api/v1/management/dialogs */
static void
dialog_create(struct req *r, struct app *app)
{
	struct dialog_in in = { 0 };
	struct participant_in *parts = NULL;
	struct dialog_rows dialog = { 0 };
	int64_t seq;
	int rc;

	if (create_input(r, &in, &parts) == 0) {
		rc = app_run(app, create_job, &(struct manage_call){
		    .dialog = &in, .out = &dialog, .seq = &seq });
		if (rc != 0)
			reply_failure(r, rc);
		else {
			app_wake(app, seq);
			reply_data(r, shape_dialog(&dialog.d));
		}
	}
	dialog_rows_free(&dialog);
	mt_free(parts);
}

/* M2 · POST /api/v1/management/dialogs/search */
static void
dialog_search(struct req *r, struct app *app)
{
	const char *object_id, *object_type;
	struct dialog_rows dialog;
	json_t *scopes;
	int rc;

	if (body_object(r) != 0 ||
	    body_str(r, "object_id", FIELD_REQUIRED, &object_id) != 0 ||
	    body_str(r, "object_type", FIELD_REQUIRED, &object_type) != 0 ||
	    scopes_shape(r, "access_scopes", false, &scopes) != 0)
		return;
	rc = store_manage_search(app->store, object_type, object_id, scopes,
	    &dialog);
	if (rc != 0)
		reply_failure(r, rc);
	else
		reply_data(r, dialog.found ? shape_dialog(&dialog.d) :
		    json_null());
	dialog_rows_free(&dialog);
}

/* M3 · GET /api/v1/management/dialogs/{dialog_id} */
static void
dialog_get(struct req *r, struct app *app)
{
	enum manage_result res;
	struct dialog_rows dialog;
	int rc;

	rc = store_manage_get(app->store, r->ids[0], &dialog, &res);
	if (rc != 0)
		reply_failure(r, rc);
	else if (res == MANAGE_NO_DIALOG)
		reply_no_dialog(r);
	else
		reply_data(r, shape_manage_dialog(&dialog));
	dialog_rows_free(&dialog);
}

/* M4 · DELETE /api/v1/management/dialogs/{dialog_id} */
static void
dialog_delete(struct req *r, struct app *app)
{
	int64_t seq;
	int rc;

	rc = app_run(app, delete_job, &(struct manage_call){
	    .dialog_id = r->ids[0], .seq = &seq });
	if (rc != 0) {
		reply_failure(r, rc);
		return;
	}
	app_wake(app, seq);
	reply_empty(r, 204);
}

/*
 * M5 · POST /api/v1/management/dialogs/{dialog_id}/participants
 */
static void
participant_add(struct req *r, struct app *app)
{
	struct participant_in p = { 0 };
	enum manage_result res;
	int64_t seq;
	int rc;

	if (body_object(r) != 0 || participant_shape(r, r->json, &p) != 0 ||
	    participant_valid(r, &p) != 0)
		return;
	rc = app_run(app, add_job, &(struct manage_call){
	    .dialog_id = r->ids[0], .participant = &p, .res = &res,
	    .seq = &seq });
	if (rc != 0)
		reply_failure(r, rc);
	else if (res == MANAGE_NO_DIALOG)
		reply_no_dialog(r);
	else if (res == MANAGE_ALREADY)
		reply_empty(r, 200);	/* F19: nothing written */
	else {
		app_wake(app, seq);
		reply_empty(r, 201);
	}
}

/*
 * M6 · DELETE /api/v1/management/dialogs/{dialog_id}/participants/{user_id}
 */
static void
participant_remove(struct req *r, struct app *app)
{
	enum manage_result res;
	int64_t seq;
	int rc;

	rc = app_run(app, remove_job, &(struct manage_call){
	    .dialog_id = r->ids[0], .user_id = r->params[1], .res = &res,
	    .seq = &seq });
	if (rc != 0)
		reply_failure(r, rc);
	else if (res == MANAGE_NO_DIALOG)
		reply_no_dialog(r);
	else if (res == MANAGE_NO_PARTICIPANT)
		reply_error(r, 404, "PARTICIPANT_NOT_FOUND",
		    "Participant not found");
	else {
		app_wake(app, seq);
		reply_empty(r, 204);
	}
}

/*
 * M7 · PUT /api/v1/management/dialogs/{dialog_id}/access-scopes
 */
static void
scopes_replace(struct req *r, struct app *app)
{
	struct dialog_rows scopes = { 0 };
	enum manage_result res;
	json_t *in;
	int rc;

	if (body_object(r) != 0 ||
	    scopes_shape(r, "access_scopes", true, &in) != 0)
		return;
	rc = app_run(app, scopes_job, &(struct manage_call){
	    .dialog_id = r->ids[0], .scopes = in, .out = &scopes,
	    .res = &res });
	if (rc != 0)
		reply_failure(r, rc);
	else if (res == MANAGE_NO_DIALOG)
		reply_no_dialog(r);
	else
		reply_data(r, shape_scopes(scopes.scopes, scopes.nscopes));
	dialog_rows_free(&scopes);
}

#define M(method, pattern, fn, body) \
	{ method, "/api/v1/management" pattern, fn, AUTH_ADMIN, \
	  SCOPE_IGNORED, body }

const struct route manage_routes[] = {
	M("POST", "/dialogs", dialog_create, true),
	M("POST", "/dialogs/search", dialog_search, true),
	M("GET", "/dialogs/{id}", dialog_get, false),
	M("DELETE", "/dialogs/{id}", dialog_delete, false),
	M("POST", "/dialogs/{id}/participants", participant_add, true),
	M("DELETE", "/dialogs/{id}/participants/{s}", participant_remove,
	    false),
	M("PUT", "/dialogs/{id}/access-scopes", scopes_replace, true),
	{ NULL, NULL, NULL, AUTH_NONE, SCOPE_IGNORED, false }
};
