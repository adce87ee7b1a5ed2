#!/usr/bin/env bash
# The main job: set the machine up (idempotent), generate the small default scene, and run the whole
# deepfeature workflow on it through qgis_process. Outputs go to demo_output/ (or the folder given).
# Your own data: scripts/demo.sh --image my.tif --labels my_polygons.gpkg [--test-image other.tif ...]
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
bash "$ROOT/scripts/setup.sh"
# shellcheck disable=SC1091
source "$ROOT/.venv/deepfeature-env.sh"
cd "$ROOT"
exec .venv/bin/python scripts/demo.py "$@"
