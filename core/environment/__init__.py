"""The managed deep-learning environment: a Python environment the plugin makes and owns.

QGIS's own Python needs nothing installed: every step that needs more than QGIS ships runs in a worker
process (:mod:`..worker`) on this environment's interpreter. Modules: :mod:`.interpreter` (the Python
QGIS runs on), :mod:`.requirements` (what is installed for a backend and device), :mod:`.layout`
(the folder, its manifest, its state), :mod:`.bootstrap` (an environment and pip from nothing),
:mod:`.pip_run` (pip with progress, log and cancel), :mod:`.setup` (the set-up step),
:mod:`.selfcheck` (what a new environment must pass), :mod:`.runtime` (the worker's interpreter and
variables), :mod:`.wheels` (a wheel folder for offline machines). Importing it imports nothing heavy.
"""

from .interpreter import Host, base_python, candidates
from .layout import (
    BROKEN,
    MISSING,
    READY,
    SETUP_HINT,
    STALE,
    EnvironmentStatus,
    Manifest,
    default_folder,
    env_python,
    environment_status,
    read_manifest,
    user_data_folder,
)
from .requirements import (
    BACKENDS,
    SETUP_DEVICES,
    EnvironmentSpec,
    nvidia_driver,
    resolve_device,
    runtime_requirements,
)
from .runtime import WORKER_IDLE, WorkerRuntime, managed_runtime, worker_idle, worker_problem, worker_runtime
from .selfcheck import self_check
from .setup import SetupResult, folder_size, setup_environment
from .wheels import prepare_wheels

__all__ = [
    "BACKENDS",
    "BROKEN",
    "MISSING",
    "READY",
    "SETUP_DEVICES",
    "SETUP_HINT",
    "STALE",
    "WORKER_IDLE",
    "EnvironmentSpec",
    "EnvironmentStatus",
    "Host",
    "Manifest",
    "SetupResult",
    "WorkerRuntime",
    "base_python",
    "candidates",
    "default_folder",
    "env_python",
    "environment_status",
    "folder_size",
    "managed_runtime",
    "nvidia_driver",
    "prepare_wheels",
    "read_manifest",
    "resolve_device",
    "runtime_requirements",
    "self_check",
    "setup_environment",
    "user_data_folder",
    "worker_idle",
    "worker_problem",
    "worker_runtime",
]
