"""Make an empty Python environment with pip, from a Python that may have neither ``venv`` nor pip.

Debian's QGIS packages bring ``python3`` without ``ensurepip`` (``python3-venv``) and often without pip.
Neither is needed: on Linux and macOS an environment is a ``pyvenv.cfg`` beside a link to the base
interpreter (which ``site`` reads at start-up, whatever is installed); on Windows the standard library's
``venv`` module (always part of the QGIS installers' Python) makes it, without pip. pip itself runs
from its wheel file (pip supports ``python pip.whl/pip install pip.whl``), taken from the offline wheel
folder or downloaded from the package index and checked against the index's SHA-256.
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import subprocess
import sys
import urllib.parse
import urllib.request
from pathlib import Path

from ..errors import DependencyError
from .layout import env_python
from .requirements import pinned_version

DEFAULT_INDEX = "https://pypi.org/simple"
#: Seconds a download of the pip wheel may take.
DOWNLOAD_TIMEOUT = 120


def base_version(python: str) -> str:
    """'3.11.2' for an interpreter (runs it once)."""
    try:
        out = subprocess.run(  # nosec B603 - a fixed argument list, no shell
            [python, "-I", "-c", "import sys; print('%d.%d.%d' % sys.version_info[:3])"],
            capture_output=True,
            text=True,
            timeout=60,
            env=clean_environ(),
            creationflags=getattr(subprocess, "CREATE_NO_WINDOW", 0),
        )
    except (OSError, subprocess.SubprocessError) as exc:
        raise DependencyError("Cannot run the Python interpreter '{}': {}".format(python, exc)) from exc
    if out.returncode != 0 or not out.stdout.strip():
        raise DependencyError(
            "The Python interpreter '{}' does not run: {}".format(python, out.stderr.strip())
        )
    return out.stdout.strip()


def clean_environ(extra: dict | None = None) -> dict:
    """The current environment variables without those that would point a Python elsewhere (QGIS sets
    PYTHONHOME and PYTHONPATH on Windows and macOS; a virtual environment may be active)."""
    env = {
        k: v
        for k, v in os.environ.items()
        if k
        not in (
            "PYTHONHOME",
            "PYTHONPATH",
            "PYTHONSTARTUP",
            "VIRTUAL_ENV",
            "PYTHONEXECUTABLE",
            "__PYVENV_LAUNCHER__",
        )
    }
    env["PYTHONNOUSERSITE"] = "1"
    env.update(extra or {})
    return env


def make_environment(base: str, env_dir: Path, version: str, platform: str = sys.platform) -> Path:
    """Create an empty environment in ``env_dir`` (which must not exist) from ``base``; return its python."""
    env_dir = Path(env_dir)
    if platform.startswith("win"):
        result = subprocess.run(  # nosec B603 - a fixed argument list, no shell
            [base, "-m", "venv", "--without-pip", str(env_dir)],
            capture_output=True,
            text=True,
            env=clean_environ(),
            creationflags=getattr(subprocess, "CREATE_NO_WINDOW", 0),
        )
        if result.returncode != 0:
            raise DependencyError(
                "Cannot create the environment with '{} -m venv': {}".format(base, result.stderr.strip())
            )
        return env_python(env_dir, platform)
    real = os.path.realpath(base)
    x_y = ".".join(version.split(".")[:2])
    bin_dir = env_dir / "bin"
    (env_dir / "lib" / "python{}".format(x_y) / "site-packages").mkdir(parents=True)
    bin_dir.mkdir()
    (env_dir / "include").mkdir()
    (env_dir / "pyvenv.cfg").write_text(
        "home = {}\ninclude-system-site-packages = false\nversion = {}\nexecutable = {}\n".format(
            os.path.dirname(real), version, real
        ),
        encoding="utf-8",
    )
    for name in ("python", "python3", "python" + x_y):
        os.symlink(real, bin_dir / name)
    return env_python(env_dir, platform)


def _index_url() -> str:
    return (os.environ.get("PIP_INDEX_URL") or DEFAULT_INDEX).rstrip("/")


def find_pip_wheel(wheels: Path | None) -> Path | None:
    """The pinned pip's wheel in the offline folder ``wheels`` (None without a folder)."""
    if wheels is None:
        return None
    version = pinned_version("pip")
    matches = sorted(Path(wheels).glob("pip-{}-*.whl".format(version or "*")))
    if not matches:
        raise DependencyError(
            "The wheel folder '{}' has no pip-{}-*.whl; prepare it again with the wheel script (README, "
            "'Machines without internet').".format(wheels, version or "*")
        )
    return matches[-1]


def _open_url(request: urllib.request.Request):
    """``urlopen`` for http(s) addresses only: a ``file:`` or custom scheme is refused."""
    if urllib.parse.urlparse(request.full_url).scheme not in ("https", "http"):
        raise DependencyError(
            "The package index '{}' is not an http(s) address: give a folder of wheels instead.".format(
                request.full_url))
    return urllib.request.urlopen(request, timeout=DOWNLOAD_TIMEOUT)  # nosec B310 - http(s) only, checked


def download_pip_wheel(folder: Path) -> Path:
    """Download the pinned pip's wheel from the package index into ``folder`` (SHA-256 checked)."""
    version = pinned_version("pip")
    url = "{}/pip/".format(_index_url())
    request = urllib.request.Request(url, headers={"Accept": "application/vnd.pypi.simple.v1+json"})
    try:
        with _open_url(request) as response:
            listing = json.loads(response.read().decode("utf-8"))
        wanted = [
            f
            for f in listing.get("files", [])
            if f["filename"].startswith("pip-{}-".format(version)) and f["filename"].endswith(".whl")
        ]
        if not wanted:
            raise DependencyError("The package index {} has no wheel of pip {}.".format(url, version))
        entry = wanted[0]
        target = Path(folder) / entry["filename"]
        with _open_url(urllib.request.Request(urllib.parse.urljoin(url, entry["url"]))) as response:
            data = response.read()
    except (OSError, ValueError) as exc:
        raise DependencyError(
            "Cannot download pip from {} ({}). Check the internet connection (a proxy is taken from "
            "HTTPS_PROXY), or give a folder of wheels prepared on a connected machine.".format(url, exc)
        ) from exc
    digest = entry.get("hashes", {}).get("sha256")
    if digest and hashlib.sha256(data).hexdigest() != digest:
        raise DependencyError(
            "The pip wheel downloaded from {} does not match its SHA-256; try again.".format(url)
        )
    target.write_bytes(data)
    return target


def pip_command(python: Path, pip_wheel: Path | None) -> list[str]:
    """The command that runs pip with ``python``: from the wheel file, or the installed pip."""
    if pip_wheel is not None:
        return [str(python), str(Path(pip_wheel) / "pip")]
    return [str(python), "-m", "pip"]


def remove_tree(path: Path) -> None:
    """Remove a folder (best effort: a file still open on Windows stays until the next set-up)."""
    shutil.rmtree(path, ignore_errors=True)
