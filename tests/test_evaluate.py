"""deepfeature:evaluate — metrics checked against an independent numpy computation on the same rasters."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest

from .helpers_rasters import PIXEL, burn_buildings, digest, write_activation, write_reference_raster


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


def test_multiclass_classification_with_ignore_and_nodata(tmp_path, monkeypatch):
    import rasterio
    from rasterio.transform import from_origin

    from deepfeature.core.postprocessing import activation_strips, evaluate

    monkeypatch.setattr(activation_strips, "STRIP_ROWS", 7)
    rng = np.random.default_rng(1)
    ref = rng.integers(0, 4, (90, 70))
    ref[:10, :10] = 255  # ignore
    pred = np.where(rng.random(ref.shape) < 0.7, ref % 255, rng.integers(0, 4, ref.shape)).astype("uint8")
    pred[80:, 60:] = 255  # prediction NoData
    classes = {1: "water", 2: "forest", 3: "road"}
    label = write_reference_raster(tmp_path / "ref.tif", ref, classes)
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
    from deepfeature.core.postprocessing import evaluate

    ref = np.zeros((60, 50), dtype="uint8")
    ref[20:40, 10:30] = 1
    label = write_reference_raster(tmp_path / "ref.tif", ref, {1: "b"})
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
    label = write_reference_raster(tmp_path / "ref.tif", np.ones((20, 20)), {1: "b"})
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
    from deepfeature.core.postprocessing import evaluate
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

    same = write_reference_raster(tmp_path / "same.tif", ref, {1: "building"})
    assert warnings_of(reference_path=same) == []
    other = write_reference_raster(tmp_path / "other.tif", ref, {1: "house", 2: "road"})
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


# -------------------------------------------------------------------------------------------------
# Class ids that skip numbers carry through the whole workflow
# -------------------------------------------------------------------------------------------------
def _scene_with_classified_labels(folder, class_map, class_names, seed=31, size=96):
    """(image, label raster) of a synthetic scene (buildings 1, road 2 in its classification raster), the
    label raster built with 'Build Label Raster from Classification' and ``class_map``."""
    import rasterio
    from rasterio.transform import from_origin

    from deepfeature.core.labels import build_label_raster_from_classification

    from .helpers_training import synthetic_scene

    image, mask = synthetic_scene(h=size, w=size, seed=seed)
    mask[size // 2 - 3:size // 2 + 3, :] = 2  # the road
    profile = dict(driver="GTiff", width=size, height=size, crs="EPSG:26986",
                   transform=from_origin(230000.0, 900000.0, 1.0, 1.0))
    image_path, cls_path = folder / "image.tif", folder / "classes.tif"
    with rasterio.open(image_path, "w", count=3, dtype="uint8", **profile) as dst:
        dst.write(image)
    with rasterio.open(cls_path, "w", count=1, dtype="uint8", **profile) as dst:
        dst.write(mask, 1)
    result = build_label_raster_from_classification(
        image_path, cls_path, folder / "labels.tif", class_map=class_map, class_names=class_names)
    return image_path, result.path


def _train_from_template(folder, label, epochs=1):
    from deepfeature.core.nn import ModelSpec, initialize_model, read_metadata
    from deepfeature.core.progress import RecordingProgress
    from deepfeature.core.training import TrainConfig, train_model

    init, trained = folder / "init.keras", folder / "trained.keras"
    initialize_model(ModelSpec(classes=(), patch_size=32, base_filters=4, depth=3), init, seed=2,
                     template=label)
    progress = RecordingProgress()
    train_model(str(init), [str(label)], None, str(trained),
                TrainConfig(epochs=epochs, patches_per_epoch=16, patches_per_batch=8, workers=1, seed=3),
                progress=progress)
    assert not any("class numbers" in w for w in progress.warnings)
    return trained, read_metadata(trained).spec


@pytest.mark.slow
def test_class_ids_that_skip_numbers_carry_through_the_workflow(tmp_path):
    """Label classes 2 and 5 -> model, activation bands, classification, polygons, points and evaluation
    all speak of classes 2 and 5 (not 1 and 2)."""
    import rasterio
    from shapely import from_wkb

    from deepfeature.core.activation_format import read_activation_info
    from deepfeature.core.inference import classify_raster
    from deepfeature.core.label_format import TAG_CLASSES, read_info
    from deepfeature.core.postprocessing import (
        activation_to_classification,
        activation_to_points,
        activation_to_polygons,
        evaluate,
    )
    from deepfeature.core.progress import RecordingProgress

    image, label = _scene_with_classified_labels(tmp_path, "1=2;2=5", {2: "building", 5: "road"})
    names = {2: "building", 5: "road"}
    assert read_info(label).classes == names
    model, spec = _train_from_template(tmp_path, label)
    assert spec.classes_by_id == names
    act, cls = tmp_path / "act.tif", tmp_path / "cls.tif"
    result = classify_raster(image, model, act, classification_path=cls, overviews=False)
    assert result["classes"] == names and set(result["class_pixels"]) == {0, 2, 5}
    info = read_activation_info(act)
    assert info.tagged and info.classes == names and info.class_ids == [2, 5]
    with rasterio.open(cls) as ds:
        classified = ds.read(1)
        assert json.loads(ds.tags()[TAG_CLASSES]) == {"2": "building", "5": "road"}
    assert set(np.unique(classified).tolist()) <= {0, 2, 5, 255}
    again = activation_to_classification(act, tmp_path / "again.tif")
    with rasterio.open(tmp_path / "again.tif") as ds:
        np.testing.assert_array_equal(ds.read(1), classified)
    assert again["classes"] == names and set(again["class_pixels"]) == {0, 2, 5}
    # A threshold near 0: every pixel is the most probable class, 2 or 5, never 1.
    low = activation_to_classification(act, tmp_path / "low.tif", threshold=1e-6)
    assert low["class_pixels"][0] == 0 and low["class_pixels"][2] + low["class_pixels"][5] == 96 * 96
    polygons, points = [], []
    activation_to_polygons(act, lambda w, a: polygons.append((from_wkb(w), a)), threshold=1e-6)
    activation_to_points(act, lambda w, a: points.append(a), threshold=1e-6)
    assert polygons and points
    for attrs in [a for _, a in polygons] + points:
        assert names[attrs["class_id"]] == attrs["class_name"]
    # Evaluation against the label raster: classes 2 and 5 by name, prediction and reference agree.
    progress = RecordingProgress()
    for prediction in (act, cls):
        res = evaluate(prediction, reference_path=label, progress=progress)
        assert {m["id"]: m["name"] for m in res["classes"]} == {0: "background", **names}
    assert not any("differ" in w for w in progress.warnings)
    res = evaluate(tmp_path / "low.tif", reference_path=label)
    assert {m["id"] for m in res["classes"]} == {0, 2, 5} and any(m["tp"] for m in res["classes"] if m["id"])


@pytest.mark.slow
def test_one_class_with_id_3_is_predicted_as_3(tmp_path):
    """'Build Label Raster from Classification' with CLASS_MAP '1=3': a one-class model predicts 3."""
    import rasterio

    from deepfeature.core.inference import classify_raster
    from deepfeature.core.postprocessing import activation_to_classification, evaluate

    image, label = _scene_with_classified_labels(tmp_path, "1=3", None, seed=32)
    model, spec = _train_from_template(tmp_path, label)
    assert spec.classes_by_id == {3: "class 3"} and spec.n_outputs == 1
    act, cls = tmp_path / "act.tif", tmp_path / "cls.tif"
    result = classify_raster(image, model, act, classification_path=cls, overviews=False)
    assert result["classes"] == {3: "class 3"} and set(result["class_pixels"]) == {0, 3}
    with rasterio.open(cls) as ds:
        assert set(np.unique(ds.read(1)).tolist()) <= {0, 3, 255}
    everywhere = activation_to_classification(act, tmp_path / "all.tif", threshold=1e-6)
    assert everywhere["class_pixels"] == {0: 0, 3: 96 * 96}
    res = evaluate(tmp_path / "all.tif", reference_path=label)
    (building,) = [m for m in res["classes"] if m["id"] > 0]
    assert building["id"] == 3 and building["name"] == "class 3" and building["iou"] > 0


# -------------------------------------------------------------------------------------------------
# Object scores (one-to-one matching at IoU >= 0.5) and relaxed scores (a tolerance in pixels)
# -------------------------------------------------------------------------------------------------
def write_classes(path, classes, like=None, nodata=255):
    """A one-band uint8 classification raster on the grid of the raster ``like`` (default: the grid of
    ``write_reference_raster``)."""
    import rasterio
    from rasterio.transform import from_origin

    grid = dict(crs="EPSG:3857", transform=from_origin(500000, 4000000, PIXEL, PIXEL))
    if like is not None:
        with rasterio.open(like) as src:
            grid = dict(crs=src.crs, transform=src.transform)
    with rasterio.open(path, "w", driver="GTiff", width=classes.shape[1], height=classes.shape[0], count=1,
                       dtype="uint8", nodata=nodata, **grid) as dst:
        dst.write(classes.astype("uint8"), 1)
    return path


def whole_array_scores(pred, ref, valid, tolerance, iou_threshold=0.5):
    """Object and relaxed counts of whole arrays, computed independently (labels of the whole raster,
    the full IoU matrix, distance transforms of the whole raster), pooled over the feature classes."""
    from scipy import ndimage

    p, r = np.where(valid, pred, 0), np.where(valid, ref, 0)
    out = dict.fromkeys(("reference_objects", "predicted_objects", "tp", "predicted_pixels",
                         "predicted_near_reference", "reference_pixels", "reference_near_prediction"), 0)
    names = {"predicted": "predicted_near_reference", "reference": "reference_near_prediction"}
    for c in sorted((set(np.unique(p).tolist()) | set(np.unique(r).tolist())) - {0, 255}):
        pl, n_p = ndimage.label(p == c)
        rl, n_r = ndimage.label(r == c)
        inter = np.zeros((n_p + 1, n_r + 1))
        np.add.at(inter, (pl.ravel(), rl.ravel()), 1)
        ps = np.bincount(pl.ravel(), minlength=n_p + 1)[1:]
        rs = np.bincount(rl.ravel(), minlength=n_r + 1)[1:]
        iou = inter[1:, 1:] / (ps[:, None] + rs[None, :] - inter[1:, 1:])
        assert (iou >= iou_threshold).sum(axis=0).max(initial=0) <= 1  # one-to-one at 0.5
        out["tp"] += int((iou >= iou_threshold).sum())
        out["predicted_objects"] += n_p
        out["reference_objects"] += n_r
        for side, other, key in ((p, r, "predicted"), (r, p, "reference")):
            mine, theirs = side == c, other == c
            near = (ndimage.distance_transform_edt(~theirs) <= tolerance) if theirs.any() else theirs
            out[key + "_pixels"] += int(mine.sum())
            out[names[key]] += int((mine & near).sum())
    return out


def squares_scene():
    """(reference, prediction) of 10 x 10 buildings with known object scores: A and B shifted by 1 px
    (matched), C shifted by 6 px (IoU 0.25: a false positive and a missed building), D and E (1 px apart)
    merged into one predicted object (matches D, IoU 0.71; E is missed), G missed, F a false object."""
    ref = np.zeros((64, 80), np.uint8)
    pred = np.zeros_like(ref)
    ref[5:15, 5:15] = 1          # A
    pred[5:15, 6:16] = 1
    ref[5:15, 25:35] = 1         # B
    pred[6:16, 25:35] = 1
    ref[25:35, 5:15] = 1         # C
    pred[25:35, 11:21] = 1
    ref[25:35, 30:45] = 1        # D (150 px)
    ref[25:35, 46:51] = 1        # E (50 px), one column from D
    pred[25:35, 30:51] = 1       # D + E merged (210 px)
    ref[45:55, 5:15] = 1         # G, missed
    pred[45:51, 60:67] = 1       # F, a false object
    return ref, pred


def test_object_scores_count_matches_one_to_one(tmp_path, monkeypatch):
    from deepfeature.core.postprocessing import activation_strips, evaluate

    monkeypatch.setattr(activation_strips, "STRIP_ROWS", 7)  # objects cross strip borders
    ref, pred = squares_scene()
    label = write_reference_raster(tmp_path / "ref.tif", ref, {1: "building"})
    res = evaluate(write_classes(tmp_path / "pred.tif", pred), reference_path=label,
                   output_json=tmp_path / "m.json")
    objects = res["objects"]
    assert {k: objects[k] for k in ("reference_objects", "predicted_objects", "tp", "fp", "fn")} == {
        "reference_objects": 6, "predicted_objects": 5, "tp": 3, "fp": 2, "fn": 3}
    assert objects["iou_threshold"] == 0.5
    assert (objects["precision"], objects["recall"], objects["f1"]) == (3 / 5, 3 / 6, 6 / 11)
    (building,) = objects["classes"]
    assert building["id"] == 1 and building["name"] == "building" and building["tp"] == 3
    assert json.loads((tmp_path / "m.json").read_text())["objects"] == objects
    # The false object F under ignore pixels of the reference is left out of both sides.
    ref[44:52, 58:70] = 255
    label = write_reference_raster(tmp_path / "ref2.tif", ref, {1: "building"})
    res = evaluate(tmp_path / "pred.tif", reference_path=label)
    assert (res["objects"]["predicted_objects"], res["objects"]["fp"], res["objects"]["tp"]) == (4, 1, 3)


def test_relaxed_scores_forgive_a_shift_within_the_tolerance(tmp_path):
    from deepfeature.core.postprocessing import evaluate

    ref = np.zeros((50, 60), np.uint8)
    ref[5:20, 5:25] = 1
    ref[30:45, 30:50] = 1
    pred = np.roll(ref, 2, axis=1)  # 2 px to the right
    label = write_reference_raster(tmp_path / "ref.tif", ref, {1: "building"})
    pred_path = write_classes(tmp_path / "pred.tif", pred)
    scores = {t: evaluate(pred_path, reference_path=label, relaxed_tolerance=t) for t in (0, 1, 2, 3)}
    for t in (2, 3):
        relaxed = scores[t]["relaxed"]
        assert relaxed["tolerance"] == t
        assert relaxed["precision"] == relaxed["recall"] == relaxed["f1"] == 1.0
    one = scores[1]["relaxed"]
    assert one["precision"] == one["recall"] == (15 * 19 * 2) / (15 * 20 * 2)
    # No tolerance: the pixel scores.
    zero = scores[0]
    assert zero["relaxed"]["precision"] == pytest.approx(zero["precision"]) and zero["precision"] < 1
    assert zero["relaxed"]["recall"] == pytest.approx(zero["recall"])
    assert zero["relaxed"]["predicted_pixels"] == zero["relaxed"]["reference_pixels"] == 2 * 15 * 20
    from deepfeature.core.errors import ParameterError

    with pytest.raises(ParameterError, match="whole number of pixels"):
        evaluate(pred_path, reference_path=label, relaxed_tolerance=-1)


def test_object_and_relaxed_scores_are_per_class(tmp_path):
    """A predicted object of another class on a reference object is no match, and its pixels are not
    near the reference of their own class."""
    from deepfeature.core.postprocessing import evaluate

    ref = np.zeros((40, 60), np.uint8)
    ref[5:15, 5:15] = 1
    ref[5:15, 30:40] = 2
    ref[25:35, 30:40] = 2
    pred = np.zeros_like(ref)
    pred[5:15, 6:16] = 1       # class 1 matched
    pred[5:15, 30:40] = 1      # class 1 on a class-2 building: no match
    pred[25:35, 31:41] = 2     # class 2 matched
    label = write_reference_raster(tmp_path / "ref.tif", ref, {1: "building", 2: "tank"})
    res = evaluate(write_classes(tmp_path / "pred.tif", pred), reference_path=label)
    by_id = {m["id"]: m for m in res["objects"]["classes"]}
    counts = [(by_id[c]["reference_objects"], by_id[c]["predicted_objects"], by_id[c]["tp"]) for c in (1, 2)]
    assert counts == [(1, 2, 1), (2, 1, 1)]
    assert by_id[2]["name"] == "tank"
    assert (res["objects"]["tp"], res["objects"]["fp"], res["objects"]["fn"]) == (2, 1, 1)
    relaxed = {m["id"]: m for m in res["relaxed"]["classes"]}
    assert relaxed[1]["precision"] == 0.5 and relaxed[1]["recall"] == 1.0
    assert relaxed[2]["precision"] == 1.0 and relaxed[2]["recall"] == 0.5
    assert res["relaxed"]["precision"] == 300 / 300 * 200 / 300  # pooled: 200 of 300 predicted pixels


def test_greedy_matching_below_half_takes_the_highest_iou_first():
    from deepfeature.core.postprocessing.object_scores import ObjectScores

    ref = np.zeros((10, 30), np.uint8)
    ref[2:8, 0:6] = 1        # R1: IoU 36/64 with P... shares 4 columns with P
    ref[2:8, 12:16] = 1      # R2: shares 2 columns with P
    pred = np.zeros_like(ref)
    pred[2:8, 2:14] = 1      # P: cols 2..13
    pred[2:8, 16:18] = 1     # P2 beside R2 (touches it by a side only in the picture: no overlap)
    scores = ObjectScores(iou_threshold=0.1)
    scores.add(pred, ref)
    result = scores.result({1: "building"})
    # IoU(P, R1) = 24 / 84, IoU(P, R2) = 12 / 84: P takes R1, R2 stays unmatched.
    assert (result["tp"], result["fp"], result["fn"]) == (1, 1, 1)


def test_streamed_scores_equal_whole_array_scores(tmp_path, monkeypatch):
    """Blobs of two classes with ignore and NoData pixels, scored by strips of 7 rows (tolerances below
    and above the strip height) and as one strip, equal an independent whole-array computation."""
    from scipy import ndimage

    from deepfeature.core.postprocessing import activation_strips, evaluate

    rng = np.random.default_rng(5)
    shape = (150, 130)
    ref = np.zeros(shape, np.uint8)
    pred = np.zeros(shape, np.uint8)
    for c, seed_shift in ((1, 0), (2, 1)):
        field = ndimage.gaussian_filter(rng.random(shape), 3)
        blobs = field > np.quantile(field, 0.85)
        ref[blobs & (ref == 0)] = c
        moved = np.roll(blobs, (seed_shift + 1, 1), axis=(0, 1)) & (rng.random(shape) > 0.05)
        pred[moved & (pred == 0)] = c
    ref[60:70, 20:90] = 255  # ignore
    pred[100:110, 40:60] = 255  # NoData
    label = write_reference_raster(tmp_path / "ref.tif", ref, {1: "a", 2: "b"})
    pred_path = write_classes(tmp_path / "pred.tif", pred)
    valid = (ref != 255) & (pred != 255)
    keys = ("reference_objects", "predicted_objects", "tp", "predicted_pixels", "predicted_near_reference",
            "reference_pixels", "reference_near_prediction")
    for tolerance in (0, 3, 10):
        expected = whole_array_scores(pred, ref, valid, tolerance)
        assert expected["tp"] > 5 and expected["predicted_objects"] > expected["tp"]
        results = []
        for rows in (7, 1000):
            monkeypatch.setattr(activation_strips, "STRIP_ROWS", rows)
            res = evaluate(pred_path, reference_path=label, relaxed_tolerance=tolerance)
            got = {k: res["objects"].get(k, res["relaxed"].get(k)) for k in keys}
            assert got == expected, (tolerance, rows)
            results.append((res["objects"], res["relaxed"]))
        assert results[0] == results[1]


def test_scores_through_the_algorithm_and_the_report(run_alg, tmp_path):
    from deepfeature.core.postprocessing import evaluate

    ref, pred = squares_scene()
    label = write_reference_raster(tmp_path / "ref.tif", ref, {1: "building"})
    pred_path = write_classes(tmp_path / "pred.tif", pred)
    res = run_alg("evaluate", {"PREDICTION": str(pred_path), "REFERENCE": str(label),
                               "OUTPUT_JSON": str(tmp_path / "m.json"),
                               "OUTPUT_HTML": str(tmp_path / "r.html")})
    core = evaluate(pred_path, reference_path=label)
    assert (res["OBJECT_PRECISION"], res["OBJECT_RECALL"], res["OBJECT_F1"]) == (3 / 5, 3 / 6, 6 / 11)
    for key in ("precision", "recall", "f1"):
        assert res["RELAXED_" + key.upper()] == core["relaxed"][key]
    assert core["relaxed"]["tolerance"] == 3 and 0 < core["relaxed"]["f1"] < 1
    data = json.loads(Path(res["OUTPUT_JSON"]).read_text())
    assert data["relaxed"] == core["relaxed"] and data["objects"]["classes"][0]["fn"] == 3
    page = Path(res["OUTPUT_HTML"]).read_text(encoding="utf-8")
    for text in ("Object precision (IoU ≥ 0.5)", "Relaxed recall (3 px)", "<td>0.6000</td>",
                 "within 3 pixels of a reference pixel"):
        assert text in page, text
    res = run_alg("evaluate", {"PREDICTION": str(pred_path), "REFERENCE": str(label), "RELAXED_TOLERANCE": 10,
                               "OUTPUT_JSON": str(tmp_path / "m10.json")})
    assert res["RELAXED_PRECISION"] == 510 / 552  # all predicted pixels but the false object F's 42
    assert json.loads(Path(res["OUTPUT_JSON"]).read_text())["relaxed"]["tolerance"] == 10


@pytest.mark.realdata
def test_real_labels_against_themselves_shifted(mass_labels, tmp_path, monkeypatch):
    """The Massachusetts building mask against itself (every building found) and shifted by 1 and 3 px to
    the east (objects found or lost as their IoU says; the relaxed scores forgive the shift)."""
    from deepfeature.core.postprocessing import activation_strips, evaluate

    monkeypatch.setattr(activation_strips, "STRIP_ROWS", 100)
    mask, label = mass_labels
    same = evaluate(write_classes(tmp_path / "same.tif", mask, like=label), reference_path=label)
    n = same["objects"]["reference_objects"]
    assert n > 100 and same["objects"]["tp"] == same["objects"]["predicted_objects"] == n
    assert same["objects"]["f1"] == same["relaxed"]["f1"] == 1.0
    for shift in (1, 3):
        moved = np.zeros_like(mask)
        moved[:, shift:] = mask[:, :-shift]
        res = evaluate(write_classes(tmp_path / "moved{}.tif".format(shift), moved, like=label),
                       reference_path=label)
        expected = whole_array_scores(moved, mask, np.ones(mask.shape, bool), 3)
        assert res["objects"]["tp"] == expected["tp"] and res["objects"]["reference_objects"] == n
        assert res["relaxed"]["reference_near_prediction"] == expected["reference_near_prediction"]
        assert res["relaxed"]["precision"] == 1.0  # every shifted pixel is within 3 px of its building
        assert res["objects"]["f1"] < 1.0 and res["objects"]["f1"] < res["relaxed"]["f1"]
