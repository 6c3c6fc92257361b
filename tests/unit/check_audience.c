/*
 * check_audience.c — unit tests of the audience rules: lib/audience.c with
 * fake membership, then the database-backed audience of the polling
 * endpoint (lib/store_poll.c) and of auto-archive's dialog.archived events
 * (lib/store_archive.c, F13) on a real SQLite file.
 * SPDX-License-Identifier: MIT
 */
#include <check.h>
#include <limits.h>
#include <sqlite3.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "audience.h"
#include "changelog.h"
#include "err.h"
#include "event_body.h"
#include "json.h"
#include "log.h"
#include "mem.h"
#include "store.h"
#include "store_archive.h"
#include "store_poll.h"
#include "store_presence.h"
#include "tm.h"
#include "testutil.h"

/* ---- fake membership: D1 {alice, bob}, D2 {bob, carol} ---- */

static const char *const members[][2] = {
	{ "D1", "alice" }, { "D1", "bob" }, { "D2", "bob" }, { "D2", "carol" },
};
#define NMEMBERS	(sizeof(members) / sizeof(members[0]))

static bool
fake_is_member(void *ctx, const char *dialog_id, const char *user,
    int64_t seq)
{
	size_t i;

	(void)ctx;
	(void)seq;
	for (i = 0; i < NMEMBERS; i++)
		if (strcmp(members[i][0], dialog_id) == 0 &&
		    strcmp(members[i][1], user) == 0)
			return true;
	return false;
}

static bool
fake_shares(void *ctx, const char *a, const char *b)
{
	size_t i;

	for (i = 0; i < NMEMBERS; i++)
		if (strcmp(members[i][1], a) == 0 &&
		    fake_is_member(ctx, members[i][0], b, 0))
			return true;
	return false;
}

static void
fake_each_member(void *ctx, const char *dialog_id,
    void (*cb)(const char *, void *), void *arg)
{
	size_t i;

	(void)ctx;
	for (i = 0; i < NMEMBERS; i++)
		if (strcmp(members[i][0], dialog_id) == 0)
			cb(members[i][1], arg);
}

static void
fake_each_peer(void *ctx, const char *user,
    void (*cb)(const char *, void *), void *arg)
{
	static const char *const users[] = { "alice", "bob", "carol" };
	size_t i;

	for (i = 0; i < 3; i++)
		if (strcmp(users[i], user) != 0 &&
		    fake_shares(ctx, user, users[i]))
			cb(users[i], arg);
}

static const struct audience_ops fake = {
	fake_is_member, fake_shares, fake_each_member, fake_each_peer, NULL
};

static struct changelog_row
row(const char *type, const char *dialog, const char *subject,
    const char *audience)
{
	struct changelog_row r = {
		.seq = 1, .type = type, .dialog_id = dialog,
		.subject_user = subject, .audience = audience, .body = "{}",
	};

	return r;
}

/* The audience as "a,b,": what audience_each() reported, in order. */
static void
append_user(const char *user, void *arg)
{
	strcat(arg, user);
	strcat(arg, ",");
}

static const char *
each(const struct changelog_row *r, char *buf)
{
	buf[0] = '\0';
	audience_each(r, &fake, append_user, buf);
	return buf;
}

START_TEST(audience_dialog_events_reach_current_participants)
{
	static const char *const types[] = { "message.new", "message.edited",
	    "message.deleted", "message.read", "participant.joined" };
	struct changelog_row r;
	char buf[256];
	size_t i;

	for (i = 0; i < sizeof(types) / sizeof(types[0]); i++) {
		r = row(types[i], "D1", "bob", NULL);
		ck_assert(audience_includes(&r, "alice", &fake));
		ck_assert(audience_includes(&r, "bob", &fake));
		ck_assert(!audience_includes(&r, "carol", &fake));
		ck_assert_str_eq(each(&r, buf), "alice,bob,");
		/* a listed audience does not widen a dialog event */
		r.audience = "[\"carol\"]";
		ck_assert(!audience_includes(&r, "carol", &fake));
		r.dialog_id = NULL;
		ck_assert(!audience_includes(&r, "alice", &fake));
	}
}
END_TEST

START_TEST(audience_participant_left_reaches_the_leaver_too)
{
	struct changelog_row r = row("participant.left", "D1", "zed",
	    "[\"zed\"]");
	char buf[256];

	ck_assert(audience_includes(&r, "zed", &fake));
	ck_assert(audience_includes(&r, "alice", &fake));
	ck_assert(!audience_includes(&r, "carol", &fake));
	ck_assert_str_eq(each(&r, buf), "zed,alice,bob,");
	r.audience = NULL;
	ck_assert(!audience_includes(&r, "zed", &fake));
	ck_assert(audience_includes(&r, "bob", &fake));
}
END_TEST

