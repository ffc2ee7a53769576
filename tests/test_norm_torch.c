/* Normalization layers against committed cases computed by torch in float64
 * (tests/data/norm_cases.txt, written by tools/gen_norm_cases.py): every layer and option,
 * running statistics over several training/eval steps, NaN/Inf propagation, hard data
 * (1e4 + N(0, 1) and 1e-3 * N(0, 1)), and torch's refusals, which must fail with the recorded
 * status and leave the output and the running statistics untouched.
 *
 * Tolerance: |got - want| <= 3e-5 + 3e-5 |want| for outputs and running statistics, i.e. fp32
 * accuracy on O(1) values; the hard-data cases use the same bound (an E[x^2] - E[x]^2 or
 * unshifted fp32 mean would miss it by orders of magnitude on 1e4 + N(0, 1)). Where a batch held
 * +-Inf, torch stores a running mean of +-Inf and oclnn NaN (Welford's update turns inf - inf
 * into NaN); the running variance is NaN in both, so only non-finiteness is compared there. */
#include "norm_reference.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define ATOL 3e-5
#define RTOL 3e-5
#define MAX_ITEMS 64
#define SENTINEL 12345.0f

typedef struct item {
  char key[40];
  int is_tensor;
  int rank;
  int64_t shape[OCLNN_MAX_RANK];
  size_t count;
  float *values; /* tensors */
  double attr[8];
  int attr_count;
} item;

typedef struct ncase {
  char name[64], layer[16];
  item items[MAX_ITEMS];
  int count;
  char error_status[48], error_stage[16], error_message[256];
} ncase;

/* The attribute (tensor 0) or tensor (tensor 1) named key; attributes and tensors may share a
 * name ("bias", "residual"). */
static const item *find_kind(const ncase *c, const char *key, int is_tensor) {
  for (int i = 0; i < c->count; i++)
    if (c->items[i].is_tensor == is_tensor && strcmp(c->items[i].key, key) == 0)
      return &c->items[i];
  return NULL;
}
static const item *find(const ncase *c, const char *key) { return find_kind(c, key, 0); }
static const item *find_tensor(const ncase *c, const char *key) { return find_kind(c, key, 1); }

static double attr(const ncase *c, const char *key, double fallback) {
  const item *it = find(c, key);
  return it && it->attr_count > 0 ? it->attr[0] : fallback;
}

/* The tensor named prefix + "_" + step. */
static const item *tensor(const ncase *c, const char *prefix, int step) {
  char key[40];
  snprintf(key, sizeof key, "%s_%d", prefix, step);
  return find_tensor(c, key);
}

static void free_case(ncase *c) {
  for (int i = 0; i < c->count; i++)
    free(c->items[i].values);
  memset(c, 0, sizeof *c);
}

/* Reads the next case from *cursor; returns 0 at the end of the file. */
static int next_case(char **cursor, ncase *c) {
  memset(c, 0, sizeof *c);
  int open = 0;
  while (**cursor) {
    char *line = *cursor;
    char *end = strchr(line, '\n');
    if (end) {
      *end = '\0';
      *cursor = end + 1;
    } else {
      *cursor = line + strlen(line);
    }
    char word[40];
    int used = 0;
    if (line[0] == '#' || sscanf(line, "%39s%n", word, &used) != 1)
      continue;
    char *rest = line + used;
    if (strcmp(word, "case") == 0) {
      cr_assert_eq(sscanf(rest, "%63s %15s", c->name, c->layer), 2, "bad case line: %s", line);
      open = 1;
    } else if (strcmp(word, "end") == 0) {
      cr_assert(open);
      return 1;
    } else if (strcmp(word, "error") == 0) {
      int n = 0;
      cr_assert_eq(sscanf(rest, "%47s %15s %n", c->error_status, c->error_stage, &n), 2);
      snprintf(c->error_message, sizeof c->error_message, "%s", rest + n);
    } else {
      cr_assert(c->count < MAX_ITEMS, "too many items in %s", c->name);
      item *it = &c->items[c->count++];
      int n = 0;
      cr_assert_eq(sscanf(rest, "%39s %n", it->key, &n), 1, "bad line: %s", line);
      char *p = rest + n, *q;
      if (strcmp(word, "attr") == 0) {
        it->attr_count = (int)strtol(p, &q, 10);
        cr_assert(q != p && it->attr_count >= 0 && it->attr_count <= 8);
        for (int i = 0; i < it->attr_count; i++) {
          p = q;
          it->attr[i] = strtod(p, &q);
          cr_assert(q != p, "bad attr %s in %s", it->key, c->name);
        }
      } else {
        cr_assert_str_eq(word, "tensor", "unknown line: %s", line);
        it->is_tensor = 1;
        it->rank = (int)strtol(p, &q, 10);
        cr_assert(q != p && it->rank >= 1 && it->rank <= OCLNN_MAX_RANK);
        it->count = 1;
        for (int i = 0; i < it->rank; i++) {
          p = q;
          it->shape[i] = strtoll(p, &q, 10);
          cr_assert(q != p);
          it->count *= (size_t)it->shape[i];
        }
        it->values = malloc((it->count + 1) * sizeof *it->values);
        cr_assert(it->values);
        for (size_t i = 0; i < it->count; i++) {
          p = q;
          it->values[i] = strtof(p, &q);
          cr_assert(q != p, "short tensor %s in %s", it->key, c->name);
        }
      }
    }
  }
  cr_assert(!open, "case %s has no end", c->name);
  return 0;
}

