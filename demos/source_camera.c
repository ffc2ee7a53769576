/* A V4L2 camera through libv4l2. SDL2 has no camera API; libv4l2 converts whatever the camera
 * sends (YUYV, MJPEG, ...) to RGB24 and emulates read() on drivers that only stream. Built
 * without libv4l2 (OCLNN_DEMO_HAVE_V4L2 undefined), opening a camera fails with a message. */
#include "source.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#ifdef OCLNN_DEMO_HAVE_V4L2
#include <errno.h>
#include <fcntl.h>
#include <libv4l2.h>
#include <linux/videodev2.h>
#include <sys/ioctl.h>
#include <sys/select.h>
#include <sys/stat.h>
#include <unistd.h>

/* How long a read may wait for the next frame before the camera counts as stalled. */
#define CAMERA_TIMEOUT_S 3

typedef struct camera_source {
  demo_source base;
  int fd;
  char device[128];
  size_t bytes_per_line, image_size;
  uint8_t *raw; /* as read: image_size bytes */
  uint8_t *rgb; /* tightly packed rows */
} camera_source;

static int xioctl(int fd, unsigned long request, void *arg) {
  int r;
  do {
    r = v4l2_ioctl(fd, request, arg);
  } while (r == -1 && errno == EINTR);
  return r;
}

static int camera_next(demo_source *source, double t, demo_frame *frame, demo_err *err) {
  (void)t;
  camera_source *s = (camera_source *)source;
  size_t got = 0;
  while (got < s->image_size) {
    fd_set fds;
    FD_ZERO(&fds);
    FD_SET(s->fd, &fds);
    struct timeval tv = {CAMERA_TIMEOUT_S, 0};
    int ready = select(s->fd + 1, &fds, NULL, NULL, &tv);
    if (ready == -1 && errno == EINTR)
      continue;
    if (ready <= 0)
      return demo_fail(err, "camera %s: no frame within %d s%s%s", s->device, CAMERA_TIMEOUT_S,
                       ready < 0 ? ": " : "", ready < 0 ? strerror(errno) : "");
    ssize_t n = v4l2_read(s->fd, s->raw + got, s->image_size - got);
    if (n < 0) {
      if (errno == EAGAIN || errno == EINTR)
        continue;
      return demo_fail(err, "camera %s: read failed: %s", s->device, strerror(errno));
    }
    if (n == 0)
      return demo_fail(err, "camera %s: the device stopped delivering frames", s->device);
    got += (size_t)n;
  }
  const size_t row = (size_t)source->width * 3;
  for (int y = 0; y < source->height; y++)
    memcpy(s->rgb + (size_t)y * row, s->raw + (size_t)y * s->bytes_per_line, row);
  frame->width = source->width;
  frame->height = source->height;
  frame->rgb = s->rgb;
  return 0;
}

static void camera_close(demo_source *source) {
  camera_source *s = (camera_source *)source;
  if (s->fd >= 0)
    v4l2_close(s->fd);
  free(s->raw);
  free(s->rgb);
  free(s);
}

static const demo_source_ops camera_ops = {camera_next, camera_close};

int demo_camera_supported(void) { return 1; }

