"""Styles applied to output layers when Processing loads them."""

from __future__ import annotations

from qgis.core import (
    QgsColorRampShader,
    QgsPalettedRasterRenderer,
    QgsProcessingContext,
    QgsProcessingLayerPostProcessorInterface,
    QgsRasterLayer,
    QgsRasterShader,
    QgsSingleBandPseudoColorRenderer,
)
from qgis.PyQt.QtGui import QColor

from ..core.postprocess import class_rgb


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
        items.append(QgsPalettedRasterRenderer.Class(int(ignore), QColor(128, 128, 128, 160), "ignore"))
    return QgsPalettedRasterRenderer(layer.dataProvider(), band, items)


def activation_renderer(layer: QgsRasterLayer, band: int = 1):
    """ENVI-like colour slice: transparent below 0.5, warm ramp from 0.5 to 1."""
    ramp = QgsColorRampShader(0.0, 1.0)
    ramp.setColorRampType(QgsColorRampShader.Discrete)
    stops = [
        (0.5, QColor(0, 0, 0, 0), "< 0.5"),
        (0.6, QColor("#fee391"), "0.5 – 0.6"),
        (0.7, QColor("#fec44f"), "0.6 – 0.7"),
        (0.8, QColor("#fe9929"), "0.7 – 0.8"),
        (0.9, QColor("#ec7014"), "0.8 – 0.9"),
        (1.0001, QColor("#cc4c02"), "0.9 – 1.0"),
    ]
    ramp.setColorRampItemList([QgsColorRampShader.ColorRampItem(v, c, t) for v, c, t in stops])
    shader = QgsRasterShader()
    shader.setRasterShaderFunction(ramp)
    return QgsSingleBandPseudoColorRenderer(layer.dataProvider(), band, shader)


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
    def attach(cls, context: QgsProcessingContext, layer_id: str, style, name: str | None = None):
        """Save ``style`` as the default style of the output raster ``layer_id`` (a path) and style the
        layer when it is loaded on completion."""
        save_default_style(layer_id, style)
        if not context.willLoadLayerOnCompletion(layer_id):
            return
        details = context.layerToLoadOnCompletionDetails(layer_id)
        if name:
            details.name = name
        styler = cls(style)
        cls._alive.append(styler)
        details.setPostProcessor(styler)


def save_default_style(path: str, style) -> bool:
    """Write ``style`` as the raster's default style (``<name>.qml`` beside it), which QGIS applies
    whenever the file is opened: after ``qgis_process``, in a later session, from the browser. A style
    that cannot be saved (a read-only folder, not a raster) is skipped: the result itself is complete."""
    try:
        layer = QgsRasterLayer(path, "style", "gdal")
        if not layer.isValid():
            return False
        style(layer)
        _, ok = layer.saveNamedStyle(layer.styleURI())
        return bool(ok)
    except Exception:  # noqa: BLE001 - a missing style file must never fail the algorithm
        return False
