"""Post-processing of activation rasters: classification, objects, polygons and points.

The activation raster (written by :mod:`deepfeature.core.inference`) is a float32 GeoTIFF with one band
per feature class, values 0..1 (probability), NoData ``ACTIVATION_NODATA`` and the dataset tags
``DEEPFEATURE_ACTIVATION=1`` and ``DEEPFEATURE_CLASSES`` (JSON ``{"1": "building"}``, band ``i`` is the
``i``-th class id in increasing order).

Everything here works by strips of rows, so memory does not grow with the raster height:

- classification: threshold (single band) or arg-max with a minimum probability (several bands);
- objects: 4-connected components of each class are labelled per strip and joined across strip borders
  with a graph (``scipy.sparse.csgraph``), which gives per-object pixel counts, activation statistics,
  centroids and bounding boxes for the whole raster; a second pass writes the result;
- polygons: GDAL's polygonize (``rasterio.features.shapes`` on a raster band, streamed by GDAL) of a
  temporary object-id raster; points: object centroids, or local maxima split by a watershed per object.

Objects use 4-connectivity everywhere so that one object is exactly one valid polygon.
"""

from __future__ import annotations

import math
import os
import shutil
import tempfile
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable, Iterator

from ..activation_format import (
    CLASS_NODATA,
    ActivationInfo,
    describe_classification,
    read_activation_info,
)
from ..errors import ParameterError, RasterError
from ..files import atomic_output
from ..progress import Progress, count, ensure

#: Rows per strip; full raster width. 20,000 columns x 256 rows x 4 bytes = 20 MB per band.
STRIP_ROWS = 256
#: Values may exceed 0..1 by this much (float rounding) and still count as an activation.
RANGE_TOLERANCE = 1e-4
#: Largest object (bounding box pixels) split into local maxima; larger ones get a single point.
MAX_SPLIT_PIXELS = 25_000_000

Sink = Callable[[bytes, dict], None]


# ---------------------------------------------------------------------------------------------
# Reading and classifying strips


def strips(height: int, rows: int | None = None) -> list[tuple[int, int]]:
    """Row ranges ``[r0, r1)`` covering ``height`` (``STRIP_ROWS`` rows each unless ``rows`` is given)."""
    rows = rows or STRIP_ROWS
    return [(r0, min(r0 + rows, height)) for r0 in range(0, height, rows)]


def read_activation_strip(src, info: ActivationInfo, r0: int, r1: int, check_range: bool = True):
    """Read rows ``r0..r1`` of all bands: ``(values float32 (bands, h, w), valid bool (h, w))``.

    Raises :class:`RasterError` when a valid value lies outside 0..1.
    """
    import numpy as np
    from rasterio.windows import Window

    data = src.read(window=Window(0, r0, info.width, r1 - r0), out_dtype="float32")
    invalid = np.isnan(data).any(axis=0)
    if info.nodata is not None and not math.isnan(info.nodata):
        invalid |= (data == np.float32(info.nodata)).all(axis=0)
    valid = ~invalid
    if check_range and valid.any():
        vals = data[:, valid]
        lo, hi = float(vals.min()), float(vals.max())
        if lo < -RANGE_TOLERANCE or hi > 1 + RANGE_TOLERANCE:
            raise RasterError(
                "The raster '{}' has values from {:.4g} to {:.4g}, outside 0–1: it is not an activation "
                "raster (probabilities). Use the activation output of 'Classify Raster with Model', or set "
                "the raster's NoData value if {:.4g} marks missing pixels.".format(
                    info.path, lo, hi, lo if lo < 0 else hi
                )
            )
    np.clip(data, 0.0, 1.0, out=data)
    return data, valid


