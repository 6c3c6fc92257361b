/*
 * ratelimit.h — token buckets per key (acting user or client address),
 * shared by every process through one memory-mapped file (API.md S10).
 */
#ifndef MT_RATELIMIT_H
#define MT_RATELIMIT_H

#include <stdbool.h>
#include <stddef.h>

struct ratelimit;

/*
 * Opens (creating if needed) the shared bucket file at path for a refill of
 * rps tokens per second and a capacity of burst. NULL with err on failure.
 */
struct ratelimit *ratelimit_open(const char *path, long rps, long burst,
		    char *err, size_t errlen);
void		 ratelimit_close(struct ratelimit *rl);
/* Takes one token from key's bucket: true if allowed, false if empty. */
bool		 ratelimit_take(struct ratelimit *rl, const char *key);

#endif
