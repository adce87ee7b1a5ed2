"""Activation to points: one point per object (its centroid, or its pixel nearest to it), or objects
split at the local maxima of the activation by a watershed."""

from __future__ import annotations

import math
import os

from ..activation_format import ActivationInfo, read_activation_info
from ..errors import ParameterError
from ..progress import Progress, ensure
from .activation_strips import classify_block, read_activation_strip, strips
from .objects import Objects, Sink, find_objects, object_attributes, strip_object_ids
from .thresholds import DEFAULT_THRESHOLD, min_pixels, resolve_threshold, warn_if_nothing_found

#: Largest object (bounding box pixels) split into local maxima; larger ones get a single point.
MAX_SPLIT_PIXELS = 25_000_000
#: Point methods: "components" (one point per connected object) or "maxima" (split at activation peaks).
POINT_METHODS = ("components", "maxima")


def activation_to_points(
    input_path: str | os.PathLike,
    sink: Sink,
    *,
    threshold: float | None = DEFAULT_THRESHOLD,
    min_area: float | None = None,
    method: str = POINT_METHODS[0],
    min_distance: int = 3,
    progress: Progress | None = None,
) -> dict:
    """One point per detected object; ``sink(wkb, attributes)`` per point.

    ``method`` "components": the centroid of each connected object. "maxima": objects are split at the
    local maxima of the (lightly smoothed) activation that are at least ``min_distance`` pixels apart
    (a watershed gives each part its pixels) — for touching objects such as parked cars or tree crowns.
    Attributes: ``class_id, class_name, score`` (max activation), ``mean_activation, pixels, area``.
    """
    import rasterio
    import shapely
    from affine import Affine
    from shapely.geometry import Point

    progress = ensure(progress)
    if method not in POINT_METHODS:
        raise ParameterError("Unknown point method '{}': use '{}' or '{}'.".format(method, *POINT_METHODS))
    if method == "maxima" and int(min_distance) < 1:
        raise ParameterError("MIN_DISTANCE must be at least 1 pixel; {} was given.".format(min_distance))
    info = read_activation_info(input_path)
    thr = resolve_threshold(info, threshold, progress.sub(0.0, 0.1) if threshold is None else progress)
    mpx = min_pixels(info, min_area, progress)
    objects = find_objects(info, thr, mpx, progress.sub(0.1, 0.6))
    if objects.count == 0:
        warn_if_nothing_found(info, thr, mpx, progress)
    transform = Affine(*info.transform)
    rest = progress.sub(0.6, 1.0)
    written = 0

    def emit(row: float, col: float, attrs: dict) -> None:
        nonlocal written
        x, y = transform * (col + 0.5, row + 0.5)
        attrs["score"] = attrs.pop("max_activation")
        sink(shapely.to_wkb(Point(x, y), output_dimension=2), attrs)
        written += 1

    with rasterio.open(info.path) as src:
        for k in range(objects.count):
            if k % 100 == 0:
                rest.check()
                rest.progress(k / max(objects.count, 1))
            attrs = object_attributes(info, objects, k)
            n = int(objects.pixels[k])
            centroid = (objects.row_sum[k] / n, objects.col_sum[k] / n)
            box = (int(objects.rmax[k] - objects.rmin[k] + 1), int(objects.cmax[k] - objects.cmin[k] + 1))
            if n < 2:
                emit(*centroid, attrs)
                continue
            if box[0] * box[1] > MAX_SPLIT_PIXELS:  # too big to read whole: search the centroid's strip
                emit(*_point_on_large_object(src, info, objects, k, centroid), attrs)
                continue
            if method == "components":  # the centroid, or the nearest pixel of the object (a ring, a C)
                mask, _, r0, c0 = _object_mask(src, info, objects, k)
                emit(*_point_in(mask, centroid[0] - r0, centroid[1] - c0, r0, c0), attrs)
                continue
            for part in _split_object(src, info, objects, k, int(min_distance), max(mpx, 1)):
                part_attrs = dict(attrs)
                part_attrs.update(part["attrs"])
                emit(part["row"], part["col"], part_attrs)
    rest.progress(1.0)
    return {"threshold": thr, "objects": objects.count, "points": written, "classes": dict(info.classes)}


