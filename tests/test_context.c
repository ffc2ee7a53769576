/* Contexts: device choice (default order, OCLNN_DEVICE and options.device by index or name),
 * wrapping the caller's OpenCL objects without taking them over or blocking on them, argument
 * checks, status codes and per-thread error messages. */
#include "test_support.h"

#include <ctype.h>
#include <dirent.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#define MAX_PLATFORMS 16
#define MAX_DEVICES 64

/* ---- a reference enumeration of what oclnn should pick -------------------------------------- */

typedef struct device_list {
  int count;
  int platform_index[MAX_PLATFORMS * MAX_DEVICES];
  int device_index[MAX_PLATFORMS * MAX_DEVICES];
  cl_platform_id platform[MAX_PLATFORMS * MAX_DEVICES];
  cl_device_id device[MAX_PLATFORMS * MAX_DEVICES];
  cl_device_type type[MAX_PLATFORMS * MAX_DEVICES];
  char device_name[MAX_PLATFORMS * MAX_DEVICES][256];
  char platform_name[MAX_PLATFORMS * MAX_DEVICES][256];
} device_list;

static device_list *list_devices(void) {
  static device_list list;
  memset(&list, 0, sizeof list);
  cl_platform_id platforms[MAX_PLATFORMS];
  cl_uint platform_count = 0;
  cr_assert_eq(clGetPlatformIDs(MAX_PLATFORMS, platforms, &platform_count), CL_SUCCESS);
  cr_assert_gt(platform_count, 0u, "no OpenCL platform");
  for (cl_uint p = 0; p < platform_count && p < MAX_PLATFORMS; p++) {
    cl_device_id devices[MAX_DEVICES];
    cl_uint device_count = 0;
    if (clGetDeviceIDs(platforms[p], CL_DEVICE_TYPE_ALL, MAX_DEVICES, devices, &device_count) !=
        CL_SUCCESS)
      continue;
    for (cl_uint d = 0; d < device_count && d < MAX_DEVICES; d++) {
      int i = list.count++;
      list.platform_index[i] = (int)p;
      list.device_index[i] = (int)d;
      list.platform[i] = platforms[p];
      list.device[i] = devices[d];
      clGetDeviceInfo(devices[d], CL_DEVICE_TYPE, sizeof list.type[i], &list.type[i], NULL);
      clGetDeviceInfo(devices[d], CL_DEVICE_NAME, sizeof list.device_name[i] - 1,
                      list.device_name[i], NULL);
      clGetPlatformInfo(platforms[p], CL_PLATFORM_NAME, sizeof list.platform_name[i] - 1,
                        list.platform_name[i], NULL);
    }
  }
  cr_assert_gt(list.count, 0, "no OpenCL device");
  return &list;
}

static bool icontains(const char *haystack, const char *needle) {
  size_t n = strlen(needle);
  for (const char *h = haystack; *h; h++) {
    size_t i = 0;
    while (i < n && h[i] && tolower((unsigned char)h[i]) == tolower((unsigned char)needle[i]))
      i++;
    if (i == n)
      return true;
  }
  return false;
}

/* The documented default: first GPU, else accelerator, else CPU (else anything). */
static int reference_default(const device_list *list) {
  static const cl_device_type order[] = {CL_DEVICE_TYPE_GPU, CL_DEVICE_TYPE_ACCELERATOR,
                                         CL_DEVICE_TYPE_CPU};
  for (size_t r = 0; r < sizeof order / sizeof order[0]; r++)
    for (int i = 0; i < list->count; i++)
      if (list->type[i] & order[r])
        return i;
  return 0;
}

/* The first device, in platform:device order, whose device or platform name contains spec. */
static int reference_by_name(const device_list *list, const char *spec) {
  for (int i = 0; i < list->count; i++)
    if (icontains(list->device_name[i], spec) || icontains(list->platform_name[i], spec))
      return i;
  return -1;
}

static int find_device(const device_list *list, cl_device_id device) {
  for (int i = 0; i < list->count; i++)
    if (list->device[i] == device)
      return i;
  return -1;
}

static void swap_case(char *text) {
  for (char *c = text; *c; c++)
    *c = (char)(islower((unsigned char)*c) ? toupper((unsigned char)*c)
                                           : tolower((unsigned char)*c));
}

/* Creates a context with the given options/env and returns the index of its device in list. */
static int created_device(const device_list *list, const oclnn_context_options *options) {
  oclnn_context *ctx = NULL;
  oclnn_status status = oclnn_context_create(options, &ctx);
  cr_assert_eq(status, OCLNN_SUCCESS, "oclnn_context_create -> %s: %s", oclnn_status_string(status),
               oclnn_context_error(NULL));
  cr_assert_not_null(ctx);
  int index = find_device(list, oclnn_context_cl_device(ctx));
  cr_assert_geq(index, 0, "the context's device is not one of the platforms' devices");
  oclnn_context_free(ctx);
  return index;
}

