/*
 * accept.c — the bridge's front door. It owns the listening sockets and
 * looks at each new connection's request header (MSG_PEEK: nothing is
 * consumed) before libwebsockets is given the socket:
 *
 *   - bounded in size (BRIDGE_MAX_HEADER: 431) and in time
 *     (BRIDGE_HANDSHAKE_SECS: 408, oldest first, from one FIFO list since
 *     every connection gets the same time), so a client that connects and
 *     sends nothing, or half a header, holds a descriptor and a few bytes
 *     and nothing of libwebsockets';
 *   - the raw query string of the request line is kept (raw_query[] by
 *     descriptor): libwebsockets' own decoding turns '+' into a space,
 *     splits on ';' and stops at a few dozen arguments, while the bridge
 *     must read queries with the same lib/ rules as mtchat.fcgi
 *     (lib/reqargs.c).
 *
 * A connection is watched (a raw descriptor of libwebsockets) until data
 * arrives; a header that is still incomplete then waits off the event
 * loop (level-triggered readiness would report the unread bytes for
 * ever) and is looked at again every PRE_TICK_US. Most clients send their
 * header in one segment and are handed over at their first event. The
 * bridge answers one request per connection (http_reply() says
 * Connection: close), so every request comes through here.
 *
 * Handing libwebsockets the bytes read (lws_adopt_socket_vhost_readbuf())
 * left them in its buffer list as well: a held poll then spun the loop.
 */
#define _GNU_SOURCE		/* accept4 */
#include <errno.h>
#include <fcntl.h>
#include <netdb.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include "bridge.h"
#include "cfg.h"
#include "err.h"
#include "log.h"
#include "mem.h"
#include "proto.h"
#include "tm.h"

#define ACCEPT_BURST	256		/* accepts per readable listener */
#define PRE_TICK_US	(100 * 1000)	/* incomplete headers, expiry */

/* A connection whose request header has not all arrived. */
struct pre {
	struct bridge	*b;
	struct lws	*wsi;		/* raw wsi watching fd, or NULL */
	int		 fd;		/* -1 once handed over or closed */
	int64_t		 deadline;	/* microseconds */
	struct pre	*prev, *next;	/* b->pre list, oldest first */
};

/* The answers given here. */
enum { CANNED_400 = 1, CANNED_408, CANNED_431, CANNED_503 };

static const char *const canned[] = {
	[CANNED_400] = "HTTP/1.1 400 Bad Request\r\nContent-Type: text/plain"
	    "\r\nContent-Length: 11\r\nConnection: close\r\n\r\nBad Request",
	[CANNED_408] = "HTTP/1.1 408 Request Timeout\r\nContent-Type: "
	    "text/plain\r\nContent-Length: 15\r\nConnection: close\r\n\r\n"
	    "Request Timeout",
	[CANNED_431] = "HTTP/1.1 431 Request Header Fields Too Large\r\n"
	    "Content-Type: text/plain\r\nContent-Length: 31\r\nConnection: "
	    "close\r\n\r\nRequest Header Fields Too Large",
	[CANNED_503] = "HTTP/1.1 503 Service Unavailable\r\nContent-Type: "
	    "text/plain\r\nContent-Length: 20\r\nConnection: close\r\n\r\n"
	    "Too many connections",
};

/* Best effort: the socket is about to be closed either way. */
static void
say_canned(int fd, int which)
{
	const char *s = canned[which];
	ssize_t n = send(fd, s, strlen(s), MSG_NOSIGNAL);

	(void)n;
}

/* --- the raw query of each connection's request, by descriptor --- */

static char	**raw_query;	/* [fd]: mt_malloc'd, or NULL */
static int	  nraw;

/* Keeps q (taken) as fd's query, replacing what a former fd left. */
static int
raw_set(int fd, char *q)
{
	if (fd >= nraw) {
		int n = fd + 1 > 2 * nraw ? fd + 1 : 2 * nraw;
		char **a = mt_realloc(raw_query, (size_t)n * sizeof(*a));

		if (a == NULL) {
			mt_free(q);
			return -1;
		}
		memset(a + nraw, 0, (size_t)(n - nraw) * sizeof(*a));
		raw_query = a;
		nraw = n;
	}
	mt_free(raw_query[fd]);
	raw_query[fd] = q;
	return 0;
}

char *
ident_query(struct lws *wsi)
{
	int fd = lws_get_socket_fd(wsi);

	if (fd < 0 || fd >= nraw || raw_query[fd] == NULL)
		return NULL;
	return mt_strdup(raw_query[fd]);
}

/* --- connections being looked at, oldest first --- */

