/*
 * check_store_dialog.c — unit tests of lib/store_dialog.c on a real SQLite
 * file: list selection and order, scope matching through the value index,
 * Unicode case folding of search, the outcomes of join/leave/flags, and
 * every allocation failure of each call (fault injection): a failing call
 * returns an error, leaves no transaction open and no row behind, and
 * leaks nothing.
 * SPDX-License-Identifier: MIT
 */
#include <check.h>
#include <limits.h>
#include <stdio.h>
#include <string.h>

#include "err.h"
#include "json.h"
#include "log.h"
#include "mem.h"
#include "scope.h"
#include "store.h"
#include "store_common.h"
#include "store_dialog.h"
#include "store_manage.h"
#include "store_message.h"
#include "storejson.h"
#include "testutil.h"
#include "tm.h"

static struct store *st;
static char D1[40], D2[40], D3[40];	/* the fixture dialogs */

static struct store *
open_init(void)
{
	struct store_opts o = {
		.create = true, .allow_old = true, .busy_timeout_ms = 5000,
	};
	char path[PATH_MAX], err[STORE_ERR_LEN];
	struct store *s;
	int applied;

	o.path = tu_path(path, tu_dir, "mtchat.db");
	ck_assert_msg(store_open(&s, &o, err, sizeof(err)) == 0, "%s", err);
	ck_assert_msg(store_migrate(s, &applied, err, sizeof(err)) == 0, "%s",
	    err);
	return s;
}

/* M1 through the management store; copies the new id into id. */
static void
create(char *id, const char *type, const char *title,
    const struct participant_in *p, size_t n, const char *scopes)
{
	struct dialog_in in = {
		.object_id = "o", .object_type = type, .title = title,
		.participants = p, .nparticipants = n,
	};
	json_t *sc = scopes ? json_loads(scopes, 0, NULL) : NULL, *d;
	int64_t seq;

	in.scopes = sc;
	ck_assert_int_eq(sj_manage_create(st, &in, &d, &seq), 0);
	snprintf(id, 40, "%s", json_string_value(json_object_get(d, "id")));
	json_decref(d);
	json_decref(sc);
}

static void
setup(void)
{
	static const struct participant_in ab[] = {
		{ "alice", "Alice", "Ёлки Über", NULL, NULL },
		{ "bob", "Bob", NULL, NULL, NULL },
	};
	static const struct participant_in a[] = {
		{ "alice", "Alice", NULL, NULL, NULL },
	};

	tu_setup();
	st = open_init();
	create(D1, "t", "Tender", ab, 2,
	    "[{\"scope_level0\":[\"tenant-a\"],\"scope_level2\":[\"r\"]}]");
	create(D2, "t", "100% Wild_card", NULL, 0, "[{}]");
	create(D3, "u", NULL, a, 1, NULL);
}

static void
teardown(void)
{
	store_close(st);
	tu_teardown();
}

static struct scope_set *
scopes(const char *text)
{
	json_t *v = json_loads(text, 0, NULL);
	struct scope_set *s;

	ck_assert_int_eq(scope_from_json(v, &s), 0);
	json_decref(v);
	return s;
}

/* The ids of a list as "1 3" (fixture numbers), or "" when empty. */
static void
ids(const json_t *arr, char *out, size_t len)
{
	const char *names[] = { D1, D2, D3 };
	const json_t *v;
	size_t i, k;

	*out = '\0';
	json_array_foreach(arr, i, v)
		for (k = 0; k < 3; k++)
			if (strcmp(json_string_value(json_object_get(v, "id")),
			    names[k]) == 0)
				snprintf(out + strlen(out), len - strlen(out),
				    "%s%zu", *out ? " " : "", k + 1);
}

/* sj_dialog_list() parsed back (allocation failures off for the parse). */
static int
list_json(const struct dialog_filter *f, json_t **out)
{
	struct jw w = JW_INIT;
	char err[64], *text;
	size_t len;
	int rc = sj_dialog_list(st, f, &w, NULL);

	mem_fail_after(0);
	text = jw_take(&w, &len);
	*out = NULL;
	if (rc == 0) {
		ck_assert_ptr_nonnull(text);
		*out = json_parse(text, len, err, sizeof(err));
		ck_assert_msg(*out != NULL, "%s: %s", err, text);
	}
	mt_free(text);
	return rc;
}

static void
list_is(const struct dialog_filter *f, const char *want)
{
	char got[64];
	json_t *arr;

	ck_assert_int_eq(list_json(f, &arr), 0);
	ids(arr, got, sizeof(got));
	json_decref(arr);
	ck_assert_str_eq(got, want);
}

