/*
 * oclnn: PyTorch's convolution, padding and normalization layers as OpenCL C kernels.
 *
 * Conventions (read once, they hold for every function below):
 *  - Every function returns an oclnn_status; OCLNN_SUCCESS is 0. On failure the context keeps a
 *    message naming the function, the argument and the offending value (oclnn_context_error()).
 *    Calls that have no context yet (context creation) keep their message per thread, readable
 *    with oclnn_context_error(NULL).
 *  - Handles are opaque and come in create/free pairs; free(NULL) is a no-op.
 *  - The library never prints, exits or aborts, never releases an OpenCL object the caller owns,
 *    and never blocks except in the calls documented as synchronising (oclnn_context_finish,
 *    oclnn_tensor_upload, oclnn_tensor_download).
 *  - Thread safety: a context, and every layer created on it, is used by one thread at a time
 *    (like an OpenCL command queue). Distinct contexts are independent.
 *  - Tensors are contiguous fp32, row-major (NCHW-style), viewed as a cl_mem + element offset +
 *    shape. Every view is checked against the buffer's CL_MEM_SIZE before a kernel touches it.
 */
#ifndef OCLNN_H
#define OCLNN_H

#ifndef CL_TARGET_OPENCL_VERSION
#define CL_TARGET_OPENCL_VERSION 120
#endif
#include <CL/cl.h>
#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

#if defined(OCLNN_STATIC_DEFINE)
#define OCLNN_API
#elif defined(_WIN32)
#ifdef OCLNN_BUILDING
#define OCLNN_API __declspec(dllexport)
#else
#define OCLNN_API __declspec(dllimport)
#endif
#else
#define OCLNN_API __attribute__((visibility("default")))
#endif

#define OCLNN_VERSION_MAJOR 0
#define OCLNN_VERSION_MINOR 1
#define OCLNN_VERSION_PATCH 0
#define OCLNN_VERSION_STRING "0.1.0"

/* ------------------------------------------------------------------------------------------ */
/* Status codes                                                                               */
/* ------------------------------------------------------------------------------------------ */

/* The one list of status codes: X(name, value, description). */
#define OCLNN_STATUS_LIST(X)                                                                    \
  X(OCLNN_SUCCESS, 0, "success")                                                                \
  X(OCLNN_ERR_NULL_ARGUMENT, 1, "a required pointer argument is NULL")                          \
  X(OCLNN_ERR_INVALID_VALUE, 2, "a parameter value is out of range")                            \
  X(OCLNN_ERR_INVALID_SHAPE, 3, "a tensor's rank or shape does not fit the operation")          \
  X(OCLNN_ERR_OVERFLOW, 4, "a size is too large to represent or to index")                      \
  X(OCLNN_ERR_OUT_OF_BOUNDS, 5, "a tensor view extends past the end of its buffer")             \
  X(OCLNN_ERR_INVALID_BUFFER, 6, "a buffer is missing, invalid or from another OpenCL context") \
  X(OCLNN_ERR_ALIASING, 7, "an output overlaps an input")                                       \
  X(OCLNN_ERR_NO_DEVICE, 8, "no matching OpenCL platform or device")                            \
  X(OCLNN_ERR_OPENCL, 9, "an OpenCL call failed")                                               \
  X(OCLNN_ERR_BUILD, 10, "an OpenCL program failed to build")                                   \
  X(OCLNN_ERR_OUT_OF_MEMORY, 11, "out of host or device memory")                                \
  X(OCLNN_ERR_UNSUPPORTED, 12, "the operation or parameter combination is not supported")       \
  X(OCLNN_ERR_IO, 13, "a file could not be read or written")

typedef enum oclnn_status {
#define OCLNN_STATUS_ENUM_ENTRY(name, value, text) name = value,
  OCLNN_STATUS_LIST(OCLNN_STATUS_ENUM_ENTRY)
#undef OCLNN_STATUS_ENUM_ENTRY
} oclnn_status;

/* The code's name, e.g. "OCLNN_ERR_INVALID_SHAPE"; "OCLNN_UNKNOWN_STATUS" for other values.
 * The string is static. */
OCLNN_API const char *oclnn_status_string(oclnn_status status);

/* A one-line description of the code (static string). */
OCLNN_API const char *oclnn_status_description(oclnn_status status);

/* The library version, e.g. "0.1.0" (static string). */
OCLNN_API const char *oclnn_version(void);

