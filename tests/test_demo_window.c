/* oclnn-demo in a window.
 *
 * Real window: an X server (Xvfb, through xvfb-run) shows it; the demo saves a screenshot of the
 * window's content after its last frame (SDL_RenderReadPixels: what the renderer put on screen,
 * read back before presenting) and writes the frame its pipeline produced. The image part of the
 * screenshot must be that frame, pixel for pixel, and the status bar under it must hold text.
 * Skipped without xvfb-run. In sanitizer builds this child runs without leak detection: Mesa's
 * software GL driver, which SDL loads and unloads, leaves allocations whose stacks point into
 * the unloaded library, which no suppression can name.
 *
 * Keys: SDL's dummy video driver (no X server, leak detection on) with --keys replaying key
 * presses: the effect, parameter, side-by-side view and screenshot keys must lead to the same
 * frame as a headless run asked for that effect and parameter directly. */
#include "test_support.h"

#include <app.h>
#include <image_io.h>
#include <pipeline.h>
#include <source.h>

#include <errno.h>
#include <fcntl.h>
#include <spawn.h>
#include <stb_image.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

extern char **environ;

#if defined(OCLNN_DEMO_EXE)

/* This process's environment with `set` entries ("NAME=value") replacing or adding variables
 * (a static copy: one child at a time). */
static char **environment_with(const char *const *set, int count) {
  static char *env[1024];
  static char storage[16][4096];
  int n = 0;
  for (char **e = environ; *e && n < 1000; e++) {
    int replaced = 0;
    for (int i = 0; i < count; i++) {
      size_t len = strcspn(set[i], "=") + 1;
      replaced |= strncmp(*e, set[i], len) == 0;
    }
    if (!replaced)
      env[n++] = *e;
  }
  for (int i = 0; i < count && i < 16; i++) {
    size_t len = strlen(set[i]);
    len = len < sizeof storage[i] ? len : sizeof storage[i] - 1;
    memcpy(storage[i], set[i], len);
    storage[i][len] = '\0';
    env[n++] = storage[i];
  }
  env[n] = NULL;
  return env;
}

static int run_command(char *const argv[], char *const env[], const char *out_path) {
  posix_spawn_file_actions_t actions;
  posix_spawn_file_actions_init(&actions);
  posix_spawn_file_actions_addopen(&actions, 1, out_path, O_WRONLY | O_CREAT | O_TRUNC, 0644);
  posix_spawn_file_actions_adddup2(&actions, 1, 2);
  pid_t pid;
  int rc = posix_spawn(&pid, argv[0], &actions, NULL, argv, env ? env : environ);
  posix_spawn_file_actions_destroy(&actions);
  cr_assert_eq(rc, 0, "posix_spawn %s: %s", argv[0], strerror(rc));
  int status = 0;
  while (waitpid(pid, &status, 0) < 0)
    cr_assert_eq(errno, EINTR);
  return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
}

/* Runs argv, asserting exit status 0 and that the output mentions `expect`. */
static void run_ok(char *const argv[], char *const env[], const char *log, const char *expect) {
  int status = run_command(argv, env, log);
  char text[8192] = "";
  FILE *f = fopen(log, "rb");
  if (f) {
    size_t n = fread(text, 1, sizeof text - 1, f);
    text[n] = '\0';
    fclose(f);
  }
  cr_assert_eq(status, 0, "%s exited with %d:\n%s", argv[0], status, text);
  cr_assert(strstr(text, expect), "no \"%s\" in the output:\n%s", expect, text);
}

static uint8_t *load_png(const char *path, int *w, int *h) {
  int channels = 0;
  uint8_t *rgb = stbi_load(path, w, h, &channels, 3);
  cr_assert_not_null(rgb, "cannot read %s: %s", path, stbi_failure_reason());
  return rgb;
}

static void temp_dir(char *dir, size_t size, const char *tag) {
  char parent[4096];
  snprintf(parent, sizeof parent, "%s/tests", OCLNN_BINARY_DIR);
  mkdir(parent, 0777);
  snprintf(dir, size, "%s/demo-tmp-%s-XXXXXX", parent, tag);
  cr_assert_not_null(mkdtemp(dir));
}

static void remove_tree(const char *dir) {
  char *rm[] = {"/bin/rm", "-rf", (char *)dir, NULL};
  run_command(rm, NULL, "/dev/null");
}

/* The screenshot's top fw x fh pixels must equal the frame; the rest is the status bar. */
static void check_screenshot(const char *what, const char *shot, const char *frame) {
  int sw = 0, sh = 0, fw = 0, fh = 0;
  uint8_t *screen = load_png(shot, &sw, &sh);
  uint8_t *pixels = load_png(frame, &fw, &fh);
  cr_assert_eq(sw, fw, "%s: screenshot %dx%d, frame %dx%d", what, sw, sh, fw, fh);
  cr_assert_gt(sh, fh, "%s: no status bar under the frame", what);
  for (int y = 0; y < fh; y++)
    for (int x = 0; x < fw; x++) {
      const uint8_t *a = screen + ((size_t)y * sw + x) * 3, *b = pixels + ((size_t)y * fw + x) * 3;
      cr_assert(a[0] == b[0] && a[1] == b[1] && a[2] == b[2],
                "%s: window pixel (%d, %d) is (%d, %d, %d), the pipeline's frame (%d, %d, %d)",
                what, x, y, a[0], a[1], a[2], b[0], b[1], b[2]);
    }
  /* The status bar: dark background with light text. */
  size_t text_pixels = 0, background = 0;
  for (int y = fh; y < sh; y++)
    for (int x = 0; x < sw; x++) {
      const uint8_t *a = screen + ((size_t)y * sw + x) * 3;
      text_pixels += a[0] > 200 && a[1] > 200 && a[2] > 200;
      background += a[0] == 16 && a[1] == 16 && a[2] == 24;
    }
  cr_assert_gt(text_pixels, 200, "%s: no text in the status bar", what);
  cr_assert_gt(background, (size_t)sw * (size_t)(sh - fh) / 2, "%s: no status bar", what);
  free(screen);
  free(pixels);
}

