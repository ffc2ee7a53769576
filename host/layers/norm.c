/* Normalization machinery shared by norm_batch.c, norm_instance.c, norm_layer.c, norm_group.c
 * and norm_switchable.c: statistics of (A, G, B) layouts (one pass, Welford + Chan merges;
 * kernels_cl/norm_stats.cl), parameters and running statistics on the device, and the fused
 * apply pass (kernels_cl/norm_apply.cl). Nothing here blocks. */
#include "layers/norm_internal.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define STATS_FILE "norm_stats.cl"
#define APPLY_FILE "norm_apply.cl"
#define BACKWARD_FILE "norm_backward.cl"

/* Local size of the one-dimensional launches. */
#define LOCAL 64
/* Groups up to ROW_TINY elements, or up to ROW_MAX when there are at least ROW_MANY of them, get
 * one work-item each; larger ones are split over a work-group (or several). */
#define ROW_TINY 256
#define ROW_MAX 4096
#define ROW_MANY 256
/* Elements per work-item of a split group, and rows per work-item for column groups. */
#define SPLIT_CHUNK 4096
#define COLS_ELEMENTS 4096
/* Apply: elements per work-item (at most; fewer when the tensor is small, so that both cores of
 * a small CPU get work-groups). */
#define APPLY_SEG_MAX 4096
#define APPLY_SEG_MIN 256

/* Fused statistics + apply (norm_fused) for groups of ROW_TINY + 1 .. FUSED_MAX floats. A
 * work-group runs on one core and re-reads its group right after reading it: up to 1 MiB that
 * comes back from L2/L3 (this machine: 512 KiB L2 per core, 32 MiB L3) instead of memory.
 * FUSED_MAX = SPLIT_CHUNK * LOCAL also keeps it within one work-group's chunks, so its
 * statistics are norm_stats_split's. Smaller groups keep one work-item per group
 * (norm_stats_rows). OCLNN_NORM_FUSED_MIN / OCLNN_NORM_FUSED_MAX (floats) override the bounds,
 * so that tests run both paths on the same sweeps. */
#define FUSED_MAX ((uint64_t)SPLIT_CHUNK * LOCAL)

/* A decimal environment value; false when unset, empty or not a number. */
static bool env_u64(const char *text, uint64_t *out) {
  if (!text || !*text)
    return false;
  char *end = NULL;
  unsigned long long v = strtoull(text, &end, 10);
  if (!end || *end != '\0')
    return false;
  *out = v;
  return true;
}

/* Outputs of at least half the device's global memory cache (PoCL here: 32 MiB, the L3) would
 * be evicted before the next layer reads them, since the pass also streams the same amount of
 * input through the cache; on CPUs those are written with streaming stores (no read for
 * ownership: measured ~20% faster on the 32 MiB BatchNorm eval). OCLNN_NORM_STREAM_MIN
 * (bytes) overrides the threshold, for tests and tuning. */
uint64_t oclnn__norm_stream_min(const oclnn_context *ctx) {
  const char *env = getenv("OCLNN_NORM_STREAM_MIN");
  uint64_t v = 0;
  if (env_u64(env, &v))
    return v;
  if (!(ctx->device_type & CL_DEVICE_TYPE_CPU))
    return UINT64_MAX;
  cl_ulong cache = 0;
  if (clGetDeviceInfo(ctx->device, CL_DEVICE_GLOBAL_MEM_CACHE_SIZE, sizeof cache, &cache, NULL) !=
          CL_SUCCESS ||
      cache == 0)
    return UINT64_MAX;
  return cache / 2;
}

enum { MODE_ROWS = 0, MODE_SPLIT = 1, MODE_COLS = 2 };

static int vector_width(const oclnn_context *ctx) {
  return (ctx->device_type & CL_DEVICE_TYPE_CPU) ? 8 : 4;
}

void oclnn__norm_variants(oclnn__variant_fn each, void *user) {
  static const int widths[] = {4, 8};
  static const char *const files[] = {STATS_FILE, APPLY_FILE, BACKWARD_FILE};
  for (size_t w = 0; w < sizeof widths / sizeof widths[0]; w++) {
    char options[32];
    snprintf(options, sizeof options, "-DVEC=%d", widths[w]);
    for (size_t f = 0; f < sizeof files / sizeof files[0]; f++)
      each(user, files[f], options);
  }
  /* LocalResponseNorm: float16 on CPUs, float4 elsewhere (norm_lrn.c). */
  each(user, "norm_lrn.cl", "-DVEC=4");
  each(user, "norm_lrn.cl", "-DVEC=16");
  /* SwitchableNorm's forward_save and backward, likewise (norm_switchable.c). */
  each(user, "norm_switchable.cl", "-DVEC=4");
  each(user, "norm_switchable.cl", "-DVEC=16");
}

/* The largest power of two <= LOCAL that the kernel can run as a work-group. */
static oclnn_status local_size(oclnn_context *ctx, const char *fn, cl_kernel kernel, size_t *out) {
  size_t limit = 0;
  cl_int err = clGetKernelWorkGroupInfo(kernel, ctx->device, CL_KERNEL_WORK_GROUP_SIZE,
                                        sizeof limit, &limit, NULL);
  if (err != CL_SUCCESS)
    return oclnn__fail_cl(ctx, fn, "clGetKernelWorkGroupInfo", err);
  *out = LOCAL;
  while (*out > 1 && *out > limit)
    *out /= 2;
  return OCLNN_SUCCESS;
}

