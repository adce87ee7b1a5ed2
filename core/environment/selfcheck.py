"""The self-check a new environment must pass: it runs in the environment's worker."""

from __future__ import annotations

import importlib
import platform
import sys
import time

from ..errors import DependencyError
from ..progress import Progress, ensure

#: (import name, distribution) of what the engine imports in the worker.
MODULES = (
    ("numpy", "numpy"),
    ("rasterio", "rasterio"),
    ("shapely", "shapely"),
    ("scipy", "scipy"),
    ("skimage", "scikit-image"),
    ("keras", "keras"),
)
BACKEND_MODULES = {"tensorflow": "tensorflow", "jax": "jax", "torch": "torch"}


def _devices(keras) -> list[str]:
    backend = keras.backend.backend()
    if backend == "tensorflow":
        import tensorflow as tf

        return ["{} ({})".format(d.name, d.device_type) for d in tf.config.list_physical_devices()]
    if backend == "jax":
        import jax

        return ["{} ({})".format(d, d.platform) for d in jax.devices()]
    import torch

    found = ["cpu"]
    if torch.cuda.is_available():
        found += [
            "cuda:{} ({})".format(i, torch.cuda.get_device_name(i)) for i in range(torch.cuda.device_count())
        ]
    return found


def self_check(expect_gpu: bool = False, progress: Progress | None = None) -> dict:
    """Versions of the engine's packages, the devices Keras sees, and one tiny U-Net built and run.

    Raises :class:`DependencyError` naming what is missing or does not work."""
    progress = ensure(progress)
    versions = {"python": platform.python_version()}
    for name, dist in MODULES:
        try:
            versions[dist] = getattr(importlib.import_module(name), "__version__", "?")
        except Exception as exc:  # noqa: BLE001 - any failure to import is the answer
            raise DependencyError(
                "'{}' does not import in the deep-learning environment: {}".format(dist, exc)
            ) from exc
    from ..deps import keras_backend_module
    from ..nn import ModelSpec, build_model

    keras = keras_backend_module()
    backend = keras.backend.backend()
    versions[backend] = getattr(importlib.import_module(BACKEND_MODULES[backend]), "__version__", "?")
    devices = _devices(keras)
    gpu = any("GPU" in d or "cuda" in d.lower() for d in devices)
    if expect_gpu and not gpu:
        raise DependencyError(
            "The GPU build of {} is installed but sees no GPU (devices: {}). Install a newer NVIDIA driver, "
            "or set up the environment for the CPU.".format(backend, ", ".join(devices))
        )
    import numpy as np

    started = time.perf_counter()
    spec = ModelSpec(
        architecture="unet5", bands=3, classes=("feature",), patch_size=32, base_filters=4, depth=3
    )
    model = build_model(spec, seed=1)
    out = np.asarray(model.predict(np.zeros((1, 32, 32, 3), "float32"), verbose=0))
    if out.shape != (1, 32, 32, 1) or not np.isfinite(out).all():
        raise DependencyError(
            "The test model gave a wrong result {}: the deep-learning stack does not work here.".format(
                out.shape
            )
        )
    progress.info(
        "Keras {} on {} {}; devices: {}.".format(
            versions["keras"], backend, versions[backend], ", ".join(devices)
        )
    )
    return {
        "versions": versions,
        "backend": backend,
        "devices": devices,
        "gpu": gpu,
        "executable": sys.executable,
        "model_seconds": round(time.perf_counter() - started, 2),
    }
