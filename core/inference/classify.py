"""Classify a raster with a model: streamed, seamless, tile-size independent activation rasters.

How the tiling works (all in full-raster pixel coordinates, whatever EXTENT is):

- the model's receptive field gives the margin ``m``: an output pixel is exact when the tile holds ``m``
  input pixels of context on every side (batch normalisation in inference mode is pointwise);
- tiles are ``T x T`` (``T`` a multiple of the model's stride ``s``), their origins are multiples of
  ``s`` (so pooling grids line up for every tile size) and they advance by ``step`` (a multiple of
  ``s``); each tile contributes only its inner zone ``[m, T - m)``, weighted by a raised-cosine window
  whose ramps overlap the neighbouring zones: every contributing value is exact, so the blended result
  does not depend on TILE_SIZE beyond float rounding, and there are no seams;
- pixels beyond the raster edges are read as reflected raster content (from the full raster, not from
  the tile), so every pixel gets a value — no NoData border — and the padding is the same for every
  tile size and for EXTENT;
- NoData input pixels (NoData in any band: NoData values, alpha or internal mask) are replaced by the
  band mean (0 after normalisation) for the network and stay NoData in the outputs;
- the weighted sums are kept for one row of tiles only (the weights of all tiles sum to a separable
  total, divided out when a row is final) and written by windows as soon as final: memory does not
  grow with the raster height (one strip of the raster and one row of sums across its width); a
  raster wider than ``PANEL_COLUMNS`` is classified in column panels, one after the other, each tiled
  and blended like a window of its own (reading its context from the raster), so memory does not grow
  with the width either.

The pipeline keeps the model busy: a feeder thread reads the raster by block-aligned strips (a
compressed GeoTIFF decoded by GDAL's own threads, other rasters by several threads with one rasterio
handle each; each compressed block is decoded once) and cuts raw tiles straight into batch buffers
with several threads (plain slice copies, reflected edges included); one inference thread per model
copy (two on a GPU) runs the model on full batches of one shape (only the last batch is padded; on
the CPU one tile per call, which halves the model's memory at no cost in speed), the model's device
normalising the tiles and weighing their exact zones. On the JAX backend a thread
copies the next batch to the device while the device computes the previous one (JAX dispatches
asynchronously); the other backends use ``predict_on_batch``; the calling
thread adds them into the row buffers; a writer thread finishes and writes the final rows (ZSTD level
1, compressed by GDAL's own threads). The loaded models (batch norm folded on the CPU, bfloat16 on a
GPU) are cached per process, keyed by model file, device and Keras backend/policy, so that classifying
many rasters with one model loads and compiles it once. ``result["stages"]`` gives the wall and CPU
seconds of each stage.

The model is Keras throughout (``predict_on_batch``, ``keras.device``; on JAX the model's
``stateless_call`` under ``jax.jit``), so this runs on the TensorFlow, JAX and PyTorch backends.
"""

from __future__ import annotations

import collections
import contextlib
import dataclasses
import math
import os
import queue
import sys
import threading
import time
import weakref
from dataclasses import dataclass
from typing import Sequence

from ..activation_format import ACTIVATION_NODATA, CLASS_NODATA, activation_tags, describe_classification
from ..device import DEVICES, device_scope, host_threads
from ..errors import ModelFileError, OutputError, ParameterError, RasterError
from ..files import atomic_output, check_output_path, require_file, same_file
from ..normalization import Normalization
from ..postprocessing.postprocess import classify_block
from ..progress import Progress, count, ensure

CLASSIFICATION_THRESHOLD = 0.5  # OUTPUT_CLASSIFICATION: 'Activation to Classification' at its default
DEFAULT_TILE_SIZE = 1024
#: The automatic tile size on a GPU (TILE_SIZE 0) is the largest (up to GPU_MAX_TILE_SIZE) whose
#: first-level activations (batch x tile² x base filters, 2 bytes in bfloat16) fit in
#: GPU_ACTIVATION_BYTES and in 1/GPU_MEMORY_SHARE of the GPU's memory (8 GB assumed when the backend
#: does not tell): larger tiles spend less on context (56 % of a 1024 tile for the default U-Net, 36 %
#: of a 2048 tile). Measured on an H200 (JAX, two inference threads): peak GPU memory is about 10x
#: those activations (8.5 GiB for unet5 base 64, tile 2048, batch 2; 20.5 GiB with batch 4).
GPU_MAX_TILE_SIZE = 4096
GPU_ACTIVATION_BYTES = 2 << 30
GPU_MEMORY_SHARE = 24
#: The blend ramp is at least this many pixels and at most a quarter of a tile's exact zone.
MIN_BLEND = 16
MAX_BLEND = 64
OVERVIEW_MIN_SIZE = 256
#: GDAL block cache (MB) while classifying, unless GDAL_CACHEMAX is set (GDAL's default is 5 % of RAM).
#: Input blocks are decoded once (block-aligned strips), so the cache mostly holds output blocks.
GDAL_CACHE_MB = 128
#: Inference threads on a GPU, each with its own copy of the model: one copies tiles to or from the
#: device while the other computes.
GPU_INFERENCE_THREADS = 2
#: Whether the GPU runs the model with batch normalisation folded into the convolutions (the CPU always
#: does).
GPU_FOLD_BATCH_NORM = False
#: On the CPU the next strip of the raster is read while the current one's tiles are cut only when a
#: strip takes at most this many bytes; a wider raster reads into one strip buffer (the model is the
#: CPU's limit, not reading, and two strips of a 20,000-pixel-wide raster take 0.5 GB).
CPU_PREFETCH_BYTES = 128 << 20
#: Rasters (or EXTENTs) wider than this are classified in column panels of at most this many columns,
#: one after the other, so that memory (the strips and row buffers span a panel) does not grow with
#: the raster's width. Panel edges fall on output block edges (:data:`OUTPUT_BLOCK`).
PANEL_COLUMNS = 16384
OUTPUT_BLOCK = 256
#: Python's thread switch interval (seconds) while classifying (``DEEPFEATURE_SWITCH_INTERVAL``
#: overrides it). Each large NumPy or GDAL call releases the GIL and must take it back afterwards; with
#: Python's default (5 ms) a thread that wants it back waits up to 5 ms whenever another thread runs
#: Python code, so the threads of the pipeline stall each other.
SWITCH_INTERVAL = 0.0005
#: Ready inference models kept per process (keyed by file, device, backend and precision policy).
MODEL_CACHE_SIZE = 2


