#!/usr/bin/env bash
# Prepare a folder of wheels on a connected machine, for 'Set Up Deep-Learning Environment' on a machine
# without internet (its WHEEL_FOLDER parameter). Needs only a Python 3 (no pip: pip runs from its wheel).
#   bash scripts/prepare_wheels.sh FOLDER [--backend tensorflow|jax|torch] [--device cpu|gpu]
#                                         [--platform win_amd64 --python-version 3.12]
# From an installed plugin instead: cd <QGIS profile>/python/plugins && python3 -m deepfeature.core.environment.wheels FOLDER
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
PYTHON="${PYTHON:-python3}"
tmp="$(mktemp -d)"
trap 'rm -rf "$tmp"' EXIT
ln -s "$ROOT" "$tmp/deepfeature"   # the checkout's folder may have another name than the plugin's
PYTHONPATH="$tmp" exec "$PYTHON" -m deepfeature.core.environment.wheels "$@"
