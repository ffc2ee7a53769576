/* Elementwise and resampling layers: ReLU, Add with broadcasting, nearest upsampling (see
 * include/oclnn/act.h). One program (kernels_cl/act.cl) serves all three; the host validates,
 * reduces the shapes to what the kernels index (rows of contiguous output) and enqueues. */
#include "core/internal.h"
#include "program/program.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define ACT_FILE "act.cl"
#define UNITS_PER_GROUP 64
#define MAX_GRID_DIM 65535 /* work-items per dim of the range, as in pad.c */

struct oclnn_act {
  oclnn_context *ctx;
  oclnn__program *program;
  cl_kernel relu, relu_backward, add, upsample, upsample_backward;
  cl_kernel add_backward_b, mse_loss_grad, mse_loss_value, sgd_step;
  size_t lanes;
  int chunk;
};

/* Launch configurations by device type (portable defaults, no vendor assumed). CPUs: one
 * work-item per unit with loops the compiler vectorises; the unit is long enough that the
 * per-unit index arithmetic is noise. GPUs: a warp's worth of lanes interleaved over a unit. */
typedef struct act_config {
  int lanes; /* LANES */
  int chunk; /* CHUNK: output elements per unit */
} act_config;

static const act_config CONFIG_CPU = {1, 2048}, CONFIG_GPU = {32, 32 * 8};

static act_config device_config(const oclnn_context *ctx) {
  return (ctx->device_type & CL_DEVICE_TYPE_CPU) ? CONFIG_CPU : CONFIG_GPU;
}

static void act_options(char *buf, size_t size, act_config config) {
  snprintf(buf, size, "-DLANES=%d -DCHUNK=%d", config.lanes, config.chunk);
}

void oclnn__act_variants(oclnn__variant_fn each, void *user) {
  /* Every configuration: prebuild must not depend on which device asks. */
  const act_config configs[] = {CONFIG_CPU, CONFIG_GPU};
  for (size_t c = 0; c < sizeof configs / sizeof configs[0]; c++) {
    char options[64];
    act_options(options, sizeof options, configs[c]);
    each(user, ACT_FILE, options);
  }
}

oclnn_status oclnn_act_create(oclnn_context *ctx, oclnn_act **out) {
  static const char *fn = "oclnn_act_create";
  if (!ctx || !out)
    return oclnn__fail(ctx, OCLNN_ERR_NULL_ARGUMENT, "%s: %s is NULL", fn, !ctx ? "ctx" : "out");
  *out = NULL;
  act_config config = device_config(ctx);
  char options[64];
  act_options(options, sizeof options, config);
  oclnn__program *program = NULL;
  oclnn_status status = oclnn__program_get(ctx, fn, ACT_FILE, options, &program);
  if (status != OCLNN_SUCCESS)
    return status;
  oclnn_act *act = calloc(1, sizeof *act);
  if (!act)
    return oclnn__fail(ctx, OCLNN_ERR_OUT_OF_MEMORY, "%s: out of host memory", fn);
  act->ctx = ctx;
  act->program = program;
  act->lanes = (size_t)config.lanes;
  act->chunk = config.chunk;
  status = oclnn__kernel_create(ctx, fn, program, "relu_forward", &act->relu);
  if (status == OCLNN_SUCCESS)
    status = oclnn__kernel_create(ctx, fn, program, "relu_backward", &act->relu_backward);
  if (status == OCLNN_SUCCESS)
    status = oclnn__kernel_create(ctx, fn, program, "add_forward", &act->add);
  if (status == OCLNN_SUCCESS)
    status = oclnn__kernel_create(ctx, fn, program, "upsample_forward", &act->upsample);
  if (status == OCLNN_SUCCESS)
    status = oclnn__kernel_create(ctx, fn, program, "upsample_backward", &act->upsample_backward);
  if (status == OCLNN_SUCCESS)
    status = oclnn__kernel_create(ctx, fn, program, "add_backward_b", &act->add_backward_b);
  if (status == OCLNN_SUCCESS)
    status = oclnn__kernel_create(ctx, fn, program, "mse_loss_grad", &act->mse_loss_grad);
  if (status == OCLNN_SUCCESS)
    status = oclnn__kernel_create(ctx, fn, program, "mse_loss_value", &act->mse_loss_value);
  if (status == OCLNN_SUCCESS)
    status = oclnn__kernel_create(ctx, fn, program, "sgd_step", &act->sgd_step);
  if (status != OCLNN_SUCCESS) {
    oclnn_act_free(act);
    return status;
  }
  *out = act;
  return OCLNN_SUCCESS;
}

void oclnn_act_free(oclnn_act *act) {
  if (!act)
    return;
  if (act->relu)
    clReleaseKernel(act->relu);
  if (act->relu_backward)
    clReleaseKernel(act->relu_backward);
  if (act->add)
    clReleaseKernel(act->add);
  if (act->upsample)
    clReleaseKernel(act->upsample);
  cl_kernel kernels[] = {act->upsample_backward, act->add_backward_b, act->mse_loss_grad,
                         act->mse_loss_value, act->sgd_step};
  for (size_t i = 0; i < sizeof kernels / sizeof kernels[0]; i++)
    if (kernels[i])
      clReleaseKernel(kernels[i]);
  free(act);
}

/* Enqueues `units` units of `kernel` (arguments already set): LANES work-items per unit along
 * dim 0, the units spread over dims 1 and 2 so that each dim stays within MAX_GRID_DIM
 * work-items and every launch shares one PoCL work-group function (see pad.c). */
static oclnn_status launch_units(oclnn_act *act, const char *fn, cl_kernel kernel, cl_ulong units) {
  oclnn_context *ctx = act->ctx;
  size_t per_group = UNITS_PER_GROUP;
  if (ctx->max_work_group_size && act->lanes * per_group > ctx->max_work_group_size)
    per_group = ctx->max_work_group_size / act->lanes ? ctx->max_work_group_size / act->lanes : 1;
  if (units > (cl_ulong)(SIZE_MAX / 2))
    return oclnn__fail(ctx, OCLNN_ERR_OVERFLOW, "%s: %llu work units are too many to launch", fn,
                       (unsigned long long)units);
  size_t groups = ((size_t)units + per_group - 1) / per_group;
  size_t max_y = MAX_GRID_DIM / per_group ? MAX_GRID_DIM / per_group : 1;
  size_t groups_z = (groups + max_y - 1) / max_y;
  size_t groups_y = (groups + groups_z - 1) / groups_z;
  size_t global[3] = {act->lanes, groups_y * per_group, groups_z};
  size_t local[3] = {act->lanes, per_group, 1};
  return oclnn__enqueue(ctx, fn, act->program, kernel, 3, global, local);
}

