/*
 * check_store_message.c — unit tests of lib/store_message.c and
 * lib/attach.c on a real SQLite file: the attachment rules in their order,
 * the results of every message statement, the write-only edit history and
 * its cascade, exact unread counts, paging flags, and clean failures when
 * allocations fail (fault injection through mem_fail_after()).
 * SPDX-License-Identifier: MIT
 */
#include <check.h>
#include <limits.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "attach.h"
#include "err.h"
#include "id.h"
#include "json.h"
#include "log.h"
#include "mem.h"
#include "store.h"
#include "store_manage.h"
#include "store_message.h"
#include "storejson.h"
#include "testutil.h"
#include "valid.h"

#define NO_ID	"0191e2a4-0000-7000-8000-000000000001"

static struct store *st;
static char dialog[ID_BUF];	/* alice and bob; starts with chat_created */

static void
setup(void)
{
	struct store_opts o = { .create = true, .allow_old = true,
	    .busy_timeout_ms = 5000 };
	static const struct participant_in p[] = {
		{ .user_id = "alice", .display_name = "Alice" },
		{ .user_id = "bob", .display_name = "Bob" },
	};
	struct dialog_in in = { .object_id = "o", .object_type = "t",
	    .participants = p, .nparticipants = 2 };
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
}

static void
teardown(void)
{
	mem_fail_after(0);
	store_close(st);
	st = NULL;
	tu_teardown();
}

/* Sends content as user and writes the new id to id (may be NULL). */
static void
send_as(const char *user, const char *content, char id[ID_BUF])
{
	struct msg_send m = { .dialog_id = dialog, .user_id = user,
	    .content = content };
	enum msg_result res;
	json_t *msg;
	int64_t seq;

	ck_assert_int_eq(sj_message_send(st, &m, &res, &msg, &seq), 0);
	ck_assert_int_eq(res, MSG_OK);
	ck_assert_int_gt(seq, 0);
	if (id != NULL)
		snprintf(id, ID_BUF, "%s", json_get_str(msg, "id"));
	json_decref(msg);
}

/* sj_message_list() with its text parsed back; *data NULL on error. */
static int
list_json(const struct msg_page *q, enum msg_result *res, json_t **data)
{
	struct jw w = JW_INIT;
	char *text, err[64];
	size_t len;
	int rc = sj_message_list(st, q, res, &w, NULL);

	*data = NULL;
	text = jw_take(&w, &len);
	if (rc != 0) {
		mt_free(text);
		return rc;
	}
	if (*res == MSG_OK) {
		ck_assert_ptr_nonnull(text);
		*data = json_parse(text, len, err, sizeof(err));
		ck_assert_msg(*data != NULL, "%s: %s", err, text);
	} else
		ck_assert_ptr_null(text);	/* nothing written */
	mt_free(text);
	return 0;
}

/* The number of messages of the dialog as user alice sees them. */
static size_t
count_messages(void)
{
	struct msg_page q = { .dialog_id = dialog, .user_id = "alice",
	    .mode = PAGE_LATEST, .limit = PAGE_MAX };
	enum msg_result res;
	json_t *data;
	size_t n;

	ck_assert_int_eq(list_json(&q, &res, &data), 0);
	ck_assert_int_eq(res, MSG_OK);
	n = json_array_size(json_object_get(data, "messages"));
	json_decref(data);
	return n;
}

/* A participant's field through the management view (M3). */
static json_int_t
unread_of(const char *user)
{
	enum manage_result res;
	json_t *d, *p;
	json_int_t n = -1;
	size_t i;

	ck_assert_int_eq(sj_manage_get(st, dialog, &d, &res), 0);
	json_array_foreach(json_object_get(d, "participants"), i, p)
		if (strcmp(json_get_str(p, "user_id"), user) == 0)
			n = json_integer_value(json_object_get(p,
			    "unread_count"));
	json_decref(d);
	return n;
}

/* ---- lib/attach.c ---------------------------------------------------- */

