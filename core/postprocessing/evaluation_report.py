"""The evaluation's reports: the picture of the errors (false positives and false negatives in two
colours), accumulated strip by strip at a reduced scale, and the self-contained HTML report (pixel scores,
object and relaxed scores, confusion matrix, error picture)."""

from __future__ import annotations

import base64
import html
import math
import warnings
from pathlib import Path

from ..files import atomic_output

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


class ErrorPicture:
    """The error codes of a ``width`` x ``height`` raster sampled every ``factor`` pixels."""

    def __init__(self, width: int, height: int):
        import numpy as np

        self.factor = max(1, int(math.ceil(max(width, height) / PICTURE_SIZE)))
        self.width, self.height = int(math.ceil(width / self.factor)), int(math.ceil(height / self.factor))
        self.codes = np.full((self.height, self.width), CODES["ignored / NoData"][0], dtype=np.uint8)

    def add(self, r0: int, r1: int, p, r, valid) -> None:
        """Add the sampled rows of the strip ``r0..r1``: prediction ``p``, reference ``r``, ``valid``."""
        import numpy as np

        factor = self.factor
        rows = np.arange(-(-r0 // factor) * factor, r1, factor)
        if rows.size:
            pr, rr, vv = p[rows - r0, ::factor], r[rows - r0, ::factor], valid[rows - r0, ::factor]
            code = np.full(pr.shape, CODES["ignored / NoData"][0], dtype=np.uint8)
            code[vv & (pr == rr) & (rr == 0)] = CODES["correct background"][0]
            code[vv & (pr == rr) & (rr > 0)] = CODES["correct feature"][0]
            code[vv & (pr > 0) & (rr == 0)] = CODES["false positive"][0]
            code[vv & (pr == 0) & (rr > 0)] = CODES["false negative"][0]
            code[vv & (pr > 0) & (rr > 0) & (pr != rr)] = CODES["wrong class"][0]
            self.codes[rows // factor] = code

    def write_png(self, path: Path, inputs: list) -> None:
        """Write the picture in the codes' colours as an RGBA PNG (atomically)."""
        import numpy as np
        import rasterio

        rgba = np.zeros((4,) + self.codes.shape, dtype=np.uint8)
        for code, color in CODES.values():
            sel = self.codes == code
            for b in range(4):
                rgba[b][sel] = color[b]
        with atomic_output(path, inputs, "error picture") as tmp, warnings.catch_warnings():
            warnings.simplefilter("ignore", rasterio.errors.NotGeoreferencedWarning)
            with rasterio.open(tmp, "w", driver="PNG", width=self.width, height=self.height, count=4,
                               dtype="uint8") as png:
                png.write(rgba)


def _fmt(value) -> str:
    if value is None:
        return "–"
    if isinstance(value, float):
        return "{:.4f}".format(value)
    return "{:,}".format(value) if isinstance(value, int) else html.escape(str(value))


def _object_sections(result: dict) -> str:
    """The summary and the per-class table of the object and relaxed scores, with what they mean."""
    objects, relaxed = result["objects"], result["relaxed"]
    iou = "IoU ≥ {:g}".format(objects["iou_threshold"])
    tol = "{} px".format(relaxed["tolerance"])
    summary = [
        ("Object precision ({})".format(iou), objects["precision"]),
        ("Object recall ({})".format(iou), objects["recall"]),
        ("Object F1 ({})".format(iou), objects["f1"]),
        ("Reference objects", objects["reference_objects"]),
        ("Predicted objects", objects["predicted_objects"]),
        ("Matched objects", objects["tp"]),
        ("Relaxed precision ({})".format(tol), relaxed["precision"]),
        ("Relaxed recall ({})".format(tol), relaxed["recall"]),
        ("Relaxed F1 ({})".format(tol), relaxed["f1"]),
    ]
    rows = "".join("<tr><th>{}</th><td>{}</td></tr>".format(html.escape(k), _fmt(v)) for k, v in summary)
    heads = ["name", "id", "reference objects", "predicted objects", "matched", "false positive objects",
             "missed objects", "object precision", "object recall", "object F1", "relaxed precision",
             "relaxed recall", "relaxed F1"]
    relaxed_by_id = {m["id"]: m for m in relaxed["classes"]}
    per_class = "".join(
        "<tr>{}</tr>".format("".join("<td>{}</td>".format(_fmt(v)) for v in (
            m["name"], m["id"], m["reference_objects"], m["predicted_objects"], m["tp"], m["fp"], m["fn"],
            m["precision"], m["recall"], m["f1"], relaxed_by_id[m["id"]]["precision"],
            relaxed_by_id[m["id"]]["recall"], relaxed_by_id[m["id"]]["f1"])))
        for m in objects["classes"]
    )
    return """<h2>Objects and outlines (all feature classes together)</h2><table>{rows}</table>
<p>{objects_text}</p>
<p>{relaxed_text}</p>
<h2>Objects and outlines per class</h2><table><tr>{heads}</tr>{per_class}</table>
""".format(
        rows=rows, heads="".join("<th>{}</th>".format(h) for h in heads), per_class=per_class,
        objects_text=(
            "Objects are the connected areas of each class (pixels touching by a side). A predicted object "
            "and a reference object match when their overlap is at least {:g} of their union (IoU); each "
            "object matches one object at most. Object precision is the share of predicted objects that "
            "match a reference object, object recall the share of reference objects that are "
            "found.".format(objects["iou_threshold"])),
        relaxed_text=(
            "Relaxed scores forgive outlines a few pixels off: relaxed precision is the share of predicted "
            "pixels within {} pixels of a reference pixel of their class, relaxed recall the share of "
            "reference pixels within {} pixels of a predicted pixel.".format(
                relaxed["tolerance"], relaxed["tolerance"])),
    )


def html_report(result: dict, picture: Path, factor: int) -> str:
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
{objects}<h2>Per class</h2><table><tr>{colhead}</tr>{rows}</table>
<h2>Confusion matrix (rows: reference, columns: prediction; pixels)</h2>
<table><tr><th></th>{head}</tr>{body}</table>
<h2>Errors</h2><p>{legend}</p><p>One picture pixel per {factor} x {factor} raster pixels.</p>
<img alt="errors" src="data:image/png;base64,{img}">
</body></html>
""".format(
        pred=html.escape(result["prediction"]), ptype=result["prediction_type"],
        thr=", threshold {}".format(result["threshold"]) if result["threshold"] is not None else "",
        ref=html.escape(result["reference"]), summary=summary, objects=_object_sections(result),
        colhead="".join("<th>{}</th>".format(c) for c in cols), rows=rows, head=head, body=body,
        legend=legend, factor=factor, img=encoded,
    )
