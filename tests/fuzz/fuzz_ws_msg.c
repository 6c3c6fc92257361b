/*
 * fuzz_ws_msg.c — the messages a WebSocket client sends mtchat-bridge
 * (bridge/proto.c, docs/websocket.md#lifecycle): ping, subscribe and
 * unsubscribe with a dialog_id, anything else an error event. Properties: a
 * subscription names a canonical UUID; an error message is non-empty UTF-8
 * short enough for one frame (json_string() of it must work, or the client
 * would get no answer at all); the same text always reads the same.
 * SPDX-License-Identifier: MIT
 */
#include <string.h>

#include "fuzz.h"
#include "id.h"
#include "json.h"
#include "proto.h"
#include "sanitize.h"

FUZZ_INIT_JSON

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct wsmsg m, again;
	char canon[ID_BUF];
	json_t *s;

	if (size > 70000)
		return 0;
	proto_wsmsg((const char *)data, size, &m);
	switch (m.kind) {
	case WSMSG_PING:
		break;
	case WSMSG_SUBSCRIBE:
	case WSMSG_UNSUBSCRIBE:
		FUZZ_CHECK(id_parse(m.dialog_id, strlen(m.dialog_id),
		    canon) == 0 && strcmp(canon, m.dialog_id) == 0,
		    "dialog id \"%s\"", m.dialog_id);
		break;
	case WSMSG_ERROR:
		FUZZ_CHECK(*m.error != '\0' && utf8_valid(m.error,
		    strlen(m.error)), "error \"%s\"", m.error);
		FUZZ_CHECK((s = json_string(m.error)) != NULL,
		    "no JSON string of \"%s\"", m.error);
		json_decref(s);
		break;
	default:
		FUZZ_CHECK(0, "kind %d", (int)m.kind);
	}
	proto_wsmsg((const char *)data, size, &again);
	FUZZ_CHECK(memcmp(&m, &again, sizeof(m)) == 0, "two readings differ");
	return 0;
}
