/* Convolution, depthwise algorithm (groups == in_channels; each output channel k reads input
 * channel k / multiplier). Little arithmetic per byte, so the kernel is about moving data once:
 * one work-item computes one output channel over 16 pixels x ROWS output rows (ROWS float16
 * accumulators). It stages the input window those rows need in local memory (its own; the
 * work-group is one work-item), applying the padding mode while staging: rows, planes and
 * columns outside the input are mapped through conv_source (reflect, replicate, circular) or
 * filled with 0 (zeros). So every mode costs the same, no padded copy is made, and each input
 * row of the window is read from global memory once for ROWS output rows.
 *
 * Build options: KW (kernel width, 1..16), SW (stride along W: 1, 2, or 0 = any, given at run
 * time), ROWS (output rows per block, from the host). Weights are PyTorch's (K, 1, KD, KH, KW). */

#ifndef KW
#error "KW must be defined"
#endif
#ifndef SW
#error "SW must be defined"
#endif
#ifndef ROWS
#error "ROWS must be defined"
#endif
#ifndef KH
#error "KH must be defined"
#endif

#define TILE 16

#if SW == 1
#define LOAD_TILE(p) vload16(0, (p))
#elif SW == 2
inline float16 load_tile_s2(__local const float *p) {
  const float16 a = vload16(0, p), b = vload16(0, p + 15);
  return (float16)(a.even, b.odd);
}
#define LOAD_TILE(p) load_tile_s2(p)
#else
inline float16 load_tile_strided(__local const float *p, int s) {
  float16 v;
  v.s0 = p[0];
  v.s1 = p[s];
  v.s2 = p[2 * s];
  v.s3 = p[3 * s];
  v.s4 = p[4 * s];
  v.s5 = p[5 * s];
  v.s6 = p[6 * s];
  v.s7 = p[7 * s];
  v.s8 = p[8 * s];
  v.s9 = p[9 * s];
  v.sa = p[10 * s];
  v.sb = p[11 * s];
  v.sc = p[12 * s];
  v.sd = p[13 * s];
  v.se = p[14 * s];
  v.sf = p[15 * s];
  return v;
}
#define LOAD_TILE(p) load_tile_strided((p), sw)
#endif

/* gid 0: segment of up to `segment` output columns [s0, s1); gid 1: od * row_blocks + block of
 * ROWS output rows; gid 2: n * out_channels + k. The segment is computed in tiles of 16 pixels
 * (the last one moved back to end at s1; a row narrower than 16 is one partial tile); a tile
 * stores only its pixels in [s0, s1). stage holds TILE + kd * window_rows * pitch floats, span
 * being the input columns of the first staged output column a0 <= s0 through s1 and pitch span
 * rounded up to TILE floats. */
