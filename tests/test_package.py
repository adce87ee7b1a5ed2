"""The release zip (scripts/package.sh): what it holds, the plugin repository's rules
(scripts/check_package.py, which cites where each rule comes from), a checker that refuses bad zips, and an
install into a fresh QGIS profile that qgis_process loads and runs."""

from __future__ import annotations

import configparser
import importlib.util
import json
import os
import shutil
import stat
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

from .conftest import QGIS_PROCESS, ROOT

_spec = importlib.util.spec_from_file_location("check_package", ROOT / "scripts" / "check_package.py")
check = importlib.util.module_from_spec(_spec)
sys.modules["check_package"] = check  # dataclasses look their module up
_spec.loader.exec_module(check)

PACKAGE = "deepfeature"
QT6_WARNING = "supportsQt6 is deprecated on plugins.qgis.org (qgisMaximumVersion decides)"
#: What must ship: QGIS loads these, and core/environment reads requirements.txt and constraints.txt.
RUNTIME = ("__init__.py", "plugin.py", "metadata.txt", "LICENSE", "requirements.txt", "constraints.txt",
           "ui/icon.svg", "models/deepfeature_workflow.model3", "core/worker.py",
           "algorithms/provider.py")
#: A small translation source, as pylupdate5 writes it.
TS = """<?xml version="1.0" encoding="utf-8"?>
<!DOCTYPE TS>
<TS version="2.1" language="xx">
<context>
    <name>DeepFeaturePlugin</name>
    <message>
        <source>Set up the deep-learning environment</source>
        <translation>Xx set-up xx</translation>
    </message>
</context>
</TS>
"""


def _version() -> str:
    parser = configparser.ConfigParser()
    parser.read(ROOT / "metadata.txt", encoding="utf-8")
    return parser["general"]["version"].strip()


def _package(root: Path, out: Path) -> subprocess.CompletedProcess:
    return subprocess.run(["bash", str(root / "scripts" / "package.sh"), str(out)], capture_output=True,
                          text=True, timeout=600)


@pytest.fixture(scope="module")
def package(tmp_path_factory) -> Path:
    """The zip scripts/package.sh builds from this checkout."""
    out = tmp_path_factory.mktemp("dist")
    proc = _package(ROOT, out)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    path = out / "{}-{}.zip".format(PACKAGE, _version())
    assert path.is_file() and str(path) in proc.stdout
    return path


def _files(path: Path) -> dict:
    """name inside the plugin folder -> bytes, for every file of the zip."""
    with zipfile.ZipFile(path) as archive:
        return {name[len(PACKAGE) + 1:]: archive.read(name) for name in archive.namelist()
                if not name.endswith("/")}


def _git_files(root: Path, *paths: str) -> list:
    """The files git tracks or would track (not ignored) under ``paths`` of ``root``."""
    out = subprocess.run(["git", "ls-files", "--cached", "--others", "--exclude-standard", "--", *paths],
                         cwd=root, capture_output=True, text=True, check=True).stdout
    return [name for name in out.splitlines() if (root / name).is_file()]


# The package --------------------------------------------------------------------------------------------

def test_package_holds_what_runs_in_qgis_and_nothing_else(package):
    files = _files(package)
    for name in RUNTIME:
        assert name in files, name
    # Every module of the plugin ships, byte for byte what the checkout holds.
    code = _git_files(ROOT, "*.py", "algorithms", "core", "ui", "models")
    code = [name for name in code if not name.startswith(("tests/", "bench/", "scripts/"))]
    assert code and set(code) <= set(files)
    for name, data in files.items():
        if not name.endswith(".qm"):
            assert data == (ROOT / name).read_bytes(), name
    # Nothing for developers: no tests, benches, scripts, CI, caches, dev requirements or tool settings.
    for name in files:
        assert not name.startswith(("tests/", "bench/", "scripts/", ".ci/", "demo_output/", "dist/"))
        assert "__pycache__" not in name and not name.endswith((".pyc", ".ts"))
        assert not name.startswith("i18n/") or name.endswith(".qm")  # no README, no sources
    for dev in ("requirements-dev.txt", "pyproject.toml", ".gitignore"):
        assert dev not in files
    # Every translation source of the checkout ships compiled.
    for ts in _git_files(ROOT, "i18n/*.ts"):
        assert files[ts[:-3] + ".qm"].startswith(check.QM_MAGIC), ts


