#include "demo_util.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

int demo_fail(demo_err *err, const char *fmt, ...) {
  if (err) {
    va_list args;
    va_start(args, fmt);
    vsnprintf(err->msg, sizeof err->msg, fmt, args);
    va_end(args);
  }
  return -1;
}

double demo_now_ms(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (double)ts.tv_sec * 1e3 + (double)ts.tv_nsec * 1e-6;
}

int demo_check_frame_size(const char *what, int w, int h, demo_err *err) {
  if (w < DEMO_MIN_SIDE || h < DEMO_MIN_SIDE || w > DEMO_MAX_SIDE || h > DEMO_MAX_SIDE)
    return demo_fail(err,
                     "%s is %dx%d pixels: unsupported size; the demo takes frames from %dx%d to "
                     "%dx%d (--size WxH resizes an image)",
                     what, w, h, DEMO_MIN_SIDE, DEMO_MIN_SIDE, DEMO_MAX_SIDE, DEMO_MAX_SIDE);
  return 0;
}

int demo_parse_size(const char *text, int *w, int *h) {
  char *end = NULL;
  long a = strtol(text, &end, 10);
  if (end == text || (*end != 'x' && *end != 'X'))
    return -1;
  const char *rest = end + 1;
  long b = strtol(rest, &end, 10);
  if (end == rest || *end != '\0' || a < 1 || b < 1 || a > 100000 || b > 100000)
    return -1;
  *w = (int)a;
  *h = (int)b;
  return 0;
}
