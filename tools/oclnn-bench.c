/* oclnn-bench: times oclnn layers on fixed cases and prints one JSON line per case (--text for
 * a table). bench/compare_torch.py runs it and the same cases in PyTorch side by side.
 *
 * Per case: the layer is created (create_ms: validation + program lookup, cold or from the
 * program cache), run once and synchronised (first_ms), warmed up, then timed with the wall
 * clock around `reps` back-to-back launches followed by one oclnn_context_finish, `samples`
 * times. median_ms is the median over samples of (sample time / reps): the per-launch time of a
 * pipelined run, launch overhead included and one synchronisation amortised over the batch. */
#include "oclnn.h"

#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#define MAX_SAMPLES 101
#define MAX_CASE_FILTERS 32

typedef struct options {
  const char *suite;
  const char *cases[MAX_CASE_FILTERS];
  int case_count;
  const char *device;
  int reps;    /* launches per sample; 0: chosen so a sample takes about target_ms */
  int samples; /* timed samples per case */
  double target_ms;
  bool list, text, check, exact;
} options;

static double now_ms(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (double)ts.tv_sec * 1e3 + (double)ts.tv_nsec * 1e-6;
}

/* Process CPU time (all threads) in ms: what a busy shared machine disturbs least. */
static double cpu_ms(void) {
  struct timespec ts;
  clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts);
  return (double)ts.tv_sec * 1e3 + (double)ts.tv_nsec * 1e-6;
}

static int compare_double(const void *a, const void *b) {
  double x = *(const double *)a, y = *(const double *)b;
  return (x > y) - (x < y);
}

static double median(double *values, int count) {
  qsort(values, (size_t)count, sizeof *values, compare_double);
  return count % 2 ? values[count / 2] : 0.5 * (values[count / 2 - 1] + values[count / 2]);
}

/* Deterministic input data (xorshift64*), values in [-1, 1). */
static void fill_random(float *data, size_t count, uint64_t seed) {
  uint64_t state = seed | 1;
  for (size_t i = 0; i < count; i++) {
    state ^= state >> 12;
    state ^= state << 25;
    state ^= state >> 27;
    uint64_t bits = (state * 0x2545F4914F6CDD1DULL) >> 40; /* 24 random bits */
    data[i] = (float)bits / (float)(1u << 23) - 1.0f;
  }
}

static void print_json_string(const char *text) {
  putchar('"');
  for (const unsigned char *p = (const unsigned char *)text; *p; p++) {
    if (*p == '"' || *p == '\\')
      printf("\\%c", *p);
    else if (*p < 0x20)
      printf("\\u%04x", *p);
    else
      putchar(*p);
  }
  putchar('"');
}

static void print_json_ints(const int64_t *values, int count) {
  putchar('[');
  for (int i = 0; i < count; i++)
    printf("%s%lld", i ? ", " : "", (long long)values[i]);
  putchar(']');
}

static void shape_text(char *buf, size_t size, const int64_t *shape, int rank) {
  size_t used = 0;
  buf[0] = '\0';
  for (int i = 0; i < rank && used < size; i++)
    used += (size_t)snprintf(buf + used, size - used, "%s%lld", i ? "x" : "", (long long)shape[i]);
}

static bool case_selected(const options *opt, const char *name) {
  if (opt->case_count == 0)
    return true;
  for (int i = 0; i < opt->case_count; i++)
    if (opt->exact ? strcmp(name, opt->cases[i]) == 0 : strstr(name, opt->cases[i]) != NULL)
      return true;
  return false;
}

/* Runs `forward(layer)` reps times then synchronises, samples times; fills the per-launch
 * median and minimum. Returns false on a failed call. */
typedef oclnn_status (*forward_fn)(void *layer);

typedef struct timing {
  double create_ms, first_ms, median_ms, min_ms;
  double cpu_min_ms; /* process CPU time per launch, the least of the samples */
  int reps, samples;
} timing;

static bool time_launches(oclnn_context *ctx, const options *opt, forward_fn forward, void *layer,
                          timing *t) {
  /* Warm-up: a few launches so caches, page mappings and PoCL's work-group code are settled. */
  for (int i = 0; i < 3; i++)
    if (forward(layer) != OCLNN_SUCCESS)
      return false;
  if (oclnn_context_finish(ctx) != OCLNN_SUCCESS)
    return false;
  int reps = opt->reps;
  if (reps <= 0) {
    double start = now_ms();
    for (int i = 0; i < 3; i++)
      if (forward(layer) != OCLNN_SUCCESS)
        return false;
    if (oclnn_context_finish(ctx) != OCLNN_SUCCESS)
      return false;
    double each = (now_ms() - start) / 3.0;
    double want = opt->target_ms / (each > 1e-3 ? each : 1e-3);
    reps = want < 3 ? 3 : want > 2000 ? 2000 : (int)want;
  }
  double per_launch[MAX_SAMPLES];
  t->cpu_min_ms = 0.0;
  for (int s = 0; s < opt->samples; s++) {
    double start = now_ms(), cpu_start = cpu_ms();
    for (int i = 0; i < reps; i++)
      if (forward(layer) != OCLNN_SUCCESS)
        return false;
    if (oclnn_context_finish(ctx) != OCLNN_SUCCESS)
      return false;
    per_launch[s] = (now_ms() - start) / reps;
    double cpu = (cpu_ms() - cpu_start) / reps;
    if (s == 0 || cpu < t->cpu_min_ms)
      t->cpu_min_ms = cpu;
  }
  t->reps = reps;
  t->samples = opt->samples;
  t->median_ms = median(per_launch, opt->samples);
  t->min_ms = per_launch[0]; /* sorted by median() */
  return true;
}

/* ------------------------------------------------------------------------------------------ */
/* Suite "pad": every mode (zero = constant 0), 1d/2d/3d                                       */
/* ------------------------------------------------------------------------------------------ */

typedef struct pad_case {
  const char *name;
  const char *torch; /* PyTorch's module (or F.pad) spelled as a reader would write it */
  oclnn_pad_mode mode;
  bool zero; /* ZeroPad: constant mode, value 0 */
  int dims;
  int64_t padding[6];
  float value;
  int rank;
  int64_t shape[OCLNN_MAX_RANK];
} pad_case;

/* One case per line reads better as a table. */
/* clang-format off */
static const pad_case PAD_CASES[] = {
    /* The two targets of the issue, then the other modes on the same shape. */
    {"reflect2d_p4_1x64x256x256", "ReflectionPad2d(4)", OCLNN_PAD_REFLECT, false, 2,
     {4, 4, 4, 4}, 0, 4, {1, 64, 256, 256}},
    {"replicate2d_p4_1x64x256x256", "ReplicationPad2d(4)", OCLNN_PAD_REPLICATE, false, 2,
     {4, 4, 4, 4}, 0, 4, {1, 64, 256, 256}},
    {"zero2d_p4_1x64x256x256", "ZeroPad2d(4)", OCLNN_PAD_CONSTANT, true, 2,
     {4, 4, 4, 4}, 0, 4, {1, 64, 256, 256}},
    {"constant2d_p4_1x64x256x256", "ConstantPad2d(4, 0.5)", OCLNN_PAD_CONSTANT, false, 2,
     {4, 4, 4, 4}, 0.5f, 4, {1, 64, 256, 256}},
    {"circular2d_p4_1x64x256x256", "F.pad(x, (4,4,4,4), 'circular')", OCLNN_PAD_CIRCULAR, false, 2,
     {4, 4, 4, 4}, 0, 4, {1, 64, 256, 256}},
    /* 1d: long rows. */
    {"reflect1d_p8_16x64x4096", "ReflectionPad1d(8)", OCLNN_PAD_REFLECT, false, 1,
     {8, 8}, 0, 3, {16, 64, 4096}},
    {"replicate1d_p8_16x64x4096", "ReplicationPad1d(8)", OCLNN_PAD_REPLICATE, false, 1,
     {8, 8}, 0, 3, {16, 64, 4096}},
    {"zero1d_p8_16x64x4096", "F.pad(x, (8,8))", OCLNN_PAD_CONSTANT, true, 1,
     {8, 8}, 0, 3, {16, 64, 4096}},
    {"constant1d_p8_16x64x4096", "ConstantPad1d(8, 0.5)", OCLNN_PAD_CONSTANT, false, 1,
     {8, 8}, 0.5f, 3, {16, 64, 4096}},
    {"circular1d_p8_16x64x4096", "F.pad(x, (8,8), 'circular')", OCLNN_PAD_CIRCULAR, false, 1,
     {8, 8}, 0, 3, {16, 64, 4096}},
    /* 3d: short rows, many planes (more than 65535 rows). */
    {"reflect3d_p2_1x32x32x64x64", "ReflectionPad3d(2)", OCLNN_PAD_REFLECT, false, 3,
     {2, 2, 2, 2, 2, 2}, 0, 5, {1, 32, 32, 64, 64}},
    {"replicate3d_p2_1x32x32x64x64", "ReplicationPad3d(2)", OCLNN_PAD_REPLICATE, false, 3,
     {2, 2, 2, 2, 2, 2}, 0, 5, {1, 32, 32, 64, 64}},
    {"zero3d_p2_1x32x32x64x64", "F.pad(x, (2,)*6)", OCLNN_PAD_CONSTANT, true, 3,
     {2, 2, 2, 2, 2, 2}, 0, 5, {1, 32, 32, 64, 64}},
    {"constant3d_p2_1x32x32x64x64", "ConstantPad3d(2, 0.5)", OCLNN_PAD_CONSTANT, false, 3,
     {2, 2, 2, 2, 2, 2}, 0.5f, 5, {1, 32, 32, 64, 64}},
    {"circular3d_p2_1x32x32x64x64", "F.pad(x, (2,)*6, 'circular')", OCLNN_PAD_CIRCULAR, false, 3,
     {2, 2, 2, 2, 2, 2}, 0, 5, {1, 32, 32, 64, 64}},
    /* Others: a small image (launch-bound), odd widths, asymmetric, wide pads, a crop. */
    {"reflect2d_p1_1x3x224x224", "ReflectionPad2d(1)", OCLNN_PAD_REFLECT, false, 2,
     {1, 1, 1, 1}, 0, 4, {1, 3, 224, 224}},
    {"reflect2d_p3_1x64x255x255", "ReflectionPad2d(3)", OCLNN_PAD_REFLECT, false, 2,
     {3, 3, 3, 3}, 0, 4, {1, 64, 255, 255}},
    {"replicate2d_p1234_8x32x128x128", "ReplicationPad2d((1,2,3,4))", OCLNN_PAD_REPLICATE, false, 2,
     {1, 2, 3, 4}, 0, 4, {8, 32, 128, 128}},
    {"reflect2d_p32_1x16x256x256", "ReflectionPad2d(32)", OCLNN_PAD_REFLECT, false, 2,
     {32, 32, 32, 32}, 0, 4, {1, 16, 256, 256}},
    {"crop2d_m4_1x64x256x256", "ConstantPad2d(-4, 0)", OCLNN_PAD_CONSTANT, false, 2,
     {-4, -4, -4, -4}, 0, 4, {1, 64, 256, 256}},
};
/* clang-format on */

static const char *const PAD_MODE_NAMES[] = {"constant", "reflect", "replicate", "circular"};

/* Host reference: the source index for one output coordinate (-1: constant fill). */
static int64_t pad_source(oclnn_pad_mode mode, int64_t x, int64_t n) {
  switch (mode) {
  case OCLNN_PAD_CONSTANT:
    return (x >= 0 && x < n) ? x : -1;
  case OCLNN_PAD_REFLECT:
    x = x < 0 ? -x : x;
    return x >= n ? 2 * (n - 1) - x : x;
  case OCLNN_PAD_REPLICATE:
    return x < 0 ? 0 : x >= n ? n - 1 : x;
  default:
    x = x < 0 ? x + n : x;
    return x >= n ? x - n : x;
  }
}

/* Compares the output bit for bit with the host reference; returns the number of mismatches. */
static int64_t pad_check(const pad_case *c, const int64_t *out_shape, const float *in,
                         const float *out, int64_t out_count) {
  int64_t mismatches = 0;
  int rank = c->rank;
  for (int64_t i = 0; i < out_count; i++) {
    int64_t rest = i, src = 0, stride = 1;
    bool fill = false;
    int64_t coords[OCLNN_MAX_RANK];
    for (int a = rank - 1; a >= 0; a--) {
      coords[a] = rest % out_shape[a];
      rest /= out_shape[a];
    }
    for (int a = rank - 1; a >= 0; a--) {
      int k = rank - 1 - a; /* padded dim index, innermost first */
      int64_t x = coords[a];
      if (k < c->dims) {
        x = pad_source(c->mode, x - c->padding[2 * k], c->shape[a]);
        if (x < 0)
          fill = true;
      }
      src += x * stride;
      stride *= c->shape[a];
    }
    float want = fill ? c->value : in[src];
    if (memcmp(&want, &out[i], sizeof want) != 0)
      mismatches++;
  }
  return mismatches;
}

static oclnn_status pad_forward_thunk(void *layer) {
  void **args = layer;
  return oclnn_pad_forward(args[0], args[1], args[2]);
}

