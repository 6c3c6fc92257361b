/*
 * check_reqargs.c — unit tests of lib/reqargs.c, the query rules both
 * mtchat.fcgi and mtchat-bridge apply: one table of inputs with the
 * status, error code and message each must get, for the arguments of
 * GET /api/v1/events and for the acting user (legacy and JWT mode).
 */
#include <check.h>
#include <stdlib.h>
#include <string.h>

#include "err.h"
#include "mem.h"
#include "reqargs.h"

#define NOT_NUM(k) "Failed to deserialize query string: " k \
	": invalid digit found in string"

/* One query of GET /api/v1/events and what it must give. */
static const struct events_case {
	const char	*query;
	int		 status;	/* 0: accepted */
	const char	*code;		/* NULL: plain text */
	const char	*msg;
	bool		 has_since;
	long		 since, timeout;
} events_cases[] = {
	{ "", 0, NULL, NULL, false, 0, 25 },
	{ NULL, 0, NULL, NULL, false, 0, 25 },
	{ "since=0", 0, NULL, NULL, true, 0, 25 },
	{ "since=42&timeout=0", 0, NULL, NULL, true, 42, 0 },
	{ "timeout=7", 0, NULL, NULL, false, 0, 7 },
	{ "since=%2B5", 0, NULL, NULL, true, 5, 25 },	/* "+5" */
	{ "since=+5", 400, NULL, NOT_NUM("since"), false, 0, 0 }, /* " 5" */
	{ "since=-1", 400, "INVALID_INPUT", "since must not be negative",
	  false, 0, 0 },
	{ "timeout=-1", 400, "INVALID_INPUT", "timeout must not be negative",
	  false, 0, 0 },
	{ "since=abc", 400, NULL, NOT_NUM("since"), false, 0, 0 },
	{ "since=5x", 400, NULL, NOT_NUM("since"), false, 0, 0 },
	{ "since=", 400, NULL, NOT_NUM("since"), false, 0, 0 },
	{ "since", 400, NULL, NOT_NUM("since"), false, 0, 0 },
	{ "since=%095", 400, NULL, NOT_NUM("since"), false, 0, 0 }, /* tab */
	{ "since=99999999999999999999", 400, NULL, NOT_NUM("since"), false,
	  0, 0 },
	{ "since=%00", 400, NULL, "Failed to deserialize query string: "
	  "since: invalid value", false, 0, 0 },
	{ "timeout=x", 400, NULL, NOT_NUM("timeout"), false, 0, 0 },
	{ "since=3&since=x", 0, NULL, NULL, true, 3, 25 },	/* first wins */
	{ "since=1&timeout=100000", 0, NULL, NULL, true, 1, 100000 },
};

START_TEST(events_table)
{
	const struct events_case *c = &events_cases[_i];
	struct events_args a;
	struct refusal why = { 0 };
	int rc = reqargs_events(c->query, &a, &why);

	if (c->status == 0) {
		ck_assert_msg(rc == 0, "%s: refused: %s", c->query, why.msg);
		ck_assert_int_eq(a.has_since, c->has_since);
		ck_assert_int_eq(a.since, c->since);
		ck_assert_int_eq(a.timeout, c->timeout);
		return;
	}
	ck_assert_msg(rc == MT_EINVAL, "%s: accepted", c->query);
	ck_assert_int_eq(why.status, c->status);
	if (c->code == NULL)
		ck_assert_ptr_null(why.code);
	else
		ck_assert_str_eq(why.code, c->code);
	ck_assert_str_eq(why.msg, c->msg);
}
END_TEST

