"""The GDAL burner (``osgeo``: QGIS's GDAL): the label raster written in strips of whole tile rows.

Each pass is burnt into an in-memory strip by ``gdal.RasterizeLayer`` from an in-memory OGR layer
holding the features whose envelope meets the strip, and the image bands are copied block by block in
the same pass, through a bounded GDAL block cache. Same pixels as the rasterio writer
(:mod:`.writer`), band interleaved.
"""

from __future__ import annotations

import contextlib

from ..errors import LabelError, OutputError, RasterError
from ..files import atomic_output
from ..geotiff import TILE_SIZE, gdal_creation_options
from ..label_format import MASK_DESCRIPTION
from ..progress import Progress
from .raster import LabelRasterJob, LabelRasterResult, label_colorinterp, nodata_pixels, windows

#: GDAL block cache while burning with ``gdal.RasterizeLayer`` (bytes). It also bounds GDAL's row chunk,
#: so peak memory is about twice this on top of the features (flat once the mask band is larger).
RASTERIZE_CACHE_BYTES = 32 * 2**20
#: Mask bytes burnt at a time in memory by the GDAL path (whole tile rows; at least one tile row).
RASTERIZE_STRIP_BYTES = 16 * 2**20


# ----------------------------------------------------------------------------------------------
# GDAL bindings, settings and callbacks
# ----------------------------------------------------------------------------------------------
def osgeo_bindings():
    """``(gdal, ogr)`` of the GDAL Python bindings (QGIS's GDAL), or None when they are missing."""
    try:
        from osgeo import gdal, ogr
    except ImportError:
        return None
    if not hasattr(gdal, "RasterizeLayer") or _ogr_memory_driver(ogr) is None:
        return None
    return gdal, ogr


def _ogr_memory_driver(ogr):
    """OGR's in-memory vector driver ("Memory"; "MEM" in GDAL >= 3.11)."""
    return ogr.GetDriverByName("Memory") or ogr.GetDriverByName("MEM")


def gdal_type(gdal, dtype: str) -> int | None:
    """The GDAL data type of a numpy type name (None when this GDAL lacks it)."""
    names = {"uint8": "GDT_Byte", "uint16": "GDT_UInt16", "int16": "GDT_Int16", "uint32": "GDT_UInt32",
             "int32": "GDT_Int32", "uint64": "GDT_UInt64", "int64": "GDT_Int64", "float32": "GDT_Float32",
             "float64": "GDT_Float64"}
    return getattr(gdal, names[dtype], None) if dtype in names else None


@contextlib.contextmanager
def _gdal_settings(gdal, cache_bytes: int):
    """Bounded block cache, internal masks, no ``.aux.xml`` sidecar (the histogram would be saved in
    one; tags and band descriptions live in the GeoTIFF) and quiet GDAL errors (return codes are
    checked) while writing; everything is restored afterwards."""
    set_option = getattr(gdal, "SetThreadLocalConfigOption", gdal.SetConfigOption)
    get_option = getattr(gdal, "GetThreadLocalConfigOption", gdal.GetConfigOption)
    options = {"GDAL_TIFF_INTERNAL_MASK": "YES", "GDAL_PAM_ENABLED": "NO"}
    old_options = {key: get_option(key, None) for key in options}
    old_cache = gdal.GetCacheMax()
    gdal.SetCacheMax(cache_bytes)
    for key, value in options.items():
        set_option(key, value)
    gdal.PushErrorHandler("CPLQuietErrorHandler")
    try:
        yield
    finally:
        gdal.PopErrorHandler()
        for key, value in old_options.items():
            set_option(key, value)
        gdal.SetCacheMax(old_cache)


def _gdal_callback(progress: Progress, start: float, end: float):
    """A GDAL progress callback reporting into ``start..end``; it stops GDAL once canceled."""

    def callback(complete, message, data):
        if progress.is_canceled():
            return 0
        progress.progress(start + (end - start) * complete)
        return 1

    return callback


def _gdal_check(gdal, code, progress: Progress, output_path, what: str) -> None:
    """Raise :class:`CanceledError` after a cancel, :class:`OutputError` for a failed GDAL call."""
    progress.check()
    if code not in (0, None):
        raise OutputError(
            "Cannot {} the label raster '{}': {}. Check the free disk space and that the folder is "
            "writable.".format(what, output_path, gdal.GetLastErrorMsg() or "GDAL error {}".format(code))
        )


