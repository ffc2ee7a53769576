/* LocalResponseNorm across channels (kernels_cl/norm_lrn.cl); see oclnn/norm.h. */
#include "layers/norm_internal.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define LRN_FILE "norm_lrn.cl"
/* Work-items per work-group: at most LOCAL_MAX, fewer when there are few work-items, so that
 * every compute unit gets work-groups (the benchmark's 8x64x128x128 has 32 work-items). */
#define LOCAL_MAX 64
#define GROUPS_MIN 16
/* Positions per work-item. Long runs keep each plane's reads sequential for long enough for the
 * hardware prefetchers (runs of 512 ran ~1.5x longer than 4096 on PoCL); the window's planes
 * (size x 16 KiB) then stay in L2 rather than L1. */
#define SEG_MAX 4096

struct oclnn_lrn {
  oclnn_context *ctx;
  oclnn_lrn_desc desc;
  oclnn__program *program;
  cl_kernel kernel, rows_kernel; /* lrn_forward; lrn_rows for one spatial element */
  cl_kernel backward_kernel;     /* lrn_backward */
  int vec;                       /* the program's VEC */
  uint64_t stream_min;           /* outputs of at least this many bytes use streaming stores */
};

oclnn_lrn_desc oclnn_lrn_desc_default(int64_t size) {
  oclnn_lrn_desc desc;
  memset(&desc, 0, sizeof desc);
  desc.size = size;
  desc.alpha = 1e-4;
  desc.beta = 0.75;
  desc.k = 1.0;
  return desc;
}

oclnn_status oclnn_lrn_create(oclnn_context *ctx, const oclnn_lrn_desc *desc, oclnn_lrn **out) {
  static const char *fn = "oclnn_lrn_create";
  if (!ctx || !desc || !out)
    return oclnn__fail(ctx, OCLNN_ERR_NULL_ARGUMENT, "%s: %s is NULL", fn,
                       !ctx    ? "ctx"
                       : !desc ? "desc"
                               : "out");
  *out = NULL;
  if (desc->size < 1)
    return oclnn__fail(ctx, OCLNN_ERR_INVALID_VALUE,
                       "%s: desc->size is %lld; the window needs at least 1 channel", fn,
                       (long long)desc->size);
  if (desc->size > INT32_MAX)
    return oclnn__fail(ctx, OCLNN_ERR_OVERFLOW, "%s: desc->size is %lld; it must be below 2^31", fn,
                       (long long)desc->size);
  /* float16 on CPUs: two independent 8-lane chains per step hide the latency of the window sum
   * and the square roots (VEC=8 took ~1.6x the time on PoCL). */
  int vec = (ctx->device_type & CL_DEVICE_TYPE_CPU) ? 16 : 4;
  char options[32];
  snprintf(options, sizeof options, "-DVEC=%d", vec);
  oclnn__program *program = NULL;
  oclnn_status status = oclnn__program_get(ctx, fn, LRN_FILE, options, &program);
  if (status != OCLNN_SUCCESS)
    return status;
  oclnn_lrn *layer = calloc(1, sizeof *layer);
  if (!layer)
    return oclnn__fail(ctx, OCLNN_ERR_OUT_OF_MEMORY, "%s: out of host memory", fn);
  status = oclnn__kernel_create(ctx, fn, program, "lrn_forward", &layer->kernel);
  if (status == OCLNN_SUCCESS)
    status = oclnn__kernel_create(ctx, fn, program, "lrn_rows", &layer->rows_kernel);
  if (status == OCLNN_SUCCESS)
    status = oclnn__kernel_create(ctx, fn, program, "lrn_backward", &layer->backward_kernel);
  if (status != OCLNN_SUCCESS) {
    oclnn_lrn_free(layer);
    return status;
  }
  layer->vec = vec;
  layer->ctx = ctx;
  layer->stream_min = oclnn__norm_stream_min(ctx);
  layer->desc = *desc;
  layer->program = program;
  *out = layer;
  return OCLNN_SUCCESS;
}

