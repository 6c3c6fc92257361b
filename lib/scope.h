/*
 * scope.h — a user's access scopes (docs/api.md#scopes, S4), matching them
 * against a dialog's scope rows (docs/api.md#scopes), and the exact-set
 * comparison of M2.
 */
#ifndef MT_SCOPE_H
#define MT_SCOPE_H

#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>

#define SCOPE_LEVELS	3

struct scope_set {		/* a user's three scope levels */
	char	**v[SCOPE_LEVELS];	/* level values, as given */
	size_t	  n[SCOPE_LEVELS];
};

/*
 * scope_parse_header() results; the 400 messages are those of
 * docs/api.md#scopes.
 */
enum {
	SCOPE_HDR_OK = 0,
	SCOPE_HDR_ABSENT,	/* no header, or not visible ASCII */
	SCOPE_HDR_BAD_BASE64,	/* "Invalid X-Scope-Config: not valid base64" */
	SCOPE_HDR_BAD_JSON	/* "Invalid X-Scope-Config: not valid JSON" */
};

/* "scope_level0" .. "scope_level2" for level 0 .. 2. */
const char	*scope_level_name(int level);

/*
 * Decodes an X-Scope-Config header value (NULL: no header). A value with a
 * byte other than tab or 0x20-0x7e counts as absent (the reference's
 * HeaderValue::to_str() rule; so a space or tab inside the value gives
 * BAD_BASE64, not ABSENT). The value must be canonical standard base64 with
 * '=' padding (see url_b64_decode()), else BAD_BASE64; the decoded bytes
 * must be a UTF-8 JSON object without repeated keys whose optional keys
 * scope_level0..2 are arrays of strings, else BAD_JSON (a \u0000 escape is
 * BAD_JSON too). Unknown keys are ignored. On SCOPE_HDR_OK *out is set; free
 * it with scope_set_free(). Returns a SCOPE_HDR_* code or MT_ENOMEM.
 */
int	 scope_parse_header(const char *value, struct scope_set **out);

/*
 * The same shape check for a JSON value (the S4 token claim): an object
 * whose present scope_level0..2 keys are arrays of strings. Returns 0 with
 * *out set (free with scope_set_free()), MT_EINVAL or MT_ENOMEM.
 */
int	 scope_from_json(const json_t *obj, struct scope_set **out);
void	 scope_set_free(struct scope_set *s);

/*
 * One scope row against a user (docs/api.md#scopes): true when each of the
 * row's levels (a
 * JSON array of strings; NULL counts as empty) is empty or shares a value
 * with the user's level of the same number. Values compare exactly, case
 * included. A NULL user (no header) matches nothing.
 */
bool	 scope_row_matches(const struct scope_set *user, const json_t *lv0,
	    const json_t *lv1, const json_t *lv2);

/*
 * M2: requested and stored are JSON arrays of scope objects (a level
 * left out counts as []). Equal when both have the same number of items and
 * each requested scope equals some stored one and each stored scope some
 * requested one, levels compared as sets (sorted and de-duplicated). So
 * [A, A, B] equals [A, B, B], as in the reference. Inputs are expected to
 * have passed scope_validate_input(); non-string values are ignored.
 */
bool	 scope_lists_equal(const json_t *requested, const json_t *stored);

/*
 * Validates an access_scopes input (M1, M2, M7): NULL (key absent) is
 * fine; otherwise an array whose items are objects whose present
 * scope_level0..2 keys are arrays of strings (null is refused; other keys
 * are ignored). Returns 0, or MT_EINVAL with a short reason in err, e.g.
 * "access_scopes[1].scope_level2: expected an array of strings".
 */
int	 scope_validate_input(const json_t *arr, char *err, size_t errlen);

#endif