def test_package_passes_the_plugin_repository_rules(package):
    report = check.check_package(package)
    assert report.errors == []
    assert report.warnings == [QT6_WARNING]
    assert report.package == PACKAGE
    assert package.stat().st_size < check.MAX_SIZE
    meta = report.metadata
    assert meta["version"] == _version() and meta["qgisMinimumVersion"] == "3.22"
    assert meta["qgisMaximumVersion"] == "4.99" and meta["supportsQt6"] == "True"
    assert report.names[0] == PACKAGE + "/"
    # Reproducible: the same tree gives the same bytes; every file is a plain 0644 file.
    with zipfile.ZipFile(package) as archive:
        modes = {stat.S_IMODE(info.external_attr >> 16) for info in archive.infolist()
                 if not info.filename.endswith("/")}
    assert modes == {0o644}


def test_license_is_gpl2_or_later_and_the_changelog_lives_in_metadata(package):
    files = _files(package)
    text = files["LICENSE"].decode()
    assert "or (at your option) any later version" in text.split("GNU GENERAL PUBLIC LICENSE")[0]
    # The whole GPL v2 text follows (Debian 13's copy differs from Debian 12's only in addresses/URLs).
    body = " ".join(text.split("GNU GENERAL PUBLIC LICENSE", 1)[1].split())
    for part in ("Version 2, June 1991", "TERMS AND CONDITIONS FOR COPYING, DISTRIBUTION AND MODIFICATION",
                 "NO WARRANTY", "END OF TERMS AND CONDITIONS",
                 "How to Apply These Terms to Your New Programs"):
        assert part in body, part
    assert len(body) > 15000
    meta = check.check_package(package).metadata
    assert meta["changelog"].splitlines()[0] == meta["version"]  # the newest entry first
    assert not (ROOT / "CHANGELOG.md").exists()  # one changelog: metadata.txt's


def test_security_scan_finds_nothing(package):
    """The upload's scan (Bandit, detect-secrets): a finding blocks the version on plugins.qgis.org."""
    if check._tool("bandit") is None:
        pytest.skip("bandit is not installed (pip install bandit)")
    report = check.check_package(package, scan=True)
    assert report.errors == []
    assert report.warnings == [QT6_WARNING]


# The checker refuses what the repository refuses -----------------------------------------------------------

def _rezip(source: Path, target: Path, drop=(), add=None, edit=None, rename=None, mode=None, top=None):
    """A copy of the zip ``source`` with entries dropped, added ({name: bytes}), edited
    ({name: function(bytes) -> bytes}), renamed ({old: new}), given a Unix ``mode`` ({name: mode}) or with
    its top folder renamed (``top``)."""
    add, edit, rename, mode = add or {}, edit or {}, rename or {}, mode or {}
    with zipfile.ZipFile(source) as src, zipfile.ZipFile(target, "w", zipfile.ZIP_DEFLATED) as dst:
        for info in src.infolist():
            name = info.filename
            if name in drop:
                continue
            data = src.read(name)
            if name in edit:
                data = edit[name](data)
            name = rename.get(name, name)
            if top:
                name = top + name[len(PACKAGE):]
            new = zipfile.ZipInfo(name, info.date_time)
            new.external_attr = (mode.get(info.filename, info.external_attr >> 16)) << 16
            dst.writestr(new, data)
        for name, data in add.items():
            dst.writestr(name, data)
    return target


def _metadata(replace: dict = None, remove=()):
    """An edit of metadata.txt: keys given new values, keys removed."""
    def _edit(data: bytes) -> bytes:
        lines = data.decode().splitlines(keepends=True)
        out = []
        for line in lines:
            key = line.split("=", 1)[0]
            if key in remove:
                continue
            if replace and key in replace:
                line = "{}={}\n".format(key, replace[key])
            out.append(line)
        return "".join(out).encode()
    return {PACKAGE + "/metadata.txt": _edit}


