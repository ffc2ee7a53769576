#include "pipeline.h"

#include <stdlib.h>
#include <string.h>

void demo_rgb_to_planar(const uint8_t *rgb, int w, int h, float *planar) {
  const size_t plane = (size_t)w * (size_t)h;
  float *r = planar, *g = planar + plane, *b = planar + 2 * plane;
  for (size_t i = 0; i < plane; i++) {
    r[i] = rgb[3 * i];
    g[i] = rgb[3 * i + 1];
    b[i] = rgb[3 * i + 2];
  }
}

static inline uint8_t to_byte(float v) {
  /* NaN fails both comparisons and becomes 0. */
  return v > 0.0f ? (v < 255.0f ? (uint8_t)(v + 0.5f) : 255) : 0;
}

void demo_planar_to_rgb(const float *planar, int w, int h, uint8_t *rgb) {
  const size_t plane = (size_t)w * (size_t)h;
  const float *r = planar, *g = planar + plane, *b = planar + 2 * plane;
  for (size_t i = 0; i < plane; i++) {
    rgb[3 * i] = to_byte(r[i]);
    rgb[3 * i + 1] = to_byte(g[i]);
    rgb[3 * i + 2] = to_byte(b[i]);
  }
}

static int ocl_fail(demo_pipeline *p, const char *call, oclnn_status status, demo_err *err) {
  return demo_fail(err, "%s failed: %s: %s", call, oclnn_status_string(status),
                   oclnn_context_error(p->ctx));
}

int demo_pipeline_create(oclnn_context *ctx, int w, int h, const demo_effect_env *env,
                         demo_pipeline **out, demo_err *err) {
  *out = NULL;
  if (demo_check_frame_size("the frame", w, h, err) != 0)
    return -1;
  demo_pipeline *p = calloc(1, sizeof *p);
  if (!p)
    return demo_fail(err, "out of memory");
  p->ctx = ctx;
  p->width = w;
  p->height = h;
  p->env = *env;
  p->effect = p->param = -1;
  demo_chain_init(&p->chain, w, h);
  const size_t floats = (size_t)3 * (size_t)w * (size_t)h;
  p->host_in = malloc(floats * sizeof(float));
  if (!p->host_in) {
    free(p);
    return demo_fail(err, "out of memory");
  }
  const int64_t shape[4] = {1, 3, h, w};
  oclnn_status status = oclnn_tensor_alloc(ctx, 4, shape, &p->frame);
  if (status != OCLNN_SUCCESS) {
    ocl_fail(p, "oclnn_tensor_alloc (frame)", status, err);
    demo_pipeline_free(p);
    return -1;
  }
  *out = p;
  return 0;
}

void demo_pipeline_free(demo_pipeline *p) {
  if (!p)
    return;
  demo_chain_release(&p->chain);
  oclnn_tensor_free(&p->frame);
  free(p->host_in);
  free(p->host_out);
  free(p->out_rgb);
  free(p->composite);
  free(p);
}

int demo_pipeline_set_effect(demo_pipeline *p, int effect, int param, demo_err *err) {
  demo_chain_release(&p->chain);
  p->effect = p->param = -1;
  const int count = demo_effect_param_count(effect, &p->env);
  param = param < 0 ? 0 : param >= count ? count - 1 : param;
  if (demo_effect_build(effect, param, p->width, p->height, &p->env, &p->chain, err) != 0)
    return -1;
  const demo_view *o = &p->chain.output;
  if (o->rank != 4 || o->shape[0] != 1 || o->shape[1] != 3) {
    demo_chain_release(&p->chain);
    return demo_fail(err, "effect %s does not end in a (1, 3, H, W) image",
                     demo_effect_get(effect)->name);
  }
  const int ow = (int)o->shape[3], oh = (int)o->shape[2];
  const size_t floats = (size_t)3 * (size_t)ow * (size_t)oh;
  if (floats > p->out_capacity) {
    float *f = realloc(p->host_out, floats * sizeof(float));
    if (f)
      p->host_out = f;
    uint8_t *b = realloc(p->out_rgb, floats);
    if (b)
      p->out_rgb = b;
    if (!f || !b) {
      demo_chain_release(&p->chain);
      return demo_fail(err, "out of memory");
    }
    p->out_capacity = floats;
  }
  p->out_w = ow;
  p->out_h = oh;
  if (demo_chain_realize(&p->chain, p->ctx, &p->frame, err) != 0)
    return -1;
  p->effect = effect;
  p->param = param;
  return 0;
}

/* Milliseconds between two profiling counters (nanoseconds); 0 when either is missing. */
static double span_ms(cl_ulong from, cl_ulong to) {
  return from && to && to >= from ? (double)(to - from) * 1e-6 : 0.0;
}

static cl_ulong profile(cl_event event, cl_profiling_info what) {
  cl_ulong value = 0;
  if (!event || clGetEventProfilingInfo(event, what, sizeof value, &value, NULL) != CL_SUCCESS)
    return 0;
  return value;
}

