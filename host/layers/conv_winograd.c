/* Convolution, Winograd F(4x4, 3x3) (kernels_cl/conv_winograd.cl): 2d, 3x3, stride 1,
 * groups 1, dilation up to MAX_DILATION (dh * dw phases, each tiled as an undilated layer), any
 * padding and padding mode, any input_upsample (in the input transform's reads). Weights
 * transformed and packed once (36 x [blocks][C][CB]). Per call, where the transformed input of 16
 * tiles fits the local memory and the call has enough tiles, one fused kernel keeps V and M in
 * local memory (use_fused); otherwise the input transform, 36 GEMMs and the output transform run
 * through scratch from the context arena, band by band of tile rows so that the transformed
 * input and output (V, M) of a band stay within BAND_BYTES: the scratch stays small (the style
 * model's 240x320 64->32 layer needed 66 MB at once, all of it paged in afresh on a first run) and
 * a band's V is read back by the GEMMs from the caches. One program per channel block. */
#include "layers/conv_internal.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define WINOGRAD_FILE "conv_winograd.cl"
#define XI 36
#define STAGE_MAX (128 * 1024)
#define STAGE_CHUNK (16 * 1024)
#define ITEMS_PER_UNIT 64
/* Dilation is split into dh * dw phases; beyond this the phases are mostly partial tiles, and
 * the transforms' int coordinates (dilation * tile index) stay far from overflow. */
#define MAX_DILATION 64
/* V + M of one band (bytes), at least one tile row of every phase and sample per band; the
 * private OCLNN_WINOGRAD_BAND_BYTES overrides it when the layer is created (tests use it to run
 * many bands on small shapes). */
#define BAND_BYTES ((size_t)8 << 20)
/* The fused kernel's tiles per work-group (two groups of 8 for the transforms, one float16 in
 * the GEMMs) and its local memory budget. */
#define FUSED_TILES 16
#define FUSED_LOCAL_MAX ((size_t)512 * 1024)
#define FUSED_MIN_PAIRS 4

enum { K_WEIGHTS = 0, K_INPUT = 1, K_GEMM = 2, K_OUTPUT = 3, K_FUSED = 4, KERNELS = 5 };

/* Output channels per work-item, fixed by the init. */
static int channel_block(const oclnn_conv *conv) { return conv->tile; }

static int blocks_of(const oclnn_conv *conv) {
  int cb = channel_block(conv);
  return (conv->channels_out + cb - 1) / cb;
}

static void winograd_options(char *buf, size_t size, int cb, int tiles) {
  snprintf(buf, size, "-DCB=%d -DTV=%d", cb, tiles / 16);
}

/* Tiles per GEMM work-item: 16, or 32 (8 channels x 2 tile vectors, as direct's 32-pixel tiles)
 * where OCLNN_WINOGRAD_TILES asks for it (a test and tuning switch, read when a layer is
 * created). Not the default on 16-lane devices: it was within noise of 16 on the benchmark
 * layers and 1.2-1.7x the CPU time on small maps (512->512 on 7x7, 256->256 on 14x14), where
 * fewer, wider work-items leave the panel half empty or the device short of work
 * (docs/conv.md). */
static int gemm_tiles_for(const oclnn_conv *conv) {
  (void)conv;
  return oclnn__conv_env_int("OCLNN_WINOGRAD_TILES", 32) == 32 ? 32 : 16;
}

/* Lines of 16 tiles in the fused kernel's V (channels = in_channels) or M (channels = CB): an odd
 * number per xi, as the kernel's v_lines and M_LINES. */
static size_t fused_lines(int channels) { return (size_t)XI * (size_t)(channels | 1); }
#define FUSED_LINE_BYTES (FUSED_TILES * sizeof(float))

/* Local memory of the fused kernel: V of every input channel and M of one block. */
static size_t fused_local_bytes(int channels, int cb) {
  return (fused_lines(channels) + fused_lines(cb)) * FUSED_LINE_BYTES;
}

enum { FUSED_NEVER = 0, FUSED_AUTO = 1, FUSED_ALWAYS = 2 };

/* Whether a layer runs the fused kernel: where V fits half the device's local memory (at most
 * FUSED_LOCAL_MAX), for calls with enough tiles (use_fused), unless OCLNN_WINOGRAD_FUSED (a test
 * and tuning switch, read when the layer is created) says 0 (never: the banded three-kernel
 * path) or 1 (on every call). */
