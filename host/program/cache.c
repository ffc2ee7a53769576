/* The on-disk program cache. One file per (device, driver, platform, oclnn version, options,
 * source): a header, the full key, the local sizes the program had been launched with when it
 * was stored, and the program binary; the checksum covers the local sizes and the binary.
 * Entries are written to a temporary file and renamed, so readers never see half an entry;
 * anything that does not validate is ignored and rebuilt. Failures here never fail a call: the
 * cache only saves time. */
#include "program/program.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

/* Version 2 added the local sizes (version 1 entries are rebuilt once). */
static const char MAGIC[8] = {'O', 'C', 'L', 'N', 'N', 'P', 'C', '2'};
/* magic, key length, binary length, checksum, local size count */
#define HEADER_SIZE (8 + 8 + 8 + 8 + 8)
#define LOCAL_SIZE_BYTES (3 * 8)
#define MAX_ENTRY_SIZE ((uint64_t)1 << 30)
#define ENTRY_SUFFIX ".oclnnbin"
/* Default size limit of the directory's entries; OCLNN_CACHE_MAX_MB overrides it (0: none). */
#define DEFAULT_MAX_MB 256
/* A temporary file this old belongs to a writer that died: nobody will rename it. */
#define STALE_TEMPORARY_SECONDS 600

uint64_t oclnn__hash64(const void *data, size_t size, uint64_t seed) {
  const unsigned char *bytes = data;
  uint64_t hash = seed;
  for (size_t i = 0; i < size; i++) {
    hash ^= bytes[i];
    hash *= 0x100000001b3ULL;
  }
  return hash;
}

static void put_u64(unsigned char *out, uint64_t value) {
  for (int i = 0; i < 8; i++)
    out[i] = (unsigned char)(value >> (8 * i));
}

static uint64_t get_u64(const unsigned char *in) {
  uint64_t value = 0;
  for (int i = 0; i < 8; i++)
    value |= (uint64_t)in[i] << (8 * i);
  return value;
}

static int make_dirs(const char *path) {
  char *copy = strdup(path);
  if (!copy)
    return -1;
  for (char *p = copy + 1; *p; p++) {
    if (*p != '/')
      continue;
    *p = '\0';
    if (mkdir(copy, 0755) != 0 && errno != EEXIST) {
      free(copy);
      return -1;
    }
    *p = '/';
  }
  int result = (mkdir(copy, 0755) == 0 || errno == EEXIST) ? 0 : -1;
  free(copy);
  return result;
}

static char *join(const char *a, const char *b) {
  size_t size = strlen(a) + strlen(b) + 2;
  char *path = malloc(size);
  if (path)
    snprintf(path, size, "%s/%s", a, b);
  return path;
}

char *oclnn__cache_resolve_dir(const char *requested) {
  const char *dir = requested;
  char *owned = NULL;
  if (!dir) {
    const char *env = getenv("OCLNN_CACHE_DIR");
    if (env && *env) {
      dir = env;
    } else {
      const char *xdg = getenv("XDG_CACHE_HOME");
      const char *home = getenv("HOME");
      if (xdg && *xdg)
        dir = owned = join(xdg, "oclnn");
      else if (home && *home)
        dir = owned = join(home, ".cache/oclnn");
    }
  }
  if (!dir || !*dir || strcmp(dir, "off") == 0) {
    free(owned);
    return NULL;
  }
  char *result = owned ? owned : strdup(dir);
  /* A directory we cannot create only disables storing; loads simply miss. */
  if (result)
    make_dirs(result);
  return result;
}

char *oclnn__cache_path(const oclnn_context *ctx, const char *key) {
  char name[64];
  snprintf(name, sizeof name, "%016llx" ENTRY_SUFFIX,
           (unsigned long long)oclnn__hash64(key, strlen(key), OCLNN__HASH_SEED));
  return join(ctx->cache_dir, name);
}

static unsigned char *read_entry(const char *path, size_t *size) {
  FILE *file = fopen(path, "rb");
  if (!file)
    return NULL;
  unsigned char *data = NULL;
  if (fseek(file, 0, SEEK_END) == 0) {
    long length = ftell(file);
    if (length > HEADER_SIZE && (uint64_t)length < MAX_ENTRY_SIZE &&
        fseek(file, 0, SEEK_SET) == 0) {
      data = malloc((size_t)length);
      if (data && fread(data, 1, (size_t)length, file) == (size_t)length) {
        *size = (size_t)length;
      } else {
        free(data);
        data = NULL;
      }
    }
  }
  fclose(file);
  return data;
}

