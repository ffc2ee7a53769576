/* Convolution, 1x1 kernels as GEMM (kernels_cl/conv_gemm.cl): stride 1, no padding, any groups;
 * the pixels of a plane form one flat row, so small feature maps still fill 16-pixel tiles.
 * Weights packed in blocks of CB output channels. One program per channel block. */
#include "layers/conv_internal.h"

#include <stdio.h>

#define GEMM_FILE "conv_gemm.cl"
/* The W_TRANSPOSED build's wide tile (16-lane devices, maps of at least WIDE_MIN_PIXELS): 8
 * channels x 32 pixels, each broadcast weight feeding two FMAs. Not for the packed forward build,
 * whose layer-wide packing would tie small maps to 8-channel blocks too (docs/conv.md). */
#define WIDE_BLOCK 8
#define WIDE_PIXELS 32
#define WIDE_MIN_PIXELS 2048
/* Local memory for the staged 16-pixel panel: all channels when they fit (staged once per
 * work-item), else chunks restaged per channel block. */
#define STAGE_MAX (128 * 1024)
#define STAGE_CHUNK (16 * 1024)
#define ITEMS_PER_UNIT 64

enum { K_PACK = 0, K_GEMM = 1, K_TRANSPOSED = 2, K_TRANSPOSED_WIDE = 3 };

/* Output channels per work-item, fixed by the init. */
static int channel_block(const oclnn_conv *conv) { return conv->tile; }

static int blocks_of(const oclnn_conv *conv) {
  int cb = channel_block(conv);
  return (conv->group_out + cb - 1) / cb;
}

static void gemm_options(char *buf, size_t size, int cb, bool transposed, int pixels) {
  snprintf(buf, size, "-DCB=%d%s%s", cb, transposed ? " -DW_TRANSPOSED=1" : "",
           pixels == 32 ? " -DTV=2" : "");
}

static bool gemm_supports(const oclnn_conv *conv) {
  if (oclnn__conv_upsampled(conv))
    return false;
  for (int i = 0; i < 3; i++)
    if (conv->kernel[i] != 1 || conv->stride[i] != 1 || conv->pad_before[i] != 0 ||
        conv->pad_after[i] != 0)
      return false;
  return true;
}

static oclnn_status gemm_init(oclnn_conv *conv, const char *fn) {
  char options[48];
  conv->tile = oclnn__conv_channel_block(conv, conv->group_out);
  gemm_options(options, sizeof options, channel_block(conv), false, 16);
  oclnn_status status = oclnn__program_get(conv->ctx, fn, GEMM_FILE, options, &conv->program[0]);
  static const char *const names[] = {"conv_gemm_pack", "conv_gemm"};
  for (int i = 0; i < 2 && status == OCLNN_SUCCESS; i++)
    status = oclnn__kernel_create(conv->ctx, fn, conv->program[0], names[i], &conv->kernel_obj[i]);
  return status;
}

static size_t gemm_packed_floats(const oclnn_conv *conv) {
  return (size_t)conv->groups * (size_t)blocks_of(conv) * (size_t)conv->group_in *
         (size_t)channel_block(conv);
}

static oclnn_status gemm_pack(oclnn_conv *conv, const char *fn, cl_mem src, cl_ulong src_offset,
                              cl_mem dst, cl_ulong dst_offset) {
  cl_kernel k = conv->kernel_obj[K_PACK];
  cl_ulong total = gemm_packed_floats(conv);
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
  OCLNN__CONV_ARG(k, arg, err, blocks);
  if (err != CL_SUCCESS)
    return oclnn__fail_cl(conv->ctx, fn, "clSetKernelArg (conv_gemm_pack)", err);
  size_t local = 64, global = oclnn__conv_round_up((size_t)total, local);
  return oclnn__enqueue(conv->ctx, fn, conv->program[0], k, 1, &global, &local);
}

/* A W_TRANSPOSED build (the backward's), made at its first call: the layer's block at 16
 * pixels (kernel K_TRANSPOSED, program 1), or the wide tile (K_TRANSPOSED_WIDE, program 2). */
static oclnn_status gemm_transposed(oclnn_conv *conv, const char *fn, bool wide) {
  const int slot = wide ? K_TRANSPOSED_WIDE : K_TRANSPOSED, program = wide ? 2 : 1;
  if (conv->kernel_obj[slot])
    return OCLNN_SUCCESS;
  char options[64];
  gemm_options(options, sizeof options, wide ? WIDE_BLOCK : channel_block(conv), true,
               wide ? WIDE_PIXELS : 16);
  oclnn_status status =
      oclnn__program_get(conv->ctx, fn, GEMM_FILE, options, &conv->program[program]);
  if (status == OCLNN_SUCCESS)
    status = oclnn__kernel_create(conv->ctx, fn, conv->program[program], "conv_gemm",
                                  &conv->kernel_obj[slot]);
  return status;
}

