/* Padding layers: ReflectionPad, ReplicationPad, ZeroPad/ConstantPad and CircularPad, 1d/2d/3d.
 * Validation follows PyTorch (see oclnn_pad_output_shape in oclnn.h); the kernel is
 * kernels_cl/pad.cl, one program per mode. */
#include "core/internal.h"
#include "program/program.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define PAD_FILE "pad.cl"
#define PAD_BACKWARD_FILE "pad_backward.cl"
#define ROWS_PER_GROUP 64
#define MAX_GRID_DIM 65535 /* work-items per dim of the range, see oclnn_pad_forward */

static const char *const MODE_NAMES[] = {"constant", "reflect", "replicate", "circular"};

struct oclnn_pad {
  oclnn_context *ctx;
  oclnn_pad_desc desc;
  oclnn__program *program;
  cl_kernel kernel;
  size_t lanes; /* work-items sharing one output row */
  /* Backward, built at the first oclnn_pad_backward call (forward-only users never compile it). */
  oclnn__program *backward_program;
  cl_kernel backward_kernel;
};

oclnn_pad_desc oclnn_pad_desc_default(int dims, oclnn_pad_mode mode, int64_t padding) {
  oclnn_pad_desc desc;
  memset(&desc, 0, sizeof desc);
  desc.dims = dims;
  desc.mode = mode;
  for (int i = 0; i < 6; i++)
    desc.padding[i] = (dims >= 1 && i < 2 * dims && dims <= 3) ? padding : 0;
  desc.value = 0.0f;
  return desc;
}

/* Launch configurations, chosen by device type (portable defaults, no vendor assumed). CPUs: one
 * work-item per row whose copy loops the compiler vectorises (VEC 1); PoCL turns them into
 * full-width AVX loads and stores, where its vload8/vstore8 are split into 16-byte halves.
 * GPUs: a row spread over a warp's worth of lanes, float4 per lane. */
typedef struct pad_config {
  int vec;   /* VEC: 1 = element loops, else vloadN/vstoreN width */
  int lanes; /* LANES: work-items per output row */
} pad_config;

static const pad_config CONFIG_CPU = {1, 1}, CONFIG_GPU = {4, 32};

static pad_config device_config(const oclnn_context *ctx) {
  return (ctx->device_type & CL_DEVICE_TYPE_CPU) ? CONFIG_CPU : CONFIG_GPU;
}

static void pad_options(char *buf, size_t size, int mode, pad_config config) {
  snprintf(buf, size, "-DMODE=%d -DVEC=%d -DLANES=%d", mode, config.vec, config.lanes);
}

static void pad_backward_options(char *buf, size_t size, int mode, pad_config config) {
  snprintf(buf, size, "-DMODE=%d -DLANES=%d", mode, config.lanes);
}

typedef struct variant_context {
  oclnn__variant_fn each;
  void *user;
} variant_context;

void oclnn__pad_variants(oclnn__variant_fn each, void *user) {
  /* Every configuration: prebuild must not depend on which device asks. */
  const pad_config configs[] = {CONFIG_CPU, CONFIG_GPU};
  for (size_t c = 0; c < sizeof configs / sizeof configs[0]; c++) {
    for (int mode = 0; mode < 4; mode++) {
      char options[64];
      pad_options(options, sizeof options, mode, configs[c]);
      each(user, PAD_FILE, options);
      pad_backward_options(options, sizeof options, mode, configs[c]);
      each(user, PAD_BACKWARD_FILE, options);
    }
  }
}

