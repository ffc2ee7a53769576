/* What a training loop needs besides the layers' backwards (include/oclnn/act.h): Add's
 * gradient for b, the MSE loss with its gradient, and the SGD step. Checked against a double
 * reference over a sweep of broadcast shapes, against torch on the cases of
 * tests/data/act_train_cases.txt (tools/gen_act_train_cases.py), and with a bad-input table.
 * Every output sits between sentinel floats that must survive; on error every buffer must come
 * back unchanged. */
#include "test_support.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static uint64_t rng_next(uint64_t *s) {
  *s ^= *s << 13;
  *s ^= *s >> 7;
  *s ^= *s << 17;
  return *s;
}

static int pick(uint64_t *s, int bound) { return (int)(rng_next(s) % (uint64_t)bound); }

static oclnn_act *act_new(oclnn_context *ctx) {
  oclnn_act *act = NULL;
  TEST_OK(ctx, oclnn_act_create(ctx, &act));
  cr_assert(act);
  return act;
}

/* grad_b of Add in double: every grad_out element added to the b element it was broadcast
 * from. */
static void ref_add_backward(int rank_a, const int64_t *shape_a, const float *g, int rank_b,
                             const int64_t *shape_b, double *grad_b) {
  size_t na = test_numel(rank_a, shape_a), nb = test_numel(rank_b, shape_b);
  for (size_t j = 0; j < nb; j++)
    grad_b[j] = 0.0;
  for (size_t i = 0; i < na; i++) {
    size_t rest = i, bi = 0, bstride = 1;
    for (int d = rank_a - 1; d >= 0; d--) {
      size_t coord = rest % (size_t)shape_a[d];
      rest /= (size_t)shape_a[d];
      int db = d - (rank_a - rank_b);
      if (db >= 0) {
        if (shape_b[db] != 1)
          bi += coord * bstride;
        bstride *= (size_t)shape_b[db];
      }
    }
    grad_b[bi] += g[i];
  }
}

static void run_add_backward(oclnn_context *ctx, oclnn_act *act, int rank_a, const int64_t *sa,
                             const float *g, int rank_b, const int64_t *sb, const double *want,
                             double atol, double rtol, const char *what) {
  size_t na = test_numel(rank_a, sa), nb = test_numel(rank_b, sb);
  test_guarded gg = test_guarded_new(ctx, 3, na, g), gb = test_guarded_new(ctx, 1, nb, NULL);
  oclnn_tensor tg = test_guarded_view(&gg, rank_a, sa), tb = test_guarded_view(&gb, rank_b, sb);
  TEST_OK(ctx, oclnn_act_add_backward(act, &tg, &tb));
  float *got = test_guarded_read(ctx, &gb, what);
  test_assert_close(what, got, want, nb, atol, rtol);
  float *back = test_guarded_read(ctx, &gg, what);
  cr_assert(!memcmp(back, g, na * sizeof *g), "%s: grad_out changed", what);
  free(got);
  free(back);
  test_guarded_free(&gg);
  test_guarded_free(&gb);
}

Test(act_train, add_backward_sweep) {
  oclnn_context *ctx = test_context();
  oclnn_act *act = act_new(ctx);
  uint64_t s = 0x9e3779b97f4a7c15u;
  for (int c = 0; c < 150; c++) {
    int rank_a = 1 + c % OCLNN_MAX_RANK;
    int64_t sa[OCLNN_MAX_RANK], sb[OCLNN_MAX_RANK];
    for (int i = 0; i < rank_a; i++)
      sa[i] = c % 29 == 0 && i == 0 ? 0 : 1 + pick(&s, rank_a > 3 ? 6 : 40);
    if (c == 7) /* one long row: the innermost sum over 64k elements */
      sa[rank_a - 1] = 65536;
    int rank_b = 1 + pick(&s, rank_a);
    int style = pick(&s, 5);
    for (int i = 0; i < rank_b; i++) {
      int64_t da = sa[rank_a - rank_b + i];
      sb[i] = style == 0 ? da : style == 1 ? 1 : (pick(&s, 2) ? da : 1);
    }
    size_t na = test_numel(rank_a, sa), nb = test_numel(rank_b, sb);
    float *g = malloc((na ? na : 1) * sizeof *g);
    double *want = malloc((nb ? nb : 1) * sizeof *want);
    cr_assert(g && want);
    test_fill_random(g, na, 900 + (uint64_t)c);
    ref_add_backward(rank_a, sa, g, rank_b, sb, want);
    /* |g| <= 1: a sum of n terms is off by at most about n * 2^-24 * n / 2 in the worst
     * order; the kernel's split sums stay far below that. A wrong index is off by O(1). */
    double reduced = nb ? (double)na / (double)nb : 0.0;
    char what[160];
    snprintf(what, sizeof what, "add_backward case %d (a rank %d, %zu elements; b rank %d, %zu)", c,
             rank_a, na, rank_b, nb);
    run_add_backward(ctx, act, rank_a, sa, g, rank_b, sb, want, 1e-6 + 1e-6 * reduced, 1e-5, what);
    free(g);
    free(want);
  }
  oclnn_act_free(act);
}

