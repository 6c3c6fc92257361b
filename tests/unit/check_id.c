/*
 * check_id.c — unit tests of lib/id.c: UUIDv7 generation (unique, strictly
 * increasing, canonical, after a floor) and lenient UUID parsing.
 * SPDX-License-Identifier: MIT
 */
#include <check.h>
#include <inttypes.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "err.h"
#include "id.h"
#include "json.h"
#include "log.h"
#include "mem.h"
#include "testutil.h"

#define CANON	"0195f3c4-5a2e-7b41-9c3d-2f6e8a1b4c70"
#define NIDS	100000

static uint64_t
wall_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	return (uint64_t)ts.tv_sec * 1000 + (uint64_t)ts.tv_nsec / 1000000;
}

/* The 48-bit millisecond timestamp of a canonical id. */
static uint64_t
id_ms(const char *id)
{
	char hex[13];

	memcpy(hex, id, 8);
	memcpy(hex + 8, id + 9, 4);
	hex[12] = '\0';
	return strtoull(hex, NULL, 16);
}

/* A canonical v7 id at ms whose counter and random bits are given as text. */
static void
make_floor(char out[ID_BUF], uint64_t ms, const char *rest)
{
	snprintf(out, ID_BUF, "%08" PRIx64 "-%04" PRIx64 "-%s",
	    ms >> 16, ms & 0xffff, rest);
	ck_assert_msg(id_is_canonical(out), "bad floor %s", out);
}

/* Why id is not a well-formed v7 id, or NULL if it is one. */
static const char *
v7_problem(const char *id)
{
	if (!id_is_canonical(id))
		return "not canonical";
	if (id[14] != '7')
		return "version nibble is not 7";
	if (strchr("89ab", id[19]) == NULL)
		return "variant bits are not 10";
	return NULL;
}

static void
assert_v7(const char *id)
{
	const char *why = v7_problem(id);

	ck_assert_msg(why == NULL, "%s: %s", id, why);
}

START_TEST(id_new_100k_unique_increasing_canonical)
{
	char (*ids)[ID_BUF] = mt_malloc(NIDS * sizeof(*ids));
	uint64_t before = wall_ms(), after;
	const char *why;
	int i;

	/* Plain tests in the loops: a Check assertion costs a file write. */
	ck_assert_ptr_nonnull(ids);
	for (i = 0; i < NIDS; i++)
		if (id_new(ids[i]) != 0)
			ck_abort_msg("id_new failed at %d", i);
	after = wall_ms();
	for (i = 0; i < NIDS; i++) {
		if ((why = v7_problem(ids[i])) != NULL)
			ck_abort_msg("id %d %s: %s", i, ids[i], why);
		/* Strictly increasing in strcmp order implies unique. */
		if (i > 0 && strcmp(ids[i - 1], ids[i]) >= 0)
			ck_abort_msg("ids %d and %d out of order: %s %s",
			    i - 1, i, ids[i - 1], ids[i]);
	}
	/* The timestamp is the clock's (a counter overflow may add a ms). */
	ck_assert_uint_ge(id_ms(ids[0]), before);
	ck_assert_uint_le(id_ms(ids[NIDS - 1]), after + 1);
	mt_free(ids);
}
END_TEST

START_TEST(id_new_after_past_floor)
{
	char floor[ID_BUF], out[ID_BUF];

	make_floor(floor, wall_ms() - 86400000, "7fff-bfff-ffffffffffff");
	ck_assert_int_eq(id_new_after(floor, out), 0);
	assert_v7(out);
	ck_assert_str_gt(out, floor);
}
END_TEST

START_TEST(id_new_after_future_floor)
{
	char floor[ID_BUF], out[ID_BUF], next[ID_BUF];
	uint64_t ms = wall_ms() + 60000;	/* another host's clock ahead */

	make_floor(floor, ms, "7123-8456-ffffffffffff");
	ck_assert_int_eq(id_new_after(floor, out), 0);
	assert_v7(out);
	ck_assert_str_gt(out, floor);
	ck_assert_uint_eq(id_ms(out), ms);
	/* Later ids of this process keep sorting after it. */
	ck_assert_int_eq(id_new(next), 0);
	ck_assert_str_gt(next, out);
}
END_TEST

