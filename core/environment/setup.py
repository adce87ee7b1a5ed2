"""Set up (or check) the managed deep-learning environment: the 'Set Up Deep-Learning Environment' step."""

from __future__ import annotations

import datetime
import os
import platform
import sys
from dataclasses import dataclass, field
from pathlib import Path

from .. import __version__
from ..errors import CanceledError, DeepFeatureError, DependencyError, OutputError, ParameterError
from ..progress import Progress, ensure
from .bootstrap import (
    base_version,
    download_pip_wheel,
    find_pip_wheel,
    make_environment,
    pip_command,
    remove_tree,
)
from .interpreter import base_python
from .layout import READY, Manifest, env_python, environment_status, write_manifest
from .pip_run import PipProgress, run_pip, write_requirements
from .requirements import (
    BACKENDS,
    CONSTRAINTS,
    EnvironmentSpec,
    pinned_version,
    pip_index_options,
    resolve_device,
    runtime_requirements,
    spec_id,
)
from .runtime import managed_runtime

#: Packages an environment of each backend holds, about (for the progress bar until one was made).
EXPECTED_PACKAGES = {"tensorflow": 45, "jax": 30, "torch": 35}
#: Set-up logs kept in ``<folder>/logs``.
KEPT_LOGS = 10


@dataclass
class SetupResult:
    """What a set-up did: ``changed`` is False when the environment was already right."""

    changed: bool
    folder: str
    python: str
    backend: str
    device: str
    log: str
    seconds: float
    disk_bytes: int
    check: dict = field(default_factory=dict)


def _stamp() -> str:
    return datetime.datetime.now().strftime("%Y%m%d-%H%M%S-%f")


def folder_size(path: Path) -> int:
    """Bytes of the files under ``path`` (links not followed)."""
    total = 0
    for root, _dirs, files in os.walk(path):
        for name in files:
            try:
                total += os.lstat(os.path.join(root, name)).st_size
            except OSError:
                pass
    return total


def _source_options(wheels: Path | None, spec: EnvironmentSpec) -> list[str]:
    if wheels is not None:
        return ["--no-index", "--find-links", str(wheels)]
    return pip_index_options(spec)


def _self_check(python: Path, spec: EnvironmentSpec, progress: Progress) -> dict:
    from ..worker import run_in_worker

    return run_in_worker(
        "environment:self_check",
        expect_gpu=spec.device == "gpu",
        progress=progress,
        runtime=managed_runtime(python, spec.backend, idle=0.0),
    )


class _Setup:
    """One set-up run: the folder, the log, the spec; :meth:`build` makes a new environment."""

    def __init__(
        self, folder: Path, spec: EnvironmentSpec, wheels: Path | None, base: str, log, progress: Progress
    ):
        self.folder, self.spec, self.wheels, self.base, self.log, self.progress = (
            folder,
            spec,
            wheels,
            base,
            log,
            progress,
        )
        self.version = base_version(base)
        self.spec_id = spec_id(spec, self.version)

    def say(self, text: str) -> None:
        self.log.write("[deepfeature] {}\n".format(text))
        self.log.flush()
        self.progress.info(text)

    def build(self, expected: int) -> tuple[Path, dict]:
        """A new environment that passed its self-check: (its folder, the check's result)."""
        env_dir = self.folder / "env-{}-{}".format(self.spec_id, _stamp())
        try:
            self.say(
                "Creating the environment in {} (Python {} from {}).".format(env_dir, self.version, self.base)
            )
            python = make_environment(self.base, env_dir, self.version)
            pip_wheel = find_pip_wheel(self.wheels) or download_pip_wheel(env_dir)
            self.progress.progress(0.02)
            source = _source_options(self.wheels, self.spec)
            run_pip(
                pip_command(python, pip_wheel)
                + [
                    "install",
                    "--no-input",
                    "--disable-pip-version-check",
                    "--no-index",
                    "--find-links",
                    str(pip_wheel.parent),
                    "pip=={}".format(pinned_version("pip")),
                ],
                self.log,
                self.progress,
                what="pip",
            )
            if pip_wheel.parent == env_dir:
                pip_wheel.unlink()
            requirements = write_requirements(
                env_dir / "deepfeature-requirements.txt", runtime_requirements(self.spec)
            )
            self.say(
                "Installing {} with Keras on {} for the {} ({}).".format(
                    ", ".join(runtime_requirements(self.spec)),
                    self.spec.backend,
                    self.spec.device.upper(),
                    "from the wheel folder {}".format(self.wheels)
                    if self.wheels
                    else "from the package index",
                )
            )
            counter = PipProgress(self.progress.sub(0.05, 0.9), expected)
            run_pip(
                pip_command(python, None)
                + [
                    "install",
                    "--no-input",
                    "--disable-pip-version-check",
                    "--progress-bar",
                    "raw",
                    "-r",
                    str(requirements),
                    "-c",
                    str(CONSTRAINTS),
                    *source,
                ],
                self.log,
                self.progress,
                on_line=counter.line,
                what="pip install",
            )
            self.say("Checking the new environment (versions, devices, a small test model).")
            check = dict(_self_check(python, self.spec, self.progress.sub(0.9, 1.0)))
            check["packages"] = counter.collected
            return env_dir, check
        except BaseException:
            remove_tree(env_dir)
            raise

    def manifest(self, env_dir: Path, check: dict) -> Manifest:
        return Manifest(
            env_dir=env_dir.name,
            spec_id=self.spec_id,
            backend=self.spec.backend,
            device=self.spec.device,
            plugin_version=__version__,
            python_version=self.version,
            base_python=self.base,
            versions=dict(check.get("versions", {}), packages=check.get("packages", 0)),
            created=datetime.datetime.now().isoformat(timespec="seconds"),
        )


