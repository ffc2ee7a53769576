/* The normalization layers' alternative code paths against the double-precision reference, on
 * the same shapes, so that every path is checked on the same sweeps:
 *  - fused statistics + apply (norm_fused) for InstanceNorm, GroupNorm and BatchNorm's batch
 *    statistics, forced on for every group size and forced off, and groups just below and just
 *    above its size limits;
 *  - streaming (non-temporal) stores forced on for every output, with aligned views and with
 *    views misaligned by a few floats (those must fall back to plain stores), checking that
 *    nothing outside the output view is written;
 *  - BatchNorm eval's one-launch apply (parameters from the running statistics in the apply
 *    kernel) and the apply passes that run in reverse order after a statistics pass.
 * The path switches are the private environment variables that host/layers/norm.c reads when a
 * layer is created (OCLNN_NORM_FUSED_MIN / OCLNN_NORM_FUSED_MAX, OCLNN_NORM_STREAM_MIN);
 * Criterion runs each Test in its own process.
 *
 * Tolerances as in test_norm_batch.c / test_norm_instance.c / test_norm_lrn.c. */
#include "norm_reference.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define OUT_ATOL 2e-5
#define OUT_RTOL 2e-5
#define RUN_ATOL 1e-5
#define RUN_RTOL 1e-5
#define LRN_ATOL 1e-6
#define LRN_RTOL 1e-5

/* norm.c's default fused-path bounds: groups of 257 .. 262144 floats. */
#define FUSED_MIN 257
#define FUSED_MAX 262144

/* Written around every output view; must survive every call. */
#define SENTINEL 12345.5f

typedef enum kind { K_INSTANCE, K_GROUP, K_BATCH, K_LRN } kind;

typedef struct path_case {
  kind layer;
  int rank;
  int64_t shape[5];
  int64_t param; /* GroupNorm: groups; LRN: size */
  int affine, relu, residual, training, track;
  size_t offset; /* element offset of every view (0, or misaligned) */
  double scale, data_offset;
} path_case;

/* A view of rank/shape at element `offset` in a fresh buffer of offset + count + 16 floats,
 * holding host (or SENTINEL everywhere when host is NULL). */
static oclnn_tensor view_at(oclnn_context *ctx, int rank, const int64_t *shape, size_t offset,
                            const float *host, size_t *total) {
  size_t count = 1;
  for (int i = 0; i < rank; i++)
    count *= (size_t)shape[i];
  *total = offset + count + 16;
  float *all = malloc(*total * sizeof *all);
  cr_assert(all);
  for (size_t i = 0; i < *total; i++)
    all[i] = SENTINEL;
  if (host)
    memcpy(all + offset, host, count * sizeof *host);
  const int64_t flat[1] = {(int64_t)*total};
  oclnn_tensor whole = test_tensor_from_host(ctx, 1, flat, all);
  free(all);
  return oclnn_tensor_view(whole.buffer, offset, rank, shape);
}

static void set_env(const char *name, const char *value) {
  if (value)
    setenv(name, value, 1);
  else
    unsetenv(name);
}

