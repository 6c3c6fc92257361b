/*
 * shape.c — the JSON shapes of docs/rest.md#shapes from the rows of
 * lib/rows.h: key order, null versus omitted (docs/api.md#conventions),
 * RFC 3339 times. Stored JSON (meta, scope levels) is written as stored:
 * it is compact JSON already.
 */
#include <string.h>

#include "err.h"
#include "json.h"
#include "mem.h"
#include "shape.h"

/* The value w wrote, parsed (w is emptied); NULL on failure. */
static json_t *
parsed(struct jw *w)
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

/* Stored JSON text as member key, left out when NULL. */
static void
raw_opt(struct jw *w, const char *key, const char *text)
{
	if (text != NULL)
		jw_raw(w, key, text, strlen(text));
}

/* The members of a Dialog (docs/rest.md#dialog) into an open object. */
static void
dialog_fields(struct jw *w, const struct dialog_row *d)
{
	jw_str(w, "id", d->id);
	jw_str(w, "object_id", d->object_id);
	jw_str(w, "object_type", d->object_type);
	jw_str(w, "title", d->title);
	jw_str(w, "object_url", d->object_url);
	jw_str(w, "created_by", d->created_by);
	jw_time(w, "created_at", d->created_at);
	raw_opt(w, "meta", d->meta);
}

void
shape_attachments_write(struct jw *w, const char *key,
    const struct attachment_row *a, size_t n)
{
	jw_open(w, key, '[');
	for (size_t i = 0; i < n; i++, a++) {
		jw_open(w, NULL, '{');
		jw_str(w, "id", a->id);
		jw_str(w, "filename", a->filename);
		jw_str(w, "content_type", a->content_type);
		jw_int(w, "size", a->size);
		if (a->has_width)
			jw_int(w, "width", a->width);
		if (a->has_height)
			jw_int(w, "height", a->height);
		jw_str(w, "url", a->url != NULL ? a->url : "");
		if (a->has_thumbnail)
			jw_str(w, "thumbnail_url", "");
		jw_close(w, '}');
	}
	jw_close(w, ']');
}

/* A Message (docs/rest.md#message): attachments only when it has some. */
void
shape_message_write(struct jw *w, const char *key,
    const struct message_row *m)
{
	jw_open(w, key, '{');
	jw_str(w, "id", m->id);
	jw_str(w, "dialog_id", m->dialog_id);
	jw_str(w, "sender_id", m->sender_id);
	jw_str(w, "content", m->content);
	jw_time(w, "sent_at", m->sent_at);
	if (m->edited)
		jw_time(w, "last_edited_at", m->last_edited_at);
	else
		jw_null(w, "last_edited_at");
	jw_str(w, "reply_to_id", m->reply_to_id);
	jw_str(w, "message_type", m->message_type);
	if (m->natt > 0)
		shape_attachments_write(w, "attachments", m->att, m->natt);
	jw_close(w, '}');
}

/*
 * A Participant (docs/rest.md#participant); SHAPE_HIDE (S6) leaves out
 * the participant's own state and nulls email and phone.
 */
void
shape_participant_write(struct jw *w, const char *key,
    const struct participant_row *p, int flags)
{
	bool own = (flags & SHAPE_HIDE) == 0;

	jw_open(w, key, '{');
	jw_str(w, "dialog_id", p->dialog_id);
	jw_str(w, "user_id", p->user_id);
	jw_time(w, "joined_at", p->joined_at);
	jw_str(w, "joined_as", p->joined_as);
	if (own) {
		jw_bool(w, "notifications_enabled", p->notifications_enabled);
		jw_str(w, "last_read_message_id", p->last_read_message_id);
		jw_int(w, "unread_count", p->unread_count);
	}
	jw_str(w, "display_name", p->display_name);
	jw_str(w, "company", p->company);
	jw_str(w, "email", own ? p->email : NULL);
	jw_str(w, "phone", own ? p->phone : NULL);
	if (own) {
		jw_bool(w, "is_archived", p->is_archived);
		jw_bool(w, "is_pinned", p->is_pinned);
	}
	if (flags & SHAPE_ONLINE)
		jw_bool(w, "is_online", p->is_online);
	jw_close(w, '}');
}

