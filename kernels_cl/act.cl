/* Elementwise and resampling layers: ReLU, Add (b broadcast into a, optional ReLU) and nearest
 * upsampling. All three are copy-bandwidth operations, so each work-item row (dims 1 and 2 of
 * the range) handles one "unit" of CHUNK contiguous output elements and the LANES work-items
 * along dim 0 share it. On CPUs (LANES 1) the per-unit loops are plain element loops that the
 * compiler vectorises into full-width loads and stores; on GPUs the lanes interleave so that
 * neighbouring work-items touch neighbouring floats.
 *
 * Build options: LANES (work-items per unit, the local and global size along dim 0) and CHUNK
 * (output elements per unit, a multiple of LANES). */

#ifndef LANES
#error "LANES must be defined"
#endif
#ifndef CHUNK
#error "CHUNK must be defined"
#endif

/* torch.relu: negatives become +0; NaN, -0.0 and +Inf stay (fmax would turn NaN into 0). */
inline float relu(float x) { return x < 0.0f ? 0.0f : x; }

/* Units are spread over dims 1 and 2 so that each stays below 65536 work-items (one PoCL
 * compiled work-group function for every size, see pad.cl). */
inline ulong unit_id(void) { return get_global_id(2) * get_global_size(1) + get_global_id(1); }

inline int lane_id(void) { return LANES == 1 ? 0 : (int)get_local_id(0); }

__kernel void relu_forward(__global const float *in, ulong in_offset, __global float *out,
                           ulong out_offset, ulong count) {
  const ulong start = unit_id() * (ulong)CHUNK;
  if (start >= count)
    return;
  const int n = (int)min((ulong)CHUNK, count - start);
  /* in and out may be the same memory (in place): each element is read before it is written
   * by the same work-item, so no restrict here. */
  __global const float *src = in + in_offset + start;
  __global float *dst = out + out_offset + start;
  /* In place gets its own one-pointer loop: the compiler's vectorised loop is guarded by a
   * runtime overlap check, which src == dst fails, leaving the scalar loop (half the speed). */
  if (src == dst)
    for (int x = lane_id(); x < n; x += LANES)
      dst[x] = relu(dst[x]);
  else
    for (int x = lane_id(); x < n; x += LANES)
      dst[x] = relu(src[x]);
}

/* grad_in = x <= 0 ? 0 : grad_out (torch's threshold_backward; a NaN x passes the gradient).
 * grad_in may be grad_out or x itself: those get one-pointer loops, as in relu_forward. */
__kernel void relu_backward(__global const float *x, ulong x_offset, __global const float *grad,
                            ulong grad_offset, __global float *grad_in, ulong grad_in_offset,
                            ulong count) {
  const ulong start = unit_id() * (ulong)CHUNK;
  if (start >= count)
    return;
  const int n = (int)min((ulong)CHUNK, count - start);
  __global const float *px = x + x_offset + start;
  __global const float *pg = grad + grad_offset + start;
  __global float *dst = grad_in + grad_in_offset + start;
  if (dst == pg)
    for (int i = lane_id(); i < n; i += LANES)
      dst[i] = px[i] <= 0.0f ? 0.0f : dst[i];
  else if (dst == px)
    for (int i = lane_id(); i < n; i += LANES)
      dst[i] = dst[i] <= 0.0f ? 0.0f : pg[i];
  else
    for (int i = lane_id(); i < n; i += LANES)
      dst[i] = px[i] <= 0.0f ? 0.0f : pg[i];
}

/* out = a + b (relu'd when fuse_relu) over rows of `row_len` elements. a and out are
 * contiguous with a's shape; b's element for row r starts at sum_k idx_k(r) * b_stride[k], where
 * idx_k are r's coordinates over the outer (collapsed) dims outer[0] (innermost) .. outer[3];
 * along the row b advances by b_inner (1) or stays (0: broadcast). */
