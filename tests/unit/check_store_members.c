/*
 * check_store_members.c — unit tests of lib/store_members.c: membership
 * periods opened and closed by the participant events, read back sorted,
 * asked about one seq, and pruned with the change-log.
 * SPDX-License-Identifier: MIT
 */
#include <check.h>
#include <limits.h>
#include <stdint.h>
#include <stdlib.h>

#include "changelog.h"
#include "err.h"
#include "event_body.h"
#include "json.h"
#include "log.h"
#include "mem.h"
#include "store.h"
#include "store_members.h"
#include "testutil.h"
#include "tm.h"

#define DA "01950f3c-5a2e-7b41-9c3d-2f6e8a1b4c70"
#define DB "01950f3c-5a2e-7b41-9c3d-2f6e8a1b4c71"

static char db[PATH_MAX];
static struct store *st;

static void
setup(void)
{
	struct store_opts o = { .path = db, .create = true,
	    .allow_old = true, .busy_timeout_ms = 10000 };
	char err[STORE_ERR_LEN];
	int applied;

	tu_setup();
	tu_path(db, tu_dir, "mtchat.db");
	ck_assert_msg(store_open(&st, &o, err, sizeof(err)) == 0, "%s", err);
	ck_assert_msg(store_migrate(st, &applied, err, sizeof(err)) == 0, "%s",
	    err);
}

static void
teardown(void)
{
	store_close(st);
	st = NULL;
	tu_teardown();
}

static int64_t
joined(const char *d, const char *u)
{
	int64_t seq = 0;

	ck_assert_int_eq(store_begin(st), 0);
	ck_assert_int_eq(event_participant_joined(st, d, u, false, &seq), 0);
	ck_assert_int_eq(store_commit(st), 0);
	return seq;
}

static int64_t
left(const char *d, const char *u)
{
	int64_t seq = 0;

	ck_assert_int_eq(store_begin(st), 0);
	ck_assert_int_eq(event_participant_left(st, d, u, false, &seq), 0);
	ck_assert_int_eq(store_commit(st), 0);
	return seq;
}

START_TEST(periods_follow_the_events)
{
	struct periods ps = { 0 };
	int64_t j1, l1, j2, jb;

	j1 = joined(DB, "zoe");
	jb = joined(DA, "zoe");
	l1 = left(DB, "zoe");
	(void)joined(DB, "sam");	/* l1 + 1: while zoe is out */
	j2 = joined(DB, "zoe");
	ck_assert_int_eq(store_periods_load(st, "zoe", &ps), 0);
	ck_assert_uint_eq(ps.n, 3);
	ck_assert_str_eq(ps.p[0].dialog_id, DA);	/* sorted by dialog */
	ck_assert_int_eq(ps.p[0].from_seq, jb);
	ck_assert_int_eq(ps.p[1].from_seq, j1);
	ck_assert_int_eq(ps.p[1].to_seq, l1);
	ck_assert_int_eq(ps.p[2].from_seq, j2);
	ck_assert_int_eq(ps.p[2].to_seq, INT64_MAX);
	ck_assert(!periods_include(&ps, DB, j1 - 1));
	ck_assert(periods_include(&ps, DB, j1));
	ck_assert(periods_include(&ps, DB, l1));	/* sees own leave */
	ck_assert(!periods_include(&ps, DB, l1 + 1));	/* out */
	ck_assert(periods_include(&ps, DB, j2 + 1000));
	ck_assert(periods_include(&ps, DA, jb));
	ck_assert(!periods_include(&ps, "01950f3c-5a2e-7b41-9c3d-2f6e8a1b4c72",
	    j2));
	periods_free(&ps);
	ck_assert_int_eq(store_periods_load(st, "nobody", &ps), 0);
	ck_assert_uint_eq(ps.n, 0);
	ck_assert(!periods_include(&ps, DA, 1));
	periods_free(&ps);
}
END_TEST

START_TEST(a_deleted_dialog_closes_every_period)
{
	struct periods ps = { 0 };
	json_t *users = json_pack("[s,s]", "a", "b");
	int64_t seq;

	(void)joined(DA, "a");
	(void)joined(DA, "b");
	ck_assert_int_eq(store_begin(st), 0);
	ck_assert_int_eq(event_dialog_deleted(st, DA, users, &seq), 0);
	ck_assert_int_eq(store_commit(st), 0);
	json_decref(users);
	ck_assert_int_eq(store_periods_load(st, "b", &ps), 0);
	ck_assert_uint_eq(ps.n, 1);
	ck_assert_int_eq(ps.p[0].to_seq, seq);
	periods_free(&ps);
}
END_TEST

START_TEST(prune_drops_what_only_pruned_rows_needed)
{
	struct periods ps = { 0 };
	int64_t deleted, j;

	(void)joined(DA, "a");
	(void)left(DA, "a");
	j = joined(DB, "a");
	ck_assert_int_eq(changelog_prune(st, tm_now_us() + 1000000, true,
	    &deleted, NULL), 0);
	ck_assert_int_eq(store_periods_load(st, "a", &ps), 0);
	/* the closed period went, the open one stays */
	ck_assert_uint_eq(ps.n, 1);
	ck_assert_int_eq(ps.p[0].from_seq, j);
	periods_free(&ps);
}
END_TEST

START_TEST(out_of_memory_is_an_error)
{
	struct periods ps = { 0 };
	long n;
	int rc;

	(void)joined(DA, "a");
	(void)joined(DB, "a");
	for (n = 1; n < 10; n++) {
		mem_fail_after(n);
		rc = store_periods_load(st, "a", &ps);
		mem_fail_after(0);
		ck_assert(rc == 0 || rc == MT_ENOMEM);
		ck_assert(rc == 0 ? ps.n == 2 : ps.n == 0);
		periods_free(&ps);
	}
}
END_TEST

static Suite *
members_suite(void)
{
	Suite *s = suite_create("store_members");
	TCase *tc = tcase_create("core");

	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, periods_follow_the_events);
	tcase_add_test(tc, a_deleted_dialog_closes_every_period);
	tcase_add_test(tc, prune_drops_what_only_pruned_rows_needed);
	tcase_add_test(tc, out_of_memory_is_an_error);
	suite_add_tcase(s, tc);
	return s;
}

int
main(void)
{
	json_init();
	log_init("test", 0, 0);
	return tu_run(members_suite());
}
