#!/usr/bin/env bash
# Installs the Debian 12 packages gridplan needs to build, test and benchmark.
# Idempotent and quiet: packages already present are not touched.
set -euo pipefail

packages=(
  build-essential cmake ninja-build pkg-config
  libgdal-dev gdal-bin
  libgeos-dev
  libproj-dev proj-data
  libboost-dev
  nlohmann-json3-dev
  catch2
  libcli11-dev
  time
)

# scripts/test.sh passes --test: headless Chromium and the CJK fonts, for the test that
# renders report.html in a real browser (about 180 MB), GNU Parallel, which runs a split
# city's jobs in the batch test, and PostgreSQL 15 with PostGIS 3, for a throwaway server
# the PostGIS test loads the sample into (the tests skip those parts without them).
# scripts/bench.sh passes --bench: METIS for the baseline comparison.
# scripts/fuzz.sh passes --fuzz: clang and its libFuzzer runtime.
case "${1:-}" in
  --test) packages+=(chromium fonts-noto-cjk parallel postgresql-15-postgis-3) ;;
  --bench) packages+=(libmetis-dev) ;;
  --fuzz) packages+=(clang libclang-rt-14-dev) ;;
esac

missing=()
for p in "${packages[@]}"; do
  if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed"; then
    missing+=("$p")
  fi
done

if [ ${#missing[@]} -eq 0 ]; then
  exit 0
fi

sudo_cmd=()
if [ "$(id -u)" -ne 0 ]; then
  if command -v sudo >/dev/null 2>&1; then
    sudo_cmd=(sudo)
  else
    echo "setup.sh: missing packages (${missing[*]}) and not root; install them or rerun as root" >&2
    exit 1
  fi
fi

echo "setup.sh: installing ${missing[*]}" >&2
export DEBIAN_FRONTEND=noninteractive
"${sudo_cmd[@]}" apt-get update -qq >/dev/null
"${sudo_cmd[@]}" apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
