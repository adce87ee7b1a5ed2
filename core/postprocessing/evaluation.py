"""Evaluate a prediction (activation or classification raster) against a reference.

The reference is a label raster (its mask band: 0 background, 1..K classes, the ignore value) or
vector shapes rasterized on the prediction grid (:mod:`.references`). The confusion matrix is
accumulated by strips of rows (memory does not grow with the raster height); ignore pixels and
prediction NoData are excluded. Results: per-class precision, recall, F1, IoU, the confusion matrix, the
overall accuracy, the Kullback-Leibler divergence between the reference and predicted class
distributions, object scores (one-to-one matching of 4-connected objects at IoU >= 0.5) and relaxed scores
(a tolerance of a few pixels at the outlines) from :mod:`.object_scores`, fed with the same strips, a JSON
file and a self-contained HTML report with a picture of the errors (:mod:`.evaluation_report`).
"""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Sequence

from ..activation_format import CLASS_NODATA
from ..class_table import ClassTable
from ..errors import LabelError, ParameterError
from ..files import check_output_path, write_text_atomic
from ..progress import Progress, ensure
from .activation_strips import strips
from .evaluation_report import ErrorPicture, html_report
from .object_scores import DEFAULT_TOLERANCE, ObjectScores, RelaxedScores
from .references import Prediction, Reference
from .thresholds import DEFAULT_THRESHOLD

N = 256  # confusion matrix size (class ids 0..255)


def _safe_div(a: float, b: float) -> float | None:
    return float(a) / float(b) if b else None


def class_metrics(confusion, class_id: int) -> dict:
    """Pixel counts and precision, recall, F1, IoU of one class (rows: reference, columns: prediction).

    A ratio with a zero denominator is ``None`` (undefined).
    """
    tp = int(confusion[class_id, class_id])
    fp = int(confusion[:, class_id].sum()) - tp
    fn = int(confusion[class_id, :].sum()) - tp
    precision, recall = _safe_div(tp, tp + fp), _safe_div(tp, tp + fn)
    return {
        "tp": tp, "fp": fp, "fn": fn,
        "reference_pixels": tp + fn, "predicted_pixels": tp + fp,
        "precision": precision, "recall": recall,
        "f1": _safe_div(2 * tp, 2 * tp + fp + fn),
        "iou": _safe_div(tp, tp + fp + fn),
    }


def kl_divergence(confusion, ids: Sequence[int]) -> float:
    """KL divergence D(reference || prediction) of the class distributions (nats; eps-smoothed)."""
    import numpy as np

    ref = np.array([confusion[i, :].sum() for i in ids], dtype=np.float64)
    pred = np.array([confusion[:, i].sum() for i in ids], dtype=np.float64)
    if ref.sum() == 0:
        return 0.0
    eps = 1e-10
    p = ref / ref.sum() + eps
    q = pred / max(pred.sum(), 1) + eps
    p, q = p / p.sum(), q / q.sum()
    return float(np.sum(p * np.log(p / q)))



def evaluate(
    prediction_path: str | os.PathLike,
    *,
    reference_path: str | os.PathLike | None = None,
    reference_shapes: Sequence[tuple[bytes, int]] | None = None,
    reference_classes: dict[int, str] | None = None,
    threshold: float = DEFAULT_THRESHOLD,
    relaxed_tolerance: int = DEFAULT_TOLERANCE,
    output_json: str | os.PathLike | None = None,
    output_html: str | os.PathLike | None = None,
    progress: Progress | None = None,
) -> dict:
    """Compare a prediction with a reference; write JSON and HTML reports; return the results dict.

    ``reference_shapes``: ``(wkb, class)`` pairs in the prediction CRS, rasterized on the prediction
    grid; a class is an id (255 = ignore) or one of the prediction's class names. Otherwise
    ``reference_path`` is a label raster. ``relaxed_tolerance``: pixels of slack of the relaxed
    precision and recall (0 = the pixel scores).
    """
    progress = ensure(progress)
    if (reference_path is None) == (reference_shapes is None):
        raise ParameterError("Give exactly one reference: a label raster or a vector layer.")
    if not 0.0 < float(threshold) <= 1.0:
        raise ParameterError("THRESHOLD must be between 0 and 1; {} was given.".format(threshold))
    if int(relaxed_tolerance) != relaxed_tolerance or relaxed_tolerance < 0:
        raise ParameterError(
            "The tolerance of the relaxed scores must be a whole number of pixels, 0 or more; {} was "
            "given.".format(relaxed_tolerance))
    inputs = [prediction_path] + ([reference_path] if reference_path else [])
    picture_path = _check_outputs(inputs, output_json, output_html)
    pred = Prediction(prediction_path, float(threshold))
    ref = Reference(pred, reference_path, reference_shapes, reference_classes, progress)
    picture = ErrorPicture(pred.width, pred.height)
    objects, relaxed = ObjectScores(), RelaxedScores(int(relaxed_tolerance), pred.height)
    try:
        confusion, excluded = _confusion(prediction_path, pred, ref, picture, (objects, relaxed), progress)
    finally:
        ref.close()
    total = int(confusion.sum())
    if total == 0:
        raise LabelError(
            "No pixel can be compared: the reference is ignore/NoData wherever the prediction has values "
            "(or they do not overlap). Check that the reference covers the prediction."
        )
    _warn_class_mismatch(pred.classes, ref.classes, progress)
    if not confusion[1:].sum():
        progress.warning(
            "The reference has no feature pixels where it overlaps the prediction (an empty layer, or "
            "features outside the prediction): recall is undefined and every predicted feature pixel "
            "counts as a false positive. Check the reference layer and its class field."
        )
    result = {
        "prediction": str(prediction_path),
        "reference": str(reference_path) if reference_path else "vector layer",
        "prediction_type": "activation" if pred.activation else "classification",
        "threshold": float(threshold) if pred.activation else None,
        "pixels": total,
        "excluded_pixels": excluded,
    }
    result.update(_metrics(confusion, pred.classes, ref.classes))
    names = {m["id"]: m["name"] for m in result["classes"] if m["id"] > 0}
    result["objects"], result["relaxed"] = objects.result(names), relaxed.result(names)
    _write_reports(result, output_json, output_html, picture, picture_path, inputs)
    progress.info(
        "IoU {}, F1 {}, precision {}, recall {}, accuracy {:.4f} over {} pixels; object F1 {} (IoU >= {}), "
        "relaxed F1 {} ({} px).".format(
            *(_fmt(result[k]) for k in ("iou", "f1", "precision", "recall")), result["accuracy"], total,
            _fmt(result["objects"]["f1"]), result["objects"]["iou_threshold"], _fmt(result["relaxed"]["f1"]),
            result["relaxed"]["tolerance"])
    )
    progress.progress(1.0)
    return result


