/* Private to the convolution layer (host/layers/conv*.c): the layer object and the interface
 * every algorithm implements. conv.c validates, chooses the algorithm and checks each call;
 * conv_<algo>.c builds its programs, packs weights and enqueues its kernels. */
#ifndef OCLNN_LAYERS_CONV_INTERNAL_H
#define OCLNN_LAYERS_CONV_INTERNAL_H

#include "core/internal.h"
#include "program/program.h"

#include <stdlib.h>

#define OCLNN__CONV_MAX_KERNELS 5

/* The most stride phases (product of the strides) of conv_backward.c's phase path. */
#define OCLNN__CONV_BACKWARD_PHASES 16

struct oclnn_conv {
  oclnn_context *ctx;
  oclnn_conv_desc desc;
  oclnn_conv_algo algo;
  const struct oclnn__conv_ops *ops;
  /* Spatial parameters as 3d, index 0 = D, 1 = H, 2 = W; a 1d/2d layer has size-1 leading
   * dims (kernel 1, stride 1, dilation 1, no padding). */
  int kernel[3], stride[3], dilation[3], pad_before[3], pad_after[3];
  int upsample[3]; /* desc.input_upsample: the convolved input is this many times the input */
  int channels_in, channels_out, groups;
  int group_in, group_out; /* channels per group */
  /* The algorithm's programs and kernels. */
  oclnn__program *program[OCLNN__CONV_MAX_KERNELS];
  cl_kernel kernel_obj[OCLNN__CONV_MAX_KERNELS];
  /* The algorithm's register tile, fixed by its init: direct's output channels per work-item,
   * depthwise's output rows per block. */
  int tile;
  /* Direct: output pixels of a row per work-item; Winograd: tiles per GEMM work-item (16, or 32
   * as two float16 vectors). */
  int tile_pixels;
  /* Prepared weights (oclnn_conv_prepare_weights), in the algorithm's layout. */
  cl_mem prepared_weight;
  size_t prepared_weight_floats;
  cl_mem prepared_bias;
  bool prepared;
  /* Backward (conv_backward.c), built at the first oclnn_conv_backward call. */
  oclnn__program *backward_program;
  /* The tiled grad_weight kernel built for one output channel per group (conv_backward.c). */
  oclnn__program *backward_program_narrow;
  cl_kernel backward_tiled_narrow;
  cl_kernel backward_outer_narrow; /* the outer grad_weight kernel of that build (32 channels) */
  /* Winograd: the scratch budget of one band of tile rows (conv_winograd.c). */
  size_t band_bytes;
  /* Winograd: the one-kernel path with V and M in local memory (conv_winograd.c): 0 never, 1
   * for calls with enough tiles, 2 always. */
  int winograd_fused;
  cl_kernel backward_kernel[13];     /* see conv_backward.c's KERNEL_NAMES */
  struct oclnn_conv *backward_layer; /* grad_input as a forward convolution, when it is one */
  cl_mem backward_weight;            /* its weights (flipped, channels swapped) */
  cl_mem backward_padded;            /* the padded input's gradient, for non-zero padding modes */
  size_t backward_padded_floats;
  /* grad_input by stride phases: one stride-1 forward layer per phase (conv_backward.c). */
  struct oclnn_conv *backward_phase_layer[OCLNN__CONV_BACKWARD_PHASES];
  /* grad_input of W-stride-2 1d and 2d layers, all phases in one pass (conv_backward_stride2.c):
   * its program, pack and main kernels, packed weights and input channels per work-item. */
  oclnn__program *backward_s2_program;
  cl_kernel backward_s2_kernel[2];
  cl_mem backward_s2_weight;
  int backward_s2_block;
  int backward_s2_rows; /* q rows per work-item */
};

/* One forward call, checked: buffers with element offsets and the 3d geometry. */
typedef struct oclnn__conv_call {
  cl_mem input;
  cl_ulong input_offset;
  cl_mem weight; /* in the algorithm's layout (packed when it packs) */
  cl_ulong weight_offset;
  /* gemm only: the weights are not packed but the [groups * group_in][group_out] matrix of a 1x1
   * layer's own weights (the backward's grad_input of a 1x1 layer, conv_backward.c), group_out
   * a multiple of the channel block. */
  bool weight_transposed;
  cl_mem bias; /* a valid buffer even without bias (then unused) */
  cl_ulong bias_offset;
  cl_int has_bias;
  cl_mem output;
  cl_ulong output_offset;
  cl_mem scratch; /* the arena, past the per-call packed weights; NULL when none was asked for */
  cl_ulong scratch_offset;
  int64_t batch;
  int in[3], out[3]; /* D, H, W */
} oclnn__conv_call;