static int fused_for(const oclnn_conv *conv) {
  const cl_ulong local_mem = conv->ctx->local_mem_size;
  size_t budget = FUSED_LOCAL_MAX;
  if (local_mem / 2 < budget)
    budget = (size_t)(local_mem / 2);
  if (fused_local_bytes(conv->channels_in, OCLNN__CONV_MAX_BLOCK) > budget)
    return FUSED_NEVER;
  const char *env = getenv("OCLNN_WINOGRAD_FUSED");
  if (env && strcmp(env, "0") == 0)
    return FUSED_NEVER;
  if (env && strcmp(env, "1") == 0)
    return FUSED_ALWAYS;
  return FUSED_AUTO;
}

bool oclnn__conv_winograd_fused_fits(const oclnn_conv *conv) {
  return fused_for(conv) != FUSED_NEVER;
}

static bool winograd_supports(const oclnn_conv *conv) {
  return conv->desc.dims == 2 && conv->groups == 1 && conv->kernel[1] == 3 &&
         conv->kernel[2] == 3 && conv->stride[1] == 1 && conv->stride[2] == 1 &&
         conv->dilation[1] <= MAX_DILATION && conv->dilation[2] <= MAX_DILATION;
}

static oclnn_status winograd_init(oclnn_conv *conv, const char *fn) {
  conv->band_bytes = BAND_BYTES;
  const char *env = getenv("OCLNN_WINOGRAD_BAND_BYTES");
  if (env && *env) {
    char *end = NULL;
    unsigned long long bytes = strtoull(env, &end, 10);
    if (end && *end == '\0' && bytes > 0 && bytes <= SIZE_MAX)
      conv->band_bytes = (size_t)bytes;
  }
  conv->winograd_fused = fused_for(conv);
  char options[32];
  conv->tile = oclnn__conv_channel_block(conv, conv->channels_out);
  conv->tile_pixels = gemm_tiles_for(conv);
  /* Two tile vectors hold at most 8 x 2 accumulators (of the 32 vector registers). */
  if (conv->tile_pixels == 32 && conv->tile > 8)
    conv->tile = 8;
  winograd_options(options, sizeof options, channel_block(conv), conv->tile_pixels);
  oclnn_status status =
      oclnn__program_get(conv->ctx, fn, WINOGRAD_FILE, options, &conv->program[0]);
  static const char *const names[KERNELS] = {"conv_winograd_weights", "conv_winograd_input",
                                             "conv_winograd_gemm", "conv_winograd_output",
                                             "conv_winograd_fused"};
  for (int i = 0; i < KERNELS && status == OCLNN_SUCCESS; i++)
    status = oclnn__kernel_create(conv->ctx, fn, conv->program[0], names[i], &conv->kernel_obj[i]);
  return status;
}

static size_t winograd_packed_floats(const oclnn_conv *conv) {
  return (size_t)XI * (size_t)blocks_of(conv) * (size_t)conv->channels_in *
         (size_t)channel_block(conv);
}

static oclnn_status winograd_pack(oclnn_conv *conv, const char *fn, cl_mem src, cl_ulong src_offset,
                                  cl_mem dst, cl_ulong dst_offset) {
  oclnn_context *ctx = conv->ctx;
  cl_int blocks = blocks_of(conv);
  cl_kernel k = conv->kernel_obj[K_WEIGHTS];
  cl_int err = CL_SUCCESS;
  cl_uint arg = 0;
  OCLNN__CONV_ARG(k, arg, err, src);
  OCLNN__CONV_ARG(k, arg, err, src_offset);
  OCLNN__CONV_ARG(k, arg, err, dst);
  OCLNN__CONV_ARG(k, arg, err, dst_offset);
  OCLNN__CONV_ARG(k, arg, err, conv->channels_in);
  OCLNN__CONV_ARG(k, arg, err, conv->channels_out);
  OCLNN__CONV_ARG(k, arg, err, blocks);
  if (err != CL_SUCCESS)
    return oclnn__fail_cl(ctx, fn, "clSetKernelArg (conv_winograd_weights)", err);
  size_t local[2] = {1, 1};
  size_t global[2] = {(size_t)conv->channels_in, (size_t)blocks};
  return oclnn__enqueue(ctx, fn, conv->program[0], k, 2, global, local);
}

