"""Devices: which GPU the active Keras backend sees, how much memory it has, and placing work on it.

Shared by training and inference (neither asks the other about the GPU).
"""

from __future__ import annotations

import contextlib
import os

from .errors import ParameterError

#: The DEVICE choices of training and classification.
DEVICES = ("auto", "cpu", "gpu")


def gpu_available(keras) -> bool:
    """True if the active Keras backend sees a GPU."""
    backend = keras.backend.backend()
    try:
        if backend == "tensorflow":
            import tensorflow as tf

            return bool(tf.config.list_physical_devices("GPU"))
        if backend == "jax":
            import jax

            return any(d.platform == "gpu" for d in jax.devices())
        if backend == "torch":
            import torch

            return bool(torch.cuda.is_available())
    except Exception:  # noqa: BLE001 - a broken GPU stack means no GPU
        return False
    return False


def gpu_memory_bytes(keras) -> int | None:
    """Memory of the first GPU the active Keras backend uses, in bytes (None when it does not say:
    TensorFlow reports only what it has allocated)."""
    backend = keras.backend.backend()
    try:
        if backend == "jax":
            import jax

            gpus = [d for d in jax.devices() if d.platform == "gpu"]
            stats = gpus[0].memory_stats() if gpus else None
            return int(stats["bytes_limit"]) if stats and stats.get("bytes_limit") else None
        if backend == "torch":
            import torch

            if torch.cuda.is_available():
                return int(torch.cuda.get_device_properties(0).total_memory)
    except Exception:  # noqa: BLE001 - unknown is a valid answer
        return None
    return None


def select_device(keras, device: str) -> tuple[str, bool]:
    """(Keras device name, on GPU) for the training DEVICE parameter; :class:`ParameterError` for 'gpu'
    without one."""
    has_gpu = gpu_available(keras)
    if device == "gpu" and not has_gpu:
        raise ParameterError(
            "No GPU is available to the '{}' backend. Choose DEVICE 'auto' or 'cpu', or install a GPU "
            "build (for example 'tensorflow[and-cuda]').".format(keras.backend.backend())
        )
    use_gpu = has_gpu and device in ("auto", "gpu")
    return ("gpu:0" if use_gpu else "cpu:0"), use_gpu


def device_scope(keras, device: str):
    """A context that places a model on ``device`` (auto: the backend's default)."""
    if device == "auto":
        return contextlib.nullcontext()
    try:
        gpus = keras.distribution.list_devices("gpu")
    except Exception:  # noqa: BLE001 - backend without device listing
        gpus = []
    if device == "gpu":
        if not gpus:
            raise ParameterError(
                "DEVICE is 'gpu' but Keras (backend '{}') sees no GPU. Choose 'auto' or 'cpu', or install a "
                "GPU-enabled backend (tensorflow[and-cuda], jax[cuda] or torch with CUDA).".format(
                    keras.backend.backend()
                )
            )
        return keras.device(gpus[0] if ":" in str(gpus[0]) else "gpu:0")
    return keras.device("cpu:0")


def host_threads() -> int:
    """Threads for reading and preparing data on the host (``DEEPFEATURE_THREADS`` overrides; 2..16)."""
    with contextlib.suppress(ValueError):
        n = int(os.environ.get("DEEPFEATURE_THREADS", "0"))
        if n > 0:
            return n
    return max(2, min(16, os.cpu_count() or 2))
