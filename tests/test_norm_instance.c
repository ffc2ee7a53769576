/* InstanceNorm1d/2d/3d and GroupNorm against the double-precision reference: batched and
 * unbatched inputs, odd sizes, affine, track_running_stats over training/eval sequences (running
 * statistics from the batch mean of instance statistics), fused ReLU and residual, and large
 * instances that take the split statistics path.
 *
 * Tolerance: outputs |got - want| <= 2e-5 * scale + 2e-5 |want|; running statistics 1e-5 +
 * 1e-5 |want| (see test_norm_batch.c). */
#include "norm_reference.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define OUT_ATOL 2e-5
#define OUT_RTOL 2e-5
#define RUN_ATOL 1e-5
#define RUN_RTOL 1e-5

typedef struct in_case {
  int dims, batched;
  int64_t shape[5]; /* full shape (rank dims + 1 + batched) */
  int affine, track, relu, residual;
  double momentum, eps;
  int steps;
  unsigned train_mask;
  double scale, offset;
} in_case;

static void run_instance(const in_case *k, uint64_t seed) {
  oclnn_context *ctx = test_context();
  int rank = k->dims + 1 + k->batched;
  size_t N = k->batched ? (size_t)k->shape[0] : 1, C = (size_t)k->shape[k->batched], S = 1;
  for (int i = k->batched + 1; i < rank; i++)
    S *= (size_t)k->shape[i];
  size_t count = N * C * S;
  oclnn_instance_norm_desc desc = oclnn_instance_norm_desc_default(k->dims, (int64_t)C);
  desc.affine = k->affine;
  desc.track_running_stats = k->track;
  desc.momentum = k->momentum;
  desc.eps = k->eps;
  desc.fuse_relu = k->relu;
  oclnn_instance_norm *layer = NULL;
  TEST_OK(ctx, oclnn_instance_norm_create(ctx, &desc, &layer));
  const int64_t cshape[1] = {(int64_t)C};
  float *x = malloc((count + 1) * sizeof *x), *res = malloc((count + 1) * sizeof *res);
  float *w = malloc((C + 1) * sizeof *w), *b = malloc((C + 1) * sizeof *b);
  float *rm = malloc((C + 1) * sizeof *rm), *rv = malloc((C + 1) * sizeof *rv);
  double *rmd = malloc((C + 1) * sizeof *rmd), *rvd = malloc((C + 1) * sizeof *rvd);
  double *want = malloc((count + 1) * sizeof *want);
  cr_assert(x && res && w && b && rm && rv && rmd && rvd && want);
  norm_test_random(w, C, seed + 1, 1.0, 0.5);
  norm_test_random(b, C, seed + 2, 1.0, 0.0);
  norm_test_random(rm, C, seed + 3, 0.5, 0.0);
  norm_test_random(rv, C, seed + 4, 0.5, 1.0);
  norm_test_random(res, count, seed + 5, 1.0, 0.0);
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
  char what[256];
  for (int step = 0; step < k->steps; step++) {
    int training = (k->train_mask >> step) & 1;
    norm_test_random(x, count, seed * 17 + (uint64_t)step, k->scale, k->offset);
    if (count)
      TEST_OK(ctx, oclnn_tensor_upload(ctx, &tx, x, count));
    TEST_OK(ctx,
            oclnn_instance_norm_forward(layer, training, &tx, k->affine ? &tw : NULL,
                                        k->affine ? &tb : NULL, k->track ? &trm : NULL,
                                        k->track ? &trv : NULL, k->residual ? &tres : NULL, &tout));
    norm_ref_instance(x, N, C, S, k->eps, training || !k->track, k->affine ? w : NULL,
                      k->affine ? b : NULL, rmd, rvd, training && k->track, k->momentum,
                      k->residual ? res : NULL, k->relu, want);
    snprintf(what, sizeof what,
             "InstanceNorm%dd N %zu C %zu S %zu batched %d step %d train %d affine %d track %d "
             "relu %d res %d",
             k->dims, N, C, S, k->batched, step, training, k->affine, k->track, k->relu,
             k->residual);
    float *got = norm_test_download(ctx, &tout);
    norm_test_close(what, got, want, count, OUT_ATOL * k->scale, OUT_RTOL);
    free(got);
    if (k->track) {
      float *grm = norm_test_download(ctx, &trm), *grv = norm_test_download(ctx, &trv);
      norm_test_close(what, grm, rmd, C, RUN_ATOL * (1 + fabs(k->offset)), RUN_RTOL);
      norm_test_close(what, grv, rvd, C, RUN_ATOL * k->scale * k->scale, RUN_RTOL);
      free(grm);
      free(grv);
    }
  }
  oclnn_instance_norm_free(layer);
  oclnn_tensor *all[] = {&tx, &tout, &tres, &tw, &tb, &trm, &trv};
  for (size_t i = 0; i < sizeof all / sizeof all[0]; i++)
    oclnn_tensor_free(all[i]);
  void *mem[] = {x, res, w, b, rm, rv, rmd, rvd, want};
  for (size_t i = 0; i < sizeof mem / sizeof mem[0]; i++)
    free(mem[i]);
}

