/* Padding vs the C double-precision reference (tests/support/pad_reference.c) over sweeps:
 * every mode x 1d/2d/3d x unbatched/batched ranks (constant: every rank >= dims) x zero,
 * positive, negative, asymmetric, extreme and crop-to-one pads x sizes 1 to 33, with the tensors
 * as views at odd element offsets inside bigger buffers (sometimes both in one buffer), plus
 * large tensors. Padding copies values, so results must be bit-exact (tolerance 0), nothing
 * outside the output view may change, and the input must stay as it was. */
#include "pad_reference.h"
#include "test_support.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define SENTINEL_BITS 0x7fa5a5a5u /* a NaN payload no padding layer would produce */
#define GUARD 7                   /* sentinel floats after each view */

typedef enum layout {
  LAYOUT_SEPARATE = 0, /* in and out in their own buffers */
  LAYOUT_IN_FIRST = 1, /* one buffer: [offset][in][gap][out][guard] */
  LAYOUT_OUT_FIRST = 2 /* one buffer: [offset][out][gap][in][guard] */
} layout;

typedef struct pad_run {
  oclnn_pad_mode mode;
  int dims;
  int64_t pads[6];
  float value;
  int rank;
  int64_t shape[OCLNN_MAX_RANK];
  size_t offset_a; /* elements before the first view of each buffer */
  size_t gap;      /* elements between the views of a shared buffer */
  layout layout;
  uint64_t seed;      /* input data (test_fill_random) when input is NULL */
  const float *input; /* explicit input values, or NULL */
} pad_run;

typedef struct rng {
  uint64_t state;
} rng;

static uint64_t rng_next(rng *r) {
  r->state ^= r->state << 13;
  r->state ^= r->state >> 7;
  r->state ^= r->state << 17;
  return r->state;
}

/* Uniform in [lo, hi]. */
static int64_t rng_range(rng *r, int64_t lo, int64_t hi) {
  return lo + (int64_t)(rng_next(r) % (uint64_t)(hi - lo + 1));
}

static void fill_sentinel(float *data, size_t count) {
  const uint32_t bits = SENTINEL_BITS;
  for (size_t i = 0; i < count; i++)
    memcpy(&data[i], &bits, sizeof bits);
}

static int is_sentinel(const float *value) {
  uint32_t bits;
  memcpy(&bits, value, sizeof bits);
  return bits == SENTINEL_BITS;
}

static void describe(const pad_run *r, char *buf, size_t size) {
  char shape[96];
  int n = snprintf(buf, size, "%s %dd pads (", pad_ref_mode_name(r->mode), r->dims);
  for (int i = 0; i < 2 * r->dims && n > 0 && (size_t)n < size; i++)
    n += snprintf(buf + n, size - (size_t)n, "%s%lld", i ? ", " : "", (long long)r->pads[i]);
  if (n > 0 && (size_t)n < size)
    snprintf(buf + n, size - (size_t)n, ") value %g input %s offset %zu gap %zu layout %d",
             (double)r->value, pad_ref_shape_string(r->rank, r->shape, shape, sizeof shape),
             r->offset_a, r->gap, (int)r->layout);
}

static oclnn_pad *make_layer(oclnn_context *ctx, const pad_run *r) {
  oclnn_pad_desc desc = oclnn_pad_desc_default(r->dims, r->mode, 0);
  for (int i = 0; i < 2 * r->dims; i++)
    desc.padding[i] = r->pads[i];
  desc.value = r->value;
  oclnn_pad *pad = NULL;
  TEST_OK(ctx, oclnn_pad_create(ctx, &desc, &pad));
  return pad;
}

static cl_mem make_buffer(oclnn_context *ctx, const float *host, size_t count) {
  cl_int err = CL_SUCCESS;
  cl_mem buffer = clCreateBuffer(oclnn_context_cl_context(ctx), CL_MEM_READ_WRITE,
                                 count * sizeof *host, NULL, &err);
  cr_assert_eq(err, CL_SUCCESS, "clCreateBuffer of %zu floats: %d", count, (int)err);
  cr_assert_eq(clEnqueueWriteBuffer(oclnn_context_cl_queue(ctx), buffer, CL_TRUE, 0,
                                    count * sizeof *host, host, 0, NULL, NULL),
               CL_SUCCESS);
  return buffer;
}

