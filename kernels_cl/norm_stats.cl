/* Normalization statistics (BatchNorm, LayerNorm, InstanceNorm, GroupNorm, SwitchableNorm).
 *
 * The input is seen as (A, G, B): statistics group g holds the elements x[a][g][b] for every a
 * and b, i.e. A segments of B contiguous floats, G * B floats apart. BatchNorm is (N, C, S);
 * LayerNorm, InstanceNorm and GroupNorm are (1, rows, row length).
 *
 * Accuracy: every group is shifted by K, the median of three of its elements, so that data with
 * a large mean and a small spread (1e4 + N(0, 1)) keeps its digits: x - K is exact when x and K
 * are within a factor of two. Each work-item runs Welford's update on float vectors (two vector
 * states sharing a count, plus a scalar state for the tails), states are combined with Chan's
 * formula (lanes pairwise, work-items as a tree in local memory, work-groups pairwise), never
 * with E[x^2] - E[x]^2. A work-item's run is at most a few thousand elements, so the sequential
 * part of the error stays small for rows of any length.
 *
 * A group's statistics are a float4 (K, mean of x - K, M2 = sum of squared deviations, count).
 * The count is exact up to 2^24; the host passes exact counts where they matter.
 *
 * Build options: VEC (vector width: 4, 8 or 16). */

#ifndef VEC
#error "VEC must be defined"
#endif

typedef struct welford {
  float n;
  float mean;
  float m2;
} welford;

inline welford wf_make(float n, float mean, float m2) {
  welford w;
  w.n = n;
  w.mean = mean;
  w.m2 = m2;
  return w;
}

/* Chan et al.'s merge of two states; an empty state is the identity. */
inline welford wf_merge(welford a, welford b) {
  if (b.n == 0.0f)
    return a;
  if (a.n == 0.0f)
    return b;
  const float n = a.n + b.n;
  const float delta = b.mean - a.mean;
  const float fb = b.n / n;
  return wf_make(n, a.mean + delta * fb, a.m2 + b.m2 + delta * delta * (a.n * fb));
}

inline void wf_push(welford *w, float x) {
  w->n += 1.0f;
  const float delta = x - w->mean;
  w->mean += delta / w->n;
  w->m2 += delta * (x - w->mean);
}

/* The state of one work-item: two vector states with a shared count c, and a scalar state. */
typedef struct wf_acc {
  floatV m0, q0, m1, q1;
  float c;
  welford s;
} wf_acc;

inline void acc_init(wf_acc *acc) {
  acc->m0 = (floatV)(0.0f);
  acc->q0 = (floatV)(0.0f);
  acc->m1 = (floatV)(0.0f);
  acc->q1 = (floatV)(0.0f);
  acc->c = 0.0f;
  acc->s = wf_make(0.0f, 0.0f, 0.0f);
}

/* Adds len contiguous floats at p, shifted by k. */
inline void acc_run(wf_acc *acc, __global const float *p, ulong len, float k) {
  floatV m0 = acc->m0, q0 = acc->q0, m1 = acc->m1, q1 = acc->q1;
  float c = acc->c;
  ulong i = 0;
  for (; i + 2 * VEC <= len; i += 2 * VEC) {
    const floatV x0 = vloadV(0, p + i) - k;
    const floatV x1 = vloadV(0, p + i + VEC) - k;
    c += 1.0f;
    const float inv = 1.0f / c;
    const floatV d0 = x0 - m0;
    const floatV d1 = x1 - m1;
    m0 += d0 * inv;
    m1 += d1 * inv;
    q0 += d0 * (x0 - m0);
    q1 += d1 * (x1 - m1);
  }
  for (; i < len; i++)
    wf_push(&acc->s, p[i] - k);
  acc->m0 = m0;
  acc->q0 = q0;
  acc->m1 = m1;
  acc->q1 = q1;
  acc->c = c;
}

/* Merges two vector states of equal count c (the lanes' states stay separate). */
inline void merge_equal(floatV *m, floatV *q, floatV m1, floatV q1, float c) {
  const floatV delta = m1 - *m;
  *m += delta * 0.5f;
  *q += q1 + delta * delta * (c * 0.5f);
}

