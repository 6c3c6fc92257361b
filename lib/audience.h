/*
 * audience.h — who receives a change-log event (docs/events.md#audience
 * ). The one place these rules live: the bridge asks for the
 * recipients of each row from its in-memory membership, the polling
 * endpoints ask whether one user receives it from the database.
 */
#ifndef MT_AUDIENCE_H
#define MT_AUDIENCE_H

#include <stdbool.h>
#include <stdint.h>

struct changelog_row;

/* Membership, as the caller knows it (in memory or in the database). */
struct audience_ops {
	/*
	 * Whether user was a participant of dialog_id at change-log position
	 * seq (docs/differences.md S2: a replay shows no event from before a
	 * user joined or while they were out). The bridge's live membership is
	 * the one at the seq it delivers; replays ask the membership periods
	 * (store_members.h).
	 */
	bool	(*is_member)(void *ctx, const char *dialog_id,
		    const char *user, int64_t seq);
	/* Whether a and b are participants of at least one common dialog
	 * (the bridge counts only dialogs of at most
	 * PRESENCE_FANOUT_MAX_DIALOG members here and in each_peer: presence
	 * of larger ones goes to their subscribers, bridge/presq.c). */
	bool	(*shares_dialog)(void *ctx, const char *a, const char *b);
	/* Calls cb for every participant of dialog_id (may be NULL when only
	 * audience_includes() is used). */
	void	(*each_member)(void *ctx, const char *dialog_id,
		    void (*cb)(const char *user, void *arg), void *arg);
	/* Calls cb for every other user sharing a dialog with user (each
	 * once, never user itself). */
	void	(*each_peer)(void *ctx, const char *user,
		    void (*cb)(const char *peer, void *arg), void *arg);
	void	*ctx;
};

/* Whether user is in the audience of row. */
bool	audience_includes(const struct changelog_row *row, const char *user,
	    const struct audience_ops *ops);
/*
 * Calls cb once for every user in the audience of row (a user may be
 * reported twice for participant.left; callers deliver per connection
 * and tolerate it by checking the seq they last sent).
 */
void	audience_each(const struct changelog_row *row,
	    const struct audience_ops *ops,
	    void (*cb)(const char *user, void *arg), void *arg);
/*
 * Whether a connection that subscribed only to some dialogs
 * (docs/differences.md N4) still receives row although its dialog is not among
 * them: per-user events (dialog.archived/unarchived/deleted, participant.*
 * about the user themself) and presence.
 */
bool	audience_passes_filter(const struct changelog_row *row,
	    const char *user);
/* Whether the JSON array text `list` contains user. */
bool	audience_list_has(const char *list, const char *user);

#endif
