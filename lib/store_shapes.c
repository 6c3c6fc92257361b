/*
 * store_shapes.c — turns rows selected with the *_COLS lists of store_int.h
 * into the JSON shapes of docs/rest.md#shapes, with the null-versus-omitted
 * rules of docs/api.md#conventions.
 */
#include <string.h>

#include "err.h"
#include "json.h"
#include "mem.h"
#include "store_int.h"

const char *
store_col_text(struct dbstmt *s, int i)
{
	return (const char *)db_column_text(s, i);
}

static int
add_col_str(json_t *o, const char *key, struct dbstmt *s, int i)
{
	return json_add_str(o, key, store_col_text(s, i));
}

static int
add_col_bool(json_t *o, const char *key, struct dbstmt *s, int i)
{
	return json_add_bool(o, key, db_column_int(s, i) != 0);
}

/* A stored JSON text column, parsed back; NULL column adds nothing. */
static int
add_col_json(json_t *o, const char *key, struct dbstmt *s, int i)
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

/*
 * The shapes of a Dialog and a Message, column by column from the first
 * of DIALOG_COLS / MESSAGE_COLS: written as JSON text for the lists and
 * built as Jansson objects for single items, from the same table.
 */
enum col_kind {
	COL_STR,		/* text; NULL gives null */
	COL_TIME,		/* microseconds as RFC 3339 */
	COL_TIME_NULL,		/* the same, or null */
	COL_JSON_OPT,		/* stored JSON text; NULL leaves the key out */
};

struct col_field {
	const char	*key;
	enum col_kind	 kind;
};

static const struct col_field DIALOG_FIELDS[] = {
	{ "id", COL_STR }, { "object_id", COL_STR },
	{ "object_type", COL_STR }, { "title", COL_STR },
	{ "object_url", COL_STR }, { "created_by", COL_STR },
	{ "created_at", COL_TIME }, { "meta", COL_JSON_OPT },
	{ NULL, COL_STR }
};

static const struct col_field MESSAGE_FIELDS[] = {
	{ "id", COL_STR }, { "dialog_id", COL_STR }, { "sender_id", COL_STR },
	{ "content", COL_STR }, { "sent_at", COL_TIME },
	{ "last_edited_at", COL_TIME_NULL }, { "reply_to_id", COL_STR },
	{ "message_type", COL_STR },
	{ NULL, COL_STR }
};

static void
write_fields(struct jw *w, const struct col_field *f, struct dbstmt *s,
    int c)
{
	const char *text;

	for (; f->key != NULL; f++, c++) {
		switch (f->kind) {
		case COL_STR:
			jw_str(w, f->key, store_col_text(s, c));
			break;
		case COL_TIME_NULL:
			if (db_column_type(s, c) == SQLITE_NULL) {
				jw_null(w, f->key);
				break;
			}
			/* FALLTHROUGH */
		case COL_TIME:
			jw_time(w, f->key, db_column_int64(s, c));
			break;
		case COL_JSON_OPT:	/* stored as json_encode() wrote it */
			if ((text = store_col_text(s, c)) != NULL)
				jw_raw(w, f->key, text, strlen(text));
			break;
		}
	}
}

static int
add_fields(json_t *o, const struct col_field *f, struct dbstmt *s, int c)
{
	int rc = 0;

	for (; rc == 0 && f->key != NULL; f++, c++) {
		bool null = db_column_type(s, c) == SQLITE_NULL;

		switch (f->kind) {
		case COL_STR:
			rc = add_col_str(o, f->key, s, c);
			break;
		case COL_TIME:
		case COL_TIME_NULL:
			rc = json_add_time_null(o, f->key,
			    f->kind == COL_TIME || !null,
			    db_column_int64(s, c));
			break;
		case COL_JSON_OPT:
			rc = add_col_json(o, f->key, s, c);
			break;
		}
	}
	return rc;
}

void
write_dialog_fields(struct jw *w, struct dbstmt *s, int c)
{
	write_fields(w, DIALOG_FIELDS, s, c);
}

int
present_dialog(json_t *o, struct dbstmt *s, int c)
{
	return add_fields(o, DIALOG_FIELDS, s, c) == 0 ? 0 : MT_ENOMEM;
}

json_t *
present_participant(struct dbstmt *s, int c, bool hide_contact)
{
	json_t *o = json_object();

	if (o == NULL ||
	    add_col_str(o, "dialog_id", s, c) != 0 ||
	    add_col_str(o, "user_id", s, c + 1) != 0 ||
	    json_add_time(o, "joined_at", db_column_int64(s, c + 2))
	    != 0 ||
	    add_col_str(o, "joined_as", s, c + 3) != 0 ||
	    add_col_bool(o, "notifications_enabled", s, c + 4) != 0 ||
	    add_col_str(o, "last_read_message_id", s, c + 5) != 0 ||
	    json_add_int(o, "unread_count", db_column_int64(s, c + 6))
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
write_message_fields(struct jw *w, struct dbstmt *s, int c)
{
	write_fields(w, MESSAGE_FIELDS, s, c);
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
present_message(struct dbstmt *s, int c)
{
	json_t *o = json_object();

	if (o != NULL && add_fields(o, MESSAGE_FIELDS, s, c) != 0) {
		json_decref(o);
		return NULL;
	}
	return o;
}

json_t *
present_scope(struct dbstmt *s, int c)
{
	json_t *o = json_object();

	if (o == NULL ||
	    add_col_str(o, "id", s, c) != 0 ||
	    add_col_str(o, "dialog_id", s, c + 1) != 0 ||
	    add_col_json(o, "scope_level0", s, c + 2) != 0 ||
	    add_col_json(o, "scope_level1", s, c + 3) != 0 ||
	    add_col_json(o, "scope_level2", s, c + 4) != 0 ||
	    json_add_time(o, "created_at", db_column_int64(s, c + 5))
	    != 0) {
		json_decref(o);
		return NULL;
	}
	return o;
}

int
store_collect(struct store *st, struct dbstmt *s,
    json_t *(*fn)(struct dbstmt *), json_t **out)
{
	json_t *arr;
	int rc;

	*out = NULL;
	if (s == NULL)
		return MT_EIO;
	if ((arr = json_array()) == NULL) {
		db_reset(s);
		return MT_ENOMEM;
	}
	while ((rc = store_step(st, s, __func__)) == 1)
		if (json_array_append_new(arr, fn(s)) != 0) {
			db_reset(s);
			rc = MT_ENOMEM;
			break;
		}
	if (rc != 0) {
		json_decref(arr);
		return rc;
	}
	*out = arr;
	return 0;
}

json_t *
present_scope_row(struct dbstmt *s)
{
	return present_scope(s, 0);
}

json_t *
present_participant_row(struct dbstmt *s)
{
	return present_participant(s, 0, false);
}

json_t *
present_text_row(struct dbstmt *s)
{
	return json_string(store_col_text(s, 0));
}
