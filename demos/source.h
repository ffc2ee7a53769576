/* Frame sources behind one small interface: a V4L2 camera (through libv4l2, which converts any
 * camera format to RGB24), an image file (PNG, JPEG: what stb_image reads) and a generated
 * animated scene. Every source delivers frames of one fixed size, 8-bit RGB, row-major,
 * width * 3 bytes per row. */
#ifndef OCLNN_DEMO_SOURCE_H
#define OCLNN_DEMO_SOURCE_H

#include "demo_util.h"

#include <stdint.h>

typedef struct demo_frame {
  int width, height;
  const uint8_t *rgb; /* owned by the source; valid until its next call */
} demo_frame;

typedef struct demo_source demo_source;

typedef struct demo_source_ops {
  /* Fills *frame with the frame for time t (seconds; the generated scene animates with it,
   * the camera ignores it). */
  int (*next)(demo_source *source, double t, demo_frame *frame, demo_err *err);
  void (*close)(demo_source *source);
} demo_source_ops;

struct demo_source {
  const demo_source_ops *ops;
  int width, height;
  char description[160]; /* e.g. "camera /dev/video0 (640x480)" */
};

/* The generated scene at w x h (the default source when no camera is found). */
int demo_source_open_synthetic(int w, int h, demo_source **out, demo_err *err);

/* An image file, at its own size (w == 0) or resized to w x h (bilinear). Unreadable, corrupt
 * and unsupported-size images fail with a message that names the file and the reason. */
int demo_source_open_image(const char *path, int w, int h, demo_source **out, demo_err *err);

/* A V4L2 capture device (e.g. "/dev/video0") asked for w x h RGB24; the driver may pick another
 * size, which must be supported. Fails with a message when the device is missing, is not a
 * capture device, or (when built without libv4l2) always. */
int demo_source_open_camera(const char *device, int w, int h, demo_source **out, demo_err *err);

/* 1 when the demo was built with camera support (libv4l2). */
int demo_camera_supported(void);

int demo_source_next(demo_source *source, double t, demo_frame *frame, demo_err *err);

/* NULL is a no-op. */
void demo_source_close(demo_source *source);

#endif
