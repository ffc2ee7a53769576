/* Plain C references of the elementwise and resampling layers (include/oclnn/act.h), written
 * from PyTorch's documented semantics independently of kernels_cl/act.cl. The operations are
 * exact in fp32 (a copy, a comparison, one rounded addition), so the references compute in
 * float the way torch does and the suites compare bit for bit (any NaN matches any NaN). */
#ifndef OCLNN_TEST_ACT_REFERENCE_H
#define OCLNN_TEST_ACT_REFERENCE_H

#include <oclnn.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* torch.relu of one value: negatives become +0, NaN and -0.0 stay. */
float act_ref_relu(float x);

/* torch's ReLU backward (threshold_backward) of one element: x <= 0 ? +0 : g. */
float act_ref_relu_backward(float x, float g);

/* True when b broadcasts into a's shape with a's shape as the result (numpy rules). */
bool act_ref_add_broadcasts(int rank_a, const int64_t *shape_a, int rank_b, const int64_t *shape_b);

/* out[i] = a[i] + b[broadcast index of i], relu'd when relu; out has a's shape. Assumes
 * act_ref_add_broadcasts. */
void act_ref_add(int rank_a, const int64_t *shape_a, const float *a, int rank_b,
                 const int64_t *shape_b, const float *b, int relu, float *out);

/* The output shape of nearest upsampling per torch 1.13, or false when torch refuses the
 * descriptor or the input (then *status_out says which oclnn status that is). */
bool act_ref_upsample_shape(const oclnn_upsample_desc *desc, int rank, const int64_t *in_shape,
                            int64_t *out_shape, oclnn_status *status_out);

/* Nearest upsampling of in (in_shape) into out (sized by act_ref_upsample_shape). */
void act_ref_upsample(const oclnn_upsample_desc *desc, int rank, const int64_t *in_shape,
                      const float *in, float *out);

/* The gradient of sum(upsample(x) * g) with respect to x (x of in_shape, g of the output shape):
 * grad_in[i] = sum of g over the outputs whose source is i, in ascending output order, in
 * double; bound[i] = terms * 2^-24 * sum |term|, what fp32 accumulation may be off by. */
void act_ref_upsample_backward(const oclnn_upsample_desc *desc, int rank, const int64_t *in_shape,
                               const float *g, double *grad_in, double *bound);

/* Bitwise equality of floats, except that every NaN matches every NaN. */
bool act_ref_same(float a, float b);

#endif