START_TEST(id_new_after_floor_with_max_counter)
{
	char floor[ID_BUF], out[ID_BUF];
	uint64_t ms = _i == 0 ? wall_ms() : wall_ms() + 120000;

	/* Counter bits (rand_a and the top of rand_b) all ones. */
	make_floor(floor, ms, "7fff-bfff-ffffffffffff");
	ck_assert_int_eq(id_new_after(floor, out), 0);
	assert_v7(out);
	ck_assert_msg(strcmp(out, floor) > 0, "%s not after %s", out, floor);
	/* The counter overflowed into the next ms (or the clock got there). */
	if (_i == 1)
		ck_assert_uint_eq(id_ms(out), ms + 1);
	else
		ck_assert_uint_ge(id_ms(out), ms + 1);
}
END_TEST

START_TEST(id_new_after_same_ms_floor)
{
	char floor[ID_BUF], out[ID_BUF];
	uint64_t ms = wall_ms() + 180000;

	/* The same state as the floor must not repeat it. */
	make_floor(floor, ms, "7000-8000-ffffffffffff");
	ck_assert_int_eq(id_new_after(floor, out), 0);
	ck_assert_str_gt(out, floor);
	make_floor(floor, ms, "7000-8001-000000000000");
	ck_assert_int_eq(id_new_after(floor, out), 0);
	ck_assert_str_gt(out, floor);
}
END_TEST

START_TEST(id_new_after_chain_stays_increasing)
{
	char prev[ID_BUF], out[ID_BUF];
	int i;

	ck_assert_int_eq(id_new(prev), 0);
	for (i = 0; i < 10000; i++) {
		if (id_new_after(prev, out) != 0 || strcmp(out, prev) <= 0)
			ck_abort_msg("%d: %s not after %s", i, out, prev);
		memcpy(prev, out, ID_BUF);
	}
}
END_TEST

START_TEST(id_new_after_without_usable_floor)
{
	char a[ID_BUF], b[ID_BUF], c[ID_BUF];

	ck_assert_int_eq(id_new_after(NULL, a), 0);
	ck_assert_int_eq(id_new_after("not an id", b), 0);
	ck_assert_int_eq(id_new_after("", c), 0);
	assert_v7(a);
	ck_assert_str_gt(b, a);
	ck_assert_str_gt(c, b);
}
END_TEST

static void
assert_parses(const char *in, const char *want)
{
	char out[ID_BUF];

	ck_assert_msg(id_parse(in, strlen(in), out) == 0, "rejected %s", in);
	ck_assert_str_eq(out, want);
	ck_assert(id_is_canonical(out));
}

static void
assert_rejected(const char *in, size_t len)
{
	char out[ID_BUF];

	ck_assert_msg(id_parse(in, len, out) == MT_EINVAL,
	    "accepted \"%.*s\"", (int)len, in);
}

START_TEST(id_parse_hyphenated)
{
	assert_parses(CANON, CANON);
}
END_TEST

START_TEST(id_parse_simple_32_hex)
{
	assert_parses("0195f3c45a2e7b419c3d2f6e8a1b4c70", CANON);
}
END_TEST

START_TEST(id_parse_braced)
{
	assert_parses("{" CANON "}", CANON);
}
END_TEST

START_TEST(id_parse_urn)
{
	assert_parses("urn:uuid:" CANON, CANON);
	assert_parses("URN:UUID:" CANON, CANON);
}
END_TEST

START_TEST(id_parse_uppercase_to_lowercase)
{
	assert_parses("0195F3C4-5A2E-7B41-9C3D-2F6E8A1B4C70", CANON);
	assert_parses("0195F3C45A2E7B419C3D2F6E8A1B4C70", CANON);
	assert_parses("{0195F3C4-5A2E-7b41-9C3D-2F6E8A1B4C70}", CANON);
	assert_parses("urn:uuid:0195F3C4-5A2E-7B41-9C3D-2F6E8A1B4C70", CANON);
}
END_TEST

