/* Bad input for the normalization layers: every validation rule returns its exact status, names
 * the function in the context's message, and leaves the output, the running statistics and
 * num_batches_tracked untouched. */
#include "norm_reference.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define SENTINEL 777.0f

/* Tensors shared by the tables: in/out/residual (2, 3, 4) in buffers of 64 floats, per-channel
 * tensors (3) holding 1. */
typedef struct fixture {
  oclnn_context *ctx;
  cl_mem in_buf, out_buf, res_buf, w_buf, b_buf, rm_buf, rv_buf, big_buf;
  oclnn_tensor in, out, res, w, b, rm, rv, logits3, logits2;
  int64_t nbt;
} fixture;

static cl_mem make_buffer(oclnn_context *ctx, size_t floats, float value) {
  cl_int err = CL_SUCCESS;
  cl_mem m = clCreateBuffer(oclnn_context_cl_context(ctx), CL_MEM_READ_WRITE,
                            floats * sizeof(float), NULL, &err);
  cr_assert_eq(err, CL_SUCCESS);
  float *host = malloc(floats * sizeof *host);
  for (size_t i = 0; i < floats; i++)
    host[i] = value;
  cr_assert_eq(clEnqueueWriteBuffer(oclnn_context_cl_queue(ctx), m, CL_TRUE, 0,
                                    floats * sizeof(float), host, 0, NULL, NULL),
               CL_SUCCESS);
  free(host);
  return m;
}

static void setup(fixture *f) {
  memset(f, 0, sizeof *f);
  f->ctx = test_context();
  const int64_t shape[3] = {2, 3, 4}, cshape[1] = {3}, l3[1] = {3}, l2[1] = {2};
  f->in_buf = make_buffer(f->ctx, 64, 0.5f);
  f->out_buf = make_buffer(f->ctx, 64, SENTINEL);
  f->res_buf = make_buffer(f->ctx, 64, 0.25f);
  f->w_buf = make_buffer(f->ctx, 3, 1.0f);
  f->b_buf = make_buffer(f->ctx, 3, 1.0f);
  f->rm_buf = make_buffer(f->ctx, 3, 1.0f);
  f->rv_buf = make_buffer(f->ctx, 3, 1.0f);
  f->big_buf = make_buffer(f->ctx, 64, 1.0f);
  /* Distinct input values so that statistics are well defined. */
  float values[24];
  test_fill_random(values, 24, 5);
  cr_assert_eq(clEnqueueWriteBuffer(oclnn_context_cl_queue(f->ctx), f->in_buf, CL_TRUE, 0,
                                    sizeof values, values, 0, NULL, NULL),
               CL_SUCCESS);
  f->in = oclnn_tensor_view(f->in_buf, 0, 3, shape);
  f->out = oclnn_tensor_view(f->out_buf, 0, 3, shape);
  f->res = oclnn_tensor_view(f->res_buf, 0, 3, shape);
  f->w = oclnn_tensor_view(f->w_buf, 0, 1, cshape);
  f->b = oclnn_tensor_view(f->b_buf, 0, 1, cshape);
  f->rm = oclnn_tensor_view(f->rm_buf, 0, 1, cshape);
  f->rv = oclnn_tensor_view(f->rv_buf, 0, 1, cshape);
  f->logits3 = oclnn_tensor_view(f->big_buf, 0, 1, l3);
  f->logits2 = oclnn_tensor_view(f->big_buf, 8, 1, l2);
  f->nbt = 5;
}

static void teardown(fixture *f) {
  cl_mem all[] = {f->in_buf, f->out_buf, f->res_buf, f->w_buf,
                  f->b_buf,  f->rm_buf,  f->rv_buf,  f->big_buf};
  for (size_t i = 0; i < sizeof all / sizeof all[0]; i++)
    clReleaseMemObject(all[i]);
}

static void assert_buffer(fixture *f, cl_mem m, size_t floats, float value, const char *what,
                          const char *label) {
  float host[64];
  cr_assert_eq(clEnqueueReadBuffer(oclnn_context_cl_queue(f->ctx), m, CL_TRUE, 0,
                                   floats * sizeof(float), host, 0, NULL, NULL),
               CL_SUCCESS);
  for (size_t i = 0; i < floats; i++)
    cr_assert(host[i] == value, "%s: %s element %zu was written (%g)", label, what, i,
              (double)host[i]);
}