static bool same_shape(const oclnn_tensor *a, const oclnn_tensor *b) {
  return a->rank == b->rank && !memcmp(a->shape, b->shape, (size_t)a->rank * sizeof a->shape[0]);
}

static bool same_view(const oclnn_tensor *a, const oclnn_tensor *b) {
  return a->buffer == b->buffer && a->offset == b->offset;
}

static oclnn_status shape_mismatch(oclnn_context *ctx, const char *fn, const char *name,
                                   const oclnn_tensor *got, int rank, const int64_t *want) {
  char g[128], w[128];
  return oclnn__fail(ctx, OCLNN_ERR_INVALID_SHAPE, "%s: %s has shape %s, expected %s", fn, name,
                     oclnn__shape_string(got->rank, got->shape, g, sizeof g),
                     oclnn__shape_string(rank, want, w, sizeof w));
}

/* ---------------------------------------------------------------------------------------- */
/* ReLU                                                                                     */
/* ---------------------------------------------------------------------------------------- */

oclnn_status oclnn_act_relu(oclnn_act *act, const oclnn_tensor *in, const oclnn_tensor *out) {
  static const char *fn = "oclnn_act_relu";
  if (!act || !in || !out)
    return oclnn__fail(act ? act->ctx : NULL, OCLNN_ERR_NULL_ARGUMENT, "%s: %s is NULL", fn,
                       !act  ? "act"
                       : !in ? "in"
                             : "out");
  oclnn_context *ctx = act->ctx;
  int64_t count = 0;
  oclnn_status status = oclnn__check_tensor(ctx, fn, "in", in, &count);
  if (status == OCLNN_SUCCESS)
    status = oclnn__check_tensor(ctx, fn, "out", out, NULL);
  if (status != OCLNN_SUCCESS)
    return status;
  if (!same_shape(in, out))
    return shape_mismatch(ctx, fn, "out", out, in->rank, in->shape);
  if (!same_view(in, out)) {
    status = oclnn__check_no_overlap(ctx, fn, "in", in, "out", out);
    if (status != OCLNN_SUCCESS)
      return status;
  }
  if (count == 0)
    return OCLNN_SUCCESS;
  cl_ulong in_offset = in->offset, out_offset = out->offset, n = (cl_ulong)count;
  cl_kernel k = act->relu;
  cl_int err = CL_SUCCESS;
  err |= clSetKernelArg(k, 0, sizeof(cl_mem), &in->buffer);
  err |= clSetKernelArg(k, 1, sizeof in_offset, &in_offset);
  err |= clSetKernelArg(k, 2, sizeof(cl_mem), &out->buffer);
  err |= clSetKernelArg(k, 3, sizeof out_offset, &out_offset);
  err |= clSetKernelArg(k, 4, sizeof n, &n);
  if (err != CL_SUCCESS)
    return oclnn__fail(ctx, OCLNN_ERR_OPENCL, "%s: clSetKernelArg failed", fn);
  return launch_units(act, fn, k, (n + (cl_ulong)act->chunk - 1) / (cl_ulong)act->chunk);
}

oclnn_status oclnn_act_relu_backward(oclnn_act *act, const oclnn_tensor *x,
                                     const oclnn_tensor *grad_out, const oclnn_tensor *grad_in) {
  static const char *fn = "oclnn_act_relu_backward";
  if (!act || !x || !grad_out || !grad_in)
    return oclnn__fail(act ? act->ctx : NULL, OCLNN_ERR_NULL_ARGUMENT, "%s: %s is NULL", fn,
                       !act        ? "act"
                       : !x        ? "x"
                       : !grad_out ? "grad_out"
                                   : "grad_in");
  oclnn_context *ctx = act->ctx;
  int64_t count = 0;
  oclnn_status status = oclnn__check_tensor(ctx, fn, "x", x, &count);
  if (status == OCLNN_SUCCESS)
    status = oclnn__check_tensor(ctx, fn, "grad_out", grad_out, NULL);
  if (status == OCLNN_SUCCESS)
    status = oclnn__check_tensor(ctx, fn, "grad_in", grad_in, NULL);
  if (status != OCLNN_SUCCESS)
    return status;
  if (!same_shape(x, grad_out))
    return shape_mismatch(ctx, fn, "grad_out", grad_out, x->rank, x->shape);
  if (!same_shape(x, grad_in))
    return shape_mismatch(ctx, fn, "grad_in", grad_in, x->rank, x->shape);
  /* Element i reads x[i] and grad_out[i] only, so grad_in may be either of them exactly. */
  if (!same_view(x, grad_in))
    status = oclnn__check_no_overlap(ctx, fn, "x", x, "grad_in", grad_in);
  if (status == OCLNN_SUCCESS && !same_view(grad_out, grad_in))
    status = oclnn__check_no_overlap(ctx, fn, "grad_out", grad_out, "grad_in", grad_in);
  if (status != OCLNN_SUCCESS)
    return status;
  if (count == 0)
    return OCLNN_SUCCESS;
  cl_ulong x_offset = x->offset, g_offset = grad_out->offset, in_offset = grad_in->offset;
  cl_ulong n = (cl_ulong)count;
  cl_kernel k = act->relu_backward;
  cl_int err = CL_SUCCESS;
  err |= clSetKernelArg(k, 0, sizeof(cl_mem), &x->buffer);
  err |= clSetKernelArg(k, 1, sizeof x_offset, &x_offset);
  err |= clSetKernelArg(k, 2, sizeof(cl_mem), &grad_out->buffer);
  err |= clSetKernelArg(k, 3, sizeof g_offset, &g_offset);
  err |= clSetKernelArg(k, 4, sizeof(cl_mem), &grad_in->buffer);
  err |= clSetKernelArg(k, 5, sizeof in_offset, &in_offset);
  err |= clSetKernelArg(k, 6, sizeof n, &n);
  if (err != CL_SUCCESS)
    return oclnn__fail(ctx, OCLNN_ERR_OPENCL, "%s: clSetKernelArg failed", fn);
  return launch_units(act, fn, k, (n + (cl_ulong)act->chunk - 1) / (cl_ulong)act->chunk);
}

