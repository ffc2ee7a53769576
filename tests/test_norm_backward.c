/* Normalization backward (BatchNorm, InstanceNorm, LayerNorm, GroupNorm) and forward_save:
 *  - a double-precision reference of the gradients, itself checked against central finite
 *    differences of the double forward on small cases;
 *  - the device against that reference over sweeps (ranks, odd sizes, affine on/off,
 *    train/eval, unbatched, tiny and long rows), gradients and saved statistics, and bitwise
 *    determinism of a repeated call;
 *  - committed torch.autograd cases (tests/data/norm_grad_cases.txt, tools/gen_norm_grad_cases.py);
 *  - bad input: exact statuses, and the outputs untouched.
 *
 * Tolerances. Each expected value gets a scale from the magnitudes that enter it: for grad_in,
 * invstd * (|w dy| + mean|w dy| + |xhat| mean|w dy xhat|) over its group; for grad_weight and
 * grad_bias, the sum of |dy xhat| and |dy|. A float computation of such a value is off by a few
 * times eps (1.2e-7) times that scale per rounding step it passes; blocked sums of n terms add
 * about sqrt(n) eps. 2e-5 of the scale covers rows of a million elements with a margin (the
 * worst ratio seen is printed by the long-row test). */
#include "norm_reference.h"

#include <math.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define GRAD_TOL 2e-5
#define STAT_TOL 2e-5

enum { K_BATCH, K_INSTANCE, K_LAYER, K_GROUP };
static const char *const kind_names[] = {"BatchNorm", "InstanceNorm", "LayerNorm", "GroupNorm"};

typedef struct bw_case {
  int kind;
  int rank;
  int64_t shape[5];
  int dims;       /* BatchNorm / InstanceNorm */
  int k;          /* LayerNorm: normalized rank */
  int64_t groups; /* GroupNorm */
  int affine, bias, track, training;
  double eps, scale, offset;
} bw_case;

/* How a case's elements map to statistics groups and parameters. */
typedef struct bw_map {
  size_t count, ngroups, nparams, group_len, S, C, per_group;
  int kind;
} bw_map;

static size_t map_group(const bw_map *m, size_t i) {
  switch (m->kind) {
  case K_BATCH:
    return (i / m->S) % m->C;
  case K_INSTANCE:
    return i / m->S;
  case K_GROUP:
    return i / (m->per_group * m->S);
  default:
    return i / m->nparams;
  }
}

static size_t map_param(const bw_map *m, size_t i) {
  return m->kind == K_LAYER ? i % m->nparams : (i / m->S) % m->C;
}

/* The channel whose running statistics group g uses (BatchNorm, InstanceNorm). */
static size_t group_channel(const bw_map *m, size_t g) { return g % m->C; }

static bool uses_batch_stats(const bw_case *c) {
  return (c->kind != K_BATCH && c->kind != K_INSTANCE) || c->training || !c->track;
}

static bw_map make_map(const bw_case *c) {
  bw_map m;
  memset(&m, 0, sizeof m);
  m.kind = c->kind;
  m.count = test_numel(c->rank, c->shape);
  if (c->kind == K_LAYER) {
    m.nparams = test_numel(c->k, c->shape + c->rank - c->k);
    m.ngroups = m.nparams ? m.count / m.nparams : test_numel(c->rank - c->k, c->shape);
    m.group_len = m.nparams;
    return m;
  }
  int first = (c->kind == K_INSTANCE && c->rank == c->dims + 1) ? 0 : 1;
  size_t N = first ? (size_t)c->shape[0] : 1;
  m.C = (size_t)c->shape[first];
  m.S = test_numel(c->rank - first - 1, c->shape + first + 1);
  m.nparams = m.C;
  if (c->kind == K_BATCH) {
    m.ngroups = m.C;
    m.group_len = N * m.S;
  } else if (c->kind == K_INSTANCE) {
    m.ngroups = N * m.C;
    m.group_len = m.S;
  } else {
    m.per_group = m.C / (size_t)c->groups;
    m.ngroups = N * (size_t)c->groups;
    m.group_len = m.per_group * m.S;
  }
  return m;
}

/* The statistics a forward uses: two-pass batch statistics in double, or the running ones. */
static void ref_stats(const bw_map *m, const double *x, bool batch_stats, const float *rm,
                      const float *rv, double eps, double *mean, double *invstd) {
  double *var = calloc(m->ngroups + 1, sizeof *var);
  cr_assert(var);
  if (batch_stats) {
    for (size_t g = 0; g < m->ngroups; g++)
      mean[g] = 0.0;
    for (size_t i = 0; i < m->count; i++)
      mean[map_group(m, i)] += x[i];
    for (size_t g = 0; g < m->ngroups; g++)
      mean[g] /= (double)m->group_len;
    for (size_t i = 0; i < m->count; i++) {
      double d = x[i] - mean[map_group(m, i)];
      var[map_group(m, i)] += d * d;
    }
    for (size_t g = 0; g < m->ngroups; g++)
      var[g] /= (double)m->group_len;
  } else {
    for (size_t g = 0; g < m->ngroups; g++) {
      mean[g] = rm[group_channel(m, g)];
      var[g] = rv[group_channel(m, g)];
    }
  }
  for (size_t g = 0; g < m->ngroups; g++)
    invstd[g] = 1.0 / sqrt(var[g] + eps);
  free(var);
}

/* loss = sum(norm(x) * dy) in double, for finite differences. */
static double ref_loss(const bw_map *m, const double *x, const double *dy, const double *w,
                       const double *b, bool batch_stats, const float *rm, const float *rv,
                       double eps) {
  double *mean = malloc((m->ngroups + 1) * sizeof *mean);
  double *invstd = malloc((m->ngroups + 1) * sizeof *invstd);
  cr_assert(mean && invstd);
  ref_stats(m, x, batch_stats, rm, rv, eps, mean, invstd);
  double loss = 0.0;
  for (size_t i = 0; i < m->count; i++) {
    size_t g = map_group(m, i), p = map_param(m, i);
    double y = (x[i] - mean[g]) * invstd[g] * (w ? w[p] : 1.0) + (b ? b[p] : 0.0);
    loss += y * dy[i];
  }
  free(mean);
  free(invstd);
  return loss;
}

/* Reference gradients and the tolerance scales of each value (see the top). */
typedef struct bw_ref {
  double *mean, *invstd, *gx, *gw, *gb, *gx_scale, *gw_scale, *gb_scale;
} bw_ref;

static void ref_free(bw_ref *r) {
  double *all[] = {r->mean, r->invstd, r->gx, r->gw, r->gb, r->gx_scale, r->gw_scale, r->gb_scale};
  for (size_t i = 0; i < sizeof all / sizeof all[0]; i++)
    free(all[i]);
}

static void ref_backward(const bw_map *m, const double *x, const double *dy, const double *w,
                         bool batch_stats, const float *rm, const float *rv, double eps,
                         bw_ref *r) {
  size_t G = m->ngroups + 1, P = m->nparams + 1, n = m->count + 1;
  r->mean = calloc(G, sizeof(double));
  r->invstd = calloc(G, sizeof(double));
  r->gx = calloc(n, sizeof(double));
  r->gx_scale = calloc(n, sizeof(double));
  r->gw = calloc(P, sizeof(double));
  r->gb = calloc(P, sizeof(double));
  r->gw_scale = calloc(P, sizeof(double));
  r->gb_scale = calloc(P, sizeof(double));
  double *sa = calloc(G, sizeof(double)), *sb = calloc(G, sizeof(double));
  double *aa = calloc(G, sizeof(double)), *ab = calloc(G, sizeof(double));
  cr_assert(r->mean && r->invstd && r->gx && r->gx_scale && r->gw && r->gb && r->gw_scale &&
            r->gb_scale && sa && sb && aa && ab);
  ref_stats(m, x, batch_stats, rm, rv, eps, r->mean, r->invstd);
  for (size_t i = 0; i < m->count; i++) {
    size_t g = map_group(m, i), p = map_param(m, i);
    double xhat = (x[i] - r->mean[g]) * r->invstd[g], wdy = dy[i] * (w ? w[p] : 1.0);
    sa[g] += wdy;
    sb[g] += wdy * xhat;
    aa[g] += fabs(wdy);
    ab[g] += fabs(wdy * xhat);
    r->gw[p] += dy[i] * xhat;
    r->gb[p] += dy[i];
    r->gw_scale[p] += fabs(dy[i] * xhat);
    r->gb_scale[p] += fabs(dy[i]);
  }
  double inv_n = m->group_len ? 1.0 / (double)m->group_len : 0.0;
  for (size_t i = 0; i < m->count; i++) {
    size_t g = map_group(m, i), p = map_param(m, i);
    double xhat = (x[i] - r->mean[g]) * r->invstd[g], wdy = dy[i] * (w ? w[p] : 1.0);
    if (batch_stats) {
      r->gx[i] = r->invstd[g] * (wdy - sa[g] * inv_n - xhat * sb[g] * inv_n);
      r->gx_scale[i] = r->invstd[g] * (fabs(wdy) + aa[g] * inv_n + fabs(xhat) * ab[g] * inv_n);
    } else {
      r->gx[i] = r->invstd[g] * wdy;
      r->gx_scale[i] = fabs(r->gx[i]);
    }
  }
  free(sa);
  free(sb);
  free(aa);
  free(ab);
}

