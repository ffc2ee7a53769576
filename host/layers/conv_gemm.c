/* Convolution, 1x1 kernels as GEMM (kernels_cl/conv_gemm.cl): stride 1, no padding, any groups;
 * the pixels of a plane form one flat row, so small feature maps still fill 16-pixel tiles.
 * Weights packed in blocks of CB output channels. One program per channel block. */
#include "layers/conv_internal.h"

#include <stdio.h>

#define GEMM_FILE "conv_gemm.cl"
#define TILE 16
/* Local memory for the staged 16-pixel panel: all channels when they fit (staged once per
 * work-item), else chunks restaged per channel block. */
#define STAGE_MAX (128 * 1024)
#define STAGE_CHUNK (16 * 1024)
#define ITEMS_PER_UNIT 64

enum { K_PACK = 0, K_GEMM = 1 };

/* Output channels per work-item, fixed by the init. */
static int channel_block(const oclnn_conv *conv) { return conv->tile; }

static int blocks_of(const oclnn_conv *conv) {
  int cb = channel_block(conv);
  return (conv->group_out + cb - 1) / cb;
}

static void gemm_options(char *buf, size_t size, int cb) { snprintf(buf, size, "-DCB=%d", cb); }

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
  char options[32];
  conv->tile = oclnn__conv_channel_block(conv, conv->group_out);
  gemm_options(options, sizeof options, channel_block(conv));
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

static oclnn_status gemm_run(oclnn_conv *conv, const char *fn, const oclnn__conv_call *call) {
  oclnn_context *ctx = conv->ctx;
  const cl_ulong pixels = (cl_ulong)call->out[0] * (cl_ulong)call->out[1] * (cl_ulong)call->out[2];
  const cl_ulong local_mem = ctx->local_mem_size;
  const cl_uint units = ctx->compute_units;
  size_t budget = STAGE_MAX;
  if (local_mem && local_mem / 2 < budget)
    budget = (size_t)local_mem / 2;
  if (budget < STAGE_CHUNK)
    budget = STAGE_CHUNK;
  const size_t one = TILE * sizeof(float);
  cl_int chunk =
      (size_t)conv->group_in * one <= budget ? conv->group_in : (cl_int)(STAGE_CHUNK / one);
  const size_t stage_bytes = (size_t)chunk * one;
  const cl_int blocks = blocks_of(conv);
  const size_t tiles = (size_t)((pixels + TILE - 1) / TILE);
  const size_t base = tiles * (size_t)call->batch * (size_t)conv->groups;
  cl_int per_run = blocks;
  while (per_run > 1 &&
         base * (size_t)((blocks + per_run - 1) / per_run) < ITEMS_PER_UNIT * (units ? units : 1))
    per_run = (per_run + 1) / 2;
  const size_t runs = (size_t)((blocks + per_run - 1) / per_run);

  cl_kernel k = conv->kernel_obj[K_GEMM];
  cl_int err = CL_SUCCESS;
  cl_uint arg = 0;
  OCLNN__CONV_ARG(k, arg, err, call->input);
  OCLNN__CONV_ARG(k, arg, err, call->input_offset);
  OCLNN__CONV_ARG(k, arg, err, call->weight);
  OCLNN__CONV_ARG(k, arg, err, call->weight_offset);
  OCLNN__CONV_ARG(k, arg, err, call->bias);
  OCLNN__CONV_ARG(k, arg, err, call->bias_offset);
  OCLNN__CONV_ARG(k, arg, err, call->has_bias);
  OCLNN__CONV_ARG(k, arg, err, call->output);
  OCLNN__CONV_ARG(k, arg, err, call->output_offset);
  OCLNN__CONV_ARG(k, arg, err, conv->channels_in);
  OCLNN__CONV_ARG(k, arg, err, conv->channels_out);
  OCLNN__CONV_ARG(k, arg, err, conv->group_in);
  OCLNN__CONV_ARG(k, arg, err, conv->group_out);
  OCLNN__CONV_ARG(k, arg, err, blocks);
  OCLNN__CONV_ARG(k, arg, err, per_run);
  OCLNN__CONV_ARG(k, arg, err, conv->groups);
  OCLNN__CONV_ARG(k, arg, err, pixels);
  OCLNN__CONV_ARG(k, arg, err, chunk);
  if (err == CL_SUCCESS)
    err = clSetKernelArg(k, arg++, stage_bytes, NULL);
  if (err != CL_SUCCESS)
    return oclnn__fail_cl(ctx, fn, "clSetKernelArg (conv_gemm)", err);
  size_t global[2] = {tiles, (size_t)call->batch * (size_t)conv->groups * runs};
  size_t local[2] = {1, 1};
  return oclnn__enqueue(ctx, fn, conv->program[0], k, 2, global, local);
}

void oclnn__conv_gemm_variants(oclnn__variant_fn each, void *user) {
  static const int blocks[] = {1, 2, 4, 6, 8, 16};
  for (size_t b = 0; b < sizeof blocks / sizeof blocks[0]; b++) {
    char options[32];
    gemm_options(options, sizeof options, blocks[b]);
    each(user, GEMM_FILE, options);
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