/* Per phase: tile rows and tile columns rounded up to 8 (the transforms take 8 tiles per
 * work-item) of the largest phase, ceil(out / dilation) outputs per dim; and the tile count of
 * all phases. */
static void tile_counts(const oclnn_conv *conv, const oclnn__conv_call *call, int *tiles_h,
                        int *tiles_wp, size_t *tiles) {
  const int dh = conv->dilation[1], dw = conv->dilation[2];
  *tiles_h = ((call->out[1] + dh - 1) / dh + 3) / 4;
  *tiles_wp = (((call->out[2] + dw - 1) / dw + 3) / 4 + 7) / 8 * 8;
  *tiles = (size_t)call->batch * (size_t)dh * (size_t)dw * (size_t)*tiles_h * (size_t)*tiles_wp;
}

/* Row pitch of V and M: the tile count rounded up to whole 64-byte lines, an odd number of
 * them, so that consecutive channel rows never sit a power of two apart. */
static size_t pitch_of(size_t tiles) {
  size_t lines = (tiles + 15) / 16;
  return (lines | 1) * 16;
}

/* Tile rows (phase * tiles_h + tile row, of every sample) per band: as many as fit in
 * band_bytes, at least one, spread evenly over the bands. */
static int band_rows_of(const oclnn_conv *conv, const oclnn__conv_call *call) {
  int th, tw;
  size_t tiles;
  tile_counts(conv, call, &th, &tw, &tiles);
  const size_t rows = (size_t)conv->dilation[1] * (size_t)conv->dilation[2] * (size_t)th;
  const size_t row_bytes = (size_t)XI * (size_t)call->batch * (size_t)tw *
                           ((size_t)conv->channels_in + (size_t)conv->channels_out) * sizeof(float);
  size_t fit = row_bytes > 0 ? conv->band_bytes / row_bytes : rows;
  if (fit < 1)
    fit = 1;
  const size_t bands = (rows + fit - 1) / fit;
  return (int)((rows + bands - 1) / bands);
}

/* V and M of a band of `band_rows` rows: [36][channels][pitch] each. */
static size_t band_pitch(const oclnn_conv *conv, const oclnn__conv_call *call, int band_rows) {
  int th, tw;
  size_t tiles;
  tile_counts(conv, call, &th, &tw, &tiles);
  return pitch_of((size_t)call->batch * (size_t)band_rows * (size_t)tw);
}

/* The fused kernel's geometry: tile rows per phase, groups of 8 tile columns per row, and groups
 * of every phase, row and sample. */
typedef struct fused_grid {
  cl_int tiles_h, tiles_w8;
  cl_ulong groups;
} fused_grid;

static fused_grid fused_grid_of(const oclnn_conv *conv, const oclnn__conv_call *call) {
  const int dh = conv->dilation[1], dw = conv->dilation[2];
  fused_grid g;
  g.tiles_h = ((call->out[1] + dh - 1) / dh + 3) / 4;
  g.tiles_w8 = (((call->out[2] + dw - 1) / dw + 3) / 4 + 7) / 8;
  g.groups = (cl_ulong)call->batch * (cl_ulong)dh * (cl_ulong)dw * (cl_ulong)g.tiles_h *
             (cl_ulong)g.tiles_w8;
  return g;
}

/* Whether this call runs the fused kernel. By default only where its work-groups (pairs of 8-tile
 * groups) number at least FUSED_MIN_PAIRS per compute unit: with fewer, the output-channel blocks
 * are split into more parts, each transforming the input again, and the banded path was faster
 * (128->128 on 28x28, 4 pairs: 0.54-0.56 against 0.38 ms; on 14x14: 0.52-0.55 against
 * 0.23-0.30; 64->64 on 56x56, 14 pairs: 0.41-0.43 against 0.49, docs/conv.md). */
static bool use_fused(const oclnn_conv *conv, const oclnn__conv_call *call) {
  if (conv->winograd_fused != FUSED_AUTO)
    return conv->winograd_fused == FUSED_ALWAYS;
  const size_t units = conv->ctx->compute_units ? conv->ctx->compute_units : 1;
  return (fused_grid_of(conv, call).groups + 1) / 2 >= FUSED_MIN_PAIRS * units;
}

static size_t winograd_scratch_floats(const oclnn_conv *conv, const oclnn__conv_call *call) {
  if (use_fused(conv, call))
    return 0;
  return (size_t)XI * band_pitch(conv, call, band_rows_of(conv, call)) *
         ((size_t)conv->channels_in + (size_t)conv->channels_out);
}

