/* Contexts: device choice (OCLNN_DEVICE), our own or the caller's OpenCL objects, and the
 * explicit synchronisation point. */
#include "core/internal.h"
#include "program/program.h"

#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define MAX_PLATFORMS 16
#define MAX_DEVICES 64

oclnn_context_options oclnn_context_options_default(void) {
  oclnn_context_options options = {NULL, NULL};
  return options;
}

static bool contains_case_insensitive(const char *haystack, const char *needle) {
  size_t n = strlen(needle);
  if (n == 0)
    return false;
  for (const char *h = haystack; *h; h++) {
    size_t i = 0;
    while (i < n && h[i] && tolower((unsigned char)h[i]) == tolower((unsigned char)needle[i]))
      i++;
    if (i == n)
      return true;
  }
  return false;
}

/* "P:D" with both decimal; returns false for anything else. */
static bool parse_index_pair(const char *text, int *platform, int *device) {
  char *end = NULL;
  long p = strtol(text, &end, 10);
  if (end == text || *end != ':' || p < 0 || p > 1000)
    return false;
  const char *second = end + 1;
  long d = strtol(second, &end, 10);
  if (end == second || *end != '\0' || d < 0 || d > 1000)
    return false;
  *platform = (int)p;
  *device = (int)d;
  return true;
}

typedef struct device_choice {
  cl_platform_id platform;
  cl_device_id device;
  int platform_index, device_index;
} device_choice;

static oclnn_status choose_device(const char *spec, device_choice *choice) {
  static const char *fn = "oclnn_context_create";
  cl_platform_id platforms[MAX_PLATFORMS];
  cl_uint platform_count = 0;
  cl_int err = clGetPlatformIDs(MAX_PLATFORMS, platforms, &platform_count);
  if (err != CL_SUCCESS || platform_count == 0)
    return oclnn__fail(NULL, OCLNN_ERR_NO_DEVICE,
                       "%s: no OpenCL platform found (clGetPlatformIDs: %s); install an ICD "
                       "such as pocl-opencl-icd",
                       fn, oclnn__cl_error_name(err));
  if (platform_count > MAX_PLATFORMS)
    platform_count = MAX_PLATFORMS;

  int want_platform = -1, want_device = -1;
  bool by_index = spec && parse_index_pair(spec, &want_platform, &want_device);
  static const cl_device_type order[] = {CL_DEVICE_TYPE_GPU, CL_DEVICE_TYPE_ACCELERATOR,
                                         CL_DEVICE_TYPE_CPU, CL_DEVICE_TYPE_ALL};
  for (size_t rank = 0; rank < (spec ? 1u : sizeof order / sizeof order[0]); rank++) {
    for (cl_uint p = 0; p < platform_count; p++) {
      cl_device_id devices[MAX_DEVICES];
      cl_uint device_count = 0;
      if (clGetDeviceIDs(platforms[p], CL_DEVICE_TYPE_ALL, MAX_DEVICES, devices, &device_count) !=
          CL_SUCCESS)
        continue;
      if (device_count > MAX_DEVICES)
        device_count = MAX_DEVICES;
      char platform_name[256] = "";
      clGetPlatformInfo(platforms[p], CL_PLATFORM_NAME, sizeof platform_name - 1, platform_name,
                        NULL);
      for (cl_uint d = 0; d < device_count; d++) {
        bool match;
        if (by_index) {
          match = (int)p == want_platform && (int)d == want_device;
        } else if (spec) {
          char device_name[256] = "";
          clGetDeviceInfo(devices[d], CL_DEVICE_NAME, sizeof device_name - 1, device_name, NULL);
          match = contains_case_insensitive(device_name, spec) ||
                  contains_case_insensitive(platform_name, spec);
        } else {
          cl_device_type type = 0;
          clGetDeviceInfo(devices[d], CL_DEVICE_TYPE, sizeof type, &type, NULL);
          match = (type & order[rank]) != 0;
        }
        if (match) {
          choice->platform = platforms[p];
          choice->device = devices[d];
          choice->platform_index = (int)p;
          choice->device_index = (int)d;
          return OCLNN_SUCCESS;
        }
      }
    }
  }
  if (spec)
    return oclnn__fail(NULL, OCLNN_ERR_NO_DEVICE,
                       "%s: device \"%s\" (options.device or OCLNN_DEVICE) matches no OpenCL "
                       "device; use \"platform:device\" indices or a name substring as "
                       "oclnn-info lists them",
                       fn, spec);
  return oclnn__fail(NULL, OCLNN_ERR_NO_DEVICE, "%s: the OpenCL platforms have no devices", fn);
}

