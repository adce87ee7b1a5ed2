"""deepfeature:evaluate — Evaluate Classification against a label raster or a vector layer."""

from __future__ import annotations

from qgis.core import (
    QgsCoordinateTransform,
    QgsFeatureRequest,
    QgsProcessing,
    QgsProcessingException,
    QgsProcessingOutputNumber,
    QgsProcessingParameterField,
    QgsProcessingParameterFileDestination,
    QgsProcessingParameterNumber,
    QgsProcessingParameterRasterLayer,
    QgsProcessingParameterVectorLayer,
    QgsProject,
)

from ..core import deps
from .base import DeepFeatureAlgorithm, PlainGeometries, field_value


class EvaluateAlgorithm(DeepFeatureAlgorithm):
    """Evaluate Classification: per-class precision, recall, F1, IoU, confusion matrix, KLD, report."""

    NAME = "evaluate"
    DISPLAY_NAME = "Evaluate Classification"
    GROUP = "evaluation"
    REQUIRES = deps.RASTER
    HELP = (
        "Compares a prediction — a class activation raster (thresholded at THRESHOLD, or the most "
        "probable class) or a classification raster — with a reference: a label raster (its mask band; "
        "ignore pixels are excluded) or a polygon layer rasterized on the prediction grid (CLASS_FIELD "
        "holds the class ids, 255 = ignore, or the model's class names; without a field every polygon is "
        "class 1).\n\n"
        "Results: per-class precision, recall, F1 and IoU, the confusion matrix (pixels), the overall "
        "accuracy and the Kullback-Leibler divergence between the reference and the predicted class "
        "distributions, as a JSON file and an HTML report with a picture of the errors (false "
        "positives red, false negatives blue). The main figures (mean over the feature classes) are "
        "also outputs, for the graphical modeler."
    )
    PREDICTION = "PREDICTION"
    REFERENCE = "REFERENCE"
    REFERENCE_VECTOR = "REFERENCE_VECTOR"
    CLASS_FIELD = "CLASS_FIELD"
    THRESHOLD = "THRESHOLD"
    OUTPUT_JSON = "OUTPUT_JSON"
    OUTPUT_HTML = "OUTPUT_HTML"
    NUMBERS = ("IOU", "F1", "PRECISION", "RECALL", "ACCURACY", "KLD")

    def initAlgorithm(self, config=None):  # noqa: N802 - QGIS API
        self.addParameter(
            QgsProcessingParameterRasterLayer(
                self.PREDICTION, self.tr("Prediction (activation or classification)"))
        )
        self.addParameter(
            QgsProcessingParameterRasterLayer(
                self.REFERENCE, self.tr("Reference label raster"), optional=True)
        )
        self.addParameter(
            QgsProcessingParameterVectorLayer(
                self.REFERENCE_VECTOR, self.tr("or reference polygons"), [QgsProcessing.TypeVectorPolygon],
                optional=True,
            )
        )
        self.addParameter(
            QgsProcessingParameterField(
                self.CLASS_FIELD,
                self.tr("Class field of the polygons: class ids or names (empty: all class 1)"),
                parentLayerParameterName=self.REFERENCE_VECTOR, type=QgsProcessingParameterField.Any,
                optional=True,
            )
        )
        self.addParameter(
            QgsProcessingParameterNumber(
                self.THRESHOLD, self.tr("Threshold (activation rasters)"),
                type=QgsProcessingParameterNumber.Double, defaultValue=0.5, minValue=0.0, maxValue=1.0,
            )
        )
        self.addParameter(
            QgsProcessingParameterFileDestination(
                self.OUTPUT_JSON, self.tr("Metrics (JSON)"), self.tr("JSON files (*.json)"), optional=True,
                createByDefault=True,
            )
        )
        self.addParameter(
            QgsProcessingParameterFileDestination(
                self.OUTPUT_HTML, self.tr("Report (HTML)"), self.tr("HTML files (*.html)"), optional=True,
                createByDefault=True,
            )
        )
        labels = {
            "IOU": self.tr("Mean IoU"), "F1": self.tr("Mean F1"), "PRECISION": self.tr("Mean precision"),
            "RECALL": self.tr("Mean recall"), "ACCURACY": self.tr("Overall accuracy"),
            "KLD": self.tr("KL divergence of the class distributions"),
        }
        for name in self.NUMBERS:
            self.addOutput(QgsProcessingOutputNumber(name, labels[name]))

    def checkParameterValues(self, parameters, context):  # noqa: N802 - QGIS API
        ok, message = super().checkParameterValues(parameters, context)
        if not ok:
            return ok, message
        has_raster = self.parameterAsRasterLayer(parameters, self.REFERENCE, context) is not None
        has_vector = self.parameterAsVectorLayer(parameters, self.REFERENCE_VECTOR, context) is not None
        if has_raster == has_vector:
            return False, self.tr("Give exactly one reference: a label raster (REFERENCE) or polygons "
                                  "(REFERENCE_VECTOR).")
        return True, ""

    def processAlgorithm(self, parameters, context, feedback):  # noqa: N802 - QGIS API
        from ..core.evaluate import evaluate

        prediction = self.parameterAsRasterLayer(parameters, self.PREDICTION, context)
        pred_path = self.layer_path(prediction)
        if not pred_path:
            raise QgsProcessingException(self.tr("The prediction raster must be a file on disk."))
        kwargs = {}
        reference = self.parameterAsRasterLayer(parameters, self.REFERENCE, context)
        if reference is not None:
            kwargs["reference_path"] = self.layer_path(reference)
            if not kwargs["reference_path"]:
                raise QgsProcessingException(self.tr("The reference label raster must be a file on disk."))
        else:
            layer = self.parameterAsVectorLayer(parameters, self.REFERENCE_VECTOR, context)
            if layer is None:
                raise QgsProcessingException(self.tr("Give a reference label raster or reference polygons."))
            field = self.parameterAsString(parameters, self.CLASS_FIELD, context)
            transform = QgsCoordinateTransform(layer.crs(), prediction.crs(), context.transformContext()
                                               if context else QgsProject.instance().transformContext())
            shapes = []
            plain = PlainGeometries(layer.getFeatures(QgsFeatureRequest()), transform)
            for feature, geometry in plain:
                if feedback is not None and feedback.isCanceled():
                    break
                value = field_value(feature[field]) if field else 1
                if value is None:
                    raise QgsProcessingException(
                        self.tr("Feature {} of the reference layer '{}' has no value in the class field "
                                "'{}'. Fill it in, or filter the layer.").format(
                            feature.id(), layer.name(), field)
                    )
                shapes.append((bytes(geometry.asWkb()), value))
            if plain.failed:
                feedback.pushWarning(
                    self.tr("{} reference features could not be reprojected to the prediction's CRS and were "
                            "left out.").format(plain.failed)
                )
            kwargs["reference_shapes"] = shapes
            kwargs["reference_classes"] = {}
        json_path = self.parameterAsFileOutput(parameters, self.OUTPUT_JSON, context)
        html_path = self.parameterAsFileOutput(parameters, self.OUTPUT_HTML, context)
        result = self.run_core(
            evaluate, feedback, pred_path,
            threshold=self.parameterAsDouble(parameters, self.THRESHOLD, context),
            output_json=json_path, output_html=html_path, **kwargs,
        )
        outputs = {self.OUTPUT_JSON: json_path or None, self.OUTPUT_HTML: html_path or None}
        for name in self.NUMBERS:
            value = result[name.lower()]
            outputs[name] = float(value) if value is not None else float("nan")
        return outputs


ALGORITHM = EvaluateAlgorithm
