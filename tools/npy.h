/* NumPy .npy files of float32 tensors (format versions 1-3, little-endian '<f4', C order), for
 * oclnn-run and the model tests. Files are untrusted input: every header field is checked, sizes
 * are overflow-checked and the data must fill the file exactly. */
#ifndef OCLNN_TOOLS_NPY_H
#define OCLNN_TOOLS_NPY_H

#include <stddef.h>
#include <stdint.h>

#define NPY_MAX_RANK 8

typedef struct npy_array {
  int rank; /* 0 for a scalar */
  int64_t shape[NPY_MAX_RANK];
  size_t count; /* elements */
  float *data;  /* malloc'd, count floats (at least one allocation even when count is 0) */
} npy_array;

/* Reads path into *out (zeroed first). Returns 0, or -1 with a message in err naming the file
 * and the problem (unreadable, not .npy, dtype other than float32, Fortran order, bad shape,
 * size mismatch). On failure nothing needs freeing. */
int npy_read(const char *path, npy_array *out, char *err, size_t errlen);

/* The same from memory (name is only used in messages). */
int npy_parse(const void *bytes, size_t size, const char *name, npy_array *out, char *err,
              size_t errlen);

/* Writes count = prod(shape) floats as a version 1.0 .npy file. Returns 0 or -1 with err set. */
int npy_write(const char *path, int rank, const int64_t *shape, const float *data, char *err,
              size_t errlen);

/* Frees out->data and zeroes the struct; NULL is a no-op. */
void npy_free(npy_array *array);

#endif
