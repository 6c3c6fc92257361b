/*
 * rows.c — the arena that owns the strings of a store result, and the
 * functions that free the results of lib/rows.h.
 */
#include <string.h>

#include "err.h"
#include "mem.h"
#include "rows.h"

#define ARENA_BLOCK	4096	/* bytes of a block; longer strings get their own */

struct arena_blk {
	struct arena_blk *next;
	char		  data[];
};

char *
arena_dupn(struct arena *a, const char *s, size_t len)
{
	struct arena_blk *b;
	size_t size;
	char *p;

	if (s == NULL)
		return NULL;
	if (len + 1 > a->left) {
		size = len + 1 > ARENA_BLOCK ? len + 1 : ARENA_BLOCK;
		if ((b = mt_malloc(sizeof(*b) + size)) == NULL) {
			a->err = MT_ENOMEM;
			return NULL;
		}
		b->next = a->head;
		a->head = b;
		a->next = b->data;
		a->left = size;
	}
	p = a->next;
	memcpy(p, s, len);
	p[len] = '\0';
	a->next += len + 1;
	a->left -= len + 1;
	return p;
}

char *
arena_dup(struct arena *a, const char *s)
{
	return s == NULL ? NULL : arena_dupn(a, s, strlen(s));
}

void
arena_free(struct arena *a)
{
	struct arena_blk *b, *next;

	for (b = a->head; b != NULL; b = next) {
		next = b->next;
		mt_free(b);
	}
	memset(a, 0, sizeof(*a));
}

void
message_rows_free(struct message_rows *r)
{
	mt_free(r->m);
	mt_free(r->att);
	arena_free(&r->arena);
	memset(r, 0, sizeof(*r));
}

void
edit_rows_free(struct edit_rows *r)
{
	mt_free(r->v);
	arena_free(&r->arena);
	memset(r, 0, sizeof(*r));
}

void
dialog_rows_free(struct dialog_rows *r)
{
	mt_free(r->parts);
	mt_free(r->scopes);
	arena_free(&r->arena);
	memset(r, 0, sizeof(*r));
}

void
dialog_page_free(struct dialog_page *pg)
{
	mt_free(pg->it);
	mt_free(pg->by_id);
	mt_free(pg->sum);
	arena_free(&pg->arena);
	memset(pg, 0, sizeof(*pg));
}
