/* err.c — names of the MT_E* codes, for log lines and CLI messages. */
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
	default:		return "unknown error";
	}
}
