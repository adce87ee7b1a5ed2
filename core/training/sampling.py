"""Patch sampling from label rasters: class statistics, biased centre draws, windowed reads.

Everything is memory-flat in the raster size: a label raster is scanned once by row strips (class counts
per *cell* of a coarse grid, per-band sums for the normalization statistics and a bounded systematic
sample of the labelled pixels for their quantiles, see :data:`QUANTILE_SAMPLE`); patches are then read
from an in-memory copy while the training rasters fit :data:`DEFAULT_CACHE_BYTES` (image in its own data
type, mask, and the training-target codes computed once, see :meth:`LabelSource.cache`), else by windows
with per-thread file handles.

Augmented batches of these patches: :mod:`.augmentation`.

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

from ..errors import LabelError, RasterError, TrainingError
from ..label_format import LabelRasterInfo, format_classes, read_info
from ..normalization import Normalization
from .targets import IGNORE, target_margin

#: Ratio cap in the class-balancing density (so a class with a handful of pixels cannot take over).
MAX_BALANCE = 100.0
#: Training rasters are kept in memory (own data type + mask + target maps) up to this many bytes in all.
DEFAULT_CACHE_BYTES = 1024 * 1024 * 1024
#: Most cells in one raster's count grid (the cell size grows with the raster).
MAX_CELLS = 1_000_000
#: About this many labelled pixels of all training rasters together are kept (every n-th one) for the
#: per-band quantiles of the normalization (histogram matching of new imagery): 4 bytes a band each.
QUANTILE_SAMPLE = 1_000_000


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
    sample: np.ndarray | None = None  # (n, bands) float32: every ``sample_step``-th valid pixel
    #: The 4-connected labelled objects of the region: pixels and model class (1..K) of each.
    object_pixels: np.ndarray | None = None
    object_classes: np.ndarray | None = None


def names_match(info: LabelRasterInfo, model_classes: tuple[str, ...]) -> bool:
    """Whether every class of the label raster is one of the model's classes by name."""
    return bool(info.classes) and all(name in model_classes for name in info.classes.values())


