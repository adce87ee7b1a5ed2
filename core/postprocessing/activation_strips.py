"""Reading an activation raster by strips of rows (full width; memory does not grow with the raster
height), classifying a block (threshold or arg-max with a minimum probability), and the profile of the
rasters written on the activation grid."""

from __future__ import annotations

import math

from ..activation_format import CLASS_NODATA, ActivationInfo
from ..errors import RasterError
from ..progress import Progress

#: Rows per strip; full raster width. 20,000 columns x 256 rows x 4 bytes = 20 MB per band.
STRIP_ROWS = 256
#: Values may exceed 0..1 by this much (float rounding) and still count as an activation.
RANGE_TOLERANCE = 1e-4


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



def classified_strips(info: ActivationInfo, threshold: float, progress: Progress, check_range: bool = True):
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



def raster_profile(info: ActivationInfo, dtype: str, nodata, count: int = 1) -> dict:
    """The rasterio profile of a tiled, compressed GeoTIFF on the activation raster's grid."""
    from affine import Affine

    return dict(
        driver="GTiff", width=info.width, height=info.height, count=count, dtype=dtype,
        crs=info.crs_wkt or None, transform=Affine(*info.transform), nodata=nodata, tiled=True,
        blockxsize=256, blockysize=256, compress="deflate", BIGTIFF="IF_SAFER",
    )