Test(norm_instance, sweep) {
  uint64_t state = 4242;
  int cases = 0;
  for (int i = 0; i < 72; i++) {
    in_case k;
    memset(&k, 0, sizeof k);
    k.dims = 1 + (int)norm_test_pick(&state, 3);
    k.batched = (int)norm_test_pick(&state, 4) != 0;
    int rank = k.dims + 1 + k.batched;
    for (int d = 0; d < rank; d++)
      k.shape[d] = 1 + (int64_t)norm_test_pick(&state, d <= k.batched ? 5 : (k.dims == 3 ? 6 : 14));
    int64_t spatial = 1;
    for (int d = k.batched + 1; d < rank; d++)
      spatial *= k.shape[d];
    if (spatial == 1)
      k.shape[rank - 1] = 2;
    k.affine = (int)norm_test_pick(&state, 2);
    k.track = (int)norm_test_pick(&state, 2);
    k.relu = (int)norm_test_pick(&state, 3) == 0;
    k.residual = (int)norm_test_pick(&state, 3) == 0;
    k.momentum = 0.1 + 0.3 * (double)norm_test_pick(&state, 2);
    k.eps = norm_test_pick(&state, 2) ? 1e-5 : 1e-3;
    k.steps = 3;
    k.train_mask = (unsigned)norm_test_pick(&state, 8) | 1u;
    k.scale = norm_test_pick(&state, 2) ? 1.0 : 2.0;
    k.offset = (double)norm_test_pick(&state, 3) - 1.0;
    run_instance(&k, (uint64_t)i + 11);
    cases++;
  }
  printf("norm_instance sweep: %d cases, worst error/tolerance %.3f\n", cases, norm_test_worst(1));
}

Test(norm_instance, large_instances) {
  const in_case cases[] = {
      /* split over work-groups with merged partials: 2 x 300k per instance */
      {1, 1, {2, 1, 300001}, 1, 1, 1, 1, 0.1, 1e-5, 2, 1, 1.0, 50.0},
      /* split in one work-group per instance, few instances */
      {2, 1, {1, 3, 129, 65}, 1, 1, 0, 0, 0.1, 1e-5, 2, 3, 1.0, -2.0},
      /* many small instances: rows path */
      {3, 1, {4, 200, 2, 2, 3}, 0, 1, 1, 0, 0.2, 1e-5, 2, 1, 1.0, 0.0},
  };
  for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++)
    run_instance(&cases[i], 300 + i);
  printf("norm_instance large: worst error/tolerance %.3f\n", norm_test_worst(1));
}

typedef struct gn_case {
  int rank;
  int64_t shape[5];
  int64_t groups;
  int affine, relu, residual;
  double eps, scale, offset;
} gn_case;

