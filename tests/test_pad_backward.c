/* Padding backward (oclnn_pad_backward): grad_in against
 *  - torch.autograd on the committed cases of tests/data/pad_grad_cases.txt
 *    (tools/gen_pad_grad_cases.py), including grad_output shapes autograd refuses;
 *  - a C double-precision reference over sweeps of every mode, 1d/2d/3d, batched and unbatched,
 *    positive, negative (crop) and mixed pads. The reference is the transpose of the forward
 *    reference (tests/support/pad_reference.c): the forward run on element indices tells which
 *    input each output reads, and grad_out is scattered back through that map;
 *  - central finite differences of the double forward reference, L(x) = sum(pad(x) * grad_out):
 *    the layer is linear, so (L(x + e_i) - L(x - e_i)) / 2 is the exact derivative;
 *  - the bad-input table: wrong grad shapes and views, with exact statuses, nothing written.
 * Every grad_in view sits between sentinel floats that must survive. */
#include "pad_reference.h"
#include "test_support.h"

#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define GUARD 5
#define SENTINEL_BITS 0x7fa5a5a5u

static float sentinel(void) {
  float f;
  uint32_t bits = SENTINEL_BITS;
  memcpy(&f, &bits, sizeof f);
  return f;
}

static bool is_sentinel(float f) {
  uint32_t bits;
  memcpy(&bits, &f, sizeof bits);
  return bits == SENTINEL_BITS;
}

static uint64_t rng_next(uint64_t *s) {
  *s ^= *s << 13;
  *s ^= *s >> 7;
  *s ^= *s << 17;
  return *s;
}

static int pick(uint64_t *s, int bound) { return (int)(rng_next(s) % (uint64_t)bound); }

/* A device buffer with `count` floats at `offset` between sentinels. */
typedef struct gbuf {
  cl_mem mem;
  size_t offset, count, total;
} gbuf;

static gbuf gbuf_new(oclnn_context *ctx, size_t offset, size_t count, const float *host) {
  gbuf g = {NULL, offset, count, offset + count + GUARD};
  float *all = malloc(g.total * sizeof *all);
  cr_assert(all);
  for (size_t i = 0; i < g.total; i++)
    all[i] = sentinel();
  if (host)
    memcpy(all + offset, host, count * sizeof *all);
  cl_int err = CL_SUCCESS;
  g.mem = clCreateBuffer(oclnn_context_cl_context(ctx), CL_MEM_READ_WRITE | CL_MEM_COPY_HOST_PTR,
                         g.total * sizeof *all, all, &err);
  cr_assert_eq(err, CL_SUCCESS, "clCreateBuffer: %d", (int)err);
  free(all);
  return g;
}

/* The whole buffer (sentinels included), malloc'd. */
static float *gbuf_read_all(oclnn_context *ctx, const gbuf *g) {
  float *all = malloc(g->total * sizeof *all);
  cr_assert(all);
  cr_assert_eq(clEnqueueReadBuffer(oclnn_context_cl_queue(ctx), g->mem, CL_TRUE, 0,
                                   g->total * sizeof *all, all, 0, NULL, NULL),
               CL_SUCCESS);
  return all;
}

/* The view's floats, asserting the sentinels around it survived. */
static float *gbuf_read(oclnn_context *ctx, const gbuf *g, const char *what) {
  float *all = gbuf_read_all(ctx, g);
  for (size_t i = 0; i < g->total; i++)
    if (i < g->offset || i >= g->offset + g->count)
      cr_assert(is_sentinel(all[i]), "%s: float %zu outside grad_in was overwritten", what, i);
  float *data = malloc((g->count ? g->count : 1) * sizeof *data);
  cr_assert(data);
  memcpy(data, all + g->offset, g->count * sizeof *data);
  free(all);
  return data;
}

/* The backward reference: grad_in[i] = sum of grad_out[o] over the outputs o that read input
 * i, in ascending o, in double; bound[i] = what fp32 accumulation of those terms may be off by
 * (terms * 2^-24 * sum |term|). False when the forward reference refuses the shape. */