def classify_block(data, valid, threshold: float, class_ids: list[int]):
    """Class ids (uint8; 0 background, ``CLASS_NODATA`` where not valid) and the winning activation.

    One band: class where activation >= threshold. Several bands: arg-max class where its activation
    >= threshold (the minimum probability).
    """
    import numpy as np

    if data.shape[0] == 1:
        score = data[0]
        cls = (score >= threshold).astype(np.uint8) * np.uint8(class_ids[0])
    else:
        idx = np.argmax(data, axis=0)
        score = np.take_along_axis(data, idx[None], axis=0)[0]
        lut = np.asarray(class_ids, dtype=np.uint8)
        cls = np.where(score >= threshold, lut[idx], 0).astype(np.uint8)
    cls[~valid] = CLASS_NODATA
    return cls, score


def otsu_threshold(info: ActivationInfo, progress: Progress | None = None) -> float:
    """Automatic threshold by Otsu's method on the histogram of the (maximum) activation.

    The histogram (1,024 bins over 0..1) is accumulated strip by strip.
    """
    import numpy as np
    import rasterio
    from skimage.filters import threshold_otsu

    progress = ensure(progress)
    counts = np.zeros(1024, dtype=np.int64)
    parts = strips(info.height)
    with rasterio.open(info.path) as src:
        for i, (r0, r1) in enumerate(parts):
            progress.check()
            data, valid = read_activation_strip(src, info, r0, r1)
            score = data.max(axis=0)[valid]
            counts += np.bincount(np.minimum((score * 1024).astype(np.int64), 1023), minlength=1024)
            progress.progress((i + 1) / len(parts))
    if np.count_nonzero(counts) < 2:
        raise ParameterError(
            "The automatic (Otsu) threshold needs varied activation values, but '{}' is constant or has "
            "no valid pixels. Give a THRESHOLD value instead.".format(info.path)
        )
    centers = (np.arange(1024) + 0.5) / 1024
    value = float(threshold_otsu(hist=(counts, centers)))
    progress.info("Automatic threshold (Otsu): {:.4f}".format(value))
    return value


def warn_if_nothing_found(info: ActivationInfo, threshold: float, min_px: int, progress: Progress) -> None:
    """When a post-processing step found nothing, say why: the highest activation (one more pass by
    strips) is below the threshold, or the objects are all smaller than the minimum area."""
    import rasterio

    highest = -1.0
    with rasterio.open(info.path) as src:
        for r0, r1 in strips(info.height):
            progress.check()
            data, valid = read_activation_strip(src, info, r0, r1)
            if valid.any():
                highest = max(highest, float(data.max(axis=0)[valid].max()))
    if highest < 0:
        return  # no valid pixel at all: read_activation_info has said so
    if highest < threshold:
        progress.warning(
            "Nothing was found: the highest activation in '{}' is {:.4f}, below the threshold {:.4f}. "
            "Lower THRESHOLD (or use the automatic threshold).".format(info.path, highest, threshold)
        )
    elif min_px > 1:
        progress.warning(
            "Nothing was found: pixels reach the threshold {:.4f} (the highest activation is {:.4f}) but "
            "every object is smaller than the minimum area ({}). Lower MIN_AREA.".format(
                threshold, highest, count(min_px, "pixel")
            )
        )


def _check_threshold(threshold: float) -> float:
    if not 0.0 < float(threshold) <= 1.0:
        raise ParameterError(
            "THRESHOLD must be between 0 and 1 (a probability); {} was given.".format(threshold)
        )
    return float(threshold)


def resolve_threshold(info: ActivationInfo, threshold: float | None, progress: Progress) -> float:
    """``threshold``, or Otsu's when it is None."""
    if threshold is None:
        return otsu_threshold(info, progress)
    return _check_threshold(threshold)


