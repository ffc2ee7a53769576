/* The machinery shared by the normalization layers (norm.c): one statistics mechanism over
 * (A, G, B) layouts (kernels_cl/norm_stats.cl), the parameter and running-statistics kernels,
 * and one fused apply kernel (kernels_cl/norm_apply.cl). Each layer file validates its
 * arguments, lays out its scratch, and enqueues these steps. */
#ifndef OCLNN_LAYERS_NORM_INTERNAL_H
#define OCLNN_LAYERS_NORM_INTERNAL_H

#include "core/internal.h"
#include "program/program.h"

/* The kernels a layer uses (created once per layer). */
typedef struct oclnn__norm_engine {
  oclnn_context *ctx;
  oclnn__program *stats_program, *apply_program;
  cl_kernel rows, split, cols, merge, params, running, apply, fused;
  cl_kernel sn_ln, sn_bn, sn_params; /* SwitchableNorm only */
  /* forward_save and backward (kernels_cl/norm_backward.cl), made on first use so that
   * forward-only programs never build that file: oclnn__norm_bw_init. */
  oclnn__program *backward_program;
  cl_kernel save, bw_rows, bw_reduce, bw_apply, bw_fused, bw_col_sums, bw_col_apply;
  size_t bw_fused_local;         /* work-group size of norm_bw_fused (a power of two) */
  size_t split_local;            /* work-group size of norm_stats_split (a power of two) */
  size_t fused_local;            /* work-group size of norm_fused (a power of two) */
  uint64_t fused_min, fused_max; /* group sizes (floats) that norm_fused takes */
  uint64_t stream_min;           /* smallest output (bytes) written with streaming stores */
} oclnn__norm_engine;

/* The smallest output (bytes) that the norm kernels write with streaming stores (UINT64_MAX:
 * never); norm.c says why. */
uint64_t oclnn__norm_stream_min(const oclnn_context *ctx);

oclnn_status oclnn__norm_engine_init(oclnn_context *ctx, const char *fn, bool switchable,
                                     oclnn__norm_engine *engine);
void oclnn__norm_engine_release(oclnn__norm_engine *engine);

/* Scratch layout: regions of floats, each starting at a multiple of 16 floats. */
typedef struct oclnn__norm_layout {
  uint64_t floats;
} oclnn__norm_layout;
uint64_t oclnn__norm_reserve(oclnn__norm_layout *layout, uint64_t floats);

/* Statistics of the groups of an (A, G, B) view of a contiguous tensor: group g holds
 * x[a][g][b]. The result is one float4 per group (shift, mean - shift, M2, count) at stats_off
 * in the scratch buffer. */
typedef struct oclnn__norm_stats_plan {
  int mode; /* rows, split or cols (norm.c) */
  uint64_t A, G, B, count;
  uint64_t parts, chunk; /* work-items per group (split) or row chunks (cols); their length */
  uint64_t partials;     /* partial statistics per group left for the merge kernel */
  uint64_t partial_off, stats_off;
} oclnn__norm_stats_plan;

void oclnn__norm_stats_plan_make(const oclnn__norm_engine *engine, uint64_t A, uint64_t G,
                                 uint64_t B, oclnn__norm_layout *layout,
                                 oclnn__norm_stats_plan *plan);
oclnn_status oclnn__norm_stats_enqueue(oclnn__norm_engine *engine, const char *fn,
                                       const oclnn__norm_stats_plan *plan, const oclnn_tensor *in,
                                       cl_mem scratch);

/* Planar apply parameters: shift, scale and offset arrays of `count` floats each. */
typedef struct oclnn__norm_params {
  uint64_t count;
  uint64_t shift_off, scale_off, offset_off;
} oclnn__norm_params;
void oclnn__norm_params_reserve(oclnn__norm_layout *layout, uint64_t count,
                                oclnn__norm_params *params);

/* Entry p = (x - K) * w[c] / sqrt(var + eps) + b[c] with the statistics of group p / per_group
 * (var = M2 * inv_n) or, when stats_off is UINT64_MAX, the running statistics of channel c;
 * c = p % channels. weight/bias may be NULL. */
