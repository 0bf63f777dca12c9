#!/usr/bin/env bash
# Configures and builds gridplan into build/ (or $GRIDPLAN_BUILD_DIR).
# Extra arguments go to cmake, e.g. -DGRIDPLAN_SANITIZE=ON.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
build=${GRIDPLAN_BUILD_DIR:-$root/build}
generator=()
if command -v ninja >/dev/null 2>&1; then
  generator=(-G Ninja)
fi
if [ ! -f "$build/CMakeCache.txt" ]; then
  cmake -S "$root" -B "$build" "${generator[@]}" -DCMAKE_BUILD_TYPE=RelWithDebInfo "$@" >/dev/null
elif [ $# -gt 0 ]; then
  cmake -S "$root" -B "$build" "$@" >/dev/null
fi
cmake --build "$build" -j "${GRIDPLAN_JOBS:-2}"
