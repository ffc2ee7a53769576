/* Convolution backward (oclnn_conv_backward): grad_input, grad_weight and grad_bias against
 *  - the C double-precision reference (conv_ref_backward in tests/support/conv_reference.c, the
 *    transpose of the forward reference: it scatters, the kernels gather) over a sweep of
 *    hand-picked corner cases and seeded random configurations: 1d/2d/3d, odd sizes, 1-pixel
 *    inputs, stride, dilation, groups incl. depthwise, every padding mode, same/valid, bias
 *    on/off, batched/unbatched/empty batch, input_upsample; each gradient requested alone or
 *    together, views at offsets between sentinels that must survive. Tolerance per element:
 *    1e-6 + 1e-5 * (the sum of the magnitudes of its terms);
 *  - the reference itself against central finite differences of the double forward reference,
 *    L = sum(forward(x, w, b) * grad_out): L is linear in each of x, w, b, so with values on a
 *    1/8 grid the difference quotient is exact;
 *  - torch.autograd on the committed cases of tests/data/conv_grad_cases.txt
 *    (tools/gen_conv_grad_cases.py; every sum there is exact in float);
 *  - the bad-input table: NULLs, no gradient asked for, grad_bias without bias, wrong shapes
 *    of every tensor, aliasing, out-of-bounds views; exact statuses, nothing written.
 * grad_input has three paths (conv_backward.c): the sweeps run each, the automatic choice and
 * OCLNN_CONV_BACKWARD_INPUT=columns / gather forcing the others. */
#include "conv_reference.h"
#include "test_support.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define GUARD 5
#define SENTINEL 4321.5f

/* ------------------------------------------------------------------------------------------ */
/* Harness                                                                                    */
/* ------------------------------------------------------------------------------------------ */

typedef struct shapes {
  int rank;
  int64_t in[OCLNN_MAX_RANK], out[OCLNN_MAX_RANK], weight[OCLNN_MAX_RANK];
  size_t in_count, out_count, w_count, b_count;
} shapes;

static void get_shapes(const oclnn_conv_desc *desc, int rank, const int64_t *in_shape, shapes *s) {
  memset(s, 0, sizeof *s);
  s->rank = rank;
  memcpy(s->in, in_shape, (size_t)rank * sizeof *in_shape);
  cr_assert(conv_ref_output_shape(desc, rank, in_shape, s->out));
  s->weight[0] = desc->out_channels;
  s->weight[1] = desc->in_channels / desc->groups;
  for (int i = 0; i < desc->dims; i++)
    s->weight[2 + i] = desc->kernel_size[i];
  s->in_count = test_numel(rank, s->in);
  s->out_count = test_numel(rank, s->out);
  s->w_count = test_numel(desc->dims + 2, s->weight);
  s->b_count = (size_t)desc->out_channels;
}

/* The expected gradients and the magnitudes of their terms (NULL where not checked). */
typedef struct expected {
  const double *gin, *gw, *gb;
  const double *gin_mag, *gw_mag, *gb_mag; /* NULL: exact comparison within atol/rtol */
  double atol, rtol;
} expected;

/* Compares within atol + rtol * mag[i] (or rtol * |want| without magnitudes). */
static void assert_grad(const char *what, const char *name, const float *got, const double *want,
                        const double *mag, size_t count, double atol, double rtol) {
  for (size_t i = 0; i < count; i++) {
    double tol = atol + rtol * (mag ? mag[i] : fabs(want[i]));
    cr_assert(fabs((double)got[i] - want[i]) <= tol, "%s: %s[%zu] is %.9g, expected %.9g (tol %g)",
              what, name, i, (double)got[i], want[i], tol);
  }
}

/* Runs oclnn_conv_backward on (in, w, gout) asking for the gradients that `want` has, each in a
 * view at an offset between sentinels, and checks them. weight_given: pass the weight even when
 * grad_input is not asked for. */
static void run_and_check(oclnn_context *ctx, oclnn_conv *conv, const oclnn_conv_desc *desc,
                          const shapes *s, const float *in, const float *w, const float *gout,
                          const expected *want, bool weight_given, const char *what) {
  const size_t counts[3] = {s->in_count, s->w_count, s->b_count};
  const double *wants[3] = {want->gin, want->gw, want->gb};
  const double *mags[3] = {want->gin_mag, want->gw_mag, want->gb_mag};
  static const char *const names[3] = {"grad_input", "grad_weight", "grad_bias"};
  /* One buffer holds the three gradient views, each with GUARD sentinels before and after. */
  size_t offsets[3], total = 0;
  for (int i = 0; i < 3; i++) {
    offsets[i] = total + GUARD;
    total += counts[i] + 2 * GUARD;
  }
  float *host = malloc(total * sizeof *host);
  cr_assert(host);
  for (size_t i = 0; i < total; i++)
    host[i] = SENTINEL;
  const int64_t flat[1] = {(int64_t)total};
  oclnn_tensor grads = test_tensor_from_host(ctx, 1, flat, host);
  const int64_t b_shape[1] = {desc->out_channels};
  oclnn_tensor views[3] = {
      oclnn_tensor_view(grads.buffer, offsets[0], s->rank, s->in),
      oclnn_tensor_view(grads.buffer, offsets[1], desc->dims + 2, s->weight),
      oclnn_tensor_view(grads.buffer, offsets[2], 1, b_shape),
  };
  /* Input and grad_output at offsets inside one buffer too. */
  const size_t in_at = 3, gout_at = in_at + s->in_count + 2;
  float *src = calloc(gout_at + s->out_count + 1, sizeof *src);
  cr_assert(src);
  memcpy(src + in_at, in, s->in_count * sizeof *src);
  memcpy(src + gout_at, gout, s->out_count * sizeof *src);
  const int64_t src_flat[1] = {(int64_t)(gout_at + s->out_count + 1)};
  oclnn_tensor src_buf = test_tensor_from_host(ctx, 1, src_flat, src);
  oclnn_tensor in_t = oclnn_tensor_view(src_buf.buffer, in_at, s->rank, s->in);
  oclnn_tensor gout_t = oclnn_tensor_view(src_buf.buffer, gout_at, s->rank, s->out);
  oclnn_tensor w_t = test_tensor_from_host(ctx, desc->dims + 2, s->weight, w);

  oclnn_status status = oclnn_conv_backward(
      conv, &in_t, (want->gin || weight_given) ? &w_t : NULL, &gout_t, want->gin ? &views[0] : NULL,
      want->gw ? &views[1] : NULL, want->gb ? &views[2] : NULL);
  cr_assert_eq(status, OCLNN_SUCCESS, "%s: backward -> %s: %s", what, oclnn_status_string(status),
               oclnn_context_error(ctx));
  TEST_OK(ctx, oclnn_context_finish(ctx));
  TEST_OK(ctx, oclnn_tensor_download(ctx, &grads, host, total));
  for (int g = 0; g < 3; g++) {
    for (size_t i = offsets[g] - GUARD; i < offsets[g] + counts[g] + GUARD; i++) {
      bool inside = i >= offsets[g] && i < offsets[g] + counts[g];
      if (!inside || !wants[g])
        cr_assert(host[i] == SENTINEL, "%s: float %zu around/in %s was overwritten (%g)", what, i,
                  names[g], (double)host[i]);
    }
    if (wants[g])
      assert_grad(what, names[g], host + offsets[g], wants[g], mags[g], counts[g], want->atol,
                  want->rtol);
  }
  oclnn_tensor_free(&grads);
  oclnn_tensor_free(&src_buf);
  oclnn_tensor_free(&w_t);
  free(host);
  free(src);
}

static double *alloc_doubles(size_t count) {
  double *d = malloc((count ? count : 1) * sizeof *d);
  cr_assert(d);
  return d;
}

