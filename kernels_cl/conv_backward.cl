/* Convolution backward, the general kernels: every configuration the forward takes (1d/2d as 3d
 * with size-1 leading dims, groups, stride, dilation, every padding mode, input_upsample).
 *
 * Every gradient element is computed by one work-item that gathers its terms: no atomics, no
 * races, the same result on every run. grad_input gathers over the output positions whose
 * windows read the input element, including the padded positions that reflect, replicate and
 * circular padding fold onto it and the factor^dims upsampled copies of it. */

inline int floor_div(int a, int b) { return a >= 0 ? a / b : -((b - 1 - a) / b); }

/* The padded coordinates q (relative to the unpadded input, -before <= q < n + after) that read
 * one of the upsampled positions u_lo..u_hi: the positions themselves and their images in the
 * before and after pads. The host guarantees reflect pads < n and circular pads <= n, so each
 * pad holds at most one image, and the (up to three) intervals are disjoint. Interval `which`
 * (0, 1, 2) into [*lo, *hi]; empty when *lo > *hi. */
inline void conv_bw_interval(int which, int u_lo, int u_hi, int n, int before, int after, int mode,
                             int *lo, int *hi) {
  *lo = 0;
  *hi = -1;
  if (which == 0) {
    *lo = u_lo;
    *hi = u_hi;
    return;
  }
  const bool first = which == 1; /* the before pad [-before, -1]; else the after pad */
  const int pad_lo = first ? -before : n, pad_hi = first ? -1 : n - 1 + after;
  int a = 1, b = 0;
  switch (mode) {
  case MODE_REFLECT: /* q = -u before, 2(n - 1) - u after */
    a = first ? -u_hi : 2 * (n - 1) - u_hi;
    b = first ? -u_lo : 2 * (n - 1) - u_lo;
    break;
  case MODE_REPLICATE: /* the whole pad reads the edge */
    if (first ? u_lo == 0 : u_hi == n - 1) {
      a = pad_lo;
      b = pad_hi;
    }
    break;
  case MODE_CIRCULAR: /* q = u - n before, u + n after */
    a = first ? u_lo - n : u_lo + n;
    b = first ? u_hi - n : u_hi + n;
    break;
  default:
    break;
  }
  *lo = max(a, pad_lo);
  *hi = min(b, pad_hi);
}

/* The output positions o whose tap (offset tap_offset = tap * dilation) reads a padded
 * coordinate in [q_lo, q_hi]: o * stride - before + tap_offset = q, 0 <= o < out. */
inline void conv_bw_outputs(int q_lo, int q_hi, int before, int tap_offset, int stride, int out,
                            int *o_lo, int *o_hi) {
  *o_lo = max(-floor_div(-(q_lo + before - tap_offset), stride), 0);
  *o_hi = min(floor_div(q_hi + before - tap_offset, stride), out - 1);
}

/* grad_input (N, C, D, H, W) from grad_out (N, K, OD, OH, OW) and weight (K, C/groups, KD, KH,
 * KW): one input element per work-item. params per dim D/H/W: kernel, stride, dilation,
 * pad_before, pad_after, upsample. */
__kernel void conv_bw_input(__global const float *restrict grad_out, ulong grad_out_offset,
                            __global const float *restrict weight, ulong weight_offset,
                            __global float *restrict grad_in, ulong grad_in_offset, ulong total,
                            int channels, int out_channels, int groups, int in_d, int in_h,
                            int in_w, int out_d, int out_h, int out_w, int kd, int kh, int kw,
                            int sd, int sh, int sw, int dd, int dh, int dw, int pbd, int pbh,
                            int pbw, int pad, int pah, int paw, int mode, int ud, int uh, int uw) {
  const ulong index = get_global_id(0);
  if (index >= total)
    return;
  ulong rest = index;
  const int x = (int)(rest % (ulong)in_w);
  rest /= (ulong)in_w;
  const int y = (int)(rest % (ulong)in_h);
  rest /= (ulong)in_h;
  const int z = (int)(rest % (ulong)in_d);
  rest /= (ulong)in_d;
  const int c = (int)(rest % (ulong)channels);
  const ulong n = rest / (ulong)channels;

  const int group_in = channels / groups, group_out = out_channels / groups;
  const int g = c / group_in, ci = c - g * group_in;
  const int taps = kd * kh * kw;
  const ulong out_plane = (ulong)out_d * (ulong)out_h * (ulong)out_w;
  const int nd = in_d * ud, nh = in_h * uh, nw = in_w * uw; /* the upsampled sizes */

  float acc = 0.0f;
  for (int k = g * group_out; k < (g + 1) * group_out; k++) {
    __global const float *go =
        grad_out + grad_out_offset + (n * (ulong)out_channels + k) * out_plane;
    __global const float *w =
        weight + weight_offset + ((ulong)k * (ulong)group_in + (ulong)ci) * (ulong)taps;
    for (int iz = 0; iz < 3; iz++) {
      int qz_lo, qz_hi;
      conv_bw_interval(iz, z * ud, z * ud + ud - 1, nd, pbd, pad, mode, &qz_lo, &qz_hi);
      if (qz_lo > qz_hi)
        continue;
      for (int a = 0; a < kd; a++) {
        int od_lo, od_hi;
        conv_bw_outputs(qz_lo, qz_hi, pbd, a * dd, sd, out_d, &od_lo, &od_hi);
        for (int od = od_lo; od <= od_hi; od++) {
          for (int iy = 0; iy < 3; iy++) {
            int qy_lo, qy_hi;
            conv_bw_interval(iy, y * uh, y * uh + uh - 1, nh, pbh, pah, mode, &qy_lo, &qy_hi);
            if (qy_lo > qy_hi)
              continue;
            for (int b = 0; b < kh; b++) {
              int oh_lo, oh_hi;
              conv_bw_outputs(qy_lo, qy_hi, pbh, b * dh, sh, out_h, &oh_lo, &oh_hi);
              for (int oh = oh_lo; oh <= oh_hi; oh++) {
                __global const float *go_row =
                    go + ((ulong)od * (ulong)out_h + (ulong)oh) * (ulong)out_w;
                __global const float *w_row = w + (a * kh + b) * kw;
                for (int ix = 0; ix < 3; ix++) {
                  int qx_lo, qx_hi;
                  conv_bw_interval(ix, x * uw, x * uw + uw - 1, nw, pbw, paw, mode, &qx_lo, &qx_hi);
                  if (qx_lo > qx_hi)
                    continue;
                  for (int e = 0; e < kw; e++) {
                    int ow_lo, ow_hi;
                    conv_bw_outputs(qx_lo, qx_hi, pbw, e * dw, sw, out_w, &ow_lo, &ow_hi);
                    const float wv = w_row[e];
                    for (int ow = ow_lo; ow <= ow_hi; ow++)
                      acc = fma(go_row[ow], wv, acc);
                  }
                }
              }
            }
          }
        }
      }
    }
  }
  grad_in[grad_in_offset + index] = acc;
}

