"""What the algorithms take as input: a label raster to classify, a raster or a vector reference to
evaluate against, and the points of a real activation raster.

- 'classify' accepts exactly what the engine accepts: a deepfeature label raster (the model's bands + its
  mask band) is classified by its image bands; a real band-count mismatch gives the engine's message,
  which names the fix;
- 'evaluate' takes a label raster or a polygon layer as REFERENCE; polygons as REFERENCE, as the older
  REFERENCE_VECTOR, or rasterized into a label raster by the plugin give the same figures;
- 'activationtopoints' on the activation of the held-back part of the Massachusetts tile gives one point
  per 4-connected object (at least MIN_AREA), counted independently here, each point on its object.
"""

from __future__ import annotations

import json
import math
from pathlib import Path

import numpy as np
import pytest

from .conftest import save_tiny_model
from .helpers_labels import write_vector
from .helpers_rasters import PIXEL, TILE, digest, write_activation, write_crop

NUMBERS = ("IOU", "F1", "PRECISION", "RECALL", "ACCURACY", "KLD")


class RecordingFeedback:
    """A QgsProcessingFeedback that keeps the messages it is given (built lazily: QGIS must be up)."""

    @staticmethod
    def make():
        from qgis.core import QgsProcessingFeedback

        class _Feedback(QgsProcessingFeedback):
            def __init__(self):
                super().__init__()
                self.messages: list[str] = []

            def pushInfo(self, info):  # noqa: N802 - QGIS API
                self.messages.append(info)
                super().pushInfo(info)

        return _Feedback()


def read_band(path, band=1):
    import rasterio

    with rasterio.open(path) as src:
        return src.read(band)


def label_raster(run_alg, image, gpkg, path, **extra):
    """A label raster built by the plugin ('Build Label Raster from Vector Layers')."""
    params = {"INPUT": str(image), "LABELS": [str(gpkg)], "OUTPUT": str(path)}
    params.update(extra)
    return Path(run_alg("labelrasterfromvector", params)["OUTPUT"])


# -------------------------------------------------------------------------------------------------
# Classify: a label raster is classified by its image bands; a real mismatch names the fix
# -------------------------------------------------------------------------------------------------
@pytest.mark.realdata
@pytest.mark.slow  # trains the session's model (trained_model)
def test_label_raster_is_classified_like_its_image(run_alg, massachusetts, trained_model,  # noqa: F811
                                                   tmp_path):
    import rasterio

    image, gpkg = massachusetts
    crop = tmp_path / "crop.tif"
    write_crop(image, crop, 300, 560, 400, 300)
    labels = label_raster(run_alg, crop, gpkg, tmp_path / "labels.tif")
    with rasterio.open(labels) as src, rasterio.open(crop) as img:
        assert src.count == img.count + 1 == 4, "the label raster: the image bands and a mask band"
        np.testing.assert_array_equal(src.read([1, 2, 3]), img.read())
        assert (src.read(4) == 1).sum() > 1000, "the crop holds buildings"
    before = digest(labels), digest(crop)
    acts = {}
    for name, path in (("labels", labels), ("image", crop)):
        feedback = RecordingFeedback.make()
        out = tmp_path / "act_{}.tif".format(name)
        res = run_alg("classify", {"INPUT": str(path), "MODEL": str(trained_model), "TILE_SIZE": TILE,
                                   "OUTPUT": str(out)}, feedback=feedback)
        with rasterio.open(res["OUTPUT"]) as act:
            assert (act.count, act.width, act.height) == (1, 400, 300)
            acts[name] = act.read(1)
        said = any("label raster" in m for m in feedback.messages)
        assert said == (name == "labels"), feedback.messages
    assert (digest(labels), digest(crop)) == before
    np.testing.assert_allclose(acts["labels"], acts["image"], rtol=0, atol=1e-6)
    assert 0.01 < (acts["image"] >= 0.5).mean() < 0.9, "a real activation, not a constant"