/* The input transform, 36 GEMMs and the output transform of tile rows row0 .. row0 + rows - 1
 * (of every sample), through V and M of `pitch` per row laid out for band_rows rows. */
static oclnn_status winograd_band(oclnn_conv *conv, const char *fn, const oclnn__conv_call *call,
                                  cl_int row0, cl_int rows, cl_int band_rows, cl_ulong pitch) {
  oclnn_context *ctx = conv->ctx;
  int th, tw;
  size_t tiles_all;
  tile_counts(conv, call, &th, &tw, &tiles_all);
  const cl_int dh = conv->dilation[1], dw = conv->dilation[2];
  /* Up to the last sample's last row: a short last band leaves rows rows .. band_rows - 1 of
   * the other samples in between, computed but never read by the output transform. */
  const cl_ulong tiles =
      ((cl_ulong)(call->batch - 1) * (cl_ulong)band_rows + (cl_ulong)rows) * (cl_ulong)tw;
  const cl_ulong v_offset = call->scratch_offset;
  const cl_ulong m_offset = v_offset + (cl_ulong)XI * pitch * (cl_ulong)conv->channels_in;
  const cl_int mode = (cl_int)conv->desc.padding_mode;
  cl_int err = CL_SUCCESS;
  cl_uint arg = 0;

  /* 1. Input transform. */
  cl_kernel k = conv->kernel_obj[K_INPUT];
  OCLNN__CONV_ARG(k, arg, err, call->input);
  OCLNN__CONV_ARG(k, arg, err, call->input_offset);
  OCLNN__CONV_ARG(k, arg, err, call->scratch);
  OCLNN__CONV_ARG(k, arg, err, v_offset);
  OCLNN__CONV_ARG(k, arg, err, conv->channels_in);
  OCLNN__CONV_ARG(k, arg, err, call->in[1]);
  OCLNN__CONV_ARG(k, arg, err, call->in[2]);
  OCLNN__CONV_ARG(k, arg, err, th);
  OCLNN__CONV_ARG(k, arg, err, tw);
  OCLNN__CONV_ARG(k, arg, err, pitch);
  OCLNN__CONV_ARG(k, arg, err, conv->pad_before[1]);
  OCLNN__CONV_ARG(k, arg, err, conv->pad_before[2]);
  OCLNN__CONV_ARG(k, arg, err, conv->pad_after[1]);
  OCLNN__CONV_ARG(k, arg, err, conv->pad_after[2]);
  OCLNN__CONV_ARG(k, arg, err, mode);
  OCLNN__CONV_ARG(k, arg, err, dh);
  OCLNN__CONV_ARG(k, arg, err, dw);
  OCLNN__CONV_ARG(k, arg, err, conv->upsample[1]);
  OCLNN__CONV_ARG(k, arg, err, conv->upsample[2]);
  OCLNN__CONV_ARG(k, arg, err, row0);
  OCLNN__CONV_ARG(k, arg, err, band_rows);
  if (err != CL_SUCCESS)
    return oclnn__fail_cl(ctx, fn, "clSetKernelArg (conv_winograd_input)", err);
  size_t local[3] = {1, 1, 1};
  size_t global[3] = {(size_t)tw / 8, (size_t)rows,
                      (size_t)call->batch * (size_t)conv->channels_in};
  oclnn_status status = oclnn__enqueue(ctx, fn, conv->program[0], k, 3, global, local);
  if (status != OCLNN_SUCCESS)
    return status;

  /* 2. 36 GEMMs over the band's tiles. */
  const cl_ulong local_mem = ctx->local_mem_size;
  const cl_uint units = ctx->compute_units;
  size_t budget = STAGE_MAX;
  if (local_mem && local_mem / 2 < budget)
    budget = (size_t)local_mem / 2;
  if (budget < STAGE_CHUNK)
    budget = STAGE_CHUNK;
  const size_t one = (size_t)conv->tile_pixels * sizeof(float);
  cl_int chunk =
      (size_t)conv->channels_in * one <= budget ? conv->channels_in : (cl_int)(STAGE_CHUNK / one);
  const cl_int blocks = blocks_of(conv);
  const size_t groups16 =
      (size_t)((tiles + (cl_ulong)conv->tile_pixels - 1) / (cl_ulong)conv->tile_pixels);
  const cl_int per_run =
      oclnn__conv_blocks_per_run(blocks, groups16 * XI, ITEMS_PER_UNIT * (units ? units : 1));
  const size_t runs = (size_t)((blocks + per_run - 1) / per_run);
  k = conv->kernel_obj[K_GEMM];
  arg = 0;
  OCLNN__CONV_ARG(k, arg, err, call->weight);
  OCLNN__CONV_ARG(k, arg, err, call->weight_offset);
  OCLNN__CONV_ARG(k, arg, err, call->scratch);
  OCLNN__CONV_ARG(k, arg, err, v_offset);
  OCLNN__CONV_ARG(k, arg, err, call->scratch);
  OCLNN__CONV_ARG(k, arg, err, m_offset);
  OCLNN__CONV_ARG(k, arg, err, conv->channels_in);
  OCLNN__CONV_ARG(k, arg, err, conv->channels_out);
  OCLNN__CONV_ARG(k, arg, err, blocks);
  OCLNN__CONV_ARG(k, arg, err, per_run);
  OCLNN__CONV_ARG(k, arg, err, tiles);
  OCLNN__CONV_ARG(k, arg, err, pitch);
  OCLNN__CONV_ARG(k, arg, err, chunk);
  if (err == CL_SUCCESS)
    err = clSetKernelArg(k, arg++, (size_t)chunk * one, NULL);
  if (err != CL_SUCCESS)
    return oclnn__fail_cl(ctx, fn, "clSetKernelArg (conv_winograd_gemm)", err);
  size_t gemm_local[2] = {1, 1};
  size_t gemm_global[2] = {groups16, XI * runs};
  status = oclnn__enqueue(ctx, fn, conv->program[0], k, 2, gemm_global, gemm_local);
  if (status != OCLNN_SUCCESS)
    return status;

  /* 3. Output transform. */
  k = conv->kernel_obj[K_OUTPUT];
  arg = 0;
  OCLNN__CONV_ARG(k, arg, err, call->scratch);
  OCLNN__CONV_ARG(k, arg, err, m_offset);
  OCLNN__CONV_ARG(k, arg, err, call->bias);
  OCLNN__CONV_ARG(k, arg, err, call->bias_offset);
  OCLNN__CONV_ARG(k, arg, err, call->has_bias);
  OCLNN__CONV_ARG(k, arg, err, call->output);
  OCLNN__CONV_ARG(k, arg, err, call->output_offset);
  OCLNN__CONV_ARG(k, arg, err, conv->channels_out);
  OCLNN__CONV_ARG(k, arg, err, call->out[1]);
  OCLNN__CONV_ARG(k, arg, err, call->out[2]);
  OCLNN__CONV_ARG(k, arg, err, th);
  OCLNN__CONV_ARG(k, arg, err, tw);
  OCLNN__CONV_ARG(k, arg, err, pitch);
  OCLNN__CONV_ARG(k, arg, err, dh);
  OCLNN__CONV_ARG(k, arg, err, dw);
  OCLNN__CONV_ARG(k, arg, err, row0);
  OCLNN__CONV_ARG(k, arg, err, band_rows);
  if (err != CL_SUCCESS)
    return oclnn__fail_cl(ctx, fn, "clSetKernelArg (conv_winograd_output)", err);
  size_t out_global[3] = {(size_t)tw / 8, (size_t)rows,
                          (size_t)call->batch * (size_t)conv->channels_out};
  return oclnn__enqueue(ctx, fn, conv->program[0], k, 3, out_global, local);
}

