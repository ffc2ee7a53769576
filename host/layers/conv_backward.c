/* Convolution backward (oclnn_conv_backward): checks the call as the forward does, then enqueues
 * the gradients (kernels_cl/conv_backward.cl; docs/conv.md "Backward" has the design and its
 * measurements). grad_input runs as a forward convolution on the forward's algorithms where it
 * is one (stride 1), else as one stride-1 forward convolution per stride phase interleaved onto
 * the input, else as columns of a 1x1 convolution folded by col2im, else as a plain gather;
 * grad_weight on a tiled kernel over a staged (padded, upsampled) copy of the input; grad_bias as a
 * per-channel sum. Every gradient element is written by one work-item, so the positions that
 * reflect and circular padding and input_upsample fold onto one input element need no atomics and
 * results do not vary between runs. */
#include "layers/conv_internal.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define BACKWARD_FILE "conv_backward.cl"
#define BACKWARD_OPTIONS ""
/* The tiled grad_weight kernel for layers with one output channel per group (depthwise): the
 * default blocks of 4 output channels would be 3/4 idle; and the outer one for at most 32 output
 * channels per group (blocks of 32 channels x 12 columns instead of 64 x 6). */
#define BACKWARD_NARROW_OPTIONS "-DWKB=1 -DWCB=9 -DOKV=2"
#define BACKWARD_LOCAL 64

enum {
  KERNEL_INPUT = 0,
  KERNEL_WEIGHT = 1,
  KERNEL_WEIGHT_TILED = 2,
  KERNEL_BIAS = 3,
  KERNEL_FLIP = 4,
  KERNEL_TRANSPOSE = 5,
  KERNEL_COL2IM = 6,
  KERNEL_WEIGHT_SUM = 7,
  KERNEL_STAGE = 8,
  KERNEL_PHASE_WEIGHTS = 9,
  KERNEL_PHASE_INTERLEAVE = 10,
  KERNEL_GRAD_TRANSPOSE = 11,
  KERNEL_WEIGHT_OUTER = 12,
  KERNELS = 13
};
static const char *const KERNEL_NAMES[KERNELS] = {"conv_bw_input",
                                                  "conv_bw_weight",
                                                  "conv_bw_weight_tiled",
                                                  "conv_bw_bias",
                                                  "conv_bw_flip",
                                                  "conv_bw_transpose",
                                                  "conv_bw_col2im",
                                                  "conv_bw_weight_sum",
                                                  "conv_bw_stage",
                                                  "conv_bw_phase_weights",
                                                  "conv_bw_phase_interleave",
                                                  "conv_bw_grad_transpose",
                                                  "conv_bw_weight_outer"};
/* conv_bw_weight_tiled's block: output channels x weight columns per work-item (the default
 * build, and the narrow one). */
#define WEIGHT_KB 4
#define WEIGHT_CB 6
#define WEIGHT_NARROW_CB 9
/* Below this output width most of the tiled kernel's 16 lanes would idle. */
#define WEIGHT_TILED_MIN_WIDTH 12
/* Output positions per chunk of the tiled kernel (rounded to whole rows): enough work per
 * work-item to amortise its setup and its 24 horizontal sums (4096 ran the kernel 10-20 % faster
 * than 1024 on the 128to128 k3, conv1d and 64to64 k3 cases, two interleaved runs, load 3). */
#define WEIGHT_CHUNK_POSITIONS 4096
/* conv_bw_weight_outer's block: output channels (4 float16 vectors) x weight columns per
 * work-item; it runs by default where a group has at least OUTER_MIN_GROUP_OUT output channels
 * (the channels of a block past group_out are computed on zeros and dropped). Break-even against
 * the tiled kernel, CPU time per backward on 1 x C x 128 x 128, C to C k3, three alternating runs
 * (load 4.1-4.3): C = 48 outer 6.55-6.81 vs tiled 6.87-7.00 ms, C = 40 5.35-6.22 vs 4.74-5.88,
 * C = 32 4.0-4.5 vs 3.1-3.9. */
#define OUTER_KB 64
#define OUTER_CB 6
/* The narrow build's block (OKV=2; outer_block says where it replaces OUTER_KB); for groups of
 * at most OUTER_HALF_KB output channels, by default from OUTER_HALF_MIN_GROUP_OUT of them on rows
 * the tiled kernel takes. CPU time per
 * backward, tiled vs outer with 32-channel blocks, on 1 x C x 128 x 128, C to C k3, three
 * alternating runs (load 3.9-4.2): C = 32 3.07-3.17 vs 2.45-2.66 ms, C = 24 1.77-1.94 vs
 * 1.83-1.93, C = 16 1.09-1.14 vs 1.41-1.48; 3to32 k9 reflect on 256 x 256 18.4-19.8 vs
 * 18.0-18.4. */
#define OUTER_HALF_KB 32
#define OUTER_HALF_CB 12
#define OUTER_HALF_MIN_GROUP_OUT 28
#define OUTER_MIN_GROUP_OUT 48
/* Where output rows are too narrow for the tiled kernel, the outer kernel replaces the
 * one-element-per-work-item kernel from this many output channels per group. CPU time per
 * backward, element vs outer, batch 8 of 8x8 maps, three alternating runs each (load 3.4-4.7):
 * 16to16 k3 2.0 vs 0.18 ms, 32to32 k3 7.9-8.0 vs 0.35-0.36, 64to256 groups 64 (4 per group)
 * 2.70-2.73 vs 2.32-2.65, depthwise 64 0.58-0.60 vs 1.57-1.72. */
#define OUTER_NARROW_MIN_GROUP_OUT 4
/* Output positions per work-item of conv_bw_grad_transpose (its TRANSPOSE_POSITIONS). */
#define TRANSPOSE_POSITIONS 256
/* Channels per group up to which conv_bw_grad_transpose also sums grad_bias (its
 * TRANSPOSE_BIAS_VECTORS float16 sums). */
#define TRANSPOSE_BIAS_CHANNELS 256
/* Output positions per chunk of the outer kernel (rounded to whole rows): a work-item's 512 KB of
 * gradients stay in the 1 MB L2 for the next column block. With the vector chunk sum, CPU time
 * per backward (three alternating runs each, load 4.7-5.2) at 4096 / 2048 / 1024: 128to128 k3
 * 11.8-12.1 / 11.3-11.8 / 10.5-12.0 ms, 128to128 k1 1.80-1.89 / 1.72 / 1.62-1.65, 64to64 k3
 * 12.0-12.8 / 11.3-11.7 / 11.6-13.1. Again at load 1.5-1.6, 2048 vs 1024: 64to64 k3 10.2-10.8 vs
 * 11.0-11.1, 32to64 s2 6.9-7.2 vs 7.1-7.4, 128to128 k3 and conv1d k5 the same, 128to128 k1
 * 1.64-1.81 vs 1.58-1.62: its 6 columns read 6 distinct input rows, 48 KB at 2048 positions
 * (L1's size) against ~18 KB for a k3 layer's 6 taps of one or two channels, so 1x1 layers take
 * half. */
#define OUTER_CHUNK_POSITIONS 2048
/* Rows per work-group of conv_bw_stage. */
#define STAGE_ROWS 16

void oclnn__conv_backward_variants(oclnn__variant_fn each, void *user) {
  each(user, BACKWARD_FILE, BACKWARD_OPTIONS);
  each(user, BACKWARD_FILE, BACKWARD_NARROW_OPTIONS);
  oclnn__conv_bw_stride2_variants(each, user);
}

void oclnn__conv_backward_free(oclnn_conv *conv) {
  for (int i = 0; i < KERNELS; i++)
    if (conv->backward_kernel[i])
      clReleaseKernel(conv->backward_kernel[i]);
  if (conv->backward_tiled_narrow)
    clReleaseKernel(conv->backward_tiled_narrow);
  if (conv->backward_outer_narrow)
    clReleaseKernel(conv->backward_outer_narrow);
  oclnn_conv_free(conv->backward_layer);
  for (int p = 0; p < OCLNN__CONV_BACKWARD_PHASES; p++)
    oclnn_conv_free(conv->backward_phase_layer[p]);
  if (conv->backward_weight)
    clReleaseMemObject(conv->backward_weight);
  if (conv->backward_padded)
    clReleaseMemObject(conv->backward_padded);
  oclnn__conv_bw_stride2_free(conv);
}

static oclnn_status backward_init(oclnn_conv *conv, const char *fn) {
  if (conv->backward_kernel[KERNELS - 1]) /* the last one made: all are there */
    return OCLNN_SUCCESS;
  oclnn_status status =
      oclnn__program_get(conv->ctx, fn, BACKWARD_FILE, BACKWARD_OPTIONS, &conv->backward_program);
  for (int i = 0; i < KERNELS && status == OCLNN_SUCCESS; i++)
    if (!conv->backward_kernel[i])
      status = oclnn__kernel_create(conv->ctx, fn, conv->backward_program, KERNEL_NAMES[i],
                                    &conv->backward_kernel[i]);
  return status;
}

/* Checks that `tensor` (named `name`) is a valid view of exactly `shape`. */
static oclnn_status check_shape(oclnn_context *ctx, const char *fn, const char *name,
                                const oclnn_tensor *tensor, int rank, const int64_t *shape,
                                const char *what) {
  oclnn_status status = oclnn__check_tensor(ctx, fn, name, tensor, NULL);
  if (status != OCLNN_SUCCESS)
    return status;
  if (tensor->rank != rank || memcmp(tensor->shape, shape, (size_t)rank * sizeof *shape) != 0) {
    char got[160], want[160];
    return oclnn__fail(ctx, OCLNN_ERR_INVALID_SHAPE, "%s: %s has shape %s, expected %s (%s)", fn,
                       name, oclnn__shape_string(tensor->rank, tensor->shape, got, sizeof got),
                       oclnn__shape_string(rank, shape, want, sizeof want), what);
  }
  return OCLNN_SUCCESS;
}

