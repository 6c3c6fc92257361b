/*
 * check_store_hooks.c — unit tests of lib/store_hooks.c on a real SQLite
 * file: the cursor registered at the end of the log, which change-log rows
 * become webhooks (C5/C6/C15, not M1/M5/M6 nor system messages), the
 * payloads taken from the database, the notification checks of F12 and
 * who they reach, the outbox in order with its retries, dead letters and
 * replays, and clean failures when allocations fail.
 * SPDX-License-Identifier: MIT
 */
#include <check.h>
#include <limits.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "changelog.h"
#include "err.h"
#include "id.h"
#include "json.h"
#include "log.h"
#include "mem.h"
#include "scope.h"
#include "store.h"
#include "store_dialog.h"
#include "store_hooks.h"
#include "store_manage.h"
#include "store_message.h"
#include "storejson.h"
#include "testutil.h"
#include "tm.h"

#define SEC	INT64_C(1000000)
#define NO_SUCH	"0191e2a4-0000-7000-8000-000000000001"

static struct store *st;
static char dialog[ID_BUF];	/* alice (Acme), bob, carol; scope "t" */
static const struct hooks_take take_opts = {
	.cursor = HOOKS_CURSOR, .limit = 100, .notify = true,
	.notify_delay_us = SEC,
};

static void
setup(void)
{
	struct store_opts o = { .create = true, .allow_old = true,
	    .busy_timeout_ms = 5000 };
	static const struct participant_in p[] = {
		{ .user_id = "alice", .display_name = "Alice",
		  .company = "Acme" },
		{ .user_id = "bob", .display_name = "Bob" },
		{ .user_id = "carol", .display_name = "Carol" },
	};
	json_t *scopes = json_pack("[{s:[s]}]", "scope_level0", "t");
	struct dialog_in in = { .object_id = "o-1", .object_type = "order",
	    .title = "Order 1", .participants = p, .nparticipants = 3,
	    .scopes = scopes };
	char path[PATH_MAX], err[STORE_ERR_LEN];
	json_t *d;
	int64_t seq;
	int applied;

	tu_setup();
	o.path = tu_path(path, tu_dir, "mtchat.db");
	ck_assert_msg(store_open(&st, &o, err, sizeof(err)) == 0, "%s", err);
	ck_assert_msg(store_migrate(st, &applied, err, sizeof(err)) == 0, "%s",
	    err);
	ck_assert_int_eq(sj_manage_create(st, &in, &d, &seq), 0);
	snprintf(dialog, sizeof(dialog), "%s", json_get_str(d, "id"));
	json_decref(d);
	json_decref(scopes);
}

static void
teardown(void)
{
	mem_fail_after(0);
	store_close(st);
	st = NULL;
	tu_teardown();
}

/* Takes the whole log; returns how many webhooks were queued. */
static int
take(void)
{
	int rows, queued, total = 0;

	do {
		ck_assert_int_eq(store_hooks_take(st, &take_opts, &rows,
		    &queued), 0);
		total += queued;
	} while (rows > 0);
	return total;
}

/* Registers the cursor at the end of the log, as a first run does. */
static void
start(void)
{
	int64_t head, cur;

	ck_assert_int_eq(take(), 0);
	ck_assert_int_eq(changelog_head(st, &head), 0);
	ck_assert_int_eq(cursor_get(st, HOOKS_CURSOR, &cur), 0);
	ck_assert_int_eq(cur, head);
}

static void
send_as(const char *user, const char *content, const char *reply_to,
    char id[ID_BUF])
{
	struct msg_send m = { .dialog_id = dialog, .user_id = user,
	    .content = content, .reply_to_id = reply_to };
	enum msg_result res;
	json_t *msg;
	int64_t seq;

	ck_assert_int_eq(sj_message_send(st, &m, &res, &msg, &seq), 0);
	ck_assert_int_eq(res, MSG_OK);
	if (id != NULL)
		snprintf(id, ID_BUF, "%s", json_get_str(msg, "id"));
	json_decref(msg);
}

static void
join(const char *user)
{
	json_t *o = json_pack("{s:[s]}", "scope_level0", "t");
	struct scope_set *s = NULL;
	struct dialog_join j = { .dialog_id = dialog, .user = user,
	    .display_name = user, .company = "" };
	enum dialog_result res;

	ck_assert_int_eq(scope_from_json(o, &s), 0);
	j.scopes = s;
	ck_assert_int_eq(store_dialog_join(st, &j, &res), 0);
	ck_assert_int_eq(res, DIALOG_OK);
	scope_set_free(s);
	json_decref(o);
}