static bool ref_backward(oclnn_pad_mode mode, int dims, const int64_t *pads, int rank,
                         const int64_t *in_shape, const float *grad_out, double *grad_in,
                         double *bound) {
  int64_t out_shape[OCLNN_MAX_RANK];
  if (pad_ref_output_shape(mode, dims, pads, rank, in_shape, out_shape) != PAD_REF_OK)
    return false;
  size_t n_in = test_numel(rank, in_shape), n_out = test_numel(rank, out_shape);
  float *index = malloc((n_in ? n_in : 1) * sizeof *index);
  double *map = malloc((n_out ? n_out : 1) * sizeof *map), *abs_sum = NULL;
  int *terms = calloc(n_in ? n_in : 1, sizeof *terms);
  abs_sum = calloc(n_in ? n_in : 1, sizeof *abs_sum);
  cr_assert(index && map && terms && abs_sum);
  for (size_t i = 0; i < n_in; i++)
    index[i] = (float)i;
  cr_assert_eq(pad_ref_forward(mode, dims, pads, -1.0, rank, in_shape, index, map), PAD_REF_OK);
  for (size_t i = 0; i < n_in; i++)
    grad_in[i] = 0.0;
  for (size_t o = 0; o < n_out; o++) {
    if (map[o] < 0)
      continue;
    size_t i = (size_t)map[o];
    grad_in[i] += grad_out[o];
    abs_sum[i] += fabs(grad_out[o]);
    terms[i]++;
  }
  for (size_t i = 0; i < n_in; i++)
    bound[i] = (double)terms[i] * ldexp(1.0, -24) * abs_sum[i];
  free(index);
  free(map);
  free(terms);
  free(abs_sum);
  return true;
}

static void describe(char *buf, size_t size, oclnn_pad_mode mode, int dims, const int64_t *pads,
                     int rank, const int64_t *shape) {
  char sh[96];
  int n = snprintf(buf, size, "%s %dd pads (", pad_ref_mode_name(mode), dims);
  for (int i = 0; i < 2 * dims && n > 0 && (size_t)n < size; i++)
    n += snprintf(buf + n, size - (size_t)n, "%s%lld", i ? ", " : "", (long long)pads[i]);
  if (n > 0 && (size_t)n < size)
    snprintf(buf + n, size - (size_t)n, ") input %s",
             pad_ref_shape_string(rank, shape, sh, sizeof sh));
}

/* Runs the backward on the device (grad_in at element offset `off` between sentinels) and
 * returns grad_in, malloc'd. */
static float *device_backward(oclnn_context *ctx, oclnn_pad *pad, int rank, const int64_t *in_shape,
                              const int64_t *out_shape, const float *grad_out, size_t off,
                              const char *what) {
  size_t n_in = test_numel(rank, in_shape), n_out = test_numel(rank, out_shape);
  gbuf go = gbuf_new(ctx, off + 1, n_out, grad_out), gi = gbuf_new(ctx, off, n_in, NULL);
  oclnn_tensor tg = oclnn_tensor_view(go.mem, go.offset, rank, out_shape);
  oclnn_tensor ti = oclnn_tensor_view(gi.mem, gi.offset, rank, in_shape);
  TEST_OK(ctx, oclnn_pad_backward(pad, &tg, &ti));
  float *got = gbuf_read(ctx, &gi, what);
  float *back = gbuf_read(ctx, &go, what);
  for (size_t i = 0; i < n_out; i++) {
    uint32_t a, b;
    memcpy(&a, &back[i], sizeof a);
    memcpy(&b, &grad_out[i], sizeof b);
    cr_assert_eq(a, b, "%s: grad_out changed at %zu", what, i);
  }
  free(back);
  clReleaseMemObject(go.mem);
  clReleaseMemObject(gi.mem);
  return got;
}

static void assert_within(const char *what, const float *got, const double *want,
                          const double *bound, size_t n) {
  for (size_t i = 0; i < n; i++) {
    if (isnan(want[i])) {
      cr_assert(isnan(got[i]), "%s: grad_in[%zu] is %.9g, expected NaN", what, i, (double)got[i]);
      continue;
    }
    if (isinf(want[i])) {
      cr_assert(got[i] == (float)want[i], "%s: grad_in[%zu] is %.9g, expected %g", what, i,
                (double)got[i], want[i]);
      continue;
    }
    double err = fabs((double)got[i] - want[i]);
    cr_assert(err <= bound[i] + 1e-30, "%s: grad_in[%zu] is %.9g, expected %.12g (bound %.3g)",
              what, i, (double)got[i], want[i], bound[i]);
  }
}

