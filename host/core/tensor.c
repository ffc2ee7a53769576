/* Tensor views: checks against the buffer, allocation and synchronising host copies. */
#include "core/internal.h"

#include <string.h>

oclnn_tensor oclnn_tensor_view(cl_mem buffer, size_t offset, int rank, const int64_t *shape) {
  oclnn_tensor tensor;
  memset(&tensor, 0, sizeof tensor);
  tensor.buffer = buffer;
  tensor.offset = offset;
  tensor.rank = rank;
  for (int i = 0; shape && i < rank && i < OCLNN_MAX_RANK; i++)
    tensor.shape[i] = shape[i];
  return tensor;
}

static int64_t shape_numel(int rank, const int64_t *shape) {
  if (rank < 1 || rank > OCLNN_MAX_RANK)
    return -1;
  bool empty = false;
  for (int i = 0; i < rank; i++) {
    if (shape[i] < 0)
      return -1;
    empty = empty || shape[i] == 0;
  }
  /* An empty tensor has 0 elements whatever its other dims, in any order. */
  if (empty)
    return 0;
  int64_t count = 1;
  for (int i = 0; i < rank; i++)
    if (!oclnn__mul_i64(count, shape[i], &count))
      return -1;
  return count;
}

int64_t oclnn_tensor_numel(const oclnn_tensor *tensor) {
  return tensor ? shape_numel(tensor->rank, tensor->shape) : -1;
}

/* Element count checks shared by check_tensor and alloc. */
static oclnn_status check_shape(oclnn_context *ctx, const char *function, const char *name,
                                int rank, const int64_t *shape, int64_t *numel) {
  if (rank < 1 || rank > OCLNN_MAX_RANK)
    return oclnn__fail(ctx, OCLNN_ERR_INVALID_SHAPE, "%s: %s has rank %d; ranks 1 to %d exist",
                       function, name, rank, OCLNN_MAX_RANK);
  for (int i = 0; i < rank; i++)
    if (shape[i] < 0)
      return oclnn__fail(ctx, OCLNN_ERR_INVALID_SHAPE, "%s: %s has negative dim %d (%lld)",
                         function, name, i, (long long)shape[i]);
  if (shape_numel(rank, shape) == 0) {
    *numel = 0;
    return OCLNN_SUCCESS;
  }
  int64_t count = 1;
  for (int i = 0; i < rank; i++) {
    if (!oclnn__mul_i64(count, shape[i], &count))
      return oclnn__fail(ctx, OCLNN_ERR_OVERFLOW, "%s: %s element count overflows at dim %d (%lld)",
                         function, name, i, (long long)shape[i]);
  }
  /* Byte sizes must fit size_t and int64 alike. */
  if (count > INT64_MAX / (int64_t)sizeof(float) || (uint64_t)count > SIZE_MAX / sizeof(float))
    return oclnn__fail(ctx, OCLNN_ERR_OVERFLOW, "%s: %s has %lld elements, too many to address",
                       function, name, (long long)count);
  *numel = count;
  return OCLNN_SUCCESS;
}

/* Resolves a sub-buffer to its parent and byte origin, so that overlap checks see through it. */
static cl_mem root_buffer(cl_mem buffer, size_t *origin) {
  *origin = 0;
  cl_mem parent = NULL;
  if (clGetMemObjectInfo(buffer, CL_MEM_ASSOCIATED_MEMOBJECT, sizeof parent, &parent, NULL) ==
          CL_SUCCESS &&
      parent) {
    size_t offset = 0;
    clGetMemObjectInfo(buffer, CL_MEM_OFFSET, sizeof offset, &offset, NULL);
    *origin = offset;
    return parent;
  }
  return buffer;
}

oclnn_status oclnn__check_tensor(oclnn_context *ctx, const char *function, const char *name,
                                 const oclnn_tensor *tensor, int64_t *numel) {
  if (!tensor)
    return oclnn__fail(ctx, OCLNN_ERR_NULL_ARGUMENT, "%s: %s is NULL", function, name);
  int64_t count = 0;
  oclnn_status status = check_shape(ctx, function, name, tensor->rank, tensor->shape, &count);
  if (status != OCLNN_SUCCESS)
    return status;
  if (!tensor->buffer)
    return oclnn__fail(ctx, OCLNN_ERR_INVALID_BUFFER, "%s: %s.buffer is NULL", function, name);
  cl_context owner = NULL;
  size_t buffer_size = 0;
  cl_int err = clGetMemObjectInfo(tensor->buffer, CL_MEM_CONTEXT, sizeof owner, &owner, NULL);
  if (err == CL_SUCCESS)
    err = clGetMemObjectInfo(tensor->buffer, CL_MEM_SIZE, sizeof buffer_size, &buffer_size, NULL);
  if (err != CL_SUCCESS)
    return oclnn__fail(ctx, OCLNN_ERR_INVALID_BUFFER, "%s: %s.buffer is not a valid cl_mem (%s)",
                       function, name, oclnn__cl_error_name(err));
  if (owner != ctx->cl_ctx)
    return oclnn__fail(ctx, OCLNN_ERR_INVALID_BUFFER,
                       "%s: %s.buffer belongs to another OpenCL context", function, name);
  size_t capacity = buffer_size / sizeof(float);
  if (tensor->offset > capacity || (uint64_t)count > capacity - tensor->offset) {
    char shape[128];
    return oclnn__fail(ctx, OCLNN_ERR_OUT_OF_BOUNDS,
                       "%s: %s (offset %zu, shape %s) needs %llu floats but its buffer holds %zu",
                       function, name, tensor->offset,
                       oclnn__shape_string(tensor->rank, tensor->shape, shape, sizeof shape),
                       (unsigned long long)((uint64_t)count + tensor->offset), capacity);
  }
  if (numel)
    *numel = count;
  return OCLNN_SUCCESS;
}