/* The acting user (legacy mode): the value, or the refusal message. */
static const struct user_case {
	const char	*query;
	const char	*user;		/* NULL: refused with msg */
	const char	*msg;
} user_cases[] = {
	{ "user_id=alice", "alice", NULL },
	{ "user_id=a+b", "a+b", NULL },			/* F18 */
	{ "user_id=a%2Bb", "a+b", NULL },
	{ "user_id=a%20b", "a b", NULL },
	{ "user_id=a%00b", "a%00b", NULL },		/* raw fallback */
	{ "user_id=%FF", "%FF", NULL },
	{ "user_id=%C3%A9", "\xc3\xa9", NULL },
	{ "sender_id=bob", "bob", NULL },
	{ "x=1&user_id=carol&user_id=dave", "carol", NULL },
	{ "user_id=", NULL, "user_id cannot be empty" },
	{ "", NULL, "user_id query parameter required" },
	{ NULL, NULL, "user_id query parameter required" },
	{ "user%5Fid=x", NULL, "user_id query parameter required" },
	{ "user_id", NULL, "user_id query parameter required" },
	{ "user_id=\xff", NULL, "user_id is not valid UTF-8" },
};

START_TEST(user_table)
{
	const struct user_case *c = &user_cases[_i];
	struct refusal why = { 0 };
	char *user = NULL;
	int rc = reqargs_user(c->query, &user, &why);

	if (c->user != NULL) {
		ck_assert_msg(rc == 0, "%s: refused: %s", c->query, why.msg);
		ck_assert_str_eq(user, c->user);
		mt_free(user);
		return;
	}
	ck_assert_int_eq(rc, MT_EINVAL);
	ck_assert_ptr_null(user);
	ck_assert_int_eq(why.status, 400);
	ck_assert_str_eq(why.code, "BAD_REQUEST");
	ck_assert_str_eq(why.msg, c->msg);
}
END_TEST

START_TEST(user_matches_token)
{
	struct refusal why = { 0 };

	ck_assert_int_eq(reqargs_user_matches("", "a+b", &why), 0);
	ck_assert_int_eq(reqargs_user_matches("user_id=a+b", "a+b", &why), 0);
	ck_assert_int_eq(reqargs_user_matches("user_id=a%20b", "a+b", &why),
	    MT_EFORBIDDEN);
	ck_assert_int_eq(why.status, 403);
	ck_assert_str_eq(why.code, "FORBIDDEN");
	ck_assert_str_eq(why.msg, "user_id does not match token");
	ck_assert_int_eq(reqargs_user_matches("user_id=\xff", "a", &why),
	    MT_EINVAL);
	ck_assert_int_eq(why.status, 400);
}
END_TEST

/* Every allocation failure is MT_ENOMEM, never a refusal or a crash. */
START_TEST(out_of_memory)
{
	struct events_args a;
	struct refusal why;
	char *user = NULL;
	long n;
	int rc;

	for (n = 1; n < 20; n++) {
		mem_fail_after(n);
		rc = reqargs_events("since=1&timeout=2", &a, &why);
		mem_fail_after(0);
		ck_assert(rc == 0 || rc == MT_ENOMEM);
	}
	for (n = 1; n < 20; n++) {
		mem_fail_after(n);
		rc = reqargs_user("a=1&user_id=x%20y", &user, &why);
		mem_fail_after(0);
		ck_assert(rc == 0 || rc == MT_ENOMEM);
		if (rc == 0) {
			ck_assert_str_eq(user, "x y");
			mt_free(user);
		}
	}
}
END_TEST

static Suite *
reqargs_suite(void)
{
	Suite *s = suite_create("reqargs");
	TCase *tc = tcase_create("core");

	tcase_add_loop_test(tc, events_table, 0,
	    sizeof(events_cases) / sizeof(events_cases[0]));
	tcase_add_loop_test(tc, user_table, 0,
	    sizeof(user_cases) / sizeof(user_cases[0]));
	tcase_add_test(tc, user_matches_token);
	tcase_add_test(tc, out_of_memory);
	suite_add_tcase(s, tc);
	return s;
}

int
main(void)
{
	SRunner *sr;
	int nf;

	sr = srunner_create(reqargs_suite());
	srunner_run_all(sr, CK_NORMAL);
	nf = srunner_ntests_failed(sr);
	srunner_free(sr);
	return nf == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