static oclnn_status status_named(const char *name) {
  for (int s = 0; s < 64; s++)
    if (strcmp(oclnn_status_string((oclnn_status)s), name) == 0)
      return (oclnn_status)s;
  cr_assert_fail("unknown status %s", name);
  return OCLNN_SUCCESS;
}

/* Device copies of a case's tensors (NULL views where absent). */
typedef struct device {
  oclnn_tensor weight, bias, mean_weight, var_weight, running_mean, running_var, residual;
  int has_weight, has_bias, has_mw, has_vw, has_running, has_residual;
} device;

static void upload(oclnn_context *ctx, const item *it, oclnn_tensor *t, int *has) {
  *has = it != NULL;
  if (it)
    *t = test_tensor_from_host(ctx, it->rank, it->shape, it->values);
}

/* A layer of any kind behind one forward function. */
typedef struct layer {
  const ncase *c;
  void *handle;
  int64_t batches;
} layer;

static oclnn_status layer_create(oclnn_context *ctx, layer *l) {
  const ncase *c = l->c;
  int dims = (int)attr(c, "dims", 1);
  int64_t features = (int64_t)attr(c, "num_features", 0);
  int relu = (int)attr(c, "relu", 0);
  double eps = attr(c, "eps", 1e-5);
  if (strcmp(c->layer, "batch") == 0) {
    oclnn_batch_norm_desc d = oclnn_batch_norm_desc_default(dims, features);
    d.eps = eps;
    d.momentum = attr(c, "momentum", 0.1);
    d.momentum_none = (int)attr(c, "momentum_none", 0);
    d.affine = (int)attr(c, "affine", 1);
    d.track_running_stats = (int)attr(c, "track", 1);
    d.fuse_relu = relu;
    return oclnn_batch_norm_create(ctx, &d, (oclnn_batch_norm **)&l->handle);
  }
  if (strcmp(c->layer, "instance") == 0) {
    oclnn_instance_norm_desc d = oclnn_instance_norm_desc_default(dims, features);
    d.eps = eps;
    d.momentum = attr(c, "momentum", 0.1);
    d.affine = (int)attr(c, "affine", 0);
    d.track_running_stats = (int)attr(c, "track", 0);
    d.fuse_relu = relu;
    return oclnn_instance_norm_create(ctx, &d, (oclnn_instance_norm **)&l->handle);
  }
  if (strcmp(c->layer, "layer") == 0) {
    const item *ns = find(c, "normalized_shape");
    cr_assert(ns);
    int64_t shape[OCLNN_MAX_RANK];
    for (int i = 0; i < ns->attr_count; i++)
      shape[i] = (int64_t)ns->attr[i];
    oclnn_layer_norm_desc d = oclnn_layer_norm_desc_default(ns->attr_count, shape);
    d.eps = eps;
    d.elementwise_affine = (int)attr(c, "elementwise_affine", 1);
    d.bias = (int)attr(c, "bias", 1);
    d.fuse_relu = relu;
    return oclnn_layer_norm_create(ctx, &d, (oclnn_layer_norm **)&l->handle);
  }
  if (strcmp(c->layer, "group") == 0) {
    oclnn_group_norm_desc d = oclnn_group_norm_desc_default((int64_t)attr(c, "num_groups", 1),
                                                            (int64_t)attr(c, "num_channels", 1));
    d.eps = eps;
    d.affine = (int)attr(c, "affine", 1);
    d.fuse_relu = relu;
    return oclnn_group_norm_create(ctx, &d, (oclnn_group_norm **)&l->handle);
  }
  if (strcmp(c->layer, "lrn") == 0) {
    oclnn_lrn_desc d = oclnn_lrn_desc_default((int64_t)attr(c, "size", 1));
    d.alpha = attr(c, "alpha", 1e-4);
    d.beta = attr(c, "beta", 0.75);
    d.k = attr(c, "k", 1.0);
    return oclnn_lrn_create(ctx, &d, (oclnn_lrn **)&l->handle);
  }
  cr_assert_str_eq(c->layer, "switch");
  oclnn_switchable_norm_desc d = oclnn_switchable_norm_desc_default(dims, features);
  d.eps = eps;
  d.momentum = attr(c, "momentum", 0.9);
  d.using_bn = (int)attr(c, "using_bn", 1);
  d.using_moving_average = (int)attr(c, "using_moving_average", 1);
  d.fuse_relu = relu;
  return oclnn_switchable_norm_create(ctx, &d, (oclnn_switchable_norm **)&l->handle);
}