static float *random_floats(size_t count, uint64_t seed) {
  float *f = malloc((count ? count : 1) * sizeof *f);
  cr_assert(f);
  test_fill_random(f, count, seed);
  return f;
}

/* One sweep case: random data, the reference, and the layer (algo GENERIC for the forward: the
 * backward does not depend on it, and one forward program serves every case). `which` is a
 * bit set of the gradients asked for (1 input, 2 weight, 4 bias). */
static void check_case(oclnn_context *ctx, const oclnn_conv_desc *desc_in, int rank,
                       const int64_t *in_shape, uint64_t seed, int which) {
  oclnn_conv_desc desc = *desc_in;
  desc.algo = OCLNN_CONV_ALGO_GENERIC;
  if (!desc.bias)
    which &= 3;
  if (!which)
    which = 1;
  char what[256];
  conv_ref_describe(&desc, rank, in_shape, what, sizeof what);
  shapes s;
  get_shapes(&desc, rank, in_shape, &s);
  float *in = random_floats(s.in_count, seed * 5 + 1), *w = random_floats(s.w_count, seed * 5 + 2),
        *gout = random_floats(s.out_count, seed * 5 + 3);
  double *gin = alloc_doubles(s.in_count), *gin_mag = alloc_doubles(s.in_count);
  double *gw = alloc_doubles(s.w_count), *gw_mag = alloc_doubles(s.w_count);
  double *gb = alloc_doubles(s.b_count), *gb_mag = alloc_doubles(s.b_count);
  cr_assert(
      conv_ref_backward(&desc, rank, in_shape, in, w, gout, gin, gw, gb, gin_mag, gw_mag, gb_mag));
  oclnn_conv *conv = NULL;
  TEST_OK(ctx, oclnn_conv_create(ctx, &desc, &conv));
  expected want = {(which & 1) ? gin : NULL,
                   (which & 2) ? gw : NULL,
                   (which & 4) ? gb : NULL,
                   gin_mag,
                   gw_mag,
                   gb_mag,
                   1e-6,
                   1e-5};
  run_and_check(ctx, conv, &desc, &s, in, w, gout, &want, seed % 2 == 0, what);
  oclnn_conv_free(conv);
  free(in);
  free(w);
  free(gout);
  free(gin);
  free(gin_mag);
  free(gw);
  free(gw_mag);
  free(gb);
  free(gb_mag);
}

/* ------------------------------------------------------------------------------------------ */
/* The reference against finite differences                                                  */
/* ------------------------------------------------------------------------------------------ */

/* Values on a 1/8 grid in [-2, 2]: exact in float, and so are x +- 1/8. */
static void fill_grid(float *data, size_t count, uint64_t seed) {
  test_fill_random(data, count, seed);
  for (size_t i = 0; i < count; i++)
    data[i] = roundf(data[i] * 16.0f) / 8.0f;
}

static double loss(const oclnn_conv_desc *desc, const shapes *s, const float *in, const float *w,
                   const float *b, const float *gout, double *out) {
  cr_assert(conv_ref_forward(desc, s->rank, s->in, in, w, b, out));
  double sum = 0.0;
  for (size_t i = 0; i < s->out_count; i++)
    sum += out[i] * (double)gout[i];
  return sum;
}

/* d loss / d data[i] by central differences, for every element of data (which is restored). */
static void finite_differences(const oclnn_conv_desc *desc, const shapes *s, float *in, float *w,
                               float *b, const float *gout, float *data, size_t count,
                               const double *want, const char *what, const char *name) {
  double *out = alloc_doubles(s->out_count);
  const float h = 0.125f;
  for (size_t i = 0; i < count; i++) {
    const float keep = data[i];
    data[i] = keep + h;
    double up = loss(desc, s, in, w, b, gout, out);
    data[i] = keep - h;
    double down = loss(desc, s, in, w, b, gout, out);
    data[i] = keep;
    double fd = (up - down) / (2.0 * (double)h);
    cr_assert(fabs(fd - want[i]) <= 1e-9 * (1.0 + fabs(fd)),
              "%s: reference d/d%s[%zu] is %.12g, finite differences give %.12g", what, name, i,
              want[i], fd);
  }
  free(out);
}

Test(conv_backward_reference, matches_finite_differences) {
  oclnn_conv_desc cases[6];
  int64_t in_shapes[6][5] = {{2, 3, 6},       {1, 4, 5, 4}, {3, 5, 4},
                             {1, 2, 3, 4, 3}, {2, 2, 4},    {2, 2, 7}};
  int ranks[6] = {3, 4, 3, 5, 3, 3};
  cases[0] = oclnn_conv_desc_default(1, 3, 2, 3); /* reflect folding two pads per side */
  cases[0].padding[0] = 2;
  cases[0].padding_mode = OCLNN_CONV_REFLECT;
  cases[1] = oclnn_conv_desc_default(2, 4, 2, 3); /* groups, stride, circular */
  cases[1].groups = 2;
  cases[1].stride[0] = 2;
  cases[1].padding[0] = cases[1].padding[1] = 2;
  cases[1].padding_mode = OCLNN_CONV_CIRCULAR;
  cases[2] = oclnn_conv_desc_default(2, 3, 3, 2); /* unbatched, same, replicate, depthwise */
  cases[2].groups = 3;
  cases[2].padding_type = OCLNN_CONV_PADDING_SAME;
  cases[2].dilation[1] = 2;
  cases[2].padding_mode = OCLNN_CONV_REPLICATE;
  cases[3] = oclnn_conv_desc_default(3, 2, 2, 2); /* 3d, zeros, dilation */
  cases[3].padding[0] = 1;
  cases[3].dilation[1] = 2;
  cases[4] = oclnn_conv_desc_default(1, 2, 3, 3); /* upsample x3, reflect, stride 2 */
  cases[4].input_upsample[0] = 3;
  cases[4].padding[0] = 5;
  cases[4].stride[0] = 2;
  cases[4].padding_mode = OCLNN_CONV_REFLECT;
  cases[5] = oclnn_conv_desc_default(1, 2, 2, 3); /* replicate with a pad wider than input */
  cases[5].padding[0] = 9;
  cases[5].padding_mode = OCLNN_CONV_REPLICATE;
  for (int c = 0; c < 6; c++) {
    const oclnn_conv_desc *d = &cases[c];
    char what[256];
    conv_ref_describe(d, ranks[c], in_shapes[c], what, sizeof what);
    shapes s;
    get_shapes(d, ranks[c], in_shapes[c], &s);
    float *in = malloc(s.in_count * sizeof *in), *w = malloc(s.w_count * sizeof *w),
          *b = malloc(s.b_count * sizeof *b), *gout = malloc(s.out_count * sizeof *gout);
    cr_assert(in && w && b && gout);
    fill_grid(in, s.in_count, 11 + (uint64_t)c);
    fill_grid(w, s.w_count, 21 + (uint64_t)c);
    fill_grid(b, s.b_count, 31 + (uint64_t)c);
    fill_grid(gout, s.out_count, 41 + (uint64_t)c);
    double *gin = alloc_doubles(s.in_count), *gw = alloc_doubles(s.w_count),
           *gb = alloc_doubles(s.b_count);
    cr_assert(
        conv_ref_backward(d, ranks[c], in_shapes[c], in, w, gout, gin, gw, gb, NULL, NULL, NULL));
    finite_differences(d, &s, in, w, b, gout, in, s.in_count, gin, what, "input");
    finite_differences(d, &s, in, w, b, gout, w, s.w_count, gw, what, "weight");
    finite_differences(d, &s, in, w, b, gout, b, s.b_count, gb, what, "bias");
    free(in);
    free(w);
    free(b);
    free(gout);
    free(gin);
    free(gw);
    free(gb);
  }
}

