/*
 * pad_image: pads a photo on the OpenCL device with each of PyTorch's padding modes and writes
 * the four results side by side as one PNG:
 *
 *     top left: ReflectionPad2d     top right: ReplicationPad2d
 *     bottom left: CircularPad2d    bottom right: ConstantPad2d (value 128, mid grey)
 *
 * usage: pad_image [--check] INPUT OUTPUT.png [PAD]
 *
 * INPUT is any image stb_image reads (PNG, JPEG, ...). It is uploaded as a 1x3xHxW float tensor
 * holding 0..255, padded by PAD pixels on every side (default 64; reflect needs PAD < width and
 * height), downloaded and written out. --check also compares every output pixel with a plain C
 * implementation of the mode and fails on any difference (padding copies values exactly).
 *
 * Every oclnn call is checked; a failure prints the status name and the context's message.
 */
#include <oclnn.h>
#include <stb_image.h>
#include <stb_image_write.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define GAP 8 /* white pixels between the tiles */
#define CONSTANT_VALUE 128.0f

static const struct {
  oclnn_pad_mode mode;
  const char *name;
} modes[4] = {{OCLNN_PAD_REFLECT, "ReflectionPad2d"},
              {OCLNN_PAD_REPLICATE, "ReplicationPad2d"},
              {OCLNN_PAD_CIRCULAR, "CircularPad2d"},
              {OCLNN_PAD_CONSTANT, "ConstantPad2d(value=128)"}};

/* Prints what failed and why; returns 1 when status is OCLNN_SUCCESS. */
static int ok(const oclnn_context *ctx, oclnn_status status, const char *what) {
  if (status == OCLNN_SUCCESS)
    return 1;
  fprintf(stderr, "pad_image: %s failed: %s: %s\n", what, oclnn_status_string(status),
          oclnn_context_error(ctx));
  return 0;
}

/* The input index PyTorch reads for output index i (input coordinates, before padding), or -1
 * for the constant value. */
static int64_t source_index(oclnn_pad_mode mode, int64_t i, int64_t n) {
  switch (mode) {
  case OCLNN_PAD_REFLECT:
    return i < 0 ? -i : (i >= n ? 2 * (n - 1) - i : i);
  case OCLNN_PAD_REPLICATE:
    return i < 0 ? 0 : (i >= n ? n - 1 : i);
  case OCLNN_PAD_CIRCULAR:
    return ((i % n) + n) % n;
  case OCLNN_PAD_CONSTANT:
    break;
  }
  return i >= 0 && i < n ? i : -1;
}

/* Compares a padded 3xOHxOW result with the reference; returns the number of differences. */
static size_t check_tile(oclnn_pad_mode mode, const float *in, int64_t h, int64_t w, int64_t pad,
                         const float *out) {
  const int64_t oh = h + 2 * pad, ow = w + 2 * pad;
  size_t wrong = 0;
  for (int64_t c = 0; c < 3; c++)
    for (int64_t y = 0; y < oh; y++)
      for (int64_t x = 0; x < ow; x++) {
        int64_t sy = source_index(mode, y - pad, h), sx = source_index(mode, x - pad, w);
        float want = sy < 0 || sx < 0 ? CONSTANT_VALUE : in[(c * h + sy) * w + sx];
        float got = out[(c * oh + y) * ow + x];
        if (got != want && wrong++ == 0)
          fprintf(stderr, "pad_image: channel %d pixel (%d, %d) is %g, expected %g\n", (int)c,
                  (int)x, (int)y, (double)got, (double)want);
      }
  return wrong;
}

static unsigned char to_byte(float v) {
  return v <= 0.0f ? 0 : v >= 255.0f ? 255 : (unsigned char)(v + 0.5f);
}

