/* Program lookup: in-memory list per context, then the disk cache, then a build from source.
 * Every program is kernels_cl/common.cl followed by one layer file, specialised with -D
 * options. */
#include "program/program.h"
#include "program/sources.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define COMMON_FILE "common.cl"
#define BASE_OPTIONS "-cl-std=CL1.2"

static char *concat_sources(const char *fn, oclnn_context *ctx, const char *file,
                            oclnn_status *status) {
  size_t common_size = 0, layer_size = 0;
  int common_disk = 0, layer_disk = 0;
  char *common = oclnn__source_load(COMMON_FILE, &common_size, &common_disk);
  char *layer = oclnn__source_load(file, &layer_size, &layer_disk);
  char *text = NULL;
  if (!common || !layer) {
    *status = oclnn__fail(ctx, OCLNN_ERR_IO, "%s: kernel source %s not found%s", fn,
                          !common ? COMMON_FILE : file,
                          (common_disk || layer_disk) ? " in OCLNN_KERNEL_DIR" : "");
  } else {
    size_t size = common_size + layer_size + strlen(file) + 32;
    text = malloc(size);
    if (text)
      snprintf(text, size, "%s\n#line 1 \"%s\"\n%s", common, file, layer);
    else
      *status = oclnn__fail(ctx, OCLNN_ERR_OUT_OF_MEMORY, "%s: out of host memory", fn);
  }
  free(common);
  free(layer);
  return text;
}

static char *make_disk_key(const oclnn_context *ctx, const char *options, const char *source) {
  size_t length = strlen(source);
  size_t size = strlen(ctx->cache_key_device) + strlen(options) + 128;
  char *key = malloc(size);
  if (key)
    snprintf(key, size, "%soptions=%s\nsource=%zu:%016llx:%016llx\n", ctx->cache_key_device,
             options, length, (unsigned long long)oclnn__hash64(source, length, OCLNN__HASH_SEED),
             (unsigned long long)oclnn__hash64(source, length, 0x84222325cbf29ce4ULL));
  return key;
}

static oclnn_status build_from_source(oclnn_context *ctx, const char *fn, const char *file,
                                      const char *options, const char *source, cl_program *out) {
  cl_int err = CL_SUCCESS;
  cl_program program = clCreateProgramWithSource(ctx->cl_ctx, 1, &source, NULL, &err);
  if (err != CL_SUCCESS)
    return oclnn__fail_cl(ctx, fn, "clCreateProgramWithSource", err);
  err = clBuildProgram(program, 1, &ctx->device, options, NULL, NULL);
  if (err != CL_SUCCESS) {
    char log[OCLNN__MESSAGE_SIZE - 512] = "";
    size_t log_size = 0;
    clGetProgramBuildInfo(program, ctx->device, CL_PROGRAM_BUILD_LOG, 0, NULL, &log_size);
    if (log_size > 0) {
      char *full = malloc(log_size + 1);
      if (full && clGetProgramBuildInfo(program, ctx->device, CL_PROGRAM_BUILD_LOG, log_size, full,
                                        NULL) == CL_SUCCESS) {
        full[log_size] = '\0';
        snprintf(log, sizeof log, "%s", full);
      }
      free(full);
    }
    clReleaseProgram(program);
    if (err != CL_BUILD_PROGRAM_FAILURE && err != CL_INVALID_BUILD_OPTIONS)
      return oclnn__fail_cl(ctx, fn, "clBuildProgram", err);
    return oclnn__fail(ctx, OCLNN_ERR_BUILD, "%s: building %s with options \"%s\" failed (%s):\n%s",
                       fn, file, options, oclnn__cl_error_name(err), log);
  }
  *out = program;
  return OCLNN_SUCCESS;
}

static void program_free(oclnn__program *entry) {
  if (!entry)
    return;
  if (entry->program)
    clReleaseProgram(entry->program);
  free(entry->file);
  free(entry->options);
  free(entry->disk_key);
  free(entry);
}

