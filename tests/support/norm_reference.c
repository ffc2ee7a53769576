/* Double-precision references of the normalization layers; see norm_reference.h. Written for
 * clarity, not speed: two-pass moments in double, formulas as in SPEC.md. */
#include "norm_reference.h"

#include <math.h>
#include <stdlib.h>

void norm_ref_moments(const float *x, size_t A, size_t G, size_t B, double *mean, double *var) {
  for (size_t g = 0; g < G; g++) {
    double sum = 0.0, sq = 0.0;
    size_t count = A * B;
    for (size_t a = 0; a < A; a++)
      for (size_t b = 0; b < B; b++)
        sum += x[(a * G + g) * B + b];
    double m = sum / (double)count;
    for (size_t a = 0; a < A; a++)
      for (size_t b = 0; b < B; b++) {
        double d = x[(a * G + g) * B + b] - m;
        sq += d * d;
      }
    mean[g] = m;
    var[g] = sq / (double)count;
  }
}

static double finish(double v, const float *residual, size_t i, int relu) {
  if (residual)
    v += residual[i];
  if (relu && v < 0.0)
    v = 0.0;
  return v;
}

/* y over (N, C, S) with per-(n, c) mean/var given by index functions. */
static void apply_rows(const float *x, size_t N, size_t C, size_t S, const double *mean,
                       const double *var, size_t stride_n, size_t stride_c, double eps,
                       const float *weight, const float *bias, const float *residual, int relu,
                       double *y) {
  for (size_t n = 0; n < N; n++)
    for (size_t c = 0; c < C; c++) {
      size_t k = n * stride_n + c * stride_c;
      double rstd = 1.0 / sqrt(var[k] + eps);
      double w = weight ? weight[c] : 1.0, b = bias ? bias[c] : 0.0;
      for (size_t s = 0; s < S; s++) {
        size_t i = (n * C + c) * S + s;
        y[i] = finish((x[i] - mean[k]) * rstd * w + b, residual, i, relu);
      }
    }
}

void norm_ref_batch(const float *x, size_t N, size_t C, size_t S, double eps, int batch_stats,
                    const float *weight, const float *bias, double *running_mean,
                    double *running_var, int update, double factor, const float *residual, int relu,
                    double *y) {
  double *mean = calloc(C + 1, sizeof *mean), *var = calloc(C + 1, sizeof *var);
  size_t count = N * S;
  if (count > 0) {
    norm_ref_moments(x, N, C, S, mean, var);
    if (update)
      for (size_t c = 0; c < C; c++) {
        running_mean[c] = factor * mean[c] + (1.0 - factor) * running_mean[c];
        running_var[c] =
            factor * var[c] * (double)count / (double)(count - 1) + (1.0 - factor) * running_var[c];
      }
  }
  if (count > 0 && !batch_stats)
    for (size_t c = 0; c < C; c++) {
      mean[c] = running_mean[c];
      var[c] = running_var[c];
    }
  apply_rows(x, N, C, S, mean, var, 0, 1, eps, weight, bias, residual, relu, y);
  free(mean);
  free(var);
}

void norm_ref_instance(const float *x, size_t N, size_t C, size_t S, double eps, int instance_stats,
                       const float *weight, const float *bias, double *running_mean,
                       double *running_var, int update, double momentum, const float *residual,
                       int relu, double *y) {
  double *mean = calloc(N * C + 1, sizeof *mean), *var = calloc(N * C + 1, sizeof *var);
  norm_ref_moments(x, 1, N * C, S, mean, var);
  if (update && (N == 0 || S > 0))
    for (size_t c = 0; c < C; c++) {
      double m = 0.0, v = 0.0;
      for (size_t n = 0; n < N; n++) {
        m += mean[n * C + c];
        v += var[n * C + c] * (double)S / (double)(S - 1);
      }
      m /= (double)N; /* NaN for an empty batch, like torch */
      v /= (double)N;
      running_mean[c] = momentum * m + (1.0 - momentum) * running_mean[c];
      running_var[c] = momentum * v + (1.0 - momentum) * running_var[c];
    }
  if (instance_stats)
    apply_rows(x, N, C, S, mean, var, C, 1, eps, weight, bias, residual, relu, y);
  else
    apply_rows(x, N, C, S, running_mean, running_var, 0, 1, eps, weight, bias, residual, relu, y);
  free(mean);
  free(var);
}

