/* The demo's neural effect (--model): options, model lists, and the pipeline running a style
 * model of ../shared/models/style, compared with the same model run directly through
 * oclnn_model on the same planar frame (the pipeline must add nothing but the fit to the frame:
 * a crop or zero border when the model's output is not the frame's size). */
#include "app.h"
#include "effects.h"
#include "options.h"
#include "pipeline.h"
#include "test_support.h"

#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>

#define STYLE_DIR OCLNN_SHARED_DIR "/models/style"

static int neural(void) {
  int effect = demo_effect_find("neural");
  cr_assert_geq(effect, 0);
  return effect;
}

Test(demo_model, options_take_models_and_start_on_them) {
  demo_options o;
  demo_err err;
  char *argv[] = {"oclnn-demo", "--model", "a.onnx", "--model=dir", "--headless"};
  cr_assert_eq(demo_options_parse(5, argv, &o, &err), 0, "%s", err.msg);
  cr_assert_eq(o.model_count, 2);
  cr_assert_str_eq(o.models[0], "a.onnx");
  cr_assert_str_eq(o.models[1], "dir");
  cr_assert_eq(o.effect, neural());
  char *argv2[] = {"oclnn-demo", "--model", "a.onnx", "--effect", "blur"};
  cr_assert_eq(demo_options_parse(5, argv2, &o, &err), 0, "%s", err.msg);
  cr_assert_eq(o.effect, demo_effect_find("blur"));
  char *argv3[] = {"oclnn-demo", "--model"};
  cr_assert_neq(demo_options_parse(2, argv3, &o, &err), 0);
}

Test(demo_model, model_lists) {
  demo_effect_env env;
  demo_err err;
  demo_effect_env_init(&env);
  cr_assert_eq(env.model_count, 0);
  cr_assert_eq(demo_effect_param_count(neural(), &env), 1);
  char label[128];
  demo_effect_param_label(neural(), 0, &env, label, sizeof label);
  cr_assert(strstr(label, "no model"), "%s", label);

  /* A directory adds its models in name order. */
  cr_assert_eq(demo_effect_env_add_models(&env, STYLE_DIR, &err), 0, "%s", err.msg);
  cr_assert_eq(env.model_count, 4);
  cr_assert(strstr(env.models[0], "cafe_gogh.onnx") && strstr(env.models[3], "udnie.onnx"));
  cr_assert_eq(demo_effect_param_count(neural(), &env), 4);
  demo_effect_param_label(neural(), 3, &env, label, sizeof label);
  cr_assert_str_eq(label, "udnie.onnx");

  /* Missing files, directories without models and too many models are refused by name. */
  cr_assert_neq(demo_effect_env_add_models(&env, "/nonexistent/model.onnx", &err), 0);
  cr_assert(strstr(err.msg, "/nonexistent/model.onnx"), "%s", err.msg);
  cr_assert_neq(demo_effect_env_add_models(&env, OCLNN_SOURCE_DIR "/demos", &err), 0);
  cr_assert(strstr(err.msg, "no .onnx"), "%s", err.msg);
  int added = 0;
  while (demo_effect_env_add_models(&env, STYLE_DIR "/udnie.onnx", &err) == 0)
    added++;
  cr_assert_eq(env.model_count, DEMO_MAX_MODELS);
  cr_assert_eq(added, DEMO_MAX_MODELS - 4);
  cr_assert(strstr(err.msg, "more than"), "%s", err.msg);
}

/* A pseudo-random 8-bit frame. */
static demo_frame make_frame(int w, int h, uint8_t **pixels) {
  *pixels = malloc((size_t)w * (size_t)h * 3);
  cr_assert_not_null(*pixels);
  uint32_t state = 12345u;
  for (size_t i = 0; i < (size_t)w * (size_t)h * 3; i++) {
    state = state * 1664525u + 1013904223u;
    (*pixels)[i] = (uint8_t)(state >> 24);
  }
  demo_frame frame;
  memset(&frame, 0, sizeof frame);
  frame.rgb = *pixels;
  frame.width = w;
  frame.height = h;
  return frame;
}

