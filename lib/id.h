/* id.h — UUIDv7 identifiers (RFC 9562) and lenient UUID parsing. */
#ifndef MT_ID_H
#define MT_ID_H

#include <stdbool.h>
#include <stddef.h>

#define ID_LEN	36		/* canonical hyphenated form */
#define ID_BUF	(ID_LEN + 1)

/*
 * Writes a new UUIDv7 in canonical lowercase form into out. Ids made by one
 * process are strictly increasing, even within one millisecond. Returns 0, or
 * MT_EIO when the system has no randomness to give.
 */
int	id_new(char out[ID_BUF]);
/*
 * As id_new(), but the new id also sorts after `floor` (a canonical id, e.g.
 * the newest one in the database), so that ids made by several processes
 * inside one write transaction follow commit order.
 */
int	id_new_after(const char *floor, char out[ID_BUF]);
/*
 * Parses a UUID in hyphenated, 32-hex "simple", {braced} or urn:uuid: form,
 * any letter case, and writes its canonical lowercase form. MT_EINVAL if it
 * is none of those.
 */
int	id_parse(const char *in, size_t len, char out[ID_BUF]);
/* True if s is exactly a canonical lowercase hyphenated UUID. */
bool	id_is_canonical(const char *s);

#endif