P = PACKAGE + "/"
BAD = {
    "pyc": (dict(add={P + "core/__pycache__/worker.cpython-311.pyc": b"\0"}), ".pyc file"),
    "pycache": (dict(add={P + "core/__pycache__/x.txt": b"x"}), "'__pycache__' directory"),
    "git": (dict(add={P + ".git/config": b"[core]"}), "'.git' directory"),
    "macosx": (dict(add={"__MACOSX/" + P + "._plugin.py": b"x"}), "'__MACOSX' directory"),
    "ds_store": (dict(add={P + "ui/.DS_Store": b"x"}), "hidden or junk file"),
    "gitignore": (dict(add={P + ".gitignore": b"*.pyc"}), "hidden or junk file"),
    "thumbs": (dict(add={P + "ui/Thumbs.db": b"x"}), "hidden or junk file"),
    "tests": (dict(add={P + "tests/test_x.py": b"x"}), "development folder ships"),
    "shell": (dict(add={P + "core/run.sh": b"#!/bin/sh"}), "script file type the scan blocks"),
    "dll": (dict(add={P + "core/lib.dll": b"MZ"}), "script file type the scan blocks"),
    "dotdot": (dict(add={P + "../evil.py": b"x"}), "path information"),
    "absolute": (dict(add={"/" + P + "evil.py": b"x"}), "path information"),
    "backslash": (dict(add={P + "core\\evil.py": b"x"}), "backslash"),
    "drive": (dict(add={"C:/" + P + "evil.py": b"x"}), "drive letter"),
    "two_folders": (dict(add={"other/__init__.py": b""}), "more than one top-level entry"),
    "no_license": (dict(drop={P + "LICENSE"}), "Cannot find LICENSE"),
    "license_txt": (dict(rename={P + "LICENSE": P + "LICENSE.txt"}), "Cannot find LICENSE"),
    "mit": (dict(edit={P + "LICENSE": lambda d: b"MIT License\nPermission is hereby granted"}),
            "GNU GPL version 2 text"),
    "gpl2_only": (dict(edit={P + "LICENSE": lambda d: d.replace(b"any later version", b"no later one")}),
                  "any later version"),
    "no_init": (dict(drop={P + "__init__.py"}), "Cannot find __init__.py"),
    "no_metadata": (dict(drop={P + "metadata.txt"}), "Cannot find metadata.txt"),
    "no_icon_file": (dict(drop={P + "ui/icon.svg"}), "is not in the zip"),
    "icon_not_svg": (dict(edit={P + "ui/icon.svg": lambda d: b"GIF89a"}), "not valid SVG"),
    "no_icon": (dict(edit=_metadata(remove={"icon"})), "metadata has no icon"),
    "icon_gif": (dict(edit=_metadata({"icon": "ui/icon.gif"}), add={P + "ui/icon.gif": b"GIF89a"}),
                 "not a PNG, JPEG or SVG"),
    "no_email": (dict(edit=_metadata(remove={"email"})), "Cannot find metadata email"),
    "no_about_tracker": (dict(edit=_metadata(remove={"about", "tracker"})),
                         "Cannot find metadata about, tracker"),
    "empty_author": (dict(edit=_metadata({"author": ""})), "metadata author is empty"),
    "version": (dict(edit=_metadata({"version": "first"})), "version 'first' is not a dotted version"),
    "qgis_min": (dict(edit=_metadata({"qgisMinimumVersion": "3"})), "qgisMinimumVersion '3'"),
    "qgis_max": (dict(edit=_metadata({"qgisMaximumVersion": "4.x"})), "qgisMaximumVersion '4.x'"),
    "max_below_min": (dict(edit=_metadata({"qgisMaximumVersion": "3.10"})), "below qgisMinimumVersion"),
    "email": (dict(edit=_metadata({"email": "deepfeature at example"})), "is not an e-mail address"),
    "tracker_template": (dict(edit=_metadata({"tracker": "http://bugs"})), "tracker 'http://bugs'"),
    "repository_no_scheme": (dict(edit=_metadata({"repository": "github.com/deepfeature"})),
                             "repository 'github.com/deepfeature' is not a valid URL"),
    "no_homepage": (dict(edit=_metadata(remove={"homepage"})), "homepage '' is not a valid URL"),
    "author_slash": (dict(edit=_metadata({"author": "a/b"})), "cannot contain slashes"),
    "name_plugin": (dict(edit=_metadata({"name": "Deep Feature Plugin"})), "repeats 'plugin'"),
    "html": (dict(edit=_metadata({"description": "Finds <b>buildings</b>"})), "description holds HTML"),
    "category": (dict(edit=_metadata({"category": "Analysis"})), "category 'Analysis'"),
    "boolean": (dict(edit=_metadata({"experimental": "maybe"})), "experimental='maybe' is not a boolean"),
    "percent": (dict(edit=_metadata({"description": "99% of the buildings"})), "Errors parsing metadata"),
    "no_general": (dict(edit={P + "metadata.txt": lambda d: d.replace(b"[general]", b"[plugin]")}),
                   "section named 'general'"),
    "changelog": (dict(edit=_metadata({"version": "9.9.9"})), "no entry for version 9.9.9"),
    "folder_name": (dict(top="deep_feature"), "the top folder is 'deep_feature', not 'deepfeature'"),
    "folder_digit": (dict(top="1deepfeature"), "is not [A-Za-z][A-Za-z0-9-_]+"),
    "folder_not_identifier": (dict(top="deep-feature"), "not a Python identifier"),
    "ts_shipped": (dict(add={P + "i18n/deepfeature_fr.ts": TS.encode()}), "translation source ships"),
    "bad_qm": (dict(add={P + "i18n/deepfeature_fr.qm": b"not a translation"}), "not a compiled Qt"),
}


