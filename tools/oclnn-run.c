/* oclnn-run: runs an ONNX model on oclnn from files, and times it.
 *
 *   oclnn-run MODEL.onnx --input FILE [--input FILE ...] [--output FILE ...]
 *             [--size HxW] [--benchmark [N]] [--json] [--device SPEC]
 *
 * Inputs and outputs are chosen by extension: .png/.jpg/.jpeg/.bmp images are RGB with values
 * 0..255 as floats, NCHW with N = 1 (output images are rounded and clamped to 0..255); .npy files
 * are float32 tensors of any shape, so any graph can be run and compared with onnxruntime or
 * torch. --input and --output are given once per graph input and output, in graph order; outputs
 * without a file are computed and dropped.
 *
 * --benchmark [N] (default 10) reports the startup: the context, the model load (parse, checks,
 * folding, weights upload), the plan (oclnn_model_output_shape with the inputs uploaded: layers
 * created, programs built or loaded from the cache: the cold or warm start cost), the first run
 * (PoCL compiles each kernel's work-group code at its first launch) and the time from entering
 * main to the first output on the host; then the median and best of N runs (run +
 * oclnn_context_finish) and a per-step device-time breakdown from a profiled run. --json prints
 * the same as one JSON line (bench/compare_ort.py reads it).
 */
#include "npy.h"
#include "oclnn.h"

#include <ctype.h>
#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#ifdef OCLNN_RUN_HAVE_STB
#include <stb_image.h>
#include <stb_image_resize.h>
#include <stb_image_write.h>
#endif

#define MAX_IO 16
#define MAX_RUNS 10000
#define MAX_IMAGE_SIDE 16384

typedef struct options {
  const char *model;
  const char *inputs[MAX_IO];
  int n_inputs;
  const char *outputs[MAX_IO];
  int n_outputs;
  const char *device;
  int64_t size_h, size_w; /* --size: resize image inputs; 0: keep */
  int benchmark;          /* runs to time; 0: no benchmark */
  bool json;
} options;

typedef struct host_tensor {
  int rank;
  int64_t shape[OCLNN_MAX_RANK];
  size_t count;
  float *data;
} host_tensor;

static double now_ms(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (double)ts.tv_sec * 1e3 + (double)ts.tv_nsec * 1e-6;
}

static int compare_double(const void *a, const void *b) {
  double x = *(const double *)a, y = *(const double *)b;
  return (x > y) - (x < y);
}

static void usage(FILE *to) {
  fprintf(to, "usage: oclnn-run MODEL.onnx --input FILE [--input FILE ...] [--output FILE ...]\n"
              "                 [--size HxW] [--benchmark [N]] [--json] [--device SPEC]\n"
              "  FILE: .png/.jpg/.jpeg/.bmp (RGB 0..255, 1x3xHxW) or .npy (float32, any shape),\n"
              "        one --input per graph input and one --output per graph output, in order\n"
              "  --size HxW       resize image inputs to H rows and W columns\n"
              "  --benchmark [N]  time N runs (default 10): startup, first run, median, per step\n"
              "  --json           print the benchmark as one JSON line\n"
              "  --device SPEC    P:D or part of a device/platform name (default: OCLNN_DEVICE)\n");
}

static bool has_ext(const char *path, const char *ext) {
  size_t n = strlen(path), e = strlen(ext);
  return n > e && strcasecmp(path + n - e, ext) == 0;
}

static bool is_image(const char *path) {
  return has_ext(path, ".png") || has_ext(path, ".jpg") || has_ext(path, ".jpeg") ||
         has_ext(path, ".bmp");
}