static void assert_choice(const device_list *list, const char *spec, int expected) {
  int platform = -7, device = -7;
  oclnn_status status = oclnn_device_choose(spec, &platform, &device);
  cr_assert_eq(status, OCLNN_SUCCESS, "oclnn_device_choose(\"%s\") -> %s: %s",
               spec ? spec : "(null)", oclnn_status_string(status), oclnn_context_error(NULL));
  cr_assert_eq(platform, list->platform_index[expected], "\"%s\": platform %d, expected %d",
               spec ? spec : "(null)", platform, list->platform_index[expected]);
  cr_assert_eq(device, list->device_index[expected], "\"%s\": device %d, expected %d",
               spec ? spec : "(null)", device, list->device_index[expected]);
}

/* ---- device choice -------------------------------------------------------------------------- */

Test(context, default_create_picks_gpu_then_accelerator_then_cpu) {
  unsetenv("OCLNN_DEVICE");
  device_list *list = list_devices();
  int expected = reference_default(list);

  oclnn_context *ctx = NULL;
  TEST_OK(NULL, oclnn_context_create(NULL, &ctx));
  cr_assert_not_null(ctx);
  cr_assert_not_null(oclnn_context_cl_context(ctx));
  cr_assert_not_null(oclnn_context_cl_queue(ctx));
  int picked = find_device(list, oclnn_context_cl_device(ctx));
  cr_assert_eq(picked, expected,
               "picked device %d, expected %d: %s (the first GPU, else "
               "accelerator, else CPU)",
               picked, expected, list->device_name[expected]);
  cr_assert_str_eq(oclnn_context_error(ctx), "", "a fresh context has no message");

  /* Its queue belongs to its context and device, and is in order with profiling. */
  cl_context queue_context = NULL;
  cl_device_id queue_device = NULL;
  cl_command_queue_properties properties = 0;
  cl_command_queue queue = oclnn_context_cl_queue(ctx);
  clGetCommandQueueInfo(queue, CL_QUEUE_CONTEXT, sizeof queue_context, &queue_context, NULL);
  clGetCommandQueueInfo(queue, CL_QUEUE_DEVICE, sizeof queue_device, &queue_device, NULL);
  clGetCommandQueueInfo(queue, CL_QUEUE_PROPERTIES, sizeof properties, &properties, NULL);
  cr_assert_eq(queue_context, oclnn_context_cl_context(ctx));
  cr_assert_eq(queue_device, oclnn_context_cl_device(ctx));
  cr_assert(properties & CL_QUEUE_PROFILING_ENABLE);
  cr_assert_not(properties & CL_QUEUE_OUT_OF_ORDER_EXEC_MODE_ENABLE);
  TEST_OK(ctx, oclnn_context_finish(ctx));

  /* Default options behave like NULL options. */
  oclnn_context_options options = oclnn_context_options_default();
  cr_assert_null(options.device);
  cr_assert_null(options.cache_dir);
  cr_assert_eq(created_device(list, &options), expected);
  assert_choice(list, NULL, expected);
  oclnn_context_free(ctx);
}

Test(context, device_by_index_pair) {
  unsetenv("OCLNN_DEVICE");
  device_list *list = list_devices();
  /* "0:0" is the first device of platform 0 when it has one. */
  int first = -1;
  for (int i = 0; i < list->count && first < 0; i++)
    if (list->platform_index[i] == 0 && list->device_index[i] == 0)
      first = i;
  cr_assert_geq(first, 0, "platform 0 has no device 0");

  oclnn_context_options options = oclnn_context_options_default();
  options.device = "0:0";
  cr_assert_eq(created_device(list, &options), first);
  assert_choice(list, "0:0", first);

  /* The same through the environment. */
  setenv("OCLNN_DEVICE", "0:0", 1);
  cr_assert_eq(created_device(list, NULL), first);
  assert_choice(list, NULL, first);

  /* The last device listed, by its own indices. */
  int last = list->count - 1;
  char spec[32];
  snprintf(spec, sizeof spec, "%d:%d", list->platform_index[last], list->device_index[last]);
  setenv("OCLNN_DEVICE", spec, 1);
  cr_assert_eq(created_device(list, NULL), last);
  assert_choice(list, spec, last);
}

Test(context, device_by_device_name_substring_any_case) {
  unsetenv("OCLNN_DEVICE");
  device_list *list = list_devices();
  int target = reference_default(list);
  const char *name = list->device_name[target];
  size_t length = strlen(name);
  cr_assert_geq(length, 3u, "device name \"%s\" is too short to take a substring of", name);
  /* A piece from the middle, with every letter's case swapped. */
  char spec[16];
  size_t start = length > 6 ? 2 : 1, take = length - start - 1;
  if (take > sizeof spec - 1)
    take = sizeof spec - 1;
  memcpy(spec, name + start, take);
  spec[take] = '\0';
  swap_case(spec);
  int expected = reference_by_name(list, spec);
  cr_assert_geq(expected, 0);

  oclnn_context_options options = oclnn_context_options_default();
  options.device = spec;
  cr_assert_eq(created_device(list, &options), expected, "\"%s\" picked another device", spec);
  assert_choice(list, spec, expected);
  setenv("OCLNN_DEVICE", spec, 1);
  cr_assert_eq(created_device(list, NULL), expected);
  assert_choice(list, NULL, expected);
}