oclnn_status oclnn__norm_engine_init(oclnn_context *ctx, const char *fn, bool switchable,
                                     oclnn__norm_engine *e) {
  memset(e, 0, sizeof *e);
  e->ctx = ctx;
  char options[32];
  snprintf(options, sizeof options, "-DVEC=%d", vector_width(ctx));
  oclnn_status status = oclnn__program_get(ctx, fn, STATS_FILE, options, &e->stats_program);
  if (status == OCLNN_SUCCESS)
    status = oclnn__program_get(ctx, fn, APPLY_FILE, options, &e->apply_program);
  struct {
    oclnn__program *program;
    const char *name;
    cl_kernel *kernel;
    bool wanted;
  } kernels[] = {
      {e->stats_program, "norm_stats_rows", &e->rows, true},
      {e->stats_program, "norm_stats_split", &e->split, true},
      {e->stats_program, "norm_stats_cols", &e->cols, true},
      {e->stats_program, "norm_stats_merge", &e->merge, true},
      {e->stats_program, "norm_params", &e->params, true},
      {e->stats_program, "norm_running", &e->running, true},
      {e->apply_program, "norm_apply", &e->apply, true},
      {e->stats_program, "norm_fused", &e->fused, true},
      {e->stats_program, "sn_ln_stats", &e->sn_ln, switchable},
      {e->stats_program, "sn_bn_stats", &e->sn_bn, switchable},
      {e->stats_program, "sn_params", &e->sn_params, switchable},
  };
  for (size_t i = 0; i < sizeof kernels / sizeof kernels[0] && status == OCLNN_SUCCESS; i++)
    if (kernels[i].wanted)
      status =
          oclnn__kernel_create(ctx, fn, kernels[i].program, kernels[i].name, kernels[i].kernel);
  if (status == OCLNN_SUCCESS)
    status = local_size(ctx, fn, e->split, &e->split_local);
  if (status == OCLNN_SUCCESS)
    status = local_size(ctx, fn, e->fused, &e->fused_local);
  if (!env_u64(getenv("OCLNN_NORM_FUSED_MIN"), &e->fused_min))
    e->fused_min = ROW_TINY + 1;
  if (!env_u64(getenv("OCLNN_NORM_FUSED_MAX"), &e->fused_max))
    e->fused_max = FUSED_MAX;
  e->stream_min = oclnn__norm_stream_min(ctx);
  if (status != OCLNN_SUCCESS)
    oclnn__norm_engine_release(e);
  return status;
}

void oclnn__norm_engine_release(oclnn__norm_engine *e) {
  cl_kernel *all[] = {&e->rows,      &e->split,       &e->cols,        &e->merge,     &e->params,
                      &e->running,   &e->apply,       &e->fused,       &e->sn_ln,     &e->sn_bn,
                      &e->sn_params, &e->save,        &e->bw_rows,     &e->bw_reduce, &e->bw_apply,
                      &e->bw_fused,  &e->bw_col_sums, &e->bw_col_apply};
  for (size_t i = 0; i < sizeof all / sizeof all[0]; i++) {
    if (*all[i])
      clReleaseKernel(*all[i]);
    *all[i] = NULL;
  }
}

uint64_t oclnn__norm_reserve(oclnn__norm_layout *layout, uint64_t floats) {
  uint64_t at = (layout->floats + 15) / 16 * 16;
  /* Sizes come from checked tensors, far below 2^62 floats. */
  layout->floats = at + floats;
  return at;
}

oclnn_status oclnn__norm_scratch(oclnn_context *ctx, const char *fn,
                                 const oclnn__norm_layout *layout, cl_mem *out) {
  if (layout->floats > SIZE_MAX / sizeof(float))
    return oclnn__fail(ctx, OCLNN_ERR_OVERFLOW, "%s: %llu floats of scratch are too many", fn,
                       (unsigned long long)layout->floats);
  return oclnn__scratch(ctx, fn, (size_t)layout->floats * sizeof(float), out);
}

static uint64_t div_up(uint64_t a, uint64_t b) { return a / b + (a % b != 0); }

void oclnn__norm_stats_plan_make(const oclnn__norm_engine *e, uint64_t A, uint64_t G, uint64_t B,
                                 oclnn__norm_layout *layout, oclnn__norm_stats_plan *plan) {
  memset(plan, 0, sizeof *plan);
  plan->A = A;
  plan->G = G;
  plan->B = B;
  plan->count = A * B;
  uint64_t vec = (uint64_t)vector_width(e->ctx);
  uint64_t first; /* partial statistics per group written by the first kernel */
  if (B == 1 && A > 1) {
    plan->mode = MODE_COLS;
    plan->chunk = COLS_ELEMENTS / (2 * vec);
    plan->parts = div_up(A, plan->chunk);
    first = plan->parts;
  } else if (plan->count <= ROW_TINY || (plan->count <= ROW_MAX && G >= ROW_MANY)) {
    plan->mode = MODE_ROWS;
    plan->parts = 1;
    first = 1;
  } else {
    uint64_t local = e->split_local;
    plan->mode = MODE_SPLIT;
    if (plan->count <= (uint64_t)SPLIT_CHUNK * local) {
      plan->parts = local;
      plan->chunk = div_up(div_up(plan->count, local), 2 * vec) * 2 * vec;
    } else {
      plan->chunk = SPLIT_CHUNK;
      plan->parts = div_up(div_up(plan->count, SPLIT_CHUNK), local) * local;
    }
    first = plan->parts / local;
  }
  plan->partials = first;
  plan->partial_off = oclnn__norm_reserve(layout, G * first * 4);
  plan->stats_off = first > 1 ? oclnn__norm_reserve(layout, G * 4) : plan->partial_off;
}

/* Kernel arguments, set in order; the first error is kept. */
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
/* A tensor as (buffer, offset); NULL as (NULL, 0). */
static void arg_tensor(kargs *a, const oclnn_tensor *t) {
  arg_mem(a, t ? t->buffer : NULL);
  arg_u64(a, t ? t->offset : 0);
}

static oclnn_status launch(oclnn__norm_engine *e, const char *fn, oclnn__program *program, kargs *a,
                           uint64_t items, size_t local) {
  if (a->err != CL_SUCCESS)
    return oclnn__fail_cl(e->ctx, fn, "clSetKernelArg", a->err);
  if (items == 0)
    return OCLNN_SUCCESS;
  if (items > SIZE_MAX - local)
    return oclnn__fail(e->ctx, OCLNN_ERR_OVERFLOW, "%s: %llu work-items are too many to launch", fn,
                       (unsigned long long)items);
  size_t global = (size_t)div_up(items, local) * local;
  return oclnn__enqueue(e->ctx, fn, program, a->kernel, 1, &global, &local);
}

