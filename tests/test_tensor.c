/* Tensors: views, element counts with overflow, allocation with exact error statuses,
 * synchronising upload/download at element offsets, and the checks of a view against its
 * buffer (CL_MEM_SIZE, NULL, another OpenCL context). */
#include "test_support.h"

#include <stdio.h>
#include <string.h>

#define SENTINEL (-777.0f)

static cl_mem raw_buffer(oclnn_context *ctx, size_t bytes) {
  cl_int err = CL_SUCCESS;
  cl_mem buffer =
      clCreateBuffer(oclnn_context_cl_context(ctx), CL_MEM_READ_WRITE, bytes, NULL, &err);
  cr_assert_eq(err, CL_SUCCESS, "clCreateBuffer(%zu bytes): %d", bytes, err);
  return buffer;
}

/* A buffer of `count` floats, every one SENTINEL. */
static cl_mem sentinel_buffer(oclnn_context *ctx, size_t count) {
  cl_mem buffer = raw_buffer(ctx, count * sizeof(float));
  float value = SENTINEL;
  cr_assert_eq(clEnqueueFillBuffer(oclnn_context_cl_queue(ctx), buffer, &value, sizeof value, 0,
                                   count * sizeof(float), 0, NULL, NULL),
               CL_SUCCESS);
  cr_assert_eq(clFinish(oclnn_context_cl_queue(ctx)), CL_SUCCESS);
  return buffer;
}

static void read_raw(oclnn_context *ctx, cl_mem buffer, float *host, size_t count) {
  cr_assert_eq(clEnqueueReadBuffer(oclnn_context_cl_queue(ctx), buffer, CL_TRUE, 0,
                                   count * sizeof(float), host, 0, NULL, NULL),
               CL_SUCCESS);
}

/* Asserts status and that the context's message names every given fragment. */
static void assert_fails(oclnn_context *ctx, oclnn_status got, oclnn_status want, const char *what,
                         const char *fragment1, const char *fragment2) {
  cr_assert_eq(got, want, "%s -> %s, expected %s (%s)", what, oclnn_status_string(got),
               oclnn_status_string(want), oclnn_context_error(ctx));
  const char *message = oclnn_context_error(ctx);
  cr_assert(fragment1 == NULL || strstr(message, fragment1),
            "%s: the message does not name \"%s\": %s", what, fragment1, message);
  cr_assert(fragment2 == NULL || strstr(message, fragment2),
            "%s: the message does not name \"%s\": %s", what, fragment2, message);
}

/* ---- views and element counts --------------------------------------------------------------- */

Test(tensor, view_fills_the_struct) {
  const int64_t shape[5] = {2, 3, 4, 5, 6};
  cl_mem fake = (cl_mem)(uintptr_t)0x1234; /* never dereferenced: views check nothing */
  oclnn_tensor t = oclnn_tensor_view(fake, 7, 3, shape);
  cr_assert_eq(t.buffer, fake);
  cr_assert_eq(t.offset, 7u);
  cr_assert_eq(t.rank, 3);
  cr_assert_eq(t.shape[0], 2);
  cr_assert_eq(t.shape[1], 3);
  cr_assert_eq(t.shape[2], 4);
  cr_assert_eq(t.shape[3], 0, "dims past the rank are zeroed");
  cr_assert_eq(t.shape[4], 0, "dims past the rank are zeroed");
  cr_assert_eq(oclnn_tensor_numel(&t), 24);

  oclnn_tensor five = oclnn_tensor_view(NULL, 0, 5, shape);
  cr_assert_eq(oclnn_tensor_numel(&five), 720);

  /* Ranks outside 1..5 are kept as given, and have no element count. */
  oclnn_tensor zero_rank = oclnn_tensor_view(NULL, 0, 0, shape);
  cr_assert_eq(zero_rank.rank, 0);
  cr_assert_eq(oclnn_tensor_numel(&zero_rank), -1);
  oclnn_tensor six = oclnn_tensor_view(NULL, 0, 6, shape);
  cr_assert_eq(six.rank, 6);
  cr_assert_eq(oclnn_tensor_numel(&six), -1);
  oclnn_tensor negative_rank = oclnn_tensor_view(NULL, 0, -1, shape);
  cr_assert_eq(negative_rank.rank, -1);
  cr_assert_eq(oclnn_tensor_numel(&negative_rank), -1);
  cr_assert_eq(oclnn_tensor_numel(NULL), -1);
}

