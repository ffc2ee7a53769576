/* Padding: the bad-input table. Every validation rule of oclnn_pad_create,
 * oclnn_pad_output_shape, oclnn_pad_forward and the tensor checks has a row that breaks exactly
 * that rule in an otherwise valid call and expects the exact status. A refused call must leave a
 * message naming the function (on the context, or on the thread when there is no context to
 * hold it), must not write out_shape, and must leave every buffer byte-for-byte as it was. */
#include "pad_reference.h"
#include "test_support.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define IN_CAP 512   /* floats in buffer A (holds the input at offset IN_AT) */
#define OUT_CAP 1024 /* floats in buffer B (holds the output at offset OUT_AT) */
#define IN_AT 2
#define OUT_AT 3
#define MAX_BUFFERS 6
#define BIG_2_31 ((int64_t)1 << 31)

typedef enum call_kind { CALL_CREATE, CALL_OUTPUT_SHAPE, CALL_FORWARD } call_kind;

typedef struct watched {
  cl_mem mem;
  cl_command_queue queue;
  size_t bytes;
  unsigned char *before;
} watched;

typedef struct fixture {
  oclnn_context *ctx;
  oclnn_pad_desc desc;
  oclnn_tensor in, out;
  /* CALL_CREATE */
  int null_ctx, null_desc, null_create_out;
  /* CALL_OUTPUT_SHAPE: in.rank/in.shape are the input shape */
  int null_in_shape, null_out_shape;
  /* CALL_FORWARD / CALL_OUTPUT_SHAPE */
  int null_pad, null_in, null_out;
  cl_mem a, b; /* the default input and output buffers */
  watched buffers[MAX_BUFFERS];
  int nbuffers;
  cl_mem releases[MAX_BUFFERS]; /* sub-buffers and other buffers to release */
  int nreleases;
  cl_context other_ctx;
  cl_command_queue other_queue;
} fixture;

typedef struct bad_case {
  const char *name;
  call_kind call;
  oclnn_status expect;
  void (*setup)(fixture *f);
  int shape_rule; /* forward rows breaking an input-shape rule: output_shape must agree */
} bad_case;

static void set_shape(int64_t *shape, int rank, const int64_t *dims) {
  for (int i = 0; i < OCLNN_MAX_RANK; i++)
    shape[i] = i < rank ? dims[i] : 0;
}

static void set_in(fixture *f, int rank, const int64_t *dims) {
  f->in.rank = rank;
  set_shape(f->in.shape, rank, dims);
}

static void set_out(fixture *f, int rank, const int64_t *dims) {
  f->out.rank = rank;
  set_shape(f->out.shape, rank, dims);
}

static void set_pads(fixture *f, int dims, oclnn_pad_mode mode, const int64_t *pads) {
  f->desc.dims = dims;
  f->desc.mode = mode;
  memset(f->desc.padding, 0, sizeof f->desc.padding);
  for (int i = 0; i < 2 * dims && i < 6; i++)
    f->desc.padding[i] = pads[i];
}

static cl_mem new_buffer(fixture *f, cl_context context, size_t floats) {
  cl_int err = CL_SUCCESS;
  cl_mem mem = clCreateBuffer(context, CL_MEM_READ_WRITE, floats * sizeof(float), NULL, &err);
  cr_assert_eq(err, CL_SUCCESS, "clCreateBuffer: %d", (int)err);
  cr_assert(f->nreleases < MAX_BUFFERS);
  f->releases[f->nreleases++] = mem;
  return mem;
}

/* Fills a buffer with a byte pattern that depends on `seed`, and watches it. */
static void watch(fixture *f, cl_mem mem, cl_command_queue queue, size_t floats, unsigned seed) {
  cr_assert(f->nbuffers < MAX_BUFFERS);
  watched *w = &f->buffers[f->nbuffers++];
  w->mem = mem;
  w->queue = queue;
  w->bytes = floats * sizeof(float);
  w->before = malloc(w->bytes);
  cr_assert(w->before);
  float *values = malloc(w->bytes);
  cr_assert(values);
  test_fill_random(values, floats, seed);
  memcpy(w->before, values, w->bytes);
  free(values);
  cr_assert_eq(clEnqueueWriteBuffer(queue, mem, CL_TRUE, 0, w->bytes, w->before, 0, NULL, NULL),
               CL_SUCCESS);
}

/* A buffer of ctx's OpenCL context, watched. */
static cl_mem extra_buffer(fixture *f, size_t floats) {
  cl_mem mem = new_buffer(f, oclnn_context_cl_context(f->ctx), floats);
  watch(f, mem, oclnn_context_cl_queue(f->ctx), floats, 1000u + (unsigned)f->nbuffers);
  return mem;
}

/* A second OpenCL context on the same device, made with plain OpenCL, and a buffer of it. */
static cl_mem foreign_buffer(fixture *f, size_t floats) {
  cl_device_id device = oclnn_context_cl_device(f->ctx);
  cl_int err = CL_SUCCESS;
  if (!f->other_ctx) {
    f->other_ctx = clCreateContext(NULL, 1, &device, NULL, NULL, &err);
    cr_assert_eq(err, CL_SUCCESS, "clCreateContext: %d", (int)err);
    f->other_queue = clCreateCommandQueue(f->other_ctx, device, 0, &err);
    cr_assert_eq(err, CL_SUCCESS, "clCreateCommandQueue: %d", (int)err);
  }
  cl_mem mem = new_buffer(f, f->other_ctx, floats);
  watch(f, mem, f->other_queue, floats, 2000u + (unsigned)f->nbuffers);
  return mem;
}

