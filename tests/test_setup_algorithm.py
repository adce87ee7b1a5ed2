"""``deepfeature:setupenvironment``, the provider's Processing settings, the set-up check of the
algorithms that run in the worker, and the desktop's message bar that offers the set-up.

No test here installs anything (a real set-up downloads about 2 GB: tests/test_managed_environment.py).
An environment that a set-up would have made is imitated with this machine's Python: a folder with the
manifest a set-up writes and a virtual environment that sees the development packages, so the set-up's
self-check and the worker really run on it."""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
import sysconfig
from pathlib import Path

import pytest

from deepfeature.algorithms import settings
from deepfeature.core.environment import layout, requirements
from deepfeature.core.environment.bootstrap import base_version
from deepfeature.core.environment.interpreter import base_python

from .conftest import QGIS_PROCESS, qgis_process_env

SETUP = "deepfeature:setupenvironment"
#: Every algorithm that needs nothing but QGIS; all the others run in the worker.
IN_QGIS = {"deepfeature:setupenvironment", "deepfeature:describemodel"}
#: This machine's Python (the ``in_qgis`` fixture makes ``sys.executable`` QGIS's).
PYTHON = sys.executable


def make_environment(folder: Path, working: bool = False) -> Path:
    """A folder as a successful set-up leaves it (tensorflow, CPU): ``environment.json`` and the
    environment's python. ``working``: a virtual environment on this machine's Python that sees the
    development packages (Keras, TensorFlow...), so a worker runs on it; else a link to this Python
    (enough for the cheap checks, which run nothing). Returns the environment's python."""
    version = base_version(base_python())
    spec = requirements.EnvironmentSpec("tensorflow", "cpu")
    env_dir = folder / "env-test"
    python = layout.env_python(env_dir)
    python.parent.mkdir(parents=True, exist_ok=True)
    if working:
        real = os.path.realpath(PYTHON)
        cfg = "home = {}\ninclude-system-site-packages = true\nversion = {}\n"
        (env_dir / "pyvenv.cfg").write_text(cfg.format(os.path.dirname(real), version))
        python.symlink_to(real)
        site = env_dir / "lib" / "python{}.{}".format(*sys.version_info[:2]) / "site-packages"
        site.parent.mkdir(parents=True)
        site.symlink_to(sysconfig.get_paths()["purelib"])  # the development .venv's packages
    else:
        python.symlink_to(PYTHON)
    manifest = layout.Manifest(
        env_dir=env_dir.name, spec_id=requirements.spec_id(spec, version), backend="tensorflow", device="cpu",
        plugin_version="test", python_version=version, base_python=base_python(), versions={},
        created="2026-12-03T00:00:00",
    )
    layout.write_manifest(folder, manifest)
    return python


def _reread_processing_config():
    """The options dialog's values of the provider's settings, read again from QgsSettings."""
    config, _setting = settings._processing_config()
    if config is not None:
        for name in settings.SPECS:
            if name in config.settings:
                config.settings[name].value = config.settings[name].default
                config.settings[name].read()


@pytest.fixture()
def own_settings(tmp_path):
    """QGIS settings of the test's own, empty at first (the profile of pytest-qgis is shared by every test
    run on this checkout): QgsSettings write to ``tmp_path/settings`` until the test ends."""
    from qgis.core import QgsSettings
    from qgis.PyQt.QtCore import QSettings

    original = os.path.dirname(os.path.dirname(QgsSettings().fileName()))
    QSettings.setPath(QSettings.IniFormat, QSettings.UserScope, str(tmp_path / "settings"))
    assert QgsSettings().fileName().startswith(str(tmp_path / "settings"))
    _reread_processing_config()
    yield tmp_path / "settings"
    QSettings.setPath(QSettings.IniFormat, QSettings.UserScope, original)
    _reread_processing_config()


@pytest.fixture()
def in_qgis(monkeypatch):
    """As in QGIS desktop or qgis_process: no development interpreter, and this process is not a plain
    python (so only the environment of the settings can run a worker)."""
    monkeypatch.delenv("DEEPFEATURE_PYTHON", raising=False)
    monkeypatch.setattr(sys, "executable", "/usr/bin/qgis")