@dataclass(frozen=True)
class TileGrid:
    """Tiling of the output window, in full-raster pixel coordinates."""

    tile: int
    margin: int
    step: int
    stride: int
    xs: tuple[int, ...]  # tile origins (columns)
    ys: tuple[int, ...]  # tile origins (rows)

    @property
    def zone(self) -> int:
        """Width of the exact inner zone of a tile."""
        return self.tile - 2 * self.margin

    @property
    def count(self) -> int:
        """Number of tiles."""
        return len(self.xs) * len(self.ys)

    def weights(self):
        """The 1-D blend weight over a tile (0 outside the exact zone, raised-cosine ramps)."""
        import numpy as np

        w = np.zeros(self.tile, dtype=np.float64)
        ramp = self.zone - self.step
        inner = np.ones(self.zone, dtype=np.float64)
        if ramp > 0:
            up = np.sin(0.5 * np.pi * (np.arange(ramp) + 0.5) / ramp) ** 2
            inner[:ramp] = up
            inner[-ramp:] = np.minimum(inner[-ramp:], up[::-1])
        w[self.margin:self.tile - self.margin] = inner
        return w.astype(np.float32)


def _round_up(value: int, multiple: int) -> int:
    return int(math.ceil(value / multiple) * multiple)


def minimum_tile_size(margin: int, stride: int) -> int:
    """The smallest TILE_SIZE that leaves a useful exact zone for this margin and stride."""
    return _round_up(2 * margin + max(2 * stride, 32) + MIN_BLEND, stride)