oclnn_status oclnn__norm_stats_enqueue(oclnn__norm_engine *e, const char *fn,
                                       const oclnn__norm_stats_plan *plan, const oclnn_tensor *in,
                                       cl_mem scratch) {
  oclnn_status status = OCLNN_SUCCESS;
  if (plan->G == 0)
    return OCLNN_SUCCESS;
  if (plan->mode == MODE_ROWS) {
    kargs a = {e->rows, 0, CL_SUCCESS};
    arg_tensor(&a, in);
    arg_u64(&a, plan->G);
    arg_u64(&a, plan->B);
    arg_u64(&a, plan->count);
    arg_mem(&a, scratch);
    arg_u64(&a, plan->partial_off);
    status = launch(e, fn, e->stats_program, &a, plan->G, LOCAL);
  } else if (plan->mode == MODE_SPLIT) {
    kargs a = {e->split, 0, CL_SUCCESS};
    arg_tensor(&a, in);
    arg_u64(&a, plan->G);
    arg_u64(&a, plan->B);
    arg_u64(&a, plan->count);
    arg_u64(&a, plan->parts);
    arg_u64(&a, plan->chunk);
    arg_mem(&a, scratch);
    arg_u64(&a, plan->partial_off);
    set_arg(&a, 3 * sizeof(cl_float) * e->split_local, NULL);
    status = launch(e, fn, e->stats_program, &a, plan->G * plan->parts, e->split_local);
  } else {
    uint64_t vec = (uint64_t)vector_width(e->ctx);
    uint64_t items = div_up(plan->G, 2 * vec) * plan->parts;
    kargs a = {e->cols, 0, CL_SUCCESS};
    arg_tensor(&a, in);
    arg_u64(&a, plan->A);
    arg_u64(&a, plan->G);
    arg_u64(&a, plan->parts);
    arg_u64(&a, plan->chunk);
    arg_u64(&a, items);
    arg_mem(&a, scratch);
    arg_u64(&a, plan->partial_off);
    status = launch(e, fn, e->stats_program, &a, items, LOCAL);
  }
  if (status != OCLNN_SUCCESS || plan->partials <= 1)
    return status;
  kargs a = {e->merge, 0, CL_SUCCESS};
  arg_mem(&a, scratch);
  arg_u64(&a, plan->partial_off);
  arg_u64(&a, plan->G);
  arg_u64(&a, plan->partials);
  arg_mem(&a, scratch);
  arg_u64(&a, plan->stats_off);
  return launch(e, fn, e->stats_program, &a, plan->G, LOCAL);
}

void oclnn__norm_params_reserve(oclnn__norm_layout *layout, uint64_t count,
                                oclnn__norm_params *params) {
  params->count = count;
  params->shift_off = oclnn__norm_reserve(layout, count);
  params->scale_off = oclnn__norm_reserve(layout, count);
  params->offset_off = oclnn__norm_reserve(layout, count);
}

oclnn_status oclnn__norm_params_enqueue(oclnn__norm_engine *e, const char *fn, cl_mem scratch,
                                        uint64_t stats_off, const oclnn_tensor *running_mean,
                                        const oclnn_tensor *running_var, const oclnn_tensor *weight,
                                        const oclnn_tensor *bias, uint64_t per_group,
                                        uint64_t channels, double inv_n, double eps,
                                        const oclnn__norm_params *params) {
  bool use_running = stats_off == UINT64_MAX;
  kargs a = {e->params, 0, CL_SUCCESS};
  arg_mem(&a, scratch);
  arg_u64(&a, use_running ? 0 : stats_off);
  arg_tensor(&a, use_running ? running_mean : NULL);
  arg_tensor(&a, use_running ? running_var : NULL);
  arg_int(&a, use_running);
  arg_tensor(&a, weight);
  arg_tensor(&a, bias);
  arg_int(&a, (weight ? 1 : 0) | (bias ? 2 : 0));
  arg_u64(&a, params->count);
  arg_u64(&a, per_group ? per_group : 1);
  arg_u64(&a, channels ? channels : 1);
  arg_float(&a, inv_n);
  arg_float(&a, eps);
  arg_mem(&a, scratch);
  arg_u64(&a, params->shift_off);
  arg_u64(&a, params->scale_off);
  arg_u64(&a, params->offset_off);
  return launch(e, fn, e->stats_program, &a, params->count, LOCAL);
}

oclnn_status oclnn__norm_running_enqueue(oclnn__norm_engine *e, const char *fn, cl_mem scratch,
                                         uint64_t stats_off, uint64_t channels, uint64_t batch,
                                         uint64_t count, double momentum,
                                         const oclnn_tensor *running_mean,
                                         const oclnn_tensor *running_var) {
  kargs a = {e->running, 0, CL_SUCCESS};
  arg_mem(&a, scratch);
  arg_u64(&a, stats_off);
  arg_u64(&a, channels);
  arg_u64(&a, batch);
  arg_float(&a, count ? 1.0 / (double)count : INFINITY);
  arg_float(&a, count > 1 ? (double)count / (double)(count - 1) : INFINITY);
  arg_float(&a, momentum);
  arg_tensor(&a, running_mean);
  arg_tensor(&a, running_var);
  return launch(e, fn, e->stats_program, &a, channels, LOCAL);
}

