/*
 * check_store_files.c — unit tests of lib/store_files.c and the upload
 * rules of a send (lib/store_message.c) on a real SQLite file: an upload
 * is recorded once and its file placed inside the transaction; a send
 * takes only the sender's unused upload to that dialog, of its type and
 * size, with the image size found at upload, and the download URL signed;
 * deleting the message or the dialog releases the upload; gc forgets
 * exactly the old pending and the released ones, and a dry run nothing.
 * SPDX-License-Identifier: MIT
 */
#include <check.h>
#include <limits.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "err.h"
#include "files.h"
#include "id.h"
#include "json.h"
#include "log.h"
#include "mem.h"
#include "store.h"
#include "store_files.h"
#include "store_manage.h"
#include "store_message.h"
#include "storejson.h"
#include "testutil.h"
#include "tm.h"

static struct store *st;
static char dialog[ID_BUF], other[ID_BUF];	/* alice and bob; alice */
static struct files_cfg files = {
	.dir = "/srv/files", .secret = "0123456789abcdef-unit",
	.base = "", .upload_ttl = 300, .download_ttl = 3600,
	.max_size = 104857600,
};

static void
new_dialog(const struct participant_in *p, size_t n, char id[ID_BUF])
{
	struct dialog_in in = { .object_id = "o", .object_type = "t",
	    .participants = p, .nparticipants = n };
	json_t *d;
	int64_t seq;

	ck_assert_int_eq(sj_manage_create(st, &in, &d, &seq), 0);
	snprintf(id, ID_BUF, "%s", json_get_str(d, "id"));
	json_decref(d);
}

static void
setup(void)
{
	struct store_opts o = { .create = true, .allow_old = true,
	    .busy_timeout_ms = 5000, .files = &files };
	static const struct participant_in p[] = {
		{ .user_id = "alice", .display_name = "Alice" },
		{ .user_id = "bob", .display_name = "Bob" },
	};
	char path[PATH_MAX], err[STORE_ERR_LEN];
	int applied;

	tu_setup();
	o.path = tu_path(path, tu_dir, "mtchat.db");
	ck_assert_msg(store_open(&st, &o, err, sizeof(err)) == 0, "%s", err);
	ck_assert_msg(store_migrate(st, &applied, err, sizeof(err)) == 0, "%s",
	    err);
	new_dialog(p, 2, dialog);
	new_dialog(p, 1, other);
}

static void
teardown(void)
{
	mem_fail_after(0);
	store_close(st);
	st = NULL;
	tu_teardown();
}

static int placed;

static int
place_ok(void *arg)
{
	(void)arg;
	placed++;
	return 0;
}

static int
place_fails(void *arg)
{
	(void)arg;
	placed++;
	return MT_EIO;
}

/* Records an upload of user to dialog d; its key goes to key. */
static void
upload(const char *d, const char *user, const char *ct, int64_t size,
    int w, int h, char key[FILES_KEY_MAX])
{
	struct upload_row u = { .dialog_id = d, .user_id = user,
	    .content_type = ct, .size = size, .width = w, .height = h };
	enum files_result res;

	ck_assert_int_eq(files_new_key(d, "f.png", key), 0);
	u.s3_key = key;
	ck_assert_int_eq(store_files_record(st, &u, place_ok, NULL, &res), 0);
	ck_assert_int_eq(res, FILES_R_OK);
}

/* A send of one attachment by user: the result, *bad, *msg (or NULL). */
static enum msg_result
send_one(const char *user, const char *key, const char *ct, int64_t size,
    size_t *bad, json_t **msg)
{
	struct attach_in a = { .s3_key = key, .s3_key_len = strlen(key),
	    .filename = "pic.png", .content_type = ct, .size = size };
	struct msg_send m = { .dialog_id = dialog, .user_id = user,
	    .content = "x", .att = &a, .natt = 1, .uploads = true, .bad = bad };
	enum msg_result res;
	json_t *out = NULL;
	int64_t seq;

	ck_assert_int_eq(sj_message_send(st, &m, &res, &out, &seq), 0);
	if (msg != NULL)
		*msg = out;
	else
		json_decref(out);
	return res;
}

