/*
 * ws-soak.c — the client side of the soak (bench/soak.sh, issue 17): N
 * WebSockets to mtchat-bridge in one epoll loop, users u0 .. u(N-1), user
 * i in dialog i / G (the script made the dialogs, G users each); a sender
 * thread posts messages through the REST API (lighttpd + mtchat.fcgi) at
 * RATE per second, round robin over the dialogs, each numbered per dialog
 * ("<p>S<dialog>:<k></p>"). Every client checks what reaches it: only its
 * dialog's messages (else misdelivered), each number once and in order
 * (else a gap or a duplicate), seq strictly increasing over all its
 * events. After SECS seconds the sender stops, the clients get DRAIN
 * seconds to receive the rest, and one line of figures is printed; the
 * exit status is 1 if anything was lost, duplicated, misdelivered or out
 * of order. Not part of make check.
 *
 *   ws-soak HOST BPORT RPORT N G IDS_FILE RATE SECS [DRAIN]
 */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <pthread.h>
#include <signal.h>
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

struct client {
	int		 fd, user, dialog;
	int		 open;		/* handshake done */
	char		*buf;
	size_t		 len, cap;
	long		 next;		/* the number expected next */
	long long	 last_seq;
	long		 got, gaps, dups, wrong, disorder;
};

static const char *host;
static int bport, rport, nconn, group, ndialogs, rate, secs, drain = 60;
static char **ids;			/* dialog ids */
static long *sent;			/* per dialog: numbers sent, 1-based */
static struct client *cs;
static volatile int sending = 1;
static long send_fail;

static int64_t
now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static int
tcp_connect(int port)
{
	int fd = bench_connect(host, port, 0);

	if (fd == -1) {
		perror("connect");
		exit(2);
	}
	return fd;
}

#define send_all(fd, p, n)	wsc_send_all((fd), (p), (n), 2)

/*
 * One POST on the keep-alive connection *fd (made when -1); its status,
 * or -1 when the connection broke before an answer. A connection the
 * server closes (keep-alive limit) is dropped after its answer.
 */
static int
post_once(int *fd, const char *req, size_t n)
{
	char resp[8192];
	size_t got = 0, need = 0;
	int status = -1;
	char *eoh, *cl;

	if (*fd < 0)
		*fd = tcp_connect(rport);
	if (write(*fd, req, n) != (ssize_t)n)
		goto broken;
	for (;;) {
		ssize_t r = read(*fd, resp + got, sizeof(resp) - 1 - got);

		if (r <= 0)
			goto broken;
		got += (size_t)r;
		resp[got] = '\0';
		if ((eoh = strstr(resp, "\r\n\r\n")) == NULL)
			continue;
		if (need == 0) {
			cl = strcasestr(resp, "Content-Length:");
			need = (size_t)(eoh - resp) + 4 +
			    (cl ? strtoul(cl + 15, NULL, 10) : 0);
			sscanf(resp, "HTTP/1.1 %d", &status);
		}
		if (got >= need)
			break;
	}
	if (strcasestr(resp, "Connection: close") != NULL) {
		close(*fd);
		*fd = -1;
	}
	return status;
broken:
	close(*fd);
	*fd = -1;
	return -1;
}

/* A POST, again on a new connection if a kept one had been closed. */
static int
post(int *fd, const char *path, const char *body)
{
	char req[1024];
	int n, st;

	n = snprintf(req, sizeof(req), "POST %s HTTP/1.1\r\nHost: r\r\n"
	    "Content-Type: application/json\r\nContent-Length: %zu\r\n\r\n%s",
	    path, strlen(body), body);
	if ((st = post_once(fd, req, (size_t)n)) == -1)
		st = post_once(fd, req, (size_t)n);
	if (st != 200 && send_fail < 5)
		fprintf(stderr, "ws-soak: a send answered %d\n", st);
	return st;
}

/* Posts message k+1 of each dialog in turn at `rate` per second. */
static void *
sender(void *arg)
{
	char path[256], body[128];
	int64_t start = now_ms(), n = 0;
	int fd = -1, d = 0;

	(void)arg;
	while (sending) {
		int64_t due = start + n * 1000 / rate;
		int u = d * group;	/* the dialog's first member sends */
		int st;

		while (now_ms() < due && sending)
			usleep(1000);
		if (!sending)
			break;
		snprintf(path, sizeof(path), "/api/v1/dialogs/%s/messages"
		    "?user_id=u%d", ids[d], u);
		snprintf(body, sizeof(body), "{\"content\":\"<p>S%d:%ld</p>\"}",
		    d, sent[d] + 1);
		if ((st = post(&fd, path, body)) == 200)
			__atomic_add_fetch(&sent[d], 1, __ATOMIC_RELEASE);
		else
			send_fail++;
		d = (d + 1) % ndialogs;
		n++;
	}
	if (fd >= 0)
		close(fd);
	return NULL;
}