static void
leave(const char *user)
{
	enum dialog_result res;
	int64_t seq;

	ck_assert_int_eq(store_dialog_leave(st, dialog, user, &seq, &res), 0);
	ck_assert_int_eq(res, DIALOG_OK);
}

static void
read_up_to(const char *user, const char *id)
{
	enum msg_result res;
	int64_t seq;

	ck_assert_int_eq(store_message_mark_read(st, &(struct msg_ref){ dialog,
	    id, user, NULL }, &res, &seq), 0);
	ck_assert_int_eq(res, MSG_OK);
}

/*
 * Empties the outbox in order (acknowledging each) into one line per
 * webhook: "event payload-json", the envelope checked on the way.
 */
static char *
drain(void)
{
	static char out[16384];
	struct hook_delivery d;
	size_t len = 0;
	char err[64];
	json_t *b;
	int rc;

	out[0] = '\0';
	while ((rc = store_hooks_head(st, &d)) == 0) {
		char *p;

		b = json_parse(d.body, d.len, err, sizeof(err));
		ck_assert_msg(b != NULL, "%s", err);
		ck_assert_str_eq(json_get_str(b, "id"), d.event_id);
		ck_assert(id_is_canonical(d.event_id));
		ck_assert_ptr_nonnull(json_get_str(b, "timestamp"));
		p = json_encode(json_object_get(b, "payload"));
		ck_assert_ptr_nonnull(p);
		len += (size_t)snprintf(out + len, sizeof(out) - len, "%s %s\n",
		    d.event, p);
		ck_assert_uint_lt(len, sizeof(out));
		mt_free(p);
		json_decref(b);
		ck_assert_int_eq(store_hooks_ack(st, d.id), 0);
		store_hooks_delivery_reset(&d);
	}
	ck_assert_int_eq(rc, MT_ENOTFOUND);
	return out;
}

/* The events of the drained outbox, e.g. "message.new,participant.left". */
static char *
events(void)
{
	static char out[1024];
	const char *p = drain(), *sp, *nl;
	size_t len = 0;

	out[0] = '\0';
	for (; *p != '\0'; p = nl + 1) {
		sp = strchr(p, ' ');
		nl = strchr(p, '\n');
		len += (size_t)snprintf(out + len, sizeof(out) - len, "%s%.*s",
		    len ? "," : "", (int)(sp - p), p);
	}
	return out;
}

static int
checks_run(int64_t at, int *queued)
{
	int checks;

	ck_assert_int_eq(store_hooks_notify(st, at, &checks, queued), 0);
	return checks;
}

START_TEST(cursor_starts_at_the_end_of_the_log)
{
	int64_t cur;

	/* M1 wrote events already: a first run skips them. */
	ck_assert_int_eq(cursor_get(st, HOOKS_CURSOR, &cur), MT_ENOTFOUND);
	send_as("alice", "before", NULL, NULL);
	start();
	ck_assert_str_eq(events(), "");
	send_as("alice", "after", NULL, NULL);
	ck_assert_int_eq(take(), 1);
	ck_assert_ptr_nonnull(strstr(drain(), "\"content\":\"after\""));
	/* Taken once. */
	ck_assert_int_eq(take(), 0);
}
END_TEST

static int
flag_row(const struct changelog_row *r, void *arg)
{
	char *out = arg;
	size_t len = strlen(out);

	snprintf(out + len, 1024 - len, "%s%s=%d", len ? " " : "", r->type,
	    r->webhook);
	return 0;
}

/* "type=webhook ..." of the change-log rows after seq. */
static char *
flags_after(int64_t seq)
{
	static char out[1024];
	int64_t last;

	out[0] = '\0';
	ck_assert_int_eq(changelog_read_after(st, seq, 100, flag_row, out,
	    &last), 0);
	return out;
}

