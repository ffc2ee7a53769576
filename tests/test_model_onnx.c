/* The model runner against onnxruntime: every net in tests/data/onnx/nets.txt
 * (small torch and ONNX nets covering each op and attribute the runner takes,
 * made by tools/gen_onnx_nets.py) and the four style models of
 * ../shared/models/style, on the inputs committed next to them.
 *
 * Tolerances are per net in nets.txt and style.txt: |got - want| <= atol + rtol
 * * |want|. Small nets 1e-4 + 1e-4 relative (fp32 sums of a few hundred terms
 * against onnxruntime's own fp32); nets wide enough for the Winograd
 * convolution 2e-3 + 2e-3 relative; style models (outputs in 0..255 after 16
 * convolutions, InstanceNorm and Winograd) 5e-2 + 2e-3 relative.
 *
 * Each net runs at its case 0 shapes, then case 1's (another batch and spatial
 * size, so the graph is planned again), then case 0's again (the plan for new
 * shapes must not disturb the first). One test walks all nets in one process
 * (one context; PoCL compiles each kernel variant once) and reports every net
 * that fails, not just the first. */
#include "npy.h"
#include "test_support.h"

#include <dirent.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>

#define MAX_NETS 128
#define MAX_IO 4
#define MAX_CASES 2
#define REPORT_SIZE 16384

typedef struct net_entry {
  char name[64];
  char expect[48];
  int cases;
  double atol, rtol;
  char words[256];
} net_entry;

static const char *data_dir(void) {
  const char *dir = getenv("OCLNN_TEST_DATA");
  return dir && *dir ? dir : OCLNN_SOURCE_DIR "/tests/data";
}

static void onnx_path(char *buf, size_t size, const char *file) {
  int n = snprintf(buf, size, "%s/onnx/%s", data_dir(), file);
  cr_assert(n > 0 && (size_t)n < size, "path too long for %s", file);
}

/* Reads nets.txt; returns the number of entries. */
static int read_nets(net_entry *nets, int max) {
  char path[1024];
  onnx_path(path, sizeof path, "nets.txt");
  FILE *f = fopen(path, "r");
  cr_assert(f, "cannot open %s (run tools/gen_onnx_nets.py)", path);
  char line[512];
  int n = 0;
  while (fgets(line, sizeof line, f)) {
    if (line[0] == '#' || line[0] == '\n')
      continue;
    cr_assert(n < max, "more than %d nets in %s", max, path);
    net_entry *e = &nets[n];
    memset(e, 0, sizeof *e);
    int used = 0;
    int got = sscanf(line, "%63s %47s %d %lf %lf %n", e->name, e->expect, &e->cases, &e->atol,
                     &e->rtol, &used);
    cr_assert(got == 5 && e->cases >= 1 && e->cases <= MAX_CASES, "bad line in %s: %s", path, line);
    snprintf(e->words, sizeof e->words, "%s", line + used);
    e->words[strcspn(e->words, "\n")] = '\0';
    ++n;
  }
  fclose(f);
  return n;
}

typedef struct report {
  char text[REPORT_SIZE];
  size_t used;
  int failures;
} report;

__attribute__((format(printf, 2, 3))) static void fail(report *r, const char *fmt, ...) {
  va_list ap;
  va_start(ap, fmt);
  if (r->used < sizeof r->text) {
    int n = vsnprintf(r->text + r->used, sizeof r->text - r->used, fmt, ap);
    if (n > 0)
      r->used += (size_t)n;
    if (r->used < sizeof r->text - 1) {
      r->text[r->used++] = '\n';
      r->text[r->used] = '\0';
    }
  }
  va_end(ap);
  r->failures++;
}

/* The first element outside the tolerance, or -1; *max_err gets the largest
 * |got - want|. */
static long first_mismatch(const float *got, const float *want, size_t count, double atol,
                           double rtol, double *max_err) {
  long bad = -1;
  *max_err = 0;
  for (size_t i = 0; i < count; ++i) {
    double g = got[i], w = want[i], e = fabs(g - w);
    if (!(e <= atol + rtol * fabs(w)) && bad < 0)
      bad = (long)i;
    if (e > *max_err || isnan(e))
      *max_err = e;
  }
  return bad;
}

