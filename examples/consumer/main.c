/*
 * The smallest useful oclnn program, built by tests/install.cmake against an installed oclnn,
 * once with find_package(oclnn) (CMakeLists.txt here) and once with pkg-config. It pads
 * [0 1 2 3] by 2 on each side with ReflectionPad1d on the default device and checks the result.
 */
#include <oclnn.h>
#include <stdio.h>
#include <string.h>

int main(void) {
  if (strcmp(oclnn_version(), OCLNN_VERSION_STRING) != 0) {
    fprintf(stderr, "consumer: header is %s but the library is %s\n", OCLNN_VERSION_STRING,
            oclnn_version());
    return 1;
  }
  oclnn_context *ctx = NULL;
  oclnn_status s = oclnn_context_create(NULL, &ctx);
  if (s != OCLNN_SUCCESS) {
    fprintf(stderr, "consumer: oclnn_context_create: %s: %s\n", oclnn_status_string(s),
            oclnn_context_error(NULL));
    return 1;
  }

  const int64_t in_shape[2] = {1, 4};
  int64_t out_shape[2] = {0, 0};
  const float host[4] = {0, 1, 2, 3}, want[8] = {2, 1, 0, 1, 2, 3, 2, 1};
  float got[8] = {0};
  oclnn_tensor in = {0}, out = {0};
  oclnn_pad *pad = NULL;
  oclnn_pad_desc desc = oclnn_pad_desc_default(1, OCLNN_PAD_REFLECT, 2);
  int failed = 1;
  if ((s = oclnn_tensor_alloc(ctx, 2, in_shape, &in)) != OCLNN_SUCCESS ||
      (s = oclnn_tensor_upload(ctx, &in, host, 4)) != OCLNN_SUCCESS ||
      (s = oclnn_pad_create(ctx, &desc, &pad)) != OCLNN_SUCCESS ||
      (s = oclnn_pad_output_shape(pad, 2, in_shape, out_shape)) != OCLNN_SUCCESS ||
      (s = oclnn_tensor_alloc(ctx, 2, out_shape, &out)) != OCLNN_SUCCESS ||
      (s = oclnn_pad_forward(pad, &in, &out)) != OCLNN_SUCCESS ||
      (s = oclnn_tensor_download(ctx, &out, got, 8)) != OCLNN_SUCCESS)
    fprintf(stderr, "consumer: %s: %s\n", oclnn_status_string(s), oclnn_context_error(ctx));
  else if (memcmp(got, want, sizeof want) != 0)
    fprintf(stderr, "consumer: got [%g %g %g %g %g %g %g %g]\n", (double)got[0], (double)got[1],
            (double)got[2], (double)got[3], (double)got[4], (double)got[5], (double)got[6],
            (double)got[7]);
  else
    failed = 0;

  oclnn_pad_free(pad);
  oclnn_tensor_free(&out);
  oclnn_tensor_free(&in);
  oclnn_context_free(ctx);
  if (!failed)
    printf("consumer: oclnn %s: ReflectionPad1d(2) of [0 1 2 3] is [2 1 0 1 2 3 2 1]\n",
           oclnn_version());
  return failed;
}