START_TEST(record_once)
{
	struct upload_row u = { .dialog_id = dialog, .user_id = "alice",
	    .content_type = "text/plain", .size = 3 };
	enum files_result res;
	char key[FILES_KEY_MAX];
	bool found;

	ck_assert_int_eq(files_new_key(dialog, "a.txt", key), 0);
	u.s3_key = key;
	placed = 0;
	/* a failed placement leaves no row */
	ck_assert_int_eq(store_files_record(st, &u, place_fails, NULL, &res),
	    MT_EIO);
	ck_assert_int_eq(store_files_uploaded(st, key, &found), 0);
	ck_assert(!found);
	ck_assert_int_eq(store_files_record(st, &u, place_ok, NULL, &res), 0);
	ck_assert_int_eq(res, FILES_R_OK);
	ck_assert_int_eq(placed, 2);
	ck_assert_int_eq(store_files_uploaded(st, key, &found), 0);
	ck_assert(found);
	/* the same key again: refused, and nothing is placed */
	ck_assert_int_eq(store_files_record(st, &u, place_ok, NULL, &res), 0);
	ck_assert_int_eq(res, FILES_R_USED);
	ck_assert_int_eq(placed, 2);
}
END_TEST

START_TEST(send_needs_own_fresh_upload)
{
	char mine[FILES_KEY_MAX], bobs[FILES_KEY_MAX], elsewhere[FILES_KEY_MAX];
	char never[FILES_KEY_MAX];
	json_t *msg, *att;
	size_t bad = 99;

	upload(dialog, "alice", "image/png", 1000, 640, 480, mine);
	upload(dialog, "bob", "image/png", 1000, 0, 0, bobs);
	upload(other, "alice", "image/png", 1000, 0, 0, elsewhere);
	ck_assert_int_eq(files_new_key(dialog, "x.png", never), 0);

	ck_assert_int_eq(send_one("alice", never, "image/png", 1000, &bad,
	    NULL), MSG_NOT_UPLOADED);
	ck_assert_int_eq(bad, 0);
	ck_assert_int_eq(send_one("alice", bobs, "image/png", 1000, &bad,
	    NULL), MSG_NOT_UPLOADED);
	/*
	 * (the key rules of docs/attachments.md#flow refuse another dialog's
	 * key before this)
	 */
	ck_assert_int_eq(send_one("alice", elsewhere, "image/png", 1000, &bad,
	    NULL), MSG_NOT_UPLOADED);
	ck_assert_int_eq(send_one("alice", mine, "image/png", 999, &bad,
	    NULL), MSG_NOT_UPLOADED);
	ck_assert_int_eq(send_one("alice", mine, "image/jpeg", 1000, &bad,
	    NULL), MSG_NOT_UPLOADED);
	ck_assert_int_eq(send_one("alice", mine, "image/png", 1000, &bad,
	    &msg), MSG_OK);
	att = json_array_get(json_object_get(msg, "attachments"), 0);
	ck_assert_int_eq(json_integer_value(json_object_get(att, "width")),
	    640);
	ck_assert_int_eq(json_integer_value(json_object_get(att, "height")),
	    480);
	ck_assert_int_eq(strncmp(json_get_str(att, "url"), "/api/v1/files/",
	    14), 0);
	ck_assert_ptr_nonnull(strstr(json_get_str(att, "url"),
	    json_get_str(att, "id")));
	json_decref(msg);
	/* used once: never again */
	ck_assert_int_eq(send_one("alice", mine, "image/png", 1000, &bad,
	    NULL), MSG_KEY_USED);
}
END_TEST