/* ---- torch cases ---- */

static int64_t next_int(test_parser *ps) {
  char word[64];
  cr_assert(test_next_word(ps, word, sizeof word), "%s:%d: ends early", ps->path, ps->line);
  return strtoll(word, NULL, 10);
}

static double next_double(test_parser *ps) {
  char word[64];
  cr_assert(test_next_word(ps, word, sizeof word), "%s:%d: ends early", ps->path, ps->line);
  return strtod(word, NULL); /* also reads nan, inf and -inf */
}

static float *read_tensor(test_parser *ps, const char *tag, int *rank, int64_t *shape) {
  char word[64];
  cr_assert(test_next_word(ps, word, sizeof word) && !strcmp(word, tag), "%s:%d: expected %s",
            ps->path, ps->line, tag);
  *rank = (int)next_int(ps);
  cr_assert(*rank >= 1 && *rank <= OCLNN_MAX_RANK);
  for (int i = 0; i < *rank; i++)
    shape[i] = next_int(ps);
  size_t n = test_numel(*rank, shape);
  float *v = malloc((n ? n : 1) * sizeof *v);
  cr_assert(v);
  for (size_t i = 0; i < n; i++)
    v[i] = (float)next_double(ps);
  return v;
}

static double *widen(const float *v, size_t n) {
  double *d = malloc((n ? n : 1) * sizeof *d);
  cr_assert(d);
  for (size_t i = 0; i < n; i++)
    d[i] = v[i];
  return d;
}

static void torch_add_backward(oclnn_context *ctx, oclnn_act *act, test_parser *ps,
                               const char *what) {
  int rank_a = 0, rank_b = 0, rank_o = 0;
  int64_t sa[OCLNN_MAX_RANK], sb[OCLNN_MAX_RANK], so[OCLNN_MAX_RANK];
  float *g = read_tensor(ps, "g", &rank_a, sa), *b = read_tensor(ps, "b", &rank_b, sb);
  float *want = read_tensor(ps, "out", &rank_o, so);
  cr_assert(rank_o == rank_b && !memcmp(so, sb, (size_t)rank_b * sizeof *sb), "%s", what);
  size_t nb = test_numel(rank_b, sb);
  double *ref = malloc((nb ? nb : 1) * sizeof *ref), *w = widen(want, nb);
  cr_assert(ref);
  ref_add_backward(rank_a, sa, g, rank_b, sb, ref);
  char label[200];
  snprintf(label, sizeof label, "%s: double reference vs torch", what);
  float *ref_f = malloc((nb ? nb : 1) * sizeof *ref_f);
  cr_assert(ref_f);
  for (size_t i = 0; i < nb; i++)
    ref_f[i] = (float)ref[i];
  test_assert_close(label, ref_f, w, nb, 1e-5, 1e-5);
  run_add_backward(ctx, act, rank_a, sa, g, rank_b, sb, w, 1e-5, 1e-5, what);
  free(g);
  free(b);
  free(want);
  free(ref);
  free(ref_f);
  free(w);
}

