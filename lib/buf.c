/* buf.c — the growable byte buffer (buf.h). */
#include <stdint.h>
#include <string.h>

#include "buf.h"
#include "err.h"
#include "mem.h"

#define BUF_MIN	512	/* the first allocation; then it doubles */

int
buf_grow(struct buf *b, size_t n)
{
	size_t want;

	if (b->err != 0)
		return b->err;
	if (n > SIZE_MAX / 2 - b->len) {
		buf_fail(b, MT_ENOMEM);
		return b->err;
	}
	want = b->len + n + 1;
	if (want < BUF_MIN)
		want = BUF_MIN;
	if (mt_reserve(&b->data, &b->cap, want, 1) != 0)
		buf_fail(b, MT_ENOMEM);
	return b->err;
}

void
buf_fail(struct buf *b, int code)
{
	if (b->err == 0)
		b->err = code;
}

int
buf_addstr(struct buf *b, const char *s)
{
	return buf_add(b, s, strlen(s));
}

char *
buf_take(struct buf *b, size_t *len)
{
	char *data = NULL;

	if (buf_room(b, 0) == 0) {
		data = b->data;
		b->data[b->len] = '\0';
		if (len != NULL)
			*len = b->len;
		b->data = NULL;
	} else if (len != NULL)
		*len = 0;
	buf_reset(b);
	return data;
}

void
buf_reset(struct buf *b)
{
	mt_free(b->data);
	memset(b, 0, sizeof(*b));
}
