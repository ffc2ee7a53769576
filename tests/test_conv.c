/* Convolution: the public API, the table of invalid inputs (exact status, output untouched), and
 * the committed PyTorch cases of tests/data/conv_cases.txt (tools/gen_conv_cases.py) run through
 * every algorithm that can take them.
 *
 * PyTorch's refusals and oclnn's statuses:
 *   ValueError "in_channels/out_channels must be divisible by groups",
 *   ValueError "padding='same' is not supported for strided convolutions"
 *     -> OCLNN_ERR_INVALID_VALUE from oclnn_conv_create;
 *   RuntimeError "Kernel size can't be greater than actual input size", "Padding size should be
 *   less than the corresponding input dimension" (reflect), "Padding value causes wrapping
 *   around more than once" (circular), "expected input ... to have N channels", "Expected 3D
 *   (unbatched) or 4D (batched) input", "Only zero batch or zero channel inputs are supported"
 *     -> OCLNN_ERR_INVALID_SHAPE from oclnn_conv_output_shape and oclnn_conv_forward.
 * Tolerance against torch: atol 1e-4, rtol 1e-4 (winograd 1e-3). */
#include "conv_reference.h"
#include "test_support.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* ------------------------------------------------------------------------------------------ */
/* Small helpers                                                                              */
/* ------------------------------------------------------------------------------------------ */

static oclnn_conv *make_conv(oclnn_context *ctx, const oclnn_conv_desc *desc) {
  oclnn_conv *conv = NULL;
  TEST_OK(ctx, oclnn_conv_create(ctx, desc, &conv));
  cr_assert_not_null(conv);
  return conv;
}

static oclnn_tensor alloc_filled(oclnn_context *ctx, int rank, const int64_t *shape, float value) {
  size_t count = test_numel(rank, shape);
  float *host = malloc((count ? count : 1) * sizeof *host);
  cr_assert(host);
  for (size_t i = 0; i < count; i++)
    host[i] = value;
  oclnn_tensor t = test_tensor_from_host(ctx, rank, shape, host);
  free(host);
  return t;
}

/* Asserts that every element of t equals value. */
static void assert_all(oclnn_context *ctx, const oclnn_tensor *t, float value, const char *what) {
  size_t count = test_numel(t->rank, t->shape);
  float *host = malloc((count ? count : 1) * sizeof *host);
  cr_assert(host);
  TEST_OK(ctx, oclnn_tensor_download(ctx, t, host, count));
  for (size_t i = 0; i < count; i++)
    cr_assert(host[i] == value, "%s: element %zu is %g, expected untouched %g", what, i, host[i],
              value);
  free(host);
}

/* ------------------------------------------------------------------------------------------ */
/* API                                                                                        */
/* ------------------------------------------------------------------------------------------ */

Test(conv_api, desc_default_is_pytorch_default) {
  oclnn_conv_desc d = oclnn_conv_desc_default(2, 3, 8, 5);
  cr_assert_eq(d.dims, 2);
  cr_assert_eq(d.in_channels, 3);
  cr_assert_eq(d.out_channels, 8);
  for (int i = 0; i < 3; i++) {
    cr_assert_eq(d.kernel_size[i], 5);
    cr_assert_eq(d.stride[i], 1);
    cr_assert_eq(d.padding[i], 0);
    cr_assert_eq(d.dilation[i], 1);
  }
  cr_assert_eq(d.padding_type, OCLNN_CONV_PADDING_EXPLICIT);
  cr_assert_eq(d.groups, 1);
  cr_assert(d.bias);
  cr_assert_eq(d.padding_mode, OCLNN_CONV_ZEROS);
  cr_assert_eq(d.algo, OCLNN_CONV_ALGO_AUTO);
}

Test(conv_api, algo_names) {
  cr_assert_str_eq(oclnn_conv_algo_name(OCLNN_CONV_ALGO_AUTO), "auto");
  cr_assert_str_eq(oclnn_conv_algo_name(OCLNN_CONV_ALGO_GENERIC), "generic");
  cr_assert_str_eq(oclnn_conv_algo_name(OCLNN_CONV_ALGO_DIRECT), "direct");
  cr_assert_str_eq(oclnn_conv_algo_name(OCLNN_CONV_ALGO_DEPTHWISE), "depthwise");
  cr_assert_str_eq(oclnn_conv_algo_name(OCLNN_CONV_ALGO_GEMM), "gemm");
  cr_assert_str_eq(oclnn_conv_algo_name(OCLNN_CONV_ALGO_WINOGRAD), "winograd");
  cr_assert_str_eq(oclnn_conv_algo_name((oclnn_conv_algo)99), "unknown");
}

Test(conv_api, null_arguments) {
  oclnn_context *ctx = test_context();
  oclnn_conv_desc d = oclnn_conv_desc_default(2, 2, 2, 3);
  oclnn_conv *conv = (oclnn_conv *)&d; /* must be reset to NULL on failure */
  cr_assert_eq(oclnn_conv_create(NULL, &d, &conv), OCLNN_ERR_NULL_ARGUMENT);
  cr_assert_eq(oclnn_conv_create(ctx, NULL, &conv), OCLNN_ERR_NULL_ARGUMENT);
  cr_assert_eq(oclnn_conv_create(ctx, &d, NULL), OCLNN_ERR_NULL_ARGUMENT);
  cr_assert_str_neq(oclnn_context_error(ctx), "");
  oclnn_conv_free(NULL);
  conv = make_conv(ctx, &d);
  int64_t shape[4] = {1, 2, 5, 5}, out[4];
  cr_assert_eq(oclnn_conv_output_shape(NULL, 4, shape, out), OCLNN_ERR_NULL_ARGUMENT);
  cr_assert_eq(oclnn_conv_output_shape(conv, 4, NULL, out), OCLNN_ERR_NULL_ARGUMENT);
  cr_assert_eq(oclnn_conv_output_shape(conv, 4, shape, NULL), OCLNN_ERR_NULL_ARGUMENT);
  oclnn_conv_algo algo;
  cr_assert_eq(oclnn_conv_algorithm(NULL, &algo), OCLNN_ERR_NULL_ARGUMENT);
  cr_assert_eq(oclnn_conv_algorithm(conv, NULL), OCLNN_ERR_NULL_ARGUMENT);
  oclnn_tensor t;
  memset(&t, 0, sizeof t);
  cr_assert_eq(oclnn_conv_forward(NULL, &t, &t, &t, &t), OCLNN_ERR_NULL_ARGUMENT);
  cr_assert_eq(oclnn_conv_forward(conv, NULL, &t, &t, &t), OCLNN_ERR_NULL_ARGUMENT);
  cr_assert_eq(oclnn_conv_forward(conv, &t, &t, &t, NULL), OCLNN_ERR_NULL_ARGUMENT);
  cr_assert_eq(oclnn_conv_prepare_weights(NULL, &t, &t), OCLNN_ERR_NULL_ARGUMENT);
  cr_assert_eq(oclnn_conv_prepare_weights(conv, NULL, &t), OCLNN_ERR_NULL_ARGUMENT);
  oclnn_conv_free(conv);
}