# ----------------------------------------------------------------------------------------------
# Burn passes
# ----------------------------------------------------------------------------------------------
class _OgrPass:
    """One burn pass (features of one kind and ``all_touched`` setting) ready for ``gdal.RasterizeLayer``:
    WKB, burn values and envelopes, so each strip gets only the features that can touch it."""

    def __init__(self, geoms, values, wkb, all_touched: bool):
        import shapely

        self.wkb = (wkb if wkb is not None else shapely.to_wkb(geoms, output_dimension=2)).tolist()
        self.values = values.tolist()
        self.bounds = shapely.bounds(geoms)
        self.all_touched = all_touched

    def burn(self, bindings, strip, band: int, box, progress: Progress) -> None:
        """Burn the features whose envelope meets ``box`` (x0, y0, x1, y1) into ``band`` of ``strip``
        (an in-memory GDAL dataset), in feature order."""
        import numpy as np

        gdal, ogr = bindings
        x0, y0, x1, y1 = box
        bounds = self.bounds
        index = np.flatnonzero((bounds[:, 0] <= x1) & (bounds[:, 2] >= x0)
                               & (bounds[:, 1] <= y1) & (bounds[:, 3] >= y0)).tolist()
        if not index:
            return
        source = _ogr_memory_driver(ogr).CreateDataSource("")
        layer = source.CreateLayer("labels", None, ogr.wkbUnknown)
        layer.CreateField(ogr.FieldDefn("burn", ogr.OFTInteger))
        feature = ogr.Feature(layer.GetLayerDefn())
        make, create = ogr.CreateGeometryFromWkb, layer.CreateFeature
        set_geometry, set_value = feature.SetGeometryDirectly, feature.SetFieldInteger64
        wkbs, values = self.wkb, self.values
        step = 1 << 15
        for first in range(0, len(index), step):
            progress.check()
            for i in index[first:first + step]:
                set_geometry(make(wkbs[i]))
                set_value(0, values[i])
                create(feature)
        feature = None
        options = ["ATTRIBUTE=burn"] + (["ALL_TOUCHED=TRUE"] if self.all_touched else [])
        gdal.ErrorReset()
        try:
            code = gdal.RasterizeLayer(strip, [band], layer, options=options,
                                       callback=_gdal_callback(progress, 0, 1))
        except RuntimeError:  # osgeo with exceptions enabled
            code = -1
        layer = source = None
        progress.check()
        if code not in (0, None):
            raise LabelError(
                "GDAL could not burn the labels: {}. Check that the label geometries are valid (run 'Fix "
                "geometries' on the layer).".format(gdal.GetLastErrorMsg())
            )


