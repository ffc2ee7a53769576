/* The device half of the model runner: weights on the device, plans (shapes, fused steps,
 * layers, buffers) per set of input shapes, and runs. The host half is onnx_parse.c + fold.c.
 *
 * A plan is a list of steps; each step is one layer call (after fusion) that reads values and
 * writes one value. Values live in storages: a step's output gets a new storage, alias ops
 * (Identity, Reshape, ...) relabel their input's storage, graph inputs are the caller's
 * tensors. Storages that are not the caller's share a few model-owned buffers: a storage's
 * buffer is free again once the last step reading it ran (liveness), and the queue is in order,
 * so reuse needs no synchronisation. */
#include "oclnn/model.h"
#include "core/internal.h"
#include "model/model_internal.h"
#include "oclnn/act.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define MODEL_ERR_SIZE 2048
#define LAST_STEP 0x7fffffff

typedef enum step_kind {
  STEP_CONV,
  STEP_PAD,
  STEP_BATCH_NORM,
  STEP_INSTANCE_NORM,
  STEP_LAYER_NORM,
  STEP_GROUP_NORM,
  STEP_LRN,
  STEP_RELU,
  STEP_ADD,
  STEP_UPSAMPLE,
  STEP_COPY,
  STEP_BOX /* Slice, and each input of a Concat: a box of `in` copied into a box of `out` */
} step_kind;

typedef struct step {
  step_kind kind;
  int node;      /* the first ONNX node (its name names the step) */
  char op[96];   /* "Pad+Conv", "InstanceNormalization+Add+Relu", ... */
  int in;        /* value read */
  int in2;       /* residual, the Add's second operand, or -1 */
  int out;       /* value written */
  int params[4]; /* value indices of weights in the weights buffer (-1: none) */
  void *layer;   /* oclnn_conv / oclnn_pad / norm layer, owned by the model's layer cache */
  oclnn_upsample_desc up;
  int fuse_relu;
  int output_index; /* STEP_COPY: the graph output it fills */
  int64_t src_lo[OCLNN_MAX_RANK], dst_lo[OCLNN_MAX_RANK], len[OCLNN_MAX_RANK]; /* STEP_BOX */
  cl_mem aux; /* per-channel weight and bias (2 x C floats) made at plan time, else NULL */
} step;

typedef struct pvalue {
  int rank;
  int64_t dims[OCLNN__GRAPH_MAX_RANK];
  oclnn__const *cst; /* known on the host (graph's, or owned by the plan when own) */
  bool own;
  int storage; /* -1: not on the device */
} pvalue;

typedef struct storage {
  int64_t numel;
  int def_step, last_use;
  int input_index;  /* a graph input's tensor, else -1 */
  int output_index; /* written straight into the caller's output, else -1 */
  int buffer;       /* model buffer, else -1 */
} storage;

typedef struct cached_layer {
  char key[192];
  step_kind kind;
  void *layer;
} cached_layer;

struct oclnn_model {
  oclnn_context *ctx;
  oclnn__graph *g;
  cl_mem weights;   /* every float constant a device op reads, packed */
  int64_t *woffset; /* per value: offset in floats in `weights`, or -1 */
  oclnn_act *act;
  cached_layer *layers;
  int n_layers, cap_layers;
  /* The plan for plan_rank/plan_dims. */
  bool planned;
  int plan_rank[16];
  int64_t plan_dims[16][OCLNN_MAX_RANK];
  pvalue *pv;
  step *steps;
  int n_steps, cap_steps;
  storage *st;
  int n_st, cap_st;
  cl_mem *buffers;
  size_t *buffer_bytes;
  int n_buffers;
  /* Profiling */
  bool profiling;
  cl_event *events; /* n_steps + 1 markers of the last run */
  int n_events;
  char err[MODEL_ERR_SIZE];
};

/* ---- small helpers ------------------------------------------------------------------------ */

static oclnn_status fail_graph(oclnn_model *m, const char *function, oclnn_status s) {
  return oclnn__fail(m->ctx, s, "%s: %s", function, m->err);
}

static const char *layer_error(oclnn_model *m) {
  /* The layer's own message, copied because the next failing call replaces it. */
  snprintf(m->err, sizeof m->err, "%s", oclnn_context_error(m->ctx));
  return m->err;
}

static oclnn_status node_fail(oclnn_model *m, const char *function, int node, oclnn_status s,
                              const char *format, ...) __attribute__((format(printf, 5, 6)));
static oclnn_status node_fail(oclnn_model *m, const char *function, int node, oclnn_status s,
                              const char *format, ...) {
  char what[1024];
  va_list args;
  va_start(args, format);
  vsnprintf(what, sizeof what, format, args);
  va_end(args);
  const oclnn__node *n = &m->g->nodes[node];
  return oclnn__fail(m->ctx, s, "%s: node '%s' (%s): %s", function, n->name, n->op, what);
}

static void release_events(oclnn_model *m) {
  for (int i = 0; i < m->n_events; i++)
    if (m->events[i] != NULL)
      clReleaseEvent(m->events[i]);
  free(m->events);
  m->events = NULL;
  m->n_events = 0;
}

static void free_plan(oclnn_model *m) {
  for (int i = 0; i < m->n_steps; i++)
    if (m->steps[i].aux != NULL)
      clReleaseMemObject(m->steps[i].aux);
  if (m->pv != NULL)
    for (int v = 0; v < m->g->n_values; v++)
      if (m->pv[v].own)
        oclnn__const_free(m->pv[v].cst);
  free(m->pv);
  m->pv = NULL;
  free(m->steps);
  m->steps = NULL;
  m->n_steps = m->cap_steps = 0;
  free(m->st);
  m->st = NULL;
  m->n_st = m->cap_st = 0;
  release_events(m);
  m->planned = false;
}

static void free_layer(cached_layer *l) {
  switch (l->kind) {
  case STEP_CONV:
    oclnn_conv_free(l->layer);
    break;
  case STEP_PAD:
    oclnn_pad_free(l->layer);
    break;
  case STEP_BATCH_NORM:
    oclnn_batch_norm_free(l->layer);
    break;
  case STEP_INSTANCE_NORM:
    oclnn_instance_norm_free(l->layer);
    break;
  case STEP_LAYER_NORM:
    oclnn_layer_norm_free(l->layer);
    break;
  case STEP_GROUP_NORM:
    oclnn_group_norm_free(l->layer);
    break;
  case STEP_LRN:
    oclnn_lrn_free(l->layer);
    break;
  default:
    break;
  }
}

void oclnn_model_free(oclnn_model *model) {
  if (model == NULL)
    return;
  free_plan(model);
  for (int i = 0; i < model->n_layers; i++)
    free_layer(&model->layers[i]);
  free(model->layers);
  for (int i = 0; i < model->n_buffers; i++)
    if (model->buffers[i] != NULL)
      clReleaseMemObject(model->buffers[i]);
  free(model->buffers);
  free(model->buffer_bytes);
  oclnn_act_free(model->act);
  if (model->weights != NULL)
    clReleaseMemObject(model->weights);
  free(model->woffset);
  oclnn__model_graph_free(model->g);
  free(model);
}

/* ---- loading ------------------------------------------------------------------------------ */

/* Which inputs of a device node are weights to upload (float constants). */
static bool is_weight_input(const oclnn__node *node, int k) {
  if (k == 0) /* commutative operands (the GroupNorm export's Mul and Add), Concat's pieces */
    return strcmp(node->op, "Add") == 0 || strcmp(node->op, "Mul") == 0 ||
           strcmp(node->op, "Concat") == 0;
  return strcmp(node->op, "Conv") == 0 || strcmp(node->op, "BatchNormalization") == 0 ||
         strcmp(node->op, "InstanceNormalization") == 0 ||
         strcmp(node->op, "LayerNormalization") == 0 ||
         strcmp(node->op, "GroupNormalization") == 0 || strcmp(node->op, "Add") == 0 ||
         strcmp(node->op, "Mul") == 0 || strcmp(node->op, "Concat") == 0;
}

static oclnn_status upload_weights(oclnn_model *m, const char *function) {
  oclnn__graph *g = m->g;
  m->woffset = malloc((size_t)(g->n_values > 0 ? g->n_values : 1) * sizeof *m->woffset);
  if (m->woffset == NULL)
    return oclnn__fail(m->ctx, OCLNN_ERR_OUT_OF_MEMORY, "%s: out of host memory", function);
  for (int v = 0; v < g->n_values; v++)
    m->woffset[v] = -1;
  int64_t total = 0;
  for (int n = 0; n < g->n_nodes; n++) {
    const oclnn__node *node = &g->nodes[n];
    if (node->folded)
      continue;
    for (int k = 0; k < node->n_inputs; k++) {
      int v = node->inputs[k];
      if (v < 0 || m->woffset[v] >= 0 || !is_weight_input(node, k))
        continue;
      const oclnn__const *c = g->values[v].cst;
      if (c == NULL || c->type != OCLNN__ONNX_FLOAT)
        continue;
      /* 16-float alignment keeps every view's start 64-byte aligned for vector loads. */
      total = (total + 15) & ~(int64_t)15;
      m->woffset[v] = total;
      total += c->numel;
    }
  }
  if (total == 0)
    return OCLNN_SUCCESS;
  if (total > ((int64_t)1 << 40))
    return oclnn__fail(m->ctx, OCLNN_ERR_OVERFLOW, "%s: %lld floats of weights", function,
                       (long long)total);
  /* Filled through a mapping, which on CPU devices is the buffer's own memory: the weights are
   * copied (and their pages touched) once, where a host array passed with CL_MEM_COPY_HOST_PTR
   * took two copies into two fresh allocations (the style model: 6.7 MB, ~1600 page faults
   * more). */
  const size_t bytes = (size_t)total * sizeof(float);
  cl_int err;
  m->weights =
      clCreateBuffer(m->ctx->cl_ctx, CL_MEM_READ_ONLY | CL_MEM_ALLOC_HOST_PTR, bytes, NULL, &err);
  if (m->weights == NULL || err != CL_SUCCESS) {
    m->weights = NULL;
    return oclnn__fail_cl(m->ctx, function, "clCreateBuffer(weights)", err);
  }
  float *host = clEnqueueMapBuffer(m->ctx->queue, m->weights, CL_TRUE,
                                   CL_MAP_WRITE_INVALIDATE_REGION, 0, bytes, 0, NULL, NULL, &err);
  if (host == NULL || err != CL_SUCCESS) {
    clReleaseMemObject(m->weights);
    m->weights = NULL;
    return oclnn__fail_cl(m->ctx, function, "clEnqueueMapBuffer(weights)", err);
  }
  for (int v = 0; v < g->n_values; v++) {
    if (m->woffset[v] < 0)
      continue;
    /* The constant, then zeros up to where the next one starts (a multiple of 16 floats). */
    int64_t at = m->woffset[v], numel = g->values[v].cst->numel;
    int64_t end = (at + numel + 15) & ~(int64_t)15;
    if (end > total)
      end = total;
    if (numel > 0)
      memcpy(host + at, g->values[v].cst->data, (size_t)numel * sizeof(float));
    if (end > at + numel)
      memset(host + at + numel, 0, (size_t)(end - at - numel) * sizeof(float));
  }
  err = clEnqueueUnmapMemObject(m->ctx->queue, m->weights, host, 0, NULL, NULL);
  if (err != CL_SUCCESS) {
    clReleaseMemObject(m->weights);
    m->weights = NULL;
    return oclnn__fail_cl(m->ctx, function, "clEnqueueUnmapMemObject(weights)", err);
  }
  return OCLNN_SUCCESS;
}

oclnn_status oclnn_model_load_buffer(oclnn_context *ctx, const void *data, size_t size,
                                     oclnn_model **out) {
  static const char function[] = "oclnn_model_load_buffer";
  if (out != NULL)
    *out = NULL;
  if (ctx == NULL)
    return oclnn__fail(NULL, OCLNN_ERR_NULL_ARGUMENT, "%s: ctx is NULL", function);
  if (out == NULL)
    return oclnn__fail(ctx, OCLNN_ERR_NULL_ARGUMENT, "%s: out is NULL", function);
  if (data == NULL)
    return oclnn__fail(ctx, OCLNN_ERR_NULL_ARGUMENT, "%s: data is NULL", function);
  oclnn_model *m = calloc(1, sizeof *m);
  if (m == NULL)
    return oclnn__fail(ctx, OCLNN_ERR_OUT_OF_MEMORY, "%s: out of host memory", function);
  m->ctx = ctx;
  oclnn_status s = oclnn__model_graph_parse(data, size, &m->g, m->err, sizeof m->err);
  if (s != OCLNN_SUCCESS) {
    s = fail_graph(m, function, s);
    oclnn_model_free(m);
    return s;
  }
  s = upload_weights(m, function);
  if (s == OCLNN_SUCCESS) {
    s = oclnn_act_create(ctx, &m->act);
    if (s != OCLNN_SUCCESS)
      s = oclnn__fail(ctx, s, "%s: %s", function, layer_error(m));
  }
  if (s != OCLNN_SUCCESS) {
    oclnn_model_free(m);
    return s;
  }
  *out = m;
  return OCLNN_SUCCESS;
}

