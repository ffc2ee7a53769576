/* Convolution vs the C double-precision reference (tests/support/conv_reference.c), every
 * algorithm on the same sweeps. Each sweep is a deterministic list of configurations and
 * inputs: hand-picked corner cases (1-pixel inputs, kernels as large as the padded input, odd
 * sizes, every padding mode) and seeded random ones over 1d/2d/3d, groups, stride, dilation,
 * padding (explicit, same, valid), bias on/off, batched and unbatched inputs. A case an
 * algorithm cannot run (oclnn_conv_create says OCLNN_ERR_UNSUPPORTED) is skipped for it; each
 * algorithm must run a minimum number of cases of the sweeps it is made for.
 *
 * Tolerance (mixed, |got - want| <= atol + rtol |want|, inputs and weights in [-1, 1)):
 *   generic, direct, depthwise, gemm: atol 1e-4, rtol 1e-4 (fp32 accumulation of at most a
 *   few hundred products; the error is ~1e-6 typically);
 *   winograd: atol 1e-3, rtol 1e-3 (its transforms add rounding).
 * CONV_SWEEP_TRACE=1 prints each case before it runs (to find one that hangs or crashes). */
#include "conv_reference.h"
#include "test_support.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

typedef struct conv_case {
  oclnn_conv_desc desc;
  int rank;
  int64_t shape[OCLNN_MAX_RANK];
} conv_case;

#define MAX_CASES 512

typedef struct sweep {
  conv_case cases[MAX_CASES];
  int count;
} sweep;

static uint64_t rng_state;

static uint64_t next_u64(void) {
  rng_state ^= rng_state << 13;
  rng_state ^= rng_state >> 7;
  rng_state ^= rng_state << 17;
  return rng_state;
}

/* Uniform integer in [lo, hi]. */
static int64_t rnd(int64_t lo, int64_t hi) {
  return lo + (int64_t)(next_u64() % (uint64_t)(hi - lo + 1));
}

/* Picks one of the n values. */
static int64_t pick(const int64_t *values, int n) { return values[rnd(0, n - 1)]; }

/* Adds the case when the reference accepts it; returns whether it did. */
static bool add_case(sweep *s, const oclnn_conv_desc *desc, int rank, const int64_t *shape) {
  int64_t out[OCLNN_MAX_RANK];
  if (s->count >= MAX_CASES || !conv_ref_output_shape(desc, rank, shape, out))
    return false;
  conv_case *c = &s->cases[s->count++];
  c->desc = *desc;
  c->rank = rank;
  memcpy(c->shape, shape, sizeof c->shape);
  return true;
}

/* Input shape: batch (0 = unbatched), channels, spatial sizes in PyTorch order. */
static int make_shape(int dims, int64_t batch, int64_t channels, const int64_t *spatial,
                      int64_t *shape) {
  int rank = 0;
  if (batch > 0)
    shape[rank++] = batch;
  shape[rank++] = channels;
  for (int i = 0; i < dims; i++)
    shape[rank++] = spatial[i];
  return rank;
}

static void set_all(int64_t *values, int dims, int64_t v) {
  for (int i = 0; i < dims; i++)
    values[i] = v;
}

