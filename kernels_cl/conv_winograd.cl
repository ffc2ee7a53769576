/* Convolution, Winograd F(4x4, 3x3) for 2d 3x3 kernels with stride 1, groups 1:
 * Y = A^T [(G g G^T) . (B^T d B)] A over 6x6 input tiles giving 4x4 output tiles (Lavin and
 * Gray, "Fast Algorithms for Convolutional Neural Networks", 2016), 36 multiplies per tile and
 * channel pair instead of 144.
 *
 * Dilation (dh, dw) is split into dh * dw phases: the outputs (py + dh y', px + dw x') of phase
 * (py, px) are an undilated 3x3 convolution of the input samples (py - ph + dh u, px - pw + dw v),
 * so each phase is tiled on its own (y', x') grid and the tiles of all phases go through the
 * same GEMMs. The transforms read and write with the dilation as their stride; dilation 1 is
 * the single phase (0, 0).
 *
 * The weight transform, then either one fused kernel or three kernels through global scratch:
 *  - conv_winograd_weights: U[xi][block][c][CB] = (G g G^T)[xi] for each (k, c), packed in
 *    blocks of CB output channels, zeros past out_channels (once per prepare, or per call into
 *    scratch);
 *  - conv_winograd_input: V[xi][c][t] = (B^T d B)[xi] for each input channel and tile t (rows of
 *    `pitch` floats, the tile count rounded to an odd number of 64-byte lines so that the
 *    channels of a GEMM panel do not share cache sets; M likewise). The 6x6
 *    tile is read through conv_source, so the padding mode costs nothing and no padded copy is
 *    made;
 *  - conv_winograd_gemm: M[xi][k][t] = sum_c U[xi][k][c] V[xi][c][t], 36 GEMMs, tiled as
 *    conv_gemm.cl (CB channels x 16 or 32 tiles per work-item, the panel of tiles staged in local
 *    memory);
 *  - conv_winograd_output: Y = A^T M A + bias, storing the part of the 4x4 tile inside the
 *    output;
 *  - conv_winograd_fused: the input transform, GEMMs and output transform of 16 tiles per
 *    work-group, V and M in local memory (below).
 *
 * Build options: CB (output channels per work-item in the GEMM, 1..16), TV (float16 vectors of
 * tiles per channel in the GEMM: 1, or 2 for 32 tiles with CB <= 8, as conv_direct.cl's TV). */

#ifndef CB
#error "CB must be defined"
#endif
#if !defined(TV) || TV < 1 || TV > 2 || (TV == 2 && CB > 8)
#error "TV must be 1, or 2 with CB <= 8"
#endif

#define TILE (16 * TV)

/* G x for the 3 taps x of a row or column of g, lanes = output channels of a block (1/6, 1/12 and
 * 1/24 as products: a rounding of their own, well inside Winograd's tolerance). */
inline void g6(float16 x0, float16 x1, float16 x2, float16 *y) {
  const float16 s = -(x0 + x2) * (1.0f / 6.0f), d = x1 * (1.0f / 6.0f);
  const float16 e = x0 * (1.0f / 24.0f) + x2 * (1.0f / 6.0f), f = x1 * (1.0f / 12.0f);
  y[0] = x0 * 0.25f;
  y[1] = s - d;
  y[2] = s + d;
  y[3] = e + f;
  y[4] = e - f;
  y[5] = x2;
}

/* The first CB lanes of v to p[0 .. CB - 1]. */
#if CB == 16
#define STORE_CB(v, p) vstore16((v), 0, (p))
#elif CB == 8
#define STORE_CB(v, p) vstore8((v).lo, 0, (p))
#elif CB == 6
#define STORE_CB(v, p) (vstore4((v).s0123, 0, (p)), vstore2((v).s45, 0, (p) + 4))
#elif CB == 4
#define STORE_CB(v, p) vstore4((v).s0123, 0, (p))
#elif CB == 2
#define STORE_CB(v, p) vstore2((v).s01, 0, (p))
#else
#define STORE_CB(v, p)              \
  do {                              \
    float tmp_[16];                 \
    vstore16((v), 0, tmp_);         \
    for (int l_ = 0; l_ < CB; l_++) \
      (p)[l_] = tmp_[l_];           \
  } while (0)
#endif

/* u = G g G^T (6x6) of the 3x3 g of (k, c) for the CB output channels k of block kb, one per
 * vector lane: gid 0 = c, gid 1 = kb. A work-item writes 36 whole lines of CB floats (one per
 * xi); one work-item per (k, c) computing scalars and writing 36 single floats to lines that on
 * 128x128 layers sit 64 KiB apart took 2.1 ms for 128x128 weights. Lanes past out_channels are
 * zeros (the GEMM reads whole blocks). */
