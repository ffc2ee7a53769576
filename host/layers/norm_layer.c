/* LayerNorm: statistics per row over the trailing normalized_shape dims, elementwise affine in
 * the apply pass; see oclnn/norm.h. */
#include "layers/norm_internal.h"

#include <stdlib.h>
#include <string.h>

struct oclnn_layer_norm {
  oclnn_context *ctx;
  oclnn_layer_norm_desc desc;
  oclnn__norm_engine engine;
};

oclnn_layer_norm_desc oclnn_layer_norm_desc_default(int rank, const int64_t *normalized_shape) {
  oclnn_layer_norm_desc desc;
  memset(&desc, 0, sizeof desc);
  desc.normalized_rank = rank;
  for (int i = 0; normalized_shape && i < rank && i < OCLNN_MAX_RANK; i++)
    desc.normalized_shape[i] = normalized_shape[i];
  desc.eps = 1e-5;
  desc.elementwise_affine = 1;
  desc.bias = 1;
  desc.fuse_relu = 0;
  return desc;
}

oclnn_status oclnn_layer_norm_create(oclnn_context *ctx, const oclnn_layer_norm_desc *desc,
                                     oclnn_layer_norm **out) {
  static const char *fn = "oclnn_layer_norm_create";
  if (!ctx || !desc || !out)
    return oclnn__fail(ctx, OCLNN_ERR_NULL_ARGUMENT, "%s: %s is NULL", fn,
                       !ctx    ? "ctx"
                       : !desc ? "desc"
                               : "out");
  *out = NULL;
  if (desc->normalized_rank < 1 || desc->normalized_rank > OCLNN_MAX_RANK)
    return oclnn__fail(ctx, OCLNN_ERR_INVALID_VALUE,
                       "%s: desc->normalized_rank is %d; normalized_shape has 1 to %d entries", fn,
                       desc->normalized_rank, OCLNN_MAX_RANK);
  int64_t count = 1;
  for (int i = 0; i < desc->normalized_rank; i++) {
    if (desc->normalized_shape[i] < 0)
      return oclnn__fail(ctx, OCLNN_ERR_INVALID_VALUE,
                         "%s: desc->normalized_shape[%d] is %lld; it must be >= 0", fn, i,
                         (long long)desc->normalized_shape[i]);
    if (!oclnn__mul_i64(count, desc->normalized_shape[i], &count) || count > INT64_MAX / 4)
      return oclnn__fail(ctx, OCLNN_ERR_OVERFLOW,
                         "%s: desc->normalized_shape has too many elements", fn);
  }
  oclnn_layer_norm *layer = calloc(1, sizeof *layer);
  if (!layer)
    return oclnn__fail(ctx, OCLNN_ERR_OUT_OF_MEMORY, "%s: out of host memory", fn);
  oclnn_status status = oclnn__norm_engine_init(ctx, fn, false, &layer->engine);
  if (status != OCLNN_SUCCESS) {
    free(layer);
    return status;
  }
  layer->ctx = ctx;
  layer->desc = *desc;
  *out = layer;
  return OCLNN_SUCCESS;
}

void oclnn_layer_norm_free(oclnn_layer_norm *layer) {
  if (!layer)
    return;
  oclnn__norm_engine_release(&layer->engine);
  free(layer);
}

static oclnn_status check_input(oclnn_layer_norm *layer, const char *fn, int rank,
                                const int64_t *shape, int64_t *rows, int64_t *len) {
  oclnn_context *ctx = layer->ctx;
  const oclnn_layer_norm_desc *d = &layer->desc;
  int64_t numel = 0;
  oclnn_status status = oclnn__norm_check_in_shape(ctx, fn, rank, shape, &numel);
  if (status != OCLNN_SUCCESS)
    return status;
  int k = d->normalized_rank;
  bool match = rank >= k;
  for (int i = 0; match && i < k; i++)
    match = shape[rank - k + i] == d->normalized_shape[i];
  if (!match) {
    char want[128], got[128];
    oclnn__shape_string(k, d->normalized_shape, want, sizeof want);
    return oclnn__fail(ctx, OCLNN_ERR_INVALID_SHAPE,
                       "%s: normalized_shape is %s, expected an input of shape [*, %s but got %s",
                       fn, want, want + 1, oclnn__shape_string(rank, shape, got, sizeof got));
  }
  *rows = 1;
  *len = 1;
  for (int i = 0; i < rank; i++)
    *(i < rank - k ? rows : len) *= shape[i];
  return OCLNN_SUCCESS;
}