Test(tensor, numel_rejects_negative_dims_and_overflow) {
  struct {
    int rank;
    int64_t shape[5];
    int64_t want;
  } cases[] = {
      {1, {0}, 0},
      {3, {4, 0, 5}, 0},
      {1, {INT64_MAX}, INT64_MAX},
      {2, {(int64_t)1 << 31, (int64_t)1 << 31}, (int64_t)1 << 62},
      {5, {1 << 12, 1 << 12, 1 << 12, 1 << 12, 1 << 12}, (int64_t)1 << 60},
      /* 3037000499^2 is the largest square below 2^63. */
      {4, {3037000499, 3037000499, 1, 1}, (int64_t)3037000499 * 3037000499},
      {1, {-1}, -1},
      {3, {2, -3, 4}, -1},
      {2, {INT64_MIN, 1}, -1},
      {2, {(int64_t)1 << 32, (int64_t)1 << 31}, -1},          /* exactly 2^63 */
      {2, {INT64_MAX, 2}, -1},                                /* just over */
      {4, {3037000500, 3037000500, 1, 1}, -1},                /* just over */
      {5, {1 << 13, 1 << 13, 1 << 13, 1 << 13, 1 << 13}, -1}, /* 2^65 */
  };
  for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
    oclnn_tensor t = oclnn_tensor_view(NULL, 0, cases[i].rank, cases[i].shape);
    cr_assert_eq(oclnn_tensor_numel(&t), cases[i].want, "case %zu: numel %lld, expected %lld", i,
                 (long long)oclnn_tensor_numel(&t), (long long)cases[i].want);
  }
}

/* ---- allocation ----------------------------------------------------------------------------- */

Test(tensor, alloc_gives_a_buffer_of_the_context) {
  oclnn_context *ctx = test_context();
  const int64_t shape[5] = {2, 3, 4, 5, 6};
  for (int rank = 1; rank <= 5; rank++) {
    oclnn_tensor t;
    TEST_OK(ctx, oclnn_tensor_alloc(ctx, rank, shape, &t));
    cr_assert_not_null(t.buffer);
    cr_assert_eq(t.offset, 0u);
    cr_assert_eq(t.rank, rank);
    for (int i = 0; i < OCLNN_MAX_RANK; i++)
      cr_assert_eq(t.shape[i], i < rank ? shape[i] : 0);
    cl_context owner = NULL;
    size_t size = 0;
    clGetMemObjectInfo(t.buffer, CL_MEM_CONTEXT, sizeof owner, &owner, NULL);
    clGetMemObjectInfo(t.buffer, CL_MEM_SIZE, sizeof size, &size, NULL);
    cr_assert_eq(owner, oclnn_context_cl_context(ctx));
    cr_assert_geq(size, (size_t)oclnn_tensor_numel(&t) * sizeof(float));
    oclnn_tensor_free(&t);
    cr_assert_null(t.buffer, "oclnn_tensor_free zeroes the struct");
    cr_assert_eq(t.rank, 0);
    oclnn_tensor_free(&t); /* a zeroed struct is a no-op */
  }

  /* An empty tensor is allowed and round-trips nothing. */
  const int64_t empty_shape[3] = {2, 0, 3};
  oclnn_tensor empty;
  TEST_OK(ctx, oclnn_tensor_alloc(ctx, 3, empty_shape, &empty));
  cr_assert_not_null(empty.buffer);
  cr_assert_eq(oclnn_tensor_numel(&empty), 0);
  float host[1] = {SENTINEL};
  TEST_OK(ctx, oclnn_tensor_upload(ctx, &empty, host, 0));
  TEST_OK(ctx, oclnn_tensor_download(ctx, &empty, host, 0));
  cr_assert_eq(host[0], SENTINEL);
  oclnn_tensor_free(&empty);
}

