#include "ui_sdl.h"

#include "app.h"
#include "image_io.h"
#include "text.h"

#include <SDL.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define BAR_LINES 4
#define MAX_SCRIPT_KEYS 64

/* A key press from --keys. */
typedef struct script_key {
  SDL_Keycode sym;
  Uint16 mod;
} script_key;

typedef struct window_state {
  demo_session s;
  SDL_Window *window;
  SDL_Renderer *renderer;
  SDL_Texture *texture;
  uint8_t *canvas; /* the view with the status bar under it */
  int canvas_w, canvas_h, view_h, scale, bar_h;
  int effect, param, paused, side_by_side, show_help, screenshots;
  const char *out_dir;
  demo_stage_times shown; /* smoothed, for the status bar */
  double fps, fps_since;
  int fps_frames;
  demo_frame frame;
  demo_bench bench;
  int measured; /* frames since the effect was set (benchmark warm-up) */
  script_key script[MAX_SCRIPT_KEYS];
  int script_count, script_next;
} window_state;

/* Parses --keys: SDL key names separated by commas or spaces, each optionally "Shift+". */
static int parse_keys(window_state *w, const char *list, demo_err *err) {
  const char *p = list;
  while (*p) {
    while (*p == ',' || *p == ' ')
      p++;
    if (!*p)
      break;
    /* A lone "," or " " cannot be a key here; every other name runs to the next separator. */
    size_t len = strcspn(p, ", ");
    char name[64];
    if (len >= sizeof name || w->script_count >= MAX_SCRIPT_KEYS)
      return demo_fail(err, "--keys: too many keys or too long a name in '%.64s'", list);
    memcpy(name, p, len);
    name[len] = '\0';
    p += len;
    script_key key = {SDLK_UNKNOWN, KMOD_NONE};
    const char *base = name;
    if (strncmp(name, "Shift+", 6) == 0) {
      key.mod = KMOD_LSHIFT;
      base = name + 6;
    }
    key.sym = SDL_GetKeyFromName(base);
    if (key.sym == SDLK_UNKNOWN)
      return demo_fail(err, "--keys: unknown key '%s' (SDL key names: Up, Space, Tab, V, 3...)",
                       name);
    w->script[w->script_count++] = key;
  }
  return 0;
}

/* Queues the next scripted key press, if any. */
static void push_script_key(window_state *w) {
  if (w->script_next >= w->script_count)
    return;
  SDL_Event event;
  memset(&event, 0, sizeof event);
  event.type = SDL_KEYDOWN;
  event.key.state = SDL_PRESSED;
  event.key.keysym.sym = w->script[w->script_next].sym;
  event.key.keysym.mod = w->script[w->script_next].mod;
  event.key.keysym.scancode = SDL_GetScancodeFromKey(event.key.keysym.sym);
  w->script_next++;
  SDL_PushEvent(&event);
}

/* Resizes the canvas, texture and window for a view of vw x vh. */
static int fit_canvas(window_state *w, int vw, int vh, demo_err *err) {
  const int scale = vw >= 1200 ? 2 : 1;
  const int bar_h = BAR_LINES * demo_text_line_height(scale) + 6 * scale;
  if (w->texture && vw == w->canvas_w && vh == w->view_h && scale == w->scale)
    return 0;
  w->scale = scale;
  w->bar_h = bar_h;
  w->canvas_w = vw;
  w->view_h = vh;
  w->canvas_h = vh + bar_h;
  uint8_t *canvas = realloc(w->canvas, (size_t)w->canvas_w * (size_t)w->canvas_h * 3);
  if (!canvas)
    return demo_fail(err, "out of memory");
  w->canvas = canvas;
  if (w->texture)
    SDL_DestroyTexture(w->texture);
  w->texture = SDL_CreateTexture(w->renderer, SDL_PIXELFORMAT_RGB24, SDL_TEXTUREACCESS_STREAMING,
                                 w->canvas_w, w->canvas_h);
  if (!w->texture)
    return demo_fail(err, "SDL_CreateTexture failed: %s", SDL_GetError());
  SDL_SetWindowSize(w->window, w->canvas_w, w->canvas_h);
  SDL_RenderSetLogicalSize(w->renderer, w->canvas_w, w->canvas_h);
  return 0;
}

static int set_effect(window_state *w, int effect, int param, demo_err *err) {
  if (demo_pipeline_set_effect(w->s.pipeline, effect, param, err) != 0)
    return -1;
  w->effect = effect;
  w->param = w->s.pipeline->param;
  w->measured = 0;
  memset(&w->shown, 0, sizeof w->shown);
  return 0;
}

