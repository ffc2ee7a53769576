/* Padding vs PyTorch: the committed cases of tests/data/pad_cases.txt (written by
 * tools/gen_pad_cases.py with torch) must come out exactly as torch computed them, and every
 * input torch refuses must be refused with OCLNN_ERR_INVALID_SHAPE, leaving the output alone.
 *
 * Torch's refusals and the status oclnn gives them (all are shape errors):
 *   NotImplementedError "Only 2D, 3D, 4D, 5D padding with non-constant padding ..." (rank)
 *   RuntimeError "Padding length too large" (constant, rank < dims)
 *   RuntimeError "Padding size should be less than the corresponding input dimension" (reflect)
 *   RuntimeError "Padding value causes wrapping around more than once." (circular)
 *   RuntimeError "... tensor expected for input" / "... other non-zero dimensions" (empty dims)
 *   -> OCLNN_ERR_INVALID_SHAPE from oclnn_pad_output_shape and oclnn_pad_forward. */
#include "pad_reference.h"
#include "test_support.h"

#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define MAX_CASES 2048
#define SENTINEL_BITS 0x7fa5a5a5u /* a NaN no layer would write */
#define GUARD 5                   /* sentinel floats before and after the output view */

typedef struct pad_case {
  char name[96];
  int line;
  oclnn_pad_mode mode;
  int dims;
  int64_t pads[6];
  float value;
  int rank;
  int64_t shape[OCLNN_MAX_RANK];
  float *in;
  size_t in_count;
  int is_error;
  char error[512];
  int out_rank;
  int64_t out_shape[OCLNN_MAX_RANK];
  float *out;
  size_t out_count;
} pad_case;

typedef test_parser parser;

static pad_case cases[MAX_CASES];
static int case_count;

static void expect_word(parser *ps, const char *want) {
  char word[64];
  cr_assert(test_next_word(ps, word, sizeof word), "%s:%d: expected '%s', got the end", ps->path,
            ps->line, want);
  cr_assert_str_eq(word, want, "%s:%d: expected '%s', got '%s'", ps->path, ps->line, want, word);
}

static int64_t next_int(parser *ps) {
  char word[64], *end = NULL;
  cr_assert(test_next_word(ps, word, sizeof word), "%s:%d: expected an integer", ps->path,
            ps->line);
  errno = 0;
  long long v = strtoll(word, &end, 10);
  cr_assert(errno == 0 && *end == '\0', "%s:%d: '%s' is not an integer", ps->path, ps->line, word);
  return (int64_t)v;
}

static float next_float(parser *ps) {
  char word[64], *end = NULL;
  cr_assert(test_next_word(ps, word, sizeof word), "%s:%d: expected a number", ps->path, ps->line);
  float v = strtof(word, &end);
  cr_assert(*end == '\0', "%s:%d: '%s' is not a number", ps->path, ps->line, word);
  return v;
}

static size_t read_shape(parser *ps, int rank, int64_t *shape) {
  cr_assert(rank >= 1 && rank <= OCLNN_MAX_RANK, "%s:%d: rank %d", ps->path, ps->line, rank);
  size_t count = 1;
  for (int i = 0; i < rank; i++) {
    shape[i] = next_int(ps);
    cr_assert(shape[i] >= 0 && shape[i] < 100000, "%s:%d: dim %lld", ps->path, ps->line,
              (long long)shape[i]);
    count *= (size_t)shape[i];
  }
  return count;
}

static float *read_values(parser *ps, size_t count) {
  float *values = malloc((count ? count : 1) * sizeof *values);
  cr_assert(values);
  for (size_t i = 0; i < count; i++)
    values[i] = next_float(ps);
  return values;
}

