"""Training targets built from a label mask: solid expansion, blurred edges, per-pixel loss weights.

Masks here are the *internal* class masks of :mod:`deepfeature.core.sampling`: ``uint8`` with 0 for
background, ``1..K`` for the feature classes and :data:`IGNORE` for pixels that must not count (the label
raster's ignore value and image NoData).
"""

from __future__ import annotations

import math

import numpy as np

#: Public loss names (the LOSS parameter), implemented in :mod:`deepfeature.core.losses`.
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
    mask = expand_solid(mask, solid)
    probs = soft_targets(mask, n_classes, blur)
    valid = mask != IGNORE
    feature = probs[..., 1:].sum(axis=-1)
    weight = np.where(valid, 1.0 + float(loss_weight) * feature, 0.0).astype(np.float32)
    target = probs[..., 1:2] if n_outputs == 1 else probs
    return np.concatenate([target, weight[..., None]], axis=-1).astype(np.float32)


def target_margin(solid: float, blur: float) -> int:
    """Pixels to read around a patch so that expansion/blur from features just outside it is right."""
    return int(math.ceil(max(solid, 0.0) + max(blur, 0.0)))