oclnn_status oclnn__norm_apply_enqueue(oclnn__norm_engine *e, const char *fn, cl_mem scratch,
                                       const oclnn__norm_apply_args *p) {
  uint64_t rows = p->rows, len = p->len, total = rows * len;
  if (total == 0)
    return OCLNN_SUCCESS;
  uint64_t vec = (uint64_t)vector_width(e->ctx);
  /* Aim at >= 8 work-groups when the tensor allows it, with APPLY_SEG_MIN..MAX elements per
   * work-item. */
  uint64_t seg = total / (LOCAL * 8);
  seg = seg < APPLY_SEG_MIN ? APPLY_SEG_MIN : seg > APPLY_SEG_MAX ? APPLY_SEG_MAX : seg;
  seg = div_up(seg, vec) * vec;
  uint64_t rows_per_item = 1, segs = 1, items;
  if (len >= seg) {
    segs = div_up(len, seg);
    items = rows * segs;
  } else {
    rows_per_item = seg / len;
    seg = len;
    items = div_up(rows, rows_per_item);
  }
  int flags =
      (p->residual ? 1 : 0) | (p->relu ? 2 : 0) | (p->col_weight ? 4 : 0) | (p->col_bias ? 8 : 0);
  int pmode = p->running_mean ? 1 | (p->weight ? 2 : 0) | (p->bias ? 4 : 0) : 0;
  /* The reversed orders are defined on segments of rows only. */
  int order = rows_per_item == 1 && !p->col_params ? p->order : OCLNN__NORM_FORWARD;
  kargs a = {e->apply, 0, CL_SUCCESS};
  arg_tensor(&a, p->in);
  arg_tensor(&a, p->out);
  arg_tensor(&a, p->residual);
  arg_mem(&a, scratch);
  arg_u64(&a, p->params->shift_off);
  arg_u64(&a, p->params->scale_off);
  arg_u64(&a, p->params->offset_off);
  arg_u64(&a, p->mod ? p->mod : 1);
  arg_int(&a, p->col_params);
  arg_tensor(&a, p->col_weight);
  arg_tensor(&a, p->col_bias);
  arg_u64(&a, rows);
  arg_u64(&a, len);
  arg_u64(&a, seg);
  arg_u64(&a, segs);
  arg_u64(&a, rows_per_item);
  arg_u64(&a, items);
  arg_int(&a, flags);
  arg_tensor(&a, p->running_mean);
  arg_tensor(&a, p->running_mean ? p->running_var : NULL);
  arg_tensor(&a, p->running_mean ? p->weight : NULL);
  arg_tensor(&a, p->running_mean ? p->bias : NULL);
  arg_int(&a, pmode);
  arg_float(&a, p->eps);
  arg_int(&a, order);
  arg_int(&a, total * sizeof(float) >= e->stream_min);
  return launch(e, fn, e->apply_program, &a, items, LOCAL);
}

bool oclnn__norm_fused_fits(const oclnn__norm_engine *e, uint64_t count) {
  return count >= e->fused_min && count <= e->fused_max;
}

oclnn_status oclnn__norm_fused_enqueue(oclnn__norm_engine *e, const char *fn, cl_mem scratch,
                                       const oclnn__norm_fused_args *p) {
  if (p->groups == 0 || p->count == 0)
    return OCLNN_SUCCESS;
  uint64_t vec = (uint64_t)vector_width(e->ctx), local = e->fused_local;
  /* norm_stats_split's chunks for a group of one work-group. */
  uint64_t chunk = div_up(div_up(p->count, local), 2 * vec) * 2 * vec;
  int flags = (p->residual ? 1 : 0) | (p->relu ? 2 : 0) | (p->weight ? 4 : 0) | (p->bias ? 8 : 0);
  kargs a = {e->fused, 0, CL_SUCCESS};
  arg_tensor(&a, p->in);
  arg_tensor(&a, p->out);
  arg_tensor(&a, p->residual);
  arg_tensor(&a, p->weight);
  arg_tensor(&a, p->bias);
  arg_int(&a, flags);
  arg_u64(&a, p->groups);
  arg_u64(&a, p->count);
  arg_u64(&a, p->inner ? p->inner : p->count);
  arg_u64(&a, chunk);
  arg_u64(&a, p->len ? p->len : 1);
  arg_u64(&a, p->channels ? p->channels : 1);
  arg_float(&a, 1.0 / (double)p->count);
  arg_float(&a, p->eps);
  arg_mem(&a, scratch);
  arg_u64(&a, p->stats_off);
  arg_int(&a, p->groups * p->count * sizeof(float) >= e->stream_min);
  set_arg(&a, 3 * sizeof(cl_float) * local, NULL);
  if (p->groups > SIZE_MAX / local)
    return oclnn__fail(e->ctx, OCLNN_ERR_OVERFLOW, "%s: %llu work-groups are too many to launch",
                       fn, (unsigned long long)p->groups);
  return launch(e, fn, e->stats_program, &a, p->groups * local, local);
}

/* --- validation --- */

static bool empty_view(const oclnn_tensor *t) { return oclnn_tensor_numel(t) == 0; }

oclnn_status oclnn__norm_check_args(oclnn_context *ctx, const char *fn, const oclnn__norm_arg *args,
                                    int count) {
  for (int i = 0; i < count; i++) {
    if (!args[i].tensor)
      continue;
    oclnn_status status = oclnn__check_tensor(ctx, fn, args[i].name, args[i].tensor, NULL);
    if (status != OCLNN_SUCCESS)
      return status;
  }
  for (int i = 0; i < count; i++) {
    for (int j = i + 1; j < count; j++) {
      const oclnn__norm_arg *a = &args[i], *b = &args[j];
      if (!a->tensor || !b->tensor || !(a->written || b->written))
        continue;
      if (empty_view(a->tensor) || empty_view(b->tensor))
        continue;
      oclnn_status status =
          a->written ? oclnn__check_no_overlap(ctx, fn, b->name, b->tensor, a->name, a->tensor)
                     : oclnn__check_no_overlap(ctx, fn, a->name, a->tensor, b->name, b->tensor);
      if (status != OCLNN_SUCCESS)
        return status;
    }
  }
  return OCLNN_SUCCESS;
}

