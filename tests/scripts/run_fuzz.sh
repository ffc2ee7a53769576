#!/bin/sh
# run_fuzz.sh CLANG SOURCE_DIR BUILD_DIR SECONDS
# tests/fuzz.cmake's test: builds tests/fuzz (the loader's libFuzzer target, clang with
# ASan + UBSan) in BUILD_DIR, replays every seed once (the committed nets, the malformed models
# and tests/fuzz/corpus/, which holds inputs that once crashed the loader), then fuzzes for
# SECONDS from those seeds. Fails on any crash, leak, UB report, timeout or out-of-memory;
# libFuzzer's reproducer is left in BUILD_DIR/artifacts/ (add it to tests/fuzz/corpus/ once fixed).
set -eu
clang=$1 src=$2 build=$3 seconds=$4
cmake -S "$src/tests/fuzz" -B "$build" -DCMAKE_C_COMPILER="$clang" \
  -DCMAKE_BUILD_TYPE=RelWithDebInfo >"$build.configure.log" 2>&1 ||
  { cat "$build.configure.log"; exit 1; }
cmake --build "$build" --target fuzz_model_parse --parallel 2 >"$build.build.log" 2>&1 ||
  { tail -n 50 "$build.build.log"; exit 1; }
rm -rf "$build/seeds" "$build/work"
mkdir -p "$build/seeds" "$build/work" "$build/artifacts"
for f in "$src"/tests/data/onnx/*.onnx; do cp "$f" "$build/seeds/"; done
for f in "$src"/tests/data/onnx/malformed/*.onnx; do cp "$f" "$build/seeds/malformed_${f##*/}"; done
for f in "$src"/tests/fuzz/corpus/*; do [ -f "$f" ] && cp "$f" "$build/seeds/corpus_${f##*/}"; done
# A model of a few KB must not make the loader allocate a GB or think for seconds.
limits="-timeout=10 -rss_limit_mb=1024 -malloc_limit_mb=1024 -artifact_prefix=$build/artifacts/"
echo "replaying $(ls "$build/seeds" | wc -l) seeds"
# shellcheck disable=SC2086
"$build/fuzz_model_parse" $limits -runs=0 "$build/seeds"
echo "fuzzing for $seconds s"
# shellcheck disable=SC2086
"$build/fuzz_model_parse" $limits -max_total_time="$seconds" -print_final_stats=1 \
  "$build/work" "$build/seeds"