void norm_ref_layer(const float *x, size_t rows, size_t M, double eps, const float *weight,
                    const float *bias, const float *residual, int relu, double *y) {
  double *mean = calloc(rows + 1, sizeof *mean), *var = calloc(rows + 1, sizeof *var);
  norm_ref_moments(x, 1, rows, M, mean, var);
  for (size_t r = 0; r < rows; r++) {
    double rstd = 1.0 / sqrt(var[r] + eps);
    for (size_t m = 0; m < M; m++) {
      size_t i = r * M + m;
      double v = (x[i] - mean[r]) * rstd;
      if (weight)
        v *= weight[m];
      if (bias)
        v += bias[m];
      y[i] = finish(v, residual, i, relu);
    }
  }
  free(mean);
  free(var);
}

void norm_ref_group(const float *x, size_t N, size_t C, size_t S, size_t G, double eps,
                    const float *weight, const float *bias, const float *residual, int relu,
                    double *y) {
  size_t per = C / G;
  double *mean = calloc(N * G + 1, sizeof *mean), *var = calloc(N * G + 1, sizeof *var);
  norm_ref_moments(x, 1, N * G, per * S, mean, var);
  for (size_t n = 0; n < N; n++)
    for (size_t c = 0; c < C; c++) {
      size_t g = n * G + c / per;
      double rstd = 1.0 / sqrt(var[g] + eps);
      double w = weight ? weight[c] : 1.0, b = bias ? bias[c] : 0.0;
      for (size_t s = 0; s < S; s++) {
        size_t i = (n * C + c) * S + s;
        y[i] = finish((x[i] - mean[g]) * rstd * w + b, residual, i, relu);
      }
    }
  free(mean);
  free(var);
}

void norm_ref_lrn(const float *x, size_t N, size_t C, size_t S, long size, double alpha,
                  double beta, double k, double *y) {
  long before = size / 2, after = (size - 1) / 2;
  for (size_t n = 0; n < N; n++)
    for (long c = 0; c < (long)C; c++)
      for (size_t s = 0; s < S; s++) {
        double sum = 0.0;
        for (long j = c - before; j <= c + after; j++)
          if (j >= 0 && j < (long)C) {
            double v = x[(n * C + (size_t)j) * S + s];
            sum += v * v;
          }
        size_t i = (n * C + (size_t)c) * S + s;
        y[i] = x[i] / pow(k + alpha / (double)size * sum, beta);
      }
}

static void softmax(const float *logits, int count, double *w) {
  double top = logits[0], sum = 0.0;
  for (int i = 1; i < count; i++)
    top = logits[i] > top ? logits[i] : top;
  for (int i = 0; i < count; i++)
    sum += w[i] = exp(logits[i] - top);
  for (int i = 0; i < count; i++)
    w[i] /= sum;
  for (int i = count; i < 3; i++)
    w[i] = 0.0;
}

