/* Host evaluation of the shape subgraphs torch exports around ops (Constant, Shape, Gather,
 * Concat, Reshape, Slice, Transpose, Cast, ...), and the load-time check of the ops that run on
 * the device. Used at load time for what is static and at plan time for what depends on input
 * shapes (Shape of a graph input). Semantics follow the ONNX operator docs per opset. */
#include "model/model_internal.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

static const char *const fold_ops[] = {
    "Constant", "ConstantOfShape", "Shape",   "Size",  "Gather",    "Unsqueeze",
    "Squeeze",  "Concat",          "Reshape", "Slice", "Transpose", "Cast",
    "Identity", "Flatten",         "Add",     "Sub",   "Mul",       "Div"};

bool oclnn__fold_op_supported(const char *op) {
  for (size_t i = 0; i < sizeof fold_ops / sizeof fold_ops[0]; i++)
    if (strcmp(op, fold_ops[i]) == 0)
      return true;
  return false;
}

#define FAIL(status, ...) oclnn__model_fail(err, status, __VA_ARGS__)

static oclnn_status node_fail_ctx(oclnn__errbuf *err, const oclnn__node *node, oclnn_status s,
                                  const char *what) {
  return oclnn__model_fail(err, s, "node '%s' (%s): %s", node->name, node->op, what);
}

/* Folded constants are shapes, pads and the like; this bound keeps a tiny hostile file
 * (ConstantOfShape of a huge shape) from making the host allocate and fill gigabytes. */
#define FOLD_MAX_NUMEL ((int64_t)1 << 24)

/* New constant with the node named in any error. */
static oclnn__const *new_const(const oclnn__node *node, int type, int rank, const int64_t *dims,
                               oclnn__errbuf *err, oclnn_status *s) {
  int64_t numel = 1;
  for (int d = 0; d < rank; d++)
    if (dims[d] >= 0 && !oclnn__mul_i64(numel, dims[d], &numel))
      numel = INT64_MAX;
  if (numel > FOLD_MAX_NUMEL) {
    *s = FAIL(OCLNN_ERR_OVERFLOW,
              "node '%s' (%s): folding makes a constant of %lld elements (oclnn folds at most "
              "2^24)",
              node->name, node->op, (long long)numel);
    return NULL;
  }
  char sub[256];
  oclnn__errbuf e = {sub, sizeof sub};
  oclnn__const *c = oclnn__const_new(type, rank, dims, &e, s);
  if (c == NULL)
    *s = node_fail_ctx(err, node, *s, sub);
  return c;
}

static oclnn_status need_input(const oclnn__node *node, oclnn__const *const *in, int k,
                               oclnn__errbuf *err) {
  if (k >= node->n_inputs || in[k] == NULL)
    return FAIL(OCLNN_ERR_INVALID_VALUE, "node '%s' (%s): input %d is missing", node->name,
                node->op, k);
  return OCLNN_SUCCESS;
}

static bool is_int_type(int type) {
  return type == OCLNN__ONNX_INT32 || type == OCLNN__ONNX_INT64 || type == OCLNN__ONNX_BOOL;
}

/* A 1-D (or scalar) integer tensor's values, e.g. axes or a shape. */
static oclnn_status int_list(const oclnn__node *node, const oclnn__const *c, const char *what,
                             int64_t max, int64_t *vals, int64_t *n, oclnn__errbuf *err) {
  if (!is_int_type(c->type) || c->rank > 1)
    return FAIL(OCLNN_ERR_INVALID_VALUE, "node '%s' (%s): %s must be a 1-D integer tensor",
                node->name, node->op, what);
  if (c->numel > max)
    return FAIL(OCLNN_ERR_UNSUPPORTED, "node '%s' (%s): %s has %lld entries (at most %lld)",
                node->name, node->op, what, (long long)c->numel, (long long)max);
  for (int64_t i = 0; i < c->numel; i++)
    vals[i] = oclnn__const_get_i64(c, i);
  *n = c->numel;
  return OCLNN_SUCCESS;
}

/* Normalises a possibly negative axis for rank `rank`. */
static oclnn_status norm_axis(const oclnn__node *node, int64_t axis, int rank, int64_t *out,
                              oclnn__errbuf *err) {
  if (axis < -rank || axis >= rank)
    return FAIL(OCLNN_ERR_INVALID_VALUE, "node '%s' (%s): axis %lld is out of range for rank %d",
                node->name, node->op, (long long)axis, rank);
  *out = axis < 0 ? axis + rank : axis;
  return OCLNN_SUCCESS;
}

static oclnn__const *copy_as(const oclnn__node *node, const oclnn__const *src, int rank,
                             const int64_t *dims, oclnn__errbuf *err, oclnn_status *s) {
  oclnn__const *c = new_const(node, src->type, rank, dims, err, s);
  if (c == NULL)
    return NULL;
  if (c->numel != src->numel) {
    oclnn__const_free(c);
    *s = FAIL(OCLNN_ERR_INVALID_SHAPE, "node '%s' (%s): %lld elements cannot become %lld",
              node->name, node->op, (long long)src->numel, (long long)c->numel);
    return NULL;
  }
  if (c->numel > 0)
    memcpy(c->data, src->data, (size_t)c->numel * oclnn__const_elem_size(src->type));
  return c;
}

/* Strides of a row-major shape in elements. */
static void strides_of(int rank, const int64_t *dims, int64_t *strides) {
  int64_t s = 1;
  for (int d = rank - 1; d >= 0; d--) {
    strides[d] = s;
    s *= dims[d];
  }
}

/* ---- ops ---------------------------------------------------------------------------------- */

static oclnn_status fold_constant(const oclnn__node *node, oclnn__const **out, oclnn__errbuf *err) {
  oclnn_status s = OCLNN_SUCCESS;
  if (node->n_attrs != 1)
    return FAIL(OCLNN_ERR_INVALID_VALUE, "node '%s' (Constant): needs exactly one attribute",
                node->name);
  const oclnn__attr *a = &node->attrs[0];
  int64_t one = 1;
  if (strcmp(a->name, "value") == 0 && a->type == OCLNN__ATTR_TENSOR) {
    out[0] = copy_as(node, a->t, a->t->rank, a->t->dims, err, &s);
  } else if (strcmp(a->name, "value_float") == 0 && a->type == OCLNN__ATTR_FLOAT) {
    out[0] = new_const(node, OCLNN__ONNX_FLOAT, 0, NULL, err, &s);
    if (out[0] != NULL)
      ((float *)out[0]->data)[0] = a->f;
  } else if (strcmp(a->name, "value_int") == 0 && a->type == OCLNN__ATTR_INT) {
    out[0] = new_const(node, OCLNN__ONNX_INT64, 0, NULL, err, &s);
    if (out[0] != NULL)
      ((int64_t *)out[0]->data)[0] = a->i;
  } else if (strcmp(a->name, "value_floats") == 0 && a->type == OCLNN__ATTR_FLOATS) {
    one = a->n;
    out[0] = new_const(node, OCLNN__ONNX_FLOAT, 1, &one, err, &s);
    if (out[0] != NULL && a->n > 0)
      memcpy(out[0]->data, a->floats, (size_t)a->n * sizeof(float));
  } else if (strcmp(a->name, "value_ints") == 0 && a->type == OCLNN__ATTR_INTS) {
    one = a->n;
    out[0] = new_const(node, OCLNN__ONNX_INT64, 1, &one, err, &s);
    if (out[0] != NULL && a->n > 0)
      memcpy(out[0]->data, a->ints, (size_t)a->n * sizeof(int64_t));
  } else {
    return FAIL(OCLNN_ERR_UNSUPPORTED,
                "node '%s' (Constant): attribute '%s' of type %d (oclnn reads value, value_float, "
                "value_int, value_floats, value_ints)",
                node->name, a->name, a->type);
  }
  return s;
}

