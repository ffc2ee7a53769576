/* SwitchableNorm training (issue 8): oclnn_switchable_norm_forward_save and
 * oclnn_switchable_norm_backward (gradients of in, weight, bias and both logit vectors).
 *
 *  - reference: the authors' module in double (written here from its code, as quoted in
 *    tools/gen_norm_cases.py), and its gradient by the chain rule through that graph, checked
 *    against central finite differences of the double forward for every input and parameter;
 *  - sweep: dims 1 to 3, training and eval, with and without using_bn, against the reference;
 *  - torch: tests/data/sn_grad_cases.txt (tools/gen_sn_grad_cases.py, torch.autograd);
 *  - the saved statistics against the reference's; invalid input: exact statuses, outputs
 *    untouched.
 *
 * Tolerance: |got - want| <= 1e-4 * scale + 1e-5 |want|. The gradients are sums that cancel
 * (g against its mean, two equal mixed statistics), so fp32 errors scale with the terms, not the
 * result: scale is the sum of the terms' magnitudes for the parameter gradients, and the
 * tensor's largest |want| for grad_in and the saved statistics. */
#include "norm_reference.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define RTOL_MAX 1e-4
#define RTOL 1e-5

typedef struct sn_case {
  int dims, training, using_bn;
  int64_t shape[5];
  double eps;
} sn_case;

static int sn_rank(const sn_case *c) { return c->dims + 2; }
static size_t sn_spatial(const sn_case *c) {
  size_t s = 1;
  for (int i = 2; i < sn_rank(c); i++)
    s *= (size_t)c->shape[i];
  return s;
}

/* Parameters and data in double: x (N C S), w, b (C), logits (k), running (C, using_bn). */
typedef struct sn_data {
  double *x, *w, *b, mw[3], vw[3], *rm, *rv;
} sn_data;

/* Statistics as the module computes them (saved layout of norm.h). */
typedef struct sn_stats {
  double *mean_in, *var_in, *mean_ln, *var_ln, *mean_bn, *var_bn;
  double wm[3], wv[3];
} sn_stats;

static void softmax(const double *l, int k, double *w) {
  double top = l[0], sum = 0.0;
  for (int i = 1; i < k; i++)
    top = fmax(top, l[i]);
  for (int i = 0; i < k; i++)
    sum += (w[i] = exp(l[i] - top));
  for (int i = 0; i < k; i++)
    w[i] /= sum;
  for (int i = k; i < 3; i++)
    w[i] = 0.0;
}

static void stats_alloc(sn_stats *st, size_t N, size_t C) {
  st->mean_in = calloc(N * C + 1, sizeof(double));
  st->var_in = calloc(N * C + 1, sizeof(double));
  st->mean_ln = calloc(N + 1, sizeof(double));
  st->var_ln = calloc(N + 1, sizeof(double));
  st->mean_bn = calloc(C + 1, sizeof(double));
  st->var_bn = calloc(C + 1, sizeof(double));
  cr_assert(st->mean_in && st->var_in && st->mean_ln && st->var_ln && st->mean_bn && st->var_bn);
}

static void stats_free(sn_stats *st) {
  free(st->mean_in);
  free(st->var_in);
  free(st->mean_ln);
  free(st->var_ln);
  free(st->mean_bn);
  free(st->var_bn);
}

/* The forward of the authors' module in double: statistics into st, output into y (may be
 * NULL). */
static void ref_forward(const sn_case *c, const sn_data *d, sn_stats *st, double *y) {
  size_t N = (size_t)c->shape[0], C = (size_t)c->shape[1], S = sn_spatial(c);
  int k = c->using_bn ? 3 : 2;
  for (size_t p = 0; p < N * C; p++) {
    double m = 0.0, v = 0.0;
    for (size_t s = 0; s < S; s++)
      m += d->x[p * S + s];
    m /= (double)S;
    for (size_t s = 0; s < S; s++)
      v += (d->x[p * S + s] - m) * (d->x[p * S + s] - m);
    st->mean_in[p] = m;
    st->var_in[p] = v / (double)(S - 1);
  }
  for (size_t n = 0; n < N; n++) {
    double m = 0.0, t = 0.0;
    for (size_t ch = 0; ch < C; ch++) {
      size_t p = n * C + ch;
      m += st->mean_in[p];
      t += st->var_in[p] + st->mean_in[p] * st->mean_in[p];
    }
    st->mean_ln[n] = m / (double)C;
    st->var_ln[n] = t / (double)C - st->mean_ln[n] * st->mean_ln[n];
  }
  for (size_t ch = 0; ch < C && c->using_bn; ch++) {
    if (!c->training) {
      st->mean_bn[ch] = d->rm[ch];
      st->var_bn[ch] = d->rv[ch];
      continue;
    }
    double m = 0.0, t = 0.0;
    for (size_t n = 0; n < N; n++) {
      size_t p = n * C + ch;
      m += st->mean_in[p];
      t += st->var_in[p] + st->mean_in[p] * st->mean_in[p];
    }
    st->mean_bn[ch] = m / (double)N;
    st->var_bn[ch] = t / (double)N - st->mean_bn[ch] * st->mean_bn[ch];
  }
  softmax(d->mw, k, st->wm);
  softmax(d->vw, k, st->wv);
  if (!y)
    return;
  for (size_t p = 0; p < N * C; p++) {
    size_t n = p / C, ch = p % C;
    double mean =
        st->wm[0] * st->mean_in[p] + st->wm[1] * st->mean_ln[n] + st->wm[2] * st->mean_bn[ch];
    double var = st->wv[0] * st->var_in[p] + st->wv[1] * st->var_ln[n] + st->wv[2] * st->var_bn[ch];
    double r = 1.0 / sqrt(var + c->eps);
    for (size_t s = 0; s < S; s++)
      y[p * S + s] = (d->x[p * S + s] - mean) * r * d->w[ch] + d->b[ch];
  }
}

