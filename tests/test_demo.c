/* oclnn-demo: every effect's chain against the same chain computed by the C double-precision
 * references (tests/support), in the pipeline and in the PNG frames a headless run writes;
 * stage timing from profiling events; frame sources and their bad inputs (missing, corrupt,
 * truncated and unsupported-size images, a missing camera); the command line; and the
 * oclnn-demo executable itself (help, exit statuses, headless output, no-display fallback). */
#include "conv_reference.h"
#include "norm_reference.h"
#include "pad_reference.h"
#include "test_support.h"

#include <app.h>
#include <chain.h>
#include <effects.h>
#include <image_io.h>
#include <options.h>
#include <pipeline.h>
#include <source.h>

#include <errno.h>
#include <fcntl.h>
#include <math.h>
#include <spawn.h>
#include <stb_image.h>
#include <stb_image_write.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

extern char **environ;

/* Device floats against the double reference chain: the chains are short and every step is
 * compared after float rounding of its input, so errors stay near float epsilon times the
 * magnitudes involved (0..255 pixel levels, sums of up to 75 terms). */
#define FLOAT_ATOL 2e-3
#define FLOAT_RTOL 1e-4

/* ---- helpers ---- */

/* A fresh directory under the build tree (removed by remove_tree). */
static void make_temp_dir(char *buf, size_t size, const char *tag) {
  snprintf(buf, size, "%s/tests/demo-tmp-%s-XXXXXX", OCLNN_BINARY_DIR, tag);
  char parent[4096];
  snprintf(parent, sizeof parent, "%s/tests", OCLNN_BINARY_DIR);
  mkdir(parent, 0777);
  cr_assert_not_null(mkdtemp(buf), "mkdtemp(%s): %s", buf, strerror(errno));
}

/* Runs argv (argv[0] a path) with stdout and stderr in files; env NULL: this process's. Returns
 * the exit status, or 128 + the signal that ended it. */
static int run_command(char *const argv[], char *const env[], const char *out_path,
                       const char *err_path) {
  posix_spawn_file_actions_t actions;
  posix_spawn_file_actions_init(&actions);
  posix_spawn_file_actions_addopen(&actions, 1, out_path, O_WRONLY | O_CREAT | O_TRUNC, 0644);
  posix_spawn_file_actions_addopen(&actions, 2, err_path, O_WRONLY | O_CREAT | O_TRUNC, 0644);
  pid_t pid;
  int rc = posix_spawn(&pid, argv[0], &actions, NULL, argv, env ? env : environ);
  posix_spawn_file_actions_destroy(&actions);
  cr_assert_eq(rc, 0, "posix_spawn %s: %s", argv[0], strerror(rc));
  int status = 0;
  while (waitpid(pid, &status, 0) < 0)
    cr_assert_eq(errno, EINTR);
  return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
}

static void remove_tree(const char *dir) {
  char *const argv[] = {"/bin/rm", "-rf", (char *)dir, NULL};
  run_command(argv, NULL, "/dev/null", "/dev/null");
}

/* Runs a chain's steps with the references, rounding every step's result to float for the next
 * step as the device does; returns the output as doubles (malloc'd, 3 * H' * W'). */
static double *reference_chain(const demo_chain *chain, const float *frame) {
  float *slots[DEMO_CHAIN_MAX_SLOTS] = {0};
  double *last = NULL;
  for (int s = 0; s < chain->slot_count; s++) {
    slots[s] = calloc(chain->slot_floats[s], sizeof(float));
    cr_assert_not_null(slots[s]);
  }
  memcpy(slots[0], frame, chain->slot_floats[0] * sizeof(float));
  const size_t out_count = demo_view_numel(&chain->output);
  for (int i = 0; i < chain->step_count; i++) {
    const demo_step *st = &chain->steps[i];
    const float *x = slots[st->in.slot] + st->in.offset;
    const size_t n = demo_view_numel(&st->out);
    double *y = malloc(n * sizeof *y);
    cr_assert_not_null(y);
    const size_t batch = (size_t)st->in.shape[0], channels = (size_t)st->in.shape[1];
    size_t spatial = 1;
    for (int d = 2; d < st->in.rank; d++)
      spatial *= (size_t)st->in.shape[d];
    switch (st->kind) {
    case DEMO_STEP_CONV:
      cr_assert(conv_ref_forward(&st->conv, st->in.rank, st->in.shape, x, st->weight, st->bias, y),
                "%s: the conv reference refuses the input", st->label);
      break;
    case DEMO_STEP_PAD:
      cr_assert_eq(pad_ref_forward(st->pad.mode, st->pad.dims, st->pad.padding, st->pad.value,
                                   st->in.rank, st->in.shape, x, y),
                   PAD_REF_OK, "%s: the pad reference refuses the input", st->label);
      break;
    case DEMO_STEP_INSTANCE_NORM:
      norm_ref_instance(x, batch, channels, spatial, st->norm.eps, 1, st->norm_weight,
                        st->norm_bias, NULL, NULL, 0, 0.0,
                        st->has_residual ? slots[st->residual.slot] + st->residual.offset : NULL,
                        st->norm.fuse_relu, y);
      break;
    case DEMO_STEP_LRN:
      norm_ref_lrn(x, batch, channels, spatial, (long)st->lrn.size, st->lrn.alpha, st->lrn.beta,
                   st->lrn.k, y);
      break;
    case DEMO_STEP_MODEL: /* no double reference: tests/test_demo_model.c checks models */
      cr_assert_fail("%s: a model step has no reference", st->label);
      break;
    }
    for (size_t j = 0; j < n; j++)
      slots[st->out.slot][st->out.offset + j] = (float)y[j];
    if (st->out.slot == chain->output.slot && st->out.offset == chain->output.offset &&
        n == out_count) {
      free(last);
      last = y;
    } else {
      free(y);
    }
  }
  if (!last) { /* no step writes the output: it is the frame */
    last = malloc(out_count * sizeof *last);
    cr_assert_not_null(last);
    const float *src = slots[chain->output.slot] + chain->output.offset;
    for (size_t j = 0; j < out_count; j++)
      last[j] = src[j];
  }
  for (int s = 0; s < chain->slot_count; s++)
    free(slots[s]);
  return last;
}