/* The checked call: the 3d geometry and the views. */
typedef struct backward_call {
  int64_t batch;
  int in[3], out[3];
  const oclnn_tensor *input, *weight, *grad_output;
  const oclnn_tensor *grad_input, *grad_weight, *grad_bias;
} backward_call;

static oclnn_status check_call(oclnn_conv *conv, const char *fn, backward_call *call) {
  oclnn_context *ctx = conv->ctx;
  if (!call->grad_input && !call->grad_weight && !call->grad_bias)
    return oclnn__fail(ctx, OCLNN_ERR_INVALID_VALUE,
                       "%s: grad_input, grad_weight and grad_bias are all NULL; ask for at least "
                       "one gradient",
                       fn);
  if (call->grad_bias && !conv->desc.bias)
    return oclnn__fail(ctx, OCLNN_ERR_INVALID_VALUE,
                       "%s: grad_bias is given but the layer was created without bias", fn);
  if (call->grad_input && !call->weight)
    return oclnn__fail(ctx, OCLNN_ERR_NULL_ARGUMENT,
                       "%s: weight is NULL; grad_input needs the weights", fn);
  const oclnn_tensor *input = call->input;
  oclnn_status status = oclnn__check_tensor(ctx, fn, "input", input, NULL);
  if (status != OCLNN_SUCCESS)
    return status;
  int64_t out_shape[OCLNN_MAX_RANK];
  status = oclnn__conv_output_shape(conv, fn, input->rank, input->shape, out_shape);
  if (status != OCLNN_SUCCESS)
    return status;
  status = check_shape(ctx, fn, "grad_output", call->grad_output, input->rank, out_shape,
                       "the forward's output shape for the input");
  if (status == OCLNN_SUCCESS && call->weight)
    status = oclnn__conv_check_weight(conv, fn, call->weight);
  if (status == OCLNN_SUCCESS && call->grad_input)
    status = check_shape(ctx, fn, "grad_input", call->grad_input, input->rank, input->shape,
                         "the input's shape");
  const int dims = conv->desc.dims;
  if (status == OCLNN_SUCCESS && call->grad_weight) {
    int64_t want[OCLNN_MAX_RANK] = {conv->channels_out, conv->group_in};
    for (int i = 0; i < dims; i++)
      want[2 + i] = conv->kernel[3 - dims + i];
    status = check_shape(ctx, fn, "grad_weight", call->grad_weight, dims + 2, want,
                         "the weight's shape: out_channels, in_channels/groups, kernel_size...");
  }
  if (status == OCLNN_SUCCESS && call->grad_bias) {
    const int64_t want[1] = {conv->channels_out};
    status = check_shape(ctx, fn, "grad_bias", call->grad_bias, 1, want, "out_channels");
  }
  if (status != OCLNN_SUCCESS)
    return status;
  /* No gradient may overlap an operand or another gradient. */
  const struct {
    const char *name;
    const oclnn_tensor *t;
  } outputs[] = {{"grad_input", call->grad_input},
                 {"grad_weight", call->grad_weight},
                 {"grad_bias", call->grad_bias}},
    operands[] = {
        {"input", call->input}, {"weight", call->weight}, {"grad_output", call->grad_output}};
  for (int i = 0; i < 3 && status == OCLNN_SUCCESS; i++) {
    if (!outputs[i].t)
      continue;
    for (int j = 0; j < 3 && status == OCLNN_SUCCESS; j++)
      if (operands[j].t)
        status = oclnn__check_no_overlap(ctx, fn, operands[j].name, operands[j].t, outputs[i].name,
                                         outputs[i].t);
    for (int j = i + 1; j < 3 && status == OCLNN_SUCCESS; j++)
      if (outputs[j].t)
        status = oclnn__check_no_overlap(ctx, fn, outputs[i].name, outputs[i].t, outputs[j].name,
                                         outputs[j].t);
  }
  if (status != OCLNN_SUCCESS)
    return status;

  const int first = input->rank - dims;
  call->batch = first == 2 ? input->shape[0] : 1;
  for (int i = 0; i < 3; i++)
    call->in[i] = call->out[i] = 1;
  for (int i = 0; i < dims; i++) {
    call->in[3 - dims + i] = (int)input->shape[first + i];
    call->out[3 - dims + i] = (int)out_shape[first + i];
  }
  return OCLNN_SUCCESS;
}

static oclnn_status launch(oclnn_conv *conv, const char *fn, cl_kernel kernel, cl_ulong total) {
  if (total > (cl_ulong)(SIZE_MAX - BACKWARD_LOCAL))
    return oclnn__fail(conv->ctx, OCLNN_ERR_OVERFLOW, "%s: %llu gradients are too many to launch",
                       fn, (unsigned long long)total);
  size_t local = BACKWARD_LOCAL;
  size_t global = oclnn__conv_round_up((size_t)total, local);
  return oclnn__enqueue(conv->ctx, fn, conv->backward_program, kernel, 1, &global, &local);
}

static cl_ulong product3(const int *v) { return (cl_ulong)v[0] * (cl_ulong)v[1] * (cl_ulong)v[2]; }

/* The backward's own buffers (the padded input's gradient, the columns, the staged input, the
 * partial sums) hold at most this many floats; beyond it a path that needs none runs instead. */
#define BUFFER_MAX_FLOATS ((cl_ulong)64 << 20)

/* The product of n factors, or BUFFER_MAX_FLOATS + 1 when it exceeds BUFFER_MAX_FLOATS (or
 * would overflow). */
static cl_ulong capped_product(const cl_ulong *factors, int n) {
  cl_ulong product = 1;
  for (int i = 0; i < n; i++) {
    if (factors[i] != 0 && product > BUFFER_MAX_FLOATS / factors[i])
      return BUFFER_MAX_FLOATS + 1;
    product *= factors[i];
  }
  return product;
}

/* Floats of the input upsampled and padded (batch * channels * padded dims, W rounded up to the
 * stride), capped. */
static cl_ulong padded_floats(const oclnn_conv *conv, const backward_call *call) {
  cl_ulong factors[5] = {(cl_ulong)call->batch, (cl_ulong)conv->channels_in};
  for (int i = 0; i < 3; i++)
    factors[2 + i] = (cl_ulong)call->in[i] * (cl_ulong)conv->upsample[i] +
                     (cl_ulong)conv->pad_before[i] + (cl_ulong)conv->pad_after[i];
  /* The staged rows of conv_bw_stage: W rounded up to the stride (its phases). */
  const cl_ulong sw = (cl_ulong)conv->stride[2];
  factors[4] = (factors[4] + sw - 1) / sw * sw;
  return capped_product(factors, 5);
}

/* With stride 1 and no upsampling, grad_input is a forward convolution of grad_output with the
 * weights flipped and the channels swapped per group, padded by dilation * (kernel - 1) minus
 * the forward's padding: it then runs on the forward's fast algorithms. In zeros mode that gives
 * grad_input itself (when the padding is symmetric and at most the dilated kernel's extent);
 * in the other modes it gives the gradient of the padded input (padding dilation * (kernel -
 * 1)), which conv_bw_col2im folds onto the input (as columns of a 1 x 1 x 1 kernel). Fills the
 * forward layer's padding per dim. */
static bool as_forward(const oclnn_conv *conv, const backward_call *call, int *padding) {
  if (oclnn__conv_upsampled(conv))
    return false;
  if (conv->desc.padding_mode != OCLNN_CONV_ZEROS && padded_floats(conv, call) > BUFFER_MAX_FLOATS)
    return false;
  for (int i = 0; i < 3; i++) {
    const int span = conv->dilation[i] * (conv->kernel[i] - 1);
    if (conv->stride[i] != 1)
      return false;
    if (conv->desc.padding_mode == OCLNN_CONV_ZEROS) {
      if (conv->pad_before[i] != conv->pad_after[i] || conv->pad_before[i] > span)
        return false;
      padding[i] = span - conv->pad_before[i];
    } else {
      padding[i] = span;
    }
  }
  return true;
}

/* How grad_input is computed (OCLNN_CONV_BACKWARD_INPUT forces one where it can run, for tests
 * and measurements). */
typedef enum input_path {
  PATH_FORWARD,
  PATH_STRIDE2,
  PATH_PHASES,
  PATH_COLUMNS,
  PATH_GATHER
} input_path;

/* Whether two helper descriptors (built by forward_layer or run_grad_input_columns) agree. */
static bool same_helper(const oclnn_conv_desc *a, const oclnn_conv_desc *b) {
  bool same = a->dims == b->dims && a->in_channels == b->in_channels &&
              a->out_channels == b->out_channels && a->groups == b->groups;
  for (int i = 0; i < 3; i++)
    same = same && a->kernel_size[i] == b->kernel_size[i] && a->padding[i] == b->padding[i] &&
           a->dilation[i] == b->dilation[i];
  return same;
}

/* Creates the helper forward layer (desc) and its weight buffer at the first call. A layer
 * keeps its path, except where OCLNN_CONV_BACKWARD_INPUT changes between calls: a helper made
 * for the other path is then replaced. */