Test(tensor, alloc_refuses_bad_shapes_with_exact_statuses) {
  oclnn_context *ctx = test_context();
  const int64_t big = (int64_t)1 << 40;
  struct {
    int rank;
    int64_t shape[6];
    oclnn_status want;
    const char *fragment;
  } cases[] = {
      {0, {1}, OCLNN_ERR_INVALID_SHAPE, "rank 0"},
      {6, {1, 1, 1, 1, 1, 1}, OCLNN_ERR_INVALID_SHAPE, "rank 6"},
      {-2, {1}, OCLNN_ERR_INVALID_SHAPE, "rank -2"},
      {1, {-1}, OCLNN_ERR_INVALID_SHAPE, "-1"},
      {3, {2, 3, -4}, OCLNN_ERR_INVALID_SHAPE, "-4"},
      {2, {INT64_MAX, 2}, OCLNN_ERR_OVERFLOW, "shape"},
      {3, {big, big, big}, OCLNN_ERR_OVERFLOW, "shape"},
      /* Fits int64 as elements, not as bytes. */
      {1, {(int64_t)1 << 62}, OCLNN_ERR_OVERFLOW, "shape"},
      {2, {(int64_t)1 << 31, (int64_t)1 << 30}, OCLNN_ERR_OVERFLOW, "shape"},
      /* Representable, but no device holds 4 TiB in one buffer. */
      {1, {big}, OCLNN_ERR_OUT_OF_MEMORY, "bytes"},
  };
  for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
    oclnn_tensor t;
    memset(&t, 0, sizeof t);
    oclnn_status status = oclnn_tensor_alloc(ctx, cases[i].rank, cases[i].shape, &t);
    char what[64];
    snprintf(what, sizeof what, "alloc case %zu", i);
    assert_fails(ctx, status, cases[i].want, what, "oclnn_tensor_alloc", cases[i].fragment);
    cr_assert_null(t.buffer, "%s: a buffer was created on failure", what);
  }
}

Test(tensor, alloc_null_arguments) {
  oclnn_context *ctx = test_context();
  const int64_t shape[1] = {4};
  oclnn_tensor t;
  cr_assert_eq(oclnn_tensor_alloc(NULL, 1, shape, &t), OCLNN_ERR_NULL_ARGUMENT);
  cr_assert(strstr(oclnn_context_error(NULL), "oclnn_tensor_alloc") &&
                strstr(oclnn_context_error(NULL), "ctx"),
            "without a context the message goes to oclnn_context_error(NULL): %s",
            oclnn_context_error(NULL));
  assert_fails(ctx, oclnn_tensor_alloc(ctx, 1, NULL, &t), OCLNN_ERR_NULL_ARGUMENT, "shape NULL",
               "oclnn_tensor_alloc", "shape");
  assert_fails(ctx, oclnn_tensor_alloc(ctx, 1, shape, NULL), OCLNN_ERR_NULL_ARGUMENT, "out NULL",
               "oclnn_tensor_alloc", "out");
}

/* ---- upload and download -------------------------------------------------------------------- */

Test(tensor, round_trip_at_an_offset_touches_only_the_view) {
  oclnn_context *ctx = test_context();
  enum { TOTAL = 100, OFFSET = 13, COUNT = 2 * 3 * 4 };
  cl_mem buffer = sentinel_buffer(ctx, TOTAL);
  const int64_t shape[3] = {2, 3, 4};
  oclnn_tensor view = oclnn_tensor_view(buffer, OFFSET, 3, shape);
  float data[COUNT], back[COUNT], all[TOTAL];
  test_fill_random(data, COUNT, 11);
  TEST_OK(ctx, oclnn_tensor_upload(ctx, &view, data, COUNT));

  read_raw(ctx, buffer, all, TOTAL);
  for (int i = 0; i < TOTAL; i++) {
    if (i >= OFFSET && i < OFFSET + COUNT)
      cr_assert_eq(all[i], data[i - OFFSET], "element %d", i);
    else
      cr_assert_eq(all[i], SENTINEL, "element %d outside the view was written", i);
  }
  memset(back, 0, sizeof back);
  TEST_OK(ctx, oclnn_tensor_download(ctx, &view, back, COUNT));
  cr_assert_arr_eq(back, data, sizeof data);

  /* A view ending exactly at the end of the buffer, and one rank-1 view over all of it. */
  const int64_t tail_shape[1] = {TOTAL - 90};
  oclnn_tensor tail = oclnn_tensor_view(buffer, 90, 1, tail_shape);
  float tail_data[TOTAL - 90];
  test_fill_random(tail_data, TOTAL - 90, 12);
  TEST_OK(ctx, oclnn_tensor_upload(ctx, &tail, tail_data, TOTAL - 90));
  const int64_t whole_shape[1] = {TOTAL};
  oclnn_tensor whole = oclnn_tensor_view(buffer, 0, 1, whole_shape);
  TEST_OK(ctx, oclnn_tensor_download(ctx, &whole, all, TOTAL));
  for (int i = 0; i < TOTAL; i++) {
    float want = i >= 90                               ? tail_data[i - 90]
                 : (i >= OFFSET && i < OFFSET + COUNT) ? data[i - OFFSET]
                                                       : SENTINEL;
    cr_assert_eq(all[i], want, "element %d", i);
  }
  /* An empty view at the very end is fine. */
  const int64_t empty_shape[2] = {0, 5};
  oclnn_tensor empty = oclnn_tensor_view(buffer, TOTAL, 2, empty_shape);
  TEST_OK(ctx, oclnn_tensor_upload(ctx, &empty, data, 0));
  clReleaseMemObject(buffer);
}

