/*
 * ws-storm.c — load client of bench/ws-storm.sh (issue 16): a presence
 * storm and a reconnect storm against mtchat-bridge, from one epoll loop,
 * with a REST sender through lighttpd + mtchat.fcgi.
 *
 *   ws-storm storm HOST WSPORT N RPORT DIALOG RATE COUNT FLAPPERS SUBS
 *            [MS [LOAD]]
 *   ws-storm reconnect HOST WSPORT N RPORT
 *
 * storm: users u0 .. u(N-1), who share one dialog and are offline, connect
 * as fast as this loop allows; u1 .. uFLAPPERS then close and connect again
 * three times (ending online); u(N-SUBS) .. u(N-1) subscribe to the dialog
 * (docs/differences.md N4). MS milliseconds (default 1000) after the last first
 * `connected`, u0 sends COUNT messages at RATE per second ("storm"); once
 * presence has drained, one
 * second later, the same again ("quiet"), on the same connections. Prints
 * a line per phase (delivery latency, losses), one on presence (frames,
 * how long until every member had every other member's state, the last
 * frame) and one on the flappers (frames per recipient, wrong final
 * states). Every frame's seq is checked to increase on its connection.
 * With LOAD=1 each client, after its `connected`, loads the dialog's
 * participants (GET .../participants, as the SDK does when it opens a
 * dialog) and knows the states that say is_online: what it was not pushed
 * because it connected later, it reads there.
 *
 * reconnect: N users connect; "ready" is printed; when the bridge restarts
 * (their connections close) each connects again at once, retrying every
 * 20 ms, and after its `connected` loads its dialog list (GET
 * /api/v1/dialogs, as the SDK does on a reconnect) over up to 32 keep-alive
 * REST connections. Prints when the first connection closed, when the
 * bridge answered again, when every client had `connected`, and when every
 * client had its list.
 *
 * STORM_DEBUG=1 lists the deliveries slower than 50 ms on stderr.
 * Not part of make check; loopback only, every phase bounded in time.
 */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <pthread.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "wsclient.h"

#define FLAP_MS		100	/* a flapper's time connected, then closed */
#define FLAP_CYCLES	3
#define QUIET_MS	3000	/* no presence frame this long: drained */
#define PHASE_MAX_S	120	/* bound of every wait */
#define REST_CONNS	32
#define RETRY_MS	20

enum st { DOWN, CONNECTING, HANDSHAKE, OPEN };

struct c {
	int	 fd, user;
	enum st	 st;
	char	*buf;
	size_t	 len, cap;
	unsigned char *seen;	/* subjects seen online (bitmap) */
	int	 nseen;
	long	 pres;		/* presence frames */
	long long lastseq;
	int	 flaps;		/* flapper: cycles left */
	int64_t	 due;		/* flapper or retry: when to act */
	bool	 greeted;	/* had a first `connected` */
	signed char *flast;	/* last state of each flapper (-1 none) */
	short	*fn;		/* frames about each flapper */
	int64_t	 t_conn, t_list;
};

struct rc {			/* a REST connection (reconnect mode) */
	int	 fd, user;	/* user -1: idle */
	char	*buf;
	size_t	 len, cap;
};

static const char *host;
static bool reconnecting;	/* reconnect mode */
static bool debug;		/* STORM_DEBUG: deliveries over 50 ms */
static bool load;		/* storm: participants after `connected` */
static int wsport, rport, nconn, rate, count, nflap, nsubs, delay_ms = 1000;
static const char *dialog;
static struct c *cs;
static struct rc rcs[REST_CONNS];
static int ep;
static long connected_first, seqbad, complete;
static int64_t t_start, t_complete, t_lastpres;
static long presframes;
/* per phase: 0 storm, 1 quiet */
static int64_t *lat[2];
static long nlat[2];
static volatile char phase_tag = 'S';
static volatile int sending_done;
static int64_t *rest;
static int *listq;		/* users waiting for their list */
static int nlistq, listq_head;
static long nlisted, nreconnected;
static int64_t t_firstclose, t_back, t_allconn, t_alllist;
static long listbytes;

static void
send_all(int fd, const char *p, size_t n)
{
	while (n > 0) {
		ssize_t w = write(fd, p, n);

		if (w < 0 && (errno == EAGAIN || errno == EINTR))
			continue;
		if (w <= 0)
			return;		/* the read side notices */
		p += w;
		n -= (size_t)w;
	}
}