static oclnn_status fold_constant_of_shape(const oclnn__node *node, oclnn__const *const *in,
                                           oclnn__const **out, oclnn__errbuf *err) {
  int64_t dims[OCLNN__GRAPH_MAX_RANK], n;
  oclnn_status s = need_input(node, in, 0, err);
  if (s == OCLNN_SUCCESS)
    s = int_list(node, in[0], "the shape", OCLNN__GRAPH_MAX_RANK, dims, &n, err);
  if (s != OCLNN_SUCCESS)
    return s;
  const oclnn__attr *a = oclnn__node_attr(node, "value");
  int type = OCLNN__ONNX_FLOAT;
  if (a != NULL) {
    if (a->type != OCLNN__ATTR_TENSOR || a->t->numel != 1)
      return FAIL(OCLNN_ERR_INVALID_VALUE,
                  "node '%s' (ConstantOfShape): value must be a one-element tensor", node->name);
    type = a->t->type;
  }
  oclnn__const *c = new_const(node, type, (int)n, dims, err, &s);
  if (c == NULL)
    return s;
  size_t es = oclnn__const_elem_size(type);
  if (a != NULL)
    for (int64_t i = 0; i < c->numel; i++)
      memcpy((char *)c->data + (size_t)i * es, a->t->data, es);
  out[0] = c;
  return OCLNN_SUCCESS;
}

static oclnn_status fold_shape(const oclnn__node *node, int64_t opset, int rank,
                               const int64_t *dims, bool size_only, oclnn__const **out,
                               oclnn__errbuf *err) {
  oclnn_status s = OCLNN_SUCCESS;
  if (size_only) {
    out[0] = new_const(node, OCLNN__ONNX_INT64, 0, NULL, err, &s);
    if (out[0] == NULL)
      return s;
    int64_t total = 1;
    for (int d = 0; d < rank; d++)
      total *= dims[d]; /* shapes reaching here are overflow-checked */
    ((int64_t *)out[0]->data)[0] = total;
    return OCLNN_SUCCESS;
  }
  int64_t start = 0, end = rank;
  if (opset >= 15) {
    s = oclnn__attr_int(node, "start", 0, &start, err);
    if (s == OCLNN_SUCCESS)
      s = oclnn__attr_int(node, "end", rank, &end, err);
    if (s != OCLNN_SUCCESS)
      return s;
    if (start < 0)
      start += rank;
    if (end < 0)
      end += rank;
    start = start < 0 ? 0 : (start > rank ? rank : start);
    end = end < 0 ? 0 : (end > rank ? rank : end);
  }
  int64_t n = end > start ? end - start : 0;
  out[0] = new_const(node, OCLNN__ONNX_INT64, 1, &n, err, &s);
  if (out[0] == NULL)
    return s;
  for (int64_t i = 0; i < n; i++)
    ((int64_t *)out[0]->data)[i] = dims[start + i];
  return OCLNN_SUCCESS;
}

static oclnn_status fold_gather(const oclnn__node *node, oclnn__const *const *in,
                                oclnn__const **out, oclnn__errbuf *err) {
  oclnn_status s = need_input(node, in, 0, err);
  if (s == OCLNN_SUCCESS)
    s = need_input(node, in, 1, err);
  if (s != OCLNN_SUCCESS)
    return s;
  const oclnn__const *data = in[0], *idx = in[1];
  if (idx->type != OCLNN__ONNX_INT32 && idx->type != OCLNN__ONNX_INT64)
    return FAIL(OCLNN_ERR_INVALID_VALUE, "node '%s' (Gather): indices must be int32 or int64",
                node->name);
  if (data->rank < 1)
    return FAIL(OCLNN_ERR_INVALID_SHAPE, "node '%s' (Gather): data must have rank >= 1",
                node->name);
  int64_t axis;
  s = oclnn__attr_int(node, "axis", 0, &axis, err);
  if (s == OCLNN_SUCCESS)
    s = norm_axis(node, axis, data->rank, &axis, err);
  if (s != OCLNN_SUCCESS)
    return s;
  int rank = data->rank + idx->rank - 1;
  if (rank > OCLNN__GRAPH_MAX_RANK)
    return FAIL(OCLNN_ERR_UNSUPPORTED, "node '%s' (Gather): output rank %d", node->name, rank);
  int64_t dims[OCLNN__GRAPH_MAX_RANK];
  int r = 0;
  for (int d = 0; d < axis; d++)
    dims[r++] = data->dims[d];
  for (int d = 0; d < idx->rank; d++)
    dims[r++] = idx->dims[d];
  for (int d = (int)axis + 1; d < data->rank; d++)
    dims[r++] = data->dims[d];
  oclnn__const *c = new_const(node, data->type, rank, dims, err, &s);
  if (c == NULL)
    return s;
  int64_t outer = 1, inner = 1, n_axis = data->dims[axis];
  for (int d = 0; d < axis; d++)
    outer *= data->dims[d];
  for (int d = (int)axis + 1; d < data->rank; d++)
    inner *= data->dims[d];
  size_t es = oclnn__const_elem_size(data->type);
  for (int64_t j = 0; j < idx->numel; j++) {
    int64_t k = oclnn__const_get_i64(idx, j);
    if (k < -n_axis || k >= n_axis) {
      oclnn__const_free(c);
      return FAIL(OCLNN_ERR_INVALID_VALUE,
                  "node '%s' (Gather): index %lld is out of range for a dim of %lld", node->name,
                  (long long)k, (long long)n_axis);
    }
    if (k < 0)
      k += n_axis;
    for (int64_t o = 0; o < outer; o++)
      memcpy((char *)c->data + (size_t)((o * idx->numel + j) * inner) * es,
             (const char *)data->data + (size_t)((o * n_axis + k) * inner) * es,
             (size_t)inner * es);
  }
  out[0] = c;
  return OCLNN_SUCCESS;
}

/* Axes from the attribute (opset < 13) or the second input (opset >= 13); *n = -1 if none. */
static oclnn_status axes_of(const oclnn__node *node, int64_t opset, oclnn__const *const *in,
                            int64_t *axes, int64_t *n, oclnn__errbuf *err) {
  *n = -1;
  if (opset >= 13) {
    if (node->n_inputs > 1 && in[1] != NULL)
      return int_list(node, in[1], "axes", OCLNN__GRAPH_MAX_RANK, axes, n, err);
    return OCLNN_SUCCESS;
  }
  const int64_t *ints;
  oclnn_status s = oclnn__attr_ints(node, "axes", n, &ints, err);
  if (s != OCLNN_SUCCESS)
    return s;
  if (*n > OCLNN__GRAPH_MAX_RANK)
    return FAIL(OCLNN_ERR_UNSUPPORTED, "node '%s' (%s): %lld axes", node->name, node->op,
                (long long)*n);
  for (int64_t i = 0; i < *n; i++)
    axes[i] = ints[i];
  return OCLNN_SUCCESS;
}

