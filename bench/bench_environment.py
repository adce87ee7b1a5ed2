"""The managed deep-learning environment: set-up time and disk size, and the first run of each algorithm
with it compared with the development ``.venv`` (one table).

    .venv/bin/python bench/bench_environment.py WORKDIR [--cold]

Set-up rows (CPU, TensorFlow): from the package index (with pip's download cache as it is, or empty with
``--cold``: every wheel downloaded), from a wheel folder prepared by ``scripts/prepare_wheels.sh`` with
no index, and the no-op re-run. Algorithm rows: each algorithm once through ``qgis_process`` (a new QGIS
process and a new worker each time, which is what a user's first run is) on the real Massachusetts tile,
with the managed environment (nothing but QGIS and the plugin on the QGIS side) and with ``.venv``
(``DEEPFEATURE_PYTHON``, as ``scripts/setup.sh`` sets it up).
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
DATA = ROOT.parent / "shared" / "data" / "massachusetts_buildings_train"
PLUGINS = ROOT / ".venv" / "plugins"
QGIS_PROCESS = os.environ.get("DEEPFEATURE_QGIS_PROCESS", "/usr/bin/qgis_process.bin")
sys.path.insert(0, str(PLUGINS))


def _profile(home: Path) -> dict:
    ini = home / "profile" / "profiles" / "default" / "QGIS" / "QGIS3.ini"
    ini.parent.mkdir(parents=True, exist_ok=True)
    ini.write_text("[PythonPlugins]\ndeepfeature=true\n")
    env = {k: v for k, v in os.environ.items()
           if not k.startswith(("PYTHON", "DEEPFEATURE_", "VIRTUAL_ENV", "KERAS_", "QGIS_"))}
    env.update(QGIS_CUSTOM_CONFIG_PATH=str(home / "profile"), QGIS_PLUGINPATH=str(PLUGINS),
               QT_QPA_PLATFORM="offscreen", XDG_DATA_HOME=str(home / "data"))
    return env


def _qgis(algorithm: str, params: dict, env: dict) -> tuple[float, dict]:
    args = [QGIS_PROCESS, "--json", "run", "deepfeature:" + algorithm, "--"]
    args += ["{}={}".format(k, v) for k, v in params.items()]
    started = time.perf_counter()
    proc = subprocess.run(args, capture_output=True, text=True, env=env)
    seconds = time.perf_counter() - started
    if proc.returncode != 0:
        raise SystemExit("{} failed:\n{}{}".format(algorithm, proc.stdout[-3000:], proc.stderr[-3000:]))
    return seconds, json.loads(proc.stdout[proc.stdout.find("{"):])["results"]


def setup_rows(work: Path, cold: bool) -> tuple[list[tuple], Path]:
    from deepfeature.core.environment import folder_size, setup_environment

    rows = []
    env = dict(os.environ)
    os.environ.pop("DEEPFEATURE_PYTHON", None)
    if cold:
        os.environ["PIP_NO_CACHE_DIR"] = "1"
    result = setup_environment(work / "online", backend="tensorflow", device="cpu", base="/usr/bin/python3")
    rows.append(("set-up from the index" + (" (no cache)" if cold else ""), result.seconds,
                 folder_size(Path(result.python).parents[1]) / 2**20))
    os.environ.clear()
    os.environ.update(env)
    wheels = work / "wheels"
    started = time.perf_counter()
    subprocess.run(["bash", str(ROOT / "scripts" / "prepare_wheels.sh"), str(wheels)], check=True,
                   capture_output=True)
    rows.append(("prepare the wheel folder", time.perf_counter() - started, folder_size(wheels) / 2**20))
    os.environ.pop("DEEPFEATURE_PYTHON", None)
    os.environ["PIP_CONFIG_FILE"] = os.devnull
    result = setup_environment(work / "offline", backend="tensorflow", device="cpu", wheels=wheels,
                               base="/usr/bin/python3")
    rows.append(("set-up from the wheel folder", result.seconds, result.disk_bytes / 2**20))
    result = setup_environment(work / "offline", backend="tensorflow", device="cpu", wheels=wheels,
                               base="/usr/bin/python3")
    rows.append(("set-up again (no-op: self-check)", result.seconds, result.disk_bytes / 2**20))
    os.environ.clear()
    os.environ.update(env)
    return rows, work / "offline"


def algorithm_steps(out: Path) -> list[tuple[str, dict]]:
    image, buildings = DATA / "22978945_15.tif", DATA / "22978945_15_buildings.gpkg"
    return [
        ("labelrasterfromvector", {"INPUT": image, "LABELS": buildings, "OUTPUT": out / "labels.tif"}),
        ("initializemodel", {"TEMPLATE": out / "labels.tif", "PATCH_SIZE": 128, "BASE_FILTERS": 8, "SEED": 1,
                             "OUTPUT": out / "initial.keras"}),
        ("describemodel", {"MODEL": out / "initial.keras"}),
        ("trainmodel", {"MODEL": out / "initial.keras", "TRAINING": out / "labels.tif", "EPOCHS": 1,
                        "PATCHES_PER_EPOCH": 16, "SEED": 1, "OUTPUT_MODEL": out / "trained.keras"}),
        ("classify", {"INPUT": image, "MODEL": out / "trained.keras", "OUTPUT": out / "activation.tif"}),
        ("activationtoclassification", {"INPUT": out / "activation.tif", "OUTPUT": out / "classes.tif"}),
        ("activationtopolygons", {"INPUT": out / "activation.tif", "MIN_AREA": 10, "OUTPUT": out / "p.gpkg"}),
        ("activationtopoints", {"INPUT": out / "activation.tif", "MIN_AREA": 10, "OUTPUT": out / "pt.gpkg"}),
        ("evaluate", {"PREDICTION": out / "activation.tif", "REFERENCE": out / "labels.tif",
                      "OUTPUT_JSON": out / "evaluation.json"}),
    ]


def algorithm_rows(work: Path, folder: Path) -> list[tuple]:
    managed = _profile(work / "home-managed")
    managed["DEEPFEATURE_ENVIRONMENT"] = str(folder)
    dev = _profile(work / "home-dev")
    dev.update(DEEPFEATURE_PYTHON=str(ROOT / ".venv" / "bin" / "python"),
               PYTHONPATH=os.pathsep.join([str(Path(sys.executable).parents[1] / "lib" / "python{}.{}".format(
                   *sys.version_info[:2]) / "site-packages"), str(PLUGINS)]))
    rows = []
    for (name, params_m), (_, params_d) in zip(algorithm_steps(work / "out-managed"),
                                               algorithm_steps(work / "out-dev")):
        (work / "out-managed").mkdir(exist_ok=True)
        (work / "out-dev").mkdir(exist_ok=True)
        seconds_m, _ = _qgis(name, params_m, managed)
        seconds_d, _ = _qgis(name, params_d, dev)
        rows.append((name, seconds_m, seconds_d))
    return rows


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("workdir", nargs="?")
    parser.add_argument("--cold", action="store_true", help="empty pip download cache for the index set-up")
    args = parser.parse_args(argv)
    work = Path(args.workdir or tempfile.mkdtemp(prefix="bench-env-"))
    for sub in ("online", "offline", "wheels", "out-managed", "out-dev", "home-managed", "home-dev"):
        shutil.rmtree(work / sub, ignore_errors=True)
    work.mkdir(parents=True, exist_ok=True)
    setups, folder = setup_rows(work, args.cold)
    print("{:<40} {:>9} {:>10}".format("set-up (CPU, TensorFlow)", "seconds", "disk MiB"))
    print("-" * 61)
    for name, seconds, mib in setups:
        print("{:<40} {:>9.1f} {:>10.0f}".format(name, seconds, mib))
    print()
    print("{:<28} {:>12} {:>12} {:>8}".format("first run (qgis_process)", "managed s", ".venv s", "ratio"))
    print("-" * 63)
    for name, managed, dev in algorithm_rows(work, folder):
        print("{:<28} {:>12.1f} {:>12.1f} {:>7.2f}x".format(name, managed, dev, managed / dev))
    return 0


if __name__ == "__main__":
    sys.exit(main())