oclnn_status oclnn_layer_norm_output_shape(oclnn_layer_norm *layer, int rank,
                                           const int64_t *in_shape, int64_t *out_shape) {
  static const char *fn = "oclnn_layer_norm_output_shape";
  if (!layer || !in_shape || !out_shape)
    return oclnn__fail(layer ? layer->ctx : NULL, OCLNN_ERR_NULL_ARGUMENT, "%s: %s is NULL", fn,
                       !layer      ? "layer"
                       : !in_shape ? "in_shape"
                                   : "out_shape");
  int64_t rows, len;
  oclnn_status status = check_input(layer, fn, rank, in_shape, &rows, &len);
  if (status == OCLNN_SUCCESS)
    memcpy(out_shape, in_shape, (size_t)rank * sizeof *in_shape);
  return status;
}

/* oclnn_layer_norm_forward and, with save_mean/save_invstd, ..._forward_save. */
static oclnn_status forward(oclnn_layer_norm *layer, const char *fn, const oclnn_tensor *in,
                            const oclnn_tensor *weight, const oclnn_tensor *bias,
                            const oclnn_tensor *residual, const oclnn_tensor *out,
                            const oclnn_tensor *save_mean, const oclnn_tensor *save_invstd) {
  if (!layer || !in || !out)
    return oclnn__fail(layer ? layer->ctx : NULL, OCLNN_ERR_NULL_ARGUMENT, "%s: %s is NULL", fn,
                       !layer ? "layer"
                       : !in  ? "in"
                              : "out");
  oclnn_context *ctx = layer->ctx;
  const oclnn_layer_norm_desc *d = &layer->desc;
  oclnn_status status = oclnn__check_tensor(ctx, fn, "in", in, NULL);
  if (status != OCLNN_SUCCESS)
    return status;
  int64_t rows = 0, len = 0;
  status = check_input(layer, fn, in->rank, in->shape, &rows, &len);
  if (status != OCLNN_SUCCESS)
    return status;
  bool has_bias = d->elementwise_affine && d->bias;
  const int64_t group_shape[1] = {rows};
  if ((status = oclnn__norm_check_shape(ctx, fn, "weight", weight, d->elementwise_affine != 0,
                                        "desc.elementwise_affine is set", d->normalized_rank,
                                        d->normalized_shape)) ||
      (status = oclnn__norm_check_shape(ctx, fn, "bias", bias, has_bias,
                                        has_bias ? "desc.elementwise_affine and desc.bias are set"
                                                 : "desc.elementwise_affine or desc.bias is 0",
                                        d->normalized_rank, d->normalized_shape)) ||
      (status = oclnn__norm_check_shape(ctx, fn, "out", out, true, "", in->rank, in->shape)) ||
      (residual && (status = oclnn__norm_check_shape(ctx, fn, "residual", residual, true, "",
                                                     in->rank, in->shape))) ||
      (save_mean && (status = oclnn__norm_check_shape(ctx, fn, "save_mean", save_mean, true, "", 1,
                                                      group_shape))) ||
      (save_invstd && (status = oclnn__norm_check_shape(ctx, fn, "save_invstd", save_invstd, true,
                                                        "", 1, group_shape))))
    return status;
  const oclnn__norm_arg args[] = {
      {"in", in, false},
      {"weight", weight, false},
      {"bias", bias, false},
      {"residual", residual, false},
      {"out", out, true},
      {"save_mean", save_mean, true},
      {"save_invstd", save_invstd, true},
  };
  status = oclnn__norm_check_args(ctx, fn, args, (int)(sizeof args / sizeof args[0]));
  if (status != OCLNN_SUCCESS)
    return status;
  bool save = save_mean || save_invstd;
  if (save && (status = oclnn__norm_bw_init(&layer->engine, fn)) != OCLNN_SUCCESS)
    return status;
  if (rows * len == 0)
    return save ? oclnn__norm_save_enqueue(&layer->engine, fn, NULL, UINT64_MAX, true, NULL, NULL,
                                           (uint64_t)rows, 1, 0.0, d->eps, save_mean, save_invstd)
                : OCLNN_SUCCESS;

  oclnn__norm_engine *e = &layer->engine;
  oclnn__norm_layout layout = {0};
  oclnn__norm_stats_plan plan;
  oclnn__norm_stats_plan_make(e, 1, (uint64_t)rows, (uint64_t)len, &layout, &plan);
  oclnn__norm_params params;
  oclnn__norm_params_reserve(&layout, (uint64_t)rows, &params);
  cl_mem scratch = NULL;
  status = oclnn__norm_scratch(ctx, fn, &layout, &scratch);
  if (status == OCLNN_SUCCESS)
    status = oclnn__norm_stats_enqueue(e, fn, &plan, in, scratch);
  if (status == OCLNN_SUCCESS)
    status = oclnn__norm_params_enqueue(e, fn, scratch, plan.stats_off, NULL, NULL, NULL, NULL, 1,
                                        1, 1.0 / (double)len, d->eps, &params);
  if (status == OCLNN_SUCCESS && save)
    status =
        oclnn__norm_save_enqueue(e, fn, scratch, plan.stats_off, false, NULL, NULL, (uint64_t)rows,
                                 1, 1.0 / (double)len, d->eps, save_mean, save_invstd);
  if (status != OCLNN_SUCCESS)
    return status;
  oclnn__norm_apply_args apply = {0};
  apply.in = in;
  apply.out = out;
  apply.residual = residual;
  apply.col_weight = weight;
  apply.col_bias = bias;
  apply.params = &params;
  apply.mod = (uint64_t)rows;
  apply.rows = (uint64_t)rows;
  apply.len = (uint64_t)len;
  apply.relu = d->fuse_relu != 0;
  apply.order = OCLNN__NORM_REVERSE_ROWS; /* start where the statistics pass ended */
  return oclnn__norm_apply_enqueue(e, fn, scratch, &apply);
}

