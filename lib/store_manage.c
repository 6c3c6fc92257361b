/*
 * store_manage.c — Management API statements (M1–M7). Each write is one
 * BEGIN IMMEDIATE transaction that also appends its change-log rows.
 * Reads fill the rows of lib/rows.h (lib/shape.c makes their JSON).
 *
 * JSON here is input only: the request's meta and scopes, stored as compact
 * JSON text; the stored scope levels parsed back to compare with M2's
 * (scope_lists_equal()); chat_created's content; the recipients of
 * dialog.deleted.
 */
#include <string.h>

#include "err.h"
#include "event_body.h"
#include "id.h"
#include "json.h"
#include "mem.h"
#include "scope.h"
#include "store_common.h"
#include "store_int.h"
#include "store_manage.h"
#include "tm.h"

static const char SQL_DIALOG_INSERT[] =
	"INSERT INTO dialogs (id, object_id, object_type, title, object_url,"
	" created_by, created_at, meta) VALUES (?, ?, ?, ?, ?, ?, ?, ?)";
static const char SQL_DIALOG_GET[] =
	"SELECT " DIALOG_COLS " FROM dialogs d WHERE d.id = ?";
static const char SQL_DIALOGS_OF_OBJECT[] =
	"SELECT " DIALOG_COLS " FROM dialogs d"
	" WHERE d.object_type = ? AND d.object_id = ?"
	" ORDER BY d.created_at DESC, d.id DESC";
static const char SQL_PARTICIPANT_INSERT[] =
	"INSERT INTO participants (dialog_id, user_id, joined_at, joined_as,"
	" display_name, company, email, phone, read_messages)"
	" VALUES (?1, ?2, ?3, 'participant', ?4, ?5, ?6, ?7, "
	USER_MESSAGES(1) ")";
static const char SQL_PARTICIPANTS_OF[] =
	"SELECT " PARTICIPANT_COLS " FROM " PARTICIPANT_FROM
	" WHERE p.dialog_id = ? ORDER BY p.joined_at, p.user_id";
static const char SQL_PARTICIPANT_IDS[] =
	"SELECT user_id FROM participants WHERE dialog_id = ?";
static const char SQL_PARTICIPANT_DELETE[] =
	"DELETE FROM participants WHERE dialog_id = ? AND user_id = ?";
static const char SQL_SCOPE_INSERT[] =
	"INSERT INTO access_scopes (id, dialog_id, position, scope_level0,"
	" scope_level1, scope_level2, created_at) VALUES (?, ?, ?, ?, ?, ?, ?)";
static const char SQL_SCOPE_VALUE_INSERT[] =
	"INSERT INTO access_scope_values (scope_id, dialog_id, level,"
	" value) VALUES (?, ?, ?, ?) ON CONFLICT DO NOTHING";
static const char SQL_SCOPES_OF[] =
	"SELECT " SCOPE_COLS " FROM access_scopes a WHERE a.dialog_id = ?"
	" ORDER BY a.position";
static const char SQL_SCOPES_DELETE[] =
	"DELETE FROM access_scopes WHERE dialog_id = ?";
static const char SQL_DIALOG_DELETE[] =
	"DELETE FROM dialogs WHERE id = ?";

/* Binds a JSON value as its compact text (NULL / JSON null → SQL NULL). */
static int
bind_json(struct dbstmt *s, int idx, const json_t *v, char **text)
{
	*text = NULL;
	if (v == NULL || json_is_null(v))
		return db_bind_null(s, idx) == SQLITE_OK ? 0 : MT_EIO;
	if ((*text = json_encode_sorted(v)) == NULL)
		return MT_ENOMEM;
	return db_bind_text(s, idx, *text, -1, SQLITE_STATIC) ==
	    SQLITE_OK ? 0 : MT_EIO;
}

/* Level `lv` of a scope input object, or an empty array. */
static json_t *
level_of(const json_t *scope, int lv)
{
	json_t *v = json_object_get(scope, scope_level_name(lv));

	return json_is_array(v) ? json_incref(v) : json_array();
}

