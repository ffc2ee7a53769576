/* LayerNorm against the double-precision reference: normalized_shape of 1 to 3 dims over inputs
 * with 0 to 2 leading dims, rows from 1 element to over a million (every statistics path),
 * elementwise_affine with and without bias, fused ReLU and residual.
 *
 * Tolerance: |got - want| <= 2e-5 * scale + 2e-5 |want|, scale being the spread of the data
 * relative to U[-1, 1) (see test_norm_batch.c for the reasoning). */
#include "norm_reference.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define OUT_ATOL 2e-5
#define OUT_RTOL 2e-5

typedef struct ln_case {
  int rank, k; /* input rank, normalized rank */
  int64_t shape[5];
  int affine, bias, relu, residual;
  double eps, scale, offset;
} ln_case;

static void run_case(const ln_case *c, uint64_t seed) {
  oclnn_context *ctx = test_context();
  oclnn_layer_norm_desc desc = oclnn_layer_norm_desc_default(c->k, c->shape + c->rank - c->k);
  desc.elementwise_affine = c->affine;
  desc.bias = c->bias;
  desc.eps = c->eps;
  desc.fuse_relu = c->relu;
  oclnn_layer_norm *layer = NULL;
  TEST_OK(ctx, oclnn_layer_norm_create(ctx, &desc, &layer));
  size_t count = test_numel(c->rank, c->shape);
  size_t M = test_numel(c->k, c->shape + c->rank - c->k), rows = M ? count / M : 0;
  float *x = malloc((count + 1) * sizeof *x), *res = malloc((count + 1) * sizeof *res);
  float *w = malloc((M + 1) * sizeof *w), *b = malloc((M + 1) * sizeof *b);
  double *want = malloc((count + 1) * sizeof *want);
  cr_assert(x && res && w && b && want);
  norm_test_random(x, count, seed, c->scale, c->offset);
  norm_test_random(res, count, seed + 1, 1.0, 0.0);
  norm_test_random(w, M, seed + 2, 1.0, 0.5);
  norm_test_random(b, M, seed + 3, 1.0, 0.0);
  oclnn_tensor tx = test_tensor_from_host(ctx, c->rank, c->shape, x);
  oclnn_tensor tres = test_tensor_from_host(ctx, c->rank, c->shape, res), tout;
  TEST_OK(ctx, oclnn_tensor_alloc(ctx, c->rank, c->shape, &tout));
  oclnn_tensor tw = test_tensor_from_host(ctx, c->k, c->shape + c->rank - c->k, w);
  oclnn_tensor tb = test_tensor_from_host(ctx, c->k, c->shape + c->rank - c->k, b);
  bool has_bias = c->affine && c->bias;
  TEST_OK(ctx, oclnn_layer_norm_forward(layer, &tx, c->affine ? &tw : NULL, has_bias ? &tb : NULL,
                                        c->residual ? &tres : NULL, &tout));
  norm_ref_layer(x, rows, M, c->eps, c->affine ? w : NULL, has_bias ? b : NULL,
                 c->residual ? res : NULL, c->relu, want);
  float *got = norm_test_download(ctx, &tout);
  char what[200];
  snprintf(what, sizeof what,
           "LayerNorm rows %zu x %zu (rank %d, k %d) affine %d bias %d relu %d "
           "res %d",
           rows, M, c->rank, c->k, c->affine, c->bias, c->relu, c->residual);
  norm_test_close(what, got, want, count, OUT_ATOL * c->scale, OUT_RTOL);
  free(got);
  oclnn_layer_norm_free(layer);
  oclnn_tensor *all[] = {&tx, &tres, &tout, &tw, &tb};
  for (size_t i = 0; i < sizeof all / sizeof all[0]; i++)
    oclnn_tensor_free(all[i]);
  free(x);
  free(res);
  free(w);
  free(b);
  free(want);
}

Test(norm_layer, sweep) {
  uint64_t state = 777;
  int cases = 0;
  for (int i = 0; i < 80; i++) {
    ln_case c;
    memset(&c, 0, sizeof c);
    c.k = 1 + (int)norm_test_pick(&state, 3);
    c.rank = c.k + (int)norm_test_pick(&state, 3);
    if (c.rank > 5)
      c.rank = 5;
    for (int d = 0; d < c.rank; d++)
      c.shape[d] = 1 + (int64_t)norm_test_pick(&state, d >= c.rank - c.k ? 23 : 6);
    c.affine = (int)norm_test_pick(&state, 3) != 0;
    c.bias = (int)norm_test_pick(&state, 3) != 0;
    c.relu = (int)norm_test_pick(&state, 3) == 0;
    c.residual = (int)norm_test_pick(&state, 3) == 0;
    c.eps = norm_test_pick(&state, 2) ? 1e-5 : 1e-2;
    c.scale = norm_test_pick(&state, 2) ? 1.0 : 0.25;
    c.offset = (double)norm_test_pick(&state, 5) - 2.0;
    run_case(&c, (uint64_t)i * 7 + 1);
    cases++;
  }
  printf("norm_layer sweep: %d cases, worst error/tolerance %.3f\n", cases, norm_test_worst(1));
}

/* Rows of every length class: 1 element, tiny, one work-item, split in one work-group, split
 * over work-groups with merged partials (a single row of 1.2 million). */
Test(norm_layer, row_lengths) {
  const ln_case cases[] = {
      {2, 1, {7, 1}, 1, 1, 0, 0, 1e-5, 1.0, 0.0},
      {2, 1, {1000, 3}, 1, 1, 1, 1, 1e-5, 1.0, 0.5},
      {3, 2, {300, 4, 17}, 1, 0, 0, 0, 1e-5, 1.0, 0.0},
      {2, 1, {3, 4099}, 1, 1, 0, 1, 1e-5, 1.0, 7.0},
      {3, 2, {2, 130, 1009}, 0, 0, 0, 0, 1e-5, 1.0, -1.0},
      {1, 1, {1200007}, 1, 1, 1, 0, 1e-5, 2.0, 3.0},
  };
  for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++)
    run_case(&cases[i], 500 + i);
  printf("norm_layer row lengths: worst error/tolerance %.3f\n", norm_test_worst(1));
}
