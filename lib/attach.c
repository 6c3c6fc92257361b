/*
 * attach.c — attachment validation for the send endpoint (docs/rest.md C15,
 * docs/attachments.md#types, #flow): the 38 allowed content types as a table,
 * the s3_key rules, the size bounds and the storage lengths, first failure
 * wins.
 */
#include <stdio.h>
#include <string.h>

#include "attach.h"
#include "valid.h"

/*
 * docs/attachments.md#types, in the order the SDK and the C19 error message
 * list them.
 */
static const char *const types[] = {
	"image/jpeg", "image/png", "image/gif", "image/webp", "image/svg+xml",
	"image/bmp", "image/tiff",
	"application/pdf", "application/msword",
	"application/vnd.openxmlformats-officedocument.wordprocessingml."
	    "document",
	"application/vnd.ms-excel",
	"application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
	"application/vnd.ms-powerpoint",
	"application/vnd.openxmlformats-officedocument.presentationml."
	    "presentation",
	"application/vnd.oasis.opendocument.text",
	"application/vnd.oasis.opendocument.spreadsheet",
	"application/vnd.oasis.opendocument.presentation", "application/rtf",
	"text/plain", "text/csv", "text/markdown", "text/html", "text/xml",
	"application/json",
	"application/zip", "application/x-rar-compressed",
	"application/vnd.rar", "application/x-7z-compressed",
	"application/gzip", "application/x-tar",
	"audio/mpeg", "audio/wav", "audio/ogg", "audio/mp4",
	"video/mp4", "video/webm", "video/ogg", "video/quicktime",
};

#define NTYPES	(sizeof(types) / sizeof(types[0]))

bool
attach_type_allowed(const char *ct)
{
	size_t i;

	if (*ct == '\0')	/* "the browser could not tell" */
		return true;
	for (i = 0; i < NTYPES; i++)
		if (strcmp(ct, types[i]) == 0)
			return true;
	return false;
}

const char *
attach_type_at(size_t i)
{
	return i < NTYPES ? types[i] : NULL;
}

/* Whether the len bytes at s contain the NUL-terminated needle. */
static bool
has(const char *s, size_t len, const char *needle)
{
	size_t n = strlen(needle), i;

	for (i = 0; i + n <= len; i++)
		if (memcmp(s + i, needle, n) == 0)
			return true;
	return false;
}

const char *
attach_key_problem(const char *key, size_t len, const char *dialog_id)
{
	char prefix[64];
	size_t plen;

	if (has(key, len, ".."))
		return "Invalid S3 key: path traversal not allowed";
	if (has(key, len, "%2e") || has(key, len, "%2E"))
		return "Invalid S3 key: encoded characters not allowed";
	if (memchr(key, '\0', len) != NULL)
		return "Invalid S3 key: null bytes not allowed";
	plen = (size_t)snprintf(prefix, sizeof(prefix), "dialogs/%s/",
	    dialog_id);
	if (len < plen || memcmp(key, prefix, plen) != 0)
		return "Invalid S3 key: file does not belong to this dialog";
	return NULL;
}

/* The checks of one attachment; false with *err set. */
static bool
check_one(const struct attach_in *a, const char *dialog_id,
    struct attach_error *err)
{
	const char *problem;

	err->code = "INVALID_INPUT";
	if ((problem = attach_key_problem(a->s3_key, a->s3_key_len,
	    dialog_id)) != NULL) {
		snprintf(err->msg, sizeof(err->msg), "%s", problem);
		return false;
	}
	err->code = "BAD_REQUEST";
	if (!attach_type_allowed(a->content_type)) {
		snprintf(err->msg, sizeof(err->msg),
		    "File type '%.300s' is not allowed", a->content_type);
		return false;
	}
	if (a->size < 1 || a->size > ATTACHMENT_SIZE_MAX) {
		snprintf(err->msg, sizeof(err->msg), "Invalid file size");
		return false;
	}
	err->code = "INVALID_INPUT";
	if (a->s3_key_len > ATTACH_KEY_MAX) {
		snprintf(err->msg, sizeof(err->msg), "s3_key exceeds maximum "
		    "length of %d characters", ATTACH_KEY_MAX);
		return false;
	}
	if (strlen(a->filename) > ATTACH_FILENAME_MAX) {
		snprintf(err->msg, sizeof(err->msg), "filename exceeds maximum "
		    "length of %d characters", ATTACH_FILENAME_MAX);
		return false;
	}
	return true;
}

bool
attach_validate(const struct attach_in *a, size_t n, const char *dialog_id,
    struct attach_error *err)
{
	size_t i;

	if (n > ATTACHMENTS_MAX) {
		err->code = "BAD_REQUEST";
		snprintf(err->msg, sizeof(err->msg),
		    "Maximum %d attachments per message", ATTACHMENTS_MAX);
		return false;
	}
	for (i = 0; i < n; i++)
		if (!check_one(&a[i], dialog_id, err))
			return false;
	return true;
}