/* ---------------------------------------------------------------------------------------- */
/* Add                                                                                      */
/* ---------------------------------------------------------------------------------------- */

static oclnn_status check_rank_shape(oclnn_context *ctx, const char *fn, const char *name, int rank,
                                     const int64_t *shape) {
  if (rank < 1 || rank > OCLNN_MAX_RANK)
    return oclnn__fail(ctx, OCLNN_ERR_INVALID_SHAPE, "%s: %s rank is %d; ranks 1 to %d exist", fn,
                       name, rank, OCLNN_MAX_RANK);
  for (int i = 0; i < rank; i++)
    if (shape[i] < 0) {
      char s[128];
      return oclnn__fail(ctx, OCLNN_ERR_INVALID_SHAPE, "%s: %s shape %s has a negative dim", fn,
                         name, oclnn__shape_string(rank, shape, s, sizeof s));
    }
  return OCLNN_SUCCESS;
}

static oclnn_status add_shapes(oclnn_context *ctx, const char *fn, int rank_a,
                               const int64_t *shape_a, int rank_b, const int64_t *shape_b) {
  oclnn_status status = check_rank_shape(ctx, fn, "a", rank_a, shape_a);
  if (status == OCLNN_SUCCESS)
    status = check_rank_shape(ctx, fn, "b", rank_b, shape_b);
  if (status != OCLNN_SUCCESS)
    return status;
  char sa[128], sb[128];
  if (rank_b > rank_a)
    return oclnn__fail(ctx, OCLNN_ERR_INVALID_SHAPE,
                       "%s: b %s has more dims than a %s; b must broadcast into a's shape", fn,
                       oclnn__shape_string(rank_b, shape_b, sb, sizeof sb),
                       oclnn__shape_string(rank_a, shape_a, sa, sizeof sa));
  for (int i = 1; i <= rank_b; i++) {
    int64_t da = shape_a[rank_a - i], db = shape_b[rank_b - i];
    if (db != da && db != 1)
      return oclnn__fail(ctx, OCLNN_ERR_INVALID_SHAPE,
                         "%s: b %s does not broadcast into a %s (dim %d of b is %lld, not 1 or "
                         "%lld)",
                         fn, oclnn__shape_string(rank_b, shape_b, sb, sizeof sb),
                         oclnn__shape_string(rank_a, shape_a, sa, sizeof sa), rank_b - i,
                         (long long)db, (long long)da);
  }
  return OCLNN_SUCCESS;
}

oclnn_status oclnn_act_add_output_shape(oclnn_act *act, int rank_a, const int64_t *shape_a,
                                        int rank_b, const int64_t *shape_b, int64_t *out_shape) {
  static const char *fn = "oclnn_act_add_output_shape";
  if (!act || !shape_a || !shape_b || !out_shape)
    return oclnn__fail(act ? act->ctx : NULL, OCLNN_ERR_NULL_ARGUMENT, "%s: %s is NULL", fn,
                       !act       ? "act"
                       : !shape_a ? "shape_a"
                       : !shape_b ? "shape_b"
                                  : "out_shape");
  oclnn_status status = add_shapes(act->ctx, fn, rank_a, shape_a, rank_b, shape_b);
  if (status == OCLNN_SUCCESS)
    memmove(out_shape, shape_a, (size_t)rank_a * sizeof *shape_a);
  return status;
}

/* a's dims with b's aligned to them, size-1 dims of a dropped and neighbours of the same kind
 * (b broadcast or not) merged, so the kernel sees at most an innermost row and four outer dims. */
typedef struct add_layout {
  int count;           /* collapsed dims, innermost first */
  int64_t size[5];     /* their sizes */
  int64_t b_stride[5]; /* b's element stride along each (0: broadcast) */
} add_layout;

static void add_collapse(const oclnn_tensor *a, const oclnn_tensor *b, add_layout *l) {
  memset(l, 0, sizeof *l);
  int64_t b_step = 1; /* b's stride of the next dim outwards */
  int last_kind = -1;
  for (int i = 1; i <= a->rank; i++) {
    int64_t da = a->shape[a->rank - i];
    int64_t db = i <= b->rank ? b->shape[b->rank - i] : 1;
    if (da == 1)
      continue;
    int broadcast = db == 1;
    if (broadcast == last_kind && l->count > 0) {
      l->size[l->count - 1] *= da;
    } else {
      l->size[l->count] = da;
      l->b_stride[l->count] = broadcast ? 0 : b_step;
      l->count++;
      last_kind = broadcast;
    }
    if (!broadcast)
      b_step *= db;
  }
  if (l->count == 0) {
    l->size[0] = 1;
    l->b_stride[0] = 1;
    l->count = 1;
  }
}

