/* Statistics on hard data, at sizes that take every statistics path, against the double
 * reference: 1e4 + N(0, 1) (a large mean and a small spread: E[x^2] - E[x]^2 in fp32 loses
 * every digit, an unshifted fp32 mean costs ~5e-4 per output), 1e-3 N(0, 1), channels whose
 * means differ by 1e4, and an outlier among a group's sampled elements. Then NaN and Inf
 * propagation on the long-row, column and eval paths.
 *
 * Tolerance: |got - want| <= 1e-5 + 1e-5 |want| on the normalised outputs (fp32 accuracy);
 * running means relative 1e-6 (they are ~1e4). */
#include "norm_reference.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define ATOL 1e-5
#define RTOL 1e-5

static oclnn_tensor upload(oclnn_context *ctx, int rank, const int64_t *shape, const float *x) {
  return test_tensor_from_host(ctx, rank, shape, x);
}

static void layer_norm_case(const char *what, int64_t rows, int64_t len, double scale,
                            double offset, uint64_t seed) {
  oclnn_context *ctx = test_context();
  const int64_t shape[2] = {rows, len};
  size_t count = (size_t)(rows * len);
  float *x = malloc(count * sizeof *x);
  double *want = malloc(count * sizeof *want);
  cr_assert(x && want);
  norm_test_normal(x, count, seed, scale, offset);
  oclnn_layer_norm_desc desc = oclnn_layer_norm_desc_default(1, &shape[1]);
  desc.elementwise_affine = 0;
  oclnn_layer_norm *layer = NULL;
  TEST_OK(ctx, oclnn_layer_norm_create(ctx, &desc, &layer));
  oclnn_tensor tx = upload(ctx, 2, shape, x), ty;
  TEST_OK(ctx, oclnn_tensor_alloc(ctx, 2, shape, &ty));
  TEST_OK(ctx, oclnn_layer_norm_forward(layer, &tx, NULL, NULL, NULL, &ty));
  norm_ref_layer(x, (size_t)rows, (size_t)len, 1e-5, NULL, NULL, NULL, 0, want);
  float *got = norm_test_download(ctx, &ty);
  norm_test_close(what, got, want, count, ATOL, RTOL);
  free(got);
  oclnn_layer_norm_free(layer);
  oclnn_tensor_free(&tx);
  oclnn_tensor_free(&ty);
  free(x);
  free(want);
}

Test(norm_numerics, layer_norm_hard_data) {
  /* one work-item per row, a work-group per row, work-groups merged (2.1M elements) */
  layer_norm_case("LN 1e4+N(0,1) short rows", 500, 200, 1.0, 1e4, 1);
  layer_norm_case("LN 1e4+N(0,1) 60k rows", 3, 60000, 1.0, 1e4, 2);
  layer_norm_case("LN 1e4+N(0,1) 2.1M row", 1, 2100000, 1.0, 1e4, 3);
  layer_norm_case("LN 1e-3 N(0,1) 2.1M row", 1, 2100000, 1e-3, 0.0, 4);
  layer_norm_case("LN -3e4+N(0,5) split rows", 7, 9000, 5.0, -3e4, 5);
  printf("norm_numerics LN: worst error/tolerance %.3f\n", norm_test_worst(1));
}