START_TEST(audience_per_user_events_only_the_listed_users)
{
	static const char *const types[] = { "dialog.archived",
	    "dialog.unarchived", "dialog.deleted" };
	struct changelog_row r;
	char buf[256];
	size_t i;

	for (i = 0; i < 3; i++) {
		r = row(types[i], "D1", NULL, "[\"alice\",\"carol\"]");
		ck_assert(audience_includes(&r, "alice", &fake));
		ck_assert(audience_includes(&r, "carol", &fake));
		/* F14: a participant not listed is not told */
		ck_assert(!audience_includes(&r, "bob", &fake));
		ck_assert_str_eq(each(&r, buf), "alice,carol,");
		r.audience = NULL;
		ck_assert(!audience_includes(&r, "alice", &fake));
		ck_assert_str_eq(each(&r, buf), "");
		r.audience = "[\"alice\"";	/* malformed: nobody */
		ck_assert(!audience_includes(&r, "alice", &fake));
	}
}
END_TEST

START_TEST(audience_presence_reaches_peers_not_the_subject)
{
	struct changelog_row r = row("presence.update", NULL, "alice", NULL);
	char buf[256];

	ck_assert(audience_includes(&r, "bob", &fake));
	ck_assert(!audience_includes(&r, "alice", &fake));
	ck_assert(!audience_includes(&r, "carol", &fake));
	ck_assert_str_eq(each(&r, buf), "bob,");
	r.subject_user = "bob";
	ck_assert_str_eq(each(&r, buf), "alice,carol,");
	r.subject_user = NULL;
	ck_assert(!audience_includes(&r, "bob", &fake));
}
END_TEST

START_TEST(audience_unknown_types_reach_nobody)
{
	struct changelog_row r = row("message.secret", "D1", "alice",
	    "[\"alice\"]");
	char buf[256];

	ck_assert(!audience_includes(&r, "alice", &fake));
	ck_assert_str_eq(each(&r, buf), "");
	r.type = NULL;
	ck_assert(!audience_includes(&r, "alice", &fake));
}
END_TEST

START_TEST(audience_list_has_cases)
{
	ck_assert(audience_list_has("[\"a\",\"b\"]", "b"));
	ck_assert(!audience_list_has("[\"a\",\"b\"]", "c"));
	ck_assert(!audience_list_has("[1,null,{\"a\":1}]", "a"));
	ck_assert(!audience_list_has("{\"a\":\"a\"}", "a"));
	ck_assert(!audience_list_has("\"a\"", "a"));
	ck_assert(!audience_list_has("[]", ""));
	ck_assert(audience_list_has("[\"\"]", ""));
	ck_assert(!audience_list_has(NULL, "a"));
	ck_assert(!audience_list_has("[\"a\"]", NULL));
	ck_assert(!audience_list_has("not json", "a"));
}
END_TEST

START_TEST(audience_filter_keeps_per_user_events_and_presence)
{
	struct changelog_row r = row("dialog.archived", "D1", NULL, "[]");

	ck_assert(audience_passes_filter(&r, "alice"));
	r = row("presence.update", NULL, "bob", NULL);
	ck_assert(audience_passes_filter(&r, "alice"));
	r = row("participant.joined", "D1", "alice", NULL);
	ck_assert(audience_passes_filter(&r, "alice"));
	ck_assert(!audience_passes_filter(&r, "bob"));
	r = row("participant.left", "D1", "bob", "[\"bob\"]");
	ck_assert(audience_passes_filter(&r, "bob"));
	r = row("message.new", "D1", "alice", NULL);
	ck_assert(!audience_passes_filter(&r, "alice"));
}
END_TEST

/* ---- the database-backed audience ---- */

static char db[PATH_MAX];
static struct store *st;

static void
db_setup(void)
{
	struct store_opts o = { .create = true, .allow_old = true,
	    .busy_timeout_ms = 10000 };
	char err[STORE_ERR_LEN];
	int applied;

	tu_setup();
	o.path = tu_path(db, tu_dir, "mtchat.db");
	ck_assert_msg(store_open(&st, &o, err, sizeof(err)) == 0, "%s", err);
	ck_assert_msg(store_migrate(st, &applied, err, sizeof(err)) == 0, "%s",
	    err);
}

static void
db_teardown(void)
{
	store_close(st);
	st = NULL;
	tu_teardown();
}

/* Runs SQL on a connection of its own (fixtures; a foreign writer). */
static void
sql_exec(const char *sql)
{
	sqlite3 *d;
	char *msg = NULL;

	ck_assert_int_eq(sqlite3_open(db, &d), SQLITE_OK);
	sqlite3_busy_timeout(d, 5000);
	ck_assert_msg(sqlite3_exec(d, sql, NULL, NULL, &msg) == SQLITE_OK,
	    "%s: %s", sql, msg ? msg : "?");
	sqlite3_close(d);
}

