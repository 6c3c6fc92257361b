/*
 * store_archive.h — auto-archive (docs/differences.md F13 and F14): a
 * participant's dialog is archived for them when it has been inactive for
 * longer than ARCHIVE_AFTER_SECS, inactivity being measured from the later
 * of the dialog's last message (its creation when it has none) and that
 * participant's own last unarchive. One dialog.archived event per dialog
 * reaches exactly the users whose flag changed.
 */
#ifndef MT_STORE_ARCHIVE_H
#define MT_STORE_ARCHIVE_H

#include <jansson.h>
#include <stdint.h>

struct store;

#define ARCHIVE_BATCH	100	/* dialogs per write transaction */

struct archive_count {
	int	 dialogs;	/* dialogs with at least one flag changed */
	int	 users;		/* participant flags changed */
	int64_t	 seq;		/* seq of the last event written, 0: none */
};

/*
 * Calls cb, without changing anything, for up to limit dialogs that have a
 * participant inactive since before cutoff_us, with the JSON array of those
 * participants (valid during the call), oldest activity first.
 */
int	store_archive_candidates(struct store *st, int64_t cutoff_us,
	    int limit, void (*cb)(const char *dialog_id, const json_t *users,
	    void *arg), void *arg);
/*
 * Archives up to limit such dialogs for their inactive participants,
 * ARCHIVE_BATCH dialogs per transaction, each with its dialog.archived
 * event. The selection is checked again inside each transaction, so two
 * runs at once (or a message arriving meanwhile) never archive twice or
 * wrongly. *out gets the counts, also of the batches committed before a
 * failure. Returns 0 or an MT_E* code.
 */
int	store_archive_inactive(struct store *st, int64_t cutoff_us, int limit,
	    struct archive_count *out);

#endif