void oclnn_lrn_free(oclnn_lrn *layer) {
  if (!layer)
    return;
  if (layer->kernel)
    clReleaseKernel(layer->kernel);
  if (layer->rows_kernel)
    clReleaseKernel(layer->rows_kernel);
  if (layer->backward_kernel)
    clReleaseKernel(layer->backward_kernel);
  free(layer);
}

static oclnn_status check_input(oclnn_lrn *layer, const char *fn, int rank, const int64_t *shape) {
  oclnn_context *ctx = layer->ctx;
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
  if (rank < 3)
    return oclnn__fail(ctx, OCLNN_ERR_INVALID_SHAPE,
                       "%s: LocalResponseNorm expects an input of rank >= 3, got %s", fn,
                       oclnn__shape_string(rank, shape, text, sizeof text));
  return OCLNN_SUCCESS;
}

oclnn_status oclnn_lrn_output_shape(oclnn_lrn *layer, int rank, const int64_t *in_shape,
                                    int64_t *out_shape) {
  static const char *fn = "oclnn_lrn_output_shape";
  if (!layer || !in_shape || !out_shape)
    return oclnn__fail(layer ? layer->ctx : NULL, OCLNN_ERR_NULL_ARGUMENT, "%s: %s is NULL", fn,
                       !layer      ? "layer"
                       : !in_shape ? "in_shape"
                                   : "out_shape");
  oclnn_status status = check_input(layer, fn, rank, in_shape);
  if (status == OCLNN_SUCCESS)
    memcpy(out_shape, in_shape, (size_t)rank * sizeof *in_shape);
  return status;
}

/* Launches `items` work-items (at most SIZE_MAX - LOCAL_MAX) of a kernel whose arguments are
 * set. The work-group size is a power of two, since PoCL compiles the kernel once per size. */
static oclnn_status enqueue_items(oclnn_lrn *layer, const char *fn, cl_kernel kernel,
                                  cl_ulong items) {
  size_t local = 1;
  while (local < LOCAL_MAX && local * 2 * GROUPS_MIN <= items)
    local *= 2;
  size_t global = ((size_t)items + local - 1) / local * local;
  return oclnn__enqueue(layer->ctx, fn, layer->program, kernel, 1, &global, &local);
}

oclnn_status oclnn_lrn_forward(oclnn_lrn *layer, const oclnn_tensor *in, const oclnn_tensor *out) {
  static const char *fn = "oclnn_lrn_forward";
  if (!layer || !in || !out)
    return oclnn__fail(layer ? layer->ctx : NULL, OCLNN_ERR_NULL_ARGUMENT, "%s: %s is NULL", fn,
                       !layer ? "layer"
                       : !in  ? "in"
                              : "out");
  oclnn_context *ctx = layer->ctx;
  int64_t count = 0;
  oclnn_status status = oclnn__check_tensor(ctx, fn, "in", in, &count);
  if (status == OCLNN_SUCCESS)
    status = check_input(layer, fn, in->rank, in->shape);
  if (status == OCLNN_SUCCESS)
    status = oclnn__check_tensor(ctx, fn, "out", out, NULL);
  if (status != OCLNN_SUCCESS)
    return status;
  if (out->rank != in->rank || memcmp(out->shape, in->shape, (size_t)in->rank * sizeof(int64_t))) {
    char want[128], got[128];
    return oclnn__fail(ctx, OCLNN_ERR_INVALID_SHAPE, "%s: out has shape %s, expected %s", fn,
                       oclnn__shape_string(out->rank, out->shape, got, sizeof got),
                       oclnn__shape_string(in->rank, in->shape, want, sizeof want));
  }
  if (count == 0)
    return OCLNN_SUCCESS;
  status = oclnn__check_no_overlap(ctx, fn, "in", in, "out", out);
  if (status != OCLNN_SUCCESS)
    return status;

  const oclnn_lrn_desc *d = &layer->desc;
  cl_ulong n = (cl_ulong)in->shape[0], channels = (cl_ulong)in->shape[1], spatial = 1;
  for (int i = 2; i < in->rank; i++)
    spatial *= (cl_ulong)in->shape[i];
  /* One spatial element: the rows kernel vectorises along the channels instead. */
  bool rows = spatial == 1;
  cl_ulong run = rows ? channels : spatial;
  cl_ulong seg = run < SEG_MAX ? run : SEG_MAX;
  cl_ulong segs = (run + seg - 1) / seg, items = n * segs;
  cl_ulong in_off = in->offset, out_off = out->offset;
  cl_long before = d->size / 2, after = (d->size - 1) / 2;
  cl_float alpha_size = (cl_float)(d->alpha / (double)d->size), beta = (cl_float)d->beta,
           k = (cl_float)d->k;
  cl_int beta_mode = d->beta == 0.75 ? 1 : d->beta == 0.5 ? 2 : d->beta == 1.0 ? 3 : 0;
  cl_kernel kernel = rows ? layer->rows_kernel : layer->kernel;
  cl_int err = CL_SUCCESS;
  cl_uint arg = 0;
#define SET(value)                                                      \
  do {                                                                  \
    cl_int e_ = clSetKernelArg(kernel, arg++, sizeof(value), &(value)); \
    if (err == CL_SUCCESS)                                              \
      err = e_;                                                         \
  } while (0)
  SET(in->buffer);
  SET(in_off);
  SET(out->buffer);
  SET(out_off);
  SET(channels);
  if (!rows)
    SET(spatial);
  SET(seg);
  SET(segs);
  SET(items);
  SET(before);
  SET(after);
  SET(alpha_size);
  SET(beta);
  SET(beta_mode);
  SET(k);
  cl_int stream = (cl_ulong)count * sizeof(float) >= layer->stream_min;
  SET(stream);
#undef SET
  if (err != CL_SUCCESS)
    return oclnn__fail_cl(ctx, fn, "clSetKernelArg", err);
  if (items > (cl_ulong)(SIZE_MAX - LOCAL_MAX))
    return oclnn__fail(ctx, OCLNN_ERR_OVERFLOW, "%s: %llu work-items are too many to launch", fn,
                       (unsigned long long)items);
  return enqueue_items(layer, fn, kernel, items);
}

