"""deepfeature:activationtopoints — one point per detected object (counting cars, trees, signs)."""

from __future__ import annotations

from qgis.core import (
    QgsProcessing,
    QgsProcessingOutputNumber,
    QgsProcessingParameterEnum,
    QgsProcessingParameterFeatureSink,
    QgsProcessingParameterNumber,
    QgsWkbTypes,
)
from qgis.PyQt.QtCore import QVariant

from ..core.postprocessing import POINT_METHODS
from .base import DeepFeatureAlgorithm
from .common import THRESHOLD_HELP, ActivationInputMixin, LazySink, make_fields
from .styling import attach_class_style

FIELDS = (
    ("class_id", QVariant.Int),
    ("class_name", QVariant.String),
    ("score", QVariant.Double),
    ("mean_activation", QVariant.Double),
    ("pixels", QVariant.Int),
    ("area", QVariant.Double),
)


class ActivationToPointsAlgorithm(ActivationInputMixin, DeepFeatureAlgorithm):
    """Activation to Points: object centroids or activation peaks with score and area."""

    NAME = "activationtopoints"
    DISPLAY_NAME = "Activation to Points"
    GROUP = "postprocessing"
    HELP = (
        "One point per detected object of a class activation raster, for counting (cars, trees, stop "
        "signs), in the raster CRS, with the attributes class_id, class_name, score (maximum "
        "activation), mean_activation, pixels and area.\n\n" + THRESHOLD_HELP + "\nMethod: "
        "'Connected objects' puts one point at the centroid of each object (or, for a ring or a C "
        "shape, on the object's pixel nearest to it: points always lie on their object); 'Local "
        "maxima' splits touching objects at the peaks of the activation that are at least "
        "'Minimum distance' pixels apart (each part gets its pixels by a watershed)."
    )
    METHOD = "METHOD"
    MIN_DISTANCE = "MIN_DISTANCE"
    OUTPUT = "OUTPUT"
    COUNT = "COUNT"
    METHOD_KEYS = POINT_METHODS

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
                type=QgsProcessingParameterNumber.Integer, defaultValue=5, minValue=1, maxValue=1000,
            )
        )
        self.addParameter(
            QgsProcessingParameterFeatureSink(self.OUTPUT, self.tr("Points"), QgsProcessing.TypeVectorPoint)
        )
        self.addOutput(QgsProcessingOutputNumber(self.COUNT, self.tr("Number of points")))

    def processAlgorithm(self, parameters, context, feedback):  # noqa: N802 - QGIS API
        path, threshold, min_area = self.activation_inputs(parameters, context)
        info = self.run_worker("read_activation_info", feedback, path)
        writer = LazySink(
            self, parameters, context, make_fields(FIELDS), QgsWkbTypes.Point, info.crs_wkt, False
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
