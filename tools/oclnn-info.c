/* oclnn-info: every OpenCL platform and device (name, vendor, driver, OpenCL version, compute
 * units, memory, fp16/fp64), the device oclnn picks, the program cache directory and its size.
 * --prebuild compiles every kernel variant into the cache, showing progress. */
#include "oclnn.h"

#include <dirent.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>

#define MAX_PLATFORMS 16
#define MAX_DEVICES 64

static double now_ms(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (double)ts.tv_sec * 1e3 + (double)ts.tv_nsec * 1e-6;
}

/* A device info string, malloc'd ("?" when the query fails); NULL only when out of memory. */
static char *device_string(cl_device_id device, cl_device_info what) {
  size_t size = 0;
  if (clGetDeviceInfo(device, what, 0, NULL, &size) != CL_SUCCESS || size == 0)
    return strdup("?");
  char *text = calloc(size + 1, 1);
  if (text && clGetDeviceInfo(device, what, size, text, NULL) != CL_SUCCESS)
    strcpy(text, "?");
  return text;
}

static char *platform_string(cl_platform_id platform, cl_platform_info what) {
  size_t size = 0;
  if (clGetPlatformInfo(platform, what, 0, NULL, &size) != CL_SUCCESS || size == 0)
    return strdup("?");
  char *text = calloc(size + 1, 1);
  if (text && clGetPlatformInfo(platform, what, size, text, NULL) != CL_SUCCESS)
    strcpy(text, "?");
  return text;
}

static cl_ulong device_ulong(cl_device_id device, cl_device_info what) {
  cl_ulong value = 0;
  clGetDeviceInfo(device, what, sizeof value, &value, NULL);
  return value;
}

static cl_uint device_uint(cl_device_id device, cl_device_info what) {
  cl_uint value = 0;
  clGetDeviceInfo(device, what, sizeof value, &value, NULL);
  return value;
}

static const char *type_name(cl_device_type type) {
  if (type & CL_DEVICE_TYPE_GPU)
    return "GPU";
  if (type & CL_DEVICE_TYPE_ACCELERATOR)
    return "accelerator";
  if (type & CL_DEVICE_TYPE_CPU)
    return "CPU";
  return "other";
}

static void format_bytes(char *buf, size_t size, double bytes) {
  static const char *const units[] = {"B", "KiB", "MiB", "GiB", "TiB"};
  int u = 0;
  while (bytes >= 1024.0 && u < 4) {
    bytes /= 1024.0;
    u++;
  }
  snprintf(buf, size, u ? "%.1f %s" : "%.0f %s", bytes, units[u]);
}

/* Whether a space-separated extension list holds `name` exactly. */
static bool has_extension(const char *list, const char *name) {
  size_t n = strlen(name);
  for (const char *p = list; (p = strstr(p, name)) != NULL; p += n)
    if ((p == list || p[-1] == ' ') && (p[n] == ' ' || p[n] == '\0'))
      return true;
  return false;
}

