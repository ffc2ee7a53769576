/* Elementwise and resampling layers (include/oclnn/act.h): ReLU, Add with broadcasting and
 * nearest upsampling, against the C reference (tests/support/act_reference.c) over generated
 * sweeps, against the torch cases of tests/data/act_cases.txt (tools/gen_act_cases.py), and the
 * bad-input table. The operations are exact in fp32, so every comparison is bit for bit (any
 * NaN matches any NaN; -0.0 must stay -0.0). Every output view sits between sentinel floats
 * that must survive, and inputs must come back unchanged. */
#include "act_reference.h"
#include "test_support.h"

#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* ---- helpers ---- */

static uint64_t rng_next(uint64_t *s) {
  *s ^= *s << 13;
  *s ^= *s >> 7;
  *s ^= *s << 17;
  return *s;
}

static int pick(uint64_t *s, int bound) { return (int)(rng_next(s) % (uint64_t)bound); }

/* Random values with some NaN, +-Inf and +-0. */
static void fill_values(float *x, size_t n, uint64_t seed) {
  test_fill_random(x, n, seed);
  uint64_t s = seed * 2654435761u + 1;
  static const float specials[] = {NAN, INFINITY, -INFINITY, 0.0f, -0.0f, 1e-40f, -1e-40f};
  for (size_t i = 0; i < n; i++) {
    x[i] *= 4.0f;
    if (pick(&s, 16) == 0)
      x[i] = specials[pick(&s, (int)(sizeof specials / sizeof specials[0]))];
  }
}

static void assert_same(const char *what, const float *got, const float *want, size_t n) {
  for (size_t i = 0; i < n; i++)
    if (!act_ref_same(got[i], want[i])) {
      uint32_t g, w;
      memcpy(&g, &got[i], sizeof g);
      memcpy(&w, &want[i], sizeof w);
      cr_assert_fail("%s: element %zu is %.9g (bits %08x), expected %.9g (bits %08x)", what, i,
                     (double)got[i], (unsigned)g, (double)want[i], (unsigned)w);
    }
}

static const char *shape_str(int rank, const int64_t *shape, char *buf, size_t size) {
  int n = snprintf(buf, size, "(");
  for (int i = 0; i < rank && n > 0 && (size_t)n < size; i++)
    n += snprintf(buf + n, size - (size_t)n, "%s%lld", i ? ", " : "", (long long)shape[i]);
  if (n > 0 && (size_t)n < size)
    snprintf(buf + n, size - (size_t)n, ")");
  return buf;
}

static oclnn_act *act_new(oclnn_context *ctx) {
  oclnn_act *act = NULL;
  TEST_OK(ctx, oclnn_act_create(ctx, &act));
  cr_assert(act);
  return act;
}

/* ---- runners: one call on guarded buffers, checked against the reference ---- */

/* in_place: out is the input view itself. */
static void run_relu(oclnn_context *ctx, oclnn_act *act, int rank, const int64_t *shape,
                     const float *x, size_t off_in, size_t off_out, int in_place,
                     const char *what) {
  size_t n = test_numel(rank, shape);
  float *want = malloc((n ? n : 1) * sizeof *want);
  cr_assert(want);
  for (size_t i = 0; i < n; i++)
    want[i] = act_ref_relu(x[i]);
  test_guarded gi = test_guarded_new(ctx, off_in, n, x), go = {0};
  oclnn_tensor tin = test_guarded_view(&gi, rank, shape), tout = tin;
  if (!in_place) {
    go = test_guarded_new(ctx, off_out, n, NULL);
    tout = test_guarded_view(&go, rank, shape);
  }
  TEST_OK(ctx, oclnn_act_relu(act, &tin, &tout));
  float *got = test_guarded_read(ctx, in_place ? &gi : &go, what);
  assert_same(what, got, want, n);
  free(got);
  if (!in_place) {
    float *back = test_guarded_read(ctx, &gi, what);
    assert_same("relu input after the call", back, x, n);
    free(back);
  }
  test_guarded_free(&gi);
  test_guarded_free(&go);
  free(want);
}

typedef enum bwd_place { BWD_APART, BWD_INTO_GRAD, BWD_INTO_X } bwd_place;

/* ReLU backward: grad_in apart, or exactly the grad_out view, or exactly the x view. */
static void run_relu_backward(oclnn_context *ctx, oclnn_act *act, int rank, const int64_t *shape,
                              const float *x, const float *g, bwd_place place, size_t off,
                              const char *what) {
  size_t n = test_numel(rank, shape);
  float *want = malloc((n ? n : 1) * sizeof *want);
  cr_assert(want);
  for (size_t i = 0; i < n; i++)
    want[i] = act_ref_relu_backward(x[i], g[i]);
  test_guarded gx = test_guarded_new(ctx, off, n, x), gg = test_guarded_new(ctx, off + 1, n, g),
               gi = {0};
  oclnn_tensor tx = test_guarded_view(&gx, rank, shape), tg = test_guarded_view(&gg, rank, shape);
  oclnn_tensor ti = place == BWD_INTO_GRAD ? tg : tx;
  if (place == BWD_APART) {
    gi = test_guarded_new(ctx, off + 2, n, NULL);
    ti = test_guarded_view(&gi, rank, shape);
  }
  TEST_OK(ctx, oclnn_act_relu_backward(act, &tx, &tg, &ti));
  const test_guarded *result = place == BWD_APART ? &gi : place == BWD_INTO_GRAD ? &gg : &gx;
  float *got = test_guarded_read(ctx, result, what);
  assert_same(what, got, want, n);
  free(got);
  if (place != BWD_INTO_X) {
    float *back = test_guarded_read(ctx, &gx, what);
    assert_same("relu backward x after the call", back, x, n);
    free(back);
  }
  if (place != BWD_INTO_GRAD) {
    float *back = test_guarded_read(ctx, &gg, what);
    assert_same("relu backward grad_out after the call", back, g, n);
    free(back);
  }
  test_guarded_free(&gx);
  test_guarded_free(&gg);
  test_guarded_free(&gi);
  free(want);
}

typedef enum add_place { ADD_APART, ADD_INTO_A, ADD_INTO_B } add_place;

static void run_add(oclnn_context *ctx, oclnn_act *act, int rank_a, const int64_t *shape_a,
                    const float *a, int rank_b, const int64_t *shape_b, const float *b, int relu,
                    add_place place, size_t off, const char *what) {
  size_t na = test_numel(rank_a, shape_a), nb = test_numel(rank_b, shape_b);
  float *want = malloc((na ? na : 1) * sizeof *want);
  cr_assert(want);
  act_ref_add(rank_a, shape_a, a, rank_b, shape_b, b, relu, want);
  test_guarded ga = test_guarded_new(ctx, off, na, a), gb = test_guarded_new(ctx, off + 1, nb, b),
               go = {0};
  oclnn_tensor ta = test_guarded_view(&ga, rank_a, shape_a),
               tb = test_guarded_view(&gb, rank_b, shape_b);
  oclnn_tensor tout = place == ADD_INTO_A ? ta : test_guarded_view(&gb, rank_a, shape_a);
  if (place == ADD_APART) {
    go = test_guarded_new(ctx, off + 2, na, NULL);
    tout = test_guarded_view(&go, rank_a, shape_a);
  }
  TEST_OK(ctx, oclnn_act_add(act, &ta, &tb, relu, &tout));
  const test_guarded *result = place == ADD_APART ? &go : place == ADD_INTO_A ? &ga : &gb;
  float *got = test_guarded_read(ctx, result, what);
  assert_same(what, got, want, na);
  free(got);
  if (place != ADD_INTO_A) {
    float *back = test_guarded_read(ctx, &ga, what);
    assert_same("add input a after the call", back, a, na);
    free(back);
  }
  if (place != ADD_INTO_B) {
    float *back = test_guarded_read(ctx, &gb, what);
    assert_same("add input b after the call", back, b, nb);
    free(back);
  }
  test_guarded_free(&ga);
  test_guarded_free(&gb);
  test_guarded_free(&go);
  free(want);
}

