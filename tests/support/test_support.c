#include "test_support.h"

#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static oclnn_context *shared_context;

/* Freed at exit so that the program cache stores entries with compiled work-groups. Oclgrind
 * destroys its thread-local state before atexit handlers run, so runs under it set
 * OCLNN_TEST_KEEP_CONTEXT to skip this. */
static void free_shared_context(void) {
  const char *keep = getenv("OCLNN_TEST_KEEP_CONTEXT");
  if (keep && *keep)
    return;
  oclnn_context_free(shared_context);
  shared_context = NULL;
}

oclnn_context *test_context(void) {
  if (!shared_context) {
    oclnn_status status = oclnn_context_create(NULL, &shared_context);
    cr_assert_eq(status, OCLNN_SUCCESS, "oclnn_context_create: %s: %s", oclnn_status_string(status),
                 oclnn_context_error(NULL));
    atexit(free_shared_context);
  }
  return shared_context;
}

void test_fill_random(float *data, size_t count, uint64_t seed) {
  uint64_t state = seed * 0x9e3779b97f4a7c15ULL + 0x632be59bd9b4e019ULL;
  for (size_t i = 0; i < count; i++) {
    state ^= state << 13;
    state ^= state >> 7;
    state ^= state << 17;
    data[i] = (float)((double)(state >> 11) / (double)(1ULL << 53) * 2.0 - 1.0);
  }
}

size_t test_numel(int rank, const int64_t *shape) {
  size_t count = 1;
  for (int i = 0; i < rank; i++) {
    cr_assert(shape[i] >= 0);
    cr_assert(!__builtin_mul_overflow(count, (size_t)shape[i], &count));
  }
  return count;
}

oclnn_tensor test_tensor_from_host(oclnn_context *ctx, int rank, const int64_t *shape,
                                   const float *host) {
  oclnn_tensor tensor;
  TEST_OK(ctx, oclnn_tensor_alloc(ctx, rank, shape, &tensor));
  size_t count = test_numel(rank, shape);
  if (count)
    TEST_OK(ctx, oclnn_tensor_upload(ctx, &tensor, host, count));
  return tensor;
}

void test_assert_close(const char *what, const float *got, const double *want, size_t count,
                       double atol, double rtol) {
  for (size_t i = 0; i < count; i++) {
    double g = got[i], w = want[i];
    if (isnan(w) && isnan(g))
      continue;
    if (isinf(w) || isinf(g)) {
      cr_assert(g == w, "%s: element %zu is %.9g, expected %.9g", what, i, g, w);
      continue;
    }
    cr_assert(fabs(g - w) <= atol + rtol * fabs(w),
              "%s: element %zu is %.9g, expected %.9g (atol %g, rtol %g)", what, i, g, w, atol,
              rtol);
  }
}

char *test_read_file(const char *path, size_t *size) {
  FILE *file = fopen(path, "rb");
  if (!file)
    return NULL;
  char *data = NULL;
  if (fseek(file, 0, SEEK_END) == 0) {
    long length = ftell(file);
    if (length >= 0 && fseek(file, 0, SEEK_SET) == 0) {
      data = malloc((size_t)length + 1);
      if (data && fread(data, 1, (size_t)length, file) == (size_t)length) {
        data[length] = '\0';
        if (size)
          *size = (size_t)length;
      } else {
        free(data);
        data = NULL;
      }
    }
  }
  fclose(file);
  return data;
}

int test_next_word(test_parser *ps, char *buf, size_t size) {
  for (;;) {
    while (*ps->p == ' ' || *ps->p == '\t' || *ps->p == '\r' || *ps->p == '\n') {
      if (*ps->p == '\n')
        ps->line++;
      ps->p++;
    }
    if (*ps->p != '#')
      break;
    while (*ps->p && *ps->p != '\n')
      ps->p++;
  }
  size_t n = 0;
  while (*ps->p && *ps->p != ' ' && *ps->p != '\t' && *ps->p != '\r' && *ps->p != '\n') {
    cr_assert(n + 1 < size, "%s:%d: word too long", ps->path, ps->line);
    buf[n++] = *ps->p++;
  }
  buf[n] = '\0';
  return n > 0;
}

#define SENTINEL_BITS 0x7fa5a5a5u

float test_sentinel(void) {
  float f;
  uint32_t bits = SENTINEL_BITS;
  memcpy(&f, &bits, sizeof f);
  return f;
}

int test_is_sentinel(float f) {
  uint32_t bits;
  memcpy(&bits, &f, sizeof bits);
  return bits == SENTINEL_BITS;
}

test_guarded test_guarded_new(oclnn_context *ctx, size_t offset, size_t count, const float *host) {
  test_guarded g = {NULL, offset, count, offset + count + TEST_GUARD_FLOATS};
  float *all = malloc(g.total * sizeof *all);
  cr_assert(all);
  for (size_t i = 0; i < g.total; i++)
    all[i] = test_sentinel();
  if (host)
    memcpy(all + offset, host, count * sizeof *all);
  cl_int err = CL_SUCCESS;
  g.mem = clCreateBuffer(oclnn_context_cl_context(ctx), CL_MEM_READ_WRITE | CL_MEM_COPY_HOST_PTR,
                         g.total * sizeof *all, all, &err);
  cr_assert_eq(err, CL_SUCCESS, "clCreateBuffer: %d", (int)err);
  free(all);
  return g;
}

oclnn_tensor test_guarded_view(const test_guarded *g, int rank, const int64_t *shape) {
  return oclnn_tensor_view(g->mem, g->offset, rank, shape);
}

float *test_guarded_read(oclnn_context *ctx, const test_guarded *g, const char *what) {
  float *all = malloc(g->total * sizeof *all);
  cr_assert(all);
  cr_assert_eq(clEnqueueReadBuffer(oclnn_context_cl_queue(ctx), g->mem, CL_TRUE, 0,
                                   g->total * sizeof *all, all, 0, NULL, NULL),
               CL_SUCCESS);
  for (size_t i = 0; i < g->total; i++)
    if (i < g->offset || i >= g->offset + g->count)
      cr_assert(test_is_sentinel(all[i]),
                "%s: float %zu outside the view (offset %zu, %zu floats) was overwritten", what, i,
                g->offset, g->count);
  float *data = malloc((g->count ? g->count : 1) * sizeof *data);
  cr_assert(data);
  memcpy(data, all + g->offset, g->count * sizeof *data);
  free(all);
  return data;
}

void test_guarded_free(test_guarded *g) {
  if (g->mem)
    clReleaseMemObject(g->mem);
  g->mem = NULL;
}
