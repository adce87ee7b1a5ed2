"""Evaluate a prediction (activation or classification raster) against a reference.

The reference is a label raster (its mask band: 0 background, 1..K classes, the ignore value) or
vector shapes rasterized on the prediction grid. The confusion matrix is accumulated by strips of rows
(memory does not grow with the raster height); ignore pixels and prediction NoData are excluded. Results:
per-class precision, recall, F1, IoU, the confusion matrix, the overall accuracy, the Kullback-Leibler
divergence between the reference and predicted class distributions, a JSON file and a self-contained
HTML report with a picture of the errors (false positives and false negatives in two colours).
"""

from __future__ import annotations

import base64
import html
import json
import math
import os
import warnings
from pathlib import Path
from typing import Sequence

from ..activation_format import CLASS_NODATA, class_names_from_tags, read_activation_info
from ..errors import LabelError, ParameterError, RasterError
from ..files import atomic_output, check_output_path, require_file, write_text_atomic
from ..label_format import format_classes, read_info
from ..progress import Progress, ensure
from .postprocess import classify_block, read_activation_strip, strips

#: Longest side of the error picture (pixels); larger rasters are sampled.
PICTURE_SIZE = 1024
#: Error picture codes and colours (RGBA).
CODES = {
    "correct background": (0, (255, 255, 255, 255)),
    "correct feature": (1, (170, 170, 170, 255)),
    "false positive": (2, (228, 26, 28, 255)),
    "false negative": (3, (55, 126, 184, 255)),
    "wrong class": (4, (255, 127, 0, 255)),
    "ignored / NoData": (5, (255, 255, 255, 0)),
}
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


class _Prediction:
    """Reads class ids from an activation (thresholded) or a classification raster, by strips."""

    def __init__(self, path, threshold: float):
        import rasterio

        require_file(path, "prediction raster")
        try:
            with rasterio.open(path) as src:
                self.dtype = src.dtypes[0]
                self.count, self.width, self.height = src.count, src.width, src.height
                self.transform, self.crs, self.nodata = src.transform, src.crs, src.nodata
                tags = src.tags()
        except rasterio.errors.RasterioIOError as exc:
            raise RasterError("Cannot open the raster '{}': {}".format(path, exc)) from exc
        self.path, self.threshold = str(path), threshold
        self.activation = self.dtype.startswith("float")
        if self.activation:
            self.info = read_activation_info(path)
            self.classes = dict(self.info.classes)
        else:
            if self.count != 1:
                raise RasterError(
                    "The classification raster '{}' has {} bands; it should have one band of class ids. "
                    "Use the output of 'Activation to Classification' or an activation raster.".format(
                        path, self.count)
                )
            self.classes = class_names_from_tags(tags)

    def read(self, src, r0: int, r1: int):
        """Class ids (uint8, ``CLASS_NODATA`` where not valid) of rows ``r0..r1``."""
        import numpy as np
        from rasterio.windows import Window

        if self.activation:
            data, valid = read_activation_strip(src, self.info, r0, r1)
            cls, _ = classify_block(data, valid, self.threshold, self.info.class_ids)
            return cls
        data = src.read(1, window=Window(0, r0, self.width, r1 - r0))
        bad = (data < 0) | (data >= CLASS_NODATA)
        if self.nodata is not None:
            bad |= data == self.nodata
        out = data.astype(np.int64).clip(0, CLASS_NODATA).astype(np.uint8)
        out[bad] = CLASS_NODATA
        return out


