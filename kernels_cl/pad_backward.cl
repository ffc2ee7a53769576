/* Backward of the padding layers: grad_in = d(sum(pad(in) * grad_out)) / d(in).
 *
 * Several outputs can read one input element (reflect and circular read it up to three times
 * per padded dim, replicate a whole border range), so this is a gather, never a scatter: each
 * grad_in element is computed by one work-item, which sums the grad_out elements that read it
 * in ascending output order (the order PyTorch's CPU kernels accumulate in). No atomics, no
 * races, and the result does not depend on the launch.
 *
 * Layout as in pad.cl: grad_in is seen as rows of the last dim (planes x D x H rows of W); each
 * work-item row (dims 1 and 2 of the range) handles one grad_in row, its LANES work-items along
 * dim 0 sharing the columns (a column always belongs to the same lane). Along W the sources of
 * a column are affine in it (o = x + s, or o = s - x for reflect's mirrors), so a row is summed
 * as a few contiguous passes per contributing output row, not column by column.
 *
 * Build options: MODE (0 constant, 1 reflect, 2 replicate, 3 circular), LANES. */

#ifndef MODE
#error "MODE must be defined"
#endif
#ifndef LANES
#error "LANES must be defined"
#endif

/* The output coordinates of one padded dim (input size n, output size n_out, leading pad
 * `before`, negative = crop) whose forward value is input coordinate x, as up to three ranges
 * [lo, hi) in ascending order. Returns how many ranges. The inverse of source_coordinate in
 * pad.cl, under the same host-checked preconditions. */
inline int output_ranges(int x, int before, int n, int n_out, int *lo, int *hi) {
  int count = 0;
#if MODE == 2
  /* Replicate: the first input element also feeds every output left of it, the last one every
   * output right of it. */
  const int l = max(x == 0 ? 0 : x + before, 0);
  const int h = min(x == n - 1 ? n_out : x + before + 1, n_out);
  if (l < h) {
    lo[0] = l;
    hi[0] = h;
    count = 1;
  }
#else
  int cand[3];
  int k = 0;
#if MODE == 0
  cand[k++] = x + before;
#elif MODE == 1
  /* Reflect: x is read at offset x from the left edge, mirrored left of it (-x) and mirrored
   * right of the last element (2(n - 1) - x); pads < n, so there is no second mirror. */
  if (x > 0)
    cand[k++] = before - x;
  cand[k++] = before + x;
  if (x < n - 1)
    cand[k++] = before + 2 * (n - 1) - x;
#else
  /* Circular: the kept input [c, c + m) (after cropping) repeats with period m, starting at
   * output max(before, 0); pads <= m, so x appears at most once more on each side. */
  const int after = n_out - n - before;
  const int c = max(-before, 0);
  const int m = n - c - max(-after, 0);
  if (x >= c && x < c + m) {
    const int o = max(before, 0) + (x - c);
    cand[k++] = o - m;
    cand[k++] = o;
    cand[k++] = o + m;
  }
#endif
  for (int i = 0; i < k; i++) {
    if (cand[i] >= 0 && cand[i] < n_out) {
      lo[count] = cand[i];
      hi[count] = cand[i] + 1;
      count++;
    }
  }
#endif
  return count;
}

/* The first column >= xlo that belongs to `lane`: a lane owns the columns x with
 * x % LANES == lane in every pass, so the passes of one row never race between lanes. */
inline int first_column(int xlo, int lane) {
  return LANES == 1 ? xlo : xlo + ((lane - xlo) % LANES + LANES) % LANES;
}

/* dst[x] += src[o] for every source o of column x of one contributing output row, as passes
 * over contiguous column ranges (each a loop the compiler vectorises) in ascending o for every
 * x: the left border's sources, the direct one (o = x + before), the right border's. */
