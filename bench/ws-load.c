/*
 * ws-load.c — load client of the bridge benchmark (bench/ws-bench.sh):
 * one epoll loop holding thousands of WebSockets or held long-polls to
 * mtchat-bridge, and one thread sending messages through the REST API
 * (lighttpd + mtchat.fcgi) at a fixed rate. Each message carries its send
 * time; every delivery is counted and its latency recorded.
 *
 *   ws-load idle   HOST BPORT N
 *   ws-load fanout HOST BPORT N RPORT DIALOG RATE COUNT
 *   ws-load poll   HOST BPORT N RPORT DIALOG RATE COUNT
 *
 * Users are u0 .. u(N-1); u0 sends. Prints one result line.
 * With WS_LOAD_BPORT2=PORT the second half of the users connect to a
 * second bridge at PORT (bench/pg.sh: two bridges over one database).
 * With WS_LOAD_PLAIN=1 (a plain pub/sub server such as nginx + nchan, for
 * comparison) a connection counts once upgraded and every frame is a
 * message; any 2xx answers a send.
 * Not part of make check.
 */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/epoll.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "wsclient.h"

enum mode { IDLE, FANOUT, POLL };
enum st { CONNECTING, HANDSHAKE, OPEN, FIRST, POLLING };
static const char *const states[] = { "connecting", "handshake", "open",
    "first", "polling" };

struct c {
	int	 fd, user;
	enum st	 st;
	char	*buf;
	size_t	 len, cap;
	long long cursor;
	long	 got, requests;	/* deliveries, requests sent */
};

static enum mode mode;
static const char *host;
static int bport, bport2, rport, nconn, rate, count;
static const char *dialog;
static struct c *cs;
static int epfd;		/* the one epoll instance */
static int64_t *lat;
static volatile long nlat, connected;
static long expected;
static volatile int sending_done;
static int64_t *rest;
static int plain;		/* WS_LOAD_PLAIN: not mtchat */

static int
tcp_connect(int port, int nonblock)
{
	int fd = bench_connect(host, port, nonblock);

	if (fd == -1) {
		perror("connect");
		exit(1);
	}
	return fd;
}

/* The bridge port of client c: the second bridge's for the upper half. */
static int
port_of(const struct c *c)
{
	return bport2 > 0 && c->user >= nconn / 2 ? bport2 : bport;
}

#define send_all(fd, p, n)	wsc_send_all((fd), (p), (n), 1)

static void
send_request(struct c *c)
{
	char req[512];
	int n;

	if (mode == POLL && c->cursor < 0)
		n = snprintf(req, sizeof(req), "GET /api/v1/events?user_id=u%d"
		    " HTTP/1.1\r\nHost: b\r\n\r\n", c->user);
	else if (mode == POLL)
		n = snprintf(req, sizeof(req), "GET /api/v1/events?user_id=u%d"
		    "&since=%lld&timeout=55 HTTP/1.1\r\nHost: b\r\n\r\n",
		    c->user, c->cursor);
	else
		n = snprintf(req, sizeof(req), "GET /api/v1/ws?user_id=u%d "
		    "HTTP/1.1\r\nHost: b\r\nUpgrade: websocket\r\n"
		    "Connection: Upgrade\r\nSec-WebSocket-Version: 13\r\n"
		    "Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n\r\n",
		    c->user);
	send_all(c->fd, req, (size_t)n);
	c->requests++;
}

/*
 * Records the latency of each event's "<p>T<ns></p>" in s (one per
 * message.new, wsc_next_content()); how many.
 */
static long
scan_times(const char *s, size_t len, int64_t t)
{
	const char *p = s, *end = s + len, *c;
	long found = 0;

	while ((c = wsc_next_content(&p, end)) != NULL) {
		long long sent;
		long i;

		if (c[3] != 'T')
			continue;
		sent = strtoll(c + 4, NULL, 10);
		i = __atomic_fetch_add(&nlat, 1, __ATOMIC_RELAXED);
		if (i < expected + 1000000)
			lat[i] = t - sent;
		found++;
	}
	return found;
}