/* |got - want| <= tol * scale + 1e-7 for every element; returns the worst ratio. */
static double worst_ratio;

static void assert_scaled(const char *what, const char *name, const float *got, const double *want,
                          const double *scale, size_t count, double tol) {
  for (size_t i = 0; i < count; i++) {
    double limit = tol * scale[i] + 1e-7, err = fabs((double)got[i] - want[i]);
    if (limit > 0 && err / limit > worst_ratio)
      worst_ratio = err / limit;
    cr_assert(err <= limit, "%s: %s[%zu] = %.9g, expected %.9g (error %.3g > %.3g)", what, name, i,
              (double)got[i], want[i], err, limit);
  }
}

static double *to_double(const float *v, size_t count) {
  double *d = malloc((count + 1) * sizeof *d);
  cr_assert(d);
  for (size_t i = 0; i < count; i++)
    d[i] = v[i];
  return d;
}

/* --- the layers behind one interface --- */

typedef struct bw_layer {
  int kind;
  int training;
  oclnn_batch_norm *bn;
  oclnn_instance_norm *in;
  oclnn_layer_norm *ln;
  oclnn_group_norm *gn;
} bw_layer;

static bw_layer layer_create(oclnn_context *ctx, const bw_case *c) {
  bw_layer L;
  memset(&L, 0, sizeof L);
  L.kind = c->kind;
  L.training = c->training;
  if (c->kind == K_BATCH) {
    oclnn_batch_norm_desc d = oclnn_batch_norm_desc_default(c->dims, c->shape[1]);
    d.affine = c->affine;
    d.track_running_stats = c->track;
    d.eps = c->eps;
    TEST_OK(ctx, oclnn_batch_norm_create(ctx, &d, &L.bn));
  } else if (c->kind == K_INSTANCE) {
    int first = c->rank == c->dims + 2 ? 1 : 0;
    oclnn_instance_norm_desc d = oclnn_instance_norm_desc_default(c->dims, c->shape[first]);
    d.affine = c->affine;
    d.track_running_stats = c->track;
    d.eps = c->eps;
    TEST_OK(ctx, oclnn_instance_norm_create(ctx, &d, &L.in));
  } else if (c->kind == K_LAYER) {
    oclnn_layer_norm_desc d = oclnn_layer_norm_desc_default(c->k, c->shape + c->rank - c->k);
    d.elementwise_affine = c->affine;
    d.bias = c->bias;
    d.eps = c->eps;
    TEST_OK(ctx, oclnn_layer_norm_create(ctx, &d, &L.ln));
  } else {
    oclnn_group_norm_desc d = oclnn_group_norm_desc_default(c->groups, c->shape[1]);
    d.affine = c->affine;
    d.eps = c->eps;
    TEST_OK(ctx, oclnn_group_norm_create(ctx, &d, &L.gn));
  }
  return L;
}

static void layer_free(bw_layer *L) {
  oclnn_batch_norm_free(L->bn);
  oclnn_instance_norm_free(L->in);
  oclnn_layer_norm_free(L->ln);
  oclnn_group_norm_free(L->gn);
}

static oclnn_status layer_forward_save(bw_layer *L, const oclnn_tensor *x, const oclnn_tensor *w,
                                       const oclnn_tensor *b, const oclnn_tensor *rm,
                                       const oclnn_tensor *rv, const oclnn_tensor *out,
                                       const oclnn_tensor *sm, const oclnn_tensor *si) {
  int64_t nbt = 0;
  switch (L->kind) {
  case K_BATCH:
    return oclnn_batch_norm_forward_save(L->bn, L->training, x, w, b, rm, rv, &nbt, NULL, out, sm,
                                         si);
  case K_INSTANCE:
    return oclnn_instance_norm_forward_save(L->in, L->training, x, w, b, rm, rv, NULL, out, sm, si);
  case K_LAYER:
    return oclnn_layer_norm_forward_save(L->ln, x, w, b, NULL, out, sm, si);
  default:
    return oclnn_group_norm_forward_save(L->gn, x, w, b, NULL, out, sm, si);
  }
}

static oclnn_status layer_backward(bw_layer *L, const oclnn_tensor *x, const oclnn_tensor *w,
                                   const oclnn_tensor *sm, const oclnn_tensor *si,
                                   const oclnn_tensor *gy, const oclnn_tensor *gx,
                                   const oclnn_tensor *gw, const oclnn_tensor *gb) {
  switch (L->kind) {
  case K_BATCH:
    return oclnn_batch_norm_backward(L->bn, L->training, x, w, sm, si, gy, gx, gw, gb);
  case K_INSTANCE:
    return oclnn_instance_norm_backward(L->in, L->training, x, w, sm, si, gy, gx, gw, gb);
  case K_LAYER:
    return oclnn_layer_norm_backward(L->ln, x, w, sm, si, gy, gx, gw, gb);
  default:
    return oclnn_group_norm_backward(L->gn, x, w, sm, si, gy, gx, gw, gb);
  }
}

static void describe(const bw_case *c, char *buf, size_t size) {
  char shape[96];
  int at = 0;
  shape[0] = '\0';
  for (int i = 0; i < c->rank; i++)
    at += snprintf(shape + at, sizeof shape - (size_t)at, "%s%lld", i ? "x" : "",
                   (long long)c->shape[i]);
  snprintf(buf, size, "%s %s dims %d k %d groups %lld affine %d bias %d track %d training %d",
           kind_names[c->kind], shape, c->dims, c->k, (long long)c->groups, c->affine, c->bias,
           c->track, c->training);
}

/* Runs forward_save then backward on the device and compares with the reference. With `which`
 * (bits 1 grad_in, 2 grad_weight, 4 grad_bias) only those gradients are asked for. */