/* ---- torch cases ---- */

typedef test_parser parser;

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

static float *read_tensor(parser *ps, int *rank, int64_t *shape) {
  *rank = (int)next_int(ps);
  cr_assert(*rank >= 1 && *rank <= OCLNN_MAX_RANK, "%s:%d: rank", ps->path, ps->line);
  size_t n = 1;
  for (int i = 0; i < *rank; i++) {
    shape[i] = next_int(ps);
    cr_assert(shape[i] >= 0 && shape[i] < 10000, "%s:%d: dim", ps->path, ps->line);
    n *= (size_t)shape[i];
  }
  float *v = malloc((n ? n : 1) * sizeof *v);
  cr_assert(v);
  for (size_t i = 0; i < n; i++)
    v[i] = next_float(ps);
  return v;
}

static oclnn_pad_mode mode_named(const char *name) {
  for (int m = OCLNN_PAD_CONSTANT; m <= OCLNN_PAD_CIRCULAR; m++)
    if (!strcmp(name, pad_ref_mode_name((oclnn_pad_mode)m)))
      return (oclnn_pad_mode)m;
  cr_assert_fail("unknown mode %s", name);
  return OCLNN_PAD_CONSTANT;
}

Test(pad_backward, torch_cases) {
  oclnn_context *ctx = test_context();
  char path[4096];
  const char *dir = getenv("OCLNN_TEST_DATA");
  snprintf(path, sizeof path, "%s/pad_grad_cases.txt",
           dir && *dir ? dir : OCLNN_SOURCE_DIR "/tests/data");
  char *text = test_read_file(path, NULL);
  cr_assert(text, "cannot read %s (written by tools/gen_pad_grad_cases.py)", path);
  parser ps = {text, 1, path};
  char word[96], name[96];
  int ran = 0, refused = 0, modes_seen[4] = {0};
  while (test_next_word(&ps, word, sizeof word)) {
    cr_assert_str_eq(word, "case", "%s:%d", path, ps.line);
    int line = ps.line;
    cr_assert(test_next_word(&ps, name, sizeof name) && test_next_word(&ps, word, sizeof word));
    oclnn_pad_desc desc = oclnn_pad_desc_default(1, mode_named(word), 0);
    desc.dims = (int)next_int(&ps);
    cr_assert(desc.dims >= 1 && desc.dims <= 3);
    for (int i = 0; i < 2 * desc.dims; i++)
      desc.padding[i] = next_int(&ps);
    int rank = (int)next_int(&ps);
    int64_t in_shape[OCLNN_MAX_RANK], gout_shape[OCLNN_MAX_RANK], grad_shape[OCLNN_MAX_RANK];
    for (int i = 0; i < rank; i++)
      in_shape[i] = next_int(&ps);
    cr_assert(test_next_word(&ps, word, sizeof word) && !strcmp(word, "gout"));
    int gout_rank = 0, grad_rank = 0;
    float *gout = read_tensor(&ps, &gout_rank, gout_shape);
    char what[300], d[200];
    describe(d, sizeof d, desc.mode, desc.dims, desc.padding, rank, in_shape);
    snprintf(what, sizeof what, "case %.60s (line %d): %s", name, line, d);
    oclnn_pad *pad = NULL;
    TEST_OK(ctx, oclnn_pad_create(ctx, &desc, &pad));
    cr_assert(test_next_word(&ps, word, sizeof word), "%s ends early", what);
    size_t n_in = test_numel(rank, in_shape);
    if (!strcmp(word, "error")) {
      char status[64];
      cr_assert(test_next_word(&ps, status, sizeof status));
      cr_assert_str_eq(status, "OCLNN_ERR_INVALID_SHAPE");
      while (*ps.p && *ps.p != '\n')
        ps.p++;
      gbuf go = gbuf_new(ctx, 0, test_numel(gout_rank, gout_shape), gout);
      gbuf gi = gbuf_new(ctx, 2, n_in, NULL);
      oclnn_tensor tg = oclnn_tensor_view(go.mem, 0, gout_rank, gout_shape);
      oclnn_tensor ti = oclnn_tensor_view(gi.mem, 2, rank, in_shape);
      oclnn_status st = oclnn_pad_backward(pad, &tg, &ti);
      cr_assert_eq(st, OCLNN_ERR_INVALID_SHAPE, "%s: got %s", what, oclnn_status_string(st));
      float *all = gbuf_read_all(ctx, &gi);
      for (size_t i = 0; i < gi.total; i++)
        cr_assert(is_sentinel(all[i]), "%s: grad_in written on error", what);
      free(all);
      clReleaseMemObject(go.mem);
      clReleaseMemObject(gi.mem);
      refused++;
    } else {
      cr_assert_str_eq(word, "grad", "%s", what);
      float *grad = read_tensor(&ps, &grad_rank, grad_shape);
      cr_assert(grad_rank == rank &&
                !memcmp(grad_shape, in_shape, (size_t)rank * sizeof *in_shape));
      double *want = malloc((n_in ? n_in : 1) * sizeof *want);
      double *bound = malloc((n_in ? n_in : 1) * sizeof *bound);
      cr_assert(want && bound);
      cr_assert(ref_backward(desc.mode, desc.dims, desc.padding, rank, in_shape, gout, want, bound),
                "%s: the reference refuses it", what);
      /* The reference against torch, then the device against both. */
      for (size_t i = 0; i < n_in; i++) {
        double torch_value = grad[i];
        cr_assert((isnan(want[i]) && isnan(torch_value)) || want[i] == torch_value ||
                      fabs(want[i] - torch_value) <= bound[i] + 1e-30,
                  "%s: reference grad_in[%zu] %.9g, torch %.9g", what, i, want[i], torch_value);
      }
      int64_t out_shape[OCLNN_MAX_RANK];
      TEST_OK(ctx, oclnn_pad_output_shape(pad, rank, in_shape, out_shape));
      float *got = device_backward(ctx, pad, rank, in_shape, out_shape, gout, 3, what);
      assert_within(what, got, want, bound, n_in);
      for (size_t i = 0; i < n_in; i++)
        cr_assert(isnan(grad[i]) ? isnan(got[i]) : got[i] == grad[i],
                  "%s: grad_in[%zu] is %.9g, torch has %.9g (its sums are exact here)", what, i,
                  (double)got[i], (double)grad[i]);
      free(got);
      free(want);
      free(bound);
      free(grad);
      ran++;
      modes_seen[desc.mode]++;
    }
    oclnn_pad_free(pad);
    free(gout);
  }
  free(text);
  cr_assert(ran >= 90 && refused >= 2, "%s: %d cases, %d refusals", path, ran, refused);
  for (int m = 0; m < 4; m++)
    cr_assert_geq(modes_seen[m], 20, "mode %d: %d cases", m, modes_seen[m]);
}

