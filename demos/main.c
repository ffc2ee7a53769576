/* oclnn-demo: live frames through oclnn layers on the OpenCL device (see --help). */
#include "app.h"
#include "effects.h"
#include "options.h"
#include "ui_sdl.h"

#include <stdio.h>

/* Where a run without a display writes its frames when --output is not given. */
#define FALLBACK_OUTPUT "oclnn-demo-output"

int main(int argc, char **argv) {
  demo_options o;
  demo_err err = {{0}};
  if (demo_options_parse(argc, argv, &o, &err) != 0) {
    fprintf(stderr, "oclnn-demo: %s\n", err.msg);
    return 2;
  }
  if (o.help) {
    demo_print_help(stdout);
    return 0;
  }
  if (o.list_effects) {
    demo_print_effects(stdout, o.style_image);
    return 0;
  }
  if (o.headless) {
    if (demo_run_headless(&o, NULL, stdout, &err) != 0) {
      fprintf(stderr, "oclnn-demo: %s\n", err.msg);
      return 1;
    }
    return 0;
  }
  int status = demo_run_window(&o, &err);
  if (status == DEMO_NO_DISPLAY) {
    if (o.screenshot) {
      fprintf(stderr, "oclnn-demo: no display for --screenshot: %s\n", err.msg);
      return 1;
    }
    const char *dir = o.output_dir ? o.output_dir : FALLBACK_OUTPUT;
    o.headless = 1;
    if (!o.effect_given) {
      o.effect = -1;
      o.side_by_side = 1;
    }
    if (!o.frames)
      o.frames = DEMO_FALLBACK_FRAMES;
    printf("oclnn-demo: no display (%s): running headless instead, %d frame%s of %s to %s\n",
           err.msg, o.frames, o.frames == 1 ? "" : "s",
           o.effect < 0 ? "every effect (input | result)" : demo_effect_get(o.effect)->name, dir);
    if (demo_run_headless(&o, FALLBACK_OUTPUT, stdout, &err) != 0) {
      fprintf(stderr, "oclnn-demo: %s\n", err.msg);
      return 1;
    }
    return 0;
  }
  if (status != 0) {
    fprintf(stderr, "oclnn-demo: %s\n", err.msg);
    return 1;
  }
  return 0;
}
