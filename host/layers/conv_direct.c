/* Convolution, register-tiled direct algorithm (kernels_cl/conv_direct.cl): weights packed in
 * blocks of CB output channels; one work-item computes CB channels x 16 or 32 pixels of a row
 * (tile_pixels_for); the work-group (all channel blocks of one tile) stages the input window in
 * local memory, applying the padding mode there. One program per (kernel width, stride class,
 * channel block, tile width). */
#include "layers/conv_internal.h"

#include <stdio.h>

#define DIRECT_FILE "conv_direct.cl"
#define DIRECT_MAX_KW 16
#define MAX_TILE 32
/* Local memory for the staged input window: all of a group's channels when they fit
 * STAGE_MAX (staged once per work-item), else chunks of STAGE_CHUNK (staged per channel block).
 * Never more than half the device's local memory; 32 KiB is what every OpenCL 1.2 device has. */
#define STAGE_MAX (128 * 1024)
#define STAGE_CHUNK (16 * 1024)
#define STAGE_LIMIT (32 * 1024)
/* Work-items per compute unit below which channel blocks are split into several runs. */
#define ITEMS_PER_UNIT 64

/* Kernels in conv->kernel_obj; K_NARROW (the 16-pixel build, in conv->program[1]) is made at
 * the first call whose rows 32-pixel tiles fit badly when the layer's tile is 32. */
enum { K_PACK = 0, K_CONV = 1, K_NARROW = 2 };

static int stride_class(int stride) { return stride <= 2 ? stride : 0; }

/* Output channels per work-item, fixed by direct_init. */
static int channel_block(const oclnn_conv *conv) { return conv->tile; }

/* Output pixels per work-item: OCLNN_CONV_DIRECT_PIXELS (16 or 32; a test and tuning switch, read
 * when a layer is created), else 32 on 16-lane devices (AVX-512: 8 channels x 2 pixel vectors
 * load 10 vectors per 16 FMAs where 16 x 1 load 17; 5-15 % less CPU time on every direct layer
 * of the benchmarks, docs/conv.md) and 16 elsewhere (AVX2 has the registers for neither). Rows
 * that 32-pixel tiles fit badly run a 16-pixel build of the same channel block (direct_run). */
static size_t stage_budget(const oclnn_conv *conv, size_t *units);

/* Bytes of one input channel's staged window for tiles of `pixels`. */
static int64_t window_bytes(const oclnn_conv *conv, int pixels) {
  return (int64_t)conv->kernel[0] * conv->kernel[1] *
         ((int64_t)(pixels - 1) * conv->stride[2] +
          (int64_t)(conv->kernel[2] - 1) * conv->dilation[2] + 1) *
         (int64_t)sizeof(float);
}

static int tile_pixels_for(const oclnn_conv *conv) {
  const int64_t one = window_bytes(conv, 32);
  if (one > STAGE_LIMIT)
    return 16; /* direct_supports' limit on one staged channel */
  const int forced = oclnn__conv_env_int("OCLNN_CONV_DIRECT_PIXELS", MAX_TILE);
  if (forced == 16 || forced == 32)
    return forced;
  if (!oclnn__conv_wide_vectors(conv))
    return 16;
  /* Where the group's channels' 32-pixel windows do not fit the stage at once, they would be
   * staged again for every channel block, twice as many blocks of 8: 1.5-2x the CPU time of 16
   * x 16 tiles on 256- and 384-channel stride-2 layers (docs/conv.md). */
  size_t units = 1;
  return one * conv->group_in <= (int64_t)stage_budget(conv, &units) ? 32 : 16;
}

static int blocks_of(const oclnn_conv *conv) {
  int cb = channel_block(conv);
  return (conv->group_out + cb - 1) / cb;
}

static int span_of(const oclnn_conv *conv, int pixels) {
  return (pixels - 1) * conv->stride[2] + (conv->kernel[2] - 1) * conv->dilation[2] + 1;
}

static void direct_options(char *buf, size_t size, int kw, int sw, int cb, int pixels) {
  snprintf(buf, size, "-DKW=%d -DSW=%d -DCB=%d -DTV=%d", kw, sw, cb, pixels / 16);
}

/* The 16-pixel build for rows where 32-pixel tiles would compute many more pixels than the row
 * has (direct_run); it reads the same packed weights (their layout depends on the channel block
 * only). */
static oclnn_status direct_narrow(oclnn_conv *conv, const char *fn, cl_kernel *kernel) {
  if (!conv->kernel_obj[K_NARROW]) {
    char options[64];
    direct_options(options, sizeof options, conv->kernel[2], stride_class(conv->stride[2]),
                   channel_block(conv), 16);
    oclnn_status status =
        oclnn__program_get(conv->ctx, fn, DIRECT_FILE, options, &conv->program[1]);
    if (status == OCLNN_SUCCESS)
      status = oclnn__kernel_create(conv->ctx, fn, conv->program[1], "conv_direct",
                                    &conv->kernel_obj[K_NARROW]);
    if (status != OCLNN_SUCCESS)
      return status;
  }
  *kernel = conv->kernel_obj[K_NARROW];
  return OCLNN_SUCCESS;
}