/* grad_weight (K, C/groups, KD, KH, KW) from grad_out (N, K, OD, OH, OW) and input (N, C, D, H,
 * W): one weight element per work-item, summing over the batch and the output positions the
 * products the forward made with it (padding and upsampling as in the forward's reads). */
__kernel void conv_bw_weight(__global const float *restrict grad_out, ulong grad_out_offset,
                             __global const float *restrict in, ulong in_offset,
                             __global float *restrict grad_weight, ulong grad_weight_offset,
                             ulong total, ulong batch, int channels, int out_channels, int groups,
                             int in_d, int in_h, int in_w, int out_d, int out_h, int out_w, int kd,
                             int kh, int kw, int sd, int sh, int sw, int dd, int dh, int dw,
                             int pbd, int pbh, int pbw, int mode, int ud, int uh, int uw) {
  const ulong index = get_global_id(0);
  if (index >= total)
    return;
  ulong rest = index;
  const int e = (int)(rest % (ulong)kw);
  rest /= (ulong)kw;
  const int b = (int)(rest % (ulong)kh);
  rest /= (ulong)kh;
  const int a = (int)(rest % (ulong)kd);
  rest /= (ulong)kd;
  const int group_in = channels / groups, group_out = out_channels / groups;
  const int ci = (int)(rest % (ulong)group_in);
  const int k = (int)(rest / (ulong)group_in);
  const int c = (k / group_out) * group_in + ci;
  const ulong in_plane = (ulong)in_d * (ulong)in_h * (ulong)in_w;
  const ulong out_plane = (ulong)out_d * (ulong)out_h * (ulong)out_w;

  float acc = 0.0f;
  for (ulong n = 0; n < batch; n++) {
    __global const float *src = in + in_offset + (n * (ulong)channels + (ulong)c) * in_plane;
    __global const float *go =
        grad_out + grad_out_offset + (n * (ulong)out_channels + (ulong)k) * out_plane;
    for (int od = 0; od < out_d; od++) {
      const int zu = conv_source(od * sd - pbd + a * dd, in_d * ud, mode);
      if (zu < 0)
        continue;
      for (int oh = 0; oh < out_h; oh++) {
        const int yu = conv_source(oh * sh - pbh + b * dh, in_h * uh, mode);
        if (yu < 0)
          continue;
        __global const float *row =
            src + ((ulong)(zu / ud) * (ulong)in_h + (ulong)(yu / uh)) * (ulong)in_w;
        __global const float *go_row = go + ((ulong)od * (ulong)out_h + (ulong)oh) * (ulong)out_w;
        for (int ow = 0; ow < out_w; ow++) {
          const int xu = conv_source(ow * sw - pbw + e * dw, in_w * uw, mode);
          if (xu >= 0)
            acc = fma(go_row[ow], row[xu / uw], acc);
        }
      }
    }
  }
  grad_weight[grad_weight_offset + index] = acc;
}

/* The convolved input as the forward reads it: upsampled, then padded per padding_mode, (N, C,
 * PD, PH, PW) with P = upsampled size + before + after per dim (zeros where zeros mode reads
 * nothing). With a W stride sw > 1 each row is split into sw phases of q = ceil(PW / sw)
 * positions (x at (x % sw) * q + x / sw), so that the positions one tap reads along an output
 * row are consecutive. conv_bw_weight_tiled reads it without any edge case. */
__kernel void conv_bw_stage(__global const float *restrict in, ulong in_offset,
                            __global float *restrict staged, int in_d, int in_h, int in_w, int pd,
                            int ph, int pw, int pbd, int pbh, int pbw, int mode, int ud, int uh,
                            int uw, int sw, int q) {
  /* gid 0: the staged row z * PH + y; gid 1: the plane n * C + c. */
  const int row = (int)get_global_id(0);
  if (row >= pd * ph)
    return;
  const ulong plane = get_global_id(1);
  const int zu = conv_source(row / ph - pbd, in_d * ud, mode);
  const int yu = conv_source(row % ph - pbh, in_h * uh, mode);
  __global float *dst = staged + (plane * (ulong)pd * (ulong)ph + (ulong)row) * (ulong)(sw * q);
  if (zu < 0 || yu < 0) {
    for (int x = 0; x < sw * q; x++)
      dst[x] = 0.0f;
    return;
  }
  __global const float *src =
      in + in_offset +
      ((plane * (ulong)in_d + (ulong)(zu / ud)) * (ulong)in_h + (ulong)(yu / uh)) * (ulong)in_w;
  const int nw = in_w * uw;
  if (sw > 1) { /* phase-split: position x at (x % sw) * q + x / sw; the gaps zeroed */
    for (int f = 0; f < sw; f++) {
      for (int j = 0; j < q; j++) {
        const int x = j * sw + f;
        float v;
        if (uw == 1 && x >= pbw && x < pbw + nw) {
          v = src[x - pbw];
        } else {
          const int xu = x < pw ? conv_source(x - pbw, nw, mode) : -1;
          v = xu >= 0 ? src[xu / uw] : 0.0f;
        }
        dst[f * q + j] = v;
      }
    }
    return;
  }
  if (uw == 1) {
    for (int x = 0; x < in_w; x++)
      dst[pbw + x] = src[x];
  } else {
    for (int x = 0; x < nw; x++)
      dst[pbw + x] = src[x / uw];
  }
  for (int x = 0; x < pbw; x++) {
    const int xu = conv_source(x - pbw, nw, mode);
    dst[x] = xu >= 0 ? src[xu / uw] : 0.0f;
  }
  for (int x = pbw + nw; x < pw; x++) {
    const int xu = conv_source(x - pbw, nw, mode);
    dst[x] = xu >= 0 ? src[xu / uw] : 0.0f;
  }
}