/* Hand-picked corner cases, for every family. */
static void corner_cases(sweep *s) {
  static const oclnn_conv_padding_mode modes[] = {OCLNN_CONV_ZEROS, OCLNN_CONV_REFLECT,
                                                  OCLNN_CONV_REPLICATE, OCLNN_CONV_CIRCULAR};
  for (int m = 0; m < 4; m++) {
    for (int dims = 1; dims <= 3; dims++) {
      /* 1-pixel input, 1x1 kernel. */
      oclnn_conv_desc d = oclnn_conv_desc_default(dims, 3, 5, 1);
      d.padding_mode = modes[m];
      int64_t sp[3] = {1, 1, 1}, shape[OCLNN_MAX_RANK];
      add_case(s, &d, make_shape(dims, 2, 3, sp, shape), shape);
      /* 1-pixel input, padding 1 (not for reflect: pad must be < 1), kernel 3. */
      d = oclnn_conv_desc_default(dims, 2, 3, 3);
      d.padding_mode = modes[m];
      set_all(d.padding, dims, 1);
      add_case(s, &d, make_shape(dims, 1, 2, sp, shape), shape);
      /* Kernel exactly the padded input, unbatched. */
      d = oclnn_conv_desc_default(dims, 2, 4, 5);
      d.padding_mode = modes[m];
      set_all(d.padding, dims, 1);
      int64_t sp3[3] = {3, 3, 3};
      add_case(s, &d, make_shape(dims, 0, 2, sp3, shape), shape);
      /* Same padding with an even kernel and dilation (asymmetric), no bias. */
      d = oclnn_conv_desc_default(dims, 4, 4, 4);
      d.padding_mode = modes[m];
      d.padding_type = OCLNN_CONV_PADDING_SAME;
      set_all(d.dilation, dims, 2);
      d.bias = 0;
      int64_t sp7[3] = {7, 6, 9};
      add_case(s, &d, make_shape(dims, 1, 4, sp7, shape), shape);
    }
    /* Odd widths around the 16- and 32-pixel tiles, with borders on both sides. */
    for (int64_t w = 13; w <= 69; w += 4) {
      oclnn_conv_desc d = oclnn_conv_desc_default(2, 3, 9, 3);
      d.padding_mode = modes[m];
      set_all(d.padding, 2, 1);
      int64_t sp[2] = {5, w}, shape[OCLNN_MAX_RANK];
      add_case(s, &d, make_shape(2, 1, 3, sp, shape), shape);
    }
    /* Wide 1d rows, big padding, stride 2, dilation. */
    oclnn_conv_desc d = oclnn_conv_desc_default(1, 4, 16, 5);
    d.padding_mode = modes[m];
    d.padding[0] = 4;
    d.stride[0] = 2;
    d.dilation[0] = 2;
    int64_t sp[1] = {75}, shape[OCLNN_MAX_RANK];
    add_case(s, &d, make_shape(1, 2, 4, sp, shape), shape);
  }
  /* Enough channels for AUTO to pick Winograd, every mode, odd sizes. */
  for (int m = 0; m < 4; m++) {
    oclnn_conv_desc d = oclnn_conv_desc_default(2, 40, 24, 3);
    d.padding_mode = modes[m];
    set_all(d.padding, 2, 1);
    int64_t sp[2] = {13, 19 + m}, shape[OCLNN_MAX_RANK];
    add_case(s, &d, make_shape(2, 2, 40, sp, shape), shape);
  }
  /* An empty batch. */
  oclnn_conv_desc d = oclnn_conv_desc_default(2, 2, 3, 3);
  int64_t sp[2] = {4, 4}, shape[OCLNN_MAX_RANK];
  add_case(s, &d, make_shape(2, 1, 2, sp, shape), shape);
  shape[0] = 0;
  add_case(s, &d, 4, shape);
}

/* Random padding for a configuration. */
static void random_padding(oclnn_conv_desc *d) {
  int64_t kind = rnd(0, 9);
  if (kind == 0) {
    d->padding_type = OCLNN_CONV_PADDING_VALID;
  } else if (kind == 1) {
    d->padding_type = OCLNN_CONV_PADDING_SAME;
    set_all(d->stride, d->dims, 1);
  } else {
    for (int i = 0; i < d->dims; i++)
      d->padding[i] = rnd(0, 3);
  }
  d->padding_mode = (oclnn_conv_padding_mode)rnd(0, 3);
  d->bias = (int)rnd(0, 3) != 0;
}

static void random_spatial(int dims, int64_t *sp) {
  for (int i = 0; i < dims; i++)
    sp[i] = dims == 1 ? rnd(1, 80) : dims == 2 ? rnd(1, 24) : rnd(1, 7);
  if (dims == 2 && rnd(0, 3) == 0) /* wide rows: several 16-pixel tiles */
    sp[1] = rnd(30, 70);
}

