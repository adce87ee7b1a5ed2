#!/usr/bin/env bash
# The test command: sets the machine up if needed (idempotent), lints, then runs the whole test suite.
# Extra arguments go to pytest, e.g. `scripts/test.sh -k labels -x`.
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
bash "$ROOT/scripts/setup.sh"
# shellcheck disable=SC1091
source "$ROOT/.venv/deepfeature-env.sh"
cd "$ROOT"
.venv/bin/python -m ruff check .
exec .venv/bin/python -m pytest "$@"