static int run_pad_case(oclnn_context *ctx, const options *opt, const pad_case *c,
                        const char *device_name) {
  oclnn_pad_desc desc = oclnn_pad_desc_default(c->dims, c->mode, 0);
  memcpy(desc.padding, c->padding, sizeof desc.padding);
  desc.value = c->zero ? 0.0f : c->value;

  oclnn_tensor in, out;
  memset(&in, 0, sizeof in);
  memset(&out, 0, sizeof out);
  oclnn_pad *pad = NULL;
  float *host_in = NULL, *host_out = NULL;
  int64_t out_shape[OCLNN_MAX_RANK];
  timing t;
  memset(&t, 0, sizeof t);
  int result = 1;
  int64_t in_count = 1, out_count = 1, mismatches = -1;

  double start = now_ms();
  oclnn_status s = oclnn_pad_create(ctx, &desc, &pad);
  t.create_ms = now_ms() - start;
  if (s == OCLNN_SUCCESS)
    s = oclnn_pad_output_shape(pad, c->rank, c->shape, out_shape);
  if (s == OCLNN_SUCCESS) {
    for (int i = 0; i < c->rank; i++) {
      in_count *= c->shape[i];
      out_count *= out_shape[i];
    }
    host_in = malloc((size_t)in_count * sizeof *host_in);
    if (!host_in) {
      fprintf(stderr, "oclnn-bench: %s: out of host memory\n", c->name);
      goto done;
    }
    fill_random(host_in, (size_t)in_count, 0x5eed ^ (uint64_t)in_count);
    s = oclnn_tensor_alloc(ctx, c->rank, c->shape, &in);
  }
  if (s == OCLNN_SUCCESS)
    s = oclnn_tensor_alloc(ctx, c->rank, out_shape, &out);
  if (s == OCLNN_SUCCESS)
    s = oclnn_tensor_upload(ctx, &in, host_in, (size_t)in_count);
  void *args[3] = {pad, &in, &out};
  if (s == OCLNN_SUCCESS) {
    start = now_ms();
    s = oclnn_pad_forward(pad, &in, &out);
    if (s == OCLNN_SUCCESS)
      s = oclnn_context_finish(ctx);
    t.first_ms = now_ms() - start;
  }
  if (s != OCLNN_SUCCESS) {
    fprintf(stderr, "oclnn-bench: %s: %s: %s\n", c->name, oclnn_status_string(s),
            oclnn_context_error(ctx));
    goto done;
  }
  if (opt->check) {
    host_out = malloc((size_t)out_count * sizeof *host_out);
    if (!host_out || oclnn_tensor_download(ctx, &out, host_out, (size_t)out_count)) {
      fprintf(stderr, "oclnn-bench: %s: cannot download the output: %s\n", c->name,
              oclnn_context_error(ctx));
      goto done;
    }
    mismatches = pad_check(c, out_shape, host_in, host_out, out_count);
  }
  if (!time_launches(ctx, opt, pad_forward_thunk, args, &t)) {
    fprintf(stderr, "oclnn-bench: %s: %s\n", c->name, oclnn_context_error(ctx));
    goto done;
  }

  double bytes = (double)(in_count + out_count) * sizeof(float);
  double gbps = bytes / (t.median_ms * 1e-3) / 1e9;
  char in_text[96], out_text[96];
  shape_text(in_text, sizeof in_text, c->shape, c->rank);
  shape_text(out_text, sizeof out_text, out_shape, c->rank);
  if (opt->text) {
    printf("%-32s %-24s %-16s %10.4f %10.4f %8.2f %9.2f %9.2f%s\n", c->name, in_text, out_text,
           t.median_ms, t.min_ms, gbps, t.create_ms, t.first_ms,
           mismatches > 0   ? "  CHECK FAILED"
           : mismatches < 0 ? ""
                            : "  ok");
  } else {
    printf("{\"suite\": \"pad\", \"case\": ");
    print_json_string(c->name);
    printf(", \"torch\": ");
    print_json_string(c->torch);
    printf(", \"mode\": \"%s\", \"dims\": %d, \"padding\": ",
           c->zero ? "zero" : PAD_MODE_NAMES[c->mode], c->dims);
    print_json_ints(c->padding, 2 * c->dims);
    printf(", \"value\": %.9g, \"in_shape\": ", (double)desc.value);
    print_json_ints(c->shape, c->rank);
    printf(", \"out_shape\": ");
    print_json_ints(out_shape, c->rank);
    printf(", \"bytes\": %.0f, \"median_ms\": %.6f, \"min_ms\": %.6f, \"gbps\": %.3f, "
           "\"reps\": %d, \"samples\": %d, \"create_ms\": %.3f, \"first_ms\": %.3f",
           bytes, t.median_ms, t.min_ms, gbps, t.reps, t.samples, t.create_ms, t.first_ms);
    if (mismatches >= 0)
      printf(", \"check\": \"%s\", \"mismatches\": %lld", mismatches ? "failed" : "ok",
             (long long)mismatches);
    printf(", \"device\": ");
    print_json_string(device_name);
    printf("}\n");
  }
  fflush(stdout);
  result = mismatches > 0 ? 1 : 0;
done:
  oclnn_pad_free(pad);
  oclnn_tensor_free(&in);
  oclnn_tensor_free(&out);
  free(host_in);
  free(host_out);
  return result;
}

static int run_pad_suite(oclnn_context *ctx, const options *opt, const char *device_name) {
  int failures = 0;
  for (size_t i = 0; i < sizeof PAD_CASES / sizeof PAD_CASES[0]; i++) {
    const pad_case *c = &PAD_CASES[i];
    if (!case_selected(opt, c->name))
      continue;
    if (opt->list) {
      printf("pad %s %s\n", c->name, c->torch);
      continue;
    }
    failures += run_pad_case(ctx, opt, c, device_name);
  }
  return failures;
}

/* ------------------------------------------------------------------------------------------ */
/* Suite "norm": the normalization layers of norm.h on 8x64x128x128                          */
/* ------------------------------------------------------------------------------------------ */

typedef enum norm_kind {
  NORM_BATCH,
  NORM_INSTANCE,
  NORM_LAYER,
  NORM_GROUP,
  NORM_LRN,
  NORM_SWITCH
} norm_kind;

static const char *const NORM_KIND_NAMES[] = {"batch", "instance", "layer",
                                              "group", "lrn",      "switch"};

typedef struct norm_case {
  const char *name;
  const char *torch; /* the PyTorch module as a reader would write it */
  norm_kind kind;
  bool training;
  int64_t param; /* BatchNorm/InstanceNorm/SwitchNorm: C; GroupNorm: groups; LRN: size;
                    LayerNorm: how many trailing dims are normalised */
  /* Tensor passes of the minimal algorithm (bytes = passes * input bytes): 2 = read the input
   * once and write the output once (also BatchNorm train: a channel's statistics span only
   * that channel, 512 KiB here, which stays in the caches for the write); 3 = statistics over
   * the whole tensor (which does not fit in the caches) before any output can be written:
   * read, read again, write. */
  int passes;
  int rank;
  int64_t shape[OCLNN_MAX_RANK];
} norm_case;

/* clang-format off */
static const norm_case NORM_CASES[] = {
    {"batchnorm2d_eval_8x64x128x128", "BatchNorm2d(64).eval()", NORM_BATCH, false, 64, 2,
     4, {8, 64, 128, 128}},
    {"batchnorm2d_train_8x64x128x128", "BatchNorm2d(64).train()", NORM_BATCH, true, 64, 2,
     4, {8, 64, 128, 128}},
    {"instancenorm2d_aff_8x64x128x128", "InstanceNorm2d(64, affine=True)", NORM_INSTANCE, true,
     64, 2, 4, {8, 64, 128, 128}},
    {"layernorm_chw_8x64x128x128", "LayerNorm([64, 128, 128])", NORM_LAYER, false, 3, 2,
     4, {8, 64, 128, 128}},
    {"groupnorm_g8_8x64x128x128", "GroupNorm(8, 64)", NORM_GROUP, false, 8, 2,
     4, {8, 64, 128, 128}},
    {"lrn5_8x64x128x128", "LocalResponseNorm(5)", NORM_LRN, false, 5, 2,
     4, {8, 64, 128, 128}},
    {"switchnorm2d_train_8x64x128x128", "SwitchNorm2d(64).train() (authors' module)", NORM_SWITCH,
     true, 64, 3, 4, {8, 64, 128, 128}},
    /* the demo's contrast effect seen as rows: a window along contiguous channels */
    {"lrn11_rows_1440x640x1", "LocalResponseNorm(11) on (1440, 640, 1)", NORM_LRN, false, 11, 2,
     3, {1440, 640, 1}},
    /* an MLP's BatchNorm1d: one value per (n, c) */
    {"batchnorm1d_train_256x4096", "BatchNorm1d(4096).train() on (256, 4096)", NORM_BATCH, true,
     4096, 2, 2, {256, 4096}},
};
/* clang-format on */

typedef struct norm_run {
  const norm_case *c;
  void *layer;
  oclnn_tensor in, out, weight, bias, running_mean, running_var, mean_weight, var_weight;
  int64_t num_batches_tracked;
} norm_run;

static const oclnn_tensor *opt_tensor(const oclnn_tensor *t) { return t->buffer ? t : NULL; }

static oclnn_status norm_forward_thunk(void *arg) {
  norm_run *r = arg;
  int train = r->c->training ? 1 : 0;
  switch (r->c->kind) {
  case NORM_BATCH:
    return oclnn_batch_norm_forward(r->layer, train, &r->in, &r->weight, &r->bias, &r->running_mean,
                                    &r->running_var, &r->num_batches_tracked, NULL, &r->out);
  case NORM_INSTANCE:
    return oclnn_instance_norm_forward(r->layer, train, &r->in, &r->weight, &r->bias, NULL, NULL,
                                       NULL, &r->out);
  case NORM_LAYER:
    return oclnn_layer_norm_forward(r->layer, &r->in, opt_tensor(&r->weight), opt_tensor(&r->bias),
                                    NULL, &r->out);
  case NORM_GROUP:
    return oclnn_group_norm_forward(r->layer, &r->in, &r->weight, &r->bias, NULL, &r->out);
  case NORM_LRN:
    return oclnn_lrn_forward(r->layer, &r->in, &r->out);
  default:
    return oclnn_switchable_norm_forward(r->layer, train, &r->in, &r->weight, &r->bias,
                                         &r->mean_weight, &r->var_weight, &r->running_mean,
                                         &r->running_var, NULL, &r->out);
  }
}

static oclnn_status norm_create(oclnn_context *ctx, const norm_case *c, void **layer) {
  int dims = c->rank > 3 ? c->rank - 2 : 1; /* (N, C) and (N, C, L) are 1d */
  switch (c->kind) {
  case NORM_BATCH: {
    oclnn_batch_norm_desc d = oclnn_batch_norm_desc_default(dims, c->param);
    return oclnn_batch_norm_create(ctx, &d, (oclnn_batch_norm **)layer);
  }
  case NORM_INSTANCE: {
    oclnn_instance_norm_desc d = oclnn_instance_norm_desc_default(dims, c->param);
    d.affine = 1;
    return oclnn_instance_norm_create(ctx, &d, (oclnn_instance_norm **)layer);
  }
  case NORM_LAYER: {
    oclnn_layer_norm_desc d =
        oclnn_layer_norm_desc_default((int)c->param, c->shape + c->rank - c->param);
    return oclnn_layer_norm_create(ctx, &d, (oclnn_layer_norm **)layer);
  }
  case NORM_GROUP: {
    oclnn_group_norm_desc d = oclnn_group_norm_desc_default(c->param, c->shape[1]);
    return oclnn_group_norm_create(ctx, &d, (oclnn_group_norm **)layer);
  }
  case NORM_LRN: {
    oclnn_lrn_desc d = oclnn_lrn_desc_default(c->param);
    return oclnn_lrn_create(ctx, &d, (oclnn_lrn **)layer);
  }
  default: {
    oclnn_switchable_norm_desc d = oclnn_switchable_norm_desc_default(dims, c->param);
    return oclnn_switchable_norm_create(ctx, &d, (oclnn_switchable_norm **)layer);
  }
  }
}

static void norm_free(const norm_case *c, void *layer) {
  switch (c->kind) {
  case NORM_BATCH:
    oclnn_batch_norm_free(layer);
    break;
  case NORM_INSTANCE:
    oclnn_instance_norm_free(layer);
    break;
  case NORM_LAYER:
    oclnn_layer_norm_free(layer);
    break;
  case NORM_GROUP:
    oclnn_group_norm_free(layer);
    break;
  case NORM_LRN:
    oclnn_lrn_free(layer);
    break;
  default:
    oclnn_switchable_norm_free(layer);
    break;
  }
}

/* Allocates a parameter tensor and fills it with scale * [-1, 1) + offset. */
static oclnn_status norm_param(oclnn_context *ctx, int rank, const int64_t *shape, float scale,
                               float offset, uint64_t seed, oclnn_tensor *t) {
  int64_t count = 1;
  for (int i = 0; i < rank; i++)
    count *= shape[i];
  float *host = malloc((size_t)count * sizeof *host);
  if (!host)
    return OCLNN_ERR_OUT_OF_MEMORY;
  fill_random(host, (size_t)count, seed);
  for (int64_t i = 0; i < count; i++)
    host[i] = host[i] * scale + offset;
  oclnn_status s = oclnn_tensor_alloc(ctx, rank, shape, t);
  if (s == OCLNN_SUCCESS)
    s = oclnn_tensor_upload(ctx, t, host, (size_t)count);
  free(host);
  return s;
}

/* The parameters each case's layer takes: weight and bias (C, or normalized_shape for
 * LayerNorm), running statistics for BatchNorm and SwitchNorm, SwitchNorm's logits (3). */