/* ---- sweeps against the reference, and finite differences ---- */

/* A random valid configuration: mode, dims, pads and a shape the forward reference accepts. */
static void random_config(uint64_t *s, oclnn_pad_mode mode, oclnn_pad_desc *desc, int *rank,
                          int64_t *shape, int max_numel) {
  for (;;) {
    int dims = 1 + pick(s, 3);
    *desc = oclnn_pad_desc_default(dims, mode, 0);
    *rank = dims + 1 + pick(s, 2);
    if (mode == OCLNN_PAD_CONSTANT && pick(s, 3) == 0)
      *rank = dims + pick(s, OCLNN_MAX_RANK - dims + 1);
    if (*rank < 1)
      *rank = 1;
    size_t numel = 1;
    for (int i = 0; i < *rank; i++) {
      shape[i] = 1 + pick(s, i < *rank - dims ? 3 : 6);
      numel *= (size_t)shape[i];
    }
    if (numel > (size_t)max_numel)
      continue;
    for (int k = 0; k < dims; k++) {
      int64_t n = shape[*rank - 1 - k];
      int range = (int)n + 3;
      desc->padding[2 * k] = pick(s, 2 * range + 1) - range;
      desc->padding[2 * k + 1] = pick(s, 2 * range + 1) - range;
    }
    if (pad_ref_output_shape(mode, dims, desc->padding, *rank, shape, NULL) == PAD_REF_OK)
      return;
  }
}

