/* Convolution layers (Conv1d, Conv2d, Conv3d forward): the public API. Validates descriptors
 * and calls as PyTorch does, chooses an algorithm (see docs/conv.md for the measurements behind
 * the choice), and hands checked calls to the algorithm (host/layers/conv_<algo>.c). */
#include "layers/conv_internal.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const char *const ALGO_NAMES[] = {"auto",      "generic", "direct",
                                         "depthwise", "gemm",    "winograd"};
#define ALGO_COUNT ((int)(sizeof ALGO_NAMES / sizeof ALGO_NAMES[0]))

/* Every implemented algorithm (forced choices and OCLNN_CONV_ALGO look them up here). */
static const oclnn__conv_ops *const ALGORITHMS[] = {
    &oclnn__conv_depthwise_ops, &oclnn__conv_gemm_ops,    &oclnn__conv_winograd_ops,
    &oclnn__conv_direct_ops,    &oclnn__conv_generic_ops,
};
#define ALGORITHM_COUNT (sizeof ALGORITHMS / sizeof ALGORITHMS[0])

const char *oclnn_conv_algo_name(oclnn_conv_algo algo) {
  return ((int)algo >= 0 && (int)algo < ALGO_COUNT) ? ALGO_NAMES[algo] : "unknown";
}

oclnn_conv_desc oclnn_conv_desc_default(int dims, int64_t in_channels, int64_t out_channels,
                                        int64_t kernel_size) {
  oclnn_conv_desc desc;
  memset(&desc, 0, sizeof desc);
  desc.dims = dims;
  desc.in_channels = in_channels;
  desc.out_channels = out_channels;
  for (int i = 0; i < 3; i++) {
    desc.kernel_size[i] = kernel_size;
    desc.stride[i] = 1;
    desc.padding[i] = 0;
    desc.dilation[i] = 1;
    desc.input_upsample[i] = 1;
  }
  desc.padding_type = OCLNN_CONV_PADDING_EXPLICIT;
  desc.groups = 1;
  desc.bias = 1;
  desc.padding_mode = OCLNN_CONV_ZEROS;
  desc.algo = OCLNN_CONV_ALGO_AUTO;
  return desc;
}

cl_int oclnn__conv_set_args(cl_kernel kernel, cl_uint *index, size_t size, const void *value) {
  return clSetKernelArg(kernel, (*index)++, size, value);
}

cl_int oclnn__conv_set_call_args(cl_kernel kernel, cl_uint *index, const oclnn__conv_call *call) {
  cl_int err = CL_SUCCESS;
  OCLNN__CONV_ARG(kernel, *index, err, call->input);
  OCLNN__CONV_ARG(kernel, *index, err, call->input_offset);
  OCLNN__CONV_ARG(kernel, *index, err, call->weight);
  OCLNN__CONV_ARG(kernel, *index, err, call->weight_offset);
  OCLNN__CONV_ARG(kernel, *index, err, call->bias);
  OCLNN__CONV_ARG(kernel, *index, err, call->bias_offset);
  OCLNN__CONV_ARG(kernel, *index, err, call->has_bias);
  OCLNN__CONV_ARG(kernel, *index, err, call->output);
  OCLNN__CONV_ARG(kernel, *index, err, call->output_offset);
  return err;
}

void oclnn__conv_variants(oclnn__variant_fn each, void *user) {
  oclnn__conv_generic_variants(each, user);
  oclnn__conv_direct_variants(each, user);
  oclnn__conv_depthwise_variants(each, user);
  oclnn__conv_gemm_variants(each, user);
  oclnn__conv_winograd_variants(each, user);
  oclnn__conv_backward_variants(each, user);
}

/* ------------------------------------------------------------------------------------------ */
/* Creation                                                                                   */
/* ------------------------------------------------------------------------------------------ */