START_TEST(attach_types_are_the_38_of_the_contract)
{
	size_t n = 0;

	while (attach_type_at(n) != NULL)
		n++;
	ck_assert_uint_eq(n, 38);
	ck_assert_str_eq(attach_type_at(0), "image/jpeg");
	ck_assert_str_eq(attach_type_at(37), "video/quicktime");
	ck_assert(attach_type_allowed(""));
	ck_assert(attach_type_allowed("application/vnd.rar"));
	ck_assert(attach_type_allowed("application/vnd.openxmlformats-"
	    "officedocument.presentationml.presentation"));
	ck_assert(!attach_type_allowed("IMAGE/JPEG"));
	ck_assert(!attach_type_allowed("image/jpeg; q=1"));
	ck_assert(!attach_type_allowed("application/vnd.oasis.opendocument.*"));
	ck_assert(!attach_type_allowed(" image/png"));
}
END_TEST

START_TEST(attach_key_rules_in_order)
{
	const char *d = "01950f3c-5a2e-7b41-9c3d-2f6e8a1b4c70";
	static const char nul[] = "dialogs/01950f3c-5a2e-7b41-9c3d-"
	    "2f6e8a1b4c70/a\0b";
	static const char ok[] = "dialogs/01950f3c-5a2e-7b41-9c3d-"
	    "2f6e8a1b4c70/x.pdf";

	ck_assert_ptr_null(attach_key_problem(ok, strlen(ok), d));
	ck_assert_str_eq(attach_key_problem("../%2e\0", 7, d),
	    "Invalid S3 key: path traversal not allowed");
	ck_assert_str_eq(attach_key_problem("x%2Ey", 5, d),
	    "Invalid S3 key: encoded characters not allowed");
	ck_assert_str_eq(attach_key_problem(nul, sizeof(nul) - 1, d),
	    "Invalid S3 key: null bytes not allowed");
	ck_assert_str_eq(attach_key_problem("dialogs/x/", 10, d),
	    "Invalid S3 key: file does not belong to this dialog");
	ck_assert_str_eq(attach_key_problem("dialogs/01950f3c-5a2e-7b41-9c3d-"
	    "2f6e8a1b4c70", 44, d),
	    "Invalid S3 key: file does not belong to this dialog");
	ck_assert_ptr_null(attach_key_problem("dialogs/01950f3c-5a2e-7b41-"
	    "9c3d-2f6e8a1b4c70/%00", 48, d));	/* A20: %00 is text */
}
END_TEST

START_TEST(attach_validate_order)
{
	const char *d = "01950f3c-5a2e-7b41-9c3d-2f6e8a1b4c70";
	struct attach_in a[11];
	struct attach_error err;
	char key[64], name[300];
	size_t i;

	snprintf(key, sizeof(key), "dialogs/%s/k", d);
	for (i = 0; i < 11; i++)
		a[i] = (struct attach_in){ key, strlen(key), "f", "x/y", 0 };
	ck_assert(!attach_validate(a, 11, d, &err));
	ck_assert_str_eq(err.code, "BAD_REQUEST");
	ck_assert_str_eq(err.msg, "Maximum 10 attachments per message");
	ck_assert(!attach_validate(a, 10, d, &err));
	ck_assert_str_eq(err.msg, "File type 'x/y' is not allowed");
	a[0].content_type = "";
	ck_assert(!attach_validate(a, 1, d, &err));
	ck_assert_str_eq(err.msg, "Invalid file size");
	a[0].size = ATTACHMENT_SIZE_MAX;
	ck_assert(attach_validate(a, 1, d, &err));
	memset(name, 'n', 256);
	name[256] = '\0';
	a[0].filename = name;
	ck_assert(!attach_validate(a, 1, d, &err));
	ck_assert_str_eq(err.code, "INVALID_INPUT");
	ck_assert_str_eq(err.msg,
	    "filename exceeds maximum length of 255 characters");
	a[0].s3_key = "../x";
	a[0].s3_key_len = 4;
	ck_assert(!attach_validate(a, 1, d, &err));
	ck_assert_str_eq(err.msg, "Invalid S3 key: path traversal not allowed");
	ck_assert(attach_validate(a, 0, d, &err));
}
END_TEST

/* ---- lib/store_message.c --------------------------------------------- */