static void read_buffer(oclnn_context *ctx, cl_mem buffer, float *host, size_t count) {
  cr_assert_eq(clEnqueueReadBuffer(oclnn_context_cl_queue(ctx), buffer, CL_TRUE, 0,
                                   count * sizeof *host, host, 0, NULL, NULL),
               CL_SUCCESS);
}

/* Checks that buffer elements [begin, end) still hold the sentinel. */
static void expect_untouched(const float *host, size_t begin, size_t end, const char *what,
                             const char *where) {
  for (size_t i = begin; i < end; i++)
    cr_assert(is_sentinel(&host[i]), "%s: element %zu %s was written", what, i, where);
}

/* Runs one case: oclnn's output shape and data must equal the reference's exactly, and nothing
 * but the output view may change. */
static void check_run(oclnn_context *ctx, const pad_run *r) {
  char what[320];
  describe(r, what, sizeof what);
  int64_t want_shape[OCLNN_MAX_RANK], got_shape[OCLNN_MAX_RANK];
  pad_ref_result ref =
      pad_ref_output_shape(r->mode, r->dims, r->pads, r->rank, r->shape, want_shape);
  cr_assert_eq(ref, PAD_REF_OK, "%s: not a valid sweep case (%d)", what, (int)ref);
  oclnn_pad *pad = make_layer(ctx, r);
  TEST_OK(ctx, oclnn_pad_output_shape(pad, r->rank, r->shape, got_shape));
  char want_s[96], got_s[96];
  cr_assert(!memcmp(want_shape, got_shape, (size_t)r->rank * sizeof *got_shape),
            "%s: output shape %s, expected %s", what,
            pad_ref_shape_string(r->rank, got_shape, got_s, sizeof got_s),
            pad_ref_shape_string(r->rank, want_shape, want_s, sizeof want_s));
  const size_t in_count = test_numel(r->rank, r->shape);
  const size_t out_count = test_numel(r->rank, want_shape);

  float *input = malloc((in_count ? in_count : 1) * sizeof *input);
  double *want = malloc((out_count ? out_count : 1) * sizeof *want);
  cr_assert(input && want);
  if (r->input)
    memcpy(input, r->input, in_count * sizeof *input);
  else
    test_fill_random(input, in_count, r->seed);
  cr_assert_eq(pad_ref_forward(r->mode, r->dims, r->pads, r->value, r->rank, r->shape, input, want),
               PAD_REF_OK);

  /* Lay the views out as asked; every element outside them holds the sentinel. */
  size_t in_at, out_at, in_total, out_total;
  if (r->layout == LAYOUT_SEPARATE) {
    in_at = r->offset_a;
    out_at = r->offset_a + r->gap; /* a different offset for the output */
    in_total = in_at + in_count + GUARD;
    out_total = out_at + out_count + GUARD;
  } else if (r->layout == LAYOUT_IN_FIRST) {
    in_at = r->offset_a;
    out_at = in_at + in_count + r->gap;
    in_total = out_total = out_at + out_count + GUARD;
  } else {
    out_at = r->offset_a;
    in_at = out_at + out_count + r->gap;
    in_total = out_total = in_at + in_count + GUARD;
  }
  float *in_host = malloc(in_total * sizeof *in_host);
  float *out_host = malloc(out_total * sizeof *out_host);
  cr_assert(in_host && out_host);
  fill_sentinel(in_host, in_total);
  memcpy(in_host + in_at, input, in_count * sizeof *input);
  if (r->layout != LAYOUT_SEPARATE)
    fill_sentinel(in_host + out_at, out_count);
  cl_mem in_buffer = make_buffer(ctx, in_host, in_total), out_buffer = in_buffer;
  if (r->layout == LAYOUT_SEPARATE) {
    fill_sentinel(out_host, out_total);
    out_buffer = make_buffer(ctx, out_host, out_total);
  }
  oclnn_tensor in = oclnn_tensor_view(in_buffer, in_at, r->rank, r->shape);
  oclnn_tensor out = oclnn_tensor_view(out_buffer, out_at, r->rank, want_shape);
  TEST_OK(ctx, oclnn_pad_forward(pad, &in, &out));
  TEST_OK(ctx, oclnn_context_finish(ctx));

  read_buffer(ctx, out_buffer, out_host, out_total);
  const float *got = out_host + out_at;
  size_t bad = pad_ref_first_mismatch(got, want, out_count);
  if (bad < out_count) {
    int64_t coord[OCLNN_MAX_RANK];
    size_t rest = bad;
    for (int d = r->rank - 1; d >= 0; d--) {
      coord[d] = (int64_t)(rest % (size_t)want_shape[d]);
      rest /= (size_t)want_shape[d];
    }
    cr_assert_fail("%s: output element %zu %s of %s is %.9g, expected %.9g", what, bad,
                   pad_ref_shape_string(r->rank, coord, got_s, sizeof got_s),
                   pad_ref_shape_string(r->rank, want_shape, want_s, sizeof want_s),
                   (double)got[bad], want[bad]);
  }
  /* Guards of the output buffer, and the input left as it was. */
  if (r->layout == LAYOUT_SEPARATE) {
    expect_untouched(out_host, 0, out_at, what, "before the output");
    expect_untouched(out_host, out_at + out_count, out_total, what, "after the output");
    read_buffer(ctx, in_buffer, in_host, in_total);
    expect_untouched(in_host, 0, in_at, what, "before the input");
    expect_untouched(in_host, in_at + in_count, in_total, what, "after the input");
  } else {
    const size_t first = out_at < in_at ? out_at : in_at;
    const size_t first_end = out_at < in_at ? out_at + out_count : in_at + in_count;
    const size_t second = out_at < in_at ? in_at : out_at;
    const size_t second_end = out_at < in_at ? in_at + in_count : out_at + out_count;
    in_host = memcpy(in_host, out_host, out_total * sizeof *out_host);
    expect_untouched(in_host, 0, first, what, "before the first view");
    expect_untouched(in_host, first_end, second, what, "between the views");
    expect_untouched(in_host, second_end, in_total, what, "after the second view");
  }
  cr_assert(!memcmp(in_host + in_at, input, in_count * sizeof *input), "%s: the input changed",
            what);

  if (out_buffer != in_buffer)
    clReleaseMemObject(out_buffer);
  clReleaseMemObject(in_buffer);
  free(in_host);
  free(out_host);
  free(input);
  free(want);
  oclnn_pad_free(pad);
}

