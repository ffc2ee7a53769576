#include "image_io.h"

#include <errno.h>
#include <stb_image.h>
#include <stb_image_resize.h>
#include <stb_image_write.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

int demo_image_load(const char *path, int max_side, int *w, int *h, uint8_t **rgb, demo_err *err) {
  *rgb = NULL;
  FILE *file = fopen(path, "rb");
  if (!file)
    return demo_fail(err, "cannot open image %s: %s", path, strerror(errno));
  int width = 0, height = 0, channels = 0;
  if (!stbi_info_from_file(file, &width, &height, &channels)) {
    const char *reason = stbi_failure_reason();
    fclose(file);
    return demo_fail(err, "cannot read image %s: %s (PNG and JPEG images are supported)", path,
                     reason ? reason : "unknown format");
  }
  if (width > max_side || height > max_side) {
    fclose(file);
    return demo_fail(err, "image %s is %dx%d pixels: unsupported size (at most %dx%d)", path, width,
                     height, max_side, max_side);
  }
  unsigned char *pixels = stbi_load_from_file(file, &width, &height, &channels, 3);
  fclose(file);
  if (!pixels) {
    const char *reason = stbi_failure_reason();
    return demo_fail(err, "cannot decode image %s: %s (corrupt or truncated?)", path,
                     reason ? reason : "unknown error");
  }
  *w = width;
  *h = height;
  *rgb = pixels; /* stbi_image_free is free() in Debian's build (STBI_FREE default) */
  return 0;
}

int demo_image_resize(const uint8_t *src, int sw, int sh, uint8_t *dst, int dw, int dh,
                      demo_err *err) {
  if (!stbir_resize_uint8(src, sw, sh, sw * 3, dst, dw, dh, dw * 3, 3))
    return demo_fail(err, "cannot resize a %dx%d image to %dx%d", sw, sh, dw, dh);
  return 0;
}

int demo_png_write(const char *path, const uint8_t *rgb, int w, int h, int stride, demo_err *err) {
  stbi_write_png_compression_level = 1; /* frames are written at frame rate: favour speed */
  errno = 0;
  if (!stbi_write_png(path, w, h, 3, rgb, stride))
    return demo_fail(err, "cannot write %s: %s", path, strerror(errno ? errno : EIO));
  return 0;
}

int demo_make_dirs(const char *path, demo_err *err) {
  char buf[4096];
  size_t len = strlen(path);
  if (len == 0 || len >= sizeof buf)
    return demo_fail(err, "output directory name is empty or too long");
  memcpy(buf, path, len + 1);
  for (size_t i = 1; i <= len; i++) {
    if (buf[i] != '/' && buf[i] != '\0')
      continue;
    char saved = buf[i];
    buf[i] = '\0';
    if (mkdir(buf, 0777) != 0 && errno != EEXIST)
      return demo_fail(err, "cannot create directory %s: %s", buf, strerror(errno));
    buf[i] = saved;
  }
  struct stat st;
  if (stat(path, &st) != 0 || !S_ISDIR(st.st_mode))
    return demo_fail(err, "%s is not a directory", path);
  return 0;
}

int demo_make_parent_dirs(const char *file, demo_err *err) {
  const char *slash = strrchr(file, '/');
  if (!slash || slash == file)
    return 0;
  char dir[4096];
  size_t len = (size_t)(slash - file);
  if (len >= sizeof dir)
    return demo_fail(err, "path too long: %.64s...", file);
  memcpy(dir, file, len);
  dir[len] = '\0';
  return demo_make_dirs(dir, err);
}