/* The whole layer in one launch of conv_winograd_fused: a work-group per two groups of 8 tiles
 * (in order along tile rows, phases and samples) and part of the output-channel blocks, the
 * blocks split in parts until there are ITEMS_PER_UNIT / 8 work-groups per compute unit (each
 * part transforms the input again: at most 2 parts where use_fused takes the call by default). */
static oclnn_status winograd_fused_run(oclnn_conv *conv, const char *fn,
                                       const oclnn__conv_call *call) {
  oclnn_context *ctx = conv->ctx;
  const cl_int dh = conv->dilation[1], dw = conv->dilation[2];
  const fused_grid grid = fused_grid_of(conv, call);
  const size_t pairs = (size_t)((grid.groups + 1) / 2);
  const cl_int blocks = blocks_of(conv);
  const size_t units = ctx->compute_units ? ctx->compute_units : 1;
  const cl_int per_part =
      oclnn__conv_blocks_per_run(blocks, pairs, (size_t)ITEMS_PER_UNIT / 8 * units);
  const size_t parts = (size_t)((blocks + per_part - 1) / per_part);
  const cl_int mode = (cl_int)conv->desc.padding_mode;
  cl_kernel k = conv->kernel_obj[K_FUSED];
  cl_int err = CL_SUCCESS;
  cl_uint arg = 0;
  err = oclnn__conv_set_call_args(k, &arg, call);
  OCLNN__CONV_ARG(k, arg, err, conv->channels_in);
  OCLNN__CONV_ARG(k, arg, err, conv->channels_out);
  OCLNN__CONV_ARG(k, arg, err, blocks);
  OCLNN__CONV_ARG(k, arg, err, per_part);
  OCLNN__CONV_ARG(k, arg, err, call->in[1]);
  OCLNN__CONV_ARG(k, arg, err, call->in[2]);
  OCLNN__CONV_ARG(k, arg, err, call->out[1]);
  OCLNN__CONV_ARG(k, arg, err, call->out[2]);
  OCLNN__CONV_ARG(k, arg, err, grid.tiles_h);
  OCLNN__CONV_ARG(k, arg, err, grid.tiles_w8);
  OCLNN__CONV_ARG(k, arg, err, grid.groups);
  OCLNN__CONV_ARG(k, arg, err, conv->pad_before[1]);
  OCLNN__CONV_ARG(k, arg, err, conv->pad_before[2]);
  OCLNN__CONV_ARG(k, arg, err, conv->pad_after[1]);
  OCLNN__CONV_ARG(k, arg, err, conv->pad_after[2]);
  OCLNN__CONV_ARG(k, arg, err, mode);
  OCLNN__CONV_ARG(k, arg, err, dh);
  OCLNN__CONV_ARG(k, arg, err, dw);
  OCLNN__CONV_ARG(k, arg, err, conv->upsample[1]);
  OCLNN__CONV_ARG(k, arg, err, conv->upsample[2]);
  if (err == CL_SUCCESS)
    err = clSetKernelArg(k, arg++, fused_lines(conv->channels_in) * FUSED_LINE_BYTES, NULL);
  if (err == CL_SUCCESS)
    err = clSetKernelArg(k, arg++, fused_lines(channel_block(conv)) * FUSED_LINE_BYTES, NULL);
  if (err != CL_SUCCESS)
    return oclnn__fail_cl(ctx, fn, "clSetKernelArg (conv_winograd_fused)", err);
  size_t local[2] = {1, 1};
  size_t global[2] = {pairs, parts};
  return oclnn__enqueue(ctx, fn, conv->program[0], k, 2, global, local);
}

