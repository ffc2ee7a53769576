/* Convolution backward: grad_input of 1d and 2d layers with a W stride of 2 and an H stride of 2
 * (SY = 2) or 1 (SY = 1: 2d stride (1, 2), and 1d as 2d with one row), zeros padding, dilation 1
 * and a KH x KW kernel (KW 2..6, KH 2..6, or 1..6 where SY is 1), all stride phases in one pass.
 *
 * With the padded input coordinate P = 2 q + r per dim (r its phase), P is read by tap t = r + 2 j
 * of output q - j only, so grad_input at (2 qy + ry - ph, 2 qx + rx - pw) of channel c is
 *   sum over k, jy, jx of grad_output[k][qy - jy][qx - jx] * weight[k][c][ry + 2 jy][rx + 2 jx].
 * One work-item computes CB input channels x one q row x 16 q columns for the four phases
 * (ry, rx): 4 CB float16 accumulators, a 2 x 32 block of grad_input per channel. It stages the
 * grad_output window its q columns read (TY rows of 16 + TX - 1 columns per output channel,
 * zeros outside grad_output) in local memory once for all its channel blocks; per output channel
 * it then reads TY * TX shifted vectors and does KH * KW FMAs per input channel, i.e. the whole
 * kernel's taps on one staged window (a per-phase stride-1 convolution would stage the window
 * once per phase for only that phase's taps). The two column phases are interleaved with
 * shuffles and stored straight into grad_input: no phase buffer, no interleave pass.
 *
 * Weights are read in PyTorch's layout [C_out][C_in/groups][KH][KW]: per output channel, a block's
 * CB input channels are CB * KH * KW consecutive floats, and the FMAs take their broadcast operand
 * straight from memory. Where the blocks do not divide a group's input channels, conv_bw_s2_pack
 * first copies the weights with the channel rows zero-padded to whole blocks (the last block
 * would otherwise read past the tensor).
 *
 * With SY = 1 the rows are a plain stride-1 correlation: q row qy is grad_input row qy - ph, every
 * kernel row is in row phase 0 (TY = KH), and only the two column phases' 2 CB accumulators run.
 *
 * With RY = 2 a work-item computes q rows qy and qy + 1 (accumulators a and b): the window is
 * TY + 1 staged rows, and each broadcast weight feeds one FMA per row.
 *
 * Build options: SY (H stride, 1 or 2), KH, KW (kernel), CB (input channels per work-item, 1..8),
 * RY (q rows per work-item, 1 or 2). */

#if !defined(SY) || SY < 1 || SY > 2
#error "SY must be 1 or 2"
#endif
#if !defined(KH) || KH < SY || KH > 6 || !defined(KW) || KW < 2 || KW > 6
#error "KW must be 2..6 and KH SY..6"
#endif
#if !defined(CB) || CB < 1 || CB > 8
#error "CB must be 1..8"
#endif

#if !defined(RY) || RY < 1 || RY > 2
#error "RY must be 1 or 2"
#endif
#define QT 16                   /* q columns per work-item */
#define TY ((KH + SY - 1) / SY) /* taps of phase 0 per dim: grad_output rows and shifts read */
#define TX ((KW + 1) / 2)
#define SPAN (QT + TX)    /* staged columns per grad_output row (one spare, see the kernel) */
#define TYS (TY + RY - 1) /* staged grad_output rows */

/* One float of the padded copy [C_out][padded_in][KH][KW] per work-item. */
__kernel void conv_bw_s2_pack(__global const float *restrict weight, ulong weight_offset,
                              __global float *restrict packed, ulong total, int group_in,
                              int padded_in) {
  const ulong index = get_global_id(0);
  if (index >= total)
    return;
  const int t = (int)(index % (KH * KW));
  const ulong rest = index / (KH * KW);
  const int c = (int)(rest % (ulong)padded_in);
  const ulong k = rest / (ulong)padded_in;
  float value = 0.0f;
  if (c < group_in)
    value = weight[weight_offset + (k * (ulong)group_in + (ulong)c) * (KH * KW) + (ulong)t];
  packed[index] = value;
}

/* Stages grad_output channels [k0, k0 + count) of the window: rows top - jy (jy < TYS), columns
 * [x0, x0 + SPAN), as [channel][jy][SPAN], zeros outside grad_output. */
inline void stage_window(__local float *restrict stage, __global const float *restrict src, int k0,
                         int count, int top, int x0, int out_h, int out_w) {
  const int lo = clamp(-x0, 0, SPAN), hi = clamp(out_w - x0, lo, SPAN);
  const ulong plane = (ulong)out_h * (ulong)out_w;
  for (int c = 0; c < count; c++) {
    for (int jy = 0; jy < TYS; jy++) {
      __local float *dst = stage + (c * TYS + jy) * SPAN;
      const int y = top - jy;
      if (y < 0 || y >= out_h) {
        for (int j = 0; j < SPAN; j++)
          dst[j] = 0.0f;
        continue;
      }
      __global const float *s = src + (ulong)(k0 + c) * plane + (ulong)y * (ulong)out_w + x0;
      int j = 0;
      if (lo == 0 && hi >= QT) {
        vstore16(vload16(0, s), 0, dst);
        j = QT;
      }
      for (; j < SPAN; j++) {
        float v = 0.0f;
        if (j >= lo && j < hi)
          v = s[j];
        dst[j] = v;
      }
    }
  }
}