static void torch_mse(oclnn_context *ctx, oclnn_act *act, test_parser *ps, const char *what) {
  int rank = 0, rank_t = 0, rank_o = 0;
  int64_t shape[OCLNN_MAX_RANK], st[OCLNN_MAX_RANK], so[OCLNN_MAX_RANK];
  float *x = read_tensor(ps, "in", &rank, shape), *t = read_tensor(ps, "target", &rank_t, st);
  char word[32];
  cr_assert(test_next_word(ps, word, sizeof word) && !strcmp(word, "loss"), "%s", what);
  double want_loss = next_double(ps);
  float *want = read_tensor(ps, "out", &rank_o, so);
  size_t n = test_numel(rank, shape);
  test_guarded gx = test_guarded_new(ctx, 1, n, x), gt = test_guarded_new(ctx, 2, n, t);
  test_guarded gl = test_guarded_new(ctx, 3, 1, NULL), gg = test_guarded_new(ctx, 0, n, NULL);
  oclnn_tensor tx = test_guarded_view(&gx, rank, shape), tt = test_guarded_view(&gt, rank, shape);
  oclnn_tensor tg = test_guarded_view(&gg, rank, shape);
  oclnn_tensor tl = test_guarded_view(&gl, 1, (const int64_t[]){1});
  TEST_OK(ctx, oclnn_act_mse_loss(act, &tx, &tt, &tl, &tg));
  float *loss = test_guarded_read(ctx, &gl, what), *grad = test_guarded_read(ctx, &gg, what);
  char label[200];
  snprintf(label, sizeof label, "%s: loss", what);
  test_assert_close(label, loss, &want_loss, 1, 0.0, 2e-6);
  double *w = widen(want, n);
  snprintf(label, sizeof label, "%s: grad_input", what);
  test_assert_close(label, grad, w, n, 0.0, 0.0); /* one subtraction and one product: exact */
  free(loss);
  free(grad);
  /* Each output alone. */
  test_guarded_free(&gl);
  gl = test_guarded_new(ctx, 0, 1, NULL);
  tl = test_guarded_view(&gl, 2, (const int64_t[]){1, 1});
  TEST_OK(ctx, oclnn_act_mse_loss(act, &tx, &tt, &tl, NULL));
  loss = test_guarded_read(ctx, &gl, what);
  test_assert_close(label, loss, &want_loss, 1, 0.0, 2e-6);
  free(loss);
  test_guarded_free(&gg);
  gg = test_guarded_new(ctx, 5, n, NULL);
  tg = test_guarded_view(&gg, rank, shape);
  TEST_OK(ctx, oclnn_act_mse_loss(act, &tx, &tt, NULL, &tg));
  grad = test_guarded_read(ctx, &gg, what);
  test_assert_close(label, grad, w, n, 0.0, 0.0);
  free(grad);
  free(w);
  test_guarded_free(&gx);
  test_guarded_free(&gt);
  test_guarded_free(&gl);
  test_guarded_free(&gg);
  free(x);
  free(t);
  free(want);
}

static void torch_sgd(oclnn_context *ctx, oclnn_act *act, test_parser *ps, const char *what) {
  oclnn_sgd_desc desc = oclnn_sgd_desc_default(next_double(ps));
  desc.momentum = next_double(ps);
  desc.dampening = next_double(ps);
  desc.weight_decay = next_double(ps);
  desc.nesterov = (int)next_int(ps);
  desc.maximize = (int)next_int(ps);
  int steps = (int)next_int(ps);
  cr_assert(steps >= 1 && steps <= 16);
  int rank = 0, r = 0;
  int64_t shape[OCLNN_MAX_RANK], s2[OCLNN_MAX_RANK];
  float *p = read_tensor(ps, "param", &rank, shape);
  float *grads[16], *wants[16];
  for (int i = 0; i < steps; i++)
    grads[i] = read_tensor(ps, "grad", &r, s2);
  for (int i = 0; i < steps; i++)
    wants[i] = read_tensor(ps, "out", &r, s2);
  size_t n = test_numel(rank, shape);
  test_guarded gp = test_guarded_new(ctx, 1, n, p), gbuf = test_guarded_new(ctx, 2, n, NULL);
  oclnn_tensor tp = test_guarded_view(&gp, rank, shape), tb = test_guarded_view(&gbuf, rank, shape);
  for (int i = 0; i < steps; i++) {
    test_guarded gg = test_guarded_new(ctx, 0, n, grads[i]);
    oclnn_tensor tg = test_guarded_view(&gg, rank, shape);
    TEST_OK(ctx,
            oclnn_act_sgd_step(act, &desc, i + 1, &tp, &tg, desc.momentum != 0.0 ? &tb : NULL));
    float *got = test_guarded_read(ctx, &gp, what);
    double *w = widen(wants[i], n);
    char label[200];
    snprintf(label, sizeof label, "%s: param after step %d", what, i + 1);
    /* torch's fp32 operations in its order; a contracted multiply-add may differ by an ulp. */
    test_assert_close(label, got, w, n, 1e-7, 1e-6);
    float *back = test_guarded_read(ctx, &gg, what);
    cr_assert(!memcmp(back, grads[i], n * sizeof *back), "%s: grad changed", label);
    free(back);
    free(got);
    free(w);
    test_guarded_free(&gg);
  }
  if (desc.momentum == 0.0) { /* the buffer was never given, so never written */
    float *untouched = test_guarded_read(ctx, &gbuf, what);
    for (size_t i = 0; i < n; i++)
      cr_assert(test_is_sentinel(untouched[i]), "%s: unused buffer written", what);
    free(untouched);
  }
  test_guarded_free(&gp);
  test_guarded_free(&gbuf);
  for (int i = 0; i < steps; i++) {
    free(grads[i]);
    free(wants[i]);
  }
  free(p);
}

