/* oclnn_context_prebuild: every layer lists the program variants it may build; this walks them
 * all so that a deployment can fill the cache ahead of time (oclnn-info --prebuild). */
#include "program/program.h"

#include <stdlib.h>
#include <string.h>

typedef struct variant_list {
  const char *file[64];
  char *options[64];
  int count;
} variant_list;

static void collect(void *user, const char *file, const char *options) {
  variant_list *list = user;
  if (list->count < 64) {
    list->file[list->count] = file;
    list->options[list->count] = strdup(options);
    list->count++;
  }
}

oclnn_status oclnn_context_prebuild(oclnn_context *ctx, oclnn_progress_fn progress, void *user) {
  static const char *fn = "oclnn_context_prebuild";
  if (!ctx)
    return oclnn__fail(NULL, OCLNN_ERR_NULL_ARGUMENT, "%s: ctx is NULL", fn);
  variant_list list = {{0}, {0}, 0};
  oclnn__pad_variants(collect, &list);
  oclnn_status status = OCLNN_SUCCESS;
  for (int i = 0; i < list.count && status == OCLNN_SUCCESS; i++) {
    oclnn__program *program = NULL;
    if (!list.options[i])
      status = oclnn__fail(ctx, OCLNN_ERR_OUT_OF_MEMORY, "%s: out of host memory", fn);
    else
      status = oclnn__program_get(ctx, fn, list.file[i], list.options[i], &program);
    if (status == OCLNN_SUCCESS && progress) {
      char what[256];
      size_t n = strlen(list.file[i]);
      if (n > 100)
        n = 100;
      memcpy(what, list.file[i], n);
      what[n] = ' ';
      strncpy(what + n + 1, list.options[i], sizeof what - n - 2);
      what[sizeof what - 1] = '\0';
      progress(user, i + 1, list.count, what);
    }
  }
  for (int i = 0; i < list.count; i++)
    free(list.options[i]);
  return status;
}
