"""Patch sampling from label rasters: class statistics, biased centre draws, windowed reads, augmentation.

Everything is memory-flat in the raster size: a label raster is scanned once by row strips (class counts
per *cell* of a coarse grid, and per-band sums for the normalization statistics); patches are then read
by windows, from an in-memory copy only when the raster is small (see ``cache_bytes``).

Patch centres are drawn by *inverse transform sampling*: every labelled pixel gets a density (1 for
background, ``1 + class_weight * n_background / n_class`` for a feature class, 0 for ignore/NoData), the
densities are summed per cell, the cumulative sum over all cells of all rasters is the CDF, uniform draws
are mapped through it to a cell and a uniform position inside the cell. ``class_weight`` 0 samples the true
class distribution; 1 gives every class as much mass as the background.
"""

from __future__ import annotations

import math
import threading
from dataclasses import dataclass, field

import numpy as np

from .errors import LabelError, RasterError, TrainingError
from .labelraster import LabelRasterInfo, read_info
from .targets import IGNORE

#: Ratio cap in the class-balancing density (so a class with a handful of pixels cannot take over).
MAX_BALANCE = 100.0
#: Rasters smaller than this (bytes as float32) are kept in memory for fast patch reads.
DEFAULT_CACHE_BYTES = 512 * 1024 * 1024
#: Most cells in one raster's count grid (the cell size grows with the raster).
MAX_CELLS = 1_000_000


@dataclass
class Region:
    """A pixel rectangle ``rows [row0, row1) x cols [col0, col1)`` of a raster."""

    row0: int
    row1: int
    col0: int
    col1: int

    @property
    def height(self) -> int:
        return self.row1 - self.row0

    @property
    def width(self) -> int:
        return self.col1 - self.col0


@dataclass
class ScanResult:
    """What one pass over a label raster found."""

    counts: np.ndarray  # (cell rows, cell cols, K + 1) pixel counts per class
    sums: np.ndarray  # (bands,) float64 over valid pixels
    sumsq: np.ndarray
    valid: int
    unknown_values: set = field(default_factory=set)


def class_mapping(info: LabelRasterInfo, model_classes: tuple[str, ...]) -> dict[int, int]:
    """Map the label raster's mask values to the model's class indices (1..K).

    Classes are matched by name; when the names differ the ids are used if they fit the model.
    """
    names = {name: i + 1 for i, name in enumerate(model_classes)}
    if info.classes and all(name in names for name in info.classes.values()):
        return {value: names[name] for value, name in info.classes.items()}
    ids = list(info.classes) or []
    if ids and all(1 <= v <= len(model_classes) for v in ids):
        return {v: v for v in ids}
    raise LabelError(
        "The classes of the label raster '{}' ({}) do not match the model's classes ({}). Rebuild the "
        "label raster with the model's class names, or initialize a model for these classes.".format(
            info.path,
            ", ".join("{}={}".format(k, v) for k, v in sorted(info.classes.items())) or "none",
            ", ".join(model_classes),
        )
    )