/* Folds the lanes of a vector state (count c per lane) pairwise into one state. */
inline welford fold_lanes(floatV m, floatV q, float c) {
  float mv[VEC], qv[VEC];
  vstoreV(m, 0, mv);
  vstoreV(q, 0, qv);
  for (int width = VEC / 2; width >= 1; width /= 2) {
    for (int j = 0; j < width; j++) {
      const float delta = mv[j + width] - mv[j];
      mv[j] += delta * 0.5f;
      qv[j] += qv[j + width] + delta * delta * (c * 0.5f);
    }
    c *= 2.0f;
  }
  return wf_make(c, mv[0], qv[0]);
}

inline welford acc_finish(const wf_acc *acc) {
  floatV m = acc->m0, q = acc->q0;
  merge_equal(&m, &q, acc->m1, acc->q1, acc->c);
  return wf_merge(fold_lanes(m, q, 2.0f * acc->c), acc->s);
}

/* Address of position pos (0 <= pos < A * B) of group g. */
inline ulong group_addr(ulong pos, ulong g, ulong groups, ulong inner) {
  const ulong a = pos / inner;
  return (a * groups + g) * inner + (pos - a * inner);
}

inline float median3(float a, float b, float c) { return fmax(fmin(a, b), fmin(fmax(a, b), c)); }

/* The shift of group g: the median of its first, middle and last elements. */
inline float group_shift(__global const float *x, ulong g, ulong groups, ulong inner, ulong count) {
  if (count == 0)
    return 0.0f;
  return median3(x[group_addr(0, g, groups, inner)],
                 x[group_addr((count - 1) / 2, g, groups, inner)],
                 x[group_addr(count - 1, g, groups, inner)]);
}

/* Welford over positions [start, end) of group g, shifted by k. */
inline welford group_range(__global const float *x, ulong g, ulong groups, ulong inner, ulong start,
                           ulong end, float k) {
  wf_acc acc;
  acc_init(&acc);
  if (start < end) {
    ulong a = start / inner, b = start - a * inner, pos = start;
    while (pos < end) {
      const ulong len = min(end - pos, inner - b);
      acc_run(&acc, x + (a * groups + g) * inner + b, len, k);
      pos += len;
      a++;
      b = 0;
    }
  }
  return acc_finish(&acc);
}

inline void store_stats(__global float *out, ulong index, float k, welford w) {
  vstore4((float4)(k, w.mean, w.m2, w.n), index, out);
}

/* One work-item per group (small groups). out[g] = the group's statistics. */
__kernel void norm_stats_rows(__global const float *x, ulong x_off, ulong groups, ulong inner,
                              ulong count, __global float *out, ulong out_off) {
  const ulong g = get_global_id(0);
  if (g >= groups)
    return;
  x += x_off;
  const float k = group_shift(x, g, groups, inner, count);
  store_stats(out + out_off, g, k, group_range(x, g, groups, inner, 0, count, k));
}

/* `parts` work-items per group (a multiple of the local size, so that a work-group never spans
 * two groups), `chunk` positions each; the work-group merges its states as a tree in local
 * memory. out[g * parts / local size + q] = the statistics of the group's q-th work-group. */