static void
consume(struct c *c, size_t n)
{
	memmove(c->buf, c->buf + n, c->len - n);
	c->len -= n;
}

/* WebSocket frames from the server (unmasked). */
static void
on_ws(struct c *c, int64_t t)
{
	for (;;) {
		unsigned char *b = (unsigned char *)c->buf;
		size_t hl, pl;
		int op = wsframe_next(b, c->len, &hl, &pl);

		if (op < 0)
			return;
		if (plain)
			c->got += scan_times((char *)b + hl, pl, t);
		else if (memmem(b + hl, pl, "\"connected\"", 11) != NULL)
			__atomic_fetch_add(&connected, 1, __ATOMIC_RELAXED);
		else if (memmem(b + hl, pl, "\"message.new\"", 13) != NULL)
			c->got += scan_times((char *)b + hl, pl, t);
		consume(c, hl + pl);
	}
}

/* Whether the n bytes at s hold needle, ignoring case. */
static int
strcasestr_n(const char *s, size_t n, const char *needle)
{
	size_t k = strlen(needle);

	for (size_t i = 0; i + k <= n; i++)
		if (strncasecmp(s + i, needle, k) == 0)
			return 1;
	return 0;
}

/* A new connection for a client whose server closed the last one. */
static void
reconnect(struct c *c)
{
	struct epoll_event ev = { .events = EPOLLIN | EPOLLOUT | EPOLLET,
	    .data.ptr = c };

	epoll_ctl(epfd, EPOLL_CTL_DEL, c->fd, NULL);
	close(c->fd);
	c->fd = tcp_connect(port_of(c), 1);
	c->st = CONNECTING;
	epoll_ctl(epfd, EPOLL_CTL_ADD, c->fd, &ev);
}

/* HTTP responses: the handshake, or a long-poll answer. */
static void
on_http(struct c *c, int64_t t)
{
	char *eoh, *cl, *cur;
	size_t hlen, blen;
	int closes;

	if ((eoh = memmem(c->buf, c->len, "\r\n\r\n", 4)) == NULL)
		return;
	hlen = (size_t)(eoh - c->buf) + 4;
	if (c->st == HANDSHAKE) {
		if (strncmp(c->buf, "HTTP/1.1 101", 12) != 0) {
			fprintf(stderr, "handshake: %.40s\n", c->buf);
			exit(1);
		}
		c->st = OPEN;
		if (plain)
			__atomic_fetch_add(&connected, 1, __ATOMIC_RELAXED);
		consume(c, hlen);
		on_ws(c, t);
		return;
	}
	cl = memmem(c->buf, hlen, "content-length:", 15);
	if (cl == NULL)
		cl = memmem(c->buf, hlen, "Content-Length:", 15);
	blen = cl ? strtoul(cl + 15, NULL, 10) : 0;
	if (c->len < hlen + blen)
		return;
	c->got += scan_times(c->buf + hlen, blen, t);
	if ((cur = memmem(c->buf + hlen, blen, "\"cursor\":", 9)) != NULL)
		c->cursor = strtoll(cur + 9, NULL, 10);
	closes = strcasestr_n(c->buf, hlen, "\r\nConnection: close\r\n");
	consume(c, hlen + blen);
	if (c->st != POLLING) {	/* first answer: cursor known, now hold */
		c->st = POLLING;
		__atomic_fetch_add(&connected, 1, __ATOMIC_RELAXED);
	}
	if (closes)
		reconnect(c);	/* the next poll goes on a new connection */
	else
		send_request(c);
}

static void
on_read(struct c *c)
{
	int64_t t = now_ns();
	ssize_t n;

	for (;;) {
		size_t room;

		if (c->cap - c->len < 65536) {
			c->cap = c->cap ? c->cap * 2 : 65536;
			c->buf = realloc(c->buf, c->cap);
		}
		room = c->cap - c->len;
		n = read(c->fd, c->buf + c->len, room);
		if (n == 0 || (n < 0 && errno != EAGAIN && errno != EINTR)) {
			/* Said, not counted as lost deliveries. */
			fprintf(stderr, "connection u%d %s: %s after %ld "
			    "requests, %ld deliveries, cursor %lld\n", c->user,
			    n == 0 ? "closed by the server" : "failed",
			    n == 0 ? states[c->st] : strerror(errno),
			    c->requests, c->got, c->cursor);
			exit(1);
		}
		if (n < 0)
			return;
		c->len += (size_t)n;
		if (c->st == OPEN)
			on_ws(c, t);
		else
			on_http(c, t);
		if (c->st == CONNECTING)
			return;		/* reconnected: a new socket */
		/*
		 * A short read emptied the socket: data arriving later is a
		 * new edge, so the read that would only say EAGAIN (half of
		 * this client's system calls) is skipped.
		 */
		if ((size_t)n < room)
			return;
	}
}

