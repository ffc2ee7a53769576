/* BatchNorm1d/2d/3d against the double-precision reference: sweeps over ranks, odd sizes, every
 * option (affine, track_running_stats, momentum and momentum=None, training/eval sequences,
 * fused ReLU and residual), the three statistics paths (rows, split with merge, columns), and
 * running statistics over several steps.
 *
 * Tolerance: |got - want| <= 2e-5 + 2e-5 |want| for outputs (values O(1) to O(10)), 1e-5 + 1e-5
 * |want| for running statistics; fp32 rounding of the statistics and the affine transform stays
 * below 1e-6 here, so this leaves a wide margin while catching any wrong formula. */
#include "norm_reference.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define OUT_ATOL 2e-5
#define OUT_RTOL 2e-5
#define RUN_ATOL 1e-5
#define RUN_RTOL 1e-5

typedef struct bn_case {
  int dims, rank;
  int64_t shape[5];
  int affine, track, momentum_none, relu, residual;
  double momentum, eps;
  int steps;
  unsigned train_mask; /* bit i: step i trains */
  double scale, offset;
} bn_case;

static void run_case(const bn_case *k, uint64_t seed) {
  oclnn_context *ctx = test_context();
  char what[256];
  oclnn_batch_norm_desc desc = oclnn_batch_norm_desc_default(k->dims, k->shape[1]);
  desc.affine = k->affine;
  desc.track_running_stats = k->track;
  desc.momentum_none = k->momentum_none;
  desc.momentum = k->momentum;
  desc.eps = k->eps;
  desc.fuse_relu = k->relu;
  oclnn_batch_norm *layer = NULL;
  TEST_OK(ctx, oclnn_batch_norm_create(ctx, &desc, &layer));

  size_t N = (size_t)k->shape[0], C = (size_t)k->shape[1], S = 1;
  for (int i = 2; i < k->rank; i++)
    S *= (size_t)k->shape[i];
  size_t count = N * C * S;
  const int64_t cshape[1] = {k->shape[1]};
  float *x = malloc((count + 1) * sizeof *x), *res = malloc((count + 1) * sizeof *res);
  float *w = malloc((C + 1) * sizeof *w), *b = malloc((C + 1) * sizeof *b);
  float *rm = malloc((C + 1) * sizeof *rm), *rv = malloc((C + 1) * sizeof *rv);
  double *rmd = malloc((C + 1) * sizeof *rmd), *rvd = malloc((C + 1) * sizeof *rvd);
  double *want = malloc((count + 1) * sizeof *want);
  cr_assert(x && res && want && w && b && rm && rv && rmd && rvd);
  norm_test_random(w, C, seed + 1, 1.0, 0.5);
  norm_test_random(b, C, seed + 2, 1.0, 0.0);
  norm_test_random(rm, C, seed + 3, 0.5, 0.0);
  norm_test_random(rv, C, seed + 4, 0.5, 1.0);
  norm_test_random(res, count, seed + 5, 2.0, 0.0);
  for (size_t c = 0; c < C; c++) {
    rmd[c] = rm[c];
    rvd[c] = rv[c];
  }
  oclnn_tensor tx = test_tensor_from_host(ctx, k->rank, k->shape, x);
  oclnn_tensor tout, tres = test_tensor_from_host(ctx, k->rank, k->shape, res);
  TEST_OK(ctx, oclnn_tensor_alloc(ctx, k->rank, k->shape, &tout));
  oclnn_tensor tw = test_tensor_from_host(ctx, 1, cshape, w);
  oclnn_tensor tb = test_tensor_from_host(ctx, 1, cshape, b);
  oclnn_tensor trm = test_tensor_from_host(ctx, 1, cshape, rm);
  oclnn_tensor trv = test_tensor_from_host(ctx, 1, cshape, rv);
  int64_t batches = 0, expected_batches = 0;

  for (int step = 0; step < k->steps; step++) {
    int training = (k->train_mask >> step) & 1;
    norm_test_random(x, count, seed * 31 + (uint64_t)step, k->scale, k->offset);
    if (count)
      TEST_OK(ctx, oclnn_tensor_upload(ctx, &tx, x, count));
    TEST_OK(ctx, oclnn_batch_norm_forward(layer, training, &tx, k->affine ? &tw : NULL,
                                          k->affine ? &tb : NULL, k->track ? &trm : NULL,
                                          k->track ? &trv : NULL, &batches,
                                          k->residual ? &tres : NULL, &tout));
    int update = training && k->track;
    double factor = k->momentum_none ? 1.0 / (double)(batches ? batches : 1) : k->momentum;
    norm_ref_batch(x, N, C, S, k->eps, training || !k->track, k->affine ? w : NULL,
                   k->affine ? b : NULL, rmd, rvd, update, factor, k->residual ? res : NULL,
                   k->relu, want);
    float *got = norm_test_download(ctx, &tout);
    snprintf(what, sizeof what,
             "BatchNorm%dd shape [%lld,%lld,...] rank %d step %d train %d affine %d track %d "
             "none %d relu %d res %d",
             k->dims, (long long)k->shape[0], (long long)k->shape[1], k->rank, step, training,
             k->affine, k->track, k->momentum_none, k->relu, k->residual);
    norm_test_close(what, got, want, count, OUT_ATOL * k->scale, OUT_RTOL);
    free(got);
    if (k->track) {
      float *grm = norm_test_download(ctx, &trm), *grv = norm_test_download(ctx, &trv);
      norm_test_close(what, grm, rmd, C, RUN_ATOL * (1 + fabs(k->offset)), RUN_RTOL);
      norm_test_close(what, grv, rvd, C, RUN_ATOL * k->scale * k->scale, RUN_RTOL);
      free(grm);
      free(grv);
    }
    expected_batches += update;
    cr_assert_eq(batches, expected_batches, "%s: num_batches_tracked", what);
  }
  oclnn_batch_norm_free(layer);
  oclnn_tensor *all[] = {&tx, &tout, &tres, &tw, &tb, &trm, &trv};
  for (size_t i = 0; i < sizeof all / sizeof all[0]; i++)
    oclnn_tensor_free(all[i]);
  free(x);
  free(res);
  free(want);
  free(w);
  free(b);
  free(rm);
  free(rv);
  free(rmd);
  free(rvd);
}