/* Dialog id with participants (comma-separated), created at created. */
static void
add_dialog(const char *id, const char *users, int64_t created,
    const char *last_message_at)
{
	char sql[1024], list[256], *u, *save = NULL;

	snprintf(sql, sizeof(sql), "INSERT INTO dialogs (id, object_id,"
	    " object_type, created_at, last_message_at) VALUES ('%s', 'o',"
	    " 't', %lld, %s)", id, (long long)created, last_message_at);
	sql_exec(sql);
	snprintf(list, sizeof(list), "%s", users);
	for (u = strtok_r(list, ",", &save); u != NULL;
	    u = strtok_r(NULL, ",", &save)) {
		snprintf(sql, sizeof(sql), "INSERT INTO participants"
		    " (dialog_id, user_id, joined_at, joined_as) VALUES ('%s',"
		    " '%s', %lld, 'participant')", id, u, (long long)created);
		sql_exec(sql);
		/* in since before any event, as sql/0004 makes them */
		snprintf(sql, sizeof(sql), "INSERT INTO memberships (user_id,"
		    " dialog_id, from_seq) VALUES ('%s', '%s', 0)", u, id);
		sql_exec(sql);
	}
}

/* Event helpers, each in a transaction of its own; return the seq. */
static int64_t
ev_joined(const char *dialog, const char *user)
{
	int64_t seq = 0;

	ck_assert_int_eq(store_begin(st), 0);
	ck_assert_int_eq(event_participant_joined(st, dialog, user, false,
	    &seq), 0);
	ck_assert_int_eq(store_commit(st), 0);
	return seq;
}

static int64_t
ev_message(const char *dialog, const char *sender)
{
	struct msg_event m = { .id = "m", .dialog_id = dialog,
	    .sender_id = sender, .content = "hi", .sent_at = 1 };
	int64_t seq = 0;

	ck_assert_int_eq(store_begin(st), 0);
	ck_assert_int_eq(event_message_new(st, &m, &seq), 0);
	ck_assert_int_eq(store_commit(st), 0);
	return seq;
}

static int64_t
ev_left(const char *dialog, const char *user)
{
	int64_t seq = 0;

	ck_assert_int_eq(store_begin(st), 0);
	ck_assert_int_eq(event_participant_left(st, dialog, user, false,
	    &seq), 0);
	ck_assert_int_eq(store_commit(st), 0);
	return seq;
}

static int64_t
ev_archived(const char *dialog, const char *user)
{
	json_t *users = json_pack("[s]", user);
	int64_t seq = 0;

	ck_assert_int_eq(store_begin(st), 0);
	ck_assert_int_eq(event_dialog_archived(st, dialog, users, &seq), 0);
	ck_assert_int_eq(store_commit(st), 0);
	json_decref(users);
	return seq;
}

static int64_t
ev_presence(const char *user, bool online)
{
	int64_t seq = 0;

	ck_assert_int_eq(store_begin(st), 0);
	ck_assert_int_eq(event_presence(st, user, online, &seq), 0);
	ck_assert_int_eq(store_commit(st), 0);
	return seq;
}

/* Polls for user after `after`: "seq:type,..." into buf; pos filled. */
static const char *
poll_str(const char *user, int64_t after, int max_rows, struct poll_pos *pos,
    char *buf, size_t len)
{
	json_t *events = json_array();
	size_t i;

	pos->cursor = after;
	ck_assert_int_eq(store_poll_read(st, user, max_rows, events, pos), 0);
	buf[0] = '\0';
	for (i = 0; i < json_array_size(events); i++) {
		json_t *e = json_array_get(events, i);

		snprintf(buf + strlen(buf), len - strlen(buf), "%lld:%s,",
		    (long long)json_integer_value(json_object_get(e, "seq")),
		    json_get_str(e, "type"));
	}
	json_decref(events);
	return buf;
}

START_TEST(poll_keeps_the_users_rows_in_seq_order)
{
	struct poll_pos pos;
	char buf[1024], want[1024];
	int64_t s[8];

	add_dialog("D1", "alice,bob", 1, "NULL");
	add_dialog("D2", "bob,carol", 1, "NULL");
	s[0] = ev_joined("D1", "alice");
	s[1] = ev_joined("D2", "carol");
	s[2] = ev_message("D1", "bob");
	s[3] = ev_message("D2", "carol");
	s[4] = ev_presence("bob", true);
	s[5] = ev_presence("alice", true);
	s[6] = ev_archived("D2", "carol");
	s[7] = ev_left("D1", "zed");
	snprintf(want, sizeof(want), "%lld:participant.joined,%lld:message.new,"
	    "%lld:presence.update,%lld:participant.left,", (long long)s[0],
	    (long long)s[2], (long long)s[4], (long long)s[7]);
	ck_assert_str_eq(poll_str("alice", 0, 500, &pos, buf, sizeof(buf)),
	    want);
	ck_assert_int_eq(pos.cursor, s[7]);
	ck_assert_int_eq(pos.examined, 8);
	ck_assert(!pos.resync);
	snprintf(want, sizeof(want), "%lld:participant.joined,%lld:message.new,"
	    "%lld:presence.update,%lld:dialog.archived,", (long long)s[1],
	    (long long)s[3], (long long)s[4], (long long)s[6]);
	ck_assert_str_eq(poll_str("carol", 0, 500, &pos, buf, sizeof(buf)),
	    want);
	/* zed left D1: only the participant.left about zed */
	snprintf(want, sizeof(want), "%lld:participant.left,", (long long)s[7]);
	ck_assert_str_eq(poll_str("zed", 0, 500, &pos, buf, sizeof(buf)),
	    want);
	ck_assert_str_eq(poll_str("nobody", 0, 500, &pos, buf, sizeof(buf)),
	    "");
	ck_assert_int_eq(pos.cursor, s[7]);
}
END_TEST

