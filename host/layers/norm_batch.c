/* BatchNorm1d/2d/3d: statistics per channel over (N, spatial) in training (or without running
 * statistics), the running statistics otherwise; see oclnn/norm.h. */
#include "layers/norm_internal.h"

#include <stdlib.h>
#include <string.h>

/* Backward takes the column layout (oclnn__norm_bw_args.col_div) up to this many elements per
 * (n, c): rows that short would each be one work-item of the row passes. */
#define BN_COLUMN_MAX 64

struct oclnn_batch_norm {
  oclnn_context *ctx;
  oclnn_batch_norm_desc desc;
  oclnn__norm_engine engine;
};

oclnn_batch_norm_desc oclnn_batch_norm_desc_default(int dims, int64_t num_features) {
  oclnn_batch_norm_desc desc;
  memset(&desc, 0, sizeof desc);
  desc.dims = dims;
  desc.num_features = num_features;
  desc.eps = 1e-5;
  desc.momentum = 0.1;
  desc.momentum_none = 0;
  desc.affine = 1;
  desc.track_running_stats = 1;
  desc.fuse_relu = 0;
  return desc;
}

oclnn_status oclnn_batch_norm_create(oclnn_context *ctx, const oclnn_batch_norm_desc *desc,
                                     oclnn_batch_norm **out) {
  static const char *fn = "oclnn_batch_norm_create";
  if (!ctx || !desc || !out)
    return oclnn__fail(ctx, OCLNN_ERR_NULL_ARGUMENT, "%s: %s is NULL", fn,
                       !ctx    ? "ctx"
                       : !desc ? "desc"
                               : "out");
  *out = NULL;
  if (desc->dims < 1 || desc->dims > 3)
    return oclnn__fail(ctx, OCLNN_ERR_INVALID_VALUE,
                       "%s: desc->dims is %d; BatchNorm is 1d, 2d or 3d", fn, desc->dims);
  if (desc->num_features < 0)
    return oclnn__fail(ctx, OCLNN_ERR_INVALID_VALUE,
                       "%s: desc->num_features is %lld; it must be "
                       ">= 0",
                       fn, (long long)desc->num_features);
  oclnn_batch_norm *layer = calloc(1, sizeof *layer);
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

void oclnn_batch_norm_free(oclnn_batch_norm *layer) {
  if (!layer)
    return;
  oclnn__norm_engine_release(&layer->engine);
  free(layer);
}

/* The input as (N, C, S). */
typedef struct bn_shape {
  int64_t n, c, s, numel;
} bn_shape;

static oclnn_status check_input(oclnn_batch_norm *layer, const char *fn, int training, int rank,
                                const int64_t *shape, bn_shape *out) {
  oclnn_context *ctx = layer->ctx;
  const oclnn_batch_norm_desc *d = &layer->desc;
  char text[128];
  int64_t numel = 0;
  oclnn_status status = oclnn__norm_check_in_shape(ctx, fn, rank, shape, &numel);
  if (status != OCLNN_SUCCESS)
    return status;
  bool rank_ok = d->dims == 1 ? (rank == 2 || rank == 3) : rank == d->dims + 2;
  if (!rank_ok && d->dims == 1)
    return oclnn__fail(ctx, OCLNN_ERR_INVALID_SHAPE,
                       "%s: BatchNorm1d expects a 2D or 3D input, got %s", fn,
                       oclnn__shape_string(rank, shape, text, sizeof text));
  if (!rank_ok)
    return oclnn__fail(ctx, OCLNN_ERR_INVALID_SHAPE, "%s: BatchNorm%dd expects a %dD input, got %s",
                       fn, d->dims, d->dims + 2,
                       oclnn__shape_string(rank, shape, text, sizeof text));
  out->n = shape[0];
  out->c = shape[1];
  out->s = 1;
  for (int i = 2; i < rank; i++)
    out->s *= shape[i];
  out->numel = numel;
  if ((d->affine || d->track_running_stats) && out->c != d->num_features)
    return oclnn__fail(ctx, OCLNN_ERR_INVALID_SHAPE,
                       "%s: input %s has %lld channels but num_features is %lld", fn,
                       oclnn__shape_string(rank, shape, text, sizeof text), (long long)out->c,
                       (long long)d->num_features);
  bool batch_stats = training || !d->track_running_stats;
  if (batch_stats && out->n * out->s == 1)
    return oclnn__fail(ctx, OCLNN_ERR_INVALID_SHAPE,
                       "%s: expected more than 1 value per channel when training, got input %s", fn,
                       oclnn__shape_string(rank, shape, text, sizeof text));
  return OCLNN_SUCCESS;
}

oclnn_status oclnn_batch_norm_output_shape(oclnn_batch_norm *layer, int training, int rank,
                                           const int64_t *in_shape, int64_t *out_shape) {
  static const char *fn = "oclnn_batch_norm_output_shape";
  if (!layer || !in_shape || !out_shape)
    return oclnn__fail(layer ? layer->ctx : NULL, OCLNN_ERR_NULL_ARGUMENT, "%s: %s is NULL", fn,
                       !layer      ? "layer"
                       : !in_shape ? "in_shape"
                                   : "out_shape");
  bn_shape s = {0};
  oclnn_status status = check_input(layer, fn, training, rank, in_shape, &s);
  if (status == OCLNN_SUCCESS)
    memcpy(out_shape, in_shape, (size_t)rank * sizeof *in_shape);
  return status;
}

/* Batch statistics of (N, C, S > 1) input whose channels fit in the caches: one work-group per
 * channel computes its statistics and then normalizes the N segments it has just read, from its
 * core's caches (norm_fused): two memory passes instead of three, one launch instead of three;
 * then the running statistics from the channels' statistics. */
static oclnn_status fused_forward(oclnn_batch_norm *layer, const char *fn, const bn_shape *s,
                                  bool update, double momentum, const oclnn_tensor *in,
                                  const oclnn_tensor *weight, const oclnn_tensor *bias,
                                  const oclnn_tensor *running_mean, const oclnn_tensor *running_var,
                                  const oclnn_tensor *residual, const oclnn_tensor *out,
                                  const oclnn_tensor *save_mean, const oclnn_tensor *save_invstd) {
  oclnn__norm_layout layout = {0};
  oclnn__norm_fused_args f = {0};
  f.in = in;
  f.out = out;
  f.residual = residual;
  f.weight = weight;
  f.bias = bias;
  f.groups = (uint64_t)s->c;
  f.count = (uint64_t)(s->n * s->s);
  f.inner = (uint64_t)s->s;
  f.len = (uint64_t)s->s;
  f.channels = (uint64_t)s->c;
  f.eps = layer->desc.eps;
  f.relu = layer->desc.fuse_relu != 0;
  f.stats_off = oclnn__norm_reserve(&layout, f.groups * 4);
  cl_mem scratch = NULL;
  oclnn_status status = oclnn__norm_scratch(layer->ctx, fn, &layout, &scratch);
  if (status == OCLNN_SUCCESS)
    status = oclnn__norm_fused_enqueue(&layer->engine, fn, scratch, &f);
  if (status == OCLNN_SUCCESS && update)
    status = oclnn__norm_running_enqueue(&layer->engine, fn, scratch, f.stats_off, f.channels, 1,
                                         f.count, momentum, running_mean, running_var);
  if (status == OCLNN_SUCCESS)
    status = oclnn__norm_save_enqueue(&layer->engine, fn, scratch, f.stats_off, false, NULL, NULL,
                                      f.groups, f.channels, 1.0 / (double)f.count, layer->desc.eps,
                                      save_mean, save_invstd);
  return status;
}

/* oclnn_batch_norm_forward and, with save_mean/save_invstd, oclnn_batch_norm_forward_save. */
static oclnn_status forward(oclnn_batch_norm *layer, const char *fn, int training,
                            const oclnn_tensor *in, const oclnn_tensor *weight,
                            const oclnn_tensor *bias, const oclnn_tensor *running_mean,
                            const oclnn_tensor *running_var, int64_t *num_batches_tracked,
                            const oclnn_tensor *residual, const oclnn_tensor *out,
                            const oclnn_tensor *save_mean, const oclnn_tensor *save_invstd) {
  if (!layer || !in || !out)
    return oclnn__fail(layer ? layer->ctx : NULL, OCLNN_ERR_NULL_ARGUMENT, "%s: %s is NULL", fn,
                       !layer ? "layer"
                       : !in  ? "in"
                              : "out");
  oclnn_context *ctx = layer->ctx;
  const oclnn_batch_norm_desc *d = &layer->desc;
  oclnn_status status = oclnn__check_tensor(ctx, fn, "in", in, NULL);
  if (status != OCLNN_SUCCESS)
    return status;
  bn_shape s = {0};
  status = check_input(layer, fn, training, in->rank, in->shape, &s);
  if (status != OCLNN_SUCCESS)
    return status;
  const int64_t channel_shape[1] = {s.c};
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
                                                      channel_shape))) ||
      (save_invstd && (status = oclnn__norm_check_shape(ctx, fn, "save_invstd", save_invstd, true,
                                                        "", 1, channel_shape))))
    return status;
  bool update = training && d->track_running_stats;
  if (update && d->momentum_none && !num_batches_tracked)
    return oclnn__fail(ctx, OCLNN_ERR_NULL_ARGUMENT,
                       "%s: num_batches_tracked is NULL but desc.momentum_none needs it", fn);
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
  int64_t batches = 0;
  if (update && num_batches_tracked) {
    if (*num_batches_tracked < 0 || *num_batches_tracked == INT64_MAX)
      return oclnn__fail(ctx, OCLNN_ERR_INVALID_VALUE,
                         "%s: *num_batches_tracked is %lld; it must be in 0 .. 2^63-2", fn,
                         (long long)*num_batches_tracked);
    batches = *num_batches_tracked + 1;
  }
  bool batch_stats = training || !d->track_running_stats;
  if (s.numel == 0) {
    if (update && num_batches_tracked)
      *num_batches_tracked = batches;
    if (save)
      return oclnn__norm_save_enqueue(&layer->engine, fn, NULL, UINT64_MAX, batch_stats,
                                      running_mean, running_var, (uint64_t)s.c, (uint64_t)s.c, 0.0,
                                      d->eps, save_mean, save_invstd);
    return OCLNN_SUCCESS;
  }

  oclnn__norm_engine *e = &layer->engine;
  if (batch_stats && s.s > 1 && oclnn__norm_fused_fits(e, (uint64_t)(s.n * s.s))) {
    double momentum = d->momentum_none ? 1.0 / (double)batches : d->momentum;
    status = fused_forward(layer, fn, &s, update, momentum, in, weight, bias, running_mean,
                           running_var, residual, out, save_mean, save_invstd);
    if (status == OCLNN_SUCCESS && update && num_batches_tracked)
      *num_batches_tracked = batches;
    return status;
  }
  oclnn__norm_layout layout = {0};
  oclnn__norm_stats_plan plan = {0};
  if (batch_stats)
    oclnn__norm_stats_plan_make(e, (uint64_t)s.n, (uint64_t)s.c, (uint64_t)s.s, &layout, &plan);
  /* Eval on (N, C, S > 1) input: one launch whose apply pass computes each row's parameters
   * from the running statistics (a separate parameter launch cost as much as ~5% here). */
  bool one_launch = !batch_stats && s.s > 1;
  oclnn__norm_params params = {0};
  if (!one_launch)
    oclnn__norm_params_reserve(&layout, (uint64_t)s.c, &params);
  cl_mem scratch = NULL;
  status = oclnn__norm_scratch(ctx, fn, &layout, &scratch);
  if (status != OCLNN_SUCCESS)
    return status;
  uint64_t count = (uint64_t)(s.n * s.s);
  if (batch_stats)
    status = oclnn__norm_stats_enqueue(e, fn, &plan, in, scratch);
  if (status == OCLNN_SUCCESS && update) {
    double momentum = d->momentum_none ? 1.0 / (double)batches : d->momentum;
    status = oclnn__norm_running_enqueue(e, fn, scratch, plan.stats_off, (uint64_t)s.c, 1, count,
                                         momentum, running_mean, running_var);
    if (status == OCLNN_SUCCESS && num_batches_tracked)
      *num_batches_tracked = batches;
  }
  if (status == OCLNN_SUCCESS && save)
    status = oclnn__norm_save_enqueue(
        e, fn, scratch, batch_stats ? plan.stats_off : UINT64_MAX, false, running_mean, running_var,
        (uint64_t)s.c, (uint64_t)s.c, 1.0 / (double)count, d->eps, save_mean, save_invstd);
  if (status == OCLNN_SUCCESS && !one_launch)
    status = oclnn__norm_params_enqueue(e, fn, scratch, batch_stats ? plan.stats_off : UINT64_MAX,
                                        running_mean, running_var, weight, bias, 1, (uint64_t)s.c,
                                        1.0 / (double)count, d->eps, &params);
  if (status != OCLNN_SUCCESS)
    return status;
  /* (N, C) input: rows of C with per-column parameters; else rows of S per (n, c). */
  oclnn__norm_apply_args apply = {0};
  apply.in = in;
  apply.out = out;
  apply.residual = residual;
  apply.params = &params;
  apply.relu = d->fuse_relu != 0;
  if (s.s == 1) {
    apply.col_params = 1;
    apply.rows = (uint64_t)s.n;
    apply.len = (uint64_t)s.c;
  } else {
    apply.mod = (uint64_t)s.c;
    apply.rows = (uint64_t)(s.n * s.c);
    apply.len = (uint64_t)s.s;
  }
  if (one_launch) {
    apply.running_mean = running_mean;
    apply.running_var = running_var;
    apply.weight = weight;
    apply.bias = bias;
    apply.eps = d->eps;
  }
  /* The statistics pass reads channel by channel; start the apply pass where it ended. */
  if (batch_stats)
    apply.order = OCLNN__NORM_REVERSE_CHANNELS;
  return oclnn__norm_apply_enqueue(e, fn, scratch, &apply);
}

