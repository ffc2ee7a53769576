/* Small helpers shared by the demo's parts: error messages, a clock, frame-size limits. */
#ifndef OCLNN_DEMO_UTIL_H
#define OCLNN_DEMO_UTIL_H

#include <stddef.h>

/* The reason a demo call failed, as one human-readable line (no trailing newline). */
typedef struct demo_err {
  char msg[512];
} demo_err;

/* Formats the message into err (when err is not NULL) and returns -1, so a failing path can
 * `return demo_fail(err, ...)`. */
int demo_fail(demo_err *err, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/* Monotonic time in milliseconds. */
double demo_now_ms(void);

/* Frame sizes the effects support: every side in [DEMO_MIN_SIDE, DEMO_MAX_SIDE]. The lower bound
 * keeps every effect's layers valid (reflect padding needs pads smaller than the shrunk frame,
 * convolution kernels up to 31 taps need that many pixels); the upper one keeps the 6-channel
 * intermediates of a frame under ~400 MB. */
#define DEMO_MIN_SIDE 32
#define DEMO_MAX_SIDE 4096

/* 0 when w x h is supported, else -1 with a message naming `what` and the limits. */
int demo_check_frame_size(const char *what, int w, int h, demo_err *err);

/* Parses "WxH" (e.g. "640x480") into *w, *h; -1 on anything else. */
int demo_parse_size(const char *text, int *w, int *h);

#endif
