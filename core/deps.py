"""Lazy checks for optional heavy dependencies (so the plugin loads without them)."""

from __future__ import annotations

import importlib
import importlib.util

from .errors import DependencyError

#: What each feature needs, as (import name, pip name).
RASTER = (("numpy", "numpy"), ("rasterio", "rasterio"), ("shapely", "shapely"))
IMAGE = RASTER + (("scipy", "scipy"), ("skimage", "scikit-image"))
DEEP_LEARNING = IMAGE + (("keras", "keras"),)

INSTALL_HINT = (
    "Install them into the Python that QGIS uses, for example: "
    "python3 -m pip install -r requirements.txt -c constraints.txt "
    "(from the plugin folder), then restart QGIS."
)


def missing(modules: tuple[tuple[str, str], ...]) -> list[str]:
    """The pip names of the modules in ``modules`` that cannot be imported."""
    return [pip for name, pip in modules if importlib.util.find_spec(name) is None]


def describe_missing(modules: tuple[tuple[str, str], ...]) -> str:
    """'' when everything is there, else a sentence that says what to install."""
    absent = missing(modules)
    if not absent:
        return ""
    return "Missing Python packages: {}. {}".format(", ".join(absent), INSTALL_HINT)


def require(modules: tuple[tuple[str, str], ...]) -> None:
    """Raise :class:`DependencyError` naming what to install if anything is missing."""
    text = describe_missing(modules)
    if text:
        raise DependencyError(text)


def keras_backend_module():
    """Import and return ``keras`` (raises :class:`DependencyError` when absent)."""
    try:
        return importlib.import_module("keras")
    except ImportError as exc:  # pragma: no cover - depends on the machine
        raise DependencyError(
            "Keras 3 is not installed ({}). Install tensorflow (CPU: 'tensorflow-cpu'; NVIDIA GPU: "
            "'tensorflow[and-cuda]'), or keras with jax/torch and set KERAS_BACKEND. {}".format(
                exc, INSTALL_HINT
            )
        ) from exc