static void
consume(struct client *c, size_t n)
{
	memmove(c->buf, c->buf + n, c->len - n);
	c->len -= n;
}

/* One text frame's JSON: checks seq and, for a message, its number. */
static void
on_event(struct client *c, const char *p, size_t len)
{
	const char *s, *m;
	long long seq;
	int d;
	long k;

	if ((s = memmem(p, len, "\"seq\":", 6)) != NULL) {
		seq = strtoll(s + 6, NULL, 10);
		if (seq <= c->last_seq)
			c->disorder++;
		c->last_seq = seq;
	}
	if (memmem(p, len, "\"type\":\"message.new\"", 20) == NULL ||
	    (m = memmem(p, len, "<p>S", 4)) == NULL ||
	    sscanf(m + 4, "%d:%ld", &d, &k) != 2)
		return;
	if (d != c->dialog) {
		c->wrong++;
		return;
	}
	c->got++;
	if (k < c->next)
		c->dups++;
	else if (k > c->next)
		c->gaps += k - c->next;
	if (k >= c->next)
		c->next = k + 1;
}

static void
on_frames(struct client *c)
{
	for (;;) {
		unsigned char *b = (unsigned char *)c->buf;
		size_t hl, pl;
		int op = wsframe_next(b, c->len, &hl, &pl);

		if (op < 0)
			return;
		if (op == 1)
			on_event(c, (char *)b + hl, pl);
		else if (op == 8) {
			fprintf(stderr, "u%d: closed by the bridge\n", c->user);
			c->wrong += 1000000;	/* counted as a failure */
		}
		consume(c, hl + pl);
	}
}

static void
on_readable(struct client *c)
{
	char *eoh;

	for (;;) {
		ssize_t n;

		if (c->cap - c->len < 65536) {
			c->cap = c->cap ? c->cap * 2 : 131072;
			if ((c->buf = realloc(c->buf, c->cap)) == NULL)
				exit(2);
		}
		n = read(c->fd, c->buf + c->len, c->cap - c->len);
		if (n < 0 && errno == EAGAIN)
			break;
		if (n <= 0) {
			fprintf(stderr, "u%d: connection lost\n", c->user);
			exit(1);
		}
		c->len += (size_t)n;
	}
	if (!c->open) {
		if ((eoh = memmem(c->buf, c->len, "\r\n\r\n", 4)) == NULL)
			return;
		if (strncmp(c->buf, "HTTP/1.1 101", 12) != 0) {
			fprintf(stderr, "u%d: %.40s\n", c->user, c->buf);
			exit(2);
		}
		c->open = 1;
		consume(c, (size_t)(eoh - c->buf) + 4);
	}
	on_frames(c);
}

static char **
read_ids(const char *path, int *n)
{
	FILE *fp = fopen(path, "r");
	char line[128], **v = NULL;
	int cap = 0;

	*n = 0;
	if (fp == NULL)
		return NULL;
	while (fgets(line, sizeof(line), fp) != NULL) {
		line[strcspn(line, "\n")] = '\0';
		if (*n == cap && (v = realloc(v, (size_t)(cap = cap * 2 + 64) *
		    sizeof(*v))) == NULL)
			exit(2);
		v[(*n)++] = strdup(line);
	}
	fclose(fp);
	return v;
}

static void
connect_all(int ep)
{
	char req[256];
	int i, n;

	for (i = 0; i < nconn; i++) {
		struct client *c = &cs[i];
		struct epoll_event ev = { .events = EPOLLIN, .data.ptr = c };

		c->user = i;
		c->dialog = i / group;
		c->next = 1;
		c->fd = tcp_connect(bport);
		n = snprintf(req, sizeof(req), "GET /api/v1/ws?user_id=u%d "
		    "HTTP/1.1\r\nHost: b\r\nUpgrade: websocket\r\n"
		    "Connection: Upgrade\r\nSec-WebSocket-Version: 13\r\n"
		    "Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n\r\n", i);
		send_all(c->fd, req, (size_t)n);
		fcntl(c->fd, F_SETFL, fcntl(c->fd, F_GETFL) | O_NONBLOCK);
		epoll_ctl(ep, EPOLL_CTL_ADD, c->fd, &ev);
	}
}

