/* The ONNX loader's first half, without OpenCL: bytes -> checked, constant-folded host graph.
 * model.c adds the device half (weights, layers, plans). The libFuzzer target calls
 * oclnn__model_graph_parse and oclnn__model_graph_free directly (link liboclnn.a: hidden
 * visibility only hides symbols from the shared library's dynamic table).
 *
 * Nothing here is exported; names follow the library's oclnn__ convention. */
#ifndef OCLNN_MODEL_INTERNAL_H
#define OCLNN_MODEL_INTERNAL_H

#include "core/internal.h"
#include "oclnn.h"

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* Constants folded on the host may have more dims than device tensors. */
#define OCLNN__GRAPH_MAX_RANK 8

/* ONNX TensorProto.DataType values the loader keeps. Constants of other types are refused
 * (OCLNN_ERR_UNSUPPORTED) once something reads them. */
enum {
  OCLNN__ONNX_FLOAT = 1,
  OCLNN__ONNX_INT32 = 6,
  OCLNN__ONNX_INT64 = 7,
  OCLNN__ONNX_BOOL = 9,
  OCLNN__ONNX_DOUBLE = 11
};

/* A tensor known on the host: an initializer, a Constant, or a folded node output. Data is
 * float for FLOAT, double for DOUBLE, int32_t for INT32, int64_t for INT64, uint8_t for BOOL;
 * numel elements (a rank-0 tensor has numel 1). data may be NULL when numel is 0. */
typedef struct oclnn__const {
  int type;
  int rank;
  int64_t dims[OCLNN__GRAPH_MAX_RANK];
  int64_t numel;
  void *data;
} oclnn__const;

/* ONNX AttributeProto types the loader keeps (others are refused if an op reads them). */
enum {
  OCLNN__ATTR_FLOAT = 1,
  OCLNN__ATTR_INT = 2,
  OCLNN__ATTR_STRING = 3,
  OCLNN__ATTR_TENSOR = 4,
  OCLNN__ATTR_FLOATS = 6,
  OCLNN__ATTR_INTS = 7
};

typedef struct oclnn__attr {
  char *name;
  int type;
  float f;
  int64_t i;
  char *s;   /* NUL-terminated copy; STRING */
  int64_t n; /* entries of ints / floats */
  int64_t *ints;
  float *floats;
  oclnn__const *t; /* TENSOR */
} oclnn__attr;

typedef enum oclnn__value_kind {
  OCLNN__VALUE_INPUT = 0,       /* a graph input the caller passes to run */
  OCLNN__VALUE_INITIALIZER = 1, /* an initializer (not also a graph input): constant */
  OCLNN__VALUE_NODE = 2         /* a node output */
} oclnn__value_kind;

typedef struct oclnn__value {
  char *name;
  oclnn__value_kind kind;
  int producer;      /* node index for OCLNN__VALUE_NODE, else -1 */
  oclnn__const *cst; /* known at load time (initializer or folded), else NULL */
  bool dynamic;      /* depends on input data (not only on input shapes): lives on the device */
  /* Graph inputs and outputs: declared element type and shape (-1: free dim). declared_rank
   * -1 when the graph gives no shape. */
  int elem_type;
  int declared_rank;
  int64_t declared_dims[OCLNN__GRAPH_MAX_RANK];
} oclnn__value;

typedef struct oclnn__node {
  char *name; /* the node's name, else "<op>_<index>" so messages can always name it */
  char *op;
  int n_inputs; /* value indices; -1 for an omitted optional input ("") */
  int *inputs;
  int n_outputs;
  int *outputs;
  int n_attrs;
  oclnn__attr *attrs;
  bool folded; /* evaluated on the host at load time: nothing left to run */
  /* Part of torch's GroupNorm export (Reshape -> InstanceNormalization with unit scale and zero
   * bias -> Reshape -> Mul -> Add), run as one GroupNorm: index of the InstanceNormalization
   * node heading it, else -1. */
  int group_norm_head;
} oclnn__node;

typedef struct oclnn__graph {
  int64_t ir_version;
  int64_t opset; /* of the default domain */
  int n_values;
  oclnn__value *values;
  int n_nodes;
  oclnn__node *nodes; /* in a topological order (sorted by the loader) */
  int n_inputs;       /* graph inputs that are not initializers */
  int *inputs;        /* value indices */
  int n_outputs;
  int *outputs;
} oclnn__graph;