static void
pre_unlink(struct bridge *b, struct pre *p)
{
	if (p->prev != NULL)
		p->prev->next = p->next;
	else
		b->pre_head = p->next;
	if (p->next != NULL)
		p->next->prev = p->prev;
	else
		b->pre_tail = p->prev;
	p->prev = p->next = NULL;
	b->npre--;
}

/* Ends p: its descriptor is closed (or libwebsockets' now). */
static void
pre_end(struct bridge *b, struct pre *p)
{
	pre_unlink(b, p);
	if (p->wsi != NULL) {		/* closes p->fd, frees nothing */
		lws_set_opaque_user_data(p->wsi, NULL);
		lws_set_timeout(p->wsi, PENDING_TIMEOUT_USER_OK,
		    LWS_TO_KILL_SYNC);
	} else if (p->fd != -1)
		close(p->fd);
	mt_free(p);
}

enum peek { PEEK_WAIT, PEEK_DONE, PEEK_CLOSE };

/* Whether the client has closed its side (bytes may still be unread). */
static bool
peer_closed(int fd)
{
	struct pollfd pfd = { .fd = fd, .events = POLLRDHUP };

	return poll(&pfd, 1, 0) == 1 && (pfd.revents & (POLLRDHUP | POLLHUP |
	    POLLERR));
}

/*
 * Looks at what fd received so far: PEEK_DONE once libwebsockets has the
 * socket (fd is its now), PEEK_CLOSE when it must be closed (answered if
 * it deserves an answer), PEEK_WAIT for more.
 */
static enum peek
peek(struct bridge *b, int fd)
{
	size_t max = (size_t)b->cfg->bridge_max_header;
	char buf[65536 + 1], *q;
	size_t hend;
	ssize_t n;
	int rc;

	n = recv(fd, buf, max + 1 < sizeof(buf) ? max + 1 : sizeof(buf),
	    MSG_PEEK | MSG_DONTWAIT);
	if (n == 0 || (n < 0 && errno != EAGAIN && errno != EINTR))
		return PEEK_CLOSE;
	if (n < 0)
		return PEEK_WAIT;
	if ((hend = proto_header_end(buf, (size_t)n)) == 0) {
		if ((size_t)n < max)
			return peer_closed(fd) ? PEEK_CLOSE : PEEK_WAIT;
		say_canned(fd, CANNED_431);
		return PEEK_CLOSE;
	}
	if ((rc = proto_reqline(buf, hend, &q)) != 0) {
		say_canned(fd, rc == MT_ENOMEM ? CANNED_503 :
		    rc == PROTO_TOO_MANY ? CANNED_431 : CANNED_400);
		return PEEK_CLOSE;
	}
	if (raw_set(fd, q) != 0) {
		say_canned(fd, CANNED_503);
		return PEEK_CLOSE;
	}
	if (lws_adopt_socket_vhost(b->vh, fd) == NULL)
		log_warnx("libwebsockets did not take a connection");
	return PEEK_DONE;	/* taken, or closed by libwebsockets */
}

/*
 * Every PRE_TICK_US while connections are looked at: those whose header
 * is incomplete are looked at again, and the expired ones get a 408.
 */
static void
pre_tick(lws_sorted_usec_list_t *sul)
{
	struct bridge *b = lws_container_of(sul, struct bridge, sul_pre);
	int64_t now = tm_now_us();
	struct pre *p, *next;

	for (p = b->pre_head; p != NULL; p = next) {
		next = p->next;
		if (p->deadline <= now) {
			say_canned(p->fd, CANNED_408);
			log_debug("handshake timeout: closing fd %d", p->fd);
			pre_end(b, p);
			continue;
		}
		if (p->wsi != NULL)	/* waiting for its first bytes */
			continue;
		switch (peek(b, p->fd)) {
		case PEEK_DONE:
			p->fd = -1;
			/* FALLTHROUGH */
		case PEEK_CLOSE:
			pre_end(b, p);
			break;
		case PEEK_WAIT:
			break;
		}
	}
	if (b->npre > 0)
		lws_sul_schedule(b->ctx, 0, &b->sul_pre, pre_tick, PRE_TICK_US);
}

static void
pre_append(struct bridge *b, struct pre *p)
{
	p->deadline = tm_now_us() +
	    (int64_t)b->cfg->bridge_handshake * 1000000;
	p->prev = b->pre_tail;
	p->next = NULL;
	if (b->pre_tail != NULL)
		b->pre_tail->next = p;
	else
		b->pre_head = p;
	b->pre_tail = p;
	if (b->npre++ == 0)
		lws_sul_schedule(b->ctx, 0, &b->sul_pre, pre_tick, PRE_TICK_US);
}

