"""The managed environment's pure parts: interpreter discovery on other platforms' folder trees,
what is installed for each backend and device, the folder's states, the worker's interpreter."""

from __future__ import annotations

import os
import sys
from pathlib import Path

import pytest

from deepfeature.core.environment import (
    BROKEN,
    MISSING,
    READY,
    STALE,
    EnvironmentSpec,
    Host,
    Manifest,
    base_python,
    environment_status,
    layout,
    requirements,
    resolve_device,
    user_data_folder,
    worker_problem,
    worker_runtime,
)
from deepfeature.core.environment.pip_run import PipProgress
from deepfeature.core.errors import DependencyError, ParameterError
from deepfeature.core.progress import RecordingProgress


def _touch(path: Path, executable: bool = True) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(b"")
    if executable:
        path.chmod(0o755)
    return path


def test_linux_qgis_finds_the_system_python(tmp_path):
    _touch(tmp_path / "usr" / "bin" / "qgis")
    python = _touch(tmp_path / "usr" / "bin" / "python3.11")
    host = Host("linux", str(tmp_path / "usr" / "bin" / "qgis"), str(tmp_path / "usr"), (3, 11))
    assert base_python(host) == str(python)


def test_linux_skips_a_python_that_is_not_executable(tmp_path):
    _touch(tmp_path / "usr" / "bin" / "python3.11", executable=False)
    python3 = _touch(tmp_path / "usr" / "bin" / "python3")
    host = Host("linux", str(tmp_path / "usr" / "bin" / "qgis"), str(tmp_path / "usr"), (3, 11))
    assert base_python(host) == str(python3)


def test_windows_osgeo4w_uses_python_exe_not_qgis_bin(tmp_path):
    # C:\OSGeo4W\bin\qgis-bin.exe; sys.exec_prefix is C:\OSGeo4W\apps\Python312
    root = tmp_path / "OSGeo4W"
    qgis = _touch(root / "bin" / "qgis-bin.exe", executable=False)
    python = _touch(root / "apps" / "Python312" / "python.exe", executable=False)
    host = Host("win32", str(qgis), str(root / "apps" / "Python312"), (3, 12))
    assert base_python(host) == str(python)


def test_windows_installer_layout_without_a_useful_exec_prefix(tmp_path):
    # "C:\Program Files\QGIS 3.40.1\bin\qgis-bin.exe" with its Python in apps\Python312
    root = tmp_path / "QGIS 3.40.1"
    qgis = _touch(root / "bin" / "qgis-bin.exe", executable=False)
    python = _touch(root / "apps" / "Python312" / "python.exe", executable=False)
    host = Host("win32", str(qgis), str(tmp_path / "elsewhere"), (3, 12))
    assert base_python(host) == str(python)


def test_macos_app_bundle_python(tmp_path):
    contents = tmp_path / "QGIS.app" / "Contents"
    qgis = _touch(contents / "MacOS" / "QGIS")
    python = _touch(contents / "MacOS" / "bin" / "python3.12")
    host = Host("darwin", str(qgis), str(contents / "Frameworks" / "Python.framework" / "Versions" / "3.12"),
                (3, 12))
    assert base_python(host) == str(python)


def test_macos_framework_python_when_the_bundle_has_no_bin(tmp_path):
    contents = tmp_path / "QGIS.app" / "Contents"
    qgis = _touch(contents / "MacOS" / "QGIS")
    python = _touch(contents / "Frameworks" / "Python.framework" / "Versions" / "3.12" / "bin" / "python3.12")
    host = Host("darwin", str(qgis), str(tmp_path / "nowhere"), (3, 12))
    assert base_python(host) == str(python)


def test_no_python_found_names_the_override(tmp_path, monkeypatch):
    monkeypatch.delenv("DEEPFEATURE_BASE_PYTHON", raising=False)
    host = Host("linux", str(tmp_path / "qgis"), str(tmp_path), (3, 11))
    with pytest.raises(DependencyError, match="DEEPFEATURE_BASE_PYTHON"):
        base_python(host)
    monkeypatch.setenv("DEEPFEATURE_BASE_PYTHON", "/opt/python/bin/python3")
    assert base_python(host) == "/opt/python/bin/python3"


def test_user_data_folders():
    assert user_data_folder("linux", {"HOME": "/home/ann"}) == Path("/home/ann/.local/share")
    assert user_data_folder("linux", {"HOME": "/home/ann", "XDG_DATA_HOME": "/data"}) == Path("/data")
    local = "C:/Users/ann/AppData/Local"
    assert user_data_folder("win32", {"USERPROFILE": "C:/Users/ann", "LOCALAPPDATA": local}) == Path(local)
    assert user_data_folder("darwin", {"HOME": "/Users/ann"}) == \
        Path("/Users/ann/Library/Application Support")