/* ------------------------------------------------------------------------------------------ */
/* Sweeps                                                                                      */
/* ------------------------------------------------------------------------------------------ */

static const int64_t SIZES[] = {1, 2, 3, 5, 7, 8, 9, 13, 16, 17, 33};
#define NSIZES ((int)(sizeof SIZES / sizeof SIZES[0]))

typedef enum pad_kind {
  KIND_ZERO,       /* (0, 0) */
  KIND_POSITIVE,   /* both >= 0, not both 0 */
  KIND_NEGATIVE,   /* both <= 0, not both 0: crop */
  KIND_ASYMMETRIC, /* left != right, any signs the mode allows */
  KIND_EXTREME,    /* the largest pads the mode allows (reflect n - 1, circular n) */
  KIND_CROP_TO_1,  /* negative pads leaving one element */
  KIND_COUNT
} pad_kind;

static const char *const KIND_NAMES[] = {"zero",       "positive", "negative",
                                         "asymmetric", "extreme",  "crop-to-one"};

/* The largest positive pad valid for a dim of size n. */
static int64_t max_pad(oclnn_pad_mode mode, int64_t n) {
  switch (mode) {
  case OCLNN_PAD_REFLECT:
    return n - 1;
  case OCLNN_PAD_CIRCULAR:
    return n;
  default:
    return n + 4;
  }
}

static int mixed_sign(int64_t b, int64_t a) { return (b < 0 && a > 0) || (b > 0 && a < 0); }

/* Picks pads (b, a) of `kind` for a dim of size n; 0 when the kind is impossible there.
 * allow_mixed: whether one pad may be negative while the other is positive. */
