#include "pad_reference.h"

#include <math.h>
#include <stdio.h>
#include <string.h>

const char *pad_ref_mode_name(oclnn_pad_mode mode) {
  switch (mode) {
  case OCLNN_PAD_CONSTANT:
    return "constant";
  case OCLNN_PAD_REFLECT:
    return "reflect";
  case OCLNN_PAD_REPLICATE:
    return "replicate";
  case OCLNN_PAD_CIRCULAR:
    return "circular";
  }
  return "?";
}

const char *pad_ref_shape_string(int rank, const int64_t *shape, char *buf, size_t size) {
  size_t used = 0;
  if (size == 0)
    return buf;
  buf[0] = '\0';
  used += (size_t)snprintf(buf, size, "[");
  for (int i = 0; i < rank && used < size; i++)
    used += (size_t)snprintf(buf + used, size - used, "%s%lld", i ? ", " : "", (long long)shape[i]);
  if (used < size)
    snprintf(buf + used, size - used, "]");
  return buf;
}

static int64_t max64(int64_t a, int64_t b) { return a > b ? a : b; }

/* Euclidean remainder: r in [0, m) for m > 0. */
static int64_t mod_floor(int64_t a, int64_t m) {
  int64_t r = a % m;
  return r < 0 ? r + m : r;
}

/* Number of input elements the circular mode keeps in one dim after cropping. */
static int64_t circular_kept(int64_t n, int64_t before, int64_t after) {
  return n - max64(-before, 0) - max64(-after, 0);
}

pad_ref_result pad_ref_output_shape(oclnn_pad_mode mode, int dims, const int64_t *padding, int rank,
                                    const int64_t *in_shape, int64_t *out_shape) {
  if (dims < 1 || dims > 3 || rank < 1 || rank > OCLNN_MAX_RANK)
    return PAD_REF_INVALID;
  if (mode != OCLNN_PAD_CONSTANT && mode != OCLNN_PAD_REFLECT && mode != OCLNN_PAD_REPLICATE &&
      mode != OCLNN_PAD_CIRCULAR)
    return PAD_REF_INVALID;
  int batched;
  if (mode == OCLNN_PAD_CONSTANT) {
    if (rank < dims)
      return PAD_REF_INVALID;
    batched = 0;
  } else {
    if (rank == dims + 2)
      batched = 1;
    else if (rank == dims + 1)
      batched = 0;
    else
      return PAD_REF_INVALID;
  }
  for (int i = 0; i < rank; i++) {
    if (in_shape[i] < 0)
      return PAD_REF_INVALID;
    /* Reflect and replicate read from every dim but the batch: none may be empty. */
    if ((mode == OCLNN_PAD_REFLECT || mode == OCLNN_PAD_REPLICATE) && in_shape[i] == 0 &&
        !(batched && i == 0))
      return PAD_REF_INVALID;
  }
  int64_t shape[OCLNN_MAX_RANK];
  for (int i = 0; i < rank; i++)
    shape[i] = in_shape[i];
  for (int k = 0; k < dims; k++) {
    const int axis = rank - 1 - k;
    const int64_t n = in_shape[axis], before = padding[2 * k], after = padding[2 * k + 1];
    if (mode == OCLNN_PAD_REFLECT && !(before < n && after < n))
      return PAD_REF_INVALID;
    if (mode == OCLNN_PAD_CIRCULAR && !(before <= n && after <= n))
      return PAD_REF_INVALID;
    shape[axis] = n + before + after;
    if (shape[axis] < 1)
      return PAD_REF_INVALID;
    if (mode == OCLNN_PAD_CIRCULAR) {
      int64_t kept = circular_kept(n, before, after);
      if (kept < 1 || before > kept || after > kept)
        return PAD_REF_INVALID; /* PyTorch's result is undefined there; oclnn refuses it */
    }
  }
  if (out_shape)
    memcpy(out_shape, shape, (size_t)rank * sizeof *shape);
  return PAD_REF_OK;
}

/* The input coordinate read for output coordinate o of a padded dim, or -1 for the fill value. */
static int64_t source_index(oclnn_pad_mode mode, int64_t o, int64_t n, int64_t before,
                            int64_t after) {
  const int64_t x = o - before;
  switch (mode) {
  case OCLNN_PAD_CONSTANT:
    return (x >= 0 && x < n) ? x : -1;
  case OCLNN_PAD_REFLECT: {
    if (n == 1)
      return 0;
    const int64_t period = 2 * (n - 1);
    const int64_t r = mod_floor(x, period);
    return r < n ? r : period - r;
  }
  case OCLNN_PAD_REPLICATE:
    return x < 0 ? 0 : (x >= n ? n - 1 : x);
  case OCLNN_PAD_CIRCULAR: {
    const int64_t first = max64(-before, 0), kept = circular_kept(n, before, after);
    return first + mod_floor(o - max64(before, 0), kept);
  }
  }
  return -1;
}

pad_ref_result pad_ref_forward(oclnn_pad_mode mode, int dims, const int64_t *padding, double value,
                               int rank, const int64_t *in_shape, const float *in, double *out) {
  int64_t out_shape[OCLNN_MAX_RANK];
  pad_ref_result result = pad_ref_output_shape(mode, dims, padding, rank, in_shape, out_shape);
  if (result != PAD_REF_OK)
    return result;
  int64_t total = 1;
  for (int i = 0; i < rank; i++)
    total *= out_shape[i];
  /* Per axis: the pads that apply to it (zero for the unpadded leading dims). */
  int64_t before[OCLNN_MAX_RANK] = {0}, after[OCLNN_MAX_RANK] = {0};
  for (int k = 0; k < dims; k++) {
    before[rank - 1 - k] = padding[2 * k];
    after[rank - 1 - k] = padding[2 * k + 1];
  }
  for (int64_t flat = 0; flat < total; flat++) {
    /* Decompose the output index, map every coordinate, recompose the input index. */
    int64_t coord[OCLNN_MAX_RANK], rest = flat;
    for (int i = rank - 1; i >= 0; i--) {
      coord[i] = rest % out_shape[i];
      rest /= out_shape[i];
    }
    int64_t src = 0;
    int fill = 0;
    for (int i = 0; i < rank; i++) {
      int64_t x = coord[i];
      if (i >= rank - dims) {
        x = source_index(mode, coord[i], in_shape[i], before[i], after[i]);
        if (x < 0) {
          fill = 1;
          break;
        }
      }
      src = src * in_shape[i] + x;
    }
    out[flat] = fill ? value : (double)in[src];
  }
  return PAD_REF_OK;
}

size_t pad_ref_first_mismatch(const float *got, const double *want, size_t count) {
  for (size_t i = 0; i < count; i++) {
    const float w = (float)want[i];
    if (isnan(w) && isnan(got[i]))
      continue;
    if (memcmp(&w, &got[i], sizeof w) != 0)
      return i;
  }
  return count;
}