int demo_source_open_camera(const char *device, int w, int h, demo_source **out, demo_err *err) {
  *out = NULL;
  struct stat st;
  if (stat(device, &st) != 0)
    return demo_fail(err,
                     "cannot open camera %s: %s (no such video device; list cameras with "
                     "`ls /dev/video*`)",
                     device, strerror(errno));
  if (!S_ISCHR(st.st_mode))
    return demo_fail(err, "cannot open camera %s: not a device file", device);
  /* Ask the device what it is before libv4l2 does: libv4l2 prints its own complaints. */
  int probe = open(device, O_RDWR | O_NONBLOCK);
  if (probe < 0)
    return demo_fail(err, "cannot open camera %s: %s", device, strerror(errno));
  struct v4l2_capability cap;
  memset(&cap, 0, sizeof cap);
  int queried = ioctl(probe, VIDIOC_QUERYCAP, &cap);
  int query_errno = errno;
  close(probe);
  if (queried != 0)
    return demo_fail(err, "cannot use %s as a camera: not a V4L2 device (%s)", device,
                     strerror(query_errno));
  int fd = v4l2_open(device, O_RDWR | O_NONBLOCK, 0);
  if (fd < 0)
    return demo_fail(err, "cannot open camera %s: %s", device, strerror(errno));
  camera_source *s = calloc(1, sizeof *s);
  if (!s) {
    v4l2_close(fd);
    return demo_fail(err, "out of memory");
  }
  s->fd = fd;
  snprintf(s->device, sizeof s->device, "%s", device);
  s->base.ops = &camera_ops;

  memset(&cap, 0, sizeof cap);
  if (xioctl(fd, VIDIOC_QUERYCAP, &cap) != 0) {
    demo_fail(err, "cannot use %s as a camera: not a V4L2 device (%s)", device, strerror(errno));
    camera_close(&s->base);
    return -1;
  }
  unsigned caps = (cap.capabilities & V4L2_CAP_DEVICE_CAPS) ? cap.device_caps : cap.capabilities;
  if (!(caps & V4L2_CAP_VIDEO_CAPTURE) || !(caps & (V4L2_CAP_READWRITE | V4L2_CAP_STREAMING))) {
    demo_fail(err, "cannot use %s (%.32s) as a camera: not a video capture device", device,
              (const char *)cap.card);
    camera_close(&s->base);
    return -1;
  }
  struct v4l2_format fmt;
  memset(&fmt, 0, sizeof fmt);
  fmt.type = V4L2_BUF_TYPE_VIDEO_CAPTURE;
  fmt.fmt.pix.width = (unsigned)w;
  fmt.fmt.pix.height = (unsigned)h;
  fmt.fmt.pix.pixelformat = V4L2_PIX_FMT_RGB24;
  fmt.fmt.pix.field = V4L2_FIELD_NONE;
  if (xioctl(fd, VIDIOC_S_FMT, &fmt) != 0 || fmt.fmt.pix.pixelformat != V4L2_PIX_FMT_RGB24) {
    demo_fail(err, "camera %s: cannot get RGB24 frames of %dx%d: %s", device, w, h,
              strerror(errno));
    camera_close(&s->base);
    return -1;
  }
  s->base.width = (int)fmt.fmt.pix.width;
  s->base.height = (int)fmt.fmt.pix.height;
  char what[200];
  snprintf(what, sizeof what, "camera %.128s's frame", device);
  if (demo_check_frame_size(what, s->base.width, s->base.height, err) != 0) {
    camera_close(&s->base);
    return -1;
  }
  s->bytes_per_line = fmt.fmt.pix.bytesperline ? fmt.fmt.pix.bytesperline : (size_t)w * 3;
  if (s->bytes_per_line < (size_t)s->base.width * 3)
    s->bytes_per_line = (size_t)s->base.width * 3;
  s->image_size = s->bytes_per_line * (size_t)s->base.height;
  s->raw = malloc(s->image_size);
  s->rgb = malloc((size_t)s->base.width * (size_t)s->base.height * 3);
  if (!s->raw || !s->rgb) {
    camera_close(&s->base);
    return demo_fail(err, "out of memory");
  }
  snprintf(s->base.description, sizeof s->base.description, "camera %.100s %.24s (%dx%d)", device,
           (const char *)cap.card, s->base.width, s->base.height);
  *out = &s->base;
  return 0;
}

#else /* no libv4l2 */

int demo_camera_supported(void) { return 0; }

int demo_source_open_camera(const char *device, int w, int h, demo_source **out, demo_err *err) {
  (void)w;
  (void)h;
  *out = NULL;
  return demo_fail(err,
                   "cannot open camera %s: this oclnn-demo was built without camera support "
                   "(install libv4l-dev and rebuild)",
                   device);
}

#endif
