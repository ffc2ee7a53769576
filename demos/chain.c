#include "chain.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

void demo_chain_init(demo_chain *chain, int w, int h) {
  memset(chain, 0, sizeof *chain);
  chain->width = w;
  chain->height = h;
  chain->slot_count = 1;
  chain->slot_floats[0] = (size_t)3 * (size_t)w * (size_t)h;
  chain->output = demo_view_nchw(0, 0, 3, h, w);
}

int demo_chain_add_slot(demo_chain *chain, size_t floats) {
  if (chain->slot_count >= DEMO_CHAIN_MAX_SLOTS)
    return -1;
  chain->slot_floats[chain->slot_count] = floats;
  return chain->slot_count++;
}

demo_step *demo_chain_add_step(demo_chain *chain, demo_step_kind kind, const char *label) {
  if (chain->step_count >= DEMO_CHAIN_MAX_STEPS)
    return NULL;
  demo_step *step = &chain->steps[chain->step_count++];
  memset(step, 0, sizeof *step);
  step->kind = kind;
  snprintf(step->label, sizeof step->label, "%s", label);
  return step;
}

const char *demo_step_name(const demo_step *step, char *buf, size_t size) {
  if (step->algo[0])
    snprintf(buf, size, "%s/%s", step->label, step->algo);
  else
    snprintf(buf, size, "%s", step->label);
  return buf;
}

demo_view demo_view_of(int slot, size_t offset, int rank, const int64_t *shape) {
  demo_view view;
  memset(&view, 0, sizeof view);
  view.slot = slot;
  view.offset = offset;
  view.rank = rank;
  for (int i = 0; i < rank && i < OCLNN_MAX_RANK; i++)
    view.shape[i] = shape[i];
  return view;
}

demo_view demo_view_nchw(int slot, size_t offset, int64_t c, int64_t h, int64_t w) {
  const int64_t shape[4] = {1, c, h, w};
  return demo_view_of(slot, offset, 4, shape);
}

size_t demo_view_numel(const demo_view *view) {
  size_t n = 1;
  for (int i = 0; i < view->rank; i++)
    n *= (size_t)view->shape[i];
  return n;
}

static const char *shape_string(int rank, const int64_t *shape, char *buf, size_t size) {
  size_t used = (size_t)snprintf(buf, size, "(");
  for (int i = 0; i < rank && used < size; i++)
    used += (size_t)snprintf(buf + used, size - used, "%s%lld", i ? ", " : "", (long long)shape[i]);
  if (used < size)
    snprintf(buf + used, size - used, ")");
  return buf;
}

/* The tensor for a view (after the slots exist), checked against the slot's size. */
static int view_tensor(const demo_chain *chain, const demo_step *step, const demo_view *view,
                       oclnn_tensor *out, demo_err *err) {
  if (view->slot < 0 || view->slot >= chain->slot_count)
    return demo_fail(err, "step \"%s\": slot %d does not exist", step->label, view->slot);
  if (view->offset + demo_view_numel(view) > chain->slot_floats[view->slot])
    return demo_fail(err, "step \"%s\": a view of %zu floats at %zu overruns slot %d (%zu floats)",
                     step->label, demo_view_numel(view), view->offset, view->slot,
                     chain->slot_floats[view->slot]);
  *out = oclnn_tensor_view(chain->slots[view->slot].buffer, view->offset, view->rank, view->shape);
  return 0;
}

static int layer_fail(oclnn_context *ctx, const demo_step *step, const char *call,
                      oclnn_status status, demo_err *err) {
  return demo_fail(err, "step \"%s\": %s failed: %s: %s", step->label, call,
                   oclnn_status_string(status), oclnn_context_error(ctx));
}

static int upload(oclnn_context *ctx, const demo_step *step, int rank, const int64_t *shape,
                  const float *host, oclnn_tensor *out, demo_err *err) {
  size_t count = 1;
  for (int i = 0; i < rank; i++)
    count *= (size_t)shape[i];
  oclnn_status status = oclnn_tensor_alloc(ctx, rank, shape, out);
  if (status != OCLNN_SUCCESS)
    return layer_fail(ctx, step, "oclnn_tensor_alloc", status, err);
  status = oclnn_tensor_upload(ctx, out, host, count);
  if (status != OCLNN_SUCCESS)
    return layer_fail(ctx, step, "oclnn_tensor_upload", status, err);
  return 0;
}