def _fmt(value: float | None) -> str:
    return "{:.4f}".format(value) if value is not None else "n/a"


def _check_outputs(inputs: list, output_json, output_html) -> Path | None:
    """Check the report paths; the error picture's path beside the HTML report (None without one)."""
    picture_path = None
    if output_json:
        check_output_path(output_json, inputs, "JSON report")
    if output_html:
        check_output_path(output_html, inputs, "HTML report")
        picture_path = Path(output_html).with_name(Path(output_html).stem + "_errors.png")
        check_output_path(picture_path, inputs, "error picture")
    return picture_path


def _confusion(prediction_path, pred: Prediction, ref: Reference, picture: ErrorPicture,
               scores: Sequence[ObjectScores | RelaxedScores], progress: Progress):
    """The confusion matrix (rows: reference, columns: prediction) and the excluded pixel count,
    accumulated strip by strip (the error picture and the ``scores`` with it: their strips are 0 where
    excluded)."""
    import numpy as np
    import rasterio

    confusion = np.zeros((N, N), dtype=np.int64)
    excluded = 0
    with rasterio.open(prediction_path) as src:
        parts = strips(pred.height)
        for i, (r0, r1) in enumerate(parts):
            progress.check()
            p = pred.read(src, r0, r1)
            r = ref.read(r0, r1)
            valid = (p != CLASS_NODATA) & (r != ref.ignore)
            excluded += int((~valid).sum())
            idx = r[valid].astype(np.int64) * N + p[valid]
            confusion += np.bincount(idx, minlength=N * N).reshape(N, N)
            picture.add(r0, r1, p, r, valid)
            p_valid, r_valid = np.where(valid, p, 0), np.where(valid, r, 0)
            for score in scores:
                score.add(p_valid, r_valid)
            progress.progress(0.9 * (i + 1) / len(parts))
    return confusion, excluded


def _metrics(confusion, pred_classes: dict, ref_classes: dict) -> dict:
    """Overall accuracy, means over the feature classes, KLD, per-class metrics and the confusion matrix
    of the classes named on either side or seen."""
    import numpy as np

    names = {0: "background"}
    names.update(ClassTable.from_mapping(pred_classes).as_dict())
    names.update(ClassTable.from_mapping(ref_classes).as_dict())
    seen = set(np.flatnonzero(confusion.sum(axis=0) + confusion.sum(axis=1)).tolist())
    ids = sorted((set(names) | seen) - {CLASS_NODATA})
    per_class = []
    for c in ids:
        m = class_metrics(confusion, c)
        m.update({"id": c, "name": names.get(c, "class {}".format(c))})
        per_class.append(m)
    features = [m for m in per_class if m["id"] > 0]

    def macro(key):
        vals = [m[key] for m in features if m[key] is not None]
        return float(np.mean(vals)) if vals else None

    return {
        "accuracy": float(np.trace(confusion)) / int(confusion.sum()),
        "iou": macro("iou"),
        "f1": macro("f1"),
        "precision": macro("precision"),
        "recall": macro("recall"),
        "kld": kl_divergence(confusion, ids),
        "classes": per_class,
        "confusion_matrix": {
            "labels": ids,
            "rows_are": "reference",
            "columns_are": "prediction",
            "matrix": confusion[np.ix_(ids, ids)].tolist(),
        },
    }


def _write_reports(result: dict, output_json, output_html, picture: ErrorPicture, picture_path,
                   inputs: list) -> None:
    """Write the JSON report, and the error picture and HTML report; add their paths to ``result``."""
    if output_json:
        write_text_atomic(output_json, json.dumps(result, indent=2))
        result["json"] = str(output_json)
    if output_html:
        picture.write_png(picture_path, inputs)
        write_text_atomic(output_html, html_report(result, picture_path, picture.factor))
        result["html"] = str(output_html)
        result["picture"] = str(picture_path)


def _warn_class_mismatch(pred_classes: dict, ref_classes: dict, progress: Progress) -> None:
    """Classes are compared by number: say so when both sides name their classes and the names differ."""
    if not pred_classes or not ref_classes:
        return
    pred_names = ClassTable.from_mapping(pred_classes).as_dict()
    ref_names = ClassTable.from_mapping(ref_classes).as_dict()
    differ = [
        "{} '{}' / '{}'".format(c, pred_names.get(c, "-"), ref_names.get(c, "-"))
        for c in sorted(set(pred_names) | set(ref_names))
        if pred_names.get(c) != ref_names.get(c)
    ]
    if differ:
        progress.warning(
            "The prediction's and the reference's classes differ (number 'prediction' / 'reference'; - = "
            "not defined): {}. Classes are compared by number; check that the numbers mean the same "
            "classes.".format(", ".join(differ))
        )