Test(conv_api, output_shape_follows_pytorch) {
  oclnn_context *ctx = test_context();
  oclnn_conv_desc d = oclnn_conv_desc_default(2, 3, 8, 3);
  d.stride[0] = 2;
  d.padding[0] = 1;
  d.padding[1] = 2;
  d.dilation[1] = 2;
  oclnn_conv *conv = make_conv(ctx, &d);
  const int64_t in[4] = {4, 3, 11, 10}, in_unbatched[3] = {3, 11, 10};
  int64_t out[5];
  TEST_OK(ctx, oclnn_conv_output_shape(conv, 4, in, out));
  /* H: floor((11 + 2 - 3) / 2) + 1 = 6; W: (10 + 4 - 5) / 1 + 1 = 10. */
  cr_assert(out[0] == 4 && out[1] == 8 && out[2] == 6 && out[3] == 10);
  TEST_OK(ctx, oclnn_conv_output_shape(conv, 3, in_unbatched, out));
  cr_assert(out[0] == 8 && out[1] == 6 && out[2] == 10);
  oclnn_conv_free(conv);

  d = oclnn_conv_desc_default(1, 2, 2, 4);
  d.padding_type = OCLNN_CONV_PADDING_SAME;
  d.dilation[0] = 3;
  conv = make_conv(ctx, &d);
  const int64_t in1[3] = {1, 2, 9};
  TEST_OK(ctx, oclnn_conv_output_shape(conv, 3, in1, out));
  cr_assert_eq(out[2], 9);
  oclnn_conv_free(conv);

  d = oclnn_conv_desc_default(3, 2, 5, 2);
  d.padding_type = OCLNN_CONV_PADDING_VALID;
  d.padding[0] = 7; /* ignored for "valid" */
  conv = make_conv(ctx, &d);
  const int64_t in3[5] = {0, 2, 2, 3, 4};
  TEST_OK(ctx, oclnn_conv_output_shape(conv, 5, in3, out));
  cr_assert(out[0] == 0 && out[1] == 5 && out[2] == 1 && out[3] == 2 && out[4] == 3);
  oclnn_conv_free(conv);
}

Test(conv_api, forced_algorithm_is_used_or_refused) {
  oclnn_context *ctx = test_context();
  oclnn_conv_desc d = oclnn_conv_desc_default(2, 4, 4, 3);
  d.algo = OCLNN_CONV_ALGO_GENERIC;
  oclnn_conv *conv = make_conv(ctx, &d);
  oclnn_conv_algo algo = OCLNN_CONV_ALGO_AUTO;
  TEST_OK(ctx, oclnn_conv_algorithm(conv, &algo));
  cr_assert_eq(algo, OCLNN_CONV_ALGO_GENERIC);
  oclnn_conv_free(conv);
  /* Depthwise on a dense convolution, gemm on a 3x3 kernel: not applicable. */
  d.algo = OCLNN_CONV_ALGO_DEPTHWISE;
  conv = (oclnn_conv *)&d;
  cr_assert_eq(oclnn_conv_create(ctx, &d, &conv), OCLNN_ERR_UNSUPPORTED);
  cr_assert_null(conv);
  d.algo = OCLNN_CONV_ALGO_GEMM;
  cr_assert_eq(oclnn_conv_create(ctx, &d, &conv), OCLNN_ERR_UNSUPPORTED);
  d.algo = (oclnn_conv_algo)42;
  cr_assert_eq(oclnn_conv_create(ctx, &d, &conv), OCLNN_ERR_INVALID_VALUE);
  /* AUTO never reports AUTO. */
  d.algo = OCLNN_CONV_ALGO_AUTO;
  conv = make_conv(ctx, &d);
  TEST_OK(ctx, oclnn_conv_algorithm(conv, &algo));
  cr_assert_neq(algo, OCLNN_CONV_ALGO_AUTO);
  oclnn_conv_free(conv);
}

Test(conv_api, environment_forces_auto_layers) {
  oclnn_context *ctx = test_context();
  oclnn_conv_desc d = oclnn_conv_desc_default(2, 4, 4, 3);
  setenv("OCLNN_CONV_ALGO", "generic", 1);
  oclnn_conv *conv = make_conv(ctx, &d);
  oclnn_conv_algo algo = OCLNN_CONV_ALGO_AUTO;
  TEST_OK(ctx, oclnn_conv_algorithm(conv, &algo));
  cr_assert_eq(algo, OCLNN_CONV_ALGO_GENERIC);
  oclnn_conv_free(conv);
  /* Not applicable: the automatic choice instead. */
  setenv("OCLNN_CONV_ALGO", "gemm", 1);
  conv = make_conv(ctx, &d);
  TEST_OK(ctx, oclnn_conv_algorithm(conv, &algo));
  cr_assert_neq(algo, OCLNN_CONV_ALGO_GEMM);
  oclnn_conv_free(conv);
  /* An explicit choice wins over the environment. */
  setenv("OCLNN_CONV_ALGO", "direct", 1);
  d.algo = OCLNN_CONV_ALGO_GENERIC;
  conv = make_conv(ctx, &d);
  TEST_OK(ctx, oclnn_conv_algorithm(conv, &algo));
  cr_assert_eq(algo, OCLNN_CONV_ALGO_GENERIC);
  oclnn_conv_free(conv);
  /* A misspelt name is an error, not silently ignored. */
  d.algo = OCLNN_CONV_ALGO_AUTO;
  setenv("OCLNN_CONV_ALGO", "fastest", 1);
  conv = (oclnn_conv *)&d;
  cr_assert_eq(oclnn_conv_create(ctx, &d, &conv), OCLNN_ERR_INVALID_VALUE);
  cr_assert_null(conv);
  cr_assert(strstr(oclnn_context_error(ctx), "OCLNN_CONV_ALGO") != NULL);
  unsetenv("OCLNN_CONV_ALGO");
}

/* Prepared weights are a snapshot: the caller's buffers may change afterwards; preparing again
 * replaces them; per-call weights still work on a prepared layer. */
