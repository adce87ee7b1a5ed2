"""Inference: tiling, the reading pipeline, the model runtime and its cache, and Classify.

Other packages and the algorithms import from here. Importing this package never imports Keras.
"""

from .classify import DEFAULT_TILE_SIZE, classify_raster

__all__ = ["DEFAULT_TILE_SIZE", "classify_raster"]