static int
insert_scope_values(struct store *st, const char *scope_id,
    const char *dialog_id, int lv, const json_t *values)
{
	struct dbstmt *s;
	size_t i;
	int rc;

	for (i = 0; i < json_array_size(values); i++) {
		if ((s = store_stmt(st, SQL_SCOPE_VALUE_INSERT)) == NULL)
			return MT_EIO;
		store_bind_text(s, 1, scope_id);
		store_bind_text(s, 2, dialog_id);
		db_bind_int(s, 3, lv);
		store_bind_text(s, 4,
		    json_string_value(json_array_get(values, i)));
		if ((rc = store_exec_stmt(st, s, __func__)) != 0)
			return rc;
	}
	return 0;
}

/* Inserts one access scope (and its index rows) at position pos. */
static int
insert_scope(struct store *st, const char *dialog_id, int pos,
    const json_t *scope, int64_t now)
{
	char id[ID_BUF], *text[3] = { NULL, NULL, NULL };
	json_t *lv[3];
	struct dbstmt *s;
	int i, rc;

	for (i = 0; i < 3; i++)
		lv[i] = level_of(scope, i);
	if ((rc = id_new(id)) != 0 || (s = store_stmt(st, SQL_SCOPE_INSERT))
	    == NULL) {
		rc = rc ? rc : MT_EIO;
		goto out;
	}
	store_bind_text(s, 1, id);
	store_bind_text(s, 2, dialog_id);
	db_bind_int(s, 3, pos);
	for (i = 0; i < 3; i++)
		if ((rc = bind_json(s, 4 + i, lv[i], &text[i])) != 0)
			goto out;
	db_bind_int64(s, 7, now);
	if ((rc = store_exec_stmt(st, s, __func__)) != 0)
		goto out;
	for (i = 0; i < 3 && rc == 0; i++)
		rc = insert_scope_values(st, id, dialog_id, i, lv[i]);
out:
	for (i = 0; i < 3; i++) {
		mt_free(text[i]);
		json_decref(lv[i]);
	}
	return rc;
}

static int
insert_scopes(struct store *st, const char *dialog_id, const json_t *scopes)
{
	int64_t now = tm_now_us();
	size_t i;
	int rc;

	for (i = 0; i < json_array_size(scopes); i++)
		if ((rc = insert_scope(st, dialog_id, (int)i,
		    json_array_get(scopes, i), now)) != 0)
			return rc;
	return 0;
}

static int
insert_participant(struct store *st, const char *dialog_id,
    const struct participant_in *p, int64_t joined_at)
{
	struct dbstmt *s = store_stmt(st, SQL_PARTICIPANT_INSERT);

	if (s == NULL)
		return MT_EIO;
	store_bind_text(s, 1, dialog_id);
	store_bind_text(s, 2, p->user_id);
	db_bind_int64(s, 3, joined_at);
	store_bind_text(s, 4, p->display_name);
	store_bind_text(s, 5, p->company);
	store_bind_text(s, 6, p->email);
	store_bind_text(s, 7, p->phone);
	return store_exec_stmt(st, s, __func__);
}

/* {"event":"chat_created","participants":[{"company":..,"name":..}]} */
static json_t *
chat_created(const struct dialog_in *in)
{
	json_t *o = json_object(), *arr = json_array(), *e;
	size_t i;

	if (o == NULL || json_add_str(o, "event", "chat_created") != 0 ||
	    json_add_new(o, "participants", json_incref(arr)) != 0)
		goto fail;
	for (i = 0; i < in->nparticipants; i++) {
		if ((e = json_object()) == NULL ||
		    json_array_append_new(arr, e) != 0 ||
		    json_add_str(e, "name", in->participants[i].display_name)
		    != 0 ||
		    json_add_str_opt(e, "company", in->participants[i].company)
		    != 0)
			goto fail;
	}
	json_decref(arr);
	return o;
fail:
	json_decref(arr);
	json_decref(o);
	return NULL;
}

static int
insert_dialog(struct store *st, const struct dialog_in *in, const char *id,
    int64_t now)
{
	struct dbstmt *s = store_stmt(st, SQL_DIALOG_INSERT);
	char *meta = NULL;
	int rc;

	if (s == NULL)
		return MT_EIO;
	store_bind_text(s, 1, id);
	store_bind_text(s, 2, in->object_id);
	store_bind_text(s, 3, in->object_type);
	store_bind_text(s, 4, in->title);
	store_bind_text(s, 5, in->object_url);
	store_bind_text(s, 6, in->nparticipants ?
	    in->participants[0].user_id : NULL);
	db_bind_int64(s, 7, now);
	if ((rc = bind_json(s, 8, in->meta, &meta)) == 0)
		rc = store_exec_stmt(st, s, __func__);
	else
		db_reset(s);
	mt_free(meta);
	return rc;
}