oclnn_status oclnn_model_load_file(oclnn_context *ctx, const char *path, oclnn_model **out) {
  static const char function[] = "oclnn_model_load_file";
  if (out != NULL)
    *out = NULL;
  if (ctx == NULL)
    return oclnn__fail(NULL, OCLNN_ERR_NULL_ARGUMENT, "%s: ctx is NULL", function);
  if (path == NULL || out == NULL)
    return oclnn__fail(ctx, OCLNN_ERR_NULL_ARGUMENT, "%s: %s is NULL", function,
                       path == NULL ? "path" : "out");
  FILE *f = fopen(path, "rb");
  if (f == NULL)
    return oclnn__fail(ctx, OCLNN_ERR_IO, "%s: cannot open '%s'", function, path);
  /* Read in chunks: works for pipes and never trusts a size reported up front. */
  size_t cap = 1 << 20, len = 0;
  char *buf = malloc(cap);
  oclnn_status s = OCLNN_SUCCESS;
  while (buf != NULL) {
    if (len == cap) {
      if (cap >= ((size_t)1 << 31)) {
        s = oclnn__fail(ctx, OCLNN_ERR_OVERFLOW, "%s: '%s' is 2 GiB or larger (protobuf's limit)",
                        function, path);
        break;
      }
      char *bigger = realloc(buf, cap * 2);
      if (bigger == NULL)
        break;
      buf = bigger;
      cap *= 2;
    }
    size_t got = fread(buf + len, 1, cap - len, f);
    len += got;
    if (got == 0) {
      if (ferror(f))
        s = oclnn__fail(ctx, OCLNN_ERR_IO, "%s: error reading '%s'", function, path);
      break;
    }
  }
  fclose(f);
  if (buf == NULL && s == OCLNN_SUCCESS)
    s = oclnn__fail(ctx, OCLNN_ERR_OUT_OF_MEMORY, "%s: out of host memory reading '%s'", function,
                    path);
  if (s == OCLNN_SUCCESS) {
    s = oclnn_model_load_buffer(ctx, buf, len, out);
    if (s != OCLNN_SUCCESS) {
      char msg[OCLNN__MESSAGE_SIZE];
      snprintf(msg, sizeof msg, "%s", oclnn_context_error(ctx));
      /* Name the file: "oclnn_model_load_file: 'x.onnx': <loader's message>". */
      const char *rest = strchr(msg, ':');
      oclnn__fail(ctx, s, "%s: '%s'%s", function, path, rest != NULL ? rest : msg);
    }
  }
  free(buf);
  return s;
}

/* ---- info --------------------------------------------------------------------------------- */

int oclnn_model_input_count(const oclnn_model *model) {
  return model == NULL ? -1 : model->g->n_inputs;
}

int oclnn_model_output_count(const oclnn_model *model) {
  return model == NULL ? -1 : model->g->n_outputs;
}

static oclnn_status value_info(const oclnn_model *model, const char *function, bool input,
                               int index, const char **name, int *rank, int64_t *shape) {
  if (model == NULL)
    return oclnn__fail(NULL, OCLNN_ERR_NULL_ARGUMENT, "%s: model is NULL", function);
  int count = input ? model->g->n_inputs : model->g->n_outputs;
  if (index < 0 || index >= count)
    return oclnn__fail(model->ctx, OCLNN_ERR_INVALID_VALUE,
                       "%s: index %d is out of range (the model has %d %s)", function, index, count,
                       input ? "inputs" : "outputs");
  const oclnn__value *v =
      &model->g->values[input ? model->g->inputs[index] : model->g->outputs[index]];
  if (name != NULL)
    *name = v->name;
  int r = v->declared_rank;
  /* An output without a declared shape, or of a rank a tensor cannot have: report the rank as
   * -1; the planned shape comes from oclnn_model_output_shape. */
  if (r > OCLNN_MAX_RANK)
    r = -1;
  if (rank != NULL)
    *rank = r;
  if (shape != NULL)
    for (int d = 0; d < OCLNN_MAX_RANK; d++)
      shape[d] = d < r ? v->declared_dims[d] : 0;
  return OCLNN_SUCCESS;
}

oclnn_status oclnn_model_input_info(const oclnn_model *model, int index, const char **name,
                                    int *rank, int64_t *shape) {
  return value_info(model, "oclnn_model_input_info", true, index, name, rank, shape);
}

oclnn_status oclnn_model_output_info(const oclnn_model *model, int index, const char **name,
                                     int *rank, int64_t *shape) {
  return value_info(model, "oclnn_model_output_info", false, index, name, rank, shape);
}

/* ---- planning ----------------------------------------------------------------------------- */

typedef struct planner {
  oclnn_model *m;
  const char *function;
  int *consumers; /* per value: reading nodes (not folded) + graph outputs */
  bool *skip;     /* per node: fused into an earlier step */
  int *pad_into;  /* per node: the Pad node a Conv absorbs, else -1 */
  /* per node: the Resize node whose nearest upsampling a Conv does in its input reads, else -1 */
  int *resize_into;
} planner;

static oclnn_status grow(void **array, int *cap, int need, size_t elem) {
  if (need <= *cap)
    return OCLNN_SUCCESS;
  int n = *cap > 0 ? *cap * 2 : 32;
  while (n < need)
    n *= 2;
  void *bigger = realloc(*array, (size_t)n * elem);
  if (bigger == NULL)
    return OCLNN_ERR_OUT_OF_MEMORY;
  *array = bigger;
  *cap = n;
  return OCLNN_SUCCESS;
}

static oclnn_status new_storage(planner *p, int64_t numel, int *out) {
  oclnn_model *m = p->m;
  if (grow((void **)&m->st, &m->cap_st, m->n_st + 1, sizeof *m->st) != OCLNN_SUCCESS)
    return oclnn__fail(m->ctx, OCLNN_ERR_OUT_OF_MEMORY, "%s: out of host memory", p->function);
  storage *s = &m->st[m->n_st];
  s->numel = numel;
  s->def_step = m->n_steps;
  s->last_use = -1;
  s->input_index = -1;
  s->output_index = -1;
  s->buffer = -1;
  *out = m->n_st++;
  return OCLNN_SUCCESS;
}

static oclnn_status add_step(planner *p, step_kind kind, int node, const char *op, int in, int in2,
                             int out, step **out_step) {
  oclnn_model *m = p->m;
  if (grow((void **)&m->steps, &m->cap_steps, m->n_steps + 1, sizeof *m->steps) != OCLNN_SUCCESS)
    return oclnn__fail(m->ctx, OCLNN_ERR_OUT_OF_MEMORY, "%s: out of host memory", p->function);
  step *s = &m->steps[m->n_steps];
  memset(s, 0, sizeof *s);
  s->kind = kind;
  s->node = node;
  snprintf(s->op, sizeof s->op, "%s", op);
  s->in = in;
  s->in2 = in2;
  s->out = out;
  for (int i = 0; i < 4; i++)
    s->params[i] = -1;
  s->output_index = -1;
  /* The output's storage; its numel from its planned shape. */
  pvalue *o = &m->pv[out];
  int64_t numel = 1;
  for (int d = 0; d < o->rank; d++)
    if (!oclnn__mul_i64(numel, o->dims[d], &numel))
      return node_fail(m, p->function, node, OCLNN_ERR_OVERFLOW, "output size overflows");
  if (o->rank < 1 || o->rank > OCLNN_MAX_RANK)
    return node_fail(m, p->function, node, OCLNN_ERR_UNSUPPORTED,
                     "output of rank %d (device tensors have rank 1..%d)", o->rank, OCLNN_MAX_RANK);
  if (kind != STEP_COPY && !(kind == STEP_BOX && o->storage >= 0)) {
    oclnn_status st = new_storage(p, numel, &o->storage);
    if (st != OCLNN_SUCCESS)
      return st;
  }
  m->n_steps++;
  *out_step = s;
  return OCLNN_SUCCESS;
}

/* Finds or creates a layer by key; create() runs only on a miss. */
typedef oclnn_status (*create_fn)(oclnn_context *ctx, const void *desc, void **out);

static oclnn_status cached(planner *p, int node, step_kind kind, const char *key, create_fn create,
                           const void *desc, void **layer, bool *created) {
  oclnn_model *m = p->m;
  *created = false;
  for (int i = 0; i < m->n_layers; i++)
    if (m->layers[i].kind == kind && strcmp(m->layers[i].key, key) == 0) {
      *layer = m->layers[i].layer;
      return OCLNN_SUCCESS;
    }
  if (grow((void **)&m->layers, &m->cap_layers, m->n_layers + 1, sizeof *m->layers) !=
      OCLNN_SUCCESS)
    return oclnn__fail(m->ctx, OCLNN_ERR_OUT_OF_MEMORY, "%s: out of host memory", p->function);
  oclnn_status s = create(m->ctx, desc, layer);
  if (s != OCLNN_SUCCESS)
    return node_fail(m, p->function, node, s, "%s", layer_error(m));
  cached_layer *l = &m->layers[m->n_layers++];
  snprintf(l->key, sizeof l->key, "%s", key);
  l->kind = kind;
  l->layer = *layer;
  *created = true;
  return OCLNN_SUCCESS;
}

static oclnn_status create_conv(oclnn_context *ctx, const void *d, void **out) {
  return oclnn_conv_create(ctx, d, (oclnn_conv **)out);
}
static oclnn_status create_pad(oclnn_context *ctx, const void *d, void **out) {
  return oclnn_pad_create(ctx, d, (oclnn_pad **)out);
}
static oclnn_status create_bn(oclnn_context *ctx, const void *d, void **out) {
  return oclnn_batch_norm_create(ctx, d, (oclnn_batch_norm **)out);
}
static oclnn_status create_in(oclnn_context *ctx, const void *d, void **out) {
  return oclnn_instance_norm_create(ctx, d, (oclnn_instance_norm **)out);
}
static oclnn_status create_ln(oclnn_context *ctx, const void *d, void **out) {
  return oclnn_layer_norm_create(ctx, d, (oclnn_layer_norm **)out);
}
static oclnn_status create_gn(oclnn_context *ctx, const void *d, void **out) {
  return oclnn_group_norm_create(ctx, d, (oclnn_group_norm **)out);
}
static oclnn_status create_lrn(oclnn_context *ctx, const void *d, void **out) {
  return oclnn_lrn_create(ctx, d, (oclnn_lrn **)out);
}

static oclnn_tensor weight_view(const oclnn_model *m, int v, int rank, const int64_t *dims) {
  return oclnn_tensor_view(m->weights, (size_t)m->woffset[v], rank, dims);
}

/* A weight input's constant, on the device; NULL when absent or not a float constant. */
static const oclnn__const *weight_of(const oclnn_model *m, const oclnn__node *node, int k) {
  if (k >= node->n_inputs || node->inputs[k] < 0)
    return NULL;
  int v = node->inputs[k];
  if (m->woffset[v] < 0)
    return NULL;
  return m->g->values[v].cst;
}

/* Pads as ONNX gives them (begins then ends, one per axis of the input) -> per-axis begin/end.
 * opset >= 18 may name the axes. */
static oclnn_status pad_amounts(planner *p, int n, int rank, int64_t *begin, int64_t *end,
                                float *value) {
  oclnn_model *m = p->m;
  const oclnn__node *node = &m->g->nodes[n];
  int64_t vals[2 * OCLNN__GRAPH_MAX_RANK], count;
  *value = 0.0f;
  oclnn__errbuf e = {m->err, sizeof m->err};
  if (m->g->opset >= 11) {
    const oclnn__const *pads = m->pv[node->inputs[1]].cst;
    if (pads == NULL)
      return node_fail(m, p->function, n, OCLNN_ERR_UNSUPPORTED, "pads are not known");
    if (pads->type != OCLNN__ONNX_INT64 || pads->rank != 1 ||
        pads->numel > 2 * OCLNN__GRAPH_MAX_RANK)
      return node_fail(m, p->function, n, OCLNN_ERR_INVALID_VALUE,
                       "pads must be a 1-D int64 tensor");
    count = pads->numel;
    for (int64_t i = 0; i < count; i++)
      vals[i] = ((const int64_t *)pads->data)[i];
    if (node->n_inputs > 2 && node->inputs[2] >= 0) {
      const oclnn__const *cv = m->pv[node->inputs[2]].cst;
      if (cv == NULL || cv->numel != 1 || cv->type != OCLNN__ONNX_FLOAT)
        return node_fail(m, p->function, n, OCLNN_ERR_INVALID_VALUE,
                         "constant_value must be one float");
      *value = ((const float *)cv->data)[0];
    }
  } else {
    const int64_t *ints;
    oclnn_status s = oclnn__attr_ints(node, "pads", &count, &ints, &e);
    if (s == OCLNN_SUCCESS)
      s = oclnn__attr_float(node, "value", 0.0f, value, &e);
    if (s != OCLNN_SUCCESS)
      return oclnn__fail(m->ctx, s, "%s: %s", p->function, m->err);
    if (count < 0 || count > 2 * OCLNN__GRAPH_MAX_RANK)
      return node_fail(m, p->function, n, OCLNN_ERR_INVALID_VALUE, "pads missing");
    for (int64_t i = 0; i < count; i++)
      vals[i] = ints[i];
  }
  int64_t axes[OCLNN__GRAPH_MAX_RANK];
  int n_axes = rank;
  for (int d = 0; d < rank; d++)
    axes[d] = d;
  if (node->n_inputs > 3 && node->inputs[3] >= 0) {
    const oclnn__const *a = m->pv[node->inputs[3]].cst;
    if (a == NULL || a->rank > 1 || a->numel > rank)
      return node_fail(m, p->function, n, OCLNN_ERR_INVALID_VALUE, "axes must be 1-D");
    n_axes = (int)a->numel;
    for (int i = 0; i < n_axes; i++) {
      int64_t ax = oclnn__const_get_i64(a, i);
      if (ax < -rank || ax >= rank)
        return node_fail(m, p->function, n, OCLNN_ERR_INVALID_VALUE, "axis %lld", (long long)ax);
      axes[i] = ax < 0 ? ax + rank : ax;
    }
  }
  if (count != 2 * n_axes)
    return node_fail(m, p->function, n, OCLNN_ERR_INVALID_VALUE,
                     "%lld pads for %d axes (need begins and ends)", (long long)count, n_axes);
  for (int d = 0; d < rank; d++)
    begin[d] = end[d] = 0;
  for (int i = 0; i < n_axes; i++) {
    begin[axes[i]] = vals[i];
    end[axes[i]] = vals[i + n_axes];
  }
  return OCLNN_SUCCESS;
}

