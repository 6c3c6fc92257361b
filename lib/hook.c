/*
 * hook.c — webhook bodies and signatures (docs/webhooks.md#request, #payloads)
 * and the retry rules of mtchat-hooks (docs/webhooks.md#retries with F11). Keys
 * come in the order of docs/webhooks.md#payloads; optional members are left out
 * rather than null, as the reference does.
 */
#include <openssl/evp.h>
#include <openssl/hmac.h>
#include <string.h>
#include <time.h>

#include "cfg.h"
#include "err.h"
#include "hook.h"
#include "json.h"
#include "tm.h"

#define BACKOFF_MAX_MS	3600000

static const struct {
	const char	*event;
	const char	*type;
} types[] = {
	{ "message.new", "message_new" },
	{ "participant.joined", "participant_joined" },
	{ "participant.left", "participant_left" },
	{ "notification.pending", "notification_pending" },
};

bool
hook_enabled(const struct cfg *c)
{
	return c->webhook_url != NULL && *c->webhook_url != '\0' &&
	    c->webhook_secret != NULL;
}

const char *
hook_body_type(const char *event)
{
	size_t i;

	for (i = 0; event != NULL && i < sizeof(types) / sizeof(types[0]); i++)
		if (strcmp(types[i].event, event) == 0)
			return types[i].type;
	return NULL;
}

int
hook_sign(const char *key, size_t keylen, const char *body, size_t len,
    char out[HOOK_SIG_BUF])
{
	static const char digits[] = "0123456789abcdef";
	unsigned char md[EVP_MAX_MD_SIZE];
	unsigned int mdlen = 0, i;

	if (keylen > INT32_MAX || HMAC(EVP_sha256(), key, (int)keylen,
	    (const unsigned char *)body, len, md, &mdlen) == NULL ||
	    mdlen != 32)
		return MT_EIO;
	memcpy(out, "sha256=", 7);
	for (i = 0; i < mdlen; i++) {
		out[7 + 2 * i] = digits[md[i] >> 4];
		out[7 + 2 * i + 1] = digits[md[i] & 0x0f];
	}
	out[7 + 2 * mdlen] = '\0';
	return 0;
}

/* A new object with the dialog's three members. */
static json_t *
dialog_members(const struct hook_dialog *d)
{
	json_t *o = json_object();

	if (o == NULL ||
	    json_add_str(o, "dialog_id", d->id) != 0 ||
	    json_add_str(o, "object_id", d->object_id) != 0 ||
	    json_add_str(o, "object_type", d->object_type) != 0) {
		json_decref(o);
		return NULL;
	}
	return o;
}

/* The message data object of docs/webhooks.md#payloads. */
static json_t *
message_data(const struct hook_message *m)
{
	json_t *o = json_object();

	if (o == NULL ||
	    json_add_str(o, "id", m->id) != 0 ||
	    json_add_str_opt(o, "sender_id", m->sender_id) != 0 ||
	    json_add_str(o, "content", m->content) != 0 ||
	    json_add_str_opt(o, "reply_to", m->reply_to) != 0 ||
	    json_add_str(o, "created_at", m->created_at) != 0 ||
	    json_add_str(o, "message_type", m->message_type) != 0) {
		json_decref(o);
		return NULL;
	}
	return o;
}

json_t *
hook_message_new(const struct hook_dialog *d, const struct hook_message *m)
{
	json_t *o = dialog_members(d);

	if (o == NULL || json_add_new(o, "message", message_data(m)) != 0) {
		json_decref(o);
		return NULL;
	}
	return o;
}

json_t *
hook_participant_joined(const struct hook_dialog *d, const char *user_id,
    int64_t joined_at)
{
	json_t *o = dialog_members(d);

	if (o == NULL ||
	    json_add_str(o, "user_id", user_id) != 0 ||
	    json_add_str(o, "joined_as", "joined") != 0 ||
	    json_add_time(o, "joined_at", joined_at) != 0) {
		json_decref(o);
		return NULL;
	}
	return o;
}

json_t *
hook_participant_left(const struct hook_dialog *d, const char *user_id,
    int64_t left_at)
{
	json_t *o = dialog_members(d);

	if (o == NULL ||
	    json_add_str(o, "user_id", user_id) != 0 ||
	    json_add_time(o, "left_at", left_at) != 0) {
		json_decref(o);
		return NULL;
	}
	return o;
}

json_t *
hook_notification_pending(const struct hook_dialog *d,
    const char *recipient_id, const char *sender_company,
    const struct hook_message *m)
{
	json_t *o = dialog_members(d);

	if (o == NULL ||
	    json_add_str(o, "recipient_id", recipient_id) != 0 ||
	    json_add_str_opt(o, "chat_title", d->title) != 0 ||
	    json_add_str_opt(o, "sender_company", sender_company) != 0 ||
	    json_add_new(o, "message", message_data(m)) != 0) {
		json_decref(o);
		return NULL;
	}
	return o;
}

char *
hook_envelope(const char *id, const char *event, int64_t now_ns,
    json_t *payload)
{
	const char *type = hook_body_type(event);
	char when[TM_BUF];
	json_t *o = NULL;
	char *text = NULL;

	if (payload == NULL || type == NULL ||
	    tm_format_ns(now_ns, when, sizeof(when)) != 0 ||
	    (o = json_object()) == NULL ||
	    json_add_str(o, "id", id) != 0 ||
	    json_add_str(o, "type", type) != 0 ||
	    json_add_str(o, "timestamp", when) != 0) {
		json_decref(payload);
		json_decref(o);
		return NULL;
	}
	if (json_add_new(o, "payload", payload) == 0)
		text = json_encode(o);
	json_decref(o);
	return text;
}

int64_t
hook_now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	return (int64_t)ts.tv_sec * 1000000000 + ts.tv_nsec;
}

enum hook_outcome
hook_outcome(long status)
{
	if (status >= 200 && status <= 299)
		return HOOK_ACK;
	/*
	 * docs/webhooks.md#retries gives up on every 4xx; a receiver that asks
	 * to be called again later (408, 429) is called again.
	 */
	if (status >= 400 && status <= 499 && status != 408 && status != 429)
		return HOOK_REFUSED;
	return HOOK_RETRY;
}

int64_t
hook_backoff_ms(long first_ms, int n)
{
	int64_t ms = first_ms > 0 ? first_ms : 1;

	while (--n > 0 && ms < BACKOFF_MAX_MS)
		ms *= 2;
	return ms < BACKOFF_MAX_MS ? ms : BACKOFF_MAX_MS;
}
