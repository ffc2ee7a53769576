/* One frame through an effect on the OpenCL device:
 *
 *   capture   (the source; timed by the caller)
 *   upload    8-bit RGB -> float planar (1, 3, H, W) on the host, then a non-blocking
 *             clEnqueueWriteBuffer into the frame tensor
 *   layers    the effect's chain, a marker event after each layer
 *   download  a blocking clEnqueueReadBuffer of the output tensor: the frame's one and only
 *             synchronisation; then float -> 8-bit RGB on the host (rounded, clamped to 0..255)
 *   present   (the window or the PNG writer; timed by the caller)
 *
 * Device times come from OpenCL profiling events read after that synchronisation (the
 * context's own queue has profiling enabled): the write, each marker, the read. */
#ifndef OCLNN_DEMO_PIPELINE_H
#define OCLNN_DEMO_PIPELINE_H

#include "chain.h"
#include "effects.h"
#include "source.h"

#include <oclnn.h>
#include <stdint.h>

/* Milliseconds spent in one frame's stages. */
typedef struct demo_stage_times {
  double capture, upload, layers, download, present, total;
  double upload_host, upload_device;     /* conversion; device write */
  double download_device, download_host; /* device read; conversion */
  int step_count;
  double step_ms[DEMO_CHAIN_MAX_STEPS]; /* device time of each layer */
  int profiled;                         /* 0 when the queue gave no profiling information */
} demo_stage_times;

typedef struct demo_pipeline {
  oclnn_context *ctx; /* not owned */
  int width, height;  /* input frames */
  oclnn_tensor frame; /* (1, 3, H, W), slot 0 of every chain */
  float *host_in;     /* the last frame as uploaded: planar floats */
  float *host_out;    /* the last result as downloaded: planar floats (1, 3, out_h, out_w) */
  uint8_t *out_rgb;   /* the last result as 8-bit RGB */
  int out_w, out_h;
  size_t out_capacity; /* floats host_out can hold */
  uint8_t *composite;  /* input | output, for side-by-side views */
  size_t composite_capacity;
  demo_effect_env env;
  int effect, param; /* -1 before the first demo_pipeline_set_effect */
  demo_chain chain;
} demo_pipeline;

/* A pipeline for w x h frames on ctx (which must outlive it). env: the styles (copied). */
int demo_pipeline_create(oclnn_context *ctx, int w, int h, const demo_effect_env *env,
                         demo_pipeline **out, demo_err *err);

/* NULL is a no-op. */
void demo_pipeline_free(demo_pipeline *pipeline);

/* Builds and realizes the effect's chain (the previous one is released). The parameter step is
 * clamped into range. On failure the pipeline keeps no chain and the next process fails. */
int demo_pipeline_set_effect(demo_pipeline *pipeline, int effect, int param, demo_err *err);

/* Runs one frame (it must have the pipeline's size) through the current effect: fills
 * host_in, host_out and out_rgb, and the upload/layers/download fields of *times (may be NULL). */
int demo_pipeline_process(demo_pipeline *pipeline, const demo_frame *frame, demo_stage_times *times,
                          demo_err *err);

/* The view shown or written: the result, or the input and the result side by side (8 grey
 * pixels apart, both top-aligned on black). Valid until the next call. */
const uint8_t *demo_pipeline_view(demo_pipeline *pipeline, const demo_frame *frame,
                                  int side_by_side, int *w, int *h);

/* Space between the two halves of a side-by-side view. */
#define DEMO_SIDE_GAP 8

/* Float planar (3, h, w) -> 8-bit RGB rows: round to nearest, clamp to 0..255 (NaN -> 0). The
 * conversion every frame gets; exposed for the tests. */
void demo_planar_to_rgb(const float *planar, int w, int h, uint8_t *rgb);

/* 8-bit RGB rows -> float planar (3, h, w) holding 0..255. */
void demo_rgb_to_planar(const uint8_t *rgb, int w, int h, float *planar);

#endif