/* Gradients of sum(y * g): the chain rule backwards through the module's graph. */
typedef struct sn_grads {
  double *gx, *gw, *gb, gmw[3], gvw[3];
  /* The sums of the terms' magnitudes (what fp32 errors scale with) of the parameter
   * gradients, for tolerances: a gradient may cancel to ~0 (e.g. two identical mixed
   * statistics). */
  double *mw_abs, *mb_abs, mmw_abs[3], mvw_abs[3];
} sn_grads;

static void ref_backward(const sn_case *c, const sn_data *d, const double *g, sn_grads *out) {
  size_t N = (size_t)c->shape[0], C = (size_t)c->shape[1], S = sn_spatial(c);
  int k = c->using_bn ? 3 : 2;
  sn_stats st;
  stats_alloc(&st, N, C);
  ref_forward(c, d, &st, NULL);
  double *dmean = calloc(N * C + 1, sizeof(double)), *dvar = calloc(N * C + 1, sizeof(double));
  double *r = calloc(N * C + 1, sizeof(double)), *mean = calloc(N * C + 1, sizeof(double));
  cr_assert(dmean && dvar && r && mean);
  double dwm[3] = {0}, dwv[3] = {0}, awm[3] = {0}, awv[3] = {0};
  for (size_t ch = 0; ch < C; ch++)
    out->gw[ch] = out->gb[ch] = out->mw_abs[ch] = out->mb_abs[ch] = 0.0;
  for (size_t p = 0; p < N * C; p++) {
    size_t n = p / C, ch = p % C;
    mean[p] = st.wm[0] * st.mean_in[p] + st.wm[1] * st.mean_ln[n] + st.wm[2] * st.mean_bn[ch];
    double var = st.wv[0] * st.var_in[p] + st.wv[1] * st.var_ln[n] + st.wv[2] * st.var_bn[ch];
    r[p] = 1.0 / sqrt(var + c->eps);
    double sg = 0.0, sgx = 0.0, ag = 0.0, agx = 0.0;
    for (size_t s = 0; s < S; s++) {
      sg += g[p * S + s];
      sgx += g[p * S + s] * (d->x[p * S + s] - mean[p]);
      ag += fabs(g[p * S + s]);
      agx += fabs(g[p * S + s] * (d->x[p * S + s] - mean[p]));
    }
    out->gb[ch] += sg;
    out->gw[ch] += sgx * r[p];
    out->mb_abs[ch] += ag;
    out->mw_abs[ch] += agx * r[p];
    double am = r[p] * fabs(d->w[ch]) * ag, av = 0.5 * r[p] * r[p] * r[p] * fabs(d->w[ch]) * agx;
    awm[0] += am * fabs(st.mean_in[p]);
    awm[1] += am * fabs(st.mean_ln[n]);
    awm[2] += am * fabs(st.mean_bn[ch]);
    awv[0] += av * fabs(st.var_in[p]);
    awv[1] += av * fabs(st.var_ln[n]);
    awv[2] += av * fabs(st.var_bn[ch]);
    dmean[p] = -r[p] * d->w[ch] * sg;
    dvar[p] = -0.5 * r[p] * r[p] * r[p] * d->w[ch] * sgx;
    dwm[0] += dmean[p] * st.mean_in[p];
    dwm[1] += dmean[p] * st.mean_ln[n];
    dwm[2] += dmean[p] * st.mean_bn[ch];
    dwv[0] += dvar[p] * st.var_in[p];
    dwv[1] += dvar[p] * st.var_ln[n];
    dwv[2] += dvar[p] * st.var_bn[ch];
  }
  /* softmax: dl_j = w_j (d_j - sum_k w_k d_k) */
  double tm = 0.0, tv = 0.0;
  for (int j = 0; j < k; j++) {
    tm += st.wm[j] * dwm[j];
    tv += st.wv[j] * dwv[j];
  }
  double am = 0.0, av = 0.0;
  for (int j = 0; j < k; j++) {
    am += st.wm[j] * awm[j];
    av += st.wv[j] * awv[j];
  }
  for (int j = 0; j < k; j++) {
    out->gmw[j] = st.wm[j] * (dwm[j] - tm);
    out->gvw[j] = st.wv[j] * (dwv[j] - tv);
    out->mmw_abs[j] = st.wm[j] * (awm[j] + am);
    out->mvw_abs[j] = st.wv[j] * (awv[j] + av);
  }
  /* Back to the statistics: mean_ln, var_ln per n; mean_bn, var_bn per c (training only). */
  double *d_mean_in = calloc(N * C + 1, sizeof(double)),
         *d_temp = calloc(N * C + 1, sizeof(double));
  cr_assert(d_mean_in && d_temp);
  for (size_t n = 0; n < N; n++) {
    double dm_ln = 0.0, dv_ln = 0.0;
    for (size_t ch = 0; ch < C; ch++) {
      dm_ln += st.wm[1] * dmean[n * C + ch];
      dv_ln += st.wv[1] * dvar[n * C + ch];
    }
    dm_ln += -2.0 * st.mean_ln[n] * dv_ln; /* var_ln = mean(temp) - mean_ln^2 */
    for (size_t ch = 0; ch < C; ch++) {
      d_mean_in[n * C + ch] += dm_ln / (double)C;
      d_temp[n * C + ch] += dv_ln / (double)C;
    }
  }
  if (c->using_bn && c->training)
    for (size_t ch = 0; ch < C; ch++) {
      double dm_bn = 0.0, dv_bn = 0.0;
      for (size_t n = 0; n < N; n++) {
        dm_bn += st.wm[2] * dmean[n * C + ch];
        dv_bn += st.wv[2] * dvar[n * C + ch];
      }
      dm_bn += -2.0 * st.mean_bn[ch] * dv_bn;
      for (size_t n = 0; n < N; n++) {
        d_mean_in[n * C + ch] += dm_bn / (double)N;
        d_temp[n * C + ch] += dv_bn / (double)N;
      }
    }
  for (size_t p = 0; p < N * C; p++) {
    size_t ch = p % C;
    /* temp = var_in + mean_in^2 */
    double dmi = st.wm[0] * dmean[p] + d_mean_in[p] + 2.0 * st.mean_in[p] * d_temp[p];
    double dvi = st.wv[0] * dvar[p] + d_temp[p];
    for (size_t s = 0; s < S; s++)
      out->gx[p * S + s] = g[p * S + s] * d->w[ch] * r[p] + dmi / (double)S +
                           dvi * 2.0 * (d->x[p * S + s] - st.mean_in[p]) / (double)(S - 1);
  }
  free(dmean);
  free(dvar);
  free(r);
  free(mean);
  free(d_mean_in);
  free(d_temp);
  stats_free(&st);
}