class Recording:
    """A QgsProcessingFeedback that keeps what the algorithm reported."""

    @staticmethod
    def make():
        from qgis.core import QgsProcessingFeedback

        class _Recording(QgsProcessingFeedback):
            def __init__(self):
                super().__init__()
                self.infos = []

            def pushInfo(self, text):  # noqa: N802 - QGIS API
                self.infos.append(text)

        return _Recording()


def _algorithm(algorithm_id):
    from qgis.core import QgsApplication

    return QgsApplication.processingRegistry().createAlgorithmById(algorithm_id)


def test_setup_algorithm_is_registered_first_with_its_group_and_parameters(provider):
    from qgis.core import QgsProcessingModelAlgorithm, QgsProcessingParameterDefinition

    from deepfeature.algorithms.provider import ALGORITHM_MODULES

    assert ALGORITHM_MODULES[0] == "setup_environment"
    alg = _algorithm(SETUP)
    assert alg.displayName() == "Set Up Deep-Learning Environment"
    assert (alg.groupId(), alg.group()) == ("setup", "0 · Set-up")
    groups = [a.group() for a in provider.algorithms() if not isinstance(a, QgsProcessingModelAlgorithm)]
    assert sorted(set(groups))[0] == "0 · Set-up"
    params = {p.name(): p for p in alg.parameterDefinitions()}
    assert list(params) == ["BACKEND", "DEVICE", "WHEEL_FOLDER", "FOLDER"]
    assert params["BACKEND"].options() == ["TensorFlow", "JAX", "PyTorch"]
    assert params["DEVICE"].options()[1:] == ["CPU", "NVIDIA GPU"]
    optional = {n for n, p in params.items() if p.flags() & QgsProcessingParameterDefinition.FlagOptional}
    assert optional == {"WHEEL_FOLDER", "FOLDER"}
    assert {o.name() for o in alg.outputDefinitions()} == {"LOG", "PYTHON", "CHANGED", "DISK_MB", "SECONDS"}
    # The help says what was detected on this computer (nvidia-smi, run when the help is shown).
    assert re.search(r"On this computer (no NVIDIA driver was found|an NVIDIA driver|the NVIDIA driver)",
                     alg.shortHelpString())


def test_settings_are_registered_and_read_back_typed(provider, own_settings, monkeypatch):
    from processing.core.ProcessingConfig import ProcessingConfig, Setting
    from qgis.core import QgsSettings

    from deepfeature.core.environment import WORKER_IDLE, default_folder

    group = ProcessingConfig.getSettings()[provider.name()]
    assert {s.name for s in group} == set(settings.SPECS)
    kinds = {s.name: s.valuetype for s in group}
    assert kinds[settings.ENVIRONMENT_FOLDER] == Setting.FOLDER
    assert kinds[settings.BACKEND] == kinds[settings.DEVICE] == Setting.SELECTION
    assert ProcessingConfig.settings[settings.BACKEND].options == ["TensorFlow", "JAX", "PyTorch"]
    # Nothing stored: the defaults.
    monkeypatch.delenv("DEEPFEATURE_WORKER_IDLE", raising=False)
    monkeypatch.delenv("DEEPFEATURE_ENVIRONMENT", raising=False)
    assert settings.setting(settings.ENVIRONMENT_FOLDER) == str(default_folder())
    assert settings.setting(settings.BACKEND) == "tensorflow"
    assert settings.setting(settings.DEVICE) == "auto"
    assert settings.setting(settings.WORKER_IDLE) == WORKER_IDLE
    assert settings.setting(settings.TILE_SIZE) == 0
    monkeypatch.setenv("DEEPFEATURE_WORKER_IDLE", "5")  # the variable is the default of the setting
    assert settings.setting(settings.WORKER_IDLE) == 5.0
    # What the options dialog stores (text and choice indices) comes back typed.
    qsettings = QgsSettings()
    qsettings.setValue(settings.KEY.format(settings.WORKER_IDLE), "12.5")
    qsettings.setValue(settings.KEY.format(settings.TILE_SIZE), "512")
    qsettings.setValue(settings.KEY.format(settings.DEVICE), 1)
    assert settings.setting(settings.WORKER_IDLE) == 12.5
    assert settings.setting(settings.TILE_SIZE) == 512
    assert settings.setting(settings.DEVICE) == "cpu"
    qsettings.setValue(settings.KEY.format(settings.TILE_SIZE), "lots")  # unreadable: the default
    assert settings.setting(settings.TILE_SIZE) == 0
    # store() keeps the options dialog's value too (its OK writes back what it shows).
    settings.store(settings.BACKEND, "jax")
    assert settings.setting(settings.BACKEND) == "jax"
    assert ProcessingConfig.getSetting(settings.BACKEND, readable=True) == "JAX"
    assert int(QgsSettings().value(settings.KEY.format(settings.BACKEND))) == 1