static oclnn_status check_desc(oclnn_context *ctx, const char *fn, const oclnn_conv_desc *d) {
  if (d->dims < 1 || d->dims > 3)
    return oclnn__fail(ctx, OCLNN_ERR_INVALID_VALUE,
                       "%s: desc->dims is %d; convolutions are 1d, 2d or 3d", fn, d->dims);
  const struct {
    const char *name;
    int64_t value;
  } counts[] = {
      {"in_channels", d->in_channels}, {"out_channels", d->out_channels}, {"groups", d->groups}};
  for (size_t i = 0; i < sizeof counts / sizeof counts[0]; i++) {
    if (counts[i].value < 1)
      return oclnn__fail(ctx, OCLNN_ERR_INVALID_VALUE, "%s: desc->%s is %lld; it must be >= 1", fn,
                         counts[i].name, (long long)counts[i].value);
    if (counts[i].value > INT32_MAX)
      return oclnn__fail(ctx, OCLNN_ERR_OVERFLOW, "%s: desc->%s is %lld; it must be below 2^31", fn,
                         counts[i].name, (long long)counts[i].value);
  }
  if (d->in_channels % d->groups)
    return oclnn__fail(ctx, OCLNN_ERR_INVALID_VALUE,
                       "%s: desc->in_channels (%lld) must be divisible by desc->groups (%lld)", fn,
                       (long long)d->in_channels, (long long)d->groups);
  if (d->out_channels % d->groups)
    return oclnn__fail(ctx, OCLNN_ERR_INVALID_VALUE,
                       "%s: desc->out_channels (%lld) must be divisible by desc->groups (%lld)", fn,
                       (long long)d->out_channels, (long long)d->groups);
  const struct {
    const char *name;
    const int64_t *values;
  } params[] = {{"kernel_size", d->kernel_size},
                {"stride", d->stride},
                {"dilation", d->dilation},
                {"input_upsample", d->input_upsample}};
  for (size_t p = 0; p < sizeof params / sizeof params[0]; p++) {
    for (int i = 0; i < d->dims; i++) {
      int64_t v = params[p].values[i];
      if (v < 1)
        return oclnn__fail(ctx, OCLNN_ERR_INVALID_VALUE,
                           "%s: desc->%s[%d] is %lld; it must be >= 1", fn, params[p].name, i,
                           (long long)v);
      if (v > INT32_MAX)
        return oclnn__fail(ctx, OCLNN_ERR_OVERFLOW,
                           "%s: desc->%s[%d] is %lld; it must be below 2^31", fn, params[p].name, i,
                           (long long)v);
    }
  }
  if ((int)d->padding_type < OCLNN_CONV_PADDING_EXPLICIT ||
      (int)d->padding_type > OCLNN_CONV_PADDING_SAME)
    return oclnn__fail(ctx, OCLNN_ERR_INVALID_VALUE,
                       "%s: desc->padding_type is %d; use an oclnn_conv_padding_type value", fn,
                       (int)d->padding_type);
  if (d->padding_type == OCLNN_CONV_PADDING_EXPLICIT) {
    for (int i = 0; i < d->dims; i++) {
      if (d->padding[i] < 0)
        return oclnn__fail(ctx, OCLNN_ERR_INVALID_VALUE,
                           "%s: desc->padding[%d] is %lld; negative padding is not supported", fn,
                           i, (long long)d->padding[i]);
      if (d->padding[i] > INT32_MAX / 4)
        return oclnn__fail(ctx, OCLNN_ERR_OVERFLOW,
                           "%s: desc->padding[%d] is %lld; it must be below 2^29", fn, i,
                           (long long)d->padding[i]);
    }
  }
  if (d->padding_type == OCLNN_CONV_PADDING_SAME) {
    for (int i = 0; i < d->dims; i++)
      if (d->stride[i] != 1)
        return oclnn__fail(ctx, OCLNN_ERR_INVALID_VALUE,
                           "%s: padding \"same\" is not supported for strided convolutions "
                           "(desc->stride[%d] is %lld)",
                           fn, i, (long long)d->stride[i]);
    for (int i = 0; i < d->dims; i++)
      if ((d->kernel_size[i] - 1) * d->dilation[i] > INT32_MAX / 4)
        return oclnn__fail(ctx, OCLNN_ERR_OVERFLOW,
                           "%s: \"same\" padding of dim %d (dilation %lld x (kernel %lld - 1)) "
                           "must be below 2^29",
                           fn, i, (long long)d->dilation[i], (long long)d->kernel_size[i]);
  }
  if ((int)d->padding_mode < OCLNN_CONV_ZEROS || (int)d->padding_mode > OCLNN_CONV_CIRCULAR)
    return oclnn__fail(ctx, OCLNN_ERR_INVALID_VALUE,
                       "%s: desc->padding_mode is %d; use an oclnn_conv_padding_mode value", fn,
                       (int)d->padding_mode);
  if ((int)d->algo < OCLNN_CONV_ALGO_AUTO || (int)d->algo >= ALGO_COUNT)
    return oclnn__fail(ctx, OCLNN_ERR_INVALID_VALUE,
                       "%s: desc->algo is %d; use an oclnn_conv_algo value", fn, (int)d->algo);
  /* The weight's element count must be addressable. */
  int64_t count = d->out_channels, weight_bytes = 0;
  bool ok = oclnn__mul_i64(count, d->in_channels / d->groups, &count);
  for (int i = 0; ok && i < d->dims; i++)
    ok = oclnn__mul_i64(count, d->kernel_size[i], &count);
  if (!ok || !oclnn__mul_i64(count, (int64_t)sizeof(float), &weight_bytes) ||
      (uint64_t)weight_bytes > SIZE_MAX / 4)
    return oclnn__fail(ctx, OCLNN_ERR_OVERFLOW, "%s: the weight of this layer is too large", fn);
  return OCLNN_SUCCESS;
}

