/* The program cache: entries on disk are written once per build (and again after the first
 * launch), loaded by later contexts and processes, ignored and rewritten when invalid, never
 * required (read-only, uncreatable or disabled directories still work), safe when two processes
 * build at once; build failures and missing sources give OCLNN_ERR_BUILD / OCLNN_ERR_IO.
 *
 * Every test uses its own fresh directory (mkdtemp), never the suites' shared one. A disk hit is
 * proven without timing: entries are only ever replaced by writing a temporary file and renaming
 * it over the old one, so a rebuild gives the entry file a new inode (the old one still existed
 * while the new one was written); a hit leaves inode, size and mtime as they were.
 *
 * Child processes run this same executable: when OCLNN_CACHE_TEST_HELPER is set, a constructor
 * runs the helper below and exits before Criterion starts. */
#define _GNU_SOURCE
#include "test_support.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <grp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

extern char **environ;

/* ---- the padding run every test checks ------------------------------------------------------ */

enum { PLANES = 2, ROWS = 3, IN_W = 6, LEFT = 2, RIGHT = 3, OUT_W = IN_W + LEFT + RIGHT };
#define PAD_VALUE 0.5f
static const char *const MODE_NAMES[4] = {"constant", "reflect", "replicate", "circular"};

static void reference_pad(int mode, const float *in, float *out) {
  for (int r = 0; r < PLANES * ROWS; r++) {
    for (int o = 0; o < OUT_W; o++) {
      int x = o - LEFT;
      float v;
      if (mode == OCLNN_PAD_CONSTANT) {
        v = (x >= 0 && x < IN_W) ? in[r * IN_W + x] : PAD_VALUE;
      } else {
        if (mode == OCLNN_PAD_REFLECT)
          x = x < 0 ? -x : (x >= IN_W ? 2 * (IN_W - 1) - x : x);
        else if (mode == OCLNN_PAD_REPLICATE)
          x = x < 0 ? 0 : (x >= IN_W ? IN_W - 1 : x);
        else
          x = x < 0 ? x + IN_W : (x >= IN_W ? x - IN_W : x);
        v = in[r * IN_W + x];
      }
      out[r * OUT_W + o] = v;
    }
  }
}

static oclnn_pad_desc pad_desc(int mode) {
  oclnn_pad_desc desc = oclnn_pad_desc_default(1, (oclnn_pad_mode)mode, 0);
  desc.padding[0] = LEFT;
  desc.padding[1] = RIGHT;
  desc.value = PAD_VALUE;
  return desc;
}

/* Runs pad (created for `mode`) on a fixed input; NULL when the output is exactly right, else a
 * description of what went wrong. No Criterion calls: the helper processes use it too. */
static const char *forward_and_check(oclnn_context *ctx, oclnn_pad *pad, int mode) {
  static char failure[512];
  const int64_t in_shape[3] = {PLANES, ROWS, IN_W}, out_shape[3] = {PLANES, ROWS, OUT_W};
  float in_host[PLANES * ROWS * IN_W], want[PLANES * ROWS * OUT_W], got[PLANES * ROWS * OUT_W];
  test_fill_random(in_host, PLANES * ROWS * IN_W, (uint64_t)mode + 5);
  reference_pad(mode, in_host, want);
  oclnn_tensor in, out;
  memset(&in, 0, sizeof in);
  memset(&out, 0, sizeof out);
  const char *result = NULL;
  if (oclnn_tensor_alloc(ctx, 3, in_shape, &in) != OCLNN_SUCCESS ||
      oclnn_tensor_alloc(ctx, 3, out_shape, &out) != OCLNN_SUCCESS ||
      oclnn_tensor_upload(ctx, &in, in_host, PLANES * ROWS * IN_W) != OCLNN_SUCCESS ||
      oclnn_pad_forward(pad, &in, &out) != OCLNN_SUCCESS ||
      oclnn_tensor_download(ctx, &out, got, PLANES * ROWS * OUT_W) != OCLNN_SUCCESS) {
    snprintf(failure, sizeof failure, "%s pad: %s", MODE_NAMES[mode], oclnn_context_error(ctx));
    result = failure;
  } else {
    for (int i = 0; i < PLANES * ROWS * OUT_W && !result; i++) {
      if (got[i] != want[i]) {
        snprintf(failure, sizeof failure, "%s pad: element %d is %.9g, expected %.9g",
                 MODE_NAMES[mode], i, (double)got[i], (double)want[i]);
        result = failure;
      }
    }
  }
  oclnn_tensor_free(&in);
  oclnn_tensor_free(&out);
  return result;
}

/* ---- files ---------------------------------------------------------------------------------- */

typedef struct file_state {
  bool exists;
  ino_t ino;
  off_t size;
  struct timespec mtime;
} file_state;

static file_state file_stat(const char *path) {
  file_state state;
  memset(&state, 0, sizeof state);
  struct stat st;
  if (stat(path, &st) == 0) {
    state.exists = true;
    state.ino = st.st_ino;
    state.size = st.st_size;
    state.mtime = st.st_mtim;
  }
  return state;
}

static bool same_file(file_state a, file_state b) {
  return a.exists && b.exists && a.ino == b.ino && a.size == b.size &&
         a.mtime.tv_sec == b.mtime.tv_sec && a.mtime.tv_nsec == b.mtime.tv_nsec;
}

typedef struct dir_listing {
  int entries;   /* *.oclnnbin */
  int temporary; /* names with ".tmp" */
  int other;
  char first_entry[512]; /* path of the first entry seen */
  char names[32][256];   /* entry names (up to 32) */
} dir_listing;

static bool ends_with(const char *text, const char *suffix) {
  size_t n = strlen(text), m = strlen(suffix);
  return n >= m && strcmp(text + n - m, suffix) == 0;
}

static dir_listing list_dir(const char *dir) {
  dir_listing listing;
  memset(&listing, 0, sizeof listing);
  DIR *d = opendir(dir);
  if (!d)
    return listing;
  for (struct dirent *e = readdir(d); e; e = readdir(d)) {
    if (strcmp(e->d_name, ".") == 0 || strcmp(e->d_name, "..") == 0)
      continue;
    if (strstr(e->d_name, ".tmp")) {
      listing.temporary++;
    } else if (ends_with(e->d_name, ".oclnnbin")) {
      if (listing.entries == 0)
        snprintf(listing.first_entry, sizeof listing.first_entry, "%s/%s", dir, e->d_name);
      if (listing.entries < 32)
        snprintf(listing.names[listing.entries], sizeof listing.names[0], "%s", e->d_name);
      listing.entries++;
    } else {
      listing.other++;
    }
  }
  closedir(d);
  return listing;
}

/* The one entry in dir that is not among `before` (NULL: the only entry). */
static void new_entry(const char *dir, const dir_listing *before, char *path, size_t size) {
  dir_listing now = list_dir(dir);
  for (int i = 0; i < now.entries && i < 32; i++) {
    bool seen = false;
    for (int j = 0; before && j < before->entries && j < 32; j++)
      seen = seen || strcmp(now.names[i], before->names[j]) == 0;
    if (!seen) {
      snprintf(path, size, "%s/%s", dir, now.names[i]);
      return;
    }
  }
  cr_assert_fail("no new cache entry in %s (%d entries)", dir, now.entries);
}

