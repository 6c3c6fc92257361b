/*
 * err.c — names of the MT_E* codes, for log lines and CLI messages, and
 * the one table that turns them into HTTP answers.
 */
#include <stddef.h>

#include "err.h"

const char *
mt_strerror(int code)
{
	switch (code) {
	case MT_OK:		return "success";
	case MT_EINVAL:		return "invalid input";
	case MT_ENOTFOUND:	return "not found";
	case MT_EFORBIDDEN:	return "forbidden";
	case MT_ECONFLICT:	return "conflict";
	case MT_EBUSY:		return "database busy";
	case MT_ENOMEM:		return "out of memory";
	case MT_EIO:		return "I/O or database error";
	case MT_ESCHEMA:	return "schema version mismatch";
	case MT_EFULL:		return "storage full";
	case MT_ESTORAGE:	return "storage I/O error";
	default:		return "unknown error";
	}
}

static const struct {
	int			 code;
	struct mt_http_error	 http;
} http_errors[] = {
	{ MT_EINVAL, { 400, "INVALID_INPUT", "Invalid input", NULL } },
	{ MT_ENOTFOUND, { 404, "NOT_FOUND", "Not found", NULL } },
	{ MT_EFORBIDDEN, { 403, "FORBIDDEN", "Forbidden", NULL } },
	{ MT_ECONFLICT, { 409, "CONFLICT",
	    "Conflicts with the current state; reload and retry", NULL } },
	{ MT_EBUSY, { 503, "SERVICE_UNAVAILABLE",
	    "Database busy, retry shortly", "1" } },
	{ MT_ENOMEM, { 503, "SERVICE_UNAVAILABLE",
	    "Out of memory, retry shortly", "1" } },
	{ MT_EFULL, { 507, "INSUFFICIENT_STORAGE",
	    "The server's storage is full", "30" } },
	{ MT_ESTORAGE, { 503, "SERVICE_UNAVAILABLE",
	    "Storage error, retry shortly", "5" } },
};

static const struct mt_http_error internal = {
	500, "INTERNAL_ERROR", "Internal server error", NULL
};

const struct mt_http_error *
mt_http_error(int code)
{
	size_t i;

	for (i = 0; i < sizeof(http_errors) / sizeof(http_errors[0]); i++)
		if (http_errors[i].code == code)
			return &http_errors[i].http;
	return &internal;
}