/* The REST sender: u0 posts COUNT messages at RATE per second. */
static void *
sender(void *arg)
{
	char req[1024], body[128], resp[8192];
	int fd = tcp_connect(rport, 0), i;
	int64_t t0 = now_ns() + 200000000;

	(void)arg;
	for (i = 0; i < count; i++) {
		int64_t due = t0 + (int64_t)i * 1000000000 / rate, t;
		struct timespec ts;
		int bl, n;
		ssize_t r;
		size_t got = 0;

		while ((t = now_ns()) < due) {
			ts.tv_sec = 0;
			ts.tv_nsec = due - t > 999999999 ? 999999999 : due - t;
			nanosleep(&ts, NULL);
		}
		bl = snprintf(body, sizeof(body),
		    "{\"content\":\"<p>T%lld</p>\"}", (long long)now_ns());
		n = snprintf(req, sizeof(req), "POST /api/v1/dialogs/%s/messages"
		    "?user_id=u0 HTTP/1.1\r\nHost: r\r\nContent-Type: "
		    "application/json\r\nContent-Length: %d\r\n\r\n%s",
		    dialog, bl, body);
		t = now_ns();
		send_all(fd, req, (size_t)n);
		/* The answer: headers and a small JSON body. */
		for (;;) {
			char *eoh, *cl;

			r = read(fd, resp + got, sizeof(resp) - 1 - got);
			if (r <= 0) {
				fprintf(stderr, "REST connection lost\n");
				exit(1);
			}
			got += (size_t)r;
			resp[got] = '\0';
			if ((eoh = strstr(resp, "\r\n\r\n")) == NULL)
				continue;
			if (strncmp(resp, plain ? "HTTP/1.1 2" : "HTTP/1.1 200",
			    plain ? 10 : 12) != 0) {
				fprintf(stderr, "send: %.60s\n", resp);
				exit(1);
			}
			cl = strcasestr(resp, "content-length:");
			if (cl != NULL && got >= (size_t)(eoh + 4 - resp) +
			    strtoul(cl + 15, NULL, 10))
				break;
		}
		rest[i] = now_ns() - t;
	}
	sending_done = 1;
	return NULL;
}

static int
cmp64(const void *a, const void *b)
{
	int64_t x = *(const int64_t *)a, y = *(const int64_t *)b;

	return x < y ? -1 : x > y;
}

static void
open_all(int ep)
{
	struct epoll_event ev;
	int i;

	for (i = 0; i < nconn; i++) {
		struct c *c = &cs[i];

		c->user = i;
		c->cursor = -1;
		c->fd = tcp_connect(port_of(c), 1);
		c->st = CONNECTING;
		ev.events = EPOLLIN | EPOLLOUT | EPOLLET;
		ev.data.ptr = c;
		epoll_ctl(ep, EPOLL_CTL_ADD, c->fd, &ev);
	}
}

static void
loop_once(int ep, int ms)
{
	struct epoll_event evs[1024];
	int n = epoll_wait(ep, evs, 1024, ms), i;

	for (i = 0; i < n; i++) {
		struct c *c = evs[i].data.ptr;

		if (c->st == CONNECTING && (evs[i].events & EPOLLOUT)) {
			if (mode != POLL)
				c->st = HANDSHAKE;
			else	/* a reconnect goes on holding */
				c->st = c->cursor < 0 ? FIRST : POLLING;
			send_request(c);
		}
		if (evs[i].events & (EPOLLIN | EPOLLHUP | EPOLLERR))
			on_read(c);
	}
}