oclnn_status oclnn_act_add(oclnn_act *act, const oclnn_tensor *a, const oclnn_tensor *b,
                           int fuse_relu, const oclnn_tensor *out) {
  static const char *fn = "oclnn_act_add";
  if (!act || !a || !b || !out)
    return oclnn__fail(act ? act->ctx : NULL, OCLNN_ERR_NULL_ARGUMENT, "%s: %s is NULL", fn,
                       !act ? "act"
                       : !a ? "a"
                       : !b ? "b"
                            : "out");
  oclnn_context *ctx = act->ctx;
  int64_t count = 0, b_count = 0;
  oclnn_status status = oclnn__check_tensor(ctx, fn, "a", a, &count);
  if (status == OCLNN_SUCCESS)
    status = oclnn__check_tensor(ctx, fn, "b", b, &b_count);
  if (status == OCLNN_SUCCESS)
    status = add_shapes(ctx, fn, a->rank, a->shape, b->rank, b->shape);
  if (status == OCLNN_SUCCESS)
    status = oclnn__check_tensor(ctx, fn, "out", out, NULL);
  if (status != OCLNN_SUCCESS)
    return status;
  if (!same_shape(a, out))
    return shape_mismatch(ctx, fn, "out", out, a->rank, a->shape);
  /* In place is safe only where out element i reads a[i] and b[i] alone: out == a always, out
   * == b when b is not broadcast (as many elements as a). */
  if (!same_view(a, out))
    status = oclnn__check_no_overlap(ctx, fn, "a", a, "out", out);
  if (status == OCLNN_SUCCESS && !(same_view(b, out) && b_count == count))
    status = oclnn__check_no_overlap(ctx, fn, "b", b, "out", out);
  if (status != OCLNN_SUCCESS)
    return status;
  if (count == 0)
    return OCLNN_SUCCESS;

  add_layout l;
  add_collapse(a, b, &l);
  if (l.size[0] > INT32_MAX)
    return oclnn__fail(ctx, OCLNN_ERR_OVERFLOW,
                       "%s: the innermost run of %lld elements (a's trailing dims that b treats "
                       "alike) must stay below 2^31",
                       fn, (long long)l.size[0]);
  cl_int row_len = (cl_int)l.size[0], b_inner = l.b_stride[0] != 0;
  cl_ulong outer[3] = {1, 1, 1}, b_stride[4] = {0, 0, 0, 0};
  for (int k = 1; k < l.count; k++) {
    if (k < 4)
      outer[k - 1] = (cl_ulong)l.size[k];
    b_stride[k - 1] = (cl_ulong)l.b_stride[k];
  }
  cl_int chunks_per_row = (row_len + act->chunk - 1) / act->chunk;
  cl_ulong rows = (cl_ulong)(count / row_len);
  cl_ulong units = rows * (cl_ulong)chunks_per_row; /* <= count */
  cl_ulong a_offset = a->offset, b_offset = b->offset, out_offset = out->offset;
  cl_int relu = fuse_relu != 0;
  cl_kernel k = act->add;
  cl_int err = CL_SUCCESS;
  cl_uint arg = 0;
  err |= clSetKernelArg(k, arg++, sizeof(cl_mem), &a->buffer);
  err |= clSetKernelArg(k, arg++, sizeof a_offset, &a_offset);
  err |= clSetKernelArg(k, arg++, sizeof(cl_mem), &b->buffer);
  err |= clSetKernelArg(k, arg++, sizeof b_offset, &b_offset);
  err |= clSetKernelArg(k, arg++, sizeof(cl_mem), &out->buffer);
  err |= clSetKernelArg(k, arg++, sizeof out_offset, &out_offset);
  err |= clSetKernelArg(k, arg++, sizeof row_len, &row_len);
  err |= clSetKernelArg(k, arg++, sizeof b_inner, &b_inner);
  for (int i = 0; i < 3; i++)
    err |= clSetKernelArg(k, arg++, sizeof outer[i], &outer[i]);
  for (int i = 0; i < 4; i++)
    err |= clSetKernelArg(k, arg++, sizeof b_stride[i], &b_stride[i]);
  err |= clSetKernelArg(k, arg++, sizeof units, &units);
  err |= clSetKernelArg(k, arg++, sizeof chunks_per_row, &chunks_per_row);
  err |= clSetKernelArg(k, arg++, sizeof relu, &relu);
  if (err != CL_SUCCESS)
    return oclnn__fail(ctx, OCLNN_ERR_OPENCL, "%s: clSetKernelArg failed", fn);
  return launch_units(act, fn, k, units);
}

/* ---------------------------------------------------------------------------------------- */
/* Nearest upsampling                                                                       */
/* ---------------------------------------------------------------------------------------- */

oclnn_upsample_desc oclnn_upsample_desc_default(int dims, double scale_factor) {
  oclnn_upsample_desc desc;
  memset(&desc, 0, sizeof desc);
  desc.dims = dims;
  for (int i = 0; i < 3; i++)
    desc.scale_factor[i] = (dims >= 1 && dims <= 3 && i < dims) ? scale_factor : 0.0;
  return desc;
}

/* Validates desc and in_shape; fills out_shape and the kernel's per-spatial-dim scales. */
static oclnn_status upsample_shape(oclnn_context *ctx, const char *fn, const oclnn_upsample_desc *d,
                                   int rank, const int64_t *in_shape, int64_t *out_shape,
                                   float *scale) {
  if (d->dims < 1 || d->dims > 3)
    return oclnn__fail(ctx, OCLNN_ERR_INVALID_VALUE,
                       "%s: desc->dims is %d; upsampling is 1d, 2d or 3d", fn, d->dims);
  bool has_size = false, has_scale = false;
  for (int i = 0; i < d->dims; i++) {
    has_size |= d->size[i] != 0;
    has_scale |= d->scale_factor[i] != 0.0;
  }
  if (has_size == has_scale)
    return oclnn__fail(ctx, OCLNN_ERR_INVALID_VALUE,
                       "%s: desc gives %s of size and scale_factor; exactly one must be set", fn,
                       has_size ? "both" : "neither");
  if (has_size && d->recompute_scale_factor)
    return oclnn__fail(ctx, OCLNN_ERR_INVALID_VALUE,
                       "%s: desc->recompute_scale_factor is set with an explicit size; torch "
                       "refuses that as not meaningful",
                       fn);
  for (int i = 0; i < d->dims; i++) {
    if (has_size && d->size[i] < 1)
      return oclnn__fail(ctx, OCLNN_ERR_INVALID_VALUE,
                         "%s: desc->size[%d] is %lld; output sizes must be >= 1", fn, i,
                         (long long)d->size[i]);
    if (has_scale && !(isfinite(d->scale_factor[i]) && d->scale_factor[i] > 0.0))
      return oclnn__fail(ctx, OCLNN_ERR_INVALID_VALUE,
                         "%s: desc->scale_factor[%d] is %g; it must be finite and > 0", fn, i,
                         d->scale_factor[i]);
  }
  char shape[128];
  if (rank != d->dims + 2)
    return oclnn__fail(ctx, OCLNN_ERR_INVALID_SHAPE,
                       "%s: %dd upsampling needs a %dD input (N, C, spatial...), input rank is %d",
                       fn, d->dims, d->dims + 2, rank);
  oclnn__shape_string(rank, in_shape, shape, sizeof shape);
  for (int i = 0; i < rank; i++)
    if (in_shape[i] < 0)
      return oclnn__fail(ctx, OCLNN_ERR_INVALID_SHAPE, "%s: input shape %s has a negative dim", fn,
                         shape);
  for (int i = 1; i < rank; i++)
    if (in_shape[i] == 0)
      return oclnn__fail(ctx, OCLNN_ERR_INVALID_SHAPE,
                         "%s: input %s is empty in a dim other than the batch; torch needs C and "
                         "every spatial dim >= 1",
                         fn, shape);
  out_shape[0] = in_shape[0];
  out_shape[1] = in_shape[1];
  for (int i = 0; i < d->dims; i++) {
    int64_t n = in_shape[2 + i], o;
    if (has_size) {
      o = d->size[i];
    } else {
      double exact = (double)n * d->scale_factor[i];
      if (!(exact < 2147483648.0))
        return oclnn__fail(ctx, OCLNN_ERR_OVERFLOW,
                           "%s: scale_factor[%d] %g makes spatial dim %d of input %s %g, beyond "
                           "2^31",
                           fn, i, d->scale_factor[i], i, shape, exact);
      o = (int64_t)exact; /* truncation = floor for positive values, as torch */
    }
    if (o < 1)
      return oclnn__fail(ctx, OCLNN_ERR_INVALID_SHAPE,
                         "%s: spatial dim %d of input %s becomes %lld; output sizes must be >= 1",
                         fn, i, shape, (long long)o);
    if (o > INT32_MAX || n > INT32_MAX)
      return oclnn__fail(ctx, OCLNN_ERR_OVERFLOW,
                         "%s: spatial dim %d (input %lld, output %lld) must stay below 2^31", fn, i,
                         (long long)n, (long long)o);
    out_shape[2 + i] = o;
    if (has_scale && !d->recompute_scale_factor)
      scale[i] = (float)(1.0 / d->scale_factor[i]);
    else
      scale[i] = (float)n / (float)o;
  }
  int64_t total = 1;
  for (int i = 0; i < rank; i++)
    if (!oclnn__mul_i64(total, out_shape[i], &total))
      return oclnn__fail(ctx, OCLNN_ERR_OVERFLOW, "%s: the output of input %s overflows int64", fn,
                         shape);
  return OCLNN_SUCCESS;
}