static void print_device(cl_device_id device, int p, int d, bool chosen) {
  char *name = device_string(device, CL_DEVICE_NAME);
  char *vendor = device_string(device, CL_DEVICE_VENDOR);
  char *driver = device_string(device, CL_DRIVER_VERSION);
  char *version = device_string(device, CL_DEVICE_VERSION);
  char *c_version = device_string(device, CL_DEVICE_OPENCL_C_VERSION);
  char *extensions = device_string(device, CL_DEVICE_EXTENSIONS);
  cl_device_type type = 0;
  clGetDeviceInfo(device, CL_DEVICE_TYPE, sizeof type, &type, NULL);
  size_t max_wg = 0;
  clGetDeviceInfo(device, CL_DEVICE_MAX_WORK_GROUP_SIZE, sizeof max_wg, &max_wg, NULL);
  cl_device_fp_config fp64 = 0, fp16 = 0;
  clGetDeviceInfo(device, CL_DEVICE_DOUBLE_FP_CONFIG, sizeof fp64, &fp64, NULL);
#ifdef CL_DEVICE_HALF_FP_CONFIG
  clGetDeviceInfo(device, CL_DEVICE_HALF_FP_CONFIG, sizeof fp16, &fp16, NULL);
#endif
  bool has_fp64 = fp64 != 0 || (extensions && has_extension(extensions, "cl_khr_fp64"));
  bool has_fp16 = fp16 != 0 || (extensions && has_extension(extensions, "cl_khr_fp16"));
  char global[32], alloc[32], local[32], cache[32];
  format_bytes(global, sizeof global, (double)device_ulong(device, CL_DEVICE_GLOBAL_MEM_SIZE));
  format_bytes(alloc, sizeof alloc, (double)device_ulong(device, CL_DEVICE_MAX_MEM_ALLOC_SIZE));
  format_bytes(local, sizeof local, (double)device_ulong(device, CL_DEVICE_LOCAL_MEM_SIZE));
  format_bytes(cache, sizeof cache, (double)device_ulong(device, CL_DEVICE_GLOBAL_MEM_CACHE_SIZE));

  printf("  %s device %d:%d  %s%s\n", chosen ? "*" : " ", p, d, name ? name : "?",
         chosen ? "   <- oclnn uses this one" : "");
  printf("      type            %s\n", type_name(type));
  printf("      vendor          %s\n", vendor ? vendor : "?");
  printf("      driver          %s\n", driver ? driver : "?");
  printf("      OpenCL          %s (OpenCL C: %s)\n", version ? version : "?",
         c_version ? c_version : "?");
  printf("      compute units   %u @ %u MHz\n", device_uint(device, CL_DEVICE_MAX_COMPUTE_UNITS),
         device_uint(device, CL_DEVICE_MAX_CLOCK_FREQUENCY));
  printf("      memory          %s global (max allocation %s), %s local, %s cache\n", global, alloc,
         local, cache);
  printf("      work-group      up to %zu work-items\n", max_wg);
  printf("      float vectors   preferred width %u, native %u\n",
         device_uint(device, CL_DEVICE_PREFERRED_VECTOR_WIDTH_FLOAT),
         device_uint(device, CL_DEVICE_NATIVE_VECTOR_WIDTH_FLOAT));
  printf("      fp16 / fp64     %s / %s\n", has_fp16 ? "yes" : "no", has_fp64 ? "yes" : "no");
  free(name);
  free(vendor);
  free(driver);
  free(version);
  free(c_version);
  free(extensions);
}

/* Number and total size of the cache's entries (*.oclnnbin; leftovers of interrupted writes
 * are counted apart). Returns false when the directory cannot be read. */
static bool cache_usage(const char *dir, long *entries, double *bytes, long *others) {
  DIR *handle = opendir(dir);
  if (!handle)
    return false;
  *entries = 0;
  *others = 0;
  *bytes = 0;
  size_t dir_length = strlen(dir);
  struct dirent *item;
  while ((item = readdir(handle)) != NULL) {
    if (item->d_name[0] == '.')
      continue;
    size_t size = dir_length + strlen(item->d_name) + 2;
    char *path = malloc(size);
    struct stat st;
    if (path) {
      snprintf(path, size, "%s/%s", dir, item->d_name);
      if (stat(path, &st) == 0 && S_ISREG(st.st_mode)) {
        size_t n = strlen(item->d_name);
        bool entry = n > 9 && strcmp(item->d_name + n - 9, ".oclnnbin") == 0;
        if (entry)
          (*entries)++;
        else
          (*others)++;
        *bytes += (double)st.st_size;
      }
    }
    free(path);
  }
  closedir(handle);
  return true;
}

static void print_cache(const char *dir) {
  if (!dir) {
    printf("program cache: off (OCLNN_CACHE_DIR=off)\n");
    return;
  }
  long entries = 0, others = 0;
  double bytes = 0;
  if (!cache_usage(dir, &entries, &bytes, &others)) {
    printf("program cache: %s (cannot be read; programs are built every run)\n", dir);
    return;
  }
  char size[32];
  format_bytes(size, sizeof size, bytes);
  printf("program cache: %s\n  %ld entr%s, %s", dir, entries, entries == 1 ? "y" : "ies", size);
  if (others)
    printf(" (including %ld other file%s)", others, others == 1 ? "" : "s");
  printf("\n");
}