static oclnn_status helper_layer(oclnn_conv *conv, const char *fn, const oclnn_conv_desc *desc) {
  if (conv->backward_layer) {
    if (same_helper(&conv->backward_layer->desc, desc))
      return OCLNN_SUCCESS;
    oclnn_conv_free(conv->backward_layer);
    conv->backward_layer = NULL;
  }
  size_t floats = (size_t)conv->channels_out * (size_t)conv->group_in * product3(conv->kernel);
  cl_int err = CL_SUCCESS;
  if (!conv->backward_weight) {
    conv->backward_weight =
        clCreateBuffer(conv->ctx->cl_ctx, CL_MEM_READ_WRITE, floats * sizeof(float), NULL, &err);
    if (err != CL_SUCCESS) {
      conv->backward_weight = NULL;
      return oclnn__fail_cl(conv->ctx, fn, "clCreateBuffer (helper weights)", err);
    }
  }
  return oclnn_conv_create(conv->ctx, desc, &conv->backward_layer);
}

/* The forward convolution of the PATH_FORWARD: stride 1, `padding`, the kernel and dilation of
 * the layer, channels swapped. */
static oclnn_status forward_layer(oclnn_conv *conv, const char *fn, const int *padding) {
  const int dims = conv->desc.dims;
  oclnn_conv_desc desc = oclnn_conv_desc_default(dims, conv->channels_out, conv->channels_in, 1);
  for (int i = 0; i < dims; i++) {
    const int a = 3 - dims + i;
    desc.kernel_size[i] = conv->kernel[a];
    desc.dilation[i] = conv->dilation[a];
    desc.padding[i] = padding[a];
  }
  desc.groups = conv->groups;
  desc.bias = 0;
  return helper_layer(conv, fn, &desc);
}

/* The layer-owned buffer for the padded input's gradient, grown to `floats`. */
static oclnn_status padded_buffer(oclnn_conv *conv, const char *fn, size_t floats) {
  if (conv->backward_padded && conv->backward_padded_floats >= floats)
    return OCLNN_SUCCESS;
  if (floats > SIZE_MAX / sizeof(float))
    return oclnn__fail(conv->ctx, OCLNN_ERR_OVERFLOW, "%s: the padded gradient is too large", fn);
  if (conv->backward_padded)
    clReleaseMemObject(conv->backward_padded);
  cl_int err = CL_SUCCESS;
  conv->backward_padded_floats = 0;
  conv->backward_padded =
      clCreateBuffer(conv->ctx->cl_ctx, CL_MEM_READ_WRITE, floats * sizeof(float), NULL, &err);
  if (err != CL_SUCCESS) {
    conv->backward_padded = NULL;
    return oclnn__fail_cl(conv->ctx, fn, "clCreateBuffer (padded gradient)", err);
  }
  conv->backward_padded_floats = floats;
  return OCLNN_SUCCESS;
}

/* Sets the geometry arguments shared by conv_bw_input and conv_bw_col2im, from in_d on: the
 * input, the output positions `out` and the kernel, stride and dilation that map them (the
 * layer's, or 1 x 1 x 1 for the fold of a padded gradient), the layer's padding, mode and
 * upsampling. */
static cl_int geometry_args(const oclnn_conv *conv, const backward_call *call, cl_kernel k,
                            cl_uint arg, const int *out, const int *kernel, const int *stride,
                            const int *dilation) {
  cl_int err = CL_SUCCESS;
  const cl_int mode = (cl_int)conv->desc.padding_mode;
  const int *params[] = {call->in,        out, kernel, stride, dilation, conv->pad_before,
                         conv->pad_after, NULL};
  for (int p = 0; params[p]; p++)
    for (int i = 0; i < 3; i++)
      OCLNN__CONV_ARG(k, arg, err, params[p][i]);
  OCLNN__CONV_ARG(k, arg, err, mode);
  for (int i = 0; i < 3; i++)
    OCLNN__CONV_ARG(k, arg, err, conv->upsample[i]);
  return err;
}

/* Enqueues conv_bw_col2im: grad_input from `cols` (N * C planes of taps x out positions). */
static oclnn_status run_col2im(oclnn_conv *conv, const char *fn, const backward_call *call,
                               cl_mem cols, const int *out, const int *kernel, const int *stride,
                               const int *dilation) {
  cl_kernel k = conv->backward_kernel[KERNEL_COL2IM];
  const cl_ulong rows = (cl_ulong)call->batch * (cl_ulong)conv->channels_in *
                        (cl_ulong)call->in[0] * (cl_ulong)call->in[1];
  const cl_ulong gi_offset = call->grad_input->offset;
  cl_int err = CL_SUCCESS;
  cl_uint arg = 0;
  OCLNN__CONV_ARG(k, arg, err, cols);
  OCLNN__CONV_ARG(k, arg, err, call->grad_input->buffer);
  OCLNN__CONV_ARG(k, arg, err, gi_offset);
  OCLNN__CONV_ARG(k, arg, err, rows);
  if (err == CL_SUCCESS)
    err = geometry_args(conv, call, k, arg, out, kernel, stride, dilation);
  if (err != CL_SUCCESS)
    return oclnn__fail_cl(conv->ctx, fn, "clSetKernelArg (conv_bw_col2im)", err);
  return launch(conv, fn, k, rows);
}

static oclnn_status run_grad_input_as_forward(oclnn_conv *conv, const char *fn,
                                              const backward_call *call, const int *padding) {
  oclnn_context *ctx = conv->ctx;
  oclnn_status status = forward_layer(conv, fn, padding);
  if (status != OCLNN_SUCCESS)
    return status;
  /* A 1x1 layer's grad_input is a GEMM with its weights transposed per group: the helper's gemm
   * kernel reads the weights as they are (a channel block's lanes are consecutive there too), so
   * there is no flip and no packing, where its channel blocks divide the group's input channels
   * (the last block would read past the tensor). */
  const oclnn_conv *helper = conv->backward_layer;
  if (product3(conv->kernel) == 1 && conv->desc.padding_mode == OCLNN_CONV_ZEROS &&
      helper->algo == OCLNN_CONV_ALGO_GEMM && helper->group_out % helper->tile == 0) {
    oclnn__conv_call gemm;
    memset(&gemm, 0, sizeof gemm);
    gemm.batch = call->batch;
    memcpy(gemm.in, call->out, sizeof gemm.in);
    memcpy(gemm.out, call->in, sizeof gemm.out);
    gemm.input = call->grad_output->buffer;
    gemm.input_offset = call->grad_output->offset;
    gemm.output = call->grad_input->buffer;
    gemm.output_offset = call->grad_input->offset;
    gemm.weight = call->weight->buffer;
    gemm.weight_offset = call->weight->offset;
    gemm.weight_transposed = true;
    gemm.bias = call->weight->buffer;
    return oclnn__conv_gemm_ops.run(conv->backward_layer, fn, &gemm);
  }
  /* The flipped weights, then the forward layer's copy of them (packed for its algorithm). */
  cl_kernel k = conv->backward_kernel[KERNEL_FLIP];
  const cl_ulong rows = (cl_ulong)conv->channels_in * (cl_ulong)conv->group_out;
  const cl_ulong w_offset = call->weight->offset;
  const cl_int group_in = conv->group_in, group_out = conv->group_out,
               taps = (cl_int)product3(conv->kernel);
  cl_int err = CL_SUCCESS;
  cl_uint arg = 0;
  OCLNN__CONV_ARG(k, arg, err, call->weight->buffer);
  OCLNN__CONV_ARG(k, arg, err, w_offset);
  OCLNN__CONV_ARG(k, arg, err, conv->backward_weight);
  OCLNN__CONV_ARG(k, arg, err, rows);
  OCLNN__CONV_ARG(k, arg, err, group_in);
  OCLNN__CONV_ARG(k, arg, err, group_out);
  OCLNN__CONV_ARG(k, arg, err, taps);
  if (err != CL_SUCCESS)
    return oclnn__fail_cl(ctx, fn, "clSetKernelArg (conv_bw_flip)", err);
  status = launch(conv, fn, k, rows);
  const int dims = conv->desc.dims, rank = call->input->rank, first = rank - dims;
  int64_t w_shape[OCLNN_MAX_RANK] = {conv->channels_in, conv->group_out};
  for (int i = 0; i < dims; i++)
    w_shape[2 + i] = conv->kernel[3 - dims + i];
  const oclnn_tensor flipped = oclnn_tensor_view(conv->backward_weight, 0, dims + 2, w_shape);
  if (status == OCLNN_SUCCESS)
    status = oclnn_conv_prepare_weights(conv->backward_layer, &flipped, NULL);
  if (status != OCLNN_SUCCESS)
    return status;
  if (conv->desc.padding_mode == OCLNN_CONV_ZEROS)
    return oclnn_conv_forward(conv->backward_layer, call->grad_output, NULL, NULL,
                              call->grad_input);

  /* The padded input's gradient, then the fold onto the input. */
  int64_t shape[OCLNN_MAX_RANK];
  memcpy(shape, call->input->shape, (size_t)rank * sizeof *shape);
  size_t floats = 1;
  for (int i = 0; i < rank; i++) {
    if (i >= first)
      shape[i] += conv->pad_before[3 - dims + i - first] + conv->pad_after[3 - dims + i - first];
    floats *= (size_t)shape[i];
  }
  status = padded_buffer(conv, fn, floats);
  if (status != OCLNN_SUCCESS)
    return status;
  const oclnn_tensor padded = oclnn_tensor_view(conv->backward_padded, 0, rank, shape);
  status = oclnn_conv_forward(conv->backward_layer, call->grad_output, NULL, NULL, &padded);
  if (status != OCLNN_SUCCESS)
    return status;
  /* The fold is col2im with a 1 x 1 x 1 kernel: each padded position lands on the input it
   * reads. */
  const int padded_dims[3] = {call->in[0] + conv->pad_before[0] + conv->pad_after[0],
                              call->in[1] + conv->pad_before[1] + conv->pad_after[1],
                              call->in[2] + conv->pad_before[2] + conv->pad_after[2]};
  const int ones[3] = {1, 1, 1};
  return run_col2im(conv, fn, call, conv->backward_padded, padded_dims, ones, ones, ones);
}