__kernel void norm_stats_split(__global const float *x, ulong x_off, ulong groups, ulong inner,
                               ulong count, ulong parts, ulong chunk, __global float *out,
                               ulong out_off, __local float *tmp) {
  const ulong item = get_global_id(0);
  const ulong g = item / parts, p = item - g * parts;
  x += x_off;
  const float k = group_shift(x, g, groups, inner, count);
  const ulong start = min(p * chunk, count), end = min(start + chunk, count);
  const welford w = group_range(x, g, groups, inner, start, end, k);
  const uint lid = get_local_id(0), size = get_local_size(0);
  tmp[3 * lid] = w.n;
  tmp[3 * lid + 1] = w.mean;
  tmp[3 * lid + 2] = w.m2;
  barrier(CLK_LOCAL_MEM_FENCE);
  for (uint width = size / 2; width > 0; width /= 2) {
    if (lid < width) {
      const welford a = wf_make(tmp[3 * lid], tmp[3 * lid + 1], tmp[3 * lid + 2]);
      const uint o = lid + width;
      const welford r = wf_merge(a, wf_make(tmp[3 * o], tmp[3 * o + 1], tmp[3 * o + 2]));
      tmp[3 * lid] = r.n;
      tmp[3 * lid + 1] = r.mean;
      tmp[3 * lid + 2] = r.m2;
    }
    barrier(CLK_LOCAL_MEM_FENCE);
  }
  if (lid == 0)
    store_stats(out + out_off, get_group_id(0), k, wf_make(tmp[0], tmp[1], tmp[2]));
}

inline floatV median3v(floatV a, floatV b, floatV c) {
  return fmax(fmin(a, b), fmin(fmax(a, b), c));
}

/* Welford over rows [r0, r1) of the VEC columns at x + c0 (row stride `groups`), one lane per
 * column; stores the VEC partial statistics. */
inline void cols_vector(__global const float *x, ulong groups, ulong c0, ulong rows, ulong r0,
                        ulong r1, ulong parts, ulong p, __global float *out) {
  const floatV k = median3v(vloadV(0, x + c0), vloadV(0, x + ((rows - 1) / 2) * groups + c0),
                            vloadV(0, x + (rows - 1) * groups + c0));
  floatV m = (floatV)(0.0f), q = m;
  float n = 0.0f;
  for (ulong r = r0; r < r1; r++) {
    const floatV v = vloadV(0, x + r * groups + c0) - k;
    n += 1.0f;
    const floatV d = v - m;
    m += d * (1.0f / n);
    q += d * (v - m);
  }
  float kv[VEC], mv[VEC], qv[VEC];
  vstoreV(k, 0, kv);
  vstoreV(m, 0, mv);
  vstoreV(q, 0, qv);
  for (int j = 0; j < VEC; j++)
    store_stats(out, (c0 + j) * parts + p, kv[j], wf_make(n, mv[j], qv[j]));
}

/* Groups that are columns (inner == 1): x is rows x groups, group g is column g. A work-item
 * takes 2 * VEC neighbouring columns (a 64-byte line for VEC 8) over `chunk` rows, one vector
 * lane per column and two independent vector states. out[g * parts + p] = the statistics of
 * column g over the p-th chunk of rows. */
__kernel void norm_stats_cols(__global const float *x, ulong x_off, ulong rows, ulong groups,
                              ulong parts, ulong chunk, ulong items, __global float *out,
                              ulong out_off) {
  const ulong item = get_global_id(0);
  if (item >= items || rows == 0)
    return;
  const ulong block = item / parts, p = item - block * parts;
  const ulong c0 = block * 2 * VEC;
  const ulong r0 = min(p * chunk, rows), r1 = min(r0 + chunk, rows);
  x += x_off;
  out += out_off;
  if (c0 + 2 * VEC <= groups) {
    const ulong mid = ((rows - 1) / 2) * groups, last = (rows - 1) * groups;
    const floatV k0 =
        median3v(vloadV(0, x + c0), vloadV(0, x + mid + c0), vloadV(0, x + last + c0));
    const floatV k1 = median3v(vloadV(0, x + c0 + VEC), vloadV(0, x + mid + c0 + VEC),
                               vloadV(0, x + last + c0 + VEC));
    floatV m0 = (floatV)(0.0f), q0 = m0, m1 = m0, q1 = m0;
    float n = 0.0f;
    for (ulong r = r0; r < r1; r++) {
      const floatV x0 = vloadV(0, x + r * groups + c0) - k0;
      const floatV x1 = vloadV(0, x + r * groups + c0 + VEC) - k1;
      n += 1.0f;
      const float inv = 1.0f / n;
      const floatV d0 = x0 - m0;
      const floatV d1 = x1 - m1;
      m0 += d0 * inv;
      m1 += d1 * inv;
      q0 += d0 * (x0 - m0);
      q1 += d1 * (x1 - m1);
    }
    float kv[2 * VEC], mv[2 * VEC], qv[2 * VEC];
    vstoreV(k0, 0, kv);
    vstoreV(k1, 1, kv);
    vstoreV(m0, 0, mv);
    vstoreV(m1, 1, mv);
    vstoreV(q0, 0, qv);
    vstoreV(q1, 1, qv);
    for (int j = 0; j < 2 * VEC; j++)
      store_stats(out, (c0 + j) * parts + p, kv[j], wf_make(n, mv[j], qv[j]));
    return;
  }
  ulong c = c0;
  if (c + VEC <= groups) {
    cols_vector(x, groups, c, rows, r0, r1, parts, p, out);
    c += VEC;
  }
  for (; c < groups; c++) {
    const float k = median3(x[c], x[((rows - 1) / 2) * groups + c], x[(rows - 1) * groups + c]);
    welford w = wf_make(0.0f, 0.0f, 0.0f);
    for (ulong r = r0; r < r1; r++)
      wf_push(&w, x[r * groups + c] - k);
    store_stats(out, c * parts + p, k, w);
  }
}