Test(conv_api, prepared_weights_are_a_snapshot) {
  oclnn_context *ctx = test_context();
  oclnn_conv_desc d = oclnn_conv_desc_default(1, 2, 3, 3);
  d.padding[0] = 1;
  oclnn_conv *conv = make_conv(ctx, &d);
  const int64_t in_shape[3] = {1, 2, 5}, out_shape[3] = {1, 3, 5}, w_shape[3] = {3, 2, 3},
                b_shape[1] = {3};
  oclnn_tensor in = alloc_filled(ctx, 3, in_shape, 1.0f);
  oclnn_tensor out = alloc_filled(ctx, 3, out_shape, -7.0f);
  oclnn_tensor w = alloc_filled(ctx, 3, w_shape, 0.5f);
  oclnn_tensor b = alloc_filled(ctx, 1, b_shape, 2.0f);
  /* Without prepared weights, NULL weights are refused and nothing is written. */
  cr_assert_eq(oclnn_conv_forward(conv, &in, NULL, NULL, &out), OCLNN_ERR_NULL_ARGUMENT);
  assert_all(ctx, &out, -7.0f, "unprepared");
  TEST_OK(ctx, oclnn_conv_prepare_weights(conv, &w, &b));
  oclnn_tensor w2 = alloc_filled(ctx, 3, w_shape, 0.25f);
  /* Overwrite the caller's weights: the prepared copy must not change. */
  float ones[18];
  for (int i = 0; i < 18; i++)
    ones[i] = 100.0f;
  TEST_OK(ctx, oclnn_tensor_upload(ctx, &w, ones, 18));
  TEST_OK(ctx, oclnn_conv_forward(conv, &in, NULL, NULL, &out));
  float got[15];
  TEST_OK(ctx, oclnn_tensor_download(ctx, &out, got, 15));
  for (int k = 0; k < 3; k++)
    for (int x = 0; x < 5; x++) {
      int taps = (x == 0 || x == 4) ? 2 : 3;
      cr_assert_float_eq(got[k * 5 + x], 2.0f + 0.5f * 2 * taps, 1e-6);
    }
  /* Per-call weights on the same layer. */
  TEST_OK(ctx, oclnn_conv_forward(conv, &in, &w2, &b, &out));
  TEST_OK(ctx, oclnn_tensor_download(ctx, &out, got, 15));
  cr_assert_float_eq(got[2], 2.0f + 0.25f * 6, 1e-6);
  /* Prepare again: replaced. */
  TEST_OK(ctx, oclnn_conv_prepare_weights(conv, &w2, &b));
  TEST_OK(ctx, oclnn_conv_forward(conv, &in, NULL, NULL, &out));
  TEST_OK(ctx, oclnn_tensor_download(ctx, &out, got, 15));
  cr_assert_float_eq(got[2], 2.0f + 0.25f * 6, 1e-6);
  /* Bias without weight is ambiguous: refused. */
  cr_assert_eq(oclnn_conv_forward(conv, &in, NULL, &b, &out), OCLNN_ERR_INVALID_VALUE);
  oclnn_conv_free(conv);
  oclnn_tensor_free(&in);
  oclnn_tensor_free(&out);
  oclnn_tensor_free(&w);
  oclnn_tensor_free(&w2);
  oclnn_tensor_free(&b);
}

/* A layer runs many times and several layers share the context (and its scratch arena). */
Test(conv_api, many_runs_and_layers) {
  oclnn_context *ctx = test_context();
  oclnn_conv_desc d1 = oclnn_conv_desc_default(2, 3, 16, 3),
                  d2 = oclnn_conv_desc_default(2, 16, 8, 1);
  d1.padding[0] = d1.padding[1] = 1;
  d1.padding_mode = OCLNN_CONV_REFLECT;
  for (int round = 0; round < 3; round++) {
    conv_check_options o;
    memset(&o, 0, sizeof o);
    o.atol = o.rtol = 1e-4;
    o.prepared = round == 1;
    const int64_t s1[4] = {2, 3, 20, 37}, s2[4] = {1, 16, 9, 40};
    conv_check(ctx, &d1, 4, s1, 11 + (uint64_t)round, &o);
    conv_check(ctx, &d2, 4, s2, 21 + (uint64_t)round, &o);
  }
}

/* Depthwise kernels taller than the sweeps' (at most 5): 7 rows (the tallest the kernel builds
 * in, each staged row loaded once for all its taps) and 9 (a run-time height), with kernel widths
 * other than the height, over enough rows for full and partial blocks. */
Test(conv_api, depthwise_tall_kernels) {
  oclnn_context *ctx = test_context();
  static const int64_t heights[] = {7, 9}, widths[] = {5, 3};
  for (int i = 0; i < 2; i++) {
    conv_check_options o;
    memset(&o, 0, sizeof o);
    o.atol = o.rtol = 1e-4;
    oclnn_conv_desc d = oclnn_conv_desc_default(2, 6, 12, 1);
    d.groups = 6; /* channel multiplier 2 */
    d.kernel_size[0] = heights[i];
    d.kernel_size[1] = widths[i];
    d.padding[0] = 3;
    d.padding[1] = 2;
    d.padding_mode = i == 0 ? OCLNN_CONV_ZEROS : OCLNN_CONV_REFLECT;
    d.algo = OCLNN_CONV_ALGO_DEPTHWISE;
    const int64_t shape[4] = {2, 6, 45, 21};
    cr_assert_eq(conv_check(ctx, &d, 4, shape, 51 + (uint64_t)i, &o), CONV_CHECK_RAN);
  }
}

/* Layers large enough that a depthwise work-item runs several blocks of output rows, with
 * partial blocks (rows not a multiple of 4) and blocks crossing from one depth plane to the next
 * (3d), in every padding mode: the sweeps' small layers run one block per work-item. */
Test(conv_api, depthwise_blocks_per_item) {
  oclnn_context *ctx = test_context();
  for (int mode = OCLNN_CONV_ZEROS; mode <= OCLNN_CONV_CIRCULAR; mode++) {
    conv_check_options o;
    memset(&o, 0, sizeof o);
    o.atol = o.rtol = 1e-4;
    o.prepared = mode % 2 == 1;
    oclnn_conv_desc d2 = oclnn_conv_desc_default(2, 32, 32, 3),
                    d3 = oclnn_conv_desc_default(3, 16, 32, 3);
    d2.groups = 32;
    d3.groups = 16; /* channel multiplier 2 */
    for (int i = 0; i < 3; i++) {
      d2.padding[i] = 1;
      d3.padding[i] = i == 1 ? 2 : 1;
    }
    d2.algo = d3.algo = OCLNN_CONV_ALGO_DEPTHWISE;
    d2.padding_mode = d3.padding_mode = (oclnn_conv_padding_mode)mode;
    const int64_t s2[4] = {1, 32, 70, 33}, s3[5] = {2, 16, 5, 37, 23};
    cr_assert_eq(conv_check(ctx, &d2, 4, s2, 31 + (uint64_t)mode, &o), CONV_CHECK_RAN);
    cr_assert_eq(conv_check(ctx, &d3, 5, s3, 41 + (uint64_t)mode, &o), CONV_CHECK_RAN);
  }
}

/* Winograd with dilation (run as dilation_h x dilation_w phases): odd sizes, phases with fewer
 * outputs than others or none at all, batches, "same" padding, every padding mode, a row wide
 * enough for tile groups wholly inside the input; and AUTO picks it for a wide enough dilation-2
 * layer on devices with 8-lane native float vectors, and on 16-lane ones where its fused kernel
 * takes the layer (else direct's 16-channel tiles, faster than the banded path there). The
 * sweeps have no dilated 3x3 layer it takes. */