/* Runs `call`, expects `want`, a message naming `fn`, and nothing written. */
#define EXPECT(f, label, want, fn, call)                                                           \
  do {                                                                                             \
    oclnn_status got_ = (call);                                                                    \
    cr_assert_eq(got_, (want), "%s: got %s, expected %s (%s)", (label), oclnn_status_string(got_), \
                 oclnn_status_string(want), oclnn_context_error((f)->ctx));                        \
    cr_assert(strstr(oclnn_context_error((f)->ctx), (fn)) != NULL,                                 \
              "%s: message \"%s\" does not name %s", (label), oclnn_context_error((f)->ctx),       \
              (fn));                                                                               \
    assert_buffer((f), (f)->out_buf, 64, SENTINEL, "out", (label));                                \
    assert_buffer((f), (f)->rm_buf, 3, 1.0f, "running_mean", (label));                             \
    assert_buffer((f), (f)->rv_buf, 3, 1.0f, "running_var", (label));                              \
    cr_assert_eq((f)->nbt, 5, "%s: num_batches_tracked changed", (label));                         \
  } while (0)

Test(norm_invalid, create) {
  oclnn_context *ctx = test_context();
  oclnn_batch_norm *bn = NULL;
  oclnn_batch_norm_desc bd = oclnn_batch_norm_desc_default(2, 3);
  cr_assert_eq(oclnn_batch_norm_create(NULL, &bd, &bn), OCLNN_ERR_NULL_ARGUMENT);
  cr_assert_eq(oclnn_batch_norm_create(ctx, NULL, &bn), OCLNN_ERR_NULL_ARGUMENT);
  cr_assert_eq(oclnn_batch_norm_create(ctx, &bd, NULL), OCLNN_ERR_NULL_ARGUMENT);
  bd.dims = 0;
  cr_assert_eq(oclnn_batch_norm_create(ctx, &bd, &bn), OCLNN_ERR_INVALID_VALUE);
  cr_assert(strstr(oclnn_context_error(ctx), "oclnn_batch_norm_create: desc->dims is 0"));
  bd.dims = 4;
  cr_assert_eq(oclnn_batch_norm_create(ctx, &bd, &bn), OCLNN_ERR_INVALID_VALUE);
  bd = oclnn_batch_norm_desc_default(1, -1);
  cr_assert_eq(oclnn_batch_norm_create(ctx, &bd, &bn), OCLNN_ERR_INVALID_VALUE);
  cr_assert_null(bn);

  oclnn_instance_norm *in = NULL;
  oclnn_instance_norm_desc id = oclnn_instance_norm_desc_default(4, 3);
  cr_assert_eq(oclnn_instance_norm_create(ctx, &id, &in), OCLNN_ERR_INVALID_VALUE);
  id = oclnn_instance_norm_desc_default(1, -2);
  cr_assert_eq(oclnn_instance_norm_create(ctx, &id, &in), OCLNN_ERR_INVALID_VALUE);
  cr_assert_eq(oclnn_instance_norm_create(ctx, NULL, &in), OCLNN_ERR_NULL_ARGUMENT);
  cr_assert_null(in);

  oclnn_layer_norm *ln = NULL;
  const int64_t ns[2] = {3, 4}, negative[2] = {3, -1}, huge[2] = {INT64_MAX / 2, 4};
  oclnn_layer_norm_desc ld = oclnn_layer_norm_desc_default(0, ns);
  cr_assert_eq(oclnn_layer_norm_create(ctx, &ld, &ln), OCLNN_ERR_INVALID_VALUE);
  ld = oclnn_layer_norm_desc_default(2, ns);
  ld.normalized_rank = 6;
  cr_assert_eq(oclnn_layer_norm_create(ctx, &ld, &ln), OCLNN_ERR_INVALID_VALUE);
  ld = oclnn_layer_norm_desc_default(2, negative);
  cr_assert_eq(oclnn_layer_norm_create(ctx, &ld, &ln), OCLNN_ERR_INVALID_VALUE);
  ld = oclnn_layer_norm_desc_default(2, huge);
  cr_assert_eq(oclnn_layer_norm_create(ctx, &ld, &ln), OCLNN_ERR_OVERFLOW);
  cr_assert_null(ln);

  oclnn_group_norm *gn = NULL;
  oclnn_group_norm_desc gd = oclnn_group_norm_desc_default(0, 4);
  cr_assert_eq(oclnn_group_norm_create(ctx, &gd, &gn), OCLNN_ERR_INVALID_VALUE);
  gd = oclnn_group_norm_desc_default(3, 4);
  cr_assert_eq(oclnn_group_norm_create(ctx, &gd, &gn), OCLNN_ERR_INVALID_VALUE);
  cr_assert(strstr(oclnn_context_error(ctx), "divisible"));
  gd = oclnn_group_norm_desc_default(2, -2);
  cr_assert_eq(oclnn_group_norm_create(ctx, &gd, &gn), OCLNN_ERR_INVALID_VALUE);
  cr_assert_null(gn);

  oclnn_lrn *lrn = NULL;
  oclnn_lrn_desc rd = oclnn_lrn_desc_default(0);
  cr_assert_eq(oclnn_lrn_create(ctx, &rd, &lrn), OCLNN_ERR_INVALID_VALUE);
  cr_assert(strstr(oclnn_context_error(ctx), "oclnn_lrn_create: desc->size is 0"));
  rd.size = -3;
  cr_assert_eq(oclnn_lrn_create(ctx, &rd, &lrn), OCLNN_ERR_INVALID_VALUE);
  rd.size = (int64_t)INT32_MAX + 1;
  cr_assert_eq(oclnn_lrn_create(ctx, &rd, &lrn), OCLNN_ERR_OVERFLOW);
  cr_assert_null(lrn);

  oclnn_switchable_norm *sn = NULL;
  oclnn_switchable_norm_desc sd = oclnn_switchable_norm_desc_default(0, 3);
  cr_assert_eq(oclnn_switchable_norm_create(ctx, &sd, &sn), OCLNN_ERR_INVALID_VALUE);
  sd = oclnn_switchable_norm_desc_default(2, -1);
  cr_assert_eq(oclnn_switchable_norm_create(ctx, &sd, &sn), OCLNN_ERR_INVALID_VALUE);
  cr_assert_null(sn);

  /* free(NULL) is a no-op everywhere. */
  oclnn_batch_norm_free(NULL);
  oclnn_instance_norm_free(NULL);
  oclnn_layer_norm_free(NULL);
  oclnn_group_norm_free(NULL);
  oclnn_lrn_free(NULL);
  oclnn_switchable_norm_free(NULL);
}

