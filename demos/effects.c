#include "effects.h"

#include "image_io.h"

#include <dirent.h>
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

/* Luminance weights (ITU-R BT.601) for the effects that work on grey. */
static const float LUM[3] = {0.299f, 0.587f, 0.114f};

/* Orthonormal opponent colour basis (rows): luminance, red-green, yellow-blue. Its inverse is
 * its transpose, so the style effect's two 1x1 convolutions are M and M^T. */
#define INV_SQRT2 0.70710678118654752
#define INV_SQRT3 0.57735026918962576
#define INV_SQRT6 0.40824829046386302
static const double OPPONENT[3][3] = {{INV_SQRT3, INV_SQRT3, INV_SQRT3},
                                      {INV_SQRT2, -INV_SQRT2, 0.0},
                                      {INV_SQRT6, INV_SQRT6, -2.0 * INV_SQRT6}};

/* ---- parameter tables ---- */

/* Taps: 2 * ceil(2.5 sigma) + 1. oclnn's depthwise and register-tiled convolutions take kernels
 * up to 16 wide, and its generic path is ~8x slower (a 1x31 depthwise conv: 40 ms at 640x480),
 * so sigmas above BLUR_MAX_SIGMA (15 taps) run as several passes of at most that sigma (two
 * passes at most here: three, sigma 4.8, fell to ~34 fps at 640x480 on a busy machine). */
static const double BLUR_SIGMAS[] = {0.6, 1.0, 1.5, 2.0, 2.8, 3.9};
#define BLUR_TRUNCATE 2.5
#define BLUR_MAX_SIGMA 2.8
static const double EDGE_THRESHOLDS[] = {0.0, 0.25, 0.5, 0.75, 1.0, 1.5, 2.0};
static const struct {
  int dx, dy;
  const char *name;
} EMBOSS_LIGHTS[] = {{1, 1, "light from top left"},       {0, 1, "light from top"},
                     {-1, 1, "light from top right"},     {-1, 0, "light from right"},
                     {-1, -1, "light from bottom right"}, {0, -1, "light from bottom"},
                     {1, -1, "light from bottom left"},   {1, 0, "light from left"}};
static const struct {
  oclnn_pad_mode mode;
  const char *name;
} PAD_MODES[] = {{OCLNN_PAD_REFLECT, "reflect"},
                 {OCLNN_PAD_REPLICATE, "replicate"},
                 {OCLNN_PAD_CIRCULAR, "circular"},
                 {OCLNN_PAD_CONSTANT, "constant 0"}};
static const double CONTRAST_GAINS[] = {0.5, 1.0, 1.5, 2.0, 3.0, 4.0};

#define COUNT(a) ((int)(sizeof(a) / sizeof((a)[0])))

/* Contrast: output levels per unit of normalised detail at gain 1; the detail is the frame minus
 * a 3x3 Gaussian blur; LocalResponseNorm's window (pixels) and its floor on the local mean
 * square (an RMS of 4 levels, so flat areas stay flat); InstanceNorm's eps (a floor of 0.5 on
 * the spread of the normalised detail). */
#define CONTRAST_LEVELS 10.0
#define CONTRAST_KERNEL 3
#define CONTRAST_SIGMA 0.85
#define CONTRAST_WINDOW 11
#define CONTRAST_FLOOR 16.0
#define CONTRAST_EPS 0.25
/* Edges: output levels per unit of |gradient| / its spread. */
#define EDGE_GAIN 40.0f
/* Emboss: output = EMBOSS_BIAS + EMBOSS_KEEP * colour + EMBOSS_GAIN * directional difference of
 * the luminance: a relief that keeps some of the colour. */
#define EMBOSS_GAIN 0.75f
#define EMBOSS_KEEP 0.5f
#define EMBOSS_BIAS 64.0f

/* ---- styles ---- */

