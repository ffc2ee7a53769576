/* Convolution, 1x1 kernels as GEMM: out[n, g, k, p] = sum_c W[g, k, c] in[n, g, c, p] (+ bias),
 * for stride 1 and no padding, with p running over all D * H * W pixels as one flat row, so small
 * feature maps fill whole tiles.
 *
 * Weights are packed once (conv_gemm_pack) as [groups][blocks][C/groups][CB], or, in the
 * W_TRANSPOSED build, read as the [groups * C/groups][K/groups] matrix (the backward's 1x1
 * grad_input: a layer's own weights, transposed) through the strides w_group, w_block and w_row,
 * a block's CB lanes being consecutive there too. One work-item
 * computes CB output channels x 16 pixels in CB float16 accumulators, for a run of channel
 * blocks in turn: it first stages its 16-pixel panel of all input channels in local memory (its
 * own: the work-group is one work-item), so the channel walk reads 64 contiguous bytes per
 * channel instead of jumping a (often power-of-two) plane between channels.
 *
 * Build options: CB (output channels per work-item, 1..16), TV (float16 pixel vectors per channel:
 * 1 (default), or 2 for a panel of 32 pixels with CB <= 8, which uses each broadcast weight for
 * two FMAs: 10 loads per 16 FMAs where 16 x 1 need 17, as in conv_direct; only the W_TRANSPOSED
 * build on large maps takes it, docs/conv.md), W_TRANSPOSED (defined: the weight strides are
 * arguments; the packed build keeps them constant). */

#ifndef CB
#error "CB must be defined"
#endif
#ifndef TV
#define TV 1
#endif
#if TV < 1 || TV > 2 || (TV == 2 && CB > 8)
#error "TV must be 1, or 2 with CB <= 8"
#endif

#define TILE (16 * TV)

__kernel void conv_gemm_pack(__global const float *restrict weight, ulong weight_offset,
                             __global float *restrict packed, ulong packed_offset, ulong total,
                             int group_in, int group_out, int blocks) {
  const ulong index = get_global_id(0);
  if (index >= total)
    return;
  const int lane = (int)(index % CB);
  ulong rest = index / CB;
  const int c = (int)(rest % (ulong)group_in);
  rest /= (ulong)group_in;
  const int kb = (int)(rest % (ulong)blocks);
  const ulong g = rest / (ulong)blocks;
  const int k = kb * CB + lane;
  packed[packed_offset + index] =
      k < group_out
          ? weight[weight_offset + (g * (ulong)group_out + (ulong)k) * (ulong)group_in + (ulong)c]
          : 0.0f;
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

/* gid 0: tile of TILE pixels (the last one moved back to end at `pixels`, or partial when there
 * are fewer than TILE); gid 1: (n * groups + g) * runs + run, a run being `per_run` consecutive
 * channel blocks. stage holds chunk * 16 floats: all channels when they fit, else restaged per
 * chunk and block. */
__kernel void conv_gemm(__global const float *restrict in, ulong in_offset,
                        __global const float *restrict weight, ulong weight_offset,
                        __global const float *restrict bias, ulong bias_offset, int has_bias,
                        __global float *restrict out, ulong out_offset, int channels,
                        int out_channels, int group_in, int group_out, int blocks, int per_run,
                        int groups, ulong pixels, int chunk, ulong w_group, ulong w_block,
                        int w_row, __local float *restrict stage) {
  ulong p0 = get_global_id(0) * TILE;
  int first_lane = 0;
  if (pixels >= TILE && p0 + TILE > pixels) {
    first_lane = (int)(p0 + TILE - pixels);
    p0 = pixels - TILE;
  }
  const int last_lane = (int)min((ulong)TILE, pixels - p0);
  const int runs = (blocks + per_run - 1) / per_run;
  const int run = (int)(get_global_id(1) % (size_t)runs);
  const ulong ng = get_global_id(1) / (size_t)runs;
  const int g = (int)(ng % (ulong)groups);
  const ulong n = ng / (ulong)groups;
  __global const float *src =
      in + in_offset + (n * (ulong)channels + (ulong)g * (ulong)group_in) * pixels + p0;
  const bool full = last_lane == TILE;
  const bool one_chunk = chunk >= group_in;

  const int kb_end = min(blocks, (run + 1) * per_run);
  for (int kb = run * per_run; kb < kb_end; kb++) {
#ifdef W_TRANSPOSED
    __global const float *w = weight + weight_offset + (ulong)g * w_group + (ulong)kb * w_block;
#define W_ROW w_row
#else
    __global const float *w =
        weight + weight_offset + ((ulong)g * (ulong)blocks + (ulong)kb) * (ulong)group_in * CB;
#define W_ROW CB
#endif
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
      if (!one_chunk || kb == run * per_run) {
        for (int c = 0; c < count; c++) {
          __global const float *s = src + (ulong)(c0 + c) * pixels;
          if (full) {
            vstore16(vload16(0, s), c * TV, stage);
#if TV == 2
            vstore16(vload16(1, s), c * TV + 1, stage);
#endif
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
        w += W_ROW;
      }
    }

    const int k0 = g * group_out + kb * CB;
    const int valid = min(CB, group_out - kb * CB);
    __global float *dst = out + out_offset + (n * (ulong)out_channels + (ulong)k0) * pixels + p0;
    const float16 accs[16] = {acc0, acc1, acc2,  acc3,  acc4,  acc5,  acc6,  acc7,
                              acc8, acc9, acc10, acc11, acc12, acc13, acc14, acc15};
#if TV == 2
    const float16 his[8] = {hi0, hi1, hi2, hi3, hi4, hi5, hi6, hi7};
    for (int j = 0; j < valid; j++) {
      const float b = has_bias ? bias[bias_offset + (ulong)(k0 + j)] : 0.0f;
      __global float *d = dst + (ulong)j * pixels;
      for (int h = 0; h < TV; h++) {
        float16 v = h ? his[j] : accs[j];
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
#else
    for (int j = 0; j < valid; j++) {
      float16 v = accs[j];
      if (has_bias)
        v += (float16)(bias[bias_offset + (ulong)(k0 + j)]);
      __global float *d = dst + (ulong)j * pixels;
      if (first_lane == 0 && full) {
        vstore16(v, 0, d);
      } else {
        float tmp[TILE];
        vstore16(v, 0, tmp);
        for (int i = first_lane; i < last_lane; i++)
          d[i] = tmp[i];
      }
    }
#endif
  }
}