static int parse_args(int argc, char **argv, options *o) {
  memset(o, 0, sizeof *o);
  for (int i = 1; i < argc; ++i) {
    const char *a = argv[i];
    if (!strcmp(a, "--help") || !strcmp(a, "-h")) {
      usage(stdout);
      exit(0);
    } else if (!strcmp(a, "--input") || !strcmp(a, "--output")) {
      bool in = a[2] == 'i';
      if (i + 1 >= argc) {
        fprintf(stderr, "oclnn-run: %s needs a file\n", a);
        return -1;
      }
      if ((in ? o->n_inputs : o->n_outputs) == MAX_IO) {
        fprintf(stderr, "oclnn-run: at most %d %ss\n", MAX_IO, a + 2);
        return -1;
      }
      if (in)
        o->inputs[o->n_inputs++] = argv[++i];
      else
        o->outputs[o->n_outputs++] = argv[++i];
    } else if (!strcmp(a, "--device")) {
      if (i + 1 >= argc) {
        fprintf(stderr, "oclnn-run: --device needs a value\n");
        return -1;
      }
      o->device = argv[++i];
    } else if (!strcmp(a, "--size")) {
      long long h = 0, w = 0;
      char tail = 0;
      if (i + 1 >= argc || sscanf(argv[i + 1], "%lldx%lld%c", &h, &w, &tail) != 2 || h < 1 ||
          w < 1 || h > MAX_IMAGE_SIDE || w > MAX_IMAGE_SIDE) {
        fprintf(stderr, "oclnn-run: --size needs HxW with sides 1..%d\n", MAX_IMAGE_SIDE);
        return -1;
      }
      o->size_h = h, o->size_w = w;
      ++i;
    } else if (!strcmp(a, "--benchmark")) {
      o->benchmark = 10;
      if (i + 1 < argc && isdigit((unsigned char)argv[i + 1][0])) {
        char *end = NULL;
        long n = strtol(argv[++i], &end, 10);
        if (*end || n < 1 || n > MAX_RUNS) {
          fprintf(stderr, "oclnn-run: --benchmark takes 1..%d runs, not '%s'\n", MAX_RUNS, argv[i]);
          return -1;
        }
        o->benchmark = (int)n;
      }
    } else if (!strcmp(a, "--json")) {
      o->json = true;
    } else if (a[0] == '-' && a[1]) {
      fprintf(stderr, "oclnn-run: unknown option '%s'\n", a);
      return -1;
    } else if (!o->model) {
      o->model = a;
    } else {
      fprintf(stderr, "oclnn-run: a second model '%s' (one model per run)\n", a);
      return -1;
    }
  }
  if (!o->model || o->n_inputs == 0) {
    usage(stderr);
    return -1;
  }
  return 0;
}

/* ---------------------------------------------------------------------------------------- */
/* Files                                                                                     */
/* ---------------------------------------------------------------------------------------- */

static int load_image(const char *path, const options *o, host_tensor *t) {
#ifdef OCLNN_RUN_HAVE_STB
  int w = 0, h = 0, channels = 0;
  if (!stbi_info(path, &w, &h, &channels)) {
    fprintf(stderr, "oclnn-run: cannot read image %s: %s\n", path,
            stbi_failure_reason() ? stbi_failure_reason() : "unknown format");
    return -1;
  }
  if (w > MAX_IMAGE_SIDE || h > MAX_IMAGE_SIDE) {
    fprintf(stderr, "oclnn-run: image %s is %dx%d: larger than %d pixels a side\n", path, w, h,
            MAX_IMAGE_SIDE);
    return -1;
  }
  unsigned char *rgb = stbi_load(path, &w, &h, &channels, 3);
  if (!rgb) {
    fprintf(stderr, "oclnn-run: cannot decode image %s: %s\n", path,
            stbi_failure_reason() ? stbi_failure_reason() : "unknown error");
    return -1;
  }
  if (o->size_h && (o->size_h != h || o->size_w != w)) {
    int dw = (int)o->size_w, dh = (int)o->size_h;
    unsigned char *resized = malloc((size_t)dw * (size_t)dh * 3);
    if (!resized || !stbir_resize_uint8(rgb, w, h, w * 3, resized, dw, dh, dw * 3, 3)) {
      fprintf(stderr, "oclnn-run: cannot resize %s to %dx%d\n", path, dh, dw);
      free(resized);
      stbi_image_free(rgb);
      return -1;
    }
    stbi_image_free(rgb);
    rgb = resized;
    w = dw, h = dh;
  }
  size_t plane = (size_t)w * (size_t)h;
  t->rank = 4;
  t->shape[0] = 1, t->shape[1] = 3, t->shape[2] = h, t->shape[3] = w;
  t->count = 3 * plane;
  t->data = malloc(t->count * sizeof(float));
  if (!t->data) {
    fprintf(stderr, "oclnn-run: out of memory for %s\n", path);
    free(rgb);
    return -1;
  }
  for (size_t p = 0; p < plane; ++p)
    for (size_t c = 0; c < 3; ++c)
      t->data[c * plane + p] = (float)rgb[p * 3 + c];
  free(rgb); /* Debian's stb frees with free() */
  return 0;
#else
  (void)o;
  (void)t;
  fprintf(stderr, "oclnn-run: %s: built without stb (libstb-dev), only .npy files work\n", path);
  return -1;
#endif
}