static void write_file(const char *path, const void *data, size_t size) {
  FILE *file = fopen(path, "wb");
  cr_assert_not_null(file, "cannot write %s: %s", path, strerror(errno));
  cr_assert_eq(fwrite(data, 1, size, file), size);
  cr_assert_eq(fclose(file), 0);
}

static char *read_whole(const char *path, size_t *size) {
  char *data = test_read_file(path, size);
  cr_assert_not_null(data, "cannot read %s", path);
  return data;
}

static int remove_one(const char *path, const struct stat *st, int flag, struct FTW *ftw) {
  (void)st;
  (void)ftw;
  if (flag == FTW_DP || flag == FTW_D)
    rmdir(path);
  else
    unlink(path);
  return 0;
}

static int unlock_one(const char *path, const struct stat *st, int flag, struct FTW *ftw) {
  (void)ftw;
  if (flag == FTW_D || flag == FTW_DNR || (st && S_ISDIR(st->st_mode)))
    chmod(path, 0755);
  return 0;
}

static char *temp_dirs[16];
static int temp_dir_count;

static void remove_temp_dirs(void) {
  for (int i = 0; i < temp_dir_count; i++) {
    chmod(temp_dirs[i], 0755);
    nftw(temp_dirs[i], unlock_one, 16, FTW_PHYS);
    nftw(temp_dirs[i], remove_one, 16, FTW_DEPTH | FTW_PHYS);
    free(temp_dirs[i]);
  }
  temp_dir_count = 0;
}

/* A fresh empty directory, removed when the test process exits. */
static const char *fresh_dir(void) {
  const char *base = getenv("TMPDIR");
  char template[512];
  snprintf(template, sizeof template, "%s/oclnn-cache-test-XXXXXX", base && *base ? base : "/tmp");
  cr_assert_not_null(mkdtemp(template), "mkdtemp: %s", strerror(errno));
  cr_assert_lt(temp_dir_count, 16);
  if (temp_dir_count == 0)
    atexit(remove_temp_dirs);
  temp_dirs[temp_dir_count] = strdup(template);
  return temp_dirs[temp_dir_count++];
}

static char *path_in(const char *dir, const char *name) {
  static char paths[8][1400];
  static int next;
  char *path = paths[next++ % 8];
  snprintf(path, sizeof paths[0], "%s/%s", dir, name);
  return path;
}

static void copy_kernel_source(const char *name, const char *dir, const char *append) {
  size_t size = 0;
  char *text = read_whole(path_in(OCLNN_SOURCE_DIR "/kernels_cl", name), &size);
  FILE *file = fopen(path_in(dir, name), "wb");
  cr_assert_not_null(file);
  cr_assert_eq(fwrite(text, 1, size, file), size);
  if (append)
    fputs(append, file);
  cr_assert_eq(fclose(file), 0);
  free(text);
}

/* ---- contexts ------------------------------------------------------------------------------- */

static oclnn_context *context_on(const char *cache_dir) {
  oclnn_context_options options = oclnn_context_options_default();
  options.cache_dir = cache_dir;
  oclnn_context *ctx = NULL;
  oclnn_status status = oclnn_context_create(&options, &ctx);
  cr_assert_eq(status, OCLNN_SUCCESS, "oclnn_context_create: %s: %s", oclnn_status_string(status),
               oclnn_context_error(NULL));
  return ctx;
}

static oclnn_pad *pad_on(oclnn_context *ctx, int mode) {
  oclnn_pad_desc desc = pad_desc(mode);
  oclnn_pad *pad = NULL;
  TEST_OK(ctx, oclnn_pad_create(ctx, &desc, &pad));
  return pad;
}

static void check_pad(oclnn_context *ctx, oclnn_pad *pad, int mode) {
  const char *failure = forward_and_check(ctx, pad, mode);
  cr_assert_null(failure, "%s", failure);
}

/* Builds the `mode` program into dir in a context of its own (no launch) and returns the path
 * of the entry it added. */
static void build_entry(const char *dir, int mode, char *path, size_t size) {
  dir_listing before = list_dir(dir);
  oclnn_context *ctx = context_on(dir);
  oclnn_pad *pad = pad_on(ctx, mode);
  oclnn_pad_free(pad);
  oclnn_context_free(ctx);
  new_entry(dir, &before, path, size);
}

/* PoCL keeps its own kernel cache under $XDG_CACHE_HOME or $HOME: pin it before a test moves
 * those, so that PoCL still finds what it compiled before. */
static void pin_pocl_cache(void) {
  if (getenv("POCL_CACHE_DIR"))
    return;
  const char *xdg = getenv("XDG_CACHE_HOME"), *home = getenv("HOME");
  char path[1024];
  if (xdg && *xdg)
    snprintf(path, sizeof path, "%s/pocl/kcache", xdg);
  else if (home && *home)
    snprintf(path, sizeof path, "%s/.cache/pocl/kcache", home);
  else
    return;
  setenv("POCL_CACHE_DIR", path, 1);
}

/* ---- helper processes ----------------------------------------------------------------------- */

enum {
  HELPER_OK = 0,
  HELPER_BAD_ENV = 2,
  HELPER_CONTEXT = 10,
  HELPER_CREATE = 11,
  HELPER_CHANGED = 12,
  HELPER_WRONG = 13,
  HELPER_FINISH = 14,
  HELPER_CHANGED_LATER = 15,
  HELPER_WRITABLE = 16,
  HELPER_GATE = 17,
  HELPER_NO_PRIVILEGE_DROP = 77,
  HELPER_EXEC = 127,
};

static const char *helper_meaning(int code) {
  switch (code) {
  case HELPER_OK:
    return "ok";
  case HELPER_BAD_ENV:
    return "bad helper environment";
  case HELPER_CONTEXT:
    return "oclnn_context_create failed";
  case HELPER_CREATE:
    return "oclnn_pad_create failed";
  case HELPER_CHANGED:
    return "the entry was rewritten when it should have been loaded";
  case HELPER_WRONG:
    return "wrong padding results";
  case HELPER_FINISH:
    return "oclnn_context_finish failed";
  case HELPER_CHANGED_LATER:
    return "the entry changed although the directory is read-only";
  case HELPER_WRITABLE:
    return "the directory is writable for the helper";
  case HELPER_GATE:
    return "the start gate failed";
  case HELPER_EXEC:
    return "exec failed";
  default:
    return "unknown";
  }
}

static int env_int(const char *name) {
  const char *value = getenv(name);
  return value && *value ? atoi(value) : -1;
}

/* Environment: OCLNN_CACHE_TEST_DIR (cache dir), _MODES (digits: pad modes to create, run and
 * check), _UNCHANGED (an entry that must not be rewritten by the creates), _READONLY (1: the
 * directory must not be writable, and the entry must stay as it was through finish and free),
 * _READY_FD/_GATE_FD/_CLOSE_FD (start together: report readiness, then wait for the gate). */