#define MERGE_STACK 48

/* Merges each group's `parts` partial statistics (in[g * parts + q]) pairwise, like cascade
 * summation, so the error grows with log2(parts). out[g] = the group's statistics. */
__kernel void norm_stats_merge(__global const float *in, ulong in_off, ulong groups, ulong parts,
                               __global float *out, ulong out_off) {
  const ulong g = get_global_id(0);
  if (g >= groups)
    return;
  in += in_off + g * parts * 4;
  welford stack[MERGE_STACK];
  int top = 0;
  const float k = in[0];
  for (ulong q = 0; q < parts; q++) {
    const float4 s = vload4(q, in);
    stack[top++] = wf_make(s.w, s.y, s.z);
    for (ulong done = q + 1; (done & 1) == 0 && top >= 2; done >>= 1) {
      stack[top - 2] = wf_merge(stack[top - 2], stack[top - 1]);
      top--;
    }
  }
  welford w = wf_make(0.0f, 0.0f, 0.0f);
  while (top > 0)
    w = wf_merge(stack[--top], w);
  store_stats(out + out_off, g, k, w);
}

/* Apply parameters, planar: y = (x - shift) * scale + offset (before any column affine).
 * Entry p uses statistics group p / per_group and channel p % channels; with use_running the
 * channel's running statistics instead. flags: 1 weight, 2 bias (per channel). */
__kernel void norm_params(__global const float *stats, ulong stats_off,
                          __global const float *running_mean, ulong rm_off,
                          __global const float *running_var, ulong rv_off, int use_running,
                          __global const float *weight, ulong w_off, __global const float *bias,
                          ulong b_off, int flags, ulong count, ulong per_group, ulong channels,
                          float inv_n, float eps, __global float *params, ulong shift_off,
                          ulong scale_off, ulong offset_off) {
  const ulong p = get_global_id(0);
  if (p >= count)
    return;
  const ulong c = p % channels;
  float shift, mean, var;
  if (use_running) {
    shift = running_mean[rm_off + c];
    mean = 0.0f;
    var = running_var[rv_off + c];
  } else {
    const float4 s = vload4(p / per_group, stats + stats_off);
    shift = s.x;
    mean = s.y;
    var = s.z * inv_n;
  }
  const float w = (flags & 1) ? weight[w_off + c] : 1.0f;
  const float b = (flags & 2) ? bias[b_off + c] : 0.0f;
  const float scale = w / sqrt(var + eps);
  params[shift_off + p] = shift;
  params[scale_off + p] = scale;
  params[offset_off + p] = b - mean * scale;
}

/* The mean over `batch` groups of their means, relative to the first group's mean so that the
 * shifts cancel exactly: returns (shift, mean of x - shift). */
