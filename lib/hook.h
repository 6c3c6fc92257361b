/*
 * hook.h — the webhooks of docs/webhooks.md without the transport: when they
 * are on, their envelope and payloads, the signature, and what an attempt's
 * outcome means for the next one. mtchat-hooks sends them (libcurl);
 * lib/store_hooks.c queues them.
 */
#ifndef MT_HOOK_H
#define MT_HOOK_H

#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "id.h"

struct cfg;

#define HOOK_SIG_BUF	(7 + 64 + 1)	/* "sha256=" + hex + NUL */

/*
 * Webhooks are sent when WEBHOOK_URL is set and not empty and
 * WEBHOOK_SECRET is set, even empty (docs/config.md#webhooks).
 */
bool	 hook_enabled(const struct cfg *c);

/*
 * The body's "type" of a webhook event (X-Webhook-Event), e.g.
 * "message_new" for "message.new"; NULL for an event that is not one.
 */
const char *hook_body_type(const char *event);

/*
 * Writes "sha256=" and the lowercase hex HMAC-SHA256 of the len bytes of
 * body under the keylen bytes of key into out. 0 or MT_EIO.
 */
int	 hook_sign(const char *key, size_t keylen, const char *body,
	    size_t len, char out[HOOK_SIG_BUF]);

/*
 * What a payload names: the dialog, and a message (docs/webhooks.md#payloads).
 */
struct hook_dialog {
	const char	*id;
	const char	*object_id;
	const char	*object_type;
	const char	*title;		/* NULL when none */
};
struct hook_message {
	const char	*id;
	const char	*sender_id;	/* NULL for system messages */
	const char	*content;
	const char	*reply_to;	/* reply_to_id, NULL when none */
	const char	*created_at;	/* sent_at, RFC 3339 */
	const char	*message_type;
};

/* The payloads, new references; NULL when out of memory. */
json_t	*hook_message_new(const struct hook_dialog *d,
	    const struct hook_message *m);
json_t	*hook_participant_joined(const struct hook_dialog *d,
	    const char *user_id, int64_t joined_at);
json_t	*hook_participant_left(const struct hook_dialog *d,
	    const char *user_id, int64_t left_at);
/* sender_company NULL when unknown; d->title NULL leaves chat_title out. */
json_t	*hook_notification_pending(const struct hook_dialog *d,
	    const char *recipient_id, const char *sender_company,
	    const struct hook_message *m);

/*
 * The compact body {"id","type","timestamp","payload"} of event (dotted
 * name) with envelope id id, stamped at now_ns nanoseconds; payload is
 * stolen. The caller frees the result with mt_free(); NULL on failure.
 */
char	*hook_envelope(const char *id, const char *event, int64_t now_ns,
	    json_t *payload);

/* Nanoseconds since the Unix epoch, for hook_envelope(). */
int64_t	 hook_now_ns(void);

enum hook_outcome {
	HOOK_ACK,	/* 2xx: delivered */
	HOOK_RETRY,	/* no answer, 408, 429, 3xx left over, 5xx: again */
	HOOK_REFUSED,	/* any other 4xx: the receiver will not take it */
};
/* The outcome of an attempt that got HTTP status (0: no response). */
enum hook_outcome hook_outcome(long status);

/*
 * Milliseconds to wait before retry n (1 for the first) when the first
 * waits first_ms: doubled each time (1 s, 2 s, 4 s by default), at most an
 * hour.
 */
int64_t	 hook_backoff_ms(long first_ms, int n);

#endif
