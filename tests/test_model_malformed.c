/* The model loader and runner on bad input: the malformed models of
 * tests/data/onnx/malformed (one broken rule each, made by
 * tools/gen_onnx_nets.py, listed with the status and the words the message must
 * contain in malformed.txt), every truncation of a small net, every byte of it
 * flipped, empty and non-ONNX files, the fuzzer's regression inputs
 * (tests/fuzz/corpus), and wrong inputs at run time. Each must give a
 * documented status and a message, leave *out NULL and the caller's output
 * untouched; ASan/valgrind runs of this suite check for leaks. */
#include "npy.h"
#include "test_support.h"

#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* The statuses a load may fail with on a bad file (model.h). */
static int is_load_error(oclnn_status s) {
  return s == OCLNN_ERR_INVALID_VALUE || s == OCLNN_ERR_INVALID_SHAPE || s == OCLNN_ERR_OVERFLOW ||
         s == OCLNN_ERR_UNSUPPORTED || s == OCLNN_ERR_OUT_OF_MEMORY;
}

static const char *data_dir(void) {
  const char *dir = getenv("OCLNN_TEST_DATA");
  return dir && *dir ? dir : OCLNN_SOURCE_DIR "/tests/data";
}

static char *read_data(const char *relative, size_t *size) {
  char path[1024];
  snprintf(path, sizeof path, "%s/%s", data_dir(), relative);
  char *bytes = test_read_file(path, size);
  cr_assert(bytes, "cannot read %s", path);
  return bytes;
}

/* Loads `size` bytes and checks the failure contract; returns the status. */
static oclnn_status load_bytes(oclnn_context *ctx, const void *bytes, size_t size,
                               oclnn_model **model) {
  *model = (oclnn_model *)(uintptr_t)1; /* must be overwritten with NULL on failure */
  oclnn_status s = oclnn_model_load_buffer(ctx, bytes, size, model);
  if (s != OCLNN_SUCCESS) {
    cr_assert_null(*model, "a failed load (%s) left *out set", oclnn_status_string(s));
    cr_assert(oclnn_context_error(ctx)[0] != '\0', "%s without a message", oclnn_status_string(s));
  } else {
    cr_assert_not_null(*model);
  }
  return s;
}

/* Plans a loaded model for its declared input shapes, free dims 8: shape errors that depend
 * on the input show up here rather than at load time. */
static oclnn_status plan_declared_shape(oclnn_context *ctx, oclnn_model *model) {
  int n_in = oclnn_model_input_count(model), n_out = oclnn_model_output_count(model);
  cr_assert(n_in >= 1 && n_in <= 4 && n_out >= 1);
  oclnn_tensor in[4];
  for (int i = 0; i < n_in; ++i) {
    int rank = 0;
    int64_t shape[OCLNN_MAX_RANK];
    TEST_OK(ctx, oclnn_model_input_info(model, i, NULL, &rank, shape));
    for (int d = 0; d < rank; ++d)
      if (shape[d] < 0)
        shape[d] = 8;
    in[i] = oclnn_tensor_view(NULL, 0, rank, shape);
  }
  int rank = 0;
  int64_t shape[OCLNN_MAX_RANK];
  return oclnn_model_output_shape(model, in, n_in, 0, &rank, shape);
}

static oclnn_status status_from_name(const char *name) {
  for (int s = 0; s <= OCLNN_ERR_IO; ++s)
    if (!strcmp(oclnn_status_string((oclnn_status)s), name))
      return (oclnn_status)s;
  cr_assert_fail("unknown status %s in malformed.txt", name);
  return OCLNN_SUCCESS;
}

Test(model_malformed, each_broken_rule_has_its_status_and_message) {
  oclnn_context *ctx = test_context();
  char path[1024];
  snprintf(path, sizeof path, "%s/onnx/malformed.txt", data_dir());
  FILE *f = fopen(path, "r");
  cr_assert(f, "cannot open %s", path);
  char line[512];
  int cases = 0;
  while (fgets(line, sizeof line, f)) {
    if (line[0] == '#' || line[0] == '\n')
      continue;
    char name[64], status_name[48];
    int used = 0;
    cr_assert(sscanf(line, "%63s %47s %n", name, status_name, &used) == 2, "bad line: %s", line);
    oclnn_status want = status_from_name(status_name);
    char file[128];
    snprintf(file, sizeof file, "onnx/malformed/%s.onnx", name);
    size_t size = 0;
    char *bytes = read_data(file, &size);
    oclnn_model *model = NULL;
    oclnn_status got = load_bytes(ctx, bytes, size, &model);
    if (got == OCLNN_SUCCESS && want != OCLNN_SUCCESS)
      got = plan_declared_shape(ctx, model);
    cr_expect_eq(got, want, "%s: %s (%s), expected %s", name, oclnn_status_string(got),
                 got ? oclnn_context_error(ctx) : "", status_name);
    if (got == want && got != OCLNN_SUCCESS) {
      const char *message = oclnn_context_error(ctx);
      char *words = line + used;
      for (char *w = strtok(words, " \n"); w; w = strtok(NULL, " \n"))
        cr_expect(strstr(message, w) != NULL, "%s: the message \"%s\" does not name '%s'", name,
                  message, w);
    }
    oclnn_model_free(model);
    free(bytes);
    cases++;
  }
  fclose(f);
  cr_assert(cases >= 10, "only %d cases in %s", cases, path);
}