static int pick_pads(rng *g, oclnn_pad_mode mode, int64_t n, pad_kind kind, int allow_mixed,
                     int64_t *b, int64_t *a) {
  const int64_t hi = max_pad(mode, n);
  for (int attempt = 0; attempt < 64; attempt++) {
    switch (kind) {
    case KIND_ZERO:
      *b = *a = 0;
      break;
    case KIND_POSITIVE:
      if (hi < 1)
        return 0;
      *b = rng_range(g, 0, hi);
      *a = rng_range(g, 0, hi);
      break;
    case KIND_NEGATIVE:
      if (n < 2)
        return 0;
      *b = -rng_range(g, 0, n - 1);
      *a = -rng_range(g, 0, n - 1 + *b);
      break;
    case KIND_ASYMMETRIC:
      *b = rng_range(g, -(n - 1), hi);
      *a = rng_range(g, -(n - 1), hi);
      break;
    case KIND_EXTREME:
      *b = *a = hi;
      if (rng_next(g) & 1)
        *a = rng_range(g, 0, hi);
      break;
    case KIND_CROP_TO_1:
      if (n < 2)
        return 0;
      *b = -rng_range(g, 0, n - 1);
      *a = -(n - 1) - *b;
      break;
    default:
      return 0;
    }
    if (kind == KIND_POSITIVE && *b == 0 && *a == 0)
      continue;
    if (kind == KIND_NEGATIVE && *b == 0 && *a == 0)
      continue;
    if (kind == KIND_ASYMMETRIC && *b == *a)
      continue;
    if (!allow_mixed && mixed_sign(*b, *a))
      continue;
    /* Valid for oclnn and well defined in torch, judged by the reference on a 1d case. */
    const int64_t pads[2] = {*b, *a}, shape[2] = {1, n};
    if (pad_ref_output_shape(mode, 1, pads, 2, shape, NULL) != PAD_REF_OK)
      continue;
    return 1;
  }
  return 0;
}

typedef struct sweep_stats {
  int cases;
  int kinds[KIND_COUNT];
  int layouts[3];
} sweep_stats;

/* One case of a sweep: sizes, pads of `kind` (on one dim; the other dims draw any kind),
 * offsets and layout, all from g. Returns 0 when no valid case came up. */
static int make_case(rng *g, oclnn_pad_mode mode, int dims, int rank, pad_kind kind,
                     int allow_mixed, int all_ones, pad_run *r) {
  memset(r, 0, sizeof *r);
  r->mode = mode;
  r->dims = dims;
  r->rank = rank;
  static const float VALUES[] = {0.0f, 1.5f, -3.25f, NAN, -INFINITY, INFINITY};
  r->value = mode == OCLNN_PAD_CONSTANT ? VALUES[rng_next(g) % 6] : 0.0f;
  for (int attempt = 0; attempt < 200; attempt++) {
    size_t numel = 1;
    for (int i = 0; i < rank; i++) {
      if (i < rank - dims)
        r->shape[i] = all_ones ? 1 : rng_range(g, 1, 3);
      else
        r->shape[i] = all_ones ? 1 : SIZES[rng_next(g) % NSIZES];
      numel *= (size_t)r->shape[i];
    }
    if (numel > 12000)
      continue;
    const int main_dim = (int)(rng_next(g) % (uint64_t)dims);
    int ok = 1;
    for (int k = 0; k < dims && ok; k++) {
      const int64_t n = r->shape[rank - 1 - k];
      pad_kind dk = k == main_dim ? kind : (pad_kind)(rng_next(g) % KIND_COUNT);
      if (!pick_pads(g, mode, n, dk, allow_mixed, &r->pads[2 * k], &r->pads[2 * k + 1]))
        ok =
            dk != kind && pick_pads(g, mode, n, KIND_ZERO, 0, &r->pads[2 * k], &r->pads[2 * k + 1]);
    }
    if (!ok)
      continue;
    if (pad_ref_output_shape(mode, dims, r->pads, rank, r->shape, NULL) != PAD_REF_OK)
      continue;
    r->offset_a = (size_t)rng_range(g, 0, 13);
    r->gap = (size_t)rng_range(g, 0, 5);
    r->layout = (layout)(rng_next(g) % 4 == 0 ? 1 + rng_next(g) % 2 : LAYOUT_SEPARATE);
    r->seed = rng_next(g);
    return 1;
  }
  return 0;
}

/* Sweeps one mode over dims 1..3, its ranks and every kind of padding. */
static void sweep(oclnn_pad_mode mode, int allow_mixed, int only_mixed, uint64_t seed) {
  oclnn_context *ctx = test_context();
  rng g = {seed};
  sweep_stats stats;
  memset(&stats, 0, sizeof stats);
  const int reps = 12;
  for (int dims = 1; dims <= 3; dims++) {
    const int lo = mode == OCLNN_PAD_CONSTANT ? dims : dims + 1;
    const int hi = mode == OCLNN_PAD_CONSTANT ? OCLNN_MAX_RANK : dims + 2;
    for (int rank = lo; rank <= hi; rank++) {
      for (int kind = 0; kind < KIND_COUNT; kind++) {
        for (int rep = 0; rep < reps; rep++) {
          pad_run r;
          /* The first repetition of a kind uses 1-element dims where the kind allows it. */
          int made =
              rep == 0 && make_case(&g, mode, dims, rank, (pad_kind)kind, allow_mixed, 1, &r);
          if (!made)
            made = make_case(&g, mode, dims, rank, (pad_kind)kind, allow_mixed, 0, &r);
          cr_assert(made, "%s %dd rank %d: no %s case", pad_ref_mode_name(mode), dims, rank,
                    KIND_NAMES[kind]);
          if (only_mixed) {
            int any = 0;
            for (int k = 0; k < dims; k++)
              any |= mixed_sign(r.pads[2 * k], r.pads[2 * k + 1]);
            if (!any)
              continue;
          }
          check_run(ctx, &r);
          stats.cases++;
          stats.kinds[kind]++;
          stats.layouts[r.layout]++;
        }
      }
    }
  }
  cr_log_info("%s sweep: %d cases, %d with shared buffers", pad_ref_mode_name(mode), stats.cases,
              stats.layouts[1] + stats.layouts[2]);
  cr_assert(stats.cases > 0);
}

