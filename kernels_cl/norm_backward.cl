/* Normalization backward (BatchNorm, InstanceNorm, LayerNorm, GroupNorm) and the saved
 * statistics of the forward_save calls.
 *
 * The tensor is `rows` rows of `len` contiguous floats. Row r belongs to statistics group
 * (r / div) % groups (BatchNorm: rows (n, c), group c; InstanceNorm: group (n, c); GroupNorm:
 * div = C / G rows per group; LayerNorm: one row per group) and, for the per-channel affine,
 * to channel r % channels; LayerNorm's affine runs along the row instead (col_weight).
 * With w the weight of an element (row weight times column weight), xhat = (x - mean) * invstd
 * and n the group's element count, torch's gradients are
 *   grad_in = invstd * (w dy - sum_g(w dy) / n - xhat * sum_g(w dy xhat) / n)   (batch stats)
 *   grad_in = invstd * w dy                                                    (running stats)
 *   grad_weight = sum of dy xhat,  grad_bias = sum of dy   (per channel, or per column)
 * Passes: norm_bw_rows gives per row segment sum(dy cw) and sum(dy cw xhat) (and, for
 * LayerNorm, the per-column sums over blocks of rows in the same read); norm_bw_reduce adds
 * those per group (weighted by the row weight), per channel, and per column over the blocks;
 * norm_bw_apply writes grad_in. norm_bw_fused does the row sums,
 * the group sums and grad_in in one launch for groups that fit in the caches. Every sum is
 * deterministic (a
 * fixed order, no atomics) and blocked: a work-item's sums run over at most `seg` elements in
 * VEC lanes, and the reductions add blocks of about sqrt(terms) terms, so the rounding error
 * grows like sqrt(terms) instead of terms for long rows and large batches.
 *
 * Build options: VEC (vector width: 4, 8 or 16). */

#ifndef VEC
#error "VEC must be defined"
#endif

inline float lane_sum(floatV v) {
  float t[VEC];
  vstoreV(v, 0, t);
  for (int width = VEC / 2; width >= 1; width /= 2)
    for (int j = 0; j < width; j++)
      t[j] += t[j + width];
  return t[0];
}

/* Saved statistics of groups 0 .. groups-1: mode 0 from the statistics float4s (shift,
 * mean - shift, M2, count) at stats_off, variance M2 * inv_n; mode 1 the running statistics of
 * channel g % channels; mode 2 NaN (an empty group, as torch). flags: 1 mean, 2 invstd. */
__kernel void norm_save(__global const float *stats, ulong stats_off, int mode,
                        __global const float *running_mean, ulong rm_off,
                        __global const float *running_var, ulong rv_off, ulong groups,
                        ulong channels, float inv_n, float eps, __global float *save_mean,
                        ulong sm_off, __global float *save_invstd, ulong si_off, int flags) {
  const ulong g = get_global_id(0);
  if (g >= groups)
    return;
  float mean = NAN, var = NAN;
  if (mode == 0) {
    const float4 s = vload4(g, stats + stats_off);
    mean = s.x + s.y;
    var = s.z * inv_n;
  } else if (mode == 1) {
    const ulong c = g % channels;
    mean = running_mean[rm_off + c];
    var = running_var[rv_off + c];
  }
  if (flags & 1)
    save_mean[sm_off + g] = mean;
  if (flags & 2)
    save_invstd[si_off + g] = 1.0f / sqrt(var + eps);
}

/* Sums of dy cw and dy cw (x - mean) over [start, end) of one row. */
inline float2 row_sums(__global const float *xr, __global const float *dr, __global const float *cw,
                       int has_cw, ulong start, ulong end, float mean) {
  floatV v1 = (floatV)(0.0f), v2 = (floatV)(0.0f);
  float s1 = 0.0f, s2 = 0.0f;
  ulong j = start;
  if (has_cw) {
    for (; j + VEC <= end; j += VEC) {
      const floatV d = vloadV(0, dr + j) * vloadV(0, cw + j);
      v1 += d;
      v2 += d * (vloadV(0, xr + j) - mean);
    }
  } else {
    for (; j + VEC <= end; j += VEC) {
      const floatV d = vloadV(0, dr + j);
      v1 += d;
      v2 += d * (vloadV(0, xr + j) - mean);
    }
  }
  for (; j < end; j++) {
    const float d = dr[j] * (has_cw ? cw[j] : 1.0f);
    s1 += d;
    s2 += d * (xr[j] - mean);
  }
  return (float2)(lane_sum(v1) + s1, lane_sum(v2) + s2);
}

