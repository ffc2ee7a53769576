/* Convolution, generic algorithm (kernels_cl/conv_generic.cl): one output element per
 * work-item, weights in PyTorch's layout, every configuration (input_upsample included). One
 * program for all of them. */
#include "layers/conv_internal.h"

#include <string.h>

#define GENERIC_FILE "conv_generic.cl"
#define GENERIC_OPTIONS ""
#define GENERIC_LOCAL 64

static bool generic_supports(const oclnn_conv *conv) {
  (void)conv;
  return true;
}

static oclnn_status generic_init(oclnn_conv *conv, const char *fn) {
  oclnn_status status =
      oclnn__program_get(conv->ctx, fn, GENERIC_FILE, GENERIC_OPTIONS, &conv->program[0]);
  if (status == OCLNN_SUCCESS)
    status =
        oclnn__kernel_create(conv->ctx, fn, conv->program[0], "conv_generic", &conv->kernel_obj[0]);
  return status;
}

static oclnn_status generic_run(oclnn_conv *conv, const char *fn, const oclnn__conv_call *call) {
  oclnn_context *ctx = conv->ctx;
  /* The output's element count was checked to fit int64 bytes, so it fits cl_ulong. */
  cl_ulong total = (cl_ulong)call->batch * (cl_ulong)conv->channels_out;
  for (int i = 0; i < 3; i++)
    total *= (cl_ulong)call->out[i];
  if (total > (cl_ulong)(SIZE_MAX - GENERIC_LOCAL))
    return oclnn__fail(ctx, OCLNN_ERR_OVERFLOW, "%s: %llu outputs are too many to launch", fn,
                       (unsigned long long)total);
  cl_kernel k = conv->kernel_obj[0];
  cl_int err = CL_SUCCESS;
  cl_uint arg = 0;
  cl_int mode = (cl_int)conv->desc.padding_mode;
  err = oclnn__conv_set_call_args(k, &arg, call);
  OCLNN__CONV_ARG(k, arg, err, total);
  OCLNN__CONV_ARG(k, arg, err, conv->channels_in);
  OCLNN__CONV_ARG(k, arg, err, conv->channels_out);
  OCLNN__CONV_ARG(k, arg, err, conv->groups);
  for (int i = 0; i < 3; i++)
    OCLNN__CONV_ARG(k, arg, err, call->in[i]);
  for (int i = 0; i < 3; i++)
    OCLNN__CONV_ARG(k, arg, err, call->out[i]);
  for (int i = 0; i < 3; i++)
    OCLNN__CONV_ARG(k, arg, err, conv->kernel[i]);
  for (int i = 0; i < 3; i++)
    OCLNN__CONV_ARG(k, arg, err, conv->stride[i]);
  for (int i = 0; i < 3; i++)
    OCLNN__CONV_ARG(k, arg, err, conv->dilation[i]);
  for (int i = 0; i < 3; i++)
    OCLNN__CONV_ARG(k, arg, err, conv->pad_before[i]);
  OCLNN__CONV_ARG(k, arg, err, mode);
  for (int i = 0; i < 3; i++)
    OCLNN__CONV_ARG(k, arg, err, conv->upsample[i]);
  if (err != CL_SUCCESS)
    return oclnn__fail_cl(ctx, fn, "clSetKernelArg (conv_generic)", err);
  size_t local = GENERIC_LOCAL;
  size_t global = oclnn__conv_round_up((size_t)total, local);
  return oclnn__enqueue(ctx, fn, conv->program[0], k, 1, &global, &local);
}

void oclnn__conv_generic_variants(oclnn__variant_fn each, void *user) {
  each(user, GENERIC_FILE, GENERIC_OPTIONS);
}

const oclnn__conv_ops oclnn__conv_generic_ops = {
    .algo = OCLNN_CONV_ALGO_GENERIC,
    .supports = generic_supports,
    .init = generic_init,
    .packed_floats = NULL,
    .pack = NULL,
    .scratch_floats = NULL,
    .run = generic_run,
};
