/* The demo's effects: each one builds a chain of oclnn layers (chain.h) for a frame size and a
 * parameter step. Parameters are small tables of values, stepped with the keys, so every value
 * an effect can show is a fixed, testable configuration.
 *
 *   input     the frame as uploaded (no layers): the baseline for upload/download costs
 *   blur      Gaussian blur: two depthwise convolutions, 1xk then kx1 (replicate padding)
 *   edges     Sobel: a 3->4 convolution (+-d/dx, +-d/dy of the luminance), InstanceNorm with
 *             fused ReLU (|gradient| in units of its spread, minus a threshold), a 1x1
 *             convolution summing the four into grey
 *   emboss    one 3x3 convolution: a directional derivative of the luminance over half the
 *             colour
 *   padding   the frame shrunk to half (2x2 stride-2 depthwise convolution) inside reflect,
 *             replicate, circular or constant borders (oclnn_pad)
 *   contrast  local contrast: a depthwise 3x3 convolution takes the detail (frame minus blur),
 *             LocalResponseNorm over a (3, H, W) view divides it by its RMS along the column,
 *             InstanceNorm scales it and adds the frame back (fused residual)
 *   style     colour statistics transfer: 1x1 convolution to an opponent colour space,
 *             per-channel InstanceNorm whose affine is a style's mean and spread (a style image
 *             or a preset), 1x1 convolution back to RGB
 *   neural    an ONNX model (--model, e.g. a fast style transfer network of
 *             ../shared/models/style) run by oclnn's model runner on the frame as 0..255 RGB;
 *             one parameter step per model. Without a model it shows the frame as uploaded.
 *
 * A new effect is one more entry in the table in effects.c. */
#ifndef OCLNN_DEMO_EFFECTS_H
#define OCLNN_DEMO_EFFECTS_H

#include "chain.h"
#include "demo_util.h"

/* Colour statistics in the opponent space the style effect works in (see effects.c): mean and
 * standard deviation of (luminance, red-green, yellow-blue). */
typedef struct demo_style {
  char name[64];
  double mean[3], std[3];
} demo_style;

#define DEMO_MAX_STYLES 8
#define DEMO_MAX_MODELS 16
#define DEMO_MODEL_PATH_MAX 1024

/* What effects may depend on besides the frame size. */
typedef struct demo_effect_env {
  int style_count; /* >= 1 */
  demo_style styles[DEMO_MAX_STYLES];
  int model_count; /* the neural effect's models, in the order given */
  char models[DEMO_MAX_MODELS][DEMO_MODEL_PATH_MAX];
} demo_effect_env;

/* The presets only. */
void demo_effect_env_init(demo_effect_env *env);

/* Measures an image's colour statistics and puts them first in env's styles (the style effect's
 * default). Fails (message naming the file) when the image cannot be read. */
int demo_effect_env_add_style_image(demo_effect_env *env, const char *path, demo_err *err);

/* Adds the ONNX model at `path` to the neural effect, or every *.onnx file of the directory
 * `path` (in name order). The files are only checked for being readable here; they are loaded
 * when the effect is shown. Fails (message naming the path) for a missing or unreadable path, a
 * directory without models, or more than DEMO_MAX_MODELS models. */
int demo_effect_env_add_models(demo_effect_env *env, const char *path, demo_err *err);

typedef struct demo_effect {
  const char *name;    /* for --effect and the screen, e.g. "blur" */
  const char *summary; /* one line for --help */
  const char *param_name;
  int param_default;
} demo_effect;

int demo_effect_count(void);
const demo_effect *demo_effect_get(int index);

/* Index of the effect called `name`, or -1. */
int demo_effect_find(const char *name);

/* How many parameter steps the effect has (>= 1; the style effect has one per style, the neural
 * effect one per model). */
int demo_effect_param_count(int effect, const demo_effect_env *env);

/* The parameter step's value as text, e.g. "sigma 2.0". */
void demo_effect_param_label(int effect, int param, const demo_effect_env *env, char *buf,
                             size_t size);

/* Describes the effect's chain for w x h frames at parameter step `param` (clamped into range).
 * The chain is not realized (see demo_chain_realize). */
int demo_effect_build(int effect, int param, int w, int h, const demo_effect_env *env,
                      demo_chain *chain, demo_err *err);

#endif