/* grad_weight, tiled: one work-item (a work-group of one) computes WKB output channels x WCB
 * weight columns (a column is one (input channel, tap) pair, the weight's flattened inner dims)
 * as WKB * WCB float16 accumulators over 16 output positions of a row at a time: per step WKB
 * rows of grad_out and WCB rows of the staged input (conv_bw_stage; each shifted by its tap) are
 * loaded once and multiplied all by all. The staged rows hold every position a window reads, so
 * the loads are plain vector loads at any stride (the phases of a strided row); the staged
 * buffer has 16 floats of slack past its end for a partial last step, whose extra lanes are
 * zeroed. Where the input is its own staged copy (no padding, upsampling or W stride) and rows are
 * whole steps, `staged` is the input itself at staged_offset (no copy, no partial step). 4 x 6
 * accumulators leave room in AVX-512's 32 registers for the 4 gradient vectors and one input
 * vector; the tiled kernel ran 1.8x faster than with 4 x 4 (128to128 k3, conv1d k5, 128to128 k1
 * benchmark cases, kernel time, two interleaved runs, load 4). gid 0: column block; gid 1: group *
 * k_blocks + block; gid 2: a chunk of chunk_rows rows of output positions (so that the work-items
 * running one after the other share their grad_out and input rows in the caches), whose partial
 * sums go to dst + gid 2 * dst_chunk_stride (grad_weight itself for one chunk; else
 * conv_bw_weight_sum adds them up). */
#ifndef WKB
#define WKB 4 /* build option: 4, or 1 for one output channel per group (depthwise) */
#endif
#ifndef WCB
#define WCB 6 /* build option: 6 (with WKB 4) or 9 (with WKB 1) */
#endif

/* The accumulators of one column for the WKB output channels, and their use. */
#if WKB == 4
#define ACC_DECL(j) float16 acc0##j = 0.0f, acc1##j = 0.0f, acc2##j = 0.0f, acc3##j = 0.0f
#define ACC_FMA(j, xv)            \
  acc0##j = fma(g0, xv, acc0##j); \
  acc1##j = fma(g1, xv, acc1##j); \
  acc2##j = fma(g2, xv, acc2##j); \
  acc3##j = fma(g3, xv, acc3##j)
