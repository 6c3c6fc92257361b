/*
 * valid.c — input limits and their messages (the tables of C5 and C15 in docs/rest.md). "characters" in
 * the messages are UTF-8 bytes, as in the reference.
 */
#include <errno.h>
#include <limits.h>
#include <stdint.h>
#include <stdlib.h>
#include <stdio.h>
#include <string.h>

#include "err.h"
#include "valid.h"

/* Unicode White_Space (what Rust's str::trim() strips). */
static bool
is_space_cp(uint32_t c)
{
	return (c >= 0x09 && c <= 0x0d) || c == 0x20 || c == 0x85 ||
	    c == 0xa0 || c == 0x1680 || (c >= 0x2000 && c <= 0x200a) ||
	    c == 0x2028 || c == 0x2029 || c == 0x202f || c == 0x205f ||
	    c == 0x3000;
}

/* Decodes one UTF-8 sequence of valid input; returns its length. */
static size_t
decode(const unsigned char *p, uint32_t *cp)
{
	if (p[0] < 0x80) {
		*cp = p[0];
		return 1;
	}
	if ((p[0] & 0xe0) == 0xc0 && p[1]) {
		*cp = ((uint32_t)(p[0] & 0x1f) << 6) | (p[1] & 0x3f);
		return 2;
	}
	if ((p[0] & 0xf0) == 0xe0 && p[1] && p[2]) {
		*cp = ((uint32_t)(p[0] & 0x0f) << 12) |
		    ((uint32_t)(p[1] & 0x3f) << 6) | (p[2] & 0x3f);
		return 3;
	}
	*cp = 0xfffd;	/* 4-byte sequences are never white space */
	return 1;
}

bool
valid_not_blank(const char *s)
{
	const unsigned char *p = (const unsigned char *)s;
	uint32_t cp;

	while (*p) {
		p += decode(p, &cp);
		if (!is_space_cp(cp))
			return true;
	}
	return false;
}

static bool
too_long(const char *field, const char *v, size_t max, char *msg,
    size_t msglen)
{
	if (v == NULL || strlen(v) <= max)
		return false;
	snprintf(msg, msglen, "%s exceeds maximum length of %zu characters",
	    field, max);
	return true;
}

bool
valid_profile(const struct profile *p, char *msg, size_t msglen)
{
	if (p->display_name == NULL || !valid_not_blank(p->display_name)) {
		snprintf(msg, msglen, "display_name is required");
		return false;
	}
	return !too_long("display_name", p->display_name, DISPLAY_NAME_MAX,
	    msg, msglen) &&
	    !too_long("company", p->company, COMPANY_MAX, msg, msglen) &&
	    !too_long("email", p->email, EMAIL_MAX, msg, msglen) &&
	    !too_long("phone", p->phone, PHONE_MAX, msg, msglen);
}

bool
valid_title(const char *title, char *msg, size_t msglen)
{
	return !too_long("title", title, TITLE_MAX, msg, msglen);
}

bool
valid_content(size_t len, char *msg, size_t msglen)
{
	if (len <= CONTENT_MAX)
		return true;
	snprintf(msg, msglen, "Message content exceeds maximum length of %d "
	    "characters", CONTENT_MAX);
	return false;
}

int
valid_number(const char *s, long min, long max, long *out, const char **why)
{
	const char *reason = NULL;
	char *end;
	long v;

	errno = 0;
	v = strtol(s, &end, 10);
	if (end == s || *end != '\0' || *s == ' ' || *s == '+')
		reason = "not a number";
	else if ((errno == ERANGE && v == LONG_MIN) || v < min)
		reason = "too small";
	else if (errno == ERANGE || v > max)
		reason = "too large";
	if (why != NULL)
		*why = reason;
	if (reason != NULL)
		return MT_EINVAL;
	*out = v;
	return 0;
}