__kernel void conv_depthwise(__global const float *restrict in, ulong in_offset,
                             __global const float *restrict weight, ulong weight_offset,
                             __global const float *restrict bias, ulong bias_offset, int has_bias,
                             __global float *restrict out, ulong out_offset, int channels,
                             int out_channels, int multiplier, int in_d, int in_h, int in_w,
                             int out_d, int out_h, int out_w, int kd, int kh, int sd, int sh,
                             int sw, int dd, int dh, int dw, int pd, int ph, int pw, int pw_after,
                             int mode, int row_blocks, int window_rows, int segment,
                             int blocks_per_item, __local float *restrict stage) {
  const int s0 = (int)get_global_id(0) * segment, s1 = min(out_w, s0 + segment);
  const int a0 = min(s0, max(0, s1 - TILE)); /* first staged output column */
  const int total_blocks = out_d * row_blocks;
  const int block_end = min(total_blocks, ((int)get_global_id(1) + 1) * blocks_per_item);
  int staged_oh = 0; /* first output row of the staged window */
  for (int block = (int)get_global_id(1) * blocks_per_item; block < block_end; block++) {
    const int od = block / row_blocks;
    const int oh0 = block % row_blocks * ROWS;
    const int rows = min(ROWS, out_h - oh0);
    /* The window is staged once for this item's blocks of one output plane: their input rows
     * overlap by (kh - 1) * dh + 1 - sh, which per-block staging read twice. */
    const bool restage = block == (int)get_global_id(1) * blocks_per_item || oh0 == 0;
    const int k = (int)(get_global_id(2) % (size_t)out_channels);
    const ulong n = get_global_id(2) / (size_t)out_channels;
    const int c = k / multiplier;

    const ulong plane = (ulong)in_d * (ulong)in_h * (ulong)in_w;
    __global const float *src = in + in_offset + (n * (ulong)channels + (ulong)c) * plane;
#if SW == 0
    const int stride_w = sw;
#else
    const int stride_w = SW;
#endif
    const int x0 = a0 * stride_w - pw;
    const int span = (max(s1 - a0, TILE) - 1) * stride_w + (KW - 1) * dw + 1;
    /* Staged row starts TILE floats apart, and input column x at base + x - x0 with base
     * shifted so that it shares x's alignment: the staging copy then moves whole cache lines and
     * one tile load in kw is aligned on rows that are (the output row's first column, stride
     * 1): 4-6 % less time than unaligned rows of span floats (docs/conv.md). */
    const int pitch = (span + TILE - 1) / TILE * TILE;
    __local float *const base = stage + ((x0 % TILE) + TILE) % TILE;
    const int y0 = oh0 * sh - ph;
    /* Only the window rows the valid output rows of the plane's remaining blocks read. */
    const int plane_end =
        min(out_h, (min(block_end, (od + 1) * row_blocks) - od * row_blocks) * ROWS);
    const int used_rows = (plane_end - oh0 - 1) * sh + (kh - 1) * dh + 1;
    if (restage)
      staged_oh = oh0;

    /* Stage [plane a][window row][pitch]. */
    const int lo = clamp(-x0, 0, span), hi = clamp(in_w - x0, lo, span);
    for (int a = 0; a < kd && restage; a++) {
      const int z = conv_source(od * sd - pd + a * dd, in_d, mode);
      for (int r = 0; r < used_rows; r++) {
        __local float *dst = base + (a * window_rows + r) * pitch;
        const int y = conv_source(y0 + r, in_h, mode);
        if (z < 0 || y < 0) {
          for (int j = 0; j < span; j++)
            dst[j] = 0.0f;
          continue;
        }
        __global const float *line = src + ((ulong)z * (ulong)in_h + (ulong)y) * (ulong)in_w;
        __global const float *s = line + x0;
        int j = lo;
        /* A plain loop: LLVM vectorises it into full-width loads and stores (vload8/vstore8
           are split into 16-byte halves by PoCL's CPU target). */
        for (; j < hi; j++)
          dst[j] = s[j];
        for (j = 0; j < lo; j++) {
          const int x = x0 + j;
          const int m = x >= -pw ? conv_source(x, in_w, mode) : -1;
          dst[j] = m >= 0 ? line[m] : 0.0f;
        }
        for (j = hi; j < span; j++) {
          const int x = x0 + j;
          /* Columns past the padded row only feed lanes that are never stored. */
          const int m = x < in_w + pw_after ? conv_source(x, in_w, mode) : -1;
          dst[j] = m >= 0 ? line[m] : 0.0f;
        }
      }
    }

    __global const float *wk = weight + weight_offset + (ulong)k * (ulong)(kd * kh * KW);
    const float bv = has_bias ? bias[bias_offset + (ulong)k] : 0.0f;
    const ulong out_plane = (ulong)out_d * (ulong)out_h * (ulong)out_w;
    __global float *dst_row = out + out_offset + (n * (ulong)out_channels + (ulong)k) * out_plane +
                              ((ulong)od * (ulong)out_h + (ulong)oh0) * (ulong)out_w;
    const int rstep = sh * pitch;
    __local const float *window = base + (oh0 - staged_oh) * rstep;
    for (int t = s0; t < s1; t += TILE) {
      const int t0 = max(a0, min(t, s1 - TILE)); /* tile start, moved back at the end */
      const int first = max(s0, t) - t0, last = min(TILE, s1 - t0);
      __global const float *w = wk;
      /* ROWS independent accumulator chains (8 of them keep both FMA pipes busy through the
       * FMA latency); fully unrolled, so they live in registers. */
      float16 acc[ROWS];
#pragma unroll
      for (int r = 0; r < ROWS; r++)
        acc[r] = 0.0f;
#if KH
      if (rows == ROWS) {
        /* Stride and dilation 1 along H with KH known: window row j feeds output rows j - b for
         * the KH taps b, so each shifted row is loaded once for up to KH accumulators (ROWS + KH
         * - 1 loads per column shift instead of ROWS * KH; the loads, most of them split across
         * cache lines, not the FMAs, bounded the loop). */
        for (int a = 0; a < kd; a++) {
          __local const float *p = window + a * window_rows * pitch + (t0 - a0) * stride_w;
#pragma unroll
          for (int j = 0; j < ROWS + KH - 1; j++) {
#pragma unroll
            for (int e = 0; e < KW; e++) {
              const float16 v = LOAD_TILE(p + j * pitch + e * dw);
#pragma unroll
              for (int b = 0; b < KH; b++)
                if (j - b >= 0 && j - b < ROWS)
                  acc[j - b] = fma(v, (float16)(w[b * KW + e]), acc[j - b]);
            }
          }
          w += KH * KW;
        }
      } else
#endif
          if (rows == ROWS) {
        /* All rows valid: no per-tap row tests in the hot loop. */
        for (int a = 0; a < kd; a++) {
          for (int b = 0; b < kh; b++) {
            __local const float *p =
                window + (a * window_rows + b * dh) * pitch + (t0 - a0) * stride_w;
#pragma unroll
            for (int e = 0; e < KW; e++) {
              const float16 wv = (float16)(w[e]);
#pragma unroll
              for (int r = 0; r < ROWS; r++)
                acc[r] = fma(LOAD_TILE(p + r * rstep + e * dw), wv, acc[r]);
            }
            w += KW;
          }
        }
      } else {
        for (int a = 0; a < kd; a++) {
          for (int b = 0; b < kh; b++) {
            __local const float *p =
                window + (a * window_rows + b * dh) * pitch + (t0 - a0) * stride_w;
#pragma unroll
            for (int e = 0; e < KW; e++) {
              const float16 wv = (float16)(w[e]);
#pragma unroll
              for (int r = 0; r < ROWS - 1; r++)
                if (r < rows)
                  acc[r] = fma(LOAD_TILE(p + r * rstep + e * dw), wv, acc[r]);
            }
            w += KW;
          }
        }
      }
      const float16 bias16 = (float16)(bv);
      __global float *d = dst_row + (ulong)t0;
      const ulong ostep = (ulong)out_w;
      if (first == 0 && last == TILE) {
#pragma unroll
        for (int r = 0; r < ROWS; r++)
          if (r < rows)
            vstore16(acc[r] + bias16, 0, d + (ulong)r * ostep);
      } else {
#pragma unroll
        for (int r = 0; r < ROWS; r++) {
          if (r < rows) {
            float tmp[TILE];
            vstore16(acc[r] + bias16, 0, tmp);
            for (int i = first; i < last; i++)
              d[(ulong)r * ostep + i] = tmp[i];
          }
        }
      }
    }
  }
}
