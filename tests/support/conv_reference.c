#include "conv_reference.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const char *const MODES[] = {"zeros", "reflect", "replicate", "circular"};

void conv_ref_padding(const oclnn_conv_desc *desc, int i, int64_t *before, int64_t *after) {
  switch (desc->padding_type) {
  case OCLNN_CONV_PADDING_SAME: {
    int64_t total = desc->dilation[i] * (desc->kernel_size[i] - 1);
    *before = total / 2;
    *after = total - *before;
    break;
  }
  case OCLNN_CONV_PADDING_VALID:
    *before = *after = 0;
    break;
  default:
    *before = *after = desc->padding[i];
    break;
  }
}

bool conv_ref_output_shape(const oclnn_conv_desc *desc, int rank, const int64_t *in_shape,
                           int64_t *out_shape) {
  const int dims = desc->dims;
  if (rank != dims + 1 && rank != dims + 2)
    return false;
  const int first = rank - dims;
  for (int i = 0; i < rank; i++)
    if (in_shape[i] < 0)
      return false;
  if (in_shape[first - 1] != desc->in_channels)
    return false;
  for (int i = 0; i < first; i++)
    out_shape[i] = in_shape[i];
  out_shape[first - 1] = desc->out_channels;
  for (int i = 0; i < dims; i++) {
    int64_t n = in_shape[first + i] * desc->input_upsample[i], before, after;
    if (n < 1)
      return false;
    conv_ref_padding(desc, i, &before, &after);
    if (desc->padding_mode == OCLNN_CONV_REFLECT && (before >= n || after >= n))
      return false;
    if (desc->padding_mode == OCLNN_CONV_CIRCULAR && (before > n || after > n))
      return false;
    int64_t padded = n + before + after;
    int64_t span = desc->dilation[i] * (desc->kernel_size[i] - 1) + 1;
    if (padded < span)
      return false;
    out_shape[first + i] = (padded - span) / desc->stride[i] + 1;
  }
  return true;
}

/* The input coordinate that padded coordinate p (p - before in input terms) reads, or -1. */
static int64_t source(oclnn_conv_padding_mode mode, int64_t x, int64_t n) {
  switch (mode) {
  case OCLNN_CONV_REFLECT: {
    if (n == 1)
      return 0;
    int64_t period = 2 * (n - 1);
    int64_t m = ((x % period) + period) % period;
    return m < n ? m : period - m;
  }
  case OCLNN_CONV_REPLICATE:
    return x < 0 ? 0 : x >= n ? n - 1 : x;
  case OCLNN_CONV_CIRCULAR:
    return ((x % n) + n) % n;
  default:
    return (x >= 0 && x < n) ? x : -1;
  }
}

int64_t conv_ref_terms(const oclnn_conv_desc *desc) {
  int64_t terms = desc->in_channels / desc->groups;
  for (int i = 0; i < desc->dims; i++)
    terms *= desc->kernel_size[i];
  return terms;
}

