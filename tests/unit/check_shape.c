/*
 * check_shape.c — unit tests of lib/shape.c and the arena of lib/rows.c:
 * the exact JSON text of each shape from rows made by hand (key order,
 * null versus omitted, times, the hidden fields of S6, the list items'
 * optional members), the single values equal to the written text, and the
 * arena's strings, long ones included. No database: the store's part is
 * pinned by check_store_* and the integration tests.
 * SPDX-License-Identifier: MIT
 */
#include <check.h>
#include <stdio.h>
#include <string.h>

#include "err.h"
#include "json.h"
#include "log.h"
#include "mem.h"
#include "shape.h"
#include "testutil.h"

#define T0	1700000000000000LL	/* 2023-11-14T22:13:20Z */
#define T0S	"2023-11-14T22:13:20Z"
#define T1	1700000000123000LL
#define T1S	"2023-11-14T22:13:20.123Z"

/* What w wrote, compared with want; w is emptied. */
static void
written_is(struct jw *w, const char *want)
{
	size_t len;
	char *text = jw_take(w, &len);

	ck_assert_ptr_nonnull(text);
	ck_assert_str_eq(text, want);
	mt_free(text);
}

/* v encoded (insertion order) compared with want; v is released. */
static void
value_is(json_t *v, const char *want)
{
	char *text;

	ck_assert_ptr_nonnull(v);
	text = json_encode(v);
	ck_assert_ptr_nonnull(text);
	ck_assert_str_eq(text, want);
	mt_free(text);
	json_decref(v);
}

/* The members of DIALOG. */
#define D	"\"id\":\"d1\",\"object_id\":\"o1\"," \
	"\"object_type\":\"deal\",\"title\":\"T\",\"object_url\":null," \
	"\"created_by\":\"u0\",\"created_at\":\"" T0S "\"," \
	"\"meta\":{\"a\":[1,null]}"

static const struct dialog_row DIALOG = {
	"d1", "o1", "deal", "T", NULL, "u0", T0, "{\"a\":[1,null]}",
};

START_TEST(message_shapes)
{
	struct attachment_row att[2] = {
		{ .id = "a1", .filename = "x.png", .content_type = "image/png",
		  .size = 10, .width = 4, .has_width = true,
		  .has_thumbnail = true, .url = "/f/a1" },
		{ .id = "a2", .filename = "y", .content_type = "text/plain",
		  .size = 0, .url = "" },
	};
	struct message_row sys = {
		.id = "m1", .dialog_id = "d1", .content = "{\"event\":\"x\"}",
		.sent_at = T0, .message_type = "system",
	};
	struct message_row user = {
		.id = "m2", .dialog_id = "d1", .sender_id = "bob",
		.content = "<p>\"hi\"</p>", .sent_at = T1, .edited = true,
		.last_edited_at = T0, .reply_to_id = "m1",
		.message_type = "user", .att = att, .natt = 2,
	};
	static const char SYS[] = "{\"id\":\"m1\",\"dialog_id\":\"d1\","
	    "\"sender_id\":null,\"content\":\"{\\\"event\\\":\\\"x\\\"}\","
	    "\"sent_at\":\"" T0S "\",\"last_edited_at\":null,"
	    "\"reply_to_id\":null,\"message_type\":\"system\"}";
	static const char USER[] = "{\"id\":\"m2\",\"dialog_id\":\"d1\","
	    "\"sender_id\":\"bob\",\"content\":\"<p>\\\"hi\\\"</p>\","
	    "\"sent_at\":\"" T1S "\",\"last_edited_at\":\"" T0S "\","
	    "\"reply_to_id\":\"m1\",\"message_type\":\"user\","
	    "\"attachments\":[{\"id\":\"a1\",\"filename\":\"x.png\","
	    "\"content_type\":\"image/png\",\"size\":10,\"width\":4,"
	    "\"url\":\"/f/a1\",\"thumbnail_url\":\"\"},{\"id\":\"a2\","
	    "\"filename\":\"y\",\"content_type\":\"text/plain\",\"size\":0,"
	    "\"url\":\"\"}]}";
	struct message_rows page = { 0 };
	struct message_row both[2];
	struct jw w = JW_INIT;

	shape_message_write(&w, NULL, &sys);
	written_is(&w, SYS);
	value_is(shape_message(&sys), SYS);
	value_is(shape_message(&user), USER);
	value_is(shape_attachments(NULL, 0), "[]");
	/* C14: no first unread leaves the key out */
	both[0] = sys;
	both[1] = user;
	page.m = both;
	page.n = 2;
	page.has_more_after = true;
	ck_assert_int_eq(shape_message_list(&w, NULL, &page), 0);
	{
		char want[sizeof(SYS) + sizeof(USER) + 80];

		snprintf(want, sizeof(want), "{\"messages\":[%s,%s],"
		    "\"has_more_before\":false,\"has_more_after\":true}",
		    SYS, USER);
		written_is(&w, want);
	}
}
END_TEST

