/*
 * valid.h — the input limits of docs/rest.md#c15, with their exact messages.
 * Lengths are UTF-8 bytes, as the reference measures them.
 */
#ifndef MT_VALID_H
#define MT_VALID_H

#include <stdbool.h>
#include <stddef.h>

#define CONTENT_MAX		50000
#define TITLE_MAX		500
#define DISPLAY_NAME_MAX	200
#define COMPANY_MAX		200
#define EMAIL_MAX		254
#define PHONE_MAX		50
#define USER_ID_MAX		255	/* storage limits, checked up front */
#define OBJECT_ID_MAX		255
#define OBJECT_TYPE_MAX		100
#define ATTACHMENTS_MAX		10
#define ATTACHMENT_SIZE_MAX	104857600
#define VALID_MSG_LEN		128

/* A participant profile as the client gave it. */
struct profile {
	const char	*display_name;
	const char	*company;
	const char	*email;
	const char	*phone;
};

/*
 * Checks a participant profile (C5, M1, M5) in the order of docs/rest.md C5:
 * display_name (required, not blank), company, email, phone; NULL fields
 * are absent. Returns true, or false with the INVALID_INPUT message in msg.
 */
bool	valid_profile(const struct profile *p, char *msg, size_t msglen);
/* Checks a dialog title (M1): NULL is fine. */
bool	valid_title(const char *title, char *msg, size_t msglen);
/* True if s has a character other than (Unicode) white space. */
bool	valid_not_blank(const char *s);
/* Message content length (C15, C17), before sanitising. */
bool	valid_content(size_t len, char *msg, size_t msglen);

/*
 * Parses a whole decimal number in [min, max], as strtonum(3) does: 0, or
 * MT_EINVAL with *why (may be NULL) "not a number", "too small" or
 * "too large".
 */
int	valid_number(const char *s, long min, long max, long *out,
	    const char **why);

#endif