START_TEST(poll_event_is_the_stored_body_plus_seq)
{
	struct poll_pos pos = { .cursor = 0 };
	json_t *events = json_array();
	char *text;
	int64_t seq;

	add_dialog("D1", "alice,bob", 1, "NULL");
	seq = ev_joined("D1", "bob");
	ck_assert_int_eq(store_poll_read(st, "alice", 10, events, &pos), 0);
	ck_assert_int_eq(json_array_size(events), 1);
	text = json_encode(json_array_get(events, 0));
	ck_assert_ptr_nonnull(text);
	ck_assert_int_eq(seq, 1);
	ck_assert_str_eq(text, "{\"type\":\"participant.joined\","
	    "\"dialog_id\":\"D1\",\"user_id\":\"bob\",\"seq\":1}");
	mt_free(text);
	json_decref(events);
}
END_TEST

START_TEST(poll_max_rows_bounds_and_the_cursor_resumes)
{
	struct poll_pos pos;
	char buf[4096];
	int i;

	add_dialog("D1", "alice,bob", 1, "NULL");
	add_dialog("D2", "bob,carol", 1, "NULL");
	for (i = 0; i < 600; i++)
		(void)ev_message(i % 2 ? "D1" : "D2", "bob");
	/* 500 rows examined, the 250 of D1 kept, remembered lookups or not */
	(void)poll_str("alice", 0, 500, &pos, buf, sizeof(buf));
	ck_assert_int_eq(pos.examined, 500);
	ck_assert_int_eq(pos.cursor, 500);
	(void)poll_str("alice", pos.cursor, 500, &pos, buf, sizeof(buf));
	ck_assert_int_eq(pos.examined, 100);
	ck_assert_int_eq(pos.cursor, 600);
	ck_assert_str_eq(strstr(buf, "600:") ? "found" : buf, "found");
	(void)poll_str("alice", 600, 500, &pos, buf, sizeof(buf));
	ck_assert_int_eq(pos.examined, 0);
	ck_assert_int_eq(pos.cursor, 600);
	ck_assert_str_eq(buf, "");
}
END_TEST

/*
 * Who may see a dialog's event is decided at the event's seq
 * (docs/differences.md S2): nothing from while a user was out, or from before
 * they joined.
 */
START_TEST(poll_membership_is_decided_at_the_event)
{
	struct poll_pos pos;
	char buf[256];

	add_dialog("D1", "alice,bob", 1, "NULL");
	(void)ev_message("D1", "bob");			/* 1 */
	(void)ev_left("D1", "alice");			/* 2 */
	(void)ev_message("D1", "bob");			/* 3: alice is out */
	(void)ev_joined("D1", "alice");			/* 4 */
	(void)ev_message("D1", "bob");			/* 5 */
	ck_assert_str_eq(poll_str("alice", 0, 10, &pos, buf, sizeof(buf)),
	    "1:message.new,2:participant.left,4:participant.joined,"
	    "5:message.new,");
	ck_assert_int_eq(pos.cursor, 5);
	/* a newcomer sees nothing from before the join */
	(void)ev_joined("D1", "zoe");			/* 6 */
	(void)ev_message("D1", "bob");			/* 7 */
	ck_assert_str_eq(poll_str("zoe", 0, 10, &pos, buf, sizeof(buf)),
	    "6:participant.joined,7:message.new,");
	/* a user removed behind the store's back still has their period:
	 * periods, not today's participants, decide */
	sql_exec("DELETE FROM participants WHERE user_id = 'alice'");
	ck_assert_str_eq(poll_str("alice", 5, 10, &pos, buf, sizeof(buf)),
	    "6:participant.joined,7:message.new,");
	/* presence goes to those sharing a dialog now */
	sql_exec("INSERT INTO participants (dialog_id, user_id, joined_at,"
	    " joined_as) VALUES ('D1', 'zoe', 1, 'joined')");
	(void)ev_presence("bob", false);		/* 8 */
	ck_assert_str_eq(poll_str("alice", 7, 10, &pos, buf, sizeof(buf)), "");
	ck_assert_str_eq(poll_str("zoe", 7, 10, &pos, buf, sizeof(buf)),
	    "8:presence.update,");
}
END_TEST