static oclnn_pad_mode pad_mode_of(const char *mode) {
  if (strcmp(mode, "reflect") == 0)
    return OCLNN_PAD_REFLECT;
  if (strcmp(mode, "edge") == 0)
    return OCLNN_PAD_REPLICATE;
  if (strcmp(mode, "wrap") == 0)
    return OCLNN_PAD_CIRCULAR;
  return OCLNN_PAD_CONSTANT;
}

/* A Pad step from per-axis begin/end amounts (N and C unpadded unless constant). */
static oclnn_status plan_pad_step(planner *p, int n, int in, int out, oclnn_pad_mode mode,
                                  const int64_t *begin, const int64_t *end, float value,
                                  const char *opname) {
  oclnn_model *m = p->m;
  const pvalue *x = &m->pv[in];
  int rank = x->rank;
  int first = rank;
  for (int d = 0; d < rank; d++)
    if (begin[d] != 0 || end[d] != 0) {
      first = d;
      break;
    }
  int dims = rank - first;
  if (mode != OCLNN_PAD_CONSTANT) {
    if (first < 2 && first < rank)
      return node_fail(m, p->function, n, OCLNN_ERR_UNSUPPORTED,
                       "%s padding of the batch or channel axis (oclnn pads spatial axes only "
                       "in this mode)",
                       mode == OCLNN_PAD_REFLECT ? "reflect"
                                                 : (mode == OCLNN_PAD_REPLICATE ? "edge" : "wrap"));
    dims = rank - 2;
  }
  if (dims < 1)
    dims = 1;
  if (dims > 3)
    return node_fail(m, p->function, n, OCLNN_ERR_UNSUPPORTED,
                     "padding %d trailing axes (oclnn pads at most 3)", dims);
  oclnn_pad_desc desc = oclnn_pad_desc_default(dims, mode, 0);
  desc.value = value;
  for (int i = 0; i < dims; i++) {
    desc.padding[2 * i] = begin[rank - 1 - i];
    desc.padding[2 * i + 1] = end[rank - 1 - i];
  }
  char key[192];
  snprintf(key, sizeof key, "pad %d %d %a", dims, (int)mode, (double)value);
  void *layer;
  bool created;
  /* The pad layer holds its amounts, so the key needs them too. */
  size_t len = strlen(key);
  for (int i = 0; i < 2 * dims && len < sizeof key - 24; i++)
    len += (size_t)snprintf(key + len, sizeof key - len, " %lld", (long long)desc.padding[i]);
  oclnn_status s = cached(p, n, STEP_PAD, key, create_pad, &desc, &layer, &created);
  if (s != OCLNN_SUCCESS)
    return s;
  pvalue *o = &m->pv[out];
  o->rank = rank;
  s = oclnn_pad_output_shape(layer, rank, x->dims, o->dims);
  if (s != OCLNN_SUCCESS)
    return node_fail(m, p->function, n, s, "%s", layer_error(m));
  step *st;
  s = add_step(p, STEP_PAD, n, opname, in, -1, out, &st);
  if (s != OCLNN_SUCCESS)
    return s;
  st->layer = layer;
  return OCLNN_SUCCESS;
}

/* Can Pad node `pn` fold into the Conv that reads it? Sets the conv's padding and mode. */
static bool pad_fusable(planner *p, int pn, int rank, int64_t *pads_out,
                        oclnn_conv_padding_mode *mode) {
  oclnn_model *m = p->m;
  const oclnn__node *pad = &m->g->nodes[pn];
  int v = pad->outputs[0];
  if (p->consumers[v] != 1)
    return false;
  const char *mode_s;
  oclnn__errbuf e = {NULL, 0};
  if (oclnn__attr_string(pad, "mode", "constant", &mode_s, &e) != OCLNN_SUCCESS)
    return false;
  int64_t begin[OCLNN__GRAPH_MAX_RANK], end[OCLNN__GRAPH_MAX_RANK];
  float value;
  char saved[OCLNN__MESSAGE_SIZE];
  snprintf(saved, sizeof saved, "%s", m->ctx->message);
  oclnn_status s = pad_amounts(p, pn, rank, begin, end, &value);
  snprintf(m->ctx->message, sizeof m->ctx->message, "%s", saved);
  if (s != OCLNN_SUCCESS)
    return false;
  oclnn_pad_mode pm = pad_mode_of(mode_s);
  if (pm == OCLNN_PAD_CONSTANT && value != 0.0f)
    return false;
  if (begin[0] || end[0] || begin[1] || end[1])
    return false;
  for (int d = 2; d < rank; d++) {
    if (begin[d] != end[d] || begin[d] < 0)
      return false;
    pads_out[d - 2] = begin[d];
  }
  *mode = (oclnn_conv_padding_mode)pm;
  return true;
}

static oclnn_status plan_conv(planner *p, int n) {
  oclnn_model *m = p->m;
  const oclnn__node *node = &m->g->nodes[n];
  oclnn__errbuf e = {m->err, sizeof m->err};
  const oclnn__const *w = weight_of(m, node, 1);
  const oclnn__const *b = weight_of(m, node, 2);
  if (w == NULL || (node->n_inputs > 2 && node->inputs[2] >= 0 && b == NULL))
    return node_fail(m, p->function, n, OCLNN_ERR_UNSUPPORTED,
                     "W and B must be float initializers or constants");
  int in = node->inputs[0];
  int pad_node = p->pad_into[n];
  if (pad_node >= 0)
    in = m->g->nodes[pad_node].inputs[0];
  int resize_node = p->resize_into[n];
  int64_t upsample[3] = {1, 1, 1};
  if (resize_node >= 0) {
    const pvalue *up = &m->pv[in];
    in = m->g->nodes[resize_node].inputs[0];
    for (int d = 2; d < up->rank && d < 5; d++)
      upsample[d - 2] = up->dims[d] / m->pv[in].dims[d];
  }
  const pvalue *x = &m->pv[in];
  int dims = w->rank - 2;
  if (x->rank != w->rank)
    return node_fail(m, p->function, n, OCLNN_ERR_INVALID_SHAPE,
                     "input of rank %d for a weight of rank %d (input must be N, C, spatial...)",
                     x->rank, w->rank);
  int64_t group;
  const char *auto_pad;
  const int64_t *v;
  int64_t count;
  oclnn_status s = oclnn__attr_int(node, "group", 1, &group, &e);
  if (s == OCLNN_SUCCESS)
    s = oclnn__attr_string(node, "auto_pad", "NOTSET", &auto_pad, &e);
  if (s != OCLNN_SUCCESS)
    return oclnn__fail(m->ctx, s, "%s: %s", p->function, m->err);
  oclnn_conv_desc desc = oclnn_conv_desc_default(dims, w->dims[1] * group, w->dims[0], w->dims[2]);
  desc.groups = group;
  desc.bias = b != NULL;
  for (int d = 0; d < dims; d++) {
    desc.kernel_size[d] = w->dims[2 + d];
    desc.input_upsample[d] = upsample[d];
  }
  if ((s = oclnn__attr_ints(node, "kernel_shape", &count, &v, &e)) != OCLNN_SUCCESS)
    return oclnn__fail(m->ctx, s, "%s: %s", p->function, m->err);
  for (int64_t d = 0; d < count; d++)
    if (v[d] != desc.kernel_size[d])
      return node_fail(m, p->function, n, OCLNN_ERR_INVALID_SHAPE,
                       "kernel_shape[%lld] = %lld but W has %lld", (long long)d, (long long)v[d],
                       (long long)desc.kernel_size[d]);
  if ((s = oclnn__attr_ints(node, "strides", &count, &v, &e)) != OCLNN_SUCCESS)
    return oclnn__fail(m->ctx, s, "%s: %s", p->function, m->err);
  for (int64_t d = 0; d < count; d++)
    desc.stride[d] = v[d];
  if ((s = oclnn__attr_ints(node, "dilations", &count, &v, &e)) != OCLNN_SUCCESS)
    return oclnn__fail(m->ctx, s, "%s: %s", p->function, m->err);
  for (int64_t d = 0; d < count; d++)
    desc.dilation[d] = v[d];
  int64_t begin[3] = {0, 0, 0}, end[3] = {0, 0, 0};
  if (strcmp(auto_pad, "NOTSET") == 0) {
    if ((s = oclnn__attr_ints(node, "pads", &count, &v, &e)) != OCLNN_SUCCESS)
      return oclnn__fail(m->ctx, s, "%s: %s", p->function, m->err);
    for (int64_t d = 0; d < count / 2; d++) {
      begin[d] = v[d];
      end[d] = v[d + dims];
    }
  } else if (strcmp(auto_pad, "VALID") != 0) {
    /* SAME_*: output = ceil(in / stride); the total pad splits with the odd one at the end
     * (UPPER) or the beginning (LOWER). */
    for (int d = 0; d < dims; d++) {
      int64_t size = x->dims[2 + d], st = desc.stride[d];
      int64_t outd = (size + st - 1) / st;
      int64_t total = (outd - 1) * st + (desc.kernel_size[d] - 1) * desc.dilation[d] + 1 - size;
      if (total < 0)
        total = 0;
      if (strcmp(auto_pad, "SAME_UPPER") == 0) {
        begin[d] = total / 2;
        end[d] = total - begin[d];
      } else {
        end[d] = total / 2;
        begin[d] = total - end[d];
      }
    }
  }
  bool symmetric = true;
  for (int d = 0; d < dims; d++)
    if (begin[d] != end[d])
      symmetric = false;
  char opname[96] = "Conv";
  if (resize_node >= 0)
    snprintf(opname, sizeof opname, "Resize+Conv");
  if (pad_node >= 0) {
    int64_t pads[3];
    oclnn_conv_padding_mode mode;
    pad_fusable(p, pad_node, x->rank, pads, &mode);
    for (int d = 0; d < dims; d++) {
      if (mode != OCLNN_CONV_ZEROS && begin[d] != 0)
        return node_fail(m, p->function, n, OCLNN_ERR_UNSUPPORTED, "internal: pad fusion");
      desc.padding[d] = pads[d] + begin[d];
    }
    desc.padding_mode = mode;
    snprintf(opname, sizeof opname, resize_node >= 0 ? "Resize+Pad+Conv" : "Pad+Conv");
  } else if (symmetric) {
    for (int d = 0; d < dims; d++)
      desc.padding[d] = begin[d];
  } else {
    /* Asymmetric zero padding: a Pad step into a model buffer, then an unpadded conv. */
    int64_t pb[OCLNN__GRAPH_MAX_RANK] = {0}, pe[OCLNN__GRAPH_MAX_RANK] = {0};
    for (int d = 0; d < dims; d++) {
      pb[2 + d] = begin[d];
      pe[2 + d] = end[d];
    }
    /* The padded tensor has no ONNX name: plan values past the graph's, one per node. */
    int tmp = m->g->n_values + n;
    s = plan_pad_step(p, n, in, tmp, OCLNN_PAD_CONSTANT, pb, pe, 0.0f, "Pad(asymmetric)");
    if (s != OCLNN_SUCCESS)
      return s;
    in = tmp;
    x = &m->pv[in];
  }
  char key[192];
  snprintf(key, sizeof key,
           "conv node %d: %d %lld %lld %lld %lld %lld %lld %lld %lld %d up %lld %lld %lld", n,
           (int)desc.padding_mode, (long long)desc.padding[0], (long long)desc.padding[1],
           (long long)desc.padding[2], (long long)desc.stride[0], (long long)desc.stride[1],
           (long long)desc.stride[2], (long long)desc.dilation[0], (long long)desc.groups,
           desc.bias, (long long)upsample[0], (long long)upsample[1], (long long)upsample[2]);
  void *layer;
  bool created;
  s = cached(p, n, STEP_CONV, key, create_conv, &desc, &layer, &created);
  if (s != OCLNN_SUCCESS)
    return s;
  if (created) {
    oclnn_tensor wt = weight_view(m, node->inputs[1], w->rank, w->dims);
    oclnn_tensor bt;
    if (b != NULL)
      bt = weight_view(m, node->inputs[2], 1, &w->dims[0]);
    if (b != NULL && b->numel != w->dims[0])
      return node_fail(m, p->function, n, OCLNN_ERR_INVALID_SHAPE,
                       "B has %lld values for %lld "
                       "output channels",
                       (long long)b->numel, (long long)w->dims[0]);
    s = oclnn_conv_prepare_weights(layer, &wt, b != NULL ? &bt : NULL);
    if (s != OCLNN_SUCCESS) {
      /* Drop the layer so a later plan does not reuse it without weights. */
      m->layers[--m->n_layers].layer = NULL;
      oclnn_conv_free(layer);
      return node_fail(m, p->function, n, s, "%s", layer_error(m));
    }
  }
  /* The algorithm in the step's op ("Pad+Conv[winograd]") for breakdowns. */
  oclnn_conv_algo algo;
  if (oclnn_conv_algorithm(layer, &algo) == OCLNN_SUCCESS) {
    size_t len = strlen(opname);
    snprintf(opname + len, sizeof opname - len, "[%s]", oclnn_conv_algo_name(algo));
  }
  int out = node->outputs[0];
  pvalue *o = &m->pv[out];
  o->rank = x->rank;
  s = oclnn_conv_output_shape(layer, x->rank, x->dims, o->dims);
  if (s != OCLNN_SUCCESS)
    return node_fail(m, p->function, n, s, "%s", layer_error(m));
  step *st;
  s = add_step(p, STEP_CONV,
               resize_node >= 0 ? resize_node
               : pad_node >= 0  ? pad_node
                                : n,
               opname, in, -1, out, &st);
  if (s != OCLNN_SUCCESS)
    return s;
  st->layer = layer;
  return OCLNN_SUCCESS;
}