static int load_input(const char *path, const options *o, host_tensor *t) {
  memset(t, 0, sizeof *t);
  if (is_image(path))
    return load_image(path, o, t);
  if (!has_ext(path, ".npy")) {
    fprintf(stderr, "oclnn-run: %s: unknown input type (use .png, .jpg, .bmp or .npy)\n", path);
    return -1;
  }
  npy_array a;
  char err[512];
  if (npy_read(path, &a, err, sizeof err)) {
    fprintf(stderr, "oclnn-run: %s\n", err);
    return -1;
  }
  if (a.rank < 1 || a.rank > OCLNN_MAX_RANK) {
    fprintf(stderr, "oclnn-run: %s has %d dims; oclnn tensors have 1..%d\n", path, a.rank,
            OCLNN_MAX_RANK);
    npy_free(&a);
    return -1;
  }
  t->rank = a.rank;
  memcpy(t->shape, a.shape, sizeof(int64_t) * (size_t)a.rank);
  t->count = a.count;
  t->data = a.data;
  return 0;
}

static unsigned char to_byte(float v) {
  if (!(v > 0.0f)) /* NaN too */
    return 0;
  if (v >= 255.0f)
    return 255;
  return (unsigned char)(v + 0.5f);
}

static int save_output(const char *path, const host_tensor *t) {
  if (has_ext(path, ".npy")) {
    char err[512];
    if (npy_write(path, t->rank, t->shape, t->data, err, sizeof err)) {
      fprintf(stderr, "oclnn-run: %s\n", err);
      return -1;
    }
    return 0;
  }
  if (!is_image(path)) {
    fprintf(stderr, "oclnn-run: %s: unknown output type (use .png, .jpg, .bmp or .npy)\n", path);
    return -1;
  }
#ifdef OCLNN_RUN_HAVE_STB
  bool nchw = t->rank == 4 && t->shape[0] == 1 && t->shape[1] == 3;
  bool chw = t->rank == 3 && t->shape[0] == 3;
  if (!nchw && !chw) {
    fprintf(stderr,
            "oclnn-run: %s: an output of rank %d is not an RGB image (1x3xHxW); "
            "write it as .npy\n",
            path, t->rank);
    return -1;
  }
  int64_t h = t->shape[t->rank - 2], w = t->shape[t->rank - 1];
  if (h < 1 || w < 1 || h > MAX_IMAGE_SIDE || w > MAX_IMAGE_SIDE) {
    fprintf(stderr, "oclnn-run: %s: a %lldx%lld output cannot be an image\n", path, (long long)h,
            (long long)w);
    return -1;
  }
  size_t plane = (size_t)h * (size_t)w;
  unsigned char *rgb = malloc(plane * 3);
  if (!rgb) {
    fprintf(stderr, "oclnn-run: out of memory for %s\n", path);
    return -1;
  }
  for (size_t p = 0; p < plane; ++p)
    for (size_t c = 0; c < 3; ++c)
      rgb[p * 3 + c] = to_byte(t->data[c * plane + p]);
  int ok;
  errno = 0;
  if (has_ext(path, ".png"))
    ok = stbi_write_png(path, (int)w, (int)h, 3, rgb, (int)w * 3);
  else if (has_ext(path, ".bmp"))
    ok = stbi_write_bmp(path, (int)w, (int)h, 3, rgb);
  else
    ok = stbi_write_jpg(path, (int)w, (int)h, 3, rgb, 95);
  free(rgb);
  if (!ok) {
    fprintf(stderr, "oclnn-run: cannot write %s: %s\n", path, strerror(errno ? errno : EIO));
    return -1;
  }
  return 0;
#else
  (void)t;
  fprintf(stderr, "oclnn-run: %s: built without stb (libstb-dev), only .npy files work\n", path);
  return -1;
#endif
}

/* ---------------------------------------------------------------------------------------- */
/* Running                                                                                   */
/* ---------------------------------------------------------------------------------------- */

typedef struct run_state {
  oclnn_context *ctx;
  oclnn_model *model;
  int n_in, n_out;
  host_tensor host_in[MAX_IO], host_out[MAX_IO];
  oclnn_tensor dev_in[MAX_IO], dev_out[MAX_IO];
} run_state;

static int report(const run_state *s, const char *call, oclnn_status status) {
  fprintf(stderr, "oclnn-run: %s: %s: %s\n", call, oclnn_status_string(status),
          s->ctx ? oclnn_context_error(s->ctx) : oclnn_context_error(NULL));
  return -1;
}