static bool direct_supports(const oclnn_conv *conv) {
  if (conv->kernel[2] > DIRECT_MAX_KW || oclnn__conv_upsampled(conv))
    return false;
  /* One staged input channel must fit the local memory limit (16-pixel tiles; 32 only where
   * it fits, tile_pixels_for). */
  const int64_t one = window_bytes(conv, 16);
  return one <= STAGE_LIMIT;
}

static oclnn_status direct_init(oclnn_conv *conv, const char *fn) {
  conv->tile = oclnn__conv_channel_block(conv, conv->group_out);
  conv->tile_pixels = tile_pixels_for(conv);
  /* Two pixel vectors hold at most 8 x 2 accumulators (of the 32 vector registers). */
  if (conv->tile_pixels == 32 && conv->tile > 8)
    conv->tile = 8;
  char options[64];
  direct_options(options, sizeof options, conv->kernel[2], stride_class(conv->stride[2]),
                 channel_block(conv), conv->tile_pixels);
  oclnn_status status = oclnn__program_get(conv->ctx, fn, DIRECT_FILE, options, &conv->program[0]);
  static const char *const names[] = {"conv_direct_pack", "conv_direct"};
  for (int i = 0; i < 2 && status == OCLNN_SUCCESS; i++)
    status = oclnn__kernel_create(conv->ctx, fn, conv->program[0], names[i], &conv->kernel_obj[i]);
  return status;
}

static size_t direct_packed_floats(const oclnn_conv *conv) {
  return (size_t)conv->groups * (size_t)blocks_of(conv) * (size_t)conv->group_in *
         (size_t)conv->kernel[0] * (size_t)conv->kernel[1] * (size_t)conv->kernel[2] *
         (size_t)channel_block(conv);
}

static oclnn_status direct_pack(oclnn_conv *conv, const char *fn, cl_mem src, cl_ulong src_offset,
                                cl_mem dst, cl_ulong dst_offset) {
  cl_kernel k = conv->kernel_obj[K_PACK];
  cl_ulong total = direct_packed_floats(conv);
  cl_int taps = conv->kernel[0] * conv->kernel[1] * conv->kernel[2];
  cl_int blocks = blocks_of(conv);
  cl_int err = CL_SUCCESS;
  cl_uint arg = 0;
  OCLNN__CONV_ARG(k, arg, err, src);
  OCLNN__CONV_ARG(k, arg, err, src_offset);
  OCLNN__CONV_ARG(k, arg, err, dst);
  OCLNN__CONV_ARG(k, arg, err, dst_offset);
  OCLNN__CONV_ARG(k, arg, err, total);
  OCLNN__CONV_ARG(k, arg, err, conv->group_in);
  OCLNN__CONV_ARG(k, arg, err, conv->group_out);
  OCLNN__CONV_ARG(k, arg, err, taps);
  OCLNN__CONV_ARG(k, arg, err, blocks);
  if (err != CL_SUCCESS)
    return oclnn__fail_cl(conv->ctx, fn, "clSetKernelArg (conv_direct_pack)", err);
  size_t local = 64, global = oclnn__conv_round_up((size_t)total, local);
  return oclnn__enqueue(conv->ctx, fn, conv->program[0], k, 1, &global, &local);
}

/* Local memory for one work-item's staged window (at most half the device's, at least
 * STAGE_LIMIT), and the device's compute units (queried once by the context). */
static size_t stage_budget(const oclnn_conv *conv, size_t *units) {
  const size_t local_mem =
      conv->ctx->local_mem_size ? (size_t)conv->ctx->local_mem_size : STAGE_LIMIT;
  *units = conv->ctx->compute_units ? conv->ctx->compute_units : 1;
  size_t budget = STAGE_MAX < local_mem / 2 ? STAGE_MAX : local_mem / 2;
  return budget < STAGE_LIMIT ? STAGE_LIMIT : budget;
}