static oclnn_status norm_params(oclnn_context *ctx, norm_run *r) {
  const norm_case *c = r->c;
  int64_t channels[1] = {c->shape[1]}, three[1] = {3};
  oclnn_status s = OCLNN_SUCCESS;
  if (c->kind == NORM_LRN)
    return s;
  if (c->kind == NORM_LAYER) {
    int rank = (int)c->param;
    const int64_t *shape = c->shape + c->rank - rank;
    s = norm_param(ctx, rank, shape, 0.5f, 1.0f, 11, &r->weight);
    if (s == OCLNN_SUCCESS)
      s = norm_param(ctx, rank, shape, 0.5f, 0.0f, 12, &r->bias);
    return s;
  }
  s = norm_param(ctx, 1, channels, 0.5f, 1.0f, 11, &r->weight);
  if (s == OCLNN_SUCCESS)
    s = norm_param(ctx, 1, channels, 0.5f, 0.0f, 12, &r->bias);
  if (s == OCLNN_SUCCESS && (c->kind == NORM_BATCH || c->kind == NORM_SWITCH))
    s = norm_param(ctx, 1, channels, 0.1f, 0.0f, 13, &r->running_mean);
  if (s == OCLNN_SUCCESS && (c->kind == NORM_BATCH || c->kind == NORM_SWITCH))
    s = norm_param(ctx, 1, channels, 0.25f, 1.0f, 14, &r->running_var);
  if (s == OCLNN_SUCCESS && c->kind == NORM_SWITCH)
    s = norm_param(ctx, 1, three, 0.5f, 0.0f, 15, &r->mean_weight);
  if (s == OCLNN_SUCCESS && c->kind == NORM_SWITCH)
    s = norm_param(ctx, 1, three, 0.5f, 0.0f, 16, &r->var_weight);
  return s;
}

static int run_norm_case(oclnn_context *ctx, const options *opt, const norm_case *c,
                         const char *device_name) {
  norm_run r;
  memset(&r, 0, sizeof r);
  r.c = c;
  float *host_in = NULL;
  timing t;
  memset(&t, 0, sizeof t);
  int result = 1;
  int64_t count = 1;
  for (int i = 0; i < c->rank; i++)
    count *= c->shape[i];

  double start = now_ms();
  oclnn_status s = norm_create(ctx, c, &r.layer);
  t.create_ms = now_ms() - start;
  if (s == OCLNN_SUCCESS) {
    host_in = malloc((size_t)count * sizeof *host_in);
    if (!host_in) {
      fprintf(stderr, "oclnn-bench: %s: out of host memory\n", c->name);
      goto done;
    }
    fill_random(host_in, (size_t)count, 0x5eed ^ (uint64_t)count);
    s = oclnn_tensor_alloc(ctx, c->rank, c->shape, &r.in);
  }
  if (s == OCLNN_SUCCESS)
    s = oclnn_tensor_alloc(ctx, c->rank, c->shape, &r.out);
  if (s == OCLNN_SUCCESS)
    s = oclnn_tensor_upload(ctx, &r.in, host_in, (size_t)count);
  if (s == OCLNN_SUCCESS)
    s = norm_params(ctx, &r);
  if (s == OCLNN_SUCCESS) {
    start = now_ms();
    s = norm_forward_thunk(&r);
    if (s == OCLNN_SUCCESS)
      s = oclnn_context_finish(ctx);
    t.first_ms = now_ms() - start;
  }
  if (s != OCLNN_SUCCESS) {
    fprintf(stderr, "oclnn-bench: %s: %s: %s\n", c->name, oclnn_status_string(s),
            oclnn_context_error(ctx));
    goto done;
  }
  if (!time_launches(ctx, opt, norm_forward_thunk, &r, &t)) {
    fprintf(stderr, "oclnn-bench: %s: %s\n", c->name, oclnn_context_error(ctx));
    goto done;
  }

  double bytes = (double)c->passes * (double)count * sizeof(float);
  double gbps = bytes / (t.median_ms * 1e-3) / 1e9;
  char in_text[96];
  shape_text(in_text, sizeof in_text, c->shape, c->rank);
  if (opt->text) {
    printf("%-32s %-24s %-16s %10.4f %10.4f %8.2f %9.2f %9.2f\n", c->name, in_text, in_text,
           t.median_ms, t.min_ms, gbps, t.create_ms, t.first_ms);
  } else {
    printf("{\"suite\": \"norm\", \"case\": ");
    print_json_string(c->name);
    printf(", \"torch\": ");
    print_json_string(c->torch);
    printf(", \"layer\": \"%s\", \"training\": %s, \"param\": %lld, \"in_shape\": ",
           NORM_KIND_NAMES[c->kind], c->training ? "true" : "false", (long long)c->param);
    print_json_ints(c->shape, c->rank);
    printf(", \"out_shape\": ");
    print_json_ints(c->shape, c->rank);
    printf(", \"passes\": %d, \"bytes\": %.0f, \"median_ms\": %.6f, \"min_ms\": %.6f, "
           "\"gbps\": %.3f, \"reps\": %d, \"samples\": %d, \"create_ms\": %.3f, "
           "\"first_ms\": %.3f",
           c->passes, bytes, t.median_ms, t.min_ms, gbps, t.reps, t.samples, t.create_ms,
           t.first_ms);
    printf(", \"device\": ");
    print_json_string(device_name);
    printf("}\n");
  }
  fflush(stdout);
  result = 0;
done:
  norm_free(c, r.layer);
  oclnn_tensor *tensors[] = {&r.in,           &r.out,         &r.weight,      &r.bias,
                             &r.running_mean, &r.running_var, &r.mean_weight, &r.var_weight};
  for (size_t i = 0; i < sizeof tensors / sizeof tensors[0]; i++)
    oclnn_tensor_free(tensors[i]);
  free(host_in);
  return result;
}

static int run_norm_suite(oclnn_context *ctx, const options *opt, const char *device_name) {
  int failures = 0;
  for (size_t i = 0; i < sizeof NORM_CASES / sizeof NORM_CASES[0]; i++) {
    const norm_case *c = &NORM_CASES[i];
    if (!case_selected(opt, c->name))
      continue;
    if (opt->list) {
      printf("norm %s %s\n", c->name, c->torch);
      continue;
    }
    failures += run_norm_case(ctx, opt, c, device_name);
  }
  return failures;
}

/* ------------------------------------------------------------------------------------------ */
/* Suite "conv": the benchmark layers of issue 4, their reflect twins, forced algorithms       */
/* ------------------------------------------------------------------------------------------ */

/* Every dim of a case has the same kernel size, stride, padding and dilation. */
typedef struct conv_case {
  const char *name;
  const char *torch; /* the PyTorch module as a reader would write it */
  int dims;
  int64_t in_channels, out_channels, kernel, stride, padding, dilation, groups;
  oclnn_conv_padding_mode mode;
  oclnn_conv_algo algo; /* AUTO, or the algorithm the case forces */
  int rank;
  int64_t shape[OCLNN_MAX_RANK];
  int64_t upsample; /* input_upsample in every spatial dim (1: none) */
} conv_case;

/* The eight targets (AUTO), each padded one's twin in the other padding mode (the
 * "reflect costs at most 5 % more than zeros" rule is read off these pairs, run next to each
 * other so that load from other processes hits both alike), and the direct kernel forced where
 * AUTO picks another algorithm, to show what the choice is worth. */
/* clang-format off */
static const conv_case CONV_CASES[] = {
    /* Each target, then its twin in the other padding mode, then forced direct. */
    {"conv2d_64to64_k3p1_1x64x128x128", "Conv2d(64, 64, 3, padding=1)",
     2, 64, 64, 3, 1, 1, 1, 1, OCLNN_CONV_ZEROS, OCLNN_CONV_ALGO_AUTO, 4, {1, 64, 128, 128}, 1},
    {"conv2d_64to64_k3p1_reflect_1x64x128x128", "Conv2d(64, 64, 3, padding=1, padding_mode='reflect')",
     2, 64, 64, 3, 1, 1, 1, 1, OCLNN_CONV_REFLECT, OCLNN_CONV_ALGO_AUTO, 4, {1, 64, 128, 128}, 1},
    {"conv2d_64to64_k3p1_1x64x128x128_direct", "Conv2d(64, 64, 3, padding=1)",
     2, 64, 64, 3, 1, 1, 1, 1, OCLNN_CONV_ZEROS, OCLNN_CONV_ALGO_DIRECT, 4, {1, 64, 128, 128}, 1},
    {"conv2d_128to128_k3p1_1x128x64x64", "Conv2d(128, 128, 3, padding=1)",
     2, 128, 128, 3, 1, 1, 1, 1, OCLNN_CONV_ZEROS, OCLNN_CONV_ALGO_AUTO, 4, {1, 128, 64, 64}, 1},
    {"conv2d_128to128_k3p1_reflect_1x128x64x64", "Conv2d(128, 128, 3, padding=1, padding_mode='reflect')",
     2, 128, 128, 3, 1, 1, 1, 1, OCLNN_CONV_REFLECT, OCLNN_CONV_ALGO_AUTO, 4, {1, 128, 64, 64}, 1},
    {"conv2d_128to128_k3p1_1x128x64x64_direct", "Conv2d(128, 128, 3, padding=1)",
     2, 128, 128, 3, 1, 1, 1, 1, OCLNN_CONV_ZEROS, OCLNN_CONV_ALGO_DIRECT, 4, {1, 128, 64, 64}, 1},
    {"conv2d_3to32_k9p4_reflect_1x3x256x256", "Conv2d(3, 32, 9, padding=4, padding_mode='reflect')",
     2, 3, 32, 9, 1, 4, 1, 1, OCLNN_CONV_REFLECT, OCLNN_CONV_ALGO_AUTO, 4, {1, 3, 256, 256}, 1},
    {"conv2d_3to32_k9p4_1x3x256x256", "Conv2d(3, 32, 9, padding=4)",
     2, 3, 32, 9, 1, 4, 1, 1, OCLNN_CONV_ZEROS, OCLNN_CONV_ALGO_AUTO, 4, {1, 3, 256, 256}, 1},
    {"conv2d_32to64_k3s2p1_1x32x256x256", "Conv2d(32, 64, 3, stride=2, padding=1)",
     2, 32, 64, 3, 2, 1, 1, 1, OCLNN_CONV_ZEROS, OCLNN_CONV_ALGO_AUTO, 4, {1, 32, 256, 256}, 1},
    {"conv2d_32to64_k3s2p1_reflect_1x32x256x256", "Conv2d(32, 64, 3, stride=2, padding=1, padding_mode='reflect')",
     2, 32, 64, 3, 2, 1, 1, 1, OCLNN_CONV_REFLECT, OCLNN_CONV_ALGO_AUTO, 4, {1, 32, 256, 256}, 1},
    {"dwconv2d_64_k3p1_1x64x128x128", "Conv2d(64, 64, 3, padding=1, groups=64)",
     2, 64, 64, 3, 1, 1, 1, 64, OCLNN_CONV_ZEROS, OCLNN_CONV_ALGO_AUTO, 4, {1, 64, 128, 128}, 1},
    {"dwconv2d_64_k3p1_reflect_1x64x128x128", "Conv2d(64, 64, 3, padding=1, groups=64, padding_mode='reflect')",
     2, 64, 64, 3, 1, 1, 1, 64, OCLNN_CONV_REFLECT, OCLNN_CONV_ALGO_AUTO, 4, {1, 64, 128, 128}, 1},
    {"conv2d_64to64_k3d2p2_1x64x128x128", "Conv2d(64, 64, 3, padding=2, dilation=2)",
     2, 64, 64, 3, 1, 2, 2, 1, OCLNN_CONV_ZEROS, OCLNN_CONV_ALGO_AUTO, 4, {1, 64, 128, 128}, 1},
    {"conv2d_64to64_k3d2p2_reflect_1x64x128x128", "Conv2d(64, 64, 3, padding=2, dilation=2, padding_mode='reflect')",
     2, 64, 64, 3, 1, 2, 2, 1, OCLNN_CONV_REFLECT, OCLNN_CONV_ALGO_AUTO, 4, {1, 64, 128, 128}, 1},
    {"conv2d_64to64_k3d2p2_1x64x128x128_direct", "Conv2d(64, 64, 3, padding=2, dilation=2)",
     2, 64, 64, 3, 1, 2, 2, 1, OCLNN_CONV_ZEROS, OCLNN_CONV_ALGO_DIRECT, 4, {1, 64, 128, 128}, 1},
    {"conv2d_128to128_k1_1x128x64x64", "Conv2d(128, 128, 1)",
     2, 128, 128, 1, 1, 0, 1, 1, OCLNN_CONV_ZEROS, OCLNN_CONV_ALGO_AUTO, 4, {1, 128, 64, 64}, 1},
    {"conv2d_128to128_k1_1x128x64x64_direct", "Conv2d(128, 128, 1)",
     2, 128, 128, 1, 1, 0, 1, 1, OCLNN_CONV_ZEROS, OCLNN_CONV_ALGO_DIRECT, 4, {1, 128, 64, 64}, 1},
    {"conv1d_64to64_k5p2_8x64x4096", "Conv1d(64, 64, 5, padding=2)",
     1, 64, 64, 5, 1, 2, 1, 1, OCLNN_CONV_ZEROS, OCLNN_CONV_ALGO_AUTO, 3, {8, 64, 4096}, 1},
    {"conv1d_64to64_k5p2_reflect_8x64x4096", "Conv1d(64, 64, 5, padding=2, padding_mode='reflect')",
     1, 64, 64, 5, 1, 2, 1, 1, OCLNN_CONV_REFLECT, OCLNN_CONV_ALGO_AUTO, 3, {8, 64, 4096}, 1},
    /* The style-transfer network's upsampling convolutions (nearest x2, then a reflect-padded
     * 3x3) with the upsampling fused into the input reads, on a 256x256 image's feature maps. */
    {"conv2d_128to64_k3p1_reflect_up2_1x128x64x64", "Conv2d(128, 64, 3, padding=1, padding_mode='reflect')(F.interpolate(x, scale_factor=2))",
     2, 128, 64, 3, 1, 1, 1, 1, OCLNN_CONV_REFLECT, OCLNN_CONV_ALGO_AUTO, 4, {1, 128, 64, 64}, 2},
    {"conv2d_64to32_k3p1_reflect_up2_1x64x128x128", "Conv2d(64, 32, 3, padding=1, padding_mode='reflect')(F.interpolate(x, scale_factor=2))",
     2, 64, 32, 3, 1, 1, 1, 1, OCLNN_CONV_REFLECT, OCLNN_CONV_ALGO_AUTO, 4, {1, 64, 128, 128}, 2},
};
/* clang-format on */

