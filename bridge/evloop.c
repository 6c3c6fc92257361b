/*
 * evloop.c — the bridge's libev event loop (epoll), handed to libwebsockets
 * as a foreign loop (its evlib-ev plugin). Kept apart from bridge.h, whose
 * event names (struct ev) clash with libev's.
 *
 * Timers of our own: libwebsockets 4.1's libev glue re-arms its one timer
 * with ev_timer_set() and ev_timer_start(), which do nothing to a timer
 * that is running, so a sul scheduled from an I/O callback sooner than the
 * one armed waited for it (the 1 s tail timer: a presence flush due 2 ms
 * after a connect came 0.5 to 0.6 s late).
 *
 * Descriptors of our own: lws closes what it adopts, libpq wants to close
 * its socket itself.
 */
#include <ev.h>

#include "evloop.h"
#include "mem.h"

struct evloop_timer {
	ev_timer	 w;		/* first: the callback gets it */
	struct ev_loop	*loop;
	void		(*cb)(void *);
	void		*arg;
};

struct evloop_io {
	ev_io		 w;		/* first: the callback gets it */
	struct ev_loop	*loop;
	void		(*cb)(void *);
	void		*arg;
};

struct ev_loop *
evloop_new(void)
{
	return ev_loop_new(EVBACKEND_EPOLL | EVFLAG_NOENV);
}

void
evloop_run_once(struct ev_loop *loop)
{
	ev_run(loop, EVRUN_ONCE);
}

void
evloop_free(struct ev_loop *loop)
{
	if (loop != NULL)
		ev_loop_destroy(loop);
}

static void
timer_cb(struct ev_loop *loop, ev_timer *w, int revents)
{
	struct evloop_timer *t = (struct evloop_timer *)w;

	(void)loop;
	(void)revents;
	t->cb(t->arg);
}

struct evloop_timer *
evloop_timer_new(struct ev_loop *loop, void (*cb)(void *), void *arg)
{
	struct evloop_timer *t = mt_calloc(1, sizeof(*t));

	if (t == NULL)
		return NULL;
	ev_timer_init(&t->w, timer_cb, 0., 0.);
	t->loop = loop;
	t->cb = cb;
	t->arg = arg;
	return t;
}

void
evloop_timer_at(struct evloop_timer *t, int64_t us)
{
	ev_timer_stop(t->loop, &t->w);
	ev_now_update(t->loop);		/* the loop's time is its last wake-up */
	ev_timer_set(&t->w, (ev_tstamp)us / 1e6, 0.);
	ev_timer_start(t->loop, &t->w);
}

void
evloop_timer_free(struct evloop_timer *t)
{
	if (t == NULL)
		return;
	ev_timer_stop(t->loop, &t->w);
	mt_free(t);
}

static void
io_cb(struct ev_loop *loop, ev_io *w, int revents)
{
	struct evloop_io *io = (struct evloop_io *)w;

	(void)loop;
	(void)revents;
	io->cb(io->arg);
}

struct evloop_io *
evloop_io_new(struct ev_loop *loop, int fd, void (*cb)(void *), void *arg)
{
	struct evloop_io *io = mt_calloc(1, sizeof(*io));

	if (io == NULL)
		return NULL;
	ev_io_init(&io->w, io_cb, fd, EV_READ);
	io->loop = loop;
	io->cb = cb;
	io->arg = arg;
	ev_io_start(loop, &io->w);
	return io;
}

void
evloop_io_free(struct evloop_io *io)
{
	if (io == NULL)
		return;
	ev_io_stop(io->loop, &io->w);
	mt_free(io);
}
