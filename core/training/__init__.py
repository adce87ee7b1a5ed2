"""Training: configuration, patch sampling, targets, losses, the epoch loop, checkpoints and the report.

Modules: :mod:`.config` (settings, the run and its JSON file), :mod:`.run` (the entry points),
:mod:`.prepare` (inputs to a prepared run), :mod:`.loop` (the epoch loop), :mod:`.batches`,
:mod:`.sampling`, :mod:`.targets`, :mod:`.losses`, :mod:`.metrics`, :mod:`.checkpoint`, :mod:`.report`.
Other packages and the algorithms import from here. Importing this package never imports Keras.
"""

from .augmentation import ZOOM_RANGE
from .batches import BatchMaker, EpochBatches, epoch_rng, make_dataset, pipeline_workers
from .checkpoint import Checkpoint, checkpoint_dir_for, load_arrays
from .config import (
    MAX_LOSS_WEIGHT,
    TrainConfig,
    TrainResult,
    TrainRun,
    config_path_for,
    merge_config,
    patches_per_epoch,
)
from .loop import batch_progress_callback
from .metrics import confusion, iou_per_class
from .report import write_report
from .run import train_from_config, train_model
from .targets import LOSSES

__all__ = [
    "ZOOM_RANGE",
    "LOSSES",
    "MAX_LOSS_WEIGHT",
    "BatchMaker",
    "Checkpoint",
    "EpochBatches",
    "TrainConfig",
    "TrainResult",
    "TrainRun",
    "batch_progress_callback",
    "checkpoint_dir_for",
    "config_path_for",
    "confusion",
    "epoch_rng",
    "iou_per_class",
    "load_arrays",
    "make_dataset",
    "merge_config",
    "patches_per_epoch",
    "pipeline_workers",
    "train_from_config",
    "train_model",
    "write_report",
]
