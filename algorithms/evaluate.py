"""deepfeature:evaluate — Evaluate Classification against a label raster or a vector layer."""

from __future__ import annotations

from qgis.core import (
    QgsCoordinateTransform,
    QgsFeatureRequest,
    QgsProcessingException,
    QgsProcessingOutputNumber,
    QgsProcessingParameterField,
    QgsProcessingParameterFileDestination,
    QgsProcessingParameterMapLayer,
    QgsProcessingParameterNumber,
    QgsProcessingParameterRasterLayer,
    QgsProcessingParameterVectorLayer,
    QgsProject,
    QgsRasterLayer,
    QgsVectorLayer,
)

from ..core.activation_format import CLASS_NODATA
from ..core.postprocessing import DEFAULT_THRESHOLD
from ..core.postprocessing.object_scores import DEFAULT_TOLERANCE
from . import compat
from .base import DeepFeatureAlgorithm, PlainGeometries, field_value
from .i18n import translate_html_file


class EvaluateAlgorithm(DeepFeatureAlgorithm):
    """Evaluate Classification: per-class precision, recall, F1, IoU, confusion matrix, KLD, report."""

    NAME = "evaluate"
    GROUP = "evaluation"
    PREDICTION = "PREDICTION"
    REFERENCE = "REFERENCE"
    REFERENCE_VECTOR = "REFERENCE_VECTOR"
    CLASS_FIELD = "CLASS_FIELD"
    THRESHOLD = "THRESHOLD"
    RELAXED_TOLERANCE = "RELAXED_TOLERANCE"
    OUTPUT_JSON = "OUTPUT_JSON"
    OUTPUT_HTML = "OUTPUT_HTML"
    NUMBERS = ("IOU", "F1", "PRECISION", "RECALL", "ACCURACY", "KLD")
    #: Outputs from the result's ``objects`` and ``relaxed`` sections: name -> (section, key).
    SECTION_NUMBERS = {
        "OBJECT_PRECISION": ("objects", "precision"), "OBJECT_RECALL": ("objects", "recall"),
        "OBJECT_F1": ("objects", "f1"), "RELAXED_PRECISION": ("relaxed", "precision"),
        "RELAXED_RECALL": ("relaxed", "recall"), "RELAXED_F1": ("relaxed", "f1"),
    }

    def displayName(self):  # noqa: N802 - QGIS API
        return self.tr("Evaluate Classification")

    def shortHelpString(self):  # noqa: N802 - QGIS API
        return self.tr(
            "Compares a prediction — a class activation raster (thresholded at THRESHOLD, or the most "
            "probable class) or a classification raster — with a reference (REFERENCE): a label raster (its "
            "mask band; ignore pixels are excluded) or a polygon layer rasterized on the prediction grid "
            "(every polygon is class 1, unless CLASS_FIELD gives the class ids, {} = ignore, or the model's "
            "class names).\n\n"
            "Results: per-class precision, recall, F1 and IoU, the confusion matrix (pixels), the overall "
            "accuracy and the Kullback-Leibler divergence between the reference and the predicted class "
            "distributions, as a JSON file and an HTML report with a picture of the errors (false "
            "positives red, false negatives blue). The main figures (mean over the feature classes) are "
            "also outputs, for the graphical modeler.\n\n"
            "Object scores count features, not pixels: the connected areas of each class in the prediction "
            "and in the reference match one to one when they overlap by at least half of their union (IoU "
            ">= 0.5, the SpaceNet measure); object precision, recall and F1 are the shares of matched "
            "objects. Relaxed scores forgive outlines a few pixels off (Mnih's measure for the "
            "Massachusetts buildings): relaxed precision is the share of predicted pixels within "
            "RELAXED_TOLERANCE pixels of a reference pixel of their class, relaxed recall the other way "
            "round. Both are given over all feature classes together and per class.\n\n"
            "Advanced parameters: 'Reference polygons' (REFERENCE_VECTOR) is the older way to give the "
            "polygons, kept for existing scripts and models; it gives the same results. The class field list "
            "of this dialog shows the fields of that layer: to choose a class field here, give the polygons "
            "as 'Reference polygons' and leave the reference empty. Scripts, models and qgis_process can "
            "also give CLASS_FIELD with polygons as REFERENCE. Give one reference only."
        ).format(CLASS_NODATA)

    def initAlgorithm(self, config=None):  # noqa: N802 - QGIS API
        self.addParameter(
            QgsProcessingParameterRasterLayer(
                self.PREDICTION, self.tr("Prediction (activation or classification)"))
        )
        self.addParameter(
            QgsProcessingParameterMapLayer(
                self.REFERENCE, self.tr("Reference: label raster or polygon layer"), optional=True,
                types=[compat.SOURCE_RASTER, compat.SOURCE_VECTOR_POLYGON],
            )
        )
        # Advanced: the older polygon parameter and the class field. The class field's list follows
        # REFERENCE_VECTOR, not REFERENCE: QGIS's field widget dereferences a null vector layer when its
        # parent parameter holds a raster (QGIS 3.22 crashes as soon as a raster is chosen), so a field
        # parameter must not depend on a raster-or-vector parameter.
        advanced = [
            QgsProcessingParameterVectorLayer(
                self.REFERENCE_VECTOR,
                self.tr("Reference polygons (older parameter; their fields are listed as class fields)"),
                [compat.SOURCE_VECTOR_POLYGON], optional=True,
            ),
            QgsProcessingParameterField(
                self.CLASS_FIELD,
                self.tr("Class field of the reference polygons: class ids or names (empty: all class 1)"),
                parentLayerParameterName=self.REFERENCE_VECTOR, type=compat.FIELD_TYPE_ANY,
                optional=True,
            ),
        ]
        self.add_advanced_parameters(*advanced)
        self.addParameter(
            QgsProcessingParameterNumber(
                self.THRESHOLD, self.tr("Threshold (activation rasters)"),
                type=compat.NUMBER_DOUBLE, defaultValue=DEFAULT_THRESHOLD, minValue=0.0,
                maxValue=1.0,
            )
        )
        tolerance = QgsProcessingParameterNumber(
            self.RELAXED_TOLERANCE, self.tr("Boundary tolerance for relaxed scores (pixels)"),
            type=compat.NUMBER_INTEGER, defaultValue=DEFAULT_TOLERANCE, minValue=0, maxValue=50,
        )
        self.add_advanced_parameters(tolerance)
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
            "OBJECT_PRECISION": self.tr("Object precision (IoU ≥ 0.5)"),
            "OBJECT_RECALL": self.tr("Object recall (IoU ≥ 0.5)"),
            "OBJECT_F1": self.tr("Object F1 (IoU ≥ 0.5)"),
            "RELAXED_PRECISION": self.tr("Relaxed precision (boundary tolerance)"),
            "RELAXED_RECALL": self.tr("Relaxed recall (boundary tolerance)"),
            "RELAXED_F1": self.tr("Relaxed F1 (boundary tolerance)"),
        }
        for name in self.NUMBERS + tuple(self.SECTION_NUMBERS):
            self.addOutput(QgsProcessingOutputNumber(name, labels[name]))

    def reference_layers(self, parameters, context):
        """``(label raster or None, polygon layer or None)`` from REFERENCE (either kind of layer) and the
        older REFERENCE_VECTOR; ``QgsProcessingException`` unless exactly one reference is given."""
        raster = vector = None
        reference = self.parameterAsLayer(parameters, self.REFERENCE, context)
        if isinstance(reference, QgsRasterLayer):
            raster = reference
        elif isinstance(reference, QgsVectorLayer):
            if reference.geometryType() != compat.GEOMETRY_POLYGON:
                raise QgsProcessingException(
                    self.tr("The reference layer '{}' has no polygons. Give the reference features as a "
                            "polygon layer, or a label raster.").format(reference.name())
                )
            vector = reference
        elif reference is not None:
            raise QgsProcessingException(
                self.tr("The reference '{}' is neither a raster nor a vector layer. Give a label raster or a "
                        "polygon layer as the reference.").format(reference.name())
            )
        elif parameters.get(self.REFERENCE) not in (None, ""):
            raise QgsProcessingException(
                self.tr("The reference '{}' cannot be opened as a raster or a vector layer. Give a label "
                        "raster or a polygon layer (a file path, or a layer of the project).").format(
                    parameters.get(self.REFERENCE))
            )
        older = self.parameterAsVectorLayer(parameters, self.REFERENCE_VECTOR, context)
        if (reference is not None) == (older is not None):
            raise QgsProcessingException(
                self.tr("Give exactly one reference: a label raster or a polygon layer as REFERENCE (or, the "
                        "older way, polygons as REFERENCE_VECTOR, leaving REFERENCE empty).")
            )
        return raster, (vector if vector is not None else older)

    def checkParameterValues(self, parameters, context):  # noqa: N802 - QGIS API
        ok, message = super().checkParameterValues(parameters, context)
        if not ok:
            return ok, message
        try:
            self.reference_layers(parameters, context)
        except QgsProcessingException as exc:
            return False, str(exc)
        return True, ""

    def processAlgorithm(self, parameters, context, feedback):  # noqa: N802 - QGIS API
        prediction = self.parameterAsRasterLayer(parameters, self.PREDICTION, context)
        pred_path = self.layer_path(prediction)
        if not pred_path:
            raise QgsProcessingException(self.tr("The prediction raster must be a file on disk."))
        kwargs = {}
        reference, layer = self.reference_layers(parameters, context)
        if reference is not None:
            kwargs["reference_path"] = self.layer_path(reference)
            if not kwargs["reference_path"]:
                raise QgsProcessingException(self.tr("The reference label raster must be a file on disk."))
        else:
            field = self.parameterAsString(parameters, self.CLASS_FIELD, context)
            if field and layer.fields().lookupField(field) < 0:
                raise QgsProcessingException(
                    self.tr("The reference layer '{}' has no field '{}'. Choose one of its fields as the "
                            "class field ({}), or leave it empty (every polygon is class 1).").format(
                        layer.name(), field, ", ".join(layer.fields().names()))
                )
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
                if not isinstance(value, (int, float, str)):  # what travels to the worker
                    raise QgsProcessingException(
                        self.tr("The reference class value {!r} of feature {} is neither a class id nor a "
                                "class name.").format(value, feature.id())
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
        result = self.run_worker(
            "evaluate", feedback, pred_path,
            threshold=self.parameterAsDouble(parameters, self.THRESHOLD, context),
            relaxed_tolerance=self.parameterAsInt(parameters, self.RELAXED_TOLERANCE, context),
            output_json=json_path, output_html=html_path, **kwargs,
        )
        translate_html_file(html_path)  # the engine writes the report in English
        outputs = {self.OUTPUT_JSON: json_path or None, self.OUTPUT_HTML: html_path or None}
        for name in self.NUMBERS:
            value = result[name.lower()]
            outputs[name] = float(value) if value is not None else float("nan")
        for name, (section, key) in self.SECTION_NUMBERS.items():
            value = result[section][key]
            outputs[name] = float(value) if value is not None else float("nan")
        return outputs


ALGORITHM = EvaluateAlgorithm