static const char *const CONV_MODE_NAMES[] = {"zeros", "reflect", "replicate", "circular"};

typedef struct conv_run {
  oclnn_conv *conv;
  oclnn_tensor in, out;
} conv_run;

static oclnn_status conv_forward_thunk(void *arg) {
  conv_run *r = arg;
  return oclnn_conv_forward(r->conv, &r->in, NULL, NULL, &r->out); /* prepared weights */
}

/* The input index for padded coordinate x (-1: zero), as PyTorch's padding modes define it. */
static int64_t conv_source(oclnn_conv_padding_mode mode, int64_t x, int64_t n) {
  if (x >= 0 && x < n)
    return x;
  switch (mode) {
  case OCLNN_CONV_REFLECT:
    return x < 0 ? -x : 2 * (n - 1) - x;
  case OCLNN_CONV_REPLICATE:
    return x < 0 ? 0 : n - 1;
  case OCLNN_CONV_CIRCULAR:
    return x < 0 ? x + n : x - n;
  default:
    return -1;
  }
}

/* Without libm, which the tools do not link. */
static double conv_abs(double x) { return x < 0 ? -x : x; }

static double conv_sqrt(double x) {
  double r = x > 1 ? x : 1;
  for (int i = 0; i < 60; i++)
    r = 0.5 * (r + x / r);
  return r;
}

/* Whether output element i matches a double-precision sum within tol * (1 + sum of |terms|). */
static bool conv_check_one(const conv_case *c, const int64_t *out_shape, const float *in,
                           const float *weight, const float *bias, const float *out, int64_t i,
                           double tol) {
  const int dims = c->dims, first = c->rank - dims;
  const int64_t cin_g = c->in_channels / c->groups, cout_g = c->out_channels / c->groups;
  int64_t taps = 1, out_plane = 1, in_plane = 1;
  for (int d = 0; d < dims; d++) {
    taps *= c->kernel;
    out_plane *= out_shape[first + d];
    in_plane *= c->shape[first + d];
  }
  int64_t n = i / (c->out_channels * out_plane), k = i / out_plane % c->out_channels;
  int64_t g = k / cout_g, pos[3] = {0, 0, 0}, rest = i % out_plane;
  for (int d = dims - 1; d >= 0; d--) {
    pos[d] = rest % out_shape[first + d];
    rest /= out_shape[first + d];
  }
  double sum = bias[k], size = conv_abs((double)bias[k]);
  for (int64_t ch = 0; ch < cin_g; ch++) {
    const float *plane = in + (n * c->in_channels + g * cin_g + ch) * in_plane;
    for (int64_t t = 0; t < taps; t++) {
      int64_t src = 0, tap = t, tap_pos[3] = {0, 0, 0};
      for (int d = dims - 1; d >= 0; d--) {
        tap_pos[d] = tap % c->kernel;
        tap /= c->kernel;
      }
      for (int d = 0; d < dims && src >= 0; d++) {
        /* Padding applies to the upsampled extent; the input index is divided back. */
        int64_t extent = c->shape[first + d];
        int64_t x = conv_source(c->mode, pos[d] * c->stride - c->padding + tap_pos[d] * c->dilation,
                                extent * c->upsample);
        src = x < 0 ? -1 : src * extent + x / c->upsample;
      }
      if (src < 0)
        continue;
      double p = (double)plane[src] * (double)weight[(k * cin_g + ch) * taps + t];
      sum += p;
      size += conv_abs(p);
    }
  }
  return conv_abs((double)out[i] - sum) <= tol * (1.0 + size);
}

/* Compares every 61st output element and the last with a double-precision sum (a sample keeps
 * --check fast on layers of a GFLOP); tolerance 1e-3 for Winograd's rounding, 1e-5 otherwise.
 * Returns the number of mismatches. */
static int64_t conv_check(const conv_case *c, oclnn_conv_algo algo, const int64_t *out_shape,
                          const float *in, const float *weight, const float *bias, const float *out,
                          int64_t out_count) {
  const double tol = algo == OCLNN_CONV_ALGO_WINOGRAD ? 1e-3 : 1e-5;
  int64_t mismatches = 0;
  for (int64_t i = 0; i < out_count; i += 61)
    mismatches += !conv_check_one(c, out_shape, in, weight, bias, out, i, tol);
  if (out_count > 0)
    mismatches += !conv_check_one(c, out_shape, in, weight, bias, out, out_count - 1, tol);
  return mismatches;
}

static int run_conv_case(oclnn_context *ctx, const options *opt, const conv_case *c,
                         const char *device_name) {
  oclnn_conv_desc desc =
      oclnn_conv_desc_default(c->dims, c->in_channels, c->out_channels, c->kernel);
  for (int d = 0; d < c->dims; d++) {
    desc.stride[d] = c->stride;
    desc.padding[d] = c->padding;
    desc.dilation[d] = c->dilation;
  }
  desc.groups = c->groups;
  desc.padding_mode = c->mode;
  desc.algo = c->algo;
  for (int d = 0; d < c->dims; d++)
    desc.input_upsample[d] = c->upsample;

  conv_run r;
  memset(&r, 0, sizeof r);
  oclnn_tensor weight, bias;
  memset(&weight, 0, sizeof weight);
  memset(&bias, 0, sizeof bias);
  float *host_in = NULL, *host_w = NULL, *host_b = NULL, *host_out = NULL;
  int64_t out_shape[OCLNN_MAX_RANK];
  int64_t w_shape[OCLNN_MAX_RANK] = {c->out_channels, c->in_channels / c->groups, 1, 1, 1};
  int64_t b_shape[1] = {c->out_channels};
  oclnn_conv_algo algo = OCLNN_CONV_ALGO_AUTO;
  timing t;
  memset(&t, 0, sizeof t);
  int result = 1;
  int64_t in_count = 1, out_count = 1, w_count = w_shape[0] * w_shape[1], mismatches = -1;
  for (int d = 0; d < c->dims; d++) {
    w_shape[2 + d] = c->kernel;
    w_count *= c->kernel;
  }

  double start = now_ms();
  oclnn_status s = oclnn_conv_create(ctx, &desc, &r.conv);
  t.create_ms = now_ms() - start;
  if (s == OCLNN_SUCCESS)
    s = oclnn_conv_algorithm(r.conv, &algo);
  if (s == OCLNN_SUCCESS)
    s = oclnn_conv_output_shape(r.conv, c->rank, c->shape, out_shape);
  if (s == OCLNN_SUCCESS) {
    for (int i = 0; i < c->rank; i++) {
      in_count *= c->shape[i];
      out_count *= out_shape[i];
    }
    host_in = malloc((size_t)in_count * sizeof *host_in);
    host_w = malloc((size_t)w_count * sizeof *host_w);
    host_b = malloc((size_t)c->out_channels * sizeof *host_b);
    if (!host_in || !host_w || !host_b) {
      fprintf(stderr, "oclnn-bench: %s: out of host memory\n", c->name);
      goto done;
    }
    fill_random(host_in, (size_t)in_count, 0x5eed ^ (uint64_t)in_count);
    fill_random(host_w, (size_t)w_count, 21);
    fill_random(host_b, (size_t)c->out_channels, 22);
    /* PyTorch's initialisation range, 1/sqrt(fan_in), keeps outputs near the inputs' scale. */
    float scale = (float)(1.0 / conv_sqrt((double)(w_count / c->out_channels)));
    for (int64_t i = 0; i < w_count; i++)
      host_w[i] *= scale;
    for (int64_t i = 0; i < c->out_channels; i++)
      host_b[i] *= scale;
    s = oclnn_tensor_alloc(ctx, c->rank, c->shape, &r.in);
  }
  if (s == OCLNN_SUCCESS)
    s = oclnn_tensor_alloc(ctx, c->rank, out_shape, &r.out);
  if (s == OCLNN_SUCCESS)
    s = oclnn_tensor_alloc(ctx, 2 + c->dims, w_shape, &weight);
  if (s == OCLNN_SUCCESS)
    s = oclnn_tensor_alloc(ctx, 1, b_shape, &bias);
  if (s == OCLNN_SUCCESS)
    s = oclnn_tensor_upload(ctx, &r.in, host_in, (size_t)in_count);
  if (s == OCLNN_SUCCESS)
    s = oclnn_tensor_upload(ctx, &weight, host_w, (size_t)w_count);
  if (s == OCLNN_SUCCESS)
    s = oclnn_tensor_upload(ctx, &bias, host_b, (size_t)c->out_channels);
  /* first_ms: the weight repacking and the first forward, as an application's first call. */
  if (s == OCLNN_SUCCESS) {
    start = now_ms();
    s = oclnn_conv_prepare_weights(r.conv, &weight, &bias);
    if (s == OCLNN_SUCCESS)
      s = conv_forward_thunk(&r);
    if (s == OCLNN_SUCCESS)
      s = oclnn_context_finish(ctx);
    t.first_ms = now_ms() - start;
  }
  if (s != OCLNN_SUCCESS) {
    fprintf(stderr, "oclnn-bench: %s: %s: %s\n", c->name, oclnn_status_string(s),
            oclnn_context_error(ctx));
    goto done;
  }
  if (opt->check) {
    host_out = malloc((size_t)out_count * sizeof *host_out);
    if (!host_out || oclnn_tensor_download(ctx, &r.out, host_out, (size_t)out_count)) {
      fprintf(stderr, "oclnn-bench: %s: cannot download the output: %s\n", c->name,
              oclnn_context_error(ctx));
      goto done;
    }
    mismatches = conv_check(c, algo, out_shape, host_in, host_w, host_b, host_out, out_count);
  }
  if (!time_launches(ctx, opt, conv_forward_thunk, &r, &t)) {
    fprintf(stderr, "oclnn-bench: %s: %s\n", c->name, oclnn_context_error(ctx));
    goto done;
  }

  /* Useful FLOPs: a multiply and an add per product of the direct convolution (bias and the
   * algorithm's own arithmetic, e.g. Winograd's transforms, not counted). */
  double flops = 2.0 * (double)out_count * (double)(w_count / c->out_channels);
  double gflops = flops / (t.median_ms * 1e-3) / 1e9;
  char in_text[96], out_text[96];
  shape_text(in_text, sizeof in_text, c->shape, c->rank);
  shape_text(out_text, sizeof out_text, out_shape, c->rank);
  if (opt->text) {
    printf("%-32s %-24s %-16s %10.4f %10.4f %8.2f %9.2f %9.2f  %.1f GFLOP/s %s%s\n", c->name,
           in_text, out_text, t.median_ms, t.min_ms,
           (double)(in_count + out_count) * sizeof(float) / (t.median_ms * 1e-3) / 1e9, t.create_ms,
           t.first_ms, gflops, oclnn_conv_algo_name(algo),
           mismatches > 0   ? "  CHECK FAILED"
           : mismatches < 0 ? ""
                            : "  ok");
  } else {
    printf("{\"suite\": \"conv\", \"case\": ");
    print_json_string(c->name);
    printf(", \"torch\": ");
    print_json_string(c->torch);
    printf(", \"dims\": %d, \"in_channels\": %lld, \"out_channels\": %lld, \"kernel_size\": %lld, "
           "\"stride\": %lld, \"padding\": %lld, \"dilation\": %lld, \"groups\": %lld, "
           "\"bias\": true, \"padding_mode\": \"%s\", \"input_upsample\": %lld, "
           "\"algo_requested\": \"%s\", \"algo\": \"%s\", \"in_shape\": ",
           c->dims, (long long)c->in_channels, (long long)c->out_channels, (long long)c->kernel,
           (long long)c->stride, (long long)c->padding, (long long)c->dilation,
           (long long)c->groups, CONV_MODE_NAMES[c->mode], (long long)c->upsample,
           oclnn_conv_algo_name(c->algo), oclnn_conv_algo_name(algo));
    print_json_ints(c->shape, c->rank);
    printf(", \"out_shape\": ");
    print_json_ints(out_shape, c->rank);
    printf(", \"flops\": %.0f, \"bytes\": %.0f, \"median_ms\": %.6f, \"min_ms\": %.6f, "
           "\"gflops\": %.3f, \"reps\": %d, \"samples\": %d, \"create_ms\": %.3f, "
           "\"first_ms\": %.3f, \"cpu_min_ms\": %.6f",
           flops, (double)(in_count + out_count) * sizeof(float), t.median_ms, t.min_ms, gflops,
           t.reps, t.samples, t.create_ms, t.first_ms, t.cpu_min_ms);
    if (mismatches >= 0)
      printf(", \"check\": \"%s\", \"mismatches\": %lld", mismatches ? "failed" : "ok",
             (long long)mismatches);
    printf(", \"device\": ");
    print_json_string(device_name);
    printf("}\n");
  }
  fflush(stdout);
  result = mismatches > 0 ? 1 : 0;
done:
  oclnn_conv_free(r.conv);
  oclnn_tensor_free(&r.in);
  oclnn_tensor_free(&r.out);
  oclnn_tensor_free(&weight);
  oclnn_tensor_free(&bias);
  free(host_in);
  free(host_w);
  free(host_b);
  free(host_out);
  return result;
}

static int run_conv_suite(oclnn_context *ctx, const options *opt, const char *device_name) {
  int failures = 0;
  for (size_t i = 0; i < sizeof CONV_CASES / sizeof CONV_CASES[0]; i++) {
    const conv_case *c = &CONV_CASES[i];
    if (!case_selected(opt, c->name))
      continue;
    if (opt->list) {
      printf("conv %s %s\n", c->name, c->torch);
      continue;
    }
    failures += run_conv_case(ctx, opt, c, device_name);
  }
  return failures;
}