static void
ws_send_text(int fd, const char *text)
{
	unsigned char f[256];
	size_t n = strlen(text), i;

	f[0] = 0x81;
	f[1] = 0x80 | (unsigned char)n;	/* masked, short */
	memset(f + 2, 0, 4);		/* mask 0: payload as is */
	for (i = 0; i < n; i++)
		f[6 + i] = (unsigned char)text[i];
	send_all(fd, (char *)f, 6 + n);
}

static void
ws_open(struct c *c)
{
	struct epoll_event ev;

	c->len = 0;
	c->lastseq = 0;
	c->fd = bench_connect(host, wsport, 1);
	if (c->fd == -1) {
		c->st = DOWN;
		c->due = now_ns() + RETRY_MS * 1000000LL;
		return;
	}
	c->st = CONNECTING;
	ev.events = EPOLLIN | EPOLLOUT | EPOLLET;
	ev.data.ptr = c;
	epoll_ctl(ep, EPOLL_CTL_ADD, c->fd, &ev);
}

static void
ws_close(struct c *c, int64_t retry_ns)
{
	epoll_ctl(ep, EPOLL_CTL_DEL, c->fd, NULL);
	close(c->fd);
	c->fd = -1;
	c->st = DOWN;
	c->due = retry_ns;
}

static void
consume(char *buf, size_t *len, size_t n)
{
	memmove(buf, buf + n, *len - n);
	*len -= n;
}

static long
scan_times(const char *s, size_t len, int64_t t, int count_it)
{
	const char *p = s, *end = s + len, *c;
	long found = 0;

	/* one per event: a message.new carries its content twice */
	while ((c = wsc_next_content(&p, end)) != NULL) {
		int ph = c[3] == 'S' ? 0 : c[3] == 'Q' ? 1 : -1;

		if (ph >= 0 && count_it) {
			long long sent = strtoll(c + 4, NULL, 10);
			long i = nlat[ph]++;

			if (i < (long)nconn * count)
				lat[ph][i] = t - sent;
			if (debug && t - sent > 50000000)
				fprintf(stderr, "slow %c: sent %.3f s after start, "
				    "+%.1f ms\n", c[3], (sent - t_start) / 1e9,
				    (t - sent) / 1e6);
		}
		found++;
	}
	return found;
}

static bool
is_flapper(int user)
{
	return user >= 1 && user <= nflap;
}

/* c knows that user who is online. */
static void
know(struct c *c, int who, int64_t t)
{
	if (who == c->user || (c->seen[who / 8] & (1 << (who % 8))))
		return;
	c->seen[who / 8] |= (unsigned char)(1 << (who % 8));
	if (++c->nseen == nconn - 1 && !is_flapper(c->user)) {
		complete++;
		t_complete = t;
	}
}

static void
on_presence(struct c *c, const char *p, size_t n, int64_t t)
{
	const char *u = memmem(p, n, "\"user_id\":\"u", 12);
	bool online = memmem(p, n, "\"is_online\":true", 16) != NULL;
	int who;

	if (u == NULL)
		return;
	who = atoi(u + 12);
	if (who < 0 || who >= nconn)
		return;
	c->pres++;
	presframes++;
	t_lastpres = t;
	if (is_flapper(who)) {
		c->fn[who]++;
		c->flast[who] = online;
	}
	if (online)
		know(c, who, t);
}

/* A participants list: the states it says are online. */
static void
known_from_list(struct c *c, const char *p, size_t n, int64_t t)
{
	const char *end = p + n, *u, *o, *next;
	int who;

	while ((u = memmem(p, (size_t)(end - p), "\"user_id\":\"u", 12)) !=
	    NULL) {
		who = atoi(u + 12);
		next = memmem(u + 12, (size_t)(end - u - 12), "\"user_id\":", 10);
		o = memmem(u, (size_t)((next ? next : end) - u),
		    "\"is_online\":true", 16);
		if (o != NULL && who >= 0 && who < nconn)
			know(c, who, t);
		p = u + 12;
	}
}

