"""Activation to classification: a classification raster (uint8 class ids, 0 background,
``CLASS_NODATA``) by threshold or arg-max, objects smaller than the minimum area removed."""

from __future__ import annotations

import os

from ..activation_format import CLASS_NODATA, describe_classification, read_activation_info
from ..files import atomic_output
from ..progress import Progress, ensure
from .activation_strips import classified_strips, raster_profile
from .objects import find_objects, object_strips
from .thresholds import DEFAULT_THRESHOLD, min_pixels, resolve_threshold, warn_if_nothing_found


def activation_to_classification(
    input_path: str | os.PathLike,
    output_path: str | os.PathLike,
    *,
    threshold: float | None = DEFAULT_THRESHOLD,
    min_area: float | None = None,
    progress: Progress | None = None,
) -> dict:
    """Write a classification raster (uint8 class ids, 0 background, 255 NoData) from activations.

    ``threshold`` None = automatic (Otsu). ``min_area`` (square CRS units): smaller objects become
    background; None: the model's default from its training objects (see :func:`.thresholds.min_pixels`).
    Returns ``{"threshold", "objects" (or None), "removed", "class_pixels", "classes"}``.
    """
    import numpy as np
    import rasterio
    from rasterio.windows import Window

    progress = ensure(progress)
    info = read_activation_info(input_path)
    with atomic_output(output_path, inputs=[input_path], what="classification raster", geotiff=True) as tmp:
        thr = resolve_threshold(info, threshold, progress.sub(0.0, 0.2) if threshold is None else progress)
        mpx = min_pixels(info, min_area, progress)
        rest = progress.sub(0.2 if threshold is None else 0.0, 1.0)
        class_pixels = np.zeros(256, dtype=np.int64)
        result = {"threshold": thr, "objects": None, "removed": 0}
        with rasterio.open(tmp, "w", **raster_profile(info, "uint8", CLASS_NODATA)) as dst:
            describe_classification(dst, info.classes)
            if mpx > 1:
                objects = find_objects(info, thr, mpx, rest.sub(0.0, 0.5))
                result["objects"] = objects.count
                for r0, r1, obj, cls in object_strips(info, objects, rest.sub(0.5, 1.0)):
                    removed = (cls > 0) & (cls != CLASS_NODATA) & (obj == 0)
                    result["removed"] += int(removed.sum())
                    cls[removed] = 0
                    class_pixels += np.bincount(cls.ravel(), minlength=256)
                    dst.write(cls[None], window=Window(0, r0, info.width, r1 - r0))
            else:
                for _, r0, r1, cls, _ in classified_strips(info, thr, rest):
                    class_pixels += np.bincount(cls.ravel(), minlength=256)
                    dst.write(cls[None], window=Window(0, r0, info.width, r1 - r0))
    result["class_pixels"] = {int(c): int(class_pixels[c]) for c in [0] + info.class_ids}
    if not any(result["class_pixels"][c] for c in info.class_ids):
        warn_if_nothing_found(info, thr, mpx, progress)
    result["classes"] = dict(info.classes)
    result["nodata_pixels"] = int(class_pixels[CLASS_NODATA])
    return result
