"""Where the managed environment lives and what state it is in.

A folder (a Processing setting; :func:`default_folder` otherwise) holds one or more environments
``env-<id>/`` and ``environment.json``, which names the one in use. A set-up builds a new environment
beside the old one and rewrites ``environment.json`` only once the new one has passed its self-check:
a cancelled or failed set-up leaves the previous environment in use.
"""

from __future__ import annotations

import json
import os
import sys
from dataclasses import dataclass
from pathlib import Path

from ..errors import InputError
from ..files import write_text_atomic
from .requirements import EnvironmentSpec, spec_id

MANIFEST = "environment.json"
#: Version of the manifest's layout.
MANIFEST_FORMAT = 1
SETUP_HINT = (
    "Run 'Set Up Deep-Learning Environment' (Processing Toolbox › Deep Feature Extraction › 0 · Set-up) "
    "once; it installs what the deep-learning steps need, in a folder of their own."
)


def user_data_folder(platform: str = sys.platform, environ: dict | None = None) -> Path:
    """The platform's per-user data folder (``~/.local/share``, ``%LOCALAPPDATA%``,
    ``~/Library/Application Support``)."""
    environ = os.environ if environ is None else environ
    home = Path(environ.get("HOME") or environ.get("USERPROFILE") or os.path.expanduser("~"))
    if platform.startswith("win"):
        return Path(environ.get("LOCALAPPDATA") or home / "AppData" / "Local")
    if platform == "darwin":
        return home / "Library" / "Application Support"
    return Path(environ.get("XDG_DATA_HOME") or home / ".local" / "share")


def default_folder() -> Path:
    """``DEEPFEATURE_ENVIRONMENT`` when set, else ``<user data folder>/deepfeature/environment``."""
    override = os.environ.get("DEEPFEATURE_ENVIRONMENT")
    return Path(override) if override else user_data_folder() / "deepfeature" / "environment"


def env_python(env_dir: Path, platform: str = sys.platform) -> Path:
    """The interpreter of an environment folder."""
    if platform.startswith("win"):
        return env_dir / "Scripts" / "python.exe"
    return env_dir / "bin" / "python"


@dataclass(frozen=True)
class Manifest:
    """What ``environment.json`` records about the environment in use."""

    env_dir: str  # folder name under the environment folder
    spec_id: str
    backend: str
    device: str
    plugin_version: str
    python_version: str
    base_python: str
    versions: dict
    created: str

    def to_json(self) -> str:
        data = {"format": MANIFEST_FORMAT, **self.__dict__}
        return json.dumps(data, indent=2, sort_keys=True) + "\n"


def read_manifest(folder: Path) -> Manifest | None:
    """The manifest of ``folder``; None when there is none or it cannot be read."""
    try:
        data = json.loads((Path(folder) / MANIFEST).read_text(encoding="utf-8"))
        if data.pop("format", None) != MANIFEST_FORMAT:
            return None
        return Manifest(**data)
    except (OSError, ValueError, TypeError):
        return None


def write_manifest(folder: Path, manifest: Manifest) -> None:
    """Make ``manifest`` the one in use (atomic: readers see the old or the new one)."""
    write_text_atomic(Path(folder) / MANIFEST, manifest.to_json())


READY, STALE, MISSING, BROKEN = "ready", "stale", "missing", "broken"


@dataclass(frozen=True)
class EnvironmentStatus:
    """``state`` is READY, STALE (works, but was made for other requirements: set up again to update),
    MISSING or BROKEN; ``message`` says what to do (empty when READY)."""

    state: str
    message: str
    folder: Path
    manifest: Manifest | None = None

    @property
    def usable(self) -> bool:
        return self.state in (READY, STALE)

    @property
    def python(self) -> Path | None:
        return env_python(self.folder / self.manifest.env_dir) if self.manifest else None


def environment_status(folder: str | os.PathLike | None = None) -> EnvironmentStatus:
    """The state of the environment in ``folder`` (cheap: reads two files, looks at one more; runs
    nothing). An environment made for other requirements (an older plugin) is STALE."""
    folder = Path(folder) if folder else default_folder()
    manifest = read_manifest(folder)
    if manifest is None:
        if (folder / MANIFEST).exists():
            return EnvironmentStatus(
                BROKEN,
                "The deep-learning environment in '{}' is damaged (its {} cannot be read). {}".format(
                    folder, MANIFEST, SETUP_HINT
                ),
                folder,
            )
        return EnvironmentStatus(
            MISSING, "The deep-learning environment is not set up yet. " + SETUP_HINT, folder
        )
    python = env_python(folder / manifest.env_dir)
    if not python.is_file():
        return EnvironmentStatus(
            BROKEN,
            "The deep-learning environment in '{}' is incomplete ({} is missing). {}".format(
                folder, python, SETUP_HINT
            ),
            folder,
            manifest,
        )
    try:
        expected = spec_id(EnvironmentSpec(manifest.backend, manifest.device), manifest.python_version)
    except (OSError, InputError):
        expected = ""
    if manifest.spec_id != expected:
        return EnvironmentStatus(
            STALE,
            "The deep-learning environment was set up for plugin version {}, whose "
            "requirements differ; it is used as it is. Run 'Set Up Deep-Learning "
            "Environment' again to update it.".format(manifest.plugin_version),
            folder,
            manifest,
        )
    return EnvironmentStatus(READY, "", folder, manifest)
