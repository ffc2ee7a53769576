/*
 * oclnn elementwise and resampling layers: torch.relu, a + b (with numpy broadcasting of b into
 * a's shape, optionally followed by ReLU) and nearest upsampling (torch.nn.Upsample /
 * F.interpolate with mode='nearest', 1d/2d/3d). These are what graphs put between the
 * convolution, padding and normalization layers. Forward passes and backwards, plus what a
 * training loop needs besides the layers: an MSE loss and the SGD update. Included
 * by oclnn.h; the conventions at the top of oclnn.h hold here too.
 *
 * One oclnn_act handle serves every operation on a context: it holds the compiled kernels and
 * no configuration, so a model runner creates one per context and calls it for every ReLU, Add
 * and Resize step. The upsampling configuration travels with each call (it costs no compile).
 *
 * Errors common to every call below, beyond those listed per function: OCLNN_ERR_NULL_ARGUMENT,
 * OCLNN_ERR_INVALID_BUFFER, OCLNN_ERR_OUT_OF_BOUNDS, OCLNN_ERR_OVERFLOW (an index the kernels
 * cannot hold: every dim, and the innermost run of an Add, must stay below 2^31),
 * OCLNN_ERR_ALIASING, OCLNN_ERR_OPENCL. Every check happens before anything is enqueued: on
 * error nothing is written. Calls only enqueue; they never wait.
 */
#ifndef OCLNN_ACT_H
#define OCLNN_ACT_H

#include "oclnn.h"