Test(norm_invalid, batch_norm_forward) {
  fixture fx, *f = &fx;
  setup(f);
  oclnn_batch_norm_desc desc = oclnn_batch_norm_desc_default(1, 3);
  desc.momentum_none = 1;
  oclnn_batch_norm *l = NULL;
  TEST_OK(f->ctx, oclnn_batch_norm_create(f->ctx, &desc, &l));
  const char *fn = "oclnn_batch_norm_forward";
  const int64_t s4[1] = {4}, s234[3] = {2, 3, 4}, s1[2] = {1, 3}, s2[2] = {2, 12};
  oclnn_tensor w4 = oclnn_tensor_view(f->w_buf, 0, 1, s4);
  oclnn_tensor out_bad = oclnn_tensor_view(f->out_buf, 0, 2, s2);
  oclnn_tensor res_bad = oclnn_tensor_view(f->res_buf, 0, 2, s2);
  oclnn_tensor in_null = oclnn_tensor_view(NULL, 0, 3, s234);
  oclnn_tensor in_oob = oclnn_tensor_view(f->in_buf, 50, 3, s234);
  oclnn_tensor out_over_in = oclnn_tensor_view(f->in_buf, 20, 3, s234);
  oclnn_tensor rm_over_rv = oclnn_tensor_view(f->rv_buf, 0, 1, f->rm.shape);
  oclnn_tensor res_is_out = f->out;
  oclnn_tensor in_one = oclnn_tensor_view(f->in_buf, 0, 2, s1);
  oclnn_tensor out_one = oclnn_tensor_view(f->out_buf, 0, 2, s1);
  oclnn_tensor rank1 = oclnn_tensor_view(f->in_buf, 0, 1, s4);
  oclnn_tensor rank1_out = oclnn_tensor_view(f->out_buf, 0, 1, s4);
  int64_t *n = &f->nbt, negative = -1;

  /* Without a layer there is no context: the message is the thread's. */
  cr_assert_eq(
      oclnn_batch_norm_forward(NULL, 1, &f->in, &f->w, &f->b, &f->rm, &f->rv, n, NULL, &f->out),
      OCLNN_ERR_NULL_ARGUMENT);
  cr_assert(strstr(oclnn_context_error(NULL), "oclnn_batch_norm_forward: layer is NULL"));
  EXPECT(f, "NULL in", OCLNN_ERR_NULL_ARGUMENT, fn,
         oclnn_batch_norm_forward(l, 1, NULL, &f->w, &f->b, &f->rm, &f->rv, n, NULL, &f->out));
  EXPECT(f, "NULL out", OCLNN_ERR_NULL_ARGUMENT, fn,
         oclnn_batch_norm_forward(l, 1, &f->in, &f->w, &f->b, &f->rm, &f->rv, n, NULL, NULL));
  EXPECT(f, "NULL buffer", OCLNN_ERR_INVALID_BUFFER, fn,
         oclnn_batch_norm_forward(l, 1, &in_null, &f->w, &f->b, &f->rm, &f->rv, n, NULL, &f->out));
  EXPECT(f, "in out of bounds", OCLNN_ERR_OUT_OF_BOUNDS, fn,
         oclnn_batch_norm_forward(l, 1, &in_oob, &f->w, &f->b, &f->rm, &f->rv, n, NULL, &f->out));
  EXPECT(f, "rank 1", OCLNN_ERR_INVALID_SHAPE, fn,
         oclnn_batch_norm_forward(l, 1, &rank1, &f->w, &f->b, &f->rm, &f->rv, n, NULL, &rank1_out));
  EXPECT(f, "one value per channel", OCLNN_ERR_INVALID_SHAPE, fn,
         oclnn_batch_norm_forward(l, 1, &in_one, &f->w, &f->b, &f->rm, &f->rv, n, NULL, &out_one));
  EXPECT(f, "weight missing", OCLNN_ERR_NULL_ARGUMENT, fn,
         oclnn_batch_norm_forward(l, 1, &f->in, NULL, &f->b, &f->rm, &f->rv, n, NULL, &f->out));
  EXPECT(f, "weight shape", OCLNN_ERR_INVALID_SHAPE, fn,
         oclnn_batch_norm_forward(l, 1, &f->in, &w4, &f->b, &f->rm, &f->rv, n, NULL, &f->out));
  EXPECT(f, "running_var missing", OCLNN_ERR_NULL_ARGUMENT, fn,
         oclnn_batch_norm_forward(l, 1, &f->in, &f->w, &f->b, &f->rm, NULL, n, NULL, &f->out));
  EXPECT(f, "out shape", OCLNN_ERR_INVALID_SHAPE, fn,
         oclnn_batch_norm_forward(l, 1, &f->in, &f->w, &f->b, &f->rm, &f->rv, n, NULL, &out_bad));
  EXPECT(
      f, "residual shape", OCLNN_ERR_INVALID_SHAPE, fn,
      oclnn_batch_norm_forward(l, 1, &f->in, &f->w, &f->b, &f->rm, &f->rv, n, &res_bad, &f->out));
  EXPECT(f, "momentum=None without counter", OCLNN_ERR_NULL_ARGUMENT, fn,
         oclnn_batch_norm_forward(l, 1, &f->in, &f->w, &f->b, &f->rm, &f->rv, NULL, NULL, &f->out));
  EXPECT(f, "negative counter", OCLNN_ERR_INVALID_VALUE, fn,
         oclnn_batch_norm_forward(l, 1, &f->in, &f->w, &f->b, &f->rm, &f->rv, &negative, NULL,
                                  &f->out));
  EXPECT(
      f, "out overlaps in", OCLNN_ERR_ALIASING, fn,
      oclnn_batch_norm_forward(l, 1, &f->in, &f->w, &f->b, &f->rm, &f->rv, n, NULL, &out_over_in));
  EXPECT(
      f, "running_mean is running_var", OCLNN_ERR_ALIASING, fn,
      oclnn_batch_norm_forward(l, 1, &f->in, &f->w, &f->b, &rm_over_rv, &f->rv, n, NULL, &f->out));
  EXPECT(f, "residual is out", OCLNN_ERR_ALIASING, fn,
         oclnn_batch_norm_forward(l, 1, &f->in, &f->w, &f->b, &f->rm, &f->rv, n, &res_is_out,
                                  &f->out));
  EXPECT(f, "output_shape one value", OCLNN_ERR_INVALID_SHAPE, "oclnn_batch_norm_output_shape",
         oclnn_batch_norm_output_shape(l, 1, 2, s1, (int64_t[2]){0, 0}));
  int64_t shape_out[3] = {0, 0, 0};
  TEST_OK(f->ctx, oclnn_batch_norm_output_shape(l, 0, 2, s1, shape_out));
  cr_assert(shape_out[0] == 1 && shape_out[1] == 3);
  oclnn_batch_norm_free(l);

  /* A configuration without affine/running statistics refuses them. */
  desc = oclnn_batch_norm_desc_default(1, 3);
  desc.affine = 0;
  desc.track_running_stats = 0;
  TEST_OK(f->ctx, oclnn_batch_norm_create(f->ctx, &desc, &l));
  EXPECT(f, "weight given without affine", OCLNN_ERR_INVALID_VALUE, fn,
         oclnn_batch_norm_forward(l, 1, &f->in, &f->w, NULL, NULL, NULL, n, NULL, &f->out));
  EXPECT(f, "running stats given without tracking", OCLNN_ERR_INVALID_VALUE, fn,
         oclnn_batch_norm_forward(l, 0, &f->in, NULL, NULL, &f->rm, &f->rv, n, NULL, &f->out));
  oclnn_batch_norm_free(l);
  teardown(f);
}

