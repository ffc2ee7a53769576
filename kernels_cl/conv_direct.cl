/* Convolution, register-tiled direct algorithm.
 *
 * Weights are packed once (conv_direct_pack) as [groups][blocks][C/groups][KD][KH][KW][CB]: the CB
 * output channels of a block side by side, zero-filled past the group's last channel.
 *
 * One work-item computes CB output channels x 16 consecutive pixels of one output row in CB
 * float16 accumulators, for a run of consecutive channel blocks in turn. It first stages the
 * tile's input window in local memory (its own: the work-group is one work-item, so there is no
 * barrier and a single compiled work-group size), as [channel][kernel row][span] where span is
 * the 15 * stride + dilation * (KW - 1) + 1 input columns the tile reads; every block of the run
 * then reads it from there, L1-resident. Staging is where the padding
 * mode is applied: rows, planes and columns outside the input are mapped through conv_source
 * (reflect, replicate, circular) or filled with 0 (zeros), so every mode costs the same and no
 * padded copy of the input is ever made; the inner loop then reads 16 pixels per tap with plain
 * vector loads. Staging also turns the channel walk of NCHW (a power-of-two plane apart, all
 * channels on the same cache sets) into a short contiguous block that stays in L1.
 *
 * Build options: KW (kernel width, 1..16), SW (stride along W: 1, 2, or 0 = any, given at run
 * time), CB (output channels per work-item, 1..16), TV (float16 pixel vectors per channel: 1, or 2
 * for a tile of 32 pixels with CB <= 8, which reads each broadcast weight for two FMAs: 8 x 2
 * accumulators need 10 loads per 16 FMAs where 16 x 1 need 17). Everything else is a run-time
 * argument. 1d and 2d run as 3d with size-1 leading dims. */

#ifndef KW
#error "KW must be defined"
#endif
#ifndef SW
#error "SW must be defined"
#endif
#ifndef CB
#error "CB must be defined"
#endif
#if !defined(TV) || TV < 1 || TV > 2 || (TV == 2 && CB > 8)
#error "TV must be 1, or 2 with CB <= 8"
#endif

#define TILE (16 * TV)

/* One packed float per work-item. */
__kernel void conv_direct_pack(__global const float *restrict weight, ulong weight_offset,
                               __global float *restrict packed, ulong packed_offset, ulong total,
                               int group_in, int group_out, int taps, int blocks) {
  const ulong index = get_global_id(0);
  if (index >= total)
    return;
  const int lane = (int)(index % CB);
  ulong rest = index / CB;
  const int t = (int)(rest % (ulong)taps);
  rest /= (ulong)taps;
  const int c = (int)(rest % (ulong)group_in);
  rest /= (ulong)group_in;
  const int kb = (int)(rest % (ulong)blocks);
  const ulong g = rest / (ulong)blocks;
  const int k = kb * CB + lane;
  float value = 0.0f;
  if (k < group_out)
    value = weight[weight_offset +
                   ((g * (ulong)group_out + (ulong)k) * (ulong)group_in + (ulong)c) * (ulong)taps +
                   (ulong)t];
  packed[packed_offset + index] = value;
}

/* The 16 pixels of a tile from a staged row, for the tap at column offset o: p[o], p[o + SW], ..,
 * p[o + 15 SW]. Stride 2 stages each row deinterleaved (even columns, then odd columns from
 * `odd_at`), so its taps are plain vector loads too. */
#if SW == 1
#define LOAD_TAP(p, o) vload16(0, (p) + (o))
#elif SW == 2
#define LOAD_TAP(p, o) vload16(0, (p) + ((o) >> 1) + ((o)&1) * odd_at)
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
#define LOAD_TAP(p, o) load_tile_strided((p) + (o), sw)
#endif

/* Where column j of a staged row goes. */
#if SW == 2
#define AT(j) (((j) >> 1) + ((j)&1) * odd_at)
#else
#define AT(j) (j)
#endif

/* Accumulates one tap into the CB accumulators: acc_j += x * w[j] (and, for the second vector
 * of pixels, hi_j += x_hi * w[j]). */
#if TV == 2
#define TAP(j)                           \
  do {                                   \
    const float16 wj = (float16)(wv[j]); \
    acc##j = fma(x, wj, acc##j);         \
    hi##j = fma(x_hi, wj, hi##j);        \
  } while (0)
#else
#define TAP(j) acc##j = fma(x, (float16)(wv[j]), acc##j)
#endif

/* Stages input channels [c0, c0 + count) of the tile's window as [channel][kernel row][span],
 * applying the padding mode. */