static void run_path(const path_case *k, uint64_t seed, const char *label) {
  oclnn_context *ctx = test_context();
  size_t N = (size_t)k->shape[0], C = (size_t)k->shape[1], S = 1;
  for (int i = 2; i < k->rank; i++)
    S *= (size_t)k->shape[i];
  size_t count = N * C * S;
  const int64_t cshape[1] = {(int64_t)C};
  float *x = malloc((count + 1) * sizeof *x), *res = malloc((count + 1) * sizeof *res);
  float *w = malloc((C + 1) * sizeof *w), *b = malloc((C + 1) * sizeof *b);
  float *rm = malloc((C + 1) * sizeof *rm), *rv = malloc((C + 1) * sizeof *rv);
  double *rmd = malloc((C + 1) * sizeof *rmd), *rvd = malloc((C + 1) * sizeof *rvd);
  double *want = malloc((count + 1) * sizeof *want);
  cr_assert(x && res && w && b && rm && rv && rmd && rvd && want);
  norm_test_random(x, count, seed, k->scale, k->data_offset);
  norm_test_random(res, count, seed + 1, 1.0, 0.0);
  norm_test_random(w, C, seed + 2, 1.0, 0.5);
  norm_test_random(b, C, seed + 3, 1.0, 0.0);
  norm_test_random(rm, C, seed + 4, 0.5, k->data_offset);
  norm_test_random(rv, C, seed + 5, 0.5, 1.0);
  for (size_t c = 0; c < C; c++) {
    rmd[c] = rm[c];
    rvd[c] = rv[c];
  }
  size_t in_total = 0, out_total = 0, res_total = 0;
  oclnn_tensor tx = view_at(ctx, k->rank, k->shape, k->offset, x, &in_total);
  oclnn_tensor tout = view_at(ctx, k->rank, k->shape, k->offset, NULL, &out_total);
  oclnn_tensor tres = view_at(ctx, k->rank, k->shape, k->offset, res, &res_total);
  oclnn_tensor tw = test_tensor_from_host(ctx, 1, cshape, w);
  oclnn_tensor tb = test_tensor_from_host(ctx, 1, cshape, b);
  oclnn_tensor trm = test_tensor_from_host(ctx, 1, cshape, rm);
  oclnn_tensor trv = test_tensor_from_host(ctx, 1, cshape, rv);
  const oclnn_tensor *pw = k->affine ? &tw : NULL, *pb = k->affine ? &tb : NULL;
  const oclnn_tensor *pres = k->residual ? &tres : NULL;
  const float *hw = k->affine ? w : NULL, *hb = k->affine ? b : NULL;
  const float *hres = k->residual ? res : NULL;
  double atol = OUT_ATOL * k->scale, rtol = OUT_RTOL;
  const char *name = "";
  if (k->layer == K_INSTANCE) {
    name = "InstanceNorm";
    oclnn_instance_norm_desc d = oclnn_instance_norm_desc_default(k->rank - 2, (int64_t)C);
    d.affine = k->affine;
    d.track_running_stats = k->track;
    d.fuse_relu = k->relu;
    oclnn_instance_norm *layer = NULL;
    TEST_OK(ctx, oclnn_instance_norm_create(ctx, &d, &layer));
    TEST_OK(ctx,
            oclnn_instance_norm_forward(layer, k->training, &tx, pw, pb, k->track ? &trm : NULL,
                                        k->track ? &trv : NULL, pres, &tout));
    norm_ref_instance(x, N, C, S, d.eps, k->training || !k->track, hw, hb, rmd, rvd,
                      k->training && k->track, d.momentum, hres, k->relu, want);
    oclnn_instance_norm_free(layer);
  } else if (k->layer == K_GROUP) {
    name = "GroupNorm";
    oclnn_group_norm_desc d = oclnn_group_norm_desc_default(k->param, (int64_t)C);
    d.affine = k->affine;
    d.fuse_relu = k->relu;
    oclnn_group_norm *layer = NULL;
    TEST_OK(ctx, oclnn_group_norm_create(ctx, &d, &layer));
    TEST_OK(ctx, oclnn_group_norm_forward(layer, &tx, pw, pb, pres, &tout));
    norm_ref_group(x, N, C, S, (size_t)k->param, d.eps, hw, hb, hres, k->relu, want);
    oclnn_group_norm_free(layer);
  } else if (k->layer == K_BATCH) {
    name = "BatchNorm";
    int dims = k->rank == 2 ? 1 : k->rank - 2;
    oclnn_batch_norm_desc d = oclnn_batch_norm_desc_default(dims, (int64_t)C);
    d.affine = k->affine;
    d.track_running_stats = k->track;
    d.fuse_relu = k->relu;
    oclnn_batch_norm *layer = NULL;
    int64_t batches = 0;
    TEST_OK(ctx, oclnn_batch_norm_create(ctx, &d, &layer));
    TEST_OK(ctx, oclnn_batch_norm_forward(layer, k->training, &tx, pw, pb, k->track ? &trm : NULL,
                                          k->track ? &trv : NULL, &batches, pres, &tout));
    norm_ref_batch(x, N, C, S, d.eps, k->training || !k->track, hw, hb, rmd, rvd,
                   k->training && k->track, d.momentum, hres, k->relu, want);
    oclnn_batch_norm_free(layer);
  } else {
    name = "LRN";
    oclnn_lrn_desc d = oclnn_lrn_desc_default(k->param);
    oclnn_lrn *layer = NULL;
    TEST_OK(ctx, oclnn_lrn_create(ctx, &d, &layer));
    TEST_OK(ctx, oclnn_lrn_forward(layer, &tx, &tout));
    norm_ref_lrn(x, N, C, S, (long)k->param, d.alpha, d.beta, d.k, want);
    oclnn_lrn_free(layer);
    atol = LRN_ATOL * k->scale;
    rtol = LRN_RTOL;
  }
  char what[256];
  snprintf(what, sizeof what,
           "%s (%s) N %zu C %zu S %zu param %lld offset %zu affine %d relu %d res %d train %d "
           "track %d",
           name, label, N, C, S, (long long)k->param, k->offset, k->affine, k->relu, k->residual,
           k->training, k->track);
  const int64_t flat[1] = {(int64_t)out_total};
  oclnn_tensor whole = oclnn_tensor_view(tout.buffer, 0, 1, flat);
  float *got = norm_test_download(ctx, &whole);
  norm_test_close(what, got + k->offset, want, count, atol, rtol);
  for (size_t i = 0; i < out_total; i++)
    if (i < k->offset || i >= k->offset + count)
      cr_assert(got[i] == SENTINEL, "%s: element %zu outside the output view was written", what, i);
  free(got);
  if (k->track && k->training && k->layer != K_GROUP && k->layer != K_LRN) {
    float *grm = norm_test_download(ctx, &trm), *grv = norm_test_download(ctx, &trv);
    norm_test_close(what, grm, rmd, C, RUN_ATOL * (1 + fabs(k->data_offset)), RUN_RTOL);
    norm_test_close(what, grv, rvd, C, RUN_ATOL * k->scale * k->scale, RUN_RTOL);
    free(grm);
    free(grv);
  }
  oclnn_tensor *all[] = {&tx, &tout, &tres, &tw, &tb, &trm, &trv};
  for (size_t i = 0; i < sizeof all / sizeof all[0]; i++)
    oclnn_tensor_free(all[i]);
  void *mem[] = {x, res, w, b, rm, rv, rmd, rvd, want};
  for (size_t i = 0; i < sizeof mem / sizeof mem[0]; i++)
    free(mem[i]);
}