/* The 8-bit value the pipeline writes for v. */
static uint8_t quantize(double v) { return v > 0 ? (v < 255 ? (uint8_t)(v + 0.5) : 255) : 0; }

/* Asserts that 8-bit RGB rows equal the quantised planar reference. A value may differ by one
 * level only where the reference lies within a hair of a rounding boundary (x.5), where float
 * and double arithmetic can round to either side. */
static void assert_rgb_matches(const char *what, const uint8_t *rgb, int stride,
                               const double *planar, int w, int h) {
  const size_t plane = (size_t)w * (size_t)h;
  for (int y = 0; y < h; y++)
    for (int x = 0; x < w; x++)
      for (int c = 0; c < 3; c++) {
        const double v = planar[(size_t)c * plane + (size_t)y * (size_t)w + (size_t)x];
        const int got = rgb[(size_t)y * (size_t)stride + 3 * (size_t)x + (size_t)c];
        const int want = quantize(v);
        const double boundary = fabs(v - floor(v) - 0.5);
        cr_assert(got == want ||
                      (abs(got - want) == 1 && boundary <= FLOAT_ATOL + FLOAT_RTOL * fabs(v)),
                  "%s: pixel (%d, %d) channel %d is %d, reference %d (%.6f)", what, x, y, c, got,
                  want, v);
      }
}

static demo_pipeline *make_pipeline(int w, int h, const demo_effect_env *env) {
  demo_pipeline *p = NULL;
  demo_err err;
  cr_assert_eq(demo_pipeline_create(test_context(), w, h, env, &p, &err), 0, "%s", err.msg);
  return p;
}

/* Runs every parameter step of `effect` on a w x h frame and compares with the references. */
static void check_effect(const char *name, int w, int h) {
  const int effect = demo_effect_find(name);
  cr_assert_geq(effect, 0, "no effect %s", name);
  demo_effect_env env;
  demo_effect_env_init(&env);
  demo_pipeline *p = make_pipeline(w, h, &env);
  demo_source *source = NULL;
  demo_err err;
  cr_assert_eq(demo_source_open_synthetic(w, h, &source, &err), 0, "%s", err.msg);
  demo_frame frame;
  cr_assert_eq(demo_source_next(source, 1.25, &frame, &err), 0, "%s", err.msg);
  const int params = demo_effect_param_count(effect, &env);
  for (int param = 0; param < params; param++) {
    cr_assert_eq(demo_pipeline_set_effect(p, effect, param, &err), 0, "%s", err.msg);
    demo_stage_times t;
    cr_assert_eq(demo_pipeline_process(p, &frame, &t, &err), 0, "%s", err.msg);
    double *want = reference_chain(&p->chain, p->host_in);
    char what[128], label[64];
    demo_effect_param_label(effect, param, &env, label, sizeof label);
    snprintf(what, sizeof what, "%s (%s) at %dx%d", name, label, w, h);
    test_assert_close(what, p->host_out, want, (size_t)3 * (size_t)p->out_w * (size_t)p->out_h,
                      FLOAT_ATOL, FLOAT_RTOL);
    assert_rgb_matches(what, p->out_rgb, p->out_w * 3, want, p->out_w, p->out_h);
    /* Timing: one profiled time per layer. */
    cr_assert_eq(t.step_count, p->chain.step_count, "%s", what);
    cr_assert(t.profiled, "%s: no profiling information", what);
    for (int i = 0; i < t.step_count; i++)
      cr_assert(t.step_ms[i] >= 0.0, "%s: step %d took %g ms", what, i, t.step_ms[i]);
    free(want);
  }
  demo_source_close(source);
  demo_pipeline_free(p);
}

/* ---- every effect against the references ---- */

