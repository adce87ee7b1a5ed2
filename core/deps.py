"""Lazy checks for the heavy packages, which live in the plugin's deep-learning environment (the worker's
Python, see :mod:`.environment`), never in QGIS's own Python."""

from __future__ import annotations

import importlib
import importlib.util
import os
import sys

from .environment.layout import SETUP_HINT
from .errors import DependencyError

#: What each feature needs, as (import name, pip name).
RASTER = (("numpy", "numpy"), ("rasterio", "rasterio"), ("shapely", "shapely"))
IMAGE = RASTER + (("scipy", "scipy"), ("skimage", "scikit-image"))
DEEP_LEARNING = IMAGE + (("keras", "keras"),)


def missing(modules: tuple[tuple[str, str], ...]) -> list[str]:
    """The pip names of the modules in ``modules`` that cannot be imported."""
    return [pip for name, pip in modules if importlib.util.find_spec(name) is None]


def describe_missing(modules: tuple[tuple[str, str], ...]) -> str:
    """'' when everything is there, else a sentence that names what is missing and how to get it (the
    set-up, not a pip command)."""
    absent = missing(modules)
    if not absent:
        return ""
    return "Missing Python packages: {}. {}".format(", ".join(absent), SETUP_HINT)


_CACHE_CONFIGURED = False


def compilation_cache_dir() -> str:
    """Where compiled models are kept between processes (JAX backend): ``$XDG_CACHE_HOME`` (or
    ``~/.cache``)/deepfeature/jax."""
    base = os.environ.get("XDG_CACHE_HOME") or os.path.join(os.path.expanduser("~"), ".cache")
    return os.path.join(base, "deepfeature", "jax")


def _persistent_compilation_cache(keras) -> None:
    """On the JAX backend, keep compiled models on disk: on a GPU, XLA autotunes every convolution when
    it compiles (minutes for a large U-Net), and each algorithm run is a new process. JAX's own setting
    (``JAX_COMPILATION_CACHE_DIR``) wins; compilations under a second are not kept."""
    global _CACHE_CONFIGURED
    if _CACHE_CONFIGURED or keras.backend.backend() != "jax":
        return
    _CACHE_CONFIGURED = True
    try:
        import jax

        if os.environ.get("JAX_COMPILATION_CACHE_DIR") or jax.config.jax_compilation_cache_dir:
            return
        path = compilation_cache_dir()
        os.makedirs(path, exist_ok=True)
        jax.config.update("jax_compilation_cache_dir", path)
    except Exception:  # noqa: BLE001 - a cache is an optimisation, never a reason to fail
        return


def keras_backend_module():
    """Import and return ``keras`` (raises :class:`DependencyError` when absent); on the JAX backend,
    compiled models are cached on disk (see :func:`compilation_cache_dir`)."""
    try:
        keras = importlib.import_module("keras")
    except ImportError as exc:  # pragma: no cover - depends on the machine
        raise DependencyError(
            "Keras 3 does not import in this Python ({}; {}). {} (When DEEPFEATURE_PYTHON is set, it names "
            "the worker's Python instead, which must then hold the packages of requirements.txt.)".format(
                sys.executable, exc, SETUP_HINT
            )
        ) from exc
    _persistent_compilation_cache(keras)
    return keras
