/*
 * presence.h — the presence rule every program applies
 * (docs/events.md#presence): a user is online while seen within
 * PRESENCE_TTL_SECS. The bridge, mtchat.fcgi's participant list and polls,
 * and mtchat-reaper take the TTL and the cutoff from here.
 */
#ifndef MT_PRESENCE_H
#define MT_PRESENCE_H

#include <stdint.h>

struct cfg;

/* PRESENCE_TTL_SECS in microseconds. */
int64_t	presence_ttl_us(const struct cfg *c);
/*
 * The cutoff at now_us, now minus the TTL: a user last seen at or after
 * it is online, one last seen before it is offline.
 */
int64_t	presence_cutoff(const struct cfg *c, int64_t now_us);

#endif
