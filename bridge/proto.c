/*
 * proto.c — what mtchat-bridge reads from clients, without libwebsockets:
 * the request line (accept.c, before libwebsockets parses anything), the
 * WebSocket's query arguments and the client's messages (ws.c). Pure
 * functions of their input, so fuzz targets call them as the bridge does.
 */
#include <stdio.h>
#include <string.h>

#include "err.h"
#include "json.h"
#include "mem.h"
#include "proto.h"
#include "reqargs.h"
#include "url.h"

size_t
proto_header_end(const char *buf, size_t len)
{
	size_t i;

	for (i = 0; i + 1 < len; i++)
		if (buf[i] == '\n' && (buf[i + 1] == '\n' ||
		    (buf[i + 1] == '\r' && i + 2 < len && buf[i + 2] == '\n')))
			return i + (buf[i + 1] == '\n' ? 2 : 3);
	return 0;
}

static bool
is_target_byte(unsigned char c)
{
	return c > 0x20 && c < 0x7f;
}

static bool
is_hex(unsigned char c)
{
	return (c >= '0' && c <= '9') ||
	    ((c | 0x20) >= 'a' && (c | 0x20) <= 'f');
}

/*
 * Whether libwebsockets' parser takes target: every '%' starts an escape
 * of two hex digits other than %00 (it drops the connection otherwise).
 */
static bool
escapes_ok(const char *t, size_t len)
{
	size_t i;

	for (i = 0; i < len; i++)
		if (t[i] == '%' && (i + 2 >= len || !is_hex((unsigned char)
		    t[i + 1]) || !is_hex((unsigned char)t[i + 2]) ||
		    (t[i + 1] == '0' && t[i + 2] == '0')))
			return false;
	return true;
}

/*
 * The fields libwebsockets would store: query arguments and header lines
 * (it has room for WSI_TOKEN_COUNT, a few are taken by itself).
 */
static size_t
fields(const char *query, size_t qlen, const char *hdr, size_t hlen)
{
	size_t n = 0, i;

	for (i = 0; i < qlen; i++)
		n += query[i] == '&' || query[i] == ';';
	for (i = 0; i < hlen; i++)
		n += hdr[i] == '\n';
	return n + 1;
}

int
proto_reqline(const char *buf, size_t len, char **query)
{
	const char *e = memchr(buf, '\n', len), *p = buf, *t, *q;

	*query = NULL;
	if (e == NULL)
		return PROTO_BAD;
	if (e > buf && e[-1] == '\r')
		e--;
	while (p < e && *p >= 'A' && *p <= 'Z')
		p++;
	if (p == buf || p - buf > 16 || p >= e || *p != ' ')
		return PROTO_BAD;
	for (t = ++p; p < e && is_target_byte((unsigned char)*p); p++)
		;
	if (p == t || *t != '/' || p >= e || *p != ' ' || e - p != 9 ||
	    (memcmp(p + 1, "HTTP/1.1", 8) != 0 &&
	    memcmp(p + 1, "HTTP/1.0", 8) != 0) ||
	    !escapes_ok(t, (size_t)(p - t)))
		return PROTO_BAD;
	if ((q = memchr(t, '?', (size_t)(p - t))) == NULL)
		q = p;
	else
		q++;
	if (fields(q, (size_t)(p - q), e, len - (size_t)(e - buf)) >
	    PROTO_MAX_FIELDS)
		return PROTO_TOO_MANY;
	if (q == p && (p == t || p[-1] != '?'))
		return 0;
	return (*query = mt_strndup(q, (size_t)(p - q))) ? 0 : MT_ENOMEM;
}

const char *
proto_ws_args(const char *query, int64_t *since, bool *has_since,
    bool *filter)
{
	struct refusal why;
	const char *bad = NULL;
	char *v;
	long n;
	int rc;

	*has_since = *filter = false;
	if ((rc = reqargs_long(query, "since", &n, &why)) == 0) {
		*has_since = true;
		*since = n;
	}
	if (rc < 0 || (rc == 0 && n < 0))
		bad = "Invalid since parameter";
	if ((rc = url_query_get(query, "filter", &v)) == 0) {
		if (strcmp(v, "subscribed") == 0)
			*filter = true;
		else if (strcmp(v, "all") != 0)
			bad = "Invalid filter parameter";
		mt_free(v);
	} else if (rc != MT_ENOTFOUND)
		bad = "Invalid filter parameter";
	return bad;
}

static void
wsmsg_error(struct wsmsg *m, const char *msg)
{
	m->kind = WSMSG_ERROR;
	snprintf(m->error, sizeof(m->error), "%s", msg);
}

/*
 * subscribe / unsubscribe (docs/websocket.md#subscriptions): the dialog's id.
 */
static void
wsmsg_dialog(struct wsmsg *m, const json_t *msg, enum wsmsg_kind kind)
{
	const json_t *v = json_object_get(msg, "dialog_id");

	if (v == NULL || json_is_null(v))
		wsmsg_error(m, "dialog_id required");
	else if (!json_is_string(v) || id_parse(json_string_value(v),
	    json_string_length(v), m->dialog_id) != 0)
		wsmsg_error(m, "Invalid dialog_id");
	else
		m->kind = kind;
}

/* An unknown type, echoed cut at a character boundary (it is UTF-8). */
static void
wsmsg_unknown(struct wsmsg *m, const char *type)
{
	size_t n = strlen(type);

	if (n > PROTO_TYPE_SHOWN) {
		n = PROTO_TYPE_SHOWN;
		while (n > 0 && ((unsigned char)type[n] & 0xc0) == 0x80)
			n--;
	}
	m->kind = WSMSG_ERROR;
	snprintf(m->error, sizeof(m->error), "Unknown message type: %.*s",
	    (int)n, type);
}

void
proto_wsmsg(const char *text, size_t len, struct wsmsg *m)
{
	char err[64];
	json_t *msg = json_parse(text, len, err, sizeof(err));
	const char *type;

	memset(m, 0, sizeof(*m));
	if (msg == NULL) {
		wsmsg_error(m, "Invalid message format: not valid JSON");
		return;
	}
	if (!json_is_object(msg) || (type = json_get_str(msg, "type")) == NULL)
		wsmsg_error(m, "Invalid message format: expected an object"
		    " with a string \"type\"");
	else if (strcmp(type, "ping") == 0)
		m->kind = WSMSG_PING;
	else if (strcmp(type, "subscribe") == 0)
		wsmsg_dialog(m, msg, WSMSG_SUBSCRIBE);
	else if (strcmp(type, "unsubscribe") == 0)
		wsmsg_dialog(m, msg, WSMSG_UNSUBSCRIBE);
	else
		wsmsg_unknown(m, type);
	json_decref(msg);
}