__kernel void conv_winograd_weights(__global const float *restrict weight, ulong weight_offset,
                                    __global float *restrict packed, ulong packed_offset,
                                    int channels, int out_channels, int blocks) {
  const int c = (int)get_global_id(0), kb = (int)get_global_id(1);
  if (c >= channels)
    return;
  float taps[9][16]; /* [tap][lane] */
  for (int lane = 0; lane < 16; lane++) {
    const int k = kb * CB + lane;
    if (lane < CB && k < out_channels) {
      __global const float *g =
          weight + weight_offset + ((ulong)k * (ulong)channels + (ulong)c) * 9;
      for (int a = 0; a < 9; a++)
        taps[a][lane] = g[a];
    } else {
      for (int a = 0; a < 9; a++)
        taps[a][lane] = 0.0f;
    }
  }
  float16 t[3][6]; /* (G g)^T: t[j] = G g[.][j] */
  for (int j = 0; j < 3; j++)
    g6(vload16(0, taps[j]), vload16(0, taps[3 + j]), vload16(0, taps[6 + j]), t[j]);
  const ulong xi_stride = (ulong)blocks * (ulong)channels * CB;
  __global float *dst = packed + packed_offset + ((ulong)kb * (ulong)channels + (ulong)c) * CB;
  for (int i = 0; i < 6; i++) {
    float16 u[6];
    g6(t[0][i], t[1][i], t[2][i], u);
    for (int j = 0; j < 6; j++)
      STORE_CB(u[j], dst + (ulong)(i * 6 + j) * xi_stride);
  }
}

/* B^T d on 6 vectors (8 tiles side by side): the 1d input transform. */
inline void bt6(const float8 *d, float8 *v) {
  v[0] = 4.0f * d[0] - 5.0f * d[2] + d[4];
  v[1] = -4.0f * (d[1] + d[2]) + d[3] + d[4];
  v[2] = 4.0f * (d[1] - d[2]) - d[3] + d[4];
  v[3] = -2.0f * (d[1] - d[3]) - d[2] + d[4];
  v[4] = 2.0f * (d[1] - d[3]) - d[2] + d[4];
  v[5] = 4.0f * d[1] - 5.0f * d[3] + d[5];
}

/* ceil(n / d) for d >= 1, 0 where n <= 0. */
inline int ceil_div_pos(int n, int d) { return n <= 0 ? 0 : (n - 1) / d + 1; }

/* x / factor for a coordinate x >= 0 of the upsampled input: no division where there is no
 * upsampling (the usual case; an integer division costs more than the rest of a column's
 * read). */
inline int up_div(int x, int factor) { return factor == 1 ? x : x / factor; }

/* Row y (of the upsampled, padded input) of the segment of eight horizontally adjacent tiles:
 * columns x0 + dw j, j = 0 .. 33, as a (0 .. 15), b (16 .. 31) and e (32, 33); zeros (or what the
 * padding gives) outside the input. */
