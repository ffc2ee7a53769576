/* oclnn_lrn_backward (issue 8): the gradient of sum(LocalResponseNorm(x) * g) with respect to x.
 *
 *  - reference: a double-precision analytic gradient written here from the formula in
 *    include/oclnn/norm.h, itself checked against central finite differences of a
 *    double-precision forward on small cases;
 *  - sweep: random shapes (ranks 3 to 5, runs around the vector width and across the 4096
 *    positions a work-item takes), window sizes 1 to wider than C, every beta path (0.75, 0.5, 1
 *    and pow), against the reference;
 *  - torch: tests/data/lrn_grad_cases.txt (tools/gen_lrn_grad_cases.py, torch.autograd);
 *  - invalid input: exact statuses and messages, grad_in untouched.
 *
 * Tolerance: the gradient is u - w with u = g s^-beta and w = (2 alpha beta / size) x sum(t),
 * which may cancel, so errors are measured against |u| + |w| (what fp32 rounding scales with):
 * |got - want| <= 1e-6 * scale + 2e-5 * (|u| + |w|), like the forward's 1e-5 plus the
 * window sums of t. */
#include "norm_reference.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define ATOL 1e-6
#define RTOL 2e-5

typedef struct lrn_params {
  long size;
  double alpha, beta, k;
} lrn_params;

/* s[n, c, m] = k + alpha / size * (sum of x^2 over the window of c), in double. */
static double window_s(const lrn_params *p, const double *x, size_t C, size_t S, size_t n, long c,
                       size_t m) {
  long before = p->size / 2, after = (p->size - 1) / 2;
  double sum = 0.0;
  for (long j = c - before; j <= c + after; j++)
    if (j >= 0 && j < (long)C) {
      double v = x[(n * C + (size_t)j) * S + m];
      sum += v * v;
    }
  return p->k + p->alpha / (double)p->size * sum;
}

/* The forward in double (for finite differences): y = x * s^-beta. */
static void ref_forward(const lrn_params *p, const double *x, size_t N, size_t C, size_t S,
                        double *y) {
  for (size_t n = 0; n < N; n++)
    for (size_t c = 0; c < C; c++)
      for (size_t m = 0; m < S; m++)
        y[(n * C + c) * S + m] =
            x[(n * C + c) * S + m] * pow(window_s(p, x, C, S, n, (long)c, m), -p->beta);
}

/* The analytic gradient in double; mag[i] = |u_i| + |w_i| (see the top). */
static void ref_backward(const lrn_params *p, const double *x, const double *g, size_t N, size_t C,
                         size_t S, double *grad, double *mag) {
  long before = p->size / 2, after = (p->size - 1) / 2;
  double coef = 2.0 * p->alpha * p->beta / (double)p->size;
  size_t count = N * C * S;
  double *t = malloc((count ? count : 1) * sizeof *t), *u = malloc((count ? count : 1) * sizeof *u);
  cr_assert(t && u);
  for (size_t n = 0; n < N; n++)
    for (size_t c = 0; c < C; c++)
      for (size_t m = 0; m < S; m++) {
        size_t i = (n * C + c) * S + m;
        double s = window_s(p, x, C, S, n, (long)c, m);
        u[i] = g[i] * pow(s, -p->beta);
        t[i] = g[i] * x[i] * pow(s, -p->beta - 1.0);
      }
  for (size_t n = 0; n < N; n++)
    for (size_t c = 0; c < C; c++)
      for (size_t m = 0; m < S; m++) {
        size_t i = (n * C + c) * S + m;
        double sum = 0.0;
        for (long j = (long)c - after; j <= (long)c + before; j++)
          if (j >= 0 && j < (long)C)
            sum += t[(n * C + (size_t)j) * S + m];
        double w = coef * x[i] * sum;
        grad[i] = u[i] - w;
        if (mag)
          mag[i] = fabs(u[i]) + fabs(w);
      }
  free(t);
  free(u);
}

static double *to_double(const float *f, size_t count) {
  double *d = malloc((count ? count : 1) * sizeof *d);
  cr_assert(d);
  for (size_t i = 0; i < count; i++)
    d[i] = f[i];
  return d;
}