/* Fills the 3d view of the parameters (index 0 = D, 1 = H, 2 = W). */
static void normalise(oclnn_conv *conv) {
  const oclnn_conv_desc *d = &conv->desc;
  int lead = 3 - d->dims;
  for (int i = 0; i < 3; i++) {
    conv->kernel[i] = conv->stride[i] = conv->dilation[i] = conv->upsample[i] = 1;
    conv->pad_before[i] = conv->pad_after[i] = 0;
  }
  for (int i = 0; i < d->dims; i++) {
    int a = lead + i;
    conv->kernel[a] = (int)d->kernel_size[i];
    conv->stride[a] = (int)d->stride[i];
    conv->dilation[a] = (int)d->dilation[i];
    conv->upsample[a] = (int)d->input_upsample[i];
    if (d->padding_type == OCLNN_CONV_PADDING_EXPLICIT) {
      conv->pad_before[a] = conv->pad_after[a] = (int)d->padding[i];
    } else if (d->padding_type == OCLNN_CONV_PADDING_SAME) {
      int total = conv->dilation[a] * (conv->kernel[a] - 1);
      conv->pad_before[a] = total / 2;
      conv->pad_after[a] = total - total / 2;
    }
  }
  conv->channels_in = (int)d->in_channels;
  conv->channels_out = (int)d->out_channels;
  conv->groups = (int)d->groups;
  conv->group_in = conv->channels_in / conv->groups;
  conv->group_out = conv->channels_out / conv->groups;
}

static const oclnn__conv_ops *find_ops(oclnn_conv_algo algo) {
  for (size_t i = 0; i < ALGORITHM_COUNT; i++)
    if (ALGORITHMS[i]->algo == algo)
      return ALGORITHMS[i];
  return NULL;
}

/* The automatic choice (measurements in docs/conv.md): depthwise for depthwise layers (a single
 * input channel with many outputs is better served by direct), the GEMM for 1x1 stride-1
 * unpadded layers, Winograd for 3x3 stride-1 layers with enough channels, else the
 * register-tiled direct kernel; generic only for what none of them takes (kernel wider than
 * 16, or a dilated window too large to stage). */
static const oclnn__conv_ops *choose_auto(const oclnn_conv *conv) {
  /* Upsampling is fused into winograd's and generic's input reads only. */
  if (oclnn__conv_upsampled(conv))
    return oclnn__conv_winograd_ops.supports(conv) ? &oclnn__conv_winograd_ops
                                                   : &oclnn__conv_generic_ops;
  if (oclnn__conv_depthwise_ops.supports(conv) && (conv->channels_in > 1 || conv->group_out <= 4))
    return &oclnn__conv_depthwise_ops;
  if (oclnn__conv_gemm_ops.supports(conv))
    return &oclnn__conv_gemm_ops;
  /* Winograd's transforms cost about as much as the multiplies they save below ~24 channels.
   * Dilation runs as dilation^2 phases: faster than direct's 6-channel tiles at 2; on 16-lane
   * devices faster than direct's 16-channel tiles only in the fused kernel (docs/conv.md). */
  const int winograd_dilation =
      !oclnn__conv_wide_vectors(conv) || oclnn__conv_winograd_fused_fits(conv) ? 2 : 1;
  if (oclnn__conv_winograd_ops.supports(conv) && conv->channels_in >= 24 &&
      conv->channels_out >= 16 && conv->dilation[1] <= winograd_dilation &&
      conv->dilation[2] <= winograd_dilation)
    return &oclnn__conv_winograd_ops;
  if (oclnn__conv_direct_ops.supports(conv))
    return &oclnn__conv_direct_ops;
  return &oclnn__conv_generic_ops;
}

