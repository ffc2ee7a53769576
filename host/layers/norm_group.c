/* GroupNorm: statistics per (n, group) over C/G channels and the spatial dims, affine per
 * channel; see oclnn/norm.h. */
#include "layers/norm_internal.h"

#include <stdlib.h>
#include <string.h>

struct oclnn_group_norm {
  oclnn_context *ctx;
  oclnn_group_norm_desc desc;
  oclnn__norm_engine engine;
};

oclnn_group_norm_desc oclnn_group_norm_desc_default(int64_t num_groups, int64_t num_channels) {
  oclnn_group_norm_desc desc;
  memset(&desc, 0, sizeof desc);
  desc.num_groups = num_groups;
  desc.num_channels = num_channels;
  desc.eps = 1e-5;
  desc.affine = 1;
  desc.fuse_relu = 0;
  return desc;
}

oclnn_status oclnn_group_norm_create(oclnn_context *ctx, const oclnn_group_norm_desc *desc,
                                     oclnn_group_norm **out) {
  static const char *fn = "oclnn_group_norm_create";
  if (!ctx || !desc || !out)
    return oclnn__fail(ctx, OCLNN_ERR_NULL_ARGUMENT, "%s: %s is NULL", fn,
                       !ctx    ? "ctx"
                       : !desc ? "desc"
                               : "out");
  *out = NULL;
  if (desc->num_groups < 1)
    return oclnn__fail(ctx, OCLNN_ERR_INVALID_VALUE,
                       "%s: desc->num_groups is %lld; it must be >= 1", fn,
                       (long long)desc->num_groups);
  if (desc->num_channels < 0)
    return oclnn__fail(ctx, OCLNN_ERR_INVALID_VALUE,
                       "%s: desc->num_channels is %lld; it must be >= 0", fn,
                       (long long)desc->num_channels);
  if (desc->num_channels % desc->num_groups != 0)
    return oclnn__fail(ctx, OCLNN_ERR_INVALID_VALUE,
                       "%s: num_channels (%lld) must be divisible by num_groups (%lld)", fn,
                       (long long)desc->num_channels, (long long)desc->num_groups);
  oclnn_group_norm *layer = calloc(1, sizeof *layer);
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

void oclnn_group_norm_free(oclnn_group_norm *layer) {
  if (!layer)
    return;
  oclnn__norm_engine_release(&layer->engine);
  free(layer);
}

typedef struct gn_shape {
  int64_t n, c, s, numel;
} gn_shape;

static oclnn_status check_input(oclnn_group_norm *layer, const char *fn, int rank,
                                const int64_t *shape, gn_shape *out) {
  oclnn_context *ctx = layer->ctx;
  const oclnn_group_norm_desc *d = &layer->desc;
  char text[128];
  int64_t numel = 0;
  oclnn_status status = oclnn__norm_check_in_shape(ctx, fn, rank, shape, &numel);
  if (status != OCLNN_SUCCESS)
    return status;
  if (rank < 2)
    return oclnn__fail(ctx, OCLNN_ERR_INVALID_SHAPE,
                       "%s: GroupNorm expects an input (N, C, *) of rank >= 2, got %s", fn,
                       oclnn__shape_string(rank, shape, text, sizeof text));
  out->n = shape[0];
  out->c = shape[1];
  out->s = 1;
  for (int i = 2; i < rank; i++)
    out->s *= shape[i];
  out->numel = numel;
  if (out->c % d->num_groups != 0)
    return oclnn__fail(ctx, OCLNN_ERR_INVALID_SHAPE,
                       "%s: input %s has %lld channels, not divisible by num_groups (%lld)", fn,
                       oclnn__shape_string(rank, shape, text, sizeof text), (long long)out->c,
                       (long long)d->num_groups);
  if (d->affine && out->c != d->num_channels)
    return oclnn__fail(ctx, OCLNN_ERR_INVALID_SHAPE,
                       "%s: input %s has %lld channels but num_channels is %lld", fn,
                       oclnn__shape_string(rank, shape, text, sizeof text), (long long)out->c,
                       (long long)d->num_channels);
  if (out->n * (out->c / d->num_groups) * out->s == 1)
    return oclnn__fail(ctx, OCLNN_ERR_INVALID_SHAPE,
                       "%s: expected more than 1 value per channel when training, got input %s "
                       "(torch's check on N * C / num_groups * spatial)",
                       fn, oclnn__shape_string(rank, shape, text, sizeof text));
  return OCLNN_SUCCESS;
}

oclnn_status oclnn_group_norm_output_shape(oclnn_group_norm *layer, int rank,
                                           const int64_t *in_shape, int64_t *out_shape) {
  static const char *fn = "oclnn_group_norm_output_shape";
  if (!layer || !in_shape || !out_shape)
    return oclnn__fail(layer ? layer->ctx : NULL, OCLNN_ERR_NULL_ARGUMENT, "%s: %s is NULL", fn,
                       !layer      ? "layer"
                       : !in_shape ? "in_shape"
                                   : "out_shape");
  gn_shape s = {0};
  oclnn_status status = check_input(layer, fn, rank, in_shape, &s);
  if (status == OCLNN_SUCCESS)
    memcpy(out_shape, in_shape, (size_t)rank * sizeof *in_shape);
  return status;
}

/* oclnn_group_norm_forward and, with save_mean/save_invstd, ..._forward_save. */
static oclnn_status forward(oclnn_group_norm *layer, const char *fn, const oclnn_tensor *in,
                            const oclnn_tensor *weight, const oclnn_tensor *bias,
                            const oclnn_tensor *residual, const oclnn_tensor *out,
                            const oclnn_tensor *save_mean, const oclnn_tensor *save_invstd) {
  if (!layer || !in || !out)
    return oclnn__fail(layer ? layer->ctx : NULL, OCLNN_ERR_NULL_ARGUMENT, "%s: %s is NULL", fn,
                       !layer ? "layer"
                       : !in  ? "in"
                              : "out");
  oclnn_context *ctx = layer->ctx;
  const oclnn_group_norm_desc *d = &layer->desc;
  oclnn_status status = oclnn__check_tensor(ctx, fn, "in", in, NULL);
  if (status != OCLNN_SUCCESS)
    return status;
  gn_shape s = {0};
  status = check_input(layer, fn, in->rank, in->shape, &s);
  if (status != OCLNN_SUCCESS)
    return status;
  const int64_t channel_shape[1] = {s.c}, group_shape[1] = {s.n * d->num_groups};
  if ((status = oclnn__norm_check_shape(ctx, fn, "weight", weight, d->affine != 0,
                                        "desc.affine is set", 1, channel_shape)) ||
      (status = oclnn__norm_check_shape(ctx, fn, "bias", bias, d->affine != 0, "desc.affine is set",
                                        1, channel_shape)) ||
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
  if (s.numel == 0)
    return save ? oclnn__norm_save_enqueue(&layer->engine, fn, NULL, UINT64_MAX, true, NULL, NULL,
                                           (uint64_t)(s.n * d->num_groups), 1, 0.0, d->eps,
                                           save_mean, save_invstd)
                : OCLNN_SUCCESS;

  int64_t per_group = s.c / d->num_groups;
  oclnn__norm_engine *e = &layer->engine;
  oclnn__norm_layout layout = {0};
  if (oclnn__norm_fused_fits(e, (uint64_t)(per_group * s.s))) {
    /* Groups that fit in the caches: statistics and apply in one launch. */
    oclnn__norm_fused_args f = {0};
    f.in = in;
    f.out = out;
    f.residual = residual;
    f.weight = weight;
    f.bias = bias;
    f.groups = (uint64_t)(s.n * d->num_groups);
    f.count = (uint64_t)(per_group * s.s);
    f.len = (uint64_t)s.s;
    f.channels = (uint64_t)s.c;
    f.eps = d->eps;
    f.relu = d->fuse_relu != 0;
    f.stats_off = oclnn__norm_reserve(&layout, f.groups * 4);
    cl_mem fused_scratch = NULL;
    status = oclnn__norm_scratch(ctx, fn, &layout, &fused_scratch);
    if (status == OCLNN_SUCCESS)
      status = oclnn__norm_fused_enqueue(e, fn, fused_scratch, &f);
    if (status == OCLNN_SUCCESS && save)
      status =
          oclnn__norm_save_enqueue(e, fn, fused_scratch, f.stats_off, false, NULL, NULL, f.groups,
                                   1, 1.0 / (double)f.count, d->eps, save_mean, save_invstd);
    return status;
  }
  oclnn__norm_stats_plan plan;
  oclnn__norm_stats_plan_make(e, 1, (uint64_t)(s.n * d->num_groups), (uint64_t)(per_group * s.s),
                              &layout, &plan);
  oclnn__norm_params params;
  oclnn__norm_params_reserve(&layout, (uint64_t)(s.n * s.c), &params);
  cl_mem scratch = NULL;
  status = oclnn__norm_scratch(ctx, fn, &layout, &scratch);
  if (status == OCLNN_SUCCESS)
    status = oclnn__norm_stats_enqueue(e, fn, &plan, in, scratch);
  if (status == OCLNN_SUCCESS)
    status = oclnn__norm_params_enqueue(e, fn, scratch, plan.stats_off, NULL, NULL, weight, bias,
                                        (uint64_t)per_group, (uint64_t)s.c,
                                        1.0 / (double)(per_group * s.s), d->eps, &params);
  if (status == OCLNN_SUCCESS && save)
    status = oclnn__norm_save_enqueue(
        e, fn, scratch, plan.stats_off, false, NULL, NULL, (uint64_t)(s.n * d->num_groups), 1,
        1.0 / (double)(per_group * s.s), d->eps, save_mean, save_invstd);
  if (status != OCLNN_SUCCESS)
    return status;
  oclnn__norm_apply_args apply = {0};
  apply.in = in;
  apply.out = out;
  apply.residual = residual;
  apply.params = &params;
  apply.mod = params.count;
  apply.rows = (uint64_t)(s.n * s.c);
  apply.len = (uint64_t)s.s;
  apply.relu = d->fuse_relu != 0;
  apply.order = OCLNN__NORM_REVERSE_ROWS;
  return oclnn__norm_apply_enqueue(e, fn, scratch, &apply);
}

oclnn_status oclnn_group_norm_forward(oclnn_group_norm *layer, const oclnn_tensor *in,
                                      const oclnn_tensor *weight, const oclnn_tensor *bias,
                                      const oclnn_tensor *residual, const oclnn_tensor *out) {
  return forward(layer, "oclnn_group_norm_forward", in, weight, bias, residual, out, NULL, NULL);
}

oclnn_status oclnn_group_norm_forward_save(oclnn_group_norm *layer, const oclnn_tensor *in,
                                           const oclnn_tensor *weight, const oclnn_tensor *bias,
                                           const oclnn_tensor *residual, const oclnn_tensor *out,
                                           const oclnn_tensor *save_mean,
                                           const oclnn_tensor *save_invstd) {
  return forward(layer, "oclnn_group_norm_forward_save", in, weight, bias, residual, out, save_mean,
                 save_invstd);
}

oclnn_status oclnn_group_norm_backward(oclnn_group_norm *layer, const oclnn_tensor *in,
                                       const oclnn_tensor *weight, const oclnn_tensor *save_mean,
                                       const oclnn_tensor *save_invstd,
                                       const oclnn_tensor *grad_out, const oclnn_tensor *grad_in,
                                       const oclnn_tensor *grad_weight,
                                       const oclnn_tensor *grad_bias) {
  static const char *fn = "oclnn_group_norm_backward";
  if (!layer || !in)
    return oclnn__fail(layer ? layer->ctx : NULL, OCLNN_ERR_NULL_ARGUMENT, "%s: %s is NULL", fn,
                       !layer ? "layer" : "in");
  oclnn_context *ctx = layer->ctx;
  const oclnn_group_norm_desc *d = &layer->desc;
  oclnn_status status = oclnn__check_tensor(ctx, fn, "in", in, NULL);
  if (status != OCLNN_SUCCESS)
    return status;
  gn_shape s = {0};
  status = check_input(layer, fn, in->rank, in->shape, &s);
  if (status != OCLNN_SUCCESS)
    return status;
  const int64_t channel_shape[1] = {s.c};
  oclnn__norm_bw_args p = {0};
  p.in = in;
  p.grad_out = grad_out;
  p.save_mean = save_mean;
  p.save_invstd = save_invstd;
  p.grad_in = grad_in;
  p.grad_weight = grad_weight;
  p.grad_bias = grad_bias;
  p.row_weight = weight;
  p.rows = (uint64_t)(s.n * s.c);
  p.len = (uint64_t)s.s;
  p.div = (uint64_t)(s.c / d->num_groups);
  p.groups = (uint64_t)(s.n * d->num_groups);
  p.channels = (uint64_t)s.c;
  p.batch_stats = 1;
  p.save_groups = s.n * d->num_groups;
  p.has_weight = p.has_bias = d->affine != 0;
  p.weight_setting = p.bias_setting = "desc.affine";
  p.param_rank = 1;
  p.param_shape = channel_shape;
  return oclnn__norm_backward_enqueue(&layer->engine, fn, &p);
}