START_TEST(poll_resync_after_prune_and_beyond_the_head)
{
	struct poll_pos pos;
	int64_t deleted, head;
	char buf[256];

	add_dialog("D1", "alice,bob", 1, "NULL");
	(void)ev_message("D1", "bob");
	(void)ev_message("D1", "bob");
	(void)ev_message("D1", "bob");
	ck_assert_int_eq(changelog_prune(st, tm_now_us() + 1000000, true,
	    &deleted, NULL), 0);
	ck_assert_int_eq(deleted, 3);
	(void)ev_message("D1", "bob");
	ck_assert_int_eq(changelog_head(st, &head), 0);
	ck_assert_int_eq(head, 4);
	ck_assert_str_eq(poll_str("alice", 2, 10, &pos, buf, sizeof(buf)), "");
	ck_assert(pos.resync);
	ck_assert_int_eq(pos.cursor, 4);
	ck_assert_str_eq(poll_str("alice", 3, 10, &pos, buf, sizeof(buf)),
	    "4:message.new,");
	ck_assert(!pos.resync);
	ck_assert_str_eq(poll_str("alice", 9, 10, &pos, buf, sizeof(buf)), "");
	ck_assert(pos.resync);
	ck_assert_int_eq(pos.cursor, 4);
}
END_TEST

START_TEST(poll_skips_a_row_that_does_not_parse)
{
	struct changelog_row r = { .type = "message.new", .dialog_id = "D1",
	    .body = "{not json" };
	struct poll_pos pos;
	char buf[256];

	add_dialog("D1", "alice,bob", 1, "NULL");
	ck_assert_int_eq(store_begin(st), 0);
	ck_assert_int_eq(changelog_append(st, &r, NULL), 0);
	ck_assert_int_eq(store_commit(st), 0);
	(void)ev_message("D1", "bob");
	ck_assert_str_eq(poll_str("alice", 0, 10, &pos, buf, sizeof(buf)),
	    "2:message.new,");
	ck_assert_int_eq(pos.cursor, 2);
}
END_TEST

START_TEST(poll_data_version_sees_other_writers_only)
{
	int64_t v1, v2, v3, seq;
	const char *u = "alice";

	ck_assert_int_eq(store_poll_data_version(st, &v1), 0);
	ck_assert_int_eq(store_presence_touch(st, "A", &u, 1, 5, &seq), 0);
	ck_assert_int_eq(store_poll_data_version(st, &v2), 0);
	ck_assert_int_eq(v1, v2);	/* our own commit */
	sql_exec("INSERT INTO meta (key, value) VALUES ('x', 'y')");
	ck_assert_int_eq(store_poll_data_version(st, &v3), 0);
	ck_assert_int_ne(v2, v3);
}
END_TEST

START_TEST(poll_last_seen)
{
	const char *u = "alice";
	int64_t seen = -1, seq;
	bool found = true;

	ck_assert_int_eq(store_presence_get(st, u, "A", &found, &seen), 0);
	ck_assert(!found);
	ck_assert_int_eq(store_presence_touch(st, "A", &u, 1, 1234, &seq), 0);
	ck_assert_int_eq(store_presence_get(st, u, "A", &found, &seen), 0);
	ck_assert(found);
	ck_assert_int_eq(seen, 1234);
}
END_TEST

/* presence.update events in the change-log, by online flag. */
static int
presence_events(bool online)
{
	sqlite3 *d;
	sqlite3_stmt *s;
	int n;

	ck_assert_int_eq(sqlite3_open(db, &d), SQLITE_OK);
	ck_assert_int_eq(sqlite3_prepare_v2(d, "SELECT count(*) FROM changelog"
	    " WHERE type = 'presence.update' AND body LIKE ?", -1, &s, NULL),
	    SQLITE_OK);
	sqlite3_bind_text(s, 1, online ? "%\"is_online\":true%" :
	    "%\"is_online\":false%", -1, SQLITE_STATIC);
	ck_assert_int_eq(sqlite3_step(s), SQLITE_ROW);
	n = sqlite3_column_int(s, 0);
	sqlite3_finalize(s);
	sqlite3_close(d);
	return n;
}