/* grad_in over [start, end) of one row with batch statistics: a = mean(w dy), b =
 * mean(w dy xhat) of the group, rw the row weight. */
#define ROW_GRAD_LOOP(CW, STORE)                                                   \
  for (; j + VEC <= end; j += VEC) {                                               \
    const floatV xhat = (vloadV(0, xr + j) - mean) * invstd;                       \
    const floatV wdy = vloadV(0, dr + j) * ((CW) ? vloadV(0, cw + j) : 1.0f) * rw; \
    STORE((wdy - a - xhat * b) * invstd, out + j);                                 \
  }
#define PLAIN_STOREV(v, p) vstoreV((v), 0, (p))

inline void row_grad(__global const float *xr, __global const float *dr, __global const float *cw,
                     int has_cw, ulong start, ulong end, float mean, float invstd, float rw,
                     float a, float b, int stream, __global float *out) {
  ulong j = start;
  if (STREAM_AT(stream, out + j)) {
    if (has_cw)
      ROW_GRAD_LOOP(1, STREAM_STOREV)
    else
      ROW_GRAD_LOOP(0, STREAM_STOREV)
  } else {
    if (has_cw)
      ROW_GRAD_LOOP(1, PLAIN_STOREV)
    else
      ROW_GRAD_LOOP(0, PLAIN_STOREV)
  }
  for (; j < end; j++) {
    const float xhat = (xr[j] - mean) * invstd;
    const float wdy = dr[j] * (has_cw ? cw[j] : 1.0f) * rw;
    out[j] = (wdy - a - xhat * b) * invstd;
  }
}

/* Rows a work-item of norm_bw_rows takes when it also sums columns. */
#define ROW_BLOCK 8

/* One work-item per segment (`segs` segments of `seg` floats per row) of `rb` consecutive rows
 * (rb <= ROW_BLOCK; 1 unless the columns are summed): part[2 (r segs + s)] = sum(dy cw),
 * part[2 (r segs + s) + 1] = sum(dy cw xhat) over row r's segment s; cw = 1 without flags 1.
 * With flags 2 (LayerNorm's grad_weight and grad_bias) also the column sums over the item's
 * rows, sum(dy) and sum(dy xhat) of column j: with flags 4 (the rows are one block) straight to
 * col_b[j], col_w[j] (either may be NULL), else as pairs at col_b[2 (block len + j)] + 0 / 1
 * for norm_bw_reduce to add up. Columns are the outer loop, so each row's loads stay
 * sequential and a column's terms are added in row order. */