oclnn_status oclnn__reshape_like(const oclnn__node *node, int64_t opset, oclnn__const *const *in,
                                 int rank, const int64_t *dims, int *out_rank, int64_t *out_dims,
                                 oclnn__errbuf *err) {
  oclnn_status s;
  int64_t numel = 1;
  for (int d = 0; d < rank; d++)
    numel *= dims[d];
  if (strcmp(node->op, "Identity") == 0) {
    *out_rank = rank;
    memcpy(out_dims, dims, (size_t)rank * sizeof *dims);
    return OCLNN_SUCCESS;
  }
  if (strcmp(node->op, "Unsqueeze") == 0 || strcmp(node->op, "Squeeze") == 0) {
    bool unsq = node->op[0] == 'U';
    int64_t axes[OCLNN__GRAPH_MAX_RANK], n;
    s = axes_of(node, opset, in, axes, &n, err);
    if (s != OCLNN_SUCCESS)
      return s;
    if (unsq && n < 0)
      return FAIL(OCLNN_ERR_INVALID_VALUE, "node '%s' (Unsqueeze): axes are missing", node->name);
    int r_out = unsq ? rank + (int)n : rank;
    if (r_out > OCLNN__GRAPH_MAX_RANK)
      return FAIL(OCLNN_ERR_UNSUPPORTED, "node '%s' (Unsqueeze): output rank %d", node->name,
                  r_out);
    bool mark[OCLNN__GRAPH_MAX_RANK] = {false};
    for (int64_t i = 0; i < n; i++) {
      int64_t ax = 0;
      s = norm_axis(node, axes[i], unsq ? r_out : rank, &ax, err);
      if (s != OCLNN_SUCCESS)
        return s;
      if (mark[ax])
        return FAIL(OCLNN_ERR_INVALID_VALUE, "node '%s' (%s): axis %lld repeated", node->name,
                    node->op, (long long)axes[i]);
      mark[ax] = true;
    }
    int r = 0;
    if (unsq) {
      int src = 0;
      for (int d = 0; d < r_out; d++)
        out_dims[r++] = mark[d] ? 1 : dims[src++];
    } else {
      for (int d = 0; d < rank; d++) {
        if (n < 0 ? dims[d] == 1 : mark[d]) {
          if (dims[d] != 1)
            return FAIL(OCLNN_ERR_INVALID_SHAPE,
                        "node '%s' (Squeeze): axis %d has size %lld, not 1", node->name, d,
                        (long long)dims[d]);
          continue;
        }
        out_dims[r++] = dims[d];
      }
    }
    *out_rank = r;
    return OCLNN_SUCCESS;
  }
  if (strcmp(node->op, "Flatten") == 0) {
    int64_t axis;
    s = oclnn__attr_int(node, "axis", 1, &axis, err);
    if (s != OCLNN_SUCCESS)
      return s;
    if (axis < -rank || axis > rank)
      return FAIL(OCLNN_ERR_INVALID_VALUE, "node '%s' (Flatten): axis %lld for rank %d", node->name,
                  (long long)axis, rank);
    if (axis < 0)
      axis += rank;
    int64_t a = 1;
    for (int d = 0; d < axis; d++)
      a *= dims[d];
    out_dims[0] = a;
    out_dims[1] = a == 0 ? 0 : numel / a;
    if (a == 0) {
      int64_t b = 1;
      for (int d = (int)axis; d < rank; d++)
        b *= dims[d];
      out_dims[1] = b;
    }
    *out_rank = 2;
    return OCLNN_SUCCESS;
  }
  /* Reshape */
  s = need_input(node, in, 1, err);
  if (s != OCLNN_SUCCESS)
    return s;
  int64_t shape[OCLNN__GRAPH_MAX_RANK], n;
  s = int_list(node, in[1], "the shape", OCLNN__GRAPH_MAX_RANK, shape, &n, err);
  if (s != OCLNN_SUCCESS)
    return s;
  int64_t allowzero = 0;
  if (opset >= 14) {
    s = oclnn__attr_int(node, "allowzero", 0, &allowzero, err);
    if (s != OCLNN_SUCCESS)
      return s;
  }
  int infer = -1;
  int64_t known = 1;
  for (int i = 0; i < n; i++) {
    int64_t v = shape[i];
    if (v == 0 && !allowzero) {
      if (i >= rank)
        return FAIL(OCLNN_ERR_INVALID_SHAPE,
                    "node '%s' (Reshape): shape entry %d is 0 (copy) past the input's rank %d",
                    node->name, i, rank);
      v = dims[i];
    } else if (v == -1) {
      if (infer >= 0)
        return FAIL(OCLNN_ERR_INVALID_SHAPE, "node '%s' (Reshape): more than one -1", node->name);
      infer = i;
      out_dims[i] = -1;
      continue;
    } else if (v < 0) {
      return FAIL(OCLNN_ERR_INVALID_SHAPE, "node '%s' (Reshape): shape entry %d is %lld",
                  node->name, i, (long long)v);
    }
    out_dims[i] = v;
    if (!oclnn__mul_i64(known, v, &known))
      return FAIL(OCLNN_ERR_OVERFLOW, "node '%s' (Reshape): shape overflows", node->name);
  }
  if (infer >= 0) {
    if (known == 0 || numel % known != 0)
      return FAIL(OCLNN_ERR_INVALID_SHAPE,
                  "node '%s' (Reshape): %lld elements do not fit the shape with -1", node->name,
                  (long long)numel);
    out_dims[infer] = numel / known;
  } else if (known != numel) {
    return FAIL(OCLNN_ERR_INVALID_SHAPE,
                "node '%s' (Reshape): %lld elements cannot be reshaped to %lld", node->name,
                (long long)numel, (long long)known);
  }
  *out_rank = (int)n;
  return OCLNN_SUCCESS;
}

static oclnn_status fold_reshape_like(const oclnn__node *node, int64_t opset,
                                      oclnn__const *const *in, oclnn__const **out,
                                      oclnn__errbuf *err) {
  oclnn_status s = need_input(node, in, 0, err);
  if (s != OCLNN_SUCCESS)
    return s;
  int rank;
  int64_t dims[OCLNN__GRAPH_MAX_RANK];
  s = oclnn__reshape_like(node, opset, in, in[0]->rank, in[0]->dims, &rank, dims, err);
  if (s != OCLNN_SUCCESS)
    return s;
  out[0] = copy_as(node, in[0], rank, dims, err, &s);
  return s;
}

static oclnn_status fold_concat(const oclnn__node *node, oclnn__const *const *in,
                                oclnn__const **out, oclnn__errbuf *err) {
  if (node->n_inputs < 1)
    return FAIL(OCLNN_ERR_INVALID_VALUE, "node '%s' (Concat): no inputs", node->name);
  oclnn_status s;
  for (int k = 0; k < node->n_inputs; k++)
    if ((s = need_input(node, in, k, err)) != OCLNN_SUCCESS)
      return s;
  const oclnn__const *first = in[0];
  int64_t axis;
  s = oclnn__attr_int(node, "axis", 0, &axis, err);
  if (s == OCLNN_SUCCESS)
    s = norm_axis(node, axis, first->rank, &axis, err);
  if (s != OCLNN_SUCCESS)
    return s;
  int64_t dims[OCLNN__GRAPH_MAX_RANK];
  memcpy(dims, first->dims, sizeof dims);
  dims[axis] = 0;
  for (int k = 0; k < node->n_inputs; k++) {
    if (in[k]->type != first->type || in[k]->rank != first->rank)
      return FAIL(OCLNN_ERR_INVALID_VALUE,
                  "node '%s' (Concat): input %d differs from input 0 in type or rank", node->name,
                  k);
    for (int d = 0; d < first->rank; d++)
      if (d != axis && in[k]->dims[d] != first->dims[d])
        return FAIL(OCLNN_ERR_INVALID_SHAPE, "node '%s' (Concat): input %d has dim %d = %lld",
                    node->name, k, d, (long long)in[k]->dims[d]);
    if (!oclnn__add_i64(dims[axis], in[k]->dims[axis], &dims[axis]))
      return FAIL(OCLNN_ERR_OVERFLOW, "node '%s' (Concat): size overflows", node->name);
  }
  oclnn__const *c = new_const(node, first->type, first->rank, dims, err, &s);
  if (c == NULL)
    return s;
  int64_t outer = 1;
  for (int d = 0; d < axis; d++)
    outer *= dims[d];
  size_t es = oclnn__const_elem_size(first->type);
  char *dst = c->data;
  for (int64_t o = 0; o < outer; o++)
    for (int k = 0; k < node->n_inputs; k++) {
      int64_t chunk = outer == 0 ? 0 : in[k]->numel / outer;
      if (chunk > 0) {
        memcpy(dst, (const char *)in[k]->data + (size_t)(o * chunk) * es, (size_t)chunk * es);
        dst += (size_t)chunk * es;
      }
    }
  out[0] = c;
  return OCLNN_SUCCESS;
}

