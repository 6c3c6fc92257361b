/*
 * check_mem.c — unit tests of lib/mem.c: the allocation wrappers and the
 * fault injection (mem_fail_after) that the other tests rely on.
 * SPDX-License-Identifier: MIT
 */
#include <check.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "json.h"
#include "log.h"
#include "mem.h"
#include "testutil.h"

/* Allocates with each wrapper in turn; returns the block or NULL. */
static void *
alloc_kind(int i)
{
	switch (i % 4) {
	case 0:	return mt_malloc(16);
	case 1:	return mt_calloc(2, 8);
	case 2:	return mt_realloc(NULL, 16);
	default: return mt_strdup("sixteen bytes...");
	}
}

START_TEST(mem_fail_after_n_fails_nth_and_later)
{
	long n = _i;	/* 1 .. 8 */
	void *p[20];
	int i;

	mem_fail_after(n);
	for (i = 0; i < 20; i++)
		p[i] = alloc_kind(i);
	mem_fail_after(0);
	for (i = 0; i < 20; i++) {
		if (i + 1 < n)
			ck_assert_msg(p[i] != NULL, "n=%ld: call %d failed",
			    n, i + 1);
		else
			ck_assert_msg(p[i] == NULL, "n=%ld: call %d succeeded",
			    n, i + 1);
		mt_free(p[i]);
	}
}
END_TEST

START_TEST(mem_fail_after_zero_restores)
{
	void *p;

	mem_fail_after(1);
	ck_assert_ptr_null(mt_malloc(1));
	ck_assert_ptr_null(mt_malloc(1));
	mem_fail_after(0);
	p = mt_malloc(1);
	ck_assert_ptr_nonnull(p);
	mt_free(p);
	p = mt_strdup("x");
	ck_assert_ptr_nonnull(p);
	mt_free(p);
}
END_TEST

START_TEST(mem_fail_after_rearm_counts_afresh)
{
	void *a, *b;

	mem_fail_after(3);
	a = mt_malloc(1);
	mem_fail_after(2);	/* the count starts again from here */
	b = mt_malloc(1);
	ck_assert_ptr_null(mt_malloc(1));
	mem_fail_after(0);
	ck_assert_ptr_nonnull(a);
	ck_assert_ptr_nonnull(b);
	mt_free(a);
	mt_free(b);
}
END_TEST

START_TEST(mem_fail_after_negative_never_fails)
{
	void *p;
	int i;

	mem_fail_after(-1);
	for (i = 0; i < 100; i++) {
		p = mt_malloc(8);
		ck_assert_ptr_nonnull(p);
		mt_free(p);
	}
	mem_fail_after(0);
}
END_TEST

START_TEST(mem_realloc_failure_keeps_old_block)
{
	char *p = mt_strdup("keep me"), *q;

	ck_assert_ptr_nonnull(p);
	mem_fail_after(1);
	q = mt_realloc(p, 4096);
	mem_fail_after(0);
	ck_assert_ptr_null(q);
	ck_assert_str_eq(p, "keep me");
	mt_free(p);
}
END_TEST

START_TEST(mem_zero_size_gives_a_block)
{
	void *a = mt_malloc(0), *b = mt_calloc(0, 0), *c = mt_realloc(NULL, 0);

	ck_assert_ptr_nonnull(a);
	ck_assert_ptr_nonnull(b);
	ck_assert_ptr_nonnull(c);
	mt_free(a);
	mt_free(b);
	mt_free(c);
	mt_free(NULL);
}
END_TEST

START_TEST(mem_calloc_zeroes)
{
	unsigned char *p = mt_calloc(64, 4);
	int i;

	ck_assert_ptr_nonnull(p);
	for (i = 0; i < 256; i++)
		ck_assert_int_eq(p[i], 0);
	mt_free(p);
}
END_TEST

START_TEST(mem_strndup_copies_and_terminates)
{
	const char buf[4] = { 'a', 'b', 'c', 'd' };	/* no NUL */
	char *p = mt_strndup(buf, sizeof(buf)), *e = mt_strndup("", 0);

	ck_assert_str_eq(p, "abcd");
	ck_assert_str_eq(e, "");
	mt_free(p);
	mt_free(e);
}
END_TEST

START_TEST(mem_jansson_goes_through_mt_malloc)
{
	json_t *o;

	/* main() called json_init(): Jansson must feel the injected failure. */
	mem_fail_after(1);
	o = json_object();
	mem_fail_after(0);
	ck_assert_ptr_null(o);
	o = json_object();
	ck_assert_ptr_nonnull(o);
	json_decref(o);
}
END_TEST

START_TEST(mem_reserve_grows_and_keeps)
{
	int *a = NULL;
	size_t cap = 0;

	ck_assert_int_eq(mt_reserve(&a, &cap, 1, sizeof(*a)), 0);
	ck_assert_uint_ge(cap, 1);
	a[0] = 42;
	ck_assert_int_eq(mt_reserve(&a, &cap, 1000, sizeof(*a)), 0);
	ck_assert_uint_ge(cap, 1000);
	ck_assert_int_eq(a[0], 42);
	a[999] = 7;
	mem_fail_after(1);	/* a failure leaves the array as it was */
	ck_assert_int_eq(mt_reserve(&a, &cap, 5000, sizeof(*a)), -1);
	mem_fail_after(0);
	ck_assert_uint_lt(cap, 5000);
	ck_assert_int_eq(a[0] + a[999], 49);
	ck_assert_int_eq(mt_reserve(&a, &cap, SIZE_MAX / 2, sizeof(*a)), -1);
	mt_free(a);
}
END_TEST

static Suite *
mem_suite(void)
{
	Suite *s = suite_create("mem");
	TCase *tc = tcase_create("core");

	tcase_add_loop_test(tc, mem_fail_after_n_fails_nth_and_later, 1, 9);
	tcase_add_test(tc, mem_fail_after_zero_restores);
	tcase_add_test(tc, mem_fail_after_rearm_counts_afresh);
	tcase_add_test(tc, mem_fail_after_negative_never_fails);
	tcase_add_test(tc, mem_realloc_failure_keeps_old_block);
	tcase_add_test(tc, mem_zero_size_gives_a_block);
	tcase_add_test(tc, mem_calloc_zeroes);
	tcase_add_test(tc, mem_strndup_copies_and_terminates);
	tcase_add_test(tc, mem_jansson_goes_through_mt_malloc);
	tcase_add_test(tc, mem_reserve_grows_and_keeps);
	suite_add_tcase(s, tc);
	return s;
}

int
main(void)
{
	json_init();
	log_init("test", 0, 0);
	return tu_run(mem_suite());
}