static void batch_norm_case(const char *what, int rank, const int64_t *shape, double scale,
                            double offset, double channel_step, uint64_t seed) {
  oclnn_context *ctx = test_context();
  size_t N = (size_t)shape[0], C = (size_t)shape[1], S = 1;
  for (int i = 2; i < rank; i++)
    S *= (size_t)shape[i];
  size_t count = N * C * S;
  float *x = malloc(count * sizeof *x), rm[16], rv[16];
  double *want = malloc(count * sizeof *want), rmd[16], rvd[16];
  cr_assert(x && want && C <= 16);
  norm_test_normal(x, count, seed, scale, offset);
  for (size_t i = 0; i < count; i++)
    x[i] += (float)(channel_step * (double)((i / S) % C));
  for (size_t c = 0; c < C; c++) {
    rm[c] = 0.0f;
    rv[c] = 1.0f;
    rmd[c] = 0.0;
    rvd[c] = 1.0;
  }
  oclnn_batch_norm_desc desc = oclnn_batch_norm_desc_default(rank == 2 ? 1 : rank - 2, (int64_t)C);
  desc.affine = 0;
  oclnn_batch_norm *layer = NULL;
  TEST_OK(ctx, oclnn_batch_norm_create(ctx, &desc, &layer));
  const int64_t cshape[1] = {(int64_t)C};
  oclnn_tensor tx = upload(ctx, rank, shape, x), ty;
  oclnn_tensor trm = upload(ctx, 1, cshape, rm), trv = upload(ctx, 1, cshape, rv);
  TEST_OK(ctx, oclnn_tensor_alloc(ctx, rank, shape, &ty));
  TEST_OK(ctx, oclnn_batch_norm_forward(layer, 1, &tx, NULL, NULL, &trm, &trv, NULL, NULL, &ty));
  norm_ref_batch(x, N, C, S, 1e-5, 1, NULL, NULL, rmd, rvd, 1, 0.1, NULL, 0, want);
  float *got = norm_test_download(ctx, &ty);
  norm_test_close(what, got, want, count, ATOL, RTOL);
  float *grm = norm_test_download(ctx, &trm), *grv = norm_test_download(ctx, &trv);
  norm_test_close(what, grm, rmd, C, 1e-6, 1e-6);
  norm_test_close(what, grv, rvd, C, 1e-5, 1e-5);
  free(got);
  free(grm);
  free(grv);
  oclnn_batch_norm_free(layer);
  oclnn_tensor_free(&tx);
  oclnn_tensor_free(&ty);
  oclnn_tensor_free(&trm);
  oclnn_tensor_free(&trv);
  free(x);
  free(want);
}

Test(norm_numerics, batch_norm_hard_data) {
  const int64_t cols[2] = {20000, 13}, split[3] = {4, 3, 100000}, small[4] = {8, 5, 6, 7};
  batch_norm_case("BN columns 1e4+N(0,1)", 2, cols, 1.0, 1e4, 0.0, 11);
  batch_norm_case("BN split 1e4+N(0,1)", 3, split, 1.0, 1e4, 0.0, 12);
  batch_norm_case("BN channels 1e4 apart", 4, small, 1.0, 0.0, 1e4, 13);
  batch_norm_case("BN columns channels 1e4 apart", 2, cols, 1.0, -5e3, 1e4, 14);
  batch_norm_case("BN 1e-3 N(0,1)", 3, split, 1e-3, 0.0, 0.0, 15);
  printf("norm_numerics BN: worst error/tolerance %.3f\n", norm_test_worst(1));
}