/* grad_input as columns: a grouped 1x1 convolution of grad_output (the forward's GEMM) gives,
 * per input channel and tap, the sum over output channels at every output position; col2im
 * gathers them onto the input. Any stride, padding mode and upsampling. */
static oclnn_status run_grad_input_columns(oclnn_conv *conv, const char *fn,
                                           const backward_call *call, size_t col_floats) {
  oclnn_context *ctx = conv->ctx;
  const int dims = conv->desc.dims, rank = call->input->rank, first = rank - dims;
  const cl_int taps = (cl_int)product3(conv->kernel);
  oclnn_conv_desc desc =
      oclnn_conv_desc_default(dims, conv->channels_out, (int64_t)conv->channels_in * taps, 1);
  desc.groups = conv->groups;
  desc.bias = 0;
  oclnn_status status = helper_layer(conv, fn, &desc);
  if (status == OCLNN_SUCCESS)
    status = padded_buffer(conv, fn, col_floats);
  if (status != OCLNN_SUCCESS)
    return status;
  cl_kernel k = conv->backward_kernel[KERNEL_TRANSPOSE];
  const cl_ulong w_total = (cl_ulong)conv->channels_in * (cl_ulong)taps * (cl_ulong)conv->group_out;
  const cl_ulong w_offset = call->weight->offset;
  const cl_int group_in = conv->group_in, group_out = conv->group_out;
  cl_int err = CL_SUCCESS;
  cl_uint arg = 0;
  OCLNN__CONV_ARG(k, arg, err, call->weight->buffer);
  OCLNN__CONV_ARG(k, arg, err, w_offset);
  OCLNN__CONV_ARG(k, arg, err, conv->backward_weight);
  OCLNN__CONV_ARG(k, arg, err, w_total);
  OCLNN__CONV_ARG(k, arg, err, group_in);
  OCLNN__CONV_ARG(k, arg, err, group_out);
  OCLNN__CONV_ARG(k, arg, err, taps);
  if (err != CL_SUCCESS)
    return oclnn__fail_cl(ctx, fn, "clSetKernelArg (conv_bw_transpose)", err);
  status = launch(conv, fn, k, w_total);
  int64_t w_shape[OCLNN_MAX_RANK] = {(int64_t)conv->channels_in * taps, conv->group_out, 1, 1, 1};
  const oclnn_tensor wt = oclnn_tensor_view(conv->backward_weight, 0, dims + 2, w_shape);
  if (status == OCLNN_SUCCESS)
    status = oclnn_conv_prepare_weights(conv->backward_layer, &wt, NULL);
  int64_t shape[OCLNN_MAX_RANK];
  memcpy(shape, call->grad_output->shape, (size_t)rank * sizeof *shape);
  shape[first - 1] = (int64_t)conv->channels_in * taps;
  const oclnn_tensor cols = oclnn_tensor_view(conv->backward_padded, 0, rank, shape);
  if (status == OCLNN_SUCCESS)
    status = oclnn_conv_forward(conv->backward_layer, call->grad_output, NULL, NULL, &cols);
  if (status != OCLNN_SUCCESS)
    return status;
  return run_col2im(conv, fn, call, conv->backward_padded, call->out, conv->kernel, conv->stride,
                    conv->dilation);
}

/* The narrowest output rows the stride-phase path takes by default: measured against the
 * columns (CPU time, interleaved, load ~2): out width 128 6 % less (32to64 on 256x256) and 4 %
 * (64to128 on 256x256), 96 about even, 64 5 % more (64to128 on 128x128), 28 20 % more and 14
 * 6 % more (64to128 on 56x56, 256to256 on 28x28). */
#define PHASES_MIN_WIDTH 96

/* Taps of stride phase r along a dim of k taps and stride s (dilation 1): r, r + s, ... */
static int phase_taps(int k, int r, int s) { return (k - r + s - 1) / s; }

/* The stride-phase path runs where every dim has dilation 1 and at least as many taps as its
 * stride (every phase has taps), zeros padding, no upsampling, a stride > 1, at most
 * OCLNN__CONV_BACKWARD_PHASES phases and phase gradients within BUFFER_MAX_FLOATS. Gives the
 * phase gradients' floats. */
static bool as_phases(const oclnn_conv *conv, const backward_call *call, cl_ulong *floats) {
  if (oclnn__conv_upsampled(conv) || conv->desc.padding_mode != OCLNN_CONV_ZEROS)
    return false;
  int phases = 1;
  for (int i = 0; i < 3; i++) {
    if (conv->dilation[i] != 1 || conv->stride[i] > conv->kernel[i])
      return false;
    phases *= conv->stride[i];
  }
  if (phases < 2 || phases > OCLNN__CONV_BACKWARD_PHASES)
    return false;
  *floats = 0;
  for (int p = 0; p < phases; p++) {
    const int r[3] = {p / (conv->stride[1] * conv->stride[2]),
                      p / conv->stride[2] % conv->stride[1], p % conv->stride[2]};
    cl_ulong factors[5] = {(cl_ulong)call->batch, (cl_ulong)conv->channels_in};
    for (int i = 0; i < 3; i++)
      factors[2 + i] =
          (cl_ulong)call->out[i] + (cl_ulong)phase_taps(conv->kernel[i], r[i], conv->stride[i]) - 1;
    *floats += capped_product(factors, 5);
    if (*floats > BUFFER_MAX_FLOATS)
      return false;
  }
  return true;
}

/* grad_input by stride phases: the input positions whose padded coordinate is s * q + r per dim
 * (phase r) are reached only by the taps r, r + s, ..., and their gradient is a stride-1
 * correlation of grad_output with those taps flipped (padded by taps - 1 on each side, so q runs
 * over every output that reaches the phase). Each phase runs on its own stride-1 helper layer
 * (the forward's fast algorithms) into a phase-major buffer, which conv_bw_phase_interleave
 * writes onto grad_input. Same work as the columns path without the taps x output positions
 * columns. */
