/* Padding layers (ReflectionPad, ReplicationPad, ConstantPad/ZeroPad, CircularPad; 1d/2d/3d).
 *
 * The tensor is seen as rows of the last dimension: planes (all unpadded leading dims) x D x H
 * rows of W. Each work-item row (dims 1 and 2 of the range) handles one output row; the LANES
 * work-items along dim 0 share its columns. The part of the row that comes straight from the
 * input is a contiguous copy; the border columns are fills (constant, replicate), a mirrored
 * copy (reflect) or contiguous copies (circular). Negative padding crops, which is the same code
 * with an empty border.
 *
 * Build options: MODE (0 constant, 1 reflect, 2 replicate, 3 circular); LANES (work-items per
 * row, the local and global size along dim 0); VEC: 1 copies with plain element loops that the
 * compiler vectorises (on PoCL these become full-width AVX loads and stores, while vloadN/vstoreN
 * are split into 16-byte halves), 4/8/16 copies with vloadN/vstoreN per lane. */

#ifndef MODE
#error "MODE must be defined"
#endif
#ifndef LANES
#error "LANES must be defined"
#endif
#ifndef VEC
#error "VEC must be defined"
#endif

/* Maps output coordinate o of a padded dim (input size n, output size n_out, leading pad
 * `before`) to the input coordinate it reads; -1 means "outside" (constant mode only). The
 * host guarantees the preconditions: reflect pads < n, replicate n >= 1, circular as below. */
inline int source_coordinate(int o, int before, int n, int n_out) {
#if MODE == 3
  /* Circular crops first and wraps around what is left, as PyTorch does: the kept input is
   * [c, c + m) with c = max(-before, 0) and m = n - c - max(-after, 0), and o reads
   * c + (o - max(before, 0)) mod m. The host guarantees m >= 1 and before, after <= m. */
  const int after = n_out - n - before;
  const int c = max(-before, 0);
  const int m = n - c - max(-after, 0);
  int t = o - max(before, 0);
  t = t < 0 ? t + m : t;
  return c + (t >= m ? t - m : t);
#else
  int x = o - before;
#if MODE == 0
  return (x >= 0 && x < n) ? x : -1;
#elif MODE == 1
  x = x < 0 ? -x : x;
  return x >= n ? 2 * (n - 1) - x : x;
#else
  return clamp(x, 0, n - 1);
#endif
#endif
}

/* dst[x] = src[x] for x in [0, n), the lanes of a row taking turns. */
inline void copy_span(__global float *restrict dst, __global const float *restrict src, int n,
                      int lane) {
#if VEC == 1
  for (int x = lane; x < n; x += LANES)
    dst[x] = src[x];
#else
  const int nvec = n / VEC;
  for (int c = lane; c < nvec; c += LANES)
    vstoreV(vloadV(c, src), c, dst);
  for (int x = nvec * VEC + lane; x < n; x += LANES)
    dst[x] = src[x];
#endif
}

/* dst[x] = value for x in [0, n). */
inline void fill_span(__global float *restrict dst, float value, int n, int lane) {
  for (int x = lane; x < n; x += LANES)
    dst[x] = value;
}

__kernel void pad_forward(__global const float *restrict in, ulong in_offset,
                          __global float *restrict out, ulong out_offset, int in_w, int in_h,
                          int in_d, int out_w, int out_h, int out_d, int pad_left, int pad_top,
                          int pad_front, float value, ulong rows) {
  /* Rows are spread over dims 1 and 2 so that each stays below 65536 work-items. */
  const ulong row = get_global_id(2) * get_global_size(1) + get_global_id(1);
  if (row >= rows)
    return;
  const int lane = LANES == 1 ? 0 : (int)get_local_id(0);

  const int oh = (int)(row % (ulong)out_h);
  const ulong rest = row / (ulong)out_h;
  const int od = (int)(rest % (ulong)out_d);
  const ulong plane = rest / (ulong)out_d;

  __global float *dst = out + out_offset + row * (ulong)out_w;
  const int sh = source_coordinate(oh, pad_top, in_h, out_h);
  const int sd = source_coordinate(od, pad_front, in_d, out_d);

#if MODE == 0
  if (sh < 0 || sd < 0) {
    fill_span(dst, value, out_w, lane);
    return;
  }
#endif

  __global const float *src =
      in + in_offset + ((plane * (ulong)in_d + (ulong)sd) * (ulong)in_h + (ulong)sh) * (ulong)in_w;

  /* Output columns [lo, hi) read input columns [lo - pad_left, hi - pad_left) directly; the
   * borders [0, lo) and [hi, out_w) follow source_coordinate(x, pad_left, in_w, out_w), written
   * out per mode as fills, mirrored or contiguous copies (no per-column index arithmetic). */
  const int lo = clamp(pad_left, 0, out_w);
  const int hi = max(lo, min(out_w, in_w + pad_left));
  copy_span(dst + lo, src + (lo - pad_left), hi - lo, lane);
#if MODE == 0
  fill_span(dst, value, lo, lane);
  fill_span(dst + hi, value, out_w - hi, lane);
#elif MODE == 1
  /* Left columns have x - pad_left in (-in_w, 0), right ones in [in_w, 2 in_w - 1). */
  for (int x = lane; x < lo; x += LANES)
    dst[x] = src[pad_left - x];
  for (int x = hi + lane; x < out_w; x += LANES)
    dst[x] = src[2 * (in_w - 1) + pad_left - x];
#elif MODE == 2
  fill_span(dst, src[0], lo, lane);
  fill_span(dst + hi, src[in_w - 1], out_w - hi, lane);
#else
  /* With c and m as in source_coordinate, left columns (pad_left > 0) read c + m + x - pad_left
   * and right ones c - m + x - max(pad_left, 0): each border is one contiguous span. */
  const int after = out_w - in_w - pad_left;
  const int c = max(-pad_left, 0);
  const int m = in_w - c - max(-after, 0);
  if (lo > 0)
    copy_span(dst, src + (c + m - pad_left), lo, lane);
  if (hi < out_w)
    copy_span(dst + hi, src + (c - m - max(pad_left, 0) + hi), out_w - hi, lane);
#endif
}