inline float2 mean_of_means(__global const float *stats, ulong first, ulong stride, ulong batch) {
  const float4 s0 = vload4(first, stats);
  float sum = 0.0f;
  for (ulong n = 1; n < batch; n++) {
    const float4 s = vload4(first + n * stride, stats);
    sum += (s.x - s0.x) + (s.y - s0.y);
  }
  return (float2)(s0.x, s0.y + sum / (float)batch);
}

/* Running statistics (BatchNorm: batch 1; InstanceNorm: the mean over the batch of the instance
 * statistics). Group of channel c in sample n: n * channels + c. r = momentum * stat +
 * (1 - momentum) * r; the variance is the unbiased one (unbias = n / (n - 1)). An empty batch
 * gives NaN, as torch's mean over an empty batch does. */
__kernel void norm_running(__global const float *stats, ulong stats_off, ulong channels,
                           ulong batch, float inv_n, float unbias, float momentum,
                           __global float *running_mean, ulong rm_off, __global float *running_var,
                           ulong rv_off) {
  const ulong c = get_global_id(0);
  if (c >= channels)
    return;
  float mean = NAN, var = NAN;
  if (batch > 0) {
    stats += stats_off;
    const float2 m = mean_of_means(stats, c, channels, batch);
    mean = m.x + m.y;
    float sum = 0.0f;
    for (ulong n = 0; n < batch; n++)
      sum += vload4(n * channels + c, stats).z * inv_n * unbias;
    var = sum / (float)batch;
  }
  running_mean[rm_off + c] = momentum * mean + (1.0f - momentum) * running_mean[rm_off + c];
  running_var[rv_off + c] = momentum * var + (1.0f - momentum) * running_var[rv_off + c];
}

/* SwitchableNorm. stats holds the (n, c) instance statistics; inv_unbiased = 1 / (S - 1).
 * ln/bn entries are float4 (shift, mean - shift, var, 0).
 * LN statistics of sample n: mean_ln = mean_c(mean_in), var_ln = mean_c(var_in + mean_in^2) -
 * mean_ln^2, computed as mean_c(var_in) + mean_c((mean_in - mean_ln)^2). */
inline float4 sn_combine_stats(__global const float *stats, ulong first, ulong stride, ulong count,
                               float inv_unbiased) {
  const float2 m = mean_of_means(stats, first, stride, count);
  const float4 s0 = vload4(first, stats);
  float vars = 0.0f, squares = 0.0f;
  for (ulong i = 0; i < count; i++) {
    const float4 s = vload4(first + i * stride, stats);
    vars += s.z * inv_unbiased;
    const float e = (s.x - s0.x) + (s.y - m.y);
    squares += e * e;
  }
  return (float4)(m.x, m.y, vars / (float)count + squares / (float)count, 0.0f);
}

__kernel void sn_ln_stats(__global const float *stats, ulong stats_off, ulong batch, ulong channels,
                          float inv_unbiased, __global float *ln, ulong ln_off) {
  const ulong n = get_global_id(0);
  if (n >= batch)
    return;
  vstore4(sn_combine_stats(stats + stats_off, n * channels, 1, channels, inv_unbiased), n,
          ln + ln_off);
}

/* BN statistics of channel c: training: over the batch, and the running statistics are updated
 * (moving average r = momentum * r + (1 - momentum) * stat, or with moving_average 0 the
 * accumulation r_mean += mean_bn, r_var += mean_bn^2 + var_bn); eval: the running ones. */
__kernel void sn_bn_stats(__global const float *stats, ulong stats_off, ulong batch, ulong channels,
                          float inv_unbiased, int training, int moving_average, float momentum,
                          __global float *running_mean, ulong rm_off, __global float *running_var,
                          ulong rv_off, __global float *bn, ulong bn_off) {
  const ulong c = get_global_id(0);
  if (c >= channels)
    return;
  if (!training) {
    vstore4((float4)(running_mean[rm_off + c], 0.0f, running_var[rv_off + c], 0.0f), c,
            bn + bn_off);
    return;
  }
  const float4 s = sn_combine_stats(stats + stats_off, c, channels, batch, inv_unbiased);
  const float mean = s.x + s.y;
  float rm = running_mean[rm_off + c], rv = running_var[rv_off + c];
  if (moving_average) {
    rm = momentum * rm + (1.0f - momentum) * mean;
    rv = momentum * rv + (1.0f - momentum) * s.z;
  } else {
    rm += mean;
    rv += mean * mean + s.z;
  }
  running_mean[rm_off + c] = rm;
  running_var[rv_off + c] = rv;
  vstore4(s, c, bn + bn_off);
}