inline void input_row8(__global const float *restrict src, int in_h, int in_w, int y, int x0,
                       int ph, int pw, int ph_after, int pw_after, int mode, int uh, int uw, int dw,
                       float16 *a, float16 *b, float2 *e) {
  /* Nearest upsampling by (uh, uw) comes before the padding: coordinates are mapped on the
   * upsampled size (up_h, up_w), then divided by the factor. */
  const int up_h = in_h * uh, up_w = in_w * uw;
  /* Columns j in [lo, hi) of the segment lie inside the (upsampled) row. */
  const int lo = min(ceil_div_pos(-x0, dw), 34), hi = clamp(ceil_div_pos(up_w - x0, dw), lo, 34);
  const int syu = (y >= -ph && y < up_h + ph_after) ? conv_source(y, up_h, mode) : -1;
  const int sy = syu < 0 ? -1 : up_div(syu, uh);
  *a = 0.0f;
  *b = 0.0f;
  *e = 0.0f;
  if (sy >= 0 && uw == 1 && dw == 1 && lo == 0 && hi == 34) {
    /* The whole segment inside the row: straight vector loads. */
    __global const float *line = src + (ulong)sy * (ulong)in_w + (ulong)x0;
    *a = vload16(0, line);
    *b = vload16(0, line + 16);
    *e = vload2(0, line + 32);
  } else if (sy >= 0) {
    __global const float *line = src + (ulong)sy * (ulong)in_w;
    float seg[34];
    /* Columns [lo, hi) lie inside the row: a vector copy where dw == 1 (upsampled: each input
     * column repeated uw times, uw == 2 by pairs), else strided loads; the few others are
     * mapped. */
    int j = lo;
    if (dw > 1) {
      /* Every dw-th column: the scalar loop below. */
    } else if (uw == 1) {
      for (; j + 8 <= hi; j += 8)
        vstore8(vload8(0, line + x0 + j), 0, seg + j);
    } else if (uw == 2) {
      /* Start on an even upsampled column, so that each loaded float fills a pair. */
      if (j < hi && ((x0 + j) & 1)) {
        seg[j] = line[(x0 + j) >> 1];
        j++;
      }
      for (; j + 8 <= hi; j += 8) {
        const float4 q = vload4(0, line + ((x0 + j) >> 1));
        vstore8((float8)(q.s0, q.s0, q.s1, q.s1, q.s2, q.s2, q.s3, q.s3), 0, seg + j);
      }
    }
    for (; j < hi; j++)
      seg[j] = line[up_div(x0 + dw * j, uw)];
    for (j = 0; j < lo; j++) {
      const int x = x0 + dw * j;
      /* Beyond the padded input: only feeds outputs that are not stored. */
      const int m = x >= -pw && x < up_w + pw_after ? conv_source(x, up_w, mode) : -1;
      seg[j] = m >= 0 ? line[up_div(m, uw)] : 0.0f;
    }
    for (j = hi; j < 34; j++) {
      const int x = x0 + dw * j;
      const int m = x < up_w + pw_after ? conv_source(x, up_w, mode) : -1;
      seg[j] = m >= 0 ? line[up_div(m, uw)] : 0.0f;
    }
    *a = vload16(0, seg);
    *b = vload16(1, seg);
    *e = vload2(0, seg + 32);
  }
}

/* Column j of the 8 tiles of a row segment (input_row8) is its column j + 4 l, l = 0 .. 7: a
 * stride-4 split of columns 0 .. 31 by vector shuffles (columns 4 and 5 of the last tile are 32
 * and 33). */
inline void row_columns8(float16 a, float16 b, float2 e, float8 *d) {
#pragma unroll
  for (int j = 0; j < 6; j++)
    d[j] = shuffle2(a, b, (uint8)(0, 4, 8, 12, 16, 20, 24, 28) + (uint)j);
  d[4].s7 = e.s0;
  d[5].s7 = e.s1;
}

/* v[6 i + j] = (B^T d B)[i][j] from the 6x6 columns d[i][j] of eight tiles. */
inline void transform8(float8 (*d)[6], float8 *v) {
  float8 t[6][6]; /* B^T d, [row of the transform][column j] */
#pragma unroll
  for (int j = 0; j < 6; j++) {
    float8 col[6], r[6];
#pragma unroll
    for (int i = 0; i < 6; i++)
      col[i] = d[i][j];
    bt6(col, r);
#pragma unroll
    for (int i = 0; i < 6; i++)
      t[i][j] = r[i];
  }
#pragma unroll
  for (int i = 0; i < 6; i++)
    bt6(t[i], v + 6 * i);
}

/* B d B^T of eight horizontally adjacent tiles of one channel plane `src` (one per vector lane)
 * into v[xi], xi = 6 i + j: the tile of lane l reads the (upsampled, padded) input at rows y0 + dh
 * i and columns x0 + 4 dw l + dw j. Tiles past the phase's outputs read zeros (or what the padding
 * gives) and only feed outputs that are not stored. */
inline void input_tiles8(__global const float *restrict src, int in_h, int in_w, int y0, int x0,
                         int ph, int pw, int ph_after, int pw_after, int mode, int dh, int dw,
                         int uh, int uw, float8 *v) {
  float8 d[6][6]; /* [row i][column j], lanes = tiles */
  for (int i = 0; i < 6; i++) {
    float16 a, b;
    float2 e;
    input_row8(src, in_h, in_w, y0 + dh * i, x0, ph, pw, ph_after, pw_after, mode, uh, uw, dw, &a,
               &b, &e);
    row_columns8(a, b, e, d[i]);
  }
  transform8(d, v);
}

/* The tile columns (as input_tiles8 before its transform) of column phases px = 0 (d0, columns
 * x0 + 2 j') and 1 (d1, x0 + 1 + 2 j') of a dw == 2 layer for the same tiles: where a row's 68
 * columns lie inside the input (no upsampling), one run of vector loads split into even and odd
 * columns by shuffles; each phase alone loaded every other column one float at a time. */
