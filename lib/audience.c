/*
 * audience.c — the audience rules (docs/events.md#audience), by event type:
 *
 *   message.*, participant.joined      participants of the dialog at the
 *                                      event's seq
 *   participant.left                   those and the user who left
 *   dialog.archived/unarchived/deleted the users listed in the row
 *   presence.update                    users sharing a dialog with the
 *                                      subject, not the subject
 *
 * Unknown types reach nobody: an event nobody has classified must not leak.
 */
#include <string.h>

#include "audience.h"
#include "changelog.h"
#include "json.h"

enum kind {
	K_NOBODY,
	K_DIALOG,	/* participants */
	K_DIALOG_PLUS,	/* participants and the listed users */
	K_LIST,		/* the listed users only */
	K_PEERS,	/* users sharing a dialog with the subject */
};

static enum kind
kind_of(const char *type)
{
	static const struct { const char *type; enum kind k; } kinds[] = {
		{ "message.new", K_DIALOG },
		{ "message.edited", K_DIALOG },
		{ "message.deleted", K_DIALOG },
		{ "message.read", K_DIALOG },
		{ "participant.joined", K_DIALOG },
		{ "participant.left", K_DIALOG_PLUS },
		{ "dialog.archived", K_LIST },
		{ "dialog.unarchived", K_LIST },
		{ "dialog.deleted", K_LIST },
		{ "presence.update", K_PEERS },
	};
	size_t i;

	for (i = 0; type != NULL && i < sizeof(kinds) / sizeof(kinds[0]); i++)
		if (strcmp(kinds[i].type, type) == 0)
			return kinds[i].k;
	return K_NOBODY;
}

bool
audience_list_has(const char *list, const char *user)
{
	char err[64];
	json_t *arr;
	size_t i;
	bool found = false;

	if (list == NULL || user == NULL)
		return false;
	if ((arr = json_parse(list, strlen(list), err, sizeof(err))) == NULL)
		return false;
	for (i = 0; i < json_array_size(arr) && !found; i++) {
		const char *u = json_string_value(json_array_get(arr, i));

		found = u != NULL && strcmp(u, user) == 0;
	}
	json_decref(arr);
	return found;
}

bool
audience_includes(const struct changelog_row *r, const char *user,
    const struct audience_ops *ops)
{
	switch (kind_of(r->type)) {
	case K_DIALOG:
		return r->dialog_id != NULL &&
		    ops->is_member(ops->ctx, r->dialog_id, user, r->seq);
	case K_DIALOG_PLUS:
		return audience_list_has(r->audience, user) ||
		    (r->dialog_id != NULL &&
		    ops->is_member(ops->ctx, r->dialog_id, user, r->seq));
	case K_LIST:
		return audience_list_has(r->audience, user);
	case K_PEERS:
		return r->subject_user != NULL &&
		    strcmp(r->subject_user, user) != 0 &&
		    ops->shares_dialog(ops->ctx, r->subject_user, user);
	default:
		return false;
	}
}

static void
each_listed(const char *list, void (*cb)(const char *, void *), void *arg)
{
	char err[64];
	json_t *arr;
	size_t i;

	if (list == NULL ||
	    (arr = json_parse(list, strlen(list), err, sizeof(err))) == NULL)
		return;
	for (i = 0; i < json_array_size(arr); i++) {
		const char *u = json_string_value(json_array_get(arr, i));

		if (u != NULL)
			cb(u, arg);
	}
	json_decref(arr);
}

void
audience_each(const struct changelog_row *r, const struct audience_ops *ops,
    void (*cb)(const char *user, void *arg), void *arg)
{
	switch (kind_of(r->type)) {
	case K_DIALOG_PLUS:
		each_listed(r->audience, cb, arg);
		/* FALLTHROUGH */
	case K_DIALOG:
		if (r->dialog_id != NULL)
			ops->each_member(ops->ctx, r->dialog_id, cb, arg);
		break;
	case K_LIST:
		each_listed(r->audience, cb, arg);
		break;
	case K_PEERS:
		if (r->subject_user != NULL)
			ops->each_peer(ops->ctx, r->subject_user, cb, arg);
		break;
	default:
		break;
	}
}

bool
audience_passes_filter(const struct changelog_row *r, const char *user)
{
	switch (kind_of(r->type)) {
	case K_LIST:
	case K_PEERS:
		return true;
	default:
		return strncmp(r->type, "participant.", 12) == 0 &&
		    r->subject_user != NULL && strcmp(r->subject_user, user) == 0;
	}
}