Test(act_train, torch_cases) {
  oclnn_context *ctx = test_context();
  oclnn_act *act = act_new(ctx);
  char path[4096];
  const char *dir = getenv("OCLNN_TEST_DATA");
  snprintf(path, sizeof path, "%s/act_train_cases.txt",
           dir && *dir ? dir : OCLNN_SOURCE_DIR "/tests/data");
  char *text = test_read_file(path, NULL);
  cr_assert(text, "cannot read %s (written by tools/gen_act_train_cases.py)", path);
  test_parser ps = {text, 1, path};
  char word[96], name[96], kind[32];
  int adds = 0, mses = 0, sgds = 0;
  while (test_next_word(&ps, word, sizeof word)) {
    cr_assert_str_eq(word, "case", "%s:%d", path, ps.line);
    cr_assert(test_next_word(&ps, name, sizeof name) && test_next_word(&ps, kind, sizeof kind));
    char what[160];
    snprintf(what, sizeof what, "torch case %.90s (act_train_cases.txt:%d)", name, ps.line);
    if (!strcmp(kind, "add_backward")) {
      torch_add_backward(ctx, act, &ps, what);
      adds++;
    } else if (!strcmp(kind, "mse")) {
      torch_mse(ctx, act, &ps, what);
      mses++;
    } else {
      cr_assert_str_eq(kind, "sgd", "%s", what);
      torch_sgd(ctx, act, &ps, what);
      sgds++;
    }
  }
  free(text);
  cr_assert(adds >= 15 && mses >= 7 && sgds >= 6, "%s: %d add_backward, %d mse, %d sgd cases", path,
            adds, mses, sgds);
  oclnn_act_free(act);
}

/* Empty tensors: a sum over nothing is 0, the mean of nothing NaN (torch's 0 / 0). */
Test(act_train, empty) {
  oclnn_context *ctx = test_context();
  oclnn_act *act = act_new(ctx);
  test_guarded gg = test_guarded_new(ctx, 0, 1, NULL), gb = test_guarded_new(ctx, 1, 3, NULL);
  oclnn_tensor tg = test_guarded_view(&gg, 2, (const int64_t[]){0, 3});
  oclnn_tensor tb = test_guarded_view(&gb, 1, (const int64_t[]){3});
  TEST_OK(ctx, oclnn_act_add_backward(act, &tg, &tb));
  float *got = test_guarded_read(ctx, &gb, "empty add_backward");
  for (int i = 0; i < 3; i++)
    cr_assert(got[i] == 0.0f, "grad_b[%d] = %g over an empty grad_out", i, (double)got[i]);
  free(got);
  test_guarded gl = test_guarded_new(ctx, 2, 1, NULL);
  oclnn_tensor tl = test_guarded_view(&gl, 1, (const int64_t[]){1});
  TEST_OK(ctx, oclnn_act_mse_loss(act, &tg, &tg, &tl, NULL));
  got = test_guarded_read(ctx, &gl, "empty mse");
  cr_assert(isnan(got[0]), "mse of nothing is %g, torch gives nan", (double)got[0]);
  free(got);
  oclnn_sgd_desc desc = oclnn_sgd_desc_default(0.1);
  oclnn_tensor empty_grad = test_guarded_view(&gl, 2, (const int64_t[]){0, 3});
  TEST_OK(ctx, oclnn_act_sgd_step(act, &desc, 1, &tg, &empty_grad, NULL));
  got = test_guarded_read(ctx, &gg, "empty sgd");
  cr_assert(test_is_sentinel(got[0]), "an empty sgd step wrote");
  free(got);
  test_guarded_free(&gg);
  test_guarded_free(&gb);
  test_guarded_free(&gl);
  oclnn_act_free(act);
}