def min_pixels(info: ActivationInfo, min_area: float, progress: Progress | None = None) -> int:
    """The smallest object size in pixels for a minimum area in square CRS units (warns when those are
    square degrees)."""
    if min_area is None or min_area <= 0:
        return 0
    pixels = int(math.ceil(float(min_area) / info.pixel_area - 1e-9))
    if progress is not None and info.crs_wkt:
        from rasterio.crs import CRS

        try:
            geographic = CRS.from_wkt(info.crs_wkt).is_geographic
        except Exception:  # noqa: BLE001 - an unreadable CRS: no hint
            geographic = False
        if geographic:
            progress.warning(
                "The raster's CRS is geographic: the minimum area {:g} is in square degrees ({}; a pixel is "
                "{:.3g} square degrees). For an area in square metres, reproject the activation raster to "
                "a projected CRS (Raster > Projections > Warp).".format(
                    float(min_area), count(pixels, "pixel"), info.pixel_area)
            )
    return pixels


# ---------------------------------------------------------------------------------------------
# Objects (connected components over the whole raster, by strips)


@dataclass
class Objects:
    """Per-object statistics for a whole raster; object ids are ``1..count`` in raster scan order."""

    class_id: object  # numpy arrays, one entry per object
    pixels: object
    act_sum: object
    act_max: object
    row_sum: object
    col_sum: object
    rmin: object
    rmax: object
    cmin: object
    cmax: object
    seed_row: object
    seed_col: object
    label_to_object: object  # global strip label -> object id (0: none or removed)
    offsets: list = field(default_factory=list)
    threshold: float = 0.5

    @property
    def count(self) -> int:
        """Number of objects."""
        return int(len(self.class_id))


def _label_strip(cls, class_ids: list[int]):
    """4-connected labels of each class in a strip: ``(labels int32, class of each label)``."""
    import numpy as np
    from scipy import ndimage

    labels = np.zeros(cls.shape, dtype=np.int32)
    label_class: list[int] = []
    n = 0
    for c in class_ids:
        sel = cls == c
        if not sel.any():
            continue
        lab, k = ndimage.label(sel)
        labels[sel] = lab[sel] + n
        label_class += [c] * k
        n += k
    return labels, label_class


def _classified_strips(info: ActivationInfo, threshold: float, progress: Progress, check_range: bool = True):
    """Yield ``(index, r0, r1, class uint8 (h, w), score)`` for each strip of the activation raster.

    Checks for cancel before and reports progress after each strip.
    """
    import rasterio

    parts = strips(info.height)
    with rasterio.open(info.path) as src:
        for i, (r0, r1) in enumerate(parts):
            progress.check()
            data, valid = read_activation_strip(src, info, r0, r1, check_range=check_range)
            cls, score = classify_block(data, valid, threshold, info.class_ids)
            yield i, r0, r1, cls, score
            progress.progress((i + 1) / len(parts))