Test(conv_api, winograd_dilated) {
  oclnn_context *ctx = test_context();
  static const struct {
    int64_t dilation[2], padding[2];
    bool same;
    int64_t shape[4];
  } cases[] = {
      {{2, 2}, {2, 1}, false, {2, 5, 19, 23}},
      {{1, 3}, {1, 3}, false, {1, 5, 17, 30}},
      {{3, 2}, {0, 0}, true, {2, 5, 13, 11}},
      {{3, 3}, {0, 0}, false, {1, 5, 8, 7}},
      {{2, 4}, {1, 2}, false, {1, 5, 40, 37}},
      /* Dilation 2 along rows wide enough for 8-tile groups wholly inside the input (the fused
       * kernel's paired column phases read them as one run of vector loads). */
      {{1, 2}, {1, 2}, false, {1, 5, 9, 150}},
  };
  for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
    for (int mode = OCLNN_CONV_ZEROS; mode <= OCLNN_CONV_CIRCULAR; mode++) {
      oclnn_conv_desc d = oclnn_conv_desc_default(2, 5, 7, 3);
      for (int a = 0; a < 2; a++) {
        d.dilation[a] = cases[i].dilation[a];
        d.padding[a] = cases[i].padding[a];
      }
      if (cases[i].same)
        d.padding_type = OCLNN_CONV_PADDING_SAME;
      d.padding_mode = (oclnn_conv_padding_mode)mode;
      d.algo = OCLNN_CONV_ALGO_WINOGRAD;
      conv_check_options o;
      memset(&o, 0, sizeof o);
      o.atol = o.rtol = 1e-3;
      o.prepared = (i + (size_t)mode) % 2 == 1;
      cr_assert_eq(conv_check(ctx, &d, 4, cases[i].shape, 51 + 4 * i + (uint64_t)mode, &o),
                   CONV_CHECK_RAN);
    }
  }
  oclnn_conv_desc d = oclnn_conv_desc_default(2, 32, 16, 3);
  d.dilation[0] = d.dilation[1] = 2;
  d.padding[0] = d.padding[1] = 2;
  oclnn_conv *conv = make_conv(ctx, &d);
  oclnn_conv_algo algo = OCLNN_CONV_ALGO_AUTO;
  cr_assert_eq(oclnn_conv_algorithm(conv, &algo), OCLNN_SUCCESS);
  cl_uint width = 0;
  cr_assert_eq(clGetDeviceInfo(oclnn_context_cl_device(ctx), CL_DEVICE_NATIVE_VECTOR_WIDTH_FLOAT,
                               sizeof width, &width, NULL),
               CL_SUCCESS);
  /* On 16-lane devices only where Winograd's fused kernel takes the layer: 36 x 16 floats per
   * input channel (rounded up to odd counts, 33) and per channel of a 16-channel block (17)
   * within half the local memory. */
  cl_ulong local_mem = 0;
  cr_assert_eq(clGetDeviceInfo(oclnn_context_cl_device(ctx), CL_DEVICE_LOCAL_MEM_SIZE,
                               sizeof local_mem, &local_mem, NULL),
               CL_SUCCESS);
  const bool fused = local_mem / 2 >= (cl_ulong)36 * 16 * sizeof(float) * (33 + 17);
  cr_assert_eq(algo, width < 16 || fused ? OCLNN_CONV_ALGO_WINOGRAD : OCLNN_CONV_ALGO_DIRECT);
  oclnn_conv_free(conv);
  conv_check_options o;
  memset(&o, 0, sizeof o);
  o.atol = o.rtol = 1e-3;
  const int64_t shape[4] = {1, 32, 21, 18};
  cr_assert_eq(conv_check(ctx, &d, 4, shape, 77, &o), CONV_CHECK_RAN);
}

/* Nearest upsampling fused into the input reads (desc.input_upsample): winograd and generic
 * against the reference (which upsamples, then pads) in every padding mode, factors per dim,
 * odd sizes, padding wider than the input but not the upsampled input; AUTO picks winograd for
 * the style network's kind of layer (x2, reflect, 3x3) and generic otherwise; the algorithms that
 * do not implement it refuse it. */
Test(conv_api, input_upsample) {
  oclnn_context *ctx = test_context();
  static const struct {
    int64_t factor[2], padding[2];
    int64_t shape[4];
  } cases[] = {
      {{2, 2}, {1, 1}, {1, 5, 6, 7}},
      {{1, 3}, {2, 4}, {2, 5, 5, 3}}, /* W padding 4 > input width 3, < upsampled 9 */
      {{3, 2}, {0, 1}, {1, 5, 4, 9}},
      /* rows wider than one work-item's 32 columns: the copies of whole input columns */
      {{2, 2}, {1, 1}, {1, 5, 3, 41}},
      {{1, 3}, {1, 2}, {1, 5, 2, 23}},
      {{2, 2}, {0, 0}, {1, 5, 2, 40}},
  };
  static const oclnn_conv_algo algos[] = {OCLNN_CONV_ALGO_WINOGRAD, OCLNN_CONV_ALGO_GENERIC};
  for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
    for (int mode = OCLNN_CONV_ZEROS; mode <= OCLNN_CONV_CIRCULAR; mode++) {
      for (size_t a = 0; a < 2; a++) {
        oclnn_conv_desc d = oclnn_conv_desc_default(2, 5, 7, 3);
        for (int j = 0; j < 2; j++) {
          d.input_upsample[j] = cases[i].factor[j];
          d.padding[j] = cases[i].padding[j];
        }
        d.padding_mode = (oclnn_conv_padding_mode)mode;
        d.algo = algos[a];
        conv_check_options o;
        memset(&o, 0, sizeof o);
        o.atol = o.rtol = algos[a] == OCLNN_CONV_ALGO_WINOGRAD ? 1e-3 : 1e-4;
        o.prepared = (i + (size_t)mode) % 2 == 1;
        cr_assert_eq(
            conv_check(ctx, &d, 4, cases[i].shape, 91 + 8 * i + 2 * (uint64_t)mode + a, &o),
            CONV_CHECK_RAN);
      }
    }
  }
  /* Generic in 1d and 3d (strided, dilated, grouped), unbatched too. */
  oclnn_conv_desc d1 = oclnn_conv_desc_default(1, 4, 6, 3),
                  d3 = oclnn_conv_desc_default(3, 4, 2, 2);
  d1.input_upsample[0] = 3;
  d1.stride[0] = 2;
  d1.dilation[0] = 2;
  d1.padding[0] = 4;
  d1.groups = 2;
  d1.padding_mode = OCLNN_CONV_REFLECT;
  d3.input_upsample[0] = 2;
  d3.input_upsample[2] = 3;
  d3.padding_type = OCLNN_CONV_PADDING_SAME;
  d3.padding_mode = OCLNN_CONV_CIRCULAR;
  conv_check_options o;
  memset(&o, 0, sizeof o);
  o.atol = o.rtol = 1e-4;
  const int64_t s1[2] = {4, 5}, s3[5] = {2, 4, 3, 4, 2};
  cr_assert_eq(conv_check(ctx, &d1, 2, s1, 131, &o), CONV_CHECK_RAN);
  cr_assert_eq(conv_check(ctx, &d3, 5, s3, 132, &o), CONV_CHECK_RAN);

  /* AUTO: winograd for a wide 3x3 layer, else generic; the others refuse. */
  oclnn_conv_desc wide = oclnn_conv_desc_default(2, 32, 16, 3);
  wide.padding[0] = wide.padding[1] = 1;
  wide.padding_mode = OCLNN_CONV_REFLECT;
  wide.input_upsample[0] = wide.input_upsample[1] = 2;
  oclnn_conv *conv = make_conv(ctx, &wide);
  oclnn_conv_algo algo = OCLNN_CONV_ALGO_AUTO;
  cr_assert_eq(oclnn_conv_algorithm(conv, &algo), OCLNN_SUCCESS);
  cr_assert_eq(algo, OCLNN_CONV_ALGO_WINOGRAD);
  oclnn_conv_free(conv);
  o.atol = o.rtol = 1e-3;
  const int64_t sw[4] = {1, 32, 9, 11};
  cr_assert_eq(conv_check(ctx, &wide, 4, sw, 133, &o), CONV_CHECK_RAN);
  oclnn_conv_desc small = oclnn_conv_desc_default(2, 3, 4, 1);
  small.input_upsample[1] = 2;
  conv = make_conv(ctx, &small);
  cr_assert_eq(oclnn_conv_algorithm(conv, &algo), OCLNN_SUCCESS);
  cr_assert_eq(algo, OCLNN_CONV_ALGO_GENERIC);
  oclnn_conv_free(conv);
  static const oclnn_conv_algo refusing[] = {OCLNN_CONV_ALGO_DIRECT, OCLNN_CONV_ALGO_DEPTHWISE,
                                             OCLNN_CONV_ALGO_GEMM};
  oclnn_conv_desc dw = oclnn_conv_desc_default(2, 4, 4, 1);
  dw.groups = 4;
  dw.input_upsample[0] = 2;
  for (size_t a = 0; a < sizeof refusing / sizeof refusing[0]; a++) {
    dw.algo = refusing[a];
    conv = NULL;
    cr_assert_eq(oclnn_conv_create(ctx, &dw, &conv), OCLNN_ERR_UNSUPPORTED, "%s",
                 oclnn_conv_algo_name(refusing[a]));
    cr_assert_null(conv);
    cr_assert(strstr(oclnn_context_error(ctx), "input_upsample 1x2x1") != NULL, "%s",
              oclnn_context_error(ctx));
  }

  /* The output shape follows the upsampled size; the size limit applies to it. */
  oclnn_conv_desc up = oclnn_conv_desc_default(2, 3, 4, 3);
  up.input_upsample[0] = 2;
  up.input_upsample[1] = 4;
  up.padding[1] = 6;
  up.padding_mode = OCLNN_CONV_REFLECT; /* 6 >= the input width 2, < the upsampled 8 */
  conv = make_conv(ctx, &up);
  int64_t out[4], in_ok[4] = {1, 3, 5, 2}, in_big[4] = {1, 3, 1 << 29, 2};
  cr_assert_eq(oclnn_conv_output_shape(conv, 4, in_ok, out), OCLNN_SUCCESS);
  cr_assert_eq(out[2], 8);
  cr_assert_eq(out[3], 18);
  cr_assert_eq(oclnn_conv_output_shape(conv, 4, in_big, out), OCLNN_ERR_OVERFLOW);
  oclnn_conv_free(conv);
}

