/* LocalResponseNorm across channels, any input rank >= 3 seen as (N, C, S):
 *
 *   y[n, c, s] = x[n, c, s] / (k + alpha / size * sum_{c' = c - before}^{c + after} x[n, c',
 * s]^2)^beta
 *
 * with before = size / 2, after = (size - 1) / 2, channels outside [0, C) contributing 0 and the
 * divisor always `size` (torch's average pool with count_include_pad). The sum is taken in
 * channel order like torch's pooling; alpha / size comes from the host as one factor (torch
 * divides by size, then multiplies by alpha: the results differ by an ulp or so). A work-item
 * takes one sample and a `seg`-long run of positions, vectorised along it, for every channel.
 *
 * Build options: VEC (vector width: 4, 8 or 16). */

#ifndef VEC
#error "VEC must be defined"
#endif

/* d^beta. pow() is costly (tens of times a multiply on CPUs), so the usual exponents take
 * square roots instead, which are as accurate: mode 1: beta = 0.75, 2: 0.5, 3: 1, 0: pow. */
inline floatV pow_v(floatV d, float beta, int mode) {
  if (mode == 1) {
    const floatV r = sqrt(d);
    return r * sqrt(r);
  }
  if (mode == 2)
    return sqrt(d);
  if (mode == 3)
    return d;
  return pow(d, (floatV)(beta));
}

inline float pow_s(float d, float beta, int mode) {
  if (mode == 1) {
    const float r = sqrt(d);
    return r * sqrt(r);
  }
  if (mode == 2)
    return sqrt(d);
  if (mode == 3)
    return d;
  return pow(d, beta);
}

/* Streaming (non-temporal) stores for outputs too large to stay in the caches (as in
 * norm_apply.cl): no read for ownership of the lines written. p must be aligned to floatV. */
#if defined(__has_builtin)
#if __has_builtin(__builtin_nontemporal_store)
#define STREAM_STOREV(v, p) __builtin_nontemporal_store((v), (__global floatV *)(p))
#endif
#endif
#ifndef STREAM_STOREV
#define STREAM_STOREV(v, p) vstoreV((v), 0, (p))
#endif

__kernel void lrn_forward(__global const float *restrict x, ulong x_off, __global float *restrict y,
                          ulong y_off, ulong channels, ulong spatial, ulong seg, ulong segs,
                          ulong items, long before, long after, float alpha_size, float beta,
                          int beta_mode, float k, int stream) {
  const ulong item = get_global_id(0);
  if (item >= items)
    return;
  const ulong n = item / segs;
  const ulong m0 = (item - n * segs) * seg, m1 = min(m0 + seg, spatial);
  const ulong nvec_end = m0 + (m1 - m0) / VEC * VEC;
  __global const float *xs = x + x_off + n * channels * spatial;
  __global float *ys = y + y_off + n * channels * spatial;
  const long last = (long)channels - 1;
  for (long c = 0; c <= last; c++) {
    const long lo = max(c - before, 0L), hi = min(c + after, last);
    const bool nt = stream && ((ulong)(ys + (ulong)c * spatial + m0)) % (VEC * sizeof(float)) == 0;
    for (ulong m = m0; m < nvec_end; m += VEC) {
      floatV sum = (floatV)(0.0f);
      for (long j = lo; j <= hi; j++) {
        const floatV v = vloadV(0, xs + (ulong)j * spatial + m);
        sum += v * v;
      }
      const floatV d = sum * alpha_size + k;
      const floatV xv = vloadV(0, xs + (ulong)c * spatial + m);
      const floatV v = xv / pow_v(d, beta, beta_mode);
      if (nt)
        STREAM_STOREV(v, ys + (ulong)c * spatial + m);
      else
        vstoreV(v, 0, ys + (ulong)c * spatial + m);
    }
    for (ulong m = nvec_end; m < m1; m++) {
      float sum = 0.0f;
      for (long j = lo; j <= hi; j++) {
        const float v = xs[(ulong)j * spatial + m];
        sum += v * v;
      }
      ys[(ulong)c * spatial + m] =
          xs[(ulong)c * spatial + m] / pow_s(sum * alpha_size + k, beta, beta_mode);
    }
  }
}

/* One spatial element (input (N, C, 1, ...)): each sample is a row of C contiguous floats and the
 * window runs along it, so the kernel vectorises along the channels instead: a work-item takes
 * `seg` channels of one row; a vector of VEC outputs whose window lies inside the row sums
 * `size` unaligned vector loads (from L1), in window order as above; the row's ends go one float
 * at a time. lrn_forward would take one float per work-item and channel here. */
__kernel void lrn_rows(__global const float *restrict x, ulong x_off, __global float *restrict y,
                       ulong y_off, ulong channels, ulong seg, ulong segs, ulong items, long before,
                       long after, float alpha_size, float beta, int beta_mode, float k,
                       int stream) {
  const ulong item = get_global_id(0);
  if (item >= items)
    return;
  const ulong n = item / segs;
  const long c0 = (long)((item - n * segs) * seg), c1 = (long)min((ulong)c0 + seg, channels);
  __global const float *xr = x + x_off + n * channels;
  __global float *yr = y + y_off + n * channels;
  const long last = (long)channels - 1;
  const bool nt = stream && ((ulong)(yr + c0)) % (VEC * sizeof(float)) == 0;
  long c = c0;
  while (c < c1) {
    if (c - before >= 0 && c + VEC - 1 + after <= last && c + VEC <= c1) {
      floatV sum = (floatV)(0.0f);
      for (long j = -before; j <= after; j++) {
        const floatV v = vloadV(0, xr + c + j);
        sum += v * v;
      }
      const floatV d = sum * alpha_size + k;
      const floatV xv = vloadV(0, xr + c);
      const floatV v = xv / pow_v(d, beta, beta_mode);
      if (nt && (c - c0) % VEC == 0)
        STREAM_STOREV(v, yr + c);
      else
        vstoreV(v, 0, yr + c);
      c += VEC;
    } else {
      const long lo = max(c - before, 0L), hi = min(c + after, last);
      float sum = 0.0f;
      for (long j = lo; j <= hi; j++)
        sum += xr[j] * xr[j];
      yr[c] = xr[c] / pow_s(sum * alpha_size + k, beta, beta_mode);
      c++;
    }
  }
}