static oclnn_pad_mode parse_mode(parser *ps, const char *word) {
  for (int m = OCLNN_PAD_CONSTANT; m <= OCLNN_PAD_CIRCULAR; m++)
    if (!strcmp(word, pad_ref_mode_name((oclnn_pad_mode)m)))
      return (oclnn_pad_mode)m;
  cr_assert_fail("%s:%d: unknown mode '%s'", ps->path, ps->line, word);
  return OCLNN_PAD_CONSTANT;
}

static void load_cases(void) {
  if (case_count)
    return;
  char path[4096];
  const char *dir = getenv("OCLNN_TEST_DATA");
  snprintf(path, sizeof path, "%s/pad_cases.txt",
           dir && *dir ? dir : OCLNN_SOURCE_DIR "/tests/data");
  char *text = test_read_file(path, NULL);
  cr_assert(text, "cannot read %s (written by tools/gen_pad_cases.py)", path);
  parser ps = {text, 1, path};
  char word[96];
  while (test_next_word(&ps, word, sizeof word)) {
    cr_assert_str_eq(word, "case", "%s:%d: expected 'case', got '%s'", path, ps.line, word);
    cr_assert(case_count < MAX_CASES, "too many cases");
    pad_case *c = &cases[case_count++];
    memset(c, 0, sizeof *c);
    c->line = ps.line;
    cr_assert(test_next_word(&ps, c->name, sizeof c->name));
    cr_assert(test_next_word(&ps, word, sizeof word));
    c->mode = parse_mode(&ps, word);
    c->dims = (int)next_int(&ps);
    cr_assert(c->dims >= 1 && c->dims <= 3, "%s:%d: dims %d", path, ps.line, c->dims);
    for (int i = 0; i < 2 * c->dims; i++)
      c->pads[i] = next_int(&ps);
    c->value = next_float(&ps);
    c->rank = (int)next_int(&ps);
    c->in_count = read_shape(&ps, c->rank, c->shape);
    expect_word(&ps, "in");
    c->in = read_values(&ps, c->in_count);
    cr_assert(test_next_word(&ps, word, sizeof word), "%s:%d: case %s ends early", path, ps.line,
              c->name);
    if (!strcmp(word, "error")) {
      c->is_error = 1;
      while (*ps.p == ' ')
        ps.p++;
      size_t n = 0;
      while (*ps.p && *ps.p != '\n' && n + 1 < sizeof c->error)
        c->error[n++] = *ps.p++;
      c->error[n] = '\0';
      while (*ps.p && *ps.p != '\n')
        ps.p++;
    } else {
      cr_assert_str_eq(word, "out", "%s:%d: expected 'out' or 'error', got '%s'", path, ps.line,
                       word);
      c->out_rank = (int)next_int(&ps);
      c->out_count = read_shape(&ps, c->out_rank, c->out_shape);
      c->out = read_values(&ps, c->out_count);
    }
  }
  free(text);
  cr_assert(case_count > 0, "%s has no cases", path);
}

static void describe(const pad_case *c, char *buf, size_t size) {
  char shape[96];
  int n = snprintf(buf, size, "case %s (line %d): %s %dd pads (", c->name, c->line,
                   pad_ref_mode_name(c->mode), c->dims);
  for (int i = 0; i < 2 * c->dims && n > 0 && (size_t)n < size; i++)
    n += snprintf(buf + n, size - (size_t)n, "%s%lld", i ? ", " : "", (long long)c->pads[i]);
  if (n > 0 && (size_t)n < size)
    snprintf(buf + n, size - (size_t)n, ") value %g input %s", (double)c->value,
             pad_ref_shape_string(c->rank, c->shape, shape, sizeof shape));
}

/* Circular padding with one pad negative and the other positive: torch crops first and wraps
 * around what is left; kept apart so that a failure there is named on its own. */
static int circular_mixed_sign(const pad_case *c) {
  if (c->mode != OCLNN_PAD_CIRCULAR)
    return 0;
  for (int k = 0; k < c->dims; k++) {
    int64_t b = c->pads[2 * k], a = c->pads[2 * k + 1];
    if ((b < 0 && a > 0) || (b > 0 && a < 0))
      return 1;
  }
  return 0;
}