typedef struct oclnn__conv_ops {
  oclnn_conv_algo algo;
  /* Whether the algorithm can run this (validated) configuration. */
  bool (*supports)(const oclnn_conv *conv);
  /* Gets programs and kernels into conv->program / conv->kernel_obj. */
  oclnn_status (*init)(oclnn_conv *conv, const char *fn);
  /* Floats of packed weights, 0 when the kernels read PyTorch's layout directly. */
  size_t (*packed_floats)(const oclnn_conv *conv);
  /* Enqueues the repacking of weight (PyTorch layout) into dst at element dst_offset. */
  oclnn_status (*pack)(oclnn_conv *conv, const char *fn, cl_mem src, cl_ulong src_offset,
                       cl_mem dst, cl_ulong dst_offset);
  /* Floats of per-call scratch beyond the packed weights (NULL: none). */
  size_t (*scratch_floats)(const oclnn_conv *conv, const oclnn__conv_call *call);
  /* Enqueues the convolution. */
  oclnn_status (*run)(oclnn_conv *conv, const char *fn, const oclnn__conv_call *call);
} oclnn__conv_ops;

extern const oclnn__conv_ops oclnn__conv_generic_ops;
extern const oclnn__conv_ops oclnn__conv_direct_ops;
extern const oclnn__conv_ops oclnn__conv_depthwise_ops;
extern const oclnn__conv_ops oclnn__conv_gemm_ops;
extern const oclnn__conv_ops oclnn__conv_winograd_ops;

/* Program variants per algorithm, for prebuild (conv.c's oclnn__conv_variants walks them). */
void oclnn__conv_generic_variants(oclnn__variant_fn each, void *user);
void oclnn__conv_direct_variants(oclnn__variant_fn each, void *user);
void oclnn__conv_depthwise_variants(oclnn__variant_fn each, void *user);
void oclnn__conv_gemm_variants(oclnn__variant_fn each, void *user);
void oclnn__conv_winograd_variants(oclnn__variant_fn each, void *user);
/* Whether Winograd runs the layer in its fused kernel (on calls with enough tiles): its
 * transformed input fits the device's local memory and OCLNN_WINOGRAD_FUSED does not say 0. */
bool oclnn__conv_winograd_fused_fits(const oclnn_conv *conv);
void oclnn__conv_backward_variants(oclnn__variant_fn each, void *user);

/* conv.c's checks, shared with the backward (conv_backward.c): the output shape for an input
 * shape (every forward rule), and a weight tensor in PyTorch's layout. */
oclnn_status oclnn__conv_output_shape(oclnn_conv *conv, const char *fn, int rank,
                                      const int64_t *in_shape, int64_t *out_shape);
oclnn_status oclnn__conv_check_weight(oclnn_conv *conv, const char *fn, const oclnn_tensor *weight);

/* Frees what the backward built (conv_backward.c); called by oclnn_conv_free. */
void oclnn__conv_backward_free(oclnn_conv *conv);

/* grad_input of 1d and 2d layers with W stride 2 (2..6 taps) and H stride 2 (2..6 taps) or 1
 * (1..6), zeros padding, dilation 1, no upsampling, all stride phases in one kernel
 * (conv_backward_stride2.c):
 * whether it takes the layer, the enqueue (grad_input of `batch` samples of `in` (D, H, W) from
 * grad_output of `out` positions and the weights in PyTorch's layout; programs, kernels and the
 * packed weights are made at the first call and kept by the layer), its free and its program
 * variants. */
bool oclnn__conv_bw_stride2_takes(const oclnn_conv *conv);
oclnn_status oclnn__conv_bw_stride2_input(oclnn_conv *conv, const char *fn, int64_t batch,
                                          const int *in, const int *out, const oclnn_tensor *weight,
                                          const oclnn_tensor *grad_output,
                                          const oclnn_tensor *grad_input);
void oclnn__conv_bw_stride2_free(oclnn_conv *conv);
void oclnn__conv_bw_stride2_variants(oclnn__variant_fn each, void *user);

