/* LocalResponseNorm against the double-precision reference: ranks 3 to 5, window sizes from 1
 * to wider than the channel count (even and odd: the window is asymmetric for even sizes),
 * alpha/beta/k variations, spatial sizes around the vector width and the per-work-item run
 * (4096 positions), work-group sizes above 1.
 *
 * Tolerance: |got - want| <= 1e-6 + 1e-5 |want|: fp32 window sums and OpenCL's pow (<= 16 ulp)
 * give a relative error of a few 1e-6. */
#include "norm_reference.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define ATOL 1e-6
#define RTOL 1e-5

typedef struct lrn_case {
  int rank;
  int64_t shape[5];
  int64_t size;
  double alpha, beta, k, scale;
} lrn_case;

static void run_case(const lrn_case *c, uint64_t seed) {
  oclnn_context *ctx = test_context();
  oclnn_lrn_desc desc = oclnn_lrn_desc_default(c->size);
  desc.alpha = c->alpha;
  desc.beta = c->beta;
  desc.k = c->k;
  oclnn_lrn *layer = NULL;
  TEST_OK(ctx, oclnn_lrn_create(ctx, &desc, &layer));
  size_t N = (size_t)c->shape[0], C = (size_t)c->shape[1], S = 1;
  for (int i = 2; i < c->rank; i++)
    S *= (size_t)c->shape[i];
  size_t count = N * C * S;
  float *x = malloc((count + 1) * sizeof *x);
  double *want = malloc((count + 1) * sizeof *want);
  cr_assert(x && want);
  norm_test_random(x, count, seed, c->scale, 0.0);
  oclnn_tensor tx = test_tensor_from_host(ctx, c->rank, c->shape, x), tout;
  TEST_OK(ctx, oclnn_tensor_alloc(ctx, c->rank, c->shape, &tout));
  TEST_OK(ctx, oclnn_lrn_forward(layer, &tx, &tout));
  norm_ref_lrn(x, N, C, S, (long)c->size, c->alpha, c->beta, c->k, want);
  char what[160];
  snprintf(what, sizeof what, "LRN size %lld alpha %g beta %g k %g N %zu C %zu S %zu",
           (long long)c->size, c->alpha, c->beta, c->k, N, C, S);
  float *got = norm_test_download(ctx, &tout);
  norm_test_close(what, got, want, count, ATOL * c->scale, RTOL);
  free(got);
  oclnn_lrn_free(layer);
  oclnn_tensor_free(&tx);
  oclnn_tensor_free(&tout);
  free(x);
  free(want);
}

Test(norm_lrn, sweep) {
  uint64_t state = 5150;
  static const double alphas[] = {1e-4, 0.5, 2.0}, betas[] = {0.75, 0.5, 1.3},
                      ks[] = {1.0, 2.0, 0.5};
  int cases = 0;
  for (int i = 0; i < 60; i++) {
    lrn_case c;
    memset(&c, 0, sizeof c);
    c.rank = 3 + (int)norm_test_pick(&state, 3);
    c.shape[0] = 1 + (int64_t)norm_test_pick(&state, 3);
    c.shape[1] = 1 + (int64_t)norm_test_pick(&state, 12);
    for (int d = 2; d < c.rank; d++)
      c.shape[d] = 1 + (int64_t)norm_test_pick(&state, c.rank == 5 ? 6 : 19);
    c.size = 1 + (int64_t)norm_test_pick(&state, 14);
    c.alpha = alphas[norm_test_pick(&state, 3)];
    c.beta = betas[norm_test_pick(&state, 3)];
    c.k = ks[norm_test_pick(&state, 3)];
    c.scale = norm_test_pick(&state, 2) ? 1.0 : 4.0;
    run_case(&c, (uint64_t)i + 3);
    cases++;
  }
  const lrn_case large[] = {
      {4, {2, 16, 33, 47}, 5, 1e-4, 0.75, 2.0, 10.0},
      {3, {1, 64, 1031}, 64, 0.01, 0.75, 1.0, 1.0},
      /* runs longer than a work-item's 4096 positions, with a ragged last run */
      {3, {2, 7, 8205}, 5, 1e-4, 0.75, 1.0, 4.0},
      {4, {1, 9, 70, 67}, 4, 0.5, 1.3, 2.0, 1.0},
      /* enough work-items for several per work-group, their count not a multiple of it */
      {3, {37, 3, 50}, 3, 1.0, 0.75, 1.0, 1.0},
      {3, {19, 4, 4099}, 2, 2.0, 0.5, 1.0, 1.0},
      /* beta 0.75 without k's cushion: d over a wide range */
      {3, {2, 6, 40}, 3, 1.0, 0.75, 0.0, 1.0},
      {4, {1, 5, 8, 16}, 4, 1e-4, 0.75, 0.0, 1e-3},
      /* all zero with k = 0: d = 0, 0 / 0 = NaN as in torch */
      {3, {1, 4, 16}, 2, 1e-4, 0.75, 0.0, 0.0},
  };
  for (size_t i = 0; i < sizeof large / sizeof large[0]; i++) {
    run_case(&large[i], 70 + i);
    cases++;
  }
  printf("norm_lrn sweep: %d cases, worst error/tolerance %.3f\n", cases, norm_test_worst(1));
}

/* One spatial element: the row kernel (window along contiguous channels), rows shorter and
 * longer than a work-item's run of 512, windows wider than the row, every beta path. */
Test(norm_lrn, one_spatial_element) {
  uint64_t state = 6160;
  static const double alphas[] = {1e-4, 1.0, 2.0}, betas[] = {0.75, 0.5, 1.3},
                      ks[] = {1.0, 2.0, 0.0};
  int cases = 0;
  for (int i = 0; i < 40; i++) {
    lrn_case c;
    memset(&c, 0, sizeof c);
    c.rank = 3 + (int)norm_test_pick(&state, 2);
    c.shape[0] = 1 + (int64_t)norm_test_pick(&state, 3);
    c.shape[1] = 1 + (int64_t)norm_test_pick(&state, i < 30 ? 40 : 1300);
    for (int d = 2; d < c.rank; d++)
      c.shape[d] = 1;
    c.size = 1 + (int64_t)norm_test_pick(&state, 15);
    c.alpha = alphas[norm_test_pick(&state, 3)];
    c.beta = betas[norm_test_pick(&state, 3)];
    c.k = ks[norm_test_pick(&state, 3)];
    c.scale = norm_test_pick(&state, 2) ? 1.0 : 4.0;
    run_case(&c, (uint64_t)i + 101);
    cases++;
  }
  printf("norm_lrn one spatial element: %d cases, worst error/tolerance %.3f\n", cases,
         norm_test_worst(1));
}