static int helper_main(void) {
  const char *dir = getenv("OCLNN_CACHE_TEST_DIR");
  const char *modes = getenv("OCLNN_CACHE_TEST_MODES");
  const char *unchanged = getenv("OCLNN_CACHE_TEST_UNCHANGED");
  bool readonly = env_int("OCLNN_CACHE_TEST_READONLY") == 1;
  int ready_fd = env_int("OCLNN_CACHE_TEST_READY_FD"),
      gate_fd = env_int("OCLNN_CACHE_TEST_GATE_FD");
  int close_fd = env_int("OCLNN_CACHE_TEST_CLOSE_FD");
  if (!dir || !modes || strlen(modes) > 4)
    return HELPER_BAD_ENV;
  if (close_fd >= 0)
    close(close_fd);
  if (readonly) {
    char probe[1024];
    snprintf(probe, sizeof probe, "%s/probe-%ld", dir, (long)getpid());
    int fd = open(probe, O_CREAT | O_EXCL | O_WRONLY, 0644);
    if (fd >= 0) {
      close(fd);
      unlink(probe);
      return HELPER_WRITABLE;
    }
  }
  file_state before = unchanged ? file_stat(unchanged) : (file_state){0};
  if (unchanged && !before.exists)
    return HELPER_BAD_ENV;

  oclnn_context_options options = oclnn_context_options_default();
  options.cache_dir = dir;
  oclnn_context *ctx = NULL;
  if (oclnn_context_create(&options, &ctx) != OCLNN_SUCCESS) {
    fprintf(stderr, "helper: %s\n", oclnn_context_error(NULL));
    return HELPER_CONTEXT;
  }
  if (ready_fd >= 0) {
    char byte = 'r';
    if (write(ready_fd, &byte, 1) != 1)
      return HELPER_GATE;
    close(ready_fd);
  }
  if (gate_fd >= 0) {
    char byte;
    while (read(gate_fd, &byte, 1) > 0) {
    }
    close(gate_fd);
  }
  oclnn_pad *pads[4] = {NULL, NULL, NULL, NULL};
  int count = (int)strlen(modes), code = HELPER_OK;
  for (int i = 0; i < count && code == HELPER_OK; i++) {
    oclnn_pad_desc desc = pad_desc(modes[i] - '0');
    if (oclnn_pad_create(ctx, &desc, &pads[i]) != OCLNN_SUCCESS) {
      fprintf(stderr, "helper: %s\n", oclnn_context_error(ctx));
      code = HELPER_CREATE;
    }
  }
  if (code == HELPER_OK && unchanged && !same_file(before, file_stat(unchanged)))
    code = HELPER_CHANGED;
  for (int i = 0; i < count && code == HELPER_OK; i++) {
    const char *failure = forward_and_check(ctx, pads[i], modes[i] - '0');
    if (failure) {
      fprintf(stderr, "helper: %s\n", failure);
      code = HELPER_WRONG;
    }
  }
  if (code == HELPER_OK && oclnn_context_finish(ctx) != OCLNN_SUCCESS)
    code = HELPER_FINISH;
  for (int i = 0; i < count; i++)
    oclnn_pad_free(pads[i]);
  oclnn_context_free(ctx);
  if (code == HELPER_OK && readonly && unchanged && !same_file(before, file_stat(unchanged)))
    code = HELPER_CHANGED_LATER;
  return code;
}

__attribute__((constructor)) static void helper_entry(void) {
  if (!getenv("OCLNN_CACHE_TEST_HELPER"))
    return;
  int code = helper_main();
  fflush(NULL);
  _exit(code);
}

/* Starts this executable as a helper with the current environment (minus Criterion's own
 * sandbox variables) plus `extra` ("NAME=value" strings, NULL-terminated). With
 * drop_privileges, the child becomes nobody (65534) first. */
static pid_t spawn_helper(const char *const *extra, bool drop_privileges) {
  static char exe[4096];
  ssize_t n = readlink("/proc/self/exe", exe, sizeof exe - 1);
  cr_assert_gt(n, 0, "readlink /proc/self/exe: %s", strerror(errno));
  exe[n] = '\0';
  size_t count = 0, extra_count = 0;
  while (environ[count])
    count++;
  while (extra[extra_count])
    extra_count++;
  char **envp = calloc(count + extra_count + 2, sizeof *envp);
  cr_assert_not_null(envp);
  size_t used = 0;
  for (size_t i = 0; i < count; i++)
    if (strncmp(environ[i], "BXFI_", 5) != 0 && strncmp(environ[i], "OCLNN_CACHE_TEST_", 17) != 0)
      envp[used++] = environ[i];
  for (size_t i = 0; i < extra_count; i++)
    envp[used++] = (char *)extra[i];
  envp[used++] = "OCLNN_CACHE_TEST_HELPER=1";
  /* A helper that gives up root goes through /usr/bin/env: tools that follow children (valgrind
   * with --trace-children, which skips /usr/bin/...) then leave it alone instead of trying to
   * write their logs as nobody. */
  bool through_env = drop_privileges && access("/usr/bin/env", X_OK) == 0;
  char env_program[] = "/usr/bin/env";
  char *argv[] = {through_env ? env_program : exe, exe, NULL};
  char **args = through_env ? argv : argv + 1;
  fflush(NULL);
  pid_t pid = fork();
  cr_assert_geq(pid, 0, "fork: %s", strerror(errno));
  if (pid == 0) {
    if (drop_privileges && (setgroups(0, NULL) != 0 || setgid(65534) != 0 || setuid(65534) != 0))
      _exit(HELPER_NO_PRIVILEGE_DROP);
    execve(args[0], args, envp);
    _exit(HELPER_EXEC);
  }
  free(envp);
  return pid;
}

static int wait_helper(pid_t pid) {
  int status = 0;
  while (waitpid(pid, &status, 0) < 0)
    cr_assert_eq(errno, EINTR, "waitpid: %s", strerror(errno));
  cr_assert(WIFEXITED(status), "helper %ld died (signal %d)", (long)pid,
            WIFSIGNALED(status) ? WTERMSIG(status) : 0);
  return WEXITSTATUS(status);
}

static void assert_helper_ok(int code, const char *what) {
  cr_assert_eq(code, HELPER_OK, "%s: helper exited with %d (%s)", what, code, helper_meaning(code));
}

/* ---- (a) cold build, then loads from disk --------------------------------------------------- */

Test(cache, cold_build_writes_an_entry_a_second_context_loads) {
  const char *dir = fresh_dir();
  oclnn_context *ctx = context_on(dir);
  cr_assert_str_eq(oclnn_context_cache_dir(ctx), dir);
  cr_assert_eq(list_dir(dir).entries, 0);
  oclnn_pad *pad = pad_on(ctx, OCLNN_PAD_REFLECT);
  dir_listing listing = list_dir(dir);
  cr_assert_eq(listing.entries, 1, "a cold build stores one entry, found %d", listing.entries);
  cr_assert_eq(listing.temporary, 0);
  cr_assert_eq(listing.other, 0);
  char entry[512];
  snprintf(entry, sizeof entry, "%s", listing.first_entry);
  file_state built = file_stat(entry);
  cr_assert_gt(built.size, 0);

  /* The same program again in the same context comes from memory: nothing is written. */
  oclnn_pad *again = pad_on(ctx, OCLNN_PAD_REFLECT);
  cr_assert(same_file(built, file_stat(entry)));
  oclnn_pad_free(again);
  oclnn_pad_free(pad);
  oclnn_context_free(ctx); /* nothing was launched: nothing to store again */
  cr_assert(same_file(built, file_stat(entry)), "freeing an unused context rewrote the entry");

  /* A second context loads it: a rebuild would have replaced the file (new inode). */
  oclnn_context *second = context_on(dir);
  oclnn_pad *loaded = pad_on(second, OCLNN_PAD_REFLECT);
  cr_assert(same_file(built, file_stat(entry)),
            "the second context rebuilt the program instead of loading the entry");
  check_pad(second, loaded, OCLNN_PAD_REFLECT);
  oclnn_pad_free(loaded);
  oclnn_context_free(second);
  listing = list_dir(dir);
  cr_assert_eq(listing.entries, 1);
  cr_assert_eq(listing.temporary, 0);
}