oclnn_status oclnn__norm_check_shape(oclnn_context *ctx, const char *fn, const char *name,
                                     const oclnn_tensor *tensor, bool required, const char *why,
                                     int rank, const int64_t *shape) {
  if (required && !tensor)
    return oclnn__fail(ctx, OCLNN_ERR_NULL_ARGUMENT, "%s: %s is NULL but %s", fn, name, why);
  if (!required && tensor)
    return oclnn__fail(ctx, OCLNN_ERR_INVALID_VALUE,
                       "%s: %s is given but the layer has none (%s); pass NULL", fn, name, why);
  if (!tensor)
    return OCLNN_SUCCESS;
  bool same = tensor->rank == rank;
  for (int i = 0; same && i < rank; i++)
    same = tensor->shape[i] == shape[i];
  if (!same) {
    char got[128], want[128];
    int got_rank = tensor->rank < 0                ? 0
                   : tensor->rank > OCLNN_MAX_RANK ? OCLNN_MAX_RANK
                                                   : tensor->rank;
    return oclnn__fail(ctx, OCLNN_ERR_INVALID_SHAPE, "%s: %s has shape %s (rank %d), expected %s",
                       fn, name, oclnn__shape_string(got_rank, tensor->shape, got, sizeof got),
                       tensor->rank, oclnn__shape_string(rank, shape, want, sizeof want));
  }
  return OCLNN_SUCCESS;
}

oclnn_status oclnn__norm_check_in_shape(oclnn_context *ctx, const char *fn, int rank,
                                        const int64_t *shape, int64_t *numel) {
  char text[128];
  if (rank < 1 || rank > OCLNN_MAX_RANK)
    return oclnn__fail(ctx, OCLNN_ERR_INVALID_SHAPE, "%s: input rank is %d; ranks 1 to %d exist",
                       fn, rank, OCLNN_MAX_RANK);
  int64_t count = 1;
  for (int i = 0; i < rank; i++) {
    if (shape[i] < 0)
      return oclnn__fail(ctx, OCLNN_ERR_INVALID_SHAPE, "%s: input shape %s has a negative dim", fn,
                         oclnn__shape_string(rank, shape, text, sizeof text));
    if (!oclnn__mul_i64(count, shape[i], &count) || count > INT64_MAX / 4)
      return oclnn__fail(ctx, OCLNN_ERR_OVERFLOW, "%s: input shape %s has too many elements", fn,
                         oclnn__shape_string(rank, shape, text, sizeof text));
  }
  *numel = count;
  return OCLNN_SUCCESS;
}

/* --- forward_save and backward --- */

oclnn_status oclnn__norm_bw_init(oclnn__norm_engine *e, const char *fn) {
  if (e->bw_col_apply)
    return OCLNN_SUCCESS;
  char options[32];
  snprintf(options, sizeof options, "-DVEC=%d", vector_width(e->ctx));
  oclnn_status status =
      oclnn__program_get(e->ctx, fn, BACKWARD_FILE, options, &e->backward_program);
  struct {
    const char *name;
    cl_kernel *kernel;
  } kernels[] = {
      {"norm_save", &e->save},
      {"norm_bw_rows", &e->bw_rows},
      {"norm_bw_reduce", &e->bw_reduce},
      {"norm_bw_apply", &e->bw_apply},
      {"norm_bw_fused", &e->bw_fused},
      {"norm_bw_col_sums", &e->bw_col_sums},
      {"norm_bw_col_apply", &e->bw_col_apply},
  };
  for (size_t i = 0; i < sizeof kernels / sizeof kernels[0] && status == OCLNN_SUCCESS; i++)
    status =
        oclnn__kernel_create(e->ctx, fn, e->backward_program, kernels[i].name, kernels[i].kernel);
  if (status == OCLNN_SUCCESS)
    status = local_size(e->ctx, fn, e->bw_fused, &e->bw_fused_local);
  if (status != OCLNN_SUCCESS) {
    /* Leave none half made: the next call tries again from scratch. */
    for (size_t i = 0; i < sizeof kernels / sizeof kernels[0]; i++) {
      if (*kernels[i].kernel)
        clReleaseKernel(*kernels[i].kernel);
      *kernels[i].kernel = NULL;
    }
  }
  return status;
}

oclnn_status oclnn__norm_save_enqueue(oclnn__norm_engine *e, const char *fn, cl_mem scratch,
                                      uint64_t stats_off, bool empty,
                                      const oclnn_tensor *running_mean,
                                      const oclnn_tensor *running_var, uint64_t groups,
                                      uint64_t channels, double inv_n, double eps,
                                      const oclnn_tensor *save_mean,
                                      const oclnn_tensor *save_invstd) {
  if (!save_mean && !save_invstd)
    return OCLNN_SUCCESS;
  int mode = empty ? 2 : stats_off == UINT64_MAX ? 1 : 0;
  kargs a = {e->save, 0, CL_SUCCESS};
  arg_mem(&a, mode == 0 ? scratch : NULL);
  arg_u64(&a, mode == 0 ? stats_off : 0);
  arg_int(&a, mode);
  arg_tensor(&a, mode == 1 ? running_mean : NULL);
  arg_tensor(&a, mode == 1 ? running_var : NULL);
  arg_u64(&a, groups);
  arg_u64(&a, channels ? channels : 1);
  arg_float(&a, inv_n);
  arg_float(&a, eps);
  arg_tensor(&a, save_mean);
  arg_tensor(&a, save_invstd);
  arg_int(&a, (save_mean ? 1 : 0) | (save_invstd ? 2 : 0));
  return launch(e, fn, e->backward_program, &a, groups, LOCAL);
}

/* norm_bw_fused reads two tensors' groups (x and dy) twice, the second time backwards from the
 * caches: it takes groups up to half the forward's fused limit (128 Ki floats, 1 MiB of the
 * two: one core's L2 here). Measured at the 8x64x128x128 benchmarks against the separate passes
 * (docs/norm.md): InstanceNorm's 16 Ki groups ~15-25% faster, BatchNorm's and GroupNorm's 128 Ki
 * groups 16-22% faster since the second pass runs backwards (10-35% slower before). */
#define FUSED_BACKWARD_FACTOR 2

/* Rows per work-item of norm_bw_rows when it also sums columns (kernels_cl/norm_backward.cl). */
#define ROW_BLOCK 8

/* Elements per work-item of the backward row passes, like the apply pass's segments. */
static uint64_t bw_segment(const oclnn__norm_engine *e, uint64_t total, uint64_t len) {
  uint64_t vec = (uint64_t)vector_width(e->ctx);
  uint64_t seg = total / (LOCAL * 8);
  seg = seg < APPLY_SEG_MIN ? APPLY_SEG_MIN : seg > APPLY_SEG_MAX ? APPLY_SEG_MAX : seg;
  seg = div_up(seg, vec) * vec;
  return len < seg ? len : seg;
}

