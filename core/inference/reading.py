"""The reading side of the pipeline: the input raster's description, reflected reads, the image's
quantiles for histogram matching, and the feeder thread that reads the raster by block-aligned strips
(histogram-matched when asked) and cuts raw tiles straight into batch buffers.

A compressed GeoTIFF is decoded by GDAL's own threads, other rasters by several threads with one rasterio
handle each; each compressed block is decoded once. Tiles are cut with several threads (plain slice
copies, reflected edges included).
"""

from __future__ import annotations

import collections
import contextlib
import queue
import threading
from dataclasses import dataclass

from .threads import Pipeline, StoppedError, put
from .tiling import TileGrid, index_runs, reflect_index, round_up, run_slices

#: On the CPU the next strip of the raster is read while the current one's tiles are cut only when a
#: strip takes at most this many bytes; a wider raster reads into one strip buffer (the model is the
#: CPU's limit, not reading, and two strips of a 20,000-pixel-wide raster take 0.5 GB).
CPU_PREFETCH_BYTES = 128 << 20
#: MATCH_HISTOGRAM takes the image's quantiles from up to QUANTILE_WINDOWS x QUANTILE_WINDOWS windows of
#: at most QUANTILE_WINDOW x QUANTILE_WINDOW pixels spread evenly over the classified window (all of a
#: window up to 1024 pixels a side): about a million pixels at most, whatever the raster's size.
QUANTILE_WINDOWS = 8
QUANTILE_WINDOW = 128
#: Rows of a chunk mapped through the histogram transfer at a time (bounded temporary arrays).
MATCH_ROWS = 256


def read_reflected(src, x0: int, y0: int, width: int, height: int, masked: bool = True, bands=None):
    """Read a window that may extend beyond the raster, edges filled by reflection of the full raster.

    ``bands``: 1-based band indexes to read (default: all). Returns ``(data float32 (bands, h, w),
    valid bool (h, w))``.
    """
    import numpy as np
    from rasterio.windows import Window

    ix = reflect_index(np.arange(x0, x0 + width), src.width)
    iy = reflect_index(np.arange(y0, y0 + height), src.height)
    c0, c1, r0, r1 = int(ix.min()), int(ix.max()) + 1, int(iy.min()), int(iy.max()) + 1
    window = Window(c0, r0, c1 - c0, r1 - r0)
    bands = list(bands) if bands is not None else list(range(1, src.count + 1))
    data = src.read(bands, window=window, out_dtype="float32")
    sel = np.ix_(iy - r0, ix - c0)
    data = data[(slice(None),) + sel]
    if masked:
        valid = (src.read_masks(bands, window=window) > 0).all(axis=0)[sel]
        valid &= np.isfinite(data).all(axis=0)
    else:
        valid = np.ones(data.shape[1:], dtype=bool)
    return data, valid


def _sample_starts(offset: int, size: int) -> tuple[list[int], int]:
    """(starts, side) of the sample windows along one axis of ``size`` pixels from ``offset``: one window
    centred in each of ``n`` equal cells (a stratified sample; the cells are covered when they are at
    most :data:`QUANTILE_WINDOW` long)."""
    import math

    n = min(QUANTILE_WINDOWS, math.ceil(size / QUANTILE_WINDOW))
    side = min(QUANTILE_WINDOW, math.ceil(size / n))
    starts = [int(round((i + 0.5) * size / n - side / 2)) for i in range(n)]
    return [offset + min(max(s, 0), size - side) for s in starts], side


def sample_quantiles(src, bands: list[int], window: tuple[int, int, int, int], levels: int):
    """``(quantiles (len(bands), levels), pixels)``: the per-band quantiles of the valid pixels (GDAL's
    mask: NoData, alpha, internal mask; finite) of a bounded sample of ``window`` (col, row, width,
    height) of the open raster ``src`` (see :data:`QUANTILE_WINDOWS`), and how many pixels they are
    from. :class:`RasterError` when the sample has no valid pixel."""
    import numpy as np
    from rasterio.windows import Window

    from ..errors import RasterError
    from ..normalization import band_quantiles

    col0, row0, width, height = window
    cols, w = _sample_starts(col0, width)
    rows, h = _sample_starts(row0, height)
    pixels = []
    for r in rows:
        for c in cols:
            win = Window(c, r, w, h)
            data = src.read(list(bands), window=win, out_dtype="float32")
            valid = (src.read_masks(list(bands), window=win) > 0).all(axis=0) & np.isfinite(data).all(axis=0)
            pixels.append(data[:, valid].T)
    pixels = np.concatenate(pixels)
    if not len(pixels):
        raise RasterError(
            "The raster '{}' has no valid pixels where its histogram was sampled (all NoData): it cannot "
            "be matched to the training rasters. Check the raster's NoData value, or classify without "
            "'Match the image's histogram'.".format(src.name))
    return band_quantiles(pixels, levels), len(pixels)