/* Runs oclnn_lrn_backward on host data; returns grad_in (malloc'd). */
static float *device_backward(oclnn_context *ctx, const lrn_params *p, int rank,
                              const int64_t *shape, const float *x, const float *g) {
  oclnn_lrn_desc desc = oclnn_lrn_desc_default(p->size);
  desc.alpha = p->alpha;
  desc.beta = p->beta;
  desc.k = p->k;
  oclnn_lrn *layer = NULL;
  TEST_OK(ctx, oclnn_lrn_create(ctx, &desc, &layer));
  oclnn_tensor tx = test_tensor_from_host(ctx, rank, shape, x);
  oclnn_tensor tg = test_tensor_from_host(ctx, rank, shape, g), tgi;
  TEST_OK(ctx, oclnn_tensor_alloc(ctx, rank, shape, &tgi));
  TEST_OK(ctx, oclnn_lrn_backward(layer, &tx, &tg, &tgi));
  float *got = norm_test_download(ctx, &tgi);
  oclnn_lrn_free(layer);
  oclnn_tensor_free(&tx);
  oclnn_tensor_free(&tg);
  oclnn_tensor_free(&tgi);
  return got;
}

static double worst_ratio;

static void assert_grad(const char *what, const float *got, const double *want, const double *mag,
                        size_t count, double scale) {
  for (size_t i = 0; i < count; i++) {
    double tol = ATOL * scale + RTOL * mag[i], err = fabs((double)got[i] - want[i]);
    cr_assert(err <= tol, "%s: grad_in[%zu] = %.9g, want %.9g (error %.3g, tolerance %.3g)", what,
              i, (double)got[i], want[i], err, tol);
    if (err / tol > worst_ratio)
      worst_ratio = err / tol;
  }
}

static size_t split_shape(int rank, const int64_t *shape, size_t *N, size_t *C, size_t *S) {
  *N = (size_t)shape[0];
  *C = (size_t)shape[1];
  *S = 1;
  for (int i = 2; i < rank; i++)
    *S *= (size_t)shape[i];
  return *N * *C * *S;
}

/* The reference against central differences of the double forward: d/dx_i sum(y * g). */
Test(norm_lrn_backward, reference_vs_finite_differences) {
  static const lrn_params params[] = {
      {5, 1.0, 0.75, 1.0}, {2, 0.5, 0.75, 2.0}, {1, 2.0, 0.5, 1.0},
      {4, 1.0, 1.0, 0.5},  {7, 0.8, 1.3, 1.5},  {3, 1.5, 0.9, 0.3},
  };
  const int64_t shapes[][4] = {{2, 6, 3, 1}, {1, 5, 2, 2}, {1, 3, 4, 1}};
  double worst = 0.0;
  for (size_t pi = 0; pi < sizeof params / sizeof params[0]; pi++)
    for (size_t si = 0; si < sizeof shapes / sizeof shapes[0]; si++) {
      size_t N, C, S, count = split_shape(4, shapes[si], &N, &C, &S);
      float *xf = malloc(count * sizeof *xf), *gf = malloc(count * sizeof *gf);
      cr_assert(xf && gf);
      norm_test_random(xf, count, 11 + pi * 7 + si, 1.5, 0.0);
      norm_test_random(gf, count, 91 + pi * 7 + si, 1.0, 0.0);
      double *x = to_double(xf, count), *g = to_double(gf, count);
      double *grad = malloc(count * sizeof *grad), *y = malloc(count * sizeof *y);
      cr_assert(grad && y);
      ref_backward(&params[pi], x, g, N, C, S, grad, NULL);
      for (size_t i = 0; i < count; i++) {
        const double h = 1e-5, keep = x[i];
        double f[2];
        for (int side = 0; side < 2; side++) {
          x[i] = keep + (side ? -h : h);
          ref_forward(&params[pi], x, N, C, S, y);
          f[side] = 0.0;
          for (size_t j = 0; j < count; j++)
            f[side] += y[j] * g[j];
        }
        x[i] = keep;
        double fd = (f[0] - f[1]) / (2 * h), err = fabs(fd - grad[i]);
        cr_assert(err <= 1e-8 + 1e-7 * fabs(grad[i]),
                  "size %ld alpha %g beta %g k %g, element %zu: analytic %.12g, differences %.12g",
                  params[pi].size, params[pi].alpha, params[pi].beta, params[pi].k, i, grad[i], fd);
        if (err > worst)
          worst = err;
      }
      free(xf);
      free(gf);
      free(x);
      free(g);
      free(grad);
      free(y);
    }
  printf("norm_lrn_backward reference: worst |analytic - differences| %.3g\n", worst);
}