static void run_upsample(oclnn_context *ctx, oclnn_act *act, const oclnn_upsample_desc *desc,
                         int rank, const int64_t *shape, const float *x, size_t off,
                         const float *torch_out, int torch_rank, const int64_t *torch_shape,
                         const char *what) {
  int64_t out_shape[OCLNN_MAX_RANK] = {0}, ref_shape[OCLNN_MAX_RANK] = {0};
  cr_assert(act_ref_upsample_shape(desc, rank, shape, ref_shape, NULL), "%s: reference refuses",
            what);
  TEST_OK(ctx, oclnn_act_upsample_output_shape(act, desc, rank, shape, out_shape));
  cr_assert(!memcmp(out_shape, ref_shape, (size_t)rank * sizeof *out_shape),
            "%s: output shape differs from the reference", what);
  if (torch_out) {
    cr_assert_eq(torch_rank, rank, "%s: torch's rank", what);
    cr_assert(!memcmp(out_shape, torch_shape, (size_t)rank * sizeof *out_shape),
              "%s: output shape differs from torch's", what);
  }
  size_t n = test_numel(rank, shape), m = test_numel(rank, out_shape);
  float *want = malloc((m ? m : 1) * sizeof *want);
  cr_assert(want);
  act_ref_upsample(desc, rank, shape, x, want);
  if (torch_out)
    assert_same("reference vs torch", want, torch_out, m);
  test_guarded gi = test_guarded_new(ctx, off, n, x), go = test_guarded_new(ctx, off + 3, m, NULL);
  oclnn_tensor tin = test_guarded_view(&gi, rank, shape),
               tout = test_guarded_view(&go, rank, out_shape);
  TEST_OK(ctx, oclnn_act_upsample(act, desc, &tin, &tout));
  float *got = test_guarded_read(ctx, &go, what);
  assert_same(what, got, want, m);
  free(got);
  float *back = test_guarded_read(ctx, &gi, what);
  assert_same("upsample input after the call", back, x, n);
  free(back);
  test_guarded_free(&gi);
  test_guarded_free(&go);
  free(want);
}

/* The upsampling backward on guarded buffers against the reference (and torch's grad when
 * given: its sums run in the same order, so they must agree within the same bound). */
static void run_upsample_backward(oclnn_context *ctx, oclnn_act *act,
                                  const oclnn_upsample_desc *desc, int rank, const int64_t *shape,
                                  const float *g, const float *torch_grad, const char *what) {
  int64_t out_shape[OCLNN_MAX_RANK];
  TEST_OK(ctx, oclnn_act_upsample_output_shape(act, desc, rank, shape, out_shape));
  size_t n = test_numel(rank, shape), m = test_numel(rank, out_shape);
  double *want = malloc((n ? n : 1) * sizeof *want), *bound = malloc((n ? n : 1) * sizeof *bound);
  cr_assert(want && bound);
  act_ref_upsample_backward(desc, rank, shape, g, want, bound);
  test_guarded gg = test_guarded_new(ctx, 1, m, g), gi = test_guarded_new(ctx, 2, n, NULL);
  oclnn_tensor tg = test_guarded_view(&gg, rank, out_shape),
               ti = test_guarded_view(&gi, rank, shape);
  TEST_OK(ctx, oclnn_act_upsample_backward(act, desc, &tg, &ti));
  float *got = test_guarded_read(ctx, &gi, what);
  for (size_t i = 0; i < n; i++) {
    bool ok = isnan(want[i])   ? isnan(got[i])
              : isinf(want[i]) ? (double)got[i] == want[i]
                               : fabs((double)got[i] - want[i]) <= bound[i] + 1e-30;
    cr_assert(ok, "%s: grad_in[%zu] is %.9g, expected %.12g", what, i, (double)got[i], want[i]);
    if (torch_grad) {
      double t = torch_grad[i];
      bool same = isnan(t)   ? isnan(got[i])
                  : isinf(t) ? (double)got[i] == t
                             : fabs((double)got[i] - t) <= 2 * bound[i] + 1e-30;
      cr_assert(same, "%s: grad_in[%zu] is %.9g, torch %.9g", what, i, (double)got[i], t);
    }
  }
  free(got);
  float *back = test_guarded_read(ctx, &gg, what);
  assert_same("upsample backward grad_out after the call", back, g, m);
  free(back);
  test_guarded_free(&gg);
  test_guarded_free(&gi);
  free(want);
  free(bound);
}

/* ---- sweeps against the C reference ---- */

/* A random shape of `rank` dims: mostly 1..7, sometimes 0 (when allow_empty) or one long
 * innermost dim that spans several of the kernel's units. */
static void random_shape(uint64_t *s, int rank, int64_t *shape, int allow_empty) {
  for (int i = 0; i < rank; i++)
    shape[i] = 1 + pick(s, 7);
  if (allow_empty && pick(s, 12) == 0)
    shape[pick(s, rank)] = 0;
  else if (pick(s, 6) == 0)
    shape[rank - 1] = 2000 + pick(s, 3000);
}

Test(act, relu_sweep) {
  oclnn_context *ctx = test_context();
  oclnn_act *act = act_new(ctx);
  uint64_t s = 0x9e3779b97f4a7c15u;
  for (int c = 0; c < 60; c++) {
    int rank = 1 + c % OCLNN_MAX_RANK;
    int64_t shape[OCLNN_MAX_RANK];
    random_shape(&s, rank, shape, 1);
    size_t n = test_numel(rank, shape);
    float *x = malloc((n ? n : 1) * sizeof *x);
    cr_assert(x);
    fill_values(x, n, 100 + (uint64_t)c);
    char what[160], sh[96];
    int in_place = c % 3 == 0;
    snprintf(what, sizeof what, "relu case %d %s%s", c, shape_str(rank, shape, sh, sizeof sh),
             in_place ? " in place" : "");
    run_relu(ctx, act, rank, shape, x, (size_t)pick(&s, 4), (size_t)pick(&s, 4), in_place, what);
    free(x);
  }
  oclnn_act_free(act);
}