inline void input_pair_columns8(__global const float *restrict src, int in_h, int in_w, int y0,
                                int x0, int ph, int pw, int ph_after, int pw_after, int mode,
                                int dh, int uh, int uw, float8 (*d0)[6], float8 (*d1)[6]) {
  const bool inside = uw == 1 && x0 >= 0 && x0 + 68 <= in_w;
  for (int i = 0; i < 6; i++) {
    const int y = y0 + dh * i;
    const int sy = uh == 1 && y >= -ph && y < in_h + ph_after ? conv_source(y, in_h, mode) : -1;
    if (inside && sy >= 0) {
      __global const float *line = src + (ulong)sy * (ulong)in_w + (ulong)x0;
      const float16 l0 = vload16(0, line), l1 = vload16(0, line + 16);
      const float16 l2 = vload16(0, line + 32), l3 = vload16(0, line + 48);
      const float4 l4 = vload4(0, line + 64);
      const uint16 even = (uint16)(0, 2, 4, 6, 8, 10, 12, 14, 16, 18, 20, 22, 24, 26, 28, 30);
      row_columns8(shuffle2(l0, l1, even), shuffle2(l2, l3, even), l4.s02, d0[i]);
      row_columns8(shuffle2(l0, l1, even + 1u), shuffle2(l2, l3, even + 1u), l4.s13, d1[i]);
    } else {
      float16 a, b;
      float2 e;
      input_row8(src, in_h, in_w, y, x0, ph, pw, ph_after, pw_after, mode, uh, uw, 2, &a, &b, &e);
      row_columns8(a, b, e, d0[i]);
      input_row8(src, in_h, in_w, y, x0 + 1, ph, pw, ph_after, pw_after, mode, uh, uw, 2, &a, &b,
                 &e);
      row_columns8(a, b, e, d1[i]);
    }
  }
}

/* Eight horizontally adjacent tiles per work-item, one per vector lane: gid 0 = group of 8 tile
 * columns, gid 1 = row - row0 for the band's rows row0 .. row0 + band_rows - 1 (row = phase *
 * tiles_h + tile row), gid 2 = n * channels + c. The band's tiles are numbered
 * t = (n * band_rows + row - row0) * tiles_wp + tx with tiles_wp = tiles_w rounded up to 8,
 * phase = py * dw + px. */
__kernel void conv_winograd_input(__global const float *restrict in, ulong in_offset,
                                  __global float *restrict v_out, ulong v_offset, int channels,
                                  int in_h, int in_w, int tiles_h, int tiles_wp, ulong pitch,
                                  int ph, int pw, int ph_after, int pw_after, int mode, int dh,
                                  int dw, int uh, int uw, int row0, int band_rows) {
  const int tx0 = (int)get_global_id(0) * 8;
  const int row = row0 + (int)get_global_id(1);
  const int phase = row / tiles_h, ty = row % tiles_h;
  const ulong nc = get_global_id(2);
  const int c = (int)(nc % (ulong)channels);
  const ulong n = nc / (ulong)channels;
  const int y0 = phase / dw - ph + dh * ty * 4, x0 = phase % dw - pw + dw * tx0 * 4;
  float8 v[36];
  input_tiles8(in + in_offset + nc * (ulong)in_h * (ulong)in_w, in_h, in_w, y0, x0, ph, pw,
               ph_after, pw_after, mode, dh, dw, uh, uw, v);
  const ulong t_index = (n * (ulong)band_rows + (ulong)(row - row0)) * (ulong)tiles_wp + (ulong)tx0;
  const ulong xi_stride = (ulong)channels * pitch;
  __global float *dst = v_out + v_offset + (ulong)c * pitch + t_index;
#pragma unroll
  for (int xi = 0; xi < 36; xi++)
    vstore8(v[xi], 0, dst + (ulong)xi * xi_stride);
}

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

/* gid 0: TILE tiles (the last group moved back to end at `tiles`, or partial); gid 1: xi * runs +
 * run of `per_run` channel blocks. stage: chunk * 16 floats. */