START_TEST(id_parse_any_version)
{
	/* Ids of other generators (v4, nil) are ids too. */
	assert_parses("f47ac10b-58cc-4372-a567-0e02b2c3d479",
	    "f47ac10b-58cc-4372-a567-0e02b2c3d479");
	assert_parses("00000000-0000-0000-0000-000000000000",
	    "00000000-0000-0000-0000-000000000000");
}
END_TEST

START_TEST(id_parse_rejects_wrong_lengths)
{
	static const char *const bad[] = {
		"0195f3c4-5a2e-7b41-9c3d-2f6e8a1b4c7",		/* 35 */
		"0195f3c4-5a2e-7b41-9c3d-2f6e8a1b4c700",	/* 37 */
		"0195f3c45a2e7b419c3d2f6e8a1b4c7",		/* 31 */
		"0195f3c45a2e7b419c3d2f6e8a1b4c700",		/* 33 */
		"{0195f3c4-5a2e-7b41-9c3d-2f6e8a1b4c7}",
		"urn:uuid:0195f3c4-5a2e-7b41-9c3d-2f6e8a1b4c7",
		"urn:uuid:",
		"{}",
		"0",
	};
	size_t i;

	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		assert_rejected(bad[i], strlen(bad[i]));
}
END_TEST

START_TEST(id_parse_rejects_bad_hex)
{
	static const char *const bad[] = {
		"0195f3c4-5a2e-7b41-9c3d-2f6e8a1b4c7g",
		"g195f3c4-5a2e-7b41-9c3d-2f6e8a1b4c70",
		"0195f3c45a2e7b419c3d2f6e8a1b4cz0",
		"0195f3c4-5a2e-7b41-9c3d-2f6e8a1b4c7 ",
		" 195f3c4-5a2e-7b41-9c3d-2f6e8a1b4c70",
		"0x95f3c4-5a2e-7b41-9c3d-2f6e8a1b4c70",
		"+195f3c4-5a2e-7b41-9c3d-2f6e8a1b4c70",
	};
	size_t i;

	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		assert_rejected(bad[i], strlen(bad[i]));
	/* A NUL byte inside the given length. */
	assert_rejected("0195f3c4-5a2e-7b41-9c3d\0002f6e8a1b4c70", 36);
}
END_TEST

START_TEST(id_parse_rejects_misplaced_hyphens)
{
	static const char *const bad[] = {
		"0195f3c45-a2e-7b41-9c3d-2f6e8a1b4c70",
		"0195f3c4-5a2e7-b41-9c3d-2f6e8a1b4c70",
		"0195f3c4-5a2e-7b419-c3d-2f6e8a1b4c70",
		"0195f3c4-5a2e-7b41-9c3d2-f6e8a1b4c70",
		"0195f3c4--5a2e7b41-9c3d-2f6e8a1b4c70",
		"-0195f3c45a2e-7b41-9c3d-2f6e8a1b4c70",
		"0195f3c4-5a2e-7b41-9c3d-2f6e8a1b4c7-",
		"0195f3c4-5a2e-7b41-9c3d-2f6e8a1b-c70",
		"0195f3c4-5a2e-7b41-9c3d--2f6e8a1b4c7",
		"0195f3c4_5a2e_7b41_9c3d_2f6e8a1b4c70",
		"0195f3c45a2e7b41-9c3d2f6e8a1b4c70",	/* 33, one hyphen */
		"0195f3c4-5a2e-7b41-9c3d2f6e8a1b4c70",	/* 35 */
	};
	size_t i;

	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		assert_rejected(bad[i], strlen(bad[i]));
}
END_TEST

START_TEST(id_parse_rejects_empty)
{
	assert_rejected("", 0);
	assert_rejected(CANON, 0);	/* length wins over the NUL */
}
END_TEST

