"""Label rasters from vector shapes: points, lines and polygons (WKB in the raster CRS) burnt into the
mask band.

Polygons burn pixel centres, lines and points every touched pixel. Burn order: polygons, lines,
points, then the features whose class is the ignore value. Outside the AOI -> ignore. With the GDAL
Python bindings (``osgeo``: QGIS's GDAL) the output is written by the GDAL burner (:mod:`.burner`);
without them, the mask is burnt per window with ``rasterio.features.rasterize`` (STRtree query of the
geometries meeting the window) and written by :mod:`.writer`. Both give the same pixels
(``tests/test_labels_vector.py``). An image NoData pixel becomes the ignore value.
"""

from __future__ import annotations

from pathlib import Path
from typing import Callable

from ..class_table import DEFAULT_IGNORE
from ..files import check_output_path, raster_envelope
from ..progress import Progress, count, ensure
from .burner import gdal_type, osgeo_bindings, write_with_gdal
from .classes import LabelLayer, check_ignore_value, resolve_classes
from .raster import LabelRasterJob, LabelRasterResult, label_dtype, open_image, report
from .shapes import aoi_polygons, burn_passes
from .writer import write_label_raster


def build_label_raster_from_shapes(
    image_path: str | Path,
    output_path: str | Path,
    layers: list[LabelLayer],
    aoi_wkb: list[bytes] | None = None,
    ignore_value: int = DEFAULT_IGNORE,
    *,
    copy_image: bool = True,
    progress: Progress | None = None,
) -> LabelRasterResult:
    """Write a label raster on the image grid: image bands + a mask band burnt from ``layers``.

    Geometries are WKB in the image CRS. ``aoi_wkb`` (polygons, optional): the exhaustively labelled
    area; pixels outside it get ``ignore_value``. A layer without any feature overlapping the image is
    reported with a warning and burns nothing. Raises :class:`LabelError` when there are no features or
    none at all overlaps the image, :class:`RasterError` for an image without CRS, :class:`OutputError`
    for an output that cannot be written. Nothing is left at ``output_path`` on error.
    ``copy_image=False``: write the mask band only (see :class:`.raster.LabelRasterJob`).

    The mask is burnt by GDAL's rasterizer (``osgeo``, QGIS's GDAL) straight into the output through a
    bounded block cache; without ``osgeo`` it is burnt window by window with ``rasterio``.
    """
    import shapely

    progress = ensure(progress)
    ignore_value = check_ignore_value(ignore_value)
    check_output_path(output_path, [image_path], "label raster", geotiff=True)
    resolution = resolve_classes(layers, ignore_value)
    _warn_renamed(layers, resolution, progress)
    src = open_image(image_path)
    with src:
        label_dtype(src.dtypes[0])
        passes, total = burn_passes(layers, resolution, src, image_path, ignore_value, progress)
        aoi = None
        if aoi_wkb is not None:
            aoi = aoi_polygons(aoi_wkb, shapely.box(*raster_envelope(src)), image_path)
        progress.info(
            "Burning {} ({}) into a {} x {} label raster.".format(
                count(total, "feature"), count(len(resolution.classes), "class", "classes"), src.width,
                src.height
            )
        )
        job = LabelRasterJob(src, output_path, resolution.classes, ignore_value, [image_path], progress,
                             copy_image)
        bindings = osgeo_bindings()
        if bindings is not None and gdal_type(bindings[0], job.dtype) is not None:
            result = write_with_gdal(bindings, job, passes, aoi)
        else:
            result = write_label_raster(job, _rasterio_mask_function(src, passes, aoi, ignore_value))
    report(result, progress)
    return result


def _warn_renamed(layers: list[LabelLayer], resolution, progress: Progress) -> None:
    """Warn when twin layer names gave numbered class names."""
    renamed = [(layer.name, name) for layer, name in zip(layers, resolution.classes.values())
               if resolution.mode == "layers" and layer.name != name]
    if renamed:
        progress.warning(
            "Several label layers are named '{}'; their classes are named {} so that they differ. Rename "
            "the layers to give the classes meaningful names.".format(
                renamed[0][0], ", ".join("'{}'".format(new) for _, new in renamed))
        )