/*
 * The first bytes arrived on a watched connection. The raw wsi closes
 * its descriptor when it goes, so the rest is done on a duplicate:
 * complete, it is handed over; incomplete, it waits off the event loop
 * and pre_tick() looks at it again.
 */
static int
pre_readable(struct pre *p)
{
	struct bridge *b = p->b;
	int fd = fcntl(p->fd, F_DUPFD_CLOEXEC, 0);

	p->wsi = NULL;
	p->fd = fd;
	if (fd == -1)
		log_warn("dup");
	else
		switch (peek(b, fd)) {
		case PEEK_WAIT:
			return -1;	/* p stays, on the list */
		case PEEK_DONE:
			p->fd = -1;	/* libwebsockets' now */
			break;
		case PEEK_CLOSE:
			break;
		}
	pre_end(b, p);
	return -1;
}

int
accept_pre_callback(struct lws *wsi, enum lws_callback_reasons reason,
    void *user, void *in, size_t len)
{
	struct pre *p = lws_get_opaque_user_data(wsi);

	(void)user;
	(void)in;
	(void)len;
	if (p == NULL)
		return reason == LWS_CALLBACK_RAW_RX_FILE ? -1 : 0;
	switch (reason) {
	case LWS_CALLBACK_RAW_RX_FILE:
		lws_set_opaque_user_data(wsi, NULL);
		return pre_readable(p);
	case LWS_CALLBACK_RAW_CLOSE_FILE:	/* closed by libwebsockets */
		lws_set_opaque_user_data(wsi, NULL);
		pre_unlink(p->b, p);
		mt_free(p);
		return 0;
	default:
		return 0;
	}
}

/* --- the listening sockets --- */

static void
accept_one(struct bridge *b, int fd)
{
	lws_sock_file_fd_type d;
	struct pre *p;

	if (b->stopping || b->nconns + b->npre >= b->cfg->bridge_max_conns) {
		say_canned(fd, CANNED_503);
		close(fd);
		return;
	}
	switch (peek(b, fd)) {	/* usually all there (TCP_DEFER_ACCEPT) */
	case PEEK_DONE:
		return;
	case PEEK_CLOSE:
		close(fd);
		return;
	case PEEK_WAIT:
		break;
	}
	if ((p = mt_calloc(1, sizeof(*p))) == NULL) {
		close(fd);
		return;
	}
	p->b = b;
	p->fd = fd;
	d.filefd = fd;
	if ((p->wsi = lws_adopt_descriptor_vhost(b->vh,
	    LWS_ADOPT_RAW_FILE_DESC, d, "mtchat-pre", NULL)) == NULL) {
		if (fcntl(fd, F_GETFD) != -1)
			close(fd);
		mt_free(p);
		return;
	}
	lws_set_opaque_user_data(p->wsi, p);
	pre_append(b, p);
}

/*
 * Out of descriptors: the pending connection is taken with the spare
 * descriptor kept for this and closed at once, so the listener does not
 * stay readable and spin the loop (slowcgi's accept_reserve() pauses
 * instead; this is the same bound without a timer).
 */
static void
shed_one(struct bridge *b, int lfd)
{
	int fd;

	if (b->spare_fd != -1) {
		close(b->spare_fd);
		b->spare_fd = -1;
	}
	if ((fd = accept(lfd, NULL, NULL)) != -1)
		close(fd);
	b->spare_fd = open("/dev/null", O_RDONLY | O_CLOEXEC);
	log_warnx("out of descriptors: a connection was refused");
}

int
accept_listen_callback(struct lws *wsi, enum lws_callback_reasons reason,
    void *user, void *in, size_t len)
{
	struct bridge *b = bridge_of(wsi);
	int lfd = lws_get_socket_fd(wsi), fd, i;

	(void)user;
	(void)in;
	(void)len;
	if (reason != LWS_CALLBACK_RAW_RX_FILE)
		return 0;
	for (i = 0; i < ACCEPT_BURST; i++) {
		fd = accept4(lfd, NULL, NULL, SOCK_NONBLOCK | SOCK_CLOEXEC);
		if (fd != -1) {
			accept_one(b, fd);
			continue;
		}
		if (errno == EINTR || errno == ECONNABORTED)
			continue;
		if (errno == EMFILE || errno == ENFILE)
			shed_one(b, lfd);
		else if (errno != EAGAIN)
			log_warn("accept");
		break;
	}
	return 0;
}