def test_options_dialog_saves_the_settings_before_the_environment_folder_exists(
    provider, own_settings, qgis_iface, monkeypatch
):
    """Its OK validates and saves every setting: the default folder, not made yet, must pass."""
    from qgis.PyQt.QtWidgets import QToolBar

    # QGIS >= 3.40's processing.gui.menus adds a tool button to the selection toolbar when imported.
    toolbar = QToolBar()
    monkeypatch.setattr(qgis_iface, "selectionToolBar", lambda: toolbar, raising=False)
    from processing.gui import ConfigDialog
    from qgis.core import QgsSettings

    warnings = []
    monkeypatch.setattr(ConfigDialog.QMessageBox, "warning", lambda *args: warnings.append(args[-1]))
    page = ConfigDialog.ConfigOptionsPage(None)
    shown = {s.name: item.text() for s, item in page.config_widget.items.items() if s.name in settings.SPECS}
    assert set(shown) == set(settings.SPECS)
    assert not os.path.exists(shown[settings.ENVIRONMENT_FOLDER])
    assert shown[settings.BACKEND] == "TensorFlow"
    page.config_widget.accept()
    assert warnings == []
    # QGIS >= 3.40 removes a setting equal to its default instead of storing it.
    assert QgsSettings().value(settings.KEY.format(settings.ENVIRONMENT_FOLDER)) in (
        shown[settings.ENVIRONMENT_FOLDER], None)
    assert {name: settings.setting(name) for name in settings.SPECS} == {
        settings.ENVIRONMENT_FOLDER: shown[settings.ENVIRONMENT_FOLDER], settings.BACKEND: "tensorflow",
        settings.DEVICE: "auto", settings.WORKER_IDLE: float(shown[settings.WORKER_IDLE]),
        settings.TILE_SIZE: 0}


def test_tile_size_and_device_settings_are_the_parameter_defaults(provider, own_settings):
    classify = _algorithm("deepfeature:classify")
    assert classify.parameterDefinition("TILE_SIZE").defaultValue() == 0  # unset: today's defaults
    assert classify.parameterDefinition("DEVICE").defaultValue() == 0
    assert _algorithm("deepfeature:trainmodel").parameterDefinition("DEVICE").defaultValue() == 0
    assert _algorithm(SETUP).parameterDefinition("BACKEND").defaultValue() == 0
    settings.store(settings.TILE_SIZE, 512)
    settings.store(settings.DEVICE, "cpu")
    settings.store(settings.BACKEND, "torch")
    classify = _algorithm("deepfeature:classify")
    assert classify.parameterDefinition("TILE_SIZE").defaultValue() == 512
    assert classify.parameterDefinition("DEVICE").defaultValue() == 1
    assert _algorithm("deepfeature:trainmodel").parameterDefinition("DEVICE").defaultValue() == 1
    setup = _algorithm(SETUP)
    assert setup.parameterDefinition("DEVICE").defaultValue() == 1
    assert setup.parameterDefinition("BACKEND").defaultValue() == 2


def test_worker_algorithms_ask_for_the_setup_until_there_is_an_environment(
    provider, own_settings, in_qgis, tmp_path
):
    from qgis.core import QgsProcessingModelAlgorithm

    algorithms = [a for a in provider.algorithms() if not isinstance(a, QgsProcessingModelAlgorithm)]
    workers = [a for a in algorithms if a.id() not in IN_QGIS]
    assert len(workers) >= 9
    empty = tmp_path / "empty"
    empty.mkdir()
    settings.store(settings.ENVIRONMENT_FOLDER, str(empty))
    for alg in workers:
        ok, message = alg.canExecute()
        assert not ok, alg.id()
        assert "run 'Set Up Deep-Learning Environment' (Processing Toolbox › Deep Feature Extraction › " \
               "0 · Set-up) once" in message
        assert message.count(". ") == 0 and message.endswith("."), message  # one sentence
        assert "pip" not in message
    for alg in algorithms:
        if alg.id() in IN_QGIS:
            assert alg.canExecute() == (True, ""), alg.id()
    # A damaged environment: the same sentence says so.
    (empty / layout.MANIFEST).write_text("{not json")
    ok, message = workers[0].canExecute()
    assert not ok and "damaged" in message and "Set Up Deep-Learning Environment" in message
    # A set-up environment in the folder of the settings: every algorithm can run.
    ready = tmp_path / "ready"
    make_environment(ready)
    settings.store(settings.ENVIRONMENT_FOLDER, str(ready))
    for alg in algorithms:
        assert alg.canExecute() == (True, ""), alg.id()