Test(norm_batch, sweep) {
  uint64_t state = 12345;
  int cases = 0;
  for (int i = 0; i < 72; i++) {
    bn_case k;
    memset(&k, 0, sizeof k);
    k.dims = 1 + (int)norm_test_pick(&state, 3);
    k.rank = k.dims == 1 ? 2 + (int)norm_test_pick(&state, 2) : k.dims + 2;
    k.shape[0] = 1 + (int64_t)norm_test_pick(&state, 5);
    k.shape[1] = 1 + (int64_t)norm_test_pick(&state, 19);
    for (int d = 2; d < k.rank; d++)
      k.shape[d] = 1 + (int64_t)norm_test_pick(&state, k.rank == 5 ? 6 : 13);
    int64_t per_channel = k.shape[0];
    for (int d = 2; d < k.rank; d++)
      per_channel *= k.shape[d];
    if (per_channel == 1)
      k.shape[0] = 2;
    k.affine = (int)norm_test_pick(&state, 2);
    k.track = (int)norm_test_pick(&state, 3) != 0;
    k.momentum_none = (int)norm_test_pick(&state, 3) == 0;
    k.momentum = 0.1 + 0.2 * (double)norm_test_pick(&state, 3);
    k.eps = norm_test_pick(&state, 2) ? 1e-5 : 1e-3;
    k.relu = (int)norm_test_pick(&state, 3) == 0;
    k.residual = (int)norm_test_pick(&state, 3) == 0;
    k.steps = 3;
    k.train_mask = (unsigned)norm_test_pick(&state, 8) | 1u;
    k.scale = norm_test_pick(&state, 2) ? 1.0 : 3.0;
    k.offset = (double)norm_test_pick(&state, 3) - 1.0;
    run_case(&k, (uint64_t)i + 1);
    cases++;
  }
  printf("norm_batch sweep: %d cases, worst error/tolerance %.3f\n", cases, norm_test_worst(1));
}

/* The three statistics paths at sizes where they split and merge. */
Test(norm_batch, large_paths) {
  const bn_case cases[] = {
      /* columns: (N, C) with row chunks merged, C not a multiple of the vector width */
      {1, 2, {3000, 11}, 1, 1, 0, 0, 0, 0.1, 1e-5, 2, 3, 1.0, 5.0},
      /* split over work-groups with a merge of partials per channel (> 262144 per channel) */
      {1, 3, {3, 2, 100003}, 1, 1, 0, 1, 1, 0.1, 1e-5, 2, 1, 2.0, -3.0},
      /* split inside one work-group per channel */
      {2, 4, {2, 5, 37, 41}, 0, 1, 1, 0, 0, 0.1, 1e-5, 3, 5, 1.0, 100.0},
      /* rows: many small channels */
      {3, 5, {2, 300, 2, 3, 2}, 1, 0, 0, 1, 0, 0.1, 1e-5, 1, 1, 1.0, 0.0},
  };
  for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++)
    run_case(&cases[i], 1000 + i);
  printf("norm_batch large paths: worst error/tolerance %.3f\n", norm_test_worst(1));
}