static void
on_frame(struct c *c, const char *p, size_t n, int64_t t)
{
	const char *s = memmem(p, n, "\"seq\":", 6);

	if (s != NULL) {
		long long q = strtoll(s + 6, NULL, 10);

		if (q <= c->lastseq)
			seqbad++;
		c->lastseq = q;
	}
	if (memmem(p, n, "\"connected\"", 11) != NULL) {
		if (!c->greeted) {
			c->greeted = true;
			connected_first++;
			if (c->user >= nconn - nsubs) {
				char sub[128];

				snprintf(sub, sizeof(sub), "{\"type\":\"subscribe\","
				    "\"dialog_id\":\"%s\"}", dialog);
				ws_send_text(c->fd, sub);
			}
			if (load && !is_flapper(c->user))
				listq[nlistq++] = c->user;
		} else if (c->t_conn == 0 && t_firstclose != 0) {
			c->t_conn = t;
			nreconnected++;
			if (t_back == 0)
				t_back = t;
			listq[nlistq++] = c->user;
		}
		if (c->flaps > 0)
			c->due = t + FLAP_MS * 1000000LL;
	} else if (memmem(p, n, "\"presence.update\"", 17) != NULL)
		on_presence(c, p, n, t);
	else if (memmem(p, n, "\"message.new\"", 13) != NULL)
		scan_times(p, n, t, !is_flapper(c->user));
}

static void
on_ws(struct c *c, int64_t t)
{
	for (;;) {
		unsigned char *b = (unsigned char *)c->buf;
		size_t hl, pl;
		int op = wsframe_next(b, c->len, &hl, &pl);

		if (op < 0)
			return;
		if (op == 1)
			on_frame(c, (char *)b + hl, pl, t);
		consume(c->buf, &c->len, hl + pl);
	}
}

static void
grow(char **buf, size_t *cap, size_t len)
{
	if (*cap - len < 65536) {
		*cap = *cap ? *cap * 2 : 65536;
		*buf = realloc(*buf, *cap);
	}
}

/* Reads what c has; false when the connection ended. */
static bool
on_read(struct c *c)
{
	int64_t t = now_ns();
	ssize_t n;
	char *eoh;

	for (;;) {
		size_t room;

		grow(&c->buf, &c->cap, c->len);
		room = c->cap - c->len;
		n = read(c->fd, c->buf + c->len, room);
		if (n == 0 || (n < 0 && errno != EAGAIN && errno != EINTR))
			return false;
		if (n < 0)
			return true;
		c->len += (size_t)n;
		if (c->st == HANDSHAKE) {
			if ((eoh = memmem(c->buf, c->len, "\r\n\r\n", 4)) == NULL)
				continue;
			if (strncmp(c->buf, "HTTP/1.1 101", 12) != 0)
				return false;
			c->st = OPEN;
			consume(c->buf, &c->len, (size_t)(eoh - c->buf) + 4);
		}
		on_ws(c, t);
		if ((size_t)n < room)
			return true;
	}
}

static void
on_ws_event(struct c *c, uint32_t events)
{
	char req[512];
	int n;

	if (c->st == CONNECTING && (events & (EPOLLERR | EPOLLHUP))) {
		ws_close(c, now_ns() + RETRY_MS * 1000000LL);
		return;
	}
	if (c->st == CONNECTING && (events & EPOLLOUT)) {
		c->st = HANDSHAKE;
		n = snprintf(req, sizeof(req), "GET /api/v1/ws?user_id=u%d "
		    "HTTP/1.1\r\nHost: b\r\nUpgrade: websocket\r\n"
		    "Connection: Upgrade\r\nSec-WebSocket-Version: 13\r\n"
		    "Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n\r\n",
		    c->user);
		send_all(c->fd, req, (size_t)n);
	}
	if ((events & (EPOLLIN | EPOLLHUP | EPOLLERR)) && c->st >= HANDSHAKE &&
	    !on_read(c)) {
		int64_t t = now_ns();

		if (t_firstclose == 0 && reconnecting)
			t_firstclose = t;
		c->t_conn = 0;
		ws_close(c, t);		/* reconnect at once */
	}
}

/* Flappers' and retries' timers. */
static void
timers(void)
{
	int64_t t = now_ns();
	int i;

	for (i = 0; i < nconn; i++) {
		struct c *c = &cs[i];

		if (c->st == DOWN && c->due != 0 && c->due <= t) {
			c->due = 0;
			ws_open(c);
		} else if (c->st == OPEN && c->flaps > 0 && c->due != 0 &&
		    c->due <= t) {
			c->flaps--;
			ws_close(c, t + FLAP_MS * 1000000LL);
		}
	}
}

/*
 * --- REST on keep-alive connections: dialog lists (reconnect mode), the
 * dialog's participants (storm mode with LOAD) ---
 */

