"""Inference: tiling, the reading pipeline, the model runtime and its cache, and the classifier.

Modules: :mod:`.options` (:class:`ClassifyOptions` and the choices the algorithm offers),
:mod:`.tiling` (tile grids, column panels, reflected indices), :mod:`.reading` (the input raster and the
feeder thread), :mod:`.runtime` (ready models, their cache, the inference threads), :mod:`.writing` (the
outputs and the writer thread), :mod:`.threads` (what the pipeline's threads share), :mod:`.panel` (one
column panel classified) and :mod:`.classifier` (:func:`classify_raster`).

Other packages and the algorithms import from here. Importing this package never imports Keras.
"""

from .classifier import classify_raster
from .options import (
    CLASSIFICATION_THRESHOLD,
    DEFAULT_BATCH_SIZE,
    DEFAULT_TILE_SIZE,
    MAX_BATCH_SIZE,
    MAX_TILE_SIZE,
    ClassifyOptions,
)
from .reading import read_reflected
from .runtime import inference_twin
from .threads import SWITCH_INTERVAL, switch_interval
from .tiling import GPU_MAX_TILE_SIZE, PANEL_COLUMNS, extent_window, make_grid

__all__ = [
    "CLASSIFICATION_THRESHOLD",
    "DEFAULT_BATCH_SIZE",
    "DEFAULT_TILE_SIZE",
    "GPU_MAX_TILE_SIZE",
    "MAX_BATCH_SIZE",
    "MAX_TILE_SIZE",
    "PANEL_COLUMNS",
    "SWITCH_INTERVAL",
    "ClassifyOptions",
    "classify_raster",
    "extent_window",
    "inference_twin",
    "make_grid",
    "read_reflected",
    "switch_interval",
]
