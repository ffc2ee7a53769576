/* oclnn_context_prebuild: every layer lists the program variants it may build; this walks them
 * all so that a deployment can fill the cache ahead of time (oclnn-info --prebuild). */
#include "program/program.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Every layer's variant enumerator; a new layer adds itself here. */
static void (*const layer_variants[])(oclnn__variant_fn, void *) = {
    oclnn__pad_variants,
    oclnn__norm_variants,
    oclnn__conv_variants,
    oclnn__act_variants,
};

#define MAX_VARIANTS 512

typedef struct variant_list {
  const char *file[MAX_VARIANTS];
  char *options[MAX_VARIANTS];
  int count;
} variant_list;

static void collect(void *user, const char *file, const char *options) {
  variant_list *list = user;
  if (list->count < MAX_VARIANTS) {
    list->file[list->count] = file;
    list->options[list->count] = strdup(options);
    list->count++;
  }
}

oclnn_status oclnn_context_prebuild(oclnn_context *ctx, oclnn_progress_fn progress, void *user) {
  static const char *fn = "oclnn_context_prebuild";
  if (!ctx)
    return oclnn__fail(NULL, OCLNN_ERR_NULL_ARGUMENT, "%s: ctx is NULL", fn);
  variant_list *list = calloc(1, sizeof *list);
  if (!list)
    return oclnn__fail(ctx, OCLNN_ERR_OUT_OF_MEMORY, "%s: out of host memory", fn);
  for (size_t i = 0; i < sizeof layer_variants / sizeof layer_variants[0]; i++)
    layer_variants[i](collect, list);
  oclnn_status status = OCLNN_SUCCESS;
  for (int i = 0; i < list->count && status == OCLNN_SUCCESS; i++) {
    oclnn__program *program = NULL;
    if (!list->options[i])
      status = oclnn__fail(ctx, OCLNN_ERR_OUT_OF_MEMORY, "%s: out of host memory", fn);
    else
      status = oclnn__program_get(ctx, fn, list->file[i], list->options[i], &program);
    if (status == OCLNN_SUCCESS && progress) {
      char what[256];
      snprintf(what, sizeof what, "%s %s", list->file[i], list->options[i]);
      progress(user, i + 1, list->count, what);
    }
  }
  for (int i = 0; i < list->count; i++)
    free(list->options[i]);
  free(list);
  return status;
}