def find_objects(
    info: ActivationInfo, threshold: float, min_pixel_count: int = 0, progress: Progress | None = None
) -> Objects:
    """Label the objects of the whole raster (first pass) and gather their statistics."""
    import numpy as np
    from scipy import ndimage
    from scipy.sparse import coo_matrix
    from scipy.sparse.csgraph import connected_components

    progress = ensure(progress)
    cols: dict[str, list] = {k: [] for k in (
        "cls", "pix", "sum", "max", "rsum", "csum", "rmin", "rmax", "cmin", "cmax", "srow", "scol")}
    pairs_a, pairs_b, offsets = [], [], []
    total = 0
    prev_row = prev_cls = None
    for _, r0, r1, cls, score in _classified_strips(info, threshold, progress):
        labels, label_class = _label_strip(cls, info.class_ids)
        n = len(label_class)
        offsets.append(total)
        if n:
            idx = np.arange(1, n + 1)
            flat = labels.ravel()
            rows = np.repeat(np.arange(r0, r1, dtype=np.float64), info.width)
            colsx = np.tile(np.arange(info.width, dtype=np.float64), r1 - r0)
            pix = np.bincount(flat, minlength=n + 1)[1:]
            cols["cls"].append(np.asarray(label_class, dtype=np.int32))
            cols["pix"].append(pix.astype(np.int64))
            cols["sum"].append(np.bincount(flat, weights=score.ravel(), minlength=n + 1)[1:])
            cols["max"].append(np.asarray(ndimage.maximum(score, labels, idx), dtype=np.float64))
            cols["rsum"].append(np.bincount(flat, weights=rows, minlength=n + 1)[1:])
            cols["csum"].append(np.bincount(flat, weights=colsx, minlength=n + 1)[1:])
            boxes = ndimage.find_objects(labels, n)
            b = np.array([[s[0].start, s[0].stop - 1, s[1].start, s[1].stop - 1] for s in boxes])
            cols["rmin"].append(b[:, 0] + r0)
            cols["rmax"].append(b[:, 1] + r0)
            cols["cmin"].append(b[:, 2])
            cols["cmax"].append(b[:, 3])
            # The first row of each box holds a pixel of the label: its seed.
            seed_c = [c0 + int(np.argmax(labels[r, c0:c1 + 1] == j))
                      for j, (r, _, c0, c1) in enumerate(b.tolist(), start=1)]
            cols["srow"].append(b[:, 0] + r0)
            cols["scol"].append(np.asarray(seed_c, dtype=np.int64))
        glob = np.where(labels > 0, labels + total, 0)
        if prev_row is not None:
            top = glob[0]
            join = (prev_row > 0) & (top > 0) & (prev_cls == cls[0])
            if join.any():
                pairs_a.append(prev_row[join])
                pairs_b.append(top[join])
        prev_row, prev_cls = glob[-1].copy(), cls[-1].copy()
        total += n

    def cat(key, dtype):
        return np.concatenate(cols[key]).astype(dtype) if cols[key] else np.zeros(0, dtype=dtype)

    cls_l, pix_l = cat("cls", np.int32), cat("pix", np.int64)
    if total:
        a = np.concatenate(pairs_a) if pairs_a else np.zeros(0, dtype=np.int64)
        b = np.concatenate(pairs_b) if pairs_b else np.zeros(0, dtype=np.int64)
        graph = coo_matrix((np.ones(len(a), dtype=np.int8), (a - 1, b - 1)), shape=(total, total))
        _, comp = connected_components(graph, directed=False)
    else:
        comp = np.zeros(0, dtype=np.int64)
    ncomp = int(comp.max()) + 1 if total else 0
    pix = np.bincount(comp, weights=pix_l, minlength=ncomp)
    keep = pix >= max(min_pixel_count, 1)
    # Object ids in order of each component's first label (raster scan order).
    first_label = np.full(ncomp, np.iinfo(np.int64).max, dtype=np.int64)
    np.minimum.at(first_label, comp, np.arange(total, dtype=np.int64))
    kept = np.flatnonzero(keep)
    kept = kept[np.argsort(first_label[kept], kind="stable")]
    comp_to_obj = np.zeros(ncomp, dtype=np.int64)
    comp_to_obj[kept] = np.arange(1, len(kept) + 1)
    label_to_object = np.concatenate([[0], comp_to_obj[comp]]).astype(np.int64)

    def agg(values, how):
        out = np.zeros(ncomp, dtype=np.float64)
        if how == "sum":
            out = np.bincount(comp, weights=values, minlength=ncomp)
        elif how == "max":
            out[:] = -np.inf
            np.maximum.at(out, comp, values)
        else:
            out[:] = np.inf
            np.minimum.at(out, comp, values)
        return out[kept]

    first = first_label[kept]
    return Objects(
        class_id=cls_l[first] if total else cls_l,
        pixels=agg(pix_l, "sum").astype(np.int64),
        act_sum=agg(cat("sum", np.float64), "sum"),
        act_max=agg(cat("max", np.float64), "max"),
        row_sum=agg(cat("rsum", np.float64), "sum"),
        col_sum=agg(cat("csum", np.float64), "sum"),
        rmin=agg(cat("rmin", np.float64), "min").astype(np.int64),
        rmax=agg(cat("rmax", np.float64), "max").astype(np.int64),
        cmin=agg(cat("cmin", np.float64), "min").astype(np.int64),
        cmax=agg(cat("cmax", np.float64), "max").astype(np.int64),
        seed_row=cat("srow", np.int64)[first] if total else np.zeros(0, dtype=np.int64),
        seed_col=cat("scol", np.int64)[first] if total else np.zeros(0, dtype=np.int64),
        label_to_object=label_to_object,
        offsets=offsets,
        threshold=threshold,
    )