/* Configurations of every kind. */
static void general_cases(sweep *s, int target) {
  static const int64_t groups_choice[] = {1, 1, 1, 2, 3};
  static const int64_t per_group_out[] = {1, 2, 3, 5, 8, 9, 16, 17};
  int added = 0;
  while (added < target) {
    oclnn_conv_desc d;
    int dims = (int)rnd(1, 3);
    int64_t groups = pick(groups_choice, 5);
    d = oclnn_conv_desc_default(dims, groups * rnd(1, 4), groups * pick(per_group_out, 8), 1);
    d.groups = groups;
    for (int i = 0; i < dims; i++) {
      d.kernel_size[i] = dims == 3 ? rnd(1, 3) : dims == 2 ? rnd(1, 5) : rnd(1, 7);
      d.stride[i] = rnd(0, 2) == 0 ? rnd(2, 3) : 1;
      d.dilation[i] = rnd(0, 3) == 0 ? rnd(2, 3) : 1;
    }
    random_padding(&d);
    int64_t sp[3], shape[OCLNN_MAX_RANK];
    random_spatial(dims, sp);
    int64_t batch = rnd(0, 3);
    added += add_case(s, &d, make_shape(dims, batch, d.in_channels, sp, shape), shape);
  }
}

/* Depthwise: groups == in_channels, channel multiplier 1 or 2. */
static void depthwise_cases(sweep *s, int target) {
  int added = 0;
  while (added < target) {
    int dims = (int)rnd(1, 3);
    int64_t channels = rnd(1, 19), mult = rnd(1, 3) == 1 ? 2 : 1;
    oclnn_conv_desc d = oclnn_conv_desc_default(dims, channels, channels * mult, 1);
    d.groups = channels;
    for (int i = 0; i < dims; i++) {
      d.kernel_size[i] = dims == 3 ? rnd(1, 3) : rnd(1, 5);
      d.stride[i] = rnd(0, 2) == 0 ? 2 : 1;
      d.dilation[i] = rnd(0, 3) == 0 ? 2 : 1;
    }
    random_padding(&d);
    int64_t sp[3], shape[OCLNN_MAX_RANK];
    random_spatial(dims, sp);
    added += add_case(s, &d, make_shape(dims, rnd(0, 2), channels, sp, shape), shape);
  }
}

/* Pointwise: 1x1 kernels, mostly stride 1 and no padding. */
static void pointwise_cases(sweep *s, int target) {
  int added = 0;
  while (added < target) {
    int dims = (int)rnd(1, 3);
    oclnn_conv_desc d = oclnn_conv_desc_default(dims, rnd(1, 40), rnd(1, 40), 1);
    if (rnd(0, 4) == 0) {
      d.padding_mode = (oclnn_conv_padding_mode)rnd(0, 3);
      set_all(d.padding, dims, 1);
    }
    if (rnd(0, 4) == 0)
      set_all(d.stride, dims, 2);
    d.bias = (int)rnd(0, 3) != 0;
    int64_t sp[3], shape[OCLNN_MAX_RANK];
    random_spatial(dims, sp);
    added += add_case(s, &d, make_shape(dims, rnd(0, 2), d.in_channels, sp, shape), shape);
  }
}

typedef enum family { GENERAL, DEPTHWISE, POINTWISE } family;

static sweep the_sweep;

static const sweep *build_sweep(family f) {
  sweep *s = &the_sweep;
  s->count = 0;
  rng_state = 0x5eed0000u + (uint64_t)f;
  switch (f) {
  case GENERAL:
    corner_cases(s);
    general_cases(s, 160);
    break;
  case DEPTHWISE:
    depthwise_cases(s, 60);
    break;
  case POINTWISE:
    pointwise_cases(s, 50);
    break;
  }
  return s;
}

/* Runs the sweep with algorithm `algo` forced; returns how many cases it could run. */
static int run_sweep(oclnn_conv_algo algo, family f, double tol) {
  oclnn_context *ctx = test_context();
  const sweep *s = build_sweep(f);
  int ran = 0;
  for (int i = 0; i < s->count; i++) {
    oclnn_conv_desc desc = s->cases[i].desc;
    desc.algo = algo;
    conv_check_options options;
    memset(&options, 0, sizeof options);
    options.prepared = (i % 3) == 1;
    options.in_offset = (size_t)(i % 4) * 3;
    options.out_offset = (size_t)(i % 5);
    options.atol = options.rtol = tol;
    options.winograd_tol = 1e-3;
    if (getenv("CONV_SWEEP_TRACE")) {
      char what[256];
      fprintf(stderr, "case %d: %s\n", i,
              conv_ref_describe(&desc, s->cases[i].rank, s->cases[i].shape, what, sizeof what));
    }
    if (conv_check(ctx, &desc, s->cases[i].rank, s->cases[i].shape, (uint64_t)i + 1000 * f,
                   &options) == CONV_CHECK_RAN)
      ran++;
  }
  cr_log_info("%s on sweep %d: %d of %d cases", oclnn_conv_algo_name(algo), (int)f, ran, s->count);
  return ran;
}