START_TEST(list_mine_ignores_scopes)
{
	struct scope_set *s = scopes("{\"scope_level0\":[\"x\"]}");
	struct dialog_filter f = {
		.user = "alice", .scopes = s, .archived = -1,
		.participating = true, .limit = 50,
	};

	list_is(&f, "3 1");
	f.limit = 1;
	f.offset = 1;
	list_is(&f, "1");
	f.limit = 0;
	list_is(&f, "");
	scope_set_free(s);
}
END_TEST

static void
no_problem(const char *line, void *arg)
{
	(void)arg;
	ck_abort_msg("store_check: %s", line);
}

/* The counts of sql/0002-counts.sql agree with what they count. */
static void
derived_agree(void)
{
	int problems = -1;

	ck_assert_int_eq(store_check(st, no_problem, NULL, &problems), 0);
	ck_assert_int_eq(problems, 0);
}

/* Member key of fixture dialog id in alice's list, -1 when missing. */
static long long
item_int(const char *id, const char *key)
{
	struct dialog_filter f = {
		.user = "alice", .archived = -1, .participating = true,
		.limit = 50,
	};
	long long n = -1;
	const json_t *v;
	json_t *arr;
	size_t i;

	ck_assert_int_eq(list_json(&f, &arr), 0);
	json_array_foreach(arr, i, v)
		if (strcmp(json_string_value(json_object_get(v, "id")),
		    id) == 0)
			n = json_integer_value(json_object_get(v, key));
	json_decref(arr);
	return n;
}

/*
 * F6 order, participants_count and unread counts (F15) through every
 * writer of the counts they are made from.
 */
START_TEST(list_order_follows_every_writer)
{
	struct scope_set *s = scopes("{\"scope_level0\":[\"tenant-a\"],"
	    "\"scope_level2\":[\"r\"]}");
	struct dialog_filter f = {
		.user = "alice", .archived = -1, .participating = true,
		.limit = 50,
	};
	struct msg_send m = {
		.dialog_id = D1, .user_id = "bob", .content = "<p>hi</p>",
	};
	struct dialog_join j = {
		.dialog_id = D3, .user = "carol", .scopes = s,
		.display_name = "Carol",
	};
	static const struct participant_in dave = {
		"dave", "Dave", NULL, NULL, NULL,
	};
	enum manage_result manres;
	enum msg_result mres;
	enum dialog_result res;
	json_t *msg;
	char mid[40];
	int64_t seq;

	list_is(&f, "3 1");
	derived_agree();
	ck_assert_int_eq(item_int(D1, "participants_count"), 2);
	/* a user message moves its dialog up, for every participant */
	ck_assert_int_eq(sj_message_send(st, &m, &mres, &msg, &seq), 0);
	ck_assert_int_eq(mres, MSG_OK);
	snprintf(mid, sizeof(mid), "%s",
	    json_string_value(json_object_get(msg, "id")));
	json_decref(msg);
	list_is(&f, "1 3");
	ck_assert_int_eq(item_int(D1, "unread_count"), 1);
	derived_agree();
	/* added by M5 after it: nothing unread, and no read position */
	ck_assert_int_eq(store_manage_add(st, D1, &dave, &manres, &seq), 0);
	ck_assert_int_eq(manres, MANAGE_OK);
	ck_assert_int_eq(item_int(D1, "participants_count"), 3);
	/* deleting it moves the dialog back, and it is no longer unread; for
	 * dave it stays 0 (derived_agree() checks every unread count >= 0) */
	ck_assert_int_eq(store_message_delete(st, &(struct msg_ref){ D1, mid,
	    "bob", NULL }, &mres, &seq), 0);
	ck_assert_int_eq(mres, MSG_OK);
	list_is(&f, "3 1");
	ck_assert_int_eq(item_int(D1, "unread_count"), 0);
	derived_agree();
	ck_assert_int_eq(store_manage_remove(st, D1, "dave", &manres, &seq),
	    0);
	/* a join counts, and its system message is activity */
	ck_assert_int_eq(store_dialog_join(st, &j, &res), 0);
	ck_assert_int_eq(res, DIALOG_NO_ACCESS);
	j.dialog_id = D1;
	ck_assert_int_eq(store_dialog_join(st, &j, &res), 0);
	ck_assert_int_eq(res, DIALOG_OK);
	ck_assert_int_eq(item_int(D1, "participants_count"), 3);
	list_is(&f, "1 3");
	derived_agree();
	ck_assert_int_eq(store_dialog_leave(st, D1, "carol", &seq, &res), 0);
	ck_assert_int_eq(res, DIALOG_OK);
	ck_assert_int_eq(item_int(D1, "participants_count"), 2);
	derived_agree();
	/* pinned first, whatever the activity */
	ck_assert_int_eq(store_dialog_set_flag(st, &(struct dialog_flag_change){
	    D3, "alice", DIALOG_FLAG_PINNED, true }, &res), 0);
	list_is(&f, "3 1");
	derived_agree();
	scope_set_free(s);
}
END_TEST