Test(pad_reference, constant_sweep) { sweep(OCLNN_PAD_CONSTANT, 1, 0, 11); }
Test(pad_reference, reflect_sweep) { sweep(OCLNN_PAD_REFLECT, 1, 0, 12); }
Test(pad_reference, replicate_sweep) { sweep(OCLNN_PAD_REPLICATE, 1, 0, 13); }
/* Circular with one negative and one positive pad in a dim is swept on its own below. */
Test(pad_reference, circular_sweep) { sweep(OCLNN_PAD_CIRCULAR, 0, 0, 14); }

/* PyTorch crops first and then wraps around what is left (pad_reference.h), e.g. [0 1 2 3]
 * with pads (-1, 2) gives [1 2 3 1 2], not [1 2 3 0 1]. */
Test(pad_reference, circular_mixed_sign_sweep) { sweep(OCLNN_PAD_CIRCULAR, 1, 1, 15); }

Test(pad_reference, circular_mixed_sign_small) {
  const float input[4] = {0, 1, 2, 3};
  pad_run r;
  memset(&r, 0, sizeof r);
  r.mode = OCLNN_PAD_CIRCULAR;
  r.dims = 1;
  r.rank = 3;
  r.shape[0] = r.shape[1] = 1;
  r.shape[2] = 4;
  r.pads[0] = -1;
  r.pads[1] = 2;
  r.input = input;
  check_run(test_context(), &r);
}

Test(pad_reference, one_element_tensors) {
  oclnn_context *ctx = test_context();
  for (int mode = OCLNN_PAD_CONSTANT; mode <= OCLNN_PAD_CIRCULAR; mode++) {
    for (int dims = 1; dims <= 3; dims++) {
      for (int batched = 0; batched <= 1; batched++) {
        /* reflect can only use pad 0 on a 1-element dim; circular up to 1. */
        const int64_t p = mode == OCLNN_PAD_REFLECT ? 0 : mode == OCLNN_PAD_CIRCULAR ? 1 : 3;
        pad_run r;
        memset(&r, 0, sizeof r);
        r.mode = (oclnn_pad_mode)mode;
        r.dims = dims;
        r.rank = dims + 1 + batched;
        for (int i = 0; i < r.rank; i++)
          r.shape[i] = 1;
        for (int i = 0; i < 2 * dims; i++)
          r.pads[i] = i % 2 ? p : (p ? p - 1 : 0);
        r.value = -7.5f;
        r.offset_a = 3;
        r.seed = (uint64_t)(mode * 10 + dims);
        check_run(ctx, &r);
      }
    }
  }
}

Test(pad_reference, constant_special_values) {
  /* NaN and infinite fill values, and NaN / infinities / -0.0 inside the input, are copied. */
  oclnn_context *ctx = test_context();
  static const float VALUES[] = {NAN, -INFINITY, INFINITY, -0.0f};
  float input[2 * 3 * 5 * 7];
  test_fill_random(input, sizeof input / sizeof *input, 99);
  input[0] = NAN;
  input[7] = INFINITY;
  input[8] = -INFINITY;
  input[20] = -0.0f;
  input[209] = NAN;
  for (size_t v = 0; v < sizeof VALUES / sizeof *VALUES; v++) {
    for (int dims = 1; dims <= 3; dims++) {
      for (int mode = OCLNN_PAD_CONSTANT; mode <= OCLNN_PAD_CIRCULAR; mode++) {
        if (mode != OCLNN_PAD_CONSTANT && v > 0)
          continue;
        pad_run r;
        memset(&r, 0, sizeof r);
        r.mode = (oclnn_pad_mode)mode;
        r.dims = dims;
        r.value = mode == OCLNN_PAD_CONSTANT ? VALUES[v] : 0.0f;
        /* 210 elements as (6, 5, 7), (2, 3, 5, 7) or (1, 2, 3, 5, 7): dims + 2 for every mode. */
        static const int64_t FULL[5] = {1, 2, 3, 5, 7};
        r.rank = dims + 2;
        memcpy(r.shape, FULL + (5 - r.rank), (size_t)r.rank * sizeof *r.shape);
        if (r.rank == 3)
          r.shape[0] = 6;
        for (int i = 0; i < 2 * dims; i++)
          r.pads[i] = i % 2 ? 2 : 1;
        r.input = input;
        r.offset_a = 1;
        r.gap = 2;
        check_run(ctx, &r);
      }
    }
  }
}

