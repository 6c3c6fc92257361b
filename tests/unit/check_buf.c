/*
 * check_buf.c — unit tests of lib/buf.c: appending, the NUL kept after the
 * bytes, taking the bytes out, and a failure that sticks until taken.
 * SPDX-License-Identifier: MIT
 */
#include <check.h>
#include <stdint.h>
#include <string.h>

#include "buf.h"
#include "err.h"
#include "json.h"
#include "log.h"
#include "mem.h"
#include "testutil.h"

START_TEST(buf_add_keeps_a_nul)
{
	struct buf b = BUF_INIT;

	ck_assert_int_eq(buf_add(&b, "ab", 2), 0);
	ck_assert_int_eq(buf_addstr(&b, "cd"), 0);
	ck_assert_int_eq(buf_add(&b, "e\0f", 3), 0);
	ck_assert_uint_eq(b.len, 7);
	ck_assert_mem_eq(b.data, "abcde\0f", 8);	/* and the NUL */
	ck_assert_uint_gt(b.cap, b.len);
	buf_reset(&b);
	ck_assert_ptr_null(b.data);
	ck_assert_uint_eq(b.len + b.cap, 0);
}
END_TEST

START_TEST(buf_add_nothing_still_terminates)
{
	struct buf b = BUF_INIT;

	ck_assert_int_eq(buf_add(&b, "", 0), 0);
	ck_assert_ptr_nonnull(b.data);
	ck_assert_str_eq(b.data, "");
	buf_reset(&b);
}
END_TEST

START_TEST(buf_grows_past_its_first_allocation)
{
	struct buf b = BUF_INIT;
	char chunk[100];
	size_t i;

	memset(chunk, 'x', sizeof(chunk));
	for (i = 0; i < 100; i++)
		ck_assert_int_eq(buf_add(&b, chunk, sizeof(chunk)), 0);
	ck_assert_uint_eq(b.len, 10000);
	ck_assert_uint_eq(strlen(b.data), 10000);
	ck_assert_uint_gt(b.cap, b.len);
	buf_reset(&b);
}
END_TEST

START_TEST(buf_room_then_write_in_place)
{
	struct buf b = BUF_INIT;

	ck_assert_int_eq(buf_room(&b, 3), 0);
	memcpy(b.data, "xyz", 4);
	b.len = 3;
	ck_assert_int_eq(buf_add(&b, "!", 1), 0);
	ck_assert_str_eq(b.data, "xyz!");
	buf_reset(&b);
}
END_TEST

START_TEST(buf_take_empties)
{
	struct buf b = BUF_INIT;
	size_t len = 99;
	char *s;

	buf_addstr(&b, "hello");
	s = buf_take(&b, &len);
	ck_assert_str_eq(s, "hello");
	ck_assert_uint_eq(len, 5);
	ck_assert_ptr_null(b.data);
	ck_assert_uint_eq(b.len + b.cap, 0);
	mt_free(s);
	s = buf_take(&b, &len);		/* nothing added: "" */
	ck_assert_str_eq(s, "");
	ck_assert_uint_eq(len, 0);
	mt_free(s);
}
END_TEST

START_TEST(buf_failure_sticks_until_taken)
{
	struct buf b = BUF_INIT;
	size_t len = 99;

	mem_fail_after(1);
	ck_assert_int_eq(buf_addstr(&b, "a"), MT_ENOMEM);
	mem_fail_after(0);
	ck_assert_int_eq(buf_addstr(&b, "b"), MT_ENOMEM);	/* sticks */
	ck_assert_int_eq(b.err, MT_ENOMEM);
	ck_assert_ptr_null(buf_take(&b, &len));
	ck_assert_uint_eq(len, 0);
	ck_assert_int_eq(b.err, 0);
	ck_assert_int_eq(buf_addstr(&b, "c"), 0);	/* usable again */
	ck_assert_str_eq(b.data, "c");
	buf_reset(&b);
}
END_TEST

START_TEST(buf_fail_keeps_the_first)
{
	struct buf b = BUF_INIT;

	buf_fail(&b, MT_EINVAL);
	buf_fail(&b, MT_ENOMEM);
	ck_assert_int_eq(b.err, MT_EINVAL);
	ck_assert_int_eq(buf_add(&b, "x", 1), MT_EINVAL);
	ck_assert_ptr_null(b.data);
	buf_reset(&b);
}
END_TEST

START_TEST(buf_refuses_a_huge_length)
{
	struct buf b = BUF_INIT;

	buf_addstr(&b, "a");
	ck_assert_int_eq(buf_room(&b, SIZE_MAX - 1), MT_ENOMEM);
	ck_assert_int_eq(b.err, MT_ENOMEM);
	buf_reset(&b);
}
END_TEST

static Suite *
buf_suite(void)
{
	Suite *s = suite_create("buf");
	TCase *tc = tcase_create("buf");

	tcase_add_test(tc, buf_add_keeps_a_nul);
	tcase_add_test(tc, buf_add_nothing_still_terminates);
	tcase_add_test(tc, buf_grows_past_its_first_allocation);
	tcase_add_test(tc, buf_room_then_write_in_place);
	tcase_add_test(tc, buf_take_empties);
	tcase_add_test(tc, buf_failure_sticks_until_taken);
	tcase_add_test(tc, buf_fail_keeps_the_first);
	tcase_add_test(tc, buf_refuses_a_huge_length);
	suite_add_tcase(s, tc);
	return s;
}

int
main(void)
{
	json_init();
	log_init("test", 0, 0);
	return tu_run(buf_suite());
}
