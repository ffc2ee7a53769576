/*
 * oclnn normalization: torch.nn.BatchNorm1d/2d/3d, LayerNorm, InstanceNorm1d/2d/3d, GroupNorm,
 * LocalResponseNorm, and SwitchableNorm 1d/2d/3d (Luo et al. 2018, its authors' SwitchNorm2d
 * semantics; see SPEC.md). Forward passes for all; forward_save and backward for BatchNorm,
 * InstanceNorm, LayerNorm and GroupNorm (see "Training" below), and for SwitchableNorm (see
 * its section); backward for LocalResponseNorm. Included by oclnn.h; the conventions at the top
 * of oclnn.h hold here too.
 *
 * Layers hold only their configuration (and compiled kernels): weights, biases, running
 * statistics and SwitchableNorm's logits are caller-owned device tensors in PyTorch's layout,
 * passed to every forward call, so one layer object may serve several modules of the same
 * configuration. Per-channel tensors have shape (C); LayerNorm's weight and bias have
 * normalized_shape. A tensor the configuration has no use for must be NULL (a non-NULL one is
 * refused with OCLNN_ERR_INVALID_VALUE, as a configuration mismatch); one it needs must be
 * given (OCLNN_ERR_NULL_ARGUMENT).
 *
 * Numerics: statistics use Welford's update per work-item on shifted data and Chan's merge
 * across work-items and work-groups, never E[x^2] - E[x]^2; they stay accurate for data with a
 * large mean and a small spread and for rows of any length. Normalising uses the biased
 * variance; running variances store the unbiased one. NaN and Inf propagate as in torch: a
 * non-finite value in a statistics group makes that group's outputs NaN, and its running
 * variance NaN; its running mean becomes NaN too, where torch keeps +-Inf when the batch held
 * Inf but no NaN (Welford's update meets inf - inf). ReLU keeps NaN, like torch.relu.
 *
 * Fusion: BatchNorm, LayerNorm, InstanceNorm, GroupNorm and SwitchableNorm compute
 *     out = act(norm(in) + residual)
 * in one apply pass, where residual is optional (NULL: none; else the shape of `in`) and act is
 * ReLU when the descriptor's fuse_relu is set (NaN stays NaN, like torch.relu), else identity.
 *
 * Shapes and errors common to every forward below: `out` must have the shape of `in`; `out` and
 * every tensor the call writes (running statistics) must not overlap any other tensor of the
 * call (OCLNN_ERR_ALIASING). Every check happens before anything is enqueued: on error nothing
 * is written, neither `out` nor running statistics nor *num_batches_tracked. Errors beyond those
 * listed per function: OCLNN_ERR_NULL_ARGUMENT, OCLNN_ERR_INVALID_BUFFER,
 * OCLNN_ERR_OUT_OF_BOUNDS, OCLNN_ERR_OVERFLOW, OCLNN_ERR_ALIASING, OCLNN_ERR_OUT_OF_MEMORY
 * (scratch), OCLNN_ERR_OPENCL. Forward calls only enqueue; they never wait.
 *
 * Training: each of BatchNorm, InstanceNorm, LayerNorm and GroupNorm has
 *   ..._forward_save: the forward above that also writes the statistics it normalised with into
 *     save_mean and save_invstd, caller-owned device tensors of rank 1 holding one float per
 *     statistics group: BatchNorm C; InstanceNorm N * C (C unbatched); LayerNorm the product of
 *     the leading (non-normalized) dims; GroupNorm N * num_groups. save_mean gets the mean,
 *     save_invstd 1 / sqrt(biased variance + eps); with running statistics (BatchNorm and
 *     InstanceNorm in eval with track_running_stats) running_mean and 1 / sqrt(running_var +
 *     eps), broadcast to the groups. A group of no elements saves NaN (as torch). Either may be
 *     NULL; both NULL is the plain forward. They are written, so they must not overlap any
 *     other tensor of the call.
 *   ..._backward: the gradients, as torch.autograd gives them, of sum(norm(in) * grad_out)
 *     with respect to in (grad_in), the weight (grad_weight) and the bias (grad_bias), using
 *     the statistics saved by forward_save on the same `in` (and the same training flag).
 *     The gradient is that of the norm's output BEFORE the fused residual add and ReLU: with
 *     fuse_relu, apply oclnn_act_relu_backward(out, grad) first; the residual's gradient is the
 *     incoming gradient itself. Gradients are overwritten, not accumulated into. Any of grad_in,
 *     grad_weight, grad_bias may be NULL to skip it; all three NULL is OCLNN_ERR_INVALID_VALUE.
 *     grad_out (required) and grad_in have the shape of in; grad_weight and grad_bias the shape
 *     of the weight and bias, and only for a layer that has them (else
 *     OCLNN_ERR_INVALID_VALUE). save_mean and save_invstd are required (shape as above). weight
 *     is required when the layer is affine and grad_in is asked for, may be NULL otherwise, and
 *     must be NULL for a layer without weight. With batch (or instance, layer, group)
 *     statistics grad_in = invstd * (w dy - mean(w dy) - xhat * mean(w dy xhat)) over each
 *     group (xhat = (in - mean) * invstd); with running statistics grad_in = w dy invstd. An
 *     empty input gives zero grad_weight and grad_bias. The gradients must not overlap each
 *     other or any input (OCLNN_ERR_ALIASING). Sums are deterministic (no atomics): the same
 *     call gives the same bits. Errors: those of the matching forward's input checks,
 *     OCLNN_ERR_INVALID_SHAPE (a gradient or saved tensor of another shape),
 *     OCLNN_ERR_INVALID_VALUE, OCLNN_ERR_NULL_ARGUMENT, OCLNN_ERR_ALIASING,
 *     OCLNN_ERR_INVALID_BUFFER, OCLNN_ERR_OUT_OF_BOUNDS, OCLNN_ERR_OUT_OF_MEMORY (scratch),
 *     OCLNN_ERR_BUILD (the backward kernels are built on first use), OCLNN_ERR_OPENCL. Nothing
 *     is written on error; calls only enqueue.
 */