bool conv_ref_forward(const oclnn_conv_desc *desc, int rank, const int64_t *in_shape,
                      const float *input, const float *weight, const float *bias, double *out) {
  int64_t out_shape[5];
  if (!conv_ref_output_shape(desc, rank, in_shape, out_shape))
    return false;
  const int dims = desc->dims, first = rank - dims;
  const int64_t batch = first == 2 ? in_shape[0] : 1;
  const int64_t channels = desc->in_channels, out_channels = desc->out_channels;
  /* 3d view: size-1 leading dims. */
  int64_t n[3] = {1, 1, 1}, o[3] = {1, 1, 1}, k[3] = {1, 1, 1}, s[3] = {1, 1, 1}, d[3] = {1, 1, 1};
  int64_t before[3] = {0, 0, 0}, after[3] = {0, 0, 0}, p[3] = {1, 1, 1};
  int64_t f[3] = {1, 1, 1}, in[3] = {1, 1, 1}; /* upsampling factor; n = in * f */
  for (int i = 0; i < dims; i++) {
    int a = 3 - dims + i;
    f[a] = desc->input_upsample[i];
    in[a] = in_shape[first + i];
    n[a] = in[a] * f[a];
    o[a] = out_shape[first + i];
    k[a] = desc->kernel_size[i];
    s[a] = desc->stride[i];
    d[a] = desc->dilation[i];
    conv_ref_padding(desc, i, &before[a], &after[a]);
  }
  for (int a = 0; a < 3; a++)
    p[a] = n[a] + before[a] + after[a];

  /* 1. The padded input, as F.pad(mode) would produce it. */
  const size_t padded_plane = (size_t)(p[0] * p[1] * p[2]);
  const size_t in_plane = (size_t)(in[0] * in[1] * in[2]);
  double *padded = malloc(sizeof(double) * (size_t)(batch * channels) * padded_plane + 1);
  if (!padded)
    return false;
  for (int64_t bc = 0; bc < batch * channels; bc++) {
    for (int64_t z = 0; z < p[0]; z++) {
      int64_t sz = source(desc->padding_mode, z - before[0], n[0]);
      for (int64_t y = 0; y < p[1]; y++) {
        int64_t sy = source(desc->padding_mode, y - before[1], n[1]);
        for (int64_t x = 0; x < p[2]; x++) {
          int64_t sx = source(desc->padding_mode, x - before[2], n[2]);
          double v = 0.0;
          if (sz >= 0 && sy >= 0 && sx >= 0)
            v = input[(size_t)bc * in_plane +
                      (size_t)(((sz / f[0]) * in[1] + sy / f[1]) * in[2] + sx / f[2])];
          padded[(size_t)bc * padded_plane + (size_t)((z * p[1] + y) * p[2] + x)] = v;
        }
      }
    }
  }

  /* 2. Unpadded, grouped cross-correlation. */
  const int64_t groups = desc->groups;
  const int64_t group_in = channels / groups, group_out = out_channels / groups;
  const int64_t taps = k[0] * k[1] * k[2];
  size_t index = 0;
  for (int64_t b = 0; b < batch; b++) {
    for (int64_t oc = 0; oc < out_channels; oc++) {
      const int64_t g = oc / group_out;
      for (int64_t z = 0; z < o[0]; z++) {
        for (int64_t y = 0; y < o[1]; y++) {
          for (int64_t x = 0; x < o[2]; x++) {
            double acc = bias ? (double)bias[oc] : 0.0;
            for (int64_t c = 0; c < group_in; c++) {
              const double *plane =
                  padded + (size_t)(b * channels + g * group_in + c) * padded_plane;
              const float *w = weight + (size_t)((oc * group_in + c) * taps);
              for (int64_t kz = 0; kz < k[0]; kz++)
                for (int64_t ky = 0; ky < k[1]; ky++)
                  for (int64_t kx = 0; kx < k[2]; kx++) {
                    int64_t iz = z * s[0] + kz * d[0], iy = y * s[1] + ky * d[1],
                            ix = x * s[2] + kx * d[2];
                    acc += plane[(size_t)((iz * p[1] + iy) * p[2] + ix)] *
                           (double)w[(kz * k[1] + ky) * k[2] + kx];
                  }
            }
            out[index++] = acc;
          }
        }
      }
    }
  }
  free(padded);
  return true;
}

