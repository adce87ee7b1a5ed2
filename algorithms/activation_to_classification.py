"""deepfeature:activationtoclassification — threshold / arg-max an activation raster into class ids."""

from __future__ import annotations

from qgis.core import QgsProcessingParameterRasterDestination

from ..core.activation_format import CLASS_NODATA
from ..core.class_table import ClassTable
from .base import DeepFeatureAlgorithm
from .common import ActivationInputMixin
from .styling import LayerStyler, paletted_renderer


class ActivationToClassificationAlgorithm(ActivationInputMixin, DeepFeatureAlgorithm):
    """Activation to Classification: class ids from activations (threshold, arg-max, minimum area)."""

    NAME = "activationtoclassification"
    GROUP = "postprocessing"
    OUTPUT = "OUTPUT"

    def displayName(self):  # noqa: N802 - QGIS API
        return self.tr("Activation to Classification")

    def shortHelpString(self):  # noqa: N802 - QGIS API
        return self.tr(
            "Turns a class activation raster (from 'Classify Raster with Model') into a classification "
            "raster of class ids (0 background, {} NoData), paletted with the class names.\n\n{}"
        ).format(CLASS_NODATA, self.threshold_help())

    def initAlgorithm(self, config=None):  # noqa: N802 - QGIS API
        self.add_activation_parameters()
        self.addParameter(QgsProcessingParameterRasterDestination(self.OUTPUT, self.tr("Classification")))

    def processAlgorithm(self, parameters, context, feedback):  # noqa: N802 - QGIS API
        path, threshold, min_area = self.activation_inputs(parameters, context)
        output = self.parameterAsOutputLayer(parameters, self.OUTPUT, context)
        result = self.run_worker(
            "activation_to_classification", feedback, path, output, threshold=threshold, min_area=min_area
        )
        classes = ClassTable.from_mapping(result["classes"]).as_dict()  # ids come back as text
        if feedback is not None:
            pixels = {int(c): n for c, n in result["class_pixels"].items()}
            feedback.pushInfo(self.tr("Pixels per class: {}").format(pixels))
        LayerStyler.attach(context, output, lambda lyr: lyr.setRenderer(paletted_renderer(lyr, 1, classes)),
                           self.tr("Classification"))
        return {self.OUTPUT: output, self.USED_THRESHOLD: result["threshold"]}


ALGORITHM = ActivationToClassificationAlgorithm