__kernel void conv_winograd_gemm(__global const float *restrict u, ulong u_offset,
                                 __global const float *restrict v, ulong v_offset,
                                 __global float *restrict m, ulong m_offset, int channels,
                                 int out_channels, int blocks, int per_run, ulong tiles,
                                 ulong pitch, int chunk, __local float *restrict stage) {
  ulong t0 = get_global_id(0) * TILE;
  int first_lane = 0;
  if (tiles >= TILE && t0 + TILE > tiles) {
    first_lane = (int)(t0 + TILE - tiles);
    t0 = tiles - TILE;
  }
  const int last_lane = (int)min((ulong)TILE, tiles - t0);
  const bool full = last_lane == TILE;
  const int runs = (blocks + per_run - 1) / per_run;
  const int run = (int)(get_global_id(1) % (size_t)runs);
  const ulong xi = get_global_id(1) / (size_t)runs;
  __global const float *src = v + v_offset + xi * (ulong)channels * pitch + t0;
  const bool one_chunk = chunk >= channels;

  const int kb_end = min(blocks, (run + 1) * per_run);
  for (int kb = run * per_run; kb < kb_end; kb++) {
    __global const float *w =
        u + u_offset + ((xi * (ulong)blocks + (ulong)kb) * (ulong)channels) * CB;
    float16 acc0 = 0.0f, acc1 = 0.0f, acc2 = 0.0f, acc3 = 0.0f;
    float16 acc4 = 0.0f, acc5 = 0.0f, acc6 = 0.0f, acc7 = 0.0f;
    float16 acc8 = 0.0f, acc9 = 0.0f, acc10 = 0.0f, acc11 = 0.0f;
    float16 acc12 = 0.0f, acc13 = 0.0f, acc14 = 0.0f, acc15 = 0.0f;
#if TV == 2
    float16 hi0 = 0.0f, hi1 = 0.0f, hi2 = 0.0f, hi3 = 0.0f;
    float16 hi4 = 0.0f, hi5 = 0.0f, hi6 = 0.0f, hi7 = 0.0f;
#endif
    for (int c0 = 0; c0 < channels; c0 += chunk) {
      const int count = min(chunk, channels - c0);
      if (!one_chunk || kb == run * per_run) {
        for (int c = 0; c < count; c++) {
          __global const float *s = src + (ulong)(c0 + c) * pitch;
          if (full) {
            for (int h = 0; h < TV; h++)
              vstore16(vload16(h, s), c * TV + h, stage);
          } else {
            for (int j = 0; j < TILE; j++)
              stage[c * TILE + j] = j < last_lane ? s[j] : 0.0f;
          }
        }
      }
      for (int c = 0; c < count; c++) {
        const float16 x = vload16(c * TV, stage);
#if TV == 2
        const float16 x_hi = vload16(c * TV + 1, stage);
#endif
        __global const float *wv = w;
        FOR_EACH_CB(TAP)
        w += CB;
      }
    }
    const int k0 = kb * CB;
    const int valid = min(CB, out_channels - k0);
    __global float *dst = m + m_offset + (xi * (ulong)out_channels + (ulong)k0) * pitch + t0;
    const float16 accs[16] = {acc0, acc1, acc2,  acc3,  acc4,  acc5,  acc6,  acc7,
                              acc8, acc9, acc10, acc11, acc12, acc13, acc14, acc15};
#if TV == 2
    const float16 his[8] = {hi0, hi1, hi2, hi3, hi4, hi5, hi6, hi7};
#endif
    for (int j = 0; j < valid; j++) {
      __global float *d = dst + (ulong)j * pitch;
      for (int h = 0; h < TV; h++) {
#if TV == 2
        const float16 r = h ? his[j] : accs[j];
#else
        const float16 r = accs[j];
#endif
        const int lane_lo = max(first_lane - 16 * h, 0), lane_hi = min(last_lane - 16 * h, 16);
        if (lane_lo == 0 && lane_hi == 16) {
          vstore16(r, 0, d + 16 * h);
        } else {
          float tmp[16];
          vstore16(r, 0, tmp);
          for (int i = lane_lo; i < lane_hi; i++)
            d[16 * h + i] = tmp[i];
        }
      }
    }
  }
}

#define M_LINES (CB | 1)
#define FUSED_TAP(j) acc##j = fma(x, (float16)(wv[j]), acc##j)
#define FUSED_STORE(j) vstore16(acc##j, j, m_row)

/* A^T m on 6 vectors: the 1d output transform. */
inline void at6(const float8 *m, float8 *y) {
  y[0] = m[0] + m[1] + m[2] + m[3] + m[4];
  y[1] = m[1] - m[2] + 2.0f * (m[3] - m[4]);
  y[2] = m[1] + m[2] + 4.0f * (m[3] + m[4]);
  y[3] = m[1] - m[2] + 8.0f * (m[3] - m[4]) + m[5];
}

/* The 4 x 32 outputs (bias added) of eight horizontally adjacent tiles (m[xi], lanes = tiles):
 * r[i][q] is pixels 8 q .. 8 q + 7 of output row i of the tiles. */
