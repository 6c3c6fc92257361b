/*
 * sanitize.h — HTML sanitisation of message content (docs/rest.md#html) and the
 * UTF-8 check that every text field shares.
 */
#ifndef MT_SANITIZE_H
#define MT_SANITIZE_H

#include <stdbool.h>
#include <stddef.h>

/*
 * Sanitizes message HTML as docs/rest.md#html says: path A (no '<') decodes
 * character references and re-escapes; path B parses an HTML5 body fragment
 * with gumbo, keeps the allow-listed elements/attributes, drops script/style
 * with their content, unwraps others, filters href schemes, appends
 * rel="noopener noreferrer" to every <a>, and re-serializes from the tree.
 * On success *out is a new NUL-terminated string (free with mt_free()).
 * Returns 0, MT_EINVAL if in is not valid UTF-8, or MT_ENOMEM.
 */
int	sanitize_html(const char *in, size_t len, char **out);

/*
 * Returns true if the len bytes at s are well-formed UTF-8: no overlong
 * forms, no surrogates (U+D800..U+DFFF), nothing above U+10FFFF, no
 * truncated sequence. NUL bytes are valid (U+0000).
 */
bool	utf8_valid(const char *s, size_t len);

#endif
