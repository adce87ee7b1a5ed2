"""Which Python runs the worker, with which environment variables."""

from __future__ import annotations

import os
import sys
from dataclasses import dataclass, field

from ..errors import DependencyError
from .bootstrap import clean_environ
from .interpreter import running_python
from .layout import environment_status

#: The plugin's package name and the folder that holds it (what the worker must import).
PACKAGE = __name__.split(".")[0]
PACKAGE_PARENT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__)))))
#: Seconds an idle reusable worker waits for its next job before it ends by itself (frees its memory).
WORKER_IDLE = 60.0


def worker_idle() -> float:
    """``DEEPFEATURE_WORKER_IDLE`` when set, else :data:`WORKER_IDLE` (0 = a process per job)."""
    try:
        return max(0.0, float(os.environ.get("DEEPFEATURE_WORKER_IDLE", WORKER_IDLE)))
    except ValueError:
        return WORKER_IDLE


@dataclass(frozen=True)
class WorkerRuntime:
    """A worker interpreter and the environment variables it starts with; ``managed`` when it is the
    plugin's own environment; ``idle``: seconds a reusable worker is kept (see :mod:`..worker`);
    ``notice``: a sentence to log (a stale environment)."""

    python: str
    env: dict = field(hash=False)
    managed: bool = False
    idle: float = WORKER_IDLE
    notice: str = ""


def _inherited_env() -> dict:
    """The current variables, with a PYTHONPATH holding the plugin and this process's own PYTHONPATH (a
    development environment, an interpreter given by DEEPFEATURE_PYTHON). Not this process's whole
    ``sys.path``: inside QGIS it holds the system's site folders, whose numpy and scipy would shadow the
    interpreter's own."""
    paths = [PACKAGE_PARENT] + [p for p in os.environ.get("PYTHONPATH", "").split(os.pathsep) if p]
    env = dict(os.environ)
    env["PYTHONPATH"] = os.pathsep.join(dict.fromkeys(paths))
    return env


def managed_runtime(python: str | os.PathLike, backend: str, idle: float | None = None,
                    notice: str = "") -> WorkerRuntime:
    """A runtime for a managed environment's ``python``: nothing of QGIS's own Python leaks in."""
    env = clean_environ({"PYTHONPATH": PACKAGE_PARENT, "KERAS_BACKEND": backend})
    return WorkerRuntime(str(python), env, True, worker_idle() if idle is None else idle, notice)


def worker_runtime(folder: str | os.PathLike | None = None, idle: float | None = None) -> WorkerRuntime:
    """The worker's runtime: ``DEEPFEATURE_PYTHON`` when set (development), else the managed environment
    in ``folder`` (the Processing setting), else this interpreter when it is a plain Python (scripts,
    the tests). Raises :class:`DependencyError` that says how to set the environment up."""
    idle = worker_idle() if idle is None else idle
    override = os.environ.get("DEEPFEATURE_PYTHON")
    if override:
        return WorkerRuntime(override, _inherited_env(), False, idle)
    status = environment_status(folder)
    if status.usable:
        return managed_runtime(status.python, status.manifest.backend, idle, status.message)
    if running_python():
        return WorkerRuntime(sys.executable, _inherited_env(), False, idle)
    raise DependencyError(status.message)


def worker_problem(folder: str | os.PathLike | None = None) -> str:
    """'' when a worker can start, else the sentence that says what to do (cheap: runs nothing)."""
    try:
        worker_runtime(folder)
    except DependencyError as exc:
        return str(exc)
    return ""
