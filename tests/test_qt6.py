"""Qt6 (QGIS 4) readiness, checked without a QGIS 4 build.

``test_plugin_loads_under_pyqt6`` (slow: its first run makes ``.venv/pyqt6``, a virtual environment with
PyQt6, numpy and pytest from the package index and no QGIS) runs this file as a script there. The script
puts a stand-in ``qgis`` package in front of the plugin, imports every module the plugin and its provider
import (``plugin.py``, ``algorithms/*.py``, the ``core`` modules they pull in) and runs what QGIS runs when
the provider loads and a dialog opens: the provider's ``load()`` and ``loadAlgorithms()``, every algorithm's
constructor, ``initAlgorithm()``, names, groups, help, icon and ``canExecute()``, the style builders
(renderers and symbols of every output), the fields of the vector outputs, and the plugin's ``initGui()``
with its set-up message bar, ``open_setup()`` and ``unload()``.

The stand-in's rules (it checks Qt and only Qt; it must never hide a PyQt6 error):

1. ``qgis.PyQt.QtCore``, ``qgis.PyQt.QtGui``, ``qgis.PyQt.QtWidgets`` (any ``qgis.PyQt.X``) ARE the real
   ``PyQt6.X`` modules, as QGIS 4's own ``qgis.PyQt`` re-exports them (``from PyQt6.QtCore import *``).
   Every Qt name the plugin spells (``QVariant.Int``, ``Qt.SolidPattern``...) and every Qt call it makes
   is checked by PyQt6 itself; nothing of Qt is faked or patched.
2. ``qgis.core``, ``qgis.gui``, ``qgis.utils``, ``qgis.analysis`` and ``processing`` (and any submodule) are
   stand-ins: a public name (not starting with ``_``) is a class made on first use, the same object every
   time it is asked for.
3. A stand-in class takes any constructor arguments and can be subclassed; an attribute that it or its
   instances do not define is another stand-in class (made once per name and owner); calling a stand-in
   class gives an instance. Instances are true, combine with ``| & ^ ~`` into instances, compare by
   identity, index and call into instances, iterate as empty and contain nothing. Dunder names are never
   invented (``AttributeError``), so the protocol probes of Python and PyQt6 see a plain object.
4. A stand-in is no Qt object: where PyQt6 wants a QWidget, a QColor or a Qt enum, a stand-in raises
   ``TypeError`` as the wrong object would in QGIS 4. The fake ``iface`` therefore gives real QWidgets for
   its message bar items (a ``QgsMessageBarItem`` is a QWidget).
5. What the plugin reads from QGIS is given: ``Qgis.QGIS_VERSION_INT`` is 40000 (a QGIS 4),
   ``QgsSettings`` is an empty profile (``value(key, default)`` returns ``default``), ``sys.orig_argv`` is
   empty as in QGIS's embedded Python, and no deep-learning environment is set up (so the set-up message
   bar and ``canExecute()``'s refusal run too).

Under the stand-in every QGIS name exists, so this cannot tell whether a QGIS name exists in QGIS 4:
``test_compat_names_resolve`` checks the names of ``algorithms/compat.py`` against the installed QGIS
(on QGIS 3.40 or 3.44 that is every current name). ``test_no_qt5_only_names`` (fast) reads the plugin's
sources: no ``QVariant.`` type, no unscoped Qt or QGIS enum, no ``exec_()``, no deprecated QGIS name that
compat.py replaces.
"""

from __future__ import annotations

import ast
import importlib
import os
import shutil
import subprocess
import sys
import types
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
VENV = ROOT / ".venv" / "pyqt6"
#: What the PyQt6 environment holds (numpy: the plugin's core imports it, QGIS ships it).
REQUIREMENTS = ("PyQt6>=6.5", "numpy", "pytest")
#: Plugin sources that do not run in QGIS (nor ship in the package).
NOT_PLUGIN = {"tests", "bench", "scripts", ".venv", ".ci", "i18n", "build", "dist", "demo_output"}


# ---------------------------------------------------------------------------------------------------
# The stand-in (used when this file runs as a script in the PyQt6 environment)

class _StandinType(type):
    """The metaclass of stand-in classes: unknown class attributes are stand-in classes too."""

    def __getattr__(cls, name):
        if name.startswith("__"):
            raise AttributeError(name)
        made = _standin_class("{}.{}".format(cls.__qualname__, name))
        setattr(cls, name, made)
        return made

    def __or__(cls, other):
        return cls()

    __ror__ = __and__ = __rand__ = __xor__ = __rxor__ = __or__

    def __invert__(cls):
        return cls()

    def __iter__(cls):
        return iter(())

    def __contains__(cls, item):
        return False

    def __getitem__(cls, key):
        return cls()

    def __setitem__(cls, key, value):
        pass