/* On stderr, the first clients short of deliveries and their state. */
static void
report_missing(void)
{
	int i, shown = 0;

	for (i = 0; i < nconn && shown < 5; i++) {
		struct c *c = &cs[i];
		size_t k, n = c->len < 160 ? c->len : 160;

		if (c->got >= count)
			continue;
		shown++;
		fprintf(stderr, "u%d: %ld of %d deliveries, %s, cursor %lld, "
		    "%ld requests, %zu bytes unparsed: ", c->user, c->got,
		    count, states[c->st], c->cursor, c->requests, c->len);
		for (k = 0; k < n; k++)
			fputc(c->buf[k] >= 32 && c->buf[k] < 127 ?
			    c->buf[k] : '.', stderr);
		fputc('\n', stderr);
	}
}

static void
report(double secs)
{
	long n = nlat < expected + 1000000 ? nlat : expected + 1000000;

	qsort(lat, (size_t)n, sizeof(*lat), cmp64);
	qsort(rest, (size_t)count, sizeof(*rest), cmp64);
	printf("REST send p50 %.2f ms p99 %.2f ms; ", rest[count / 2] / 1e6,
	    rest[count * 99 / 100] / 1e6);
	printf("deliveries %ld/%ld lost %ld  p50 %.2f ms  p99 %.2f ms  "
	    "max %.2f ms  (%.1f s)\n", nlat, expected, expected - nlat,
	    n ? lat[n / 2] / 1e6 : 0, n ? lat[n * 99 / 100] / 1e6 : 0,
	    n ? lat[n - 1] / 1e6 : 0, secs);
	if (expected > nlat)
		report_missing();
}

int
main(int argc, char **argv)
{
	struct rlimit rl;
	pthread_t th;
	int ep;
	int64_t t0, deadline;

	if (argc < 5) {
		fprintf(stderr, "usage: ws-load idle|fanout|poll HOST BPORT N "
		    "[RPORT DIALOG RATE COUNT]\n");
		return 2;
	}
	mode = strcmp(argv[1], "idle") == 0 ? IDLE :
	    strcmp(argv[1], "poll") == 0 ? POLL : FANOUT;
	host = argv[2];
	bport = atoi(argv[3]);
	nconn = atoi(argv[4]);
	if (mode != IDLE) {
		if (argc < 9)
			return 2;
		rport = atoi(argv[5]);
		dialog = argv[6];
		rate = atoi(argv[7]);
		count = atoi(argv[8]);
	}
	plain = getenv("WS_LOAD_PLAIN") != NULL;
	if (getenv("WS_LOAD_BPORT2") != NULL)
		bport2 = atoi(getenv("WS_LOAD_BPORT2"));
	getrlimit(RLIMIT_NOFILE, &rl);
	rl.rlim_cur = rl.rlim_max;
	setrlimit(RLIMIT_NOFILE, &rl);
	expected = (long)nconn * count;
	cs = calloc((size_t)nconn, sizeof(*cs));
	lat = calloc((size_t)expected + 1000000, sizeof(*lat));
	rest = calloc((size_t)count + 1, sizeof(*rest));
	ep = epfd = epoll_create1(0);
	open_all(ep);
	t0 = now_ns();
	while (connected < nconn && now_ns() - t0 < 120000000000LL)
		loop_once(ep, 100);
	printf("connected %ld/%d in %.2f s\n", connected, nconn,
	    (now_ns() - t0) / 1e9);
	fflush(stdout);
	if (mode == IDLE) {
		/* Hold until told to stop (stdin closes). */
		char ch;

		while (read(0, &ch, 1) > 0)
			;
		return 0;
	}
	sleep(1);
	t0 = now_ns();
	pthread_create(&th, NULL, sender, NULL);
	deadline = 0;
	while (nlat < expected) {
		loop_once(ep, 50);
		if (sending_done && deadline == 0)
			deadline = now_ns() + 5000000000LL;
		if (deadline != 0 && now_ns() > deadline)
			break;
	}
	pthread_join(th, NULL);
	report((now_ns() - t0) / 1e9);
	return 0;
}