Test(model_malformed, null_empty_missing_and_foreign_files) {
  oclnn_context *ctx = test_context();
  oclnn_model *model = NULL;
  cr_assert_eq(oclnn_model_load_buffer(NULL, "x", 1, &model), OCLNN_ERR_NULL_ARGUMENT);
  cr_assert_eq(oclnn_model_load_buffer(ctx, NULL, 1, &model), OCLNN_ERR_NULL_ARGUMENT);
  cr_assert_eq(oclnn_model_load_buffer(ctx, "x", 1, NULL), OCLNN_ERR_NULL_ARGUMENT);
  cr_assert_eq(oclnn_model_load_file(ctx, NULL, &model), OCLNN_ERR_NULL_ARGUMENT);
  cr_assert_eq(oclnn_model_load_file(NULL, "x.onnx", &model), OCLNN_ERR_NULL_ARGUMENT);
  cr_assert_eq(oclnn_model_load_file(ctx, "x.onnx", NULL), OCLNN_ERR_NULL_ARGUMENT);

  cr_assert_eq(load_bytes(ctx, "", 0, &model), OCLNN_ERR_INVALID_VALUE, "empty buffer: %s",
               oclnn_context_error(ctx));
  model = (oclnn_model *)(uintptr_t)1;
  cr_assert_eq(oclnn_model_load_file(ctx, "/nonexistent/oclnn/model.onnx", &model), OCLNN_ERR_IO);
  cr_assert_null(model);
  cr_assert(strstr(oclnn_context_error(ctx), "/nonexistent/oclnn/model.onnx"),
            "the message \"%s\" does not name the file", oclnn_context_error(ctx));
  model = (oclnn_model *)(uintptr_t)1;
  cr_assert_eq(oclnn_model_load_file(ctx, data_dir(), &model), OCLNN_ERR_IO, "a directory: %s",
               oclnn_context_error(ctx));
  cr_assert_null(model);
  char path[1024];
  snprintf(path, sizeof path, "%s/test_model_malformed_empty.onnx", OCLNN_BINARY_DIR);
  FILE *f = fopen(path, "wb");
  cr_assert(f);
  fclose(f);
  cr_assert_eq(oclnn_model_load_file(ctx, path, &model), OCLNN_ERR_INVALID_VALUE,
               "an empty file: %s", oclnn_context_error(ctx));
  remove(path);

  /* Files that are not ONNX: text, a NumPy array, an image, and bytes that look
   * like the start of a protobuf but are not one. */
  const char *foreign[] = {"onnx/nets.txt", "onnx/conv2d.c0.in0.npy", "conv_cases.txt"};
  for (size_t i = 0; i < sizeof foreign / sizeof *foreign; ++i) {
    size_t size = 0;
    char *bytes = read_data(foreign[i], &size);
    oclnn_status s = load_bytes(ctx, bytes, size, &model);
    cr_expect(s == OCLNN_ERR_INVALID_VALUE, "%s: %s (%s)", foreign[i], oclnn_status_string(s),
              oclnn_context_error(ctx));
    oclnn_model_free(model);
    free(bytes);
  }
  size_t size = 0;
  char *png = test_read_file(OCLNN_SHARED_DIR "/images/coffee.png", &size);
  if (png) {
    cr_expect_eq(load_bytes(ctx, png, size, &model), OCLNN_ERR_INVALID_VALUE, "a PNG: %s",
                 oclnn_context_error(ctx));
    free(png);
  }
  const unsigned char junk[] = {0x08, 0x07, 0x3a, 0xff, 0xff, 0xff, 0xff, 0x0f, 0x00};
  cr_expect_eq(load_bytes(ctx, junk, sizeof junk, &model), OCLNN_ERR_INVALID_VALUE,
               "a field longer than the file: %s", oclnn_context_error(ctx));
}