#if defined(OCLNN_XVFB_RUN)
static void check_xvfb_window(const char *effect, const char *size, int side_by_side) {
  char dir[4200], shot[4300], log[4300], frame[4500], asan[4200];
  temp_dir(dir, sizeof dir, "window");
  snprintf(shot, sizeof shot, "%s/shot.png", dir);
  snprintf(log, sizeof log, "%s/log.txt", dir);
  const char *asan_options = getenv("ASAN_OPTIONS");
  snprintf(asan, sizeof asan, "ASAN_OPTIONS=%s%sdetect_leaks=0", asan_options ? asan_options : "",
           asan_options && *asan_options ? ":" : "");
  const char *set[] = {asan};
  char *argv[] = {OCLNN_XVFB_RUN,
                  "-a",
                  "-s",
                  "-screen 0 1600x1000x24",
                  OCLNN_DEMO_EXE,
                  "--synthetic",
                  "--size",
                  (char *)size,
                  "--effect",
                  (char *)effect,
                  "--frames",
                  "3",
                  "--output",
                  dir,
                  "--screenshot",
                  shot,
                  side_by_side ? "--side-by-side" : NULL,
                  NULL};
  run_ok(argv, environment_with(set, 1), log, "saved");
  demo_frame_path(frame, sizeof frame, dir, effect, 2);
  check_screenshot(effect, shot, frame);
  remove_tree(dir);
}

/* One test: Xvfb servers started side by side by parallel tests could race for a display. */
Test(demo_window, screenshot_matches_the_pipeline_frame) {
  check_xvfb_window("edges", "320x240", 0);
  check_xvfb_window("style", "200x150", 1);
  check_xvfb_window("padding", "161x97", 0);
}
#else
Test(demo_window, screenshot_matches_the_pipeline_frame) {
  cr_skip_test("needs xvfb-run (Debian: xvfb, xauth)");
}
#endif

Test(demo_window, keys_switch_effect_parameter_view_and_save_screenshots) {
  char dir[4200], image[4300], log[4300], window_dir[4300], headless_dir[4300], a[4500], b[4500],
      shot[4500];
  temp_dir(dir, sizeof dir, "keys");
  snprintf(image, sizeof image, "%s/scene.png", dir);
  snprintf(log, sizeof log, "%s/log.txt", dir);
  snprintf(window_dir, sizeof window_dir, "%s/window", dir);
  snprintf(headless_dir, sizeof headless_dir, "%s/headless", dir);
  /* A still image, so both runs see the same frame. */
  demo_source *source = NULL;
  demo_err err;
  demo_frame frame;
  cr_assert_eq(demo_source_open_synthetic(120, 90, &source, &err), 0, "%s", err.msg);
  cr_assert_eq(demo_source_next(source, 3.0, &frame, &err), 0);
  cr_assert_eq(demo_png_write(image, frame.rgb, 120, 90, 360, &err), 0, "%s", err.msg);
  demo_source_close(source);

  /* 3: emboss; Up: its parameter 1; Space: pause (the frame limit still ends the run); V: side
   * by side; S: screenshot. */
  const char *set[] = {"SDL_VIDEODRIVER=dummy", "SDL_RENDER_DRIVER=software"};
  char *window[] = {OCLNN_DEMO_EXE, "--input", image,      "--keys",   "3,Up,Space,V,S",
                    "--frames",     "6",       "--output", window_dir, NULL};
  run_ok(window, environment_with(set, 2), log, "oclnn-demo-screenshot-000.png");
  char *headless[] = {OCLNN_DEMO_EXE,   "--headless", "--input",    image,      "--effect",
                      "emboss",         "--param",    "1",          "--frames", "1",
                      "--side-by-side", "--output",   headless_dir, NULL};
  run_ok(headless, NULL, log, "wrote 1 frame");

  demo_frame_path(a, sizeof a, window_dir, "emboss", 5);
  demo_frame_path(b, sizeof b, headless_dir, "emboss", 0);
  int aw = 0, ah = 0, bw = 0, bh = 0;
  uint8_t *pa = load_png(a, &aw, &ah), *pb = load_png(b, &bw, &bh);
  cr_assert(aw == bw && ah == bh && aw == 2 * 120 + DEMO_SIDE_GAP, "%dx%d vs %dx%d", aw, ah, bw,
            bh);
  cr_assert(memcmp(pa, pb, (size_t)aw * ah * 3) == 0,
            "the keys did not lead to emboss, parameter 1, side by side");
  free(pa);
  free(pb);
  snprintf(shot, sizeof shot, "%s/oclnn-demo-screenshot-000.png", window_dir);
  check_screenshot("screenshot key", shot, a);
  remove_tree(dir);
}

#else

Test(demo_window, screenshot_matches_the_pipeline_frame) {
  cr_skip_test("needs the oclnn-demo executable");
}

#endif