/* Reads whatever arrives for up to ms milliseconds. */
static void
pump(int ep, int64_t ms)
{
	struct epoll_event evs[256];
	int64_t end = now_ms() + ms;
	int n, i;

	while (now_ms() < end) {
		n = epoll_wait(ep, evs, 256, 100);
		for (i = 0; i < n; i++)
			on_readable(evs[i].data.ptr);
	}
}

/* Whether every client has every message of its dialog sent so far. */
static long
missing(void)
{
	long left = 0;
	int i;

	for (i = 0; i < nconn; i++) {
		long want = __atomic_load_n(&sent[cs[i].dialog],
		    __ATOMIC_ACQUIRE);

		if (cs[i].next - 1 < want)
			left += want - (cs[i].next - 1);
	}
	return left;
}

static int
nopen(void)
{
	int n = 0;

	for (int i = 0; i < nconn; i++)
		n += cs[i].open;
	return n;
}

int
main(int argc, char **argv)
{
	struct rlimit rl;
	pthread_t tid;
	long total = 0, got = 0, gaps = 0, dups = 0, wrong = 0, disorder = 0;
	int64_t t0;
	int ep, i, minute;

	if (argc < 9) {
		fprintf(stderr, "usage: ws-soak HOST BPORT RPORT N G IDS_FILE "
		    "RATE SECS [DRAIN]\n");
		return 2;
	}
	host = argv[1];
	bport = atoi(argv[2]);
	rport = atoi(argv[3]);
	nconn = atoi(argv[4]);
	group = atoi(argv[5]);
	rate = atoi(argv[7]);
	secs = atoi(argv[8]);
	if (argc > 9)
		drain = atoi(argv[9]);
	if ((ids = read_ids(argv[6], &ndialogs)) == NULL ||
	    ndialogs < (nconn + group - 1) / group) {
		fprintf(stderr, "ws-soak: %s: too few dialog ids\n", argv[6]);
		return 2;
	}
	ndialogs = (nconn + group - 1) / group;
	if (getrlimit(RLIMIT_NOFILE, &rl) == 0) {
		rl.rlim_cur = rl.rlim_max;
		setrlimit(RLIMIT_NOFILE, &rl);
	}
	cs = calloc((size_t)nconn, sizeof(*cs));
	sent = calloc((size_t)ndialogs, sizeof(*sent));
	if ((ep = epoll_create1(0)) == -1 || cs == NULL || sent == NULL)
		return 2;
	signal(SIGPIPE, SIG_IGN);
	t0 = now_ms();
	connect_all(ep);
	while (nopen() < nconn && now_ms() - t0 < 120000)
		pump(ep, 200);
	fprintf(stderr, "ws-soak: %d of %d WebSockets open in %.1f s\n",
	    nopen(), nconn, (double)(now_ms() - t0) / 1000);
	if (nopen() < nconn)	/* the others would count as lost */
		return 2;
	pthread_create(&tid, NULL, sender, NULL);
	t0 = now_ms();
	for (minute = 1; now_ms() - t0 < (int64_t)secs * 1000; ) {
		pump(ep, 1000);
		if (now_ms() - t0 >= (int64_t)minute * 60000) {
			for (total = 0, i = 0; i < ndialogs; i++)
				total += sent[i];
			fprintf(stderr, "ws-soak: %d min: %ld sent, %ld not yet "
			    "received\n", minute++, total, missing());
		}
	}
	sending = 0;
	pthread_join(tid, NULL);
	t0 = now_ms();
	while (missing() > 0 && now_ms() - t0 < (int64_t)drain * 1000)
		pump(ep, 200);
	for (total = 0, i = 0; i < ndialogs; i++)
		total += sent[i];
	for (i = 0; i < nconn; i++) {
		got += cs[i].got;
		gaps += cs[i].gaps;
		dups += cs[i].dups;
		wrong += cs[i].wrong;
		disorder += cs[i].disorder;
	}
	printf("sent %ld messages (%ld failed sends), %ld deliveries expected, "
	    "%ld received; lost %ld (gaps %ld), duplicated %ld, misdelivered "
	    "%ld, seq out of order %ld\n", total, send_fail, total * group, got,
	    missing(), gaps, dups, wrong, disorder);
	return missing() == 0 && gaps == 0 && dups == 0 && wrong == 0 &&
	    disorder == 0 ? 0 : 1;
}
