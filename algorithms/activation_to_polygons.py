"""deepfeature:activationtopolygons — objects of an activation raster as an editable polygon layer."""

from __future__ import annotations

import re

from qgis.core import (
    QgsCoordinateReferenceSystem,
    QgsFeature,
    QgsFeatureSink,
    QgsField,
    QgsFields,
    QgsGeometry,
    QgsProcessing,
    QgsProcessingException,
    QgsProcessingOutputNumber,
    QgsProcessingParameterBoolean,
    QgsProcessingParameterFeatureSink,
    QgsProcessingParameterNumber,
    QgsWkbTypes,
)
from qgis.PyQt.QtCore import QVariant

from ..core import deps
from ..core.errors import DeepFeatureError
from .activation_to_classification import THRESHOLD_HELP, ActivationInputMixin
from .base import DeepFeatureAlgorithm
from .styling import attach_class_style

FIELDS = (
    ("class_id", QVariant.Int),
    ("class_name", QVariant.String),
    ("pixels", QVariant.Int),
    ("area", QVariant.Double),
    ("mean_activation", QVariant.Double),
    ("max_activation", QVariant.Double),
)


def make_fields(spec) -> QgsFields:
    """QgsFields from (name, QVariant type) pairs."""
    fields = QgsFields()
    for name, kind in spec:
        fields.append(QgsField(name, kind))
    return fields


class LazySink:
    """A core sink callback ``(wkb, attributes)`` that creates the QgsFeatureSink on the first feature.

    The core validates the whole raster before it emits a feature, so bad input leaves no output
    behind. :meth:`finish` creates an empty layer when there was no feature and returns its id.
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
            check_output_path(dest.split("|", 1)[0], what="output layer")
        except OutputError as exc:
            raise QgsProcessingException(str(exc)) from exc

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
        if not self.sink.addFeature(feature, QgsFeatureSink.FastInsert):
            raise QgsProcessingException(
                self.alg.tr("Cannot write a feature: {}").format(self.sink.lastError())
            )
        self.count += 1

    def finish(self) -> str:
        """The output layer id (created empty if nothing was written). The sink is closed, so a file
        output is complete (and can take its style) when this returns."""
        if self.sink is None:
            self._open()
        if not self.sink.flushBuffer():
            raise QgsProcessingException(
                self.alg.tr("Cannot write the output layer: {}").format(self.sink.lastError())
            )
        self.sink = None  # deletes the writer, which closes the file
        return self.dest


class ActivationToPolygonsAlgorithm(ActivationInputMixin, DeepFeatureAlgorithm):
    """Activation to Polygons: one valid polygon per object with class and activation attributes."""

    NAME = "activationtopolygons"
    DISPLAY_NAME = "Activation to Polygons"
    GROUP = "postprocessing"
    REQUIRES = deps.IMAGE
    HELP = (
        "Vectorizes the objects of a class activation raster: one polygon per connected object "
        "(4-connected pixels of one class), in the raster CRS, with the attributes class_id, class_name, "
        "pixels, area (square CRS units), mean_activation and max_activation. Geometries are always "
        "valid.\n\n" + THRESHOLD_HELP + "\nSmooth (pixels): simplifies the boundaries by this "
        "tolerance and rounds the corners, removing the pixel staircase, and keeps each polygon's area "
        "equal to its pixels' area (0 keeps the pixel edges). "
        "Fill holes removes the holes of the polygons.\n\n"
        "Edit the result (delete false detections, fix outlines, add missed features) and feed it back "
        "to 'Build Label Raster from Vector Layers' and 'Train Model' to refine the model."
    )
    SMOOTH = "SMOOTH"
    FILL_HOLES = "FILL_HOLES"
    OUTPUT = "OUTPUT"
    COUNT = "COUNT"

    def initAlgorithm(self, config=None):  # noqa: N802 - QGIS API
        self.add_activation_parameters()
        self.addParameter(
            QgsProcessingParameterNumber(
                self.SMOOTH, self.tr("Smooth boundaries (pixels; 0 = pixel edges)"),
                type=QgsProcessingParameterNumber.Double, defaultValue=1.0, minValue=0.0, maxValue=50.0,
            )
        )
        self.addParameter(QgsProcessingParameterBoolean(self.FILL_HOLES, self.tr("Fill holes"), False))
        self.addParameter(
            QgsProcessingParameterFeatureSink(
                self.OUTPUT, self.tr("Polygons"), QgsProcessing.TypeVectorPolygon)
        )
        self.addOutput(QgsProcessingOutputNumber(self.COUNT, self.tr("Number of polygons")))

    def processAlgorithm(self, parameters, context, feedback):  # noqa: N802 - QGIS API
        from ..core.activation_format import read_activation_info
        from ..core.postprocessing import activation_to_polygons

        path, threshold, min_area = self.activation_inputs(parameters, context)
        try:
            info = read_activation_info(path)
        except DeepFeatureError as exc:
            raise QgsProcessingException(str(exc)) from exc
        writer = LazySink(
            self, parameters, context, make_fields(FIELDS), QgsWkbTypes.MultiPolygon, info.crs_wkt, True
        )
        result = self.run_core(
            activation_to_polygons, feedback, path, writer,
            threshold=threshold, min_area=min_area,
            smooth=self.parameterAsDouble(parameters, self.SMOOTH, context),
            fill_holes=self.parameterAsBool(parameters, self.FILL_HOLES, context),
        )
        dest = writer.finish()
        attach_class_style(context, dest, info.classes)
        if feedback is not None:
            feedback.pushInfo(self.tr("{} polygons.").format(result["features"]))
        return {self.OUTPUT: dest, self.COUNT: result["features"], self.USED_THRESHOLD: result["threshold"]}


ALGORITHM = ActivationToPolygonsAlgorithm