/* ------------------------------------------------------------------------------------------ */
/* Invalid inputs: exact status, output untouched                                             */
/* ------------------------------------------------------------------------------------------ */

typedef struct bad_desc {
  const char *what;
  void (*edit)(oclnn_conv_desc *d);
  oclnn_status status;
} bad_desc;

static void dims0(oclnn_conv_desc *d) { d->dims = 0; }
static void dims4(oclnn_conv_desc *d) { d->dims = 4; }
static void in0(oclnn_conv_desc *d) { d->in_channels = 0; }
static void out_neg(oclnn_conv_desc *d) { d->out_channels = -4; }
static void groups0(oclnn_conv_desc *d) { d->groups = 0; }
static void groups_in(oclnn_conv_desc *d) { d->groups = 3; } /* 4 in, 6 out */
static void groups_out(oclnn_conv_desc *d) { d->groups = 4; }
static void kernel0(oclnn_conv_desc *d) { d->kernel_size[1] = 0; }
static void stride0(oclnn_conv_desc *d) { d->stride[0] = 0; }
static void dilation0(oclnn_conv_desc *d) { d->dilation[1] = 0; }
static void pad_neg(oclnn_conv_desc *d) { d->padding[0] = -1; }
static void pad_type(oclnn_conv_desc *d) { d->padding_type = (oclnn_conv_padding_type)3; }
static void same_stride(oclnn_conv_desc *d) {
  d->padding_type = OCLNN_CONV_PADDING_SAME;
  d->stride[1] = 2;
}
static void mode_bad(oclnn_conv_desc *d) { d->padding_mode = (oclnn_conv_padding_mode)4; }
static void algo_bad(oclnn_conv_desc *d) { d->algo = (oclnn_conv_algo)-1; }
static void huge_channels(oclnn_conv_desc *d) { d->in_channels = d->out_channels = 1LL << 31; }
static void huge_kernel(oclnn_conv_desc *d) { d->kernel_size[0] = 1LL << 40; }
static void huge_pad(oclnn_conv_desc *d) { d->padding[1] = 1LL << 30; }
static void upsample0(oclnn_conv_desc *d) { d->input_upsample[1] = 0; }
static void upsample_neg(oclnn_conv_desc *d) { d->input_upsample[0] = -2; }
static void upsample_huge(oclnn_conv_desc *d) { d->input_upsample[0] = 1LL << 31; }
static void huge_weight(oclnn_conv_desc *d) {
  d->in_channels = d->out_channels = 1 << 20;
  d->kernel_size[0] = d->kernel_size[1] = 1 << 16;
}
static void winograd_5x5(oclnn_conv_desc *d) {
  d->kernel_size[0] = d->kernel_size[1] = 5;
  d->algo = OCLNN_CONV_ALGO_WINOGRAD;
}
static void winograd_strided(oclnn_conv_desc *d) {
  d->stride[1] = 2;
  d->algo = OCLNN_CONV_ALGO_WINOGRAD;
}
static void gemm_3x3(oclnn_conv_desc *d) { d->algo = OCLNN_CONV_ALGO_GEMM; }

Test(conv_invalid, descriptors) {
  oclnn_context *ctx = test_context();
  const bad_desc table[] = {
      {"dims 0", dims0, OCLNN_ERR_INVALID_VALUE},
      {"dims 4", dims4, OCLNN_ERR_INVALID_VALUE},
      {"in_channels 0", in0, OCLNN_ERR_INVALID_VALUE},
      {"out_channels < 0", out_neg, OCLNN_ERR_INVALID_VALUE},
      {"groups 0", groups0, OCLNN_ERR_INVALID_VALUE},
      {"in_channels not divisible by groups", groups_in, OCLNN_ERR_INVALID_VALUE},
      {"out_channels not divisible by groups", groups_out, OCLNN_ERR_INVALID_VALUE},
      {"kernel_size 0", kernel0, OCLNN_ERR_INVALID_VALUE},
      {"stride 0", stride0, OCLNN_ERR_INVALID_VALUE},
      {"dilation 0", dilation0, OCLNN_ERR_INVALID_VALUE},
      {"negative padding", pad_neg, OCLNN_ERR_INVALID_VALUE},
      {"padding_type out of range", pad_type, OCLNN_ERR_INVALID_VALUE},
      {"same with stride 2", same_stride, OCLNN_ERR_INVALID_VALUE},
      {"padding_mode out of range", mode_bad, OCLNN_ERR_INVALID_VALUE},
      {"algo out of range", algo_bad, OCLNN_ERR_INVALID_VALUE},
      {"channels 2^31", huge_channels, OCLNN_ERR_OVERFLOW},
      {"kernel 2^40", huge_kernel, OCLNN_ERR_OVERFLOW},
      {"padding 2^30", huge_pad, OCLNN_ERR_OVERFLOW},
      {"input_upsample 0", upsample0, OCLNN_ERR_INVALID_VALUE},
      {"input_upsample -2", upsample_neg, OCLNN_ERR_INVALID_VALUE},
      {"input_upsample 2^31", upsample_huge, OCLNN_ERR_OVERFLOW},
      {"weight too large", huge_weight, OCLNN_ERR_OVERFLOW},
      {"winograd on 5x5", winograd_5x5, OCLNN_ERR_UNSUPPORTED},
      {"winograd with stride 2", winograd_strided, OCLNN_ERR_UNSUPPORTED},
      {"gemm on 3x3", gemm_3x3, OCLNN_ERR_UNSUPPORTED},
  };
  for (size_t i = 0; i < sizeof table / sizeof table[0]; i++) {
    oclnn_conv_desc d = oclnn_conv_desc_default(2, 4, 6, 3);
    table[i].edit(&d);
    oclnn_conv *conv = (oclnn_conv *)&d;
    oclnn_status status = oclnn_conv_create(ctx, &d, &conv);
    cr_assert_eq(status, table[i].status, "%s: got %s, expected %s (%s)", table[i].what,
                 oclnn_status_string(status), oclnn_status_string(table[i].status),
                 oclnn_context_error(ctx));
    cr_assert_null(conv, "%s: *out must be NULL on failure", table[i].what);
    cr_assert(strstr(oclnn_context_error(ctx), "oclnn_conv_create") != NULL, "%s: message %s",
              table[i].what, oclnn_context_error(ctx));
  }
}