__kernel void norm_bw_rows(__global const float *x, ulong x_off, __global const float *dy,
                           ulong dy_off, __global const float *save_mean, ulong sm_off,
                           __global const float *save_invstd, ulong si_off,
                           __global const float *cw, ulong cw_off, int flags, ulong rows, ulong len,
                           ulong seg, ulong segs, ulong rb, ulong div, ulong groups,
                           __global float *part, ulong part_off, __global float *col_w,
                           ulong col_w_off, __global float *col_b, ulong col_b_off) {
  const ulong item = get_global_id(0), blocks = (rows + rb - 1) / rb;
  if (item >= blocks * segs)
    return;
  const ulong block = item / segs, s = item - block * segs;
  const ulong start = s * seg, end = min(start + seg, len);
  const ulong r0 = block * rb, nr = min(rb, rows - r0);
  x += x_off;
  dy += dy_off;
  cw += cw_off;
  part += part_off;
  if (!(flags & 2)) {
    const ulong g = (r0 / div) % groups;
    const float2 sums =
        row_sums(x + r0 * len, dy + r0 * len, cw, flags & 1, start, end, save_mean[sm_off + g]);
    part[2 * item] = sums.x;
    part[2 * item + 1] = sums.y * save_invstd[si_off + g];
    return;
  }
  float mean[ROW_BLOCK], invstd[ROW_BLOCK];
  floatV v1[ROW_BLOCK], v2[ROW_BLOCK];
  for (int i = 0; i < ROW_BLOCK; i++) {
    const ulong g = i < nr ? ((r0 + i) / div) % groups : 0;
    mean[i] = i < nr ? save_mean[sm_off + g] : 0.0f;
    invstd[i] = i < nr ? save_invstd[si_off + g] : 0.0f;
    v1[i] = v2[i] = (floatV)(0.0f);
  }
  const bool direct = flags & 4;
  ulong j = start;
  for (; j + VEC <= end; j += VEC) {
    const floatV c = (flags & 1) ? vloadV(0, cw + j) : (floatV)(1.0f);
    floatV sw = (floatV)(0.0f), sb = sw;
    for (int i = 0; i < ROW_BLOCK; i++) {
      if (i < nr) {
        const ulong at = (r0 + i) * len + j;
        const floatV d = vloadV(0, dy + at), xm = vloadV(0, x + at) - mean[i];
        v1[i] += d * c;
        v2[i] += d * c * xm;
        sb += d;
        sw += d * (xm * invstd[i]);
      }
    }
    if (direct) {
      if (col_w)
        vstoreV(sw, 0, col_w + col_w_off + j);
      if (col_b)
        vstoreV(sb, 0, col_b + col_b_off + j);
    } else {
      float tw[VEC], tb[VEC];
      vstoreV(sw, 0, tw);
      vstoreV(sb, 0, tb);
      __global float *pair = col_b + col_b_off + 2 * (block * len + j);
      for (int l = 0; l < VEC; l++) {
        pair[2 * l] = tb[l];
        pair[2 * l + 1] = tw[l];
      }
    }
  }
  float s1[ROW_BLOCK], s2[ROW_BLOCK];
  for (int i = 0; i < ROW_BLOCK; i++)
    s1[i] = s2[i] = 0.0f;
  for (; j < end; j++) {
    const float c = (flags & 1) ? cw[j] : 1.0f;
    float sw = 0.0f, sb = 0.0f;
    for (int i = 0; i < ROW_BLOCK; i++) {
      if (i < nr) {
        const ulong at = (r0 + i) * len + j;
        const float d = dy[at], xm = x[at] - mean[i];
        s1[i] += d * c;
        s2[i] += d * c * xm;
        sb += d;
        sw += d * (xm * invstd[i]);
      }
    }
    if (direct) {
      if (col_w)
        col_w[col_w_off + j] = sw;
      if (col_b)
        col_b[col_b_off + j] = sb;
    } else {
      col_b[col_b_off + 2 * (block * len + j)] = sb;
      col_b[col_b_off + 2 * (block * len + j) + 1] = sw;
    }
  }
  for (int i = 0; i < ROW_BLOCK; i++) {
    if (i < nr) {
      const ulong at = 2 * ((r0 + i) * segs + s);
      part[at] = lane_sum(v1[i]) + s1[i];
      part[at + 1] = (lane_sum(v2[i]) + s2[i]) * invstd[i];
    }
  }
}

/* Output o adds the terms part[(m * outs + o) * run + i] for m < M, i < run (both sums of each
 * pair), each times the row weight w[row % channels] of its row (m * outs + o) * div +
 * i / segs when has_w. Blocks of `block` terms. out1[o] (flags 1) and out2[o] (flags 2) get
 * the two sums. */
__kernel void norm_bw_reduce(__global const float *part, ulong part_off, ulong outs, ulong M,
                             ulong run, ulong segs, ulong div, ulong block, __global const float *w,
                             ulong w_off, int has_w, ulong channels, __global float *out1,
                             ulong out1_off, __global float *out2, ulong out2_off, int flags) {
  const ulong o = get_global_id(0);
  if (o >= outs)
    return;
  part += part_off;
  float t1 = 0.0f, t2 = 0.0f, b1 = 0.0f, b2 = 0.0f;
  ulong in_block = 0;
  for (ulong m = 0; m < M; m++) {
    const ulong first = (m * outs + o) * run;
    for (ulong i = 0; i < run; i++) {
      float scale = 1.0f;
      if (has_w)
        scale = w[w_off + (((m * outs + o) * div + i / segs) % channels)];
      const float2 p = vload2(first + i, part);
      b1 += p.x * scale;
      b2 += p.y * scale;
      if (++in_block == block) {
        t1 += b1;
        t2 += b2;
        b1 = b2 = 0.0f;
        in_block = 0;
      }
    }
  }
  if (flags & 1)
    out1[out1_off + o] = t1 + b1;
  if (flags & 2)
    out2[out2_off + o] = t2 + b2;
}