Test(pad_reference, constant_pads_an_empty_dim) {
  /* An empty padded dim is fine for constant padding: the output is all fill value (torch:
   * F.pad(torch.empty(2, 0), (1, 1), value=3) is [[3, 3], [3, 3]]). */
  oclnn_context *ctx = test_context();
  const struct {
    int dims, rank;
    int64_t shape[5];
    int64_t pads[6];
  } cases[] = {
      {1, 2, {2, 0}, {1, 1}},
      {2, 2, {0, 3}, {1, 1, 2, 0}},
      {3, 4, {2, 3, 0, 1}, {0, 2, 1, 0, 1, 1}},
  };
  for (size_t i = 0; i < sizeof cases / sizeof *cases; i++) {
    pad_run r;
    memset(&r, 0, sizeof r);
    r.mode = OCLNN_PAD_CONSTANT;
    r.dims = cases[i].dims;
    r.rank = cases[i].rank;
    memcpy(r.shape, cases[i].shape, sizeof r.shape);
    memcpy(r.pads, cases[i].pads, sizeof r.pads);
    r.value = 3.0f;
    r.offset_a = 2;
    r.gap = 1;
    check_run(ctx, &r);
  }
}

Test(pad_reference, large_reflect_2d) {
  pad_run r;
  memset(&r, 0, sizeof r);
  r.mode = OCLNN_PAD_REFLECT;
  r.dims = 2;
  r.rank = 4;
  r.shape[0] = 2;
  r.shape[1] = 16;
  r.shape[2] = 300;
  r.shape[3] = 301;
  r.pads[0] = 7; /* left, right, top, bottom */
  r.pads[1] = 2;
  r.pads[2] = 299;
  r.pads[3] = -5;
  r.offset_a = 5;
  r.gap = 3;
  r.seed = 2024;
  check_run(test_context(), &r);
}

Test(pad_reference, large_last_dim) {
  oclnn_context *ctx = test_context();
  const struct {
    oclnn_pad_mode mode;
    int64_t shape[3];
    int64_t before, after;
  } cases[] = {
      {OCLNN_PAD_CONSTANT, {3, 1, 200003}, 17, -9},
      {OCLNN_PAD_REPLICATE, {2, 1, 150001}, -5, 1003},
      {OCLNN_PAD_CIRCULAR, {1, 2, 100003}, 100003, 11},
      {OCLNN_PAD_REFLECT, {1, 1, 262147}, 262146, 1},
  };
  for (size_t i = 0; i < sizeof cases / sizeof *cases; i++) {
    pad_run r;
    memset(&r, 0, sizeof r);
    r.mode = cases[i].mode;
    r.dims = 1;
    r.rank = 3;
    memcpy(r.shape, cases[i].shape, sizeof cases[i].shape);
    r.pads[0] = cases[i].before;
    r.pads[1] = cases[i].after;
    r.value = 0.25f;
    r.offset_a = 1 + i;
    r.gap = 2;
    r.layout = i % 2 ? LAYOUT_OUT_FIRST : LAYOUT_SEPARATE;
    r.seed = 31 + i;
    check_run(ctx, &r);
  }
}

