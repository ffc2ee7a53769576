/* Image files for the demo, through Debian's stb (libstb-dev): PNG and JPEG in, PNG out. */
#ifndef OCLNN_DEMO_IMAGE_IO_H
#define OCLNN_DEMO_IMAGE_IO_H

#include "demo_util.h"

#include <stdint.h>

/* Decodes an image to 8-bit RGB (*rgb is malloc'd, w * h * 3 bytes; free it). Sides larger than
 * max_side are refused before decoding. A missing, unreadable, corrupt or truncated file fails
 * with a message naming the file and the reason. */
int demo_image_load(const char *path, int max_side, int *w, int *h, uint8_t **rgb, demo_err *err);

/* Resizes 8-bit RGB (rows of sw * 3 bytes) into dst (rows of dw * 3 bytes). */
int demo_image_resize(const uint8_t *src, int sw, int sh, uint8_t *dst, int dw, int dh,
                      demo_err *err);

/* Writes 8-bit RGB rows (stride bytes apart) as a PNG (fast, light compression). */
int demo_png_write(const char *path, const uint8_t *rgb, int w, int h, int stride, demo_err *err);

/* Creates a directory (and its parents) unless it exists. */
int demo_make_dirs(const char *path, demo_err *err);

/* Creates the directory a file path is in (nothing for a bare file name). */
int demo_make_parent_dirs(const char *file, demo_err *err);

#endif