static void run_case(const bw_case *c, uint64_t seed, int which) {
  oclnn_context *ctx = test_context();
  bw_map m = make_map(c);
  bool batch_stats = uses_batch_stats(c);
  bool has_w = c->affine, has_b = c->affine && (c->kind != K_LAYER || c->bias);
  const int64_t *pshape = c->kind == K_LAYER ? c->shape + c->rank - c->k : (int64_t[]){0};
  int prank = c->kind == K_LAYER ? c->k : 1;
  int64_t pshape_c[1] = {(int64_t)m.C}, gshape[1] = {(int64_t)m.ngroups};
  if (c->kind != K_LAYER)
    pshape = pshape_c;
  float *x = malloc((m.count + 1) * sizeof *x), *dy = malloc((m.count + 1) * sizeof *dy);
  float *w = malloc((m.nparams + 1) * sizeof *w), *b = malloc((m.nparams + 1) * sizeof *b);
  float *rm = malloc((m.C + 1) * sizeof *rm), *rv = malloc((m.C + 1) * sizeof *rv);
  cr_assert(x && dy && w && b && rm && rv);
  norm_test_random(x, m.count, seed, c->scale, c->offset);
  norm_test_random(dy, m.count, seed + 1, 1.0, 0.0);
  norm_test_random(w, m.nparams, seed + 2, 0.5, 1.0);
  norm_test_random(b, m.nparams, seed + 3, 1.0, 0.0);
  norm_test_random(rm, m.C, seed + 4, 0.5 * c->scale, c->offset);
  norm_test_random(rv, m.C, seed + 5, 0.25 * c->scale * c->scale, 0.75 * c->scale * c->scale);

  oclnn_tensor tx = test_tensor_from_host(ctx, c->rank, c->shape, x);
  oclnn_tensor tdy = test_tensor_from_host(ctx, c->rank, c->shape, dy);
  oclnn_tensor tw = test_tensor_from_host(ctx, prank, pshape, w);
  oclnn_tensor tb = test_tensor_from_host(ctx, prank, pshape, b);
  bool track = (c->kind == K_BATCH || c->kind == K_INSTANCE) && c->track;
  oclnn_tensor trm = {0}, trv = {0}, tout, tsm, tsi, tgx, tgw, tgb;
  if (track) {
    trm = test_tensor_from_host(ctx, 1, pshape_c, rm);
    trv = test_tensor_from_host(ctx, 1, pshape_c, rv);
  }
  TEST_OK(ctx, oclnn_tensor_alloc(ctx, c->rank, c->shape, &tout));
  TEST_OK(ctx, oclnn_tensor_alloc(ctx, c->rank, c->shape, &tgx));
  TEST_OK(ctx, oclnn_tensor_alloc(ctx, 1, gshape, &tsm));
  TEST_OK(ctx, oclnn_tensor_alloc(ctx, 1, gshape, &tsi));
  TEST_OK(ctx, oclnn_tensor_alloc(ctx, prank, pshape, &tgw));
  TEST_OK(ctx, oclnn_tensor_alloc(ctx, prank, pshape, &tgb));
  bw_layer L = layer_create(ctx, c);
  TEST_OK(ctx, layer_forward_save(&L, &tx, has_w ? &tw : NULL, has_b ? &tb : NULL,
                                  track ? &trm : NULL, track ? &trv : NULL, &tout, &tsm, &tsi));
  /* The running statistics the forward normalised with are those before its update. */
  bool want_x = which & 1, want_w = (which & 2) && has_w, want_b = (which & 4) && has_b;
  if (!want_x && !want_w && !want_b)
    want_x = true;
  TEST_OK(ctx, layer_backward(&L, &tx, has_w && want_x ? &tw : NULL, &tsm, &tsi, &tdy,
                              want_x ? &tgx : NULL, want_w ? &tgw : NULL, want_b ? &tgb : NULL));

  double *xd = to_double(x, m.count), *dyd = to_double(dy, m.count);
  double *wd = has_w ? to_double(w, m.nparams) : NULL;
  bw_ref r;
  ref_backward(&m, xd, dyd, wd, batch_stats, rm, rv, c->eps, &r);
  char what[256];
  describe(c, what, sizeof what);
  float *got_sm = norm_test_download(ctx, &tsm), *got_si = norm_test_download(ctx, &tsi);
  for (size_t g = 0; g < m.ngroups; g++) {
    double spread = batch_stats ? 1.0 / r.invstd[g] : 0.0;
    double limit = STAT_TOL * (fabs(r.mean[g]) + spread) + 1e-7;
    cr_assert(fabs(got_sm[g] - r.mean[g]) <= limit, "%s: save_mean[%zu] = %.9g, expected %.9g",
              what, g, (double)got_sm[g], r.mean[g]);
    cr_assert(fabs(got_si[g] - r.invstd[g]) <= STAT_TOL * r.invstd[g],
              "%s: save_invstd[%zu] = %.9g, expected %.9g", what, g, (double)got_si[g],
              r.invstd[g]);
  }
  if (want_x) {
    float *got = norm_test_download(ctx, &tgx);
    assert_scaled(what, "grad_in", got, r.gx, r.gx_scale, m.count, GRAD_TOL);
    free(got);
  }
  if (want_w) {
    float *got = norm_test_download(ctx, &tgw);
    assert_scaled(what, "grad_weight", got, r.gw, r.gw_scale, m.nparams, GRAD_TOL);
    free(got);
  }
  if (want_b) {
    float *got = norm_test_download(ctx, &tgb);
    assert_scaled(what, "grad_bias", got, r.gb, r.gb_scale, m.nparams, GRAD_TOL);
    free(got);
  }
  free(got_sm);
  free(got_si);
  ref_free(&r);
  free(xd);
  free(dyd);
  free(wd);
  layer_free(&L);
  oclnn_tensor *all[] = {&tx, &tdy, &tw, &tb, &trm, &trv, &tout, &tsm, &tsi, &tgx, &tgw, &tgb};
  for (size_t i = 0; i < sizeof all / sizeof all[0]; i++)
    oclnn_tensor_free(all[i]);
  free(x);
  free(dy);
  free(w);
  free(b);
  free(rm);
  free(rv);
}

/* --- the reference against finite differences --- */

static void fd_check(const bw_case *c, uint64_t seed) {
  bw_map m = make_map(c);
  bool batch_stats = uses_batch_stats(c);
  float *xf = malloc(m.count * sizeof *xf), *dyf = malloc(m.count * sizeof *dyf);
  float *wf = malloc(m.nparams * sizeof *wf), *rm = malloc((m.C + 1) * sizeof *rm);
  float *rv = malloc((m.C + 1) * sizeof *rv);
  cr_assert(xf && dyf && wf && rm && rv);
  norm_test_random(xf, m.count, seed, 1.0, 0.5);
  norm_test_random(dyf, m.count, seed + 1, 1.0, 0.0);
  norm_test_random(wf, m.nparams, seed + 2, 0.5, 1.0);
  norm_test_random(rm, m.C, seed + 4, 0.5, 0.0);
  norm_test_random(rv, m.C, seed + 5, 0.25, 0.75);
  double *x = to_double(xf, m.count), *dy = to_double(dyf, m.count);
  double *w = c->affine ? to_double(wf, m.nparams) : NULL;
  double *b = calloc(m.nparams + 1, sizeof *b);
  cr_assert(b);
  bw_ref r;
  ref_backward(&m, x, dy, w, batch_stats, rm, rv, c->eps, &r);
  char what[256];
  describe(c, what, sizeof what);
  const double h = 1e-5;
  for (size_t i = 0; i < m.count; i++) {
    double keep = x[i];
    x[i] = keep + h;
    double up = ref_loss(&m, x, dy, w, b, batch_stats, rm, rv, c->eps);
    x[i] = keep - h;
    double down = ref_loss(&m, x, dy, w, b, batch_stats, rm, rv, c->eps);
    x[i] = keep;
    double fd = (up - down) / (2 * h);
    cr_assert(fabs(fd - r.gx[i]) <= 1e-6 * (1.0 + r.gx_scale[i]),
              "%s: grad_in[%zu] reference %.12g, finite difference %.12g", what, i, r.gx[i], fd);
  }
  for (size_t p = 0; c->affine && p < m.nparams; p++) {
    double keep = w[p];
    w[p] = keep + h;
    double up = ref_loss(&m, x, dy, w, b, batch_stats, rm, rv, c->eps);
    w[p] = keep - h;
    double down = ref_loss(&m, x, dy, w, b, batch_stats, rm, rv, c->eps);
    w[p] = keep;
    double fd = (up - down) / (2 * h);
    cr_assert(fabs(fd - r.gw[p]) <= 1e-6 * (1.0 + r.gw_scale[p]),
              "%s: grad_weight[%zu] reference %.12g, finite difference %.12g", what, p, r.gw[p],
              fd);
    keep = b[p];
    b[p] = keep + h;
    up = ref_loss(&m, x, dy, w, b, batch_stats, rm, rv, c->eps);
    b[p] = keep - h;
    down = ref_loss(&m, x, dy, w, b, batch_stats, rm, rv, c->eps);
    b[p] = keep;
    fd = (up - down) / (2 * h);
    cr_assert(fabs(fd - r.gb[p]) <= 1e-6 * (1.0 + r.gb_scale[p]),
              "%s: grad_bias[%zu] reference %.12g, finite difference %.12g", what, p, r.gb[p], fd);
  }
  ref_free(&r);
  free(x);
  free(dy);
  free(w);
  free(b);
  free(xf);
  free(dyf);
  free(wf);
  free(rm);
  free(rv);
}

static bw_case small_case(int kind, int rank, const int64_t *shape) {
  bw_case c;
  memset(&c, 0, sizeof c);
  c.kind = kind;
  c.rank = rank;
  memcpy(c.shape, shape, (size_t)rank * sizeof *shape);
  c.dims = rank - 2 < 1 ? 1 : rank - 2;
  c.k = 1;
  c.groups = 1;
  c.affine = 1;
  c.bias = 1;
  c.training = 1;
  c.eps = 1e-5;
  c.scale = 1.0;
  return c;
}