/* ---- the bad-input table ---- */

typedef enum bad_call { BAD_ADD_BACKWARD, BAD_MSE, BAD_SGD } bad_call;

/* Defaults, all valid: ga holds (2, 3, 4) at offset 1 (grad_out / input / param), gb (3, 1) at
 * offset 1 (grad_b) or (2, 3, 4) (target / grad), gc (2, 3, 4) at offset 2 (grad_input /
 * momentum buffer), gl one float (loss). */
typedef struct bad_fixture {
  test_guarded ga, gb, gc, gl;
  oclnn_tensor a, b, c, loss;
  oclnn_sgd_desc desc;
  int64_t step;
  int null_act, null_a, null_b, null_c, null_loss, null_desc;
} bad_fixture;

typedef struct bad_case {
  const char *name;
  bad_call call;
  oclnn_status expect;
  void (*setup)(bad_fixture *f);
} bad_case;

static void s_none(bad_fixture *f) { (void)f; }
static void s_null_act(bad_fixture *f) { f->null_act = 1; }
static void s_null_a(bad_fixture *f) { f->null_a = 1; }
static void s_null_b(bad_fixture *f) { f->null_b = 1; }
static void s_null_c(bad_fixture *f) { f->null_c = 1; }
static void s_null_outputs(bad_fixture *f) { f->null_c = f->null_loss = 1; }
static void s_null_desc(bad_fixture *f) { f->null_desc = 1; }
static void s_b_no_broadcast(bad_fixture *f) { f->b.shape[0] = 2; }
static void s_b_grows(bad_fixture *f) { f->a.shape[1] = 1; }
static void s_b_rank6(bad_fixture *f) { f->b.rank = 6; }
static void s_b_overlaps_a(bad_fixture *f) {
  f->b = oclnn_tensor_view(f->ga.mem, 0, 2, f->b.shape);
}
static void s_b_past(bad_fixture *f) { f->b.offset = 60; }
static void s_b_null_buffer(bad_fixture *f) { f->b.buffer = NULL; }
static void s_target_shape(bad_fixture *f) { f->b.shape[2] = 5; }
static void s_grad_in_shape(bad_fixture *f) { f->c.shape[0] = 1; }
static void s_loss_two(bad_fixture *f) { f->loss.shape[0] = 2; }
static void s_loss_on_input(bad_fixture *f) {
  f->loss = oclnn_tensor_view(f->ga.mem, 3, 1, f->loss.shape);
}
static void s_grad_on_target(bad_fixture *f) {
  f->c = oclnn_tensor_view(f->gb.mem, 1, 3, f->c.shape);
}
static void s_lr_negative(bad_fixture *f) { f->desc.lr = -0.1; }
static void s_momentum_negative(bad_fixture *f) { f->desc.momentum = -0.5; }
static void s_decay_negative(bad_fixture *f) { f->desc.weight_decay = -1e-3; }
static void s_nesterov_no_momentum(bad_fixture *f) {
  f->desc.nesterov = 1;
  f->desc.momentum = 0.0;
  f->null_c = 1;
}
static void s_nesterov_dampening(bad_fixture *f) {
  f->desc.nesterov = 1;
  f->desc.dampening = 0.1;
}
static void s_step0(bad_fixture *f) { f->step = 0; }
static void s_buffer_without_momentum(bad_fixture *f) { f->desc.momentum = 0.0; }
static void s_grad_shape(bad_fixture *f) { f->b.shape[1] = 4; }
static void s_buffer_shape(bad_fixture *f) { f->c.shape[2] = 3; }
static void s_buffer_on_param(bad_fixture *f) {
  f->c = oclnn_tensor_view(f->ga.mem, 2, 3, f->c.shape);
}
static void s_grad_on_param(bad_fixture *f) {
  f->b = oclnn_tensor_view(f->ga.mem, 1, 3, f->b.shape);
}