/* An access scope (docs/rest.md#access-scope). */
void
shape_scope_write(struct jw *w, const char *key, const struct scope_row *s)
{
	jw_open(w, key, '{');
	jw_str(w, "id", s->id);
	jw_str(w, "dialog_id", s->dialog_id);
	raw_opt(w, "scope_level0", s->level[0]);
	raw_opt(w, "scope_level1", s->level[1]);
	raw_opt(w, "scope_level2", s->level[2]);
	jw_time(w, "created_at", s->created_at);
	jw_close(w, '}');
}

int
shape_message_list(struct jw *out, const char *key,
    const struct message_rows *r)
{
	size_t i, bytes = 256;

	for (i = 0; i < r->n; i++)	/* a typical message */
		bytes += 512;
	jw_reserve(out, bytes);
	jw_open(out, key, '{');
	jw_open(out, "messages", '[');
	for (i = 0; i < r->n; i++)
		shape_message_write(out, NULL, &r->m[i]);
	jw_close(out, ']');
	jw_str_opt(out, "first_unread_message_id", r->first_unread);
	jw_bool(out, "has_more_before", r->has_more_before);
	jw_bool(out, "has_more_after", r->has_more_after);
	jw_close(out, '}');
	return out->b.err != 0 ? MT_ENOMEM : 0;
}

/* --- dialog list items (docs/rest.md#dialog-list-item) ------------------- */

static void
last_write(struct jw *w, const struct last_message_row *l)
{
	jw_open(w, "last_message", '{');
	jw_str(w, "id", l->id);
	jw_str(w, "content", l->content);
	jw_str_opt(w, "sender_id", l->sender_id);
	jw_str_opt(w, "sender_name", l->sender_id == NULL ? NULL :
	    l->sender_name);
	jw_time(w, "sent_at", l->sent_at);
	jw_str(w, "message_type", l->message_type);
	jw_close(w, '}');
}

/* The ParticipantSummary list: null names and companies left out. */
static void
summaries_write(struct jw *w, const struct dialog_page *pg,
    const struct dialog_item *it)
{
	const struct summary_row *s = pg->sum + it->first;

	jw_open(w, "participants", '[');
	for (size_t i = 0; i < it->nsum; i++, s++) {
		jw_open(w, NULL, '{');
		jw_str(w, "user_id", s->user_id);
		jw_str_opt(w, "display_name", s->display_name);
		jw_str_opt(w, "company", s->company);
		jw_close(w, '}');
	}
	jw_close(w, ']');
}

/*
 * One list item: the caller's own state (F9, F15) and the last message
 * where the caller takes part, the participants when there are any.
 */
static void
item_write(struct jw *w, const struct dialog_page *pg,
    const struct dialog_item *it)
{
	jw_open(w, NULL, '{');
	dialog_fields(w, &it->d);
	jw_int(w, "participants_count", it->participants_count);
	jw_bool(w, "i_am_participant", it->mine);
	jw_bool(w, "can_join", !it->mine);
	if (it->mine) {
		jw_int(w, "unread_count", it->unread_count);
		jw_bool(w, "is_archived", it->is_archived);
		jw_bool(w, "is_pinned", it->is_pinned);
		jw_bool(w, "notifications_enabled", it->notifications_enabled);
	}
	if (it->has_last_at)
		jw_time(w, "last_message_at", it->last_message_at);
	if (it->has_last)
		last_write(w, &it->last);
	if (it->nsum > 0)
		summaries_write(w, pg, it);
	jw_close(w, '}');
}

int
shape_dialog_list(struct jw *out, const char *key,
    const struct dialog_page *pg)
{
	jw_open(out, key, '[');
	for (size_t i = 0; i < pg->n; i++)	/* pg->it NULL when n is 0 */
		if (pg->it[i].has_dialog)	/* else deleted meanwhile */
			item_write(out, pg, &pg->it[i]);
	jw_close(out, ']');
	return out->b.err != 0 ? MT_ENOMEM : 0;
}