inline void output_rows8(const float8 *m, float b, float8 (*r)[4]) {
  float8 t[4][6];
#pragma unroll
  for (int j = 0; j < 6; j++) {
    float8 col[6], y[4];
#pragma unroll
    for (int i = 0; i < 6; i++)
      col[i] = m[i * 6 + j];
    at6(col, y);
#pragma unroll
    for (int i = 0; i < 4; i++)
      t[i][j] = y[i];
  }
  const uint8 lo = (uint8)(0, 1, 8, 9, 2, 3, 10, 11), hi = (uint8)(4, 5, 12, 13, 6, 7, 14, 15);
  const float8 bias8 = (float8)(b);
#pragma unroll
  for (int i = 0; i < 4; i++) {
    float8 y[4];
    at6(t[i], y);
    /* Lane l of y[j] is pixel 4 l + j: interleaved by shuffles into pixels 8 q .. 8 q + 7. */
    const float8 p01 = shuffle2(y[0], y[1], (uint8)(0, 8, 1, 9, 2, 10, 3, 11));
    const float8 p23 = shuffle2(y[2], y[3], (uint8)(0, 8, 1, 9, 2, 10, 3, 11));
    const float8 q01 = shuffle2(y[0], y[1], (uint8)(4, 12, 5, 13, 6, 14, 7, 15));
    const float8 q23 = shuffle2(y[2], y[3], (uint8)(4, 12, 5, 13, 6, 14, 7, 15));
    r[i][0] = shuffle2(p01, p23, lo) + bias8;
    r[i][1] = shuffle2(p01, p23, hi) + bias8;
    r[i][2] = shuffle2(q01, q23, lo) + bias8;
    r[i][3] = shuffle2(q01, q23, hi) + bias8;
  }
}

/* Y = A^T m A + b of eight horizontally adjacent tiles (m[xi], lanes = tiles) into the output
 * plane `dst`: tile columns tx0 .. tx0 + 7 of tile row ty of phase `phase`, the part inside the
 * output. */
inline void output_tiles8(const float8 *m, float b, __global float *restrict dst, int out_h,
                          int out_w, int phase, int ty, int tx0, int dh, int dw) {
  float8 r[4][4];
  output_rows8(m, b, r);
  /* Output (py + dh y', px + dw x') of the phase's (y', x'). */
  const int py = phase / dw, px = phase % dw, oy0 = ty * 4, ox0 = tx0 * 4;
  const int width = dw == 1 ? min(32, out_w - ox0) : min(32, (out_w - px + dw - 1) / dw - ox0);
#pragma unroll
  for (int i = 0; i < 4; i++) {
    const int oy = py + dh * (oy0 + i);
    if (oy >= out_h || width <= 0)
      break;
    __global float *line = dst + (ulong)oy * (ulong)out_w + (ulong)(px + dw * ox0);
    if (dw == 1 && width == 32) {
      vstore8(r[i][0], 0, line);
      vstore8(r[i][1], 0, line + 8);
      vstore8(r[i][2], 0, line + 16);
      vstore8(r[i][3], 0, line + 24);
    } else {
      float row[32];
      vstore8(r[i][0], 0, row);
      vstore8(r[i][1], 0, row + 8);
      vstore8(r[i][2], 0, row + 16);
      vstore8(r[i][3], 0, row + 24);
      for (int j = 0; j < width; j++)
        line[(ulong)(dw * j)] = row[j];
    }
  }
}

/* Phases px = 0 (m0) and px = 1 (m1) of a dw == 2 layer for the same tiles (tile columns tx0 ..
 * tx0 + 7 of tile row ty, phase row py): their pixels interleave into up to 64 consecutive output
 * columns from 8 tx0, stored as vectors (each phase alone stores every other pixel). */
inline void output_pair8(const float8 *m0, const float8 *m1, float b, __global float *restrict dst,
                         int out_h, int out_w, int py, int ty, int tx0, int dh) {
  float8 r[4][4], s[4][4];
  output_rows8(m0, b, r);
  output_rows8(m1, b, s);
  const int x0 = 8 * tx0, width = min(64, out_w - x0);
#pragma unroll
  for (int i = 0; i < 4; i++) {
    const int oy = py + dh * (ty * 4 + i);
    if (oy >= out_h || width <= 0)
      break;
    float8 c[8];
#pragma unroll
    for (int q = 0; q < 4; q++) {
      c[2 * q] = shuffle2(r[i][q], s[i][q], (uint8)(0, 8, 1, 9, 2, 10, 3, 11));
      c[2 * q + 1] = shuffle2(r[i][q], s[i][q], (uint8)(4, 12, 5, 13, 6, 14, 7, 15));
    }
    __global float *line = dst + (ulong)oy * (ulong)out_w + (ulong)x0;
    if (width == 64) {
#pragma unroll
      for (int q = 0; q < 8; q++)
        vstore8(c[q], 0, line + 8 * q);
    } else {
      float row[64];
#pragma unroll
      for (int q = 0; q < 8; q++)
        vstore8(c[q], 0, row + 8 * q);
      for (int j = 0; j < width; j++)
        line[j] = row[j];
    }
  }
}