def _strip_rows(width: int) -> int:
    """Rows of one processing strip: whole output tile rows, about ``RASTERIZE_STRIP_BYTES`` of mask."""
    return max(1, RASTERIZE_STRIP_BYTES // max(width * TILE_SIZE, 1)) * TILE_SIZE


# ----------------------------------------------------------------------------------------------
# The output dataset
# ----------------------------------------------------------------------------------------------
class _GdalOutput:
    """The GDAL output dataset being written strip by strip, with the image read through GDAL; it
    creates the internal NoData mask on the first image NoData pixel."""

    def __init__(self, bindings, job: LabelRasterJob, image, dst):
        self.gdal, self.job, self.image, self.dst = bindings[0], job, image, dst
        self.gdal_type = gdal_type(self.gdal, job.dtype)
        self.internal = None  # the internal mask band, once created
        self.done: list[tuple[int, int]] = []  # (row, height) of the strips written

    def check(self, code, progress: Progress, what: str = "write") -> None:
        """:func:`_gdal_check` for this output."""
        _gdal_check(self.gdal, code, progress, self.job.output_path, what)

    def describe(self):
        """Georeferencing, tags, colour interpretation and band descriptions; returns the mask band."""
        gdal, dst, job = self.gdal, self.dst, self.job
        dst.SetGeoTransform(job.src.transform.to_gdal())
        dst.SetProjection(self.image.GetProjectionRef() or job.src.crs.to_wkt())
        dst.SetMetadata(job.tags())
        if job.copy_image:
            interps = label_colorinterp(job.src.colorinterp)
            for index, (interp, text) in enumerate(zip(interps, job.src.descriptions), start=1):
                band = dst.GetRasterBand(index)
                with contextlib.suppress(RuntimeError):  # pragma: no cover - exotic inputs
                    band.SetColorInterpretation(int(interp))  # rasterio's ColorInterp values are GDAL's
                band.SetDescription(text or "")
        mask_band = dst.GetRasterBand(job.mask_index)
        mask_band.SetColorInterpretation(gdal.GCI_Undefined)
        mask_band.SetDescription(MASK_DESCRIPTION)
        return mask_band

    def _mark_valid(self, x: int, y: int, w: int, h: int, progress: Progress) -> None:
        """Mark a block of the internal mask valid."""
        import numpy as np

        self.check(self.internal.WriteArray(np.full((h, w), 255, np.uint8), x, y), progress)

    def _create_internal_mask(self, row: int, done_windows: list, progress: Progress) -> None:
        """Create the internal mask; mark the strips written so far and the strip's ``done_windows``
        valid."""
        width = self.job.src.width
        self.dst.CreateMaskBand(self.gdal.GMF_PER_DATASET)
        self.internal = self.dst.GetRasterBand(1).GetMaskBand()
        for before, before_height in self.done:
            for done in windows(width, before_height):
                self._mark_valid(int(done.col_off), before + int(done.row_off), int(done.width),
                                 int(done.height), progress)
        for done_x, done_y, done_w, done_h in done_windows:
            self._mark_valid(done_x, row + done_y, done_w, done_h, progress)

    def copy_strip(self, mask, row: int, progress: Progress) -> None:
        """Copy the image bands of one strip window by window (if ``copy_image``) and set image NoData
        pixels to the ignore value in ``mask`` (the strip's mask, changed in place) and in the internal
        mask, created on the first NoData pixel."""
        import numpy as np

        job, src = self.job, self.job.src
        signed_bytes = np.dtype(src.dtypes[0]) == np.int8
        dtype = np.dtype(job.dtype) if job.copy_image else None
        bands = list(range(1, src.count + 1))
        has_nodata = job.has_nodata
        strip_height, width = mask.shape
        parts = [(int(w.col_off), int(w.row_off), int(w.width), int(w.height))
                 for w in windows(width, strip_height)]
        for number, (x, y, w, h) in enumerate(parts):
            progress.check()
            data = self.image.ReadAsArray(x, row + y, w, h)
            if data is None:
                raise RasterError("Cannot read the image raster: {}".format(self.gdal.GetLastErrorMsg()))
            data = data.reshape(src.count, h, w)
            if signed_bytes and data.dtype != np.int8:  # a GDAL without Int8 reads int8 as raw bytes
                data = data.view(np.int8)
            if has_nodata:
                bad = nodata_pixels(src, data)
                if bad is not None and (self.internal is not None or bad.any()):
                    mask[y:y + h, x:x + w][bad] = job.ignore_value
                    if self.internal is None:  # create the internal mask only when NoData occurs
                        self._create_internal_mask(row, parts[:number], progress)
                    code = self.internal.WriteArray(np.where(bad, 0, 255).astype(np.uint8), x, row + y)
                    self.check(code, progress)
            if job.copy_image:
                data = np.ascontiguousarray(data, dtype=dtype)
                code = self.dst.WriteRaster(x, row + y, w, h, data, band_list=bands, buf_type=self.gdal_type)
                self.check(code, progress)
            progress.progress((number + 1) / len(parts))


def _open_gdal_image(gdal, image_path):
    """The image open with GDAL (read only); :class:`RasterError` when GDAL cannot open it."""
    try:
        image = gdal.OpenEx(str(image_path), gdal.OF_RASTER | gdal.OF_READONLY)
    except RuntimeError:
        image = None
    if image is None:
        raise RasterError("Cannot open the image raster '{}' with GDAL: {}".format(
            image_path, gdal.GetLastErrorMsg()))
    return image


def _create_gdal_output(gdal, tmp, job: LabelRasterJob):
    """The output GeoTIFF created at ``tmp``; :class:`OutputError` when GDAL cannot create it."""
    src = job.src
    gdal.ErrorReset()
    try:
        dst = gdal.GetDriverByName("GTiff").Create(str(tmp), src.width, src.height, job.mask_index,
                                                   gdal_type(gdal, job.dtype),
                                                   options=list(gdal_creation_options()))
    except RuntimeError:
        dst = None
    if dst is None:
        raise OutputError(
            "Cannot write the label raster '{}': {}. Choose a folder you can write to.".format(
                job.output_path, gdal.GetLastErrorMsg()
            )
        )
    return dst


# ----------------------------------------------------------------------------------------------
# Writing
# ----------------------------------------------------------------------------------------------
def write_with_gdal(bindings, job: LabelRasterJob, passes: list, aoi) -> LabelRasterResult:
    """Write the label raster with osgeo, strip by strip (whole tile rows, full width): burn every pass
    into an in-memory strip with ``gdal.RasterizeLayer`` (only the features whose envelope meets the
    strip), set the AOI outside and image NoData pixels to the ignore value, count the classes, write
    the mask strip and copy the image bands (C block copies) through a bounded block cache. Each
    feature is handed to GDAL about once and every output block is written once, so time grows with
    features + pixels and memory stays flat. Same output as :func:`.writer.write_label_raster`, band
    interleaved.

    ``passes``: ``[(kind, geometries, burn values, WKB or None)]`` in burn order; ``aoi``: the area of
    interest polygons or None.
    """
    import numpy as np

    gdal, _ = bindings
    image = _open_gdal_image(gdal, job.inputs[0])
    burns = [_OgrPass(geoms, values, wkb, kind != "polygon") for kind, geoms, values, wkb in passes]
    aoi_pass = None if aoi is None else _OgrPass(aoi, np.ones(len(aoi), np.uint8), None, False)
    with atomic_output(job.output_path, inputs=job.inputs, what="label raster") as tmp, \
            _gdal_settings(gdal, RASTERIZE_CACHE_BYTES):
        output = _GdalOutput(bindings, job, image, _create_gdal_output(gdal, tmp, job))
        image = None
        try:
            histogram = _write_strips(bindings, output, burns, aoi_pass)
        except RuntimeError as exc:  # osgeo with exceptions enabled (UseExceptions)
            job.progress.check()
            raise OutputError(
                "Cannot write the label raster '{}': {}. Check the free disk space and that the folder is "
                "writable.".format(job.output_path, exc)
            ) from exc
        finally:
            output.internal = output.dst = output.image = None  # closes the datasets
            output = None
    return job.result(histogram)


def _write_strips(bindings, output: _GdalOutput, burns: list, aoi_pass):
    """Burn, count and write every strip, then flush the output; the mask's histogram (256 bins)."""
    import numpy as np

    gdal, job = output.gdal, output.job
    progress, width, height = job.progress, job.src.width, job.src.height
    rows = _strip_rows(width)
    strips = [(row, min(rows, height - row)) for row in range(0, height, rows)]
    histogram = np.zeros(256, dtype=np.int64)
    mask_band = strip = strip_band = None
    try:
        mask_band = output.describe()
        memory = gdal.GetDriverByName("MEM")
        for number, (row, strip_height) in enumerate(strips):
            progress.check()
            sub = progress.sub(number / len(strips), (number + 1) / len(strips))
            strip = memory.Create("", width, strip_height, 2 if aoi_pass else 1, gdal.GDT_Byte)
            strip.SetGeoTransform((job.src.transform * job.src.transform.translation(0, row)).to_gdal())
            mask, changed = _burn_strip(bindings, strip, row, burns, aoi_pass, job, sub)
            if job.has_nodata or job.copy_image:
                output.copy_strip(mask, row, sub.sub(0.5, 1))
                changed = changed or job.has_nodata
            strip_band = strip.GetRasterBand(1)
            if changed:
                strip_band.WriteArray(mask)
            # GDAL's histogram of the in-memory strip: ~5x faster than numpy's bincount
            counts = strip_band.GetHistogram(min=-0.5, max=255.5, buckets=256, include_out_of_range=0,
                                             approx_ok=0)
            histogram += np.asarray(counts, dtype=np.int64)
            strip_band = strip = None
            code = mask_band.WriteRaster(0, row, width, strip_height, mask, buf_type=gdal.GDT_Byte)
            output.check(code, progress)
            output.done.append((row, strip_height))
            sub.progress(1.0)
        gdal.ErrorReset()
        output.dst.FlushCache()
        if gdal.GetLastErrorType() >= gdal.CE_Failure:
            output.check(-1, progress)
    finally:  # a band or strip kept by a traceback would keep its dataset open
        mask_band = strip = strip_band = None
    return histogram


def _burn_strip(bindings, strip, row: int, burns: list, aoi_pass, job: LabelRasterJob, progress: Progress):
    """Burn the passes (then the AOI, outside = ignore) into the in-memory ``strip`` at ``row``; returns
    ``(mask array, whether the array differs from band 1)``."""
    transform, width = job.src.transform, job.src.width
    strip_height = strip.RasterYSize
    corners = [transform * (x, y) for x in (0, width) for y in (row, row + strip_height)]
    xs, ys = [c[0] for c in corners], [c[1] for c in corners]
    box = (min(xs), min(ys), max(xs), max(ys))
    steps = len(burns) + (aoi_pass is not None)
    for step, burn in enumerate(burns):
        burn.burn(bindings, strip, 1, box, progress.sub(0.5 * step / steps, 0.5 * (step + 1) / steps))
    mask = strip.GetRasterBand(1).ReadAsArray()
    if aoi_pass is None:
        return mask, False
    aoi_pass.burn(bindings, strip, 2, box, progress.sub(0.5 * (steps - 1) / steps, 0.5))
    mask[strip.GetRasterBand(2).ReadAsArray() == 0] = job.ignore_value
    return mask, True