#define TOL 1e-4

Test(conv_sweep, generic_general, .timeout = 300) {
  cr_assert_eq(run_sweep(OCLNN_CONV_ALGO_GENERIC, GENERAL, TOL), build_sweep(GENERAL)->count);
}
Test(conv_sweep, generic_depthwise, .timeout = 300) {
  cr_assert_eq(run_sweep(OCLNN_CONV_ALGO_GENERIC, DEPTHWISE, TOL), build_sweep(DEPTHWISE)->count);
}
Test(conv_sweep, generic_pointwise, .timeout = 300) {
  cr_assert_eq(run_sweep(OCLNN_CONV_ALGO_GENERIC, POINTWISE, TOL), build_sweep(POINTWISE)->count);
}
Test(conv_sweep, auto_general, .timeout = 300) {
  cr_assert_eq(run_sweep(OCLNN_CONV_ALGO_AUTO, GENERAL, TOL), build_sweep(GENERAL)->count);
}
Test(conv_sweep, auto_depthwise, .timeout = 300) {
  cr_assert_eq(run_sweep(OCLNN_CONV_ALGO_AUTO, DEPTHWISE, TOL), build_sweep(DEPTHWISE)->count);
}
Test(conv_sweep, auto_pointwise, .timeout = 300) {
  cr_assert_eq(run_sweep(OCLNN_CONV_ALGO_AUTO, POINTWISE, TOL), build_sweep(POINTWISE)->count);
}

Test(conv_sweep, direct_general, .timeout = 300) {
  cr_assert_eq(run_sweep(OCLNN_CONV_ALGO_DIRECT, GENERAL, TOL), build_sweep(GENERAL)->count);
}
Test(conv_sweep, direct_depthwise, .timeout = 300) {
  cr_assert_eq(run_sweep(OCLNN_CONV_ALGO_DIRECT, DEPTHWISE, TOL), build_sweep(DEPTHWISE)->count);
}
Test(conv_sweep, direct_pointwise, .timeout = 300) {
  cr_assert_eq(run_sweep(OCLNN_CONV_ALGO_DIRECT, POINTWISE, TOL), build_sweep(POINTWISE)->count);
}
/* The channel blocks of both register files whatever this device picks (6 on 16-register
 * AVX2-class devices, 16 on AVX-512), forced by OCLNN_CONV_BLOCK (read when a layer is created;
 * Criterion runs each test in its own process) for the three algorithms that use it. */
static int run_sweep_block(const char *block, oclnn_conv_algo algo, family f, double tol) {
  setenv("OCLNN_CONV_BLOCK", block, 1);
  int ran = run_sweep(algo, f, tol);
  unsetenv("OCLNN_CONV_BLOCK");
  return ran;
}
Test(conv_sweep, direct_general_block6, .timeout = 300) {
  cr_assert_eq(run_sweep_block("6", OCLNN_CONV_ALGO_DIRECT, GENERAL, TOL),
               build_sweep(GENERAL)->count);
}
Test(conv_sweep, direct_general_block16, .timeout = 300) {
  cr_assert_eq(run_sweep_block("16", OCLNN_CONV_ALGO_DIRECT, GENERAL, TOL),
               build_sweep(GENERAL)->count);
}
/* Direct's tile widths whatever this device picks (32 pixels on AVX-512, 16 elsewhere; rows of
 * at most 16 pixels run the 16-pixel build either way), forced by OCLNN_CONV_DIRECT_PIXELS, with
 * the channel blocks each takes (16 is cut to 8 at 32 pixels). */