Test(pad_reference, layer_reused_across_shapes_without_sync) {
  /* One layer, several inputs enqueued back to back; kernel arguments must not leak between
   * calls. */
  oclnn_context *ctx = test_context();
  oclnn_pad_desc desc = oclnn_pad_desc_default(2, OCLNN_PAD_REFLECT, 0);
  const int64_t pads[4] = {2, 1, -1, 3};
  memcpy(desc.padding, pads, sizeof pads);
  oclnn_pad *pad = NULL;
  TEST_OK(ctx, oclnn_pad_create(ctx, &desc, &pad));
  enum { RUNS = 5 };
  const int64_t shapes[RUNS][4] = {
      {1, 1, 5, 4}, {2, 3, 9, 17}, {1, 2, 4, 3}, {3, 1, 33, 8}, {1, 1, 4, 16}};
  oclnn_tensor ins[RUNS], outs[RUNS];
  float *inputs[RUNS];
  int64_t out_shapes[RUNS][4];
  for (int i = 0; i < RUNS; i++) {
    size_t count = test_numel(4, shapes[i]);
    inputs[i] = malloc(count * sizeof(float));
    cr_assert(inputs[i]);
    test_fill_random(inputs[i], count, 500 + (uint64_t)i);
    ins[i] = test_tensor_from_host(ctx, 4, shapes[i], inputs[i]);
    TEST_OK(ctx, oclnn_pad_output_shape(pad, 4, shapes[i], out_shapes[i]));
    TEST_OK(ctx, oclnn_tensor_alloc(ctx, 4, out_shapes[i], &outs[i]));
  }
  for (int i = 0; i < RUNS; i++)
    TEST_OK(ctx, oclnn_pad_forward(pad, &ins[i], &outs[i]));
  for (int i = 0; i < RUNS; i++) {
    size_t count = test_numel(4, out_shapes[i]);
    float *got = malloc(count * sizeof *got);
    double *want = malloc(count * sizeof *want);
    cr_assert(got && want);
    TEST_OK(ctx, oclnn_tensor_download(ctx, &outs[i], got, count));
    cr_assert_eq(pad_ref_forward(OCLNN_PAD_REFLECT, 2, pads, 0.0, 4, shapes[i], inputs[i], want),
                 PAD_REF_OK);
    size_t bad = pad_ref_first_mismatch(got, want, count);
    cr_assert_eq(bad, count, "run %d: element %zu is %.9g, expected %.9g", i, bad,
                 bad < count ? (double)got[bad] : 0.0, bad < count ? want[bad] : 0.0);
    free(got);
    free(want);
    free(inputs[i]);
    oclnn_tensor_free(&ins[i]);
    oclnn_tensor_free(&outs[i]);
  }
  oclnn_pad_free(pad);
}

Test(pad_reference, empty_batch_writes_nothing) {
  /* A zero batch (and, for constant and circular, a zero leading dim) is a valid empty op. */
  oclnn_context *ctx = test_context();
  const struct {
    oclnn_pad_mode mode;
    int dims, rank;
    int64_t shape[5];
  } cases[] = {
      {OCLNN_PAD_REFLECT, 1, 3, {0, 2, 5}},        {OCLNN_PAD_REPLICATE, 2, 4, {0, 2, 3, 5}},
      {OCLNN_PAD_CIRCULAR, 3, 5, {0, 1, 2, 3, 4}}, {OCLNN_PAD_CIRCULAR, 1, 3, {1, 0, 4}},
      {OCLNN_PAD_CONSTANT, 1, 3, {2, 0, 4}},       {OCLNN_PAD_CONSTANT, 2, 3, {0, 3, 2}},
  };
  for (size_t i = 0; i < sizeof cases / sizeof *cases; i++) {
    oclnn_pad_desc desc = oclnn_pad_desc_default(cases[i].dims, cases[i].mode, 1);
    oclnn_pad *pad = NULL;
    TEST_OK(ctx, oclnn_pad_create(ctx, &desc, &pad));
    int64_t want[5], got[5];
    cr_assert_eq(pad_ref_output_shape(cases[i].mode, cases[i].dims, desc.padding, cases[i].rank,
                                      cases[i].shape, want),
                 PAD_REF_OK, "case %zu", i);
    TEST_OK(ctx, oclnn_pad_output_shape(pad, cases[i].rank, cases[i].shape, got));
    cr_assert(!memcmp(want, got, (size_t)cases[i].rank * sizeof *got), "case %zu shape", i);
    float host[16];
    fill_sentinel(host, 16);
    cl_mem in_buffer = make_buffer(ctx, host, 16), out_buffer = make_buffer(ctx, host, 16);
    oclnn_tensor in = oclnn_tensor_view(in_buffer, 2, cases[i].rank, cases[i].shape);
    oclnn_tensor out = oclnn_tensor_view(out_buffer, 3, cases[i].rank, got);
    TEST_OK(ctx, oclnn_pad_forward(pad, &in, &out));
    TEST_OK(ctx, oclnn_context_finish(ctx));
    read_buffer(ctx, out_buffer, host, 16);
    char what[64];
    snprintf(what, sizeof what, "empty case %zu", i);
    expect_untouched(host, 0, 16, what, "of the output buffer");
    clReleaseMemObject(in_buffer);
    clReleaseMemObject(out_buffer);
    oclnn_pad_free(pad);
  }
}

