/* Kernel sources: embedded at build time (every kernels_cl file becomes a byte array), or read from
 * $OCLNN_KERNEL_DIR for kernel development without rebuilding. */
#ifndef OCLNN_PROGRAM_SOURCES_H
#define OCLNN_PROGRAM_SOURCES_H

#include <stddef.h>

typedef struct oclnn__embedded_source {
  const char *name; /* file name, e.g. "pad.cl" */
  const unsigned char *bytes;
  size_t size;
} oclnn__embedded_source;

/* Terminated by an entry with name NULL; defined in the generated oclnn_embedded_kernels.c. */
extern const oclnn__embedded_source oclnn__embedded_sources[];

/* Returns a malloc'd NUL-terminated copy of kernel file `name` (from OCLNN_KERNEL_DIR when set,
 * else embedded) and its length in *size, or NULL when it does not exist or cannot be read.
 * *from_disk tells which. */
char *oclnn__source_load(const char *name, size_t *size, int *from_disk);

#endif
