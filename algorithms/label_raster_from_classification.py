"""Processing algorithm: Build Label Raster from Classification (thin wrapper over core.labels)."""

from __future__ import annotations

from qgis.core import (
    QgsProcessingException,
    QgsProcessingParameterNumber,
    QgsProcessingParameterRasterDestination,
    QgsProcessingParameterRasterLayer,
    QgsProcessingParameterString,
)

from ..core.class_table import DEFAULT_IGNORE
from ..core.errors import DeepFeatureError
from ..core.files import same_file
from . import compat
from .base import DeepFeatureAlgorithm
from .common import finish_label_raster
from .i18n import translate_message


class LabelRasterFromClassification(DeepFeatureAlgorithm):
    """Turn a classification raster (any grid, any CRS) into a label raster on the image grid."""

    NAME = "labelrasterfromclassification"
    GROUP = "labels"

    INPUT = "INPUT"
    CLASSIFICATION = "CLASSIFICATION"
    CLASS_MAP = "CLASS_MAP"
    CLASS_NAMES = "CLASS_NAMES"
    IGNORE_VALUE = "IGNORE_VALUE"
    OUTPUT = "OUTPUT"

    def displayName(self):  # noqa: N802 - QGIS API
        return self.tr("Build Label Raster from Classification")

    def shortHelpString(self):  # noqa: N802 - QGIS API
        return self.tr(
            "Builds a label raster for training from an existing classification raster: the input image's "
            "bands plus a final mask band (0 background, 1..K classes, the ignore value for unknown pixels), "
            "on exactly the image grid.\n\n"
            "The classification may have any grid and CRS: it is resampled (nearest neighbour) onto the "
            "image grid. Its first band is used.\n\n"
            "Class map: which classification values become which class ids, as 'values=class' entries "
            "separated by ';' — for example '1,2=1;5=2' makes values 1 and 2 class 1 and value 5 class 2. "
            "A class id equal to the ignore value marks unknown pixels. Values not listed are background. "
            "Empty: every non-zero value is class 1, except the ignore value, which stays ignore.\n\n"
            "Class names (optional): one name per class id, in id order, separated by commas.\n\n"
            "Classification NoData, pixels outside the classification and image NoData pixels get the "
            "ignore value."
        )

    def initAlgorithm(self, config=None):  # noqa: N802 - QGIS API
        self.addParameter(QgsProcessingParameterRasterLayer(self.INPUT, self.tr("Input image")))
        self.addParameter(
            QgsProcessingParameterRasterLayer(self.CLASSIFICATION, self.tr("Classification raster"))
        )
        self.addParameter(
            QgsProcessingParameterString(
                self.CLASS_MAP, self.tr("Class map (e.g. 1,2=1;5=2; empty: non-zero = class 1)"),
                optional=True,
            )
        )
        self.addParameter(
            QgsProcessingParameterString(
                self.CLASS_NAMES, self.tr("Class names (comma separated, in class id order)"), optional=True
            )
        )
        self.addParameter(
            QgsProcessingParameterNumber(
                self.IGNORE_VALUE, self.tr("Ignore value (unknown pixels)"),
                compat.NUMBER_INTEGER, DEFAULT_IGNORE, False, 1, 255,
            )
        )
        self.addParameter(QgsProcessingParameterRasterDestination(self.OUTPUT, self.tr("Label raster")))

    def _check(self, parameters, context):
        """'' or a message for the user (cheap checks, no raster is read)."""
        from ..core.labels import class_names_for, parse_class_map

        paths = {}
        # Whole sentences per input (not "The {} ..." with a noun put in): they translate with grammar.
        inputs = (
            (self.INPUT, self.tr("The input image must be a raster file on disk."),
             self.tr("The input image '{}' has no coordinate reference system. Assign its CRS (Raster > "
                     "Projections > Assign Projection) and try again.")),
            (self.CLASSIFICATION, self.tr("The classification must be a raster file on disk."),
             self.tr("The classification '{}' has no coordinate reference system. Assign its CRS (Raster > "
                     "Projections > Assign Projection) and try again.")),
        )
        for name, not_a_file, no_crs in inputs:
            layer = self.parameterAsRasterLayer(parameters, name, context)
            path = self.layer_path(layer)
            if not path:
                return not_a_file
            if not layer.crs().isValid():
                return no_crs.format(path)
            paths[name] = path
        output = self.parameterAsOutputLayer(parameters, self.OUTPUT, context)
        for path in paths.values():
            if output and same_file(output, path):
                return self.tr(
                    "The output '{}' is also an input. Choose another file name: inputs are never "
                    "overwritten."
                ).format(output)
        ignore_value = self.parameterAsInt(parameters, self.IGNORE_VALUE, context)
        try:
            text = self.parameterAsString(parameters, self.CLASS_MAP, context)
            mapping = parse_class_map(text, ignore_value)
            targets = {1} if mapping is None else set(mapping.values())
            ids = sorted(targets - {0, ignore_value})
            if ids:
                class_names_for(ids, self.parameterAsString(parameters, self.CLASS_NAMES, context))
        except DeepFeatureError as exc:
            return translate_message(str(exc))
        return ""

    def checkParameterValues(self, parameters, context):  # noqa: N802 - QGIS API
        ok, message = super().checkParameterValues(parameters, context)
        if not ok:
            return ok, message
        message = self._check(parameters, context)
        return (False, message) if message else (True, "")

    def processAlgorithm(self, parameters, context, feedback):  # noqa: N802 - QGIS API
        message = self._check(parameters, context)
        if message:
            raise QgsProcessingException(message)
        image_path = self.layer_path(self.parameterAsRasterLayer(parameters, self.INPUT, context))
        classification = self.parameterAsRasterLayer(parameters, self.CLASSIFICATION, context)
        classification_path = self.layer_path(classification)
        ignore_value = self.parameterAsInt(parameters, self.IGNORE_VALUE, context)
        output = self.parameterAsOutputLayer(parameters, self.OUTPUT, context)
        result = self.run_worker(
            "build_label_raster_from_classification", feedback, image_path, classification_path, output,
            class_map=self.parameterAsString(parameters, self.CLASS_MAP, context) or None,
            class_names=self.parameterAsString(parameters, self.CLASS_NAMES, context) or None,
            ignore_value=ignore_value,
        )
        return finish_label_raster(self, context, feedback, output, result, ignore_value)


ALGORITHM = LabelRasterFromClassification