/* The checksum of an entry's local sizes and binary. */
static uint64_t entry_checksum(const unsigned char *sizes, size_t sizes_length,
                               const unsigned char *binary, size_t binary_length) {
  return oclnn__hash64(binary, binary_length, oclnn__hash64(sizes, sizes_length, OCLNN__HASH_SEED));
}

cl_program oclnn__cache_load(oclnn_context *ctx, const char *key,
                             size_t local_sizes[OCLNN__MAX_LOCAL_SIZES][3], int *local_count) {
  *local_count = 0;
  if (!ctx->cache_dir)
    return NULL;
  char *path = oclnn__cache_path(ctx, key);
  if (!path)
    return NULL;
  size_t size = 0;
  unsigned char *data = read_entry(path, &size);
  if (!data) {
    free(path);
    return NULL;
  }
  cl_program program = NULL;
  uint64_t key_length = get_u64(data + 8);
  uint64_t binary_length = get_u64(data + 16);
  uint64_t checksum = get_u64(data + 24);
  uint64_t count = get_u64(data + 32);
  size_t expected_key = strlen(key);
  bool valid = memcmp(data, MAGIC, sizeof MAGIC) == 0 && key_length == expected_key &&
               binary_length > 0 && binary_length < MAX_ENTRY_SIZE &&
               count <= OCLNN__MAX_LOCAL_SIZES &&
               HEADER_SIZE + key_length + count * LOCAL_SIZE_BYTES + binary_length == size &&
               memcmp(data + HEADER_SIZE, key, expected_key) == 0;
  /* The lengths place the sections only once they are known to add up to the file: a garbage
   * header must not even form a pointer past the data (undefined behaviour). */
  const unsigned char *sizes = valid ? data + HEADER_SIZE + key_length : data;
  const unsigned char *binary = valid ? sizes + count * LOCAL_SIZE_BYTES : data;
  if (valid && entry_checksum(sizes, (size_t)count * LOCAL_SIZE_BYTES, binary,
                              (size_t)binary_length) == checksum) {
    size_t binary_size = (size_t)binary_length;
    cl_int binary_status = CL_SUCCESS, err = CL_SUCCESS;
    program = clCreateProgramWithBinary(ctx->cl_ctx, 1, &ctx->device, &binary_size, &binary,
                                        &binary_status, &err);
    if (err != CL_SUCCESS || binary_status != CL_SUCCESS) {
      if (program)
        clReleaseProgram(program);
      program = NULL;
    } else if (clBuildProgram(program, 1, &ctx->device, NULL, NULL, NULL) != CL_SUCCESS) {
      clReleaseProgram(program);
      program = NULL;
    }
  }
  /* Marks the entry as used for oclnn__cache_trim's least-recently-used order. The access time
   * is set explicitly because relatime/noatime mounts would not; the modification time stays
   * the time the entry was written. */
  if (program) {
    for (uint64_t i = 0; i < count; i++)
      for (int d = 0; d < 3; d++)
        local_sizes[i][d] = (size_t)get_u64(sizes + i * LOCAL_SIZE_BYTES + 8 * (size_t)d);
    *local_count = (int)count;
    const struct timespec times[2] = {{0, UTIME_NOW}, {0, UTIME_OMIT}};
    (void)utimensat(AT_FDCWD, path, times, 0);
  }
  free(path);
  free(data);
  return program;
}