/* Backward: each work-item keeps a ring of 2 x min(size, C) x seg floats in the scratch buffer.
 * RING_FLOATS bounds one ring (runs get shorter for wide windows, down to one vector) so that it
 * stays in L2; SCRATCH_FLOATS bounds the rings of all work-items together (fewer work-items,
 * each taking several runs, for very wide windows). */
#define RING_FLOATS 32768
#define SCRATCH_FLOATS (4u << 20)
#define BACKWARD_ITEMS_MAX 64

static oclnn_status check_same_shape(oclnn_context *ctx, const char *fn, const char *name,
                                     const oclnn_tensor *t, const oclnn_tensor *in) {
  if (t->rank == in->rank && !memcmp(t->shape, in->shape, (size_t)in->rank * sizeof(int64_t)))
    return OCLNN_SUCCESS;
  char want[128], got[128];
  return oclnn__fail(ctx, OCLNN_ERR_INVALID_SHAPE, "%s: %s has shape %s, expected in's %s", fn,
                     name, oclnn__shape_string(t->rank, t->shape, got, sizeof got),
                     oclnn__shape_string(in->rank, in->shape, want, sizeof want));
}

oclnn_status oclnn_lrn_backward(oclnn_lrn *layer, const oclnn_tensor *in,
                                const oclnn_tensor *grad_out, const oclnn_tensor *grad_in) {
  static const char *fn = "oclnn_lrn_backward";
  if (!layer || !in || !grad_out)
    return oclnn__fail(layer ? layer->ctx : NULL, OCLNN_ERR_NULL_ARGUMENT, "%s: %s is NULL", fn,
                       !layer ? "layer"
                       : !in  ? "in"
                              : "grad_out");
  oclnn_context *ctx = layer->ctx;
  if (!grad_in)
    return oclnn__fail(ctx, OCLNN_ERR_INVALID_VALUE,
                       "%s: grad_in is NULL, so there is no gradient to compute", fn);
  int64_t count = 0;
  oclnn_status status = oclnn__check_tensor(ctx, fn, "in", in, &count);
  if (status == OCLNN_SUCCESS)
    status = check_input(layer, fn, in->rank, in->shape);
  if (status == OCLNN_SUCCESS)
    status = oclnn__check_tensor(ctx, fn, "grad_out", grad_out, NULL);
  if (status == OCLNN_SUCCESS)
    status = check_same_shape(ctx, fn, "grad_out", grad_out, in);
  if (status == OCLNN_SUCCESS)
    status = oclnn__check_tensor(ctx, fn, "grad_in", grad_in, NULL);
  if (status == OCLNN_SUCCESS)
    status = check_same_shape(ctx, fn, "grad_in", grad_in, in);
  if (status == OCLNN_SUCCESS && count > 0)
    status = oclnn__check_no_overlap(ctx, fn, "in", in, "grad_in", grad_in);
  if (status == OCLNN_SUCCESS && count > 0)
    status = oclnn__check_no_overlap(ctx, fn, "grad_out", grad_out, "grad_in", grad_in);
  if (status != OCLNN_SUCCESS || count == 0)
    return status;

  const oclnn_lrn_desc *d = &layer->desc;
  cl_ulong n = (cl_ulong)in->shape[0], channels = (cl_ulong)in->shape[1], spatial = 1;
  for (int i = 2; i < in->rank; i++)
    spatial *= (cl_ulong)in->shape[i];
  cl_ulong vec = (cl_ulong)layer->vec;
  cl_long ring = d->size < (int64_t)channels ? (cl_long)d->size : (cl_long)channels;
  /* Runs as long as one ring allows (a multiple of the vector width, at least one vector), of
   * equal lengths. */
  cl_ulong cap = RING_FLOATS / (2 * (cl_ulong)ring) / vec * vec;
  cap = cap < vec ? vec : cap > SEG_MAX ? SEG_MAX : cap;
  cl_ulong segs = (spatial + cap - 1) / cap;
  cl_ulong seg = ((spatial + segs - 1) / segs + vec - 1) / vec * vec;
  segs = (spatial + seg - 1) / seg;
  cl_ulong ring_floats = 2 * (cl_ulong)ring * seg, tasks = n * segs;
  cl_ulong items = SCRATCH_FLOATS / ring_floats;
  items = items < 1 ? 1 : items > BACKWARD_ITEMS_MAX ? BACKWARD_ITEMS_MAX : items;
  items = items > tasks ? tasks : items;
  /* ring <= 2^31 and seg <= SEG_MAX, so this product cannot overflow. */
  cl_mem scratch = NULL;
  status = oclnn__scratch(ctx, fn, (size_t)(items * ring_floats * sizeof(float)), &scratch);
  if (status != OCLNN_SUCCESS)
    return status;

  cl_ulong in_off = in->offset, g_off = grad_out->offset, dx_off = grad_in->offset;
  cl_long before = d->size / 2, after = (d->size - 1) / 2;
  cl_float alpha_size = (cl_float)(d->alpha / (double)d->size), beta = (cl_float)d->beta,
           k = (cl_float)d->k, coef = (cl_float)(2.0 * d->alpha * d->beta / (double)d->size);
  cl_int beta_mode = d->beta == 0.75 ? 1 : d->beta == 0.5 ? 2 : d->beta == 1.0 ? 3 : 0;
  cl_kernel kernel = layer->backward_kernel;
  cl_int err = CL_SUCCESS;
  cl_uint arg = 0;
#define SET(value)                                                      \
  do {                                                                  \
    cl_int e_ = clSetKernelArg(kernel, arg++, sizeof(value), &(value)); \
    if (err == CL_SUCCESS)                                              \
      err = e_;                                                         \
  } while (0)
  SET(in->buffer);
  SET(in_off);
  SET(grad_out->buffer);
  SET(g_off);
  SET(grad_in->buffer);
  SET(dx_off);
  SET(scratch);
  SET(channels);
  SET(spatial);
  SET(seg);
  SET(segs);
  SET(tasks);
  SET(items);
  SET(before);
  SET(after);
  SET(ring);
  SET(alpha_size);
  SET(beta);
  SET(beta_mode);
  SET(k);
  SET(coef);
#undef SET
  if (err != CL_SUCCESS)
    return oclnn__fail_cl(ctx, fn, "clSetKernelArg", err);
  return enqueue_items(layer, fn, kernel, items);
}