START_TEST(list_open_matches_scopes)
{
	struct scope_set *a = scopes("{\"scope_level0\":[\"tenant-a\"]}");
	struct scope_set *ar = scopes("{\"scope_level0\":[\"tenant-a\"],"
	    "\"scope_level2\":[\"q\",\"r\"]}");
	struct dialog_filter f = {
		.user = "erin", .archived = -1, .available = true, .limit = 50,
	};

	f.scopes = a;
	list_is(&f, "2");
	f.scopes = ar;
	list_is(&f, "2 1");
	f.user = "bob";		/* never one's own dialogs */
	list_is(&f, "2");
	scope_set_free(a);
	scope_set_free(ar);
}
END_TEST

START_TEST(search_folds_unicode_and_is_literal)
{
	struct dialog_filter f = {
		.user = "alice", .archived = -1, .participating = true,
		.limit = 50,
	};
	struct scope_set *none = scopes("{}");
	struct dialog_filter o = {
		.user = "erin", .scopes = none, .archived = -1,
		.available = true, .limit = 50,
	};

	f.search = "ЁЛКИ üBER";
	list_is(&f, "1");
	f.search = "tender";
	list_is(&f, "1");
	f.search = "%";
	list_is(&f, "");
	f.search = "";
	list_is(&f, "3 1");
	o.search = "0% w";
	list_is(&o, "2");
	o.search = "d_c";
	list_is(&o, "2");
	o.search = "d%c";
	list_is(&o, "");
	scope_set_free(none);
}
END_TEST

START_TEST(outcomes)
{
	struct scope_set *s = scopes("{\"scope_level0\":[\"tenant-a\"],"
	    "\"scope_level2\":[\"r\"]}");
	struct dialog_join j = {
		.dialog_id = D1, .user = "alice", .scopes = s,
		.display_name = "A", .company = "",
	};
	enum dialog_result res;
	int64_t seq;

	ck_assert_int_eq(store_dialog_join(st, &j, &res), 0);
	ck_assert_int_eq(res, DIALOG_ALREADY);
	j.user = "carol";
	j.dialog_id = D3;
	ck_assert_int_eq(store_dialog_join(st, &j, &res), 0);
	ck_assert_int_eq(res, DIALOG_NO_ACCESS);
	j.dialog_id = D1;
	j.display_name = " ";
	ck_assert_int_eq(store_dialog_join(st, &j, &res), 0);
	ck_assert_int_eq(res, DIALOG_INVALID);
	ck_assert_str_eq(j.msg, "display_name is required");
	j.display_name = "Carol";
	ck_assert_int_eq(store_dialog_join(st, &j, &res), 0);
	ck_assert_int_eq(res, DIALOG_OK);
	ck_assert_int_gt(j.seq, 0);
	ck_assert_int_eq(store_dialog_leave(st, D1, "nobody", &seq, &res), 0);
	ck_assert_int_eq(res, DIALOG_NOT_PARTICIPANT);
	ck_assert_int_eq(store_dialog_leave(st, D1, "carol", &seq, &res), 0);
	ck_assert_int_eq(res, DIALOG_OK);
	ck_assert_int_eq(store_dialog_set_flag(st, &(struct dialog_flag_change){
	    D1, "carol", DIALOG_FLAG_PINNED, true }, &res), 0);
	ck_assert_int_eq(res, DIALOG_NOT_PARTICIPANT);
	ck_assert_int_eq(store_dialog_set_flag(st, &(struct dialog_flag_change){
	    D1, "bob", DIALOG_FLAG_ARCHIVED, false }, &res), 0);
	ck_assert_int_eq(res, DIALOG_OK);
	ck_assert(!store_in_tx(st));
	scope_set_free(s);
}
END_TEST

/*
 * Runs call with the 1st, 2nd, ... allocation failing until it succeeds;
 * every failure must be an error with no transaction left open.
 */
#define FAULTS(call) do {						\
	long n_;							\
	int rc_ = -1;							\
	for (n_ = 1; n_ < 5000 && rc_ != 0; n_++) {			\
		mem_fail_after(n_);					\
		rc_ = (call);						\
		mem_fail_after(0);					\
		ck_assert_int_le(rc_, 0);				\
		ck_assert(!store_in_tx(st));				\
	}								\
	ck_assert_int_eq(rc_, 0);					\
	ck_assert_int_gt(n_, 2);	/* some allocation did fail */	\
} while (0)