class LabelSource:
    """One label raster prepared for training: class mapping, usable region, cached or windowed reads."""

    def __init__(
        self,
        path: str,
        bands: int,
        model_classes: tuple[str, ...],
        region: Region | None = None,
        info: LabelRasterInfo | None = None,
    ):
        self.path = str(path)
        self.info = info or read_info(path)
        if self.info.image_bands != bands:
            raise LabelError(
                "The label raster '{}' has {} image bands but the model expects {}. Use label rasters "
                "built from imagery with the same bands as the model.".format(
                    path, self.info.image_bands, bands
                )
            )
        self.bands = bands
        self.n_classes = len(model_classes)
        self.class_map = class_mapping(self.info, model_classes)
        self.region = region or Region(0, self.info.height, 0, self.info.width)
        self.mean = np.zeros(bands, np.float32)
        self.std = np.ones(bands, np.float32)
        self._lut = self._make_lut()
        self._image: np.ndarray | None = None
        self._mask: np.ndarray | None = None
        self._local = threading.local()
        self._handles: list = []
        self._lock = threading.Lock()

    # -- value conversion -------------------------------------------------------------------------
    def _make_lut(self):
        return {int(v): int(k) for v, k in self.class_map.items()}

    def to_internal(self, raw: np.ndarray, image: np.ndarray | None) -> tuple[np.ndarray, set]:
        """Mask values -> internal classes (0..K, IGNORE); also flags image NoData. Returns unknown values."""
        out = np.full(raw.shape, IGNORE, np.uint8)
        out[raw == 0] = 0
        for value, k in self._lut.items():
            out[raw == value] = k
        known = (raw == 0) | (raw == self.info.ignore_value)
        for value in self._lut:
            known |= raw == value
        unknown = set(np.unique(raw[~known]).tolist()) if not known.all() else set()
        if image is not None:
            out[self._nodata(image)] = IGNORE
        return out, unknown

    def _nodata(self, image: np.ndarray) -> np.ndarray:
        """(H, W) bool: image NoData pixels (in any band) of a ``(bands, H, W)`` array."""
        nd = self.info.image_nodata
        if nd is None:
            return np.zeros(image.shape[1:], bool)
        if math.isnan(nd):
            return np.isnan(image).any(axis=0)
        return (image == nd).any(axis=0)

    # -- scan -------------------------------------------------------------------------------------
    def scan(self, cell: int, stats: bool, progress=None) -> ScanResult:
        """Count classes per cell of the region and (``stats``) sum the valid image values, by strips."""
        import rasterio
        from rasterio.windows import Window

        reg = self.region
        ncr, ncc = math.ceil(reg.height / cell), math.ceil(reg.width / cell)
        k1 = self.n_classes + 1
        counts = np.zeros(ncr * ncc * k1, np.int64)
        sums = np.zeros(self.bands, np.float64)
        sumsq = np.zeros(self.bands, np.float64)
        valid_total = 0
        unknown: set = set()
        strip = max(cell, (max(1, 4_000_000 // max(reg.width * (self.bands + 1), 1)) // cell) * cell)
        try:
            with rasterio.open(self.path) as src:
                is_float = np.issubdtype(np.dtype(src.dtypes[0]), np.floating)
                for r in range(reg.row0, reg.row1, strip):
                    if progress is not None:
                        progress.check()
                        progress.progress((r - reg.row0) / max(reg.height, 1))
                    h = min(strip, reg.row1 - r)
                    win = Window(reg.col0, r, reg.width, h)
                    raw = src.read(self.info.mask_band, window=win)
                    need_image = stats or self.info.image_nodata is not None or is_float
                    image = src.read(list(range(1, self.bands + 1)), window=win) if need_image else None
                    if image is not None and np.issubdtype(image.dtype, np.floating):
                        self._check_nan(image)
                    mask, unk = self.to_internal(raw, image)
                    unknown |= unk
                    valid = mask != IGNORE
                    rows = (np.arange(r, r + h) - reg.row0) // cell
                    cols = np.arange(reg.width) // cell
                    key = (rows[:, None] * ncc + cols[None, :]) * k1 + np.where(valid, mask, 0)
                    counts += np.bincount(key[valid], minlength=counts.size)
                    if stats and valid.any():
                        vals = image[:, valid].astype(np.float64)
                        sums += vals.sum(axis=1)
                        sumsq += (vals * vals).sum(axis=1)
                        valid_total += int(valid.sum())
        except rasterio.errors.RasterioIOError as exc:
            raise RasterError("Cannot read the label raster '{}': {}".format(self.path, exc)) from exc
        return ScanResult(counts.reshape(ncr, ncc, k1), sums, sumsq, valid_total, unknown)

    def _check_nan(self, image: np.ndarray) -> None:
        nd = self.info.image_nodata
        if nd is not None and math.isnan(nd):
            return
        if np.isnan(image).any():
            raise RasterError(
                "The label raster '{}' has NaN (not a number) pixels in its image bands that are not "
                "marked as NoData. Set NaN as the image NoData value when building the label raster, "
                "or fill those pixels.".format(self.path)
            )

    # -- reading ----------------------------------------------------------------------------------
    def set_normalization(self, mean, std) -> None:
        """Per-band statistics applied to every patch read (``(x - mean) / std``)."""
        self.mean = np.asarray(mean, np.float32)
        self.std = np.asarray(std, np.float32)

    def cache(self, budget: int) -> int:
        """Keep the region in memory if it fits ``budget`` bytes; return the bytes used."""
        reg = self.region
        need = reg.height * reg.width * (self.bands * 4 + 1)
        if need > budget:
            return 0
        image, mask = self._read_direct(reg.row0, reg.col0, reg.height, reg.width)
        self._image, self._mask = image, mask
        return need

    @property
    def cached(self) -> bool:
        return self._image is not None

    def _handle(self):
        import rasterio

        src = getattr(self._local, "src", None)
        if src is None:
            src = rasterio.open(self.path)
            self._local.src = src
            with self._lock:
                self._handles.append(src)
        return src

    def _read_direct(self, row: int, col: int, h: int, w: int):
        from rasterio.windows import Window

        src = self._handle()
        data = src.read(window=Window(col, row, w, h))
        image = data[: self.bands]
        if np.issubdtype(image.dtype, np.floating):
            self._check_nan(image)
        mask, _ = self.to_internal(data[self.bands], image)
        image = np.moveaxis(image, 0, -1).astype(np.float32)
        image = (image - self.mean) / self.std
        image[mask == IGNORE] = 0.0
        return image, mask

    def read(self, row: int, col: int, h: int, w: int) -> tuple[np.ndarray, np.ndarray]:
        """Normalized image ``(h, w, bands)`` float32 and internal mask ``(h, w)`` uint8 of a window.

        The window may extend past the region: outside pixels are 0 in the image and IGNORE in the mask.
        """
        reg = self.region
        r0, c0 = max(row, reg.row0), max(col, reg.col0)
        r1, c1 = min(row + h, reg.row1), min(col + w, reg.col1)
        image = np.zeros((h, w, self.bands), np.float32)
        mask = np.full((h, w), IGNORE, np.uint8)
        if r1 <= r0 or c1 <= c0:
            return image, mask
        if self._image is not None:
            img = self._image[r0 - reg.row0 : r1 - reg.row0, c0 - reg.col0 : c1 - reg.col0]
            msk = self._mask[r0 - reg.row0 : r1 - reg.row0, c0 - reg.col0 : c1 - reg.col0]
        else:
            img, msk = self._read_direct(r0, c0, r1 - r0, c1 - c0)
        image[r0 - row : r1 - row, c0 - col : c1 - col] = img
        mask[r0 - row : r1 - row, c0 - col : c1 - col] = msk
        return image, mask

    def close(self) -> None:
        """Close the per-thread file handles and drop the cache."""
        with self._lock:
            for src in self._handles:
                src.close()
            self._handles.clear()
        self._local = threading.local()
        self._image = self._mask = None


def holdout_regions(width: int, height: int, patch: int, fraction: float = 0.2):
    """Split a raster along its longer axis: (training region, validation region or None).

    The last ``fraction`` (at least one patch) is held out when both parts can hold a patch.
    """
    if height >= width:
        hold = max(patch, int(round(height * fraction)))
        if height - hold >= patch and width >= patch:
            return Region(0, height - hold, 0, width), Region(height - hold, height, 0, width)
    else:
        hold = max(patch, int(round(width * fraction)))
        if width - hold >= patch and height >= patch:
            return Region(0, height, 0, width - hold), Region(0, height, width - hold, width)
    return Region(0, height, 0, width), None


def cell_size(region: Region) -> int:
    """Cell edge so that a raster's count grid stays below :data:`MAX_CELLS` cells."""
    return max(1, math.ceil(math.sqrt(region.height * region.width / MAX_CELLS)))


class PatchSampler:
    """Biased patch-centre draws over several label sources (inverse transform sampling)."""

    def __init__(self, sources: list[LabelSource], counts: list[np.ndarray], cells: list[int], patch: int):
        self.sources, self.counts, self.cells, self.patch = sources, counts, cells, patch
        self.class_totals = np.sum([c.reshape(-1, c.shape[-1]).sum(axis=0) for c in counts], axis=0)
        if self.class_totals[1:].sum() == 0:
            raise LabelError(
                "The training label rasters have no feature pixels (every labelled pixel is background). "
                "Label some features, or check the class values of the mask band."
            )

    @property
    def labelled_pixels(self) -> int:
        return int(self.class_totals.sum())

    def class_weights(self, class_weight: float) -> np.ndarray:
        """Density per class (index 0 = background) for a class weight."""
        n_bg = float(self.class_totals[0])
        w = np.ones(len(self.class_totals), np.float64)
        for k in range(1, len(w)):
            n_k = float(self.class_totals[k])
            if n_k == 0:
                w[k] = 0.0
            else:
                balance = min(MAX_BALANCE, n_bg / n_k) if n_bg > 0 else 1.0
                w[k] = 1.0 + class_weight * balance
        return w

    def feature_fraction(self, class_weight: float) -> float:
        """Expected fraction of centres that fall on feature pixels for a class weight."""
        mass = self.class_totals * self.class_weights(class_weight)
        return float(mass[1:].sum() / mass.sum())

    def draw(self, n: int, class_weight: float, rng: np.random.Generator) -> list[tuple[int, int, int]]:
        """``n`` patch windows ``(source index, top row, left col)`` (patch-sized, inside the region)."""
        w = self.class_weights(class_weight)
        masses = [c.astype(np.float64) @ w for c in self.counts]
        flat = np.concatenate([m.ravel() for m in masses])
        cdf = np.cumsum(flat)
        total = cdf[-1]
        if total <= 0:
            raise TrainingError("No labelled pixels to draw patches from.")
        picks = np.searchsorted(cdf, rng.random(n) * total, side="right")
        picks = np.minimum(picks, len(flat) - 1)
        offsets = np.cumsum([0] + [m.size for m in masses])
        jitter = rng.random((n, 2))
        out = []
        for p, (jr, jc) in zip(picks, jitter):
            s = int(np.searchsorted(offsets, p, side="right") - 1)
            local = int(p - offsets[s])
            ncc = masses[s].shape[1]
            cr, cc = divmod(local, ncc)
            src, cell = self.sources[s], self.cells[s]
            reg = src.region
            row = reg.row0 + min(cr * cell + int(jr * cell), reg.height - 1)
            col = reg.col0 + min(cc * cell + int(jc * cell), reg.width - 1)
            top = int(np.clip(row - self.patch // 2, reg.row0, reg.row1 - self.patch))
            left = int(np.clip(col - self.patch // 2, reg.col0, reg.col1 - self.patch))
            out.append((s, top, left))
        return out


def grid_windows(source: LabelSource, patch: int) -> list[tuple[int, int]]:
    """Non-overlapping patch windows covering the region (the last row/col aligned to its end)."""
    reg = source.region

    def starts(lo, hi):
        if hi - lo < patch:
            return []
        s = list(range(lo, hi - patch + 1, patch))
        if s[-1] + patch < hi:
            s.append(hi - patch)
        return s

    return [(r, c) for r in starts(reg.row0, reg.row1) for c in starts(reg.col0, reg.col1)]


def augment(
    image: np.ndarray, mask: np.ndarray, rng: np.random.Generator, geometric: bool = True
) -> tuple[np.ndarray, np.ndarray]:
    """Random flips / 90° rotations, small zoom + shift, per-band gain/offset jitter (square windows).

    ``image`` is normalized (H, W, B); the mask is transformed with nearest neighbour, pixels coming
    from outside become IGNORE.
    """
    if geometric:
        k = int(rng.integers(4))
        if rng.random() < 0.5:
            image, mask = image[:, ::-1], mask[:, ::-1]
        image, mask = np.rot90(image, k), np.rot90(mask, k)
        if rng.random() < 0.5:
            from scipy import ndimage

            scale = float(rng.uniform(0.9, 1.1))
            h, w = mask.shape
            shift = rng.uniform(-0.04, 0.04, 2) * np.array([h, w])
            centre = (np.array([h, w]) - 1) / 2.0
            matrix = np.eye(2) / scale
            offset = centre - matrix @ centre + shift
            mask = ndimage.affine_transform(mask, matrix, offset, order=0, mode="constant", cval=IGNORE)
            image = np.stack(
                [
                    ndimage.affine_transform(image[..., b], matrix, offset, order=1, mode="nearest")
                    for b in range(image.shape[-1])
                ],
                axis=-1,
            )
    bands = image.shape[-1]
    gain = rng.uniform(0.9, 1.1, bands).astype(np.float32)
    bias = rng.uniform(-0.1, 0.1, bands).astype(np.float32)
    image = image * gain + bias
    image[mask == IGNORE] = 0.0
    return np.ascontiguousarray(image, dtype=np.float32), np.ascontiguousarray(mask)