/* ------------------------------------------------------------------------------------------ */
/* Sweep against the reference                                                                */
/* ------------------------------------------------------------------------------------------ */

static uint64_t rng_state;

static uint64_t next_u64(void) {
  rng_state ^= rng_state << 13;
  rng_state ^= rng_state >> 7;
  rng_state ^= rng_state << 17;
  return rng_state;
}

static int64_t rnd(int64_t lo, int64_t hi) {
  return lo + (int64_t)(next_u64() % (uint64_t)(hi - lo + 1));
}

static int make_shape(int dims, int64_t batch, int64_t channels, const int64_t *spatial,
                      int64_t *shape) {
  int rank = 0;
  if (batch >= 0)
    shape[rank++] = batch;
  shape[rank++] = channels;
  for (int i = 0; i < dims; i++)
    shape[rank++] = spatial[i];
  return rank;
}

Test(conv_backward_sweep, corner_cases) {
  oclnn_context *ctx = test_context();
  uint64_t seed = 1;
  /* 1-pixel inputs in every mode (replicate and zeros with pads wider than the input). */
  for (int mode = 0; mode < 4; mode++) {
    for (int dims = 1; dims <= 3; dims++) {
      oclnn_conv_desc d = oclnn_conv_desc_default(dims, 2, 3, 3);
      for (int i = 0; i < dims; i++)
        d.padding[i] = mode == OCLNN_CONV_REFLECT ? 0 : (mode == OCLNN_CONV_CIRCULAR ? 1 : 2);
      if (mode == OCLNN_CONV_REFLECT)
        d.kernel_size[0] = d.kernel_size[1] = d.kernel_size[2] = 1;
      d.padding_mode = (oclnn_conv_padding_mode)mode;
      const int64_t ones[3] = {1, 1, 1};
      int64_t shape[5];
      int rank = make_shape(dims, 2, 2, ones, shape);
      check_case(ctx, &d, rank, shape, seed++, 7);
    }
  }
  /* A kernel as large as the padded input; even kernels with "same"; valid. */
  oclnn_conv_desc d = oclnn_conv_desc_default(2, 3, 2, 5);
  d.padding[0] = 1;
  d.padding_mode = OCLNN_CONV_REFLECT;
  const int64_t s1[4] = {1, 3, 3, 5};
  check_case(ctx, &d, 4, s1, seed++, 7);
  d = oclnn_conv_desc_default(2, 2, 4, 4);
  d.padding_type = OCLNN_CONV_PADDING_SAME;
  d.dilation[0] = 3;
  d.padding_mode = OCLNN_CONV_CIRCULAR;
  const int64_t s2[3] = {2, 7, 6};
  check_case(ctx, &d, 3, s2, seed++, 7);
  d = oclnn_conv_desc_default(3, 2, 2, 2);
  d.padding_type = OCLNN_CONV_PADDING_VALID;
  d.bias = 0;
  const int64_t s3[5] = {2, 2, 3, 2, 4};
  check_case(ctx, &d, 5, s3, seed++, 3);
  /* Depthwise with a channel multiplier, strided, reflect folding two pads. */
  d = oclnn_conv_desc_default(2, 4, 8, 3);
  d.groups = 4;
  d.stride[0] = 2;
  d.stride[1] = 3;
  d.padding[0] = d.padding[1] = 2;
  d.padding_mode = OCLNN_CONV_REFLECT;
  const int64_t s4[4] = {2, 4, 7, 9};
  check_case(ctx, &d, 4, s4, seed++, 7);
  /* Stride larger than the kernel: some inputs get no gradient at all (zero). */
  d = oclnn_conv_desc_default(1, 2, 2, 2);
  d.stride[0] = 4;
  d.padding[0] = 1;
  const int64_t s5[3] = {1, 2, 13};
  check_case(ctx, &d, 3, s5, seed++, 7);
  /* Empty batch: grad_weight and grad_bias are zero; grad_input is empty. */
  d = oclnn_conv_desc_default(2, 2, 3, 3);
  d.padding[0] = d.padding[1] = 1;
  const int64_t s6[4] = {0, 2, 4, 5};
  check_case(ctx, &d, 4, s6, seed++, 7);
  check_case(ctx, &d, 4, s6, seed++, 6);
  const int64_t s6_wide[4] = {0, 2, 3, 20}; /* rows wide enough for the tiled grad_weight */
  check_case(ctx, &d, 4, s6_wide, seed++, 6);
  d.groups = 2; /* and its narrow build (one output channel per group) */
  d.out_channels = 2;
  check_case(ctx, &d, 4, s6_wide, seed++, 6);
  /* input_upsample with every padding mode, odd factors. */
  for (int mode = 0; mode < 4; mode++) {
    d = oclnn_conv_desc_default(2, 3, 2, 3);
    d.input_upsample[0] = 2;
    d.input_upsample[1] = 3;
    d.padding[0] = 2;
    d.padding[1] = 4;
    d.padding_mode = (oclnn_conv_padding_mode)mode;
    const int64_t s7[4] = {2, 3, 3, 2};
    check_case(ctx, &d, 4, s7, seed++, 7);
  }
}

/* Random configurations; wide: the last spatial dim 12..45, so that the output rows are long
 * enough for the tiled grad_weight kernel (16 positions per step, partial last steps). */
/* Set by the stride-phase sweep: only configurations that path takes (zeros padding, dilation
 * 1, strides 2..3 within the kernel, no upsampling). */
static bool sweep_phases_only;
/* Set by the in-place sweep: only configurations whose tiled grad_weight reads the input in place
 * (no padding or upsampling, W stride 1, output rows of 16 or 32 positions). */
static bool sweep_in_place_only;
/* Set by the stride-2 sweep: only 1d and 2d configurations the one-pass stride-2 kernel takes
 * (W stride 2, H stride 2 or 1, zeros padding, dilation 1, kernel 2..6 per dim, or 1..6 rows with
 * H stride 1), with up to 9 input channels per group (partial channel blocks). */
static bool sweep_stride2_only;

