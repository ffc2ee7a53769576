/* Convolution, generic algorithm: one output element per work-item, any configuration (1d/2d
 * as 3d with size-1 leading dims, groups, stride, dilation, every padding mode). The reference
 * path: simple enough to be obviously right, and the fallback when no specialised kernel fits.
 *
 * Padding is never materialised: every input coordinate goes through conv_source, which maps a
 * coordinate of the padded input to the input (or to -1, "zero", in zeros mode; common.cl). */

/* in: (N, C, D, H, W); weight: (K, C/groups, KD, KH, KW); bias: (K) when has_bias; out: (N, K,
 * OD, OH, OW). geometry: D, H, W, OD, OH, OW; params: per dim D/H/W kernel, stride, dilation,
 * pad_before (12 ints); ud, uh, uw: nearest upsampling of the input (1: none), applied before
 * the padding: the padded coordinate is mapped on the upsampled size, then divided. */
__kernel void conv_generic(__global const float *restrict in, ulong in_offset,
                           __global const float *restrict weight, ulong weight_offset,
                           __global const float *restrict bias, ulong bias_offset, int has_bias,
                           __global float *restrict out, ulong out_offset, ulong total,
                           int channels, int out_channels, int groups, int in_d, int in_h, int in_w,
                           int out_d, int out_h, int out_w, int kd, int kh, int kw, int sd, int sh,
                           int sw, int dd, int dh, int dw, int pd, int ph, int pw, int mode, int ud,
                           int uh, int uw) {
  const ulong index = get_global_id(0);
  if (index >= total)
    return;
  ulong rest = index;
  const int ow = (int)(rest % (ulong)out_w);
  rest /= (ulong)out_w;
  const int oh = (int)(rest % (ulong)out_h);
  rest /= (ulong)out_h;
  const int od = (int)(rest % (ulong)out_d);
  rest /= (ulong)out_d;
  const int k = (int)(rest % (ulong)out_channels);
  const ulong n = rest / (ulong)out_channels;

  const int group_in = channels / groups, group_out = out_channels / groups;
  const int g = k / group_out;
  const ulong plane = (ulong)in_d * (ulong)in_h * (ulong)in_w;
  const int taps = kd * kh * kw;
  __global const float *src =
      in + in_offset + (n * (ulong)channels + (ulong)(g * group_in)) * plane;
  __global const float *w = weight + weight_offset + (ulong)k * (ulong)group_in * (ulong)taps;

  float acc = 0.0f;
  for (int c = 0; c < group_in; c++) {
    for (int a = 0; a < kd; a++) {
      const int zu = conv_source(od * sd - pd + a * dd, in_d * ud, mode);
      if (zu < 0)
        continue;
      const int z = zu / ud;
      for (int b = 0; b < kh; b++) {
        const int yu = conv_source(oh * sh - ph + b * dh, in_h * uh, mode);
        if (yu < 0)
          continue;
        const int y = yu / uh;
        __global const float *row = src + ((ulong)z * (ulong)in_h + (ulong)y) * (ulong)in_w;
        __global const float *wrow = w + (a * kh + b) * kw;
        for (int e = 0; e < kw; e++) {
          const int x = conv_source(ow * sw - pw + e * dw, in_w * uw, mode);
          if (x >= 0)
            acc = fma(row[x / uw], wrow[e], acc);
        }
      }
    }
    src += plane;
    w += taps;
  }
  if (has_bias)
    acc += bias[bias_offset + (ulong)k];
  out[out_offset + index] = acc;
}