oclnn_status oclnn__slice_box(const oclnn__node *node, int64_t opset, oclnn__const *const *in,
                              int r, const int64_t *data_dims, int64_t *lo, int64_t *step,
                              int64_t *dims, oclnn__errbuf *err) {
  oclnn_status s;
  int64_t starts[OCLNN__GRAPH_MAX_RANK], ends[OCLNN__GRAPH_MAX_RANK], axes[OCLNN__GRAPH_MAX_RANK],
      steps[OCLNN__GRAPH_MAX_RANK];
  int64_t n, n2, na = -1, ns = -1;
  if (opset >= 10) {
    if ((s = need_input(node, in, 1, err)) != OCLNN_SUCCESS ||
        (s = need_input(node, in, 2, err)) != OCLNN_SUCCESS)
      return s;
    if ((s = int_list(node, in[1], "starts", OCLNN__GRAPH_MAX_RANK, starts, &n, err)) ||
        (s = int_list(node, in[2], "ends", OCLNN__GRAPH_MAX_RANK, ends, &n2, err)))
      return s;
    if (node->n_inputs > 3 && in[3] != NULL &&
        (s = int_list(node, in[3], "axes", OCLNN__GRAPH_MAX_RANK, axes, &na, err)))
      return s;
    if (node->n_inputs > 4 && in[4] != NULL &&
        (s = int_list(node, in[4], "steps", OCLNN__GRAPH_MAX_RANK, steps, &ns, err)))
      return s;
  } else {
    const int64_t *a, *b, *c;
    if ((s = oclnn__attr_ints(node, "starts", &n, &a, err)) ||
        (s = oclnn__attr_ints(node, "ends", &n2, &b, err)) ||
        (s = oclnn__attr_ints(node, "axes", &na, &c, err)))
      return s;
    if (n < 0 || n > OCLNN__GRAPH_MAX_RANK || na > OCLNN__GRAPH_MAX_RANK)
      return FAIL(OCLNN_ERR_INVALID_VALUE, "node '%s' (Slice): starts missing or too long",
                  node->name);
    for (int64_t i = 0; i < n; i++)
      starts[i] = a[i];
    for (int64_t i = 0; i < n2 && i < OCLNN__GRAPH_MAX_RANK; i++)
      ends[i] = b[i];
    for (int64_t i = 0; i < na; i++)
      axes[i] = c[i];
  }
  if (n != n2 || (na >= 0 && na != n) || (ns >= 0 && ns != n))
    return FAIL(OCLNN_ERR_INVALID_VALUE,
                "node '%s' (Slice): starts, ends, axes and steps differ in length", node->name);
  bool seen[OCLNN__GRAPH_MAX_RANK] = {false};
  for (int d = 0; d < r; d++) {
    lo[d] = 0;
    step[d] = 1;
    dims[d] = data_dims[d];
  }
  for (int64_t i = 0; i < n; i++) {
    int64_t ax = na >= 0 ? axes[i] : i;
    if ((s = norm_axis(node, ax, r, &ax, err)) != OCLNN_SUCCESS)
      return s;
    if (seen[ax])
      return FAIL(OCLNN_ERR_INVALID_VALUE, "node '%s' (Slice): axis %lld repeated", node->name,
                  (long long)ax);
    seen[ax] = true;
    int64_t st = ns >= 0 ? steps[i] : 1;
    if (st == 0)
      return FAIL(OCLNN_ERR_INVALID_VALUE, "node '%s' (Slice): step 0", node->name);
    int64_t dim = data_dims[ax], b = starts[i], e = ends[i];
    /* ONNX: negative starts/ends count from the end, then clamp: [0, dim] for positive steps;
     * starts to [0, dim - 1] and ends to [-1, dim - 1] for negative ones. */
    if (b < 0)
      b += dim;
    if (e < 0)
      e += dim;
    if (st > 0) {
      b = b < 0 ? 0 : (b > dim ? dim : b);
      e = e < 0 ? 0 : (e > dim ? dim : e);
    } else {
      b = b < 0 ? 0 : (b > dim - 1 ? dim - 1 : b);
      e = e < -1 ? -1 : (e > dim - 1 ? dim - 1 : e);
    }
    /* b and e lie in [-1, dim], so e - b cannot overflow; -st can (INT64_MIN), hence the
     * unsigned step. */
    /* An empty dim gives nothing whatever the clamps say (for negative steps its range
     * [0, dim - 1] is empty, and the clamps above would otherwise take element 0). */
    int64_t len = 0;
    if (dim == 0)
      len = 0;
    else if (st > 0 && e > b)
      len = (e - b - 1) / st + 1;
    else if (st < 0 && b > e)
      len = (int64_t)((uint64_t)(b - e - 1) / (0 - (uint64_t)st)) + 1;
    lo[ax] = b;
    step[ax] = st;
    dims[ax] = len;
  }
  return OCLNN_SUCCESS;
}

static oclnn_status fold_slice(const oclnn__node *node, int64_t opset, oclnn__const *const *in,
                               oclnn__const **out, oclnn__errbuf *err) {
  oclnn_status s = need_input(node, in, 0, err);
  if (s != OCLNN_SUCCESS)
    return s;
  const oclnn__const *data = in[0];
  int r = data->rank;
  int64_t lo[OCLNN__GRAPH_MAX_RANK], step[OCLNN__GRAPH_MAX_RANK], dims[OCLNN__GRAPH_MAX_RANK];
  if ((s = oclnn__slice_box(node, opset, in, r, data->dims, lo, step, dims, err)) != OCLNN_SUCCESS)
    return s;
  oclnn__const *c = new_const(node, data->type, r, dims, err, &s);
  if (c == NULL)
    return s;
  int64_t sstr[OCLNN__GRAPH_MAX_RANK];
  strides_of(r, data->dims, sstr);
  size_t es = oclnn__const_elem_size(data->type);
  for (int64_t i = 0; i < c->numel; i++) {
    int64_t rem = i, src = 0;
    for (int d = r - 1; d >= 0; d--) {
      int64_t idx = rem % dims[d];
      rem /= dims[d];
      src += (lo[d] + idx * step[d]) * sstr[d];
    }
    memcpy((char *)c->data + (size_t)i * es, (const char *)data->data + (size_t)src * es, es);
  }
  out[0] = c;
  return OCLNN_SUCCESS;
}

