/* The oclnn_model API contract: argument checks, model info, planned shapes for several input
 * sizes, refusals that name the input or node, outputs left untouched on error, profiling, and
 * the style network (../shared/models/style/udnie.onnx) running to finite, deterministic
 * results. Exact agreement with onnxruntime is test_model_onnx.c's job. */
#include "test_support.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define STYLE_MODEL OCLNN_SHARED_DIR "/models/style/udnie.onnx"

/* A build without protobuf-c has no loader (every load is OCLNN_ERR_UNSUPPORTED): skip then. */
static void skip_without_loader(oclnn_context *ctx) {
  oclnn_model *model = NULL;
  const char byte = 0;
  if (oclnn_model_load_buffer(ctx, &byte, 1, &model) == OCLNN_ERR_UNSUPPORTED &&
      strstr(oclnn_context_error(ctx), "without protobuf-c") != NULL)
    cr_skip_test("oclnn was built without the ONNX loader");
  oclnn_model_free(model);
}

static oclnn_model *load_style(oclnn_context *ctx) {
  oclnn_model *model = NULL;
  TEST_OK(ctx, oclnn_model_load_file(ctx, STYLE_MODEL, &model));
  cr_assert_not_null(model);
  return model;
}

/* Conv with reflection pad (k - 1) / 2 and stride s, as TransformerNet's ConvLayer. */
static int64_t conv_out(int64_t in, int64_t k, int64_t s) { return (in + (k / 2) * 2 - k) / s + 1; }

/* The style net: 9x9 s1, 3x3 s2, 3x3 s2, residual blocks, x2 upsample + 3x3, x2 + 3x3, 9x9. */
static int64_t style_out(int64_t in) {
  int64_t d = conv_out(conv_out(conv_out(in, 9, 1), 3, 2), 3, 2);
  return conv_out(conv_out(d * 2, 3, 1) * 2, 3, 1);
}

Test(model_api, null_arguments_and_bad_files) {
  oclnn_context *ctx = test_context();
  skip_without_loader(ctx);
  oclnn_model *model = (oclnn_model *)&model; /* must become NULL on failure */
  cr_expect_eq(oclnn_model_load_file(NULL, STYLE_MODEL, &model), OCLNN_ERR_NULL_ARGUMENT);
  cr_expect_null(model);
  cr_expect_eq(oclnn_model_load_file(ctx, NULL, &model), OCLNN_ERR_NULL_ARGUMENT);
  cr_expect_eq(oclnn_model_load_file(ctx, STYLE_MODEL, NULL), OCLNN_ERR_NULL_ARGUMENT);
  cr_expect_eq(oclnn_model_load_buffer(ctx, NULL, 10, &model), OCLNN_ERR_NULL_ARGUMENT);
  cr_expect(strstr(oclnn_context_error(ctx), "data") != NULL, "%s", oclnn_context_error(ctx));

  cr_expect_eq(oclnn_model_load_file(ctx, "/nonexistent/model.onnx", &model), OCLNN_ERR_IO);
  cr_expect(strstr(oclnn_context_error(ctx), "/nonexistent/model.onnx") != NULL);
  cr_expect_null(model);

  static const char garbage[] = "this is not a protobuf \xff\xff\xff\xff";
  cr_expect_eq(oclnn_model_load_buffer(ctx, garbage, sizeof garbage, &model),
               OCLNN_ERR_INVALID_VALUE);
  cr_expect_eq(oclnn_model_load_buffer(ctx, garbage, 0, &model), OCLNN_ERR_INVALID_VALUE);
  cr_expect_null(model);

  /* A truncated style model: every cut refused cleanly (the protobuf is invalid, or what is
   * left is an incomplete graph). */
  size_t size = 0;
  char *bytes = test_read_file(STYLE_MODEL, &size);
  cr_assert_not_null(bytes);
  const size_t cuts[] = {1, 17, 1000, size / 2, size - 1};
  for (size_t i = 0; i < sizeof cuts / sizeof cuts[0]; i++) {
    oclnn_status s = oclnn_model_load_buffer(ctx, bytes, cuts[i], &model);
    cr_expect_neq(s, OCLNN_SUCCESS, "cut at %zu loaded", cuts[i]);
    cr_expect_null(model);
    cr_expect(strlen(oclnn_context_error(ctx)) > 0);
  }
  free(bytes);

  oclnn_model_free(NULL);
  cr_expect_eq(oclnn_model_input_count(NULL), -1);
  cr_expect_eq(oclnn_model_output_count(NULL), -1);
  cr_expect_eq(oclnn_model_step_count(NULL), -1);
  cr_expect_eq(oclnn_model_input_info(NULL, 0, NULL, NULL, NULL), OCLNN_ERR_NULL_ARGUMENT);
  cr_expect_eq(oclnn_model_output_info(NULL, 0, NULL, NULL, NULL), OCLNN_ERR_NULL_ARGUMENT);
  cr_expect_eq(oclnn_model_run(NULL, NULL, 0, NULL, 0), OCLNN_ERR_NULL_ARGUMENT);
  cr_expect_eq(oclnn_model_set_profiling(NULL, 1), OCLNN_ERR_NULL_ARGUMENT);
  cr_expect_eq(oclnn_model_step_profile(NULL, 0, NULL, NULL, NULL), OCLNN_ERR_NULL_ARGUMENT);
}