bool conv_ref_backward(const oclnn_conv_desc *desc, int rank, const int64_t *in_shape,
                       const float *input, const float *weight, const float *grad_out,
                       double *grad_in, double *grad_weight, double *grad_bias, double *grad_in_mag,
                       double *grad_weight_mag, double *grad_bias_mag) {
  int64_t out_shape[5];
  if (!conv_ref_output_shape(desc, rank, in_shape, out_shape))
    return false;
  const int dims = desc->dims, first = rank - dims;
  const int64_t batch = first == 2 ? in_shape[0] : 1;
  const int64_t channels = desc->in_channels, out_channels = desc->out_channels;
  int64_t n[3] = {1, 1, 1}, o[3] = {1, 1, 1}, k[3] = {1, 1, 1}, s[3] = {1, 1, 1}, d[3] = {1, 1, 1};
  int64_t before[3] = {0, 0, 0}, after[3] = {0, 0, 0}, f[3] = {1, 1, 1}, in[3] = {1, 1, 1};
  for (int i = 0; i < dims; i++) {
    int a = 3 - dims + i;
    f[a] = desc->input_upsample[i];
    in[a] = in_shape[first + i];
    n[a] = in[a] * f[a];
    o[a] = out_shape[first + i];
    k[a] = desc->kernel_size[i];
    s[a] = desc->stride[i];
    d[a] = desc->dilation[i];
    conv_ref_padding(desc, i, &before[a], &after[a]);
  }
  const size_t in_plane = (size_t)(in[0] * in[1] * in[2]);
  const size_t in_count = (size_t)(batch * channels) * in_plane;
  const int64_t groups = desc->groups;
  const int64_t group_in = channels / groups, group_out = out_channels / groups;
  const int64_t taps = k[0] * k[1] * k[2];
  const size_t w_count = (size_t)(out_channels * group_in * taps);
  double *zero[6] = {grad_in, grad_weight, grad_bias, grad_in_mag, grad_weight_mag, grad_bias_mag};
  const size_t counts[6] = {in_count, w_count, (size_t)out_channels,
                            in_count, w_count, (size_t)out_channels};
  for (int i = 0; i < 6; i++)
    if (zero[i])
      memset(zero[i], 0, counts[i] * sizeof(double));
  size_t index = 0;
  for (int64_t b = 0; b < batch; b++) {
    for (int64_t oc = 0; oc < out_channels; oc++) {
      const int64_t g = oc / group_out;
      for (int64_t z = 0; z < o[0]; z++) {
        for (int64_t y = 0; y < o[1]; y++) {
          for (int64_t x = 0; x < o[2]; x++) {
            const double go = grad_out[index++];
            if (grad_bias)
              grad_bias[oc] += go;
            if (grad_bias_mag)
              grad_bias_mag[oc] += fabs(go);
            for (int64_t c = 0; c < group_in; c++) {
              const size_t plane = (size_t)(b * channels + g * group_in + c) * in_plane;
              const size_t w_base = (size_t)((oc * group_in + c) * taps);
              for (int64_t kz = 0; kz < k[0]; kz++) {
                int64_t sz = source(desc->padding_mode, z * s[0] + kz * d[0] - before[0], n[0]);
                if (sz < 0)
                  continue;
                for (int64_t ky = 0; ky < k[1]; ky++) {
                  int64_t sy = source(desc->padding_mode, y * s[1] + ky * d[1] - before[1], n[1]);
                  if (sy < 0)
                    continue;
                  for (int64_t kx = 0; kx < k[2]; kx++) {
                    int64_t sx = source(desc->padding_mode, x * s[2] + kx * d[2] - before[2], n[2]);
                    if (sx < 0)
                      continue;
                    const size_t i =
                        plane + (size_t)(((sz / f[0]) * in[1] + sy / f[1]) * in[2] + sx / f[2]);
                    const size_t j = w_base + (size_t)((kz * k[1] + ky) * k[2] + kx);
                    if (grad_in)
                      grad_in[i] += go * (double)weight[j];
                    if (grad_in_mag)
                      grad_in_mag[i] += fabs(go * (double)weight[j]);
                    if (grad_weight)
                      grad_weight[j] += go * (double)input[i];
                    if (grad_weight_mag)
                      grad_weight_mag[j] += fabs(go * (double)input[i]);
                  }
                }
              }
            }
          }
        }
      }
    }
  }
  return true;
}