static void random_sweep(uint64_t seed, bool wide, int want) {
  oclnn_context *ctx = test_context();
  rng_state = seed;
  int ran = 0;
  for (int attempt = 0; attempt < 20 * want && ran < want; attempt++) {
    const int dims = sweep_stride2_only ? (int)rnd(1, 2) : (int)rnd(1, 3);
    oclnn_conv_desc d = oclnn_conv_desc_default(dims, 1, 1, 1);
    int64_t groups = rnd(1, 3);
    const bool depthwise = rnd(0, 3) == 0;
    d.in_channels = groups * rnd(1, 3);
    if (depthwise)
      groups = d.in_channels;
    d.groups = groups;
    d.out_channels = groups * rnd(1, 3);
    d.bias = (int)rnd(0, 1);
    d.padding_mode = (oclnn_conv_padding_mode)rnd(0, 3);
    const int64_t kind = rnd(0, 5);
    d.padding_type = kind == 0   ? OCLNN_CONV_PADDING_SAME
                     : kind == 1 ? OCLNN_CONV_PADDING_VALID
                                 : OCLNN_CONV_PADDING_EXPLICIT;
    const int64_t max_size = dims == 3 ? 5 : dims == 2 ? 8 : 13;
    int64_t spatial[3];
    const bool upsample = rnd(0, 5) == 0;
    for (int i = 0; i < dims; i++) {
      d.kernel_size[i] = rnd(1, dims == 3 ? 3 : 4);
      d.stride[i] = d.padding_type == OCLNN_CONV_PADDING_SAME ? 1 : rnd(1, 3);
      d.dilation[i] = rnd(0, 2) == 0 ? rnd(2, 3) : 1;
      d.padding[i] = rnd(0, 3);
      d.input_upsample[i] = upsample ? rnd(1, 3) : 1;
      spatial[i] = rnd(1, max_size);
    }
    if (sweep_phases_only) {
      d.padding_mode = OCLNN_CONV_ZEROS;
      d.padding_type = OCLNN_CONV_PADDING_EXPLICIT;
      for (int i = 0; i < dims; i++) {
        d.kernel_size[i] = rnd(2, 4);
        d.stride[i] = rnd(1, d.kernel_size[i] < 3 ? d.kernel_size[i] : 3);
        d.dilation[i] = d.input_upsample[i] = 1;
      }
      d.stride[dims - 1] = rnd(2, d.kernel_size[dims - 1] < 3 ? d.kernel_size[dims - 1] : 3);
    }
    if (sweep_stride2_only) {
      d.padding_mode = OCLNN_CONV_ZEROS;
      d.padding_type = OCLNN_CONV_PADDING_EXPLICIT;
      if (!depthwise)
        d.in_channels = groups * rnd(1, 9);
      for (int i = 0; i < dims; i++) {
        d.kernel_size[i] = rnd(2, 6);
        d.stride[i] = 2;
        d.dilation[i] = d.input_upsample[i] = 1;
      }
      if (dims == 2 && rnd(0, 2) == 0) {
        d.stride[0] = 1;
        d.kernel_size[0] = rnd(1, 6);
      }
    }
    if (wide)
      spatial[dims - 1] = rnd(12, 45);
    if (sweep_in_place_only) {
      d.padding_type = OCLNN_CONV_PADDING_VALID;
      for (int i = 0; i < dims; i++)
        d.input_upsample[i] = 1;
      d.stride[dims - 1] = 1;
      spatial[dims - 1] = 16 * rnd(1, 2) + d.dilation[dims - 1] * (d.kernel_size[dims - 1] - 1);
    }
    int64_t shape[5], out[5];
    const int64_t batch = rnd(-1, 2); /* -1: unbatched */
    const int rank = make_shape(dims, batch, d.in_channels, spatial, shape);
    if (!conv_ref_output_shape(&d, rank, shape, out))
      continue;
    check_case(ctx, &d, rank, shape, seed + (uint64_t)attempt, (int)rnd(1, 7));
    ran++;
  }
  cr_assert_geq(ran, want, "only %d random configurations were valid", ran);
}

Test(conv_backward_sweep, random_configurations) {
  random_sweep(0x9e3779b97f4a7c15ULL, false, 160);
}

/* The grad_input paths the automatic choice leaves out for these configurations, forced: the
 * columns (grouped 1x1 convolution and col2im) and the plain gather. */
Test(conv_backward_sweep, random_columns_path) {
  setenv("OCLNN_CONV_BACKWARD_INPUT", "columns", 1);
  random_sweep(0x6a09e667f3bcc909ULL, false, 100);
}

/* The stride-phase path (one stride-1 helper layer per phase, then the interleave) on the
 * configurations it takes, odd sizes and paddings past the kernel included. */
Test(conv_backward_sweep, random_phases_path) {
  setenv("OCLNN_CONV_BACKWARD_INPUT", "phases", 1);
  sweep_phases_only = true;
  random_sweep(0x3c6ef372fe94f82bULL, false, 100);
  random_sweep(0xa54ff53a5f1d36f1ULL, true, 30);
}

/* The one-pass stride-2 kernel, 1d and 2d, H stride 2 or 1: odd sizes, paddings past the
 * kernel, partial channel blocks (9 channels per group in blocks of 4, 6 or 8, and forced blocks
 * of 2), wide rows with whole, partial and moved-back 32-column tiles. */
Test(conv_backward_sweep, random_stride2_path) {
  setenv("OCLNN_CONV_BACKWARD_INPUT", "stride2", 1);
  sweep_stride2_only = true;
  random_sweep(0x510e527fade682d1ULL, false, 80);
  random_sweep(0x9b05688c2b3e6c1fULL, true, 40);
  setenv("OCLNN_CONV_BW_S2_BLOCK", "2", 1);
  random_sweep(0x1f83d9abfb41bd6bULL, true, 30);
}

/* The stride-2 kernel's two work-item shapes forced whatever the device picks: one q row (at
 * its default blocks) and two q rows (at 3 channels: partial blocks), for both H strides. */
Test(conv_backward_sweep, random_stride2_path_rows) {
  setenv("OCLNN_CONV_BACKWARD_INPUT", "stride2", 1);
  sweep_stride2_only = true;
  setenv("OCLNN_CONV_BW_S2_ROWS", "1", 1);
  random_sweep(0x3f84d5b5b5470917ULL, true, 40);
  setenv("OCLNN_CONV_BW_S2_ROWS", "2", 1);
  setenv("OCLNN_CONV_BW_S2_BLOCK", "3", 1);
  random_sweep(0x7137449123ef65cdULL, true, 40);
}

/* The stride-2 kernel with more grad_output channels than its staged window holds at once
 * (restaged per chunk and channel block), grouped. */
Test(conv_backward_sweep, stride2_chunked_window) {
  setenv("OCLNN_CONV_BACKWARD_INPUT", "stride2", 1);
  oclnn_context *ctx = test_context();
  oclnn_conv_desc d = oclnn_conv_desc_default(2, 6, 2000, 3);
  d.groups = 2;
  d.stride[0] = d.stride[1] = 2;
  d.padding[0] = d.padding[1] = 1;
  const int64_t shape[4] = {1, 6, 7, 37};
  check_case(ctx, &d, 4, shape, 77, 1);
}

/* 1x1 layers whose grad_input runs on the helper's gemm kernel reading the layer's weights as
 * they are (transposed per group, no flip or packing): channel blocks forced to 1, 2 and 4 (and
 * the device's own) so that they divide the input channels, 1d/2d/3d, groups, batches, and
 * counts the blocks do not divide (the flip and pack path). */
Test(conv_backward_sweep, pointwise_transposed_gemm) {
  oclnn_context *ctx = test_context();
  static const char *const blocks[] = {"1", "2", "4", NULL};
  static const int64_t channels[][3] = {{8, 12, 1}, {6, 4, 2}, {16, 32, 1}, {5, 7, 1}, {9, 6, 3}};
  uint64_t seed = 901;
  /* The wide build (8 channels x 32 pixels) forced and left out, and by default on maps of at
   * least 2048 pixels: partial and moved-back panels, groups. */
  for (int forced = 0; forced < 3; forced++) {
    if (forced)
      setenv("OCLNN_CONV_GEMM_PIXELS", forced == 1 ? "32" : "16", 1);
    else
      unsetenv("OCLNN_CONV_GEMM_PIXELS");
    oclnn_conv_desc d = oclnn_conv_desc_default(2, 16, 24, 1);
    const int64_t big[4] = {1, 16, 45, 47};
    check_case(ctx, &d, 4, big, seed++, 7);
    d = oclnn_conv_desc_default(1, 32, 16, 1);
    d.groups = 2;
    d.bias = 1;
    const int64_t wide_1d[3] = {2, 32, 2100};
    check_case(ctx, &d, 3, wide_1d, seed++, 7);
    d = oclnn_conv_desc_default(2, 8, 3, 1);
    const int64_t small[4] = {2, 8, 5, 7};
    check_case(ctx, &d, 4, small, seed++, 7);
  }
  unsetenv("OCLNN_CONV_GEMM_PIXELS");
  for (size_t b = 0; b < sizeof blocks / sizeof blocks[0]; b++) {
    if (blocks[b])
      setenv("OCLNN_CONV_BLOCK", blocks[b], 1);
    else
      unsetenv("OCLNN_CONV_BLOCK");
    for (size_t i = 0; i < sizeof channels / sizeof channels[0]; i++) {
      const int dims = 1 + (int)((b + i) % 3);
      oclnn_conv_desc d = oclnn_conv_desc_default(dims, channels[i][0], channels[i][1], 1);
      d.groups = channels[i][2];
      d.bias = (int)(i % 2);
      const int64_t spatial[3] = {3 + (int64_t)i, 5, 7};
      int64_t shape[5];
      const int rank = make_shape(dims, (int64_t)(i % 3) - 1, d.in_channels, spatial, shape);
      check_case(ctx, &d, rank, shape, seed++, 7);
    }
  }
}

