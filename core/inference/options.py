"""The options of a classification (:class:`ClassifyOptions`) and the choices the algorithm offers."""

from __future__ import annotations

import os
from dataclasses import dataclass
from typing import Sequence

from ..device import DEVICES
from ..errors import ParameterError
from ..postprocessing import DEFAULT_THRESHOLD

#: TILE_SIZE 0 (automatic) on the CPU; on a GPU see :func:`~.tiling.gpu_tile_size`.
DEFAULT_TILE_SIZE = 1024
#: The largest TILE_SIZE the algorithm takes.
MAX_TILE_SIZE = 8192
DEFAULT_BATCH_SIZE = 2
#: The largest BATCH_SIZE the algorithm takes.
MAX_BATCH_SIZE = 256
#: OUTPUT_CLASSIFICATION: 'Activation to Classification' at its default.
CLASSIFICATION_THRESHOLD = DEFAULT_THRESHOLD


@dataclass(frozen=True)
class ClassifyOptions:
    """How to classify a raster.

    ``classification_path``: also write the classification (uint8 class ids) there; ``tile_size`` 0:
    automatic (:data:`DEFAULT_TILE_SIZE` on the CPU, :func:`~.tiling.gpu_tile_size` on a GPU);
    ``batch_size``: tiles per model call; ``device``: one of :data:`~deepfeature.core.device.DEVICES`;
    ``extent``: (xmin, ymin, xmax, ymax) in the raster CRS, None for the whole raster; ``tta``: average
    the predictions of the 8 flips and quarter turns of every tile (8 model passes per tile: about 8x the
    classification time); ``overviews``: build overviews of the outputs; ``match_histogram``: map every
    band of the image through the histogram transfer from its own quantiles (a bounded sample of it) to
    the training rasters' (kept in the model by training; imagery from another sensor or date).
    """

    classification_path: str | os.PathLike | None = None
    tile_size: int = 0
    batch_size: int = DEFAULT_BATCH_SIZE
    device: str = "auto"
    extent: Sequence[float] | None = None
    tta: bool = False
    overviews: bool = True
    match_histogram: bool = False

    def __post_init__(self) -> None:
        if self.extent is not None:  # a list from the worker: a tuple, like the caller's
            object.__setattr__(self, "extent", tuple(self.extent))

    def check(self) -> None:
        """:class:`ParameterError` for a DEVICE or a BATCH_SIZE the engine cannot use."""
        if self.device not in DEVICES:
            raise ParameterError(
                "DEVICE must be one of {}; '{}' was given.".format(", ".join(DEVICES), self.device))
        if int(self.batch_size) < 1:
            raise ParameterError("BATCH_SIZE must be at least 1; {} was given.".format(self.batch_size))
