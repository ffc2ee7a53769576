/* SwitchableNorm1d/2d/3d (Luo et al. 2018; its authors' SwitchNorm2d semantics, SPEC.md):
 * instance statistics per (n, c), then layer statistics per n and batch statistics per c on the
 * device (kernels sn_ln_stats, sn_bn_stats), mixed by the softmax of the logits into apply
 * parameters (sn_params), then the shared apply pass; see oclnn/norm.h. */
#include "layers/norm_internal.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#define LOCAL 64

struct oclnn_switchable_norm {
  oclnn_context *ctx;
  oclnn_switchable_norm_desc desc;
  oclnn__norm_engine engine;
};

oclnn_switchable_norm_desc oclnn_switchable_norm_desc_default(int dims, int64_t num_features) {
  oclnn_switchable_norm_desc desc;
  memset(&desc, 0, sizeof desc);
  desc.dims = dims;
  desc.num_features = num_features;
  desc.eps = 1e-5;
  desc.momentum = 0.9;
  desc.using_moving_average = 1;
  desc.using_bn = 1;
  desc.last_gamma = 0;
  desc.fuse_relu = 0;
  return desc;
}

oclnn_status oclnn_switchable_norm_create(oclnn_context *ctx,
                                          const oclnn_switchable_norm_desc *desc,
                                          oclnn_switchable_norm **out) {
  static const char *fn = "oclnn_switchable_norm_create";
  if (!ctx || !desc || !out)
    return oclnn__fail(ctx, OCLNN_ERR_NULL_ARGUMENT, "%s: %s is NULL", fn,
                       !ctx    ? "ctx"
                       : !desc ? "desc"
                               : "out");
  *out = NULL;
  if (desc->dims < 1 || desc->dims > 3)
    return oclnn__fail(ctx, OCLNN_ERR_INVALID_VALUE,
                       "%s: desc->dims is %d; SwitchableNorm is 1d, 2d or 3d", fn, desc->dims);
  if (desc->num_features < 0)
    return oclnn__fail(ctx, OCLNN_ERR_INVALID_VALUE,
                       "%s: desc->num_features is %lld; it must be >= 0", fn,
                       (long long)desc->num_features);
  oclnn_switchable_norm *layer = calloc(1, sizeof *layer);
  if (!layer)
    return oclnn__fail(ctx, OCLNN_ERR_OUT_OF_MEMORY, "%s: out of host memory", fn);
  oclnn_status status = oclnn__norm_engine_init(ctx, fn, true, &layer->engine);
  if (status != OCLNN_SUCCESS) {
    free(layer);
    return status;
  }
  layer->ctx = ctx;
  layer->desc = *desc;
  *out = layer;
  return OCLNN_SUCCESS;
}

void oclnn_switchable_norm_free(oclnn_switchable_norm *layer) {
  if (!layer)
    return;
  oclnn__norm_engine_release(&layer->engine);
  free(layer);
}

typedef struct sn_shape {
  int64_t n, c, s, numel;
} sn_shape;

static oclnn_status check_input(oclnn_switchable_norm *layer, const char *fn, int rank,
                                const int64_t *shape, sn_shape *out) {
  oclnn_context *ctx = layer->ctx;
  const oclnn_switchable_norm_desc *d = &layer->desc;
  char text[128];
  int64_t numel = 0;
  oclnn_status status = oclnn__norm_check_in_shape(ctx, fn, rank, shape, &numel);
  if (status != OCLNN_SUCCESS)
    return status;
  if (rank != d->dims + 2)
    return oclnn__fail(ctx, OCLNN_ERR_INVALID_SHAPE,
                       "%s: SwitchableNorm%dd expects a %dD input, got %s", fn, d->dims,
                       d->dims + 2, oclnn__shape_string(rank, shape, text, sizeof text));
  out->n = shape[0];
  out->c = shape[1];
  out->s = 1;
  for (int i = 2; i < rank; i++)
    out->s *= shape[i];
  out->numel = numel;
  if (out->c != d->num_features)
    return oclnn__fail(ctx, OCLNN_ERR_INVALID_SHAPE,
                       "%s: input %s has %lld channels but num_features is %lld", fn,
                       oclnn__shape_string(rank, shape, text, sizeof text), (long long)out->c,
                       (long long)d->num_features);
  return OCLNN_SUCCESS;
}

