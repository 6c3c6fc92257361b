/*
 * fuzz_json.c — JSON request decoding: lib/json.c's bounded parser (depth,
 * UTF-8, NUL escapes), the access-scope checks that read parsed bodies and
 * token claims (lib/scope.c), and the X-Scope-Config header (base64 of a
 * JSON object). Properties: what parses, encoded and parsed again, is the
 * same value; the scope checks answer 0 or MT_EINVAL and nothing else
 * (memory does not run out here); a header decodes to a set exactly when
 * the code says so.
 * SPDX-License-Identifier: MIT
 */
#include <string.h>

#include "err.h"
#include "fuzz.h"
#include "json.h"
#include "mem.h"
#include "scope.h"

FUZZ_INIT_JSON

static void
check_value(const json_t *v)
{
	char err[64], *text;
	json_t *back;
	struct scope_set *set = NULL;
	int rc;

	FUZZ_CHECK((text = json_encode(v)) != NULL, "cannot encode");
	back = json_parse(text, strlen(text), err, sizeof(err));
	FUZZ_CHECK(back != NULL && json_equal(v, back),
	    "does not survive encoding: %.300s (%s)", text, err);
	json_decref(back);
	mt_free(text);
	rc = scope_from_json(v, &set);
	FUZZ_CHECK(rc == 0 || rc == MT_EINVAL, "scope_from_json: %d", rc);
	FUZZ_CHECK((rc == 0) == (set != NULL), "scope_from_json: set %p",
	    (void *)set);
	scope_set_free(set);
	rc = scope_validate_input(v, err, sizeof(err));
	FUZZ_CHECK(rc == 0 || rc == MT_EINVAL, "scope_validate_input: %d", rc);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char err[64], *hdr;
	struct scope_set *set = NULL;
	json_t *v;
	int rc;

	if (size > 65536)
		return 0;
	if ((v = json_parse((const char *)data, size, err, sizeof(err))) !=
	    NULL) {
		check_value(v);
		json_decref(v);
	}
	/* the same bytes as an X-Scope-Config header value */
	if ((hdr = mt_strndup((const char *)data, size)) == NULL)
		return 0;
	rc = scope_parse_header(hdr, &set);
	FUZZ_CHECK(rc >= 0 && (rc == SCOPE_HDR_OK) == (set != NULL),
	    "scope_parse_header: %d", rc);
	scope_set_free(set);
	mt_free(hdr);
	return 0;
}
