/* A plain C, double-precision reference of PyTorch's padding layers (ConstantPad/ZeroPad,
 * ReflectionPad, ReplicationPad, CircularPad; 1d/2d/3d), written from SPEC.md and PyTorch's
 * documented behaviour, independently of kernels_cl/pad.cl.
 *
 * Every padded dim maps an output coordinate o to the input coordinate x = o - before:
 *  - constant:  x itself when 0 <= x < n, else the fill value;
 *  - reflect:   the mirror image of x without repeating the edge (period 2(n - 1));
 *  - replicate: x clamped to [0, n - 1];
 *  - circular:  PyTorch first crops (negative pads), then wraps around what is left: with
 *               c = max(-before, 0) and m = n - c - max(-after, 0) elements kept, o maps to
 *               c + (o - max(before, 0)) mod m. When both pads are >= 0 this is x mod n.
 *               A positive pad larger than m (only possible when the other pad crops) is
 *               undefined: PyTorch reads memory it never wrote.
 * Negative pads crop in every mode. */
#ifndef OCLNN_TEST_PAD_REFERENCE_H
#define OCLNN_TEST_PAD_REFERENCE_H

#include <oclnn.h>
#include <stddef.h>
#include <stdint.h>

typedef enum pad_ref_result {
  PAD_REF_OK = 0,
  PAD_REF_INVALID = 1 /* PyTorch/SPEC refuse this input, or PyTorch's result is undefined
                         (circular wrapping more than the cropped input): oclnn refuses it
                         with OCLNN_ERR_INVALID_SHAPE */
} pad_ref_result;

/* The output shape for `rank` dims `in_shape`, per SPEC: constant takes any rank >= dims,
 * the other modes dims + 1 (unbatched) or dims + 2 (batched); no negative dims; reflect and
 * replicate need every non-batch dim >= 1; reflect pads < n, circular pads <= n; every padded
 * output dim >= 1. `padding` is ordered from the last dim: (left, right, top, bottom, front,
 * back). out_shape (may be NULL) receives `rank` entries on PAD_REF_OK. */
pad_ref_result pad_ref_output_shape(oclnn_pad_mode mode, int dims, const int64_t *padding, int rank,
                                    const int64_t *in_shape, int64_t *out_shape);

/* Computes the padded tensor into `out` (sized for the output shape). Returns what
 * pad_ref_output_shape returns; `out` is written only on PAD_REF_OK. */
pad_ref_result pad_ref_forward(oclnn_pad_mode mode, int dims, const int64_t *padding, double value,
                               int rank, const int64_t *in_shape, const float *in, double *out);

/* Padding copies values, so results must be exact: got[i] has the bits of (float)want[i], or
 * both are NaN (any payload). Returns the index of the first mismatch, or count. */
size_t pad_ref_first_mismatch(const float *got, const double *want, size_t count);

/* Writes "[a, b, c]" into buf (size bytes); returns buf. */
const char *pad_ref_shape_string(int rank, const int64_t *shape, char *buf, size_t size);

/* "constant", "reflect", "replicate", "circular", or "?". */
const char *pad_ref_mode_name(oclnn_pad_mode mode);

#endif