Test(tensor, count_must_equal_the_element_count) {
  oclnn_context *ctx = test_context();
  cl_mem buffer = sentinel_buffer(ctx, 16);
  const int64_t shape[2] = {2, 4};
  oclnn_tensor view = oclnn_tensor_view(buffer, 4, 2, shape);
  float host[16];
  for (int i = 0; i < 16; i++)
    host[i] = (float)i;
  const size_t counts[] = {7, 9, 0, 16};
  for (size_t i = 0; i < sizeof counts / sizeof counts[0]; i++) {
    assert_fails(ctx, oclnn_tensor_upload(ctx, &view, host, counts[i]), OCLNN_ERR_INVALID_VALUE,
                 "upload count", "oclnn_tensor_upload", "count");
    float before[16];
    memcpy(before, host, sizeof host);
    assert_fails(ctx, oclnn_tensor_download(ctx, &view, host, counts[i]), OCLNN_ERR_INVALID_VALUE,
                 "download count", "oclnn_tensor_download", "count");
    cr_assert_arr_eq(host, before, sizeof host, "a failed download wrote to host memory");
  }
  float all[16];
  read_raw(ctx, buffer, all, 16);
  for (int i = 0; i < 16; i++)
    cr_assert_eq(all[i], SENTINEL, "a failed upload wrote element %d", i);
  clReleaseMemObject(buffer);
}

Test(tensor, views_past_the_buffer_are_out_of_bounds) {
  oclnn_context *ctx = test_context();
  enum { TOTAL = 100 };
  cl_mem buffer = sentinel_buffer(ctx, TOTAL);
  float host[TOTAL + 8];
  for (int i = 0; i < TOTAL + 8; i++)
    host[i] = (float)i;
  struct {
    size_t offset;
    int rank;
    int64_t shape[3];
  } cases[] = {
      {0, 1, {TOTAL + 1}}, {90, 1, {11}},          {1, 2, {10, 10}},
      {TOTAL, 1, {1}},     {TOTAL + 1, 1, {0}},    {99, 3, {1, 1, 2}},
      {SIZE_MAX, 1, {1}},  {SIZE_MAX / 4, 1, {8}}, {(size_t)1 << 62, 1, {4}},
  };
  for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
    oclnn_tensor view = oclnn_tensor_view(buffer, cases[i].offset, cases[i].rank, cases[i].shape);
    size_t count = (size_t)oclnn_tensor_numel(&view);
    char what[64];
    snprintf(what, sizeof what, "out-of-bounds case %zu", i);
    assert_fails(ctx, oclnn_tensor_upload(ctx, &view, host, count), OCLNN_ERR_OUT_OF_BOUNDS, what,
                 "oclnn_tensor_upload", "tensor");
    cr_assert(strstr(oclnn_context_error(ctx), "offset"), "%s: %s", what, oclnn_context_error(ctx));
    assert_fails(ctx, oclnn_tensor_download(ctx, &view, host, count), OCLNN_ERR_OUT_OF_BOUNDS, what,
                 "oclnn_tensor_download", "tensor");
  }
  float all[TOTAL];
  read_raw(ctx, buffer, all, TOTAL);
  for (int i = 0; i < TOTAL; i++)
    cr_assert_eq(all[i], SENTINEL, "a refused upload wrote element %d", i);
  clReleaseMemObject(buffer);

  /* CL_MEM_SIZE that is not a whole number of floats: 10 bytes hold 2 floats, not 3. */
  cl_mem odd = raw_buffer(ctx, 10);
  const int64_t three[1] = {3}, two[1] = {2};
  oclnn_tensor view3 = oclnn_tensor_view(odd, 0, 1, three);
  assert_fails(ctx, oclnn_tensor_upload(ctx, &view3, host, 3), OCLNN_ERR_OUT_OF_BOUNDS,
               "3 floats in 10 bytes", "oclnn_tensor_upload", NULL);
  oclnn_tensor view2 = oclnn_tensor_view(odd, 0, 1, two);
  TEST_OK(ctx, oclnn_tensor_upload(ctx, &view2, host, 2));
  clReleaseMemObject(odd);
}