static void shape_text(char *buf, size_t size, int rank, const int64_t *shape) {
  size_t used = 0;
  buf[0] = '\0';
  for (int i = 0; i < rank && used < size; ++i)
    used += (size_t)snprintf(buf + used, size - used, "%s%lld", i ? "x" : "", (long long)shape[i]);
}

/* Allocates and uploads the inputs and allocates the outputs (output_shape plans the graph). */
static int prepare(run_state *s) {
  oclnn_status st;
  for (int i = 0; i < s->n_in; ++i) {
    const host_tensor *h = &s->host_in[i];
    if ((st = oclnn_tensor_alloc(s->ctx, h->rank, h->shape, &s->dev_in[i])))
      return report(s, "oclnn_tensor_alloc", st);
    if ((st = oclnn_tensor_upload(s->ctx, &s->dev_in[i], h->data, h->count)))
      return report(s, "oclnn_tensor_upload", st);
  }
  for (int j = 0; j < s->n_out; ++j) {
    host_tensor *h = &s->host_out[j];
    if ((st = oclnn_model_output_shape(s->model, s->dev_in, s->n_in, j, &h->rank, h->shape)))
      return report(s, "oclnn_model_output_shape", st);
    oclnn_tensor view = oclnn_tensor_view(NULL, 0, h->rank, h->shape);
    int64_t numel = oclnn_tensor_numel(&view);
    if (numel < 0 || (uint64_t)numel > SIZE_MAX / sizeof(float)) {
      fprintf(stderr, "oclnn-run: output %d has an invalid size\n", j);
      return -1;
    }
    h->count = (size_t)numel;
    h->data = malloc(h->count ? h->count * sizeof(float) : 1);
    if (!h->data) {
      fprintf(stderr, "oclnn-run: out of memory for output %d\n", j);
      return -1;
    }
    if ((st = oclnn_tensor_alloc(s->ctx, h->rank, h->shape, &s->dev_out[j])))
      return report(s, "oclnn_tensor_alloc", st);
  }
  return 0;
}

static int run_once(run_state *s) {
  oclnn_status st = oclnn_model_run(s->model, s->dev_in, s->n_in, s->dev_out, s->n_out);
  if (st)
    return report(s, "oclnn_model_run", st);
  if ((st = oclnn_context_finish(s->ctx)))
    return report(s, "oclnn_context_finish", st);
  return 0;
}

