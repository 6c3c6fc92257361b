/*
 * storejson.h — the store's reads and writes followed by lib/shape.c, as
 * the cgi/ handlers chain them, for unit tests that check the JSON an
 * endpoint answers with: each sj_*() calls the store function of the same
 * name and turns its rows into JSON (on a failure, or an outcome other
 * than OK, the JSON out is NULL). A shaping failure after a write is
 * reported as MT_ENOMEM although the write happened: tests that count
 * rows under allocation failures call the store directly.
 * Header-only (static inline), as testutil.h.
 */
#ifndef MT_STOREJSON_H
#define MT_STOREJSON_H

#include "err.h"
#include "shape.h"
#include "store_dialog.h"
#include "store_manage.h"
#include "store_message.h"

static inline int
sj_rc(int rc, json_t *v)
{
	return rc == 0 && v == NULL ? MT_ENOMEM : rc;
}

/* The one message of r as JSON, or NULL when there is none. */
static inline json_t *
sj_message(const struct message_rows *r)
{
	return r->n > 0 ? shape_message(&r->m[0]) : NULL;
}

static inline int
sj_message_send(struct store *st, const struct msg_send *m,
    enum msg_result *res, json_t **msg, int64_t *seq)
{
	struct message_rows r;
	int rc = store_message_send(st, m, res, &r, seq);

	*msg = rc == 0 ? sj_message(&r) : NULL;
	message_rows_free(&r);
	return rc == 0 && *res == MSG_OK ? sj_rc(rc, *msg) : rc;
}

static inline int
sj_message_get(struct store *st, const struct msg_ref *m,
    enum msg_result *res, json_t **msg)
{
	struct message_rows r;
	int rc = store_message_get(st, m, res, &r);

	*msg = rc == 0 ? sj_message(&r) : NULL;
	message_rows_free(&r);
	return rc == 0 && *res == MSG_OK ? sj_rc(rc, *msg) : rc;
}

static inline int
sj_message_edit(struct store *st, const struct msg_ref *m,
    enum msg_result *res, json_t **msg, int64_t *seq)
{
	struct message_rows r;
	int rc = store_message_edit(st, m, res, &r, seq);

	*msg = rc == 0 ? sj_message(&r) : NULL;
	message_rows_free(&r);
	return rc == 0 && *res == MSG_OK ? sj_rc(rc, *msg) : rc;
}

/* C14 written into out as member key, as the handler does. */
static inline int
sj_message_list(struct store *st, const struct msg_page *q,
    enum msg_result *res, struct jw *out, const char *key)
{
	struct message_rows r;
	int rc = store_message_list(st, q, res, &r);

	if (rc == 0 && *res == MSG_OK)
		rc = shape_message_list(out, key, &r);
	message_rows_free(&r);
	return rc;
}

static inline int
sj_message_history(struct store *st, const char *message_id, json_t **edits)
{
	struct edit_rows r;
	int rc = store_message_history(st, message_id, &r);

	*edits = rc == 0 ? shape_edits(&r) : NULL;
	edit_rows_free(&r);
	return sj_rc(rc, *edits);
}

static inline int
sj_manage_create(struct store *st, const struct dialog_in *in,
    json_t **dialog, int64_t *seq)
{
	struct dialog_rows r;
	int rc = store_manage_create(st, in, &r, seq);

	*dialog = rc == 0 ? shape_dialog(&r.d) : NULL;
	dialog_rows_free(&r);
	return sj_rc(rc, *dialog);
}

static inline int
sj_manage_get(struct store *st, const char *dialog_id, json_t **dialog,
    enum manage_result *res)
{
	struct dialog_rows r;
	int rc = store_manage_get(st, dialog_id, &r, res);

	*dialog = rc == 0 && *res == MANAGE_OK ? shape_manage_dialog(&r) :
	    NULL;
	dialog_rows_free(&r);
	return rc == 0 && *res == MANAGE_OK ? sj_rc(rc, *dialog) : rc;
}

/* C1 written into out as member key, as the handler does. */
static inline int
sj_dialog_list(struct store *st, const struct dialog_filter *f,
    struct jw *out, const char *key)
{
	struct dialog_page pg;
	int rc = store_dialog_list(st, f, &pg);

	if (rc == 0)
		rc = shape_dialog_list(out, key, &pg);
	dialog_page_free(&pg);
	return rc;
}

static inline int
sj_dialog_list_by_object(struct store *st, const struct dialog_filter *f,
    json_t **out)
{
	struct dialog_page pg;
	int rc = store_dialog_list_by_object(st, f, &pg);

	*out = rc == 0 ? shape_dialog_items(&pg) : NULL;
	dialog_page_free(&pg);
	return sj_rc(rc, *out);
}

static inline int
sj_dialog_by_object(struct store *st, const struct dialog_filter *f,
    json_t **out)
{
	struct dialog_page pg;
	int rc = store_dialog_by_object(st, f, &pg);

	*out = NULL;
	if (rc == 0)
		rc = shape_dialog_first(&pg, out);
	dialog_page_free(&pg);
	return rc;
}

static inline int
sj_dialog_get(struct store *st, const struct dialog_access *a, json_t **out,
    enum dialog_result *res)
{
	struct dialog_page pg;
	int rc = store_dialog_get(st, a, &pg, res);

	*out = rc == 0 && *res == DIALOG_OK ? shape_dialog_one(&pg) : NULL;
	dialog_page_free(&pg);
	return rc == 0 && *res == DIALOG_OK ? sj_rc(rc, *out) : rc;
}

static inline int
sj_dialog_participants(struct store *st, const struct dialog_access *a,
    int64_t online_since, json_t **out, enum dialog_result *res)
{
	struct dialog_rows r;
	int rc = store_dialog_participants(st, a, online_since, &r, res);

	*out = rc == 0 && *res == DIALOG_OK ? shape_participants(r.parts,
	    r.nparts, SHAPE_ONLINE | (r.mine ? 0 : SHAPE_HIDE)) : NULL;
	dialog_rows_free(&r);
	return rc == 0 && *res == DIALOG_OK ? sj_rc(rc, *out) : rc;
}

#endif