oclnn_status oclnn_batch_norm_forward(oclnn_batch_norm *layer, int training, const oclnn_tensor *in,
                                      const oclnn_tensor *weight, const oclnn_tensor *bias,
                                      const oclnn_tensor *running_mean,
                                      const oclnn_tensor *running_var, int64_t *num_batches_tracked,
                                      const oclnn_tensor *residual, const oclnn_tensor *out) {
  return forward(layer, "oclnn_batch_norm_forward", training, in, weight, bias, running_mean,
                 running_var, num_batches_tracked, residual, out, NULL, NULL);
}

oclnn_status oclnn_batch_norm_forward_save(
    oclnn_batch_norm *layer, int training, const oclnn_tensor *in, const oclnn_tensor *weight,
    const oclnn_tensor *bias, const oclnn_tensor *running_mean, const oclnn_tensor *running_var,
    int64_t *num_batches_tracked, const oclnn_tensor *residual, const oclnn_tensor *out,
    const oclnn_tensor *save_mean, const oclnn_tensor *save_invstd) {
  return forward(layer, "oclnn_batch_norm_forward_save", training, in, weight, bias, running_mean,
                 running_var, num_batches_tracked, residual, out, save_mean, save_invstd);
}

oclnn_status oclnn_batch_norm_backward(
    oclnn_batch_norm *layer, int training, const oclnn_tensor *in, const oclnn_tensor *weight,
    const oclnn_tensor *save_mean, const oclnn_tensor *save_invstd, const oclnn_tensor *grad_out,
    const oclnn_tensor *grad_in, const oclnn_tensor *grad_weight, const oclnn_tensor *grad_bias) {
  static const char *fn = "oclnn_batch_norm_backward";
  if (!layer || !in)
    return oclnn__fail(layer ? layer->ctx : NULL, OCLNN_ERR_NULL_ARGUMENT, "%s: %s is NULL", fn,
                       !layer ? "layer" : "in");
  oclnn_context *ctx = layer->ctx;
  const oclnn_batch_norm_desc *d = &layer->desc;
  oclnn_status status = oclnn__check_tensor(ctx, fn, "in", in, NULL);
  if (status != OCLNN_SUCCESS)
    return status;
  bn_shape s = {0};
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
  p.groups = (uint64_t)s.c;
  p.channels = (uint64_t)s.c;
  if (s.s <= BN_COLUMN_MAX) {
    p.col_div = (uint64_t)s.s;
    p.rows = (uint64_t)s.n;
    p.len = (uint64_t)(s.c * s.s);
  }
  p.batch_stats = training || !d->track_running_stats;
  p.save_groups = s.c;
  p.has_weight = p.has_bias = d->affine != 0;
  p.weight_setting = p.bias_setting = "desc.affine";
  p.param_rank = 1;
  p.param_shape = channel_shape;
  return oclnn__norm_backward_enqueue(&layer->engine, fn, &p);
}
