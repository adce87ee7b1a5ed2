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
- a reader thread prefetches normalised tiles into batches while the model runs, and the weighted sums
  are kept for one row of tiles only, written by windows as soon as final: memory does not grow with
  the raster size.

Only ``keras`` public API is used (``predict_on_batch``, ``keras.device``), so this runs on the
TensorFlow, JAX and PyTorch backends.
"""

from __future__ import annotations

import contextlib
import math
import os
import queue
import threading
import time
from dataclasses import dataclass
from typing import Sequence

from .errors import ModelFileError, OutputError, ParameterError, RasterError
from .io import atomic_output, check_output_path, require_file, same_file
from .postprocess import (
    ACTIVATION_NODATA,
    CLASS_NODATA,
    activation_tags,
    classification_tags,
)
from .progress import Progress, ensure

DEVICES = ("auto", "cpu", "gpu")
DEFAULT_TILE_SIZE = 1024
#: The blend ramp is at least this many pixels and at most a quarter of a tile's exact zone.
MIN_BLEND = 16
MAX_BLEND = 64
OVERVIEW_MIN_SIZE = 256
#: GDAL block cache (MB) while classifying, unless GDAL_CACHEMAX is set (GDAL's default is 5 % of RAM).
GDAL_CACHE_MB = 256


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


def reflect_index(index, size: int):
    """Map pixel indices (any integers) into ``0..size-1`` by mirror reflection (edge not repeated)."""
    import numpy as np

    index = np.asarray(index, dtype=np.int64)
    if size == 1:
        return np.zeros_like(index)
    period = 2 * (size - 1)
    index = np.mod(index, period)
    return np.where(index >= size, period - index, index)


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
    from rasterio.windows import from_bounds

    xmin, ymin, xmax, ymax = (float(v) for v in extent)
    if not (xmax > xmin and ymax > ymin):
        raise ParameterError("EXTENT is empty: give an area with a width and a height.")
    win = from_bounds(xmin, ymin, xmax, ymax, transform=src.transform)
    c0 = max(0, int(math.floor(win.col_off + 1e-6)))
    r0 = max(0, int(math.floor(win.row_off + 1e-6)))
    c1 = min(src.width, int(math.ceil(win.col_off + win.width - 1e-6)))
    r1 = min(src.height, int(math.ceil(win.row_off + win.height - 1e-6)))
    if c1 <= c0 or r1 <= r0:
        raise ParameterError(
            "EXTENT does not overlap the raster. Give an extent inside the raster, in its CRS, or leave "
            "EXTENT empty to classify the whole raster."
        )
    return c0, r0, c1 - c0, r1 - r0


def _device_scope(device: str):
    """A context that places the model on ``device`` (auto: the backend's default)."""
    from . import deps

    keras = deps.keras_backend_module()
    if device == "auto":
        return contextlib.nullcontext()
    try:
        gpus = keras.distribution.list_devices("gpu")
    except Exception:  # backend without device listing
        gpus = []
    if device == "gpu":
        if not gpus:
            raise ParameterError(
                "DEVICE is 'gpu' but Keras (backend '{}') sees no GPU. Choose 'auto' or 'cpu', or install a "
                "GPU-enabled backend (tensorflow[and-cuda], jax[cuda] or torch with CUDA).".format(
                    keras.backend.backend()
                )
            )
        return keras.device(gpus[0] if ":" in str(gpus[0]) else "gpu:0")
    return keras.device("cpu:0")


def _overview_factors(width: int, height: int) -> list[int]:
    factors, f = [], 2
    while max(width, height) / f >= OVERVIEW_MIN_SIZE / 2 and max(width, height) > OVERVIEW_MIN_SIZE:
        factors.append(f)
        f *= 2
    return factors


def _profile(src, window, count: int, dtype: str, nodata) -> dict:
    from rasterio.windows import Window
    from rasterio.windows import transform as window_transform

    col0, row0, width, height = window
    profile = dict(
        driver="GTiff", width=width, height=height, count=count, dtype=dtype, nodata=nodata,
        crs=src.crs, transform=window_transform(Window(col0, row0, width, height), src.transform),
        tiled=True, blockxsize=256, blockysize=256, compress="deflate", BIGTIFF="IF_SAFER",
    )
    if dtype == "float32":
        profile["predictor"] = 3
    return profile


class _TileReader(threading.Thread):
    """Reads, normalises and batches tiles in the background (one tile row after another)."""

    def __init__(self, path, grid: TileGrid, window, batch_size: int, normalization, fill, out: queue.Queue,
                 bands: list[int]):
        super().__init__(daemon=True, name="deepfeature-tile-reader")
        self.path, self.grid, self.window, self.bands = path, grid, window, bands
        self.batch_size, self.normalization, self.fill, self.out = batch_size, normalization, fill, out
        self.stop = threading.Event()

    def _put(self, item) -> bool:
        while not self.stop.is_set():
            try:
                self.out.put(item, timeout=0.2)
                return True
            except queue.Full:
                continue
        return False

    def run(self) -> None:
        import numpy as np
        import rasterio

        from .model import normalize

        g = self.grid
        col0, row0, width, height = self.window
        try:
            with rasterio.open(self.path) as src:
                for ty, y0 in enumerate(g.ys):
                    batch, cols = [], []
                    for tx, x0 in enumerate(g.xs):
                        if self.stop.is_set():
                            return
                        data, valid = read_reflected(src, x0, y0, g.tile, g.tile, bands=self.bands)
                        # Does the tile's exact zone hold any valid pixel of the output window?
                        zr0, zr1 = max(y0 + g.margin, row0), min(y0 + g.tile - g.margin, row0 + height)
                        zc0, zc1 = max(x0 + g.margin, col0), min(x0 + g.tile - g.margin, col0 + width)
                        zone = valid[zr0 - y0:zr1 - y0, zc0 - x0:zc1 - x0]
                        if zone.size == 0 or not zone.any():
                            continue
                        if not valid.all():
                            data = np.where(valid[None], data, self.fill[:, None, None])
                        batch.append(normalize(np.moveaxis(data, 0, -1), self.normalization))
                        cols.append(tx)
                        if len(batch) == self.batch_size:
                            if not self._put(("batch", ty, cols, np.stack(batch))):
                                return
                            batch, cols = [], []
                    if batch and not self._put(("batch", ty, cols, np.stack(batch))):
                        return
                    if not self._put(("row", ty, None, None)):
                        return
            self._put(("end", None, None, None))
        except BaseException as exc:  # forwarded to the consumer
            self._put(("error", None, None, exc))


def _is_label_raster(src) -> bool:
    from .labelraster import TAG_MARKER

    return src.tags().get(TAG_MARKER) == "1"


def _inference_model(model, spec, device: str, progress):
    """The model to run: on a GPU, a bfloat16 mixed-precision copy (outputs stay float32)."""
    from . import deps
    from .model import build_model
    from .train import gpu_available

    keras = deps.keras_backend_module()
    if device == "cpu" or not gpu_available(keras):
        return model
    policy = keras.mixed_precision.global_policy().name
    keras.mixed_precision.set_global_policy("mixed_bfloat16")
    try:
        fast = build_model(spec)
        fast.set_weights(model.get_weights())
    finally:
        keras.mixed_precision.set_global_policy(policy)
    progress.info("GPU found: running the model in bfloat16 mixed precision.")
    return fast


def _predict(model, x, batch_size: int, tta: bool):
    """Probabilities (n, T, T, C) for a batch, padded to ``batch_size`` (one compiled shape)."""
    import numpy as np

    n = x.shape[0]
    if n < batch_size:
        x = np.concatenate([x, np.zeros((batch_size - n,) + x.shape[1:], dtype=x.dtype)])
    out = np.asarray(model.predict_on_batch(x), dtype=np.float32)
    if tta:
        for axes in ((1,), (2,), (1, 2)):
            flipped = np.ascontiguousarray(np.flip(x, axis=axes))
            out += np.flip(np.asarray(model.predict_on_batch(flipped), dtype=np.float32), axis=axes)
        out /= 4.0
    return out[:n]


def classify_raster(
    input_path: str | os.PathLike,
    model_path: str | os.PathLike,
    output_path: str | os.PathLike,
    *,
    classification_path: str | os.PathLike | None = None,
    tile_size: int = DEFAULT_TILE_SIZE,
    batch_size: int = 2,
    device: str = "auto",
    extent: Sequence[float] | None = None,
    tta: bool = False,
    overviews: bool = True,
    progress: Progress | None = None,
) -> dict:
    """Classify ``input_path`` with the model; write the activation raster (and a classification).

    The activation raster is float32, one band per feature class (probability 0..1, NoData -1), on the
    input grid (or the EXTENT window of it, in the raster CRS: xmin, ymin, xmax, ymax), tiled, deflate
    compressed, with overviews. The optional classification is uint8 class ids (0 background, 255
    NoData): activation >= 0.5 for one class, arg-max of all channels (background included) for several.
    Returns a summary dict (sizes, tiling, timing, class pixel counts).
    """
    import numpy as np
    import rasterio
    from rasterio.enums import Resampling
    from rasterio.windows import Window

    from .model import read_metadata

    progress = ensure(progress)
    require_file(input_path, "input raster")
    require_file(model_path, "model file")
    if device not in DEVICES:
        raise ParameterError("DEVICE must be one of {}; '{}' was given.".format(", ".join(DEVICES), device))
    if int(batch_size) < 1:
        raise ParameterError("BATCH_SIZE must be at least 1; {} was given.".format(batch_size))
    check_output_path(output_path, [input_path, model_path], "activation raster")
    if classification_path:
        check_output_path(classification_path, [input_path, model_path], "classification raster")
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
        fill = np.asarray(metadata.normalization.get("mean"), dtype=np.float32).reshape(-1)
        if fill.size != spec.bands:
            raise ModelFileError(
                "The model '{}' has normalization statistics for {} bands but expects {} bands: its "
                "metadata is damaged. Train it again.".format(model_path, fill.size, spec.bands)
            )
        profile_act = _profile(src, window, spec.n_outputs - (1 if spec.n_outputs > 1 else 0), "float32",
                               ACTIVATION_NODATA)
        profile_cls = _profile(src, window, 1, "uint8", CLASS_NODATA)

    from .model import load_model, receptive_field

    progress.info("Loading the model {}.".format(os.path.basename(str(model_path))))
    model, metadata = load_model(model_path)
    model = _inference_model(model, spec, device, progress)
    margin = receptive_field(model).margin
    grid = make_grid(window, tile_size, margin, spec.size_factor)
    col0, row0, width, height = window
    classes = {i + 1: name for i, name in enumerate(spec.classes)}
    progress.info(
        "Classifying {} x {} pixels in {} tiles of {} pixels (context margin {}, step {}, batch {}{})."
        "".format(
            width, height, grid.count, grid.tile, margin, grid.step, batch_size, ", flip TTA" if tta else ""
        )
    )
    weight = np.outer(grid.weights(), grid.weights())
    n_out = spec.n_outputs
    feature_channels = list(range(1, n_out)) if n_out > 1 else [0]
    zone, step = grid.zone, grid.step
    acc = np.zeros((n_out, zone, width), dtype=np.float32)
    wsum = np.zeros((zone, width), dtype=np.float32)
    class_pixels = np.zeros(256, dtype=np.int64)
    valid_pixels = 0
    done_tiles = 0
    started = time.perf_counter()

    with contextlib.ExitStack() as stack:
        if "GDAL_CACHEMAX" not in os.environ:  # bounded block cache (MB): memory flat in the raster size
            stack.enter_context(rasterio.Env(GDAL_CACHEMAX=GDAL_CACHE_MB))
        act_tmp = stack.enter_context(
            atomic_output(output_path, [input_path, model_path], "activation raster"))
        cls_tmp = None
        if classification_path:
            cls_tmp = stack.enter_context(
                atomic_output(classification_path, [input_path, model_path], "classification raster")
            )
        mask_src = stack.enter_context(rasterio.open(input_path))
        dst = stack.enter_context(rasterio.open(act_tmp, "w", **profile_act))
        dst.update_tags(**activation_tags(classes, str(model_path)))
        for b, name in enumerate(spec.classes, start=1):
            dst.set_band_description(b, name)
        cdst = stack.enter_context(rasterio.open(cls_tmp, "w", **profile_cls)) if cls_tmp else None
        if cdst is not None:
            cdst.update_tags(**classification_tags(classes))
            cdst.set_band_description(1, "class")

        def flush(buf_y: int, rows: int) -> None:
            """Write buffer rows ``0..rows`` (global rows ``buf_y..``) that fall in the window."""
            nonlocal valid_pixels
            g0, g1 = max(buf_y, row0), min(buf_y + rows, row0 + height)
            if g1 <= g0:
                return
            b0, b1 = g0 - buf_y, g1 - buf_y
            w = wsum[b0:b1]
            valid = (mask_src.read_masks(bands, window=Window(col0, g0, width, g1 - g0)) > 0).all(axis=0)
            valid &= w > 0
            probs = acc[:, b0:b1] / np.where(w > 0, w, 1)[None]
            np.clip(probs, 0.0, 1.0, out=probs)
            act = probs[feature_channels]
            act[:, ~valid] = ACTIVATION_NODATA
            out_win = Window(0, g0 - row0, width, g1 - g0)
            dst.write(act, window=out_win)
            valid_pixels += int(valid.sum())
            if cdst is not None:
                if n_out == 1:
                    cls = (probs[0] >= 0.5).astype(np.uint8)
                else:
                    cls = np.argmax(probs, axis=0).astype(np.uint8)
                cls[~valid] = CLASS_NODATA
                class_pixels[:] += np.bincount(cls.ravel(), minlength=256)
                cdst.write(cls[None], window=out_win)

        tiles_q: queue.Queue = queue.Queue(maxsize=3)
        reader = _TileReader(
            input_path, grid, window, int(batch_size), metadata.normalization, fill, tiles_q, bands
        )
        reader.start()
        try:
            with _device_scope(device):
                while True:
                    kind, ty, cols, payload = tiles_q.get()
                    progress.check()
                    if kind == "error":
                        raise payload
                    if kind == "end":
                        break
                    y0 = grid.ys[ty]
                    buf_y = y0 + margin
                    if kind == "row":
                        last = ty == len(grid.ys) - 1
                        flush(buf_y, zone if last else step)
                        acc[:, :zone - step] = acc[:, step:]
                        acc[:, zone - step:] = 0
                        wsum[:zone - step] = wsum[step:]
                        wsum[zone - step:] = 0
                        progress.progress((ty + 1) / len(grid.ys))
                        continue
                    probs = _predict(model, payload, int(batch_size), tta)
                    for tx, p in zip(cols, probs):
                        x0 = grid.xs[tx]
                        c0, c1 = max(x0 + margin, col0), min(x0 + grid.tile - margin, col0 + width)
                        tw = weight[margin:grid.tile - margin, c0 - x0:c1 - x0]
                        acc[:, :, c0 - col0:c1 - col0] += np.moveaxis(
                            p[margin:grid.tile - margin, c0 - x0:c1 - x0], -1, 0) * tw[None]
                        wsum[:, c0 - col0:c1 - col0] += tw
                    done_tiles += len(cols)
                    progress.progress(min(done_tiles / max(grid.count, 1), (ty + 1) / len(grid.ys)))
        finally:
            reader.stop.set()
            reader.join(timeout=10)
        if valid_pixels == 0:
            raise RasterError(
                "The raster '{}' has no valid pixels{} (all NoData): nothing to classify. Check the raster's "
                "NoData value or choose another EXTENT.".format(input_path, " in EXTENT" if extent else "")
            )
        seconds = time.perf_counter() - started
        dst.close()
        if cdst is not None:
            cdst.close()
        if overviews:
            factors = _overview_factors(width, height)
            if factors:
                progress.info("Building overviews.")
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
        "tile_size": grid.tile,
        "margin": margin,
        "step": grid.step,
        "seconds": seconds,
        "megapixels_per_second": mp / seconds if seconds > 0 else float("inf"),
        "valid_pixels": valid_pixels,
        "classes": classes,
    }
    if classification_path:
        result["class_pixels"] = {c: int(class_pixels[c]) for c in range(0, len(spec.classes) + 1)}
    return result