/* Loads the step's model, plans it for the input view (which builds or loads its programs) and,
 * when its output is not the `out` view's size, makes the tensor and the pad layer that fit it. */
static int realize_model(demo_chain *chain, demo_step *step, oclnn_context *ctx, demo_err *err) {
  (void)chain;
  if (!step->model_path)
    return demo_fail(err, "step \"%s\": no model file", step->label);
  oclnn_status status = oclnn_model_load_file(ctx, step->model_path, &step->model);
  if (status != OCLNN_SUCCESS)
    return demo_fail(err, "cannot load the model: %s: %s", oclnn_status_string(status),
                     oclnn_context_error(ctx));
  if (oclnn_model_input_count(step->model) != 1 || oclnn_model_output_count(step->model) < 1)
    return demo_fail(err, "model %s: %d inputs and %d outputs; the demo runs one image in, one out",
                     step->model_path, oclnn_model_input_count(step->model),
                     oclnn_model_output_count(step->model));
  oclnn_tensor in = oclnn_tensor_view(NULL, 0, step->in.rank, step->in.shape);
  int rank = 0;
  int64_t shape[OCLNN_MAX_RANK] = {0};
  status = oclnn_model_output_shape(step->model, &in, 1, 0, &rank, shape);
  if (status != OCLNN_SUCCESS)
    return demo_fail(err, "model %s on a 1x3x%lldx%lld frame: %s: %s", step->model_path,
                     (long long)step->in.shape[2], (long long)step->in.shape[3],
                     oclnn_status_string(status), oclnn_context_error(ctx));
  if (rank != 4 || shape[0] != 1 || shape[1] != 3)
    return demo_fail(err, "model %s: its output (rank %d, %lld channels) is not an RGB image",
                     step->model_path, rank, (long long)shape[1]);
  if (shape[2] == step->out.shape[2] && shape[3] == step->out.shape[3])
    return 0;
  oclnn_pad_desc fit = oclnn_pad_desc_default(2, OCLNN_PAD_CONSTANT, 0);
  fit.padding[1] = step->out.shape[3] - shape[3]; /* right */
  fit.padding[3] = step->out.shape[2] - shape[2]; /* bottom */
  int64_t fitted[4];
  if ((status = oclnn_tensor_alloc(ctx, 4, shape, &step->model_out)) != OCLNN_SUCCESS ||
      (status = oclnn_pad_create(ctx, &fit, &step->model_fit)) != OCLNN_SUCCESS ||
      (status = oclnn_pad_output_shape(step->model_fit, 4, shape, fitted)) != OCLNN_SUCCESS)
    return demo_fail(err, "model %s: fitting its %lldx%lld output to the frame: %s: %s",
                     step->model_path, (long long)shape[3], (long long)shape[2],
                     oclnn_status_string(status), oclnn_context_error(ctx));
  return 0;
}

