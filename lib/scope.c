/*
 * scope.c — the user's scopes from the X-Scope-Config header or a token claim
 * (docs/api.md#scopes, S4), row matching (docs/api.md#scopes) and M2's set
 * equality (M2).
 *
 * Rows and M2 inputs stay Jansson arrays, as the store and the request body
 * give them; only the user's side becomes a struct scope_set. Levels are
 * small, so matching compares every pair instead of sorting: set equality
 * (sorted, de-duplicated levels) is "each value of one is in the other".
 */
#include <stdio.h>
#include <string.h>

#include "err.h"
#include "mem.h"
#include "scope.h"
#include "url.h"

static const char *const level_names[SCOPE_LEVELS] = {
	"scope_level0", "scope_level1", "scope_level2"
};

static bool	header_visible(const char *);
static bool	is_str_array(const json_t *);
static int	level_copy(const json_t *, char ***, size_t *);
static bool	str_eq(const json_t *, const char *, size_t);
static bool	level_matches(const json_t *, char *const *, size_t);
static bool	level_has(const json_t *, const json_t *);
static bool	level_subset(const json_t *, const json_t *);
static bool	scope_equal(const json_t *, const json_t *);
static bool	list_covered(const json_t *, const json_t *);

const char *
scope_level_name(int level)
{
	return level >= 0 && level < SCOPE_LEVELS ? level_names[level] : NULL;
}

/* What HeaderValue::to_str() accepts: tab and 0x20-0x7e. */
static bool
header_visible(const char *s)
{
	const unsigned char *p;

	for (p = (const unsigned char *)s; *p != '\0'; p++)
		if (*p != '\t' && (*p < 0x20 || *p > 0x7e))
			return false;
	return true;
}

int
scope_parse_header(const char *value, struct scope_set **out)
{
	unsigned char *buf;
	json_error_t jerr;
	json_t *v;
	size_t n;
	int rc;

	*out = NULL;
	if (value == NULL || !header_visible(value))
		return SCOPE_HDR_ABSENT;
	if ((rc = url_b64_decode(value, strlen(value), false, &buf, &n)) != 0)
		return rc == MT_ENOMEM ? MT_ENOMEM : SCOPE_HDR_BAD_BASE64;
	/* Jansson also refuses invalid UTF-8 and \u0000. */
	v = json_loadb((const char *)buf, n, JSON_REJECT_DUPLICATES, &jerr);
	mt_free(buf);
	if (v == NULL)
		return json_error_code(&jerr) == json_error_out_of_memory ?
		    MT_ENOMEM : SCOPE_HDR_BAD_JSON;
	rc = scope_from_json(v, out);
	json_decref(v);
	return rc == MT_EINVAL ? SCOPE_HDR_BAD_JSON : rc;
}

static bool
is_str_array(const json_t *a)
{
	const json_t *v;
	size_t i;

	if (!json_is_array(a))
		return false;
	json_array_foreach(a, i, v)
		if (!json_is_string(v))
			return false;
	return true;
}

/* Copies the strings of a (NULL: none) into a new *v of *n entries. */
static int
level_copy(const json_t *a, char ***v, size_t *n)
{
	const json_t *s;
	size_t i;

	*n = 0;
	if ((*v = mt_calloc(json_array_size(a) + 1, sizeof(**v))) == NULL)
		return MT_ENOMEM;
	json_array_foreach(a, i, s) {
		char *d = mt_strndup(json_string_value(s),
		    json_string_length(s));

		if (d == NULL)
			return MT_ENOMEM;	/* *n counts what to free */
		(*v)[(*n)++] = d;
	}
	return 0;
}

int
scope_from_json(const json_t *obj, struct scope_set **out)
{
	struct scope_set *s;
	const json_t *lv;
	int i, rc;

	*out = NULL;
	if (!json_is_object(obj))
		return MT_EINVAL;
	for (i = 0; i < SCOPE_LEVELS; i++) {
		lv = json_object_get(obj, level_names[i]);
		if (lv != NULL && !is_str_array(lv))
			return MT_EINVAL;
	}
	if ((s = mt_calloc(1, sizeof(*s))) == NULL)
		return MT_ENOMEM;
	for (i = 0; i < SCOPE_LEVELS; i++) {
		lv = json_object_get(obj, level_names[i]);
		if ((rc = level_copy(lv, &s->v[i], &s->n[i])) != 0) {
			scope_set_free(s);
			return rc;
		}
	}
	*out = s;
	return 0;
}