/* A preset: the RGB mean it pulls colours to, and the spread along each opponent axis. */
static void add_preset(demo_effect_env *env, const char *name, double r, double g, double b,
                       double sy, double s1, double s2) {
  if (env->style_count >= DEMO_MAX_STYLES)
    return;
  demo_style *s = &env->styles[env->style_count++];
  snprintf(s->name, sizeof s->name, "%s", name);
  const double rgb[3] = {r, g, b}, std[3] = {sy, s1, s2};
  for (int i = 0; i < 3; i++) {
    s->mean[i] = OPPONENT[i][0] * rgb[0] + OPPONENT[i][1] * rgb[1] + OPPONENT[i][2] * rgb[2];
    s->std[i] = std[i];
  }
}

void demo_effect_env_init(demo_effect_env *env) {
  memset(env, 0, sizeof *env);
  /* Spreads: sqrt(3) * a per-channel spread for luminance; chroma spreads set saturation. */
  add_preset(env, "sunset", 170, 100, 70, 80, 28, 34);
  add_preset(env, "moonlight", 60, 80, 130, 65, 8, 16);
  add_preset(env, "sepia", 160, 122, 84, 90, 2, 2);
  add_preset(env, "vivid", 128, 128, 128, 105, 60, 60);
}

int demo_effect_env_add_style_image(demo_effect_env *env, const char *path, demo_err *err) {
  int w = 0, h = 0;
  uint8_t *rgb = NULL;
  if (demo_image_load(path, 16384, &w, &h, &rgb, err) != 0)
    return -1;
  double sum[3] = {0, 0, 0}, sq[3] = {0, 0, 0};
  const size_t n = (size_t)w * (size_t)h;
  /* Two passes (mean, then squared deviations) in double: exact enough for any image. */
  for (size_t p = 0; p < n; p++)
    for (int i = 0; i < 3; i++)
      sum[i] += OPPONENT[i][0] * rgb[3 * p] + OPPONENT[i][1] * rgb[3 * p + 1] +
                OPPONENT[i][2] * rgb[3 * p + 2];
  demo_style style;
  memset(&style, 0, sizeof style);
  for (int i = 0; i < 3; i++)
    style.mean[i] = sum[i] / (double)n;
  for (size_t p = 0; p < n; p++)
    for (int i = 0; i < 3; i++) {
      double d = OPPONENT[i][0] * rgb[3 * p] + OPPONENT[i][1] * rgb[3 * p + 1] +
                 OPPONENT[i][2] * rgb[3 * p + 2] - style.mean[i];
      sq[i] += d * d;
    }
  for (int i = 0; i < 3; i++)
    style.std[i] = sqrt(sq[i] / (double)n);
  free(rgb);
  const char *base = strrchr(path, '/');
  snprintf(style.name, sizeof style.name, "%.60s", base ? base + 1 : path);
  if (env->style_count >= DEMO_MAX_STYLES)
    env->style_count = DEMO_MAX_STYLES - 1;
  memmove(&env->styles[1], &env->styles[0], sizeof env->styles[0] * (size_t)env->style_count);
  env->styles[0] = style;
  env->style_count++;
  return 0;
}

/* ---- models ---- */

static int add_model_file(demo_effect_env *env, const char *path, demo_err *err) {
  if (env->model_count >= DEMO_MAX_MODELS)
    return demo_fail(err, "--model %s: more than %d models", path, DEMO_MAX_MODELS);
  if (strlen(path) >= DEMO_MODEL_PATH_MAX)
    return demo_fail(err, "--model: a path longer than %d bytes", DEMO_MODEL_PATH_MAX - 1);
  FILE *f = fopen(path, "rb");
  if (!f)
    return demo_fail(err, "--model %s: %s", path, strerror(errno));
  fclose(f);
  snprintf(env->models[env->model_count++], DEMO_MODEL_PATH_MAX, "%s", path);
  return 0;
}

static int compare_names(const void *a, const void *b) {
  return strcmp(*(char *const *)a, *(char *const *)b);
}

