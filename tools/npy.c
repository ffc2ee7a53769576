#include "npy.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Larger headers are not something numpy writes (it pads to 64 bytes; shapes are short). */
#define NPY_MAX_HEADER 65536

__attribute__((format(printf, 3, 4))) static int fail(char *err, size_t errlen, const char *fmt,
                                                      ...) {
  if (err && errlen) {
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(err, errlen, fmt, ap);
    va_end(ap);
  }
  return -1;
}

static int little_endian(void) {
  const uint16_t one = 1;
  unsigned char first;
  memcpy(&first, &one, 1);
  return first == 1;
}

static void swap_floats(float *data, size_t count) {
  for (size_t i = 0; i < count; ++i) {
    unsigned char b[4], r[4];
    memcpy(b, &data[i], 4);
    r[0] = b[3], r[1] = b[2], r[2] = b[1], r[3] = b[0];
    memcpy(&data[i], r, 4);
  }
}

static const char *skip_space(const char *p) {
  while (*p == ' ' || *p == '\t' || *p == '\n' || *p == '\r')
    ++p;
  return p;
}

/* The value after 'key': in a header dict, or NULL. */
static const char *find_key(const char *header, const char *key) {
  char quoted[32];
  snprintf(quoted, sizeof quoted, "'%s'", key);
  const char *p = strstr(header, quoted);
  if (!p)
    return NULL;
  p = skip_space(p + strlen(quoted));
  if (*p != ':')
    return NULL;
  return skip_space(p + 1);
}

static int parse_header(const char *header, const char *name, npy_array *out, char *err,
                        size_t errlen) {
  const char *descr = find_key(header, "descr");
  if (!descr || (strncmp(descr, "'<f4'", 5) != 0 && strncmp(descr, "'=f4'", 5) != 0))
    return fail(err, errlen, "%s: not a little-endian float32 array (descr must be '<f4')", name);
  const char *order = find_key(header, "fortran_order");
  if (!order || strncmp(order, "False", 5) != 0)
    return fail(err, errlen, "%s: Fortran-ordered or unmarked array (C order is required)", name);
  const char *p = find_key(header, "shape");
  if (!p || *p != '(')
    return fail(err, errlen, "%s: no shape tuple in the header", name);
  p = skip_space(p + 1);
  size_t count = 1;
  int rank = 0;
  while (*p != ')') {
    if (*p < '0' || *p > '9')
      return fail(err, errlen, "%s: bad shape tuple in the header", name);
    int64_t dim = 0;
    while (*p >= '0' && *p <= '9') {
      if (dim > (INT64_MAX - 9) / 10)
        return fail(err, errlen, "%s: a dim of the shape is too large", name);
      dim = dim * 10 + (*p++ - '0');
    }
    if (rank == NPY_MAX_RANK)
      return fail(err, errlen, "%s: more than %d dims", name, NPY_MAX_RANK);
    out->shape[rank++] = dim;
    if (dim != 0 && count > SIZE_MAX / sizeof(float) / (size_t)dim)
      return fail(err, errlen, "%s: the shape's element count overflows", name);
    count *= (size_t)dim;
    p = skip_space(p);
    if (*p == ',')
      p = skip_space(p + 1);
    else if (*p != ')')
      return fail(err, errlen, "%s: bad shape tuple in the header", name);
  }
  out->rank = rank;
  out->count = count;
  return 0;
}

int npy_parse(const void *bytes, size_t size, const char *name, npy_array *out, char *err,
              size_t errlen) {
  const unsigned char *b = bytes;
  memset(out, 0, sizeof *out);
  if (size < 10 || memcmp(b, "\x93NUMPY", 6) != 0)
    return fail(err, errlen, "%s: not a .npy file (no \\x93NUMPY magic)", name);
  int major = b[6];
  size_t header_len, start;
  if (major == 1) {
    header_len = (size_t)b[8] | (size_t)b[9] << 8;
    start = 10;
  } else if (major == 2 || major == 3) {
    if (size < 12)
      return fail(err, errlen, "%s: truncated header", name);
    header_len = (size_t)b[8] | (size_t)b[9] << 8 | (size_t)b[10] << 16 | (size_t)b[11] << 24;
    start = 12;
  } else {
    return fail(err, errlen, "%s: unsupported .npy format version %d", name, major);
  }
  if (header_len > NPY_MAX_HEADER || header_len > size - start)
    return fail(err, errlen, "%s: truncated or oversized header (%zu bytes)", name, header_len);
  char *header = malloc(header_len + 1);
  if (!header)
    return fail(err, errlen, "%s: out of memory", name);
  memcpy(header, b + start, header_len);
  header[header_len] = '\0';
  int rc = parse_header(header, name, out, err, errlen);
  free(header);
  if (rc)
    return rc;
  size_t data_at = start + header_len;
  if (size - data_at != out->count * sizeof(float))
    return fail(err, errlen, "%s: %zu data bytes for %zu float32 elements", name, size - data_at,
                out->count);
  out->data = malloc(out->count ? out->count * sizeof(float) : 1);
  if (!out->data)
    return fail(err, errlen, "%s: out of memory for %zu elements", name, out->count);
  memcpy(out->data, b + data_at, out->count * sizeof(float));
  if (!little_endian())
    swap_floats(out->data, out->count);
  return 0;
}