/* Eight horizontally adjacent tiles per work-item: gid 0 = group of 8 tile columns, gid 1 =
 * row - row0 as in conv_winograd_input, gid 2 = n * out_channels + k. */
__kernel void conv_winograd_output(__global const float *restrict m, ulong m_offset,
                                   __global const float *restrict bias, ulong bias_offset,
                                   int has_bias, __global float *restrict out, ulong out_offset,
                                   int out_channels, int out_h, int out_w, int tiles_h,
                                   int tiles_wp, ulong pitch, int dh, int dw, int row0,
                                   int band_rows) {
  const int tx0 = (int)get_global_id(0) * 8;
  const int row = row0 + (int)get_global_id(1);
  const int phase = row / tiles_h, ty = row % tiles_h;
  const ulong nk = get_global_id(2);
  const int k = (int)(nk % (ulong)out_channels);
  const ulong n = nk / (ulong)out_channels;
  const ulong t_index = (n * (ulong)band_rows + (ulong)(row - row0)) * (ulong)tiles_wp + (ulong)tx0;
  const ulong xi_stride = (ulong)out_channels * pitch;
  __global const float *src = m + m_offset + (ulong)k * pitch + t_index;
  float8 mm[36];
#pragma unroll
  for (int xi = 0; xi < 36; xi++)
    mm[xi] = vload8(0, src + (ulong)xi * xi_stride);
  const float b = has_bias ? bias[bias_offset + (ulong)k] : 0.0f;
  output_tiles8(mm, b, out + out_offset + nk * (ulong)out_h * (ulong)out_w, out_h, out_w, phase, ty,
                tx0, dh, dw);
}

/* The whole layer for 16 tiles, two groups of 8 horizontally adjacent tiles, per work-group of
 * one work-item, for output-channel blocks part * per_part .. (part + 1) * per_part - 1: gid 0 =
 * pair of groups, gid 1 = part. Group g (of `groups`) is, innermost first, column phase px = g %
 * dw, tile columns 8 tx8 .. 8 tx8 + 7, tile row ty, row phase py and sample n: consecutive groups
 * run on along rows and samples, so that small maps fill the work-groups, and with dw == 2 a
 * pair is the two column phases of the same tiles, whose outputs interleave (output_pair8). The
 * input transform of every channel goes to `v` (local, [36][channels | 1][16]), then per block of
 * CB output channels the 36 GEMMs against U go to `m` (local, [36][CB | 1][16]) and the output
 * transform reads them back. V and M never leave the work-group's local memory (on a CPU device a
 * buffer of the thread's that stays in L2): the three-kernel path writes both to global memory and
 * reads them back, 46 MB per call on a 64->64 128x128 layer. */