static oclnn_status choose_algorithm(oclnn_conv *conv, const char *fn) {
  oclnn_context *ctx = conv->ctx;
  oclnn_conv_algo requested = conv->desc.algo;
  if (requested == OCLNN_CONV_ALGO_AUTO) {
    const char *env = getenv("OCLNN_CONV_ALGO");
    if (env && *env) {
      int found = -1;
      for (int i = 0; i < ALGO_COUNT; i++)
        if (strcmp(env, ALGO_NAMES[i]) == 0)
          found = i;
      if (found < 0)
        return oclnn__fail(ctx, OCLNN_ERR_INVALID_VALUE,
                           "%s: OCLNN_CONV_ALGO is \"%.64s\"; use auto, generic, direct, "
                           "depthwise, gemm or winograd",
                           fn, env);
      const oclnn__conv_ops *ops = find_ops((oclnn_conv_algo)found);
      if (ops && ops->supports(conv)) {
        conv->ops = ops;
        return OCLNN_SUCCESS;
      }
    }
    conv->ops = choose_auto(conv);
    return OCLNN_SUCCESS;
  }
  const oclnn__conv_ops *ops = find_ops(requested);
  if (!ops)
    return oclnn__fail(ctx, OCLNN_ERR_UNSUPPORTED, "%s: desc->algo is %s, which is not implemented",
                       fn, oclnn_conv_algo_name(requested));
  if (!ops->supports(conv))
    return oclnn__fail(ctx, OCLNN_ERR_UNSUPPORTED,
                       "%s: desc->algo is %s, which cannot run this configuration (%dd, %d->%d "
                       "channels, groups %d, kernel %dx%dx%d, stride %dx%dx%d, dilation %dx%dx%d, "
                       "input_upsample %dx%dx%d)",
                       fn, oclnn_conv_algo_name(requested), conv->desc.dims, conv->channels_in,
                       conv->channels_out, conv->groups, conv->kernel[0], conv->kernel[1],
                       conv->kernel[2], conv->stride[0], conv->stride[1], conv->stride[2],
                       conv->dilation[0], conv->dilation[1], conv->dilation[2], conv->upsample[0],
                       conv->upsample[1], conv->upsample[2]);
  conv->ops = ops;
  return OCLNN_SUCCESS;
}

oclnn_status oclnn_conv_create(oclnn_context *ctx, const oclnn_conv_desc *desc, oclnn_conv **out) {
  static const char *fn = "oclnn_conv_create";
  if (!ctx || !desc || !out)
    return oclnn__fail(ctx, OCLNN_ERR_NULL_ARGUMENT, "%s: %s is NULL", fn,
                       !ctx    ? "ctx"
                       : !desc ? "desc"
                               : "out");
  *out = NULL;
  oclnn_status status = check_desc(ctx, fn, desc);
  if (status != OCLNN_SUCCESS)
    return status;
  oclnn_conv *conv = calloc(1, sizeof *conv);
  if (!conv)
    return oclnn__fail(ctx, OCLNN_ERR_OUT_OF_MEMORY, "%s: out of host memory", fn);
  conv->ctx = ctx;
  conv->desc = *desc;
  normalise(conv);
  status = choose_algorithm(conv, fn);
  if (status == OCLNN_SUCCESS) {
    conv->algo = conv->ops->algo;
    status = conv->ops->init(conv, fn);
  }
  if (status != OCLNN_SUCCESS) {
    oclnn_conv_free(conv);
    return status;
  }
  *out = conv;
  return OCLNN_SUCCESS;
}

void oclnn_conv_free(oclnn_conv *conv) {
  if (!conv)
    return;
  for (int i = 0; i < OCLNN__CONV_MAX_KERNELS; i++)
    if (conv->kernel_obj[i])
      clReleaseKernel(conv->kernel_obj[i]);
  if (conv->prepared_weight)
    clReleaseMemObject(conv->prepared_weight);
  if (conv->prepared_bias)
    clReleaseMemObject(conv->prepared_bias);
  oclnn__conv_backward_free(conv);
  free(conv);
}

