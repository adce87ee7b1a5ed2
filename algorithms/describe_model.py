"""deepfeature:describemodel — what a model file holds: architecture, classes, normalization, training."""

from __future__ import annotations

from qgis.core import (
    QgsProcessingOutputBoolean,
    QgsProcessingOutputNumber,
    QgsProcessingOutputString,
    QgsProcessingParameterFile,
    QgsProcessingParameterFileDestination,
)

from . import compat
from .base import DeepFeatureAlgorithm
from .i18n import translate_html_file


class DescribeModelAlgorithm(DeepFeatureAlgorithm):
    """Describe Model: a ``.keras`` model file -> its metadata as a summary, outputs and an HTML page."""

    NAME = "describemodel"
    GROUP = "model"
    #: Only the metadata is read (a JSON member of the model file) here, in QGIS: no Keras, TensorFlow or
    #: rasterio, so no worker and no deep-learning environment.
    NEEDS_WORKER = False

    MODEL = "MODEL"
    OUTPUT_HTML = "OUTPUT_HTML"
    ARCHITECTURE = "ARCHITECTURE"
    BANDS = "BANDS"
    CLASSES = "CLASSES"
    PATCH_SIZE = "PATCH_SIZE"
    FIELD_OF_VIEW = "FIELD_OF_VIEW"
    TRAINED = "TRAINED"
    BEST_EPOCH = "BEST_EPOCH"
    VALIDATION_IOU = "VALIDATION_IOU"
    METADATA = "METADATA"

    def displayName(self):  # noqa: N802 - QGIS API
        return self.tr("Describe Model")

    def shortHelpString(self):  # noqa: N802 - QGIS API
        return self.tr(
            "Describes a model file (.keras) made with 'Initialize Model' or 'Train Model', without loading "
            "the model (Keras and TensorFlow are not needed).\n\n"
            "The log lists the architecture and its arguments (base filters, levels, dropout), the number of "
            "parameters, the input bands, the class ids and names, the patch size, the contextual field of "
            "view and whether the model is trained. For a trained model it also lists the normalization "
            "statistics per band, the main training settings (epochs, patches per epoch and per batch, loss, "
            "learning rate, seed), the best epoch (the saved weights) with its validation IoU per class, the "
            "number of epochs run and the training stages of a refined model.\n\n"
            "Outputs, usable in the graphical modeler: ARCHITECTURE (unet5 or resunet), BANDS, CLASSES "
            "(e.g. '1: building, 2: road'), PATCH_SIZE, FIELD_OF_VIEW (pixels), TRAINED, BEST_EPOCH (0 when "
            "untrained), VALIDATION_IOU (mean validation IoU of the best epoch; NaN when untrained or not "
            "measurable) and METADATA (the full metadata as JSON).\n\n"
            "Optional output: an HTML page with the same summary as tables and, for a trained model, the "
            "metrics of every epoch."
        )

    def initAlgorithm(self, config=None):  # noqa: N802 - QGIS API
        self.addParameter(
            QgsProcessingParameterFile(
                self.MODEL, self.tr("Model file"), behavior=compat.FILE_BEHAVIOR_FILE,
                fileFilter=self.tr("Keras model (*.keras)"),
            )
        )
        self.addParameter(
            QgsProcessingParameterFileDestination(
                self.OUTPUT_HTML, self.tr("Description (HTML)"), self.tr("HTML files (*.html)"),
                optional=True, createByDefault=False,
            )
        )
        self.addOutput(QgsProcessingOutputString(self.ARCHITECTURE, self.tr("Architecture")))
        self.addOutput(QgsProcessingOutputNumber(self.BANDS, self.tr("Number of input bands")))
        self.addOutput(QgsProcessingOutputString(self.CLASSES, self.tr("Classes (id: name)")))
        self.addOutput(QgsProcessingOutputNumber(self.PATCH_SIZE, self.tr("Patch size (pixels)")))
        self.addOutput(QgsProcessingOutputNumber(self.FIELD_OF_VIEW, self.tr("Field of view (pixels)")))
        self.addOutput(QgsProcessingOutputBoolean(self.TRAINED, self.tr("Trained")))
        self.addOutput(QgsProcessingOutputNumber(self.BEST_EPOCH, self.tr("Best epoch (0: untrained)")))
        self.addOutput(
            QgsProcessingOutputNumber(self.VALIDATION_IOU, self.tr("Mean validation IoU of the best epoch"))
        )
        self.addOutput(QgsProcessingOutputString(self.METADATA, self.tr("Metadata (JSON)")))

    def processAlgorithm(self, parameters, context, feedback):  # noqa: N802 - QGIS API
        from ..core.nn import describe_model

        model = self.parameterAsFile(parameters, self.MODEL, context)
        html_path = self.parameterAsFileOutput(parameters, self.OUTPUT_HTML, context)
        summary = self.run_core(describe_model, feedback, model, output_html=html_path or None)
        translate_html_file(html_path)  # the engine writes the page in English
        spec, metadata = summary.spec, summary.metadata
        iou = summary.validation_iou
        return {
            self.OUTPUT_HTML: html_path or None,
            self.ARCHITECTURE: spec.architecture,
            self.BANDS: spec.bands,
            self.CLASSES: summary.classes_text,
            self.PATCH_SIZE: spec.patch_size,
            self.FIELD_OF_VIEW: metadata.field_of_view,
            self.TRAINED: summary.trained,
            self.BEST_EPOCH: summary.best_epoch,
            self.VALIDATION_IOU: float(iou) if iou is not None else float("nan"),
            self.METADATA: metadata.to_json(),
        }


ALGORITHM = DescribeModelAlgorithm