#define ACC_STORE(j, gw)                     \
  gw[0] = conv_bw_hsum(acc0##j);             \
  if (k_valid > 1)                           \
    gw[columns] = conv_bw_hsum(acc1##j);     \
  if (k_valid > 2)                           \
    gw[2 * columns] = conv_bw_hsum(acc2##j); \
  if (k_valid > 3)                           \
  gw[3 * columns] = conv_bw_hsum(acc3##j)
#elif WKB == 1
#define ACC_DECL(j) float16 acc0##j = 0.0f
#define ACC_FMA(j, xv) acc0##j = fma(g0, xv, acc0##j)
#define ACC_STORE(j, gw) gw[0] = conv_bw_hsum(acc0##j)
#else
#error "WKB must be 4 or 1"
#endif

/* Applies M to every column index of a work-item. */
#if WCB == 6
#define FOR_COLUMNS(M) M(0) M(1) M(2) M(3) M(4) M(5)
#elif WCB == 9
#define FOR_COLUMNS(M) M(0) M(1) M(2) M(3) M(4) M(5) M(6) M(7) M(8)
#else
#error "WCB must be 6 or 9"
#endif

/* 16 consecutive staged inputs (all readable); lanes past `lanes` zeroed. */
inline float16 conv_bw_row16(__global const float *row, int lanes) {
  float16 v = vload16(0, row);
  if (lanes < 16) {
    const int16 lane = (int16)(0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15);
    v = select((float16)0.0f, v, lane < (int16)lanes);
  }
  return v;
}

/* 16 gradients of one output channel (0 past `lanes`). */
inline float16 conv_bw_grads(__global const float *row, int lanes) {
  if (lanes == 16)
    return vload16(0, row);
  float v[16];
  for (int l = 0; l < 16; l++)
    v[l] = l < lanes ? row[l] : 0.0f;
  return vload16(0, v);
}

inline float conv_bw_hsum(float16 v) {
  const float8 a = v.lo + v.hi;
  const float4 b = a.lo + a.hi;
  const float2 c = b.lo + b.hi;
  return c.lo + c.hi;
}

/* grad_bias (K): the sum of grad_out (N, K, plane) over the batch and the plane, one channel per
 * work-item (a work-group of one, so the channels spread over the cores), 16 positions per
 * step in a float16 accumulator. */
__kernel void conv_bw_bias(__global const float *restrict grad_out, ulong grad_out_offset,
                           __global float *restrict grad_bias, ulong grad_bias_offset, ulong batch,
                           int out_channels, ulong plane) {
  const int k = (int)get_global_id(0);
  if (k >= out_channels)
    return;
  float16 acc16 = 0.0f;
  float acc = 0.0f;
  const ulong body = plane / 16 * 16;
  for (ulong n = 0; n < batch; n++) {
    __global const float *go = grad_out + grad_out_offset + (n * (ulong)out_channels + k) * plane;
    for (ulong p = 0; p < body; p += 16)
      acc16 += vload16(0, go + p);
    for (ulong p = body; p < plane; p++)
      acc += go[p];
  }
  grad_bias[grad_bias_offset + k] = conv_bw_hsum(acc16) + acc;
}

/* One weight column's per-work-item state: its staged channel plane offset by its tap. */
#define COLUMN_SETUP(j)                                                                            \
  const int t##j = min(col0 + j, columns - 1) % taps;                                              \
  const bool ok##j = col0 + j < columns;                                                           \
  const ulong tap##j =                                                                             \
      (ulong)(g * group_in + min(col0 + j, columns - 1) / taps) * staged_plane +                   \
      ((ulong)(t##j / (kh * kw) * dd) * (ulong)ph + (ulong)(t##j / kw % kh * dh)) * (ulong)pitch + \
      (ulong)(t##j % kw * dw % sw * q + t##j % kw * dw / sw);                                      \
  ACC_DECL(j);

#define COLUMN_STEP(j)                                     \
  {                                                        \
    const float16 xv = conv_bw_row16(row + tap##j, lanes); \
    ACC_FMA(j, xv);                                        \
  }

#define COLUMN_STORE(j)                                                           \
  if (ok##j) {                                                                    \
    __global float *gw = dst + dst_offset + get_global_id(2) * dst_chunk_stride + \
                         (ulong)k0 * (ulong)columns + (ulong)(col0 + j);          \
    ACC_STORE(j, gw);                                                             \
  }

__kernel void conv_bw_weight_tiled(__global const float *restrict grad_out, ulong grad_out_offset,
                                   __global const float *restrict staged, ulong staged_offset,
                                   __global float *restrict dst, ulong dst_offset,
                                   ulong dst_chunk_stride, ulong chunk_rows, ulong batch,
                                   int channels, int out_channels, int groups, int pd, int ph,
                                   int q, int out_d, int out_h, int out_w, int kd, int kh, int kw,
                                   int sd, int sh, int sw, int dd, int dh, int dw) {
  const int pitch = sw * q; /* a staged row: sw phases of q positions */
  const int group_in = channels / groups, group_out = out_channels / groups;
  const int taps = kd * kh * kw, columns = group_in * taps;
  const int k_blocks = (group_out + WKB - 1) / WKB;
  const int col0 = (int)get_global_id(0) * WCB;
  const int g = (int)get_global_id(1) / k_blocks, kb = (int)get_global_id(1) % k_blocks;
  const int k0 = g * group_out + kb * WKB;
  const int k_valid = min(WKB, group_out - kb * WKB);
  const ulong staged_plane = (ulong)pd * (ulong)ph * (ulong)pitch;
  const ulong out_plane = (ulong)out_d * (ulong)out_h * (ulong)out_w;
#if WKB == 4
  /* Rows of the output channels k0 .. k0 + 3 (the last valid one repeated). */
  const ulong go_step1 = k_valid > 1 ? out_plane : 0, go_step2 = k_valid > 2 ? 2 * out_plane : 0,
              go_step3 = k_valid > 3 ? 3 * out_plane
                         : go_step2  ? go_step2
                                     : go_step1;
#endif
  FOR_COLUMNS(COLUMN_SETUP)
  /* This work-item's rows of output positions: chunk gid 2 of the batch's N * OD * OH rows. */
  const ulong row_end = min((get_global_id(2) + 1) * chunk_rows, batch * (ulong)(out_d * out_h));
  for (ulong r = get_global_id(2) * chunk_rows; r < row_end; r++) {
    const int oh = (int)(r % (ulong)out_h), od = (int)(r / (ulong)out_h % (ulong)out_d);
    const ulong n = r / (ulong)out_h / (ulong)out_d;
    __global const float *go0 = grad_out + grad_out_offset +
                                (n * (ulong)out_channels + (ulong)k0) * out_plane +
                                ((ulong)od * (ulong)out_h + (ulong)oh) * (ulong)out_w;
    /* The staged row at this output row's window origin (tap 0 of channel 0). */
    __global const float *row = staged + staged_offset + n * (ulong)channels * staged_plane +
                                ((ulong)(od * sd) * (ulong)ph + (ulong)(oh * sh)) * (ulong)pitch;
    for (int ow0 = 0; ow0 < out_w; ow0 += 16, row += 16) {
      const int lanes = min(16, out_w - ow0);
      const float16 g0 = conv_bw_grads(go0 + ow0, lanes);
#if WKB == 4
      const float16 g1 = conv_bw_grads(go0 + go_step1 + ow0, lanes);
      const float16 g2 = conv_bw_grads(go0 + go_step2 + ow0, lanes);
      const float16 g3 = conv_bw_grads(go0 + go_step3 + ow0, lanes);
#endif
      FOR_COLUMNS(COLUMN_STEP)
    }
  }
  FOR_COLUMNS(COLUMN_STORE)
}

/* grad_output as rows of channels for conv_bw_weight_outer: gt (groups, N * plane, kp) with
 * gt[g, n * plane + p, k] = grad_out[n, g * group_out + k, p], zero for k >= group_out (kp is
 * group_out rounded up to the outer kernel's block of channels, a multiple of 16). With with_bias,
 * also grad_bias's partial sums from the vectors it stores (a separate conv_bw_bias pass reads
 * grad_out once more: 0.15-0.35 ms of the 8 MB conv1d benchmark under load): bias_sums (N, blocks
 * of positions, groups, kp), the sum of each work-item's positions, for conv_bw_weight_sum to add
 * in order. One block of TRANSPOSE_POSITIONS positions of one (n, g) per work-item (a block of 16
 * positions per work-item took 1.1 ms on 64 x 128 x 128, mostly work-group overhead, 256 took
 * 0.4). Per 16 positions and 16 channels either 16 scalar loads per stored vector, or with
 * register_tiles 16 vector loads along the positions, a transpose in registers
 * (conv_bw_transpose16) and 16 vector stores: twice as fast on 128to128 k1, whose grad_output
 * the gemm has just read, but 1.3-1.8x slower on the other benchmarks (the host's
 * transpose_register_tiles). */
#define TRANSPOSE_POSITIONS 256
#define TRANSPOSE_BIAS_VECTORS 16 /* grad_bias sums for up to 256 channels per group */

/* Transposes the 16 x 16 block r (rows r[k], lanes l) in registers: stage b swaps bit b of the
 * row and lane indices (the off-diagonal b x b blocks of every 2b x 2b block), 64 two-vector
 * shuffles in all. */
#define TRANSPOSE_STAGE(b, lo_mask, hi_mask)                \
  for (int i = 0; i < 16; i++)                              \
    if ((i & b) == 0) {                                     \
      const float16 lo = shuffle2(r[i], r[i + b], lo_mask); \
      r[i + b] = shuffle2(r[i], r[i + b], hi_mask);         \
      r[i] = lo;                                            \
    }

inline void conv_bw_transpose16(float16 *r) {
  TRANSPOSE_STAGE(8, (uint16)(0, 1, 2, 3, 4, 5, 6, 7, 16, 17, 18, 19, 20, 21, 22, 23),
                  (uint16)(8, 9, 10, 11, 12, 13, 14, 15, 24, 25, 26, 27, 28, 29, 30, 31));
  TRANSPOSE_STAGE(4, (uint16)(0, 1, 2, 3, 16, 17, 18, 19, 8, 9, 10, 11, 24, 25, 26, 27),
                  (uint16)(4, 5, 6, 7, 20, 21, 22, 23, 12, 13, 14, 15, 28, 29, 30, 31));
  TRANSPOSE_STAGE(2, (uint16)(0, 1, 16, 17, 4, 5, 20, 21, 8, 9, 24, 25, 12, 13, 28, 29),
                  (uint16)(2, 3, 18, 19, 6, 7, 22, 23, 10, 11, 26, 27, 14, 15, 30, 31));
  TRANSPOSE_STAGE(1, (uint16)(0, 16, 2, 18, 4, 20, 6, 22, 8, 24, 10, 26, 12, 28, 14, 30),
                  (uint16)(1, 17, 3, 19, 5, 21, 7, 23, 9, 25, 11, 27, 13, 29, 15, 31));
}

__kernel void conv_bw_grad_transpose(__global const float *restrict grad_out, ulong grad_out_offset,
                                     __global float *restrict gt, ulong gt_offset, ulong batch,
                                     int groups, int group_out, int kp, ulong plane,
                                     __global float *restrict bias_sums, ulong bias_sums_offset,
                                     int with_bias, int register_tiles) {
  const ulong first = get_global_id(0) * TRANSPOSE_POSITIONS;
  if (first >= plane)
    return;
  const ulong end = min(first + TRANSPOSE_POSITIONS, plane);
  const ulong n = get_global_id(1) / (ulong)groups;
  const int g = (int)(get_global_id(1) % (ulong)groups);
  __global const float *src =
      grad_out + grad_out_offset + ((n * (ulong)groups + (ulong)g) * (ulong)group_out) * plane;
  __global float *dst = gt + gt_offset + ((ulong)g * batch * plane + n * plane) * (ulong)kp;
  /* Per channel, the sum over this work-item's positions (lanes by position); with_bias only
   * where kp <= 16 * TRANSPOSE_BIAS_VECTORS. */
  float16 sums[TRANSPOSE_BIAS_VECTORS];
  for (int v = 0; v < TRANSPOSE_BIAS_VECTORS; v++)
    sums[v] = 0.0f;
  for (ulong p = first; p < end; p += 16) {
    const int lanes = (int)min((ulong)16, end - p);
    for (int k0 = 0; k0 < kp; k0 += 16) {
      __global const float *s = src + (ulong)k0 * plane + p;
      __global float *d = dst + p * (ulong)kp + (ulong)k0;
      float16 block_sum = 0.0f;
      if (register_tiles && lanes == 16 && k0 + 16 <= group_out) {
        float16 r[16];
        for (int k = 0; k < 16; k++)
          r[k] = vload16(0, s + (ulong)k * plane);
        conv_bw_transpose16(r);
        for (int l = 0; l < 16; l++)
          vstore16(r[l], 0, d + (ulong)l * (ulong)kp);
        block_sum = (((r[0] + r[1]) + (r[2] + r[3])) + ((r[4] + r[5]) + (r[6] + r[7]))) +
                    (((r[8] + r[9]) + (r[10] + r[11])) + ((r[12] + r[13]) + (r[14] + r[15])));
      } else {
        const bool full = k0 + 16 <= group_out;
        for (int l = 0; l < lanes; l++) {
          float16 v;
          if (full) {
            v = (float16)(s[l], s[plane + l], s[2 * plane + l], s[3 * plane + l], s[4 * plane + l],
                          s[5 * plane + l], s[6 * plane + l], s[7 * plane + l], s[8 * plane + l],
                          s[9 * plane + l], s[10 * plane + l], s[11 * plane + l], s[12 * plane + l],
                          s[13 * plane + l], s[14 * plane + l], s[15 * plane + l]);
          } else {
            float t[16];
            for (int k = 0; k < 16; k++)
              t[k] = k0 + k < group_out ? s[(ulong)k * plane + (ulong)l] : 0.0f;
            v = vload16(0, t);
          }
          vstore16(v, 0, d + (ulong)l * (ulong)kp);
          block_sum += v;
        }
      }
      if (with_bias)
        sums[k0 / 16] += block_sum;
    }
  }
  if (with_bias) {
    __global float *b =
        bias_sums + bias_sums_offset +
        ((n * get_global_size(0) + get_global_id(0)) * (ulong)groups + (ulong)g) * (ulong)kp;
    for (int k0 = 0; k0 < kp; k0 += 16)
      vstore16(sums[k0 / 16], 0, b + k0);
  }
}

/* grad_weight as outer products: one work-item (a work-group of one) computes 64 output channels
 * (4 float16 vectors along the output channels) x 6 weight columns ((input channel, tap) pairs),
 * or 32 x 12 in the OKV=2 build, over a chunk of chunk_rows rows of output positions. Per output
 * position it loads the 64 gradients of its channels (one row of gt, conv_bw_grad_transpose) and
 * multiplies them by the 6 inputs its columns read, each broadcast from one float: 24 fused
 * multiply-adds per 4 vector loads and 6 scalar loads, and no horizontal sums. `src` (in_d, in_h,
 * in_w per plane) is the input itself with zeros padding pbd/pbh/pbw not materialised, or
 * conv_bw_stage's copy without phase split (other padding modes, upsampling; pads 0). Columns whose
 * input row is in the padding read `zeros` (in_w zeros) instead; along a row, the positions where
 * every column reads inside the row run without checks, the few others (the pads' width) with them.
 * Each accumulator lane sums its chunk's positions in order; the chunks go to dst + gid 2 *
 * dst_chunk_stride (grad_weight itself for one chunk; else conv_bw_weight_sum adds them in
 * order). gid 0: column block; gid 1: group * k_blocks + block of channels; gid 2: chunk. */
#ifndef OKV
#define OKV 4 /* build option: float16 vectors of output channels per work-item, 4 or 2 */
#endif
#if OKV == 4 /* 64 channels x 6 columns */
#define FOR_OUTER_COLUMNS(M) M(0) M(1) M(2) M(3) M(4) M(5)
#define FOR_OUTER_VECTORS(M, j) M(0, j) M(1, j) M(2, j) M(3, j)
#elif OKV == 2 /* 32 channels x 12 columns */
#define FOR_OUTER_COLUMNS(M) M(0) M(1) M(2) M(3) M(4) M(5) M(6) M(7) M(8) M(9) M(10) M(11)
#define FOR_OUTER_VECTORS(M, j) M(0, j) M(1, j)
#else
#error "OKV must be 4 or 2"
#endif
#define OUTER_CHANNELS (16 * OKV)
#define OUTER_COLUMNS (24 / OKV)
#define OUTER_ACC_DECL(v, j) float16 o##v##_##j = 0.0f;

/* A column's constants: its input plane, and its tap's offsets from the window origin (padding
 * subtracted); along W, the output positions [lo, hi] whose tap reads inside the row. */
#define OUTER_SETUP(j)                                                                          \
  const int ot##j = min(col0 + j, columns - 1) % taps;                                          \
  const ulong oplane##j = (ulong)(g * group_in + min(col0 + j, columns - 1) / taps) * in_plane; \
  const int oz##j = ot##j / (kh * kw) * dd - pbd, oy##j = ot##j / kw % kh * dh - pbh,           \
            ox##j = ot##j % kw * dw - pbw;                                                      \
  lo = max(lo, -floor_div(ox##j, sw));                                                          \
  hi = min(hi, floor_div(in_w - 1 - ox##j, sw));                                                \
  FOR_OUTER_VECTORS(OUTER_ACC_DECL, j)

/* The column's row for output row (od, oh) of image n, offset by its tap along W (so that
 * position ow reads q[ow * sw]); the zero row where the tap reads the padding. */
#define OUTER_ROW(j)                                                                    \
  __global const float *q##j;                                                           \
  {                                                                                     \
    const int z = od * sd + oz##j, y = oh * sh + oy##j;                                 \
    q##j = (z >= 0 && z < in_d && y >= 0 && y < in_h                                    \
                ? image + oplane##j + ((ulong)z * (ulong)in_h + (ulong)y) * (ulong)in_w \
                : zeros + zeros_offset) +                                               \
           ox##j;                                                                       \
  }

#define OUTER_FMA(v, j) o##v##_##j = fma(xv, g##v, o##v##_##j);
#define OUTER_STEP(j)                       \
  {                                         \
    const float16 xv = (float16)(q##j[xo]); \
    FOR_OUTER_VECTORS(OUTER_FMA, j)         \
  }
/* A position at the row's ends: inputs outside the row are zero (and not read). */
#define OUTER_EDGE_STEP(j)                                                \
  {                                                                       \
    const int xi = xo + ox##j;                                            \
    const float16 xv = (float16)(xi >= 0 && xi < in_w ? q##j[xo] : 0.0f); \
    FOR_OUTER_VECTORS(OUTER_FMA, j)                                       \
  }
#define OUTER_LOAD(v, j) const float16 g##v = vload16(v, grads);
#define OUTER_LOAD_GRADS FOR_OUTER_VECTORS(OUTER_LOAD, 0)

/* The 16 channels of one accumulator into column `col` of grad_weight (those below group_out). */
inline void conv_bw_outer_store(float16 acc, __global float *dst, int k, int group_out,
                                int columns) {
  float v[16];
  vstore16(acc, 0, v);
  for (int l = 0; l < 16 && k + l < group_out; l++)
    dst[(ulong)l * (ulong)columns] = v[l];
}

#define OUTER_STORE_VECTOR(v, j)                                                             \
  conv_bw_outer_store(o##v##_##j, gw + 16 * v * (ulong)columns, k_first + 16 * v, group_out, \
                      columns);
#define OUTER_STORE(j)                                                                          \
  if (col0 + j < columns) {                                                                     \
    __global float *gw = dst + dst_offset + get_global_id(2) * dst_chunk_stride +               \
                         (ulong)(g * group_out + k_first) * (ulong)columns + (ulong)(col0 + j); \
    FOR_OUTER_VECTORS(OUTER_STORE_VECTOR, j)                                                    \
  }

__kernel void conv_bw_weight_outer(__global const float *restrict gt, ulong gt_offset,
                                   __global const float *restrict src, ulong src_offset,
                                   __global const float *restrict zeros, ulong zeros_offset,
                                   __global float *restrict dst, ulong dst_offset,
                                   ulong dst_chunk_stride, ulong chunk_rows, ulong batch,
                                   int channels, int out_channels, int groups, int in_d, int in_h,
                                   int in_w, int pbd, int pbh, int pbw, int kp, int out_d,
                                   int out_h, int out_w, int kd, int kh, int kw, int sd, int sh,
                                   int sw, int dd, int dh, int dw) {
  const int group_in = channels / groups, group_out = out_channels / groups;
  const int taps = kd * kh * kw, columns = group_in * taps;
  const int k_blocks = kp / OUTER_CHANNELS;
  const int col0 = (int)get_global_id(0) * OUTER_COLUMNS;
  const int g = (int)get_global_id(1) / k_blocks;
  const int k_first = (int)get_global_id(1) % k_blocks * OUTER_CHANNELS; /* within the group */
  const ulong in_plane = (ulong)in_d * (ulong)in_h * (ulong)in_w;
  const ulong out_plane = (ulong)out_d * (ulong)out_h * (ulong)out_w;
  int lo = 0, hi = out_w - 1; /* the positions where every column reads inside the row */
  FOR_OUTER_COLUMNS(OUTER_SETUP)
  lo = min(lo, out_w);
  hi = max(hi + 1, lo); /* now the end of [lo, hi) */
  const ulong row_end = min((get_global_id(2) + 1) * chunk_rows, batch * (ulong)(out_d * out_h));
  for (ulong r = get_global_id(2) * chunk_rows; r < row_end; r++) {
    const int oh = (int)(r % (ulong)out_h), od = (int)(r / (ulong)out_h % (ulong)out_d);
    const ulong n = r / (ulong)out_h / (ulong)out_d;
    __global const float *grads = gt + gt_offset +
                                  ((ulong)g * batch * out_plane + r * (ulong)out_w) * (ulong)kp +
                                  (ulong)k_first;
    __global const float *image = src + src_offset + n * (ulong)channels * in_plane;
    FOR_OUTER_COLUMNS(OUTER_ROW)
    int ow = 0, xo = 0;
    for (; ow < lo; ow++, xo += sw, grads += kp) {
      OUTER_LOAD_GRADS
      FOR_OUTER_COLUMNS(OUTER_EDGE_STEP)
    }
    for (; ow < hi; ow++, xo += sw, grads += kp) {
      OUTER_LOAD_GRADS
      FOR_OUTER_COLUMNS(OUTER_STEP)
    }
    for (; ow < out_w; ow++, xo += sw, grads += kp) {
      OUTER_LOAD_GRADS
      FOR_OUTER_COLUMNS(OUTER_EDGE_STEP)
    }
  }
  FOR_OUTER_COLUMNS(OUTER_STORE)
}

/* The weights of grad_input as a forward convolution (stride 1): per group, input and output
 * channels swapped and the taps reversed. flipped (C, K/groups, taps) from weight (K, C/groups,
 * taps); one row of taps (c, k) per work-item. */
__kernel void conv_bw_flip(__global const float *restrict weight, ulong weight_offset,
                           __global float *restrict flipped, ulong rows, int group_in,
                           int group_out, int taps) {
  const ulong row = get_global_id(0); /* c * group_out + k */
  if (row >= rows)
    return;
  const int k = (int)(row % (ulong)group_out), c = (int)(row / (ulong)group_out);
  const int g = c / group_in, ci = c - g * group_in;
  __global const float *src =
      weight + weight_offset +
      ((ulong)(g * group_out + k) * (ulong)group_in + (ulong)ci) * (ulong)taps + (ulong)(taps - 1);
  __global float *dst = flipped + row * (ulong)taps;
  for (int t = 0; t < taps; t++)
    dst[t] = src[-t];
}

/* The columns of grad_input: cols (N, C * taps, OD, OH, OW), cols[n, c * taps + t, o] = sum over
 * the group's output channels k of weight[k, c % group_in, t] * grad_out[n, k, o], is a grouped
 * 1x1 convolution of grad_out with these weights: wt (C * taps, K / groups) from weight (K, C /
 * groups, taps). */
__kernel void conv_bw_transpose(__global const float *restrict weight, ulong weight_offset,
                                __global float *restrict wt, ulong total, int group_in,
                                int group_out, int taps) {
  const ulong index = get_global_id(0);
  if (index >= total)
    return;
  const int k = (int)(index % (ulong)group_out);
  const ulong row = index / (ulong)group_out; /* c * taps + t */
  const int t = (int)(row % (ulong)taps);
  const int c = (int)(row / (ulong)taps);
  const int g = c / group_in, ci = c - g * group_in;
  wt[index] =
      weight[weight_offset +
             ((ulong)(g * group_out + k) * (ulong)group_in + (ulong)ci) * (ulong)taps + (ulong)t];
}

/* grad_input (N, C, D, H, W) from the columns (see conv_bw_transpose), one input row (n, c, z,
 * y) per work-item: for each tap row (a, b) and output row whose window reads this row (or a
 * padded image of it, the intervals of conv_bw_interval), the column row of every tap e is
 * added along the row through the forward's mapping, so each padded position lands on the
 * input it reads. The work-item owns its row: no other work-item writes it. Parameters as
 * conv_bw_input's. */
__kernel void conv_bw_col2im(__global const float *restrict cols, __global float *restrict grad_in,
                             ulong grad_in_offset, ulong rows, int in_d, int in_h, int in_w,
                             int out_d, int out_h, int out_w, int kd, int kh, int kw, int sd,
                             int sh, int sw, int dd, int dh, int dw, int pbd, int pbh, int pbw,
                             int pad, int pah, int paw, int mode, int ud, int uh, int uw) {
  const ulong index = get_global_id(0);
  if (index >= rows)
    return;
  const int y = (int)(index % (ulong)in_h);
  const int z = (int)(index / (ulong)in_h % (ulong)in_d);
  const ulong plane_index = index / (ulong)in_h / (ulong)in_d; /* n * channels + c */
  const ulong out_plane = (ulong)out_d * (ulong)out_h * (ulong)out_w;
  const int nd = in_d * ud, nh = in_h * uh, nw = in_w * uw;
  __global const float *col = cols + plane_index * (ulong)(kd * kh * kw) * out_plane;
  __global float *dst = grad_in + grad_in_offset + index * (ulong)in_w;
  for (int x = 0; x < in_w; x++)
    dst[x] = 0.0f;
  for (int iz = 0; iz < 3; iz++) {
    int qz_lo, qz_hi;
    conv_bw_interval(iz, z * ud, z * ud + ud - 1, nd, pbd, pad, mode, &qz_lo, &qz_hi);
    if (qz_lo > qz_hi)
      continue;
    for (int a = 0; a < kd; a++) {
      int od_lo, od_hi;
      conv_bw_outputs(qz_lo, qz_hi, pbd, a * dd, sd, out_d, &od_lo, &od_hi);
      for (int od = od_lo; od <= od_hi; od++) {
        for (int iy = 0; iy < 3; iy++) {
          int qy_lo, qy_hi;
          conv_bw_interval(iy, y * uh, y * uh + uh - 1, nh, pbh, pah, mode, &qy_lo, &qy_hi);
          if (qy_lo > qy_hi)
            continue;
          for (int b = 0; b < kh; b++) {
            int oh_lo, oh_hi;
            conv_bw_outputs(qy_lo, qy_hi, pbh, b * dh, sh, out_h, &oh_lo, &oh_hi);
            for (int oh = oh_lo; oh <= oh_hi; oh++) {
              for (int e = 0; e < kw; e++) {
                __global const float *src = col + (ulong)((a * kh + b) * kw + e) * out_plane +
                                            ((ulong)od * (ulong)out_h + (ulong)oh) * (ulong)out_w;
                const int x0 = e * dw - pbw;
                /* The outputs whose tap e reads inside the row, then (other modes) the pads. */
                int in_lo, in_hi;
                conv_bw_outputs(0, nw - 1, pbw, e * dw, sw, out_w, &in_lo, &in_hi);
                if (uw == 1) {
                  for (int ow = in_lo; ow <= in_hi; ow++)
                    dst[ow * sw + x0] += src[ow];
                } else {
                  for (int ow = in_lo; ow <= in_hi; ow++)
                    dst[(ow * sw + x0) / uw] += src[ow];
                }
                if (mode != MODE_ZEROS) {
                  const bool inside = in_lo <= in_hi;
                  for (int ow = 0; ow < (inside ? in_lo : out_w); ow++)
                    dst[conv_source(ow * sw + x0, nw, mode) / uw] += src[ow];
                  for (int ow = inside ? in_hi + 1 : out_w; ow < out_w; ow++)
                    dst[conv_source(ow * sw + x0, nw, mode) / uw] += src[ow];
                }
              }
            }
          }
        }
      }
    }
  }
}

/* grad_weight as the sum of the tiled or outer kernel's chunks, in chunk order: 16 consecutive
 * elements per work-item as one vector (one element per work-item took 0.19 ms for two chunks of
 * 128to128 k3's 147456 gradients, under load). */
__kernel void conv_bw_weight_sum(__global const float *restrict partial, ulong partial_offset,
                                 __global float *restrict grad_weight, ulong grad_weight_offset,
                                 ulong total, ulong chunks) {
  const ulong first = get_global_id(0) * 16;
  if (first >= total)
    return;
  __global const float *src = partial + partial_offset + first;
  __global float *dst = grad_weight + grad_weight_offset + first;
  if (first + 16 <= total) {
    float16 acc = 0.0f;
    for (ulong c = 0; c < chunks; c++)
      acc += vload16(0, src + c * total);
    vstore16(acc, 0, dst);
    return;
  }
  for (ulong i = 0; i < total - first; i++) {
    float acc = 0.0f;
    for (ulong c = 0; c < chunks; c++)
      acc += src[c * total + i];
    dst[i] = acc;
  }
}

/* Taps of stride phase r (0 <= r < s) of a kernel of k taps along one dim (dilation 1): the
 * taps r, r + s, ... */
inline int conv_bw_phase_taps(int k, int r, int s) { return (k - r + s - 1) / s; }

/* The stride-phase path's weights: for each phase (rz, ry, rx) in order, the taps that land on
 * it, flipped, channels swapped per group, as (C, K / groups, taps of the phase) one phase after
 * the other (the phases' taps add up to the kernel's). One (c, k) row per work-item, as
 * conv_bw_flip. */
__kernel void conv_bw_phase_weights(__global const float *restrict weight, ulong weight_offset,
                                    __global float *restrict phased, ulong rows, int group_in,
                                    int group_out, int kd, int kh, int kw, int sd, int sh, int sw) {
  const ulong row = get_global_id(0); /* c * group_out + k */
  if (row >= rows)
    return;
  const int k = (int)(row % (ulong)group_out), c = (int)(row / (ulong)group_out);
  const int g = c / group_in, ci = c - g * group_in;
  __global const float *src =
      weight + weight_offset +
      ((ulong)(g * group_out + k) * (ulong)group_in + (ulong)ci) * (ulong)(kd * kh * kw);
  ulong base = 0; /* the phase's first float */
  for (int rz = 0; rz < sd; rz++)
    for (int ry = 0; ry < sh; ry++)
      for (int rx = 0; rx < sw; rx++) {
        const int pd = conv_bw_phase_taps(kd, rz, sd), ph = conv_bw_phase_taps(kh, ry, sh),
                  pw = conv_bw_phase_taps(kw, rx, sw);
        const int taps = pd * ph * pw;
        __global float *dst = phased + base + row * (ulong)taps;
        for (int tz = 0; tz < pd; tz++)
          for (int ty = 0; ty < ph; ty++)
            for (int tx = 0; tx < pw; tx++) {
              const int a = rz + sd * (pd - 1 - tz), b = ry + sh * (ph - 1 - ty),
                        e = rx + sw * (pw - 1 - tx);
              dst[(tz * ph + ty) * pw + tx] = src[(a * kh + b) * kw + e];
            }
        base += rows * (ulong)taps;
      }
}

/* Along a dim of `out` outputs, k taps, stride s: the extent of phase r's gradient (out + its
 * taps - 1; with k = s * m + t, phases r < t have m + 1 taps, the others m), and the extents of
 * the phases before r added up. */
inline int conv_bw_phase_len(int out, int k, int s, int r) {
  return out - 1 + k / s + (r < k % s ? 1 : 0);
}
inline int conv_bw_phase_prefix(int out, int k, int s, int r) {
  return r * (out - 1 + k / s) + min(r, k % s);
}

/* grad_input (N, C, D, H, W) from the stride phases' gradients, one input row (n, c, z, y) per
 * work-item (no divisions per element). Phase (rz, ry, rx) holds, for the padded positions
 * s * q + r per dim, the gradient at q = 0 .. its extent - 1 (N * C planes, the phases one after
 * the other in (rz, ry, rx) order); input position i reads padded position i + pad_before.
 * Positions past a phase's extent get no term: zero. */
__kernel void conv_bw_phase_interleave(__global const float *restrict phases,
                                       __global float *restrict grad_in, ulong grad_in_offset,
                                       ulong rows, ulong planes, int in_d, int in_h, int in_w,
                                       int out_d, int out_h, int out_w, int kd, int kh, int kw,
                                       int sd, int sh, int sw, int pbd, int pbh, int pbw) {
  const ulong index = get_global_id(0);
  if (index >= rows)
    return;
  const int y = (int)(index % (ulong)in_h);
  const int z = (int)(index / (ulong)in_h % (ulong)in_d);
  const ulong plane = index / (ulong)in_h / (ulong)in_d; /* n * channels + c */
  const int pz = z + pbd, py = y + pbh;
  const int rz = pz % sd, qz = pz / sd, ry = py % sh, qy = py / sh;
  const int lz = conv_bw_phase_len(out_d, kd, sd, rz), ly = conv_bw_phase_len(out_h, kh, sh, ry);
  const ulong all_h = (ulong)conv_bw_phase_prefix(out_h, kh, sh, sh),
              all_w = (ulong)conv_bw_phase_prefix(out_w, kw, sw, sw);
  const ulong zy_base =
      planes * ((ulong)conv_bw_phase_prefix(out_d, kd, sd, rz) * all_h * all_w +
                (ulong)lz * (ulong)conv_bw_phase_prefix(out_h, kh, sh, ry) * all_w);
  const bool inside = qz < lz && qy < ly;
  const ulong row_in_phase =
      (plane * (ulong)lz + (ulong)(inside ? qz : 0)) * (ulong)ly + (ulong)(inside ? qy : 0);
  __global float *dst = grad_in + grad_in_offset + index * (ulong)in_w;
  for (int rx = 0; rx < sw; rx++) {
    const int lx = conv_bw_phase_len(out_w, kw, sw, rx);
    __global const float *src =
        phases + zy_base +
        planes * (ulong)lz * (ulong)ly * (ulong)conv_bw_phase_prefix(out_w, kw, sw, rx) +
        row_in_phase * (ulong)lx;
    /* The first x of the phase and its q. */
    const int x0 = ((rx - pbw) % sw + sw) % sw;
    int qx = (x0 + pbw) / sw;
    const int stop = inside ? min(in_w, lx * sw + rx - pbw) : 0; /* past it: zeros */
    int x = x0;
    for (; x < stop; x += sw, qx++)
      dst[x] = src[qx];
    for (; x < in_w; x += sw)
      dst[x] = 0.0f;
  }
}