Test(conv_backward_sweep, random_gather_path) {
  setenv("OCLNN_CONV_BACKWARD_INPUT", "gather", 1);
  random_sweep(0xbb67ae8584caa73bULL, false, 100);
}

/* One layer, its grad_input path switched between calls: each call is right (the helper layer
 * of the previous path is not reused). */
Test(conv_backward_sweep, path_switch_on_one_layer) {
  oclnn_context *ctx = test_context();
  oclnn_conv_desc d = oclnn_conv_desc_default(2, 3, 4, 3);
  d.padding[0] = d.padding[1] = 1;
  d.algo = OCLNN_CONV_ALGO_GENERIC;
  const int64_t in_shape[4] = {2, 3, 6, 7};
  shapes s;
  get_shapes(&d, 4, in_shape, &s);
  float *in = random_floats(s.in_count, 7), *w = random_floats(s.w_count, 8),
        *gout = random_floats(s.out_count, 9);
  double *gin = alloc_doubles(s.in_count), *gin_mag = alloc_doubles(s.in_count);
  cr_assert(conv_ref_backward(&d, 4, in_shape, in, w, gout, gin, NULL, NULL, gin_mag, NULL, NULL));
  oclnn_conv *conv = NULL;
  TEST_OK(ctx, oclnn_conv_create(ctx, &d, &conv));
  static const char *const paths[] = {"forward", "columns", "gather", "columns", "forward"};
  for (size_t i = 0; i < sizeof paths / sizeof paths[0]; i++) {
    setenv("OCLNN_CONV_BACKWARD_INPUT", paths[i], 1);
    expected want = {gin, NULL, NULL, gin_mag, NULL, NULL, 1e-6, 1e-5};
    run_and_check(ctx, conv, &d, &s, in, w, gout, &want, false, paths[i]);
  }
  oclnn_conv_free(conv);
  free(in);
  free(w);
  free(gout);
  free(gin);
  free(gin_mag);
}

/* A depthwise layer (grad_weight on the tiled kernel's narrow build) whose grad_input path is
 * switched between calls on one layer: replacing the helper layer leaves the grad_weight kernel
 * usable. */
Test(conv_backward_sweep, path_switch_depthwise) {
  oclnn_context *ctx = test_context();
  oclnn_conv_desc d = oclnn_conv_desc_default(2, 3, 3, 3);
  d.groups = 3;
  d.padding[0] = d.padding[1] = 1;
  d.bias = 0;
  d.algo = OCLNN_CONV_ALGO_GENERIC;
  const int64_t in_shape[4] = {1, 3, 4, 20};
  shapes s;
  get_shapes(&d, 4, in_shape, &s);
  float *in = random_floats(s.in_count, 17), *w = random_floats(s.w_count, 18),
        *gout = random_floats(s.out_count, 19);
  double *gin = alloc_doubles(s.in_count), *gin_mag = alloc_doubles(s.in_count);
  double *gw = alloc_doubles(s.w_count), *gw_mag = alloc_doubles(s.w_count);
  cr_assert(conv_ref_backward(&d, 4, in_shape, in, w, gout, gin, gw, NULL, gin_mag, gw_mag, NULL));
  oclnn_conv *conv = NULL;
  TEST_OK(ctx, oclnn_conv_create(ctx, &d, &conv));
  static const char *const paths[] = {"forward", "columns", "forward", "gather"};
  for (size_t i = 0; i < sizeof paths / sizeof paths[0]; i++) {
    setenv("OCLNN_CONV_BACKWARD_INPUT", paths[i], 1);
    expected want = {gin, gw, NULL, gin_mag, gw_mag, NULL, 1e-6, 1e-5};
    run_and_check(ctx, conv, &d, &s, in, w, gout, &want, false, paths[i]);
  }
  oclnn_conv_free(conv);
  free(in);
  free(w);
  free(gout);
  free(gin);
  free(gin_mag);
  free(gw);
  free(gw_mag);
}

Test(conv_backward_sweep, random_wide_rows) { random_sweep(0x2545f4914f6cdd1dULL, true, 80); }

/* The tiled grad_weight reading the input in place (1x1 and valid layers with rows of whole
 * 16-position steps), the input at an offset in its buffer. */
Test(conv_backward_in_place, random_configurations) {
  sweep_in_place_only = true;
  random_sweep(0x853c49e6748fea9bULL, false, 40);
}

/* The outer-product grad_weight (conv_bw_grad_transpose, conv_bw_weight_outer) forced on the
 * random configurations: few output channels, so blocks of 64 channels mostly zero-padded, every
 * padding mode, stride, dilation, upsampling, groups and 1d/2d/3d, the input in place where
 * nothing pads or upsamples it (any stride). */
Test(conv_backward_outer, random_configurations) {
  setenv("OCLNN_CONV_BACKWARD_WEIGHT", "outer", 1);
  random_sweep(0x510e527fade682d1ULL, false, 100);
  random_sweep(0x9b05688c2b3e6c1fULL, true, 30);
}

/* Layers the outer kernel takes by default (at least 48 output channels per group, or 4 where
 * rows are too narrow for the tiled kernel): a block of 64 channels with a tail, two blocks,
 * groups, padding modes, strides, dilation, upsampling, an unpadded strided 1d layer read in
 * place, several chunks of positions, an empty batch. */