/* Runs `model` on the .npy inputs `prefix`.inI.npy and compares with
 * `prefix`.outJ.npy. Returns 0 or records a failure naming `what`. */
static int run_and_compare(oclnn_context *ctx, oclnn_model *model, const char *prefix,
                           const char *what, double atol, double rtol, report *r) {
  int n_in = oclnn_model_input_count(model), n_out = oclnn_model_output_count(model);
  if (n_in < 1 || n_in > MAX_IO || n_out < 1 || n_out > MAX_IO) {
    fail(r, "%s: %d inputs and %d outputs", what, n_in, n_out);
    return -1;
  }
  npy_array in[MAX_IO], want[MAX_IO];
  oclnn_tensor dev_in[MAX_IO], dev_out[MAX_IO];
  memset(in, 0, sizeof in);
  memset(want, 0, sizeof want);
  memset(dev_in, 0, sizeof dev_in);
  memset(dev_out, 0, sizeof dev_out);
  float *got = NULL;
  int rc = -1;
  char path[1100], err[1200];
  oclnn_status st;
  for (int i = 0; i < n_in; ++i) {
    snprintf(path, sizeof path, "%s.in%d.npy", prefix, i);
    if (npy_read(path, &in[i], err, sizeof err)) {
      fail(r, "%s: %s", what, err);
      goto done;
    }
    if ((st = oclnn_tensor_alloc(ctx, in[i].rank, in[i].shape, &dev_in[i])) ||
        (st = oclnn_tensor_upload(ctx, &dev_in[i], in[i].data, in[i].count))) {
      fail(r, "%s: input %d: %s: %s", what, i, oclnn_status_string(st), oclnn_context_error(ctx));
      goto done;
    }
  }
  for (int j = 0; j < n_out; ++j) {
    snprintf(path, sizeof path, "%s.out%d.npy", prefix, j);
    if (npy_read(path, &want[j], err, sizeof err)) {
      fail(r, "%s: %s", what, err);
      goto done;
    }
    int rank = 0;
    int64_t shape[OCLNN_MAX_RANK] = {0};
    if ((st = oclnn_model_output_shape(model, dev_in, n_in, j, &rank, shape))) {
      fail(r, "%s: oclnn_model_output_shape(%d): %s: %s", what, j, oclnn_status_string(st),
           oclnn_context_error(ctx));
      goto done;
    }
    if (rank != want[j].rank || memcmp(shape, want[j].shape, sizeof(int64_t) * (size_t)rank)) {
      fail(r,
           "%s: output %d has rank %d, shape [%lld %lld %lld %lld %lld]; "
           "onnxruntime's has "
           "rank %d, shape [%lld %lld %lld %lld %lld]",
           what, j, rank, (long long)shape[0], (long long)shape[1], (long long)shape[2],
           (long long)shape[3], (long long)shape[4], want[j].rank, (long long)want[j].shape[0],
           (long long)want[j].shape[1], (long long)want[j].shape[2], (long long)want[j].shape[3],
           (long long)want[j].shape[4]);
      goto done;
    }
    if ((st = oclnn_tensor_alloc(ctx, rank, shape, &dev_out[j]))) {
      fail(r, "%s: output %d: %s: %s", what, j, oclnn_status_string(st), oclnn_context_error(ctx));
      goto done;
    }
  }
  if ((st = oclnn_model_run(model, dev_in, n_in, dev_out, n_out)) ||
      (st = oclnn_context_finish(ctx))) {
    fail(r, "%s: oclnn_model_run: %s: %s", what, oclnn_status_string(st), oclnn_context_error(ctx));
    goto done;
  }
  for (int j = 0; j < n_out; ++j) {
    got = malloc(want[j].count ? want[j].count * sizeof(float) : 1);
    cr_assert(got);
    if ((st = oclnn_tensor_download(ctx, &dev_out[j], got, want[j].count))) {
      fail(r, "%s: download: %s: %s", what, oclnn_status_string(st), oclnn_context_error(ctx));
      goto done;
    }
    double max_err = 0;
    long bad = first_mismatch(got, want[j].data, want[j].count, atol, rtol, &max_err);
    if (bad >= 0) {
      fail(r,
           "%s: output %d element %ld is %.9g, onnxruntime %.9g (atol %g, rtol "
           "%g; largest "
           "error %.3g)",
           what, j, bad, (double)got[bad], (double)want[j].data[bad], atol, rtol, max_err);
      goto done;
    }
    free(got);
    got = NULL;
  }
  rc = 0;
done:
  free(got);
  for (int i = 0; i < MAX_IO; ++i) {
    npy_free(&in[i]);
    npy_free(&want[i]);
    oclnn_tensor_free(&dev_in[i]);
    oclnn_tensor_free(&dev_out[i]);
  }
  return rc;
}