class Standin(metaclass=_StandinType):
    """Base of every auto-created QGIS class (rule 3 of the module docstring)."""

    def __init__(self, *args, **kwargs):
        pass

    def __getattr__(self, name):
        if name.startswith("__"):
            raise AttributeError(name)
        made = _standin_class("{}().{}".format(type(self).__qualname__, name))
        object.__setattr__(self, name, made)
        return made

    def __call__(self, *args, **kwargs):
        return type(self)()

    def __bool__(self):
        return True

    def __or__(self, other):
        return type(self)()

    __ror__ = __and__ = __rand__ = __xor__ = __rxor__ = __or__

    def __invert__(self):
        return type(self)()

    def __iter__(self):
        return iter(())

    def __contains__(self, item):
        return False

    def __getitem__(self, key):
        return type(self)()

    def __setitem__(self, key, value):
        pass

    def __repr__(self):
        return "<stand-in {}>".format(type(self).__qualname__)


def _standin_class(name: str):
    cls = _StandinType(name.rsplit(".", 1)[-1], (Standin,), {})
    cls.__qualname__ = name
    return cls


class QgsSettings(Standin):
    """An empty profile (rule 5)."""

    def value(self, key, default=None, *args, **kwargs):
        return default


class Qgis(Standin):
    """Rule 5: a QGIS 4."""

    QGIS_VERSION_INT = 40000
    QGIS_VERSION = "4.0.0-stand-in"
    QGIS_DEV_VERSION = "stand-in"


def _standin_module(name: str):
    """A stand-in module (rule 2): a public name is a stand-in class, made once."""
    module = types.ModuleType(name)
    module.__path__ = []  # a package: its submodules are stand-ins too

    def __getattr__(attr):  # noqa: N807 - module __getattr__
        if attr.startswith("_"):
            raise AttributeError("module {!r} has no attribute {!r}".format(name, attr))
        made = {"QgsSettings": QgsSettings, "Qgis": Qgis}.get(attr) if name == "qgis.core" else None
        made = made or _standin_class(attr)
        setattr(module, attr, made)
        return made

    module.__getattr__ = __getattr__
    return module


class _StandinFinder:
    """Imports ``qgis.PyQt.X`` as the real ``PyQt6.X`` (rule 1) and every other ``qgis.*`` and
    ``processing.*`` module as a stand-in (rule 2)."""

    def find_spec(self, fullname, path=None, target=None):
        import importlib.machinery

        if fullname == "qgis.PyQt" or fullname.split(".")[0] not in ("qgis", "processing"):
            return None
        return importlib.machinery.ModuleSpec(fullname, self)

    def create_module(self, spec):
        name = spec.name
        if name.startswith("qgis.PyQt."):
            return importlib.import_module("PyQt6." + name[len("qgis.PyQt."):])
        return _standin_module(name)

    def exec_module(self, module):
        pass


def install_standin() -> None:
    """Put the stand-in ``qgis`` and ``processing`` packages in front of any other."""
    for name in ("qgis", "processing"):
        sys.modules[name] = _standin_module(name)
    pyqt = types.ModuleType("qgis.PyQt")
    pyqt.__path__ = []
    sys.modules["qgis.PyQt"] = pyqt
    sys.modules["qgis"].PyQt = pyqt
    sys.meta_path.insert(0, _StandinFinder())


class _MessageBar:
    """The fake ``iface.messageBar()``: its items are real QWidgets (rule 4)."""

    def __init__(self):
        self.pushed, self.popped = [], []

    def createMessage(self, title, text):  # noqa: N802 - QGIS API
        from PyQt6.QtWidgets import QHBoxLayout, QLabel, QWidget

        item = QWidget()
        layout = QHBoxLayout(item)
        layout.addWidget(QLabel("{}: {}".format(title, text), item))
        return item

    def pushWidget(self, item, level):  # noqa: N802 - QGIS API
        self.pushed.append(item)

    def popWidget(self, item):  # noqa: N802 - QGIS API
        self.popped.append(item)


class _Iface:
    def __init__(self):
        self.bar = _MessageBar()

    def messageBar(self):  # noqa: N802 - QGIS API
        return self.bar


def _check(failures: list, what: str, function, *args):
    """Run one step; a failure is recorded with its traceback (every step runs)."""
    import traceback

    try:
        result = function(*args)
    except Exception:  # noqa: BLE001 - every error is the report
        failures.append("{}\n{}".format(what, traceback.format_exc()))
        print("FAIL", what)
        return None
    print("ok  ", what)
    return result