#ifdef __cplusplus
extern "C" {
#endif

typedef struct oclnn_act oclnn_act;

/* Creates the handle: gets the kernel program (built or loaded from the cache). Free it with
 * oclnn_act_free before the context. Errors: OCLNN_ERR_NULL_ARGUMENT, OCLNN_ERR_BUILD,
 * OCLNN_ERR_OPENCL, OCLNN_ERR_OUT_OF_MEMORY. */
OCLNN_API oclnn_status oclnn_act_create(oclnn_context *ctx, oclnn_act **out);
OCLNN_API void oclnn_act_free(oclnn_act *act);

/* ------------------------------------------------------------------------------------------ */
/* ReLU                                                                                       */
/* ------------------------------------------------------------------------------------------ */

/* Enqueues out = torch.relu(in): x < 0 becomes +0.0; NaN, +-0.0 and +Inf pass unchanged (torch
 * keeps -0.0). `out` must have the shape of `in` (any rank 1..5, empty allowed) and be either
 * exactly `in` (same buffer and offset: in place) or not overlap it. Errors:
 * OCLNN_ERR_INVALID_SHAPE (out's shape). */
OCLNN_API oclnn_status oclnn_act_relu(oclnn_act *act, const oclnn_tensor *in,
                                      const oclnn_tensor *out);

/* Enqueues the ReLU's backward, grad_in = the gradient of sum(relu(x) * grad_out) with respect
 * to x as torch.autograd gives it (threshold_backward): grad_in[i] = x[i] <= 0 ? +0.0 :
 * grad_out[i]. x may be the forward's input or its output (the same mask); a NaN x passes the
 * gradient, as in torch. All three have one shape (any rank 1..5, empty allowed); grad_in may
 * be exactly grad_out or exactly x (in place), and must not overlap them otherwise (x and
 * grad_out may overlap each other). Errors: OCLNN_ERR_INVALID_SHAPE (shapes differ). */
OCLNN_API oclnn_status oclnn_act_relu_backward(oclnn_act *act, const oclnn_tensor *x,
                                               const oclnn_tensor *grad_out,
                                               const oclnn_tensor *grad_in);

/* ------------------------------------------------------------------------------------------ */
/* Add                                                                                        */
/* ------------------------------------------------------------------------------------------ */

/* Checks that b broadcasts into a's shape under numpy/ONNX multidirectional broadcasting with
 * the result being a's shape: rank_b <= rank_a, and aligned from the last dim, every dim of b
 * is 1 or equal to a's. (b of (3, 1) broadcasts into a of (2, 3, 4); b of (2, 1) into a of
 * (1, 4) would make a larger result and is refused.) Copies a's shape to out_shape (rank_a
 * entries). Errors: OCLNN_ERR_NULL_ARGUMENT, OCLNN_ERR_INVALID_SHAPE (ranks outside 1..5,
 * negative dims, shapes that do not broadcast that way). */
OCLNN_API oclnn_status oclnn_act_add_output_shape(oclnn_act *act, int rank_a,
                                                  const int64_t *shape_a, int rank_b,
                                                  const int64_t *shape_b, int64_t *out_shape);

/* Enqueues out = a + b, or relu(a + b) when fuse_relu is nonzero (torch.relu semantics as
 * above), b broadcast into a's shape as oclnn_act_add_output_shape describes. `out` must have
 * a's shape. It may be exactly a (same buffer and offset: in place), or exactly b when b has
 * as many elements as a; any other overlap with a or b is OCLNN_ERR_ALIASING (a and b may
 * overlap each other). Errors: those of oclnn_act_add_output_shape, OCLNN_ERR_INVALID_SHAPE
 * (out's shape). */
OCLNN_API oclnn_status oclnn_act_add(oclnn_act *act, const oclnn_tensor *a, const oclnn_tensor *b,
                                     int fuse_relu, const oclnn_tensor *out);

/* ------------------------------------------------------------------------------------------ */
/* Nearest upsampling                                                                         */
/* ------------------------------------------------------------------------------------------ */

/* torch.nn.Upsample(size=..., scale_factor=..., mode='nearest') / F.interpolate(mode='nearest')
 * for inputs (N, C, L), (N, C, H, W) or (N, C, D, H, W). Exactly one of size and scale_factor
 * is given, as in torch: size when any size[] entry is nonzero, scale_factor when any
 * scale_factor[] entry is nonzero. Entries are per spatial dim, first spatial dim first (D, H,
 * W order); only the first `dims` are used, and every used entry of the given one must be set.
 *
 * Output size of spatial dim i: size[i], or floor(in_i * scale_factor[i]) computed in double.
 * Source index of output index o (PyTorch 1.13's CPU kernel, in fp32 as it computes it):
 *   min(floor((float)o * s), in_i - 1) with s = (float)(1.0 / scale_factor[i]) when
 *   scale_factor is given and recompute_scale_factor is 0, else s = (float)in_i / (float)out_i.
 * This equals ONNX Resize(mode=nearest, coordinate_transformation_mode=asymmetric,
 * nearest_mode=floor) wherever 1/scale is exact in fp32 (power-of-two scales such as 2). */
typedef struct oclnn_upsample_desc {
  int dims;                   /* 1, 2 or 3: the input is (N, C, spatial...) of rank dims + 2 */
  int64_t size[3];            /* output spatial sizes, or all 0 */
  double scale_factor[3];     /* per spatial dim, or all 0 */
  int recompute_scale_factor; /* 0 (torch's None/False); 1: derive s from the sizes */
} oclnn_upsample_desc;

/* A descriptor for nn.Upsample(scale_factor=scale, mode='nearest') over `dims` spatial dims
 * (the same factor for each). Set desc.size[] (and zero scale_factor[]) for the size form. */
OCLNN_API oclnn_upsample_desc oclnn_upsample_desc_default(int dims, double scale_factor);

/* The output shape (rank entries) for an input of `rank` dims `in_shape`. Refuses what torch
 * refuses: OCLNN_ERR_INVALID_VALUE for the descriptor (dims outside 1..3; both or neither of
 * size and scale_factor given; a given size entry < 1; a scale factor that is not finite or
 * <= 0; recompute_scale_factor with size); OCLNN_ERR_INVALID_SHAPE for the input (rank !=
 * dims + 2; C or an input spatial dim of 0; an output spatial dim < 1; N may be 0);
 * OCLNN_ERR_OVERFLOW (an output dim of 2^31 or more, or an element count beyond int64).
 * Errors also: OCLNN_ERR_NULL_ARGUMENT. */
OCLNN_API oclnn_status oclnn_act_upsample_output_shape(oclnn_act *act,
                                                       const oclnn_upsample_desc *desc, int rank,
                                                       const int64_t *in_shape, int64_t *out_shape);

/* Enqueues out = nearest upsampling of in per desc. `out` must have exactly the output shape
 * and must not overlap `in`. Errors: those of oclnn_act_upsample_output_shape. */
OCLNN_API oclnn_status oclnn_act_upsample(oclnn_act *act, const oclnn_upsample_desc *desc,
                                          const oclnn_tensor *in, const oclnn_tensor *out);

/* Enqueues the backward of oclnn_act_upsample: grad_in (the input's shape) = the gradient of
 * sum(upsample(in) * grad_out) with respect to in, as torch.autograd gives it: each grad_in
 * element is the sum, in ascending output order, of the grad_out elements whose source it is
 * (0 where none is, when a dim shrinks). The sources follow
 * torch 1.13's CPU backward, which, unlike its forward, maps output o of a dim to o itself when
 * the dim keeps its size and to o / 2 when it doubles, whatever the scale factor (so with
 * scale_factor 1.01 or 2.1 the gradient is not the forward's transpose, as in torch). Each element
 * is computed by one work-item (a gather; no atomics, deterministic). grad_out must have exactly
 * the output shape for grad_in's shape and must not overlap grad_in. Errors: those of
 * oclnn_act_upsample_output_shape (for grad_in's shape), OCLNN_ERR_INVALID_SHAPE (grad_out's
 * shape). */
OCLNN_API oclnn_status oclnn_act_upsample_backward(oclnn_act *act, const oclnn_upsample_desc *desc,
                                                   const oclnn_tensor *grad_out,
                                                   const oclnn_tensor *grad_in);

/* ------------------------------------------------------------------------------------------ */
/* Training: Add's backward, MSE loss, SGD                                                    */
/* ------------------------------------------------------------------------------------------ */

/* Enqueues Add's gradient for b: grad_b = the gradient of sum((a + b) * grad_out) with respect
 * to b, where b was broadcast into a's shape (= grad_out's) as oclnn_act_add describes, i.e.
 * grad_out summed over the dims b is broadcast along (torch's sum_to_size). grad_b has b's shape;
 * a's gradient is grad_out itself, so it needs no call. For an Add with fuse_relu, first take
 * the ReLU's backward with oclnn_act_relu_backward(out, grad, ...). Each grad_b element is
 * summed by one work-item (a gather: deterministic, no atomics), in fp32 with the innermost run
 * summed separately; torch sums in another order, so results agree to rounding, not bit for bit.
 * An empty grad_out gives zeros. grad_b must not overlap grad_out. Errors: those of
 * oclnn_act_add_output_shape (grad_b's shape must broadcast into grad_out's). */
OCLNN_API oclnn_status oclnn_act_add_backward(oclnn_act *act, const oclnn_tensor *grad_out,
                                              const oclnn_tensor *grad_b);

/* torch.nn.functional.mse_loss(input, target) with reduction='mean' and its gradient. Enqueues
 * loss (a tensor of exactly one element, or NULL) = mean((input - target)^2), and grad_input
 * (input's shape, or NULL) = the gradient of that loss with respect to input, (input - target) *
 * (2 / numel) as torch's backward computes it (grad_output 1). At least one of the two must be
 * given. An empty input gives a NaN loss, as torch does. The loss is summed by one work-group
 * (64 work-items, partial sums in runs of 4096): deterministic, within a few fp32 ulps of torch.
 * input and target must have one shape; loss and grad_input must not overlap each other or the
 * inputs. Errors: OCLNN_ERR_NULL_ARGUMENT (also both outputs NULL), OCLNN_ERR_INVALID_SHAPE
 * (target or grad_input shape; loss not one element). */
OCLNN_API oclnn_status oclnn_act_mse_loss(oclnn_act *act, const oclnn_tensor *input,
                                          const oclnn_tensor *target, const oclnn_tensor *loss,
                                          const oclnn_tensor *grad_input);

/* torch.optim.SGD's hyperparameters (same names and meaning; oclnn_sgd_desc_default(lr) sets
 * torch's defaults: no momentum, dampening, weight decay, nesterov or maximize). */
typedef struct oclnn_sgd_desc {
  double lr;           /* learning rate, >= 0 */
  double momentum;     /* >= 0; 0: no momentum buffer */
  double dampening;    /* applied from the second step on, as in torch */
  double weight_decay; /* >= 0: L2 penalty added to the gradient */
  int nesterov;        /* needs momentum > 0 and dampening 0 */
  int maximize;        /* ascend instead of descend */
} oclnn_sgd_desc;

OCLNN_API oclnn_sgd_desc oclnn_sgd_desc_default(double lr);

/* Enqueues one torch.optim.SGD step on one parameter tensor, in place, with torch 1.13's fp32
 * operations in its order:
 *   d = maximize ? -grad : grad;  d += weight_decay * param (when weight_decay != 0);
 *   with momentum: buf = step == 1 ? d : momentum * buf + (1 - dampening) * d;
 *                  d = nesterov ? d + momentum * buf : buf;
 *   param += -lr * d.
 * step is the 1-based count of steps taken with this buffer: at step 1 the buffer is set to d
 * (torch creates it then) and its old contents are not read. momentum_buffer (param's shape,
 * caller-owned, updated in place) is required iff momentum != 0 (else NULL). grad and the
 * buffer must have param's shape and none of the three may overlap. Errors:
 * OCLNN_ERR_NULL_ARGUMENT, OCLNN_ERR_INVALID_VALUE (torch's refusals: lr, momentum or
 * weight_decay < 0; nesterov without momentum or with dampening; also step < 1, a buffer given
 * without momentum), OCLNN_ERR_INVALID_SHAPE. */
OCLNN_API oclnn_status oclnn_act_sgd_step(oclnn_act *act, const oclnn_sgd_desc *desc, int64_t step,
                                          const oclnn_tensor *param, const oclnn_tensor *grad,
                                          const oclnn_tensor *momentum_buffer);

#ifdef __cplusplus
}
#endif
#endif /* OCLNN_ACT_H */