void oclnn__cache_store(oclnn_context *ctx, const oclnn__program *owner) {
  const char *key = owner->disk_key;
  cl_program program = owner->program;
  int local_count = owner->local_size_count;
  if (!ctx->cache_dir || !key || local_count < 0 || local_count > OCLNN__MAX_LOCAL_SIZES)
    return;
  size_t binary_size = 0;
  if (clGetProgramInfo(program, CL_PROGRAM_BINARY_SIZES, sizeof binary_size, &binary_size, NULL) !=
          CL_SUCCESS ||
      binary_size == 0 || binary_size >= MAX_ENTRY_SIZE)
    return;
  size_t key_length = strlen(key);
  size_t sizes_length = (size_t)local_count * LOCAL_SIZE_BYTES;
  size_t total = HEADER_SIZE + key_length + sizes_length + binary_size;
  unsigned char *entry = malloc(total);
  if (!entry)
    return;
  unsigned char *sizes = entry + HEADER_SIZE + key_length;
  unsigned char *binary = sizes + sizes_length;
  if (clGetProgramInfo(program, CL_PROGRAM_BINARIES, sizeof binary, &binary, NULL) != CL_SUCCESS) {
    free(entry);
    return;
  }
  memcpy(entry, MAGIC, sizeof MAGIC);
  put_u64(entry + 8, key_length);
  put_u64(entry + 16, binary_size);
  for (int i = 0; i < local_count; i++)
    for (int d = 0; d < 3; d++)
      put_u64(sizes + (size_t)i * LOCAL_SIZE_BYTES + 8 * (size_t)d, owner->local_sizes[i][d]);
  put_u64(entry + 24, entry_checksum(sizes, sizes_length, binary, binary_size));
  put_u64(entry + 32, (uint64_t)local_count);
  memcpy(entry + HEADER_SIZE, key, key_length);

  char *path = oclnn__cache_path(ctx, key);
  static _Thread_local unsigned counter;
  size_t tmp_size = path ? strlen(path) + 48 : 0;
  char *tmp = path ? malloc(tmp_size) : NULL;
  if (tmp) {
    snprintf(tmp, tmp_size, "%s.tmp.%ld.%u", path, (long)getpid(), counter++);
    FILE *file = fopen(tmp, "wb");
    if (file) {
      bool ok = fwrite(entry, 1, total, file) == total;
      ok = (fclose(file) == 0) && ok;
      if (!ok || rename(tmp, path) != 0)
        remove(tmp);
    }
  }
  free(tmp);
  free(path);
  free(entry);
}

typedef struct cache_file {
  char *path;
  off_t size;
  time_t used; /* the later of the last load and the last write */
} cache_file;

static int compare_least_recent_first(const void *a, const void *b) {
  time_t x = ((const cache_file *)a)->used, y = ((const cache_file *)b)->used;
  return (x > y) - (x < y);
}

static bool has_suffix(const char *name, const char *suffix) {
  size_t n = strlen(name), s = strlen(suffix);
  return n > s && strcmp(name + n - s, suffix) == 0;
}

static uint64_t cache_limit_bytes(void) {
  const char *env = getenv("OCLNN_CACHE_MAX_MB");
  if (!env || !*env)
    return (uint64_t)DEFAULT_MAX_MB << 20;
  char *end = NULL;
  errno = 0;
  unsigned long long mb = strtoull(env, &end, 10);
  if (errno || *end || env[0] == '-')
    return (uint64_t)DEFAULT_MAX_MB << 20;
  if (mb == 0 || mb >= ((uint64_t)1 << 43))
    return 0; /* no limit */
  return (uint64_t)mb << 20;
}

void oclnn__cache_trim(const char *dir) {
  uint64_t limit = cache_limit_bytes();
  DIR *listing = dir ? opendir(dir) : NULL;
  if (!listing)
    return;
  cache_file *files = NULL;
  size_t count = 0, capacity = 0;
  uint64_t total = 0;
  time_t now = time(NULL);
  struct dirent *item;
  while ((item = readdir(listing)) != NULL) {
    bool entry = has_suffix(item->d_name, ENTRY_SUFFIX);
    bool temporary = strstr(item->d_name, ENTRY_SUFFIX ".tmp.") != NULL;
    if (!entry && !temporary)
      continue; /* never touch files that are not ours */
    char *path = join(dir, item->d_name);
    struct stat st;
    if (!path || lstat(path, &st) != 0 || !S_ISREG(st.st_mode)) {
      free(path);
      continue;
    }
    if (temporary) {
      if (now - st.st_mtime > STALE_TEMPORARY_SECONDS)
        remove(path);
      free(path);
      continue;
    }
    if (count == capacity) {
      size_t grown = capacity ? 2 * capacity : 64;
      cache_file *bigger = realloc(files, grown * sizeof *files);
      if (!bigger) {
        free(path);
        break;
      }
      files = bigger;
      capacity = grown;
    }
    files[count].path = path;
    files[count].size = st.st_size;
    files[count].used = st.st_atime > st.st_mtime ? st.st_atime : st.st_mtime;
    total += (uint64_t)st.st_size;
    count++;
  }
  closedir(listing);
  /* Over the limit: remove the least recently used entries until a quarter of the limit is
   * free, so that a growing working set does not trim on every new program. */
  if (limit && total > limit) {
    qsort(files, count, sizeof *files, compare_least_recent_first);
    uint64_t target = limit - limit / 4;
    for (size_t i = 0; i < count && total > target; i++) {
      if (remove(files[i].path) == 0)
        total -= (uint64_t)files[i].size;
    }
  }
  for (size_t i = 0; i < count; i++)
    free(files[i].path);
  free(files);
}
