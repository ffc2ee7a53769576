/* oclnn-demo in a real window: an X server (Xvfb, through xvfb-run) shows the window, the demo
 * saves a screenshot of the window's content after its last frame (SDL_RenderReadPixels: what
 * the renderer put on screen, read back before presenting) and writes the frame its pipeline
 * produced; the image part of the screenshot must be that frame, pixel for pixel, and the status
 * bar under it must hold text. Skipped when xvfb-run or the executable is missing. */
#include "test_support.h"

#include <app.h>
#include <pipeline.h>

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

#if defined(OCLNN_DEMO_EXE) && defined(OCLNN_XVFB_RUN)

static int run_command(char *const argv[], const char *out_path) {
  posix_spawn_file_actions_t actions;
  posix_spawn_file_actions_init(&actions);
  posix_spawn_file_actions_addopen(&actions, 1, out_path, O_WRONLY | O_CREAT | O_TRUNC, 0644);
  posix_spawn_file_actions_adddup2(&actions, 1, 2);
  pid_t pid;
  int rc = posix_spawn(&pid, argv[0], &actions, NULL, argv, environ);
  posix_spawn_file_actions_destroy(&actions);
  cr_assert_eq(rc, 0, "posix_spawn %s: %s", argv[0], strerror(rc));
  int status = 0;
  while (waitpid(pid, &status, 0) < 0)
    cr_assert_eq(errno, EINTR);
  return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
}

static uint8_t *load_png(const char *path, int *w, int *h) {
  int channels = 0;
  uint8_t *rgb = stbi_load(path, w, h, &channels, 3);
  cr_assert_not_null(rgb, "cannot read %s: %s", path, stbi_failure_reason());
  return rgb;
}

static void check_window(const char *effect, const char *size, int side_by_side) {
  char dir[4200], shot[4300], log[4300], frame[4500], parent[4096];
  snprintf(parent, sizeof parent, "%s/tests", OCLNN_BINARY_DIR);
  mkdir(parent, 0777);
  snprintf(dir, sizeof dir, "%s/demo-tmp-window-XXXXXX", parent);
  cr_assert_not_null(mkdtemp(dir));
  snprintf(shot, sizeof shot, "%s/shot.png", dir);
  snprintf(log, sizeof log, "%s/log.txt", dir);
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
  int status = run_command(argv, log);
  char *text = test_read_file(log, NULL);
  cr_assert_eq(status, 0, "xvfb-run oclnn-demo exited with %d:\n%s", status, text ? text : "");
  cr_assert(text && strstr(text, "saved"), "%s", text ? text : "");
  free(text);

  demo_frame_path(frame, sizeof frame, dir, effect, 2);
  int sw = 0, sh = 0, fw = 0, fh = 0;
  uint8_t *screen = load_png(shot, &sw, &sh);
  uint8_t *pixels = load_png(frame, &fw, &fh);
  cr_assert_eq(sw, fw, "screenshot %dx%d, frame %dx%d", sw, sh, fw, fh);
  cr_assert_gt(sh, fh, "no status bar under the frame");
  for (int y = 0; y < fh; y++)
    for (int x = 0; x < fw; x++) {
      const uint8_t *a = screen + ((size_t)y * sw + x) * 3, *b = pixels + ((size_t)y * fw + x) * 3;
      cr_assert(a[0] == b[0] && a[1] == b[1] && a[2] == b[2],
                "%s: window pixel (%d, %d) is (%d, %d, %d), the pipeline's frame (%d, %d, %d)",
                effect, x, y, a[0], a[1], a[2], b[0], b[1], b[2]);
    }
  /* The status bar: dark background with light text. */
  size_t text_pixels = 0, background = 0;
  for (int y = fh; y < sh; y++)
    for (int x = 0; x < sw; x++) {
      const uint8_t *a = screen + ((size_t)y * sw + x) * 3;
      text_pixels += a[0] > 200 && a[1] > 200 && a[2] > 200;
      background += a[0] == 16 && a[1] == 16 && a[2] == 24;
    }
  cr_assert_gt(text_pixels, 200, "%s: no text in the status bar", effect);
  cr_assert_gt(background, (size_t)sw * (size_t)(sh - fh) / 2, "%s: no status bar", effect);
  free(screen);
  free(pixels);
  char *rm[] = {"/bin/rm", "-rf", dir, NULL};
  run_command(rm, "/dev/null");
}

/* One test: Xvfb servers started side by side by parallel tests could race for a display. */
Test(demo_window, screenshot_matches_the_pipeline_frame) {
  check_window("edges", "320x240", 0);
  check_window("style", "200x150", 1);
  check_window("padding", "161x97", 0);
}

#else

Test(demo_window, screenshot_matches_the_pipeline_frame) {
  cr_skip_test("needs xvfb-run (Debian: xvfb, xauth) and the oclnn-demo executable");
}

#endif