static void draw_bar(window_state *w) {
  static const uint8_t bg[3] = {16, 16, 24}, fg[3] = {235, 235, 235}, dim[3] = {150, 170, 200};
  uint8_t *bar = w->canvas + (size_t)w->view_h * (size_t)w->canvas_w * 3;
  const int stride = w->canvas_w * 3, line = demo_text_line_height(w->scale);
  demo_fill_rect(bar, w->canvas_w, w->bar_h, stride, 0, 0, w->canvas_w, w->bar_h, bg);
  char text[512], label[96];
  const demo_stage_times *t = &w->shown;
  demo_effect_param_label(w->effect, w->param, &w->s.env, label, sizeof label);
  snprintf(text, sizeof text, "[%d] %s: %s    %.1f fps%s    %s", w->effect,
           demo_effect_get(w->effect)->name, label, w->fps, w->paused ? "  PAUSED" : "",
           w->s.source->description);
  demo_text_draw(bar, w->canvas_w, w->bar_h, stride, 4 * w->scale, 3 * w->scale, w->scale, text,
                 fg);
  snprintf(text, sizeof text,
           "ms: capture %.2f  upload %.2f  layers %.2f  download %.2f  present %.2f  frame %.2f",
           t->capture, t->upload, t->layers, t->download, t->present, t->total);
  demo_text_draw(bar, w->canvas_w, w->bar_h, stride, 4 * w->scale, 3 * w->scale + line, w->scale,
                 text, fg);
  size_t used = (size_t)snprintf(text, sizeof text, "layers ms:");
  const demo_chain *chain = &w->s.pipeline->chain;
  for (int i = 0; i < chain->step_count && used < sizeof text; i++) {
    char name[64];
    used += (size_t)snprintf(text + used, sizeof text - used, "%s %s %.2f", i ? " |" : "",
                             demo_step_name(&chain->steps[i], name, sizeof name), t->step_ms[i]);
  }
  if (chain->step_count == 0)
    snprintf(text + used, sizeof text - used, " none");
  demo_text_draw(bar, w->canvas_w, w->bar_h, stride, 4 * w->scale, 3 * w->scale + 2 * line,
                 w->scale, text, dim);
  if (w->show_help)
    demo_text_draw(bar, w->canvas_w, w->bar_h, stride, 4 * w->scale, 3 * w->scale + 3 * line,
                   w->scale,
                   "0-7/Tab effect  Up/Down param  Space pause  V side-by-side  S screenshot  "
                   "H help  Q quit",
                   dim);
}

/* Saves the window's content (what the renderer put on screen). */
static int save_screenshot(window_state *w, const char *path, demo_err *err) {
  int ow = 0, oh = 0;
  if (SDL_GetRendererOutputSize(w->renderer, &ow, &oh) != 0)
    return demo_fail(err, "SDL_GetRendererOutputSize failed: %s", SDL_GetError());
  uint8_t *pixels = malloc((size_t)ow * (size_t)oh * 3);
  if (!pixels)
    return demo_fail(err, "out of memory");
  int status = 0;
  if (SDL_RenderReadPixels(w->renderer, NULL, SDL_PIXELFORMAT_RGB24, pixels, ow * 3) != 0)
    status = demo_fail(err, "SDL_RenderReadPixels failed: %s", SDL_GetError());
  else
    status = demo_png_write(path, pixels, ow, oh, ow * 3, err);
  free(pixels);
  return status;
}

/* Composes and shows the last processed frame; saves a screenshot into `shot` when not NULL. */
static int present(window_state *w, const char *shot, demo_err *err) {
  int vw = 0, vh = 0;
  const uint8_t *view = demo_pipeline_view(w->s.pipeline, &w->frame, w->side_by_side, &vw, &vh);
  if (fit_canvas(w, vw, vh, err) != 0)
    return -1;
  memcpy(w->canvas, view, (size_t)vw * (size_t)vh * 3);
  draw_bar(w);
  if (SDL_UpdateTexture(w->texture, NULL, w->canvas, w->canvas_w * 3) != 0)
    return demo_fail(err, "SDL_UpdateTexture failed: %s", SDL_GetError());
  SDL_SetRenderDrawColor(w->renderer, 0, 0, 0, 255);
  SDL_RenderClear(w->renderer);
  SDL_RenderCopy(w->renderer, w->texture, NULL, NULL);
  /* Read back before presenting: after SDL_RenderPresent the back buffer is undefined. */
  if (shot && save_screenshot(w, shot, err) != 0)
    return -1;
  SDL_RenderPresent(w->renderer);
  return 0;
}

static void key_screenshot(window_state *w) {
  char path[4096];
  demo_err err;
  const char *dir = w->out_dir ? w->out_dir : ".";
  if (demo_make_dirs(dir, &err) != 0) {
    fprintf(stderr, "oclnn-demo: screenshot: %s\n", err.msg);
    return;
  }
  snprintf(path, sizeof path, "%s/oclnn-demo-screenshot-%03d.png", dir, w->screenshots++);
  if (present(w, path, &err) != 0)
    fprintf(stderr, "oclnn-demo: screenshot: %s\n", err.msg);
  else
    printf("oclnn-demo: saved %s\n", path);
}

