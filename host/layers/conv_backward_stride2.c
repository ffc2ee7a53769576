/* grad_input of 1d and 2d convolutions with W stride 2 (and H stride 1 or 2) in one pass
 * (kernels_cl/conv_bw_stride2.cl): every work-item computes all stride phases of a 2 x 32 (or 1 x
 * 32) block of grad_input for a block of input channels from one staged grad_output window, and
 * stores the block in place. It replaces, for
 * these layers, conv_backward.c's per-phase helper layers with their phase buffer and interleave
 * pass (docs/conv.md "Backward"). */
#include "layers/conv_internal.h"

#include <stdio.h>

#define S2_FILE "conv_bw_stride2.cl"
#define S2_MAX_TAPS 6
#define S2_Q_TILE 16
/* Local memory for the staged window: all of a group's grad_output channels when they fit. */
#define S2_STAGE_MAX (128 * 1024)
#define S2_STAGE_CHUNK (16 * 1024)
#define S2_ITEMS_PER_UNIT 64

enum { S2_PACK = 0, S2_INPUT = 1 };

/* W: stride 2, 2..6 taps; H: stride 2 with 2..6 taps or stride 1 with 1..6 (a 1d layer is one
 * row with one tap); dilation 1, zeros padding, no upsampling. */
bool oclnn__conv_bw_stride2_takes(const oclnn_conv *conv) {
  if (conv->desc.dims > 2 || oclnn__conv_upsampled(conv) ||
      conv->desc.padding_mode != OCLNN_CONV_ZEROS)
    return false;
  const int sy = conv->stride[1];
  return conv->stride[2] == 2 && conv->dilation[2] == 1 && conv->kernel[2] >= 2 &&
         conv->kernel[2] <= S2_MAX_TAPS && (sy == 1 || sy == 2) && conv->dilation[1] == 1 &&
         conv->kernel[1] >= sy && conv->kernel[1] <= S2_MAX_TAPS;
}

/* q rows per work-item: OCLNN_CONV_BW_S2_ROWS (1 or 2, a test and tuning switch read when the
 * program is made), else 2 for H stride 2 on 16-lane devices: each broadcast weight then feeds
 * two FMAs and 3 staged grad_output rows serve 2 q rows (k3), 12 % less CPU time in the kernel
 * than one row at 4 channels (docs/conv.md); else 1. */
static int s2_rows(const oclnn_conv *conv) {
  const int forced = oclnn__conv_env_int("OCLNN_CONV_BW_S2_ROWS", 2);
  if (forced)
    return forced;
  return conv->stride[1] == 2 && oclnn__conv_wide_vectors(conv) ? 2 : 1;
}

/* Input channels per work-item (2 SY RY CB float16 accumulators): OCLNN_CONV_BW_S2_BLOCK (1..8,
 * a test and tuning switch read when the program is made), else by the register file: 16-lane
 * devices (32 vector registers) take 16 accumulators with two rows (2 channels for H stride 2,
 * 4 for 1); with one row, the larger of two blocks where it pads the last block no more: 4 or 6
 * with four phases (H stride 2), 6 or 8 with two; 8-lane ones (16 registers, a float16 taking
 * two) 1, or 2 with two phases and one row. */
static int s2_block(const oclnn_conv *conv, int rows) {
  const int forced = oclnn__conv_env_int("OCLNN_CONV_BW_S2_BLOCK", 8);
  if (forced)
    return forced;
  const int channels = conv->group_in, two_phases = conv->stride[1] == 1;
  if (!oclnn__conv_wide_vectors(conv))
    return two_phases && rows == 1 && channels > 1 ? 2 : 1;
  if (rows == 2) {
    const int block = two_phases ? 4 : 2;
    return channels < block ? channels : block;
  }
  const int small = two_phases ? 6 : 4, large = two_phases ? 8 : 6;
  if (channels <= small)
    return channels;
  const int waste_large = (large - channels % large) % large,
            waste_small = (small - channels % small) % small;
  return waste_small < waste_large ? small : large;
}

static void s2_options(char *buf, size_t size, int sy, int kh, int kw, int cb, int rows) {
  snprintf(buf, size, "-DSY=%d -DKH=%d -DKW=%d -DCB=%d -DRY=%d", sy, kh, kw, cb, rows);
}