Test(pad_backward, sweep) {
  oclnn_context *ctx = test_context();
  uint64_t s = 0x6a09e667f3bcc909u;
  int per_mode[4] = {0};
  for (int c = 0; c < 160; c++) {
    oclnn_pad_desc desc;
    int rank = 0;
    int64_t shape[OCLNN_MAX_RANK], out_shape[OCLNN_MAX_RANK];
    random_config(&s, (oclnn_pad_mode)(c % 4), &desc, &rank, shape, 400);
    oclnn_pad *pad = NULL;
    TEST_OK(ctx, oclnn_pad_create(ctx, &desc, &pad));
    TEST_OK(ctx, oclnn_pad_output_shape(pad, rank, shape, out_shape));
    size_t n_in = test_numel(rank, shape), n_out = test_numel(rank, out_shape);
    float *gout = malloc(n_out * sizeof *gout);
    double *want = malloc(n_in * sizeof *want), *bound = malloc(n_in * sizeof *bound);
    cr_assert(gout && want && bound);
    test_fill_random(gout, n_out, 1000 + (uint64_t)c);
    char what[300], d[200];
    describe(d, sizeof d, desc.mode, desc.dims, desc.padding, rank, shape);
    snprintf(what, sizeof what, "sweep case %d: %s", c, d);
    cr_assert(ref_backward(desc.mode, desc.dims, desc.padding, rank, shape, gout, want, bound));
    float *got = device_backward(ctx, pad, rank, shape, out_shape, gout, (size_t)pick(&s, 4), what);
    assert_within(what, got, want, bound, n_in);
    /* Deterministic: a second run gives the same bits. */
    float *again = device_backward(ctx, pad, rank, shape, out_shape, gout, 0, what);
    cr_assert(!memcmp(got, again, n_in * sizeof *got), "%s: a second run differs", what);
    free(again);
    free(got);
    free(gout);
    free(want);
    free(bound);
    oclnn_pad_free(pad);
    per_mode[desc.mode]++;
  }
  for (int m = 0; m < 4; m++)
    cr_assert_eq(per_mode[m], 40, "mode %d: %d sweep cases", m, per_mode[m]);
}

/* L(x) = sum(pad(x) * g) in double, through the forward reference. */
static double loss(const oclnn_pad_desc *desc, int rank, const int64_t *shape, const float *x,
                   const float *g, size_t n_out, double *scratch) {
  cr_assert_eq(
      pad_ref_forward(desc->mode, desc->dims, desc->padding, desc->value, rank, shape, x, scratch),
      PAD_REF_OK);
  double sum = 0.0;
  for (size_t o = 0; o < n_out; o++)
    sum += scratch[o] * (double)g[o];
  return sum;
}

