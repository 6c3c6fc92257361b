/*
 * evloop.c — the bridge's libev event loop (epoll), handed to libwebsockets
 * as a foreign loop (its evlib-ev plugin). Kept apart from bridge.h, whose
 * event names (struct ev) clash with libev's.
 */
#include <ev.h>

#include "evloop.h"

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