/* Only transitions write events; a refresh moves last_seen forward only. */
START_TEST(presence_touch_and_remove_transitions)
{
	const char *users[] = { "alice", "bob" };
	int64_t seen = -1, seq = -1;
	bool found = false;

	ck_assert_int_eq(store_presence_touch(st, "A", users, 2, 100, &seq), 0);
	ck_assert_int_gt(seq, 0);
	ck_assert_int_eq(presence_events(true), 2);
	/* A refresh: newer time, no event. */
	ck_assert_int_eq(store_presence_touch(st, "A", users, 1, 200, &seq), 0);
	ck_assert_int_eq(seq, 0);
	ck_assert_int_eq(store_presence_get(st, "alice", "A", &found, &seen), 0);
	ck_assert(found);
	ck_assert_int_eq(seen, 200);
	/* An older time changes nothing. */
	ck_assert_int_eq(store_presence_touch(st, "A", users, 1, 150, &seq), 0);
	ck_assert_int_eq(store_presence_get(st, "alice", "A", &found, &seen), 0);
	ck_assert_int_eq(seen, 200);
	ck_assert_int_eq(presence_events(true), 2);
	/* Offline once, with one event; then online again, with one. */
	ck_assert_int_eq(store_presence_remove(st, "A", users, 1, &seq), 0);
	ck_assert_int_gt(seq, 0);
	ck_assert_int_eq(store_presence_remove(st, "A", users, 1, &seq), 0);
	ck_assert_int_eq(seq, 0);
	ck_assert_int_eq(presence_events(false), 1);
	ck_assert_int_eq(store_presence_get(st, "alice", "A", &found, &seen), 0);
	ck_assert(!found);
	ck_assert_int_eq(store_presence_touch(st, "A", users, 2, 300, &seq), 0);
	ck_assert_int_eq(presence_events(true), 3);
	ck_assert_int_eq(store_presence_get(st, "bob", "A", &found, &seen), 0);
	ck_assert_int_eq(seen, 300);
}
END_TEST

/* Rows of instance A and B: a user's first row and last row are the
 * transitions; a second instance's row, its refresh or its removal while
 * another row stays, write nothing. */
START_TEST(presence_first_and_last_instance)
{
	const char *u = "alice";
	int64_t seen = -1, seq = -1;
	bool found = false;
	int n = -1;

	ck_assert_int_eq(store_presence_touch(st, "A", &u, 1, 100, &seq), 0);
	ck_assert_int_gt(seq, 0);
	ck_assert_int_eq(store_presence_touch(st, "B", &u, 1, 110, &seq), 0);
	ck_assert_int_eq(seq, 0);
	ck_assert_int_eq(presence_events(true), 1);
	ck_assert_int_eq(store_presence_get(st, u, "A", &found, &seen), 0);
	ck_assert(found);
	ck_assert_int_eq(seen, 100);
	ck_assert_int_eq(store_presence_get(st, u, NULL, &found, &seen), 0);
	ck_assert_int_eq(seen, 110);
	/* A's last connection closes: B still holds alice. */
	ck_assert_int_eq(store_presence_remove(st, "A", &u, 1, &seq), 0);
	ck_assert_int_eq(seq, 0);
	ck_assert_int_eq(presence_events(false), 0);
	ck_assert_int_eq(store_presence_get(st, u, "A", &found, &seen), 0);
	ck_assert(!found);
	ck_assert_int_eq(store_presence_get(st, u, NULL, &found, &seen), 0);
	ck_assert(found);
	/* Back on A, then B refreshes: still no event. */
	ck_assert_int_eq(store_presence_touch(st, "A", &u, 1, 120, &seq), 0);
	ck_assert_int_eq(store_presence_touch(st, "B", &u, 1, 300, &seq), 0);
	ck_assert_int_eq(seq, 0);
	ck_assert_int_eq(presence_events(true), 1);
	/* A's row expires (B is fresh): one row gone, alice stays online. */
	ck_assert_int_eq(store_presence_expire(st, NULL, 200, 10, &n, &seq),
	    0);
	ck_assert_int_eq(n, 1);
	ck_assert_int_eq(seq, 0);
	ck_assert_int_eq(presence_events(false), 0);
	/* B, dropping its rows at a stop: the last row, the offline event. */
	ck_assert_int_eq(store_presence_touch(st, "A", &u, 1, 400, &seq), 0);
	ck_assert_int_eq(store_presence_expire(st, "B", INT64_MAX, 10, &n,
	    &seq), 0);
	ck_assert_int_eq(n, 1);
	ck_assert_int_eq(seq, 0);
	ck_assert_int_eq(store_presence_expire(st, "A", INT64_MAX, 10, &n,
	    &seq), 0);
	ck_assert_int_eq(n, 1);
	ck_assert_int_gt(seq, 0);
	ck_assert_int_eq(presence_events(false), 1);
	/* Two stale rows in one expiry: one offline event, with the last. */
	ck_assert_int_eq(store_presence_touch(st, "A", &u, 1, 500, &seq), 0);
	ck_assert_int_eq(store_presence_touch(st, "B", &u, 1, 510, &seq), 0);
	ck_assert_int_eq(presence_events(true), 2);
	ck_assert_int_eq(store_presence_expire(st, NULL, 1000, 10, &n, &seq),
	    0);
	ck_assert_int_eq(n, 2);
	ck_assert_int_gt(seq, 0);
	ck_assert_int_eq(presence_events(false), 2);
	ck_assert_int_eq(store_presence_get(st, u, NULL, &found, &seen), 0);
	ck_assert(!found);
}
END_TEST