oclnn_status oclnn_act_upsample_output_shape(oclnn_act *act, const oclnn_upsample_desc *desc,
                                             int rank, const int64_t *in_shape,
                                             int64_t *out_shape) {
  static const char *fn = "oclnn_act_upsample_output_shape";
  if (!act || !desc || !in_shape || !out_shape)
    return oclnn__fail(act ? act->ctx : NULL, OCLNN_ERR_NULL_ARGUMENT, "%s: %s is NULL", fn,
                       !act        ? "act"
                       : !desc     ? "desc"
                       : !in_shape ? "in_shape"
                                   : "out_shape");
  int64_t shape[OCLNN_MAX_RANK];
  float scale[3];
  oclnn_status status = upsample_shape(act->ctx, fn, desc, rank, in_shape, shape, scale);
  if (status == OCLNN_SUCCESS)
    memcpy(out_shape, shape, (size_t)rank * sizeof *shape);
  return status;
}

/* What nearest upsampling's forward and backward share: the input-side tensor `small` (in,
 * grad_in) and the upsampled-side tensor `big` (out, grad_out) are checked in that order, big
 * must have the upsampled shape, and the two must not overlap (checked with the names in the
 * order given by big_first). Fills the kernels' geometry, spatial dims innermost first, missing
 * ones of size 1 with scale 1 (source index 0), and both element counts. */
typedef struct upsample_geometry {
  cl_int in_dim[3], out_dim[3];
  cl_float scale[3];
  int64_t small_count, big_count;
} upsample_geometry;

static oclnn_status upsample_check(oclnn_act *act, const char *fn, const oclnn_upsample_desc *desc,
                                   const char *small_name, const oclnn_tensor *small,
                                   const char *big_name, const oclnn_tensor *big, bool big_first,
                                   upsample_geometry *g) {
  oclnn_context *ctx = act->ctx;
  oclnn_status status = oclnn__check_tensor(ctx, fn, small_name, small, &g->small_count);
  if (status != OCLNN_SUCCESS)
    return status;
  int64_t expected[OCLNN_MAX_RANK];
  float scale[3] = {1.0f, 1.0f, 1.0f};
  status = upsample_shape(ctx, fn, desc, small->rank, small->shape, expected, scale);
  if (status == OCLNN_SUCCESS)
    status = oclnn__check_tensor(ctx, fn, big_name, big, &g->big_count);
  if (status != OCLNN_SUCCESS)
    return status;
  if (big->rank != small->rank ||
      memcmp(big->shape, expected, (size_t)small->rank * sizeof *expected))
    return shape_mismatch(ctx, fn, big_name, big, small->rank, expected);
  status = big_first ? oclnn__check_no_overlap(ctx, fn, big_name, big, small_name, small)
                     : oclnn__check_no_overlap(ctx, fn, small_name, small, big_name, big);
  if (status != OCLNN_SUCCESS)
    return status;
  int rank = small->rank, dims = desc->dims;
  for (int k = 0; k < 3; k++) {
    g->in_dim[k] = g->out_dim[k] = 1;
    g->scale[k] = 1.0f;
  }
  for (int k = 0; k < dims; k++) {
    g->in_dim[k] = (cl_int)small->shape[rank - 1 - k];
    g->out_dim[k] = (cl_int)expected[rank - 1 - k];
    g->scale[k] = scale[dims - 1 - k];
  }
  return OCLNN_SUCCESS;
}

