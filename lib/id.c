/*
 * id.c — UUIDv7 generation and UUID parsing.
 *
 * Layout (RFC 9562 §5.7, monotonic counter per §6.2 method 1): 48-bit Unix
 * milliseconds, version 7, then a 42-bit counter spread over rand_a (12 bits)
 * and the top 30 bits of rand_b, then 32 random bits. A new millisecond
 * starts the counter at a random value below 2^41; within one millisecond it
 * increments, and when it would overflow the timestamp moves one ms ahead.
 */
#include <stdint.h>
#include <string.h>
#include <sys/random.h>
#include <time.h>

#include "err.h"
#include "hex.h"
#include "id.h"

#define COUNTER_BITS	42
#define COUNTER_MAX	((UINT64_C(1) << COUNTER_BITS) - 1)

/* State of this thread's generator (ids stay unique across threads and
 * processes by their random bits; the counter keeps one thread's ordered). */
static _Thread_local uint64_t last_ms;
static _Thread_local uint64_t last_counter;

static int
random_bytes(void *buf, size_t len)
{
	size_t got = 0;

	while (got < len) {
		ssize_t n = getrandom((char *)buf + got, len - got, 0);

		if (n <= 0)
			return MT_EIO;
		got += (size_t)n;
	}
	return 0;
}

static uint64_t
now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	return (uint64_t)ts.tv_sec * 1000 + (uint64_t)ts.tv_nsec / 1000000;
}

static void
format_id(const uint8_t b[16], char out[ID_BUF])
{
	static const char hex[] = "0123456789abcdef";
	int i, o = 0;

	for (i = 0; i < 16; i++) {
		if (i == 4 || i == 6 || i == 8 || i == 10)
			out[o++] = '-';
		out[o++] = hex[b[i] >> 4];
		out[o++] = hex[b[i] & 15];
	}
	out[o] = '\0';
}

/* Parses exactly 32 hex digits with hyphens where canonical (or none). */
static int
parse_bytes(const char *s, size_t len, uint8_t b[16])
{
	size_t i, n = 0;
	int hyphens = (len == 36);

	if (len != 32 && len != 36)
		return MT_EINVAL;
	for (i = 0; i < len; i++) {
		int h;

		if (hyphens && (i == 8 || i == 13 || i == 18 || i == 23)) {
			if (s[i] != '-')
				return MT_EINVAL;
			continue;
		}
		if ((h = hex_value((unsigned char)s[i])) < 0)
			return MT_EINVAL;
		if (n % 2 == 0)
			b[n / 2] = (uint8_t)(h << 4);
		else
			b[n / 2] |= (uint8_t)h;
		n++;
	}
	return n == 32 ? 0 : MT_EINVAL;
}

int
id_parse(const char *in, size_t len, char out[ID_BUF])
{
	uint8_t b[16];

	if (len > 9 && (strncmp(in, "urn:uuid:", 9) == 0 ||
	    strncmp(in, "URN:UUID:", 9) == 0)) {
		in += 9;
		len -= 9;
	} else if (len == 38 && in[0] == '{' && in[37] == '}') {
		in++;
		len -= 2;
	}
	if (parse_bytes(in, len, b) != 0)
		return MT_EINVAL;
	format_id(b, out);
	return 0;
}

bool
id_is_canonical(const char *s)
{
	uint8_t b[16];
	size_t i;

	if (strlen(s) != ID_LEN || parse_bytes(s, ID_LEN, b) != 0)
		return false;
	for (i = 0; i < ID_LEN; i++)
		if (s[i] >= 'A' && s[i] <= 'F')
			return false;
	return true;
}

static int
generate(char out[ID_BUF])
{
	uint8_t b[16], rnd[10];
	uint64_t ms = now_ms(), counter;

	if (random_bytes(rnd, sizeof(rnd)) != 0)
		return MT_EIO;
	if (ms > last_ms) {
		counter = 0;
		memcpy(&counter, rnd, 6);
		counter &= COUNTER_MAX >> 1;	/* room to count up */
	} else {
		ms = last_ms;
		counter = last_counter + 1;
		if (counter > COUNTER_MAX) {
			ms++;
			counter = 0;
			memcpy(&counter, rnd, 6);
			counter &= COUNTER_MAX >> 1;
		}
	}
	last_ms = ms;
	last_counter = counter;

	b[0] = (uint8_t)(ms >> 40);
	b[1] = (uint8_t)(ms >> 32);
	b[2] = (uint8_t)(ms >> 24);
	b[3] = (uint8_t)(ms >> 16);
	b[4] = (uint8_t)(ms >> 8);
	b[5] = (uint8_t)ms;
	b[6] = (uint8_t)(0x70 | ((counter >> 38) & 0x0f));
	b[7] = (uint8_t)(counter >> 30);
	b[8] = (uint8_t)(0x80 | ((counter >> 24) & 0x3f));
	b[9] = (uint8_t)(counter >> 16);
	b[10] = (uint8_t)(counter >> 8);
	b[11] = (uint8_t)counter;
	memcpy(b + 12, rnd + 6, 4);
	format_id(b, out);
	return 0;
}

int
id_new(char out[ID_BUF])
{
	return generate(out);
}

int
id_new_after(const char *floor, char out[ID_BUF])
{
	uint8_t b[16];
	uint64_t ms, counter;
	int i;

	if (floor != NULL && parse_bytes(floor, strlen(floor), b) == 0) {
		ms = 0;
		for (i = 0; i < 6; i++)
			ms = (ms << 8) | b[i];
		counter = ((uint64_t)(b[6] & 0x0f) << 38) |
		    ((uint64_t)b[7] << 30) | ((uint64_t)(b[8] & 0x3f) << 24) |
		    ((uint64_t)b[9] << 16) | ((uint64_t)b[10] << 8) | b[11];
		/*
		 * Generating from the floor's own state would at worst repeat
		 * its counter with other random tail bits; +0 then +1 in
		 * generate() guarantees a strictly greater id.
		 */
		if (ms > last_ms || (ms == last_ms && counter > last_counter)) {
			last_ms = ms;
			last_counter = counter;
		}
	}
	return generate(out);
}
