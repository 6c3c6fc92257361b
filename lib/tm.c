/* tm.c — the clock, RFC 3339 formatting and duration parsing. */
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "err.h"
#include "tm.h"

/*
 * The test clock (tm.h): the descriptor of MTCHAT_TEST_CLOCK's file, and
 * the last offset read from it, kept when a read finds the file being
 * rewritten (empty) so the clock never steps back.
 */
static pthread_once_t test_clock_once = PTHREAD_ONCE_INIT;
static int test_clock_fd = -1;
static _Atomic int64_t test_clock_us;

static void
test_clock_open(void)
{
	const char *path = getenv("MTCHAT_TEST_CLOCK");

	if (path != NULL && *path != '\0')
		test_clock_fd = open(path, O_RDONLY | O_CLOEXEC);
}

static int64_t
test_clock_offset(void)
{
	char buf[32], *end;
	ssize_t n;
	long long v;

	pthread_once(&test_clock_once, test_clock_open);
	if (test_clock_fd == -1)
		return 0;
	n = pread(test_clock_fd, buf, sizeof(buf) - 1, 0);
	if (n > 0) {
		buf[n] = '\0';
		errno = 0;
		v = strtoll(buf, &end, 10);
		if (errno == 0 && end != buf && (*end == '\0' ||
		    *end == '\n') && v >= 0 && v < INT64_MAX / 1000000)
			atomic_store(&test_clock_us, (int64_t)v * 1000000);
	}
	return atomic_load(&test_clock_us);
}

int64_t
tm_now_us(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	return (int64_t)ts.tv_sec * 1000000 + ts.tv_nsec / 1000 +
	    test_clock_offset();
}

/* "00" to "99": two digits per step (list responses format thousands). */
static const char digit_pairs[201] =
	"00010203040506070809101112131415161718192021222324252627282930313233"
	"34353637383940414243444546474849505152535455565758596061626364656667"
	"6869707172737475767778798081828384858687888990919293949596979899";

/*
 * Writes v (below 10^width) as exactly width decimal digits at p; returns
 * the end.
 */
static char *
put_digits(char *p, unsigned long v, int width)
{
	int i = width;

	while (i >= 2) {
		i -= 2;
		memcpy(p + i, digit_pairs + 2 * (v % 100), 2);
		v /= 100;
	}
	if (i == 1)
		p[0] = (char)('0' + v % 10);
	return p + width;
}

/*
 * The fraction of frac nanoseconds with the fewest of 0, 3, 6 or 9 digits
 * that keep its value; returns the end.
 */
static char *
put_frac(char *p, int64_t frac)
{
	if (frac == 0)
		return p;
	*p++ = '.';
	if (frac % 1000000 == 0)
		return put_digits(p, (unsigned long)(frac / 1000000), 3);
	if (frac % 1000 == 0)
		return put_digits(p, (unsigned long)(frac / 1000), 6);
	return put_digits(p, (unsigned long)frac, 9);
}

/* The civil date of a day count from 1970-01-01 (proleptic Gregorian). */
static void
civil_from_days(int64_t z, int64_t *y, unsigned *m, unsigned *d)
{
	int64_t era, yoe, doe, doy, mp;

	z += 719468;
	era = (z >= 0 ? z : z - 146096) / 146097;
	doe = z - era * 146097;
	yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
	doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
	mp = (5 * doy + 2) / 153;
	*d = (unsigned)(doy - (153 * mp + 2) / 5 + 1);
	*m = (unsigned)(mp < 10 ? mp + 3 : mp - 9);
	*y = yoe + era * 400 + (*m <= 2);
}

/*
 * "YYYY-MM-DDT" of a day count at p; returns the end, or NULL beyond four
 * digits of year. The timestamps of a list mostly share their day: the
 * last one is remembered, per thread.
 */
static char *
put_date(char *p, int64_t days)
{
	static _Thread_local int64_t last_days = INT64_MIN;
	static _Thread_local char last[11];
	int64_t year;
	unsigned month, day;

	if (days != last_days) {
		civil_from_days(days, &year, &month, &day);
		if (year < 0 || year > 9999)
			return NULL;
		put_digits(last, (unsigned long)year, 4);
		last[4] = '-';
		put_digits(last + 5, month, 2);
		last[7] = '-';
		put_digits(last + 8, day, 2);
		last[10] = 'T';
		last_days = days;
	}
	memcpy(p, last, sizeof(last));
	return p + sizeof(last);
}

/*
 * Formats secs and frac nanoseconds (0 <= frac < 1e9) as RFC 3339 UTC;
 * only four-digit years are RFC 3339. By hand, not gmtime_r and snprintf:
 * list responses format two timestamps per item.
 */
static int
format_frac(int64_t secs, int64_t frac, char *buf, size_t len)
{
	int64_t days = secs / 86400, rem = secs % 86400;
	char tmp[TM_BUF], *p = tmp;

	if (rem < 0) {
		rem += 86400;
		days--;
	}
	if ((p = put_date(p, days)) == NULL)
		return MT_EINVAL;
	p = put_digits(p, (unsigned long)(rem / 3600), 2);
	*p++ = ':';
	p = put_digits(p, (unsigned long)(rem / 60 % 60), 2);
	*p++ = ':';
	p = put_digits(p, (unsigned long)(rem % 60), 2);
	p = put_frac(p, frac);
	*p++ = 'Z';
	if ((size_t)(p - tmp) >= len)
		return MT_EINVAL;
	memcpy(buf, tmp, (size_t)(p - tmp));
	buf[p - tmp] = '\0';
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