static void layer_free(layer *l) {
  const char *kind = l->c->layer;
  if (strcmp(kind, "batch") == 0)
    oclnn_batch_norm_free(l->handle);
  else if (strcmp(kind, "instance") == 0)
    oclnn_instance_norm_free(l->handle);
  else if (strcmp(kind, "layer") == 0)
    oclnn_layer_norm_free(l->handle);
  else if (strcmp(kind, "group") == 0)
    oclnn_group_norm_free(l->handle);
  else if (strcmp(kind, "lrn") == 0)
    oclnn_lrn_free(l->handle);
  else
    oclnn_switchable_norm_free(l->handle);
}

static oclnn_status layer_forward(layer *l, device *d, int training, const oclnn_tensor *x,
                                  const oclnn_tensor *y) {
  const char *kind = l->c->layer;
  const oclnn_tensor *w = d->has_weight ? &d->weight : NULL, *b = d->has_bias ? &d->bias : NULL;
  const oclnn_tensor *rm = d->has_running ? &d->running_mean : NULL;
  const oclnn_tensor *rv = d->has_running ? &d->running_var : NULL;
  const oclnn_tensor *res = d->has_residual ? &d->residual : NULL;
  if (strcmp(kind, "batch") == 0)
    return oclnn_batch_norm_forward(l->handle, training, x, w, b, rm, rv, &l->batches, res, y);
  if (strcmp(kind, "instance") == 0)
    return oclnn_instance_norm_forward(l->handle, training, x, w, b, rm, rv, res, y);
  if (strcmp(kind, "layer") == 0)
    return oclnn_layer_norm_forward(l->handle, x, w, b, res, y);
  if (strcmp(kind, "group") == 0)
    return oclnn_group_norm_forward(l->handle, x, w, b, res, y);
  if (strcmp(kind, "lrn") == 0)
    return oclnn_lrn_forward(l->handle, x, y);
  return oclnn_switchable_norm_forward(l->handle, training, x, w, b,
                                       d->has_mw ? &d->mean_weight : NULL,
                                       d->has_vw ? &d->var_weight : NULL, rm, rv, res, y);
}