Test(model_api, info_shapes_and_refusals) {
  oclnn_context *ctx = test_context();
  skip_without_loader(ctx);
  oclnn_model *model = load_style(ctx);
  cr_expect_eq(oclnn_model_input_count(model), 1);
  cr_expect_eq(oclnn_model_output_count(model), 1);

  const char *name = NULL;
  int rank = 0;
  int64_t shape[OCLNN_MAX_RANK];
  TEST_OK(ctx, oclnn_model_input_info(model, 0, &name, &rank, shape));
  cr_expect_str_eq(name, "input");
  cr_expect_eq(rank, 4);
  cr_expect(shape[0] == -1 && shape[1] == 3 && shape[2] == -1 && shape[3] == -1,
            "declared input shape [%lld, %lld, %lld, %lld]", (long long)shape[0],
            (long long)shape[1], (long long)shape[2], (long long)shape[3]);
  TEST_OK(ctx, oclnn_model_output_info(model, 0, &name, NULL, NULL));
  cr_expect_str_eq(name, "output");
  cr_expect_eq(oclnn_model_input_info(model, 1, &name, &rank, shape), OCLNN_ERR_INVALID_VALUE);
  cr_expect_eq(oclnn_model_output_info(model, -1, &name, &rank, shape), OCLNN_ERR_INVALID_VALUE);

  /* Planned shapes for several sizes, odd ones included (stride 2 then x2 upsampling does not
   * give the input size back). Only rank and shape are read. */
  const int64_t sizes[][4] = {{1, 3, 32, 48}, {2, 3, 20, 28}, {1, 3, 33, 47}, {1, 3, 64, 17}};
  for (size_t i = 0; i < sizeof sizes / sizeof sizes[0]; i++) {
    oclnn_tensor in = oclnn_tensor_view(NULL, 0, 4, sizes[i]);
    TEST_OK(ctx, oclnn_model_output_shape(model, &in, 1, 0, &rank, shape));
    cr_expect_eq(rank, 4);
    cr_expect(shape[0] == sizes[i][0] && shape[1] == 3 && shape[2] == style_out(sizes[i][2]) &&
                  shape[3] == style_out(sizes[i][3]),
              "input %lldx%lld: output [%lld, %lld, %lld, %lld]", (long long)sizes[i][2],
              (long long)sizes[i][3], (long long)shape[0], (long long)shape[1], (long long)shape[2],
              (long long)shape[3]);
    cr_expect_gt(oclnn_model_step_count(model), 0);
  }

  oclnn_tensor in = oclnn_tensor_view(NULL, 0, 4, sizes[0]);
  cr_expect_eq(oclnn_model_output_shape(model, NULL, 1, 0, &rank, shape), OCLNN_ERR_NULL_ARGUMENT);
  cr_expect_eq(oclnn_model_output_shape(model, &in, 1, 0, NULL, shape), OCLNN_ERR_NULL_ARGUMENT);
  cr_expect_eq(oclnn_model_output_shape(model, &in, 2, 0, &rank, shape), OCLNN_ERR_INVALID_VALUE);
  cr_expect_eq(oclnn_model_output_shape(model, &in, 1, 1, &rank, shape), OCLNN_ERR_INVALID_VALUE);

  /* Wrong rank and wrong channel count: refused against the declared input shape. */
  const int64_t rank3[] = {3, 32, 48};
  oclnn_tensor bad = oclnn_tensor_view(NULL, 0, 3, rank3);
  cr_expect_eq(oclnn_model_output_shape(model, &bad, 1, 0, &rank, shape), OCLNN_ERR_INVALID_SHAPE);
  cr_expect(strstr(oclnn_context_error(ctx), "'input'") != NULL, "%s", oclnn_context_error(ctx));
  const int64_t four_channels[] = {1, 4, 32, 48};
  bad = oclnn_tensor_view(NULL, 0, 4, four_channels);
  cr_expect_eq(oclnn_model_output_shape(model, &bad, 1, 0, &rank, shape), OCLNN_ERR_INVALID_SHAPE);
  cr_expect(strstr(oclnn_context_error(ctx), "'input'") != NULL, "%s", oclnn_context_error(ctx));
  /* Too small for the first reflection pad (4 must be < the input dim): the node is named. */
  const int64_t tiny[] = {1, 3, 4, 48};
  bad = oclnn_tensor_view(NULL, 0, 4, tiny);
  cr_expect_eq(oclnn_model_output_shape(model, &bad, 1, 0, &rank, shape), OCLNN_ERR_INVALID_SHAPE);
  cr_expect(strstr(oclnn_context_error(ctx), "node '/conv1/") != NULL, "%s",
            oclnn_context_error(ctx));
  const int64_t negative[] = {1, 3, -5, 48};
  bad = oclnn_tensor_view(NULL, 0, 4, negative);
  cr_expect_eq(oclnn_model_output_shape(model, &bad, 1, 0, &rank, shape), OCLNN_ERR_INVALID_SHAPE);

  /* A failed plan leaves the model usable. */
  TEST_OK(ctx, oclnn_model_output_shape(model, &in, 1, 0, &rank, shape));
  cr_expect_eq(shape[2], 32);
  oclnn_model_free(model);
}

