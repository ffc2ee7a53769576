/* ONNX protobuf -> host graph (model_internal.h): decode with protobuf-c, copy what oclnn uses
 * into its own structures (the protobuf tree is freed before returning), check names, types,
 * sizes and order, then fold what the host can compute. The only file that sees onnx.pb-c.h. */
#include "model/model_internal.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#ifdef OCLNN_HAVE_ONNX
#include "onnx.pb-c.h"
#endif

/* Default-domain opsets a torch 1.13 export can carry (9..17), 18 for GroupNormalization and 19
 * for Pad's wrap mode.
 * The ops oclnn runs read their version-dependent inputs/attributes per opset. */
#define OPSET_MIN 9
#define OPSET_MAX 19
/* ONNX IR versions 3 (opset imports) to 9 (ONNX 1.14). */
#define IR_MIN 3
#define IR_MAX 9
/* A bound on one constant tensor's element count: keeps every byte count far from overflow and
 * a hostile file from asking for absurd host memory through ConstantOfShape and friends. */
#define CONST_MAX_NUMEL ((int64_t)1 << 31)
/* All constants folded at load time together: a file of many modest ConstantOfShape nodes
 * must not add up to gigabytes either. */
#define FOLD_MAX_BYTES ((uint64_t)256 << 20)

oclnn_status oclnn__model_fail(oclnn__errbuf *err, oclnn_status status, const char *format, ...) {
  if (err != NULL && err->buf != NULL && err->len > 0) {
    va_list args;
    va_start(args, format);
    vsnprintf(err->buf, err->len, format, args);
    va_end(args);
  }
  return status;
}

/* ---- constants ---------------------------------------------------------------------------- */

size_t oclnn__const_elem_size(int type) {
  switch (type) {
  case OCLNN__ONNX_FLOAT:
  case OCLNN__ONNX_INT32:
    return 4;
  case OCLNN__ONNX_INT64:
  case OCLNN__ONNX_DOUBLE:
    return 8;
  case OCLNN__ONNX_BOOL:
    return 1;
  default:
    return 0;
  }
}

oclnn__const *oclnn__const_new(int type, int rank, const int64_t *dims, oclnn__errbuf *err,
                               oclnn_status *status) {
  size_t esize = oclnn__const_elem_size(type);
  if (esize == 0) {
    *status = oclnn__model_fail(err, OCLNN_ERR_UNSUPPORTED, "element type %d", type);
    return NULL;
  }
  if (rank < 0 || rank > OCLNN__GRAPH_MAX_RANK) {
    *status = oclnn__model_fail(err, OCLNN_ERR_UNSUPPORTED, "rank %d (at most %d)", rank,
                                OCLNN__GRAPH_MAX_RANK);
    return NULL;
  }
  int64_t numel = 1;
  for (int d = 0; d < rank; d++) {
    if (dims[d] < 0) {
      *status =
          oclnn__model_fail(err, OCLNN_ERR_INVALID_SHAPE, "dim %d is %lld", d, (long long)dims[d]);
      return NULL;
    }
    if (!oclnn__mul_i64(numel, dims[d], &numel) || numel > CONST_MAX_NUMEL) {
      *status = oclnn__model_fail(err, OCLNN_ERR_OVERFLOW,
                                  "constant of more than 2^31 elements (dim %d = %lld)", d,
                                  (long long)dims[d]);
      return NULL;
    }
  }
  oclnn__const *c = calloc(1, sizeof *c);
  if (c == NULL) {
    *status = oclnn__model_fail(err, OCLNN_ERR_OUT_OF_MEMORY, "out of host memory");
    return NULL;
  }
  c->type = type;
  c->rank = rank;
  for (int d = 0; d < rank; d++)
    c->dims[d] = dims[d];
  c->numel = numel;
  if (numel > 0) {
    c->data = calloc((size_t)numel, esize);
    if (c->data == NULL) {
      free(c);
      *status = oclnn__model_fail(err, OCLNN_ERR_OUT_OF_MEMORY,
                                  "out of host memory for %lld elements", (long long)numel);
      return NULL;
    }
  }
  *status = OCLNN_SUCCESS;
  return c;
}

void oclnn__const_free(oclnn__const *c) {
  if (c == NULL)
    return;
  free(c->data);
  free(c);
}

int64_t oclnn__const_get_i64(const oclnn__const *c, int64_t i) {
  switch (c->type) {
  case OCLNN__ONNX_FLOAT: {
    float v = ((const float *)c->data)[i];
    /* Casts of out-of-range floats are undefined in C: saturate instead. */
    if (!(v == v))
      return 0;
    if (v >= 9.2e18f)
      return INT64_MAX;
    if (v <= -9.2e18f)
      return INT64_MIN;
    return (int64_t)v;
  }
  case OCLNN__ONNX_DOUBLE: {
    double v = ((const double *)c->data)[i];
    if (!(v == v))
      return 0;
    if (v >= 9.2e18)
      return INT64_MAX;
    if (v <= -9.2e18)
      return INT64_MIN;
    return (int64_t)v;
  }
  case OCLNN__ONNX_INT32:
    return ((const int32_t *)c->data)[i];
  case OCLNN__ONNX_INT64:
    return ((const int64_t *)c->data)[i];
  case OCLNN__ONNX_BOOL:
    return ((const uint8_t *)c->data)[i] != 0;
  default:
    return 0;
  }
}