Test(norm_backward, reference_matches_finite_differences) {
  const int64_t s3[3] = {2, 3, 4}, s4[4] = {2, 4, 2, 3}, s2[2] = {5, 3};
  bw_case cases[12];
  int n = 0;
  cases[n++] = small_case(K_BATCH, 3, s3);
  cases[n] = small_case(K_BATCH, 3, s3);
  cases[n].track = 1;
  cases[n++].training = 0; /* running statistics */
  cases[n] = small_case(K_BATCH, 2, s2);
  cases[n++].affine = 0;
  cases[n++] = small_case(K_INSTANCE, 3, s3);
  cases[n] = small_case(K_INSTANCE, 4, s4);
  cases[n].track = 1;
  cases[n++].training = 0;
  cases[n] = small_case(K_LAYER, 3, s3);
  cases[n++].k = 2;
  cases[n] = small_case(K_LAYER, 2, s2);
  cases[n++].affine = 0;
  cases[n] = small_case(K_GROUP, 4, s4);
  cases[n++].groups = 2;
  cases[n] = small_case(K_GROUP, 3, s3);
  cases[n++].groups = 3;
  for (int i = 0; i < n; i++)
    fd_check(&cases[i], 100 + (uint64_t)i);
}

/* The same check over a sweep of small random cases of every layer (train and eval, affine on
 * and off, unbatched InstanceNorm, ranks 2 to 5). */
static bw_case random_case(int kind, uint64_t *state, size_t max_numel);

Test(norm_backward, reference_matches_finite_differences_sweep) {
  uint64_t state = 31337;
  for (int kind = K_BATCH; kind <= K_GROUP; kind++)
    for (int i = 0; i < 12; i++) {
      bw_case c = random_case(kind, &state, 72);
      c.scale = 1.0;
      c.offset = 0.0;
      fd_check(&c, 500 + (uint64_t)(kind * 100 + i));
    }
}

/* --- sweeps on the device --- */

/* A random case of `kind` with at most about max_numel elements. */
static bw_case random_case(int kind, uint64_t *state, size_t max_numel) {
  bw_case c;
  for (;;) {
    memset(&c, 0, sizeof c);
    c.kind = kind;
    c.eps = norm_test_pick(state, 2) ? 1e-5 : 1e-3;
    c.scale = norm_test_pick(state, 3) == 0 ? 10.0 : 1.0;
    c.offset = norm_test_pick(state, 3) == 0 ? 3.0 * c.scale : 0.0;
    c.affine = norm_test_pick(state, 3) != 0;
    c.bias = norm_test_pick(state, 2);
    c.track = norm_test_pick(state, 2);
    c.training = norm_test_pick(state, 2);
    if (kind == K_BATCH) {
      c.dims = 1 + (int)norm_test_pick(state, 3);
      c.rank = c.dims == 1 ? 2 + (int)norm_test_pick(state, 2) : c.dims + 2;
      c.shape[0] = 1 + (int64_t)norm_test_pick(state, 5);
      c.shape[1] = 1 + (int64_t)norm_test_pick(state, 7);
    } else if (kind == K_INSTANCE) {
      c.dims = 1 + (int)norm_test_pick(state, 3);
      c.rank = c.dims + 1 + (int)norm_test_pick(state, 2);
      for (int i = 0; i < c.rank - c.dims; i++)
        c.shape[i] = 1 + (int64_t)norm_test_pick(state, 5);
    } else if (kind == K_LAYER) {
      c.k = 1 + (int)norm_test_pick(state, 3);
      c.rank = c.k + (int)norm_test_pick(state, 3);
      if (c.rank > 5)
        c.rank = 5;
    } else {
      c.rank = 2 + (int)norm_test_pick(state, 3);
      c.groups = 1 + (int64_t)norm_test_pick(state, 4);
      c.shape[0] = 1 + (int64_t)norm_test_pick(state, 4);
      c.shape[1] = c.groups * (1 + (int64_t)norm_test_pick(state, 4));
    }
    int first_free = kind == K_BATCH || kind == K_GROUP ? 2
                     : kind == K_INSTANCE               ? c.rank - c.dims
                                                        : 0;
    for (int i = first_free; i < c.rank; i++)
      c.shape[i] = 1 + (int64_t)norm_test_pick(state, norm_test_pick(state, 4) == 0 ? 40 : 9);
    size_t numel = test_numel(c.rank, c.shape);
    if (numel == 0 || numel > max_numel)
      continue;
    /* What the forward refuses (one value per statistics group). */
    bw_map m = make_map(&c);
    if (uses_batch_stats(&c) && m.group_len <= 1)
      continue;
    if (kind == K_GROUP && m.count / m.ngroups * m.ngroups == 1)
      continue;
    return c;
  }
}

Test(norm_backward, sweep) {
  uint64_t state = 4242;
  for (int kind = K_BATCH; kind <= K_GROUP; kind++)
    for (int i = 0; i < 30; i++) {
      bw_case c = random_case(kind, &state, 20000);
      run_case(&c, 1000 + (uint64_t)(kind * 100 + i), 7);
    }
}

/* Each gradient on its own (the others NULL). */
Test(norm_backward, single_gradients) {
  uint64_t state = 99;
  for (int kind = K_BATCH; kind <= K_GROUP; kind++)
    for (int which = 1; which <= 6; which++) {
      bw_case c = random_case(kind, &state, 3000);
      c.affine = 1;
      c.bias = 1;
      run_case(&c, 2000 + (uint64_t)(kind * 10 + which), which);
    }
}

/* Rows and groups long enough for every blocked sum and several segments per row, and many
 * tiny rows. */
Test(norm_backward, long_and_tiny_rows) {
  worst_ratio = 0.0;
  const int64_t bn[4] = {3, 2, 250, 301}, in[3] = {2, 3, 70001}, ln[2] = {2, 600001};
  const int64_t gn[3] = {2, 6, 40000}, tiny_ln[2] = {20000, 3}, tiny_in[3] = {300, 50, 2};
  const int64_t bn_nc[2] = {5000, 7};
  bw_case c = small_case(K_BATCH, 4, bn);
  c.dims = 2;
  run_case(&c, 1, 7);
  c.training = 0;
  c.track = 1;
  run_case(&c, 2, 7);
  c = small_case(K_BATCH, 2, bn_nc);
  run_case(&c, 3, 7);
  c = small_case(K_INSTANCE, 3, in);
  run_case(&c, 4, 7);
  c = small_case(K_LAYER, 2, ln);
  run_case(&c, 5, 7);
  c = small_case(K_GROUP, 3, gn);
  c.groups = 3;
  run_case(&c, 6, 7);
  c = small_case(K_LAYER, 2, tiny_ln);
  run_case(&c, 7, 7);
  c = small_case(K_INSTANCE, 3, tiny_in);
  c.dims = 1;
  run_case(&c, 8, 7);
  cr_log_info("norm_backward long/tiny rows: worst error / tolerance %.3f", worst_ratio);
}

/* The same call twice gives the same bits (no atomics, fixed orders). */
Test(norm_backward, deterministic) {
  oclnn_context *ctx = test_context();
  const int64_t shape[4] = {4, 8, 64, 65}, cs[1] = {8}, gs[1] = {4 * 2};
  oclnn_group_norm_desc d = oclnn_group_norm_desc_default(2, 8);
  oclnn_group_norm *gn = NULL;
  TEST_OK(ctx, oclnn_group_norm_create(ctx, &d, &gn));
  size_t count = test_numel(4, shape);
  float *x = malloc(count * sizeof *x), *dy = malloc(count * sizeof *dy), w[8], b[8];
  cr_assert(x && dy);
  norm_test_random(x, count, 1, 1.0, 0.0);
  norm_test_random(dy, count, 2, 1.0, 0.0);
  norm_test_random(w, 8, 3, 1.0, 0.0);
  norm_test_random(b, 8, 4, 1.0, 0.0);
  oclnn_tensor tx = test_tensor_from_host(ctx, 4, shape, x);
  oclnn_tensor tdy = test_tensor_from_host(ctx, 4, shape, dy);
  oclnn_tensor tw = test_tensor_from_host(ctx, 1, cs, w), tb = test_tensor_from_host(ctx, 1, cs, b);
  oclnn_tensor tout, tsm, tsi, tgx, tgw, tgb;
  TEST_OK(ctx, oclnn_tensor_alloc(ctx, 4, shape, &tout));
  TEST_OK(ctx, oclnn_tensor_alloc(ctx, 4, shape, &tgx));
  TEST_OK(ctx, oclnn_tensor_alloc(ctx, 1, gs, &tsm));
  TEST_OK(ctx, oclnn_tensor_alloc(ctx, 1, gs, &tsi));
  TEST_OK(ctx, oclnn_tensor_alloc(ctx, 1, cs, &tgw));
  TEST_OK(ctx, oclnn_tensor_alloc(ctx, 1, cs, &tgb));
  TEST_OK(ctx, oclnn_group_norm_forward_save(gn, &tx, &tw, &tb, NULL, &tout, &tsm, &tsi));
  float *first[3] = {NULL, NULL, NULL};
  for (int run = 0; run < 2; run++) {
    TEST_OK(ctx, oclnn_group_norm_backward(gn, &tx, &tw, &tsm, &tsi, &tdy, &tgx, &tgw, &tgb));
    float *got[3] = {norm_test_download(ctx, &tgx), norm_test_download(ctx, &tgw),
                     norm_test_download(ctx, &tgb)};
    size_t sizes[3] = {count, 8, 8};
    for (int t = 0; t < 3; t++) {
      if (run == 0) {
        first[t] = got[t];
      } else {
        cr_assert(memcmp(first[t], got[t], sizes[t] * sizeof(float)) == 0,
                  "gradient %d differs between two identical calls", t);
        free(got[t]);
        free(first[t]);
      }
    }
  }
  oclnn_group_norm_free(gn);
  oclnn_tensor *all[] = {&tx, &tdy, &tw, &tb, &tout, &tsm, &tsi, &tgx, &tgw, &tgb};
  for (size_t i = 0; i < sizeof all / sizeof all[0]; i++)
    oclnn_tensor_free(all[i]);
  free(x);
  free(dy);
}