__kernel void add_forward(__global const float *a, ulong a_offset, __global const float *b,
                          ulong b_offset, __global float *out, ulong out_offset, int row_len,
                          int b_inner, ulong outer0, ulong outer1, ulong outer2, ulong b_stride0,
                          ulong b_stride1, ulong b_stride2, ulong b_stride3, ulong units,
                          int chunks_per_row, int fuse_relu) {
  const ulong unit = unit_id();
  if (unit >= units)
    return;
  const ulong row = unit / (ulong)chunks_per_row;
  const int x0 = (int)(unit - row * (ulong)chunks_per_row) * CHUNK;
  const int n = min(CHUNK, row_len - x0);
  const int lane = lane_id();

  ulong r = row;
  ulong boff = (r % outer0) * b_stride0;
  r /= outer0;
  boff += (r % outer1) * b_stride1;
  r /= outer1;
  boff += (r % outer2) * b_stride2;
  r /= outer2;
  boff += r * b_stride3;

  const ulong start = row * (ulong)row_len + (ulong)x0;
  __global const float *pa = a + a_offset + start;
  __global float *dst = out + out_offset + start;
  /* In place (dst == pa, or dst == pb, swapped into dst == pa as a + b == b + a) gets loops
   * that read through dst itself, for the reason given in relu_forward. */
  if (b_inner) {
    __global const float *pb = b + b_offset + boff + (ulong)x0;
    if (dst == pb) {
      pb = pa;
      pa = dst;
    }
    if (dst == pa && fuse_relu)
      for (int x = lane; x < n; x += LANES)
        dst[x] = relu(dst[x] + pb[x]);
    else if (dst == pa)
      for (int x = lane; x < n; x += LANES)
        dst[x] = dst[x] + pb[x];
    else if (fuse_relu)
      for (int x = lane; x < n; x += LANES)
        dst[x] = relu(pa[x] + pb[x]);
    else
      for (int x = lane; x < n; x += LANES)
        dst[x] = pa[x] + pb[x];
  } else {
    const float bv = b[b_offset + boff];
    if (dst == pa && fuse_relu)
      for (int x = lane; x < n; x += LANES)
        dst[x] = relu(dst[x] + bv);
    else if (dst == pa)
      for (int x = lane; x < n; x += LANES)
        dst[x] = dst[x] + bv;
    else if (fuse_relu)
      for (int x = lane; x < n; x += LANES)
        dst[x] = relu(pa[x] + bv);
    else
      for (int x = lane; x < n; x += LANES)
        dst[x] = pa[x] + bv;
  }
}

/* Nearest source index, as PyTorch 1.13's CPU kernel computes it: min(floor(float(o) * scale),
 * n - 1) in fp32. The product is >= 0, so the truncating conversion is the floor (and, unlike a
 * floor call, vectorises). */
inline int nearest_source(int o, float scale, int n) { return min((int)((float)o * scale), n - 1); }

/* The first output index whose source is >= i (n_out when none), with the sources of torch
 * 1.13's CPU backward (nearest_idx): unlike its forward, it takes n_out == n as a copy and
 * n_out == 2 n as o >> 1 whatever the scale; otherwise nearest_source, which is non-decreasing
 * in o, and i / scale estimates the answer to within fp32 rounding, so a short walk from just
 * below the estimate finds it exactly. */
inline int first_output(int i, float scale, int n, int n_out) {
  if (i <= 0)
    return 0;
  if (i >= n)
    return n_out;
  if (n_out == n)
    return i;
  if (n_out == 2 * n)
    return 2 * i;
  int o = max((int)((float)i / scale) - 2, 0);
  while (o > 0 && nearest_source(o - 1, scale, n) >= i)
    o--;
  while (o < n_out && nearest_source(o, scale, n) < i)
    o++;
  return o;
}

/* Backward of upsample_forward as torch computes it: grad_in row r is (plane, id, ih) of the
 * input; every element sums the grad_out elements whose (backward) source it is, outputs
 * [first_output(i), first_output(i + 1)) per dim, in ascending output order (the order torch's CPU
 * backward accumulates in). */
