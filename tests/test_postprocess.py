"""Activation -> classification / polygons / points: windowed objects checked against whole-array numpy."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from scipy import ndimage

from .helpers_rasters import PIXEL, digest, write_activation


def blobs(shape=(300, 260), seed=3):
    """Realistic activations: smooth random blobs (sigmoid of smoothed noise), some crossing strips."""
    rng = np.random.default_rng(seed)
    field = ndimage.gaussian_filter(rng.normal(size=shape), 4)
    field = field / field.std()
    act = 1 / (1 + np.exp(-3 * (field - 1.0)))
    act[40:44, :] = 0.9  # a long thin object crossing every column
    act[100:230, 120:124] = 0.95  # a tall one crossing several strips
    return act.astype("float32")


@pytest.fixture()
def small_strips(monkeypatch):
    """Force many strips so objects cross strip borders."""
    from deepfeature.core.postprocessing import activation_strips

    monkeypatch.setattr(activation_strips, "STRIP_ROWS", 16)


def numpy_objects(cls, min_px):
    """Independent whole-array objects: per class 4-connected components with >= min_px pixels."""
    out = []
    for c in np.unique(cls):
        if c in (0, 255):
            continue
        lab, n = ndimage.label(cls == c)
        sizes = np.bincount(lab.ravel())
        out += [(int(c), int(s)) for s in sizes[1:] if s >= min_px]
    return sorted(out)


def test_classification_min_area_matches_whole_array(tmp_path, small_strips):
    import rasterio

    from deepfeature.core.postprocessing import activation_to_classification

    act = blobs()
    act[0:5, 0:5] = -1.0  # NoData corner
    src = write_activation(tmp_path / "act.tif", act, {1: "tree"})
    before = digest(src)
    res = activation_to_classification(src, tmp_path / "cls.tif", threshold=0.5, min_area=30 * PIXEL ** 2)
    with rasterio.open(tmp_path / "cls.tif") as ds:
        cls = ds.read(1)
        assert ds.nodata == 255 and ds.tags()["DEEPFEATURE_CLASSES"] == '{"1": "tree"}'
    expected = (act >= 0.5).astype("uint8")
    lab, _ = ndimage.label(expected)
    sizes = np.bincount(lab.ravel())
    expected[(lab > 0) & (sizes[lab] < 30)] = 0
    expected[0:5, 0:5] = 255
    np.testing.assert_array_equal(cls, expected)
    assert res["objects"] == len(numpy_objects(expected, 1)) > 5
    assert res["removed"] > 0 and digest(src) == before


def test_otsu_and_multiclass_argmax(tmp_path):
    import rasterio

    from deepfeature.core.activation_format import read_activation_info
    from deepfeature.core.postprocessing import activation_to_classification, otsu_threshold

    rng = np.random.default_rng(0)
    bimodal = np.where(rng.random((120, 100)) < 0.3, rng.normal(0.8, 0.05, (120, 100)),
                       rng.normal(0.2, 0.05, (120, 100))).clip(0, 1)
    path = write_activation(tmp_path / "bi.tif", bimodal)
    t = otsu_threshold(read_activation_info(path))
    assert 0.35 < t < 0.65
    res = activation_to_classification(path, tmp_path / "bi_cls.tif", threshold=None)
    assert res["threshold"] == pytest.approx(t)
    # Three classes: arg-max where the best activation reaches the minimum probability.
    probs = rng.dirichlet([1, 1, 1, 1], size=(80, 90)).transpose(2, 0, 1)[1:].astype("float32")
    path = write_activation(tmp_path / "multi.tif", probs, {1: "water", 2: "forest", 3: "road"})
    activation_to_classification(path, tmp_path / "multi_cls.tif", threshold=0.4)
    with rasterio.open(tmp_path / "multi_cls.tif") as ds:
        cls = ds.read(1)
    expected = np.where(probs.max(0) >= 0.4, probs.argmax(0) + 1, 0)
    np.testing.assert_array_equal(cls, expected)


def test_polygons_are_valid_and_match_the_raster(tmp_path, small_strips):
    from shapely import from_wkb

    from deepfeature.core.postprocessing import activation_to_polygons

    act = blobs()
    src = write_activation(tmp_path / "act.tif", act, {1: "building"})
    pixel_polygons = None
    for smooth in (0.0, 1.5):
        feats = []
        res = activation_to_polygons(src, lambda w, a, out=feats: out.append((from_wkb(w), a)),
                                     threshold=0.5, min_area=10 * PIXEL ** 2, smooth=smooth)
        expected = numpy_objects((act >= 0.5).astype("uint8"), 10)
        assert res["features"] == len(feats) == len(expected)
        assert all(g.is_valid and not g.is_empty for g, _ in feats)
        assert sorted((a["class_id"], a["pixels"]) for _, a in feats) == expected
        assert all(a["class_name"] == "building" and 0.5 <= a["mean_activation"] <= a["max_activation"] <= 1
                   for _, a in feats)
        areas = np.array([g.area for g, _ in feats])
        pixel_areas = np.array([a["pixels"] * PIXEL ** 2 for _, a in feats])
        # Smoothing keeps each object's area (the MIN_AREA of the pixels), small objects included.
        np.testing.assert_allclose(areas, pixel_areas, rtol=1e-9)
        np.testing.assert_allclose([a["area"] for _, a in feats], pixel_areas, rtol=1e-9)
        if smooth:  # no pixel staircase: far fewer vertices than pixel edges, and no right angles only
            edges = [g.boundary.length / PIXEL for g, _ in feats]
            vertices = [len(g.exterior.coords) for g, _ in feats if g.geom_type == "Polygon"]
            assert sum(vertices) < 0.9 * sum(edges)
            # Smoothed outlines stay on their pixels: each polygon covers mostly its own object.
            assert [a["pixels"] for _, a in feats] == [a["pixels"] for _, a in pixel_polygons]
            overlap = [g.intersection(p).area / g.union(p).area
                       for (g, _), (p, _) in zip(feats, pixel_polygons)]
            assert min(overlap) > 0.6 and np.mean(overlap) > 0.8
        pixel_polygons = feats


def test_fill_holes(tmp_path):
    from shapely import from_wkb

    from deepfeature.core.postprocessing import activation_to_polygons

    ring = np.zeros((40, 40), dtype="float32")
    ring[5:35, 5:35] = 0.9
    ring[15:25, 15:25] = 0.1
    src = write_activation(tmp_path / "ring.tif", ring)
    for fill, holes in ((False, 1), (True, 0)):
        feats = []
        activation_to_polygons(src, lambda w, a, out=feats: out.append(from_wkb(w)), smooth=0,
                               fill_holes=fill)
        assert len(feats) == 1 and len(feats[0].interiors) == holes


def test_points_count_objects_and_split_touching(tmp_path, small_strips):
    from shapely import from_wkb

    from deepfeature.core.postprocessing import activation_to_points

    act = blobs()
    src = write_activation(tmp_path / "act.tif", act)
    pts = []
    res = activation_to_points(src, lambda w, a: pts.append((from_wkb(w), a)), min_area=10 * PIXEL ** 2)
    assert res["points"] == len(pts) == len(numpy_objects((act >= 0.5).astype("uint8"), 10))
    # Two touching round objects (cars): one component, two maxima.
    yy, xx = np.mgrid[0:40, 0:60]
    two = np.maximum(np.exp(-((yy - 20) ** 2 + (xx - 20) ** 2) / 60),
                     np.exp(-((yy - 20) ** 2 + (xx - 36) ** 2) / 60))
    src2 = write_activation(tmp_path / "two.tif", two)
    for method, count in (("components", 1), ("maxima", 2)):
        pts = []
        activation_to_points(src2, lambda w, a, out=pts: out.append((from_wkb(w), a)), threshold=0.3,
                             method=method, min_distance=5)
        assert len(pts) == count, method
    xs = sorted(p.x for p, _ in pts)
    assert xs[0] == pytest.approx(500000 + 20.5 * PIXEL, abs=1.5)
    assert xs[1] == pytest.approx(500000 + 36.5 * PIXEL, abs=1.5)
    assert all(a["score"] > 0.9 and a["area"] > 0 for _, a in pts)


def test_real_activation_polygons_match_classification(lower_third_activation, tmp_path):  # noqa: F811
    import rasterio
    from shapely import from_wkb

    from deepfeature.core.postprocessing import (
        activation_to_classification,
        activation_to_polygons,
    )

    act_path, _ = lower_third_activation
    cls_path = tmp_path / "cls.tif"
    activation_to_classification(act_path, cls_path, threshold=0.5, min_area=20.0)
    with rasterio.open(cls_path) as ds:
        cls = ds.read(1)
        px = abs(ds.transform.a * ds.transform.e)
    feats = []
    activation_to_polygons(act_path, lambda w, a: feats.append((from_wkb(w), a)), threshold=0.5,
                           min_area=20.0, smooth=0)
    lab, n = ndimage.label(cls == 1)
    assert len(feats) == n > 10
    assert all(g.is_valid for g, _ in feats)
    assert sum(g.area for g, _ in feats) == pytest.approx((cls == 1).sum() * px, rel=1e-9)


def test_algorithms_write_styled_outputs(run_alg, tmp_path):
    from qgis.core import QgsVectorLayer

    act = blobs()
    src = write_activation(tmp_path / "act.tif", act, {1: "car"})
    res = run_alg("activationtoclassification", {"INPUT": str(src), "THRESHOLD": 0.5, "MIN_AREA": 2.5,
                                                 "OUTPUT": str(tmp_path / "cls.tif")})
    assert Path(res["OUTPUT"]).exists() and res["USED_THRESHOLD"] == 0.5
    # The file itself is paletted (its colour table), so it shows styled outside Processing as well.
    import rasterio
    from qgis.core import QgsRasterLayer

    from deepfeature.core.class_table import class_rgb

    with rasterio.open(res["OUTPUT"]) as ds:
        cmap = ds.colormap(1)
    assert cmap[1] == class_rgb(1) + (255,) and cmap[255][3] == 0  # NoData transparent
    plain = QgsRasterLayer(res["OUTPUT"], "plain", "gdal")
    assert plain.isValid() and plain.renderer().type() == "paletted"
    res = run_alg("activationtopolygons", {"INPUT": str(src), "THRESHOLD_METHOD": 1, "MIN_AREA": 2.5,
                                           "SMOOTH": 1.0, "OUTPUT": str(tmp_path / "poly.gpkg")})
    layer = QgsVectorLayer(res["OUTPUT"], "p", "ogr")
    assert layer.isValid() and layer.featureCount() == res["COUNT"] > 0
    assert layer.crs().authid() == "EPSG:3857"
    assert [f.name() for f in layer.fields()][-6:] == ["class_id", "class_name", "pixels", "area",
                                                       "mean_activation", "max_activation"]
    assert all(f.geometry().isGeosValid() and f["class_name"] == "car" for f in layer.getFeatures())
    res = run_alg("activationtopoints", {"INPUT": str(src), "METHOD": 1, "MIN_DISTANCE": 4,
                                         "OUTPUT": str(tmp_path / "pts.gpkg")})
    points = QgsVectorLayer(res["OUTPUT"], "q", "ogr")
    assert points.isValid() and points.featureCount() == res["COUNT"] > 0


@pytest.mark.parametrize("alg", ["activationtoclassification", "activationtopolygons", "activationtopoints"])
def test_values_outside_0_1_are_refused(alg, run_alg, tmp_path):
    from qgis.core import QgsProcessingException

    src = write_activation(tmp_path / "dn.tif", blobs() * 255, tagged=False)
    before = digest(src)
    out = tmp_path / "out" / ("o.tif" if alg.endswith("classification") else "o.gpkg")
    out.parent.mkdir()
    with pytest.raises(QgsProcessingException, match="outside 0–1"):
        run_alg(alg, {"INPUT": str(src), "OUTPUT": str(out)})
    assert list(out.parent.iterdir()) == [] and digest(src) == before


@pytest.mark.parametrize("alg", ["activationtopolygons", "activationtopoints"])
def test_vector_output_in_a_missing_folder_is_refused_before_work(alg, run_alg, tmp_path):
    from qgis.core import QgsProcessingException

    src = write_activation(tmp_path / "act.tif", blobs(), {1: "car"})
    before = digest(src)
    with pytest.raises(QgsProcessingException, match="does not exist. Create it"):
        run_alg(alg, {"INPUT": str(src), "OUTPUT": str(tmp_path / "nope" / "o.gpkg")})
    assert sorted(p.name for p in tmp_path.iterdir()) == ["act.tif"] and digest(src) == before
    # A memory layer needs no folder.
    res = run_alg(alg, {"INPUT": str(src), "OUTPUT": "memory:"})
    assert res["COUNT"] > 0


@pytest.mark.parametrize("large", [False, True], ids=["read-whole", "too-big-to-read"])
def test_points_lie_on_their_objects(tmp_path, small_strips, monkeypatch, large):
    """A ring's or a C's centroid is off the object: the point moves to the object's nearest pixel, for
    both methods, also for an object too big to read whole (searched in its centroid's strip); every
    point of the realistic blobs lies on a pixel above the threshold."""
    import rasterio
    from shapely import from_wkb

    from deepfeature.core.postprocessing import activation_to_points, to_points

    if large:
        monkeypatch.setattr(to_points, "MAX_SPLIT_PIXELS", 100)  # the ring's box is 37 x 37

    yy, xx = np.mgrid[0:60, 0:60]
    radius = np.hypot(yy - 30, xx - 30)
    act = np.where((radius >= 12) & (radius <= 18) & ~((xx > 30) & (abs(yy - 30) < 5)), 0.9, 0.05)
    act = act.astype("float32")
    act[2:6, 2:6] = 0.8  # a compact object keeps its exact centroid
    src = write_activation(tmp_path / "ring.tif", act)
    for method in ("components", "maxima"):
        pts = []
        activation_to_points(src, lambda w, a, out=pts: out.append(from_wkb(w)), method=method,
                             min_distance=40)
        assert len(pts) == 2, method
        cols = [int((p.x - 500000) / PIXEL) for p in pts]
        rows = [int((4000000 - p.y) / PIXEL) for p in pts]
        assert all(act[r, c] >= 0.5 for r, c in zip(rows, cols)), method
        assert any(p.x == pytest.approx(500000 + 4 * PIXEL) and p.y == pytest.approx(4000000 - 4 * PIXEL)
                   for p in pts)
    blob_src = write_activation(tmp_path / "blobs.tif", blobs())
    with rasterio.open(blob_src) as ds:
        data = ds.read(1)
    for method in ("components", "maxima"):
        pts = []
        activation_to_points(blob_src, lambda w, a, out=pts: out.append(from_wkb(w)), method=method)
        on = [data[int((4000000 - p.y) / PIXEL), int((p.x - 500000) / PIXEL)] >= 0.5 for p in pts]
        assert on and all(on), method


def test_raster_output_must_be_a_geotiff_name(run_alg, tmp_path):
    """Rasters are written as GeoTIFF: another extension (.img) is refused up front, not written as a
    GeoTIFF under a misleading name."""
    from qgis.core import QgsProcessingException

    src = write_activation(tmp_path / "act.tif", blobs(), {1: "car"})
    with pytest.raises(QgsProcessingException, match=r"ending in \.tif \(e\.g\. 'cls\.tif'\)"):
        run_alg("activationtoclassification", {"INPUT": str(src), "OUTPUT": str(tmp_path / "cls.img")})
    assert sorted(p.name for p in tmp_path.iterdir()) == ["act.tif"]
    res = run_alg("activationtoclassification", {"INPUT": str(src), "OUTPUT": str(tmp_path / "cls.TIFF")})
    assert Path(res["OUTPUT"]).name == "cls.TIFF"


def test_empty_results_say_why(tmp_path):
    """Nothing found: the warning gives the highest activation against the threshold, or names
    MIN_AREA when only small objects reach it."""
    from deepfeature.core.postprocessing import (
        activation_to_classification,
        activation_to_points,
        activation_to_polygons,
    )
    from deepfeature.core.progress import RecordingProgress

    act = blobs() * np.float32(0.9)
    src = write_activation(tmp_path / "act.tif", act)
    top = float(act.max())
    assert 0.5 < top < 0.95

    def warnings_of(function, *args, **kwargs):
        progress = RecordingProgress()
        function(src, *args, progress=progress, **kwargs)
        return progress.warnings

    sink = lambda w, a: None  # noqa: E731
    for function, args in ((activation_to_polygons, (sink,)), (activation_to_points, (sink,)),
                           (activation_to_classification, (tmp_path / "c.tif",))):
        (warning,) = warnings_of(function, *args, threshold=0.95)
        assert "highest activation in" in warning
        assert "{:.4f}, below the threshold 0.9500".format(top) in warning
        (warning,) = warnings_of(function, *args, threshold=0.5, min_area=1e6)
        assert "smaller than the minimum area" in warning and "Lower MIN_AREA" in warning
        assert warnings_of(function, *args, threshold=0.5) == []


def test_raster_outputs_keep_their_style_outside_processing(run_alg, tmp_path):
    """Each styled raster output gets a default style file beside it, so QGIS shows it styled whenever
    it is opened (after qgis_process, in a later session), not only when Processing loads it."""
    from qgis.core import QgsRasterLayer

    src = write_activation(tmp_path / "act.tif", blobs(), {1: "car"})
    res = run_alg("activationtoclassification", {"INPUT": str(src), "OUTPUT": str(tmp_path / "cls.tif")})
    assert (tmp_path / "cls.qml").is_file()
    layer = QgsRasterLayer(res["OUTPUT"], "later", "gdal")
    _, loaded = layer.loadDefaultStyle()
    renderer = layer.renderer()
    assert loaded and renderer.type() == "paletted"
    assert [(c.value, c.label) for c in renderer.classes()] == [(1, "car")]


def test_minimum_area_in_degrees_is_warned(tmp_path):
    """On a geographic CRS the minimum area is in square degrees: the user is told, with the fix."""
    import rasterio
    from rasterio.transform import from_origin

    from deepfeature.core.activation_format import activation_tags
    from deepfeature.core.postprocessing import activation_to_classification
    from deepfeature.core.progress import RecordingProgress

    act = np.zeros((40, 40), dtype="float32")
    act[5:15, 5:15] = 0.9
    path = tmp_path / "act4326.tif"
    with rasterio.open(path, "w", driver="GTiff", width=40, height=40, count=1, dtype="float32",
                       crs="EPSG:4326", nodata=-1.0, transform=from_origin(10.0, 50.0, 1e-5, 1e-5)) as dst:
        dst.write(act[None])
        dst.update_tags(**activation_tags({1: "building"}))
    progress = RecordingProgress()
    activation_to_classification(path, tmp_path / "c.tif", min_area=20, progress=progress)
    assert any("square degrees" in w and "Warp" in w for w in progress.warnings), progress.warnings
    projected = write_activation(tmp_path / "act3857.tif", act, {1: "building"})
    progress = RecordingProgress()
    activation_to_classification(projected, tmp_path / "p.tif", min_area=20, progress=progress)
    assert not any("square degrees" in w for w in progress.warnings)