Test(norm_numerics, group_instance_switchable_hard_data) {
  oclnn_context *ctx = test_context();
  const int64_t shape[4] = {2, 4, 150, 151};
  size_t N = 2, C = 4, S = 150 * 151, count = N * C * S;
  float *x = malloc(count * sizeof *x);
  double *want = malloc(count * sizeof *want);
  cr_assert(x && want);
  norm_test_normal(x, count, 21, 1.0, 1e4);
  oclnn_tensor tx = upload(ctx, 4, shape, x), ty;
  TEST_OK(ctx, oclnn_tensor_alloc(ctx, 4, shape, &ty));

  oclnn_group_norm_desc gd = oclnn_group_norm_desc_default(2, 4);
  gd.affine = 0;
  oclnn_group_norm *gn = NULL;
  TEST_OK(ctx, oclnn_group_norm_create(ctx, &gd, &gn));
  TEST_OK(ctx, oclnn_group_norm_forward(gn, &tx, NULL, NULL, NULL, &ty));
  norm_ref_group(x, N, C, S, 2, 1e-5, NULL, NULL, NULL, 0, want);
  float *got = norm_test_download(ctx, &ty);
  norm_test_close("GN 1e4+N(0,1)", got, want, count, ATOL, RTOL);
  free(got);
  oclnn_group_norm_free(gn);

  oclnn_instance_norm_desc id = oclnn_instance_norm_desc_default(2, 4);
  oclnn_instance_norm *in = NULL;
  TEST_OK(ctx, oclnn_instance_norm_create(ctx, &id, &in));
  TEST_OK(ctx, oclnn_instance_norm_forward(in, 1, &tx, NULL, NULL, NULL, NULL, NULL, &ty));
  norm_ref_instance(x, N, C, S, 1e-5, 1, NULL, NULL, NULL, NULL, 0, 0.1, NULL, 0, want);
  got = norm_test_download(ctx, &ty);
  norm_test_close("IN 1e4+N(0,1)", got, want, count, ATOL, RTOL);
  free(got);
  oclnn_instance_norm_free(in);

  /* SwitchableNorm: per-channel means 1e4 apart too, so LN and BN statistics mix them. */
  for (size_t i = 0; i < count; i++)
    x[i] += (float)(1e4 * (double)((i / S) % C));
  TEST_OK(ctx, oclnn_tensor_upload(ctx, &tx, x, count));
  oclnn_switchable_norm_desc sd = oclnn_switchable_norm_desc_default(2, 4);
  oclnn_switchable_norm *sn = NULL;
  TEST_OK(ctx, oclnn_switchable_norm_create(ctx, &sd, &sn));
  const int64_t cshape[1] = {4}, lshape[1] = {3};
  float w[4] = {1, 1, 1, 1}, b[4] = {0, 0, 0, 0}, rm[4] = {0, 0, 0, 0}, rv[4] = {1, 1, 1, 1};
  float mw[3] = {0.3f, -0.2f, 0.1f}, vw[3] = {-0.5f, 0.4f, 0.2f};
  double rmd[4] = {0, 0, 0, 0}, rvd[4] = {1, 1, 1, 1};
  oclnn_tensor tw = upload(ctx, 1, cshape, w), tb = upload(ctx, 1, cshape, b);
  oclnn_tensor trm = upload(ctx, 1, cshape, rm), trv = upload(ctx, 1, cshape, rv);
  oclnn_tensor tmw = upload(ctx, 1, lshape, mw), tvw = upload(ctx, 1, lshape, vw);
  TEST_OK(ctx,
          oclnn_switchable_norm_forward(sn, 1, &tx, &tw, &tb, &tmw, &tvw, &trm, &trv, NULL, &ty));
  norm_ref_switchable(x, N, C, S, 1e-5, 1, 1, 1, 0.9, w, b, mw, vw, rmd, rvd, NULL, 0, want);
  got = norm_test_download(ctx, &ty);
  /* Outputs here are O(1e4 / sqrt(var_mix)) apart per channel; relative accuracy as before. */
  norm_test_close("SN channels 1e4 apart", got, want, count, ATOL, RTOL);
  free(got);
  float *grm = norm_test_download(ctx, &trm), *grv = norm_test_download(ctx, &trv);
  norm_test_close("SN running mean", grm, rmd, 4, 1e-6, 1e-6);
  norm_test_close("SN running var", grv, rvd, 4, 1e-5, 1e-5);
  free(grm);
  free(grv);
  oclnn_switchable_norm_free(sn);
  oclnn_tensor *all[] = {&tx, &ty, &tw, &tb, &trm, &trv, &tmw, &tvw};
  for (size_t i = 0; i < sizeof all / sizeof all[0]; i++)
    oclnn_tensor_free(all[i]);
  free(x);
  free(want);
  printf("norm_numerics GN/IN/SN: worst error/tolerance %.3f\n", norm_test_worst(1));
}

/* An outlier as a group's first element (one of the samples the shift is taken from). */
Test(norm_numerics, outlier_first) {
  oclnn_context *ctx = test_context();
  const int64_t shape[2] = {4, 50000};
  size_t count = 200000;
  float *x = malloc(count * sizeof *x);
  double *want = malloc(count * sizeof *want);
  cr_assert(x && want);
  norm_test_normal(x, count, 31, 1.0, 100.0);
  x[0] = 1e6f;
  x[50000] = -1e7f;
  x[50000 + 25000] = 3e5f;
  oclnn_layer_norm_desc desc = oclnn_layer_norm_desc_default(1, &shape[1]);
  desc.elementwise_affine = 0;
  oclnn_layer_norm *layer = NULL;
  TEST_OK(ctx, oclnn_layer_norm_create(ctx, &desc, &layer));
  oclnn_tensor tx = upload(ctx, 2, shape, x), ty;
  TEST_OK(ctx, oclnn_tensor_alloc(ctx, 2, shape, &ty));
  TEST_OK(ctx, oclnn_layer_norm_forward(layer, &tx, NULL, NULL, NULL, &ty));
  norm_ref_layer(x, 4, 50000, 1e-5, NULL, NULL, NULL, 0, want);
  float *got = norm_test_download(ctx, &ty);
  norm_test_close("LN outliers", got, want, count, ATOL, RTOL);
  free(got);
  oclnn_layer_norm_free(layer);
  oclnn_tensor_free(&tx);
  oclnn_tensor_free(&ty);
  free(x);
  free(want);
}

static int all_nan(const float *v, size_t n) {
  for (size_t i = 0; i < n; i++)
    if (!isnan(v[i]))
      return 0;
  return 1;
}

static int all_finite(const float *v, size_t n) {
  for (size_t i = 0; i < n; i++)
    if (!isfinite(v[i]))
      return 0;
  return 1;
}