static void run_case(oclnn_context *ctx, const lrn_params *p, int rank, const int64_t *shape,
                     double scale, uint64_t seed) {
  size_t N, C, S, count = split_shape(rank, shape, &N, &C, &S);
  float *xf = malloc((count + 1) * sizeof *xf), *gf = malloc((count + 1) * sizeof *gf);
  cr_assert(xf && gf);
  norm_test_random(xf, count, seed, scale, 0.0);
  norm_test_random(gf, count, seed + 1000, 1.0, 0.0);
  double *x = to_double(xf, count), *g = to_double(gf, count);
  double *want = malloc((count + 1) * sizeof *want), *mag = malloc((count + 1) * sizeof *mag);
  cr_assert(want && mag);
  ref_backward(p, x, g, N, C, S, want, mag);
  float *got = device_backward(ctx, p, rank, shape, xf, gf);
  char what[200];
  snprintf(what, sizeof what, "LRN backward size %ld alpha %g beta %g k %g N %zu C %zu S %zu",
           p->size, p->alpha, p->beta, p->k, N, C, S);
  assert_grad(what, got, want, mag, count, 1.0);
  free(got);
  free(xf);
  free(gf);
  free(x);
  free(g);
  free(want);
  free(mag);
}

Test(norm_lrn_backward, sweep) {
  oclnn_context *ctx = test_context();
  uint64_t state = 8080;
  static const double alphas[] = {1e-4, 0.5, 2.0}, betas[] = {0.75, 0.5, 1.0, 1.3},
                      ks[] = {1.0, 2.0, 0.5};
  int cases = 0;
  worst_ratio = 0.0;
  for (int i = 0; i < 50; i++) {
    int rank = 3 + (int)norm_test_pick(&state, 3);
    int64_t shape[5];
    shape[0] = 1 + (int64_t)norm_test_pick(&state, 3);
    shape[1] = 1 + (int64_t)norm_test_pick(&state, 12);
    for (int d = 2; d < rank; d++)
      shape[d] = 1 + (int64_t)norm_test_pick(&state, rank == 5 ? 6 : 19);
    lrn_params p = {1 + (long)norm_test_pick(&state, 14), alphas[norm_test_pick(&state, 3)],
                    betas[norm_test_pick(&state, 4)], ks[norm_test_pick(&state, 3)]};
    run_case(ctx, &p, rank, shape, norm_test_pick(&state, 2) ? 1.0 : 3.0, (uint64_t)i + 17);
    cases++;
  }
  /* Runs across a work-item's run (4096 positions, shorter for wide windows) and ragged tails;
   * a window as wide as a ring of one vector per run; many samples (several work-items each
   * taking several runs); one spatial element. */
  static const struct {
    int rank;
    int64_t shape[5];
    lrn_params p;
  } large[] = {
      {3, {2, 7, 8205}, {5, 1.0, 0.75, 1.0}},   {4, {1, 9, 70, 67}, {4, 0.5, 1.3, 2.0}},
      {3, {1, 40, 1031}, {40, 0.5, 0.75, 1.0}}, {3, {1, 3000, 20}, {2500, 0.5, 0.75, 1.0}},
      {3, {150, 3, 50}, {3, 1.0, 0.5, 1.0}},    {3, {3, 200, 1}, {11, 1.0, 0.75, 1.0}},
  };
  for (size_t i = 0; i < sizeof large / sizeof large[0]; i++) {
    run_case(ctx, &large[i].p, large[i].rank, large[i].shape, 1.0, 500 + i);
    cases++;
  }
  printf("norm_lrn_backward sweep: %d cases, worst error/tolerance %.3f\n", cases, worst_ratio);
}

/* Views at odd offsets inside larger buffers (x, grad_out and grad_in each between sentinels):
 * the kernel honours every offset and writes nothing outside grad_in's view. */
