/*
 * train_filter: trains a small convolution + normalization network, entirely on oclnn kernels,
 * to reproduce a fixed image filter, with plain SGD. It is the training loop a framework would
 * run, spelled out: forward with saved statistics, the MSE loss, every layer's backward, and the
 * parameter update.
 *
 *     x (N, 3, H, W) -> Conv2d(3, 8, 3, padding=1, padding_mode='reflect') -> BatchNorm2d(8)
 *       -> ReLU -> Conv2d(8, 3, 1) -> y;   loss = mse(y, filter(x))
 *
 * The target filter is a fixed 3x3 convolution (a sharpen on each channel plus a little colour
 * mixing, reflect-padded) applied to the same generated images by oclnn's own forward pass. The
 * images are smooth random patterns (sums of a few sinusoids plus noise), a new batch every step.
 *
 * usage: train_filter [--steps N] [--lr LR] [--momentum M] [--batch N] [--size S] [--quiet]
 * (defaults: 200 steps, lr 0.05, momentum 0.9, batch 8, 32x32 images)
 *
 * Prints the loss as it trains and, at the end, the loss of the trained network in eval mode
 * (BatchNorm with its running statistics) on a fresh batch. Exits 0 when the eval loss fell
 * below a tenth of the loss at the first step, 1 when it did not, 2 on an oclnn or usage error.
 * Every oclnn call is checked; a failure prints the status name and the context's message.
 */
#include <oclnn.h>

#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define CHANNELS 3
#define HIDDEN 8
#define PI 3.14159265358979323846

typedef struct options {
  int steps, batch, size, quiet;
  double lr, momentum;
} options;

/* Prints what failed and why; returns 1 when status is OCLNN_SUCCESS. */
static int ok(const oclnn_context *ctx, oclnn_status status, const char *what) {
  if (status == OCLNN_SUCCESS)
    return 1;
  fprintf(stderr, "train_filter: %s failed: %s: %s\n", what, oclnn_status_string(status),
          oclnn_context_error(ctx));
  return 0;
}

static uint64_t rng_state = 0x2545f4914f6cdd1dull;

static double uniform(double lo, double hi) { /* xorshift64*, [lo, hi) */
  rng_state ^= rng_state >> 12;
  rng_state ^= rng_state << 25;
  rng_state ^= rng_state >> 27;
  uint64_t bits = (rng_state * 0x2545f4914f6cdd1dull) >> 11;
  return lo + (hi - lo) * ((double)bits / 9007199254740992.0);
}

/* A batch of smooth random images in about [-1, 1]. */
static void make_images(float *x, int n, int size) {
  for (int b = 0; b < n; b++)
    for (int c = 0; c < CHANNELS; c++) {
      double fx[3], fy[3], phase[3], amp[3];
      for (int k = 0; k < 3; k++) {
        fx[k] = uniform(0.5, 6.0) * 2.0 * PI / size;
        fy[k] = uniform(0.5, 6.0) * 2.0 * PI / size;
        phase[k] = uniform(0.0, 2.0 * PI);
        amp[k] = uniform(0.1, 0.4);
      }
      float *plane = x + ((size_t)b * CHANNELS + (size_t)c) * (size_t)size * (size_t)size;
      for (int i = 0; i < size; i++)
        for (int j = 0; j < size; j++) {
          double v = uniform(-0.05, 0.05);
          for (int k = 0; k < 3; k++)
            v += amp[k] * sin(fx[k] * j + fy[k] * i + phase[k]);
          plane[(size_t)i * (size_t)size + (size_t)j] = (float)v;
        }
    }
}

/* The filter to learn: per output channel, a sharpen of its own channel plus 0.2 of the next
 * one's centre pixel. */
static void make_filter(float *w, float *bias) {
  static const float sharpen[9] = {0, -1, 0, -1, 5, -1, 0, -1, 0};
  memset(w, 0, CHANNELS * CHANNELS * 9 * sizeof *w);
  for (int o = 0; o < CHANNELS; o++) {
    for (int k = 0; k < 9; k++)
      w[(o * CHANNELS + o) * 9 + k] = sharpen[k];
    w[(o * CHANNELS + (o + 1) % CHANNELS) * 9 + 4] = 0.2f;
    bias[o] = 0.05f * (float)(o - 1);
  }
}