static const char *device_spec(const char *requested) {
  if (requested)
    return requested;
  const char *env = getenv("OCLNN_DEVICE");
  return env && *env ? env : NULL;
}

oclnn_status oclnn_device_choose(const char *device, int *platform_index, int *device_index) {
  if (!platform_index || !device_index)
    return oclnn__fail(NULL, OCLNN_ERR_NULL_ARGUMENT,
                       "oclnn_device_choose: platform_index or device_index is NULL");
  device_choice choice;
  oclnn_status status = choose_device(device_spec(device), &choice);
  if (status == OCLNN_SUCCESS) {
    *platform_index = choice.platform_index;
    *device_index = choice.device_index;
  }
  return status;
}

static char *device_info_string(cl_device_id device, cl_device_info what) {
  size_t size = 0;
  if (clGetDeviceInfo(device, what, 0, NULL, &size) != CL_SUCCESS || size == 0)
    return strdup("?");
  char *text = calloc(size + 1, 1);
  if (text && clGetDeviceInfo(device, what, size, text, NULL) != CL_SUCCESS)
    text[0] = '\0';
  return text;
}

/* Everything about the device that makes a compiled binary reusable: part of every disk key. */
static char *describe_device_for_cache(cl_device_id device) {
  cl_platform_id platform = NULL;
  clGetDeviceInfo(device, CL_DEVICE_PLATFORM, sizeof platform, &platform, NULL);
  char platform_name[256] = "", platform_version[256] = "";
  if (platform) {
    clGetPlatformInfo(platform, CL_PLATFORM_NAME, sizeof platform_name - 1, platform_name, NULL);
    clGetPlatformInfo(platform, CL_PLATFORM_VERSION, sizeof platform_version - 1, platform_version,
                      NULL);
  }
  char *name = device_info_string(device, CL_DEVICE_NAME);
  char *vendor = device_info_string(device, CL_DEVICE_VENDOR);
  char *driver = device_info_string(device, CL_DRIVER_VERSION);
  char *version = device_info_string(device, CL_DEVICE_VERSION);
  char *text = NULL;
  if (name && vendor && driver && version) {
    size_t size = strlen(name) + strlen(vendor) + strlen(driver) + strlen(version) +
                  strlen(platform_name) + strlen(platform_version) + 128;
    text = malloc(size);
    if (text)
      snprintf(text, size,
               "device=%s\nvendor=%s\ndriver=%s\ndevice_version=%s\nplatform=%s\n"
               "platform_version=%s\noclnn=%s\n",
               name, vendor, driver, version, platform_name, platform_version,
               OCLNN_VERSION_STRING);
  }
  free(name);
  free(vendor);
  free(driver);
  free(version);
  return text;
}

/* Build options specific platforms need, by platform-name substring. Oclgrind's LLVM lacks
 * intrinsics (llvm.abs.*) that its own optimiser emits, so it runs kernels unoptimised, which
 * is what a memory checker wants anyway. */
static const struct {
  const char *platform;
  const char *options;
} device_quirks[] = {
    {"Oclgrind", "-cl-opt-disable"},
};

static const char *quirk_options_for(cl_device_id device) {
  cl_platform_id platform = NULL;
  char name[256] = "";
  if (clGetDeviceInfo(device, CL_DEVICE_PLATFORM, sizeof platform, &platform, NULL) == CL_SUCCESS)
    clGetPlatformInfo(platform, CL_PLATFORM_NAME, sizeof name - 1, name, NULL);
  for (size_t i = 0; i < sizeof device_quirks / sizeof device_quirks[0]; i++)
    if (contains_case_insensitive(name, device_quirks[i].platform))
      return device_quirks[i].options;
  return "";
}

