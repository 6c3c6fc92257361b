/*
 * store_manage.h — the statements behind the Management API (M1–M7): the
 * host back-end creates, finds, inspects and deletes dialogs and manages
 * their participants and access scopes. The JSON of the request (meta,
 * scopes) comes in; what is read comes back as rows (struct dialog_rows of
 * lib/rows.h, freed with dialog_rows_free(), empty on failure) for
 * lib/shape.c.
 */
#ifndef MT_STORE_MANAGE_H
#define MT_STORE_MANAGE_H

#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "rows.h"

struct store;

struct participant_in {
	const char	*user_id;
	const char	*display_name;
	const char	*company;	/* NULL: absent */
	const char	*email;
	const char	*phone;
};

struct dialog_in {
	const char	*object_id;
	const char	*object_type;
	const char	*title;
	const char	*object_url;
	const json_t	*meta;		/* NULL or JSON null: none */
	const struct participant_in *participants;
	size_t		 nparticipants;
	const json_t	*scopes;	/* validated array, or NULL */
};

/* What a management call found when it did not succeed outright. */
enum manage_result {
	MANAGE_OK,
	MANAGE_NO_DIALOG,		/* 404 NOT_FOUND "Dialog not found" */
	MANAGE_NO_PARTICIPANT,		/* 404 PARTICIPANT_NOT_FOUND */
	MANAGE_ALREADY,			/* M5: already a participant */
};

/*
 * M1: creates the dialog, its participants (one shared joined_at), its access
 * scopes and, with participants, the chat_created system message (not
 * broadcast), plus one participant.joined event per participant. out->d gets
 * the Dialog (docs/rest.md#dialog); *seq the last event's seq (0 if none).
 */
int	store_manage_create(struct store *st, const struct dialog_in *in,
	    struct dialog_rows *out, int64_t *seq);
/* M2: out->d the newest dialog of the object whose scopes equal scopes;
 * out->found false when none. */
int	store_manage_search(struct store *st, const char *object_type,
	    const char *object_id, const json_t *scopes,
	    struct dialog_rows *out);
/* M3: the dialog, its participants and access scopes (shape_manage_dialog()),
 * or *res MANAGE_NO_DIALOG. */
int	store_manage_get(struct store *st, const char *dialog_id,
	    struct dialog_rows *out, enum manage_result *res);
/* M4: deletes the dialog and everything under it; dialog.deleted goes to
 * the former participants (F19). */
int	store_manage_delete(struct store *st, const char *dialog_id,
	    int64_t *seq);
/* M5: inserts the participant unless present (MANAGE_ALREADY, nothing
 * written, F19) or the dialog is missing (MANAGE_NO_DIALOG). */
int	store_manage_add(struct store *st, const char *dialog_id,
	    const struct participant_in *p, enum manage_result *res,
	    int64_t *seq);
/* M6: removes the participant (participant.left, the removed user
 * included), or MANAGE_NO_DIALOG / MANAGE_NO_PARTICIPANT. */
int	store_manage_remove(struct store *st, const char *dialog_id,
	    const char *user_id, enum manage_result *res, int64_t *seq);
/*
 * M7: replaces the scopes; out->scopes gets them (docs/rest.md#access-scope)
 * in request order.
 */
int	store_manage_set_scopes(struct store *st, const char *dialog_id,
	    const json_t *in, struct dialog_rows *out, enum manage_result *res);

#endif
