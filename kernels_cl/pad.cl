/* Padding layers (ReflectionPad, ReplicationPad, ConstantPad/ZeroPad, CircularPad; 1d/2d/3d).
 *
 * The tensor is seen as rows of the last dimension: planes (all unpadded leading dims) x D x H
 * rows of W. Each work-item row dim1 handles one output row; the LANES work-items along dim0
 * share its columns. The part of the row that comes straight from the input is a contiguous,
 * vectorised copy; only the few border columns are gathered one by one. Negative padding crops,
 * which is the same code with an empty border.
 *
 * Build options: MODE (0 constant, 1 reflect, 2 replicate, 3 circular), VEC (vector width). */

#ifndef MODE
#error "MODE must be defined"
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

__kernel void pad_forward(__global const float *restrict in, ulong in_offset,
                          __global float *restrict out, ulong out_offset, int in_w, int in_h,
                          int in_d, int out_w, int out_h, int out_d, int pad_left, int pad_top,
                          int pad_front, float value, ulong rows) {
  const ulong row = get_global_id(1);
  if (row >= rows)
    return;
  const int lane = (int)get_global_id(0);
  const int lanes = (int)get_global_size(0);

  const int oh = (int)(row % (ulong)out_h);
  const ulong rest = row / (ulong)out_h;
  const int od = (int)(rest % (ulong)out_d);
  const ulong plane = rest / (ulong)out_d;

  __global float *dst = out + out_offset + row * (ulong)out_w;
  const int sh = source_coordinate(oh, pad_top, in_h, out_h);
  const int sd = source_coordinate(od, pad_front, in_d, out_d);

#if MODE == 0
  if (sh < 0 || sd < 0) {
    const floatV fill = (floatV)(value);
    const int nvec = out_w / VEC;
    for (int c = lane; c < nvec; c += lanes)
      vstoreV(fill, c, dst);
    for (int x = nvec * VEC + lane; x < out_w; x += lanes)
      dst[x] = value;
    return;
  }
#endif

  __global const float *src =
      in + in_offset + ((plane * (ulong)in_d + (ulong)sd) * (ulong)in_h + (ulong)sh) * (ulong)in_w;

  /* Output columns [lo, hi) read input columns [lo - pad_left, hi - pad_left) directly. */
  const int lo = clamp(pad_left, 0, out_w);
  const int hi = max(lo, min(out_w, in_w + pad_left));
  const int nvec = (hi - lo) / VEC;
  __global const float *src_interior = src + (lo - pad_left);
  __global float *dst_interior = dst + lo;
  for (int c = lane; c < nvec; c += lanes)
    vstoreV(vloadV(c, src_interior), c, dst_interior);

  /* Borders and the interior's tail. */
  for (int x = lane; x < lo; x += lanes) {
    const int sx = source_coordinate(x, pad_left, in_w, out_w);
#if MODE == 0
    dst[x] = sx < 0 ? value : src[sx];
#else
    dst[x] = src[sx];
#endif
  }
  for (int x = lo + nvec * VEC + lane; x < out_w; x += lanes) {
    const int sx = source_coordinate(x, pad_left, in_w, out_w);
#if MODE == 0
    dst[x] = sx < 0 ? value : src[sx];
#else
    dst[x] = src[sx];
#endif
  }
}