/* Norm -> [Add] -> [Relu] fusion: returns the value the fused chain writes and sets residual,
 * relu and the op name. */
static int fuse_tail(planner *p, int n, int out, int *residual, int *relu, char *opname,
                     size_t opsize) {
  oclnn_model *m = p->m;
  oclnn__graph *g = m->g;
  *residual = -1;
  *relu = 0;
  for (int pass = 0; pass < 2; pass++) {
    if (p->consumers[out] != 1)
      break;
    int c = -1;
    for (int k = n + 1; k < g->n_nodes && c < 0; k++)
      if (!g->nodes[k].folded && !p->skip[k])
        for (int i = 0; i < g->nodes[k].n_inputs; i++)
          if (g->nodes[k].inputs[i] == out)
            c = k;
    if (c < 0)
      break;
    const oclnn__node *cn = &g->nodes[c];
    if (pass == 0 && *residual < 0 && strcmp(cn->op, "Add") == 0) {
      int other = cn->inputs[0] == out ? cn->inputs[1] : cn->inputs[0];
      if (cn->inputs[0] == cn->inputs[1] || other < 0 || m->pv[other].storage < 0)
        break;
      /* The residual must exist before the norm runs, and have the norm's shape. */
      int prod = g->values[other].producer;
      if (prod > n)
        break;
      const pvalue *a = &m->pv[out], *b = &m->pv[other];
      if (a->rank != b->rank || memcmp(a->dims, b->dims, (size_t)a->rank * sizeof a->dims[0]))
        break;
      *residual = other;
      p->skip[c] = true;
      out = cn->outputs[0];
      m->pv[out].rank = a->rank;
      memcpy(m->pv[out].dims, a->dims, sizeof a->dims);
      strncat(opname, "+Add", opsize - strlen(opname) - 1);
      continue;
    }
    if (strcmp(cn->op, "Relu") == 0) {
      *relu = 1;
      p->skip[c] = true;
      int o2 = cn->outputs[0];
      m->pv[o2].rank = m->pv[out].rank;
      memcpy(m->pv[o2].dims, m->pv[out].dims, sizeof m->pv[out].dims);
      out = o2;
      strncat(opname, "+Relu", opsize - strlen(opname) - 1);
    }
    break;
  }
  return out;
}

static oclnn_status plan_norm(planner *p, int n) {
  oclnn_model *m = p->m;
  const oclnn__node *node = &m->g->nodes[n];
  oclnn__errbuf e = {m->err, sizeof m->err};
  int in = node->inputs[0];
  const pvalue *x = &m->pv[in];
  float eps;
  oclnn_status s = oclnn__attr_float(node, "epsilon", 1e-5f, &eps, &e);
  if (s != OCLNN_SUCCESS)
    return oclnn__fail(m->ctx, s, "%s: %s", p->function, m->err);
  char opname[96];
  snprintf(opname, sizeof opname, "%s", node->op);
  step_kind kind;
  char key[192];
  void *layer;
  bool created;
  int params[4] = {-1, -1, -1, -1};
  int gn_members[4];
  int64_t groups = 0;
  cl_mem aux = NULL;
  bool gn_pattern = strcmp(node->op, "InstanceNormalization") == 0 &&
                    oclnn__match_group_norm(m->g, n, gn_members, &groups);
  int out = node->outputs[0];
  if (gn_pattern) {
    /* torch's GroupNorm: the InstanceNorm reads Reshape(x, (N, G, -1)); run GroupNorm on x. */
    in = m->g->nodes[gn_members[0]].inputs[0];
    x = &m->pv[in];
    for (int k = 1; k < 4; k++)
      p->skip[gn_members[k]] = true;
    const oclnn__node *mul = &m->g->nodes[gn_members[2]], *add = &m->g->nodes[gn_members[3]];
    params[0] =
        mul->inputs[0] == m->g->nodes[gn_members[1]].outputs[0] ? mul->inputs[1] : mul->inputs[0];
    params[1] = add->inputs[0] == mul->outputs[0] ? add->inputs[1] : add->inputs[0];
    if (m->woffset[params[0]] < 0 || m->woffset[params[1]] < 0)
      return node_fail(m, p->function, n, OCLNN_ERR_UNSUPPORTED,
                       "GroupNorm weight and bias must be float constants");
    if (x->rank < 2)
      return node_fail(m, p->function, n, OCLNN_ERR_INVALID_SHAPE, "GroupNorm input rank %d",
                       x->rank);
    int64_t C = m->g->values[params[0]].cst->dims[0];
    oclnn_group_norm_desc d = oclnn_group_norm_desc_default(groups, C);
    d.eps = eps;
    out = add->outputs[0];
    m->pv[out].rank = x->rank;
    memcpy(m->pv[out].dims, x->dims, sizeof x->dims);
    snprintf(opname, sizeof opname, "GroupNormalization(torch export)");
    int residual, relu;
    out = fuse_tail(p, gn_members[3], out, &residual, &relu, opname, sizeof opname);
    d.fuse_relu = relu;
    snprintf(key, sizeof key, "gn %lld %lld %a %d", (long long)groups, (long long)C, d.eps, relu);
    kind = STEP_GROUP_NORM;
    s = cached(p, n, kind, key, create_gn, &d, &layer, &created);
    if (s == OCLNN_SUCCESS) {
      int64_t tmp[OCLNN_MAX_RANK];
      s = oclnn_group_norm_output_shape(layer, x->rank, x->dims, tmp);
      if (s != OCLNN_SUCCESS)
        return node_fail(m, p->function, n, s, "%s", layer_error(m));
    }
    if (s != OCLNN_SUCCESS)
      return s;
    step *st;
    s = add_step(p, kind, n, opname, in, residual, out, &st);
    if (s != OCLNN_SUCCESS)
      return s;
    st->layer = layer;
    st->fuse_relu = relu;
    memcpy(st->params, params, sizeof params);
    return OCLNN_SUCCESS;
  }
  for (int k = 1; k < node->n_inputs && k <= 4; k++) {
    params[k - 1] = node->inputs[k];
    if (node->inputs[k] >= 0 && m->woffset[node->inputs[k]] < 0)
      return node_fail(m, p->function, n, OCLNN_ERR_UNSUPPORTED,
                       "input %d must be a float initializer or constant", k);
  }
  m->pv[out].rank = x->rank;
  memcpy(m->pv[out].dims, x->dims, sizeof x->dims);
  int residual = -1, relu = 0;
  if (strcmp(node->op, "LRN") != 0)
    out = fuse_tail(p, n, out, &residual, &relu, opname, sizeof opname);
  int64_t tmp[OCLNN_MAX_RANK];
  int64_t C = x->rank >= 2 ? x->dims[1] : 0;
  if (strcmp(node->op, "InstanceNormalization") == 0) {
    if (x->rank < 3 || x->rank > 5)
      return node_fail(m, p->function, n, OCLNN_ERR_INVALID_SHAPE,
                       "input of rank %d (N, C and 1 to 3 spatial dims)", x->rank);
    const oclnn__const *sc = m->g->values[params[0]].cst, *bb = m->g->values[params[1]].cst;
    if (sc->numel != C || bb->numel != C)
      return node_fail(m, p->function, n, OCLNN_ERR_INVALID_SHAPE,
                       "scale/B have %lld/%lld values for %lld channels", (long long)sc->numel,
                       (long long)bb->numel, (long long)C);
    oclnn_instance_norm_desc d = oclnn_instance_norm_desc_default(x->rank - 2, C);
    d.eps = eps;
    d.affine = 1;
    d.fuse_relu = relu;
    snprintf(key, sizeof key, "in %d %lld %a %d", d.dims, (long long)C, d.eps, relu);
    kind = STEP_INSTANCE_NORM;
    s = cached(p, n, kind, key, create_in, &d, &layer, &created);
    if (s == OCLNN_SUCCESS &&
        (s = oclnn_instance_norm_output_shape(layer, 0, x->rank, x->dims, tmp)) != OCLNN_SUCCESS)
      return node_fail(m, p->function, n, s, "%s", layer_error(m));
  } else if (strcmp(node->op, "BatchNormalization") == 0) {
    if (x->rank < 2 || x->rank > 5)
      return node_fail(m, p->function, n, OCLNN_ERR_INVALID_SHAPE, "input of rank %d", x->rank);
    for (int k = 0; k < 4; k++)
      if (m->g->values[params[k]].cst->numel != C)
        return node_fail(m, p->function, n, OCLNN_ERR_INVALID_SHAPE,
                         "input %d has %lld values for %lld channels", k + 1,
                         (long long)m->g->values[params[k]].cst->numel, (long long)C);
    oclnn_batch_norm_desc d = oclnn_batch_norm_desc_default(x->rank <= 3 ? 1 : x->rank - 2, C);
    d.eps = eps;
    d.fuse_relu = relu;
    snprintf(key, sizeof key, "bn %d %lld %a %d", d.dims, (long long)C, d.eps, relu);
    kind = STEP_BATCH_NORM;
    s = cached(p, n, kind, key, create_bn, &d, &layer, &created);
    if (s == OCLNN_SUCCESS &&
        (s = oclnn_batch_norm_output_shape(layer, 0, x->rank, x->dims, tmp)) != OCLNN_SUCCESS)
      return node_fail(m, p->function, n, s, "%s", layer_error(m));
  } else if (strcmp(node->op, "LayerNormalization") == 0) {
    int64_t axis;
    if ((s = oclnn__attr_int(node, "axis", -1, &axis, &e)) != OCLNN_SUCCESS)
      return oclnn__fail(m->ctx, s, "%s: %s", p->function, m->err);
    if (axis < -x->rank || axis >= x->rank)
      return node_fail(m, p->function, n, OCLNN_ERR_INVALID_VALUE, "axis %lld for rank %d",
                       (long long)axis, x->rank);
    if (axis < 0)
      axis += x->rank;
    oclnn_layer_norm_desc d = oclnn_layer_norm_desc_default(x->rank - (int)axis, &x->dims[axis]);
    d.eps = eps;
    d.bias = params[1] >= 0;
    d.fuse_relu = relu;
    const oclnn__const *sc = m->g->values[params[0]].cst;
    int64_t need = 1;
    for (int dd = (int)axis; dd < x->rank; dd++)
      need *= x->dims[dd];
    if (sc->numel != need || (params[1] >= 0 && m->g->values[params[1]].cst->numel != need))
      return node_fail(m, p->function, n, OCLNN_ERR_INVALID_SHAPE,
                       "Scale/B do not match the normalized dims");
    size_t len = (size_t)snprintf(key, sizeof key, "ln %a %d %d", d.eps, d.bias, relu);
    for (int dd = 0; dd < d.normalized_rank && len < sizeof key - 24; dd++)
      len +=
          (size_t)snprintf(key + len, sizeof key - len, " %lld", (long long)d.normalized_shape[dd]);
    kind = STEP_LAYER_NORM;
    s = cached(p, n, kind, key, create_ln, &d, &layer, &created);
    if (s == OCLNN_SUCCESS &&
        (s = oclnn_layer_norm_output_shape(layer, x->rank, x->dims, tmp)) != OCLNN_SUCCESS)
      return node_fail(m, p->function, n, s, "%s", layer_error(m));
  } else if (strcmp(node->op, "GroupNormalization") == 0) {
    if ((s = oclnn__attr_int(node, "num_groups", 1, &groups, &e)) != OCLNN_SUCCESS)
      return oclnn__fail(m->ctx, s, "%s: %s", p->function, m->err);
    const oclnn__const *sc = m->g->values[params[0]].cst, *bb = m->g->values[params[1]].cst;
    /* Opset 18 gives scale and bias per group; oclnn's GroupNorm takes them per channel, so
     * they are repeated C / G times into a buffer of the step's own. */
    if (groups < 1 || C % groups != 0 || sc->numel != groups || bb->numel != groups)
      return node_fail(m, p->function, n, OCLNN_ERR_INVALID_SHAPE,
                       "scale/bias have %lld/%lld values for %lld groups of %lld channels",
                       (long long)sc->numel, (long long)bb->numel, (long long)groups, (long long)C);
    if (C > ((int64_t)1 << 28))
      return node_fail(m, p->function, n, OCLNN_ERR_OVERFLOW, "%lld channels", (long long)C);
    float *host = malloc((size_t)(2 * C) * sizeof *host);
    if (host == NULL)
      return oclnn__fail(m->ctx, OCLNN_ERR_OUT_OF_MEMORY, "%s: out of host memory", p->function);
    for (int64_t c = 0; c < C; c++) {
      host[c] = ((const float *)sc->data)[c / (C / groups)];
      host[C + c] = ((const float *)bb->data)[c / (C / groups)];
    }
    cl_int err;
    aux = clCreateBuffer(m->ctx->cl_ctx, CL_MEM_READ_ONLY | CL_MEM_COPY_HOST_PTR,
                         (size_t)(2 * C) * sizeof *host, host, &err);
    free(host);
    if (aux == NULL || err != CL_SUCCESS)
      return oclnn__fail_cl(m->ctx, p->function, "clCreateBuffer(group norm weights)", err);
    oclnn_group_norm_desc d = oclnn_group_norm_desc_default(groups, C);
    d.eps = eps;
    d.fuse_relu = relu;
    snprintf(key, sizeof key, "gn %lld %lld %a %d", (long long)groups, (long long)C, d.eps, relu);
    kind = STEP_GROUP_NORM;
    s = cached(p, n, kind, key, create_gn, &d, &layer, &created);
    if (s == OCLNN_SUCCESS &&
        (s = oclnn_group_norm_output_shape(layer, x->rank, x->dims, tmp)) != OCLNN_SUCCESS)
      s = node_fail(m, p->function, n, s, "%s", layer_error(m));
  } else { /* LRN */
    int64_t size;
    float alpha, beta, bias;
    if ((s = oclnn__attr_int(node, "size", 1, &size, &e)) ||
        (s = oclnn__attr_float(node, "alpha", 1e-4f, &alpha, &e)) ||
        (s = oclnn__attr_float(node, "beta", 0.75f, &beta, &e)) ||
        (s = oclnn__attr_float(node, "bias", 1.0f, &bias, &e)))
      return oclnn__fail(m->ctx, s, "%s: %s", p->function, m->err);
    if (size % 2 == 0)
      return node_fail(m, p->function, n, OCLNN_ERR_UNSUPPORTED,
                       "even size %lld (ONNX centres the window unlike torch)", (long long)size);
    oclnn_lrn_desc d = oclnn_lrn_desc_default(size);
    d.alpha = alpha;
    d.beta = beta;
    d.k = bias;
    snprintf(key, sizeof key, "lrn %lld %a %a %a", (long long)size, d.alpha, d.beta, d.k);
    kind = STEP_LRN;
    s = cached(p, n, kind, key, create_lrn, &d, &layer, &created);
    if (s == OCLNN_SUCCESS &&
        (s = oclnn_lrn_output_shape(layer, x->rank, x->dims, tmp)) != OCLNN_SUCCESS)
      return node_fail(m, p->function, n, s, "%s", layer_error(m));
  }
  step *st = NULL;
  if (s == OCLNN_SUCCESS)
    s = add_step(p, kind, n, opname, in, residual, out, &st);
  if (s != OCLNN_SUCCESS) {
    if (aux != NULL)
      clReleaseMemObject(aux);
    return s;
  }
  st->layer = layer;
  st->fuse_relu = relu;
  st->aux = aux;
  memcpy(st->params, params, sizeof params);
  return OCLNN_SUCCESS;
}