/*
 * The Dialog (docs/rest.md#dialog) of id into out->d, read back inside the
 * current state; MT_ENOTFOUND when there is none.
 */
static int
dialog_read(struct store *st, const char *id, struct dialog_rows *out)
{
	struct dbstmt *s = store_stmt(st, SQL_DIALOG_GET);
	int rc;

	if (s == NULL)
		return MT_EIO;
	store_bind_text(s, 1, id);
	if ((rc = store_step(st, s, __func__)) <= 0)
		return rc == 0 ? MT_ENOTFOUND : rc;
	store_read_dialog(s, 0, &out->arena, &out->d);
	db_reset(s);
	out->found = out->arena.err == 0;
	return out->arena.err;
}

/* Everything M1 writes, inside the open transaction. */
static int
create_rows(struct store *st, const struct dialog_in *in, const char *id,
    int64_t *seq)
{
	json_t *content;
	int64_t now = tm_now_us();
	size_t i;
	int rc;

	if ((rc = insert_dialog(st, in, id, now)) != 0)
		return rc;
	for (i = 0; i < in->nparticipants; i++)
		if ((rc = insert_participant(st, id, &in->participants[i],
		    now)) != 0)
			return rc;
	if ((rc = insert_scopes(st, id, in->scopes)) != 0)
		return rc;
	if (in->nparticipants > 0) {
		if ((content = chat_created(in)) == NULL)
			return MT_ENOMEM;
		rc = store_system_message(st, id, content, false, NULL);
		json_decref(content);
		if (rc != 0)
			return rc;
	}
	for (i = 0; i < in->nparticipants; i++)
		if ((rc = event_participant_joined(st, id,
		    in->participants[i].user_id, false, seq)) != 0)
			return rc;
	return 0;
}

int
store_manage_create(struct store *st, const struct dialog_in *in,
    struct dialog_rows *out, int64_t *seq)
{
	char id[ID_BUF];
	int rc;

	memset(out, 0, sizeof(*out));
	*seq = 0;
	if ((rc = id_new(id)) != 0 || (rc = store_begin(st)) != 0)
		return rc;
	if ((rc = create_rows(st, in, id, seq)) != 0 ||
	    (rc = dialog_read(st, id, out)) != 0) {
		store_rollback(st);
		dialog_rows_free(out);
		return rc;
	}
	if ((rc = store_commit(st)) != 0)
		dialog_rows_free(out);
	return rc;
}

/* The stored scopes of a dialog (docs/rest.md#access-scope), in order. */
static int
scopes_of(struct store *st, const char *dialog_id, struct dialog_rows *out)
{
	struct dbstmt *s = store_stmt(st, SQL_SCOPES_OF);
	struct scope_row *r;
	int rc;

	if (s == NULL)
		return MT_EIO;
	store_bind_text(s, 1, dialog_id);
	while ((rc = store_step(st, s, __func__)) == 1) {
		if (mt_reserve(&out->scopes, &out->scopecap, out->nscopes + 1,
		    sizeof(*r)) != 0) {
			db_reset(s);
			return MT_ENOMEM;
		}
		r = &out->scopes[out->nscopes++];
		store_read_scope(s, 0, &out->arena, r);
		if (out->arena.err != 0) {
			db_reset(s);
			return out->arena.err;
		}
	}
	return rc;
}

/*
 * The stored scopes of a dialog, their levels parsed, as the array of
 * scope objects that scope_lists_equal() compares (an input of the
 * matching, not an API shape).
 */
