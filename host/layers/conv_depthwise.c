/* Convolution, depthwise algorithm (kernels_cl/conv_depthwise.cl): groups == in_channels, any
 * channel multiplier. One work-item: one output channel x 16 pixels x 4 or 8 rows, from an input
 * window staged in local memory with the padding mode applied. Weights are read as given. One
 * program per (kernel width, stride class, rows). */
#include "layers/conv_internal.h"

#include <stdio.h>

#define DEPTHWISE_FILE "conv_depthwise.cl"
#define DEPTHWISE_MAX_KW 16
#define DEPTHWISE_MAX_KH 7
#define TILE 16
#define MAX_ROWS 8
#define STAGE_LIMIT (32 * 1024)
/* Output columns per work-item (fewer where the staged window would not fit STAGE_LIMIT). */
#define SEGMENT 256
/* Row blocks per work-item at most, and work-items per compute unit at least (when there are
 * enough blocks). */
#define MAX_BLOCKS_PER_ITEM 8
#define ITEMS_PER_UNIT 64

static int stride_class(int stride) { return stride <= 2 ? stride : 0; }

static void depthwise_options(char *buf, size_t size, int kw, int sw, int rows, int kh) {
  snprintf(buf, size, "-DKW=%d -DSW=%d -DROWS=%d -DKH=%d", kw, sw, rows, kh);
}

/* The kernel height built in (the kernel then loads each staged row once for all the taps that
 * read it), where stride and dilation along H are 1 and the unrolled loop stays small; else 0
 * (the height is a run-time argument). */
static int built_in_height(const oclnn_conv *conv) {
  return conv->stride[1] == 1 && conv->dilation[1] == 1 && conv->kernel[1] <= DEPTHWISE_MAX_KH
             ? conv->kernel[1]
             : 0;
}

/* Output rows per block, each a float16 accumulator chain of the work-item:
 * OCLNN_CONV_DEPTHWISE_ROWS (1..8; a test and tuning switch, read when the layer is created), else
 * 8 where the device has 32 vector registers (8 chains keep both FMA pipes busy through their
 * latency: 18 % less CPU time per call than 4, docs/conv.md), else 4 (AVX2's 16 registers). */
static int choose_rows(const oclnn_conv *conv) {
  int forced = oclnn__conv_env_int("OCLNN_CONV_DEPTHWISE_ROWS", MAX_ROWS);
  return forced ? forced : oclnn__conv_wide_vectors(conv) ? 8 : 4;
}

/* Staged rows per plane for `blocks` consecutive blocks of `rows` output rows. */
static int64_t window_rows(const oclnn_conv *conv, int rows, int64_t blocks) {
  return (int64_t)(blocks * rows - 1) * conv->stride[1] +
         (int64_t)(conv->kernel[1] - 1) * conv->dilation[1] + 1;
}

/* Staged columns for a segment of `segment` output columns (plus up to 15 before it). */
static int64_t span_of(const oclnn_conv *conv, int64_t segment) {
  return (segment + TILE - 1) * conv->stride[2] +
         (int64_t)(conv->kernel[2] - 1) * conv->dilation[2] + 1;
}

/* Staged rows are TILE-float aligned in pitch and shifted by up to TILE - 1 floats so that the
 * staged columns share the input's alignment. */
static int64_t stage_floats(const oclnn_conv *conv, int rows, int64_t segment, int64_t blocks) {
  const int64_t pitch = (span_of(conv, segment) + TILE - 1) / TILE * TILE;
  return (int64_t)conv->kernel[0] * window_rows(conv, rows, blocks) * pitch + TILE;
}

static bool depthwise_supports(const oclnn_conv *conv) {
  if (conv->groups != conv->channels_in || conv->kernel[2] > DEPTHWISE_MAX_KW ||
      oclnn__conv_upsampled(conv))
    return false;
  return stage_floats(conv, choose_rows(conv), 1, 1) * (int64_t)sizeof(float) <= STAGE_LIMIT;
}

static oclnn_status depthwise_init(oclnn_conv *conv, const char *fn) {
  char options[64];
  conv->tile = choose_rows(conv);
  depthwise_options(options, sizeof options, conv->kernel[2], stride_class(conv->stride[2]),
                    conv->tile, built_in_height(conv));
  oclnn_status status =
      oclnn__program_get(conv->ctx, fn, DEPTHWISE_FILE, options, &conv->program[0]);
  if (status == OCLNN_SUCCESS)
    status = oclnn__kernel_create(conv->ctx, fn, conv->program[0], "conv_depthwise",
                                  &conv->kernel_obj[0]);
  return status;
}