double oclnn__const_get_f64(const oclnn__const *c, int64_t i) {
  switch (c->type) {
  case OCLNN__ONNX_FLOAT:
    return ((const float *)c->data)[i];
  case OCLNN__ONNX_DOUBLE:
    return ((const double *)c->data)[i];
  default:
    return (double)oclnn__const_get_i64(c, i);
  }
}

/* ---- attributes --------------------------------------------------------------------------- */

const oclnn__attr *oclnn__node_attr(const oclnn__node *node, const char *name) {
  for (int a = 0; a < node->n_attrs; a++)
    if (strcmp(node->attrs[a].name, name) == 0)
      return &node->attrs[a];
  return NULL;
}

static oclnn_status attr_type_error(const oclnn__node *node, const oclnn__attr *a, const char *want,
                                    oclnn__errbuf *err) {
  return oclnn__model_fail(err, OCLNN_ERR_INVALID_VALUE,
                           "node '%s' (%s): attribute '%s' has type %d, expected %s", node->name,
                           node->op, a->name, a->type, want);
}

oclnn_status oclnn__attr_int(const oclnn__node *node, const char *name, int64_t def, int64_t *out,
                             oclnn__errbuf *err) {
  const oclnn__attr *a = oclnn__node_attr(node, name);
  if (a == NULL) {
    *out = def;
    return OCLNN_SUCCESS;
  }
  if (a->type != OCLNN__ATTR_INT)
    return attr_type_error(node, a, "INT", err);
  *out = a->i;
  return OCLNN_SUCCESS;
}

oclnn_status oclnn__attr_float(const oclnn__node *node, const char *name, float def, float *out,
                               oclnn__errbuf *err) {
  const oclnn__attr *a = oclnn__node_attr(node, name);
  if (a == NULL) {
    *out = def;
    return OCLNN_SUCCESS;
  }
  if (a->type != OCLNN__ATTR_FLOAT)
    return attr_type_error(node, a, "FLOAT", err);
  *out = a->f;
  return OCLNN_SUCCESS;
}

oclnn_status oclnn__attr_string(const oclnn__node *node, const char *name, const char *def,
                                const char **out, oclnn__errbuf *err) {
  const oclnn__attr *a = oclnn__node_attr(node, name);
  if (a == NULL) {
    *out = def;
    return OCLNN_SUCCESS;
  }
  if (a->type != OCLNN__ATTR_STRING)
    return attr_type_error(node, a, "STRING", err);
  *out = a->s;
  return OCLNN_SUCCESS;
}

oclnn_status oclnn__attr_ints(const oclnn__node *node, const char *name, int64_t *n,
                              const int64_t **ints, oclnn__errbuf *err) {
  const oclnn__attr *a = oclnn__node_attr(node, name);
  if (a == NULL) {
    *n = -1;
    *ints = NULL;
    return OCLNN_SUCCESS;
  }
  if (a->type != OCLNN__ATTR_INTS)
    return attr_type_error(node, a, "INTS", err);
  *n = a->n;
  *ints = a->ints;
  return OCLNN_SUCCESS;
}

/* ---- graph free --------------------------------------------------------------------------- */

static void attr_clear(oclnn__attr *a) {
  free(a->name);
  free(a->s);
  free(a->ints);
  free(a->floats);
  oclnn__const_free(a->t);
}

void oclnn__model_graph_free(oclnn__graph *graph) {
  if (graph == NULL)
    return;
  for (int v = 0; v < graph->n_values; v++) {
    free(graph->values[v].name);
    oclnn__const_free(graph->values[v].cst);
  }
  for (int n = 0; n < graph->n_nodes; n++) {
    oclnn__node *node = &graph->nodes[n];
    free(node->name);
    free(node->op);
    free(node->inputs);
    free(node->outputs);
    for (int a = 0; a < node->n_attrs; a++)
      attr_clear(&node->attrs[a]);
    free(node->attrs);
  }
  free(graph->values);
  free(graph->nodes);
  free(graph->inputs);
  free(graph->outputs);
  free(graph);
}

#ifndef OCLNN_HAVE_ONNX

oclnn_status oclnn__model_graph_parse(const void *data, size_t size, oclnn__graph **out, char *err,
                                      size_t errlen) {
  oclnn__errbuf e = {err, errlen};
  if (out != NULL)
    *out = NULL;
  (void)data;
  (void)size;
  return oclnn__model_fail(&e, OCLNN_ERR_UNSUPPORTED,
                           "oclnn was built without protobuf-c (libprotobuf-c-dev, "
                           "protobuf-c-compiler, libonnx-dev): no ONNX loader");
}

#else

/* ---- name table: open addressing over value indices --------------------------------------- */

typedef struct names {
  int *slots; /* value index + 1; 0 empty */
  size_t mask;
} names;

static uint64_t hash_name(const char *s) {
  uint64_t h = 1469598103934665603ull; /* FNV-1a */
  for (; *s; s++)
    h = (h ^ (unsigned char)*s) * 1099511628211ull;
  return h;
}

typedef struct parser {
  oclnn__graph *g;
  oclnn__errbuf *err;
  names table;
  int cap_values;
} parser;

static int lookup(const parser *p, const char *name) {
  size_t i = hash_name(name) & p->table.mask;
  while (p->table.slots[i] != 0) {
    int v = p->table.slots[i] - 1;
    if (strcmp(p->g->values[v].name, name) == 0)
      return v;
    i = (i + 1) & p->table.mask;
  }
  return -1;
}

static char *dup_string(const char *s) {
  size_t n = strlen(s) + 1;
  char *d = malloc(n);
  if (d != NULL)
    memcpy(d, s, n);
  return d;
}

