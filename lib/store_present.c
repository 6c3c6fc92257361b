/*
 * store_present.c — turns rows selected with the *_COLS lists of
 * store_int.h into the JSON shapes of API.md §4, with the null-versus-
 * omitted rules of §1.2.
 */
#include <string.h>

#include "err.h"
#include "json.h"
#include "mem.h"
#include "store_int.h"

const char *
store_col_text(sqlite3_stmt *s, int i)
{
	return (const char *)sqlite3_column_text(s, i);
}

static int
add_col_str(json_t *o, const char *key, sqlite3_stmt *s, int i)
{
	return json_add_str(o, key, store_col_text(s, i));
}

static int
add_col_bool(json_t *o, const char *key, sqlite3_stmt *s, int i)
{
	return json_add_bool(o, key, sqlite3_column_int(s, i) != 0);
}

/* A stored JSON text column, parsed back; NULL column adds nothing. */
static int
add_col_json(json_t *o, const char *key, sqlite3_stmt *s, int i)
{
	const char *text = store_col_text(s, i);
	char err[64];
	json_t *v;

	if (text == NULL)
		return 0;
	if ((v = json_parse(text, strlen(text), err, sizeof(err))) == NULL)
		return MT_EIO;
	return json_add_new(o, key, v);
}

void
write_dialog_fields(struct jw *w, sqlite3_stmt *s, int c)
{
	const char *meta = store_col_text(s, c + 7);

	jw_str(w, "id", store_col_text(s, c));
	jw_str(w, "object_id", store_col_text(s, c + 1));
	jw_str(w, "object_type", store_col_text(s, c + 2));
	jw_str(w, "title", store_col_text(s, c + 3));
	jw_str(w, "object_url", store_col_text(s, c + 4));
	jw_str(w, "created_by", store_col_text(s, c + 5));
	jw_time(w, "created_at", sqlite3_column_int64(s, c + 6));
	if (meta != NULL)	/* stored as json_encode() wrote it */
		jw_raw(w, "meta", meta, strlen(meta));
}

int
present_dialog(json_t *o, sqlite3_stmt *s, int c)
{
	struct jw w = JW_INIT;
	json_t *fields;
	int rc;

	jw_open(&w, NULL, '{');
	write_dialog_fields(&w, s, c);
	jw_close(&w, '}');
	if ((fields = present_written(&w)) == NULL)
		return MT_ENOMEM;
	rc = json_object_update(o, fields) == 0 ? 0 : MT_ENOMEM;
	json_decref(fields);
	return rc;
}

json_t *
present_participant(sqlite3_stmt *s, int c, bool hide_contact)
{
	json_t *o = json_object();

	if (o == NULL ||
	    add_col_str(o, "dialog_id", s, c) != 0 ||
	    add_col_str(o, "user_id", s, c + 1) != 0 ||
	    json_add_time(o, "joined_at", sqlite3_column_int64(s, c + 2))
	    != 0 ||
	    add_col_str(o, "joined_as", s, c + 3) != 0 ||
	    add_col_bool(o, "notifications_enabled", s, c + 4) != 0 ||
	    add_col_str(o, "last_read_message_id", s, c + 5) != 0 ||
	    json_add_int(o, "unread_count", sqlite3_column_int64(s, c + 6))
	    != 0 ||
	    add_col_str(o, "display_name", s, c + 7) != 0 ||
	    add_col_str(o, "company", s, c + 8) != 0 ||
	    json_add_str(o, "email", hide_contact ? NULL :
	    store_col_text(s, c + 9)) != 0 ||
	    json_add_str(o, "phone", hide_contact ? NULL :
	    store_col_text(s, c + 10)) != 0 ||
	    add_col_bool(o, "is_archived", s, c + 11) != 0 ||
	    add_col_bool(o, "is_pinned", s, c + 12) != 0) {
		json_decref(o);
		return NULL;
	}
	return o;
}

void
write_message_fields(struct jw *w, sqlite3_stmt *s, int c)
{
	jw_str(w, "id", store_col_text(s, c));
	jw_str(w, "dialog_id", store_col_text(s, c + 1));
	jw_str(w, "sender_id", store_col_text(s, c + 2));
	jw_str(w, "content", store_col_text(s, c + 3));
	jw_time(w, "sent_at", sqlite3_column_int64(s, c + 4));
	if (sqlite3_column_type(s, c + 5) == SQLITE_NULL)
		jw_null(w, "last_edited_at");
	else
		jw_time(w, "last_edited_at", sqlite3_column_int64(s, c + 5));
	jw_str(w, "reply_to_id", store_col_text(s, c + 6));
	jw_str(w, "message_type", store_col_text(s, c + 7));
}

json_t *
present_written(struct jw *w)
{
	char err[64], *text;
	size_t len;
	json_t *v;

	if ((text = jw_take(w, &len)) == NULL)
		return NULL;
	v = json_parse(text, len, err, sizeof(err));
	mt_free(text);
	return v;
}

json_t *
present_message(sqlite3_stmt *s, int c)
{
	struct jw w = JW_INIT;

	jw_open(&w, NULL, '{');
	write_message_fields(&w, s, c);
	jw_close(&w, '}');
	return present_written(&w);
}

json_t *
present_scope(sqlite3_stmt *s, int c)
{
	json_t *o = json_object();

	if (o == NULL ||
	    add_col_str(o, "id", s, c) != 0 ||
	    add_col_str(o, "dialog_id", s, c + 1) != 0 ||
	    add_col_json(o, "scope_level0", s, c + 2) != 0 ||
	    add_col_json(o, "scope_level1", s, c + 3) != 0 ||
	    add_col_json(o, "scope_level2", s, c + 4) != 0 ||
	    json_add_time(o, "created_at", sqlite3_column_int64(s, c + 5))
	    != 0) {
		json_decref(o);
		return NULL;
	}
	return o;
}

int
store_collect(struct store *st, sqlite3_stmt *s,
    json_t *(*fn)(sqlite3_stmt *), json_t **out)
{
	json_t *arr;
	int rc;

	*out = NULL;
	if (s == NULL)
		return MT_EIO;
	if ((arr = json_array()) == NULL) {
		sqlite3_reset(s);
		return MT_ENOMEM;
	}
	while ((rc = sqlite3_step(s)) == SQLITE_ROW)
		if (json_array_append_new(arr, fn(s)) != 0) {
			rc = SQLITE_NOMEM;
			break;
		}
	sqlite3_reset(s);
	if (rc != SQLITE_DONE) {
		json_decref(arr);
		return store_rc(st, rc, __func__);
	}
	*out = arr;
	return 0;
}

json_t *
present_scope_row(sqlite3_stmt *s)
{
	return present_scope(s, 0);
}

json_t *
present_participant_row(sqlite3_stmt *s)
{
	return present_participant(s, 0, false);
}

json_t *
present_text_row(sqlite3_stmt *s)
{
	return json_string(store_col_text(s, 0));
}
