/* SwitchableNorm1d/2d/3d (Luo et al. 2018; its authors' SwitchNorm2d semantics, SPEC.md):
 * instance statistics per (n, c), then layer statistics per n and batch statistics per c on the
 * device (kernels sn_ln_stats, sn_bn_stats), mixed by the softmax of the logits into apply
 * parameters (sn_params), then the shared apply pass; see oclnn/norm.h. */
#include "layers/norm_internal.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define LOCAL 64

#define SN_FILE "norm_switchable.cl"
/* Backward launches: work-groups of a power of two up to BW_LOCAL_MAX work-items, at least
 * BW_GROUPS_MIN of them when there is enough work (every core busy); runs of BW_SEG floats. */
#define BW_LOCAL_MAX 64
#define BW_GROUPS_MIN 16
#define BW_SEG 4096

struct oclnn_switchable_norm {
  oclnn_context *ctx;
  oclnn_switchable_norm_desc desc;
  oclnn__norm_engine engine;
  /* forward_save and backward (kernels_cl/norm_switchable.cl), built at their first call. */
  oclnn__program *bw_program;
  cl_kernel sn_save, sn_bw_rows, sn_bw_mix, sn_bw_apply;
  int bw_vec;
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
  cl_kernel kernels[] = {layer->sn_save, layer->sn_bw_rows, layer->sn_bw_mix, layer->sn_bw_apply};
  for (size_t i = 0; i < sizeof kernels / sizeof kernels[0]; i++)
    if (kernels[i])
      clReleaseKernel(kernels[i]);
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

/* Builds the forward_save/backward program and kernels once. */
static oclnn_status bw_init(oclnn_switchable_norm *layer, const char *fn) {
  if (layer->sn_bw_apply)
    return OCLNN_SUCCESS;
  oclnn_context *ctx = layer->ctx;
  int vec = (ctx->device_type & CL_DEVICE_TYPE_CPU) ? 16 : 4;
  char options[32];
  snprintf(options, sizeof options, "-DVEC=%d", vec);
  oclnn_status status = oclnn__program_get(ctx, fn, SN_FILE, options, &layer->bw_program);
  const char *names[] = {"sn_save", "sn_bw_rows", "sn_bw_mix", "sn_bw_apply"};
  cl_kernel *kernels[] = {&layer->sn_save, &layer->sn_bw_rows, &layer->sn_bw_mix,
                          &layer->sn_bw_apply};
  for (size_t i = 0; i < 4 && status == OCLNN_SUCCESS; i++)
    status = oclnn__kernel_create(ctx, fn, layer->bw_program, names[i], kernels[i]);
  if (status != OCLNN_SUCCESS) {
    for (size_t i = 0; i < 4; i++)
      if (*kernels[i]) {
        clReleaseKernel(*kernels[i]);
        *kernels[i] = NULL;
      }
    return status;
  }
  layer->bw_vec = vec;
  return OCLNN_SUCCESS;
}

/* Launches `items` work-items of a kernel of the backward program. */
static oclnn_status bw_launch(oclnn_switchable_norm *layer, const char *fn, kargs *a,
                              uint64_t items) {
  oclnn_context *ctx = layer->ctx;
  if (a->err != CL_SUCCESS)
    return oclnn__fail_cl(ctx, fn, "clSetKernelArg", a->err);
  if (items == 0)
    return OCLNN_SUCCESS;
  if (items > SIZE_MAX - BW_LOCAL_MAX)
    return oclnn__fail(ctx, OCLNN_ERR_OVERFLOW, "%s: %llu work-items are too many to launch", fn,
                       (unsigned long long)items);
  size_t local = 1;
  while (local < BW_LOCAL_MAX && local * 2 * BW_GROUPS_MIN <= items)
    local *= 2;
  size_t global = ((size_t)items + local - 1) / local * local;
  return oclnn__enqueue(ctx, fn, layer->bw_program, a->kernel, 1, &global, &local);
}

static int64_t saved_count(const oclnn_switchable_norm_desc *d, int64_t n, int64_t c) {
  return 2 * n * c + 2 * n + (d->using_bn ? 2 * c : 0);
}

oclnn_status oclnn_switchable_norm_saved_count(oclnn_switchable_norm *layer, int rank,
                                               const int64_t *in_shape, int64_t *count) {
  static const char *fn = "oclnn_switchable_norm_saved_count";
  if (!layer || !in_shape || !count)
    return oclnn__fail(layer ? layer->ctx : NULL, OCLNN_ERR_NULL_ARGUMENT, "%s: %s is NULL", fn,
                       !layer      ? "layer"
                       : !in_shape ? "in_shape"
                                   : "count");
  sn_shape s = {0};
  oclnn_status status = check_input(layer, fn, rank, in_shape, &s);
  if (status == OCLNN_SUCCESS)
    *count = saved_count(&layer->desc, s.n, s.c);
  return status;
}

static oclnn_status forward(oclnn_switchable_norm *layer, const char *fn, int training,
                            const oclnn_tensor *in, const oclnn_tensor *weight,
                            const oclnn_tensor *bias, const oclnn_tensor *mean_weight,
                            const oclnn_tensor *var_weight, const oclnn_tensor *running_mean,
                            const oclnn_tensor *running_var, const oclnn_tensor *residual,
                            const oclnn_tensor *out, const oclnn_tensor *saved) {
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
  const int64_t saved_shape[1] = {saved_count(d, s.n, s.c)};
  if (saved &&
      (status = oclnn__norm_check_shape(ctx, fn, "saved", saved, true, "", 1, saved_shape)))
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
      {"saved", saved, true},
  };
  status = oclnn__norm_check_args(ctx, fn, args, (int)(sizeof args / sizeof args[0]));
  if (status == OCLNN_SUCCESS && saved)
    status = bw_init(layer, fn);
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
  if (status == OCLNN_SUCCESS && saved) {
    kargs a = {layer->sn_save, 0, CL_SUCCESS};
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
    arg_tensor(&a, saved);
    status = bw_launch(layer, fn, &a, rows);
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

oclnn_status
oclnn_switchable_norm_forward(oclnn_switchable_norm *layer, int training, const oclnn_tensor *in,
                              const oclnn_tensor *weight, const oclnn_tensor *bias,
                              const oclnn_tensor *mean_weight, const oclnn_tensor *var_weight,
                              const oclnn_tensor *running_mean, const oclnn_tensor *running_var,
                              const oclnn_tensor *residual, const oclnn_tensor *out) {
  return forward(layer, "oclnn_switchable_norm_forward", training, in, weight, bias, mean_weight,
                 var_weight, running_mean, running_var, residual, out, NULL);
}

oclnn_status oclnn_switchable_norm_forward_save(
    oclnn_switchable_norm *layer, int training, const oclnn_tensor *in, const oclnn_tensor *weight,
    const oclnn_tensor *bias, const oclnn_tensor *mean_weight, const oclnn_tensor *var_weight,
    const oclnn_tensor *running_mean, const oclnn_tensor *running_var, const oclnn_tensor *residual,
    const oclnn_tensor *out, const oclnn_tensor *saved) {
  return forward(layer, "oclnn_switchable_norm_forward_save", training, in, weight, bias,
                 mean_weight, var_weight, running_mean, running_var, residual, out, saved);
}

oclnn_status oclnn_switchable_norm_backward(
    oclnn_switchable_norm *layer, int training, const oclnn_tensor *in, const oclnn_tensor *weight,
    const oclnn_tensor *mean_weight, const oclnn_tensor *var_weight, const oclnn_tensor *saved,
    const oclnn_tensor *grad_out, const oclnn_tensor *grad_in, const oclnn_tensor *grad_weight,
    const oclnn_tensor *grad_bias, const oclnn_tensor *grad_mean_weight,
    const oclnn_tensor *grad_var_weight) {
  static const char *fn = "oclnn_switchable_norm_backward";
  if (!layer || !in || !grad_out)
    return oclnn__fail(layer ? layer->ctx : NULL, OCLNN_ERR_NULL_ARGUMENT, "%s: %s is NULL", fn,
                       !layer ? "layer"
                       : !in  ? "in"
                              : "grad_out");
  oclnn_context *ctx = layer->ctx;
  const oclnn_switchable_norm_desc *d = &layer->desc;
  if (!grad_in && !grad_weight && !grad_bias && !grad_mean_weight && !grad_var_weight)
    return oclnn__fail(ctx, OCLNN_ERR_INVALID_VALUE,
                       "%s: every gradient is NULL, so there is nothing to compute", fn);
  oclnn_status status = oclnn__check_tensor(ctx, fn, "in", in, NULL);
  if (status != OCLNN_SUCCESS)
    return status;
  sn_shape s = {0};
  status = check_input(layer, fn, in->rank, in->shape, &s);
  if (status != OCLNN_SUCCESS)
    return status;
  const int64_t channel_shape[1] = {s.c}, logit_shape[1] = {d->using_bn ? 3 : 2},
                saved_shape[1] = {saved_count(d, s.n, s.c)};
  if ((status = oclnn__norm_check_shape(ctx, fn, "weight", weight, true, "the layer has a weight",
                                        1, channel_shape)) ||
      (status = oclnn__norm_check_shape(ctx, fn, "mean_weight", mean_weight, true,
                                        "the layer has mixing logits", 1, logit_shape)) ||
      (status = oclnn__norm_check_shape(ctx, fn, "var_weight", var_weight, true,
                                        "the layer has mixing logits", 1, logit_shape)) ||
      (status = oclnn__norm_check_shape(ctx, fn, "saved", saved, true,
                                        "the backward needs forward_save's statistics", 1,
                                        saved_shape)) ||
      (status =
           oclnn__norm_check_shape(ctx, fn, "grad_out", grad_out, true, "", in->rank, in->shape)) ||
      (grad_in && (status = oclnn__norm_check_shape(ctx, fn, "grad_in", grad_in, true, "", in->rank,
                                                    in->shape))) ||
      (grad_weight && (status = oclnn__norm_check_shape(ctx, fn, "grad_weight", grad_weight, true,
                                                        "", 1, channel_shape))) ||
      (grad_bias && (status = oclnn__norm_check_shape(ctx, fn, "grad_bias", grad_bias, true, "", 1,
                                                      channel_shape))) ||
      (grad_mean_weight &&
       (status = oclnn__norm_check_shape(ctx, fn, "grad_mean_weight", grad_mean_weight, true, "", 1,
                                         logit_shape))) ||
      (grad_var_weight &&
       (status = oclnn__norm_check_shape(ctx, fn, "grad_var_weight", grad_var_weight, true, "", 1,
                                         logit_shape))))
    return status;
  const oclnn__norm_arg args[] = {
      {"in", in, false},
      {"weight", weight, false},
      {"mean_weight", mean_weight, false},
      {"var_weight", var_weight, false},
      {"saved", saved, false},
      {"grad_out", grad_out, false},
      {"grad_in", grad_in, true},
      {"grad_weight", grad_weight, true},
      {"grad_bias", grad_bias, true},
      {"grad_mean_weight", grad_mean_weight, true},
      {"grad_var_weight", grad_var_weight, true},
  };
  if ((status = oclnn__norm_check_args(ctx, fn, args, (int)(sizeof args / sizeof args[0]))) ||
      (status = bw_init(layer, fn)))
    return status;

  uint64_t rows = (uint64_t)(s.n * s.c), len = (uint64_t)s.s;
  bool empty = s.numel == 0, bn = d->using_bn != 0;
  oclnn__norm_layout layout = {0};
  uint64_t sums_off = oclnn__norm_reserve(&layout, 2 * rows);
  uint64_t coef_off = oclnn__norm_reserve(&layout, 3 * rows);
  uint64_t work_off = oclnn__norm_reserve(&layout, 2 * (uint64_t)s.n + 2 * (uint64_t)s.c);
  cl_mem scratch = NULL;
  status = oclnn__norm_scratch(ctx, fn, &layout, &scratch);
  if (status == OCLNN_SUCCESS && !empty) {
    kargs a = {layer->sn_bw_rows, 0, CL_SUCCESS};
    arg_tensor(&a, in);
    arg_tensor(&a, grad_out);
    arg_tensor(&a, saved);
    arg_tensor(&a, mean_weight);
    arg_tensor(&a, var_weight);
    arg_u64(&a, (uint64_t)s.n);
    arg_u64(&a, (uint64_t)s.c);
    arg_u64(&a, len);
    arg_int(&a, bn);
    arg_float(&a, d->eps);
    arg_mem(&a, scratch);
    arg_u64(&a, sums_off);
    status = bw_launch(layer, fn, &a, rows);
  }
  /* Unbiased instance variance: S == 1 divides by 0 (NaN gradients, as the forward's NaN). */
  double inv_unbiased = len > 1 ? 1.0 / (double)(len - 1) : INFINITY;
  if (status == OCLNN_SUCCESS) {
    kargs a = {layer->sn_bw_mix, 0, CL_SUCCESS};
    arg_tensor(&a, saved);
    arg_tensor(&a, mean_weight);
    arg_tensor(&a, var_weight);
    arg_tensor(&a, weight);
    arg_u64(&a, (uint64_t)s.n);
    arg_u64(&a, (uint64_t)s.c);
    arg_u64(&a, len);
    arg_int(&a, bn);
    arg_int(&a, training != 0);
    arg_int(&a, empty);
    arg_float(&a, d->eps);
    arg_float(&a, len ? 1.0 / (double)len : 0.0);
    arg_float(&a, inv_unbiased);
    arg_mem(&a, scratch);
    arg_u64(&a, sums_off);
    arg_mem(&a, scratch);
    arg_u64(&a, coef_off);
    arg_mem(&a, scratch);
    arg_u64(&a, work_off);
    arg_tensor(&a, grad_weight);
    arg_tensor(&a, grad_bias);
    arg_tensor(&a, grad_mean_weight);
    arg_tensor(&a, grad_var_weight);
    status = bw_launch(layer, fn, &a, 1);
  }
  if (status != OCLNN_SUCCESS || !grad_in || empty)
    return status;
  uint64_t segs = (len + BW_SEG - 1) / BW_SEG, seg = (len + segs - 1) / segs;
  seg = (seg + (uint64_t)layer->bw_vec - 1) / (uint64_t)layer->bw_vec * (uint64_t)layer->bw_vec;
  segs = (len + seg - 1) / seg;
  kargs a = {layer->sn_bw_apply, 0, CL_SUCCESS};
  arg_tensor(&a, in);
  arg_tensor(&a, grad_out);
  arg_tensor(&a, saved);
  arg_mem(&a, scratch);
  arg_u64(&a, coef_off);
  arg_tensor(&a, grad_in);
  arg_u64(&a, rows);
  arg_u64(&a, len);
  arg_u64(&a, seg);
  arg_u64(&a, segs);
  return bw_launch(layer, fn, &a, rows * segs);
}