START_TEST(which_rows_fire_webhooks)
{
	static const struct participant_in erin = {
		.user_id = "erin", .display_name = "Erin" };
	enum manage_result mres;
	enum msg_result res;
	char id[ID_BUF];
	json_t *msg;
	int64_t seq, head;

	start();
	ck_assert_int_eq(changelog_head(st, &head), 0);
	ck_assert_int_eq(store_manage_add(st, dialog, &erin, &mres, &seq), 0);
	ck_assert_int_eq(store_manage_remove(st, dialog, "erin", &mres, &seq),
	    0);
	join("dave");			/* + its system message */
	send_as("dave", "hi", NULL, id);
	ck_assert_int_eq(sj_message_edit(st, &(struct msg_ref){ dialog, id,
	    "dave", "hey" }, &res, &msg, &seq), 0);
	ck_assert_int_eq(res, MSG_OK);
	json_decref(msg);
	read_up_to("bob", id);
	leave("dave");			/* + its system message */
	ck_assert_str_eq(flags_after(head), "participant.joined=0 "
	    "participant.left=0 participant.joined=1 message.new=0 "
	    "message.new=1 message.edited=0 message.read=0 message.new=0 "
	    "participant.left=1");
	ck_assert_int_eq(take(), 3);
	ck_assert_str_eq(events(),
	    "participant.joined,message.new,participant.left");
}
END_TEST

START_TEST(payloads_from_the_database)
{
	char first[ID_BUF], line[512];
	const char *out;
	json_t *mgmt, *p;
	enum manage_result mres;
	const char *joined_at = NULL;
	size_t i;

	start();
	send_as("alice", "<p>one</p>", NULL, first);
	send_as("bob", "two", first, NULL);
	join("dave");
	ck_assert_int_eq(sj_manage_get(st, dialog, &mgmt, &mres), 0);
	json_array_foreach(json_object_get(mgmt, "participants"), i, p)
		if (strcmp(json_get_str(p, "user_id"), "dave") == 0)
			joined_at = json_get_str(p, "joined_at");
	ck_assert_ptr_nonnull(joined_at);
	ck_assert_int_eq(take(), 3);	/* joined_at read while dave is in */
	leave("dave");
	ck_assert_int_eq(take(), 1);
	out = drain();
	snprintf(line, sizeof(line), "message.new {\"dialog_id\":\"%s\","
	    "\"object_id\":\"o-1\",\"object_type\":\"order\",\"message\":"
	    "{\"id\":\"%s\",\"sender_id\":\"alice\",\"content\":"
	    "\"<p>one</p>\",\"created_at\":\"", dialog, first);
	ck_assert_msg(strncmp(out, line, strlen(line)) == 0, "%s", out);
	snprintf(line, sizeof(line), "\"sender_id\":\"bob\",\"content\":"
	    "\"two\",\"reply_to\":\"%s\",", first);
	ck_assert_msg(strstr(out, line) != NULL, "%s", out);
	snprintf(line, sizeof(line), "participant.joined {\"dialog_id\":\"%s\","
	    "\"object_id\":\"o-1\",\"object_type\":\"order\",\"user_id\":"
	    "\"dave\",\"joined_as\":\"joined\",\"joined_at\":\"%s\"}\n",
	    dialog, joined_at);
	ck_assert_msg(strstr(out, line) != NULL, "%s\n%s", line, out);
	snprintf(line, sizeof(line), "participant.left {\"dialog_id\":\"%s\","
	    "\"object_id\":\"o-1\",\"object_type\":\"order\",\"user_id\":"
	    "\"dave\",\"left_at\":\"", dialog);
	ck_assert_msg(strstr(out, line) != NULL, "%s", out);
	json_decref(mgmt);
}
END_TEST

START_TEST(gone_dialog_is_skipped)
{
	int64_t seq, cur, head;

	start();
	send_as("alice", "x", NULL, NULL);
	ck_assert_int_eq(store_manage_delete(st, dialog, &seq), 0);
	ck_assert_int_eq(take(), 0);
	ck_assert_int_eq(changelog_head(st, &head), 0);
	ck_assert_int_eq(cursor_get(st, HOOKS_CURSOR, &cur), 0);
	ck_assert_int_eq(cur, head);
}
END_TEST

/*
 * F12, docs/webhooks.md#notifications: who is told that a message is still
 * unread, and when.
 */