static oclnn_status plan_pad(planner *p, int n) {
  oclnn_model *m = p->m;
  const oclnn__node *node = &m->g->nodes[n];
  int in = node->inputs[0];
  int64_t begin[OCLNN__GRAPH_MAX_RANK], end[OCLNN__GRAPH_MAX_RANK];
  float value;
  oclnn_status s = pad_amounts(p, n, m->pv[in].rank, begin, end, &value);
  if (s != OCLNN_SUCCESS)
    return s;
  const char *mode;
  oclnn__errbuf e = {m->err, sizeof m->err};
  if ((s = oclnn__attr_string(node, "mode", "constant", &mode, &e)) != OCLNN_SUCCESS)
    return oclnn__fail(m->ctx, s, "%s: %s", p->function, m->err);
  return plan_pad_step(p, n, in, node->outputs[0], pad_mode_of(mode), begin, end, value, "Pad");
}

static oclnn_status plan_relu(planner *p, int n) {
  oclnn_model *m = p->m;
  const oclnn__node *node = &m->g->nodes[n];
  int in = node->inputs[0], out = node->outputs[0];
  m->pv[out].rank = m->pv[in].rank;
  memcpy(m->pv[out].dims, m->pv[in].dims, sizeof m->pv[in].dims);
  step *st;
  return add_step(p, STEP_RELU, n, "Relu", in, -1, out, &st);
}

static oclnn_status plan_add(planner *p, int n) {
  oclnn_model *m = p->m;
  const oclnn__node *node = &m->g->nodes[n];
  int a = node->inputs[0], b = node->inputs[1], out = node->outputs[0];
  /* Constants are read from the weights buffer. */
  for (int k = 0; k < 2; k++) {
    int v = node->inputs[k];
    if (m->pv[v].storage < 0 && m->woffset[v] < 0)
      return node_fail(m, p->function, n, OCLNN_ERR_UNSUPPORTED,
                       "operand %d is neither tensor data nor a float constant", k);
  }
  /* oclnn_act_add broadcasts b into a: put the larger operand first (Add commutes). */
  int64_t shape[OCLNN_MAX_RANK];
  if (m->pv[a].rank > OCLNN_MAX_RANK || m->pv[b].rank > OCLNN_MAX_RANK)
    return node_fail(m, p->function, n, OCLNN_ERR_UNSUPPORTED, "operand rank above %d",
                     OCLNN_MAX_RANK);
  /* Numpy's rule first: shapes that do not broadcast at all are the graph's error. */
  {
    const pvalue *x = &m->pv[a], *y = &m->pv[b];
    int r = x->rank > y->rank ? x->rank : y->rank;
    for (int d = 0; d < r; d++) {
      int dx = d - (r - x->rank), dy = d - (r - y->rank);
      int64_t u = dx >= 0 ? x->dims[dx] : 1, w = dy >= 0 ? y->dims[dy] : 1;
      if (u != w && u != 1 && w != 1) {
        char bx[96], by[96];
        return node_fail(m, p->function, n, OCLNN_ERR_INVALID_SHAPE,
                         "operands %s and %s do not broadcast",
                         oclnn__shape_string(x->rank, x->dims, bx, sizeof bx),
                         oclnn__shape_string(y->rank, y->dims, by, sizeof by));
      }
    }
  }
  oclnn_status s = oclnn_act_add_output_shape(m->act, m->pv[a].rank, m->pv[a].dims, m->pv[b].rank,
                                              m->pv[b].dims, shape);
  if (s != OCLNN_SUCCESS) {
    int t = a;
    a = b;
    b = t;
    s = oclnn_act_add_output_shape(m->act, m->pv[a].rank, m->pv[a].dims, m->pv[b].rank,
                                   m->pv[b].dims, shape);
    if (s != OCLNN_SUCCESS)
      return node_fail(m, p->function, n, OCLNN_ERR_UNSUPPORTED,
                       "operands that broadcast both ways (the result is larger than "
                       "either): %s",
                       layer_error(m));
  }
  m->pv[out].rank = m->pv[a].rank;
  memcpy(m->pv[out].dims, shape, (size_t)m->pv[a].rank * sizeof shape[0]);
  char opname[96] = "Add";
  int relu = 0;
  if (p->consumers[out] == 1) {
    for (int k = n + 1; k < m->g->n_nodes; k++) {
      const oclnn__node *c = &m->g->nodes[k];
      if (c->folded || p->skip[k] || c->n_inputs < 1 || c->inputs[0] != out)
        continue;
      if (strcmp(c->op, "Relu") == 0) {
        relu = 1;
        p->skip[k] = true;
        int o2 = c->outputs[0];
        m->pv[o2].rank = m->pv[out].rank;
        memcpy(m->pv[o2].dims, m->pv[out].dims, sizeof m->pv[out].dims);
        out = o2;
        snprintf(opname, sizeof opname, "Add+Relu");
      }
      break;
    }
  }
  step *st;
  s = add_step(p, STEP_ADD, n, opname, a, b, out, &st);
  if (s != OCLNN_SUCCESS)
    return s;
  st->fuse_relu = relu;
  return OCLNN_SUCCESS;
}

/* The upsampling of Resize/Upsample node n and its output shape (set in the output's pvalue). */
static oclnn_status resize_desc(planner *p, int n, oclnn_upsample_desc *out_desc) {
  oclnn_model *m = p->m;
  const oclnn__node *node = &m->g->nodes[n];
  int in = node->inputs[0], out = node->outputs[0];
  const pvalue *x = &m->pv[in];
  int rank = x->rank;
  if (rank < 3 || rank > 5)
    return node_fail(m, p->function, n, OCLNN_ERR_UNSUPPORTED,
                     "input of rank %d (oclnn upsamples N, C and 1 to 3 spatial dims)", rank);
  /* Scales or sizes, per opset: Upsample-7 attribute; Upsample-9 / Resize-10 input 1;
   * Resize-11+ inputs 2 (scales) and 3 (sizes). */
  const oclnn__const *scales = NULL, *sizes = NULL;
  int k_scales = 1, k_sizes = -1;
  if (strcmp(node->op, "Resize") == 0 && m->g->opset >= 11) {
    k_scales = 2;
    k_sizes = 3;
  }
  if (k_scales < node->n_inputs && node->inputs[k_scales] >= 0)
    scales = m->pv[node->inputs[k_scales]].cst;
  if (k_sizes >= 0 && k_sizes < node->n_inputs && node->inputs[k_sizes] >= 0)
    sizes = m->pv[node->inputs[k_sizes]].cst;
  if (scales != NULL && scales->numel == 0)
    scales = NULL;
  oclnn_upsample_desc d;
  memset(&d, 0, sizeof d);
  d.dims = rank - 2;
  const oclnn__attr *attr_scales = oclnn__node_attr(node, "scales");
  if (scales == NULL && sizes == NULL && attr_scales != NULL &&
      attr_scales->type == OCLNN__ATTR_FLOATS && attr_scales->n == rank) {
    for (int i = 0; i < 2; i++)
      if (attr_scales->floats[i] != 1.0f)
        return node_fail(m, p->function, n, OCLNN_ERR_UNSUPPORTED, "scaling N or C");
    for (int i = 0; i < d.dims; i++)
      d.scale_factor[i] = attr_scales->floats[2 + i];
  } else if (scales != NULL) {
    if (scales->type != OCLNN__ONNX_FLOAT || scales->numel != rank)
      return node_fail(m, p->function, n, OCLNN_ERR_INVALID_VALUE, "scales must be %d floats",
                       rank);
    const float *sc = scales->data;
    if (sc[0] != 1.0f || sc[1] != 1.0f)
      return node_fail(m, p->function, n, OCLNN_ERR_UNSUPPORTED, "scaling N or C");
    for (int i = 0; i < d.dims; i++)
      d.scale_factor[i] = sc[2 + i];
  } else if (sizes != NULL) {
    if (sizes->type != OCLNN__ONNX_INT64 || sizes->numel != rank)
      return node_fail(m, p->function, n, OCLNN_ERR_INVALID_VALUE, "sizes must be %d int64 values",
                       rank);
    const int64_t *sz = sizes->data;
    if (sz[0] != x->dims[0] || sz[1] != x->dims[1])
      return node_fail(m, p->function, n, OCLNN_ERR_UNSUPPORTED, "resizing N or C");
    for (int i = 0; i < d.dims; i++)
      d.size[i] = sz[2 + i];
  } else {
    return node_fail(m, p->function, n, OCLNN_ERR_INVALID_VALUE, "neither scales nor sizes");
  }
  m->pv[out].rank = rank;
  oclnn_status s = oclnn_act_upsample_output_shape(m->act, &d, rank, x->dims, m->pv[out].dims);
  if (s != OCLNN_SUCCESS)
    return node_fail(m, p->function, n, s, "%s", layer_error(m));
  *out_desc = d;
  return OCLNN_SUCCESS;
}

static oclnn_status plan_resize(planner *p, int n) {
  const oclnn__node *node = &p->m->g->nodes[n];
  oclnn_upsample_desc d;
  oclnn_status s = resize_desc(p, n, &d);
  if (s != OCLNN_SUCCESS)
    return s;
  step *st;
  s = add_step(p, STEP_UPSAMPLE, n, node->op, node->inputs[0], -1, node->outputs[0], &st);
  if (s != OCLNN_SUCCESS)
    return s;
  st->up = d;
  return OCLNN_SUCCESS;
}

/* The first node after `after` that reads value v as its input 0, or -1. */
static int first_reader(const oclnn__graph *g, int after, int v) {
  for (int c = after + 1; c < g->n_nodes; c++) {
    const oclnn__node *cn = &g->nodes[c];
    if (!cn->folded && cn->n_inputs >= 1 && cn->inputs[0] == v)
      return c;
  }
  return -1;
}

/* The Conv that will absorb Pad node n (its only reader, unpadded, auto_pad NOTSET), or -1. */
static int pad_conv_of(planner *p, int n) {
  const oclnn__graph *g = p->m->g;
  const oclnn__node *node = &g->nodes[n];
  if (node->outputs[0] < 0 || !g->values[node->outputs[0]].dynamic ||
      p->consumers[node->outputs[0]] != 1)
    return -1;
  int c = first_reader(g, n, node->outputs[0]);
  if (c < 0 || strcmp(g->nodes[c].op, "Conv") != 0)
    return -1;
  const oclnn__node *cn = &g->nodes[c];
  const char *auto_pad = "NOTSET";
  oclnn__errbuf e = {NULL, 0};
  const int64_t *cp;
  int64_t cn_pads = -1;
  if (oclnn__attr_string(cn, "auto_pad", "NOTSET", &auto_pad, &e) != OCLNN_SUCCESS ||
      oclnn__attr_ints(cn, "pads", &cn_pads, &cp, &e) != OCLNN_SUCCESS ||
      strcmp(auto_pad, "NOTSET") != 0)
    return -1;
  for (int64_t i = 0; i < cn_pads; i++)
    if (cp[i] != 0)
      return -1;
  int64_t pads[3];
  oclnn_conv_padding_mode mode;
  return pad_fusable(p, n, p->m->pv[node->inputs[0]].rank, pads, &mode) ? c : -1;
}

/* Resize node n -> [Pad ->] Conv, where the Resize is a nearest upsampling of the spatial dims
 * by whole factors read only by that chain: the Conv that can upsample in its input reads
 * instead (the upsampled tensor is never stored), or -1. Sets the Resize output's shape. */