/* grad_in per row segment (the layout of norm_bw_rows). With batch_stats (flags 4) the group
 * sums sum_g(w dy) and sum_g(w dy xhat) are at sums[a_off + g] and sums[b_off + g] and inv_n
 * is 1 / the group's element count. flags: 1 row weight w[r % channels], 2 column weight cw,
 * 4 batch statistics, 8 streaming stores. */
__kernel void norm_bw_apply(__global const float *x, ulong x_off, __global const float *dy,
                            ulong dy_off, __global const float *save_mean, ulong sm_off,
                            __global const float *save_invstd, ulong si_off,
                            __global const float *w, ulong w_off, __global const float *cw,
                            ulong cw_off, __global const float *sums, ulong a_off, ulong b_off,
                            int flags, float inv_n, ulong rows, ulong len, ulong seg, ulong segs,
                            ulong div, ulong groups, ulong channels, __global float *grad_in,
                            ulong gi_off) {
  const ulong item = get_global_id(0);
  if (item >= rows * segs)
    return;
  const ulong r = item / segs, s = item - r * segs;
  const ulong start = s * seg, end = min(start + seg, len);
  const ulong g = (r / div) % groups;
  const float invstd = save_invstd[si_off + g];
  const float rw = (flags & 1) ? w[w_off + r % channels] : 1.0f;
  __global const float *xr = x + x_off + r * len;
  __global const float *dr = dy + dy_off + r * len;
  __global float *out = grad_in + gi_off + r * len;
  cw += cw_off;
  if (flags & 4) {
    const float mean = save_mean[sm_off + g];
    const float a = sums[a_off + g] * inv_n, b = sums[b_off + g] * inv_n;
    row_grad(xr, dr, cw, flags & 2, start, end, mean, invstd, rw, a, b, flags & 8, out);
    return;
  }
  const float k = rw * invstd;
  ulong j = start;
  if (flags & 2) {
    for (; j + VEC <= end; j += VEC)
      vstoreV(vloadV(0, dr + j) * vloadV(0, cw + j) * k, 0, out + j);
  } else if (STREAM_AT(flags & 8, out + j)) {
    for (; j + VEC <= end; j += VEC)
      STREAM_STOREV(vloadV(0, dr + j) * k, out + j);
  } else {
    for (; j + VEC <= end; j += VEC)
      vstoreV(vloadV(0, dr + j) * k, 0, out + j);
  }
  for (; j < end; j++)
    out[j] = dr[j] * ((flags & 2) ? cw[j] : 1.0f) * k;
}

/* One work-group per statistics group g, for groups that fit in the caches (batch statistics,
 * grad_in asked for). The group's rows are ((m * groups + g) * div + t) for m < rows /
 * (groups * div), t < div. Laid end to end they are R = rows / groups rows of len floats;
 * work-item lid takes positions [lid * chunk, (lid + 1) * chunk) of that (contiguous runs, so
 * each work-item streams through memory instead of visiting every row), and the second pass
 * re-reads in reverse order what the same work-group (the same core) has just read. Pass 1 stores
 * each work-item's row sums in lanes (row r: 2 * local size floats), which are added pairwise per
 * row into part[2 r], part[2 r + 1] (sum(dy cw), sum(dy cw xhat): the same as norm_bw_rows with one
 * segment per row, for the channel sums); the group sums of those weighted by the row weights
 * follow in blocks of `block` rows; pass 2 writes grad_in. flags: 1 row weight w[r % channels], 2
 * column weight cw.
 */
