/* SwitchableNorm's saved statistics and backward (host/layers/norm_switchable.c).
 *
 * The forward (norm_stats.cl: sn_ln_stats, sn_bn_stats, sn_params) normalises row (n, c) of x
 * seen as (N, C, S) with
 *   mean = wm0 mean_in + wm1 mean_ln + wm2 mean_bn,  var = wv0 var_in + wv1 var_ln + wv2 var_bn
 * (wm, wv: softmax of the logits; mean_in, var_in (unbiased) per row; mean_ln, var_ln per n from
 * temp = var_in + mean_in^2: var_ln = mean_c temp - mean_ln^2; mean_bn, var_bn per c likewise
 * over n in training, the running statistics in eval; without using_bn only in and ln).
 * y = (x - mean) r w + b with r = 1 / sqrt(var + eps).
 *
 * Saved tensor (sn_save), `rows` = N * C: mean_in[rows], var_in[rows], mean_ln[N], var_ln[N],
 * then with using_bn mean_bn[C], var_bn[C].
 *
 * Backward, for g = grad_out (the chain rule through the authors' module):
 *   Gm = dL/dmean = -r w sum_s g,  Gv = dL/dvar = -r^3 w sum_s g (x - mean) / 2   (per row)
 *   per n: Lm = wm1 sum_c Gm, Lv = wv1 sum_c Gv;  per c (training): Bm = wm2 sum_n Gm,
 *   Bv = wv2 sum_n Gv (0 in eval: the running statistics are constants)
 *   T = Lv / C + Bv / N                                  (dL/dtemp)
 *   A = wm0 Gm + (Lm - 2 mean_ln Lv) / C + (Bm - 2 mean_bn Bv) / N + 2 mean_in T  (dL/dmean_in)
 *   B = wv0 Gv + T                                                              (dL/dvar_in)
 *   dx = g w r + A / S + 2 B (x - mean_in) / (S - 1)
 *   grad_weight[c] = sum r sum_s g (x - mean), grad_bias[c] = sum sum_s g
 *   logits: d_k = sum Gm * mean_k (sum Gv * var_k), then dlogit_j = w_j (d_j - sum_k w_k d_k).
 * Passes: sn_bw_rows (per row sums of g and g (x - mean)), sn_bw_mix (one work-item: the small
 * per-row/per-n/per-c algebra above, in a fixed order: deterministic), sn_bw_apply (dx).
 *
 * Build options: VEC (vector width: 4, 8 or 16). */

#ifndef VEC
#error "VEC must be defined"
#endif

