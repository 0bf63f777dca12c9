#!/usr/bin/env bash
# The README's second command: set up, build, and run every test.
# GRIDPLAN_SANITIZE=1 builds into build-asan/ with AddressSanitizer and UBSan and runs the
# same tests there; any sanitizer report fails the run.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
bash "$root/scripts/setup.sh" --test
if [ "${GRIDPLAN_SANITIZE:-0}" = 1 ]; then
  build=${GRIDPLAN_BUILD_DIR:-$root/build-asan}
  # GDAL and PROJ keep caches until exit: leak reports from them are not ours.
  export ASAN_OPTIONS=${ASAN_OPTIONS:-detect_leaks=0:abort_on_error=1}
  export UBSAN_OPTIONS=${UBSAN_OPTIONS:-print_stacktrace=1:halt_on_error=1}
else
  build=${GRIDPLAN_BUILD_DIR:-$root/build}
fi
GRIDPLAN_BUILD_DIR=$build bash "$root/scripts/build.sh"
ctest --test-dir "$build" --output-on-failure -j "${GRIDPLAN_JOBS:-2}"