START_TEST(poll_fault_injection)
{
	struct poll_pos pos;
	json_t *events;
	long n;
	int rc = -1;

	add_dialog("D1", "alice,bob", 1, "NULL");
	add_dialog("D2", "bob,carol", 1, "NULL");
	(void)ev_joined("D1", "alice");
	(void)ev_message("D2", "carol");
	(void)ev_presence("bob", true);
	(void)ev_left("D1", "zed");
	/* Every allocation failing in turn: an error, never a crash or a
	 * leak, until the read succeeds with all its events. */
	for (n = 1; n < 500; n++) {
		events = json_array();
		ck_assert_ptr_nonnull(events);
		pos.cursor = 0;
		mem_fail_after(n);
		rc = store_poll_read(st, "alice", 100, events, &pos);
		mem_fail_after(0);
		if (rc == 0)
			ck_assert_int_eq(json_array_size(events), 3);
		json_decref(events);
		if (rc == 0)
			break;
		ck_assert(rc == MT_ENOMEM || rc == MT_EIO);
	}
	ck_assert_int_eq(rc, 0);
}
END_TEST

/* ---- auto-archive: who is archived, and the audience of the event ---- */

/* "dialog:audience;" of every dialog.archived row into buf (512 bytes). */
static int
archived_row(const struct changelog_row *r, void *arg)
{
	char *buf = arg;

	if (strcmp(r->type, "dialog.archived") == 0)
		snprintf(buf + strlen(buf), 512 - strlen(buf), "%s:%s;",
		    r->dialog_id, r->audience);
	return 0;
}

static const char *
archive_log(char *buf)
{
	int64_t last;

	buf[0] = '\0';
	ck_assert_int_eq(changelog_read_after(st, 0, 1000, archived_row, buf,
	    &last), 0);
	return buf;
}

static int
flag(const char *dialog, const char *user)
{
	sqlite3 *d;
	sqlite3_stmt *s;
	int v = -1;

	ck_assert_int_eq(sqlite3_open(db, &d), SQLITE_OK);
	ck_assert_int_eq(sqlite3_prepare_v2(d, "SELECT is_archived FROM"
	    " participants WHERE dialog_id = ? AND user_id = ?", -1, &s, NULL),
	    SQLITE_OK);
	sqlite3_bind_text(s, 1, dialog, -1, SQLITE_STATIC);
	sqlite3_bind_text(s, 2, user, -1, SQLITE_STATIC);
	if (sqlite3_step(s) == SQLITE_ROW)
		v = sqlite3_column_int(s, 0);
	sqlite3_finalize(s);
	sqlite3_close(d);
	return v;
}

static void
print_candidate(const char *dialog_id, const json_t *users, void *arg)
{
	char *list = json_encode(users);

	snprintf((char *)arg + strlen(arg), 512 - strlen(arg), "%s:%s;",
	    dialog_id, list);
	mt_free(list);
}

START_TEST(archive_f13_per_participant)
{
	struct archive_count n;
	char buf[512];

	/* cutoff 3000: A's last activity 1000 (creation), B's 4000 */
	add_dialog("A", "alice,bob,carol,dave", 1000, "NULL");
	add_dialog("B", "alice", 1000, "4000");
	add_dialog("C", "", 1000, "NULL");
	add_dialog("E", "erin", 1000, "3000");	/* exactly the cutoff */
	sql_exec("UPDATE participants SET unarchived_at = 5000"
	    " WHERE user_id = 'bob';"
	    "UPDATE participants SET unarchived_at = 2000"
	    " WHERE user_id = 'dave';"
	    "UPDATE participants SET is_archived = 1 WHERE user_id = 'carol'");
	buf[0] = '\0';
	ck_assert_int_eq(store_archive_candidates(st, 3000, 10,
	    print_candidate, buf), 0);
	ck_assert_str_eq(buf, "A:[\"alice\",\"dave\"];");
	ck_assert_str_eq(archive_log(buf), "");	/* dry: nothing written */
	ck_assert_int_eq(flag("A", "alice"), 0);

	ck_assert_int_eq(store_archive_inactive(st, 3000, 10, &n), 0);
	ck_assert_int_eq(n.dialogs, 1);
	ck_assert_int_eq(n.users, 2);
	ck_assert_int_eq(n.seq, 1);
	ck_assert_int_eq(flag("A", "alice"), 1);
	ck_assert_int_eq(flag("A", "bob"), 0);	/* F13: his unarchive */
	ck_assert_int_eq(flag("A", "carol"), 1);
	ck_assert_int_eq(flag("A", "dave"), 1);
	ck_assert_int_eq(flag("B", "alice"), 0);
	ck_assert_int_eq(flag("E", "erin"), 0);
	ck_assert_str_eq(archive_log(buf), "A:[\"alice\",\"dave\"];");

	/* again: nothing; later cutoff: bob, B and E */
	ck_assert_int_eq(store_archive_inactive(st, 3000, 10, &n), 0);
	ck_assert_int_eq(n.dialogs, 0);
	ck_assert_int_eq(store_archive_inactive(st, 6000, 10, &n), 0);
	ck_assert_int_eq(n.dialogs, 3);
	ck_assert_int_eq(n.users, 3);
	ck_assert_str_eq(archive_log(buf), "A:[\"alice\",\"dave\"];"
	    "A:[\"bob\"];E:[\"erin\"];B:[\"alice\"];");
}
END_TEST