def class_mapping(
    info: LabelRasterInfo, model_classes: tuple[str, ...], model_ids: tuple[int, ...] | None = None
) -> dict[int, int]:
    """Map the label raster's mask values to the model's class indices (1..K).

    Classes are matched by name; when the names differ the mask values are taken as the model's class
    ids (``model_ids``, default ``1..K``: value ``model_ids[i]`` is class index ``i + 1``) if they are
    all among them.
    """
    model_ids = tuple(model_ids or range(1, len(model_classes) + 1))
    names = {name: i + 1 for i, name in enumerate(model_classes)}
    if names_match(info, model_classes):
        return {value: names[name] for value, name in info.classes.items()}
    index = {v: i + 1 for i, v in enumerate(model_ids)}
    ids = list(info.classes) or []
    if ids and all(v in index for v in ids):
        return {v: index[v] for v in ids}
    raise LabelError(
        "The classes of the label raster '{}' ({}) do not match the model's classes ({}). Rebuild the "
        "label raster with the model's class names, or initialize a model for these classes.".format(
            info.path, format_classes(info.classes), format_classes(dict(zip(model_ids, model_classes))),
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
        model_ids: tuple[int, ...] | None = None,
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
        self.class_map = class_mapping(self.info, model_classes, model_ids)
        self.names_match = names_match(self.info, model_classes)
        self.region = region or Region(0, self.info.height, 0, self.info.width)
        self.mean = np.zeros(bands, np.float32)
        self.std = np.ones(bands, np.float32)
        self.histogram_matching = None  # see set_histogram_matching
        self._lut = self._make_lut()
        self._image: np.ndarray | None = None
        self._mask: np.ndarray | None = None
        self._codes: tuple | None = None
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
    def scan(self, cell: int, stats: bool, progress=None, sample_step: int = 0) -> ScanResult:
        """Count classes per cell of the region and (``stats``) sum the valid image values, by strips;
        with ``stats`` and ``sample_step`` also keep every ``sample_step``-th valid pixel (in reading
        order) as ``sample``. The labelled objects (4-connected) are counted across strips too."""
        import rasterio
        from rasterio.windows import Window

        from ..postprocessing import StripObjects

        reg = self.region
        objects = StripObjects()
        ncr, ncc = math.ceil(reg.height / cell), math.ceil(reg.width / cell)
        k1 = self.n_classes + 1
        counts = np.zeros(ncr * ncc * k1, np.int64)
        sums = np.zeros(self.bands, np.float64)
        sumsq = np.zeros(self.bands, np.float64)
        valid_total = 0
        unknown: set = set()
        samples: list = []
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
                    objects.add(np.where(valid, mask, 0).astype(np.uint8))
                    rows = (np.arange(r, r + h) - reg.row0) // cell
                    cols = np.arange(reg.width) // cell
                    key = (rows[:, None] * ncc + cols[None, :]) * k1 + np.where(valid, mask, 0)
                    counts += np.bincount(key[valid], minlength=counts.size)
                    if stats and valid.any():
                        vals = image[:, valid].astype(np.float64)
                        sums += vals.sum(axis=1)
                        sumsq += (vals * vals).sum(axis=1)
                        if sample_step > 0:  # the valid pixels numbered 0, step, 2 step, ... overall
                            first = -valid_total % sample_step
                            samples.append(vals[:, first::sample_step].T.astype(np.float32))
                        valid_total += int(valid.sum())
        except rasterio.errors.RasterioIOError as exc:
            raise RasterError("Cannot read the label raster '{}': {}".format(self.path, exc)) from exc
        sample = np.concatenate(samples) if samples else None
        _, object_pixels, object_classes = objects.objects()
        return ScanResult(counts.reshape(ncr, ncc, k1), sums, sumsq, valid_total, unknown, sample,
                          object_pixels, object_classes)

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
    def set_normalization(self, normalization: Normalization) -> None:
        """Per-band statistics applied to every patch read (``(x - mean) / std``)."""
        self.mean, self.std = normalization.arrays()

    def set_histogram_matching(self, matching) -> None:
        """The randomized histogram matching of the augmented patches read from this source (an
        :class:`~.augmentation.HistogramMatching`, ``None``: off)."""
        self.histogram_matching = matching

    def cache(self, budget: int, solid: float = 0.0, blur: float = 0.0) -> int:
        """Keep the region in memory if it fits ``budget`` bytes; return the bytes used.

        The image is kept in its own data type (band last) with the mask and the training-target codes
        (:func:`deepfeature.core.targets.target_codes` for ``solid`` and the run's largest ``blur``),
        computed once here instead of for every patch. Read by strips.
        """
        from .targets import TargetCoder, target_codes

        reg = self.region
        coder = TargetCoder(self.n_classes, blur)
        itemsize = np.dtype(self.info.dtype).itemsize
        need = reg.height * reg.width * (self.bands * itemsize + 1 + coder.dtype.itemsize)
        if need > budget:
            return 0
        self._image = self._mask = self._codes = None
        image = np.empty((reg.height, reg.width, self.bands), self.info.dtype)
        mask = np.empty((reg.height, reg.width), np.uint8)
        strip = max(1, 8_000_000 // max(reg.width * (self.bands + 1) * itemsize, 1))
        for r in range(0, reg.height, strip):
            h = min(strip, reg.height - r)
            image[r : r + h], mask[r : r + h] = self._read_raw(reg.row0 + r, reg.col0, h, reg.width)
        self._image, self._mask = image, mask
        self._codes = (float(solid), coder.blur_cap, target_codes(mask, coder, solid))
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

    def _fill(self, dtype) -> np.ndarray:
        """Value written into ignore / NoData image pixels: the band means (normalized 0)."""
        dtype = np.dtype(dtype)
        if np.issubdtype(dtype, np.integer):
            lim = np.iinfo(dtype)
            return np.clip(np.round(self.mean), lim.min, lim.max).astype(dtype)
        return self.mean.astype(dtype)

    def _read_raw(self, row: int, col: int, h: int, w: int):
        """Raw image ``(h, w, bands)`` (NoData pixels set to the band means) and internal mask of a window
        inside the region, read from the file. Ignore pixels keep their image values: they are real
        imagery without a label (outside the AOI, say), which the model sees around labelled pixels
        during training as it will when it classifies."""
        from rasterio.windows import Window

        src = self._handle()
        window = Window(col, row, w, h)
        data = src.read(window=window)
        image = data[: self.bands]
        if np.issubdtype(image.dtype, np.floating):
            self._check_nan(image)
        nodata = self._nodata(image)
        if [flag.name for flag in src.mask_flag_enums[0]] == ["per_dataset"]:
            # The label builders' internal mask (not an alpha band: a 4-band Byte GeoTIFF may present
            # its last band, here the mask band, as alpha): NoData in any band of the source image, also
            # where a band's own NoData value differs from the one a GeoTIFF can store.
            nodata |= src.read_masks(1, window=window) == 0
        mask, _ = self.to_internal(data[self.bands], None)
        mask[nodata] = IGNORE
        image = np.ascontiguousarray(np.moveaxis(image, 0, -1))
        if nodata.any():
            image[nodata] = self._fill(image.dtype)
        return image, mask

    def _cut(self, arrays, fills, row: int, col: int, h: int, w: int) -> list:
        """Windows of region-sized arrays (views when inside the region, else padded with ``fills``)."""
        reg = self.region
        r0, c0 = row - reg.row0, col - reg.col0
        if r0 >= 0 and c0 >= 0 and r0 + h <= reg.height and c0 + w <= reg.width:
            return [a[r0 : r0 + h, c0 : c0 + w] for a in arrays]
        a0, b0 = max(r0, 0), max(c0, 0)
        a1, b1 = min(r0 + h, reg.height), min(c0 + w, reg.width)
        out = []
        for a, fill in zip(arrays, fills):
            pad = np.empty((h, w) + a.shape[2:], a.dtype)
            pad[...] = fill
            if a1 > a0 and b1 > b0:
                pad[a0 - r0 : a1 - r0, b0 - c0 : b1 - c0] = a[a0:a1, b0:b1]
            out.append(pad)
        return out

    def raw(self, row: int, col: int, h: int, w: int) -> tuple[np.ndarray, np.ndarray]:
        """Raw image ``(h, w, bands)`` in the raster's data type and internal mask ``(h, w)`` of a window.

        NoData pixels and pixels outside the region hold the band means and are IGNORE in the mask;
        ignore pixels keep their image values.
        Views into the cache when possible: do not modify them.
        """
        fills = (self._fill(self.info.dtype), IGNORE)
        if self._image is not None:
            return tuple(self._cut((self._image, self._mask), fills, row, col, h, w))
        reg = self.region
        r0, c0 = max(row, reg.row0), max(col, reg.col0)
        r1, c1 = min(row + h, reg.row1), min(col + w, reg.col1)
        if r0 == row and c0 == col and r1 == row + h and c1 == col + w:
            return self._read_raw(row, col, h, w)
        image = np.empty((h, w, self.bands), self.info.dtype)
        image[...] = fills[0]
        mask = np.full((h, w), IGNORE, np.uint8)
        if r1 > r0 and c1 > c0:
            img, msk = self._read_raw(r0, c0, r1 - r0, c1 - c0)
            image[r0 - row : r1 - row, c0 - col : c1 - col] = img
            mask[r0 - row : r1 - row, c0 - col : c1 - col] = msk
        return image, mask

    def window(self, row: int, col: int, h: int, w: int, solid: float = 0.0, blur: float = 0.0):
        """``(raw image, target codes)`` of a window: see :meth:`raw` and
        :class:`deepfeature.core.targets.TargetCoder` (``TargetCoder(n_classes, blur)``, features expanded
        by ``solid``). From the cache when it was made for this ``solid`` and ``blur``, else computed on
        the window read with a halo of ``solid + blur`` pixels (the same codes). May return views.
        """
        from .targets import TargetCoder, target_codes

        coder = TargetCoder(self.n_classes, blur)
        cached = self._codes
        if self._image is not None and cached is not None and cached[:2] == (float(solid), coder.blur_cap):
            fills = (self._fill(self.info.dtype), 0)
            image, codes = self._cut((self._image, cached[2]), fills, row, col, h, w)
            return image, codes
        t = target_margin(solid, blur) + 1 if (solid > 0 or blur > 0) else 0
        image, mask = self.raw(row - t, col - t, h + 2 * t, w + 2 * t)
        codes = target_codes(mask, coder, solid)
        return image[t : t + h, t : t + w], codes[t : t + h, t : t + w]

    def read(self, row: int, col: int, h: int, w: int) -> tuple[np.ndarray, np.ndarray]:
        """Normalized image ``(h, w, bands)`` float32 and internal mask ``(h, w)`` uint8 of a window.

        The window may extend past the region: outside (and NoData) pixels are 0 in the image and IGNORE
        in the mask. Ignore pixels keep their normalized image values.
        """
        raw, mask = self.raw(row, col, h, w)
        image = (raw.astype(np.float32) - self.mean) / self.std
        return image, np.array(mask)

    def close(self) -> None:
        """Close the per-thread file handles and drop the cache."""
        with self._lock:
            for src in self._handles:
                src.close()
            self._handles.clear()
        self._local = threading.local()
        self._image = self._mask = self._codes = None


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