oclnn_status oclnn_act_upsample(oclnn_act *act, const oclnn_upsample_desc *desc,
                                const oclnn_tensor *in, const oclnn_tensor *out) {
  static const char *fn = "oclnn_act_upsample";
  if (!act || !desc || !in || !out)
    return oclnn__fail(act ? act->ctx : NULL, OCLNN_ERR_NULL_ARGUMENT, "%s: %s is NULL", fn,
                       !act    ? "act"
                       : !desc ? "desc"
                       : !in   ? "in"
                               : "out");
  oclnn_context *ctx = act->ctx;
  upsample_geometry g;
  oclnn_status status = upsample_check(act, fn, desc, "in", in, "out", out, false, &g);
  if (status != OCLNN_SUCCESS || g.big_count == 0)
    return status;
  const cl_int *in_dim = g.in_dim, *out_dim = g.out_dim;
  const cl_float *s = g.scale;
  int64_t out_count = g.big_count;
  /* floor(float(x) * s) == x >> k for every x < 2^24 (exact in fp32) when s == 2^-k; the min
   * with in_w - 1 never bites when out_w <= in_w << k. The kernel has loops for k = 0 and 1. */
  cl_int shift_w = -1;
  for (int k = 0; k < 2; k++)
    if (s[0] == (k ? 0.5f : 1.0f) && out_dim[0] <= (1 << 24) &&
        (int64_t)out_dim[0] <= ((int64_t)in_dim[0] << k))
      shift_w = k;
  cl_int chunks_per_row = (out_dim[0] + act->chunk - 1) / act->chunk;
  cl_ulong units = (cl_ulong)(out_count / out_dim[0]) * (cl_ulong)chunks_per_row;
  cl_ulong in_offset = in->offset, out_offset = out->offset;
  cl_kernel k = act->upsample;
  cl_int err = CL_SUCCESS;
  cl_uint arg = 0;
  err |= clSetKernelArg(k, arg++, sizeof(cl_mem), &in->buffer);
  err |= clSetKernelArg(k, arg++, sizeof in_offset, &in_offset);
  err |= clSetKernelArg(k, arg++, sizeof(cl_mem), &out->buffer);
  err |= clSetKernelArg(k, arg++, sizeof out_offset, &out_offset);
  for (int i = 0; i < 3; i++)
    err |= clSetKernelArg(k, arg++, sizeof(cl_int), &in_dim[i]);
  for (int i = 0; i < 3; i++)
    err |= clSetKernelArg(k, arg++, sizeof(cl_int), &out_dim[i]);
  for (int i = 0; i < 3; i++)
    err |= clSetKernelArg(k, arg++, sizeof(cl_float), &s[i]);
  err |= clSetKernelArg(k, arg++, sizeof shift_w, &shift_w);
  err |= clSetKernelArg(k, arg++, sizeof units, &units);
  err |= clSetKernelArg(k, arg++, sizeof chunks_per_row, &chunks_per_row);
  if (err != CL_SUCCESS)
    return oclnn__fail(ctx, OCLNN_ERR_OPENCL, "%s: clSetKernelArg failed", fn);
  return launch_units(act, fn, k, units);
}

oclnn_status oclnn_act_upsample_backward(oclnn_act *act, const oclnn_upsample_desc *desc,
                                         const oclnn_tensor *grad_out,
                                         const oclnn_tensor *grad_in) {
  static const char *fn = "oclnn_act_upsample_backward";
  if (!act || !desc || !grad_out || !grad_in)
    return oclnn__fail(act ? act->ctx : NULL, OCLNN_ERR_NULL_ARGUMENT, "%s: %s is NULL", fn,
                       !act        ? "act"
                       : !desc     ? "desc"
                       : !grad_out ? "grad_out"
                                   : "grad_in");
  oclnn_context *ctx = act->ctx;
  upsample_geometry g;
  oclnn_status status =
      upsample_check(act, fn, desc, "grad_in", grad_in, "grad_out", grad_out, true, &g);
  if (status != OCLNN_SUCCESS || g.small_count == 0)
    return status;
  const cl_int *in_dim = g.in_dim, *out_dim = g.out_dim;
  const cl_float *s = g.scale;
  int64_t in_count = g.small_count;
  cl_ulong rows = (cl_ulong)(in_count / in_dim[0]);
  cl_ulong out_offset = grad_out->offset, in_offset = grad_in->offset;
  cl_kernel k = act->upsample_backward;
  cl_int err = CL_SUCCESS;
  cl_uint arg = 0;
  err |= clSetKernelArg(k, arg++, sizeof(cl_mem), &grad_out->buffer);
  err |= clSetKernelArg(k, arg++, sizeof out_offset, &out_offset);
  err |= clSetKernelArg(k, arg++, sizeof(cl_mem), &grad_in->buffer);
  err |= clSetKernelArg(k, arg++, sizeof in_offset, &in_offset);
  for (int i = 0; i < 3; i++)
    err |= clSetKernelArg(k, arg++, sizeof(cl_int), &in_dim[i]);
  for (int i = 0; i < 3; i++)
    err |= clSetKernelArg(k, arg++, sizeof(cl_int), &out_dim[i]);
  for (int i = 0; i < 3; i++)
    err |= clSetKernelArg(k, arg++, sizeof(cl_float), &s[i]);
  err |= clSetKernelArg(k, arg++, sizeof rows, &rows);
  if (err != CL_SUCCESS)
    return oclnn__fail(ctx, OCLNN_ERR_OPENCL, "%s: clSetKernelArg failed", fn);
  return launch_units(act, fn, k, rows);
}

/* ---------------------------------------------------------------------------------------- */
/* Training helpers: Add's gradient for b, MSE loss, SGD                                    */
/* ---------------------------------------------------------------------------------------- */

static oclnn_status set_args(oclnn_act *act, const char *fn, cl_kernel k, int count,
                             const size_t *sizes, const void *const *values) {
  cl_int err = CL_SUCCESS;
  for (int i = 0; i < count; i++)
    err |= clSetKernelArg(k, (cl_uint)i, sizes[i], values[i]);
  return err == CL_SUCCESS
             ? OCLNN_SUCCESS
             : oclnn__fail(act->ctx, OCLNN_ERR_OPENCL, "%s: clSetKernelArg failed", fn);
}

