/*
 * json.c — building and parsing JSON with Jansson, with the limits of
 * STYLE.md §6 (depth) and the timestamp format of API.md §1.4.
 */
#include <stdio.h>
#include <string.h>

#include "err.h"
#include "json.h"
#include "mem.h"
#include "tm.h"

void
json_init(void)
{
	json_set_alloc_funcs(mt_malloc, mt_free);
}

int
json_add_new(json_t *obj, const char *key, json_t *val)
{
	if (val == NULL)
		return MT_ENOMEM;
	return json_object_set_new(obj, key, val) == 0 ? 0 : MT_ENOMEM;
}

int
json_add_str(json_t *obj, const char *key, const char *val)
{
	return json_add_new(obj, key, val ? json_string(val) : json_null());
}

int
json_add_str_opt(json_t *obj, const char *key, const char *val)
{
	if (val == NULL)
		return 0;
	return json_add_new(obj, key, json_string(val));
}

int
json_add_int(json_t *obj, const char *key, int64_t val)
{
	return json_add_new(obj, key, json_integer((json_int_t)val));
}

int
json_add_bool(json_t *obj, const char *key, bool val)
{
	return json_add_new(obj, key, json_boolean(val));
}

int
json_add_time(json_t *obj, const char *key, int64_t us)
{
	char buf[TM_BUF];

	if (tm_format(us, buf, sizeof(buf)) != 0)
		return MT_EINVAL;
	return json_add_new(obj, key, json_string(buf));
}

int
json_add_time_null(json_t *obj, const char *key, bool has_value, int64_t us)
{
	if (!has_value)
		return json_add_new(obj, key, json_null());
	return json_add_time(obj, key, us);
}

char *
json_encode(const json_t *val)
{
	return json_dumps(val, JSON_COMPACT | JSON_ENCODE_ANY);
}

char *
json_encode_sorted(const json_t *val)
{
	return json_dumps(val, JSON_COMPACT | JSON_ENCODE_ANY | JSON_SORT_KEYS);
}

/* Depth of the deepest array/object nesting, ignoring string contents. */
static int
max_depth(const char *buf, size_t len)
{
	int depth = 0, deepest = 0, in_str = 0;
	size_t i;

	for (i = 0; i < len; i++) {
		char c = buf[i];

		if (in_str) {
			if (c == '\\')
				i++;
			else if (c == '"')
				in_str = 0;
			continue;
		}
		if (c == '"')
			in_str = 1;
		else if (c == '[' || c == '{') {
			if (++depth > deepest)
				deepest = depth;
		} else if (c == ']' || c == '}')
			depth--;
	}
	return deepest;
}

json_t *
json_parse(const char *buf, size_t len, char *err, size_t errlen)
{
	json_error_t jerr;
	json_t *val;

	if (max_depth(buf, len) > JSON_MAX_DEPTH) {
		snprintf(err, errlen, "nesting deeper than %d", JSON_MAX_DEPTH);
		return NULL;
	}
	val = json_loadb(buf, len, JSON_DECODE_ANY, &jerr);
	if (val == NULL)
		snprintf(err, errlen, "%s at line %d column %d", jerr.text,
		    jerr.line, jerr.column);
	return val;
}

const char *
json_get_str(const json_t *obj, const char *key)
{
	const json_t *v = json_object_get(obj, key);

	return json_is_string(v) ? json_string_value(v) : NULL;
}