/* Returns 1 to quit, -1 on error, 0 otherwise; *dirty when the frame must be processed again. */
static int handle_key(window_state *w, const SDL_Keysym *key, int *dirty, demo_err *err) {
  const int count = demo_effect_count();
  int effect = w->effect, param = w->param;
  switch (key->sym) {
  case SDLK_q:
  case SDLK_ESCAPE:
    return 1;
  case SDLK_SPACE:
    w->paused = !w->paused;
    break;
  case SDLK_v:
    w->side_by_side = !w->side_by_side;
    *dirty = 1;
    break;
  case SDLK_h:
    w->show_help = !w->show_help;
    *dirty = 1;
    break;
  case SDLK_s:
    key_screenshot(w);
    break;
  case SDLK_TAB:
    effect = (key->mod & KMOD_SHIFT) ? (effect + count - 1) % count : (effect + 1) % count;
    break;
  case SDLK_RIGHT:
    effect = (effect + 1) % count;
    break;
  case SDLK_LEFT:
    effect = (effect + count - 1) % count;
    break;
  case SDLK_UP:
  case SDLK_PLUS:
  case SDLK_EQUALS:
  case SDLK_KP_PLUS:
    param++;
    break;
  case SDLK_DOWN:
  case SDLK_MINUS:
  case SDLK_KP_MINUS:
    param--;
    break;
  default:
    if (key->sym >= SDLK_0 && key->sym <= SDLK_9 && key->sym - SDLK_0 < count)
      effect = key->sym - SDLK_0;
    break;
  }
  if (effect != w->effect)
    param = demo_start_param(&(demo_options){.param = -1}, effect, &w->s.env);
  const int params = demo_effect_param_count(effect, &w->s.env);
  param = param < 0 ? 0 : param >= params ? params - 1 : param;
  if (effect != w->effect || param != w->param) {
    if (set_effect(w, effect, param, err) != 0)
      return -1;
    *dirty = 1;
  }
  return 0;
}

static void smooth(double *shown, double value) {
  *shown = *shown ? 0.9 * *shown + 0.1 * value : value;
}

static int run(window_state *w, const demo_options *o, demo_err *err) {
  const double start = demo_now_ms();
  int dirty = 1, shown_frames = 0, benchmark_effect = w->effect;
  /* A paused window waits for keys; a run with a frame limit keeps processing the paused frame,
   * so that it always ends. */
  const int idle_when_paused = o->frames == 0;
  w->fps_since = start;
  if (o->benchmark) {
    printf("oclnn-demo benchmark (window): %s on %s; milliseconds per frame (mean) after %d "
           "warm-up frames, one device synchronisation per frame\n",
           w->s.source->description, w->s.device_name, DEMO_BENCHMARK_WARMUP);
    demo_bench_print_header(stdout);
  }
  for (;;) {
    SDL_Event event;
    int quit = 0;
    if (w->frame.rgb) /* one scripted key per frame, after the first */
      push_script_key(w);
    while (!quit && (w->paused && !dirty && idle_when_paused ? SDL_WaitEventTimeout(&event, 100)
                                                             : SDL_PollEvent(&event))) {
      if (event.type == SDL_QUIT)
        quit = 1;
      else if (event.type == SDL_KEYDOWN) {
        const int previous = w->effect;
        int r = handle_key(w, &event.key.keysym, &dirty, err);
        if (r < 0)
          return -1;
        quit = r;
        if (o->benchmark && w->effect != previous) {
          demo_bench_print_row(stdout, demo_effect_get(benchmark_effect)->name, &w->bench,
                               &w->s.pipeline->chain);
          demo_bench_reset(&w->bench);
          benchmark_effect = w->effect;
        }
      } else if (event.type == SDL_WINDOWEVENT && event.window.event == SDL_WINDOWEVENT_EXPOSED)
        dirty = 1;
    }
    if (quit)
      break;
    if (w->paused && !dirty && idle_when_paused)
      continue;
    demo_stage_times t;
    const double t0 = demo_now_ms();
    if (!w->paused || !w->frame.rgb) {
      if (demo_source_next(w->s.source, (t0 - start) / 1000.0, &w->frame, err) != 0)
        return -1;
    }
    const double t1 = demo_now_ms();
    if (demo_pipeline_process(w->s.pipeline, &w->frame, &t, err) != 0)
      return -1;
    const double t2 = demo_now_ms();
    const int last = o->frames && shown_frames + 1 >= o->frames;
    if (present(w, last ? o->screenshot : NULL, err) != 0)
      return -1;
    if (last && o->output_dir) {
      int vw = 0, vh = 0;
      const uint8_t *view = demo_pipeline_view(w->s.pipeline, &w->frame, w->side_by_side, &vw, &vh);
      char path[4096];
      demo_frame_path(path, sizeof path, o->output_dir, demo_effect_get(w->effect)->name,
                      shown_frames);
      if (demo_png_write(path, view, vw, vh, vw * 3, err) != 0)
        return -1;
    }
    const double t3 = demo_now_ms();
    t.capture = t1 - t0;
    t.present = t3 - t2;
    t.total = t3 - t0;
    if (o->benchmark && ++w->measured > DEMO_BENCHMARK_WARMUP)
      demo_bench_add(&w->bench, &t);
    smooth(&w->shown.capture, t.capture);
    smooth(&w->shown.upload, t.upload);
    smooth(&w->shown.layers, t.layers);
    smooth(&w->shown.download, t.download);
    smooth(&w->shown.present, t.present);
    smooth(&w->shown.total, t.total);
    for (int i = 0; i < t.step_count; i++)
      smooth(&w->shown.step_ms[i], t.step_ms[i]);
    w->fps_frames++;
    if (t3 - w->fps_since >= 500.0) {
      w->fps = 1000.0 * w->fps_frames / (t3 - w->fps_since);
      w->fps_frames = 0;
      w->fps_since = t3;
    }
    dirty = 0;
    if (last)
      break;
    shown_frames++;
  }
  if (o->benchmark)
    demo_bench_print_row(stdout, demo_effect_get(benchmark_effect)->name, &w->bench,
                         &w->s.pipeline->chain);
  if (o->screenshot && o->frames)
    printf("oclnn-demo: saved %s\n", o->screenshot);
  return 0;
}

