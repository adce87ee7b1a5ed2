"""Tiling of a window into overlapping model tiles, and the index arithmetic of reflected edges.

All in full-raster pixel coordinates, whatever EXTENT is:

- the model's receptive field gives the margin ``m``: an output pixel is exact when the tile holds ``m``
  input pixels of context on every side (batch normalisation in inference mode is pointwise);
- tiles are ``T x T`` (``T`` a multiple of the model's stride ``s``), their origins are multiples of
  ``s`` (so pooling grids line up for every tile size) and they advance by ``step`` (a multiple of
  ``s``); each tile contributes only its inner zone ``[m, T - m)``, weighted by a raised-cosine window
  whose ramps overlap the neighbouring zones: every contributing value is exact, so the blended result
  does not depend on TILE_SIZE beyond float rounding, and there are no seams;
- pixels beyond the raster edges are read as reflected raster content (from the full raster, not from
  the tile), so every pixel gets a value and the padding is the same for every tile size and for EXTENT;
- a window wider than :data:`PANEL_COLUMNS` is tiled in column panels, one after the other.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Sequence

from ..errors import ParameterError
from ..geotiff import TILE_SIZE

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
#: Rasters (or EXTENTs) wider than this are classified in column panels of at most this many columns,
#: one after the other, so that memory (the strips and row buffers span a panel) does not grow with
#: the raster's width. Panel edges fall on output block edges (:data:`OUTPUT_BLOCK`).
PANEL_COLUMNS = 16384
#: The block size of the outputs (every GeoTIFF deepfeature writes).
OUTPUT_BLOCK = TILE_SIZE


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


def round_up(value: int, multiple: int) -> int:
    """``value`` rounded up to a multiple of ``multiple``."""
    return int(math.ceil(value / multiple) * multiple)


def minimum_tile_size(margin: int, stride: int) -> int:
    """The smallest TILE_SIZE that leaves a useful exact zone for this margin and stride."""
    return round_up(2 * margin + max(2 * stride, 32) + MIN_BLEND, stride)


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
    tile = round_up(max(int(tile_size), 1), stride)
    smallest = minimum_tile_size(margin, stride)
    if tile < smallest:
        raise ParameterError(
            "TILE_SIZE {} is too small for this model: it needs {} pixels of context on each side of a "
            "tile (its field of view) and tiles in multiples of {}. Use a TILE_SIZE of at least {}.".format(
                tile_size, margin, stride, smallest
            )
        )
    # No need for tiles much larger than the area: shrink (the result does not depend on it).
    tile = min(tile, max(smallest, round_up(max(width, height) + 2 * margin + MIN_BLEND + stride, stride)))
    # TILE_SIZE is the largest tile: the one (down to half of it) that computes the fewest pixels fits
    # the window best (16384 x 16384 with 2896-pixel tiles: 2624-pixel tiles, the same 49, 18 % fewer
    # pixels).
    best = plain_grid(window, tile, margin, stride)
    for size in range(tile - stride, max(smallest, tile // 2) - 1, -stride):
        grid = plain_grid(window, size, margin, stride)
        if grid.count * size ** 2 < best.count * best.tile ** 2:
            best = grid
    return best


def plain_grid(window: tuple[int, int, int, int], tile: int, margin: int, stride: int) -> TileGrid:
    """Tiles of exactly ``tile`` pixels covering ``window`` (the tiling :func:`make_grid` fits)."""
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
    size = round_up(-(-width // n), block)
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


def extent_window(src, extent: Sequence[float] | None) -> tuple[int, int, int, int]:
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


def weight_sum(w, origins: Sequence[int], start: int, size: int):
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


def panel_grids(window: tuple[int, int, int, int], tile_size: int, margin: int, stride: int) -> tuple:
    """``(panels, grids)``: ``window`` in column panels of at most :data:`PANEL_COLUMNS` and their
    tilings, every panel with the first one's tile size (one compiled shape)."""
    panels = column_panels(window, PANEL_COLUMNS, OUTPUT_BLOCK)
    grids = [make_grid(panels[0], tile_size, margin, stride)]
    grids += [plain_grid(p, grids[0].tile, margin, stride) for p in panels[1:]]
    return panels, grids