static oclnn_pad *make_layer(oclnn_context *ctx, const pad_case *c) {
  oclnn_pad_desc desc = oclnn_pad_desc_default(c->dims, c->mode, 0);
  for (int i = 0; i < 2 * c->dims; i++)
    desc.padding[i] = c->pads[i];
  desc.value = c->value;
  oclnn_pad *pad = NULL;
  TEST_OK(ctx, oclnn_pad_create(ctx, &desc, &pad));
  return pad;
}

static void fill_sentinel(float *data, size_t count) {
  const uint32_t bits = SENTINEL_BITS;
  for (size_t i = 0; i < count; i++)
    memcpy(&data[i], &bits, sizeof bits);
}

static int is_sentinel(const float *value) {
  uint32_t bits;
  memcpy(&bits, value, sizeof bits);
  return bits == SENTINEL_BITS;
}

/* Runs one torch case through oclnn; returns 1 when it matches, else writes why into why. */
static int run_case(oclnn_context *ctx, const pad_case *c, char *why, size_t why_size) {
  cl_command_queue queue = oclnn_context_cl_queue(ctx);
  oclnn_pad *pad = make_layer(ctx, c);
  int64_t shape[OCLNN_MAX_RANK];
  oclnn_status status = oclnn_pad_output_shape(pad, c->rank, c->shape, shape);
  char got_s[96], want_s[96];
  int ok = 1;
  if (status != OCLNN_SUCCESS) {
    snprintf(why, why_size, "oclnn_pad_output_shape -> %s (%s), torch gave %s",
             oclnn_status_string(status), oclnn_context_error(ctx),
             pad_ref_shape_string(c->out_rank, c->out_shape, want_s, sizeof want_s));
    oclnn_pad_free(pad);
    return 0;
  }
  if (c->out_rank != c->rank || memcmp(shape, c->out_shape, (size_t)c->rank * sizeof *shape)) {
    snprintf(why, why_size, "output shape %s, torch %s",
             pad_ref_shape_string(c->rank, shape, got_s, sizeof got_s),
             pad_ref_shape_string(c->out_rank, c->out_shape, want_s, sizeof want_s));
    oclnn_pad_free(pad);
    return 0;
  }
  /* The output lies between guards in its own buffer; the input is a plain tensor. */
  oclnn_tensor in = test_tensor_from_host(ctx, c->rank, c->shape, c->in);
  const size_t total = c->out_count + 2 * GUARD;
  float *host = malloc(total * sizeof *host);
  cr_assert(host);
  fill_sentinel(host, total);
  cl_int err = CL_SUCCESS;
  cl_mem buffer = clCreateBuffer(oclnn_context_cl_context(ctx), CL_MEM_READ_WRITE,
                                 total * sizeof *host, NULL, &err);
  cr_assert_eq(err, CL_SUCCESS);
  cr_assert_eq(
      clEnqueueWriteBuffer(queue, buffer, CL_TRUE, 0, total * sizeof *host, host, 0, NULL, NULL),
      CL_SUCCESS);
  oclnn_tensor out = oclnn_tensor_view(buffer, GUARD, c->rank, shape);
  status = oclnn_pad_forward(pad, &in, &out);
  if (status != OCLNN_SUCCESS) {
    snprintf(why, why_size, "oclnn_pad_forward -> %s (%s)", oclnn_status_string(status),
             oclnn_context_error(ctx));
    ok = 0;
  } else {
    cr_assert_eq(
        clEnqueueReadBuffer(queue, buffer, CL_TRUE, 0, total * sizeof *host, host, 0, NULL, NULL),
        CL_SUCCESS);
    for (size_t i = 0; i < GUARD && ok; i++)
      if (!is_sentinel(&host[i]) || !is_sentinel(&host[GUARD + c->out_count + i])) {
        snprintf(why, why_size, "wrote outside the output view (guard %zu)", i);
        ok = 0;
      }
    for (size_t i = 0; i < c->out_count && ok; i++) {
      const float g = host[GUARD + i], w = c->out[i];
      if ((isnan(g) && isnan(w)) || !memcmp(&g, &w, sizeof g))
        continue;
      int64_t coord[OCLNN_MAX_RANK];
      size_t rest = i;
      for (int d = c->rank - 1; d >= 0; d--) {
        coord[d] = (int64_t)(rest % (size_t)shape[d]);
        rest /= (size_t)shape[d];
      }
      snprintf(why, why_size, "output element %zu %s is %.9g, torch %.9g", i,
               pad_ref_shape_string(c->rank, coord, got_s, sizeof got_s), (double)g, (double)w);
      ok = 0;
    }
  }
  free(host);
  clReleaseMemObject(buffer);
  oclnn_tensor_free(&in);
  oclnn_pad_free(pad);
  return ok;
}