@pytest.mark.realdata
@pytest.mark.parametrize("case", ["extra_band", "two_bands", "label_raster_of_four_bands"])
def test_band_count_mismatch_names_the_fix(case, run_alg, massachusetts, tmp_path):
    """A raster with one band too many that is not a label raster, too few bands, and a label raster whose
    image has other bands than the model: refused before any output with the engine's message, which
    tells how to select the model's bands."""
    import rasterio
    from qgis.core import QgsProcessingException

    image, gpkg = massachusetts
    norm = {"mean": [100.0, 100.0, 100.0], "std": [50.0, 50.0, 50.0]}
    model = save_tiny_model(tmp_path / "tiny.keras", 3, norm)
    crop = tmp_path / "crop.tif"
    data = write_crop(image, crop, 300, 600, 160, 120)
    with rasterio.open(crop) as src:
        profile = src.profile
    path = tmp_path / "input.tif"
    if case == "two_bands":
        with rasterio.open(path, "w", **dict(profile, count=2)) as dst:
            dst.write(data[:2])
        count = 2
    else:
        four = tmp_path / "four.tif"
        with rasterio.open(four, "w", **dict(profile, count=4)) as dst:
            dst.write(np.concatenate([data, data[:1]]))
        if case == "extra_band":
            path, count = four, 4
        else:
            path, count = label_raster(run_alg, four, gpkg, path), 5
    out_dir = tmp_path / "out"
    out_dir.mkdir()
    before = digest(path)
    pattern = r"expects 3 bands but the raster '.*{}' has {}\. .*Rearrange bands.* virtual raster".format(
        path.name, count)
    with pytest.raises(QgsProcessingException, match=pattern):
        run_alg("classify", {"INPUT": str(path), "MODEL": str(model), "TILE_SIZE": TILE,
                             "OUTPUT": str(out_dir / "act.tif")})
    assert list(out_dir.iterdir()) == [] and digest(path) == before


# -------------------------------------------------------------------------------------------------
# Evaluate: REFERENCE takes a label raster or a polygon layer
# -------------------------------------------------------------------------------------------------
def _figures(res, json_path):
    report = json.loads(Path(json_path).read_text())
    return {k: res[k] for k in NUMBERS}, report["confusion_matrix"]["matrix"], report["classes"]


@pytest.mark.realdata
@pytest.mark.slow  # trains the session's model (trained_model)
def test_evaluate_vector_reference_equals_reference_vector_and_label_raster(
        run_alg, massachusetts, lower_third_activation, tmp_path):  # noqa: F811
    """The held-back third's activation against the building polygons: as REFERENCE (a path, or a layer
    object as a script passes it), as REFERENCE_VECTOR, and rasterized by 'Build Label Raster from Vector
    Layers' into a label raster given as REFERENCE: the same figures and confusion matrix."""
    from qgis.core import QgsVectorLayer

    image, gpkg = massachusetts
    act, _ = lower_third_activation
    labels = label_raster(run_alg, image, gpkg, tmp_path / "labels.tif", CLASS_FIELD="class")
    layer = QgsVectorLayer(str(gpkg), "buildings", "ogr")
    assert layer.isValid()
    references = {
        "vector_path": {"REFERENCE": str(gpkg), "CLASS_FIELD": "class"},
        "vector_layer": {"REFERENCE": layer, "CLASS_FIELD": "class"},
        "vector_no_field": {"REFERENCE": str(gpkg)},  # class 1 everywhere: the same for this layer
        "reference_vector": {"REFERENCE_VECTOR": str(gpkg), "CLASS_FIELD": "class"},
        "label_raster": {"REFERENCE": str(labels)},
    }
    before = digest(act), digest(gpkg), digest(labels)
    figures = {}
    for name, reference in references.items():
        out = tmp_path / "{}.json".format(name)
        res = run_alg("evaluate", dict(reference, PREDICTION=str(act), THRESHOLD=0.5, OUTPUT_JSON=str(out)))
        figures[name] = _figures(res, out)
    assert (digest(act), digest(gpkg), digest(labels)) == before
    expected = figures["label_raster"]
    assert 0.3 < expected[0]["IOU"] < 1 and np.array(expected[1])[1, 1] > 5000
    for name, (numbers, matrix, classes) in figures.items():
        assert numbers == expected[0] and matrix == expected[1], name
        # Per class: the same figures (the class names come from the label raster or the prediction).
        assert [_unnamed(c) for c in classes] == [_unnamed(c) for c in expected[2]], name


def _unnamed(figures: dict) -> dict:
    return {k: v for k, v in figures.items() if k != "name"}


