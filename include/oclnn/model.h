/*
 * oclnn model runner: ONNX graphs exported from PyTorch (torch.onnx.export), run on oclnn layers.
 * Included by oclnn.h; the conventions at the top of oclnn.h hold here too.
 *
 * Ops on tensor data: Conv (1d-3d, every attribute; asymmetric or SAME_* padding becomes a Pad
 * step), Pad (constant, reflect, edge, wrap), BatchNormalization (inference),
 * InstanceNormalization, LayerNormalization, GroupNormalization (per-channel scale) and torch's
 * GroupNorm export (Reshape, InstanceNormalization, Reshape, Mul, Add), LRN (odd size), Relu, Add
 * (numpy broadcasting), Resize/Upsample (nearest, asymmetric, floor), Slice (step 1), Concat, and
 * Identity/Reshape/Flatten/Squeeze/Unsqueeze (relabel a buffer). Ops on constants and shapes are
 * folded on the host: Constant, ConstantOfShape, Shape, Size, Gather, Unsqueeze, Squeeze, Concat,
 * Reshape, Flatten, Slice, Transpose, Cast, Identity, Add, Sub, Mul, Div. Opsets 9..19 of the
 * default domain; ir_version 3..9; weights inside the file (no external data).
 * Fusions: Pad (symmetric, N and C unpadded, constant 0 or reflect/edge/wrap) into the Conv that
 * reads it; a Resize/Upsample by whole factors of the spatial dims, read only by a 3x3 stride-1
 * Conv (directly with symmetric pads, or through such a Pad) that runs Winograd, into that
 * Conv's input reads (the upsampled tensor is never stored); a normalization followed by Add (a
 * same-shape operand ready before it) and/or Relu into one apply pass; Add followed by Relu.
 *
 * Loading parses the protobuf, checks the graph (types, shapes, references, cycles), folds the
 * shape subgraphs torch exports around ops (Constant, Shape, Gather, Concat, Reshape, Slice, ...
 * on constant inputs) into constants on the host, refuses any op or attribute oclnn cannot run
 * (OCLNN_ERR_UNSUPPORTED, the message names the node and the op), and uploads the weights. The
 * first run for a set of input shapes plans the graph for them (every intermediate shape, the
 * layers, fusions and buffers, intermediates sharing memory) and later runs with the same shapes
 * reuse the plan; new shapes plan again.
 *
 * Tensors crossing the API are fp32 (the only element type oclnn runs); a model whose graph
 * inputs or outputs have another element type is refused at load time.
 */
#ifndef OCLNN_MODEL_H
#define OCLNN_MODEL_H

#include "oclnn.h"