Test(cache, another_process_loads_the_entry, .timeout = 120) {
  const char *dir = fresh_dir();
  char entry[512];
  build_entry(dir, OCLNN_PAD_REFLECT, entry, sizeof entry);
  char dir_var[600], entry_var[600];
  snprintf(dir_var, sizeof dir_var, "OCLNN_CACHE_TEST_DIR=%s", dir);
  snprintf(entry_var, sizeof entry_var, "OCLNN_CACHE_TEST_UNCHANGED=%s", entry);
  const char *env[] = {dir_var, entry_var, "OCLNN_CACHE_TEST_MODES=1", NULL};
  assert_helper_ok(wait_helper(spawn_helper(env, false)), "a process loading the entry");
  dir_listing listing = list_dir(dir);
  cr_assert_eq(listing.entries, 1);
  cr_assert_eq(listing.temporary, 0);
}

Test(cache, options_and_source_are_part_of_the_key) {
  const char *dir = fresh_dir();
  /* Each mode is a different set of build options: a different entry. */
  oclnn_context *ctx = context_on(dir);
  for (int mode = 0; mode < 4; mode++) {
    oclnn_pad *pad = pad_on(ctx, mode);
    cr_assert_eq(list_dir(dir).entries, mode + 1, "mode %d did not add its own entry", mode);
    check_pad(ctx, pad, mode);
    oclnn_pad_free(pad);
  }
  oclnn_context_free(ctx);

  /* The same file with one more comment is another source: it must not reuse an entry. */
  const char *kernels = fresh_dir();
  copy_kernel_source("common.cl", kernels, NULL);
  copy_kernel_source("pad.cl", kernels, "\n/* a changed source is another program */\n");
  setenv("OCLNN_KERNEL_DIR", kernels, 1);
  dir_listing before = list_dir(dir);
  oclnn_context *changed = context_on(dir);
  oclnn_pad *pad = pad_on(changed, OCLNN_PAD_REFLECT);
  cr_assert_eq(list_dir(dir).entries, 5, "a changed source reused another source's entry");
  char entry[512];
  new_entry(dir, &before, entry, sizeof entry);
  check_pad(changed, pad, OCLNN_PAD_REFLECT);
  oclnn_pad_free(pad);
  oclnn_context_free(changed);
}

/* ---- (b) invalid entries are ignored, rebuilt and rewritten --------------------------------- */

typedef void (*corrupt_fn)(const char *dir, const char *entry, int mode);

/* Builds the entry, damages it, then checks that a new context rebuilds (new inode), computes
 * the right result, and leaves a valid entry that a third context loads. */
static void check_rebuilt(corrupt_fn corrupt, const char *what) {
  const char *dir = fresh_dir();
  const int mode = OCLNN_PAD_REFLECT;
  char entry[512];
  build_entry(dir, mode, entry, sizeof entry);
  size_t valid_size = 0;
  char *valid = read_whole(entry, &valid_size);

  corrupt(dir, entry, mode);
  file_state damaged = file_stat(entry);
  cr_assert(damaged.exists);

  oclnn_context *ctx = context_on(dir);
  oclnn_pad *pad = pad_on(ctx, mode);
  file_state rebuilt = file_stat(entry);
  cr_assert(rebuilt.exists, "%s: no entry after the rebuild", what);
  cr_assert_neq(rebuilt.ino, damaged.ino, "%s: the entry was not rewritten after a rebuild", what);
  check_pad(ctx, pad, mode);
  oclnn_pad_free(pad);
  oclnn_context_free(ctx);

  size_t new_size = 0;
  char *rewritten = read_whole(entry, &new_size);
  cr_assert_gt(new_size, 32u);
  cr_assert_eq(memcmp(rewritten, valid, 8), 0, "%s: the rewritten entry has another header", what);
  free(rewritten);
  free(valid);

  /* The rewritten entry is valid: a third context loads it without rebuilding. */
  file_state before = file_stat(entry);
  oclnn_context *third = context_on(dir);
  oclnn_pad *loaded = pad_on(third, mode);
  cr_assert(same_file(before, file_stat(entry)), "%s: the rewritten entry was not loadable", what);
  check_pad(third, loaded, mode);
  oclnn_pad_free(loaded);
  oclnn_context_free(third);
  dir_listing listing = list_dir(dir);
  cr_assert_eq(listing.entries, 1, "%s: %d entries", what, listing.entries);
  cr_assert_eq(listing.temporary, 0, "%s: temporary files left behind", what);
}

static void flip_binary_bytes(const char *dir, const char *entry, int mode) {
  (void)dir;
  (void)mode;
  size_t size = 0;
  unsigned char *data = (unsigned char *)read_whole(entry, &size);
  cr_assert_gt(size, 256u);
  /* The binary is the tail of the entry: damage its last byte and one a little before. */
  data[size - 1] ^= 0xff;
  data[size - 97] ^= 0x5a;
  write_file(entry, data, size);
  free(data);
}

static void truncate_to_half(const char *dir, const char *entry, int mode) {
  (void)dir;
  (void)mode;
  size_t size = 0;
  char *data = read_whole(entry, &size);
  write_file(entry, data, size / 2);
  free(data);
}

static void truncate_by_one(const char *dir, const char *entry, int mode) {
  (void)dir;
  (void)mode;
  size_t size = 0;
  char *data = read_whole(entry, &size);
  write_file(entry, data, size - 1);
  free(data);
}

static void append_byte(const char *dir, const char *entry, int mode) {
  (void)dir;
  (void)mode;
  size_t size = 0;
  char *data = read_whole(entry, &size);
  char *longer = malloc(size + 1);
  cr_assert_not_null(longer);
  memcpy(longer, data, size);
  longer[size] = 0;
  write_file(entry, longer, size + 1);
  free(longer);
  free(data);
}

static void make_empty(const char *dir, const char *entry, int mode) {
  (void)dir;
  (void)mode;
  write_file(entry, "", 0);
}

static void garbage_header(const char *dir, const char *entry, int mode) {
  (void)dir;
  (void)mode;
  size_t size = 0;
  char *data = read_whole(entry, &size);
  cr_assert_gt(size, 64u);
  memset(data, 'G', 64);
  write_file(entry, data, size);
  free(data);
}

/* The magic kept, every length and the checksum set to all ones: must not be trusted (nor make
 * the loader allocate or read absurd sizes). */
