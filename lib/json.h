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

#include "buf.h"

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
 * A writer that emits compact JSON straight from values, byte for byte
 * what json_encode() gives for the same tree, without building one: the
 * large list responses are written this way. Start from JW_INIT. key is
 * the member name inside an object (one of the API's own names: it is
 * written as is, unescaped), NULL inside an array or at the top. An
 * allocation failure is remembered and reported by jw_take().
 */
struct jw {
	struct buf	 b;	/* the text so far; b.err once a write failed */
	int		 more;	/* a value came before at this level */
};
#define JW_INIT	{ BUF_INIT, 0 }

void	 jw_open(struct jw *w, const char *key, char bracket); /* { or [ */
void	 jw_close(struct jw *w, char bracket);		       /* } or ] */
/* A string, or null for NULL; jw_str_opt() leaves a NULL out. */
void	 jw_str(struct jw *w, const char *key, const char *val);
void	 jw_str_opt(struct jw *w, const char *key, const char *val);
void	 jw_int(struct jw *w, const char *key, int64_t val);
void	 jw_bool(struct jw *w, const char *key, bool val);
void	 jw_null(struct jw *w, const char *key);
/* An RFC 3339 timestamp of us microseconds (tm_format()). */
void	 jw_time(struct jw *w, const char *key, int64_t us);
/* len bytes that already are compact JSON text. */
void	 jw_raw(struct jw *w, const char *key, const char *text, size_t len);
/* Makes room for n more bytes at once (a hint: writing grows anyway). */
void	 jw_reserve(struct jw *w, size_t n);
/* len bytes as they are, inside the current value (no separator). */
void	 jw_append(struct jw *w, const char *text, size_t len);
/*
 * The NUL-terminated text (the caller mt_free()s it) and its length, or
 * NULL when nothing was written or after a failure; either way w is empty
 * again.
 */
char	*jw_take(struct jw *w, size_t *len);
void	 jw_free(struct jw *w);

/*
 * Parses len bytes (not NUL-terminated) into a new reference, refusing
 * nesting deeper than JSON_MAX_DEPTH, invalid UTF-8 and NUL escapes. On
 * failure returns NULL and a short reason in err.
 */
json_t	*json_parse(const char *buf, size_t len, char *err, size_t errlen);

/* The string value of key, or NULL if absent or not a string. */
const char *json_get_str(const json_t *obj, const char *key);

#endif