oclnn_status oclnn__check_no_overlap(oclnn_context *ctx, const char *function, const char *name_a,
                                     const oclnn_tensor *a, const char *name_b,
                                     const oclnn_tensor *b) {
  size_t origin_a, origin_b;
  cl_mem root_a = root_buffer(a->buffer, &origin_a);
  cl_mem root_b = root_buffer(b->buffer, &origin_b);
  if (root_a != root_b)
    return OCLNN_SUCCESS;
  /* Both views passed check_tensor, so these byte ranges fit size_t. */
  size_t begin_a = origin_a + a->offset * sizeof(float);
  size_t end_a = begin_a + (size_t)oclnn_tensor_numel(a) * sizeof(float);
  size_t begin_b = origin_b + b->offset * sizeof(float);
  size_t end_b = begin_b + (size_t)oclnn_tensor_numel(b) * sizeof(float);
  if (begin_a < end_b && begin_b < end_a)
    return oclnn__fail(ctx, OCLNN_ERR_ALIASING,
                       "%s: %s (bytes %zu..%zu) overlaps %s (bytes %zu..%zu) in the same buffer",
                       function, name_b, begin_b, end_b, name_a, begin_a, end_a);
  return OCLNN_SUCCESS;
}

oclnn_status oclnn_tensor_alloc(oclnn_context *ctx, int rank, const int64_t *shape,
                                oclnn_tensor *out) {
  static const char *fn = "oclnn_tensor_alloc";
  if (!ctx || !shape || !out)
    return oclnn__fail(ctx, OCLNN_ERR_NULL_ARGUMENT, "%s: %s is NULL", fn,
                       !ctx     ? "ctx"
                       : !shape ? "shape"
                                : "out");
  int64_t count = 0;
  oclnn_status status = check_shape(ctx, fn, "shape", rank, shape, &count);
  if (status != OCLNN_SUCCESS)
    return status;
  cl_ulong max_alloc = 0;
  clGetDeviceInfo(ctx->device, CL_DEVICE_MAX_MEM_ALLOC_SIZE, sizeof max_alloc, &max_alloc, NULL);
  size_t bytes = (size_t)count * sizeof(float);
  if (max_alloc && bytes > max_alloc)
    return oclnn__fail(ctx, OCLNN_ERR_OUT_OF_MEMORY,
                       "%s: %zu bytes exceed the device's largest allocation (%llu bytes)", fn,
                       bytes, (unsigned long long)max_alloc);
  cl_int err = CL_SUCCESS;
  /* A zero-byte buffer is not allowed in OpenCL; empty tensors get one float. */
  cl_mem buffer =
      clCreateBuffer(ctx->cl_ctx, CL_MEM_READ_WRITE, bytes ? bytes : sizeof(float), NULL, &err);
  if (err != CL_SUCCESS)
    return oclnn__fail_cl(ctx, fn, "clCreateBuffer", err);
  *out = oclnn_tensor_view(buffer, 0, rank, shape);
  return OCLNN_SUCCESS;
}

void oclnn_tensor_free(oclnn_tensor *tensor) {
  if (!tensor)
    return;
  if (tensor->buffer)
    clReleaseMemObject(tensor->buffer);
  memset(tensor, 0, sizeof *tensor);
}

static oclnn_status copy_host(oclnn_context *ctx, const char *fn, const oclnn_tensor *tensor,
                              const float *src, float *dst, size_t count) {
  if (!ctx)
    return oclnn__fail(NULL, OCLNN_ERR_NULL_ARGUMENT, "%s: ctx is NULL", fn);
  int64_t numel = 0;
  oclnn_status status = oclnn__check_tensor(ctx, fn, "tensor", tensor, &numel);
  if (status != OCLNN_SUCCESS)
    return status;
  if (!src && !dst)
    return oclnn__fail(ctx, OCLNN_ERR_NULL_ARGUMENT, "%s: host is NULL", fn);
  if ((uint64_t)numel != count)
    return oclnn__fail(ctx, OCLNN_ERR_INVALID_VALUE,
                       "%s: count is %zu but the tensor has %lld elements", fn, count,
                       (long long)numel);
  if (count == 0)
    return OCLNN_SUCCESS;
  size_t offset = tensor->offset * sizeof(float), bytes = count * sizeof(float);
  cl_int err = src ? clEnqueueWriteBuffer(ctx->queue, tensor->buffer, CL_TRUE, offset, bytes, src,
                                          0, NULL, NULL)
                   : clEnqueueReadBuffer(ctx->queue, tensor->buffer, CL_TRUE, offset, bytes, dst, 0,
                                         NULL, NULL);
  if (err != CL_SUCCESS)
    return oclnn__fail_cl(ctx, fn, src ? "clEnqueueWriteBuffer" : "clEnqueueReadBuffer", err);
  return OCLNN_SUCCESS;
}

oclnn_status oclnn_tensor_upload(oclnn_context *ctx, const oclnn_tensor *tensor, const float *host,
                                 size_t count) {
  if (!host)
    return oclnn__fail(ctx, OCLNN_ERR_NULL_ARGUMENT, "oclnn_tensor_upload: host is NULL");
  return copy_host(ctx, "oclnn_tensor_upload", tensor, host, NULL, count);
}

oclnn_status oclnn_tensor_download(oclnn_context *ctx, const oclnn_tensor *tensor, float *host,
                                   size_t count) {
  if (!host)
    return oclnn__fail(ctx, OCLNN_ERR_NULL_ARGUMENT, "oclnn_tensor_download: host is NULL");
  return copy_host(ctx, "oclnn_tensor_download", tensor, NULL, host, count);
}
