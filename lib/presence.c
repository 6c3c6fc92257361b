/* presence.c — the presence TTL and cutoff (presence.h). */
#include "cfg.h"
#include "presence.h"

int64_t
presence_ttl_us(const struct cfg *c)
{
	return (int64_t)c->presence_ttl * 1000000;
}

int64_t
presence_cutoff(const struct cfg *c, int64_t now_us)
{
	return now_us - presence_ttl_us(c);
}