def standin_main(plugins: str) -> int:
    """Import and load the plugin (the package ``deepfeature`` under ``plugins``) under the stand-in;
    0 when every step passed."""
    from PyQt6.QtCore import PYQT_VERSION_STR, QT_VERSION_STR
    from PyQt6.QtWidgets import QApplication

    install_standin()
    sys.orig_argv = []  # as in QGIS's embedded Python: the plugin sees no plain interpreter to run on
    sys.path.insert(0, plugins)
    app = QApplication([])  # noqa: F841 - QWidgets need it
    print("PyQt6 {} (Qt {}), stand-in QGIS {}".format(PYQT_VERSION_STR, QT_VERSION_STR, Qgis.QGIS_VERSION))
    failures: list[str] = []
    _check(failures, "import deepfeature", importlib.import_module, "deepfeature")
    _check(failures, "import deepfeature.plugin", importlib.import_module, "deepfeature.plugin")
    for path in sorted((Path(plugins) / "deepfeature" / "algorithms").glob("[!_]*.py")):
        name = "deepfeature.algorithms." + path.stem
        _check(failures, "import " + name, importlib.import_module, name)

    def provider_loads():
        from deepfeature.algorithms.provider import DeepFeatureProvider

        provider = DeepFeatureProvider()
        provider.id(), provider.name(), provider.longName(), provider.icon(), provider.svgIconPath()
        provider.load()
        provider.loadAlgorithms()
        provider.unload()

    _check(failures, "provider load(), loadAlgorithms(), unload()", provider_loads)
    provider = sys.modules.get("deepfeature.algorithms.provider")
    names = provider.ALGORITHM_MODULES if provider else ()
    for module_name in names:
        def dialog(module_name=module_name):
            cls = importlib.import_module("deepfeature.algorithms." + module_name).ALGORITHM
            alg = cls().createInstance()
            alg.initAlgorithm()
            alg.name(), alg.displayName(), alg.group(), alg.groupId(), alg.shortHelpString(), alg.icon()
            alg.canExecute()

        _check(failures, "algorithm {}: initAlgorithm() and its dialog texts".format(module_name), dialog)

    def styles():
        from PyQt6.QtGui import QColor

        from deepfeature.algorithms import compat, styling

        layer = sys.modules["qgis.core"].QgsRasterLayer()
        styling.class_color(0), styling.class_color(3)
        styling.paletted_renderer(layer, 2, {0: "background", 1: "building"}, 255)
        styling.activation_renderer(layer, 1)
        styling.class_symbol(compat.GEOMETRY_POINT, QColor(10, 20, 30))
        styling.class_symbol(compat.GEOMETRY_POLYGON, QColor(10, 20, 30))
        styling.class_renderer(sys.modules["qgis.core"].QgsVectorLayer(), {1: "building", 2: "road"})

    _check(failures, "styles: paletted, activation, point and polygon class symbols", styles)

    def fields():
        from deepfeature.algorithms import activation_to_points, activation_to_polygons, common

        common.make_fields(activation_to_points.FIELDS)
        common.make_fields(activation_to_polygons.FIELDS)

    _check(failures, "fields of the point and polygon outputs", fields)

    def crs():
        from deepfeature.algorithms.base import DeepFeatureAlgorithm

        DeepFeatureAlgorithm.crs_wkt(sys.modules["qgis.core"].QgsCoordinateReferenceSystem())

    _check(failures, "CRS as WKT", crs)

    def plugin_gui():
        import deepfeature

        iface = _Iface()
        plugin = deepfeature.classFactory(iface)
        plugin.initGui()
        assert iface.bar.pushed, "the set-up message was not shown (no environment in the test's folder)"
        plugin.open_setup()
        plugin.unload()

    _check(failures, "plugin initGui() (set-up message bar), open_setup(), unload()", plugin_gui)
    for failure in failures:
        print("\n" + failure)
    print("{} failure(s)".format(len(failures)))
    return 1 if failures else 0


# ---------------------------------------------------------------------------------------------------
# The tests

def _clean_env(**extra) -> dict:
    """This process's variables without those that would let the PyQt6 environment see this one (the
    development PYTHONPATH, QGIS's) or the plugin's development settings."""
    env = {key: value for key, value in os.environ.items()
           if not key.startswith(("PYTHON", "QGIS", "DEEPFEATURE_", "QT_", "VIRTUAL_ENV"))}
    env.update(extra)
    return env