/* A forward call with one thing wrong; each must fail with the exact status and leave the
 * output as it was. */
typedef struct bad_call {
  const char *what;
  oclnn_status status;
  /* What to change in the good call. */
  int in_rank; /* 0: keep */
  int64_t in_shape[5];
  int out_rank;
  int64_t out_shape[5];
  int w_rank;
  int64_t w_shape[5];
  int drop_weight, drop_bias, bias_shape, bias_without_weight, in_offset_past_end, alias,
      foreign_buffer;
} bad_call;

Test(conv_invalid, forward_calls) {
  oclnn_context *ctx = test_context();
  /* Good call: Conv2d(4 -> 6, k3, padding 1, reflect) on (2, 4, 5, 7). */
  oclnn_conv_desc d = oclnn_conv_desc_default(2, 4, 6, 3);
  d.padding[0] = d.padding[1] = 1;
  d.padding_mode = OCLNN_CONV_REFLECT;
  oclnn_conv *conv = make_conv(ctx, &d);
  const bad_call table[] = {
      {"input rank 2", OCLNN_ERR_INVALID_SHAPE, .in_rank = 2, .in_shape = {4, 5}},
      {"input rank 5", OCLNN_ERR_INVALID_SHAPE, .in_rank = 5, .in_shape = {1, 2, 4, 5, 7}},
      {"channel mismatch", OCLNN_ERR_INVALID_SHAPE, .in_rank = 4, .in_shape = {2, 5, 5, 7}},
      {"empty spatial dim", OCLNN_ERR_INVALID_SHAPE, .in_rank = 4, .in_shape = {2, 4, 0, 7}},
      {"reflect pad >= input", OCLNN_ERR_INVALID_SHAPE, .in_rank = 4, .in_shape = {2, 4, 1, 7}},
      {"output shape wrong", OCLNN_ERR_INVALID_SHAPE, .out_rank = 4, .out_shape = {2, 6, 5, 6}},
      {"output rank wrong", OCLNN_ERR_INVALID_SHAPE, .out_rank = 3, .out_shape = {6, 5, 7}},
      {"weight shape wrong", OCLNN_ERR_INVALID_SHAPE, .w_rank = 4, .w_shape = {6, 4, 3, 2}},
      {"weight groups wrong", OCLNN_ERR_INVALID_SHAPE, .w_rank = 4, .w_shape = {6, 2, 3, 3}},
      {"weight NULL, nothing prepared", OCLNN_ERR_NULL_ARGUMENT, .drop_weight = 1},
      {"bias NULL", OCLNN_ERR_NULL_ARGUMENT, .drop_bias = 1},
      {"bias shape", OCLNN_ERR_INVALID_SHAPE, .bias_shape = 1},
      {"bias without weight", OCLNN_ERR_INVALID_VALUE, .bias_without_weight = 1},
      {"input past its buffer", OCLNN_ERR_OUT_OF_BOUNDS, .in_offset_past_end = 1},
      {"output overlaps input", OCLNN_ERR_ALIASING, .alias = 1},
      {"buffer of another context", OCLNN_ERR_INVALID_BUFFER, .foreign_buffer = 1},
  };
  const int64_t in_shape[4] = {2, 4, 5, 7}, out_shape[4] = {2, 6, 5, 7}, w_shape[4] = {6, 4, 3, 3},
                b_shape[1] = {6}, b_bad[1] = {5};
  const int64_t big[1] = {4096};
  oclnn_tensor in = alloc_filled(ctx, 4, in_shape, 1.0f);
  oclnn_tensor w = alloc_filled(ctx, 4, w_shape, 1.0f);
  oclnn_tensor b = alloc_filled(ctx, 1, b_shape, 1.0f);
  oclnn_tensor b5 = alloc_filled(ctx, 1, b_bad, 1.0f);
  oclnn_tensor out = alloc_filled(ctx, 4, out_shape, -3.0f);
  oclnn_tensor shared = alloc_filled(ctx, 1, big, -3.0f);
  /* A buffer from a second OpenCL context. */
  cl_int err = CL_SUCCESS;
  cl_device_id device = oclnn_context_cl_device(ctx);
  cl_context other = clCreateContext(NULL, 1, &device, NULL, NULL, &err);
  cr_assert_eq(err, CL_SUCCESS);
  cl_mem foreign = clCreateBuffer(other, CL_MEM_READ_WRITE, 4096 * sizeof(float), NULL, &err);
  cr_assert_eq(err, CL_SUCCESS);

  for (size_t i = 0; i < sizeof table / sizeof table[0]; i++) {
    const bad_call *c = &table[i];
    oclnn_tensor in_v = in, out_v = out, w_v = w;
    const oclnn_tensor *wp = &w_v, *bp = &b;
    if (c->in_rank) /* the input is what is wrong; the output stays the good one */
      in_v = oclnn_tensor_view(shared.buffer, 0, c->in_rank, c->in_shape);
    if (c->out_rank)
      out_v = oclnn_tensor_view(out.buffer, 0, c->out_rank, c->out_shape);
    if (c->w_rank)
      w_v = oclnn_tensor_view(w.buffer, 0, c->w_rank, c->w_shape);
    if (c->drop_weight)
      wp = NULL, bp = NULL;
    if (c->drop_bias)
      bp = NULL;
    if (c->bias_shape)
      bp = &b5;
    if (c->bias_without_weight)
      wp = NULL;
    if (c->in_offset_past_end)
      in_v.offset = 10;
    if (c->alias) {
      in_v = oclnn_tensor_view(shared.buffer, 0, 4, in_shape);
      out_v = oclnn_tensor_view(shared.buffer, 100, 4, out_shape);
    }
    if (c->foreign_buffer)
      in_v.buffer = foreign;
    oclnn_status status = oclnn_conv_forward(conv, &in_v, wp, bp, &out_v);
    cr_assert_eq(status, c->status, "%s: got %s, expected %s (%s)", c->what,
                 oclnn_status_string(status), oclnn_status_string(c->status),
                 oclnn_context_error(ctx));
    cr_assert(strstr(oclnn_context_error(ctx), "oclnn_conv_forward") != NULL, "%s: %s", c->what,
              oclnn_context_error(ctx));
    if (c->in_rank && status == OCLNN_ERR_INVALID_SHAPE) {
      int64_t tmp[5];
      cr_assert_eq(oclnn_conv_output_shape(conv, c->in_rank, c->in_shape, tmp), c->status,
                   "%s: output_shape must refuse what forward refuses", c->what);
    }
  }
  TEST_OK(ctx, oclnn_context_finish(ctx));
  assert_all(ctx, &out, -3.0f, "output after refused calls");
  assert_all(ctx, &in, 1.0f, "input after refused calls");
  assert_all(ctx, &shared, -3.0f, "shared buffer after refused calls");
  clReleaseMemObject(foreign);
  clReleaseContext(other);
  oclnn_conv_free(conv);
  oclnn_tensor_free(&in);
  oclnn_tensor_free(&w);
  oclnn_tensor_free(&b);
  oclnn_tensor_free(&b5);
  oclnn_tensor_free(&out);
  oclnn_tensor_free(&shared);
}

