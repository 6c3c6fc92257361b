/*
 * wake.c — writers tell the bridge "the log grew to seq N" with one Unix
 * datagram, sent non-blocking after COMMIT; the bridge reads them all and
 * tails the log once.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include "log.h"
#include "mem.h"
#include "wake.h"

struct wake {
	int			 fd;
	int			 naddr;
	struct sockaddr_un	 addr[WAKE_MAX];
};

static int
fill_addr(struct sockaddr_un *sun, const char *path)
{
	size_t len = strlen(path);

	if (len == 0 || len >= sizeof(sun->sun_path))
		return -1;
	memset(sun, 0, sizeof(*sun));
	sun->sun_family = AF_UNIX;
	memcpy(sun->sun_path, path, len + 1);
	return 0;
}

struct wake *
wake_open(const char *path)
{
	return wake_open_all(&path, 1);
}

struct wake *
wake_open_all(const char *const *paths, int n)
{
	struct wake *w;
	int i;

	if ((w = mt_calloc(1, sizeof(*w))) == NULL)
		return NULL;
	for (i = 0; i < n && w->naddr < WAKE_MAX; i++)
		if (paths[i] != NULL &&
		    fill_addr(&w->addr[w->naddr], paths[i]) == 0)
			w->naddr++;
	if (w->naddr == 0) {
		mt_free(w);
		return NULL;
	}
	w->fd = socket(AF_UNIX, SOCK_DGRAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (w->fd == -1) {
		log_warn("%s: socket", __func__);
		mt_free(w);
		return NULL;
	}
	return w;
}

void
wake_send(struct wake *w, int64_t seq)
{
	char buf[32];
	int i, len;

	if (w == NULL)
		return;
	len = snprintf(buf, sizeof(buf), "%lld", (long long)seq);
	for (i = 0; i < w->naddr; i++)
		if (sendto(w->fd, buf, (size_t)len,
		    MSG_DONTWAIT | MSG_NOSIGNAL,
		    (struct sockaddr *)&w->addr[i], sizeof(w->addr[i])) == -1 &&
		    errno != ENOENT && errno != ECONNREFUSED &&
		    errno != EAGAIN && errno != ENOTCONN)
			log_debug("%s: %s", __func__, strerror(errno));
}

void
wake_close(struct wake *w)
{
	if (w == NULL)
		return;
	close(w->fd);
	mt_free(w);
}

int
wake_listen(const char *path)
{
	struct sockaddr_un sun;
	struct stat sb;
	int fd;

	if (fill_addr(&sun, path) != 0) {
		errno = ENAMETOOLONG;
		return -1;
	}
	fd = socket(AF_UNIX, SOCK_DGRAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (fd == -1)
		return -1;
	/* A stale socket of a previous run; another file stays (EADDRINUSE). */
	if (lstat(path, &sb) == 0 && S_ISSOCK(sb.st_mode))
		unlink(path);
	if (bind(fd, (struct sockaddr *)&sun, sizeof(sun)) == -1) {
		int saved = errno;

		close(fd);
		errno = saved;
		return -1;
	}
	return fd;
}

int
wake_drain(int fd, int64_t *seq)
{
	char buf[64];
	ssize_t n;
	int count = 0;

	while ((n = recv(fd, buf, sizeof(buf) - 1, MSG_DONTWAIT)) >= 0) {
		char *end;
		long long v;

		count++;
		buf[n] = '\0';
		errno = 0;
		v = strtoll(buf, &end, 10);
		if (errno == 0 && end != buf && *end == '\0' && v > *seq)
			*seq = v;
	}
	return count;
}