inline void stage_window(__local float *restrict stage, __global const float *restrict src,
                         ulong plane, int c0, int count, int rows_k, int kh, int od, int oh, int sd,
                         int sh, int dd, int dh, int pd, int ph, int pw, int pw_after, int in_d,
                         int in_h, int in_w, int x0, int span, int mode) {
  /* Columns [lo, hi) of the window lie inside the input row: a vector copy; the few others are
   * mapped one by one. */
  const int lo = clamp(-x0, 0, span), hi = clamp(in_w - x0, lo, span);
#if SW == 2
  const int odd_at = (span + 1) >> 1;
#endif
  for (int rk = 0; rk < rows_k; rk++) {
    const int a = rk / kh, b = rk % kh;
    const int z = conv_source(od * sd - pd + a * dd, in_d, mode);
    const int y = conv_source(oh * sh - ph + b * dh, in_h, mode);
    for (int c = 0; c < count; c++) {
      __local float *dst = stage + (c * rows_k + rk) * span;
      if (z < 0 || y < 0) {
        for (int j = 0; j < span; j++)
          dst[j] = 0.0f;
        continue;
      }
      __global const float *line =
          src + (ulong)(c0 + c) * plane + ((ulong)z * (ulong)in_h + (ulong)y) * (ulong)in_w;
      __global const float *s = line + x0;
      int j = lo;
#if SW == 2
      if (j & 1 && j < hi) {
        dst[AT(j)] = s[j];
        j++;
      }
      for (; j + 16 <= hi; j += 16) {
        const float16 v = vload16(0, s + j);
        vstore8(v.even, 0, dst + (j >> 1));
        vstore8(v.odd, 0, dst + odd_at + (j >> 1));
      }
#else
      for (; j + 8 <= hi; j += 8)
        vstore8(vload8(0, s + j), 0, dst + j);
#endif
      for (; j < hi; j++)
        dst[AT(j)] = s[j];
      for (j = 0; j < lo; j++) {
        const int x = x0 + j;
        const int m = x >= -pw ? conv_source(x, in_w, mode) : -1;
        dst[AT(j)] = m >= 0 ? line[m] : 0.0f;
      }
      for (j = hi; j < span; j++) {
        const int x = x0 + j;
        /* Columns past the padded row only feed lanes that are never stored. */
        const int m = x < in_w + pw_after ? conv_source(x, in_w, mode) : -1;
        dst[AT(j)] = m >= 0 ? line[m] : 0.0f;
      }
    }
  }
}

/* A software prefetch where the compiler offers one for a CPU target (PoCL: clang on x86-64);
 * elsewhere the prefetch below is left out. */
#if defined(__clang__) && (defined(__x86_64__) || defined(__aarch64__))
#define PREFETCH(p) __builtin_prefetch(p)
#endif

#ifdef PREFETCH
/* Asks for input columns [x0, x0 + span) of the window's rows, channels [0, count). */
inline void prefetch_window(__global const float *restrict src, ulong plane, int count, int rows_k,
                            int kh, int od, int oh, int sd, int sh, int dd, int dh, int pd, int ph,
                            int in_d, int in_h, int in_w, int x0, int span, int mode) {
  const int lo = max(x0, 0), hi = min(in_w, x0 + span);
  if (lo >= hi)
    return;
  for (int rk = 0; rk < rows_k; rk++) {
    const int a = rk / kh, b = rk % kh;
    const int z = conv_source(od * sd - pd + a * dd, in_d, mode);
    const int y = conv_source(oh * sh - ph + b * dh, in_h, mode);
    if (z < 0 || y < 0)
      continue;
    __global const float *s = src + ((ulong)z * (ulong)in_h + (ulong)y) * (ulong)in_w;
    for (int c = 0; c < count; c++, s += plane) {
      for (int j = lo; j < hi; j += 16)
        PREFETCH(s + j);
      PREFETCH(s + hi - 1);
    }
  }
}
#endif

/* gid 0: tile of the output row (TILE pixels; the last tile is moved back to end at out_w, or
 * covers the whole row when it is narrower than TILE); gid 1: output row od * out_h + oh; gid 2:
 * (n * groups + g) * runs + run, where a run is `per_run` consecutive channel blocks. The
 * work-group is this one work-item; stage holds chunk * rows_k * span floats (rows_k = kd * kh),
 * staged once when the group's channels fit one chunk, else once per chunk and block. */