Test(conv_backward_outer, wide_layers) {
  oclnn_context *ctx = test_context();
  uint64_t seed = 101;
  oclnn_conv_desc d = oclnn_conv_desc_default(2, 5, 70, 3); /* 3 blocks of 32 channels, a tail */
  d.padding[0] = d.padding[1] = 1;
  d.stride[1] = 2;
  const int64_t s1[4] = {2, 5, 6, 9};
  check_case(ctx, &d, 4, s1, seed++, 7);
  check_case(ctx, &d, 4, s1, seed++, 2);
  d = oclnn_conv_desc_default(2, 3, 100, 3); /* 2 blocks of 64 channels, a tail */
  d.padding[1] = 1;
  d.stride[0] = 2;
  const int64_t s1b[4] = {1, 3, 7, 9};
  check_case(ctx, &d, 4, s1b, seed++, 7);
  d = oclnn_conv_desc_default(2, 6, 128, 3); /* groups of 64 */
  d.groups = 2;
  d.kernel_size[0] = 2;
  d.dilation[0] = 2;
  d.padding[0] = d.padding[1] = 1;
  d.padding_mode = OCLNN_CONV_REFLECT;
  const int64_t s2[3] = {6, 7, 8}; /* unbatched */
  check_case(ctx, &d, 3, s2, seed++, 7);
  d = oclnn_conv_desc_default(1, 3, 64, 1); /* in place, stride 3 */
  d.stride[0] = 3;
  d.padding_type = OCLNN_CONV_PADDING_VALID;
  const int64_t s3[3] = {3, 3, 20};
  check_case(ctx, &d, 3, s3, seed++, 6);
  check_case(ctx, &d, 3, s3, seed++, 3);
  d = oclnn_conv_desc_default(3, 2, 50, 2);
  d.padding[0] = d.padding[1] = d.padding[2] = 1;
  d.padding_mode = OCLNN_CONV_CIRCULAR;
  const int64_t s4[5] = {1, 2, 3, 4, 5};
  check_case(ctx, &d, 5, s4, seed++, 7);
  d = oclnn_conv_desc_default(2, 3, 48, 3);
  d.input_upsample[0] = 2;
  d.padding[0] = 2;
  d.padding_mode = OCLNN_CONV_REPLICATE;
  const int64_t s5[4] = {2, 3, 4, 5};
  check_case(ctx, &d, 4, s5, seed++, 7);
  d = oclnn_conv_desc_default(2, 2, 70, 3); /* 4900 positions: two chunks, 1260 gradients */
  d.padding[0] = d.padding[1] = 1;
  const int64_t s6[4] = {1, 2, 70, 70};
  check_case(ctx, &d, 4, s6, seed++, 6);
  const int64_t s7[4] = {0, 2, 5, 5}; /* empty batch: zeros */
  check_case(ctx, &d, 4, s7, seed++, 6);
  /* Rows too narrow for the tiled kernel: the outer one from 4 channels per group. */
  d = oclnn_conv_desc_default(2, 4, 8, 3);
  d.padding[1] = 2;
  d.stride[0] = 2;
  const int64_t s8[4] = {2, 4, 7, 6};
  check_case(ctx, &d, 4, s8, seed++, 6);
  d.groups = 2;
  check_case(ctx, &d, 4, s8, seed++, 7);
  /* The chunks' sum (16 gradients per work-item and a tail) after the tiled kernel too. */
  d = oclnn_conv_desc_default(2, 2, 5, 3);
  d.padding[0] = d.padding[1] = 1;
  setenv("OCLNN_CONV_BACKWARD_WEIGHT", "tiled", 1);
  check_case(ctx, &d, 4, s6, seed++, 6);
}

static void bias_from_transpose_cases(oclnn_context *ctx, uint64_t seed);

/* grad_bias summed by conv_bw_grad_transpose where the outer kernel's blocks cover the group's
 * channels exactly (64 or 32 per group): several blocks of 256 positions with a partial one and
 * a partial step of 16, a batch, groups, whole 16 x 16 tiles only; then the same layers without
 * grad_weight (conv_bw_bias) and a 48-channel layer whose padded block leaves the bias to it. */
Test(conv_backward_outer, bias_from_transpose) {
  oclnn_context *ctx = test_context();
  for (int tiles = 0; tiles < 2; tiles++) {
    /* Both transposes: 16 x 16 tiles in registers and scalar loads. */
    setenv("OCLNN_CONV_BW_TRANSPOSE_TILES", tiles ? "1" : "0", 1);
    bias_from_transpose_cases(ctx, 401);
  }
  unsetenv("OCLNN_CONV_BW_TRANSPOSE_TILES");
}

static void bias_from_transpose_cases(oclnn_context *ctx, uint64_t seed) {
  oclnn_conv_desc d = oclnn_conv_desc_default(2, 3, 64, 3);
  d.padding[0] = d.padding[1] = 1;
  const int64_t s1[4] = {2, 3, 17, 37}; /* 629 positions: 3 blocks, the last 117 */
  check_case(ctx, &d, 4, s1, seed++, 7);
  check_case(ctx, &d, 4, s1, seed++, 6);
  check_case(ctx, &d, 4, s1, seed++, 5);
  d = oclnn_conv_desc_default(1, 4, 128, 1); /* groups of 64 */
  d.groups = 2;
  const int64_t s2[3] = {3, 4, 300};
  check_case(ctx, &d, 3, s2, seed++, 6);
  d = oclnn_conv_desc_default(2, 2, 32, 1); /* the 32-channel build, 256 positions */
  const int64_t s3[4] = {1, 2, 16, 16};
  check_case(ctx, &d, 4, s3, seed++, 7);
  d = oclnn_conv_desc_default(1, 2, 48, 3); /* kp 64: conv_bw_bias */
  const int64_t s4[3] = {2, 2, 40};
  check_case(ctx, &d, 3, s4, seed++, 6);
  d = oclnn_conv_desc_default(1, 2, 320, 1); /* past the transpose's 256 sums: conv_bw_bias */
  const int64_t s5[3] = {1, 2, 20};
  check_case(ctx, &d, 3, s5, seed++, 7);
}

/* The outer kernel's 32-channel build (OKV=2, 12 columns per work-item), default for groups of
 * 28-32 output channels: a channel tail, groups, a strided reflect layer (staged copy), a zeros
 * padded one read in place, several chunks. */
Test(conv_backward_outer, half_blocks) {
  oclnn_context *ctx = test_context();
  uint64_t seed = 301;
  oclnn_conv_desc d = oclnn_conv_desc_default(2, 3, 30, 3);
  d.padding[0] = d.padding[1] = 1;
  d.stride[0] = 2;
  d.padding_mode = OCLNN_CONV_REFLECT;
  const int64_t s1[4] = {2, 3, 9, 30};
  check_case(ctx, &d, 4, s1, seed++, 7);
  d = oclnn_conv_desc_default(2, 4, 64, 3); /* groups of 32 */
  d.groups = 2;
  d.kernel_size[0] = 1;
  d.padding[1] = 2;
  d.dilation[1] = 2;
  const int64_t s2[4] = {1, 4, 5, 24};
  check_case(ctx, &d, 4, s2, seed++, 7);
  d = oclnn_conv_desc_default(1, 5, 29, 3); /* 2 x 2500 positions: two chunks */
  d.padding[0] = 1;
  const int64_t s3[3] = {2, 5, 2500};
  check_case(ctx, &d, 3, s3, seed++, 6);
}

/* ------------------------------------------------------------------------------------------ */
/* torch.autograd cases                                                                       */
/* ------------------------------------------------------------------------------------------ */

static int64_t next_int(test_parser *ps) {
  char word[64];
  cr_assert(test_next_word(ps, word, sizeof word), "%s:%d: unexpected end", ps->path, ps->line);
  char *end = NULL;
  long long v = strtoll(word, &end, 10);
  cr_assert(*end == '\0', "%s:%d: expected an integer, got %s", ps->path, ps->line, word);
  return v;
}

static void expect_word(test_parser *ps, const char *want) {
  char word[64];
  cr_assert(test_next_word(ps, word, sizeof word) && strcmp(word, want) == 0, "%s:%d: expected %s",
            ps->path, ps->line, want);
}

static void read_floats(test_parser *ps, float *data, size_t count) {
  char word[64];
  for (size_t i = 0; i < count; i++) {
    cr_assert(test_next_word(ps, word, sizeof word), "%s:%d: too few values", ps->path, ps->line);
    data[i] = strtof(word, NULL);
  }
}

static void read_doubles(test_parser *ps, double *data, size_t count) {
  char word[64];
  for (size_t i = 0; i < count; i++) {
    cr_assert(test_next_word(ps, word, sizeof word), "%s:%d: too few values", ps->path, ps->line);
    data[i] = strtod(word, NULL);
  }
}