START_TEST(edit_history_is_kept_and_cascades)
{
	enum msg_result res;
	json_t *msg, *h;
	char id[ID_BUF];
	int64_t seq;

	send_as("alice", "one", id);
	ck_assert_int_eq(sj_message_edit(st, &(struct msg_ref){ dialog, id,
	    "alice", "two" }, &res, &msg, &seq), 0);
	ck_assert_int_eq(res, MSG_OK);
	ck_assert_str_eq(json_get_str(msg, "content"), "two");
	ck_assert(!json_is_null(json_object_get(msg, "last_edited_at")));
	ck_assert_ptr_null(json_object_get(msg, "attachments"));
	json_decref(msg);
	ck_assert_int_eq(sj_message_edit(st, &(struct msg_ref){ dialog, id,
	    "alice", "three" }, &res, &msg, &seq), 0);
	json_decref(msg);
	ck_assert_int_eq(sj_message_history(st, id, &h), 0);
	ck_assert_uint_eq(json_array_size(h), 2);
	ck_assert_str_eq(json_get_str(json_array_get(h, 0), "old_content"),
	    "one");
	ck_assert_str_eq(json_get_str(json_array_get(h, 1), "old_content"),
	    "two");
	ck_assert(strcmp(json_get_str(json_array_get(h, 0), "id"),
	    json_get_str(json_array_get(h, 1), "id")) < 0);
	json_decref(h);
	/* a refused edit adds nothing */
	ck_assert_int_eq(sj_message_edit(st, &(struct msg_ref){ dialog, id,
	    "bob", "x" }, &res, &msg, &seq), 0);
	ck_assert_int_eq(res, MSG_NOT_AUTHOR);
	ck_assert_ptr_null(msg);
	ck_assert_int_eq(sj_message_history(st, id, &h), 0);
	ck_assert_uint_eq(json_array_size(h), 2);
	json_decref(h);
	ck_assert_int_eq(store_message_delete(st, &(struct msg_ref){ dialog, id,
	    "alice", NULL }, &res, &seq), 0);
	ck_assert_int_eq(res, MSG_OK);
	ck_assert_int_eq(sj_message_history(st, id, &h), 0);
	ck_assert_uint_eq(json_array_size(h), 0);
	json_decref(h);
}
END_TEST

START_TEST(change_results)
{
	enum msg_result res;
	char id[ID_BUF];

	send_as("alice", "a", id);
	ck_assert_int_eq(store_message_can_change(st, &(struct msg_ref){ dialog,
	    NO_ID, "alice", NULL }, &res), 0);
	ck_assert_int_eq(res, MSG_NO_MESSAGE);
	ck_assert_int_eq(store_message_can_change(st, &(struct msg_ref){ NO_ID,
	    id, "alice", NULL }, &res), 0);
	ck_assert_int_eq(res, MSG_NO_MESSAGE);
	ck_assert_int_eq(store_message_can_change(st, &(struct msg_ref){ dialog,
	    id, "bob", NULL }, &res), 0);
	ck_assert_int_eq(res, MSG_NOT_AUTHOR);
	ck_assert_int_eq(store_message_can_change(st, &(struct msg_ref){ dialog,
	    id, "alice", NULL }, &res), 0);
	ck_assert_int_eq(res, MSG_OK);
}
END_TEST

START_TEST(mark_read_results_and_counts)
{
	enum msg_result res;
	char a1[ID_BUF], a2[ID_BUF], a3[ID_BUF];
	int64_t seq;

	send_as("alice", "1", a1);
	send_as("alice", "2", a2);
	send_as("alice", "3", a3);
	ck_assert_int_eq(unread_of("bob"), 3);
	ck_assert_int_eq(store_message_mark_read(st, &(struct msg_ref){ NO_ID,
	    a1, "bob", NULL }, &res, &seq), 0);
	ck_assert_int_eq(res, MSG_NO_DIALOG);
	ck_assert_int_eq(store_message_mark_read(st, &(struct msg_ref){ dialog,
	    a1, "eve", NULL }, &res, &seq), 0);
	ck_assert_int_eq(res, MSG_NOT_PARTICIPANT);
	ck_assert_int_eq(store_message_mark_read(st, &(struct msg_ref){ dialog,
	    NO_ID, "bob", NULL }, &res, &seq), 0);
	ck_assert_int_eq(res, MSG_NO_MESSAGE);
	ck_assert_int_eq(store_message_mark_read(st, &(struct msg_ref){ dialog,
	    a2, "bob", NULL }, &res, &seq), 0);
	ck_assert_int_eq(res, MSG_OK);
	ck_assert_int_gt(seq, 0);
	ck_assert_int_eq(unread_of("bob"), 1);
	ck_assert_int_eq(store_message_mark_read(st, &(struct msg_ref){ dialog,
	    a1, "bob", NULL }, &res, &seq), 0);
	ck_assert_int_eq(res, MSG_STALE);
	ck_assert_int_eq(seq, 0);
	ck_assert_int_eq(unread_of("bob"), 1);
	/* deleting a1 (read) keeps bob at 1; deleting a3 (unread) -> 0 */
	ck_assert_int_eq(store_message_delete(st, &(struct msg_ref){ dialog, a1,
	    "alice", NULL }, &res, &seq), 0);
	ck_assert_int_eq(unread_of("bob"), 1);
	ck_assert_int_eq(store_message_delete(st, &(struct msg_ref){ dialog, a3,
	    "alice", NULL }, &res, &seq), 0);
	ck_assert_int_eq(unread_of("bob"), 0);
	ck_assert_int_eq(unread_of("alice"), 0);
}
END_TEST