@pytest.mark.parametrize("case", sorted(BAD))
def test_checker_refuses_a_zip_that_breaks_a_rule(package, tmp_path, case):
    changes, expected = BAD[case]
    bad = _rezip(package, tmp_path / "bad.zip", **changes)
    report = check.check_package(bad)
    assert any(expected in error for error in report.errors), report.errors
    assert check.main([str(bad)]) == 1


def test_checker_refuses_a_zip_too_big_or_broken(package, tmp_path):
    big = tmp_path / "big.zip"
    shutil.copy(package, big)
    with zipfile.ZipFile(big, "a", zipfile.ZIP_STORED) as archive:  # random bytes do not compress
        archive.writestr(P + "models/big.bin", os.urandom(check.MAX_SIZE))
    assert any("at most 25000000" in e for e in check.check_package(big).errors)
    # A member whose bytes no longer match its CRC.
    crc = tmp_path / "crc.zip"
    with zipfile.ZipFile(crc, "w", zipfile.ZIP_STORED) as archive:
        for name, data in _files(package).items():
            archive.writestr(P + name, data)
        archive.writestr(P + "models/data.txt", b"A" * 100)
    crc.write_bytes(crc.read_bytes().replace(b"A" * 100, b"B" + b"A" * 99))
    assert any("Bad zip" in e and "models/data.txt" in e for e in check.check_package(crc).errors)
    text = tmp_path / "plugin.zip"
    text.write_text("not a zip")
    assert check.check_package(text).errors[0].startswith("Could not unzip file")


def test_checker_warns_where_the_repository_warns(package, tmp_path):
    """An executable .py is reported by the upload's scan (a warning, as there); supportsQt6 too."""
    name = P + "plugin.py"
    report = check.check_package(_rezip(package, tmp_path / "x.zip", mode={name: 0o100755}))
    assert report.errors == []
    assert report.warnings == ["'{}' is executable (the security scan reports it)".format(name), QT6_WARNING]
    clean = _rezip(package, tmp_path / "y.zip", edit=_metadata(remove={"supportsQt6"}))
    assert check.check_package(clean).warnings == []


