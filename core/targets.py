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


def target_maps(
    mask: np.ndarray, solid: float = 0.0, blur_cap: float = 0.0, tile: int = 2048
) -> tuple[np.ndarray, np.ndarray | None, np.ndarray | None]:
    """Everything the targets need that does not change between epochs, for a whole mask.

    Returns ``(solid mask, distance, nearest class)``: the mask expanded by ``solid`` pixels (the mask
    itself when ``solid`` is 0), and for ``blur_cap`` > 0 the Euclidean distance (float32) of every pixel
    to the nearest feature pixel of the expanded mask and that pixel's class (uint8); else ``None, None``.
    Distances are exact up to ``blur_cap`` (larger ones are only known to be larger), so the maps of a
    raster serve every blur distance of a run up to ``blur_cap``. Large masks are done by tiles with a halo
    of ``solid + blur_cap`` pixels (same result, bounded memory).
    """
    h, w = mask.shape
    halo = target_margin(solid, blur_cap) + 1
    if h <= tile + 2 * halo and w <= tile + 2 * halo:
        return _maps(mask, solid, blur_cap)
    solid_mask = mask.copy() if solid > 0 else mask
    dist = np.full((h, w), np.inf, np.float32) if blur_cap > 0 else None
    near = np.zeros((h, w), np.uint8) if blur_cap > 0 else None
    for r in range(0, h, tile):
        for c in range(0, w, tile):
            r0, c0 = max(r - halo, 0), max(c - halo, 0)
            r1, c1 = min(r + tile + halo, h), min(c + tile + halo, w)
            m, d, n = _maps(mask[r0:r1, c0:c1], solid, blur_cap)
            inner = (slice(r - r0, r - r0 + min(tile, h - r)), slice(c - c0, c - c0 + min(tile, w - c)))
            out = (slice(r, r + tile), slice(c, c + tile))
            if solid > 0:
                solid_mask[out] = m[inner]
            if d is not None:
                dist[out], near[out] = d[inner], n[inner]
    return solid_mask, dist, near


def _maps(mask: np.ndarray, solid: float, blur_cap: float):
    mask = expand_solid(mask, solid)
    if blur_cap <= 0:
        return mask, None, None
    near = _nearest_feature(mask)
    if near is None:
        return mask, np.full(mask.shape, np.inf, np.float32), np.zeros(mask.shape, np.uint8)
    dist, nearest = near
    return mask, dist.astype(np.float32), np.where(nearest == IGNORE, 0, nearest).astype(np.uint8)


def targets_from_maps(
    mask: np.ndarray,
    dist: np.ndarray | None,
    nearest: np.ndarray | None,
    n_classes: int,
    n_outputs: int,
    blur: float = 0.0,
    loss_weight: float = 0.0,
) -> np.ndarray:
    """``y_true`` from :func:`target_maps` output, for one mask ``(H, W)`` or a batch ``(N, H, W)``.

    Returns ``(..., n_outputs + 1)`` float32: the targets (one sigmoid channel for a single feature class,
    else background + K softmax channels) and the per-pixel loss weight (0 for ignore pixels,
    ``1 + loss_weight * feature probability`` elsewhere). Features are 1; with ``blur`` > 0 background
    pixels at distance ``d <= blur`` from a feature get ``1 - d / (blur + 1)`` for the nearest feature's
    class and the rest for background (see :func:`soft_targets`).
    """
    out = np.zeros(mask.shape + (n_outputs + 1,), np.float32)
    valid = mask != IGNORE
    feature = np.zeros(mask.shape, np.float32)
    np.greater(mask, 0, out=feature, where=valid)
    edge = value = None
    if blur > 0 and dist is not None and nearest is not None:
        edge = (mask == 0) & (dist <= blur)
        if edge.any():
            value = (1.0 - dist[edge].astype(np.float64) / (blur + 1.0)).astype(np.float32)
        else:
            edge = None
    if n_outputs == 1:
        out[..., 0] = feature
        if edge is not None:
            out[..., 0][edge] = value
    else:
        for k in range(n_classes + 1):
            np.equal(mask, k, out=out[..., k], where=valid)
        if edge is not None:
            where = np.nonzero(edge)
            out[where + (0,)] = 1.0 - value
            out[where + (nearest[edge].astype(np.intp),)] = value
    if edge is not None:
        feature[edge] = value
    weight = out[..., n_outputs]
    np.multiply(feature, float(loss_weight), out=weight)
    weight += 1.0
    weight[~valid] = 0.0
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
    m, dist, nearest = target_maps(mask, solid, blur)
    return targets_from_maps(m, dist, nearest, n_classes, n_outputs, blur, loss_weight)


def target_margin(solid: float, blur: float) -> int:
    """Pixels to read around a patch so that expansion/blur from features just outside it is right."""
    return int(math.ceil(max(solid, 0.0) + max(blur, 0.0)))