/* torch's default initialisation of a convolution: weights and bias uniform in
 * +-1/sqrt(fan_in) (kaiming_uniform with a = sqrt(5) gives the same bound for the weights). */
static void init_conv(float *w, size_t wn, float *b, size_t bn, int fan_in) {
  double bound = 1.0 / sqrt((double)fan_in);
  for (size_t i = 0; i < wn; i++)
    w[i] = (float)uniform(-bound, bound);
  for (size_t i = 0; i < bn; i++)
    b[i] = (float)uniform(-bound, bound);
}

static int parse(int argc, char **argv, options *opt) {
  *opt = (options){.steps = 200, .batch = 8, .size = 32, .quiet = 0, .lr = 0.05, .momentum = 0.9};
  for (int i = 1; i < argc; i++) {
    const char *a = argv[i], *next = i + 1 < argc ? argv[i + 1] : NULL;
    if (!strcmp(a, "--quiet")) {
      opt->quiet = 1;
      continue;
    }
    if (!next) {
      fprintf(stderr, "train_filter: unknown option or missing value: %s\n", a);
      return 0;
    }
    char *end = NULL;
    double v = strtod(next, &end);
    if (!end || *end || !isfinite(v)) {
      fprintf(stderr, "train_filter: %s needs a number, got %s\n", a, next);
      return 0;
    }
    if (!strcmp(a, "--steps") && v >= 1 && v <= 100000)
      opt->steps = (int)v;
    else if (!strcmp(a, "--batch") && v >= 2 && v <= 1024)
      opt->batch = (int)v;
    else if (!strcmp(a, "--size") && v >= 4 && v <= 1024)
      opt->size = (int)v;
    else if (!strcmp(a, "--lr") && v > 0)
      opt->lr = v;
    else if (!strcmp(a, "--momentum") && v >= 0 && v < 1)
      opt->momentum = v;
    else {
      fprintf(stderr, "train_filter: bad option %s %s\n", a, next);
      return 0;
    }
    i++;
  }
  return 1;
}

/* Every device tensor of the run, freed together. */
enum {
  T_X,      /* input batch (N, 3, S, S) */
  T_TARGET, /* filter(x) */
  T_FILTER_W,
  T_FILTER_B,
  T_W1, /* Conv2d(3, 8, 3) */
  T_B1,
  T_Z1, /* its output (N, 8, S, S) */
  T_GAMMA,
  T_BETA,
  T_RUN_MEAN,
  T_RUN_VAR,
  T_SAVE_MEAN,
  T_SAVE_INVSTD,
  T_H,  /* relu(BatchNorm(z1)): the BatchNorm layer fuses the ReLU */
  T_W2, /* Conv2d(8, 3, 1) */
  T_B2,
  T_Y,
  T_LOSS,
  T_GY, /* gradients */
  T_GH,
  T_GZ1,
  T_GW1,
  T_GB1,
  T_GGAMMA,
  T_GBETA,
  T_GW2,
  T_GB2,
  T_MW1, /* momentum buffers */
  T_MB1,
  T_MGAMMA,
  T_MBETA,
  T_MW2,
  T_MB2,
  T_COUNT
};

