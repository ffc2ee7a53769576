/* InstanceNorm1d/2d/3d: statistics per (n, c) over the spatial dims; optional running
 * statistics updated with the batch mean of the instance statistics; see oclnn/norm.h. */
#include "layers/norm_internal.h"

#include <stdlib.h>
#include <string.h>

struct oclnn_instance_norm {
  oclnn_context *ctx;
  oclnn_instance_norm_desc desc;
  oclnn__norm_engine engine;
};

oclnn_instance_norm_desc oclnn_instance_norm_desc_default(int dims, int64_t num_features) {
  oclnn_instance_norm_desc desc;
  memset(&desc, 0, sizeof desc);
  desc.dims = dims;
  desc.num_features = num_features;
  desc.eps = 1e-5;
  desc.momentum = 0.1;
  desc.affine = 0;
  desc.track_running_stats = 0;
  desc.fuse_relu = 0;
  return desc;
}

oclnn_status oclnn_instance_norm_create(oclnn_context *ctx, const oclnn_instance_norm_desc *desc,
                                        oclnn_instance_norm **out) {
  static const char *fn = "oclnn_instance_norm_create";
  if (!ctx || !desc || !out)
    return oclnn__fail(ctx, OCLNN_ERR_NULL_ARGUMENT, "%s: %s is NULL", fn,
                       !ctx    ? "ctx"
                       : !desc ? "desc"
                               : "out");
  *out = NULL;
  if (desc->dims < 1 || desc->dims > 3)
    return oclnn__fail(ctx, OCLNN_ERR_INVALID_VALUE,
                       "%s: desc->dims is %d; InstanceNorm is 1d, 2d or 3d", fn, desc->dims);
  if (desc->num_features < 0)
    return oclnn__fail(ctx, OCLNN_ERR_INVALID_VALUE,
                       "%s: desc->num_features is %lld; it must be >= 0", fn,
                       (long long)desc->num_features);
  oclnn_instance_norm *layer = calloc(1, sizeof *layer);
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

void oclnn_instance_norm_free(oclnn_instance_norm *layer) {
  if (!layer)
    return;
  oclnn__norm_engine_release(&layer->engine);
  free(layer);
}

/* The input as (N, C, S); unbatched input is N = 1. */
typedef struct inst_shape {
  int64_t n, c, s, numel;
} inst_shape;

static oclnn_status check_input(oclnn_instance_norm *layer, const char *fn, int training, int rank,
                                const int64_t *shape, inst_shape *out) {
  oclnn_context *ctx = layer->ctx;
  const oclnn_instance_norm_desc *d = &layer->desc;
  char text[128];
  int64_t numel = 0;
  oclnn_status status = oclnn__norm_check_in_shape(ctx, fn, rank, shape, &numel);
  if (status != OCLNN_SUCCESS)
    return status;
  if (rank != d->dims + 1 && rank != d->dims + 2)
    return oclnn__fail(ctx, OCLNN_ERR_INVALID_SHAPE,
                       "%s: InstanceNorm%dd expects a %dD (unbatched) or %dD (batched) input, "
                       "got %s",
                       fn, d->dims, d->dims + 1, d->dims + 2,
                       oclnn__shape_string(rank, shape, text, sizeof text));
  int first = rank == d->dims + 2 ? 1 : 0;
  out->n = first ? shape[0] : 1;
  out->c = shape[first];
  out->s = 1;
  for (int i = first + 1; i < rank; i++)
    out->s *= shape[i];
  out->numel = numel;
  if ((d->affine || d->track_running_stats) && out->c != d->num_features)
    return oclnn__fail(ctx, OCLNN_ERR_INVALID_SHAPE,
                       "%s: input %s has %lld channels (dim %d) but num_features is %lld", fn,
                       oclnn__shape_string(rank, shape, text, sizeof text), (long long)out->c,
                       first, (long long)d->num_features);
  bool instance_stats = training || !d->track_running_stats;
  if (instance_stats && out->s == 1)
    return oclnn__fail(ctx, OCLNN_ERR_INVALID_SHAPE,
                       "%s: expected more than 1 spatial element when training, got input %s", fn,
                       oclnn__shape_string(rank, shape, text, sizeof text));
  return OCLNN_SUCCESS;
}

oclnn_status oclnn_instance_norm_output_shape(oclnn_instance_norm *layer, int training, int rank,
                                              const int64_t *in_shape, int64_t *out_shape) {
  static const char *fn = "oclnn_instance_norm_output_shape";
  if (!layer || !in_shape || !out_shape)
    return oclnn__fail(layer ? layer->ctx : NULL, OCLNN_ERR_NULL_ARGUMENT, "%s: %s is NULL", fn,
                       !layer      ? "layer"
                       : !in_shape ? "in_shape"
                                   : "out_shape");
  inst_shape s = {0};
  oclnn_status status = check_input(layer, fn, training, rank, in_shape, &s);
  if (status == OCLNN_SUCCESS)
    memcpy(out_shape, in_shape, (size_t)rank * sizeof *in_shape);
  return status;
}

/* Planes that fit in the caches: statistics and apply in one launch (norm_fused), then the
 * running statistics from the planes' statistics. */
static oclnn_status fused_forward(oclnn_instance_norm *layer, const char *fn, const inst_shape *s,
                                  bool update, const oclnn_tensor *in, const oclnn_tensor *weight,
                                  const oclnn_tensor *bias, const oclnn_tensor *running_mean,
                                  const oclnn_tensor *running_var, const oclnn_tensor *residual,
                                  const oclnn_tensor *out, const oclnn_tensor *save_mean,
                                  const oclnn_tensor *save_invstd) {
  oclnn__norm_engine *e = &layer->engine;
  oclnn__norm_layout layout = {0};
  oclnn__norm_fused_args f = {0};
  f.in = in;
  f.out = out;
  f.residual = residual;
  f.weight = weight;
  f.bias = bias;
  f.groups = (uint64_t)(s->n * s->c);
  f.count = (uint64_t)s->s;
  f.len = (uint64_t)s->s;
  f.channels = (uint64_t)s->c;
  f.eps = layer->desc.eps;
  f.relu = layer->desc.fuse_relu != 0;
  f.stats_off = oclnn__norm_reserve(&layout, f.groups * 4);
  cl_mem scratch = NULL;
  oclnn_status status = oclnn__norm_scratch(layer->ctx, fn, &layout, &scratch);
  if (status == OCLNN_SUCCESS)
    status = oclnn__norm_fused_enqueue(e, fn, scratch, &f);
  if (status == OCLNN_SUCCESS && update)
    status = oclnn__norm_running_enqueue(e, fn, scratch, f.stats_off, (uint64_t)s->c,
                                         (uint64_t)s->n, (uint64_t)s->s, layer->desc.momentum,
                                         running_mean, running_var);
  if (status == OCLNN_SUCCESS)
    status = oclnn__norm_save_enqueue(e, fn, scratch, f.stats_off, false, NULL, NULL, f.groups,
                                      f.channels, 1.0 / (double)s->s, layer->desc.eps, save_mean,
                                      save_invstd);
  return status;
}

/* oclnn_instance_norm_forward and, with save_mean/save_invstd, ..._forward_save. */
static oclnn_status forward(oclnn_instance_norm *layer, const char *fn, int training,
                            const oclnn_tensor *in, const oclnn_tensor *weight,
                            const oclnn_tensor *bias, const oclnn_tensor *running_mean,
                            const oclnn_tensor *running_var, const oclnn_tensor *residual,
                            const oclnn_tensor *out, const oclnn_tensor *save_mean,
                            const oclnn_tensor *save_invstd) {
  if (!layer || !in || !out)
    return oclnn__fail(layer ? layer->ctx : NULL, OCLNN_ERR_NULL_ARGUMENT, "%s: %s is NULL", fn,
                       !layer ? "layer"
                       : !in  ? "in"
                              : "out");
  oclnn_context *ctx = layer->ctx;
  const oclnn_instance_norm_desc *d = &layer->desc;
  oclnn_status status = oclnn__check_tensor(ctx, fn, "in", in, NULL);
  if (status != OCLNN_SUCCESS)
    return status;
  inst_shape s = {0};
  status = check_input(layer, fn, training, in->rank, in->shape, &s);
  if (status != OCLNN_SUCCESS)
    return status;
  const int64_t channel_shape[1] = {s.c}, group_shape[1] = {s.n * s.c};
  if ((status = oclnn__norm_check_shape(ctx, fn, "weight", weight, d->affine != 0,
                                        "desc.affine is set", 1, channel_shape)) ||
      (status = oclnn__norm_check_shape(ctx, fn, "bias", bias, d->affine != 0, "desc.affine is set",
                                        1, channel_shape)) ||
      (status = oclnn__norm_check_shape(ctx, fn, "running_mean", running_mean,
                                        d->track_running_stats != 0,
                                        "desc.track_running_stats is set", 1, channel_shape)) ||
      (status =
           oclnn__norm_check_shape(ctx, fn, "running_var", running_var, d->track_running_stats != 0,
                                   "desc.track_running_stats is set", 1, channel_shape)) ||
      (status = oclnn__norm_check_shape(ctx, fn, "out", out, true, "", in->rank, in->shape)) ||
      (residual && (status = oclnn__norm_check_shape(ctx, fn, "residual", residual, true, "",
                                                     in->rank, in->shape))) ||
      (save_mean && (status = oclnn__norm_check_shape(ctx, fn, "save_mean", save_mean, true, "", 1,
                                                      group_shape))) ||
      (save_invstd && (status = oclnn__norm_check_shape(ctx, fn, "save_invstd", save_invstd, true,
                                                        "", 1, group_shape))))
    return status;
  bool update = training && d->track_running_stats;
  const oclnn__norm_arg args[] = {
      {"in", in, false},
      {"weight", weight, false},
      {"bias", bias, false},
      {"residual", residual, false},
      {"running_mean", running_mean, update},
      {"running_var", running_var, update},
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
  bool instance_stats = training || !d->track_running_stats;
  if (save && s.numel == 0 &&
      (status = oclnn__norm_save_enqueue(&layer->engine, fn, NULL, UINT64_MAX, instance_stats,
                                         running_mean, running_var, (uint64_t)(s.n * s.c),
                                         (uint64_t)s.c, 0.0, d->eps, save_mean, save_invstd)))
    return status;
  /* torch updates nothing for an empty input, except that an empty batch (N = 0) makes its
   * mean over the batch NaN. */
  if (s.numel == 0 && !(update && s.n == 0))
    return OCLNN_SUCCESS;

  oclnn__norm_engine *e = &layer->engine;
  oclnn__norm_layout layout = {0};
  oclnn__norm_stats_plan plan = {0};
  if (instance_stats && s.numel > 0 && oclnn__norm_fused_fits(e, (uint64_t)s.s))
    return fused_forward(layer, fn, &s, update, in, weight, bias, running_mean, running_var,
                         residual, out, save_mean, save_invstd);
  if (instance_stats)
    oclnn__norm_stats_plan_make(e, 1, (uint64_t)(s.n * s.c), (uint64_t)s.s, &layout, &plan);
  oclnn__norm_params params;
  oclnn__norm_params_reserve(&layout, (uint64_t)(instance_stats ? s.n * s.c : s.c), &params);
  cl_mem scratch = NULL;
  status = oclnn__norm_scratch(ctx, fn, &layout, &scratch);
  if (status != OCLNN_SUCCESS)
    return status;
  if (s.numel > 0 && instance_stats)
    status = oclnn__norm_stats_enqueue(e, fn, &plan, in, scratch);
  if (status == OCLNN_SUCCESS && update)
    status =
        oclnn__norm_running_enqueue(e, fn, scratch, plan.stats_off, (uint64_t)s.c, (uint64_t)s.n,
                                    (uint64_t)s.s, d->momentum, running_mean, running_var);
  if (status == OCLNN_SUCCESS && save && s.numel > 0)
    status =
        oclnn__norm_save_enqueue(e, fn, scratch, instance_stats ? plan.stats_off : UINT64_MAX,
                                 false, running_mean, running_var, (uint64_t)(s.n * s.c),
                                 (uint64_t)s.c, 1.0 / (double)s.s, d->eps, save_mean, save_invstd);
  if (status != OCLNN_SUCCESS || s.numel == 0)
    return status;
  status = oclnn__norm_params_enqueue(e, fn, scratch, instance_stats ? plan.stats_off : UINT64_MAX,
                                      running_mean, running_var, weight, bias, 1, (uint64_t)s.c,
                                      1.0 / (double)s.s, d->eps, &params);
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
  if (instance_stats)
    apply.order = OCLNN__NORM_REVERSE_ROWS;
  return oclnn__norm_apply_enqueue(e, fn, scratch, &apply);
}

oclnn_status oclnn_instance_norm_forward(oclnn_instance_norm *layer, int training,
                                         const oclnn_tensor *in, const oclnn_tensor *weight,
                                         const oclnn_tensor *bias, const oclnn_tensor *running_mean,
                                         const oclnn_tensor *running_var,
                                         const oclnn_tensor *residual, const oclnn_tensor *out) {
  return forward(layer, "oclnn_instance_norm_forward", training, in, weight, bias, running_mean,
                 running_var, residual, out, NULL, NULL);
}

oclnn_status
oclnn_instance_norm_forward_save(oclnn_instance_norm *layer, int training, const oclnn_tensor *in,
                                 const oclnn_tensor *weight, const oclnn_tensor *bias,
                                 const oclnn_tensor *running_mean, const oclnn_tensor *running_var,
                                 const oclnn_tensor *residual, const oclnn_tensor *out,
                                 const oclnn_tensor *save_mean, const oclnn_tensor *save_invstd) {
  return forward(layer, "oclnn_instance_norm_forward_save", training, in, weight, bias,
                 running_mean, running_var, residual, out, save_mean, save_invstd);
}

oclnn_status oclnn_instance_norm_backward(
    oclnn_instance_norm *layer, int training, const oclnn_tensor *in, const oclnn_tensor *weight,
    const oclnn_tensor *save_mean, const oclnn_tensor *save_invstd, const oclnn_tensor *grad_out,
    const oclnn_tensor *grad_in, const oclnn_tensor *grad_weight, const oclnn_tensor *grad_bias) {
  static const char *fn = "oclnn_instance_norm_backward";
  if (!layer || !in)
    return oclnn__fail(layer ? layer->ctx : NULL, OCLNN_ERR_NULL_ARGUMENT, "%s: %s is NULL", fn,
                       !layer ? "layer" : "in");
  oclnn_context *ctx = layer->ctx;
  const oclnn_instance_norm_desc *d = &layer->desc;
  oclnn_status status = oclnn__check_tensor(ctx, fn, "in", in, NULL);
  if (status != OCLNN_SUCCESS)
    return status;
  inst_shape s = {0};
  status = check_input(layer, fn, training, in->rank, in->shape, &s);
  if (status != OCLNN_SUCCESS)
    return status;
  const int64_t channel_shape[1] = {s.c};
  oclnn__norm_bw_args p = {0};
  p.in = in;
  p.grad_out = grad_out;
  p.save_mean = save_mean;
  p.save_invstd = save_invstd;
  p.row_weight = weight;
  p.grad_in = grad_in;
  p.grad_weight = grad_weight;
  p.grad_bias = grad_bias;
  p.rows = (uint64_t)(s.n * s.c);
  p.len = (uint64_t)s.s;
  p.div = 1;
  p.groups = p.rows;
  p.channels = (uint64_t)s.c;
  p.batch_stats = training || !d->track_running_stats;
  p.save_groups = s.n * s.c;
  p.has_weight = p.has_bias = d->affine != 0;
  p.weight_setting = p.bias_setting = "desc.affine";
  p.param_rank = 1;
  p.param_shape = channel_shape;
  return oclnn__norm_backward_enqueue(&layer->engine, fn, &p);
}
