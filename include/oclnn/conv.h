/*
 * oclnn convolution: torch.nn.Conv1d, Conv2d and Conv3d forward (included by oclnn.h; the
 * conventions at the top of oclnn.h hold here too).
 *
 * A layer is created once per configuration (validation, algorithm choice, program lookup) and
 * run many times. Weights and bias are given in PyTorch's layout, either on every forward call
 * or once through oclnn_conv_prepare_weights, which repacks them into the layer's own buffer
 * for inference.
 *
 * Per-dimension parameters (kernel_size, stride, padding, dilation) are ordered like PyTorch's
 * tuples and like the spatial dims of the input: index 0 is the first spatial dim (D for 3d, H
 * for 2d, L for 1d), the last used index is W. Only the first `dims` entries are read.
 */
#ifndef OCLNN_CONV_H
#define OCLNN_CONV_H

#include "oclnn.h"

#ifdef __cplusplus
extern "C" {
#endif

/* padding_mode. The values match oclnn_pad_mode (zeros is constant padding with 0). */
typedef enum oclnn_conv_padding_mode {
  OCLNN_CONV_ZEROS = 0,
  OCLNN_CONV_REFLECT = 1,   /* mirror without repeating the edge; each pad < its input dim */
  OCLNN_CONV_REPLICATE = 2, /* repeat the edge */
  OCLNN_CONV_CIRCULAR = 3   /* wrap around; each pad <= its input dim */
} oclnn_conv_padding_mode;

/* How `padding` is given: PyTorch's int/tuple, or the strings "valid" and "same". */
typedef enum oclnn_conv_padding_type {
  OCLNN_CONV_PADDING_EXPLICIT = 0, /* desc.padding[] on both sides of each dim */
  OCLNN_CONV_PADDING_VALID = 1,    /* no padding ("valid") */
  OCLNN_CONV_PADDING_SAME = 2      /* "same": stride must be 1; per dim a total of
                                      dilation*(kernel-1), total/2 before and the rest after */
} oclnn_conv_padding_type;

/* Algorithms. AUTO picks by measurement (docs/conv.md): depthwise for depthwise layers, gemm for
 * 1x1 stride-1 unpadded ones, winograd for 2d 3x3 stride-1 ones with dilation <= 2 and >= 24
 * input and >= 16 output channels, else direct, else generic. The others force one: a forced
 * algorithm that cannot run the configuration makes oclnn_conv_create fail with
 * OCLNN_ERR_UNSUPPORTED. The environment variable OCLNN_CONV_ALGO (one of the names below, e.g.
 * "direct") applies to layers created with AUTO; where it cannot run the configuration, AUTO's
 * choice is used. Every algorithm applies padding_mode in its input indexing (no padded copy of the
 * input). */
typedef enum oclnn_conv_algo {
  OCLNN_CONV_ALGO_AUTO = 0,
  OCLNN_CONV_ALGO_GENERIC = 1,   /* "generic": one output per work-item; every configuration */
  OCLNN_CONV_ALGO_DIRECT = 2,    /* "direct": register-tiled, up to 6 output channels x 16
                                    pixels of a row per work-item, packed weights; kernel width
                                    <= 16 and one input channel's window <= 32 KiB of local
                                    memory ((15 * stride + dilation * (kw - 1) + 1) * kd * kh
                                    floats) */
  OCLNN_CONV_ALGO_DEPTHWISE = 3, /* "depthwise": groups == in_channels (any multiplier), kernel
                                    width <= 16, a 4-row window within 32 KiB */
  OCLNN_CONV_ALGO_GEMM = 4,      /* "gemm": 1x1 kernel, stride 1, no padding, any groups */
  OCLNN_CONV_ALGO_WINOGRAD =
      5 /* "winograd": F(4x4, 3x3); 2d 3x3 kernels, stride 1, groups 1, dilation <= 64 (run as
           dilation_h * dilation_w phases, each an undilated layer on every dilation-th
           pixel); larger rounding error than the others (tests use a 1e-3 mixed tolerance,
           1e-4 elsewhere); on devices with enough local memory, layers of up to ~211 input
           channels run as one kernel without scratch on calls with enough tiles; otherwise in
           bands of tile rows with about 8 MiB of scratch per call (36 * tiles * (in + out
           channels) floats when smaller, tiles = N * dilation_h * dilation_w * ceil(ceil(H_out /
           dilation_h) / 4) * (ceil(ceil(W_out / dilation_w) / 4) rounded up to 8); at least one
           tile row of every phase and sample per band) */
} oclnn_conv_algo;

typedef struct oclnn_conv_desc {
  int dims; /* 1, 2 or 3: Conv1d, Conv2d, Conv3d */
  int64_t in_channels;
  int64_t out_channels;
  int64_t kernel_size[3];
  int64_t stride[3];
  oclnn_conv_padding_type padding_type;
  int64_t padding[3]; /* OCLNN_CONV_PADDING_EXPLICIT only; >= 0 */
  int64_t dilation[3];
  int64_t groups;
  int bias; /* non-zero: the layer adds a bias of out_channels values */
  oclnn_conv_padding_mode padding_mode;
  oclnn_conv_algo algo;
  /* Nearest-neighbour upsampling of the input by an integer factor per spatial dim, fused into
   * the convolution's input reads (oclnn's own, for ONNX Resize(nearest) -> Conv): the layer
   * convolves U, U[.., y] = input[.., y / factor] (integer division), a factor times larger than
   * the input in each dim; padding, padding_mode, "same" and the output shape all apply to U's
   * size, as for torch's Conv2d(F.interpolate(x, scale_factor=factor, mode="nearest")). 1 = none
   * (the default); >= 1. Run by the generic and winograd algorithms; the others refuse a factor
   * other than 1 with OCLNN_ERR_UNSUPPORTED, and AUTO picks winograd where it can, else generic. */
  int64_t input_upsample[3];
} oclnn_conv_desc;

/* PyTorch's defaults for Conv<dims>d(in_channels, out_channels, kernel_size): stride 1,
 * padding 0, dilation 1, groups 1, bias on, padding_mode zeros, algorithm AUTO, the kernel
 * size `kernel_size` in every dim; input_upsample 1 (none). */
OCLNN_API oclnn_conv_desc oclnn_conv_desc_default(int dims, int64_t in_channels,
                                                  int64_t out_channels, int64_t kernel_size);

typedef struct oclnn_conv oclnn_conv;

/* Creates a convolution layer: validates the descriptor, chooses the algorithm and gets its
 * programs (built or loaded from the cache). Errors: OCLNN_ERR_NULL_ARGUMENT,
 * OCLNN_ERR_INVALID_VALUE (dims; channels or groups < 1; channels not divisible by groups;
 * kernel_size, stride, dilation or input_upsample < 1; padding < 0; padding_type, padding_mode or
 * algo out of range; "same" with a stride > 1; an unknown OCLNN_CONV_ALGO), OCLNN_ERR_OVERFLOW (a
 * parameter of 2^31 or more, or a weight too large to index), OCLNN_ERR_UNSUPPORTED (a forced
 * algorithm that cannot run this configuration), OCLNN_ERR_BUILD, OCLNN_ERR_OPENCL,
 * OCLNN_ERR_OUT_OF_MEMORY. */
OCLNN_API oclnn_status oclnn_conv_create(oclnn_context *ctx, const oclnn_conv_desc *desc,
                                         oclnn_conv **out);

/* Frees the layer and its prepared weights. NULL is a no-op. Commands already enqueued keep
 * working (OpenCL keeps the buffers alive until they finish). */
OCLNN_API void oclnn_conv_free(oclnn_conv *conv);

/* The algorithm the layer runs (never AUTO). Errors: OCLNN_ERR_NULL_ARGUMENT. */
OCLNN_API oclnn_status oclnn_conv_algorithm(const oclnn_conv *conv, oclnn_conv_algo *algo);

/* The name of an algorithm as OCLNN_CONV_ALGO spells it ("auto", "generic", "direct",
 * "depthwise", "gemm", "winograd"); "unknown" for other values. Static string. */
OCLNN_API const char *oclnn_conv_algo_name(oclnn_conv_algo algo);

/* The output shape for an input of `rank` dims (dims+1 unbatched (C, ...) or dims+2 batched
 * (N, C, ...)); out_shape must hold `rank` entries. Applies every PyTorch rule, so it refuses
 * exactly what forward refuses for that input shape: the channel count must be in_channels;
 * spatial dims >= 1 (the batch may be 0); reflect padding < the input dim, circular padding <=
 * it; the padded input must hold the dilated kernel (so every output dim is >= 1):
 * out = floor((in + before + after - dilation*(kernel-1) - 1) / stride) + 1, where in is the
 * input dim times input_upsample (and the padding rules apply to that size). Errors:
 * OCLNN_ERR_NULL_ARGUMENT, OCLNN_ERR_INVALID_SHAPE, OCLNN_ERR_OVERFLOW (a spatial dim, times
 * input_upsample, of 2^30 or more, or an element count that overflows). */
OCLNN_API oclnn_status oclnn_conv_output_shape(oclnn_conv *conv, int rank, const int64_t *in_shape,
                                               int64_t *out_shape);

/* One-time weight preparation for inference: enqueues a copy of weight (out_channels,
 * in_channels/groups, kernel...) and bias (out_channels; NULL when the layer has none),
 * repacked for the layer's algorithm, into buffers the layer owns. Later forward calls given
 * weight == NULL and bias == NULL use them. Calling it again replaces them. Does not wait: the
 * copy is ordered on the queue, so the caller may overwrite or release its buffers after
 * enqueueing further work that depends on it, or after oclnn_context_finish. Errors:
 * OCLNN_ERR_NULL_ARGUMENT (weight; bias missing for a layer with bias), OCLNN_ERR_INVALID_VALUE
 * (bias given to a layer without bias), OCLNN_ERR_INVALID_SHAPE (weight or bias shape),
 * OCLNN_ERR_INVALID_BUFFER, OCLNN_ERR_OUT_OF_BOUNDS, OCLNN_ERR_OUT_OF_MEMORY, OCLNN_ERR_OPENCL. */
OCLNN_API oclnn_status oclnn_conv_prepare_weights(oclnn_conv *conv, const oclnn_tensor *weight,
                                                  const oclnn_tensor *bias);

/* Enqueues output = conv(input, weight) + bias on the context's queue; does not wait.
 * weight is (out_channels, in_channels/groups, kernel...) and bias (out_channels), PyTorch's
 * layout; pass both NULL to use the prepared ones (bias stays NULL for a layer without bias).
 * output must have exactly oclnn_conv_output_shape's shape and must not overlap input, weight or
 * bias. Temporaries (weights repacked per call when they are not prepared) come from the
 * context's scratch arena. Nothing is written on error. Errors: those of
 * oclnn_conv_output_shape, OCLNN_ERR_NULL_ARGUMENT (input, output; weight NULL without prepared
 * weights; bias NULL for a layer with bias when weight is given), OCLNN_ERR_INVALID_VALUE (bias
 * given to a layer without bias), OCLNN_ERR_INVALID_SHAPE (weight, bias or output shape),
 * OCLNN_ERR_INVALID_BUFFER, OCLNN_ERR_OUT_OF_BOUNDS, OCLNN_ERR_ALIASING,
 * OCLNN_ERR_OUT_OF_MEMORY, OCLNN_ERR_OPENCL. */
OCLNN_API oclnn_status oclnn_conv_forward(oclnn_conv *conv, const oclnn_tensor *input,
                                          const oclnn_tensor *weight, const oclnn_tensor *bias,
                                          const oclnn_tensor *output);

/* Enqueues the gradients of L = sum(conv_forward(input, weight, bias) * grad_output), as
 * torch.autograd gives them, on the context's queue; does not wait. Every configuration the
 * forward accepts (1d/2d/3d, stride, padding incl. same/valid, dilation, groups, every
 * padding_mode, batched and unbatched, input_upsample). Gradients are overwritten, not
 * accumulated into:
 *   grad_input (input's shape): padded positions that reflect, replicate or circular padding
 *     map onto one input element, and the input_upsample^dims upsampled copies of it, all add
 *     to that element;
 *   grad_weight (the weight's shape, PyTorch's layout: out_channels, in_channels/groups,
 *     kernel...);
 *   grad_bias (out_channels): only for a layer with bias.
 * Each gradient may be NULL to skip it; at least one must be given. input and grad_output are
 * required; grad_output has exactly oclnn_conv_output_shape(input)'s shape. weight (PyTorch
 * layout; prepared weights are not used) is required for grad_input and may be NULL otherwise
 * (it is checked when given). The gradients must not overlap input, weight, grad_output or each
 * other. Everything is checked before anything is enqueued; nothing is written on error. An
 * empty batch gives zero grad_weight and grad_bias. Temporaries come from the context's scratch
 * arena. Errors: those of oclnn_conv_output_shape for input's shape, OCLNN_ERR_NULL_ARGUMENT
 * (conv, input, grad_output; weight when grad_input is asked for), OCLNN_ERR_INVALID_VALUE (no
 * gradient asked for; grad_bias for a layer without bias), OCLNN_ERR_INVALID_SHAPE
 * (grad_output, weight, grad_input, grad_weight or grad_bias shape), OCLNN_ERR_INVALID_BUFFER,
 * OCLNN_ERR_OUT_OF_BOUNDS, OCLNN_ERR_ALIASING, OCLNN_ERR_OUT_OF_MEMORY, OCLNN_ERR_OPENCL. */
OCLNN_API oclnn_status oclnn_conv_backward(oclnn_conv *conv, const oclnn_tensor *input,
                                           const oclnn_tensor *weight,
                                           const oclnn_tensor *grad_output,
                                           const oclnn_tensor *grad_input,
                                           const oclnn_tensor *grad_weight,
                                           const oclnn_tensor *grad_bias);

#ifdef __cplusplus
}
#endif
#endif /* OCLNN_CONV_H */