Test(act, relu_backward_sweep) {
  oclnn_context *ctx = test_context();
  oclnn_act *act = act_new(ctx);
  uint64_t s = 0x3c6ef372fe94f82bu;
  for (int c = 0; c < 45; c++) {
    int rank = 1 + c % OCLNN_MAX_RANK;
    int64_t shape[OCLNN_MAX_RANK];
    random_shape(&s, rank, shape, 1);
    size_t n = test_numel(rank, shape);
    float *x = malloc((n ? n : 1) * sizeof *x), *g = malloc((n ? n : 1) * sizeof *g);
    cr_assert(x && g);
    fill_values(x, n, 1100 + (uint64_t)c);
    fill_values(g, n, 1300 + (uint64_t)c);
    bwd_place place = (bwd_place)(c % 3);
    char what[160], sh[96];
    snprintf(what, sizeof what, "relu backward case %d %s place %d", c,
             shape_str(rank, shape, sh, sizeof sh), (int)place);
    run_relu_backward(ctx, act, rank, shape, x, g, place, (size_t)pick(&s, 3), what);
    free(x);
    free(g);
  }
  oclnn_act_free(act);
}

Test(act, add_sweep) {
  oclnn_context *ctx = test_context();
  oclnn_act *act = act_new(ctx);
  uint64_t s = 0x2545f4914f6cdd1du;
  for (int c = 0; c < 120; c++) {
    int rank_a = 1 + c % OCLNN_MAX_RANK;
    int64_t sa[OCLNN_MAX_RANK], sb[OCLNN_MAX_RANK];
    random_shape(&s, rank_a, sa, 1);
    int rank_b = 1 + pick(&s, rank_a);
    /* Each dim of b is a's or 1; a few cases keep b full, a few make it a scalar. */
    int style = pick(&s, 5);
    for (int i = 0; i < rank_b; i++) {
      int64_t da = sa[rank_a - rank_b + i];
      sb[i] = style == 0 ? da : style == 1 ? 1 : (pick(&s, 2) ? da : 1);
    }
    size_t na = test_numel(rank_a, sa), nb = test_numel(rank_b, sb);
    float *a = malloc((na ? na : 1) * sizeof *a), *b = malloc((nb ? nb : 1) * sizeof *b);
    cr_assert(a && b);
    fill_values(a, na, 300 + (uint64_t)c);
    fill_values(b, nb, 700 + (uint64_t)c);
    int relu = pick(&s, 2);
    add_place place = (add_place)pick(&s, 3);
    if (place == ADD_INTO_B && nb != na)
      place = ADD_APART;
    char what[200], s1[96], s2[96];
    snprintf(what, sizeof what, "add case %d a %s b %s relu %d place %d", c,
             shape_str(rank_a, sa, s1, sizeof s1), shape_str(rank_b, sb, s2, sizeof s2), relu,
             (int)place);
    run_add(ctx, act, rank_a, sa, a, rank_b, sb, b, relu, place, (size_t)pick(&s, 3), what);
    free(a);
    free(b);
  }
  oclnn_act_free(act);
}

Test(act, upsample_sweep) {
  oclnn_context *ctx = test_context();
  oclnn_act *act = act_new(ctx);
  uint64_t s = 0x853c49e6748fea9bu;
  static const double scales[] = {2.0, 3.0, 0.5, 1.0, 1.01, 0.99, 1.5, 2.1, 1.0 / 3.0, 0.7, 4.0};
  int ran = 0;
  for (int c = 0; c < 90; c++) {
    int dims = 1 + c % 3, rank = dims + 2;
    int64_t shape[OCLNN_MAX_RANK];
    shape[0] = pick(&s, 10) == 0 ? 0 : 1 + pick(&s, 2);
    shape[1] = 1 + pick(&s, 3);
    for (int i = 0; i < dims; i++)
      shape[2 + i] = 1 + pick(&s, dims == 3 ? 5 : 9);
    if (dims == 1 && pick(&s, 4) == 0)
      shape[2] = 1500 + pick(&s, 1500); /* output rows spanning several units */
    oclnn_upsample_desc desc = oclnn_upsample_desc_default(dims, 0.0);
    int form = pick(&s, 3);
    for (int i = 0; i < dims; i++) {
      if (form == 0)
        desc.size[i] = 1 + pick(&s, 12);
      else
        desc.scale_factor[i] = scales[pick(&s, (int)(sizeof scales / sizeof scales[0]))];
    }
    desc.recompute_scale_factor = form == 2;
    int64_t out_shape[OCLNN_MAX_RANK];
    if (!act_ref_upsample_shape(&desc, rank, shape, out_shape, NULL))
      continue; /* a scale that shrinks a dim to 0: the invalid table covers it */
    size_t n = test_numel(rank, shape);
    float *x = malloc((n ? n : 1) * sizeof *x);
    cr_assert(x);
    fill_values(x, n, 900 + (uint64_t)c);
    char what[200], sh[96];
    snprintf(what, sizeof what,
             "upsample case %d %dd in %s size (%lld %lld %lld) scale (%g %g %g) "
             "recompute %d",
             c, dims, shape_str(rank, shape, sh, sizeof sh), (long long)desc.size[0],
             (long long)desc.size[1], (long long)desc.size[2], desc.scale_factor[0],
             desc.scale_factor[1], desc.scale_factor[2], desc.recompute_scale_factor);
    run_upsample(ctx, act, &desc, rank, shape, x, (size_t)pick(&s, 3), NULL, 0, NULL, what);
    size_t m = test_numel(rank, out_shape);
    float *g = malloc((m ? m : 1) * sizeof *g);
    cr_assert(g);
    test_fill_random(g, m, 1700 + (uint64_t)c);
    run_upsample_backward(ctx, act, &desc, rank, shape, g, NULL, what);
    free(g);
    free(x);
    ran++;
  }
  cr_assert_gt(ran, 70, "only %d upsampling cases ran", ran);
  oclnn_act_free(act);
}

/* Large tensors: the units and the two-dimensional grid split (beyond 65535 units). */
Test(act, large) {
  oclnn_context *ctx = test_context();
  oclnn_act *act = act_new(ctx);
  const int64_t big[2] = {1100, 4099}; /* ~4.5 M floats: > 2048 units per row set, odd rows */
  size_t n = test_numel(2, big);
  float *x = malloc(n * sizeof *x), *y = malloc(4099 * sizeof *y);
  cr_assert(x && y);
  fill_values(x, n, 5);
  fill_values(y, 4099, 6);
  run_relu(ctx, act, 2, big, x, 1, 2, 0, "large relu");
  const int64_t row[1] = {4099};
  run_add(ctx, act, 2, big, x, 1, row, y, 1, ADD_APART, 1, "large add with a broadcast row");
  const int64_t col[2] = {1100, 1};
  run_add(ctx, act, 2, big, x, 2, col, y, 0, ADD_INTO_A, 0, "large add with a column");
  /* 1-wide rows: one unit per row, 1.1 M units (several grid layers along dim 2). */
  const int64_t thin[3] = {1100, 1000, 1};
  run_add(ctx, act, 3, thin, x, 3, thin, x + 7, 0, ADD_APART, 0, "thin same-shape add");
  const int64_t ups[3] = {1, 1100, 1000};
  oclnn_upsample_desc desc = oclnn_upsample_desc_default(1, 0.0);
  desc.size[0] = 1;
  run_upsample(ctx, act, &desc, 3, ups, x, 0, NULL, 0, NULL, "upsample to 1100 rows of 1");
  free(x);
  free(y);
  oclnn_act_free(act);
}

/* ---- torch cases ---- */

