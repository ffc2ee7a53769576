/* Normalization apply pass, shared by BatchNorm, LayerNorm, InstanceNorm, GroupNorm and
 * SwitchableNorm: one read of x, one write of y, with the affine transform, an optional residual
 * add and an optional ReLU fused in:
 *
 *   y = relu?( ((x - shift) * scale + offset) * col_weight + col_bias + residual )
 *
 * x is `rows` rows of `len` contiguous floats. (shift, scale, offset) come from the planar
 * parameter arrays, per row (entry row % mod: per channel for BatchNorm, per (n, c) for the
 * others) or, with col_params, per column (BatchNorm on (N, C) input). col_weight/col_bias are
 * LayerNorm's elementwise affine, per column.
 *
 * A work-item takes `rows_per_item` whole rows (short rows) or one `seg`-long segment of a row
 * (long rows, `segs` segments per row), vectorised along the row.
 *
 * flags: 1 residual, 2 relu, 4 column weight, 8 column bias.
 * Build options: VEC (vector width: 4, 8 or 16). */

#ifndef VEC
#error "VEC must be defined"
#endif

#define F_RESIDUAL 1
#define F_RELU 2
#define F_COL_WEIGHT 4
#define F_COL_BIAS 8

inline floatV relu_v(floatV v) { return select(v, (floatV)(0.0f), v < (floatV)(0.0f)); }

/* NaN stays NaN, as in torch.relu. */
inline float relu_s(float v) { return v < 0.0f ? 0.0f : v; }

/* One row's range [m0, m1) for flags FL and col_params COLP: vectors, then the scalar tail. The
 * kernel expands it once per combination with literal arguments (APPLY_CASE), so each loop is
 * branch-free (measured ~10% faster on PoCL than testing the flags inside the loop). */
#define APPLY_ROW(FL, COLP)                                                  \
  do {                                                                       \
    for (ulong m = m0; m < nvec_end; m += VEC) {                             \
      floatV v = vloadV(0, xr + m);                                          \
      if (COLP)                                                              \
        v = (v - vloadV(0, ps + m)) * vloadV(0, pa + m) + vloadV(0, pb + m); \
      else                                                                   \
        v = (v - s) * a + b;                                                 \
      if ((FL)&F_COL_WEIGHT)                                                 \
        v *= vloadV(0, cw + m);                                              \
      if ((FL)&F_COL_BIAS)                                                   \
        v += vloadV(0, cb + m);                                              \
      if ((FL)&F_RESIDUAL)                                                   \
        v += vloadV(0, rr + m);                                              \
      if ((FL)&F_RELU)                                                       \
        v = relu_v(v);                                                       \
      vstoreV(v, 0, yr + m);                                                 \
    }                                                                        \
    for (ulong m = nvec_end; m < m1; m++) {                                  \
      float v = xr[m];                                                       \
      if (COLP)                                                              \
        v = (v - ps[m]) * pa[m] + pb[m];                                     \
      else                                                                   \
        v = (v - s) * a + b;                                                 \
      if ((FL)&F_COL_WEIGHT)                                                 \
        v *= cw[m];                                                          \
      if ((FL)&F_COL_BIAS)                                                   \
        v += cb[m];                                                          \
      if ((FL)&F_RESIDUAL)                                                   \
        v += rr[m];                                                          \
      if ((FL)&F_RELU)                                                       \
        v = relu_s(v);                                                       \
      yr[m] = v;                                                             \
    }                                                                        \
  } while (0)

/* key = flags | 16 * col_params; per-column parameters never come with column affine. */
#define APPLY_CASE(K)            \
  case K:                        \
    APPLY_ROW((K)&15, (K) >> 4); \
    break;

__kernel void norm_apply(__global const float *restrict x, ulong x_off, __global float *restrict y,
                         ulong y_off, __global const float *restrict res, ulong res_off,
                         __global const float *restrict params, ulong shift_off, ulong scale_off,
                         ulong offset_off, ulong mod, int col_params,
                         __global const float *restrict col_w, ulong cw_off,
                         __global const float *restrict col_b, ulong cb_off, ulong rows, ulong len,
                         ulong seg, ulong segs, ulong rows_per_item, ulong items, int flags) {
  const ulong item = get_global_id(0);
  if (item >= items)
    return;
  ulong r0, r1, m0, m1;
  if (rows_per_item > 1) {
    r0 = item * rows_per_item;
    r1 = min(r0 + rows_per_item, rows);
    m0 = 0;
    m1 = len;
  } else {
    r0 = item / segs;
    r1 = r0 + 1;
    m0 = (item - r0 * segs) * seg;
    m1 = min(m0 + seg, len);
  }
  __global const float *ps = params + shift_off;
  __global const float *pa = params + scale_off;
  __global const float *pb = params + offset_off;
  __global const float *cw = col_w + cw_off;
  __global const float *cb = col_b + cb_off;
  const ulong nvec_end = m0 + (m1 - m0) / VEC * VEC;
  const int key = flags | (col_params ? 16 : 0);
  for (ulong r = r0; r < r1; r++) {
    const ulong base = r * len;
    __global const float *xr = x + x_off + base;
    __global float *yr = y + y_off + base;
    __global const float *rr = res + res_off + base;
    float s = 0.0f, a = 1.0f, b = 0.0f;
    if (!col_params) {
      const ulong p = r % mod;
      s = ps[p];
      a = pa[p];
      b = pb[p];
    }
    // clang-format off
    switch (key) {
      APPLY_CASE(0) APPLY_CASE(1) APPLY_CASE(2) APPLY_CASE(3) APPLY_CASE(4) APPLY_CASE(5)
      APPLY_CASE(6) APPLY_CASE(7) APPLY_CASE(8) APPLY_CASE(9) APPLY_CASE(10) APPLY_CASE(11)
      APPLY_CASE(12) APPLY_CASE(13) APPLY_CASE(14) APPLY_CASE(15) APPLY_CASE(16)
      APPLY_CASE(17) APPLY_CASE(18) APPLY_CASE(19)
    default:
      APPLY_ROW(flags, col_params);
    }
    // clang-format on
  }
}