static oclnn_status fold_transpose(const oclnn__node *node, oclnn__const *const *in,
                                   oclnn__const **out, oclnn__errbuf *err) {
  oclnn_status s = need_input(node, in, 0, err);
  if (s != OCLNN_SUCCESS)
    return s;
  const oclnn__const *data = in[0];
  int r = data->rank;
  int64_t perm[OCLNN__GRAPH_MAX_RANK], n;
  const int64_t *p;
  if ((s = oclnn__attr_ints(node, "perm", &n, &p, err)) != OCLNN_SUCCESS)
    return s;
  if (n < 0) {
    for (int d = 0; d < r; d++)
      perm[d] = r - 1 - d;
  } else {
    if (n != r)
      return FAIL(OCLNN_ERR_INVALID_VALUE, "node '%s' (Transpose): perm has %lld entries, rank %d",
                  node->name, (long long)n, r);
    bool seen[OCLNN__GRAPH_MAX_RANK] = {false};
    for (int d = 0; d < r; d++) {
      if (p[d] < 0 || p[d] >= r || seen[p[d]])
        return FAIL(OCLNN_ERR_INVALID_VALUE, "node '%s' (Transpose): perm is not a permutation",
                    node->name);
      seen[p[d]] = true;
      perm[d] = p[d];
    }
  }
  int64_t dims[OCLNN__GRAPH_MAX_RANK], sstr[OCLNN__GRAPH_MAX_RANK];
  for (int d = 0; d < r; d++)
    dims[d] = data->dims[perm[d]];
  strides_of(r, data->dims, sstr);
  oclnn__const *c = new_const(node, data->type, r, dims, err, &s);
  if (c == NULL)
    return s;
  size_t es = oclnn__const_elem_size(data->type);
  for (int64_t i = 0; i < c->numel; i++) {
    int64_t rem = i, src = 0;
    for (int d = r - 1; d >= 0; d--) {
      int64_t idx = rem % dims[d];
      rem /= dims[d];
      src += idx * sstr[perm[d]];
    }
    memcpy((char *)c->data + (size_t)i * es, (const char *)data->data + (size_t)src * es, es);
  }
  out[0] = c;
  return OCLNN_SUCCESS;
}

static oclnn_status fold_cast(const oclnn__node *node, oclnn__const *const *in, oclnn__const **out,
                              oclnn__errbuf *err) {
  oclnn_status s = need_input(node, in, 0, err);
  if (s != OCLNN_SUCCESS)
    return s;
  int64_t to;
  if ((s = oclnn__attr_int(node, "to", -1, &to, err)) != OCLNN_SUCCESS)
    return s;
  if (oclnn__const_elem_size((int)to) == 0 || to != (int)to)
    return FAIL(OCLNN_ERR_UNSUPPORTED,
                "node '%s' (Cast): to = %lld (oclnn folds float, double, int32, int64, bool)",
                node->name, (long long)to);
  const oclnn__const *src = in[0];
  oclnn__const *c = new_const(node, (int)to, src->rank, src->dims, err, &s);
  if (c == NULL)
    return s;
  for (int64_t i = 0; i < c->numel; i++) {
    switch (c->type) {
    case OCLNN__ONNX_FLOAT:
      ((float *)c->data)[i] = (float)oclnn__const_get_f64(src, i);
      break;
    case OCLNN__ONNX_DOUBLE:
      ((double *)c->data)[i] = oclnn__const_get_f64(src, i);
      break;
    case OCLNN__ONNX_INT32:
      ((int32_t *)c->data)[i] = (int32_t)oclnn__const_get_i64(src, i);
      break;
    case OCLNN__ONNX_INT64:
      ((int64_t *)c->data)[i] = oclnn__const_get_i64(src, i);
      break;
    default:
      ((uint8_t *)c->data)[i] = oclnn__const_get_f64(src, i) != 0.0;
      break;
    }
  }
  out[0] = c;
  return OCLNN_SUCCESS;
}

/* Add, Sub, Mul, Div with numpy broadcasting: the shape arithmetic of dynamic exports. */
static oclnn_status fold_binary(const oclnn__node *node, oclnn__const *const *in,
                                oclnn__const **out, oclnn__errbuf *err) {
  oclnn_status s;
  if ((s = need_input(node, in, 0, err)) || (s = need_input(node, in, 1, err)))
    return s;
  const oclnn__const *a = in[0], *b = in[1];
  if (a->type != b->type || a->type == OCLNN__ONNX_BOOL)
    return FAIL(OCLNN_ERR_INVALID_VALUE, "node '%s' (%s): operand types %d and %d", node->name,
                node->op, a->type, b->type);
  int r = a->rank > b->rank ? a->rank : b->rank;
  int64_t dims[OCLNN__GRAPH_MAX_RANK], sa[OCLNN__GRAPH_MAX_RANK], sb[OCLNN__GRAPH_MAX_RANK];
  int64_t astr[OCLNN__GRAPH_MAX_RANK], bstr[OCLNN__GRAPH_MAX_RANK];
  strides_of(a->rank, a->dims, astr);
  strides_of(b->rank, b->dims, bstr);
  for (int d = 0; d < r; d++) {
    int da = d - (r - a->rank), db = d - (r - b->rank);
    int64_t x = da >= 0 ? a->dims[da] : 1, y = db >= 0 ? b->dims[db] : 1;
    if (x != y && x != 1 && y != 1)
      return FAIL(OCLNN_ERR_INVALID_SHAPE, "node '%s' (%s): shapes do not broadcast", node->name,
                  node->op);
    dims[d] = x == 1 ? y : x;
    sa[d] = (da >= 0 && x != 1) ? astr[da] : 0;
    sb[d] = (db >= 0 && y != 1) ? bstr[db] : 0;
  }
  oclnn__const *c = new_const(node, a->type, r, dims, err, &s);
  if (c == NULL)
    return s;
  char op = node->op[0];
  for (int64_t i = 0; i < c->numel; i++) {
    int64_t rem = i, ia = 0, ib = 0;
    for (int d = r - 1; d >= 0; d--) {
      int64_t idx = rem % dims[d];
      rem /= dims[d];
      ia += idx * sa[d];
      ib += idx * sb[d];
    }
    if (a->type == OCLNN__ONNX_FLOAT || a->type == OCLNN__ONNX_DOUBLE) {
      double x = oclnn__const_get_f64(a, ia), y = oclnn__const_get_f64(b, ib);
      double v = op == 'A' ? x + y : op == 'S' ? x - y : op == 'M' ? x * y : x / y;
      if (a->type == OCLNN__ONNX_FLOAT)
        ((float *)c->data)[i] = (float)v;
      else
        ((double *)c->data)[i] = v;
    } else {
      /* Wrapping arithmetic in unsigned: an overflowing shape product is the file's problem,
       * never undefined behaviour here. */
      uint64_t x = (uint64_t)oclnn__const_get_i64(a, ia), y = (uint64_t)oclnn__const_get_i64(b, ib);
      int64_t v;
      if (op == 'A')
        v = (int64_t)(x + y);
      else if (op == 'S')
        v = (int64_t)(x - y);
      else if (op == 'M')
        v = (int64_t)(x * y);
      else {
        int64_t sx = (int64_t)x, sy = (int64_t)y;
        if (sy == 0 || (sx == INT64_MIN && sy == -1)) {
          oclnn__const_free(c);
          return FAIL(OCLNN_ERR_INVALID_VALUE, "node '%s' (Div): integer division by zero",
                      node->name);
        }
        v = sx / sy;
      }
      if (a->type == OCLNN__ONNX_INT32)
        ((int32_t *)c->data)[i] = (int32_t)v;
      else
        ((int64_t *)c->data)[i] = v;
    }
  }
  out[0] = c;
  return OCLNN_SUCCESS;
}