Test(conv_backward_torch, committed_cases) {
  oclnn_context *ctx = test_context();
  const char *dir = getenv("OCLNN_TEST_DATA");
  char path[1024];
  snprintf(path, sizeof path, "%s/conv_grad_cases.txt", dir ? dir : OCLNN_SOURCE_DIR "/tests/data");
  size_t size = 0;
  char *text = test_read_file(path, &size);
  cr_assert_not_null(text, "cannot read %s", path);
  test_parser ps = {text, 1, path};
  char word[64], name[64];
  int cases = 0;
  static const char *const modes[] = {"zeros", "reflect", "replicate", "circular"};
  while (test_next_word(&ps, word, sizeof word)) {
    cr_assert_str_eq(word, "case", "%s:%d", path, ps.line);
    cr_assert(test_next_word(&ps, name, sizeof name));
    const int dims = (int)next_int(&ps);
    oclnn_conv_desc d = oclnn_conv_desc_default(dims, 1, 1, 1);
    d.in_channels = next_int(&ps);
    d.out_channels = next_int(&ps);
    for (int i = 0; i < dims; i++)
      d.kernel_size[i] = next_int(&ps);
    for (int i = 0; i < dims; i++)
      d.stride[i] = next_int(&ps);
    cr_assert(test_next_word(&ps, word, sizeof word));
    d.padding_type = strcmp(word, "same") == 0    ? OCLNN_CONV_PADDING_SAME
                     : strcmp(word, "valid") == 0 ? OCLNN_CONV_PADDING_VALID
                                                  : OCLNN_CONV_PADDING_EXPLICIT;
    for (int i = 0; i < dims; i++)
      d.padding[i] = next_int(&ps);
    for (int i = 0; i < dims; i++)
      d.dilation[i] = next_int(&ps);
    d.groups = next_int(&ps);
    d.bias = (int)next_int(&ps);
    cr_assert(test_next_word(&ps, word, sizeof word));
    int mode = -1;
    for (int m = 0; m < 4; m++)
      if (strcmp(word, modes[m]) == 0)
        mode = m;
    cr_assert_geq(mode, 0, "%s: unknown mode %s", name, word);
    d.padding_mode = (oclnn_conv_padding_mode)mode;
    const int rank = (int)next_int(&ps);
    int64_t in_shape[5];
    for (int i = 0; i < rank; i++)
      in_shape[i] = next_int(&ps);
    for (int i = 0; i < dims; i++)
      d.input_upsample[i] = next_int(&ps);
    shapes s;
    get_shapes(&d, rank, in_shape, &s);
    float *in = malloc((s.in_count + 1) * sizeof *in), *w = malloc(s.w_count * sizeof *w),
          *gout = malloc((s.out_count + 1) * sizeof *gout);
    double *gin = alloc_doubles(s.in_count), *gw = alloc_doubles(s.w_count),
           *gb = alloc_doubles(s.b_count);
    cr_assert(in && w && gout);
    expect_word(&ps, "in");
    read_floats(&ps, in, s.in_count);
    expect_word(&ps, "weight");
    read_floats(&ps, w, s.w_count);
    expect_word(&ps, "gout");
    cr_assert_eq(next_int(&ps), rank, "%s: gout rank", name);
    for (int i = 0; i < rank; i++)
      cr_assert_eq(next_int(&ps), s.out[i], "%s: gout dim %d", name, i);
    read_floats(&ps, gout, s.out_count);
    expect_word(&ps, "gin");
    read_doubles(&ps, gin, s.in_count);
    expect_word(&ps, "gweight");
    read_doubles(&ps, gw, s.w_count);
    if (d.bias) {
      expect_word(&ps, "gbias");
      read_doubles(&ps, gb, s.b_count);
    }
    oclnn_conv *conv = NULL;
    TEST_OK(ctx, oclnn_conv_create(ctx, &d, &conv));
    char what[1200];
    snprintf(what, sizeof what, "%s (%s:%d)", name, path, ps.line);
    /* The sums are exact: only the printing (9 digits) rounds. */
    expected want = {gin, gw, d.bias ? gb : NULL, NULL, NULL, NULL, 1e-6, 1e-6};
    run_and_check(ctx, conv, &d, &s, in, w, gout, &want, false, what);
    oclnn_conv_free(conv);
    free(in);
    free(w);
    free(gout);
    free(gin);
    free(gw);
    free(gb);
    cases++;
  }
  cr_assert_geq(cases, 50, "only %d cases in %s", cases, path);
  free(text);
}

/* ------------------------------------------------------------------------------------------ */
/* Invalid inputs: exact status, nothing written                                              */
/* ------------------------------------------------------------------------------------------ */

/* The arguments of one call; each row edits a copy of the valid ones. */
typedef struct call_args {
  oclnn_conv *conv;
  const oclnn_tensor *input, *weight, *grad_output, *grad_input, *grad_weight, *grad_bias;
} call_args;

