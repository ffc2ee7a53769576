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

/* Gradient of sum(y * g) with respect to x, with s_c = k + alpha / size * (window sum at c):
 *
 *   dx_i = g_i s_i^-beta - (2 alpha beta / size) x_i * sum_{c = i - after}^{i + before} t_c,
 *   t_c = g_c x_c s_c^(-beta - 1)
 *
 * (the windows that contain channel i are those of channels i - after .. i + before). A
 * work-item walks the channels of one sample's `seg`-long run of positions in order: at channel
 * c it computes t_c and u_c = g_c s_c^-beta into a ring of `ring` channels (min(size, C)) of its
 * own in the scratch buffer, and finishes channel i = c - before, whose terms are then all in
 * the ring. So x and g are read once from memory (the window reads come from cache) and dx is
 * written once. A work-item takes tasks (sample, run) item, item + items, ... of `tasks`; the
 * ring holds t at [slot][0 .. seg) and u at [slot][seg .. 2 seg). */
__kernel void lrn_backward(__global const float *restrict x, ulong x_off,
                           __global const float *restrict g, ulong g_off,
                           __global float *restrict dx, ulong dx_off,
                           __global float *restrict scratch, ulong channels, ulong spatial,
                           ulong seg, ulong segs, ulong tasks, ulong items, long before, long after,
                           long ring, float alpha_size, float beta, int beta_mode, float k,
                           float coef) {
  const ulong item = get_global_id(0);
  if (item >= items)
    return;
  __global float *rt = scratch + item * (ulong)ring * 2 * seg;
  const long last = (long)channels - 1;
  for (ulong task = item; task < tasks; task += items) {
    const ulong n = task / segs;
    const ulong m0 = (task - n * segs) * seg, m1 = min(m0 + seg, spatial);
    const ulong len = m1 - m0, vec_end = len / VEC * VEC;
    __global const float *xs = x + x_off + n * channels * spatial + m0;
    __global const float *gs = g + g_off + n * channels * spatial + m0;
    __global float *ds = dx + dx_off + n * channels * spatial + m0;
    for (long c = 0; c <= last + before; c++) {
      if (c <= last) {
        const long lo = max(c - before, 0L), hi = min(c + after, last);
        __global float *t = rt + (ulong)(c % ring) * 2 * seg, *u = t + seg;
        const ulong off = (ulong)c * spatial;
        for (ulong m = 0; m < vec_end; m += VEC) {
          floatV sum = (floatV)(0.0f);
          for (long j = lo; j <= hi; j++) {
            const floatV v = vloadV(0, xs + (ulong)j * spatial + m);
            sum += v * v;
          }
          const floatV d = sum * alpha_size + k;
          const floatV uv = vloadV(0, gs + off + m) / pow_v(d, beta, beta_mode);
          vstoreV(uv, 0, u + m);
          vstoreV(uv * vloadV(0, xs + off + m) / d, 0, t + m);
        }
        for (ulong m = vec_end; m < len; m++) {
          float sum = 0.0f;
          for (long j = lo; j <= hi; j++) {
            const float v = xs[(ulong)j * spatial + m];
            sum += v * v;
          }
          const float d = sum * alpha_size + k;
          const float uv = gs[off + m] / pow_s(d, beta, beta_mode);
          u[m] = uv;
          t[m] = uv * xs[off + m] / d;
        }
      }
      const long i = c - before;
      if (i < 0)
        continue;
      const long lo = max(i - after, 0L), hi = min(i + before, last), first = lo % ring;
      __global const float *u = rt + (ulong)(i % ring) * 2 * seg + seg;
      const ulong off = (ulong)i * spatial;
      /* The window's slots are consecutive modulo the ring: step through them instead of a
       * division per load. */
      for (ulong m = 0; m < vec_end; m += VEC) {
        floatV sum = (floatV)(0.0f);
        for (long j = lo, slot = first; j <= hi; j++, slot = slot + 1 == ring ? 0 : slot + 1)
          sum += vloadV(0, rt + (ulong)slot * 2 * seg + m);
        vstoreV(vloadV(0, u + m) - coef * vloadV(0, xs + off + m) * sum, 0, ds + off + m);
      }
      for (ulong m = vec_end; m < len; m++) {
        float sum = 0.0f;
        for (long j = lo, slot = first; j <= hi; j++, slot = slot + 1 == ring ? 0 : slot + 1)
          sum += rt[(ulong)slot * 2 * seg + m];
        ds[off + m] = u[m] - coef * xs[off + m] * sum;
      }
    }
  }
}
