#!/usr/bin/env bash
# Benchmarks: each case runs RUNS times (default 5); the table gives the median wall
# time, the peak resident memory, and the ratio to its baseline measured in the same run
# (GDAL's bare read of the same input: ogrinfo -ro -al -q). Written to bench/results.md.
# Not run by CI. Later stages add their cases below.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
runs=${RUNS:-5}
osm_dir=${GRIDPLAN_OSM_DIR:-$root/../shared/data/osm}
bash "$root/scripts/setup.sh" --bench
bash "$root/scripts/build.sh" -DGRIDPLAN_BUILD_BENCH=ON >/dev/null
build=${GRIDPLAN_BUILD_DIR:-$root/build}
gridplan=$build/cli/gridplan
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

declare -A median_of
rows=()

# measure NAME BASELINE_NAME COMMAND...: median seconds and max peak KiB over $runs runs.
measure() {
  local name=$1 baseline=$2
  shift 2
  local times=() peak=0
  for _ in $(seq "$runs"); do
    /usr/bin/time -f '%e %M' -o "$tmp/time" "$@" >/dev/null 2>"$tmp/stderr" || {
      echo "bench: '$name' failed:" >&2; cat "$tmp/stderr" >&2; exit 1; }
    read -r secs kib <"$tmp/time"
    times+=("$secs")
    [ "$kib" -gt "$peak" ] && peak=$kib
  done
  local median
  median=$(printf '%s\n' "${times[@]}" | sort -g | awk '{a[NR]=$1} END {print (NR%2) ? a[(NR+1)/2] : (a[NR/2]+a[NR/2+1])/2}')
  median_of[$name]=$median
  local ratio="-"
  if [ -n "$baseline" ]; then
    ratio=$(awk -v a="$median" -v b="${median_of[$baseline]}" 'BEGIN { if (b > 0) printf "%.2fx", a / b; else print "-" }')
  fi
  rows+=("| $name | $median | $((peak / 1024)) | ${baseline:--} | $ratio |")
  echo "bench: $name: median ${median} s, peak $((peak / 1024)) MiB" >&2
}

# --- blocks on the built-in sample district --------------------------------------
sample=$root/data/sample
measure "ogrinfo read: sample district" "" \
  bash -c "for f in '$sample'/*.geojson; do ogrinfo -ro -al -q \"\$f\"; done"
measure "gridplan blocks: sample district" "ogrinfo read: sample district" \
  "$gridplan" blocks "$sample/district.json" --out "$tmp/sample" -q

# --- blocks on real OSM extracts ---------------------------------------------------
for extract in liechtenstein-2015-07-27 harrisburg-2015-02; do
  f=$osm_dir/$extract.osm.pbf
  if [ ! -f "$f" ]; then
    echo "bench: $f absent; skipping" >&2
    continue
  fi
  measure "ogrinfo read: $extract" "" ogrinfo -ro -al -q "$f"
  measure "gridplan blocks --osm: $extract" "ogrinfo read: $extract" \
    "$gridplan" blocks --osm "$f" --out "$tmp/$extract" -q
done

# --- the synthetic district: generating it, and cutting the 250k one into blocks ------
measure "gridplan synth: 250k" "" "$gridplan" synth --households 250000 --seed 1 --out "$tmp/synth-250k"
measure "gridplan synth: 1M" "" "$gridplan" synth --households 1000000 --seed 1 --out "$tmp/synth-1m"
synth250k=$tmp/synth-250k
measure "ogrinfo read: synth 250k" "" \
  bash -c "for f in '$synth250k'/*.geojson; do ogrinfo -ro -al -q \"\$f\"; done"
measure "gridplan blocks: synth 250k" "ogrinfo read: synth 250k" \
  "$gridplan" blocks "$synth250k/district.json" --out "$tmp/synth-250k-blocks" -q

# --- coverage and plan on the synthetic districts, plan against its baselines ---------
baselines=""
for n in 250000 1000000; do
  label=$([ "$n" = 250000 ] && echo 250k || echo 1M)
  dir=$tmp/synth-$([ "$n" = 250000 ] && echo 250k || echo 1m)  # generated above
  measure "ogrinfo read: synth $label (coverage inputs)" "" \
    bash -c "for f in '$dir'/boundary.geojson '$dir'/roads.geojson '$dir'/rivers.geojson '$dir'/water.geojson '$dir'/households.geojson '$dir'/centres.geojson '$dir'/facilities.geojson; do ogrinfo -ro -al -q \"\$f\"; done"
  measure "gridplan coverage: synth $label" "ogrinfo read: synth $label (coverage inputs)" \
    "$gridplan" coverage "$dir/district.json" --out "$tmp/cov-$n" -q
  measure "gridplan plan: synth $label" "" "$gridplan" plan "$dir/district.json" --out "$tmp/plan-$n" -q
  if [ "$n" = 250000 ] && [ -x "$build/bench/gridplan_baselines" ]; then
    baselines=$("$build/bench/gridplan_baselines" "$dir/district.json" 2>/dev/null)
  fi
done

# --- plan --osm on the shared extracts, grids of 1,500 households ----------------------
osm_plans=()
for extract in liechtenstein-2015-07-27 harrisburg-2015-02; do
  f=$osm_dir/$extract.osm.pbf
  [ -f "$f" ] || continue
  measure "gridplan plan --osm (1500 per grid): $extract" "" \
    "$gridplan" plan --osm "$f" --households-per-grid 1500 --out "$tmp/plan-osm-$extract" -q
  osm_plans+=("### $extract" "" '```' "$("$gridplan" plan --osm "$f" --households-per-grid 1500 \
    --out "$tmp/plan-osm-$extract-summary" 2>/dev/null | grep -v '^wrote ')" '```' "")