int main(int argc, char **argv) {
  options opt;
  if (!parse(argc, argv, &opt)) {
    fprintf(stderr, "usage: train_filter [--steps N] [--lr LR] [--momentum M] [--batch N] "
                    "[--size S] [--quiet]\n");
    return 2;
  }
  const int64_t n = opt.batch, s = opt.size;
  const size_t image_count = (size_t)n * CHANNELS * (size_t)s * (size_t)s;
  int result = 2;
  oclnn_context *ctx = NULL;
  oclnn_conv *filter = NULL, *conv1 = NULL, *conv2 = NULL;
  oclnn_batch_norm *bn = NULL;
  oclnn_act *act = NULL;
  oclnn_tensor t[T_COUNT];
  memset(t, 0, sizeof t);
  float *host_x = malloc(image_count * sizeof *host_x);
  if (!host_x) {
    fprintf(stderr, "train_filter: out of host memory\n");
    return 2;
  }

  oclnn_context_options copt = oclnn_context_options_default();
  if (!ok(NULL, oclnn_context_create(&copt, &ctx), "oclnn_context_create"))
    goto done;

  /* Layers. */
  oclnn_conv_desc fd = oclnn_conv_desc_default(2, CHANNELS, CHANNELS, 3);
  fd.padding[0] = fd.padding[1] = 1;
  fd.padding_mode = OCLNN_CONV_REFLECT;
  oclnn_conv_desc d1 = fd;
  d1.out_channels = HIDDEN;
  oclnn_conv_desc d2 = oclnn_conv_desc_default(2, HIDDEN, CHANNELS, 1);
  oclnn_batch_norm_desc bd = oclnn_batch_norm_desc_default(2, HIDDEN);
  bd.fuse_relu = 1;
  if (!ok(ctx, oclnn_conv_create(ctx, &fd, &filter), "creating the filter") ||
      !ok(ctx, oclnn_conv_create(ctx, &d1, &conv1), "creating conv1") ||
      !ok(ctx, oclnn_conv_create(ctx, &d2, &conv2), "creating conv2") ||
      !ok(ctx, oclnn_batch_norm_create(ctx, &bd, &bn), "creating the BatchNorm") ||
      !ok(ctx, oclnn_act_create(ctx, &act), "creating the activation handle"))
    goto done;

  /* Tensors. */
  const int64_t image[4] = {n, CHANNELS, s, s}, hidden[4] = {n, HIDDEN, s, s};
  const int64_t filter_w[4] = {CHANNELS, CHANNELS, 3, 3}, w1[4] = {HIDDEN, CHANNELS, 3, 3};
  const int64_t w2[4] = {CHANNELS, HIDDEN, 1, 1}, c3[1] = {CHANNELS}, c8[1] = {HIDDEN};
  const int64_t one[1] = {1};
  struct {
    int id, rank;
    const int64_t *shape;
  } shapes[] = {{T_X, 4, image},        {T_TARGET, 4, image}, {T_FILTER_W, 4, filter_w},
                {T_FILTER_B, 1, c3},    {T_W1, 4, w1},        {T_B1, 1, c8},
                {T_Z1, 4, hidden},      {T_GAMMA, 1, c8},     {T_BETA, 1, c8},
                {T_RUN_MEAN, 1, c8},    {T_RUN_VAR, 1, c8},   {T_SAVE_MEAN, 1, c8},
                {T_SAVE_INVSTD, 1, c8}, {T_H, 4, hidden},     {T_W2, 4, w2},
                {T_B2, 1, c3},          {T_Y, 4, image},      {T_LOSS, 1, one},
                {T_GY, 4, image},       {T_GH, 4, hidden},    {T_GZ1, 4, hidden},
                {T_GW1, 4, w1},         {T_GB1, 1, c8},       {T_GGAMMA, 1, c8},
                {T_GBETA, 1, c8},       {T_GW2, 4, w2},       {T_GB2, 1, c3},
                {T_MW1, 4, w1},         {T_MB1, 1, c8},       {T_MGAMMA, 1, c8},
                {T_MBETA, 1, c8},       {T_MW2, 4, w2},       {T_MB2, 1, c3}};
  for (size_t i = 0; i < sizeof shapes / sizeof shapes[0]; i++)
    if (!ok(ctx, oclnn_tensor_alloc(ctx, shapes[i].rank, shapes[i].shape, &t[shapes[i].id]),
            "allocating a tensor"))
      goto done;

  /* Parameters: the fixed filter, torch's default initialisation for the network. */
  float fw[CHANNELS * CHANNELS * 9], fb[CHANNELS], hw1[HIDDEN * CHANNELS * 9], hb1[HIDDEN];
  float hw2[CHANNELS * HIDDEN], hb2[CHANNELS], ones[HIDDEN], zeros[HIDDEN];
  make_filter(fw, fb);
  init_conv(hw1, sizeof hw1 / sizeof *hw1, hb1, HIDDEN, CHANNELS * 9);
  init_conv(hw2, sizeof hw2 / sizeof *hw2, hb2, CHANNELS, HIDDEN);
  for (int i = 0; i < HIDDEN; i++) {
    ones[i] = 1.0f;
    zeros[i] = 0.0f;
  }
  if (!ok(ctx, oclnn_tensor_upload(ctx, &t[T_FILTER_W], fw, 27 * 3), "uploading") ||
      !ok(ctx, oclnn_tensor_upload(ctx, &t[T_FILTER_B], fb, CHANNELS), "uploading") ||
      !ok(ctx, oclnn_tensor_upload(ctx, &t[T_W1], hw1, HIDDEN * CHANNELS * 9), "uploading") ||
      !ok(ctx, oclnn_tensor_upload(ctx, &t[T_B1], hb1, HIDDEN), "uploading") ||
      !ok(ctx, oclnn_tensor_upload(ctx, &t[T_W2], hw2, CHANNELS * HIDDEN), "uploading") ||
      !ok(ctx, oclnn_tensor_upload(ctx, &t[T_B2], hb2, CHANNELS), "uploading") ||
      !ok(ctx, oclnn_tensor_upload(ctx, &t[T_GAMMA], ones, HIDDEN), "uploading") ||
      !ok(ctx, oclnn_tensor_upload(ctx, &t[T_BETA], zeros, HIDDEN), "uploading") ||
      !ok(ctx, oclnn_tensor_upload(ctx, &t[T_RUN_MEAN], zeros, HIDDEN), "uploading") ||
      !ok(ctx, oclnn_tensor_upload(ctx, &t[T_RUN_VAR], ones, HIDDEN), "uploading"))
    goto done;

  /* The parameters with their gradients and momentum buffers, for the update. */
  const int params[6][3] = {{T_W1, T_GW1, T_MW1},          {T_B1, T_GB1, T_MB1},
                            {T_GAMMA, T_GGAMMA, T_MGAMMA}, {T_BETA, T_GBETA, T_MBETA},
                            {T_W2, T_GW2, T_MW2},          {T_B2, T_GB2, T_MB2}};
  oclnn_sgd_desc sgd = oclnn_sgd_desc_default(opt.lr);
  sgd.momentum = opt.momentum;
  int64_t batches_tracked = 0;
  float first_loss = NAN, loss = NAN;

  for (int step = 1; step <= opt.steps; step++) {
    make_images(host_x, (int)n, (int)s);
    if (!ok(ctx, oclnn_tensor_upload(ctx, &t[T_X], host_x, image_count), "uploading images") ||
        !ok(ctx, oclnn_conv_forward(filter, &t[T_X], &t[T_FILTER_W], &t[T_FILTER_B], &t[T_TARGET]),
            "the target filter"))
      goto done;
    /* Forward, keeping what backward needs. */
    if (!ok(ctx, oclnn_conv_forward(conv1, &t[T_X], &t[T_W1], &t[T_B1], &t[T_Z1]), "conv1") ||
        !ok(ctx,
            oclnn_batch_norm_forward_save(bn, 1, &t[T_Z1], &t[T_GAMMA], &t[T_BETA], &t[T_RUN_MEAN],
                                          &t[T_RUN_VAR], &batches_tracked, NULL, &t[T_H],
                                          &t[T_SAVE_MEAN], &t[T_SAVE_INVSTD]),
            "BatchNorm + ReLU") ||
        !ok(ctx, oclnn_conv_forward(conv2, &t[T_H], &t[T_W2], &t[T_B2], &t[T_Y]), "conv2") ||
        !ok(ctx, oclnn_act_mse_loss(act, &t[T_Y], &t[T_TARGET], &t[T_LOSS], &t[T_GY]), "the loss"))
      goto done;
    /* Backward, from the loss to every parameter. The BatchNorm layer fused the ReLU, so the
     * ReLU's backward (on its output h) comes first, in place. */
    if (!ok(ctx,
            oclnn_conv_backward(conv2, &t[T_H], &t[T_W2], &t[T_GY], &t[T_GH], &t[T_GW2], &t[T_GB2]),
            "conv2 backward") ||
        !ok(ctx, oclnn_act_relu_backward(act, &t[T_H], &t[T_GH], &t[T_GH]), "ReLU backward") ||
        !ok(ctx,
            oclnn_batch_norm_backward(bn, 1, &t[T_Z1], &t[T_GAMMA], &t[T_SAVE_MEAN],
                                      &t[T_SAVE_INVSTD], &t[T_GH], &t[T_GZ1], &t[T_GGAMMA],
                                      &t[T_GBETA]),
            "BatchNorm backward") ||
        !ok(ctx, oclnn_conv_backward(conv1, &t[T_X], NULL, &t[T_GZ1], NULL, &t[T_GW1], &t[T_GB1]),
            "conv1 backward"))
      goto done;
    for (int p = 0; p < 6; p++)
      if (!ok(ctx,
              oclnn_act_sgd_step(act, &sgd, step, &t[params[p][0]], &t[params[p][1]],
                                 &t[params[p][2]]),
              "the SGD step"))
        goto done;
    if (step == 1 || step % 10 == 0 || step == opt.steps) {
      if (!ok(ctx, oclnn_tensor_download(ctx, &t[T_LOSS], &loss, 1), "reading the loss"))
        goto done;
      if (step == 1)
        first_loss = loss;
      if (!opt.quiet)
        printf("step %4d  loss %.6f\n", step, (double)loss);
    }
  }

  /* The trained network in eval mode, on a batch it has not seen. */
  make_images(host_x, (int)n, (int)s);
  float eval_loss = NAN;
  if (!ok(ctx, oclnn_tensor_upload(ctx, &t[T_X], host_x, image_count), "uploading images") ||
      !ok(ctx, oclnn_conv_forward(filter, &t[T_X], &t[T_FILTER_W], &t[T_FILTER_B], &t[T_TARGET]),
          "the target filter") ||
      !ok(ctx, oclnn_conv_forward(conv1, &t[T_X], &t[T_W1], &t[T_B1], &t[T_Z1]), "conv1") ||
      !ok(ctx,
          oclnn_batch_norm_forward(bn, 0, &t[T_Z1], &t[T_GAMMA], &t[T_BETA], &t[T_RUN_MEAN],
                                   &t[T_RUN_VAR], NULL, NULL, &t[T_H]),
          "BatchNorm (eval)") ||
      !ok(ctx, oclnn_conv_forward(conv2, &t[T_H], &t[T_W2], &t[T_B2], &t[T_Y]), "conv2") ||
      !ok(ctx, oclnn_act_mse_loss(act, &t[T_Y], &t[T_TARGET], &t[T_LOSS], NULL), "the loss") ||
      !ok(ctx, oclnn_tensor_download(ctx, &t[T_LOSS], &eval_loss, 1), "reading the loss"))
    goto done;
  printf("first loss %.6f, last training loss %.6f, eval loss on a new batch %.6f "
         "(%d steps, %lld BatchNorm batches tracked)\n",
         (double)first_loss, (double)loss, (double)eval_loss, opt.steps,
         (long long)batches_tracked);
  result = eval_loss < 0.1f * first_loss ? 0 : 1;
  if (result)
    printf("train_filter: the loss did not fall below a tenth of the first step's\n");

done:
  for (int i = 0; i < T_COUNT; i++)
    oclnn_tensor_free(&t[i]);
  oclnn_conv_free(filter);
  oclnn_conv_free(conv1);
  oclnn_conv_free(conv2);
  oclnn_batch_norm_free(bn);
  oclnn_act_free(act);
  oclnn_context_free(ctx);
  free(host_x);
  return result;
}