/* Fills the parts common to both constructors; on failure frees nothing (caller does). */
static oclnn_status finish_setup(oclnn_context *ctx, const oclnn_context_options *options,
                                 const char *fn) {
  clGetDeviceInfo(ctx->device, CL_DEVICE_TYPE, sizeof ctx->device_type, &ctx->device_type, NULL);
  clGetDeviceInfo(ctx->device, CL_DEVICE_MAX_WORK_GROUP_SIZE, sizeof ctx->max_work_group_size,
                  &ctx->max_work_group_size, NULL);
  clGetDeviceInfo(ctx->device, CL_DEVICE_LOCAL_MEM_SIZE, sizeof ctx->local_mem_size,
                  &ctx->local_mem_size, NULL);
  clGetDeviceInfo(ctx->device, CL_DEVICE_MAX_COMPUTE_UNITS, sizeof ctx->compute_units,
                  &ctx->compute_units, NULL);
  ctx->quirk_options = quirk_options_for(ctx->device);
  ctx->cache_key_device = describe_device_for_cache(ctx->device);
  if (!ctx->cache_key_device)
    return oclnn__fail(NULL, OCLNN_ERR_OUT_OF_MEMORY, "%s: out of host memory", fn);
  ctx->cache_dir = oclnn__cache_resolve_dir(options ? options->cache_dir : NULL);
  return OCLNN_SUCCESS;
}

oclnn_status oclnn_context_create(const oclnn_context_options *options, oclnn_context **out) {
  static const char *fn = "oclnn_context_create";
  if (!out)
    return oclnn__fail(NULL, OCLNN_ERR_NULL_ARGUMENT, "%s: out is NULL", fn);
  *out = NULL;
  device_choice choice;
  oclnn_status status = choose_device(device_spec(options ? options->device : NULL), &choice);
  if (status != OCLNN_SUCCESS)
    return status;

  oclnn_context *ctx = calloc(1, sizeof *ctx);
  if (!ctx)
    return oclnn__fail(NULL, OCLNN_ERR_OUT_OF_MEMORY, "%s: out of host memory", fn);
  ctx->owns_cl = true;
  ctx->device = choice.device;
  cl_context_properties properties[] = {CL_CONTEXT_PLATFORM, (cl_context_properties)choice.platform,
                                        0};
  cl_int err = CL_SUCCESS;
  ctx->cl_ctx = clCreateContext(properties, 1, &choice.device, NULL, NULL, &err);
  if (err != CL_SUCCESS) {
    status = oclnn__fail_cl(NULL, fn, "clCreateContext", err);
    oclnn_context_free(ctx);
    return status;
  }
  ctx->queue = clCreateCommandQueue(ctx->cl_ctx, ctx->device, CL_QUEUE_PROFILING_ENABLE, &err);
  if (err != CL_SUCCESS) {
    status = oclnn__fail_cl(NULL, fn, "clCreateCommandQueue", err);
    oclnn_context_free(ctx);
    return status;
  }
  status = finish_setup(ctx, options, fn);
  if (status != OCLNN_SUCCESS) {
    oclnn_context_free(ctx);
    return status;
  }
  *out = ctx;
  return OCLNN_SUCCESS;
}

oclnn_status oclnn_context_create_from_cl(cl_context context, cl_device_id device,
                                          cl_command_queue queue,
                                          const oclnn_context_options *options,
                                          oclnn_context **out) {
  static const char *fn = "oclnn_context_create_from_cl";
  if (!out)
    return oclnn__fail(NULL, OCLNN_ERR_NULL_ARGUMENT, "%s: out is NULL", fn);
  *out = NULL;
  if (!context || !device || !queue)
    return oclnn__fail(NULL, OCLNN_ERR_NULL_ARGUMENT, "%s: %s is NULL", fn,
                       !context  ? "context"
                       : !device ? "device"
                                 : "queue");
  cl_context queue_context = NULL;
  cl_device_id queue_device = NULL;
  cl_int err =
      clGetCommandQueueInfo(queue, CL_QUEUE_CONTEXT, sizeof queue_context, &queue_context, NULL);
  if (err == CL_SUCCESS)
    err = clGetCommandQueueInfo(queue, CL_QUEUE_DEVICE, sizeof queue_device, &queue_device, NULL);
  if (err != CL_SUCCESS)
    return oclnn__fail(NULL, OCLNN_ERR_INVALID_VALUE, "%s: queue is not a valid command queue (%s)",
                       fn, oclnn__cl_error_name(err));
  cl_command_queue_properties properties = 0;
  clGetCommandQueueInfo(queue, CL_QUEUE_PROPERTIES, sizeof properties, &properties, NULL);
  if (properties & CL_QUEUE_OUT_OF_ORDER_EXEC_MODE_ENABLE)
    return oclnn__fail(NULL, OCLNN_ERR_INVALID_VALUE,
                       "%s: queue is out of order; oclnn needs an in-order queue", fn);
  if (queue_context != context || queue_device != device)
    return oclnn__fail(NULL, OCLNN_ERR_INVALID_VALUE, "%s: queue belongs to %s than the one given",
                       fn, queue_context != context ? "another context" : "another device");

  oclnn_context *ctx = calloc(1, sizeof *ctx);
  if (!ctx)
    return oclnn__fail(NULL, OCLNN_ERR_OUT_OF_MEMORY, "%s: out of host memory", fn);
  clRetainContext(context);
  clRetainCommandQueue(queue);
  ctx->cl_ctx = context;
  ctx->device = device;
  ctx->queue = queue;
  ctx->owns_cl = false;
  oclnn_status status = finish_setup(ctx, options, fn);
  if (status != OCLNN_SUCCESS) {
    oclnn_context_free(ctx);
    return status;
  }
  *out = ctx;
  return OCLNN_SUCCESS;
}