int demo_pipeline_process(demo_pipeline *p, const demo_frame *frame, demo_stage_times *times,
                          demo_err *err) {
  demo_stage_times local;
  if (!times)
    times = &local;
  memset(times, 0, sizeof *times);
  if (p->effect < 0)
    return demo_fail(err, "no effect is set up");
  if (frame->width != p->width || frame->height != p->height)
    return demo_fail(err, "frame is %dx%d, the pipeline takes %dx%d", frame->width, frame->height,
                     p->width, p->height);
  cl_command_queue queue = oclnn_context_cl_queue(p->ctx);
  const size_t in_bytes = (size_t)3 * (size_t)p->width * (size_t)p->height * sizeof(float);
  const size_t out_floats = (size_t)3 * (size_t)p->out_w * (size_t)p->out_h;
  cl_event write = NULL, read = NULL, markers[DEMO_CHAIN_MAX_STEPS] = {0};
  const int steps = p->chain.step_count;
  int status = -1;

  const double t0 = demo_now_ms();
  demo_rgb_to_planar(frame->rgb, p->width, p->height, p->host_in);
  const double t1 = demo_now_ms();
  cl_int cl =
      clEnqueueWriteBuffer(queue, p->frame.buffer, CL_FALSE, p->frame.offset * sizeof(float),
                           in_bytes, p->host_in, 0, NULL, &write);
  if (cl != CL_SUCCESS) {
    demo_fail(err, "clEnqueueWriteBuffer failed (%d)", (int)cl);
    goto done;
  }
  if (demo_chain_enqueue(&p->chain, p->ctx, markers, err) != 0) {
    memset(markers, 0, sizeof markers);
    clFinish(queue); /* the write reads host_in: let it end before anything changes */
    goto done;
  }
  const oclnn_tensor *out = &p->chain.slots[p->chain.output.slot];
  cl = clEnqueueReadBuffer(queue, out->buffer, CL_TRUE,
                           (out->offset + p->chain.output.offset) * sizeof(float),
                           out_floats * sizeof(float), p->host_out, 0, NULL, &read);
  if (cl != CL_SUCCESS) {
    demo_fail(err, "clEnqueueReadBuffer failed (%d)", (int)cl);
    clFinish(queue);
    goto done;
  }
  const double t2 = demo_now_ms();
  demo_planar_to_rgb(p->host_out, p->out_w, p->out_h, p->out_rgb);
  const double t3 = demo_now_ms();

  /* Device times: write start..end, then each marker's end after the previous end. */
  const cl_ulong write_start = profile(write, CL_PROFILING_COMMAND_START),
                 write_end = profile(write, CL_PROFILING_COMMAND_END);
  cl_ulong previous = write_end;
  times->profiled = write_end != 0;
  times->step_count = steps;
  for (int i = 0; i < steps; i++) {
    cl_ulong end = profile(markers[i], CL_PROFILING_COMMAND_END);
    times->step_ms[i] = span_ms(previous, end);
    times->layers += times->step_ms[i];
    if (end)
      previous = end;
  }
  times->upload_host = t1 - t0;
  times->upload_device = span_ms(write_start, write_end);
  times->download_device =
      span_ms(profile(read, CL_PROFILING_COMMAND_START), profile(read, CL_PROFILING_COMMAND_END));
  times->download_host = t3 - t2;
  times->upload = times->upload_host + times->upload_device;
  times->download = times->download_device + times->download_host;
  status = 0;

done:
  if (write)
    clReleaseEvent(write);
  if (read)
    clReleaseEvent(read);
  for (int i = 0; i < steps; i++)
    if (markers[i])
      clReleaseEvent(markers[i]);
  return status;
}

const uint8_t *demo_pipeline_view(demo_pipeline *p, const demo_frame *frame, int side_by_side,
                                  int *w, int *h) {
  if (!side_by_side) {
    *w = p->out_w;
    *h = p->out_h;
    return p->out_rgb;
  }
  const int cw = frame->width + DEMO_SIDE_GAP + p->out_w;
  const int ch = frame->height > p->out_h ? frame->height : p->out_h;
  const size_t bytes = (size_t)cw * (size_t)ch * 3;
  if (bytes > p->composite_capacity) {
    uint8_t *c = realloc(p->composite, bytes);
    if (!c) {
      *w = p->out_w;
      *h = p->out_h;
      return p->out_rgb;
    }
    p->composite = c;
    p->composite_capacity = bytes;
  }
  memset(p->composite, 0, bytes);
  for (int y = 0; y < ch; y++) {
    uint8_t *row = p->composite + (size_t)y * (size_t)cw * 3;
    if (y < frame->height)
      memcpy(row, frame->rgb + (size_t)y * (size_t)frame->width * 3, (size_t)frame->width * 3);
    memset(row + (size_t)frame->width * 3, 96, (size_t)DEMO_SIDE_GAP * 3);
    if (y < p->out_h)
      memcpy(row + (size_t)(frame->width + DEMO_SIDE_GAP) * 3,
             p->out_rgb + (size_t)y * (size_t)p->out_w * 3, (size_t)p->out_w * 3);
  }
  *w = cw;
  *h = ch;
  return p->composite;
}