typedef struct progress_state {
  double start, last;
} progress_state;

static void show_progress(void *user, int done, int total, const char *what) {
  progress_state *state = user;
  double t = now_ms();
  printf("  [%*d/%d] %-40s %8.1f ms\n",
         total >= 100  ? 3
         : total >= 10 ? 2
                       : 1,
         done, total, what, t - state->last);
  fflush(stdout);
  state->last = t;
}

/* Runs each padding mode once on a tiny tensor: PoCL compiles a kernel's work-group function for
 * its local size at the first launch (0.1-0.8 s) and keeps it in its own kernel cache
 * ($POCL_CACHE_DIR, ~/.cache/pocl), so later processes start without that compile. PoCL 3.1's
 * program binaries (what oclnn's cache stores) hold only the generic work-group function, not
 * these, so a build alone does not save it. The pad layer uses one local size for every shape. */
static oclnn_status warm_padding(oclnn_context *ctx) {
  const int64_t in_shape[2] = {2, 8}, out_shape[2] = {2, 10};
  const float host[16] = {0};
  oclnn_tensor in, out;
  memset(&in, 0, sizeof in);
  memset(&out, 0, sizeof out);
  oclnn_status s = oclnn_tensor_alloc(ctx, 2, in_shape, &in);
  if (s == OCLNN_SUCCESS)
    s = oclnn_tensor_alloc(ctx, 2, out_shape, &out);
  if (s == OCLNN_SUCCESS)
    s = oclnn_tensor_upload(ctx, &in, host, 16);
  for (int mode = OCLNN_PAD_CONSTANT; mode <= OCLNN_PAD_CIRCULAR && s == OCLNN_SUCCESS; mode++) {
    oclnn_pad_desc desc = oclnn_pad_desc_default(1, (oclnn_pad_mode)mode, 1);
    oclnn_pad *pad = NULL;
    s = oclnn_pad_create(ctx, &desc, &pad);
    if (s == OCLNN_SUCCESS)
      s = oclnn_pad_forward(pad, &in, &out);
    if (s == OCLNN_SUCCESS)
      s = oclnn_context_finish(ctx);
    oclnn_pad_free(pad);
  }
  oclnn_tensor_free(&in);
  oclnn_tensor_free(&out);
  return s;
}

static int prebuild(const char *device) {
  oclnn_context_options options = oclnn_context_options_default();
  options.device = device;
  oclnn_context *ctx = NULL;
  oclnn_status s = oclnn_context_create(&options, &ctx);
  if (s != OCLNN_SUCCESS) {
    fprintf(stderr, "oclnn-info: %s: %s\n", oclnn_status_string(s), oclnn_context_error(NULL));
    return 1;
  }
  const char *dir = oclnn_context_cache_dir(ctx);
  printf("\nprebuilding every kernel variant into %s\n", dir ? dir : "memory only (cache off)");
  progress_state state;
  state.start = state.last = now_ms();
  s = oclnn_context_prebuild(ctx, show_progress, &state);
  if (s == OCLNN_SUCCESS) {
    double t = now_ms();
    s = warm_padding(ctx);
    printf("  first launch of this device's padding variants (compiles their work-group code): "
           "%.1f ms\n",
           now_ms() - t);
  }
  if (s != OCLNN_SUCCESS) {
    fprintf(stderr, "oclnn-info: prebuild failed: %s: %s\n", oclnn_status_string(s),
            oclnn_context_error(ctx));
    oclnn_context_free(ctx);
    return 1;
  }
  printf("done in %.1f s\n", (now_ms() - state.start) / 1e3);
  print_cache(dir);
  oclnn_context_free(ctx);
  return 0;
}

static void usage(FILE *to) {
  fprintf(to, "usage: oclnn-info [--device SPEC] [--prebuild]\n"
              "  Lists every OpenCL platform and device, marks the one oclnn uses (OCLNN_DEVICE,\n"
              "  else the first GPU, accelerator, CPU), and shows the program cache.\n"
              "  --device SPEC  the device to pick and prebuild for (\"P:D\" or a name "
              "substring)\n"
              "  --prebuild     compile every kernel variant into the program cache\n");
}