static void data_alloc(sn_data *d, size_t count, size_t C) {
  memset(d, 0, sizeof *d);
  d->x = calloc(count + 1, sizeof(double));
  d->w = calloc(C + 1, sizeof(double));
  d->b = calloc(C + 1, sizeof(double));
  d->rm = calloc(C + 1, sizeof(double));
  d->rv = calloc(C + 1, sizeof(double));
  cr_assert(d->x && d->w && d->b && d->rm && d->rv);
}

static void data_free(sn_data *d) {
  free(d->x);
  free(d->w);
  free(d->b);
  free(d->rm);
  free(d->rv);
}

static void grads_alloc(sn_grads *g, size_t count, size_t C) {
  memset(g, 0, sizeof *g);
  g->gx = calloc(count + 1, sizeof(double));
  g->gw = calloc(C + 1, sizeof(double));
  g->gb = calloc(C + 1, sizeof(double));
  g->mw_abs = calloc(C + 1, sizeof(double));
  g->mb_abs = calloc(C + 1, sizeof(double));
  cr_assert(g->gx && g->gw && g->gb && g->mw_abs && g->mb_abs);
}

static void grads_free(sn_grads *g) {
  free(g->gx);
  free(g->gw);
  free(g->gb);
  free(g->mw_abs);
  free(g->mb_abs);
}

static double objective(const sn_case *c, const sn_data *d, const double *g, double *y,
                        size_t count) {
  sn_stats st;
  stats_alloc(&st, (size_t)c->shape[0], (size_t)c->shape[1]);
  ref_forward(c, d, &st, y);
  stats_free(&st);
  double f = 0.0;
  for (size_t i = 0; i < count; i++)
    f += y[i] * g[i];
  return f;
}

/* Central difference of the objective in *v. */
static double difference(const sn_case *c, sn_data *d, const double *g, double *y, size_t count,
                         double *v) {
  const double h = 1e-6, keep = *v;
  *v = keep + h;
  double up = objective(c, d, g, y, count);
  *v = keep - h;
  double down = objective(c, d, g, y, count);
  *v = keep;
  return (up - down) / (2 * h);
}

static void fd_check(const char *what, double analytic, double fd, double scale) {
  cr_assert(fabs(analytic - fd) <= 1e-6 * scale + 1e-6 * fabs(analytic),
            "%s: analytic %.12g, differences %.12g", what, analytic, fd);
}

static void random_data(const sn_case *c, sn_data *d, double *g, uint64_t seed, double offset) {
  size_t N = (size_t)c->shape[0], C = (size_t)c->shape[1], S = sn_spatial(c), count = N * C * S;
  float *f = malloc((count + 8) * sizeof *f);
  cr_assert(f);
  norm_test_random(f, count, seed, 1.0, offset);
  for (size_t i = 0; i < count; i++)
    d->x[i] = f[i];
  norm_test_random(f, count, seed + 1, 1.0, 0.0);
  for (size_t i = 0; i < count; i++)
    g[i] = f[i];
  norm_test_random(f, 4 * C + 6, seed + 2, 0.5, 0.0);
  for (size_t i = 0; i < C; i++) {
    d->w[i] = 1.0 + f[i];
    d->b[i] = f[C + i];
    d->rm[i] = 0.4 * f[2 * C + i];
    d->rv[i] = 1.0 + f[3 * C + i];
  }
  for (int i = 0; i < 3; i++) {
    d->mw[i] = 2.0 * f[4 * C + i];
    d->vw[i] = 2.0 * f[4 * C + 3 + i];
  }
  free(f);
}