oclnn_status oclnn_layer_norm_forward(oclnn_layer_norm *layer, const oclnn_tensor *in,
                                      const oclnn_tensor *weight, const oclnn_tensor *bias,
                                      const oclnn_tensor *residual, const oclnn_tensor *out) {
  return forward(layer, "oclnn_layer_norm_forward", in, weight, bias, residual, out, NULL, NULL);
}

oclnn_status oclnn_layer_norm_forward_save(oclnn_layer_norm *layer, const oclnn_tensor *in,
                                           const oclnn_tensor *weight, const oclnn_tensor *bias,
                                           const oclnn_tensor *residual, const oclnn_tensor *out,
                                           const oclnn_tensor *save_mean,
                                           const oclnn_tensor *save_invstd) {
  return forward(layer, "oclnn_layer_norm_forward_save", in, weight, bias, residual, out, save_mean,
                 save_invstd);
}

oclnn_status oclnn_layer_norm_backward(oclnn_layer_norm *layer, const oclnn_tensor *in,
                                       const oclnn_tensor *weight, const oclnn_tensor *save_mean,
                                       const oclnn_tensor *save_invstd,
                                       const oclnn_tensor *grad_out, const oclnn_tensor *grad_in,
                                       const oclnn_tensor *grad_weight,
                                       const oclnn_tensor *grad_bias) {
  static const char *fn = "oclnn_layer_norm_backward";
  if (!layer || !in)
    return oclnn__fail(layer ? layer->ctx : NULL, OCLNN_ERR_NULL_ARGUMENT, "%s: %s is NULL", fn,
                       !layer ? "layer" : "in");
  oclnn_context *ctx = layer->ctx;
  const oclnn_layer_norm_desc *d = &layer->desc;
  oclnn_status status = oclnn__check_tensor(ctx, fn, "in", in, NULL);
  if (status != OCLNN_SUCCESS)
    return status;
  int64_t rows = 0, len = 0;
  status = check_input(layer, fn, in->rank, in->shape, &rows, &len);
  if (status != OCLNN_SUCCESS)
    return status;
  oclnn__norm_bw_args p = {0};
  p.in = in;
  p.grad_out = grad_out;
  p.save_mean = save_mean;
  p.save_invstd = save_invstd;
  p.grad_in = grad_in;
  p.grad_weight = grad_weight;
  p.grad_bias = grad_bias;
  p.col_weight = weight;
  p.rows = (uint64_t)rows;
  p.len = (uint64_t)len;
  p.div = 1;
  p.groups = p.rows;
  p.channels = 1;
  p.col_grads = 1;
  p.batch_stats = 1;
  p.save_groups = rows;
  p.has_weight = d->elementwise_affine != 0;
  p.has_bias = d->elementwise_affine && d->bias;
  p.weight_setting = "desc.elementwise_affine";
  p.bias_setting = "desc.elementwise_affine or desc.bias";
  p.param_rank = d->normalized_rank;
  p.param_shape = d->normalized_shape;
  return oclnn__norm_backward_enqueue(&layer->engine, fn, &p);
}
