#!/usr/bin/env bash
# Builds the libFuzzer targets (clang, -DGRIDPLAN_FUZZ=ON: ASan + UBSan) into build-fuzz/
# and runs each for a bounded time from its seed corpus in tests/fuzz/corpus/<target>/.
# Not run by CI.
#
#   FUZZ_SECONDS=60          seconds per target
#   FUZZ_TARGETS="..."       which targets (default: fuzz_config fuzz_osm_tags fuzz_district)
#   FUZZ_KEEP_GOING=1        go on after a finding (libFuzzer -fork=1 -ignore_crashes=1 ...)
#   FUZZ_BUILD_DIR=DIR       build folder (default build-fuzz/)
#   GRIDPLAN_JOBS=N          build jobs (default 1); the build runs under nice -n 15
#
# The seed corpus is copied to DIR/work/<target>/corpus, so the repository is not modified;
# new inputs, findings (crash-*, leak-*, timeout-*, oom-*) and the log stay in
# DIR/work/<target>/. One line per target gives executions, coverage (cov: edges,
# ft: features) and findings; the exit status is 1 if any target found something.
# Reproduce a finding with: DIR/tests/fuzz/<target> DIR/work/<target>/findings/crash-...
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
build=${FUZZ_BUILD_DIR:-$root/build-fuzz}
seconds=${FUZZ_SECONDS:-60}
targets=${FUZZ_TARGETS:-"fuzz_config fuzz_osm_tags fuzz_district"}
jobs=${GRIDPLAN_JOBS:-1}

# --- packages: the project's own, clang and its libFuzzer runtime ----------------------
bash "$root/scripts/setup.sh" --fuzz

# --- build --------------------------------------------------------------------------
generator=()
if command -v ninja >/dev/null 2>&1; then
  generator=(-G Ninja)
fi
if [ ! -f "$build/CMakeCache.txt" ]; then
  CC=clang CXX=clang++ cmake -S "$root" -B "$build" "${generator[@]}" -DCMAKE_BUILD_TYPE=RelWithDebInfo \
    -DGRIDPLAN_FUZZ=ON -DGRIDPLAN_BUILD_TESTS=OFF >/dev/null
fi
# shellcheck disable=SC2086
nice -n 15 cmake --build "$build" -j "$jobs" --target $targets

# --- run ------------------------------------------------------------------------------
max_len() {
  case "$1" in
    fuzz_config) echo 4096 ;;
    fuzz_osm_tags) echo 8192 ;;
    fuzz_district) echo 320 ;;
    *) echo 4096 ;;
  esac
}
timeout_s() {
  case "$1" in
    fuzz_district) echo 30 ;;
    *) echo 10 ;;
  esac
}

export ASAN_OPTIONS=${ASAN_OPTIONS:-abort_on_error=1:detect_leaks=1:allocator_may_return_null=1}
export UBSAN_OPTIONS=${UBSAN_OPTIONS:-print_stacktrace=1:halt_on_error=1}
export LSAN_OPTIONS=${LSAN_OPTIONS:-suppressions=$root/tests/fuzz/lsan.supp:print_suppressions=0}

field() { sed -n "s/.* $1: *\([0-9][0-9]*\).*/\1/p" <<<"$2" | head -n1; }

status=0
summary=()
for t in $targets; do
  work=$build/work/$t
  rm -rf "$work"
  mkdir -p "$work/seeds" "$work/corpus" "$work/findings"
  cp -R "$root/tests/fuzz/corpus/$t/." "$work/seeds/"
  cp -R "$work/seeds/." "$work/corpus/"
  args=(-max_total_time="$seconds" -max_len="$(max_len "$t")" -timeout="$(timeout_s "$t")" -rss_limit_mb=2048
        -print_final_stats=1 -artifact_prefix="$work/findings/")
  if [ -f "$root/tests/fuzz/$t.dict" ]; then
    args+=(-dict="$root/tests/fuzz/$t.dict")
  fi
  if [ "${FUZZ_KEEP_GOING:-0}" = 1 ]; then
    args+=(-fork=1 -ignore_crashes=1 -ignore_timeouts=1 -ignore_ooms=1)
  fi
  echo "fuzz.sh: $t for ${seconds} s (log: $work/fuzz.log)" >&2
  set +e
  (cd "$work" && "$build/tests/fuzz/$t" "${args[@]}" "$work/corpus") >"$work/fuzz.log" 2>&1
  rc=$?
  set -e
  # Coverage of the seeds and of the corpus at the end, each replayed without mutation.
  replay() {
    "$build/tests/fuzz/$t" -runs=0 -max_len="$(max_len "$t")" "$1" 2>&1 | grep -E 'INITED|DONE' | tail -n1 || true
  }
  seed_line=$(replay "$work/seeds")
  end_line=$(replay "$work/corpus")
  execs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$work/fuzz.log" | tail -n1)
  rate=$(sed -n 's/^stat::average_exec_per_sec: *//p' "$work/fuzz.log" | tail -n1)
  if [ -z "$execs" ]; then  # fork mode: the last status line "#N: cov: ... exec/s: R ..."
    execs=$(sed -n 's/^#\([0-9][0-9]*\):* .*/\1/p' "$work/fuzz.log" | tail -n1)
    rate=$(grep -E '^#[0-9]+' "$work/fuzz.log" | tail -n1 | sed -n 's/.*exec\/s:* *\([0-9][0-9]*\).*/\1/p')
  fi
  corpus=$(find "$work/corpus" -type f | wc -l)
  findings=$(find "$work/findings" -type f | wc -l)
  line="$t: ${execs:-?} executions (${rate:-?}/s), cov $(field cov "$seed_line") -> $(field cov "$end_line"), ft $(field ft "$seed_line") -> $(field ft "$end_line"), corpus $corpus files"
  if [ "$findings" -gt 0 ] || { [ "$rc" -ne 0 ] && [ "${FUZZ_KEEP_GOING:-0}" != 1 ]; }; then
    line+=", FINDINGS: $findings ($(cd "$work/findings" && ls | sed 's/-.*//' | sort | uniq -c | awk '{printf "%s%s %s", sep, $1, $2; sep=", "}')) in $work/findings, exit $rc"
    status=1
  else
    line+=", no findings"
  fi
  summary+=("$line")
done

echo
for line in "${summary[@]}"; do
  echo "$line"
done
exit $status