START_TEST(send_without_storage)
{
	struct attach_in a = { .s3_key = "dialogs/x/y", .s3_key_len = 11,
	    .filename = "y", .content_type = "", .size = 1 };
	struct msg_send m = { .dialog_id = dialog, .user_id = "alice",
	    .content = "x", .att = &a, .natt = 1 };
	enum msg_result res;
	json_t *msg;
	int64_t seq;

	/* nothing is checked without storage (C15), the URL is "" */
	ck_assert_int_eq(sj_message_send(st, &m, &res, &msg, &seq), 0);
	ck_assert_int_eq(res, MSG_OK);
	ck_assert_ptr_null(json_object_get(json_array_get(json_object_get(msg,
	    "attachments"), 0), "width"));
	json_decref(msg);
}
END_TEST

START_TEST(attachment_lookup)
{
	char key[FILES_KEY_MAX], id[ID_BUF];
	enum files_result res;
	struct att_file a;
	json_t *msg;

	upload(dialog, "alice", "image/png", 1000, 0, 0, key);
	ck_assert_int_eq(send_one("alice", key, "image/png", 1000, NULL,
	    &msg), MSG_OK);
	snprintf(id, sizeof(id), "%s", json_get_str(json_array_get(
	    json_object_get(msg, "attachments"), 0), "id"));
	json_decref(msg);
	ck_assert_int_eq(store_files_attachment(st, id, "bob", &a, &res), 0);
	ck_assert_int_eq(res, FILES_R_OK);
	ck_assert_str_eq(a.s3_key, key);
	ck_assert_str_eq(a.filename, "pic.png");
	ck_assert_str_eq(a.content_type, "image/png");
	ck_assert_str_eq(a.dialog_id, dialog);
	ck_assert_int_eq(a.size, 1000);
	ck_assert_int_eq(store_files_attachment(st, id, "eve", &a, &res), 0);
	ck_assert_int_eq(res, FILES_R_NOT_PARTICIPANT);
	ck_assert_int_eq(store_files_attachment(st, id, NULL, &a, &res), 0);
	ck_assert_int_eq(res, FILES_R_OK);
	ck_assert_int_eq(store_files_attachment(st, dialog, NULL, &a, &res),
	    0);
	ck_assert_int_eq(res, FILES_R_NOT_FOUND);
}
END_TEST

struct seen {
	char	 keys[8][FILES_KEY_MAX];
	bool	 released[8];
	int	 n;
};

static void
gone(const char *key, bool released, void *arg)
{
	struct seen *s = arg;

	ck_assert_int_lt(s->n, 8);
	snprintf(s->keys[s->n], FILES_KEY_MAX, "%s", key);
	s->released[s->n++] = released;
}

/* Whether key is among what gc reported, and as released or not. */
static int
seen_as(const struct seen *s, const char *key)
{
	int i;

	for (i = 0; i < s->n; i++)
		if (strcmp(s->keys[i], key) == 0)
			return s->released[i] ? 2 : 1;
	return 0;
}