void
scope_set_free(struct scope_set *s)
{
	size_t j;
	int i;

	if (s == NULL)
		return;
	for (i = 0; i < SCOPE_LEVELS; i++) {
		for (j = 0; j < s->n[i]; j++)
			mt_free(s->v[i][j]);
		mt_free(s->v[i]);
	}
	mt_free(s);
}

/* A JSON string equals the len bytes of s (lengths first: no NUL games). */
static bool
str_eq(const json_t *v, const char *s, size_t len)
{
	return json_is_string(v) && json_string_length(v) == len &&
	    memcmp(json_string_value(v), s, len) == 0;
}

static bool
level_matches(const json_t *row, char *const *uv, size_t un)
{
	const json_t *v;
	size_t i, j;

	if (json_array_size(row) == 0)
		return true;
	json_array_foreach(row, i, v)
		for (j = 0; j < un; j++)
			if (str_eq(v, uv[j], strlen(uv[j])))
				return true;
	return false;
}

bool
scope_row_matches(const struct scope_set *user, const json_t *lv0,
    const json_t *lv1, const json_t *lv2)
{
	if (user == NULL)
		return false;
	return level_matches(lv0, user->v[0], user->n[0]) &&
	    level_matches(lv1, user->v[1], user->n[1]) &&
	    level_matches(lv2, user->v[2], user->n[2]);
}

/* Level array a (NULL: empty) holds the string s. */
static bool
level_has(const json_t *a, const json_t *s)
{
	const json_t *v;
	size_t i;

	json_array_foreach(a, i, v)
		if (str_eq(v, json_string_value(s), json_string_length(s)))
			return true;
	return false;
}

/* Every string of a is in b. */
static bool
level_subset(const json_t *a, const json_t *b)
{
	const json_t *v;
	size_t i;

	json_array_foreach(a, i, v)
		if (json_is_string(v) && !level_has(b, v))
			return false;
	return true;
}

/* Two scope objects have the same value set on each level. */
static bool
scope_equal(const json_t *a, const json_t *b)
{
	const json_t *la, *lb;
	int i;

	for (i = 0; i < SCOPE_LEVELS; i++) {
		la = json_object_get(a, level_names[i]);
		lb = json_object_get(b, level_names[i]);
		if (!level_subset(la, lb) || !level_subset(lb, la))
			return false;
	}
	return true;
}

/* Every scope of a equals some scope of b. */
static bool
list_covered(const json_t *a, const json_t *b)
{
	const json_t *x, *y;
	size_t i, j;
	bool found;

	json_array_foreach(a, i, x) {
		found = false;
		json_array_foreach(b, j, y)
			if ((found = scope_equal(x, y)))
				break;
		if (!found)
			return false;
	}
	return true;
}

bool
scope_lists_equal(const json_t *requested, const json_t *stored)
{
	/* Duplicates count here but not below: the reference's quirk. */
	if (json_array_size(requested) != json_array_size(stored))
		return false;
	return list_covered(requested, stored) &&
	    list_covered(stored, requested);
}

int
scope_validate_input(const json_t *arr, char *err, size_t errlen)
{
	const json_t *item, *lv;
	size_t i;
	int l;

	if (arr == NULL)
		return 0;
	if (!json_is_array(arr)) {
		snprintf(err, errlen, "access_scopes: expected an array");
		return MT_EINVAL;
	}
	json_array_foreach(arr, i, item) {
		if (!json_is_object(item)) {
			snprintf(err, errlen, "access_scopes[%zu]: expected "
			    "an object", i);
			return MT_EINVAL;
		}
		for (l = 0; l < SCOPE_LEVELS; l++) {
			lv = json_object_get(item, level_names[l]);
			if (lv != NULL && !is_str_array(lv)) {
				snprintf(err, errlen, "access_scopes[%zu].%s: "
				    "expected an array of strings", i,
				    level_names[l]);
				return MT_EINVAL;
			}
		}
	}
	return 0;
}