static oclnn_status direct_run(oclnn_conv *conv, const char *fn, const oclnn__conv_call *call) {
  oclnn_context *ctx = conv->ctx;
  const int64_t rows64 = (int64_t)call->out[0] * call->out[1];
  if (rows64 > INT32_MAX)
    return oclnn__fail(ctx, OCLNN_ERR_OVERFLOW,
                       "%s: %lld output rows are too many for the direct algorithm", fn,
                       (long long)rows64);
  const int rows_k = conv->kernel[0] * conv->kernel[1];
  cl_kernel k = conv->kernel_obj[K_CONV];
  size_t units = 1;
  const size_t budget = stage_budget(conv, &units);
  int pixels = conv->tile_pixels;
  /* Rows whose 32-pixel tiles would compute over 8/7 of the lanes 16-pixel tiles do (rows of at
   * most 16 pixels, or e.g. 40 or 48) run the 16-pixel build: the wider tile saves ~12 % per
   * computed lane, not more (docs/conv.md). */
  const int64_t lanes32 = ((int64_t)call->out[2] + 31) / 32 * 32;
  const int64_t lanes16 = ((int64_t)call->out[2] + 15) / 16 * 16;
  if (pixels > 16 && lanes32 * 7 > lanes16 * 8) {
    oclnn_status status = direct_narrow(conv, fn, &k);
    if (status != OCLNN_SUCCESS)
      return status;
    pixels = 16;
  }
  const cl_int span = span_of(conv, pixels);
  const size_t one = (size_t)rows_k * (size_t)span * sizeof(float); /* one channel */
  cl_int chunk =
      (cl_int)((size_t)conv->group_in * one <= budget ? (size_t)conv->group_in : STAGE_CHUNK / one);
  if (chunk < 1)
    chunk = 1;
  const size_t stage_bytes = (size_t)chunk * one;
  const cl_int blocks = blocks_of(conv), mode = (cl_int)conv->desc.padding_mode;
  /* Each work-item runs through per_run channel blocks, reusing its staged window; split the
   * blocks into more runs while there are too few work-items to fill the device. */
  const size_t tiles = ((size_t)call->out[2] + (size_t)pixels - 1) / (size_t)pixels;
  const size_t base = tiles * (size_t)rows64 * (size_t)call->batch * (size_t)conv->groups;
  const cl_int per_run = oclnn__conv_blocks_per_run(blocks, base, ITEMS_PER_UNIT * units);
  const size_t runs = (size_t)((blocks + per_run - 1) / per_run);
  cl_int err = CL_SUCCESS;
  cl_uint arg = 0;
  err = oclnn__conv_set_call_args(k, &arg, call);
  OCLNN__CONV_ARG(k, arg, err, conv->channels_in);
  OCLNN__CONV_ARG(k, arg, err, conv->channels_out);
  OCLNN__CONV_ARG(k, arg, err, conv->group_in);
  OCLNN__CONV_ARG(k, arg, err, conv->group_out);
  OCLNN__CONV_ARG(k, arg, err, blocks);
  OCLNN__CONV_ARG(k, arg, err, per_run);
  OCLNN__CONV_ARG(k, arg, err, conv->groups);
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
  OCLNN__CONV_ARG(k, arg, err, chunk);
  OCLNN__CONV_ARG(k, arg, err, span);
  if (err == CL_SUCCESS)
    err = clSetKernelArg(k, arg++, stage_bytes, NULL);
  if (err != CL_SUCCESS)
    return oclnn__fail_cl(ctx, fn, "clSetKernelArg (conv_direct)", err);
  size_t global[3] = {tiles, (size_t)rows64, (size_t)call->batch * (size_t)conv->groups * runs};
  size_t local[3] = {1, 1, 1};
  return oclnn__enqueue(ctx, fn, conv->program[pixels == conv->tile_pixels ? 0 : 1], k, 3, global,
                        local);
}

void oclnn__conv_direct_variants(oclnn__variant_fn each, void *user) {
  /* Kernel widths of common layers, every stride class, the channel blocks channel_block
   * picks, both tile widths. */
  static const int widths[] = {1, 2, 3, 4, 5, 7, 9, 11};
  static const int blocks[] = {1, 2, 4, 6, 8, 16};
  for (size_t i = 0; i < sizeof widths / sizeof widths[0]; i++)
    for (int sw = 0; sw <= 2; sw++)
      for (size_t b = 0; b < sizeof blocks / sizeof blocks[0]; b++) {
        char options[64];
        direct_options(options, sizeof options, widths[i], sw, blocks[b], 16);
        each(user, DIRECT_FILE, options);
        /* The 32-pixel tiles of 16-lane devices, whose blocks are 1, 2, 4 or 8. */
        if (blocks[b] <= 8 && blocks[b] != 6) {
          direct_options(options, sizeof options, widths[i], sw, blocks[b], 32);
          each(user, DIRECT_FILE, options);
        }
      }
}

const oclnn__conv_ops oclnn__conv_direct_ops = {
    .algo = OCLNN_CONV_ALGO_DIRECT,
    .supports = direct_supports,
    .init = direct_init,
    .packed_floats = direct_packed_floats,
    .pack = direct_pack,
    .scratch_floats = NULL,
    .run = direct_run,
};