def _open_log(folder: Path):
    logs = folder / "logs"
    logs.mkdir(parents=True, exist_ok=True)
    for old in sorted(logs.glob("setup-*.log"))[: -(KEPT_LOGS - 1)]:
        old.unlink(missing_ok=True)
    path = logs / "setup-{}.log".format(_stamp())
    return path, open(path, "w", encoding="utf-8")


def _check_inputs(folder: Path, backend: str, wheels) -> Path | None:
    EnvironmentSpec(backend)  # an unknown backend is refused before anything is made
    try:
        folder.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise OutputError(
            "Cannot create the environment folder '{}': {}. Choose another folder in the "
            "settings (Processing › Providers › Deep Feature Extraction).".format(folder, exc)
        ) from exc
    if not os.access(folder, os.W_OK):
        raise OutputError("The environment folder '{}' is not writable; choose another one.".format(folder))
    if wheels:
        wheels = Path(wheels)
        if not wheels.is_dir():
            raise ParameterError("The wheel folder '{}' does not exist.".format(wheels))
        return wheels
    return None


def setup_environment(
    folder: str | os.PathLike,
    backend: str = BACKENDS[0],
    device: str = "auto",
    wheels: str | os.PathLike | None = None,
    details: str = "",
    base: str | None = None,
    progress: Progress | None = None,
) -> SetupResult:
    """Make the environment in ``folder`` hold the plugin's requirements with ``backend`` for ``device``
    ("auto", "cpu", "gpu"), from the package index or the offline folder ``wheels``; a no-op (but
    for the self-check) when it already does. ``details`` goes into the log (the QGIS version…);
    ``base`` is the interpreter to build from (found beside QGIS by default)."""
    progress = ensure(progress)
    started = datetime.datetime.now()
    folder = Path(folder)
    wheels = _check_inputs(folder, backend, wheels)
    spec = EnvironmentSpec(backend, resolve_device(device))
    log_path, log = _open_log(folder)
    with log:
        log.write(
            "deepfeature {} set-up, {}\nplatform: {} ({})\n{}\n".format(
                __version__, started.isoformat(timespec="seconds"), platform.platform(), sys.platform, details
            )
        )
        run = _Setup(folder, spec, wheels, base or base_python(), log, progress)
        status = environment_status(folder)
        previous = status.manifest
        if status.state == READY and previous.spec_id == run.spec_id:
            run.say("The environment in {} already holds these requirements; checking it.".format(folder))
            try:
                check = dict(_self_check(status.python, spec, progress))
                return _result(False, status.folder / previous.env_dir, spec, log_path, started, check)
            except CanceledError:
                raise
            except DeepFeatureError as exc:
                run.say("The environment does not work ({}); making a new one.".format(exc))
        expected = (
            int(previous.versions.get("packages", 0)) if previous and previous.backend == backend else 0
        )
        try:
            env_dir, check = run.build(expected or EXPECTED_PACKAGES[backend])
        except CanceledError as exc:
            log.write("[deepfeature] canceled\n")
            raise CanceledError("{} {} (log: {})".format(exc, _kept(status), log_path)) from exc
        except DeepFeatureError as exc:
            log.write("[deepfeature] failed: {}\n".format(exc))
            raise type(exc)(
                "Setting up the deep-learning environment failed: {} {} The log: {}".format(
                    exc, _kept(status), log_path
                )
            ) from exc
        except OSError as exc:
            log.write("[deepfeature] failed: {}\n".format(exc))
            raise DependencyError(
                "Setting up the deep-learning environment failed: {} {} The log: {}".format(
                    exc, _kept(status), log_path
                )
            ) from exc
        write_manifest(folder, run.manifest(env_dir, check))
        for old in folder.glob("env-*"):
            if old.name != env_dir.name:
                remove_tree(old)
        run.say("Ready: {}.".format(env_dir))
        return _result(True, env_dir, spec, log_path, started, check)


def _kept(status) -> str:
    if status.usable:
        return "The previous environment ({}) is still in use.".format(status.python)
    return "Nothing was installed."


def _result(
    changed: bool,
    env_dir: Path,
    spec: EnvironmentSpec,
    log_path: Path,
    started: datetime.datetime,
    check: dict,
) -> SetupResult:
    return SetupResult(
        changed,
        str(env_dir.parent),
        str(env_python(env_dir)),
        spec.backend,
        spec.device,
        str(log_path),
        round((datetime.datetime.now() - started).total_seconds(), 1),
        folder_size(env_dir),
        check,
    )