void norm_ref_switchable(const float *x, size_t N, size_t C, size_t S, double eps, int training,
                         int using_bn, int moving_average, double momentum, const float *weight,
                         const float *bias, const float *mean_weight, const float *var_weight,
                         double *running_mean, double *running_var, const float *residual, int relu,
                         double *y) {
  size_t rows = N * C;
  double *mean_in = calloc(rows + 1, sizeof(double)), *var_in = calloc(rows + 1, sizeof(double));
  double *mean_ln = calloc(N + 1, sizeof(double)), *var_ln = calloc(N + 1, sizeof(double));
  double *mean_bn = calloc(C + 1, sizeof(double)), *var_bn = calloc(C + 1, sizeof(double));
  norm_ref_moments(x, 1, rows, S, mean_in, var_in);
  for (size_t r = 0; r < rows; r++)
    var_in[r] = var_in[r] * (double)S / (double)(S - 1); /* unbiased; S == 1: NaN */
  for (size_t n = 0; n < N; n++) {
    double m = 0.0, t = 0.0;
    for (size_t c = 0; c < C; c++) {
      m += mean_in[n * C + c];
      t += var_in[n * C + c] + mean_in[n * C + c] * mean_in[n * C + c];
    }
    mean_ln[n] = m / (double)C;
    var_ln[n] = t / (double)C - mean_ln[n] * mean_ln[n];
  }
  if (using_bn) {
    for (size_t c = 0; c < C; c++) {
      if (training) {
        double m = 0.0, t = 0.0;
        for (size_t n = 0; n < N; n++) {
          m += mean_in[n * C + c];
          t += var_in[n * C + c] + mean_in[n * C + c] * mean_in[n * C + c];
        }
        mean_bn[c] = m / (double)N;
        var_bn[c] = t / (double)N - mean_bn[c] * mean_bn[c];
        if (moving_average) {
          running_mean[c] = momentum * running_mean[c] + (1.0 - momentum) * mean_bn[c];
          running_var[c] = momentum * running_var[c] + (1.0 - momentum) * var_bn[c];
        } else {
          running_mean[c] += mean_bn[c];
          running_var[c] += mean_bn[c] * mean_bn[c] + var_bn[c];
        }
      } else {
        mean_bn[c] = running_mean[c];
        var_bn[c] = running_var[c];
      }
    }
  }
  double wm[3], wv[3];
  softmax(mean_weight, using_bn ? 3 : 2, wm);
  softmax(var_weight, using_bn ? 3 : 2, wv);
  for (size_t n = 0; n < N; n++)
    for (size_t c = 0; c < C; c++) {
      size_t r = n * C + c;
      double m = wm[0] * mean_in[r] + wm[1] * mean_ln[n] + (using_bn ? wm[2] * mean_bn[c] : 0.0);
      double v = wv[0] * var_in[r] + wv[1] * var_ln[n] + (using_bn ? wv[2] * var_bn[c] : 0.0);
      double rstd = 1.0 / sqrt(v + eps);
      for (size_t s = 0; s < S; s++) {
        size_t i = r * S + s;
        y[i] = finish((x[i] - m) * rstd * weight[c] + bias[c], residual, i, relu);
      }
    }
  free(mean_in);
  free(var_in);
  free(mean_ln);
  free(var_ln);
  free(mean_bn);
  free(var_bn);
}

/* --- suite helpers --- */

void norm_test_random(float *x, size_t count, uint64_t seed, double scale, double offset) {
  test_fill_random(x, count, seed);
  for (size_t i = 0; i < count; i++)
    x[i] = (float)(offset + scale * x[i]);
}

void norm_test_normal(float *x, size_t count, uint64_t seed, double scale, double offset) {
  float u[2];
  for (size_t i = 0; i < count; i += 2) {
    test_fill_random(u, 2, seed * 0x9e3779b97f4a7c15ULL + i);
    double a = 0.5 * (u[0] + 1.0) + 1e-12, b = 3.14159265358979323846 * (u[1] + 1.0);
    double r = sqrt(-2.0 * log(a));
    x[i] = (float)(offset + scale * r * cos(b));
    if (i + 1 < count)
      x[i + 1] = (float)(offset + scale * r * sin(b));
  }
}

uint64_t norm_test_pick(uint64_t *state, uint64_t bound) {
  *state = *state * 6364136223846793005ULL + 1442695040888963407ULL;
  return bound ? (*state >> 33) % bound : 0;
}

float *norm_test_download(oclnn_context *ctx, const oclnn_tensor *t) {
  size_t count = test_numel(t->rank, t->shape);
  float *host = malloc((count ? count : 1) * sizeof *host);
  cr_assert(host);
  if (count)
    TEST_OK(ctx, oclnn_tensor_download(ctx, t, host, count));
  return host;
}

static double worst_ratio;

double norm_test_worst(int reset) {
  double w = worst_ratio;
  if (reset)
    worst_ratio = 0.0;
  return w;
}

void norm_test_close(const char *what, const float *got, const double *want, size_t count,
                     double atol, double rtol) {
  for (size_t i = 0; i < count; i++) {
    double g = got[i], w = want[i];
    if (isfinite(g) && isfinite(w)) {
      double ratio = fabs(g - w) / (atol + rtol * fabs(w));
      if (ratio > worst_ratio)
        worst_ratio = ratio;
    }
  }
  test_assert_close(what, got, want, count, atol, rtol);
}