__kernel void conv_winograd_fused(__global const float *restrict in, ulong in_offset,
                                  __global const float *restrict u, ulong u_offset,
                                  __global const float *restrict bias, ulong bias_offset,
                                  int has_bias, __global float *restrict out, ulong out_offset,
                                  int channels, int out_channels, int blocks, int per_part,
                                  int in_h, int in_w, int out_h, int out_w, int tiles_h,
                                  int tiles_w8, ulong groups, int ph, int pw, int ph_after,
                                  int pw_after, int mode, int dh, int dw, int uh, int uw,
                                  __local float *restrict v, __local float *restrict m) {
  /* 64-byte lines per xi in v and m: odd, so that a tile's 36 values do not share a cache set. */
  const int v_lines = channels | 1;
  ulong n[2];
  int phase[2], ty[2], tx0[2];
  bool live[2];
  for (int h = 0; h < 2; h++) {
    const ulong g = get_global_id(0) * 2 + (ulong)h;
    live[h] = g < groups;
    const int px = (int)(g % (ulong)dw);
    ulong rest = g / (ulong)dw;
    tx0[h] = (int)(rest % (ulong)tiles_w8) * 8;
    rest /= (ulong)tiles_w8;
    ty[h] = (int)(rest % (ulong)tiles_h);
    rest /= (ulong)tiles_h;
    phase[h] = (int)(rest % (ulong)dh) * dw + px;
    n[h] = rest / (ulong)dh;
  }
  /* With dw == 2 the pair is phases px = 0 and 1 of the same tiles (groups is even). */
  const bool pair = dw == 2 && live[1];
  for (int c = 0; c < channels; c++) {
    __global const float *plane0 =
        in + in_offset + (n[0] * (ulong)channels + (ulong)c) * (ulong)in_h * (ulong)in_w;
    if (pair) {
      float8 d[2][6][6];
      input_pair_columns8(plane0, in_h, in_w, phase[0] / dw - ph + dh * ty[0] * 4,
                          -pw + dw * tx0[0] * 4, ph, pw, ph_after, pw_after, mode, dh, uh, uw, d[0],
                          d[1]);
      for (int h = 0; h < 2; h++) {
        float8 t[36];
        transform8(d[h], t);
#pragma unroll
        for (int xi = 0; xi < 36; xi++)
          vstore8(t[xi], 0, v + (xi * v_lines + c) * 16 + 8 * h);
      }
      continue;
    }
    for (int h = 0; h < 2; h++) {
      if (!live[h]) {
        /* Lanes of no tile: finite values whose products are never stored. */
        for (int xi = 0; xi < 36; xi++)
          vstore8((float8)(0.0f), 0, v + (xi * v_lines + c) * 16 + 8 * h);
        continue;
      }
      float8 t[36];
      input_tiles8(in + in_offset + (n[h] * (ulong)channels + (ulong)c) * (ulong)in_h * (ulong)in_w,
                   in_h, in_w, phase[h] / dw - ph + dh * ty[h] * 4,
                   phase[h] % dw - pw + dw * tx0[h] * 4, ph, pw, ph_after, pw_after, mode, dh, dw,
                   uh, uw, t);
#pragma unroll
      for (int xi = 0; xi < 36; xi++)
        vstore8(t[xi], 0, v + (xi * v_lines + c) * 16 + 8 * h);
    }
  }
  const int kb_end = min(blocks, ((int)get_global_id(1) + 1) * per_part);
  for (int kb = (int)get_global_id(1) * per_part; kb < kb_end; kb++) {
    for (int xi = 0; xi < 36; xi++) {
      __global const float *wv =
          u + u_offset + (((ulong)xi * (ulong)blocks + (ulong)kb) * (ulong)channels) * CB;
      __local const float *x_row = v + xi * v_lines * 16;
      float16 acc0 = 0.0f, acc1 = 0.0f, acc2 = 0.0f, acc3 = 0.0f;
      float16 acc4 = 0.0f, acc5 = 0.0f, acc6 = 0.0f, acc7 = 0.0f;
      float16 acc8 = 0.0f, acc9 = 0.0f, acc10 = 0.0f, acc11 = 0.0f;
      float16 acc12 = 0.0f, acc13 = 0.0f, acc14 = 0.0f, acc15 = 0.0f;
      for (int c = 0; c < channels; c++) {
        const float16 x = vload16(c, x_row);
        FOR_EACH_CB(FUSED_TAP)
        wv += CB;
      }
      __local float *m_row = m + xi * M_LINES * 16;
      FOR_EACH_CB(FUSED_STORE)
    }
    const int valid = min(CB, out_channels - kb * CB);
    for (int j = 0; j < valid; j++) {
      const int k = kb * CB + j;
      const float b = has_bias ? bias[bias_offset + (ulong)k] : 0.0f;
      if (pair) {
        float8 m0[36], m1[36];
#pragma unroll
        for (int xi = 0; xi < 36; xi++) {
          m0[xi] = vload8(0, m + (xi * M_LINES + j) * 16);
          m1[xi] = vload8(0, m + (xi * M_LINES + j) * 16 + 8);
        }
        output_pair8(m0, m1, b,
                     out + out_offset +
                         (n[0] * (ulong)out_channels + (ulong)k) * (ulong)out_h * (ulong)out_w,
                     out_h, out_w, phase[0] / dw, ty[0], tx0[0], dh);
        continue;
      }
      for (int h = 0; h < 2; h++) {
        if (!live[h])
          continue;
        float8 mm[36];
#pragma unroll
        for (int xi = 0; xi < 36; xi++)
          mm[xi] = vload8(0, m + (xi * M_LINES + j) * 16 + 8 * h);
        output_tiles8(mm, b,
                      out + out_offset +
                          (n[h] * (ulong)out_channels + (ulong)k) * (ulong)out_h * (ulong)out_w,
                      out_h, out_w, phase[h], ty[h], tx0[h], dh, dw);
      }
    }
  }
}