static void huge_lengths(const char *dir, const char *entry, int mode) {
  (void)dir;
  (void)mode;
  size_t size = 0;
  char *data = read_whole(entry, &size);
  cr_assert_gt(size, 32u);
  memset(data + 8, 0xff, 24);
  write_file(entry, data, size);
  free(data);
}

/* A valid entry of another program (another mode: other options, so another key) renamed to
 * this program's file name. Trusting it would compute the other mode's padding. */
static void foreign_entry(const char *dir, const char *entry, int mode) {
  char other[512];
  build_entry(dir, mode == OCLNN_PAD_CONSTANT ? OCLNN_PAD_CIRCULAR : OCLNN_PAD_CONSTANT, other,
              sizeof other);
  cr_assert_str_neq(other, entry);
  cr_assert_eq(rename(other, entry), 0, "rename: %s", strerror(errno));
}

Test(cache, flipped_binary_bytes_are_rebuilt) { check_rebuilt(flip_binary_bytes, "flipped bytes"); }
Test(cache, half_truncated_entry_is_rebuilt) { check_rebuilt(truncate_to_half, "half truncated"); }
Test(cache, entry_short_by_one_byte_is_rebuilt) {
  check_rebuilt(truncate_by_one, "one byte short");
}
Test(cache, entry_with_trailing_byte_is_rebuilt) { check_rebuilt(append_byte, "one byte extra"); }
Test(cache, empty_entry_is_rebuilt) { check_rebuilt(make_empty, "empty"); }
Test(cache, garbage_header_is_rebuilt) { check_rebuilt(garbage_header, "garbage header"); }
Test(cache, absurd_lengths_are_rebuilt) { check_rebuilt(huge_lengths, "absurd lengths"); }
Test(cache, foreign_entry_is_rebuilt) { check_rebuilt(foreign_entry, "foreign key"); }

Test(cache, entry_path_taken_by_a_directory_still_works) {
  const char *dir = fresh_dir();
  char entry[512];
  build_entry(dir, OCLNN_PAD_REFLECT, entry, sizeof entry);
  cr_assert_eq(unlink(entry), 0);
  cr_assert_eq(mkdir(entry, 0755), 0);
  oclnn_context *ctx = context_on(dir);
  oclnn_pad *pad = pad_on(ctx, OCLNN_PAD_REFLECT);
  check_pad(ctx, pad, OCLNN_PAD_REFLECT);
  TEST_OK(ctx, oclnn_context_finish(ctx));
  oclnn_pad_free(pad);
  oclnn_context_free(ctx);
  struct stat st;
  cr_assert_eq(stat(entry, &st), 0);
  cr_assert(S_ISDIR(st.st_mode));
  cr_assert_eq(list_dir(dir).temporary, 0, "temporary files left behind");
}

/* ---- (c) directories that cannot be written or created -------------------------------------- */

Test(cache, read_only_directory_still_works, .timeout = 120) {
  const char *base = fresh_dir();
  cr_assert_eq(chmod(base, 0755), 0);
  char dir[600];
  snprintf(dir, sizeof dir, "%s/cache", base);
  cr_assert_eq(mkdir(dir, 0755), 0);
  char entry[512];
  build_entry(dir, OCLNN_PAD_REFLECT, entry, sizeof entry);
  cr_assert_eq(chmod(dir, 0555), 0);

  /* Root (CAP_DAC_OVERRIDE) writes into 0555 directories anyway; then the helper runs as
   * nobody, for whom the directory really is read-only. */
  bool privileged = false;
  int fd = open(path_in(dir, "probe"), O_CREAT | O_EXCL | O_WRONLY, 0644);
  if (fd >= 0) {
    close(fd);
    unlink(path_in(dir, "probe"));
    privileged = true;
  }
  char pocl_dir[600], pocl_var[700], dir_var[700], entry_var[700];
  const char *env[8];
  int e = 0;
  snprintf(dir_var, sizeof dir_var, "OCLNN_CACHE_TEST_DIR=%s", dir);
  snprintf(entry_var, sizeof entry_var, "OCLNN_CACHE_TEST_UNCHANGED=%s", entry);
  env[e++] = dir_var;
  env[e++] = entry_var;
  /* Reflect loads the entry; constant misses, builds and cannot store. */
  env[e++] = "OCLNN_CACHE_TEST_MODES=10";
  env[e++] = "OCLNN_CACHE_TEST_READONLY=1";
  if (privileged) {
    /* nobody needs a PoCL kernel cache it can write. */
    snprintf(pocl_dir, sizeof pocl_dir, "%s/pocl", base);
    cr_assert_eq(mkdir(pocl_dir, 0777), 0);
    cr_assert_eq(chmod(pocl_dir, 0777), 0);
    snprintf(pocl_var, sizeof pocl_var, "POCL_CACHE_DIR=%s", pocl_dir);
    env[e++] = pocl_var;
  }
  env[e] = NULL;
  int code = wait_helper(spawn_helper(env, privileged));
  if (code == HELPER_NO_PRIVILEGE_DROP)
    cr_skip_test("running as root and cannot switch to uid 65534, so no directory is read-only "
                 "here (the uncreatable-directory test still covers unwritable caches)");
  assert_helper_ok(code,
                   privileged ? "a read-only directory (as nobody)" : "a read-only directory");
  dir_listing listing = list_dir(dir);
  cr_assert_eq(listing.entries, 1, "%d entries in a read-only directory", listing.entries);
  cr_assert_eq(listing.temporary, 0);
  cr_assert_eq(listing.other, 0);
}

Test(cache, missing_directory_is_created) {
  const char *base = fresh_dir();
  char dir[600];
  snprintf(dir, sizeof dir, "%s/a/b/c", base);
  oclnn_context *ctx = context_on(dir);
  cr_assert_str_eq(oclnn_context_cache_dir(ctx), dir);
  struct stat st;
  cr_assert_eq(stat(dir, &st), 0, "the missing cache directory was not created");
  cr_assert(S_ISDIR(st.st_mode));
  oclnn_pad *pad = pad_on(ctx, OCLNN_PAD_REPLICATE);
  cr_assert_eq(list_dir(dir).entries, 1);
  check_pad(ctx, pad, OCLNN_PAD_REPLICATE);
  oclnn_pad_free(pad);
  oclnn_context_free(ctx);
}

Test(cache, uncreatable_directory_still_works) {
  const char *base = fresh_dir();
  const char *content = "a regular file, not a directory\n";
  char *file = path_in(base, "file");
  write_file(file, content, strlen(content));
  char under_file[600];
  snprintf(under_file, sizeof under_file, "%s/file/cache", base);
  const char *dirs[] = {under_file, file};
  for (size_t i = 0; i < 2; i++) {
    oclnn_context *ctx = context_on(dirs[i]);
    for (int mode = 0; mode < 4; mode++) {
      oclnn_pad *pad = pad_on(ctx, mode);
      check_pad(ctx, pad, mode);
      oclnn_pad_free(pad);
    }
    TEST_OK(ctx, oclnn_context_finish(ctx));
    oclnn_context_free(ctx);
  }
  size_t size = 0;
  char *after = read_whole(file, &size);
  cr_assert_str_eq(after, content, "the regular file in the cache path was changed");
  free(after);
  dir_listing listing = list_dir(base);
  cr_assert_eq(listing.entries + listing.temporary + listing.other, 1,
               "something was created next to the file");
}

