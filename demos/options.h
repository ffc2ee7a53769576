/* oclnn-demo's command line (parsed here so the tests can check it) and --help. */
#ifndef OCLNN_DEMO_OPTIONS_H
#define OCLNN_DEMO_OPTIONS_H

#include "demo_util.h"

#include <stdio.h>

typedef enum demo_source_kind {
  DEMO_SOURCE_AUTO = 0, /* /dev/video0 when it opens, else the generated scene */
  DEMO_SOURCE_CAMERA,
  DEMO_SOURCE_IMAGE,
  DEMO_SOURCE_SYNTHETIC
} demo_source_kind;

#define DEMO_DEFAULT_CAMERA "/dev/video0"
#define DEMO_DEFAULT_WIDTH 640
#define DEMO_DEFAULT_HEIGHT 480
#define DEMO_DEFAULT_HEADLESS_FRAMES 30
/* A window run without a display falls back to headless: every effect (unless --effect says
 * which), this many frames each (unless --frames says), side by side with the input. */
#define DEMO_FALLBACK_FRAMES 10
#define DEMO_DEFAULT_BENCHMARK_FRAMES 100
#define DEMO_BENCHMARK_WARMUP 5

typedef struct demo_options {
  demo_source_kind source;
  const char *camera;      /* --camera DEVICE */
  const char *input;       /* --input FILE */
  const char *style_image; /* --style-image FILE */
  int width, height;       /* --size WxH (0: the source's own for images, else 640x480) */
  int effect;              /* --effect NAME: index; -1 is "all" (headless runs only) */
  int effect_given;        /* --effect was on the command line */
  int param;               /* --param N: parameter step, -1: the effect's default */
  int headless, benchmark, side_by_side, list_effects, help;
  int frames;             /* --frames N; 0: unlimited (window) or the default (headless) */
  const char *output_dir; /* --output DIR */
  const char *screenshot; /* --screenshot FILE: the window's content after the last frame */
  const char *device;     /* --device STR: OpenCL device (as OCLNN_DEVICE) */
  const char *keys;       /* --keys LIST: key presses to replay, one per frame (window runs) */
  int model_count;        /* --model PATH (repeatable): .onnx files or directories of them */
  const char *models[16];
} demo_options;

/* Parses argv into *o (which it initialises). -1 with a message on a usage error. */
int demo_options_parse(int argc, char **argv, demo_options *o, demo_err *err);

void demo_print_help(FILE *out);

/* Effects with their parameter steps (for --list-effects). */
void demo_print_effects(FILE *out, const char *style_image);

#endif
