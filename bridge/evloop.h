/* evloop.h — the bridge's libev loop (evloop.c). */
#ifndef MT_EVLOOP_H
#define MT_EVLOOP_H

struct ev_loop;

/* A new epoll loop, or NULL. */
struct ev_loop	*evloop_new(void);
/* Waits for events (or a signal) and handles them once. */
void		 evloop_run_once(struct ev_loop *loop);
void		 evloop_free(struct ev_loop *loop);

#endif