oclnn_status oclnn__norm_params_enqueue(oclnn__norm_engine *engine, const char *fn, cl_mem scratch,
                                        uint64_t stats_off, const oclnn_tensor *running_mean,
                                        const oclnn_tensor *running_var, const oclnn_tensor *weight,
                                        const oclnn_tensor *bias, uint64_t per_group,
                                        uint64_t channels, double inv_n, double eps,
                                        const oclnn__norm_params *params);

/* Running statistics update from the statistics of groups n * channels + c (n < batch). */
oclnn_status oclnn__norm_running_enqueue(oclnn__norm_engine *engine, const char *fn, cl_mem scratch,
                                         uint64_t stats_off, uint64_t channels, uint64_t batch,
                                         uint64_t count, double momentum,
                                         const oclnn_tensor *running_mean,
                                         const oclnn_tensor *running_var);

/* The order of the apply pass over memory: forward, or the reverse of the statistics pass that
 * ran just before it (row order, or BatchNorm's channel-major order), so that it starts on data
 * still in the last-level cache. */
enum { OCLNN__NORM_FORWARD = 0, OCLNN__NORM_REVERSE_ROWS = 1, OCLNN__NORM_REVERSE_CHANNELS = 2 };

/* out = act(((in - shift) * scale + offset) * col_weight + col_bias + residual) over `rows`
 * rows of `len` floats; parameters per row (entry row % mod) or, with col_params, per column.
 * With running_mean set (BatchNorm eval, one launch) the row parameters are computed in the
 * kernel from channel row % mod's running statistics, weight and bias (either may be NULL) and
 * eps, and params is not read. */
typedef struct oclnn__norm_apply_args {
  const oclnn_tensor *in, *out, *residual, *col_weight, *col_bias;
  const oclnn__norm_params *params;
  const oclnn_tensor *running_mean, *running_var, *weight, *bias;
  double eps;
  uint64_t mod;
  int col_params;
  uint64_t rows, len;
  int relu;
  int order;
} oclnn__norm_apply_args;
oclnn_status oclnn__norm_apply_enqueue(oclnn__norm_engine *engine, const char *fn, cl_mem scratch,
                                       const oclnn__norm_apply_args *args);

/* Fused statistics + apply (kernels_cl/norm_fused in norm_stats.cl) for `groups` groups of
 * `count` floats made of rows of `len` floats, when a group fits in the caches
 * (oclnn__norm_fused_fits): one launch, two memory passes instead of three. A group is contiguous
 * (inner 0), or the (A, G, B) group of the statistics plans with B = inner (a multiple of len):
 * count / inner segments of inner floats, groups * inner apart (BatchNorm's channels). Row r
 * takes channel r % channels' weight and bias (either may be NULL); the groups' statistics are
 * stored at stats_off (groups float4s) for a running-statistics update. */
typedef struct oclnn__norm_fused_args {
  const oclnn_tensor *in, *out, *residual, *weight, *bias;
  uint64_t groups, count, len, channels;
  uint64_t inner;
  double eps;
  int relu;
  uint64_t stats_off;
} oclnn__norm_fused_args;
bool oclnn__norm_fused_fits(const oclnn__norm_engine *engine, uint64_t count);
oclnn_status oclnn__norm_fused_enqueue(oclnn__norm_engine *engine, const char *fn, cl_mem scratch,
                                       const oclnn__norm_fused_args *args);

/* Gets the scratch buffer for a layout; fails with OCLNN_ERR_OVERFLOW past size_t. */
oclnn_status oclnn__norm_scratch(oclnn_context *ctx, const char *fn,
                                 const oclnn__norm_layout *layout, cl_mem *out);

/* --- validation shared by the layers --- */

/* A tensor argument of a forward call: its name, the view (NULL when absent) and whether the
 * call writes it. */
typedef struct oclnn__norm_arg {
  const char *name;
  const oclnn_tensor *tensor;
  bool written;
} oclnn__norm_arg;