/* Whether a variable is set to something. */
static int is_set(const char *name) {
  const char *v = getenv(name);
  return v && *v;
}

int demo_run_window(const demo_options *o, demo_err *err) {
  /* Without these SDL would fall back to its offscreen driver: a window nobody sees. */
  if (!is_set("DISPLAY") && !is_set("WAYLAND_DISPLAY") && !is_set("SDL_VIDEODRIVER")) {
    demo_fail(err, "DISPLAY and WAYLAND_DISPLAY are not set");
    return DEMO_NO_DISPLAY;
  }
  if (SDL_Init(SDL_INIT_VIDEO) != 0) {
    demo_fail(err, "SDL: %s", SDL_GetError());
    return DEMO_NO_DISPLAY;
  }
  const char *driver = SDL_GetCurrentVideoDriver();
  if (!is_set("SDL_VIDEODRIVER") && driver &&
      (strcmp(driver, "offscreen") == 0 || strcmp(driver, "dummy") == 0)) {
    demo_fail(err, "SDL found no display, only its %s driver", driver);
    SDL_Quit();
    return DEMO_NO_DISPLAY;
  }
  window_state *w = calloc(1, sizeof *w);
  if (!w) {
    SDL_Quit();
    return demo_fail(err, "out of memory");
  }
  int status = -1;
  if ((o->output_dir && demo_make_dirs(o->output_dir, err) != 0) ||
      (o->screenshot && demo_make_parent_dirs(o->screenshot, err) != 0)) {
    free(w);
    SDL_Quit();
    return -1;
  }
  if (o->keys && parse_keys(w, o->keys, err) != 0) {
    free(w);
    SDL_Quit();
    return -1;
  }
  w->side_by_side = o->side_by_side;
  w->show_help = 1;
  w->out_dir = o->output_dir;
  if (demo_session_open(o, stderr, &w->s, err) != 0)
    goto done;
  printf("oclnn-demo: %s on %s (--help lists the keys)\n", w->s.source->description,
         w->s.device_name);
  w->window = SDL_CreateWindow("oclnn-demo", SDL_WINDOWPOS_CENTERED, SDL_WINDOWPOS_CENTERED,
                               w->s.source->width, w->s.source->height, SDL_WINDOW_RESIZABLE);
  if (!w->window) {
    demo_fail(err, "cannot open a window: %s", SDL_GetError());
    status = DEMO_NO_DISPLAY;
    goto done;
  }
  w->renderer = SDL_CreateRenderer(w->window, -1, 0);
  if (!w->renderer) {
    demo_fail(err, "SDL_CreateRenderer failed: %s", SDL_GetError());
    goto done;
  }
  if (set_effect(w, o->effect, demo_start_param(o, o->effect, &w->s.env), err) != 0)
    goto done;
  status = run(w, o, err);

done:
  if (w->texture)
    SDL_DestroyTexture(w->texture);
  if (w->renderer)
    SDL_DestroyRenderer(w->renderer);
  if (w->window)
    SDL_DestroyWindow(w->window);
  demo_session_close(&w->s);
  demo_bench_free(&w->bench);
  free(w->canvas);
  free(w);
  SDL_Quit();
  return status;
}