int demo_effect_env_add_models(demo_effect_env *env, const char *path, demo_err *err) {
  struct stat st;
  if (stat(path, &st) != 0)
    return demo_fail(err, "--model %s: %s", path, strerror(errno));
  if (!S_ISDIR(st.st_mode))
    return add_model_file(env, path, err);
  DIR *dir = opendir(path);
  if (!dir)
    return demo_fail(err, "--model %s: %s", path, strerror(errno));
  char *names[DEMO_MAX_MODELS + 1];
  int count = 0, rc = 0;
  struct dirent *entry;
  while ((entry = readdir(dir)) != NULL) {
    size_t len = strlen(entry->d_name);
    if (len < 6 || strcmp(entry->d_name + len - 5, ".onnx") != 0)
      continue;
    if (count > DEMO_MAX_MODELS) /* one past the limit is enough to refuse */
      break;
    names[count] = malloc(strlen(path) + len + 2);
    if (!names[count]) {
      rc = demo_fail(err, "out of memory");
      break;
    }
    sprintf(names[count], "%s/%s", path, entry->d_name);
    count++;
  }
  closedir(dir);
  if (rc == 0 && count == 0)
    rc = demo_fail(err, "--model %s: the directory has no .onnx files", path);
  if (rc == 0)
    qsort(names, (size_t)count, sizeof names[0], compare_names);
  for (int i = 0; i < count; i++) {
    if (rc == 0)
      rc = add_model_file(env, names[i], err);
    free(names[i]);
  }
  return rc;
}

static const char *base_name(const char *path) {
  const char *slash = strrchr(path, '/');
  return slash ? slash + 1 : path;
}

/* ---- chain-building helpers ---- */

static float *alloc_floats(size_t count) { return calloc(count ? count : 1, sizeof(float)); }

/* Adds a 2-d convolution step reading `in` and writing `out` (weights and bias are taken over). */
static int add_conv(demo_chain *chain, const char *label, const oclnn_conv_desc *desc, demo_view in,
                    demo_view out, float *weight, float *bias, demo_err *err) {
  demo_step *step = demo_chain_add_step(chain, DEMO_STEP_CONV, label);
  if (!step || !weight || (desc->bias && !bias)) {
    free(weight);
    free(bias);
    return demo_fail(err, step ? "out of memory" : "too many steps");
  }
  step->conv = *desc;
  step->in = in;
  step->out = out;
  step->weight = weight;
  step->bias = bias;
  return 0;
}

static oclnn_conv_desc conv_same(int64_t in, int64_t out, int64_t kh, int64_t kw, int64_t groups) {
  oclnn_conv_desc desc = oclnn_conv_desc_default(2, in, out, 1);
  desc.kernel_size[0] = kh;
  desc.kernel_size[1] = kw;
  desc.groups = groups;
  desc.padding_type = OCLNN_CONV_PADDING_SAME;
  desc.padding_mode = OCLNN_CONV_REPLICATE; /* no dark rim: the edge pixels repeat */
  desc.bias = 0;
  return desc;
}

static int add_slot(demo_chain *chain, size_t floats, demo_err *err) {
  int slot = demo_chain_add_slot(chain, floats);
  if (slot < 0)
    demo_fail(err, "too many buffers in one chain");
  return slot;
}

/* ---- the effects ---- */

static int build_input(demo_chain *chain, int param, const demo_effect_env *env, demo_err *err) {
  (void)chain;
  (void)param;
  (void)env;
  (void)err;
  return 0; /* no steps: the output is the uploaded frame */
}

/* The model's output is fitted to the frame's size by the chain (see DEMO_STEP_MODEL). */
static int build_neural(demo_chain *chain, int param, const demo_effect_env *env, demo_err *err) {
  if (env->model_count == 0)
    return 0; /* no model: the frame as uploaded, so the effect list stays the same */
  const int w = chain->width, h = chain->height;
  const int out = demo_chain_add_slot(chain, (size_t)3 * (size_t)w * (size_t)h);
  char label[40];
  snprintf(label, sizeof label, "model %.30s", base_name(env->models[param]));
  demo_step *step = out < 0 ? NULL : demo_chain_add_step(chain, DEMO_STEP_MODEL, label);
  if (!step)
    return demo_fail(err, "too many steps");
  step->model_path = malloc(strlen(env->models[param]) + 1);
  if (!step->model_path)
    return demo_fail(err, "out of memory");
  strcpy(step->model_path, env->models[param]);
  step->in = demo_view_nchw(0, 0, 3, h, w);
  step->out = demo_view_nchw(out, 0, 3, h, w);
  chain->output = step->out;
  return 0;
}