static float *run_style(oclnn_context *ctx, oclnn_model *model, const int64_t *shape,
                        const float *host, size_t *count) {
  oclnn_tensor in = test_tensor_from_host(ctx, 4, shape, host);
  int rank;
  int64_t out_shape[OCLNN_MAX_RANK];
  TEST_OK(ctx, oclnn_model_output_shape(model, &in, 1, 0, &rank, out_shape));
  oclnn_tensor out;
  TEST_OK(ctx, oclnn_tensor_alloc(ctx, rank, out_shape, &out));
  TEST_OK(ctx, oclnn_model_run(model, &in, 1, &out, 1));
  *count = test_numel(rank, out_shape);
  float *result = malloc(*count * sizeof *result);
  cr_assert_not_null(result);
  TEST_OK(ctx, oclnn_tensor_download(ctx, &out, result, *count));
  oclnn_tensor_free(&out);
  oclnn_tensor_free(&in);
  return result;
}

Test(model_api, style_net_runs_finite_and_deterministic) {
  oclnn_context *ctx = test_context();
  skip_without_loader(ctx);
  oclnn_model *model = load_style(ctx);
  const int64_t shape[] = {1, 3, 32, 48};
  size_t n_in = test_numel(4, shape);
  float *host = malloc(n_in * sizeof *host);
  cr_assert_not_null(host);
  test_fill_random(host, n_in, 7);
  for (size_t i = 0; i < n_in; i++)
    host[i] = (host[i] + 1.0f) * 127.5f; /* an image's 0..255 range */

  size_t n1, n2, n3;
  float *first = run_style(ctx, model, shape, host, &n1);
  /* Another size in between: the model plans again, then back to the first plan. */
  const int64_t other[] = {1, 3, 24, 40};
  float *between = run_style(ctx, model, other, host, &n3);
  float *second = run_style(ctx, model, shape, host, &n2);
  cr_assert_eq(n1, n2);
  cr_expect_eq(n3, test_numel(4, other));
  size_t nonzero = 0;
  for (size_t i = 0; i < n1; i++) {
    cr_assert(isfinite(first[i]), "output %zu is %g", i, first[i]);
    cr_assert(memcmp(&first[i], &second[i], sizeof first[i]) == 0,
              "output %zu differs between runs: %.9g vs %.9g", i, first[i], second[i]);
    nonzero += first[i] != 0.0f;
  }
  /* A stylised image, not a constant: most pixels nonzero and a spread of values. */
  cr_expect_gt(nonzero, n1 / 2);
  float lo = first[0], hi = first[0];
  for (size_t i = 0; i < n1; i++) {
    lo = first[i] < lo ? first[i] : lo;
    hi = first[i] > hi ? first[i] : hi;
  }
  cr_expect_gt(hi - lo, 10.0f, "output range [%g, %g]", lo, hi);
  free(first);
  free(second);
  free(between);
  free(host);
  oclnn_model_free(model);
}