int main(int argc, char **argv) {
  const char *device = NULL;
  bool do_prebuild = false;
  for (int i = 1; i < argc; i++) {
    if (strcmp(argv[i], "--prebuild") == 0) {
      do_prebuild = true;
    } else if (strcmp(argv[i], "--device") == 0 && i + 1 < argc) {
      device = argv[++i];
    } else if (strcmp(argv[i], "--help") == 0 || strcmp(argv[i], "-h") == 0) {
      usage(stdout);
      return 0;
    } else {
      fprintf(stderr, "oclnn-info: bad or incomplete argument \"%s\"\n", argv[i]);
      usage(stderr);
      return 2;
    }
  }
  printf("oclnn %s\n", oclnn_version());

  int chosen_platform = -1, chosen_device = -1;
  oclnn_status chosen = oclnn_device_choose(device, &chosen_platform, &chosen_device);

  cl_platform_id platforms[MAX_PLATFORMS];
  cl_uint platform_count = 0;
  cl_int err = clGetPlatformIDs(MAX_PLATFORMS, platforms, &platform_count);
  if (err != CL_SUCCESS || platform_count == 0) {
    printf("no OpenCL platform found (clGetPlatformIDs returned %d); install an ICD such as "
           "pocl-opencl-icd\n",
           (int)err);
  }
  if (platform_count > MAX_PLATFORMS)
    platform_count = MAX_PLATFORMS;
  for (cl_uint p = 0; p < platform_count; p++) {
    char *name = platform_string(platforms[p], CL_PLATFORM_NAME);
    char *vendor = platform_string(platforms[p], CL_PLATFORM_VENDOR);
    char *version = platform_string(platforms[p], CL_PLATFORM_VERSION);
    printf("\nplatform %u: %s\n  vendor %s, %s\n", p, name ? name : "?", vendor ? vendor : "?",
           version ? version : "?");
    free(name);
    free(vendor);
    free(version);
    cl_device_id devices[MAX_DEVICES];
    cl_uint device_count = 0;
    if (clGetDeviceIDs(platforms[p], CL_DEVICE_TYPE_ALL, MAX_DEVICES, devices, &device_count) !=
        CL_SUCCESS)
      device_count = 0;
    if (device_count > MAX_DEVICES)
      device_count = MAX_DEVICES;
    if (device_count == 0)
      printf("  (no devices)\n");
    for (cl_uint d = 0; d < device_count; d++)
      print_device(devices[d], (int)p, (int)d,
                   chosen == OCLNN_SUCCESS && (int)p == chosen_platform && (int)d == chosen_device);
  }

  printf("\n");
  if (chosen == OCLNN_SUCCESS)
    printf("oclnn picks device %d:%d (%s)\n", chosen_platform, chosen_device,
           device ? "--device"
           : getenv("OCLNN_DEVICE") && *getenv("OCLNN_DEVICE")
               ? "OCLNN_DEVICE"
               : "first GPU, else accelerator, else CPU");
  else
    printf("oclnn picks no device: %s\n", oclnn_context_error(NULL));

  /* The cache directory as a context resolves it (options, OCLNN_CACHE_DIR, XDG, HOME). */
  if (chosen == OCLNN_SUCCESS && !do_prebuild) {
    oclnn_context_options options = oclnn_context_options_default();
    options.device = device;
    oclnn_context *ctx = NULL;
    if (oclnn_context_create(&options, &ctx) == OCLNN_SUCCESS)
      print_cache(oclnn_context_cache_dir(ctx));
    else
      printf("program cache: unknown (%s)\n", oclnn_context_error(NULL));
    oclnn_context_free(ctx);
  }
  if (do_prebuild) {
    if (chosen != OCLNN_SUCCESS)
      return 1;
    return prebuild(device);
  }
  return chosen == OCLNN_SUCCESS ? 0 : 1;
}