Test(pad_backward, finite_differences) {
  oclnn_context *ctx = test_context();
  uint64_t s = 0xbb67ae8584caa73bu;
  for (int c = 0; c < 60; c++) {
    oclnn_pad_desc desc;
    int rank = 0;
    int64_t shape[OCLNN_MAX_RANK], out_shape[OCLNN_MAX_RANK];
    random_config(&s, (oclnn_pad_mode)(c % 4), &desc, &rank, shape, 60);
    desc.value = 0.75f; /* the fill is constant in x: it cancels in the difference */
    oclnn_pad *pad = NULL;
    TEST_OK(ctx, oclnn_pad_create(ctx, &desc, &pad));
    TEST_OK(ctx, oclnn_pad_output_shape(pad, rank, shape, out_shape));
    size_t n_in = test_numel(rank, shape), n_out = test_numel(rank, out_shape);
    float *x = malloc(n_in * sizeof *x), *g = malloc(n_out * sizeof *g);
    double *scratch = malloc(n_out * sizeof *scratch);
    cr_assert(x && g && scratch);
    /* Multiples of 1/8: x +- 1 is exact in fp32. */
    for (size_t i = 0; i < n_in; i++)
      x[i] = (float)(pick(&s, 65) - 32) / 8.0f;
    test_fill_random(g, n_out, 77 + (uint64_t)c);
    char what[300], d[200];
    describe(d, sizeof d, desc.mode, desc.dims, desc.padding, rank, shape);
    snprintf(what, sizeof what, "finite differences case %d: %s", c, d);
    float *got = device_backward(ctx, pad, rank, shape, out_shape, g, 1, what);
    for (size_t i = 0; i < n_in; i++) {
      float keep = x[i];
      x[i] = keep + 1.0f;
      double plus = loss(&desc, rank, shape, x, g, n_out, scratch);
      x[i] = keep - 1.0f;
      double minus = loss(&desc, rank, shape, x, g, n_out, scratch);
      x[i] = keep;
      double fd = (plus - minus) / 2.0;
      /* fp32 accumulation of at most n_out terms of |g| < 1, and the double loss's rounding. */
      double tol = (double)n_out * ldexp(1.0, -22) + 1e-9 * fabs(plus);
      cr_assert(fabs((double)got[i] - fd) <= tol,
                "%s: grad_in[%zu] is %.9g, finite difference %.12g", what, i, (double)got[i], fd);
    }
    free(got);
    free(x);
    free(g);
    free(scratch);
    oclnn_pad_free(pad);
  }
}

/* Long rows, many rows (the two-dimensional grid split), wide replicate borders. */
Test(pad_backward, large) {
  oclnn_context *ctx = test_context();
  static const struct {
    oclnn_pad_mode mode;
    int dims;
    int64_t pads[6];
    int rank;
    int64_t shape[OCLNN_MAX_RANK];
  } cases[] = {
      {OCLNN_PAD_REFLECT, 1, {7, 9}, 3, {2, 3, 5000}},
      {OCLNN_PAD_CIRCULAR, 2, {3, -2, 4, 4}, 4, {1, 2, 300, 251}},
      {OCLNN_PAD_REPLICATE, 3, {40, 1, 2, 30, 3, 3}, 5, {1, 1, 3, 4, 5}},
      {OCLNN_PAD_CONSTANT, 1, {-3, 2}, 2, {70000, 5}},
  };
  for (size_t c = 0; c < sizeof cases / sizeof cases[0]; c++) {
    oclnn_pad_desc desc = oclnn_pad_desc_default(cases[c].dims, cases[c].mode, 0);
    memcpy(desc.padding, cases[c].pads, sizeof cases[c].pads);
    int rank = cases[c].rank;
    int64_t out_shape[OCLNN_MAX_RANK];
    oclnn_pad *pad = NULL;
    TEST_OK(ctx, oclnn_pad_create(ctx, &desc, &pad));
    TEST_OK(ctx, oclnn_pad_output_shape(pad, rank, cases[c].shape, out_shape));
    size_t n_in = test_numel(rank, cases[c].shape), n_out = test_numel(rank, out_shape);
    float *g = malloc(n_out * sizeof *g);
    double *want = malloc(n_in * sizeof *want), *bound = malloc(n_in * sizeof *bound);
    cr_assert(g && want && bound);
    test_fill_random(g, n_out, 5 + c);
    char what[300];
    describe(what, sizeof what, desc.mode, desc.dims, desc.padding, rank, cases[c].shape);
    cr_assert(
        ref_backward(desc.mode, desc.dims, desc.padding, rank, cases[c].shape, g, want, bound));
    float *got = device_backward(ctx, pad, rank, cases[c].shape, out_shape, g, 2, what);
    assert_within(what, got, want, bound, n_in);
    free(got);
    free(g);
    free(want);
    free(bound);
    oclnn_pad_free(pad);
  }
}

/* ---- the bad-input table ---- */

typedef struct bad_fixture {
  oclnn_context *ctx;
  oclnn_pad *pad;
  gbuf go, gi;
  oclnn_tensor grad_out, grad_in;
  int null_pad, null_out, null_in;
  cl_mem extra;
} bad_fixture;

