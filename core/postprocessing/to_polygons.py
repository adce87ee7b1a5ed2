"""Activation to polygons: GDAL's polygonize (``rasterio.features.shapes`` on a raster band, streamed by
GDAL) of a temporary object-id raster, each polygon filled and smoothed or squared (:mod:`.regularize`),
always valid."""

from __future__ import annotations

import math
import os
import shutil
import tempfile
from pathlib import Path

from ..activation_format import ActivationInfo, read_activation_info
from ..errors import ParameterError
from ..progress import Progress, ensure
from .activation_strips import raster_profile
from .objects import Objects, Sink, find_objects, object_attributes, object_strips
from .regularize import regularize_polygon, scaled_to_area
from .thresholds import DEFAULT_THRESHOLD, min_pixels, resolve_threshold, warn_if_nothing_found


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


def shape_polygon(geom, pixel_size: float, smooth: float, fill_holes: bool, regularize: bool = False):
    """Fill holes and smooth or square a polygonized shape; always returns a valid (multi)polygon or None.

    ``smooth`` is in pixels: Douglas-Peucker simplification by ``smooth`` pixels removes the pixel
    staircase, then two Chaikin corner-cutting passes round the corners, and the result is scaled about
    its centroid back to the area of the pixels (corner cutting would otherwise shrink small objects by
    half and more). 0 keeps the pixel edges. ``regularize`` squares the outline instead (right angles
    along its dominant orientation, the area of the pixels kept: :func:`.regularize.regularize_polygon`);
    ``smooth`` is then not used.
    """
    import shapely
    from shapely.geometry import Polygon

    poly = shapely.force_2d(geom)
    if fill_holes:
        poly = Polygon(poly.exterior)
    if regularize:
        if not poly.is_valid:
            poly = _polygonal(shapely.make_valid(poly))
        if poly is not None:
            poly = _polygonal(regularize_polygon(poly, pixel_size))
    elif smooth > 0:
        simple = poly.simplify(smooth * pixel_size, preserve_topology=True)
        if isinstance(simple, Polygon) and not simple.is_empty and len(simple.exterior.coords) >= 4:
            ext = _chaikin(simple.exterior.coords)
            holes = [_chaikin(r.coords) for r in simple.interiors if len(r.coords) >= 4]
            cand = Polygon(ext, holes)
            if not cand.is_valid:
                cand = _polygonal(shapely.make_valid(cand))
            if cand is not None and not cand.is_empty and cand.area > 0:
                poly = scaled_to_area(cand, poly.area)
    if poly is not None and not poly.is_valid:
        poly = _polygonal(shapely.make_valid(poly))
    return poly


def _object_raster(info: ActivationInfo, objects: Objects, folder: Path, progress: Progress) -> tuple:
    """Write the object ids (int32, 0 = none) and their mask (uint8) to temporary GeoTIFFs."""
    import rasterio
    from rasterio.windows import Window

    paths = folder / "objects.tif", folder / "mask.tif"
    profile = raster_profile(info, "int32", None)
    profile.update(compress="lzw")
    with rasterio.open(paths[0], "w", **profile) as dst, rasterio.open(
        paths[1], "w", **dict(profile, dtype="uint8")
    ) as mdst:
        for r0, r1, obj, _ in object_strips(info, objects, progress):
            dst.write(obj[None], window=Window(0, r0, info.width, r1 - r0))
            mdst.write((obj > 0).astype("uint8")[None], window=Window(0, r0, info.width, r1 - r0))
    return paths


def activation_to_polygons(
    input_path: str | os.PathLike,
    sink: Sink,
    *,
    threshold: float | None = DEFAULT_THRESHOLD,
    min_area: float | None = None,
    smooth: float = 1.0,
    fill_holes: bool = False,
    regularize: bool = False,
    progress: Progress | None = None,
) -> dict:
    """Vectorize the objects of an activation raster; call ``sink(wkb, attributes)`` per polygon.

    ``smooth`` (pixels) smooths the outlines; ``regularize`` squares them instead (buildings: right angles
    along each polygon's dominant orientation, its area kept), and ``smooth`` is then not used.

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
    if regularize:
        progress.info("Outlines regularized (right angles along each polygon's orientation); "
                      "smoothing is not used.")
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
                poly = shape_polygon(shape(geom), pixel_size, smooth, fill_holes, regularize)
                if poly is None:
                    continue
                attrs = object_attributes(info, objects, k)
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