START_TEST(id_parse_rejects_bad_wrappers)
{
	static const char *const bad[] = {
		"{" CANON,
		CANON "}",
		"(" CANON ")",
		"[" CANON "]",
		"{{" CANON "}}",
		"{urn:uuid:" CANON "}",
		"urn:uuid:{" CANON "}",
		"urn:uuid:urn:uuid:" CANON,
		"uuid:" CANON,
		"urn:uid:" CANON,
		" " CANON,
		CANON "\n",
	};
	size_t i;

	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		assert_rejected(bad[i], strlen(bad[i]));
}
END_TEST

START_TEST(id_parse_len_bounded_buffer)
{
	/* Exactly the id's bytes on the heap, no NUL: ASan sees overreads. */
	static const char *const ins[] = {
		CANON, "{" CANON "}", "urn:uuid:" CANON,
		"0195f3c45a2e7b419c3d2f6e8a1b4c70",
	};
	char out[ID_BUF];
	size_t i;

	for (i = 0; i < sizeof(ins) / sizeof(ins[0]); i++) {
		size_t len = strlen(ins[i]);
		char *buf = mt_malloc(len);

		ck_assert_ptr_nonnull(buf);
		memcpy(buf, ins[i], len);
		ck_assert_int_eq(id_parse(buf, len, out), 0);
		ck_assert_str_eq(out, CANON);
		/* One byte short of the same buffer is rejected. */
		ck_assert_int_eq(id_parse(buf, len - 1, out), MT_EINVAL);
		mt_free(buf);
	}
	/* The prefix of a longer string. */
	ck_assert_int_eq(id_parse(CANON "/messages", ID_LEN, out), 0);
	ck_assert_str_eq(out, CANON);
}
END_TEST

START_TEST(id_is_canonical_cases)
{
	ck_assert(id_is_canonical(CANON));
	ck_assert(!id_is_canonical("0195F3C4-5A2E-7B41-9C3D-2F6E8A1B4C70"));
	ck_assert(!id_is_canonical("0195f3c4-5a2e-7b41-9c3d-2f6e8a1b4C70"));
	ck_assert(!id_is_canonical("0195f3c45a2e7b419c3d2f6e8a1b4c70"));
	ck_assert(!id_is_canonical("{" CANON "}"));
	ck_assert(!id_is_canonical("urn:uuid:" CANON));
	ck_assert(!id_is_canonical(CANON "0"));
	ck_assert(!id_is_canonical(""));
	ck_assert(!id_is_canonical("0195f3c4-5a2e-7b41-9c3d-2f6e8a1b4c7g"));
}
END_TEST

static Suite *
id_suite(void)
{
	Suite *s = suite_create("id");
	TCase *gen = tcase_create("generate");
	TCase *parse = tcase_create("parse");

	tcase_add_test(gen, id_new_100k_unique_increasing_canonical);
	tcase_add_test(gen, id_new_after_past_floor);
	tcase_add_test(gen, id_new_after_future_floor);
	tcase_add_loop_test(gen, id_new_after_floor_with_max_counter, 0, 2);
	tcase_add_test(gen, id_new_after_same_ms_floor);
	tcase_add_test(gen, id_new_after_chain_stays_increasing);
	tcase_add_test(gen, id_new_after_without_usable_floor);
	suite_add_tcase(s, gen);

	tcase_add_test(parse, id_parse_hyphenated);
	tcase_add_test(parse, id_parse_simple_32_hex);
	tcase_add_test(parse, id_parse_braced);
	tcase_add_test(parse, id_parse_urn);
	tcase_add_test(parse, id_parse_uppercase_to_lowercase);
	tcase_add_test(parse, id_parse_any_version);
	tcase_add_test(parse, id_parse_rejects_wrong_lengths);
	tcase_add_test(parse, id_parse_rejects_bad_hex);
	tcase_add_test(parse, id_parse_rejects_misplaced_hyphens);
	tcase_add_test(parse, id_parse_rejects_empty);
	tcase_add_test(parse, id_parse_rejects_bad_wrappers);
	tcase_add_test(parse, id_parse_len_bounded_buffer);
	tcase_add_test(parse, id_is_canonical_cases);
	suite_add_tcase(s, parse);
	return s;
}

int
main(void)
{
	json_init();
	log_init("test", 0, 0);
	return tu_run(id_suite());
}