static int resize_conv_of(planner *p, int n) {
  oclnn_model *m = p->m;
  const oclnn__graph *g = m->g;
  const oclnn__node *node = &g->nodes[n];
  int in = node->inputs[0], out = node->outputs[0];
  if (in < 0 || out < 0 || !g->values[out].dynamic || p->consumers[out] != 1 ||
      m->pv[in].rank < 4 || m->pv[in].rank > 5)
    return -1;
  oclnn_upsample_desc d;
  char saved[OCLNN__MESSAGE_SIZE];
  snprintf(saved, sizeof saved, "%s", m->ctx->message);
  oclnn_status s = resize_desc(p, n, &d);
  snprintf(m->ctx->message, sizeof m->ctx->message, "%s", saved);
  if (s != OCLNN_SUCCESS)
    return -1;
  const pvalue *x = &m->pv[in], *y = &m->pv[out];
  for (int i = 2; i < x->rank; i++)
    if (x->dims[i] < 1 || y->dims[i] % x->dims[i] != 0)
      return -1;
  int c = first_reader(g, n, out);
  if (c < 0)
    return -1;
  bool via_pad = strcmp(g->nodes[c].op, "Pad") == 0;
  if (via_pad)
    c = pad_conv_of(p, c);
  if (c < 0 || strcmp(g->nodes[c].op, "Conv") != 0)
    return -1;
  /* Only where the Conv runs Winograd (2d 3x3, stride 1, one group), which reads upsampled
   * input at no extra cost; the other fast algorithms do not upsample, and the generic kernel
   * that would take over is slower than the separate upsampling. */
  const oclnn__node *cn = &g->nodes[c];
  const oclnn__const *w = cn->n_inputs > 1 && cn->inputs[1] >= 0 ? m->pv[cn->inputs[1]].cst : NULL;
  oclnn__errbuf e = {NULL, 0};
  int64_t group = 1, count = 0;
  const int64_t *v;
  if (w == NULL || w->rank != 4 || w->dims[2] != 3 || w->dims[3] != 3 ||
      oclnn__attr_int(cn, "group", 1, &group, &e) != OCLNN_SUCCESS || group != 1 ||
      oclnn__attr_ints(cn, "strides", &count, &v, &e) != OCLNN_SUCCESS)
    return -1;
  for (int64_t i = 0; i < count; i++)
    if (v[i] != 1)
      return -1;
  if (oclnn__attr_ints(cn, "dilations", &count, &v, &e) != OCLNN_SUCCESS)
    return -1;
  for (int64_t i = 0; i < count; i++)
    if (v[i] > 64)
      return -1;
  if (via_pad)
    return c;
  /* A Conv reading the Resize directly: symmetric explicit pads only (auto_pad SAME sizes its
   * pads from the input, and asymmetric pads take a Pad step of the upsampled tensor). */
  const char *auto_pad = "NOTSET";
  const int64_t *cp;
  int64_t cn_pads = 0;
  if (oclnn__attr_string(cn, "auto_pad", "NOTSET", &auto_pad, &e) != OCLNN_SUCCESS ||
      oclnn__attr_ints(cn, "pads", &cn_pads, &cp, &e) != OCLNN_SUCCESS ||
      (strcmp(auto_pad, "NOTSET") != 0 && strcmp(auto_pad, "VALID") != 0))
    return -1;
  for (int64_t i = 0; i < cn_pads / 2; i++)
    if (cp[i] != cp[i + cn_pads / 2])
      return -1;
  return c;
}

static oclnn_status plan_slice(planner *p, int n) {
  oclnn_model *m = p->m;
  const oclnn__node *node = &m->g->nodes[n];
  oclnn__errbuf e = {m->err, sizeof m->err};
  int in = node->inputs[0], out = node->outputs[0];
  const pvalue *x = &m->pv[in];
  oclnn__const *ins[5] = {0};
  for (int k = 1; k < node->n_inputs && k < 5; k++)
    ins[k] = node->inputs[k] >= 0 ? m->pv[node->inputs[k]].cst : NULL;
  int64_t lo[OCLNN__GRAPH_MAX_RANK], stp[OCLNN__GRAPH_MAX_RANK], dims[OCLNN__GRAPH_MAX_RANK];
  oclnn_status s = oclnn__slice_box(node, m->g->opset, ins, x->rank, x->dims, lo, stp, dims, &e);
  if (s != OCLNN_SUCCESS)
    return oclnn__fail(m->ctx, s, "%s: %s", p->function, m->err);
  for (int d = 0; d < x->rank; d++)
    if (stp[d] != 1 && dims[d] > 1)
      return node_fail(m, p->function, n, OCLNN_ERR_UNSUPPORTED,
                       "step %lld on axis %d (oclnn slices tensor data with step 1)",
                       (long long)stp[d], d);
  pvalue *o = &m->pv[out];
  o->rank = x->rank;
  memcpy(o->dims, dims, sizeof o->dims);
  step *st;
  if ((s = add_step(p, STEP_BOX, n, "Slice", in, -1, out, &st)) != OCLNN_SUCCESS)
    return s;
  for (int d = 0; d < x->rank; d++) {
    st->src_lo[d] = lo[d];
    st->len[d] = dims[d];
  }
  return OCLNN_SUCCESS;
}

static oclnn_status plan_concat(planner *p, int n) {
  oclnn_model *m = p->m;
  const oclnn__node *node = &m->g->nodes[n];
  oclnn__errbuf e = {m->err, sizeof m->err};
  int out = node->outputs[0];
  const pvalue *first = &m->pv[node->inputs[0]];
  int rank = first->rank;
  int64_t axis;
  oclnn_status s = oclnn__attr_int(node, "axis", 0, &axis, &e);
  if (s != OCLNN_SUCCESS)
    return oclnn__fail(m->ctx, s, "%s: %s", p->function, m->err);
  if (axis < -rank || axis >= rank)
    return node_fail(m, p->function, n, OCLNN_ERR_INVALID_VALUE, "axis %lld for rank %d",
                     (long long)axis, rank);
  if (axis < 0)
    axis += rank;
  pvalue *o = &m->pv[out];
  o->rank = rank;
  memcpy(o->dims, first->dims, sizeof o->dims);
  o->dims[axis] = 0;
  for (int k = 0; k < node->n_inputs; k++) {
    const pvalue *x = &m->pv[node->inputs[k]];
    if (x->storage < 0 && m->woffset[node->inputs[k]] < 0)
      return node_fail(m, p->function, n, OCLNN_ERR_UNSUPPORTED,
                       "input %d is neither tensor data nor a float constant", k);
    if (x->rank != rank)
      return node_fail(m, p->function, n, OCLNN_ERR_INVALID_SHAPE,
                       "input %d has rank %d, input 0 rank %d", k, x->rank, rank);
    for (int d = 0; d < rank; d++)
      if (d != axis && x->dims[d] != first->dims[d])
        return node_fail(m, p->function, n, OCLNN_ERR_INVALID_SHAPE,
                         "input %d has dim %d = %lld, input 0 %lld", k, d, (long long)x->dims[d],
                         (long long)first->dims[d]);
    if (!oclnn__add_i64(o->dims[axis], x->dims[axis], &o->dims[axis]))
      return node_fail(m, p->function, n, OCLNN_ERR_OVERFLOW, "size overflows");
  }
  int64_t offset = 0;
  for (int k = 0; k < node->n_inputs; k++) {
    const pvalue *x = &m->pv[node->inputs[k]];
    step *st;
    if ((s = add_step(p, STEP_BOX, n, "Concat", node->inputs[k], -1, out, &st)) != OCLNN_SUCCESS)
      return s;
    for (int d = 0; d < rank; d++)
      st->len[d] = x->dims[d];
    st->dst_lo[axis] = offset;
    offset += x->dims[axis];
  }
  return OCLNN_SUCCESS;
}

static bool is_alias(const char *op) {
  return strcmp(op, "Identity") == 0 || strcmp(op, "Reshape") == 0 || strcmp(op, "Flatten") == 0 ||
         strcmp(op, "Squeeze") == 0 || strcmp(op, "Unsqueeze") == 0;
}

/* Storage a value lives in (aliases share their source's). */
static int storage_of(const oclnn_model *m, int v) { return m->pv[v].storage; }

static oclnn_status plan_node(planner *p, int n) {
  oclnn_model *m = p->m;
  oclnn__graph *g = m->g;
  const oclnn__node *node = &g->nodes[n];
  oclnn__errbuf e = {m->err, sizeof m->err};
  bool dynamic = false;
  for (int k = 0; k < node->n_inputs; k++)
    if (node->inputs[k] >= 0 && g->values[node->inputs[k]].dynamic)
      dynamic = true;
  bool shape_only = strcmp(node->op, "Shape") == 0 || strcmp(node->op, "Size") == 0;
  if (!dynamic || shape_only) {
    /* Host folding of what depends on input shapes. */
    oclnn__const *in[16] = {0}, *out[16] = {0};
    if (node->n_inputs > 16)
      return node_fail(m, p->function, n, OCLNN_ERR_UNSUPPORTED, "too many inputs");
    for (int k = 0; k < node->n_inputs; k++) {
      int v = node->inputs[k];
      in[k] = v >= 0 ? m->pv[v].cst : NULL;
      if (v >= 0 && in[k] == NULL && !(shape_only && k == 0))
        return node_fail(m, p->function, n, OCLNN_ERR_UNSUPPORTED,
                         "input %d is not known on the host", k);
    }
    int r = 0;
    const int64_t *dims = NULL;
    if (shape_only) {
      if (node->n_inputs != 1 || node->inputs[0] < 0)
        return node_fail(m, p->function, n, OCLNN_ERR_INVALID_VALUE, "needs one input");
      const pvalue *x = &m->pv[node->inputs[0]];
      r = x->rank;
      dims = x->dims;
    }
    oclnn_status s = oclnn__fold_node(node, g->opset, in, r, dims, out, &e);
    if (s != OCLNN_SUCCESS)
      return oclnn__fail(m->ctx, s, "%s: %s", p->function, m->err);
    int v = node->outputs[0];
    m->pv[v].cst = out[0];
    m->pv[v].own = true;
    m->pv[v].rank = out[0]->rank;
    memcpy(m->pv[v].dims, out[0]->dims, sizeof out[0]->dims);
    return OCLNN_SUCCESS;
  }
  if (is_alias(node->op)) {
    oclnn__const *in[16] = {0};
    for (int k = 1; k < node->n_inputs && k < 16; k++)
      in[k] = node->inputs[k] >= 0 ? m->pv[node->inputs[k]].cst : NULL;
    const pvalue *x = &m->pv[node->inputs[0]];
    pvalue *o = &m->pv[node->outputs[0]];
    oclnn_status s =
        oclnn__reshape_like(node, g->opset, in, x->rank, x->dims, &o->rank, o->dims, &e);
    if (s != OCLNN_SUCCESS)
      return oclnn__fail(m->ctx, s, "%s: %s", p->function, m->err);
    o->storage = x->storage;
    return OCLNN_SUCCESS;
  }
  /* Device tensors have rank 1..5; a reshape (or a constant operand) may have made another. */
  for (int k = 0; k < node->n_inputs; k++) {
    int v = node->inputs[k];
    if (v < 0 || (m->pv[v].storage < 0 && m->woffset[v] < 0))
      continue;
    if (m->pv[v].rank < 1 || m->pv[v].rank > OCLNN_MAX_RANK)
      return node_fail(m, p->function, n, OCLNN_ERR_UNSUPPORTED,
                       "input %d has rank %d (device tensors have rank 1..%d)", k, m->pv[v].rank,
                       OCLNN_MAX_RANK);
  }
  const char *op = node->op;
  if (strcmp(op, "Conv") == 0)
    return plan_conv(p, n);
  if (strcmp(op, "Pad") == 0) {
    if (p->pad_into[n] == -2)
      return OCLNN_SUCCESS; /* folded into its Conv */
    return plan_pad(p, n);
  }
  if (strcmp(op, "Relu") == 0)
    return plan_relu(p, n);
  if (strcmp(op, "Add") == 0)
    return plan_add(p, n);
  if (strcmp(op, "Resize") == 0 || strcmp(op, "Upsample") == 0)
    return plan_resize(p, n);
  if (strcmp(op, "Slice") == 0)
    return plan_slice(p, n);
  if (strcmp(op, "Concat") == 0)
    return plan_concat(p, n);
  return plan_norm(p, n);
}

/* Liveness-based buffer sharing: each model-owned storage takes a free buffer (the smallest
 * that fits, else the largest free one, grown) and returns it after its last reader. */
