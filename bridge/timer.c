/*
 * timer.c — one-shot timers of the bridge for what must run soon after an
 * I/O callback asked for it (the presence flush, the presence pump): a
 * timer of the libev loop when the bridge runs on one (evloop.c says why
 * a libwebsockets sul is not enough there), else a sul of libwebsockets'
 * own poll() loop.
 */
#include "bridge.h"
#include "evloop.h"

static void
sul_cb(lws_sorted_usec_list_t *sul)
{
	struct btimer *t = lws_container_of(sul, struct btimer, sul);

	t->cb(t->b);
}

static void
ev_cb(void *arg)
{
	struct btimer *t = arg;

	t->cb(t->b);
}

int
btimer_init(struct bridge *b, struct btimer *t, void (*cb)(struct bridge *))
{
	t->b = b;
	t->cb = cb;
	t->et = NULL;
	if (b->loop != NULL && (t->et = evloop_timer_new(b->loop, ev_cb, t)) ==
	    NULL) {
		t->b = NULL;
		return -1;
	}
	return 0;
}

void
btimer_schedule(struct btimer *t, int64_t us)
{
	if (t->b == NULL)		/* finished: the bridge is going */
		return;
	if (us < 1)
		us = 1;
	if (t->et != NULL)
		evloop_timer_at(t->et, us);
	else
		lws_sul_schedule(t->b->ctx, 0, &t->sul, sul_cb,
		    (lws_usec_t)us);
}

void
btimer_fini(struct btimer *t)
{
	if (t->b == NULL)
		return;
	if (t->et != NULL)
		evloop_timer_free(t->et);
	else
		lws_sul_cancel(&t->sul);
	t->et = NULL;
	t->b = NULL;
}
