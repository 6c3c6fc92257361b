/*
 * params.c — query-string and JSON-body accessors with the reference's
 * framework errors (docs/errors.md#plain), and the post-commit wake-up.
 */
#include <stdio.h>
#include <string.h>

#include "err.h"
#include "mem.h"
#include "params.h"
#include "url.h"
#include "wake.h"
#include "writer.h"

static void
reply_query(struct req *r, const char *key, const char *why)
{
	char msg[200];

	snprintf(msg, sizeof(msg), "Failed to deserialize query string: %s: "
	    "%s", key, why);
	reply_plain(r, 400, msg);
}

int
q_str(struct req *r, const char *key, char **out)
{
	int rc = url_query_get(r->query, key, out);

	if (rc == MT_ENOTFOUND)
		return 1;
	if (rc == MT_EINVAL) {	/* a NUL byte: bad input, not a 500 */
		reply_query(r, key, "invalid value");
		return -1;
	}
	if (rc != 0) {
		reply_failure(r, rc);
		return -1;
	}
	return 0;
}

int
q_long(struct req *r, const char *key, long *out)
{
	struct refusal why;
	int rc = reqargs_long(r->query, key, out, &why);

	if (rc == MT_EINVAL)
		reply_refusal(r, &why);
	else if (rc < 0)
		reply_failure(r, rc);
	return rc < 0 ? -1 : rc;
}

int
q_bool(struct req *r, const char *key, bool *out)
{
	char *v;
	int rc;

	if ((rc = q_str(r, key, &v)) != 0)
		return rc;
	if (strcmp(v, "true") == 0)
		*out = true;
	else if (strcmp(v, "false") == 0)
		*out = false;
	else {
		mt_free(v);
		reply_query(r, key, "provided string was not `true` or `false`");
		return -1;
	}
	mt_free(v);
	return 0;
}

int
q_uuid(struct req *r, const char *key, char out[ID_BUF])
{
	char *v;
	int rc;

	if ((rc = q_str(r, key, &v)) != 0)
		return rc;
	rc = id_parse(v, strlen(v), out);
	mt_free(v);
	if (rc != 0) {
		reply_query(r, key, "UUID parsing failed");
		return -1;
	}
	return 0;
}

void
reply_shape(struct req *r, const char *detail)
{
	char msg[256];

	snprintf(msg, sizeof(msg), "Failed to deserialize the JSON body into "
	    "the target type: %s", detail);
	reply_plain(r, 422, msg);
}

int
body_object(struct req *r)
{
	if (json_is_object(r->json))
		return 0;
	reply_shape(r, "invalid type: expected a JSON object");
	return -1;
}

/* Common part: the member, or NULL when absent/null and allowed. */
static int
member(struct req *r, const char *key, unsigned flags, json_t **v)
{
	char msg[128];

	*v = json_object_get(r->json, key);
	if (*v == NULL || (json_is_null(*v) && (flags & FIELD_NULLABLE))) {
		if (*v == NULL && (flags & FIELD_REQUIRED)) {
			snprintf(msg, sizeof(msg), "missing field `%s`", key);
			reply_shape(r, msg);
			return -1;
		}
		*v = NULL;
	}
	return 0;
}

static int
wrong_type(struct req *r, const char *key, const char *want)
{
	char msg[128];

	snprintf(msg, sizeof(msg), "%s: invalid type, expected %s", key, want);
	reply_shape(r, msg);
	return -1;
}

int
body_str(struct req *r, const char *key, unsigned flags, const char **out)
{
	json_t *v;

	*out = NULL;
	if (member(r, key, flags, &v) != 0)
		return -1;
	if (v == NULL)
		return 0;
	if (!json_is_string(v))
		return wrong_type(r, key, "a string");
	*out = json_string_value(v);
	return 0;
}

int
body_bool(struct req *r, const char *key, unsigned flags, bool *out,
    bool *present)
{
	json_t *v;

	*present = false;
	if (member(r, key, flags, &v) != 0)
		return -1;
	if (v == NULL)
		return 0;
	if (!json_is_boolean(v))
		return wrong_type(r, key, "a boolean");
	*out = json_is_true(v);
	*present = true;
	return 0;
}

int
body_uuid(struct req *r, const char *key, unsigned flags, char out[ID_BUF],
    bool *present)
{
	const char *s;

	*present = false;
	if (body_str(r, key, flags, &s) != 0)
		return -1;
	if (s == NULL)
		return 0;
	if (id_parse(s, strlen(s), out) != 0)
		return wrong_type(r, key, "a UUID");
	*present = true;
	return 0;
}

void
app_wake(struct app *app, int64_t seq)
{
	if (seq > 0)
		wake_send(app->wake, seq);
}

int
app_run(struct app *app, writer_fn fn, void *arg)
{
	return app->writer != NULL ? writer_run(app->writer, fn, arg) :
	    fn(app->store, arg);
}
