"""deepfeature:activationtopolygons — objects of an activation raster as an editable polygon layer."""

from __future__ import annotations

from qgis.core import (
    QgsProcessingOutputNumber,
    QgsProcessingParameterBoolean,
    QgsProcessingParameterFeatureSink,
    QgsProcessingParameterNumber,
)
from qgis.PyQt.QtCore import QMetaType

from ..core.postprocessing.regularize import MIN_EDGE_PIXELS, SMALL_PIXELS
from . import compat
from .base import DeepFeatureAlgorithm
from .common import ActivationInputMixin, LazySink, make_fields
from .styling import attach_class_style

FIELDS = (
    ("class_id", QMetaType.Type.Int),
    ("class_name", QMetaType.Type.QString),
    ("pixels", QMetaType.Type.Int),
    ("area", QMetaType.Type.Double),
    ("mean_activation", QMetaType.Type.Double),
    ("max_activation", QMetaType.Type.Double),
)


class ActivationToPolygonsAlgorithm(ActivationInputMixin, DeepFeatureAlgorithm):
    """Activation to Polygons: one valid polygon per object with class and activation attributes."""

    NAME = "activationtopolygons"
    GROUP = "postprocessing"
    SMOOTH = "SMOOTH"
    FILL_HOLES = "FILL_HOLES"
    REGULARIZE = "REGULARIZE"
    OUTPUT = "OUTPUT"
    COUNT = "COUNT"

    def displayName(self):  # noqa: N802 - QGIS API
        return self.tr("Activation to Polygons")

    def shortHelpString(self):  # noqa: N802 - QGIS API
        return self.tr(
            "Vectorizes the objects of a class activation raster: one polygon per connected object "
            "(4-connected pixels of one class), in the raster CRS, with the attributes class_id, class_name, "
            "pixels, area (square CRS units), mean_activation and max_activation. Geometries are always "
            "valid.\n\n{}\nSmooth (pixels): simplifies the boundaries by this "
            "tolerance and rounds the corners, removing the pixel staircase, and keeps each polygon's area "
            "equal to its pixels' area (0 keeps the pixel edges). "
            "Fill holes removes the holes of the polygons. "
            "Regularize outlines squares the polygons, for buildings: right angles along the dominant "
            "orientation of each polygon, steps shorter than {:g} pixels removed, and each polygon's area "
            "kept equal to its pixels' area; small polygons (under {:g} pixels) become rectangles. "
            "Smooth is not used then.\n\n"
            "Edit the result (delete false detections, fix outlines, add missed features) and feed it back "
            "to 'Build Label Raster from Vector Layers' and 'Train Model' to refine the model."
        ).format(self.threshold_help(), MIN_EDGE_PIXELS, SMALL_PIXELS)

    def initAlgorithm(self, config=None):  # noqa: N802 - QGIS API
        self.add_activation_parameters()
        self.addParameter(
            QgsProcessingParameterNumber(
                self.SMOOTH, self.tr("Smooth boundaries (pixels; 0 = pixel edges)"),
                type=compat.NUMBER_DOUBLE, defaultValue=1.0, minValue=0.0, maxValue=50.0,
            )
        )
        self.addParameter(QgsProcessingParameterBoolean(self.FILL_HOLES, self.tr("Fill holes"), False))
        self.addParameter(
            QgsProcessingParameterBoolean(
                self.REGULARIZE, self.tr("Regularize outlines (square building corners)"), False)
        )
        self.addParameter(
            QgsProcessingParameterFeatureSink(
                self.OUTPUT, self.tr("Polygons"), compat.SOURCE_VECTOR_POLYGON)
        )
        self.addOutput(QgsProcessingOutputNumber(self.COUNT, self.tr("Number of polygons")))

    def processAlgorithm(self, parameters, context, feedback):  # noqa: N802 - QGIS API
        path, threshold, min_area = self.activation_inputs(parameters, context)
        info = self.run_worker("read_activation_info", feedback, path)
        writer = LazySink(
            self, parameters, context, make_fields(FIELDS), compat.WKB_MULTIPOLYGON, info.crs_wkt, True
        )
        result = self.run_worker(
            "activation_to_polygons", feedback, path, sink=writer,
            threshold=threshold, min_area=min_area,
            smooth=self.parameterAsDouble(parameters, self.SMOOTH, context),
            fill_holes=self.parameterAsBool(parameters, self.FILL_HOLES, context),
            regularize=self.parameterAsBool(parameters, self.REGULARIZE, context),
        )
        dest = writer.finish()
        attach_class_style(context, dest, info.classes)
        if feedback is not None:
            feedback.pushInfo(self.tr("{} polygons.").format(result["features"]))
        return {self.OUTPUT: dest, self.COUNT: result["features"], self.USED_THRESHOLD: result["threshold"]}


ALGORITHM = ActivationToPolygonsAlgorithm
