/*
 * check_tm.c — unit tests of lib/tm.c: RFC 3339 formatting with 0, 3, 6 or
 * 9 fractional digits (docs/api.md#conventions) and duration parsing.
 * SPDX-License-Identifier: MIT
 */
#include <check.h>
#include <limits.h>
#include <stdlib.h>
#include <stdint.h>
#include <string.h>
#include <time.h>

#include "err.h"
#include "json.h"
#include "log.h"
#include "testutil.h"
#include "tm.h"

struct us_case {
	int64_t		 us;
	const char	*want;
};

struct ns_case {
	int64_t		 ns;
	const char	*want;
};

static void
assert_us(const struct us_case *c, size_t n)
{
	char buf[TM_BUF];
	size_t i;

	for (i = 0; i < n; i++) {
		ck_assert_msg(tm_format(c[i].us, buf, sizeof(buf)) == 0,
		    "%lld us: error", (long long)c[i].us);
		ck_assert_msg(strcmp(buf, c[i].want) == 0, "%lld us: %s, "
		    "want %s", (long long)c[i].us, buf, c[i].want);
	}
}

static void
assert_ns(const struct ns_case *c, size_t n)
{
	char buf[TM_BUF];
	size_t i;

	for (i = 0; i < n; i++) {
		ck_assert_msg(tm_format_ns(c[i].ns, buf, sizeof(buf)) == 0,
		    "%lld ns: error", (long long)c[i].ns);
		ck_assert_msg(strcmp(buf, c[i].want) == 0, "%lld ns: %s, "
		    "want %s", (long long)c[i].ns, buf, c[i].want);
	}
}

#define NCASES(a)	(sizeof(a) / sizeof((a)[0]))

/* The date arithmetic agrees with gmtime_r over years 0000..9999. */
START_TEST(tm_format_agrees_with_gmtime)
{
	const int64_t lo = -62167219200, hi = 253402300799;	/* 0000..9999 */
	uint64_t x = 88172645463325252u;
	char buf[TM_BUF], want[TM_BUF];
	struct tm tm;
	time_t t, prev = 0;

	for (int i = 0; i < 50000; i++) {
		x ^= x << 13;	/* xorshift64 */
		x ^= x >> 7;
		x ^= x << 17;
		t = (time_t)(lo + (int64_t)(x % (uint64_t)(hi - lo + 1)));
		if (i < 4)	/* and the ends themselves */
			t = (time_t)(i % 2 ? hi : lo) + (i < 2 ? 0 : i % 2 ? -1 : 1);
		else if (i % 2)	/* another time of the last one's day */
			t = (prev / 86400 - (prev % 86400 < 0)) * 86400 +
			    (time_t)(x % 86400);
		prev = t;
		ck_assert_ptr_nonnull(gmtime_r(&t, &tm));
		ck_assert_uint_lt(strftime(want, sizeof(want),
		    "%Y-%m-%dT%H:%M:%SZ", &tm), sizeof(want));
		if (tm.tm_year + 1900 < 1000)	/* strftime has no padding */
			continue;
		ck_assert_int_eq(tm_format((int64_t)t * 1000000, buf,
		    sizeof(buf)), 0);
		ck_assert_str_eq(buf, want);
	}
}
END_TEST

START_TEST(tm_format_no_fraction_when_zero)
{
	static const struct us_case c[] = {
		{ 0, "1970-01-01T00:00:00Z" },
		{ 1000000, "1970-01-01T00:00:01Z" },
		{ INT64_C(1771330200000000), "2026-02-17T12:10:00Z" },
		{ INT64_C(951782400000000), "2000-02-29T00:00:00Z" },
	};

	assert_us(c, NCASES(c));
}
END_TEST

START_TEST(tm_format_three_digits_for_millis)
{
	static const struct us_case c[] = {
		{ 100000, "1970-01-01T00:00:00.100Z" },
		{ 1000, "1970-01-01T00:00:00.001Z" },
		{ 999000, "1970-01-01T00:00:00.999Z" },
		{ 120000, "1970-01-01T00:00:00.120Z" },
		{ INT64_C(1771330200123000), "2026-02-17T12:10:00.123Z" },
	};

	assert_us(c, NCASES(c));
}
END_TEST

START_TEST(tm_format_six_digits_for_micros)
{
	static const struct us_case c[] = {
		{ 412907, "1970-01-01T00:00:00.412907Z" },
		{ 1, "1970-01-01T00:00:00.000001Z" },
		{ 100, "1970-01-01T00:00:00.000100Z" },
		{ 1001, "1970-01-01T00:00:00.001001Z" },
		{ 999999, "1970-01-01T00:00:00.999999Z" },
		{ INT64_C(1771330200123456), "2026-02-17T12:10:00.123456Z" },
	};

	assert_us(c, NCASES(c));
}
END_TEST