static int
scopes_parsed(struct store *st, const char *dialog_id, json_t **out)
{
	struct dialog_rows r = { 0 };
	json_t *o, *lv;
	char err[64];
	size_t i;
	int l, rc;

	*out = NULL;
	if ((rc = scopes_of(st, dialog_id, &r)) != 0 ||
	    (*out = json_array()) == NULL) {
		dialog_rows_free(&r);
		return rc != 0 ? rc : MT_ENOMEM;
	}
	for (i = 0; i < r.nscopes && rc == 0; i++) {
		if ((o = json_object()) == NULL ||
		    json_array_append_new(*out, o) != 0)
			rc = MT_ENOMEM;
		for (l = 0; l < SCOPE_LEVELS && rc == 0; l++) {
			if (r.scopes[i].level[l] == NULL)
				continue;
			lv = json_parse(r.scopes[i].level[l],
			    strlen(r.scopes[i].level[l]), err, sizeof(err));
			rc = json_add_new(o, scope_level_name(l), lv);
		}
	}
	dialog_rows_free(&r);
	if (rc != 0) {
		json_decref(*out);
		*out = NULL;
	}
	return rc;
}

/* The candidates of M2: the object's dialogs, newest first. */
struct cands {
	struct dialog_row	*v;
	size_t			 n, cap;
};

static int
object_dialogs(struct store *st, const char *object_type,
    const char *object_id, struct arena *a, struct cands *c)
{
	struct dbstmt *s = store_stmt(st, SQL_DIALOGS_OF_OBJECT);
	int rc;

	if (s == NULL)
		return MT_EIO;
	store_bind_text(s, 1, object_type);
	store_bind_text(s, 2, object_id);
	while ((rc = store_step(st, s, __func__)) == 1) {
		if (mt_reserve(&c->v, &c->cap, c->n + 1, sizeof(*c->v)) != 0) {
			db_reset(s);
			return MT_ENOMEM;
		}
		store_read_dialog(s, 0, a, &c->v[c->n++]);
		if (a->err != 0) {
			db_reset(s);
			return a->err;
		}
	}
	return rc;
}

int
store_manage_search(struct store *st, const char *object_type,
    const char *object_id, const json_t *scopes, struct dialog_rows *out)
{
	struct cands c = { NULL, 0, 0 };
	json_t *empty = NULL, *stored;
	size_t i;
	int rc;

	memset(out, 0, sizeof(*out));
	if ((rc = object_dialogs(st, object_type, object_id, &out->arena,
	    &c)) != 0)
		goto out;
	if (scopes == NULL && (scopes = empty = json_array()) == NULL) {
		rc = MT_ENOMEM;
		goto out;
	}
	for (i = 0; i < c.n && rc == 0; i++) {
		if ((rc = scopes_parsed(st, c.v[i].id, &stored)) == 0 &&
		    scope_lists_equal(scopes, stored)) {
			out->d = c.v[i];
			out->found = true;
			json_decref(stored);
			break;
		}
		json_decref(stored);
	}
out:
	json_decref(empty);
	mt_free(c.v);
	if (rc != 0 || !out->found)
		dialog_rows_free(out);
	return rc;
}

static int
participants_of(struct store *st, const char *dialog_id,
    struct dialog_rows *out)
{
	struct dbstmt *s = store_stmt(st, SQL_PARTICIPANTS_OF);

	if (s == NULL)
		return MT_EIO;
	store_bind_text(s, 1, dialog_id);
	return store_read_participants(st, s, false, out);
}

int
store_manage_get(struct store *st, const char *dialog_id,
    struct dialog_rows *out, enum manage_result *res)
{
	int rc;

	*res = MANAGE_OK;
	memset(out, 0, sizeof(*out));
	rc = dialog_read(st, dialog_id, out);
	if (rc == MT_ENOTFOUND) {
		*res = MANAGE_NO_DIALOG;
		return 0;
	}
	if (rc != 0 ||
	    (rc = participants_of(st, dialog_id, out)) != 0 ||
	    (rc = scopes_of(st, dialog_id, out)) != 0)
		dialog_rows_free(out);
	return rc;
}

/* The user ids of a dialog's participants: dialog.deleted's recipients. */
static int
participant_ids(struct store *st, const char *dialog_id, json_t **out)
{
	struct dbstmt *s = store_stmt(st, SQL_PARTICIPANT_IDS);

	if (s != NULL)
		store_bind_text(s, 1, dialog_id);
	return store_collect_users(st, s, out);
}

static int
delete_rows(struct store *st, const char *dialog_id, int64_t *seq)
{
	struct dbstmt *s;
	json_t *users;
	int rc;

	if ((rc = participant_ids(st, dialog_id, &users)) != 0)
		return rc;
	if ((s = store_stmt(st, SQL_DIALOG_DELETE)) == NULL)
		rc = MT_EIO;
	else {
		store_bind_text(s, 1, dialog_id);
		rc = store_exec_stmt(st, s, __func__);
	}
	if (rc == 0 && store_changes(st) > 0)
		rc = event_dialog_deleted(st, dialog_id, users, seq);
	json_decref(users);
	return rc;
}

