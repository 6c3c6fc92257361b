/*
 * ratelimit.c — per-key token buckets in a small memory-mapped file, so all
 * FastCGI processes (and the bridge) share them. The table is open-addressed
 * by a 64-bit hash of the key; when a probe run is full, the bucket touched
 * longest ago is reused (a bucket idle that long would be full anyway). An
 * exclusive flock() around each update keeps processes from racing, and a
 * mutex the threads of one process (they share the flock); both are held
 * for a few hundred nanoseconds.
 */
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <sys/file.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cfg.h"
#include "err.h"
#include "mem.h"
#include "ratelimit.h"
#include "tm.h"

#define RL_SLOTS	8192
#define RL_PROBE	16
#define RL_MAGIC	UINT64_C(0x6d7463686174726c)	/* "mtchatrl" */

struct rl_slot {
	uint64_t	 key;		/* hash; 0 = free */
	int64_t		 last_us;	/* last refill */
	double		 tokens;
};

struct rl_file {
	uint64_t	 magic;
	uint64_t	 nslots;
	struct rl_slot	 slots[RL_SLOTS];
};

struct ratelimit {
	pthread_mutex_t	 mu;
	int		 fd;
	struct rl_file	*map;
	double		 rps, burst;
};

/* FNV-1a; never 0 (0 marks a free slot). */
static uint64_t
hash_key(const char *key)
{
	uint64_t h = UINT64_C(1469598103934665603);

	for (; *key; key++) {
		h ^= (unsigned char)*key;
		h *= UINT64_C(1099511628211);
	}
	return h ? h : 1;
}

/*
 * Opens the bucket file, creating it with the mode and owner of the file
 * like (the database) when there is one: every program that may use the
 * database (a web server's user, cron's) may use its buckets too.
 */
static int
open_like(const char *path, const char *like)
{
	struct stat sb;
	int fd, e;

	if ((fd = open(path, O_RDWR | O_CLOEXEC)) != -1 || errno != ENOENT)
		return fd;
	if (like == NULL || stat(like, &sb) == -1)
		sb.st_mode = 0600, sb.st_uid = (uid_t)-1, sb.st_gid = (gid_t)-1;
	fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC, sb.st_mode & 0666);
	if (fd == -1)
		return -1;
	/* exactly the database's mode, whatever the umask; its owner if we
	 * may give it (root) — else ours, which is fine */
	e = errno;
	(void)fchmod(fd, sb.st_mode & 0666);
	if (geteuid() == 0 && sb.st_uid != (uid_t)-1)
		(void)fchown(fd, sb.st_uid, sb.st_gid);
	errno = e;
	return fd;
}

struct ratelimit *
ratelimit_open(const char *path, const struct ratelimit_rate *rate,
    const char *like, char *err, size_t errlen)
{
	struct ratelimit *rl;
	struct stat sb;

	if ((rl = mt_calloc(1, sizeof(*rl))) == NULL) {
		snprintf(err, errlen, "out of memory");
		return NULL;
	}
	pthread_mutex_init(&rl->mu, NULL);
	rl->rps = rate->rps;
	rl->burst = rate->burst;
	rl->fd = open_like(path, like);
	if (rl->fd == -1 || fstat(rl->fd, &sb) == -1)
		goto fail;
	if ((size_t)sb.st_size != sizeof(struct rl_file) &&
	    (flock(rl->fd, LOCK_EX) == -1 ||
	    ftruncate(rl->fd, sizeof(struct rl_file)) == -1 ||
	    flock(rl->fd, LOCK_UN) == -1))
		goto fail;
	rl->map = mmap(NULL, sizeof(struct rl_file), PROT_READ | PROT_WRITE,
	    MAP_SHARED, rl->fd, 0);
	if (rl->map == MAP_FAILED) {
		rl->map = NULL;
		goto fail;
	}
	if (rl->map->magic != RL_MAGIC) {	/* new or foreign: reset */
		flock(rl->fd, LOCK_EX);
		memset(rl->map, 0, sizeof(*rl->map));
		rl->map->magic = RL_MAGIC;
		rl->map->nslots = RL_SLOTS;
		flock(rl->fd, LOCK_UN);
	}
	return rl;
fail:
	snprintf(err, errlen, "%s: %s", path, strerror(errno));
	ratelimit_close(rl);
	return NULL;
}

