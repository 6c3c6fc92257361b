/*
 * wsclient.h — what the WebSocket load clients of bench/ (ws-load,
 * ws-storm, ws-soak) share: the wall clock in nanoseconds, a TCP connect
 * to the loopback servers, and the header of a server frame (RFC 6455
 * section 5.2; unmasked, as a server sends). Header-only: each bench
 * program is built from its own source file.
 * SPDX-License-Identifier: MIT
 */
#ifndef MT_BENCH_WSCLIENT_H
#define MT_BENCH_WSCLIENT_H

#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

/* The wall clock in nanoseconds (comparable with the servers' stamps). */
static inline int64_t
now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	return (int64_t)ts.tv_sec * 1000000000 + ts.tv_nsec;
}

/*
 * A TCP connection to host:port with TCP_NODELAY, non-blocking if asked
 * (then still in progress); -1 with errno set if it cannot be made.
 */
static inline int
bench_connect(const char *host, int port, int nonblock)
{
	struct sockaddr_in sa;
	int fd = socket(AF_INET, SOCK_STREAM | (nonblock ? SOCK_NONBLOCK : 0),
	    0), one = 1, e;

	if (fd == -1)
		return -1;
	memset(&sa, 0, sizeof(sa));
	sa.sin_family = AF_INET;
	sa.sin_port = htons((uint16_t)port);
	inet_pton(AF_INET, host, &sa.sin_addr);
	setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
	if (connect(fd, (struct sockaddr *)&sa, sizeof(sa)) == -1 &&
	    (!nonblock || errno != EINPROGRESS)) {
		e = errno;
		close(fd);
		errno = e;
		return -1;
	}
	return fd;
}

/*
 * If the len bytes at b start with a whole frame, sets *hl to its header
 * length and *pl to its payload length and returns the frame's opcode
 * (1 text, 8 close, ...); returns -1 while the frame is incomplete.
 */
static inline int
wsframe_next(const unsigned char *b, size_t len, size_t *hl, size_t *pl)
{
	size_t h = 2, p;

	if (len < 2)
		return -1;
	p = b[1] & 0x7f;
	if (p == 126) {
		if (len < 4)
			return -1;
		p = (size_t)b[2] << 8 | b[3];
		h = 4;
	} else if (p == 127) {
		if (len < 10)
			return -1;
		p = 0;
		for (int i = 0; i < 8; i++)
			p = p << 8 | b[2 + i];
		h = 10;
	}
	if (len < h || len - h < p)
		return -1;
	*hl = h;
	*pl = p;
	return b[0] & 0x0f;
}

/*
 * Writes all of p to fd (a non-blocking one too: tries again on EAGAIN),
 * or says why and exits with status.
 */
static inline void
wsc_send_all(int fd, const char *p, size_t n, int status)
{
	while (n > 0) {
		ssize_t w = write(fd, p, n);

		if (w < 0 && errno == EAGAIN)
			continue;
		if (w <= 0) {
			perror("write");
			exit(status);
		}
		p += w;
		n -= (size_t)w;
	}
}

/*
 * The first "<p>" of each message.new event in s: a message.new carries
 * its content twice (at the top and in payload.message), and a latency is
 * one per event. Call with *p = s, then again while it answers non-NULL;
 * a text without events (plain bodies) answers its first "<p>" once.
 */
static inline const char *
wsc_next_content(const char **p, const char *end)
{
	const char *ev, *next, *c;

	if (*p == NULL || *p >= end)
		return NULL;
	if ((ev = memmem(*p, (size_t)(end - *p), "\"message.new\"", 13))
	    == NULL) {
		c = memmem(*p, (size_t)(end - *p), "<p>", 3);
		*p = NULL;	/* no events: one content at most */
		return c;
	}
	ev += 13;
	next = memmem(ev, (size_t)(end - ev), "\"message.new\"", 13);
	c = memmem(ev, (size_t)((next != NULL ? next : end) - ev), "<p>", 3);
	*p = next != NULL ? next : end;
	return c != NULL ? c : wsc_next_content(p, end);
}

#endif