def test_run_worker_refuses_before_any_work_without_the_environment(
    run_alg, own_settings, in_qgis, tmp_path
):
    from qgis.core import QgsProcessingException

    settings.store(settings.ENVIRONMENT_FOLDER, str(tmp_path / "not set up"))
    output = tmp_path / "model.keras"
    with pytest.raises(QgsProcessingException, match=r"run 'Set Up Deep-Learning Environment'"):
        run_alg("initializemodel", {"BANDS": 3, "CLASSES": "building", "OUTPUT": str(output)})
    assert not output.exists()
    assert not (tmp_path / "not set up").exists()


def test_run_worker_runs_on_the_environment_of_the_settings(provider, own_settings, in_qgis, tmp_path,
                                                             monkeypatch):
    from qgis.core import QgsProcessingFeedback

    from deepfeature.core import worker

    python = make_environment(tmp_path / "environment", working=True)
    settings.store(settings.ENVIRONMENT_FOLDER, str(tmp_path / "environment"))
    settings.store(settings.WORKER_IDLE, 7.0)
    runtimes = []
    real = worker.run_in_worker

    def recording(name, *args, runtime=None, **kwargs):
        runtimes.append(runtime)
        return real(name, *args, runtime=runtime, **kwargs)

    monkeypatch.setattr(worker, "run_in_worker", recording)
    alg = _algorithm("deepfeature:initializemodel")
    check = alg.run_worker("environment:self_check", QgsProcessingFeedback())
    assert check["executable"] == str(python)  # the worker ran on the environment's python
    assert runtimes[0].managed and runtimes[0].idle == 7.0
    assert runtimes[0].env["KERAS_BACKEND"] == "tensorflow" and "keras" in check["versions"]


def test_setup_on_a_ready_environment_changes_nothing_and_becomes_the_folder_setting(
    run_alg, own_settings, tmp_path
):
    from processing.core.ProcessingConfig import ProcessingConfig
    from qgis.core import QgsSettings

    folder = tmp_path / "environment"
    python = make_environment(folder, working=True)
    settings.store(settings.ENVIRONMENT_FOLDER, str(tmp_path / "elsewhere"))
    feedback = Recording.make()
    res = run_alg("setupenvironment", {"BACKEND": 0, "DEVICE": 1, "FOLDER": str(folder)}, feedback=feedback)
    assert res["CHANGED"] is False and res["PYTHON"] == str(python)
    assert res["SECONDS"] > 0 and res["DISK_MB"] >= 0
    log = Path(res["LOG"])
    assert log.parent == folder / "logs"
    text = log.read_text(encoding="utf-8")
    assert "QGIS 3." in text and "already holds these requirements" in text
    infos = "\n".join(feedback.infos)
    assert re.search(r"Versions: python 3\.\d+\.\d+, numpy .*keras 3\.", infos)
    assert "Devices Keras sees: " in infos and "nothing changed" in infos
    # The folder given is now the setting, stored at once and shown by the options dialog.
    assert settings.setting(settings.ENVIRONMENT_FOLDER) == str(folder)
    assert QgsSettings().value(settings.KEY.format(settings.ENVIRONMENT_FOLDER)) == str(folder)
    assert ProcessingConfig.getSetting(settings.ENVIRONMENT_FOLDER) == str(folder)
    # Without FOLDER the set-up works on the folder of the settings.
    again = run_alg("setupenvironment", {"BACKEND": 0, "DEVICE": 1})
    assert again["CHANGED"] is False and Path(again["LOG"]).parent == folder / "logs"