static const bad_case BAD[] = {
    {"add_backward baseline", BAD_ADD_BACKWARD, OCLNN_SUCCESS, s_none},
    {"add_backward NULL act", BAD_ADD_BACKWARD, OCLNN_ERR_NULL_ARGUMENT, s_null_act},
    {"add_backward NULL grad_out", BAD_ADD_BACKWARD, OCLNN_ERR_NULL_ARGUMENT, s_null_a},
    {"add_backward NULL grad_b", BAD_ADD_BACKWARD, OCLNN_ERR_NULL_ARGUMENT, s_null_b},
    {"add_backward b does not broadcast", BAD_ADD_BACKWARD, OCLNN_ERR_INVALID_SHAPE,
     s_b_no_broadcast},
    {"add_backward b larger than grad_out", BAD_ADD_BACKWARD, OCLNN_ERR_INVALID_SHAPE, s_b_grows},
    {"add_backward grad_b rank 6", BAD_ADD_BACKWARD, OCLNN_ERR_INVALID_SHAPE, s_b_rank6},
    {"add_backward grad_b overlaps grad_out", BAD_ADD_BACKWARD, OCLNN_ERR_ALIASING, s_b_overlaps_a},
    {"add_backward grad_b past its buffer", BAD_ADD_BACKWARD, OCLNN_ERR_OUT_OF_BOUNDS, s_b_past},
    {"add_backward NULL buffer", BAD_ADD_BACKWARD, OCLNN_ERR_INVALID_BUFFER, s_b_null_buffer},
    {"mse baseline", BAD_MSE, OCLNN_SUCCESS, s_none},
    {"mse NULL act", BAD_MSE, OCLNN_ERR_NULL_ARGUMENT, s_null_act},
    {"mse NULL input", BAD_MSE, OCLNN_ERR_NULL_ARGUMENT, s_null_a},
    {"mse NULL target", BAD_MSE, OCLNN_ERR_NULL_ARGUMENT, s_null_b},
    {"mse no outputs", BAD_MSE, OCLNN_ERR_NULL_ARGUMENT, s_null_outputs},
    {"mse target shape", BAD_MSE, OCLNN_ERR_INVALID_SHAPE, s_target_shape},
    {"mse grad_input shape", BAD_MSE, OCLNN_ERR_INVALID_SHAPE, s_grad_in_shape},
    {"mse loss of two elements", BAD_MSE, OCLNN_ERR_INVALID_SHAPE, s_loss_two},
    {"mse loss overlaps input", BAD_MSE, OCLNN_ERR_ALIASING, s_loss_on_input},
    {"mse grad_input overlaps target", BAD_MSE, OCLNN_ERR_ALIASING, s_grad_on_target},
    {"sgd baseline", BAD_SGD, OCLNN_SUCCESS, s_none},
    {"sgd NULL act", BAD_SGD, OCLNN_ERR_NULL_ARGUMENT, s_null_act},
    {"sgd NULL desc", BAD_SGD, OCLNN_ERR_NULL_ARGUMENT, s_null_desc},
    {"sgd NULL param", BAD_SGD, OCLNN_ERR_NULL_ARGUMENT, s_null_a},
    {"sgd NULL grad", BAD_SGD, OCLNN_ERR_NULL_ARGUMENT, s_null_b},
    {"sgd NULL buffer with momentum", BAD_SGD, OCLNN_ERR_NULL_ARGUMENT, s_null_c},
    {"sgd negative lr", BAD_SGD, OCLNN_ERR_INVALID_VALUE, s_lr_negative},
    {"sgd negative momentum", BAD_SGD, OCLNN_ERR_INVALID_VALUE, s_momentum_negative},
    {"sgd negative weight_decay", BAD_SGD, OCLNN_ERR_INVALID_VALUE, s_decay_negative},
    {"sgd nesterov without momentum", BAD_SGD, OCLNN_ERR_INVALID_VALUE, s_nesterov_no_momentum},
    {"sgd nesterov with dampening", BAD_SGD, OCLNN_ERR_INVALID_VALUE, s_nesterov_dampening},
    {"sgd step 0", BAD_SGD, OCLNN_ERR_INVALID_VALUE, s_step0},
    {"sgd buffer without momentum", BAD_SGD, OCLNN_ERR_INVALID_VALUE, s_buffer_without_momentum},
    {"sgd grad shape", BAD_SGD, OCLNN_ERR_INVALID_SHAPE, s_grad_shape},
    {"sgd buffer shape", BAD_SGD, OCLNN_ERR_INVALID_SHAPE, s_buffer_shape},
    {"sgd buffer overlaps param", BAD_SGD, OCLNN_ERR_ALIASING, s_buffer_on_param},
    {"sgd grad overlaps param", BAD_SGD, OCLNN_ERR_ALIASING, s_grad_on_param},
};

