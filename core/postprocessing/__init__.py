"""Post-processing of activation rasters (classification, polygons, points) and evaluation.

Modules: :mod:`.activation_strips` (reading strips, classifying a block), :mod:`.thresholds` (fixed and Otsu
thresholds, minimum areas), :mod:`.objects` (connected objects over the whole raster),
:mod:`.to_classification`, :mod:`.to_polygons`, :mod:`.to_points` (the three outputs),
:mod:`.references` (prediction and reference read on one grid), :mod:`.evaluation` (the metrics),
:mod:`.object_scores` (object and relaxed scores, objects labelled strip by strip), :mod:`.regularize`
(squared building outlines) and :mod:`.evaluation_report` (the HTML report and its error picture).

Other packages and the algorithms import from here.
"""

from .activation_strips import classify_block
from .evaluation import evaluate
from .object_scores import StripObjects
from .thresholds import DEFAULT_THRESHOLD, otsu_threshold
from .to_classification import activation_to_classification
from .to_points import POINT_METHODS, activation_to_points
from .to_polygons import activation_to_polygons

__all__ = [
    "DEFAULT_THRESHOLD",
    "POINT_METHODS",
    "StripObjects",
    "activation_to_classification",
    "activation_to_points",
    "activation_to_polygons",
    "classify_block",
    "evaluate",
    "otsu_threshold",
]
