#!/usr/bin/env bash
# The second QGIS of the tests: QGIS 3.40 of Debian 13 ("trixie") in a chroot under .venv/trixie/, made
# once with debootstrap and kept (stamp files: a rerun skips what is complete). On a Debian 13 host the
# second QGIS is Debian 12's 3.22 instead (.venv/bookworm/). Inside the chroot this checkout is /src (and
# ../shared is /shared, read-only, so `../shared/data` still resolves); scripts/setup.sh makes the chroot's
# own .venv (mounted over /src/.venv: the host's .venv is not touched), then scripts/test.sh runs there.
#   scripts/second_qgis.sh                the QGIS-facing tests (pytest-qgis, qgis_process), ~3 min
#   scripts/second_qgis.sh --all          the whole suite (what CI runs), ~9 min on 2 cores
#   scripts/second_qgis.sh -x -k style    pytest arguments; without a tests/ path they apply to the default
#   scripts/second_qgis.sh tests/x.py     ... selection, with one they replace it
#   scripts/second_qgis.sh --shell        a shell inside, with the same mounts
# Needs root (sudo otherwise; apt installs debootstrap when missing), ~5 GB of disk and the Debian archive.
# Every mount lives in a private mount namespace (unshare), so it goes away when the script ends, however.
# Variables: DEEPFEATURE_SECOND_SUITE (trixie, or bookworm; sid has QGIS 3.44 but Python 3.14, for which
# TensorFlow has no wheel: the set-up fails there), DEEPFEATURE_DEBIAN_MIRROR.
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
host_suite="$(. /etc/os-release 2>/dev/null && echo "${VERSION_CODENAME:-}")"
if [ "$host_suite" = trixie ]; then default_suite=bookworm; else default_suite=trixie; fi
SUITE="${DEEPFEATURE_SECOND_SUITE:-$default_suite}"
MIRROR="${DEEPFEATURE_DEBIAN_MIRROR:-http://deb.debian.org/debian}"
CHROOT="$ROOT/.venv/$SUITE"
# What scripts/setup.sh would install, plus the tools the tests and scripts call (ogr2ogr: gdal-bin;
# chattr: e2fsprogs; git, lrelease, pylupdate5: scripts/package.sh, scripts/update_translations.py).
# Without recommends: the GRASS provider and the desktop extras are not tested (less to fetch).
PACKAGES=(qgis qgis-providers python3-qgis python3-gdal python3-venv gdal-bin ca-certificates e2fsprogs
  git qttools5-dev-tools pyqt5-dev-tools)
# The QGIS-facing tests: pytest-qgis (provider, algorithms in process) and qgis_process (plugin in QGIS).
DEFAULT_TESTS=(tests/test_foundation.py tests/test_setup_algorithm.py tests/test_qgis_process.py
  tests/test_worker_steps.py tests/test_styling.py tests/test_vector_inputs.py tests/test_train_algorithm.py
  tests/test_classify_inputs.py)

say() { printf '[second-qgis] %s\n' "$*"; }
if [ "$(id -u)" != 0 ]; then
  command -v sudo >/dev/null || { echo "second_qgis.sh: needs root (chroot, mounts) and there is no sudo" >&2; exit 1; }
  exec sudo --preserve-env=DEEPFEATURE_SECOND_SUITE,DEEPFEATURE_DEBIAN_MIRROR,http_proxy,https_proxy \
    bash "${BASH_SOURCE[0]}" "$@"
fi

# Everything below runs in a private mount namespace: mounts made there vanish with the process.
if [ -z "${DEEPFEATURE_IN_NAMESPACE:-}" ]; then
  export DEEPFEATURE_IN_NAMESPACE=1
  exec unshare --mount --propagation private bash "${BASH_SOURCE[0]}" "$@"
fi

# One run at a time per chroot (apt, the chroot's .venv).
mkdir -p "$ROOT/.venv"
exec 9>"$ROOT/.venv/$SUITE.lock"
flock 9
elapsed() { echo $(( $(date +%s) - $1 ))s; }

# 1. Base system (debootstrap) ---------------------------------------------------------------------
base_stamp="$CHROOT/.deepfeature-base"
if [ ! -f "$base_stamp" ]; then
  if ! command -v debootstrap >/dev/null; then
    say "installing debootstrap (apt)"
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq debootstrap >/dev/null
  fi
  # An incomplete chroot (interrupted run) is made again from scratch; nothing can be mounted in it,
  # since mounts never outlive the namespace of the run that made them.
  rm -rf --one-file-system "$CHROOT"
  mkdir -p "$CHROOT"
  say "debootstrap $SUITE into $CHROOT"
  t=$(date +%s)
  debootstrap --variant=minbase --components=main "$SUITE" "$CHROOT" "$MIRROR" > "$CHROOT.debootstrap.log" 2>&1 \
    || { tail -20 "$CHROOT.debootstrap.log" >&2; exit 1; }
  rm -f "$CHROOT.debootstrap.log"
  echo "deb $MIRROR $SUITE main" > "$CHROOT/etc/apt/sources.list"
  touch "$base_stamp"
  say "base system made in $(elapsed "$t")"
