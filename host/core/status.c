/* Status codes, error messages and overflow-checked size arithmetic. */
#include "core/internal.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

static _Thread_local char thread_message[OCLNN__MESSAGE_SIZE];

const char *oclnn_status_string(oclnn_status status) {
  switch (status) {
#define OCLNN_STATUS_NAME_CASE(name, value, text) \
  case name:                                      \
    return #name;
    OCLNN_STATUS_LIST(OCLNN_STATUS_NAME_CASE)
#undef OCLNN_STATUS_NAME_CASE
  }
  return "OCLNN_UNKNOWN_STATUS";
}

const char *oclnn_status_description(oclnn_status status) {
  switch (status) {
#define OCLNN_STATUS_TEXT_CASE(name, value, text) \
  case name:                                      \
    return text;
    OCLNN_STATUS_LIST(OCLNN_STATUS_TEXT_CASE)
#undef OCLNN_STATUS_TEXT_CASE
  }
  return "unknown status code";
}

const char *oclnn_version(void) { return OCLNN_VERSION_STRING; }

const char *oclnn_context_error(const oclnn_context *ctx) {
  return ctx ? ctx->message : thread_message;
}

oclnn_status oclnn__fail(oclnn_context *ctx, oclnn_status status, const char *format, ...) {
  char *message = ctx ? ctx->message : thread_message;
  va_list args;
  va_start(args, format);
  int written = vsnprintf(message, OCLNN__MESSAGE_SIZE, format, args);
  va_end(args);
  if (written < 0)
    snprintf(message, OCLNN__MESSAGE_SIZE, "%s", oclnn_status_description(status));
  return status;
}

const char *oclnn__cl_error_name(cl_int err) {
  switch (err) {
#define CL_ERROR_CASE(code) \
  case code:                \
    return #code;
    CL_ERROR_CASE(CL_SUCCESS)
    CL_ERROR_CASE(CL_DEVICE_NOT_FOUND)
    CL_ERROR_CASE(CL_DEVICE_NOT_AVAILABLE)
    CL_ERROR_CASE(CL_COMPILER_NOT_AVAILABLE)
    CL_ERROR_CASE(CL_MEM_OBJECT_ALLOCATION_FAILURE)
    CL_ERROR_CASE(CL_OUT_OF_RESOURCES)
    CL_ERROR_CASE(CL_OUT_OF_HOST_MEMORY)
    CL_ERROR_CASE(CL_PROFILING_INFO_NOT_AVAILABLE)
    CL_ERROR_CASE(CL_MEM_COPY_OVERLAP)
    CL_ERROR_CASE(CL_BUILD_PROGRAM_FAILURE)
    CL_ERROR_CASE(CL_MISALIGNED_SUB_BUFFER_OFFSET)
    CL_ERROR_CASE(CL_INVALID_VALUE)
    CL_ERROR_CASE(CL_INVALID_DEVICE_TYPE)
    CL_ERROR_CASE(CL_INVALID_PLATFORM)
    CL_ERROR_CASE(CL_INVALID_DEVICE)
    CL_ERROR_CASE(CL_INVALID_CONTEXT)
    CL_ERROR_CASE(CL_INVALID_QUEUE_PROPERTIES)
    CL_ERROR_CASE(CL_INVALID_COMMAND_QUEUE)
    CL_ERROR_CASE(CL_INVALID_HOST_PTR)
    CL_ERROR_CASE(CL_INVALID_MEM_OBJECT)
    CL_ERROR_CASE(CL_INVALID_BINARY)
    CL_ERROR_CASE(CL_INVALID_BUILD_OPTIONS)
    CL_ERROR_CASE(CL_INVALID_PROGRAM)
    CL_ERROR_CASE(CL_INVALID_PROGRAM_EXECUTABLE)
    CL_ERROR_CASE(CL_INVALID_KERNEL_NAME)
    CL_ERROR_CASE(CL_INVALID_KERNEL)
    CL_ERROR_CASE(CL_INVALID_ARG_INDEX)
    CL_ERROR_CASE(CL_INVALID_ARG_VALUE)
    CL_ERROR_CASE(CL_INVALID_ARG_SIZE)
    CL_ERROR_CASE(CL_INVALID_KERNEL_ARGS)
    CL_ERROR_CASE(CL_INVALID_WORK_DIMENSION)
    CL_ERROR_CASE(CL_INVALID_WORK_GROUP_SIZE)
    CL_ERROR_CASE(CL_INVALID_WORK_ITEM_SIZE)
    CL_ERROR_CASE(CL_INVALID_GLOBAL_OFFSET)
    CL_ERROR_CASE(CL_INVALID_EVENT_WAIT_LIST)
    CL_ERROR_CASE(CL_INVALID_EVENT)
    CL_ERROR_CASE(CL_INVALID_OPERATION)
    CL_ERROR_CASE(CL_INVALID_BUFFER_SIZE)
    CL_ERROR_CASE(CL_INVALID_GLOBAL_WORK_SIZE)
#undef CL_ERROR_CASE
  default:
    return "CL_ERROR";
  }
}

oclnn_status oclnn__fail_cl(oclnn_context *ctx, const char *function, const char *what,
                            cl_int err) {
  oclnn_status status = OCLNN_ERR_OPENCL;
  if (err == CL_OUT_OF_HOST_MEMORY || err == CL_OUT_OF_RESOURCES ||
      err == CL_MEM_OBJECT_ALLOCATION_FAILURE)
    status = OCLNN_ERR_OUT_OF_MEMORY;
  return oclnn__fail(ctx, status, "%s: %s failed with %s (%d)", function, what,
                     oclnn__cl_error_name(err), (int)err);
}

bool oclnn__mul_i64(int64_t a, int64_t b, int64_t *out) {
  return !__builtin_mul_overflow(a, b, out);
}

bool oclnn__add_i64(int64_t a, int64_t b, int64_t *out) {
  return !__builtin_add_overflow(a, b, out);
}

const char *oclnn__shape_string(int rank, const int64_t *shape, char *buf, size_t size) {
  size_t used = 0;
  buf[0] = '\0';
  used += (size_t)snprintf(buf, size, "[");
  for (int i = 0; i < rank && i < OCLNN_MAX_RANK && used < size; i++)
    used += (size_t)snprintf(buf + used, size - used, "%s%lld", i ? ", " : "", (long long)shape[i]);
  if (used < size)
    snprintf(buf + used, size - used, "]");
  return buf;
}
