/* Private declarations shared by the library's translation units. Nothing here is exported:
 * the library is built with hidden visibility and only OCLNN_API functions are public. */
#ifndef OCLNN_CORE_INTERNAL_H
#define OCLNN_CORE_INTERNAL_H

#include "oclnn.h"

#include <stdbool.h>

#define OCLNN__MESSAGE_SIZE 4096
#define OCLNN__MAX_LOCAL_SIZES 4

typedef struct oclnn__program oclnn__program;

struct oclnn_context {
  cl_context cl_ctx;
  cl_device_id device;
  cl_command_queue queue;
  bool owns_cl;       /* false: wrapped caller objects, retained by us and released only by us */
  char *cache_dir;    /* NULL: on-disk cache disabled */
  bool cache_trimmed; /* the disk cache was trimmed after this context's first new entry */
  char *cache_key_device;    /* device/vendor/driver/platform part of every cache key */
  oclnn__program *programs;  /* in-memory program cache, a singly linked list */
  const char *quirk_options; /* build options a device needs (see device_quirks in context.c) */
  cl_mem scratch; /* the arena: one buffer, grown on demand, reused by every layer call */
  size_t scratch_bytes;
  size_t max_work_group_size;
  cl_ulong local_mem_size; /* CL_DEVICE_LOCAL_MEM_SIZE, queried once (0 if unknown) */
  cl_uint compute_units;   /* CL_DEVICE_MAX_COMPUTE_UNITS, queried once (0 if unknown) */
  cl_device_type device_type;
  char message[OCLNN__MESSAGE_SIZE];
};

/* Records an error on ctx (or the thread's message when ctx is NULL) and returns status. The
 * message should name the function, the argument and the value. */
oclnn_status oclnn__fail(oclnn_context *ctx, oclnn_status status, const char *format, ...)
    __attribute__((format(printf, 3, 4)));

/* Records a failed OpenCL call: "<function>: <what> failed with <CL error name> (<code>)".
 * Maps CL_OUT_OF_*_MEMORY and CL_MEM_OBJECT_ALLOCATION_FAILURE to OCLNN_ERR_OUT_OF_MEMORY. */
oclnn_status oclnn__fail_cl(oclnn_context *ctx, const char *function, const char *what, cl_int err);

const char *oclnn__cl_error_name(cl_int err);

/* Overflow-checked arithmetic on sizes; return false on overflow. */
bool oclnn__mul_i64(int64_t a, int64_t b, int64_t *out);
bool oclnn__add_i64(int64_t a, int64_t b, int64_t *out);

/* Checks a tensor view used by `function` as argument `name`: rank 1..5, dims >= 0, element
 * count without overflow, a non-NULL buffer of ctx's OpenCL context, and offset + count inside
 * CL_MEM_SIZE. Stores the element count in *numel when numel is not NULL. */
oclnn_status oclnn__check_tensor(oclnn_context *ctx, const char *function, const char *name,
                                 const oclnn_tensor *tensor, int64_t *numel);

/* Fails with OCLNN_ERR_ALIASING when the byte ranges of two checked views overlap in the same
 * memory (sub-buffers are resolved to their parent). */
oclnn_status oclnn__check_no_overlap(oclnn_context *ctx, const char *function, const char *name_a,
                                     const oclnn_tensor *a, const char *name_b,
                                     const oclnn_tensor *b);

/* Scratch memory for one layer call: a buffer of at least `bytes` owned by ctx and valid until
 * the next oclnn__scratch call. The queue is in order, so reusing it across calls is safe, and
 * a buffer replaced while kernels still use it is only destroyed once they finish. */
oclnn_status oclnn__scratch(oclnn_context *ctx, const char *function, size_t bytes, cl_mem *out);

/* Formats a shape as "[2, 3, 4]" into buf. Returns buf. */
const char *oclnn__shape_string(int rank, const int64_t *shape, char *buf, size_t size);

/* Enqueues a kernel of `program` with a fixed local size (NULL: implementation's choice) and
 * remembers the local size, so that the program's cache entry is stored again, with the code
 * compiled for it, at the next oclnn_context_finish. */
oclnn_status oclnn__enqueue(oclnn_context *ctx, const char *function, oclnn__program *program,
                            cl_kernel kernel, cl_uint work_dim, const size_t *global,
                            const size_t *local);

#endif
