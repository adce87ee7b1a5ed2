"""Keras losses with per-pixel weights, and the learning-rate schedule (backend-agnostic, ``keras.ops``).

``y_true`` carries the targets plus one extra last channel with the per-pixel loss weight (0 for ignore
and NoData pixels, ``1 + LOSS_WEIGHT * feature`` elsewhere, see ``targets.make_targets``);
``y_pred`` holds probabilities (one sigmoid channel, or background + K softmax channels).

This module imports keras at import time: import it only where keras is known to be installed.
"""

from __future__ import annotations

import keras
from keras import ops

from .targets import LOSSES

_EPS = 1e-7


def _split(y_true, y_pred):
    y_pred = ops.cast(y_pred, "float32")
    y_true = ops.cast(y_true, "float32")
    channels = ops.shape(y_pred)[-1]
    target = y_true[..., :channels]
    weight = y_true[..., channels]
    return target, ops.clip(y_pred, _EPS, 1.0 - _EPS), weight


def _weighted_mean(values, weight):
    return ops.sum(values * weight) / ops.maximum(ops.sum(weight), _EPS)


def cross_entropy(target, prob, weight, binary: bool):
    """Weighted mean (binary or categorical) cross-entropy."""
    if binary:
        ce = -(target * ops.log(prob) + (1.0 - target) * ops.log(1.0 - prob))
        ce = ops.sum(ce, axis=-1)
    else:
        ce = -ops.sum(target * ops.log(prob), axis=-1)
    return _weighted_mean(ce, weight)


def kld(target, prob, weight, binary: bool):
    """Weighted mean Kullback-Leibler divergence KL(target || prediction)."""
    t = ops.clip(target, _EPS, 1.0)
    kl = target * ops.log(t / prob)
    if binary:
        t0 = ops.clip(1.0 - target, _EPS, 1.0)
        kl = kl + (1.0 - target) * ops.log(t0 / (1.0 - prob))
    return _weighted_mean(ops.sum(kl, axis=-1), weight)


def dice(target, prob, weight, binary: bool, smooth: float = 1.0):
    """1 - mean soft Dice over the feature channels (background excluded), weighted per pixel."""
    if not binary:
        target, prob = target[..., 1:], prob[..., 1:]
    w = ops.expand_dims(weight, -1)
    axes = tuple(range(len(prob.shape) - 1))
    inter = ops.sum(w * target * prob, axis=axes)
    denom = ops.sum(w * target, axis=axes) + ops.sum(w * prob, axis=axes)
    score = (2.0 * inter + smooth) / (denom + smooth)
    return 1.0 - ops.mean(score)


@keras.saving.register_keras_serializable(package="deepfeature")
class WeightedSegmentationLoss(keras.losses.Loss):
    """One of :data:`LOSSES`, with the per-pixel weight packed as the last channel of ``y_true``."""

    def __init__(self, kind: str = "cross_entropy", smooth: float = 1.0, name: str | None = None, **kwargs):
        if kind not in LOSSES:
            raise ValueError("Unknown loss '{}'; use one of {}.".format(kind, ", ".join(LOSSES)))
        kwargs.pop("reduction", None)
        super().__init__(name=name or "deepfeature_" + kind, reduction="sum_over_batch_size", **kwargs)
        self.kind = kind
        self.smooth = float(smooth)

    def call(self, y_true, y_pred):
        target, prob, weight = _split(y_true, y_pred)
        binary = prob.shape[-1] == 1
        if self.kind == "cross_entropy":
            return cross_entropy(target, prob, weight, binary)
        if self.kind == "kld":
            return kld(target, prob, weight, binary)
        if self.kind == "dice":
            return dice(target, prob, weight, binary, self.smooth)
        return cross_entropy(target, prob, weight, binary) + dice(target, prob, weight, binary, self.smooth)

    def get_config(self):
        config = super().get_config()
        config.update(kind=self.kind, smooth=self.smooth)
        return config


@keras.saving.register_keras_serializable(package="deepfeature")
class WarmupExponentialDecay(keras.optimizers.schedules.LearningRateSchedule):
    """Linear ramp-up over ``warmup_steps``, then exponential decay to ``final_fraction`` at ``total_steps``.

    A pure function of the step number, so a resumed run follows the same schedule.
    """

    def __init__(
        self, learning_rate: float, warmup_steps: int, total_steps: int, final_fraction: float = 0.05
    ):
        self.learning_rate = float(learning_rate)
        self.warmup_steps = max(int(warmup_steps), 1)
        self.total_steps = max(int(total_steps), self.warmup_steps + 1)
        self.final_fraction = float(final_fraction)

    def value(self, step: int) -> float:
        """The learning rate at ``step`` as a Python float (for reports and tests)."""
        if step < self.warmup_steps:
            return self.learning_rate * (step + 1) / self.warmup_steps
        span = self.total_steps - self.warmup_steps
        frac = min((step - self.warmup_steps) / span, 1.0)
        return self.learning_rate * self.final_fraction**frac

    def __call__(self, step):
        step = ops.cast(step, "float32")
        ramp = self.learning_rate * (step + 1.0) / float(self.warmup_steps)
        span = float(self.total_steps - self.warmup_steps)
        frac = ops.clip((step - float(self.warmup_steps)) / span, 0.0, 1.0)
        decay = self.learning_rate * ops.power(self.final_fraction, frac)
        return ops.where(step < float(self.warmup_steps), ramp, decay)

    def get_config(self):
        return dict(
            learning_rate=self.learning_rate,
            warmup_steps=self.warmup_steps,
            total_steps=self.total_steps,
            final_fraction=self.final_fraction,
        )