START_TEST(notification_checks)
{
	enum dialog_result dres;
	char m1[ID_BUF], m2[ID_BUF];
	int64_t now = tm_now_us(), due;
	const char *out;
	int queued;

	start();
	ck_assert_int_eq(store_dialog_set_flag(st, &(struct dialog_flag_change){
	    dialog, "carol", DIALOG_FLAG_NOTIFICATIONS, false }, &dres), 0);
	send_as("alice", "m1", NULL, m1);
	join("dave");			/* after m1: not told of it */
	send_as("alice", "m2", NULL, m2);
	read_up_to("bob", m1);		/* bob read m1, not m2 */
	ck_assert_int_eq(take(), 3);
	ck_assert_str_eq(events(), "message.new,participant.joined,"
	    "message.new");
	/* Nothing is due before the delay. */
	ck_assert_int_eq(store_hooks_notify_next(st, &due), 0);
	ck_assert_int_ge(due, now + SEC);
	ck_assert_int_le(due, tm_now_us() + SEC);
	ck_assert_int_eq(checks_run(due - 1, &queued), 0);
	ck_assert_str_eq(events(), "");
	/* After it: m1 reaches nobody (bob read it, carol turned them off,
	 * dave came later, alice sent it); m2 reaches bob and dave. */
	ck_assert_int_eq(checks_run(now + 10 * SEC, &queued), 2);
	ck_assert_int_eq(queued, 2);
	out = drain();
	ck_assert_msg(strstr(out, "\"recipient_id\":\"bob\"") != NULL, "%s",
	    out);
	ck_assert_msg(strstr(out, "\"recipient_id\":\"dave\"") != NULL, "%s",
	    out);
	ck_assert_ptr_null(strstr(out, m1));
	ck_assert_ptr_nonnull(strstr(out, "\"chat_title\":\"Order 1\","
	    "\"sender_company\":\"Acme\",\"message\":{"));
	/* Each check runs once. */
	ck_assert_int_eq(store_hooks_notify_next(st, &due), MT_ENOTFOUND);
	ck_assert_int_eq(checks_run(now + 20 * SEC, &queued), 0);
}
END_TEST

START_TEST(notification_when_read_left_or_deleted)
{
	enum msg_result res;
	char m1[ID_BUF], m2[ID_BUF], m3[ID_BUF];
	int64_t seq;
	int queued;

	start();
	send_as("bob", "m1", NULL, m1);		/* to alice and carol */
	send_as("alice", "m2", NULL, m2);	/* to bob and carol */
	send_as("carol", "m3", NULL, m3);	/* to alice and bob */
	ck_assert_int_eq(take(), 3);
	drain();
	leave("bob");
	ck_assert_int_eq(store_message_delete(st, &(struct msg_ref){ dialog, m3,
	    "carol", NULL }, &res, &seq), 0);
	ck_assert_int_eq(res, MSG_OK);
	ck_assert_int_eq(take(), 1);		/* participant.left */
	drain();
	/*
	 * m1: alice and carol wrote after it, which reads it; m2: bob left,
	 * carol wrote after it; m3 is gone.
	 */
	ck_assert_int_eq(checks_run(tm_now_us() + 10 * SEC, &queued), 3);
	ck_assert_int_eq(queued, 0);
	ck_assert_str_eq(events(), "");
}
END_TEST