static oclnn_status run_grad_input_phases(oclnn_conv *conv, const char *fn,
                                          const backward_call *call, size_t phase_floats) {
  oclnn_context *ctx = conv->ctx;
  const int dims = conv->desc.dims, rank = call->input->rank, first = rank - dims;
  const int *s = conv->stride;
  const int phases = s[0] * s[1] * s[2];
  oclnn_status status = OCLNN_SUCCESS;
  cl_int err = CL_SUCCESS;
  if (!conv->backward_weight) {
    const size_t floats =
        (size_t)conv->channels_out * (size_t)conv->group_in * product3(conv->kernel);
    conv->backward_weight =
        clCreateBuffer(ctx->cl_ctx, CL_MEM_READ_WRITE, floats * sizeof(float), NULL, &err);
    if (err != CL_SUCCESS) {
      conv->backward_weight = NULL;
      return oclnn__fail_cl(ctx, fn, "clCreateBuffer (helper weights)", err);
    }
  }
  int r[OCLNN__CONV_BACKWARD_PHASES][3];
  for (int p = 0; p < phases; p++) {
    r[p][0] = p / (s[1] * s[2]);
    r[p][1] = p / s[2] % s[1];
    r[p][2] = p % s[2];
    if (conv->backward_phase_layer[p])
      continue;
    oclnn_conv_desc desc = oclnn_conv_desc_default(dims, conv->channels_out, conv->channels_in, 1);
    for (int i = 0; i < dims; i++) {
      const int a = 3 - dims + i, taps = phase_taps(conv->kernel[a], r[p][a], s[a]);
      desc.kernel_size[i] = taps;
      desc.padding[i] = taps - 1;
    }
    desc.groups = conv->groups;
    desc.bias = 0;
    status = oclnn_conv_create(ctx, &desc, &conv->backward_phase_layer[p]);
    if (status != OCLNN_SUCCESS) {
      conv->backward_phase_layer[p] = NULL;
      return status;
    }
  }
  status = padded_buffer(conv, fn, phase_floats);
  if (status != OCLNN_SUCCESS)
    return status;
  cl_kernel k = conv->backward_kernel[KERNEL_PHASE_WEIGHTS];
  const cl_ulong rows = (cl_ulong)conv->channels_in * (cl_ulong)conv->group_out;
  const cl_ulong w_offset = call->weight->offset;
  const cl_int group_in = conv->group_in, group_out = conv->group_out;
  cl_uint arg = 0;
  OCLNN__CONV_ARG(k, arg, err, call->weight->buffer);
  OCLNN__CONV_ARG(k, arg, err, w_offset);
  OCLNN__CONV_ARG(k, arg, err, conv->backward_weight);
  OCLNN__CONV_ARG(k, arg, err, rows);
  OCLNN__CONV_ARG(k, arg, err, group_in);
  OCLNN__CONV_ARG(k, arg, err, group_out);
  for (int i = 0; i < 3; i++)
    OCLNN__CONV_ARG(k, arg, err, conv->kernel[i]);
  for (int i = 0; i < 3; i++)
    OCLNN__CONV_ARG(k, arg, err, s[i]);
  if (err != CL_SUCCESS)
    return oclnn__fail_cl(ctx, fn, "clSetKernelArg (conv_bw_phase_weights)", err);
  status = launch(conv, fn, k, rows);
  size_t w_base = 0, g_base = 0;
  for (int p = 0; p < phases && status == OCLNN_SUCCESS; p++) {
    int64_t w_shape[OCLNN_MAX_RANK] = {conv->channels_in, conv->group_out};
    int64_t g_shape[OCLNN_MAX_RANK];
    memcpy(g_shape, call->input->shape, (size_t)rank * sizeof *g_shape);
    size_t taps = 1, g_floats = 1;
    for (int i = 0; i < dims; i++) {
      const int a = 3 - dims + i;
      w_shape[2 + i] = phase_taps(conv->kernel[a], r[p][a], s[a]);
      taps *= (size_t)w_shape[2 + i];
      g_shape[first + i] = call->out[a] + w_shape[2 + i] - 1;
    }
    for (int i = 0; i < rank; i++)
      g_floats *= (size_t)g_shape[i];
    const oclnn_tensor w = oclnn_tensor_view(conv->backward_weight, w_base, dims + 2, w_shape);
    const oclnn_tensor g = oclnn_tensor_view(conv->backward_padded, g_base, rank, g_shape);
    status = oclnn_conv_prepare_weights(conv->backward_phase_layer[p], &w, NULL);
    if (status == OCLNN_SUCCESS)
      status = oclnn_conv_forward(conv->backward_phase_layer[p], call->grad_output, NULL, NULL, &g);
    w_base += (size_t)rows * taps;
    g_base += g_floats;
  }
  if (status != OCLNN_SUCCESS)
    return status;
  k = conv->backward_kernel[KERNEL_PHASE_INTERLEAVE];
  const cl_ulong planes = (cl_ulong)call->batch * (cl_ulong)conv->channels_in;
  const cl_ulong in_rows = planes * (cl_ulong)call->in[0] * (cl_ulong)call->in[1];
  const cl_ulong gi_offset = call->grad_input->offset;
  arg = 0;
  OCLNN__CONV_ARG(k, arg, err, conv->backward_padded);
  OCLNN__CONV_ARG(k, arg, err, call->grad_input->buffer);
  OCLNN__CONV_ARG(k, arg, err, gi_offset);
  OCLNN__CONV_ARG(k, arg, err, in_rows);
  OCLNN__CONV_ARG(k, arg, err, planes);
  const int *params[] = {call->in, call->out, conv->kernel, s, conv->pad_before, NULL};
  for (int q = 0; params[q]; q++)
    for (int i = 0; i < 3; i++)
      OCLNN__CONV_ARG(k, arg, err, params[q][i]);
  if (err != CL_SUCCESS)
    return oclnn__fail_cl(ctx, fn, "clSetKernelArg (conv_bw_phase_interleave)", err);
  return launch(conv, fn, k, in_rows);
}

/* The path for this layer: PATH_FORWARD where it can run, else the one-pass stride-2 kernel,
 * else the stride phases, else the columns when their buffer is not too large, else the gather;
 * OCLNN_CONV_BACKWARD_INPUT ("forward", "stride2", "phases", "columns", "gather") picks one where
 * it can run. */
static input_path choose_input_path(const oclnn_conv *conv, const backward_call *call, int *padding,
                                    size_t *col_floats, size_t *phase_floats) {
  const bool forward = as_forward(conv, call, padding);
  cl_ulong phase_total = 0;
  const bool phased = !forward && as_phases(conv, call, &phase_total);
  *phase_floats = (size_t)phase_total;
  const cl_ulong factors[4] = {(cl_ulong)call->batch, (cl_ulong)conv->channels_in,
                               product3(conv->kernel), product3(call->out)};
  const cl_ulong floats = capped_product(factors, 4);
  const bool columns = floats <= BUFFER_MAX_FLOATS;
  *col_floats = (size_t)floats;
  const char *env = getenv("OCLNN_CONV_BACKWARD_INPUT");
  if (env && strcmp(env, "gather") == 0)
    return PATH_GATHER;
  if (env && strcmp(env, "columns") == 0 && columns)
    return PATH_COLUMNS;
  if (env && strcmp(env, "phases") == 0 && phased)
    return PATH_PHASES;
  const bool stride2 = oclnn__conv_bw_stride2_takes(conv);
  if (env && strcmp(env, "stride2") == 0 && stride2)
    return PATH_STRIDE2;
  /* By default the phases only where output rows are wide: the phase layers' direct kernels lose
   * to the columns' GEMM on narrow rows (docs/conv.md). */
  const bool phases_pay = phased && call->out[2] >= PHASES_MIN_WIDTH;
  /* The stride-2 kernel wherever it runs, except with one input channel per group (depthwise)
   * and wide rows: there each of its work-items has only KH x KW FMAs per staged window row pair
   * and the phases' depthwise helper layers are faster (docs/conv.md). */
  if (stride2 && !(conv->group_in == 1 && phases_pay))
    return PATH_STRIDE2;
  return forward ? PATH_FORWARD : phases_pay ? PATH_PHASES : columns ? PATH_COLUMNS : PATH_GATHER;
}

static oclnn_status run_grad_input(oclnn_conv *conv, const char *fn, const backward_call *call) {
  cl_kernel k = conv->backward_kernel[KERNEL_INPUT];
  const cl_ulong total = (cl_ulong)call->batch * (cl_ulong)conv->channels_in * product3(call->in);
  if (total == 0)
    return OCLNN_SUCCESS;
  int padding[3];
  size_t col_floats = 0, phase_floats = 0;
  const input_path path = choose_input_path(conv, call, padding, &col_floats, &phase_floats);
  if (path == PATH_FORWARD)
    return run_grad_input_as_forward(conv, fn, call, padding);
  if (path == PATH_STRIDE2)
    return oclnn__conv_bw_stride2_input(conv, fn, call->batch, call->in, call->out, call->weight,
                                        call->grad_output, call->grad_input);
  if (path == PATH_PHASES)
    return run_grad_input_phases(conv, fn, call, phase_floats);
  if (path == PATH_COLUMNS)
    return run_grad_input_columns(conv, fn, call, col_floats);
  const cl_ulong go_offset = call->grad_output->offset, w_offset = call->weight->offset,
                 gi_offset = call->grad_input->offset;
  cl_int err = CL_SUCCESS;
  cl_uint arg = 0;
  OCLNN__CONV_ARG(k, arg, err, call->grad_output->buffer);
  OCLNN__CONV_ARG(k, arg, err, go_offset);
  OCLNN__CONV_ARG(k, arg, err, call->weight->buffer);
  OCLNN__CONV_ARG(k, arg, err, w_offset);
  OCLNN__CONV_ARG(k, arg, err, call->grad_input->buffer);
  OCLNN__CONV_ARG(k, arg, err, gi_offset);
  OCLNN__CONV_ARG(k, arg, err, total);
  OCLNN__CONV_ARG(k, arg, err, conv->channels_in);
  OCLNN__CONV_ARG(k, arg, err, conv->channels_out);
  OCLNN__CONV_ARG(k, arg, err, conv->groups);
  if (err == CL_SUCCESS)
    err = geometry_args(conv, call, k, arg, call->out, conv->kernel, conv->stride, conv->dilation);
  if (err != CL_SUCCESS)
    return oclnn__fail_cl(conv->ctx, fn, "clSetKernelArg (conv_bw_input)", err);
  return launch(conv, fn, k, total);
}

/* Enqueues conv_bw_stage: the input upsampled and padded (`padded` per dim) into `scratch` from
 * float 0, each row split into `phases` phases of `phase` positions (1 and the padded W: plain
 * rows). */
static oclnn_status stage_input(oclnn_conv *conv, const char *fn, const backward_call *call,
                                cl_mem scratch, const cl_int *padded, cl_int phases, cl_int phase) {
  cl_kernel k = conv->backward_kernel[KERNEL_STAGE];
  const cl_ulong in_offset = call->input->offset;
  const cl_int mode = (cl_int)conv->desc.padding_mode;
  cl_int err = CL_SUCCESS;
  cl_uint arg = 0;
  OCLNN__CONV_ARG(k, arg, err, call->input->buffer);
  OCLNN__CONV_ARG(k, arg, err, in_offset);
  OCLNN__CONV_ARG(k, arg, err, scratch);
  for (int i = 0; i < 3; i++)
    OCLNN__CONV_ARG(k, arg, err, call->in[i]);
  for (int i = 0; i < 3; i++)
    OCLNN__CONV_ARG(k, arg, err, padded[i]);
  for (int i = 0; i < 3; i++)
    OCLNN__CONV_ARG(k, arg, err, conv->pad_before[i]);
  OCLNN__CONV_ARG(k, arg, err, mode);
  for (int i = 0; i < 3; i++)
    OCLNN__CONV_ARG(k, arg, err, conv->upsample[i]);
  OCLNN__CONV_ARG(k, arg, err, phases);
  OCLNN__CONV_ARG(k, arg, err, phase);
  if (err != CL_SUCCESS)
    return oclnn__fail_cl(conv->ctx, fn, "clSetKernelArg (conv_bw_stage)", err);
  const size_t stage_global[2] = {
      oclnn__conv_round_up((size_t)padded[0] * (size_t)padded[1], STAGE_ROWS),
      (size_t)((cl_ulong)call->batch * (cl_ulong)conv->channels_in)};
  const size_t stage_local[2] = {STAGE_ROWS, 1};
  return oclnn__enqueue(conv->ctx, fn, conv->backward_program, k, 2, stage_global, stage_local);
}

