/* A plain C, double-precision reference of PyTorch's Conv1d/Conv2d/Conv3d forward, written from
 * SPEC.md independently of the kernels: it builds the padded input explicitly (as PyTorch's
 * F.pad does for non-zero padding modes) and then runs an unpadded cross-correlation. With
 * desc->input_upsample (oclnn's fused nearest upsampling) the padded input is built from the
 * upsampled input, U[y] = input[y / factor], as F.interpolate(mode="nearest") then F.pad.
 *
 *  - reflect:   mirror without repeating the edge (period 2(n - 1));
 *  - replicate: clamp to the edge;
 *  - circular:  wrap (x mod n);
 *  - zeros:     0 outside.
 * "same" padding: total dilation*(kernel-1) per dim, total/2 before, the rest after. */
#ifndef OCLNN_TEST_CONV_REFERENCE_H
#define OCLNN_TEST_CONV_REFERENCE_H

#include <oclnn.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* Padding before/after of spatial dim i (PyTorch order, 0 = first spatial dim). */
void conv_ref_padding(const oclnn_conv_desc *desc, int i, int64_t *before, int64_t *after);

/* The output shape per SPEC/PyTorch, or false when PyTorch refuses the input: rank dims+1 or
 * dims+2; channels == in_channels; spatial dims >= 1 (the batch may be 0); reflect pads < n,
 * circular pads <= n; padded size >= dilation*(kernel-1)+1. Assumes a valid descriptor. */
bool conv_ref_output_shape(const oclnn_conv_desc *desc, int rank, const int64_t *in_shape,
                           int64_t *out_shape);

/* Computes the convolution into out (sized for the output shape); bias may be NULL (no bias).
 * Weight is (out_channels, in_channels/groups, kernel...). Returns false when the input is
 * refused (out untouched). */
bool conv_ref_forward(const oclnn_conv_desc *desc, int rank, const int64_t *in_shape,
                      const float *input, const float *weight, const float *bias, double *out);

/* The gradients of L = sum(forward(input, weight, bias) * grad_out) in double precision, as the
 * transpose of the forward reference: every product the forward makes, input[i] * weight[j]
 * into out[o], scatters grad_out[o] * weight[j] into grad_in[i] and grad_out[o] * input[i] into
 * grad_weight[j] (so padded positions that read input i, and its upsampled copies, all add to
 * it); grad_bias[k] sums grad_out over channel k. Any of grad_in, grad_weight, grad_bias may be
 * NULL. The *_mag arrays (each may be NULL) receive the sums of the terms' magnitudes, for
 * rounding-error bounds. Returns false when the input is refused (nothing written). */
bool conv_ref_backward(const oclnn_conv_desc *desc, int rank, const int64_t *in_shape,
                       const float *input, const float *weight, const float *grad_out,
                       double *grad_in, double *grad_weight, double *grad_bias, double *grad_in_mag,
                       double *grad_weight_mag, double *grad_bias_mag);

/* Number of products summed per output element (for error bounds). */
int64_t conv_ref_terms(const oclnn_conv_desc *desc);

/* A one-line description of a configuration and input shape, for failure messages. */
const char *conv_ref_describe(const oclnn_conv_desc *desc, int rank, const int64_t *in_shape,
                              char *buf, size_t size);

/* ---- Test harness shared by the conv suites (uses Criterion asserts) ---- */

/* Options of conv_check. */
typedef struct conv_check_options {
  bool prepared;    /* run with oclnn_conv_prepare_weights instead of per-call weights */
  size_t in_offset; /* element offsets of the input and output views in their buffers */
  size_t out_offset;
  double atol, rtol;   /* |got - want| <= atol + rtol * |want| */
  double winograd_tol; /* when > 0: atol = rtol = this where the layer runs Winograd (AUTO) */
  const float *input, *weight, *bias; /* NULL: random data from the seed */
  const double *want;                 /* NULL: the reference's result */
} conv_check_options;

typedef enum conv_check_result { CONV_CHECK_RAN = 0, CONV_CHECK_UNSUPPORTED = 1 } conv_check_result;

/* Creates the layer (CONV_CHECK_UNSUPPORTED when creation says OCLNN_ERR_UNSUPPORTED), runs one
 * forward call on random data from `seed` (or the given data), and asserts that the output
 * matches the reference within the tolerance and that the floats around the output view are
 * untouched. */
conv_check_result conv_check(oclnn_context *ctx, const oclnn_conv_desc *desc, int rank,
                             const int64_t *in_shape, uint64_t seed,
                             const conv_check_options *options);

#endif
