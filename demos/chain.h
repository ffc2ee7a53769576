/* A chain of oclnn layers over device buffers ("slots"): what every effect is. An effect
 * describes its steps on the host (layer descriptors, weights in PyTorch layout, the tensor views
 * each step reads and writes); demo_chain_realize creates the layers and buffers once, and
 * demo_chain_enqueue runs them for a frame without waiting. The same description is what the
 * tests feed to the double-precision references, so both run exactly one chain.
 *
 * Slot 0 is the frame the pipeline uploads, (1, 3, H, W); the chain never writes it. Views let a
 * step see a slot under another shape (LocalResponseNorm across rows or columns) or a part of it
 * (the first or last channels), without copies.
 *
 * A DEMO_STEP_MODEL step runs a whole ONNX model (oclnn_model) from its `in` view (1, 3, H, W)
 * to its `out` view (1, 3, H, W). A model whose output has another size (a style network on
 * sides that are not multiples of 4) writes into a tensor of its own, which an oclnn_pad layer
 * (constant 0; negative pads crop) fits to the frame, anchored at the top left. */
#ifndef OCLNN_DEMO_CHAIN_H
#define OCLNN_DEMO_CHAIN_H

#include "demo_util.h"

#include <oclnn.h>

#define DEMO_CHAIN_MAX_STEPS 8
#define DEMO_CHAIN_MAX_SLOTS 8

typedef enum demo_step_kind {
  DEMO_STEP_CONV = 0,          /* oclnn_conv_forward with prepared weights */
  DEMO_STEP_PAD = 1,           /* oclnn_pad_forward */
  DEMO_STEP_INSTANCE_NORM = 2, /* oclnn_instance_norm_forward, instance statistics */
  DEMO_STEP_LRN = 3,           /* oclnn_lrn_forward */
  DEMO_STEP_MODEL = 4          /* oclnn_model_run (+ oclnn_pad_forward to fit the frame) */
} demo_step_kind;

/* `slot`'s buffer seen as a tensor of `rank` dims at element `offset`. */
typedef struct demo_view {
  int slot;
  size_t offset;
  int rank;
  int64_t shape[OCLNN_MAX_RANK];
} demo_view;

typedef struct demo_step {
  demo_step_kind kind;
  char label[40]; /* short, shown on screen with the step's time, e.g. "conv 1x13 dw" */
  demo_view in, out;
  int has_residual; /* instance norm: out = norm(in) * weight + bias + residual */
  demo_view residual;

  oclnn_conv_desc conv;           /* DEMO_STEP_CONV */
  float *weight, *bias;           /* (out, in/groups, kh, kw) and (out) or NULL; owned */
  oclnn_pad_desc pad;             /* DEMO_STEP_PAD */
  oclnn_instance_norm_desc norm;  /* DEMO_STEP_INSTANCE_NORM */
  float *norm_weight, *norm_bias; /* (C) when norm.affine; owned */
  oclnn_lrn_desc lrn;             /* DEMO_STEP_LRN */
  char *model_path;               /* DEMO_STEP_MODEL: the .onnx file; owned */

  /* Made by demo_chain_realize. */
  oclnn_conv *conv_layer;
  oclnn_pad *pad_layer;
  oclnn_instance_norm *norm_layer;
  oclnn_lrn *lrn_layer;
  oclnn_model *model;     /* DEMO_STEP_MODEL */
  oclnn_pad *model_fit;   /* when the model's output is not the frame's size */
  oclnn_tensor model_out; /* the model's output then */
  oclnn_tensor dev_weight, dev_bias;
  char algo[16]; /* convolutions: the algorithm oclnn chose ("direct", "depthwise"...) */
} demo_step;

/* "label" or "label/algorithm" (for convolutions), for tables and the status bar. */
const char *demo_step_name(const demo_step *step, char *buf, size_t size);

typedef struct demo_chain {
  int width, height; /* of the input frame */
  int slot_count;
  size_t slot_floats[DEMO_CHAIN_MAX_SLOTS];
  demo_view output; /* the result: (1, 3, H', W') */
  int step_count;
  demo_step steps[DEMO_CHAIN_MAX_STEPS];
  oclnn_tensor slots[DEMO_CHAIN_MAX_SLOTS]; /* [0] views the frame; the others are owned */
} demo_chain;

/* An empty chain for w x h frames: slot 0 is the frame, the output is the frame itself. */
void demo_chain_init(demo_chain *chain, int w, int h);

/* Adds a device buffer of `floats` elements; returns its slot index, or -1 when full. */
int demo_chain_add_slot(demo_chain *chain, size_t floats);

/* Adds a step (zeroed apart from kind and label); NULL when full. */
demo_step *demo_chain_add_step(demo_chain *chain, demo_step_kind kind, const char *label);

/* A view of `slot` at `offset` with the given shape. */
demo_view demo_view_of(int slot, size_t offset, int rank, const int64_t *shape);

/* A (1, C, H, W) view of `slot` at `offset`. */
demo_view demo_view_nchw(int slot, size_t offset, int64_t c, int64_t h, int64_t w);

/* Element count of a view's shape. */
size_t demo_view_numel(const demo_view *view);

/* Creates the layers (checking every step's output shape against its `out` view, and every view
 * against its slot), allocates the slots and prepares the weights, on ctx; `frame` is slot 0.
 * Synchronises once (weights are uploaded). On failure everything made so far is released. */
int demo_chain_realize(demo_chain *chain, oclnn_context *ctx, const oclnn_tensor *frame,
                       demo_err *err);

/* Enqueues every step on the context's queue; does not wait. When markers is not NULL, a marker
 * event follows each step (markers[i] after step i; the caller releases them), so the steps'
 * times can be read from profiling after the frame's one synchronisation. */
int demo_chain_enqueue(demo_chain *chain, oclnn_context *ctx, cl_event *markers, demo_err *err);

/* Releases the device objects and the host weights. The chain is empty afterwards. */
void demo_chain_release(demo_chain *chain);

#endif