const char *conv_ref_describe(const oclnn_conv_desc *desc, int rank, const int64_t *in_shape,
                              char *buf, size_t size) {
  char shape[96] = "";
  size_t used = 0;
  for (int i = 0; i < rank && used < sizeof shape; i++)
    used += (size_t)snprintf(shape + used, sizeof shape - used, "%s%lld", i ? "x" : "",
                             (long long)in_shape[i]);
  const int dd = desc->dims;
  char k[48], s[48], p[48], d[48];
  const int64_t *arrays[4] = {desc->kernel_size, desc->stride, desc->padding, desc->dilation};
  char *outs[4] = {k, s, p, d};
  for (int a = 0; a < 4; a++) {
    size_t u = 0;
    for (int i = 0; i < dd && u < 48; i++)
      u += (size_t)snprintf(outs[a] + u, 48 - u, "%s%lld", i ? "," : "", (long long)arrays[a][i]);
  }
  const char *ptype = desc->padding_type == OCLNN_CONV_PADDING_SAME    ? "same"
                      : desc->padding_type == OCLNN_CONV_PADDING_VALID ? "valid"
                                                                       : p;
  char up[64] = "";
  if (desc->input_upsample[0] != 1 || desc->input_upsample[1] != 1 || desc->input_upsample[2] != 1)
    snprintf(up, sizeof up, " upsample(%lld,%lld,%lld)", (long long)desc->input_upsample[0],
             (long long)desc->input_upsample[1], (long long)desc->input_upsample[2]);
  snprintf(buf, size, "conv%dd %lld->%lld k(%s) s(%s) p(%s) d(%s) g%lld %s%s%s input %s", dd,
           (long long)desc->in_channels, (long long)desc->out_channels, k, s, ptype, d,
           (long long)desc->groups, MODES[desc->padding_mode & 3], desc->bias ? " bias" : "", up,
           shape);
  return buf;
}

/* ---- Test harness ---- */

#include "test_support.h"

#define GUARD 7
#define SENTINEL 12345.0f

static float *random_floats(size_t count, uint64_t seed) {
  float *data = malloc((count ? count : 1) * sizeof *data);
  cr_assert(data);
  test_fill_random(data, count, seed);
  return data;
}