Test(context, device_by_platform_name_substring) {
  unsetenv("OCLNN_DEVICE");
  device_list *list = list_devices();
  /* The whole platform name of the first device, in upper case: on PoCL "PORTABLE COMPUTING
   * LANGUAGE", which no device name contains. */
  char spec[256];
  snprintf(spec, sizeof spec, "%s", list->platform_name[0]);
  for (char *c = spec; *c; c++)
    *c = (char)toupper((unsigned char)*c);
  cr_assert_gt(strlen(spec), 0u, "platform 0 has no name");
  int expected = reference_by_name(list, spec);
  cr_assert_eq(expected, 0);
  if (icontains(list->device_name[0], spec))
    cr_log_warn("the platform name is part of the device name; this only tests device names");

  oclnn_context_options options = oclnn_context_options_default();
  options.device = spec;
  cr_assert_eq(created_device(list, &options), expected);
  assert_choice(list, spec, expected);
}

static void assert_no_device(const char *spec, bool through_env) {
  oclnn_context *ctx = (oclnn_context *)(uintptr_t)1; /* must be reset to NULL */
  oclnn_context_options options = oclnn_context_options_default();
  if (through_env) {
    setenv("OCLNN_DEVICE", spec, 1);
  } else {
    unsetenv("OCLNN_DEVICE");
    options.device = spec;
  }
  oclnn_status status = oclnn_context_create(&options, &ctx);
  cr_assert_eq(status, OCLNN_ERR_NO_DEVICE, "\"%s\" -> %s", spec, oclnn_status_string(status));
  cr_assert_null(ctx, "*out must be NULL on failure");
  const char *message = oclnn_context_error(NULL);
  cr_assert(strstr(message, spec), "the message does not name \"%s\": %s", spec, message);
  cr_assert(strstr(message, "oclnn_context_create"), "the message does not name the function: %s",
            message);

  int platform = -7, device = -7;
  status = oclnn_device_choose(through_env ? NULL : spec, &platform, &device);
  cr_assert_eq(status, OCLNN_ERR_NO_DEVICE, "oclnn_device_choose(\"%s\") -> %s", spec,
               oclnn_status_string(status));
  cr_assert(strstr(oclnn_context_error(NULL), spec), "%s", oclnn_context_error(NULL));
}

Test(context, unmatched_device_strings_fail_with_no_device) {
  assert_no_device("no-such-device-oclnn-test", false);
  assert_no_device("no-such-device-oclnn-test", true);
  assert_no_device("9:9", false);
  assert_no_device("9:9", true);
  assert_no_device("0:999", false);
}

Test(context, options_device_overrides_environment) {
  device_list *list = list_devices();
  setenv("OCLNN_DEVICE", "no-such-device-oclnn-test", 1);
  oclnn_context_options options = oclnn_context_options_default();
  options.device = "0:0";
  int index = created_device(list, &options);
  cr_assert_eq(list->platform_index[index], 0);
  cr_assert_eq(list->device_index[index], 0);
  /* And without options, the environment applies. */
  oclnn_context *ctx = NULL;
  cr_assert_eq(oclnn_context_create(NULL, &ctx), OCLNN_ERR_NO_DEVICE);
  cr_assert_null(ctx);
}

Test(context, device_choose_null_arguments) {
  int index = 0;
  cr_assert_eq(oclnn_device_choose("0:0", NULL, &index), OCLNN_ERR_NULL_ARGUMENT);
  cr_assert(strstr(oclnn_context_error(NULL), "oclnn_device_choose"), "%s",
            oclnn_context_error(NULL));
  cr_assert_eq(oclnn_device_choose("0:0", &index, NULL), OCLNN_ERR_NULL_ARGUMENT);
}

/* The temporary ICD directory of second_platform_order_and_names, removed at exit. */
static char vendors[64];

static void remove_vendors(void) {
  DIR *dir = opendir(vendors);
  for (struct dirent *e = dir ? readdir(dir) : NULL; e; e = readdir(dir)) {
    char path[512];
    snprintf(path, sizeof path, "%s/%s", vendors, e->d_name);
    if (e->d_name[0] != '.')
      unlink(path);
  }
  if (dir)
    closedir(dir);
  rmdir(vendors);
}

/* With oclgrind installed, a second platform (Debian's oclgrind ICD) next to the system's:
 * every "P:D" index and each platform's name must pick its own device, and the default must be
 * the first with the GPU type bit. (Oclgrind claims every device type and the ICD loader lists
 * it first here, so this cannot show GPU preferred over an earlier CPU; no such pair exists on
 * these machines.) OCL_ICD_VENDORS is read at the first OpenCL call, so it is set before any. */
