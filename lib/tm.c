/* tm.c — the clock, RFC 3339 formatting and duration parsing. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

#include "err.h"
#include "tm.h"

int64_t
tm_now_us(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	return (int64_t)ts.tv_sec * 1000000 + ts.tv_nsec / 1000;
}

/* Formats secs plus frac nanoseconds; only four-digit years are RFC 3339. */
static int
format_frac(int64_t secs, int64_t frac, char *buf, size_t len)
{
	struct tm tm;
	time_t t = (time_t)secs;
	char fracbuf[12] = "";
	int n;

	if (gmtime_r(&t, &tm) == NULL || tm.tm_year < -1900 ||
	    tm.tm_year > 9999 - 1900)
		return MT_EINVAL;
	if (frac == 0)
		fracbuf[0] = '\0';
	else if (frac % 1000000 == 0)
		snprintf(fracbuf, sizeof(fracbuf), ".%03d",
		    (int)(frac / 1000000));
	else if (frac % 1000 == 0)
		snprintf(fracbuf, sizeof(fracbuf), ".%06d", (int)(frac / 1000));
	else
		snprintf(fracbuf, sizeof(fracbuf), ".%09d", (int)frac);
	n = snprintf(buf, len, "%04d-%02d-%02dT%02d:%02d:%02d%sZ",
	    tm.tm_year + 1900, tm.tm_mon + 1, tm.tm_mday, tm.tm_hour,
	    tm.tm_min, tm.tm_sec, fracbuf);
	if (n < 0 || (size_t)n >= len)
		return MT_EINVAL;
	return 0;
}

/* Splits v units of 1/scale second into whole seconds and a fraction >= 0. */
static int
format_scaled(int64_t v, int64_t scale, char *buf, size_t len)
{
	int64_t secs = v / scale, frac = v % scale;

	if (frac < 0) {
		frac += scale;
		secs--;
	}
	return format_frac(secs, frac * (1000000000 / scale), buf, len);
}

int
tm_format_ns(int64_t ns, char *buf, size_t len)
{
	return format_scaled(ns, 1000000000, buf, len);
}

int
tm_format(int64_t us, char *buf, size_t len)
{
	/* Not us * 1000: that overflows beyond the years 1677..2262. */
	return format_scaled(us, 1000000, buf, len);
}

int
tm_parse_duration(const char *s, int64_t *secs)
{
	char *end;
	long long v;
	int64_t mult = 1;

	if (s == NULL || *s < '0' || *s > '9')
		return MT_EINVAL;
	errno = 0;
	v = strtoll(s, &end, 10);
	if (errno != 0 || v < 0)
		return MT_EINVAL;
	switch (*end) {
	case '\0':
	case 's':	mult = 1; break;
	case 'm':	mult = 60; break;
	case 'h':	mult = 3600; break;
	case 'd':	mult = 86400; break;
	case 'w':	mult = 604800; break;
	default:	return MT_EINVAL;
	}
	if (*end != '\0' && end[1] != '\0')
		return MT_EINVAL;
	if (v > INT64_MAX / mult)
		return MT_EINVAL;
	*secs = (int64_t)v * mult;
	return 0;
}