/* ------------------------------------------------------------------------------------------ */
/* Context                                                                                    */
/* ------------------------------------------------------------------------------------------ */

typedef struct oclnn_context oclnn_context;

typedef struct oclnn_context_options {
  /* Device choice: "P:D" (platform and device index, as oclnn-info lists them) or a
   * case-insensitive substring of the device or platform name. NULL: the OCLNN_DEVICE
   * environment variable, else the first GPU, else accelerator, else CPU. */
  const char *device;
  /* Program cache directory. NULL: $OCLNN_CACHE_DIR, else $XDG_CACHE_HOME/oclnn, else
   * ~/.cache/oclnn. "off" disables the on-disk cache (the in-memory cache always works).
   * A missing directory is created; an unwritable one only disables saving. The directory's
   * entries are kept within $OCLNN_CACHE_MAX_MB MiB (default 256, 0: no limit) by removing the
   * least recently used ones after a context's first new entry. */
  const char *cache_dir;
} oclnn_context_options;

/* Which device oclnn_context_create would use for the device string `device` (NULL: the
 * OCLNN_DEVICE environment variable, else the default order): its platform and device index as
 * oclnn-info lists them. Errors: OCLNN_ERR_NULL_ARGUMENT, OCLNN_ERR_NO_DEVICE. */
OCLNN_API oclnn_status oclnn_device_choose(const char *device, int *platform_index,
                                           int *device_index);

/* Default options: every field NULL (environment and built-in defaults). */
OCLNN_API oclnn_context_options oclnn_context_options_default(void);

/* Creates a context on a device chosen as described in oclnn_context_options (options may be
 * NULL), with its own OpenCL context and an in-order command queue with profiling enabled.
 * On success *out owns them; free with oclnn_context_free. On failure *out is NULL and
 * oclnn_context_error(NULL) explains. Errors: OCLNN_ERR_NULL_ARGUMENT (out),
 * OCLNN_ERR_NO_DEVICE (no platform, or nothing matches the device string), OCLNN_ERR_OPENCL,
 * OCLNN_ERR_OUT_OF_MEMORY. */
OCLNN_API oclnn_status oclnn_context_create(const oclnn_context_options *options,
                                            oclnn_context **out);

/* Wraps the caller's OpenCL objects. The queue must be in order and belong to `context` and
 * `device`. oclnn
 * retains them while the context lives and releases only its own references: the caller keeps
 * ownership and its reference counts are as before once oclnn_context_free returns.
 * options may be NULL (only cache_dir is used). Errors: OCLNN_ERR_NULL_ARGUMENT,
 * OCLNN_ERR_INVALID_VALUE (queue of another context or device, out-of-order queue, or an
 * invalid handle),
 * OCLNN_ERR_OUT_OF_MEMORY. */
OCLNN_API oclnn_status oclnn_context_create_from_cl(cl_context context, cl_device_id device,
                                                    cl_command_queue queue,
                                                    const oclnn_context_options *options,
                                                    oclnn_context **out);

/* Releases everything the context created (programs, its own queue and context) after saving
 * program-cache entries that gained compiled code. Layers and tensors made on it must be freed
 * first. NULL is a no-op. Waits for the context's own queue to finish; never for a caller's. */
OCLNN_API void oclnn_context_free(oclnn_context *ctx);

/* The message of the last failed call on ctx ("" if none): names the function, the argument
 * and the value. With ctx NULL: the last failed context-less call on this thread (creation).
 * Valid until the next failing call on the same context or thread. */
OCLNN_API const char *oclnn_context_error(const oclnn_context *ctx);

/* Synchronises: waits until every command oclnn enqueued on the context's queue has finished,
 * then stores program-cache entries that gained compiled code. Errors: OCLNN_ERR_NULL_ARGUMENT,
 * OCLNN_ERR_OPENCL. */
OCLNN_API oclnn_status oclnn_context_finish(oclnn_context *ctx);

/* The OpenCL objects in use (owned by the context or by the caller who wrapped them; do not
 * release them). NULL for a NULL ctx. */
OCLNN_API cl_context oclnn_context_cl_context(const oclnn_context *ctx);
OCLNN_API cl_device_id oclnn_context_cl_device(const oclnn_context *ctx);
OCLNN_API cl_command_queue oclnn_context_cl_queue(const oclnn_context *ctx);