def _object_strips(info: ActivationInfo, objects: Objects, progress: Progress) -> Iterator:
    """Second pass: yield ``(r0, r1, object ids int32 (h, w), class uint8 (h, w))`` per strip."""
    import numpy as np

    for i, r0, r1, cls, _ in _classified_strips(info, objects.threshold, progress, check_range=False):
        yield r0, r1, _strip_object_ids(info, objects, i, cls).astype(np.int32), cls


def _strip_object_ids(info: ActivationInfo, objects: Objects, i: int, cls):
    """Object ids (1..count, 0 none) of the pixels of strip ``i`` from its classes ``cls``: the strip
    labelled again as in the first pass, its labels mapped to their objects."""
    import numpy as np

    labels, _ = _label_strip(cls, info.class_ids)
    return objects.label_to_object[np.where(labels > 0, labels + objects.offsets[i], 0)]


# ---------------------------------------------------------------------------------------------
# Entry points


def _raster_profile(info: ActivationInfo, dtype: str, nodata, count: int = 1) -> dict:
    from affine import Affine

    return dict(
        driver="GTiff", width=info.width, height=info.height, count=count, dtype=dtype,
        crs=info.crs_wkt or None, transform=Affine(*info.transform), nodata=nodata, tiled=True,
        blockxsize=256, blockysize=256, compress="deflate", BIGTIFF="IF_SAFER",
    )


def activation_to_classification(
    input_path: str | os.PathLike,
    output_path: str | os.PathLike,
    *,
    threshold: float | None = 0.5,
    min_area: float = 0.0,
    progress: Progress | None = None,
) -> dict:
    """Write a classification raster (uint8 class ids, 0 background, 255 NoData) from activations.

    ``threshold`` None = automatic (Otsu). ``min_area`` (square CRS units): smaller objects become
    background. Returns ``{"threshold", "objects" (or None), "removed", "class_pixels", "classes"}``.
    """
    import numpy as np
    import rasterio
    from rasterio.windows import Window

    progress = ensure(progress)
    info = read_activation_info(input_path)
    with atomic_output(output_path, inputs=[input_path], what="classification raster", geotiff=True) as tmp:
        thr = resolve_threshold(info, threshold, progress.sub(0.0, 0.2) if threshold is None else progress)
        mpx = min_pixels(info, min_area, progress)
        rest = progress.sub(0.2 if threshold is None else 0.0, 1.0)
        class_pixels = np.zeros(256, dtype=np.int64)
        result = {"threshold": thr, "objects": None, "removed": 0}
        with rasterio.open(tmp, "w", **_raster_profile(info, "uint8", CLASS_NODATA)) as dst:
            describe_classification(dst, info.classes)
            if mpx > 1:
                objects = find_objects(info, thr, mpx, rest.sub(0.0, 0.5))
                result["objects"] = objects.count
                for r0, r1, obj, cls in _object_strips(info, objects, rest.sub(0.5, 1.0)):
                    removed = (cls > 0) & (cls != CLASS_NODATA) & (obj == 0)
                    result["removed"] += int(removed.sum())
                    cls[removed] = 0
                    class_pixels += np.bincount(cls.ravel(), minlength=256)
                    dst.write(cls[None], window=Window(0, r0, info.width, r1 - r0))
            else:
                for _, r0, r1, cls, _ in _classified_strips(info, thr, rest):
                    class_pixels += np.bincount(cls.ravel(), minlength=256)
                    dst.write(cls[None], window=Window(0, r0, info.width, r1 - r0))
    result["class_pixels"] = {int(c): int(class_pixels[c]) for c in [0] + info.class_ids}
    if not any(result["class_pixels"][c] for c in info.class_ids):
        warn_if_nothing_found(info, thr, mpx, progress)
    result["classes"] = dict(info.classes)
    result["nodata_pixels"] = int(class_pixels[CLASS_NODATA])
    return result