/* ------------------------------------------------------------------------------------------ */
/* Suite "act": ReLU, Add and nearest upsampling (act.h), copy-bandwidth operations            */
/* ------------------------------------------------------------------------------------------ */

typedef enum act_kind {
  ACT_RELU,
  ACT_RELU_INPLACE,
  ACT_ADD,
  ACT_ADD_INPLACE,
  ACT_UPSAMPLE
} act_kind;

typedef struct act_case {
  const char *name;
  const char *torch; /* the PyTorch call as a reader would write it */
  act_kind kind;
  int fuse_relu;
  int rank;
  int64_t shape[OCLNN_MAX_RANK];
  int rank_b; /* Add: b's shape */
  int64_t shape_b[OCLNN_MAX_RANK];
  int dims; /* upsample: spatial dims and the scale for each */
  double scale;
} act_case;

/* clang-format off */
static const act_case ACT_CASES[] = {
    {"relu_8x64x128x128", "torch.relu(x, out=y)", ACT_RELU, 0, 4, {8, 64, 128, 128}, 0, {0}, 0, 0},
    {"relu_inplace_8x64x128x128", "torch.relu_(x)", ACT_RELU_INPLACE, 0, 4, {8, 64, 128, 128},
     0, {0}, 0, 0},
    {"add_8x64x128x128", "torch.add(a, b, out=y)", ACT_ADD, 0, 4, {8, 64, 128, 128},
     4, {8, 64, 128, 128}, 0, 0},
    {"add_relu_8x64x128x128", "torch.relu(a + b)", ACT_ADD, 1, 4, {8, 64, 128, 128},
     4, {8, 64, 128, 128}, 0, 0},
    {"add_inplace_8x64x128x128", "a.add_(b)", ACT_ADD_INPLACE, 0, 4, {8, 64, 128, 128},
     4, {8, 64, 128, 128}, 0, 0},
    {"add_bias_c_8x64x128x128", "torch.add(a, b[64,1,1], out=y)", ACT_ADD, 0, 4,
     {8, 64, 128, 128}, 3, {64, 1, 1}, 0, 0},
    {"add_row_8x64x128x128", "torch.add(a, b[128], out=y)", ACT_ADD, 0, 4, {8, 64, 128, 128},
     1, {128}, 0, 0},
    {"add_small_1x128x64x64", "torch.add(a, b, out=y)", ACT_ADD, 0, 4, {1, 128, 64, 64},
     4, {1, 128, 64, 64}, 0, 0},
    {"upsample2d_x2_1x64x256x256", "F.interpolate(x, scale_factor=2)", ACT_UPSAMPLE, 0, 4,
     {1, 64, 256, 256}, 0, {0}, 2, 2.0},
    {"upsample2d_x2_1x128x64x64", "F.interpolate(x, scale_factor=2)", ACT_UPSAMPLE, 0, 4,
     {1, 128, 64, 64}, 0, {0}, 2, 2.0},
    {"upsample2d_x1.5_1x64x256x256", "F.interpolate(x, scale_factor=1.5)", ACT_UPSAMPLE, 0, 4,
     {1, 64, 256, 256}, 0, {0}, 2, 1.5},
    {"upsample1d_x2_16x64x4096", "F.interpolate(x, scale_factor=2)", ACT_UPSAMPLE, 0, 3,
     {16, 64, 4096}, 0, {0}, 1, 2.0},
    {"upsample3d_x2_1x16x32x64x64", "F.interpolate(x, scale_factor=2)", ACT_UPSAMPLE, 0, 5,
     {1, 16, 32, 64, 64}, 0, {0}, 3, 2.0},
};
/* clang-format on */

typedef struct act_run {
  const act_case *c;
  oclnn_act *act;
  oclnn_upsample_desc desc;
  oclnn_tensor in, b, out;
} act_run;

static oclnn_status act_forward_thunk(void *layer) {
  act_run *r = layer;
  switch (r->c->kind) {
  case ACT_RELU:
    return oclnn_act_relu(r->act, &r->in, &r->out);
  case ACT_RELU_INPLACE:
    return oclnn_act_relu(r->act, &r->in, &r->in);
  case ACT_ADD:
    return oclnn_act_add(r->act, &r->in, &r->b, r->c->fuse_relu, &r->out);
  case ACT_ADD_INPLACE:
    return oclnn_act_add(r->act, &r->in, &r->b, r->c->fuse_relu, &r->in);
  default:
    return oclnn_act_upsample(r->act, &r->desc, &r->in, &r->out);
  }
}

/* Bit-for-bit host check of the first launch; returns the number of mismatches. Upsampling
 * uses torch's CPU rule: src = min(floor(float(o) * float(1 / scale)), n - 1). */
static int64_t act_check(const act_run *r, const int64_t *out_shape, const float *in,
                         const float *b, const float *out, int64_t out_count) {
  const act_case *c = r->c;
  int64_t mismatches = 0;
  for (int64_t i = 0; i < out_count; i++) {
    float want;
    if (c->kind == ACT_RELU || c->kind == ACT_RELU_INPLACE) {
      want = in[i] < 0.0f ? 0.0f : in[i];
    } else if (c->kind == ACT_UPSAMPLE) {
      int64_t rest = i, src = 0, stride = 1;
      for (int a = c->rank - 1; a >= 0; a--) {
        int64_t o = rest % out_shape[a], x = o;
        rest /= out_shape[a];
        if (a >= 2) {
          x = (int64_t)((float)o * (float)(1.0 / c->scale)); /* >= 0: truncation is floor */
          x = x < c->shape[a] - 1 ? x : c->shape[a] - 1;
        }
        src += x * stride;
        stride *= c->shape[a];
      }
      want = in[src];
    } else {
      int64_t rest = i, bi = 0, stride = 1;
      for (int a = c->rank - 1; a >= 0; a--) {
        int64_t x = rest % c->shape[a];
        rest /= c->shape[a];
        int j = a - (c->rank - c->rank_b);
        if (j >= 0 && c->shape_b[j] != 1) {
          bi += x * stride;
          stride *= c->shape_b[j];
        }
      }
      want = in[i] + b[bi];
      if (c->fuse_relu && want < 0.0f)
        want = 0.0f;
    }
    if (memcmp(&want, &out[i], sizeof want) != 0)
      mismatches++;
  }
  return mismatches;
}

static int run_act_case(oclnn_context *ctx, const options *opt, const act_case *c,
                        const char *device_name) {
  act_run r;
  memset(&r, 0, sizeof r);
  r.c = c;
  float *host_in = NULL, *host_b = NULL, *host_out = NULL;
  int64_t out_shape[OCLNN_MAX_RANK];
  timing t;
  memset(&t, 0, sizeof t);
  int result = 1;
  int64_t in_count = 1, b_count = 0, out_count = 1, mismatches = -1;
  bool inplace = c->kind == ACT_RELU_INPLACE || c->kind == ACT_ADD_INPLACE;

  double start = now_ms();
  oclnn_status s = oclnn_act_create(ctx, &r.act);
  t.create_ms = now_ms() - start;
  memcpy(out_shape, c->shape, sizeof out_shape);
  if (s == OCLNN_SUCCESS && c->kind == ACT_UPSAMPLE) {
    r.desc = oclnn_upsample_desc_default(c->dims, c->scale);
    s = oclnn_act_upsample_output_shape(r.act, &r.desc, c->rank, c->shape, out_shape);
  }
  if (s == OCLNN_SUCCESS) {
    for (int i = 0; i < c->rank; i++) {
      in_count *= c->shape[i];
      out_count *= out_shape[i];
    }
    if (c->rank_b) {
      b_count = 1;
      for (int i = 0; i < c->rank_b; i++)
        b_count *= c->shape_b[i];
    }
    host_in = malloc((size_t)in_count * sizeof *host_in);
    host_b = malloc((size_t)(b_count ? b_count : 1) * sizeof *host_b);
    if (!host_in || !host_b) {
      fprintf(stderr, "oclnn-bench: %s: out of host memory\n", c->name);
      goto done;
    }
    fill_random(host_in, (size_t)in_count, 0x5eed ^ (uint64_t)in_count);
    fill_random(host_b, (size_t)b_count, 0xb0b);
    s = oclnn_tensor_alloc(ctx, c->rank, c->shape, &r.in);
  }
  if (s == OCLNN_SUCCESS && !inplace)
    s = oclnn_tensor_alloc(ctx, c->rank, out_shape, &r.out);
  if (s == OCLNN_SUCCESS && c->rank_b)
    s = oclnn_tensor_alloc(ctx, c->rank_b, c->shape_b, &r.b);
  if (s == OCLNN_SUCCESS)
    s = oclnn_tensor_upload(ctx, &r.in, host_in, (size_t)in_count);
  if (s == OCLNN_SUCCESS && c->rank_b)
    s = oclnn_tensor_upload(ctx, &r.b, host_b, (size_t)b_count);
  if (s == OCLNN_SUCCESS) {
    start = now_ms();
    s = act_forward_thunk(&r);
    if (s == OCLNN_SUCCESS)
      s = oclnn_context_finish(ctx);
    t.first_ms = now_ms() - start;
  }
  if (s != OCLNN_SUCCESS) {
    fprintf(stderr, "oclnn-bench: %s: %s: %s\n", c->name, oclnn_status_string(s),
            oclnn_context_error(ctx));
    goto done;
  }
  if (opt->check) {
    host_out = malloc((size_t)out_count * sizeof *host_out);
    if (!host_out ||
        oclnn_tensor_download(ctx, inplace ? &r.in : &r.out, host_out, (size_t)out_count)) {
      fprintf(stderr, "oclnn-bench: %s: cannot download the output: %s\n", c->name,
              oclnn_context_error(ctx));
      goto done;
    }
    mismatches = act_check(&r, out_shape, host_in, host_b, host_out, out_count);
  }
  if (!time_launches(ctx, opt, act_forward_thunk, &r, &t)) {
    fprintf(stderr, "oclnn-bench: %s: %s\n", c->name, oclnn_context_error(ctx));
    goto done;
  }

  /* Minimal traffic: every input element read once, every output element written once. */
  double bytes = (double)(in_count + b_count + out_count) * sizeof(float);
  double gbps = bytes / (t.median_ms * 1e-3) / 1e9;
  char in_text[96], out_text[96];
  shape_text(in_text, sizeof in_text, c->shape, c->rank);
  shape_text(out_text, sizeof out_text, out_shape, c->rank);
  if (opt->text) {
    printf("%-32s %-24s %-16s %10.4f %10.4f %8.2f %9.2f %9.2f%s\n", c->name, in_text, out_text,
           t.median_ms, t.min_ms, gbps, t.create_ms, t.first_ms,
           mismatches > 0   ? "  CHECK FAILED"
           : mismatches < 0 ? ""
                            : "  ok");
  } else {
    static const char *const kinds[] = {"relu", "relu_inplace", "add", "add_inplace", "upsample"};
    printf("{\"suite\": \"act\", \"case\": ");
    print_json_string(c->name);
    printf(", \"torch\": ");
    print_json_string(c->torch);
    printf(", \"op\": \"%s\", \"fuse_relu\": %d, \"in_shape\": ", kinds[c->kind], c->fuse_relu);
    print_json_ints(c->shape, c->rank);
    printf(", \"b_shape\": ");
    print_json_ints(c->shape_b, c->rank_b);
    printf(", \"scale\": %g, \"out_shape\": ", c->scale);
    print_json_ints(out_shape, c->rank);
    printf(", \"bytes\": %.0f, \"median_ms\": %.6f, \"min_ms\": %.6f, \"gbps\": %.3f, "
           "\"reps\": %d, \"samples\": %d, \"create_ms\": %.3f, \"first_ms\": %.3f",
           bytes, t.median_ms, t.min_ms, gbps, t.reps, t.samples, t.create_ms, t.first_ms);
    if (mismatches >= 0)
      printf(", \"check\": \"%s\", \"mismatches\": %lld", mismatches ? "failed" : "ok",
             (long long)mismatches);
    printf(", \"device\": ");
    print_json_string(device_name);
    printf("}\n");
  }
  fflush(stdout);
  result = mismatches > 0 ? 1 : 0;
done:
  oclnn_act_free(r.act);
  oclnn_tensor_free(&r.in);
  oclnn_tensor_free(&r.b);
  oclnn_tensor_free(&r.out);
  free(host_in);
  free(host_b);
  free(host_out);
  return result;
}

static int run_act_suite(oclnn_context *ctx, const options *opt, const char *device_name) {
  int failures = 0;
  for (size_t i = 0; i < sizeof ACT_CASES / sizeof ACT_CASES[0]; i++) {
    const act_case *c = &ACT_CASES[i];
    if (!case_selected(opt, c->name))
      continue;
    if (opt->list) {
      printf("act %s %s\n", c->name, c->torch);
      continue;
    }
    failures += run_act_case(ctx, opt, c, device_name);
  }
  return failures;
}

/* ------------------------------------------------------------------------------------------ */
/* Suite "backward": gradients (issue 8); so far the padding layers' grad_input               */
/* ------------------------------------------------------------------------------------------ */

/* The pad cases of the same names (PAD_CASES), run backward: grad_out has the output's shape,
 * grad_in the input's. */
static const char *const BACKWARD_PAD_CASES[] = {
    "reflect2d_p4_1x64x256x256",  "replicate2d_p4_1x64x256x256",    "zero2d_p4_1x64x256x256",
    "circular2d_p4_1x64x256x256", "reflect1d_p8_16x64x4096",        "replicate1d_p8_16x64x4096",
    "reflect3d_p2_1x32x32x64x64", "replicate2d_p1234_8x32x128x128", "reflect2d_p32_1x16x256x256",
    "crop2d_m4_1x64x256x256",
};