/* ---- (d) resolution of the directory, and "off" --------------------------------------------- */

Test(cache, off_disables_the_disk_cache) {
  pin_pocl_cache();
  const char *home = fresh_dir();
  setenv("HOME", home, 1);
  setenv("XDG_CACHE_HOME", home, 1);
  setenv("OCLNN_CACHE_DIR", "off", 1);
  oclnn_context *ctx = context_on(NULL);
  cr_assert_null(oclnn_context_cache_dir(ctx), "OCLNN_CACHE_DIR=off gave %s",
                 oclnn_context_cache_dir(ctx));
  oclnn_pad *pad = pad_on(ctx, OCLNN_PAD_CIRCULAR);
  check_pad(ctx, pad, OCLNN_PAD_CIRCULAR);
  TEST_OK(ctx, oclnn_context_finish(ctx));
  oclnn_pad_free(pad);
  oclnn_context_free(ctx);

  /* options.cache_dir = "off" wins over a directory in the environment. */
  const char *dir = fresh_dir();
  setenv("OCLNN_CACHE_DIR", dir, 1);
  ctx = context_on("off");
  cr_assert_null(oclnn_context_cache_dir(ctx));
  pad = pad_on(ctx, OCLNN_PAD_CIRCULAR);
  check_pad(ctx, pad, OCLNN_PAD_CIRCULAR);
  TEST_OK(ctx, oclnn_context_finish(ctx));
  oclnn_pad_free(pad);
  oclnn_context_free(ctx);

  dir_listing listing = list_dir(dir);
  cr_assert_eq(listing.entries + listing.temporary + listing.other, 0,
               "options.cache_dir=\"off\" still wrote to $OCLNN_CACHE_DIR");
  struct stat st;
  cr_assert_neq(stat(path_in(home, "oclnn"), &st), 0, "off still created $XDG_CACHE_HOME/oclnn");
  cr_assert_neq(stat(path_in(home, ".cache/oclnn"), &st), 0, "off still created ~/.cache/oclnn");
}

Test(cache, directory_resolution_order) {
  pin_pocl_cache();
  const char *home = fresh_dir(), *xdg = fresh_dir(), *explicit_dir = fresh_dir();
  char expected[600];
  struct stat st;

  unsetenv("OCLNN_CACHE_DIR");
  setenv("HOME", home, 1);
  setenv("XDG_CACHE_HOME", xdg, 1);
  oclnn_context *ctx = context_on(NULL);
  snprintf(expected, sizeof expected, "%s/oclnn", xdg);
  cr_assert_str_eq(oclnn_context_cache_dir(ctx), expected);
  cr_assert_eq(stat(expected, &st), 0, "$XDG_CACHE_HOME/oclnn was not created");
  oclnn_context_free(ctx);

  unsetenv("XDG_CACHE_HOME");
  ctx = context_on(NULL);
  snprintf(expected, sizeof expected, "%s/.cache/oclnn", home);
  cr_assert_str_eq(oclnn_context_cache_dir(ctx), expected);
  cr_assert_eq(stat(expected, &st), 0, "~/.cache/oclnn was not created");
  oclnn_context_free(ctx);

  setenv("OCLNN_CACHE_DIR", explicit_dir, 1);
  ctx = context_on(NULL);
  cr_assert_str_eq(oclnn_context_cache_dir(ctx), explicit_dir);
  oclnn_context_free(ctx);

  /* options.cache_dir wins over the environment. */
  char option_dir[600];
  snprintf(option_dir, sizeof option_dir, "%s/from-options", explicit_dir);
  ctx = context_on(option_dir);
  cr_assert_str_eq(oclnn_context_cache_dir(ctx), option_dir);
  oclnn_context_free(ctx);
}

/* ---- (e) two processes building the same programs at once ----------------------------------- */

Test(cache, two_processes_build_at_once, .timeout = 120) {
  const char *dir = fresh_dir();
  int ready[2], gate[2];
  cr_assert_eq(pipe(ready), 0);
  cr_assert_eq(pipe(gate), 0);
  char dir_var[600], ready_var[64], gate_var[64], close_var[64];
  snprintf(dir_var, sizeof dir_var, "OCLNN_CACHE_TEST_DIR=%s", dir);
  snprintf(ready_var, sizeof ready_var, "OCLNN_CACHE_TEST_READY_FD=%d", ready[1]);
  snprintf(gate_var, sizeof gate_var, "OCLNN_CACHE_TEST_GATE_FD=%d", gate[0]);
  snprintf(close_var, sizeof close_var, "OCLNN_CACHE_TEST_CLOSE_FD=%d", gate[1]);
  const char *env[] = {dir_var, "OCLNN_CACHE_TEST_MODES=0123", ready_var, gate_var, close_var,
                       NULL};
  pid_t first = spawn_helper(env, false);
  pid_t second = spawn_helper(env, false);
  close(ready[1]);
  close(gate[0]);
  /* Both have their contexts; open the gate so that both build at the same moment. */
  char bytes[2];
  size_t got = 0;
  while (got < 2) {
    ssize_t n = read(ready[0], bytes + got, 2 - got);
    if (n <= 0)
      break; /* a helper died before it was ready: its exit code tells why */
    got += (size_t)n;
  }
  close(gate[1]);
  close(ready[0]);
  int code_first = wait_helper(first), code_second = wait_helper(second);
  assert_helper_ok(code_first, "the first of two concurrent processes");
  assert_helper_ok(code_second, "the second of two concurrent processes");
  cr_assert_eq(got, 2u);

  dir_listing listing = list_dir(dir);
  cr_assert_eq(listing.entries, 4, "%d entries for 4 programs", listing.entries);
  cr_assert_eq(listing.temporary, 0, "temporary files left behind");
  cr_assert_eq(listing.other, 0);

  /* Every entry they left is valid: a new context loads all four without rewriting any. */
  file_state states[4];
  char paths[4][600];
  for (int i = 0; i < 4; i++) {
    snprintf(paths[i], sizeof paths[i], "%s/%s", dir, listing.names[i]);
    states[i] = file_stat(paths[i]);
  }
  oclnn_context *ctx = context_on(dir);
  for (int mode = 0; mode < 4; mode++) {
    oclnn_pad *pad = pad_on(ctx, mode);
    check_pad(ctx, pad, mode);
    oclnn_pad_free(pad);
  }
  for (int i = 0; i < 4; i++)
    cr_assert(same_file(states[i], file_stat(paths[i])), "entry %s was not loadable",
              listing.names[i]);
  oclnn_context_free(ctx);
}

/* ---- (f) build failures and missing sources ------------------------------------------------- */

static const char BROKEN_PAD[] = "/* deliberately broken for test_cache */\n"
                                 "__kernel void pad_forward(__global float *out) {\n"
                                 "  out[0] = oclnn_test_undeclared_identifier;\n"
                                 "}\n";