Test(conv_invalid, bias_on_layer_without_bias) {
  oclnn_context *ctx = test_context();
  oclnn_conv_desc d = oclnn_conv_desc_default(1, 2, 3, 1);
  d.bias = 0;
  oclnn_conv *conv = make_conv(ctx, &d);
  const int64_t in_shape[3] = {1, 2, 4}, out_shape[3] = {1, 3, 4}, w_shape[3] = {3, 2, 1},
                b_shape[1] = {3};
  oclnn_tensor in = alloc_filled(ctx, 3, in_shape, 1.0f), out = alloc_filled(ctx, 3, out_shape, 9);
  oclnn_tensor w = alloc_filled(ctx, 3, w_shape, 1.0f), b = alloc_filled(ctx, 1, b_shape, 1.0f);
  cr_assert_eq(oclnn_conv_forward(conv, &in, &w, &b, &out), OCLNN_ERR_INVALID_VALUE);
  cr_assert_eq(oclnn_conv_prepare_weights(conv, &w, &b), OCLNN_ERR_INVALID_VALUE);
  TEST_OK(ctx, oclnn_context_finish(ctx));
  assert_all(ctx, &out, 9.0f, "output");
  TEST_OK(ctx, oclnn_conv_forward(conv, &in, &w, NULL, &out));
  assert_all(ctx, &out, 2.0f, "output without bias");
  oclnn_conv_free(conv);
  oclnn_tensor_free(&in);
  oclnn_tensor_free(&out);
  oclnn_tensor_free(&w);
  oclnn_tensor_free(&b);
}

/* ------------------------------------------------------------------------------------------ */
/* PyTorch cases                                                                              */
/* ------------------------------------------------------------------------------------------ */

#define MAX_TORCH_CASES 256

typedef struct torch_case {
  char name[64];
  int line;
  oclnn_conv_desc desc;
  int rank;
  int64_t shape[OCLNN_MAX_RANK];
  float *in, *weight, *bias;
  int error; /* 0, 1 create, 2 forward */
  int out_rank;
  int64_t out_shape[OCLNN_MAX_RANK];
  double *out;
} torch_case;

static torch_case torch_cases[MAX_TORCH_CASES];
static int torch_case_count;

typedef test_parser parser;

static int64_t next_int(parser *ps) {
  char word[64];
  cr_assert(test_next_word(ps, word, sizeof word), "conv_cases.txt:%d: number expected", ps->line);
  char *end = NULL;
  long long v = strtoll(word, &end, 10);
  cr_assert(end && *end == '\0', "conv_cases.txt:%d: bad integer %s", ps->line, word);
  return v;
}

static void expect(parser *ps, const char *want) {
  char word[64];
  cr_assert(test_next_word(ps, word, sizeof word) && strcmp(word, want) == 0,
            "conv_cases.txt:%d: expected %s, got %s", ps->line, want, word);
}

static float *read_floats(parser *ps, size_t count) {
  float *v = malloc((count ? count : 1) * sizeof *v);
  cr_assert(v);
  for (size_t i = 0; i < count; i++) {
    char word[64];
    cr_assert(test_next_word(ps, word, sizeof word), "conv_cases.txt:%d: value expected", ps->line);
    v[i] = strtof(word, NULL);
  }
  return v;
}

static void load_torch_cases(void) {
  if (torch_case_count)
    return;
  const char *dir = getenv("OCLNN_TEST_DATA");
  char path[1024];
  snprintf(path, sizeof path, "%s/conv_cases.txt", dir ? dir : OCLNN_SOURCE_DIR "/tests/data");
  char *text = test_read_file(path, NULL);
  cr_assert_not_null(text, "cannot read %s", path);
  parser ps = {text, 1, "conv_cases.txt"};
  char word[64];
  while (test_next_word(&ps, word, sizeof word)) {
    cr_assert_str_eq(word, "case", "conv_cases.txt:%d", ps.line);
    cr_assert(torch_case_count < MAX_TORCH_CASES);
    torch_case *c = &torch_cases[torch_case_count++];
    memset(c, 0, sizeof *c);
    c->line = ps.line;
    cr_assert(test_next_word(&ps, c->name, sizeof c->name));
    int dims = (int)next_int(&ps);
    int64_t cin = next_int(&ps), cout = next_int(&ps);
    c->desc = oclnn_conv_desc_default(dims, cin, cout, 1);
    for (int i = 0; i < dims; i++)
      c->desc.kernel_size[i] = next_int(&ps);
    for (int i = 0; i < dims; i++)
      c->desc.stride[i] = next_int(&ps);
    cr_assert(test_next_word(&ps, word, sizeof word));
    c->desc.padding_type = strcmp(word, "same") == 0    ? OCLNN_CONV_PADDING_SAME
                           : strcmp(word, "valid") == 0 ? OCLNN_CONV_PADDING_VALID
                                                        : OCLNN_CONV_PADDING_EXPLICIT;
    for (int i = 0; i < dims; i++)
      c->desc.padding[i] = next_int(&ps);
    for (int i = 0; i < dims; i++)
      c->desc.dilation[i] = next_int(&ps);
    c->desc.groups = next_int(&ps);
    c->desc.bias = (int)next_int(&ps);
    cr_assert(test_next_word(&ps, word, sizeof word));
    static const char *const modes[] = {"zeros", "reflect", "replicate", "circular"};
    int mode = -1;
    for (int m = 0; m < 4; m++)
      if (strcmp(word, modes[m]) == 0)
        mode = m;
    cr_assert(mode >= 0, "conv_cases.txt:%d: mode %s", ps.line, word);
    c->desc.padding_mode = (oclnn_conv_padding_mode)mode;
    c->rank = (int)next_int(&ps);
    for (int i = 0; i < c->rank; i++)
      c->shape[i] = next_int(&ps);
    cr_assert(test_next_word(&ps, word, sizeof word));
    if (strcmp(word, "error") == 0) {
      cr_assert(test_next_word(&ps, word, sizeof word));
      c->error = strcmp(word, "create") == 0 ? 1 : 2;
      while (*ps.p && *ps.p != '\n')
        ps.p++;
      continue;
    }
    cr_assert_str_eq(word, "in", "conv_cases.txt:%d", ps.line);
    c->in = read_floats(&ps, test_numel(c->rank, c->shape));
    expect(&ps, "weight");
    int64_t w_shape[5] = {cout, cin / c->desc.groups};
    for (int i = 0; i < dims; i++)
      w_shape[2 + i] = c->desc.kernel_size[i];
    c->weight = read_floats(&ps, test_numel(dims + 2, w_shape));
    if (c->desc.bias) {
      expect(&ps, "bias");
      c->bias = read_floats(&ps, (size_t)cout);
    }
    expect(&ps, "out");
    c->out_rank = (int)next_int(&ps);
    for (int i = 0; i < c->out_rank; i++)
      c->out_shape[i] = next_int(&ps);
    size_t count = test_numel(c->out_rank, c->out_shape);
    float *out = read_floats(&ps, count);
    c->out = malloc((count ? count : 1) * sizeof *c->out);
    cr_assert(c->out);
    for (size_t i = 0; i < count; i++)
      c->out[i] = out[i];
    free(out);
  }
  free(text);
  cr_assert_geq(torch_case_count, 40, "only %d cases in %s", torch_case_count, path);
}