oclnn_status oclnn_act_add_backward(oclnn_act *act, const oclnn_tensor *grad_out,
                                    const oclnn_tensor *grad_b) {
  static const char *fn = "oclnn_act_add_backward";
  if (!act || !grad_out || !grad_b)
    return oclnn__fail(act ? act->ctx : NULL, OCLNN_ERR_NULL_ARGUMENT, "%s: %s is NULL", fn,
                       !act        ? "act"
                       : !grad_out ? "grad_out"
                                   : "grad_b");
  oclnn_context *ctx = act->ctx;
  int64_t b_count = 0;
  oclnn_status status = oclnn__check_tensor(ctx, fn, "grad_out", grad_out, NULL);
  if (status == OCLNN_SUCCESS)
    status = oclnn__check_tensor(ctx, fn, "grad_b", grad_b, &b_count);
  if (status == OCLNN_SUCCESS)
    status = add_shapes(ctx, fn, grad_out->rank, grad_out->shape, grad_b->rank, grad_b->shape);
  if (status == OCLNN_SUCCESS)
    status = oclnn__check_no_overlap(ctx, fn, "grad_out", grad_out, "grad_b", grad_b);
  if (status != OCLNN_SUCCESS)
    return status;
  if (b_count == 0)
    return OCLNN_SUCCESS;

  /* Kept dims (b has them) and reduced ones (b broadcasts along them), innermost first, with
   * their element strides in grad_out. An empty grad_out has a reduced dim of size 0 (a kept
   * one would make b empty too), so every grad_b element becomes an empty sum, 0. */
  add_layout l;
  add_collapse(grad_out, grad_b, &l);
  cl_ulong kept[3] = {1, 1, 1}, kept_stride[3] = {0, 0, 0};
  cl_ulong red[3] = {1, 1, 1}, red_stride[3] = {0, 0, 0};
  int kept_count = 0, red_count = 0;
  cl_ulong stride = 1;
  for (int k = 0; k < l.count; k++) {
    if (l.b_stride[k] != 0 || l.size[k] == 1) {
      kept[kept_count] = (cl_ulong)l.size[k];
      kept_stride[kept_count++] = stride;
    } else {
      red[red_count] = (cl_ulong)l.size[k];
      red_stride[red_count++] = stride;
    }
    stride *= (cl_ulong)l.size[k];
  }
  /* Dims alternate in kind, so five dims give at most three of each; the kernel folds every
   * kept dim beyond the second into the third, whose size it does not need. */
  cl_ulong out_offset = grad_out->offset, b_offset = grad_b->offset, n = (cl_ulong)b_count;
  const size_t u = sizeof(cl_ulong), m = sizeof(cl_mem);
  const size_t sizes[16] = {m, u, m, u, u, u, u, u, u, u, u, u, u, u, u, u};
  const void *values[16] = {&grad_out->buffer, &out_offset,    &grad_b->buffer, &b_offset,
                            &kept[0],          &kept[1],       &kept_stride[0], &kept_stride[1],
                            &kept_stride[2],   &red[0],        &red[1],         &red[2],
                            &red_stride[0],    &red_stride[1], &red_stride[2],  &n};
  status = set_args(act, fn, act->add_backward_b, 16, sizes, values);
  if (status != OCLNN_SUCCESS)
    return status;
  return launch_units(act, fn, act->add_backward_b, (n + act->lanes - 1) / act->lanes);
}

oclnn_status oclnn_act_mse_loss(oclnn_act *act, const oclnn_tensor *input,
                                const oclnn_tensor *target, const oclnn_tensor *loss,
                                const oclnn_tensor *grad_input) {
  static const char *fn = "oclnn_act_mse_loss";
  if (!act || !input || !target)
    return oclnn__fail(act ? act->ctx : NULL, OCLNN_ERR_NULL_ARGUMENT, "%s: %s is NULL", fn,
                       !act     ? "act"
                       : !input ? "input"
                                : "target");
  oclnn_context *ctx = act->ctx;
  if (!loss && !grad_input)
    return oclnn__fail(ctx, OCLNN_ERR_NULL_ARGUMENT,
                       "%s: loss and grad_input are both NULL; ask for at least one", fn);
  int64_t count = 0;
  oclnn_status status = oclnn__check_tensor(ctx, fn, "input", input, &count);
  if (status == OCLNN_SUCCESS)
    status = oclnn__check_tensor(ctx, fn, "target", target, NULL);
  if (status != OCLNN_SUCCESS)
    return status;
  if (!same_shape(input, target))
    return shape_mismatch(ctx, fn, "target", target, input->rank, input->shape);
  int64_t loss_count = 0;
  if (loss) {
    status = oclnn__check_tensor(ctx, fn, "loss", loss, &loss_count);
    if (status == OCLNN_SUCCESS && loss_count != 1) {
      char s[128];
      return oclnn__fail(ctx, OCLNN_ERR_INVALID_SHAPE,
                         "%s: loss has shape %s; it must hold exactly one element", fn,
                         oclnn__shape_string(loss->rank, loss->shape, s, sizeof s));
    }
    if (status == OCLNN_SUCCESS)
      status = oclnn__check_no_overlap(ctx, fn, "input", input, "loss", loss);
    if (status == OCLNN_SUCCESS)
      status = oclnn__check_no_overlap(ctx, fn, "target", target, "loss", loss);
  }
  if (status == OCLNN_SUCCESS && grad_input) {
    status = oclnn__check_tensor(ctx, fn, "grad_input", grad_input, NULL);
    if (status == OCLNN_SUCCESS && !same_shape(input, grad_input))
      return shape_mismatch(ctx, fn, "grad_input", grad_input, input->rank, input->shape);
    if (status == OCLNN_SUCCESS)
      status = oclnn__check_no_overlap(ctx, fn, "input", input, "grad_input", grad_input);
    if (status == OCLNN_SUCCESS)
      status = oclnn__check_no_overlap(ctx, fn, "target", target, "grad_input", grad_input);
    if (status == OCLNN_SUCCESS && loss)
      status = oclnn__check_no_overlap(ctx, fn, "loss", loss, "grad_input", grad_input);
  }
  if (status != OCLNN_SUCCESS)
    return status;

  cl_ulong in_offset = input->offset, t_offset = target->offset, n = (cl_ulong)count;
  const size_t u = sizeof(cl_ulong), m = sizeof(cl_mem);
  if (loss) {
    /* The mean of nothing is NaN in torch (0 / 0), and so it is here. */
    cl_ulong l_offset = loss->offset;
    const size_t sizes[7] = {m, u, m, u, m, u, u};
    const void *values[7] = {&input->buffer, &in_offset, &target->buffer, &t_offset, &loss->buffer,
                             &l_offset,      &n};
    status = set_args(act, fn, act->mse_loss_value, 7, sizes, values);
    if (status != OCLNN_SUCCESS)
      return status;
    size_t global[1] = {64}, local[1] = {64};
    status = oclnn__enqueue(ctx, fn, act->program, act->mse_loss_value, 1, global, local);
    if (status != OCLNN_SUCCESS)
      return status;
  }
  if (grad_input && count > 0) {
    cl_ulong g_offset = grad_input->offset;
    cl_float scale = (cl_float)(2.0 / (double)count);
    const size_t sizes[8] = {m, u, m, u, m, u, sizeof scale, u};
    const void *values[8] = {&input->buffer,      &in_offset, &target->buffer, &t_offset,
                             &grad_input->buffer, &g_offset,  &scale,          &n};
    status = set_args(act, fn, act->mse_loss_grad, 8, sizes, values);
    if (status != OCLNN_SUCCESS)
      return status;
    status = launch_units(act, fn, act->mse_loss_grad,
                          (n + (cl_ulong)act->chunk - 1) / (cl_ulong)act->chunk);
  }
  return status;
}