/* The on-disk program cache directory in use, or NULL when disabled. Owned by the context. */
OCLNN_API const char *oclnn_context_cache_dir(const oclnn_context *ctx);

/* Called by oclnn_context_prebuild after each program: done of total, and its description. */
typedef void (*oclnn_progress_fn)(void *user, int done, int total, const char *what);

/* Builds every kernel variant the library can use on this device and stores it in the cache
 * (in memory, and on disk unless disabled). progress may be NULL. Errors: those of a build. */
OCLNN_API oclnn_status oclnn_context_prebuild(oclnn_context *ctx, oclnn_progress_fn progress,
                                              void *user);

/* ------------------------------------------------------------------------------------------ */
/* Tensors                                                                                    */
/* ------------------------------------------------------------------------------------------ */

#define OCLNN_MAX_RANK 5

/* A view of contiguous fp32 data: element `offset` of `buffer`, `rank` dims (1..5), row-major.
 * A plain struct: the caller owns the cl_mem unless it came from oclnn_tensor_alloc.
 * Dims may be 0 (an empty tensor) where the operation allows it, never negative. */
typedef struct oclnn_tensor {
  cl_mem buffer;
  size_t offset; /* in elements (floats), not bytes */
  int rank;
  int64_t shape[OCLNN_MAX_RANK];
} oclnn_tensor;

/* Fills a view (no checks here: every operation checks the views it is given). Dims past
 * `rank` are zeroed; a rank outside 1..5 is kept as given and refused when used. */
OCLNN_API oclnn_tensor oclnn_tensor_view(cl_mem buffer, size_t offset, int rank,
                                         const int64_t *shape);

/* Number of elements: 0 when any dim is 0; -1 when the rank is invalid, a dim is negative, or
 * the product of non-empty dims overflows int64. */
OCLNN_API int64_t oclnn_tensor_numel(const oclnn_tensor *tensor);

/* Allocates a device buffer for a tensor of the given shape (contents undefined) and fills *out
 * with a view of it at offset 0. The caller frees it with oclnn_tensor_free. Errors:
 * OCLNN_ERR_NULL_ARGUMENT, OCLNN_ERR_INVALID_SHAPE (rank, negative dim), OCLNN_ERR_OVERFLOW,
 * OCLNN_ERR_OUT_OF_MEMORY (the device refused). */
OCLNN_API oclnn_status oclnn_tensor_alloc(oclnn_context *ctx, int rank, const int64_t *shape,
                                          oclnn_tensor *out);

/* Releases the buffer of a tensor from oclnn_tensor_alloc and zeroes the struct. NULL, or a
 * zeroed struct, is a no-op. Never call it on a view of a caller-owned buffer. */
OCLNN_API void oclnn_tensor_free(oclnn_tensor *tensor);

/* Synchronising copies between host memory and a tensor. `count` is the number of floats the
 * host array holds and must equal the tensor's element count. Errors: OCLNN_ERR_NULL_ARGUMENT,
 * OCLNN_ERR_INVALID_SHAPE, OCLNN_ERR_INVALID_VALUE (count), OCLNN_ERR_INVALID_BUFFER,
 * OCLNN_ERR_OUT_OF_BOUNDS, OCLNN_ERR_OPENCL. */
OCLNN_API oclnn_status oclnn_tensor_upload(oclnn_context *ctx, const oclnn_tensor *tensor,
                                           const float *host, size_t count);
OCLNN_API oclnn_status oclnn_tensor_download(oclnn_context *ctx, const oclnn_tensor *tensor,
                                             float *host, size_t count);

/* ------------------------------------------------------------------------------------------ */
/* Padding: ReflectionPad, ReplicationPad, ZeroPad, ConstantPad, CircularPad (1d/2d/3d)        */
/* ------------------------------------------------------------------------------------------ */

typedef enum oclnn_pad_mode {
  OCLNN_PAD_CONSTANT = 0,  /* ConstantPadNd (value) and ZeroPadNd (value 0) */
  OCLNN_PAD_REFLECT = 1,   /* ReflectionPadNd: mirror without repeating the edge */
  OCLNN_PAD_REPLICATE = 2, /* ReplicationPadNd: repeat the edge */
  OCLNN_PAD_CIRCULAR = 3   /* CircularPadNd: wrap around (at most once) */
} oclnn_pad_mode;

/* torch.nn.<Mode>Pad<dims>d. `padding` is ordered from the last dimension, as in PyTorch:
 * (left, right, top, bottom, front, back); only the first 2*dims entries are used. Negative
 * entries crop. */
