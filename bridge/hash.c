/*
 * hash.c — the bridge's string-keyed hash tables (users by id, dialogs by
 * id): separate chaining, FNV-1a, doubling at load factor one. The nodes
 * are embedded in the objects they index; the table never frees them.
 */
#include <string.h>

#include "bridge.h"
#include "err.h"
#include "mem.h"

uint32_t
htab_hash(const char *key)
{
	uint32_t h = 2166136261u;

	while (*key != '\0') {
		h ^= (unsigned char)*key++;
		h *= 16777619u;
	}
	return h;
}

struct hnode *
htab_find(const struct htab *t, const char *key, uint32_t h)
{
	struct hnode *n;

	if (t->nb == 0)
		return NULL;
	for (n = t->b[h & (t->nb - 1)]; n != NULL; n = n->next)
		if (n->hash == h && strcmp(n->key, key) == 0)
			return n;
	return NULL;
}

static int
grow(struct htab *t)
{
	size_t nb = t->nb ? t->nb * 2 : 64, i;
	struct hnode **b, *n, *next;

	if ((b = mt_calloc(nb, sizeof(*b))) == NULL)
		return MT_ENOMEM;
	for (i = 0; i < t->nb; i++)
		for (n = t->b[i]; n != NULL; n = next) {
			next = n->next;
			n->next = b[n->hash & (nb - 1)];
			b[n->hash & (nb - 1)] = n;
		}
	mt_free(t->b);
	t->b = b;
	t->nb = nb;
	return 0;
}

int
htab_add(struct htab *t, struct hnode *n)
{
	struct hnode **slot;

	if (t->n >= t->nb && grow(t) != 0)
		return MT_ENOMEM;
	slot = &t->b[n->hash & (t->nb - 1)];
	n->next = *slot;
	*slot = n;
	t->n++;
	return 0;
}

void
htab_del(struct htab *t, struct hnode *n)
{
	struct hnode **p;

	if (t->nb == 0)
		return;
	for (p = &t->b[n->hash & (t->nb - 1)]; *p != NULL; p = &(*p)->next)
		if (*p == n) {
			*p = n->next;
			t->n--;
			return;
		}
}

void
htab_free(struct htab *t)
{
	mt_free(t->b);
	t->b = NULL;
	t->nb = t->n = 0;
}