START_TEST(participant_views)
{
	struct participant_row p = {
		.dialog_id = "d1", .user_id = "bob", .joined_at = T0,
		.joined_as = "participant", .notifications_enabled = true,
		.last_read_message_id = NULL, .unread_count = 3,
		.display_name = "Bob", .company = NULL, .email = "b@x",
		.phone = "1", .is_archived = false, .is_pinned = true,
		.is_online = true,
	};

	value_is(shape_participants(&p, 1, 0), "[{\"dialog_id\":\"d1\","
	    "\"user_id\":\"bob\",\"joined_at\":\"" T0S "\","
	    "\"joined_as\":\"participant\",\"notifications_enabled\":true,"
	    "\"last_read_message_id\":null,\"unread_count\":3,"
	    "\"display_name\":\"Bob\",\"company\":null,\"email\":\"b@x\","
	    "\"phone\":\"1\",\"is_archived\":false,\"is_pinned\":true}]");
	/* S6: a potential participant sees neither state nor contact */
	value_is(shape_participants(&p, 1, SHAPE_HIDE | SHAPE_ONLINE),
	    "[{\"dialog_id\":\"d1\",\"user_id\":\"bob\","
	    "\"joined_at\":\"" T0S "\",\"joined_as\":\"participant\","
	    "\"display_name\":\"Bob\",\"company\":null,\"email\":null,"
	    "\"phone\":null,\"is_online\":true}]");
}
END_TEST

START_TEST(dialog_shapes)
{
	struct scope_row sc = { "s1", "d1", { "[\"a\"]", "[]", NULL }, T1 };
	struct dialog_rows r = { .found = true, .d = DIALOG, .scopes = &sc,
	    .nscopes = 1 };

	value_is(shape_dialog(&r.d), "{" D "}");
	value_is(shape_manage_dialog(&r), "{" D ",\"participants\":[],"
	    "\"access_scopes\":[{\"id\":\"s1\",\"dialog_id\":\"d1\","
	    "\"scope_level0\":[\"a\"],\"scope_level1\":[],"
	    "\"created_at\":\"" T1S "\"}]}");
	r.d.meta = NULL;	/* no meta: no key */
	value_is(shape_dialog(&r.d), "{\"id\":\"d1\",\"object_id\":\"o1\","
	    "\"object_type\":\"deal\",\"title\":\"T\",\"object_url\":null,"
	    "\"created_by\":\"u0\",\"created_at\":\"" T0S "\"}");
}
END_TEST

#define MINE "{" D ",\"participants_count\":2," \
	    "\"i_am_participant\":true,\"can_join\":false," \
	    "\"unread_count\":1,\"is_archived\":false,\"is_pinned\":true," \
	    "\"notifications_enabled\":true," \
	    "\"last_message_at\":\"" T1S "\",\"last_message\":{\"id\":\"m9\"," \
	    "\"content\":\"{}\",\"sent_at\":\"" T1S "\"," \
	    "\"message_type\":\"system\"},\"participants\":[" \
	    "{\"user_id\":\"alice\",\"display_name\":\"Alice\"}," \
	    "{\"user_id\":\"bob\",\"company\":\"B Inc\"}]}"