Test(conv_backward_invalid, table) {
  oclnn_context *ctx = test_context();
  oclnn_conv_desc d = oclnn_conv_desc_default(2, 4, 6, 3);
  d.groups = 2;
  d.padding[0] = d.padding[1] = 1;
  d.padding_mode = OCLNN_CONV_REFLECT;
  oclnn_conv *conv = NULL, *no_bias = NULL;
  TEST_OK(ctx, oclnn_conv_create(ctx, &d, &conv));
  oclnn_conv_desc dn = d;
  dn.bias = 0;
  TEST_OK(ctx, oclnn_conv_create(ctx, &dn, &no_bias));

  /* Operands in one buffer: input [2,4,5,5] at 0, weight [6,2,3,3] at 200, grad_output
   * [2,6,5,5] at 400. Gradients in another: grad_input at 10, grad_weight at 220, grad_bias at
   * 340 (total 360). */
  const int64_t in_shape[4] = {2, 4, 5, 5}, w_shape[4] = {6, 2, 3, 3}, out_shape[4] = {2, 6, 5, 5},
                b_shape[1] = {6};
  const size_t src_total = 400 + 300, dst_total = 360;
  float *src = malloc(src_total * sizeof *src), *dst = malloc(dst_total * sizeof *dst);
  cr_assert(src && dst);
  test_fill_random(src, src_total, 5);
  for (size_t i = 0; i < dst_total; i++)
    dst[i] = SENTINEL;
  const int64_t src_flat[1] = {(int64_t)src_total}, dst_flat[1] = {(int64_t)dst_total};
  oclnn_tensor src_buf = test_tensor_from_host(ctx, 1, src_flat, src);
  oclnn_tensor dst_buf = test_tensor_from_host(ctx, 1, dst_flat, dst);
  const oclnn_tensor input = oclnn_tensor_view(src_buf.buffer, 0, 4, in_shape),
                     weight = oclnn_tensor_view(src_buf.buffer, 200, 4, w_shape),
                     gout = oclnn_tensor_view(src_buf.buffer, 400, 4, out_shape),
                     gin = oclnn_tensor_view(dst_buf.buffer, 10, 4, in_shape),
                     gw = oclnn_tensor_view(dst_buf.buffer, 220, 4, w_shape),
                     gb = oclnn_tensor_view(dst_buf.buffer, 340, 1, b_shape);
  /* Wrong views. */
  const int64_t in_3ch[4] = {2, 3, 5, 5}, in_rank3[3] = {4, 5, 5}, out_w4[4] = {2, 6, 5, 4},
                out_rank3[3] = {6, 5, 5}, w_groups1[4] = {3, 4, 3, 3}, w_k2[4] = {6, 2, 3, 2},
                in_wide[4] = {2, 4, 5, 6}, b_5[1] = {5}, b_2d[2] = {1, 6},
                in_tiny[4] = {2, 4, 1, 5};
  const oclnn_tensor bad_in_ch = oclnn_tensor_view(src_buf.buffer, 0, 4, in_3ch),
                     bad_in_rank = oclnn_tensor_view(src_buf.buffer, 0, 3, in_rank3),
                     bad_in_tiny = oclnn_tensor_view(src_buf.buffer, 0, 4, in_tiny),
                     bad_gout = oclnn_tensor_view(src_buf.buffer, 400, 4, out_w4),
                     bad_gout_rank = oclnn_tensor_view(src_buf.buffer, 400, 3, out_rank3),
                     bad_weight = oclnn_tensor_view(src_buf.buffer, 200, 4, w_k2),
                     bad_gin = oclnn_tensor_view(dst_buf.buffer, 10, 4, in_wide),
                     bad_gw = oclnn_tensor_view(dst_buf.buffer, 220, 4, w_groups1),
                     bad_gw_k = oclnn_tensor_view(dst_buf.buffer, 220, 4, w_k2),
                     bad_gb = oclnn_tensor_view(dst_buf.buffer, 340, 1, b_5),
                     bad_gb_rank = oclnn_tensor_view(dst_buf.buffer, 340, 2, b_2d),
                     gin_on_input = oclnn_tensor_view(src_buf.buffer, 0, 4, in_shape),
                     gin_on_gout = oclnn_tensor_view(src_buf.buffer, 400, 4, in_shape),
                     gw_on_weight = oclnn_tensor_view(src_buf.buffer, 200, 4, w_shape),
                     gb_in_gw = oclnn_tensor_view(dst_buf.buffer, 220 + 100, 1, b_shape),
                     gw_in_gin = oclnn_tensor_view(dst_buf.buffer, 150, 4, w_shape),
                     gb_past_end = oclnn_tensor_view(dst_buf.buffer, dst_total - 3, 1, b_shape),
                     gin_no_buffer = oclnn_tensor_view(NULL, 10, 4, in_shape);
  const call_args ok = {conv, &input, &weight, &gout, &gin, &gw, &gb};
  struct row {
    const char *what;
    call_args args;
    oclnn_status status;
  } rows[] = {
      {"conv NULL", {NULL, &input, &weight, &gout, &gin, &gw, &gb}, OCLNN_ERR_NULL_ARGUMENT},
      {"input NULL", {conv, NULL, &weight, &gout, &gin, &gw, &gb}, OCLNN_ERR_NULL_ARGUMENT},
      {"grad_output NULL", {conv, &input, &weight, NULL, &gin, &gw, &gb}, OCLNN_ERR_NULL_ARGUMENT},
      {"weight NULL with grad_input",
       {conv, &input, NULL, &gout, &gin, NULL, NULL},
       OCLNN_ERR_NULL_ARGUMENT},
      {"no gradient", {conv, &input, &weight, &gout, NULL, NULL, NULL}, OCLNN_ERR_INVALID_VALUE},
      {"grad_bias without bias",
       {no_bias, &input, &weight, &gout, &gin, &gw, &gb},
       OCLNN_ERR_INVALID_VALUE},
      {"input channels",
       {conv, &bad_in_ch, &weight, &gout, &gin, &gw, &gb},
       OCLNN_ERR_INVALID_SHAPE},
      {"input rank",
       {conv, &bad_in_rank, &weight, &gout, NULL, &gw, NULL},
       OCLNN_ERR_INVALID_SHAPE},
      {"input smaller than the reflect pad",
       {conv, &bad_in_tiny, &weight, &gout, NULL, &gw, NULL},
       OCLNN_ERR_INVALID_SHAPE},
      {"grad_output width",
       {conv, &input, &weight, &bad_gout, &gin, &gw, &gb},
       OCLNN_ERR_INVALID_SHAPE},
      {"grad_output rank",
       {conv, &input, &weight, &bad_gout_rank, NULL, NULL, &gb},
       OCLNN_ERR_INVALID_SHAPE},
      {"weight kernel",
       {conv, &input, &bad_weight, &gout, &gin, &gw, &gb},
       OCLNN_ERR_INVALID_SHAPE},
      {"weight kernel, only grad_weight asked",
       {conv, &input, &bad_weight, &gout, NULL, &gw, NULL},
       OCLNN_ERR_INVALID_SHAPE},
      {"grad_input width",
       {conv, &input, &weight, &gout, &bad_gin, &gw, &gb},
       OCLNN_ERR_INVALID_SHAPE},
      {"grad_weight channels per group",
       {conv, &input, &weight, &gout, &gin, &bad_gw, &gb},
       OCLNN_ERR_INVALID_SHAPE},
      {"grad_weight kernel",
       {conv, &input, NULL, &gout, NULL, &bad_gw_k, &gb},
       OCLNN_ERR_INVALID_SHAPE},
      {"grad_bias size",
       {conv, &input, &weight, &gout, &gin, &gw, &bad_gb},
       OCLNN_ERR_INVALID_SHAPE},
      {"grad_bias rank",
       {conv, &input, &weight, &gout, &gin, &gw, &bad_gb_rank},
       OCLNN_ERR_INVALID_SHAPE},
      {"grad_input on input",
       {conv, &input, &weight, &gout, &gin_on_input, &gw, &gb},
       OCLNN_ERR_ALIASING},
      {"grad_input on grad_output",
       {conv, &input, &weight, &gout, &gin_on_gout, NULL, NULL},
       OCLNN_ERR_ALIASING},
      {"grad_weight on weight",
       {conv, &input, &weight, &gout, &gin, &gw_on_weight, &gb},
       OCLNN_ERR_ALIASING},
      {"grad_bias inside grad_weight",
       {conv, &input, &weight, &gout, NULL, &gw, &gb_in_gw},
       OCLNN_ERR_ALIASING},
      {"grad_weight inside grad_input",
       {conv, &input, &weight, &gout, &gin, &gw_in_gin, NULL},
       OCLNN_ERR_ALIASING},
      {"grad_bias past the buffer's end",
       {conv, &input, &weight, &gout, &gin, &gw, &gb_past_end},
       OCLNN_ERR_OUT_OF_BOUNDS},
      {"grad_input without buffer",
       {conv, &input, &weight, &gout, &gin_no_buffer, &gw, &gb},
       OCLNN_ERR_INVALID_BUFFER},
  };
  float *check = malloc(dst_total * sizeof *check), *src_check = malloc(src_total * sizeof *src);
  cr_assert(check && src_check);
  for (size_t r = 0; r < sizeof rows / sizeof rows[0]; r++) {
    const call_args *a = &rows[r].args;
    oclnn_status status = oclnn_conv_backward(a->conv, a->input, a->weight, a->grad_output,
                                              a->grad_input, a->grad_weight, a->grad_bias);
    cr_assert_eq(status, rows[r].status, "%s: got %s, expected %s (%s)", rows[r].what,
                 oclnn_status_string(status), oclnn_status_string(rows[r].status),
                 oclnn_context_error(ctx));
    cr_assert_str_neq(oclnn_context_error(a->conv ? ctx : NULL), "", "%s: no message",
                      rows[r].what);
    TEST_OK(ctx, oclnn_context_finish(ctx));
    TEST_OK(ctx, oclnn_tensor_download(ctx, &dst_buf, check, dst_total));
    for (size_t i = 0; i < dst_total; i++)
      cr_assert(check[i] == SENTINEL, "%s: gradient float %zu was written", rows[r].what, i);
    TEST_OK(ctx, oclnn_tensor_download(ctx, &src_buf, src_check, src_total));
    cr_assert(memcmp(src, src_check, src_total * sizeof *src) == 0, "%s: an operand was written",
              rows[r].what);
  }
  /* The valid call runs (the table's rows differ from it in one argument each). */
  TEST_OK(ctx, oclnn_conv_backward(ok.conv, ok.input, ok.weight, ok.grad_output, ok.grad_input,
                                   ok.grad_weight, ok.grad_bias));
  TEST_OK(ctx, oclnn_context_finish(ctx));
  TEST_OK(ctx, oclnn_tensor_download(ctx, &dst_buf, check, dst_total));
  cr_assert(check[9] == SENTINEL && check[10] != SENTINEL);
  free(check);
  free(src_check);
  free(src);
  free(dst);
  oclnn_tensor_free(&src_buf);
  oclnn_tensor_free(&dst_buf);
  oclnn_conv_free(conv);
  oclnn_conv_free(no_bias);
}
