"""deepfeature:evaluate — metrics checked against an independent numpy computation on the same rasters."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest

from .test_classify import (  # noqa: F401 - session fixtures shared with the classification tests
    burn_buildings,
    lower_third_activation,
    mass_labels,
    trained_model,
)
from .test_postprocess import PIXEL, digest, write_activation


def numpy_metrics(pred, ref, cls=1, valid=None):
    valid = np.ones(ref.shape, bool) if valid is None else valid
    p, r = (pred == cls) & valid, (ref == cls) & valid
    tp, fp, fn = np.sum(p & r), np.sum(p & ~r), np.sum(~p & r)
    return {"iou": tp / (tp + fp + fn), "f1": 2 * tp / (2 * tp + fp + fn), "precision": tp / (tp + fp),
            "recall": tp / (tp + fn)}


@pytest.mark.realdata
def test_evaluate_real_activation_matches_numpy(run_alg, lower_third_activation, mass_labels,  # noqa: F811
                                                massachusetts, tmp_path):
    import rasterio

    act_path, _ = lower_third_activation
    mask, label_path = mass_labels
    with rasterio.open(act_path) as ds:
        act = ds.read(1)
    before = digest(act_path), digest(label_path)
    res = run_alg("evaluate", {"PREDICTION": str(act_path), "REFERENCE": str(label_path), "THRESHOLD": 0.5,
                               "OUTPUT_JSON": str(tmp_path / "m.json"),
                               "OUTPUT_HTML": str(tmp_path / "r.html")})
    expected = numpy_metrics((act >= 0.5).astype(int), mask[601:901])
    for key in ("iou", "f1", "precision", "recall"):
        assert res[key.upper()] == pytest.approx(expected[key], rel=1e-9)
    data = json.loads(Path(res["OUTPUT_JSON"]).read_text())
    assert data["pixels"] == 1182 * 300 and data["classes"][1]["name"] == "building"
    cm = np.array(data["confusion_matrix"]["matrix"])
    assert cm.sum() == 1182 * 300 and cm[1, 1] == np.sum((act >= 0.5) & (mask[601:901] == 1))
    page = Path(res["OUTPUT_HTML"]).read_text()
    assert "data:image/png;base64," in page and "false positive" in page
    assert (tmp_path / "r_errors.png").exists()
    assert (digest(act_path), digest(label_path)) == before
    # The same polygons as a vector reference (rasterized on the prediction grid) give the same numbers.
    res2 = run_alg("evaluate", {"PREDICTION": str(act_path), "REFERENCE_VECTOR": str(massachusetts[1]),
                                "CLASS_FIELD": "class", "OUTPUT_JSON": str(tmp_path / "v.json"),
                                "OUTPUT_HTML": str(tmp_path / "v.html")})
    assert res2["IOU"] == pytest.approx(res["IOU"], rel=1e-9)


def write_label_raster(path, mask, classes, ignore=255):
    import rasterio
    from rasterio.transform import from_origin

    from deepfeature.core.labelraster import label_tags

    img = np.full(mask.shape, 7, dtype="uint8")
    with rasterio.open(path, "w", driver="GTiff", width=mask.shape[1], height=mask.shape[0], count=2,
                       dtype="uint8", crs="EPSG:3857",
                       transform=from_origin(500000, 4000000, PIXEL, PIXEL)) as dst:
        dst.write(img, 1)
        dst.write(mask.astype("uint8"), 2)
        dst.update_tags(**label_tags(classes, ignore, 1, None))
    return path


def test_multiclass_classification_with_ignore_and_nodata(tmp_path, monkeypatch):
    import rasterio
    from rasterio.transform import from_origin

    from deepfeature.core import postprocess
    from deepfeature.core.evaluate import evaluate

    monkeypatch.setattr(postprocess, "STRIP_ROWS", 7)
    rng = np.random.default_rng(1)
    ref = rng.integers(0, 4, (90, 70))
    ref[:10, :10] = 255  # ignore
    pred = np.where(rng.random(ref.shape) < 0.7, ref % 255, rng.integers(0, 4, ref.shape)).astype("uint8")
    pred[80:, 60:] = 255  # prediction NoData
    classes = {1: "water", 2: "forest", 3: "road"}
    label = write_label_raster(tmp_path / "ref.tif", ref, classes)
    pred_path = tmp_path / "pred.tif"
    with rasterio.open(pred_path, "w", driver="GTiff", width=70, height=90, count=1, dtype="uint8",
                       nodata=255,
                       crs="EPSG:3857", transform=from_origin(500000, 4000000, PIXEL, PIXEL)) as dst:
        dst.write(pred, 1)
    res = evaluate(pred_path, reference_path=label, output_json=tmp_path / "m.json")
    valid = (ref != 255) & (pred != 255)
    expected_cm = np.zeros((4, 4), int)
    np.add.at(expected_cm, (ref[valid], pred[valid]), 1)
    np.testing.assert_array_equal(np.array(res["confusion_matrix"]["matrix"]), expected_cm)
    for c in (1, 2, 3):
        m = next(x for x in res["classes"] if x["id"] == c)
        exp = numpy_metrics(pred, ref, c, valid)
        assert m["name"] == classes[c]
        assert m["iou"] == pytest.approx(exp["iou"]) and m["f1"] == pytest.approx(exp["f1"])
    ious = [numpy_metrics(pred, ref, c, valid)["iou"] for c in (1, 2, 3)]
    assert res["iou"] == pytest.approx(np.mean(ious))
    assert res["excluded_pixels"] == int((~valid).sum())
    p = np.bincount(ref[valid], minlength=4) / valid.sum()
    q = np.bincount(pred[valid], minlength=4) / valid.sum()
    assert res["kld"] == pytest.approx(np.sum(p * np.log(p / q)), rel=1e-6)
    assert json.loads((tmp_path / "m.json").read_text())["kld"] == pytest.approx(res["kld"])


def test_reference_on_a_sub_grid(tmp_path):
    """A prediction made with EXTENT (a window) is compared with the matching part of the reference."""
    from deepfeature.core.evaluate import evaluate

    ref = np.zeros((60, 50), dtype="uint8")
    ref[20:40, 10:30] = 1
    label = write_label_raster(tmp_path / "ref.tif", ref, {1: "b"})
    act = np.zeros((30, 40), dtype="float32")
    act[5:25, 5:25] = 0.9  # window rows 15..45, cols 5..45 of the reference
    import rasterio
    from rasterio.transform import from_origin

    pred = tmp_path / "pred.tif"
    write_activation(pred, act, {1: "b"})
    with rasterio.open(pred, "r+") as ds:
        ds.transform = from_origin(500000 + 5 * PIXEL, 4000000 - 15 * PIXEL, PIXEL, PIXEL)
    res = evaluate(pred, reference_path=label)
    expected = numpy_metrics((act >= 0.5).astype(int), ref[15:45, 5:45])
    assert res["iou"] == pytest.approx(expected["iou"]) and res["f1"] == pytest.approx(expected["f1"])


def test_bad_reference_and_outputs(run_alg, tmp_path):
    from qgis.core import QgsProcessingException

    act = write_activation(tmp_path / "act.tif", np.full((20, 20), 0.7, dtype="float32"))
    out = tmp_path / "out"
    out.mkdir()
    with pytest.raises(QgsProcessingException, match="not a label raster"):
        run_alg("evaluate", {"PREDICTION": str(act), "REFERENCE": str(act),
                             "OUTPUT_JSON": str(out / "m.json"),
                             "OUTPUT_HTML": str(out / "r.html")})
    label = write_label_raster(tmp_path / "ref.tif", np.ones((20, 20)), {1: "b"})
    with pytest.raises(QgsProcessingException, match="does not exist"):
        run_alg("evaluate", {"PREDICTION": str(act), "REFERENCE": str(label),
                             "OUTPUT_JSON": str(tmp_path / "nope" / "m.json"),
                             "OUTPUT_HTML": str(out / "r.html")})
    assert list(out.iterdir()) == []
    res = run_alg("evaluate", {"PREDICTION": str(act), "REFERENCE": str(label),
                               "OUTPUT_JSON": str(out / "m.json"),
                               "OUTPUT_HTML": str(out / "r.html")})
    assert res["IOU"] == 1.0 and res["KLD"] == pytest.approx(0.0, abs=1e-6)


def test_burned_mask_is_the_label_raster_mask(massachusetts, mass_labels):  # noqa: F811
    """Sanity of the shared fixture: the label raster's mask band is the independently burned mask."""
    import rasterio

    mask, path = mass_labels
    with rasterio.open(path) as ds:
        np.testing.assert_array_equal(ds.read(4), burn_buildings(*massachusetts))
    assert mask.sum() > 10000