START_TEST(tm_format_ns_nine_digits)
{
	static const struct ns_case c[] = {
		{ 0, "1970-01-01T00:00:00Z" },
		{ 1, "1970-01-01T00:00:00.000000001Z" },
		{ 123456789, "1970-01-01T00:00:00.123456789Z" },
		{ 100000001, "1970-01-01T00:00:00.100000001Z" },
		{ 1000, "1970-01-01T00:00:00.000001Z" },
		{ 412907000, "1970-01-01T00:00:00.412907Z" },
		{ 1000000, "1970-01-01T00:00:00.001Z" },
		{ 2000000000, "1970-01-01T00:00:02Z" },
		{ INT64_C(1771330200123456789),
		  "2026-02-17T12:10:00.123456789Z" },
	};

	assert_ns(c, NCASES(c));
}
END_TEST

START_TEST(tm_format_negative_times)
{
	static const struct us_case us[] = {
		{ -1, "1969-12-31T23:59:59.999999Z" },
		{ -1000, "1969-12-31T23:59:59.999Z" },
		{ -1000000, "1969-12-31T23:59:59Z" },
		{ -1500000, "1969-12-31T23:59:58.500Z" },
		{ INT64_C(-62167219200000000), "0000-01-01T00:00:00Z" },
	};
	static const struct ns_case ns[] = {
		{ -1, "1969-12-31T23:59:59.999999999Z" },
		{ -1000000000, "1969-12-31T23:59:59Z" },
	};

	assert_us(us, NCASES(us));
	assert_ns(ns, NCASES(ns));
}
END_TEST

START_TEST(tm_format_buffer_too_small)
{
	char buf[TM_BUF];

	/* 20 characters and the NUL. */
	ck_assert_int_eq(tm_format(0, buf, 20), MT_EINVAL);
	ck_assert_int_eq(tm_format(0, buf, 21), 0);
	ck_assert_str_eq(buf, "1970-01-01T00:00:00Z");
	ck_assert_int_eq(tm_format(412907, buf, 27), MT_EINVAL);
	ck_assert_int_eq(tm_format(412907, buf, 28), 0);
	ck_assert_int_eq(tm_format_ns(1, buf, 30), MT_EINVAL);
	ck_assert_int_eq(tm_format_ns(1, buf, 31), 0);
	ck_assert_int_eq(tm_format(0, NULL, 0), MT_EINVAL);
	ck_assert_int_eq(tm_format(0, buf, 1), MT_EINVAL);
}
END_TEST

START_TEST(tm_format_four_digit_years_only)
{
	char buf[TM_BUF];

	/* The last instant RFC 3339 can write, and one beyond it. */
	ck_assert_int_eq(tm_format(INT64_C(253402300799999999), buf,
	    sizeof(buf)), 0);
	ck_assert_str_eq(buf, "9999-12-31T23:59:59.999999Z");
	ck_assert_int_eq(tm_format(INT64_C(253402300800000000), buf,
	    sizeof(buf)), MT_EINVAL);
	ck_assert_int_eq(tm_format(INT64_C(-62167219200000001), buf,
	    sizeof(buf)), MT_EINVAL);
}
END_TEST

START_TEST(tm_format_extreme_values_no_overflow)
{
	char buf[TM_BUF];

	/* Garbage from a database row: an error, never UB or a crash. */
	ck_assert_int_eq(tm_format(INT64_MAX, buf, sizeof(buf)), MT_EINVAL);
	ck_assert_int_eq(tm_format(INT64_MIN, buf, sizeof(buf)), MT_EINVAL);
	/* Microseconds whose nanoseconds do not fit in 64 bits. */
	ck_assert_int_eq(tm_format(INT64_MAX / 1000 + 1, buf, sizeof(buf)),
	    0);
	ck_assert_str_eq(buf, "2262-04-11T23:47:16.854776Z");
	ck_assert_int_eq(tm_format(INT64_MIN / 1000 - 1, buf, sizeof(buf)),
	    0);
	ck_assert_str_eq(buf, "1677-09-21T00:12:43.145224Z");
	ck_assert_int_eq(tm_format_ns(INT64_MAX, buf, sizeof(buf)), 0);
	ck_assert_str_eq(buf, "2262-04-11T23:47:16.854775807Z");
	ck_assert_int_eq(tm_format_ns(INT64_MIN, buf, sizeof(buf)), 0);
	ck_assert_str_eq(buf, "1677-09-21T00:12:43.145224192Z");
}
END_TEST

START_TEST(tm_now_us_is_the_clock)
{
	int64_t a = (int64_t)time(NULL) * 1000000, now = tm_now_us();
	int64_t b = (int64_t)time(NULL) * 1000000 + 1000000;

	ck_assert_int_ge(now, a);
	ck_assert_int_le(now, b);
}
END_TEST

/*
 * MTCHAT_TEST_CLOCK: the seconds in the file are added, re-read on every
 * call; a file being rewritten (empty) or holding junk keeps the last
 * value. Each Check test runs in a process of its own, so the clock is
 * opened here for the first time.
 */