/* store_participant_text() (store_common.c): one participant's column. */
START_TEST(participant_text)
{
	static const char name[] = "SELECT display_name FROM participants"
	    " WHERE dialog_id = ?1 AND user_id = ?2";
	static const char none[] = "SELECT NULL FROM participants"
	    " WHERE dialog_id = ?1 AND user_id = ?2";
	char *text;
	long n;
	int rc;

	ck_assert_int_eq(store_participant_text(st, name, D1, "bob", &text),
	    0);
	ck_assert_str_eq(text, "Bob");
	mt_free(text);
	ck_assert_int_eq(store_participant_text(st, name, D3, "bob", &text),
	    MT_ENOTFOUND);
	ck_assert_ptr_null(text);
	ck_assert_int_eq(store_participant_text(st, none, D3, "alice",
	    &text), 0);
	ck_assert_ptr_null(text);
	for (n = 1; n < 100; n++) {
		mem_fail_after(n);
		rc = store_participant_text(st, name, D1, "alice", &text);
		mem_fail_after(0);
		if (rc == 0)
			break;
		ck_assert_ptr_null(text);
	}
	ck_assert_int_eq(rc, 0);
	ck_assert_str_eq(text, "Alice");
	mt_free(text);
}
END_TEST

START_TEST(reads_under_allocation_failures)
{
	struct scope_set *s = scopes("{\"scope_level0\":[\"tenant-a\"],"
	    "\"scope_level2\":[\"r\"]}");
	struct dialog_filter f = {
		.user = "alice", .scopes = s, .archived = -1,
		.participating = true, .limit = 50, .search = "d",
		.object_type = "t", .object_id = "o",
	};
	enum dialog_result res;
	json_t *out = NULL;

	FAULTS((json_decref(out), out = NULL,
	    list_json(&f, &out)));
	ck_assert_uint_eq(json_array_size(out), 1);
	f.participating = false;
	f.available = true;
	f.user = "erin";
	FAULTS((json_decref(out), out = NULL,
	    list_json(&f, &out)));
	ck_assert_uint_eq(json_array_size(out), 2);
	f.user = "alice";
	f.participating = true;
	FAULTS((json_decref(out), out = NULL,
	    sj_dialog_list_by_object(st, &f, &out)));
	ck_assert_uint_eq(json_array_size(out), 2);
	FAULTS((json_decref(out), out = NULL,
	    sj_dialog_by_object(st, &f, &out)));
	ck_assert_ptr_nonnull(out);
	FAULTS((json_decref(out), out = NULL,
	    sj_dialog_get(st, &(struct dialog_access){ D1, "alice", s },
	    &out, &res)));
	FAULTS((json_decref(out), out = NULL,
	    sj_dialog_participants(st, &(struct dialog_access){ D1, "erin",
	    s }, 0, &out, &res)));
	ck_assert_uint_eq(json_array_size(out), 2);
	json_decref(out);
	scope_set_free(s);
}
END_TEST

START_TEST(writes_under_allocation_failures)
{
	struct scope_set *s = scopes("{\"scope_level0\":[\"tenant-a\"],"
	    "\"scope_level2\":[\"r\"]}");
	struct dialog_join j = {
		.dialog_id = D1, .user = "carol", .scopes = s,
		.display_name = "Carol", .company = "C",
	};
	enum dialog_result res;
	bool in;
	int64_t seq;

	FAULTS(store_dialog_join(st, &j, &res));
	ck_assert_int_eq(res, DIALOG_OK);
	ck_assert_int_eq(store_participant_exists(st, D1, "carol", &in), 0);
	ck_assert(in);
	FAULTS(store_dialog_leave(st, D1, "carol", &seq, &res));
	ck_assert_int_eq(res, DIALOG_OK);
	ck_assert_int_eq(store_participant_exists(st, D1, "carol", &in), 0);
	ck_assert(!in);
	scope_set_free(s);
}
END_TEST

static Suite *
suite(void)
{
	Suite *s = suite_create("store_dialog");
	TCase *tc = tcase_create("core");

	tcase_add_checked_fixture(tc, setup, teardown);
	tu_timeout(tc, 60);
	tcase_add_test(tc, list_mine_ignores_scopes);
	tcase_add_test(tc, list_order_follows_every_writer);
	tcase_add_test(tc, list_open_matches_scopes);
	tcase_add_test(tc, search_folds_unicode_and_is_literal);
	tcase_add_test(tc, outcomes);
	tcase_add_test(tc, participant_text);
	tcase_add_test(tc, reads_under_allocation_failures);
	tcase_add_test(tc, writes_under_allocation_failures);
	suite_add_tcase(s, tc);
	return s;
}

int
main(void)
{
	json_init();
	log_init("check_store_dialog", 0, 0);
	return tu_run(suite());
}