Test(model_api, bad_outputs_refused_and_untouched) {
  oclnn_context *ctx = test_context();
  skip_without_loader(ctx);
  oclnn_model *model = load_style(ctx);
  const int64_t shape[] = {1, 3, 32, 48};
  size_t n = test_numel(4, shape);
  float *host = malloc(n * sizeof *host);
  float *check = malloc(n * sizeof *check);
  cr_assert(host != NULL && check != NULL);
  test_fill_random(host, n, 3);
  oclnn_tensor in = test_tensor_from_host(ctx, 4, shape, host);

  /* Wrong output shapes: refused, the output keeps its sentinel. */
  const int64_t wrong[][4] = {{1, 3, 32, 47}, {1, 3, 48, 32}, {2, 3, 32, 48}};
  for (size_t w = 0; w < sizeof wrong / sizeof wrong[0]; w++) {
    size_t wn = test_numel(4, wrong[w]);
    float *sentinel = malloc(wn * sizeof *sentinel);
    cr_assert_not_null(sentinel);
    for (size_t i = 0; i < wn; i++)
      sentinel[i] = -12345.0f;
    oclnn_tensor out = test_tensor_from_host(ctx, 4, wrong[w], sentinel);
    cr_expect_eq(oclnn_model_run(model, &in, 1, &out, 1), OCLNN_ERR_INVALID_SHAPE);
    cr_expect(strstr(oclnn_context_error(ctx), "'output'") != NULL, "%s", oclnn_context_error(ctx));
    TEST_OK(ctx, oclnn_context_finish(ctx));
    float *back = malloc(wn * sizeof *back);
    cr_assert_not_null(back);
    TEST_OK(ctx, oclnn_tensor_download(ctx, &out, back, wn));
    cr_expect(memcmp(back, sentinel, wn * sizeof *back) == 0, "output written on error");
    free(back);
    free(sentinel);
    oclnn_tensor_free(&out);
  }

  oclnn_tensor out;
  TEST_OK(ctx, oclnn_tensor_alloc(ctx, 4, shape, &out));
  cr_expect_eq(oclnn_model_run(model, &in, 0, &out, 1), OCLNN_ERR_INVALID_VALUE);
  cr_expect_eq(oclnn_model_run(model, &in, 1, &out, 2), OCLNN_ERR_INVALID_VALUE);
  cr_expect_eq(oclnn_model_run(model, &in, 1, NULL, 1), OCLNN_ERR_NULL_ARGUMENT);
  cr_expect_eq(oclnn_model_run(model, NULL, 1, &out, 1), OCLNN_ERR_NULL_ARGUMENT);
  /* The output may not be the input, and must hold the view it claims. */
  cr_expect_eq(oclnn_model_run(model, &in, 1, &in, 1), OCLNN_ERR_ALIASING);
  oclnn_tensor past_end = out;
  past_end.offset = 1;
  cr_expect_eq(oclnn_model_run(model, &in, 1, &past_end, 1), OCLNN_ERR_OUT_OF_BOUNDS);
  oclnn_tensor no_buffer = out;
  no_buffer.buffer = NULL;
  cr_expect_eq(oclnn_model_run(model, &in, 1, &no_buffer, 1), OCLNN_ERR_INVALID_BUFFER);
  TEST_OK(ctx, oclnn_context_finish(ctx));
  TEST_OK(ctx, oclnn_tensor_download(ctx, &in, check, n));
  cr_expect(memcmp(check, host, n * sizeof *check) == 0, "the input was modified");

  /* Profiling: none before a profiled run; after one, every step has a name, an op and a
   * time, and the fusions show in the op names. */
  int steps = oclnn_model_step_count(model);
  cr_assert_gt(steps, 0);
  double ms = -1.0;
  cr_expect_eq(oclnn_model_step_profile(model, 0, NULL, NULL, &ms), OCLNN_ERR_UNSUPPORTED);
  TEST_OK(ctx, oclnn_model_set_profiling(model, 1));
  TEST_OK(ctx, oclnn_model_run(model, &in, 1, &out, 1));
  TEST_OK(ctx, oclnn_context_finish(ctx));
  int pad_conv = 0, resize_pad_conv = 0, resize = 0, norm_relu = 0, norm_add = 0;
  double total = 0.0;
  for (int i = 0; i < steps; i++) {
    const char *name = NULL, *op = NULL;
    TEST_OK(ctx, oclnn_model_step_profile(model, i, &name, &op, &ms));
    cr_expect(name != NULL && op != NULL && ms >= 0.0);
    pad_conv += strncmp(op, "Pad+Conv[", 9) == 0; /* [algorithm] follows */
    resize_pad_conv += strncmp(op, "Resize+Pad+Conv[winograd]", 25) == 0;
    resize += strcmp(op, "Resize") == 0;
    norm_relu += strcmp(op, "InstanceNormalization+Relu") == 0;
    norm_add += strcmp(op, "InstanceNormalization+Add") == 0;
    total += ms;
  }
  cr_expect_eq(pad_conv + resize_pad_conv, 16, "every reflection pad folds into its conv");
  cr_expect_eq(resize_pad_conv, 2, "both x2 upsamplings fold into the Winograd conv after them");
  cr_expect_eq(resize, 0, "an upsampled tensor was stored");
  cr_expect_eq(norm_relu, 10);
  cr_expect_eq(norm_add, 5);
  cr_expect_gt(total, 0.0);
  cr_expect_eq(oclnn_model_step_profile(model, steps, NULL, NULL, &ms), OCLNN_ERR_INVALID_VALUE);
  TEST_OK(ctx, oclnn_model_set_profiling(model, 0));
  cr_expect_eq(oclnn_model_step_profile(model, 0, NULL, NULL, &ms), OCLNN_ERR_UNSUPPORTED);

  oclnn_tensor_free(&out);
  oclnn_tensor_free(&in);
  free(host);
  free(check);
  oclnn_model_free(model);
}