def _pyqt6_python() -> Path:
    """The Python of ``.venv/pyqt6``, made (once) with PyQt6, this numpy and pytest from the package
    index; made again when what it should hold changed."""
    import numpy

    python = VENV / "bin" / "python"
    wanted = list(REQUIREMENTS) + ["numpy=={}".format(numpy.__version__)]
    wanted.remove("numpy")
    stamp = VENV / "deepfeature-requirements.txt"
    if python.exists() and stamp.exists() and stamp.read_text() == "\n".join(wanted):
        return python
    shutil.rmtree(VENV, ignore_errors=True)
    env = _clean_env()
    subprocess.run([sys.executable, "-m", "venv", str(VENV)], check=True, env=env)
    result = subprocess.run([str(python), "-m", "pip", "install", "--quiet", *wanted], capture_output=True,
                            text=True, env=env)
    if result.returncode:
        pytest.fail("pip could not install PyQt6 into {}:\n{}".format(VENV, result.stderr[-3000:]))
    stamp.write_text("\n".join(wanted))
    return python


@pytest.mark.slow
def test_plugin_loads_under_pyqt6(tmp_path):
    """Every module of the plugin imports, and the provider and its dialogs load, under PyQt6."""
    python = _pyqt6_python()
    plugins = tmp_path / "plugins"
    plugins.mkdir()
    (plugins / "deepfeature").symlink_to(ROOT)
    env = _clean_env(QT_QPA_PLATFORM="offscreen", DEEPFEATURE_ENVIRONMENT=str(tmp_path / "no-environment"),
                     PYTHONDONTWRITEBYTECODE="1", HOME=str(tmp_path))
    result = subprocess.run([str(python), __file__, str(plugins)], capture_output=True, text=True, env=env,
                            timeout=300)
    print(result.stdout)
    assert result.returncode == 0, result.stdout[-12000:] + result.stderr[-4000:]
    assert "0 failure(s)" in result.stdout


def _plugin_sources():
    for path in sorted(ROOT.rglob("*.py")):
        parts = path.relative_to(ROOT).parts
        if parts[0] not in NOT_PLUGIN and "__pycache__" not in parts:
            yield path


def _dotted(node) -> str:
    """``a.b.c`` for an attribute chain on a name, else ''."""
    parts = []
    while isinstance(node, ast.Attribute):
        parts.append(node.attr)
        node = node.value
    if not isinstance(node, ast.Name):
        return ""
    parts.append(node.id)
    return ".".join(reversed(parts))


def qt5_only_names(source: str, deprecated=()) -> list:
    """``(line, text, why)`` of every name in ``source`` that fails under Qt6 or is deprecated in QGIS:

    - ``QVariant.<anything>`` (PyQt6 has no ``QVariant.Type``; a field type is a ``QMetaType.Type``);
    - an unscoped enum member of a Qt or QGIS class: ``Q….Name`` with a capitalised (not ALL_CAPS) ``Name``
      that is neither followed by ``.member`` nor called (``Qt.SolidPattern``, ``QSizePolicy.Expanding``,
      ``QgsFeatureSink.FastInsert``; ``Qt.BrushStyle.SolidPattern`` and ``QgsRendererCategory.Class(...)``
      pass), also through a local alias of the class (``number = QgsProcessingParameterNumber``);
    - ``exec_`` (gone in PyQt6: ``exec``);
    - a name of ``deprecated`` (``"QgsWkbTypes.Point"``: its class and member, with or without the scope
      between them).
    """
    tree = ast.parse(source)
    parents = {child: node for node in ast.walk(tree) for child in ast.iter_child_nodes(node)}
    # number = QgsProcessingParameterNumber: number.Integer is QgsProcessingParameterNumber.Integer
    aliases = {
        node.targets[0].id: node.value.id for node in ast.walk(tree)
        if isinstance(node, ast.Assign) and len(node.targets) == 1 and isinstance(node.targets[0], ast.Name)
        and isinstance(node.value, ast.Name) and node.value.id.startswith("Q")
    }
    old = {(name.split(".")[0], name.split(".")[-1]) for name in deprecated}
    found = []
    for node in ast.walk(tree):
        if not isinstance(node, ast.Attribute):
            continue
        parent = parents.get(node)
        text = _dotted(node)
        if node.attr == "exec_":
            found.append((node.lineno, text or node.attr, "exec_() is exec() in PyQt6"))
        if not text or isinstance(parent, ast.Attribute):
            continue  # only whole chains: a.b.c, not its a.b
        parts = text.split(".")
        parts[0] = aliases.get(parts[0], parts[0])
        text = ".".join(parts)
        if parts[0] == "QVariant":
            found.append((node.lineno, text, "PyQt6 has no QVariant types: use QMetaType.Type"))
        elif (parts[0], parts[-1]) in old:
            found.append((node.lineno, text, "deprecated in QGIS: use algorithms/compat.py"))
        elif (len(parts) == 2 and parts[0].startswith("Q") and parts[1][:1].isupper()
              and not parts[1].isupper() and not (isinstance(parent, ast.Call) and parent.func is node)):
            found.append((node.lineno, text, "unscoped enum: spell Class.Enum.Member"))
    return sorted(found)