Test(demo_effects, input) { check_effect("input", 96, 64); }
Test(demo_effects, blur) {
  check_effect("blur", 96, 64);
  check_effect("blur", 67, 45);
}
Test(demo_effects, edges) {
  check_effect("edges", 96, 64);
  check_effect("edges", 67, 45);
}
Test(demo_effects, emboss) { check_effect("emboss", 67, 45); }
Test(demo_effects, padding) {
  check_effect("padding", 96, 64);
  check_effect("padding", 67, 45); /* odd sides: uneven borders */
  check_effect("padding", 32, 33); /* the smallest frames */
}
Test(demo_effects, contrast) {
  check_effect("contrast", 96, 64);
  check_effect("contrast", 67, 45);
}
Test(demo_effects, style) { check_effect("style", 67, 45); }
/* Without --model the neural effect shows the frame; tests/test_demo_model.c runs models. */
Test(demo_effects, neural_without_a_model) { check_effect("neural", 67, 45); }

Test(demo_effects, every_effect_is_tested) {
  /* A new effect needs a Test above. */
  static const char *const tested[] = {"input",   "blur",     "edges", "emboss",
                                       "padding", "contrast", "style", "neural"};
  cr_assert_eq(demo_effect_count(), (int)(sizeof tested / sizeof tested[0]));
  for (int i = 0; i < demo_effect_count(); i++)
    cr_assert_str_eq(demo_effect_get(i)->name, tested[i]);
}

Test(demo_effects, layer_chains) {
  /* The chains: depthwise blur, Sobel + normalization, pad modes, LRN, InstanceNorm. */
  demo_effect_env env;
  demo_effect_env_init(&env);
  demo_chain chain;
  demo_err err;
  cr_assert_eq(demo_effect_build(demo_effect_find("blur"), 2, 64, 48, &env, &chain, &err), 0);
  cr_assert_eq(chain.step_count, 2);
  demo_chain_release(&chain);
  /* The largest sigma: two passes of 15 taps (oclnn's fast paths take kernels <= 16 wide). */
  const int blur = demo_effect_find("blur");
  cr_assert_eq(
      demo_effect_build(blur, demo_effect_param_count(blur, &env) - 1, 64, 48, &env, &chain, &err),
      0);
  cr_assert_eq(chain.step_count, 4);
  for (int i = 0; i < chain.step_count; i++) {
    cr_assert_leq(chain.steps[i].conv.kernel_size[1], 16);
    cr_assert_eq(chain.steps[i].kind, DEMO_STEP_CONV);
    cr_assert_eq(chain.steps[i].conv.groups, 3, "blur convs are depthwise");
    double sum = 0;
    for (int j = 0; j < chain.steps[i].conv.kernel_size[0] * chain.steps[i].conv.kernel_size[1];
         j++)
      sum += chain.steps[i].weight[j];
    cr_assert_float_eq(sum, 1.0, 1e-6, "blur taps sum to 1");
  }
  demo_chain_release(&chain);
  cr_assert_eq(demo_effect_build(demo_effect_find("edges"), 0, 64, 48, &env, &chain, &err), 0);
  cr_assert_eq(chain.steps[1].kind, DEMO_STEP_INSTANCE_NORM);
  cr_assert(chain.steps[1].norm.fuse_relu);
  demo_chain_release(&chain);
  for (int m = 0; m < 4; m++) {
    cr_assert_eq(demo_effect_build(demo_effect_find("padding"), m, 64, 48, &env, &chain, &err), 0);
    cr_assert_eq(chain.steps[1].kind, DEMO_STEP_PAD);
    demo_chain_release(&chain);
  }
  cr_assert_eq(demo_effect_build(demo_effect_find("contrast"), 0, 64, 48, &env, &chain, &err), 0);
  cr_assert_eq(chain.steps[1].kind, DEMO_STEP_LRN);
  cr_assert_eq(chain.steps[1].in.rank, 3, "LRN sees the frame as (3, H, W)");
  cr_assert_eq(chain.steps[2].kind, DEMO_STEP_INSTANCE_NORM);
  cr_assert(chain.steps[2].has_residual && chain.steps[2].residual.slot == 0, "adds the frame");
  demo_chain_release(&chain);
}

/* ---- the headless run's PNG files against the references ---- */

static uint8_t *load_png(const char *path, int *w, int *h) {
  int channels = 0;
  uint8_t *rgb = stbi_load(path, w, h, &channels, 3);
  cr_assert_not_null(rgb, "cannot read %s: %s", path, stbi_failure_reason());
  return rgb;
}