Test(context, second_platform_order_and_names) {
  static const char *const icd_libraries[] = {
      "/usr/lib/oclgrind/liboclgrind-rt-icd.so",
      "/usr/lib/x86_64-linux-gnu/oclgrind/liboclgrind-rt-icd.so",
      "/usr/local/lib/liboclgrind-rt-icd.so"};
  const char *library = NULL;
  for (size_t i = 0; i < sizeof icd_libraries / sizeof icd_libraries[0] && !library; i++)
    if (access(icd_libraries[i], R_OK) == 0)
      library = icd_libraries[i];
  if (!library)
    cr_skip_test("oclgrind's ICD library is not installed: no second platform to order");
  snprintf(vendors, sizeof vendors, "/tmp/oclnn-context-vendors-XXXXXX");
  cr_assert_not_null(mkdtemp(vendors));
  atexit(remove_vendors);
  /* The system's ICD files, then oclgrind's. */
  int copied = 0;
  DIR *system_dir = opendir("/etc/OpenCL/vendors");
  for (struct dirent *e = system_dir ? readdir(system_dir) : NULL; e; e = readdir(system_dir)) {
    if (e->d_name[0] == '.')
      continue;
    char from[512], to[512];
    snprintf(from, sizeof from, "/etc/OpenCL/vendors/%s", e->d_name);
    snprintf(to, sizeof to, "%s/1-%s", vendors, e->d_name);
    char *text = test_read_file(from, NULL);
    if (!text)
      continue;
    FILE *file = fopen(to, "w");
    cr_assert_not_null(file);
    fputs(text, file);
    fclose(file);
    free(text);
    copied++;
  }
  if (system_dir)
    closedir(system_dir);
  char icd[512];
  snprintf(icd, sizeof icd, "%s/2-oclgrind.icd", vendors);
  FILE *file = fopen(icd, "w");
  cr_assert_not_null(file);
  fprintf(file, "%s\n", library);
  fclose(file);
  setenv("OCL_ICD_VENDORS", vendors, 1);
  unsetenv("OCL_ICD_FILENAMES");
  unsetenv("OCLNN_DEVICE");

  device_list *list = list_devices();
  if (copied == 0 || list->count < 2)
    cr_skip_test("the ICD loader did not list two devices (%d)", list->count);
  int expected = reference_default(list);
  cr_assert_eq(created_device(list, NULL), expected, "the default is not the first GPU (%s)",
               list->device_name[expected]);
  assert_choice(list, NULL, expected);
  for (int i = 0; i < list->count; i++) {
    char spec[300];
    snprintf(spec, sizeof spec, "%d:%d", list->platform_index[i], list->device_index[i]);
    assert_choice(list, spec, i);
    /* Each platform by its whole name, in upper case. */
    snprintf(spec, sizeof spec, "%s", list->platform_name[i]);
    for (char *c = spec; *c; c++)
      *c = (char)toupper((unsigned char)*c);
    int by_name = reference_by_name(list, spec);
    assert_choice(list, spec, by_name);
    oclnn_context_options options = oclnn_context_options_default();
    options.device = spec;
    cr_assert_eq(created_device(list, &options), by_name, "\"%s\"", spec);
  }
}

/* ---- wrapping the caller's objects ---------------------------------------------------------- */

typedef struct caller_cl {
  cl_platform_id platform;
  cl_device_id device;
  cl_context context;
  cl_command_queue queue;
} caller_cl;

static caller_cl caller_create(void) {
  unsetenv("OCLNN_DEVICE");
  device_list *list = list_devices();
  int index = reference_default(list);
  caller_cl cl = {list->platform[index], list->device[index], NULL, NULL};
  cl_context_properties properties[] = {CL_CONTEXT_PLATFORM, (cl_context_properties)cl.platform, 0};
  cl_int err = CL_SUCCESS;
  cl.context = clCreateContext(properties, 1, &cl.device, NULL, NULL, &err);
  cr_assert_eq(err, CL_SUCCESS);
  cl.queue = clCreateCommandQueue(cl.context, cl.device, 0, &err);
  cr_assert_eq(err, CL_SUCCESS);
  return cl;
}

static void caller_release(caller_cl *cl) {
  clReleaseCommandQueue(cl->queue);
  clReleaseContext(cl->context);
}

static cl_uint context_refs(cl_context context) {
  cl_uint count = 0;
  cr_assert_eq(clGetContextInfo(context, CL_CONTEXT_REFERENCE_COUNT, sizeof count, &count, NULL),
               CL_SUCCESS);
  return count;
}

static cl_uint queue_refs(cl_command_queue queue) {
  cl_uint count = 0;
  cr_assert_eq(clGetCommandQueueInfo(queue, CL_QUEUE_REFERENCE_COUNT, sizeof count, &count, NULL),
               CL_SUCCESS);
  return count;
}

static void sleep_ms(long ms) {
  struct timespec delay = {ms / 1000, (ms % 1000) * 1000000L};
  nanosleep(&delay, NULL);
}

/* A blocking write and read on the caller's queue. The OpenCL implementation itself holds
 * references to the queue for its latest commands (PoCL: its last event), so counts are
 * compared after the same settling commands on both sides. */
