#!/usr/bin/env bash
# The README's first command: set up, build, and run the main job on the built-in
# sample district. Outputs go to out/sample/.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
bash "$root/scripts/setup.sh"
bash "$root/scripts/build.sh"
gridplan=${GRIDPLAN_BUILD_DIR:-$root/build}/cli/gridplan
out=${1:-$root/out/sample}
"$gridplan" blocks "$root/data/sample/district.json" --out "$out"
echo
echo "Open $out/blocks.geojson and $out/blocks_qa.geojson in QGIS; block adjacency is in $out/adjacency.csv."