typedef struct bad_case {
  const char *name;
  oclnn_status expect;
  void (*setup)(bad_fixture *f);
} bad_case;

static void set_shape(oclnn_tensor *t, int rank, int64_t a, int64_t b, int64_t c, int64_t d) {
  int64_t dims[4] = {a, b, c, d};
  t->rank = rank;
  for (int i = 0; i < OCLNN_MAX_RANK; i++)
    t->shape[i] = i < rank && i < 4 ? dims[i] : 0;
}

/* The default call: ReflectionPad2d((1, 2, 2, 1)) on grad_in (2, 3, 4), grad_out (2, 6, 7). */
static void s_null_pad(bad_fixture *f) { f->null_pad = 1; }
static void s_null_out(bad_fixture *f) { f->null_out = 1; }
static void s_null_in(bad_fixture *f) { f->null_in = 1; }
static void s_out_shape(bad_fixture *f) { f->grad_out.shape[2] = 6; }
static void s_out_transposed(bad_fixture *f) { set_shape(&f->grad_out, 3, 2, 7, 6, 0); }
static void s_out_rank(bad_fixture *f) { set_shape(&f->grad_out, 4, 1, 2, 6, 7); }
static void s_in_rank(bad_fixture *f) {
  set_shape(&f->grad_in, 1, 24, 0, 0, 0); /* reflect 2d needs rank 3 or 4 */
  set_shape(&f->grad_out, 1, 27, 0, 0, 0);
}
static void s_in_rank5(bad_fixture *f) {
  set_shape(&f->grad_in, 4, 1, 1, 2, 3);
  f->grad_in.rank = 5;
  f->grad_in.shape[4] = 4;
}
static void s_in_small(bad_fixture *f) {
  set_shape(&f->grad_in, 3, 2, 6, 2, 0); /* W = 2: reflect pad 2 must be < 2 */
}
static void s_in_negative(bad_fixture *f) { f->grad_in.shape[0] = -2; }
static void s_in_rank0(bad_fixture *f) { f->grad_in.rank = 0; }
static void s_in_empty(bad_fixture *f) { f->grad_in.shape[1] = 0; }
static void s_overlap(bad_fixture *f) {
  f->grad_in.buffer = f->go.mem;
  f->grad_in.offset = 10;
}
static void s_in_bounds(bad_fixture *f) { f->grad_in.offset = 100; }
static void s_out_bounds(bad_fixture *f) { f->grad_out.offset = 50; }
static void s_null_buffer(bad_fixture *f) { f->grad_out.buffer = NULL; }
static void s_foreign(bad_fixture *f) {
  cl_device_id device = oclnn_context_cl_device(f->ctx);
  cl_int err = CL_SUCCESS;
  cl_context other = clCreateContext(NULL, 1, &device, NULL, NULL, &err);
  cr_assert_eq(err, CL_SUCCESS);
  f->extra = clCreateBuffer(other, CL_MEM_READ_WRITE, 4096, NULL, &err);
  cr_assert_eq(err, CL_SUCCESS);
  clReleaseContext(other);
  f->grad_in.buffer = f->extra;
  f->grad_in.offset = 0;
}