def _chaikin(coords, iterations: int = 2):
    """Chaikin corner cutting of a closed ring (first == last point)."""
    import numpy as np

    pts = np.asarray(coords, dtype=np.float64)[:-1, :2]
    for _ in range(iterations):
        nxt = np.roll(pts, -1, axis=0)
        q = 0.75 * pts + 0.25 * nxt
        r = 0.25 * pts + 0.75 * nxt
        pts = np.empty((2 * len(q), 2))
        pts[0::2], pts[1::2] = q, r
    return np.vstack([pts, pts[:1]])


def _polygonal(geom):
    """The polygonal part of ``geom`` (Polygon or MultiPolygon) or None."""
    from shapely.geometry import MultiPolygon, Polygon

    if geom.is_empty:
        return None
    if isinstance(geom, (Polygon, MultiPolygon)):
        return geom
    parts = [g for g in getattr(geom, "geoms", []) if isinstance(g, Polygon) and not g.is_empty]
    for g in getattr(geom, "geoms", []):
        if isinstance(g, MultiPolygon):
            parts += list(g.geoms)
    if not parts:
        return None
    return parts[0] if len(parts) == 1 else MultiPolygon(parts)


def shape_polygon(geom, pixel_size: float, smooth: float, fill_holes: bool):
    """Fill holes and smooth a polygonized shape; always returns a valid (multi)polygon or None.

    ``smooth`` is in pixels: Douglas-Peucker simplification by ``smooth`` pixels removes the pixel
    staircase, then two Chaikin corner-cutting passes round the corners, and the result is scaled about
    its centroid back to the area of the pixels (corner cutting would otherwise shrink small objects by
    half and more). 0 keeps the pixel edges.
    """
    import shapely
    from shapely import affinity
    from shapely.geometry import Polygon

    poly = shapely.force_2d(geom)
    if fill_holes:
        poly = Polygon(poly.exterior)
    if smooth > 0:
        simple = poly.simplify(smooth * pixel_size, preserve_topology=True)
        if isinstance(simple, Polygon) and not simple.is_empty and len(simple.exterior.coords) >= 4:
            ext = _chaikin(simple.exterior.coords)
            holes = [_chaikin(r.coords) for r in simple.interiors if len(r.coords) >= 4]
            cand = Polygon(ext, holes)
            if not cand.is_valid:
                cand = _polygonal(shapely.make_valid(cand))
            if cand is not None and not cand.is_empty and cand.area > 0:
                factor = math.sqrt(poly.area / cand.area)
                poly = affinity.scale(cand, factor, factor, origin="centroid")
    if not poly.is_valid:
        poly = _polygonal(shapely.make_valid(poly))
    return poly


def _object_raster(info: ActivationInfo, objects: Objects, folder: Path, progress: Progress) -> tuple:
    """Write the object ids (int32, 0 = none) and their mask (uint8) to temporary GeoTIFFs."""
    import rasterio
    from rasterio.windows import Window

    paths = folder / "objects.tif", folder / "mask.tif"
    profile = _raster_profile(info, "int32", None)
    profile.update(compress="lzw")
    with rasterio.open(paths[0], "w", **profile) as dst, rasterio.open(
        paths[1], "w", **dict(profile, dtype="uint8")
    ) as mdst:
        for r0, r1, obj, _ in _object_strips(info, objects, progress):
            dst.write(obj[None], window=Window(0, r0, info.width, r1 - r0))
            mdst.write((obj > 0).astype("uint8")[None], window=Window(0, r0, info.width, r1 - r0))
    return paths


