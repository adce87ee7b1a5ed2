"""Training: configuration, patch sampling, targets, losses, the epoch loop, checkpoints and the report.

Other packages and the algorithms import from here. Importing this package never imports Keras.
"""

from .targets import LOSSES
from .train import TrainConfig, TrainResult, TrainRun, config_path_for, train_from_config, train_model

__all__ = ["LOSSES", "TrainConfig", "TrainResult", "TrainRun", "config_path_for", "train_from_config",
           "train_model"]
