"""Per-band input normalization: the statistics a model was trained with and the one rule that applies them.

Training computes the statistics once over the labelled pixels of its label rasters; the model file keeps
them (``{"mean": [...], "std": [...]}`` in its metadata); sampling, inference, evaluation, tests and
benchmarks all apply them through :class:`Normalization`, so there is one cleaning rule for degenerate
statistics (see :func:`clean`) and one way of applying them (``(x - mean) / std``, non-finite results 0).
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import TYPE_CHECKING, Sequence

from .errors import ModelFileError, ParameterError

#: A standard deviation at or below this share of the band's magnitude (``max(|mean|, 1)``) counts as
#: none: the band is constant over the training pixels and is only centred, not scaled.
MIN_RELATIVE_STD = 1e-6

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
    """Per-band ``mean`` and ``std`` (cleaned on construction by :func:`clean`)."""

    mean: tuple[float, ...]
    std: tuple[float, ...]

    def __post_init__(self) -> None:
        if len(self.mean) != len(self.std) or not self.mean:
            raise ParameterError(
                "Normalization statistics need one mean and one std per band; got {} means and {} stds."
                .format(len(self.mean), len(self.std))
            )
        pairs = [clean(float(m), float(s)) for m, s in zip(self.mean, self.std)]
        object.__setattr__(self, "mean", tuple(m for m, _ in pairs))
        object.__setattr__(self, "std", tuple(s for _, s in pairs))

    @property
    def bands(self) -> int:
        """Number of bands."""
        return len(self.mean)

    @classmethod
    def from_moments(cls, sums: Sequence[float], sums_of_squares: Sequence[float], count: int
                     ) -> Normalization:
        """Statistics from per-band sums and sums of squares over ``count`` pixels (population std)."""
        import numpy as np

        sums = np.asarray(sums, dtype=np.float64)
        mean = sums / count
        var = np.maximum(np.asarray(sums_of_squares, dtype=np.float64) / count - mean**2, 0.0)
        return cls(tuple(float(v) for v in mean), tuple(float(v) for v in np.sqrt(var)))

    # -- metadata ---------------------------------------------------------------------------------
    def to_metadata(self) -> dict:
        """``{"mean": [...], "std": [...]}`` as stored in a model's metadata."""
        return {"mean": list(self.mean), "std": list(self.std)}

    @classmethod
    def from_metadata(cls, data: dict | Normalization | None) -> Normalization | None:
        """Inverse of :meth:`to_metadata` (``None`` stays ``None``); :class:`ModelFileError` when damaged."""
        if data is None or isinstance(data, Normalization):
            return data
        mean = data.get("mean") if isinstance(data, dict) else None
        std = data.get("std") if isinstance(data, dict) else None
        try:
            return cls(tuple(float(v) for v in _flat(mean)), tuple(float(v) for v in _flat(std)))
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