oclnn_status oclnn__fold_node(const oclnn__node *node, int64_t opset, oclnn__const *const *in,
                              int shape_rank, const int64_t *shape_dims, oclnn__const **out,
                              oclnn__errbuf *err) {
  const char *op = node->op;
  if (node->n_outputs != 1 || node->outputs[0] < 0)
    return FAIL(OCLNN_ERR_INVALID_VALUE, "node '%s' (%s): expected exactly one output", node->name,
                op);
  out[0] = NULL;
  if (strcmp(op, "Constant") == 0)
    return fold_constant(node, out, err);
  if (strcmp(op, "ConstantOfShape") == 0)
    return fold_constant_of_shape(node, in, out, err);
  if (strcmp(op, "Shape") == 0 || strcmp(op, "Size") == 0)
    return fold_shape(node, opset, shape_rank, shape_dims, op[1] == 'i', out, err);
  if (strcmp(op, "Gather") == 0)
    return fold_gather(node, in, out, err);
  if (strcmp(op, "Concat") == 0)
    return fold_concat(node, in, out, err);
  if (strcmp(op, "Slice") == 0)
    return fold_slice(node, opset, in, out, err);
  if (strcmp(op, "Transpose") == 0)
    return fold_transpose(node, in, out, err);
  if (strcmp(op, "Cast") == 0)
    return fold_cast(node, in, out, err);
  if (strcmp(op, "Add") == 0 || strcmp(op, "Sub") == 0 || strcmp(op, "Mul") == 0 ||
      strcmp(op, "Div") == 0)
    return fold_binary(node, in, out, err);
  if (strcmp(op, "Identity") == 0 || strcmp(op, "Reshape") == 0 || strcmp(op, "Flatten") == 0 ||
      strcmp(op, "Squeeze") == 0 || strcmp(op, "Unsqueeze") == 0)
    return fold_reshape_like(node, opset, in, out, err);
  return FAIL(OCLNN_ERR_UNSUPPORTED, "node '%s' (%s): op not supported on constants", node->name,
              op);
}

/* ---- device ops: what loading can check before any shape is known ------------------------ */

static const char *const device_ops[] = {"Conv",
                                         "Pad",
                                         "BatchNormalization",
                                         "InstanceNormalization",
                                         "LayerNormalization",
                                         "GroupNormalization",
                                         "LRN",
                                         "Relu",
                                         "Add",
                                         "Resize",
                                         "Upsample",
                                         "Identity",
                                         "Slice",
                                         "Concat"};

bool oclnn__device_op_supported(const char *op) {
  for (size_t i = 0; i < sizeof device_ops / sizeof device_ops[0]; i++)
    if (strcmp(op, device_ops[i]) == 0)
      return true;
  return false;
}

/* Input k must be present, and known on the host (not data). */
static oclnn_status need_static(const oclnn__graph *g, const oclnn__node *node, int k,
                                bool required, const char *what, oclnn__errbuf *err) {
  if (k >= node->n_inputs || node->inputs[k] < 0) {
    if (!required)
      return OCLNN_SUCCESS;
    return FAIL(OCLNN_ERR_INVALID_VALUE, "node '%s' (%s): input %d (%s) is missing", node->name,
                node->op, k, what);
  }
  if (g->values[node->inputs[k]].dynamic)
    return FAIL(OCLNN_ERR_UNSUPPORTED,
                "node '%s' (%s): input %d (%s) depends on the input data; oclnn needs it "
                "constant",
                node->name, node->op, k, what);
  return OCLNN_SUCCESS;
}

static oclnn_status need_data(const oclnn__graph *g, const oclnn__node *node, oclnn__errbuf *err) {
  if (node->n_inputs < 1 || node->inputs[0] < 0 || !g->values[node->inputs[0]].dynamic)
    return FAIL(OCLNN_ERR_UNSUPPORTED, "node '%s' (%s): input 0 must be tensor data", node->name,
                node->op);
  if (node->n_outputs < 1 || node->outputs[0] < 0)
    return FAIL(OCLNN_ERR_INVALID_VALUE, "node '%s' (%s): no output", node->name, node->op);
  for (int k = 1; k < node->n_outputs; k++)
    if (node->outputs[k] >= 0)
      return FAIL(OCLNN_ERR_UNSUPPORTED,
                  "node '%s' (%s): optional output %d (oclnn runs inference: one output)",
                  node->name, node->op, k);
  return OCLNN_SUCCESS;
}

/* Rejects attributes the op does not have: a misspelt or newer attribute is never ignored. */
static oclnn_status known_attrs(const oclnn__node *node, const char *const *names,
                                oclnn__errbuf *err) {
  for (int a = 0; a < node->n_attrs; a++) {
    bool ok = false;
    for (const char *const *n = names; *n != NULL; n++)
      if (strcmp(node->attrs[a].name, *n) == 0)
        ok = true;
    if (!ok)
      return FAIL(OCLNN_ERR_UNSUPPORTED, "node '%s' (%s): attribute '%s' is not supported",
                  node->name, node->op, node->attrs[a].name);
  }
  return OCLNN_SUCCESS;
}

static oclnn_status check_conv(const oclnn__graph *g, const oclnn__node *node, oclnn__errbuf *err) {
  static const char *const names[] = {"auto_pad", "dilations", "group", "kernel_shape",
                                      "pads",     "strides",   NULL};
  oclnn_status s = known_attrs(node, names, err);
  if (s || (s = need_static(g, node, 1, true, "W", err)) ||
      (s = need_static(g, node, 2, false, "B", err)))
    return s;
  const char *auto_pad;
  if ((s = oclnn__attr_string(node, "auto_pad", "NOTSET", &auto_pad, err)))
    return s;
  if (strcmp(auto_pad, "NOTSET") != 0 && strcmp(auto_pad, "VALID") != 0 &&
      strcmp(auto_pad, "SAME_UPPER") != 0 && strcmp(auto_pad, "SAME_LOWER") != 0)
    return FAIL(OCLNN_ERR_INVALID_VALUE, "node '%s' (Conv): auto_pad '%s'", node->name, auto_pad);
  const oclnn__const *w = g->values[node->inputs[1]].cst;
  if (w != NULL) {
    if (w->type != OCLNN__ONNX_FLOAT)
      return FAIL(OCLNN_ERR_UNSUPPORTED, "node '%s' (Conv): W has element type %d (float only)",
                  node->name, w->type);
    if (w->rank < 3)
      return FAIL(OCLNN_ERR_INVALID_SHAPE,
                  "node '%s' (Conv): W has rank %d (at least 3: out, in/group, kernel...)",
                  node->name, w->rank);
    if (w->rank > 5)
      return FAIL(OCLNN_ERR_UNSUPPORTED, "node '%s' (Conv): W has rank %d (1d, 2d, 3d only)",
                  node->name, w->rank);
  }
  int64_t n;
  const int64_t *v;
  static const char *const lists[] = {"dilations", "kernel_shape", "pads", "strides"};
  for (int i = 0; i < 4; i++) {
    if ((s = oclnn__attr_ints(node, lists[i], &n, &v, err)))
      return s;
    int64_t want = w != NULL ? (w->rank - 2) * (i == 2 ? 2 : 1) : n;
    if (n >= 0 && n != want)
      return FAIL(OCLNN_ERR_INVALID_SHAPE,
                  "node '%s' (Conv): %s has %lld entries, W's rank needs %lld", node->name,
                  lists[i], (long long)n, (long long)want);
    for (int64_t j = 0; j < n; j++)
      if (v[j] < (i == 2 ? 0 : 1) || v[j] >= ((int64_t)1 << 31))
        return FAIL(OCLNN_ERR_INVALID_VALUE, "node '%s' (Conv): %s[%lld] = %lld", node->name,
                    lists[i], (long long)j, (long long)v[j]);
  }
  int64_t group;
  if ((s = oclnn__attr_int(node, "group", 1, &group, err)))
    return s;
  if (group < 1 || group >= ((int64_t)1 << 31))
    return FAIL(OCLNN_ERR_INVALID_VALUE, "node '%s' (Conv): group %lld", node->name,
                (long long)group);
  return OCLNN_SUCCESS;
}