oclnn_status oclnn_conv_algorithm(const oclnn_conv *conv, oclnn_conv_algo *algo) {
  if (!conv || !algo)
    return oclnn__fail(conv ? conv->ctx : NULL, OCLNN_ERR_NULL_ARGUMENT,
                       "oclnn_conv_algorithm: %s is NULL", !conv ? "conv" : "algo");
  *algo = conv->algo;
  return OCLNN_SUCCESS;
}

/* ------------------------------------------------------------------------------------------ */
/* Shapes                                                                                     */
/* ------------------------------------------------------------------------------------------ */

/* Checks an input shape and computes the output shape, as PyTorch's Conv<d>d.forward does. */
static oclnn_status output_shape(oclnn_conv *conv, const char *fn, int rank,
                                 const int64_t *in_shape, int64_t *out_shape) {
  oclnn_context *ctx = conv->ctx;
  const int dims = conv->desc.dims;
  char shape[160];
  if (rank != dims + 1 && rank != dims + 2) {
    if (rank >= 1 && rank <= OCLNN_MAX_RANK)
      oclnn__shape_string(rank, in_shape, shape, sizeof shape);
    else
      snprintf(shape, sizeof shape, "of rank %d", rank);
    return oclnn__fail(ctx, OCLNN_ERR_INVALID_SHAPE,
                       "%s: conv%dd needs a %dD (unbatched) or %dD (batched) input, got %s", fn,
                       dims, dims + 1, dims + 2, shape);
  }
  oclnn__shape_string(rank, in_shape, shape, sizeof shape);
  const int first = rank - dims; /* first spatial axis */
  const int64_t channels = in_shape[first - 1];
  for (int i = 0; i < rank; i++)
    if (in_shape[i] < 0)
      return oclnn__fail(ctx, OCLNN_ERR_INVALID_SHAPE, "%s: input shape %s has a negative dim", fn,
                         shape);
  if (channels != conv->channels_in)
    return oclnn__fail(ctx, OCLNN_ERR_INVALID_SHAPE,
                       "%s: input %s has %lld channels; the layer expects in_channels = %d", fn,
                       shape, (long long)channels, conv->channels_in);
  for (int i = first; i < rank; i++)
    if (in_shape[i] == 0)
      return oclnn__fail(ctx, OCLNN_ERR_INVALID_SHAPE,
                         "%s: input %s has an empty spatial dim; only the batch may be empty", fn,
                         shape);
  for (int i = 0; i < first; i++)
    out_shape[i] = in_shape[i];
  out_shape[first - 1] = conv->channels_out;
  const oclnn_conv_padding_mode mode = conv->desc.padding_mode;
  for (int i = 0; i < dims; i++) {
    const int axis = first + i, a = 3 - dims + i;
    const int64_t factor = conv->upsample[a];
    if (in_shape[axis] > (INT32_MAX / 2) / factor)
      return oclnn__fail(ctx, OCLNN_ERR_OVERFLOW,
                         "%s: input %s: spatial dim %d (%lld) times input_upsample (%lld) must be "
                         "below 2^30",
                         fn, shape, axis, (long long)in_shape[axis], (long long)factor);
    const int64_t size = in_shape[axis] * factor; /* what is padded and convolved */
    const int64_t before = conv->pad_before[a], after = conv->pad_after[a];
    if (mode == OCLNN_CONV_REFLECT && (before >= size || after >= size))
      return oclnn__fail(ctx, OCLNN_ERR_INVALID_SHAPE,
                         "%s: reflect padding (%lld, %lld) of dim %d must be < its size %lld "
                         "(input %s)",
                         fn, (long long)before, (long long)after, axis, (long long)size, shape);
    if (mode == OCLNN_CONV_CIRCULAR && (before > size || after > size))
      return oclnn__fail(ctx, OCLNN_ERR_INVALID_SHAPE,
                         "%s: circular padding (%lld, %lld) of dim %d must be <= its size %lld, "
                         "it may wrap around once (input %s)",
                         fn, (long long)before, (long long)after, axis, (long long)size, shape);
    const int64_t padded = size + before + after; /* < 2^31: size < 2^30, pads < 2^29 */
    const int64_t span = (int64_t)conv->dilation[a] * (conv->kernel[a] - 1) + 1;
    if (span > padded)
      return oclnn__fail(ctx, OCLNN_ERR_INVALID_SHAPE,
                         "%s: input %s: padded size %lld of dim %d is smaller than the (dilated) "
                         "kernel size %lld; the output would be empty",
                         fn, shape, (long long)padded, axis, (long long)span);
    out_shape[axis] = (padded - span) / conv->stride[a] + 1;
  }
  int64_t count = 1;
  for (int i = 0; i < rank; i++)
    if (!oclnn__mul_i64(count, out_shape[i], &count) || count > INT64_MAX / (int64_t)sizeof(float))
      return oclnn__fail(ctx, OCLNN_ERR_OVERFLOW, "%s: the output of input %s is too large", fn,
                         shape);
  return OCLNN_SUCCESS;
}