START_TEST(send_refusals_write_nothing)
{
	struct attach_in a = { .filename = "f", .content_type = "", .size = 1 };
	struct msg_send m = { .dialog_id = dialog, .user_id = "alice",
	    .content = "x", .att = &a, .natt = 1 };
	char key[80], id[ID_BUF];
	enum msg_result res;
	json_t *msg;
	int64_t seq;
	size_t n;

	snprintf(key, sizeof(key), "dialogs/%s/k", dialog);
	a.s3_key = key;
	a.s3_key_len = strlen(key);
	send_as("bob", "b", id);
	n = count_messages();
	m.reply_to_id = NO_ID;
	ck_assert_int_eq(sj_message_send(st, &m, &res, &msg, &seq), 0);
	ck_assert_int_eq(res, MSG_BAD_REPLY);
	ck_assert_ptr_null(msg);
	m.reply_to_id = id;
	ck_assert_int_eq(sj_message_send(st, &m, &res, &msg, &seq), 0);
	ck_assert_int_eq(res, MSG_OK);
	ck_assert_uint_eq(json_array_size(json_object_get(msg,
	    "attachments")), 1);
	json_decref(msg);
	ck_assert_int_eq(sj_message_send(st, &m, &res, &msg, &seq), 0);
	ck_assert_int_eq(res, MSG_KEY_USED);
	m.user_id = "eve";
	ck_assert_int_eq(sj_message_send(st, &m, &res, &msg, &seq), 0);
	ck_assert_int_eq(res, MSG_NOT_PARTICIPANT);
	m.dialog_id = NO_ID;
	ck_assert_int_eq(sj_message_send(st, &m, &res, &msg, &seq), 0);
	ck_assert_int_eq(res, MSG_NO_DIALOG);
	ck_assert_uint_eq(count_messages(), n + 1);
}
END_TEST

START_TEST(list_flags_and_access)
{
	struct msg_page q = { .dialog_id = dialog, .user_id = "bob",
	    .mode = PAGE_BEFORE, .limit = 1 };
	enum msg_result res;
	char a1[ID_BUF], a2[ID_BUF];
	json_t *data;

	send_as("alice", "1", a1);
	send_as("alice", "2", a2);
	q.anchor = a2;
	ck_assert_int_eq(list_json(&q, &res, &data), 0);
	ck_assert_str_eq(json_get_str(json_array_get(json_object_get(data,
	    "messages"), 0), "id"), a1);
	ck_assert(json_is_true(json_object_get(data, "has_more_before")));
	ck_assert(json_is_true(json_object_get(data, "has_more_after")));
	ck_assert_str_eq(json_get_str(data, "first_unread_message_id"), a1);
	json_decref(data);
	q.user_id = "eve";
	ck_assert_int_eq(list_json(&q, &res, &data), 0);
	ck_assert_int_eq(res, MSG_NOT_PARTICIPANT);
	ck_assert_ptr_null(data);
	q.dialog_id = NO_ID;
	q.user_id = "bob";
	ck_assert_int_eq(list_json(&q, &res, &data), 0);
	ck_assert_int_eq(res, MSG_NOT_PARTICIPANT);
}
END_TEST