/* Adds a value named `name`; OCLNN_ERR_INVALID_VALUE if it is already defined. */
static oclnn_status add_value(parser *p, const char *name, oclnn__value_kind kind, int producer,
                              const char *what, int *index) {
  if (lookup(p, name) >= 0)
    return oclnn__model_fail(p->err, OCLNN_ERR_INVALID_VALUE, "%s: name '%s' is defined twice",
                             what, name);
  oclnn__graph *g = p->g;
  if (g->n_values >= p->cap_values)
    return oclnn__model_fail(p->err, OCLNN_ERR_INVALID_VALUE, "too many values");
  oclnn__value *v = &g->values[g->n_values];
  memset(v, 0, sizeof *v);
  v->name = dup_string(name);
  if (v->name == NULL)
    return oclnn__model_fail(p->err, OCLNN_ERR_OUT_OF_MEMORY, "out of host memory");
  v->kind = kind;
  v->producer = producer;
  v->declared_rank = -1;
  size_t i = hash_name(name) & p->table.mask;
  while (p->table.slots[i] != 0)
    i = (i + 1) & p->table.mask;
  p->table.slots[i] = g->n_values + 1;
  *index = g->n_values++;
  return OCLNN_SUCCESS;
}

/* ---- tensors ------------------------------------------------------------------------------ */

static oclnn_status tensor_from_proto(const Onnx__TensorProto *t, const char *what,
                                      oclnn__errbuf *err, oclnn__const **out) {
  *out = NULL;
  if (t->has_data_location && t->data_location == ONNX__TENSOR_PROTO__DATA_LOCATION__EXTERNAL)
    return oclnn__model_fail(err, OCLNN_ERR_UNSUPPORTED,
                             "%s: external tensor data (a separate weights file) is not supported",
                             what);
  if (t->segment != NULL)
    return oclnn__model_fail(err, OCLNN_ERR_UNSUPPORTED, "%s: segmented tensors", what);
  int type = t->has_data_type ? t->data_type : 0;
  if (oclnn__const_elem_size(type) == 0)
    return oclnn__model_fail(err, OCLNN_ERR_UNSUPPORTED,
                             "%s: element type %d (oclnn keeps float, double, int32, int64, bool)",
                             what, type);
  if (t->n_dims > OCLNN__GRAPH_MAX_RANK)
    return oclnn__model_fail(err, OCLNN_ERR_UNSUPPORTED, "%s: rank %zu (at most %d)", what,
                             t->n_dims, OCLNN__GRAPH_MAX_RANK);
  int64_t dims[OCLNN__GRAPH_MAX_RANK];
  for (size_t d = 0; d < t->n_dims; d++) {
    dims[d] = t->dims[d];
    if (dims[d] < 0)
      return oclnn__model_fail(err, OCLNN_ERR_INVALID_VALUE, "%s: dim %zu is %lld", what, d,
                               (long long)dims[d]);
  }
  /* The data's size is checked against the dims before anything is allocated: a few bytes of
   * file must not make the host allocate what the dims claim. */
  size_t esize = oclnn__const_elem_size(type);
  size_t have;
  if (t->has_raw_data)
    have = t->raw_data.len;
  else if (type == OCLNN__ONNX_FLOAT)
    have = t->n_float_data * esize;
  else if (type == OCLNN__ONNX_DOUBLE)
    have = t->n_double_data * esize;
  else if (type == OCLNN__ONNX_INT64)
    have = t->n_int64_data * esize;
  else /* INT32 and BOOL live in int32_data, one entry per element */
    have = t->n_int32_data * esize;
  int64_t numel = 1;
  for (size_t d = 0; d < t->n_dims; d++)
    if (!oclnn__mul_i64(numel, dims[d], &numel) || numel > CONST_MAX_NUMEL)
      return oclnn__model_fail(err, OCLNN_ERR_OVERFLOW,
                               "%s: more than 2^31 elements (dim %zu = %lld)", what, d,
                               (long long)dims[d]);
  size_t bytes = (size_t)numel * esize;
  if (have != bytes)
    return oclnn__model_fail(err, OCLNN_ERR_INVALID_VALUE,
                             "%s: holds %zu bytes of data, its dims need %zu", what, have, bytes);
  oclnn_status s;
  char sub[256];
  oclnn__errbuf suberr = {sub, sizeof sub};
  oclnn__const *c = oclnn__const_new(type, (int)t->n_dims, dims, &suberr, &s);
  if (c == NULL)
    return oclnn__model_fail(err, s, "%s: %s", what, sub);
  if (bytes > 0) {
    /* raw_data is little-endian; so is every host oclnn runs on (x86, arm64). */
    if (t->has_raw_data)
      memcpy(c->data, t->raw_data.data, bytes);
    else if (type == OCLNN__ONNX_FLOAT)
      memcpy(c->data, t->float_data, bytes);
    else if (type == OCLNN__ONNX_DOUBLE)
      memcpy(c->data, t->double_data, bytes);
    else if (type == OCLNN__ONNX_INT64)
      memcpy(c->data, t->int64_data, bytes);
    else
      for (size_t i = 0; i < t->n_int32_data; i++) {
        if (type == OCLNN__ONNX_INT32)
          ((int32_t *)c->data)[i] = t->int32_data[i];
        else
          ((uint8_t *)c->data)[i] = t->int32_data[i] != 0;
      }
  }
  *out = c;
  return OCLNN_SUCCESS;
}