/* Parses an ONNX ModelProto from data[0..size), checks it and folds every node whose inputs are
 * known on the host (Constant, Shape of a statically shaped value, Gather, Reshape, ...). On
 * success *out owns the graph (free with oclnn__model_graph_free). On failure *out is NULL and
 * err (errlen bytes, may be NULL/0) holds a message naming the node and op where one is to
 * blame. Statuses: OCLNN_ERR_NULL_ARGUMENT, OCLNN_ERR_INVALID_VALUE, OCLNN_ERR_INVALID_SHAPE,
 * OCLNN_ERR_OVERFLOW, OCLNN_ERR_UNSUPPORTED, OCLNN_ERR_OUT_OF_MEMORY. Never touches OpenCL. */
oclnn_status oclnn__model_graph_parse(const void *data, size_t size, oclnn__graph **out, char *err,
                                      size_t errlen);
void oclnn__model_graph_free(oclnn__graph *graph);

/* ---- shared by the loader and the planner ------------------------------------------------ */

/* Error text buffer: messages are formatted into it and copied to the context by model.c. */
typedef struct oclnn__errbuf {
  char *buf;
  size_t len;
} oclnn__errbuf;

oclnn_status oclnn__model_fail(oclnn__errbuf *err, oclnn_status status, const char *format, ...)
    __attribute__((format(printf, 3, 4)));

const oclnn__attr *oclnn__node_attr(const oclnn__node *node, const char *name);

/* Attribute getters: the default when absent; OCLNN_ERR_INVALID_VALUE when of another type. */
oclnn_status oclnn__attr_int(const oclnn__node *node, const char *name, int64_t def, int64_t *out,
                             oclnn__errbuf *err);
oclnn_status oclnn__attr_float(const oclnn__node *node, const char *name, float def, float *out,
                               oclnn__errbuf *err);
/* *out is the attribute's string, or def when absent. */
oclnn_status oclnn__attr_string(const oclnn__node *node, const char *name, const char *def,
                                const char **out, oclnn__errbuf *err);
/* *n = -1 when absent. */
oclnn_status oclnn__attr_ints(const oclnn__node *node, const char *name, int64_t *n,
                              const int64_t **ints, oclnn__errbuf *err);

oclnn__const *oclnn__const_new(int type, int rank, const int64_t *dims, oclnn__errbuf *err,
                               oclnn_status *status);
void oclnn__const_free(oclnn__const *c);
size_t oclnn__const_elem_size(int type);
/* Element i as int64 / double (any numeric type). */
int64_t oclnn__const_get_i64(const oclnn__const *c, int64_t i);
double oclnn__const_get_f64(const oclnn__const *c, int64_t i);

/* True when the op is one the host can evaluate on known inputs (the folding list). */
bool oclnn__fold_op_supported(const char *op);

/* Evaluates a foldable node on the host. in[k] is the k-th input (NULL for omitted ones); for
 * Shape, shape_rank/shape_dims give the input's shape instead (in[0] may be NULL). On success
 * out[k] (n_outputs entries) are new constants the caller owns. */
oclnn_status oclnn__fold_node(const oclnn__node *node, int64_t opset, oclnn__const *const *in,
                              int shape_rank, const int64_t *shape_dims, oclnn__const **out,
                              oclnn__errbuf *err);

/* The output shape of Identity, Reshape, Flatten, Squeeze or Unsqueeze for an input of shape
 * (rank, dims) (in[k]: the node's known inputs, e.g. Reshape's shape). Shared by folding and the
 * device's alias steps, which only relabel a buffer. */
oclnn_status oclnn__reshape_like(const oclnn__node *node, int64_t opset, oclnn__const *const *in,
                                 int rank, const int64_t *dims, int *out_rank, int64_t *out_dims,
                                 oclnn__errbuf *err);

/* Matches torch's GroupNorm export starting at InstanceNormalization node `in_node`: on success
 * fills nodes[0..3] = the first Reshape, the Reshape back, Mul and Add, and *groups. */
bool oclnn__match_group_norm(const oclnn__graph *graph, int in_node, int nodes[4], int64_t *groups);

/* Slice's box for data of shape (r, data_dims): per dim the first index, the step and the
 * length (in: the node's inputs, in[0] unused). Shared by folding and the device's box copies. */
oclnn_status oclnn__slice_box(const oclnn__node *node, int64_t opset, oclnn__const *const *in,
                              int r, const int64_t *data_dims, int64_t *lo, int64_t *step,
                              int64_t *dims, oclnn__errbuf *err);

/* True when the op runs on the device (possibly fused), and the load-time check of its
 * attributes: OCLNN_ERR_UNSUPPORTED for values oclnn does not run. */
bool oclnn__device_op_supported(const char *op);
oclnn_status oclnn__device_node_check(const oclnn__graph *graph, const oclnn__node *node,
                                      oclnn__errbuf *err);

#endif