/* Creates one step's layer and checks that it maps its input view onto its output view. */
static int realize_step(demo_chain *chain, demo_step *step, oclnn_context *ctx, demo_err *err) {
  int64_t shape[OCLNN_MAX_RANK] = {0};
  oclnn_status status = OCLNN_SUCCESS;
  const char *call = "";
  switch (step->kind) {
  case DEMO_STEP_CONV: {
    call = "oclnn_conv_create";
    status = oclnn_conv_create(ctx, &step->conv, &step->conv_layer);
    if (status != OCLNN_SUCCESS)
      break;
    oclnn_conv_algo algo = OCLNN_CONV_ALGO_AUTO;
    if (oclnn_conv_algorithm(step->conv_layer, &algo) == OCLNN_SUCCESS)
      snprintf(step->algo, sizeof step->algo, "%s", oclnn_conv_algo_name(algo));
    call = "oclnn_conv_output_shape";
    status = oclnn_conv_output_shape(step->conv_layer, step->in.rank, step->in.shape, shape);
    if (status != OCLNN_SUCCESS)
      break;
    const int64_t wshape[4] = {step->conv.out_channels, step->conv.in_channels / step->conv.groups,
                               step->conv.kernel_size[0], step->conv.kernel_size[1]};
    if (!step->weight || (step->conv.bias && !step->bias))
      return demo_fail(err, "step \"%s\": weights missing", step->label);
    if (upload(ctx, step, 4, wshape, step->weight, &step->dev_weight, err) != 0)
      return -1;
    if (step->conv.bias &&
        upload(ctx, step, 1, &step->conv.out_channels, step->bias, &step->dev_bias, err) != 0)
      return -1;
    call = "oclnn_conv_prepare_weights";
    status = oclnn_conv_prepare_weights(step->conv_layer, &step->dev_weight,
                                        step->conv.bias ? &step->dev_bias : NULL);
    break;
  }
  case DEMO_STEP_PAD:
    call = "oclnn_pad_create";
    status = oclnn_pad_create(ctx, &step->pad, &step->pad_layer);
    if (status != OCLNN_SUCCESS)
      break;
    call = "oclnn_pad_output_shape";
    status = oclnn_pad_output_shape(step->pad_layer, step->in.rank, step->in.shape, shape);
    break;
  case DEMO_STEP_INSTANCE_NORM:
    call = "oclnn_instance_norm_create";
    status = oclnn_instance_norm_create(ctx, &step->norm, &step->norm_layer);
    if (status != OCLNN_SUCCESS)
      break;
    call = "oclnn_instance_norm_output_shape";
    status =
        oclnn_instance_norm_output_shape(step->norm_layer, 0, step->in.rank, step->in.shape, shape);
    if (status != OCLNN_SUCCESS || !step->norm.affine)
      break;
    if (!step->norm_weight || !step->norm_bias)
      return demo_fail(err, "step \"%s\": affine parameters missing", step->label);
    if (upload(ctx, step, 1, &step->norm.num_features, step->norm_weight, &step->dev_weight, err) !=
            0 ||
        upload(ctx, step, 1, &step->norm.num_features, step->norm_bias, &step->dev_bias, err) != 0)
      return -1;
    break;
  case DEMO_STEP_LRN:
    call = "oclnn_lrn_create";
    status = oclnn_lrn_create(ctx, &step->lrn, &step->lrn_layer);
    if (status != OCLNN_SUCCESS)
      break;
    call = "oclnn_lrn_output_shape";
    status = oclnn_lrn_output_shape(step->lrn_layer, step->in.rank, step->in.shape, shape);
    break;
  case DEMO_STEP_MODEL:
    if (realize_model(chain, step, ctx, err) != 0)
      return -1;
    memcpy(shape, step->out.shape, sizeof shape);
    break;
  default:
    return demo_fail(err, "step \"%s\": unknown kind %d", step->label, (int)step->kind);
  }
  if (status != OCLNN_SUCCESS)
    return layer_fail(ctx, step, call, status, err);
  if (memcmp(shape, step->out.shape, sizeof(int64_t) * (size_t)step->out.rank) != 0) {
    char made[96], from[96], expected[96];
    return demo_fail(err, "step \"%s\": the layer makes %s from %s, the chain expects %s",
                     step->label, shape_string(step->out.rank, shape, made, sizeof made),
                     shape_string(step->in.rank, step->in.shape, from, sizeof from),
                     shape_string(step->out.rank, step->out.shape, expected, sizeof expected));
  }
  return 0;
}

int demo_chain_realize(demo_chain *chain, oclnn_context *ctx, const oclnn_tensor *frame,
                       demo_err *err) {
  chain->slots[0] = *frame;
  for (int s = 1; s < chain->slot_count; s++) {
    const int64_t n = (int64_t)chain->slot_floats[s];
    oclnn_status status = oclnn_tensor_alloc(ctx, 1, &n, &chain->slots[s]);
    if (status != OCLNN_SUCCESS) {
      demo_fail(err, "cannot allocate %zu floats on the device: %s: %s", chain->slot_floats[s],
                oclnn_status_string(status), oclnn_context_error(ctx));
      demo_chain_release(chain);
      return -1;
    }
  }
  for (int i = 0; i < chain->step_count; i++) {
    demo_step *step = &chain->steps[i];
    oclnn_tensor t;
    if (step->out.slot == 0)
      return demo_fail(err, "step \"%s\" writes the frame (slot 0)", step->label);
    if (view_tensor(chain, step, &step->in, &t, err) != 0 ||
        view_tensor(chain, step, &step->out, &t, err) != 0 ||
        (step->has_residual && view_tensor(chain, step, &step->residual, &t, err) != 0) ||
        realize_step(chain, step, ctx, err) != 0) {
      demo_chain_release(chain);
      return -1;
    }
  }
  oclnn_tensor t;
  demo_step dummy = {.label = "output"};
  if (view_tensor(chain, &dummy, &chain->output, &t, err) != 0) {
    demo_chain_release(chain);
    return -1;
  }
  oclnn_status status = oclnn_context_finish(ctx);
  if (status != OCLNN_SUCCESS) {
    demo_fail(err, "oclnn_context_finish failed: %s: %s", oclnn_status_string(status),
              oclnn_context_error(ctx));
    demo_chain_release(chain);
    return -1;
  }
  return 0;
}