_SMALL_INTS = ("uint8", "int8", "uint16", "int16")


@dataclass(frozen=True)
class Source:
    """What the tile reader needs to know about the input raster."""

    path: str
    bands: tuple[int, ...]
    width: int
    height: int
    dtype: str  # dtype of the in-memory strips: the raster's own for small integers, else float32
    floating: bool
    block: tuple[int, int]  # (rows, cols)
    mask: str  # "none" (all valid), "finite", "nodata" (from the values) or "gdal" (read_masks)
    nodata: tuple | None
    #: A compressed GeoTIFF and GDAL >= 3.6: one handle per strip decodes its blocks with GDAL's own
    #: threads (H200 host, 16 cores, 16384² uint16 DEFLATE: 510 MP/s, against 331 MP/s for 16 handles
    #: reading block-aligned chunks, which contend for GDAL's block cache).
    threaded_decoding: bool = False
    #: Histogram matching: per band, the transfer ``(xp, fp)`` (see
    #: :func:`~deepfeature.core.normalization.transfer_curves`) every pixel read goes through (with a
    #: float32 ``dtype``); None: the pixels as they are.
    transfer: tuple | None = None

    def matched(self, curves) -> Source:
        """This source with its pixels mapped through the per-band histogram transfer ``curves``
        (float32 strips; validity still taken from the raw values)."""
        import dataclasses

        transfer = tuple((tuple(float(v) for v in xp), tuple(float(v) for v in fp)) for xp, fp in curves)
        return dataclasses.replace(self, dtype="float32", transfer=transfer)

    @classmethod
    def describe(cls, src, bands: list[int]) -> Source:
        """The description of the open raster ``src`` for its 1-based ``bands``."""
        import numpy as np
        import rasterio
        from rasterio.enums import MaskFlags

        dtypes = {src.dtypes[b - 1] for b in bands}
        floating = any(np.dtype(d).kind in "fc" for d in dtypes)
        dtype = dtypes.pop() if len(dtypes) == 1 and next(iter(dtypes)) in _SMALL_INTS else "float32"
        flags = [src.mask_flag_enums[b - 1] for b in bands]
        nodata = tuple(src.nodatavals[b - 1] for b in bands)
        if all(list(f) == [MaskFlags.all_valid] for f in flags):
            mask = "finite" if floating else "none"
        elif (dtype in _SMALL_INTS and all(list(f) == [MaskFlags.nodata] for f in flags)
              and all(v is not None and float(v).is_integer()
                      and np.iinfo(dtype).min <= v <= np.iinfo(dtype).max for v in nodata)):
            mask = "nodata"
        else:
            mask = "gdal"
        bh, bw = src.block_shapes[bands[0] - 1]
        gdal = tuple(int(v) for v in rasterio.__gdal_version__.split(".")[:2])
        threaded = src.driver == "GTiff" and src.compression is not None and gdal >= (3, 6)
        return cls(str(src.name), tuple(bands), src.width, src.height, dtype, floating, (int(bh), int(bw)),
                   mask, nodata if mask == "nodata" else None, threaded)


def move_rows(dst, d0: int, src, s0: int, n: int) -> None:
    """``dst[d0:d0 + n] = src[s0:s0 + n]``, also when both are one buffer and the rows overlap (moved
    in chunks that do not overlap, with no temporary copy of the whole)."""
    if dst is not src or abs(d0 - s0) >= n:
        dst[d0:d0 + n] = src[s0:s0 + n]
        return
    step = abs(d0 - s0)
    if step == 0:
        return
    starts = range(0, n, step) if d0 < s0 else reversed(range(0, n, step))
    for i in starts:
        k = min(step, n - i)
        dst[d0 + i:d0 + i + k] = src[s0 + i:s0 + i + k]


