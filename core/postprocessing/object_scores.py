"""Object-level and boundary-tolerant scores of an evaluation, accumulated strip by strip.

- **Object scores** (the SpaceNet metric): the objects are the 4-connected components of each feature
  class, in the prediction and in the reference. A predicted object and a reference object of the same
  class match when their IoU is at least ``iou_threshold`` (0.5), each object matching one object at most,
  assigned greedily, highest IoU first. At 0.5 or more a match is one-to-one by itself: two objects with
  an IoU of 0.5 or more with the same object would each hold half of it, so together all of it, and would
  touch, that is be one object. Matched objects are true positives, unmatched predicted objects false
  positives, unmatched reference objects false negatives.
- **Relaxed scores** (Mnih 2013, used for the Massachusetts buildings data): relaxed precision is the share
  of predicted feature pixels within ``tolerance`` pixels (Euclidean) of a reference pixel of their class,
  relaxed recall the share of reference feature pixels within ``tolerance`` pixels of a predicted pixel of
  their class.

Both take the strips of a raster in order (:meth:`ObjectScores.add`, :meth:`RelaxedScores.add`): class ids
(uint8), 0 where background or excluded (ignore, NoData). Objects are labelled per strip (as in
:mod:`.objects`) and joined across strip borders with a graph; the overlaps of predicted and reference
objects are counted per strip (``np.unique`` of the paired labels) and summed. Relaxed scores hold
``tolerance`` rows of halo on each side of the rows they score. Memory grows with the number of objects,
not with the raster.

The overall figures pool the counts of all feature classes (objects or pixels of every class together).
"""

from __future__ import annotations

from typing import Mapping

from .objects import _components, _label_strip

#: A predicted and a reference object match at this IoU or more.
DEFAULT_IOU_THRESHOLD = 0.5
#: Pixels of slack of the relaxed scores.
DEFAULT_TOLERANCE = 3
#: Class ids 1..254 are feature classes (0 background, 255 NoData / ignore).
_N = 256


def _ratio(a: float, b: float) -> float | None:
    return float(a) / float(b) if b else None


def _f1(precision: float | None, recall: float | None) -> float | None:
    if precision is None or recall is None:
        return None
    return 2 * precision * recall / (precision + recall) if precision + recall else 0.0


def _feature_classes(*blocks) -> list[int]:
    """The feature class ids (1..254) present in any of ``blocks``."""
    import numpy as np

    ids = set()
    for block in blocks:
        ids.update(np.unique(block).tolist())
    return sorted(i for i in ids if 0 < i < _N - 1)


class StripObjects:
    """The 4-connected objects of each class of one side, labelled strip by strip: pixel count and class
    of every strip label (global ids ``1..total``) and the label pairs that touch across strip borders."""

    def __init__(self):
        self.total = 0
        self.pixels: list = []
        self.classes: list = []
        self.pairs: tuple[list, list] = ([], [])
        self._last_row = self._last_cls = None

    def add(self, cls):
        """Label the strip ``cls``; return its labels (int32, local ``1..n``) and their global offset."""
        import numpy as np

        labels, label_class = _label_strip(cls, _feature_classes(cls))
        offset, n = self.total, len(label_class)
        if n:
            self.pixels.append(np.bincount(labels.ravel(), minlength=n + 1)[1:])
            self.classes.append(np.asarray(label_class, dtype=np.int64))
        glob = np.where(labels > 0, labels.astype(np.int64) + offset, 0)
        if self._last_row is not None:
            join = (self._last_row > 0) & (glob[0] > 0) & (self._last_cls == cls[0])
            if join.any():
                pair = np.unique(np.stack([self._last_row[join], glob[0][join]]), axis=1)
                self.pairs[0].append(pair[0])
                self.pairs[1].append(pair[1])
        self._last_row, self._last_cls = glob[-1].copy(), cls[-1].copy()
        self.total += n
        return labels, offset

    def objects(self):
        """``(object of each label (0-based), pixels of each object, class of each object)``."""
        import numpy as np

        comp = _components(self.pairs, self.total)
        count = int(comp.max()) + 1 if self.total else 0
        pixels = np.concatenate(self.pixels) if self.pixels else np.zeros(0, dtype=np.int64)
        classes = np.concatenate(self.classes) if self.classes else np.zeros(0, dtype=np.int64)
        obj_pixels = np.bincount(comp, weights=pixels, minlength=count).astype(np.int64)
        obj_class = np.zeros(count, dtype=np.int64)
        obj_class[comp] = classes
        return comp, obj_pixels, obj_class