#ifdef __cplusplus
extern "C" {
#endif

typedef struct oclnn_model oclnn_model;

/* Loads an ONNX model from a file (path) or from memory (data, size bytes; oclnn copies what it
 * keeps, the caller keeps ownership of data). On success *out owns the model, its weights on
 * the device and its layers; free it with oclnn_model_free before the context. On failure *out
 * is NULL and the context's message names the problem (the node and op for graph errors).
 * Errors: OCLNN_ERR_NULL_ARGUMENT, OCLNN_ERR_IO (file unreadable), OCLNN_ERR_INVALID_VALUE
 * (not a valid ONNX protobuf, or a graph that breaks ONNX rules: dangling or duplicate names,
 * cycles, missing initializers, bad attribute types or values, wrong tensor sizes),
 * OCLNN_ERR_INVALID_SHAPE (shapes that do not fit an op), OCLNN_ERR_OVERFLOW (dims too large),
 * OCLNN_ERR_UNSUPPORTED (an op, attribute value, opset or element type oclnn does not run),
 * OCLNN_ERR_OUT_OF_MEMORY, OCLNN_ERR_BUILD, OCLNN_ERR_OPENCL. */
OCLNN_API oclnn_status oclnn_model_load_file(oclnn_context *ctx, const char *path,
                                             oclnn_model **out);
OCLNN_API oclnn_status oclnn_model_load_buffer(oclnn_context *ctx, const void *data, size_t size,
                                               oclnn_model **out);

/* Frees the model, its layers and device buffers. NULL is a no-op. Commands already enqueued
 * keep working (OpenCL keeps the buffers alive until they finish). */
OCLNN_API void oclnn_model_free(oclnn_model *model);

/* Number of graph inputs (initializers excluded) and outputs; -1 for a NULL model. */
OCLNN_API int oclnn_model_input_count(const oclnn_model *model);
OCLNN_API int oclnn_model_output_count(const oclnn_model *model);

/* The name, rank and declared shape of input or output `index`. A dim the graph leaves free
 * (dim_param, or unknown) is -1. *name is owned by the model. Any of name, rank, shape may be
 * NULL; shape holds OCLNN_MAX_RANK entries. Errors: OCLNN_ERR_NULL_ARGUMENT (model),
 * OCLNN_ERR_INVALID_VALUE (index out of range). */
OCLNN_API oclnn_status oclnn_model_input_info(const oclnn_model *model, int index,
                                              const char **name, int *rank, int64_t *shape);
OCLNN_API oclnn_status oclnn_model_output_info(const oclnn_model *model, int index,
                                               const char **name, int *rank, int64_t *shape);

/* The shape output `output_index` has when the inputs have the shapes of inputs[0..n_inputs-1]
 * (only rank and shape are read; buffers may be NULL). Plans the graph for these shapes (kept
 * for the next run). Errors: OCLNN_ERR_NULL_ARGUMENT, OCLNN_ERR_INVALID_VALUE (n_inputs or
 * output_index), OCLNN_ERR_INVALID_SHAPE (an input shape the graph does not allow, with the node
 * that refuses it), OCLNN_ERR_OVERFLOW, and those of layer creation. */
OCLNN_API oclnn_status oclnn_model_output_shape(oclnn_model *model, const oclnn_tensor *inputs,
                                                int n_inputs, int output_index, int *rank,
                                                int64_t *shape);

/* Enqueues the whole graph: outputs[i] = output i for inputs[0..n_inputs-1], in graph order
 * (n_inputs == oclnn_model_input_count, n_outputs == oclnn_model_output_count). Does not wait.
 * Outputs must have exactly the planned shapes and must not overlap the inputs or each other;
 * the inputs are only read. Intermediates live in buffers the model owns and reuses. Nothing is
 * written on error. Errors: those of oclnn_model_output_shape, OCLNN_ERR_INVALID_SHAPE (output
 * shape), OCLNN_ERR_INVALID_BUFFER, OCLNN_ERR_OUT_OF_BOUNDS, OCLNN_ERR_ALIASING,
 * OCLNN_ERR_OUT_OF_MEMORY, OCLNN_ERR_OPENCL. */
OCLNN_API oclnn_status oclnn_model_run(oclnn_model *model, const oclnn_tensor *inputs, int n_inputs,
                                       const oclnn_tensor *outputs, int n_outputs);

/* Per-step timing of the planned graph, for breakdowns (oclnn-run --benchmark). A step is one
 * launched operation after fusion (e.g. "Pad+Conv[winograd]": convolutions name their
 * algorithm; "InstanceNormalization+Add+Relu"). With profiling on, each run enqueues an OpenCL
 * marker after every step (and one before the first); after oclnn_context_finish a step's time
 * is the distance between the markers around it, in milliseconds. oclnn_model_step_count is the
 * number of steps of the current plan (0 before the first plan, -1 for a NULL model).
 * oclnn_model_step_profile returns step `index`'s name (its first ONNX node's name) and op
 * description at any time after a plan (ms may be NULL), and its time when ms is not NULL. Both
 * strings are owned by the model and valid until the next plan. Errors: OCLNN_ERR_NULL_ARGUMENT,
 * OCLNN_ERR_INVALID_VALUE (index), OCLNN_ERR_UNSUPPORTED (ms asked for with profiling off or
 * before a profiled run), OCLNN_ERR_OPENCL. */
OCLNN_API oclnn_status oclnn_model_set_profiling(oclnn_model *model, int enable);
OCLNN_API int oclnn_model_step_count(const oclnn_model *model);
OCLNN_API oclnn_status oclnn_model_step_profile(oclnn_model *model, int index, const char **name,
                                                const char **op, double *ms);

#ifdef __cplusplus
}
#endif
#endif /* OCLNN_MODEL_H */