Test(norm_switchable_backward, reference_vs_finite_differences) {
  const sn_case cases[] = {
      {2, 1, 1, {2, 3, 2, 3}, 1e-5}, {2, 0, 1, {2, 3, 2, 3}, 1e-5},    {1, 1, 0, {3, 2, 4}, 1e-5},
      {1, 0, 0, {2, 3, 3}, 1e-3},    {3, 1, 1, {2, 2, 2, 1, 2}, 1e-5},
  };
  for (size_t ci = 0; ci < sizeof cases / sizeof cases[0]; ci++) {
    const sn_case *c = &cases[ci];
    size_t N = (size_t)c->shape[0], C = (size_t)c->shape[1], S = sn_spatial(c);
    size_t count = N * C * S;
    sn_data d;
    data_alloc(&d, count, C);
    double *g = calloc(count, sizeof *g), *y = calloc(count, sizeof *y);
    cr_assert(g && y);
    random_data(c, &d, g, 40 + ci, 0.3);
    sn_grads an;
    grads_alloc(&an, count, C);
    ref_backward(c, &d, g, &an);
    char what[96];
    for (size_t i = 0; i < count; i++) {
      snprintf(what, sizeof what, "case %zu grad_in[%zu]", ci, i);
      fd_check(what, an.gx[i], difference(c, &d, g, y, count, &d.x[i]), 1.0);
    }
    for (size_t i = 0; i < C; i++) {
      snprintf(what, sizeof what, "case %zu grad_weight[%zu]", ci, i);
      fd_check(what, an.gw[i], difference(c, &d, g, y, count, &d.w[i]), 1.0);
      snprintf(what, sizeof what, "case %zu grad_bias[%zu]", ci, i);
      fd_check(what, an.gb[i], difference(c, &d, g, y, count, &d.b[i]), 1.0);
    }
    for (int i = 0; i < (c->using_bn ? 3 : 2); i++) {
      snprintf(what, sizeof what, "case %zu grad_mean_weight[%d]", ci, i);
      fd_check(what, an.gmw[i], difference(c, &d, g, y, count, &d.mw[i]), 1.0);
      snprintf(what, sizeof what, "case %zu grad_var_weight[%d]", ci, i);
      fd_check(what, an.gvw[i], difference(c, &d, g, y, count, &d.vw[i]), 1.0);
    }
    grads_free(&an);
    data_free(&d);
    free(g);
    free(y);
  }
}

static double worst_ratio;

/* mag: per element, the magnitude errors scale with (NULL: the tensor's largest |want|). */
static void assert_tensor(const char *what, const char *name, const float *got, const double *want,
                          const double *mag, size_t count) {
  double top = 0.0;
  for (size_t i = 0; i < count; i++)
    top = fmax(top, fabs(want[i]));
  for (size_t i = 0; i < count; i++) {
    double scale = mag ? mag[i] : top;
    double tol = RTOL_MAX * scale + RTOL * fabs(want[i]) + 1e-30, err = fabs(got[i] - want[i]);
    cr_assert(err <= tol, "%s: %s[%zu] = %.9g, want %.9g (error %.3g, tolerance %.3g)", what, name,
              i, (double)got[i], want[i], err, tol);
    worst_ratio = fmax(worst_ratio, err / tol);
  }
}

static oclnn_tensor upload(oclnn_context *ctx, int rank, const int64_t *shape, const double *v,
                           size_t count) {
  float *f = malloc((count + 1) * sizeof *f);
  cr_assert(f);
  for (size_t i = 0; i < count; i++)
    f[i] = (float)v[i];
  oclnn_tensor t = test_tensor_from_host(ctx, rank, shape, f);
  free(f);
  return t;
}

static void round_to_float(double *v, size_t count) {
  for (size_t i = 0; i < count; i++)
    v[i] = (float)v[i];
}

/* forward_save then backward on the device (every gradient), compared with the reference on
 * the same fp32 data; the saved statistics are compared too. */
