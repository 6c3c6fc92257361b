/*
 * mem.c — allocation wrappers. Every allocation in mtchat (Jansson's too, see
 * json_init()) goes through here so that tests can fail the Nth one on purpose.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "mem.h"

static long fail_countdown;	/* 0: never fail; n: fail from the n-th call */

static int
should_fail(void)
{
	if (fail_countdown <= 0)
		return 0;
	if (fail_countdown == 1)
		return 1;	/* stays at 1: every later call fails too */
	fail_countdown--;
	return 0;
}

void
mem_fail_after(long n)
{
	fail_countdown = n;
}

void *
mt_malloc(size_t len)
{
	if (should_fail())
		return NULL;
	return malloc(len ? len : 1);
}

void *
mt_calloc(size_t n, size_t size)
{
	if (should_fail())
		return NULL;
	return calloc(n ? n : 1, size ? size : 1);
}

void *
mt_realloc(void *p, size_t len)
{
	if (should_fail())
		return NULL;
	return realloc(p, len ? len : 1);
}

int
mt_reserve(void *arrayp, size_t *cap, size_t n, size_t elem)
{
	size_t c = *cap ? *cap : 16;
	void *p;

	if (n <= *cap)
		return 0;
	while (c < n && c <= SIZE_MAX / 2)
		c *= 2;
	if (c < n || elem == 0 || c > SIZE_MAX / elem)
		return -1;
	memcpy(&p, arrayp, sizeof(p));
	if ((p = mt_realloc(p, c * elem)) == NULL)
		return -1;
	memcpy(arrayp, &p, sizeof(p));
	*cap = c;
	return 0;
}

char *
mt_strndup(const char *s, size_t len)
{
	char *d;

	if ((d = mt_malloc(len + 1)) == NULL)
		return NULL;
	memcpy(d, s, len);
	d[len] = '\0';
	return d;
}

char *
mt_strdup(const char *s)
{
	return mt_strndup(s, strlen(s));
}

void
mt_free(void *p)
{
	free(p);
}