/* grad_in[i] as a sum over the outputs whose source is i, in double (host reference). */
static int64_t pad_backward_check(const pad_case *c, const int64_t *out_shape, const float *g,
                                  const float *got, int64_t in_count, int64_t out_count) {
  double *want = calloc((size_t)in_count, sizeof *want);
  if (!want)
    return -1;
  int rank = c->rank;
  for (int64_t i = 0; i < out_count; i++) {
    int64_t rest = i, src = 0, stride = 1;
    bool fill = false;
    int64_t coords[OCLNN_MAX_RANK];
    for (int a = rank - 1; a >= 0; a--) {
      coords[a] = rest % out_shape[a];
      rest /= out_shape[a];
    }
    for (int a = rank - 1; a >= 0; a--) {
      int k = rank - 1 - a;
      int64_t x = coords[a];
      if (k < c->dims) {
        x = pad_source(c->mode, x - c->padding[2 * k], c->shape[a]);
        fill = fill || x < 0;
      }
      src += x * stride;
      stride *= c->shape[a];
    }
    if (!fill)
      want[src] += g[i];
  }
  int64_t mismatches = 0;
  for (int64_t i = 0; i < in_count; i++) {
    double err = (double)got[i] - want[i], size = want[i] < 0 ? -want[i] : want[i];
    if (err > 1e-5 * (1.0 + size) || -err > 1e-5 * (1.0 + size))
      mismatches++;
  }
  free(want);
  return mismatches;
}

static oclnn_status pad_backward_thunk(void *layer) {
  void **args = layer;
  return oclnn_pad_backward(args[0], args[1], args[2]);
}

static int run_backward_pad_case(oclnn_context *ctx, const options *opt, const pad_case *c,
                                 const char *device_name) {
  oclnn_pad_desc desc = oclnn_pad_desc_default(c->dims, c->mode, 0);
  memcpy(desc.padding, c->padding, sizeof desc.padding);
  desc.value = c->zero ? 0.0f : c->value;
  oclnn_tensor grad_in, grad_out;
  memset(&grad_in, 0, sizeof grad_in);
  memset(&grad_out, 0, sizeof grad_out);
  oclnn_pad *pad = NULL;
  float *host_g = NULL, *host_in = NULL;
  int64_t out_shape[OCLNN_MAX_RANK];
  timing t;
  memset(&t, 0, sizeof t);
  int result = 1;
  int64_t in_count = 1, out_count = 1, mismatches = -1;

  double start = now_ms();
  oclnn_status s = oclnn_pad_create(ctx, &desc, &pad);
  if (s == OCLNN_SUCCESS)
    s = oclnn_pad_output_shape(pad, c->rank, c->shape, out_shape);
  if (s == OCLNN_SUCCESS) {
    for (int i = 0; i < c->rank; i++) {
      in_count *= c->shape[i];
      out_count *= out_shape[i];
    }
    host_g = malloc((size_t)out_count * sizeof *host_g);
    if (!host_g) {
      fprintf(stderr, "oclnn-bench: %s: out of host memory\n", c->name);
      goto done;
    }
    fill_random(host_g, (size_t)out_count, 0x9ead ^ (uint64_t)out_count);
    s = oclnn_tensor_alloc(ctx, c->rank, out_shape, &grad_out);
  }
  if (s == OCLNN_SUCCESS)
    s = oclnn_tensor_alloc(ctx, c->rank, c->shape, &grad_in);
  if (s == OCLNN_SUCCESS)
    s = oclnn_tensor_upload(ctx, &grad_out, host_g, (size_t)out_count);
  void *args[3] = {pad, &grad_out, &grad_in};
  if (s == OCLNN_SUCCESS) {
    /* create_ms covers the layer and the backward program, built at the first call. */
    s = oclnn_pad_backward(pad, &grad_out, &grad_in);
    t.create_ms = now_ms() - start;
    if (s == OCLNN_SUCCESS)
      s = oclnn_context_finish(ctx);
    t.first_ms = now_ms() - start - t.create_ms;
  }
  if (s != OCLNN_SUCCESS) {
    fprintf(stderr, "oclnn-bench: %s: %s: %s\n", c->name, oclnn_status_string(s),
            oclnn_context_error(ctx));
    goto done;
  }
  if (opt->check) {
    host_in = malloc((size_t)in_count * sizeof *host_in);
    if (!host_in || oclnn_tensor_download(ctx, &grad_in, host_in, (size_t)in_count)) {
      fprintf(stderr, "oclnn-bench: %s: cannot download grad_in: %s\n", c->name,
              oclnn_context_error(ctx));
      goto done;
    }
    mismatches = pad_backward_check(c, out_shape, host_g, host_in, in_count, out_count);
  }
  if (!time_launches(ctx, opt, pad_backward_thunk, args, &t)) {
    fprintf(stderr, "oclnn-bench: %s: %s\n", c->name, oclnn_context_error(ctx));
    goto done;
  }
  double bytes = (double)(in_count + out_count) * sizeof(float);
  double gbps = bytes / (t.median_ms * 1e-3) / 1e9;
  char in_text[96], out_text[96], name[96];
  snprintf(name, sizeof name, "pad_bwd_%s", c->name);
  shape_text(in_text, sizeof in_text, out_shape, c->rank);
  shape_text(out_text, sizeof out_text, c->shape, c->rank);
  if (opt->text) {
    printf("%-32s %-24s %-16s %10.4f %10.4f %8.2f %9.2f %9.2f%s\n", name, in_text, out_text,
           t.median_ms, t.min_ms, gbps, t.create_ms, t.first_ms,
           mismatches > 0   ? "  CHECK FAILED"
           : mismatches < 0 ? ""
                            : "  ok");
  } else {
    printf("{\"suite\": \"backward\", \"case\": ");
    print_json_string(name);
    printf(", \"layer\": \"pad\", \"torch\": ");
    print_json_string(c->torch);
    printf(", \"mode\": \"%s\", \"dims\": %d, \"padding\": ",
           c->zero ? "zero" : PAD_MODE_NAMES[c->mode], c->dims);
    print_json_ints(c->padding, 2 * c->dims);
    printf(", \"in_shape\": ");
    print_json_ints(c->shape, c->rank);
    printf(", \"out_shape\": ");
    print_json_ints(out_shape, c->rank);
    printf(", \"bytes\": %.0f, \"median_ms\": %.6f, \"min_ms\": %.6f, \"gbps\": %.3f, "
           "\"reps\": %d, \"samples\": %d, \"create_ms\": %.3f, \"first_ms\": %.3f",
           bytes, t.median_ms, t.min_ms, gbps, t.reps, t.samples, t.create_ms, t.first_ms);
    if (mismatches >= 0)
      printf(", \"check\": \"%s\", \"mismatches\": %lld", mismatches ? "failed" : "ok",
             (long long)mismatches);
    printf(", \"device\": ");
    print_json_string(device_name);
    printf("}\n");
  }
  fflush(stdout);
  result = mismatches > 0 ? 1 : 0;
done:
  oclnn_pad_free(pad);
  oclnn_tensor_free(&grad_in);
  oclnn_tensor_free(&grad_out);
  free(host_g);
  free(host_in);
  return result;
}

/* The norm cases of the same names (NORM_CASES), run backward: forward_save once, then the
 * timed call asks for every gradient (grad_in, grad_weight, grad_bias). */
static const char *const BACKWARD_NORM_CASES[] = {
    "batchnorm2d_eval_8x64x128x128",   "batchnorm2d_train_8x64x128x128",
    "instancenorm2d_aff_8x64x128x128", "layernorm_chw_8x64x128x128",
    "groupnorm_g8_8x64x128x128",       "lrn5_8x64x128x128",
    "batchnorm1d_train_256x4096",      "switchnorm2d_train_8x64x128x128",
};

typedef struct norm_bwd_run {
  norm_run r;
  oclnn_tensor save_mean, save_invstd, grad_out, grad_in, grad_weight, grad_bias;
  oclnn_tensor grad_mean_weight, grad_var_weight; /* SwitchableNorm's logits */
} norm_bwd_run;

static oclnn_status norm_backward_forward_save(norm_bwd_run *b) {
  norm_run *r = &b->r;
  int train = r->c->training ? 1 : 0;
  switch (r->c->kind) {
  case NORM_BATCH:
    return oclnn_batch_norm_forward_save(r->layer, train, &r->in, &r->weight, &r->bias,
                                         &r->running_mean, &r->running_var, &r->num_batches_tracked,
                                         NULL, &r->out, &b->save_mean, &b->save_invstd);
  case NORM_INSTANCE:
    return oclnn_instance_norm_forward_save(r->layer, train, &r->in, &r->weight, &r->bias, NULL,
                                            NULL, NULL, &r->out, &b->save_mean, &b->save_invstd);
  case NORM_LAYER:
    return oclnn_layer_norm_forward_save(r->layer, &r->in, &r->weight, &r->bias, NULL, &r->out,
                                         &b->save_mean, &b->save_invstd);
  case NORM_LRN: /* saves nothing: its backward recomputes the window sums */
    return oclnn_lrn_forward(r->layer, &r->in, &r->out);
  case NORM_SWITCH: /* its saved statistics in save_mean */
    return oclnn_switchable_norm_forward_save(r->layer, train, &r->in, &r->weight, &r->bias,
                                              &r->mean_weight, &r->var_weight, &r->running_mean,
                                              &r->running_var, NULL, &r->out, &b->save_mean);
  default:
    return oclnn_group_norm_forward_save(r->layer, &r->in, &r->weight, &r->bias, NULL, &r->out,
                                         &b->save_mean, &b->save_invstd);
  }
}

static oclnn_status norm_backward_thunk(void *arg) {
  norm_bwd_run *b = arg;
  norm_run *r = &b->r;
  int train = r->c->training ? 1 : 0;
  switch (r->c->kind) {
  case NORM_BATCH:
    return oclnn_batch_norm_backward(r->layer, train, &r->in, &r->weight, &b->save_mean,
                                     &b->save_invstd, &b->grad_out, &b->grad_in, &b->grad_weight,
                                     &b->grad_bias);
  case NORM_INSTANCE:
    return oclnn_instance_norm_backward(r->layer, train, &r->in, &r->weight, &b->save_mean,
                                        &b->save_invstd, &b->grad_out, &b->grad_in, &b->grad_weight,
                                        &b->grad_bias);
  case NORM_LAYER:
    return oclnn_layer_norm_backward(r->layer, &r->in, &r->weight, &b->save_mean, &b->save_invstd,
                                     &b->grad_out, &b->grad_in, &b->grad_weight, &b->grad_bias);
  case NORM_LRN:
    return oclnn_lrn_backward(r->layer, &r->in, &b->grad_out, &b->grad_in);
  case NORM_SWITCH:
    return oclnn_switchable_norm_backward(r->layer, train, &r->in, &r->weight, &r->mean_weight,
                                          &r->var_weight, &b->save_mean, &b->grad_out, &b->grad_in,
                                          &b->grad_weight, &b->grad_bias, &b->grad_mean_weight,
                                          &b->grad_var_weight);
  default:
    return oclnn_group_norm_backward(r->layer, &r->in, &r->weight, &b->save_mean, &b->save_invstd,
                                     &b->grad_out, &b->grad_in, &b->grad_weight, &b->grad_bias);
  }
}

/* Statistics groups of a case (the saved tensors' length). */
static int64_t norm_backward_groups(const norm_case *c) {
  switch (c->kind) {
  case NORM_BATCH:
    return c->shape[1];
  case NORM_INSTANCE:
    return c->shape[0] * c->shape[1];
  case NORM_LAYER: {
    int64_t rows = 1;
    for (int i = 0; i < c->rank - (int)c->param; i++)
      rows *= c->shape[i];
    return rows;
  }
  case NORM_SWITCH: /* oclnn_switchable_norm_saved_count with using_bn */
    return 2 * c->shape[0] * c->shape[1] + 2 * c->shape[0] + 2 * c->shape[1];
  default:
    return c->shape[0] * c->param;
  }
}

