"""The label raster being written, shared by both writers (rasterio and GDAL): what to write
(:class:`LabelRasterJob`: data type, bands, tags), what was written (:class:`LabelRasterResult`), the
image's NoData pixels, windows and colour interpretation, and the summary message."""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Sequence

from ..errors import RasterError
from ..files import require_file
from ..label_format import TAG_MARKER, label_tags
from ..progress import Progress

#: Side of the square processing window in pixels (a multiple of the output tile size).
WINDOW_SIZE = 1024


@dataclass
class LabelRasterResult:
    """What was written: the path, classes ``{id: name}`` and pixel counts."""

    path: str
    classes: dict[int, str]
    pixel_counts: dict[int, int] = field(default_factory=dict)
    ignore_count: int = 0
    background_count: int = 0
    width: int = 0
    height: int = 0
    image_bands: int = 0
    dtype: str = ""


@dataclass
class LabelRasterJob:
    """One label raster to write on the grid of the image ``src`` (open with rasterio).

    ``copy_image=False`` writes the mask band alone (uint8, 1 band): a fast path for pairing the mask
    with the image elsewhere. It has no image bands, so it is not a training input by itself (its tags
    lack the label raster marker).
    """

    src: Any
    output_path: str | Path
    classes: dict[int, str]
    ignore_value: int
    inputs: Sequence
    progress: Progress
    copy_image: bool = True

    @property
    def dtype(self) -> str:
        """The output's data type (all bands)."""
        return label_dtype(self.src.dtypes[0]) if self.copy_image else "uint8"

    @property
    def image_bands(self) -> int:
        """Image bands copied into the output."""
        return self.src.count if self.copy_image else 0

    @property
    def mask_index(self) -> int:
        """1-based index of the mask band (the last band)."""
        return self.image_bands + 1

    @property
    def has_nodata(self) -> bool:
        """Whether image pixels can be NoData (a NoData value or a float type, for NaN)."""
        import numpy as np

        src = self.src
        return any(v is not None for v in src.nodatavals) or np.dtype(src.dtypes[0]).kind == "f"

    def tags(self) -> dict[str, str]:
        """The output's dataset tags."""
        nodata_tag = next((v for v in self.src.nodatavals if v is not None), None)
        tags = label_tags(self.classes, self.ignore_value, self.image_bands, nodata_tag)
        if not self.copy_image:
            tags.pop(TAG_MARKER)
        return tags

    def result(self, histogram) -> LabelRasterResult:
        """The result of the job from the histogram (256 bins) of the mask band written."""
        counts = {cid: int(histogram[cid]) for cid in sorted(self.classes)}
        return LabelRasterResult(
            path=str(self.output_path), classes=dict(sorted(self.classes.items())), pixel_counts=counts,
            ignore_count=int(histogram[self.ignore_value]), background_count=int(histogram[0]),
            width=self.src.width, height=self.src.height, image_bands=self.image_bands, dtype=self.dtype,
        )


def label_dtype(image_dtype: str) -> str:
    """The label raster's data type for an image type (int8 is widened so 255 fits)."""
    import numpy as np

    dtype = np.dtype(image_dtype)
    if dtype.kind == "c":
        raise RasterError("Complex rasters are not supported. Convert the image to real values first.")
    if dtype == np.int8:
        return "int16"
    return dtype.name


def open_image(image_path):
    """The image raster open with rasterio; :class:`RasterError` when it cannot be read or has no CRS."""
    import rasterio

    require_file(image_path, "image raster")
    try:
        src = rasterio.open(image_path)
    except rasterio.errors.RasterioIOError as exc:
        raise RasterError("Cannot open the image raster '{}': {}".format(image_path, exc)) from exc
    if src.crs is None:
        src.close()
        raise RasterError(
            "The image raster '{}' has no coordinate reference system. Assign its CRS (Raster > "
            "Projections > Assign Projection) and try again.".format(image_path)
        )
    return src


def windows(width: int, height: int, size: int = WINDOW_SIZE):
    """rasterio windows of at most ``size`` x ``size`` pixels covering the raster, row by row."""
    from rasterio.windows import Window

    for row in range(0, height, size):
        for col in range(0, width, size):
            yield Window(col, row, min(size, width - col), min(size, height - row))


def nodata_pixels(src, data):
    """Boolean (h, w): image NoData pixels (any band equal to its NoData, or NaN)."""
    import numpy as np

    bad = None
    floating = np.dtype(src.dtypes[0]).kind == "f"
    for band, nodata in enumerate(src.nodatavals):
        this = None
        if nodata is not None:
            this = np.isnan(data[band]) if math.isnan(nodata) else data[band] == nodata
        if floating:
            nan = np.isnan(data[band])
            this = nan if this is None else (this | nan)
        if this is not None:
            bad = this if bad is None else (bad | this)
    return bad


def label_colorinterp(interps: Sequence) -> list:
    """The image bands' colour interpretation in a label raster (both writers use it): the input's, with
    palette as gray (the label raster has no colour table) and, when bands 1-3 are red, green, blue (GDAL
    then writes PHOTOMETRIC=RGB), every later band that is not alpha or undefined as undefined. GDAL
    writes such a later band (R,G,B,R; R,G,B,NIR; R,G,B,gray) by switching to PHOTOMETRIC=MINISBLACK
    without fixing the ExtraSamples count, and libtiff then warns on every read ("Sum of Photometric
    type-related color channels and ExtraSamples doesn't match SamplesPerPixel")."""
    from rasterio.enums import ColorInterp

    out = [ColorInterp.gray if ColorInterp(c) == ColorInterp.palette else ColorInterp(c) for c in interps]
    if out[:3] == [ColorInterp.red, ColorInterp.green, ColorInterp.blue]:
        extra = (ColorInterp.alpha, ColorInterp.undefined)
        out[3:] = [c if c in extra else ColorInterp.undefined for c in out[3:]]
    return out


def report(result: LabelRasterResult, progress: Progress) -> None:
    """Log the pixels per class; warn when no pixel got a class."""
    total = max(result.width * result.height, 1)
    parts = ["{} '{}': {} px ({:.2%})".format(cid, result.classes[cid], n, n / total)
             for cid, n in result.pixel_counts.items()]
    progress.info("Label raster {} x {}: background {} px, {}; ignore {} px.".format(
        result.width, result.height, result.background_count, "; ".join(parts) or "no classes",
        result.ignore_count))
    if not any(result.pixel_counts.values()):
        progress.warning(
            "No pixel was labelled with a class: every pixel is background or ignore. Check that the "
            "labels cover the image and are larger than a pixel."
        )