static void
rest_next(struct rc *r)
{
	char req[256];
	int n;

	if (listq_head >= nlistq) {
		r->user = -1;
		return;
	}
	r->user = listq[listq_head++];
	if (reconnecting)
		n = snprintf(req, sizeof(req), "GET /api/v1/dialogs?user_id=u%d "
		    "HTTP/1.1\r\nHost: r\r\n\r\n", r->user);
	else
		n = snprintf(req, sizeof(req), "GET /api/v1/dialogs/%s/"
		    "participants?user_id=u%d HTTP/1.1\r\nHost: r\r\n\r\n",
		    dialog, r->user);
	send_all(r->fd, req, (size_t)n);
}

static void
rest_read(struct rc *r)
{
	char *eoh, *cl;
	size_t hl, bl;
	ssize_t n;

	for (;;) {
		grow(&r->buf, &r->cap, r->len);
		n = read(r->fd, r->buf + r->len, r->cap - r->len);
		if (n == 0 || (n < 0 && errno != EAGAIN && errno != EINTR)) {
			fprintf(stderr, "REST connection lost: %s, user %d, %ld "
			    "lists, %zu bytes unparsed: %.200s\n",
			    n == 0 ? "closed" : strerror(errno), r->user,
			    nlisted, r->len, r->buf);
			exit(1);
		}
		if (n < 0)
			break;
		r->len += (size_t)n;
	}
	while ((eoh = memmem(r->buf, r->len, "\r\n\r\n", 4)) != NULL) {
		hl = (size_t)(eoh - r->buf) + 4;
		cl = memmem(r->buf, hl, "Content-Length:", 15);
		bl = cl ? strtoul(cl + 15, NULL, 10) : 0;
		if (r->len < hl + bl)
			return;
		if (strncmp(r->buf, "HTTP/1.1 200", 12) != 0) {
			fprintf(stderr, "list: %.60s\n", r->buf);
			exit(1);
		}
		if (r->user >= 0) {
			cs[r->user].t_list = now_ns();
			nlisted++;
			listbytes += (long)bl;
			if (!reconnecting)
				known_from_list(&cs[r->user], r->buf + hl, bl,
				    cs[r->user].t_list);
		}
		consume(r->buf, &r->len, hl + bl);
		rest_next(r);
	}
}

static void
rest_kick(void)
{
	int i;

	for (i = 0; i < REST_CONNS; i++)
		if (rcs[i].user < 0 && listq_head < nlistq)
			rest_next(&rcs[i]);
}

static void
rest_open(void)
{
	struct epoll_event ev;
	int i;

	for (i = 0; i < REST_CONNS; i++) {
		/* connected before it is used; then read until EAGAIN */
		rcs[i].fd = bench_connect(host, rport, 0);
		if (rcs[i].fd == -1 || fcntl(rcs[i].fd, F_SETFL, O_NONBLOCK)) {
			perror("REST connect");
			exit(1);
		}
		rcs[i].user = -1;
		ev.events = EPOLLIN | EPOLLET;
		ev.data.ptr = &rcs[i];
		epoll_ctl(ep, EPOLL_CTL_ADD, rcs[i].fd, &ev);
	}
}

static bool
is_rest(void *p)
{
	return p >= (void *)rcs && p < (void *)(rcs + REST_CONNS);
}

static void
loop_once(int ms)
{
	struct epoll_event evs[1024];
	int n = epoll_wait(ep, evs, 1024, ms), i;

	for (i = 0; i < n; i++) {
		if (is_rest(evs[i].data.ptr))
			rest_read(evs[i].data.ptr);
		else
			on_ws_event(evs[i].data.ptr, evs[i].events);
	}
	timers();
	if (nlistq > listq_head)
		rest_kick();
}

static void
loop_for(int64_t ns)
{
	int64_t end = now_ns() + ns;

	while (now_ns() < end)
		loop_once(10);
}

/* --- the REST sender (storm mode) --- */

static void *
sender(void *arg)
{
	char req[1024], body[128], resp[8192];
	int fd = bench_connect(host, rport, 0), i;
	int64_t t0 = now_ns() + 100000000;

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
		    "{\"content\":\"<p>%c%lld</p>\"}", phase_tag,
		    (long long)now_ns());
		n = snprintf(req, sizeof(req), "POST /api/v1/dialogs/%s/messages"
		    "?user_id=u0 HTTP/1.1\r\nHost: r\r\nContent-Type: "
		    "application/json\r\nContent-Length: %d\r\n\r\n%s",
		    dialog, bl, body);
		t = now_ns();
		send_all(fd, req, (size_t)n);
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
			if (strncmp(resp, "HTTP/1.1 200", 12) != 0) {
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
	close(fd);
	sending_done = 1;
	return NULL;
}

