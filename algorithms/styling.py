"""Styles applied to output layers when Processing loads them, and saved with the output files."""

from __future__ import annotations

import os

from qgis.core import (
    QgsCategorizedSymbolRenderer,
    QgsColorRampShader,
    QgsFillSymbol,
    QgsMarkerSymbol,
    QgsPalettedRasterRenderer,
    QgsProcessingContext,
    QgsProcessingLayerPostProcessorInterface,
    QgsRasterLayer,
    QgsRasterShader,
    QgsRendererCategory,
    QgsSimpleFillSymbolLayer,
    QgsSimpleMarkerSymbolLayer,
    QgsSingleBandPseudoColorRenderer,
    QgsVectorLayer,
)
from qgis.PyQt.QtCore import QCoreApplication, Qt
from qgis.PyQt.QtGui import QColor

from ..core.class_table import ClassTable, class_rgb
from . import compat

CLASS_FIELD = "class_id"
POLYGON_FILL_ALPHA = 90  # of 255: the image below stays visible through the polygons
POLYGON_OUTLINE_WIDTH = 0.6  # mm: easy to see and to edit
POINT_SIZE = 2.6  # mm
POINT_OUTLINE = QColor(35, 35, 35)
POINT_OUTLINE_WIDTH = 0.2  # mm
# Halfway between 0.5 and the float32 value just below it: a pixel of exactly 0.5 is coloured and
# one below is not, as 'Activation to Classification' classifies them (activation >= 0.5).
ACTIVATION_FLOOR = 0.5 - 2 ** -26


def class_color(class_id: int) -> QColor:
    """A stable colour for a class id (the classification rasters' own colour table)."""
    if class_id == 0:
        return QColor(0, 0, 0, 0)
    return QColor(*class_rgb(class_id))


def paletted_renderer(layer: QgsRasterLayer, band: int, classes: dict[int, str], ignore=None):
    """A paletted renderer for a class band: 0 transparent, classes coloured, ignore grey."""
    items = []
    for value, label in sorted(classes.items()):
        items.append(QgsPalettedRasterRenderer.Class(value, class_color(value), label))
    if ignore is not None:
        label = QCoreApplication.translate("LayerStyler", "ignore")
        items.append(QgsPalettedRasterRenderer.Class(int(ignore), QColor(128, 128, 128, 160), label))
    return QgsPalettedRasterRenderer(layer.dataProvider(), band, items)


def activation_renderer(layer: QgsRasterLayer, band: int = 1):
    """ENVI-like colour slice: transparent below 0.5, warm ramp from 0.5 (included) to 1.

    The ramp is Discrete: a value takes the colour of the first stop at or above it, so each stop
    closes its slice ("0.5 – 0.6" is 0.5 ≤ a ≤ 0.6).
    """
    ramp = QgsColorRampShader(0.0, 1.0)
    ramp.setColorRampType(compat.SHADER_DISCRETE)
    stops = [  # the legend labels are translated (a decimal comma in French)
        (ACTIVATION_FLOOR, QColor(0, 0, 0, 0), QCoreApplication.translate("LayerStyler", "< 0.5")),
        (0.6, QColor("#fee391"), QCoreApplication.translate("LayerStyler", "0.5 – 0.6")),
        (0.7, QColor("#fec44f"), QCoreApplication.translate("LayerStyler", "0.6 – 0.7")),
        (0.8, QColor("#fe9929"), QCoreApplication.translate("LayerStyler", "0.7 – 0.8")),
        (0.9, QColor("#ec7014"), QCoreApplication.translate("LayerStyler", "0.8 – 0.9")),
        (1.0001, QColor("#cc4c02"), QCoreApplication.translate("LayerStyler", "0.9 – 1.0")),
    ]
    ramp.setColorRampItemList([QgsColorRampShader.ColorRampItem(v, c, t) for v, c, t in stops])
    shader = QgsRasterShader()
    shader.setRasterShaderFunction(ramp)
    return QgsSingleBandPseudoColorRenderer(layer.dataProvider(), band, shader)


def class_symbol(geometry_type, color: QColor):
    """The symbol of one class: a polygon is a semi-transparent fill of the class colour with a solid
    outline of the same colour, a point a circle of the class colour with a thin dark outline."""
    if geometry_type == compat.GEOMETRY_POINT:
        symbol = QgsMarkerSymbol()
        layer = QgsSimpleMarkerSymbolLayer(compat.MARKER_CIRCLE, POINT_SIZE)
        layer.setColor(color)
        layer.setStrokeColor(POINT_OUTLINE)
        layer.setStrokeWidth(POINT_OUTLINE_WIDTH)
    else:
        symbol = QgsFillSymbol()
        fill, outline = QColor(color), QColor(color)
        fill.setAlpha(POLYGON_FILL_ALPHA)
        outline.setAlpha(255)
        layer = QgsSimpleFillSymbolLayer(fill, Qt.BrushStyle.SolidPattern, outline, Qt.PenStyle.SolidLine,
                                         POLYGON_OUTLINE_WIDTH)
    # changeSymbolLayer() takes ownership; a symbol layer given to the symbol's constructor is not kept
    # alive by the Python bindings.
    symbol.changeSymbolLayer(0, layer)
    return symbol


