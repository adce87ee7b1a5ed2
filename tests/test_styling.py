"""Output styles: the activation colour slice, paletted classes, polygons and points categorized by class,
each saved with its file so QGIS shows it styled whenever it is opened (after qgis_process, later)."""

from __future__ import annotations

import sqlite3

import numpy as np
import pytest

from .conftest import save_tiny_model
from .helpers_rasters import write_activation

CLASSES = {2: "building", 5: "tree"}  # ids as the labels say, not 1..n
WARM = ["#fee391", "#fec44f", "#fe9929", "#ec7014", "#cc4c02"]
SLICES = ["< 0.5", "0.5 – 0.6", "0.6 – 0.7", "0.7 – 0.8", "0.8 – 0.9", "0.9 – 1.0"]
VECTOR_ALGORITHMS = [("activationtopolygons", "polygon"), ("activationtopoints", "point")]
BELOW_HALF = float(np.nextafter(np.float32(0.5), np.float32(0)))  # the float32 value just below 0.5


def hex_of(class_id: int) -> str:
    from deepfeature.core.class_table import class_rgb

    return "#{:02x}{:02x}{:02x}".format(*class_rgb(class_id))


def two_class_activation(tmp_path):
    """A 2-band activation (classes 2 and 5): two objects of class 2, one of class 5."""
    act = np.zeros((2, 60, 60), dtype="float32")
    act[0, 4:14, 4:14] = 0.9
    act[0, 40:50, 5:12] = 0.7
    act[1, 25:45, 30:55] = 0.8
    return write_activation(tmp_path / "act.tif", act, CLASSES)


def shade(shader_function, value):
    """(r, g, b, a) of ``value`` by a colour ramp shader."""
    ok, r, g, b, a = shader_function.shade(value)
    assert ok
    return r, g, b, a


def assert_activation_slice(renderer):
    """ENVI's colour slice on band 1: Discrete, transparent below 0.5, warm from 0.5 (included) to 1."""
    from qgis.core import QgsColorRampShader

    assert renderer.type() == "singlebandpseudocolor" and renderer.band() == 1
    ramp = renderer.shader().rasterShaderFunction()
    assert ramp.colorRampType() == QgsColorRampShader.Discrete
    items = ramp.colorRampItemList()
    assert [item.label for item in items] == SLICES
    assert BELOW_HALF < items[0].value < 0.5 and items[0].color.alpha() == 0
    assert [item.color.name() for item in items[1:]] == WARM
    assert all(item.color.alpha() == 255 for item in items[1:])
    for value in (0.0, 0.3, BELOW_HALF):
        assert shade(ramp, value)[3] == 0, value
    for value, colour in ((0.5, WARM[0]), (0.55, WARM[0]), (0.6, WARM[0]), (0.65, WARM[1]), (0.95, WARM[4]),
                          (1.0, WARM[4])):
        r, g, b, a = shade(ramp, value)
        assert a == 255 and "#{:02x}{:02x}{:02x}".format(r, g, b) == colour, value
        assert r > b and r >= g, "warm colours"


def assert_class_style(renderer, geometry: str, classes=CLASSES):
    """A categorized renderer on class_id: one category per class, its colour, its name."""
    from qgis.core import QgsSimpleMarkerSymbolLayerBase
    from qgis.PyQt.QtCore import Qt

    assert renderer is not None and renderer.type() == "categorizedSymbol"
    assert renderer.classAttribute() == "class_id"
    categories = renderer.categories()  # keep the copies alive while their symbols are read
    assert [(int(c.value()), c.label()) for c in categories] == sorted(classes.items())
    for category in categories:
        colour = hex_of(int(category.value()))
        layer = category.symbol().symbolLayer(0)
        if geometry == "polygon":
            assert layer.layerType() == "SimpleFill" and layer.brushStyle() == Qt.SolidPattern
            assert layer.color().name() == colour and 0 < layer.color().alpha() < 200, "see-through fill"
            assert layer.strokeColor().name() == colour and layer.strokeColor().alpha() == 255
            assert layer.strokeStyle() == Qt.SolidLine and layer.strokeWidth() > 0
        else:
            assert layer.layerType() == "SimpleMarker"
            assert layer.shape() == QgsSimpleMarkerSymbolLayerBase.Circle
            assert layer.color().name() == colour and layer.color().alpha() == 255
            assert layer.strokeColor().lightness() < 60 and 0 < layer.strokeWidth() <= 0.3, "thin, dark"


