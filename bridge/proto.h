/*
 * proto.h — what mtchat-bridge reads from clients, as pure functions with
 * no libwebsockets in them: the request line accept.c looks at before
 * libwebsockets gets the connection, the WebSocket's query arguments and
 * the client's messages. The fuzz targets call them directly
 * (tests/fuzz/fuzz_bridge_http.c, fuzz_ws_msg.c).
 */
#ifndef MT_PROTO_H
#define MT_PROTO_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "id.h"

/* End of the header block in buf (after its blank line), or 0. */
size_t	 proto_header_end(const char *buf, size_t len);

enum {
	PROTO_BAD = 1,		/* 400: not a request line we take */
	PROTO_TOO_MANY,		/* 431: more fields than lws keeps */
};
#define PROTO_MAX_FIELDS	80	/* query arguments and header lines */

/*
 * Checks the request line of the header block buf (len bytes, up to its
 * end) is "METHOD SP TARGET SP HTTP/1.x" with an escape libwebsockets
 * takes, and copies the query of TARGET to *query (mt_free(); NULL when
 * there is no '?'). 0, PROTO_BAD, PROTO_TOO_MANY or MT_ENOMEM.
 */
int	 proto_reqline(const char *buf, size_t len, char **query);

/*
 * The WebSocket's resume and filter arguments (docs/websocket.md#connecting):
 * *since and
 * *has_since from ?since=, *filter for ?filter=subscribed. NULL, or the
 * message of the 400 that refuses them.
 */
const char *proto_ws_args(const char *query, int64_t *since, bool *has_since,
	    bool *filter);

#define PROTO_TYPE_SHOWN	64	/* bytes of an unknown type shown */

enum wsmsg_kind { WSMSG_PING, WSMSG_SUBSCRIBE, WSMSG_UNSUBSCRIBE, WSMSG_ERROR };

/* One client message, as proto_wsmsg() read it. */
struct wsmsg {
	enum wsmsg_kind	 kind;
	char		 dialog_id[ID_BUF];	/* (UN)SUBSCRIBE */
	char		 error[PROTO_TYPE_SHOWN + 32];	/* ERROR */
};

/*
 * Reads the text of one client message (docs/websocket.md#lifecycle): ping,
 * subscribe or unsubscribe with a dialog_id, else the error event's message.
 */
void	 proto_wsmsg(const char *text, size_t len, struct wsmsg *m);

#endif
