"""Thresholds and minimum object sizes of the post-processing: a fixed threshold or Otsu's, the minimum
area in pixels, and the warning that says why nothing was found."""

from __future__ import annotations

import math

from ..activation_format import ActivationInfo
from ..errors import ParameterError
from ..progress import Progress, count, ensure
from .activation_strips import read_activation_strip, strips

#: The usual threshold (minimum activation) of the post-processing and the evaluation.
DEFAULT_THRESHOLD = 0.5


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


def min_pixels(info: ActivationInfo, min_area: float | None, progress: Progress | None = None) -> int:
    """The smallest object size in pixels for a minimum area in square CRS units (warns when those are
    square degrees). ``None``: automatic, the smallest of the classes' default minimum object sizes that
    the model's training objects give (tagged by Classify, see
    :data:`~deepfeature.core.activation_format.TAG_MIN_OBJECT`), else 0 (every object kept)."""
    if min_area is None:
        sizes = [v for v in info.min_objects.values() if v > 0]
        if not sizes:
            return 0
        pixels = min(sizes)
        if progress is not None:
            progress.info(
                "Minimum object size from the model's training objects: {} ({:g} square CRS units; half the "
                "size that 5 % of the training objects are below). Set the minimum area to 0 to keep every "
                "object.".format(count(pixels, "pixel"), pixels * info.pixel_area))
        return pixels
    if min_area <= 0:
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