static int run_backward_norm_case(oclnn_context *ctx, const options *opt, const norm_case *c,
                                  const char *device_name) {
  norm_bwd_run b;
  memset(&b, 0, sizeof b);
  norm_run *r = &b.r;
  r->c = c;
  float *host = NULL;
  timing t;
  memset(&t, 0, sizeof t);
  int result = 1;
  int64_t count = 1, groups[1] = {norm_backward_groups(c)};
  for (int i = 0; i < c->rank; i++)
    count *= c->shape[i];
  const int64_t *pshape = c->kind == NORM_LAYER ? c->shape + c->rank - c->param : c->shape + 1;
  int prank = c->kind == NORM_LAYER ? (int)c->param : 1;

  double start = now_ms();
  oclnn_status s = norm_create(ctx, c, &r->layer);
  if (s == OCLNN_SUCCESS) {
    host = malloc((size_t)count * sizeof *host);
    if (!host) {
      fprintf(stderr, "oclnn-bench: %s: out of host memory\n", c->name);
      goto done;
    }
    s = oclnn_tensor_alloc(ctx, c->rank, c->shape, &r->in);
  }
  oclnn_tensor *big[] = {&r->out, &b.grad_out, &b.grad_in};
  for (size_t i = 0; i < sizeof big / sizeof big[0] && s == OCLNN_SUCCESS; i++)
    s = oclnn_tensor_alloc(ctx, c->rank, c->shape, big[i]);
  if (s == OCLNN_SUCCESS)
    s = oclnn_tensor_alloc(ctx, 1, groups, &b.save_mean);
  if (s == OCLNN_SUCCESS)
    s = oclnn_tensor_alloc(ctx, 1, groups, &b.save_invstd);
  if (s == OCLNN_SUCCESS)
    s = oclnn_tensor_alloc(ctx, prank, pshape, &b.grad_weight);
  if (s == OCLNN_SUCCESS)
    s = oclnn_tensor_alloc(ctx, prank, pshape, &b.grad_bias);
  const int64_t logits[1] = {3};
  if (s == OCLNN_SUCCESS && c->kind == NORM_SWITCH)
    s = oclnn_tensor_alloc(ctx, 1, logits, &b.grad_mean_weight);
  if (s == OCLNN_SUCCESS && c->kind == NORM_SWITCH)
    s = oclnn_tensor_alloc(ctx, 1, logits, &b.grad_var_weight);
  if (s == OCLNN_SUCCESS) {
    fill_random(host, (size_t)count, 0x5eed ^ (uint64_t)count);
    s = oclnn_tensor_upload(ctx, &r->in, host, (size_t)count);
  }
  if (s == OCLNN_SUCCESS) {
    fill_random(host, (size_t)count, 0x9ead ^ (uint64_t)count);
    s = oclnn_tensor_upload(ctx, &b.grad_out, host, (size_t)count);
  }
  if (s == OCLNN_SUCCESS)
    s = norm_params(ctx, r);
  if (s == OCLNN_SUCCESS)
    s = norm_backward_forward_save(&b);
  if (s == OCLNN_SUCCESS)
    s = oclnn_context_finish(ctx);
  if (s == OCLNN_SUCCESS) {
    /* create_ms covers the layer, the forward_save and the backward program's first build. */
    t.create_ms = now_ms() - start;
    start = now_ms();
    s = norm_backward_thunk(&b);
    if (s == OCLNN_SUCCESS)
      s = oclnn_context_finish(ctx);
    t.first_ms = now_ms() - start;
  }
  if (s != OCLNN_SUCCESS) {
    fprintf(stderr, "oclnn-bench: %s: %s: %s\n", c->name, oclnn_status_string(s),
            oclnn_context_error(ctx));
    goto done;
  }
  if (!time_launches(ctx, opt, norm_backward_thunk, &b, &t)) {
    fprintf(stderr, "oclnn-bench: %s: %s\n", c->name, oclnn_context_error(ctx));
    goto done;
  }
  /* The minimal traffic: read in and grad_out, write grad_in. */
  double bytes = 3.0 * (double)count * sizeof(float);
  double gbps = bytes / (t.median_ms * 1e-3) / 1e9;
  char in_text[96], name[96];
  snprintf(name, sizeof name, "norm_bwd_%s", c->name);
  shape_text(in_text, sizeof in_text, c->shape, c->rank);
  if (opt->text) {
    printf("%-32s %-24s %-16s %10.4f %10.4f %8.2f %9.2f %9.2f\n", name, in_text, in_text,
           t.median_ms, t.min_ms, gbps, t.create_ms, t.first_ms);
  } else {
    printf("{\"suite\": \"backward\", \"case\": ");
    print_json_string(name);
    printf(", \"layer\": \"norm\", \"torch\": ");
    print_json_string(c->torch);
    printf(", \"norm\": \"%s\", \"training\": %s, \"param\": %lld, \"in_shape\": ",
           NORM_KIND_NAMES[c->kind], c->training ? "true" : "false", (long long)c->param);
    print_json_ints(c->shape, c->rank);
    printf(", \"out_shape\": ");
    print_json_ints(c->shape, c->rank);
    printf(", \"passes\": 3, \"bytes\": %.0f, \"median_ms\": %.6f, \"min_ms\": %.6f, "
           "\"gbps\": %.3f, \"reps\": %d, \"samples\": %d, \"create_ms\": %.3f, "
           "\"first_ms\": %.3f",
           bytes, t.median_ms, t.min_ms, gbps, t.reps, t.samples, t.create_ms, t.first_ms);
    printf(", \"device\": ");
    print_json_string(device_name);
    printf("}\n");
  }
  fflush(stdout);
  result = 0;
done:
  norm_free(c, r->layer);
  oclnn_tensor *tensors[] = {
      &r->in,          &r->out,      &r->weight,          &r->bias,           &r->running_mean,
      &r->running_var, &b.save_mean, &b.save_invstd,      &b.grad_out,        &b.grad_in,
      &b.grad_weight,  &b.grad_bias, &b.grad_mean_weight, &b.grad_var_weight, &r->mean_weight,
      &r->var_weight};
  for (size_t i = 0; i < sizeof tensors / sizeof tensors[0]; i++)
    oclnn_tensor_free(tensors[i]);
  free(host);
  return result;
}

/* Convolution backward: the conv cases of issue 4's eight shapes (CONV_CASES), all three
 * gradients per call (oclnn_conv_backward with grad_input, grad_weight and grad_bias). */
static const char *const BACKWARD_CONV_CASES[] = {
    "conv2d_64to64_k3p1_1x64x128x128",       "conv2d_128to128_k3p1_1x128x64x64",
    "conv2d_3to32_k9p4_reflect_1x3x256x256", "conv2d_32to64_k3s2p1_1x32x256x256",
    "dwconv2d_64_k3p1_1x64x128x128",         "conv2d_64to64_k3d2p2_1x64x128x128",
    "conv2d_128to128_k1_1x128x64x64",        "conv1d_64to64_k5p2_8x64x4096",
};

typedef struct conv_backward_run {
  oclnn_conv *conv;
  oclnn_tensor in, weight, grad_out, grad_in, grad_weight, grad_bias;
} conv_backward_run;

static oclnn_status conv_backward_thunk(void *arg) {
  conv_backward_run *r = arg;
  return oclnn_conv_backward(r->conv, &r->in, &r->weight, &r->grad_out, &r->grad_in,
                             &r->grad_weight, &r->grad_bias);
}

/* Spatial coordinates of flat index i of a (N, C, spatial...) tensor; returns the plane index
 * n * C + c. */
static int64_t conv_bwd_coords(const int64_t *shape, int rank, int64_t i, int64_t *pos) {
  for (int a = rank - 1; a >= 2; a--) {
    pos[a - 2] = i % shape[a];
    i /= shape[a];
  }
  return i;
}

/* Whether the window of output position opos can read input position x in every dim, directly
 * or through a padded image of it (a cheap filter before the exact sum). */
static bool conv_bwd_window(const conv_case *c, const int64_t *opos, const int64_t *x) {
  for (int d = 0; d < c->dims; d++) {
    const int64_t n = c->shape[2 + d], lo = opos[d] * c->stride - c->padding,
                  hi = lo + c->dilation * (c->kernel - 1);
    const int64_t images[5] = {x[d], -x[d], 2 * (n - 1) - x[d], x[d] - n, x[d] + n};
    bool near = (x[d] == 0 && lo < 0) || (x[d] == n - 1 && hi >= n);
    for (int i = 0; i < 5; i++)
      near = near || (images[i] >= lo && images[i] <= hi);
    if (!near)
      return false;
  }
  return true;
}

/* Samples of each gradient against double sums over the forward's products (the same
 * scatter the tests' reference does, restricted to the sampled element): grad_bias entirely,
 * every 9973rd grad_input element, every 61st grad_weight element. Tolerance 1e-4 * (1 + sum of
 * |terms|). Returns the number of mismatches. */
static int64_t conv_backward_check(const conv_case *c, const int64_t *out_shape, const float *in,
                                   const float *w, const float *g, const float *gin,
                                   const float *gw, const float *gb) {
  const int dims = c->dims;
  const int64_t cin_g = c->in_channels / c->groups, cout_g = c->out_channels / c->groups;
  int64_t taps = 1, out_plane = 1, in_plane = 1, in_count, w_count;
  for (int d = 0; d < dims; d++) {
    taps *= c->kernel;
    out_plane *= out_shape[2 + d];
    in_plane *= c->shape[2 + d];
  }
  in_count = c->shape[0] * c->in_channels * in_plane;
  w_count = c->out_channels * cin_g * taps;
  const int64_t batch = c->shape[0];
  int64_t mismatches = 0;
  for (int64_t k = 0; k < c->out_channels; k++) {
    double sum = 0, size = 0;
    for (int64_t n = 0; n < batch; n++)
      for (int64_t p = 0; p < out_plane; p++) {
        double v = g[(n * c->out_channels + k) * out_plane + p];
        sum += v;
        size += conv_abs(v);
      }
    mismatches += conv_abs((double)gb[k] - sum) > 1e-4 * (1.0 + size);
  }
  /* Every output position and tap that reads input element `target` (or, for grad_weight,
   * every product with weight element `target`). */
  for (int pass = 0; pass < 2; pass++) {
    const int64_t count = pass == 0 ? in_count : w_count, step = pass == 0 ? 9973 : 61;
    for (int64_t target = 0; target < count; target += step) {
      double sum = 0, size = 0;
      int64_t k_lo = 0, k_hi = c->out_channels, ch = 0, tap_only = -1, n_only = -1;
      int64_t target_pos[3] = {0, 0, 0};
      if (pass == 0) {
        int64_t plane = conv_bwd_coords(c->shape, c->rank, target, target_pos);
        n_only = plane / c->in_channels;
        ch = plane % c->in_channels;
        k_lo = ch / cin_g * cout_g;
        k_hi = k_lo + cout_g;
      } else {
        tap_only = target % taps;
        ch = target / taps % cin_g;
        k_lo = target / taps / cin_g;
        k_hi = k_lo + 1;
      }
      for (int64_t n = 0; n < batch; n++) {
        if (n_only >= 0 && n != n_only)
          continue;
        for (int64_t k = k_lo; k < k_hi; k++) {
          const int64_t in_ch = pass == 0 ? ch : k / cout_g * cin_g + ch;
          const int64_t wch = pass == 0 ? ch % cin_g : ch;
          for (int64_t p = 0; p < out_plane; p++) {
            int64_t opos[3] = {0, 0, 0}, rest = p;
            for (int d = dims - 1; d >= 0; d--) {
              opos[d] = rest % out_shape[2 + d];
              rest /= out_shape[2 + d];
            }
            if (pass == 0 && !conv_bwd_window(c, opos, target_pos))
              continue;
            for (int64_t t = (tap_only >= 0 ? tap_only : 0);
                 t < (tap_only >= 0 ? tap_only + 1 : taps); t++) {
              int64_t src = 0, tap = t, tpos[3] = {0, 0, 0};
              for (int d = dims - 1; d >= 0; d--) {
                tpos[d] = tap % c->kernel;
                tap /= c->kernel;
              }
              for (int d = 0; d < dims && src >= 0; d++) {
                int64_t x =
                    conv_source(c->mode, opos[d] * c->stride - c->padding + tpos[d] * c->dilation,
                                c->shape[2 + d]);
                src = x < 0 ? -1 : src * c->shape[2 + d] + x;
              }
              if (src < 0)
                continue;
              const int64_t in_index = (n * c->in_channels + in_ch) * in_plane + src;
              if (pass == 0 && in_index != target)
                continue;
              const double go = g[(n * c->out_channels + k) * out_plane + p];
              const double term = pass == 0 ? go * (double)w[(k * cin_g + wch) * taps + t]
                                            : go * (double)in[in_index];
              sum += term;
              size += conv_abs(term);
            }
          }
        }
      }
      const double got = pass == 0 ? gin[target] : gw[target];
      mismatches += conv_abs(got - sum) > 1e-4 * (1.0 + size);
    }
  }
  return mismatches;
}