Test(norm_lrn_backward, offset_views) {
  oclnn_context *ctx = test_context();
  const int64_t shape[4] = {2, 5, 7, 37};
  const lrn_params p = {3, 1.0, 0.75, 1.0};
  size_t N, C, S, count = split_shape(4, shape, &N, &C, &S);
  const size_t offs[3] = {3, 5, 17}, pad = 40, total = count + pad;
  float *host[3];
  cl_mem mem[3];
  for (int b = 0; b < 3; b++) {
    host[b] = malloc(total * sizeof(float));
    cr_assert(host[b]);
    for (size_t i = 0; i < total; i++)
      host[b][i] = -4321.0f;
    if (b < 2)
      norm_test_random(host[b] + offs[b], count, 77 + (uint64_t)b, b ? 1.0 : 2.0, 0.0);
    const int64_t all[1] = {(int64_t)total};
    oclnn_tensor t = test_tensor_from_host(ctx, 1, all, host[b]);
    mem[b] = t.buffer;
  }
  oclnn_lrn_desc desc = oclnn_lrn_desc_default(p.size);
  desc.alpha = p.alpha;
  oclnn_lrn *layer = NULL;
  TEST_OK(ctx, oclnn_lrn_create(ctx, &desc, &layer));
  oclnn_tensor tx = oclnn_tensor_view(mem[0], offs[0], 4, shape);
  oclnn_tensor tg = oclnn_tensor_view(mem[1], offs[1], 4, shape);
  oclnn_tensor tgi = oclnn_tensor_view(mem[2], offs[2], 4, shape);
  TEST_OK(ctx, oclnn_lrn_backward(layer, &tx, &tg, &tgi));
  const int64_t all[1] = {(int64_t)total};
  oclnn_tensor whole = oclnn_tensor_view(mem[2], 0, 1, all);
  float *got = norm_test_download(ctx, &whole);
  double *x = to_double(host[0] + offs[0], count), *g = to_double(host[1] + offs[1], count);
  double *want = malloc(count * sizeof *want), *mag = malloc(count * sizeof *mag);
  cr_assert(want && mag);
  ref_backward(&p, x, g, N, C, S, want, mag);
  worst_ratio = 0.0;
  assert_grad("offset views", got + offs[2], want, mag, count, 1.0);
  for (size_t i = 0; i < total; i++)
    if (i < offs[2] || i >= offs[2] + count)
      cr_assert(got[i] == -4321.0f, "grad_in buffer written outside its view at %zu", i);
  free(got);
  free(x);
  free(g);
  free(want);
  free(mag);
  for (int b = 0; b < 3; b++) {
    free(host[b]);
    clReleaseMemObject(mem[b]);
  }
  oclnn_lrn_free(layer);
}

static float *read_tensor(test_parser *ps, const char *tag, int rank, const int64_t *shape) {
  char word[64];
  cr_assert(test_next_word(ps, word, sizeof word) && !strcmp(word, tag), "%s:%d: expected %s",
            ps->path, ps->line, tag);
  cr_assert(test_next_word(ps, word, sizeof word) && atoi(word) == rank);
  for (int i = 0; i < rank; i++)
    cr_assert(test_next_word(ps, word, sizeof word) && atoll(word) == shape[i]);
  size_t count = test_numel(rank, shape);
  float *v = malloc((count + 1) * sizeof *v);
  cr_assert(v);
  for (size_t i = 0; i < count; i++) {
    cr_assert(test_next_word(ps, word, sizeof word), "%s:%d: %s ends early", ps->path, ps->line,
              tag);
    v[i] = strtof(word, NULL);
  }
  return v;
}

