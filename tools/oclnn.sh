#!/bin/bash
# oclnn.sh: the two commands of the README, for a Debian 12 machine.
#
#   tools/oclnn.sh demo [OCLNN-DEMO OPTIONS]
#       installs what is missing, builds demos/oclnn-demo in build-demo/ and runs it: a window
#       with live frames through oclnn layers, or without a display a headless run that writes
#       frames to build-demo/demo-output/ (options: tools/oclnn.sh demo --help).
#   tools/oclnn.sh pad-image [INPUT [OUTPUT.png [PAD]]]
#       the smaller example: examples/pad_image pads a photo (default
#       ../shared/images/chelsea.png) with every padding mode, writing build-demo/pad_image.png.
#   tools/oclnn.sh test
#       installs what is missing, checks the formatting, then builds and runs every test twice:
#       build-ci/ (warnings as errors; the host-side suites also under valgrind, the install and
#       example tests) and build-ci-sanitize/ (ASan + UBSan). Exit status 0 only if all passed.
#   tools/oclnn.sh format
#       only the formatting check (clang-format --dry-run --Werror with .clang-format).
#
# Packages are installed with apt-get only when dpkg says they are missing (apt-get update runs
# only then too), so a second run installs nothing. Build trees are reused: a rerun rebuilds what
# changed. JOBS (default: nproc) sets build and ctest parallelism.
set -euo pipefail

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
JOBS=${JOBS:-$(nproc)}

# What the library, its kernels' runtime (PoCL, the CPU OpenCL device the tests run on), the
# example and the demo (SDL2, libv4l2 for cameras, stb for images) need. libc6-dev: gcc only
# recommends it, and recommends are not installed.
BUILD_PACKAGES=(cmake make gcc libc6-dev pkg-config ocl-icd-opencl-dev opencl-headers
  pocl-opencl-icd libstb-dev libsdl2-dev libv4l-dev libprotobuf-c-dev protobuf-c-compiler libonnx-dev)
# And the tests: Criterion, valgrind, Oclgrind (tests/oclgrind.cmake), Xvfb for the demo's window
# test, clang-format, nm (binutils) for the export check, git to list the sources to
# format-check, clinfo to log the platforms, clang-15 for its libFuzzer (tests/fuzz.cmake).
TEST_PACKAGES=("${BUILD_PACKAGES[@]}" libcriterion-dev valgrind oclgrind xvfb xauth clang-format
  binutils git clinfo clang-15)

log() { printf '\n==> %s\n' "$*"; }