__kernel void conv_direct(__global const float *restrict in, ulong in_offset,
                          __global const float *restrict weight, ulong weight_offset,
                          __global const float *restrict bias, ulong bias_offset, int has_bias,
                          __global float *restrict out, ulong out_offset, int channels,
                          int out_channels, int group_in, int group_out, int blocks, int per_run,
                          int groups, int in_d, int in_h, int in_w, int out_d, int out_h, int out_w,
                          int kd, int kh, int sd, int sh, int sw, int dd, int dh, int dw, int pd,
                          int ph, int pw, int pw_after, int mode, int chunk, int span,
                          __local float *restrict stage) {
  int ow0 = (int)get_global_id(0) * TILE;
  int first_lane = 0;
  if (out_w >= TILE && ow0 + TILE > out_w) {
    first_lane = ow0 + TILE - out_w;
    ow0 = out_w - TILE;
  }
  const int last_lane = min(TILE, out_w - ow0); /* lanes [first_lane, last_lane) are stored */
  const int row = (int)get_global_id(1);
  const int oh = row % out_h, od = row / out_h;
  const int runs = (blocks + per_run - 1) / per_run;
  const int run = (int)(get_global_id(2) % (size_t)runs);
  const ulong ng = get_global_id(2) / (size_t)runs;
  const int g = (int)(ng % (ulong)groups);
  const ulong n = ng / (ulong)groups;

  const int rows_k = kd * kh;
  const ulong plane = (ulong)in_d * (ulong)in_h * (ulong)in_w;
  __global const float *src =
      in + in_offset + (n * (ulong)channels + (ulong)g * (ulong)group_in) * plane;
#if SW == 0
#define STRIDE_W sw
#else
#define STRIDE_W SW
#endif
  const int x0 = ow0 * STRIDE_W - pw;
  const ulong out_plane = (ulong)out_d * (ulong)out_h * (ulong)out_w;
  const bool one_chunk = chunk >= group_in;
#if SW == 2
  const int odd_at = (span + 1) >> 1;
#endif
  if (one_chunk)
    stage_window(stage, src, plane, 0, group_in, rows_k, kh, od, oh, sd, sh, dd, dh, pd, ph, pw,
                 pw_after, in_d, in_h, in_w, x0, span, mode);
#ifdef PREFETCH
  /* The window of the row's next tile, which PoCL most likely runs next on this thread: its
   * short rows a plane apart are not followed by the hardware prefetchers, and staging them
   * stalled on cache misses (a quarter of the stride-2 layer's time); asked for now, the misses
   * overlap with this item's arithmetic (10-13 % less CPU time there, docs/conv.md). */
  if (one_chunk)
    prefetch_window(src, plane, group_in, rows_k, kh, od, oh, sd, sh, dd, dh, pd, ph, in_d, in_h,
                    in_w, x0 + TILE * STRIDE_W, span, mode);
#endif

  const int kb_end = min(blocks, (run + 1) * per_run);
  for (int kb = run * per_run; kb < kb_end; kb++) {
    __global const float *w =
        weight + weight_offset +
        ((ulong)g * (ulong)blocks + (ulong)kb) * (ulong)group_in * (ulong)rows_k * KW * CB;
    float16 acc0 = 0.0f, acc1 = 0.0f, acc2 = 0.0f, acc3 = 0.0f;
    float16 acc4 = 0.0f, acc5 = 0.0f, acc6 = 0.0f, acc7 = 0.0f;
    float16 acc8 = 0.0f, acc9 = 0.0f, acc10 = 0.0f, acc11 = 0.0f;
    float16 acc12 = 0.0f, acc13 = 0.0f, acc14 = 0.0f, acc15 = 0.0f;
#if TV == 2
    float16 hi0 = 0.0f, hi1 = 0.0f, hi2 = 0.0f, hi3 = 0.0f;
    float16 hi4 = 0.0f, hi5 = 0.0f, hi6 = 0.0f, hi7 = 0.0f;
#endif
    for (int c0 = 0; c0 < group_in; c0 += chunk) {
      const int count = min(chunk, group_in - c0);
      if (!one_chunk)
        stage_window(stage, src, plane, c0, count, rows_k, kh, od, oh, sd, sh, dd, dh, pd, ph, pw,
                     pw_after, in_d, in_h, in_w, x0, span, mode);
      __local const float *p = stage;
      for (int i = 0; i < count * rows_k; i++) {
#pragma unroll
        for (int e = 0; e < KW; e++) {
          const float16 x = LOAD_TAP(p, e * dw);
#if TV == 2
          const float16 x_hi = LOAD_TAP(p, e * dw + 16 * STRIDE_W);
#endif
          __global const float *wv = w + e * CB;
          FOR_EACH_CB(TAP)
        }
        p += span;
        w += KW * CB;
      }
    }

    const int k0 = g * group_out + kb * CB;
    const int valid = min(CB, group_out - kb * CB);
    __global float *dst = out + out_offset + (n * (ulong)out_channels + (ulong)k0) * out_plane +
                          (ulong)row * (ulong)out_w + (ulong)ow0;
    const float16 accs[16] = {acc0, acc1, acc2,  acc3,  acc4,  acc5,  acc6,  acc7,
                              acc8, acc9, acc10, acc11, acc12, acc13, acc14, acc15};
#if TV == 2
    const float16 his[8] = {hi0, hi1, hi2, hi3, hi4, hi5, hi6, hi7};
#endif
    for (int j = 0; j < valid; j++) {
      const float b = has_bias ? bias[bias_offset + (ulong)(k0 + j)] : 0.0f;
      __global float *d = dst + (ulong)j * out_plane;
      for (int h = 0; h < TV; h++) {
#if TV == 2
        float16 v = h ? his[j] : accs[j];
#else
        float16 v = accs[j];
#endif
        if (has_bias)
          v += (float16)(b);
        const int lane_lo = max(first_lane - 16 * h, 0), lane_hi = min(last_lane - 16 * h, 16);
        if (lane_lo == 0 && lane_hi == 16) {
          vstore16(v, 0, d + 16 * h);
        } else {
          float tmp[16];
          vstore16(v, 0, tmp);
          for (int i = lane_lo; i < lane_hi; i++)
            d[16 * h + i] = tmp[i];
        }
      }
    }
  }
}