def test_a_pixel_of_exactly_half_is_coloured(tmp_path):
    """Classification counts activation >= 0.5: the colour slice colours 0.5 itself, not the float32
    value just below it (rendered block, not only the shader)."""
    from qgis.core import QgsRasterLayer
    from qgis.PyQt.QtGui import QColor

    from deepfeature.algorithms.styling import activation_renderer

    values = [0.2, BELOW_HALF, 0.5, 0.55, 0.65, 1.0]
    src = write_activation(tmp_path / "half.tif", np.array([values], dtype="float32"), {1: "car"})
    layer = QgsRasterLayer(str(src), "half", "gdal")
    assert layer.isValid()
    renderer = activation_renderer(layer)
    assert_activation_slice(renderer)
    block = renderer.block(1, layer.extent(), len(values), 1)
    colours = [QColor.fromRgba(block.color(0, col)) for col in range(len(values))]
    assert [c.alpha() for c in colours] == [0, 0, 255, 255, 255, 255]
    assert [c.name() for c in colours[2:]] == [WARM[0], WARM[0], WARM[1], WARM[4]]


def test_classify_outputs_keep_their_styles(run_alg, tmp_path):
    """deepfeature:classify: the activation raster's default style (.qml beside it) is the colour slice,
    the classification's is paletted with the class names and colours."""
    import rasterio
    from qgis.core import QgsRasterLayer
    from rasterio.transform import from_origin

    image = tmp_path / "image.tif"
    rng = np.random.default_rng(0)
    with rasterio.open(image, "w", driver="GTiff", width=96, height=80, count=3, dtype="uint8",
                       crs="EPSG:3857", transform=from_origin(500000, 4000000, 0.5, 0.5)) as dst:
        dst.write(rng.integers(0, 255, (3, 80, 96), dtype="uint8"))
    norm = {"mean": [127.0, 127.0, 127.0], "std": [70.0, 70.0, 70.0]}
    model = save_tiny_model(tmp_path / "tiny.keras", 3, norm, classes=("building", "tree"))
    act, cls = tmp_path / "act.tif", tmp_path / "cls.tif"
    res = run_alg("classify", {"INPUT": str(image), "MODEL": str(model), "OUTPUT": str(act),
                               "OUTPUT_CLASSIFICATION": str(cls)})
    assert res["OUTPUT"] == str(act) and res["OUTPUT_CLASSIFICATION"] == str(cls)
    assert (tmp_path / "act.qml").is_file() and (tmp_path / "cls.qml").is_file()

    later = QgsRasterLayer(str(act), "later", "gdal")
    _, loaded = later.loadDefaultStyle()
    assert loaded and later.bandCount() == 2
    assert_activation_slice(later.renderer())  # 0.5 stays coloured after the .qml round trip

    classification = QgsRasterLayer(str(cls), "later", "gdal")
    _, loaded = classification.loadDefaultStyle()
    renderer = classification.renderer()
    assert loaded and renderer.type() == "paletted"
    assert [(c.value, c.label, c.color.name()) for c in renderer.classes()] == [
        (1, "building", hex_of(1)), (2, "tree", hex_of(2))]