inline void softmax_logits(__global const float *logits, int count, float *w) {
  float top = logits[0];
  for (int i = 1; i < count; i++)
    top = fmax(top, logits[i]);
  float sum = 0.0f;
  for (int i = 0; i < count; i++) {
    w[i] = exp(logits[i] - top);
    sum += w[i];
  }
  for (int i = 0; i < count; i++)
    w[i] /= sum;
  for (int i = count; i < 3; i++)
    w[i] = 0.0f;
}

/* Parameters of row (n, c): mean = sum_k softmax(mean_weight)_k mean_k and var likewise over
 * k in (in, ln, bn); evaluated as mean_in + w_ln (mean_ln - mean_in) + w_bn (mean_bn - mean_in)
 * with the differences taken between shifted values, so large means cancel exactly. */
__kernel void sn_params(__global const float *stats, ulong stats_off, __global const float *ln,
                        ulong ln_off, __global const float *bn, ulong bn_off, ulong batch,
                        ulong channels, float inv_unbiased, int using_bn,
                        __global const float *mean_weight, ulong mw_off,
                        __global const float *var_weight, ulong vw_off,
                        __global const float *weight, ulong w_off, __global const float *bias,
                        ulong b_off, float eps, __global float *params, ulong shift_off,
                        ulong scale_off, ulong offset_off) {
  const ulong p = get_global_id(0);
  if (p >= batch * channels)
    return;
  const ulong n = p / channels, c = p - n * channels;
  const int k = using_bn ? 3 : 2;
  float wm[3], wv[3];
  softmax_logits(mean_weight + mw_off, k, wm);
  softmax_logits(var_weight + vw_off, k, wv);
  const float4 s = vload4(p, stats + stats_off);
  const float4 l = vload4(n, ln + ln_off);
  const float var_in = s.z * inv_unbiased;
  float mean = s.y + wm[1] * ((l.x - s.x) + (l.y - s.y));
  float var = wv[0] * var_in + wv[1] * l.z;
  if (using_bn) {
    const float4 b = vload4(c, bn + bn_off);
    mean += wm[2] * ((b.x - s.x) + (b.y - s.y));
    var += wv[2] * b.z;
  }
  const float scale = weight[w_off + c] / sqrt(var + eps);
  params[shift_off + p] = s.x;
  params[scale_off + p] = scale;
  params[offset_off + p] = bias[b_off + c] - mean * scale;
}

/* --- Fused statistics + apply for groups that fit in the caches (InstanceNorm, GroupNorm) ---
 *
 * One work-group per group of the (A, G, B) view (B = `inner`, A = count / inner; A = 1 for
 * contiguous groups: group g is x[g * count ...]; BatchNorm: channel g over the batch). Its
 * work-items take the same chunks and shift as norm_stats_split, merge as the same tree, then
 * each applies the affine transform to the chunk it has just read, which is still in its core's
 * caches: two memory passes (read, write) instead of three. The tensor is made of rows of `len`
 * floats (len divides inner); row r (global) takes channel r % channels' weight and bias:
 *
 *   y = act((x - K) * scale + offset + residual), scale = w / sqrt(var + eps),
 *   offset = b - mean * scale
 *
 * with the expressions of norm_params, so both paths give the same values. The group's
 * statistics are also stored (float4 per group at stats_off) for the running statistics.
 * flags: 1 residual, 2 relu, 4 weight, 8 bias. */