void oclnn_context_free(oclnn_context *ctx) {
  if (!ctx)
    return;
  /* Only our own queue may be waited on: its finished kernels carry compiled code worth
   * storing. A caller's queue is theirs to synchronise. */
  if (ctx->owns_cl && ctx->queue && clFinish(ctx->queue) == CL_SUCCESS)
    oclnn__programs_store_pending(ctx);
  oclnn__programs_release(ctx);
  if (ctx->scratch)
    clReleaseMemObject(ctx->scratch);
  if (ctx->queue)
    clReleaseCommandQueue(ctx->queue);
  if (ctx->cl_ctx)
    clReleaseContext(ctx->cl_ctx);
  free(ctx->cache_dir);
  free(ctx->cache_key_device);
  free(ctx);
}

oclnn_status oclnn_context_finish(oclnn_context *ctx) {
  if (!ctx)
    return oclnn__fail(NULL, OCLNN_ERR_NULL_ARGUMENT, "oclnn_context_finish: ctx is NULL");
  cl_int err = clFinish(ctx->queue);
  if (err != CL_SUCCESS)
    return oclnn__fail_cl(ctx, "oclnn_context_finish", "clFinish", err);
  oclnn__programs_store_pending(ctx);
  return OCLNN_SUCCESS;
}

cl_context oclnn_context_cl_context(const oclnn_context *ctx) { return ctx ? ctx->cl_ctx : NULL; }
cl_device_id oclnn_context_cl_device(const oclnn_context *ctx) { return ctx ? ctx->device : NULL; }
cl_command_queue oclnn_context_cl_queue(const oclnn_context *ctx) {
  return ctx ? ctx->queue : NULL;
}
const char *oclnn_context_cache_dir(const oclnn_context *ctx) {
  return ctx ? ctx->cache_dir : NULL;
}

oclnn_status oclnn__scratch(oclnn_context *ctx, const char *function, size_t bytes, cl_mem *out) {
  if (bytes == 0)
    bytes = sizeof(float);
  if (ctx->scratch_bytes < bytes) {
    /* Grow by at least half again so that slowly growing requests do not reallocate often. */
    size_t grown = ctx->scratch_bytes + ctx->scratch_bytes / 2;
    size_t size = grown > bytes ? grown : bytes;
    cl_int err = CL_SUCCESS;
    cl_mem buffer = clCreateBuffer(ctx->cl_ctx, CL_MEM_READ_WRITE, size, NULL, &err);
    if (err != CL_SUCCESS && size != bytes)
      buffer = clCreateBuffer(ctx->cl_ctx, CL_MEM_READ_WRITE, size = bytes, NULL, &err);
    if (err != CL_SUCCESS)
      return oclnn__fail_cl(ctx, function, "clCreateBuffer (scratch)", err);
    if (ctx->scratch)
      clReleaseMemObject(ctx->scratch);
    ctx->scratch = buffer;
    ctx->scratch_bytes = size;
  }
  *out = ctx->scratch;
  return OCLNN_SUCCESS;
}