static oclnn_status depthwise_run(oclnn_conv *conv, const char *fn, const oclnn__conv_call *call) {
  oclnn_context *ctx = conv->ctx;
  cl_int segment = SEGMENT;
  const int rows = conv->tile;
  while (segment > 1 && stage_floats(conv, rows, segment, 1) * (int64_t)sizeof(float) > STAGE_LIMIT)
    segment /= 2;
  const cl_int row_blocks = (call->out[1] + rows - 1) / rows;
  /* Several row blocks per work-item while that leaves enough work-items to fill the device:
   * PoCL runs each one-item work-group through its scheduler, which cost 10-15 % of the time
   * at one block per item (docs/conv.md). */
  const size_t total_blocks = (size_t)call->out[0] * (size_t)row_blocks;
  const size_t segments = ((size_t)call->out[2] + (size_t)segment - 1) / (size_t)segment;
  const size_t planes = (size_t)call->batch * (size_t)conv->channels_out;
  size_t units = conv->ctx->compute_units ? conv->ctx->compute_units : 1;
  cl_int blocks_per_item = 1;
  while (blocks_per_item < MAX_BLOCKS_PER_ITEM &&
         segments * planes * (total_blocks / (size_t)(2 * blocks_per_item)) >=
             ITEMS_PER_UNIT * units)
    blocks_per_item *= 2;
  /* An item stages its blocks' window once (per output plane), within STAGE_LIMIT. */
  while (blocks_per_item > 1 &&
         stage_floats(conv, rows, segment, blocks_per_item) * (int64_t)sizeof(float) > STAGE_LIMIT)
    blocks_per_item /= 2;
  const cl_int wrows = (cl_int)window_rows(conv, rows, blocks_per_item);
  const cl_int mode = (cl_int)conv->desc.padding_mode, multiplier = conv->group_out;
  const size_t stage_bytes =
      (size_t)stage_floats(conv, rows, segment, blocks_per_item) * sizeof(float);
  cl_kernel k = conv->kernel_obj[0];
  cl_int err = CL_SUCCESS;
  cl_uint arg = 0;
  err = oclnn__conv_set_call_args(k, &arg, call);
  OCLNN__CONV_ARG(k, arg, err, conv->channels_in);
  OCLNN__CONV_ARG(k, arg, err, conv->channels_out);
  OCLNN__CONV_ARG(k, arg, err, multiplier);
  for (int i = 0; i < 3; i++)
    OCLNN__CONV_ARG(k, arg, err, call->in[i]);
  for (int i = 0; i < 3; i++)
    OCLNN__CONV_ARG(k, arg, err, call->out[i]);
  OCLNN__CONV_ARG(k, arg, err, conv->kernel[0]);
  OCLNN__CONV_ARG(k, arg, err, conv->kernel[1]);
  for (int i = 0; i < 3; i++)
    OCLNN__CONV_ARG(k, arg, err, conv->stride[i]);
  for (int i = 0; i < 3; i++)
    OCLNN__CONV_ARG(k, arg, err, conv->dilation[i]);
  for (int i = 0; i < 3; i++)
    OCLNN__CONV_ARG(k, arg, err, conv->pad_before[i]);
  OCLNN__CONV_ARG(k, arg, err, conv->pad_after[2]);
  OCLNN__CONV_ARG(k, arg, err, mode);
  OCLNN__CONV_ARG(k, arg, err, row_blocks);
  OCLNN__CONV_ARG(k, arg, err, wrows);
  OCLNN__CONV_ARG(k, arg, err, segment);
  OCLNN__CONV_ARG(k, arg, err, blocks_per_item);
  if (err == CL_SUCCESS)
    err = clSetKernelArg(k, arg++, stage_bytes, NULL);
  if (err != CL_SUCCESS)
    return oclnn__fail_cl(ctx, fn, "clSetKernelArg (conv_depthwise)", err);
  size_t global[3] = {segments,
                      (total_blocks + (size_t)blocks_per_item - 1) / (size_t)blocks_per_item,
                      (size_t)call->batch * (size_t)conv->channels_out};
  size_t local[3] = {1, 1, 1};
  return oclnn__enqueue(ctx, fn, conv->program[0], k, 3, global, local);
}

void oclnn__conv_depthwise_variants(oclnn__variant_fn each, void *user) {
  static const int widths[] = {1, 3, 5, 7, 9};
  for (size_t i = 0; i < sizeof widths / sizeof widths[0]; i++)
    for (int sw = 0; sw <= 2; sw++)
      for (int rows = 4; rows <= MAX_ROWS; rows += 4)
        for (int kh = 0; kh <= widths[i] && kh <= DEPTHWISE_MAX_KH; kh += widths[i]) {
          char options[64];
          depthwise_options(options, sizeof options, widths[i], sw, rows, kh);
          each(user, DEPTHWISE_FILE, options);
        }
}

const oclnn__conv_ops oclnn__conv_depthwise_ops = {
    .algo = OCLNN_CONV_ALGO_DEPTHWISE,
    .supports = depthwise_supports,
    .init = depthwise_init,
    .packed_floats = NULL,
    .pack = NULL,
    .scratch_floats = NULL,
    .run = depthwise_run,
};