static oclnn_status type_from_proto(const Onnx__ValueInfoProto *vi, const char *what,
                                    oclnn__errbuf *err, oclnn__value *v) {
  v->elem_type = 0;
  v->declared_rank = -1;
  if (vi->type == NULL)
    return OCLNN_SUCCESS;
  if (vi->type->value_case != ONNX__TYPE_PROTO__VALUE_TENSOR_TYPE)
    return oclnn__model_fail(err, OCLNN_ERR_UNSUPPORTED, "%s '%s': not a tensor", what, vi->name);
  const Onnx__TypeProto__Tensor *tt = vi->type->tensor_type;
  if (tt == NULL)
    return OCLNN_SUCCESS;
  v->elem_type = tt->has_elem_type ? tt->elem_type : 0;
  if (tt->shape == NULL)
    return OCLNN_SUCCESS;
  if (tt->shape->n_dim > OCLNN__GRAPH_MAX_RANK)
    return oclnn__model_fail(err, OCLNN_ERR_UNSUPPORTED, "%s '%s': rank %zu", what, vi->name,
                             tt->shape->n_dim);
  v->declared_rank = (int)tt->shape->n_dim;
  for (size_t d = 0; d < tt->shape->n_dim; d++) {
    const Onnx__TensorShapeProto__Dimension *dim = tt->shape->dim[d];
    int64_t value = -1;
    if (dim != NULL && dim->value_case == ONNX__TENSOR_SHAPE_PROTO__DIMENSION__VALUE_DIM_VALUE) {
      value = dim->dim_value;
      if (value < 0)
        return oclnn__model_fail(err, OCLNN_ERR_INVALID_VALUE, "%s '%s': dim %zu is %lld", what,
                                 vi->name, d, (long long)value);
    }
    v->declared_dims[d] = value;
  }
  return OCLNN_SUCCESS;
}

static oclnn_status attr_from_proto(const Onnx__AttributeProto *ap, oclnn__node *node,
                                    oclnn__errbuf *err, oclnn__attr *a) {
  memset(a, 0, sizeof *a);
  if (ap->name == NULL || ap->name[0] == '\0')
    return oclnn__model_fail(err, OCLNN_ERR_INVALID_VALUE, "node '%s' (%s): unnamed attribute",
                             node->name, node->op);
  a->name = dup_string(ap->name);
  if (a->name == NULL)
    return oclnn__model_fail(err, OCLNN_ERR_OUT_OF_MEMORY, "out of host memory");
  if (ap->ref_attr_name != NULL && ap->ref_attr_name[0] != '\0')
    return oclnn__model_fail(err, OCLNN_ERR_UNSUPPORTED,
                             "node '%s' (%s): attribute '%s' refers to a function attribute",
                             node->name, node->op, a->name);
  a->type = ap->has_type ? (int)ap->type : 0;
  switch (a->type) {
  case OCLNN__ATTR_FLOAT:
    a->f = ap->f;
    break;
  case OCLNN__ATTR_INT:
    a->i = ap->i;
    break;
  case OCLNN__ATTR_STRING:
    a->s = malloc(ap->s.len + 1);
    if (a->s == NULL)
      return oclnn__model_fail(err, OCLNN_ERR_OUT_OF_MEMORY, "out of host memory");
    if (ap->s.len > 0)
      memcpy(a->s, ap->s.data, ap->s.len);
    a->s[ap->s.len] = '\0';
    break;
  case OCLNN__ATTR_TENSOR: {
    if (ap->t == NULL)
      return oclnn__model_fail(err, OCLNN_ERR_INVALID_VALUE,
                               "node '%s' (%s): tensor attribute '%s' has no tensor", node->name,
                               node->op, a->name);
    char what[512];
    snprintf(what, sizeof what, "node '%s' (%s): attribute '%s'", node->name, node->op, a->name);
    return tensor_from_proto(ap->t, what, err, &a->t);
  }
  case OCLNN__ATTR_FLOATS:
    a->n = (int64_t)ap->n_floats;
    if (ap->n_floats > 0) {
      a->floats = malloc(ap->n_floats * sizeof *a->floats);
      if (a->floats == NULL)
        return oclnn__model_fail(err, OCLNN_ERR_OUT_OF_MEMORY, "out of host memory");
      memcpy(a->floats, ap->floats, ap->n_floats * sizeof *a->floats);
    }
    break;
  case OCLNN__ATTR_INTS:
    a->n = (int64_t)ap->n_ints;
    if (ap->n_ints > 0) {
      a->ints = malloc(ap->n_ints * sizeof *a->ints);
      if (a->ints == NULL)
        return oclnn__model_fail(err, OCLNN_ERR_OUT_OF_MEMORY, "out of host memory");
      memcpy(a->ints, ap->ints, ap->n_ints * sizeof *a->ints);
    }
    break;
  default:
    /* Kept by type only (graphs, strings lists, ...): an op that reads it refuses it. */
    break;
  }
  return OCLNN_SUCCESS;
}

/* ---- topological order -------------------------------------------------------------------- */

/* Reorders g->nodes so every node comes after the producers of its inputs (Kahn's algorithm,
 * stable: a valid order is kept as it is). Inputs must already be resolved. A cycle is
 * OCLNN_ERR_INVALID_VALUE naming a node on it. */
