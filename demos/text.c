#include "text.h"

#include <stdlib.h>
#include <string.h>

/* Header-only and all static; only some of its functions are used here. */
#if defined(__GNUC__)
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wunused-function"
#endif
#include <stb_easy_font.h>
#if defined(__GNUC__)
#pragma GCC diagnostic pop
#endif

/* stb_easy_font's vertex: x, y, z as floats, then 4 colour bytes; four vertices per quad. */
typedef struct font_vertex {
  float x, y, z;
  unsigned char color[4];
} font_vertex;

int demo_text_line_height(int scale) { return 12 * scale; }

/* A copy stb_easy_font can index safely: its table covers ' ' to '~' (and newlines). */
static char *printable_copy(const char *text) {
  size_t len = strlen(text);
  char *copy = malloc(len + 1);
  if (!copy)
    return NULL;
  for (size_t i = 0; i <= len; i++) {
    unsigned char c = (unsigned char)text[i];
    copy[i] = c == '\0' || c == '\n' || (c >= 32 && c <= 126) ? (char)c : '?';
  }
  return copy;
}

int demo_text_width(const char *text, int scale) {
  char *copy = printable_copy(text);
  if (!copy)
    return 0;
  int width = stb_easy_font_width(copy);
  free(copy);
  return width * scale;
}

void demo_fill_rect(uint8_t *rgb, int w, int h, int stride, int x, int y, int rw, int rh,
                    const uint8_t color[3]) {
  int x0 = x < 0 ? 0 : x, y0 = y < 0 ? 0 : y;
  int x1 = x + rw > w ? w : x + rw, y1 = y + rh > h ? h : y + rh;
  for (int yy = y0; yy < y1; yy++) {
    uint8_t *row = rgb + (size_t)yy * (size_t)stride;
    for (int xx = x0; xx < x1; xx++) {
      row[3 * xx] = color[0];
      row[3 * xx + 1] = color[1];
      row[3 * xx + 2] = color[2];
    }
  }
}

void demo_text_draw(uint8_t *rgb, int w, int h, int stride, int x, int y, int scale,
                    const char *text, const uint8_t color[3]) {
  size_t len = strlen(text);
  if (len == 0 || scale < 1)
    return;
  /* The header says ~270 bytes per character on average; a segment-heavy glyph uses more. */
  size_t quads_max = len * 40 + 16;
  char *copy = printable_copy(text);
  font_vertex *quads = malloc(quads_max * 4 * sizeof *quads);
  if (!copy || !quads) {
    free(copy);
    free(quads);
    return;
  }
  int count =
      stb_easy_font_print(0.0f, 0.0f, copy, NULL, quads, (int)(quads_max * 4 * sizeof *quads));
  for (int q = 0; q < count; q++) {
    const font_vertex *v = quads + 4 * q;
    /* Corners 0 and 2 are opposite; font coordinates are whole pixels. */
    int qx0 = (int)(v[0].x < v[2].x ? v[0].x : v[2].x),
        qx1 = (int)(v[0].x < v[2].x ? v[2].x : v[0].x);
    int qy0 = (int)(v[0].y < v[2].y ? v[0].y : v[2].y),
        qy1 = (int)(v[0].y < v[2].y ? v[2].y : v[0].y);
    demo_fill_rect(rgb, w, h, stride, x + qx0 * scale, y + qy0 * scale, (qx1 - qx0) * scale,
                   (qy1 - qy0) * scale, color);
  }
  free(quads);
  free(copy);
}