/* The block length that makes a blocked sum of `terms` terms add about sqrt(terms) per block. */
static uint64_t bw_block(uint64_t terms) {
  uint64_t block = 1;
  while (block * block < terms)
    block++;
  return block;
}

static oclnn_status fill_zero(oclnn_context *ctx, const char *fn, const oclnn_tensor *t) {
  size_t count = t ? (size_t)oclnn_tensor_numel(t) : 0;
  if (count == 0)
    return OCLNN_SUCCESS;
  const cl_float zero = 0.0f;
  cl_int err = clEnqueueFillBuffer(ctx->queue, t->buffer, &zero, sizeof zero,
                                   t->offset * sizeof(float), count * sizeof(float), 0, NULL, NULL);
  return err == CL_SUCCESS ? OCLNN_SUCCESS : oclnn__fail_cl(ctx, fn, "clEnqueueFillBuffer", err);
}

/* Sums of the row segments' pairs: `outs` outputs, output o adding the pairs of the rows
 * (m * outs + o) * div .. + div - 1 for m < M, optionally weighted by row_weight. */
static oclnn_status bw_reduce(oclnn__norm_engine *e, const char *fn, cl_mem scratch,
                              uint64_t part_off, uint64_t outs, uint64_t M, uint64_t div,
                              uint64_t segs, const oclnn_tensor *row_weight, uint64_t channels,
                              const oclnn_tensor *out1, const oclnn_tensor *out2) {
  uint64_t run = div * segs;
  kargs a = {e->bw_reduce, 0, CL_SUCCESS};
  arg_mem(&a, scratch);
  arg_u64(&a, part_off);
  arg_u64(&a, outs);
  arg_u64(&a, M);
  arg_u64(&a, run);
  arg_u64(&a, segs);
  arg_u64(&a, div);
  arg_u64(&a, bw_block(M * run));
  arg_tensor(&a, row_weight);
  arg_int(&a, row_weight != NULL);
  arg_u64(&a, channels ? channels : 1);
  arg_tensor(&a, out1);
  arg_tensor(&a, out2);
  arg_int(&a, (out1 ? 1 : 0) | (out2 ? 2 : 0));
  return launch(e, fn, e->backward_program, &a, outs, LOCAL);
}

/* The column layout (oclnn__norm_bw_args.col_div): column sums over blocks of rows, their sums
 * per channel, and grad_in, all along VEC columns at a time. */
static oclnn_status bw_columns(oclnn__norm_engine *e, const char *fn,
                               const oclnn__norm_bw_args *p) {
  oclnn_context *ctx = e->ctx;
  uint64_t vec = (uint64_t)vector_width(ctx), S = p->col_div, C = p->groups;
  /* Rows per block: about sqrt(rows) (so the two levels of sums stay short), at least 64 (so
   * the per-block partials stay a few percent of the tensor). */
  uint64_t rb = bw_block(p->rows);
  rb = rb < 64 ? 64 : rb;
  rb = rb > p->rows ? p->rows : rb;
  uint64_t blocks = div_up(p->rows, rb), chunks = div_up(p->len, vec);
  bool full = p->grad_in && p->batch_stats;
  bool sums = full || p->grad_weight || p->grad_bias;
  oclnn__norm_layout layout = {0};
  uint64_t pairs_off = 0, sums_off = 0;
  if (sums)
    pairs_off = oclnn__norm_reserve(&layout, blocks * p->len * 2);
  if (full)
    sums_off = oclnn__norm_reserve(&layout, C * 2);
  cl_mem scratch = NULL;
  oclnn_status status = OCLNN_SUCCESS;
  if (layout.floats > 0)
    status = oclnn__norm_scratch(ctx, fn, &layout, &scratch);
  if (status == OCLNN_SUCCESS && sums) {
    kargs a = {e->bw_col_sums, 0, CL_SUCCESS};
    arg_tensor(&a, p->in);
    arg_tensor(&a, p->grad_out);
    arg_tensor(&a, p->save_mean);
    arg_tensor(&a, p->save_invstd);
    arg_u64(&a, p->rows);
    arg_u64(&a, p->len);
    arg_u64(&a, S);
    arg_u64(&a, rb);
    arg_u64(&a, chunks);
    arg_mem(&a, scratch);
    arg_u64(&a, pairs_off);
    status = launch(e, fn, e->backward_program, &a, blocks * chunks, LOCAL);
  }
  /* Channel c adds the pairs (b len + c S + i) for b < blocks, i < S. */
  if (status == OCLNN_SUCCESS && (p->grad_weight || p->grad_bias))
    status = bw_reduce(e, fn, scratch, pairs_off, C, blocks, 1, S, NULL, 1, p->grad_bias,
                       p->grad_weight);
  oclnn_tensor sum_a =
      oclnn_tensor_view(scratch, (size_t)sums_off, 1, (const int64_t[]){(int64_t)C});
  oclnn_tensor sum_b =
      oclnn_tensor_view(scratch, (size_t)(sums_off + C), 1, (const int64_t[]){(int64_t)C});
  if (status == OCLNN_SUCCESS && full)
    status =
        bw_reduce(e, fn, scratch, pairs_off, C, blocks, 1, S, p->row_weight, C, &sum_a, &sum_b);
  if (status != OCLNN_SUCCESS || !p->grad_in)
    return status;
  kargs a = {e->bw_col_apply, 0, CL_SUCCESS};
  arg_tensor(&a, p->in);
  arg_tensor(&a, p->grad_out);
  arg_tensor(&a, p->save_mean);
  arg_tensor(&a, p->save_invstd);
  arg_tensor(&a, p->row_weight);
  arg_mem(&a, full ? scratch : NULL);
  arg_u64(&a, sums_off);
  arg_u64(&a, sums_off + C);
  arg_int(&a, (p->row_weight ? 1 : 0) | (full ? 4 : 0));
  arg_float(&a, 1.0 / ((double)p->rows * (double)S));
  arg_u64(&a, p->rows);
  arg_u64(&a, p->len);
  arg_u64(&a, S);
  arg_u64(&a, rb);
  arg_u64(&a, chunks);
  arg_tensor(&a, p->grad_in);
  return launch(e, fn, e->backward_program, &a, blocks * chunks, LOCAL);
}