Test(norm_lrn_backward, torch_cases) {
  oclnn_context *ctx = test_context();
  char path[4096];
  const char *dir = getenv("OCLNN_TEST_DATA");
  snprintf(path, sizeof path, "%s/lrn_grad_cases.txt",
           dir && *dir ? dir : OCLNN_SOURCE_DIR "/tests/data");
  char *text = test_read_file(path, NULL);
  cr_assert(text, "cannot read %s (written by tools/gen_lrn_grad_cases.py)", path);
  test_parser ps = {text, 1, path};
  char word[96], name[96];
  int cases = 0;
  worst_ratio = 0.0;
  while (test_next_word(&ps, word, sizeof word)) {
    cr_assert_str_eq(word, "case", "%s:%d", path, ps.line);
    lrn_params p;
    char v[5][64];
    cr_assert(test_next_word(&ps, name, sizeof name));
    for (int i = 0; i < 5; i++)
      cr_assert(test_next_word(&ps, v[i], sizeof v[i]));
    p.size = atol(v[0]);
    p.alpha = strtod(v[1], NULL);
    p.beta = strtod(v[2], NULL);
    p.k = strtod(v[3], NULL);
    int rank = atoi(v[4]);
    cr_assert(rank >= 3 && rank <= 5);
    int64_t shape[5];
    for (int i = 0; i < rank; i++) {
      cr_assert(test_next_word(&ps, word, sizeof word));
      shape[i] = atoll(word);
    }
    float *x = read_tensor(&ps, "x", rank, shape), *g = read_tensor(&ps, "gout", rank, shape);
    float *grad = read_tensor(&ps, "grad", rank, shape);
    size_t N, C, S, count = split_shape(rank, shape, &N, &C, &S);
    double *xd = to_double(x, count), *gd = to_double(g, count);
    double *want = malloc(count * sizeof *want), *mag = malloc(count * sizeof *mag);
    cr_assert(want && mag);
    ref_backward(&p, xd, gd, N, C, S, want, mag);
    char what[160];
    /* torch's fp32 gradient against the double reference, then the device against it. */
    snprintf(what, sizeof what, "torch case %s (its gradient vs the reference)", name);
    assert_grad(what, grad, want, mag, count, 1.0);
    float *got = device_backward(ctx, &p, rank, shape, x, g);
    snprintf(what, sizeof what, "torch case %s", name);
    assert_grad(what, got, want, mag, count, 1.0);
    free(got);
    free(x);
    free(g);
    free(grad);
    free(xd);
    free(gd);
    free(want);
    free(mag);
    cases++;
  }
  cr_assert(cases >= 10, "only %d cases in %s", cases, path);
  free(text);
  printf("norm_lrn_backward torch: %d cases, worst error/tolerance %.3f\n", cases, worst_ratio);
}