def class_renderer(layer: QgsVectorLayer, classes: dict[int, str]) -> QgsCategorizedSymbolRenderer:
    """A categorized renderer on ``class_id``: one category per class, in the class colour, labelled
    with the class name (the symbol follows the layer's geometry type)."""
    categories = [
        QgsRendererCategory(class_id, class_symbol(layer.geometryType(), class_color(class_id)), name)
        for class_id, name in ClassTable.from_mapping(classes).entries
    ]
    return QgsCategorizedSymbolRenderer(CLASS_FIELD, categories)


class LayerStyler(QgsProcessingLayerPostProcessorInterface):
    """Applies ``style(layer)`` to an output layer once Processing has loaded it."""

    # Keep post-processors alive until they run (QGIS holds them weakly).
    _alive: list = []

    def __init__(self, style):
        super().__init__()
        self._style = style

    def postProcessLayer(self, layer, context, feedback):  # noqa: N802 - QGIS API
        if layer is None or not layer.isValid():
            return
        self._style(layer)
        layer.triggerRepaint()

    @classmethod
    def attach(cls, context: QgsProcessingContext, layer_id: str, style, name: str | None = None,
               vector: bool = False):
        """Save ``style`` as the default style of the output ``layer_id`` (a raster path, or with
        ``vector`` the id of a feature sink) and style the layer when it is loaded on completion."""
        save_default_style(layer_id, style, vector)
        if not context.willLoadLayerOnCompletion(layer_id):
            return
        details = context.layerToLoadOnCompletionDetails(layer_id)
        if name:
            details.name = name
        styler = cls(style)
        cls._alive.append(styler)
        details.setPostProcessor(styler)


def attach_class_style(context: QgsProcessingContext, layer_id: str, classes: dict[int, str]) -> None:
    """Style the vector output ``layer_id`` (polygons or points) by class: saved with the file and
    applied when Processing loads the layer."""
    classes = dict(classes)
    LayerStyler.attach(context, layer_id, lambda lyr: lyr.setRenderer(class_renderer(lyr, classes)),
                       vector=True)


def style_label_raster(
    context, output_path: str, classes: dict, ignore_value: int, mask_band: int, name: str
) -> None:
    """Load the label raster with its mask band paletted (background transparent, ignore grey).

    One layer cannot show the image as RGB under its own mask, so the layer shows the mask band only
    at 60 % opacity: the input image (usually already in the project) stays visible below it.
    """
    classes = ClassTable.from_mapping(classes).as_dict()

    def style(layer):
        background = QCoreApplication.translate("LayerStyler", "background")
        renderer = paletted_renderer(layer, mask_band, {0: background, **classes}, ignore_value)
        renderer.setOpacity(0.6)
        layer.setRenderer(renderer)

    LayerStyler.attach(context, output_path, style, name)


def save_default_style(layer_id: str, style, vector: bool = False) -> bool:
    """Write ``style`` as the output's default style, which QGIS applies whenever the file is opened:
    after ``qgis_process``, in a later session, from the browser.

    A raster or a vector file gets ``<name>.qml`` beside it; a GeoPackage layer keeps its style inside
    the GeoPackage (its ``layer_styles`` table). A memory layer or a database table is styled by the
    post-processor only. A style that cannot be saved (a read-only folder, an unreadable file) is
    skipped: the result itself is complete.
    """
    try:
        path = layer_id.split("|", 1)[0]
        if not os.path.isfile(path):
            return False
        if not vector:
            layer = QgsRasterLayer(path, "style", "gdal")
        else:
            layer = QgsVectorLayer(layer_id, os.path.splitext(os.path.basename(path))[0], "ogr")
        if not layer.isValid():
            return False
        style(layer)
        if vector and path.lower().endswith(".gpkg"):
            description = QCoreApplication.translate("LayerStyler", "Classes (deepfeature)")
            error = layer.saveStyleToDatabase(layer.name(), description, True, "")
            return not error
        _, ok = layer.saveNamedStyle(layer.styleURI())
        return bool(ok)
    except Exception:  # noqa: BLE001 - a missing style must never fail the algorithm
        return False