inline void add_row_sources(__global float *restrict dst, __global const float *restrict src,
                            int before, int n, int n_out, int lane) {
  const int after = n_out - n - before;
#if MODE == 3
  /* Circular: x in the kept input [c, c + m) is read at base + (x - c) + k m, k = -1, 0, 1. */
  const int c = max(-before, 0);
  const int m = n - c - max(-after, 0);
  const int base = max(before, 0);
  for (int k = -1; k <= 1; k++) {
    const int shift = base - c + k * m; /* o = x + shift */
    const int lo = max(c, -shift), hi = min(c + m, n_out - shift);
    for (int x = first_column(lo, lane); x < hi; x += LANES)
      dst[x] += src[x + shift];
  }
#else
#if MODE == 1
  /* Left mirror: x in [1, before] is read at before - x. */
  for (int x = first_column(max(1, before - n_out + 1), lane); x <= before; x += LANES)
    dst[x] += src[before - x];
#elif MODE == 2
  /* Replicate: x = 0 is also read by every output left of it. */
  if (before > 0 && lane == 0) {
    float acc = dst[0];
    for (int o = 0; o < min(before, n_out); o++)
      acc += src[o];
    dst[0] = acc;
  }
#endif
  const int lo = max(0, -before), hi = min(n, n_out - before);
  for (int x = first_column(lo, lane); x < hi; x += LANES)
    dst[x] += src[x + before];
#if MODE == 1
  /* Right mirror: x in [n - 1 - after, n - 2] is read at before + 2 (n - 1) - x. */
  const int right_hi = min(n - 2, before + 2 * (n - 1));
  for (int x = first_column(max(0, n - 1 - after), lane); x <= right_hi; x += LANES)
    dst[x] += src[before + 2 * (n - 1) - x];
#elif MODE == 2
  /* ... and x = n - 1 by every output right of it. */
  if (after > 0 && lane == (n - 1) % LANES) {
    float acc = dst[n - 1];
    for (int o = max(n + before, 0); o < n_out; o++)
      acc += src[o];
    dst[n - 1] = acc;
  }
#endif
#endif
}

__kernel void pad_backward(__global const float *restrict grad_out, ulong grad_out_offset,
                           __global float *restrict grad_in, ulong grad_in_offset, int in_w,
                           int in_h, int in_d, int out_w, int out_h, int out_d, int pad_left,
                           int pad_top, int pad_front, ulong rows) {
  const ulong row = get_global_id(2) * get_global_size(1) + get_global_id(1);
  if (row >= rows)
    return;
  const int lane = LANES == 1 ? 0 : (int)get_local_id(0);

  const int ih = (int)(row % (ulong)in_h);
  const ulong rest = row / (ulong)in_h;
  const int id = (int)(rest % (ulong)in_d);
  const ulong plane = rest / (ulong)in_d;

  int dlo[3], dhi[3], hlo[3], hhi[3];
  const int nd = output_ranges(id, pad_front, in_d, out_d, dlo, dhi);
  const int nh = output_ranges(ih, pad_top, in_h, out_h, hlo, hhi);
  __global const float *g =
      grad_out + grad_out_offset + plane * (ulong)out_d * (ulong)out_h * (ulong)out_w;
  __global float *dst = grad_in + grad_in_offset + row * (ulong)in_w;

  /* Zeros, then every contributing output row's terms added in ascending output order (rows
   * ascending, and within a row the passes of add_row_sources). Constant padding's backward is
   * a plain slice in PyTorch, so where a column has its one source it starts from -0.0 (-0 + t
   * is t, signed zeros included); elsewhere, and in the other modes, from +0.0 as PyTorch's
   * accumulation does. */
  const bool any_row = nd > 0 && nh > 0;
  for (int x = lane; x < in_w; x += LANES)
    dst[x] = 0.0f;
#if MODE == 0
  if (any_row)
    for (int x = first_column(max(0, -pad_left), lane); x < min(in_w, out_w - pad_left); x += LANES)
      dst[x] = -0.0f;
#endif
  for (int a = 0; a < nd; a++)
    for (int od = dlo[a]; od < dhi[a]; od++)
      for (int b = 0; b < nh; b++)
        for (int oh = hlo[b]; oh < hhi[b]; oh++)
          add_row_sources(dst, g + ((ulong)od * (ulong)out_h + (ulong)oh) * (ulong)out_w, pad_left,
                          in_w, out_w, lane);
}