static cl_mem sub_buffer(fixture *f, cl_mem parent, size_t origin_floats, size_t floats) {
  cl_buffer_region region = {origin_floats * sizeof(float), floats * sizeof(float)};
  cl_int err = CL_SUCCESS;
  cl_mem mem =
      clCreateSubBuffer(parent, CL_MEM_READ_WRITE, CL_BUFFER_CREATE_TYPE_REGION, &region, &err);
  cr_assert_eq(err, CL_SUCCESS, "clCreateSubBuffer at %zu floats: %d", origin_floats, (int)err);
  cr_assert(f->nreleases < MAX_BUFFERS);
  f->releases[f->nreleases++] = mem;
  return mem;
}

/* The device's sub-buffer origin alignment, in floats. */
static size_t align_floats(fixture *f) {
  cl_uint bits = 0;
  cr_assert_eq(clGetDeviceInfo(oclnn_context_cl_device(f->ctx), CL_DEVICE_MEM_BASE_ADDR_ALIGN,
                               sizeof bits, &bits, NULL),
               CL_SUCCESS);
  size_t floats = bits / 8 / sizeof(float);
  return floats ? floats : 1;
}

/* The valid call every row starts from: ReflectionPad2d (1, 2, 1, 0) of a (2, 3, 4, 5) input at
 * offset 2 of buffer A into a (2, 3, 5, 8) output at offset 3 of buffer B. */
static void fixture_init(fixture *f) {
  memset(f, 0, sizeof *f);
  f->ctx = test_context();
  const int64_t pads[4] = {1, 2, 1, 0}, in[4] = {2, 3, 4, 5}, out[4] = {2, 3, 5, 8};
  f->desc = oclnn_pad_desc_default(2, OCLNN_PAD_REFLECT, 0);
  set_pads(f, 2, OCLNN_PAD_REFLECT, pads);
  f->a = extra_buffer(f, IN_CAP);
  f->b = extra_buffer(f, OUT_CAP);
  f->in = oclnn_tensor_view(f->a, IN_AT, 4, in);
  f->out = oclnn_tensor_view(f->b, OUT_AT, 4, out);
}

static void fixture_free(fixture *f) {
  for (int i = 0; i < f->nbuffers; i++)
    free(f->buffers[i].before);
  /* Sub-buffers were added after their parents: release in reverse. */
  for (int i = f->nreleases - 1; i >= 0; i--)
    clReleaseMemObject(f->releases[i]);
  if (f->other_queue)
    clReleaseCommandQueue(f->other_queue);
  if (f->other_ctx)
    clReleaseContext(f->other_ctx);
}

static void expect_buffers_unchanged(fixture *f, const char *what) {
  TEST_OK(f->ctx, oclnn_context_finish(f->ctx));
  for (int i = 0; i < f->nbuffers; i++) {
    watched *w = &f->buffers[i];
    unsigned char *now = malloc(w->bytes);
    cr_assert(now);
    cr_assert_eq(clFinish(w->queue), CL_SUCCESS);
    cr_assert_eq(clEnqueueReadBuffer(w->queue, w->mem, CL_TRUE, 0, w->bytes, now, 0, NULL, NULL),
                 CL_SUCCESS);
    size_t first = w->bytes;
    for (size_t k = 0; k < w->bytes && first == w->bytes; k++)
      if (now[k] != w->before[k])
        first = k;
    free(now);
    cr_assert(first == w->bytes, "%s: buffer %d changed at byte %zu", what, i, first);
  }
}

/* ------------------------------------------------------------------------------------------ */
/* Rows                                                                                        */
/* ------------------------------------------------------------------------------------------ */

/* oclnn_pad_create */
static void null_ctx(fixture *f) { f->null_ctx = 1; }
static void null_desc(fixture *f) { f->null_desc = 1; }
static void null_create_out(fixture *f) { f->null_create_out = 1; }
static void dims_0(fixture *f) { f->desc.dims = 0; }
static void dims_4(fixture *f) { f->desc.dims = 4; }
static void dims_negative(fixture *f) { f->desc.dims = -1; }
static void mode_4(fixture *f) { f->desc.mode = (oclnn_pad_mode)4; }
static void mode_negative(fixture *f) { f->desc.mode = (oclnn_pad_mode)-1; }
static void pad_2_31(fixture *f) { f->desc.padding[0] = BIG_2_31; }
static void pad_minus_2_31(fixture *f) { f->desc.padding[3] = -BIG_2_31; }
static void pad_int64_max(fixture *f) { f->desc.padding[1] = INT64_MAX; }
static void pad_int64_min(fixture *f) { f->desc.padding[2] = INT64_MIN; }
static void pad_3d_back_2_31(fixture *f) {
  const int64_t pads[6] = {0, 0, 0, 0, 0, BIG_2_31};
  set_pads(f, 3, OCLNN_PAD_CONSTANT, pads);
}

/* oclnn_pad_output_shape */
static void null_pad(fixture *f) { f->null_pad = 1; }
static void null_in_shape(fixture *f) { f->null_in_shape = 1; }
static void null_out_shape(fixture *f) { f->null_out_shape = 1; }
static void shape_rank_0(fixture *f) { f->in.rank = 0; }
static void shape_rank_6(fixture *f) { f->in.rank = 6; }
static void output_product_overflow(fixture *f) {
  /* Input 2^62 elements (fits int64), output 2^64. */
  const int64_t pads[2] = {0, 3}, in[3] = {BIG_2_31, BIG_2_31, 1};
  set_pads(f, 1, OCLNN_PAD_CONSTANT, pads);
  set_in(f, 3, in);
}
static void padded_input_dim_2_31(fixture *f) {
  /* The output (2^31 - 5) would fit; the padded input dim does not. */
  const int64_t pads[2] = {-10, 0}, in[2] = {1, BIG_2_31 + 5};
  set_pads(f, 1, OCLNN_PAD_CONSTANT, pads);
  set_in(f, 2, in);
}
static void padded_output_dim_2_31(fixture *f) {
  const int64_t pads[2] = {1, 2}, in[2] = {1, BIG_2_31 - 3};
  set_pads(f, 1, OCLNN_PAD_REPLICATE, pads);
  set_in(f, 2, in);
}
static void largest_pad_output_dim_2_31(fixture *f) {
  const int64_t pads[2] = {BIG_2_31 - 1, 0}, in[2] = {1, 1};
  set_pads(f, 1, OCLNN_PAD_CONSTANT, pads);
  set_in(f, 2, in);
}

