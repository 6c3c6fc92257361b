/*
 * json.h — helpers over Jansson. Every JSON byte mtchat emits is built here
 * or through Jansson objects; no caller formats JSON with printf.
 */
#ifndef MT_JSON_H
#define MT_JSON_H

#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define JSON_MAX_DEPTH	32	/* deepest request body we accept */

/* Routes Jansson's allocations through mt_malloc(); call once at start. */
void	 json_init(void);

/* Each returns 0 or MT_ENOMEM. A NULL string becomes JSON null. */
int	 json_add_str(json_t *obj, const char *key, const char *val);
/* As json_add_str(), but a NULL string leaves the key out. */
int	 json_add_str_opt(json_t *obj, const char *key, const char *val);
int	 json_add_int(json_t *obj, const char *key, int64_t val);
int	 json_add_bool(json_t *obj, const char *key, bool val);
/* Adds an RFC 3339 timestamp (tm_format()) of us microseconds. */
int	 json_add_time(json_t *obj, const char *key, int64_t us);
/* Adds the timestamp, or null when has_value is false. */
int	 json_add_time_null(json_t *obj, const char *key, bool has_value,
	    int64_t us);
/* Adds val (reference stolen, even on failure); NULL val is MT_ENOMEM. */
int	 json_add_new(json_t *obj, const char *key, json_t *val);

/*
 * Compact encoding in insertion order; the caller frees the result with
 * mt_free(). NULL on allocation failure.
 */
char	*json_encode(const json_t *val);
/* Compact encoding with object keys sorted (system-message contents). */
char	*json_encode_sorted(const json_t *val);

/*
 * Parses len bytes (not NUL-terminated) into a new reference, refusing
 * nesting deeper than JSON_MAX_DEPTH, invalid UTF-8 and NUL escapes. On
 * failure returns NULL and a short reason in err.
 */
json_t	*json_parse(const char *buf, size_t len, char *err, size_t errlen);

/* The string value of key, or NULL if absent or not a string. */
const char *json_get_str(const json_t *obj, const char *key);

#endif