/* Every word of `words` (space-separated) must occur in message. */
static const char *missing_word(const char *message, const char *words, char *buf, size_t size) {
  const char *p = words;
  while (*p) {
    while (*p == ' ')
      ++p;
    size_t n = strcspn(p, " ");
    if (n == 0)
      break;
    snprintf(buf, size, "%.*s", (int)n, p);
    if (!strstr(message, buf))
      return buf;
    p += n;
  }
  return NULL;
}

Test(model_onnx, committed_nets_match_onnxruntime, .timeout = 600) {
  oclnn_context *ctx = test_context();
  static net_entry nets[MAX_NETS];
  int n = read_nets(nets, MAX_NETS);
  cr_assert(n > 0);
  static report r;
  memset(&r, 0, sizeof r);
  int ran = 0, refused = 0;
  for (int k = 0; k < n; ++k) {
    const net_entry *e = &nets[k];
    char file[128], path[1024];
    snprintf(file, sizeof file, "%s.onnx", e->name);
    onnx_path(path, sizeof path, file);
    oclnn_model *model = NULL;
    oclnn_status st = oclnn_model_load_file(ctx, path, &model);
    if (strcmp(e->expect, "ok") != 0) {
      char word[128];
      const char *missing = NULL;
      if (st == OCLNN_SUCCESS)
        fail(&r, "%s: loaded, but %s was expected", e->name, e->expect);
      else if (strcmp(oclnn_status_string(st), e->expect) != 0)
        fail(&r, "%s: %s (%s), but %s was expected", e->name, oclnn_status_string(st),
             oclnn_context_error(ctx), e->expect);
      else if ((missing = missing_word(oclnn_context_error(ctx), e->words, word, sizeof word)))
        fail(&r, "%s: the message \"%s\" does not name '%s'", e->name, oclnn_context_error(ctx),
             missing);
      else
        refused++;
      oclnn_model_free(model);
      continue;
    }
    if (st != OCLNN_SUCCESS) {
      fail(&r, "%s: oclnn_model_load_file: %s: %s", e->name, oclnn_status_string(st),
           oclnn_context_error(ctx));
      continue;
    }
    /* Case 0, every other case, then case 0 again on the same model. */
    int order[MAX_CASES + 1], steps = 0;
    for (int c = 0; c < e->cases; ++c)
      order[steps++] = c;
    if (e->cases > 1)
      order[steps++] = 0;
    for (int s = 0; s < steps; ++s) {
      char prefix[1024], what[160];
      snprintf(file, sizeof file, "%s.c%d", e->name, order[s]);
      onnx_path(prefix, sizeof prefix, file);
      snprintf(what, sizeof what, "%s case %d%s", e->name, order[s], s >= e->cases ? " again" : "");
      if (run_and_compare(ctx, model, prefix, what, e->atol, e->rtol, &r))
        break;
    }
    oclnn_model_free(model);
    ran++;
  }
  cr_log_info("model_onnx: %d nets ran, %d refused as expected, %d failures", ran, refused,
              r.failures);
  cr_assert(r.failures == 0, "%d of %d nets failed:\n%s", r.failures, n, r.text);
}

/* The four style models at 1x3x32x48 (random pixels in 0..255, committed as
 * style.in0.npy). */