@pytest.mark.slow
def test_qgis_process_keeps_the_folder_setting_for_the_next_runs(tmp_path):
    """The set-up's FOLDER is written to the profile by qgis_process; the next qgis_process runs, with no
    development interpreter, use it: the set-up finds it and a worker algorithm runs on it."""
    if not shutil.which(QGIS_PROCESS):
        pytest.skip("qgis_process is not installed ({}); run scripts/setup.sh".format(QGIS_PROCESS))
    folder = tmp_path / "environment"
    make_environment(folder, working=True)
    env = qgis_process_env(tmp_path)
    env.pop("DEEPFEATURE_PYTHON", None)
    env.pop("DEEPFEATURE_ENVIRONMENT", None)
    # The interpreter QGIS runs on (qgis_process's sys.executable is whatever python3 PATH finds first).
    env["DEEPFEATURE_BASE_PYTHON"] = os.path.realpath(PYTHON)

    def run(algorithm, params):
        args = [QGIS_PROCESS, "--json", "run", algorithm, "--"]
        args += ["{}={}".format(k, v) for k, v in params.items()]
        proc = subprocess.run(args, capture_output=True, text=True, timeout=600, env=env)
        assert proc.returncode == 0, proc.stdout[-3000:] + proc.stderr[-3000:]
        return json.loads(proc.stdout[proc.stdout.find("{"):])["results"]

    first = run(SETUP, {"BACKEND": 0, "DEVICE": 1, "FOLDER": folder})
    assert first["CHANGED"] in (False, "false", 0)
    ini = tmp_path / "profile" / "profiles" / "default" / "QGIS" / "QGIS3.ini"
    assert str(folder) in ini.read_text(encoding="utf-8")
    second = run(SETUP, {"BACKEND": 0, "DEVICE": 1})
    assert Path(second["LOG"]).parent == folder / "logs"
    model = tmp_path / "model.keras"
    run("deepfeature:initializemodel", {"BANDS": 3, "CLASSES": "building", "PATCH_SIZE": 32,
                                        "BASE_FILTERS": 4, "DEPTH": 3, "OUTPUT": model})
    assert model.is_file()


# The desktop: a message bar offers the set-up ------------------------------------------------------------
@pytest.fixture()
def desktop(qgis_app, qgis_processing, qgis_iface, own_settings, in_qgis, monkeypatch):
    """(plugin, message bar, calls of processing.execAlgorithmDialog) with the bar empty and the set-up
    not offered yet this session."""
    import processing

    from deepfeature import plugin as plugin_module

    monkeypatch.setattr(plugin_module, "_OFFERED", [])
    calls = []
    monkeypatch.setattr(processing, "execAlgorithmDialog", lambda alg_id, *a, **k: calls.append(alg_id))
    bar = qgis_iface.messageBar()
    bar.clearWidgets()
    plugin = plugin_module.DeepFeaturePlugin(qgis_iface)
    yield plugin, bar, calls
    plugin.unload()
    bar.clearWidgets()


def _setup_buttons(bar):
    from qgis.PyQt.QtWidgets import QPushButton

    return [b for item in bar.items() for b in item.findChildren(QPushButton) if b.text() == "Set Up…"]


def test_message_bar_offers_the_setup_when_the_environment_is_missing(desktop, tmp_path):
    plugin, bar, calls = desktop
    settings.store(settings.ENVIRONMENT_FOLDER, str(tmp_path / "nothing here"))
    plugin.initGui()
    assert len(bar.items()) == 1
    assert "set it up once" in bar.items()[0].text()
    buttons = _setup_buttons(bar)
    assert len(buttons) == 1
    buttons[0].click()
    assert calls == [SETUP]
    # Once a session: the next start does not offer it again.
    plugin.unload()
    plugin.initGui()
    assert not _setup_buttons(bar)


def test_no_message_bar_when_the_environment_is_there(desktop, tmp_path, monkeypatch):
    plugin, bar, calls = desktop
    make_environment(tmp_path / "ready")
    settings.store(settings.ENVIRONMENT_FOLDER, str(tmp_path / "ready"))
    plugin.initGui()
    assert not bar.items()
    # Nor when DEEPFEATURE_PYTHON names the worker's Python (development).
    plugin.unload()
    settings.store(settings.ENVIRONMENT_FOLDER, str(tmp_path / "nothing here"))
    monkeypatch.setenv("DEEPFEATURE_PYTHON", PYTHON)
    plugin.initGui()
    assert not bar.items() and calls == []
