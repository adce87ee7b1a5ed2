"""Processing algorithm: Build Label Raster from Vector Layers (thin wrapper over core.labels)."""

from __future__ import annotations

import os

from qgis.core import (
    Qgis,
    QgsCoordinateTransform,
    QgsCsException,
    QgsFeatureRequest,
    QgsProcessingException,
    QgsProcessingParameterFeatureSource,
    QgsProcessingParameterMultipleLayers,
    QgsProcessingParameterNumber,
    QgsProcessingParameterRasterDestination,
    QgsProcessingParameterRasterLayer,
    QgsProcessingParameterString,
    QgsProviderRegistry,
    QgsRasterLayer,
    QgsVectorLayer,
    QgsWkbTypes,
)

from ..core.class_table import DEFAULT_IGNORE, MAX_CLASS_ID
from ..core.files import same_file
from ..core.labels import GEOMETRY_KINDS
from . import compat
from .base import DeepFeatureAlgorithm, PlainGeometries, field_value
from .common import finish_label_raster
from .i18n import translate_message

_KINDS = {
    compat.GEOMETRY_POINT: "point",
    compat.GEOMETRY_LINE: "line",
    compat.GEOMETRY_POLYGON: "polygon",
}


class LabelRasterFromVector(DeepFeatureAlgorithm):
    """Burn point, line and polygon layers into a label raster on the image grid."""

    NAME = "labelrasterfromvector"
    GROUP = "labels"

    INPUT = "INPUT"
    LABELS = "LABELS"
    CLASS_FIELD = "CLASS_FIELD"
    IGNORE_VALUE = "IGNORE_VALUE"
    AOI = "AOI"
    OUTPUT = "OUTPUT"

    def displayName(self):  # noqa: N802 - QGIS API
        return self.tr("Build Label Raster from Vector Layers")

    def shortHelpString(self):  # noqa: N802 - QGIS API
        kinds = {"point": self.tr("points"), "line": self.tr("lines"), "polygon": self.tr("polygons")}
        return self.tr(
            "Builds a label raster for training: the input image's bands plus a final mask band "
            "(0 background, 1..K classes, the ignore value for unknown pixels), on exactly the image "
            "grid.\n\nLabel layers: points, lines or polygons in any CRS (reprojected to the image CRS; "
            "invalid geometries are repaired). Polygons burn the pixels whose centre is inside; lines and "
            "points burn every pixel they touch (solid and blur distances are applied at training time). "
            "Burn order: {}, then features marked 'ignore'.\n\n"
            "Class field (optional): whole numbers are class ids (0 background, 1..{}); text values are "
            "numbered 1..K in sorted order. A value equal to the ignore value marks unknown pixels. Without "
            "a class field every feature is class 1, or with several layers the layer order gives classes "
            "1..K, named after the layers (a table of a GeoPackage given by its path: after the table). "
            "Curved geometries are turned into straight segments. A label layer with no feature over the "
            "image adds no labels (a warning names it); the "
            "algorithm fails only when no label layer overlaps the image.\n\n"
            "Area of interest (optional): the area that is completely labelled; pixels outside it get the "
            "ignore value, so training learns only where labels are complete. Image NoData pixels (any "
            "band equal to NoData) also get the ignore value.\n\n"
            "The output loads with its mask band shown in class colours over the image."
        ).format(", ".join(kinds[kind] for kind in GEOMETRY_KINDS), MAX_CLASS_ID)

    def initAlgorithm(self, config=None):  # noqa: N802 - QGIS API
        self.addParameter(QgsProcessingParameterRasterLayer(self.INPUT, self.tr("Input image")))
        self.addParameter(
            QgsProcessingParameterMultipleLayers(
                self.LABELS, self.tr("Label layers (points, lines or polygons)"), compat.SOURCE_VECTOR
            )
        )
        self.addParameter(
            QgsProcessingParameterString(
                self.CLASS_FIELD, self.tr("Class field (optional; in every label layer)"), optional=True
            )
        )
        self.addParameter(
            QgsProcessingParameterNumber(
                self.IGNORE_VALUE, self.tr("Ignore value (unknown pixels)"),
                compat.NUMBER_INTEGER, DEFAULT_IGNORE, False, 1, 255,
            )
        )
        self.addParameter(
            QgsProcessingParameterFeatureSource(
                self.AOI, self.tr("Area of interest (completely labelled area)"),
                [compat.SOURCE_VECTOR_POLYGON], optional=True,
            )
        )
        self.addParameter(QgsProcessingParameterRasterDestination(self.OUTPUT, self.tr("Label raster")))

    # ------------------------------------------------------------------------------------------
    def _check(self, parameters, context):
        """Cheap checks shared by checkParameterValues and processAlgorithm: '' or a message."""
        raster = self.parameterAsRasterLayer(parameters, self.INPUT, context)
        if raster is None or not isinstance(raster, QgsRasterLayer):
            return self.tr("The input image could not be loaded as a raster layer.")
        image_path = self.layer_path(raster)
        if not image_path:
            return self.tr("The input image must be a raster file on disk (it is '{}').").format(
                raster.source()
            )
        if not raster.crs().isValid():
            return self.tr(
                "The input image '{}' has no coordinate reference system. Assign its CRS (Raster > "
                "Projections > Assign Projection) and try again."
            ).format(image_path)
        output = self.parameterAsOutputLayer(parameters, self.OUTPUT, context)
        if output and same_file(output, image_path):
            return self.tr(
                "The output '{}' is the input image. Choose another file name: inputs are never "
                "overwritten."
            ).format(output)
        layers = self.parameterAsLayerList(parameters, self.LABELS, context)
        if not layers:
            return self.tr("Choose at least one label layer.")
        field = (self.parameterAsString(parameters, self.CLASS_FIELD, context) or "").strip()
        for layer in layers:
            if not isinstance(layer, QgsVectorLayer):
                return self.tr("The label layer '{}' is not a vector layer.").format(layer.name())
            if layer.geometryType() not in _KINDS:
                return self.tr(
                    "The label layer '{}' has no point, line or polygon geometries (it is a table or an "
                    "unsupported geometry type). Choose a point, line or polygon layer."
                ).format(layer.name())
            if field and layer.fields().indexOf(field) < 0:
                return self.tr(
                    "The label layer '{}' has no field '{}'. Its fields are: {}. Choose a field that "
                    "every label layer has, or leave the class field empty."
                ).format(layer.name(), field, ", ".join(layer.fields().names()))
        return ""

    def checkParameterValues(self, parameters, context):  # noqa: N802 - QGIS API
        ok, message = super().checkParameterValues(parameters, context)
        if not ok:
            return ok, message
        message = self._check(parameters, context)
        return (False, message) if message else (True, "")

    def _features(self, layer, field, raster_crs, raster_extent, context, feedback):
        """(wkb list, values list or None, feature ids) of one layer, in the raster CRS."""
        transform = QgsCoordinateTransform(layer.crs(), raster_crs, context.transformContext())
        request = QgsFeatureRequest()
        index = layer.fields().indexOf(field) if field else -1
        if index >= 0:
            request.setSubsetOfAttributes([index])
        else:
            request.setNoAttributes()
        if layer.crs().isValid():
            try:
                request.setFilterRect(
                    transform.transformBoundingBox(raster_extent, Qgis.TransformDirection.Reverse)
                )
            except QgsCsException:
                pass  # no filter: every feature is read and placed by core
        else:
            feedback.pushWarning(
                self.tr("The layer '{}' has no CRS; it is assumed to be in the image CRS.").format(
                    layer.name()
                )
            )
        wkbs, values, ids = [], [], []
        skipped = 0
        kind = layer.geometryType()
        plain = PlainGeometries(layer.getFeatures(request), transform)
        for feature, geometry in plain:
            if feedback.isCanceled():
                raise QgsProcessingException(self.tr("Canceled by the user."))
            if not geometry.isGeosValid():
                geometry = geometry.makeValid()
                if QgsWkbTypes.flatType(geometry.wkbType()) == compat.WKB_GEOMETRY_COLLECTION:
                    geometry.convertGeometryCollectionToSubclass(kind)
            if geometry.isEmpty():
                skipped += 1
                continue
            wkbs.append(geometry.asWkb().data())
            values.append(field_value(feature.attribute(index)) if index >= 0 else None)
            ids.append(feature.id())
        skipped += plain.empty
        if skipped:
            feedback.pushInfo(
                self.tr("{}: {} features without geometry were skipped.").format(layer.name(), skipped)
            )
        if plain.failed:
            feedback.pushWarning(
                self.tr("{}: {} features could not be reprojected to the image CRS and were skipped.").format(
                    layer.name(), plain.failed
                )
            )
        return wkbs, (values if index >= 0 else None), ids

    @staticmethod
    def _class_name(layer) -> str:
        """The layer's name; for a table of a multi-layer file opened by its path (which names the layer
        after the file), the table's name: ``roads.gpkg|layername=highways`` gives 'highways'."""
        name = layer.name()
        parts = QgsProviderRegistry.instance().decodeUri(layer.providerType(), layer.source())
        table, path = parts.get("layerName") or "", parts.get("path") or ""
        if table and path and name == os.path.splitext(os.path.basename(path))[0]:
            return table
        return name

    @staticmethod
    def _has_geometries(layer) -> bool:
        request = QgsFeatureRequest().setNoAttributes()
        return any(not f.geometry().isEmpty() for f in layer.getFeatures(request))

    def processAlgorithm(self, parameters, context, feedback):  # noqa: N802 - QGIS API
        from ..core.errors import DeepFeatureError
        from ..core.labels import LabelLayer, resolve_classes

        message = self._check(parameters, context)
        if message:
            raise QgsProcessingException(message)
        raster = self.parameterAsRasterLayer(parameters, self.INPUT, context)
        image_path = self.layer_path(raster)
        raster_crs = raster.crs()
        field = (self.parameterAsString(parameters, self.CLASS_FIELD, context) or "").strip()
        ignore_value = self.parameterAsInt(parameters, self.IGNORE_VALUE, context)
        output = self.parameterAsOutputLayer(parameters, self.OUTPUT, context)
        label_layers, outside, sources = [], [], set()
        for layer in self.parameterAsLayerList(parameters, self.LABELS, context):
            name = self._class_name(layer)
            if (layer.source(), layer.subsetString()) in sources:
                raise QgsProcessingException(
                    self.tr("The label layer '{}' is given twice. Remove the copy from the label layers.")
                    .format(name)
                )
            sources.add((layer.source(), layer.subsetString()))
            wkbs, values, ids = self._features(layer, field, raster_crs, raster.extent(), context, feedback)
            if not wkbs and self._has_geometries(layer):
                outside.append(name)
            # a layer without overlapping features stays in the list (it keeps its class number in
            # layer order); core warns about it and fails only when no layer overlaps the image
            label_layers.append(LabelLayer(name, _KINDS[layer.geometryType()], wkbs, values, ids))
        if outside and not any(layer.wkb for layer in label_layers):
            raise QgsProcessingException(
                self.tr(
                    "None of the features of the label layers {} overlaps the input image. Check that "
                    "the labels and the image show the same place and that the layers' CRS are right."
                ).format(", ".join("'{}'".format(name) for name in outside))
            )
        aoi_wkb = None
        source = self.parameterAsSource(parameters, self.AOI, context)
        if source is not None:
            transform = QgsCoordinateTransform(source.sourceCrs(), raster_crs, context.transformContext())
            aoi_wkb = []
            for _, geometry in PlainGeometries(source.getFeatures(QgsFeatureRequest().setNoAttributes()),
                                               transform):
                if not geometry.isGeosValid():
                    geometry = geometry.makeValid()
                aoi_wkb.append(geometry.asWkb().data())
        try:  # class values checked here (pure Python): only plain values travel to the worker
            resolve_classes(label_layers, ignore_value)
        except DeepFeatureError as exc:
            raise QgsProcessingException(translate_message(str(exc))) from exc
        result = self.run_worker(
            "build_label_raster_from_shapes", feedback, image_path, output, label_layers, aoi_wkb,
            ignore_value,
        )
        return finish_label_raster(self, context, feedback, output, result, ignore_value)


ALGORITHM = LabelRasterFromVector
