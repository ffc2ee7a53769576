/* Shared by the test suites: one context per test process, host buffers, and comparisons with
 * mixed absolute/relative tolerance. */
#ifndef OCLNN_TEST_SUPPORT_H
#define OCLNN_TEST_SUPPORT_H

#include <criterion/criterion.h>
#include <oclnn.h>
#include <stddef.h>
#include <stdint.h>

/* The process's context (created on first use on the default device, freed at exit). Fails the
 * current test when no device exists. */
oclnn_context *test_context(void);

/* Asserts that status is OCLNN_SUCCESS, printing the context's message otherwise. */
#define TEST_OK(ctx, call)                                                     \
  do {                                                                         \
    oclnn_status test_status_ = (call);                                        \
    cr_assert_eq(test_status_, OCLNN_SUCCESS, "%s -> %s: %s", #call,           \
                 oclnn_status_string(test_status_), oclnn_context_error(ctx)); \
  } while (0)

/* Deterministic pseudo-random floats in [-1, 1) (xorshift; seed selects the stream). */
void test_fill_random(float *data, size_t count, uint64_t seed);

/* Allocates a device tensor of `shape` and uploads `host` (count must match). */
oclnn_tensor test_tensor_from_host(oclnn_context *ctx, int rank, const int64_t *shape,
                                   const float *host);

/* Element count of a shape (asserts no overflow). */
size_t test_numel(int rank, const int64_t *shape);

/* Compares got with want, element by element: |got - want| <= atol + rtol * |want|; NaN equals
 * NaN; infinities must match exactly. Fails the test with the first mismatch, naming `what`. */
void test_assert_close(const char *what, const float *got, const double *want, size_t count,
                       double atol, double rtol);

/* A cursor over a committed case file (the .txt files in tests/data): whitespace-separated words,
 * '#' starts a comment that runs to the end of the line. path names the file in messages. */
typedef struct test_parser {
  const char *p;
  int line;
  const char *path;
} test_parser;

/* The next word into buf (asserts that it fits in size bytes with its NUL); 0 at the end of the
 * text. */
int test_next_word(test_parser *ps, char *buf, size_t size);

/* Reads a whole file into a malloc'd buffer (NUL-terminated); NULL when unreadable. */
char *test_read_file(const char *path, size_t *size);

/* A device buffer holding `count` floats at element `offset`, with sentinel floats (a NaN payload
 * no kernel writes) before them and TEST_GUARD_FLOATS after, so that tests see writes outside a
 * view. host (count floats) is uploaded when not NULL; the floats of the view are sentinels
 * otherwise. */
#define TEST_GUARD_FLOATS 7
typedef struct test_guarded {
  cl_mem mem;
  size_t offset, count, total;
} test_guarded;

test_guarded test_guarded_new(oclnn_context *ctx, size_t offset, size_t count, const float *host);
oclnn_tensor test_guarded_view(const test_guarded *g, int rank, const int64_t *shape);
/* The view's floats in a malloc'd array; fails the test (naming `what`) when a guard changed. */
float *test_guarded_read(oclnn_context *ctx, const test_guarded *g, const char *what);
void test_guarded_free(test_guarded *g);
float test_sentinel(void);
int test_is_sentinel(float f);

#endif