static void run_case(oclnn_context *ctx, const sn_case *c, sn_data *d, double *g,
                     const char *label) {
  size_t N = (size_t)c->shape[0], C = (size_t)c->shape[1], S = sn_spatial(c), count = N * C * S;
  int k = c->using_bn ? 3 : 2, rank = sn_rank(c);
  round_to_float(d->x, count);
  round_to_float(g, count);
  round_to_float(d->w, C);
  round_to_float(d->b, C);
  round_to_float(d->rm, C);
  round_to_float(d->rv, C);
  round_to_float(d->mw, 3);
  round_to_float(d->vw, 3);
  oclnn_switchable_norm_desc desc = oclnn_switchable_norm_desc_default(c->dims, (int64_t)C);
  desc.using_bn = c->using_bn;
  desc.eps = c->eps;
  oclnn_switchable_norm *layer = NULL;
  TEST_OK(ctx, oclnn_switchable_norm_create(ctx, &desc, &layer));
  int64_t saved_n = 0;
  TEST_OK(ctx, oclnn_switchable_norm_saved_count(layer, rank, c->shape, &saved_n));
  cr_assert_eq(saved_n, (int64_t)(2 * N * C + 2 * N + (c->using_bn ? 2 * C : 0)));
  const int64_t cs[1] = {(int64_t)C}, ks[1] = {k}, ss[1] = {saved_n};
  oclnn_tensor tx = upload(ctx, rank, c->shape, d->x, count);
  oclnn_tensor tg = upload(ctx, rank, c->shape, g, count);
  oclnn_tensor tw = upload(ctx, 1, cs, d->w, C), tb = upload(ctx, 1, cs, d->b, C);
  oclnn_tensor tmw = upload(ctx, 1, ks, d->mw, (size_t)k),
               tvw = upload(ctx, 1, ks, d->vw, (size_t)k);
  oclnn_tensor trm = upload(ctx, 1, cs, d->rm, C), trv = upload(ctx, 1, cs, d->rv, C);
  oclnn_tensor tout, tsaved, tgi, tgw, tgb, tgmw, tgvw;
  TEST_OK(ctx, oclnn_tensor_alloc(ctx, rank, c->shape, &tout));
  TEST_OK(ctx, oclnn_tensor_alloc(ctx, 1, ss, &tsaved));
  TEST_OK(ctx, oclnn_tensor_alloc(ctx, rank, c->shape, &tgi));
  TEST_OK(ctx, oclnn_tensor_alloc(ctx, 1, cs, &tgw));
  TEST_OK(ctx, oclnn_tensor_alloc(ctx, 1, cs, &tgb));
  TEST_OK(ctx, oclnn_tensor_alloc(ctx, 1, ks, &tgmw));
  TEST_OK(ctx, oclnn_tensor_alloc(ctx, 1, ks, &tgvw));
  const oclnn_tensor *rm = c->using_bn ? &trm : NULL, *rv = c->using_bn ? &trv : NULL;
  TEST_OK(ctx, oclnn_switchable_norm_forward_save(layer, c->training, &tx, &tw, &tb, &tmw, &tvw, rm,
                                                  rv, NULL, &tout, &tsaved));
  TEST_OK(ctx, oclnn_switchable_norm_backward(layer, c->training, &tx, &tw, &tmw, &tvw, &tsaved,
                                              &tg, &tgi, &tgw, &tgb, &tgmw, &tgvw));
  sn_grads want;
  grads_alloc(&want, count, C);
  ref_backward(c, d, g, &want);
  sn_stats st;
  stats_alloc(&st, N, C);
  ref_forward(c, d, &st, NULL);
  double *saved_want = malloc((size_t)saved_n * sizeof *saved_want);
  cr_assert(saved_want);
  memcpy(saved_want, st.mean_in, N * C * sizeof(double));
  memcpy(saved_want + N * C, st.var_in, N * C * sizeof(double));
  memcpy(saved_want + 2 * N * C, st.mean_ln, N * sizeof(double));
  memcpy(saved_want + 2 * N * C + N, st.var_ln, N * sizeof(double));
  if (c->using_bn) {
    memcpy(saved_want + 2 * N * C + 2 * N, st.mean_bn, C * sizeof(double));
    memcpy(saved_want + 2 * N * C + 2 * N + C, st.var_bn, C * sizeof(double));
  }
  char what[200];
  snprintf(what, sizeof what, "%s: SwitchableNorm%dd %s using_bn %d N %zu C %zu S %zu", label,
           c->dims, c->training ? "train" : "eval", c->using_bn, N, C, S);
  float *got = norm_test_download(ctx, &tsaved);
  assert_tensor(what, "saved", got, saved_want, NULL, (size_t)saved_n);
  free(got);
  got = norm_test_download(ctx, &tgi);
  assert_tensor(what, "grad_in", got, want.gx, NULL, count);
  free(got);
  got = norm_test_download(ctx, &tgw);
  assert_tensor(what, "grad_weight", got, want.gw, want.mw_abs, C);
  free(got);
  got = norm_test_download(ctx, &tgb);
  assert_tensor(what, "grad_bias", got, want.gb, want.mb_abs, C);
  free(got);
  got = norm_test_download(ctx, &tgmw);
  assert_tensor(what, "grad_mean_weight", got, want.gmw, want.mmw_abs, (size_t)k);
  free(got);
  got = norm_test_download(ctx, &tgvw);
  assert_tensor(what, "grad_var_weight", got, want.gvw, want.mvw_abs, (size_t)k);
  free(got);
  free(saved_want);
  stats_free(&st);
  grads_free(&want);
  oclnn_tensor *all[] = {&tx,   &tg,     &tw,  &tb,  &tmw, &tvw,  &trm, &trv,
                         &tout, &tsaved, &tgi, &tgw, &tgb, &tgmw, &tgvw};
  for (size_t i = 0; i < sizeof all / sizeof all[0]; i++)
    oclnn_tensor_free(all[i]);
  oclnn_switchable_norm_free(layer);
}

Test(norm_switchable_backward, sweep) {
  oclnn_context *ctx = test_context();
  uint64_t state = 4242;
  worst_ratio = 0.0;
  int cases = 0;
  for (int i = 0; i < 40; i++) {
    sn_case c;
    memset(&c, 0, sizeof c);
    c.dims = 1 + (int)norm_test_pick(&state, 3);
    c.training = (int)norm_test_pick(&state, 2);
    c.using_bn = (int)norm_test_pick(&state, 2);
    c.eps = 1e-5;
    c.shape[0] = 1 + (int64_t)norm_test_pick(&state, 4);
    c.shape[1] = 1 + (int64_t)norm_test_pick(&state, 6);
    for (int j = 2; j < c.dims + 2; j++)
      c.shape[j] = 1 + (int64_t)norm_test_pick(&state, c.dims == 3 ? 4 : c.dims == 2 ? 7 : 40);
    if (sn_spatial(&c) < 2)
      c.shape[2] = 2; /* S == 1: the unbiased variance is NaN (see the NaN test) */
    size_t N = (size_t)c.shape[0], C = (size_t)c.shape[1], count = N * C * sn_spatial(&c);
    sn_data d;
    data_alloc(&d, count, C);
    double *g = calloc(count + 1, sizeof *g);
    cr_assert(g);
    random_data(&c, &d, g, 300 + (uint64_t)i, norm_test_pick(&state, 2) ? 0.0 : 2.0);
    run_case(ctx, &c, &d, g, "sweep");
    data_free(&d);
    free(g);
    cases++;
  }
  /* rows longer than a backward run (4096) with a ragged tail; many rows */
  const sn_case large[] = {
      {1, 1, 1, {2, 3, 9000}, 1e-5},
      {2, 0, 1, {3, 70, 5, 7}, 1e-5},
      {2, 1, 0, {40, 4, 3, 3}, 1e-5},
      /* rows of 600001: the row sums' blocking keeps fp32 rounding small */
      {1, 1, 1, {1, 2, 600001}, 1e-5},
  };
  for (size_t i = 0; i < sizeof large / sizeof large[0]; i++) {
    const sn_case *c = &large[i];
    size_t N = (size_t)c->shape[0], C = (size_t)c->shape[1], count = N * C * sn_spatial(c);
    sn_data d;
    data_alloc(&d, count, C);
    double *g = calloc(count + 1, sizeof *g);
    cr_assert(g);
    random_data(c, &d, g, 900 + i, 0.5);
    run_case(ctx, c, &d, g, "large");
    data_free(&d);
    free(g);
    cases++;
  }
  printf("norm_switchable_backward sweep: %d cases, worst error/tolerance %.3f\n", cases,
         worst_ratio);
}