/* NaN/Inf in a group makes its outputs NaN (torch: the mean or variance is NaN), other groups
 * stay finite; with fused ReLU NaN stays NaN (torch.relu keeps it); eval BatchNorm is
 * elementwise, so only the non-finite element itself is. */
Test(norm_numerics, nonfinite_propagation) {
  oclnn_context *ctx = test_context();
  /* LayerNorm: three long rows (split path), NaN in row 0, +Inf in row 2, ReLU fused. */
  const int64_t lshape[2] = {3, 70000};
  size_t count = 210000;
  float *x = malloc(count * sizeof *x);
  cr_assert(x);
  norm_test_normal(x, count, 41, 1.0, 0.0);
  x[12345] = NAN;
  x[140000 + 69999] = INFINITY;
  oclnn_layer_norm_desc ld = oclnn_layer_norm_desc_default(1, &lshape[1]);
  ld.fuse_relu = 1;
  ld.elementwise_affine = 0;
  oclnn_layer_norm *ln = NULL;
  TEST_OK(ctx, oclnn_layer_norm_create(ctx, &ld, &ln));
  oclnn_tensor tx = upload(ctx, 2, lshape, x), ty;
  TEST_OK(ctx, oclnn_tensor_alloc(ctx, 2, lshape, &ty));
  TEST_OK(ctx, oclnn_layer_norm_forward(ln, &tx, NULL, NULL, NULL, &ty));
  float *got = norm_test_download(ctx, &ty);
  cr_assert(all_nan(got, 70000), "row with NaN is not all NaN");
  cr_assert(all_finite(got + 70000, 70000), "clean row is not finite");
  cr_assert(all_nan(got + 140000, 70000), "row with Inf is not all NaN");
  free(got);
  oclnn_layer_norm_free(ln);
  oclnn_tensor_free(&tx);
  oclnn_tensor_free(&ty);

  /* BatchNorm on (N, C): the column path; -Inf in column 3, NaN in column 8. */
  const int64_t bshape[2] = {3000, 10}, cshape[1] = {10};
  count = 30000;
  norm_test_normal(x, count, 42, 1.0, 0.0);
  x[1500 * 10 + 3] = -INFINITY;
  x[2999 * 10 + 8] = NAN;
  oclnn_batch_norm_desc bd = oclnn_batch_norm_desc_default(1, 10);
  bd.affine = 0;
  bd.track_running_stats = 0;
  oclnn_batch_norm *bn = NULL;
  TEST_OK(ctx, oclnn_batch_norm_create(ctx, &bd, &bn));
  tx = upload(ctx, 2, bshape, x);
  TEST_OK(ctx, oclnn_tensor_alloc(ctx, 2, bshape, &ty));
  TEST_OK(ctx, oclnn_batch_norm_forward(bn, 1, &tx, NULL, NULL, NULL, NULL, NULL, NULL, &ty));
  got = norm_test_download(ctx, &ty);
  for (size_t n = 0; n < 3000; n++)
    for (size_t c = 0; c < 10; c++) {
      float v = got[n * 10 + c];
      if (c == 3 || c == 8)
        cr_assert(isnan(v), "column %zu row %zu is %g, expected NaN", c, n, (double)v);
      else
        cr_assert(isfinite(v), "column %zu row %zu is %g", c, n, (double)v);
    }
  free(got);
  oclnn_batch_norm_free(bn);

  /* Eval with running statistics: elementwise. */
  bd.track_running_stats = 1;
  TEST_OK(ctx, oclnn_batch_norm_create(ctx, &bd, &bn));
  float ones[10] = {1, 1, 1, 1, 1, 1, 1, 1, 1, 1}, zeros[10] = {0};
  oclnn_tensor trm = upload(ctx, 1, cshape, zeros), trv = upload(ctx, 1, cshape, ones);
  TEST_OK(ctx, oclnn_batch_norm_forward(bn, 0, &tx, NULL, NULL, &trm, &trv, NULL, NULL, &ty));
  got = norm_test_download(ctx, &ty);
  for (size_t i = 0; i < count; i++) {
    if (i == 1500 * 10 + 3)
      cr_assert(isinf(got[i]) && got[i] < 0, "-Inf input gave %g", (double)got[i]);
    else if (i == 2999 * 10 + 8)
      cr_assert(isnan(got[i]));
    else
      cr_assert(isfinite(got[i]));
  }
  free(got);
  oclnn_batch_norm_free(bn);
  oclnn_tensor_free(&tx);
  oclnn_tensor_free(&ty);
  oclnn_tensor_free(&trm);
  oclnn_tensor_free(&trv);
  free(x);
}