/* Sets kernel arguments in order; returns an OpenCL error code (0 on success). */
cl_int oclnn__conv_set_args(cl_kernel kernel, cl_uint *index, size_t size, const void *value);
#define OCLNN__CONV_ARG(kernel, index, err, value)                                             \
  do {                                                                                         \
    if ((err) == CL_SUCCESS)                                                                   \
      (err) = oclnn__conv_set_args((kernel), &(index), sizeof(value), (const void *)&(value)); \
  } while (0)

/* Sets the arguments every forward kernel starts with: input, weight, bias (buffer, offset,
 * has_bias) and output, each with its offset; returns an OpenCL error code (0 on success). */
cl_int oclnn__conv_set_call_args(cl_kernel kernel, cl_uint *index, const oclnn__conv_call *call);

/* Output-channel blocks per run for kernels whose work-items each run through several blocks,
 * reusing what they staged: all `blocks` in one run, halved while `items_per_run` work-items
 * times the number of runs is fewer than `min_items` (too few to fill the device). */
static inline cl_int oclnn__conv_blocks_per_run(cl_int blocks, size_t items_per_run,
                                                size_t min_items) {
  cl_int per_run = blocks;
  while (per_run > 1 && items_per_run * (size_t)((blocks + per_run - 1) / per_run) < min_items)
    per_run = (per_run + 1) / 2;
  return per_run;
}

/* Whether desc.input_upsample asks for upsampling (only generic and winograd take it). */
static inline bool oclnn__conv_upsampled(const oclnn_conv *conv) {
  return conv->upsample[0] != 1 || conv->upsample[1] != 1 || conv->upsample[2] != 1;
}

/* Whether the device's native float vector has 16 lanes (PoCL reports 16 for AVX-512, with its
 * 32 vector registers, and 8 for AVX2's 16): direct and depthwise size their register tiles by
 * it. */
static inline bool oclnn__conv_wide_vectors(const oclnn_conv *conv) {
  cl_uint width = 0;
  return clGetDeviceInfo(conv->ctx->device, CL_DEVICE_NATIVE_VECTOR_WIDTH_FLOAT, sizeof width,
                         &width, NULL) == CL_SUCCESS &&
         width >= 16;
}

/* A positive integer <= max from environment variable `name` (a test and tuning switch), else
 * 0. */
static inline int oclnn__conv_env_int(const char *name, int max) {
  const char *env = getenv(name);
  if (!env || !*env)
    return 0;
  char *end = NULL;
  long v = strtol(env, &end, 10);
  return (end && *end == '\0' && v >= 1 && v <= max) ? (int)v : 0;
}

#define OCLNN__CONV_MAX_BLOCK 16

/* Output channels per work-item of the CB x 16-pixel register tiles (direct, gemm and Winograd's
 * GEMM: CB float16 accumulators) for `channels` output channels: OCLNN_CONV_BLOCK (1..16; a test
 * and tuning switch, read when a layer is created), else by the device's register file. With 16
 * registers (AVX2, a float16 taking two) six accumulators (12 registers, plus the two halves of
 * the input tile and a broadcast weight) is the most that runs without spilling; with 32
 * (AVX-512, a float16 in one zmm register) 16 read each input vector once for 16 FMAs and keep
 * both FMA pipes busy through their latency (8 where 16 would pad the last block more).
 * Measured in docs/conv.md. Few channels get a smaller block. */
static inline int oclnn__conv_channel_block(const oclnn_conv *conv, int channels) {
  int forced = oclnn__conv_env_int("OCLNN_CONV_BLOCK", OCLNN__CONV_MAX_BLOCK);
  if (forced)
    return forced;
  if (channels <= 2)
    return channels;
  if (channels <= 4)
    return 4;
  if (oclnn__conv_wide_vectors(conv)) {
    if (channels <= 8)
      return 8;
    return (channels % 16 == 0 || channels % 16 > 8) ? 16 : 8;
  }
  /* 4 wastes nothing where 6 would pad the last block a lot (e.g. 32 -> 36). */
  int waste6 = (6 - channels % 6) % 6, waste4 = (4 - channels % 4) % 4;
  return (waste6 * 4 > channels && waste4 == 0) ? 4 : 6;
}

/* Rounds n up to a multiple of m (m > 0); the caller has checked it cannot overflow. */
static inline size_t oclnn__conv_round_up(size_t n, size_t m) { return (n + m - 1) / m * m; }

#endif