/* Bad input: each row's exact status and message, and grad_in left as it was. */
Test(norm_lrn_backward, invalid) {
  oclnn_context *ctx = test_context();
  oclnn_lrn_desc desc = oclnn_lrn_desc_default(3);
  oclnn_lrn *layer = NULL;
  TEST_OK(ctx, oclnn_lrn_create(ctx, &desc, &layer));
  const int64_t s[3] = {2, 3, 4}, s_other[3] = {2, 4, 3}, s_rank2[2] = {6, 4},
                s_neg[3] = {2, -3, 4};
  const size_t count = 24, total = 4 * count;
  float host[96];
  for (size_t i = 0; i < total; i++)
    host[i] = (float)i * 0.25f - 3.0f;
  oclnn_tensor buf;
  const int64_t s_all[1] = {(int64_t)total};
  buf = test_tensor_from_host(ctx, 1, s_all, host);
  const float sentinel = -7777.0f;
  float fill[96];
  for (size_t i = 0; i < total; i++)
    fill[i] = sentinel;
  oclnn_tensor out_buf = test_tensor_from_host(ctx, 1, s_all, fill);
  oclnn_tensor in = oclnn_tensor_view(buf.buffer, 0, 3, s);
  oclnn_tensor g = oclnn_tensor_view(buf.buffer, count, 3, s);
  oclnn_tensor gi = oclnn_tensor_view(out_buf.buffer, 0, 3, s);
  oclnn_tensor gi_other = oclnn_tensor_view(out_buf.buffer, 0, 3, s_other);
  oclnn_tensor in_rank2 = oclnn_tensor_view(buf.buffer, 0, 2, s_rank2);
  oclnn_tensor gi_rank2 = oclnn_tensor_view(out_buf.buffer, 0, 2, s_rank2);
  oclnn_tensor in_neg = oclnn_tensor_view(buf.buffer, 0, 3, s_neg);
  const int64_t s_huge[3] = {INT64_MAX / 4, 4, 4};
  oclnn_tensor in_huge = oclnn_tensor_view(buf.buffer, 0, 3, s_huge);
  oclnn_tensor in_null = oclnn_tensor_view(NULL, 0, 3, s);
  oclnn_tensor gi_oob = oclnn_tensor_view(out_buf.buffer, 3 * count + 1, 3, s);
  oclnn_tensor gi_over_in = oclnn_tensor_view(buf.buffer, 12, 3, s);
  oclnn_tensor gi_over_g = oclnn_tensor_view(buf.buffer, count + 5, 3, s);
  const struct {
    oclnn_lrn *layer;
    const oclnn_tensor *in, *g, *gi;
    oclnn_status status;
    const char *message;
  } rows[] = {
      {NULL, &in, &g, &gi, OCLNN_ERR_NULL_ARGUMENT, "oclnn_lrn_backward: layer is NULL"},
      {layer, NULL, &g, &gi, OCLNN_ERR_NULL_ARGUMENT, "oclnn_lrn_backward: in is NULL"},
      {layer, &in, NULL, &gi, OCLNN_ERR_NULL_ARGUMENT, "oclnn_lrn_backward: grad_out is NULL"},
      {layer, &in, &g, NULL, OCLNN_ERR_INVALID_VALUE, "oclnn_lrn_backward: grad_in is NULL"},
      {layer, &in_null, &g, &gi, OCLNN_ERR_INVALID_BUFFER, "oclnn_lrn_backward"},
      {layer, &in_neg, &g, &gi, OCLNN_ERR_INVALID_SHAPE, "oclnn_lrn_backward"},
      {layer, &in_huge, &g, &gi, OCLNN_ERR_OVERFLOW, "oclnn_lrn_backward"},
      {layer, &in_rank2, &g, &gi_rank2, OCLNN_ERR_INVALID_SHAPE,
       "oclnn_lrn_backward: LocalResponseNorm expects an input of rank >= 3, got [6, 4]"},
      {layer, &in, &gi_other, &gi, OCLNN_ERR_INVALID_SHAPE,
       "oclnn_lrn_backward: grad_out has shape [2, 4, 3], expected in's [2, 3, 4]"},
      {layer, &in, &g, &gi_other, OCLNN_ERR_INVALID_SHAPE,
       "oclnn_lrn_backward: grad_in has shape [2, 4, 3], expected in's [2, 3, 4]"},
      {layer, &in, &g, &gi_oob, OCLNN_ERR_OUT_OF_BOUNDS, "oclnn_lrn_backward"},
      {layer, &in, &g, &gi_over_in, OCLNN_ERR_ALIASING, "oclnn_lrn_backward"},
      {layer, &in, &g, &gi_over_g, OCLNN_ERR_ALIASING, "oclnn_lrn_backward"},
  };
  for (size_t r = 0; r < sizeof rows / sizeof rows[0]; r++) {
    oclnn_status st = oclnn_lrn_backward(rows[r].layer, rows[r].in, rows[r].g, rows[r].gi);
    cr_assert_eq(st, rows[r].status, "row %zu: got %s (%s), want %s", r, oclnn_status_string(st),
                 oclnn_context_error(rows[r].layer ? ctx : NULL),
                 oclnn_status_string(rows[r].status));
    const char *message = oclnn_context_error(rows[r].layer ? ctx : NULL);
    cr_assert(strstr(message, rows[r].message), "row %zu: message \"%s\" lacks \"%s\"", r, message,
              rows[r].message);
    float *after = norm_test_download(ctx, &out_buf), *inputs = norm_test_download(ctx, &buf);
    for (size_t i = 0; i < total; i++) {
      cr_assert(after[i] == sentinel, "row %zu: grad buffer written at %zu", r, i);
      cr_assert(inputs[i] == host[i], "row %zu: input buffer changed at %zu", r, i);
    }
    free(after);
    free(inputs);
  }
  /* An empty batch is accepted and writes nothing. */
  const int64_t s_empty[3] = {0, 3, 4};
  oclnn_tensor in_empty = oclnn_tensor_view(buf.buffer, 0, 3, s_empty);
  oclnn_tensor g_empty = oclnn_tensor_view(buf.buffer, 0, 3, s_empty);
  oclnn_tensor gi_empty = oclnn_tensor_view(out_buf.buffer, 0, 3, s_empty);
  TEST_OK(ctx, oclnn_lrn_backward(layer, &in_empty, &g_empty, &gi_empty));
  oclnn_lrn_free(layer);
  oclnn_tensor_free(&buf);
  oclnn_tensor_free(&out_buf);
}