/* Blur passes for sigma: each pass has at most BLUR_MAX_SIGMA, and passes add variances. */
static int blur_passes(double sigma) {
  int passes = (int)ceil((sigma / BLUR_MAX_SIGMA) * (sigma / BLUR_MAX_SIGMA) - 1e-9);
  return passes < 1 ? 1 : passes;
}

static int blur_taps(double sigma) {
  const double pass_sigma = sigma / sqrt((double)blur_passes(sigma));
  return 2 * (int)ceil(BLUR_TRUNCATE * pass_sigma) + 1;
}

static int build_blur(demo_chain *chain, int param, const demo_effect_env *env, demo_err *err) {
  (void)env;
  const int64_t h = chain->height, w = chain->width;
  const double sigma = BLUR_SIGMAS[param];
  const int passes = blur_passes(sigma), k = blur_taps(sigma), radius = k / 2;
  const double pass_sigma = sigma / sqrt((double)passes);
  float taps[2 * 16 + 1];
  double total = 0;
  for (int i = 0; i < k; i++)
    total += exp(-(double)((i - radius) * (i - radius)) / (2.0 * pass_sigma * pass_sigma));
  for (int i = 0; i < k; i++)
    taps[i] =
        (float)(exp(-(double)((i - radius) * (i - radius)) / (2.0 * pass_sigma * pass_sigma)) /
                total);
  /* Ping-pong between two buffers: frame -> s1 -> s2 -> s1 ... */
  const int s1 = add_slot(chain, (size_t)(3 * h * w), err);
  const int s2 = add_slot(chain, (size_t)(3 * h * w), err);
  if (s1 < 0 || s2 < 0)
    return -1;
  int from = 0;
  for (int step = 0; step < 2 * passes; step++) {
    const int to = from == s1 ? s2 : s1, vertical = step % 2;
    float *weight = alloc_floats((size_t)3 * (size_t)k);
    for (int c = 0; weight && c < 3; c++)
      for (int i = 0; i < k; i++)
        weight[c * k + i] = taps[i];
    oclnn_conv_desc desc = vertical ? conv_same(3, 3, k, 1, 3) : conv_same(3, 3, 1, k, 3);
    char label[40];
    snprintf(label, sizeof label, vertical ? "conv %dx1 dw" : "conv 1x%d dw", k);
    if (add_conv(chain, label, &desc, demo_view_nchw(from, 0, 3, h, w),
                 demo_view_nchw(to, 0, 3, h, w), weight, NULL, err) != 0)
      return -1;
    from = to;
  }
  chain->output = demo_view_nchw(from, 0, 3, h, w);
  return 0;
}