/* ---- small graphs from tools/gen_model_api_nets.py, against onnxruntime ----------------- */

#define API_DATA OCLNN_SOURCE_DIR "/tests/data/model_api/"

static oclnn_model *load_api_net(oclnn_context *ctx, const char *name) {
  char path[512];
  snprintf(path, sizeof path, API_DATA "%s.onnx", name);
  oclnn_model *model = NULL;
  TEST_OK(ctx, oclnn_model_load_file(ctx, path, &model));
  return model;
}

static float *read_floats(const char *name, const char *what, size_t count) {
  char path[512];
  snprintf(path, sizeof path, API_DATA "%s.%s.bin", name, what);
  size_t size = 0;
  char *bytes = test_read_file(path, &size);
  cr_assert_not_null(bytes, "cannot read %s", path);
  cr_assert_eq(size, count * sizeof(float), "%s: %zu bytes, expected %zu", path, size,
               count * sizeof(float));
  float *values = malloc(count * sizeof *values);
  cr_assert_not_null(values);
  memcpy(values, bytes, count * sizeof *values);
  free(bytes);
  return values;
}

/* Runs net `name` on its committed input of shape in_shape and checks every output (shapes
 * out_shapes) against onnxruntime's within 1e-5 + 1e-5 * |ref|. Returns the step count. */