def test_online_check_asks_each_url_as_the_repository_does(package, tmp_path):
    """--online: tracker, repository and homepage each answer a HEAD request below status 400."""
    import http.server
    import threading

    class Handler(http.server.BaseHTTPRequestHandler):
        def do_HEAD(self):
            self.send_response(200 if self.path.startswith("/ok") else 404)
            self.end_headers()

        def log_message(self, *args):
            pass

    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    base = "http://127.0.0.1:{}".format(server.server_port)
    try:
        urls = {"tracker": base + "/ok/issues", "repository": base + "/ok", "homepage": base + "/ok/home"}
        good = _rezip(package, tmp_path / "good.zip", edit=_metadata(urls))
        assert check.check_package(good, online=True).errors == []
        bad = _rezip(package, tmp_path / "bad.zip", edit=_metadata(dict(urls, repository=base + "/gone")))
        errors = check.check_package(bad, online=True).errors
        assert errors == ["repository {}/gone cannot be reached (HTTP Error 404: Not Found)".format(base)]
    finally:
        server.shutdown()
        server.server_close()


def test_security_scan_blocks_what_the_repository_blocks(package, tmp_path):
    if check._tool("bandit") is None:
        pytest.skip("bandit is not installed (pip install bandit)")
    evil = "def run(text):\n    return eval(text)\n"  # B307: blocks, cannot be skipped
    bad = _rezip(package, tmp_path / "bad.zip", add={P + "core/evil.py": evil.encode()})
    errors = check.check_package(bad, scan=True).errors
    assert any(e.startswith("Bandit B307 at deepfeature/core/evil.py:2") for e in errors), errors


# scripts/package.sh on a working tree ---------------------------------------------------------------------

@pytest.fixture()
def checkout(tmp_path) -> Path:
    """A copy of this checkout's files (tracked and not ignored) in a new git repository."""
    copy = tmp_path / "checkout"
    for name in _git_files(ROOT, "."):
        (copy / name).parent.mkdir(parents=True, exist_ok=True)
        shutil.copy2(ROOT / name, copy / name)
    subprocess.run(["git", "init", "-q"], cwd=copy, check=True)
    return copy


def test_package_compiles_translations_and_leaves_dev_files_out(checkout, tmp_path, qgis_app):
    from qgis.PyQt.QtCore import QTranslator

    (checkout / "i18n" / "deepfeature_xx.ts").write_text(TS)
    (checkout / "tests" / "test_new.py").write_text("x = 1\n")  # a new test, not yet committed
    (checkout / "core" / "__pycache__").mkdir(exist_ok=True)
    (checkout / "core" / "__pycache__" / "worker.cpython-311.pyc").write_bytes(b"\0")  # git ignores it
    proc = _package(checkout, tmp_path / "out")
    assert proc.returncode == 0, proc.stdout + proc.stderr
    compiled = len(list((checkout / "i18n").glob("*.ts")))  # ours (French) and the test's
    assert "compiled {} translation(s)".format(compiled) in proc.stdout
    zip_path = tmp_path / "out" / "{}-{}.zip".format(PACKAGE, _version())
    files = _files(zip_path)
    assert "i18n/deepfeature_xx.ts" not in files and "tests/test_new.py" not in files
    assert not any("__pycache__" in name for name in files)
    qm = tmp_path / "deepfeature_xx.qm"
    qm.write_bytes(files["i18n/deepfeature_xx.qm"])
    translator = QTranslator()
    assert translator.load(str(qm))
    assert translator.translate("DeepFeaturePlugin", "Set up the deep-learning environment") == "Xx set-up xx"


def test_package_refuses_a_tree_whose_zip_breaks_a_rule(checkout, tmp_path):
    (checkout / "core" / "install.sh").write_text("#!/bin/sh\n")  # a new file in a folder that ships
    proc = _package(checkout, tmp_path / "out")
    assert proc.returncode == 1
    blocked = "error: an executable or script file type the scan blocks: 'deepfeature/core/install.sh'"
    assert blocked in proc.stdout
    assert "breaks the plugin repository's rules" in proc.stderr
    assert list((tmp_path / "out").iterdir()) == []