static const char *function_of(bad_call call) {
  return call == BAD_ADD_BACKWARD ? "oclnn_act_add_backward"
         : call == BAD_MSE        ? "oclnn_act_mse_loss"
                                  : "oclnn_act_sgd_step";
}

static float *snapshot(oclnn_context *ctx, const test_guarded *g) {
  float *all = malloc(g->total * sizeof *all);
  cr_assert(all);
  cr_assert_eq(clEnqueueReadBuffer(oclnn_context_cl_queue(ctx), g->mem, CL_TRUE, 0,
                                   g->total * sizeof *all, all, 0, NULL, NULL),
               CL_SUCCESS);
  return all;
}

static void run_bad(oclnn_context *ctx, oclnn_act *act, const bad_case *c) {
  bad_fixture f;
  memset(&f, 0, sizeof f);
  float host[64];
  test_fill_random(host, 64, 21);
  const int64_t full[3] = {2, 3, 4};
  f.ga = test_guarded_new(ctx, 1, 30, host);
  f.gb = test_guarded_new(ctx, 1, 30, host + 30);
  f.gc = test_guarded_new(ctx, 2, 24, host + 10);
  f.gl = test_guarded_new(ctx, 0, 1, host + 5);
  f.a = test_guarded_view(&f.ga, 3, full);
  f.b = c->call == BAD_ADD_BACKWARD ? test_guarded_view(&f.gb, 2, (const int64_t[]){3, 1})
                                    : test_guarded_view(&f.gb, 3, full);
  f.c = test_guarded_view(&f.gc, 3, full);
  f.loss = test_guarded_view(&f.gl, 1, (const int64_t[]){1});
  f.desc = oclnn_sgd_desc_default(0.1);
  f.desc.momentum = 0.9;
  f.step = 2;
  c->setup(&f);
  test_guarded *bufs[4] = {&f.ga, &f.gb, &f.gc, &f.gl};
  float *before[4];
  for (int i = 0; i < 4; i++)
    before[i] = snapshot(ctx, bufs[i]);
  oclnn_act *h = f.null_act ? NULL : act;
  const oclnn_tensor *pa = f.null_a ? NULL : &f.a, *pb = f.null_b ? NULL : &f.b,
                     *pc = f.null_c ? NULL : &f.c, *pl = f.null_loss ? NULL : &f.loss;
  oclnn_status st = OCLNN_SUCCESS;
  switch (c->call) {
  case BAD_ADD_BACKWARD:
    st = oclnn_act_add_backward(h, pa, pb);
    break;
  case BAD_MSE:
    st = oclnn_act_mse_loss(h, pa, pb, pl, pc);
    break;
  case BAD_SGD:
    st = oclnn_act_sgd_step(h, f.null_desc ? NULL : &f.desc, f.step, pa, pb, pc);
    break;
  }
  cr_assert_eq(st, c->expect, "%s: got %s, expected %s (%s)", c->name, oclnn_status_string(st),
               oclnn_status_string(c->expect), oclnn_context_error(h ? ctx : NULL));
  TEST_OK(ctx, oclnn_context_finish(ctx));
  if (c->expect != OCLNN_SUCCESS) {
    const char *msg = oclnn_context_error(h ? ctx : NULL);
    cr_assert(strstr(msg, function_of(c->call)), "%s: message '%s' does not name %s", c->name, msg,
              function_of(c->call));
  }
  for (int i = 0; i < 4; i++) {
    float *after = snapshot(ctx, bufs[i]);
    if (c->expect != OCLNN_SUCCESS)
      cr_assert(!memcmp(after, before[i], bufs[i]->total * sizeof(float)),
                "%s: buffer %d changed on error", c->name, i);
    free(after);
    free(before[i]);
    test_guarded_free(bufs[i]);
  }
}

Test(act_train, invalid_input_table) {
  oclnn_context *ctx = test_context();
  oclnn_act *act = act_new(ctx);
  for (size_t i = 0; i < sizeof BAD / sizeof BAD[0]; i++)
    run_bad(ctx, act, &BAD[i]);
  oclnn_sgd_desc d = oclnn_sgd_desc_default(0.25);
  cr_assert(d.lr == 0.25 && d.momentum == 0.0 && d.dampening == 0.0 && d.weight_decay == 0.0 &&
            !d.nesterov && !d.maximize);
  oclnn_act_free(act);
}