@pytest.mark.parametrize("alg, geometry", VECTOR_ALGORITHMS)
def test_vector_outputs_are_categorized_by_class(alg, geometry, run_alg, tmp_path):
    """A GeoPackage output keeps its style as the layer's default style inside the file; the layer that
    Processing loads on completion is styled by the post-processor."""
    from qgis.core import (
        QgsProcessingContext,
        QgsProcessingFeedback,
        QgsProcessingOutputLayerDefinition,
        QgsProject,
        QgsVectorLayer,
    )

    src = two_class_activation(tmp_path)
    out = tmp_path / "objects.gpkg"
    context = QgsProcessingContext()
    context.setProject(QgsProject.instance())
    res = run_alg(alg, {"INPUT": str(src), "MIN_DISTANCE": 3,
                        "OUTPUT": QgsProcessingOutputLayerDefinition(str(out), QgsProject.instance())},
                  context=context)
    assert res["COUNT"] == 3

    # Opened later, anywhere: the default style comes from the GeoPackage, no .qml beside it.
    later = QgsVectorLayer(str(out), "later", "ogr")
    assert later.isValid() and later.featureCount() == 3
    assert sorted({f["class_id"] for f in later.getFeatures()}) == sorted(CLASSES)
    assert_class_style(later.renderer(), geometry)
    assert sorted(p.name for p in tmp_path.iterdir() if p.suffix == ".qml") == []
    with sqlite3.connect(str(out)) as db:
        rows = db.execute("SELECT f_table_name, useAsDefault FROM layer_styles").fetchall()
    assert rows == [("objects", 1)]

    # Loaded on completion: the post-processor styles the layer (here one opened without its style).
    (layer_id,) = context.layersToLoadOnCompletion().keys()
    assert layer_id.split("|")[0] == str(out)
    processor = context.layerToLoadOnCompletionDetails(layer_id).postProcessor()
    assert processor is not None
    options = QgsVectorLayer.LayerOptions()
    options.loadDefaultStyle = False
    plain = QgsVectorLayer(str(out), "plain", "ogr", options)
    assert plain.renderer().type() == "singleSymbol"
    processor.postProcessLayer(plain, context, QgsProcessingFeedback())
    assert_class_style(plain.renderer(), geometry)


@pytest.mark.parametrize("alg, geometry", VECTOR_ALGORITHMS)
def test_temporary_and_other_vector_outputs(alg, geometry, run_alg, tmp_path):
    """A memory layer is styled by the post-processor only; another file format gets a .qml beside it."""
    from qgis.core import (
        QgsProcessing,
        QgsProcessingContext,
        QgsProcessingFeedback,
        QgsProcessingOutputLayerDefinition,
        QgsProject,
        QgsVectorLayer,
    )

    src = two_class_activation(tmp_path)
    context = QgsProcessingContext()
    context.setProject(QgsProject.instance())
    target = QgsProcessingOutputLayerDefinition(QgsProcessing.TEMPORARY_OUTPUT, QgsProject.instance())
    layer = run_alg(alg, {"INPUT": str(src), "OUTPUT": target}, context=context)["OUTPUT"]
    assert layer.providerType() == "memory" and layer.featureCount() == 3
    (layer_id,) = context.layersToLoadOnCompletion().keys()  # the memory layer's id, nothing else
    assert layer_id == layer.id()
    context.layerToLoadOnCompletionDetails(layer_id).postProcessor().postProcessLayer(
        layer, context, QgsProcessingFeedback())
    assert_class_style(layer.renderer(), geometry)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["act.tif"]

    res = run_alg(alg, {"INPUT": str(src), "OUTPUT": str(tmp_path / "objects.geojson")})
    assert (tmp_path / "objects.qml").is_file()
    later = QgsVectorLayer(res["OUTPUT"], "later", "ogr")  # keep the layer alive while its renderer is read
    assert_class_style(later.renderer(), geometry)


def test_a_style_that_cannot_be_saved_does_not_fail_the_algorithm(run_alg, tmp_path, monkeypatch):
    from qgis.core import QgsVectorLayer

    from deepfeature.algorithms import styling

    def broken(*args, **kwargs):
        raise RuntimeError("no style today")

    monkeypatch.setattr(styling, "QgsVectorLayer", broken)
    src = two_class_activation(tmp_path)
    res = run_alg("activationtopolygons", {"INPUT": str(src), "OUTPUT": str(tmp_path / "objects.gpkg")})
    monkeypatch.undo()
    layer = QgsVectorLayer(res["OUTPUT"], "later", "ogr")
    assert res["COUNT"] == 3 and layer.isValid() and layer.featureCount() == 3
    assert layer.renderer().type() == "singleSymbol"  # complete, only unstyled