def _attributes(info: ActivationInfo, objects: Objects, k: int) -> dict:
    """Attributes of object ``k`` (0-based)."""
    cid = int(objects.class_id[k])
    pixels = int(objects.pixels[k])
    return {
        "class_id": cid,
        "class_name": info.classes.get(cid, str(cid)),
        "pixels": pixels,
        "area": pixels * info.pixel_area,
        "mean_activation": float(objects.act_sum[k] / max(pixels, 1)),
        "max_activation": float(objects.act_max[k]),
    }


def activation_to_polygons(
    input_path: str | os.PathLike,
    sink: Sink,
    *,
    threshold: float | None = 0.5,
    min_area: float = 0.0,
    smooth: float = 1.0,
    fill_holes: bool = False,
    progress: Progress | None = None,
) -> dict:
    """Vectorize the objects of an activation raster; call ``sink(wkb, attributes)`` per polygon.

    Geometries are in the raster CRS. Attributes: ``class_id, class_name, pixels, area`` (of the
    final geometry, square CRS units), ``mean_activation, max_activation``. Returns a summary dict.
    """
    import rasterio
    import rasterio.features
    import shapely
    from affine import Affine
    from shapely.geometry import shape

    progress = ensure(progress)
    info = read_activation_info(input_path)
    if smooth < 0:
        raise ParameterError("SMOOTH must be 0 (no smoothing) or more pixels; {} was given.".format(smooth))
    thr = resolve_threshold(info, threshold, progress.sub(0.0, 0.1) if threshold is None else progress)
    mpx = min_pixels(info, min_area, progress)
    objects = find_objects(info, thr, mpx, progress.sub(0.1, 0.4))
    if objects.count == 0:
        warn_if_nothing_found(info, thr, mpx, progress)
    progress.info("{} objects found (threshold {:.3f}).".format(objects.count, thr))
    pixel_size = math.sqrt(info.pixel_area)
    folder = Path(tempfile.mkdtemp(prefix="deepfeature-polygons-"))
    written = 0
    try:
        raster, mask = _object_raster(info, objects, folder, progress.sub(0.4, 0.6))
        rest = progress.sub(0.6, 1.0)
        with rasterio.open(raster) as src, rasterio.open(mask) as msrc:
            for geom, value in rasterio.features.shapes(
                rasterio.band(src, 1), mask=rasterio.band(msrc, 1), connectivity=4,
                transform=Affine(*info.transform),
            ):
                k = int(value) - 1
                if k < 0:
                    continue
                poly = shape_polygon(shape(geom), pixel_size, smooth, fill_holes)
                if poly is None:
                    continue
                attrs = _attributes(info, objects, k)
                attrs["area"] = float(poly.area)
                sink(shapely.to_wkb(poly, output_dimension=2), attrs)
                written += 1
                if written % 200 == 0:
                    rest.check()
                    rest.progress(written / max(objects.count, 1))
    finally:
        shutil.rmtree(folder, ignore_errors=True)
    rest.progress(1.0)
    return {"threshold": thr, "objects": objects.count, "features": written, "classes": dict(info.classes)}


def activation_to_points(
    input_path: str | os.PathLike,
    sink: Sink,
    *,
    threshold: float | None = 0.5,
    min_area: float = 0.0,
    method: str = "components",
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
    if method not in ("components", "maxima"):
        raise ParameterError("Unknown point method '{}': use 'components' or 'maxima'.".format(method))
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
            attrs = _attributes(info, objects, k)
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
    mask = _strip_object_ids(info, objects, i, cls) == k + 1
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
