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

/* ---- training helpers: Add's gradient for b, MSE loss, SGD step ---- */

/* grad_b[j] = the sum of the grad_out elements that b[j] was broadcast to. One work-item per
 * grad_b element (a gather: deterministic, no atomics). grad_out is seen as dims alternating
 * between kept (b has them) and reduced (b broadcasts along them), at most three of each,
 * innermost first, with element strides into grad_out; absent dims have size 1. The innermost
 * reduced loop is summed on its own before joining the outer sums, which keeps the rounding
 * error near sqrt(length) ulps for the long spatial runs of a bias-like b. */
__kernel void add_backward_b(__global const float *restrict grad_out, ulong grad_out_offset,
                             __global float *restrict grad_b, ulong grad_b_offset, ulong kept0,
                             ulong kept1, ulong kept_stride0, ulong kept_stride1,
                             ulong kept_stride2, ulong red0, ulong red1, ulong red2,
                             ulong red_stride0, ulong red_stride1, ulong red_stride2, ulong count) {
  const ulong j = unit_id() * (ulong)LANES + (ulong)lane_id();
  if (j >= count)
    return;
  ulong rest = j;
  ulong base = (rest % kept0) * kept_stride0;
  rest /= kept0;
  base += (rest % kept1) * kept_stride1;
  rest /= kept1;
  base += rest * kept_stride2;
  __global const float *g = grad_out + grad_out_offset + base;
  float total = 0.0f;
  for (ulong i2 = 0; i2 < red2; i2++) {
    float middle = 0.0f;
    for (ulong i1 = 0; i1 < red1; i1++) {
      __global const float *row = g + i2 * red_stride2 + i1 * red_stride1;
      float inner = 0.0f;
      if (red_stride0 == 1)
        for (ulong i0 = 0; i0 < red0; i0++)
          inner += row[i0];
      else
        for (ulong i0 = 0; i0 < red0; i0++)
          inner += row[i0 * red_stride0];
      middle += inner;
    }
    total += middle;
  }
  grad_b[grad_b_offset + j] = total;
}

/* grad_input = (input - target) * scale, elementwise (torch's mse_loss_backward with
 * grad_output 1: the difference, then one multiplication by 2 / numel in fp32). */
__kernel void mse_loss_grad(__global const float *restrict input, ulong input_offset,
                            __global const float *restrict target, ulong target_offset,
                            __global float *restrict grad, ulong grad_offset, float scale,
                            ulong count) {
  const ulong start = unit_id() * (ulong)CHUNK;
  if (start >= count)
    return;
  const int n = (int)min((ulong)CHUNK, count - start);
  __global const float *px = input + input_offset + start;
  __global const float *pt = target + target_offset + start;
  __global float *dst = grad + grad_offset + start;
  for (int x = lane_id(); x < n; x += LANES)
    dst[x] = (px[x] - pt[x]) * scale;
}

/* loss[0] = mean((input - target)^2) by one work-group of LOSS_GROUP work-items: strided
 * partial sums, then a tree in local memory (deterministic for a given group size). */
#define LOSS_GROUP 64
__kernel __attribute__((reqd_work_group_size(LOSS_GROUP, 1, 1))) void
mse_loss_value(__global const float *restrict input, ulong input_offset,
               __global const float *restrict target, ulong target_offset,
               __global float *restrict loss, ulong loss_offset, ulong count) {
  __local float partial[LOSS_GROUP];
  const int lid = (int)get_local_id(0);
  /* Each work-item sums a contiguous block, in runs of 4096 summed separately, so rounding
   * grows with the run count rather than the element count. */
  const ulong per_item = (count + LOSS_GROUP - 1) / LOSS_GROUP;
  const ulong begin = min(count, (ulong)lid * per_item), end = min(count, begin + per_item);
  __global const float *px = input + input_offset, *pt = target + target_offset;
  float sum = 0.0f;
  for (ulong run = begin; run < end; run += 4096) {
    const ulong run_end = min(end, run + 4096);
    float run_sum = 0.0f;
    for (ulong i = run; i < run_end; i++) {
      const float d = px[i] - pt[i];
      run_sum += d * d;
    }
    sum += run_sum;
  }
  partial[lid] = sum;
  barrier(CLK_LOCAL_MEM_FENCE);
  for (int step = LOSS_GROUP / 2; step > 0; step /= 2) {
    if (lid < step)
      partial[lid] += partial[lid + step];
    barrier(CLK_LOCAL_MEM_FENCE);
  }
  if (lid == 0)
    loss[loss_offset] = (float)(partial[0] / (float)count);
}

/* One step of torch.optim.SGD (torch 1.13's _single_tensor_sgd, in its order of fp32
 * operations) on one parameter tensor:
 *   d = maximize ? -grad : grad;  d = d + weight_decay * param  (when weight_decay != 0)
 *   momentum != 0: buf = first_step ? d : buf * momentum + (1 - dampening) * d;
 *                  d = nesterov ? d + momentum * buf : buf
 *   param = param + (-lr) * d */
__kernel void sgd_step(__global float *restrict param, ulong param_offset,
                       __global const float *restrict grad, ulong grad_offset, __global float *buf,
                       ulong buf_offset, float lr, float momentum, float keep, float weight_decay,
                       int nesterov, int maximize, int first_step, ulong count) {
  const ulong start = unit_id() * (ulong)CHUNK;
  if (start >= count)
    return;
  const int n = (int)min((ulong)CHUNK, count - start);
  __global float *p = param + param_offset + start;
  __global const float *g = grad + grad_offset + start;
  /* buf is only read with momentum (the host passes param in its place otherwise); keep is
   * 1 - dampening, rounded from double as torch's alpha is. */
  __global float *b = buf + buf_offset + start;
  const float step = -lr;
  for (int x = lane_id(); x < n; x += LANES) {
    float d = maximize ? -g[x] : g[x];
    if (weight_decay != 0.0f)
      d = d + weight_decay * p[x];
    if (momentum != 0.0f) {
      const float v = first_step ? d : b[x] * momentum + keep * d;
      b[x] = v;
      d = nesterov ? d + momentum * v : v;
    }
    p[x] = p[x] + step * d;
  }
}