void oclnn__conv_bw_stride2_variants(oclnn__variant_fn each, void *user) {
  /* The common 2d k3 s2 and k4 s2 layers (two rows at 1 and 2 channels, one row at 1), and 1d
   * k3 s2 and k4 s2, at the blocks s2_block picks. */
  static const int blocks[] = {1, 2, 1}, rows[] = {2, 2, 1}, blocks_1d[] = {2, 6, 8};
  for (int k = 3; k <= 4; k++)
    for (size_t b = 0; b < 3; b++) {
      char options[64];
      s2_options(options, sizeof options, 2, k, k, blocks[b], rows[b]);
      each(user, S2_FILE, options);
      s2_options(options, sizeof options, 1, 1, k, blocks_1d[b], 1);
      each(user, S2_FILE, options);
    }
}

void oclnn__conv_bw_stride2_free(oclnn_conv *conv) {
  for (int i = 0; i < 2; i++)
    if (conv->backward_s2_kernel[i])
      clReleaseKernel(conv->backward_s2_kernel[i]);
  if (conv->backward_s2_weight)
    clReleaseMemObject(conv->backward_s2_weight);
}

static int s2_blocks(const oclnn_conv *conv) {
  return (conv->group_in + conv->backward_s2_block - 1) / conv->backward_s2_block;
}

/* Input channels per output channel in the padded weight copy (whole blocks). */
static int s2_padded_in(const oclnn_conv *conv) {
  return s2_blocks(conv) * conv->backward_s2_block;
}

static oclnn_status s2_init(oclnn_conv *conv, const char *fn) {
  if (conv->backward_s2_kernel[S2_INPUT])
    return OCLNN_SUCCESS;
  conv->backward_s2_rows = s2_rows(conv);
  conv->backward_s2_block = s2_block(conv, conv->backward_s2_rows);
  char options[64];
  s2_options(options, sizeof options, conv->stride[1], conv->kernel[1], conv->kernel[2],
             conv->backward_s2_block, conv->backward_s2_rows);
  oclnn_status status =
      oclnn__program_get(conv->ctx, fn, S2_FILE, options, &conv->backward_s2_program);
  static const char *const names[] = {"conv_bw_s2_pack", "conv_bw_s2_input"};
  for (int i = 0; i < 2 && status == OCLNN_SUCCESS; i++)
    if (!conv->backward_s2_kernel[i])
      status = oclnn__kernel_create(conv->ctx, fn, conv->backward_s2_program, names[i],
                                    &conv->backward_s2_kernel[i]);
  /* The padded weight copy, where the blocks do not divide the group's input channels. */
  if (status != OCLNN_SUCCESS || conv->backward_s2_weight || s2_padded_in(conv) == conv->group_in)
    return status;
  const size_t floats = (size_t)conv->channels_out * (size_t)s2_padded_in(conv) *
                        (size_t)conv->kernel[1] * (size_t)conv->kernel[2];
  cl_int err = CL_SUCCESS;
  conv->backward_s2_weight =
      clCreateBuffer(conv->ctx->cl_ctx, CL_MEM_READ_WRITE, floats * sizeof(float), NULL, &err);
  if (err != CL_SUCCESS) {
    conv->backward_s2_weight = NULL;
    return oclnn__fail_cl(conv->ctx, fn, "clCreateBuffer (stride-2 padded weights)", err);
  }
  return OCLNN_SUCCESS;
}

