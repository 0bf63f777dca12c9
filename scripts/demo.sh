#!/usr/bin/env bash
# The README's first command: set up, build, and run the main job (gridplan plan) on the
# built-in sample district. Outputs go to out/ (or the folder given).
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
bash "$root/scripts/setup.sh"
bash "$root/scripts/build.sh"
gridplan=${GRIDPLAN_BUILD_DIR:-$root/build}/cli/gridplan
out=${1:-$root/out}
if [ -f "$root/data/district/district.json" ]; then
  # The committed synthetic sample district (about 60,000 households: 10 grids of ~6,000).
  config=$root/data/district/district.json
  "$gridplan" plan "$config" --out "$out/plan"
else
  # The small hand-made sample (15,000 households): grids of ~3,000 to show several.
  config=$root/data/sample/district.json
  "$gridplan" plan "$config" --out "$out/plan" --households-per-grid 3000
fi
# The coverage of the plan itself: its centres, existing and proposed, and the facilities.
"$gridplan" coverage "$config" --out "$out/coverage" --plan "$out/plan" -q
echo
echo "Open $out/plan/report.html in a browser: the plan at a glance, a sheet per grid."
echo "Open $out/plan/grids.geojson (with barriers.geojson and grid_edges.geojson) and"
echo "$out/coverage/service_areas.geojson in QGIS, styled on load; plan.json and coverage.json"
echo "hold the figures."
