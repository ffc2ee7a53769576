/* What the window and headless runs share: opening the device, the source and the styles;
 * benchmark statistics; and the headless run itself. */
#ifndef OCLNN_DEMO_APP_H
#define OCLNN_DEMO_APP_H

#include "effects.h"
#include "options.h"
#include "pipeline.h"
#include "source.h"

#include <oclnn.h>
#include <stdio.h>

typedef struct demo_session {
  oclnn_context *ctx;
  demo_source *source;
  demo_effect_env env;
  demo_pipeline *pipeline;
  char device_name[128];
} demo_session;

/* Opens the OpenCL context, the frame source (notes about fallbacks go to `log`), the styles and
 * a pipeline for the source's frame size. On failure everything is closed again. */
int demo_session_open(const demo_options *o, FILE *log, demo_session *s, demo_err *err);

void demo_session_close(demo_session *s);

/* The parameter step an effect starts at: --param when given (clamped), else its default. */
int demo_start_param(const demo_options *o, int effect, const demo_effect_env *env);

/* Per-stage statistics over frames. */
typedef struct demo_bench {
  int frames;
  demo_stage_times sum;
  double *totals; /* per frame, for the median */
  int capacity;
} demo_bench;

void demo_bench_reset(demo_bench *b);
void demo_bench_add(demo_bench *b, const demo_stage_times *t);
void demo_bench_free(demo_bench *b);
/* Median frame time in ms (0 without frames). */
double demo_bench_median_total(const demo_bench *b);
void demo_bench_print_header(FILE *out);
/* One table row: the effect, fps and mean milliseconds per stage, then each layer's. */
void demo_bench_print_row(FILE *out, const char *effect, const demo_bench *b,
                          const demo_chain *chain);

/* --headless (and --benchmark without a window): runs the pipeline over the frames, writes PNG
 * files to o->output_dir when set, prints the benchmark table when asked and a summary line.
 * `default_output` is used when o->output_dir is NULL (may be NULL: write nothing). */
int demo_run_headless(const demo_options *o, const char *default_output, FILE *out, demo_err *err);

/* "DIR/NAME_00012.png" into buf. */
void demo_frame_path(char *buf, size_t size, const char *dir, const char *name, int index);

#endif