class Feeder(threading.Thread):
    """Reads the raster by horizontal strips and cuts raw tiles straight into batch buffers.

    A strip holds the raster rows that one row of tiles needs (reflected rows included), for the
    columns of all tiles; the next strip is read while the tiles of the current one are cut. A
    compressed GeoTIFF's strip is read in one call whose blocks GDAL decodes with its own threads;
    other rasters are read in block-aligned chunks by several threads, each with its own rasterio
    handle (handles are not thread-safe). No compressed block is decoded twice: the rows shared by
    two strips are copied, not read again. Full batches go to ``in_q`` in order (they may span tile
    rows: only the very last batch is partial, padded to one compiled shape); tiles whose exact
    zone has no valid pixel are skipped. Without ``prefetch`` one strip buffer serves every tile
    row: the next strip is read once the current one's tiles are cut (half the memory).
    """

    def __init__(self, source: Source, grid: TileGrid, window, batch_size: int, pipeline: Pipeline,
                 threads: int, prefetch: bool = True):
        import numpy as np

        super().__init__(daemon=True, name="deepfeature-tile-feeder")
        self.src, self.grid, self.window = source, grid, window
        self.batch_size, self.pipeline, self.threads, self.prefetch = batch_size, pipeline, threads, prefetch
        self.free_q, self.in_q, self.out_q = pipeline.free_q, pipeline.in_q, pipeline.out_q
        self.n_workers, self.stop, self.stats = pipeline.n_workers, pipeline.stop, pipeline.stats
        t = grid.tile
        self.iy = [reflect_index(np.arange(y, y + t), source.height) for y in grid.ys]
        self.ix = [reflect_index(np.arange(x, x + t), source.width) for x in grid.xs]
        self.row_runs = [index_runs(a) for a in self.iy]
        self.col_runs = [index_runs(a) for a in self.ix]
        self.cmin = min(int(a.min()) for a in self.ix)
        self.cmax = max(int(a.max()) for a in self.ix) + 1
        bh = source.block[0]
        self.align = bh if 1 <= bh <= 1024 else 1
        self.ranges = [(int(a.min()), min(source.height, round_up(int(a.max()) + 1, self.align)))
                       for a in self.iy]
        self.rows_cap = max(hi - lo for lo, hi in self.ranges)
        self._local = threading.local()
        self._handles: list = []
        self._handles_lock = threading.Lock()
        self.batches = 0
        self.curves = None if source.transfer is None else [
            (np.asarray(xp, np.float64), np.asarray(fp, np.float64)) for xp, fp in source.transfer]
        self._match_tables: dict = {}  # the lookup tables of match_bands, made once per run

    # -- reading -------------------------------------------------------------------------------------
    def _dataset(self):
        src = getattr(self._local, "src", None)
        if src is None:
            import rasterio

            options = {"NUM_THREADS": str(self.threads)} if self.src.threaded_decoding else {}
            src = rasterio.open(self.src.path, **options)
            self._local.src = src
            with self._handles_lock:
                self._handles.append(src)
        return src

    def _read_chunk(self, strip, mask, top: int, r0: int, r1: int, c0: int, c1: int) -> None:
        if self.stop.is_set():
            return
        with self.stats.stage("read"):
            self._read_into(strip, mask, top, r0, r1, c0, c1)

    def _read_into(self, strip, mask, top: int, r0: int, r1: int, c0: int, c1: int) -> None:
        import numpy as np
        from rasterio.windows import Window

        src = self._dataset()
        bands = list(self.src.bands)
        view = strip[r0 - top:r1 - top, c0 - self.cmin:c1 - self.cmin]
        win = Window(c0, r0, c1 - c0, r1 - r0)
        if self.curves is None:
            pixels = view
            src.read(bands, window=win, out=view.transpose(2, 0, 1))
        else:  # histogram matching: the raw values in their own type, mapped into the strip below
            dtypes = {src.dtypes[b - 1] for b in bands}
            pixels = np.moveaxis(src.read(bands, window=win, out_dtype=dtypes.pop() if len(dtypes) == 1
                                          else "float32"), 0, -1)
        if mask is not None:  # the raw values decide validity
            mview = mask[r0 - top:r1 - top, c0 - self.cmin:c1 - self.cmin]
            if self.src.mask == "nodata":
                nodata = np.asarray(self.src.nodata, dtype=pixels.dtype)
                np.all(pixels != nodata, axis=-1, out=mview)
            else:
                mview[...] = True
                if self.src.mask == "gdal":
                    mview &= (src.read_masks(bands, window=win) > 0).all(axis=0)
                if self.src.floating:
                    mview &= np.isfinite(pixels).all(axis=-1)
        if self.curves is not None:
            from ..normalization import match_bands

            for r in range(0, view.shape[0], MATCH_ROWS):  # bounded temporary arrays
                match_bands(pixels[r:r + MATCH_ROWS], self.curves, out=view[r:r + MATCH_ROWS],
                            tables=self._match_tables)

    def _chunks(self, r0: int, r1: int):
        """Block-aligned (row, col) chunks of raster rows ``r0..r1`` over the strip's columns (one chunk
        when GDAL decodes with its own threads)."""
        if self.src.threaded_decoding:
            return [(r0, r1, self.cmin, self.cmax)]
        n = self.threads
        rows = max(self.align, round_up(-(-(r1 - r0) // n), self.align))
        row_cuts = [r0]
        while row_cuts[-1] < r1:
            row_cuts.append(min(r1, round_up(row_cuts[-1] + rows, self.align)))
        col_cuts = [self.cmin, self.cmax]
        bw = self.src.block[1]
        width = self.cmax - self.cmin
        pieces = -(-n // (len(row_cuts) - 1))
        if pieces > 1 and 1 <= bw < width:  # tiled raster: split the columns at block edges too
            cols = max(bw, round_up(-(-width // pieces), bw))
            col_cuts = [self.cmin]
            while col_cuts[-1] < self.cmax:
                col_cuts.append(min(self.cmax, round_up(col_cuts[-1] + cols, bw)))
        return [(a, b, c, d) for a, b in zip(row_cuts, row_cuts[1:]) for c, d in zip(col_cuts, col_cuts[1:])]

    def _prepare(self, pool, ty: int, strips, masks, tops) -> list:
        """Fill strip buffer ``ty % 2`` for tile row ``ty``: copy the rows shared with strip ``ty - 1``,
        submit reads for the others; return the read futures."""
        b = ty % 2
        top, bot = self.ranges[ty]
        strip, mask = strips[b], masks[b]
        todo = [(top, bot)]
        if ty > 0:
            ptop, pbot = self.ranges[ty - 1]
            a, z = max(top, ptop), min(bot, pbot)
            if a < z:
                with self.stats.stage("read"):
                    for new, old in ((strip, strips[1 - b]), (mask, masks[1 - b])):
                        if new is not None:
                            move_rows(new, a - top, old, a - ptop, z - a)
                todo = [(r0, r1) for r0, r1 in ((top, a), (z, bot)) if r1 > r0]
        tops[b] = top
        return [pool.submit(self._read_chunk, strip, mask, top, *chunk)
                for r0, r1 in todo for chunk in self._chunks(r0, r1)]

    # -- tiles and batches ---------------------------------------------------------------------------
    def _cut(self, k: int, buf, slot: int, strip, mask, top: int):
        """Copy tile ``k`` (and its validity) into ``buf[slot]``; return its exact zone's validity (or
        None)."""
        if self.stop.is_set():
            return None
        with self.stats.stage("prepare"):
            return self._cut_into(k, buf, slot, strip, mask, top)

    def _cut_into(self, k: int, buf, slot: int, strip, mask, top: int):
        import numpy as np

        g, t = self.grid, self.grid.tile
        ty, tx = divmod(k, len(g.xs))
        raw, valid = buf if isinstance(buf, tuple) else (buf, None)
        # Reflected edges are a few runs of rows/columns: block copies of plain views (fancy indexing
        # was 4x slower and starved the GPU on a 16-core machine).
        for ry in self.row_runs[ty]:
            dy, sy = run_slices(ry, top)
            for rx in self.col_runs[tx]:
                dx, sx = run_slices(rx, self.cmin)
                np.copyto(raw[slot, dy, dx], strip[sy, sx], casting="unsafe")  # normalised on the device
                if mask is not None:
                    valid[slot, dy, dx] = mask[sy, sx]
        if mask is None:
            return None
        m = g.margin
        return np.array(valid[slot, m:t - m, m:t - m], dtype=bool)

    def _zone_has_data(self, ty: int, tx: int, mask, top: int) -> bool:
        g = self.grid
        col0, row0, width, height = self.window
        y0, x0 = g.ys[ty], g.xs[tx]
        zr0, zr1 = max(y0 + g.margin, row0), min(y0 + g.tile - g.margin, row0 + height)
        zc0, zc1 = max(x0 + g.margin, col0), min(x0 + g.tile - g.margin, col0 + width)
        if zr1 <= zr0 or zc1 <= zc0:
            return False
        return mask is None or bool(mask[zr0 - top:zr1 - top, zc0 - self.cmin:zc1 - self.cmin].any())

    def emit(self, batch) -> None:
        """Send one batch (buffer, tile ids, cut futures) to the model once its tiles are cut."""
        buf, ids, futures = batch
        zones = []
        for f in futures:
            zones.append(f.result())
            if self.stop.is_set():
                raise StoppedError
        put(self.in_q, (self.batches, buf, ids, zones), self.stop)
        self.batches += 1

    def _free_buffer(self, pending):
        while True:
            if self.stop.is_set():
                raise StoppedError
            try:
                return self.free_q.get(timeout=0.05)
            except queue.Empty:
                if pending:
                    self.emit(pending.popleft())

    def run(self) -> None:
        """The thread: feed every batch, then the end message and one stop per inference thread."""
        from concurrent.futures import ThreadPoolExecutor

        readers = ThreadPoolExecutor(self.threads, thread_name_prefix="deepfeature-read")
        cutters = ThreadPoolExecutor(self.threads, thread_name_prefix="deepfeature-tile")
        try:
            self._run(readers, cutters)
            put(self.out_q, ("end", self.batches), self.stop)
            for _ in range(self.n_workers):
                put(self.in_q, None, self.stop)
        except StoppedError:
            pass
        except BaseException as exc:  # forwarded to the consumer
            self.pipeline.fail(exc)
        finally:
            readers.shutdown(wait=True, cancel_futures=True)
            cutters.shutdown(wait=True, cancel_futures=True)
            for src in self._handles:
                with contextlib.suppress(Exception):
                    src.close()

    def _run(self, readers, cutters) -> None:
        """Read strip after strip with ``readers``, cut their tiles into batches with ``cutters``."""
        import numpy as np

        g = self.grid
        ny, nx = len(g.ys), len(g.xs)
        width = self.cmax - self.cmin
        n_strips = 2 if ny > 1 and self.prefetch else 1
        shape = (self.rows_cap, width)
        strips = [np.empty(shape + (len(self.src.bands),), dtype=self.src.dtype) for _ in range(n_strips)]
        masks = [np.empty(shape, dtype=bool) if self.src.mask != "none" else None for _ in range(n_strips)]
        strips, masks = strips * (2 // n_strips), masks * (2 // n_strips)
        tops = [0, 0]
        pending: collections.deque = collections.deque()
        row_futures: dict[int, list] = {}
        current = None
        reads = self._prepare(readers, 0, strips, masks, tops)
        for ty in range(ny):
            for f in reads:
                f.result()
            if self.stop.is_set():
                raise StoppedError
            b = ty % 2
            if ty + 1 < ny and n_strips == 2:
                for f in row_futures.pop(ty - 1, []):  # strip buffer (ty + 1) % 2 is free again
                    f.result()
                reads = self._prepare(readers, ty + 1, strips, masks, tops)
            strip, mask, top = strips[b], masks[b], tops[b]
            futures = []
            for tx in range(nx):
                if not self._zone_has_data(ty, tx, mask, top):
                    continue
                if current is None:
                    current = (self._free_buffer(pending), [], [])
                buf, ids, futs = current
                fut = cutters.submit(self._cut, ty * nx + tx, buf, len(ids), strip, mask, top)
                ids.append(ty * nx + tx)
                futs.append(fut)
                futures.append(fut)
                if len(ids) == self.batch_size:
                    pending.append(current)
                    current = None
                    if len(pending) > 1:
                        self.emit(pending.popleft())
            if n_strips == 2:
                row_futures[ty] = futures  # kept until the strip buffer is reused (two rows on)
            elif ty + 1 < ny:  # one buffer: read the next strip once these tiles are cut
                for f in futures:
                    f.result()
                    if self.stop.is_set():
                        raise StoppedError
                reads = self._prepare(readers, ty + 1, strips, masks, tops)
        if current is not None:
            pending.append(current)
        while pending:
            self.emit(pending.popleft())


def prefetches(gpu: bool, tile: int, width: int, bands: int, dtype: str) -> bool:
    """Whether the feeder reads the next strip while the current one's tiles are cut (always on a GPU;
    on the CPU when one strip of ``width`` columns fits in :data:`CPU_PREFETCH_BYTES`)."""
    import numpy as np

    strip_bytes = (tile + 1024) * width * bands * np.dtype(dtype).itemsize
    return gpu or strip_bytes <= CPU_PREFETCH_BYTES


def is_label_raster(src) -> bool:
    """Whether the open raster ``src`` is a deepfeature label raster (image bands + a mask band)."""
    from ..label_format import TAG_MARKER

    return src.tags().get(TAG_MARKER) == "1"