oclnn_status oclnn_pad_create(oclnn_context *ctx, const oclnn_pad_desc *desc, oclnn_pad **out) {
  static const char *fn = "oclnn_pad_create";
  if (!ctx || !desc || !out)
    return oclnn__fail(ctx, OCLNN_ERR_NULL_ARGUMENT, "%s: %s is NULL", fn,
                       !ctx    ? "ctx"
                       : !desc ? "desc"
                               : "out");
  *out = NULL;
  if (desc->dims < 1 || desc->dims > 3)
    return oclnn__fail(ctx, OCLNN_ERR_INVALID_VALUE,
                       "%s: desc->dims is %d; padding layers are 1d, 2d or 3d", fn, desc->dims);
  if ((int)desc->mode < OCLNN_PAD_CONSTANT || (int)desc->mode > OCLNN_PAD_CIRCULAR)
    return oclnn__fail(ctx, OCLNN_ERR_INVALID_VALUE,
                       "%s: desc->mode is %d; use an oclnn_pad_mode value", fn, (int)desc->mode);
  for (int i = 0; i < 2 * desc->dims; i++)
    if (desc->padding[i] > INT32_MAX || desc->padding[i] < -(int64_t)INT32_MAX)
      return oclnn__fail(ctx, OCLNN_ERR_OVERFLOW,
                         "%s: desc->padding[%d] is %lld; |padding| must be below 2^31", fn, i,
                         (long long)desc->padding[i]);

  char options[64];
  pad_config config = device_config(ctx);
  pad_options(options, sizeof options, (int)desc->mode, config);
  oclnn__program *program = NULL;
  oclnn_status status = oclnn__program_get(ctx, fn, PAD_FILE, options, &program);
  if (status != OCLNN_SUCCESS)
    return status;
  oclnn_pad *pad = calloc(1, sizeof *pad);
  if (!pad)
    return oclnn__fail(ctx, OCLNN_ERR_OUT_OF_MEMORY, "%s: out of host memory", fn);
  status = oclnn__kernel_create(ctx, fn, program, "pad_forward", &pad->kernel);
  if (status != OCLNN_SUCCESS) {
    free(pad);
    return status;
  }
  pad->ctx = ctx;
  pad->desc = *desc;
  pad->program = program;
  pad->lanes = (size_t)config.lanes;
  *out = pad;
  return OCLNN_SUCCESS;
}

void oclnn_pad_free(oclnn_pad *pad) {
  if (!pad)
    return;
  if (pad->kernel)
    clReleaseKernel(pad->kernel);
  if (pad->backward_kernel)
    clReleaseKernel(pad->backward_kernel);
  free(pad);
}