/* Rows of output positions per chunk of a grad_weight kernel: about `positions` positions,
 * grown until the chunks' partial sums (`total` floats each) fit BUFFER_MAX_FLOATS. */
static cl_ulong weight_chunk_rows(const backward_call *call, cl_ulong total, cl_ulong positions) {
  const cl_ulong rows = (cl_ulong)call->batch * (cl_ulong)call->out[0] * (cl_ulong)call->out[1];
  cl_ulong chunk_rows = (positions + (cl_ulong)call->out[2] - 1) / (cl_ulong)call->out[2];
  const cl_ulong max_chunks = total < BUFFER_MAX_FLOATS ? BUFFER_MAX_FLOATS / total : 1;
  if (rows > max_chunks * chunk_rows)
    chunk_rows = (rows + max_chunks - 1) / max_chunks;
  return chunk_rows;
}

/* Enqueues conv_bw_weight_sum: `dst` (grad_weight or grad_bias, `total` floats) as the sum of
 * `chunks` partial sums at `partial_offset` in `scratch`, in chunk order. */
static oclnn_status sum_chunks(oclnn_conv *conv, const char *fn, const oclnn_tensor *dst,
                               cl_mem scratch, cl_ulong partial_offset, cl_ulong total,
                               cl_ulong chunks) {
  cl_kernel k = conv->backward_kernel[KERNEL_WEIGHT_SUM];
  const cl_ulong dst_offset = dst->offset;
  cl_int err = CL_SUCCESS;
  cl_uint arg = 0;
  OCLNN__CONV_ARG(k, arg, err, scratch);
  OCLNN__CONV_ARG(k, arg, err, partial_offset);
  OCLNN__CONV_ARG(k, arg, err, dst->buffer);
  OCLNN__CONV_ARG(k, arg, err, dst_offset);
  OCLNN__CONV_ARG(k, arg, err, total);
  OCLNN__CONV_ARG(k, arg, err, chunks);
  if (err != CL_SUCCESS)
    return oclnn__fail_cl(conv->ctx, fn, "clSetKernelArg (conv_bw_weight_sum)", err);
  return launch(conv, fn, k, (total + 15) / 16); /* 16 elements per work-item */
}

/* Whether conv_bw_weight_outer reads the input itself: zeros padding (it skips the padding) or
 * none, no upsampling. */
static bool outer_reads_input(const oclnn_conv *conv) {
  bool plain = true;
  for (int i = 0; i < 3; i++)
    plain = plain && conv->upsample[i] == 1 &&
            (conv->desc.padding_mode == OCLNN_CONV_ZEROS ||
             (conv->pad_before[i] == 0 && conv->pad_after[i] == 0));
  return plain;
}

/* Output channels per block of the outer kernel: the narrow build's 32 where blocks of 64 would
 * leave more of the last block idle (group_out % 64 in 1..32). CPU time per backward, blocks of
 * 64 vs 32, three alternating runs (load 3.4-4.2): 96to96 k3 on 64 x 64 6.84-7.51 vs 5.66-5.82 ms,
 * 80to80 4.95-5.76 vs 3.92-4.45, 64to64 k3 on 128 x 128 8.82-9.18 vs 9.03-9.44. */
static int outer_block(const oclnn_conv *conv) {
  const int tail = conv->group_out % OUTER_KB;
  return tail > 0 && tail <= OUTER_HALF_KB ? OUTER_HALF_KB : OUTER_KB;
}

/* Floats of conv_bw_grad_transpose's rows (groups * N * output positions * the group's output
 * channels rounded up to the outer kernel's block), capped. */
static cl_ulong outer_grad_floats(const oclnn_conv *conv, const backward_call *call) {
  const cl_ulong block = (cl_ulong)outer_block(conv);
  const cl_ulong kp = ((cl_ulong)conv->group_out + block - 1) / block * block;
  const cl_ulong factors[4] = {(cl_ulong)conv->groups, (cl_ulong)call->batch, product3(call->out),
                               kp};
  return capped_product(factors, 4);
}

/* Floats of the plain staged input (no phase split) of the outer kernel, capped. */
static cl_ulong outer_staged_floats(const oclnn_conv *conv, const backward_call *call) {
  cl_ulong factors[5] = {(cl_ulong)call->batch, (cl_ulong)conv->channels_in};
  for (int i = 0; i < 3; i++)
    factors[2 + i] = (cl_ulong)call->in[i] * (cl_ulong)conv->upsample[i] +
                     (cl_ulong)conv->pad_before[i] + (cl_ulong)conv->pad_after[i];
  return outer_reads_input(conv) ? 0 : capped_product(factors, 5);
}

/* Whether conv_bw_grad_transpose transposes 16 x 16 tiles in registers (16 vector loads along
 * the positions, 64 shuffles) rather than with 16 scalar loads per stored vector: only for 1x1
 * layers after grad_input, whose gemm has just read grad_output (on 128to128 k1 0.23-0.28 ->
 * 0.15 ms under load 2). On the other seven backward benchmarks, 128to128 k3 with the same
 * grad_output shape included, it was 1.3-1.8x slower (conv1d k5 1.37-1.40 -> 2.20-2.33 ms); the
 * likely cause, grad_output no longer in the cache there, is not verified.
 * OCLNN_CONV_BW_TRANSPOSE_TILES=0|1 forces it, for tests and measurements. */
static cl_int transpose_register_tiles(const oclnn_conv *conv, const backward_call *call) {
  const char *env = getenv("OCLNN_CONV_BW_TRANSPOSE_TILES");
  if (env && (env[0] == '0' || env[0] == '1'))
    return env[0] == '1';
  return product3(conv->kernel) == 1 && call->grad_input != NULL;
}

/* A kernel of the narrow build (BACKWARD_NARROW_OPTIONS), its program built at the first use. */
static oclnn_status narrow_kernel(oclnn_conv *conv, const char *fn, const char *name,
                                  cl_kernel *kernel) {
  if (*kernel)
    return OCLNN_SUCCESS;
  oclnn_status status = oclnn__program_get(conv->ctx, fn, BACKWARD_FILE, BACKWARD_NARROW_OPTIONS,
                                           &conv->backward_program_narrow);
  if (status == OCLNN_SUCCESS)
    status = oclnn__kernel_create(conv->ctx, fn, conv->backward_program_narrow, name, kernel);
  if (status != OCLNN_SUCCESS)
    *kernel = NULL;
  return status;
}

/* grad_weight on conv_bw_weight_outer: grad_output transposed to rows of channels, the input
 * read in place (zeros padding or none, no upsampling) or staged without phase split, then the
 * chunks' sums. Where grad_bias is asked for and the transposed rows have no padding channels,
 * the transpose also sums it (conv_bw_weight_sum adds its partial sums) and *bias_done is set. */
