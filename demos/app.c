#include "app.h"

#include "image_io.h"

#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

static int open_source(const demo_options *o, FILE *log, demo_source **out, demo_err *err) {
  const int w = o->width ? o->width : DEMO_DEFAULT_WIDTH;
  const int h = o->height ? o->height : DEMO_DEFAULT_HEIGHT;
  switch (o->source) {
  case DEMO_SOURCE_CAMERA:
    return demo_source_open_camera(o->camera, w, h, out, err);
  case DEMO_SOURCE_IMAGE:
    return demo_source_open_image(o->input, o->width, o->height, out, err);
  case DEMO_SOURCE_SYNTHETIC:
    return demo_source_open_synthetic(w, h, out, err);
  case DEMO_SOURCE_AUTO:
    break;
  }
  struct stat st;
  if (demo_camera_supported() && stat(DEMO_DEFAULT_CAMERA, &st) == 0) {
    demo_err camera_err;
    if (demo_source_open_camera(DEMO_DEFAULT_CAMERA, w, h, out, &camera_err) == 0)
      return 0;
    if (log)
      fprintf(log, "oclnn-demo: %s; showing the generated scene instead\n", camera_err.msg);
  } else if (log) {
    fprintf(log, "oclnn-demo: no camera (%s)%s; showing the generated scene\n", DEMO_DEFAULT_CAMERA,
            demo_camera_supported() ? "" : ", built without libv4l2");
  }
  return demo_source_open_synthetic(w, h, out, err);
}

int demo_session_open(const demo_options *o, FILE *log, demo_session *s, demo_err *err) {
  memset(s, 0, sizeof *s);
  demo_effect_env_init(&s->env);
  if (o->style_image && demo_effect_env_add_style_image(&s->env, o->style_image, err) != 0)
    return -1;
  for (int i = 0; i < o->model_count; i++)
    if (demo_effect_env_add_models(&s->env, o->models[i], err) != 0)
      return -1;
  if (open_source(o, log, &s->source, err) != 0)
    return -1;
  oclnn_context_options options = oclnn_context_options_default();
  options.device = o->device;
  oclnn_status status = oclnn_context_create(&options, &s->ctx);
  if (status != OCLNN_SUCCESS) {
    demo_fail(err, "no OpenCL device: %s: %s", oclnn_status_string(status),
              oclnn_context_error(NULL));
    demo_session_close(s);
    return -1;
  }
  if (clGetDeviceInfo(oclnn_context_cl_device(s->ctx), CL_DEVICE_NAME, sizeof s->device_name - 1,
                      s->device_name, NULL) != CL_SUCCESS)
    snprintf(s->device_name, sizeof s->device_name, "?");
  if (demo_pipeline_create(s->ctx, s->source->width, s->source->height, &s->env, &s->pipeline,
                           err) != 0) {
    demo_session_close(s);
    return -1;
  }
  return 0;
}

void demo_session_close(demo_session *s) {
  demo_pipeline_free(s->pipeline);
  demo_source_close(s->source);
  oclnn_context_free(s->ctx);
  memset(s, 0, sizeof *s);
}

int demo_start_param(const demo_options *o, int effect, const demo_effect_env *env) {
  const int count = demo_effect_param_count(effect, env);
  int param = o->param >= 0 ? o->param : demo_effect_get(effect)->param_default;
  return param >= count ? count - 1 : param;
}

void demo_bench_reset(demo_bench *b) {
  double *totals = b->totals;
  int capacity = b->capacity;
  memset(b, 0, sizeof *b);
  b->totals = totals;
  b->capacity = capacity;
}

void demo_bench_add(demo_bench *b, const demo_stage_times *t) {
  if (b->frames >= b->capacity) {
    int capacity = b->capacity ? 2 * b->capacity : 256;
    double *totals = realloc(b->totals, (size_t)capacity * sizeof *totals);
    if (totals) {
      b->totals = totals;
      b->capacity = capacity;
    }
  }
  if (b->frames < b->capacity)
    b->totals[b->frames] = t->total;
  b->frames++;
  demo_stage_times *s = &b->sum;
  s->capture += t->capture;
  s->upload += t->upload;
  s->layers += t->layers;
  s->download += t->download;
  s->present += t->present;
  s->total += t->total;
  s->upload_host += t->upload_host;
  s->upload_device += t->upload_device;
  s->download_device += t->download_device;
  s->download_host += t->download_host;
  s->step_count = t->step_count;
  for (int i = 0; i < t->step_count; i++)
    s->step_ms[i] += t->step_ms[i];
}

void demo_bench_free(demo_bench *b) {
  free(b->totals);
  memset(b, 0, sizeof *b);
}

static int compare_doubles(const void *a, const void *b) {
  double x = *(const double *)a, y = *(const double *)b;
  return x < y ? -1 : x > y;
}

double demo_bench_median_total(const demo_bench *b) {
  int n = b->frames < b->capacity ? b->frames : b->capacity;
  if (n <= 0)
    return 0;
  double *copy = malloc((size_t)n * sizeof *copy);
  if (!copy)
    return b->sum.total / b->frames;
  memcpy(copy, b->totals, (size_t)n * sizeof *copy);
  qsort(copy, (size_t)n, sizeof *copy, compare_doubles);
  double median = n % 2 ? copy[n / 2] : 0.5 * (copy[n / 2 - 1] + copy[n / 2]);
  free(copy);
  return median;
}