static int build_edges(demo_chain *chain, int param, const demo_effect_env *env, demo_err *err) {
  (void)env;
  const int64_t h = chain->height, w = chain->width;
  static const float SOBEL_X[3][3] = {{-1, 0, 1}, {-2, 0, 2}, {-1, 0, 1}};
  const int s1 = add_slot(chain, (size_t)(4 * h * w), err);
  const int s2 = add_slot(chain, (size_t)(4 * h * w), err);
  const int s3 = add_slot(chain, (size_t)(3 * h * w), err);
  if (s1 < 0 || s2 < 0 || s3 < 0)
    return -1;
  /* Outputs: +d/dx, -d/dx, +d/dy, -d/dy of the luminance; ReLU keeps one sign of each. */
  float *sobel = alloc_floats(4 * 3 * 9);
  for (int o = 0; sobel && o < 4; o++)
    for (int c = 0; c < 3; c++)
      for (int y = 0; y < 3; y++)
        for (int x = 0; x < 3; x++) {
          float v = o < 2 ? SOBEL_X[y][x] : SOBEL_X[x][y];
          sobel[((o * 3 + c) * 3 + y) * 3 + x] = (o % 2 ? -v : v) * LUM[c];
        }
  oclnn_conv_desc d1 = conv_same(3, 4, 3, 3, 1);
  if (add_conv(chain, "conv 3x3 sobel", &d1, demo_view_nchw(0, 0, 3, h, w),
               demo_view_nchw(s1, 0, 4, h, w), sobel, NULL, err) != 0)
    return -1;
  demo_step *norm = demo_chain_add_step(chain, DEMO_STEP_INSTANCE_NORM, "instnorm+relu");
  if (!norm)
    return demo_fail(err, "too many steps");
  norm->norm = oclnn_instance_norm_desc_default(2, 4);
  norm->norm.affine = 1;
  norm->norm.fuse_relu = 1;
  norm->norm_weight = alloc_floats(4);
  norm->norm_bias = alloc_floats(4);
  if (!norm->norm_weight || !norm->norm_bias)
    return demo_fail(err, "out of memory");
  for (int c = 0; c < 4; c++) {
    norm->norm_weight[c] = 1.0f;
    norm->norm_bias[c] = (float)-EDGE_THRESHOLDS[param];
  }
  norm->in = demo_view_nchw(s1, 0, 4, h, w);
  norm->out = demo_view_nchw(s2, 0, 4, h, w);
  float *sum = alloc_floats(3 * 4);
  for (int i = 0; sum && i < 12; i++)
    sum[i] = EDGE_GAIN;
  oclnn_conv_desc d3 = oclnn_conv_desc_default(2, 4, 3, 1);
  d3.bias = 0;
  if (add_conv(chain, "conv 1x1 sum", &d3, demo_view_nchw(s2, 0, 4, h, w),
               demo_view_nchw(s3, 0, 3, h, w), sum, NULL, err) != 0)
    return -1;
  chain->output = demo_view_nchw(s3, 0, 3, h, w);
  return 0;
}

static int build_emboss(demo_chain *chain, int param, const demo_effect_env *env, demo_err *err) {
  (void)env;
  const int64_t h = chain->height, w = chain->width;
  const int s1 = add_slot(chain, (size_t)(3 * h * w), err);
  if (s1 < 0)
    return -1;
  const int dx = EMBOSS_LIGHTS[param].dx, dy = EMBOSS_LIGHTS[param].dy;
  float *weight = alloc_floats(3 * 3 * 9), *bias = alloc_floats(3);
  for (int o = 0; weight && o < 3; o++)
    for (int c = 0; c < 3; c++)
      for (int y = 0; y < 3; y++)
        for (int x = 0; x < 3; x++)
          weight[((o * 3 + c) * 3 + y) * 3 + x] =
              EMBOSS_GAIN * (float)((y - 1) * dy + (x - 1) * dx) * LUM[c] +
              (o == c && y == 1 && x == 1 ? EMBOSS_KEEP : 0.0f);
  for (int o = 0; bias && o < 3; o++)
    bias[o] = EMBOSS_BIAS;
  oclnn_conv_desc desc = conv_same(3, 3, 3, 3, 1);
  desc.bias = 1;
  if (add_conv(chain, "conv 3x3 emboss", &desc, demo_view_nchw(0, 0, 3, h, w),
               demo_view_nchw(s1, 0, 3, h, w), weight, bias, err) != 0)
    return -1;
  chain->output = demo_view_nchw(s1, 0, 3, h, w);
  return 0;
}