static oclnn_status output_shape(oclnn_pad *pad, const char *fn, int rank, const int64_t *in_shape,
                                 int64_t *out_shape) {
  oclnn_context *ctx = pad->ctx;
  const oclnn_pad_desc *d = &pad->desc;
  const char *mode = MODE_NAMES[d->mode];
  char shape[128];
  if (rank < 1 || rank > OCLNN_MAX_RANK)
    return oclnn__fail(ctx, OCLNN_ERR_INVALID_SHAPE, "%s: input rank is %d; ranks 1 to %d exist",
                       fn, rank, OCLNN_MAX_RANK);
  oclnn__shape_string(rank, in_shape, shape, sizeof shape);
  if (d->mode == OCLNN_PAD_CONSTANT) {
    if (rank < d->dims)
      return oclnn__fail(ctx, OCLNN_ERR_INVALID_SHAPE,
                         "%s: constant %dd padding needs an input of rank >= %d, got %s", fn,
                         d->dims, d->dims, shape);
  } else if (rank != d->dims + 1 && rank != d->dims + 2) {
    return oclnn__fail(ctx, OCLNN_ERR_INVALID_SHAPE,
                       "%s: %s %dd padding needs a %dD (unbatched) or %dD (batched) input, got %s",
                       fn, mode, d->dims, d->dims + 1, d->dims + 2, shape);
  }
  for (int i = 0; i < rank; i++)
    if (in_shape[i] < 0)
      return oclnn__fail(ctx, OCLNN_ERR_INVALID_SHAPE, "%s: input shape %s has a negative dim", fn,
                         shape);
  /* Reflect and replicate read from every non-batch dim, so PyTorch requires them non-empty. */
  if (d->mode == OCLNN_PAD_REFLECT || d->mode == OCLNN_PAD_REPLICATE) {
    int first = rank == d->dims + 2 ? 1 : 0;
    for (int i = first; i < rank; i++)
      if (in_shape[i] == 0)
        return oclnn__fail(ctx, OCLNN_ERR_INVALID_SHAPE,
                           "%s: %s padding needs non-empty dims except the batch, input is %s", fn,
                           mode, shape);
  }
  for (int i = 0; i < rank; i++)
    out_shape[i] = in_shape[i];
  for (int k = 0; k < d->dims; k++) {
    int axis = rank - 1 - k;
    int64_t before = d->padding[2 * k], after = d->padding[2 * k + 1], size = in_shape[axis];
    if (d->mode == OCLNN_PAD_REFLECT && (before >= size || after >= size))
      return oclnn__fail(ctx, OCLNN_ERR_INVALID_SHAPE,
                         "%s: reflect padding (%lld, %lld) of dim %d must be < its size %lld "
                         "(input %s)",
                         fn, (long long)before, (long long)after, axis, (long long)size, shape);
    if (d->mode == OCLNN_PAD_CIRCULAR && (before > size || after > size))
      return oclnn__fail(ctx, OCLNN_ERR_INVALID_SHAPE,
                         "%s: circular padding (%lld, %lld) of dim %d must be <= its size %lld, "
                         "it may wrap around once (input %s)",
                         fn, (long long)before, (long long)after, axis, (long long)size, shape);
    if (d->mode == OCLNN_PAD_CIRCULAR) {
      /* A crop on one side shrinks what the other side wraps around (PyTorch crops first);
       * wrapping more than that is undefined in PyTorch, so it is refused here. */
      int64_t kept = size - (before < 0 ? -before : 0) - (after < 0 ? -after : 0);
      if (kept < 1 || before > kept || after > kept)
        return oclnn__fail(ctx, OCLNN_ERR_INVALID_SHAPE,
                           "%s: circular padding (%lld, %lld) of dim %d wraps around the %lld "
                           "element(s) left after cropping more than once (input %s)",
                           fn, (long long)before, (long long)after, axis, (long long)kept, shape);
    }
    int64_t out_size = size + before + after; /* |pads| < 2^31, so no overflow */
    if (out_size < 1)
      return oclnn__fail(ctx, OCLNN_ERR_INVALID_SHAPE,
                         "%s: padding (%lld, %lld) leaves dim %d of input %s with size %lld; "
                         "it must be >= 1",
                         fn, (long long)before, (long long)after, axis, shape, (long long)out_size);
    if (out_size > INT32_MAX || size > INT32_MAX)
      return oclnn__fail(ctx, OCLNN_ERR_OVERFLOW,
                         "%s: padded dim %d (input %lld, output %lld) must stay below 2^31", fn,
                         axis, (long long)size, (long long)out_size);
    out_shape[axis] = out_size;
  }
  int64_t count = 1;
  for (int i = 0; i < rank; i++)
    if (!oclnn__mul_i64(count, out_shape[i], &count))
      return oclnn__fail(ctx, OCLNN_ERR_OVERFLOW, "%s: output of input %s overflows int64", fn,
                         shape);
  return OCLNN_SUCCESS;
}

oclnn_status oclnn_pad_output_shape(oclnn_pad *pad, int rank, const int64_t *in_shape,
                                    int64_t *out_shape) {
  static const char *fn = "oclnn_pad_output_shape";
  if (!pad || !in_shape || !out_shape)
    return oclnn__fail(pad ? pad->ctx : NULL, OCLNN_ERR_NULL_ARGUMENT, "%s: %s is NULL", fn,
                       !pad        ? "pad"
                       : !in_shape ? "in_shape"
                                   : "out_shape");
  int64_t shape[OCLNN_MAX_RANK];
  oclnn_status status = output_shape(pad, fn, rank, in_shape, shape);
  if (status == OCLNN_SUCCESS)
    memcpy(out_shape, shape, (size_t)rank * sizeof *shape);
  return status;
}

