#include "test_support.h"

Test(smoke, status_strings_name_every_code) {
  cr_assert_str_eq(oclnn_status_string(OCLNN_SUCCESS), "OCLNN_SUCCESS");
  cr_assert_str_eq(oclnn_status_string(OCLNN_ERR_BUILD), "OCLNN_ERR_BUILD");
  cr_assert_str_eq(oclnn_status_string((oclnn_status)12345), "OCLNN_UNKNOWN_STATUS");
}

Test(smoke, reflect_pad_small) {
  oclnn_context *ctx = test_context();
  const int64_t shape[2] = {1, 4}, out_shape[2] = {1, 8};
  const float host[4] = {0, 1, 2, 3};
  oclnn_tensor in = test_tensor_from_host(ctx, 2, shape, host), out;
  TEST_OK(ctx, oclnn_tensor_alloc(ctx, 2, out_shape, &out));
  oclnn_pad_desc desc = oclnn_pad_desc_default(1, OCLNN_PAD_REFLECT, 2);
  oclnn_pad *pad = NULL;
  TEST_OK(ctx, oclnn_pad_create(ctx, &desc, &pad));
  TEST_OK(ctx, oclnn_pad_forward(pad, &in, &out));
  float got[8];
  TEST_OK(ctx, oclnn_tensor_download(ctx, &out, got, 8));
  const double want[8] = {2, 1, 0, 1, 2, 3, 2, 1};
  test_assert_close("reflect", got, want, 8, 0, 0);
  oclnn_pad_free(pad);
  oclnn_tensor_free(&in);
  oclnn_tensor_free(&out);
}