START_TEST(gc_exactly_the_orphans)
{
	char pending[FILES_KEY_MAX], kept[FILES_KEY_MAX], deleted[FILES_KEY_MAX];
	char in_dialog[FILES_KEY_MAX], live[FILES_KEY_MAX];
	struct files_gc g = { .limit = 100 };
	struct seen s = { 0 };
	enum msg_result res;
	json_t *msg;
	int64_t seq, cut;
	bool found;
	int count;

	upload(dialog, "alice", "text/plain", 5, 0, 0, pending);
	upload(dialog, "alice", "text/plain", 5, 0, 0, deleted);
	upload(dialog, "alice", "text/plain", 5, 0, 0, live);
	upload(other, "alice", "text/plain", 5, 0, 0, in_dialog);
	ck_assert_int_eq(send_one("alice", deleted, "text/plain", 5, NULL,
	    &msg), MSG_OK);
	ck_assert_int_eq(store_message_delete(st, &(struct msg_ref){ dialog,
	    json_get_str(msg, "id"), "alice", NULL }, &res, &seq), 0);
	ck_assert_int_eq(res, MSG_OK);
	json_decref(msg);
	ck_assert_int_eq(send_one("alice", live, "text/plain", 5, NULL, NULL),
	    MSG_OK);
	cut = tm_now_us() + 1;
	upload(dialog, "alice", "text/plain", 5, 0, 0, kept);	/* too new */

	/* before the cut-offs, nothing */
	g.pending_before = g.released_before = 0;
	ck_assert_int_eq(store_files_gc(st, &g, gone, &s, &count), 0);
	ck_assert_int_eq(count, 0);
	/* a dry run names them and forgets nothing */
	g.pending_before = g.released_before = cut;
	g.dry_run = true;
	ck_assert_int_eq(store_files_gc(st, &g, gone, &s, &count), 0);
	ck_assert_int_eq(count, 3);
	ck_assert_int_eq(seen_as(&s, pending), 1);
	ck_assert_int_eq(seen_as(&s, deleted), 2);
	ck_assert_int_eq(seen_as(&s, in_dialog), 1);
	ck_assert_int_eq(store_files_uploaded(st, pending, &found), 0);
	ck_assert(found);
	/* the real run forgets exactly those, each reported once */
	memset(&s, 0, sizeof(s));
	g.dry_run = false;
	g.limit = 2;
	ck_assert_int_eq(store_files_gc(st, &g, gone, &s, &count), 0);
	ck_assert_int_eq(count, 2);
	g.limit = 100;
	ck_assert_int_eq(store_files_gc(st, &g, gone, &s, &count), 0);
	ck_assert_int_eq(count, 1);
	ck_assert_int_eq(s.n, 3);
	ck_assert_int_eq(seen_as(&s, pending), 1);
	ck_assert_int_eq(seen_as(&s, deleted), 2);
	ck_assert_int_eq(seen_as(&s, in_dialog), 1);
	ck_assert_int_eq(store_files_uploaded(st, pending, &found), 0);
	ck_assert(!found);
	ck_assert_int_eq(store_files_uploaded(st, live, &found), 0);
	ck_assert(found);
	ck_assert_int_eq(store_files_uploaded(st, kept, &found), 0);
	ck_assert(found);
	/* a forgotten upload can no longer be attached */
	ck_assert_int_eq(send_one("alice", pending, "text/plain", 5, NULL,
	    NULL), MSG_NOT_UPLOADED);
	ck_assert_int_eq(store_files_gc(st, &g, gone, &s, &count), 0);
	ck_assert_int_eq(count, 0);
}
END_TEST

START_TEST(gc_dialog_deleted)
{
	char key[FILES_KEY_MAX];
	struct files_gc g = { .limit = 100 };
	struct seen s = { 0 };
	int64_t seq;
	int count;

	upload(dialog, "alice", "text/plain", 5, 0, 0, key);
	ck_assert_int_eq(send_one("alice", key, "text/plain", 5, NULL, NULL),
	    MSG_OK);
	ck_assert_int_eq(store_manage_delete(st, dialog, &seq), 0);
	g.pending_before = 0;	/* released ones only */
	g.released_before = tm_now_us() + 1;
	ck_assert_int_eq(store_files_gc(st, &g, gone, &s, &count), 0);
	ck_assert_int_eq(count, 1);
	ck_assert_int_eq(seen_as(&s, key), 2);
}
END_TEST

static Suite *
store_files_suite(void)
{
	Suite *s = suite_create("store_files");
	TCase *tc = tcase_create("core");

	tcase_add_checked_fixture(tc, setup, teardown);
	tu_timeout(tc, 30);
	tcase_add_test(tc, record_once);
	tcase_add_test(tc, send_needs_own_fresh_upload);
	tcase_add_test(tc, send_without_storage);
	tcase_add_test(tc, attachment_lookup);
	tcase_add_test(tc, gc_exactly_the_orphans);
	tcase_add_test(tc, gc_dialog_deleted);
	suite_add_tcase(s, tc);
	return s;
}

int
main(void)
{
	json_init();
	log_init("check_store_files", 0, 0);
	return tu_run(store_files_suite());
}