__kernel void norm_bw_fused(__global const float *x, ulong x_off, __global const float *dy,
                            ulong dy_off, __global const float *save_mean, ulong sm_off,
                            __global const float *save_invstd, ulong si_off,
                            __global const float *w, ulong w_off, __global const float *cw,
                            ulong cw_off, int flags, ulong rows, ulong len, ulong div, ulong groups,
                            ulong channels, ulong chunk, float inv_n, ulong block,
                            __global float *part, ulong part_off, __global float *lanes,
                            ulong lanes_off, __global float *grad_in, ulong gi_off, int stream,
                            __local float *ab) {
  const ulong g = get_group_id(0);
  const uint lid = get_local_id(0), size = get_local_size(0);
  const ulong R = rows / groups;
  const float mean = save_mean[sm_off + g], invstd = save_invstd[si_off + g];
  const int has_cw = flags & 2;
  x += x_off;
  dy += dy_off;
  cw += cw_off;
  part += part_off;
  lanes += lanes_off;
  /* This work-item's positions in the group's rows laid end to end, and their part of row k. */
  const ulong first = min((ulong)lid * chunk, R * len), last = min(first + chunk, R * len);
#define ROW_PART(k, first, last)                     \
  const ulong start = max(first, (k)*len) - (k)*len; \
  const ulong end = max(min(last, ((k) + 1) * len), (k)*len) - (k)*len
  for (ulong k = 0; k < R; k++) {
    const ulong r = ((k / div) * groups + g) * div + k % div;
    ROW_PART(k, first, last);
    const float2 s = row_sums(x + r * len, dy + r * len, cw, has_cw, start, end, mean);
    vstore2(s, r * size + lid, lanes);
  }
  barrier(CLK_GLOBAL_MEM_FENCE);
  for (ulong k = lid; k < R; k += size) {
    const ulong r = ((k / div) * groups + g) * div + k % div;
    __global float *l = lanes + 2 * r * size;
    for (uint width = size / 2; width > 0; width /= 2)
      for (uint i = 0; i < width; i++)
        vstore2(vload2(i, l) + vload2(i + width, l), i, l);
    part[2 * r] = l[0];
    part[2 * r + 1] = l[1] * invstd;
  }
  barrier(CLK_GLOBAL_MEM_FENCE);
  if (lid == 0) {
    float ta = 0.0f, tb = 0.0f, ba = 0.0f, bb = 0.0f;
    ulong in_block = 0;
    for (ulong k = 0; k < R; k++) {
      const ulong r = ((k / div) * groups + g) * div + k % div;
      const float rw = (flags & 1) ? w[w_off + r % channels] : 1.0f;
      ba += part[2 * r] * rw;
      bb += part[2 * r + 1] * rw;
      if (++in_block == block) {
        ta += ba;
        tb += bb;
        ba = bb = 0.0f;
        in_block = 0;
      }
    }
    ab[0] = (ta + ba) * inv_n;
    ab[1] = (tb + bb) * inv_n;
  }
  barrier(CLK_LOCAL_MEM_FENCE);
  const float a = ab[0], b = ab[1];
  grad_in += gi_off;
  /* Backwards: what pass 1 read last is the likeliest still in the caches (a group of x and dy
   * can be as large as a core's L2, which a second pass in the same order would miss entirely).
   * The work-items of a work-group run one after another in local-id order on CPUs, so the
   * last work-item's positions come first here. */
  const ulong back = (ulong)(size - 1 - lid) * chunk;
  const ulong first2 = min(back, R * len), last2 = min(first2 + chunk, R * len);
  for (ulong k = R; k-- > 0;) {
    const ulong r = ((k / div) * groups + g) * div + k % div;
    const float rw = (flags & 1) ? w[w_off + r % channels] : 1.0f;
    ROW_PART(k, first2, last2);
    row_grad(x + r * len, dy + r * len, cw, has_cw, start, end, mean, invstd, rw, a, b, stream,
             grad_in + r * len);
  }
#undef ROW_PART
}

/* BatchNorm with few elements per (n, c) (its (N, C) input, or small spatial sizes): the
 * statistics groups run down the columns of an (N, C * S) matrix, column j in channel j / S.
 * Row passes would give one work-item per tiny row; these take VEC columns across a block of
 * rows instead, with each lane's channel parameters loaded once. */

/* The channel of each lane of the columns j0 .. j0 + VEC - 1, and that channel's entries of p. */
inline floatV lane_params(__global const float *p, ulong j0, ulong S) {
  if (S == 1)
    return vloadV(0, p + j0);
  float t[VEC];
  for (int l = 0; l < VEC; l++)
    t[l] = p[(j0 + l) / S];
  return vloadV(0, t);
}

/* Item (block b of `rb` rows, VEC columns from j0 = q VEC): pairs[2 (b len + j)] = sum(dy),
 * pairs[2 (b len + j) + 1] = sum(dy xhat) over the block's rows of column j (for
 * norm_bw_reduce to add up per channel). Columns past len (len not a multiple of VEC) are done
 * one by one. */