oclnn_status oclnn_pad_forward(oclnn_pad *pad, const oclnn_tensor *in, const oclnn_tensor *out) {
  static const char *fn = "oclnn_pad_forward";
  if (!pad || !in || !out)
    return oclnn__fail(pad ? pad->ctx : NULL, OCLNN_ERR_NULL_ARGUMENT, "%s: %s is NULL", fn,
                       !pad  ? "pad"
                       : !in ? "in"
                             : "out");
  oclnn_context *ctx = pad->ctx;
  int64_t in_count = 0, out_count = 0;
  oclnn_status status = oclnn__check_tensor(ctx, fn, "in", in, &in_count);
  if (status != OCLNN_SUCCESS)
    return status;
  int64_t expected[OCLNN_MAX_RANK];
  status = output_shape(pad, fn, in->rank, in->shape, expected);
  if (status != OCLNN_SUCCESS)
    return status;
  status = oclnn__check_tensor(ctx, fn, "out", out, &out_count);
  if (status != OCLNN_SUCCESS)
    return status;
  if (out->rank != in->rank || memcmp(out->shape, expected, (size_t)in->rank * sizeof *expected)) {
    char want[128], got[128];
    return oclnn__fail(ctx, OCLNN_ERR_INVALID_SHAPE, "%s: out has shape %s, expected %s", fn,
                       oclnn__shape_string(out->rank, out->shape, got, sizeof got),
                       oclnn__shape_string(in->rank, expected, want, sizeof want));
  }
  status = oclnn__check_no_overlap(ctx, fn, "in", in, "out", out);
  if (status != OCLNN_SUCCESS)
    return status;
  if (out_count == 0)
    return OCLNN_SUCCESS;

  const oclnn_pad_desc *d = &pad->desc;
  int rank = in->rank;
  /* Padded dims, innermost first; missing ones are size 1 with no padding. */
  cl_int in_dim[3] = {1, 1, 1}, out_dim[3] = {1, 1, 1}, before[3] = {0, 0, 0};
  for (int k = 0; k < d->dims; k++) {
    in_dim[k] = (cl_int)in->shape[rank - 1 - k];
    out_dim[k] = (cl_int)expected[rank - 1 - k];
    before[k] = (cl_int)d->padding[2 * k];
  }
  cl_ulong rows = (cl_ulong)(out_count / out_dim[0]);
  cl_ulong in_offset = in->offset, out_offset = out->offset;
  cl_float value = d->value;
  cl_kernel k = pad->kernel;
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
    err |= clSetKernelArg(k, arg++, sizeof(cl_int), &before[i]);
  err |= clSetKernelArg(k, arg++, sizeof value, &value);
  err |= clSetKernelArg(k, arg++, sizeof rows, &rows);
  if (err != CL_SUCCESS)
    return oclnn__fail(ctx, OCLNN_ERR_OPENCL, "%s: clSetKernelArg failed", fn);

  size_t rows_per_group = ROWS_PER_GROUP;
  if (pad->lanes * rows_per_group > ctx->max_work_group_size && ctx->max_work_group_size)
    rows_per_group =
        ctx->max_work_group_size / pad->lanes ? ctx->max_work_group_size / pad->lanes : 1;
  if (rows > (cl_ulong)(SIZE_MAX - rows_per_group))
    return oclnn__fail(ctx, OCLNN_ERR_OVERFLOW, "%s: %llu output rows are too many to launch", fn,
                       (unsigned long long)rows);
  size_t groups = ((size_t)rows + rows_per_group - 1) / rows_per_group;
  /* The groups are spread over dims 1 and 2 so that each dim stays within MAX_GRID_DIM
   * work-items (up to 2^32 rows): PoCL compiles a kernel's work-group function per local size
   * and, separately, for ranges with a dim of 65536 or more, at the first such launch (0.15 s
   * on an idle machine). So every shape shares one compiled function, the one the tiny launches
   * of oclnn-info --prebuild leave in PoCL's cache. Balanced: at most groups_z - 1 idle groups. */
  size_t max_y = MAX_GRID_DIM / rows_per_group ? MAX_GRID_DIM / rows_per_group : 1;
  size_t groups_z = (groups + max_y - 1) / max_y;
  size_t groups_y = (groups + groups_z - 1) / groups_z;
  size_t global[3] = {pad->lanes, groups_y * rows_per_group, groups_z};
  size_t local[3] = {pad->lanes, rows_per_group, 1};
  return oclnn__enqueue(ctx, fn, pad->program, k, 3, global, local);
}