def test_qt5_only_names_are_found():
    """The scan finds each kind of Qt5-only or deprecated name and passes the Qt6 spellings."""
    bad = (
        "a = QVariant.Int\nb = QVariant.Type.Double\nc = Qt.SolidPattern\nd = QSizePolicy.Expanding\n"
        "e = QgsFeatureSink.FastInsert\ndialog.exec_()\nf = QgsWkbTypes.Point\n"
        "g = QgsProcessing.SourceType.TypeVectorPolygon\nnumber = QgsProcessingParameterNumber\n"
        "h = number(name, label, number.Integer)\n"
    )
    deprecated = ("QgsWkbTypes.Point", "QgsProcessing.TypeVectorPolygon",
                  "QgsProcessingParameterNumber.Integer")
    found = qt5_only_names(bad, deprecated)
    assert [line for line, _, _ in found] == [1, 2, 3, 4, 5, 6, 7, 8, 10], found
    good = (
        "a = QMetaType.Type.Int\nc = Qt.BrushStyle.SolidPattern\nd = QSizePolicy.Policy.Expanding\n"
        "e = QgsFeatureSink.Flag.FastInsert\ndialog.exec()\nf = compat.WKB_POINT\n"
        "g = QgsPalettedRasterRenderer.Class(1, color, 'a')\nh = QgsProcessing.TEMPORARY_OUTPUT\n"
        "i = Qgis.MessageLevel.Warning\nj = QCoreApplication.translate('a', 'b')\n"
    )
    assert qt5_only_names(good, deprecated=("QgsWkbTypes.Point",)) == []


def test_no_qt5_only_names():
    """No plugin source spells a QVariant type, an unscoped Qt or QGIS enum, exec_() or a QGIS name that
    compat.py replaces (every plugin source: what ships, not tests, benches or scripts)."""
    deprecated = [older for _, _, older in _compat_names()]
    found = []
    for path in _plugin_sources():
        for line, text, why in qt5_only_names(path.read_text(encoding="utf-8"), deprecated):
            found.append("{}:{}: {} ({})".format(path.relative_to(ROOT), line, text, why))
    assert not found, "\n".join(found)


def _compat_names():
    """compat.py's ``(current, since, older)`` names, read from its source (no QGIS needed)."""
    tree = ast.parse((ROOT / "algorithms" / "compat.py").read_text(encoding="utf-8"))
    names = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Call) and isinstance(node.func, ast.Name) and node.func.id == "enum_value":
            names.append(tuple(arg.value for arg in node.args))
    assert names, "compat.py resolves no names"
    return names


def test_compat_names_resolve():
    """Every name of compat.py exists on the installed QGIS where it should: the current name from the
    version that introduced it (so a QGIS >= 3.40 run checks every current name), else the 3.22 name;
    where both exist they are the same member."""
    from qgis.core import Qgis

    from deepfeature.algorithms import compat

    version = Qgis.QGIS_VERSION_INT
    assert sorted(compat.NAMES) == sorted(_compat_names())
    for current, since, older in compat.NAMES:
        try:
            new = compat._lookup(current)
        except AttributeError:
            assert version < since, "QGIS {} should have {} (since {})".format(version, current, since)
            compat._lookup(older)
            continue
        try:
            old = compat._lookup(older)
        except AttributeError:  # a later QGIS may drop the older name
            continue
        assert new == old, (current, older)


def test_fields_take_the_type_of_this_qgis():
    """compat.field() makes integer, text and real fields on this QGIS (QMetaType from 3.38, else the
    QVariant type of the same number)."""
    from qgis.PyQt.QtCore import QMetaType

    from deepfeature.algorithms import compat

    for meta in (QMetaType.Type.Int, QMetaType.Type.QString, QMetaType.Type.Double):
        made = compat.field("count", meta)
        assert (made.name(), int(made.type())) == ("count", int(meta))


if __name__ == "__main__":  # run by test_plugin_loads_under_pyqt6 in .venv/pyqt6
    sys.exit(standin_main(sys.argv[1]))
