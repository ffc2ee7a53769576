/* cl_kernel_profile: an LD_PRELOAD shim that times every OpenCL kernel launch of a program with
 * the queue's profiling events and prints, at exit, the launches, total and mean device time
 * per kernel name (to stderr). The queue must have CL_QUEUE_PROFILING_ENABLE (oclnn's own queue
 * has). Used for the per-kernel profiles in docs/norm.md; not part of the library or its build:
 *
 *   cc -O2 -shared -fPIC tools/cl_kernel_profile.c -o /tmp/cl_kernel_profile.so -ldl -lOpenCL
 *   LD_PRELOAD=/tmp/cl_kernel_profile.so build/tools/oclnn-bench --suite norm --case eval
 */
#define _GNU_SOURCE
#define CL_TARGET_OPENCL_VERSION 120
#include <CL/cl.h>
#include <dlfcn.h>
#include <stdio.h>
#include <string.h>

#define MAX_PENDING 4096
#define MAX_NAMES 64

typedef struct pending {
  cl_event event;
  char name[64];
} pending;

typedef struct total {
  char name[64];
  unsigned long launches;
  double ms;
} total;

static pending queue_of[MAX_PENDING];
static int pending_count;
static total totals[MAX_NAMES];
static int name_count;

static void account(const pending *p) {
  cl_ulong start = 0, end = 0;
  if (clGetEventProfilingInfo(p->event, CL_PROFILING_COMMAND_START, sizeof start, &start, NULL) !=
          CL_SUCCESS ||
      clGetEventProfilingInfo(p->event, CL_PROFILING_COMMAND_END, sizeof end, &end, NULL) !=
          CL_SUCCESS)
    return;
  int i = 0;
  while (i < name_count && strcmp(totals[i].name, p->name) != 0)
    i++;
  if (i == name_count) {
    if (name_count == MAX_NAMES)
      return;
    snprintf(totals[name_count++].name, sizeof totals[0].name, "%s", p->name);
  }
  totals[i].launches++;
  totals[i].ms += (double)(end - start) * 1e-6;
}

static void drain(void) {
  for (int i = 0; i < pending_count; i++) {
    clWaitForEvents(1, &queue_of[i].event);
    account(&queue_of[i]);
    clReleaseEvent(queue_of[i].event);
  }
  pending_count = 0;
}

cl_int clEnqueueNDRangeKernel(cl_command_queue q, cl_kernel k, cl_uint dim, const size_t *offset,
                              const size_t *global, const size_t *local, cl_uint waits,
                              const cl_event *wait_list, cl_event *event) {
  typedef cl_int (*real_fn)(cl_command_queue, cl_kernel, cl_uint, const size_t *, const size_t *,
                            const size_t *, cl_uint, const cl_event *, cl_event *);
  static real_fn real;
  if (!real)
    real = (real_fn)dlsym(RTLD_NEXT, "clEnqueueNDRangeKernel");
  if (pending_count == MAX_PENDING)
    drain();
  cl_event mine = NULL;
  cl_int err = real(q, k, dim, offset, global, local, waits, wait_list, &mine);
  if (err != CL_SUCCESS)
    return err;
  pending *p = &queue_of[pending_count++];
  p->event = mine;
  p->name[0] = '\0';
  clGetKernelInfo(k, CL_KERNEL_FUNCTION_NAME, sizeof p->name, p->name, NULL);
  p->name[sizeof p->name - 1] = '\0';
  if (event) {
    clRetainEvent(mine);
    *event = mine;
  }
  return err;
}

cl_int clFinish(cl_command_queue q) {
  typedef cl_int (*real_fn)(cl_command_queue);
  static real_fn real;
  if (!real)
    real = (real_fn)dlsym(RTLD_NEXT, "clFinish");
  cl_int err = real(q);
  drain();
  return err;
}

__attribute__((destructor)) static void report(void) {
  drain();
  fprintf(stderr, "%-24s %10s %12s %10s\n", "kernel", "launches", "total_ms", "mean_ms");
  for (int i = 0; i < name_count; i++)
    fprintf(stderr, "%-24s %10lu %12.3f %10.4f\n", totals[i].name, totals[i].launches, totals[i].ms,
            totals[i].ms / (double)totals[i].launches);
}
