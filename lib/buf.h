/*
 * buf.h — the growable byte buffer of mtchat: response bodies and headers
 * (cgi/req.c), sanitized HTML (lib/sanitize.c) and the JSON writer
 * (lib/json.c) all append to one of these.
 */
#ifndef MT_BUF_H
#define MT_BUF_H

#include <stddef.h>
#include <string.h>

/*
 * data holds len bytes and a NUL after them once anything was added (even
 * nothing); cap is what is allocated. The first failure is kept in err
 * and makes every later append do nothing, so a writer may append many
 * times and look once. Start from BUF_INIT; free with buf_reset().
 */
struct buf {
	char	*data;
	size_t	 len, cap;
	int	 err;		/* 0, or the first failure (MT_ENOMEM) */
};
#define BUF_INIT	{ NULL, 0, 0, 0 }

/* Grows b for n more bytes and the NUL (buf_room()'s slow path). */
int	buf_grow(struct buf *b, size_t n);

/*
 * Makes room for n more bytes and the NUL: 0, or b->err. This and
 * buf_add() are inline: the JSON writer calls them for every token, and
 * a call each made its large responses half as slow again.
 */
static inline int
buf_room(struct buf *b, size_t n)
{
	if (b->err == 0 && b->cap > b->len && n < b->cap - b->len)
		return 0;
	return buf_grow(b, n);
}

/* Marks b failed with code (an MT_E*), unless it failed already. */
void	buf_fail(struct buf *b, int code);
/* Appends len bytes of s (keeping the NUL after them): 0 or b->err. */
static inline int
buf_add(struct buf *b, const void *s, size_t len)
{
	if (buf_room(b, len) != 0)
		return b->err;
	if (len > 0)
		memcpy(b->data + b->len, s, len);
	b->len += len;
	b->data[b->len] = '\0';
	return 0;
}

/* Appends the string s. */
int	buf_addstr(struct buf *b, const char *s);
/*
 * The NUL-terminated bytes ("" when nothing was added; the caller
 * mt_free()s them) and their length, or NULL after a failure (*len 0);
 * either way b is empty and usable again.
 */
char	*buf_take(struct buf *b, size_t *len);
/* Frees what b holds and empties it. */
void	buf_reset(struct buf *b);

#endif