void demo_bench_print_header(FILE *out) {
  fprintf(out, "%-9s %7s %7s %8s %7s %7s %8s %8s %6s %7s %8s  %s\n", "effect", "fps", "fps_med",
          "capture", "upload", "layers", "download", "present", "other", "total", "total_md",
          "layers: device ms each");
}

void demo_bench_print_row(FILE *out, const char *effect, const demo_bench *b,
                          const demo_chain *chain) {
  if (b->frames == 0)
    return;
  const double n = b->frames, median = demo_bench_median_total(b);
  const demo_stage_times *s = &b->sum;
  /* other: what the stages leave out of the frame time: queue latency, the device waiting for
   * the host and the host for the device, scheduling on a busy machine. */
  const double other = s->total - s->capture - s->upload - s->layers - s->download - s->present;
  fprintf(out, "%-9s %7.1f %7.1f %8.2f %7.2f %7.2f %8.2f %8.2f %6.2f %7.2f %8.2f ", effect,
          s->total > 0 ? 1000.0 * n / s->total : 0.0, median > 0 ? 1000.0 / median : 0.0,
          s->capture / n, s->upload / n, s->layers / n, s->download / n, s->present / n,
          other > 0 ? other / n : 0.0, s->total / n, median);
  for (int i = 0; i < s->step_count && chain && i < chain->step_count; i++) {
    char name[64];
    fprintf(out, " %s %.2f%s", demo_step_name(&chain->steps[i], name, sizeof name),
            s->step_ms[i] / n, i + 1 < s->step_count ? "," : "");
  }
  if (s->step_count == 0)
    fprintf(out, " (none)");
  fputc('\n', out);
}

void demo_frame_path(char *buf, size_t size, const char *dir, const char *name, int index) {
  snprintf(buf, size, "%s/%s_%05d.png", dir, name, index);
}

int demo_run_headless(const demo_options *o, const char *default_output, FILE *out, demo_err *err) {
  const char *dir = o->output_dir ? o->output_dir : default_output;
  if (dir && demo_make_dirs(dir, err) != 0)
    return -1;
  demo_session s;
  if (demo_session_open(o, stderr, &s, err) != 0)
    return -1;
  const int frames =
      o->frames ? o->frames
                : (o->benchmark ? DEMO_DEFAULT_BENCHMARK_FRAMES : DEMO_DEFAULT_HEADLESS_FRAMES);
  const int warmup = o->benchmark ? DEMO_BENCHMARK_WARMUP : 0;
  const int first = o->effect >= 0 ? o->effect : 0;
  const int last = o->effect >= 0 ? o->effect : demo_effect_count() - 1;
  demo_bench bench = {0};
  int status = 0, written = 0;
  if (o->benchmark) {
    fprintf(out,
            "oclnn-demo benchmark: %s on %s; %d frames per effect after %d warm-up frames%s; "
            "milliseconds per frame (mean), one device synchronisation per frame\n",
            s.source->description, s.device_name, frames, warmup,
            dir ? ", writing PNG files (present includes the PNG encoder)" : "");
    demo_bench_print_header(out);
  }
  for (int effect = first; effect <= last && status == 0; effect++) {
    const char *name = demo_effect_get(effect)->name;
    if (demo_pipeline_set_effect(s.pipeline, effect, demo_start_param(o, effect, &s.env), err) !=
        0) {
      status = -1;
      break;
    }
    demo_bench_reset(&bench);
    for (int i = -warmup; i < frames; i++) {
      demo_stage_times t;
      demo_frame frame;
      const double t0 = demo_now_ms();
      if (demo_source_next(s.source, i < 0 ? 0.0 : i / 30.0, &frame, err) != 0) {
        status = -1;
        break;
      }
      const double t1 = demo_now_ms();
      if (demo_pipeline_process(s.pipeline, &frame, &t, err) != 0) {
        status = -1;
        break;
      }
      const double t2 = demo_now_ms();
      if (dir && i >= 0) {
        int vw = 0, vh = 0;
        const uint8_t *view = demo_pipeline_view(s.pipeline, &frame, o->side_by_side, &vw, &vh);
        char path[4096];
        demo_frame_path(path, sizeof path, dir, name, i);
        if (demo_png_write(path, view, vw, vh, vw * 3, err) != 0) {
          status = -1;
          break;
        }
        written++;
      }
      const double t3 = demo_now_ms();
      t.capture = t1 - t0;
      t.present = t3 - t2;
      t.total = t3 - t0;
      if (i >= 0)
        demo_bench_add(&bench, &t);
    }
    if (status == 0 && o->benchmark)
      demo_bench_print_row(out, name, &bench, &s.pipeline->chain);
  }
  if (status == 0 && dir)
    fprintf(out, "oclnn-demo: wrote %d frame%s (%s) to %s\n", written, written == 1 ? "" : "s",
            s.source->description, dir);
  else if (status == 0 && !o->benchmark)
    fprintf(out, "oclnn-demo: processed %d frame%s per effect (no --output: nothing written)\n",
            frames, frames == 1 ? "" : "s");
  demo_bench_free(&bench);
  demo_session_close(&s);
  return status;
}