static size_t read_values(test_parser *ps, const char *tag, double *out, size_t cap) {
  char word[64];
  cr_assert(test_next_word(ps, word, sizeof word) && !strcmp(word, tag), "%s:%d: expected %s",
            ps->path, ps->line, tag);
  cr_assert(test_next_word(ps, word, sizeof word));
  size_t count = (size_t)atoll(word);
  cr_assert(count <= cap, "%s:%d: %s has %zu values", ps->path, ps->line, tag, count);
  for (size_t i = 0; i < count; i++) {
    cr_assert(test_next_word(ps, word, sizeof word), "%s ends early", tag);
    out[i] = strtod(word, NULL);
  }
  return count;
}

Test(norm_switchable_backward, torch_cases) {
  oclnn_context *ctx = test_context();
  char path[4096];
  const char *dir = getenv("OCLNN_TEST_DATA");
  snprintf(path, sizeof path, "%s/sn_grad_cases.txt",
           dir && *dir ? dir : OCLNN_SOURCE_DIR "/tests/data");
  char *text = test_read_file(path, NULL);
  cr_assert(text, "cannot read %s (written by tools/gen_sn_grad_cases.py)", path);
  test_parser ps = {text, 1, path};
  char word[96], name[96];
  int cases = 0;
  worst_ratio = 0.0;
  while (test_next_word(&ps, word, sizeof word)) {
    cr_assert_str_eq(word, "case", "%s:%d", path, ps.line);
    sn_case c;
    memset(&c, 0, sizeof c);
    char v[5][64];
    cr_assert(test_next_word(&ps, name, sizeof name));
    for (int i = 0; i < 5; i++)
      cr_assert(test_next_word(&ps, v[i], sizeof v[i]));
    c.dims = atoi(v[0]);
    c.training = atoi(v[1]);
    c.using_bn = atoi(v[2]);
    c.eps = strtod(v[3], NULL);
    int rank = atoi(v[4]);
    cr_assert_eq(rank, c.dims + 2);
    for (int i = 0; i < rank; i++) {
      cr_assert(test_next_word(&ps, word, sizeof word));
      c.shape[i] = atoll(word);
    }
    size_t N = (size_t)c.shape[0], C = (size_t)c.shape[1], count = N * C * sn_spatial(&c);
    int k = c.using_bn ? 3 : 2;
    sn_data d;
    data_alloc(&d, count, C);
    double *g = calloc(count + 1, sizeof *g);
    sn_grads torch;
    grads_alloc(&torch, count, C);
    cr_assert(g);
    cr_assert_eq(read_values(&ps, "x", d.x, count), count);
    cr_assert_eq(read_values(&ps, "weight", d.w, C), C);
    cr_assert_eq(read_values(&ps, "bias", d.b, C), C);
    cr_assert_eq(read_values(&ps, "mean_weight", d.mw, 3), (size_t)k);
    cr_assert_eq(read_values(&ps, "var_weight", d.vw, 3), (size_t)k);
    if (c.using_bn) {
      cr_assert_eq(read_values(&ps, "running_mean", d.rm, C), C);
      cr_assert_eq(read_values(&ps, "running_var", d.rv, C), C);
    }
    cr_assert_eq(read_values(&ps, "gout", g, count), count);
    cr_assert_eq(read_values(&ps, "grad_in", torch.gx, count), count);
    cr_assert_eq(read_values(&ps, "grad_weight", torch.gw, C), C);
    cr_assert_eq(read_values(&ps, "grad_bias", torch.gb, C), C);
    cr_assert_eq(read_values(&ps, "grad_mean_weight", torch.gmw, 3), (size_t)k);
    cr_assert_eq(read_values(&ps, "grad_var_weight", torch.gvw, 3), (size_t)k);
    /* torch's fp32 gradients against the double reference, then the device against it. */
    sn_grads want;
    grads_alloc(&want, count, C);
    ref_backward(&c, &d, g, &want);
    char what[160];
    snprintf(what, sizeof what, "torch case %s (torch vs the reference)", name);
    float *tf = malloc((count + 1) * sizeof *tf);
    cr_assert(tf);
    const struct {
      const char *name;
      const double *t, *w, *m;
      size_t n;
    } parts[] = {{"grad_in", torch.gx, want.gx, NULL, count},
                 {"grad_weight", torch.gw, want.gw, want.mw_abs, C},
                 {"grad_bias", torch.gb, want.gb, want.mb_abs, C},
                 {"grad_mean_weight", torch.gmw, want.gmw, want.mmw_abs, (size_t)k},
                 {"grad_var_weight", torch.gvw, want.gvw, want.mvw_abs, (size_t)k}};
    for (size_t p = 0; p < sizeof parts / sizeof parts[0]; p++) {
      for (size_t i = 0; i < parts[p].n; i++)
        tf[i] = (float)parts[p].t[i];
      assert_tensor(what, parts[p].name, tf, parts[p].w, parts[p].m, parts[p].n);
    }
    free(tf);
    snprintf(what, sizeof what, "torch case %s", name);
    run_case(ctx, &c, &d, g, what);
    grads_free(&want);
    grads_free(&torch);
    data_free(&d);
    free(g);
    cases++;
  }
  cr_assert(cases >= 8, "only %d cases in %s", cases, path);
  free(text);
  printf("norm_switchable_backward torch: %d cases, worst error/tolerance %.3f\n", cases,
         worst_ratio);
}