static void check_headless(int side_by_side) {
  char dir[4096];
  make_temp_dir(dir, sizeof dir, "headless");
  const int w = 80, h = 60, frames = 2;
  demo_options o;
  demo_err err;
  char size[] = "--size=80x60", out[4200];
  snprintf(out, sizeof out, "--output=%s", dir);
  char *argv[] = {
      "oclnn-demo",   "--headless", "--synthetic", size,
      "--effect=all", "--frames=2", out,           side_by_side ? "--side-by-side" : "--headless"};
  cr_assert_eq(demo_options_parse(8, argv, &o, &err), 0, "%s", err.msg);
  FILE *log = tmpfile();
  cr_assert_eq(demo_run_headless(&o, NULL, log, &err), 0, "%s", err.msg);
  fclose(log);

  demo_effect_env env;
  demo_effect_env_init(&env);
  demo_source *source = NULL;
  cr_assert_eq(demo_source_open_synthetic(w, h, &source, &err), 0, "%s", err.msg);
  float *planar = malloc((size_t)3 * w * h * sizeof(float));
  for (int effect = 0; effect < demo_effect_count(); effect++) {
    demo_chain chain;
    const char *name = demo_effect_get(effect)->name;
    cr_assert_eq(
        demo_effect_build(effect, demo_effect_get(effect)->param_default, w, h, &env, &chain, &err),
        0, "%s", err.msg);
    for (int i = 0; i < frames; i++) {
      demo_frame frame;
      cr_assert_eq(demo_source_next(source, i / 30.0, &frame, &err), 0);
      demo_rgb_to_planar(frame.rgb, w, h, planar);
      double *want = reference_chain(&chain, planar);
      char path[4400];
      demo_frame_path(path, sizeof path, dir, name, i);
      int pw = 0, ph = 0;
      uint8_t *png = load_png(path, &pw, &ph);
      const int expect_w = side_by_side ? 2 * w + DEMO_SIDE_GAP : w;
      cr_assert(pw == expect_w && ph == h, "%s is %dx%d, expected %dx%d", path, pw, ph, expect_w,
                h);
      const int x0 = side_by_side ? w + DEMO_SIDE_GAP : 0;
      assert_rgb_matches(path, png + 3 * x0, pw * 3, want, w, h);
      if (side_by_side) /* the left half is the input frame itself */
        for (int y = 0; y < h; y++)
          cr_assert(
              memcmp(png + (size_t)y * pw * 3, frame.rgb + (size_t)y * w * 3, (size_t)w * 3) == 0,
              "%s: row %d of the input half differs from the frame", path, y);
      free(png);
      free(want);
    }
    demo_chain_release(&chain);
  }
  free(planar);
  demo_source_close(source);
  remove_tree(dir);
}

Test(demo_headless, frames_match_the_references) { check_headless(0); }
Test(demo_headless, side_by_side_frames) { check_headless(1); }

/* ---- sources and bad inputs ---- */

static void write_file(const char *path, const void *data, size_t size) {
  FILE *f = fopen(path, "wb");
  cr_assert_not_null(f, "%s: %s", path, strerror(errno));
  cr_assert_eq(fwrite(data, 1, size, f), size);
  fclose(f);
}

/* A w x h test image: a gradient. */
static uint8_t *gradient(int w, int h) {
  uint8_t *rgb = malloc((size_t)w * h * 3);
  for (int y = 0; y < h; y++)
    for (int x = 0; x < w; x++) {
      uint8_t *p = rgb + ((size_t)y * w + x) * 3;
      p[0] = (uint8_t)(255 * x / w);
      p[1] = (uint8_t)(255 * y / h);
      p[2] = 90;
    }
  return rgb;
}

/* Opening the image must fail with a message containing `expect`. */
static void expect_image_error(const char *path, int w, int h, const char *expect) {
  demo_source *s = (demo_source *)1;
  demo_err err = {{0}};
  cr_assert_neq(demo_source_open_image(path, w, h, &s, &err), 0, "%s opened", path);
  cr_assert_null(s);
  cr_assert(strstr(err.msg, expect) != NULL, "message for %s: \"%s\" lacks \"%s\"", path, err.msg,
            expect);
  cr_assert(strstr(err.msg, path) != NULL, "message \"%s\" does not name %s", err.msg, path);
}

Test(demo_sources, synthetic_is_reproducible) {
  demo_source *a = NULL, *b = NULL;
  demo_err err;
  cr_assert_eq(demo_source_open_synthetic(64, 48, &a, &err), 0);
  cr_assert_eq(demo_source_open_synthetic(64, 48, &b, &err), 0);
  demo_frame fa, fb;
  cr_assert_eq(demo_source_next(a, 2.0, &fa, &err), 0);
  cr_assert_eq(demo_source_next(b, 2.0, &fb, &err), 0);
  cr_assert(memcmp(fa.rgb, fb.rgb, 64 * 48 * 3) == 0, "same time, same frame");
  cr_assert_eq(demo_source_next(b, 2.5, &fb, &err), 0);
  cr_assert(memcmp(fa.rgb, fb.rgb, 64 * 48 * 3) != 0, "the scene moves");
  demo_source_close(a);
  demo_source_close(b);
}

