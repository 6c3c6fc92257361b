/*
 * store_bridge.h — what mtchat-bridge reads at start: every participant row
 * and the change-log head, as one consistent snapshot, so that its
 * membership cache and its cursor agree (the change-log rows after the head
 * then keep the cache current).
 */
#ifndef MT_STORE_BRIDGE_H
#define MT_STORE_BRIDGE_H

#include <stdint.h>

struct store;

/*
 * In one read transaction, calls cb for every (dialog_id, user_id)
 * participant row, then writes the change-log head to *head. The strings
 * are valid only during the callback. A non-zero return from cb stops the
 * walk and is returned. Returns 0 or an MT_E* code.
 */
int	store_bridge_load(struct store *st,
	    int (*cb)(const char *dialog_id, const char *user_id, void *arg),
	    void *arg, int64_t *head);

#endif