ensure_packages() {
  local missing=() package
  for package in "$@"; do
    if ! dpkg-query -W -f='${Status}' "$package" 2>/dev/null | grep -q 'install ok installed'; then
      missing+=("$package")
    fi
  done
  if [ ${#missing[@]} -eq 0 ]; then
    echo "packages: all ${#} present"
    return 0
  fi
  log "installing ${missing[*]}"
  local sudo=()
  if [ "$(id -u)" -ne 0 ]; then
    command -v sudo >/dev/null || {
      echo "not root and no sudo: install ${missing[*]} first" >&2
      return 1
    }
    sudo=(sudo)
  fi
  "${sudo[@]}" apt-get update
  "${sudo[@]}" env DEBIAN_FRONTEND=noninteractive \
    apt-get install -y --no-install-recommends "${missing[@]}"
}

# Every *.c and *.h that git tracks or would add (build trees are ignored), else every one found.
check_format() {
  local files=() file
  if git -C "$ROOT" rev-parse --is-inside-work-tree >/dev/null 2>&1; then
    while IFS= read -r file; do
      [ -f "$ROOT/$file" ] && files+=("$file")
    done < <(git -C "$ROOT" ls-files --cached --others --exclude-standard -- '*.c' '*.h')
  else
    while IFS= read -r file; do
      files+=("$file")
    done < <(cd "$ROOT" && find . -path './build*' -prune -o -type f \( -name '*.c' -o -name '*.h' \) -print)
  fi
  if [ ${#files[@]} -eq 0 ]; then
    echo "format: no sources found" >&2
    return 1
  fi
  local unformatted=()
  for file in "${files[@]}"; do
    (cd "$ROOT" && clang-format --dry-run --Werror "$file" 2>/dev/null) || unformatted+=("$file")
  done
  echo "clang-format $(clang-format --version | grep -o '[0-9][0-9.]*' | head -1):" \
    "${#files[@]} files, ${#unformatted[@]} not formatted"
  [ ${#unformatted[@]} -eq 0 ] && return 0
  for file in "${unformatted[@]}"; do
    (cd "$ROOT" && clang-format "$file" | diff -u --label "$file" --label "$file (clang-format)" "$file" -)
  done | head -n 300 || true
  printf 'not formatted (fix with clang-format -i):'
  printf ' %s' "${unformatted[@]}"
  printf '\n'
  return 1
}

configure_and_build() { # build_dir cmake_options...
  local dir=$1
  shift
  cmake -S "$ROOT" -B "$dir" "$@" && cmake --build "$dir" --parallel "$JOBS"
}

run_ctest() { # build_dir
  ctest --test-dir "$1" --output-on-failure --parallel "$JOBS"
}

STAGES=()
FAILED=()
stage() { # name command...: runs the command, records its time and result, never exits
  local name=$1 start=$SECONDS result=ok
  shift
  log "$name"
  if ! "$@"; then
    result=FAILED
    FAILED+=("$name")
  fi
  STAGES+=("$(printf '  %-44s %5ds  %s' "$name" $((SECONDS - start)) "$result")")
  [ "$result" = ok ]
}

cmd_test() {
  local start=$SECONDS ci=$ROOT/build-ci san=$ROOT/build-ci-sanitize
  log "packages"
  ensure_packages "${TEST_PACKAGES[@]}"
  echo "$(cmake --version | head -1); $(gcc --version | head -1); valgrind $(valgrind --version)"
  clinfo -l || true

  stage "format (clang-format --dry-run --Werror)" check_format || true
  if stage "build $ci (-Werror)" configure_and_build "$ci" -DOCLNN_WERROR=ON -DOCLNN_TEST_VALGRIND=ON; then
    stage "ctest $ci (+ valgrind, install, example)" run_ctest "$ci" || true
  fi
  if stage "build $san (address,undefined)" configure_and_build "$san" -DOCLNN_WERROR=ON \
    -DOCLNN_SANITIZE=address,undefined; then
    stage "ctest $san" run_ctest "$san" || true
  fi

  log "summary"
  printf '%s\n' "${STAGES[@]}"
  printf '  %-44s %5ds\n' "total" $((SECONDS - start))
  if [ ${#FAILED[@]} -ne 0 ]; then
    printf 'FAILED: %s\n' "${FAILED[*]}"
    return 1
  fi
  echo "all passed"
}

build_demo_tree() { # targets...
  local build=$ROOT/build-demo
  log "packages"
  ensure_packages "${BUILD_PACKAGES[@]}"
  log "build $build"
  cmake -S "$ROOT" -B "$build" -DOCLNN_BUILD_TESTS=OFF
  cmake --build "$build" --parallel "$JOBS" --target "$@"
}

cmd_demo() {
  local build=$ROOT/build-demo
  build_demo_tree oclnn-demo
  log "run demos/oclnn-demo"
  if [ $# -eq 0 ]; then
    set -- --output "$build/demo-output"
  fi
  "$build/demos/oclnn-demo" "$@"
}

cmd_pad_image() {
  local build=$ROOT/build-demo
  local input=${1:-$ROOT/../shared/images/chelsea.png} output=${2:-$build/pad_image.png} pad=${3:-64}
  build_demo_tree pad_image
  if [ ! -f "$input" ]; then
    echo "no input image $input: pass one, e.g. tools/oclnn.sh pad-image photo.jpg out.png 32" >&2
    return 1
  fi
  log "run examples/pad_image"
  "$build/examples/pad_image" "$input" "$output" "$pad"
  echo "Output image: $(realpath "$output")"
}

case "${1:-}" in
test) cmd_test ;;
demo)
  shift
  cmd_demo "$@"
  ;;
pad-image)
  shift
  cmd_pad_image "$@"
  ;;
format) check_format ;;
*)
  sed -n '2,20p' "$0" | sed 's/^# \{0,1\}//'
  [ "${1:-}" = help ] || [ "${1:-}" = -h ] || [ "${1:-}" = --help ]
  ;;
esac