Test(norm_invalid, instance_layer_group_forward) {
  fixture fx, *f = &fx;
  setup(f);
  const int64_t s231[3] = {2, 3, 1}, s2[2] = {2, 12}, s34[2] = {3, 4}, s12[1] = {12};
  oclnn_tensor in_spatial1 = oclnn_tensor_view(f->in_buf, 0, 3, s231);
  oclnn_tensor out_spatial1 = oclnn_tensor_view(f->out_buf, 0, 3, s231);
  oclnn_tensor in2 = oclnn_tensor_view(f->in_buf, 0, 2, s2);
  oclnn_tensor out2 = oclnn_tensor_view(f->out_buf, 0, 2, s2);
  oclnn_tensor rv_over_out = oclnn_tensor_view(f->out_buf, 5, 1, f->rm.shape);

  oclnn_instance_norm_desc id = oclnn_instance_norm_desc_default(1, 3);
  id.track_running_stats = 1;
  oclnn_instance_norm *in = NULL;
  TEST_OK(f->ctx, oclnn_instance_norm_create(f->ctx, &id, &in));
  const char *fn = "oclnn_instance_norm_forward";
  EXPECT(f, "IN one spatial element", OCLNN_ERR_INVALID_SHAPE, fn,
         oclnn_instance_norm_forward(in, 1, &in_spatial1, NULL, NULL, &f->rm, &f->rv, NULL,
                                     &out_spatial1));
  EXPECT(f, "IN rank 2 as (C, L) with C mismatch", OCLNN_ERR_INVALID_SHAPE, fn,
         oclnn_instance_norm_forward(in, 1, &in2, NULL, NULL, &f->rm, &f->rv, NULL, &out2));
  EXPECT(f, "IN weight without affine", OCLNN_ERR_INVALID_VALUE, fn,
         oclnn_instance_norm_forward(in, 1, &f->in, &f->w, NULL, &f->rm, &f->rv, NULL, &f->out));
  EXPECT(f, "IN running missing", OCLNN_ERR_NULL_ARGUMENT, fn,
         oclnn_instance_norm_forward(in, 1, &f->in, NULL, NULL, NULL, &f->rv, NULL, &f->out));
  EXPECT(
      f, "IN running_var inside out", OCLNN_ERR_ALIASING, fn,
      oclnn_instance_norm_forward(in, 1, &f->in, NULL, NULL, &f->rm, &rv_over_out, NULL, &f->out));
  oclnn_instance_norm_free(in);

  const int64_t ns[2] = {3, 4};
  oclnn_layer_norm_desc ld = oclnn_layer_norm_desc_default(2, ns);
  ld.bias = 0;
  oclnn_layer_norm *ln = NULL;
  TEST_OK(f->ctx, oclnn_layer_norm_create(f->ctx, &ld, &ln));
  fn = "oclnn_layer_norm_forward";
  oclnn_tensor w34 = oclnn_tensor_view(f->big_buf, 0, 2, s34);
  oclnn_tensor w12 = oclnn_tensor_view(f->big_buf, 0, 1, s12);
  EXPECT(f, "LN trailing dims", OCLNN_ERR_INVALID_SHAPE, fn,
         oclnn_layer_norm_forward(ln, &in2, &w34, NULL, NULL, &out2));
  EXPECT(f, "LN weight flat", OCLNN_ERR_INVALID_SHAPE, fn,
         oclnn_layer_norm_forward(ln, &f->in, &w12, NULL, NULL, &f->out));
  EXPECT(f, "LN bias without bias", OCLNN_ERR_INVALID_VALUE, fn,
         oclnn_layer_norm_forward(ln, &f->in, &w34, &w34, NULL, &f->out));
  EXPECT(f, "LN weight missing", OCLNN_ERR_NULL_ARGUMENT, fn,
         oclnn_layer_norm_forward(ln, &f->in, NULL, NULL, NULL, &f->out));
  EXPECT(f, "LN output_shape", OCLNN_ERR_INVALID_SHAPE, "oclnn_layer_norm_output_shape",
         oclnn_layer_norm_output_shape(ln, 2, s2, (int64_t[2]){0, 0}));
  oclnn_layer_norm_free(ln);

  oclnn_group_norm_desc gd = oclnn_group_norm_desc_default(3, 3);
  oclnn_group_norm *gn = NULL;
  TEST_OK(f->ctx, oclnn_group_norm_create(f->ctx, &gd, &gn));
  fn = "oclnn_group_norm_forward";
  const int64_t s13[2] = {1, 3}, s3[1] = {3};
  oclnn_tensor in13 = oclnn_tensor_view(f->in_buf, 0, 2, s13);
  oclnn_tensor out13 = oclnn_tensor_view(f->out_buf, 0, 2, s13);
  oclnn_tensor in_rank1 = oclnn_tensor_view(f->in_buf, 0, 1, s3);
  oclnn_tensor out_rank1 = oclnn_tensor_view(f->out_buf, 0, 1, s3);
  EXPECT(f, "GN one value", OCLNN_ERR_INVALID_SHAPE, fn,
         oclnn_group_norm_forward(gn, &in13, &f->w, &f->b, NULL, &out13));
  EXPECT(f, "GN rank 1", OCLNN_ERR_INVALID_SHAPE, fn,
         oclnn_group_norm_forward(gn, &in_rank1, &f->w, &f->b, NULL, &out_rank1));
  EXPECT(f, "GN channels", OCLNN_ERR_INVALID_SHAPE, fn,
         oclnn_group_norm_forward(gn, &in2, &f->w, &f->b, NULL, &out2));
  EXPECT(f, "GN bias missing", OCLNN_ERR_NULL_ARGUMENT, fn,
         oclnn_group_norm_forward(gn, &f->in, &f->w, NULL, NULL, &f->out));
  oclnn_group_norm_free(gn);
  teardown(f);
}

