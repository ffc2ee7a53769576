#include "options.h"

#include "effects.h"

#include <stdlib.h>
#include <string.h>

static int parse_int(const char *text, int lo, int hi, int *out) {
  char *end = NULL;
  long v = strtol(text, &end, 10);
  if (end == text || *end != '\0' || v < lo || v > hi)
    return -1;
  *out = (int)v;
  return 0;
}

int demo_options_parse(int argc, char **argv, demo_options *o, demo_err *err) {
  memset(o, 0, sizeof *o);
  o->effect = demo_effect_find("edges");
  o->param = -1;
  const char *effect_name = NULL;
  for (int i = 1; i < argc; i++) {
    const char *a = argv[i];
    /* Options that take a value accept "--opt VALUE" and "--opt=VALUE". */
    const char *value = NULL;
    char name[32];
    const char *eq = strchr(a, '=');
    if (strncmp(a, "--", 2) == 0 && eq && (size_t)(eq - a) < sizeof name) {
      memcpy(name, a, (size_t)(eq - a));
      name[eq - a] = '\0';
      value = eq + 1;
    } else {
      snprintf(name, sizeof name, "%s", a);
    }
    static const char *const takes_value[] = {
        "--camera", "--input",  "--style-image", "--size",       "--effect", "--param",
        "--frames", "--output", "--device",      "--screenshot", "--keys",   "--model"};
    int needs = 0;
    for (size_t k = 0; k < sizeof takes_value / sizeof takes_value[0]; k++)
      needs |= strcmp(name, takes_value[k]) == 0;
    if (needs && !value) {
      if (i + 1 >= argc)
        return demo_fail(err, "%s needs a value (see --help)", name);
      value = argv[++i];
    } else if (!needs && value) {
      return demo_fail(err, "%s takes no value (see --help)", name);
    }

    if (strcmp(name, "--help") == 0 || strcmp(name, "-h") == 0) {
      o->help = 1;
    } else if (strcmp(name, "--list-effects") == 0) {
      o->list_effects = 1;
    } else if (strcmp(name, "--camera") == 0) {
      o->source = DEMO_SOURCE_CAMERA;
      o->camera = value;
    } else if (strcmp(name, "--input") == 0) {
      o->source = DEMO_SOURCE_IMAGE;
      o->input = value;
    } else if (strcmp(name, "--synthetic") == 0) {
      o->source = DEMO_SOURCE_SYNTHETIC;
    } else if (strcmp(name, "--style-image") == 0) {
      o->style_image = value;
    } else if (strcmp(name, "--size") == 0) {
      if (demo_parse_size(value, &o->width, &o->height) != 0)
        return demo_fail(err, "--size wants WIDTHxHEIGHT, e.g. 640x480, not '%s'", value);
    } else if (strcmp(name, "--effect") == 0) {
      effect_name = value;
    } else if (strcmp(name, "--param") == 0) {
      if (parse_int(value, 0, 99, &o->param) != 0)
        return demo_fail(err, "--param wants a step number 0..99, not '%s'", value);
    } else if (strcmp(name, "--frames") == 0) {
      if (parse_int(value, 1, 100000000, &o->frames) != 0)
        return demo_fail(err, "--frames wants a positive count, not '%s'", value);
    } else if (strcmp(name, "--output") == 0) {
      o->output_dir = value;
    } else if (strcmp(name, "--device") == 0) {
      o->device = value;
    } else if (strcmp(name, "--screenshot") == 0) {
      o->screenshot = value;
    } else if (strcmp(name, "--keys") == 0) {
      o->keys = value;
    } else if (strcmp(name, "--model") == 0) {
      if (o->model_count == (int)(sizeof o->models / sizeof o->models[0]))
        return demo_fail(err, "--model: at most %d (give a directory for more models)",
                         (int)(sizeof o->models / sizeof o->models[0]));
      o->models[o->model_count++] = value;
    } else if (strcmp(name, "--headless") == 0) {
      o->headless = 1;
    } else if (strcmp(name, "--benchmark") == 0) {
      o->benchmark = 1;
    } else if (strcmp(name, "--side-by-side") == 0) {
      o->side_by_side = 1;
    } else {
      return demo_fail(err, "unknown option '%s' (see --help)", a);
    }
  }
  if (!effect_name && o->model_count > 0)
    o->effect = demo_effect_find("neural"); /* models given: start with them */
  if (effect_name) {
    o->effect_given = 1;
    if (strcmp(effect_name, "all") == 0) {
      o->effect = -1;
    } else {
      o->effect = demo_effect_find(effect_name);
      if (o->effect < 0)
        return demo_fail(err, "no effect '%s' (--list-effects shows them)", effect_name);
    }
  }
  if (o->effect < 0 && !o->headless && !o->benchmark)
    return demo_fail(err, "--effect all is for --headless and --benchmark runs");
  if (o->screenshot && o->headless)
    return demo_fail(err,
                     "--screenshot grabs the window; headless runs write frames with --output");
  return 0;
}

