/*
 * check_hook.c — unit tests of lib/hook.c: the signature against RFC 4231 and
 * the empty key, the envelope byte for byte against docs/webhooks.md#payloads's
 * example, each payload's members and what it leaves out, when webhooks are on,
 * the outcome of each kind of answer, the doubling delays, and clean failures
 * when allocations fail. SPDX-License-Identifier: MIT
 */
#include <check.h>
#include <string.h>

#include "cfg.h"
#include "err.h"
#include "hook.h"
#include "json.h"
#include "log.h"
#include "mem.h"
#include "testutil.h"

static const struct hook_dialog tender = {
	.id = "01950f3c-5a2e-7b41-9c3d-2f6e8a1b4c70",
	.object_id = "tender-123", .object_type = "tender",
	.title = "Tender #123",
};
static const struct hook_message hi = {
	.id = "01950f9a-0b11-7c2d-8e3f-4a5b6c7d8e9f", .sender_id = "u-bob",
	.content = "<p>Hi</p>", .created_at = "2026-02-17T14:30:05.100Z",
	.message_type = "user",
};
#define EXAMPLE_NS	INT64_C(1771338606312845113)

/* The compact encoding of v (reference stolen), for comparisons. */
static char *
encode(json_t *v)
{
	char *s;

	ck_assert_ptr_nonnull(v);
	s = json_encode(v);
	json_decref(v);
	ck_assert_ptr_nonnull(s);
	return s;
}

static void
assert_encodes(json_t *v, const char *want)
{
	char *s = encode(v);

	ck_assert_str_eq(s, want);
	mt_free(s);
}

START_TEST(sign_rfc4231_and_empty_key)
{
	static const char data[] = "what do ya want for nothing?";
	char sig[HOOK_SIG_BUF];

	ck_assert_int_eq(hook_sign("Jefe", 4, data, strlen(data), sig), 0);
	ck_assert_str_eq(sig, "sha256=5bdcc146bf60754e6a042426089575c7"
	    "5a003f089d2739839dec58b964ec3843");
	/* WEBHOOK_SECRET may be empty (docs/config.md#webhooks). */
	ck_assert_int_eq(hook_sign("", 0, "", 0, sig), 0);
	ck_assert_str_eq(sig, "sha256=b613679a0814d9ec772f95d778c35fc5"
	    "ff1697c493715653c6c712144292c5ad");
	/* Every byte counts, a NUL included. */
	ck_assert_int_eq(hook_sign("k", 1, "a\0b", 3, sig), 0);
	ck_assert_str_ne(sig, "sha256=");
	{
		char sig2[HOOK_SIG_BUF];

		ck_assert_int_eq(hook_sign("k", 1, "a", 1, sig2), 0);
		ck_assert_str_ne(sig, sig2);
	}
}
END_TEST

START_TEST(body_types)
{
	ck_assert_str_eq(hook_body_type("message.new"), "message_new");
	ck_assert_str_eq(hook_body_type("participant.joined"),
	    "participant_joined");
	ck_assert_str_eq(hook_body_type("participant.left"),
	    "participant_left");
	ck_assert_str_eq(hook_body_type("notification.pending"),
	    "notification_pending");
	ck_assert_ptr_null(hook_body_type("message.edited"));
	ck_assert_ptr_null(hook_body_type("message_new"));
	ck_assert_ptr_null(hook_body_type(NULL));
}
END_TEST

