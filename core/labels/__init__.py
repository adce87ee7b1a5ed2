"""Label rasters: class resolution, the GDAL burner, the writer, and the builders from vector layers and
from a classification raster.

Other packages and the algorithms import from here.
"""

from .build import (
    LabelLayer,
    LabelRasterResult,
    build_label_raster_from_classification,
    build_label_raster_from_shapes,
    class_names_for,
    parse_class_map,
    resolve_classes,
)

__all__ = ["LabelLayer", "LabelRasterResult", "build_label_raster_from_classification",
           "build_label_raster_from_shapes", "class_names_for", "parse_class_map", "resolve_classes"]
