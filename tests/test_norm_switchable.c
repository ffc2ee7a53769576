/* SwitchableNorm1d/2d/3d against the double-precision reference of its authors' SwitchNorm2d
 * (SPEC.md): random mixing logits, using_bn on/off, moving average and accumulation, training
 * and eval sequences with running statistics, fused ReLU and residual, data with an offset.
 *
 * Tolerance: outputs |got - want| <= 5e-5 * scale + 5e-5 |want|; running statistics 2e-5 +
 * 2e-5 |want|. Looser than BatchNorm's because the mixed variance adds variances of means
 * computed in fp32 (still more than ten times the errors seen). */
#include "norm_reference.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define OUT_ATOL 5e-5
#define OUT_RTOL 5e-5
#define RUN_ATOL 2e-5
#define RUN_RTOL 2e-5

typedef struct sn_case {
  int dims;
  int64_t shape[5];
  int using_bn, moving_average, relu, residual;
  double momentum, eps;
  int steps;
  unsigned train_mask;
  double scale, offset;
} sn_case;

static void run_case(const sn_case *k, uint64_t seed) {
  oclnn_context *ctx = test_context();
  int rank = k->dims + 2;
  size_t N = (size_t)k->shape[0], C = (size_t)k->shape[1], S = 1;
  for (int i = 2; i < rank; i++)
    S *= (size_t)k->shape[i];
  size_t count = N * C * S;
  oclnn_switchable_norm_desc desc = oclnn_switchable_norm_desc_default(k->dims, (int64_t)C);
  desc.using_bn = k->using_bn;
  desc.using_moving_average = k->moving_average;
  desc.momentum = k->momentum;
  desc.eps = k->eps;
  desc.fuse_relu = k->relu;
  oclnn_switchable_norm *layer = NULL;
  TEST_OK(ctx, oclnn_switchable_norm_create(ctx, &desc, &layer));
  const int64_t cshape[1] = {(int64_t)C}, lshape[1] = {k->using_bn ? 3 : 2};
  float *x = malloc((count + 1) * sizeof *x), *res = malloc((count + 1) * sizeof *res);
  float *w = malloc((C + 1) * sizeof *w), *b = malloc((C + 1) * sizeof *b);
  float *rm = malloc((C + 1) * sizeof *rm), *rv = malloc((C + 1) * sizeof *rv);
  double *rmd = malloc((C + 1) * sizeof *rmd), *rvd = malloc((C + 1) * sizeof *rvd);
  double *want = malloc((count + 1) * sizeof *want);
  float mw[3], vw[3];
  cr_assert(x && res && w && b && rm && rv && rmd && rvd && want);
  norm_test_random(w, C, seed + 1, 1.0, 0.5);
  norm_test_random(b, C, seed + 2, 1.0, 0.0);
  norm_test_random(rm, C, seed + 3, 0.5, k->offset);
  norm_test_random(rv, C, seed + 4, 0.5, 1.0);
  norm_test_random(res, count, seed + 5, 1.0, 0.0);
  norm_test_random(mw, 3, seed + 6, 2.0, 0.0);
  norm_test_random(vw, 3, seed + 7, 2.0, 0.0);
  for (size_t c = 0; c < C; c++) {
    rmd[c] = rm[c];
    rvd[c] = rv[c];
  }
  oclnn_tensor tx = test_tensor_from_host(ctx, rank, k->shape, x), tout;
  oclnn_tensor tres = test_tensor_from_host(ctx, rank, k->shape, res);
  TEST_OK(ctx, oclnn_tensor_alloc(ctx, rank, k->shape, &tout));
  oclnn_tensor tw = test_tensor_from_host(ctx, 1, cshape, w);
  oclnn_tensor tb = test_tensor_from_host(ctx, 1, cshape, b);
  oclnn_tensor trm = test_tensor_from_host(ctx, 1, cshape, rm);
  oclnn_tensor trv = test_tensor_from_host(ctx, 1, cshape, rv);
  oclnn_tensor tmw = test_tensor_from_host(ctx, 1, lshape, mw);
  oclnn_tensor tvw = test_tensor_from_host(ctx, 1, lshape, vw);
  char what[256];
  for (int step = 0; step < k->steps; step++) {
    int training = (k->train_mask >> step) & 1;
    norm_test_random(x, count, seed * 13 + (uint64_t)step, k->scale, k->offset);
    /* Channel-dependent means, so that IN, LN and BN statistics differ. */
    for (size_t i = 0; i < count; i++)
      x[i] += (float)(0.25 * (double)((i / S) % C));
    TEST_OK(ctx, oclnn_tensor_upload(ctx, &tx, x, count));
    TEST_OK(ctx, oclnn_switchable_norm_forward(layer, training, &tx, &tw, &tb, &tmw, &tvw,
                                               k->using_bn ? &trm : NULL, k->using_bn ? &trv : NULL,
                                               k->residual ? &tres : NULL, &tout));
    norm_ref_switchable(x, N, C, S, k->eps, training, k->using_bn, k->moving_average, k->momentum,
                        w, b, mw, vw, rmd, rvd, k->residual ? res : NULL, k->relu, want);
    snprintf(what, sizeof what,
             "SwitchableNorm%dd N %zu C %zu S %zu step %d train %d bn %d moving %d relu %d "
             "res %d",
             k->dims, N, C, S, step, training, k->using_bn, k->moving_average, k->relu,
             k->residual);
    float *got = norm_test_download(ctx, &tout);
    norm_test_close(what, got, want, count, OUT_ATOL * k->scale, OUT_RTOL);
    free(got);
    if (k->using_bn) {
      float *grm = norm_test_download(ctx, &trm), *grv = norm_test_download(ctx, &trv);
      norm_test_close(what, grm, rmd, C, RUN_ATOL * (1 + fabs(k->offset)), RUN_RTOL);
      norm_test_close(what, grv, rvd, C, RUN_ATOL * (1 + k->offset * k->offset), RUN_RTOL);
      free(grm);
      free(grv);
    }
  }
  oclnn_switchable_norm_free(layer);
  oclnn_tensor *all[] = {&tx, &tout, &tres, &tw, &tb, &trm, &trv, &tmw, &tvw};
  for (size_t i = 0; i < sizeof all / sizeof all[0]; i++)
    oclnn_tensor_free(all[i]);
  void *mem[] = {x, res, w, b, rm, rv, rmd, rvd, want};
  for (size_t i = 0; i < sizeof mem / sizeof mem[0]; i++)
    free(mem[i]);
}