void
ratelimit_close(struct ratelimit *rl)
{
	if (rl == NULL)
		return;
	if (rl->map != NULL)
		munmap(rl->map, sizeof(struct rl_file));
	if (rl->fd != -1)
		close(rl->fd);
	pthread_mutex_destroy(&rl->mu);
	mt_free(rl);
}

/* The slot of h: its own, a free one, or the stalest of the probe run. */
static struct rl_slot *
slot_for(struct rl_file *f, uint64_t h, double burst, int64_t now)
{
	struct rl_slot *s, *stalest = NULL;
	size_t i;

	for (i = 0; i < RL_PROBE; i++) {
		s = &f->slots[(h + i) % RL_SLOTS];
		if (s->key == h)
			return s;
		if (s->key == 0 || stalest == NULL ||
		    s->last_us < stalest->last_us)
			stalest = s;
		if (s->key == 0)
			break;
	}
	stalest->key = h;
	stalest->last_us = now;
	stalest->tokens = burst;
	return stalest;
}

/* Refills key's bucket; with take, takes a token if there is one. */
static bool
bucket(struct ratelimit *rl, const char *key, bool take)
{
	struct rl_slot *s;
	int64_t now = tm_now_us();
	double tokens;
	bool ok;

	pthread_mutex_lock(&rl->mu);
	if (flock(rl->fd, LOCK_EX) == -1) {
		pthread_mutex_unlock(&rl->mu);
		return true;	/* fail open: limiting is a courtesy */
	}
	s = slot_for(rl->map, hash_key(key), rl->burst, now);
	tokens = s->tokens + (double)(now - s->last_us) / 1e6 * rl->rps;
	if (tokens > rl->burst)
		tokens = rl->burst;
	s->last_us = now;
	ok = tokens >= 1.0;
	s->tokens = ok && take ? tokens - 1.0 : tokens;
	flock(rl->fd, LOCK_UN);
	pthread_mutex_unlock(&rl->mu);
	return ok;
}

bool
ratelimit_take(struct ratelimit *rl, const char *key)
{
	return bucket(rl, key, true);
}

bool
ratelimit_has(struct ratelimit *rl, const char *key)
{
	return bucket(rl, key, false);
}

int
ratelimit_open_cfg(const struct cfg *c, struct ratelimit **rl, char *err,
    size_t errlen)
{
	char path[4096];

	*rl = NULL;
	if (!c->rate_limit)
		return 0;
	if ((size_t)snprintf(path, sizeof(path), "%s%s", *c->rate_file ?
	    c->rate_file : c->db_path, *c->rate_file ? "" : "-ratelimit") >=
	    sizeof(path)) {
		snprintf(err, errlen, "rate limit file path too long");
		return MT_EIO;
	}
	*rl = ratelimit_open(path, &(struct ratelimit_rate){
	    .rps = (double)c->rate_rps, .burst = (double)c->rate_burst },
	    c->db_path, err, errlen);
	return *rl ? 0 : MT_EIO;
}

int
ratelimit_open_authfail(const struct cfg *c, struct ratelimit **rl,
    char *err, size_t errlen)
{
	char path[4096];

	*rl = NULL;
	if (c->auth_fail_limit == 0)
		return 0;
	if ((size_t)snprintf(path, sizeof(path), "%s-authfail", c->db_path) >=
	    sizeof(path)) {
		snprintf(err, errlen, "auth failure file path too long");
		return MT_EIO;
	}
	*rl = ratelimit_open(path, &(struct ratelimit_rate){
	    .rps = (double)c->auth_fail_limit / 60.0,
	    .burst = (double)c->auth_fail_limit }, c->db_path, err, errlen);
	return *rl ? 0 : MT_EIO;
}

bool
ratelimit_take_user(struct ratelimit *rl, const char *user, const char *addr)
{
	char key[300];

	snprintf(key, sizeof(key), "%s:%s", user ? "u" : "a",
	    user ? user : (addr ? addr : "?"));
	return ratelimit_take(rl, key);
}