#define OPEN "{" D ",\"participants_count\":5," \
	    "\"i_am_participant\":false,\"can_join\":true}"

START_TEST(list_items)
{
	struct summary_row sum[2] = {
		{ "alice", "Alice", NULL }, { "bob", NULL, "B Inc" },
	};
	struct dialog_item it[3] = {
		{ .id = "d1", .has_dialog = true, .d = DIALOG,
		  .participants_count = 2, .mine = true, .unread_count = 1,
		  .is_pinned = true, .notifications_enabled = true,
		  .has_last_at = true, .last_message_at = T1,
		  .has_last = true, .last = { "m9", "{}", NULL, "ignored",
		  T1, "system" }, .first = 0, .nsum = 2 },
		{ .id = "gone", .mine = true },	/* deleted meanwhile */
		{ .id = "d1", .has_dialog = true, .d = DIALOG,
		  .participants_count = 5 },
	};
	struct dialog_page pg = { .it = it, .n = 3, .sum = sum, .nsum = 2 };
	struct jw w = JW_INIT;
	json_t *first;

	ck_assert_int_eq(shape_dialog_list(&w, NULL, &pg), 0);
	written_is(&w, "[" MINE "," OPEN "]");
	value_is(shape_dialog_items(&pg), "[" MINE "," OPEN "]");
	ck_assert_int_eq(shape_dialog_first(&pg, &first), 0);
	value_is(first, MINE);
	/* C2: the count and the participants (always) for a participant */
	it[0].nsum = 0;
	value_is(shape_dialog_one(&pg), "{" D ",\"participants_count\":2,"
	    "\"i_am_participant\":true,\"can_join\":false,"
	    "\"participants\":[]}");
	pg.it = &it[2];
	value_is(shape_dialog_one(&pg), "{" D ",\"i_am_participant\":false,"
	    "\"can_join\":true}");
	pg.n = 0;
	ck_assert_int_eq(shape_dialog_first(&pg, &first), 0);
	ck_assert_ptr_null(first);
}
END_TEST

START_TEST(arena_strings)
{
	struct arena a = { 0 };
	char big[10000];
	const char *s, *t;

	memset(big, 'x', sizeof(big) - 1);
	big[sizeof(big) - 1] = '\0';
	ck_assert_ptr_null(arena_dup(&a, NULL));
	s = arena_dup(&a, "abc");
	t = arena_dup(&a, big);		/* longer than a block */
	ck_assert_str_eq(arena_dupn(&a, "hello", 4), "hell");
	ck_assert_str_eq(s, "abc");
	ck_assert_str_eq(t, big);
	ck_assert_int_eq(a.err, 0);
	mem_fail_after(1);
	ck_assert_ptr_null(arena_dup(&a, big));
	mem_fail_after(0);
	ck_assert_int_eq(a.err, MT_ENOMEM);
	ck_assert_str_eq(s, "abc");	/* earlier strings stay */
	arena_free(&a);
	ck_assert_ptr_null(a.head);
	arena_free(&a);			/* twice is harmless */
}
END_TEST

static Suite *
shape_suite(void)
{
	Suite *s = suite_create("shape");
	TCase *tc = tcase_create("core");

	tcase_add_test(tc, message_shapes);
	tcase_add_test(tc, participant_views);
	tcase_add_test(tc, dialog_shapes);
	tcase_add_test(tc, list_items);
	tcase_add_test(tc, arena_strings);
	suite_add_tcase(s, tc);
	return s;
}

int
main(void)
{
	json_init();
	log_init("test", 0, 0);
	return tu_run(shape_suite());
}