def _two_class_scene(tmp_path):
    """A two-class activation (house, road) and polygons with the class as ids and as names."""
    import shapely
    from osgeo import ogr, osr

    house = np.zeros((100, 120), dtype=bool)
    house[10:40, 10:50] = True
    road = np.zeros_like(house)
    road[60:70, :] = True
    act = np.stack([np.where(house, 0.9, 0.05), np.where(road, 0.9, 0.05)]).astype("float32")
    act[0, 12:20, 12:20] = 0.2  # missed house pixels: figures below 1
    act[1, 80:90, 0:30] = 0.8  # a false road
    pred = write_activation(tmp_path / "act.tif", act, {1: "house", 2: "road"})

    def box(r0, r1, c0, c1):
        x0, x1 = 500000.0 + c0 * PIXEL, 500000.0 + c1 * PIXEL
        y0, y1 = 4000000.0 - r1 * PIXEL, 4000000.0 - r0 * PIXEL
        return shapely.box(x0, y0, x1, y1)

    srs = osr.SpatialReference()
    srs.ImportFromEPSG(3857)
    fields = {"kind": (ogr.OFTString, ["House", "road"]), "cid": (ogr.OFTInteger, [1, 2])}
    polygons = write_vector(tmp_path / "ref.gpkg", [box(10, 40, 10, 50), box(60, 70, 0, 120)],
                            srs.ExportToWkt(), fields=fields, geometry_type=ogr.wkbPolygon)
    return pred, polygons


@pytest.mark.parametrize("field", ["kind", "cid"])
def test_evaluate_vector_reference_uses_class_field_like_reference_vector(run_alg, tmp_path, field):
    """CLASS_FIELD (class names or ids) works with polygons as REFERENCE exactly as with REFERENCE_VECTOR."""
    pred, polygons = _two_class_scene(tmp_path)
    figures = {}
    for name in ("REFERENCE", "REFERENCE_VECTOR"):
        out = tmp_path / "{}_{}.json".format(name, field)
        res = run_alg("evaluate", {"PREDICTION": str(pred), name: str(polygons), "CLASS_FIELD": field,
                                   "OUTPUT_JSON": str(out)})
        figures[name] = _figures(res, out)
    assert figures["REFERENCE"] == figures["REFERENCE_VECTOR"]
    classes = {c["id"]: c for c in figures["REFERENCE"][2]}
    assert classes[1]["name"] == "house" and classes[2]["name"] == "road"
    assert 0.5 < classes[1]["iou"] < 1 and 0.5 < classes[2]["iou"] < 1
    # Without the class field every polygon is class 1: the road polygon counts as a house.
    res = run_alg("evaluate", {"PREDICTION": str(pred), "REFERENCE": str(polygons),
                               "OUTPUT_JSON": str(tmp_path / "nofield.json")})
    assert res["IOU"] != pytest.approx(figures["REFERENCE"][0]["IOU"])


def test_evaluate_reference_mistakes_are_explained(run_alg, tmp_path):
    """No reference, two references, and a class field the polygons lack: refused with a message that
    says what to do, before any report is written."""
    from qgis.core import QgsProcessingException

    pred, polygons = _two_class_scene(tmp_path)
    out = tmp_path / "out"
    out.mkdir()
    base = {"PREDICTION": str(pred), "OUTPUT_JSON": str(out / "m.json"), "OUTPUT_HTML": str(out / "r.html")}
    with pytest.raises(QgsProcessingException, match="Give exactly one reference"):
        run_alg("evaluate", base)
    with pytest.raises(QgsProcessingException, match="Give exactly one reference"):
        run_alg("evaluate", dict(base, REFERENCE=str(polygons), REFERENCE_VECTOR=str(polygons)))
    for name in ("REFERENCE", "REFERENCE_VECTOR"):
        with pytest.raises(QgsProcessingException, match=r"has no field 'klass'.*kind, cid"):
            run_alg("evaluate", dict(base, CLASS_FIELD="klass", **{name: str(polygons)}))
    from qgis.core import QgsFeature, QgsGeometry, QgsPointXY, QgsVectorLayer

    points = QgsVectorLayer("Point?crs=EPSG:26986", "points", "memory")
    feature = QgsFeature()
    feature.setGeometry(QgsGeometry.fromPointXY(QgsPointXY(230010.0, 899990.0)))
    points.dataProvider().addFeatures([feature])
    with pytest.raises(QgsProcessingException, match="has no polygons"):
        run_alg("evaluate", dict(base, REFERENCE=points))
    assert list(out.iterdir()) == []


def test_evaluate_reference_parameter_takes_rasters_and_polygons(provider):
    """REFERENCE is one map layer parameter for label rasters and polygon layers; the older
    REFERENCE_VECTOR and CLASS_FIELD are kept (advanced), and the class field list does not follow
    REFERENCE (QGIS's field widget crashes when its parent parameter holds a raster)."""
    from qgis.core import QgsProcessing, QgsProcessingParameterDefinition

    alg = provider.algorithm("evaluate")
    reference = alg.parameterDefinition("REFERENCE")
    assert reference.type() == "layer"
    assert set(reference.dataTypes()) == {QgsProcessing.TypeRaster, QgsProcessing.TypeVectorPolygon}
    for name in ("REFERENCE_VECTOR", "CLASS_FIELD"):
        assert alg.parameterDefinition(name).flags() & QgsProcessingParameterDefinition.FlagAdvanced
    assert alg.parameterDefinition("CLASS_FIELD").parentLayerParameterName() == "REFERENCE_VECTOR"
    assert "REFERENCE_VECTOR" in alg.shortHelpString() and "older" in alg.shortHelpString()