/* InstanceNorm and GroupNorm shapes from a few floats per group to a few thousand, odd and
 * vector-multiple sizes, every option. */
static void group_sweep(const char *label, uint64_t seed) {
  uint64_t state = seed;
  for (int i = 0; i < 40; i++) {
    path_case k;
    memset(&k, 0, sizeof k);
    k.layer = norm_test_pick(&state, 2) ? K_GROUP : K_INSTANCE;
    k.rank = 3 + (int)norm_test_pick(&state, 2);
    k.shape[0] = 1 + (int64_t)norm_test_pick(&state, 3);
    k.param = 1 + (int64_t)norm_test_pick(&state, 3);
    k.shape[1] = (k.layer == K_GROUP ? k.param : 1) * (1 + (int64_t)norm_test_pick(&state, 4));
    for (int d = 2; d < k.rank; d++)
      k.shape[d] = 2 + (int64_t)norm_test_pick(&state, k.rank == 3 ? 3000 : 60);
    k.affine = (int)norm_test_pick(&state, 2);
    k.relu = (int)norm_test_pick(&state, 3) == 0;
    k.residual = (int)norm_test_pick(&state, 3) == 0;
    k.training = 1;
    k.track = k.layer == K_INSTANCE && norm_test_pick(&state, 2);
    k.offset = norm_test_pick(&state, 2) ? 0 : 3;
    k.scale = norm_test_pick(&state, 2) ? 1.0 : 3.0;
    k.data_offset = (double)norm_test_pick(&state, 3) * 20.0 - 20.0;
    run_path(&k, (uint64_t)i * 7 + seed, label);
  }
}