Test(tensor, sub_buffer_views_are_checked_against_the_sub_buffer) {
  oclnn_context *ctx = test_context();
  cl_uint align_bits = 0;
  clGetDeviceInfo(oclnn_context_cl_device(ctx), CL_DEVICE_MEM_BASE_ADDR_ALIGN, sizeof align_bits,
                  &align_bits, NULL);
  size_t origin = align_bits / 8 ? align_bits / 8 : 128;
  cl_mem parent = sentinel_buffer(ctx, origin / sizeof(float) + 64);
  cl_buffer_region region = {origin, 16 * sizeof(float)};
  cl_int err = CL_SUCCESS;
  cl_mem sub =
      clCreateSubBuffer(parent, CL_MEM_READ_WRITE, CL_BUFFER_CREATE_TYPE_REGION, &region, &err);
  cr_assert_eq(err, CL_SUCCESS);
  float host[17];
  test_fill_random(host, 17, 3);
  const int64_t fits[1] = {16}, over[1] = {17}, shifted[1] = {15};
  oclnn_tensor ok = oclnn_tensor_view(sub, 0, 1, fits);
  TEST_OK(ctx, oclnn_tensor_upload(ctx, &ok, host, 16));
  oclnn_tensor too_long = oclnn_tensor_view(sub, 0, 1, over);
  assert_fails(ctx, oclnn_tensor_upload(ctx, &too_long, host, 17), OCLNN_ERR_OUT_OF_BOUNDS,
               "17 floats in a 16-float sub-buffer", "tensor", NULL);
  oclnn_tensor too_far = oclnn_tensor_view(sub, 2, 1, shifted);
  assert_fails(ctx, oclnn_tensor_download(ctx, &too_far, host, 15), OCLNN_ERR_OUT_OF_BOUNDS,
               "offset 2 + 15 floats in a 16-float sub-buffer", "tensor", NULL);
  clReleaseMemObject(sub);
  clReleaseMemObject(parent);
}

Test(tensor, null_and_foreign_buffers_are_invalid) {
  oclnn_context *ctx = test_context();
  const int64_t shape[1] = {4};
  float host[4] = {1, 2, 3, 4};
  oclnn_tensor null_view = oclnn_tensor_view(NULL, 0, 1, shape);
  assert_fails(ctx, oclnn_tensor_upload(ctx, &null_view, host, 4), OCLNN_ERR_INVALID_BUFFER,
               "NULL buffer", "oclnn_tensor_upload", "tensor.buffer");
  assert_fails(ctx, oclnn_tensor_download(ctx, &null_view, host, 4), OCLNN_ERR_INVALID_BUFFER,
               "NULL buffer", "oclnn_tensor_download", "tensor.buffer");

  /* A buffer of another OpenCL context on the same device. */
  cl_device_id device = oclnn_context_cl_device(ctx);
  cl_int err = CL_SUCCESS;
  cl_context other = clCreateContext(NULL, 1, &device, NULL, NULL, &err);
  cr_assert_eq(err, CL_SUCCESS);
  float initial[4] = {SENTINEL, SENTINEL, SENTINEL, SENTINEL};
  cl_mem foreign = clCreateBuffer(other, CL_MEM_READ_WRITE | CL_MEM_COPY_HOST_PTR, sizeof initial,
                                  initial, &err);
  cr_assert_eq(err, CL_SUCCESS);
  oclnn_tensor foreign_view = oclnn_tensor_view(foreign, 0, 1, shape);
  assert_fails(ctx, oclnn_tensor_upload(ctx, &foreign_view, host, 4), OCLNN_ERR_INVALID_BUFFER,
               "foreign buffer", "oclnn_tensor_upload", "another OpenCL context");
  float before[4];
  memcpy(before, host, sizeof host);
  assert_fails(ctx, oclnn_tensor_download(ctx, &foreign_view, host, 4), OCLNN_ERR_INVALID_BUFFER,
               "foreign buffer", "oclnn_tensor_download", "tensor.buffer");
  cr_assert_arr_eq(host, before, sizeof host);
  clReleaseMemObject(foreign);
  clReleaseContext(other);
}