oclnn_status oclnn_conv_output_shape(oclnn_conv *conv, int rank, const int64_t *in_shape,
                                     int64_t *out_shape) {
  static const char *fn = "oclnn_conv_output_shape";
  if (!conv || !in_shape || !out_shape)
    return oclnn__fail(conv ? conv->ctx : NULL, OCLNN_ERR_NULL_ARGUMENT, "%s: %s is NULL", fn,
                       !conv       ? "conv"
                       : !in_shape ? "in_shape"
                                   : "out_shape");
  int64_t shape[OCLNN_MAX_RANK];
  oclnn_status status = output_shape(conv, fn, rank, in_shape, shape);
  if (status == OCLNN_SUCCESS)
    memcpy(out_shape, shape, (size_t)rank * sizeof *shape);
  return status;
}

/* ------------------------------------------------------------------------------------------ */
/* Weights                                                                                    */
/* ------------------------------------------------------------------------------------------ */

static oclnn_status check_weight(oclnn_conv *conv, const char *fn, const oclnn_tensor *weight) {
  oclnn_status status = oclnn__check_tensor(conv->ctx, fn, "weight", weight, NULL);
  if (status != OCLNN_SUCCESS)
    return status;
  const int dims = conv->desc.dims;
  int64_t want[OCLNN_MAX_RANK] = {conv->channels_out, conv->group_in};
  for (int i = 0; i < dims; i++)
    want[2 + i] = conv->kernel[3 - dims + i];
  if (weight->rank != dims + 2 ||
      memcmp(weight->shape, want, (size_t)(dims + 2) * sizeof *want) != 0) {
    char got[160], expected[160];
    return oclnn__fail(conv->ctx, OCLNN_ERR_INVALID_SHAPE,
                       "%s: weight has shape %s, expected %s (out_channels, "
                       "in_channels/groups, kernel_size...)",
                       fn, oclnn__shape_string(weight->rank, weight->shape, got, sizeof got),
                       oclnn__shape_string(dims + 2, want, expected, sizeof expected));
  }
  return OCLNN_SUCCESS;
}

static oclnn_status check_bias(oclnn_conv *conv, const char *fn, const oclnn_tensor *bias) {
  oclnn_status status = oclnn__check_tensor(conv->ctx, fn, "bias", bias, NULL);
  if (status != OCLNN_SUCCESS)
    return status;
  if (bias->rank != 1 || bias->shape[0] != conv->channels_out) {
    char got[160];
    return oclnn__fail(
        conv->ctx, OCLNN_ERR_INVALID_SHAPE, "%s: bias has shape %s, expected [%d] (out_channels)",
        fn, oclnn__shape_string(bias->rank, bias->shape, got, sizeof got), conv->channels_out);
  }
  return OCLNN_SUCCESS;
}

oclnn_status oclnn__conv_output_shape(oclnn_conv *conv, const char *fn, int rank,
                                      const int64_t *in_shape, int64_t *out_shape) {
  return output_shape(conv, fn, rank, in_shape, out_shape);
}

oclnn_status oclnn__conv_check_weight(oclnn_conv *conv, const char *fn,
                                      const oclnn_tensor *weight) {
  return check_weight(conv, fn, weight);
}

/* Checks a (weight, bias) pair given by the caller. */
static oclnn_status check_parameters(oclnn_conv *conv, const char *fn, const oclnn_tensor *weight,
                                     const oclnn_tensor *bias) {
  if (!weight)
    return oclnn__fail(conv->ctx, OCLNN_ERR_NULL_ARGUMENT, "%s: weight is NULL", fn);
  if (conv->desc.bias && !bias)
    return oclnn__fail(conv->ctx, OCLNN_ERR_NULL_ARGUMENT,
                       "%s: bias is NULL but the layer was created with bias", fn);
  if (!conv->desc.bias && bias)
    return oclnn__fail(conv->ctx, OCLNN_ERR_INVALID_VALUE,
                       "%s: bias is given but the layer was created without bias", fn);
  oclnn_status status = check_weight(conv, fn, weight);
  if (status == OCLNN_SUCCESS && bias)
    status = check_bias(conv, fn, bias);
  return status;
}