/* Every case with every algorithm that can run it. */
static void run_torch_cases(oclnn_conv_algo algo, double tol, int minimum) {
  oclnn_context *ctx = test_context();
  load_torch_cases();
  int ran = 0;
  for (int i = 0; i < torch_case_count; i++) {
    torch_case *c = &torch_cases[i];
    oclnn_conv_desc desc = c->desc;
    desc.algo = algo;
    if (c->error == 1) {
      oclnn_conv *conv = (oclnn_conv *)c;
      oclnn_status status = oclnn_conv_create(ctx, &desc, &conv);
      cr_assert_eq(status, OCLNN_ERR_INVALID_VALUE, "%s (line %d): create -> %s: %s", c->name,
                   c->line, oclnn_status_string(status), oclnn_context_error(ctx));
      cr_assert_null(conv);
      continue;
    }
    if (c->error == 2) {
      /* Refusals are checked with the generic algorithm, which takes every configuration. */
      desc.algo = OCLNN_CONV_ALGO_GENERIC;
      oclnn_conv *conv = make_conv(ctx, &desc);
      int64_t out[OCLNN_MAX_RANK];
      oclnn_status status = oclnn_conv_output_shape(conv, c->rank, c->shape, out);
      cr_assert_eq(status, OCLNN_ERR_INVALID_SHAPE, "%s (line %d): output_shape -> %s: %s", c->name,
                   c->line, oclnn_status_string(status), oclnn_context_error(ctx));
      if (c->rank >= 1) {
        /* forward refuses it too and leaves the output alone. */
        const int64_t big[1] = {1024};
        oclnn_tensor buf = alloc_filled(ctx, 1, big, 5.0f), obuf = alloc_filled(ctx, 1, big, 5.0f);
        int64_t w_shape[5] = {desc.out_channels, desc.in_channels / desc.groups, 1, 1, 1};
        for (int k = 0; k < desc.dims; k++)
          w_shape[2 + k] = desc.kernel_size[k];
        int64_t b_shape[1] = {desc.out_channels};
        oclnn_tensor in = oclnn_tensor_view(buf.buffer, 0, c->rank, c->shape);
        oclnn_tensor w = oclnn_tensor_view(buf.buffer, 0, desc.dims + 2, w_shape);
        oclnn_tensor b = oclnn_tensor_view(buf.buffer, 0, 1, b_shape);
        int64_t o_shape[5] = {1, 1, 1, 1, 1};
        oclnn_tensor o = oclnn_tensor_view(obuf.buffer, 0, c->rank, o_shape);
        status = oclnn_conv_forward(conv, &in, &w, desc.bias ? &b : NULL, &o);
        cr_assert_eq(status, OCLNN_ERR_INVALID_SHAPE, "%s: forward -> %s: %s", c->name,
                     oclnn_status_string(status), oclnn_context_error(ctx));
        TEST_OK(ctx, oclnn_context_finish(ctx));
        assert_all(ctx, &obuf, 5.0f, c->name);
        oclnn_tensor_free(&buf);
        oclnn_tensor_free(&obuf);
      }
      oclnn_conv_free(conv);
      continue;
    }
    int64_t ref_shape[OCLNN_MAX_RANK];
    cr_assert(conv_ref_output_shape(&c->desc, c->rank, c->shape, ref_shape), "%s", c->name);
    cr_assert_eq(c->out_rank, c->rank, "%s", c->name);
    for (int k = 0; k < c->rank; k++)
      cr_assert_eq(c->out_shape[k], ref_shape[k], "%s: torch and the reference disagree on dim %d",
                   c->name, k);
    conv_check_options o;
    memset(&o, 0, sizeof o);
    o.atol = o.rtol = tol;
    o.input = c->in;
    o.weight = c->weight;
    o.bias = c->bias;
    o.want = c->out;
    o.prepared = (i % 2) == 1;
    if (conv_check(ctx, &desc, c->rank, c->shape, (uint64_t)i, &o) == CONV_CHECK_RAN)
      ran++;
    /* The double-precision reference agrees with torch too. */
    if (algo == OCLNN_CONV_ALGO_GENERIC) {
      size_t count = test_numel(c->rank, ref_shape);
      double *ref = malloc((count ? count : 1) * sizeof *ref);
      cr_assert(ref);
      cr_assert(conv_ref_forward(&c->desc, c->rank, c->shape, c->in, c->weight, c->bias, ref));
      float *as_float = malloc((count ? count : 1) * sizeof *as_float);
      cr_assert(as_float);
      for (size_t k = 0; k < count; k++)
        as_float[k] = (float)ref[k];
      test_assert_close(c->name, as_float, c->out, count, tol, tol);
      free(ref);
      free(as_float);
    }
  }
  cr_log_info("%s: %d torch cases ran", oclnn_conv_algo_name(algo), ran);
  cr_assert_geq(ran, minimum, "%s ran only %d torch cases", oclnn_conv_algo_name(algo), ran);
}

Test(conv_torch, generic) { run_torch_cases(OCLNN_CONV_ALGO_GENERIC, 1e-4, 55); }
Test(conv_torch, direct) { run_torch_cases(OCLNN_CONV_ALGO_DIRECT, 1e-4, 55); }
Test(conv_torch, depthwise) { run_torch_cases(OCLNN_CONV_ALGO_DEPTHWISE, 1e-4, 4); }
Test(conv_torch, gemm) { run_torch_cases(OCLNN_CONV_ALGO_GEMM, 1e-4, 1); }
Test(conv_torch, winograd) { run_torch_cases(OCLNN_CONV_ALGO_WINOGRAD, 1e-3, 8); }
Test(conv_torch, automatic) { run_torch_cases(OCLNN_CONV_ALGO_AUTO, 1e-4, 55); }