done

# --- replan after redevelopment: synth 250k seed 11, 8% demolished, 10% added ---------
# The replan against a fresh plan of the same new district (its baseline: replan must
# take no longer), and the households each keeps in their grid, measured independently
# by tests/tools/share_kept (plain OGR point in polygon).
s11=$tmp/synth-250k-s11
"$gridplan" synth --households 250000 --seed 11 --out "$s11" -q
python3 "$root/scripts/redevelop.py" "$s11/households.geojson" "$tmp/households-s11-new.geojson" \
  --remove-near 119.08,36.70 --remove-share 0.08 --add-near 119.125,36.69 --add-share 0.10 >/dev/null
"$gridplan" plan "$s11/district.json" --out "$tmp/plan-s11" -q
measure "gridplan plan: synth 250k seed 11 redeveloped" "" \
  "$gridplan" plan "$s11/district.json" --households "$tmp/households-s11-new.geojson" --out "$tmp/plan-s11-new" -q
measure "gridplan replan: synth 250k seed 11 redeveloped" "gridplan plan: synth 250k seed 11 redeveloped" \
  "$gridplan" replan "$s11/district.json" --households "$tmp/households-s11-new.geojson" \
  --previous "$tmp/plan-s11/grids.geojson" --previous-households "$s11/households.geojson" --out "$tmp/replan-s11" -q
replan_summary=$("$gridplan" replan "$s11/district.json" --households "$tmp/households-s11-new.geojson" \
  --previous "$tmp/plan-s11/grids.geojson" --previous-households "$s11/households.geojson" \
  --out "$tmp/replan-s11-summary" 2>/dev/null | grep -v '^wrote ')
fresh_summary=$("$gridplan" plan "$s11/district.json" --households "$tmp/households-s11-new.geojson" \
  --out "$tmp/plan-s11-new-summary" 2>/dev/null | grep -v '^wrote ')
replan_kept=$("$build/tests/share_kept" "$tmp/plan-s11/grids.geojson" "$tmp/replan-s11-summary/grids.geojson" \
  "$s11/households.geojson" "$tmp/households-s11-new.geojson")
fresh_kept=$("$build/tests/share_kept" "$tmp/plan-s11/grids.geojson" "$tmp/plan-s11-new-summary/grids.geojson" \
  "$s11/households.geojson" "$tmp/households-s11-new.geojson")
# The same redevelopment at other places (demolition point, compound point), not tuned to:
# how the share kept spreads.
more_replans=()
for pair in "119.10,36.70 119.08,36.685" "119.13,36.705 119.095,36.715" "119.07,36.69 119.115,36.70"; do
  set -- $pair
  python3 "$root/scripts/redevelop.py" "$s11/households.geojson" "$tmp/households-s11-more.geojson" \
    --remove-near "$1" --remove-share 0.08 --add-near "$2" --add-share 0.10 >/dev/null
  line=$("$gridplan" replan "$s11/district.json" --households "$tmp/households-s11-more.geojson" \
    --previous "$tmp/plan-s11/grids.geojson" --previous-households "$s11/households.geojson" \
    --out "$tmp/replan-s11-more" 2>/dev/null | grep -E '^(grids|kept)' | sed -e 's/ (target.*): / /' -e 's/; 0 blocks.*//' | paste -sd ' ' -)
  more_replans+=("| $1 | $2 | $line |")
done

mkdir -p "$root/bench"
{
  echo "# gridplan benchmarks"
  echo
  echo "$(date -u +%Y-%m-%d), $(nproc) cores, $(uname -m), median of $runs runs."
  echo
  echo "| case | median s | peak MiB | baseline | ratio |"
  echo "| --- | --- | --- | --- | --- |"
  printf '%s\n' "${rows[@]}"
  if [ -n "$baselines" ]; then
    echo
    echo "## Plan against the baselines (synth 250k, same blocks, same measures)"
    echo
    echo "Within radius: households within the walk radius of their grid's centre (the same"
    echo "centre rule for every method: an existing centre inside the grid unless a proposed"
    echo "site near its weighted centroid reaches 10% more of its households). Non-contiguous: grids whose blocks do"
    echo "not connect when rivers are crossed only at bridges. gridplan keeps compounds"
    echo "(unit outlines) whole; the baselines split them."
    echo
    echo "$baselines"
  fi
  if [ ${#osm_plans[@]} -gt 0 ]; then
    echo
    echo "## gridplan plan --osm, --households-per-grid 1500"
    echo
    printf '%s\n' "${osm_plans[@]}"
  fi
  echo
  echo "## Replan after redevelopment (synth 250k seed 11: 8% demolished, 10% added)"
  echo
  echo "replan (changes.json; the independent measure below):"
  echo '```'
  echo "$replan_summary"
  echo "share_kept: $replan_kept"
  echo '```'
  echo "fresh plan of the new district (share kept: each fresh grid matched to the previous"
  echo "grid it shares most households with, share_kept_matched):"
  echo '```'
  echo "$fresh_summary"
  echo "share_kept: $fresh_kept"
  echo '```'
  echo
  echo "The same redevelopment around other points (8% removed nearest the first, 10% added"
  echo "around the second); a block holding more than the band (a compound on one block) is a"
  echo "grid of its own, outside the band:"
  echo
  echo "| removed near | added near | replan |"
  echo "| --- | --- | --- |"
  printf '%s\n' "${more_replans[@]}"
} >"$root/bench/results.md"
cat "$root/bench/results.md"
