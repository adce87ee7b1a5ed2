"""Post-processing of activation rasters (classification, polygons, points) and evaluation.

Other packages and the algorithms import from here.
"""

from .evaluate import evaluate
from .postprocess import activation_to_classification, activation_to_points, activation_to_polygons

__all__ = ["activation_to_classification", "activation_to_points", "activation_to_polygons", "evaluate"]