__kernel void norm_bw_col_sums(__global const float *x, ulong x_off, __global const float *dy,
                               ulong dy_off, __global const float *save_mean, ulong sm_off,
                               __global const float *save_invstd, ulong si_off, ulong rows,
                               ulong len, ulong S, ulong rb, ulong chunks, __global float *pairs,
                               ulong pairs_off) {
  const ulong item = get_global_id(0), blocks = (rows + rb - 1) / rb;
  if (item >= blocks * chunks)
    return;
  const ulong b = item / chunks, j0 = (item - b * chunks) * VEC;
  const ulong r0 = b * rb, r1 = min(r0 + rb, rows);
  x += x_off;
  dy += dy_off;
  save_mean += sm_off;
  save_invstd += si_off;
  pairs += pairs_off + 2 * (b * len);
  if (j0 + VEC <= len) {
    const floatV mean = lane_params(save_mean, j0, S), invstd = lane_params(save_invstd, j0, S);
    floatV s1 = (floatV)(0.0f), s2 = s1;
    for (ulong r = r0; r < r1; r++) {
      const floatV d = vloadV(0, dy + r * len + j0);
      s1 += d;
      s2 += d * ((vloadV(0, x + r * len + j0) - mean) * invstd);
    }
    float t1[VEC], t2[VEC];
    vstoreV(s1, 0, t1);
    vstoreV(s2, 0, t2);
    for (int l = 0; l < VEC; l++)
      vstore2((float2)(t1[l], t2[l]), j0 + l, pairs);
    return;
  }
  for (ulong j = j0; j < len; j++) {
    const float mean = save_mean[j / S], invstd = save_invstd[j / S];
    float s1 = 0.0f, s2 = 0.0f;
    for (ulong r = r0; r < r1; r++) {
      const float d = dy[r * len + j];
      s1 += d;
      s2 += d * ((x[r * len + j] - mean) * invstd);
    }
    vstore2((float2)(s1, s2), j, pairs);
  }
}

/* grad_in for the column layout of norm_bw_col_sums, same items. Channel c's weight w[c]
 * (flags 1), and with batch statistics (flags 4) its sums sum(w dy), sum(w dy xhat) at
 * sums[a_off + c], sums[b_off + c]. */
__kernel void norm_bw_col_apply(__global const float *x, ulong x_off, __global const float *dy,
                                ulong dy_off, __global const float *save_mean, ulong sm_off,
                                __global const float *save_invstd, ulong si_off,
                                __global const float *w, ulong w_off, __global const float *sums,
                                ulong a_off, ulong b_off, int flags, float inv_n, ulong rows,
                                ulong len, ulong S, ulong rb, ulong chunks, __global float *grad_in,
                                ulong gi_off) {
  const ulong item = get_global_id(0), blocks = (rows + rb - 1) / rb;
  if (item >= blocks * chunks)
    return;
  const ulong b = item / chunks, j0 = (item - b * chunks) * VEC;
  const ulong r0 = b * rb, r1 = min(r0 + rb, rows);
  x += x_off;
  dy += dy_off;
  grad_in += gi_off;
  save_mean += sm_off;
  save_invstd += si_off;
  w += w_off;
  const bool full = flags & 4;
  if (j0 + VEC <= len) {
    const floatV mean = lane_params(save_mean, j0, S), invstd = lane_params(save_invstd, j0, S);
    const floatV wc = (flags & 1) ? lane_params(w, j0, S) : (floatV)(1.0f);
    const floatV a = full ? lane_params(sums + a_off, j0, S) * inv_n : (floatV)(0.0f);
    const floatV bb = full ? lane_params(sums + b_off, j0, S) * inv_n : (floatV)(0.0f);
    for (ulong r = r0; r < r1; r++) {
      const floatV d = vloadV(0, dy + r * len + j0);
      floatV g;
      if (full) {
        const floatV xhat = (vloadV(0, x + r * len + j0) - mean) * invstd;
        g = (d * wc - a - xhat * bb) * invstd;
      } else {
        g = d * (wc * invstd);
      }
      vstoreV(g, 0, grad_in + r * len + j0);
    }
    return;
  }
  for (ulong j = j0; j < len; j++) {
    const ulong c = j / S;
    const float mean = save_mean[c], invstd = save_invstd[c];
    const float wc = (flags & 1) ? w[c] : 1.0f;
    const float a = full ? sums[a_off + c] * inv_n : 0.0f;
    const float bb = full ? sums[b_off + c] * inv_n : 0.0f;
    for (ulong r = r0; r < r1; r++) {
      const float d = dy[r * len + j];
      grad_in[r * len + j] =
          full ? (d * wc - a - (x[r * len + j] - mean) * invstd * bb) * invstd : d * (wc * invstd);
    }
  }
}