/* oclnn_pad_forward: arguments and tensor checks */
static void null_in(fixture *f) { f->null_in = 1; }
static void null_out(fixture *f) { f->null_out = 1; }
static void in_rank_0(fixture *f) { f->in.rank = 0; }
static void in_rank_6(fixture *f) { f->in.rank = 6; }
static void out_rank_0(fixture *f) { f->out.rank = 0; }
static void out_rank_6(fixture *f) { f->out.rank = 6; }
static void in_negative_dim(fixture *f) { f->in.shape[1] = -3; }
static void out_negative_dim(fixture *f) { f->out.shape[2] = -5; }
static void in_null_buffer(fixture *f) { f->in.buffer = NULL; }
static void out_null_buffer(fixture *f) { f->out.buffer = NULL; }
static void in_foreign_buffer(fixture *f) { f->in.buffer = foreign_buffer(f, IN_CAP); }
static void out_foreign_buffer(fixture *f) { f->out.buffer = foreign_buffer(f, OUT_CAP); }
static void in_buffer_one_short(fixture *f) { f->in.buffer = extra_buffer(f, IN_AT + 120 - 1); }
static void out_buffer_one_short(fixture *f) { f->out.buffer = extra_buffer(f, OUT_AT + 240 - 1); }
static void out_offset_one_past(fixture *f) { f->out.offset = OUT_CAP - 240 + 1; }
static void out_offset_past_end(fixture *f) { f->out.offset = OUT_CAP + 1; }
static void out_offset_at_end(fixture *f) { f->out.offset = OUT_CAP; }
static void out_offset_huge(fixture *f) { f->out.offset = SIZE_MAX; }
static void in_offset_past_end(fixture *f) { f->in.offset = IN_CAP - 120 + 1; }
static void in_offset_huge(fixture *f) { f->in.offset = SIZE_MAX - 7; }
static void in_count_overflows(fixture *f) {
  const int64_t in[4] = {BIG_2_31 * 2, BIG_2_31 * 2, 4, 5}; /* 2^64 * 20 */
  set_in(f, 4, in);
}
static void out_count_overflows(fixture *f) {
  const int64_t out[4] = {BIG_2_31 * 2, BIG_2_31 * 2, 5, 8};
  set_out(f, 4, out);
}
static void in_bytes_overflow(fixture *f) {
  /* 2^62 elements fit int64, their 2^64 bytes do not. */
  const int64_t pads[2] = {1, 1}, in[1] = {(int64_t)1 << 62};
  set_pads(f, 1, OCLNN_PAD_CONSTANT, pads);
  set_in(f, 1, in);
}