static oclnn_status run_grad_weight_outer(oclnn_conv *conv, const char *fn,
                                          const backward_call *call, cl_ulong total,
                                          bool *bias_done) {
  oclnn_context *ctx = conv->ctx;
  const cl_ulong batch = (cl_ulong)call->batch, plane = product3(call->out);
  const int block = outer_block(conv);
  const bool half = block == OUTER_HALF_KB;
  const cl_int kp = (conv->group_out + block - 1) / block * block;
  const bool in_place = outer_reads_input(conv);
  /* The dims of the buffer read and the padding the kernel skips (none in the staged copy). */
  cl_int padded[3], skipped[3];
  bool padded_rows = false; /* whether a column's input row can be in the padding */
  for (int i = 0; i < 3; i++) {
    padded[i] = in_place
                    ? call->in[i]
                    : call->in[i] * conv->upsample[i] + conv->pad_before[i] + conv->pad_after[i];
    skipped[i] = in_place ? conv->pad_before[i] : 0;
    padded_rows =
        padded_rows || (in_place && i < 2 && (conv->pad_before[i] > 0 || conv->pad_after[i] > 0));
  }
  const cl_ulong staged = outer_staged_floats(conv, call), grads = outer_grad_floats(conv, call);
  const cl_ulong rows = batch * (cl_ulong)call->out[0] * (cl_ulong)call->out[1];
  /* A 1x1 layer's 6 columns read 6 distinct input rows: half the chunk keeps them (24 KB) in L1. */
  const cl_ulong positions =
      product3(conv->kernel) == 1 ? OUTER_CHUNK_POSITIONS / 2 : OUTER_CHUNK_POSITIONS;
  const cl_ulong chunk_rows = weight_chunk_rows(call, total, positions);
  const cl_ulong chunks = rows ? (rows + chunk_rows - 1) / chunk_rows : 1;
  const cl_ulong partial = chunks > 1 ? chunks * total : 0;
  /* grad_bias from the transpose: one partial sum per channel and block of positions. */
  const cl_int with_bias =
      call->grad_bias && grads > 0 && kp == conv->group_out && kp <= TRANSPOSE_BIAS_CHANNELS;
  const cl_int register_tiles = transpose_register_tiles(conv, call);
  const cl_ulong position_blocks = (plane + TRANSPOSE_POSITIONS - 1) / TRANSPOSE_POSITIONS;
  const cl_ulong bias_chunks = batch * position_blocks;
  const cl_ulong bias_partial = with_bias ? bias_chunks * (cl_ulong)conv->channels_out : 0;
  /* Scratch: the staged input (none in place), the transposed gradients, the partial sums, a
   * row of zeros for the columns whose input row is in the padding, grad_bias's partial sums. */
  const cl_ulong grads_offset = staged, partial_offset = staged + grads,
                 zeros_offset = partial_offset + partial,
                 bias_offset = zeros_offset + (cl_ulong)padded[2];
  cl_mem scratch = NULL;
  oclnn_status status =
      oclnn__scratch(ctx, fn, (size_t)(bias_offset + bias_partial) * sizeof(float), &scratch);
  if (status == OCLNN_SUCCESS && !in_place && staged > 0)
    status = stage_input(conv, fn, call, scratch, padded, 1, padded[2]);
  if (status != OCLNN_SUCCESS)
    return status;
  if (padded_rows) {
    const cl_float zero = 0.0f;
    cl_int fill = clEnqueueFillBuffer(ctx->queue, scratch, &zero, sizeof zero,
                                      (size_t)zeros_offset * sizeof(float),
                                      (size_t)padded[2] * sizeof(float), 0, NULL, NULL);
    if (fill != CL_SUCCESS)
      return oclnn__fail_cl(ctx, fn, "clEnqueueFillBuffer (zero row)", fill);
  }
  cl_kernel k = conv->backward_kernel[KERNEL_GRAD_TRANSPOSE];
  cl_int err = CL_SUCCESS;
  cl_uint arg = 0;
  if (grads > 0) {
    const cl_ulong go_offset = call->grad_output->offset;
    OCLNN__CONV_ARG(k, arg, err, call->grad_output->buffer);
    OCLNN__CONV_ARG(k, arg, err, go_offset);
    OCLNN__CONV_ARG(k, arg, err, scratch);
    OCLNN__CONV_ARG(k, arg, err, grads_offset);
    OCLNN__CONV_ARG(k, arg, err, batch);
    OCLNN__CONV_ARG(k, arg, err, conv->groups);
    OCLNN__CONV_ARG(k, arg, err, conv->group_out);
    OCLNN__CONV_ARG(k, arg, err, kp);
    OCLNN__CONV_ARG(k, arg, err, plane);
    OCLNN__CONV_ARG(k, arg, err, scratch);
    OCLNN__CONV_ARG(k, arg, err, bias_offset);
    OCLNN__CONV_ARG(k, arg, err, with_bias);
    OCLNN__CONV_ARG(k, arg, err, register_tiles);
    if (err != CL_SUCCESS)
      return oclnn__fail_cl(ctx, fn, "clSetKernelArg (conv_bw_grad_transpose)", err);
    const size_t global[2] = {(size_t)position_blocks, (size_t)(batch * (cl_ulong)conv->groups)};
    const size_t local[2] = {1, 1};
    status = oclnn__enqueue(ctx, fn, conv->backward_program, k, 2, global, local);
    if (status == OCLNN_SUCCESS && with_bias) {
      status = sum_chunks(conv, fn, call->grad_bias, scratch, bias_offset,
                          (cl_ulong)conv->channels_out, bias_chunks);
      *bias_done = status == OCLNN_SUCCESS;
    }
    if (status != OCLNN_SUCCESS)
      return status;
  }
  k = conv->backward_kernel[KERNEL_WEIGHT_OUTER];
  oclnn__program *program = conv->backward_program;
  if (half) {
    status = narrow_kernel(conv, fn, "conv_bw_weight_outer", &conv->backward_outer_narrow);
    if (status != OCLNN_SUCCESS)
      return status;
    program = conv->backward_program_narrow;
    k = conv->backward_outer_narrow;
  }
  const cl_mem dst = partial ? scratch : call->grad_weight->buffer;
  const cl_ulong dst_offset = partial ? partial_offset : call->grad_weight->offset,
                 dst_stride = partial ? total : 0;
  const cl_mem source = in_place ? call->input->buffer : scratch;
  const cl_ulong source_offset = in_place ? call->input->offset : 0;
  arg = 0;
  OCLNN__CONV_ARG(k, arg, err, scratch);
  OCLNN__CONV_ARG(k, arg, err, grads_offset);
  OCLNN__CONV_ARG(k, arg, err, source);
  OCLNN__CONV_ARG(k, arg, err, source_offset);
  OCLNN__CONV_ARG(k, arg, err, scratch);
  OCLNN__CONV_ARG(k, arg, err, zeros_offset);
  OCLNN__CONV_ARG(k, arg, err, dst);
  OCLNN__CONV_ARG(k, arg, err, dst_offset);
  OCLNN__CONV_ARG(k, arg, err, dst_stride);
  OCLNN__CONV_ARG(k, arg, err, chunk_rows);
  OCLNN__CONV_ARG(k, arg, err, batch);
  OCLNN__CONV_ARG(k, arg, err, conv->channels_in);
  OCLNN__CONV_ARG(k, arg, err, conv->channels_out);
  OCLNN__CONV_ARG(k, arg, err, conv->groups);
  for (int i = 0; i < 3; i++)
    OCLNN__CONV_ARG(k, arg, err, padded[i]);
  for (int i = 0; i < 3; i++)
    OCLNN__CONV_ARG(k, arg, err, skipped[i]);
  OCLNN__CONV_ARG(k, arg, err, kp);
  for (int i = 0; i < 3; i++)
    OCLNN__CONV_ARG(k, arg, err, call->out[i]);
  const int *params[] = {conv->kernel, conv->stride, conv->dilation, NULL};
  for (int p = 0; params[p]; p++)
    for (int i = 0; i < 3; i++)
      OCLNN__CONV_ARG(k, arg, err, params[p][i]);
  if (err != CL_SUCCESS)
    return oclnn__fail_cl(ctx, fn, "clSetKernelArg (conv_bw_weight_outer)", err);
  const size_t columns = (size_t)conv->group_in * (size_t)product3(conv->kernel);
  const size_t cb = half ? OUTER_HALF_CB : OUTER_CB;
  const size_t global[3] = {(columns + cb - 1) / cb, (size_t)conv->groups * (size_t)(kp / block),
                            (size_t)chunks};
  const size_t local[3] = {1, 1, 1};
  status = oclnn__enqueue(ctx, fn, program, k, 3, global, local);
  if (status != OCLNN_SUCCESS || !partial)
    return status;
  return sum_chunks(conv, fn, call->grad_weight, scratch, partial_offset, total, chunks);
}

/* How grad_weight is computed (OCLNN_CONV_BACKWARD_WEIGHT=outer, tiled or element forces one
 * where it can run, for tests and measurements). */
typedef enum weight_path { WEIGHT_ELEMENT, WEIGHT_TILED, WEIGHT_OUTER } weight_path;

static weight_path choose_weight_path(const oclnn_conv *conv, const backward_call *call) {
  const bool tiled =
      call->out[2] >= WEIGHT_TILED_MIN_WIDTH && padded_floats(conv, call) <= BUFFER_MAX_FLOATS;
  const bool outer = outer_staged_floats(conv, call) <= BUFFER_MAX_FLOATS &&
                     outer_grad_floats(conv, call) <= BUFFER_MAX_FLOATS;
  const char *env = getenv("OCLNN_CONV_BACKWARD_WEIGHT");
  if (env && strcmp(env, "element") == 0)
    return WEIGHT_ELEMENT;
  if (env && strcmp(env, "tiled") == 0 && tiled)
    return WEIGHT_TILED;
  if (env && strcmp(env, "outer") == 0 && outer)
    return WEIGHT_OUTER;
  if (outer && conv->group_out >= OUTER_MIN_GROUP_OUT)
    return WEIGHT_OUTER;
  if (outer && conv->group_out >= OUTER_HALF_MIN_GROUP_OUT && conv->group_out <= OUTER_HALF_KB)
    return WEIGHT_OUTER;
  if (tiled)
    return WEIGHT_TILED;
  return outer && conv->group_out >= OUTER_NARROW_MIN_GROUP_OUT ? WEIGHT_OUTER : WEIGHT_ELEMENT;
}

/* grad_weight: the outer-product kernel where groups have 28-32 or at least 48 output channels,
 * else the tiled kernel on the staged input where rows are wide enough, else the outer kernel
 * again from a few channels per group, else one weight element per work-item. */