static void run_style(const char *name) {
  oclnn_context *ctx = test_context();
  char path[1024], list[1024];
  onnx_path(list, sizeof list, "style.txt");
  FILE *f = fopen(list, "r");
  cr_assert(f, "cannot open %s", list);
  char line[256], model_name[64];
  double atol = -1, rtol = -1, a, b;
  while (fgets(line, sizeof line, f))
    if (line[0] != '#' && sscanf(line, "%63s %lf %lf", model_name, &a, &b) == 3 &&
        !strcmp(model_name, name))
      atol = a, rtol = b;
  fclose(f);
  cr_assert(atol >= 0, "%s is not in %s", name, list);

  snprintf(path, sizeof path, "%s/models/style/%s.onnx", OCLNN_SHARED_DIR, name);
  oclnn_model *model = NULL;
  TEST_OK(ctx, oclnn_model_load_file(ctx, path, &model));
  /* One input for the four models; one output file per model. */
  char in_path[1024], out_file[128], out_path[1024];
  onnx_path(in_path, sizeof in_path, "style.in0.npy");
  snprintf(out_file, sizeof out_file, "style.%s.out0.npy", name);
  onnx_path(out_path, sizeof out_path, out_file);

  npy_array in, want;
  char err[1200];
  cr_assert(!npy_read(in_path, &in, err, sizeof err), "%s", err);
  cr_assert(!npy_read(out_path, &want, err, sizeof err), "%s", err);
  oclnn_tensor dev_in = test_tensor_from_host(ctx, in.rank, in.shape, in.data), dev_out;
  int rank = 0;
  int64_t shape[OCLNN_MAX_RANK] = {0};
  TEST_OK(ctx, oclnn_model_output_shape(model, &dev_in, 1, 0, &rank, shape));
  cr_assert(rank == want.rank && !memcmp(shape, want.shape, sizeof(int64_t) * 4));
  TEST_OK(ctx, oclnn_tensor_alloc(ctx, rank, shape, &dev_out));
  TEST_OK(ctx, oclnn_model_run(model, &dev_in, 1, &dev_out, 1));
  float *got = malloc(want.count * sizeof(float));
  cr_assert(got);
  TEST_OK(ctx, oclnn_tensor_download(ctx, &dev_out, got, want.count));
  double max_err = 0;
  long bad = first_mismatch(got, want.data, want.count, atol, rtol, &max_err);
  cr_log_info("%s: largest error against onnxruntime %.3g", name, max_err);
  cr_assert(bad < 0,
            "%s: element %ld is %.9g, onnxruntime %.9g (atol %g, rtol %g; "
            "largest %.3g)",
            name, bad, (double)got[bad < 0 ? 0 : bad], (double)want.data[bad < 0 ? 0 : bad], atol,
            rtol, max_err);
  free(got);
  oclnn_tensor_free(&dev_in);
  oclnn_tensor_free(&dev_out);
  npy_free(&in);
  npy_free(&want);
  oclnn_model_free(model);
}

Test(model_onnx, style_cafe_gogh, .timeout = 600) { run_style("cafe_gogh"); }
Test(model_onnx, style_starry_night, .timeout = 600) { run_style("starry-night"); }
Test(model_onnx, style_the_scream, .timeout = 600) { run_style("the_scream"); }
Test(model_onnx, style_udnie, .timeout = 600) { run_style("udnie"); }

/* Every .onnx file of tests/data/onnx is listed, so none is silently left out,
 * and each listed net has its files. */