Test(norm_paths, fused_on_and_off) {
  /* Every group through norm_fused, then every group through statistics + apply. */
  set_env("OCLNN_NORM_FUSED_MIN", "1");
  set_env("OCLNN_NORM_FUSED_MAX", "1000000000");
  group_sweep("fused", 77);
  set_env("OCLNN_NORM_FUSED_MIN", NULL);
  set_env("OCLNN_NORM_FUSED_MAX", "0");
  group_sweep("two-pass", 77);
  printf("norm_paths fused on/off: worst error/tolerance %.3f\n", norm_test_worst(1));
}

/* BatchNorm with batch statistics (training, or no running statistics) on (N, C, S > 1) input:
 * channels of a few floats to several thousand over the batch, odd spatial sizes, every option. */
static void batch_sweep(const char *label, uint64_t seed) {
  uint64_t state = seed;
  for (int i = 0; i < 24; i++) {
    path_case k;
    memset(&k, 0, sizeof k);
    k.layer = K_BATCH;
    k.rank = 3 + (int)norm_test_pick(&state, 3);
    k.shape[0] = 1 + (int64_t)norm_test_pick(&state, 4);
    k.shape[1] = 1 + (int64_t)norm_test_pick(&state, 5);
    for (int d = 2; d < k.rank; d++)
      k.shape[d] = 2 + (int64_t)norm_test_pick(&state, k.rank == 3 ? 3000 : k.rank == 4 ? 60 : 15);
    k.affine = (int)norm_test_pick(&state, 2);
    k.relu = (int)norm_test_pick(&state, 3) == 0;
    k.residual = (int)norm_test_pick(&state, 3) == 0;
    k.track = (int)norm_test_pick(&state, 3) != 0;
    k.training = k.track ? 1 : (int)norm_test_pick(&state, 2);
    k.offset = norm_test_pick(&state, 2) ? 0 : 5;
    k.scale = norm_test_pick(&state, 2) ? 1.0 : 3.0;
    k.data_offset = (double)norm_test_pick(&state, 3) * 20.0 - 20.0;
    run_path(&k, (uint64_t)i * 11 + seed, label);
  }
}

Test(norm_paths, batch_fused_on_and_off) {
  /* Every channel through norm_fused, then every channel through statistics + apply. */
  set_env("OCLNN_NORM_FUSED_MIN", "1");
  set_env("OCLNN_NORM_FUSED_MAX", "1000000000");
  batch_sweep("fused", 31);
  set_env("OCLNN_NORM_FUSED_MIN", NULL);
  set_env("OCLNN_NORM_FUSED_MAX", "0");
  batch_sweep("two-pass", 31);
  printf("norm_paths BatchNorm fused on/off: worst error/tolerance %.3f\n", norm_test_worst(1));
}

Test(norm_paths, fused_limits) {
  /* Default bounds: just below and above each. */
  const path_case cases[] = {
      {K_INSTANCE, 3, {2, 3, FUSED_MIN - 1}, 0, 1, 0, 1, 1, 1, 0, 1.0, 5.0},
      {K_INSTANCE, 3, {2, 3, FUSED_MIN}, 0, 1, 0, 1, 1, 1, 0, 1.0, 5.0},
      {K_INSTANCE, 3, {1, 2, FUSED_MAX}, 0, 1, 1, 0, 1, 1, 0, 1.0, -3.0},
      {K_INSTANCE, 3, {1, 2, FUSED_MAX + 1}, 0, 1, 1, 0, 1, 1, 0, 1.0, -3.0},
      {K_GROUP, 3, {2, 2, FUSED_MIN / 2}, 1, 1, 0, 1, 1, 0, 0, 2.0, 1.0},
      {K_GROUP, 3, {2, 2, FUSED_MIN / 2 + 1}, 1, 1, 0, 1, 1, 0, 0, 2.0, 1.0},
      {K_GROUP, 4, {1, 4, 512, 256}, 2, 1, 1, 1, 1, 0, 0, 1.0, 0.0},
      {K_GROUP, 3, {1, 1, FUSED_MAX + 1}, 1, 1, 0, 0, 1, 0, 0, 1.0, 0.0},
      {K_BATCH, 3, {2, 2, FUSED_MAX / 2}, 0, 1, 0, 1, 1, 1, 0, 1.0, 3.0},
      {K_BATCH, 3, {2, 2, FUSED_MAX / 2 + 1}, 0, 1, 0, 1, 1, 1, 0, 1.0, 3.0},
      {K_BATCH, 4, {1, 3, 16, 16}, 0, 1, 1, 0, 1, 1, 0, 1.0, 0.0},
      {K_BATCH, 4, {1, 3, 16, 17}, 0, 1, 1, 0, 1, 1, 0, 1.0, 0.0},
  };
  for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++)
    run_path(&cases[i], 500 + i, "default limits");
  printf("norm_paths fused limits: worst error/tolerance %.3f\n", norm_test_worst(1));
}