static size_t weight_floats(const oclnn_conv *conv) {
  size_t count = (size_t)conv->channels_out * (size_t)conv->group_in;
  for (int i = 0; i < 3; i++)
    count *= (size_t)conv->kernel[i];
  return count;
}

static size_t layout_floats(const oclnn_conv *conv) {
  size_t packed = conv->ops->packed_floats ? conv->ops->packed_floats(conv) : 0;
  return packed ? packed : weight_floats(conv);
}

oclnn_status oclnn_conv_prepare_weights(oclnn_conv *conv, const oclnn_tensor *weight,
                                        const oclnn_tensor *bias) {
  static const char *fn = "oclnn_conv_prepare_weights";
  if (!conv)
    return oclnn__fail(NULL, OCLNN_ERR_NULL_ARGUMENT, "%s: conv is NULL", fn);
  oclnn_context *ctx = conv->ctx;
  oclnn_status status = check_parameters(conv, fn, weight, bias);
  if (status != OCLNN_SUCCESS)
    return status;
  const size_t floats = layout_floats(conv);
  cl_int err = CL_SUCCESS;
  if (!conv->prepared_weight) {
    conv->prepared_weight =
        clCreateBuffer(ctx->cl_ctx, CL_MEM_READ_WRITE, floats * sizeof(float), NULL, &err);
    if (err != CL_SUCCESS) {
      conv->prepared_weight = NULL;
      return oclnn__fail_cl(ctx, fn, "clCreateBuffer (weights)", err);
    }
    conv->prepared_weight_floats = floats;
  }
  if (bias && !conv->prepared_bias) {
    conv->prepared_bias = clCreateBuffer(ctx->cl_ctx, CL_MEM_READ_WRITE,
                                         (size_t)conv->channels_out * sizeof(float), NULL, &err);
    if (err != CL_SUCCESS) {
      conv->prepared_bias = NULL;
      return oclnn__fail_cl(ctx, fn, "clCreateBuffer (bias)", err);
    }
  }
  conv->prepared = false; /* until both copies are enqueued */
  if (conv->ops->packed_floats && conv->ops->packed_floats(conv)) {
    status = conv->ops->pack(conv, fn, weight->buffer, weight->offset, conv->prepared_weight, 0);
    if (status != OCLNN_SUCCESS)
      return status;
  } else {
    err = clEnqueueCopyBuffer(ctx->queue, weight->buffer, conv->prepared_weight,
                              weight->offset * sizeof(float), 0, floats * sizeof(float), 0, NULL,
                              NULL);
    if (err != CL_SUCCESS)
      return oclnn__fail_cl(ctx, fn, "clEnqueueCopyBuffer (weights)", err);
  }
  if (bias) {
    err = clEnqueueCopyBuffer(ctx->queue, bias->buffer, conv->prepared_bias,
                              bias->offset * sizeof(float), 0,
                              (size_t)conv->channels_out * sizeof(float), 0, NULL, NULL);
    if (err != CL_SUCCESS)
      return oclnn__fail_cl(ctx, fn, "clEnqueueCopyBuffer (bias)", err);
  }
  conv->prepared = true;
  return OCLNN_SUCCESS;
}

/* ------------------------------------------------------------------------------------------ */
/* Forward                                                                                    */
/* ------------------------------------------------------------------------------------------ */

