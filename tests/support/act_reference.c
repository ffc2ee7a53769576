#include "act_reference.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

float act_ref_relu(float x) {
  if (isnan(x))
    return x;
  return x < 0.0f ? 0.0f : x;
}

float act_ref_relu_backward(float x, float g) { return x <= 0.0f ? 0.0f : g; }

bool act_ref_add_broadcasts(int rank_a, const int64_t *shape_a, int rank_b,
                            const int64_t *shape_b) {
  if (rank_b > rank_a)
    return false;
  for (int i = 0; i < rank_b; i++) {
    int64_t da = shape_a[rank_a - rank_b + i], db = shape_b[i];
    if (db != 1 && db != da)
      return false;
  }
  return true;
}

void act_ref_add(int rank_a, const int64_t *shape_a, const float *a, int rank_b,
                 const int64_t *shape_b, const float *b, int relu, float *out) {
  /* Walk a's multi-index; b's flat index uses b's own strides with 0 where b is broadcast. */
  int64_t count = 1, bstride[OCLNN_MAX_RANK] = {0}, step = 1;
  for (int i = 0; i < rank_a; i++)
    count *= shape_a[i];
  for (int i = rank_a - 1; i >= 0; i--) {
    int j = i - (rank_a - rank_b);
    if (j < 0)
      continue;
    bstride[i] = shape_b[j] == 1 ? 0 : step;
    step *= shape_b[j];
  }
  int64_t index[OCLNN_MAX_RANK] = {0};
  for (int64_t n = 0; n < count; n++) {
    int64_t bi = 0;
    for (int i = 0; i < rank_a; i++)
      bi += index[i] * bstride[i];
    volatile float sum = a[n] + b[bi]; /* one fp32 rounding, as the device does */
    out[n] = relu ? act_ref_relu(sum) : sum;
    for (int i = rank_a - 1; i >= 0; i--) {
      if (++index[i] < shape_a[i])
        break;
      index[i] = 0;
    }
  }
}

static bool has_size(const oclnn_upsample_desc *d) {
  for (int i = 0; i < d->dims; i++)
    if (d->size[i])
      return true;
  return false;
}

static bool has_scale(const oclnn_upsample_desc *d) {
  for (int i = 0; i < d->dims; i++)
    if (d->scale_factor[i] != 0.0)
      return true;
  return false;
}

bool act_ref_upsample_shape(const oclnn_upsample_desc *d, int rank, const int64_t *in_shape,
                            int64_t *out_shape, oclnn_status *status_out) {
  oclnn_status dummy;
  oclnn_status *st = status_out ? status_out : &dummy;
  *st = OCLNN_ERR_INVALID_VALUE;
  if (d->dims < 1 || d->dims > 3)
    return false;
  bool size = has_size(d), scale = has_scale(d);
  if (size == scale || (size && d->recompute_scale_factor))
    return false;
  for (int i = 0; i < d->dims; i++) {
    if (size && d->size[i] < 1)
      return false;
    if (scale && !(d->scale_factor[i] > 0.0 && d->scale_factor[i] < INFINITY))
      return false;
  }
  *st = OCLNN_ERR_INVALID_SHAPE;
  if (rank != d->dims + 2)
    return false;
  for (int i = 0; i < rank; i++)
    if (in_shape[i] < 0 || (i > 0 && in_shape[i] == 0))
      return false;
  out_shape[0] = in_shape[0];
  out_shape[1] = in_shape[1];
  for (int i = 0; i < d->dims; i++) {
    double o = size ? (double)d->size[i] : floor((double)in_shape[2 + i] * d->scale_factor[i]);
    if (o >= 2147483648.0) {
      *st = OCLNN_ERR_OVERFLOW;
      return false;
    }
    if (o < 1)
      return false;
    out_shape[2 + i] = (int64_t)o;
  }
  *st = OCLNN_SUCCESS;
  return true;
}

