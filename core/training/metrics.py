"""Metrics of a training run: confusion matrices and IoU per class (ignore and NoData pixels excluded), and
the evaluation pass over in-memory patches (validation and the fixed training patches)."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from .targets import IGNORE


def confusion(pred: np.ndarray, truth: np.ndarray, n: int) -> np.ndarray:
    """``n x n`` confusion matrix (rows truth, cols prediction) over pixels whose truth is not IGNORE."""
    valid = truth != IGNORE
    key = truth[valid].astype(np.int64) * n + pred[valid].astype(np.int64)
    return np.bincount(key, minlength=n * n).reshape(n, n)


def iou_per_class(matrix: np.ndarray) -> list[float]:
    """IoU of each class of a confusion matrix (rows truth); NaN (undefined) for a class absent from the
    truth, which would otherwise score 0 for any false positive and drag the mean down."""
    tp = np.diag(matrix).astype(np.float64)
    denom = matrix.sum(0) + matrix.sum(1) - tp
    with np.errstate(invalid="ignore", divide="ignore"):
        iou = np.where(denom > 0, tp / np.maximum(denom, 1), np.nan)
    return [float(v) for v in np.where(matrix.sum(1) > 0, iou, np.nan)]


def predicted_classes(prob: np.ndarray) -> np.ndarray:
    """Class index per pixel: sigmoid >= 0.5 -> 1, else argmax."""
    if prob.shape[-1] == 1:
        return (prob[..., 0] >= 0.5).astype(np.uint8)
    return np.argmax(prob, axis=-1).astype(np.uint8)


@dataclass
class Patches:
    """Patches held in memory to evaluate the model on: images, their training targets (``None``: no loss
    is computed) and their hard class masks."""

    x: np.ndarray
    y: np.ndarray | None
    masks: np.ndarray


def evaluate(keras, model, loss_fn, patches: Patches, batch: int, n_outputs: int, canceled=lambda: False):
    """(loss, IoU per class incl. background) on ``patches``; the loss is ``None`` without targets. ``None``
    when ``canceled()`` turns true (asked before every batch, so that a cancel is honoured within one
    batch)."""
    x, y, masks, with_loss = patches.x, patches.y, patches.masks, patches.y is not None
    n = max(n_outputs, 2)
    matrix = np.zeros((n, n), np.int64)
    losses, weights = [], []
    for i in range(0, len(x), max(batch, 8)):
        if canceled():
            return None
        prob = np.asarray(model.predict_on_batch(x[i : i + max(batch, 8)]), dtype=np.float32)
        matrix += confusion(predicted_classes(prob), masks[i : i + max(batch, 8)], n)
        if with_loss:
            yb = y[i : i + max(batch, 8)]
            losses.append(float(keras.ops.convert_to_numpy(loss_fn(yb, prob))))
            weights.append(float(yb[..., -1].sum()))
    loss = float(np.average(losses, weights=weights)) if with_loss and sum(weights) > 0 else None
    return loss, iou_per_class(matrix)