typedef test_parser parser;

static void expect_word(parser *ps, const char *want) {
  char word[64];
  cr_assert(test_next_word(ps, word, sizeof word) && !strcmp(word, want), "%s:%d: expected '%s'",
            ps->path, ps->line, want);
}

static int64_t next_int(parser *ps) {
  char word[64], *end = NULL;
  cr_assert(test_next_word(ps, word, sizeof word), "%s:%d: expected an integer", ps->path,
            ps->line);
  errno = 0;
  long long v = strtoll(word, &end, 10);
  cr_assert(errno == 0 && *end == '\0', "%s:%d: '%s' is not an integer", ps->path, ps->line, word);
  return (int64_t)v;
}

static double next_double(parser *ps) {
  char word[64], *end = NULL;
  cr_assert(test_next_word(ps, word, sizeof word), "%s:%d: expected a number", ps->path, ps->line);
  double v = strtod(word, &end);
  cr_assert(*end == '\0', "%s:%d: '%s' is not a number", ps->path, ps->line, word);
  return v;
}

/* "TAG RANK S.. V..": the shape into rank/shape, the values malloc'd. */
static float *read_tensor(parser *ps, const char *tag, int *rank, int64_t *shape) {
  expect_word(ps, tag);
  *rank = (int)next_int(ps);
  cr_assert(*rank >= 1 && *rank <= OCLNN_MAX_RANK, "%s:%d: rank %d", ps->path, ps->line, *rank);
  size_t n = 1;
  for (int i = 0; i < *rank; i++) {
    shape[i] = next_int(ps);
    cr_assert(shape[i] >= 0 && shape[i] < 10000, "%s:%d: dim", ps->path, ps->line);
    n *= (size_t)shape[i];
  }
  float *v = malloc((n ? n : 1) * sizeof *v);
  cr_assert(v);
  for (size_t i = 0; i < n; i++)
    v[i] = (float)next_double(ps);
  return v;
}

static oclnn_status status_named(const char *name) {
  for (int s = 0; s <= OCLNN_ERR_IO; s++)
    if (!strcmp(name, oclnn_status_string((oclnn_status)s)))
      return (oclnn_status)s;
  cr_assert_fail("unknown status %s", name);
  return OCLNN_SUCCESS;
}

Test(act, torch_cases) {
  oclnn_context *ctx = test_context();
  oclnn_act *act = act_new(ctx);
  char path[4096];
  const char *dir = getenv("OCLNN_TEST_DATA");
  snprintf(path, sizeof path, "%s/act_cases.txt",
           dir && *dir ? dir : OCLNN_SOURCE_DIR "/tests/data");
  char *text = test_read_file(path, NULL);
  cr_assert(text, "cannot read %s (written by tools/gen_act_cases.py)", path);
  parser ps = {text, 1, path};
  char word[96], name[96], kind[32];
  int counts[5] = {0, 0, 0, 0, 0}, errors = 0;
  while (test_next_word(&ps, word, sizeof word)) {
    cr_assert_str_eq(word, "case", "%s:%d", path, ps.line);
    cr_assert(test_next_word(&ps, name, sizeof name) && test_next_word(&ps, kind, sizeof kind));
    char what[160];
    snprintf(what, sizeof what, "torch case %.90s (act_cases.txt:%d)", name, ps.line);
    int op = !strcmp(kind, "relu")                ? 0
             : !strcmp(kind, "add")               ? 1
             : !strcmp(kind, "relu_backward")     ? 3
             : !strcmp(kind, "upsample_backward") ? 4
                                                  : 2;
    cr_assert(op != 2 || !strcmp(kind, "upsample"), "%s: kind %s", what, kind);
    int relu = 0;
    oclnn_upsample_desc desc = oclnn_upsample_desc_default(1, 0.0);
    if (op == 1)
      relu = (int)next_int(&ps);
    if (op == 2 || op == 4) {
      desc.dims = (int)next_int(&ps);
      for (int i = 0; i < 3; i++)
        desc.size[i] = next_int(&ps);
      for (int i = 0; i < 3; i++)
        desc.scale_factor[i] = next_double(&ps);
      desc.recompute_scale_factor = (int)next_int(&ps);
    }
    int rank = 0, rank_b = 0, out_rank = 0;
    int64_t shape[OCLNN_MAX_RANK], shape_b[OCLNN_MAX_RANK], out_shape[OCLNN_MAX_RANK];
    float *x = read_tensor(&ps, "in", &rank, shape), *b = NULL, *want = NULL;
    if (op == 1 || op == 3 || op == 4)
      b = read_tensor(&ps, "b", &rank_b, shape_b);
    const char *line_start = ps.p;
    cr_assert(test_next_word(&ps, word, sizeof word), "%s ends early", what);
    if (!strcmp(word, "error")) {
      char status_name[64];
      cr_assert(test_next_word(&ps, status_name, sizeof status_name));
      oclnn_status expect = status_named(status_name);
      while (*ps.p && *ps.p != '\n')
        ps.p++;
      int64_t got_shape[OCLNN_MAX_RANK] = {-7, -7, -7, -7, -7};
      oclnn_status st;
      if (op == 1) {
        cr_assert(!act_ref_add_broadcasts(rank, shape, rank_b, shape_b), "%s: reference", what);
        st = oclnn_act_add_output_shape(act, rank, shape, rank_b, shape_b, got_shape);
      } else {
        cr_assert(op == 2, "%s: relu has no error cases", what);
        oclnn_status ref_status = OCLNN_SUCCESS;
        cr_assert(!act_ref_upsample_shape(&desc, rank, shape, out_shape, &ref_status));
        cr_assert_eq(ref_status, expect, "%s: the reference says %s", what,
                     oclnn_status_string(ref_status));
        st = oclnn_act_upsample_output_shape(act, &desc, rank, shape, got_shape);
      }
      cr_assert_eq(st, expect, "%s: got %s, expected %s (%s)", what, oclnn_status_string(st),
                   status_name, oclnn_context_error(ctx));
      cr_assert_eq(got_shape[0], -7, "%s: out_shape written on error", what);
      /* The forward call refuses too, without touching out. */
      test_guarded gi = test_guarded_new(ctx, 0, test_numel(rank, shape), x);
      test_guarded gb =
          op == 1 ? test_guarded_new(ctx, 0, test_numel(rank_b, shape_b), b) : (test_guarded){0};
      test_guarded go = test_guarded_new(ctx, 1, 64, NULL);
      oclnn_tensor tin = test_guarded_view(&gi, rank, shape);
      const int64_t flat[1] = {64};
      oclnn_tensor tout = test_guarded_view(&go, 1, flat);
      if (op == 1) {
        oclnn_tensor tb = test_guarded_view(&gb, rank_b, shape_b);
        st = oclnn_act_add(act, &tin, &tb, relu, &tout);
      } else {
        st = oclnn_act_upsample(act, &desc, &tin, &tout);
      }
      cr_assert_eq(st, expect, "%s forward: got %s", what, oclnn_status_string(st));
      float *untouched = test_guarded_read(ctx, &go, what);
      for (int i = 0; i < 64; i++)
        cr_assert(test_is_sentinel(untouched[i]), "%s: out written on error", what);
      free(untouched);
      test_guarded_free(&gi);
      test_guarded_free(&gb);
      test_guarded_free(&go);
      errors++;
    } else {
      ps.p = line_start;
      want = read_tensor(&ps, "out", &out_rank, out_shape);
      size_t m = test_numel(out_rank, out_shape);
      if (op == 4) {
        cr_assert(out_rank == rank && !memcmp(out_shape, shape, (size_t)rank * sizeof *shape));
        run_upsample_backward(ctx, act, &desc, rank, shape, b, want, what);
      } else if (op == 3) {
        cr_assert(out_rank == rank && rank_b == rank &&
                  !memcmp(out_shape, shape, (size_t)rank * sizeof *shape) &&
                  !memcmp(shape_b, shape, (size_t)rank * sizeof *shape));
        float *ref = malloc((m ? m : 1) * sizeof *ref);
        cr_assert(ref);
        for (size_t i = 0; i < m; i++)
          ref[i] = act_ref_relu_backward(x[i], b[i]);
        assert_same("reference vs torch", ref, want, m);
        free(ref);
        for (int place = BWD_APART; place <= BWD_INTO_X; place++)
          run_relu_backward(ctx, act, rank, shape, x, b, (bwd_place)place, 1, what);
      } else if (op == 0) {
        cr_assert(out_rank == rank && !memcmp(out_shape, shape, (size_t)rank * sizeof *shape));
        float *ref = malloc((m ? m : 1) * sizeof *ref);
        cr_assert(ref);
        for (size_t i = 0; i < m; i++)
          ref[i] = act_ref_relu(x[i]);
        assert_same("reference vs torch", ref, want, m);
        free(ref);
        run_relu(ctx, act, rank, shape, x, 1, 2, 0, what);
        run_relu(ctx, act, rank, shape, x, 0, 0, 1, what);
      } else if (op == 1) {
        int64_t got_shape[OCLNN_MAX_RANK];
        TEST_OK(ctx, oclnn_act_add_output_shape(act, rank, shape, rank_b, shape_b, got_shape));
        cr_assert(out_rank == rank && !memcmp(out_shape, got_shape, (size_t)rank * sizeof *shape));
        float *ref = malloc((m ? m : 1) * sizeof *ref);
        cr_assert(ref);
        act_ref_add(rank, shape, x, rank_b, shape_b, b, relu, ref);
        assert_same("reference vs torch", ref, want, m);
        free(ref);
        run_add(ctx, act, rank, shape, x, rank_b, shape_b, b, relu, ADD_APART, 1, what);
        run_add(ctx, act, rank, shape, x, rank_b, shape_b, b, relu, ADD_INTO_A, 0, what);
      } else {
        run_upsample(ctx, act, &desc, rank, shape, x, 2, want, out_rank, out_shape, what);
      }
    }
    counts[op]++;
    free(x);
    free(b);
    free(want);
  }
  free(text);
  cr_assert(counts[0] >= 5 && counts[1] >= 20 && counts[2] >= 20 && counts[3] >= 5 &&
                counts[4] >= 10 && errors >= 10,
            "%s: %d relu, %d add, %d upsample, %d relu backward cases, %d refusals", path,
            counts[0], counts[1], counts[2], counts[3], errors);
  oclnn_act_free(act);
}