oclnn_status oclnn_switchable_norm_output_shape(oclnn_switchable_norm *layer, int rank,
                                                const int64_t *in_shape, int64_t *out_shape) {
  static const char *fn = "oclnn_switchable_norm_output_shape";
  if (!layer || !in_shape || !out_shape)
    return oclnn__fail(layer ? layer->ctx : NULL, OCLNN_ERR_NULL_ARGUMENT, "%s: %s is NULL", fn,
                       !layer      ? "layer"
                       : !in_shape ? "in_shape"
                                   : "out_shape");
  sn_shape s = {0};
  oclnn_status status = check_input(layer, fn, rank, in_shape, &s);
  if (status == OCLNN_SUCCESS)
    memcpy(out_shape, in_shape, (size_t)rank * sizeof *in_shape);
  return status;
}

typedef struct kargs {
  cl_kernel kernel;
  cl_uint index;
  cl_int err;
} kargs;

static void set_arg(kargs *a, size_t size, const void *value) {
  cl_int err = clSetKernelArg(a->kernel, a->index++, size, value);
  if (a->err == CL_SUCCESS)
    a->err = err;
}
static void arg_mem(kargs *a, cl_mem m) { set_arg(a, sizeof m, &m); }
static void arg_u64(kargs *a, uint64_t v) {
  cl_ulong u = v;
  set_arg(a, sizeof u, &u);
}
static void arg_int(kargs *a, int v) {
  cl_int i = v;
  set_arg(a, sizeof i, &i);
}
static void arg_float(kargs *a, double v) {
  cl_float f = (cl_float)v;
  set_arg(a, sizeof f, &f);
}
static void arg_tensor(kargs *a, const oclnn_tensor *t) {
  arg_mem(a, t ? t->buffer : NULL);
  arg_u64(a, t ? t->offset : 0);
}

static oclnn_status launch(oclnn_switchable_norm *layer, const char *fn, kargs *a, uint64_t items) {
  oclnn_context *ctx = layer->ctx;
  if (a->err != CL_SUCCESS)
    return oclnn__fail_cl(ctx, fn, "clSetKernelArg", a->err);
  if (items == 0)
    return OCLNN_SUCCESS;
  if (items > SIZE_MAX - LOCAL)
    return oclnn__fail(ctx, OCLNN_ERR_OVERFLOW, "%s: %llu work-items are too many to launch", fn,
                       (unsigned long long)items);
  size_t local = LOCAL, global = ((size_t)items + LOCAL - 1) / LOCAL * LOCAL;
  return oclnn__enqueue(ctx, fn, layer->engine.stats_program, a->kernel, 1, &global, &local);
}

