/* The generated scene: a drifting colour gradient, a scrolling checkerboard, fine diagonal
 * stripes, three moving discs and the word "oclnn". It has what every effect shows well (hard
 * edges, fine detail, flat areas, saturated colours), it is a pure function of (size, t), so
 * headless runs are reproducible, and it costs about a millisecond per 640x480 frame. */
#include "source.h"
#include "text.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

typedef struct synthetic_source {
  demo_source base;
  uint8_t *rgb;
  int16_t *columns, *rows; /* per-frame gradient terms, 3 per column / row */
} synthetic_source;

static uint8_t clamp_byte(int v) { return (uint8_t)(v < 0 ? 0 : v > 255 ? 255 : v); }

static void disc(uint8_t *rgb, int w, int h, double cx, double cy, double r, const uint8_t c[3]) {
  int x0 = (int)floor(cx - r), x1 = (int)ceil(cx + r), y0 = (int)floor(cy - r),
      y1 = (int)ceil(cy + r);
  double r2 = r * r, ring2 = (r - 2.5) * (r - 2.5);
  for (int y = y0 < 0 ? 0 : y0; y <= y1 && y < h; y++)
    for (int x = x0 < 0 ? 0 : x0; x <= x1 && x < w; x++) {
      double dx = x + 0.5 - cx, dy = y + 0.5 - cy, d2 = dx * dx + dy * dy;
      if (d2 > r2)
        continue;
      uint8_t *p = rgb + ((size_t)y * (size_t)w + (size_t)x) * 3;
      if (d2 >= ring2) {
        p[0] = p[1] = p[2] = 250;
      } else {
        p[0] = c[0];
        p[1] = c[1];
        p[2] = c[2];
      }
    }
}

static int synthetic_next(demo_source *source, double t, demo_frame *frame, demo_err *err) {
  (void)err;
  synthetic_source *s = (synthetic_source *)source;
  const int w = source->width, h = source->height;
  /* Gradient: colour(x, y) = columns[x] + rows[y], both drifting with t. */
  for (int x = 0; x < w; x++) {
    double u = (double)x / w;
    s->columns[3 * x] = (int16_t)(70 + 60 * sin(6.2832 * u + 0.7 * t));
    s->columns[3 * x + 1] = (int16_t)(60 + 50 * sin(6.2832 * u * 1.5 - 0.5 * t + 2.0));
    s->columns[3 * x + 2] = (int16_t)(50 + 40 * cos(6.2832 * u * 0.5 + 0.3 * t));
  }
  for (int y = 0; y < h; y++) {
    double v = (double)y / h;
    s->rows[3 * y] = (int16_t)(40 * v);
    s->rows[3 * y + 1] = (int16_t)(50 + 40 * sin(3.1416 * v + 0.4 * t));
    s->rows[3 * y + 2] = (int16_t)(90 * (1 - v));
  }
  for (int y = 0; y < h; y++) {
    uint8_t *row = s->rgb + (size_t)y * (size_t)w * 3;
    const int16_t *r = s->rows + 3 * y;
    for (int x = 0; x < w; x++) {
      const int16_t *c = s->columns + 3 * x;
      row[3 * x] = clamp_byte(c[0] + r[0]);
      row[3 * x + 1] = clamp_byte(c[1] + r[1]);
      row[3 * x + 2] = clamp_byte(c[2] + r[2]);
    }
  }
  /* Scrolling checkerboard, lower left. */
  const int cell = h / 24 > 4 ? h / 24 : 4, shift = (int)(t * 20.0) % (2 * cell);
  const int bx0 = w / 16, by0 = h * 9 / 16, bx1 = w * 7 / 16, by1 = h * 15 / 16;
  for (int y = by0; y < by1; y++) {
    uint8_t *row = s->rgb + (size_t)y * (size_t)w * 3;
    for (int x = bx0; x < bx1; x++) {
      int on = (((x - bx0 + shift) / cell) + ((y - by0) / cell)) & 1;
      row[3 * x] = row[3 * x + 1] = row[3 * x + 2] = on ? 235 : 20;
    }
  }
  /* Fine diagonal stripes, lower right: detail that blur removes and edges find. */
  const int sx0 = w * 9 / 16, sy0 = h * 10 / 16, sx1 = w * 15 / 16, sy1 = h * 15 / 16;
  const int phase = (int)(t * 8.0);
  for (int y = sy0; y < sy1; y++) {
    uint8_t *row = s->rgb + (size_t)y * (size_t)w * 3;
    for (int x = sx0; x < sx1; x++) {
      int band = ((x + y + phase) / 3) % 3;
      static const uint8_t colors[3][3] = {{240, 200, 40}, {30, 30, 120}, {200, 60, 160}};
      memcpy(row + 3 * x, colors[band], 3);
    }
  }
  /* Three discs on Lissajous paths. */
  static const uint8_t red[3] = {230, 40, 40}, green[3] = {40, 200, 70}, blue[3] = {50, 90, 240};
  disc(s->rgb, w, h, w * (0.5 + 0.35 * sin(0.9 * t)), h * (0.35 + 0.2 * sin(1.3 * t + 1.0)),
       h / 8.0, red);
  disc(s->rgb, w, h, w * (0.5 + 0.4 * sin(0.6 * t + 2.0)), h * (0.4 + 0.25 * cos(0.8 * t)),
       h / 10.0, green);
  disc(s->rgb, w, h, w * (0.5 + 0.3 * cos(1.1 * t)), h * (0.3 + 0.15 * sin(1.7 * t + 0.5)),
       h / 12.0, blue);
  /* The word, drifting along the top. */
  const int scale = h / 80 > 1 ? h / 80 : 1;
  const int tw = demo_text_width("oclnn", scale);
  const int tx = (int)((w - tw) * (0.5 + 0.45 * sin(0.5 * t)));
  static const uint8_t white[3] = {255, 255, 255};
  demo_text_draw(s->rgb, w, h, w * 3, tx, h / 20, scale, "oclnn", white);

  frame->width = w;
  frame->height = h;
  frame->rgb = s->rgb;
  return 0;
}

static void synthetic_close(demo_source *source) {
  synthetic_source *s = (synthetic_source *)source;
  free(s->rgb);
  free(s->columns);
  free(s->rows);
  free(s);
}

static const demo_source_ops synthetic_ops = {synthetic_next, synthetic_close};

int demo_source_open_synthetic(int w, int h, demo_source **out, demo_err *err) {
  *out = NULL;
  if (demo_check_frame_size("the generated scene", w, h, err) != 0)
    return -1;
  synthetic_source *s = calloc(1, sizeof *s);
  if (!s)
    return demo_fail(err, "out of memory");
  s->rgb = malloc((size_t)w * (size_t)h * 3);
  s->columns = malloc((size_t)w * 3 * sizeof *s->columns);
  s->rows = malloc((size_t)h * 3 * sizeof *s->rows);
  if (!s->rgb || !s->columns || !s->rows) {
    synthetic_close(&s->base);
    return demo_fail(err, "out of memory");
  }
  s->base.ops = &synthetic_ops;
  s->base.width = w;
  s->base.height = h;
  snprintf(s->base.description, sizeof s->base.description, "generated scene (%dx%d)", w, h);
  *out = &s->base;
  return 0;
}
