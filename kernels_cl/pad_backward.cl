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
 * dim 0 sharing the columns.
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

/* The input coordinates [*xa, *xb) whose only source is output x + before: the interior,
 * where grad_in is a shifted copy (or, over several output rows, a sum of shifted copies) of
 * grad_out. Everything outside it is a border element with zero, two or more sources. */
inline void single_source_span(int before, int n, int n_out, int *xa, int *xb) {
  const int after = n_out - n - before;
  int lo = max(-before, 0), hi = min(n, n_out - before);
#if MODE == 1
  /* Mirrored left copies reach x in [1, before], mirrored right ones x in [n - 1 - after,
   * n - 2]. */
  lo = max(lo, before > 0 ? before + 1 : 0);
  hi = min(hi, after > 0 ? n - 1 - after : n);
#elif MODE == 2
  /* The edge elements also feed the border ranges. */
  lo = max(lo, before > 0 ? 1 : 0);
  hi = min(hi, after > 0 ? n - 1 : n);
#elif MODE == 3
  const int c = max(-before, 0);
  const int m = n - c - max(-after, 0);
  const int base = max(before, 0);
  lo = max(lo, max(c, n_out - m - base + c));
  hi = min(hi, c + m - base);
#endif
  lo = clamp(lo, 0, n); /* 0 <= xa <= xb <= n, also when the span is empty */
  *xa = lo;
  *xb = clamp(hi, lo, n);
}

/* grad_in at column x of a row whose contributing output rows are given by the D and H ranges:
 * every source, in ascending output order. */
inline float border_value(int x, __global const float *g, const int *dlo, const int *dhi, int nd,
                          const int *hlo, const int *hhi, int nh, int pad_left, int in_w,
                          int out_w, int out_h, float zero) {
  int wlo[3], whi[3];
  const int nw = output_ranges(x, pad_left, in_w, out_w, wlo, whi);
  float acc = zero;
  for (int a = 0; a < nd; a++)
    for (int od = dlo[a]; od < dhi[a]; od++)
      for (int b = 0; b < nh; b++)
        for (int oh = hlo[b]; oh < hhi[b]; oh++) {
          __global const float *grow = g + ((ulong)od * (ulong)out_h + (ulong)oh) * (ulong)out_w;
          for (int c = 0; c < nw; c++)
            for (int ow = wlo[c]; ow < whi[c]; ow++)
              acc += grow[ow];
        }
  return (nd && nh && nw) ? acc : 0.0f;
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
  /* Constant padding's backward is a plain slice in PyTorch, so a single term keeps its sign
   * of zero there (-0 + t == t); the other modes accumulate into zeros, as PyTorch does. */
  const float zero = MODE == 0 ? -0.0f : 0.0f;

  /* Interior columns: one pass per contributing output row, in ascending order (the first
   * stores, the others add), each a contiguous loop the compiler vectorises. */
  int xa, xb;
  single_source_span(pad_left, in_w, out_w, &xa, &xb);
  bool first = true;
  for (int a = 0; a < nd; a++)
    for (int od = dlo[a]; od < dhi[a]; od++)
      for (int b = 0; b < nh; b++)
        for (int oh = hlo[b]; oh < hhi[b]; oh++) {
          __global const float *src =
              g + ((ulong)od * (ulong)out_h + (ulong)oh) * (ulong)out_w + pad_left;
          if (first)
            for (int x = xa + lane; x < xb; x += LANES)
              dst[x] = zero + src[x];
          else
            for (int x = xa + lane; x < xb; x += LANES)
              dst[x] += src[x];
          first = false;
        }
  if (first) /* no output row reads this input row (cropped away) */
    for (int x = xa + lane; x < xb; x += LANES)
      dst[x] = 0.0f;

  /* Border columns: every source of each, element by element. */
  for (int x = lane; x < xa; x += LANES)
    dst[x] = border_value(x, g, dlo, dhi, nd, hlo, hhi, nh, pad_left, in_w, out_w, out_h, zero);
  for (int x = xb + lane; x < in_w; x += LANES)
    dst[x] = border_value(x, g, dlo, dhi, nd, hlo, hhi, nh, pad_left, in_w, out_w, out_h, zero);
}
