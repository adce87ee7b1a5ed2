"""The plugin skeleton: core is QGIS-free, the plugin loads, the provider registers, conventions hold."""

from __future__ import annotations

import ast
import configparser
import re
import subprocess
import sys
from pathlib import Path

import pytest

from .conftest import PLUGINS, ROOT

FORBIDDEN = ("qgis", "PyQt5", "PyQt6", "PyQt", "sip")


def test_core_sources_never_import_qgis_or_pyqt():
    offenders = []
    for path in sorted((ROOT / "core").rglob("*.py")):
        tree = ast.parse(path.read_text(encoding="utf-8"))
        for node in ast.walk(tree):
            names = []
            if isinstance(node, ast.Import):
                names = [a.name for a in node.names]
            elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
                names = [node.module]
            offenders += [(path.name, n) for n in names if n.split(".")[0] in FORBIDDEN]
    assert offenders == []


def test_core_imports_in_a_python_without_qgis():
    """Import every core module in a fresh interpreter where importing qgis/PyQt fails."""
    modules = sorted(p.stem for p in (ROOT / "core").glob("*.py") if p.stem != "__init__")
    code = (
        "import sys, importlib\n"
        "class Block:\n"
        "    def find_spec(self, name, path=None, target=None):\n"
        "        if name.split('.')[0] in {forbidden!r}:\n"
        "            raise ImportError('blocked ' + name)\n"
        "sys.meta_path.insert(0, Block())\n"
        "sys.path.insert(0, {plugins!r})\n"
        "for m in {modules!r}:\n"
        "    importlib.import_module('deepfeature.core.' + m)\n"
        "bad = [m for m in sys.modules if m.split('.')[0] in {forbidden!r}]\n"
        "assert not bad, bad\n"
        "print('ok', len({modules!r}))\n"
    ).format(forbidden=FORBIDDEN, plugins=str(PLUGINS), modules=modules)
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=300)
    assert out.returncode == 0, out.stderr
    assert out.stdout.startswith("ok")


def test_metadata_is_complete():
    meta = configparser.ConfigParser()
    meta.read(ROOT / "metadata.txt", encoding="utf-8")
    general = meta["general"]
    assert general["name"] == "Deep Feature Extraction"
    assert general["qgisMinimumVersion"] == "3.22"
    assert general["hasProcessingProvider"] == "yes"
    for key in ("about", "tracker", "repository", "tags", "icon", "changelog", "version", "author"):
        assert general.get(key, "").strip(), key
    assert (ROOT / general["icon"]).is_file()


def test_plugin_registers_and_unloads_provider(qgis_app, qgis_processing, qgis_iface):
    from qgis.core import QgsApplication

    import deepfeature

    registry = QgsApplication.processingRegistry()
    before = registry.providerById("deepfeature")
    plugin = deepfeature.classFactory(qgis_iface)
    if before is not None:
        registry.removeProvider(before)
    plugin.initGui()
    prov = registry.providerById("deepfeature")
    assert prov is not None
    assert prov.name() == "Deep Feature Extraction"
    assert not prov.icon().isNull()
    ids = {a.id() for a in prov.algorithms()}
    assert "deepfeature:labelrasterfromvector" in ids
    plugin.unload()
    assert registry.providerById("deepfeature") is None


def test_algorithms_follow_conventions(provider):
    from qgis.core import QgsProcessingModelAlgorithm

    algorithms = [a for a in provider.algorithms() if not isinstance(a, QgsProcessingModelAlgorithm)]
    assert len(algorithms) == 11
    for alg in algorithms:
        assert alg.name() == alg.name().lower()
        assert alg.displayName() and alg.shortHelpString()
        # Plain text, one paragraph per line: the toolbox makes paragraphs, qgis_process prints it as is.
        assert not re.search(r"</?[a-zA-Z]+>", alg.shortHelpString()), alg.id()
        for param in alg.parameterDefinitions():
            assert param.name() == param.name().upper(), (alg.id(), param.name())


def test_progress_events_are_plain_data():
    import json

    from deepfeature.core.progress import Event, RecordingProgress

    rec = RecordingProgress()
    sub = rec.sub(0.5, 1.0)
    sub.progress(0.5)
    sub.info("hello")
    assert rec.fractions == [0.75]
    for event in rec.events:
        assert Event.from_dict(json.loads(json.dumps(event.to_dict()))) == event


def test_cancel_raises_canceled_error():
    from deepfeature.core.errors import CanceledError, DeepFeatureError
    from deepfeature.core.progress import RecordingProgress

    rec = RecordingProgress()
    rec.check()
    rec.cancel()
    with pytest.raises(CanceledError):
        rec.sub(0, 1).check()
    assert issubclass(CanceledError, DeepFeatureError)


def test_atomic_output_leaves_nothing_on_failure(tmp_path):
    from deepfeature.core.errors import OutputError
    from deepfeature.core.files import atomic_output

    target = tmp_path / "out.tif"
    with pytest.raises(RuntimeError):
        with atomic_output(target) as tmp:
            Path(tmp).write_bytes(b"partial")
            raise RuntimeError("boom")
    assert list(tmp_path.iterdir()) == []
    with atomic_output(target) as tmp:
        Path(tmp).write_bytes(b"done")
    assert target.read_bytes() == b"done"
    assert [p.name for p in tmp_path.iterdir()] == ["out.tif"]
    src = tmp_path / "in.tif"
    src.write_bytes(b"x")
    with pytest.raises(OutputError, match="also an input"):
        with atomic_output(src, inputs=[src]):
            pass
    with pytest.raises(OutputError, match="does not exist"):
        with atomic_output(tmp_path / "nope" / "x.tif"):
            pass


def test_atomic_text_files_get_the_usual_permissions(tmp_path):
    """Reports and configurations are readable by others like any new file (umask), not 0600."""
    import os
    import stat

    from deepfeature.core.files import write_text_atomic

    old = os.umask(0o022)
    try:
        write_text_atomic(tmp_path / "report.json", "{}")
        os.umask(0o027)
        write_text_atomic(tmp_path / "group.json", "{}")
    finally:
        os.umask(old)
    assert stat.S_IMODE((tmp_path / "report.json").stat().st_mode) == 0o644
    assert stat.S_IMODE((tmp_path / "group.json").stat().st_mode) == 0o640
    assert sorted(p.name for p in tmp_path.iterdir()) == ["group.json", "report.json"]


def test_can_execute_names_missing_packages():
    from deepfeature.core import deps

    text = deps.describe_missing((("surely_not_installed_xyz", "surely-not-installed"),))
    assert "surely-not-installed" in text and "Set Up Deep-Learning Environment" in text
    assert "pip install" not in text  # QGIS's own Python is never the place to install anything
    assert deps.describe_missing(deps.RASTER) == ""