#ifndef OCLNN_NORM_H
#define OCLNN_NORM_H

#include "oclnn.h"

#ifdef __cplusplus
extern "C" {
#endif

/* ------------------------------------------------------------------------------------------ */
/* BatchNorm1d / 2d / 3d                                                                      */
/* ------------------------------------------------------------------------------------------ */

typedef struct oclnn_batch_norm_desc {
  int dims;                /* 1, 2 or 3: input (N, C) or (N, C, L); (N, C, H, W); (N, C, D, H, W) */
  int64_t num_features;    /* C */
  double eps;              /* 1e-5 */
  double momentum;         /* 0.1; ignored when momentum_none is set */
  int momentum_none;       /* 0; 1 is PyTorch's momentum=None: cumulative average over
                              num_batches_tracked batches */
  int affine;              /* 1: weight and bias (C) are given */
  int track_running_stats; /* 1: running_mean/running_var (C) are given */
  int fuse_relu;           /* 0; 1: out = relu(norm(in) + residual) */
} oclnn_batch_norm_desc;

/* PyTorch's defaults for BatchNorm<dims>d(num_features). */
OCLNN_API oclnn_batch_norm_desc oclnn_batch_norm_desc_default(int dims, int64_t num_features);

typedef struct oclnn_batch_norm oclnn_batch_norm;

/* Creates the layer (validates the descriptor, gets the kernel programs). Errors:
 * OCLNN_ERR_NULL_ARGUMENT, OCLNN_ERR_INVALID_VALUE (dims, num_features < 0), OCLNN_ERR_BUILD,
 * OCLNN_ERR_OPENCL, OCLNN_ERR_OUT_OF_MEMORY. */
OCLNN_API oclnn_status oclnn_batch_norm_create(oclnn_context *ctx,
                                               const oclnn_batch_norm_desc *desc,
                                               oclnn_batch_norm **out);
OCLNN_API void oclnn_batch_norm_free(oclnn_batch_norm *layer);

/* Checks an input shape as forward would (training nonzero: training mode) and writes the
 * output shape (the same) to out_shape (`rank` entries). Errors: OCLNN_ERR_INVALID_SHAPE: rank
 * not 2 or 3 (1d), 4 (2d), 5 (3d); C != num_features while weights or running statistics are
 * used (affine or track_running_stats); one value per channel (N * L * ... == 1) when batch
 * statistics are used (training, or no running statistics), like torch's "Expected more than
 * 1 value per channel when training". */
OCLNN_API oclnn_status oclnn_batch_norm_output_shape(oclnn_batch_norm *layer, int training,
                                                     int rank, const int64_t *in_shape,
                                                     int64_t *out_shape);

/* Enqueues out = act(BatchNorm(in) + residual).
 * training nonzero (module.train()): normalise with the batch statistics; with running
 *   statistics, update them: r = (1 - m) r + m stat (unbiased variance), m = momentum, or with
 *   momentum_none m = 1 / num_batches_tracked after its increment. *num_batches_tracked (a host
 *   counter the caller owns, like the module's buffer) is incremented by every training call
 *   with running statistics; it may be NULL unless momentum_none is set.
 * training zero (module.eval()): normalise with the running statistics when tracked, else with
 *   the batch statistics; nothing is updated.
 * weight, bias: (C), required iff affine. running_mean, running_var: (C), read and updated on
 * the device, required iff track_running_stats. residual: NULL or the shape of in.
 * An empty input writes nothing and, like torch, leaves the running statistics as they were
 * (the counter still counts the call). Errors: those of oclnn_batch_norm_output_shape,
 * OCLNN_ERR_INVALID_SHAPE (weight, bias, running statistics, residual or out shape),
 * OCLNN_ERR_INVALID_VALUE (a tensor the configuration does not use). */
OCLNN_API oclnn_status oclnn_batch_norm_forward(
    oclnn_batch_norm *layer, int training, const oclnn_tensor *in, const oclnn_tensor *weight,
    const oclnn_tensor *bias, const oclnn_tensor *running_mean, const oclnn_tensor *running_var,
    int64_t *num_batches_tracked, const oclnn_tensor *residual, const oclnn_tensor *out);

/* oclnn_batch_norm_forward that also saves the statistics (C each; see "Training" above):
 * the batch statistics in training or without running statistics, else the running ones. */
OCLNN_API oclnn_status oclnn_batch_norm_forward_save(
    oclnn_batch_norm *layer, int training, const oclnn_tensor *in, const oclnn_tensor *weight,
    const oclnn_tensor *bias, const oclnn_tensor *running_mean, const oclnn_tensor *running_var,
    int64_t *num_batches_tracked, const oclnn_tensor *residual, const oclnn_tensor *out,
    const oclnn_tensor *save_mean, const oclnn_tensor *save_invstd);

/* Gradients of BatchNorm (see "Training" above); training as in the forward that saved the
 * statistics: when they came from the batch (training, or no running statistics), the full
 * formula over (N, spatial) per channel; when they were the running ones, grad_in = grad_out *
 * weight * save_invstd. grad_weight, grad_bias: (C), only with desc.affine. */
OCLNN_API oclnn_status oclnn_batch_norm_backward(
    oclnn_batch_norm *layer, int training, const oclnn_tensor *in, const oclnn_tensor *weight,
    const oclnn_tensor *save_mean, const oclnn_tensor *save_invstd, const oclnn_tensor *grad_out,
    const oclnn_tensor *grad_in, const oclnn_tensor *grad_weight, const oclnn_tensor *grad_bias);

/* ------------------------------------------------------------------------------------------ */
/* InstanceNorm1d / 2d / 3d                                                                   */
/* ------------------------------------------------------------------------------------------ */

typedef struct oclnn_instance_norm_desc {
  int dims;                /* 1, 2 or 3: input (N, C, spatial...) or unbatched (C, spatial...) with
                              dims spatial dims */
  int64_t num_features;    /* C */
  double eps;              /* 1e-5 */
  double momentum;         /* 0.1 (torch's InstanceNorm has no momentum=None) */
  int affine;              /* 0: weight and bias (C) are given when 1 */
  int track_running_stats; /* 0: running_mean/running_var (C) are given when 1 */
  int fuse_relu;           /* 0; 1: out = relu(norm(in) + residual) */
} oclnn_instance_norm_desc;

/* PyTorch's defaults for InstanceNorm<dims>d(num_features). */
OCLNN_API oclnn_instance_norm_desc oclnn_instance_norm_desc_default(int dims, int64_t num_features);

typedef struct oclnn_instance_norm oclnn_instance_norm;

/* Errors: OCLNN_ERR_NULL_ARGUMENT, OCLNN_ERR_INVALID_VALUE (dims, num_features < 0),
 * OCLNN_ERR_BUILD, OCLNN_ERR_OPENCL, OCLNN_ERR_OUT_OF_MEMORY. */
OCLNN_API oclnn_status oclnn_instance_norm_create(oclnn_context *ctx,
                                                  const oclnn_instance_norm_desc *desc,
                                                  oclnn_instance_norm **out);
OCLNN_API void oclnn_instance_norm_free(oclnn_instance_norm *layer);

/* Checks an input shape as forward would. Errors: OCLNN_ERR_INVALID_SHAPE: rank not dims+1 or
 * dims+2; C != num_features with affine or track_running_stats (without them torch accepts any
 * C, and so does oclnn); one spatial element when instance statistics are used (training, or
 * no running statistics): torch's "Expected more than 1 spatial element when training". */
OCLNN_API oclnn_status oclnn_instance_norm_output_shape(oclnn_instance_norm *layer, int training,
                                                        int rank, const int64_t *in_shape,
                                                        int64_t *out_shape);

/* Enqueues out = act(InstanceNorm(in) + residual). Statistics per (n, c) over the spatial dims.
 * With track_running_stats: training normalises with the instance statistics and updates the
 * running ones with their mean over the batch (r = (1 - momentum) r + momentum stat, unbiased
 * variances); eval normalises with the running statistics. Without: instance statistics in both
 * modes. weight, bias: (C) iff affine; running_mean, running_var: (C) iff track_running_stats.
 * Empty input: nothing is written, except that training with running statistics on a batch of
 * N = 0 sets them to NaN, as torch does (its mean over an empty batch). Errors: those of
 * oclnn_instance_norm_output_shape, OCLNN_ERR_INVALID_SHAPE (tensor shapes),
 * OCLNN_ERR_INVALID_VALUE (a tensor the configuration does not use). */
OCLNN_API oclnn_status oclnn_instance_norm_forward(
    oclnn_instance_norm *layer, int training, const oclnn_tensor *in, const oclnn_tensor *weight,
    const oclnn_tensor *bias, const oclnn_tensor *running_mean, const oclnn_tensor *running_var,
    const oclnn_tensor *residual, const oclnn_tensor *out);

/* oclnn_instance_norm_forward that also saves the statistics (N * C each, C unbatched; see
 * "Training" above): the instance statistics, or in eval with track_running_stats the running
 * ones broadcast over the batch. */
OCLNN_API oclnn_status oclnn_instance_norm_forward_save(
    oclnn_instance_norm *layer, int training, const oclnn_tensor *in, const oclnn_tensor *weight,
    const oclnn_tensor *bias, const oclnn_tensor *running_mean, const oclnn_tensor *running_var,
    const oclnn_tensor *residual, const oclnn_tensor *out, const oclnn_tensor *save_mean,
    const oclnn_tensor *save_invstd);

/* Gradients of InstanceNorm (see "Training" above); training as in the forward that saved the
 * statistics (running statistics: grad_in = grad_out * weight * save_invstd). grad_weight,
 * grad_bias: (C), only with desc.affine. */
OCLNN_API oclnn_status oclnn_instance_norm_backward(
    oclnn_instance_norm *layer, int training, const oclnn_tensor *in, const oclnn_tensor *weight,
    const oclnn_tensor *save_mean, const oclnn_tensor *save_invstd, const oclnn_tensor *grad_out,
    const oclnn_tensor *grad_in, const oclnn_tensor *grad_weight, const oclnn_tensor *grad_bias);

/* ------------------------------------------------------------------------------------------ */
/* LayerNorm                                                                                  */
/* ------------------------------------------------------------------------------------------ */

typedef struct oclnn_layer_norm_desc {
  int normalized_rank;                      /* 1..5: how many entries normalized_shape has */
  int64_t normalized_shape[OCLNN_MAX_RANK]; /* the trailing dims normalised over */
  double eps;                               /* 1e-5 */
  int elementwise_affine;                   /* 1: weight (normalized_shape) is given */
  int bias;      /* 1: with elementwise_affine, bias (normalized_shape) is given too */
  int fuse_relu; /* 0; 1: out = relu(norm(in) + residual) */
} oclnn_layer_norm_desc;

/* PyTorch's defaults for LayerNorm(normalized_shape), normalized_shape having `rank` entries. */
OCLNN_API oclnn_layer_norm_desc oclnn_layer_norm_desc_default(int rank,
                                                              const int64_t *normalized_shape);

typedef struct oclnn_layer_norm oclnn_layer_norm;

/* Errors: OCLNN_ERR_NULL_ARGUMENT, OCLNN_ERR_INVALID_VALUE (normalized_rank outside 1..5, a
 * negative entry), OCLNN_ERR_OVERFLOW, OCLNN_ERR_BUILD, OCLNN_ERR_OPENCL,
 * OCLNN_ERR_OUT_OF_MEMORY. */
OCLNN_API oclnn_status oclnn_layer_norm_create(oclnn_context *ctx,
                                               const oclnn_layer_norm_desc *desc,
                                               oclnn_layer_norm **out);
OCLNN_API void oclnn_layer_norm_free(oclnn_layer_norm *layer);

/* Errors: OCLNN_ERR_INVALID_SHAPE: the input's trailing dims are not normalized_shape (any
 * number of leading dims, including none). */
OCLNN_API oclnn_status oclnn_layer_norm_output_shape(oclnn_layer_norm *layer, int rank,
                                                     const int64_t *in_shape, int64_t *out_shape);

/* Enqueues out = act(LayerNorm(in) + residual): statistics over the trailing normalized_shape
 * dims, then the elementwise weight and bias (NULL unless elementwise_affine, resp. bias, is
 * set). No training mode: LayerNorm keeps no running statistics. Errors: those of
 * oclnn_layer_norm_output_shape, OCLNN_ERR_INVALID_SHAPE, OCLNN_ERR_INVALID_VALUE. */
OCLNN_API oclnn_status oclnn_layer_norm_forward(oclnn_layer_norm *layer, const oclnn_tensor *in,
                                                const oclnn_tensor *weight,
                                                const oclnn_tensor *bias,
                                                const oclnn_tensor *residual,
                                                const oclnn_tensor *out);

/* oclnn_layer_norm_forward that also saves the row statistics (one per row: the product of the
 * leading dims, 1 without any; see "Training" above). */
OCLNN_API oclnn_status oclnn_layer_norm_forward_save(
    oclnn_layer_norm *layer, const oclnn_tensor *in, const oclnn_tensor *weight,
    const oclnn_tensor *bias, const oclnn_tensor *residual, const oclnn_tensor *out,
    const oclnn_tensor *save_mean, const oclnn_tensor *save_invstd);

/* Gradients of LayerNorm (see "Training" above). grad_weight: normalized_shape, only with
 * desc.elementwise_affine; grad_bias: normalized_shape, only with elementwise_affine and bias. */
OCLNN_API oclnn_status oclnn_layer_norm_backward(
    oclnn_layer_norm *layer, const oclnn_tensor *in, const oclnn_tensor *weight,
    const oclnn_tensor *save_mean, const oclnn_tensor *save_invstd, const oclnn_tensor *grad_out,
    const oclnn_tensor *grad_in, const oclnn_tensor *grad_weight, const oclnn_tensor *grad_bias);

/* ------------------------------------------------------------------------------------------ */
/* GroupNorm                                                                                  */
/* ------------------------------------------------------------------------------------------ */

typedef struct oclnn_group_norm_desc {
  int64_t num_groups;   /* G >= 1 */
  int64_t num_channels; /* C, divisible by G */
  double eps;           /* 1e-5 */
  int affine;           /* 1: weight and bias (C) are given */
  int fuse_relu;        /* 0; 1: out = relu(norm(in) + residual) */
} oclnn_group_norm_desc;

OCLNN_API oclnn_group_norm_desc oclnn_group_norm_desc_default(int64_t num_groups,
                                                              int64_t num_channels);

typedef struct oclnn_group_norm oclnn_group_norm;

/* Errors: OCLNN_ERR_NULL_ARGUMENT, OCLNN_ERR_INVALID_VALUE (num_groups < 1, num_channels < 0,
 * num_channels not divisible by num_groups), OCLNN_ERR_BUILD, OCLNN_ERR_OPENCL,
 * OCLNN_ERR_OUT_OF_MEMORY. */
OCLNN_API oclnn_status oclnn_group_norm_create(oclnn_context *ctx,
                                               const oclnn_group_norm_desc *desc,
                                               oclnn_group_norm **out);
OCLNN_API void oclnn_group_norm_free(oclnn_group_norm *layer);

/* Errors: OCLNN_ERR_INVALID_SHAPE: rank < 2 (input is (N, C, *)); C not divisible by
 * num_groups; C != num_channels with affine; exactly one value in all (N * C / G * spatial ==
 * 1), which torch 1.13 refuses with "Expected more than 1 value per channel when training". */
OCLNN_API oclnn_status oclnn_group_norm_output_shape(oclnn_group_norm *layer, int rank,
                                                     const int64_t *in_shape, int64_t *out_shape);

/* Enqueues out = act(GroupNorm(in) + residual): statistics per (n, group) over C/G channels and
 * all spatial dims; weight and bias (C) iff affine. Errors: those of
 * oclnn_group_norm_output_shape, OCLNN_ERR_INVALID_SHAPE, OCLNN_ERR_INVALID_VALUE. */
OCLNN_API oclnn_status oclnn_group_norm_forward(oclnn_group_norm *layer, const oclnn_tensor *in,
                                                const oclnn_tensor *weight,
                                                const oclnn_tensor *bias,
                                                const oclnn_tensor *residual,
                                                const oclnn_tensor *out);

/* oclnn_group_norm_forward that also saves the statistics (N * num_groups each, group
 * n * num_groups + g; see "Training" above). */
OCLNN_API oclnn_status oclnn_group_norm_forward_save(
    oclnn_group_norm *layer, const oclnn_tensor *in, const oclnn_tensor *weight,
    const oclnn_tensor *bias, const oclnn_tensor *residual, const oclnn_tensor *out,
    const oclnn_tensor *save_mean, const oclnn_tensor *save_invstd);

/* Gradients of GroupNorm (see "Training" above). grad_weight, grad_bias: (C), only with
 * desc.affine. */
OCLNN_API oclnn_status oclnn_group_norm_backward(
    oclnn_group_norm *layer, const oclnn_tensor *in, const oclnn_tensor *weight,
    const oclnn_tensor *save_mean, const oclnn_tensor *save_invstd, const oclnn_tensor *grad_out,
    const oclnn_tensor *grad_in, const oclnn_tensor *grad_weight, const oclnn_tensor *grad_bias);

/* ------------------------------------------------------------------------------------------ */
/* LocalResponseNorm                                                                          */
/* ------------------------------------------------------------------------------------------ */

typedef struct oclnn_lrn_desc {
  int64_t size; /* channels in the window, >= 1 */
  double alpha; /* 1e-4 */
  double beta;  /* 0.75 */
  double k;     /* 1.0 */
} oclnn_lrn_desc;

OCLNN_API oclnn_lrn_desc oclnn_lrn_desc_default(int64_t size);

typedef struct oclnn_lrn oclnn_lrn;

/* Errors: OCLNN_ERR_NULL_ARGUMENT, OCLNN_ERR_INVALID_VALUE (size < 1), OCLNN_ERR_OVERFLOW (size
 * >= 2^31), OCLNN_ERR_BUILD, OCLNN_ERR_OPENCL, OCLNN_ERR_OUT_OF_MEMORY. */
OCLNN_API oclnn_status oclnn_lrn_create(oclnn_context *ctx, const oclnn_lrn_desc *desc,
                                        oclnn_lrn **out);
OCLNN_API void oclnn_lrn_free(oclnn_lrn *layer);

/* Errors: OCLNN_ERR_INVALID_SHAPE: rank < 3 (input is (N, C, d1, ...)). */
OCLNN_API oclnn_status oclnn_lrn_output_shape(oclnn_lrn *layer, int rank, const int64_t *in_shape,
                                              int64_t *out_shape);

/* Enqueues out = LocalResponseNorm(in): b_c = a_c / (k + alpha/size * sum of a_c'^2 over the
 * window c - size/2 .. c + (size-1)/2)^beta, channels outside [0, C) counting 0. The window sum
 * is recomputed per output, so a call costs O(size) per element. Errors: those of
 * oclnn_lrn_output_shape, OCLNN_ERR_INVALID_SHAPE (out). */
OCLNN_API oclnn_status oclnn_lrn_forward(oclnn_lrn *layer, const oclnn_tensor *in,
                                         const oclnn_tensor *out);

/* Enqueues grad_in = the gradient of sum(oclnn_lrn_forward(in) * grad_out) with respect to in,
 * as torch.autograd gives it for F.local_response_norm:
 *     grad_in_c = g_c s_c^-beta - (2 alpha beta / size) a_c * sum of g_j a_j s_j^(-beta-1)
 * over the channels j whose window contains c (j = c - (size-1)/2 .. c + size/2), with
 * s_j = k + alpha/size * (window sum of squares at j). The window sums are recomputed from
 * `in` (nothing is saved by the forward). grad_out and grad_in have in's shape; grad_in is
 * overwritten, and must not overlap in or grad_out (OCLNN_ERR_ALIASING); in and grad_out are
 * only read. Temporaries come from the context's scratch buffer (2 x min(size, C) x at most 4096
 * floats per work-item, 16 MiB at most). Errors: those of oclnn_lrn_output_shape,
 * OCLNN_ERR_NULL_ARGUMENT (layer, in, grad_out), OCLNN_ERR_INVALID_VALUE (grad_in NULL: no
 * gradient asked for), OCLNN_ERR_INVALID_SHAPE (grad_out or grad_in not in's shape), and the
 * common ones; nothing is written on error. */
OCLNN_API oclnn_status oclnn_lrn_backward(oclnn_lrn *layer, const oclnn_tensor *in,
                                          const oclnn_tensor *grad_out,
                                          const oclnn_tensor *grad_in);

/* ------------------------------------------------------------------------------------------ */
/* SwitchableNorm1d / 2d / 3d                                                                 */
/* ------------------------------------------------------------------------------------------ */

typedef struct oclnn_switchable_norm_desc {
  int dims;                 /* 1, 2 or 3: input (N, C, L), (N, C, H, W), (N, C, D, H, W) */
  int64_t num_features;     /* C */
  double eps;               /* 1e-5 */
  double momentum;          /* 0.9: r = momentum r + (1 - momentum) stat (BatchNorm's opposite) */
  int using_moving_average; /* 1; 0: training accumulates r_mean += mean_bn,
                               r_var += mean_bn^2 + var_bn */
  int using_bn;             /* 1: three statistics (in, ln, bn) and running statistics; 0: two */
  int last_gamma; /* 0; only how the module initialises weight (0 instead of 1). The caller owns
                     the weight and initialises it, so forward does not read this. */
  int fuse_relu;  /* 0; 1: out = relu(norm(in) + residual) */
} oclnn_switchable_norm_desc;

OCLNN_API oclnn_switchable_norm_desc oclnn_switchable_norm_desc_default(int dims,
                                                                        int64_t num_features);

typedef struct oclnn_switchable_norm oclnn_switchable_norm;

/* Errors: OCLNN_ERR_NULL_ARGUMENT, OCLNN_ERR_INVALID_VALUE (dims, num_features < 0),
 * OCLNN_ERR_BUILD, OCLNN_ERR_OPENCL, OCLNN_ERR_OUT_OF_MEMORY. */
OCLNN_API oclnn_status oclnn_switchable_norm_create(oclnn_context *ctx,
                                                    const oclnn_switchable_norm_desc *desc,
                                                    oclnn_switchable_norm **out);
OCLNN_API void oclnn_switchable_norm_free(oclnn_switchable_norm *layer);

/* Errors: OCLNN_ERR_INVALID_SHAPE: rank != dims + 2 (batched input only, like the authors'
 * module); C != num_features. */
OCLNN_API oclnn_status oclnn_switchable_norm_output_shape(oclnn_switchable_norm *layer, int rank,
                                                          const int64_t *in_shape,
                                                          int64_t *out_shape);

/* Enqueues out = act(SwitchableNorm(in) + residual), SPEC.md's semantics: with x seen as
 * (N, C, S), instance statistics per (n, c) (unbiased variance: S == 1 gives NaN, as in the
 * authors' code), layer statistics per n, batch statistics per c (training) or the running ones
 * (eval), mixed by softmax(mean_weight) and softmax(var_weight).
 * weight, bias: (C), required. mean_weight, var_weight: the logits, (3) with using_bn, else (2).
 * running_mean, running_var: (C), required iff using_bn; training updates them (see the desc).
 * Without using_bn training and eval are the same. An empty input is a no-op (nothing written,
 * running statistics unchanged). Errors: those of oclnn_switchable_norm_output_shape,
 * OCLNN_ERR_INVALID_SHAPE (tensor shapes), OCLNN_ERR_INVALID_VALUE (running statistics given
 * without using_bn). */
OCLNN_API oclnn_status oclnn_switchable_norm_forward(
    oclnn_switchable_norm *layer, int training, const oclnn_tensor *in, const oclnn_tensor *weight,
    const oclnn_tensor *bias, const oclnn_tensor *mean_weight, const oclnn_tensor *var_weight,
    const oclnn_tensor *running_mean, const oclnn_tensor *running_var, const oclnn_tensor *residual,
    const oclnn_tensor *out);

/* Training SwitchableNorm (in the spirit of "Training" above; x seen as (N, C, S)):
 *
 * oclnn_switchable_norm_saved_count: the float count of the saved-statistics tensor for an
 * input shape: 2 N C + 2 N, plus 2 C with using_bn. Errors: those of
 * oclnn_switchable_norm_output_shape, OCLNN_ERR_NULL_ARGUMENT.
 *
 * oclnn_switchable_norm_forward_save: oclnn_switchable_norm_forward that also writes into
 * `saved` (caller-owned, rank 1, saved_count floats; NULL: the plain forward) the statistics it
 * normalised with: mean_in[N C], var_in[N C] (unbiased), mean_ln[N], var_ln[N], then with
 * using_bn mean_bn[C], var_bn[C] (the batch statistics in training, the running ones in
 * eval). `saved` is written, so it must not overlap any other tensor.
 * An empty input writes nothing.
 *
 * oclnn_switchable_norm_backward: the gradients, as torch.autograd gives them for the authors'
 * module, of sum(SwitchableNorm(in) * grad_out) with respect to in (grad_in, in's shape),
 * weight and bias (grad_weight, grad_bias: (C)) and the mixing logits (grad_mean_weight,
 * grad_var_weight: (3) with using_bn, else (2); through the softmax), from the `saved`
 * statistics of forward_save on the same in, weight, logits and training flag. In training the
 * batch statistics carry gradient; in eval the running ones are constants. The gradient is that
 * of the norm's output BEFORE the fused residual add and ReLU (apply oclnn_act_relu_backward
 * first with fuse_relu). Gradients are overwritten; any may be NULL, all NULL is
 * OCLNN_ERR_INVALID_VALUE; they must not overlap each other or any input (OCLNN_ERR_ALIASING).
 * in, grad_out, weight, mean_weight, var_weight and saved are required
 * (OCLNN_ERR_NULL_ARGUMENT). An empty input gives zero parameter gradients. Per-row sums are
 * deterministic (no atomics). Temporaries come from the context's scratch buffer (5 N C + 2 N +
 * 2 C floats). Errors: those of the forward's input checks, OCLNN_ERR_INVALID_SHAPE (a
 * gradient or saved tensor of another shape), OCLNN_ERR_INVALID_VALUE, OCLNN_ERR_NULL_ARGUMENT,
 * OCLNN_ERR_ALIASING, OCLNN_ERR_INVALID_BUFFER, OCLNN_ERR_OUT_OF_BOUNDS, OCLNN_ERR_OUT_OF_MEMORY,
 * OCLNN_ERR_BUILD (kernels built at the first forward_save or backward), OCLNN_ERR_OPENCL.
 * Nothing is written on error; calls only enqueue. */
OCLNN_API oclnn_status oclnn_switchable_norm_saved_count(oclnn_switchable_norm *layer, int rank,
                                                         const int64_t *in_shape, int64_t *count);
OCLNN_API oclnn_status oclnn_switchable_norm_forward_save(
    oclnn_switchable_norm *layer, int training, const oclnn_tensor *in, const oclnn_tensor *weight,
    const oclnn_tensor *bias, const oclnn_tensor *mean_weight, const oclnn_tensor *var_weight,
    const oclnn_tensor *running_mean, const oclnn_tensor *running_var, const oclnn_tensor *residual,
    const oclnn_tensor *out, const oclnn_tensor *saved);
OCLNN_API oclnn_status oclnn_switchable_norm_backward(
    oclnn_switchable_norm *layer, int training, const oclnn_tensor *in, const oclnn_tensor *weight,
    const oclnn_tensor *mean_weight, const oclnn_tensor *var_weight, const oclnn_tensor *saved,
    const oclnn_tensor *grad_out, const oclnn_tensor *grad_in, const oclnn_tensor *grad_weight,
    const oclnn_tensor *grad_bias, const oclnn_tensor *grad_mean_weight,
    const oclnn_tensor *grad_var_weight);

#ifdef __cplusplus
}
#endif
#endif /* OCLNN_NORM_H */