static oclnn_status run_grad_weight(oclnn_conv *conv, const char *fn, const backward_call *call,
                                    bool *bias_done) {
  oclnn_context *ctx = conv->ctx;
  const cl_ulong total =
      (cl_ulong)conv->channels_out * (cl_ulong)conv->group_in * product3(conv->kernel);
  const cl_ulong go_offset = call->grad_output->offset, in_offset = call->input->offset,
                 gw_offset = call->grad_weight->offset, batch = (cl_ulong)call->batch;
  const cl_int mode = (cl_int)conv->desc.padding_mode;
  cl_int err = CL_SUCCESS;
  cl_uint arg = 0;
  const cl_ulong staged = padded_floats(conv, call);
  const weight_path path = choose_weight_path(conv, call);
  if (path == WEIGHT_OUTER)
    return run_grad_weight_outer(conv, fn, call, total, bias_done);
  if (path == WEIGHT_ELEMENT) {
    cl_kernel k = conv->backward_kernel[KERNEL_WEIGHT];
    OCLNN__CONV_ARG(k, arg, err, call->grad_output->buffer);
    OCLNN__CONV_ARG(k, arg, err, go_offset);
    OCLNN__CONV_ARG(k, arg, err, call->input->buffer);
    OCLNN__CONV_ARG(k, arg, err, in_offset);
    OCLNN__CONV_ARG(k, arg, err, call->grad_weight->buffer);
    OCLNN__CONV_ARG(k, arg, err, gw_offset);
    OCLNN__CONV_ARG(k, arg, err, total);
    OCLNN__CONV_ARG(k, arg, err, batch);
    OCLNN__CONV_ARG(k, arg, err, conv->channels_in);
    OCLNN__CONV_ARG(k, arg, err, conv->channels_out);
    OCLNN__CONV_ARG(k, arg, err, conv->groups);
    for (int i = 0; i < 3; i++)
      OCLNN__CONV_ARG(k, arg, err, call->in[i]);
    for (int i = 0; i < 3; i++)
      OCLNN__CONV_ARG(k, arg, err, call->out[i]);
    const int *params[] = {conv->kernel, conv->stride, conv->dilation, conv->pad_before, NULL};
    for (int p = 0; params[p]; p++)
      for (int i = 0; i < 3; i++)
        OCLNN__CONV_ARG(k, arg, err, params[p][i]);
    OCLNN__CONV_ARG(k, arg, err, mode);
    for (int i = 0; i < 3; i++)
      OCLNN__CONV_ARG(k, arg, err, conv->upsample[i]);
    if (err != CL_SUCCESS)
      return oclnn__fail_cl(ctx, fn, "clSetKernelArg (conv_bw_weight)", err);
    return launch(conv, fn, k, total);
  }

  /* Scratch: the staged input (upsampled and padded, with slack for a partial last step), then
   * the chunks' partial sums when there is more than one chunk of output rows (chunks grown
   * until the partial sums fit BUFFER_MAX_FLOATS). */
  cl_int padded[3];
  for (int i = 0; i < 3; i++)
    padded[i] = call->in[i] * conv->upsample[i] + conv->pad_before[i] + conv->pad_after[i];
  /* The staged W: stride[2] phases of `phase` positions each. */
  const cl_int phase = (padded[2] + conv->stride[2] - 1) / conv->stride[2];
  const cl_ulong slack = 16;
  const cl_ulong rows = batch * (cl_ulong)call->out[0] * (cl_ulong)call->out[1];
  const cl_ulong chunk_rows = weight_chunk_rows(call, total, WEIGHT_CHUNK_POSITIONS);
  const cl_ulong chunks = rows ? (rows + chunk_rows - 1) / chunk_rows : 1;
  const cl_ulong partial = chunks > 1 ? chunks * total : 0;
  /* The input is its own staged copy where nothing pads, upsamples or phase-splits it; with rows
   * of whole 16-position steps the tiled kernel then reads no position past a row's window, so
   * it reads the input in place (1x1 and valid layers: no copy of the input per call). */
  bool in_place = conv->stride[2] == 1 && call->out[2] % 16 == 0;
  for (int i = 0; i < 3; i++)
    in_place =
        in_place && conv->pad_before[i] == 0 && conv->pad_after[i] == 0 && conv->upsample[i] == 1;
  const cl_ulong staged_floats = in_place ? 0 : staged + slack;
  cl_mem scratch = NULL;
  oclnn_status status = OCLNN_SUCCESS;
  if (staged_floats + partial > 0)
    status = oclnn__scratch(ctx, fn, (size_t)(staged_floats + partial) * sizeof(float), &scratch);
  if (status != OCLNN_SUCCESS)
    return status;
  /* (An empty batch stages nothing; the tiled kernel then writes zeros.) */
  if (!in_place && staged > 0)
    status = stage_input(conv, fn, call, scratch, padded, conv->stride[2], phase);
  if (status != OCLNN_SUCCESS)
    return status;

  /* One output channel per group: the narrow build (its program at the first such call). */
  const bool narrow = conv->group_out == 1;
  oclnn__program *program = conv->backward_program;
  cl_kernel k = conv->backward_kernel[KERNEL_WEIGHT_TILED];
  if (narrow) {
    status = narrow_kernel(conv, fn, "conv_bw_weight_tiled", &conv->backward_tiled_narrow);
    if (status != OCLNN_SUCCESS)
      return status;
    program = conv->backward_program_narrow;
    k = conv->backward_tiled_narrow;
  }
  const cl_mem dst = partial ? scratch : call->grad_weight->buffer;
  const cl_ulong dst_offset = partial ? staged_floats : gw_offset, dst_stride = partial ? total : 0;
  const cl_mem source = in_place ? call->input->buffer : scratch;
  const cl_ulong source_offset = in_place ? in_offset : 0;
  arg = 0;
  OCLNN__CONV_ARG(k, arg, err, call->grad_output->buffer);
  OCLNN__CONV_ARG(k, arg, err, go_offset);
  OCLNN__CONV_ARG(k, arg, err, source);
  OCLNN__CONV_ARG(k, arg, err, source_offset);
  OCLNN__CONV_ARG(k, arg, err, dst);
  OCLNN__CONV_ARG(k, arg, err, dst_offset);
  OCLNN__CONV_ARG(k, arg, err, dst_stride);
  OCLNN__CONV_ARG(k, arg, err, chunk_rows);
  OCLNN__CONV_ARG(k, arg, err, batch);
  OCLNN__CONV_ARG(k, arg, err, conv->channels_in);
  OCLNN__CONV_ARG(k, arg, err, conv->channels_out);
  OCLNN__CONV_ARG(k, arg, err, conv->groups);
  OCLNN__CONV_ARG(k, arg, err, padded[0]);
  OCLNN__CONV_ARG(k, arg, err, padded[1]);
  OCLNN__CONV_ARG(k, arg, err, phase);
  for (int i = 0; i < 3; i++)
    OCLNN__CONV_ARG(k, arg, err, call->out[i]);
  const int *params[] = {conv->kernel, conv->stride, conv->dilation, NULL};
  for (int p = 0; params[p]; p++)
    for (int i = 0; i < 3; i++)
      OCLNN__CONV_ARG(k, arg, err, params[p][i]);
  if (err != CL_SUCCESS)
    return oclnn__fail_cl(ctx, fn, "clSetKernelArg (conv_bw_weight_tiled)", err);
  const size_t columns = (size_t)conv->group_in * (size_t)product3(conv->kernel);
  const size_t kb = narrow ? 1 : WEIGHT_KB, cb = narrow ? WEIGHT_NARROW_CB : WEIGHT_CB;
  const size_t k_blocks = ((size_t)conv->group_out + kb - 1) / kb;
  const size_t global[3] = {(columns + cb - 1) / cb, (size_t)conv->groups * k_blocks,
                            (size_t)chunks};
  const size_t local[3] = {1, 1, 1};
  status = oclnn__enqueue(ctx, fn, program, k, 3, global, local);
  if (status != OCLNN_SUCCESS || !partial)
    return status;
  return sum_chunks(conv, fn, call->grad_weight, scratch, staged_floats, total, chunks);
}

static oclnn_status run_grad_bias(oclnn_conv *conv, const char *fn, const backward_call *call) {
  cl_kernel k = conv->backward_kernel[KERNEL_BIAS];
  const cl_ulong go_offset = call->grad_output->offset, gb_offset = call->grad_bias->offset,
                 batch = (cl_ulong)call->batch, plane = product3(call->out);
  cl_int err = CL_SUCCESS;
  cl_uint arg = 0;
  OCLNN__CONV_ARG(k, arg, err, call->grad_output->buffer);
  OCLNN__CONV_ARG(k, arg, err, go_offset);
  OCLNN__CONV_ARG(k, arg, err, call->grad_bias->buffer);
  OCLNN__CONV_ARG(k, arg, err, gb_offset);
  OCLNN__CONV_ARG(k, arg, err, batch);
  OCLNN__CONV_ARG(k, arg, err, conv->channels_out);
  OCLNN__CONV_ARG(k, arg, err, plane);
  if (err != CL_SUCCESS)
    return oclnn__fail_cl(conv->ctx, fn, "clSetKernelArg (conv_bw_bias)", err);
  const size_t global = (size_t)conv->channels_out, local = 1;
  return oclnn__enqueue(conv->ctx, fn, conv->backward_program, k, 1, &global, &local);
}

oclnn_status oclnn_conv_backward(oclnn_conv *conv, const oclnn_tensor *input,
                                 const oclnn_tensor *weight, const oclnn_tensor *grad_output,
                                 const oclnn_tensor *grad_input, const oclnn_tensor *grad_weight,
                                 const oclnn_tensor *grad_bias) {
  static const char *fn = "oclnn_conv_backward";
  if (!conv || !input || !grad_output)
    return oclnn__fail(conv ? conv->ctx : NULL, OCLNN_ERR_NULL_ARGUMENT, "%s: %s is NULL", fn,
                       !conv    ? "conv"
                       : !input ? "input"
                                : "grad_output");
  backward_call call;
  memset(&call, 0, sizeof call);
  call.input = input;
  call.weight = weight;
  call.grad_output = grad_output;
  call.grad_input = grad_input;
  call.grad_weight = grad_weight;
  call.grad_bias = grad_bias;
  oclnn_status status = check_call(conv, fn, &call);
  if (status == OCLNN_SUCCESS)
    status = backward_init(conv, fn);
  if (status == OCLNN_SUCCESS && grad_input)
    status = run_grad_input(conv, fn, &call);
  bool bias_done = false; /* by the outer grad_weight's transpose */
  if (status == OCLNN_SUCCESS && grad_weight)
    status = run_grad_weight(conv, fn, &call, &bias_done);
  if (status == OCLNN_SUCCESS && grad_bias && !bias_done)
    status = run_grad_bias(conv, fn, &call);
  return status;
}