class _Reference:
    """Reads reference class ids on the prediction grid (``ignore`` where unknown), by strips."""

    def __init__(self, pred: _Prediction, path=None, shapes=None, classes=None, progress=None):
        import rasterio

        progress = ensure(progress)
        self.pred = pred
        self.vrt = self.src = None
        if path:
            info = read_info(path)
            self.path, self.band, self.ignore = str(path), info.mask_band, int(info.ignore_value)
            self.classes = dict(info.classes)
            self.src = rasterio.open(path)
            same_crs = (self.src.crs == pred.crs) or (not self.src.crs and not pred.crs)
            inv = ~self.src.transform
            col, row = inv * (pred.transform.c, pred.transform.f)
            same_res = all(
                math.isclose(a, b, rel_tol=1e-6, abs_tol=1e-12)
                for a, b in zip(tuple(self.src.transform)[:2] + tuple(self.src.transform)[3:5],
                                tuple(pred.transform)[:2] + tuple(pred.transform)[3:5])
            )
            aligned = same_res and abs(col - round(col)) < 1e-3 and abs(row - round(row)) < 1e-3
            if aligned and not same_crs and not (self.src.crs and pred.crs):
                same_crs = True  # one has no CRS but both lie on the same grid: the same place
                progress.warning(
                    "The {} has no CRS; it lies on the grid of the {}, so both are taken to show the same "
                    "place.".format(*(("prediction", "reference") if not pred.crs else ("reference",
                                                                                        "prediction")))
                )
            if same_crs and aligned:
                self.offset = (int(round(col)), int(round(row)))
            else:
                from rasterio.enums import Resampling
                from rasterio.vrt import WarpedVRT

                if not pred.crs or not self.src.crs:
                    raise LabelError(
                        "The reference '{}' and the prediction are not on the same grid and {} no CRS, so "
                        "one cannot be placed on the other. Assign the right CRS to both rasters "
                        "(Raster > Projections > Assign Projection).".format(
                            path, "neither has a" if not (pred.crs or self.src.crs) else "one of them has")
                    )
                self.vrt = WarpedVRT(
                    self.src, crs=pred.crs, transform=pred.transform, width=pred.width,
                    height=pred.height, resampling=Resampling.nearest, src_nodata=None, nodata=self.ignore,
                )
                self.offset = (0, 0)
            self.shapes = None
        else:
            from shapely import STRtree, from_wkb

            self.path, self.ignore = "vector layer", CLASS_NODATA
            self.classes = dict(classes or {})
            geoms = [from_wkb(bytes(w)) for w, _ in shapes]
            self._by_name = {str(name).strip().lower(): int(k) for k, name in pred.classes.items()}
            self.values = [self._class_id(v) for _, v in shapes]
            for v in self.values:
                if not 0 <= v <= 255:
                    raise LabelError(
                        "Reference class values must be 0–255 (255 = ignore); {} was found. Choose a class "
                        "field with small integer class ids.".format(v)
                    )
            self.geoms = geoms
            self.tree = STRtree(geoms) if geoms else None
            self.shapes = shapes

    def _class_id(self, value) -> int:
        """A reference class value as a class id: a number, or a class name of the prediction."""
        if isinstance(value, str):
            text = value.strip()
            try:
                return int(float(text))
            except ValueError:
                pass
            if text.lower() not in self._by_name:
                raise LabelError(
                    "The reference class '{}' is not a class of the prediction ({}). Use a class field "
                    "whose values are the model's class names or class ids.".format(
                        text, format_classes(self.pred.classes))
                )
            cid = self._by_name[text.lower()]
            self.classes.setdefault(cid, self.pred.classes[cid])
            return cid
        try:
            return int(value)
        except (TypeError, ValueError) as exc:
            raise LabelError(
                "The reference class value {!r} is neither a class id nor a class name.".format(value)
            ) from exc

    def close(self) -> None:
        if self.vrt is not None:
            self.vrt.close()
        if self.src is not None:
            self.src.close()

    def read(self, r0: int, r1: int):
        import numpy as np
        from rasterio.windows import Window
        from rasterio.windows import transform as window_transform

        width = self.pred.width
        if self.shapes is not None:
            import rasterio.features
            from shapely.geometry import box

            out = np.zeros((r1 - r0, width), dtype=np.uint8)
            if self.tree is None:
                return out
            win = Window(0, r0, width, r1 - r0)
            transform = window_transform(win, self.pred.transform)
            x0, y1 = transform * (0, 0)
            x1, y0 = transform * (width, r1 - r0)
            hits = self.tree.query(box(min(x0, x1), min(y0, y1), max(x0, x1), max(y0, y1)))
            pairs = [(self.geoms[i], self.values[i]) for i in sorted(hits)]
            if pairs:
                rasterio.features.rasterize(pairs, out=out, transform=transform)
            return out
        if self.vrt is not None:
            return self.vrt.read(self.band, window=Window(0, r0, width, r1 - r0)).astype(np.uint8)
        col, row = self.offset
        data = self.src.read(
            self.band, window=Window(col, row + r0, width, r1 - r0), boundless=True, fill_value=self.ignore
        )
        return data.astype(np.int64).clip(0, 255).astype(np.uint8)