# ----------------------------------------------------------------------------------------------
# Burning with rasterio (without osgeo)
# ----------------------------------------------------------------------------------------------
def _offsets(owner, count: int) -> list[int]:
    """Start offsets (``count + 1``) of consecutive runs of ``owner`` (an index array from shapely)."""
    import numpy as np

    return np.concatenate([[0], np.cumsum(np.bincount(owner, minlength=count))]).tolist()


def _geojson_parts(geoms, values, kind: str):
    """Single-part GeoJSON-like dicts (built once, much faster than ``__geo_interface__`` per window),
    their envelopes and burn values, in feature order."""
    import shapely

    parts, index = shapely.get_parts(geoms, return_index=True)
    keep = ~shapely.is_empty(parts)
    parts, index = parts[keep], index[keep]
    part_values = values[index]
    if kind == "point":
        coords = shapely.get_coordinates(parts).tolist()
        shapes = [{"type": "Point", "coordinates": c} for c in coords]
    elif kind == "line":
        coords, owner = shapely.get_coordinates(parts, return_index=True)
        offsets = _offsets(owner, len(parts))
        coords = coords.tolist()
        shapes = [{"type": "LineString", "coordinates": coords[offsets[i]:offsets[i + 1]]}
                  for i in range(len(parts))]
    else:
        rings, ring_owner = shapely.get_rings(parts, return_index=True)
        coords, owner = shapely.get_coordinates(rings, return_index=True)
        offsets = _offsets(owner, len(rings))
        ring_offsets = _offsets(ring_owner, len(parts))
        coords = coords.tolist()
        rings_of = [range(ring_offsets[i], ring_offsets[i + 1]) for i in range(len(parts))]
        shapes = [{"type": "Polygon", "coordinates": [coords[offsets[r]:offsets[r + 1]] for r in rr]}
                  for rr in rings_of]
    return shapes, parts, part_values


class _BurnGroup:
    """Geometries burnt with one ``all_touched`` setting, queried per window through an STRtree."""

    def __init__(self, geoms, values, kind: str, all_touched: bool):
        import shapely

        self.shapes, parts, values = _geojson_parts(geoms, values, kind)
        self.values = values.tolist()
        self.all_touched = all_touched
        self.tree = shapely.STRtree(parts)

    def burn(self, out, window_box, transform) -> None:
        import numpy as np
        from rasterio.features import rasterize

        index = np.sort(self.tree.query(window_box)).tolist()
        if not index:
            return
        shapes, values = self.shapes, self.values
        rasterize([(shapes[i], values[i]) for i in index], out=out, transform=transform,
                  all_touched=self.all_touched)



def _rasterio_mask_function(src, passes: list, aoi, ignore_value: int) -> Callable:
    """``mask_for_window(window)`` burning the ``passes`` (then the AOI outside) with rasterio."""
    import numpy as np
    import shapely
    from rasterio.windows import transform as window_transform

    groups = [_BurnGroup(geoms, values, kind, kind != "polygon") for kind, geoms, values, _ in passes]
    if aoi is not None:
        aoi = _BurnGroup(aoi, np.ones(len(aoi), np.uint8), "polygon", False)

    def mask_for_window(window):
        shape = (int(window.height), int(window.width))
        out = np.zeros(shape, dtype=np.uint8)
        transform = window_transform(window, src.transform)
        corners = [transform * (c, r) for c in (0, shape[1]) for r in (0, shape[0])]
        box = shapely.box(min(x for x, _ in corners), min(y for _, y in corners),
                          max(x for x, _ in corners), max(y for _, y in corners))
        for group in groups:
            group.burn(out, box, transform)
        if aoi is not None:
            inside = np.zeros(shape, dtype=np.uint8)
            aoi.burn(inside, box, transform)
            out[inside == 0] = ignore_value
        return out

    return mask_for_window