oclnn_status
oclnn_switchable_norm_forward(oclnn_switchable_norm *layer, int training, const oclnn_tensor *in,
                              const oclnn_tensor *weight, const oclnn_tensor *bias,
                              const oclnn_tensor *mean_weight, const oclnn_tensor *var_weight,
                              const oclnn_tensor *running_mean, const oclnn_tensor *running_var,
                              const oclnn_tensor *residual, const oclnn_tensor *out) {
  static const char *fn = "oclnn_switchable_norm_forward";
  if (!layer || !in || !out)
    return oclnn__fail(layer ? layer->ctx : NULL, OCLNN_ERR_NULL_ARGUMENT, "%s: %s is NULL", fn,
                       !layer ? "layer"
                       : !in  ? "in"
                              : "out");
  oclnn_context *ctx = layer->ctx;
  const oclnn_switchable_norm_desc *d = &layer->desc;
  oclnn_status status = oclnn__check_tensor(ctx, fn, "in", in, NULL);
  if (status != OCLNN_SUCCESS)
    return status;
  sn_shape s = {0};
  status = check_input(layer, fn, in->rank, in->shape, &s);
  if (status != OCLNN_SUCCESS)
    return status;
  const int64_t channel_shape[1] = {s.c}, logit_shape[1] = {d->using_bn ? 3 : 2};
  bool bn = d->using_bn != 0;
  if ((status = oclnn__norm_check_shape(ctx, fn, "weight", weight, true, "the layer has a weight",
                                        1, channel_shape)) ||
      (status = oclnn__norm_check_shape(ctx, fn, "bias", bias, true, "the layer has a bias", 1,
                                        channel_shape)) ||
      (status = oclnn__norm_check_shape(ctx, fn, "mean_weight", mean_weight, true,
                                        "the layer has mixing logits", 1, logit_shape)) ||
      (status = oclnn__norm_check_shape(ctx, fn, "var_weight", var_weight, true,
                                        "the layer has mixing logits", 1, logit_shape)) ||
      (status = oclnn__norm_check_shape(ctx, fn, "running_mean", running_mean, bn,
                                        bn ? "desc.using_bn is set" : "desc.using_bn is 0", 1,
                                        channel_shape)) ||
      (status = oclnn__norm_check_shape(ctx, fn, "running_var", running_var, bn,
                                        bn ? "desc.using_bn is set" : "desc.using_bn is 0", 1,
                                        channel_shape)) ||
      (status = oclnn__norm_check_shape(ctx, fn, "out", out, true, "", in->rank, in->shape)) ||
      (residual && (status = oclnn__norm_check_shape(ctx, fn, "residual", residual, true, "",
                                                     in->rank, in->shape))))
    return status;
  bool update = training && bn;
  const oclnn__norm_arg args[] = {
      {"in", in, false},
      {"weight", weight, false},
      {"bias", bias, false},
      {"mean_weight", mean_weight, false},
      {"var_weight", var_weight, false},
      {"residual", residual, false},
      {"running_mean", running_mean, update},
      {"running_var", running_var, update},
      {"out", out, true},
  };
  status = oclnn__norm_check_args(ctx, fn, args, (int)(sizeof args / sizeof args[0]));
  if (status != OCLNN_SUCCESS || s.numel == 0)
    return status;

  oclnn__norm_engine *e = &layer->engine;
  uint64_t rows = (uint64_t)(s.n * s.c);
  oclnn__norm_layout layout = {0};
  oclnn__norm_stats_plan plan;
  oclnn__norm_stats_plan_make(e, 1, rows, (uint64_t)s.s, &layout, &plan);
  uint64_t ln_off = oclnn__norm_reserve(&layout, (uint64_t)s.n * 4);
  uint64_t bn_off = oclnn__norm_reserve(&layout, bn ? (uint64_t)s.c * 4 : 0);
  oclnn__norm_params params;
  oclnn__norm_params_reserve(&layout, rows, &params);
  cl_mem scratch = NULL;
  status = oclnn__norm_scratch(ctx, fn, &layout, &scratch);
  if (status == OCLNN_SUCCESS)
    status = oclnn__norm_stats_enqueue(e, fn, &plan, in, scratch);
  if (status != OCLNN_SUCCESS)
    return status;
  /* Unbiased instance variance: S == 1 divides 0 by 0 (NaN), as torch's x.var() does. */
  double inv_unbiased = s.s > 1 ? 1.0 / (double)(s.s - 1) : INFINITY;
  {
    kargs a = {e->sn_ln, 0, CL_SUCCESS};
    arg_mem(&a, scratch);
    arg_u64(&a, plan.stats_off);
    arg_u64(&a, (uint64_t)s.n);
    arg_u64(&a, (uint64_t)s.c);
    arg_float(&a, inv_unbiased);
    arg_mem(&a, scratch);
    arg_u64(&a, ln_off);
    status = launch(layer, fn, &a, (uint64_t)s.n);
  }
  if (status == OCLNN_SUCCESS && bn) {
    kargs a = {e->sn_bn, 0, CL_SUCCESS};
    arg_mem(&a, scratch);
    arg_u64(&a, plan.stats_off);
    arg_u64(&a, (uint64_t)s.n);
    arg_u64(&a, (uint64_t)s.c);
    arg_float(&a, inv_unbiased);
    arg_int(&a, training != 0);
    arg_int(&a, d->using_moving_average != 0);
    arg_float(&a, d->momentum);
    arg_tensor(&a, running_mean);
    arg_tensor(&a, running_var);
    arg_mem(&a, scratch);
    arg_u64(&a, bn_off);
    status = launch(layer, fn, &a, (uint64_t)s.c);
  }
  if (status == OCLNN_SUCCESS) {
    kargs a = {e->sn_params, 0, CL_SUCCESS};
    arg_mem(&a, scratch);
    arg_u64(&a, plan.stats_off);
    arg_mem(&a, scratch);
    arg_u64(&a, ln_off);
    arg_mem(&a, scratch);
    arg_u64(&a, bn_off);
    arg_u64(&a, (uint64_t)s.n);
    arg_u64(&a, (uint64_t)s.c);
    arg_float(&a, inv_unbiased);
    arg_int(&a, bn);
    arg_tensor(&a, mean_weight);
    arg_tensor(&a, var_weight);
    arg_tensor(&a, weight);
    arg_tensor(&a, bias);
    arg_float(&a, d->eps);
    arg_mem(&a, scratch);
    arg_u64(&a, params.shift_off);
    arg_u64(&a, params.scale_off);
    arg_u64(&a, params.offset_off);
    status = launch(layer, fn, &a, rows);
  }
  if (status != OCLNN_SUCCESS)
    return status;
  oclnn__norm_apply_args apply = {0};
  apply.in = in;
  apply.out = out;
  apply.residual = residual;
  apply.params = &params;
  apply.mod = rows;
  apply.rows = rows;
  apply.len = (uint64_t)s.s;
  apply.relu = d->fuse_relu != 0;
  apply.order = OCLNN__NORM_REVERSE_ROWS; /* start where the statistics pass ended */
  return oclnn__norm_apply_enqueue(e, fn, scratch, &apply);
}