static void settle_queue(const caller_cl *cl) {
  cl_int err = CL_SUCCESS;
  float data[2] = {5, 6};
  cl_mem buffer = clCreateBuffer(cl->context, CL_MEM_READ_WRITE, sizeof data, NULL, &err);
  cr_assert_eq(err, CL_SUCCESS);
  cr_assert_eq(
      clEnqueueWriteBuffer(cl->queue, buffer, CL_TRUE, 0, sizeof data, data, 0, NULL, NULL),
      CL_SUCCESS);
  cr_assert_eq(clEnqueueReadBuffer(cl->queue, buffer, CL_TRUE, 0, sizeof data, data, 0, NULL, NULL),
               CL_SUCCESS);
  cr_assert_eq(clFinish(cl->queue), CL_SUCCESS);
  clReleaseMemObject(buffer);
}

/* The implementation may release its references to finished commands a little after clFinish
 * returns; give it up to 2 s, then compare exactly. */
static void assert_refs_back(const caller_cl *cl, cl_uint context_before, cl_uint queue_before) {
  settle_queue(cl);
  for (int i = 0; i < 200 && (context_refs(cl->context) != context_before ||
                              queue_refs(cl->queue) != queue_before);
       i++)
    sleep_ms(10);
  cr_assert_eq(context_refs(cl->context), context_before,
               "the caller's context has %u references, it had %u", context_refs(cl->context),
               context_before);
  cr_assert_eq(queue_refs(cl->queue), queue_before,
               "the caller's queue has %u references, it had %u", queue_refs(cl->queue),
               queue_before);
}

static void assert_caller_objects_work(const caller_cl *cl) {
  cl_int err = CL_SUCCESS;
  float data[4] = {1, 2, 3, 4}, back[4] = {0, 0, 0, 0};
  cl_mem buffer = clCreateBuffer(cl->context, CL_MEM_READ_WRITE, sizeof data, NULL, &err);
  cr_assert_eq(err, CL_SUCCESS, "the caller's context no longer creates buffers (%d)", err);
  cr_assert_eq(
      clEnqueueWriteBuffer(cl->queue, buffer, CL_TRUE, 0, sizeof data, data, 0, NULL, NULL),
      CL_SUCCESS);
  cr_assert_eq(clEnqueueReadBuffer(cl->queue, buffer, CL_TRUE, 0, sizeof back, back, 0, NULL, NULL),
               CL_SUCCESS);
  cr_assert_eq(clFinish(cl->queue), CL_SUCCESS);
  cr_assert_arr_eq(back, data, sizeof data);
  clReleaseMemObject(buffer);
}

/* ReflectionPad1d(2) of [0, 1, 2, 3] is [2, 1, 0, 1, 2, 3, 2, 1]. */
static const float PAD_IN[4] = {0, 1, 2, 3};
static const double PAD_WANT[8] = {2, 1, 0, 1, 2, 3, 2, 1};

Test(context, wrapped_objects_stay_the_callers, .timeout = 60) {
  caller_cl cl = caller_create();
  /* Baseline before any command or buffer: the implementation's own references to a queue's
   * commands live as long as the buffers they used (PoCL keeps each buffer's last event) and
   * are dropped asynchronously after that. */
  cl_uint context_before = context_refs(cl.context), queue_before = queue_refs(cl.queue);
  cl_int err = CL_SUCCESS;
  cl_mem in_buffer = clCreateBuffer(cl.context, CL_MEM_READ_ONLY | CL_MEM_COPY_HOST_PTR,
                                    sizeof PAD_IN, (void *)PAD_IN, &err);
  cr_assert_eq(err, CL_SUCCESS);
  cl_mem out_buffer = clCreateBuffer(cl.context, CL_MEM_READ_WRITE, 8 * sizeof(float), NULL, &err);
  cr_assert_eq(err, CL_SUCCESS);

  oclnn_context *ctx = (oclnn_context *)(uintptr_t)1;
  TEST_OK(NULL, oclnn_context_create_from_cl(cl.context, cl.device, cl.queue, NULL, &ctx));
  cr_assert_not_null(ctx);
  cr_assert_eq(oclnn_context_cl_context(ctx), cl.context);
  cr_assert_eq(oclnn_context_cl_device(ctx), cl.device);
  cr_assert_eq(oclnn_context_cl_queue(ctx), cl.queue);

  const int64_t in_shape[2] = {1, 4}, out_shape[2] = {1, 8};
  oclnn_tensor in = oclnn_tensor_view(in_buffer, 0, 2, in_shape);
  oclnn_tensor out = oclnn_tensor_view(out_buffer, 0, 2, out_shape);
  oclnn_pad_desc desc = oclnn_pad_desc_default(1, OCLNN_PAD_REFLECT, 2);
  oclnn_pad *pad = NULL;
  TEST_OK(ctx, oclnn_pad_create(ctx, &desc, &pad));
  TEST_OK(ctx, oclnn_pad_forward(pad, &in, &out));
  /* Synchronising download through oclnn on the caller's queue. */
  float got[8];
  TEST_OK(ctx, oclnn_tensor_download(ctx, &out, got, 8));
  test_assert_close("reflect pad through a wrapped context", got, PAD_WANT, 8, 0, 0);
  TEST_OK(ctx, oclnn_context_finish(ctx));
  oclnn_pad_free(pad);
  oclnn_context_free(ctx);

  cr_assert_eq(clFinish(cl.queue), CL_SUCCESS);
  clReleaseMemObject(in_buffer);
  clReleaseMemObject(out_buffer);
  assert_refs_back(&cl, context_before, queue_before);
  assert_caller_objects_work(&cl);
  caller_release(&cl);
}

