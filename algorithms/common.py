"""Pieces shared by the algorithms: the activation post-processing parameters, the lazy feature sink of
the vector outputs, and the finish of the label raster algorithms. Algorithms share code through this
module, never by importing one another."""

from __future__ import annotations

import re

from qgis.core import (
    QgsCoordinateReferenceSystem,
    QgsFeature,
    QgsFeatureSink,
    QgsFields,
    QgsGeometry,
    QgsProcessingException,
    QgsProcessingOutputNumber,
    QgsProcessingParameterEnum,
    QgsProcessingParameterNumber,
    QgsProcessingParameterRasterLayer,
)
from qgis.PyQt.QtCore import QCoreApplication

from ..core.postprocessing import DEFAULT_THRESHOLD
from . import compat
from .i18n import translate_message
from .styling import style_label_raster


class ActivationInputMixin:
    """Parameters and readers shared by the activation post-processing algorithms (their strings are
    translated in the context ``ActivationInputMixin``, which ``DeepFeatureAlgorithm.tr()`` tries)."""

    INPUT = "INPUT"
    THRESHOLD = "THRESHOLD"
    THRESHOLD_METHOD = "THRESHOLD_METHOD"
    MIN_AREA = "MIN_AREA"
    USED_THRESHOLD = "USED_THRESHOLD"

    def threshold_help(self) -> str:
        """The help paragraph on the threshold parameters."""
        return self.tr(
            "Threshold: a pixel belongs to a class when its activation is at least this value (0–1); "
            "with several classes the most probable class wins if its activation reaches the threshold (the "
            "minimum probability), else the pixel is background.\nThreshold method 'Automatic (Otsu)' "
            "computes the threshold from the activation histogram instead. "
            "Minimum area (square units of the raster CRS, e.g. m²): smaller objects are removed. Left "
            "empty, it comes from the model: half the size that 5 % of its training objects are below "
            "(recorded by Train Model, passed on by Classify), which drops specks and noise far smaller "
            "than anything the model was shown while keeping small real objects; 0 keeps every object."
        )

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
                type=compat.NUMBER_DOUBLE, defaultValue=DEFAULT_THRESHOLD, minValue=0.0,
                maxValue=1.0,
            )
        )
        self.addParameter(
            QgsProcessingParameterNumber(
                self.MIN_AREA,
                self.tr("Minimum object area (square CRS units; empty: from the model's training objects, "
                        "0: keep all)"),
                type=compat.NUMBER_DOUBLE, defaultValue=None, minValue=0.0, optional=True,
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
        given = parameters.get(self.MIN_AREA)
        min_area = None if given is None or given == "" else self.parameterAsDouble(parameters, self.MIN_AREA,
                                                                                    context)
        return path, threshold, min_area


def make_fields(spec) -> QgsFields:
    """QgsFields from (name, QMetaType.Type) pairs."""
    fields = QgsFields()
    for name, kind in spec:
        fields.append(compat.field(name, kind))
    return fields


class LazySink:
    """A core sink callback ``(wkb, attributes)`` that creates the QgsFeatureSink on the first feature.

    It stays in the QGIS process: ``run_worker(..., sink=LazySink(...))`` calls it for every feature the
    worker sends (see ``core.worker``). The core validates the whole raster before it emits a feature,
    so bad input leaves no output behind. :meth:`finish` creates an empty layer when there was no
    feature and returns its id.
    """

    def __init__(self, alg, parameters, context, fields: QgsFields, wkb_type, crs_wkt: str, multi: bool):
        self.alg, self.parameters, self.context, self.fields = alg, parameters, context, fields
        self.wkb_type, self.multi = wkb_type, multi
        self.crs = QgsCoordinateReferenceSystem.fromWkt(crs_wkt) if crs_wkt else \
            QgsCoordinateReferenceSystem()
        self.sink = self.dest = None
        self.count = 0
        self._check_destination()

    def _check_destination(self):
        """Refuse a file destination in a missing or read-only folder before any work starts (the
        sink itself is only created once the core has validated the raster)."""
        from ..core.errors import OutputError
        from ..core.files import check_output_path

        # parameterAsOutputLayer() also registers its destination to load on completion; only the sink's
        # own id must be loaded (for a temporary output 'memory:Polygons' is not the layer's id).
        loads = self.context.layersToLoadOnCompletion()
        dest = self.alg.parameterAsOutputLayer(self.parameters, "OUTPUT", self.context) or ""
        self.context.setLayersToLoadOnCompletion(loads)
        if "://" in dest or re.match(r"^\w{2,}:", dest):
            return  # a memory layer ('memory:') or a database / provider URI ('ogr:', 'postgres://')
        try:
            # the noun goes into the engine's sentence: translated (French: with its article, "la couche ...")
            what = QCoreApplication.translate("LazySink", "output layer")
            check_output_path(dest.split("|", 1)[0], what=what)
        except OutputError as exc:
            raise QgsProcessingException(translate_message(str(exc))) from exc

    def _open(self):
        self.sink, self.dest = self.alg.parameterAsSink(
            self.parameters, "OUTPUT", self.context, self.fields, self.wkb_type, self.crs
        )
        if self.sink is None:
            raise QgsProcessingException(self.alg.invalidSinkError(self.parameters, "OUTPUT"))

    def __call__(self, wkb: bytes, attrs: dict) -> None:
        if self.sink is None:
            self._open()
        geometry = QgsGeometry()
        geometry.fromWkb(wkb)
        if self.multi:
            geometry.convertToMultiType()
        feature = QgsFeature(self.fields)
        feature.setGeometry(geometry)
        for name in self.fields.names():
            feature[name] = attrs.get(name)
        if not self.sink.addFeature(feature, QgsFeatureSink.Flag.FastInsert):
            raise QgsProcessingException(
                QCoreApplication.translate("LazySink", "Cannot write a feature: {}").format(
                    self.sink.lastError())
            )
        self.count += 1

    def finish(self) -> str:
        """The output layer id (created empty if nothing was written). The sink is closed, so a file
        output is complete (and can take its style) when this returns."""
        if self.sink is None:
            self._open()
        if not self.sink.flushBuffer():
            raise QgsProcessingException(
                QCoreApplication.translate("LazySink", "Cannot write the output layer: {}").format(
                    self.sink.lastError())
            )
        self.sink = None  # deletes the writer, which closes the file
        return self.dest


def finish_label_raster(alg, context, feedback, output: str, result, ignore_value: int) -> dict:
    """Log the classes of a new label raster, style it on loading, and return the outputs."""
    if result is None:
        return {}
    classes = ", ".join("{} = {}".format(k, v) for k, v in result.classes.items())
    feedback.pushInfo(QCoreApplication.translate("DeepFeatureAlgorithm", "Classes: {}").format(classes))
    style_label_raster(
        context, output, result.classes, ignore_value, result.image_bands + 1,
        QCoreApplication.translate("DeepFeatureAlgorithm", "Label raster"),
    )
    return {alg.OUTPUT: output}

