/* evloop.h — the bridge's libev loop (evloop.c). */
#ifndef MT_EVLOOP_H
#define MT_EVLOOP_H

#include <stdint.h>

struct ev_loop;
struct evloop_timer;
struct evloop_io;

/* A new epoll loop, or NULL. */
struct ev_loop	*evloop_new(void);
/* Waits for events (or a signal) and handles them once. */
void		 evloop_run_once(struct ev_loop *loop);
void		 evloop_free(struct ev_loop *loop);
/* A one-shot timer of loop that calls cb(arg); NULL out of memory. */
struct evloop_timer *evloop_timer_new(struct ev_loop *loop,
		    void (*cb)(void *), void *arg);
/* (Re)arms t: cb runs once, us microseconds from now. */
void		 evloop_timer_at(struct evloop_timer *t, int64_t us);
/* Stops and frees t (NULL: nothing), before the loop is freed. */
void		 evloop_timer_free(struct evloop_timer *t);
/*
 * Calls cb(arg) whenever fd is readable, until evloop_io_free(); NULL out
 * of memory. For descriptors libwebsockets must not own (it would close
 * them): the LISTEN connection of libpq.
 */
struct evloop_io *evloop_io_new(struct ev_loop *loop, int fd,
		    void (*cb)(void *), void *arg);
/* Stops and frees io (NULL: nothing), before its descriptor is closed. */
void		 evloop_io_free(struct evloop_io *io);

#endif
