/*
 * imgsize.c — image dimensions from file headers: PNG (IHDR), GIF (logical
 * screen), WebP (VP8, VP8L and VP8X chunks) and JPEG (the first SOFn
 * segment, found by skipping the segments before it by their lengths).
 * Every number comes from the file, so each is bounds-checked and a file
 * that ends early is simply not an image.
 */
#include <errno.h>
#include <stdint.h>
#include <string.h>
#include <unistd.h>

#include "err.h"
#include "imgsize.h"

#define JPEG_SEGMENTS_MAX	1024	/* segments looked at before a SOF */

/* Reads up to len bytes at off into buf; *got how many. 0 or MT_EIO. */
static int
read_upto(int fd, int64_t off, unsigned char *buf, size_t len, size_t *got)
{
	ssize_t n;

	*got = 0;
	while (*got < len) {
		n = pread(fd, buf + *got, len - *got,
		    (off_t)(off + (int64_t)*got));
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			return MT_EIO;
		if (n == 0)
			break;
		*got += (size_t)n;
	}
	return 0;
}

/* Reads exactly len bytes at off: 0, MT_ENOTFOUND (short), MT_EIO. */
static int
read_at(int fd, int64_t off, unsigned char *buf, size_t len)
{
	size_t got;
	int rc;

	if ((rc = read_upto(fd, off, buf, len, &got)) != 0)
		return rc;
	return got == len ? 0 : MT_ENOTFOUND;
}

static uint32_t
be16(const unsigned char *p)
{
	return (uint32_t)p[0] << 8 | p[1];
}

static uint32_t
be32(const unsigned char *p)
{
	return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 |
	    (uint32_t)p[2] << 8 | p[3];
}

static uint32_t
le16(const unsigned char *p)
{
	return (uint32_t)p[1] << 8 | p[0];
}

static uint32_t
le24(const unsigned char *p)
{
	return (uint32_t)p[2] << 16 | (uint32_t)p[1] << 8 | p[0];
}

static int
found(uint32_t w, uint32_t h, int *width, int *height)
{
	if (w == 0 || h == 0 || w > INT32_MAX || h > INT32_MAX)
		return MT_ENOTFOUND;
	*width = (int)w;
	*height = (int)h;
	return 0;
}

static int
png_size(const unsigned char *b, int *w, int *h)
{
	if (memcmp(b + 12, "IHDR", 4) != 0)
		return MT_ENOTFOUND;
	return found(be32(b + 16), be32(b + 20), w, h);
}

static int
webp_size(const unsigned char *b, int *w, int *h)
{
	uint32_t bits;

	if (memcmp(b + 12, "VP8 ", 4) == 0) {	/* lossy: a key frame */
		if (b[23] != 0x9d || b[24] != 0x01 || b[25] != 0x2a)
			return MT_ENOTFOUND;
		return found(le16(b + 26) & 0x3fff, le16(b + 28) & 0x3fff, w,
		    h);
	}
	if (memcmp(b + 12, "VP8L", 4) == 0) {	/* lossless */
		if (b[20] != 0x2f)
			return MT_ENOTFOUND;
		bits = le16(b + 21) | le16(b + 23) << 16;
		return found((bits & 0x3fff) + 1, ((bits >> 14) & 0x3fff) + 1,
		    w, h);
	}
	if (memcmp(b + 12, "VP8X", 4) == 0)	/* extended: the canvas */
		return found(le24(b + 24) + 1, le24(b + 27) + 1, w, h);
	return MT_ENOTFOUND;
}

/* Whether marker m is a start-of-frame (SOF0..15 but DHT, JPG, DAC). */
static int
is_sof(unsigned char m)
{
	return m >= 0xc0 && m <= 0xcf && m != 0xc4 && m != 0xc8 && m != 0xcc;
}

static int
jpeg_size(int fd, int *w, int *h)
{
	unsigned char b[9];
	int64_t off = 2;
	int i, rc;

	for (i = 0; i < JPEG_SEGMENTS_MAX; i++) {
		if ((rc = read_at(fd, off, b, 2)) != 0)
			return rc;
		if (b[0] != 0xff)
			return MT_ENOTFOUND;
		if (b[1] == 0xff) {		/* fill byte */
			off++;
			continue;
		}
		if (b[1] == 0x01 || (b[1] >= 0xd0 && b[1] <= 0xd8)) {
			off += 2;		/* markers without a length */
			continue;
		}
		if (b[1] == 0xd9 || b[1] == 0xda)	/* end, scan: no SOF */
			return MT_ENOTFOUND;
		if ((rc = read_at(fd, off + 2, b + 2, is_sof(b[1]) ? 7 : 2))
		    != 0)
			return rc;
		if (be16(b + 2) < 2)
			return MT_ENOTFOUND;
		if (is_sof(b[1]))
			return found(be16(b + 7), be16(b + 5), w, h);
		off += 2 + be16(b + 2);
	}
	return MT_ENOTFOUND;
}

int
img_size(int fd, int *width, int *height)
{
	unsigned char b[30];
	size_t n;
	int rc;

	*width = *height = 0;
	memset(b, 0, sizeof(b));
	if ((rc = read_upto(fd, 0, b, sizeof(b), &n)) != 0)
		return rc;
	if (n >= 2 && b[0] == 0xff && b[1] == 0xd8)
		return jpeg_size(fd, width, height);
	if (n >= 24 && memcmp(b, "\x89PNG\r\n\x1a\n", 8) == 0)
		return png_size(b, width, height);
	if (n >= 10 && (memcmp(b, "GIF87a", 6) == 0 ||
	    memcmp(b, "GIF89a", 6) == 0))
		return found(le16(b + 6), le16(b + 8), width, height);
	if (n == sizeof(b) && memcmp(b, "RIFF", 4) == 0 &&
	    memcmp(b + 8, "WEBP", 4) == 0)
		return webp_size(b, width, height);
	return MT_ENOTFOUND;
}