static void run_group(const gn_case *k, uint64_t seed) {
  oclnn_context *ctx = test_context();
  size_t N = (size_t)k->shape[0], C = (size_t)k->shape[1], S = 1;
  for (int i = 2; i < k->rank; i++)
    S *= (size_t)k->shape[i];
  size_t count = N * C * S;
  oclnn_group_norm_desc desc = oclnn_group_norm_desc_default(k->groups, (int64_t)C);
  desc.affine = k->affine;
  desc.eps = k->eps;
  desc.fuse_relu = k->relu;
  oclnn_group_norm *layer = NULL;
  TEST_OK(ctx, oclnn_group_norm_create(ctx, &desc, &layer));
  const int64_t cshape[1] = {(int64_t)C};
  float *x = malloc((count + 1) * sizeof *x), *res = malloc((count + 1) * sizeof *res);
  float *w = malloc((C + 1) * sizeof *w), *b = malloc((C + 1) * sizeof *b);
  double *want = malloc((count + 1) * sizeof *want);
  cr_assert(x && res && w && b && want);
  norm_test_random(x, count, seed, k->scale, k->offset);
  norm_test_random(res, count, seed + 1, 1.0, 0.0);
  norm_test_random(w, C, seed + 2, 1.0, 0.5);
  norm_test_random(b, C, seed + 3, 1.0, 0.0);
  oclnn_tensor tx = test_tensor_from_host(ctx, k->rank, k->shape, x), tout;
  oclnn_tensor tres = test_tensor_from_host(ctx, k->rank, k->shape, res);
  TEST_OK(ctx, oclnn_tensor_alloc(ctx, k->rank, k->shape, &tout));
  oclnn_tensor tw = test_tensor_from_host(ctx, 1, cshape, w);
  oclnn_tensor tb = test_tensor_from_host(ctx, 1, cshape, b);
  TEST_OK(ctx, oclnn_group_norm_forward(layer, &tx, k->affine ? &tw : NULL, k->affine ? &tb : NULL,
                                        k->residual ? &tres : NULL, &tout));
  norm_ref_group(x, N, C, S, (size_t)k->groups, k->eps, k->affine ? w : NULL, k->affine ? b : NULL,
                 k->residual ? res : NULL, k->relu, want);
  char what[200];
  snprintf(what, sizeof what, "GroupNorm G %lld N %zu C %zu S %zu affine %d relu %d res %d",
           (long long)k->groups, N, C, S, k->affine, k->relu, k->residual);
  float *got = norm_test_download(ctx, &tout);
  norm_test_close(what, got, want, count, OUT_ATOL * k->scale, OUT_RTOL);
  free(got);
  oclnn_group_norm_free(layer);
  oclnn_tensor *all[] = {&tx, &tout, &tres, &tw, &tb};
  for (size_t i = 0; i < sizeof all / sizeof all[0]; i++)
    oclnn_tensor_free(all[i]);
  void *mem[] = {x, res, w, b, want};
  for (size_t i = 0; i < sizeof mem / sizeof mem[0]; i++)
    free(mem[i]);
}

Test(norm_group, sweep) {
  uint64_t state = 99;
  int cases = 0;
  for (int i = 0; i < 64; i++) {
    gn_case k;
    memset(&k, 0, sizeof k);
    k.rank = 2 + (int)norm_test_pick(&state, 4);
    k.groups = 1 + (int64_t)norm_test_pick(&state, 4);
    k.shape[0] = 1 + (int64_t)norm_test_pick(&state, 4);
    k.shape[1] = k.groups * (1 + (int64_t)norm_test_pick(&state, 5));
    for (int d = 2; d < k.rank; d++)
      k.shape[d] = 1 + (int64_t)norm_test_pick(&state, k.rank == 5 ? 5 : 11);
    if (k.shape[0] * (k.shape[1] / k.groups) * (k.rank > 2 ? k.shape[2] : 1) *
            (k.rank > 3 ? k.shape[3] : 1) * (k.rank > 4 ? k.shape[4] : 1) ==
        1)
      k.shape[0] = 2;
    k.affine = (int)norm_test_pick(&state, 3) != 0;
    k.relu = (int)norm_test_pick(&state, 3) == 0;
    k.residual = (int)norm_test_pick(&state, 3) == 0;
    k.eps = norm_test_pick(&state, 2) ? 1e-5 : 1e-3;
    k.scale = 1.0;
    k.offset = (double)norm_test_pick(&state, 3) - 1.0;
    run_group(&k, (uint64_t)i * 3 + 5);
    cases++;
  }
  const gn_case large[] = {
      {4, {2, 32, 64, 70}, 8, 1, 1, 1, 1e-5, 1.0, 4.0},  /* split in one work-group */
      {3, {1, 6, 150000}, 2, 1, 0, 0, 1e-5, 3.0, -10.0}, /* merged partials */
      {2, {64, 512}, 32, 1, 0, 0, 1e-5, 1.0, 0.0},       /* (N, C) input: one-element rows */
  };
  for (size_t i = 0; i < sizeof large / sizeof large[0]; i++) {
    run_group(&large[i], 900 + i);
    cases++;
  }
  printf("norm_group sweep: %d cases, worst error/tolerance %.3f\n", cases, norm_test_worst(1));
}