START_TEST(tm_now_us_test_clock)
{
	char path[PATH_MAX];
	int64_t real, now;

	tu_setup();
	tu_path(path, tu_dir, "clock");
	tu_write_file(path, "100\n");
	ck_assert_int_eq(setenv("MTCHAT_TEST_CLOCK", path, 1), 0);
	real = (int64_t)time(NULL) * 1000000;
	now = tm_now_us();
	ck_assert_int_ge(now, real + 100 * 1000000);
	ck_assert_int_le(now, real + 102 * 1000000);
	tu_write_file(path, "3600");
	ck_assert_int_ge(tm_now_us(), real + 3600 * (int64_t)1000000);
	tu_write_file(path, "");
	ck_assert_int_ge(tm_now_us(), real + 3600 * (int64_t)1000000);
	tu_write_file(path, "-5");
	ck_assert_int_ge(tm_now_us(), real + 3600 * (int64_t)1000000);
	tu_write_file(path, "0");
	ck_assert_int_le(tm_now_us(), real + 2 * 1000000);
	unsetenv("MTCHAT_TEST_CLOCK");
	tu_teardown();
}
END_TEST

START_TEST(tm_parse_duration_valid)
{
	static const struct {
		const char	*in;
		int64_t		 secs;
	} c[] = {
		{ "90", 90 }, { "90s", 90 }, { "15m", 900 }, { "24h", 86400 },
		{ "7d", 604800 }, { "2w", 1209600 }, { "0", 0 }, { "0s", 0 },
		{ "007m", 420 }, { "9223372036854775807", INT64_MAX },
		{ "15250284452471w", INT64_C(15250284452471) * 604800 },
	};
	int64_t secs;
	size_t i;

	for (i = 0; i < NCASES(c); i++) {
		secs = -1;
		ck_assert_msg(tm_parse_duration(c[i].in, &secs) == 0,
		    "\"%s\" rejected", c[i].in);
		ck_assert_msg(secs == c[i].secs, "\"%s\": %lld", c[i].in,
		    (long long)secs);
	}
}
END_TEST

START_TEST(tm_parse_duration_rejects)
{
	static const char *const bad[] = {
		"", "x", "-5", "5x", "5mm", "5sm", "5 ", " 5", "+5", "s", "m",
		"5.5h", "1e3", "0x10", "5M", "5H", "5D", "5 m", "h5",
	};
	int64_t secs = 42;
	size_t i;

	for (i = 0; i < NCASES(bad); i++) {
		ck_assert_msg(tm_parse_duration(bad[i], &secs) == MT_EINVAL,
		    "\"%s\" accepted", bad[i]);
		ck_assert_int_eq(secs, 42);	/* left alone */
	}
	ck_assert_int_eq(tm_parse_duration(NULL, &secs), MT_EINVAL);
}
END_TEST

START_TEST(tm_parse_duration_rejects_overflow)
{
	static const char *const bad[] = {
		"9223372036854775808", "99999999999999999999999",
		"9223372036854775807m", "153722867280912931m",
		"2562047788015216h", "106751991167301d", "15250284452472w",
	};
	int64_t secs = 42;
	size_t i;

	for (i = 0; i < NCASES(bad); i++)
		ck_assert_msg(tm_parse_duration(bad[i], &secs) == MT_EINVAL,
		    "\"%s\" accepted as %lld", bad[i], (long long)secs);
}
END_TEST

static Suite *
tm_suite(void)
{
	Suite *s = suite_create("tm");
	TCase *fmt = tcase_create("format");
	TCase *dur = tcase_create("duration");

	tcase_add_test(fmt, tm_format_no_fraction_when_zero);
	tcase_add_test(fmt, tm_format_three_digits_for_millis);
	tcase_add_test(fmt, tm_format_six_digits_for_micros);
	tcase_add_test(fmt, tm_format_ns_nine_digits);
	tcase_add_test(fmt, tm_format_negative_times);
	tcase_add_test(fmt, tm_format_buffer_too_small);
	tcase_add_test(fmt, tm_format_four_digit_years_only);
	tcase_add_test(fmt, tm_format_extreme_values_no_overflow);
	tcase_add_test(fmt, tm_now_us_is_the_clock);
	tcase_add_test(fmt, tm_now_us_test_clock);
	tcase_add_test(fmt, tm_format_agrees_with_gmtime);
	suite_add_tcase(s, fmt);

	tcase_add_test(dur, tm_parse_duration_valid);
	tcase_add_test(dur, tm_parse_duration_rejects);
	tcase_add_test(dur, tm_parse_duration_rejects_overflow);
	suite_add_tcase(s, dur);
	return s;
}

int
main(void)
{
	json_init();
	log_init("test", 0, 0);
	return tu_run(tm_suite());
}