static int build_padding(demo_chain *chain, int param, const demo_effect_env *env, demo_err *err) {
  (void)env;
  const int64_t h = chain->height, w = chain->width, h2 = h / 2, w2 = w / 2;
  const int s1 = add_slot(chain, (size_t)(3 * h2 * w2), err);
  const int s2 = add_slot(chain, (size_t)(3 * h * w), err);
  if (s1 < 0 || s2 < 0)
    return -1;
  float *box = alloc_floats(3 * 4);
  for (int i = 0; box && i < 12; i++)
    box[i] = 0.25f;
  oclnn_conv_desc shrink = oclnn_conv_desc_default(2, 3, 3, 2);
  shrink.groups = 3;
  shrink.stride[0] = shrink.stride[1] = 2;
  shrink.bias = 0;
  if (add_conv(chain, "conv 2x2/2 dw", &shrink, demo_view_nchw(0, 0, 3, h, w),
               demo_view_nchw(s1, 0, 3, h2, w2), box, NULL, err) != 0)
    return -1;
  char label[40];
  snprintf(label, sizeof label, "pad %s", PAD_MODES[param].name);
  demo_step *pad = demo_chain_add_step(chain, DEMO_STEP_PAD, label);
  if (!pad)
    return demo_fail(err, "too many steps");
  pad->pad = oclnn_pad_desc_default(2, PAD_MODES[param].mode, 0);
  pad->pad.padding[0] = (w - w2) / 2;                 /* left */
  pad->pad.padding[1] = w - w2 - pad->pad.padding[0]; /* right */
  pad->pad.padding[2] = (h - h2) / 2;                 /* top */
  pad->pad.padding[3] = h - h2 - pad->pad.padding[2]; /* bottom */
  pad->in = demo_view_nchw(s1, 0, 3, h2, w2);
  pad->out = demo_view_nchw(s2, 0, 3, h, w);
  chain->output = pad->out;
  return 0;
}

static int build_contrast(demo_chain *chain, int param, const demo_effect_env *env, demo_err *err) {
  (void)env;
  const int64_t h = chain->height, w = chain->width;
  const int s1 = add_slot(chain, (size_t)(3 * h * w), err);
  const int s2 = add_slot(chain, (size_t)(3 * h * w), err);
  const int s3 = add_slot(chain, (size_t)(3 * h * w), err);
  if (s1 < 0 || s2 < 0 || s3 < 0)
    return -1;
  /* Detail: the frame minus its 3x3 Gaussian blur, per channel (depthwise). */
  const int k = CONTRAST_KERNEL, r = k / 2;
  double g[CONTRAST_KERNEL * CONTRAST_KERNEL], total = 0;
  for (int y = 0; y < k; y++)
    for (int x = 0; x < k; x++) {
      g[y * k + x] = exp(-(double)((y - r) * (y - r) + (x - r) * (x - r)) /
                         (2 * CONTRAST_SIGMA * CONTRAST_SIGMA));
      total += g[y * k + x];
    }
  float *detail = alloc_floats((size_t)3 * (size_t)(k * k));
  for (int c = 0; detail && c < 3; c++)
    for (int i = 0; i < k * k; i++)
      detail[c * k * k + i] = (float)((i == r * k + r) - g[i] / total);
  oclnn_conv_desc d1 = conv_same(3, 3, k, k, 3);
  char label[40];
  snprintf(label, sizeof label, "conv %dx%d detail dw", k, k);
  if (add_conv(chain, label, &d1, demo_view_nchw(0, 0, 3, h, w), demo_view_nchw(s1, 0, 3, h, w),
               detail, NULL, err) != 0)
    return -1;
  /* LocalResponseNorm normalises across its second dim; the frame seen as (3, H, W) makes that
   * the rows, so each detail value is divided by the RMS of the detail in the CONTRAST_WINDOW
   * pixels around it in its column. (Seen as (3H, W, 1) the same layer would normalise along
   * rows, but oclnn's LRN vectorises along the trailing dims, and with one trailing element it
   * runs 5-10x slower: 9-23 ms at 640x480 here, against 2.) */
  const int64_t by_rows[3] = {3, h, w};
  demo_step *lrn = demo_chain_add_step(chain, DEMO_STEP_LRN, "lrn columns");
  demo_step *norm = demo_chain_add_step(chain, DEMO_STEP_INSTANCE_NORM, "instnorm+frame");
  if (!lrn || !norm)
    return demo_fail(err, "too many steps");
  lrn->lrn = oclnn_lrn_desc_default(CONTRAST_WINDOW);
  lrn->lrn.alpha = 1.0; /* alpha / size * sum = the mean square over the window */
  lrn->lrn.beta = 0.5;  /* divide by the local RMS */
  lrn->lrn.k = CONTRAST_FLOOR;
  lrn->in = demo_view_of(s1, 0, 3, by_rows);
  lrn->out = demo_view_of(s2, 0, 3, by_rows);
  /* out = frame + gain * normalised detail: InstanceNorm's affine and fused residual. Its eps
   * floors the spread it divides by, so a nearly flat frame is not amplified into noise. */
  norm->norm = oclnn_instance_norm_desc_default(2, 3);
  norm->norm.affine = 1;
  norm->norm.eps = CONTRAST_EPS;
  norm->norm_weight = alloc_floats(3);
  norm->norm_bias = alloc_floats(3);
  if (!norm->norm_weight || !norm->norm_bias)
    return demo_fail(err, "out of memory");
  for (int c = 0; c < 3; c++)
    norm->norm_weight[c] = (float)(CONTRAST_LEVELS * CONTRAST_GAINS[param]);
  norm->in = demo_view_nchw(s2, 0, 3, h, w);
  norm->out = demo_view_nchw(s3, 0, 3, h, w);
  norm->has_residual = 1;
  norm->residual = demo_view_nchw(0, 0, 3, h, w);
  chain->output = norm->out;
  return 0;
}