class ObjectScores:
    """Object precision, recall and F1 with one-to-one matching at IoU >= ``iou_threshold``."""

    def __init__(self, iou_threshold: float = DEFAULT_IOU_THRESHOLD):
        self.iou_threshold = float(iou_threshold)
        self._pred, self._ref = StripObjects(), StripObjects()
        self._overlaps: list = []  # (global pred label, global ref label, pixels) per strip

    def add(self, pred, ref) -> None:
        """Add the next strip: class ids of the prediction and the reference (0 background/excluded)."""
        import numpy as np

        pl, p0 = self._pred.add(pred)
        rl, r0 = self._ref.add(ref)
        both = (pred == ref) & (pl > 0) & (rl > 0)
        if both.any():
            base = int(rl.max()) + 1
            keys, counts = np.unique(pl[both].astype(np.int64) * base + rl[both], return_counts=True)
            self._overlaps.append(np.stack([keys // base + p0, keys % base + r0, counts]))

    def _matches(self):
        """Matched ``(pred object, ref object)`` index arrays, and the objects of both sides."""
        import numpy as np

        p_comp, p_pix, p_cls = self._pred.objects()
        r_comp, r_pix, r_cls = self._ref.objects()
        none = np.zeros(0, dtype=np.int64)
        if not self._overlaps or not len(p_pix) or not len(r_pix):
            return (none, none), (p_pix, p_cls), (r_pix, r_cls)
        ov = np.concatenate(self._overlaps, axis=1)
        key = p_comp[ov[0] - 1].astype(np.int64) * len(r_pix) + r_comp[ov[1] - 1]
        keys, inverse = np.unique(key, return_inverse=True)
        inter = np.bincount(inverse.ravel(), weights=ov[2]).astype(np.int64)
        po, ro = keys // len(r_pix), keys % len(r_pix)
        iou = inter / (p_pix[po] + r_pix[ro] - inter)
        cand = np.flatnonzero(iou >= self.iou_threshold)
        cand = cand[np.lexsort((ro[cand], po[cand], -iou[cand]))]
        # At IoU >= 0.5 a pair is one-to-one by necessity (see the module's docstring); pairs below that
        # (a lower threshold) are assigned greedily in order of IoU.
        sure = cand[iou[cand] >= 0.5]
        used_p = np.zeros(len(p_pix), dtype=bool)
        used_r = np.zeros(len(r_pix), dtype=bool)
        used_p[po[sure]] = used_r[ro[sure]] = True
        match_p, match_r = [po[sure]], [ro[sure]]
        for k in cand[iou[cand] < 0.5].tolist():
            a, b = po[k], ro[k]
            if not used_p[a] and not used_r[b]:
                used_p[a] = used_r[b] = True
                match_p.append(np.array([a]))
                match_r.append(np.array([b]))
        return (np.concatenate(match_p), np.concatenate(match_r)), (p_pix, p_cls), (r_pix, r_cls)

    def result(self, names: Mapping[int, str]) -> dict:
        """Overall (all classes pooled) and per-class counts and scores for the classes ``names``."""
        import numpy as np

        (match_p, _), (_, p_cls), (_, r_cls) = self._matches()
        n_ref = np.bincount(r_cls, minlength=_N)
        n_pred = np.bincount(p_cls, minlength=_N)
        n_tp = np.bincount(p_cls[match_p], minlength=_N)
        ids = sorted(set(names) | set(np.flatnonzero(n_ref + n_pred).tolist()))
        per_class = [dict(id=c, name=names.get(c, "class {}".format(c)),
                          **_object_counts(int(n_ref[c]), int(n_pred[c]), int(n_tp[c])))
                     for c in ids if 0 < c < _N - 1]
        overall = _object_counts(*(sum(m[k] for m in per_class)
                                   for k in ("reference_objects", "predicted_objects", "tp")))
        return dict(iou_threshold=self.iou_threshold, **overall, classes=per_class)


def _object_counts(reference: int, predicted: int, tp: int) -> dict:
    return {
        "reference_objects": reference, "predicted_objects": predicted, "tp": tp,
        "fp": predicted - tp, "fn": reference - tp,
        "precision": _ratio(tp, predicted), "recall": _ratio(tp, reference),
        "f1": _ratio(2 * tp, predicted + reference),
    }


class RelaxedScores:
    """Relaxed precision, recall and F1 with a tolerance of ``tolerance`` pixels (Euclidean distance),
    over a raster of ``height`` rows given strip by strip."""

    def __init__(self, tolerance: int, height: int):
        import numpy as np

        self.tolerance, self.height = int(tolerance), int(height)
        self._pred = self._ref = None  # buffered rows [_start, _fed)
        self._start = self._fed = self._done = 0
        self.counts = {k: np.zeros(_N, dtype=np.int64) for k in (
            "predicted_pixels", "predicted_near_reference", "reference_pixels", "reference_near_prediction")}

    def add(self, pred, ref) -> None:
        """Add the next strip of class ids (0 background/excluded); score the rows whose halo is in."""
        import numpy as np

        if self._pred is None:
            self._pred, self._ref = pred.copy(), ref.copy()
        else:
            self._pred = np.concatenate([self._pred, pred])
            self._ref = np.concatenate([self._ref, ref])
        self._fed += len(pred)
        end = self._fed if self._fed >= self.height else self._fed - self.tolerance
        if end > self._done:
            self._score(self._done, end)
            self._done = end
            keep = max(self._start, end - self.tolerance)
            self._pred, self._ref = self._pred[keep - self._start:], self._ref[keep - self._start:]
            self._start = keep

    def _score(self, r0: int, r1: int) -> None:
        """Count rows ``r0..r1`` (the buffer holds their halo)."""
        core = slice(r0 - self._start, r1 - self._start)
        for c in _feature_classes(self._pred[core], self._ref[core]):
            pred, ref = self._pred == c, self._ref == c
            p_core, r_core = pred[core], ref[core]
            self.counts["predicted_pixels"][c] += int(p_core.sum())
            self.counts["reference_pixels"][c] += int(r_core.sum())
            self.counts["predicted_near_reference"][c] += int((p_core & self._near(ref, core)).sum())
            self.counts["reference_near_prediction"][c] += int((r_core & self._near(pred, core)).sum())

    def _near(self, mask, core: slice):
        """Pixels of the ``core`` rows within ``tolerance`` pixels of a True pixel of ``mask``."""
        from scipy import ndimage

        if self.tolerance == 0 or not mask.any():
            return mask[core]
        return ndimage.distance_transform_edt(~mask)[core] <= self.tolerance

    def result(self, names: Mapping[int, str]) -> dict:
        """Overall (all classes pooled) and per-class counts and scores for the classes ``names``."""
        import numpy as np

        seen = self.counts["predicted_pixels"] + self.counts["reference_pixels"]
        ids = sorted(set(names) | set(np.flatnonzero(seen).tolist()))
        per_class = [dict(id=c, name=names.get(c, "class {}".format(c)),
                          **_relaxed_counts(*(int(v[c]) for v in self.counts.values())))
                     for c in ids if 0 < c < _N - 1]
        overall = _relaxed_counts(*(int(v[1:_N - 1].sum()) for v in self.counts.values()))
        return dict(tolerance=self.tolerance, **overall, classes=per_class)


def _relaxed_counts(predicted: int, predicted_near: int, reference: int, reference_near: int) -> dict:
    precision, recall = _ratio(predicted_near, predicted), _ratio(reference_near, reference)
    return {
        "predicted_pixels": predicted, "predicted_near_reference": predicted_near,
        "reference_pixels": reference, "reference_near_prediction": reference_near,
        "precision": precision, "recall": recall, "f1": _f1(precision, recall),
    }