/* ---- the bad-input table ---- */

typedef enum bad_call {
  BAD_RELU,
  BAD_ADD,
  BAD_ADD_SHAPE,
  BAD_UPSAMPLE,
  BAD_UPSAMPLE_SHAPE,
  BAD_RELU_BACKWARD,    /* x = a, grad_out = b viewed with a's shape, grad_in = out */
  BAD_UPSAMPLE_BACKWARD /* grad_out = out (2, 3, 8), grad_in = a (2, 3, 4) */
} bad_call;

typedef struct bad_fixture {
  oclnn_context *ctx;
  oclnn_act *act;
  test_guarded ga, gb, go; /* ga holds a / in, gb holds b, go the output */
  oclnn_tensor a, b, out;
  oclnn_upsample_desc desc;
  int null_act, null_a, null_b, null_out, null_desc, null_shape;
  cl_mem extra; /* released at the end */
} bad_fixture;

typedef struct bad_case {
  const char *name;
  bad_call call;
  oclnn_status expect;
  void (*setup)(bad_fixture *f);
} bad_case;

/* Defaults: valid calls. relu/add: a = (2, 3, 4) at offset 1 of ga; b = (3, 1) in gb; out =
 * (2, 3, 4) at offset 2 of go. upsample: in = a viewed as (2, 3, 4) with 1d scale 2, out
 * (2, 3, 8) at offset 2 of go. */
static void set_view(oclnn_tensor *t, int rank, int64_t d0, int64_t d1, int64_t d2, int64_t d3) {
  int64_t dims[4] = {d0, d1, d2, d3};
  t->rank = rank;
  for (int i = 0; i < OCLNN_MAX_RANK; i++)
    t->shape[i] = i < rank && i < 4 ? dims[i] : 0;
}