static oclnn_status sort_nodes(parser *p) {
  oclnn__graph *g = p->g;
  int n = g->n_nodes;
  if (n == 0)
    return OCLNN_SUCCESS;
  int *pending = calloc((size_t)n, sizeof *pending);
  int *order = malloc((size_t)n * sizeof *order);
  int *consumer_start = calloc((size_t)n + 1, sizeof *consumer_start);
  oclnn_status s = OCLNN_SUCCESS;
  int64_t edges = 0;
  for (int i = 0; i < n; i++)
    edges += g->nodes[i].n_inputs;
  int *consumers = malloc((size_t)(edges > 0 ? edges : 1) * sizeof *consumers);
  int *fill = calloc((size_t)n + 1, sizeof *fill);
  oclnn__node *sorted = malloc((size_t)n * sizeof *sorted);
  if (pending == NULL || order == NULL || consumer_start == NULL || consumers == NULL ||
      fill == NULL || sorted == NULL) {
    s = oclnn__model_fail(p->err, OCLNN_ERR_OUT_OF_MEMORY, "out of host memory");
    goto done;
  }
  /* Edges producer -> consumer, one per input that a node produces. */
  for (int i = 0; i < n; i++)
    for (int k = 0; k < g->nodes[i].n_inputs; k++) {
      int v = g->nodes[i].inputs[k];
      if (v >= 0 && g->values[v].producer >= 0) {
        consumer_start[g->values[v].producer + 1]++;
        pending[i]++;
      }
    }
  for (int i = 0; i < n; i++)
    consumer_start[i + 1] += consumer_start[i];
  for (int i = 0; i < n; i++)
    for (int k = 0; k < g->nodes[i].n_inputs; k++) {
      int v = g->nodes[i].inputs[k];
      if (v >= 0 && g->values[v].producer >= 0) {
        int prod = g->values[v].producer;
        consumers[consumer_start[prod] + fill[prod]++] = i;
      }
    }
  /* A min-index ready queue keeps the file's order when it is already valid. A simple scan is
   * O(n^2) in the worst case; graphs here have hundreds of nodes. */
  char *done_flag = calloc((size_t)n, 1);
  if (done_flag == NULL) {
    s = oclnn__model_fail(p->err, OCLNN_ERR_OUT_OF_MEMORY, "out of host memory");
    goto done;
  }
  int count = 0, next = 0;
  while (count < n) {
    int pick = -1;
    for (int i = next; i < n; i++)
      if (!done_flag[i] && pending[i] == 0) {
        pick = i;
        break;
      }
    if (pick < 0)
      for (int i = 0; i < next; i++)
        if (!done_flag[i] && pending[i] == 0) {
          pick = i;
          break;
        }
    if (pick < 0)
      break;
    done_flag[pick] = 1;
    order[count++] = pick;
    next = pick;
    for (int c = consumer_start[pick]; c < consumer_start[pick + 1]; c++)
      pending[consumers[c]]--;
  }
  if (count < n) {
    int culprit = 0;
    for (int i = 0; i < n; i++)
      if (!done_flag[i]) {
        culprit = i;
        break;
      }
    s = oclnn__model_fail(p->err, OCLNN_ERR_INVALID_VALUE,
                          "the graph has a cycle through node '%s' (%s)", g->nodes[culprit].name,
                          g->nodes[culprit].op);
    free(done_flag);
    goto done;
  }
  free(done_flag);
  int *new_index = pending; /* reuse: old index -> new index */
  for (int i = 0; i < n; i++) {
    sorted[i] = g->nodes[order[i]];
    new_index[order[i]] = i;
  }
  memcpy(g->nodes, sorted, (size_t)n * sizeof *sorted);
  for (int v = 0; v < g->n_values; v++)
    if (g->values[v].producer >= 0)
      g->values[v].producer = new_index[g->values[v].producer];
done:
  free(pending);
  free(order);
  free(consumer_start);
  free(consumers);
  free(fill);
  free(sorted);
  return s;
}

/* ---- folding at load time ----------------------------------------------------------------- */

static bool is_alias_op(const char *op) {
  return strcmp(op, "Identity") == 0 || strcmp(op, "Reshape") == 0 || strcmp(op, "Flatten") == 0 ||
         strcmp(op, "Squeeze") == 0 || strcmp(op, "Unsqueeze") == 0;
}

