"""Find the Python interpreter that QGIS runs on (the base of the managed environment).

Inside QGIS ``sys.executable`` is QGIS itself (``/usr/bin/qgis``, ``qgis-bin.exe``, ``QGIS.app/Contents/
MacOS/QGIS``), so the interpreter is looked for where each platform's QGIS packages put it:

- Linux (distribution packages): ``<exec_prefix>/bin/python3.X`` (``/usr/bin/python3.11``);
- Windows (OSGeo4W, the QGIS installer): ``<exec_prefix>\\python.exe`` (``C:\\OSGeo4W\\apps\\Python312``),
  never ``qgis-bin.exe``;
- macOS (QGIS.app): ``QGIS.app/Contents/MacOS/bin/python3``, or the bundled Python framework's
  ``bin/python3.X``.
"""

from __future__ import annotations

import os
import sys
from dataclasses import dataclass, field

from ..errors import DependencyError


def running_python() -> bool:
    """True when this process is a Python interpreter itself (a script, the tests), False inside a
    program that embeds Python (QGIS, qgis_process): there ``sys.executable`` is only the first
    ``python3`` on PATH (a pyenv shim, another Python), not the interpreter QGIS runs on."""
    if not _is_python(sys.executable or ""):
        return False
    orig = getattr(sys, "orig_argv", None)  # Python >= 3.10: [] when embedded
    if orig is not None:
        return bool(orig)
    try:
        return os.path.samefile("/proc/self/exe", sys.executable)
    except OSError:
        return True


@dataclass(frozen=True)
class Host:
    """What the search looks at: ``sys.platform``, ``sys.executable``, ``sys.exec_prefix`` and the
    version, so that other platforms' layouts can be tested on fake folder trees."""

    platform: str = sys.platform
    executable: str = sys.executable or ""
    exec_prefix: str = sys.exec_prefix
    version: tuple[int, int] = field(default=tuple(sys.version_info[:2]))
    #: This process is the Python itself (then ``executable`` is the interpreter to use).
    plain: bool = field(default_factory=running_python)

    @property
    def windows(self) -> bool:
        return self.platform.startswith("win")

    @property
    def macos(self) -> bool:
        return self.platform == "darwin"


def _is_python(name: str) -> bool:
    stem = os.path.basename(name).lower()
    return stem.startswith("python") and not stem.endswith(("w.exe", "-config"))


def candidates(host: Host) -> list[str]:
    """The paths where the interpreter may be, best first."""
    x_y = "{}.{}".format(*host.version)
    exe_dir = os.path.dirname(host.executable)
    found = [host.executable] if host.plain and _is_python(host.executable) else []
    if host.windows:
        for root in (
            host.exec_prefix,
            exe_dir,
            os.path.join(os.path.dirname(exe_dir), "apps", "Python" + x_y.replace(".", "")),
        ):
            found += [os.path.join(root, "python.exe"), os.path.join(root, "python3.exe")]
        return found
    if host.macos:
        contents = exe_dir
        while contents and os.path.basename(contents) != "Contents" and os.path.dirname(contents) != contents:
            contents = os.path.dirname(contents)
        framework = os.path.join(contents, "Frameworks", "Python.framework", "Versions", x_y, "bin")
        for folder in (os.path.join(exe_dir, "bin"), exe_dir, framework):
            found += [os.path.join(folder, "python" + x_y), os.path.join(folder, "python3")]
    found += [
        os.path.join(host.exec_prefix, "bin", "python" + x_y),
        os.path.join(host.exec_prefix, "bin", "python3"),
    ]
    return found


def _runnable(path: str, host: Host) -> bool:
    if not os.path.isfile(path):
        return False
    return host.windows or os.access(path, os.X_OK)


def base_python(host: Host | None = None) -> str:
    """The Python interpreter QGIS runs on (see the module docstring); raises :class:`DependencyError`
    naming ``DEEPFEATURE_BASE_PYTHON`` (which wins when set) when none is found."""
    host = host or Host()
    override = os.environ.get("DEEPFEATURE_BASE_PYTHON")
    if override:
        return override
    for path in candidates(host):
        if _runnable(path, host):
            return path
    raise DependencyError(
        "No Python interpreter was found beside QGIS (looked for {}). Set the environment variable "
        "DEEPFEATURE_BASE_PYTHON to the python executable of your QGIS installation.".format(
            ", ".join(dict.fromkeys(candidates(host))) or "python"
        )
    )