static void s_null_act(bad_fixture *f) { f->null_act = 1; }
static void s_null_a(bad_fixture *f) { f->null_a = 1; }
static void s_null_b(bad_fixture *f) { f->null_b = 1; }
static void s_null_out(bad_fixture *f) { f->null_out = 1; }
static void s_null_desc(bad_fixture *f) { f->null_desc = 1; }
static void s_null_shape(bad_fixture *f) { f->null_shape = 1; }
static void s_rank0(bad_fixture *f) { f->a.rank = 0; }
static void s_rank6(bad_fixture *f) { f->a.rank = 6; }
static void s_neg_dim(bad_fixture *f) { f->a.shape[1] = -3; }
static void s_out_shape(bad_fixture *f) { f->out.shape[2] = 5; }
static void s_out_rank(bad_fixture *f) { set_view(&f->out, 2, 6, 4, 0, 0); }
static void s_out_overlap(bad_fixture *f) {
  f->out.buffer = f->ga.mem;
  f->out.offset = 3; /* a starts at 1: a partial overlap */
}
static void s_out_b_overlap(bad_fixture *f) {
  f->out.buffer = f->gb.mem;
  f->out.offset = 0; /* b (3 floats at 1) broadcast: out == b's buffer is not in place */
}
static void s_out_bounds(bad_fixture *f) { f->out.offset = 40; }
static void s_a_bounds(bad_fixture *f) { f->a.offset = 1000; }
static void s_null_buffer(bad_fixture *f) { f->out.buffer = NULL; }
static void s_b_no_broadcast(bad_fixture *f) { set_view(&f->b, 2, 2, 1, 0, 0); }
static void s_b_bigger(bad_fixture *f) { set_view(&f->b, 4, 1, 1, 3, 1); }
static void s_b_grows(bad_fixture *f) {
  set_view(&f->a, 3, 2, 1, 4, 0);
  set_view(&f->b, 2, 3, 1, 0, 0);
  set_view(&f->out, 3, 2, 1, 4, 0);
}
static void s_b_neg(bad_fixture *f) { f->b.shape[0] = -1; }
static void s_foreign_ctx(bad_fixture *f) {
  cl_device_id device = oclnn_context_cl_device(f->ctx);
  cl_int err = CL_SUCCESS;
  cl_context other = clCreateContext(NULL, 1, &device, NULL, NULL, &err);
  cr_assert_eq(err, CL_SUCCESS);
  f->extra = clCreateBuffer(other, CL_MEM_READ_WRITE, 4096, NULL, &err);
  cr_assert_eq(err, CL_SUCCESS);
  clReleaseContext(other); /* the buffer keeps it alive */
  f->out.buffer = f->extra;
  f->out.offset = 0;
}
static void s_up_dims0(bad_fixture *f) { f->desc.dims = 0; }
static void s_up_dims4(bad_fixture *f) { f->desc.dims = 4; }
static void s_up_both(bad_fixture *f) { f->desc.size[0] = 8; }
static void s_up_neither(bad_fixture *f) { f->desc.scale_factor[0] = 0.0; }
static void s_up_neg_scale(bad_fixture *f) { f->desc.scale_factor[0] = -2.0; }
static void s_up_nan(bad_fixture *f) { f->desc.scale_factor[0] = NAN; }
static void s_up_inf(bad_fixture *f) { f->desc.scale_factor[0] = INFINITY; }
static void s_up_size_neg(bad_fixture *f) {
  f->desc.scale_factor[0] = 0.0;
  f->desc.size[0] = -4;
}
static void s_up_recompute_size(bad_fixture *f) {
  f->desc.scale_factor[0] = 0.0;
  f->desc.size[0] = 8;
  f->desc.recompute_scale_factor = 1;
}
static void s_up_rank(bad_fixture *f) { set_view(&f->a, 4, 1, 2, 3, 4); }
static void s_up_rank2(bad_fixture *f) { set_view(&f->a, 2, 6, 4, 0, 0); }
static void s_up_empty_c(bad_fixture *f) { f->a.shape[1] = 0; }
static void s_up_empty_w(bad_fixture *f) { f->a.shape[2] = 0; }
static void s_up_zero_out(bad_fixture *f) { f->desc.scale_factor[0] = 0.2; }
static void s_up_huge(bad_fixture *f) { f->desc.scale_factor[0] = 1e10; }
static void s_up_huge_size(bad_fixture *f) {
  f->desc.scale_factor[0] = 0.0;
  f->desc.size[0] = (int64_t)1 << 31;
}
static void s_up_out_shape(bad_fixture *f) { f->out.shape[2] = 9; }
static void s_up_overlap(bad_fixture *f) {
  f->out.buffer = f->ga.mem;
  f->out.offset = 0;
}