/* Per-channel tensors for an error case: what the configuration needs, of num_features. */
static void error_tensors(oclnn_context *ctx, const ncase *c, device *d) {
  int64_t features = (int64_t)attr(c, "num_features", attr(c, "num_channels", 1));
  const int64_t shape[1] = {features}, lshape[1] = {3};
  float ones[64], logits[3] = {1, 1, 1};
  cr_assert(features <= 64);
  for (int i = 0; i < 64; i++)
    ones[i] = 1.0f;
  int affine = strcmp(c->layer, "instance") == 0 ? (int)attr(c, "affine", 0)
               : strcmp(c->layer, "switch") == 0 ? 1
                                                 : (int)attr(c, "affine", 1);
  int running = strcmp(c->layer, "batch") == 0      ? (int)attr(c, "track", 1)
                : strcmp(c->layer, "instance") == 0 ? (int)attr(c, "track", 0)
                                                    : strcmp(c->layer, "switch") == 0;
  if (strcmp(c->layer, "lrn") == 0 || strcmp(c->layer, "layer") == 0)
    affine = running = 0;
  if (affine) {
    d->weight = test_tensor_from_host(ctx, 1, shape, ones);
    d->bias = test_tensor_from_host(ctx, 1, shape, ones);
    d->has_weight = d->has_bias = 1;
  }
  if (running) {
    d->running_mean = test_tensor_from_host(ctx, 1, shape, ones);
    d->running_var = test_tensor_from_host(ctx, 1, shape, ones);
    d->has_running = 1;
  }
  if (strcmp(c->layer, "switch") == 0) {
    d->mean_weight = test_tensor_from_host(ctx, 1, lshape, logits);
    d->var_weight = test_tensor_from_host(ctx, 1, lshape, logits);
    d->has_mw = d->has_vw = 1;
  }
}

static void device_free(device *d) {
  oclnn_tensor *all[] = {&d->weight,       &d->bias,        &d->mean_weight, &d->var_weight,
                         &d->running_mean, &d->running_var, &d->residual};
  for (size_t i = 0; i < sizeof all / sizeof all[0]; i++)
    oclnn_tensor_free(all[i]);
}

static void compare(const ncase *c, const char *what, int step, const float *got, const item *want,
                    int nonfinite_relaxed) {
  char label[160];
  snprintf(label, sizeof label, "%s: %s, step %d", c->name, what, step);
  double *w = malloc((want->count + 1) * sizeof *w);
  cr_assert(w);
  for (size_t i = 0; i < want->count; i++)
    w[i] = want->values[i];
  if (nonfinite_relaxed) {
    for (size_t i = 0; i < want->count; i++)
      if (!isfinite(w[i])) {
        cr_assert(!isfinite(got[i]), "%s: element %zu is %g, expected non-finite %g", label, i,
                  (double)got[i], w[i]);
        w[i] = got[i];
      }
  }
  norm_test_close(label, got, w, want->count, ATOL, RTOL);
  free(w);
}

static void run_error_case(oclnn_context *ctx, const ncase *c) {
  oclnn_status want = status_named(c->error_status);
  layer l = {c, NULL, 0};
  oclnn_status got = layer_create(ctx, &l);
  if (strcmp(c->error_stage, "create") == 0) {
    cr_assert_eq(got, want, "%s: create gave %s (%s), torch: %s", c->name, oclnn_status_string(got),
                 oclnn_context_error(ctx), c->error_message);
    cr_assert_null(l.handle);
    return;
  }
  cr_assert_eq(got, OCLNN_SUCCESS, "%s: create failed: %s", c->name, oclnn_context_error(ctx));
  const item *x = tensor(c, "x", 0);
  cr_assert(x);
  device d;
  memset(&d, 0, sizeof d);
  error_tensors(ctx, c, &d);
  size_t count = x->count;
  float *sentinel = malloc((count + 1) * sizeof *sentinel);
  cr_assert(sentinel);
  for (size_t i = 0; i < count; i++)
    sentinel[i] = SENTINEL;
  oclnn_tensor tx = test_tensor_from_host(ctx, x->rank, x->shape, x->values);
  oclnn_tensor ty = test_tensor_from_host(ctx, x->rank, x->shape, sentinel);
  int64_t batches_before = l.batches;
  got = layer_forward(&l, &d, (int)attr(c, "train_0", 1), &tx, &ty);
  cr_assert_eq(got, want, "%s: forward gave %s (%s), torch: %s", c->name, oclnn_status_string(got),
               oclnn_context_error(ctx), c->error_message);
  float *out = norm_test_download(ctx, &ty);
  for (size_t i = 0; i < count; i++)
    cr_assert(out[i] == SENTINEL, "%s: output element %zu was written", c->name, i);
  if (d.has_running) {
    float *rm = norm_test_download(ctx, &d.running_mean);
    float *rv = norm_test_download(ctx, &d.running_var);
    for (size_t i = 0; i < (size_t)d.running_mean.shape[0]; i++)
      cr_assert(rm[i] == 1.0f && rv[i] == 1.0f, "%s: running statistics were written", c->name);
    free(rm);
    free(rv);
  }
  cr_assert_eq(l.batches, batches_before, "%s: num_batches_tracked changed", c->name);
  free(out);
  free(sentinel);
  oclnn_tensor_free(&tx);
  oclnn_tensor_free(&ty);
  device_free(&d);
  layer_free(&l);
}

