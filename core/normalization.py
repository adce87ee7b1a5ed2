"""Per-band input normalization: the statistics a model was trained with and the one rule that applies them.

Training computes the statistics once over the labelled pixels of its label rasters; the model file keeps
them (``{"mean": [...], "std": [...]}`` in its metadata); sampling, inference, evaluation, tests and
benchmarks all apply them through :class:`Normalization`, so there is one cleaning rule for degenerate
statistics (see :func:`clean`) and one way of applying them (``(x - mean) / std``, non-finite results 0).

Models trained since histogram matching exists also keep :data:`QUANTILE_LEVELS` per-band quantiles of
those pixels (``"quantiles"``), the target of the piecewise-linear histogram transfer
(:func:`transfer_curves`, :func:`match_bands`) that classification may apply to new imagery and the
training augmentation applies between patches.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import TYPE_CHECKING, Sequence

from .errors import ModelFileError, ParameterError

#: A standard deviation at or below this share of the band's magnitude (``max(|mean|, 1)``) counts as
#: none: the band is constant over the training pixels and is only centred, not scaled.
MIN_RELATIVE_STD = 1e-6
#: Per-band quantiles kept of the training pixels (levels 0, 1 %, ..., 100 %).
QUANTILE_LEVELS = 101

if TYPE_CHECKING:  # pragma: no cover - numpy is imported where arrays are made
    import numpy as np


def clean(mean: float, std: float) -> tuple[float, float]:
    """The one cleaning rule: a non-finite mean becomes 0; a non-finite or (relatively) zero std becomes 1."""
    mean = float(mean) if math.isfinite(mean) else 0.0
    if not (math.isfinite(std) and std > MIN_RELATIVE_STD * max(abs(mean), 1.0)):
        std = 1.0
    return mean, float(std)


@dataclass(frozen=True)
class Normalization:
    """Per-band ``mean`` and ``std`` (cleaned on construction by :func:`clean`) and, optionally, per-band
    ``quantiles`` of the training pixels (equally spaced levels from 0 to 1, non-decreasing; ``None`` for
    models trained before they were kept)."""

    mean: tuple[float, ...]
    std: tuple[float, ...]
    quantiles: tuple[tuple[float, ...], ...] | None = None

    def __post_init__(self) -> None:
        if len(self.mean) != len(self.std) or not self.mean:
            raise ParameterError(
                "Normalization statistics need one mean and one std per band; got {} means and {} stds."
                .format(len(self.mean), len(self.std))
            )
        pairs = [clean(float(m), float(s)) for m, s in zip(self.mean, self.std)]
        object.__setattr__(self, "mean", tuple(m for m, _ in pairs))
        object.__setattr__(self, "std", tuple(s for _, s in pairs))
        if self.quantiles is not None:
            object.__setattr__(self, "quantiles", _checked_quantiles(self.quantiles, len(self.mean)))

    @property
    def bands(self) -> int:
        """Number of bands."""
        return len(self.mean)

    @classmethod
    def from_moments(cls, sums: Sequence[float], sums_of_squares: Sequence[float], count: int,
                     quantiles=None) -> Normalization:
        """Statistics from per-band sums and sums of squares over ``count`` pixels (population std), with
        the per-band ``quantiles`` (``(bands, levels)``, e.g. :func:`band_quantiles`) when given."""
        import numpy as np

        sums = np.asarray(sums, dtype=np.float64)
        mean = sums / count
        var = np.maximum(np.asarray(sums_of_squares, dtype=np.float64) / count - mean**2, 0.0)
        return cls(tuple(float(v) for v in mean), tuple(float(v) for v in np.sqrt(var)), quantiles)

    # -- metadata ---------------------------------------------------------------------------------
    def to_metadata(self) -> dict:
        """``{"mean": [...], "std": [...]}`` (and ``"quantiles": [[...] per band]`` when kept) as stored in
        a model's metadata."""
        data = {"mean": list(self.mean), "std": list(self.std)}
        if self.quantiles is not None:
            data["quantiles"] = [list(row) for row in self.quantiles]
        return data

    @classmethod
    def from_metadata(cls, data: dict | Normalization | None) -> Normalization | None:
        """Inverse of :meth:`to_metadata` (``None`` stays ``None``); :class:`ModelFileError` when damaged."""
        if data is None or isinstance(data, Normalization):
            return data
        mean = data.get("mean") if isinstance(data, dict) else None
        std = data.get("std") if isinstance(data, dict) else None
        quantiles = data.get("quantiles") if isinstance(data, dict) else None  # absent in older models
        try:
            return cls(tuple(float(v) for v in _flat(mean)), tuple(float(v) for v in _flat(std)), quantiles)
        except (AttributeError, TypeError, ValueError, ParameterError) as exc:
            raise ModelFileError(
                "The normalization statistics are damaged ({}). Train the model again.".format(exc)
            ) from exc

    # -- applying ---------------------------------------------------------------------------------
    def arrays(self) -> tuple[np.ndarray, np.ndarray]:
        """``(mean, std)`` as float32 arrays, one value per band."""
        import numpy as np

        return np.asarray(self.mean, dtype=np.float32), np.asarray(self.std, dtype=np.float32)

    def check_bands(self, bands: int, what: str = "the image") -> None:
        """Raise :class:`ParameterError` unless there is one statistic per band of ``what``."""
        if bands != self.bands:
            raise ParameterError(
                "The model was trained on {} bands but {} has {}. Use an image with the same bands as the "
                "training label rasters.".format(self.bands, what, bands)
            )

    def apply(self, batch) -> np.ndarray:
        """``(x - mean) / std`` per band (last axis) as a new float32 array; non-finite values become 0."""
        import numpy as np

        x = np.asarray(batch, dtype=np.float32)
        self.check_bands(x.shape[-1])
        mean, std = self.arrays()
        x = (x - mean) / std
        x[~np.isfinite(x)] = 0.0
        return x


