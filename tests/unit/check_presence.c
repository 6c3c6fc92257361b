/*
 * check_presence.c — unit tests of lib/presence.c: the TTL in microseconds
 * and the cutoff a user must have been seen at to be online.
 * SPDX-License-Identifier: MIT
 */
#include <check.h>
#include <stdint.h>

#include "cfg.h"
#include "json.h"
#include "log.h"
#include "presence.h"
#include "testutil.h"

START_TEST(presence_ttl_in_microseconds)
{
	struct cfg c = { .presence_ttl = 60 };

	ck_assert_int_eq(presence_ttl_us(&c), INT64_C(60000000));
	c.presence_ttl = 1;
	ck_assert_int_eq(presence_ttl_us(&c), INT64_C(1000000));
}
END_TEST

START_TEST(presence_cutoff_is_now_minus_ttl)
{
	struct cfg c = { .presence_ttl = 60 };
	int64_t now = INT64_C(1700000000000000);

	ck_assert_int_eq(presence_cutoff(&c, now), now - INT64_C(60000000));
	ck_assert_int_eq(presence_cutoff(&c, 0), -INT64_C(60000000));
}
END_TEST

/* The largest TTL the configuration allows (a day). */
START_TEST(presence_large_ttl)
{
	struct cfg c = { .presence_ttl = 86400 };

	ck_assert_int_eq(presence_ttl_us(&c), INT64_C(86400000000));
}
END_TEST

static Suite *
presence_suite(void)
{
	Suite *s = suite_create("presence");
	TCase *tc = tcase_create("rule");

	tcase_add_test(tc, presence_ttl_in_microseconds);
	tcase_add_test(tc, presence_cutoff_is_now_minus_ttl);
	tcase_add_test(tc, presence_large_ttl);
	suite_add_tcase(s, tc);
	return s;
}

int
main(void)
{
	json_init();
	log_init("test", 0, 0);
	return tu_run(presence_suite());
}