/* oclnn_pad_forward: shape rules (input) */
static void reflect2d_rank2(fixture *f) {
  const int64_t in[2] = {4, 5};
  set_in(f, 2, in);
}
static void reflect2d_rank5(fixture *f) {
  const int64_t in[5] = {1, 2, 3, 4, 5};
  set_in(f, 5, in);
}
static void replicate1d_rank1(fixture *f) {
  const int64_t pads[2] = {1, 1}, in[1] = {5};
  set_pads(f, 1, OCLNN_PAD_REPLICATE, pads);
  set_in(f, 1, in);
}
static void replicate1d_rank4(fixture *f) {
  const int64_t pads[2] = {1, 1};
  set_pads(f, 1, OCLNN_PAD_REPLICATE, pads);
}
static void circular3d_rank3(fixture *f) {
  const int64_t pads[6] = {1, 1, 1, 1, 1, 1}, in[3] = {3, 4, 5};
  set_pads(f, 3, OCLNN_PAD_CIRCULAR, pads);
  set_in(f, 3, in);
}
static void circular1d_rank4(fixture *f) {
  const int64_t pads[2] = {1, 1};
  set_pads(f, 1, OCLNN_PAD_CIRCULAR, pads);
}
static void circular2d_rank5(fixture *f) {
  const int64_t pads[4] = {1, 1, 1, 1}, in[5] = {1, 2, 3, 4, 5};
  set_pads(f, 2, OCLNN_PAD_CIRCULAR, pads);
  set_in(f, 5, in);
}
static void constant2d_rank1(fixture *f) {
  const int64_t pads[4] = {1, 1, 1, 1}, in[1] = {5};
  set_pads(f, 2, OCLNN_PAD_CONSTANT, pads);
  set_in(f, 1, in);
}
static void constant3d_rank2(fixture *f) {
  const int64_t pads[6] = {1, 1, 1, 1, 1, 1}, in[2] = {4, 5};
  set_pads(f, 3, OCLNN_PAD_CONSTANT, pads);
  set_in(f, 2, in);
}
static void reflect_left_eq_dim(fixture *f) { f->desc.padding[0] = 5; }
static void reflect_right_eq_dim(fixture *f) { f->desc.padding[1] = 5; }
static void reflect_top_eq_dim(fixture *f) { f->desc.padding[2] = 4; }
static void reflect_bottom_gt_dim(fixture *f) { f->desc.padding[3] = 9; }
static void reflect3d_front_eq_dim(fixture *f) {
  const int64_t pads[6] = {1, 1, 1, 1, 3, 0};
  set_pads(f, 3, OCLNN_PAD_REFLECT, pads); /* input (2, 3, 4, 5) unbatched: D = 3 */
}
static void reflect1d_unit_dim_pad_1(fixture *f) {
  const int64_t pads[2] = {0, 1}, in[3] = {2, 3, 1};
  set_pads(f, 1, OCLNN_PAD_REFLECT, pads);
  set_in(f, 3, in);
}
static void circular_left_eq_dim_plus_1(fixture *f) {
  const int64_t pads[4] = {6, 0, 0, 0};
  set_pads(f, 2, OCLNN_PAD_CIRCULAR, pads);
}
static void circular_bottom_eq_dim_plus_1(fixture *f) {
  const int64_t pads[4] = {0, 0, 0, 5};
  set_pads(f, 2, OCLNN_PAD_CIRCULAR, pads);
}
static void circular3d_back_eq_dim_plus_1(fixture *f) {
  const int64_t pads[6] = {0, 0, 0, 0, 0, 4};
  set_pads(f, 3, OCLNN_PAD_CIRCULAR, pads);
}
static void output_dim_0(oclnn_pad_mode mode, fixture *f) {
  const int64_t pads[4] = {-2, -3, 0, 0}; /* W 5 -> 0 */
  set_pads(f, 2, mode, pads);
}
static void constant_output_0(fixture *f) { output_dim_0(OCLNN_PAD_CONSTANT, f); }
static void reflect_output_0(fixture *f) { output_dim_0(OCLNN_PAD_REFLECT, f); }
static void replicate_output_0(fixture *f) { output_dim_0(OCLNN_PAD_REPLICATE, f); }
static void circular_output_0(fixture *f) { output_dim_0(OCLNN_PAD_CIRCULAR, f); }
static void constant_output_negative(fixture *f) {
  const int64_t pads[4] = {0, 0, -4, -4}; /* H 4 -> -4 */
  set_pads(f, 2, OCLNN_PAD_CONSTANT, pads);
}
static void replicate_output_negative(fixture *f) {
  const int64_t pads[2] = {-6, 0};
  set_pads(f, 1, OCLNN_PAD_REPLICATE, pads);
  const int64_t in[3] = {6, 4, 5};
  set_in(f, 3, in);
}
static void circular3d_output_negative(fixture *f) {
  const int64_t pads[6] = {1, 1, 1, 1, -2, -2};
  set_pads(f, 3, OCLNN_PAD_CIRCULAR, pads);
}
static void constant_empty_dim_cropped(fixture *f) {
  /* A padded dim of 0 with no positive pad stays 0. */
  const int64_t pads[2] = {0, 0}, in[4] = {2, 3, 4, 0};
  set_pads(f, 1, OCLNN_PAD_CONSTANT, pads);
  set_in(f, 4, in);
}
static void reflect_empty_channels(fixture *f) {
  const int64_t in[4] = {2, 0, 4, 5};
  set_in(f, 4, in);
}
static void reflect_unbatched_empty_channels(fixture *f) {
  const int64_t in[3] = {0, 4, 5};
  set_in(f, 3, in);
}
static void replicate_empty_height(fixture *f) {
  const int64_t pads[4] = {1, 1, 0, 0}, in[4] = {2, 3, 0, 5};
  set_pads(f, 2, OCLNN_PAD_REPLICATE, pads);
  set_in(f, 4, in);
}
static void replicate3d_empty_depth(fixture *f) {
  const int64_t pads[6] = {1, 1, 1, 1, 0, 0}, in[5] = {1, 2, 0, 4, 5};
  set_pads(f, 3, OCLNN_PAD_REPLICATE, pads); /* batched (N, C, D, H, W) with D = 0 */
  set_in(f, 5, in);
}

/* oclnn_pad_forward: output view */
static void out_wrong_width(fixture *f) { f->out.shape[3] = 7; }
static void out_wrong_batch(fixture *f) { f->out.shape[0] = 1; }
static void out_wrong_rank(fixture *f) {
  const int64_t out[3] = {6, 5, 8};
  set_out(f, 3, out);
}
static void out_is_input_shape(fixture *f) {
  const int64_t out[4] = {2, 3, 4, 5};
  set_out(f, 4, out);
}

/* oclnn_pad_forward: aliasing */
static void out_overlaps_in_tail(fixture *f) {
  f->out.buffer = f->a;
  f->out.offset = IN_AT + 119; /* in is [2, 122) */
}
static void out_overlaps_in_head(fixture *f) {
  f->out.buffer = f->a;
  f->out.offset = 0; /* [0, 240) covers in */
}
static void out_same_start(fixture *f) {
  f->out.buffer = f->a;
  f->out.offset = IN_AT;
}
static void out_subbuffer_over_in(fixture *f) {
  /* Sub-buffer of A from 0: the output view at its element 0 covers the input. */
  f->out.buffer = sub_buffer(f, f->a, 0, 240);
  f->out.offset = 0;
}
static void out_subbuffer_origin_over_in(fixture *f) {
  /* Input at A[align + 5, +120); output in a sub-buffer starting at A[align]. */
  const size_t align = align_floats(f);
  cr_assert(align + 5 + 120 <= IN_CAP && align + 240 <= IN_CAP, "alignment %zu too large", align);
  f->in.offset = align + 5;
  f->out.buffer = sub_buffer(f, f->a, align, 240);
  f->out.offset = 0;
}
static void in_subbuffer_under_out(fixture *f) {
  /* The output is a plain view of A; the input a sub-buffer view reaching into it. */
  const size_t align = align_floats(f);
  cr_assert(align + 120 <= IN_CAP && 240 <= IN_CAP);
  f->in.buffer = sub_buffer(f, f->a, align, 120);
  f->in.offset = 0;
  f->out.buffer = f->a;
  f->out.offset = 0; /* A[0, 240) covers A[align, align + 120) */
}
static void two_subbuffers_overlap(fixture *f) {
  const size_t align = align_floats(f);
  cr_assert(align + 240 <= IN_CAP);
  f->in.buffer = sub_buffer(f, f->a, 0, align + 120);
  f->in.offset = align; /* in at A[align, align + 120) */
  f->out.buffer = sub_buffer(f, f->a, align, 240);
  f->out.offset = 0; /* out at A[align, align + 240) */
}