def evaluate(
    prediction_path: str | os.PathLike,
    *,
    reference_path: str | os.PathLike | None = None,
    reference_shapes: Sequence[tuple[bytes, int]] | None = None,
    reference_classes: dict[int, str] | None = None,
    threshold: float = 0.5,
    output_json: str | os.PathLike | None = None,
    output_html: str | os.PathLike | None = None,
    progress: Progress | None = None,
) -> dict:
    """Compare a prediction with a reference; write JSON and HTML reports; return the results dict.

    ``reference_shapes``: ``(wkb, class)`` pairs in the prediction CRS, rasterized on the prediction
    grid; a class is an id (255 = ignore) or one of the prediction's class names. Otherwise
    ``reference_path`` is a label raster.
    """
    import numpy as np

    progress = ensure(progress)
    if (reference_path is None) == (reference_shapes is None):
        raise ParameterError("Give exactly one reference: a label raster or a vector layer.")
    if not 0.0 < float(threshold) <= 1.0:
        raise ParameterError("THRESHOLD must be between 0 and 1; {} was given.".format(threshold))
    inputs = [prediction_path] + ([reference_path] if reference_path else [])
    picture_path = None
    if output_json:
        check_output_path(output_json, inputs, "JSON report")
    if output_html:
        check_output_path(output_html, inputs, "HTML report")
        picture_path = Path(output_html).with_name(Path(output_html).stem + "_errors.png")
        check_output_path(picture_path, inputs, "error picture")
    pred = _Prediction(prediction_path, float(threshold))
    ref = _Reference(pred, reference_path, reference_shapes, reference_classes, progress)
    confusion = np.zeros((N, N), dtype=np.int64)
    factor = max(1, int(math.ceil(max(pred.width, pred.height) / PICTURE_SIZE)))
    pic_w, pic_h = int(math.ceil(pred.width / factor)), int(math.ceil(pred.height / factor))
    picture = np.full((pic_h, pic_w), CODES["ignored / NoData"][0], dtype=np.uint8)
    excluded = 0
    import rasterio

    try:
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
                rows = np.arange(-(-r0 // factor) * factor, r1, factor)
                if rows.size:
                    pr, rr, vv = p[rows - r0, ::factor], r[rows - r0, ::factor], valid[rows - r0, ::factor]
                    code = np.full(pr.shape, CODES["ignored / NoData"][0], dtype=np.uint8)
                    code[vv & (pr == rr) & (rr == 0)] = CODES["correct background"][0]
                    code[vv & (pr == rr) & (rr > 0)] = CODES["correct feature"][0]
                    code[vv & (pr > 0) & (rr == 0)] = CODES["false positive"][0]
                    code[vv & (pr == 0) & (rr > 0)] = CODES["false negative"][0]
                    code[vv & (pr > 0) & (rr > 0) & (pr != rr)] = CODES["wrong class"][0]
                    picture[rows // factor] = code
                progress.progress(0.9 * (i + 1) / len(parts))
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
    names = {0: "background"}
    names.update({int(k): v for k, v in pred.classes.items()})
    names.update({int(k): v for k, v in ref.classes.items()})
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

    result = {
        "prediction": str(prediction_path),
        "reference": str(reference_path) if reference_path else "vector layer",
        "prediction_type": "activation" if pred.activation else "classification",
        "threshold": float(threshold) if pred.activation else None,
        "pixels": total,
        "excluded_pixels": excluded,
        "accuracy": float(np.trace(confusion)) / total,
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
    if output_json:
        write_text_atomic(output_json, json.dumps(result, indent=2))
        result["json"] = str(output_json)
    if output_html:
        rgba = np.zeros((4,) + picture.shape, dtype=np.uint8)
        for code, color in CODES.values():
            sel = picture == code
            for b in range(4):
                rgba[b][sel] = color[b]
        with atomic_output(picture_path, inputs, "error picture") as tmp, warnings.catch_warnings():
            warnings.simplefilter("ignore", rasterio.errors.NotGeoreferencedWarning)
            with rasterio.open(tmp, "w", driver="PNG", width=pic_w, height=pic_h, count=4,
                               dtype="uint8") as png:
                png.write(rgba)
        write_text_atomic(output_html, _html(result, picture_path, factor))
        result["html"] = str(output_html)
        result["picture"] = str(picture_path)
    progress.info(
        "IoU {}, F1 {}, precision {}, recall {}, accuracy {:.4f} over {} pixels.".format(
            *("{:.4f}".format(result[k]) if result[k] is not None else "n/a"
              for k in ("iou", "f1", "precision", "recall")), result["accuracy"], total)
    )
    progress.progress(1.0)
    return result


def _warn_class_mismatch(pred_classes: dict, ref_classes: dict, progress: Progress) -> None:
    """Classes are compared by number: say so when both sides name their classes and the names differ."""
    if not pred_classes or not ref_classes:
        return
    pred_names = {int(k): v for k, v in pred_classes.items()}
    ref_names = {int(k): v for k, v in ref_classes.items()}
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


def _fmt(value) -> str:
    if value is None:
        return "–"
    if isinstance(value, float):
        return "{:.4f}".format(value)
    return "{:,}".format(value) if isinstance(value, int) else html.escape(str(value))


def _html(result: dict, picture: Path, factor: int) -> str:
    """The self-contained HTML report (the error picture embedded as a data URI)."""
    encoded = base64.b64encode(picture.read_bytes()).decode("ascii")
    cols = ["name", "id", "reference_pixels", "predicted_pixels", "tp", "fp", "fn", "precision", "recall",
            "f1", "iou"]
    rows = "".join(
        "<tr>{}</tr>".format("".join("<td>{}</td>".format(_fmt(m[c])) for c in cols))
        for m in result["classes"]
    )
    cm = result["confusion_matrix"]
    names = {m["id"]: m["name"] for m in result["classes"]}
    head = "".join("<th>{}</th>".format(html.escape(names[i])) for i in cm["labels"])
    body = "".join(
        "<tr><th>{}</th>{}</tr>".format(
            html.escape(names[i]), "".join("<td>{}</td>".format(_fmt(v)) for v in row))
        for i, row in zip(cm["labels"], cm["matrix"])
    )
    legend = "".join(
        '<span style="display:inline-block;margin-right:1em"><span style="display:inline-block;width:1em;'
        'height:1em;border:1px solid #888;background:rgba({},{},{},{})"></span> {}</span>'.format(
            c[0], c[1], c[2], c[3] / 255, html.escape(name))
        for name, (_, c) in CODES.items()
    )
    summary = "".join(
        "<tr><th>{}</th><td>{}</td></tr>".format(k, _fmt(result[k]))
        for k in ("iou", "f1", "precision", "recall", "accuracy", "kld", "pixels", "excluded_pixels")
    )
    return """<!DOCTYPE html>
<html><head><meta charset="utf-8"><title>Evaluation report</title>
<style>body{{font-family:sans-serif;margin:2em}} table{{border-collapse:collapse;margin:1em 0}}
td,th{{border:1px solid #ccc;padding:3px 8px;text-align:right}} img{{border:1px solid #888;
image-rendering:pixelated;max-width:100%}}</style></head><body>
<h1>Evaluation report</h1>
<p>Prediction: {pred} ({ptype}{thr})<br>Reference: {ref}</p>
<h2>Summary (mean over feature classes)</h2><table>{summary}</table>
<p>KLD: Kullback-Leibler divergence of the predicted class distribution from the reference one (nats).</p>
<h2>Per class</h2><table><tr>{colhead}</tr>{rows}</table>
<h2>Confusion matrix (rows: reference, columns: prediction; pixels)</h2>
<table><tr><th></th>{head}</tr>{body}</table>
<h2>Errors</h2><p>{legend}</p><p>One picture pixel per {factor} x {factor} raster pixels.</p>
<img alt="errors" src="data:image/png;base64,{img}">
</body></html>
""".format(
        pred=html.escape(result["prediction"]), ptype=result["prediction_type"],
        thr=", threshold {}".format(result["threshold"]) if result["threshold"] is not None else "",
        ref=html.escape(result["reference"]), summary=summary,
        colhead="".join("<th>{}</th>".format(c) for c in cols), rows=rows, head=head, body=body,
        legend=legend, factor=factor, img=encoded,
    )