static const bad_case BAD[] = {
    {"relu NULL act", BAD_RELU, OCLNN_ERR_NULL_ARGUMENT, s_null_act},
    {"relu NULL in", BAD_RELU, OCLNN_ERR_NULL_ARGUMENT, s_null_a},
    {"relu NULL out", BAD_RELU, OCLNN_ERR_NULL_ARGUMENT, s_null_out},
    {"relu rank 0", BAD_RELU, OCLNN_ERR_INVALID_SHAPE, s_rank0},
    {"relu rank 6", BAD_RELU, OCLNN_ERR_INVALID_SHAPE, s_rank6},
    {"relu negative dim", BAD_RELU, OCLNN_ERR_INVALID_SHAPE, s_neg_dim},
    {"relu out shape", BAD_RELU, OCLNN_ERR_INVALID_SHAPE, s_out_shape},
    {"relu out rank (same count)", BAD_RELU, OCLNN_ERR_INVALID_SHAPE, s_out_rank},
    {"relu partial overlap", BAD_RELU, OCLNN_ERR_ALIASING, s_out_overlap},
    {"relu out past the buffer", BAD_RELU, OCLNN_ERR_OUT_OF_BOUNDS, s_out_bounds},
    {"relu in past the buffer", BAD_RELU, OCLNN_ERR_OUT_OF_BOUNDS, s_a_bounds},
    {"relu NULL buffer", BAD_RELU, OCLNN_ERR_INVALID_BUFFER, s_null_buffer},
    {"relu buffer of another context", BAD_RELU, OCLNN_ERR_INVALID_BUFFER, s_foreign_ctx},
    {"relu backward NULL act", BAD_RELU_BACKWARD, OCLNN_ERR_NULL_ARGUMENT, s_null_act},
    {"relu backward NULL x", BAD_RELU_BACKWARD, OCLNN_ERR_NULL_ARGUMENT, s_null_a},
    {"relu backward NULL grad_out", BAD_RELU_BACKWARD, OCLNN_ERR_NULL_ARGUMENT, s_null_b},
    {"relu backward NULL grad_in", BAD_RELU_BACKWARD, OCLNN_ERR_NULL_ARGUMENT, s_null_out},
    {"relu backward grad_in shape", BAD_RELU_BACKWARD, OCLNN_ERR_INVALID_SHAPE, s_out_shape},
    {"relu backward grad_out shape", BAD_RELU_BACKWARD, OCLNN_ERR_INVALID_SHAPE, s_b_no_broadcast},
    {"relu backward grad_in overlaps x", BAD_RELU_BACKWARD, OCLNN_ERR_ALIASING, s_out_overlap},
    {"relu backward grad_in overlaps grad_out", BAD_RELU_BACKWARD, OCLNN_ERR_ALIASING,
     s_out_b_overlap},
    {"relu backward grad_in past its buffer", BAD_RELU_BACKWARD, OCLNN_ERR_OUT_OF_BOUNDS,
     s_out_bounds},
    {"relu backward rank 6", BAD_RELU_BACKWARD, OCLNN_ERR_INVALID_SHAPE, s_rank6},
    {"upsample backward NULL desc", BAD_UPSAMPLE_BACKWARD, OCLNN_ERR_NULL_ARGUMENT, s_null_desc},
    {"upsample backward NULL grad_in", BAD_UPSAMPLE_BACKWARD, OCLNN_ERR_NULL_ARGUMENT, s_null_a},
    {"upsample backward grad_out shape", BAD_UPSAMPLE_BACKWARD, OCLNN_ERR_INVALID_SHAPE,
     s_up_out_shape},
    {"upsample backward grad_in rank", BAD_UPSAMPLE_BACKWARD, OCLNN_ERR_INVALID_SHAPE, s_up_rank},
    {"upsample backward NaN scale", BAD_UPSAMPLE_BACKWARD, OCLNN_ERR_INVALID_VALUE, s_up_nan},
    {"upsample backward overlap", BAD_UPSAMPLE_BACKWARD, OCLNN_ERR_ALIASING, s_up_overlap},
    {"add NULL act", BAD_ADD, OCLNN_ERR_NULL_ARGUMENT, s_null_act},
    {"add NULL a", BAD_ADD, OCLNN_ERR_NULL_ARGUMENT, s_null_a},
    {"add NULL b", BAD_ADD, OCLNN_ERR_NULL_ARGUMENT, s_null_b},
    {"add NULL out", BAD_ADD, OCLNN_ERR_NULL_ARGUMENT, s_null_out},
    {"add rank 6", BAD_ADD, OCLNN_ERR_INVALID_SHAPE, s_rank6},
    {"add b does not broadcast", BAD_ADD, OCLNN_ERR_INVALID_SHAPE, s_b_no_broadcast},
    {"add b has more dims", BAD_ADD, OCLNN_ERR_INVALID_SHAPE, s_b_bigger},
    {"add would grow a", BAD_ADD, OCLNN_ERR_INVALID_SHAPE, s_b_grows},
    {"add b negative dim", BAD_ADD, OCLNN_ERR_INVALID_SHAPE, s_b_neg},
    {"add out shape", BAD_ADD, OCLNN_ERR_INVALID_SHAPE, s_out_shape},
    {"add out overlaps a", BAD_ADD, OCLNN_ERR_ALIASING, s_out_overlap},
    {"add out on broadcast b", BAD_ADD, OCLNN_ERR_ALIASING, s_out_b_overlap},
    {"add out past the buffer", BAD_ADD, OCLNN_ERR_OUT_OF_BOUNDS, s_out_bounds},
    {"add NULL buffer", BAD_ADD, OCLNN_ERR_INVALID_BUFFER, s_null_buffer},
    {"add_output_shape NULL act", BAD_ADD_SHAPE, OCLNN_ERR_NULL_ARGUMENT, s_null_act},
    {"add_output_shape NULL out_shape", BAD_ADD_SHAPE, OCLNN_ERR_NULL_ARGUMENT, s_null_shape},
    {"add_output_shape rank 0", BAD_ADD_SHAPE, OCLNN_ERR_INVALID_SHAPE, s_rank0},
    {"add_output_shape no broadcast", BAD_ADD_SHAPE, OCLNN_ERR_INVALID_SHAPE, s_b_no_broadcast},
    {"add_output_shape would grow a", BAD_ADD_SHAPE, OCLNN_ERR_INVALID_SHAPE, s_b_grows},
    {"upsample NULL act", BAD_UPSAMPLE, OCLNN_ERR_NULL_ARGUMENT, s_null_act},
    {"upsample NULL desc", BAD_UPSAMPLE, OCLNN_ERR_NULL_ARGUMENT, s_null_desc},
    {"upsample NULL in", BAD_UPSAMPLE, OCLNN_ERR_NULL_ARGUMENT, s_null_a},
    {"upsample NULL out", BAD_UPSAMPLE, OCLNN_ERR_NULL_ARGUMENT, s_null_out},
    {"upsample dims 0", BAD_UPSAMPLE, OCLNN_ERR_INVALID_VALUE, s_up_dims0},
    {"upsample dims 4", BAD_UPSAMPLE, OCLNN_ERR_INVALID_VALUE, s_up_dims4},
    {"upsample size and scale", BAD_UPSAMPLE, OCLNN_ERR_INVALID_VALUE, s_up_both},
    {"upsample neither", BAD_UPSAMPLE, OCLNN_ERR_INVALID_VALUE, s_up_neither},
    {"upsample negative scale", BAD_UPSAMPLE, OCLNN_ERR_INVALID_VALUE, s_up_neg_scale},
    {"upsample NaN scale", BAD_UPSAMPLE, OCLNN_ERR_INVALID_VALUE, s_up_nan},
    {"upsample Inf scale", BAD_UPSAMPLE, OCLNN_ERR_INVALID_VALUE, s_up_inf},
    {"upsample negative size", BAD_UPSAMPLE, OCLNN_ERR_INVALID_VALUE, s_up_size_neg},
    {"upsample recompute with size", BAD_UPSAMPLE, OCLNN_ERR_INVALID_VALUE, s_up_recompute_size},
    {"upsample rank 4 for 1d", BAD_UPSAMPLE, OCLNN_ERR_INVALID_SHAPE, s_up_rank},
    {"upsample rank 2", BAD_UPSAMPLE, OCLNN_ERR_INVALID_SHAPE, s_up_rank2},
    {"upsample C = 0", BAD_UPSAMPLE, OCLNN_ERR_INVALID_SHAPE, s_up_empty_c},
    {"upsample W = 0", BAD_UPSAMPLE, OCLNN_ERR_INVALID_SHAPE, s_up_empty_w},
    {"upsample output 0", BAD_UPSAMPLE, OCLNN_ERR_INVALID_SHAPE, s_up_zero_out},
    {"upsample huge scale", BAD_UPSAMPLE, OCLNN_ERR_OVERFLOW, s_up_huge},
    {"upsample size 2^31", BAD_UPSAMPLE, OCLNN_ERR_OVERFLOW, s_up_huge_size},
    {"upsample out shape", BAD_UPSAMPLE, OCLNN_ERR_INVALID_SHAPE, s_up_out_shape},
    {"upsample out overlaps in", BAD_UPSAMPLE, OCLNN_ERR_ALIASING, s_up_overlap},
    {"upsample out past the buffer", BAD_UPSAMPLE, OCLNN_ERR_OUT_OF_BOUNDS, s_out_bounds},
    {"upsample_output_shape NULL desc", BAD_UPSAMPLE_SHAPE, OCLNN_ERR_NULL_ARGUMENT, s_null_desc},
    {"upsample_output_shape NULL shape", BAD_UPSAMPLE_SHAPE, OCLNN_ERR_NULL_ARGUMENT, s_null_shape},
    {"upsample_output_shape NaN", BAD_UPSAMPLE_SHAPE, OCLNN_ERR_INVALID_VALUE, s_up_nan},
    {"upsample_output_shape rank", BAD_UPSAMPLE_SHAPE, OCLNN_ERR_INVALID_SHAPE, s_up_rank},
    {"upsample_output_shape huge", BAD_UPSAMPLE_SHAPE, OCLNN_ERR_OVERFLOW, s_up_huge},
};

static const char *function_of(bad_call call) {
  switch (call) {
  case BAD_RELU:
    return "oclnn_act_relu";
  case BAD_ADD:
    return "oclnn_act_add";
  case BAD_ADD_SHAPE:
    return "oclnn_act_add_output_shape";
  case BAD_UPSAMPLE:
    return "oclnn_act_upsample";
  case BAD_RELU_BACKWARD:
    return "oclnn_act_relu_backward";
  case BAD_UPSAMPLE_BACKWARD:
    return "oclnn_act_upsample_backward";
  default:
    return "oclnn_act_upsample_output_shape";
  }
}