/* oclnn must never wait on the caller's queue: with the queue held back by a user event that
 * only the test completes, creating, enqueuing and freeing all return. A clFinish on the
 * caller's queue would hang here (and the timeout fail the test). */
Test(context, wrapped_queue_is_never_waited_on, .timeout = 30) {
  caller_cl cl = caller_create();
  /* Baseline before any command or buffer: the implementation's own references to a queue's
   * commands live as long as the buffers they used (PoCL keeps each buffer's last event) and
   * are dropped asynchronously after that. */
  cl_uint context_before = context_refs(cl.context), queue_before = queue_refs(cl.queue);
  cl_int err = CL_SUCCESS;
  cl_mem in_buffer = clCreateBuffer(cl.context, CL_MEM_READ_ONLY | CL_MEM_COPY_HOST_PTR,
                                    sizeof PAD_IN, (void *)PAD_IN, &err);
  cr_assert_eq(err, CL_SUCCESS);
  float sentinel[8] = {-9, -9, -9, -9, -9, -9, -9, -9};
  cl_mem out_buffer = clCreateBuffer(cl.context, CL_MEM_READ_WRITE | CL_MEM_COPY_HOST_PTR,
                                     sizeof sentinel, sentinel, &err);
  cr_assert_eq(err, CL_SUCCESS);

  cl_event gate = clCreateUserEvent(cl.context, &err);
  cr_assert_eq(err, CL_SUCCESS);
  cr_assert_eq(clEnqueueMarkerWithWaitList(cl.queue, 1, &gate, NULL), CL_SUCCESS);

  oclnn_context *ctx = NULL;
  TEST_OK(NULL, oclnn_context_create_from_cl(cl.context, cl.device, cl.queue, NULL, &ctx));
  const int64_t in_shape[2] = {1, 4}, out_shape[2] = {1, 8};
  oclnn_tensor in = oclnn_tensor_view(in_buffer, 0, 2, in_shape);
  oclnn_tensor out = oclnn_tensor_view(out_buffer, 0, 2, out_shape);
  oclnn_pad_desc desc = oclnn_pad_desc_default(1, OCLNN_PAD_REFLECT, 2);
  oclnn_pad *pad = NULL;
  TEST_OK(ctx, oclnn_pad_create(ctx, &desc, &pad));
  TEST_OK(ctx, oclnn_pad_forward(pad, &in, &out));
  oclnn_pad_free(pad);
  oclnn_context_free(ctx); /* must not clFinish the caller's queue */

  /* Nothing has run yet: the gate is still closed. */
  cl_int gate_status = 0;
  clGetEventInfo(gate, CL_EVENT_COMMAND_EXECUTION_STATUS, sizeof gate_status, &gate_status, NULL);
  cr_assert_neq(gate_status, CL_COMPLETE);

  cr_assert_eq(clSetUserEventStatus(gate, CL_COMPLETE), CL_SUCCESS);
  float got[8];
  cr_assert_eq(
      clEnqueueReadBuffer(cl.queue, out_buffer, CL_TRUE, 0, sizeof got, got, 0, NULL, NULL),
      CL_SUCCESS);
  test_assert_close("reflect pad enqueued behind a user event", got, PAD_WANT, 8, 0, 0);
  cr_assert_eq(clFinish(cl.queue), CL_SUCCESS);
  clReleaseEvent(gate);
  clReleaseMemObject(in_buffer);
  clReleaseMemObject(out_buffer);
  assert_refs_back(&cl, context_before, queue_before);
  assert_caller_objects_work(&cl);
  caller_release(&cl);
}

Test(context, wrapped_queue_of_another_context_is_refused) {
  caller_cl a = caller_create();
  cl_int err = CL_SUCCESS;
  cl_context other = clCreateContext(NULL, 1, &a.device, NULL, NULL, &err);
  cr_assert_eq(err, CL_SUCCESS);
  cl_uint other_before = context_refs(other), a_before = context_refs(a.context),
          queue_before = queue_refs(a.queue);

  oclnn_context *ctx = (oclnn_context *)(uintptr_t)1;
  oclnn_status status = oclnn_context_create_from_cl(other, a.device, a.queue, NULL, &ctx);
  cr_assert_eq(status, OCLNN_ERR_INVALID_VALUE, "-> %s", oclnn_status_string(status));
  cr_assert_null(ctx);
  const char *message = oclnn_context_error(NULL);
  cr_assert(strstr(message, "oclnn_context_create_from_cl") && strstr(message, "queue"),
            "the message should name the function and the queue: %s", message);
  cr_assert_eq(context_refs(other), other_before, "a refused context was retained");
  cr_assert_eq(context_refs(a.context), a_before);
  cr_assert_eq(queue_refs(a.queue), queue_before, "a refused queue was retained");
  clReleaseContext(other);
  caller_release(&a);
}

