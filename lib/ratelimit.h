/*
 * ratelimit.h — token buckets per key (acting user or client address), shared
 * by every process through one memory-mapped file (docs/differences.md S10).
 */
#ifndef MT_RATELIMIT_H
#define MT_RATELIMIT_H

#include <stdbool.h>
#include <stddef.h>

struct ratelimit;

/* How a bucket fills: rps tokens per second, up to burst tokens. */
struct ratelimit_rate {
	double	 rps;
	double	 burst;
};

/*
 * Opens (creating if needed, with the mode and owner of the file like when
 * like is not NULL) the shared bucket file at path, its buckets filling at
 * rate. NULL with err on failure.
 */
struct ratelimit *ratelimit_open(const char *path,
		    const struct ratelimit_rate *rate, const char *like,
		    char *err, size_t errlen);
void		 ratelimit_close(struct ratelimit *rl);
/* Takes one token from key's bucket: true if allowed, false if empty. */
bool		 ratelimit_take(struct ratelimit *rl, const char *key);
/* Whether key's bucket holds a whole token now; none is taken. */
bool		 ratelimit_has(struct ratelimit *rl, const char *key);

struct cfg;

/*
 * Opens the buckets RATE_LIMIT_* configure (the file RATE_LIMIT_FILE, or
 * the database path with "-ratelimit"): 0 with *rl NULL when rate
 * limiting is off; MT_EIO with err when the file cannot be used.
 */
int		 ratelimit_open_cfg(const struct cfg *c, struct ratelimit **rl,
		    char *err, size_t errlen);
/*
 * One token of the acting user's bucket, or of the client address's when user
 * is NULL (docs/differences.md S10); every program keys buckets the same way.
 */
bool		 ratelimit_take_user(struct ratelimit *rl, const char *user,
		    const char *addr);

/*
 * The buckets of failed token checks, one per client address (the file
 * AUTH_FAILURES_PER_MINUTE configures, next to the database): 0 with *rl
 * NULL when the limit is off; MT_EIO with err when the file cannot be used.
 * A request presenting a token first asks ratelimit_has(); a token that
 * fails the check then takes one with ratelimit_take().
 */
int		 ratelimit_open_authfail(const struct cfg *c,
		    struct ratelimit **rl, char *err, size_t errlen);

#endif