static int
cmp64(const void *a, const void *b)
{
	int64_t x = *(const int64_t *)a, y = *(const int64_t *)b;

	return x < y ? -1 : x > y;
}

static double
pct(int64_t *v, long n, int p)
{
	if (n == 0)
		return 0;
	return v[n * p / 100 < n ? n * p / 100 : n - 1] / 1e6;
}

/* One phase of messages; prints its line. */
static void
phase(int ph, const char *name)
{
	long expected = (long)(nconn - nflap) * count, n;
	int64_t t0 = now_ns(), deadline = 0;
	pthread_t th;

	phase_tag = ph == 0 ? 'S' : 'Q';
	sending_done = 0;
	pthread_create(&th, NULL, sender, NULL);
	while (nlat[ph] < expected) {
		loop_once(10);
		if (sending_done && deadline == 0)
			deadline = now_ns() + 10000000000LL;
		if ((deadline != 0 && now_ns() > deadline) ||
		    now_ns() - t0 > PHASE_MAX_S * 1000000000LL)
			break;
	}
	pthread_join(th, NULL);
	n = nlat[ph] < expected ? nlat[ph] : expected;
	qsort(lat[ph], (size_t)n, sizeof(int64_t), cmp64);
	qsort(rest, (size_t)count, sizeof(*rest), cmp64);
	printf("%s: deliveries %ld/%ld lost %ld  p50 %.2f ms  p99 %.2f ms  "
	    "max %.2f ms; REST send p50 %.2f ms p99 %.2f ms\n", name,
	    nlat[ph], expected, expected - nlat[ph], pct(lat[ph], n, 50),
	    pct(lat[ph], n, 99), n ? lat[ph][n - 1] / 1e6 : 0,
	    pct(rest, count, 50), pct(rest, count, 99));
	fflush(stdout);
}

/* Waits until presence is complete or quiet for QUIET_MS. */
static void
drain(void)
{
	int64_t t0 = now_ns();

	while (now_ns() - t0 < PHASE_MAX_S * 1000000000LL) {
		loop_once(10);
		if (complete == nconn - nflap)
			break;
		if (now_ns() - (t_lastpres ? t_lastpres : t0) >
		    QUIET_MS * 1000000LL)
			break;
	}
}

static void
report_presence(void)
{
	long fr = 0, wrong = 0, maxf = 0, pairs = 0;
	int i, f;

	printf("presence: %ld frames; %ld of %d members had every other "
	    "member's state", presframes, complete, nconn - nflap);
	if (load)
		printf(" pushed or in its participants list (%ld lists)",
		    nlisted);
	if (complete > 0)
		printf(" (the last at %.2f s)", (t_complete - t_start) / 1e9);
	printf("; last frame at %.2f s after the first connect; seq out of "
	    "order %ld\n", t_lastpres ? (t_lastpres - t_start) / 1e9 : 0.0,
	    seqbad);
	if (nflap == 0)
		return;
	for (i = 0; i < nconn; i++)
		for (f = 1; f <= nflap; f++) {
			struct c *c = &cs[i];

			if (is_flapper(i) || c->fn[f] == 0)
				continue;
			pairs++;
			fr += c->fn[f];
			if (c->fn[f] > maxf)
				maxf = c->fn[f];
			if (c->flast[f] != 1)
				wrong++;
		}
	printf("flappers: %d users, %d transitions each; per recipient "
	    "%.2f frames each (max %ld), %ld recipients with a wrong last "
	    "state, %ld never told\n", nflap, 2 * FLAP_CYCLES + 1,
	    pairs ? (double)fr / pairs : 0.0, maxf, wrong,
	    (long)(nconn - nflap) * nflap - pairs);
}

static void
setup(int n)
{
	struct rlimit rl;
	int i;

	getrlimit(RLIMIT_NOFILE, &rl);
	rl.rlim_cur = rl.rlim_max;
	setrlimit(RLIMIT_NOFILE, &rl);
	cs = calloc((size_t)n, sizeof(*cs));
	ep = epoll_create1(0);
	for (i = 0; i < n; i++) {
		cs[i].user = i;
		cs[i].fd = -1;
		cs[i].seen = calloc((size_t)n / 8 + 1, 1);
		if (nflap > 0) {
			cs[i].fn = calloc((size_t)nflap + 1, sizeof(short));
			cs[i].flast = malloc((size_t)nflap + 1);
			memset(cs[i].flast, -1, (size_t)nflap + 1);
		}
		cs[i].flaps = is_flapper(i) ? FLAP_CYCLES : 0;
	}
}