static int build_style(demo_chain *chain, int param, const demo_effect_env *env, demo_err *err) {
  const int64_t h = chain->height, w = chain->width;
  const demo_style *style = &env->styles[param];
  const int s1 = add_slot(chain, (size_t)(3 * h * w), err);
  const int s2 = add_slot(chain, (size_t)(3 * h * w), err);
  const int s3 = add_slot(chain, (size_t)(3 * h * w), err);
  if (s1 < 0 || s2 < 0 || s3 < 0)
    return -1;
  float *to = alloc_floats(9), *from = alloc_floats(9);
  for (int i = 0; to && from && i < 3; i++)
    for (int j = 0; j < 3; j++) {
      to[i * 3 + j] = (float)OPPONENT[i][j];
      from[i * 3 + j] = (float)OPPONENT[j][i];
    }
  oclnn_conv_desc d = oclnn_conv_desc_default(2, 3, 3, 1);
  d.bias = 0;
  if (add_conv(chain, "conv 1x1 rgb>opp", &d, demo_view_nchw(0, 0, 3, h, w),
               demo_view_nchw(s1, 0, 3, h, w), to, NULL, err) != 0) {
    free(from);
    return -1;
  }
  demo_step *norm = demo_chain_add_step(chain, DEMO_STEP_INSTANCE_NORM, "instnorm style");
  if (!norm) {
    free(from);
    return demo_fail(err, "too many steps");
  }
  norm->norm = oclnn_instance_norm_desc_default(2, 3);
  norm->norm.affine = 1;
  norm->norm_weight = alloc_floats(3);
  norm->norm_bias = alloc_floats(3);
  if (!norm->norm_weight || !norm->norm_bias) {
    free(from);
    return demo_fail(err, "out of memory");
  }
  for (int c = 0; c < 3; c++) {
    norm->norm_weight[c] = (float)style->std[c];
    norm->norm_bias[c] = (float)style->mean[c];
  }
  norm->in = demo_view_nchw(s1, 0, 3, h, w);
  norm->out = demo_view_nchw(s2, 0, 3, h, w);
  if (add_conv(chain, "conv 1x1 opp>rgb", &d, demo_view_nchw(s2, 0, 3, h, w),
               demo_view_nchw(s3, 0, 3, h, w), from, NULL, err) != 0)
    return -1;
  chain->output = demo_view_nchw(s3, 0, 3, h, w);
  return 0;
}

/* ---- the table ---- */

typedef int (*build_fn)(demo_chain *chain, int param, const demo_effect_env *env, demo_err *err);