Test(demo_sources, images) {
  char dir[4096], png[4200], jpg[4200];
  make_temp_dir(dir, sizeof dir, "images");
  snprintf(png, sizeof png, "%s/g.png", dir);
  snprintf(jpg, sizeof jpg, "%s/g.jpg", dir);
  uint8_t *rgb = gradient(90, 70);
  demo_err err;
  cr_assert_eq(demo_png_write(png, rgb, 90, 70, 90 * 3, &err), 0, "%s", err.msg);
  cr_assert(stbi_write_jpg(jpg, 90, 70, 3, rgb, 95));
  demo_source *s = NULL;
  demo_frame f;
  /* PNG: exact pixels at its own size. */
  cr_assert_eq(demo_source_open_image(png, 0, 0, &s, &err), 0, "%s", err.msg);
  cr_assert(s->width == 90 && s->height == 70);
  cr_assert_eq(demo_source_next(s, 0, &f, &err), 0);
  cr_assert(memcmp(f.rgb, rgb, 90 * 70 * 3) == 0);
  demo_source_close(s);
  /* JPEG: close to the original; resized on request. */
  cr_assert_eq(demo_source_open_image(jpg, 45, 35, &s, &err), 0, "%s", err.msg);
  cr_assert(s->width == 45 && s->height == 35);
  cr_assert_eq(demo_source_next(s, 0, &f, &err), 0);
  demo_source_close(s);
  cr_assert_eq(demo_source_open_image(jpg, 0, 0, &s, &err), 0, "%s", err.msg);
  cr_assert_eq(demo_source_next(s, 0, &f, &err), 0);
  for (size_t i = 0; i < 90 * 70 * 3; i++)
    cr_assert(abs((int)f.rgb[i] - (int)rgb[i]) <= 24, "JPEG value %zu: %d vs %d", i, f.rgb[i],
              rgb[i]);
  demo_source_close(s);
  free(rgb);
  remove_tree(dir);
}

Test(demo_sources, bad_images) {
  char dir[4096], path[4200];
  make_temp_dir(dir, sizeof dir, "bad");
  demo_err err;
  snprintf(path, sizeof path, "%s/missing.png", dir);
  expect_image_error(path, 0, 0, "No such file");
  snprintf(path, sizeof path, "%s/empty.png", dir);
  write_file(path, "", 0);
  expect_image_error(path, 0, 0, "cannot read image");
  snprintf(path, sizeof path, "%s/garbage.jpg", dir);
  write_file(path, "this is not an image at all, not a PNG and not a JPEG", 54);
  expect_image_error(path, 0, 0, "cannot read image");
  expect_image_error(dir, 0, 0, "cannot read image"); /* a directory */
  /* A PNG cut in the middle of its pixel data. */
  uint8_t *rgb = gradient(120, 90);
  snprintf(path, sizeof path, "%s/whole.png", dir);
  cr_assert_eq(demo_png_write(path, rgb, 120, 90, 120 * 3, &err), 0);
  size_t size = 0;
  char *bytes = test_read_file(path, &size);
  cr_assert(bytes && size > 200);
  snprintf(path, sizeof path, "%s/truncated.png", dir);
  write_file(path, bytes, size / 2);
  expect_image_error(path, 0, 0, "cannot decode image");
  /* A JPEG cut short: stb decodes what it has or refuses; either way no crash. */
  snprintf(path, sizeof path, "%s/whole.jpg", dir);
  cr_assert(stbi_write_jpg(path, 120, 90, 3, rgb, 90));
  free(bytes);
  bytes = test_read_file(path, &size);
  snprintf(path, sizeof path, "%s/truncated.jpg", dir);
  write_file(path, bytes, size / 3);
  demo_source *s = NULL;
  if (demo_source_open_image(path, 0, 0, &s, &err) == 0) {
    demo_frame f;
    cr_assert_eq(demo_source_next(s, 0, &f, &err), 0);
    demo_source_close(s);
  } else {
    cr_assert(strstr(err.msg, path) != NULL, "%s", err.msg);
  }
  free(bytes);
  free(rgb);
  /* Unsupported sizes: too small (unless resized), too large. */
  rgb = gradient(20, 16);
  snprintf(path, sizeof path, "%s/small.png", dir);
  cr_assert_eq(demo_png_write(path, rgb, 20, 16, 20 * 3, &err), 0);
  expect_image_error(path, 0, 0, "unsupported size");
  expect_image_error(path, 16, 16, "unsupported size");
  cr_assert_eq(demo_source_open_image(path, 64, 48, &s, &err), 0, "%s", err.msg);
  demo_source_close(s);
  free(rgb);
  rgb = gradient(4100, 40);
  snprintf(path, sizeof path, "%s/wide.png", dir);
  cr_assert_eq(demo_png_write(path, rgb, 4100, 40, 4100 * 3, &err), 0);
  expect_image_error(path, 0, 0, "unsupported size");
  free(rgb);
  remove_tree(dir);
}

Test(demo_sources, unsupported_sizes) {
  demo_source *s = NULL;
  demo_err err;
  cr_assert_neq(demo_source_open_synthetic(31, 480, &s, &err), 0);
  cr_assert(strstr(err.msg, "unsupported size"), "%s", err.msg);
  cr_assert_neq(demo_source_open_synthetic(640, 5000, &s, &err), 0);
  demo_effect_env env;
  demo_effect_env_init(&env);
  demo_pipeline *p = NULL;
  cr_assert_neq(demo_pipeline_create(test_context(), 16, 16, &env, &p, &err), 0);
  cr_assert_null(p);
}