@pytest.mark.parametrize("backend, device, platform, expected", [
    ("tensorflow", "cpu", "linux", ["tensorflow-cpu"]),
    ("tensorflow", "gpu", "linux", ["tensorflow[and-cuda]"]),
    ("tensorflow", "cpu", "darwin", ["tensorflow"]),
    ("jax", "cpu", "win32", ["jax[cpu]"]),
    ("jax", "gpu", "linux", ["jax[cuda12]"]),
    ("torch", "gpu", "win32", ["torch"]),
])
def test_backend_packages(backend, device, platform, expected):
    spec = EnvironmentSpec(backend, device)
    assert requirements.backend_packages(spec, platform) == expected
    everything = requirements.runtime_requirements(spec, platform)
    assert everything[-len(expected):] == expected
    assert {"keras", "rasterio", "numpy", "shapely", "scipy", "scikit-image"} <= set(everything)
    assert not {"pytest", "pytest-qgis", "ruff"} & set(everything)  # development tools stay out


def test_torch_cpu_comes_from_pytorchs_cpu_index():
    assert requirements.pip_index_options(EnvironmentSpec("torch", "cpu"), "linux") == \
        ["--extra-index-url", requirements.TORCH_CPU_INDEX]
    assert requirements.pip_index_options(EnvironmentSpec("torch", "gpu"), "linux") == []
    assert requirements.pip_index_options(EnvironmentSpec("tensorflow", "cpu"), "linux") == []


@pytest.mark.parametrize("backend, platform, match", [
    ("tensorflow", "darwin", "macOS"), ("tensorflow", "win32", "Windows"), ("jax", "win32", "Linux only"),
])
def test_gpu_builds_that_do_not_exist_are_refused(backend, platform, match):
    with pytest.raises(ParameterError, match=match):
        requirements.backend_packages(EnvironmentSpec(backend, "gpu"), platform)


def test_unknown_backend_is_refused():
    with pytest.raises(ParameterError, match="tensorflow, jax, torch"):
        EnvironmentSpec("mxnet", "cpu")


def test_device_resolution_from_the_driver():
    assert resolve_device("auto", driver="12.4") == "gpu"
    assert resolve_device("auto", driver="") == "cpu"
    assert resolve_device("auto", driver="11.8") == "cpu"  # too old for the CUDA 12 builds
    assert resolve_device("cpu", driver="12.4") == "cpu"
    with pytest.raises(ParameterError, match="NVIDIA driver"):
        resolve_device("gpu", driver="11.8")
    with pytest.raises(ParameterError, match="nvidia-smi not found"):
        resolve_device("gpu", driver="")


def test_spec_id_follows_the_pins(tmp_path, monkeypatch):
    spec = EnvironmentSpec("tensorflow", "cpu")
    before = requirements.spec_id(spec, "3.11.2")
    assert before == requirements.spec_id(spec, "3.11.2")
    assert before != requirements.spec_id(spec, "3.13.5")
    assert before != requirements.spec_id(EnvironmentSpec("jax", "cpu"), "3.11.2")
    changed = tmp_path / "constraints.txt"
    changed.write_text(requirements.CONSTRAINTS.read_text() + "\nrasterio==9.9\n")
    monkeypatch.setattr(requirements, "CONSTRAINTS", changed)
    assert requirements.spec_id(spec, "3.11.2") != before


def test_the_pinned_pip_supports_the_raw_progress_bar():
    version = tuple(int(x) for x in requirements.pinned_version("pip").split(".")[:2])
    assert version >= (24, 1)


def _environment(folder: Path, spec_id: str | None = None, python: bool = True) -> Manifest:
    spec = EnvironmentSpec("tensorflow", "cpu")
    version = "{}.{}.{}".format(*sys.version_info[:3])
    manifest = Manifest(env_dir="env-test", spec_id=spec_id or requirements.spec_id(spec, version),
                        backend="tensorflow", device="cpu", plugin_version="0.0.9", python_version=version,
                        base_python=sys.executable, versions={}, created="2026-12-03T00:00:00")
    folder.mkdir(parents=True, exist_ok=True)
    layout.write_manifest(folder, manifest)
    if python:
        target = layout.env_python(folder / "env-test")
        target.parent.mkdir(parents=True, exist_ok=True)
        target.symlink_to(sys.executable)
    return manifest