/* --- torch.autograd cases --- */

#define TORCH_MAX_TENSORS 12

typedef struct torch_tensor {
  char key[32];
  int rank;
  int64_t shape[5];
  float *data;
  size_t count;
} torch_tensor;

typedef struct torch_case {
  char name[64];
  bw_case c;
  int64_t normalized[5];
  torch_tensor t[TORCH_MAX_TENSORS];
  int tensors;
} torch_case;

static const torch_tensor *torch_find(const torch_case *tc, const char *key) {
  for (int i = 0; i < tc->tensors; i++)
    if (strcmp(tc->t[i].key, key) == 0)
      return &tc->t[i];
  return NULL;
}

static double parse_number(test_parser *ps) {
  char word[64];
  cr_assert(test_next_word(ps, word, sizeof word), "%s:%d: number expected", ps->path, ps->line);
  char *end = NULL;
  double v = strtod(word, &end);
  cr_assert(end && *end == '\0', "%s:%d: bad number '%s'", ps->path, ps->line, word);
  return v;
}

/* Reads the next case into tc (its tensors malloc'd); false at the end of the file. */
static bool torch_next(test_parser *ps, torch_case *tc) {
  char word[64];
  memset(tc, 0, sizeof *tc);
  if (!test_next_word(ps, word, sizeof word))
    return false;
  cr_assert_str_eq(word, "case", "%s:%d", ps->path, ps->line);
  char layer[32];
  cr_assert(test_next_word(ps, tc->name, sizeof tc->name));
  cr_assert(test_next_word(ps, layer, sizeof layer));
  bw_case *c = &tc->c;
  c->kind = strcmp(layer, "batch") == 0      ? K_BATCH
            : strcmp(layer, "instance") == 0 ? K_INSTANCE
            : strcmp(layer, "layer") == 0    ? K_LAYER
                                             : K_GROUP;
  c->bias = 1;
  c->training = 1;
  while (test_next_word(ps, word, sizeof word) && strcmp(word, "end") != 0) {
    char key[32];
    cr_assert(test_next_word(ps, key, sizeof key));
    if (strcmp(word, "attr") == 0) {
      int n = (int)parse_number(ps);
      double v[5] = {0};
      cr_assert(n >= 1 && n <= 5, "%s:%d: attr %s count %d", ps->path, ps->line, key, n);
      for (int i = 0; i < n; i++)
        v[i] = parse_number(ps);
      if (strcmp(key, "dims") == 0)
        c->dims = (int)v[0];
      else if (strcmp(key, "eps") == 0)
        c->eps = v[0];
      else if (strcmp(key, "affine") == 0)
        c->affine = (int)v[0];
      else if (strcmp(key, "track") == 0)
        c->track = (int)v[0];
      else if (strcmp(key, "training") == 0)
        c->training = (int)v[0];
      else if (strcmp(key, "bias") == 0)
        c->bias = (int)v[0];
      else if (strcmp(key, "num_groups") == 0)
        c->groups = (int64_t)v[0];
      else if (strcmp(key, "normalized_shape") == 0) {
        c->k = n;
        for (int i = 0; i < n; i++)
          tc->normalized[i] = (int64_t)v[i];
      }
      continue;
    }
    cr_assert_str_eq(word, "tensor", "%s:%d", ps->path, ps->line);
    cr_assert(tc->tensors < TORCH_MAX_TENSORS);
    torch_tensor *t = &tc->t[tc->tensors++];
    snprintf(t->key, sizeof t->key, "%s", key);
    t->rank = (int)parse_number(ps);
    cr_assert(t->rank >= 1 && t->rank <= 5);
    for (int i = 0; i < t->rank; i++)
      t->shape[i] = (int64_t)parse_number(ps);
    t->count = test_numel(t->rank, t->shape);
    t->data = malloc((t->count + 1) * sizeof *t->data);
    cr_assert(t->data);
    for (size_t i = 0; i < t->count; i++)
      t->data[i] = (float)parse_number(ps);
  }
  const torch_tensor *x = torch_find(tc, "x");
  cr_assert(x, "%s: no x", tc->name);
  c->rank = x->rank;
  memcpy(c->shape, x->shape, sizeof c->shape);
  return true;
}

static void torch_compare(const char *name, const char *key, oclnn_context *ctx,
                          const oclnn_tensor *got_t, const torch_tensor *want) {
  float *got = norm_test_download(ctx, got_t);
  double *w = to_double(want->data, want->count);
  double maxabs = 0.0;
  for (size_t i = 0; i < want->count; i++)
    maxabs = fmax(maxabs, fabs(w[i]));
  char what[128];
  snprintf(what, sizeof what, "torch case %s: %s", name, key);
  test_assert_close(what, got, w, want->count, 5e-5 * maxabs + 1e-6, 5e-5);
  free(got);
  free(w);
}

Test(norm_backward, torch_autograd_cases) {
  oclnn_context *ctx = test_context();
  const char *dir = getenv("OCLNN_TEST_DATA");
  char path[1024];
  snprintf(path, sizeof path, "%s/norm_grad_cases.txt", dir ? dir : OCLNN_SOURCE_DIR "/tests/data");
  char *text = test_read_file(path, NULL);
  cr_assert(text, "cannot read %s", path);
  test_parser ps = {text, 1, path};
  torch_case *tc = malloc(sizeof *tc);
  cr_assert(tc);
  int cases = 0;
  while (torch_next(&ps, tc)) {
    const torch_tensor *x = torch_find(tc, "x"), *dy = torch_find(tc, "dy");
    const torch_tensor *w = torch_find(tc, "weight"), *b = torch_find(tc, "bias");
    const torch_tensor *rm = torch_find(tc, "running_mean"), *rv = torch_find(tc, "running_var");
    const torch_tensor *sm = torch_find(tc, "save_mean"), *si = torch_find(tc, "save_invstd");
    const torch_tensor *gx = torch_find(tc, "grad_in"), *gw = torch_find(tc, "grad_weight");
    const torch_tensor *gb = torch_find(tc, "grad_bias");
    cr_assert(dy && sm && si && gx, "%s: incomplete case", tc->name);
    bw_case *c = &tc->c;
    if (c->kind == K_LAYER) {
      /* layer_create reads normalized_shape from the input's trailing dims. */
      for (int i = 0; i < c->k; i++)
        cr_assert_eq(c->shape[c->rank - c->k + i], tc->normalized[i]);
    }
    bw_layer L = layer_create(ctx, c);
    oclnn_tensor tx = test_tensor_from_host(ctx, x->rank, x->shape, x->data);
    oclnn_tensor tdy = test_tensor_from_host(ctx, dy->rank, dy->shape, dy->data);
    oclnn_tensor tw = {0}, tb = {0}, trm = {0}, trv = {0}, tout, tsm, tsi, tgx, tgw = {0},
                 tgb = {0};
    if (w)
      tw = test_tensor_from_host(ctx, w->rank, w->shape, w->data);
    if (b)
      tb = test_tensor_from_host(ctx, b->rank, b->shape, b->data);
    if (rm)
      trm = test_tensor_from_host(ctx, rm->rank, rm->shape, rm->data);
    if (rv)
      trv = test_tensor_from_host(ctx, rv->rank, rv->shape, rv->data);
    TEST_OK(ctx, oclnn_tensor_alloc(ctx, x->rank, x->shape, &tout));
    TEST_OK(ctx, oclnn_tensor_alloc(ctx, x->rank, x->shape, &tgx));
    TEST_OK(ctx, oclnn_tensor_alloc(ctx, sm->rank, sm->shape, &tsm));
    TEST_OK(ctx, oclnn_tensor_alloc(ctx, si->rank, si->shape, &tsi));
    if (gw)
      TEST_OK(ctx, oclnn_tensor_alloc(ctx, gw->rank, gw->shape, &tgw));
    if (gb)
      TEST_OK(ctx, oclnn_tensor_alloc(ctx, gb->rank, gb->shape, &tgb));
    TEST_OK(ctx, layer_forward_save(&L, &tx, w ? &tw : NULL, b ? &tb : NULL, rm ? &trm : NULL,
                                    rv ? &trv : NULL, &tout, &tsm, &tsi));
    TEST_OK(ctx, layer_backward(&L, &tx, w ? &tw : NULL, &tsm, &tsi, &tdy, &tgx, gw ? &tgw : NULL,
                                gb ? &tgb : NULL));
    torch_compare(tc->name, "save_mean", ctx, &tsm, sm);
    torch_compare(tc->name, "save_invstd", ctx, &tsi, si);
    torch_compare(tc->name, "grad_in", ctx, &tgx, gx);
    if (gw)
      torch_compare(tc->name, "grad_weight", ctx, &tgw, gw);
    if (gb)
      torch_compare(tc->name, "grad_bias", ctx, &tgb, gb);
    layer_free(&L);
    oclnn_tensor *all[] = {&tx, &tdy, &tw, &tb, &trm, &trv, &tout, &tsm, &tsi, &tgx, &tgw, &tgb};
    for (size_t i = 0; i < sizeof all / sizeof all[0]; i++)
      oclnn_tensor_free(all[i]);
    for (int i = 0; i < tc->tensors; i++)
      free(tc->t[i].data);
    cases++;
  }
  cr_assert_eq(cases, 23, "%s holds %d cases, expected 23", path, cases);
  free(tc);
  free(text);
}

