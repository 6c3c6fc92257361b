/*
 * attach.h — the attachment rules of docs/rest.md C15 steps 3–4,
 * docs/attachments.md#types and #flow: the content-type allow-list, the s3_key
 * rules and the size bounds, each with the exact error code and message the
 * send endpoint answers.
 */
#ifndef MT_ATTACH_H
#define MT_ATTACH_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define ATTACH_FILENAME_MAX	255	/* storage limits, checked up front */
#define ATTACH_KEY_MAX		512
#define ATTACH_MSG_LEN		400

/* One attachment of a send request (C15), as the client gave it. */
struct attach_in {
	const char	*s3_key;
	size_t		 s3_key_len;	/* bytes; a NUL inside is an error */
	const char	*filename;
	const char	*content_type;
	int64_t		 size;
};

/*
 * True if ct is in the allow-list of docs/attachments.md#types (or empty):
 * exact comparison.
 */
bool	 attach_type_allowed(const char *ct);
/* The allow-list, in its documented order: NULL past the last one. */
const char *attach_type_at(size_t i);

/*
 * The s3_key rules of docs/attachments.md#flow in order, for the dialog
 * dialog_id (canonical). Returns NULL when the key passes, else the
 * INVALID_INPUT message.
 */
const char *attach_key_problem(const char *key, size_t len,
	    const char *dialog_id);

/* Why attachments were refused: the error the send endpoint answers. */
struct attach_error {
	const char	*code;		/* "BAD_REQUEST" or "INVALID_INPUT" */
	char		 msg[ATTACH_MSG_LEN];
};

/*
 * Checks the attachments of one send request in the order of C15: the
 * count, then per attachment the s3_key rules, the content type and the
 * size (then the storage lengths of s3_key and filename, so that no bad
 * input reaches a database constraint). Returns true, or false with *err
 * set (its code static).
 */
bool	 attach_validate(const struct attach_in *a, size_t n,
	    const char *dialog_id, struct attach_error *err);

#endif