static int run_backward_conv_case(oclnn_context *ctx, const options *opt, const conv_case *c,
                                  const char *name, const char *device_name) {
  oclnn_conv_desc desc =
      oclnn_conv_desc_default(c->dims, c->in_channels, c->out_channels, c->kernel);
  for (int d = 0; d < c->dims; d++) {
    desc.stride[d] = c->stride;
    desc.padding[d] = c->padding;
    desc.dilation[d] = c->dilation;
  }
  desc.groups = c->groups;
  desc.padding_mode = c->mode;
  desc.algo = c->algo;
  conv_backward_run r;
  memset(&r, 0, sizeof r);
  float *host[6] = {NULL, NULL, NULL, NULL, NULL, NULL}; /* in, w, grad_out, gin, gw, gb */
  int64_t out_shape[OCLNN_MAX_RANK];
  int64_t w_shape[OCLNN_MAX_RANK] = {c->out_channels, c->in_channels / c->groups, 1, 1, 1};
  int64_t b_shape[1] = {c->out_channels};
  timing t;
  memset(&t, 0, sizeof t);
  int result = 1;
  int64_t in_count = 1, out_count = 1, w_count = w_shape[0] * w_shape[1], mismatches = -1;
  for (int d = 0; d < c->dims; d++) {
    w_shape[2 + d] = c->kernel;
    w_count *= c->kernel;
  }
  double start = now_ms();
  oclnn_status s = oclnn_conv_create(ctx, &desc, &r.conv);
  if (s == OCLNN_SUCCESS)
    s = oclnn_conv_output_shape(r.conv, c->rank, c->shape, out_shape);
  if (s == OCLNN_SUCCESS) {
    for (int i = 0; i < c->rank; i++) {
      in_count *= c->shape[i];
      out_count *= out_shape[i];
    }
    const int64_t counts[3] = {in_count, w_count, out_count};
    for (int i = 0; i < 3; i++) {
      host[i] = malloc((size_t)counts[i] * sizeof(float));
      if (!host[i]) {
        fprintf(stderr, "oclnn-bench: %s: out of host memory\n", name);
        goto done;
      }
      fill_random(host[i], (size_t)counts[i], 0xbac4 + (uint64_t)i);
    }
    s = oclnn_tensor_alloc(ctx, c->rank, c->shape, &r.in);
  }
  if (s == OCLNN_SUCCESS)
    s = oclnn_tensor_alloc(ctx, 2 + c->dims, w_shape, &r.weight);
  if (s == OCLNN_SUCCESS)
    s = oclnn_tensor_alloc(ctx, c->rank, out_shape, &r.grad_out);
  if (s == OCLNN_SUCCESS)
    s = oclnn_tensor_alloc(ctx, c->rank, c->shape, &r.grad_in);
  if (s == OCLNN_SUCCESS)
    s = oclnn_tensor_alloc(ctx, 2 + c->dims, w_shape, &r.grad_weight);
  if (s == OCLNN_SUCCESS)
    s = oclnn_tensor_alloc(ctx, 1, b_shape, &r.grad_bias);
  if (s == OCLNN_SUCCESS)
    s = oclnn_tensor_upload(ctx, &r.in, host[0], (size_t)in_count);
  if (s == OCLNN_SUCCESS)
    s = oclnn_tensor_upload(ctx, &r.weight, host[1], (size_t)w_count);
  if (s == OCLNN_SUCCESS)
    s = oclnn_tensor_upload(ctx, &r.grad_out, host[2], (size_t)out_count);
  if (s == OCLNN_SUCCESS) {
    /* create_ms covers the layer and the backward programs, built at the first call. */
    s = conv_backward_thunk(&r);
    t.create_ms = now_ms() - start;
    if (s == OCLNN_SUCCESS)
      s = oclnn_context_finish(ctx);
    t.first_ms = now_ms() - start - t.create_ms;
  }
  if (s != OCLNN_SUCCESS) {
    fprintf(stderr, "oclnn-bench: %s: %s: %s\n", name, oclnn_status_string(s),
            oclnn_context_error(ctx));
    goto done;
  }
  if (opt->check) {
    const int64_t counts[3] = {in_count, w_count, c->out_channels};
    const oclnn_tensor *grads[3] = {&r.grad_in, &r.grad_weight, &r.grad_bias};
    for (int i = 0; i < 3; i++) {
      host[3 + i] = malloc((size_t)counts[i] * sizeof(float));
      if (!host[3 + i] ||
          oclnn_tensor_download(ctx, grads[i], host[3 + i], (size_t)counts[i]) != OCLNN_SUCCESS) {
        fprintf(stderr, "oclnn-bench: %s: cannot download the gradients: %s\n", name,
                oclnn_context_error(ctx));
        goto done;
      }
    }
    mismatches =
        conv_backward_check(c, out_shape, host[0], host[1], host[2], host[3], host[4], host[5]);
  }
  if (!time_launches(ctx, opt, conv_backward_thunk, &r, &t)) {
    fprintf(stderr, "oclnn-bench: %s: %s\n", name, oclnn_context_error(ctx));
    goto done;
  }
  /* grad_input and grad_weight each make the forward's products once. */
  double flops = 4.0 * (double)out_count * (double)(w_count / c->out_channels);
  double bytes = (double)(2 * in_count + out_count + 2 * w_count) * sizeof(float);
  double gflops = flops / (t.median_ms * 1e-3) / 1e9;
  char in_text[96], out_text[96];
  shape_text(in_text, sizeof in_text, c->shape, c->rank);
  shape_text(out_text, sizeof out_text, out_shape, c->rank);
  if (opt->text) {
    printf("%-32s %-24s %-16s %10.4f %10.4f %9.2f %9.2f  %.1f GFLOP/s%s\n", name, in_text, out_text,
           t.median_ms, t.min_ms, t.create_ms, t.first_ms, gflops,
           mismatches > 0   ? "  CHECK FAILED"
           : mismatches < 0 ? ""
                            : "  ok");
  } else {
    printf("{\"suite\": \"backward\", \"case\": ");
    print_json_string(name);
    printf(", \"layer\": \"conv\", \"torch\": ");
    print_json_string(c->torch);
    printf(", \"dims\": %d, \"in_channels\": %lld, \"out_channels\": %lld, \"kernel_size\": %lld, "
           "\"stride\": %lld, \"padding\": %lld, \"dilation\": %lld, \"groups\": %lld, "
           "\"bias\": true, \"padding_mode\": \"%s\", \"in_shape\": ",
           c->dims, (long long)c->in_channels, (long long)c->out_channels, (long long)c->kernel,
           (long long)c->stride, (long long)c->padding, (long long)c->dilation,
           (long long)c->groups, CONV_MODE_NAMES[c->mode]);
    print_json_ints(c->shape, c->rank);
    printf(", \"out_shape\": ");
    print_json_ints(out_shape, c->rank);
    printf(", \"flops\": %.0f, \"bytes\": %.0f, \"median_ms\": %.6f, \"min_ms\": %.6f, "
           "\"gflops\": %.3f, \"reps\": %d, \"samples\": %d, \"create_ms\": %.3f, "
           "\"first_ms\": %.3f, \"cpu_min_ms\": %.6f",
           flops, bytes, t.median_ms, t.min_ms, gflops, t.reps, t.samples, t.create_ms, t.first_ms,
           t.cpu_min_ms);
    if (mismatches >= 0)
      printf(", \"check\": \"%s\", \"mismatches\": %lld", mismatches ? "failed" : "ok",
             (long long)mismatches);
    printf(", \"device\": ");
    print_json_string(device_name);
    printf("}\n");
  }
  fflush(stdout);
  result = mismatches > 0 ? 1 : 0;
done:
  oclnn_conv_free(r.conv);
  oclnn_tensor *tensors[6] = {&r.in,      &r.weight,      &r.grad_out,
                              &r.grad_in, &r.grad_weight, &r.grad_bias};
  for (int i = 0; i < 6; i++) {
    oclnn_tensor_free(tensors[i]);
    free(host[i]);
  }
  return result;
}

static int run_backward_conv_cases(oclnn_context *ctx, const options *opt,
                                   const char *device_name) {
  int failures = 0;
  for (size_t i = 0; i < sizeof BACKWARD_CONV_CASES / sizeof BACKWARD_CONV_CASES[0]; i++) {
    const conv_case *c = NULL;
    for (size_t j = 0; j < sizeof CONV_CASES / sizeof CONV_CASES[0]; j++)
      if (strcmp(CONV_CASES[j].name, BACKWARD_CONV_CASES[i]) == 0)
        c = &CONV_CASES[j];
    if (!c) {
      fprintf(stderr, "oclnn-bench: backward case %s has no conv case\n", BACKWARD_CONV_CASES[i]);
      failures++;
      continue;
    }
    char name[96];
    snprintf(name, sizeof name, "conv_bwd_%s", c->name);
    if (!case_selected(opt, name))
      continue;
    if (opt->list) {
      printf("backward %s %s.backward\n", name, c->torch);
      continue;
    }
    failures += run_backward_conv_case(ctx, opt, c, name, device_name);
  }
  return failures;
}

static int run_backward_suite(oclnn_context *ctx, const options *opt, const char *device_name) {
  int failures = 0;
  for (size_t i = 0; i < sizeof BACKWARD_PAD_CASES / sizeof BACKWARD_PAD_CASES[0]; i++) {
    const pad_case *c = NULL;
    for (size_t j = 0; j < sizeof PAD_CASES / sizeof PAD_CASES[0]; j++)
      if (strcmp(PAD_CASES[j].name, BACKWARD_PAD_CASES[i]) == 0)
        c = &PAD_CASES[j];
    if (!c) {
      fprintf(stderr, "oclnn-bench: backward case %s has no pad case\n", BACKWARD_PAD_CASES[i]);
      failures++;
      continue;
    }
    char name[96];
    snprintf(name, sizeof name, "pad_bwd_%s", c->name);
    if (!case_selected(opt, name))
      continue;
    if (opt->list) {
      printf("backward %s %s.backward\n", name, c->torch);
      continue;
    }
    failures += run_backward_pad_case(ctx, opt, c, device_name);
  }
  for (size_t i = 0; i < sizeof BACKWARD_NORM_CASES / sizeof BACKWARD_NORM_CASES[0]; i++) {
    const norm_case *c = NULL;
    for (size_t j = 0; j < sizeof NORM_CASES / sizeof NORM_CASES[0]; j++)
      if (strcmp(NORM_CASES[j].name, BACKWARD_NORM_CASES[i]) == 0)
        c = &NORM_CASES[j];
    if (!c) {
      fprintf(stderr, "oclnn-bench: backward case %s has no norm case\n", BACKWARD_NORM_CASES[i]);
      failures++;
      continue;
    }
    char name[96];
    snprintf(name, sizeof name, "norm_bwd_%s", c->name);
    if (!case_selected(opt, name))
      continue;
    if (opt->list) {
      printf("backward %s %s backward\n", name, c->torch);
      continue;
    }
    failures += run_backward_norm_case(ctx, opt, c, device_name);
  }
  failures += run_backward_conv_cases(ctx, opt, device_name);
  return failures;
}

/* ------------------------------------------------------------------------------------------ */

typedef struct suite {
  const char *name;
  int (*run)(oclnn_context *ctx, const options *opt, const char *device_name);
} suite;

static const suite SUITES[] = {
    {"pad", run_pad_suite}, {"norm", run_norm_suite},         {"conv", run_conv_suite},
    {"act", run_act_suite}, {"backward", run_backward_suite},
};

static void usage(FILE *to) {
  fprintf(to, "usage: oclnn-bench [options]\n"
              "  --suite NAME     run one suite (pad, norm, conv, act, backward); default: all\n"
              "  --case TEXT      run the cases whose name contains TEXT (repeatable)\n"
              "  --exact          --case names must match whole names\n"
              "  --list           list the cases and exit\n"
              "  --reps N         launches per timed sample (default: enough for ~--target-ms)\n"
              "  --samples N      timed samples per case, median reported (default 7)\n"
              "  --target-ms MS   length of one sample when --reps is not given (default 40)\n"
              "  --device SPEC    device as in OCLNN_DEVICE (\"P:D\" or a name substring)\n"
              "  --check          compare each output bit for bit with a host reference\n"
              "                   (pad, act: every element, bit for bit; backward: every element,\n"
              "                   within 1e-5; conv: a sample, within fp32 rounding;\n"
              "                   norm is checked by ctest -R norm)\n"
              "  --text           a table instead of JSON lines\n"
              "Prints one JSON object per case; median_ms is per launch of back-to-back launches\n"
              "synchronised once per sample; gbps counts bytes read + written by the minimal\n"
              "algorithm (norm: \"passes\" over the input, 2 or 3); conv adds gflops, the\n"
              "direct convolution's multiply-adds (2 per product) per second.\n");
}

static bool parse_int(const char *text, int lo, int hi, int *out) {
  char *end = NULL;
  long v = text ? strtol(text, &end, 10) : 0;
  if (!text || end == text || *end || v < lo || v > hi)
    return false;
  *out = (int)v;
  return true;
}

int main(int argc, char **argv) {
  options opt;
  memset(&opt, 0, sizeof opt);
  opt.samples = 7;
  opt.target_ms = 40.0;
  for (int i = 1; i < argc; i++) {
    const char *a = argv[i];
    const char *next = i + 1 < argc ? argv[i + 1] : NULL;
    int ms = 0;
    if (strcmp(a, "--suite") == 0 && next) {
      opt.suite = next;
      i++;
    } else if (strcmp(a, "--case") == 0 && next && opt.case_count < MAX_CASE_FILTERS) {
      opt.cases[opt.case_count++] = next;
      i++;
    } else if (strcmp(a, "--device") == 0 && next) {
      opt.device = next;
      i++;
    } else if (strcmp(a, "--reps") == 0 && parse_int(next, 1, 1000000, &opt.reps)) {
      i++;
    } else if (strcmp(a, "--samples") == 0 && parse_int(next, 1, MAX_SAMPLES, &opt.samples)) {
      i++;
    } else if (strcmp(a, "--target-ms") == 0 && parse_int(next, 1, 100000, &ms)) {
      opt.target_ms = ms;
      i++;
    } else if (strcmp(a, "--list") == 0) {
      opt.list = true;
    } else if (strcmp(a, "--text") == 0) {
      opt.text = true;
    } else if (strcmp(a, "--exact") == 0) {
      opt.exact = true;
    } else if (strcmp(a, "--check") == 0) {
      opt.check = true;
    } else if (strcmp(a, "--help") == 0 || strcmp(a, "-h") == 0) {
      usage(stdout);
      return 0;
    } else {
      fprintf(stderr, "oclnn-bench: bad or incomplete argument \"%s\"\n", a);
      usage(stderr);
      return 2;
    }
  }
  bool known = !opt.suite;
  for (size_t i = 0; i < sizeof SUITES / sizeof SUITES[0]; i++)
    known = known || strcmp(opt.suite, SUITES[i].name) == 0;
  if (!known) {
    fprintf(stderr, "oclnn-bench: unknown suite \"%s\" (suites: pad, norm, conv, act, backward)\n",
            opt.suite);
    return 2;
  }

  oclnn_context *ctx = NULL;
  char device_name[256] = "";
  if (!opt.list) {
    oclnn_context_options copt = oclnn_context_options_default();
    copt.device = opt.device;
    oclnn_status s = oclnn_context_create(&copt, &ctx);
    if (s != OCLNN_SUCCESS) {
      fprintf(stderr, "oclnn-bench: %s: %s\n", oclnn_status_string(s), oclnn_context_error(NULL));
      return 1;
    }
    clGetDeviceInfo(oclnn_context_cl_device(ctx), CL_DEVICE_NAME, sizeof device_name - 1,
                    device_name, NULL);
    if (opt.text)
      printf("# device: %s\n%-32s %-24s %-16s %10s %10s %8s %9s %9s\n", device_name, "case", "in",
             "out", "median_ms", "min_ms", "GB/s", "create_ms", "first_ms");
  }
  int failures = 0;
  for (size_t i = 0; i < sizeof SUITES / sizeof SUITES[0]; i++)
    if (!opt.suite || strcmp(opt.suite, SUITES[i].name) == 0)
      failures += SUITES[i].run(ctx, &opt, device_name);
  oclnn_context_free(ctx);
  return failures ? 1 : 0;
}