/* docs/webhooks.md#payloads's example, byte for byte. */
START_TEST(envelope_is_the_contract_example)
{
	char *body = hook_envelope("01950fa1-aaaa-7bbb-8ccc-dddddddddddd",
	    "notification.pending", EXAMPLE_NS,
	    hook_notification_pending(&tender, "u-alice", "Beta LLC", &hi));

	ck_assert_ptr_nonnull(body);
	ck_assert_str_eq(body, "{\"id\":\"01950fa1-aaaa-7bbb-8ccc-dddddddddddd"
	    "\",\"type\":\"notification_pending\",\"timestamp\":"
	    "\"2026-02-17T14:30:06.312845113Z\",\"payload\":{\"dialog_id\":"
	    "\"01950f3c-5a2e-7b41-9c3d-2f6e8a1b4c70\",\"object_id\":"
	    "\"tender-123\",\"object_type\":\"tender\",\"recipient_id\":"
	    "\"u-alice\",\"chat_title\":\"Tender #123\",\"sender_company\":"
	    "\"Beta LLC\",\"message\":{\"id\":\"01950f9a-0b11-7c2d-8e3f-"
	    "4a5b6c7d8e9f\",\"sender_id\":\"u-bob\",\"content\":"
	    "\"<p>Hi</p>\",\"created_at\":\"2026-02-17T14:30:05.100Z\","
	    "\"message_type\":\"user\"}}}");
	mt_free(body);
	/* Not a webhook event, or no payload: nothing (payload freed). */
	ck_assert_ptr_null(hook_envelope("x", "message.read", EXAMPLE_NS,
	    json_object()));
	ck_assert_ptr_null(hook_envelope("x", "message.new", EXAMPLE_NS,
	    NULL));
}
END_TEST

/* The encoding of member key of v (v stolen). */
static char *
member(json_t *v, const char *key)
{
	json_t *m;
	char *s;

	ck_assert_ptr_nonnull(v);
	m = json_object_get(v, key);
	ck_assert_ptr_nonnull(m);
	s = json_encode(m);
	json_decref(v);
	ck_assert_ptr_nonnull(s);
	return s;
}

START_TEST(payloads)
{
	struct hook_dialog untitled = tender;
	struct hook_message other = hi;
	char *s;

	assert_encodes(hook_message_new(&tender, &hi),
	    "{\"dialog_id\":\"01950f3c-5a2e-7b41-9c3d-2f6e8a1b4c70\","
	    "\"object_id\":\"tender-123\",\"object_type\":\"tender\","
	    "\"message\":{\"id\":\"01950f9a-0b11-7c2d-8e3f-4a5b6c7d8e9f\","
	    "\"sender_id\":\"u-bob\",\"content\":\"<p>Hi</p>\","
	    "\"created_at\":\"2026-02-17T14:30:05.100Z\","
	    "\"message_type\":\"user\"}}");
	/* reply_to when there is one; sender_id left out when none */
	other.reply_to = "01950f9a-0000-7000-8000-000000000001";
	other.sender_id = NULL;
	other.message_type = "system";
	s = member(hook_message_new(&tender, &other), "message");
	ck_assert_str_eq(s, "{\"id\":\"01950f9a-0b11-7c2d-8e3f-4a5b6c7d8e9f\","
	    "\"content\":\"<p>Hi</p>\",\"reply_to\":"
	    "\"01950f9a-0000-7000-8000-000000000001\",\"created_at\":"
	    "\"2026-02-17T14:30:05.100Z\",\"message_type\":\"system\"}");
	mt_free(s);
	assert_encodes(hook_participant_joined(&tender, "u-carol",
	    INT64_C(1771338605100000)),
	    "{\"dialog_id\":\"01950f3c-5a2e-7b41-9c3d-2f6e8a1b4c70\","
	    "\"object_id\":\"tender-123\",\"object_type\":\"tender\","
	    "\"user_id\":\"u-carol\",\"joined_as\":\"joined\","
	    "\"joined_at\":\"2026-02-17T14:30:05.100Z\"}");
	assert_encodes(hook_participant_left(&tender, "u-carol",
	    INT64_C(1771338605000001)),
	    "{\"dialog_id\":\"01950f3c-5a2e-7b41-9c3d-2f6e8a1b4c70\","
	    "\"object_id\":\"tender-123\",\"object_type\":\"tender\","
	    "\"user_id\":\"u-carol\",\"left_at\":"
	    "\"2026-02-17T14:30:05.000001Z\"}");
	/* No title, no company: both left out. */
	untitled.title = NULL;
	s = encode(hook_notification_pending(&untitled, "u-alice", NULL, &hi));
	ck_assert_ptr_null(strstr(s, "chat_title"));
	ck_assert_ptr_null(strstr(s, "sender_company"));
	ck_assert_ptr_nonnull(strstr(s, "\"recipient_id\":\"u-alice\","
	    "\"message\":{"));
	mt_free(s);
	/* An empty company is a company. */
	s = encode(hook_notification_pending(&tender, "u-alice", "", &hi));
	ck_assert_ptr_nonnull(strstr(s, "\"sender_company\":\"\""));
	mt_free(s);
}
END_TEST