oclnn_status oclnn_pad_backward(oclnn_pad *pad, const oclnn_tensor *grad_out,
                                const oclnn_tensor *grad_in) {
  static const char *fn = "oclnn_pad_backward";
  if (!pad || !grad_out || !grad_in)
    return oclnn__fail(pad ? pad->ctx : NULL, OCLNN_ERR_NULL_ARGUMENT, "%s: %s is NULL", fn,
                       !pad        ? "pad"
                       : !grad_out ? "grad_out"
                                   : "grad_in");
  oclnn_context *ctx = pad->ctx;
  int64_t in_count = 0;
  oclnn_status status = oclnn__check_tensor(ctx, fn, "grad_in", grad_in, &in_count);
  if (status != OCLNN_SUCCESS)
    return status;
  /* grad_in has the input's shape, so every forward rule applies to it. */
  int64_t expected[OCLNN_MAX_RANK];
  status = output_shape(pad, fn, grad_in->rank, grad_in->shape, expected);
  if (status == OCLNN_SUCCESS)
    status = oclnn__check_tensor(ctx, fn, "grad_out", grad_out, NULL);
  if (status != OCLNN_SUCCESS)
    return status;
  if (grad_out->rank != grad_in->rank ||
      memcmp(grad_out->shape, expected, (size_t)grad_in->rank * sizeof *expected)) {
    char want[128], got[128], in[128];
    return oclnn__fail(ctx, OCLNN_ERR_INVALID_SHAPE,
                       "%s: grad_out has shape %s, expected %s (the output shape for grad_in %s)",
                       fn, oclnn__shape_string(grad_out->rank, grad_out->shape, got, sizeof got),
                       oclnn__shape_string(grad_in->rank, expected, want, sizeof want),
                       oclnn__shape_string(grad_in->rank, grad_in->shape, in, sizeof in));
  }
  status = oclnn__check_no_overlap(ctx, fn, "grad_out", grad_out, "grad_in", grad_in);
  if (status != OCLNN_SUCCESS)
    return status;
  if (in_count == 0)
    return OCLNN_SUCCESS;

  if (!pad->backward_kernel) {
    char options[64];
    pad_backward_options(options, sizeof options, (int)pad->desc.mode, device_config(ctx));
    status = oclnn__program_get(ctx, fn, PAD_BACKWARD_FILE, options, &pad->backward_program);
    if (status == OCLNN_SUCCESS)
      status = oclnn__kernel_create(ctx, fn, pad->backward_program, "pad_backward",
                                    &pad->backward_kernel);
    if (status != OCLNN_SUCCESS) {
      pad->backward_kernel = NULL;
      return status;
    }
  }

  const oclnn_pad_desc *d = &pad->desc;
  int rank = grad_in->rank;
  cl_int in_dim[3] = {1, 1, 1}, out_dim[3] = {1, 1, 1}, before[3] = {0, 0, 0};
  for (int k = 0; k < d->dims; k++) {
    in_dim[k] = (cl_int)grad_in->shape[rank - 1 - k];
    out_dim[k] = (cl_int)expected[rank - 1 - k];
    before[k] = (cl_int)d->padding[2 * k];
  }
  cl_ulong rows = (cl_ulong)(in_count / in_dim[0]);
  cl_ulong out_offset = grad_out->offset, in_offset = grad_in->offset;
  cl_kernel k = pad->backward_kernel;
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
    err |= clSetKernelArg(k, arg++, sizeof(cl_int), &before[i]);
  err |= clSetKernelArg(k, arg++, sizeof rows, &rows);
  if (err != CL_SUCCESS)
    return oclnn__fail(ctx, OCLNN_ERR_OPENCL, "%s: clSetKernelArg failed", fn);

  /* The forward's launch shape (see oclnn_pad_forward), over grad_in's rows. */
  size_t rows_per_group = ROWS_PER_GROUP;
  if (pad->lanes * rows_per_group > ctx->max_work_group_size && ctx->max_work_group_size)
    rows_per_group =
        ctx->max_work_group_size / pad->lanes ? ctx->max_work_group_size / pad->lanes : 1;
  if (rows > (cl_ulong)(SIZE_MAX - rows_per_group))
    return oclnn__fail(ctx, OCLNN_ERR_OVERFLOW, "%s: %llu grad_in rows are too many to launch", fn,
                       (unsigned long long)rows);
  size_t groups = ((size_t)rows + rows_per_group - 1) / rows_per_group;
  size_t max_y = MAX_GRID_DIM / rows_per_group ? MAX_GRID_DIM / rows_per_group : 1;
  size_t groups_z = (groups + max_y - 1) / max_y;
  size_t groups_y = (groups + groups_z - 1) / groups_z;
  size_t global[3] = {pad->lanes, groups_y * rows_per_group, groups_z};
  size_t local[3] = {pad->lanes, rows_per_group, 1};
  return oclnn__enqueue(ctx, fn, pad->backward_program, k, 3, global, local);
}
