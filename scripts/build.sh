#!/usr/bin/env bash
# Configures and builds gridplan into build/ (or $GRIDPLAN_BUILD_DIR).
# GRIDPLAN_SANITIZE=1 builds with AddressSanitizer and UndefinedBehaviorSanitizer into
# build-asan/ instead (the same variable scripts/test.sh reads).
# Extra arguments go to cmake, e.g. -DGRIDPLAN_WERROR=ON.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
args=("$@")
if [ "${GRIDPLAN_SANITIZE:-0}" = 1 ]; then
  build=${GRIDPLAN_BUILD_DIR:-$root/build-asan}
  # -O1 and line tables only: the sanitizers' recommended level, and a build that takes
  # about half as long as -O2 -g (CI builds both).
  args+=(-DGRIDPLAN_SANITIZE=ON "-DCMAKE_CXX_FLAGS_RELWITHDEBINFO=-O1 -g1 -DNDEBUG")
else
  build=${GRIDPLAN_BUILD_DIR:-$root/build}
  # Line tables only (-g1): enough for backtraces and perf, and a build about a third
  # shorter than with full debug information.
  args+=("-DCMAKE_CXX_FLAGS_RELWITHDEBINFO=-O2 -g1 -DNDEBUG")
fi
generator=()
if command -v ninja >/dev/null 2>&1; then
  generator=(-G Ninja)
fi
if [ ! -f "$build/CMakeCache.txt" ]; then
  cmake -S "$root" -B "$build" "${generator[@]}" -DCMAKE_BUILD_TYPE=RelWithDebInfo "${args[@]}" >/dev/null
elif [ ${#args[@]} -gt 0 ]; then
  cmake -S "$root" -B "$build" "${args[@]}" >/dev/null
fi
cmake --build "$build" -j "${GRIDPLAN_JOBS:-2}"