/* A listening TCP socket on host:port; -1 with a logged reason. */
static int
listen_tcp(const char *host, long port, int defer)
{
	struct addrinfo hints, *res = NULL;
	char serv[16];
	int fd = -1, one = 1, rc;

	memset(&hints, 0, sizeof(hints));
	hints.ai_family = AF_UNSPEC;
	hints.ai_socktype = SOCK_STREAM;
	hints.ai_flags = AI_PASSIVE;
	snprintf(serv, sizeof(serv), "%ld", port);
	if ((rc = getaddrinfo(host, serv, &hints, &res)) != 0) {
		log_warnx("listen %s: %s", host, gai_strerror(rc));
		return -1;
	}
	fd = socket(res->ai_family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC,
	    0);
	if (fd == -1 ||
	    setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one)) ||
	    setsockopt(fd, IPPROTO_TCP, TCP_DEFER_ACCEPT, &defer,
	    sizeof(defer)) ||
	    setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one)) ||
	    bind(fd, res->ai_addr, res->ai_addrlen) ||
	    listen(fd, SOMAXCONN) == -1) {
		rc = errno;
		log_warn("listen %s:%ld", host, port);
		if (fd != -1)
			close(fd);
		fd = -1;
		errno = rc;
	}
	freeaddrinfo(res);
	return fd;
}

/* Whether a server answers on the Unix socket path. */
static bool
unix_in_use(const struct sockaddr_un *sun)
{
	int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	bool used;

	if (fd == -1)
		return false;
	used = connect(fd, (const struct sockaddr *)sun, sizeof(*sun)) == 0;
	close(fd);
	return used;
}

/* A listening Unix socket at path, replacing a stale one; -1 if none. */
static int
listen_unix(const char *path)
{
	struct sockaddr_un sun;
	struct stat sb;
	int fd;

	memset(&sun, 0, sizeof(sun));
	sun.sun_family = AF_UNIX;
	if (strlen(path) >= sizeof(sun.sun_path)) {
		log_warnx("listen %s: path too long", path);
		return -1;
	}
	memcpy(sun.sun_path, path, strlen(path));
	if (lstat(path, &sb) == 0 && S_ISSOCK(sb.st_mode)) {
		if (unix_in_use(&sun)) {
			log_warnx("listen %s: in use", path);
			errno = EADDRINUSE;
			return -1;
		}
		unlink(path);
	}
	fd = socket(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (fd == -1 || bind(fd, (struct sockaddr *)&sun, sizeof(sun)) ||
	    listen(fd, SOMAXCONN) == -1) {
		int e = errno;

		log_warn("listen %s", path);
		if (fd != -1)
			close(fd);
		errno = e;
		return -1;
	}
	return fd;
}

int
accept_open(struct bridge *b, bool *in_use)
{
	const struct cfg *c = b->cfg;
	int fd;

	*in_use = false;
	b->spare_fd = open("/dev/null", O_RDONLY | O_CLOEXEC);
	if (c->bridge_listen != NULL && *c->bridge_listen != '\0') {
		/* accept() once the request has arrived, mostly */
		if ((fd = listen_tcp(c->bridge_listen, c->bridge_port,
		    (int)c->bridge_handshake)) == -1) {
			*in_use = errno == EADDRINUSE;
			return -1;
		}
		b->lfd[b->nlfd++] = fd;
	}
	if (c->bridge_unix_listen != NULL && *c->bridge_unix_listen != '\0') {
		if ((fd = listen_unix(c->bridge_unix_listen)) == -1) {
			*in_use = errno == EADDRINUSE;
			return -1;
		}
		b->lfd[b->nlfd++] = fd;
		b->unix_bound = true;
	}
	return 0;
}

int
accept_watch(struct bridge *b)
{
	lws_sock_file_fd_type d;
	int i;

	for (i = 0; i < b->nlfd; i++) {
		d.filefd = b->lfd[i];
		if (lws_adopt_descriptor_vhost(b->vh, LWS_ADOPT_RAW_FILE_DESC, d,
		    "mtchat-listen", NULL) == NULL) {
			log_warnx("cannot watch a listening socket");
			return -1;
		}
		b->lfd[i] = -1;		/* libwebsockets closes it now */
	}
	return 0;
}

void
accept_fini(struct bridge *b)
{
	int i;

	/* Left: those waiting off the loop (the raw wsis went with the
	 * context, and their pre with them). */
	while (b->pre_head != NULL) {
		b->pre_head->wsi = NULL;
		pre_end(b, b->pre_head);
	}
	for (i = 0; i < b->nlfd; i++)
		if (b->lfd[i] != -1)
			close(b->lfd[i]);
	b->nlfd = 0;
	if (b->spare_fd != -1)
		close(b->spare_fd);
	b->spare_fd = -1;
	if (b->unix_bound)
		unlink(b->cfg->bridge_unix_listen);
	b->unix_bound = false;
	for (i = 0; i < nraw; i++)
		mt_free(raw_query[i]);
	mt_free(raw_query);
	raw_query = NULL;
	nraw = 0;
}
