/*
 * imgsize.h — the pixel size of a PNG, JPEG, GIF or WebP file, read from its
 * header (docs/rest.md#attachment width and height), without an image library.
 */
#ifndef MT_IMGSIZE_H
#define MT_IMGSIZE_H

/*
 * Reads the header of the file open on fd (by position, the offset is not
 * moved): 0 with *width and *height (both > 0), MT_ENOTFOUND when it is
 * none of those formats or its header is damaged, MT_EIO on a read error.
 * A JPEG is walked segment by segment up to its frame header, a bounded
 * number of small reads whatever the size of its metadata.
 */
int	img_size(int fd, int *width, int *height);

#endif