Test(tensor, bad_views_and_null_arguments) {
  oclnn_context *ctx = test_context();
  cl_mem buffer = sentinel_buffer(ctx, 16);
  float host[16] = {0};
  const int64_t good_shape[1] = {4};
  oclnn_tensor good = oclnn_tensor_view(buffer, 0, 1, good_shape);

  const int64_t shape6[6] = {1, 1, 1, 1, 1, 1};
  oclnn_tensor rank0 = oclnn_tensor_view(buffer, 0, 0, shape6);
  oclnn_tensor rank6 = oclnn_tensor_view(buffer, 0, 6, shape6);
  assert_fails(ctx, oclnn_tensor_upload(ctx, &rank0, host, 1), OCLNN_ERR_INVALID_SHAPE, "rank 0",
               "oclnn_tensor_upload", "rank 0");
  assert_fails(ctx, oclnn_tensor_download(ctx, &rank6, host, 1), OCLNN_ERR_INVALID_SHAPE, "rank 6",
               "oclnn_tensor_download", "rank 6");
  const int64_t negative[2] = {4, -2};
  oclnn_tensor neg = oclnn_tensor_view(buffer, 0, 2, negative);
  assert_fails(ctx, oclnn_tensor_upload(ctx, &neg, host, 8), OCLNN_ERR_INVALID_SHAPE,
               "negative dim", "tensor", "-2");
  const int64_t huge[2] = {INT64_MAX, 3};
  oclnn_tensor overflow = oclnn_tensor_view(buffer, 0, 2, huge);
  assert_fails(ctx, oclnn_tensor_upload(ctx, &overflow, host, 16), OCLNN_ERR_OVERFLOW,
               "overflowing view", "oclnn_tensor_upload", "tensor");

  assert_fails(ctx, oclnn_tensor_upload(ctx, NULL, host, 4), OCLNN_ERR_NULL_ARGUMENT, "tensor NULL",
               "oclnn_tensor_upload", "tensor");
  assert_fails(ctx, oclnn_tensor_download(ctx, NULL, host, 4), OCLNN_ERR_NULL_ARGUMENT,
               "tensor NULL", "oclnn_tensor_download", "tensor");
  assert_fails(ctx, oclnn_tensor_upload(ctx, &good, NULL, 4), OCLNN_ERR_NULL_ARGUMENT, "host NULL",
               "oclnn_tensor_upload", "host");
  assert_fails(ctx, oclnn_tensor_download(ctx, &good, NULL, 4), OCLNN_ERR_NULL_ARGUMENT,
               "host NULL", "oclnn_tensor_download", "host");
  cr_assert_eq(oclnn_tensor_upload(NULL, &good, host, 4), OCLNN_ERR_NULL_ARGUMENT);
  cr_assert(strstr(oclnn_context_error(NULL), "oclnn_tensor_upload") &&
                strstr(oclnn_context_error(NULL), "ctx"),
            "%s", oclnn_context_error(NULL));
  cr_assert_eq(oclnn_tensor_download(NULL, &good, host, 4), OCLNN_ERR_NULL_ARGUMENT);

  float all[16];
  read_raw(ctx, buffer, all, 16);
  for (int i = 0; i < 16; i++)
    cr_assert_eq(all[i], SENTINEL, "a refused upload wrote element %d", i);
  clReleaseMemObject(buffer);
}

Test(tensor, out_of_bounds_message_names_offset_shape_and_capacity) {
  oclnn_context *ctx = test_context();
  cl_mem buffer = sentinel_buffer(ctx, 10);
  const int64_t shape[2] = {3, 4};
  oclnn_tensor view = oclnn_tensor_view(buffer, 5, 2, shape);
  float host[12] = {0};
  assert_fails(ctx, oclnn_tensor_upload(ctx, &view, host, 12), OCLNN_ERR_OUT_OF_BOUNDS,
               "12 floats at offset 5 of 10", "oclnn_tensor_upload", "[3, 4]");
  const char *message = oclnn_context_error(ctx);
  cr_assert(strstr(message, "5") && strstr(message, "17") && strstr(message, "10"),
            "the message should give the offset (5), the floats needed (17) and the capacity "
            "(10): %s",
            message);
  clReleaseMemObject(buffer);
}