/* Every prefix of a small net that has folded shape subgraphs, a Pad and a
 * Conv. Cut inside a field, protobuf decoding fails (OCLNN_ERR_INVALID_VALUE);
 * cut between fields, the model is incomplete (no graph, no opset, a node
 * without its inputs) and the checks refuse it. */
Test(model_malformed, every_truncation_is_refused, .timeout = 300) {
  oclnn_context *ctx = test_context();
  size_t size = 0;
  char *bytes = read_data("onnx/conv2d_reflect.onnx", &size);
  int decode_errors = 0;
  for (size_t n = 0; n < size; ++n) {
    char *copy = malloc(n ? n : 1); /* exactly n bytes, so ASan sees any read past the end */
    cr_assert(copy);
    memcpy(copy, bytes, n);
    oclnn_model *model = NULL;
    oclnn_status s = load_bytes(ctx, copy, n, &model);
    cr_assert(is_load_error(s), "prefix of %zu of %zu bytes: %s (%s)", n, size,
              oclnn_status_string(s), s ? oclnn_context_error(ctx) : "loaded");
    decode_errors += s == OCLNN_ERR_INVALID_VALUE;
    free(copy);
  }
  cr_assert(decode_errors > (int)size / 2, "only %d of %zu prefixes were INVALID_VALUE",
            decode_errors, size);
  free(bytes);
}

/* Every byte of a small net inverted in turn: the loader refuses the result
 * with a documented status, or loads it (a weight byte, a name) and then plans
 * and runs it or refuses the input. */
Test(model_malformed, every_flipped_byte_is_refused_or_runs, .timeout = 600) {
  oclnn_context *ctx = test_context();
  size_t size = 0;
  char *bytes = read_data("onnx/conv2d.onnx", &size);
  const int64_t shape[4] = {1, 3, 9, 11};
  float host[297];
  test_fill_random(host, 297, 5);
  oclnn_tensor in = test_tensor_from_host(ctx, 4, shape, host);
  int loaded = 0, ran = 0;
  for (size_t i = 0; i < size; ++i) {
    char *copy = malloc(size);
    cr_assert(copy);
    memcpy(copy, bytes, size);
    copy[i] = (char)~copy[i];
    oclnn_model *model = NULL;
    oclnn_status s = load_bytes(ctx, copy, size, &model);
    cr_assert(s == OCLNN_SUCCESS || is_load_error(s), "byte %zu flipped: %s (%s)", i,
              oclnn_status_string(s), oclnn_context_error(ctx));
    if (s == OCLNN_SUCCESS) {
      loaded++;
      int rank = 0;
      int64_t out_shape[OCLNN_MAX_RANK];
      int n_in = oclnn_model_input_count(model), n_out = oclnn_model_output_count(model);
      if (n_in == 1 && n_out >= 1 &&
          oclnn_model_output_shape(model, &in, 1, 0, &rank, out_shape) == OCLNN_SUCCESS &&
          n_out == 1) {
        oclnn_tensor out;
        if (oclnn_tensor_alloc(ctx, rank, out_shape, &out) == OCLNN_SUCCESS) {
          oclnn_status r = oclnn_model_run(model, &in, 1, &out, 1);
          cr_assert(r == OCLNN_SUCCESS || r == OCLNN_ERR_INVALID_SHAPE ||
                        r == OCLNN_ERR_UNSUPPORTED || r == OCLNN_ERR_INVALID_VALUE,
                    "byte %zu flipped: run: %s (%s)", i, oclnn_status_string(r),
                    oclnn_context_error(ctx));
          ran += r == OCLNN_SUCCESS;
          TEST_OK(ctx, oclnn_context_finish(ctx));
          oclnn_tensor_free(&out);
        }
      }
    }
    oclnn_model_free(model);
    free(copy);
  }
  cr_log_info("flipped bytes: %d of %zu loaded, %d ran", loaded, size, ran);
  oclnn_tensor_free(&in);
  free(bytes);
}

/* Inputs that once crashed or stalled the loader under the fuzzer
 * (tests/fuzz/corpus). */