inline void sn_softmax(__global const float *logits, int count, float *w) {
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

/* Saves the statistics the forward used from its scratch (norm_stats.cl's layouts: a float4
 * (shift, mean - shift, M2, count) per row, (shift, mean - shift, var, -) per n and per c). */
__kernel void sn_save(__global const float *stats, ulong stats_off, __global const float *ln,
                      ulong ln_off, __global const float *bn, ulong bn_off, ulong batch,
                      ulong channels, float inv_unbiased, int using_bn, __global float *saved,
                      ulong saved_off) {
  const ulong p = get_global_id(0), rows = batch * channels;
  if (p >= rows)
    return;
  const ulong n = p / channels, c = p - n * channels;
  __global float *o = saved + saved_off;
  const float4 s = vload4(p, stats + stats_off);
  o[p] = s.x + s.y;
  o[rows + p] = s.z * inv_unbiased;
  if (c == 0) {
    const float4 l = vload4(n, ln + ln_off);
    o[2 * rows + n] = l.x + l.y;
    o[2 * rows + batch + n] = l.z;
  }
  if (using_bn && n == 0) {
    const float4 b = vload4(c, bn + bn_off);
    o[2 * rows + 2 * batch + c] = b.x + b.y;
    o[2 * rows + 2 * batch + channels + c] = b.z;
  }
}

/* The mixed mean and 1 / sqrt(var + eps) of row p from the saved statistics. */
inline float2 sn_row_stats(__global const float *sv, ulong p, ulong batch, ulong channels,
                           int using_bn, const float *wm, const float *wv, float eps) {
  const ulong rows = batch * channels, n = p / channels, c = p - n * channels;
  float mean = wm[0] * sv[p] + wm[1] * sv[2 * rows + n];
  float var = wv[0] * sv[rows + p] + wv[1] * sv[2 * rows + batch + n];
  if (using_bn) {
    mean += wm[2] * sv[2 * rows + 2 * batch + c];
    var += wv[2] * sv[2 * rows + 2 * batch + channels + c];
  }
  return (float2)(mean, rsqrt(var + eps));
}

/* Row p's sums of g and g (x - mean) into sums[2p], sums[2p + 1]. */
__kernel void sn_bw_rows(__global const float *x, ulong x_off, __global const float *g, ulong g_off,
                         __global const float *saved, ulong saved_off,
                         __global const float *mean_weight, ulong mw_off,
                         __global const float *var_weight, ulong vw_off, ulong batch,
                         ulong channels, ulong len, int using_bn, float eps, __global float *sums,
                         ulong sums_off) {
  const ulong p = get_global_id(0);
  if (p >= batch * channels)
    return;
  const int k = using_bn ? 3 : 2;
  float wm[3], wv[3];
  sn_softmax(mean_weight + mw_off, k, wm);
  sn_softmax(var_weight + vw_off, k, wv);
  const float mean = sn_row_stats(saved + saved_off, p, batch, channels, using_bn, wm, wv, eps).x;
  __global const float *xr = x + x_off + p * len, *gr = g + g_off + p * len;
  const ulong vec_end = len / VEC * VEC;
  /* Blocks of 256 vectors summed apart, then added: rounding grows with the block count plus
   * the block length, not the row length. */
  floatV sg = (floatV)(0.0f), sgx = (floatV)(0.0f);
  for (ulong b0 = 0; b0 < vec_end; b0 += 256 * VEC) {
    const ulong b1 = min(b0 + 256 * VEC, vec_end);
    floatV bg = (floatV)(0.0f), bgx = (floatV)(0.0f);
    for (ulong m = b0; m < b1; m += VEC) {
      const floatV gv = vloadV(0, gr + m);
      bg += gv;
      bgx += gv * (vloadV(0, xr + m) - mean);
    }
    sg += bg;
    sgx += bgx;
  }
  float a = 0.0f, b = 0.0f;
  for (ulong m = vec_end; m < len; m++) {
    a += gr[m];
    b += gr[m] * (xr[m] - mean);
  }
  float sa[VEC], sb[VEC];
  vstoreV(sg, 0, sa);
  vstoreV(sgx, 0, sb);
  for (int i = 0; i < VEC; i++) {
    a += sa[i];
    b += sb[i];
  }
  sums[sums_off + 2 * p] = a;
  sums[sums_off + 2 * p + 1] = b;
}

/* One work-item: the algebra at the top, from the row sums to the per-row coefficients
 * coef[3p..3p+2] = (w r, 2 B / (S - 1), A / S) and the parameter gradients (each may be NULL).
 * work: 2 N + 2 C floats. empty: the input had no elements (zero parameter gradients). */
__kernel void sn_bw_mix(__global const float *saved, ulong saved_off,
                        __global const float *mean_weight, ulong mw_off,
                        __global const float *var_weight, ulong vw_off,
                        __global const float *weight, ulong w_off, ulong batch, ulong channels,
                        ulong len, int using_bn, int training, int empty, float eps, float inv_len,
                        float inv_unbiased, __global const float *sums, ulong sums_off,
                        __global float *coef, ulong coef_off, __global float *work, ulong work_off,
                        __global float *grad_weight, ulong gw_off, __global float *grad_bias,
                        ulong gb_off, __global float *grad_mw, ulong gmw_off,
                        __global float *grad_vw, ulong gvw_off) {
  if (get_global_id(0) != 0)
    return;
  const int k = using_bn ? 3 : 2;
  const ulong rows = batch * channels;
  float wm[3], wv[3];
  sn_softmax(mean_weight + mw_off, k, wm);
  sn_softmax(var_weight + vw_off, k, wv);
  __global const float *sv = saved + saved_off, *su = sums + sums_off;
  __global float *lm = work + work_off, *lv = lm + batch, *bm = lv + batch, *bv = bm + channels;
  __global float *cf = coef + coef_off;
  for (ulong i = 0; i < 2 * batch + 2 * channels; i++)
    lm[i] = 0.0f;
  float dm[3] = {0.0f, 0.0f, 0.0f}, dv[3] = {0.0f, 0.0f, 0.0f};
  if (!empty) {
    for (ulong p = 0; p < rows; p++) {
      const ulong n = p / channels, c = p - n * channels;
      const float2 st = sn_row_stats(sv, p, batch, channels, using_bn, wm, wv, eps);
      const float r = st.y, w = weight[w_off + c];
      const float gm = -r * w * su[2 * p], gv = -0.5f * r * r * r * w * su[2 * p + 1];
      cf[3 * p] = gm;
      cf[3 * p + 1] = gv;
      lm[n] += gm;
      lv[n] += gv;
      bm[c] += gm;
      bv[c] += gv;
      dm[0] += gm * sv[p];
      dm[1] += gm * sv[2 * rows + n];
      dv[0] += gv * sv[rows + p];
      dv[1] += gv * sv[2 * rows + batch + n];
      if (using_bn) {
        dm[2] += gm * sv[2 * rows + 2 * batch + c];
        dv[2] += gv * sv[2 * rows + 2 * batch + channels + c];
      }
    }
  }
  if (grad_weight || grad_bias)
    for (ulong c = 0; c < channels; c++) {
      float sw = 0.0f, sb = 0.0f;
      if (!empty)
        for (ulong n = 0; n < batch; n++) {
          const ulong p = n * channels + c;
          sw += sn_row_stats(sv, p, batch, channels, using_bn, wm, wv, eps).y * su[2 * p + 1];
          sb += su[2 * p];
        }
      if (grad_weight)
        grad_weight[gw_off + c] = sw;
      if (grad_bias)
        grad_bias[gb_off + c] = sb;
    }
  if (grad_mw || grad_vw) {
    float tm = 0.0f, tv = 0.0f;
    for (int j = 0; j < k; j++) {
      tm += wm[j] * dm[j];
      tv += wv[j] * dv[j];
    }
    for (int j = 0; j < k; j++) {
      if (grad_mw)
        grad_mw[gmw_off + j] = wm[j] * (dm[j] - tm);
      if (grad_vw)
        grad_vw[gvw_off + j] = wv[j] * (dv[j] - tv);
    }
  }
  if (empty)
    return;
  const bool bn_grad = using_bn && training;
  const float inv_c = 1.0f / (float)channels, inv_n = 1.0f / (float)batch;
  for (ulong p = 0; p < rows; p++) {
    const ulong n = p / channels, c = p - n * channels;
    const float2 st = sn_row_stats(sv, p, batch, channels, using_bn, wm, wv, eps);
    const float gm = cf[3 * p], gv = cf[3 * p + 1];
    const float ln_m = wm[1] * lm[n], ln_v = wv[1] * lv[n];
    float t = ln_v * inv_c;
    float a = wm[0] * gm + (ln_m - 2.0f * sv[2 * rows + n] * ln_v) * inv_c;
    if (bn_grad) {
      const float bn_m = wm[2] * bm[c], bn_v = wv[2] * bv[c];
      t += bn_v * inv_n;
      a += (bn_m - 2.0f * sv[2 * rows + 2 * batch + c] * bn_v) * inv_n;
    }
    a += 2.0f * sv[p] * t;
    const float b = wv[0] * gv + t;
    cf[3 * p] = weight[w_off + c] * st.y;
    cf[3 * p + 1] = 2.0f * b * inv_unbiased;
    cf[3 * p + 2] = a * inv_len;
  }
}

/* dx = g P + (x - mean_in) Q + R with row p's coefficients (P, Q, R) = coef[3p..3p+2]; a
 * work-item takes a `seg`-long run of one row. */
__kernel void sn_bw_apply(__global const float *x, ulong x_off, __global const float *g,
                          ulong g_off, __global const float *saved, ulong saved_off,
                          __global const float *coef, ulong coef_off, __global float *dx,
                          ulong dx_off, ulong rows, ulong len, ulong seg, ulong segs) {
  const ulong item = get_global_id(0);
  if (item >= rows * segs)
    return;
  const ulong p = item / segs, m0 = (item - p * segs) * seg, m1 = min(m0 + seg, len);
  const float pc = coef[coef_off + 3 * p], qc = coef[coef_off + 3 * p + 1],
              rc = coef[coef_off + 3 * p + 2], mean_in = saved[saved_off + p];
  __global const float *xr = x + x_off + p * len, *gr = g + g_off + p * len;
  __global float *dr = dx + dx_off + p * len;
  const ulong vec_end = m0 + (m1 - m0) / VEC * VEC;
  for (ulong m = m0; m < vec_end; m += VEC)
    vstoreV(vloadV(0, gr + m) * pc + (vloadV(0, xr + m) - mean_in) * qc + rc, 0, dr + m);
  for (ulong m = vec_end; m < m1; m++)
    dr[m] = gr[m] * pc + (xr[m] - mean_in) * qc + rc;
}
