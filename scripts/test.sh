#!/usr/bin/env bash
# The test command: sets the machine up if needed (idempotent), lints, then runs the whole test suite.
#   scripts/test.sh            lint + every test (what CI runs)
#   scripts/test.sh --fast     lint + every test that trains no model and runs no qgis_process (marker
#                              `slow`): the quick lane while working (under two minutes on 2 cores)
# Other arguments go to pytest, e.g. `scripts/test.sh -k labels -x` or `scripts/test.sh --fast -x`.
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
args=()
for arg in "$@"; do
  if [ "$arg" = "--fast" ]; then
    args+=(-m "not slow")
  else
    args+=("$arg")
  fi
done
bash "$ROOT/scripts/setup.sh"
# shellcheck disable=SC1091
source "$ROOT/.venv/deepfeature-env.sh"
cd "$ROOT"
.venv/bin/python -m ruff check .
exec .venv/bin/python -m pytest ${args[@]+"${args[@]}"}