/* Every layer with an apply pass that has a special path, aligned and misaligned. */
static const path_case MIXED[] = {
    /* BatchNorm eval, one launch; (N, C) input keeps the parameter launch */
    {K_BATCH, 4, {2, 5, 24, 40}, 0, 1, 1, 1, 0, 1, 0, 1.0, 2.0},
    {K_BATCH, 4, {2, 5, 24, 40}, 0, 0, 0, 0, 0, 1, 3, 1.0, 2.0},
    {K_BATCH, 3, {3, 4, 1001}, 0, 1, 0, 0, 0, 1, 0, 2.0, -1.0},
    {K_BATCH, 2, {7, 33}, 0, 1, 0, 1, 0, 1, 0, 1.0, 0.0},
    /* BatchNorm training: fused per channel; channels above the fused limit: statistics, then
     * the apply in reverse channel order */
    {K_BATCH, 4, {3, 6, 32, 32}, 0, 1, 1, 1, 1, 1, 0, 1.0, 4.0},
    {K_BATCH, 3, {2, 3, 5003}, 0, 0, 0, 0, 1, 0, 5, 1.0, 0.0},
    {K_BATCH, 3, {3, 2, 87382}, 0, 1, 0, 1, 1, 1, 1, 1.0, 1.0},
    /* InstanceNorm / GroupNorm, fused and (huge planes) two-pass in reverse row order */
    {K_INSTANCE, 4, {2, 3, 40, 40}, 0, 1, 1, 1, 1, 1, 0, 1.0, 1.0},
    {K_INSTANCE, 3, {1, 2, 300007}, 0, 1, 0, 1, 1, 1, 1, 1.0, 1.0},
    {K_GROUP, 4, {2, 6, 17, 19}, 3, 1, 0, 1, 1, 0, 7, 1.0, 0.0},
    {K_GROUP, 3, {1, 2, 300000}, 1, 1, 1, 0, 1, 0, 8, 1.0, -2.0},
    /* LRN */
    {K_LRN, 4, {2, 9, 16, 33}, 5, 0, 0, 0, 0, 0, 0, 1.0, 0.0},
    {K_LRN, 3, {1, 7, 1000}, 3, 0, 0, 0, 0, 0, 2, 2.0, 0.0},
    /* LRN with one spatial element: the window along contiguous channels */
    {K_LRN, 3, {3, 1000, 1}, 11, 0, 0, 0, 0, 0, 0, 1.0, 0.0},
    {K_LRN, 4, {2, 777, 1, 1}, 4, 0, 0, 0, 0, 0, 3, 1.0, 0.0},
};

Test(norm_paths, streaming_stores) {
  set_env("OCLNN_NORM_STREAM_MIN", "0");
  for (size_t i = 0; i < sizeof MIXED / sizeof MIXED[0]; i++)
    run_path(&MIXED[i], 700 + i, "streaming");
  group_sweep("streaming", 91);
  printf("norm_paths streaming: worst error/tolerance %.3f\n", norm_test_worst(1));
}

Test(norm_paths, plain_stores) {
  set_env("OCLNN_NORM_STREAM_MIN", "1000000000000");
  for (size_t i = 0; i < sizeof MIXED / sizeof MIXED[0]; i++)
    run_path(&MIXED[i], 700 + i, "plain stores");
  printf("norm_paths plain stores: worst error/tolerance %.3f\n", norm_test_worst(1));
}