conv_check_result conv_check(oclnn_context *ctx, const oclnn_conv_desc *desc, int rank,
                             const int64_t *in_shape, uint64_t seed,
                             const conv_check_options *options) {
  char what[256];
  conv_ref_describe(desc, rank, in_shape, what, sizeof what);
  oclnn_conv *conv = NULL;
  oclnn_status status = oclnn_conv_create(ctx, desc, &conv);
  if (status == OCLNN_ERR_UNSUPPORTED && desc->algo != OCLNN_CONV_ALGO_AUTO)
    return CONV_CHECK_UNSUPPORTED;
  cr_assert_eq(status, OCLNN_SUCCESS, "%s: create -> %s: %s", what, oclnn_status_string(status),
               oclnn_context_error(ctx));

  int64_t out_shape[OCLNN_MAX_RANK], ref_shape[OCLNN_MAX_RANK];
  cr_assert(conv_ref_output_shape(desc, rank, in_shape, ref_shape), "%s: invalid case", what);
  status = oclnn_conv_output_shape(conv, rank, in_shape, out_shape);
  cr_assert_eq(status, OCLNN_SUCCESS, "%s: output_shape -> %s: %s", what,
               oclnn_status_string(status), oclnn_context_error(ctx));
  for (int i = 0; i < rank; i++)
    cr_assert_eq(out_shape[i], ref_shape[i], "%s: output dim %d is %lld, expected %lld", what, i,
                 (long long)out_shape[i], (long long)ref_shape[i]);

  const int dims = desc->dims;
  int64_t w_shape[OCLNN_MAX_RANK] = {desc->out_channels, desc->in_channels / desc->groups};
  for (int i = 0; i < dims; i++)
    w_shape[2 + i] = desc->kernel_size[i];
  const int64_t b_shape[1] = {desc->out_channels};
  const size_t in_count = test_numel(rank, in_shape), out_count = test_numel(rank, out_shape);
  const size_t w_count = test_numel(dims + 2, w_shape), b_count = (size_t)desc->out_channels;

  float *in = options->input ? NULL : random_floats(in_count, seed * 3 + 1);
  float *w = options->weight ? NULL : random_floats(w_count, seed * 3 + 2);
  float *b = options->bias || !desc->bias ? NULL : random_floats(b_count, seed * 3 + 3);
  const float *in_data = options->input ? options->input : in;
  const float *w_data = options->weight ? options->weight : w;
  const float *b_data = desc->bias ? (options->bias ? options->bias : b) : NULL;

  double *want = NULL;
  if (!options->want) {
    want = malloc((out_count ? out_count : 1) * sizeof *want);
    cr_assert(want);
    cr_assert(conv_ref_forward(desc, rank, in_shape, in_data, w_data, b_data, want));
  }
  const double *expected = options->want ? options->want : want;

  /* Device buffers: the input and output views sit at offsets inside larger buffers. */
  const size_t in_total = options->in_offset + in_count;
  const size_t out_total = options->out_offset + out_count + 2 * GUARD;
  float *in_host = calloc(in_total ? in_total : 1, sizeof(float));
  float *out_host = malloc(out_total * sizeof(float));
  cr_assert(in_host && out_host);
  memcpy(in_host + options->in_offset, in_data, in_count * sizeof(float));
  for (size_t i = 0; i < out_total; i++)
    out_host[i] = SENTINEL;
  const int64_t in_flat[1] = {(int64_t)in_total}, out_flat[1] = {(int64_t)out_total};
  oclnn_tensor in_buf = test_tensor_from_host(ctx, 1, in_flat, in_host);
  oclnn_tensor out_buf = test_tensor_from_host(ctx, 1, out_flat, out_host);
  oclnn_tensor w_t = test_tensor_from_host(ctx, dims + 2, w_shape, w_data);
  oclnn_tensor b_t;
  memset(&b_t, 0, sizeof b_t);
  if (desc->bias)
    b_t = test_tensor_from_host(ctx, 1, b_shape, b_data);
  oclnn_tensor in_view = oclnn_tensor_view(in_buf.buffer, options->in_offset, rank, in_shape);
  oclnn_tensor out_view =
      oclnn_tensor_view(out_buf.buffer, options->out_offset + GUARD, rank, out_shape);

  if (options->prepared) {
    TEST_OK(ctx, oclnn_conv_prepare_weights(conv, &w_t, desc->bias ? &b_t : NULL));
    /* The layer owns its copy: clobber the caller's weights before running. */
    float *zero = calloc(w_count, sizeof(float));
    cr_assert(zero);
    TEST_OK(ctx, oclnn_tensor_upload(ctx, &w_t, zero, w_count));
    free(zero);
    status = oclnn_conv_forward(conv, &in_view, NULL, NULL, &out_view);
  } else {
    status = oclnn_conv_forward(conv, &in_view, &w_t, desc->bias ? &b_t : NULL, &out_view);
  }
  cr_assert_eq(status, OCLNN_SUCCESS, "%s: forward -> %s: %s", what, oclnn_status_string(status),
               oclnn_context_error(ctx));
  TEST_OK(ctx, oclnn_context_finish(ctx));
  TEST_OK(ctx, oclnn_tensor_download(ctx, &out_buf, out_host, out_total));
  for (size_t i = 0; i < options->out_offset + GUARD; i++)
    cr_assert(out_host[i] == SENTINEL, "%s: float %zu before the output was overwritten", what, i);
  for (size_t i = options->out_offset + GUARD + out_count; i < out_total; i++)
    cr_assert(out_host[i] == SENTINEL, "%s: float %zu after the output was overwritten", what, i);
  double atol = options->atol, rtol = options->rtol;
  oclnn_conv_algo algo = OCLNN_CONV_ALGO_AUTO;
  TEST_OK(ctx, oclnn_conv_algorithm(conv, &algo));
  if (algo == OCLNN_CONV_ALGO_WINOGRAD && options->winograd_tol > 0)
    atol = rtol = options->winograd_tol;
  test_assert_close(what, out_host + options->out_offset + GUARD, expected, out_count, atol, rtol);

  oclnn_conv_free(conv);
  oclnn_tensor_free(&in_buf);
  oclnn_tensor_free(&out_buf);
  oclnn_tensor_free(&w_t);
  if (desc->bias)
    oclnn_tensor_free(&b_t);
  free(in_host);
  free(out_host);
  free(in);
  free(w);
  free(b);
  free(want);
  return CONV_CHECK_RAN;
}
