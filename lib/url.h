/*
 * url.h — percent-decoding, query-string lookup and the strict base64 forms
 * found in URLs and headers (docs/api.md#user, #scopes, F18).
 */
#ifndef MT_URL_H
#define MT_URL_H

#include <stdbool.h>
#include <stddef.h>

/*
 * Percent-decodes len bytes of s: each %XX (two hex digits, any case)
 * becomes one byte; a % not followed by two hex digits is kept literally.
 * With plus_is_space, '+' becomes ' ' (form rules); otherwise it stays '+'.
 * Returns a new NUL-terminated string (free with mt_free()) or NULL when
 * out of memory; *outlen, if outlen is not NULL, gets the decoded length.
 * The result may contain NUL bytes and invalid UTF-8: callers check.
 */
char	*url_decode(const char *s, size_t len, bool plus_is_space,
	    size_t *outlen);

/*
 * Looks up key in a raw query string the way application/x-www-form-
 * urlencoded parsers do: pieces split on '&' (empty pieces skipped), each
 * split at its first '=' (a piece without '=' is a key with an empty
 * value), key and value decoded with form rules ('+' is a space, %XX), and
 * bytes that are not UTF-8 replaced by U+FFFD. The first piece whose decoded
 * key equals key wins; later duplicates are not looked at. On success *val
 * is the decoded value (free with mt_free()). Returns 0, MT_ENOTFOUND (also
 * for a NULL query), MT_EINVAL if the value decodes to a NUL byte, or
 * MT_ENOMEM.
 */
int	 url_query_get(const char *query, const char *key, char **val);

/*
 * The acting user of a REST request (docs/api.md#user, F18): the first piece
 * whose raw, undecoded key is exactly "user_id" or "sender_id" (pieces
 * without '=' skipped). Its value is decoded with %XX only ('+' stays '+');
 * if the decoded bytes are not UTF-8 or contain a NUL byte, the raw value is
 * used instead. *user may be "" (the caller answers "user_id cannot be
 * empty"); free it with mt_free(). Returns 0, MT_ENOTFOUND, MT_EINVAL when
 * even the raw value is not UTF-8 (only possible with unencoded bytes of
 * 0x80 and above in the query), or MT_ENOMEM.
 */
int	 url_query_user(const char *query, char **user);

/*
 * Decodes base64 in canonical form only. With urlsafe, the RFC 4648 §5 alphabet
 * (A-Z a-z 0-9 - _) without any '=' padding, as in JWS segments; otherwise the
 * standard RFC 4648 §4 alphabet (A-Z a-z 0-9 + /) with '=' padding: the
 * length a multiple of 4 and '=' only as the last one or two characters. Either
 * way the unused low bits of the last character must be zero, so that every
 * byte string has exactly one accepted encoding. Other bytes (whitespace
 * included) are refused. On success *out holds *outlen bytes plus a terminating
 * NUL (free with mt_free()). Returns 0, MT_EINVAL if s is not in that form, or
 * MT_ENOMEM.
 */
int	 url_b64_decode(const char *s, size_t len, bool urlsafe,
	    unsigned char **out, size_t *outlen);

#endif
