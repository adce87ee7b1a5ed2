"""Label rasters: class resolution, the GDAL burner, the writer, and the builders from vector layers and
from a classification raster.

Modules: :mod:`.classes` (label layers, class values, class maps and names), :mod:`.shapes` (label
geometries sorted into burn passes), :mod:`.raster` (the label raster being written, shared by both
writers), :mod:`.writer` (the rasterio writer), :mod:`.burner` (the GDAL burner), :mod:`.from_vector`
and :mod:`.from_classification` (the builders).

Other packages and the algorithms import from here.
"""

from .classes import GEOMETRY_KINDS, LabelLayer, class_names_for, parse_class_map, resolve_classes
from .from_classification import build_label_raster_from_classification
from .from_vector import build_label_raster_from_shapes
from .raster import LabelRasterResult

__all__ = ["GEOMETRY_KINDS", "LabelLayer", "LabelRasterResult", "build_label_raster_from_classification",
           "build_label_raster_from_shapes", "class_names_for", "parse_class_map", "resolve_classes"]
