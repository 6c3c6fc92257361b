/*
 * wsframe.h — the one thing the WebSocket load clients of bench/ (ws-load,
 * ws-storm, ws-soak) parse alike: the header of a server frame (RFC 6455
 * section 5.2; unmasked, as a server sends). Header-only: each bench
 * program is built from its own source file.
 * SPDX-License-Identifier: MIT
 */
#ifndef MT_BENCH_WSFRAME_H
#define MT_BENCH_WSFRAME_H

#include <stddef.h>

/*
 * If the len bytes at b start with a whole frame, sets *hl to its header
 * length and *pl to its payload length and returns the frame's opcode
 * (1 text, 8 close, ...); returns -1 while the frame is incomplete.
 */
static inline int
wsframe_next(const unsigned char *b, size_t len, size_t *hl, size_t *pl)
{
	size_t h = 2, p;

	if (len < 2)
		return -1;
	p = b[1] & 0x7f;
	if (p == 126) {
		if (len < 4)
			return -1;
		p = (size_t)b[2] << 8 | b[3];
		h = 4;
	} else if (p == 127) {
		if (len < 10)
			return -1;
		p = 0;
		for (int i = 0; i < 8; i++)
			p = p << 8 | b[2 + i];
		h = 10;
	}
	if (len < h || len - h < p)
		return -1;
	*hl = h;
	*pl = p;
	return b[0] & 0x0f;
}

#endif
