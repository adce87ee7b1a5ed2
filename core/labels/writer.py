"""The rasterio label raster writer: the image copied window by window, the mask band from a function
of the window, through a bounded GDAL block cache (memory stays flat in the raster size)."""

from __future__ import annotations

from typing import Callable

from ..errors import OutputError
from ..files import atomic_output
from ..geotiff import creation_options
from ..label_format import MASK_DESCRIPTION
from .raster import LabelRasterJob, LabelRasterResult, label_colorinterp, nodata_pixels, windows

#: GDAL block cache while writing (bytes).
GDAL_CACHE_BYTES = 128 * 2**20


def write_label_raster(job: LabelRasterJob, mask_for_window: Callable) -> LabelRasterResult:
    """Copy the image window by window, add the mask band from ``mask_for_window(window)``
    (uint8 class ids; image NoData pixels become the ignore value)."""
    import rasterio

    src = job.src
    profile = dict(creation_options(), width=src.width, height=src.height, count=job.mask_index,
                   dtype=job.dtype, crs=src.crs, transform=src.transform)
    # A small block cache keeps memory flat: GDAL's default (5 % of RAM) fills with dirty output blocks.
    with atomic_output(job.output_path, inputs=job.inputs, what="label raster") as tmp, \
            rasterio.Env(GDAL_TIFF_INTERNAL_MASK=True, GDAL_CACHEMAX=GDAL_CACHE_BYTES):
        try:
            dst = rasterio.open(tmp, "w", **profile)
        except (rasterio.errors.RasterioIOError, OSError) as exc:
            raise OutputError(
                "Cannot write the label raster '{}': {}. Choose a folder you can write to.".format(
                    job.output_path, exc
                )
            ) from exc
        with dst:
            _describe(dst, job)
            histogram = _write_windows(dst, job, mask_for_window)
    return job.result(histogram)


def _describe(dst, job: LabelRasterJob) -> None:
    """Tags, colour interpretation and band descriptions of the output."""
    import rasterio
    from rasterio.enums import ColorInterp

    src = job.src
    dst.update_tags(**job.tags())
    if job.copy_image:
        try:
            dst.colorinterp = label_colorinterp(src.colorinterp) + [ColorInterp.undefined]
        except (ValueError, rasterio.errors.RasterioError):  # pragma: no cover - exotic inputs
            pass
        for band, text in enumerate(src.descriptions, start=1):
            dst.set_band_description(band, text or "")
    dst.set_band_description(job.mask_index, MASK_DESCRIPTION)


def _write_windows(dst, job: LabelRasterJob, mask_for_window: Callable):
    """Write every window (image bands, mask band, internal NoData mask); the mask's histogram."""
    import numpy as np

    src, progress, ignore_value, dtype = job.src, job.progress, job.ignore_value, job.dtype
    has_nodata = job.has_nodata
    histogram = np.zeros(256, dtype=np.int64)
    parts = list(windows(src.width, src.height))
    masked = False
    for i, window in enumerate(parts):
        progress.check()
        image = src.read(window=window) if (job.copy_image or has_nodata) else None
        mask = mask_for_window(window)
        if has_nodata:
            bad = nodata_pixels(src, image)
            if bad is not None and (masked or bad.any()):
                mask[bad] = ignore_value
                if not masked:  # create the internal mask only when NoData occurs
                    for previous in parts[:i]:
                        full = np.full((int(previous.height), int(previous.width)), 255, "uint8")
                        dst.write_mask(full, window=previous)
                    masked = True
                dst.write_mask(np.where(bad, 0, 255).astype("uint8"), window=window)
        histogram += np.bincount(mask.ravel(), minlength=256)[:256]
        if job.copy_image:
            bands = list(range(1, src.count + 1))
            dst.write(image.astype(dtype, copy=False), indexes=bands, window=window)
        dst.write(mask.astype(dtype, copy=False), job.mask_index, window=window)
        progress.progress((i + 1) / len(parts))
    return histogram