/* The gradient and saved-statistics checks every backward shares. */
static oclnn_status bw_check(oclnn_context *ctx, const char *fn, const oclnn_tensor *in,
                             const oclnn_tensor *save_mean, const oclnn_tensor *save_invstd,
                             int64_t groups, const oclnn_tensor *grad_out,
                             const oclnn_tensor *grad_in, const oclnn_tensor *grad_weight,
                             const oclnn_tensor *grad_bias) {
  if (!grad_in && !grad_weight && !grad_bias)
    return oclnn__fail(ctx, OCLNN_ERR_INVALID_VALUE,
                       "%s: grad_in, grad_weight and grad_bias are all NULL; ask for at least one",
                       fn);
  const int64_t group_shape[1] = {groups};
  oclnn_status status;
  if ((status = oclnn__norm_check_shape(ctx, fn, "grad_out", grad_out, true, "it is required",
                                        in->rank, in->shape)) ||
      (grad_in && (status = oclnn__norm_check_shape(ctx, fn, "grad_in", grad_in, true, "", in->rank,
                                                    in->shape))) ||
      (status = oclnn__norm_check_shape(ctx, fn, "save_mean", save_mean, true,
                                        "backward needs the saved statistics", 1, group_shape)) ||
      (status = oclnn__norm_check_shape(ctx, fn, "save_invstd", save_invstd, true,
                                        "backward needs the saved statistics", 1, group_shape)))
    return status;
  return OCLNN_SUCCESS;
}

/* A parameter (or its gradient) of a backward call: refused when given while the layer has none
 * (`have` false, `setting` names the descriptor field: OCLNN_ERR_INVALID_VALUE), missing while
 * `needed` (OCLNN_ERR_NULL_ARGUMENT), or of another shape (OCLNN_ERR_INVALID_SHAPE). */
static oclnn_status bw_check_param(oclnn_context *ctx, const char *fn, const char *name,
                                   const oclnn_tensor *tensor, bool have, bool needed,
                                   const char *setting, int rank, const int64_t *shape) {
  if (tensor && !have)
    return oclnn__fail(ctx, OCLNN_ERR_INVALID_VALUE,
                       "%s: %s is given but the layer has none (%s is 0); pass NULL", fn, name,
                       setting);
  if (!tensor && have && needed)
    return oclnn__fail(ctx, OCLNN_ERR_NULL_ARGUMENT,
                       "%s: %s is NULL but %s is set and grad_in is asked for", fn, name, setting);
  if (!tensor)
    return OCLNN_SUCCESS;
  return oclnn__norm_check_shape(ctx, fn, name, tensor, true, "", rank, shape);
}