Test(model_malformed, fuzzer_regressions_are_refused) {
  oclnn_context *ctx = test_context();
  char dir[1024];
  snprintf(dir, sizeof dir, "%s/tests/fuzz/corpus", OCLNN_SOURCE_DIR);
  DIR *d = opendir(dir);
  cr_assert(d, "cannot list %s", dir);
  struct dirent *entry;
  int count = 0;
  while ((entry = readdir(d))) {
    if (entry->d_name[0] == '.')
      continue;
    char path[1400];
    snprintf(path, sizeof path, "%s/%s", dir, entry->d_name);
    size_t size = 0;
    char *bytes = test_read_file(path, &size);
    cr_assert(bytes, "cannot read %s", path);
    oclnn_model *model = NULL;
    oclnn_status s = load_bytes(ctx, bytes, size, &model);
    cr_expect(s == OCLNN_SUCCESS || is_load_error(s), "%s: %s (%s)", entry->d_name,
              oclnn_status_string(s), oclnn_context_error(ctx));
    oclnn_model_free(model);
    free(bytes);
    count++;
  }
  closedir(d);
  cr_assert(count > 0);
}

/* Run-time refusals: the graph's input is 1x3xHxW (conv2d.onnx: Conv 3 -> 5,
 * 3x3, pad 1). */
Test(model_malformed, wrong_inputs_at_run_time_are_refused_and_write_nothing) {
  oclnn_context *ctx = test_context();
  size_t size = 0;
  char *bytes = read_data("onnx/conv2d.onnx", &size);
  oclnn_model *model = NULL;
  TEST_OK(ctx, oclnn_model_load_buffer(ctx, bytes, size, &model));
  free(bytes);

  const int64_t good[4] = {1, 3, 6, 7}, out_shape[4] = {1, 5, 6, 7};
  float host[126];
  test_fill_random(host, 126, 11);
  oclnn_tensor in = test_tensor_from_host(ctx, 4, good, host);
  float sentinel[210];
  for (int i = 0; i < 210; ++i)
    sentinel[i] = -12345.0f;
  oclnn_tensor out = test_tensor_from_host(ctx, 4, out_shape, sentinel);
  int rank = 0;
  int64_t shape[OCLNN_MAX_RANK];

  /* Rank 3, rank 5, 4 channels: refused by output_shape and by run, naming the
   * node. */
  oclnn_tensor bad = in;
  bad.rank = 3;
  bad.shape[0] = 3, bad.shape[1] = 6, bad.shape[2] = 7;
  cr_assert_eq(oclnn_model_output_shape(model, &bad, 1, 0, &rank, shape), OCLNN_ERR_INVALID_SHAPE);
  cr_assert_eq(oclnn_model_run(model, &bad, 1, &out, 1), OCLNN_ERR_INVALID_SHAPE);
  cr_assert(strstr(oclnn_context_error(ctx), "Conv") || strstr(oclnn_context_error(ctx), "input"),
            "the message \"%s\" names neither the node nor the input", oclnn_context_error(ctx));
  oclnn_tensor bad5 = oclnn_tensor_view(in.buffer, 0, 5, (const int64_t[]){1, 1, 3, 6, 7});
  cr_assert_eq(oclnn_model_run(model, &bad5, 1, &out, 1), OCLNN_ERR_INVALID_SHAPE);
  oclnn_tensor channels = oclnn_tensor_view(in.buffer, 0, 4, (const int64_t[]){1, 2, 9, 7});
  cr_assert_eq(oclnn_model_run(model, &channels, 1, &out, 1), OCLNN_ERR_INVALID_SHAPE);
  /* The input view past its buffer's end; an output of the wrong shape; counts.
   */
  oclnn_tensor past = oclnn_tensor_view(in.buffer, 1, 4, good);
  cr_assert_eq(oclnn_model_run(model, &past, 1, &out, 1), OCLNN_ERR_OUT_OF_BOUNDS);
  oclnn_tensor wrong_out = oclnn_tensor_view(out.buffer, 0, 4, (const int64_t[]){1, 5, 6, 6});
  cr_assert_eq(oclnn_model_run(model, &in, 1, &wrong_out, 1), OCLNN_ERR_INVALID_SHAPE);
  cr_assert_eq(oclnn_model_run(model, &in, 0, &out, 1), OCLNN_ERR_INVALID_VALUE);
  cr_assert_eq(oclnn_model_run(model, &in, 2, &out, 1), OCLNN_ERR_INVALID_VALUE);
  cr_assert_eq(oclnn_model_run(model, &in, 1, &out, 2), OCLNN_ERR_INVALID_VALUE);
  cr_assert_eq(oclnn_model_run(model, NULL, 1, &out, 1), OCLNN_ERR_NULL_ARGUMENT);
  cr_assert_eq(oclnn_model_run(model, &in, 1, NULL, 1), OCLNN_ERR_NULL_ARGUMENT);
  cr_assert_eq(oclnn_model_run(NULL, &in, 1, &out, 1), OCLNN_ERR_NULL_ARGUMENT);
  /* The output aliasing the input. */
  oclnn_tensor big;
  TEST_OK(ctx, oclnn_tensor_alloc(ctx, 4, out_shape, &big));
  oclnn_tensor in_of_big = oclnn_tensor_view(big.buffer, 0, 4, good);
  cr_assert_eq(oclnn_model_run(model, &in_of_big, 1, &big, 1), OCLNN_ERR_ALIASING);
  oclnn_tensor_free(&big);

  float after[210];
  TEST_OK(ctx, oclnn_tensor_download(ctx, &out, after, 210));
  for (int i = 0; i < 210; ++i)
    cr_assert(after[i] == -12345.0f, "a refused run wrote output element %d", i);
  /* And the model still runs after all that. */
  TEST_OK(ctx, oclnn_model_run(model, &in, 1, &out, 1));
  TEST_OK(ctx, oclnn_tensor_download(ctx, &out, after, 210));
  cr_assert(after[0] != -12345.0f);
  oclnn_tensor_free(&in);
  oclnn_tensor_free(&out);
  oclnn_model_free(model);
}