/* Marks dynamic values, folds what is known and checks every node that is left. */
static oclnn_status fold_and_check(parser *p) {
  oclnn__graph *g = p->g;
  uint64_t folded_bytes = 0;
  for (int i = 0; i < g->n_inputs; i++)
    g->values[g->inputs[i]].dynamic = true;
  for (int n = 0; n < g->n_nodes; n++) {
    oclnn__node *node = &g->nodes[n];
    bool dynamic = false, all_known = true;
    for (int k = 0; k < node->n_inputs; k++) {
      int v = node->inputs[k];
      if (v < 0)
        continue;
      if (g->values[v].dynamic)
        dynamic = true;
      if (g->values[v].cst == NULL)
        all_known = false;
    }
    bool shape_only = strcmp(node->op, "Shape") == 0 || strcmp(node->op, "Size") == 0;
    if (dynamic && !shape_only && node->group_norm_head >= 0) {
      /* Mul/Add/Reshape of torch's GroupNorm export: run inside the GroupNorm step. */
      for (int k = 0; k < node->n_outputs; k++)
        if (node->outputs[k] >= 0)
          g->values[node->outputs[k]].dynamic = true;
      continue;
    }
    if (dynamic && !shape_only) {
      if (strcmp(node->op, "InstanceNormalization") == 0) {
        int members[4];
        int64_t groups;
        if (oclnn__match_group_norm(g, n, members, &groups))
          for (int m = 1; m < 4; m++)
            g->nodes[members[m]].group_norm_head = n;
      }
      if (!oclnn__device_op_supported(node->op) && !is_alias_op(node->op))
        return oclnn__model_fail(p->err, OCLNN_ERR_UNSUPPORTED,
                                 "node '%s' (%s): op not supported on tensor data (oclnn runs "
                                 "Conv, Pad, BatchNormalization, InstanceNormalization, "
                                 "LayerNormalization, GroupNormalization, LRN, Relu, Add, Resize, "
                                 "Upsample, Slice, Concat and the shape ops Identity, Reshape, "
                                 "Flatten, Squeeze, Unsqueeze)",
                                 node->name, node->op);
      oclnn_status s = oclnn__device_node_check(g, node, p->err);
      if (s != OCLNN_SUCCESS)
        return s;
      for (int k = 0; k < node->n_outputs; k++)
        if (node->outputs[k] >= 0)
          g->values[node->outputs[k]].dynamic = true;
      continue;
    }
    if (!oclnn__fold_op_supported(node->op))
      return oclnn__model_fail(p->err, OCLNN_ERR_UNSUPPORTED,
                               "node '%s' (%s): op not supported on constants (oclnn folds "
                               "Constant, ConstantOfShape, Shape, Size, Gather, Unsqueeze, "
                               "Squeeze, Concat, Reshape, Flatten, Slice, Transpose, Cast, "
                               "Identity, Add, Sub, Mul, Div)",
                               node->name, node->op);
    /* Shape of a value whose shape is only known at plan time: folded then. */
    if (shape_only) {
      int v = node->n_inputs > 0 ? node->inputs[0] : -1;
      if (v < 0 || g->values[v].cst == NULL)
        all_known = false;
    }
    if (!all_known)
      continue;
    oclnn__const *in[16] = {0};
    oclnn__const *out[16] = {0};
    if (node->n_inputs > 16 || node->n_outputs > 16)
      return oclnn__model_fail(p->err, OCLNN_ERR_UNSUPPORTED,
                               "node '%s' (%s): more than 16 inputs or outputs", node->name,
                               node->op);
    for (int k = 0; k < node->n_inputs; k++)
      in[k] = node->inputs[k] >= 0 ? g->values[node->inputs[k]].cst : NULL;
    int shape_rank = 0;
    const int64_t *shape_dims = NULL;
    if (shape_only) {
      shape_rank = in[0]->rank;
      shape_dims = in[0]->dims;
    }
    oclnn_status s = oclnn__fold_node(node, g->opset, in, shape_rank, shape_dims, out, p->err);
    if (s != OCLNN_SUCCESS)
      return s;
    for (int k = 0; k < node->n_outputs; k++) {
      if (out[k] != NULL)
        folded_bytes += (uint64_t)out[k]->numel * oclnn__const_elem_size(out[k]->type);
      if (node->outputs[k] >= 0)
        g->values[node->outputs[k]].cst = out[k];
      else
        oclnn__const_free(out[k]);
    }
    node->folded = true;
    if (folded_bytes > FOLD_MAX_BYTES)
      return oclnn__model_fail(p->err, OCLNN_ERR_OVERFLOW,
                               "node '%s' (%s): folded constants exceed %d MiB in all", node->name,
                               node->op, (int)(FOLD_MAX_BYTES >> 20));
  }
  return OCLNN_SUCCESS;
}

/* ---- the model ---------------------------------------------------------------------------- */