static int check_api_net(const char *name, int in_rank, const int64_t *in_shape, int n_outputs,
                         const int *out_ranks, const int64_t (*out_shapes)[OCLNN_MAX_RANK]) {
  oclnn_context *ctx = test_context();
  skip_without_loader(ctx);
  oclnn_model *model = load_api_net(ctx, name);
  cr_assert_eq(oclnn_model_output_count(model), n_outputs);
  size_t n_in = test_numel(in_rank, in_shape);
  float *x = read_floats(name, "in", n_in);
  oclnn_tensor in = test_tensor_from_host(ctx, in_rank, in_shape, x);
  oclnn_tensor out[4];
  for (int o = 0; o < n_outputs; o++) {
    int rank;
    int64_t shape[OCLNN_MAX_RANK];
    TEST_OK(ctx, oclnn_model_output_shape(model, &in, 1, o, &rank, shape));
    cr_assert_eq(rank, out_ranks[o], "%s output %d: rank %d", name, o, rank);
    cr_assert(memcmp(shape, out_shapes[o], (size_t)rank * sizeof shape[0]) == 0,
              "%s output %d: shape differs", name, o);
    TEST_OK(ctx, oclnn_tensor_alloc(ctx, rank, shape, &out[o]));
  }
  TEST_OK(ctx, oclnn_model_run(model, &in, 1, out, n_outputs));
  for (int o = 0; o < n_outputs; o++) {
    size_t n = test_numel(out_ranks[o], out_shapes[o]);
    char what[16];
    snprintf(what, sizeof what, "out%d", o);
    float *ref = read_floats(name, what, n);
    float *got = malloc(n * sizeof *got);
    double *want = malloc(n * sizeof *want);
    cr_assert(got != NULL && want != NULL);
    TEST_OK(ctx, oclnn_tensor_download(ctx, &out[o], got, n));
    for (size_t i = 0; i < n; i++)
      want[i] = ref[i];
    char label[64];
    snprintf(label, sizeof label, "%s output %d", name, o);
    test_assert_close(label, got, want, n, 1e-5, 1e-5);
    free(ref);
    free(got);
    free(want);
    oclnn_tensor_free(&out[o]);
  }
  int steps = oclnn_model_step_count(model);
  oclnn_tensor_free(&in);
  free(x);
  oclnn_model_free(model);
  return steps;
}

Test(model_api, group_norm_opset18_per_group_scale) {
  const int64_t in_shape[] = {2, 6, 5, 7};
  const int ranks[] = {4};
  const int64_t shapes[][OCLNN_MAX_RANK] = {{2, 6, 5, 7}};
  cr_expect_eq(check_api_net("gn18", 4, in_shape, 1, ranks, shapes), 1);
}

Test(model_api, outputs_that_are_inputs_aliases_or_read_later) {
  /* Identity(x) is a copy of the input; Flatten(s) shares s's buffer, so one of them is
   * copied; r is an output that Add reads afterwards. */
  const int64_t in_shape[] = {2, 3, 4, 5};
  const int ranks[] = {4, 4, 4, 2};
  const int64_t shapes[][OCLNN_MAX_RANK] = {{2, 3, 4, 5}, {2, 3, 4, 5}, {2, 3, 4, 5}, {6, 20}};
  cr_expect_eq(check_api_net("edges", 4, in_shape, 4, ranks, shapes), 4);
}

Test(model_api, scalar_constant_operand) {
  const int64_t in_shape[] = {2, 3, 4};
  const int ranks[] = {3};
  const int64_t shapes[][OCLNN_MAX_RANK] = {{2, 3, 4}};
  cr_expect_eq(check_api_net("addscalar", 3, in_shape, 1, ranks, shapes), 1, "Add+Relu fused");
}

Test(model_api, plan_time_refusals_name_the_node) {
  oclnn_context *ctx = test_context();
  skip_without_loader(ctx);
  const int64_t shape[] = {2, 3, 4};
  oclnn_tensor in = oclnn_tensor_view(NULL, 0, 3, shape);
  int rank;
  int64_t out_shape[OCLNN_MAX_RANK];
  /* A reshape to rank 6 feeding a device op: refused, never a view past OCLNN_MAX_RANK. */
  oclnn_model *model = load_api_net(ctx, "rank6");
  cr_expect_eq(oclnn_model_output_shape(model, &in, 1, 0, &rank, out_shape), OCLNN_ERR_UNSUPPORTED);
  cr_expect(strstr(oclnn_context_error(ctx), "node 'relu6' (Relu)") != NULL, "%s",
            oclnn_context_error(ctx));
  oclnn_model_free(model);
  /* Shape of an omitted input: refused at plan time (its output feeds a Reshape of data). */
  model = load_api_net(ctx, "shape_empty");
  cr_expect_eq(oclnn_model_output_shape(model, &in, 1, 0, &rank, out_shape),
               OCLNN_ERR_INVALID_VALUE);
  cr_expect(strstr(oclnn_context_error(ctx), "node 'shape_of_nothing' (Shape)") != NULL, "%s",
            oclnn_context_error(ctx));
  oclnn_model_free(model);
}