Test(model_onnx, every_committed_net_is_listed) {
  static net_entry nets[MAX_NETS];
  int n = read_nets(nets, MAX_NETS);
  char dir[1024];
  onnx_path(dir, sizeof dir, "");
  DIR *d = opendir(dir);
  cr_assert(d, "cannot list %s", dir);
  struct dirent *entry;
  int files = 0;
  while ((entry = readdir(d))) {
    char line[256];
    snprintf(line, sizeof line, "%s", entry->d_name);
    size_t len = strlen(line);
    if (len < 6 || strcmp(line + len - 5, ".onnx") != 0)
      continue;
    line[len - 5] = '\0';
    int found = 0;
    for (int k = 0; k < n; ++k)
      found |= !strcmp(nets[k].name, line);
    cr_expect(found, "%s.onnx is not listed in nets.txt", line);
    files++;
  }
  closedir(d);
  cr_assert_eq(files, n, "%d .onnx files, %d nets listed", files, n);
  for (int k = 0; k < n; ++k) {
    if (strcmp(nets[k].expect, "ok") != 0)
      continue;
    for (int c = 0; c < nets[k].cases; ++c) {
      char file[128], path[1024];
      snprintf(file, sizeof file, "%s.c%d.in0.npy", nets[k].name, c);
      onnx_path(path, sizeof path, file);
      FILE *f = fopen(path, "rb");
      cr_expect(f, "%s is missing", path);
      if (f)
        fclose(f);
    }
  }
}

#ifdef OCLNN_RUN_EXE
/* Runs a shell command, returns its exit status and the first line of its output in out. */
static int shell(const char *cmd, char *out, size_t size) {
  FILE *p = popen(cmd, "r");
  cr_assert(p, "cannot run %s", cmd);
  out[0] = '\0';
  size_t used = 0;
  while (used + 1 < size && fgets(out + used, (int)(size - used), p))
    used = strlen(out);
  int status = pclose(p);
  return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
}

/* oclnn-run from files: .npy in and out (two inputs, two outputs), matching onnxruntime; the
 * benchmark's JSON line; and its refusals (exit status 1 or 2 and a message). */
Test(model_onnx, oclnn_run_from_files, .timeout = 300) {
  char in0[1024], in1[1024], out0[1024], out1[1024], cmd[6000], text[8192];
  onnx_path(in0, sizeof in0, "two_inputs_outputs.c1.in0.npy");
  onnx_path(in1, sizeof in1, "two_inputs_outputs.c1.in1.npy");
  snprintf(out0, sizeof out0, "%s/tests/oclnn_run_out0.npy", OCLNN_BINARY_DIR);
  snprintf(out1, sizeof out1, "%s/tests/oclnn_run_out1.npy", OCLNN_BINARY_DIR);
  char model[1024];
  onnx_path(model, sizeof model, "two_inputs_outputs.onnx");
  snprintf(cmd, sizeof cmd,
           "'%s' '%s' --input '%s' --input '%s' --output '%s' --output '%s' --benchmark 3 "
           "--json 2>&1",
           OCLNN_RUN_EXE, model, in0, in1, out0, out1);
  cr_assert_eq(shell(cmd, text, sizeof text), 0, "%s\n%s", cmd, text);
  cr_assert(strstr(text, "\"median_ms\"") && strstr(text, "\"steps\": [{"), "%s", text);
  const char *outs[2] = {out0, out1};
  for (int j = 0; j < 2; ++j) {
    char want_file[128], want_path[1024], err[1200];
    snprintf(want_file, sizeof want_file, "two_inputs_outputs.c1.out%d.npy", j);
    onnx_path(want_path, sizeof want_path, want_file);
    npy_array got, want;
    cr_assert(!npy_read(outs[j], &got, err, sizeof err), "%s", err);
    cr_assert(!npy_read(want_path, &want, err, sizeof err), "%s", err);
    cr_assert(got.rank == want.rank && got.count == want.count);
    double max_err = 0;
    cr_assert(first_mismatch(got.data, want.data, want.count, 1e-4, 1e-4, &max_err) < 0,
              "oclnn-run output %d differs from onnxruntime by %g", j, max_err);
    npy_free(&got);
    npy_free(&want);
    remove(outs[j]);
  }
  /* One input for a two-input model; a missing file; a text file as .npy; no arguments. */
  snprintf(cmd, sizeof cmd, "'%s' '%s' --input '%s' 2>&1", OCLNN_RUN_EXE, model, in0);
  cr_assert_eq(shell(cmd, text, sizeof text), 1, "%s", text);
  cr_assert(strstr(text, "2 inputs, 1 given"), "%s", text);
  snprintf(cmd, sizeof cmd, "'%s' /nonexistent.onnx --input '%s' 2>&1", OCLNN_RUN_EXE, in0);
  cr_assert_eq(shell(cmd, text, sizeof text), 1, "%s", text);
  cr_assert(strstr(text, "OCLNN_ERR_IO") && strstr(text, "/nonexistent.onnx"), "%s", text);
  char conv[1024], txt[1024];
  onnx_path(conv, sizeof conv, "conv2d.onnx");
  onnx_path(txt, sizeof txt, "nets.txt");
  snprintf(cmd, sizeof cmd,
           "cp '%s' '%s/tests/oclnn_run_text.npy' && '%s' '%s' --input "
           "'%s/tests/oclnn_run_text.npy' 2>&1",
           txt, OCLNN_BINARY_DIR, OCLNN_RUN_EXE, conv, OCLNN_BINARY_DIR);
  cr_assert_eq(shell(cmd, text, sizeof text), 1, "%s", text);
  cr_assert(strstr(text, "not a .npy file"), "%s", text);
  snprintf(cmd, sizeof cmd, "'%s' 2>&1", OCLNN_RUN_EXE);
  cr_assert_eq(shell(cmd, text, sizeof text), 2, "%s", text);
  cr_assert(strstr(text, "usage"), "%s", text);
}
#endif