static const bad_case BAD[] = {
    {"NULL pad", OCLNN_ERR_NULL_ARGUMENT, s_null_pad},
    {"NULL grad_out", OCLNN_ERR_NULL_ARGUMENT, s_null_out},
    {"NULL grad_in", OCLNN_ERR_NULL_ARGUMENT, s_null_in},
    {"grad_out one dim short", OCLNN_ERR_INVALID_SHAPE, s_out_shape},
    {"grad_out transposed", OCLNN_ERR_INVALID_SHAPE, s_out_transposed},
    {"grad_out of another rank", OCLNN_ERR_INVALID_SHAPE, s_out_rank},
    {"grad_in rank 1 for reflect 2d", OCLNN_ERR_INVALID_SHAPE, s_in_rank},
    {"grad_in rank 5 for reflect 2d", OCLNN_ERR_INVALID_SHAPE, s_in_rank5},
    {"grad_in too small for the reflect pad", OCLNN_ERR_INVALID_SHAPE, s_in_small},
    {"grad_in negative dim", OCLNN_ERR_INVALID_SHAPE, s_in_negative},
    {"grad_in rank 0", OCLNN_ERR_INVALID_SHAPE, s_in_rank0},
    {"grad_in empty non-batch dim (reflect)", OCLNN_ERR_INVALID_SHAPE, s_in_empty},
    {"grad_in overlaps grad_out", OCLNN_ERR_ALIASING, s_overlap},
    {"grad_in past its buffer", OCLNN_ERR_OUT_OF_BOUNDS, s_in_bounds},
    {"grad_out past its buffer", OCLNN_ERR_OUT_OF_BOUNDS, s_out_bounds},
    {"grad_out NULL buffer", OCLNN_ERR_INVALID_BUFFER, s_null_buffer},
    {"grad_in buffer of another context", OCLNN_ERR_INVALID_BUFFER, s_foreign},
};

Test(pad_backward, invalid_input_table) {
  oclnn_context *ctx = test_context();
  oclnn_pad_desc desc = oclnn_pad_desc_default(2, OCLNN_PAD_REFLECT, 0);
  const int64_t pads[4] = {1, 2, 2, 1};
  memcpy(desc.padding, pads, sizeof pads);
  oclnn_pad *pad = NULL;
  TEST_OK(ctx, oclnn_pad_create(ctx, &desc, &pad));
  float host[128];
  test_fill_random(host, 128, 3);
  for (size_t c = 0; c <= sizeof BAD / sizeof BAD[0]; c++) {
    bad_fixture f;
    memset(&f, 0, sizeof f);
    f.ctx = ctx;
    f.pad = pad;
    f.go = gbuf_new(ctx, 1, 84, host);
    f.gi = gbuf_new(ctx, 2, 24, NULL);
    f.grad_out = oclnn_tensor_view(f.go.mem, 1, 3, (const int64_t[]){2, 6, 7});
    f.grad_in = oclnn_tensor_view(f.gi.mem, 2, 3, (const int64_t[]){2, 3, 4});
    /* The last round is the valid baseline, so each row fails for its own reason. */
    const bad_case *bc = c < sizeof BAD / sizeof BAD[0] ? &BAD[c] : NULL;
    if (bc)
      bc->setup(&f);
    float *before_out = gbuf_read_all(ctx, &f.go), *before_in = gbuf_read_all(ctx, &f.gi);
    oclnn_status st = oclnn_pad_backward(f.null_pad ? NULL : pad, f.null_out ? NULL : &f.grad_out,
                                         f.null_in ? NULL : &f.grad_in);
    if (!bc) {
      TEST_OK(ctx, st);
      /* Runs it before its buffers go: Oclgrind suites keep the context to the end, and a
       * command still queued at exit is reported as leaked by ASan. */
      TEST_OK(ctx, oclnn_context_finish(ctx));
    } else {
      cr_assert_eq(st, bc->expect, "%s: got %s, expected %s (%s)", bc->name,
                   oclnn_status_string(st), oclnn_status_string(bc->expect),
                   oclnn_context_error(f.null_pad ? NULL : ctx));
      const char *msg = oclnn_context_error(f.null_pad ? NULL : ctx);
      cr_assert(strstr(msg, "oclnn_pad_backward"), "%s: message '%s'", bc->name, msg);
      TEST_OK(ctx, oclnn_context_finish(ctx));
      float *after_out = gbuf_read_all(ctx, &f.go), *after_in = gbuf_read_all(ctx, &f.gi);
      cr_assert(!memcmp(after_out, before_out, f.go.total * sizeof(float)), "%s: grad_out buffer",
                bc->name);
      cr_assert(!memcmp(after_in, before_in, f.gi.total * sizeof(float)), "%s: grad_in buffer",
                bc->name);
      free(after_out);
      free(after_in);
    }
    free(before_out);
    free(before_in);
    clReleaseMemObject(f.go.mem);
    clReleaseMemObject(f.gi.mem);
    if (f.extra)
      clReleaseMemObject(f.extra);
  }
  oclnn_pad_free(pad);
}