int main(int argc, char **argv) {
  int check = argc > 1 && strcmp(argv[1], "--check") == 0;
  if (argc - check < 3 || argc - check > 4) {
    fprintf(stderr, "usage: %s [--check] INPUT OUTPUT.png [PAD]\n", argv[0]);
    return 2;
  }
  const char *input_path = argv[1 + check], *output_path = argv[2 + check];
  long pad = 64;
  if (argc - check == 4) {
    char *end = NULL;
    pad = strtol(argv[3 + check], &end, 10);
    if (*argv[3 + check] == '\0' || *end != '\0' || pad < 0 || pad > 4096) {
      fprintf(stderr, "pad_image: PAD must be an integer in 0..4096, not '%s'\n", argv[3 + check]);
      return 2;
    }
  }

  int status = 1, w = 0, h = 0, channels = 0;
  unsigned char *pixels = stbi_load(input_path, &w, &h, &channels, 3);
  float *host_in = NULL, *host_out = NULL;
  unsigned char *grid = NULL;
  oclnn_context *ctx = NULL;
  oclnn_tensor in = {0}, out = {0};
  oclnn_pad *layer = NULL;
  if (!pixels) {
    fprintf(stderr, "pad_image: cannot read %s: %s\n", input_path, stbi_failure_reason());
    return 1;
  }

  /* Interleaved 8-bit RGB -> planar float CHW. */
  const size_t plane = (size_t)w * (size_t)h;
  const int64_t in_shape[4] = {1, 3, h, w};
  const int64_t oh = h + 2 * (int64_t)pad, ow = w + 2 * (int64_t)pad;
  const int64_t grid_w = 2 * ow + GAP, grid_h = 2 * oh + GAP;
  host_in = malloc(3 * plane * sizeof(float));
  host_out = malloc(3 * (size_t)oh * (size_t)ow * sizeof(float));
  grid = malloc((size_t)grid_w * (size_t)grid_h * 3);
  if (!host_in || !host_out || !grid) {
    fprintf(stderr, "pad_image: out of memory\n");
    goto done;
  }
  for (size_t i = 0; i < plane; i++)
    for (size_t c = 0; c < 3; c++)
      host_in[c * plane + i] = pixels[3 * i + c];
  memset(grid, 255, (size_t)grid_w * (size_t)grid_h * 3);

  if (!ok(NULL, oclnn_context_create(NULL, &ctx), "oclnn_context_create"))
    goto done;
  char device[256] = "?";
  clGetDeviceInfo(oclnn_context_cl_device(ctx), CL_DEVICE_NAME, sizeof device - 1, device, NULL);
  printf("pad_image: %s (%dx%d) on %s, padding %ld\n", input_path, w, h, device, pad);

  if (!ok(ctx, oclnn_tensor_alloc(ctx, 4, in_shape, &in), "oclnn_tensor_alloc(input)") ||
      !ok(ctx, oclnn_tensor_upload(ctx, &in, host_in, 3 * plane), "oclnn_tensor_upload"))
    goto done;

  for (int m = 0; m < 4; m++) {
    oclnn_pad_desc desc = oclnn_pad_desc_default(2, modes[m].mode, pad);
    if (modes[m].mode == OCLNN_PAD_CONSTANT)
      desc.value = CONSTANT_VALUE;
    int64_t out_shape[4];
    if (!ok(ctx, oclnn_pad_create(ctx, &desc, &layer), "oclnn_pad_create") ||
        !ok(ctx, oclnn_pad_output_shape(layer, 4, in_shape, out_shape), "oclnn_pad_output_shape") ||
        !ok(ctx, oclnn_tensor_alloc(ctx, 4, out_shape, &out), "oclnn_tensor_alloc(output)") ||
        !ok(ctx, oclnn_pad_forward(layer, &in, &out), "oclnn_pad_forward") ||
        !ok(ctx, oclnn_tensor_download(ctx, &out, host_out, 3 * (size_t)oh * (size_t)ow),
            "oclnn_tensor_download"))
      goto done;
    if (check) {
      size_t wrong = check_tile(modes[m].mode, host_in, h, w, pad, host_out);
      if (wrong) {
        fprintf(stderr, "pad_image: %s: %zu values differ from the reference\n", modes[m].name,
                wrong);
        goto done;
      }
    }
    /* Tile m goes to row m / 2, column m % 2 of the grid. */
    const int64_t x0 = (m % 2) * (ow + GAP), y0 = (m / 2) * (oh + GAP);
    for (int64_t y = 0; y < oh; y++)
      for (int64_t x = 0; x < ow; x++)
        for (int64_t c = 0; c < 3; c++)
          grid[((y0 + y) * grid_w + x0 + x) * 3 + c] = to_byte(host_out[(c * oh + y) * ow + x]);
    oclnn_tensor_free(&out);
    oclnn_pad_free(layer);
    layer = NULL;
  }

  if (!stbi_write_png(output_path, (int)grid_w, (int)grid_h, 3, grid, (int)grid_w * 3)) {
    fprintf(stderr, "pad_image: cannot write %s\n", output_path);
    goto done;
  }
  printf("pad_image: wrote %s (%dx%d); top row: %s, %s; bottom row: %s, %s\n", output_path,
         (int)grid_w, (int)grid_h, modes[0].name, modes[1].name, modes[2].name, modes[3].name);
  if (check)
    printf("pad_image: every output value matches the reference\n");
  status = 0;

done:
  oclnn_pad_free(layer);
  oclnn_tensor_free(&out);
  oclnn_tensor_free(&in);
  oclnn_context_free(ctx);
  free(grid);
  free(host_out);
  free(host_in);
  stbi_image_free(pixels);
  return status;
}
