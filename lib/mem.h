/* mem.h — the one allocator of mtchat; tests can make the Nth call fail. */
#ifndef MT_MEM_H
#define MT_MEM_H

#include <stddef.h>

void	*mt_malloc(size_t);
void	*mt_calloc(size_t, size_t);
void	*mt_realloc(void *, size_t);
char	*mt_strdup(const char *);
char	*mt_strndup(const char *, size_t);
void	 mt_free(void *);
/*
 * Grows the array whose pointer is at arrayp (*cap elements of elem bytes)
 * to hold at least n, doubling; 0, or -1 with the array unchanged.
 */
int	 mt_reserve(void *arrayp, size_t *cap, size_t n, size_t elem);

/*
 * Fault injection for tests: after mem_fail_after(n), the n-th following
 * allocation (1-based) and every later one fail until mem_fail_after(0).
 */
void	 mem_fail_after(long n);

#endif