__kernel void upsample_backward(__global const float *restrict grad_out, ulong grad_out_offset,
                                __global float *restrict grad_in, ulong grad_in_offset, int in_w,
                                int in_h, int in_d, int out_w, int out_h, int out_d, float scale_w,
                                float scale_h, float scale_d, ulong rows) {
  const ulong row = unit_id();
  if (row >= rows)
    return;
  const int ih = (int)(row % (ulong)in_h);
  const ulong rest = row / (ulong)in_h;
  const int id = (int)(rest % (ulong)in_d);
  const ulong plane = rest / (ulong)in_d;
  const int d0 = first_output(id, scale_d, in_d, out_d);
  const int d1 = first_output(id + 1, scale_d, in_d, out_d);
  const int h0 = first_output(ih, scale_h, in_h, out_h);
  const int h1 = first_output(ih + 1, scale_h, in_h, out_h);
  __global const float *g =
      grad_out + grad_out_offset + plane * (ulong)out_d * (ulong)out_h * (ulong)out_w;
  __global float *dst = grad_in + grad_in_offset + row * (ulong)in_w;
  for (int x = lane_id(); x < in_w; x += LANES) {
    const int w0 = first_output(x, scale_w, in_w, out_w);
    const int w1 = first_output(x + 1, scale_w, in_w, out_w);
    float acc = 0.0f;
    for (int od = d0; od < d1; od++)
      for (int oh = h0; oh < h1; oh++) {
        __global const float *grow = g + ((ulong)od * (ulong)out_h + (ulong)oh) * (ulong)out_w;
        for (int ow = w0; ow < w1; ow++)
          acc += grow[ow];
      }
    dst[x] = acc;
  }
}

/* Nearest upsampling over output rows of out_w elements: row r is (plane, od, oh) with plane =
 * n * C + c; D and H are 1 for the lower ranks. */
__kernel void upsample_forward(__global const float *restrict in, ulong in_offset,
                               __global float *restrict out, ulong out_offset, int in_w, int in_h,
                               int in_d, int out_w, int out_h, int out_d, float scale_w,
                               float scale_h, float scale_d, int shift_w, ulong units,
                               int chunks_per_row) {
  const ulong unit = unit_id();
  if (unit >= units)
    return;
  const ulong row = unit / (ulong)chunks_per_row;
  const int x0 = (int)(unit - row * (ulong)chunks_per_row) * CHUNK;
  const int n = min(CHUNK, out_w - x0);

  const int oh = (int)(row % (ulong)out_h);
  const ulong rest = row / (ulong)out_h;
  const int od = (int)(rest % (ulong)out_d);
  const ulong plane = rest / (ulong)out_d;
  const int sh = nearest_source(oh, scale_h, in_h);
  const int sd = nearest_source(od, scale_d, in_d);

  __global const float *src =
      in + in_offset + ((plane * (ulong)in_d + (ulong)sd) * (ulong)in_h + (ulong)sh) * (ulong)in_w;
  __global float *dst = out + out_offset + row * (ulong)out_w + (ulong)x0;
  const int lane = lane_id();
  /* shift_w >= 0: the host found that nearest_source(x, scale_w, in_w) == x >> shift_w for the
   * whole row; 0 and 1 (a copy, and x2, the common case) get loops the compiler vectorises
   * (contiguous loads, an interleaving store), where the general loop is a gather. */
  if (shift_w == 0) {
    for (int x = lane; x < n; x += LANES)
      dst[x] = src[x0 + x];
  } else if (shift_w == 1) {
    __global const float *pairs_src = src + (x0 >> 1); /* CHUNK is even */
    for (int i = lane; i < n >> 1; i += LANES) {
      const float v = pairs_src[i];
      dst[2 * i] = v;
      dst[2 * i + 1] = v;
    }
    if ((n & 1) && lane == 0)
      dst[n - 1] = pairs_src[(n - 1) >> 1];
  } else {
    for (int x = lane; x < n; x += LANES)
      dst[x] = src[nearest_source(x0 + x, scale_w, in_w)];
  }
}
