/* Programs: built from kernels_cl/common.cl + one layer file with -D options, cached in memory
 * per context and on disk (host/program/cache.c). */
#ifndef OCLNN_PROGRAM_PROGRAM_H
#define OCLNN_PROGRAM_PROGRAM_H

#include "core/internal.h"

struct oclnn__program {
  oclnn__program *next;
  char *file;    /* layer source file, e.g. "pad.cl" */
  char *options; /* build options */
  cl_program program;
  char *disk_key; /* full on-disk cache key; NULL when the disk cache is off */
  /* local sizes launched so far (with those of the binary loaded from the disk cache) */
  size_t local_sizes[OCLNN__MAX_LOCAL_SIZES][3];
  int local_size_count;
  bool needs_store; /* launched with a new local size since the last store */
};

/* Returns the program for (file, options) on ctx: from the context's list, else from the disk
 * cache, else built from source (and stored). The program stays owned by ctx. Errors:
 * OCLNN_ERR_BUILD (with the build log in the message), OCLNN_ERR_OPENCL, OCLNN_ERR_IO (source
 * missing), OCLNN_ERR_OUT_OF_MEMORY. */
oclnn_status oclnn__program_get(oclnn_context *ctx, const char *function, const char *file,
                                const char *options, oclnn__program **out);

/* Creates kernel `name` of program (caller releases it). */
oclnn_status oclnn__kernel_create(oclnn_context *ctx, const char *function, oclnn__program *program,
                                  const char *name, cl_kernel *out);

/* Stores entries launched with new local sizes (after the queue has finished). */
void oclnn__programs_store_pending(oclnn_context *ctx);
void oclnn__programs_release(oclnn_context *ctx);

/* The on-disk cache (cache.c). load returns a program built from a valid entry, or NULL for a
 * missing, corrupt, truncated or foreign one, with the local sizes it had been launched with when
 * stored (so that launching them again stores nothing). store writes the program's binary and
 * local sizes under its disk key atomically; failures are silent (the cache is an optimisation). */
cl_program oclnn__cache_load(oclnn_context *ctx, const char *key,
                             size_t local_sizes[OCLNN__MAX_LOCAL_SIZES][3], int *local_count);
void oclnn__cache_store(oclnn_context *ctx, const oclnn__program *program);
/* Keeps the directory's entries within OCLNN_CACHE_MAX_MB (default 256; 0: no limit) by
 * removing the least recently used ones, and removes temporary files left by dead writers. Only
 * files named like entries are touched. Called once per context, after its first new entry. */
void oclnn__cache_trim(const char *dir);
/* The file an entry for key lives in (malloc'd). */
char *oclnn__cache_path(const oclnn_context *ctx, const char *key);
/* Resolves the directory per oclnn_context_options (malloc'd, NULL when disabled), creating
 * it when missing. */
char *oclnn__cache_resolve_dir(const char *requested);

/* Prebuild registry (prebuild.c): each layer lists the (file, options) variants it may use. */
typedef void (*oclnn__variant_fn)(void *user, const char *file, const char *options);
void oclnn__pad_variants(oclnn__variant_fn each, void *user);
void oclnn__norm_variants(oclnn__variant_fn each, void *user);
void oclnn__conv_variants(oclnn__variant_fn each, void *user);
void oclnn__act_variants(oclnn__variant_fn each, void *user);

/* A 64-bit FNV-1a hash, used for cache file names, source identity and checksums. */
uint64_t oclnn__hash64(const void *data, size_t size, uint64_t seed);
#define OCLNN__HASH_SEED 0xcbf29ce484222325ULL

#endif