/* tools/npy.c, which oclnn-run and these tests use to read untrusted .npy files: every prefix
 * of a valid file, wrong dtypes and orders, shapes that overflow, and a round trip. */
Test(model_malformed, npy_reader_refuses_bad_files) {
  size_t size = 0;
  char *bytes = read_data("onnx/conv2d.c0.in0.npy", &size);
  npy_array a;
  char err[256];
  cr_assert_eq(npy_parse(bytes, size, "x", &a, err, sizeof err), 0, "%s", err);
  cr_assert(a.rank == 4 && a.count == 297);
  npy_free(&a);
  for (size_t n = 0; n < size; ++n) {
    char *copy = malloc(n ? n : 1);
    cr_assert(copy);
    memcpy(copy, bytes, n);
    cr_assert_neq(npy_parse(copy, n, "x", &a, err, sizeof err), 0, "prefix %zu parsed", n);
    cr_assert_null(a.data);
    free(copy);
  }
  free(bytes);
  static const char *const headers[] = {
      "{'descr': '<f8', 'fortran_order': False, 'shape': (1,), }",
      "{'descr': '>f4', 'fortran_order': False, 'shape': (1,), }",
      "{'descr': '<f4', 'fortran_order': True, 'shape': (1,), }",
      "{'descr': '<f4', 'fortran_order': False, 'shape': (99999999999999999999,), }",
      "{'descr': '<f4', 'fortran_order': False, 'shape': (4294967296, 4294967296), }",
      "{'descr': '<f4', 'fortran_order': False, 'shape': (-1,), }",
      "{'descr': '<f4', 'fortran_order': False, 'shape': (1, 1, 1, 1, 1, 1, 1, 1, 1), }",
      "{'descr': '<f4', 'fortran_order': False, 'shape': 1, }",
      "{'descr': '<f4', 'fortran_order': False, 'shape': (1,2, }",
      "{'descr': '<f4', 'fortran_order': False }",
      "{'descr': '<f4', 'fortran_order': False, 'shape': (2,), }", /* 1 float of data, not 2 */
  };
  for (size_t i = 0; i < sizeof headers / sizeof *headers; ++i) {
    unsigned char file[256];
    size_t len = strlen(headers[i]);
    memcpy(file, "\x93NUMPY\x01\x00", 8);
    file[8] = (unsigned char)len;
    file[9] = 0;
    memcpy(file + 10, headers[i], len);
    memset(file + 10 + len, 0, 4); /* one float */
    cr_assert_neq(npy_parse(file, 10 + len + 4, "x", &a, err, sizeof err), 0, "%s parsed",
                  headers[i]);
    cr_assert(err[0] != '\0');
  }
  /* What npy_write writes, npy_read reads back. */
  char path[1024];
  snprintf(path, sizeof path, "%s/tests/npy_round_trip.npy", OCLNN_BINARY_DIR);
  const int64_t shape[3] = {2, 0, 3};
  const float one = 1.5f;
  cr_assert_eq(npy_write(path, 3, shape, &one, err, sizeof err), 0, "%s", err);
  cr_assert_eq(npy_read(path, &a, err, sizeof err), 0, "%s", err);
  cr_assert(a.rank == 3 && a.shape[1] == 0 && a.count == 0);
  npy_free(&a);
  cr_assert_eq(npy_write(path, 0, shape, &one, err, sizeof err), 0, "%s", err);
  cr_assert_eq(npy_read(path, &a, err, sizeof err), 0, "%s", err);
  cr_assert(a.rank == 0 && a.count == 1 && a.data[0] == 1.5f);
  npy_free(&a);
  remove(path);
}
