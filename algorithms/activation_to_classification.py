"""deepfeature:activationtoclassification — threshold / arg-max an activation raster into class ids."""

from __future__ import annotations

from qgis.core import (
    QgsProcessingException,
    QgsProcessingOutputNumber,
    QgsProcessingParameterEnum,
    QgsProcessingParameterNumber,
    QgsProcessingParameterRasterDestination,
    QgsProcessingParameterRasterLayer,
)

from ..core import deps
from .base import DeepFeatureAlgorithm
from .styling import LayerStyler, paletted_renderer

THRESHOLD_HELP = (
    "Threshold: a pixel belongs to a class when its activation is at least this value (0–1); "
    "with several classes the most probable class wins if its activation reaches the threshold (the "
    "minimum probability), else the pixel is background.\nThreshold method 'Automatic (Otsu)' "
    "computes the threshold from the activation histogram instead. "
    "Minimum area (square units of the raster CRS, e.g. m²): smaller objects are removed."
)


class ActivationInputMixin:
    """Parameters and readers shared by the activation post-processing algorithms."""

    INPUT = "INPUT"
    THRESHOLD = "THRESHOLD"
    THRESHOLD_METHOD = "THRESHOLD_METHOD"
    MIN_AREA = "MIN_AREA"
    USED_THRESHOLD = "USED_THRESHOLD"

    def add_activation_parameters(self):
        self.addParameter(
            QgsProcessingParameterRasterLayer(self.INPUT, self.tr("Class activation raster"))
        )
        self.addParameter(
            QgsProcessingParameterEnum(
                self.THRESHOLD_METHOD, self.tr("Threshold method"),
                options=[self.tr("Fixed value (THRESHOLD)"), self.tr("Automatic (Otsu)")], defaultValue=0,
            )
        )
        self.addParameter(
            QgsProcessingParameterNumber(
                self.THRESHOLD, self.tr("Threshold (minimum activation)"),
                type=QgsProcessingParameterNumber.Double, defaultValue=0.5, minValue=0.0, maxValue=1.0,
            )
        )
        self.addParameter(
            QgsProcessingParameterNumber(
                self.MIN_AREA, self.tr("Minimum object area (square CRS units; 0 = keep all)"),
                type=QgsProcessingParameterNumber.Double, defaultValue=0.0, minValue=0.0,
            )
        )
        self.addOutput(QgsProcessingOutputNumber(self.USED_THRESHOLD, self.tr("Threshold used")))

    def activation_inputs(self, parameters, context):
        """(path, threshold or None for Otsu, min_area)."""
        layer = self.parameterAsRasterLayer(parameters, self.INPUT, context)
        path = self.layer_path(layer)
        if not path:
            raise QgsProcessingException(self.tr("The activation raster must be a file on disk."))
        otsu = self.parameterAsEnum(parameters, self.THRESHOLD_METHOD, context) == 1
        threshold = None if otsu else self.parameterAsDouble(parameters, self.THRESHOLD, context)
        return path, threshold, self.parameterAsDouble(parameters, self.MIN_AREA, context)


class ActivationToClassificationAlgorithm(ActivationInputMixin, DeepFeatureAlgorithm):
    """Activation to Classification: class ids from activations (threshold, arg-max, minimum area)."""

    NAME = "activationtoclassification"
    DISPLAY_NAME = "Activation to Classification"
    GROUP = "postprocessing"
    REQUIRES = deps.IMAGE
    HELP = (
        "Turns a class activation raster (from 'Classify Raster with Model') into a classification "
        "raster of class ids (0 background, 255 NoData), paletted with the class names.\n\n" + THRESHOLD_HELP
    )
    OUTPUT = "OUTPUT"

    def initAlgorithm(self, config=None):  # noqa: N802 - QGIS API
        self.add_activation_parameters()
        self.addParameter(QgsProcessingParameterRasterDestination(self.OUTPUT, self.tr("Classification")))

    def processAlgorithm(self, parameters, context, feedback):  # noqa: N802 - QGIS API
        from ..core.postprocessing import activation_to_classification

        path, threshold, min_area = self.activation_inputs(parameters, context)
        output = self.parameterAsOutputLayer(parameters, self.OUTPUT, context)
        result = self.run_core(
            activation_to_classification, feedback, path, output, threshold=threshold, min_area=min_area
        )
        classes = dict(result["classes"])
        if feedback is not None:
            feedback.pushInfo(self.tr("Pixels per class: {}").format(result["class_pixels"]))
        LayerStyler.attach(context, output, lambda lyr: lyr.setRenderer(paletted_renderer(lyr, 1, classes)),
                           self.tr("Classification"))
        return {self.OUTPUT: output, self.USED_THRESHOLD: result["threshold"]}


ALGORITHM = ActivationToClassificationAlgorithm