/* Runs every successful case selected by `want_mixed` and fails listing each mismatch. */
static void run_ok_cases(int want_mixed) {
  load_cases();
  oclnn_context *ctx = test_context();
  int run = 0, failed = 0;
  char report[8192] = "";
  size_t used = 0;
  for (int i = 0; i < case_count; i++) {
    const pad_case *c = &cases[i];
    if (c->is_error || circular_mixed_sign(c) != want_mixed)
      continue;
    char why[512] = "";
    run++;
    if (!run_case(ctx, c, why, sizeof why)) {
      char what[256];
      describe(c, what, sizeof what);
      if (used < sizeof report - 1)
        used += (size_t)snprintf(report + used, sizeof report - used, "\n  %s: %s", what, why);
      failed++;
    }
  }
  cr_assert(run > 0, "no cases selected");
  cr_log_info("%d torch cases run, %d failed", run, failed);
  cr_assert(failed == 0, "%d of %d torch cases differ:%s", failed, run, report);
}

Test(pad_torch, data_file_covers_every_mode_and_dims) {
  load_cases();
  int ok[4][4] = {{0}}, errors[4] = {0};
  for (int i = 0; i < case_count; i++) {
    const pad_case *c = &cases[i];
    if (c->is_error)
      errors[c->mode]++;
    else
      ok[c->mode][c->dims]++;
  }
  for (int m = 0; m < 4; m++) {
    for (int d = 1; d <= 3; d++)
      cr_expect(ok[m][d] >= 5, "%s %dd has %d cases", pad_ref_mode_name((oclnn_pad_mode)m), d,
                ok[m][d]);
    cr_expect(errors[m] >= 1, "%s has no error case", pad_ref_mode_name((oclnn_pad_mode)m));
  }
}

Test(pad_torch, reference_matches_torch) {
  /* The C reference of the other suite agrees with torch on every case (host only). */
  load_cases();
  for (int i = 0; i < case_count; i++) {
    const pad_case *c = &cases[i];
    char what[256];
    describe(c, what, sizeof what);
    int64_t shape[OCLNN_MAX_RANK];
    pad_ref_result r = pad_ref_output_shape(c->mode, c->dims, c->pads, c->rank, c->shape, shape);
    if (c->is_error) {
      cr_assert_eq(r, PAD_REF_INVALID, "%s: torch refused it (%s), the reference did not", what,
                   c->error);
      continue;
    }
    cr_assert_eq(r, PAD_REF_OK, "%s: the reference gives %d", what, (int)r);
    cr_assert(c->out_rank == c->rank &&
                  !memcmp(shape, c->out_shape, (size_t)c->rank * sizeof *shape),
              "%s: reference output shape differs from torch's", what);
    double *want = malloc((c->out_count ? c->out_count : 1) * sizeof *want);
    cr_assert(want);
    cr_assert_eq(
        pad_ref_forward(c->mode, c->dims, c->pads, c->value, c->rank, c->shape, c->in, want),
        PAD_REF_OK);
    size_t bad = pad_ref_first_mismatch(c->out, want, c->out_count);
    cr_assert_eq(bad, c->out_count, "%s: reference element %zu is %.9g, torch %.9g", what, bad,
                 bad < c->out_count ? want[bad] : 0.0,
                 bad < c->out_count ? (double)c->out[bad] : 0.0);
    free(want);
  }
}