static oclnn_status gemm_run(oclnn_conv *conv, const char *fn, const oclnn__conv_call *call) {
  oclnn_context *ctx = conv->ctx;
  const cl_ulong pixels = (cl_ulong)call->out[0] * (cl_ulong)call->out[1] * (cl_ulong)call->out[2];
  /* The build: the layer's (packed weights), or a W_TRANSPOSED one, wide where it can run (its
   * block must divide the channels: the weights are read in place) and pays;
   * OCLNN_CONV_GEMM_PIXELS (16 or 32, a test switch read per call) forces the choice. */
  const int forced = oclnn__conv_env_int("OCLNN_CONV_GEMM_PIXELS", WIDE_PIXELS);
  const bool wide_pays =
      forced ? forced == WIDE_PIXELS : oclnn__conv_wide_vectors(conv) && pixels >= WIDE_MIN_PIXELS;
  const bool wide = call->weight_transposed && wide_pays && conv->group_out % WIDE_BLOCK == 0;
  const int cb = wide ? WIDE_BLOCK : channel_block(conv);
  const cl_ulong tile = wide ? WIDE_PIXELS : 16;
  const int slot = wide ? K_TRANSPOSED_WIDE : call->weight_transposed ? K_TRANSPOSED : K_GEMM;
  const int program = wide ? 2 : call->weight_transposed ? 1 : 0;
  if (call->weight_transposed) {
    oclnn_status status = gemm_transposed(conv, fn, wide);
    if (status != OCLNN_SUCCESS)
      return status;
  }
  cl_kernel k = conv->kernel_obj[slot];
  const cl_ulong local_mem = ctx->local_mem_size;
  const cl_uint units = ctx->compute_units;
  size_t budget = STAGE_MAX;
  if (local_mem && local_mem / 2 < budget)
    budget = (size_t)local_mem / 2;
  if (budget < STAGE_CHUNK)
    budget = STAGE_CHUNK;
  const size_t one = (size_t)tile * sizeof(float);
  cl_int chunk =
      (size_t)conv->group_in * one <= budget ? conv->group_in : (cl_int)(STAGE_CHUNK / one);
  const size_t stage_bytes = (size_t)chunk * one;
  const cl_int blocks = (conv->group_out + cb - 1) / cb;
  const size_t tiles = (size_t)((pixels + tile - 1) / tile);
  const size_t base = tiles * (size_t)call->batch * (size_t)conv->groups;
  const cl_int per_run =
      oclnn__conv_blocks_per_run(blocks, base, ITEMS_PER_UNIT * (units ? units : 1));
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
  OCLNN__CONV_ARG(k, arg, err, pixels);
  OCLNN__CONV_ARG(k, arg, err, chunk);
  /* Weight strides (used by the W_TRANSPOSED build): per group, per channel block, per input
   * channel. */
  const cl_ulong w_group = call->weight_transposed
                               ? (cl_ulong)conv->group_in * (cl_ulong)conv->group_out
                               : (cl_ulong)blocks * (cl_ulong)conv->group_in * (cl_ulong)cb;
  const cl_ulong w_block =
      call->weight_transposed ? (cl_ulong)cb : (cl_ulong)conv->group_in * (cl_ulong)cb;
  const cl_int w_row = call->weight_transposed ? conv->group_out : cb;
  OCLNN__CONV_ARG(k, arg, err, w_group);
  OCLNN__CONV_ARG(k, arg, err, w_block);
  OCLNN__CONV_ARG(k, arg, err, w_row);
  if (err == CL_SUCCESS)
    err = clSetKernelArg(k, arg++, stage_bytes, NULL);
  if (err != CL_SUCCESS)
    return oclnn__fail_cl(ctx, fn, "clSetKernelArg (conv_gemm)", err);
  size_t global[2] = {tiles, (size_t)call->batch * (size_t)conv->groups * runs};
  size_t local[2] = {1, 1};
  return oclnn__enqueue(ctx, fn, conv->program[program], k, 2, global, local);
}

void oclnn__conv_gemm_variants(oclnn__variant_fn each, void *user) {
  static const int blocks[] = {1, 2, 4, 6, 8, 16};
  for (size_t b = 0; b < sizeof blocks / sizeof blocks[0]; b++)
    for (int transposed = 0; transposed < 2; transposed++) {
      char options[64];
      gemm_options(options, sizeof options, blocks[b], transposed, 16);
      each(user, GEMM_FILE, options);
      if (transposed && blocks[b] == WIDE_BLOCK) {
        gemm_options(options, sizeof options, blocks[b], true, WIDE_PIXELS);
        each(user, GEMM_FILE, options);
      }
    }
}

const oclnn__conv_ops oclnn__conv_gemm_ops = {
    .algo = OCLNN_CONV_ALGO_GEMM,
    .supports = gemm_supports,
    .init = gemm_init,
    .packed_floats = gemm_packed_floats,
    .pack = gemm_pack,
    .scratch_floats = NULL,
    .run = gemm_run,
};