Test(pad_reference, output_shape_validity_matches_reference) {
  /* Random descriptors and shapes, valid or not (empty and negative dims, every rank):
   * oclnn_pad_output_shape accepts exactly what the reference accepts, with the same shape, and
   * refuses the rest as a shape error without writing out_shape. */
  oclnn_context *ctx = test_context();
  rng g = {77};
  enum { SLOTS = 48 };
  static struct {
    oclnn_pad *pad;
    int64_t pads[6];
  } layers[4][4][SLOTS];
  int accepted = 0, refused = 0;
  for (int iter = 0; iter < 20000; iter++) {
    const oclnn_pad_mode mode = (oclnn_pad_mode)(rng_next(&g) % 4);
    const int dims = (int)rng_range(&g, 1, 3);
    const int slot = (int)(rng_next(&g) % SLOTS);
    if (!layers[mode][dims][slot].pad) {
      oclnn_pad_desc desc = oclnn_pad_desc_default(dims, mode, 0);
      for (int i = 0; i < 2 * dims; i++)
        desc.padding[i] = rng_range(&g, -6, 6);
      TEST_OK(ctx, oclnn_pad_create(ctx, &desc, &layers[mode][dims][slot].pad));
      memcpy(layers[mode][dims][slot].pads, desc.padding, sizeof desc.padding);
    }
    const int64_t *pads = layers[mode][dims][slot].pads;
    const int rank = (int)rng_range(&g, 1, OCLNN_MAX_RANK);
    int64_t shape[OCLNN_MAX_RANK];
    for (int i = 0; i < rank; i++) {
      const uint64_t pick = rng_next(&g) % 24;
      shape[i] = pick == 0 ? 0 : pick == 1 ? -1 : (int64_t)(pick % 8);
    }
    int64_t want[OCLNN_MAX_RANK], got[OCLNN_MAX_RANK] = {-9, -9, -9, -9, -9};
    const pad_ref_result ref = pad_ref_output_shape(mode, dims, pads, rank, shape, want);
    const oclnn_status status =
        oclnn_pad_output_shape(layers[mode][dims][slot].pad, rank, shape, got);
    char shape_s[96];
    pad_ref_shape_string(rank, shape, shape_s, sizeof shape_s);
    if (ref == PAD_REF_INVALID) {
      cr_assert_eq(status, OCLNN_ERR_INVALID_SHAPE,
                   "%s %dd pads (%lld, %lld, %lld, %lld, %lld, %lld) input %s: %s, expected "
                   "OCLNN_ERR_INVALID_SHAPE",
                   pad_ref_mode_name(mode), dims, (long long)pads[0], (long long)pads[1],
                   (long long)pads[2], (long long)pads[3], (long long)pads[4], (long long)pads[5],
                   shape_s, oclnn_status_string(status));
      for (int i = 0; i < OCLNN_MAX_RANK; i++)
        cr_assert_eq(got[i], -9, "out_shape written on error");
      refused++;
    } else {
      cr_assert_eq(status, OCLNN_SUCCESS,
                   "%s %dd pads (%lld, %lld, %lld, %lld, %lld, %lld) input %s: %s (%s)",
                   pad_ref_mode_name(mode), dims, (long long)pads[0], (long long)pads[1],
                   (long long)pads[2], (long long)pads[3], (long long)pads[4], (long long)pads[5],
                   shape_s, oclnn_status_string(status), oclnn_context_error(ctx));
      cr_assert(!memcmp(want, got, (size_t)rank * sizeof *got), "%s %dd input %s: wrong shape",
                pad_ref_mode_name(mode), dims, shape_s);
      accepted++;
    }
  }
  cr_log_info("output shapes: %d accepted, %d refused", accepted, refused);
  cr_assert(accepted > 1000 && refused > 1000, "unbalanced draw: %d accepted, %d refused", accepted,
            refused);
  for (int m = 0; m < 4; m++)
    for (int d = 0; d < 4; d++)
      for (int s = 0; s < SLOTS; s++)
        oclnn_pad_free(layers[m][d][s].pad);
}