oclnn_status oclnn__program_get(oclnn_context *ctx, const char *fn, const char *file,
                                const char *options, oclnn__program **out) {
  for (oclnn__program *p = ctx->programs; p; p = p->next) {
    if (strcmp(p->file, file) == 0 && strcmp(p->options, options) == 0) {
      *out = p;
      return OCLNN_SUCCESS;
    }
  }
  oclnn_status status = OCLNN_SUCCESS;
  char *source = concat_sources(fn, ctx, file, &status);
  if (!source)
    return status;
  size_t options_size = strlen(BASE_OPTIONS) + strlen(ctx->quirk_options) + strlen(options) + 3;
  char *full_options = malloc(options_size);
  oclnn__program *entry = calloc(1, sizeof *entry);
  if (!full_options || !entry) {
    free(source);
    free(full_options);
    free(entry);
    return oclnn__fail(ctx, OCLNN_ERR_OUT_OF_MEMORY, "%s: out of host memory", fn);
  }
  snprintf(full_options, options_size, "%s %s %s", BASE_OPTIONS, ctx->quirk_options, options);
  entry->file = strdup(file);
  entry->options = strdup(options);
  if (ctx->cache_dir)
    entry->disk_key = make_disk_key(ctx, full_options, source);
  if (!entry->file || !entry->options || (ctx->cache_dir && !entry->disk_key)) {
    status = oclnn__fail(ctx, OCLNN_ERR_OUT_OF_MEMORY, "%s: out of host memory", fn);
  } else {
    entry->program = entry->disk_key ? oclnn__cache_load(ctx, entry->disk_key, entry->local_sizes,
                                                         &entry->local_size_count)
                                     : NULL;
    if (!entry->program) {
      status = build_from_source(ctx, fn, file, full_options, source, &entry->program);
      /* Stored now so that a process that never synchronises still leaves an entry; stored
       * again after the first launches, when the binary also holds compiled work-groups. */
      if (status == OCLNN_SUCCESS && entry->disk_key) {
        oclnn__cache_store(ctx, entry);
        if (!ctx->cache_trimmed) {
          ctx->cache_trimmed = true;
          oclnn__cache_trim(ctx->cache_dir);
        }
      }
    }
  }
  free(source);
  free(full_options);
  if (status != OCLNN_SUCCESS) {
    program_free(entry);
    return status;
  }
  entry->next = ctx->programs;
  ctx->programs = entry;
  *out = entry;
  return OCLNN_SUCCESS;
}

oclnn_status oclnn__kernel_create(oclnn_context *ctx, const char *fn, oclnn__program *program,
                                  const char *name, cl_kernel *out) {
  cl_int err = CL_SUCCESS;
  *out = clCreateKernel(program->program, name, &err);
  if (err != CL_SUCCESS)
    return oclnn__fail_cl(ctx, fn, name, err);
  return OCLNN_SUCCESS;
}

oclnn_status oclnn__enqueue(oclnn_context *ctx, const char *fn, oclnn__program *program,
                            cl_kernel kernel, cl_uint work_dim, const size_t *global,
                            const size_t *local) {
  cl_int err =
      clEnqueueNDRangeKernel(ctx->queue, kernel, work_dim, NULL, global, local, 0, NULL, NULL);
  if (err != CL_SUCCESS)
    return oclnn__fail_cl(ctx, fn, "clEnqueueNDRangeKernel", err);
  if (program->disk_key) {
    size_t key[3] = {0, 0, 0};
    for (cl_uint d = 0; local && d < work_dim && d < 3; d++)
      key[d] = local[d];
    bool seen = false;
    for (int i = 0; i < program->local_size_count && !seen; i++)
      seen = memcmp(program->local_sizes[i], key, sizeof key) == 0;
    if (!seen && program->local_size_count < OCLNN__MAX_LOCAL_SIZES) {
      memcpy(program->local_sizes[program->local_size_count++], key, sizeof key);
      program->needs_store = true;
    }
  }
  return OCLNN_SUCCESS;
}

void oclnn__programs_store_pending(oclnn_context *ctx) {
  for (oclnn__program *p = ctx->programs; p; p = p->next) {
    if (p->needs_store && p->disk_key)
      oclnn__cache_store(ctx, p);
    p->needs_store = false;
  }
}

void oclnn__programs_release(oclnn_context *ctx) {
  oclnn__program *p = ctx->programs;
  while (p) {
    oclnn__program *next = p->next;
    program_free(p);
    p = next;
  }
  ctx->programs = NULL;
}