static const struct {
  demo_effect info;
  int param_count; /* 0: one per style; -1: one per model */
  build_fn build;
} EFFECTS[] = {
    {{"input", "the frame as uploaded, no layers (upload/download baseline)", "-", 0},
     1,
     build_input},
    {{"blur", "Gaussian blur: depthwise convs 1xk then kx1 (1 or 2 passes)", "sigma", 3},
     COUNT(BLUR_SIGMAS),
     build_blur},
    {{"edges", "Sobel convs + InstanceNorm/ReLU + 1x1 conv", "threshold", 2},
     COUNT(EDGE_THRESHOLDS),
     build_edges},
    {{"emboss", "3x3 conv: directional derivative of the luminance on half the colour", "light", 0},
     COUNT(EMBOSS_LIGHTS),
     build_emboss},
    {{"padding", "frame shrunk by a stride-2 conv inside pad borders", "mode", 0},
     COUNT(PAD_MODES),
     build_padding},
    {{"contrast", "local contrast: depthwise detail conv, LocalResponseNorm, InstanceNorm + frame",
      "detail", 3},
     COUNT(CONTRAST_GAINS),
     build_contrast},
    {{"style", "colour statistics transfer: 1x1 conv, InstanceNorm with a style's affine", "style",
      0},
     0,
     build_style},
    {{"neural", "an ONNX model (--model), e.g. fast neural style transfer", "model", 0},
     -1,
     build_neural},
};

int demo_effect_count(void) { return COUNT(EFFECTS); }

const demo_effect *demo_effect_get(int index) {
  return index >= 0 && index < COUNT(EFFECTS) ? &EFFECTS[index].info : NULL;
}

int demo_effect_find(const char *name) {
  for (int i = 0; i < COUNT(EFFECTS); i++)
    if (strcmp(EFFECTS[i].info.name, name) == 0)
      return i;
  return -1;
}

int demo_effect_param_count(int effect, const demo_effect_env *env) {
  if (effect < 0 || effect >= COUNT(EFFECTS))
    return 1;
  if (EFFECTS[effect].param_count < 0)
    return env->model_count > 0 ? env->model_count : 1;
  return EFFECTS[effect].param_count ? EFFECTS[effect].param_count
                                     : (env->style_count > 0 ? env->style_count : 1);
}

static int clamp_param(int effect, int param, const demo_effect_env *env) {
  int count = demo_effect_param_count(effect, env);
  return param < 0 ? 0 : param >= count ? count - 1 : param;
}

void demo_effect_param_label(int effect, int param, const demo_effect_env *env, char *buf,
                             size_t size) {
  param = clamp_param(effect, param, env);
  const char *name = effect >= 0 && effect < COUNT(EFFECTS) ? EFFECTS[effect].info.name : "";
  if (strcmp(name, "blur") == 0)
    snprintf(buf, size, "sigma %.1f (%d pass%s of %d taps)", BLUR_SIGMAS[param],
             blur_passes(BLUR_SIGMAS[param]), blur_passes(BLUR_SIGMAS[param]) > 1 ? "es" : "",
             blur_taps(BLUR_SIGMAS[param]));
  else if (strcmp(name, "edges") == 0)
    snprintf(buf, size, "threshold %.2f", EDGE_THRESHOLDS[param]);
  else if (strcmp(name, "emboss") == 0)
    snprintf(buf, size, "%s", EMBOSS_LIGHTS[param].name);
  else if (strcmp(name, "padding") == 0)
    snprintf(buf, size, "%s", PAD_MODES[param].name);
  else if (strcmp(name, "contrast") == 0)
    snprintf(buf, size, "detail x%.1f", CONTRAST_GAINS[param]);
  else if (strcmp(name, "style") == 0)
    snprintf(buf, size, "%s", env->styles[param].name);
  else if (strcmp(name, "neural") == 0)
    snprintf(buf, size, "%s",
             env->model_count ? base_name(env->models[param]) : "no model (--model PATH.onnx)");
  else
    snprintf(buf, size, "-");
}

int demo_effect_build(int effect, int param, int w, int h, const demo_effect_env *env,
                      demo_chain *chain, demo_err *err) {
  demo_chain_init(chain, w, h);
  if (effect < 0 || effect >= COUNT(EFFECTS))
    return demo_fail(err, "no effect %d", effect);
  if (EFFECTS[effect].param_count == 0 && env->style_count < 1)
    return demo_fail(err, "effect %s: no style", EFFECTS[effect].info.name);
  if (demo_check_frame_size("the frame", w, h, err) != 0)
    return -1;
  if (EFFECTS[effect].build(chain, clamp_param(effect, param, env), env, err) != 0) {
    demo_chain_release(chain);
    return -1;
  }
  return 0;
}