oclnn_status oclnn_conv_forward(oclnn_conv *conv, const oclnn_tensor *input,
                                const oclnn_tensor *weight, const oclnn_tensor *bias,
                                const oclnn_tensor *output) {
  static const char *fn = "oclnn_conv_forward";
  if (!conv || !input || !output)
    return oclnn__fail(conv ? conv->ctx : NULL, OCLNN_ERR_NULL_ARGUMENT, "%s: %s is NULL", fn,
                       !conv    ? "conv"
                       : !input ? "input"
                                : "output");
  oclnn_context *ctx = conv->ctx;
  oclnn_status status = oclnn__check_tensor(ctx, fn, "input", input, NULL);
  if (status != OCLNN_SUCCESS)
    return status;
  int64_t expected[OCLNN_MAX_RANK];
  status = output_shape(conv, fn, input->rank, input->shape, expected);
  if (status != OCLNN_SUCCESS)
    return status;
  if (weight) {
    status = check_parameters(conv, fn, weight, bias);
  } else if (bias) {
    status = oclnn__fail(ctx, OCLNN_ERR_INVALID_VALUE,
                         "%s: bias is given without weight; pass both, or both NULL to use the "
                         "prepared weights",
                         fn);
  } else if (!conv->prepared) {
    status = oclnn__fail(ctx, OCLNN_ERR_NULL_ARGUMENT,
                         "%s: weight is NULL and no weights were prepared "
                         "(oclnn_conv_prepare_weights)",
                         fn);
  }
  if (status != OCLNN_SUCCESS)
    return status;
  int64_t out_count = 0;
  status = oclnn__check_tensor(ctx, fn, "output", output, &out_count);
  if (status != OCLNN_SUCCESS)
    return status;
  if (output->rank != input->rank ||
      memcmp(output->shape, expected, (size_t)input->rank * sizeof *expected) != 0) {
    char want[160], got[160];
    return oclnn__fail(ctx, OCLNN_ERR_INVALID_SHAPE, "%s: output has shape %s, expected %s", fn,
                       oclnn__shape_string(output->rank, output->shape, got, sizeof got),
                       oclnn__shape_string(input->rank, expected, want, sizeof want));
  }
  status = oclnn__check_no_overlap(ctx, fn, "input", input, "output", output);
  if (status == OCLNN_SUCCESS && weight)
    status = oclnn__check_no_overlap(ctx, fn, "weight", weight, "output", output);
  if (status == OCLNN_SUCCESS && bias)
    status = oclnn__check_no_overlap(ctx, fn, "bias", bias, "output", output);
  if (status != OCLNN_SUCCESS)
    return status;
  if (out_count == 0)
    return OCLNN_SUCCESS;

  const int dims = conv->desc.dims, first = input->rank - dims;
  oclnn__conv_call call;
  memset(&call, 0, sizeof call);
  call.batch = first == 2 ? input->shape[0] : 1;
  for (int i = 0; i < 3; i++)
    call.in[i] = call.out[i] = 1;
  for (int i = 0; i < dims; i++) {
    call.in[3 - dims + i] = (int)input->shape[first + i];
    call.out[3 - dims + i] = (int)expected[first + i];
  }
  call.input = input->buffer;
  call.input_offset = input->offset;
  call.output = output->buffer;
  call.output_offset = output->offset;
  if (weight) {
    call.weight = weight->buffer;
    call.weight_offset = weight->offset;
    call.bias = bias ? bias->buffer : weight->buffer;
    call.bias_offset = bias ? bias->offset : 0;
  } else {
    call.weight = conv->prepared_weight;
    call.bias = conv->desc.bias ? conv->prepared_bias : conv->prepared_weight;
  }
  call.has_bias = conv->desc.bias ? 1 : 0;

  /* Scratch: packed weights when they are not prepared, then the algorithm's temporaries. */
  const size_t packed = (weight && conv->ops->packed_floats) ? conv->ops->packed_floats(conv) : 0;
  const size_t extra = conv->ops->scratch_floats ? conv->ops->scratch_floats(conv, &call) : 0;
  if (packed > SIZE_MAX / sizeof(float) / 2 || extra > SIZE_MAX / sizeof(float) / 2)
    return oclnn__fail(ctx, OCLNN_ERR_OVERFLOW, "%s: scratch memory size overflows", fn);
  if (packed + extra > 0) {
    cl_mem scratch = NULL;
    status = oclnn__scratch(ctx, fn, (packed + extra) * sizeof(float), &scratch);
    if (status != OCLNN_SUCCESS)
      return status;
    if (packed) {
      status = conv->ops->pack(conv, fn, weight->buffer, weight->offset, scratch, 0);
      if (status != OCLNN_SUCCESS)
        return status;
      call.weight = scratch;
      call.weight_offset = 0;
    }
    if (extra) {
      call.scratch = scratch;
      call.scratch_offset = packed;
    }
  }
  return conv->ops->run(conv, fn, &call);
}