Test(demo_sources, missing_camera) {
  demo_source *s = (demo_source *)1;
  demo_err err = {{0}};
  cr_assert_neq(demo_source_open_camera("/dev/oclnn-no-such-camera", 640, 480, &s, &err), 0);
  cr_assert_null(s);
  cr_assert(strstr(err.msg, "/dev/oclnn-no-such-camera"), "%s", err.msg);
  cr_assert(strstr(err.msg, demo_camera_supported() ? "No such file" : "without camera support"),
            "%s", err.msg);
  /* A character device that is not a camera. */
  cr_assert_neq(demo_source_open_camera("/dev/null", 640, 480, &s, &err), 0);
  cr_assert(strstr(err.msg, "/dev/null"), "%s", err.msg);
  if (demo_camera_supported())
    cr_assert(strstr(err.msg, "not a V4L2 device") || strstr(err.msg, "not a video capture"), "%s",
              err.msg);
  /* A regular file. */
  cr_assert_neq(demo_source_open_camera(OCLNN_SOURCE_DIR "/CMakeLists.txt", 640, 480, &s, &err), 0);
}

Test(demo_sources, style_image) {
  char dir[4096], path[4200];
  make_temp_dir(dir, sizeof dir, "style");
  snprintf(path, sizeof path, "%s/solid.png", dir);
  uint8_t *rgb = malloc(40 * 40 * 3);
  for (int i = 0; i < 40 * 40; i++) {
    rgb[3 * i] = 200;
    rgb[3 * i + 1] = 100;
    rgb[3 * i + 2] = 50;
  }
  demo_err err;
  cr_assert_eq(demo_png_write(path, rgb, 40, 40, 120, &err), 0);
  demo_effect_env env;
  demo_effect_env_init(&env);
  const int presets = env.style_count;
  cr_assert_eq(demo_effect_env_add_style_image(&env, path, &err), 0, "%s", err.msg);
  cr_assert_eq(env.style_count, presets + 1);
  cr_assert_str_eq(env.styles[0].name, "solid.png");
  /* Opponent means of (200, 100, 50): (350/sqrt3, 100/sqrt2, 250/sqrt6); no spread. */
  cr_assert_float_eq(env.styles[0].mean[0], 350.0 / sqrt(3.0), 1e-9);
  cr_assert_float_eq(env.styles[0].mean[1], 100.0 / sqrt(2.0), 1e-9);
  cr_assert_float_eq(env.styles[0].mean[2], 200.0 / sqrt(6.0), 1e-9);
  for (int c = 0; c < 3; c++)
    cr_assert_float_eq(env.styles[0].std[c], 0.0, 1e-9);
  /* The style effect then paints the frame that solid colour. */
  demo_pipeline *p = make_pipeline(48, 40, &env);
  demo_source *s = NULL;
  cr_assert_eq(demo_source_open_synthetic(48, 40, &s, &err), 0);
  demo_frame f;
  cr_assert_eq(demo_source_next(s, 0, &f, &err), 0);
  cr_assert_eq(demo_pipeline_set_effect(p, demo_effect_find("style"), 0, &err), 0, "%s", err.msg);
  cr_assert_eq(demo_pipeline_process(p, &f, NULL, &err), 0, "%s", err.msg);
  for (int i = 0; i < 48 * 40; i++)
    cr_assert(abs(p->out_rgb[3 * i] - 200) <= 1 && abs(p->out_rgb[3 * i + 1] - 100) <= 1 &&
                  abs(p->out_rgb[3 * i + 2] - 50) <= 1,
              "pixel %d is (%d, %d, %d)", i, p->out_rgb[3 * i], p->out_rgb[3 * i + 1],
              p->out_rgb[3 * i + 2]);
  demo_source_close(s);
  demo_pipeline_free(p);
  snprintf(path, sizeof path, "%s/none.png", dir);
  cr_assert_neq(demo_effect_env_add_style_image(&env, path, &err), 0);
  cr_assert(strstr(err.msg, "none.png"), "%s", err.msg);
  free(rgb);
  remove_tree(dir);
}

/* ---- the command line ---- */

static int parse(demo_options *o, demo_err *err, int argc, ...) {
  char *argv[32];
  va_list args;
  va_start(args, argc);
  argv[0] = "oclnn-demo";
  for (int i = 1; i < argc; i++)
    argv[i] = va_arg(args, char *);
  va_end(args);
  return demo_options_parse(argc, argv, o, err);
}

