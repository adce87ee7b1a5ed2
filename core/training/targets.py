"""Training targets built from a label mask: solid expansion, blurred edges, per-pixel loss weights.

Masks here are the *internal* class masks of :mod:`deepfeature.core.training.sampling`: ``uint8`` with 0 for
background, ``1..K`` for the feature classes and :data:`IGNORE` for pixels that must not count (the label
raster's ignore value and image NoData).
"""

from __future__ import annotations

import math

import numpy as np

#: Public loss names (the LOSS parameter), implemented in :mod:`deepfeature.core.training.losses`.
LOSSES = ("cross_entropy", "dice", "kld", "cross_entropy_dice")
#: Internal value of pixels that never contribute to the loss or the metrics.
IGNORE = 255


def schedule_value(epoch: int, epochs: int, start: float, end: float) -> float:
    """Linear interpolation from ``start`` (epoch 0) to ``end`` (last epoch, ``epochs - 1``)."""
    if epochs <= 1:
        return float(start)
    t = min(max(epoch / (epochs - 1), 0.0), 1.0)
    return float(start + (end - start) * t)


def _nearest_feature(mask: np.ndarray):
    """(distance to the nearest feature pixel, class of that pixel) for every pixel, or None."""
    from scipy import ndimage

    feature = (mask > 0) & (mask != IGNORE)
    if not feature.any():
        return None
    dist, (rows, cols) = ndimage.distance_transform_edt(~feature, return_indices=True)
    return dist, mask[rows, cols]


def expand_solid(mask: np.ndarray, distance: float) -> np.ndarray:
    """Grow every feature by ``distance`` pixels (Euclidean) into the background.

    Background pixels within ``distance`` of a feature take the class of the nearest feature pixel;
    ignore pixels stay ignored. ``distance`` 0 returns the mask unchanged. Used for point and line labels
    (a 1-pixel line becomes ``2 * distance + 1`` pixels wide) and to fatten polygons.
    """
    if distance <= 0:
        return mask
    near = _nearest_feature(mask)
    if near is None:
        return mask
    dist, nearest = near
    grow = (mask == 0) & (dist <= distance)
    out = mask.copy()
    out[grow] = nearest[grow]
    return out


def soft_targets(mask: np.ndarray, n_classes: int, blur: float) -> np.ndarray:
    """Per-pixel class probabilities ``(H, W, n_classes + 1)`` (channel 0 = background).

    Features are 1. With ``blur`` > 0, background pixels at distance ``d <= blur`` from a feature get
    ``1 - d / (blur + 1)`` for the nearest feature's class (a soft edge that decays outward) and the rest
    for background. Ignore pixels get all zeros (their loss weight is 0 anyway).
    """
    h, w = mask.shape
    out = np.zeros((h, w, n_classes + 1), np.float32)
    valid = mask != IGNORE
    idx = np.where(valid, mask, 0).astype(np.intp)
    rr, cc = np.nonzero(valid)
    out[rr, cc, idx[rr, cc]] = 1.0
    if blur > 0:
        near = _nearest_feature(mask)
        if near is not None:
            dist, nearest = near
            edge = (mask == 0) & (dist > 0) & (dist <= blur)
            value = (1.0 - dist[edge] / (blur + 1.0)).astype(np.float32)
            er, ec = np.nonzero(edge)
            out[er, ec, nearest[edge].astype(np.intp)] = value
            out[er, ec, 0] = 1.0 - value
    return out


def _maps(mask: np.ndarray, solid: float, blur_cap: float):
    """(mask expanded by ``solid``, float64 distance to the nearest feature or None, its class or None)."""
    mask = expand_solid(mask, solid)
    if blur_cap <= 0:
        return mask, None, None
    near = _nearest_feature(mask)
    if near is None:
        return mask, np.full(mask.shape, np.inf), np.zeros(mask.shape, np.uint8)
    dist, nearest = near
    return mask, dist, nearest