static oclnn_status assign_buffers(oclnn_model *m, const char *function) {
  int nb = 0;
  size_t *bytes = calloc((size_t)(m->n_st > 0 ? m->n_st : 1), sizeof *bytes);
  int *busy_until = malloc((size_t)(m->n_st > 0 ? m->n_st : 1) * sizeof *busy_until);
  if (bytes == NULL || busy_until == NULL) {
    free(bytes);
    free(busy_until);
    return oclnn__fail(m->ctx, OCLNN_ERR_OUT_OF_MEMORY, "%s: out of host memory", function);
  }
  /* Storages are created in step order, so def_step is non-decreasing. */
  for (int i = 0; i < m->n_st; i++) {
    storage *s = &m->st[i];
    if (s->input_index >= 0 || s->output_index >= 0)
      continue;
    size_t need = (size_t)(s->numel > 0 ? s->numel : 1) * sizeof(float);
    int best = -1, largest = -1;
    for (int b = 0; b < nb; b++) {
      /* Free when its last reader ran before this storage's writer. */
      if (busy_until[b] >= s->def_step)
        continue;
      if (bytes[b] >= need && (best < 0 || bytes[b] < bytes[best]))
        best = b;
      if (largest < 0 || bytes[b] > bytes[largest])
        largest = b;
    }
    if (best < 0 && largest >= 0) {
      best = largest;
      bytes[best] = need;
    }
    if (best < 0) {
      best = nb++;
      bytes[best] = need;
    }
    s->buffer = best;
    busy_until[best] = s->last_use > s->def_step ? s->last_use : s->def_step;
  }
  free(busy_until);
  /* Keep the model's buffers that are large enough; reallocate the others. */
  if (nb > m->n_buffers) {
    cl_mem *nbuf = realloc(m->buffers, (size_t)nb * sizeof *nbuf);
    if (nbuf != NULL)
      m->buffers = nbuf;
    size_t *nbytes = nbuf != NULL ? realloc(m->buffer_bytes, (size_t)nb * sizeof *nbytes) : NULL;
    if (nbytes != NULL)
      m->buffer_bytes = nbytes;
    if (nbuf == NULL || nbytes == NULL) {
      free(bytes);
      return oclnn__fail(m->ctx, OCLNN_ERR_OUT_OF_MEMORY, "%s: out of host memory", function);
    }
    for (int b = m->n_buffers; b < nb; b++) {
      m->buffers[b] = NULL;
      m->buffer_bytes[b] = 0;
    }
    m->n_buffers = nb;
  }
  for (int b = 0; b < nb; b++) {
    if (m->buffer_bytes[b] >= bytes[b])
      continue;
    if (m->buffers[b] != NULL)
      clReleaseMemObject(m->buffers[b]);
    m->buffers[b] = NULL;
    m->buffer_bytes[b] = 0;
    cl_int err;
    m->buffers[b] = clCreateBuffer(m->ctx->cl_ctx, CL_MEM_READ_WRITE, bytes[b], NULL, &err);
    if (m->buffers[b] == NULL || err != CL_SUCCESS) {
      m->buffers[b] = NULL;
      free(bytes);
      return oclnn__fail_cl(m->ctx, function, "clCreateBuffer(intermediate)", err);
    }
    m->buffer_bytes[b] = bytes[b];
  }
  free(bytes);
  return OCLNN_SUCCESS;
}

static void note_use(oclnn_model *m, int v, int step_index) {
  if (v < 0)
    return;
  int s = storage_of(m, v);
  if (s >= 0 && m->st[s].last_use < step_index)
    m->st[s].last_use = step_index;
}

static oclnn_status plan(oclnn_model *m, const char *function, const oclnn_tensor *inputs,
                         int n_inputs) {
  oclnn__graph *g = m->g;
  if (inputs == NULL)
    return oclnn__fail(m->ctx, OCLNN_ERR_NULL_ARGUMENT, "%s: inputs is NULL", function);
  if (n_inputs != g->n_inputs)
    return oclnn__fail(m->ctx, OCLNN_ERR_INVALID_VALUE,
                       "%s: n_inputs is %d, the model has %d inputs", function, n_inputs,
                       g->n_inputs);
  for (int i = 0; i < n_inputs; i++) {
    const oclnn__value *v = &g->values[g->inputs[i]];
    const oclnn_tensor *t = &inputs[i];
    char buf[96];
    if (t->rank < 1 || t->rank > OCLNN_MAX_RANK)
      return oclnn__fail(m->ctx, OCLNN_ERR_INVALID_SHAPE, "%s: input %d ('%s') has rank %d",
                         function, i, v->name, t->rank);
    for (int d = 0; d < t->rank; d++)
      if (t->shape[d] < 0)
        return oclnn__fail(m->ctx, OCLNN_ERR_INVALID_SHAPE,
                           "%s: input %d ('%s') has a negative dim: %s", function, i, v->name,
                           oclnn__shape_string(t->rank, t->shape, buf, sizeof buf));
    if (oclnn_tensor_numel(t) < 0)
      return oclnn__fail(m->ctx, OCLNN_ERR_OVERFLOW, "%s: input %d ('%s'): %s overflows", function,
                         i, v->name, oclnn__shape_string(t->rank, t->shape, buf, sizeof buf));
    bool ok = v->declared_rank < 0 || v->declared_rank == t->rank;
    for (int d = 0; ok && v->declared_rank >= 0 && d < t->rank; d++)
      if (v->declared_dims[d] >= 0 && v->declared_dims[d] != t->shape[d])
        ok = false;
    if (!ok) {
      char want[96];
      int64_t dd[OCLNN__GRAPH_MAX_RANK];
      for (int d = 0; d < v->declared_rank; d++)
        dd[d] = v->declared_dims[d];
      return oclnn__fail(m->ctx, OCLNN_ERR_INVALID_SHAPE,
                         "%s: input %d ('%s') has shape %s, the model declares %s (-1: any)",
                         function, i, v->name,
                         oclnn__shape_string(t->rank, t->shape, buf, sizeof buf),
                         oclnn__shape_string(v->declared_rank, dd, want, sizeof want));
    }
  }
  if (m->planned) {
    bool same = true;
    for (int i = 0; i < n_inputs && same; i++)
      same = m->plan_rank[i] == inputs[i].rank &&
             memcmp(m->plan_dims[i], inputs[i].shape,
                    (size_t)inputs[i].rank * sizeof inputs[i].shape[0]) == 0;
    if (same)
      return OCLNN_SUCCESS;
  }
  if (n_inputs > 16)
    return oclnn__fail(m->ctx, OCLNN_ERR_UNSUPPORTED, "%s: more than 16 graph inputs", function);
  free_plan(m);
  planner p = {m, function, NULL, NULL, NULL, NULL};
  int extra = g->n_values + g->n_nodes;
  m->pv = calloc((size_t)(extra > 0 ? extra : 1), sizeof *m->pv);
  p.consumers = calloc((size_t)(g->n_values > 0 ? g->n_values : 1), sizeof *p.consumers);
  p.skip = calloc((size_t)(g->n_nodes > 0 ? g->n_nodes : 1), sizeof *p.skip);
  p.pad_into = malloc((size_t)(g->n_nodes > 0 ? g->n_nodes : 1) * sizeof *p.pad_into);
  p.resize_into = malloc((size_t)(g->n_nodes > 0 ? g->n_nodes : 1) * sizeof *p.resize_into);
  oclnn_status s = OCLNN_SUCCESS;
  if (m->pv == NULL || p.consumers == NULL || p.skip == NULL || p.pad_into == NULL ||
      p.resize_into == NULL) {
    s = oclnn__fail(m->ctx, OCLNN_ERR_OUT_OF_MEMORY, "%s: out of host memory", function);
    goto done;
  }
  for (int v = 0; v < extra; v++) {
    m->pv[v].storage = -1;
    if (v < g->n_values && g->values[v].cst != NULL) {
      m->pv[v].cst = g->values[v].cst;
      m->pv[v].rank = g->values[v].cst->rank;
      memcpy(m->pv[v].dims, g->values[v].cst->dims, sizeof m->pv[v].dims);
      if (m->pv[v].rank == 0) { /* a scalar operand on the device: shape [1] broadcasts alike */
        m->pv[v].rank = 1;
        m->pv[v].dims[0] = 1;
      }
    }
  }
  for (int n = 0; n < g->n_nodes; n++) {
    p.pad_into[n] = -1;
    p.resize_into[n] = -1;
    if (g->nodes[n].folded)
      continue;
    for (int k = 0; k < g->nodes[n].n_inputs; k++)
      if (g->nodes[n].inputs[k] >= 0)
        p.consumers[g->nodes[n].inputs[k]]++;
  }
  for (int i = 0; i < g->n_outputs; i++)
    p.consumers[g->outputs[i]]++;
  for (int i = 0; i < n_inputs; i++) {
    int v = g->inputs[i];
    m->pv[v].rank = inputs[i].rank;
    memcpy(m->pv[v].dims, inputs[i].shape, (size_t)inputs[i].rank * sizeof inputs[i].shape[0]);
    int st;
    if ((s = new_storage(&p, oclnn_tensor_numel(&inputs[i]), &st)) != OCLNN_SUCCESS)
      goto done;
    m->st[st].input_index = i;
    m->st[st].def_step = -1;
    m->pv[v].storage = st;
    m->plan_rank[i] = inputs[i].rank;
    memcpy(m->plan_dims[i], inputs[i].shape, sizeof m->plan_dims[i]);
  }
  for (int n = 0; n < g->n_nodes; n++) {
    const oclnn__node *node = &g->nodes[n];
    if (node->folded || p.skip[n])
      continue;
    /* Pad -> Conv: decided when the Pad is reached, so the Pad is skipped. */
    if (strcmp(node->op, "Pad") == 0) {
      int c = pad_conv_of(&p, n);
      if (c >= 0) {
        p.pad_into[c] = n;
        p.pad_into[n] = -2;
      }
    }
    /* Resize -> [Pad ->] Conv: likewise; the Conv upsamples in its input reads. */
    if (strcmp(node->op, "Resize") == 0 || strcmp(node->op, "Upsample") == 0) {
      int c = resize_conv_of(&p, n);
      if (c >= 0) {
        p.resize_into[c] = n;
        continue;
      }
    }
    if ((s = plan_node(&p, n)) != OCLNN_SUCCESS)
      goto done;
  }
  /* Graph outputs: written in place by their step when that step's storage is theirs alone,
   * else copied at the end. */
  for (int i = 0; i < g->n_outputs; i++) {
    int v = g->outputs[i];
    int st = m->pv[v].storage;
    if (st < 0) {
      s = oclnn__fail(m->ctx, OCLNN_ERR_UNSUPPORTED,
                      "%s: output '%s' is not computed on the "
                      "device",
                      function, g->values[v].name);
      goto done;
    }
    if (m->st[st].input_index < 0 && m->st[st].output_index < 0) {
      m->st[st].output_index = i;
      continue;
    }
    step *cs;
    if ((s = add_step(&p, STEP_COPY, g->values[v].producer >= 0 ? g->values[v].producer : 0, "Copy",
                      v, -1, v, &cs)) != OCLNN_SUCCESS)
      goto done;
    cs->output_index = i;
  }
  for (int i = 0; i < m->n_steps; i++) {
    note_use(m, m->steps[i].in, i);
    note_use(m, m->steps[i].in2, i);
  }
  if ((s = assign_buffers(m, function)) != OCLNN_SUCCESS)
    goto done;
  m->planned = true;
done:
  free(p.consumers);
  free(p.skip);
  free(p.pad_into);
  free(p.resize_into);
  if (s != OCLNN_SUCCESS)
    free_plan(m);
  return s;
}

/* ---- running ------------------------------------------------------------------------------ */

static oclnn_tensor view_of(const oclnn_model *m, int v, const oclnn_tensor *inputs,
                            const oclnn_tensor *outputs) {
  const pvalue *pv = &m->pv[v];
  int64_t dims[OCLNN_MAX_RANK] = {0};
  /* plan_node keeps ranks within 1..5; the bound is only a second line of defence. */
  memcpy(dims, pv->dims,
         (size_t)(pv->rank < OCLNN_MAX_RANK ? pv->rank : OCLNN_MAX_RANK) * sizeof dims[0]);
  if (pv->storage < 0) /* a constant operand */
    return oclnn_tensor_view(m->weights, (size_t)m->woffset[v], pv->rank, dims);
  const storage *s = &m->st[pv->storage];
  if (s->input_index >= 0)
    return oclnn_tensor_view(inputs[s->input_index].buffer, inputs[s->input_index].offset, pv->rank,
                             dims);
  if (s->output_index >= 0)
    return oclnn_tensor_view(outputs[s->output_index].buffer, outputs[s->output_index].offset,
                             pv->rank, dims);
  return oclnn_tensor_view(m->buffers[s->buffer], 0, pv->rank, dims);
}

static oclnn_tensor param_view(const oclnn_model *m, int v, int rank, const int64_t *dims) {
  if (v < 0)
    return oclnn_tensor_view(NULL, 0, 0, NULL);
  return weight_view(m, v, rank, dims);
}

/* A box copy as one clEnqueueCopyBufferRect: dims whose inner neighbours are copied whole in
 * both tensors merge into them, which leaves at most 3 for every Slice and Concat torch
 * exports (e.g. N and C merge when H or W is sliced). */
static oclnn_status run_box(oclnn_model *m, const step *st, const oclnn_tensor *in,
                            const oclnn_tensor *out) {
  static const char function[] = "oclnn_model_run";
  int64_t S[OCLNN_MAX_RANK], D[OCLNN_MAX_RANK], a[OCLNN_MAX_RANK], b[OCLNN_MAX_RANK],
      L[OCLNN_MAX_RANK];
  int r = 0;
  for (int d = in->rank - 1; d >= 0; d--) {
    if (st->len[d] == 0)
      return OCLNN_SUCCESS; /* an empty box */
    if (r > 0 && L[r - 1] == S[r - 1] && L[r - 1] == D[r - 1]) {
      /* The inner run is whole in both: fold this dim into it. */
      int64_t inner = S[r - 1];
      S[r - 1] = in->shape[d] * inner;
      D[r - 1] = out->shape[d] * inner;
      a[r - 1] = st->src_lo[d] * inner;
      b[r - 1] = st->dst_lo[d] * inner;
      L[r - 1] = st->len[d] * inner;
      continue;
    }
    S[r] = in->shape[d];
    D[r] = out->shape[d];
    a[r] = st->src_lo[d];
    b[r] = st->dst_lo[d];
    L[r] = st->len[d];
    r++;
  }
  if (r > 3)
    return node_fail(m, function, st->node, OCLNN_ERR_UNSUPPORTED,
                     "a box that does not reduce to 3 dims");
  for (; r < 3; r++) {
    S[r] = D[r] = L[r] = 1;
    a[r] = b[r] = 0;
  }
  size_t src_origin[3] = {(size_t)(in->offset + (size_t)a[0]) * sizeof(float), (size_t)a[1],
                          (size_t)a[2]};
  size_t dst_origin[3] = {(size_t)(out->offset + (size_t)b[0]) * sizeof(float), (size_t)b[1],
                          (size_t)b[2]};
  size_t region[3] = {(size_t)L[0] * sizeof(float), (size_t)L[1], (size_t)L[2]};
  cl_int err = clEnqueueCopyBufferRect(
      m->ctx->queue, in->buffer, out->buffer, src_origin, dst_origin, region,
      (size_t)S[0] * sizeof(float), (size_t)(S[0] * S[1]) * sizeof(float),
      (size_t)D[0] * sizeof(float), (size_t)(D[0] * D[1]) * sizeof(float), 0, NULL, NULL);
  if (err != CL_SUCCESS)
    return oclnn__fail_cl(m->ctx, function, "clEnqueueCopyBufferRect", err);
  return OCLNN_SUCCESS;
}