# Installed into a fresh QGIS profile ------------------------------------------------------------------------

def _qgis_unzip(path: Path, target: Path) -> None:
    """Unzip as QGIS's plugin installer does ("Install from ZIP": pyplugin_installer/unzip.py)."""
    installer = Path("/usr/share/qgis/python/pyplugin_installer/unzip.py")
    if not installer.is_file():
        with zipfile.ZipFile(path) as archive:
            archive.extractall(target)
        return
    spec = importlib.util.spec_from_file_location("qgis_installer_unzip", installer)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    module.unzip(str(path), str(target))


def _json(proc: subprocess.CompletedProcess) -> dict:
    assert proc.returncode == 0, proc.stdout[-3000:] + proc.stderr[-3000:]
    return json.loads(proc.stdout[proc.stdout.find("{"):])


@pytest.mark.slow
def test_zip_installs_into_a_fresh_profile_and_runs(package, provider, tmp_path):
    if not shutil.which(QGIS_PROCESS):
        pytest.skip("qgis_process is not installed ({}); run scripts/setup.sh".format(QGIS_PROCESS))
    profile = tmp_path / "profile"
    plugins = profile / "profiles" / "default" / "python" / "plugins"
    _qgis_unzip(package, plugins)
    assert (plugins / PACKAGE / "metadata.txt").read_bytes() == (ROOT / "metadata.txt").read_bytes()
    # A user's QGIS: this profile only; nothing of the checkout on QGIS's plugin path or Python path.
    env = {k: v for k, v in os.environ.items()
           if k not in ("QGIS_PLUGINPATH", "PYTHONPATH", "QGIS_OPTIONS_PATH", "DEEPFEATURE_PYTHON")}
    env.update(QGIS_CUSTOM_CONFIG_PATH=str(profile), QT_QPA_PLATFORM="offscreen")
    assert not Path("/usr/share/qgis/python/plugins", PACKAGE).exists()

    def qgis_process(*args, **extra):
        return subprocess.run([QGIS_PROCESS, *args], capture_output=True, text=True, timeout=600,
                              cwd=tmp_path, env=dict(env, **extra))

    assert _json(qgis_process("--json", "plugins"))["plugins"][PACKAGE]["loaded"] is False
    enabled = qgis_process("plugins", "enable", PACKAGE)
    assert enabled.returncode == 0, enabled.stdout + enabled.stderr
    assert "deepfeature=true" in (profile / "profiles" / "default" / "QGIS" / "QGIS3.ini").read_text()
    assert _json(qgis_process("--json", "plugins"))["plugins"][PACKAGE]["loaded"] is True
    listed = _json(qgis_process("--json", "list"))["providers"][PACKAGE]
    assert sorted(listed["algorithms"]) == sorted(alg.id() for alg in provider.algorithms())
    assert listed["name"] == "Deep Feature Extraction" and listed["is_active"]
    # It runs: a model made by the installed plugin's worker (the development Python, which has Keras,
    # importing the plugin from the profile) and read back by Describe Model.
    model = tmp_path / "model.keras"
    made = _json(qgis_process("--json", "run", "deepfeature:initializemodel", "--", "BASE_FILTERS=4",
                              "PATCH_SIZE=32", "DEPTH=3", "SEED=1", "OUTPUT={}".format(model),
                              DEEPFEATURE_PYTHON=str(ROOT / ".venv" / "bin" / "python")))["results"]
    assert made["OUTPUT"] == str(model) and model.is_file() and made["FIELD_OF_VIEW"] > 32
    described = _json(qgis_process("--json", "run", "deepfeature:describemodel", "--",
                                   "MODEL={}".format(model)))["results"]
    assert described["ARCHITECTURE"] == "unet5" and described["PATCH_SIZE"] == 32
    assert described["FIELD_OF_VIEW"] == made["FIELD_OF_VIEW"] and described["TRAINED"] is False
    assert json.loads(described["METADATA"])["deepfeature_version"] == _version()