/* Every allocation failure of a send fails cleanly and writes nothing. */
START_TEST(send_survives_allocation_failures)
{
	struct msg_send m = { .dialog_id = dialog, .user_id = "alice",
	    .content = "<p>x</p>" };
	struct message_rows msg;
	enum msg_result res;
	int64_t seq;
	size_t n = count_messages();
	long k;
	int rc;

	for (k = 1; k < 1000; k++) {
		mem_fail_after(k);
		rc = store_message_send(st, &m, &res, &msg, &seq);
		mem_fail_after(0);
		if (rc == 0)
			break;
		ck_assert_msg(rc == MT_ENOMEM || rc == MT_EIO, "rc %d", rc);
		ck_assert_uint_eq(msg.n, 0);
		ck_assert_ptr_null(msg.m);
		ck_assert_uint_eq(count_messages(), n);
	}
	ck_assert_int_eq(rc, 0);
	ck_assert_int_gt(k, 1);		/* some failure was injected */
	ck_assert_int_eq(res, MSG_OK);
	ck_assert_uint_eq(msg.n, 1);
	ck_assert_str_eq(msg.m[0].content, "<p>x</p>");
	message_rows_free(&msg);
	ck_assert_uint_eq(count_messages(), n + 1);
}
END_TEST

/* The list writes each message exactly as the single-message get builds it. */
START_TEST(list_item_equals_get)
{
	struct msg_page q = { .dialog_id = dialog, .user_id = "bob",
	    .mode = PAGE_LATEST, .limit = 10 };
	enum msg_result res;
	char id[ID_BUF], *a, *b;
	json_t *data, *one;

	send_as("alice", "<p>\"quoted\" & \\ \n é</p>", id);
	ck_assert_int_eq(list_json(&q, &res, &data), 0);
	ck_assert_int_eq(sj_message_get(st, &(struct msg_ref){ dialog, id,
	    "bob", NULL }, &res, &one), 0);
	ck_assert_int_eq(res, MSG_OK);
	a = json_encode(json_array_get(json_object_get(data, "messages"),
	    json_array_size(json_object_get(data, "messages")) - 1));
	b = json_encode(one);
	ck_assert_str_eq(a, b);
	mt_free(a);
	mt_free(b);
	json_decref(one);
	json_decref(data);
}
END_TEST

START_TEST(list_survives_allocation_failures)
{
	struct msg_page q = { .dialog_id = dialog, .user_id = "bob",
	    .mode = PAGE_LATEST, .limit = 10 };
	enum msg_result res;
	struct jw w = JW_INIT;
	char *text = NULL, err[64];
	json_t *data;
	size_t len;
	long k;
	int rc;

	send_as("alice", "1", NULL);
	for (k = 1; k < 1000; k++) {
		mem_fail_after(k);
		rc = sj_message_list(st, &q, &res, &w, NULL);
		mem_fail_after(0);
		text = jw_take(&w, &len);
		if (rc == 0)
			break;
		ck_assert_msg(rc == MT_ENOMEM || rc == MT_EIO, "rc %d", rc);
		mt_free(text);
	}
	ck_assert_int_eq(rc, 0);
	ck_assert_int_gt(k, 1);
	data = json_parse(text, len, err, sizeof(err));
	mt_free(text);
	ck_assert_uint_eq(json_array_size(json_object_get(data, "messages")),
	    2);
	json_decref(data);
}
END_TEST

static Suite *
store_message_suite(void)
{
	Suite *s = suite_create("store_message");
	TCase *tc = tcase_create("attach");

	tcase_add_test(tc, attach_types_are_the_38_of_the_contract);
	tcase_add_test(tc, attach_key_rules_in_order);
	tcase_add_test(tc, attach_validate_order);
	suite_add_tcase(s, tc);
	tc = tcase_create("store");
	tcase_add_checked_fixture(tc, setup, teardown);
	tu_timeout(tc, 30);
	tcase_add_test(tc, edit_history_is_kept_and_cascades);
	tcase_add_test(tc, change_results);
	tcase_add_test(tc, mark_read_results_and_counts);
	tcase_add_test(tc, send_refusals_write_nothing);
	tcase_add_test(tc, list_flags_and_access);
	tcase_add_test(tc, list_item_equals_get);
	tcase_add_test(tc, send_survives_allocation_failures);
	tcase_add_test(tc, list_survives_allocation_failures);
	suite_add_tcase(s, tc);
	return s;
}

int
main(void)
{
	json_init();
	log_init("test", 0, 0);
	return tu_run(store_message_suite());
}