/* --- bad input --- */

#define SENTINEL 777.0f

enum {
  T_NULL,
  T_X,      /* (2, 3, 4) input */
  T_DY,     /* (2, 3, 4) grad_out */
  T_W,      /* (3) */
  T_W4,     /* (4): LayerNorm's weight */
  T_B,      /* (3) */
  T_RM,     /* (3) */
  T_RV,     /* (3) */
  T_SM,     /* (3) saved mean (sentinel-filled: nothing runs) */
  T_SI,     /* (3) */
  T_SM6,    /* (6): the group count of LayerNorm [4], GroupNorm and InstanceNorm */
  T_SI6,    /* (6) */
  T_GX,     /* (2, 3, 4) */
  T_GW,     /* (3) */
  T_GB,     /* (3) */
  T_GW4,    /* (4) */
  T_GB6,    /* (6) */
  T_OUT,    /* (2, 3, 4) forward output */
  T_X_C4,   /* (2, 4, 4): 4 channels */
  T_X_ONE,  /* (1, 3): one value per channel */
  T_S5,     /* (2, 3, 5) */
  T_C4,     /* (4) */
  T_GX_DY,  /* grad_in on grad_out's memory */
  T_GW_SM,  /* grad_weight on save_mean's memory */
  T_GB_GW,  /* grad_bias overlapping grad_weight */
  T_GX_OOB, /* grad_in past its buffer's end */
  T_SM_OUT, /* save_mean on out's memory */
  T_SM_X,   /* save_mean (6) on in's memory */
  T_COUNT
};

enum { L_BN, L_BN_PLAIN, L_LN, L_GN, L_IN };

typedef struct bad_row {
  const char *what;
  int layer, forward;                      /* forward: forward_save, else backward */
  int x, w, sm, si, dy_or_out, gx, gw, gb; /* tensor slots */
  oclnn_status want;
} bad_row;

static const bad_row bad_rows[] = {
    {"grad_out NULL", L_BN, 0, T_X, T_W, T_SM, T_SI, T_NULL, T_GX, T_GW, T_GB,
     OCLNN_ERR_NULL_ARGUMENT},
    {"save_mean NULL", L_BN, 0, T_X, T_W, T_NULL, T_SI, T_DY, T_GX, T_GW, T_GB,
     OCLNN_ERR_NULL_ARGUMENT},
    {"save_invstd NULL", L_BN, 0, T_X, T_W, T_SM, T_NULL, T_DY, T_GX, T_GW, T_GB,
     OCLNN_ERR_NULL_ARGUMENT},
    {"no gradient asked for", L_BN, 0, T_X, T_W, T_SM, T_SI, T_DY, T_NULL, T_NULL, T_NULL,
     OCLNN_ERR_INVALID_VALUE},
    {"weight NULL with grad_in", L_BN, 0, T_X, T_NULL, T_SM, T_SI, T_DY, T_GX, T_GW, T_GB,
     OCLNN_ERR_NULL_ARGUMENT},
    {"grad_out of another shape", L_BN, 0, T_X, T_W, T_SM, T_SI, T_S5, T_GX, T_GW, T_GB,
     OCLNN_ERR_INVALID_SHAPE},
    {"grad_in of another shape", L_BN, 0, T_X, T_W, T_SM, T_SI, T_DY, T_S5, T_GW, T_GB,
     OCLNN_ERR_INVALID_SHAPE},
    {"save_mean of 4", L_BN, 0, T_X, T_W, T_C4, T_SI, T_DY, T_GX, T_GW, T_GB,
     OCLNN_ERR_INVALID_SHAPE},
    {"save_invstd of 4", L_BN, 0, T_X, T_W, T_SM, T_C4, T_DY, T_GX, T_GW, T_GB,
     OCLNN_ERR_INVALID_SHAPE},
    {"weight of 4", L_BN, 0, T_X, T_C4, T_SM, T_SI, T_DY, T_GX, T_GW, T_GB,
     OCLNN_ERR_INVALID_SHAPE},
    {"grad_weight of 4", L_BN, 0, T_X, T_W, T_SM, T_SI, T_DY, T_GX, T_GW4, T_GB,
     OCLNN_ERR_INVALID_SHAPE},
    {"input with 4 channels", L_BN, 0, T_X_C4, T_W, T_SM, T_SI, T_DY, T_GX, T_GW, T_GB,
     OCLNN_ERR_INVALID_SHAPE},
    {"one value per channel in training", L_BN, 0, T_X_ONE, T_W, T_SM, T_SI, T_DY, T_GX, T_GW, T_GB,
     OCLNN_ERR_INVALID_SHAPE},
    {"grad_in on grad_out", L_BN, 0, T_X, T_W, T_SM, T_SI, T_DY, T_GX_DY, T_GW, T_GB,
     OCLNN_ERR_ALIASING},
    {"grad_weight on save_mean", L_BN, 0, T_X, T_W, T_SM, T_SI, T_DY, T_GX, T_GW_SM, T_GB,
     OCLNN_ERR_ALIASING},
    {"grad_bias overlapping grad_weight", L_BN, 0, T_X, T_W, T_SM, T_SI, T_DY, T_GX, T_GW, T_GB_GW,
     OCLNN_ERR_ALIASING},
    {"grad_in past the buffer", L_BN, 0, T_X, T_W, T_SM, T_SI, T_DY, T_GX_OOB, T_GW, T_GB,
     OCLNN_ERR_OUT_OF_BOUNDS},
    {"weight without affine", L_BN_PLAIN, 0, T_X, T_W, T_SM, T_SI, T_DY, T_GX, T_NULL, T_NULL,
     OCLNN_ERR_INVALID_VALUE},
    {"grad_weight without affine", L_BN_PLAIN, 0, T_X, T_NULL, T_SM, T_SI, T_DY, T_GX, T_GW, T_NULL,
     OCLNN_ERR_INVALID_VALUE},
    {"grad_bias without affine", L_BN_PLAIN, 0, T_X, T_NULL, T_SM, T_SI, T_DY, T_NULL, T_NULL, T_GB,
     OCLNN_ERR_INVALID_VALUE},
    {"LayerNorm grad_bias without bias", L_LN, 0, T_X, T_W4, T_SM6, T_SI6, T_DY, T_GX, T_GW4, T_GB,
     OCLNN_ERR_INVALID_VALUE},
    {"LayerNorm save_mean of 3 rows", L_LN, 0, T_X, T_W4, T_SM, T_SI6, T_DY, T_GX, T_GW4, T_NULL,
     OCLNN_ERR_INVALID_SHAPE},
    {"LayerNorm weight of 3", L_LN, 0, T_X, T_W, T_SM6, T_SI6, T_DY, T_GX, T_GW4, T_NULL,
     OCLNN_ERR_INVALID_SHAPE},
    {"GroupNorm save_invstd of 3", L_GN, 0, T_X, T_W, T_SM6, T_SI, T_DY, T_GX, T_GW, T_GB,
     OCLNN_ERR_INVALID_SHAPE},
    {"GroupNorm grad_bias of 6", L_GN, 0, T_X, T_W, T_SM6, T_SI6, T_DY, T_GX, T_GW, T_GB6,
     OCLNN_ERR_INVALID_SHAPE},
    {"InstanceNorm save_mean per channel", L_IN, 0, T_X, T_W, T_SM, T_SI6, T_DY, T_GX, T_GW, T_GB,
     OCLNN_ERR_INVALID_SHAPE},
    {"InstanceNorm grad_in on grad_out", L_IN, 0, T_X, T_W, T_SM6, T_SI6, T_DY, T_GX_DY, T_GW, T_GB,
     OCLNN_ERR_ALIASING},
    {"forward_save: save_mean of 4", L_BN, 1, T_X, T_W, T_C4, T_SI, T_OUT, 0, 0, 0,
     OCLNN_ERR_INVALID_SHAPE},
    {"forward_save: save_mean on out", L_BN, 1, T_X, T_W, T_SM_OUT, T_SI, T_OUT, 0, 0, 0,
     OCLNN_ERR_ALIASING},
    {"forward_save: LayerNorm save_invstd of 3", L_LN, 1, T_X, T_W4, T_SM6, T_SI, T_OUT, 0, 0, 0,
     OCLNN_ERR_INVALID_SHAPE},
    {"forward_save: GroupNorm save_mean on in", L_GN, 1, T_X, T_W, T_SM_X, T_SI6, T_OUT, 0, 0, 0,
     OCLNN_ERR_ALIASING},
    {"forward_save: InstanceNorm save_mean per channel", L_IN, 1, T_X, T_W, T_SM, T_SI6, T_OUT, 0,
     0, 0, OCLNN_ERR_INVALID_SHAPE},
};