static oclnn_status build_graph(parser *p, const Onnx__ModelProto *m) {
  oclnn__graph *g = p->g;
  oclnn__errbuf *err = p->err;
  if (!m->has_ir_version || m->ir_version < IR_MIN || m->ir_version > IR_MAX)
    return oclnn__model_fail(err, OCLNN_ERR_UNSUPPORTED, "ir_version %lld (oclnn reads %d..%d)",
                             m->has_ir_version ? (long long)m->ir_version : -1LL, IR_MIN, IR_MAX);
  g->ir_version = m->ir_version;
  g->opset = -1;
  for (size_t i = 0; i < m->n_opset_import; i++) {
    const Onnx__OperatorSetIdProto *o = m->opset_import[i];
    const char *domain = o->domain != NULL ? o->domain : "";
    if (domain[0] != '\0' && strcmp(domain, "ai.onnx") != 0)
      return oclnn__model_fail(err, OCLNN_ERR_UNSUPPORTED,
                               "opset_import of domain '%s' (oclnn runs the default domain only)",
                               domain);
    g->opset = o->has_version ? o->version : -1;
  }
  if (g->opset < OPSET_MIN || g->opset > OPSET_MAX)
    return oclnn__model_fail(err, OCLNN_ERR_UNSUPPORTED,
                             "default-domain opset %lld (oclnn runs %d..%d)", (long long)g->opset,
                             OPSET_MIN, OPSET_MAX);
  if (m->n_functions > 0)
    return oclnn__model_fail(err, OCLNN_ERR_UNSUPPORTED, "model-local functions");
  const Onnx__GraphProto *gp = m->graph;
  if (gp == NULL)
    return oclnn__model_fail(err, OCLNN_ERR_INVALID_VALUE, "the model has no graph");
  if (gp->n_sparse_initializer > 0)
    return oclnn__model_fail(err, OCLNN_ERR_UNSUPPORTED, "sparse initializers");
  if (gp->n_node > (size_t)1 << 20 || gp->n_initializer > (size_t)1 << 20 ||
      gp->n_input > (size_t)1 << 20 || gp->n_output > (size_t)1 << 20)
    return oclnn__model_fail(err, OCLNN_ERR_OVERFLOW, "more than 2^20 nodes, inputs or outputs");

  size_t cap = gp->n_input + gp->n_initializer;
  for (size_t n = 0; n < gp->n_node; n++) {
    if (gp->node[n]->n_output > (size_t)1 << 16 || gp->node[n]->n_input > (size_t)1 << 16)
      return oclnn__model_fail(err, OCLNN_ERR_OVERFLOW, "node %zu has too many inputs or outputs",
                               n);
    cap += gp->node[n]->n_output;
  }
  if (cap > (size_t)1 << 24)
    return oclnn__model_fail(err, OCLNN_ERR_OVERFLOW, "more than 2^24 values");
  p->cap_values = (int)cap;
  g->values = calloc(cap > 0 ? cap : 1, sizeof *g->values);
  size_t slots = 16;
  while (slots < 2 * cap)
    slots *= 2;
  p->table.slots = calloc(slots, sizeof *p->table.slots);
  p->table.mask = slots - 1;
  g->nodes = calloc(gp->n_node > 0 ? gp->n_node : 1, sizeof *g->nodes);
  g->inputs = calloc(gp->n_input > 0 ? gp->n_input : 1, sizeof *g->inputs);
  g->outputs = calloc(gp->n_output > 0 ? gp->n_output : 1, sizeof *g->outputs);
  if (g->values == NULL || p->table.slots == NULL || g->nodes == NULL || g->inputs == NULL ||
      g->outputs == NULL)
    return oclnn__model_fail(err, OCLNN_ERR_OUT_OF_MEMORY, "out of host memory");

  /* Initializers first: a graph input of the same name (older exports list weights as inputs
   * too) is then the initializer, a constant, not something the caller passes. */
  oclnn_status s;
  for (size_t i = 0; i < gp->n_initializer; i++) {
    const Onnx__TensorProto *t = gp->initializer[i];
    const char *name = t->name != NULL ? t->name : "";
    if (name[0] == '\0')
      return oclnn__model_fail(err, OCLNN_ERR_INVALID_VALUE, "initializer %zu has no name", i);
    char what[512];
    snprintf(what, sizeof what, "initializer '%s'", name);
    int v;
    s = add_value(p, name, OCLNN__VALUE_INITIALIZER, -1, what, &v);
    if (s != OCLNN_SUCCESS)
      return s;
    s = tensor_from_proto(t, what, err, &g->values[v].cst);
    if (s != OCLNN_SUCCESS)
      return s;
  }
  for (size_t i = 0; i < gp->n_input; i++) {
    const Onnx__ValueInfoProto *vi = gp->input[i];
    const char *name = vi->name != NULL ? vi->name : "";
    if (name[0] == '\0')
      return oclnn__model_fail(err, OCLNN_ERR_INVALID_VALUE, "graph input %zu has no name", i);
    int v = lookup(p, name);
    if (v >= 0 && g->values[v].kind == OCLNN__VALUE_INITIALIZER)
      continue;
    s = add_value(p, name, OCLNN__VALUE_INPUT, -1, "graph input", &v);
    if (s != OCLNN_SUCCESS)
      return s;
    s = type_from_proto(vi, "graph input", err, &g->values[v]);
    if (s != OCLNN_SUCCESS)
      return s;
    if (g->values[v].elem_type != OCLNN__ONNX_FLOAT)
      return oclnn__model_fail(err, OCLNN_ERR_UNSUPPORTED,
                               "graph input '%s' has element type %d (oclnn runs float only)", name,
                               g->values[v].elem_type);
    if (g->values[v].declared_rank < 1 || g->values[v].declared_rank > OCLNN_MAX_RANK)
      return oclnn__model_fail(err, OCLNN_ERR_UNSUPPORTED,
                               "graph input '%s' has rank %d (oclnn runs ranks 1..%d)", name,
                               g->values[v].declared_rank, OCLNN_MAX_RANK);
    g->inputs[g->n_inputs++] = v;
  }
  /* Nodes: outputs defined once; inputs resolved after every output is known. */
  for (size_t n = 0; n < gp->n_node; n++) {
    const Onnx__NodeProto *np = gp->node[n];
    oclnn__node *node = &g->nodes[g->n_nodes++];
    node->group_norm_head = -1;
    const char *op = np->op_type != NULL ? np->op_type : "";
    node->op = dup_string(op);
    char fallback[64];
    snprintf(fallback, sizeof fallback, "%.40s_%zu", op, n);
    node->name = dup_string(np->name != NULL && np->name[0] != '\0' ? np->name : fallback);
    node->inputs = malloc((np->n_input > 0 ? np->n_input : 1) * sizeof *node->inputs);
    node->outputs = malloc((np->n_output > 0 ? np->n_output : 1) * sizeof *node->outputs);
    node->attrs = calloc(np->n_attribute > 0 ? np->n_attribute : 1, sizeof *node->attrs);
    if (node->op == NULL || node->name == NULL || node->inputs == NULL || node->outputs == NULL ||
        node->attrs == NULL)
      return oclnn__model_fail(err, OCLNN_ERR_OUT_OF_MEMORY, "out of host memory");
    if (op[0] == '\0')
      return oclnn__model_fail(err, OCLNN_ERR_INVALID_VALUE, "node '%s' has no op_type",
                               node->name);
    const char *domain = np->domain != NULL ? np->domain : "";
    if (domain[0] != '\0' && strcmp(domain, "ai.onnx") != 0)
      return oclnn__model_fail(err, OCLNN_ERR_UNSUPPORTED,
                               "node '%s' (%s): domain '%s' (oclnn runs the default domain only)",
                               node->name, op, domain);
    node->n_inputs = (int)np->n_input;
    node->n_outputs = (int)np->n_output;
    for (size_t a = 0; a < np->n_attribute; a++) {
      node->n_attrs++;
      s = attr_from_proto(np->attribute[a], node, err, &node->attrs[a]);
      if (s != OCLNN_SUCCESS)
        return s;
      for (size_t b = 0; b < a; b++)
        if (strcmp(node->attrs[b].name, node->attrs[a].name) == 0)
          return oclnn__model_fail(err, OCLNN_ERR_INVALID_VALUE,
                                   "node '%s' (%s): attribute '%s' given twice", node->name, op,
                                   node->attrs[a].name);
    }
    for (size_t k = 0; k < np->n_output; k++) {
      const char *name = np->output[k] != NULL ? np->output[k] : "";
      node->outputs[k] = -1;
      if (name[0] == '\0')
        continue;
      char what[512];
      snprintf(what, sizeof what, "node '%s' (%s) output %zu", node->name, op, k);
      s = add_value(p, name, OCLNN__VALUE_NODE, (int)n, what, &node->outputs[k]);
      if (s != OCLNN_SUCCESS)
        return s;
    }
  }
  for (int n = 0; n < g->n_nodes; n++) {
    const Onnx__NodeProto *np = gp->node[n];
    oclnn__node *node = &g->nodes[n];
    for (size_t k = 0; k < np->n_input; k++) {
      const char *name = np->input[k] != NULL ? np->input[k] : "";
      node->inputs[k] = -1;
      if (name[0] == '\0')
        continue;
      node->inputs[k] = lookup(p, name);
      if (node->inputs[k] < 0)
        return oclnn__model_fail(err, OCLNN_ERR_INVALID_VALUE,
                                 "node '%s' (%s): input '%s' is not defined (no graph input, "
                                 "initializer or node output has that name)",
                                 node->name, node->op, name);
    }
  }
  if (gp->n_output == 0)
    return oclnn__model_fail(err, OCLNN_ERR_INVALID_VALUE, "the graph has no outputs");
  for (size_t i = 0; i < gp->n_output; i++) {
    const Onnx__ValueInfoProto *vi = gp->output[i];
    const char *name = vi->name != NULL ? vi->name : "";
    int v = lookup(p, name);
    if (v < 0)
      return oclnn__model_fail(err, OCLNN_ERR_INVALID_VALUE,
                               "graph output '%s' is not defined by any node", name);
    for (int j = 0; j < g->n_outputs; j++)
      if (g->outputs[j] == v)
        return oclnn__model_fail(err, OCLNN_ERR_INVALID_VALUE, "graph output '%s' listed twice",
                                 name);
    oclnn__value tmp = g->values[v];
    s = type_from_proto(vi, "graph output", err, &tmp);
    if (s != OCLNN_SUCCESS)
      return s;
    if (tmp.elem_type != 0 && tmp.elem_type != OCLNN__ONNX_FLOAT)
      return oclnn__model_fail(err, OCLNN_ERR_UNSUPPORTED,
                               "graph output '%s' has element type %d (oclnn runs float only)",
                               name, tmp.elem_type);
    g->values[v].elem_type = tmp.elem_type;
    g->values[v].declared_rank = tmp.declared_rank;
    memcpy(g->values[v].declared_dims, tmp.declared_dims, sizeof tmp.declared_dims);
    g->outputs[g->n_outputs++] = v;
  }
  s = sort_nodes(p);
  if (s != OCLNN_SUCCESS)
    return s;
  s = fold_and_check(p);
  if (s != OCLNN_SUCCESS)
    return s;
  for (int i = 0; i < g->n_outputs; i++) {
    const oclnn__value *v = &g->values[g->outputs[i]];
    if (!v->dynamic)
      return oclnn__model_fail(err, OCLNN_ERR_UNSUPPORTED,
                               "graph output '%s' does not depend on the input data (a constant "
                               "or shape output)",
                               v->name);
  }
  return OCLNN_SUCCESS;
}

