#!/usr/bin/env bash
# Builds the release zip: dist/deepfeature-<version>.zip (the version of metadata.txt), the zip that
# plugins.qgis.org takes and QGIS's "Install from ZIP" installs.
#   scripts/package.sh [OUTDIR]      (default: $DEEPFEATURE_DIST, else dist/)
# The zip holds one folder, deepfeature/, with only what runs in QGIS: the files under SHIP that git
# tracks, or would track (new files it does not ignore), as they are in the working tree, and
# i18n/*.qm compiled from i18n/*.ts with lrelease (Debian's qttools5-dev-tools, installed with apt when
# missing). No tests, benches, scripts, CI files or caches; files are 0644 with the commit's date, so a
# build is reproducible. scripts/check_package.py then checks it against the plugin repository's rules;
# a zip that breaks one is removed and the script fails.
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
OUT="${1:-${DEEPFEATURE_DIST:-$ROOT/dist}}"
PACKAGE=deepfeature
# What runs in QGIS. requirements.txt and constraints.txt define the managed deep-learning environment
# (core/environment reads them at run time); README.md is the user's documentation.
SHIP=(__init__.py plugin.py metadata.txt LICENSE README.md requirements.txt constraints.txt
      algorithms core models ui 'i18n/*.qm')

say() { printf '[package] %s\n' "$*"; }
as_root() { if [ "$(id -u)" = 0 ]; then "$@"; else sudo "$@"; fi; }
cd "$ROOT"
PY=python3
if [ -x "$ROOT/.venv/bin/python" ]; then PY="$ROOT/.venv/bin/python"; fi  # has the scan's tools when set up
git rev-parse --git-dir >/dev/null 2>&1 || { echo "package.sh: $ROOT is not a git checkout" >&2; exit 1; }
for path in "${SHIP[@]}"; do
  case "$path" in *'*'*) ;; *) [ -e "$path" ] || { echo "package.sh: $path is missing" >&2; exit 1; } ;; esac
done
version="$($PY -c 'import configparser as c; p = c.ConfigParser(); p.read("metadata.txt", encoding="utf-8")
print(p["general"]["version"].strip())')"
if [ -n "$(git status --porcelain -- "${SHIP[@]}" 'i18n/*.ts')" ]; then
  say "note: the working tree has changes that are not committed; they are in the zip"
fi

stage="$(mktemp -d)"
trap 'rm -rf "$stage"' EXIT
dest="$stage/$PACKAGE"
mkdir -p "$dest"
git ls-files -z --cached --others --exclude-standard -- "${SHIP[@]}" | while IFS= read -r -d '' file; do
  [ -f "$file" ] || continue  # deleted in the working tree
  mkdir -p "$dest/$(dirname "$file")"
  cp "$file" "$dest/$file"
done

# Translations: every i18n/*.ts, compiled (none yet is fine).
mapfile -d '' sources < <(git ls-files -z --cached --others --exclude-standard -- 'i18n/*.ts')
if [ ${#sources[@]} -gt 0 ]; then
  lrelease="$(command -v lrelease || command -v lrelease-qt5 || true)"
  if [ -z "$lrelease" ] && [ -x /usr/lib/qt5/bin/lrelease ]; then lrelease=/usr/lib/qt5/bin/lrelease; fi
  if [ -z "$lrelease" ]; then
    say "installing qttools5-dev-tools (apt) for lrelease"
    export DEBIAN_FRONTEND=noninteractive
    as_root apt-get update -qq
    as_root apt-get install -y -qq qttools5-dev-tools >/dev/null
    lrelease="$(command -v lrelease || echo /usr/lib/qt5/bin/lrelease)"
  fi
  mkdir -p "$dest/i18n"
  for ts in "${sources[@]}"; do
    "$lrelease" -silent "$ts" -qm "$dest/i18n/$(basename "${ts%.ts}").qm"
  done
  say "compiled ${#sources[@]} translation(s)"
fi

mkdir -p "$OUT"
zip="$(cd "$OUT" && pwd)/$PACKAGE-$version.zip"
epoch="${SOURCE_DATE_EPOCH:-$(git log -1 --format=%ct 2>/dev/null || date +%s)}"
"$PY" - "$stage" "$PACKAGE" "$zip" "$epoch" <<'PY'
import os
import sys
import time
import zipfile

stage, package, target, epoch = sys.argv[1], sys.argv[2], sys.argv[3], int(sys.argv[4])
stamp = time.gmtime(max(epoch, 315532800))[:6]  # zip dates start in 1980
entries = []
for root, dirs, files in os.walk(os.path.join(stage, package)):
    dirs.sort()
    folder = os.path.relpath(root, stage).replace(os.sep, "/")
    entries.append((folder + "/", None))  # first entry: deepfeature/ (the repository's package name)
    entries += [(folder + "/" + name, os.path.join(root, name)) for name in sorted(files)]
with zipfile.ZipFile(target + ".partial", "w", zipfile.ZIP_DEFLATED, compresslevel=9) as archive:
    for name, path in entries:
        info = zipfile.ZipInfo(name, stamp)
        info.create_system = 3  # Unix permissions below
        if path is None:
            info.external_attr = (0o40755 << 16) | 0x10
            archive.writestr(info, b"")
        else:
            info.external_attr = 0o100644 << 16
            info.compress_type = zipfile.ZIP_DEFLATED
            with open(path, "rb") as src:
                archive.writestr(info, src.read())
os.replace(target + ".partial", target)
PY

if ! "$PY" "$ROOT/scripts/check_package.py" "$zip" --scan --package "$PACKAGE"; then
  rm -f "$zip"
  echo "package.sh: the zip breaks the plugin repository's rules (above); it was removed" >&2
  exit 1
fi
say "$zip"