Test(cache, build_failure_returns_the_build_log) {
  const char *dir = fresh_dir(), *kernels = fresh_dir();
  copy_kernel_source("common.cl", kernels, NULL);
  write_file(path_in(kernels, "pad.cl"), BROKEN_PAD, strlen(BROKEN_PAD));
  setenv("OCLNN_KERNEL_DIR", kernels, 1);
  oclnn_context *ctx = context_on(dir);
  for (int attempt = 0; attempt < 2; attempt++) {
    oclnn_pad_desc desc = pad_desc(OCLNN_PAD_REFLECT);
    oclnn_pad *pad = (oclnn_pad *)(uintptr_t)1;
    oclnn_status status = oclnn_pad_create(ctx, &desc, &pad);
    cr_assert_eq(status, OCLNN_ERR_BUILD, "attempt %d: %s: %s", attempt,
                 oclnn_status_string(status), oclnn_context_error(ctx));
    cr_assert_null(pad, "*out must be NULL after a failed create");
    const char *message = oclnn_context_error(ctx);
    cr_assert(strstr(message, "oclnn_pad_create"), "no function name: %s", message);
    cr_assert(strstr(message, "pad.cl"), "the message does not name pad.cl: %s", message);
    cr_assert(strstr(message, "oclnn_test_undeclared_identifier"),
              "the compiler's error is not in the message: %s", message);
    cr_assert(strstr(message, "error"), "no compiler error text: %s", message);
  }
  oclnn_context_free(ctx);
  dir_listing listing = list_dir(dir);
  cr_assert_eq(listing.entries + listing.temporary, 0, "a failed build left a cache file");
}

static void assert_io_error(const char *kernels, const char *missing) {
  setenv("OCLNN_KERNEL_DIR", kernels, 1);
  const char *dir = fresh_dir();
  oclnn_context *ctx = context_on(dir);
  oclnn_pad_desc desc = pad_desc(OCLNN_PAD_CONSTANT);
  oclnn_pad *pad = (oclnn_pad *)(uintptr_t)1;
  oclnn_status status = oclnn_pad_create(ctx, &desc, &pad);
  cr_assert_eq(status, OCLNN_ERR_IO, "missing %s: %s: %s", missing, oclnn_status_string(status),
               oclnn_context_error(ctx));
  cr_assert_null(pad);
  cr_assert(strstr(oclnn_context_error(ctx), missing), "the message does not name %s: %s", missing,
            oclnn_context_error(ctx));
  cr_assert(strstr(oclnn_context_error(ctx), "oclnn_pad_create"), "%s", oclnn_context_error(ctx));
  oclnn_context_free(ctx);
  cr_assert_eq(list_dir(dir).entries, 0);
}

Test(cache, missing_kernel_files_are_io_errors) {
  const char *only_common = fresh_dir(), *only_pad = fresh_dir(), *empty = fresh_dir();
  copy_kernel_source("common.cl", only_common, NULL);
  copy_kernel_source("pad.cl", only_pad, NULL);
  assert_io_error(only_common, "pad.cl");
  assert_io_error(only_pad, "common.cl");
  assert_io_error(empty, ".cl");
  char nowhere[600];
  snprintf(nowhere, sizeof nowhere, "%s/does-not-exist", empty);
  assert_io_error(nowhere, ".cl");

  /* And with both files there, the kernel directory builds. */
  copy_kernel_source("pad.cl", only_common, NULL);
  setenv("OCLNN_KERNEL_DIR", only_common, 1);
  oclnn_context *ctx = context_on(fresh_dir());
  oclnn_pad *pad = pad_on(ctx, OCLNN_PAD_CONSTANT);
  check_pad(ctx, pad, OCLNN_PAD_CONSTANT);
  oclnn_pad_free(pad);
  oclnn_context_free(ctx);
}

/* ---- (g) prebuild --------------------------------------------------------------------------- */

typedef struct progress_log {
  int calls;
  int last_done;
  int total;
  bool ordered;
  bool same_total;
  bool described;
  bool saw_pad;
} progress_log;

static void record_progress(void *user, int done, int total, const char *what) {
  progress_log *log = user;
  if (log->calls == 0)
    log->total = total;
  log->ordered = log->ordered && done == log->last_done + 1;
  log->same_total = log->same_total && total == log->total;
  log->described = log->described && what && *what;
  log->saw_pad = log->saw_pad || (what && strstr(what, "pad.cl"));
  log->last_done = done;
  log->calls++;
}

static progress_log new_log(void) {
  progress_log log = {0, 0, 0, true, true, true, false};
  return log;
}

/* Valgrind runs its client with its preload libraries in LD_PRELOAD. */
static bool under_valgrind(void) {
  const char *preload = getenv("LD_PRELOAD");
  return preload && strstr(preload, "vgpreload");
}

Test(cache, prebuild_reports_progress_and_fills_the_directory, .timeout = 300) {
  if (under_valgrind())
    cr_skip_test("prebuild compiles every variant of every layer (about 3 s natively), which "
                 "takes longer than this test's timeout under valgrind; its host code is plain "
                 "loops over oclnn__program_get, which the other tests here cover");
  const char *dir = fresh_dir();
  oclnn_context *ctx = context_on(dir);
  progress_log log = new_log();
  TEST_OK(ctx, oclnn_context_prebuild(ctx, record_progress, &log));
  cr_assert_geq(log.calls, 8, "prebuild reported %d programs; pad alone has 8 variants", log.calls);
  cr_assert_eq(log.calls, log.total, "%d progress calls for a total of %d", log.calls, log.total);
  cr_assert(log.ordered, "done did not count 1, 2, ... total");
  cr_assert(log.same_total);
  cr_assert(log.described, "a progress call had no description");
  cr_assert(log.saw_pad, "no progress call names pad.cl");
  dir_listing listing = list_dir(dir);
  cr_assert_eq(listing.entries, log.total, "%d entries for %d programs", listing.entries,
               log.total);
  cr_assert_eq(listing.temporary, 0);

  /* Everything is in memory now: a second prebuild reports again and writes nothing. */
  int count = listing.entries < 32 ? listing.entries : 32;
  file_state states[32];
  for (int i = 0; i < count; i++)
    states[i] = file_stat(path_in(dir, listing.names[i]));
  progress_log again = new_log();
  TEST_OK(ctx, oclnn_context_prebuild(ctx, record_progress, &again));
  cr_assert_eq(again.calls, log.calls);
  oclnn_context_free(ctx);

  /* A new context prebuilds from disk (no progress callback) and a layer finds its program. */
  oclnn_context *second = context_on(dir);
  TEST_OK(second, oclnn_context_prebuild(second, NULL, NULL));
  oclnn_pad *pad = pad_on(second, OCLNN_PAD_REPLICATE);
  for (int i = 0; i < count; i++)
    cr_assert(same_file(states[i], file_stat(path_in(dir, listing.names[i]))),
              "entry %s was rebuilt after prebuild", listing.names[i]);
  check_pad(second, pad, OCLNN_PAD_REPLICATE);
  oclnn_pad_free(pad);
  oclnn_context_free(second);

  cr_assert_eq(oclnn_context_prebuild(NULL, NULL, NULL), OCLNN_ERR_NULL_ARGUMENT);
}

/* ---- (h) the entry is stored again once the kernel has run ---------------------------------- */