inline floatV fused_relu_v(floatV v) { return select(v, (floatV)(0.0f), v < (floatV)(0.0f)); }
/* NaN stays NaN, as in torch.relu. */
inline float fused_relu_s(float v) { return v < 0.0f ? 0.0f : v; }

#define FUSED_RANGE(FL)                                   \
  do {                                                    \
    ulong i = lo;                                         \
    for (; i + VEC <= hi; i += VEC) {                     \
      floatV v = (vloadV(0, x + i) - k) * scale + offset; \
      if ((FL)&1)                                         \
        v += vloadV(0, res + i);                          \
      if ((FL)&2)                                         \
        v = fused_relu_v(v);                              \
      if (nt)                                             \
        STREAM_STOREV(v, y + i);                          \
      else                                                \
        vstoreV(v, 0, y + i);                             \
    }                                                     \
    for (; i < hi; i++) {                                 \
      float v = (x[i] - k) * scale + offset;              \
      if ((FL)&1)                                         \
        v += res[i];                                      \
      if ((FL)&2)                                         \
        v = fused_relu_s(v);                              \
      y[i] = v;                                           \
    }                                                     \
  } while (0)

__kernel void norm_fused(__global const float *restrict x, ulong x_off, __global float *restrict y,
                         ulong y_off, __global const float *restrict res, ulong res_off,
                         __global const float *restrict weight, ulong w_off,
                         __global const float *restrict bias, ulong b_off, int flags, ulong groups,
                         ulong count, ulong inner, ulong chunk, ulong len, ulong channels,
                         float inv_n, float eps, __global float *stats, ulong stats_off, int stream,
                         __local float *tmp) {
  const ulong g = get_group_id(0);
  const uint lid = get_local_id(0), size = get_local_size(0);
  x += x_off;
  y += y_off;
  res += res_off;
  const float k = group_shift(x, g, groups, inner, count);
  const ulong start = min((ulong)lid * chunk, count), end = min(start + chunk, count);
  const welford w = group_range(x, g, groups, inner, start, end, k);
  tmp[3 * lid] = w.n;
  tmp[3 * lid + 1] = w.mean;
  tmp[3 * lid + 2] = w.m2;
  barrier(CLK_LOCAL_MEM_FENCE);
  for (uint width = size / 2; width > 0; width /= 2) {
    if (lid < width) {
      const welford a = wf_make(tmp[3 * lid], tmp[3 * lid + 1], tmp[3 * lid + 2]);
      const uint o = lid + width;
      const welford r = wf_merge(a, wf_make(tmp[3 * o], tmp[3 * o + 1], tmp[3 * o + 2]));
      tmp[3 * lid] = r.n;
      tmp[3 * lid + 1] = r.mean;
      tmp[3 * lid + 2] = r.m2;
    }
    barrier(CLK_LOCAL_MEM_FENCE);
  }
  const welford total = wf_make(tmp[0], tmp[1], tmp[2]);
  if (lid == 0)
    store_stats(stats + stats_off, g, k, total);
  const float mean = total.mean, var = total.m2 * inv_n;
  /* Position pos of the group is at lo; a run ends with the chunk, the segment or the row. */
  ulong pos = start;
  while (pos < end) {
    const ulong a = pos / inner, b = pos - a * inner;
    const ulong lo = (a * groups + g) * inner + b;
    const ulong row = lo / len;
    const ulong hi = min(min(lo + (end - pos), lo + (inner - b)), (row + 1) * len);
    const ulong c = row % channels;
    const float wc = (flags & 4) ? weight[w_off + c] : 1.0f;
    const float bc = (flags & 8) ? bias[b_off + c] : 0.0f;
    const float scale = wc / sqrt(var + eps);
    const float offset = bc - mean * scale;
    const bool nt = STREAM_AT(stream, y + lo);
    switch (flags & 3) {
    case 0:
      FUSED_RANGE(0);
      break;
    case 1:
      FUSED_RANGE(1);
      break;
    case 2:
      FUSED_RANGE(2);
      break;
    default:
      FUSED_RANGE(3);
    }
    pos += hi - lo;
  }
}
