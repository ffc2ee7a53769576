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

/* pmode: P_RUNNING: the row parameters come from the running statistics of channel r % mod
 * (BatchNorm eval, one launch) with the weight (P_WEIGHT) and bias (P_BIAS), computed as
 * norm_params does; else from the planar arrays. */
#define P_RUNNING 1
#define P_WEIGHT 2
#define P_BIAS 4

/* order: the work-groups' order over memory. PoCL runs work-groups roughly in ascending order,
 * so after a statistics pass a reversed apply first reads what that pass read last, still in the
 * last-level cache: ORDER_ROWS reverses the row order (statistics in row order),
 * ORDER_CHANNELS reverses BatchNorm's channel-major order. Segments-per-row layout only. */
#define ORDER_FORWARD 0
#define ORDER_ROWS 1
#define ORDER_CHANNELS 2

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
      if (nt)                                                                \
        STREAM_STOREV(v, yr + m);                                            \
      else                                                                   \
        vstoreV(v, 0, yr + m);                                               \
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

__kernel void
norm_apply(__global const float *restrict x, ulong x_off, __global float *restrict y, ulong y_off,
           __global const float *restrict res, ulong res_off, __global const float *restrict params,
           ulong shift_off, ulong scale_off, ulong offset_off, ulong mod, int col_params,
           __global const float *restrict col_w, ulong cw_off, __global const float *restrict col_b,
           ulong cb_off, ulong rows, ulong len, ulong seg, ulong segs, ulong rows_per_item,
           ulong items, int flags, __global const float *restrict run_mean, ulong rm_off,
           __global const float *restrict run_var, ulong rv_off,
           __global const float *restrict aff_w, ulong aw_off, __global const float *restrict aff_b,
           ulong ab_off, int pmode, float eps, int order, int stream) {
  ulong item = get_global_id(0);
  if (item >= items)
    return;
  if (order != ORDER_FORWARD)
    item = items - 1 - item;
  if (order == ORDER_CHANNELS) {
    /* item enumerates (c, n, segment), c-major, as the BatchNorm statistics pass reads them. */
    const ulong batch = rows / mod;
    const ulong o = item / segs, sg = item - o * segs;
    const ulong c = o / batch, n = o - c * batch;
    item = (n * mod + c) * segs + sg;
  }
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
    const bool nt = STREAM_AT(stream, yr + m0);
    float s = 0.0f, a = 1.0f, b = 0.0f;
    if (pmode & P_RUNNING) {
      const ulong c = r % mod;
      const float w = (pmode & P_WEIGHT) ? aff_w[aw_off + c] : 1.0f;
      const float bias = (pmode & P_BIAS) ? aff_b[ab_off + c] : 0.0f;
      s = run_mean[rm_off + c];
      a = w / sqrt(run_var[rv_off + c] + eps);
      b = bias - 0.0f * a; /* norm_params' offset with mean 0: NaN when a is infinite */
    } else if (!col_params) {
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