oclnn_sgd_desc oclnn_sgd_desc_default(double lr) {
  oclnn_sgd_desc desc;
  memset(&desc, 0, sizeof desc);
  desc.lr = lr;
  return desc;
}

oclnn_status oclnn_act_sgd_step(oclnn_act *act, const oclnn_sgd_desc *desc, int64_t step,
                                const oclnn_tensor *param, const oclnn_tensor *grad,
                                const oclnn_tensor *momentum_buffer) {
  static const char *fn = "oclnn_act_sgd_step";
  if (!act || !desc || !param || !grad)
    return oclnn__fail(act ? act->ctx : NULL, OCLNN_ERR_NULL_ARGUMENT, "%s: %s is NULL", fn,
                       !act     ? "act"
                       : !desc  ? "desc"
                       : !param ? "param"
                                : "grad");
  oclnn_context *ctx = act->ctx;
  /* torch.optim.SGD's own refusals, worded like its messages. */
  if (desc->lr < 0.0)
    return oclnn__fail(ctx, OCLNN_ERR_INVALID_VALUE, "%s: invalid learning rate %g", fn, desc->lr);
  if (desc->momentum < 0.0)
    return oclnn__fail(ctx, OCLNN_ERR_INVALID_VALUE, "%s: invalid momentum value %g", fn,
                       desc->momentum);
  if (desc->weight_decay < 0.0)
    return oclnn__fail(ctx, OCLNN_ERR_INVALID_VALUE, "%s: invalid weight_decay value %g", fn,
                       desc->weight_decay);
  if (desc->nesterov && (desc->momentum <= 0.0 || desc->dampening != 0.0))
    return oclnn__fail(ctx, OCLNN_ERR_INVALID_VALUE,
                       "%s: nesterov momentum requires a momentum and zero dampening", fn);
  if (step < 1)
    return oclnn__fail(ctx, OCLNN_ERR_INVALID_VALUE, "%s: step is %lld; steps are counted from 1",
                       fn, (long long)step);
  bool use_momentum = desc->momentum != 0.0;
  if (use_momentum && !momentum_buffer)
    return oclnn__fail(ctx, OCLNN_ERR_NULL_ARGUMENT,
                       "%s: momentum_buffer is NULL, but momentum is %g", fn, desc->momentum);
  if (!use_momentum && momentum_buffer)
    return oclnn__fail(ctx, OCLNN_ERR_INVALID_VALUE,
                       "%s: momentum_buffer is given, but momentum is 0 (pass NULL)", fn);
  int64_t count = 0;
  oclnn_status status = oclnn__check_tensor(ctx, fn, "param", param, &count);
  if (status == OCLNN_SUCCESS)
    status = oclnn__check_tensor(ctx, fn, "grad", grad, NULL);
  if (status == OCLNN_SUCCESS && !same_shape(param, grad))
    return shape_mismatch(ctx, fn, "grad", grad, param->rank, param->shape);
  if (status == OCLNN_SUCCESS)
    status = oclnn__check_no_overlap(ctx, fn, "param", param, "grad", grad);
  if (status == OCLNN_SUCCESS && momentum_buffer) {
    status = oclnn__check_tensor(ctx, fn, "momentum_buffer", momentum_buffer, NULL);
    if (status == OCLNN_SUCCESS && !same_shape(param, momentum_buffer))
      return shape_mismatch(ctx, fn, "momentum_buffer", momentum_buffer, param->rank, param->shape);
    if (status == OCLNN_SUCCESS)
      status = oclnn__check_no_overlap(ctx, fn, "param", param, "momentum_buffer", momentum_buffer);
    if (status == OCLNN_SUCCESS)
      status = oclnn__check_no_overlap(ctx, fn, "grad", grad, "momentum_buffer", momentum_buffer);
  }
  if (status != OCLNN_SUCCESS)
    return status;
  if (count == 0)
    return OCLNN_SUCCESS;

  const oclnn_tensor *buf = use_momentum ? momentum_buffer : param; /* unread without momentum */
  cl_ulong p_offset = param->offset, g_offset = grad->offset, b_offset = buf->offset;
  cl_ulong n = (cl_ulong)count;
  cl_float lr = (cl_float)desc->lr, momentum = (cl_float)desc->momentum;
  cl_float keep = (cl_float)(1.0 - desc->dampening), decay = (cl_float)desc->weight_decay;
  cl_int nesterov = desc->nesterov != 0, maximize = desc->maximize != 0, first = step == 1;
  const size_t u = sizeof(cl_ulong), m = sizeof(cl_mem), f = sizeof(cl_float), i = sizeof(cl_int);
  const size_t sizes[14] = {m, u, m, u, m, u, f, f, f, f, i, i, i, u};
  const void *values[14] = {&param->buffer, &p_offset, &grad->buffer, &g_offset, &buf->buffer,
                            &b_offset,      &lr,       &momentum,     &keep,     &decay,
                            &nesterov,      &maximize, &first,        &n};
  status = set_args(act, fn, act->sgd_step, 14, sizes, values);
  if (status != OCLNN_SUCCESS)
    return status;
  return launch_units(act, fn, act->sgd_step,
                      (n + (cl_ulong)act->chunk - 1) / (cl_ulong)act->chunk);
}