static oclnn_status run_step(oclnn_model *m, const step *st, const oclnn_tensor *inputs,
                             const oclnn_tensor *outputs) {
  oclnn_tensor in = view_of(m, st->in, inputs, outputs);
  oclnn_tensor out;
  if (st->kind == STEP_COPY)
    out = outputs[st->output_index];
  else
    out = view_of(m, st->out, inputs, outputs);
  oclnn_tensor in2;
  if (st->in2 >= 0)
    in2 = view_of(m, st->in2, inputs, outputs);
  const oclnn_tensor *res = st->in2 >= 0 ? &in2 : NULL;
  int64_t C = in.rank >= 2 ? in.shape[1] : 0;
  switch (st->kind) {
  case STEP_CONV:
    return oclnn_conv_forward(st->layer, &in, NULL, NULL, &out);
  case STEP_PAD:
    return oclnn_pad_forward(st->layer, &in, &out);
  case STEP_RELU:
    return oclnn_act_relu(m->act, &in, &out);
  case STEP_ADD:
    return oclnn_act_add(m->act, &in, &in2, st->fuse_relu, &out);
  case STEP_UPSAMPLE:
    return oclnn_act_upsample(m->act, &st->up, &in, &out);
  case STEP_INSTANCE_NORM: {
    oclnn_tensor w = param_view(m, st->params[0], 1, &C), b = param_view(m, st->params[1], 1, &C);
    return oclnn_instance_norm_forward(st->layer, 0, &in, &w, &b, NULL, NULL, res, &out);
  }
  case STEP_BATCH_NORM: {
    oclnn_tensor w = param_view(m, st->params[0], 1, &C), b = param_view(m, st->params[1], 1, &C),
                 mean = param_view(m, st->params[2], 1, &C),
                 var = param_view(m, st->params[3], 1, &C);
    return oclnn_batch_norm_forward(st->layer, 0, &in, &w, &b, &mean, &var, NULL, res, &out);
  }
  case STEP_GROUP_NORM: {
    oclnn_tensor w = param_view(m, st->params[0], 1, &C), b = param_view(m, st->params[1], 1, &C);
    if (st->aux != NULL) {
      w = oclnn_tensor_view(st->aux, 0, 1, &C);
      b = oclnn_tensor_view(st->aux, (size_t)C, 1, &C);
    }
    return oclnn_group_norm_forward(st->layer, &in, &w, &b, res, &out);
  }
  case STEP_LAYER_NORM: {
    const oclnn__const *sc = m->g->values[st->params[0]].cst;
    oclnn_tensor w = param_view(m, st->params[0], 1, &sc->numel);
    oclnn_tensor b = param_view(m, st->params[1], 1, &sc->numel);
    /* Scale and B have the normalized dims' shape; view them so. */
    const oclnn__node *node = &m->g->nodes[st->node];
    int64_t axis = -1;
    oclnn__errbuf e = {NULL, 0};
    oclnn__attr_int(node, "axis", -1, &axis, &e);
    if (axis < 0)
      axis += in.rank;
    w.rank = in.rank - (int)axis;
    memcpy(w.shape, &in.shape[axis], (size_t)w.rank * sizeof w.shape[0]);
    if (st->params[1] >= 0) {
      b.rank = w.rank;
      memcpy(b.shape, w.shape, sizeof w.shape);
    }
    return oclnn_layer_norm_forward(st->layer, &in, &w, st->params[1] >= 0 ? &b : NULL, res, &out);
  }
  case STEP_LRN:
    return oclnn_lrn_forward(st->layer, &in, &out);
  case STEP_BOX:
    return run_box(m, st, &in, &out);
  case STEP_COPY: {
    oclnn_status s = oclnn__check_tensor(m->ctx, "oclnn_model_run", "output", &out, NULL);
    if (s != OCLNN_SUCCESS)
      return s;
    size_t bytes = (size_t)oclnn_tensor_numel(&out) * sizeof(float);
    if (bytes == 0)
      return OCLNN_SUCCESS;
    cl_int err =
        clEnqueueCopyBuffer(m->ctx->queue, in.buffer, out.buffer, in.offset * sizeof(float),
                            out.offset * sizeof(float), bytes, 0, NULL, NULL);
    if (err != CL_SUCCESS)
      return oclnn__fail_cl(m->ctx, "oclnn_model_run", "clEnqueueCopyBuffer", err);
    return OCLNN_SUCCESS;
  }
  }
  return OCLNN_ERR_UNSUPPORTED;
}

oclnn_status oclnn_model_output_shape(oclnn_model *model, const oclnn_tensor *inputs, int n_inputs,
                                      int output_index, int *rank, int64_t *shape) {
  static const char function[] = "oclnn_model_output_shape";
  if (model == NULL)
    return oclnn__fail(NULL, OCLNN_ERR_NULL_ARGUMENT, "%s: model is NULL", function);
  if (rank == NULL || shape == NULL)
    return oclnn__fail(model->ctx, OCLNN_ERR_NULL_ARGUMENT, "%s: %s is NULL", function,
                       rank == NULL ? "rank" : "shape");
  if (output_index < 0 || output_index >= model->g->n_outputs)
    return oclnn__fail(model->ctx, OCLNN_ERR_INVALID_VALUE,
                       "%s: output_index %d is out of range (the model has %d outputs)", function,
                       output_index, model->g->n_outputs);
  oclnn_status s = plan(model, function, inputs, n_inputs);
  if (s != OCLNN_SUCCESS)
    return s;
  const pvalue *v = &model->pv[model->g->outputs[output_index]];
  *rank = v->rank;
  for (int d = 0; d < OCLNN_MAX_RANK; d++)
    shape[d] = d < v->rank ? v->dims[d] : 0;
  return OCLNN_SUCCESS;
}

oclnn_status oclnn_model_run(oclnn_model *model, const oclnn_tensor *inputs, int n_inputs,
                             const oclnn_tensor *outputs, int n_outputs) {
  static const char function[] = "oclnn_model_run";
  if (model == NULL)
    return oclnn__fail(NULL, OCLNN_ERR_NULL_ARGUMENT, "%s: model is NULL", function);
  oclnn__graph *g = model->g;
  if (outputs == NULL)
    return oclnn__fail(model->ctx, OCLNN_ERR_NULL_ARGUMENT, "%s: outputs is NULL", function);
  if (n_outputs != g->n_outputs)
    return oclnn__fail(model->ctx, OCLNN_ERR_INVALID_VALUE,
                       "%s: n_outputs is %d, the model has %d outputs", function, n_outputs,
                       g->n_outputs);
  oclnn_status s = plan(model, function, inputs, n_inputs);
  if (s != OCLNN_SUCCESS)
    return s;
  /* Every check before the first enqueue: nothing is written on error. */
  for (int i = 0; i < n_inputs; i++) {
    char name[32];
    snprintf(name, sizeof name, "inputs[%d]", i);
    if ((s = oclnn__check_tensor(model->ctx, function, name, &inputs[i], NULL)) != OCLNN_SUCCESS)
      return s;
  }
  for (int i = 0; i < n_outputs; i++) {
    char name[32], buf[96], want[96];
    snprintf(name, sizeof name, "outputs[%d]", i);
    if ((s = oclnn__check_tensor(model->ctx, function, name, &outputs[i], NULL)) != OCLNN_SUCCESS)
      return s;
    const pvalue *v = &model->pv[g->outputs[i]];
    if (outputs[i].rank != v->rank ||
        memcmp(outputs[i].shape, v->dims, (size_t)v->rank * sizeof v->dims[0]) != 0)
      return oclnn__fail(model->ctx, OCLNN_ERR_INVALID_SHAPE,
                         "%s: outputs[%d] ('%s') has shape %s, the planned output is %s", function,
                         i, g->values[g->outputs[i]].name,
                         oclnn__shape_string(outputs[i].rank, outputs[i].shape, buf, sizeof buf),
                         oclnn__shape_string(v->rank, v->dims, want, sizeof want));
    for (int j = 0; j < n_inputs; j++) {
      char iname[32];
      snprintf(iname, sizeof iname, "inputs[%d]", j);
      if ((s = oclnn__check_no_overlap(model->ctx, function, name, &outputs[i], iname,
                                       &inputs[j])) != OCLNN_SUCCESS)
        return s;
    }
    for (int j = 0; j < i; j++) {
      char oname[32];
      snprintf(oname, sizeof oname, "outputs[%d]", j);
      if ((s = oclnn__check_no_overlap(model->ctx, function, name, &outputs[i], oname,
                                       &outputs[j])) != OCLNN_SUCCESS)
        return s;
    }
  }
  release_events(model);
  if (model->profiling) {
    model->events = calloc((size_t)model->n_steps + 1, sizeof *model->events);
    if (model->events == NULL)
      return oclnn__fail(model->ctx, OCLNN_ERR_OUT_OF_MEMORY, "%s: out of host memory", function);
    model->n_events = model->n_steps + 1;
    cl_int err = clEnqueueMarkerWithWaitList(model->ctx->queue, 0, NULL, &model->events[0]);
    if (err != CL_SUCCESS)
      return oclnn__fail_cl(model->ctx, function, "clEnqueueMarkerWithWaitList", err);
  }
  for (int i = 0; i < model->n_steps; i++) {
    const step *st = &model->steps[i];
    s = run_step(model, st, inputs, outputs);
    if (s != OCLNN_SUCCESS) {
      /* Checked views make this an OpenCL failure; name the step on top of the layer's text. */
      char msg[OCLNN__MESSAGE_SIZE];
      snprintf(msg, sizeof msg, "%s", oclnn_context_error(model->ctx));
      return node_fail(model, function, st->node, s, "step %d (%s): %s", i, st->op, msg);
    }
    if (model->profiling) {
      cl_int err = clEnqueueMarkerWithWaitList(model->ctx->queue, 0, NULL, &model->events[i + 1]);
      if (err != CL_SUCCESS)
        return oclnn__fail_cl(model->ctx, function, "clEnqueueMarkerWithWaitList", err);
    }
  }
  return OCLNN_SUCCESS;
}

/* ---- profiling ---------------------------------------------------------------------------- */

oclnn_status oclnn_model_set_profiling(oclnn_model *model, int enable) {
  if (model == NULL)
    return oclnn__fail(NULL, OCLNN_ERR_NULL_ARGUMENT, "oclnn_model_set_profiling: model is NULL");
  model->profiling = enable != 0;
  if (!model->profiling)
    release_events(model);
  return OCLNN_SUCCESS;
}

int oclnn_model_step_count(const oclnn_model *model) {
  if (model == NULL)
    return -1;
  return model->planned ? model->n_steps : 0;
}

oclnn_status oclnn_model_step_profile(oclnn_model *model, int index, const char **name,
                                      const char **op, double *ms) {
  static const char function[] = "oclnn_model_step_profile";
  if (model == NULL)
    return oclnn__fail(NULL, OCLNN_ERR_NULL_ARGUMENT, "%s: model is NULL", function);
  if (!model->planned || index < 0 || index >= model->n_steps)
    return oclnn__fail(model->ctx, OCLNN_ERR_INVALID_VALUE,
                       "%s: index %d is out of range (%d steps planned)", function, index,
                       model->planned ? model->n_steps : 0);
  const step *st = &model->steps[index];
  if (name != NULL)
    *name = model->g->nodes[st->node].name;
  if (op != NULL)
    *op = st->op;
  if (ms != NULL) {
    if (!model->profiling || model->n_events != model->n_steps + 1)
      return oclnn__fail(model->ctx, OCLNN_ERR_UNSUPPORTED,
                         "%s: no profiled run (oclnn_model_set_profiling(model, 1), then "
                         "oclnn_model_run and oclnn_context_finish)",
                         function);
    /* Markers end when every command before them ended (in-order queue), so the step's time
     * is the distance between the markers around it. */
    cl_ulong t0 = 0, t1 = 0;
    cl_int err = clGetEventProfilingInfo(model->events[index], CL_PROFILING_COMMAND_END, sizeof t0,
                                         &t0, NULL);
    if (err == CL_SUCCESS)
      err = clGetEventProfilingInfo(model->events[index + 1], CL_PROFILING_COMMAND_END, sizeof t1,
                                    &t1, NULL);
    if (err != CL_SUCCESS)
      return oclnn__fail_cl(model->ctx, function, "clGetEventProfilingInfo", err);
    *ms = t1 > t0 ? (double)(t1 - t0) * 1e-6 : 0.0;
  }
  return OCLNN_SUCCESS;
}
