/*
 * store_rows.c — reads rows selected with the *_COLS lists of store_int.h
 * into the structs of lib/rows.h, their strings copied into the result's
 * arena. No JSON is made here: lib/shape.c turns the rows into the shapes
 * of docs/rest.md#shapes.
 */
#include <string.h>

#include "err.h"
#include "mem.h"
#include "rows.h"
#include "store_int.h"

const char *
store_col_text(struct dbstmt *s, int i)
{
	return (const char *)db_column_text(s, i);
}

const char *
store_col_arena(struct dbstmt *s, int i, struct arena *a)
{
	const char *t = store_col_text(s, i);

	return t == NULL ? NULL : arena_dupn(a, t,
	    (size_t)db_column_bytes(s, i));
}

void
store_read_dialog(struct dbstmt *s, int c, struct arena *a,
    struct dialog_row *d)
{
	d->id = store_col_arena(s, c, a);
	d->object_id = store_col_arena(s, c + 1, a);
	d->object_type = store_col_arena(s, c + 2, a);
	d->title = store_col_arena(s, c + 3, a);
	d->object_url = store_col_arena(s, c + 4, a);
	d->created_by = store_col_arena(s, c + 5, a);
	d->created_at = db_column_int64(s, c + 6);
	d->meta = store_col_arena(s, c + 7, a);
}

void
store_read_participant(struct dbstmt *s, int c, struct arena *a,
    struct participant_row *p)
{
	p->dialog_id = store_col_arena(s, c, a);
	p->user_id = store_col_arena(s, c + 1, a);
	p->joined_at = db_column_int64(s, c + 2);
	p->joined_as = store_col_arena(s, c + 3, a);
	p->notifications_enabled = db_column_int(s, c + 4) != 0;
	p->last_read_message_id = store_col_arena(s, c + 5, a);
	p->unread_count = db_column_int64(s, c + 6);
	p->display_name = store_col_arena(s, c + 7, a);
	p->company = store_col_arena(s, c + 8, a);
	p->email = store_col_arena(s, c + 9, a);
	p->phone = store_col_arena(s, c + 10, a);
	p->is_archived = db_column_int(s, c + 11) != 0;
	p->is_pinned = db_column_int(s, c + 12) != 0;
	p->is_online = false;
}

int
store_read_participants(struct store *st, struct dbstmt *s, bool with_online,
    struct dialog_rows *out)
{
	struct participant_row *p;
	int rc;

	while ((rc = store_step(st, s, __func__)) == 1) {
		if (mt_reserve(&out->parts, &out->partcap, out->nparts + 1,
		    sizeof(*p)) != 0) {
			db_reset(s);
			return MT_ENOMEM;
		}
		p = &out->parts[out->nparts++];
		store_read_participant(s, 0, &out->arena, p);
		if (with_online)
			p->is_online = db_column_int(s, PARTICIPANT_NCOLS) != 0;
		if (out->arena.err != 0) {
			db_reset(s);
			return out->arena.err;
		}
	}
	return rc;
}

void
store_read_message(struct dbstmt *s, int c, struct arena *a,
    struct message_row *m)
{
	m->id = store_col_arena(s, c, a);
	m->dialog_id = store_col_arena(s, c + 1, a);
	m->sender_id = store_col_arena(s, c + 2, a);
	m->content = store_col_arena(s, c + 3, a);
	m->sent_at = db_column_int64(s, c + 4);
	m->edited = db_column_type(s, c + 5) != SQLITE_NULL;
	m->last_edited_at = m->edited ? db_column_int64(s, c + 5) : 0;
	m->reply_to_id = store_col_arena(s, c + 6, a);
	m->message_type = store_col_arena(s, c + 7, a);
	m->att = NULL;
	m->natt = 0;
}

void
store_read_scope(struct dbstmt *s, int c, struct arena *a,
    struct scope_row *r)
{
	r->id = store_col_arena(s, c, a);
	r->dialog_id = store_col_arena(s, c + 1, a);
	for (int i = 0; i < 3; i++)
		r->level[i] = store_col_arena(s, c + 2 + i, a);
	r->created_at = db_column_int64(s, c + 5);
}