static void run_case(oclnn_context *ctx, const ncase *c) {
  layer l = {c, NULL, 0};
  TEST_OK(ctx, layer_create(ctx, &l));
  device d;
  memset(&d, 0, sizeof d);
  upload(ctx, find_tensor(c, "weight"), &d.weight, &d.has_weight);
  upload(ctx, find_tensor(c, "bias"), &d.bias, &d.has_bias);
  upload(ctx, find_tensor(c, "mean_weight"), &d.mean_weight, &d.has_mw);
  upload(ctx, find_tensor(c, "var_weight"), &d.var_weight, &d.has_vw);
  upload(ctx, find_tensor(c, "residual"), &d.residual, &d.has_residual);
  int has_var = 0;
  upload(ctx, find_tensor(c, "running_mean"), &d.running_mean, &d.has_running);
  upload(ctx, find_tensor(c, "running_var"), &d.running_var, &has_var);
  cr_assert_eq(d.has_running, has_var);
  int relaxed = strstr(c->name, "nan_inf") != NULL;
  int steps = (int)attr(c, "steps", 1);
  for (int step = 0; step < steps; step++) {
    char key[32];
    snprintf(key, sizeof key, "train_%d", step);
    int training = (int)attr(c, key, 1);
    const item *x = tensor(c, "x", step), *y = tensor(c, "y", step);
    cr_assert(x && y, "%s: step %d has no x or y", c->name, step);
    oclnn_tensor tx = test_tensor_from_host(ctx, x->rank, x->shape, x->values), ty;
    TEST_OK(ctx, oclnn_tensor_alloc(ctx, y->rank, y->shape, &ty));
    oclnn_status status = layer_forward(&l, &d, training, &tx, &ty);
    cr_assert_eq(status, OCLNN_SUCCESS, "%s step %d: %s: %s", c->name, step,
                 oclnn_status_string(status), oclnn_context_error(ctx));
    float *got = norm_test_download(ctx, &ty);
    compare(c, "output", step, got, y, 0);
    free(got);
    const item *rm = tensor(c, "running_mean", step), *rv = tensor(c, "running_var", step);
    if (rm && rv && d.has_running) {
      float *grm = norm_test_download(ctx, &d.running_mean);
      float *grv = norm_test_download(ctx, &d.running_var);
      compare(c, "running_mean", step, grm, rm, relaxed);
      compare(c, "running_var", step, grv, rv, relaxed);
      free(grm);
      free(grv);
    }
    snprintf(key, sizeof key, "nbt_%d", step);
    if (find(c, key))
      cr_assert_eq(l.batches, (int64_t)attr(c, key, 0), "%s step %d: num_batches_tracked %lld",
                   c->name, step, (long long)l.batches);
    oclnn_tensor_free(&tx);
    oclnn_tensor_free(&ty);
  }
  device_free(&d);
  layer_free(&l);
}

Test(norm_torch, committed_cases) {
  oclnn_context *ctx = test_context();
  const char *dir = getenv("OCLNN_TEST_DATA");
  char path[1024];
  snprintf(path, sizeof path, "%s/norm_cases.txt", dir ? dir : OCLNN_SOURCE_DIR "/tests/data");
  char *text = test_read_file(path, NULL);
  cr_assert(text, "cannot read %s", path);
  char *cursor = text;
  ncase *c = malloc(sizeof *c);
  cr_assert(c);
  int cases = 0, errors = 0;
  while (next_case(&cursor, c)) {
    if (c->error_status[0]) {
      run_error_case(ctx, c);
      errors++;
    } else {
      run_case(ctx, c);
      cases++;
    }
    free_case(c);
  }
  free(c);
  free(text);
  cr_assert(cases >= 40 && errors >= 20, "only %d cases and %d refusals read", cases, errors);
  printf("norm_torch: %d cases, %d refusals, worst error/tolerance %.3f\n", cases, errors,
         norm_test_worst(1));
}