static oclnn_status winograd_run(oclnn_conv *conv, const char *fn, const oclnn__conv_call *call) {
  if (use_fused(conv, call))
    return winograd_fused_run(conv, fn, call);
  int th, tw;
  size_t tiles;
  tile_counts(conv, call, &th, &tw, &tiles);
  const cl_int rows = conv->dilation[1] * conv->dilation[2] * th;
  const cl_int band_rows = band_rows_of(conv, call);
  const cl_ulong pitch = band_pitch(conv, call, band_rows);
  oclnn_status status = OCLNN_SUCCESS;
  for (cl_int row0 = 0; row0 < rows && status == OCLNN_SUCCESS; row0 += band_rows) {
    const cl_int count = rows - row0 < band_rows ? rows - row0 : band_rows;
    status = winograd_band(conv, fn, call, row0, count, band_rows, pitch);
  }
  return status;
}

void oclnn__conv_winograd_variants(oclnn__variant_fn each, void *user) {
  static const int blocks[] = {1, 2, 4, 6, 8, 16};
  for (size_t b = 0; b < sizeof blocks / sizeof blocks[0]; b++) {
    char options[32];
    winograd_options(options, sizeof options, blocks[b], 16);
    each(user, WINOGRAD_FILE, options);
  }
}

const oclnn__conv_ops oclnn__conv_winograd_ops = {
    .algo = OCLNN_CONV_ALGO_WINOGRAD,
    .supports = winograd_supports,
    .init = winograd_init,
    .packed_floats = winograd_packed_floats,
    .pack = winograd_pack,
    .scratch_floats = winograd_scratch_floats,
    .run = winograd_run,
};
