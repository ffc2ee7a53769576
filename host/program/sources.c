/* Kernel source lookup: $OCLNN_KERNEL_DIR/<name> when set, else the embedded copy. */
#include "program/sources.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static char *read_file(const char *path, size_t *size) {
  FILE *file = fopen(path, "rb");
  if (!file)
    return NULL;
  char *text = NULL;
  if (fseek(file, 0, SEEK_END) == 0) {
    long length = ftell(file);
    if (length >= 0 && length < (1L << 26) && fseek(file, 0, SEEK_SET) == 0) {
      text = malloc((size_t)length + 1);
      if (text && fread(text, 1, (size_t)length, file) == (size_t)length) {
        text[length] = '\0';
        *size = (size_t)length;
      } else {
        free(text);
        text = NULL;
      }
    }
  }
  fclose(file);
  return text;
}

char *oclnn__source_load(const char *name, size_t *size, int *from_disk) {
  const char *dir = getenv("OCLNN_KERNEL_DIR");
  *from_disk = 0;
  if (dir && *dir) {
    size_t length = strlen(dir) + strlen(name) + 2;
    char *path = malloc(length);
    if (!path)
      return NULL;
    snprintf(path, length, "%s/%s", dir, name);
    char *text = read_file(path, size);
    free(path);
    *from_disk = 1;
    return text;
  }
  for (const oclnn__embedded_source *s = oclnn__embedded_sources; s->name; s++) {
    if (strcmp(s->name, name) != 0)
      continue;
    char *text = malloc(s->size + 1);
    if (!text)
      return NULL;
    memcpy(text, s->bytes, s->size);
    text[s->size] = '\0';
    *size = s->size;
    return text;
  }
  return NULL;
}