Test(norm_switchable, sweep) {
  uint64_t state = 2718;
  int cases = 0;
  for (int i = 0; i < 60; i++) {
    sn_case k;
    memset(&k, 0, sizeof k);
    k.dims = 1 + (int)norm_test_pick(&state, 3);
    k.shape[0] = 1 + (int64_t)norm_test_pick(&state, 5);
    k.shape[1] = 1 + (int64_t)norm_test_pick(&state, 9);
    for (int d = 2; d < k.dims + 2; d++)
      k.shape[d] = 2 + (int64_t)norm_test_pick(&state, k.dims == 3 ? 4 : 12);
    k.using_bn = (int)norm_test_pick(&state, 4) != 0;
    k.moving_average = (int)norm_test_pick(&state, 3) != 0;
    k.relu = (int)norm_test_pick(&state, 3) == 0;
    k.residual = (int)norm_test_pick(&state, 3) == 0;
    k.momentum = norm_test_pick(&state, 2) ? 0.9 : 0.5;
    k.eps = 1e-5;
    k.steps = 3;
    k.train_mask = (unsigned)norm_test_pick(&state, 8) | 1u;
    k.scale = norm_test_pick(&state, 2) ? 1.0 : 2.0;
    k.offset = (double)norm_test_pick(&state, 3) - 1.0;
    run_case(&k, (uint64_t)i + 101);
    cases++;
  }
  const sn_case large[] = {
      {2, {2, 3, 300, 301}, 1, 1, 0, 1, 0.9, 1e-5, 2, 1, 1.0, 2.0},
      {1, {1, 2, 280000}, 1, 0, 1, 0, 0.9, 1e-5, 2, 3, 1.0, 0.0},
  };
  for (size_t i = 0; i < sizeof large / sizeof large[0]; i++) {
    run_case(&large[i], 600 + i);
    cases++;
  }
  printf("norm_switchable sweep: %d cases, worst error/tolerance %.3f\n", cases,
         norm_test_worst(1));
}