int
store_manage_delete(struct store *st, const char *dialog_id, int64_t *seq)
{
	int rc;

	*seq = 0;
	if ((rc = store_begin(st)) != 0)
		return rc;
	if ((rc = delete_rows(st, dialog_id, seq)) != 0) {
		store_rollback(st);
		return rc;
	}
	return store_commit(st);
}

/* Opens the transaction and checks the dialog and the participant. */
static int
begin_with(struct store *st, const char *dialog_id, const char *user_id,
    bool *dialog, bool *participant)
{
	int rc;

	*participant = false;
	if ((rc = store_begin(st)) != 0)
		return rc;
	if ((rc = store_membership(st, dialog_id, user_id, dialog,
	    participant)) != 0)
		store_rollback(st);
	return rc;
}

int
store_manage_add(struct store *st, const char *dialog_id,
    const struct participant_in *p, enum manage_result *res, int64_t *seq)
{
	bool dialog, present;
	int rc;

	*seq = 0;
	if ((rc = begin_with(st, dialog_id, p->user_id, &dialog, &present))
	    != 0)
		return rc;
	*res = !dialog ? MANAGE_NO_DIALOG : present ? MANAGE_ALREADY :
	    MANAGE_OK;
	if (*res != MANAGE_OK) {
		store_rollback(st);
		return 0;
	}
	if ((rc = insert_participant(st, dialog_id, p, tm_now_us())) != 0 ||
	    (rc = event_participant_joined(st, dialog_id, p->user_id, false,
	    seq)) != 0) {
		store_rollback(st);
		return rc;
	}
	return store_commit(st);
}

int
store_manage_remove(struct store *st, const char *dialog_id,
    const char *user_id, enum manage_result *res, int64_t *seq)
{
	struct dbstmt *s;
	bool dialog, present;
	int rc;

	*seq = 0;
	if ((rc = begin_with(st, dialog_id, user_id, &dialog, &present)) != 0)
		return rc;
	*res = !dialog ? MANAGE_NO_DIALOG : !present ? MANAGE_NO_PARTICIPANT :
	    MANAGE_OK;
	if (*res != MANAGE_OK) {
		store_rollback(st);
		return 0;
	}
	if ((s = store_stmt(st, SQL_PARTICIPANT_DELETE)) == NULL)
		rc = MT_EIO;
	else {
		store_bind_text(s, 1, dialog_id);
		store_bind_text(s, 2, user_id);
		rc = store_exec_stmt(st, s, __func__);
	}
	if (rc == 0)
		rc = event_participant_left(st, dialog_id, user_id, false,
		    seq);
	if (rc != 0) {
		store_rollback(st);
		return rc;
	}
	return store_commit(st);
}

static int
replace_scopes(struct store *st, const char *dialog_id, const json_t *in)
{
	struct dbstmt *s = store_stmt(st, SQL_SCOPES_DELETE);
	int rc;

	if (s == NULL)
		return MT_EIO;
	store_bind_text(s, 1, dialog_id);
	if ((rc = store_exec_stmt(st, s, __func__)) != 0)
		return rc;
	return insert_scopes(st, dialog_id, in);
}

int
store_manage_set_scopes(struct store *st, const char *dialog_id,
    const json_t *in, struct dialog_rows *out, enum manage_result *res)
{
	bool dialog, unused;
	int rc;

	memset(out, 0, sizeof(*out));
	if ((rc = begin_with(st, dialog_id, NULL, &dialog, &unused)) != 0)
		return rc;
	*res = dialog ? MANAGE_OK : MANAGE_NO_DIALOG;
	if (!dialog) {
		store_rollback(st);
		return 0;
	}
	if ((rc = replace_scopes(st, dialog_id, in)) != 0 ||
	    (rc = scopes_of(st, dialog_id, out)) != 0) {
		store_rollback(st);
		dialog_rows_free(out);
		return rc;
	}
	if ((rc = store_commit(st)) != 0)
		dialog_rows_free(out);
	return rc;
}