oclnn_status oclnn__norm_backward_enqueue(oclnn__norm_engine *e, const char *fn,
                                          const oclnn__norm_bw_args *p) {
  oclnn_context *ctx = e->ctx;
  const oclnn_tensor *weight = p->col_grads ? p->col_weight : p->row_weight;
  oclnn_status status;
  if ((status = bw_check(ctx, fn, p->in, p->save_mean, p->save_invstd, p->save_groups, p->grad_out,
                         p->grad_in, p->grad_weight, p->grad_bias)) ||
      (status = bw_check_param(ctx, fn, "weight", weight, p->has_weight, p->grad_in != NULL,
                               p->weight_setting, p->param_rank, p->param_shape)) ||
      (status = bw_check_param(ctx, fn, "grad_weight", p->grad_weight, p->has_weight, false,
                               p->weight_setting, p->param_rank, p->param_shape)) ||
      (status = bw_check_param(ctx, fn, "grad_bias", p->grad_bias, p->has_bias, false,
                               p->bias_setting, p->param_rank, p->param_shape)))
    return status;
  const oclnn__norm_arg args[] = {
      {"in", p->in, false},
      {"weight", weight, false},
      {"save_mean", p->save_mean, false},
      {"save_invstd", p->save_invstd, false},
      {"grad_out", p->grad_out, false},
      {"grad_in", p->grad_in, true},
      {"grad_weight", p->grad_weight, true},
      {"grad_bias", p->grad_bias, true},
  };
  if ((status = oclnn__norm_check_args(ctx, fn, args, (int)(sizeof args / sizeof args[0]))) ||
      (status = oclnn__norm_bw_init(e, fn)))
    return status;
  uint64_t total = p->rows * p->len;
  if (total == 0) {
    /* Sums over no elements: torch's gradients of weight and bias are zeros. */
    status = fill_zero(ctx, fn, p->grad_weight);
    return status == OCLNN_SUCCESS ? fill_zero(ctx, fn, p->grad_bias) : status;
  }
  if (p->col_div)
    return bw_columns(e, fn, p);
  bool channel_grads = !p->col_grads && (p->grad_weight || p->grad_bias);
  bool full = p->grad_in && p->batch_stats;
  /* Groups that fit in the caches, of rows long enough for every work-item of a work-group: row
   * sums, group sums and grad_in in one launch (norm_bw_fused), two passes over memory instead
   * of three. The row-sum scratch (2 floats per row and work-item) stays below a quarter of the
   * tensor. */
  bool col_sums = p->col_grads && (p->grad_weight || p->grad_bias);
  uint64_t fused_local = e->bw_fused_local;
  bool fused = full && !col_sums && p->len >= 8 * fused_local &&
               oclnn__norm_fused_fits(e, total / p->groups * FUSED_BACKWARD_FACTOR);
  bool stream = total * sizeof(float) >= e->stream_min;
  /* Column sums: norm_bw_rows reads blocks of ROW_BLOCK rows at once. */
  uint64_t row_block = col_sums ? (p->rows < ROW_BLOCK ? p->rows : ROW_BLOCK) : 1;
  uint64_t blocks = div_up(p->rows, row_block);
  uint64_t seg = fused ? p->len : bw_segment(e, total / row_block, p->len);
  uint64_t segs = div_up(p->len, seg);
  bool rows_pass = col_sums || (!fused && (full || channel_grads));
  oclnn__norm_layout layout = {0};
  uint64_t part_off = 0, sums_off = 0, lanes_off = 0, cols_off = 0;
  if (full || channel_grads || col_sums)
    part_off = oclnn__norm_reserve(&layout, p->rows * segs * 2);
  if (col_sums && blocks > 1)
    cols_off = oclnn__norm_reserve(&layout, blocks * p->len * 2);
  if (full && !fused)
    sums_off = oclnn__norm_reserve(&layout, p->groups * 2);
  if (fused)
    lanes_off = oclnn__norm_reserve(&layout, p->rows * fused_local * 2);
  cl_mem scratch = NULL;
  if (layout.floats > 0)
    status = oclnn__norm_scratch(ctx, fn, &layout, &scratch);
  if (status == OCLNN_SUCCESS && fused) {
    uint64_t vec = (uint64_t)vector_width(ctx);
    kargs a = {e->bw_fused, 0, CL_SUCCESS};
    arg_tensor(&a, p->in);
    arg_tensor(&a, p->grad_out);
    arg_tensor(&a, p->save_mean);
    arg_tensor(&a, p->save_invstd);
    arg_tensor(&a, p->row_weight);
    arg_tensor(&a, p->col_weight);
    arg_int(&a, (p->row_weight ? 1 : 0) | (p->col_weight ? 2 : 0));
    arg_u64(&a, p->rows);
    arg_u64(&a, p->len);
    arg_u64(&a, p->div);
    arg_u64(&a, p->groups);
    arg_u64(&a, p->channels ? p->channels : 1);
    arg_u64(&a, div_up(div_up(total / p->groups, fused_local), vec) * vec);
    arg_float(&a, (double)p->groups / (double)total);
    arg_u64(&a, bw_block(p->rows / p->groups));
    arg_mem(&a, scratch);
    arg_u64(&a, part_off);
    arg_mem(&a, scratch);
    arg_u64(&a, lanes_off);
    arg_tensor(&a, p->grad_in);
    arg_int(&a, stream);
    set_arg(&a, 2 * sizeof(cl_float), NULL);
    status = launch(e, fn, e->backward_program, &a, p->groups * fused_local, fused_local);
  }
  if (status == OCLNN_SUCCESS && rows_pass) {
    bool direct = col_sums && blocks == 1;
    kargs a = {e->bw_rows, 0, CL_SUCCESS};
    arg_tensor(&a, p->in);
    arg_tensor(&a, p->grad_out);
    arg_tensor(&a, p->save_mean);
    arg_tensor(&a, p->save_invstd);
    arg_tensor(&a, p->col_weight);
    arg_int(&a, (p->col_weight ? 1 : 0) | (col_sums ? 2 : 0) | (direct ? 4 : 0));
    arg_u64(&a, p->rows);
    arg_u64(&a, p->len);
    arg_u64(&a, seg);
    arg_u64(&a, segs);
    arg_u64(&a, row_block);
    arg_u64(&a, p->div);
    arg_u64(&a, p->groups);
    arg_mem(&a, scratch);
    arg_u64(&a, part_off);
    arg_tensor(&a, direct ? p->grad_weight : NULL);
    if (direct) {
      arg_tensor(&a, p->grad_bias);
    } else {
      arg_mem(&a, col_sums ? scratch : NULL);
      arg_u64(&a, cols_off);
    }
    status = launch(e, fn, e->backward_program, &a, blocks * segs, LOCAL);
  }
  if (status == OCLNN_SUCCESS && col_sums && blocks > 1)
    status = bw_reduce(e, fn, scratch, cols_off, p->len, blocks, 1, 1, NULL, 1, p->grad_bias,
                       p->grad_weight);
  if (status == OCLNN_SUCCESS && channel_grads)
    status = bw_reduce(e, fn, scratch, part_off, p->channels, p->rows / p->channels, 1, segs, NULL,
                       1, p->grad_bias, p->grad_weight);
  if (status == OCLNN_SUCCESS && full && !fused) {
    /* The group sums land in scratch as two arrays of `groups` floats. */
    oclnn_tensor sum_a =
        oclnn_tensor_view(scratch, (size_t)sums_off, 1, (const int64_t[]){(int64_t)p->groups});
    oclnn_tensor sum_b = oclnn_tensor_view(scratch, (size_t)(sums_off + p->groups), 1,
                                           (const int64_t[]){(int64_t)p->groups});
    status = bw_reduce(e, fn, scratch, part_off, p->groups, p->rows / (p->groups * p->div), p->div,
                       segs, p->row_weight, p->channels, &sum_a, &sum_b);
  }
  if (status != OCLNN_SUCCESS || !p->grad_in || fused)
    return status;
  int flags = (p->row_weight ? 1 : 0) | (p->col_weight ? 2 : 0) | (full ? 4 : 0) | (stream ? 8 : 0);
  kargs a = {e->bw_apply, 0, CL_SUCCESS};
  arg_tensor(&a, p->in);
  arg_tensor(&a, p->grad_out);
  arg_tensor(&a, p->save_mean);
  arg_tensor(&a, p->save_invstd);
  arg_tensor(&a, p->row_weight);
  arg_tensor(&a, p->col_weight);
  arg_mem(&a, full ? scratch : NULL);
  arg_u64(&a, sums_off);
  arg_u64(&a, sums_off + p->groups);
  arg_int(&a, flags);
  arg_float(&a, (double)p->groups / (double)total);
  arg_u64(&a, p->rows);
  arg_u64(&a, p->len);
  arg_u64(&a, seg);
  arg_u64(&a, segs);
  arg_u64(&a, p->div);
  arg_u64(&a, p->groups);
  arg_u64(&a, p->channels ? p->channels : 1);
  arg_tensor(&a, p->grad_in);
  return launch(e, fn, e->backward_program, &a, p->rows * segs, LOCAL);
}