static cl_mem bad_buffer(oclnn_context *ctx, size_t floats, const float *values, float fill) {
  cl_int err = CL_SUCCESS;
  cl_mem m = clCreateBuffer(oclnn_context_cl_context(ctx), CL_MEM_READ_WRITE,
                            floats * sizeof(float), NULL, &err);
  cr_assert_eq(err, CL_SUCCESS);
  float host[64];
  cr_assert(floats <= 64);
  for (size_t i = 0; i < floats; i++)
    host[i] = values ? values[i] : fill;
  cr_assert_eq(clEnqueueWriteBuffer(oclnn_context_cl_queue(ctx), m, CL_TRUE, 0,
                                    floats * sizeof(float), host, 0, NULL, NULL),
               CL_SUCCESS);
  return m;
}

static void assert_filled(oclnn_context *ctx, cl_mem m, size_t floats, float value,
                          const char *what, const char *name) {
  float host[64];
  cr_assert_eq(clEnqueueReadBuffer(oclnn_context_cl_queue(ctx), m, CL_TRUE, 0,
                                   floats * sizeof(float), host, 0, NULL, NULL),
               CL_SUCCESS);
  for (size_t i = 0; i < floats; i++)
    cr_assert_eq(host[i], value, "%s: %s[%zu] was written (%g)", what, name, i, (double)host[i]);
}

