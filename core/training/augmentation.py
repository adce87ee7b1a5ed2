"""Augmented training batches: random flips, quarter turns, optional zoom/shift, optional randomized
histogram matching and radiometric jitter of patches read from label sources, in one pass per patch.

Batches (:func:`sample_batch`) are built for throughput: a zoomed patch reads and interpolates only the
source pixels it needs (separable bilinear / nearest gathers), flips and rotations move whole pixels,
normalization and radiometric jitter are one multiply-add, and the targets of a batch are one table
gather of per-pixel codes (:class:`deepfeature.core.training.targets.TargetCoder`). All of it is numpy
that releases the GIL, so worker threads run in parallel.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np

from ..normalization import band_quantiles, match_bands, transfer_curves
from .targets import IGNORE

if TYPE_CHECKING:  # pragma: no cover
    from .sampling import LabelSource


#: Radiometric jitter of augmented patches, per band: gain 1 ± JITTER_GAIN, offset ± JITTER_BIAS (in
#: units of the band's standard deviation, after normalisation). 0.2 rather than 0.1: a model must work
#: on other images, whose brightness and colour balance differ (the demo's test scene, whose one corner
#: is brighter than any field of the training scene: IoU 0.725 and 0.754 with 0.1; 0.757, 0.871, 0.848
#: with 0.2; 0.839, 0.847, 0.881 with 0.3, seeds 1-3), for about 0.02 on the same image
#: (Massachusetts, CPU: 0.494 with 0.1, 0.473 with 0.2, 0.477 with 0.3; seed-to-seed spread ±0.025).
JITTER_GAIN = 0.2
JITTER_BIAS = 0.2
#: With zoom on, half the patches are zoomed by 1 ± ZOOM_RANGE and shifted by up to SHIFT_RANGE of their side.
ZOOM_RANGE = 0.1
SHIFT_RANGE = 0.04
#: Randomized histogram matching (AUGMENT_HISTOGRAM) matches patches to the histograms of this many
#: reference patches, drawn once per run from the training rasters.
HISTOGRAM_REFERENCES = 64


@dataclass(frozen=True, eq=False)
class HistogramMatching:
    """Randomized histogram matching (Yaras et al. 2021, "Randomized histogram matching: a simple
    augmentation for unsupervised domain adaptation in overhead imagery"): with ``probability``, every
    band of an augmented patch is matched to the histogram of a reference image drawn at random. The paper
    draws the references from the target domain's images; the target imagery is unknown here, so they are
    :data:`HISTOGRAM_REFERENCES` patches drawn from the training rasters themselves (``references``: their
    per-band quantiles ``(n, bands, levels)`` in raw pixel values): the model sees each scene with the
    radiometry of its other parts, a non-linear, per-band change of brightness, contrast and colour
    balance beyond the radiometric jitter."""

    probability: float
    references: np.ndarray

    @classmethod
    def from_windows(cls, sources: list[LabelSource], windows, patch: int, probability: float
                     ) -> HistogramMatching:
        """The references of the patch ``windows`` ``(source index, row, col)`` (all their pixels, raw)."""
        refs = []
        for s, row, col in windows:
            image = sources[s].raw(row, col, patch, patch)[0]
            refs.append(band_quantiles(image.reshape(-1, image.shape[-1])))
        return cls(float(probability), np.stack(refs))

    def draw(self, rng: np.random.Generator) -> int:
        """With ``probability``, the index of a random reference, else -1 (two draws from ``rng``, one
        when not matching, none when ``probability`` is 0)."""
        if self.probability <= 0 or not rng.random() < self.probability:
            return -1
        return int(rng.integers(len(self.references)))

    def apply(self, image: np.ndarray, reference: int) -> np.ndarray:
        """``image (H, W, B)`` (raw values) with every band's histogram matched to reference ``reference``
        (the piecewise-linear transfer between their quantiles), float32."""
        flat = image.reshape(-1, image.shape[-1])
        curves = transfer_curves(band_quantiles(flat, self.references.shape[-1]), self.references[reference])
        return match_bands(image, curves)


@dataclass(frozen=True, eq=False)
class Augmentation:
    """One patch's random augmentation: flip + quarter turns, optional zoom/shift, optional histogram
    matching to reference ``reference`` (-1: none), per-band gain/bias."""

    k: int = 0
    flip: bool = False
    zoom: bool = False
    scale: float = 1.0
    shift: tuple[float, float] = (0.0, 0.0)
    gain: np.ndarray | None = None
    bias: np.ndarray | None = None
    reference: int = -1

    @staticmethod
    def draw(
        rng: np.random.Generator, shape: tuple[int, int], bands: int, geometric: bool = True,
        zoom: bool = False, histogram: HistogramMatching | None = None,
    ):
        """Draw from ``rng`` (always in the same order): flips / 90° rotations, with ``zoom`` and
        probability 1/2 a zoom by 0.9-1.1 and a shift of up to 4 % of ``shape``, gain 1 ± JITTER_GAIN and
        offset ± JITTER_BIAS per band, then with ``histogram`` its reference (no draw without it, so
        the stream is the same as before histogram matching existed)."""
        k, flip, zoomed, scale, shift = 0, False, False, 1.0, (0.0, 0.0)
        if geometric:
            k = int(rng.integers(4))
            flip = bool(rng.random() < 0.5)
            if zoom and rng.random() < 0.5:
                zoomed = True
                scale = float(rng.uniform(1.0 - ZOOM_RANGE, 1.0 + ZOOM_RANGE))
                sh = rng.uniform(-SHIFT_RANGE, SHIFT_RANGE, 2) * np.array(shape, np.float64)
                shift = (float(sh[0]), float(sh[1]))
        gain = rng.uniform(1.0 - JITTER_GAIN, 1.0 + JITTER_GAIN, bands).astype(np.float32)
        bias = rng.uniform(-JITTER_BIAS, JITTER_BIAS, bands).astype(np.float32)
        reference = histogram.draw(rng) if histogram is not None else -1
        return Augmentation(k, flip, zoomed, scale, shift, gain, bias, reference)

    def coords(self, size: int, axis: int) -> np.ndarray:
        """Source coordinates (float, relative to the unaugmented window's origin) of the output pixels
        along one axis: zoom by ``scale`` about the window centre, then shift."""
        c = (size - 1) / 2.0
        return c + (np.arange(size) - c) / self.scale + self.shift[axis]

    def orient(self, a: np.ndarray) -> np.ndarray:
        """The flip / quarter turns of this augmentation applied to ``(H, W, ...)`` (a view)."""
        return np.rot90(a[:, ::-1] if self.flip else a, self.k)


def _taps(coords: np.ndarray, n: int):
    """Linear-interpolation taps ``(i0, i1, w1)`` of coordinates into an axis of ``n`` (edges clamped)."""
    f = np.floor(coords)
    i0 = f.astype(np.intp)
    w1 = (coords - f).astype(np.float32)
    return np.clip(i0, 0, n - 1), np.clip(i0 + 1, 0, n - 1), w1


def _nearest(coords: np.ndarray, n: int):
    """Nearest-neighbour indices (clamped) and which ones fall inside ``[0, n)``."""
    i = np.floor(coords + 0.5).astype(np.intp)
    return np.clip(i, 0, n - 1), (i >= 0) & (i < n)


def _pixels(a: np.ndarray) -> np.ndarray:
    """``(H, W, B)`` (bands contiguous) as an ``(H, W)`` view of one opaque item per pixel, so that
    gathers and transposes move whole pixels instead of looping over a 3-element axis."""
    return a.view(np.dtype((np.void, a.shape[2] * a.itemsize)))[..., 0]


def _unpixels(v: np.ndarray, dtype, bands: int) -> np.ndarray:
    v = np.ascontiguousarray(v)
    return v.view(dtype).reshape(v.shape + (bands,))


def resample_linear(image: np.ndarray, rows: np.ndarray, cols: np.ndarray) -> np.ndarray:
    """Bilinear samples ``(len(rows), len(cols), B)`` float32 of ``image (H, W, B)`` at a separable grid
    (edge values repeated outside). Two 1-D passes over only the pixels needed."""
    r0, r1, wr = _taps(rows, image.shape[0])
    c0, c1, wc = _taps(cols, image.shape[1])
    lo, hi = int(c0.min()), int(c1.max()) + 1
    bands, n_r, n_c = image.shape[2], len(rows), len(cols)
    sub = image[:, lo:hi]
    top = np.take(sub, r0, axis=0).astype(np.float32)
    bottom = np.take(sub, r1, axis=0).astype(np.float32)
    bottom -= top
    bottom *= wr[:, None, None]
    top += bottom
    px = top.reshape(n_r, hi - lo, bands).view(np.dtype((np.void, 4 * bands))).reshape(n_r, hi - lo)
    left = np.take(px, c0 - lo, axis=1).view(np.float32).reshape(n_r, n_c, bands)
    right = np.take(px, c1 - lo, axis=1).view(np.float32).reshape(n_r, n_c, bands)
    right -= left
    right *= np.repeat(wc, bands).reshape(1, n_c, bands)
    left += right
    return left


def resample_nearest(a: np.ndarray, rows: np.ndarray, cols: np.ndarray, outside) -> np.ndarray:
    """Nearest samples of ``a (H, W)`` at a separable grid; ``outside`` where it leaves ``a``."""
    ri, rok = _nearest(rows, a.shape[0])
    ci, cok = _nearest(cols, a.shape[1])
    out = np.take(np.take(a, ri, axis=0), ci, axis=1)
    if not rok.all():
        out[~rok] = outside
    if not cok.all():
        out[:, ~cok] = outside
    return out


def sample_batch(
    sources: list[LabelSource],
    windows,
    patch: int,
    rng: np.random.Generator | None,
    augment: bool,
    solid: float = 0.0,
    blur: float = 0.0,
    zoom: bool = False,
):
    """Normalized, augmented patches of ``windows`` and their target codes, as whole arrays.

    Returns ``x (N, patch, patch, bands)`` float32 (C-contiguous) and the
    :class:`~deepfeature.core.targets.TargetCoder` codes ``(N, patch, patch)`` (``TargetCoder(n_classes,
    blur)``, features expanded by ``solid``; ``blur`` is the largest blur distance the codes serve).
    Augmentation (``augment`` and an ``rng``) draws one :class:`Augmentation` per patch in window order,
    so a batch is a pure function of its windows and the ``rng`` state; ``zoom`` allows the zoom/shift
    (off by default, as ``TrainConfig.augment_zoom``); a source's ``histogram_matching`` (see
    :meth:`LabelSource.set_histogram_matching`) matches some of its patches' histograms to references.
    The zoom reads only the source pixels it needs (bilinear image, nearest codes; outside the region is
    ignore); flips and rotations move whole pixels; normalization and gain/bias are one multiply-add per
    patch. NoData pixels and pixels outside the region hold the band means (0 before the radiometric
    jitter; a histogram-matched patch maps them with its other pixels); ignore pixels keep their image
    values.
    """
    from .targets import TargetCoder

    n, p = len(windows), patch
    bands = sources[0].bands if sources else 0
    x = np.empty((n, p, p, bands), np.float32)
    codes = np.empty((n, p, p), TargetCoder(sources[0].n_classes if sources else 1, blur).dtype)
    for i, (s, row, col) in enumerate(windows):
        src = sources[s]
        aug = None
        if augment and rng is not None:
            aug = Augmentation.draw(rng, (p, p), bands, zoom=zoom, histogram=src.histogram_matching)
        inv = 1.0 / src.std
        if aug is None:
            scale, offset = inv, -src.mean * inv
        else:
            scale, offset = inv * aug.gain, aug.bias - src.mean * inv * aug.gain
        if aug is None or not aug.zoom:
            image, c = src.window(row, col, p, p, solid, blur)
        else:
            rows, cols = aug.coords(p, 0), aug.coords(p, 1)
            r_lo, c_lo = int(np.floor(rows.min())), int(np.floor(cols.min()))
            h, w = int(np.floor(rows.max())) + 2 - r_lo, int(np.floor(cols.max())) + 2 - c_lo
            image, c = src.window(row + r_lo, col + c_lo, h, w, solid, blur)
            rows, cols = rows - r_lo, cols - c_lo
            image = resample_linear(image, rows, cols)
            c = resample_nearest(c, rows, cols, 0)
        if aug is not None and aug.reference >= 0:
            image = src.histogram_matching.apply(image, aug.reference)
        if aug is not None and (aug.k or aug.flip):
            image = _unpixels(aug.orient(_pixels(image)), image.dtype, bands)
            c = aug.orient(c)
        codes[i] = c
        xi = x[i]
        xi[...] = image
        rows_view = xi.reshape(p, p * bands)
        rows_view *= np.tile(np.asarray(scale, np.float32), p)
        rows_view += np.tile(np.asarray(offset, np.float32), p)
    return x, codes


def augment(
    image: np.ndarray, mask: np.ndarray, rng: np.random.Generator, geometric: bool = True, zoom: bool = False
) -> tuple[np.ndarray, np.ndarray]:
    """Random flips / 90° rotations, with ``zoom`` a small zoom + shift, per-band gain/offset jitter of one
    patch.

    ``image`` is normalized (H, W, B); the mask is transformed with nearest neighbour, pixels coming
    from outside become IGNORE (the image repeats its edge there). The same :class:`Augmentation` as
    the training batches (:func:`sample_batch`), on a whole array.
    """
    h, w = mask.shape
    aug = Augmentation.draw(rng, (h, w), image.shape[-1], geometric, zoom)
    if aug.zoom:
        rows, cols = aug.coords(h, 0), aug.coords(w, 1)
        image = resample_linear(image, rows, cols)
        mask = resample_nearest(mask, rows, cols, IGNORE)
    image = aug.orient(image) * aug.gain + aug.bias
    mask = aug.orient(mask)
    return np.ascontiguousarray(image, dtype=np.float32), np.ascontiguousarray(mask)
