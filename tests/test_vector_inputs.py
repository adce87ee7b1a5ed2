"""Vector inputs as QGIS users have them: curved geometries, class names in the class field, NULLs."""

from __future__ import annotations

import json
import math

import numpy as np
import pytest

from .helpers_labels import write_vector
from .helpers_rasters import PIXEL, write_activation, write_reference_raster

ORIGIN = (500000.0, 4000000.0)  # the upper-left corner of write_activation's rasters (EPSG:3857)


def _ground(row: float, col: float) -> tuple[float, float]:
    return ORIGIN[0] + col * PIXEL, ORIGIN[1] - row * PIXEL


def _disc(shape, row, col, radius_px):
    yy, xx = np.mgrid[0:shape[0], 0:shape[1]]
    return np.hypot(yy + 0.5 - row, xx + 0.5 - col) <= radius_px


def _curve_layer(path, circles):
    """A GeoPackage of CurvePolygons (true circular arcs, as QGIS's circle digitizing makes)."""
    from osgeo import ogr, osr

    srs = osr.SpatialReference()
    srs.ImportFromEPSG(3857)
    ds = ogr.GetDriverByName("GPKG").CreateDataSource(str(path))
    layer = ds.CreateLayer("circles", srs, ogr.wkbCurvePolygon)
    for row, col, radius in circles:
        x, y = _ground(row, col)
        r = radius * PIXEL
        wkt = "CURVEPOLYGON(CIRCULARSTRING({a} {y}, {b} {y}, {a} {y}))".format(a=x - r, b=x + r, y=y)
        feature = ogr.Feature(layer.GetLayerDefn())
        feature.SetGeometry(ogr.CreateGeometryFromWkt(wkt))
        layer.CreateFeature(feature)
    ds = None
    return path


def test_curved_polygons_are_labelled_and_evaluated(run_alg, tmp_path):
    """CurvePolygons (circle digitizing, ESRI true curves) are turned into straight segments: the label
    raster holds the discs' area and evaluate scores a matching activation as a near-perfect match."""
    import rasterio

    circles = [(40, 50, 20), (100, 130, 25)]
    curves = _curve_layer(tmp_path / "curves.gpkg", circles)
    truth = np.zeros((160, 200), dtype=bool)
    for row, col, radius in circles:
        truth |= _disc(truth.shape, row, col, radius)
    image = write_activation(tmp_path / "image.tif", np.stack([truth * 0.8 + 0.1] * 3),
                             {1: "a", 2: "b", 3: "c"})
    out = tmp_path / "labels.tif"
    run_alg("labelrasterfromvector", {"INPUT": str(image), "LABELS": [str(curves)], "OUTPUT": str(out)})
    with rasterio.open(out) as src:
        mask = src.read(src.count)
    assert abs(int((mask == 1).sum()) - sum(math.pi * r * r for *_, r in circles)) < 0.02 * truth.sum()
    assert (mask == 1)[truth].mean() > 0.98
    act = write_activation(tmp_path / "act.tif", np.where(truth, 0.9, 0.05), {1: "circle"})
    res = run_alg("evaluate", {"PREDICTION": str(act), "REFERENCE_VECTOR": str(curves),
                               "OUTPUT_JSON": str(tmp_path / "e.json")})
    assert res["IOU"] > 0.95


def test_evaluate_class_field_takes_class_names_and_refuses_nulls(run_alg, tmp_path):
    """A text class field holding the model's class names (any case) is matched by name; a name the
    prediction lacks and a NULL class value are refused with a message that names the fix."""
    import shapely
    from osgeo import ogr, osr
    from qgis.core import QgsProcessingException

    house = np.zeros((100, 120), dtype=bool)
    house[10:40, 10:50] = True
    road = np.zeros_like(house)
    road[60:70, :] = True
    act = write_activation(tmp_path / "act.tif", np.stack([np.where(house, 0.9, 0.05),
                                                          np.where(road, 0.9, 0.05)]),
                           {1: "house", 2: "road"})

    def box(r0, r1, c0, c1):
        (x0, y0), (x1, y1) = _ground(r0, c0), _ground(r1, c1)
        return shapely.box(x0, y1, x1, y0)

    geoms = [box(10, 40, 10, 50), box(60, 70, 0, 120)]
    srs = osr.SpatialReference()
    srs.ImportFromEPSG(3857)
    crs = srs.ExportToWkt()
    named = write_vector(tmp_path / "named.gpkg", geoms, crs,
                         fields={"kind": (ogr.OFTString, ["House ", "ROAD"])})
    res = run_alg("evaluate", {"PREDICTION": str(act), "REFERENCE_VECTOR": str(named), "CLASS_FIELD": "kind",
                               "OUTPUT_JSON": str(tmp_path / "e.json")})
    report = json.loads((tmp_path / "e.json").read_text())
    assert res["IOU"] == pytest.approx(1.0)
    features = [m for m in report["classes"] if m["id"] > 0]
    assert {(m["id"], m["name"]) for m in features} == {(1, "house"), (2, "road")}
    assert all(m["iou"] == pytest.approx(1.0) for m in features)
    other = write_vector(tmp_path / "other.gpkg", geoms, crs,
                         fields={"kind": (ogr.OFTString, ["house", "tree"])})
    with pytest.raises(QgsProcessingException,
                       match="'tree' is not a class of the prediction .*1=house, 2=road"):
        run_alg("evaluate", {"PREDICTION": str(act), "REFERENCE_VECTOR": str(other), "CLASS_FIELD": "kind",
                             "OUTPUT_JSON": str(tmp_path / "o.json")})
    nulls = write_vector(tmp_path / "nulls.gpkg", geoms, crs, fields={"cls": (ogr.OFTInteger, [1, None])})
    with pytest.raises(QgsProcessingException, match="has no value in the class field 'cls'"):
        run_alg("evaluate", {"PREDICTION": str(act), "REFERENCE_VECTOR": str(nulls), "CLASS_FIELD": "cls",
                             "OUTPUT_JSON": str(tmp_path / "n.json")})
    assert not (tmp_path / "o.json").exists() and not (tmp_path / "n.json").exists()


def test_evaluate_prediction_without_crs_on_the_reference_grid(tmp_path):
    """A prediction whose CRS was lost but which lies on the reference's grid is compared (with a
    warning); on another grid the message says that the grids differ and a CRS is missing."""
    import rasterio

    from deepfeature.core.errors import LabelError
    from deepfeature.core.postprocessing import evaluate
    from deepfeature.core.progress import RecordingProgress

    ref = np.zeros((40, 50), dtype="uint8")
    ref[5:20, 10:30] = 1
    reference = write_reference_raster(tmp_path / "ref.tif", ref, {1: "building"})
    pred = ref.copy()
    pred[5:20, 28:32] = 1
    with rasterio.open(reference) as src:
        profile = dict(src.profile, count=1, crs=None)
    for name, shift in (("same.tif", 0), ("moved.tif", 7.5)):
        t = profile["transform"]
        moved = dict(profile, transform=t * t.translation(shift, 0))
        with rasterio.open(tmp_path / name, "w", **moved) as dst:
            dst.write(pred[None])
    progress = RecordingProgress()
    result = evaluate(tmp_path / "same.tif", reference_path=reference, progress=progress)
    tp, fp = 15 * 20, 15 * 2
    assert result["iou"] == pytest.approx(tp / (tp + fp))
    assert any("has no CRS" in w for w in progress.warnings)
    with pytest.raises(LabelError, match="not on the same grid and one of them has no CRS"):
        evaluate(tmp_path / "moved.tif", reference_path=reference)