/* Accumulators a<phase>_<channel> (q row qy) and, with RY = 2, b<phase>_<channel> (q row
 * qy + 1, reading the staged row above: x_b), phase = 2 ry + rx. */
#if RY == 2
#define FMA_P(P, j)                                    \
  do {                                                 \
    const float16 wj = (float16)(wv[(j) * (KH * KW)]); \
    a##P##_##j = fma(x, wj, a##P##_##j);               \
    b##P##_##j = fma(x_b, wj, b##P##_##j);             \
  } while (0)
#define X_B const float16 x_b = vload16(0, px - SPAN);
#else
#define FMA_P(P, j) a##P##_##j = fma(x, (float16)(wv[(j) * (KH * KW)]), a##P##_##j)
#define X_B
#endif
#define FMA0(j) FMA_P(0, j)
#define FMA1(j) FMA_P(1, j)
#define FMA2(j) FMA_P(2, j)
#define FMA3(j) FMA_P(3, j)
/* Kernel row ty's staged row, and the accumulators of odd kernel rows' phases. */
#if SY == 2
#define ROW_OF(ty) ((ty) >> 1)
#define FMA_ODD_ROW_EVEN FMA2
#define FMA_ODD_ROW_ODD FMA3
#else
#define ROW_OF(ty) (ty)
#define FMA_ODD_ROW_EVEN FMA0
#define FMA_ODD_ROW_ODD FMA1
#endif
/* Tap (ty, tx) of the kernel into its phase's accumulators M: for q row qy + d the staged row
 * RY - 1 - d + ROW_OF(ty), shifted by tx / 2 columns (plus xs for the even column phase, see the
 * kernel). Constant conditions: taps past the kernel compile to nothing. */
#define TAP_AT(ty, tx, M)                                                              \
  if ((ty) < KH && (tx) < KW) {                                                        \
    __local const float *px =                                                          \
        p + (RY - 1 + ROW_OF(ty)) * SPAN + (TX - 1 - ((tx) >> 1)) + ((tx)&1 ? 0 : xs); \
    const float16 x = vload16(0, px);                                                  \
    X_B __global const float *wv = w + (ty)*KW + (tx);                                 \
    FOR_EACH_CB(M)                                                                     \
  }
#define TAP_ROW(ty, M_EVEN, M_ODD) \
  TAP_AT(ty, 0, M_EVEN)            \
  TAP_AT(ty, 1, M_ODD)             \
  TAP_AT(ty, 2, M_EVEN) TAP_AT(ty, 3, M_ODD) TAP_AT(ty, 4, M_EVEN) TAP_AT(ty, 5, M_ODD)

#define ZERO_ACCS(A, P)                                                       \
  float16 A##P##_0 = 0.0f, A##P##_1 = 0.0f, A##P##_2 = 0.0f, A##P##_3 = 0.0f; \
  float16 A##P##_4 = 0.0f, A##P##_5 = 0.0f, A##P##_6 = 0.0f, A##P##_7 = 0.0f