Test(context, wrapped_out_of_order_queue_is_refused) {
  caller_cl cl = caller_create();
  cl_int err = CL_SUCCESS;
  cl_command_queue unordered =
      clCreateCommandQueue(cl.context, cl.device, CL_QUEUE_OUT_OF_ORDER_EXEC_MODE_ENABLE, &err);
  if (err != CL_SUCCESS) {
    caller_release(&cl);
    cr_skip_test("the device has no out-of-order queues (%d)", err);
  }
  cl_uint queue_before = queue_refs(unordered), context_before = context_refs(cl.context);
  oclnn_context *ctx = (oclnn_context *)(uintptr_t)1;
  oclnn_status status = oclnn_context_create_from_cl(cl.context, cl.device, unordered, NULL, &ctx);
  cr_assert_eq(status, OCLNN_ERR_INVALID_VALUE, "-> %s", oclnn_status_string(status));
  cr_assert_null(ctx);
  cr_assert(strstr(oclnn_context_error(NULL), "queue"), "%s", oclnn_context_error(NULL));
  cr_assert_eq(queue_refs(unordered), queue_before, "a refused queue was retained");
  cr_assert_eq(context_refs(cl.context), context_before, "a refused context was retained");
  clReleaseCommandQueue(unordered);
  caller_release(&cl);
}

Test(context, wrapped_queue_of_another_device_is_refused) {
  caller_cl a = caller_create();
  cl_device_partition_property partition[] = {CL_DEVICE_PARTITION_EQUALLY, 1, 0};
  cl_device_id sub[64];
  cl_uint sub_count = 0;
  if (clCreateSubDevices(a.device, partition, 64, sub, &sub_count) != CL_SUCCESS ||
      sub_count == 0) {
    caller_release(&a);
    cr_skip_test("the device cannot be partitioned, so there is no second device to mismatch");
  }
  /* The queue is on the root device; the sub-device is another cl_device_id. */
  oclnn_context *ctx = NULL;
  cl_uint queue_before = queue_refs(a.queue);
  oclnn_status status = oclnn_context_create_from_cl(a.context, sub[0], a.queue, NULL, &ctx);
  cr_assert_eq(status, OCLNN_ERR_INVALID_VALUE, "-> %s", oclnn_status_string(status));
  cr_assert_null(ctx);
  cr_assert(strstr(oclnn_context_error(NULL), "queue"), "%s", oclnn_context_error(NULL));
  cr_assert_eq(queue_refs(a.queue), queue_before);
  for (cl_uint i = 0; i < sub_count && i < 64; i++)
    clReleaseDevice(sub[i]);
  caller_release(&a);
}

Test(context, null_arguments) {
  cr_assert_eq(oclnn_context_create(NULL, NULL), OCLNN_ERR_NULL_ARGUMENT);
  cr_assert(strstr(oclnn_context_error(NULL), "oclnn_context_create"), "%s",
            oclnn_context_error(NULL));
  cr_assert(strstr(oclnn_context_error(NULL), "out"), "%s", oclnn_context_error(NULL));

  caller_cl cl = caller_create();
  struct {
    cl_context context;
    cl_device_id device;
    cl_command_queue queue;
    const char *name;
  } cases[] = {
      {NULL, cl.device, cl.queue, "context"},
      {cl.context, NULL, cl.queue, "device"},
      {cl.context, cl.device, NULL, "queue"},
  };
  for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
    oclnn_context *ctx = (oclnn_context *)(uintptr_t)1;
    oclnn_status status =
        oclnn_context_create_from_cl(cases[i].context, cases[i].device, cases[i].queue, NULL, &ctx);
    cr_assert_eq(status, OCLNN_ERR_NULL_ARGUMENT, "%s NULL -> %s", cases[i].name,
                 oclnn_status_string(status));
    cr_assert_null(ctx);
    const char *message = oclnn_context_error(NULL);
    cr_assert(strstr(message, "oclnn_context_create_from_cl") && strstr(message, cases[i].name),
              "the message should name the function and %s: %s", cases[i].name, message);
  }
  cr_assert_eq(oclnn_context_create_from_cl(cl.context, cl.device, cl.queue, NULL, NULL),
               OCLNN_ERR_NULL_ARGUMENT);
  cr_assert(strstr(oclnn_context_error(NULL), "out"), "%s", oclnn_context_error(NULL));
  caller_release(&cl);

  cr_assert_eq(oclnn_context_finish(NULL), OCLNN_ERR_NULL_ARGUMENT);
  cr_assert(strstr(oclnn_context_error(NULL), "oclnn_context_finish"), "%s",
            oclnn_context_error(NULL));
  cr_assert_null(oclnn_context_cl_context(NULL));
  cr_assert_null(oclnn_context_cl_device(NULL));
  cr_assert_null(oclnn_context_cl_queue(NULL));
  cr_assert_null(oclnn_context_cache_dir(NULL));
}