void act_ref_upsample(const oclnn_upsample_desc *d, int rank, const int64_t *in_shape,
                      const float *in, float *out) {
  int64_t out_shape[OCLNN_MAX_RANK];
  act_ref_upsample_shape(d, rank, in_shape, out_shape, NULL);
  int dims = d->dims;
  /* torch 1.13's CPU nearest kernel: src = min(floor(float(o) * s), n - 1) in fp32, with
   * s = float(1 / scale_factor) when the scale is given and not recomputed, else n / out. */
  float s[3];
  for (int i = 0; i < dims; i++) {
    if (has_scale(d) && !d->recompute_scale_factor)
      s[i] = (float)(1.0 / d->scale_factor[i]);
    else
      s[i] = (float)in_shape[2 + i] / (float)out_shape[2 + i];
  }
  int64_t planes = in_shape[0] * in_shape[1], in_plane = 1, out_plane = 1;
  for (int i = 0; i < dims; i++) {
    in_plane *= in_shape[2 + i];
    out_plane *= out_shape[2 + i];
  }
  for (int64_t p = 0; p < planes; p++) {
    for (int64_t o = 0; o < out_plane; o++) {
      int64_t rest = o, src = 0, in_step = 1;
      for (int i = dims - 1; i >= 0; i--) {
        int64_t oi = rest % out_shape[2 + i];
        rest /= out_shape[2 + i];
        volatile float prod = (float)oi * s[i];
        int64_t si = (int64_t)floorf(prod);
        if (si > in_shape[2 + i] - 1)
          si = in_shape[2 + i] - 1;
        src += si * in_step;
        in_step *= in_shape[2 + i];
      }
      out[p * out_plane + o] = in[p * in_plane + src];
    }
  }
}

void act_ref_upsample_backward(const oclnn_upsample_desc *desc, int rank, const int64_t *in_shape,
                               const float *g, double *grad_in, double *bound) {
  int64_t out_shape[OCLNN_MAX_RANK];
  act_ref_upsample_shape(desc, rank, in_shape, out_shape, NULL);
  size_t n_in = 1, n_out = 1;
  for (int i = 0; i < rank; i++) {
    n_in *= (size_t)in_shape[i];
    n_out *= (size_t)out_shape[i];
  }
  /* The forward on element indices is the map from each output to its source; torch's CPU
   * backward differs from its forward where a dim keeps its size (a copy) or doubles (o / 2),
   * whatever the scale, so those dims run with the scale that gives exactly that. */
  oclnn_upsample_desc bd = *desc;
  for (int i = 0; i < desc->dims; i++) {
    int64_t n = in_shape[2 + i], o = out_shape[2 + i];
    if ((o == n || o == 2 * n) && has_scale(desc) && !desc->recompute_scale_factor)
      bd.scale_factor[i] = o == n ? 1.0 : 2.0;
  }
  desc = &bd;
  float *index = malloc((n_in ? n_in : 1) * sizeof *index);
  float *map = malloc((n_out ? n_out : 1) * sizeof *map);
  double *abs_sum = calloc(n_in ? n_in : 1, sizeof *abs_sum);
  int64_t *terms = calloc(n_in ? n_in : 1, sizeof *terms);
  if (!index || !map || !abs_sum || !terms)
    abort();
  for (size_t i = 0; i < n_in; i++) {
    index[i] = (float)i;
    grad_in[i] = 0.0;
  }
  act_ref_upsample(desc, rank, in_shape, index, map);
  for (size_t o = 0; o < n_out; o++) {
    size_t i = (size_t)map[o];
    grad_in[i] += g[o];
    abs_sum[i] += fabs(g[o]);
    terms[i]++;
  }
  for (size_t i = 0; i < n_in; i++)
    bound[i] = (double)terms[i] * ldexp(1.0, -24) * abs_sum[i];
  free(index);
  free(map);
  free(abs_sum);
  free(terms);
}

bool act_ref_same(float a, float b) {
  if (isnan(a) || isnan(b))
    return isnan(a) && isnan(b);
  uint32_t ua, ub;
  memcpy(&ua, &a, sizeof ua);
  memcpy(&ub, &b, sizeof ub);
  return ua == ub;
}