def test_suspicious_references_are_warned_and_reports_are_optional(run_alg, tmp_path):
    """Other class names (compared by number) and a reference without features get a warning; the
    algorithm writes only the reports asked for."""
    from deepfeature.core.evaluate import evaluate
    from deepfeature.core.progress import RecordingProgress

    act = np.zeros((30, 30), dtype="float32")
    act[5:15, 5:15] = 0.9
    pred = write_activation(tmp_path / "act.tif", act, {1: "building"})
    ref = np.zeros((30, 30), dtype="uint8")
    ref[6:16, 5:15] = 1

    def warnings_of(**kwargs):
        progress = RecordingProgress()
        evaluate(pred, progress=progress, **kwargs)
        return progress.warnings

    same = write_label_raster(tmp_path / "same.tif", ref, {1: "building"})
    assert warnings_of(reference_path=same) == []
    other = write_label_raster(tmp_path / "other.tif", ref, {1: "house", 2: "road"})
    (warning,) = warnings_of(reference_path=other)
    assert "1 'building' / 'house', 2 '-' / 'road'" in warning and "compared by number" in warning
    (warning,) = warnings_of(reference_shapes=[], reference_classes={})
    assert warning.startswith("The reference has no feature pixels")
    out = tmp_path / "out"
    out.mkdir()
    res = run_alg("evaluate", {"PREDICTION": str(pred), "REFERENCE": str(same),
                               "OUTPUT_JSON": str(out / "m.json")})
    assert res["OUTPUT_HTML"] is None and sorted(p.name for p in out.iterdir()) == ["m.json"]
    assert res["IOU"] == pytest.approx(90 / 110)