# -------------------------------------------------------------------------------------------------
# Points on real data
# -------------------------------------------------------------------------------------------------
@pytest.mark.realdata
@pytest.mark.slow  # trains the session's model (trained_model)
def test_points_count_the_objects_of_a_real_activation(run_alg, lower_third_activation,  # noqa: F811
                                                       tmp_path):
    """One point per 4-connected object of at least MIN_AREA in the thresholded activation of the
    held-back third of the Massachusetts tile (objects labelled here with scikit-image), each point on a
    pixel of its object, with the object's pixel count and maximum activation."""
    import rasterio
    from affine import Affine
    from osgeo import ogr
    from skimage.measure import label

    act_path, _ = lower_third_activation
    min_area = 20.0  # m²
    res = run_alg("activationtopoints", {"INPUT": str(act_path), "THRESHOLD": 0.5, "MIN_AREA": min_area,
                                         "OUTPUT": str(tmp_path / "points.gpkg")})
    with rasterio.open(act_path) as src:
        act, transform = src.read(1), src.transform
    assert act.min() >= 0, "no NoData in this part"
    objects, n = label(act >= 0.5, connectivity=1, return_num=True)  # 4-connectivity
    sizes = np.bincount(objects.ravel(), minlength=n + 1)
    min_px = math.ceil(min_area / abs(transform.a * transform.e) - 1e-9)
    kept = {k for k in range(1, n + 1) if sizes[k] >= min_px}
    assert len(kept) > 20 and len(kept) < n, "many objects, some smaller than MIN_AREA"
    assert res["COUNT"] == len(kept)

    dataset = ogr.Open(res["OUTPUT"])
    layer = dataset.GetLayer(0)
    inverse = ~Affine(*tuple(transform)[:6])
    found = []
    for feature in layer:
        point = feature.GetGeometryRef()
        col, row = inverse * (point.GetX(), point.GetY())
        k = int(objects[int(math.floor(row)), int(math.floor(col))])
        assert k in kept, "the point ({:.1f}, {:.1f}) is not on an object".format(row, col)
        assert feature.GetField("pixels") == sizes[k]
        assert feature.GetField("score") == pytest.approx(float(act[objects == k].max()), abs=1e-6)
        assert feature.GetField("class_name") == "building"
        found.append(k)
    assert layer.GetFeatureCount() == len(found) == len(kept)
    assert set(found) == kept, "one point per object"


@pytest.mark.slow
def test_qgis_process_passes_a_vector_reference_as_a_file_path(run_alg, tmp_path):
    """qgis_process gives REFERENCE as a file path string: a polygon layer with CLASS_FIELD gives the
    figures that processing.run gives with the older REFERENCE_VECTOR."""
    import shutil
    import subprocess

    from .conftest import QGIS_PROCESS, qgis_process_env

    if not shutil.which(QGIS_PROCESS):
        pytest.skip("qgis_process is not installed ({}); run scripts/setup.sh".format(QGIS_PROCESS))
    pred, polygons = _two_class_scene(tmp_path)
    expected = run_alg("evaluate", {"PREDICTION": str(pred), "REFERENCE_VECTOR": str(polygons),
                                    "CLASS_FIELD": "kind", "OUTPUT_JSON": str(tmp_path / "expected.json")})
    out = tmp_path / "qgis_process.json"
    args = [QGIS_PROCESS, "--json", "run", "deepfeature:evaluate", "--", "PREDICTION={}".format(pred),
            "REFERENCE={}".format(polygons), "CLASS_FIELD=kind", "OUTPUT_JSON={}".format(out),
            "OUTPUT_HTML={}".format(tmp_path / "report.html")]
    proc = subprocess.run(args, capture_output=True, text=True, timeout=300, env=qgis_process_env(tmp_path))
    assert proc.returncode == 0, proc.stdout[-3000:] + proc.stderr[-3000:]
    results = json.loads(proc.stdout[proc.stdout.find("{"):])["results"]
    assert {k: results[k] for k in NUMBERS} == pytest.approx({k: expected[k] for k in NUMBERS}, rel=1e-12)
    assert _figures(results, out)[1:] == _figures(expected, tmp_path / "expected.json")[1:]