START_TEST(outbox_in_order_with_retries_and_dead_letters)
{
	struct hook_delivery d, d2;
	struct hooks_counts c;
	char first_id[ID_BUF], *first_body;
	int n;

	start();
	send_as("alice", "a", NULL, NULL);
	send_as("alice", "b", NULL, NULL);
	ck_assert_int_eq(take(), 2);
	ck_assert_int_eq(store_hooks_counts(st, &c), 0);
	ck_assert_int_eq(c.queued, 2);
	ck_assert_int_eq(c.checks, 2);
	ck_assert_int_eq(c.dead, 0);
	/* The head stays first through its retries. */
	ck_assert_int_eq(store_hooks_head(st, &d), 0);
	ck_assert_ptr_nonnull(strstr(d.body, "\"content\":\"a\""));
	ck_assert_int_eq(d.attempts, 0);
	ck_assert_int_eq(store_hooks_retry(st, d.id, 1, 12345, "HTTP 500"),
	    0);
	ck_assert_int_eq(store_hooks_head(st, &d2), 0);
	ck_assert_int_eq(d2.id, d.id);
	ck_assert_str_eq(d2.event_id, d.event_id);
	ck_assert_str_eq(d2.body, d.body);
	ck_assert_int_eq(d2.attempts, 1);
	ck_assert_int_eq(d2.next_at, 12345);
	store_hooks_delivery_reset(&d2);
	/* Buried, the next one comes up. */
	ck_assert_int_eq(store_hooks_bury(st, d.id, 4, "HTTP 500"), 0);
	snprintf(first_id, sizeof(first_id), "%s", d.event_id);
	first_body = d.body;
	d.body = NULL;
	store_hooks_delivery_reset(&d);
	ck_assert_int_eq(store_hooks_counts(st, &c), 0);
	ck_assert_int_eq(c.queued, 1);
	ck_assert_int_eq(c.dead, 1);
	ck_assert_int_eq(store_hooks_head(st, &d), 0);
	ck_assert_ptr_nonnull(strstr(d.body, "\"content\":\"b\""));
	store_hooks_delivery_reset(&d);
	/* Replayed: at the end, same id and body, no failures. */
	ck_assert_int_eq(store_hooks_replay(st, NO_SUCH, &n), MT_ENOTFOUND);
	ck_assert_int_eq(store_hooks_replay(st, first_id, &n), 0);
	ck_assert_int_eq(n, 1);
	ck_assert_int_eq(store_hooks_replay(st, first_id, &n), MT_ENOTFOUND);
	ck_assert_int_eq(store_hooks_head(st, &d), 0);
	ck_assert_ptr_nonnull(strstr(d.body, "\"content\":\"b\""));
	ck_assert_int_eq(store_hooks_ack(st, d.id), 0);
	store_hooks_delivery_reset(&d);
	ck_assert_int_eq(store_hooks_head(st, &d), 0);
	ck_assert_str_eq(d.event_id, first_id);
	ck_assert_str_eq(d.body, first_body);
	ck_assert_int_eq(d.attempts, 0);
	ck_assert_int_eq(d.next_at, 0);
	/* --all */
	ck_assert_int_eq(store_hooks_bury(st, d.id, 1, "HTTP 404"), 0);
	store_hooks_delivery_reset(&d);
	ck_assert_int_eq(store_hooks_replay(st, NULL, &n), 0);
	ck_assert_int_eq(n, 1);
	ck_assert_int_eq(store_hooks_replay(st, NULL, &n), 0);
	ck_assert_int_eq(n, 0);
	ck_assert_int_eq(store_hooks_counts(st, &c), 0);
	ck_assert_int_eq(c.queued, 1);
	ck_assert_int_eq(c.dead, 0);
	mt_free(first_body);
}
END_TEST

START_TEST(take_survives_allocation_failures)
{
	struct hooks_counts c;
	int64_t cur0, cur;
	int rows, queued, rc;
	long k;

	start();
	ck_assert_int_eq(cursor_get(st, HOOKS_CURSOR, &cur0), 0);
	send_as("alice", "x", NULL, NULL);
	join("dave");
	for (k = 1; k < 1000; k++) {
		mem_fail_after(k);
		rc = store_hooks_take(st, &take_opts, &rows, &queued);
		mem_fail_after(0);
		if (rc == 0)
			break;
		ck_assert_msg(rc == MT_ENOMEM || rc == MT_EIO, "rc %d", rc);
		/* Nothing moved, nothing queued. */
		ck_assert_int_eq(cursor_get(st, HOOKS_CURSOR, &cur), 0);
		ck_assert_int_eq(cur, cur0);
		ck_assert_int_eq(store_hooks_counts(st, &c), 0);
		ck_assert_int_eq(c.queued + c.checks, 0);
	}
	ck_assert_int_eq(rc, 0);
	ck_assert_int_gt(k, 1);
	ck_assert_int_eq(queued, 2);
	ck_assert_int_eq(store_hooks_counts(st, &c), 0);
	ck_assert_int_eq(c.queued, 2);
	ck_assert_int_eq(c.checks, 1);
}
END_TEST

static Suite *
store_hooks_suite(void)
{
	Suite *s = suite_create("store_hooks");
	TCase *tc = tcase_create("store");

	tcase_add_checked_fixture(tc, setup, teardown);
	tu_timeout(tc, 30);
	tcase_add_test(tc, cursor_starts_at_the_end_of_the_log);
	tcase_add_test(tc, which_rows_fire_webhooks);
	tcase_add_test(tc, payloads_from_the_database);
	tcase_add_test(tc, gone_dialog_is_skipped);
	tcase_add_test(tc, notification_checks);
	tcase_add_test(tc, notification_when_read_left_or_deleted);
	tcase_add_test(tc, outbox_in_order_with_retries_and_dead_letters);
	tcase_add_test(tc, take_survives_allocation_failures);
	suite_add_tcase(s, tc);
	return s;
}

int
main(void)
{
	json_init();
	log_init("test", 0, 0);
	return tu_run(store_hooks_suite());
}