/* The model alone on the pipeline's planar input: its output shape and values. */
static float *run_directly(const char *path, const float *planar, int w, int h, int64_t *oh,
                           int64_t *ow) {
  oclnn_context *ctx = test_context();
  oclnn_model *model = NULL;
  TEST_OK(ctx, oclnn_model_load_file(ctx, path, &model));
  const int64_t shape[4] = {1, 3, h, w};
  oclnn_tensor in = test_tensor_from_host(ctx, 4, shape, planar), out;
  int rank = 0;
  int64_t out_shape[OCLNN_MAX_RANK];
  TEST_OK(ctx, oclnn_model_output_shape(model, &in, 1, 0, &rank, out_shape));
  TEST_OK(ctx, oclnn_tensor_alloc(ctx, rank, out_shape, &out));
  TEST_OK(ctx, oclnn_model_run(model, &in, 1, &out, 1));
  size_t n = test_numel(rank, out_shape);
  float *y = malloc(n * sizeof *y);
  cr_assert_not_null(y);
  TEST_OK(ctx, oclnn_tensor_download(ctx, &out, y, n));
  *oh = out_shape[2];
  *ow = out_shape[3];
  oclnn_tensor_free(&in);
  oclnn_tensor_free(&out);
  oclnn_model_free(model);
  return y;
}

/* Runs the pipeline's neural effect at step `param` on a w x h frame and compares every output
 * pixel with the model run directly: equal where the model's output reaches, 0 beyond it. */
static void check_pipeline(demo_pipeline *p, const demo_effect_env *env, int param, int w, int h) {
  demo_err err;
  uint8_t *pixels = NULL;
  demo_frame frame = make_frame(w, h, &pixels);
  cr_assert_eq(demo_pipeline_set_effect(p, neural(), param, &err), 0, "%s", err.msg);
  demo_stage_times t;
  cr_assert_eq(demo_pipeline_process(p, &frame, &t, &err), 0, "%s", err.msg);
  cr_assert_eq(p->out_w, w);
  cr_assert_eq(p->out_h, h);
  cr_assert_eq(t.step_count, 1);
  cr_assert(t.step_ms[0] > 0.0);
  int64_t mh = 0, mw = 0;
  float *want = run_directly(env->models[param], p->host_in, w, h, &mh, &mw);
  for (int c = 0; c < 3; c++)
    for (int y = 0; y < h; y++)
      for (int x = 0; x < w; x++) {
        float got = p->host_out[((size_t)c * h + y) * w + x];
        float expect = y < mh && x < mw ? want[((size_t)c * mh + y) * mw + x] : 0.0f;
        cr_assert(got == expect, "%s at %dx%d: channel %d pixel (%d, %d) is %g, the model gives %g",
                  env->models[param], w, h, c, x, y, (double)got, (double)expect);
      }
  free(want);
  free(pixels);
}

Test(demo_model, pipeline_runs_style_models_as_the_runner_does, .timeout = 600) {
  demo_effect_env env;
  demo_err err;
  demo_effect_env_init(&env);
  cr_assert_eq(demo_effect_env_add_models(&env, STYLE_DIR "/udnie.onnx", &err), 0, "%s", err.msg);
  cr_assert_eq(demo_effect_env_add_models(&env, STYLE_DIR "/the_scream.onnx", &err), 0, "%s",
               err.msg);
  demo_pipeline *p = NULL;
  cr_assert_eq(demo_pipeline_create(test_context(), 64, 48, &env, &p, &err), 0, "%s", err.msg);
  check_pipeline(p, &env, 0, 64, 48); /* sides that are multiples of 4: no fit */
  check_pipeline(p, &env, 1, 64, 48); /* switching models */
  demo_pipeline_free(p);
  /* Sides that are not multiples of 4: the network (stride 2 twice, then x2 twice) rounds them
   * up, 66 x 50 to 68 x 52 and 65 x 45 to 68 x 48, and the pipeline crops to the frame. */
  const int sizes[][2] = {{66, 50}, {65, 45}};
  for (int i = 0; i < 2; i++) {
    cr_assert_eq(demo_pipeline_create(test_context(), sizes[i][0], sizes[i][1], &env, &p, &err), 0,
                 "%s", err.msg);
    check_pipeline(p, &env, 0, sizes[i][0], sizes[i][1]);
    demo_pipeline_free(p);
  }
}