static oclnn_status check_pad(const oclnn__graph *g, const oclnn__node *node, int64_t opset,
                              oclnn__errbuf *err) {
  static const char *const names11[] = {"mode", NULL};
  static const char *const names10[] = {"mode", "pads", "value", NULL};
  oclnn_status s = known_attrs(node, opset >= 11 ? names11 : names10, err);
  if (s)
    return s;
  if (opset >= 11) {
    if ((s = need_static(g, node, 1, true, "pads", err)) ||
        (s = need_static(g, node, 2, false, "constant_value", err)) ||
        (s = need_static(g, node, 3, false, "axes", err)))
      return s;
  }
  const char *mode;
  if ((s = oclnn__attr_string(node, "mode", "constant", &mode, err)))
    return s;
  if (strcmp(mode, "constant") != 0 && strcmp(mode, "reflect") != 0 && strcmp(mode, "edge") != 0 &&
      strcmp(mode, "wrap") != 0)
    return FAIL(OCLNN_ERR_UNSUPPORTED, "node '%s' (Pad): mode '%s'", node->name, mode);
  return OCLNN_SUCCESS;
}

static oclnn_status check_resize(const oclnn__graph *g, const oclnn__node *node, int64_t opset,
                                 oclnn__errbuf *err) {
  oclnn_status s;
  const char *mode;
  if ((s = oclnn__attr_string(node, "mode", "nearest", &mode, err)))
    return s;
  if (strcmp(mode, "nearest") != 0)
    return FAIL(OCLNN_ERR_UNSUPPORTED, "node '%s' (%s): mode '%s' (oclnn runs nearest only)",
                node->name, node->op, mode);
  if (strcmp(node->op, "Upsample") == 0) {
    static const char *const names[] = {"mode", "scales", NULL};
    if ((s = known_attrs(node, names, err)))
      return s;
    if (opset >= 9 && (s = need_static(g, node, 1, true, "scales", err)))
      return s;
    return OCLNN_SUCCESS;
  }
  static const char *const names[] = {"mode",
                                      "antialias",
                                      "axes",
                                      "keep_aspect_ratio_policy",
                                      "coordinate_transformation_mode",
                                      "nearest_mode",
                                      "cubic_coeff_a",
                                      "exclude_outside",
                                      "extrapolation_value",
                                      NULL};
  if ((s = known_attrs(node, names, err)))
    return s;
  const char *ctm, *nm;
  if ((s = oclnn__attr_string(node, "coordinate_transformation_mode",
                              opset >= 11 ? "half_pixel" : "asymmetric", &ctm, err)) ||
      (s = oclnn__attr_string(node, "nearest_mode", "round_prefer_floor", &nm, err)))
    return s;
  int64_t antialias;
  const char *policy;
  if ((s = oclnn__attr_int(node, "antialias", 0, &antialias, err)) ||
      (s = oclnn__attr_string(node, "keep_aspect_ratio_policy", "stretch", &policy, err)))
    return s;
  if (antialias != 0 || strcmp(policy, "stretch") != 0 || oclnn__node_attr(node, "axes") != NULL)
    return FAIL(OCLNN_ERR_UNSUPPORTED,
                "node '%s' (Resize): antialias, axes or keep_aspect_ratio_policy (opset 18)",
                node->name);
  if (opset >= 11 && strcmp(ctm, "asymmetric") != 0)
    return FAIL(OCLNN_ERR_UNSUPPORTED,
                "node '%s' (Resize): coordinate_transformation_mode '%s' (oclnn runs "
                "'asymmetric', torch's nearest)",
                node->name, ctm);
  if (opset >= 11 && strcmp(nm, "floor") != 0)
    return FAIL(OCLNN_ERR_UNSUPPORTED,
                "node '%s' (Resize): nearest_mode '%s' (oclnn runs 'floor', torch's nearest)",
                node->name, nm);
  for (int k = 1; k < node->n_inputs; k++)
    if ((s = need_static(g, node, k, false, "roi/scales/sizes", err)))
      return s;
  return OCLNN_SUCCESS;
}

oclnn_status oclnn__device_node_check(const oclnn__graph *g, const oclnn__node *node,
                                      oclnn__errbuf *err) {
  const char *op = node->op;
  oclnn_status s;
  if (strcmp(op, "Identity") == 0 || strcmp(op, "Reshape") == 0 || strcmp(op, "Flatten") == 0 ||
      strcmp(op, "Squeeze") == 0 || strcmp(op, "Unsqueeze") == 0) {
    if ((s = need_data(g, node, err)))
      return s;
    for (int k = 1; k < node->n_inputs; k++)
      if ((s = need_static(g, node, k, false, "shape/axes", err)))
        return s;
    return OCLNN_SUCCESS;
  }
  if (strcmp(op, "Concat") == 0) {
    if (node->n_inputs < 1 || node->n_outputs != 1 || node->outputs[0] < 0)
      return FAIL(OCLNN_ERR_INVALID_VALUE, "node '%s' (Concat): needs inputs and one output",
                  node->name);
    for (int k = 0; k < node->n_inputs; k++)
      if (node->inputs[k] < 0)
        return FAIL(OCLNN_ERR_INVALID_VALUE, "node '%s' (Concat): input %d is empty", node->name,
                    k);
    static const char *const names[] = {"axis", NULL};
    return known_attrs(node, names, err);
  }
  if (strcmp(op, "Slice") == 0) {
    if ((s = need_data(g, node, err)))
      return s;
    for (int k = 1; k < node->n_inputs; k++)
      if ((s = need_static(g, node, k, false, "starts/ends/axes/steps", err)))
        return s;
    static const char *const names10[] = {NULL};
    static const char *const names9[] = {"starts", "ends", "axes", NULL};
    return known_attrs(node, g->opset >= 10 ? names10 : names9, err);
  }
  if (strcmp(op, "Add") == 0) {
    if (node->n_inputs != 2 || node->inputs[0] < 0 || node->inputs[1] < 0)
      return FAIL(OCLNN_ERR_INVALID_VALUE, "node '%s' (Add): needs two inputs", node->name);
    if (node->n_outputs != 1 || node->outputs[0] < 0)
      return FAIL(OCLNN_ERR_INVALID_VALUE, "node '%s' (Add): needs one output", node->name);
    if (node->n_attrs > 0)
      return FAIL(OCLNN_ERR_UNSUPPORTED, "node '%s' (Add): attribute '%s' (opset < 7 broadcast)",
                  node->name, node->attrs[0].name);
    return OCLNN_SUCCESS;
  }
  if ((s = need_data(g, node, err)))
    return s;
  if (strcmp(op, "Relu") == 0) {
    if (node->n_attrs > 0)
      return FAIL(OCLNN_ERR_UNSUPPORTED, "node '%s' (Relu): attribute '%s'", node->name,
                  node->attrs[0].name);
    return OCLNN_SUCCESS;
  }
  if (strcmp(op, "Conv") == 0)
    return check_conv(g, node, err);
  if (strcmp(op, "Pad") == 0)
    return check_pad(g, node, g->opset, err);
  if (strcmp(op, "Resize") == 0 || strcmp(op, "Upsample") == 0)
    return check_resize(g, node, g->opset, err);
  if (strcmp(op, "BatchNormalization") == 0) {
    static const char *const names[] = {"epsilon", "momentum", "training_mode", "spatial", NULL};
    if ((s = known_attrs(node, names, err)))
      return s;
    int64_t training, spatial;
    if ((s = oclnn__attr_int(node, "training_mode", 0, &training, err)) ||
        (s = oclnn__attr_int(node, "spatial", 1, &spatial, err)))
      return s;
    if (training != 0)
      return FAIL(OCLNN_ERR_UNSUPPORTED, "node '%s' (BatchNormalization): training_mode 1",
                  node->name);
    if (spatial != 1)
      return FAIL(OCLNN_ERR_UNSUPPORTED, "node '%s' (BatchNormalization): spatial 0", node->name);
    for (int k = 1; k <= 4; k++)
      if ((s = need_static(g, node, k, true, "scale/B/mean/var", err)))
        return s;
    return OCLNN_SUCCESS;
  }
  if (strcmp(op, "InstanceNormalization") == 0) {
    static const char *const names[] = {"epsilon", NULL};
    if ((s = known_attrs(node, names, err)) || (s = need_static(g, node, 1, true, "scale", err)) ||
        (s = need_static(g, node, 2, true, "B", err)))
      return s;
    return OCLNN_SUCCESS;
  }
  if (strcmp(op, "LayerNormalization") == 0) {
    static const char *const names[] = {"axis", "epsilon", "stash_type", NULL};
    if ((s = known_attrs(node, names, err)) || (s = need_static(g, node, 1, true, "Scale", err)) ||
        (s = need_static(g, node, 2, false, "B", err)))
      return s;
    return OCLNN_SUCCESS;
  }
  if (strcmp(op, "GroupNormalization") == 0) {
    static const char *const names[] = {"epsilon", "num_groups", NULL};
    if ((s = known_attrs(node, names, err)) || (s = need_static(g, node, 1, true, "scale", err)) ||
        (s = need_static(g, node, 2, true, "bias", err)))
      return s;
    int64_t groups;
    if ((s = oclnn__attr_int(node, "num_groups", 0, &groups, err)))
      return s;
    if (groups < 1)
      return FAIL(OCLNN_ERR_INVALID_VALUE, "node '%s' (GroupNormalization): num_groups %lld",
                  node->name, (long long)groups);
    return OCLNN_SUCCESS;
  }
  if (strcmp(op, "LRN") == 0) {
    static const char *const names[] = {"alpha", "beta", "bias", "size", NULL};
    if ((s = known_attrs(node, names, err)))
      return s;
    int64_t size;
    if ((s = oclnn__attr_int(node, "size", 0, &size, err)))
      return s;
    if (oclnn__node_attr(node, "size") == NULL || size < 1 || size >= ((int64_t)1 << 31))
      return FAIL(OCLNN_ERR_INVALID_VALUE, "node '%s' (LRN): size %lld", node->name,
                  (long long)size);
    return OCLNN_SUCCESS;
  }
  return FAIL(OCLNN_ERR_UNSUPPORTED, "node '%s' (%s): op not supported", node->name, op);
}

