/*
 * shape.h — the JSON of the API's resources (docs/rest.md#shapes), built
 * from the rows the store returns (lib/rows.h), with the null-versus-omitted
 * rules of docs/api.md#conventions. The store knows no JSON shape; the cgi/
 * handlers call the store, then these. The same rows give the same text
 * whichever database they came from.
 *
 * Every shape is written once, as JSON text through the writer of json.h
 * (the lists, the hottest reads, are written straight into the response);
 * the functions that return a json_t parse that text back, so a single
 * item and the same item in a list are always the same bytes.
 */
#ifndef MT_SHAPE_H
#define MT_SHAPE_H

#include <jansson.h>

#include "json.h"
#include "rows.h"

/* What a participant shows (C13 and M3). */
enum {
	SHAPE_HIDE = 1,		/* S6: a potential participant's view */
	SHAPE_ONLINE = 2,	/* adds is_online */
};

/*
 * Writers: each writes one value as member key of the open object of w
 * (NULL: inside an array, or at the top). Failures are w's (jw_take()).
 */
void	 shape_message_write(struct jw *w, const char *key,
	    const struct message_row *m);
void	 shape_attachments_write(struct jw *w, const char *key,
	    const struct attachment_row *a, size_t n);
void	 shape_participant_write(struct jw *w, const char *key,
	    const struct participant_row *p, int flags);
void	 shape_scope_write(struct jw *w, const char *key,
	    const struct scope_row *s);

/*
 * C14: {"messages", "first_unread_message_id" (when any),
 * "has_more_before", "has_more_after"} as member key of out.
 * 0 or MT_ENOMEM.
 */
int	 shape_message_list(struct jw *out, const char *key,
	    const struct message_rows *r);
/*
 * C1: the page's items (docs/rest.md#dialog-list-item) as an array,
 * member key of out. 0 or MT_ENOMEM.
 */
int	 shape_dialog_list(struct jw *out, const char *key,
	    const struct dialog_page *pg);

/* Values; NULL when out of memory. */
json_t	*shape_message(const struct message_row *m);
json_t	*shape_attachments(const struct attachment_row *a, size_t n);
/* M1, M2: a Dialog (docs/rest.md#dialog). */
json_t	*shape_dialog(const struct dialog_row *d);
/* M3: the Dialog with "participants" and "access_scopes". */
json_t	*shape_manage_dialog(const struct dialog_rows *r);
/* C13 (flags SHAPE_*) and M7. */
json_t	*shape_participants(const struct participant_row *p, size_t n,
	    int flags);
json_t	*shape_scopes(const struct scope_row *s, size_t n);
/* [{"id", "old_content", "edited_at"}, ...] */
json_t	*shape_edits(const struct edit_rows *r);
/* C4: the page's items as an array. */
json_t	*shape_dialog_items(const struct dialog_page *pg);
/* C3: the page's first item into *out, NULL when none. 0 or MT_ENOMEM. */
int	 shape_dialog_first(const struct dialog_page *pg, json_t **out);
/*
 * C2: the page's one item, the reduced field set of docs/rest.md#c2:
 * participants_count and participants for a participant only.
 */
json_t	*shape_dialog_one(const struct dialog_page *pg);

#endif