static void run_bad(oclnn_context *ctx, oclnn_act *act, const bad_case *c) {
  bad_fixture f;
  memset(&f, 0, sizeof f);
  f.ctx = ctx;
  f.act = act;
  float host[64];
  test_fill_random(host, 64, 11);
  f.ga = test_guarded_new(ctx, 1, 60, host);
  f.gb = test_guarded_new(ctx, 1, 30, host + 24);
  f.go = test_guarded_new(ctx, 2, 48, host + 16);
  int up =
      c->call == BAD_UPSAMPLE || c->call == BAD_UPSAMPLE_SHAPE || c->call == BAD_UPSAMPLE_BACKWARD;
  f.a = test_guarded_view(&f.ga, 3, (const int64_t[]){2, 3, 4});
  f.b = c->call == BAD_RELU_BACKWARD ? test_guarded_view(&f.gb, 3, (const int64_t[]){2, 3, 4})
                                     : test_guarded_view(&f.gb, 2, (const int64_t[]){3, 1});
  f.out = up ? test_guarded_view(&f.go, 3, (const int64_t[]){2, 3, 8})
             : test_guarded_view(&f.go, 3, (const int64_t[]){2, 3, 4});
  f.desc = oclnn_upsample_desc_default(1, 2.0);
  c->setup(&f);
  /* Snapshots of every buffer's bytes. */
  test_guarded *bufs[3] = {&f.ga, &f.gb, &f.go};
  float *before[3];
  for (int i = 0; i < 3; i++) {
    before[i] = malloc(bufs[i]->total * sizeof(float));
    cr_assert(before[i]);
    cr_assert_eq(clEnqueueReadBuffer(oclnn_context_cl_queue(ctx), bufs[i]->mem, CL_TRUE, 0,
                                     bufs[i]->total * sizeof(float), before[i], 0, NULL, NULL),
                 CL_SUCCESS);
  }
  oclnn_act *h = f.null_act ? NULL : act;
  const oclnn_tensor *pa = f.null_a ? NULL : &f.a, *pb = f.null_b ? NULL : &f.b,
                     *po = f.null_out ? NULL : &f.out;
  const oclnn_upsample_desc *pd = f.null_desc ? NULL : &f.desc;
  int64_t out_shape[OCLNN_MAX_RANK] = {-7, -7, -7, -7, -7};
  int64_t *ps = f.null_shape ? NULL : out_shape;
  oclnn_status st = OCLNN_SUCCESS;
  switch (c->call) {
  case BAD_RELU:
    st = oclnn_act_relu(h, pa, po);
    break;
  case BAD_ADD:
    st = oclnn_act_add(h, pa, pb, 1, po);
    break;
  case BAD_ADD_SHAPE:
    st = oclnn_act_add_output_shape(h, f.a.rank, f.a.shape, f.b.rank, f.b.shape, ps);
    break;
  case BAD_UPSAMPLE:
    st = oclnn_act_upsample(h, pd, pa, po);
    break;
  case BAD_UPSAMPLE_SHAPE:
    st = oclnn_act_upsample_output_shape(h, pd, f.a.rank, f.a.shape, ps);
    break;
  case BAD_RELU_BACKWARD:
    st = oclnn_act_relu_backward(h, pa, pb, po);
    break;
  case BAD_UPSAMPLE_BACKWARD:
    st = oclnn_act_upsample_backward(h, pd, po, pa);
    break;
  }
  cr_assert_eq(st, c->expect, "%s: got %s, expected %s (%s)", c->name, oclnn_status_string(st),
               oclnn_status_string(c->expect), oclnn_context_error(h ? ctx : NULL));
  const char *msg = oclnn_context_error(h ? ctx : NULL);
  cr_assert(strstr(msg, function_of(c->call)), "%s: message '%s' does not name %s", c->name, msg,
            function_of(c->call));
  for (int i = 0; i < OCLNN_MAX_RANK; i++)
    cr_assert_eq(out_shape[i], -7, "%s: out_shape written on error", c->name);
  TEST_OK(ctx, oclnn_context_finish(ctx));
  for (int i = 0; i < 3; i++) {
    float *after = malloc(bufs[i]->total * sizeof(float));
    cr_assert(after);
    cr_assert_eq(clEnqueueReadBuffer(oclnn_context_cl_queue(ctx), bufs[i]->mem, CL_TRUE, 0,
                                     bufs[i]->total * sizeof(float), after, 0, NULL, NULL),
                 CL_SUCCESS);
    cr_assert(!memcmp(after, before[i], bufs[i]->total * sizeof(float)),
              "%s: buffer %d changed on error", c->name, i);
    free(after);
    free(before[i]);
    test_guarded_free(bufs[i]);
  }
  if (f.extra)
    clReleaseMemObject(f.extra);
}

Test(act, invalid_input_table) {
  oclnn_context *ctx = test_context();
  oclnn_act *act = act_new(ctx);
  for (size_t i = 0; i < sizeof BAD / sizeof BAD[0]; i++)
    run_bad(ctx, act, &BAD[i]);
  oclnn_act_free(act);
}

/* The same valid calls the table starts from succeed (so each row fails for its own reason),
 * and the in-place forms the header allows are accepted. */
Test(act, table_baseline_and_api) {
  oclnn_context *ctx = test_context();
  oclnn_act *act = act_new(ctx);
  float host[64];
  test_fill_random(host, 64, 11);
  test_guarded ga = test_guarded_new(ctx, 1, 24, host),
               gb = test_guarded_new(ctx, 1, 30, host + 24),
               go = test_guarded_new(ctx, 2, 48, NULL);
  oclnn_tensor a = test_guarded_view(&ga, 3, (const int64_t[]){2, 3, 4});
  oclnn_tensor b = test_guarded_view(&gb, 2, (const int64_t[]){3, 1});
  oclnn_tensor out = test_guarded_view(&go, 3, (const int64_t[]){2, 3, 4});
  oclnn_tensor up_out = test_guarded_view(&go, 3, (const int64_t[]){2, 3, 8});
  oclnn_upsample_desc desc = oclnn_upsample_desc_default(1, 2.0);
  TEST_OK(ctx, oclnn_act_relu(act, &a, &out));
  TEST_OK(ctx, oclnn_act_add(act, &a, &b, 1, &out));
  TEST_OK(ctx, oclnn_act_upsample(act, &desc, &a, &up_out));
  oclnn_tensor g = test_guarded_view(&gb, 3, (const int64_t[]){2, 3, 4}); /* gb holds 30 floats */
  TEST_OK(ctx, oclnn_act_relu_backward(act, &a, &g, &out));
  int64_t shape[OCLNN_MAX_RANK];
  TEST_OK(ctx, oclnn_act_add_output_shape(act, a.rank, a.shape, b.rank, b.shape, shape));
  cr_assert(shape[0] == 2 && shape[1] == 3 && shape[2] == 4);
  TEST_OK(ctx, oclnn_act_upsample_output_shape(act, &desc, a.rank, a.shape, shape));
  cr_assert(shape[0] == 2 && shape[1] == 3 && shape[2] == 8);
  /* Empty tensors are fine for relu and add (nothing to do). */
  oclnn_tensor empty = test_guarded_view(&go, 2, (const int64_t[]){0, 5});
  TEST_OK(ctx, oclnn_act_relu(act, &empty, &empty));
  oclnn_tensor b1 = test_guarded_view(&gb, 1, (const int64_t[]){1});
  TEST_OK(ctx, oclnn_act_add(act, &empty, &b1, 0, &empty));
  TEST_OK(ctx, oclnn_context_finish(ctx));
  /* create / free */
  oclnn_act *none = (oclnn_act *)&ga;
  cr_assert_eq(oclnn_act_create(NULL, &none), OCLNN_ERR_NULL_ARGUMENT);
  cr_assert_eq(oclnn_act_create(ctx, NULL), OCLNN_ERR_NULL_ARGUMENT);
  oclnn_act_free(NULL);
  oclnn_upsample_desc d3 = oclnn_upsample_desc_default(3, 1.5),
                      bad = oclnn_upsample_desc_default(7, 2.0);
  cr_assert(d3.dims == 3 && d3.scale_factor[2] == 1.5 && d3.size[0] == 0);
  cr_assert(bad.scale_factor[0] == 0.0);
  test_guarded_free(&ga);
  test_guarded_free(&gb);
  test_guarded_free(&go);
  oclnn_act_free(act);
}