fi

# 2. Mounts ----------------------------------------------------------------------------------------
mount -t proc proc "$CHROOT/proc"
mount -t sysfs sysfs "$CHROOT/sys"
mount --bind /dev "$CHROOT/dev"
mount -t devpts -o newinstance,ptmxmode=0666 devpts "$CHROOT/dev/pts"
mount -t tmpfs -o size=1g tmpfs "$CHROOT/dev/shm"
# The chroot's own /tmp, emptied at every run (tests write their rasters and models there).
# (A test interrupted between `chattr +i` and `chattr -i` leaves an immutable folder behind.)
find "$CHROOT/tmp" -mindepth 1 -delete 2>/dev/null \
  || { chattr -R -i "$CHROOT/tmp" 2>/dev/null || true; find "$CHROOT/tmp" -mindepth 1 -delete; }
rm -f "$CHROOT/etc/resolv.conf"
cp /etc/resolv.conf "$CHROOT/etc/resolv.conf"
inside() {
  chroot "$CHROOT" /usr/bin/env -i HOME=/root LANG=C.UTF-8 TERM="${TERM:-dumb}" \
    PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin \
    ${http_proxy:+http_proxy="$http_proxy"} ${https_proxy:+https_proxy="$https_proxy"} \
    ${PIP_INDEX_URL:+PIP_INDEX_URL="$PIP_INDEX_URL"} DEBIAN_FRONTEND=noninteractive "$@"
}

qgis_version() { inside dpkg-query -W -f '${Version}' qgis 2>/dev/null || echo "?"; }

# 3. QGIS and the system packages (apt) -----------------------------------------------------------
apt_stamp="$CHROOT/.deepfeature-apt"
want_apt="${PACKAGES[*]}"
if [ ! -f "$apt_stamp" ] || [ "$(cat "$apt_stamp")" != "$want_apt" ]; then
  say "apt-get install ${PACKAGES[*]}"
  t=$(date +%s)
  # A mirror that is a dated snapshot serves sid's Release past its Valid-Until: accept it (a test chroot).
  inside apt-get -o Acquire::Check-Valid-Until=false update -qq
  inside apt-get install -y -qq --no-install-recommends "${PACKAGES[@]}" > "$CHROOT/tmp/apt.log" 2>&1 \
    || { tail -30 "$CHROOT/tmp/apt.log" >&2; exit 1; }
  inside apt-get clean
  # git inside runs as root on a checkout that may belong to the (sudo) user outside.
  inside git config --system --replace-all safe.directory /src
  echo "$want_apt" > "$apt_stamp"
  say "QGIS $(qgis_version) installed in $(elapsed "$t")"
fi

# 4. The checkout inside --------------------------------------------------------------------------
# A host behind a TLS-inspecting proxy trusts it in its own bundle: pip inside uses the host's bundle.
if [ -f /etc/ssl/certs/ca-certificates.crt ] && [ -f "$CHROOT/etc/ssl/certs/ca-certificates.crt" ]; then
  mount --bind -o ro /etc/ssl/certs/ca-certificates.crt "$CHROOT/etc/ssl/certs/ca-certificates.crt"
fi
mkdir -p "$CHROOT/src" "$CHROOT/shared" "$CHROOT/var/lib/deepfeature/venv" \
  "$CHROOT/var/lib/deepfeature/qgis-settings" "$ROOT/.venv" "$ROOT/.qgis-settings"
mount --bind "$ROOT" "$CHROOT/src"
# The chroot's own .venv (its Python) and pytest-qgis profile (its QGIS) hide the host's.
mount --bind "$CHROOT/var/lib/deepfeature/venv" "$CHROOT/src/.venv"
mount --bind "$CHROOT/var/lib/deepfeature/qgis-settings" "$CHROOT/src/.qgis-settings"
if [ -d "$ROOT/../shared" ]; then
  mount --bind "$ROOT/../shared" "$CHROOT/shared"
  mount -o remount,bind,ro "$CHROOT/shared"
fi

if [ "${1:-}" = "--shell" ]; then
  inside bash -c 'cd /src && exec bash -i'
  exit $?
fi
args=()
named=""
for arg in "$@"; do
  case "$arg" in
    --all) named=all ;;
    tests|tests/*) named=yes; args+=("$arg") ;;
    *) args+=("$arg") ;;
  esac
done
[ -n "$named" ] || args+=("${DEFAULT_TESTS[@]}")
set -- ${args[@]+"${args[@]}"}
t=$(date +%s)
inside bash -c 'cd /src && bash scripts/setup.sh' </dev/null
say "scripts/setup.sh done in $(elapsed "$t")"
t=$(date +%s)
rc=0
inside bash -c 'cd /src && exec bash scripts/test.sh "$@"' test.sh "$@" </dev/null || rc=$?
say "tests on QGIS $(qgis_version) ended (exit $rc) in $(elapsed "$t")"
exit "$rc"