def _checked_quantiles(quantiles, bands: int) -> tuple[tuple[float, ...], ...]:
    """``quantiles`` as a tuple of per-band float tuples; :class:`ParameterError` unless there is one
    finite, non-decreasing row of at least 2 levels per band, all rows of one length."""
    rows = tuple(tuple(float(v) for v in row) for row in quantiles)
    lengths = {len(row) for row in rows}
    if len(rows) != bands or len(lengths) != 1 or lengths.pop() < 2:
        raise ParameterError("Histogram quantiles need one row of at least 2 levels per band ({} bands); got "
                             "{} rows.".format(bands, len(rows)))
    for row in rows:
        if not all(math.isfinite(v) for v in row) or any(b < a for a, b in zip(row, row[1:])):
            raise ParameterError("Histogram quantiles must be finite and non-decreasing.")
    return rows


# -- histogram matching -------------------------------------------------------------------------------
def quantile_levels(count: int = QUANTILE_LEVELS) -> np.ndarray:
    """``count`` equally spaced quantile levels from 0 to 1."""
    import numpy as np

    return np.linspace(0.0, 1.0, int(count))


def band_quantiles(pixels, count: int = QUANTILE_LEVELS) -> np.ndarray:
    """Per-band quantiles ``(bands, count)`` float64 of ``pixels`` ``(n, bands)`` (levels
    :func:`quantile_levels`)."""
    import numpy as np

    pixels = np.asarray(pixels)
    return np.quantile(pixels, quantile_levels(count), axis=0).T.astype(np.float64)


def transfer_curves(source, target) -> tuple:
    """Per band, the piecewise-linear histogram transfer ``(xp, fp)`` from the quantiles ``source`` to the
    quantiles ``target`` (both ``(bands, levels)``): quantile ``i`` of the source maps to quantile ``i``
    of the target. Levels where the source quantiles are equal (a value that fills several levels, as
    in saturated or flat areas) collapse to one point, mapped to the mean of their target quantiles, so
    that ``xp`` is strictly increasing (:func:`numpy.interp`)."""
    import numpy as np

    source, target = np.asarray(source, np.float64), np.asarray(target, np.float64)
    if source.shape != target.shape:
        raise ParameterError("Histogram transfer needs quantiles of the same shape; got {} and {}.".format(
            source.shape, target.shape))
    curves = []
    for src, dst in zip(source, target):
        xp, inverse = np.unique(src, return_inverse=True)
        fp = np.bincount(inverse, weights=dst) / np.bincount(inverse)
        curves.append((xp, fp))
    return tuple(curves)


def match_bands(x, curves, out=None, tables: dict | None = None) -> np.ndarray:
    """``x`` (bands on the last axis) mapped band by band through the transfer ``curves`` (see
    :func:`transfer_curves`; values outside a curve's range take its end values, NaN stays NaN), as
    float32 (into ``out`` when given: it may be ``x`` itself). 8- and 16-bit integers go through a
    lookup table of every value of their type (10x faster than interpolating each pixel); ``tables``: a
    dict that keeps those tables between calls with the same ``curves`` (keyed by dtype)."""
    import numpy as np

    x = np.asarray(x)
    if out is None:
        out = np.empty(x.shape, np.float32)
    if not (x.dtype.kind in "ui" and x.dtype.itemsize <= 2):
        for b, (xp, fp) in enumerate(curves):
            out[..., b] = np.interp(x[..., b], xp, fp)
        return out
    info = np.iinfo(x.dtype)
    luts = tables.get(x.dtype.str) if tables is not None else None
    if luts is None:
        values = np.arange(info.min, info.max + 1)
        luts = [np.interp(values, xp, fp).astype(np.float32) for xp, fp in curves]
        if tables is not None:
            tables[x.dtype.str] = luts
    for b, table in enumerate(luts):
        out[..., b] = table[x[..., b] if info.min == 0 else x[..., b].astype(np.int32) - info.min]
    return out


def to_float(batch) -> np.ndarray:
    """``batch`` as a new float32 array with non-finite values 0 (what a model without statistics sees)."""
    import numpy as np

    x = np.array(batch, dtype=np.float32, copy=True)
    x[~np.isfinite(x)] = 0.0
    return x


def _flat(values) -> list:
    """A number or a (nested) list or array of numbers as one flat list."""
    if hasattr(values, "tolist"):
        values = values.tolist()
    if isinstance(values, (list, tuple)):
        return [v for item in values for v in _flat(item)]
    if values is None or isinstance(values, (str, bytes, dict)):
        raise TypeError("expected numbers, got {!r}".format(values))
    return [values]