START_TEST(archive_limit_and_batches)
{
	struct archive_count n;

	/* 250 inactive dialogs of two users: more than two batches */
	sql_exec("WITH RECURSIVE i(n) AS (SELECT 1 UNION ALL SELECT n + 1"
	    " FROM i WHERE n < 250) INSERT INTO dialogs (id, object_id,"
	    " object_type, created_at) SELECT printf('d%03d', n), 'o', 't', n"
	    " FROM i");
	sql_exec("INSERT INTO participants (dialog_id, user_id, joined_at,"
	    " joined_as) SELECT id, 'u1', 1, 'participant' FROM dialogs;"
	    "INSERT INTO participants (dialog_id, user_id, joined_at,"
	    " joined_as) SELECT id, 'u2', 1, 'participant' FROM dialogs");
	ck_assert_int_eq(store_archive_inactive(st, 1000, 7, &n), 0);
	ck_assert_int_eq(n.dialogs, 7);
	ck_assert_int_eq(n.users, 14);
	/* oldest first */
	ck_assert_int_eq(flag("d007", "u1"), 1);
	ck_assert_int_eq(flag("d008", "u1"), 0);
	ck_assert_int_eq(store_archive_inactive(st, 1000, 1000, &n), 0);
	ck_assert_int_eq(n.dialogs, 243);
	ck_assert_int_eq(n.seq, 250);
	ck_assert_int_eq(store_archive_inactive(st, 1000, 1000, &n), 0);
	ck_assert_int_eq(n.dialogs, 0);
	ck_assert_int_eq(n.seq, 0);
}
END_TEST

START_TEST(archive_fault_injection)
{
	struct archive_count c;
	long n;
	int rc = -1, total = 0;

	add_dialog("A", "alice,bob", 1000, "NULL");
	add_dialog("B", "carol", 1000, "NULL");
	for (n = 1; n < 500; n++) {
		mem_fail_after(n);
		rc = store_archive_inactive(st, 3000, 10, &c);
		mem_fail_after(0);
		ck_assert(!store_in_tx(st));
		total += c.dialogs;	/* batches that committed count */
		if (rc == 0)
			break;
		ck_assert(rc == MT_ENOMEM || rc == MT_EIO);
	}
	ck_assert_int_eq(rc, 0);
	ck_assert_int_eq(total, 2);
	ck_assert_int_eq(flag("A", "bob"), 1);
	ck_assert_int_eq(flag("B", "carol"), 1);
}
END_TEST

static Suite *
audience_suite(void)
{
	Suite *s = suite_create("audience");
	TCase *rules = tcase_create("rules");
	TCase *poll = tcase_create("poll");
	TCase *arch = tcase_create("archive");

	tcase_add_test(rules,
	    audience_dialog_events_reach_current_participants);
	tcase_add_test(rules, audience_participant_left_reaches_the_leaver_too);
	tcase_add_test(rules, audience_per_user_events_only_the_listed_users);
	tcase_add_test(rules, audience_presence_reaches_peers_not_the_subject);
	tcase_add_test(rules, audience_unknown_types_reach_nobody);
	tcase_add_test(rules, audience_list_has_cases);
	tcase_add_test(rules,
	    audience_filter_keeps_per_user_events_and_presence);
	suite_add_tcase(s, rules);

	tcase_add_checked_fixture(poll, db_setup, db_teardown);
	tu_timeout(poll, 60);
	tcase_add_test(poll, poll_keeps_the_users_rows_in_seq_order);
	tcase_add_test(poll, poll_event_is_the_stored_body_plus_seq);
	tcase_add_test(poll, poll_max_rows_bounds_and_the_cursor_resumes);
	tcase_add_test(poll, poll_membership_is_decided_at_the_event);
	tcase_add_test(poll, poll_resync_after_prune_and_beyond_the_head);
	tcase_add_test(poll, poll_skips_a_row_that_does_not_parse);
	tcase_add_test(poll, poll_data_version_sees_other_writers_only);
	tcase_add_test(poll, poll_last_seen);
	tcase_add_test(poll, presence_touch_and_remove_transitions);
	tcase_add_test(poll, presence_first_and_last_instance);
	tcase_add_test(poll, poll_fault_injection);
	suite_add_tcase(s, poll);

	tcase_add_checked_fixture(arch, db_setup, db_teardown);
	tu_timeout(arch, 60);
	tcase_add_test(arch, archive_f13_per_participant);
	tcase_add_test(arch, archive_limit_and_batches);
	tcase_add_test(arch, archive_fault_injection);
	suite_add_tcase(s, arch);
	return s;
}

int
main(void)
{
	json_init();
	log_init("test", 0, 0);
	return tu_run(audience_suite());
}