/* Valid edge cases in the same table (their rows expect OCLNN_SUCCESS). */
static void zero_batch(fixture *f) {
  const int64_t in[4] = {0, 3, 4, 5}, out[4] = {0, 3, 5, 8};
  set_in(f, 4, in);
  set_out(f, 4, out);
}
static void circular_zero_channels(fixture *f) {
  const int64_t pads[2] = {2, 1}, in[3] = {2, 0, 5}, out[3] = {2, 0, 8};
  set_pads(f, 1, OCLNN_PAD_CIRCULAR, pads);
  set_in(f, 3, in);
  set_out(f, 3, out);
}

#define ROW(call, expect, setup) \
  { #setup, call, expect, setup, 0 }
#define SHAPE_ROW(expect, setup) \
  { #setup, CALL_FORWARD, expect, setup, 1 }

static const bad_case ROWS[] = {
    /* oclnn_pad_create */
    ROW(CALL_CREATE, OCLNN_ERR_NULL_ARGUMENT, null_ctx),
    ROW(CALL_CREATE, OCLNN_ERR_NULL_ARGUMENT, null_desc),
    ROW(CALL_CREATE, OCLNN_ERR_NULL_ARGUMENT, null_create_out),
    ROW(CALL_CREATE, OCLNN_ERR_INVALID_VALUE, dims_0),
    ROW(CALL_CREATE, OCLNN_ERR_INVALID_VALUE, dims_4),
    ROW(CALL_CREATE, OCLNN_ERR_INVALID_VALUE, dims_negative),
    ROW(CALL_CREATE, OCLNN_ERR_INVALID_VALUE, mode_4),
    ROW(CALL_CREATE, OCLNN_ERR_INVALID_VALUE, mode_negative),
    ROW(CALL_CREATE, OCLNN_ERR_OVERFLOW, pad_2_31),
    ROW(CALL_CREATE, OCLNN_ERR_OVERFLOW, pad_minus_2_31),
    ROW(CALL_CREATE, OCLNN_ERR_OVERFLOW, pad_int64_max),
    ROW(CALL_CREATE, OCLNN_ERR_OVERFLOW, pad_int64_min),
    ROW(CALL_CREATE, OCLNN_ERR_OVERFLOW, pad_3d_back_2_31),
    /* oclnn_pad_output_shape */
    ROW(CALL_OUTPUT_SHAPE, OCLNN_ERR_NULL_ARGUMENT, null_pad),
    ROW(CALL_OUTPUT_SHAPE, OCLNN_ERR_NULL_ARGUMENT, null_in_shape),
    ROW(CALL_OUTPUT_SHAPE, OCLNN_ERR_NULL_ARGUMENT, null_out_shape),
    ROW(CALL_OUTPUT_SHAPE, OCLNN_ERR_INVALID_SHAPE, shape_rank_0),
    ROW(CALL_OUTPUT_SHAPE, OCLNN_ERR_INVALID_SHAPE, shape_rank_6),
    ROW(CALL_OUTPUT_SHAPE, OCLNN_ERR_OVERFLOW, output_product_overflow),
    ROW(CALL_OUTPUT_SHAPE, OCLNN_ERR_OVERFLOW, padded_input_dim_2_31),
    ROW(CALL_OUTPUT_SHAPE, OCLNN_ERR_OVERFLOW, padded_output_dim_2_31),
    ROW(CALL_OUTPUT_SHAPE, OCLNN_ERR_OVERFLOW, largest_pad_output_dim_2_31),
    /* oclnn_pad_forward: arguments and tensor views */
    ROW(CALL_FORWARD, OCLNN_ERR_NULL_ARGUMENT, null_pad),
    ROW(CALL_FORWARD, OCLNN_ERR_NULL_ARGUMENT, null_in),
    ROW(CALL_FORWARD, OCLNN_ERR_NULL_ARGUMENT, null_out),
    ROW(CALL_FORWARD, OCLNN_ERR_INVALID_SHAPE, in_rank_0),
    ROW(CALL_FORWARD, OCLNN_ERR_INVALID_SHAPE, in_rank_6),
    ROW(CALL_FORWARD, OCLNN_ERR_INVALID_SHAPE, out_rank_0),
    ROW(CALL_FORWARD, OCLNN_ERR_INVALID_SHAPE, out_rank_6),
    SHAPE_ROW(OCLNN_ERR_INVALID_SHAPE, in_negative_dim),
    ROW(CALL_FORWARD, OCLNN_ERR_INVALID_SHAPE, out_negative_dim),
    ROW(CALL_FORWARD, OCLNN_ERR_INVALID_BUFFER, in_null_buffer),
    ROW(CALL_FORWARD, OCLNN_ERR_INVALID_BUFFER, out_null_buffer),
    ROW(CALL_FORWARD, OCLNN_ERR_INVALID_BUFFER, in_foreign_buffer),
    ROW(CALL_FORWARD, OCLNN_ERR_INVALID_BUFFER, out_foreign_buffer),
    ROW(CALL_FORWARD, OCLNN_ERR_OUT_OF_BOUNDS, in_buffer_one_short),
    ROW(CALL_FORWARD, OCLNN_ERR_OUT_OF_BOUNDS, out_buffer_one_short),
    ROW(CALL_FORWARD, OCLNN_ERR_OUT_OF_BOUNDS, out_offset_one_past),
    ROW(CALL_FORWARD, OCLNN_ERR_OUT_OF_BOUNDS, out_offset_past_end),
    ROW(CALL_FORWARD, OCLNN_ERR_OUT_OF_BOUNDS, out_offset_at_end),
    ROW(CALL_FORWARD, OCLNN_ERR_OUT_OF_BOUNDS, out_offset_huge),
    ROW(CALL_FORWARD, OCLNN_ERR_OUT_OF_BOUNDS, in_offset_past_end),
    ROW(CALL_FORWARD, OCLNN_ERR_OUT_OF_BOUNDS, in_offset_huge),
    ROW(CALL_FORWARD, OCLNN_ERR_OVERFLOW, in_count_overflows),
    ROW(CALL_FORWARD, OCLNN_ERR_OVERFLOW, out_count_overflows),
    ROW(CALL_FORWARD, OCLNN_ERR_OVERFLOW, in_bytes_overflow),
    /* oclnn_pad_forward: the shape rules (oclnn_pad_output_shape must agree) */
    SHAPE_ROW(OCLNN_ERR_INVALID_SHAPE, reflect2d_rank2),
    SHAPE_ROW(OCLNN_ERR_INVALID_SHAPE, reflect2d_rank5),
    SHAPE_ROW(OCLNN_ERR_INVALID_SHAPE, replicate1d_rank1),
    SHAPE_ROW(OCLNN_ERR_INVALID_SHAPE, replicate1d_rank4),
    SHAPE_ROW(OCLNN_ERR_INVALID_SHAPE, circular3d_rank3),
    SHAPE_ROW(OCLNN_ERR_INVALID_SHAPE, circular1d_rank4),
    SHAPE_ROW(OCLNN_ERR_INVALID_SHAPE, circular2d_rank5),
    SHAPE_ROW(OCLNN_ERR_INVALID_SHAPE, constant2d_rank1),
    SHAPE_ROW(OCLNN_ERR_INVALID_SHAPE, constant3d_rank2),
    SHAPE_ROW(OCLNN_ERR_INVALID_SHAPE, reflect_left_eq_dim),
    SHAPE_ROW(OCLNN_ERR_INVALID_SHAPE, reflect_right_eq_dim),
    SHAPE_ROW(OCLNN_ERR_INVALID_SHAPE, reflect_top_eq_dim),
    SHAPE_ROW(OCLNN_ERR_INVALID_SHAPE, reflect_bottom_gt_dim),
    SHAPE_ROW(OCLNN_ERR_INVALID_SHAPE, reflect3d_front_eq_dim),
    SHAPE_ROW(OCLNN_ERR_INVALID_SHAPE, reflect1d_unit_dim_pad_1),
    SHAPE_ROW(OCLNN_ERR_INVALID_SHAPE, circular_left_eq_dim_plus_1),
    SHAPE_ROW(OCLNN_ERR_INVALID_SHAPE, circular_bottom_eq_dim_plus_1),
    SHAPE_ROW(OCLNN_ERR_INVALID_SHAPE, circular3d_back_eq_dim_plus_1),
    SHAPE_ROW(OCLNN_ERR_INVALID_SHAPE, constant_output_0),
    SHAPE_ROW(OCLNN_ERR_INVALID_SHAPE, reflect_output_0),
    SHAPE_ROW(OCLNN_ERR_INVALID_SHAPE, replicate_output_0),
    SHAPE_ROW(OCLNN_ERR_INVALID_SHAPE, circular_output_0),
    SHAPE_ROW(OCLNN_ERR_INVALID_SHAPE, constant_output_negative),
    SHAPE_ROW(OCLNN_ERR_INVALID_SHAPE, replicate_output_negative),
    SHAPE_ROW(OCLNN_ERR_INVALID_SHAPE, circular3d_output_negative),
    SHAPE_ROW(OCLNN_ERR_INVALID_SHAPE, constant_empty_dim_cropped),
    SHAPE_ROW(OCLNN_ERR_INVALID_SHAPE, reflect_empty_channels),
    SHAPE_ROW(OCLNN_ERR_INVALID_SHAPE, reflect_unbatched_empty_channels),
    SHAPE_ROW(OCLNN_ERR_INVALID_SHAPE, replicate_empty_height),
    SHAPE_ROW(OCLNN_ERR_INVALID_SHAPE, replicate3d_empty_depth),
    /* oclnn_pad_forward: the output view */
    ROW(CALL_FORWARD, OCLNN_ERR_INVALID_SHAPE, out_wrong_width),
    ROW(CALL_FORWARD, OCLNN_ERR_INVALID_SHAPE, out_wrong_batch),
    ROW(CALL_FORWARD, OCLNN_ERR_INVALID_SHAPE, out_wrong_rank),
    ROW(CALL_FORWARD, OCLNN_ERR_INVALID_SHAPE, out_is_input_shape),
    ROW(CALL_FORWARD, OCLNN_ERR_ALIASING, out_overlaps_in_tail),
    ROW(CALL_FORWARD, OCLNN_ERR_ALIASING, out_overlaps_in_head),
    ROW(CALL_FORWARD, OCLNN_ERR_ALIASING, out_same_start),
    ROW(CALL_FORWARD, OCLNN_ERR_ALIASING, out_subbuffer_over_in),
    ROW(CALL_FORWARD, OCLNN_ERR_ALIASING, out_subbuffer_origin_over_in),
    ROW(CALL_FORWARD, OCLNN_ERR_ALIASING, in_subbuffer_under_out),
    ROW(CALL_FORWARD, OCLNN_ERR_ALIASING, two_subbuffers_overlap),
    /* Valid: nothing to write, so nothing written. */
    ROW(CALL_FORWARD, OCLNN_SUCCESS, zero_batch),
    ROW(CALL_FORWARD, OCLNN_SUCCESS, circular_zero_channels),
};

static const char *function_name(call_kind call) {
  return call == CALL_CREATE         ? "oclnn_pad_create"
         : call == CALL_OUTPUT_SHAPE ? "oclnn_pad_output_shape"
                                     : "oclnn_pad_forward";
}

/* Leaves a known, different message on the context and on the thread, so that the message
 * checked after a refused call is known to come from that call. */
static void prime_messages(fixture *f) {
  cr_assert_eq(oclnn_tensor_download(f->ctx, &f->in, NULL, 0), OCLNN_ERR_NULL_ARGUMENT);
  cr_assert_eq(oclnn_device_choose(NULL, NULL, NULL), OCLNN_ERR_NULL_ARGUMENT);
  cr_assert(strstr(oclnn_context_error(f->ctx), "oclnn_tensor_download"));
  cr_assert(strstr(oclnn_context_error(NULL), "oclnn_device_choose"));
}

static void run_row(const bad_case *row) {
  fixture f;
  fixture_init(&f);
  row->setup(&f);
  const char *fn = function_name(row->call);
  oclnn_status status = OCLNN_SUCCESS;
  /* Context-less failures (no ctx, no layer) keep their message per thread. */
  const int thread_message = f.null_ctx || f.null_pad;
  oclnn_pad *pad = NULL;
  if (row->call != CALL_CREATE && !f.null_pad)
    TEST_OK(f.ctx, oclnn_pad_create(f.ctx, &f.desc, &pad));
  prime_messages(&f);

  if (row->call == CALL_CREATE) {
    oclnn_pad *created = NULL;
    status = oclnn_pad_create(f.null_ctx ? NULL : f.ctx, f.null_desc ? NULL : &f.desc,
                              f.null_create_out ? NULL : &created);
    cr_assert(status == OCLNN_SUCCESS || created == NULL, "%s: a layer came back with %s",
              row->name, oclnn_status_string(status));
    oclnn_pad_free(created);
  } else if (row->call == CALL_OUTPUT_SHAPE) {
    int64_t out_shape[OCLNN_MAX_RANK + 1] = {-9, -9, -9, -9, -9, -9};
    status = oclnn_pad_output_shape(pad, f.in.rank, f.null_in_shape ? NULL : f.in.shape,
                                    f.null_out_shape ? NULL : out_shape);
    for (int i = 0; i <= OCLNN_MAX_RANK && status != OCLNN_SUCCESS; i++)
      cr_assert_eq(out_shape[i], -9, "%s: out_shape[%d] written on error", row->name, i);
  } else {
    status = oclnn_pad_forward(pad, f.null_in ? NULL : &f.in, f.null_out ? NULL : &f.out);
    if (row->shape_rule) {
      int64_t out_shape[OCLNN_MAX_RANK];
      const char *forward_message = oclnn_context_error(f.ctx);
      char saved[1024];
      snprintf(saved, sizeof saved, "%s", forward_message);
      oclnn_status shape_status = oclnn_pad_output_shape(pad, f.in.rank, f.in.shape, out_shape);
      cr_assert_eq(shape_status, row->expect,
                   "%s: oclnn_pad_output_shape gives %s where forward should give %s", row->name,
                   oclnn_status_string(shape_status), oclnn_status_string(row->expect));
      cr_assert(strstr(oclnn_context_error(f.ctx), "oclnn_pad_output_shape"),
                "%s: message '%s' does not name oclnn_pad_output_shape", row->name,
                oclnn_context_error(f.ctx));
      /* Back to forward's own message for the checks below. */
      cr_assert(strstr(saved, fn) || row->expect == OCLNN_SUCCESS,
                "%s: message '%s' does not name %s", row->name, saved, fn);
    }
  }

  cr_assert_eq(status, row->expect, "%s: %s returned %s, expected %s (%s)", row->name, fn,
               oclnn_status_string(status), oclnn_status_string(row->expect),
               oclnn_context_error(thread_message ? NULL : f.ctx));
  if (row->expect != OCLNN_SUCCESS && !row->shape_rule) {
    const char *message = oclnn_context_error(thread_message ? NULL : f.ctx);
    cr_assert(message && *message, "%s: empty message", row->name);
    cr_assert(strstr(message, fn), "%s: message '%s' does not name %s", row->name, message, fn);
  }
  expect_buffers_unchanged(&f, row->name);
  oclnn_pad_free(pad);
  fixture_free(&f);
}

static void run_rows(call_kind call) {
  int n = 0;
  for (size_t i = 0; i < sizeof ROWS / sizeof *ROWS; i++) {
    if (ROWS[i].call != call)
      continue;
    run_row(&ROWS[i]);
    n++;
  }
  cr_log_info("%d rows for %s", n, function_name(call));
  cr_assert(n > 0);
}

Test(pad_invalid, create) { run_rows(CALL_CREATE); }
Test(pad_invalid, output_shape) { run_rows(CALL_OUTPUT_SHAPE); }
Test(pad_invalid, forward) { run_rows(CALL_FORWARD); }

/* ------------------------------------------------------------------------------------------ */
/* Controls: the starting call and the edges next to each rule are accepted, so each row above */
/* fails for the one reason it names.                                                          */
/* ------------------------------------------------------------------------------------------ */

static void expect_valid(const char *name, void (*setup)(fixture *f)) {
  fixture f;
  fixture_init(&f);
  if (setup)
    setup(&f);
  oclnn_pad *pad = NULL;
  TEST_OK(f.ctx, oclnn_pad_create(f.ctx, &f.desc, &pad));
  int64_t shape[OCLNN_MAX_RANK];
  oclnn_status status = oclnn_pad_output_shape(pad, f.in.rank, f.in.shape, shape);
  cr_assert_eq(status, OCLNN_SUCCESS, "%s: output_shape %s (%s)", name, oclnn_status_string(status),
               oclnn_context_error(f.ctx));
  cr_assert(pad_ref_output_shape(f.desc.mode, f.desc.dims, f.desc.padding, f.in.rank, f.in.shape,
                                 NULL) != PAD_REF_INVALID,
            "%s: the reference refuses it", name);
  status = oclnn_pad_forward(pad, &f.in, &f.out);
  cr_assert_eq(status, OCLNN_SUCCESS, "%s: forward %s (%s)", name, oclnn_status_string(status),
               oclnn_context_error(f.ctx));
  TEST_OK(f.ctx, oclnn_context_finish(f.ctx));
  oclnn_pad_free(pad);
  fixture_free(&f);
}

static void out_shape_for(fixture *f) {
  /* Sets out's shape to what the descriptor gives for in (both views stay where they are). */
  int64_t shape[OCLNN_MAX_RANK];
  cr_assert_eq(pad_ref_output_shape(f->desc.mode, f->desc.dims, f->desc.padding, f->in.rank,
                                    f->in.shape, shape),
               PAD_REF_OK);
  set_out(f, f->in.rank, shape);
}
static void reflect_left_dim_minus_1(fixture *f) {
  const int64_t pads[4] = {4, 0, 3, 3}; /* W 5, H 4 */
  set_pads(f, 2, OCLNN_PAD_REFLECT, pads);
  out_shape_for(f); /* (2, 3, 10, 9): 180 floats */
}
static void circular_eq_dim(fixture *f) {
  const int64_t pads[4] = {5, 0, 0, 4};
  set_pads(f, 2, OCLNN_PAD_CIRCULAR, pads);
  out_shape_for(f); /* (2, 3, 8, 10) */
}
static void out_offset_last_fit(fixture *f) { f->out.offset = OUT_CAP - 240; }
static void in_offset_last_fit(fixture *f) { f->in.offset = IN_CAP - 120; }
static void out_adjacent_after_in(fixture *f) {
  f->out.buffer = f->a;
  f->out.offset = IN_AT + 120;
}
static void out_adjacent_before_in(fixture *f) {
  f->out.buffer = f->a;
  f->out.offset = 0;
  f->in.offset = 240;
}
static void out_subbuffer_after_in(fixture *f) {
  const size_t align = align_floats(f);
  size_t origin = ((IN_AT + 120 + align - 1) / align) * align;
  cr_assert(origin + 240 <= IN_CAP);
  f->out.buffer = sub_buffer(f, f->a, origin, 240);
  f->out.offset = 0;
}
static void crop_to_one(fixture *f) {
  const int64_t pads[4] = {-2, -2, -3, 0};
  set_pads(f, 2, OCLNN_PAD_CIRCULAR, pads);
  out_shape_for(f); /* (2, 3, 1, 1) */
}
static void constant_rank_equal_dims(fixture *f) {
  const int64_t pads[6] = {1, 0, 0, 1, 2, 0}, in[3] = {3, 4, 5};
  set_pads(f, 3, OCLNN_PAD_CONSTANT, pads);
  set_in(f, 3, in);
  out_shape_for(f); /* (5, 5, 6) = 150 */
}
static void constant_rank5_1d(fixture *f) {
  const int64_t pads[2] = {-1, 3}, in[5] = {1, 2, 3, 4, 5};
  set_pads(f, 1, OCLNN_PAD_CONSTANT, pads);
  set_in(f, 5, in);
  out_shape_for(f); /* (1, 2, 3, 4, 7) = 168 */
}
static void unused_padding_slots_ignored(fixture *f) {
  f->desc.padding[4] = INT64_MAX; /* a 2d layer reads padding[0..3] only */
  f->desc.padding[5] = INT64_MIN;
}
Test(pad_invalid, controls_are_valid) {
  expect_valid("default call", NULL);
  expect_valid("reflect pad == dim - 1", reflect_left_dim_minus_1);
  expect_valid("circular pad == dim", circular_eq_dim);
  expect_valid("output view ends at the buffer's end", out_offset_last_fit);
  expect_valid("input view ends at the buffer's end", in_offset_last_fit);
  expect_valid("output right after the input in one buffer", out_adjacent_after_in);
  expect_valid("output right before the input in one buffer", out_adjacent_before_in);
  expect_valid("output sub-buffer after the input", out_subbuffer_after_in);
  expect_valid("crop to one element", crop_to_one);
  expect_valid("constant with rank == dims", constant_rank_equal_dims);
  expect_valid("constant 1d on rank 5", constant_rank5_1d);
  expect_valid("unused padding slots are ignored", unused_padding_slots_ignored);
}

Test(pad_invalid, largest_pads_are_accepted) {
  /* |pad| = 2^31 - 1 passes create; what it does to a shape is output_shape's business. */
  oclnn_context *ctx = test_context();
  const int64_t in[2] = {1, BIG_2_31 - 1};
  int64_t got[2] = {-9, -9};
  oclnn_pad_desc desc = oclnn_pad_desc_default(1, OCLNN_PAD_CONSTANT, 0);
  oclnn_pad *pad = NULL;
  desc.padding[0] = -(BIG_2_31 - 1); /* crops the whole dim: a shape error, not an overflow */
  TEST_OK(ctx, oclnn_pad_create(ctx, &desc, &pad));
  cr_assert_eq(oclnn_pad_output_shape(pad, 2, in, got), OCLNN_ERR_INVALID_SHAPE);
  cr_assert(got[0] == -9 && got[1] == -9);
  oclnn_pad_free(pad);
  desc.padding[0] = -(BIG_2_31 - 2); /* leaves one element */
  TEST_OK(ctx, oclnn_pad_create(ctx, &desc, &pad));
  TEST_OK(ctx, oclnn_pad_output_shape(pad, 2, in, got));
  cr_assert(got[0] == 1 && got[1] == 1, "got (%lld, %lld)", (long long)got[0], (long long)got[1]);
  oclnn_pad_free(pad);
  desc.padding[0] = BIG_2_31 - 1;
  desc.padding[1] = -(BIG_2_31 - 1);
  TEST_OK(ctx, oclnn_pad_create(ctx, &desc, &pad));
  TEST_OK(ctx, oclnn_pad_output_shape(pad, 2, in, got));
  cr_assert(got[0] == 1 && got[1] == BIG_2_31 - 1, "got (%lld, %lld)", (long long)got[0],
            (long long)got[1]);
  oclnn_pad_free(pad);
}