/* Bad input to forward_save and backward: each row's exact status and message, and nothing
 * written (gradient, saved and output buffers keep their sentinel, inputs their values). */
Test(norm_switchable_backward, invalid) {
  oclnn_context *ctx = test_context();
  oclnn_switchable_norm_desc desc = oclnn_switchable_norm_desc_default(1, 3);
  oclnn_switchable_norm *layer = NULL;
  TEST_OK(ctx, oclnn_switchable_norm_create(ctx, &desc, &layer));
  const int64_t s[3] = {2, 3, 4}, s_bad[3] = {2, 3, 5}, s_rank4[4] = {2, 3, 2, 2}, c3[1] = {3},
                c4[1] = {4}, k3[1] = {3}, k2[1] = {2}, saved_ok[1] = {2 * 6 + 4 + 6},
                saved_bad[1] = {21};
  int64_t count = 0;
  TEST_OK(ctx, oclnn_switchable_norm_saved_count(layer, 3, s, &count));
  cr_assert_eq(count, saved_ok[0]);
  cr_assert_eq(oclnn_switchable_norm_saved_count(layer, 3, s, NULL), OCLNN_ERR_NULL_ARGUMENT);
  cr_assert_eq(oclnn_switchable_norm_saved_count(layer, 4, s_rank4, &count),
               OCLNN_ERR_INVALID_SHAPE);
  /* inputs: one buffer (in, grad_out, weight, logits, saved); outputs: another */
  enum { IN = 0, G = 24, W = 48, MW = 52, VW = 56, SV = 60, RM = 84, RV = 88, TOTAL = 96 };
  float host[TOTAL], fill[TOTAL];
  for (int i = 0; i < TOTAL; i++) {
    host[i] = 0.5f + (float)(i % 7) * 0.25f;
    fill[i] = -7777.0f;
  }
  const int64_t all[1] = {TOTAL};
  oclnn_tensor ib = test_tensor_from_host(ctx, 1, all, host);
  oclnn_tensor ob = test_tensor_from_host(ctx, 1, all, fill);
  cl_mem I = ib.buffer, O = ob.buffer;
  oclnn_tensor in = oclnn_tensor_view(I, IN, 3, s), g = oclnn_tensor_view(I, G, 3, s);
  oclnn_tensor w = oclnn_tensor_view(I, W, 1, c3), mw = oclnn_tensor_view(I, MW, 1, k3);
  oclnn_tensor vw = oclnn_tensor_view(I, VW, 1, k3), sv = oclnn_tensor_view(I, SV, 1, saved_ok);
  oclnn_tensor rm = oclnn_tensor_view(O, RM, 1, c3), rv = oclnn_tensor_view(O, RV, 1, c3);
  oclnn_tensor gi = oclnn_tensor_view(O, 0, 3, s), gw = oclnn_tensor_view(O, 24, 1, c3);
  oclnn_tensor gb = oclnn_tensor_view(O, 28, 1, c3), gmw = oclnn_tensor_view(O, 32, 1, k3);
  oclnn_tensor gvw = oclnn_tensor_view(O, 36, 1, k3);
  oclnn_tensor gi_bad = oclnn_tensor_view(O, 0, 3, s_bad), gw4 = oclnn_tensor_view(O, 24, 1, c4);
  oclnn_tensor gmw2 = oclnn_tensor_view(O, 32, 1, k2),
               sv_bad = oclnn_tensor_view(I, SV, 1, saved_bad);
  oclnn_tensor in_null = oclnn_tensor_view(NULL, 0, 3, s);
  oclnn_tensor gi_oob = oclnn_tensor_view(O, 80, 3, s),
               gw_over_gi = oclnn_tensor_view(O, 20, 1, c3);
  oclnn_tensor gi_over_in = oclnn_tensor_view(I, 10, 3, s),
               in_rank4 = oclnn_tensor_view(I, 0, 4, s_rank4);
  oclnn_tensor out = oclnn_tensor_view(O, 40, 3, s),
               saved_out = oclnn_tensor_view(O, 64, 1, saved_ok);
  oclnn_tensor saved_over_out = oclnn_tensor_view(O, 50, 1, saved_ok);
  const char *bw = "oclnn_switchable_norm_backward";
  const struct {
    oclnn_switchable_norm *layer;
    const oclnn_tensor *in, *w, *mw, *vw, *sv, *g, *gi, *gw, *gb, *gmw, *gvw;
    oclnn_status status;
    const char *message;
  } rows[] = {
      {NULL, &in, &w, &mw, &vw, &sv, &g, &gi, &gw, &gb, &gmw, &gvw, OCLNN_ERR_NULL_ARGUMENT,
       "layer is NULL"},
      {layer, NULL, &w, &mw, &vw, &sv, &g, &gi, &gw, &gb, &gmw, &gvw, OCLNN_ERR_NULL_ARGUMENT,
       "in is NULL"},
      {layer, &in, &w, &mw, &vw, &sv, NULL, &gi, &gw, &gb, &gmw, &gvw, OCLNN_ERR_NULL_ARGUMENT,
       "grad_out is NULL"},
      {layer, &in, &w, &mw, &vw, &sv, &g, NULL, NULL, NULL, NULL, NULL, OCLNN_ERR_INVALID_VALUE,
       "every gradient is NULL"},
      {layer, &in, NULL, &mw, &vw, &sv, &g, &gi, &gw, &gb, &gmw, &gvw, OCLNN_ERR_NULL_ARGUMENT,
       "weight is NULL"},
      {layer, &in, &w, NULL, &vw, &sv, &g, &gi, &gw, &gb, &gmw, &gvw, OCLNN_ERR_NULL_ARGUMENT,
       "mean_weight is NULL"},
      {layer, &in, &w, &mw, &vw, NULL, &g, &gi, &gw, &gb, &gmw, &gvw, OCLNN_ERR_NULL_ARGUMENT,
       "saved is NULL"},
      {layer, &in_null, &w, &mw, &vw, &sv, &g, &gi, &gw, &gb, &gmw, &gvw, OCLNN_ERR_INVALID_BUFFER,
       bw},
      {layer, &in_rank4, &w, &mw, &vw, &sv, &g, &gi, &gw, &gb, &gmw, &gvw, OCLNN_ERR_INVALID_SHAPE,
       "SwitchableNorm1d expects a 3D input, got [2, 3, 2, 2]"},
      {layer, &in, &w, &mw, &vw, &sv_bad, &g, &gi, &gw, &gb, &gmw, &gvw, OCLNN_ERR_INVALID_SHAPE,
       "saved"},
      {layer, &in, &w, &mw, &vw, &sv, &g, &gi_bad, &gw, &gb, &gmw, &gvw, OCLNN_ERR_INVALID_SHAPE,
       "grad_in"},
      {layer, &in, &w, &mw, &vw, &sv, &g, &gi, &gw4, &gb, &gmw, &gvw, OCLNN_ERR_INVALID_SHAPE,
       "grad_weight"},
      {layer, &in, &w, &mw, &vw, &sv, &g, &gi, &gw, &gb, &gmw2, &gvw, OCLNN_ERR_INVALID_SHAPE,
       "grad_mean_weight"},
      {layer, &in, &w, &mw, &vw, &sv, &g, &gi_oob, &gw, &gb, &gmw, &gvw, OCLNN_ERR_OUT_OF_BOUNDS,
       bw},
      {layer, &in, &w, &mw, &vw, &sv, &g, &gi, &gw_over_gi, &gb, &gmw, &gvw, OCLNN_ERR_ALIASING,
       bw},
      {layer, &in, &w, &mw, &vw, &sv, &g, &gi_over_in, &gw, &gb, &gmw, &gvw, OCLNN_ERR_ALIASING,
       bw},
  };
  for (size_t r = 0; r < sizeof rows / sizeof rows[0]; r++) {
    oclnn_status st = oclnn_switchable_norm_backward(
        rows[r].layer, 1, rows[r].in, rows[r].w, rows[r].mw, rows[r].vw, rows[r].sv, rows[r].g,
        rows[r].gi, rows[r].gw, rows[r].gb, rows[r].gmw, rows[r].gvw);
    const char *message = oclnn_context_error(rows[r].layer ? ctx : NULL);
    cr_assert_eq(st, rows[r].status, "row %zu: got %s (%s), want %s", r, oclnn_status_string(st),
                 message, oclnn_status_string(rows[r].status));
    cr_assert(strstr(message, bw) && strstr(message, rows[r].message),
              "row %zu: message \"%s\" lacks \"%s\"", r, message, rows[r].message);
  }
  /* forward_save: a saved tensor of the wrong size or overlapping the output. */
  const char *fs = "oclnn_switchable_norm_forward_save";
  cr_assert_eq(oclnn_switchable_norm_forward_save(layer, 1, &in, &w, &w, &mw, &vw, &rm, &rv, NULL,
                                                  &out, &sv_bad),
               OCLNN_ERR_INVALID_SHAPE);
  cr_assert(strstr(oclnn_context_error(ctx), fs) && strstr(oclnn_context_error(ctx), "saved"));
  cr_assert_eq(oclnn_switchable_norm_forward_save(layer, 1, &in, &w, &w, &mw, &vw, &rm, &rv, NULL,
                                                  &out, &saved_over_out),
               OCLNN_ERR_ALIASING);
  float *after = norm_test_download(ctx, &ob), *inputs = norm_test_download(ctx, &ib);
  for (int i = 0; i < TOTAL; i++) {
    cr_assert(after[i] == fill[i], "output buffer written at %d on error", i);
    cr_assert(inputs[i] == host[i], "input buffer changed at %d", i);
  }
  free(after);
  free(inputs);
  (void)saved_out;
  /* Empty input: zero parameter gradients, grad_in untouched (it has no elements). */
  const int64_t s0[3] = {0, 3, 4}, saved0[1] = {6};
  oclnn_tensor in0 = oclnn_tensor_view(I, 0, 3, s0), g0 = oclnn_tensor_view(I, 0, 3, s0);
  oclnn_tensor sv0 = oclnn_tensor_view(I, SV, 1, saved0), gi0 = oclnn_tensor_view(O, 0, 3, s0);
  TEST_OK(ctx, oclnn_switchable_norm_backward(layer, 1, &in0, &w, &mw, &vw, &sv0, &g0, &gi0, &gw,
                                              &gb, &gmw, &gvw));
  after = norm_test_download(ctx, &ob);
  for (int i = 24; i < 39; i++)
    cr_assert(after[i] == (i % 4 == 3 ? fill[i] : 0.0f), "empty input: buffer float %d is %g", i,
              (double)after[i]);
  free(after);
  oclnn_switchable_norm_free(layer);
  oclnn_tensor_free(&ib);
  oclnn_tensor_free(&ob);
}