Test(demo_options, parse) {
  demo_options o;
  demo_err err;
  cr_assert_eq(parse(&o, &err, 1), 0);
  cr_assert_eq(o.source, DEMO_SOURCE_AUTO);
  cr_assert_eq(o.effect, demo_effect_find("edges"));
  cr_assert_eq(parse(&o, &err, 9, "--camera", "/dev/video3", "--effect", "blur", "--param=2",
                     "--size", "320x240", "--side-by-side"),
               0, "%s", err.msg);
  cr_assert_eq(o.source, DEMO_SOURCE_CAMERA);
  cr_assert_str_eq(o.camera, "/dev/video3");
  cr_assert(o.effect == demo_effect_find("blur") && o.param == 2 && o.width == 320 &&
            o.height == 240 && o.side_by_side);
  cr_assert_eq(parse(&o, &err, 7, "--headless", "--frames", "5", "--output", "d", "--benchmark"), 0,
               "%s", err.msg);
  cr_assert(o.headless && o.frames == 5 && o.benchmark && strcmp(o.output_dir, "d") == 0);
  cr_assert_eq(parse(&o, &err, 4, "--headless", "--effect", "all"), 0);
  cr_assert_eq(o.effect, -1);
  static const char *const bad[][2] = {
      {"--bogus", NULL},   {"--effect", "nope"},   {"--size", "640"}, {"--size", "0x10"},
      {"--frames", "0"},   {"--frames", "x"},      {"--param", "-1"}, {"--camera", NULL},
      {"--effect", "all"}, {"--headless=1", NULL},
  };
  for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
    int r = bad[i][1] ? parse(&o, &err, 3, bad[i][0], bad[i][1]) : parse(&o, &err, 2, bad[i][0]);
    cr_assert_neq(r, 0, "%s %s was accepted", bad[i][0], bad[i][1] ? bad[i][1] : "");
    cr_assert(strlen(err.msg) > 0);
  }
}

/* ---- the executable ---- */

#ifdef OCLNN_DEMO_EXE
typedef struct run_result {
  int status;
  char *out, *err;
} run_result;

/* Runs oclnn-demo with the arguments (NULL-terminated); env NULL: this process's. */
static run_result run_demo(char *const env[], const char *dir, const char *first, ...) {
  char *argv[32] = {OCLNN_DEMO_EXE};
  int argc = 1;
  va_list args;
  va_start(args, first);
  for (const char *a = first; a && argc < 31; a = va_arg(args, const char *))
    argv[argc++] = (char *)a;
  va_end(args);
  char out_path[4200], err_path[4200];
  snprintf(out_path, sizeof out_path, "%s/stdout.txt", dir);
  snprintf(err_path, sizeof err_path, "%s/stderr.txt", dir);
  run_result r;
  r.status = run_command(argv, env, out_path, err_path);
  r.out = test_read_file(out_path, NULL);
  r.err = test_read_file(err_path, NULL);
  cr_assert(r.out && r.err);
  return r;
}

static void free_result(run_result *r) {
  free(r->out);
  free(r->err);
}

/* This process's environment without the variables that point SDL at a display. */
static char **environment_without_display(void) {
  size_t n = 0;
  while (environ[n])
    n++;
  char **env = calloc(n + 2, sizeof *env);
  size_t k = 0;
  for (size_t i = 0; i < n; i++)
    if (strncmp(environ[i], "DISPLAY=", 8) != 0 && strncmp(environ[i], "WAYLAND_DISPLAY=", 16) &&
        strncmp(environ[i], "SDL_VIDEODRIVER=", 16) != 0)
      env[k++] = environ[i];
  env[k] = NULL;
  return env;
}

Test(demo_executable, help_and_usage_errors) {
  char dir[4096];
  make_temp_dir(dir, sizeof dir, "exe");
  run_result r = run_demo(NULL, dir, "--help", NULL);
  cr_assert_eq(r.status, 0, "%s", r.err);
  static const char *const mentions[] = {
      "--camera", "--input",    "--synthetic", "--style-image",  "--headless",
      "--frames", "--output",   "--benchmark", "--side-by-side", "Keys",
      "Space",    "screenshot", "Esc",         "blur",           "edges",
      "emboss",   "padding",    "contrast",    "style"};
  for (size_t i = 0; i < sizeof mentions / sizeof mentions[0]; i++)
    cr_assert(strstr(r.out, mentions[i]), "--help does not mention %s", mentions[i]);
  free_result(&r);
  r = run_demo(NULL, dir, "--list-effects", NULL);
  cr_assert_eq(r.status, 0);
  cr_assert(strstr(r.out, "--param 0  reflect"), "%s", r.out);
  free_result(&r);
  r = run_demo(NULL, dir, "--no-such-option", NULL);
  cr_assert_eq(r.status, 2);
  cr_assert(strstr(r.err, "unknown option"), "%s", r.err);
  free_result(&r);
  remove_tree(dir);
}