static int enqueue_steps(demo_chain *chain, oclnn_context *ctx, cl_event *markers, int *made,
                         demo_err *err) {
  cl_command_queue queue = oclnn_context_cl_queue(ctx);
  for (int i = 0; i < chain->step_count; i++) {
    demo_step *step = &chain->steps[i];
    oclnn_tensor in, out, residual;
    if (view_tensor(chain, step, &step->in, &in, err) != 0 ||
        view_tensor(chain, step, &step->out, &out, err) != 0 ||
        (step->has_residual && view_tensor(chain, step, &step->residual, &residual, err) != 0))
      return -1;
    oclnn_status status = OCLNN_SUCCESS;
    const char *call = "";
    switch (step->kind) {
    case DEMO_STEP_CONV:
      call = "oclnn_conv_forward";
      status = oclnn_conv_forward(step->conv_layer, &in, NULL, NULL, &out);
      break;
    case DEMO_STEP_PAD:
      call = "oclnn_pad_forward";
      status = oclnn_pad_forward(step->pad_layer, &in, &out);
      break;
    case DEMO_STEP_INSTANCE_NORM:
      call = "oclnn_instance_norm_forward";
      status = oclnn_instance_norm_forward(step->norm_layer, 0, &in,
                                           step->norm.affine ? &step->dev_weight : NULL,
                                           step->norm.affine ? &step->dev_bias : NULL, NULL, NULL,
                                           step->has_residual ? &residual : NULL, &out);
      break;
    case DEMO_STEP_LRN:
      call = "oclnn_lrn_forward";
      status = oclnn_lrn_forward(step->lrn_layer, &in, &out);
      break;
    case DEMO_STEP_MODEL:
      call = "oclnn_model_run";
      status = oclnn_model_run(step->model, &in, 1, step->model_fit ? &step->model_out : &out, 1);
      if (status == OCLNN_SUCCESS && step->model_fit) {
        call = "oclnn_pad_forward";
        status = oclnn_pad_forward(step->model_fit, &step->model_out, &out);
      }
      break;
    }
    if (status != OCLNN_SUCCESS)
      return layer_fail(ctx, step, call, status, err);
    if (markers) {
      cl_int cl = clEnqueueMarkerWithWaitList(queue, 0, NULL, &markers[i]);
      if (cl != CL_SUCCESS)
        return demo_fail(err, "clEnqueueMarkerWithWaitList failed (%d)", (int)cl);
      *made = i + 1;
    }
  }
  return 0;
}

int demo_chain_enqueue(demo_chain *chain, oclnn_context *ctx, cl_event *markers, demo_err *err) {
  int made = 0;
  if (enqueue_steps(chain, ctx, markers, &made, err) == 0)
    return 0;
  for (int i = 0; i < made; i++)
    clReleaseEvent(markers[i]);
  return -1;
}

void demo_chain_release(demo_chain *chain) {
  for (int i = 0; i < chain->step_count; i++) {
    demo_step *step = &chain->steps[i];
    oclnn_conv_free(step->conv_layer);
    oclnn_pad_free(step->pad_layer);
    oclnn_instance_norm_free(step->norm_layer);
    oclnn_lrn_free(step->lrn_layer);
    oclnn_model_free(step->model);
    oclnn_pad_free(step->model_fit);
    oclnn_tensor_free(&step->model_out);
    free(step->model_path);
    oclnn_tensor_free(&step->dev_weight);
    oclnn_tensor_free(&step->dev_bias);
    free(step->weight);
    free(step->bias);
    free(step->norm_weight);
    free(step->norm_bias);
  }
  for (int s = 1; s < chain->slot_count; s++)
    oclnn_tensor_free(&chain->slots[s]);
  demo_chain_init(chain, chain->width, chain->height);
}