/* Checks every present view (oclnn__check_tensor) and that no written view overlaps another. */
oclnn_status oclnn__norm_check_args(oclnn_context *ctx, const char *fn, const oclnn__norm_arg *args,
                                    int count);

/* An optional/required tensor of `rank` dims `shape`: refuses NULL when required
 * (OCLNN_ERR_NULL_ARGUMENT, naming `why`), non-NULL when not (OCLNN_ERR_INVALID_VALUE), and a
 * different shape (OCLNN_ERR_INVALID_SHAPE). */
oclnn_status oclnn__norm_check_shape(oclnn_context *ctx, const char *fn, const char *name,
                                     const oclnn_tensor *tensor, bool required, const char *why,
                                     int rank, const int64_t *shape);

/* Input rank/shape basics: every dim >= 0 and the element count fits; stores it in *numel. */
oclnn_status oclnn__norm_check_in_shape(oclnn_context *ctx, const char *fn, int rank,
                                        const int64_t *shape, int64_t *numel);

/* --- forward_save and backward (norm.c, kernels_cl/norm_backward.cl) --- */

/* Creates the backward kernels once per engine; nothing is enqueued. */
oclnn_status oclnn__norm_bw_init(oclnn__norm_engine *engine, const char *fn);

/* Writes the saved statistics of `groups` groups: from the statistics float4s at stats_off
 * (variance M2 * inv_n), or, when stats_off is UINT64_MAX, channel g % channels' running
 * statistics; with `empty` set NaN (torch's statistics of an empty group). save_mean and
 * save_invstd may each be NULL. Needs oclnn__norm_bw_init. */
oclnn_status oclnn__norm_save_enqueue(oclnn__norm_engine *engine, const char *fn, cl_mem scratch,
                                      uint64_t stats_off, bool empty,
                                      const oclnn_tensor *running_mean,
                                      const oclnn_tensor *running_var, uint64_t groups,
                                      uint64_t channels, double inv_n, double eps,
                                      const oclnn_tensor *save_mean,
                                      const oclnn_tensor *save_invstd);

/* One backward over a tensor seen as `rows` rows of `len` floats (kernels_cl/norm_backward.cl
 * describes the passes). Row r is in statistics group (r / div) % groups and channel
 * r % channels; every group has rows * len / groups elements. row_weight (per channel) and
 * col_weight (per position in a row, LayerNorm) may be NULL (weight 1). grad_weight/grad_bias
 * are per channel, or per column with col_grads; any gradient may be NULL. batch_stats: the
 * saved statistics came from the data (full formula), else they were running statistics.
 * col_div > 0 selects the column layout instead (BatchNorm with few elements per (n, c)): the
 * tensor is `rows` = N rows of `len` = C * col_div floats, column j in group and channel
 * j / col_div (groups = channels = C; div is not used).
 * The caller has checked `in` (its rank and shape for the layer); this checks the rest before
 * enqueueing anything: at least one gradient; grad_out (required) and grad_in of in's shape;
 * save_mean and save_invstd (required) of shape (save_groups); the weight (row_weight, or
 * col_weight with col_grads) and the gradients against the configuration (has_weight /
 * has_bias, named by weight_setting / bias_setting in messages) and param_shape; no overlap
 * between a gradient and any other tensor. It also makes the kernels (oclnn__norm_bw_init). */
typedef struct oclnn__norm_bw_args {
  const oclnn_tensor *in, *grad_out, *save_mean, *save_invstd, *row_weight, *col_weight;
  const oclnn_tensor *grad_in, *grad_weight, *grad_bias;
  uint64_t rows, len, div, groups, channels, col_div;
  int col_grads;
  int batch_stats;
  int64_t save_groups;
  bool has_weight, has_bias;
  const char *weight_setting, *bias_setting;
  int param_rank;
  const int64_t *param_shape;
} oclnn__norm_bw_args;
oclnn_status oclnn__norm_backward_enqueue(oclnn__norm_engine *engine, const char *fn,
                                          const oclnn__norm_bw_args *args);

#endif