Test(demo_executable, bad_inputs_exit_cleanly) {
  char dir[4096], path[4200];
  make_temp_dir(dir, sizeof dir, "exe-bad");
  snprintf(path, sizeof path, "%s/nothing.png", dir);
  run_result r = run_demo(NULL, dir, "--headless", "--input", path, NULL);
  cr_assert_eq(r.status, 1, "status %d; stderr: %s", r.status, r.err);
  cr_assert(strstr(r.err, "cannot open image") && strstr(r.err, "nothing.png"), "%s", r.err);
  free_result(&r);
  snprintf(path, sizeof path, "%s/corrupt.png", dir);
  write_file(path, "\x89PNG\r\n\x1a\n garbage", 17);
  r = run_demo(NULL, dir, "--headless", "--input", path, NULL);
  cr_assert_eq(r.status, 1, "status %d; stderr: %s", r.status, r.err);
  cr_assert(strstr(r.err, "corrupt.png"), "%s", r.err);
  free_result(&r);
  r = run_demo(NULL, dir, "--headless", "--camera", "/dev/oclnn-no-such-camera", NULL);
  cr_assert_eq(r.status, 1, "status %d; stderr: %s", r.status, r.err);
  cr_assert(strstr(r.err, "cannot open camera /dev/oclnn-no-such-camera"), "%s", r.err);
  free_result(&r);
  r = run_demo(NULL, dir, "--headless", "--synthetic", "--size", "20x20", NULL);
  cr_assert_eq(r.status, 1, "status %d; stderr: %s", r.status, r.err);
  cr_assert(strstr(r.err, "unsupported size"), "%s", r.err);
  free_result(&r);
  snprintf(path, sizeof path, "%s/missing-style.png", dir);
  r = run_demo(NULL, dir, "--headless", "--synthetic", "--style-image", path, NULL);
  cr_assert_eq(r.status, 1, "status %d; stderr: %s", r.status, r.err);
  cr_assert(strstr(r.err, "missing-style.png"), "%s", r.err);
  free_result(&r);
  r = run_demo(NULL, dir, "--headless", "--synthetic", "--device", "no-such-device-xyz", NULL);
  cr_assert_eq(r.status, 1, "status %d; stderr: %s", r.status, r.err);
  cr_assert(strstr(r.err, "OpenCL"), "%s", r.err);
  free_result(&r);
  remove_tree(dir);
}

Test(demo_executable, headless_run_and_benchmark) {
  char dir[4096], out[4200], path[4400];
  make_temp_dir(dir, sizeof dir, "exe-run");
  snprintf(out, sizeof out, "%s/frames", dir);
  run_result r = run_demo(NULL, dir, "--headless", "--synthetic", "--size", "64x48", "--effect",
                          "emboss", "--frames", "3", "--output", out, NULL);
  cr_assert_eq(r.status, 0, "stderr: %s", r.err);
  cr_assert(strstr(r.out, "wrote 3 frames") && strstr(r.out, out), "%s", r.out);
  for (int i = 0; i < 3; i++) {
    demo_frame_path(path, sizeof path, out, "emboss", i);
    struct stat st;
    cr_assert_eq(stat(path, &st), 0, "%s missing", path);
  }
  free_result(&r);
  r = run_demo(NULL, dir, "--headless", "--benchmark", "--synthetic", "--size", "64x48", "--effect",
               "all", "--frames", "3", NULL);
  cr_assert_eq(r.status, 0, "stderr: %s", r.err);
  static const char *const columns[] = {"capture", "upload", "layers", "download", "present"};
  for (size_t i = 0; i < 5; i++)
    cr_assert(strstr(r.out, columns[i]), "no %s column: %s", columns[i], r.out);
  for (int e = 0; e < demo_effect_count(); e++) {
    char row[64];
    snprintf(row, sizeof row, "\n%-9s ", demo_effect_get(e)->name);
    cr_assert(strstr(r.out, row), "no row for %s: %s", demo_effect_get(e)->name, r.out);
  }
  cr_assert(strstr(r.out, "conv 3x3 sobel"), "per-layer times missing: %s", r.out);
  free_result(&r);
  remove_tree(dir);
}

Test(demo_executable, without_a_display_it_runs_headless) {
  char dir[4096], out[4200], expect[64], path[4400];
  make_temp_dir(dir, sizeof dir, "exe-nodisplay");
  snprintf(out, sizeof out, "%s/frames", dir);
  char **env = environment_without_display();
  /* No --effect: every effect, side by side with the input. */
  run_result r =
      run_demo(env, dir, "--synthetic", "--size", "64x48", "--frames", "2", "--output", out, NULL);
  cr_assert_eq(r.status, 0, "stderr: %s", r.err);
  snprintf(expect, sizeof expect, "wrote %d frames", 2 * demo_effect_count());
  cr_assert(strstr(r.out, "no display") && strstr(r.out, expect) && strstr(r.out, out), "%s",
            r.out);
  demo_frame_path(path, sizeof path, out, "style", 1);
  int w = 0, h = 0, channels = 0;
  cr_assert(stbi_info(path, &w, &h, &channels), "%s missing", path);
  cr_assert(w == 2 * 64 + DEMO_SIDE_GAP && h == 48, "%s is %dx%d", path, w, h);
  free_result(&r);
  /* An explicit effect is respected. */
  r = run_demo(env, dir, "--synthetic", "--size", "64x48", "--effect", "blur", "--frames", "3",
               "--output", out, NULL);
  free(env);
  cr_assert_eq(r.status, 0, "stderr: %s", r.err);
  cr_assert(strstr(r.out, "no display") && strstr(r.out, "wrote 3 frames"), "%s", r.out);
  free_result(&r);
  remove_tree(dir);
}
#endif