Test(norm_backward, bad_input) {
  oclnn_context *ctx = test_context();
  float xv[64], dyv[64];
  test_fill_random(xv, 64, 11);
  test_fill_random(dyv, 64, 12);
  enum { B_X, B_DY, B_W, B_B, B_RM, B_RV, B_SM, B_SI, B_GX, B_GW, B_GB, B_OUT, B_COUNT };
  cl_mem buf[B_COUNT];
  buf[B_X] = bad_buffer(ctx, 64, xv, 0);
  buf[B_DY] = bad_buffer(ctx, 64, dyv, 0);
  for (int i = B_W; i <= B_RV; i++)
    buf[i] = bad_buffer(ctx, 16, NULL, 1.0f);
  for (int i = B_SM; i <= B_GB; i++)
    buf[i] = bad_buffer(ctx, i == B_GX ? 64 : 16, NULL, SENTINEL);
  buf[B_OUT] = bad_buffer(ctx, 64, NULL, SENTINEL);
  const int64_t s3[3] = {2, 3, 4}, c3[1] = {3}, c4[1] = {4}, c6[1] = {6};
  const int64_t sc4[3] = {2, 4, 4}, one[2] = {1, 3}, s5[3] = {2, 3, 5};
  oclnn_tensor t[T_COUNT];
  memset(t, 0, sizeof t);
  t[T_X] = oclnn_tensor_view(buf[B_X], 0, 3, s3);
  t[T_DY] = oclnn_tensor_view(buf[B_DY], 0, 3, s3);
  t[T_W] = oclnn_tensor_view(buf[B_W], 0, 1, c3);
  t[T_W4] = oclnn_tensor_view(buf[B_W], 0, 1, c4);
  t[T_B] = oclnn_tensor_view(buf[B_B], 0, 1, c3);
  t[T_RM] = oclnn_tensor_view(buf[B_RM], 0, 1, c3);
  t[T_RV] = oclnn_tensor_view(buf[B_RV], 0, 1, c3);
  t[T_SM] = oclnn_tensor_view(buf[B_SM], 0, 1, c3);
  t[T_SI] = oclnn_tensor_view(buf[B_SI], 0, 1, c3);
  t[T_SM6] = oclnn_tensor_view(buf[B_SM], 0, 1, c6);
  t[T_SI6] = oclnn_tensor_view(buf[B_SI], 0, 1, c6);
  t[T_GX] = oclnn_tensor_view(buf[B_GX], 0, 3, s3);
  t[T_GW] = oclnn_tensor_view(buf[B_GW], 0, 1, c3);
  t[T_GB] = oclnn_tensor_view(buf[B_GB], 0, 1, c3);
  t[T_GW4] = oclnn_tensor_view(buf[B_GW], 0, 1, c4);
  t[T_GB6] = oclnn_tensor_view(buf[B_GB], 0, 1, c6);
  t[T_OUT] = oclnn_tensor_view(buf[B_OUT], 0, 3, s3);
  t[T_X_C4] = oclnn_tensor_view(buf[B_X], 0, 3, sc4);
  t[T_X_ONE] = oclnn_tensor_view(buf[B_X], 0, 2, one);
  t[T_S5] = oclnn_tensor_view(buf[B_DY], 0, 3, s5);
  t[T_C4] = oclnn_tensor_view(buf[B_SM], 4, 1, c4);
  t[T_GX_DY] = oclnn_tensor_view(buf[B_DY], 0, 3, s3);
  t[T_GW_SM] = oclnn_tensor_view(buf[B_SM], 0, 1, c3);
  t[T_GB_GW] = oclnn_tensor_view(buf[B_GW], 1, 1, c3);
  t[T_GX_OOB] = oclnn_tensor_view(buf[B_GX], 50, 3, s3);
  t[T_SM_OUT] = oclnn_tensor_view(buf[B_OUT], 10, 1, c3);
  t[T_SM_X] = oclnn_tensor_view(buf[B_X], 0, 1, c6);

  oclnn_batch_norm_desc bd = oclnn_batch_norm_desc_default(1, 3);
  oclnn_batch_norm_desc bd_plain = bd;
  bd_plain.affine = 0;
  bd_plain.track_running_stats = 0;
  const int64_t ns[1] = {4};
  oclnn_layer_norm_desc ld = oclnn_layer_norm_desc_default(1, ns);
  ld.bias = 0;
  oclnn_group_norm_desc gd = oclnn_group_norm_desc_default(3, 3);
  oclnn_instance_norm_desc id = oclnn_instance_norm_desc_default(1, 3);
  id.affine = 1;
  oclnn_batch_norm *bn = NULL, *bn_plain = NULL;
  oclnn_layer_norm *ln = NULL;
  oclnn_group_norm *gn = NULL;
  oclnn_instance_norm *in = NULL;
  TEST_OK(ctx, oclnn_batch_norm_create(ctx, &bd, &bn));
  TEST_OK(ctx, oclnn_batch_norm_create(ctx, &bd_plain, &bn_plain));
  TEST_OK(ctx, oclnn_layer_norm_create(ctx, &ld, &ln));
  TEST_OK(ctx, oclnn_group_norm_create(ctx, &gd, &gn));
  TEST_OK(ctx, oclnn_instance_norm_create(ctx, &id, &in));

#define SLOT(i) ((i) == T_NULL ? NULL : &t[(i)])
  for (size_t r = 0; r < sizeof bad_rows / sizeof bad_rows[0]; r++) {
    const bad_row *row = &bad_rows[r];
    const oclnn_tensor *x = SLOT(row->x), *w = SLOT(row->w), *sm = SLOT(row->sm);
    const oclnn_tensor *si = SLOT(row->si), *d = SLOT(row->dy_or_out), *gx = SLOT(row->gx);
    const oclnn_tensor *gw = SLOT(row->gw), *gb = SLOT(row->gb);
    const char *fn = NULL;
    oclnn_status got;
    int64_t nbt = 3;
    if (row->forward) {
      const oclnn_tensor *b = row->layer == L_LN ? NULL : &t[T_B];
      switch (row->layer) {
      case L_BN:
        fn = "oclnn_batch_norm_forward_save";
        got = oclnn_batch_norm_forward_save(bn, 1, x, w, b, &t[T_RM], &t[T_RV], &nbt, NULL, d, sm,
                                            si);
        cr_assert_eq(nbt, 3, "%s: num_batches_tracked changed", row->what);
        break;
      case L_LN:
        fn = "oclnn_layer_norm_forward_save";
        got = oclnn_layer_norm_forward_save(ln, x, w, b, NULL, d, sm, si);
        break;
      case L_GN:
        fn = "oclnn_group_norm_forward_save";
        got = oclnn_group_norm_forward_save(gn, x, w, b, NULL, d, sm, si);
        break;
      default:
        fn = "oclnn_instance_norm_forward_save";
        got = oclnn_instance_norm_forward_save(in, 1, x, w, b, NULL, NULL, NULL, d, sm, si);
        break;
      }
    } else {
      switch (row->layer) {
      case L_BN:
      case L_BN_PLAIN:
        fn = "oclnn_batch_norm_backward";
        got = oclnn_batch_norm_backward(row->layer == L_BN ? bn : bn_plain, 1, x, w, sm, si, d, gx,
                                        gw, gb);
        break;
      case L_LN:
        fn = "oclnn_layer_norm_backward";
        got = oclnn_layer_norm_backward(ln, x, w, sm, si, d, gx, gw, gb);
        break;
      case L_GN:
        fn = "oclnn_group_norm_backward";
        got = oclnn_group_norm_backward(gn, x, w, sm, si, d, gx, gw, gb);
        break;
      default:
        fn = "oclnn_instance_norm_backward";
        got = oclnn_instance_norm_backward(in, 1, x, w, sm, si, d, gx, gw, gb);
        break;
      }
    }
    cr_assert_eq(got, row->want, "%s: got %s, expected %s (%s)", row->what,
                 oclnn_status_string(got), oclnn_status_string(row->want),
                 oclnn_context_error(ctx));
    cr_assert(strstr(oclnn_context_error(ctx), fn), "%s: message '%s' does not name %s", row->what,
              oclnn_context_error(ctx), fn);
    TEST_OK(ctx, oclnn_context_finish(ctx));
    assert_filled(ctx, buf[B_GX], 64, SENTINEL, row->what, "grad_in");
    assert_filled(ctx, buf[B_GW], 16, SENTINEL, row->what, "grad_weight");
    assert_filled(ctx, buf[B_GB], 16, SENTINEL, row->what, "grad_bias");
    assert_filled(ctx, buf[B_SM], 16, SENTINEL, row->what, "save_mean");
    assert_filled(ctx, buf[B_SI], 16, SENTINEL, row->what, "save_invstd");
    assert_filled(ctx, buf[B_OUT], 64, SENTINEL, row->what, "out");
    assert_filled(ctx, buf[B_RM], 16, 1.0f, row->what, "running_mean");
    assert_filled(ctx, buf[B_RV], 16, 1.0f, row->what, "running_var");
  }
#undef SLOT
  /* NULL layer and input. */
  cr_assert_eq(oclnn_batch_norm_backward(NULL, 1, &t[T_X], &t[T_W], &t[T_SM], &t[T_SI], &t[T_DY],
                                         &t[T_GX], NULL, NULL),
               OCLNN_ERR_NULL_ARGUMENT);
  cr_assert_eq(oclnn_layer_norm_backward(ln, NULL, &t[T_W4], &t[T_SM6], &t[T_SI6], &t[T_DY],
                                         &t[T_GX], NULL, NULL),
               OCLNN_ERR_NULL_ARGUMENT);
  cr_assert_eq(oclnn_group_norm_backward(NULL, &t[T_X], &t[T_W], &t[T_SM6], &t[T_SI6], &t[T_DY],
                                         &t[T_GX], NULL, NULL),
               OCLNN_ERR_NULL_ARGUMENT);
  cr_assert_eq(oclnn_instance_norm_backward(in, 1, NULL, &t[T_W], &t[T_SM6], &t[T_SI6], &t[T_DY],
                                            &t[T_GX], NULL, NULL),
               OCLNN_ERR_NULL_ARGUMENT);
  assert_filled(ctx, buf[B_GX], 64, SENTINEL, "NULL layer/input", "grad_in");
  oclnn_batch_norm_free(bn);
  oclnn_batch_norm_free(bn_plain);
  oclnn_layer_norm_free(ln);
  oclnn_group_norm_free(gn);
  oclnn_instance_norm_free(in);
  for (int i = 0; i < B_COUNT; i++)
    clReleaseMemObject(buf[i]);
}

/* Empty inputs: zero grad_weight and grad_bias (sums over nothing), NaN saved statistics of
 * empty groups, nothing else written. */
Test(norm_backward, empty_input) {
  oclnn_context *ctx = test_context();
  const int64_t shape[3] = {2, 3, 0}, c3[1] = {3};
  oclnn_batch_norm_desc d = oclnn_batch_norm_desc_default(1, 3);
  d.track_running_stats = 0;
  oclnn_batch_norm *bn = NULL;
  TEST_OK(ctx, oclnn_batch_norm_create(ctx, &d, &bn));
  float ones[3] = {1, 1, 1}, sentinel[3] = {SENTINEL, SENTINEL, SENTINEL};
  cl_mem xbuf = bad_buffer(ctx, 4, NULL, 0.0f);
  oclnn_tensor x = oclnn_tensor_view(xbuf, 0, 3, shape), gx = x;
  oclnn_tensor w = test_tensor_from_host(ctx, 1, c3, ones),
               b = test_tensor_from_host(ctx, 1, c3, ones);
  oclnn_tensor sm = test_tensor_from_host(ctx, 1, c3, sentinel);
  oclnn_tensor si = test_tensor_from_host(ctx, 1, c3, sentinel);
  oclnn_tensor gw = test_tensor_from_host(ctx, 1, c3, sentinel);
  oclnn_tensor gb = test_tensor_from_host(ctx, 1, c3, sentinel);
  cl_mem dbuf = bad_buffer(ctx, 4, NULL, 0.0f), obuf = bad_buffer(ctx, 4, NULL, 0.0f);
  oclnn_tensor dy = oclnn_tensor_view(dbuf, 0, 3, shape),
               out = oclnn_tensor_view(obuf, 0, 3, shape);
  gx = oclnn_tensor_view(obuf, 0, 3, shape);
  TEST_OK(ctx,
          oclnn_batch_norm_forward_save(bn, 1, &x, &w, &b, NULL, NULL, NULL, NULL, &out, &sm, &si));
  TEST_OK(ctx, oclnn_batch_norm_backward(bn, 1, &x, &w, &sm, &si, &dy, &gx, &gw, &gb));
  float *got_sm = norm_test_download(ctx, &sm), *got_si = norm_test_download(ctx, &si);
  float *got_gw = norm_test_download(ctx, &gw), *got_gb = norm_test_download(ctx, &gb);
  for (int c = 0; c < 3; c++) {
    cr_assert(isnan(got_sm[c]) && isnan(got_si[c]), "saved statistics of an empty batch: NaN");
    cr_assert(got_gw[c] == 0.0f && got_gb[c] == 0.0f, "grad_weight/grad_bias of nothing: 0");
  }
  free(got_sm);
  free(got_si);
  free(got_gw);
  free(got_gb);
  oclnn_batch_norm_free(bn);
  oclnn_tensor *all[] = {&w, &b, &sm, &si, &gw, &gb};
  for (size_t i = 0; i < sizeof all / sizeof all[0]; i++)
    oclnn_tensor_free(all[i]);
  clReleaseMemObject(xbuf);
  clReleaseMemObject(dbuf);
  clReleaseMemObject(obuf);
}