#define ACCS(A, P) \
  { A##P##_0, A##P##_1, A##P##_2, A##P##_3, A##P##_4, A##P##_5, A##P##_6, A##P##_7 }

/* gid 0: tile of 2 QT grad_input columns (the last one moved back to end at in_w, or partial
 * when in_w < 2 QT); gid 1: q rows qy = qy_lo + RY gid and on (q row q: grad_input rows
 * SY q + ry - ph, ry < SY);
 * gid 2: (n * groups + g) * runs + run, a run being `per_run` consecutive input channel blocks.
 * stage holds chunk * TYS * SPAN floats: all of a group's grad_output channels when they fit
 * (staged once), else restaged per chunk and block. The work-group is this one work-item.
 *
 * Column tiles start at any grad_input column i0 (so a row of 2 QT m columns is m tiles, where
 * tiles of q columns would need one more for the odd padded row): with P0 = i0 + pw, qa = P0 / 2
 * and xs = P0 % 2, the odd phase of lane l is q = qa + l (column i0 - xs + 1 + 2 l) and the even
 * phase q = qa + xs + l (column i0 + xs + 2 l); the even phase's taps read the window xs
 * columns further (hence the spare staged column), and the pairs are stored (even, odd) or, for
 * xs = 1, (odd, even). */
__kernel void conv_bw_s2_input(__global const float *restrict grad_output, ulong go_offset,
                               __global const float *restrict weight, ulong w_offset, int padded_in,
                               __global float *restrict grad_input, ulong gi_offset,
                               int channels_in, int channels_out, int group_in, int group_out,
                               int blocks, int per_run, int groups, int in_h, int in_w, int out_h,
                               int out_w, int ph, int pw, int qy_lo, int chunk,
                               __local float *restrict stage) {
  int i0 = (int)get_global_id(0) * (2 * QT);
  int first_col = 0;
  if (in_w >= 2 * QT && i0 + 2 * QT > in_w) {
    first_col = i0 + 2 * QT - in_w;
    i0 = in_w - 2 * QT;
  }
  const int last_col = min(2 * QT, in_w - i0); /* columns [first_col, last_col) are stored */
  const int qa = (i0 + pw) >> 1, xs = (i0 + pw) & 1;
  const int qy = qy_lo + RY * (int)get_global_id(1), top = qy + RY - 1;
  const int runs = (blocks + per_run - 1) / per_run;
  const int run = (int)(get_global_id(2) % (size_t)runs);
  const ulong ng = get_global_id(2) / (size_t)runs;
  const int g = (int)(ng % (ulong)groups);
  const ulong n = ng / (ulong)groups;

  __global const float *src =
      grad_output + go_offset +
      (n * (ulong)channels_out + (ulong)g * (ulong)group_out) * (ulong)out_h * (ulong)out_w;
  const int x0 = qa - (TX - 1);
  const bool one_chunk = chunk >= group_out;
  if (one_chunk)
    stage_window(stage, src, 0, group_out, top, x0, out_h, out_w);

  const int kb_end = min(blocks, (run + 1) * per_run);
  for (int kb = run * per_run; kb < kb_end; kb++) {
    __global const float *w =
        weight + w_offset +
        ((ulong)g * (ulong)group_out * (ulong)padded_in + (ulong)(kb * CB)) * (KH * KW);
    ZERO_ACCS(a, 0);
    ZERO_ACCS(a, 1);
    ZERO_ACCS(a, 2);
    ZERO_ACCS(a, 3);
#if RY == 2
    ZERO_ACCS(b, 0);
    ZERO_ACCS(b, 1);
    ZERO_ACCS(b, 2);
    ZERO_ACCS(b, 3);
#endif
    for (int k0 = 0; k0 < group_out; k0 += chunk) {
      const int count = min(chunk, group_out - k0);
      if (!one_chunk)
        stage_window(stage, src, k0, count, top, x0, out_h, out_w);
      __local const float *p = stage;
      for (int k = 0; k < count; k++) {
        TAP_ROW(0, FMA0, FMA1)
        TAP_ROW(1, FMA_ODD_ROW_EVEN, FMA_ODD_ROW_ODD)
        TAP_ROW(2, FMA0, FMA1)
        TAP_ROW(3, FMA_ODD_ROW_EVEN, FMA_ODD_ROW_ODD)
        TAP_ROW(4, FMA0, FMA1)
        TAP_ROW(5, FMA_ODD_ROW_EVEN, FMA_ODD_ROW_ODD)
        p += TYS * SPAN;
        w += (ulong)padded_in * (KH * KW);
      }
    }

    const int c0 = g * group_in + kb * CB;
    const int valid = min(CB, group_in - kb * CB);
    const float16 accs[RY][4][8] = {
      {ACCS(a, 0), ACCS(a, 1), ACCS(a, 2), ACCS(a, 3)},
#if RY == 2
      {ACCS(b, 0), ACCS(b, 1), ACCS(b, 2), ACCS(b, 3)}
#endif
    };
    const bool whole = first_col == 0 && last_col == 2 * QT;
    for (int j = 0; j < valid; j++) {
      for (int r = 0; r < SY * RY; r++) {
        const int d = r / SY, ry = r % SY;
        const int iy = SY * (qy + d) + ry - ph;
        if (iy < 0 || iy >= in_h)
          continue;
        const float16 even = accs[d][2 * ry][j], odd = accs[d][2 * ry + 1][j];
        const float16 first = xs ? odd : even, second = xs ? even : odd;
        const float16 lo = shuffle2(
            first, second, (uint16)(0, 16, 1, 17, 2, 18, 3, 19, 4, 20, 5, 21, 6, 22, 7, 23));
        const float16 hi = shuffle2(
            first, second, (uint16)(8, 24, 9, 25, 10, 26, 11, 27, 12, 28, 13, 29, 14, 30, 15, 31));
        __global float *row =
            grad_input + gi_offset +
            ((n * (ulong)channels_in + (ulong)(c0 + j)) * (ulong)in_h + (ulong)iy) * (ulong)in_w;
        if (whole) {
          vstore16(lo, 0, row + i0);
          vstore16(hi, 0, row + i0 + QT);
        } else {
          float tmp[2 * QT];
          vstore16(lo, 0, tmp);
          vstore16(hi, 0, tmp + QT);
          for (int l = first_col; l < last_col; l++)
            row[i0 + l] = tmp[l];
        }
      }
    }
  }
}