json_t *
shape_dialog_items(const struct dialog_page *pg)
{
	struct jw w = JW_INIT;

	(void)shape_dialog_list(&w, NULL, pg);
	return parsed(&w);
}

int
shape_dialog_first(const struct dialog_page *pg, json_t **out)
{
	struct jw w = JW_INIT;

	*out = NULL;
	for (size_t i = 0; i < pg->n; i++)
		if (pg->it[i].has_dialog) {
			item_write(&w, pg, &pg->it[i]);
			return (*out = parsed(&w)) != NULL ? 0 : MT_ENOMEM;
		}
	return 0;
}

json_t *
shape_dialog_one(const struct dialog_page *pg)
{
	const struct dialog_item *it = &pg->it[0];
	struct jw w = JW_INIT;

	jw_open(&w, NULL, '{');
	dialog_fields(&w, &it->d);
	if (it->mine)
		jw_int(&w, "participants_count", it->participants_count);
	jw_bool(&w, "i_am_participant", it->mine);
	jw_bool(&w, "can_join", !it->mine);
	if (it->mine)	/* always there for a participant */
		summaries_write(&w, pg, it);
	jw_close(&w, '}');
	return parsed(&w);
}

/* --- single values ------------------------------------------------------- */

json_t *
shape_message(const struct message_row *m)
{
	struct jw w = JW_INIT;

	shape_message_write(&w, NULL, m);
	return parsed(&w);
}

json_t *
shape_attachments(const struct attachment_row *a, size_t n)
{
	struct jw w = JW_INIT;

	shape_attachments_write(&w, NULL, a, n);
	return parsed(&w);
}

json_t *
shape_dialog(const struct dialog_row *d)
{
	struct jw w = JW_INIT;

	jw_open(&w, NULL, '{');
	dialog_fields(&w, d);
	jw_close(&w, '}');
	return parsed(&w);
}

static void
participants_write(struct jw *w, const char *key,
    const struct participant_row *p, size_t n, int flags)
{
	jw_open(w, key, '[');
	for (size_t i = 0; i < n; i++)
		shape_participant_write(w, NULL, &p[i], flags);
	jw_close(w, ']');
}

static void
scopes_write(struct jw *w, const char *key, const struct scope_row *s,
    size_t n)
{
	jw_open(w, key, '[');
	for (size_t i = 0; i < n; i++)
		shape_scope_write(w, NULL, &s[i]);
	jw_close(w, ']');
}

json_t *
shape_manage_dialog(const struct dialog_rows *r)
{
	struct jw w = JW_INIT;

	jw_open(&w, NULL, '{');
	dialog_fields(&w, &r->d);
	participants_write(&w, "participants", r->parts, r->nparts, 0);
	scopes_write(&w, "access_scopes", r->scopes, r->nscopes);
	jw_close(&w, '}');
	return parsed(&w);
}

json_t *
shape_participants(const struct participant_row *p, size_t n, int flags)
{
	struct jw w = JW_INIT;

	participants_write(&w, NULL, p, n, flags);
	return parsed(&w);
}

json_t *
shape_scopes(const struct scope_row *s, size_t n)
{
	struct jw w = JW_INIT;

	scopes_write(&w, NULL, s, n);
	return parsed(&w);
}

json_t *
shape_edits(const struct edit_rows *r)
{
	struct jw w = JW_INIT;

	jw_open(&w, NULL, '[');
	for (size_t i = 0; i < r->n; i++) {
		jw_open(&w, NULL, '{');
		jw_str(&w, "id", r->v[i].id);
		jw_str(&w, "old_content", r->v[i].old_content);
		jw_time(&w, "edited_at", r->v[i].edited_at);
		jw_close(&w, '}');
	}
	jw_close(&w, ']');
	return parsed(&w);
}