class TargetCoder:
    """Everything the training targets of a pixel depend on, as one integer code per pixel.

    A pixel's ``y_true`` depends only on its (solid-expanded) class, and for background pixels on the
    squared distance to the nearest feature pixel (an integer: distances are between pixel centres) and
    that feature's class. Codes: 0 ignore, ``1..K`` feature classes, then per class ``k`` and squared
    distance ``q`` (``q`` clipped at ``Q``, the first value beyond ``blur_cap``) one background code. The
    code maps are computed once per raster (:func:`target_codes`); the targets of a batch for the epoch's
    blur distance are one gather from :meth:`table`, and flips, rotations and zoom move one array.
    """

    def __init__(self, n_classes: int, blur_cap: float = 0.0):
        self.n_classes = int(n_classes)
        self.blur_cap = float(max(blur_cap, 0.0))
        self.q_far = int(math.floor(self.blur_cap**2)) + 1 if self.blur_cap > 0 else 0
        self.n_codes = 1 + self.n_classes * (self.q_far + 2)
        self.dtype = np.dtype(np.uint16 if self.n_codes <= 65536 else np.uint32)

    def encode(self, mask: np.ndarray, dist: np.ndarray | None = None, nearest: np.ndarray | None = None):
        """Codes of an internal (expanded) mask and, for a blur cap, its distance / nearest-class maps."""
        k = self.n_classes
        lut = np.zeros(256, self.dtype)
        lut[1 : k + 1] = np.arange(1, k + 1)
        lut[0] = k + 1 + self.q_far  # background far from any feature (class 1 bucket)
        lut[IGNORE] = 0
        codes = lut[mask]
        if self.q_far and dist is not None and nearest is not None:
            q = np.minimum(np.rint(np.square(dist, dtype=np.float64)), self.q_far).astype(np.int64)
            cls = np.where(q < self.q_far, np.clip(nearest.astype(np.int64), 1, k), 1)  # far: one code
            background = mask == 0
            codes[background] = (k + 1 + (cls - 1) * (self.q_far + 1) + q)[background]
        return codes

    def table(self, n_outputs: int, blur: float = 0.0, loss_weight: float = 0.0) -> np.ndarray:
        """``(n_codes, n_outputs + 1)`` float32: the targets and the loss weight of every code.

        Features are 1; background pixels at distance ``d <= blur`` get ``1 - d / (blur + 1)`` for the
        nearest feature's class and the rest for background; the weight is 0 for ignore pixels and
        ``1 + loss_weight * feature probability`` elsewhere.
        """
        if blur > self.blur_cap + 1e-9:
            raise ValueError("blur {} is above the coder's cap {}".format(blur, self.blur_cap))
        k, qf = self.n_classes, self.q_far
        probs = np.zeros((self.n_codes, k + 1), np.float32)
        probs[np.arange(1, k + 1), np.arange(1, k + 1)] = 1.0
        bg = np.arange(k + 1, self.n_codes)
        cls = 1 + (bg - k - 1) // (qf + 1)
        q = (bg - k - 1) % (qf + 1)
        d = np.sqrt(q.astype(np.float64))
        soft = (q > 0) & (d <= blur) if blur > 0 else np.zeros(len(bg), bool)
        value = (1.0 - d[soft] / (blur + 1.0)).astype(np.float32)
        probs[bg, 0] = 1.0
        probs[bg[soft], 0] = 1.0 - value
        probs[bg[soft], cls[soft]] = value
        feature = probs[:, 1:].sum(axis=-1)
        weight = (1.0 + float(loss_weight) * feature).astype(np.float32)
        weight[0] = 0.0
        target = probs[:, 1:2] if n_outputs == 1 else probs
        return np.ascontiguousarray(np.concatenate([target, weight[:, None]], axis=-1), np.float32)

    def masks(self, codes: np.ndarray) -> np.ndarray:
        """The internal (expanded) mask of codes: IGNORE, feature classes, 0 for background."""
        lut = np.zeros(self.n_codes, np.uint8)
        lut[0] = IGNORE
        lut[1 : self.n_classes + 1] = np.arange(1, self.n_classes + 1)
        return np.take(lut, codes)


def target_codes(mask: np.ndarray, coder: TargetCoder, solid: float = 0.0, tile: int = 2048) -> np.ndarray:
    """:class:`TargetCoder` codes of a whole internal mask: features expanded by ``solid`` pixels, and
    distances to the nearest feature exact up to the coder's blur cap.

    Large masks are done by tiles with a halo of ``solid + blur cap`` pixels: the same codes with bounded
    memory (farther features cannot change expansion or distances up to the cap).
    """
    h, w = mask.shape
    if solid <= 0 and coder.blur_cap <= 0:
        return coder.encode(mask)
    halo = target_margin(solid, coder.blur_cap) + 1
    if h <= tile + 2 * halo and w <= tile + 2 * halo:
        return coder.encode(*_maps(mask, solid, coder.blur_cap))
    codes = np.empty((h, w), coder.dtype)
    for r in range(0, h, tile):
        for c in range(0, w, tile):
            r0, c0 = max(r - halo, 0), max(c - halo, 0)
            r1, c1 = min(r + tile + halo, h), min(c + tile + halo, w)
            inner = (slice(r - r0, min(r + tile, h) - r0), slice(c - c0, min(c + tile, w) - c0))
            maps = _maps(mask[r0:r1, c0:c1], solid, coder.blur_cap)
            codes[r : r + tile, c : c + tile] = coder.encode(*(None if a is None else a[inner] for a in maps))
    return codes


def make_targets(
    mask: np.ndarray,
    n_classes: int,
    n_outputs: int,
    solid: float = 0.0,
    blur: float = 0.0,
    loss_weight: float = 0.0,
) -> np.ndarray:
    """The ``y_true`` array of one patch: ``(H, W, n_outputs + 1)`` float32.

    The first ``n_outputs`` channels are the targets (one sigmoid channel for a single feature class,
    else background + K softmax channels), the last channel the per-pixel loss weight:
    0 for ignore pixels, ``1 + loss_weight * feature_probability`` elsewhere.
    """
    coder = TargetCoder(n_classes, blur)
    return np.take(coder.table(n_outputs, blur, loss_weight), target_codes(mask, coder, solid), axis=0)


def target_margin(solid: float, blur: float) -> int:
    """Pixels to read around a patch so that expansion/blur from features just outside it is right."""
    return int(math.ceil(max(solid, 0.0) + max(blur, 0.0)))