Test(context, free_null_is_a_no_op) {
  oclnn_context_free(NULL);
  oclnn_pad_free(NULL);
  oclnn_tensor_free(NULL);
  oclnn_tensor zero;
  memset(&zero, 0, sizeof zero);
  oclnn_tensor_free(&zero);
  cr_assert_null(zero.buffer);
}

/* ---- status codes and messages -------------------------------------------------------------- */

Test(context, every_status_has_its_name_and_description) {
  int count = 0;
#define CHECK_STATUS(name, value, text)                                                           \
  do {                                                                                            \
    cr_assert_eq((int)name, value, #name " is %d, listed as %d", (int)name, value);               \
    cr_assert_str_eq(oclnn_status_string(name), #name);                                           \
    cr_assert_str_eq(oclnn_status_description(name), text);                                       \
    cr_assert_str_neq(oclnn_status_description(name), oclnn_status_description((oclnn_status)-1), \
                      #name " has the unknown code's description");                               \
    count++;                                                                                      \
  } while (0);
  OCLNN_STATUS_LIST(CHECK_STATUS)
#undef CHECK_STATUS
  cr_assert_eq(OCLNN_SUCCESS, 0);
  cr_assert_gt(count, 1);

  /* Values are distinct and every other value is unknown. */
  static const int values[] = {
#define STATUS_VALUE(name, value, text) value,
      OCLNN_STATUS_LIST(STATUS_VALUE)
#undef STATUS_VALUE
  };
  for (int i = 0; i < count; i++)
    for (int j = i + 1; j < count; j++)
      cr_assert_neq(values[i], values[j], "two codes share value %d", values[i]);
  const int unknown[] = {-1, count, 1000, 12345, -2147483647};
  for (size_t i = 0; i < sizeof unknown / sizeof unknown[0]; i++) {
    oclnn_status status = (oclnn_status)unknown[i];
    bool listed = false;
    for (int j = 0; j < count; j++)
      listed = listed || values[j] == unknown[i];
    if (listed)
      continue;
    cr_assert_str_eq(oclnn_status_string(status), "OCLNN_UNKNOWN_STATUS", "code %d", unknown[i]);
    const char *description = oclnn_status_description(status);
    cr_assert_not_null(description);
    cr_assert_gt(strlen(description), 0u);
  }
}

Test(context, version_matches_the_header) {
  char expected[32];
  snprintf(expected, sizeof expected, "%d.%d.%d", OCLNN_VERSION_MAJOR, OCLNN_VERSION_MINOR,
           OCLNN_VERSION_PATCH);
  cr_assert_str_eq(OCLNN_VERSION_STRING, expected);
  cr_assert_str_eq(oclnn_version(), OCLNN_VERSION_STRING);
}

Test(context, failed_create_leaves_a_message_for_null_context) {
  oclnn_context_options options = oclnn_context_options_default();
  options.device = "no-such-device-message-test";
  oclnn_context *ctx = NULL;
  cr_assert_eq(oclnn_context_create(&options, &ctx), OCLNN_ERR_NO_DEVICE);
  const char *message = oclnn_context_error(NULL);
  cr_assert_not_null(message);
  cr_assert(strstr(message, "oclnn_context_create") && strstr(message, options.device), "%s",
            message);

  /* Errors on a context go to that context, not to the thread's message. */
  oclnn_context *good = test_context();
  oclnn_tensor t;
  int64_t shape[1] = {-3};
  cr_assert_eq(oclnn_tensor_alloc(good, 1, shape, &t), OCLNN_ERR_INVALID_SHAPE);
  cr_assert(strstr(oclnn_context_error(good), "oclnn_tensor_alloc"), "%s",
            oclnn_context_error(good));
  cr_assert(strstr(oclnn_context_error(NULL), options.device),
            "a context's error replaced the thread's message: %s", oclnn_context_error(NULL));
}

static void *fail_in_thread(void *arg) {
  oclnn_context_options options = oclnn_context_options_default();
  options.device = arg;
  oclnn_context *ctx = NULL;
  oclnn_status status = oclnn_context_create(&options, &ctx);
  bool ok = status == OCLNN_ERR_NO_DEVICE && strstr(oclnn_context_error(NULL), (const char *)arg);
  return ok ? arg : NULL;
}

Test(context, context_less_messages_are_per_thread) {
  oclnn_context_options options = oclnn_context_options_default();
  options.device = "main-thread-device-name";
  oclnn_context *ctx = NULL;
  cr_assert_eq(oclnn_context_create(&options, &ctx), OCLNN_ERR_NO_DEVICE);

  pthread_t thread;
  char other[] = "other-thread-device-name";
  cr_assert_eq(pthread_create(&thread, NULL, fail_in_thread, other), 0);
  void *result = NULL;
  cr_assert_eq(pthread_join(thread, &result), 0);
  cr_assert_eq(result, other, "the other thread did not see its own message");
  cr_assert(strstr(oclnn_context_error(NULL), "main-thread-device-name"),
            "another thread's failure replaced this thread's message: %s",
            oclnn_context_error(NULL));
}