typedef struct oclnn_pad_desc {
  int dims; /* 1, 2 or 3: how many trailing dims are padded */
  oclnn_pad_mode mode;
  int64_t padding[6];
  float value; /* OCLNN_PAD_CONSTANT only */
} oclnn_pad_desc;

/* A descriptor for padding `dims` trailing dims by `padding` on every side (PyTorch's int form),
 * value 0. Set desc.padding[] for the tuple form. */
OCLNN_API oclnn_pad_desc oclnn_pad_desc_default(int dims, oclnn_pad_mode mode, int64_t padding);

typedef struct oclnn_pad oclnn_pad;

/* Creates a padding layer: validates the descriptor and gets the kernel program (built or
 * loaded from the cache). Errors: OCLNN_ERR_NULL_ARGUMENT, OCLNN_ERR_INVALID_VALUE (dims,
 * mode), OCLNN_ERR_OVERFLOW (|padding| >= 2^31), OCLNN_ERR_BUILD, OCLNN_ERR_OPENCL. */
OCLNN_API oclnn_status oclnn_pad_create(oclnn_context *ctx, const oclnn_pad_desc *desc,
                                        oclnn_pad **out);
OCLNN_API void oclnn_pad_free(oclnn_pad *pad);

/* The output shape for an input of `rank` dims `in_shape` (out_shape must hold `rank`
 * entries). Applies every PyTorch rule below, so it refuses exactly what forward refuses for
 * that input shape. Ranks: constant pads any rank >= dims; reflect, replicate and circular
 * take dims+1 (unbatched) or dims+2 (batched). Reflect needs each pad < its input dim;
 * circular each pad <= its input dim, and, as PyTorch crops before it wraps, each positive pad
 * <= what is left of the dim after a negative pad on the other side (PyTorch's result is
 * undefined beyond that); every padded output dim must be >= 1; reflect and
 * replicate need every non-batch input dim >= 1. Errors: OCLNN_ERR_NULL_ARGUMENT,
 * OCLNN_ERR_INVALID_SHAPE, OCLNN_ERR_OVERFLOW. */
OCLNN_API oclnn_status oclnn_pad_output_shape(oclnn_pad *pad, int rank, const int64_t *in_shape,
                                              int64_t *out_shape);

/* Enqueues out = pad(in) on the context's queue; does not wait. `out` must have exactly the
 * output shape and must not overlap `in`; nothing is written on error. Errors: those of
 * oclnn_pad_output_shape, OCLNN_ERR_INVALID_BUFFER, OCLNN_ERR_OUT_OF_BOUNDS,
 * OCLNN_ERR_ALIASING, OCLNN_ERR_OPENCL. */
OCLNN_API oclnn_status oclnn_pad_forward(oclnn_pad *pad, const oclnn_tensor *in,
                                         const oclnn_tensor *out);

/* Enqueues grad_in = the gradient of sum(pad(in) * grad_out) with respect to in (torch.autograd
 * of the same layer); does not wait. grad_in has the input's shape, and every rule of
 * oclnn_pad_output_shape applies to it; grad_out must have exactly the output shape for it and
 * must not overlap it. Every grad_in element is written: a sum, in ascending output order, of
 * the grad_out elements whose forward value it is (reflect and circular fold up to 3 per padded
 * dim onto it, replicate whole border ranges; one for constant; 0.0 for elements a negative pad
 * crops away). Each element is computed by one work-item, so results are deterministic. The
 * backward kernel is built (or loaded from the cache) at the first call on a layer. Nothing is
 * written on error. Errors: those of oclnn_pad_output_shape, OCLNN_ERR_INVALID_SHAPE (grad_out's
 * shape), OCLNN_ERR_INVALID_BUFFER, OCLNN_ERR_OUT_OF_BOUNDS, OCLNN_ERR_ALIASING,
 * OCLNN_ERR_BUILD, OCLNN_ERR_OPENCL. */
OCLNN_API oclnn_status oclnn_pad_backward(oclnn_pad *pad, const oclnn_tensor *grad_out,
                                          const oclnn_tensor *grad_in);

#ifdef __cplusplus
}
#endif

#include "oclnn/act.h"
#include "oclnn/conv.h"
#include "oclnn/model.h"
#include "oclnn/norm.h"
#endif /* OCLNN_H */
