"""The managed environment for real: prepared offline, set up by qgis_process from a Python that has
no pip, no venv and no ensurepip, with nothing but QGIS and the plugin on the QGIS side; then the whole
workflow on the real Massachusetts tile runs on that environment only. A second set-up changes nothing;
a failed or cancelled one leaves the previous environment in use. These tests download the
deep-learning stack (about 700 MB, from pip's cache when it has them)."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from deepfeature.core.environment import environment_status, setup_environment, worker_runtime
from deepfeature.core.environment.layout import MANIFEST
from deepfeature.core.errors import CanceledError, ParameterError
from deepfeature.core.progress import Progress
from deepfeature.core.worker import run_in_worker

from .conftest import PLUGINS, QGIS_PROCESS, ROOT

pytestmark = pytest.mark.slow

#: Any connection through this proxy fails at once: proves that an offline set-up needs no network.
NO_NETWORK = "http://127.0.0.1:9"


def _python_without_pip_or_venv(folder: Path) -> Path:
    """A copy of this machine's Python with its standard library but no pip, venv or ensurepip (as QGIS's
    Python is on Debian without python3-pip/python3-venv)."""
    name = "python{}.{}".format(*sys.version_info[:2])
    real = Path(os.path.realpath("/usr/bin/" + name))
    stdlib = Path("/usr/lib") / name
    if not real.is_file() or not (stdlib / "os.py").is_file():
        pytest.skip("needs Debian's /usr/bin/{0} and /usr/lib/{0}".format(name))
    (folder / "bin").mkdir(parents=True)
    shutil.copy2(real, folder / "bin" / name)
    shutil.copytree(stdlib, folder / "lib" / name, symlinks=True, ignore=shutil.ignore_patterns(
        "venv", "ensurepip", "__pycache__", "test", "idlelib", "tkinter", "lib2to3", "dist-packages",
        "site-packages"))
    python = folder / "bin" / name
    for module in ("pip", "venv", "ensurepip"):
        probe = subprocess.run([str(python), "-c", "import " + module], capture_output=True,
                               env={"PATH": os.environ.get("PATH", "")})
        assert probe.returncode != 0, "the stripped Python still has " + module
    return python


def _no_index_env(env: dict) -> dict:
    """``env`` with no pip configuration, no package index and no network."""
    env = {k: v for k, v in env.items() if not k.startswith("PIP_")}
    env.update(PIP_CONFIG_FILE=os.devnull, HTTPS_PROXY=NO_NETWORK, HTTP_PROXY=NO_NETWORK,
               https_proxy=NO_NETWORK, http_proxy=NO_NETWORK)
    return env


def qgis_only_env(home: Path) -> dict:
    """qgis_process with nothing but QGIS and the plugin: a fresh profile, no PYTHONPATH, no development
    interpreter, a home of its own (so no environment of the machine's user is found)."""
    profile = home / "profile"
    ini = profile / "profiles" / "default" / "QGIS" / "QGIS3.ini"
    ini.parent.mkdir(parents=True, exist_ok=True)
    ini.write_text("[PythonPlugins]\ndeepfeature=true\n")
    env = {k: v for k, v in os.environ.items()
           if not k.startswith(("PYTHON", "DEEPFEATURE_", "VIRTUAL_ENV", "KERAS_", "QGIS_"))}
    env.update(QGIS_CUSTOM_CONFIG_PATH=str(profile), QGIS_PLUGINPATH=str(PLUGINS),
               QT_QPA_PLATFORM="offscreen", XDG_DATA_HOME=str(home / "data"))
    return env


def run_qgis(algorithm: str, params: dict, env: dict, timeout: float = 1800) -> subprocess.CompletedProcess:
    args = [QGIS_PROCESS, "--json", "run", algorithm, "--"]
    args += ["{}={}".format(k, v) for k, v in params.items()]
    return subprocess.run(args, capture_output=True, text=True, timeout=timeout, env=env)


def results_of(proc: subprocess.CompletedProcess) -> dict:
    assert proc.returncode == 0, proc.stdout[-4000:] + proc.stderr[-4000:]
    return json.loads(proc.stdout[proc.stdout.find("{"):])["results"]


@pytest.fixture(scope="module")
def managed(tmp_path_factory):
    """(qgis_process environment, environment folder, set-up results, wheel folder, stripped python)."""
    if not shutil.which(QGIS_PROCESS):
        pytest.skip("qgis_process is not installed ({}); run scripts/setup.sh".format(QGIS_PROCESS))
    work = tmp_path_factory.mktemp("managed")
    wheels = work / "wheels"
    prepared = subprocess.run(["bash", str(ROOT / "scripts" / "prepare_wheels.sh"), str(wheels)],
                              capture_output=True, text=True, timeout=1800)
    assert prepared.returncode == 0, prepared.stdout[-3000:] + prepared.stderr[-3000:]
    assert any(wheels.glob("tensorflow_cpu-*.whl")) and any(wheels.glob("pip-*.whl"))
    python = _python_without_pip_or_venv(work / "python")
    env = qgis_only_env(work)
    folder = work / "environment"
    setup_env = _no_index_env(dict(env, DEEPFEATURE_BASE_PYTHON=str(python)))
    proc = run_qgis("deepfeature:setupenvironment", {
        "FOLDER": folder, "BACKEND": 0, "DEVICE": 1, "WHEEL_FOLDER": wheels}, setup_env)
    yield env, folder, results_of(proc), wheels, python
    shutil.rmtree(work, ignore_errors=True)  # about 2.5 GB


def test_offline_setup_from_a_python_without_pip(managed):
    _env, folder, results, _wheels, python = managed
    assert results["CHANGED"] in (True, "true", 1)
    status = environment_status(folder)
    assert status.state == "ready" and status.manifest.base_python == str(python)
    assert Path(results["PYTHON"]) == status.python
    log = Path(results["LOG"]).read_text(encoding="utf-8")
    assert "--no-index" in log and "Successfully installed" in log
    assert status.manifest.versions["tensorflow"].startswith("2.")


def test_whole_workflow_on_the_real_tile_with_only_the_managed_environment(managed, massachusetts, tmp_path):
    env, folder, _results, _wheels, _python = managed
    image, buildings = massachusetts
    out = tmp_path
    steps = [
        ("labelrasterfromvector", {"INPUT": image, "LABELS": buildings, "OUTPUT": out / "labels.tif"}),
        ("initializemodel", {"TEMPLATE": out / "labels.tif", "PATCH_SIZE": 128, "BASE_FILTERS": 8, "SEED": 1,
                             "OUTPUT": out / "initial.keras"}),
        ("trainmodel", {"MODEL": out / "initial.keras", "TRAINING": out / "labels.tif", "EPOCHS": 3,
                        "PATCHES_PER_EPOCH": 48, "SEED": 1, "OUTPUT_MODEL": out / "trained.keras",
                        "OUTPUT_REPORT": out / "report.html"}),
        ("classify", {"INPUT": image, "MODEL": out / "trained.keras", "OUTPUT": out / "activation.tif"}),
        ("activationtopolygons", {"INPUT": out / "activation.tif", "THRESHOLD": 0.5, "MIN_AREA": 10,
                                  "OUTPUT": out / "buildings.gpkg"}),
        ("evaluate", {"PREDICTION": out / "activation.tif", "REFERENCE": out / "labels.tif", "THRESHOLD": 0.5,
                      "OUTPUT_JSON": out / "evaluation.json"}),
    ]
    results = {}
    for name, params in steps:  # the environment folder comes from the setting the set-up stored
        results[name] = results_of(run_qgis("deepfeature:" + name, params, env))
    assert (out / "trained.keras").is_file() and (out / "buildings.gpkg").is_file()
    evaluation = json.loads((out / "evaluation.json").read_text(encoding="utf-8"))
    assert 0.0 <= results["evaluate"]["IOU"] <= 1.0
    assert evaluation and results["activationtopolygons"]["COUNT"] >= 0
    # Only the managed environment can have run these steps: QGIS's own Python has neither.
    for module in ("keras", "rasterio"):
        plain = subprocess.run(["/usr/bin/python3", "-I", "-c", "import " + module], capture_output=True)
        assert plain.returncode != 0, module


def test_second_setup_changes_nothing(managed):
    env, folder, first, wheels, python = managed
    manifest = (folder / MANIFEST).read_bytes()
    envs = sorted(p.name for p in folder.glob("env-*"))
    proc = run_qgis("deepfeature:setupenvironment", {"BACKEND": 0, "DEVICE": 1, "WHEEL_FOLDER": wheels},
                    _no_index_env(dict(env, DEEPFEATURE_BASE_PYTHON=str(python))))
    results = results_of(proc)  # no FOLDER: the stored setting names the same folder
    assert results["CHANGED"] in (False, "false", 0)
    assert results["PYTHON"] == first["PYTHON"]
    assert (folder / MANIFEST).read_bytes() == manifest
    assert sorted(p.name for p in folder.glob("env-*")) == envs


def test_failed_setup_keeps_the_previous_environment(managed, tmp_path):
    env, folder, first, wheels, python = managed
    manifest = (folder / MANIFEST).read_bytes()
    # JAX is not in the wheel folder, and there is no index: pip must fail.
    proc = run_qgis("deepfeature:setupenvironment", {"BACKEND": 1, "DEVICE": 1, "WHEEL_FOLDER": wheels},
                    _no_index_env(dict(env, DEEPFEATURE_BASE_PYTHON=str(python))))
    assert proc.returncode != 0
    message = proc.stdout + proc.stderr
    assert "jax" in message and "previous environment" in message and "still in use" in message
    assert (folder / MANIFEST).read_bytes() == manifest
    assert [p.name for p in folder.glob("env-*")] == [Path(first["PYTHON"]).parents[1].name]
    results = results_of(run_qgis("deepfeature:initializemodel", {
        "BANDS": 3, "PATCH_SIZE": 64, "BASE_FILTERS": 4, "OUTPUT": tmp_path / "m.keras"}, env))
    assert Path(results["OUTPUT"]).is_file()


class _CancelWhenPipStarts(Progress):
    def __init__(self):
        self.canceled = False

    def emit(self, event) -> None:
        if event.kind == "progress" and (event.fraction or 0) > 0.05:
            self.canceled = True

    def is_canceled(self) -> bool:
        return self.canceled


def test_cancelled_setup_keeps_the_previous_environment(managed, monkeypatch):
    _env, folder, first, _wheels, _python = managed
    manifest = (folder / MANIFEST).read_bytes()
    monkeypatch.delenv("DEEPFEATURE_PYTHON", raising=False)
    with pytest.raises(CanceledError, match="still in use"):
        setup_environment(folder, backend="jax", device="cpu", base=sys.executable,
                          progress=_CancelWhenPipStarts())
    assert (folder / MANIFEST).read_bytes() == manifest
    assert [p.name for p in folder.glob("env-*")] == [Path(first["PYTHON"]).parents[1].name]
    check = run_in_worker("environment:self_check", runtime=worker_runtime(folder))
    assert check["backend"] == "tensorflow"


def test_online_setup_of_the_jax_backend(tmp_path, monkeypatch):
    """From the package index (pip downloaded by the set-up itself), another backend."""
    monkeypatch.delenv("DEEPFEATURE_PYTHON", raising=False)
    messages = []

    class Record(Progress):
        def emit(self, event) -> None:
            messages.append(event)

    result = setup_environment(tmp_path / "env", backend="jax", device="cpu", base="/usr/bin/python3",
                               progress=Record())
    assert result.changed and result.check["backend"] == "jax" and result.check["devices"]
    fractions = [e.fraction for e in messages if e.kind == "progress"]
    assert fractions == sorted(fractions) and len(set(fractions)) > 10  # the bar moves with the downloads
    assert "jax" in result.check["versions"] and "tensorflow" not in result.check["versions"]
    with pytest.raises(ParameterError, match="Keras backend"):
        setup_environment(tmp_path / "env", backend="mxnet")
    shutil.rmtree(tmp_path / "env", ignore_errors=True)