static int run_sweep_pixels(const char *pixels, const char *block, family f) {
  setenv("OCLNN_CONV_DIRECT_PIXELS", pixels, 1);
  int ran = run_sweep_block(block, OCLNN_CONV_ALGO_DIRECT, f, TOL);
  unsetenv("OCLNN_CONV_DIRECT_PIXELS");
  return ran;
}
Test(conv_sweep, direct_general_pixels16_block16, .timeout = 300) {
  cr_assert_eq(run_sweep_pixels("16", "16", GENERAL), build_sweep(GENERAL)->count);
}
Test(conv_sweep, direct_general_pixels32_block8, .timeout = 300) {
  cr_assert_eq(run_sweep_pixels("32", "8", GENERAL), build_sweep(GENERAL)->count);
}
Test(conv_sweep, direct_general_pixels32_block6, .timeout = 300) {
  cr_assert_eq(run_sweep_pixels("32", "6", GENERAL), build_sweep(GENERAL)->count);
}
Test(conv_sweep, direct_depthwise_pixels32_block4, .timeout = 300) {
  cr_assert_eq(run_sweep_pixels("32", "4", DEPTHWISE), build_sweep(DEPTHWISE)->count);
}

Test(conv_sweep, depthwise_general, .timeout = 300) {
  cr_assert_geq(run_sweep(OCLNN_CONV_ALGO_DEPTHWISE, GENERAL, TOL), 20);
}
Test(conv_sweep, depthwise_depthwise, .timeout = 300) {
  cr_assert_eq(run_sweep(OCLNN_CONV_ALGO_DEPTHWISE, DEPTHWISE, TOL), build_sweep(DEPTHWISE)->count);
}
/* Depthwise blocks of 4 rows (16-register devices) and of an odd 3, whatever this device picks,
 * forced by OCLNN_CONV_DEPTHWISE_ROWS (read when a layer is created). */
Test(conv_sweep, depthwise_depthwise_rows4, .timeout = 300) {
  setenv("OCLNN_CONV_DEPTHWISE_ROWS", "4", 1);
  cr_assert_eq(run_sweep(OCLNN_CONV_ALGO_DEPTHWISE, DEPTHWISE, TOL), build_sweep(DEPTHWISE)->count);
  unsetenv("OCLNN_CONV_DEPTHWISE_ROWS");
}
Test(conv_sweep, depthwise_depthwise_rows3, .timeout = 300) {
  setenv("OCLNN_CONV_DEPTHWISE_ROWS", "3", 1);
  cr_assert_eq(run_sweep(OCLNN_CONV_ALGO_DEPTHWISE, DEPTHWISE, TOL), build_sweep(DEPTHWISE)->count);
  unsetenv("OCLNN_CONV_DEPTHWISE_ROWS");
}
Test(conv_sweep, depthwise_pointwise, .timeout = 300) {
  cr_assert_geq(run_sweep(OCLNN_CONV_ALGO_DEPTHWISE, POINTWISE, TOL), 1);
}

Test(conv_sweep, gemm_general, .timeout = 300) {
  cr_assert_geq(run_sweep(OCLNN_CONV_ALGO_GEMM, GENERAL, TOL), 5);
}
Test(conv_sweep, gemm_depthwise, .timeout = 300) {
  cr_assert_geq(run_sweep(OCLNN_CONV_ALGO_GEMM, DEPTHWISE, TOL), 1);
}
Test(conv_sweep, gemm_pointwise, .timeout = 300) {
  cr_assert_geq(run_sweep(OCLNN_CONV_ALGO_GEMM, POINTWISE, TOL), 30);
}
Test(conv_sweep, gemm_pointwise_block6, .timeout = 300) {
  cr_assert_geq(run_sweep_block("6", OCLNN_CONV_ALGO_GEMM, POINTWISE, TOL), 30);
}
Test(conv_sweep, gemm_pointwise_block16, .timeout = 300) {
  cr_assert_geq(run_sweep_block("16", OCLNN_CONV_ALGO_GEMM, POINTWISE, TOL), 30);
}

#define WINOGRAD_TOL 1e-3

Test(conv_sweep, winograd_general, .timeout = 300) {
  cr_assert_geq(run_sweep(OCLNN_CONV_ALGO_WINOGRAD, GENERAL, WINOGRAD_TOL), 30);
}
/* Winograd in bands of tile rows: a 1-byte budget gives one tile row (of every phase and
 * sample) per band; 100 kB gives a few rows per band on these shapes, with uneven last bands.
 * Band boundaries, dilation phases split over bands and batched inputs run the same sweep. */