/* ---- torch's GroupNorm export ------------------------------------------------------------ */

/* The one node reading value v, or -1 when none, several, or v is a graph output. */
static int sole_consumer(const oclnn__graph *g, int v) {
  for (int i = 0; i < g->n_outputs; i++)
    if (g->outputs[i] == v)
      return -1;
  int found = -1;
  for (int n = 0; n < g->n_nodes; n++)
    for (int k = 0; k < g->nodes[n].n_inputs; k++)
      if (g->nodes[n].inputs[k] == v) {
        if (found >= 0 && found != n)
          return -1;
        if (found == n)
          return -1; /* read twice by one node */
        found = n;
      }
  return found;
}

/* A float constant of shape (C, 1, ..., 1) with `rank` dims; its C. */
static bool per_channel(const oclnn__const *c, int rank, int64_t *channels) {
  if (c == NULL || c->type != OCLNN__ONNX_FLOAT || c->rank != rank || rank < 1)
    return false;
  for (int d = 1; d < rank; d++)
    if (c->dims[d] != 1)
      return false;
  *channels = c->dims[0];
  return true;
}

bool oclnn__match_group_norm(const oclnn__graph *g, int in_node, int nodes[4], int64_t *groups) {
  const oclnn__node *in = &g->nodes[in_node];
  if (strcmp(in->op, "InstanceNormalization") != 0 || in->n_inputs != 3 || in->n_outputs != 1 ||
      in->inputs[0] < 0 || in->inputs[1] < 0 || in->inputs[2] < 0 || in->outputs[0] < 0)
    return false;
  int r1 = g->values[in->inputs[0]].producer;
  if (r1 < 0 || strcmp(g->nodes[r1].op, "Reshape") != 0 || g->nodes[r1].n_inputs < 2 ||
      g->nodes[r1].inputs[1] < 0 || sole_consumer(g, in->inputs[0]) != in_node)
    return false;
  int x = g->nodes[r1].inputs[0];
  const oclnn__const *shape = g->values[g->nodes[r1].inputs[1]].cst;
  if (x < 0 || shape == NULL || shape->type != OCLNN__ONNX_INT64 || shape->numel != 3)
    return false;
  int64_t G = oclnn__const_get_i64(shape, 1);
  if (G < 1 || oclnn__const_get_i64(shape, 2) != -1 || oclnn__const_get_i64(shape, 0) != 0)
    return false;
  const oclnn__const *scale = g->values[in->inputs[1]].cst, *bias = g->values[in->inputs[2]].cst;
  if (scale == NULL || bias == NULL || scale->type != OCLNN__ONNX_FLOAT ||
      bias->type != OCLNN__ONNX_FLOAT || scale->numel != G || bias->numel != G)
    return false;
  for (int64_t i = 0; i < G; i++)
    if (((const float *)scale->data)[i] != 1.0f || ((const float *)bias->data)[i] != 0.0f)
      return false;
  int r2 = sole_consumer(g, in->outputs[0]);
  if (r2 < 0 || strcmp(g->nodes[r2].op, "Reshape") != 0 || g->nodes[r2].n_inputs < 2 ||
      g->nodes[r2].inputs[0] != in->outputs[0] || g->nodes[r2].n_outputs != 1 ||
      g->nodes[r2].outputs[0] < 0 || g->nodes[r2].inputs[1] < 0)
    return false;
  int shp = g->values[g->nodes[r2].inputs[1]].producer;
  if (shp < 0 || strcmp(g->nodes[shp].op, "Shape") != 0 || g->nodes[shp].n_inputs != 1 ||
      g->nodes[shp].inputs[0] != x || g->nodes[shp].n_attrs != 0)
    return false;
  int mul = sole_consumer(g, g->nodes[r2].outputs[0]);
  if (mul < 0 || strcmp(g->nodes[mul].op, "Mul") != 0 || g->nodes[mul].n_inputs != 2 ||
      g->nodes[mul].n_outputs != 1 || g->nodes[mul].outputs[0] < 0)
    return false;
  int wk = g->nodes[mul].inputs[0] == g->nodes[r2].outputs[0] ? 1 : 0;
  int add = sole_consumer(g, g->nodes[mul].outputs[0]);
  if (g->nodes[mul].inputs[wk] < 0 || add < 0 || strcmp(g->nodes[add].op, "Add") != 0 ||
      g->nodes[add].n_inputs != 2 || g->nodes[add].n_outputs != 1 || g->nodes[add].outputs[0] < 0)
    return false;
  int bk = g->nodes[add].inputs[0] == g->nodes[mul].outputs[0] ? 1 : 0;
  if (g->nodes[add].inputs[bk] < 0)
    return false;
  const oclnn__const *w = g->values[g->nodes[mul].inputs[wk]].cst;
  const oclnn__const *b = g->values[g->nodes[add].inputs[bk]].cst;
  int64_t cw, cb;
  if (w == NULL || b == NULL || !per_channel(w, w->rank, &cw) || !per_channel(b, w->rank, &cb) ||
      cw != cb || cw % G != 0)
    return false;
  nodes[0] = r1;
  nodes[1] = r2;
  nodes[2] = mul;
  nodes[3] = add;
  *groups = G;
  return true;
}
