"""Objects of an activation raster: the 4-connected components of each class, labelled per strip and
joined across strip borders with a graph (``scipy.sparse.csgraph``), which gives per-object pixel counts,
activation statistics, centroids and bounding boxes for the whole raster; a second pass gives the object
ids of each strip.

Objects use 4-connectivity everywhere so that one object is exactly one valid polygon.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Callable, Iterator

from ..activation_format import ActivationInfo
from ..progress import Progress, ensure
from .activation_strips import classified_strips

#: Where objects go as features: ``sink(wkb, attributes)``.
Sink = Callable[[bytes, dict], None]
#: Per-strip statistics of the strip labels gathered by the first pass.
_STATISTICS = ("cls", "pix", "sum", "max", "rsum", "csum", "rmin", "rmax", "cmin", "cmax", "srow", "scol")


@dataclass
class Objects:
    """Per-object statistics for a whole raster; object ids are ``1..count`` in raster scan order."""

    class_id: object  # numpy arrays, one entry per object
    pixels: object
    act_sum: object
    act_max: object
    row_sum: object
    col_sum: object
    rmin: object
    rmax: object
    cmin: object
    cmax: object
    seed_row: object
    seed_col: object
    label_to_object: object  # global strip label -> object id (0: none or removed)
    offsets: list = field(default_factory=list)
    threshold: float = 0.5

    @property
    def count(self) -> int:
        """Number of objects."""
        return int(len(self.class_id))


def _label_strip(cls, class_ids: list[int]):
    """4-connected labels of each class in a strip: ``(labels int32, class of each label)``."""
    import numpy as np
    from scipy import ndimage

    labels = np.zeros(cls.shape, dtype=np.int32)
    label_class: list[int] = []
    n = 0
    for c in class_ids:
        sel = cls == c
        if not sel.any():
            continue
        lab, k = ndimage.label(sel)
        labels[sel] = lab[sel] + n
        label_class += [c] * k
        n += k
    return labels, label_class


def _strip_statistics(cols: dict, labels, label_class: list[int], r0: int, score) -> None:
    """Append the statistics of the ``len(label_class)`` labels of one strip (first row ``r0``) to
    ``cols``."""
    import numpy as np
    from scipy import ndimage

    n = len(label_class)
    height, width = labels.shape
    idx = np.arange(1, n + 1)
    flat = labels.ravel()
    rows = np.repeat(np.arange(r0, r0 + height, dtype=np.float64), width)
    colsx = np.tile(np.arange(width, dtype=np.float64), height)
    pix = np.bincount(flat, minlength=n + 1)[1:]
    cols["cls"].append(np.asarray(label_class, dtype=np.int32))
    cols["pix"].append(pix.astype(np.int64))
    cols["sum"].append(np.bincount(flat, weights=score.ravel(), minlength=n + 1)[1:])
    cols["max"].append(np.asarray(ndimage.maximum(score, labels, idx), dtype=np.float64))
    cols["rsum"].append(np.bincount(flat, weights=rows, minlength=n + 1)[1:])
    cols["csum"].append(np.bincount(flat, weights=colsx, minlength=n + 1)[1:])
    boxes = ndimage.find_objects(labels, n)
    b = np.array([[s[0].start, s[0].stop - 1, s[1].start, s[1].stop - 1] for s in boxes])
    cols["rmin"].append(b[:, 0] + r0)
    cols["rmax"].append(b[:, 1] + r0)
    cols["cmin"].append(b[:, 2])
    cols["cmax"].append(b[:, 3])
    # The first row of each box holds a pixel of the label: its seed.
    seed_c = [c0 + int(np.argmax(labels[r, c0:c1 + 1] == j))
              for j, (r, _, c0, c1) in enumerate(b.tolist(), start=1)]
    cols["srow"].append(b[:, 0] + r0)
    cols["scol"].append(np.asarray(seed_c, dtype=np.int64))


def _label_strips(info: ActivationInfo, threshold: float, progress: Progress):
    """First pass: label every strip. Returns ``(statistics per key, label pairs joined across strip
    borders (a, b), label offset of each strip, label count)``; labels are global, 1-based."""
    import numpy as np

    cols: dict[str, list] = {k: [] for k in _STATISTICS}
    pairs_a, pairs_b, offsets = [], [], []
    total = 0
    prev_row = prev_cls = None
    for _, r0, _, cls, score in classified_strips(info, threshold, progress):
        labels, label_class = _label_strip(cls, info.class_ids)
        offsets.append(total)
        if label_class:
            _strip_statistics(cols, labels, label_class, r0, score)
        glob = np.where(labels > 0, labels + total, 0)
        if prev_row is not None:
            top = glob[0]
            join = (prev_row > 0) & (top > 0) & (prev_cls == cls[0])
            if join.any():
                pairs_a.append(prev_row[join])
                pairs_b.append(top[join])
        prev_row, prev_cls = glob[-1].copy(), cls[-1].copy()
        total += len(label_class)
    return cols, (pairs_a, pairs_b), offsets, total


def _components(pairs: tuple[list, list], total: int):
    """The component (0-based) of each of the ``total`` labels, joined by the label ``pairs``."""
    import numpy as np
    from scipy.sparse import coo_matrix
    from scipy.sparse.csgraph import connected_components

    if not total:
        return np.zeros(0, dtype=np.int64)
    pairs_a, pairs_b = pairs
    a = np.concatenate(pairs_a) if pairs_a else np.zeros(0, dtype=np.int64)
    b = np.concatenate(pairs_b) if pairs_b else np.zeros(0, dtype=np.int64)
    graph = coo_matrix((np.ones(len(a), dtype=np.int8), (a - 1, b - 1)), shape=(total, total))
    _, comp = connected_components(graph, directed=False)
    return comp


def find_objects(
    info: ActivationInfo, threshold: float, min_pixel_count: int = 0, progress: Progress | None = None
) -> Objects:
    """Label the objects of the whole raster (first pass) and gather their statistics."""
    import numpy as np

    progress = ensure(progress)
    cols, pairs, offsets, total = _label_strips(info, threshold, progress)

    def cat(key, dtype):
        return np.concatenate(cols[key]).astype(dtype) if cols[key] else np.zeros(0, dtype=dtype)

    cls_l, pix_l = cat("cls", np.int32), cat("pix", np.int64)
    comp = _components(pairs, total)
    ncomp = int(comp.max()) + 1 if total else 0
    pix = np.bincount(comp, weights=pix_l, minlength=ncomp)
    keep = pix >= max(min_pixel_count, 1)
    # Object ids in order of each component's first label (raster scan order).
    first_label = np.full(ncomp, np.iinfo(np.int64).max, dtype=np.int64)
    np.minimum.at(first_label, comp, np.arange(total, dtype=np.int64))
    kept = np.flatnonzero(keep)
    kept = kept[np.argsort(first_label[kept], kind="stable")]
    comp_to_obj = np.zeros(ncomp, dtype=np.int64)
    comp_to_obj[kept] = np.arange(1, len(kept) + 1)
    label_to_object = np.concatenate([[0], comp_to_obj[comp]]).astype(np.int64)

    def agg(values, how):
        out = np.zeros(ncomp, dtype=np.float64)
        if how == "sum":
            out = np.bincount(comp, weights=values, minlength=ncomp)
        elif how == "max":
            out[:] = -np.inf
            np.maximum.at(out, comp, values)
        else:
            out[:] = np.inf
            np.minimum.at(out, comp, values)
        return out[kept]

    first = first_label[kept]
    return Objects(
        class_id=cls_l[first] if total else cls_l,
        pixels=agg(pix_l, "sum").astype(np.int64),
        act_sum=agg(cat("sum", np.float64), "sum"),
        act_max=agg(cat("max", np.float64), "max"),
        row_sum=agg(cat("rsum", np.float64), "sum"),
        col_sum=agg(cat("csum", np.float64), "sum"),
        rmin=agg(cat("rmin", np.float64), "min").astype(np.int64),
        rmax=agg(cat("rmax", np.float64), "max").astype(np.int64),
        cmin=agg(cat("cmin", np.float64), "min").astype(np.int64),
        cmax=agg(cat("cmax", np.float64), "max").astype(np.int64),
        seed_row=cat("srow", np.int64)[first] if total else np.zeros(0, dtype=np.int64),
        seed_col=cat("scol", np.int64)[first] if total else np.zeros(0, dtype=np.int64),
        label_to_object=label_to_object,
        offsets=offsets,
        threshold=threshold,
    )


def object_strips(info: ActivationInfo, objects: Objects, progress: Progress) -> Iterator:
    """Second pass: yield ``(r0, r1, object ids int32 (h, w), class uint8 (h, w))`` per strip."""
    import numpy as np

    for i, r0, r1, cls, _ in classified_strips(info, objects.threshold, progress, check_range=False):
        yield r0, r1, strip_object_ids(info, objects, i, cls).astype(np.int32), cls


def strip_object_ids(info: ActivationInfo, objects: Objects, i: int, cls):
    """Object ids (1..count, 0 none) of the pixels of strip ``i`` from its classes ``cls``: the strip
    labelled again as in the first pass, its labels mapped to their objects."""
    import numpy as np

    labels, _ = _label_strip(cls, info.class_ids)
    return objects.label_to_object[np.where(labels > 0, labels + objects.offsets[i], 0)]


def object_attributes(info: ActivationInfo, objects: Objects, k: int) -> dict:
    """Attributes of object ``k`` (0-based)."""
    cid = int(objects.class_id[k])
    pixels = int(objects.pixels[k])
    return {
        "class_id": cid,
        "class_name": info.classes.get(cid, str(cid)),
        "pixels": pixels,
        "area": pixels * info.pixel_area,
        "mean_activation": float(objects.act_sum[k] / max(pixels, 1)),
        "max_activation": float(objects.act_max[k]),
    }