Test(conv_sweep, winograd_general_banded, .timeout = 300) {
  cr_assert_eq(setenv("OCLNN_WINOGRAD_FUSED", "0", 1), 0);
  cr_assert_eq(setenv("OCLNN_WINOGRAD_BAND_BYTES", "1", 1), 0);
  cr_assert_geq(run_sweep(OCLNN_CONV_ALGO_WINOGRAD, GENERAL, WINOGRAD_TOL), 30);
  cr_assert_eq(setenv("OCLNN_WINOGRAD_BAND_BYTES", "100000", 1), 0);
  cr_assert_geq(run_sweep(OCLNN_CONV_ALGO_WINOGRAD, GENERAL, WINOGRAD_TOL), 30);
}
Test(conv_sweep, winograd_general_block6, .timeout = 300) {
  cr_assert_geq(run_sweep_block("6", OCLNN_CONV_ALGO_WINOGRAD, GENERAL, WINOGRAD_TOL), 30);
}
Test(conv_sweep, winograd_general_block16, .timeout = 300) {
  cr_assert_geq(run_sweep_block("16", OCLNN_CONV_ALGO_WINOGRAD, GENERAL, WINOGRAD_TOL), 30);
}
/* Winograd's GEMM tile widths whatever this device picks (32 tiles on AVX-512, 16 elsewhere),
 * forced by OCLNN_WINOGRAD_TILES, with the channel blocks each takes; the odd widths of the sweep
 * give up to 48 tiles, so full, moved-back and partial groups of 32 all run. */
static int run_winograd_tiles(const char *tiles, const char *block) {
  setenv("OCLNN_WINOGRAD_FUSED", "0", 1);
  setenv("OCLNN_WINOGRAD_TILES", tiles, 1);
  int ran = run_sweep_block(block, OCLNN_CONV_ALGO_WINOGRAD, GENERAL, WINOGRAD_TOL);
  unsetenv("OCLNN_WINOGRAD_TILES");
  unsetenv("OCLNN_WINOGRAD_FUSED");
  return ran;
}
/* The three-kernel path (input transform, GEMMs, output transform through global scratch) and
 * the fused kernel (V and M in local memory, OCLNN_WINOGRAD_FUSED), each forced, with the
 * channel blocks the fused kernel's GEMM takes: the sweep's odd widths give partial groups of
 * 16 tiles and tile groups wholly past the output. */
static int run_winograd_fused(const char *fused, const char *block) {
  setenv("OCLNN_WINOGRAD_FUSED", fused, 1);
  int ran = block ? run_sweep_block(block, OCLNN_CONV_ALGO_WINOGRAD, GENERAL, WINOGRAD_TOL)
                  : run_sweep(OCLNN_CONV_ALGO_WINOGRAD, GENERAL, WINOGRAD_TOL);
  unsetenv("OCLNN_WINOGRAD_FUSED");
  return ran;
}
Test(conv_sweep, winograd_general_unfused, .timeout = 300) {
  cr_assert_geq(run_winograd_fused("0", NULL), 30);
}
Test(conv_sweep, winograd_general_fused_block6, .timeout = 300) {
  cr_assert_geq(run_winograd_fused("1", "6"), 30);
}
Test(conv_sweep, winograd_general_fused_block1, .timeout = 300) {
  cr_assert_geq(run_winograd_fused("1", "1"), 30);
}
Test(conv_sweep, winograd_general_tiles16_block16, .timeout = 300) {
  cr_assert_geq(run_winograd_tiles("16", "16"), 30);
}
Test(conv_sweep, winograd_general_tiles32_block8, .timeout = 300) {
  cr_assert_geq(run_winograd_tiles("32", "8"), 30);
}
Test(conv_sweep, winograd_general_tiles32_block6, .timeout = 300) {
  cr_assert_geq(run_winograd_tiles("32", "6"), 30);
}
Test(conv_sweep, winograd_depthwise, .timeout = 300) {
  cr_assert_geq(run_sweep(OCLNN_CONV_ALGO_WINOGRAD, DEPTHWISE, WINOGRAD_TOL), 0);
}
Test(conv_sweep, winograd_pointwise, .timeout = 300) {
  cr_assert_geq(run_sweep(OCLNN_CONV_ALGO_WINOGRAD, POINTWISE, WINOGRAD_TOL), 0);
}