void demo_print_help(FILE *out) {
  fputs(
      "usage: oclnn-demo [SOURCE] [--effect NAME] [--param N] [--side-by-side] [OPTIONS]\n"
      "\n"
      "Shows frames processed live by oclnn layers on the OpenCL device in an SDL2 window.\n"
      "Without a display it runs headless instead (every effect unless --effect is given, 10\n"
      "frames each unless --frames is, input | result) and says where it wrote the frames\n"
      "(--output DIR, default ./oclnn-demo-output).\n"
      "\n"
      "Sources (default: the camera " DEMO_DEFAULT_CAMERA " if there is one, else the generated\n"
      "scene):\n"
      "  --camera DEVICE       a V4L2 camera, e.g. /dev/video0 (through libv4l2)\n"
      "  --input FILE          a PNG or JPEG image\n"
      "  --synthetic           the generated animated scene\n"
      "  --size WxH            frame size: the camera's request, the scene's size, or a resize of\n"
      "                        the image (default 640x480; images keep their own size); every "
      "side\n"
      "                        must be 32..4096\n"
      "\n"
      "Effects (--list-effects shows every parameter step):\n",
      out);
  for (int i = 0; i < demo_effect_count(); i++) {
    const demo_effect *e = demo_effect_get(i);
    fprintf(out, "  %d %-9s %s\n", i, e->name, e->summary);
  }
  fputs(
      "  --effect NAME         the effect to start with (default edges); `all` runs each one in\n"
      "                        turn (headless and benchmark runs)\n"
      "  --param N             the effect's parameter step (default: the effect's own)\n"
      "  --style-image FILE    colour statistics for the style effect (first style step)\n"
      "  --model PATH          an ONNX model for the neural effect (repeatable; a directory adds\n"
      "                        its *.onnx files), e.g. ../shared/models/style/udnie.onnx; the\n"
      "                        effect's parameter steps switch models; with --model and no\n"
      "                        --effect the demo starts on it\n"
      "  --side-by-side        show (or write) the input next to the result\n"
      "\n"
      "Runs:\n"
      "  --headless            no window: process --frames frames (default 30) and write them\n"
      "                        as PNG files to --output DIR (EFFECT_NNNNN.png)\n"
      "  --frames N            stop after N frames (also in a window)\n"
      "  --output DIR          where frames and screenshots go (created if missing)\n"
      "  --benchmark           time every stage (capture, upload, layers, download, present)\n"
      "                        over --frames frames (default 100, after 5 warm-up frames) and\n"
      "                        print a table with per-layer device times\n"
      "  --screenshot FILE     window runs: after the last frame, save the window's content\n"
      "  --device STR          OpenCL device, as the OCLNN_DEVICE variable ('P:D' or a name)\n"
      "  --list-effects        list effects and their parameter steps\n"
      "  -h, --help            this text\n"
      "\n"
      "Keys (window):\n"
      "  0-7 / Tab, Shift+Tab  choose the effect (Left/Right too)\n"
      "  Up/Down, +/-          change the effect's parameter (neural: the next model)\n"
      "  Space                 pause or resume (parameters still apply to the paused frame)\n"
      "  V                     toggle side by side with the input\n"
      "  S                     save a screenshot (PNG, in --output DIR or the current directory)\n"
      "  H                     show or hide the key help line\n"
      "  Q, Esc                quit\n"
      "\n"
      "The status line shows the effect and parameter, frames per second, the stage times and\n"
      "each layer's device time in milliseconds (OpenCL profiling events; one device\n"
      "synchronisation per frame).\n"
      "\n"
      "Exit status: 0 on success, 1 when the run failed (no device, unreadable image, missing\n"
      "camera, ...), 2 on a usage error.\n",
      out);
}

void demo_print_effects(FILE *out, const char *style_image) {
  demo_effect_env env;
  demo_effect_env_init(&env);
  if (style_image) {
    /* Listing only: name the image without reading it. */
    memmove(&env.styles[1], &env.styles[0], sizeof env.styles[0] * (size_t)(DEMO_MAX_STYLES - 1));
    snprintf(env.styles[0].name, sizeof env.styles[0].name, "%.60s", style_image);
    if (env.style_count < DEMO_MAX_STYLES)
      env.style_count++;
  }
  for (int i = 0; i < demo_effect_count(); i++) {
    const demo_effect *e = demo_effect_get(i);
    fprintf(out, "%d %s: %s\n", i, e->name, e->summary);
    const int count = demo_effect_param_count(i, &env);
    for (int p = 0; p < count && strcmp(e->param_name, "-") != 0; p++) {
      char label[96];
      demo_effect_param_label(i, p, &env, label, sizeof label);
      fprintf(out, "    --param %d  %s%s\n", p, label, p == e->param_default ? " (default)" : "");
    }
  }
}