oclnn_status oclnn__conv_bw_stride2_input(oclnn_conv *conv, const char *fn, int64_t batch,
                                          const int *in, const int *out, const oclnn_tensor *weight,
                                          const oclnn_tensor *grad_output,
                                          const oclnn_tensor *grad_input) {
  oclnn_context *ctx = conv->ctx;
  oclnn_status status = s2_init(conv, fn);
  if (status != OCLNN_SUCCESS)
    return status;
  const cl_int blocks = s2_blocks(conv), padded_in = s2_padded_in(conv);

  /* The weights as they are, or their padded copy (s2_init made the buffer). */
  cl_mem w_buffer = weight->buffer;
  cl_ulong w_offset = weight->offset;
  cl_int err = CL_SUCCESS;
  cl_uint arg = 0;
  cl_kernel k = conv->backward_s2_kernel[S2_PACK];
  if (padded_in != conv->group_in) {
    const cl_ulong total = (cl_ulong)conv->channels_out * (cl_ulong)padded_in *
                           (cl_ulong)conv->kernel[1] * (cl_ulong)conv->kernel[2];
    OCLNN__CONV_ARG(k, arg, err, weight->buffer);
    OCLNN__CONV_ARG(k, arg, err, w_offset);
    OCLNN__CONV_ARG(k, arg, err, conv->backward_s2_weight);
    OCLNN__CONV_ARG(k, arg, err, total);
    OCLNN__CONV_ARG(k, arg, err, conv->group_in);
    OCLNN__CONV_ARG(k, arg, err, padded_in);
    if (err != CL_SUCCESS)
      return oclnn__fail_cl(ctx, fn, "clSetKernelArg (conv_bw_s2_pack)", err);
    size_t pack_local = 64, pack_global = oclnn__conv_round_up((size_t)total, pack_local);
    status = oclnn__enqueue(ctx, fn, conv->backward_s2_program, k, 1, &pack_global, &pack_local);
    if (status != OCLNN_SUCCESS)
      return status;
    w_buffer = conv->backward_s2_weight;
    w_offset = 0;
  }

  /* Rows of q (the padded row over the H stride sy) over the real input rows: ph / sy to
   * (H - 1 + ph) / sy, ry per work-item; column tiles of 2 * S2_Q_TILE input columns. */
  const int ph = conv->pad_before[1], pw = conv->pad_before[2], sy = conv->stride[1];
  const cl_int qy_lo = ph / sy;
  const int ry = conv->backward_s2_rows;
  const size_t row_items = (size_t)((in[1] - 1 + ph) / sy - qy_lo + ry) / (size_t)ry;
  const size_t tiles = (size_t)((in[2] + 2 * S2_Q_TILE - 1) / (2 * S2_Q_TILE));

  /* Staged rows: a q row's taps, plus one per further q row. */
  const int rows = (conv->kernel[1] + sy - 1) / sy + ry - 1, tx = (conv->kernel[2] + 1) / 2;
  const size_t one = (size_t)rows * (size_t)(S2_Q_TILE + tx) * sizeof(float);
  size_t budget = S2_STAGE_MAX;
  if (ctx->local_mem_size && ctx->local_mem_size / 2 < budget)
    budget = (size_t)ctx->local_mem_size / 2;
  if (budget < S2_STAGE_CHUNK)
    budget = S2_STAGE_CHUNK;
  const cl_int chunk =
      (size_t)conv->group_out * one <= budget ? conv->group_out : (cl_int)(S2_STAGE_CHUNK / one);
  const size_t stage_bytes = (size_t)chunk * one;

  /* Fewer channel blocks per work-item until the items fill the device. */
  const size_t base = tiles * row_items * (size_t)batch * (size_t)conv->groups;
  const cl_uint units = ctx->compute_units ? ctx->compute_units : 1;
  const cl_int per_run =
      oclnn__conv_blocks_per_run(blocks, base, (size_t)S2_ITEMS_PER_UNIT * units);
  const size_t runs = (size_t)((blocks + per_run - 1) / per_run);

  k = conv->backward_s2_kernel[S2_INPUT];
  const cl_ulong go_offset = grad_output->offset, gi_offset = grad_input->offset;
  arg = 0;
  OCLNN__CONV_ARG(k, arg, err, grad_output->buffer);
  OCLNN__CONV_ARG(k, arg, err, go_offset);
  OCLNN__CONV_ARG(k, arg, err, w_buffer);
  OCLNN__CONV_ARG(k, arg, err, w_offset);
  OCLNN__CONV_ARG(k, arg, err, padded_in);
  OCLNN__CONV_ARG(k, arg, err, grad_input->buffer);
  OCLNN__CONV_ARG(k, arg, err, gi_offset);
  OCLNN__CONV_ARG(k, arg, err, conv->channels_in);
  OCLNN__CONV_ARG(k, arg, err, conv->channels_out);
  OCLNN__CONV_ARG(k, arg, err, conv->group_in);
  OCLNN__CONV_ARG(k, arg, err, conv->group_out);
  OCLNN__CONV_ARG(k, arg, err, blocks);
  OCLNN__CONV_ARG(k, arg, err, per_run);
  OCLNN__CONV_ARG(k, arg, err, conv->groups);
  OCLNN__CONV_ARG(k, arg, err, in[1]);
  OCLNN__CONV_ARG(k, arg, err, in[2]);
  OCLNN__CONV_ARG(k, arg, err, out[1]);
  OCLNN__CONV_ARG(k, arg, err, out[2]);
  OCLNN__CONV_ARG(k, arg, err, ph);
  OCLNN__CONV_ARG(k, arg, err, pw);
  OCLNN__CONV_ARG(k, arg, err, qy_lo);
  OCLNN__CONV_ARG(k, arg, err, chunk);
  if (err == CL_SUCCESS)
    err = clSetKernelArg(k, arg++, stage_bytes, NULL);
  if (err != CL_SUCCESS)
    return oclnn__fail_cl(ctx, fn, "clSetKernelArg (conv_bw_s2_input)", err);
  size_t global[3] = {tiles, row_items, (size_t)batch * (size_t)conv->groups * runs};
  size_t local[3] = {1, 1, 1};
  return oclnn__enqueue(ctx, fn, conv->backward_s2_program, k, 3, global, local);
}