def _object_mask(src, info: ActivationInfo, objects: Objects, k: int):
    """(mask of object ``k`` in its bounding box, the winning activation there, box row, box column)."""
    import numpy as np
    from rasterio.windows import Window
    from scipy import ndimage

    r0, r1 = int(objects.rmin[k]), int(objects.rmax[k]) + 1
    c0, c1 = int(objects.cmin[k]), int(objects.cmax[k]) + 1
    data = src.read(window=Window(c0, r0, c1 - c0, r1 - r0), out_dtype="float32")
    invalid = np.isnan(data).any(axis=0)
    if info.nodata is not None and not math.isnan(info.nodata):
        invalid |= (data == np.float32(info.nodata)).all(axis=0)
    data = np.clip(np.nan_to_num(data), 0, 1)
    cls, score = classify_block(data, ~invalid, objects.threshold, info.class_ids)
    lab, _ = ndimage.label(cls == objects.class_id[k])
    mask = lab == lab[int(objects.seed_row[k]) - r0, int(objects.seed_col[k]) - c0]
    return mask, score, r0, c0


def _point_on_large_object(src, info: ActivationInfo, objects: Objects, k: int, centroid) -> tuple:
    """A point on object ``k`` whose box is too big to read: the centroid when it lies on the object,
    else the object's nearest pixel in the centroid's strip, else the object's first pixel."""
    row = min(max(int(math.floor(centroid[0] + 0.5)), 0), info.height - 1)
    parts = strips(info.height)
    i = next(j for j, (a, b) in enumerate(parts) if a <= row < b)
    r0, r1 = parts[i]
    data, valid = read_activation_strip(src, info, r0, r1, check_range=False)
    cls, _ = classify_block(data, valid, objects.threshold, info.class_ids)
    mask = strip_object_ids(info, objects, i, cls) == k + 1
    if not mask.any():
        return float(objects.seed_row[k]), float(objects.seed_col[k])
    return _point_in(mask, centroid[0] - r0, centroid[1], r0, 0)


def _point_in(mask, row: float, col: float, r0: int, c0: int) -> tuple[float, float]:
    """(``row``, ``col``) (box coordinates, as the mean of pixel indices) when the pixel under it is in
    ``mask``, else the mask pixel nearest to it; returned in raster pixel indices."""
    import numpy as np

    i, j = int(math.floor(row + 0.5)), int(math.floor(col + 0.5))
    if 0 <= i < mask.shape[0] and 0 <= j < mask.shape[1] and mask[i, j]:
        return r0 + row, c0 + col
    rows, cols = np.nonzero(mask)
    nearest = int(np.argmin((rows - row) ** 2 + (cols - col) ** 2))
    return float(r0 + rows[nearest]), float(c0 + cols[nearest])


def _split_object(src, info: ActivationInfo, objects: Objects, k: int, min_distance: int, min_px: int):
    """Split object ``k`` at its activation maxima; a list of ``{"row", "col", "attrs"}`` whose points
    lie on their part."""
    import numpy as np
    from scipy import ndimage
    from skimage.feature import peak_local_max
    from skimage.segmentation import watershed

    mask, score, r0, c0 = _object_mask(src, info, objects, k)
    smooth = ndimage.gaussian_filter(np.where(mask, score, 0).astype(np.float64), sigma=1.0)
    peaks = peak_local_max(
        smooth, min_distance=min_distance, labels=mask.astype(np.int32), exclude_border=False
    )
    n = int(mask.sum())

    def whole(attrs: dict) -> list[dict]:
        rows, cols = np.nonzero(mask)
        row, col = _point_in(mask, rows.mean(), cols.mean(), r0, c0)
        return [{"row": row, "col": col, "attrs": attrs}]

    if len(peaks) <= 1:
        return whole({})
    markers = np.zeros(mask.shape, dtype=np.int32)
    markers[peaks[:, 0], peaks[:, 1]] = np.arange(1, len(peaks) + 1)
    regions = watershed(-smooth, markers, mask=mask)
    parts = []
    for j in range(1, len(peaks) + 1):
        sel = regions == j
        m = int(sel.sum())
        if m == 0:
            continue
        rows, cols = np.nonzero(sel)
        vals = score[sel]
        row, col = _point_in(sel, rows.mean(), cols.mean(), r0, c0)
        parts.append({
            "row": row, "col": col,
            "attrs": {"pixels": m, "area": m * info.pixel_area, "mean_activation": float(vals.mean()),
                      "max_activation": float(vals.max())},
        })
    # Parts smaller than the minimum object size are not separate objects: keep the object whole.
    if len(parts) < 2 or min(p["attrs"]["pixels"] for p in parts) < min_px:
        return whole({"pixels": n})
    return parts