static int
storm(void)
{
	int i;

	for (i = 0; i < 2; i++)
		lat[i] = calloc((size_t)nconn * count + 1, sizeof(int64_t));
	rest = calloc((size_t)count + 1, sizeof(*rest));
	listq = calloc((size_t)nconn, sizeof(*listq));
	if (load)
		rest_open();
	t_start = now_ns();
	for (i = 0; i < nconn; i++)
		ws_open(&cs[i]);
	while (connected_first < nconn &&
	    now_ns() - t_start < PHASE_MAX_S * 1000000000LL)
		loop_once(10);
	printf("connected %ld/%d in %.2f s\n", connected_first, nconn,
	    (now_ns() - t_start) / 1e9);
	fflush(stdout);
	loop_for(delay_ms * 1000000LL);
	phase(0, "storm");
	drain();
	report_presence();
	loop_for(1000000000LL);
	phase(1, "quiet");
	return 0;
}

static int
cmp_list(const void *a, const void *b)
{
	const struct c *x = a, *y = b;

	return x->t_list < y->t_list ? -1 : x->t_list > y->t_list;
}

static int
reconnect(void)
{
	int64_t t0;
	int i;

	listq = calloc((size_t)nconn, sizeof(*listq));
	t0 = now_ns();
	for (i = 0; i < nconn; i++)
		ws_open(&cs[i]);
	while (connected_first < nconn &&
	    now_ns() - t0 < PHASE_MAX_S * 1000000000LL)
		loop_once(10);
	rest_open();
	printf("ready: %ld/%d connected in %.2f s\n", connected_first, nconn,
	    (now_ns() - t0) / 1e9);
	fflush(stdout);
	/* Wait for the restart, then for every client's list. */
	t0 = now_ns();
	while (nlisted < nconn && now_ns() - t0 < 3 * PHASE_MAX_S *
	    1000000000LL) {
		loop_once(10);
		if (nreconnected == nconn && t_allconn == 0)
			t_allconn = now_ns();
	}
	if (nlisted == nconn)
		t_alllist = now_ns();
	qsort(cs, (size_t)nconn, sizeof(*cs), cmp_list);
	printf("reconnect: first close at 0; bridge answering again %.2f s; "
	    "every client connected %.2f s; every client with its list "
	    "%.2f s (%ld/%d, %ld KiB each); per client p50 %.2f s p99 "
	    "%.2f s\n", (t_back - t_firstclose) / 1e9,
	    t_allconn ? (t_allconn - t_firstclose) / 1e9 : -1.0,
	    t_alllist ? (t_alllist - t_firstclose) / 1e9 : -1.0, nlisted,
	    nconn, nlisted ? listbytes / nlisted / 1024 : 0,
	    (cs[nconn / 2].t_list - t_firstclose) / 1e9,
	    (cs[nconn * 99 / 100].t_list - t_firstclose) / 1e9);
	fflush(stdout);
	return 0;
}

int
main(int argc, char **argv)
{
	debug = getenv("STORM_DEBUG") != NULL;
	if (argc >= 11 && strcmp(argv[1], "storm") == 0) {
		host = argv[2];
		wsport = atoi(argv[3]);
		nconn = atoi(argv[4]);
		rport = atoi(argv[5]);
		dialog = argv[6];
		rate = atoi(argv[7]);
		count = atoi(argv[8]);
		nflap = atoi(argv[9]);
		nsubs = atoi(argv[10]);
		if (argc >= 12)
			delay_ms = atoi(argv[11]);
		load = argc >= 13 && atoi(argv[12]) == 1;
		if (nflap >= nconn)
			nflap = nconn - 1;
		setup(nconn);
		return storm();
	}
	if (argc >= 6 && strcmp(argv[1], "reconnect") == 0) {
		host = argv[2];
		wsport = atoi(argv[3]);
		nconn = atoi(argv[4]);
		rport = atoi(argv[5]);
		reconnecting = true;
		setup(nconn);
		return reconnect();
	}
	fprintf(stderr, "usage: ws-storm storm HOST WSPORT N RPORT DIALOG RATE "
	    "COUNT FLAPPERS SUBS [MS [LOAD]]\n       ws-storm reconnect HOST WSPORT N "
	    "RPORT\n");
	return 2;
}