def gpu_tile_size(spec, batch_size: int, margin: int, memory: int | None = None) -> int:
    """The automatic TILE_SIZE on a GPU for this model and batch size (see :data:`GPU_MAX_TILE_SIZE`);
    ``memory``: the GPU's bytes (default: asked from the Keras backend)."""
    if memory is None:
        from .. import deps
        from ..device import gpu_memory_bytes

        memory = gpu_memory_bytes(deps.keras_backend_module())
    budget = min(GPU_ACTIVATION_BYTES, (memory or 8 << 30) // GPU_MEMORY_SHARE)
    side = math.isqrt(budget // (max(1, int(batch_size)) * spec.base_filters * 2))
    stride = spec.size_factor
    return max(minimum_tile_size(margin, stride), min(GPU_MAX_TILE_SIZE, side // stride * stride))


def make_grid(
    window: tuple[int, int, int, int], tile_size: int, margin: int, stride: int
) -> TileGrid:
    """Tiles covering ``window`` = (col_off, row_off, width, height) of the full raster."""
    col0, row0, width, height = window
    tile = _round_up(max(int(tile_size), 1), stride)
    smallest = minimum_tile_size(margin, stride)
    if tile < smallest:
        raise ParameterError(
            "TILE_SIZE {} is too small for this model: it needs {} pixels of context on each side of a "
            "tile (its field of view) and tiles in multiples of {}. Use a TILE_SIZE of at least {}.".format(
                tile_size, margin, stride, smallest
            )
        )
    # No need for tiles much larger than the area: shrink (the result does not depend on it).
    tile = min(tile, max(smallest, _round_up(max(width, height) + 2 * margin + MIN_BLEND + stride, stride)))
    # TILE_SIZE is the largest tile: the one (down to half of it) that computes the fewest pixels fits
    # the window best (16384 x 16384 with 2896-pixel tiles: 2624-pixel tiles, the same 49, 18 % fewer
    # pixels).
    best = _tiling(window, tile, margin, stride)
    for size in range(tile - stride, max(smallest, tile // 2) - 1, -stride):
        grid = _tiling(window, size, margin, stride)
        if grid.count * size ** 2 < best.count * best.tile ** 2:
            best = grid
    return best


def _tiling(window: tuple[int, int, int, int], tile: int, margin: int, stride: int) -> TileGrid:
    col0, row0, width, height = window
    zone = tile - 2 * margin
    blend = min(MAX_BLEND, max(MIN_BLEND, zone // 4))
    step = max(stride, (zone - blend) // stride * stride)

    def origins(start: int, size: int) -> tuple[int, ...]:
        first = (start - margin) // stride * stride
        out = [first]
        while out[-1] + tile - margin < start + size:
            out.append(out[-1] + step)
        return tuple(out)

    return TileGrid(tile, margin, step, stride, origins(col0, width), origins(row0, height))


def column_panels(window: tuple[int, int, int, int], max_columns: int, block: int) -> list:
    """``window`` split into column panels of equal width, a multiple of ``block`` of at most
    ``max_columns`` (at least one block; the last panel may be narrower); ``[window]`` when it is narrow
    enough."""
    col0, row0, width, height = window
    if width <= max_columns:
        return [window]
    cap = max(block, max_columns // block * block)
    n = -(-width // cap)
    size = _round_up(-(-width // n), block)
    return [(col0 + c, row0, min(size, width - c), height) for c in range(0, width, size)]


def reflect_index(index, size: int):
    """Map pixel indices (any integers) into ``0..size-1`` by mirror reflection (edge not repeated)."""
    import numpy as np

    index = np.asarray(index, dtype=np.int64)
    if size == 1:
        return np.zeros_like(index)
    period = 2 * (size - 1)
    index = np.mod(index, period)
    return np.where(index >= size, period - index, index)


def index_runs(index) -> list[tuple[int, int, int, int]]:
    """Split a 1-D index array into maximal runs of consecutive indices going up or down by one:
    ``(first, stop, source, step)`` means positions ``first..stop-1`` take ``source, source+step, ...``
    (a reflected tile's rows or columns are at most a few such runs: plain slices copy them fast)."""
    import numpy as np

    index = np.asarray(index, dtype=np.int64)
    n, runs, start = len(index), [], 0
    d = np.diff(index)
    while start < n:
        step = int(d[start]) if start < n - 1 else 1
        if step not in (1, -1):
            runs.append((start, start + 1, int(index[start]), 1))
            start += 1
            continue
        other = np.flatnonzero(d[start:] != step)
        stop = start + (int(other[0]) if len(other) else n - 1 - start) + 1
        runs.append((start, stop, int(index[start]), step))
        start = stop
    return runs


def run_slices(run: tuple[int, int, int, int], offset: int = 0) -> tuple[slice, slice]:
    """(destination, source) slices of one :func:`index_runs` run, the source shifted by ``-offset``."""
    first, stop, source, step = run
    n, source = stop - first, source - offset
    if step == 1:
        return slice(first, stop), slice(source, source + n)
    return slice(first, stop), slice(source, source - n if source - n >= 0 else None, -1)


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


def _extent_window(src, extent: Sequence[float] | None) -> tuple[int, int, int, int]:
    """The pixel window (col, row, width, height) of ``extent`` (xmin, ymin, xmax, ymax in the raster
    CRS), rounded outwards and clipped to the raster."""
    if extent is None:
        return 0, 0, src.width, src.height
    xmin, ymin, xmax, ymax = (float(v) for v in extent)
    if not (xmax > xmin and ymax > ymin):
        raise ParameterError("EXTENT is empty: give an area with a width and a height.")
    # The extent's corners in pixel coordinates: any geotransform (north-up, south-up, rotated).
    inverse = ~src.transform
    corners = [inverse * (x, y) for x in (xmin, xmax) for y in (ymin, ymax)]
    cols, rows = [c for c, _ in corners], [r for _, r in corners]
    c0 = max(0, int(math.floor(min(cols) + 1e-6)))
    r0 = max(0, int(math.floor(min(rows) + 1e-6)))
    c1 = min(src.width, int(math.ceil(max(cols) - 1e-6)))
    r1 = min(src.height, int(math.ceil(max(rows) - 1e-6)))
    if c1 <= c0 or r1 <= r0:
        raise ParameterError(
            "EXTENT does not overlap the raster. Give an extent inside the raster, in its CRS, or leave "
            "EXTENT empty to classify the whole raster."
        )
    return c0, r0, c1 - c0, r1 - r0


def _weight_sum(w, origins: Sequence[int], start: int, size: int):
    """1 / the sum of the 1-D tile weights ``w`` of tiles at ``origins`` over positions
    ``start..start+size`` (0 where no tile weighs): the blend weights are separable, so the 2-D sum is
    the outer product of two of these."""
    import numpy as np

    total = np.zeros(size, dtype=np.float64)
    for o in origins:
        a, b = max(o, start), min(o + len(w), start + size)
        if b > a:
            total[a - start:b - start] += w[a - o:b - o]
    return np.where(total > 0, 1.0 / np.where(total > 0, total, 1.0), 0.0)


def _checked_normalization(metadata, model_path=None) -> Normalization:
    """The model's normalization, with one statistic per model band (:class:`ModelFileError` otherwise)."""
    norm = metadata.normalization
    if norm.bands != metadata.spec.bands:
        raise ModelFileError(
            "The model{} has normalization statistics for {} bands but expects {} bands: its metadata is "
            "damaged. Train it again.".format(" '{}'".format(model_path) if model_path else "",
                                              norm.bands, metadata.spec.bands)
        )
    return norm


def _overview_factors(width: int, height: int) -> list[int]:
    factors, f = [], 2
    while max(width, height) / f >= OVERVIEW_MIN_SIZE / 2 and max(width, height) > OVERVIEW_MIN_SIZE:
        factors.append(f)
        f *= 2
    return factors


def _profile(src, window, count: int, dtype: str, nodata) -> dict:
    from rasterio.windows import Window
    from rasterio.windows import transform as window_transform

    from ..geotiff import creation_options

    col0, row0, width, height = window
    profile = dict(
        driver="GTiff", width=width, height=height, count=count, dtype=dtype, nodata=nodata,
        crs=src.crs, transform=window_transform(Window(col0, row0, width, height), src.transform),
        tiled=True, blockxsize=256, blockysize=256, BIGTIFF="IF_SAFER", num_threads="ALL_CPUS",
    )
    # ZSTD level 1 where GDAL has it (else DEFLATE level 1), compressed by GDAL's own threads: float32
    # compression is the costliest host step after reading. With the floating-point predictor ZSTD
    # writes files as small as DEFLATE does, 2.3x faster (a smooth 2048 x 4096 activation: 0.11 s vs
    # 0.25 s, 26.6 vs 26.8 MB).
    codec = creation_options()
    profile.update({k: v for k, v in codec.items() if k in ("compress", "zstd_level", "zlevel")})
    if dtype == "float32":
        profile["predictor"] = 3
    return profile


_SWITCH_LOCK = threading.Lock()
_SWITCH_STATE = {"users": 0, "saved": 0.005}


def _switch_seconds(default: float) -> float:
    """``DEEPFEATURE_SWITCH_INTERVAL`` (seconds, > 0) or ``default``."""
    try:
        value = float(os.environ.get("DEEPFEATURE_SWITCH_INTERVAL", default))
    except ValueError:
        return default
    return value if value > 0 else default


@contextlib.contextmanager
def switch_interval(seconds: float):
    """Shorten Python's thread switch interval to ``seconds`` (``DEEPFEATURE_SWITCH_INTERVAL`` overrides
    it) for the block, never lengthening it; overlapping blocks (classifications running at once in one
    process) restore the process's own interval when the last one ends."""
    with _SWITCH_LOCK:
        if _SWITCH_STATE["users"] == 0:
            _SWITCH_STATE["saved"] = sys.getswitchinterval()
        _SWITCH_STATE["users"] += 1
        sys.setswitchinterval(min(_SWITCH_STATE["saved"], _switch_seconds(seconds)))
    try:
        yield
    finally:
        with _SWITCH_LOCK:
            _SWITCH_STATE["users"] -= 1
            if _SWITCH_STATE["users"] == 0:
                sys.setswitchinterval(_SWITCH_STATE["saved"])


class _StoppedError(Exception):
    """Internal: the pipeline was stopped (cancel or error elsewhere)."""


class _Stats:
    """Wall and CPU seconds spent per pipeline stage, summed over the threads that run it (the CPU
    time of a thread excludes waiting; GDAL's own compression threads are not counted)."""

    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.wall: dict[str, float] = collections.defaultdict(float)
        self.cpu: dict[str, float] = collections.defaultdict(float)

    @contextlib.contextmanager
    def stage(self, name: str):
        wall, cpu = time.perf_counter(), time.thread_time()
        try:
            yield
        finally:
            wall, cpu = time.perf_counter() - wall, time.thread_time() - cpu
            with self.lock:
                self.wall[name] += wall
                self.cpu[name] += cpu

    def summary(self) -> dict:
        return {name: {"wall": self.wall[name], "cpu": self.cpu[name]} for name in sorted(self.wall)}


def _put(q: queue.Queue, item, stop: threading.Event) -> None:
    while True:
        if stop.is_set():
            raise _StoppedError
        try:
            q.put(item, timeout=0.1)
            return
        except queue.Full:
            continue


def _get(q: queue.Queue, stop: threading.Event):
    while True:
        if stop.is_set():
            raise _StoppedError
        try:
            return q.get(timeout=0.1)
        except queue.Empty:
            continue


_SMALL_INTS = ("uint8", "int8", "uint16", "int16")


@dataclass(frozen=True)
class _Source:
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

    @classmethod
    def describe(cls, src, bands: list[int]) -> _Source:
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


def _move_rows(dst, d0: int, src, s0: int, n: int) -> None:
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


class _Feeder(threading.Thread):
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

    def __init__(self, source: _Source, grid: TileGrid, window, batch_size: int,
                 free_q: queue.Queue, in_q: queue.Queue, out_q: queue.Queue, n_workers: int,
                 threads: int, stop: threading.Event, stats: _Stats, prefetch: bool = True):
        import numpy as np

        super().__init__(daemon=True, name="deepfeature-tile-feeder")
        self.src, self.grid, self.window = source, grid, window
        self.batch_size, self.free_q, self.in_q, self.out_q = batch_size, free_q, in_q, out_q
        self.n_workers, self.threads, self.stop, self.stats = n_workers, threads, stop, stats
        self.prefetch = prefetch
        t = grid.tile
        self.iy = [reflect_index(np.arange(y, y + t), source.height) for y in grid.ys]
        self.ix = [reflect_index(np.arange(x, x + t), source.width) for x in grid.xs]
        self.row_runs = [index_runs(a) for a in self.iy]
        self.col_runs = [index_runs(a) for a in self.ix]
        self.cmin = min(int(a.min()) for a in self.ix)
        self.cmax = max(int(a.max()) for a in self.ix) + 1
        bh = source.block[0]
        self.align = bh if 1 <= bh <= 1024 else 1
        self.ranges = [(int(a.min()), min(source.height, _round_up(int(a.max()) + 1, self.align)))
                       for a in self.iy]
        self.rows_cap = max(hi - lo for lo, hi in self.ranges)
        self._local = threading.local()
        self._handles: list = []
        self._handles_lock = threading.Lock()
        self.batches = 0

    # -- reading -------------------------------------------------------------------------------------
    def _handle(self):
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

        src = self._handle()
        view = strip[r0 - top:r1 - top, c0 - self.cmin:c1 - self.cmin]
        win = Window(c0, r0, c1 - c0, r1 - r0)
        src.read(list(self.src.bands), window=win, out=view.transpose(2, 0, 1))
        if mask is not None:
            mview = mask[r0 - top:r1 - top, c0 - self.cmin:c1 - self.cmin]
            if self.src.mask == "nodata":
                nodata = np.asarray(self.src.nodata, dtype=self.src.dtype)
                np.all(view != nodata, axis=-1, out=mview)
            else:
                mview[...] = True
                if self.src.mask == "gdal":
                    mview &= (src.read_masks(list(self.src.bands), window=win) > 0).all(axis=0)
                if self.src.floating:
                    mview &= np.isfinite(view).all(axis=-1)

    def _chunks(self, r0: int, r1: int):
        """Block-aligned (row, col) chunks of raster rows ``r0..r1`` over the strip's columns (one chunk
        when GDAL decodes with its own threads)."""
        if self.src.threaded_decoding:
            return [(r0, r1, self.cmin, self.cmax)]
        n = self.threads
        rows = max(self.align, _round_up(-(-(r1 - r0) // n), self.align))
        row_cuts = [r0]
        while row_cuts[-1] < r1:
            row_cuts.append(min(r1, _round_up(row_cuts[-1] + rows, self.align)))
        col_cuts = [self.cmin, self.cmax]
        bw = self.src.block[1]
        width = self.cmax - self.cmin
        pieces = -(-n // (len(row_cuts) - 1))
        if pieces > 1 and 1 <= bw < width:  # tiled raster: split the columns at block edges too
            cols = max(bw, _round_up(-(-width // pieces), bw))
            col_cuts = [self.cmin]
            while col_cuts[-1] < self.cmax:
                col_cuts.append(min(self.cmax, _round_up(col_cuts[-1] + cols, bw)))
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
                            _move_rows(new, a - top, old, a - ptop, z - a)
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

    def _emit(self, batch) -> None:
        buf, ids, futures = batch
        zones = []
        for f in futures:
            zones.append(f.result())
            if self.stop.is_set():
                raise _StoppedError
        _put(self.in_q, (self.batches, buf, ids, zones), self.stop)
        self.batches += 1

    def _free_buffer(self, pending):
        while True:
            if self.stop.is_set():
                raise _StoppedError
            try:
                return self.free_q.get(timeout=0.05)
            except queue.Empty:
                if pending:
                    self._emit(pending.popleft())

    def run(self) -> None:
        from concurrent.futures import ThreadPoolExecutor

        readers = ThreadPoolExecutor(self.threads, thread_name_prefix="deepfeature-read")
        cutters = ThreadPoolExecutor(self.threads, thread_name_prefix="deepfeature-tile")
        try:
            self._run(readers, cutters)
            _put(self.out_q, ("end", self.batches), self.stop)
            for _ in range(self.n_workers):
                _put(self.in_q, None, self.stop)
        except _StoppedError:
            pass
        except BaseException as exc:  # forwarded to the consumer
            self.stop.set()
            with contextlib.suppress(queue.Full):
                self.out_q.put(("error", exc), timeout=5)
        finally:
            readers.shutdown(wait=True, cancel_futures=True)
            cutters.shutdown(wait=True, cancel_futures=True)
            for src in self._handles:
                with contextlib.suppress(Exception):
                    src.close()

    def _run(self, readers, cutters) -> None:
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
                raise _StoppedError
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
                        self._emit(pending.popleft())
            if n_strips == 2:
                row_futures[ty] = futures  # kept until the strip buffer is reused (two rows on)
            elif ty + 1 < ny:  # one buffer: read the next strip once these tiles are cut
                for f in futures:
                    f.result()
                    if self.stop.is_set():
                        raise _StoppedError
                reads = self._prepare(readers, ty + 1, strips, masks, tops)
        if current is not None:
            pending.append(current)
        while pending:
            self._emit(pending.popleft())


def _inference_loop(model, device: str, in_q, out_q, free_q, stop, stats, per_tile: bool = False) -> None:
    """One inference thread: batches from ``in_q`` -> probabilities to ``out_q`` (tagged by order). When
    the backend computes asynchronously (JAX), the next batch is sent before the previous result is
    fetched, so that the device always has work. ``per_tile``: see :func:`_runner`."""
    import numpy as np

    send, run = _runner(model, per_tile)

    def finish(seq, ids, zones, out) -> None:
        with stats.stage("infer"):
            probs = np.asarray(out, dtype=np.float32)  # waits for the device
        _put(out_q, ("batch", seq, ids, zones, probs), stop)

    from .. import deps

    try:
        with device_scope(deps.keras_backend_module(), device):
            pending = None
            while True:
                if pending is None:
                    item = _get(in_q, stop)
                else:
                    try:
                        item = in_q.get_nowait()
                    except queue.Empty:
                        finish(*pending)
                        pending = None
                        continue
                if item is None:
                    break
                seq, buf, ids, zones = item
                with stats.stage("infer"):
                    out = run(send(buf))
                free_q.put(buf)
                if pending is not None:
                    finish(*pending)
                pending = (seq, ids, zones, out)
                if isinstance(out, np.ndarray):  # computed already (synchronous backend): pass it on
                    finish(*pending)
                    pending = None
            if pending is not None:
                finish(*pending)
    except _StoppedError:
        pass
    except BaseException as exc:  # forwarded to the consumer
        stop.set()
        with contextlib.suppress(queue.Full):
            out_q.put(("error", exc), timeout=5)


class _Writer(threading.Thread):
    """Finishes the output rows that no later tile touches (blend normalisation, NoData, classes) and
    writes them (GDAL compresses with its own threads) while tiles keep coming."""

    def __init__(self, dst, cdst, finish, stop: threading.Event, stats: _Stats):
        super().__init__(daemon=True, name="deepfeature-writer")
        self.dst, self.cdst, self.finish, self.stop, self.stats = dst, cdst, finish, stop, stats
        self.q: queue.Queue = queue.Queue(maxsize=1)
        self.error: BaseException | None = None

    def run(self) -> None:
        try:
            while True:
                item = _get(self.q, self.stop)
                if item is None:
                    return
                out_win, *rows = item
                with self.stats.stage("finish"):
                    act, cls = self.finish(*rows)
                with self.stats.stage("write"):
                    self.dst.write(act, window=out_win)
                    if cls is not None:
                        self.cdst.write(cls[None], window=out_win)
        except _StoppedError:
            pass
        except BaseException as exc:
            self.error = exc
            self.stop.set()


def _is_label_raster(src) -> bool:
    from ..label_format import TAG_MARKER

    return src.tags().get(TAG_MARKER) == "1"


@dataclass
class _ReadyModel:
    """A loaded model ready for inference: one instance per inference thread (Keras models are not
    thread-safe), compiled once per process and batch shape by the backend."""

    models: list
    metadata: object
    margin: int
    gpu: bool
    lock: threading.Lock
    inputs: dict = dataclasses.field(default_factory=dict)  # see inference_model

    @staticmethod
    def _key(index: int, dtype: str, masked: bool, floating: bool, tta: bool, grid: TileGrid) -> tuple:
        return (index, dtype, masked, floating, tta, grid.tile, grid.margin, grid.step)

    def has_inference_model(self, *kind) -> bool:
        """Whether :meth:`inference_model` has built (and so compiled) this kind (its arguments after
        ``index``) already."""
        return self._key(0, *kind) in self.inputs

    def inference_model(self, index: int, dtype: str, masked: bool, floating: bool, tta: bool,
                        grid: TileGrid):
        """Model ``index`` between its input and output steps (see :func:`_inference_model`), built once
        per input kind and tiling (a few are kept)."""
        key = self._key(index, dtype, masked, floating, tta, grid)
        model = self.inputs.get(key)
        if model is None:
            mean, std = _checked_normalization(self.metadata).arrays()
            weights = grid.weights()[grid.margin:grid.tile - grid.margin]
            model = _inference_model(self.models[index], mean, std, dtype, masked, floating, tta, grid.tile,
                                     grid.margin, weights)
            while len(self.inputs) >= 8 * len(self.models):
                self.inputs.pop(next(iter(self.inputs)))
            self.inputs[key] = model
        return model


_MODEL_CACHE: collections.OrderedDict = collections.OrderedDict()
_MODEL_CACHE_LOCK = threading.Lock()


def clear_model_cache() -> None:
    """Forget the ready inference models (frees their memory; the next call loads them again)."""
    with _MODEL_CACHE_LOCK:
        _MODEL_CACHE.clear()


def inference_twin(model, spec, policy: str | None = None, folded: bool = True):
    """A copy of ``model`` for inference built under the dtype ``policy`` (e.g. ``mixed_bfloat16``;
    default: the current one), with its batch normalisation folded into the convolutions if ``folded``.
    Outputs stay float32."""
    from .. import deps
    from ..nn import build_model, fold_batch_norm

    keras = deps.keras_backend_module()
    current = keras.mixed_precision.global_policy().name
    keras.mixed_precision.set_global_policy(policy or current)
    try:
        if folded:
            return fold_batch_norm(model, spec)
        twin = build_model(spec)
        twin.set_weights(model.get_weights())
        return twin
    finally:
        keras.mixed_precision.set_global_policy(current)


def _device_dtype(dtype: str) -> str:
    """The dtype raw tiles travel in to the model: the strips' own (1-2 bytes per value, not 4), except
    uint16 on PyTorch (whose uint16 tensors support few operations), sent as int32."""
    from .. import deps

    if dtype == "uint16" and deps.keras_backend_module().backend.backend() == "torch":
        return "int32"
    return dtype


def _inference_model(model, mean, std, dtype: str, masked: bool, floating: bool, tta: bool, tile: int,
                     margin: int, weights):
    """``model`` between an input and an output step that run on the model's device, so that the host
    only copies raw pixels in and adds blended tiles out (which keeps a GPU fed):

    - in: raw ``tile`` x ``tile`` tiles of ``dtype`` (and, when ``masked``, a uint8 validity tile)
      are cast to float32, normalised with the model's statistics, invalid pixels (NoData,
      non-finite) set to 0 (the band mean);
    - ``tta``: the model also sees the three flips of each tile, un-flipped and averaged;
    - out: each tile's exact zone (``margin`` cropped on every side), multiplied by the separable blend
      weights ``weights`` (1-D, the zone's width), channels first: (batch, channels, zone, zone) float32.

    Built at run time from ``keras.ops`` (never saved to a model file)."""
    from .. import deps

    keras = deps.keras_backend_module()
    ops = keras.ops
    bands = len(mean)

    class InputStep(keras.layers.Layer):
        def __init__(self):
            super().__init__(dtype="float32", name="deepfeature_input_step")
            self.mean, self.std = mean.reshape(1, 1, 1, -1), std.reshape(1, 1, 1, -1)

        def call(self, raw, valid=None):
            x = ops.cast(raw, "float32")
            y = ops.divide(ops.subtract(x, self.mean), self.std)
            keep = None
            if valid is not None:
                keep = ops.expand_dims(ops.greater(valid, 0), -1)
            if floating:
                finite = ops.isfinite(x)
                keep = finite if keep is None else ops.logical_and(keep, finite)
            return y if keep is None else ops.where(keep, y, ops.zeros_like(y))

    class Flip(keras.layers.Layer):
        def __init__(self, axes, **kwargs):
            super().__init__(dtype="float32", **kwargs)
            self.axes = axes

        def call(self, x):
            for axis in self.axes:
                x = ops.flip(x, axis=axis)
            return x

    class OutputStep(keras.layers.Layer):
        def __init__(self):
            super().__init__(dtype="float32", name="deepfeature_output_step")
            self.wy = weights.reshape(1, -1, 1, 1)
            self.wx = weights.reshape(1, 1, -1, 1)

        def call(self, *probs):
            y = ops.cast(probs[0], "float32")
            for p in probs[1:]:
                y = ops.add(y, ops.cast(p, "float32"))
            if len(probs) > 1:
                y = ops.divide(y, float(len(probs)))
            if margin:
                y = y[:, margin:tile - margin, margin:tile - margin, :]
            y = ops.multiply(ops.multiply(y, self.wy), self.wx)
            return ops.transpose(y, (0, 3, 1, 2))

    raw = keras.Input(shape=(tile, tile, bands), dtype=dtype, name="raw")
    inputs = [raw]
    if masked:
        valid = keras.Input(shape=(tile, tile), dtype="uint8", name="valid")
        inputs.append(valid)
        x = InputStep()(raw, valid)
    else:
        x = InputStep()(raw)
    probs = [model(x)]
    if tta:
        for i, axes in enumerate(((1,), (2,), (1, 2))):
            flipped = Flip(axes, name="deepfeature_flip_{}".format(i))(x)
            probs.append(Flip(axes, name="deepfeature_unflip_{}".format(i))(model(flipped)))
    return keras.Model(inputs, OutputStep()(*probs), name="deepfeature_inference")


def _ready_model(model_path, device: str, progress) -> _ReadyModel:
    """The process-wide cached inference model for this file (path, inode, mtime, size), device and
    Keras backend/policy: rasters classified one after the other with one model compile it once."""
    from .. import deps
    from ..device import gpu_available
    from ..nn import load_model, receptive_field

    keras = deps.keras_backend_module()
    gpu = device != "cpu" and gpu_available(keras)
    st = os.stat(model_path)
    key = (os.path.realpath(model_path), st.st_ino, st.st_mtime_ns, st.st_size, device, gpu,
           keras.backend.backend(), keras.mixed_precision.global_policy().name, GPU_FOLD_BATCH_NORM)
    with _MODEL_CACHE_LOCK:
        ready = _MODEL_CACHE.get(key)
        if ready is not None:
            _MODEL_CACHE.move_to_end(key)
            progress.info("Using the model already loaded in this process.")
            return ready
    progress.info("Loading the model {}.".format(os.path.basename(str(model_path))))
    model, metadata = load_model(model_path)
    margin = receptive_field(model).margin
    if gpu:  # XLA/cuDNN fuse batch normalisation themselves; folded, large tiles fall to a slow path
        models = [inference_twin(model, metadata.spec, "mixed_bfloat16", folded=GPU_FOLD_BATCH_NORM)
                  for _ in range(GPU_INFERENCE_THREADS)]
        progress.info("GPU found: running the model in bfloat16 mixed precision.")
    else:  # batch normalisation folded into the convolutions: 20 % faster on the CPU (TensorFlow)
        models = [inference_twin(model, metadata.spec)]
    ready = _ReadyModel(models, metadata, margin, gpu, threading.Lock())
    with _MODEL_CACHE_LOCK:
        _MODEL_CACHE[key] = ready
        while len(_MODEL_CACHE) > MODEL_CACHE_SIZE:
            _MODEL_CACHE.popitem(last=False)
    return ready


def _predict(model, x):
    """The inference model's output for a full batch ``x``: the raw tiles, or (raw tiles, validity) for a
    masked source (one compiled shape). A numpy array (it may be read-only)."""
    import numpy as np

    send, run = _runner(model)
    return np.asarray(run(send(x)), dtype=np.float32)


def _arrays(batch) -> list:
    """A batch buffer as the model's list of inputs: [raw tiles] or [raw tiles, validity]."""
    return list(batch) if isinstance(batch, (list, tuple)) else [batch]


_RUNNERS: weakref.WeakKeyDictionary = weakref.WeakKeyDictionary()
_RUNNERS_LOCK = threading.Lock()


def _runner(model, per_tile: bool = False):
    """``(send, run)`` for ``model``: ``send(batch)`` hands a full batch to the backend and returns when
    its host buffer may be reused; ``run(sent)`` gives the output. On JAX, ``send`` copies the batch to
    the device and ``run`` starts the jit-compiled model and returns at once (JAX dispatches
    asynchronously), so that an inference thread sends the next batch while the device computes
    (``predict_on_batch`` waits for its result, and two threads calling it were measured to take turns).
    On the other backends ``send`` is ``predict_on_batch`` (a numpy array) and ``run`` passes it on;
    with ``per_tile`` (the CPU) it calls the model one tile at a time: the same speed on the CPU, and
    the model's activations need the memory of one tile, not of the whole batch."""
    from .. import deps

    if deps.keras_backend_module().backend.backend() != "jax":
        def predict(x):
            arrays = _arrays(x)
            if not per_tile or len(arrays[0]) == 1:
                return model.predict_on_batch(arrays)
            import numpy as np

            return np.concatenate([np.asarray(model.predict_on_batch([a[i:i + 1] for a in arrays]))
                                   for i in range(len(arrays[0]))])

        return predict, lambda out: out
    with _RUNNERS_LOCK:
        runner = _RUNNERS.get(model)
        if runner is None:
            runner = _RUNNERS[model] = _jax_runner(model)
    return runner


def _jax_runner(model):
    """:func:`_runner` on the JAX backend (built once per model)."""
    import jax
    import numpy as np

    trainable = [v.value for v in model.trainable_variables]
    fixed = [v.value for v in model.non_trainable_variables]

    def deepfeature_inference(t, f, xs):  # named: the compiled code is cached on disk by name
        return model.stateless_call(t, f, xs, training=False)[0]

    call = jax.jit(deepfeature_inference)
    # On the CPU JAX may keep a reference to the host buffer instead of copying it: copy first (the
    # batch buffer is reused as soon as send returns).
    host = next(iter(jax.device_put(np.zeros(1)).devices())).platform == "cpu"

    def send(x):
        arrays = [jax.device_put(np.array(a) if host else a) for a in _arrays(x)]
        for a in arrays:
            a.block_until_ready()
        return arrays[0] if len(arrays) == 1 else arrays

    def run(on_device):
        return call(trainable, fixed, on_device)

    return send, run


def classify_raster(
    input_path: str | os.PathLike,
    model_path: str | os.PathLike,
    output_path: str | os.PathLike,
    *,
    classification_path: str | os.PathLike | None = None,
    tile_size: int = 0,
    batch_size: int = 2,
    device: str = "auto",
    extent: Sequence[float] | None = None,
    tta: bool = False,
    overviews: bool = True,
    progress: Progress | None = None,
) -> dict:
    """Classify ``input_path`` with the model; write the activation raster (and a classification).

    The activation raster is float32, one band per feature class (probability 0..1, NoData -1), on the
    input grid (or the EXTENT window of it, in the raster CRS: xmin, ymin, xmax, ymax), tiled, compressed
    (ZSTD, else DEFLATE), with overviews. The optional classification is uint8 class ids (0 background, 255
    NoData) by :func:`~deepfeature.core.postprocess.classify_block` at ``CLASSIFICATION_THRESHOLD`` (0.5),
    the rule of 'Activation to Classification': the most probable feature class where its activation is
    at least 0.5, else background.
    ``tile_size`` 0 picks :data:`DEFAULT_TILE_SIZE` on the CPU, :func:`gpu_tile_size` on a GPU.
    Returns a summary dict (sizes, tiling, timing, class pixel counts).
    """
    import numpy as np
    import rasterio
    from rasterio.enums import Resampling
    from rasterio.windows import Window

    from .. import deps
    from ..nn import read_metadata

    progress = ensure(progress)
    require_file(input_path, "input raster")
    require_file(model_path, "model file")
    if device not in DEVICES:
        raise ParameterError("DEVICE must be one of {}; '{}' was given.".format(", ".join(DEVICES), device))
    if int(batch_size) < 1:
        raise ParameterError("BATCH_SIZE must be at least 1; {} was given.".format(batch_size))
    check_output_path(output_path, [input_path, model_path], "activation raster", geotiff=True)
    if classification_path:
        check_output_path(
            classification_path, [input_path, model_path], "classification raster", geotiff=True
        )
        if same_file(classification_path, output_path):
            raise OutputError("The classification and the activation outputs must be different files.")
    metadata = read_metadata(model_path)
    spec = metadata.spec
    if metadata.normalization is None:
        raise ModelFileError(
            "The model '{}' has no normalization statistics: it was never trained. Train it with "
            "'Train Model' first.".format(model_path)
        )
    try:
        src_handle = rasterio.open(input_path)
    except rasterio.errors.RasterioIOError as exc:
        raise RasterError("Cannot open the raster '{}': {}".format(input_path, exc)) from exc
    with src_handle as src:
        bands = list(range(1, src.count + 1))
        if _is_label_raster(src) and src.count == spec.bands + 1:
            bands = bands[:-1]  # a label raster: classify its image bands, not the mask band
            progress.info("The input is a label raster: classifying its image bands (not the mask band).")
        if len(bands) != spec.bands:
            raise RasterError(
                "The model expects {} bands but the raster '{}' has {}. Classify an image with the same "
                "bands as the label rasters the model was trained on (use 'Rearrange bands' or a virtual "
                "raster to select them).".format(spec.bands, input_path, src.count)
            )
        window = _extent_window(src, extent)
        _checked_normalization(metadata, model_path)  # damaged: a clear error now
        profile_act = _profile(src, window, spec.n_outputs - (1 if spec.n_outputs > 1 else 0), "float32",
                               ACTIVATION_NODATA)
        profile_cls = _profile(src, window, 1, "uint8", CLASS_NODATA)

        source = _Source.describe(src, bands)

    # DEVICE 'gpu' without a GPU: a clear error now, not in a thread.
    device_scope(deps.keras_backend_module(), device)
    ready = _ready_model(model_path, device, progress)
    margin = ready.margin
    if not tile_size:  # automatic
        tile_size = gpu_tile_size(spec, batch_size, margin) if ready.gpu else DEFAULT_TILE_SIZE
    col0, row0, width, height = window
    panels = column_panels(window, PANEL_COLUMNS, OUTPUT_BLOCK)
    grids = [make_grid(panels[0], tile_size, margin, spec.size_factor)]
    # Every further panel with the first one's tile size: one compiled shape.
    grids += [_tiling(p, grids[0].tile, margin, spec.size_factor) for p in panels[1:]]
    total_tiles = sum(g.count for g in grids)
    classes = spec.classes_by_id  # band b is class ids[b - 1]: the label rasters' class ids
    class_ids = list(classes)
    batch_size = int(batch_size)
    n_workers = len(ready.models)
    threads = host_threads()
    progress.info(
        "Classifying {} x {} pixels in {} of {} pixels{} (context margin {}, step {}, batch {}{}; "
        "{}).".format(
            width, height, count(total_tiles, "tile"), grids[0].tile,
            " ({} column panels)".format(len(panels)) if len(panels) > 1 else "", margin, grids[0].step,
            batch_size, ", flip TTA" if tta else "", count(threads, "reader thread"))
    )
    n_out = spec.n_outputs
    first_feature = 1 if n_out > 1 else 0  # channel 0 is the background when there are several
    class_pixels = np.zeros(256, dtype=np.int64)
    valid_pixels = 0
    done_tiles = 0
    stats = _Stats()
    started = time.perf_counter()

    with contextlib.ExitStack() as stack:
        stack.enter_context(switch_interval(SWITCH_INTERVAL))
        if "GDAL_CACHEMAX" not in os.environ:  # bounded block cache (MB): memory flat in the raster size
            stack.enter_context(rasterio.Env(GDAL_CACHEMAX=GDAL_CACHE_MB))
        act_tmp = stack.enter_context(
            atomic_output(output_path, [input_path, model_path], "activation raster"))
        cls_tmp = None
        if classification_path:
            cls_tmp = stack.enter_context(
                atomic_output(classification_path, [input_path, model_path], "classification raster")
            )
        dst = stack.enter_context(rasterio.open(act_tmp, "w", **profile_act))
        dst.update_tags(**activation_tags(classes, str(model_path)))
        for b, name in enumerate(spec.classes, start=1):
            dst.set_band_description(b, name)
        cdst = stack.enter_context(rasterio.open(cls_tmp, "w", **profile_cls)) if cls_tmp else None
        if cdst is not None:
            describe_classification(cdst, classes)

        def run_panel(panel: tuple[int, int, int, int], grid: TileGrid) -> None:
            """Classify the columns of ``panel`` (a window) with the tiling ``grid`` into the outputs."""
            nonlocal valid_pixels, done_tiles
            col0, row0, width, height = panel
            out_col = col0 - window[0]
            zone, step, tile = grid.zone, grid.step, grid.tile
            w1 = grid.weights()  # the model's output step weighs each tile's exact zone by the outer product
            # The blend weights of all tiles sum to a separable total: 1 inside, less near the panel edges.
            inv_wy = _weight_sum(w1.astype(np.float64), grid.ys, row0, height).astype(np.float32)
            inv_wx = _weight_sum(w1.astype(np.float64), grid.xs, col0, width).astype(np.float32)
            # Blended probabilities (channels first) and validity of the exact-zone rows of the current tile
            # row.
            acc = np.zeros((n_out, zone, width), dtype=np.float32)
            vbuf = np.zeros((zone, width), dtype=bool) if source.mask != "none" else None
            stop = threading.Event()

            def finish(block, vblock, b0: int, b1: int, g0: int, g1: int):
                """(activation, classification or None) of rows ``b0..b1`` of the accumulator ``block`` (and
                validity ``vblock``) = window rows ``g0..g1``. Runs in the writer thread, which owns the
                block."""
                nonlocal valid_pixels
                probs = block[:, b0:b1]
                probs *= inv_wy[None, g0 - row0:g1 - row0, None]
                probs *= inv_wx[None, None, :]
                np.clip(probs, 0.0, 1.0, out=probs)
                act = probs[first_feature:]
                if act.shape[0] > 1:
                    act = np.ascontiguousarray(act)
                valid = vblock[b0:b1] if vblock is not None else None
                if valid is not None:
                    np.copyto(act, np.float32(ACTIVATION_NODATA), where=~valid[None])
                    valid_pixels += int(np.count_nonzero(valid))
                else:
                    valid_pixels += (g1 - g0) * width
                cls = None
                if cdst is not None:  # the rule of 'Activation to Classification' at its default threshold
                    if valid is None:
                        valid = np.ones(act.shape[1:], bool)
                    cls, _ = classify_block(act, valid, CLASSIFICATION_THRESHOLD, class_ids)
                    class_pixels[:] += np.bincount(cls.ravel(), minlength=256)
                return act, cls

            writer = _Writer(dst, cdst, finish, stop, stats)

            def flush(ty: int) -> None:
                """Hand the buffer rows of tile row ``ty`` that no later tile touches to the writer thread
                (the buffers themselves: fresh ones take over, starting with the rows the next tile row
                shares)."""
                nonlocal acc, vbuf
                buf_y = grid.ys[ty] + margin
                rows = zone if ty == len(grid.ys) - 1 else step
                g0, g1 = max(buf_y, row0), min(buf_y + rows, row0 + height)
                block, vblock = acc, vbuf
                with stats.stage("blend"):
                    acc = np.zeros_like(block)
                    acc[:, :zone - step] = block[:, step:]
                    if vblock is not None:
                        vbuf = np.zeros_like(vblock)
                        vbuf[:zone - step] = vblock[step:]
                if g1 > g0:
                    if writer.error is not None:
                        raise writer.error
                    with stats.stage("wait for writer"):
                        _put(writer.q, (Window(out_col, g0 - row0, width, g1 - g0), block, vblock,
                                        g0 - buf_y, g1 - buf_y, g0, g1), stop)

            free_q: queue.Queue = queue.Queue()
            raw_dtype, masked = _device_dtype(source.dtype), source.mask != "none"
            for _ in range(n_workers + 3):  # raw tiles (+ validity): the model's device normalises them
                raw = np.zeros((batch_size, tile, tile, spec.bands), dtype=raw_dtype)
                free_q.put((raw, np.zeros((batch_size, tile, tile), dtype=np.uint8)) if masked else raw)
            in_q: queue.Queue = queue.Queue(maxsize=1)
            out_q: queue.Queue = queue.Queue(maxsize=n_workers + 1)
            strip_bytes = (grid.tile + 1024) * width * spec.bands * np.dtype(source.dtype).itemsize
            feeder = _Feeder(source, grid, panel, batch_size, free_q, in_q, out_q, n_workers, threads, stop,
                             stats, prefetch=ready.gpu or strip_bytes <= CPU_PREFETCH_BYTES)
            nx, ny = len(grid.xs), len(grid.ys)
            workers = []
            try:
                kind = (raw_dtype, masked, source.floating, tta, grid)
                if ready.gpu and not ready.has_inference_model(*kind):
                    progress.info("Compiling the model for this tile size on the GPU: the first batch takes "
                                  "a while (minutes for a large model; JAX keeps the result for the next "
                                  "runs).")
                    if n_workers > 1 and deps.keras_backend_module().backend.backend() == "jax":
                        # One copy after the other: the later ones load the first one's compiled code from
                        # JAX's cache (the copies share it) instead of all compiling at once.
                        batch = free_q.get()  # a still empty batch buffer
                        with device_scope(deps.keras_backend_module(), device):
                            for i in range(n_workers):
                                _predict(ready.inference_model(i, *kind), batch)
                                progress.check()
                        free_q.put(batch)
                workers = [
                    threading.Thread(
                        target=_inference_loop, name="deepfeature-inference-{}".format(i), daemon=True,
                        args=(ready.inference_model(i, *kind), device,
                              in_q, out_q, free_q, stop, stats, not ready.gpu))
                    for i in range(n_workers)
                ]
                writer.start()
                feeder.start()
                for w in workers:
                    w.start()
                waiting: dict[int, tuple] = {}
                next_seq, total, row = 0, None, 0
                while total is None or next_seq < total:
                    item = waiting.pop(next_seq, None)
                    if item is None:
                        with stats.stage("wait for model"):
                            try:
                                msg = out_q.get(timeout=0.2)
                            except queue.Empty:
                                msg = None
                        progress.check()
                        if msg is None:
                            continue
                        if msg[0] == "error":
                            raise msg[1]
                        if msg[0] == "end":
                            total = msg[1]
                        else:
                            waiting[msg[1]] = msg
                        continue
                    _, _, ids, zones, probs = item
                    next_seq += 1
                    for k, zvalid, p in zip(ids, zones, probs):
                        ty, tx = divmod(k, nx)
                        while row < ty:
                            flush(row)
                            row += 1
                        x0 = grid.xs[tx]
                        c0, c1 = max(x0 + margin, col0), min(x0 + tile - margin, col0 + width)
                        # p: (channels, zone, zone), weighted on the model's device
                        with stats.stage("blend"):
                            acc[:, :, c0 - col0:c1 - col0] += p[:, :, c0 - x0 - margin:c1 - x0 - margin]
                            if vbuf is not None:
                                vbuf[:, c0 - col0:c1 - col0] = zvalid[:, c0 - x0 - margin:c1 - x0 - margin]
                    done_tiles += len(ids)
                    progress.check()
                    progress.progress(min(0.999, done_tiles / max(total_tiles, 1)))
                while row < ny:
                    flush(row)
                    row += 1
                _put(writer.q, None, stop)
                writer.join()
                if writer.error is not None:
                    raise writer.error
            finally:
                stop.set()
                for thread in [feeder, writer] + workers:
                    if thread.is_alive() or thread.ident is not None:
                        thread.join(timeout=30)

        while not ready.lock.acquire(timeout=0.2):  # one classification at a time per cached model
            progress.check()
        try:
            for panel, panel_grid in zip(panels, grids):
                run_panel(panel, panel_grid)
        finally:
            ready.lock.release()
        if valid_pixels == 0:
            raise RasterError(
                "The raster '{}' has no valid pixels{} (all NoData): nothing to classify. Check the raster's "
                "NoData value or choose another EXTENT.".format(input_path, " in EXTENT" if extent else "")
            )
        with stats.stage("write"):
            dst.close()
            if cdst is not None:
                cdst.close()
        seconds = time.perf_counter() - started
        if overviews:
            factors = _overview_factors(width, height)
            if factors:
                progress.info("Building overviews.")
                with rasterio.Env(GDAL_NUM_THREADS="ALL_CPUS"):
                    with rasterio.open(act_tmp, "r+") as ds:
                        ds.build_overviews(factors, Resampling.average)
                        ds.update_tags(ns="rio_overview", resampling="average")
                    if cls_tmp is not None:
                        with rasterio.open(cls_tmp, "r+") as ds:
                            ds.build_overviews(factors, Resampling.nearest)
                            ds.update_tags(ns="rio_overview", resampling="nearest")
    mp = width * height / 1e6
    progress.info("Classified {:.2f} megapixels in {:.1f} s ({:.2f} MP/s).".format(mp, seconds, mp / seconds))
    progress.progress(1.0)
    result = {
        "width": width,
        "height": height,
        "window": window,
        "tiles": done_tiles,
        "tile_size": grids[0].tile,
        "margin": margin,
        "step": grids[0].step,
        "panels": len(panels),
        "seconds": seconds,
        "megapixels_per_second": mp / seconds if seconds > 0 else float("inf"),
        "valid_pixels": valid_pixels,
        "classes": classes,
        "threads": threads,
        "inference_threads": n_workers,
        "stages": stats.summary(),
    }
    if classification_path:
        result["class_pixels"] = {c: int(class_pixels[c]) for c in [0] + class_ids}
    return result
