/* An image file as a frame source: decoded (and resized) once, the same frame every time. */
#include "image_io.h"
#include "source.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Images are decoded before any size check applies to the frame; this bounds the decode. */
#define IMAGE_MAX_DECODE_SIDE 16384

typedef struct image_source {
  demo_source base;
  uint8_t *rgb;
} image_source;

static int image_next(demo_source *source, double t, demo_frame *frame, demo_err *err) {
  (void)t;
  (void)err;
  image_source *s = (image_source *)source;
  frame->width = source->width;
  frame->height = source->height;
  frame->rgb = s->rgb;
  return 0;
}

static void image_close(demo_source *source) {
  image_source *s = (image_source *)source;
  free(s->rgb);
  free(s);
}

static const demo_source_ops image_ops = {image_next, image_close};

int demo_source_open_image(const char *path, int w, int h, demo_source **out, demo_err *err) {
  *out = NULL;
  int iw = 0, ih = 0;
  uint8_t *pixels = NULL;
  if (demo_image_load(path, w > 0 ? IMAGE_MAX_DECODE_SIDE : DEMO_MAX_SIDE, &iw, &ih, &pixels,
                      err) != 0)
    return -1;
  char what[300];
  if (w <= 0 || h <= 0) {
    w = iw;
    h = ih;
    snprintf(what, sizeof what, "image %.256s", path);
  } else {
    snprintf(what, sizeof what, "the size asked for image %.240s", path);
  }
  if (demo_check_frame_size(what, w, h, err) != 0) {
    free(pixels);
    return -1;
  }
  image_source *s = calloc(1, sizeof *s);
  if (!s) {
    free(pixels);
    return demo_fail(err, "out of memory");
  }
  if (w == iw && h == ih) {
    s->rgb = pixels;
  } else {
    s->rgb = malloc((size_t)w * (size_t)h * 3);
    if (!s->rgb || demo_image_resize(pixels, iw, ih, s->rgb, w, h, err) != 0) {
      if (!s->rgb)
        demo_fail(err, "out of memory");
      free(pixels);
      free(s->rgb);
      free(s);
      return -1;
    }
    free(pixels);
  }
  s->base.ops = &image_ops;
  s->base.width = w;
  s->base.height = h;
  const char *name = strrchr(path, '/');
  if (w == iw && h == ih)
    snprintf(s->base.description, sizeof s->base.description, "image %.100s (%dx%d)",
             name ? name + 1 : path, w, h);
  else
    snprintf(s->base.description, sizeof s->base.description, "image %.80s (%dx%d -> %dx%d)",
             name ? name + 1 : path, iw, ih, w, h);
  *out = &s->base;
  return 0;
}