Test(pad_torch, outputs_match_torch) { run_ok_cases(0); }

/* Separate from the above so that this one divergence has its own name (see circular in
 * pad_reference.h): torch crops first, then wraps around the part that is left. */
Test(pad_torch, circular_mixed_sign_pads_match_torch) { run_ok_cases(1); }

Test(pad_torch, torch_errors_are_invalid_shape) {
  load_cases();
  oclnn_context *ctx = test_context();
  cl_command_queue queue = oclnn_context_cl_queue(ctx);
  int run = 0;
  for (int i = 0; i < case_count; i++) {
    const pad_case *c = &cases[i];
    if (!c->is_error)
      continue;
    run++;
    char what[256];
    describe(c, what, sizeof what);
    oclnn_pad *pad = make_layer(ctx, c);
    int64_t shape[OCLNN_MAX_RANK] = {-7, -7, -7, -7, -7};
    oclnn_status status = oclnn_pad_output_shape(pad, c->rank, c->shape, shape);
    cr_expect_eq(status, OCLNN_ERR_INVALID_SHAPE,
                 "%s: torch raised %s; oclnn_pad_output_shape -> %s", what, c->error,
                 oclnn_status_string(status));
    for (int d = 0; d < OCLNN_MAX_RANK; d++)
      cr_expect_eq(shape[d], -7, "%s: out_shape written on error", what);

    /* forward: the output (a valid view of the input's shape) stays untouched. */
    oclnn_tensor in = test_tensor_from_host(ctx, c->rank, c->shape, c->in);
    const size_t total = c->in_count + 2 * GUARD;
    float *host = malloc(total * sizeof *host);
    cr_assert(host);
    fill_sentinel(host, total);
    cl_int err = CL_SUCCESS;
    cl_mem buffer = clCreateBuffer(oclnn_context_cl_context(ctx), CL_MEM_READ_WRITE,
                                   total * sizeof *host, NULL, &err);
    cr_assert_eq(err, CL_SUCCESS);
    cr_assert_eq(
        clEnqueueWriteBuffer(queue, buffer, CL_TRUE, 0, total * sizeof *host, host, 0, NULL, NULL),
        CL_SUCCESS);
    oclnn_tensor out = oclnn_tensor_view(buffer, GUARD, c->rank, c->shape);
    status = oclnn_pad_forward(pad, &in, &out);
    cr_expect_eq(status, OCLNN_ERR_INVALID_SHAPE, "%s: torch raised %s; oclnn_pad_forward -> %s",
                 what, c->error, oclnn_status_string(status));
    cr_expect(strstr(oclnn_context_error(ctx), "oclnn_pad_forward") != NULL,
              "%s: message '%s' does not name the function", what, oclnn_context_error(ctx));
    TEST_OK(ctx, oclnn_context_finish(ctx));
    cr_assert_eq(
        clEnqueueReadBuffer(queue, buffer, CL_TRUE, 0, total * sizeof *host, host, 0, NULL, NULL),
        CL_SUCCESS);
    for (size_t k = 0; k < total; k++)
      cr_expect(is_sentinel(&host[k]), "%s: refused call wrote output element %zu", what, k);
    free(host);
    clReleaseMemObject(buffer);
    oclnn_tensor_free(&in);
    oclnn_pad_free(pad);
  }
  cr_assert(run > 0, "the data file has no error case");
  cr_log_info("%d torch error cases refused with OCLNN_ERR_INVALID_SHAPE", run);
}