static int download(run_state *s) {
  for (int j = 0; j < s->n_out; ++j) {
    oclnn_status st =
        oclnn_tensor_download(s->ctx, &s->dev_out[j], s->host_out[j].data, s->host_out[j].count);
    if (st)
      return report(s, "oclnn_tensor_download", st);
  }
  return 0;
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

typedef struct timings {
  double context_ms, load_ms, plan_ms, first_run_ms, first_output_ms, median_ms, best_ms;
  int runs;
} timings;

static int benchmark(run_state *s, const options *o, timings *t) {
  double *samples = malloc(sizeof(double) * (size_t)o->benchmark);
  if (!samples) {
    fprintf(stderr, "oclnn-run: out of memory\n");
    return -1;
  }
  for (int r = 0; r < o->benchmark; ++r) {
    double start = now_ms();
    if (run_once(s)) {
      free(samples);
      return -1;
    }
    samples[r] = now_ms() - start;
  }
  qsort(samples, (size_t)o->benchmark, sizeof *samples, compare_double);
  int n = o->benchmark;
  t->median_ms = n % 2 ? samples[n / 2] : 0.5 * (samples[n / 2 - 1] + samples[n / 2]);
  t->best_ms = samples[0];
  t->runs = n;
  free(samples);

  /* The breakdown comes from a separate profiled run so that the timed runs above do not pay
   * for event collection. */
  oclnn_status st = oclnn_model_set_profiling(s->model, 1);
  if (st)
    return report(s, "oclnn_model_set_profiling", st);
  if (run_once(s))
    return -1;
  int steps = oclnn_model_step_count(s->model);
  double total = 0;
  for (int i = 0; i < steps; ++i) {
    double ms = 0;
    if (!oclnn_model_step_profile(s->model, i, NULL, NULL, &ms))
      total += ms;
  }
  char in_shape[128];
  shape_text(in_shape, sizeof in_shape, s->host_in[0].rank, s->host_in[0].shape);
  if (o->json) {
    printf("{\"model\": ");
    print_json_string(o->model);
    printf(", \"input\": \"%s\", \"context_ms\": %.3f, \"load_ms\": %.3f, \"plan_ms\": %.3f, "
           "\"first_run_ms\": %.3f, \"first_output_ms\": %.3f, \"runs\": %d, \"median_ms\": %.3f, "
           "\"best_ms\": %.3f, \"steps_total_ms\": %.3f, \"steps\": [",
           in_shape, t->context_ms, t->load_ms, t->plan_ms, t->first_run_ms, t->first_output_ms,
           t->runs, t->median_ms, t->best_ms, total);
  } else {
    printf("model %s, input %s\n", o->model, in_shape);
    printf("  context    %9.1f ms\n  load       %9.1f ms\n", t->context_ms, t->load_ms);
    printf("  plan       %9.1f ms  (inputs uploaded, layers created: programs built or loaded)\n",
           t->plan_ms);
    printf("  first run  %9.1f ms  (first launches: PoCL compiles work-group code)\n",
           t->first_run_ms);
    printf("  first output on the host %9.1f ms after start\n", t->first_output_ms);
    printf("  %d runs: median %.2f ms, best %.2f ms\n", t->runs, t->median_ms, t->best_ms);
    printf("  steps (device time of one profiled run, %.2f ms in all):\n", total);
  }
  for (int i = 0; i < steps; ++i) {
    const char *name = "", *op = "";
    double ms = 0;
    st = oclnn_model_step_profile(s->model, i, &name, &op, &ms);
    if (st)
      return report(s, "oclnn_model_step_profile", st);
    if (o->json) {
      printf("%s{\"name\": ", i ? ", " : "");
      print_json_string(name ? name : "");
      printf(", \"op\": ");
      print_json_string(op ? op : "");
      printf(", \"ms\": %.4f}", ms);
    } else {
      printf("    %3d %-40s %-36s %8.3f ms %5.1f %%\n", i, name ? name : "", op ? op : "", ms,
             total > 0 ? 100.0 * ms / total : 0.0);
    }
  }
  if (o->json)
    printf("]}\n");
  return 0;
}

int main(int argc, char **argv) {
  double t0 = now_ms();
  options o;
  if (parse_args(argc, argv, &o))
    return 2;
  run_state s;
  memset(&s, 0, sizeof s);
  timings t;
  memset(&t, 0, sizeof t);
  int rc = 1;
  oclnn_status st;

  oclnn_context_options copts = oclnn_context_options_default();
  copts.device = o.device;
  if ((st = oclnn_context_create(&copts, &s.ctx))) {
    report(&s, "oclnn_context_create", st);
    return 1;
  }
  t.context_ms = now_ms() - t0;
  double t1 = now_ms();
  if ((st = oclnn_model_load_file(s.ctx, o.model, &s.model))) {
    report(&s, "oclnn_model_load_file", st);
    goto done;
  }
  t.load_ms = now_ms() - t1;
  s.n_in = oclnn_model_input_count(s.model);
  s.n_out = oclnn_model_output_count(s.model);
  if (s.n_in != o.n_inputs) {
    fprintf(stderr, "oclnn-run: %s has %d inputs, %d given\n", o.model, s.n_in, o.n_inputs);
    goto done;
  }
  if (s.n_out > MAX_IO || o.n_outputs > s.n_out) {
    fprintf(stderr, "oclnn-run: %s has %d outputs, %d files given (at most %d)\n", o.model, s.n_out,
            o.n_outputs, MAX_IO);
    goto done;
  }
  for (int i = 0; i < s.n_in; ++i)
    if (load_input(o.inputs[i], &o, &s.host_in[i]))
      goto done;
  double t_plan = now_ms();
  if (prepare(&s))
    goto done;
  t.plan_ms = now_ms() - t_plan;
  double t2 = now_ms();
  if (run_once(&s))
    goto done;
  t.first_run_ms = now_ms() - t2;
  if (download(&s))
    goto done;
  t.first_output_ms = now_ms() - t0;
  for (int j = 0; j < o.n_outputs; ++j)
    if (save_output(o.outputs[j], &s.host_out[j]))
      goto done;
  if (o.benchmark && benchmark(&s, &o, &t))
    goto done;
  rc = 0;
done:
  for (int i = 0; i < MAX_IO; ++i) {
    oclnn_tensor_free(&s.dev_in[i]);
    oclnn_tensor_free(&s.dev_out[i]);
    free(s.host_in[i].data);
    free(s.host_out[i].data);
  }
  oclnn_model_free(s.model);
  oclnn_context_free(s.ctx);
  return rc;
}
