/*
 * store_members.h — membership periods as change-log positions
 * (sql/0004-history.sql): when, in seq terms, a user was a participant of
 * a dialog. Opened and closed by the participant.* events themselves
 * (lib/event_body.c), read whenever a user's past events are replayed, so
 * that who may see an event is decided at the time of the event (
 * S2, docs/events.md#audience).
 */
#ifndef MT_STORE_MEMBERS_H
#define MT_STORE_MEMBERS_H

#include <stdbool.h>
#include <stdint.h>

#include "id.h"

struct store;

#define SEND_KEY_US	(24LL * 3600 * 1000000)	/* send keys kept a day */

/* Inside the caller's write transaction: user's period from seq on. */
int	store_membership_open(struct store *st, const char *dialog_id,
	    const char *user_id, int64_t seq);
/* Inside the caller's write transaction: user's open period ends at seq. */
int	store_membership_close(struct store *st, const char *dialog_id,
	    const char *user_id, int64_t seq);
/* Inside the caller's write transaction: every open period of the dialog
 * ends at seq (it is deleted). */
int	store_membership_close_dialog(struct store *st, const char *dialog_id,
	    int64_t seq);
/*
 * In a transaction of its own: deletes the periods that ended within the
 * pruned change-log, the tombstones of messages deleted before before_us
 * and the send keys made before keys_before. *n gets the rows deleted.
 */
int	store_history_prune(struct store *st, int64_t before_us,
	    int64_t keys_before, int64_t *n);

/* One user's periods, sorted by dialog, then start. */
struct period {
	char	 dialog_id[ID_BUF];
	int64_t	 from_seq;
	int64_t	 to_seq;		/* INT64_MAX while open */
};
struct periods {
	struct period	*p;
	size_t		 n;
};

/*
 * Reads every period of user into *out (replaced; free with
 * periods_free()). 0 or an MT_E* code.
 */
int	store_periods_load(struct store *st, const char *user_id,
	    struct periods *out);
/* Whether the periods put their user in dialog_id at seq. */
bool	periods_include(const struct periods *ps, const char *dialog_id,
	    int64_t seq);
void	periods_free(struct periods *ps);

#endif