#if defined(OCLNN_RUN_EXE) && defined(OCLNN_TEST_HAVE_STB)
#include <stb_image.h>

/* oclnn-run's image paths: a PNG resized by --size becomes 1x3xHxW floats 0..255 (ZeroPad2d
 * (1, 2, 0, 3) shows them with their border), and an output image is those floats rounded and
 * clamped. */
Test(model_onnx, oclnn_run_images, .timeout = 300) {
  char model[1024], npy_out[1024], png_out[1024], cmd[6000], text[8192];
  onnx_path(model, sizeof model, "pad_zero2d.onnx");
  snprintf(npy_out, sizeof npy_out, "%s/tests/oclnn_run_image.npy", OCLNN_BINARY_DIR);
  snprintf(png_out, sizeof png_out, "%s/tests/oclnn_run_image.png", OCLNN_BINARY_DIR);
  snprintf(cmd, sizeof cmd,
           "'%s' '%s' --input '%s/images/coffee.png' --size 24x32 --output '%s' 2>&1 && "
           "'%s' '%s' --input '%s/images/coffee.png' --size 24x32 --output '%s' 2>&1",
           OCLNN_RUN_EXE, model, OCLNN_SHARED_DIR, npy_out, OCLNN_RUN_EXE, model, OCLNN_SHARED_DIR,
           png_out);
  cr_assert_eq(shell(cmd, text, sizeof text), 0, "%s\n%s", cmd, text);
  npy_array y;
  char err[1200];
  cr_assert(!npy_read(npy_out, &y, err, sizeof err), "%s", err);
  cr_assert(y.rank == 4 && y.shape[0] == 1 && y.shape[1] == 3 && y.shape[2] == 27 &&
                y.shape[3] == 35,
            "shape %lldx%lldx%lldx%lld", (long long)y.shape[0], (long long)y.shape[1],
            (long long)y.shape[2], (long long)y.shape[3]);
  int w = 0, h = 0, channels = 0;
  unsigned char *png = stbi_load(png_out, &w, &h, &channels, 3);
  cr_assert(png && w == 35 && h == 27, "%s: %dx%d", png_out, w, h);
  double interior_sum = 0;
  for (int c = 0; c < 3; ++c)
    for (int r = 0; r < 27; ++r)
      for (int x = 0; x < 35; ++x) {
        float v = y.data[((size_t)c * 27 + r) * 35 + x];
        int border = r >= 24 || x < 1 || x >= 33;
        cr_assert(border ? v == 0.0f : (v >= 0.0f && v <= 255.0f && v == (float)(int)v),
                  "channel %d (%d, %d) is %g", c, x, r, (double)v);
        cr_assert_eq(png[((size_t)r * 35 + x) * 3 + (size_t)c], (unsigned char)v);
        interior_sum += v;
      }
  cr_assert(interior_sum > 1000.0, "the image came through dark: %g", interior_sum);
  free(png);
  npy_free(&y);
  remove(npy_out);
  remove(png_out);
}
#endif