int npy_read(const char *path, npy_array *out, char *err, size_t errlen) {
  memset(out, 0, sizeof *out);
  FILE *f = fopen(path, "rb");
  if (!f)
    return fail(err, errlen, "cannot open %s: %s", path, strerror(errno));
  unsigned char *bytes = NULL;
  size_t size = 0, cap = 0;
  for (;;) {
    if (size == cap) {
      size_t next = cap ? cap * 2 : 65536;
      unsigned char *grown = next > cap ? realloc(bytes, next) : NULL;
      if (!grown) {
        free(bytes);
        fclose(f);
        return fail(err, errlen, "%s: out of memory reading it", path);
      }
      bytes = grown;
      cap = next;
    }
    size_t got = fread(bytes + size, 1, cap - size, f);
    size += got;
    if (got == 0)
      break;
  }
  int read_error = ferror(f);
  fclose(f);
  if (read_error) {
    free(bytes);
    return fail(err, errlen, "cannot read %s", path);
  }
  int rc = npy_parse(bytes, size, path, out, err, errlen);
  free(bytes);
  return rc;
}

int npy_write(const char *path, int rank, const int64_t *shape, const float *data, char *err,
              size_t errlen) {
  if (rank < 0 || rank > NPY_MAX_RANK)
    return fail(err, errlen, "%s: rank %d is out of range", path, rank);
  char dict[512];
  int n = snprintf(dict, sizeof dict, "{'descr': '<f4', 'fortran_order': False, 'shape': (");
  size_t count = 1;
  for (int i = 0; i < rank; ++i) {
    if (shape[i] < 0)
      return fail(err, errlen, "%s: negative dim %lld", path, (long long)shape[i]);
    n += snprintf(dict + n, sizeof dict - (size_t)n, "%lld%s", (long long)shape[i],
                  rank == 1 ? "," : (i + 1 < rank ? ", " : ""));
    count *= (size_t)shape[i];
  }
  n += snprintf(dict + n, sizeof dict - (size_t)n, "), }");
  /* numpy pads the header with spaces so the data starts on a 64-byte boundary, ending in \n. */
  size_t total = 10 + (size_t)n + 1;
  size_t padded = (total + 63) / 64 * 64;
  unsigned char head[640];
  memcpy(head, "\x93NUMPY\x01\x00", 8);
  size_t header_len = padded - 10;
  head[8] = (unsigned char)(header_len & 0xff);
  head[9] = (unsigned char)(header_len >> 8);
  memcpy(head + 10, dict, (size_t)n);
  memset(head + 10 + n, ' ', padded - total);
  head[padded - 1] = '\n';
  FILE *f = fopen(path, "wb");
  if (!f)
    return fail(err, errlen, "cannot create %s: %s", path, strerror(errno));
  int ok = fwrite(head, 1, padded, f) == padded;
  if (ok && !little_endian()) {
    for (size_t i = 0; ok && i < count; ++i) {
      float v = data[i];
      swap_floats(&v, 1);
      ok = fwrite(&v, sizeof v, 1, f) == 1;
    }
  } else if (ok && count) {
    ok = fwrite(data, sizeof(float), count, f) == count;
  }
  if (fclose(f) != 0)
    ok = 0;
  if (!ok)
    return fail(err, errlen, "cannot write %s: %s", path, strerror(errno ? errno : EIO));
  return 0;
}

void npy_free(npy_array *array) {
  if (!array)
    return;
  free(array->data);
  memset(array, 0, sizeof *array);
}