START_TEST(enabled_needs_url_and_secret)
{
	struct cfg c;

	memset(&c, 0, sizeof(c));
	ck_assert(!hook_enabled(&c));
	c.webhook_secret = "s";
	ck_assert(!hook_enabled(&c));
	c.webhook_url = "";
	ck_assert(!hook_enabled(&c));
	c.webhook_url = "http://h/";
	ck_assert(hook_enabled(&c));
	c.webhook_secret = "";		/* set, even empty (docs/config.md) */
	ck_assert(hook_enabled(&c));
	c.webhook_secret = NULL;
	ck_assert(!hook_enabled(&c));
}
END_TEST

START_TEST(outcomes)
{
	static const long ack[] = { 200, 201, 202, 204, 299 };
	static const long retry[] = { 0, 100, 304, 399, 408, 429, 500, 502,
	    503, 504, 599, 600 };
	static const long refused[] = { 400, 401, 403, 404, 405, 410, 413,
	    422, 499 };
	size_t i;

	for (i = 0; i < sizeof(ack) / sizeof(ack[0]); i++)
		ck_assert_int_eq(hook_outcome(ack[i]), HOOK_ACK);
	for (i = 0; i < sizeof(retry) / sizeof(retry[0]); i++)
		ck_assert_msg(hook_outcome(retry[i]) == HOOK_RETRY, "%ld",
		    retry[i]);
	for (i = 0; i < sizeof(refused) / sizeof(refused[0]); i++)
		ck_assert_msg(hook_outcome(refused[i]) == HOOK_REFUSED, "%ld",
		    refused[i]);
}
END_TEST

START_TEST(backoff_doubles_up_to_an_hour)
{
	ck_assert_int_eq(hook_backoff_ms(1000, 1), 1000);
	ck_assert_int_eq(hook_backoff_ms(1000, 2), 2000);
	ck_assert_int_eq(hook_backoff_ms(1000, 3), 4000);
	ck_assert_int_eq(hook_backoff_ms(50, 4), 400);
	ck_assert_int_eq(hook_backoff_ms(1000, 12), 2048000);
	ck_assert_int_eq(hook_backoff_ms(1000, 13), 3600000);
	ck_assert_int_eq(hook_backoff_ms(3600000, 20), 3600000);
	ck_assert_int_eq(hook_backoff_ms(0, 1), 1);
}
END_TEST

START_TEST(envelope_survives_allocation_failures)
{
	char *body = NULL;
	long k;

	for (k = 1; k < 1000; k++) {
		mem_fail_after(k);
		body = hook_envelope("01950fa1-aaaa-7bbb-8ccc-dddddddddddd",
		    "notification.pending", EXAMPLE_NS,
		    hook_notification_pending(&tender, "u-alice", "Beta", &hi));
		mem_fail_after(0);
		if (body != NULL)
			break;
	}
	ck_assert_ptr_nonnull(body);
	ck_assert_int_gt(k, 1);
	ck_assert_ptr_nonnull(strstr(body, "\"sender_company\":\"Beta\""));
	mt_free(body);
	/* Leaks, if any, are reported by LeakSanitizer at exit. */
}
END_TEST

static Suite *
hook_suite(void)
{
	Suite *s = suite_create("hook");
	TCase *tc = tcase_create("hook");

	tcase_add_test(tc, sign_rfc4231_and_empty_key);
	tcase_add_test(tc, body_types);
	tcase_add_test(tc, envelope_is_the_contract_example);
	tcase_add_test(tc, payloads);
	tcase_add_test(tc, enabled_needs_url_and_secret);
	tcase_add_test(tc, outcomes);
	tcase_add_test(tc, backoff_doubles_up_to_an_hour);
	tcase_add_test(tc, envelope_survives_allocation_failures);
	suite_add_tcase(s, tc);
	return s;
}

int
main(void)
{
	json_init();
	log_init("test", 0, 0);
	return tu_run(hook_suite());
}