Test(norm_invalid, lrn_and_switchable_forward) {
  fixture fx, *f = &fx;
  setup(f);
  const int64_t s2[2] = {2, 12}, s4[1] = {4};
  oclnn_tensor in2 = oclnn_tensor_view(f->in_buf, 0, 2, s2);
  oclnn_tensor out2 = oclnn_tensor_view(f->out_buf, 0, 2, s2);
  oclnn_tensor out_over_in = oclnn_tensor_view(f->in_buf, 4, 3, f->in.shape);
  oclnn_tensor out_flat = oclnn_tensor_view(f->out_buf, 0, 2, s2);

  oclnn_lrn_desc rd = oclnn_lrn_desc_default(2);
  oclnn_lrn *lrn = NULL;
  TEST_OK(f->ctx, oclnn_lrn_create(f->ctx, &rd, &lrn));
  const char *fn = "oclnn_lrn_forward";
  EXPECT(f, "LRN rank 2", OCLNN_ERR_INVALID_SHAPE, fn, oclnn_lrn_forward(lrn, &in2, &out2));
  EXPECT(f, "LRN out shape", OCLNN_ERR_INVALID_SHAPE, fn,
         oclnn_lrn_forward(lrn, &f->in, &out_flat));
  EXPECT(f, "LRN overlap", OCLNN_ERR_ALIASING, fn, oclnn_lrn_forward(lrn, &f->in, &out_over_in));
  EXPECT(f, "LRN NULL", OCLNN_ERR_NULL_ARGUMENT, fn, oclnn_lrn_forward(lrn, NULL, &f->out));
  oclnn_lrn_free(lrn);

  oclnn_switchable_norm_desc sd = oclnn_switchable_norm_desc_default(1, 3);
  oclnn_switchable_norm *sn = NULL;
  TEST_OK(f->ctx, oclnn_switchable_norm_create(f->ctx, &sd, &sn));
  fn = "oclnn_switchable_norm_forward";
  oclnn_tensor w4 = oclnn_tensor_view(f->big_buf, 16, 1, s4);
  EXPECT(f, "SN rank", OCLNN_ERR_INVALID_SHAPE, fn,
         oclnn_switchable_norm_forward(sn, 1, &in2, &f->w, &f->b, &f->logits3, &f->logits3, &f->rm,
                                       &f->rv, NULL, &out2));
  EXPECT(f, "SN two logits with using_bn", OCLNN_ERR_INVALID_SHAPE, fn,
         oclnn_switchable_norm_forward(sn, 1, &f->in, &f->w, &f->b, &f->logits2, &f->logits3,
                                       &f->rm, &f->rv, NULL, &f->out));
  EXPECT(f, "SN weight missing", OCLNN_ERR_NULL_ARGUMENT, fn,
         oclnn_switchable_norm_forward(sn, 1, &f->in, NULL, &f->b, &f->logits3, &f->logits3, &f->rm,
                                       &f->rv, NULL, &f->out));
  EXPECT(f, "SN weight shape", OCLNN_ERR_INVALID_SHAPE, fn,
         oclnn_switchable_norm_forward(sn, 1, &f->in, &w4, &f->b, &f->logits3, &f->logits3, &f->rm,
                                       &f->rv, NULL, &f->out));
  EXPECT(f, "SN running missing", OCLNN_ERR_NULL_ARGUMENT, fn,
         oclnn_switchable_norm_forward(sn, 1, &f->in, &f->w, &f->b, &f->logits3, &f->logits3, NULL,
                                       NULL, NULL, &f->out));
  EXPECT(f, "SN running_mean overlaps in", OCLNN_ERR_ALIASING, fn,
         oclnn_switchable_norm_forward(sn, 1, &f->in, &f->w, &f->b, &f->logits3, &f->logits3,
                                       &(oclnn_tensor){f->in_buf, 0, 1, {3}}, &f->rv, NULL,
                                       &f->out));
  oclnn_switchable_norm_free(sn);

  sd.using_bn = 0;
  TEST_OK(f->ctx, oclnn_switchable_norm_create(f->ctx, &sd, &sn));
  EXPECT(f, "SN running given without using_bn", OCLNN_ERR_INVALID_VALUE, fn,
         oclnn_switchable_norm_forward(sn, 1, &f->in, &f->w, &f->b, &f->logits2, &f->logits2,
                                       &f->rm, &f->rv, NULL, &f->out));
  EXPECT(f, "SN three logits without using_bn", OCLNN_ERR_INVALID_SHAPE, fn,
         oclnn_switchable_norm_forward(sn, 1, &f->in, &f->w, &f->b, &f->logits3, &f->logits2, NULL,
                                       NULL, NULL, &f->out));
  oclnn_switchable_norm_free(sn);
  teardown(f);
}

/* A valid call after the refusals runs, writes, and updates running statistics (the fixture is
 * not broken, so the tables above test what they claim). */
Test(norm_invalid, valid_call_writes) {
  fixture fx, *f = &fx;
  setup(f);
  oclnn_batch_norm_desc desc = oclnn_batch_norm_desc_default(1, 3);
  oclnn_batch_norm *l = NULL;
  TEST_OK(f->ctx, oclnn_batch_norm_create(f->ctx, &desc, &l));
  TEST_OK(f->ctx, oclnn_batch_norm_forward(l, 1, &f->in, &f->w, &f->b, &f->rm, &f->rv, &f->nbt,
                                           &f->res, &f->out));
  cr_assert_eq(f->nbt, 6);
  float out[24], rm[3];
  TEST_OK(f->ctx, oclnn_tensor_download(f->ctx, &f->out, out, 24));
  TEST_OK(f->ctx, oclnn_tensor_download(f->ctx, &f->rm, rm, 3));
  for (int i = 0; i < 24; i++)
    cr_assert(out[i] != SENTINEL && isfinite(out[i]));
  for (int i = 0; i < 3; i++)
    cr_assert(rm[i] != 1.0f);
  oclnn_batch_norm_free(l);
  teardown(f);
}