oclnn_status oclnn__model_graph_parse(const void *data, size_t size, oclnn__graph **out, char *err,
                                      size_t errlen) {
  oclnn__errbuf e = {err, errlen};
  if (err != NULL && errlen > 0)
    err[0] = '\0';
  if (out == NULL)
    return oclnn__model_fail(&e, OCLNN_ERR_NULL_ARGUMENT, "out is NULL");
  *out = NULL;
  if (data == NULL)
    return oclnn__model_fail(&e, OCLNN_ERR_NULL_ARGUMENT, "data is NULL");
  if (size == 0)
    return oclnn__model_fail(&e, OCLNN_ERR_INVALID_VALUE, "empty model (0 bytes)");
  Onnx__ModelProto *m = oclnn__onnx__model_proto__unpack(NULL, size, data);
  if (m == NULL)
    return oclnn__model_fail(&e, OCLNN_ERR_INVALID_VALUE,
                             "not a valid ONNX protobuf (%zu bytes failed to decode as "
                             "ModelProto: truncated, or not an .onnx file)",
                             size);
  parser p = {0};
  p.err = &e;
  p.g = calloc(1, sizeof *p.g);
  oclnn_status s;
  if (p.g == NULL)
    s = oclnn__model_fail(&e, OCLNN_ERR_OUT_OF_MEMORY, "out of host memory");
  else
    s = build_graph(&p, m);
  oclnn__onnx__model_proto__free_unpacked(m, NULL);
  free(p.table.slots);
  if (s != OCLNN_SUCCESS) {
    oclnn__model_graph_free(p.g);
    return s;
  }
  *out = p.g;
  return OCLNN_SUCCESS;
}

#endif