def test_status_of_a_folder(tmp_path):
    assert environment_status(tmp_path / "none").state == MISSING
    assert "Set Up Deep-Learning Environment" in environment_status(tmp_path / "none").message
    damaged = tmp_path / "damaged"
    damaged.mkdir()
    (damaged / layout.MANIFEST).write_text("{not json")
    assert environment_status(damaged).state == BROKEN
    incomplete = tmp_path / "incomplete"
    _environment(incomplete, python=False)
    status = environment_status(incomplete)
    assert status.state == BROKEN and "is missing" in status.message and not status.usable
    ready = tmp_path / "ready"
    _environment(ready)
    status = environment_status(ready)
    assert status.state == READY and status.usable and status.message == ""
    assert status.python == layout.env_python(ready / "env-test")
    stale = tmp_path / "stale"
    _environment(stale, spec_id="0123456789ab")
    status = environment_status(stale)
    assert status.state == STALE and status.usable and "plugin version 0.0.9" in status.message


def test_worker_runtime_choice(tmp_path, monkeypatch):
    monkeypatch.delenv("DEEPFEATURE_PYTHON", raising=False)
    monkeypatch.setenv("PYTHONHOME", "/somewhere/else")  # as QGIS sets on Windows: must not leak
    ready = tmp_path / "ready"
    _environment(ready)
    runtime = worker_runtime(ready)
    assert runtime.managed and runtime.python == str(layout.env_python(ready / "env-test"))
    assert "PYTHONHOME" not in runtime.env and runtime.env["KERAS_BACKEND"] == "tensorflow"
    assert os.path.isdir(os.path.join(runtime.env["PYTHONPATH"], "deepfeature"))  # the plugin, nothing else
    # In QGIS (not a plain python) without an environment: the set-up's sentence.
    monkeypatch.setattr(sys, "executable", "/usr/bin/qgis")
    assert "Set Up Deep-Learning Environment" in worker_problem(tmp_path / "missing")
    with pytest.raises(DependencyError, match="0 · Set-up"):
        worker_runtime(tmp_path / "missing")
    monkeypatch.setenv("DEEPFEATURE_PYTHON", "/opt/dev/bin/python")  # development override wins
    assert worker_runtime(tmp_path / "missing").python == "/opt/dev/bin/python"
    assert worker_problem(tmp_path / "missing") == ""


def test_pip_progress_follows_packages_and_bytes():
    progress = RecordingProgress()
    counter = PipProgress(progress, expected=4)
    lines = ["Collecting keras", "  Downloading keras-3.15.1-py3-none-any.whl (1.5 MB)", "Progress 0 of 1000",
             "Progress 500 of 1000", "Progress 1000 of 1000", "Collecting numpy", "  Using cached numpy.whl",
             "Collecting rasterio", "Collecting six",
             "Installing collected packages: six, rasterio, numpy, keras",
             "Successfully installed keras numpy rasterio six"]
    for line in lines:
        counter.line(line)
    fractions = progress.fractions
    assert fractions == sorted(fractions) and fractions[-1] == 1.0
    assert 0.1 < fractions[2] < 0.2  # half of the first package's download
    assert counter.collected == 4 and any("Installing 4 packages" in m for m in progress.messages)


def test_embedded_python_does_not_trust_sys_executable(tmp_path, monkeypatch):
    # Inside QGIS / qgis_process, sys.executable is the first python3 on PATH (a pyenv shim here) and
    # sys.orig_argv is empty: the interpreter must come from QGIS's prefix instead.
    monkeypatch.delenv("DEEPFEATURE_PYTHON", raising=False)
    shim = _touch(tmp_path / "pyenv" / "shims" / "python3")
    system = _touch(tmp_path / "usr" / "bin" / "python3.11")
    monkeypatch.setattr(sys, "executable", str(shim))
    monkeypatch.setattr(sys, "orig_argv", [], raising=False)
    from deepfeature.core.environment.interpreter import running_python

    assert not running_python()
    host = Host("linux", str(shim), str(tmp_path / "usr"), (3, 11))
    assert base_python(host) == str(system)
    assert "Set Up Deep-Learning Environment" in worker_problem(tmp_path / "missing")
    monkeypatch.setattr(sys, "orig_argv", [str(shim), "-m", "pytest"], raising=False)
    assert running_python()
    assert base_python(Host("linux", str(shim), str(tmp_path / "usr"), (3, 11))) == str(shim)
