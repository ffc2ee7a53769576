/* On-screen text: stb_easy_font's public-domain segment font (Debian's libstb-dev) rasterised
 * into 8-bit RGB images, each font pixel a scale x scale block. ASCII only. */
#ifndef OCLNN_DEMO_TEXT_H
#define OCLNN_DEMO_TEXT_H

#include <stdint.h>

/* Height of one line of text in pixels at `scale`. */
int demo_text_line_height(int scale);

/* Width of `text` in pixels at `scale` (the widest line when it holds newlines). */
int demo_text_width(const char *text, int scale);

/* Draws `text` with its top left corner at (x, y), clipped to the w x h image whose rows are
 * `stride` bytes apart. */
void demo_text_draw(uint8_t *rgb, int w, int h, int stride, int x, int y, int scale,
                    const char *text, const uint8_t color[3]);

/* Fills a rectangle (clipped). */
void demo_fill_rect(uint8_t *rgb, int w, int h, int stride, int x, int y, int rw, int rh,
                    const uint8_t color[3]);

#endif
