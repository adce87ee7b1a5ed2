"""Training batches: patch windows turned into ``(x, y)`` batches, and one epoch's batches as a Keras
``PyDataset`` whose batches are a pure function of ``(seed, epoch, batch index)`` whatever the worker
threads' order."""

from __future__ import annotations

import math
import os
from dataclasses import dataclass

import numpy as np

from .config import TrainConfig


class BatchMaker:
    """Turns patch windows into ``(x, y)`` batches; a pure function of its arguments (thread-safe).

    The work is numpy on whole patches and batches (:func:`.augmentation.sample_batch`, then
    one gather of :meth:`.targets.TargetCoder.table`), which releases the GIL, so worker
    threads overlap with each other and with the training step. Solid expansion and blur distances come
    from target codes computed once per cached raster (:meth:`LabelSource.cache` with the run's solid
    distance and largest blur distance), else per window.
    """

    def __init__(self, sources, patch: int, n_classes: int, n_outputs: int, config: TrainConfig):
        self.sources, self.patch = sources, patch
        self.n_classes, self.n_outputs, self.config = n_classes, n_outputs, config
        self._table: tuple | None = None

    def _coder(self, blur: float):
        from .targets import TargetCoder

        return TargetCoder(self.n_classes, max(self.config.blur_distance_max, blur))

    def make(self, windows, rng: np.random.Generator | None, blur: float, augment: bool):
        """``(x, y)`` of the patch ``windows`` (``rng``: the augmentation draws; ``None``: none)."""
        from .augmentation import sample_batch

        cfg, coder = self.config, self._coder(blur)
        x, codes = sample_batch(
            self.sources, windows, self.patch, rng, augment, cfg.solid_distance, coder.blur_cap,
            cfg.augment_zoom,
        )
        key = (coder.blur_cap, float(blur))
        memo = self._table  # one table per epoch (blur); a race only builds it twice
        if memo is None or memo[0] != key:
            memo = self._table = (key, coder.table(self.n_outputs, blur, cfg.loss_weight))
        table = memo[1]
        if table.shape[1] == 2:  # one feature class: gather 8-byte rows as single items (2x faster)
            return x, np.take(table.view(np.uint64)[:, 0], codes).view(np.float32).reshape(codes.shape + (2,))
        return x, np.take(table, codes, axis=0)

    def masks(self, windows):
        """Hard evaluation masks (solid expansion applied, no blur) of the windows."""
        p, coder = self.patch, self._coder(0.0)
        out = np.empty((len(windows), p, p), np.uint8)
        for i, (s, row, col) in enumerate(windows):
            codes = self.sources[s].window(row, col, p, p, self.config.solid_distance, coder.blur_cap)[1]
            out[i] = coder.masks(codes)
        return out


def pipeline_workers(workers: int, on_gpu: bool) -> int:
    """Input-pipeline threads: ``workers`` when set, else (0) up to 8 on a GPU, up to 2 on the CPU
    (where the threads compete with the model for the cores)."""
    if workers > 0:
        return int(workers)
    return max(1, min(8 if on_gpu else 2, os.cpu_count() or 1))


def epoch_rng(seed: int, epoch: int, *more: int) -> np.random.Generator:
    """The random generator of ``(seed, epoch, *more)``: the draws of an epoch, of one of its batches."""
    return np.random.default_rng([int(seed) & 0xFFFFFFFF, 7919, int(epoch), *more])


@dataclass(frozen=True)
class EpochBatches:
    """One epoch's patch windows and how its batches are made from them."""

    windows: list
    batch: int  # patches per batch
    seed: int
    epoch: int
    blur: float
    augment: bool

    def __len__(self) -> int:
        return math.ceil(len(self.windows) / self.batch)

    def make(self, maker: BatchMaker, index: int):
        """Batch ``index``: ``(x, y)`` from ``maker``, augmented by the batch's own generator."""
        part = self.windows[index * self.batch : (index + 1) * self.batch]
        return maker.make(part, epoch_rng(self.seed, self.epoch, index), self.blur, self.augment)


def make_dataset(keras, maker: BatchMaker, epoch: EpochBatches, workers: int):
    """A PyDataset over one epoch's windows, read by ``workers`` threads (batches deterministic whatever the
    worker order)."""

    class EpochData(keras.utils.PyDataset):
        def __init__(self):
            super().__init__(
                workers=max(workers, 1), use_multiprocessing=False, max_queue_size=max(4, 2 * workers)
            )

        def __len__(self):
            return len(epoch)

        def __getitem__(self, index):
            return epoch.make(maker, index)

    return EpochData()
