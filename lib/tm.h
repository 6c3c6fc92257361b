/* tm.h — time: the clock, RFC 3339 timestamps, durations. */
#ifndef MT_TM_H
#define MT_TM_H

#include <stddef.h>
#include <stdint.h>

#define TM_BUF	40

/*
 * Microseconds since the Unix epoch (UTC), from the real-time clock.
 * Tests move it forward without sleeping: with MTCHAT_TEST_CLOCK naming a
 * file, every call adds the whole seconds the file holds (a decimal
 * number >= 0, re-read on each call, so every process of a test sees a
 * new value at once; rewrite it in place, `echo 3 > file`, never by
 * rename). Never set in production.
 */
int64_t	tm_now_us(void);
/*
 * Formats us as RFC 3339 UTC with a Z: no fraction when it is zero, else 3
 * or 6 digits, the shortest exact one (docs/api.md#conventions). Returns 0, or
 * MT_EINVAL when buf (at least TM_BUF bytes) is too small.
 */
int	tm_format(int64_t us, char *buf, size_t len);
/* As tm_format() with nanoseconds and 0, 3, 6 or 9 digits. */
int	tm_format_ns(int64_t ns, char *buf, size_t len);
/*
 * Parses a duration: a number followed by s, m, h, d or w (none: seconds),
 * e.g. "90", "15m", "7d". Writes seconds; MT_EINVAL on anything else.
 */
int	tm_parse_duration(const char *s, int64_t *secs);

#endif