Test(cache, entry_is_rewritten_after_first_launch) {
  const char *dir = fresh_dir();
  oclnn_context *ctx = context_on(dir);
  oclnn_pad *pad = pad_on(ctx, OCLNN_PAD_CONSTANT);
  char entry[512];
  snprintf(entry, sizeof entry, "%s", list_dir(dir).first_entry);
  file_state built = file_stat(entry);
  cr_assert(built.exists);

  check_pad(ctx, pad, OCLNN_PAD_CONSTANT); /* launch + synchronising download */
  cr_assert(same_file(built, file_stat(entry)), "stored before oclnn_context_finish");
  TEST_OK(ctx, oclnn_context_finish(ctx));
  file_state launched = file_stat(entry);
  cr_assert(launched.exists);
  cr_assert_neq(launched.ino, built.ino, "oclnn_context_finish did not store the entry again");
  /* Not asserted: that the new entry is larger. With PoCL 3.1 here the binary fetched after a
   * launch is byte-identical to the one fetched after the build (both hold only the generic
   * work-group code; the one specialised for the local size is not part of the binary). */

  /* The same local size again: nothing new to store. */
  check_pad(ctx, pad, OCLNN_PAD_CONSTANT);
  TEST_OK(ctx, oclnn_context_finish(ctx));
  cr_assert(same_file(launched, file_stat(entry)), "stored again without a new local size");
  oclnn_pad_free(pad);
  oclnn_context_free(ctx);
  cr_assert(same_file(launched, file_stat(entry)), "free stored again with nothing new");

  /* The stored entry loads and runs in a new context; it holds the local size it was launched
   * with, so launching that again stores nothing (a warm start writes no cache files). */
  oclnn_context *second = context_on(dir);
  oclnn_pad *loaded = pad_on(second, OCLNN_PAD_CONSTANT);
  cr_assert(same_file(launched, file_stat(entry)), "the launched entry was not loadable");
  check_pad(second, loaded, OCLNN_PAD_CONSTANT);
  TEST_OK(second, oclnn_context_finish(second));
  cr_assert(same_file(launched, file_stat(entry)),
            "a loaded entry was stored again after a launch with a local size it holds");
  oclnn_pad_free(loaded);
  oclnn_context_free(second);
  cr_assert(same_file(launched, file_stat(entry)), "free stored a loaded entry with nothing new");
  cr_assert_eq(list_dir(dir).temporary, 0);
}

Test(cache, free_stores_what_finish_would_have) {
  const char *dir = fresh_dir();
  oclnn_context *ctx = context_on(dir);
  oclnn_pad *pad = pad_on(ctx, OCLNN_PAD_REPLICATE);
  char entry[512];
  snprintf(entry, sizeof entry, "%s", list_dir(dir).first_entry);
  file_state built = file_stat(entry);
  check_pad(ctx, pad, OCLNN_PAD_REPLICATE);
  oclnn_pad_free(pad);
  oclnn_context_free(ctx);
  file_state after = file_stat(entry);
  cr_assert(after.exists);
  cr_assert_neq(after.ino, built.ino, "oclnn_context_free did not store the launched program");
  cr_assert_eq(list_dir(dir).temporary, 0);
}

/* A fake entry of `kib` KiB whose last write and last use lie `age` seconds in the past. */
static void old_file(const char *path, size_t kib, time_t written_ago, time_t used_ago) {
  char *data = calloc(kib, 1024);
  cr_assert_not_null(data);
  write_file(path, data, kib * 1024);
  free(data);
  time_t now = time(NULL);
  struct timespec times[2] = {{now - used_ago, 0}, {now - written_ago, 0}};
  cr_assert_eq(utimensat(AT_FDCWD, path, times, 0), 0, "utimensat %s: %s", path, strerror(errno));
}

Test(cache, least_recently_used_entries_are_trimmed_to_the_limit) {
  const char *dir = fresh_dir();
  cr_assert_eq(setenv("OCLNN_CACHE_MAX_MB", "1", 1), 0);
  /* 1.5 MiB of older entries: the directory is over its 1 MiB limit once a new entry lands.
   * The trim frees down to 768 KiB, least recently used first: b (written long ago, loaded an
   * hour ago) counts as more recent than a and c. */
  old_file(path_in(dir, "00000000000000a0.oclnnbin"), 512, 3 * 86400, 3 * 86400);
  old_file(path_in(dir, "00000000000000b0.oclnnbin"), 256, 4 * 86400, 3600);
  old_file(path_in(dir, "00000000000000c0.oclnnbin"), 512, 2 * 86400, 2 * 86400);
  old_file(path_in(dir, "00000000000000d0.oclnnbin"), 256, 1800, 1800);
  /* Not entries: never removed, except a temporary file whose writer is long gone. */
  old_file(path_in(dir, "notes.txt"), 600, 5 * 86400, 5 * 86400);
  old_file(path_in(dir, "00000000000000e0.oclnnbin.tmp.1.0"), 1, 86400, 86400);
  old_file(path_in(dir, "00000000000000f0.oclnnbin.tmp.2.0"), 1, 0, 0);

  char entry[512];
  build_entry(dir, OCLNN_PAD_REFLECT, entry, sizeof entry);
  cr_assert(file_stat(entry).exists, "the new entry itself was trimmed");
  cr_assert_not(file_stat(path_in(dir, "00000000000000a0.oclnnbin")).exists);
  cr_assert_not(file_stat(path_in(dir, "00000000000000c0.oclnnbin")).exists);
  cr_assert(file_stat(path_in(dir, "00000000000000b0.oclnnbin")).exists,
            "a recently loaded entry was trimmed before older ones");
  cr_assert(file_stat(path_in(dir, "00000000000000d0.oclnnbin")).exists);
  cr_assert(file_stat(path_in(dir, "notes.txt")).exists, "a file that is not an entry was removed");
  cr_assert_not(file_stat(path_in(dir, "00000000000000e0.oclnnbin.tmp.1.0")).exists);
  cr_assert(file_stat(path_in(dir, "00000000000000f0.oclnnbin.tmp.2.0")).exists,
            "a live writer's temporary file was removed");

  /* Loading marks an entry as used (access time), without rewriting it (nothing is launched:
   * a launch would store the entry again). */
  struct timespec long_ago[2] = {{time(NULL) - 86400, 0}, {time(NULL) - 86400, 0}};
  cr_assert_eq(utimensat(AT_FDCWD, entry, long_ago, 0), 0);
  file_state before = file_stat(entry);
  oclnn_context *ctx = context_on(dir);
  oclnn_pad_free(pad_on(ctx, OCLNN_PAD_REFLECT));
  oclnn_context_free(ctx);
  struct stat st;
  cr_assert_eq(stat(entry, &st), 0);
  cr_assert(same_file(before, file_stat(entry)), "a disk hit rewrote the entry");
  cr_assert_geq(st.st_atime, time(NULL) - 600, "a disk hit did not mark the entry as used");
}

Test(cache, limit_zero_means_no_limit) {
  const char *dir = fresh_dir();
  cr_assert_eq(setenv("OCLNN_CACHE_MAX_MB", "0", 1), 0);
  old_file(path_in(dir, "00000000000000a0.oclnnbin"), 2048, 86400, 86400);
  char entry[512];
  build_entry(dir, OCLNN_PAD_REPLICATE, entry, sizeof entry);
  cr_assert(file_stat(path_in(dir, "00000000000000a0.oclnnbin")).exists);
}
