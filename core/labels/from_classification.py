"""Label rasters from a classification raster: resampled nearest-neighbour onto the image grid
(``WarpedVRT`` read per window, any grid, any CRS), its values mapped to class ids with a ``CLASS_MAP``
such as ``1,2=1;5=2``, written by :mod:`.writer`. An image NoData pixel becomes the ignore value."""

from __future__ import annotations

from pathlib import Path
from typing import Callable, Sequence

from ..class_table import DEFAULT_IGNORE, MAX_CLASS_ID
from ..errors import LabelError, ParameterError, RasterError
from ..files import check_output_path, raster_envelope, require_file
from ..progress import Progress, count, ensure
from .classes import check_ignore_value, class_names_for, parse_class_map
from .raster import LabelRasterJob, LabelRasterResult, label_dtype, open_image, report
from .writer import write_label_raster


def build_label_raster_from_classification(
    image_path: str | Path,
    classification_path: str | Path,
    output_path: str | Path,
    class_map: str | dict | None = None,
    class_names: str | Sequence[str] | dict | None = None,
    ignore_value: int = DEFAULT_IGNORE,
    *,
    progress: Progress | None = None,
) -> LabelRasterResult:
    """Write a label raster on the image grid from a classification raster (band 1).

    The classification is resampled nearest-neighbour onto the image grid window by window (any grid,
    any CRS). ``class_map`` (:func:`parse_class_map`) says which source values become which class ids;
    without it every non-zero value is class 1, except ``ignore_value``, which stays ignore (a label
    raster's own mask band keeps its ignore pixels). Unmapped values are background; classification NoData
    and pixels outside it are ignore, as are image NoData pixels.
    """
    from rasterio.vrt import WarpedVRT

    progress = ensure(progress)
    ignore_value = check_ignore_value(ignore_value)
    check_output_path(output_path, [image_path, classification_path], "label raster", geotiff=True)
    mapping = parse_class_map(class_map, ignore_value)
    ids = sorted({1} if mapping is None else {t for t in mapping.values() if t not in (0, ignore_value)})
    if not ids:
        raise ParameterError(
            "The class map gives no class (only background or ignore). Map at least one value to a "
            "class id 1..{}.".format(MAX_CLASS_ID)
        )
    classes = class_names_for(ids, class_names)
    require_file(classification_path, "classification raster")
    src = open_image(image_path)
    with src:
        label_dtype(src.dtypes[0])
        cls = _open_classification(classification_path)
        with cls:
            _check_classification(cls, src, classification_path, image_path, progress)
            lookup = None if mapping is None else _group_map(mapping)
            progress.info("Resampling the classification onto the {} x {} image grid ({}).".format(
                src.width, src.height, count(len(classes), "class", "classes")))
            with WarpedVRT(cls, **_vrt_options(cls, src)) as vrt:
                job = LabelRasterJob(src, output_path, classes, ignore_value,
                                     [image_path, classification_path], progress)
                result = write_label_raster(job, _mask_function(vrt, cls.nodata, lookup, ignore_value))
    report(result, progress)
    return result


def _open_classification(classification_path):
    """The classification raster open with rasterio; :class:`RasterError` when it cannot be read."""
    import rasterio

    try:
        return rasterio.open(classification_path)
    except rasterio.errors.RasterioIOError as exc:
        raise RasterError(
            "Cannot open the classification raster '{}': {}".format(classification_path, exc)
        ) from exc


def _check_classification(cls, src, classification_path, image_path, progress: Progress) -> None:
    """:class:`RasterError` without CRS, :class:`LabelError` when it does not overlap the image; warn
    when it has several bands."""
    from rasterio.warp import transform_bounds

    if cls.crs is None:
        raise RasterError(
            "The classification raster '{}' has no coordinate reference system. Assign its CRS "
            "and try again.".format(classification_path)
        )
    if cls.count > 1:
        progress.warning("The classification raster has {} bands; band 1 is used.".format(cls.count))
    try:
        cb = transform_bounds(cls.crs, src.crs, *raster_envelope(cls), densify_pts=21)
    except Exception as exc:  # noqa: BLE001 - any PROJ failure means no usable overlap
        raise LabelError(
            "The classification raster cannot be placed on the image: {}".format(exc)
        ) from exc
    left, bottom, right, top = raster_envelope(src)
    if not (cb[0] < right and cb[2] > left and cb[1] < top and cb[3] > bottom):
        raise LabelError(
            "The classification raster '{}' does not overlap the image '{}'. Check that they "
            "show the same place and that their CRS are right.".format(
                classification_path, image_path
            )
        )


def _vrt_options(cls, src) -> dict:
    """``WarpedVRT`` options putting the classification on the image grid (nearest neighbour), with an
    alpha band marking its pixels when it has no NoData value."""
    from rasterio.enums import Resampling

    options = dict(crs=src.crs, transform=src.transform, width=src.width, height=src.height,
                   resampling=Resampling.nearest)
    if cls.nodata is not None:
        options["nodata"] = cls.nodata
    else:
        options["add_alpha"] = True
    return options


def _mask_function(vrt, nodata, lookup, ignore_value: int) -> Callable:
    """``mask_for_window(window)``: the class ids of the resampled classification (``lookup``:
    :func:`_group_map`, or None: every non-zero value is class 1)."""
    import numpy as np

    def mask_for_window(window):
        data = vrt.read(1, window=window)
        if nodata is not None:
            valid = vrt.read_masks(1, window=window) != 0
        else:
            valid = vrt.read(vrt.count, window=window) != 0
        out = np.zeros(data.shape, dtype=np.uint8)
        if lookup is None:  # every non-zero value is class 1; the ignore value stays ignore
            out[data != 0] = 1
            out[data == ignore_value] = ignore_value
        else:
            for target, sources in lookup:
                out[np.isin(data, sources)] = target
        out[~valid] = ignore_value
        return out

    return mask_for_window


def _group_map(mapping: dict[float, int]):
    """``[(class id, array of source values)]`` (each source value has one target)."""
    import numpy as np

    targets: dict[int, list[float]] = {}
    for source, target in mapping.items():
        targets.setdefault(target, []).append(source)
    return [(t, np.asarray(targets[t])) for t in sorted(targets)]
