"""What the managed environment holds: the plugin's runtime requirements plus one Keras backend.

``requirements.txt`` (next to ``metadata.txt``) lists what the engine needs whatever the backend;
``constraints.txt`` pins every version, each with its reason. The backend packages depend on the
device: the CPU builds, or the CUDA builds for an NVIDIA GPU.
"""

from __future__ import annotations

import hashlib
import json
import os
import re
import shutil
import subprocess
import sys
from dataclasses import asdict, dataclass
from pathlib import Path

from ..errors import ParameterError

PLUGIN_ROOT = Path(__file__).resolve().parents[2]
REQUIREMENTS = PLUGIN_ROOT / "requirements.txt"
CONSTRAINTS = PLUGIN_ROOT / "constraints.txt"

#: Keras backends the set-up installs (the first is the default).
BACKENDS = ("tensorflow", "jax", "torch")
#: Devices the set-up installs for: "auto" is the NVIDIA GPU when a driver is found, else the CPU.
SETUP_DEVICES = ("auto", "cpu", "gpu")
#: PyTorch's own index of CPU-only builds (PyPI's Linux torch is the CUDA build, several GB).
TORCH_CPU_INDEX = "https://download.pytorch.org/whl/cpu"


@dataclass(frozen=True)
class EnvironmentSpec:
    """One environment: a Keras backend built for a device ("cpu" or "gpu")."""

    backend: str = BACKENDS[0]
    device: str = "cpu"

    def __post_init__(self) -> None:
        if self.backend not in BACKENDS:
            raise ParameterError(
                "Unknown Keras backend '{}'; choose one of {}.".format(self.backend, ", ".join(BACKENDS))
            )
        if self.device not in ("cpu", "gpu"):
            raise ParameterError("The device must be 'cpu' or 'gpu', not '{}'.".format(self.device))

    def to_dict(self) -> dict:
        return asdict(self)


def backend_packages(spec: EnvironmentSpec, platform: str = sys.platform) -> list[str]:
    """The backend's pip requirements for ``spec`` on ``platform``."""
    gpu = spec.device == "gpu"
    if gpu and platform == "darwin":
        raise ParameterError("There are no NVIDIA GPU builds for macOS: choose the CPU.")
    if spec.backend == "tensorflow":
        if gpu and platform.startswith("win"):
            raise ParameterError(
                "TensorFlow has no NVIDIA GPU build for Windows: choose the JAX or PyTorch backend for the "
                "GPU, or the CPU."
            )
        if gpu:
            return ["tensorflow[and-cuda]"]
        return ["tensorflow"] if platform == "darwin" else ["tensorflow-cpu"]
    if spec.backend == "jax":
        if gpu and not platform.startswith("linux"):
            raise ParameterError("JAX's NVIDIA GPU builds are for Linux only: choose PyTorch or the CPU.")
        return ["jax[cuda12]"] if gpu else ["jax[cpu]"]
    return ["torch"]


def pip_index_options(spec: EnvironmentSpec, platform: str = sys.platform) -> list[str]:
    """Extra pip options for ``spec`` when packages come from an index (PyTorch's CPU builds)."""
    if spec.backend == "torch" and spec.device == "cpu" and platform != "darwin":
        return ["--extra-index-url", TORCH_CPU_INDEX]
    return []


def _lines(path: Path) -> list[str]:
    text = path.read_text(encoding="utf-8")
    return [line.split("#", 1)[0].strip() for line in text.splitlines() if line.split("#", 1)[0].strip()]


def runtime_requirements(spec: EnvironmentSpec, platform: str = sys.platform) -> list[str]:
    """Everything the environment installs: ``requirements.txt`` plus the backend's packages."""
    return [line for line in _lines(REQUIREMENTS) if not line.startswith("-")] + backend_packages(
        spec, platform
    )


def pinned_version(name: str) -> str:
    """The exact version ``constraints.txt`` pins ``name`` to ('' when it pins none)."""
    for line in _lines(CONSTRAINTS):
        match = re.fullmatch(r"{}\s*==\s*([\w.]+)\s*(;.*)?".format(re.escape(name)), line, re.IGNORECASE)
        if match:
            return match.group(1)
    return ""


def spec_id(spec: EnvironmentSpec, python_version: str, platform: str = sys.platform) -> str:
    """A short hash of everything that decides the environment's content (requirements, pins, backend,
    device, Python version): equal ids, equal environments."""
    payload = json.dumps(
        {
            "requirements": runtime_requirements(spec, platform),
            "constraints": _lines(CONSTRAINTS),
            "index": pip_index_options(spec, platform),
            "spec": spec.to_dict(),
            "python": python_version,
        },
        sort_keys=True,
    )
    return hashlib.sha256(payload.encode("utf-8")).hexdigest()[:12]


def nvidia_driver() -> str:
    """The NVIDIA driver's CUDA version ('12.4'), or '' when no NVIDIA driver is found."""
    smi = shutil.which("nvidia-smi")
    if smi is None and sys.platform.startswith("win"):
        candidate = os.path.join(os.environ.get("SystemRoot", r"C:\Windows"), "System32", "nvidia-smi.exe")
        smi = candidate if os.path.isfile(candidate) else None
    if smi is None:
        return ""
    try:
        out = subprocess.run(  # nosec B603 - a fixed argument list, no shell
            [smi],
            capture_output=True,
            text=True,
            timeout=20,
            creationflags=getattr(subprocess, "CREATE_NO_WINDOW", 0),
        ).stdout
    except (OSError, subprocess.SubprocessError):
        return ""
    match = re.search(r"CUDA Version:\s*([\d.]+)", out)
    return match.group(1) if match else ""


def resolve_device(device: str, driver: str | None = None) -> str:
    """ "cpu" or "gpu" for a set-up device choice ("auto" takes the GPU when an NVIDIA driver that runs
    CUDA 12 is found)."""
    if device not in SETUP_DEVICES:
        raise ParameterError(
            "The device must be one of {}, not '{}'.".format(", ".join(SETUP_DEVICES), device)
        )
    driver = nvidia_driver() if driver is None and device != "cpu" else (driver or "")
    usable = bool(driver) and int(driver.split(".")[0]) >= 12
    if device == "gpu" and not usable:
        raise ParameterError(
            "No NVIDIA driver for CUDA 12 or newer was found ({}). Install or update the NVIDIA driver, "
            "or choose the CPU.".format("CUDA {} found".format(driver) if driver else "nvidia-smi not found")
        )
    if device == "auto":
        return "gpu" if usable else "cpu"
    return device
