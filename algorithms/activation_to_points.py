"""deepfeature:activationtopoints — one point per detected object (counting cars, trees, signs)."""

from __future__ import annotations

from qgis.core import (
    QgsProcessingOutputNumber,
    QgsProcessingParameterEnum,
    QgsProcessingParameterFeatureSink,
    QgsProcessingParameterNumber,
)
from qgis.PyQt.QtCore import QMetaType

from ..core.postprocessing import POINT_METHODS
from . import compat
from .base import DeepFeatureAlgorithm
from .common import ActivationInputMixin, LazySink, make_fields
from .styling import attach_class_style

FIELDS = (
    ("class_id", QMetaType.Type.Int),
    ("class_name", QMetaType.Type.QString),
    ("score", QMetaType.Type.Double),
    ("mean_activation", QMetaType.Type.Double),
    ("pixels", QMetaType.Type.Int),
    ("area", QMetaType.Type.Double),
)


class ActivationToPointsAlgorithm(ActivationInputMixin, DeepFeatureAlgorithm):
    """Activation to Points: object centroids or activation peaks with score and area."""

    NAME = "activationtopoints"
    GROUP = "postprocessing"
    METHOD = "METHOD"
    MIN_DISTANCE = "MIN_DISTANCE"
    OUTPUT = "OUTPUT"
    COUNT = "COUNT"
    METHOD_KEYS = POINT_METHODS

    def displayName(self):  # noqa: N802 - QGIS API
        return self.tr("Activation to Points")

    def shortHelpString(self):  # noqa: N802 - QGIS API
        return self.tr(
            "One point per detected object of a class activation raster, for counting (cars, trees, stop "
            "signs), in the raster CRS, with the attributes class_id, class_name, score (maximum "
            "activation), mean_activation, pixels and area.\n\n{}\nMethod: "
            "'Connected objects' puts one point at the centroid of each object (or, for a ring or a C "
            "shape, on the object's pixel nearest to it: points always lie on their object); 'Local "
            "maxima' splits touching objects at the peaks of the activation that are at least "
            "'Minimum distance' pixels apart (each part gets its pixels by a watershed)."
        ).format(self.threshold_help())

    def initAlgorithm(self, config=None):  # noqa: N802 - QGIS API
        self.add_activation_parameters()
        self.addParameter(
            QgsProcessingParameterEnum(
                self.METHOD, self.tr("Method"),
                options=[self.tr("Connected objects (centroids)"), self.tr("Local maxima (split touching)")],
                defaultValue=0,
            )
        )
        self.addParameter(
            QgsProcessingParameterNumber(
                self.MIN_DISTANCE, self.tr("Minimum distance between maxima (pixels)"),
                type=compat.NUMBER_INTEGER, defaultValue=5, minValue=1, maxValue=1000,
            )
        )
        self.addParameter(
            QgsProcessingParameterFeatureSink(self.OUTPUT, self.tr("Points"), compat.SOURCE_VECTOR_POINT)
        )
        self.addOutput(QgsProcessingOutputNumber(self.COUNT, self.tr("Number of points")))

    def processAlgorithm(self, parameters, context, feedback):  # noqa: N802 - QGIS API
        path, threshold, min_area = self.activation_inputs(parameters, context)
        info = self.run_worker("read_activation_info", feedback, path)
        writer = LazySink(
            self, parameters, context, make_fields(FIELDS), compat.WKB_POINT, info.crs_wkt, False
        )
        result = self.run_worker(
            "activation_to_points", feedback, path, sink=writer,
            threshold=threshold, min_area=min_area,
            method=self.METHOD_KEYS[self.parameterAsEnum(parameters, self.METHOD, context)],
            min_distance=self.parameterAsInt(parameters, self.MIN_DISTANCE, context),
        )
        dest = writer.finish()
        attach_class_style(context, dest, info.classes)
        if feedback is not None:
            feedback.pushInfo(self.tr("{} points.").format(result["points"]))
        return {self.OUTPUT: dest, self.COUNT: result["points"], self.USED_THRESHOLD: result["threshold"]}


ALGORITHM = ActivationToPointsAlgorithm