Test(demo_model, a_bad_model_fails_with_a_message_and_the_pipeline_goes_on) {
  demo_effect_env env;
  demo_err err;
  demo_effect_env_init(&env);
  cr_assert_eq(demo_effect_env_add_models(
                   &env, OCLNN_SOURCE_DIR "/tests/data/onnx/malformed/unsupported_op.onnx", &err),
               0, "%s", err.msg);
  cr_assert_eq(
      demo_effect_env_add_models(&env, OCLNN_SOURCE_DIR "/tests/data/onnx/conv2d.onnx", &err), 0,
      "%s", err.msg);
  demo_pipeline *p = NULL;
  cr_assert_eq(demo_pipeline_create(test_context(), 40, 32, &env, &p, &err), 0, "%s", err.msg);
  cr_assert_neq(demo_pipeline_set_effect(p, neural(), 0, &err), 0);
  cr_assert(strstr(err.msg, "Softmax"), "%s", err.msg);
  /* conv2d.onnx makes 5 channels: not an image. */
  cr_assert_neq(demo_pipeline_set_effect(p, neural(), 1, &err), 0);
  cr_assert(strstr(err.msg, "not an RGB image"), "%s", err.msg);
  uint8_t *pixels = NULL;
  demo_frame frame = make_frame(40, 32, &pixels);
  cr_assert_eq(demo_pipeline_set_effect(p, demo_effect_find("blur"), 0, &err), 0, "%s", err.msg);
  cr_assert_eq(demo_pipeline_process(p, &frame, NULL, &err), 0, "%s", err.msg);
  free(pixels);
  demo_pipeline_free(p);
}

#ifdef OCLNN_DEMO_EXE
/* The executable: a headless run of two models from a directory, stepping to the second. */
Test(demo_model, headless_run_with_models, .timeout = 600) {
  char dir[1024], cmd[4096], line[4096] = "";
  snprintf(dir, sizeof dir, "%s/tests/demo_model_frames", OCLNN_BINARY_DIR);
  snprintf(cmd, sizeof cmd,
           "rm -rf '%s' && '%s' --headless --synthetic --size 64x48 --model '%s' --param 3 "
           "--frames 2 --output '%s' 2>&1",
           dir, OCLNN_DEMO_EXE, STYLE_DIR, dir);
  FILE *p = popen(cmd, "r");
  cr_assert_not_null(p);
  size_t used = 0;
  while (used + 1 < sizeof line && fgets(line + used, (int)(sizeof line - used), p))
    used = strlen(line);
  int status = pclose(p);
  cr_assert(WIFEXITED(status) && WEXITSTATUS(status) == 0, "%s\n%s", cmd, line);
  cr_assert(strstr(line, "wrote 2 frames"), "%s", line);
  char frame[1200];
  snprintf(frame, sizeof frame, "%s/neural_00001.png", dir);
  FILE *f = fopen(frame, "rb");
  cr_assert_not_null(f, "%s is missing: %s", frame, line);
  fclose(f);
  /* A model that does not load: exit status 1 and the loader's message. */
  snprintf(cmd, sizeof cmd, "'%s' --headless --synthetic --size 64x48 --model '%s' 2>&1",
           OCLNN_DEMO_EXE, OCLNN_SOURCE_DIR "/tests/data/onnx/malformed/cycle.onnx");
  p = popen(cmd, "r");
  cr_assert_not_null(p);
  used = 0;
  line[0] = '\0';
  while (used + 1 < sizeof line && fgets(line + used, (int)(sizeof line - used), p))
    used = strlen(line);
  status = pclose(p);
  cr_assert(WIFEXITED(status) && WEXITSTATUS(status) == 1, "%s\n%s", cmd, line);
  cr_assert(strstr(line, "cycle"), "%s", line);
}
#endif
