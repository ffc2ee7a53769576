#!/bin/sh
# run_valgrind.sh VALGRIND SUPPRESSIONS LOG_DIR TEST_EXECUTABLE [ARGS...]
#
# Runs a Criterion suite under valgrind memcheck and fails if any of its processes had an error
# or leaked. Criterion runs every test in a child process (no --no-fork in Debian's 2.4.1), so
# valgrind follows children, writes one log per process, and this script reads them all: a
# child's --error-exitcode is lost, because Criterion ignores a worker's exit status once its
# test has passed. Children that are system programs (PoCL runs /usr/bin/ld when it links a
# kernel) are not followed.
set -u
if [ $# -lt 4 ]; then
  echo "usage: $0 VALGRIND SUPPRESSIONS LOG_DIR TEST_EXECUTABLE [ARGS...]" >&2
  exit 2
fi
valgrind=$1 suppressions=$2 logs=$3
shift 3
# World-writable like /tmp: test_cache runs a helper process as nobody (to test an unwritable
# cache as root), and valgrind must be able to create that process's log too.
rm -rf "$logs" && mkdir -p "$logs" && chmod 1777 "$logs" || exit 2
# hwloc (used by PoCL to find the CPU topology) notices valgrind and falls back from its x86
# backend anyway, after work that costs ~1.5 s of every process's ~6 s; skip it directly.
export HWLOC_COMPONENTS=-x86

"$valgrind" --tool=memcheck --error-exitcode=99 --leak-check=full \
  --show-leak-kinds=definite,indirect,possible --errors-for-leak-kinds=definite,indirect,possible \
  --num-callers=40 --suppressions="$suppressions" \
  --child-silent-after-fork=yes --trace-children=yes --trace-children-skip='/usr/bin/*,/usr/sbin/*,/usr/lib/*,/bin/*,/sbin/*' \
  --log-file="$logs/%p.log" "$@"
status=$?

processes=0
failed=0
for log in "$logs"/*.log; do
  [ -e "$log" ] || continue
  processes=$((processes + 1))
  if ! grep -q 'ERROR SUMMARY: 0 errors' "$log"; then
    failed=$((failed + 1))
    echo "---- valgrind found errors: $log" >&2
    cat "$log" >&2
  fi
done
echo "valgrind: $processes processes checked, $failed with errors (logs: $logs); exit status $status"
if [ "$processes" -eq 0 ] || [ "$failed" -ne 0 ] || [ "$status" -ne 0 ]; then
  exit 1
fi
