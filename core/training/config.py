"""Training configuration: every training parameter, the run (inputs, outputs, settings) and its JSON file,
what a run returns, and the one merge of a run configuration file with parameters given beside it."""

from __future__ import annotations

import dataclasses
import json
import math
import os
from dataclasses import dataclass, field
from pathlib import Path

from .. import __version__
from ..device import DEVICES
from ..errors import ParameterError
from .targets import LOSSES

CONFIG_FORMAT = "deepfeature-train-config"
CONFIG_VERSION = 1
#: Largest LOSS_WEIGHT (weight of feature pixels in the loss).
MAX_LOSS_WEIGHT = 3.0


@dataclass(frozen=True)
class TrainConfig:
    """Every training parameter (the Processing parameters, lower-case)."""

    epochs: int = 25
    patches_per_epoch: int = 0  # 0: from patch_sampling_rate
    patches_per_batch: int = 8
    class_weight_min: float = 0.0
    class_weight_max: float = 2.0
    loss_weight: float = 0.5
    patch_sampling_rate: float = 16.0  # ENVI's default
    solid_distance: float = 0.0
    blur_distance_min: float = 0.0
    blur_distance_max: float = 0.0
    loss: str = "cross_entropy_dice"
    learning_rate: float = 0.003
    early_stopping: int = 0
    augment: bool = True
    # Zoom 0.9-1.1 and shift: off by default. At a fixed ground resolution it changes object sizes that
    # do not change, and resampling blurs small objects' edges (Massachusetts buildings: IoU 0.49-0.50
    # with it, 0.53-0.56 without; bench/README.md).
    augment_zoom: bool = False
    # Randomized histogram matching: the probability that a patch is matched to the histogram of another
    # patch of the training rasters (0 = off; see augmentation.HistogramMatching).
    augment_histogram: float = 0.0
    seed: int = 0
    device: str = "auto"
    workers: int = 0  # input-pipeline threads; 0: automatic (see pipeline_workers)
    validation_fraction: float = 0.2
    # Epochs during which a pretrained encoder is frozen (only the decoder learns), then fine-tuned.
    freeze_encoder_epochs: int = 0

    def validate(self) -> None:
        """Raise :class:`ParameterError` for out-of-range values."""
        checks = [
            (self.epochs >= 1, "The number of epochs must be at least 1 (got {}).".format(self.epochs)),
            (self.patches_per_epoch >= 0, "Patches per epoch must be 0 (automatic) or more."),
            (self.patches_per_batch >= 1, "Patches per batch must be at least 1."),
            (
                0 <= self.class_weight_min <= self.class_weight_max,
                "Class weights need 0 <= minimum <= maximum (got {} and {}).".format(
                    self.class_weight_min, self.class_weight_max
                ),
            ),
            (
                0 <= self.loss_weight <= MAX_LOSS_WEIGHT,
                "The loss weight must be between 0 and {:g} (got {}).".format(
                    MAX_LOSS_WEIGHT, self.loss_weight
                ),
            ),
            (self.patch_sampling_rate > 0, "The patch sampling rate must be above 0."),
            (self.solid_distance >= 0, "The solid distance must be 0 or more pixels."),
            (
                0 <= self.blur_distance_min <= self.blur_distance_max,
                "Blur distances need 0 <= minimum <= maximum (got {} and {}).".format(
                    self.blur_distance_min, self.blur_distance_max
                ),
            ),
            (self.loss in LOSSES, "Unknown loss '{}': use one of {}.".format(self.loss, ", ".join(LOSSES))),
            (0 < self.learning_rate <= 1, "The learning rate must be above 0 and at most 1 (usual: 0.001)."),
            (self.early_stopping >= 0, "Early stopping patience must be 0 (off) or more epochs."),
            (0 <= self.augment_histogram <= 1,
             "The histogram matching probability must be between 0 and 1 (got {}).".format(
                 self.augment_histogram)),
            (self.device in DEVICES, "Unknown device '{}': use auto, cpu or gpu.".format(self.device)),
            (self.workers >= 0, "Workers must be 0 (automatic) or more."),
            (0 < self.validation_fraction < 1, "The validation fraction must be between 0 and 1."),
            (self.freeze_encoder_epochs >= 0, "The epochs with a frozen encoder must be 0 (none) or more."),
        ]
        for ok, message in checks:
            if not ok:
                raise ParameterError(message)

    def to_dict(self) -> dict:
        """The settings as plain data."""
        return dataclasses.asdict(self)

    @classmethod
    def from_dict(cls, data: dict) -> TrainConfig:
        """Build from a dict; unknown keys are refused with a clear message."""
        names = {f.name: f for f in dataclasses.fields(cls)}
        unknown = sorted(set(data) - set(names))
        if unknown:
            raise ParameterError(
                "Unknown training settings in the configuration: {}.".format(", ".join(unknown))
            )
        values = {}
        for key, value in data.items():
            default = names[key].default
            try:
                values[key] = type(default)(value) if not isinstance(default, bool) else bool(value)
            except (TypeError, ValueError) as exc:
                raise ParameterError("Invalid value {!r} for '{}'.".format(value, key)) from exc
        return cls(**values)


@dataclass
class TrainRun:
    """One experiment: inputs, outputs and settings (the JSON written next to the model)."""

    model: str
    training: list[str]
    validation: list[str]
    config: TrainConfig
    output_model: str = ""
    output_report: str = ""

    def to_dict(self) -> dict:
        """Plain data; paths are absolute so the configuration re-runs from any working folder."""
        return {
            "format": CONFIG_FORMAT,
            "version": CONFIG_VERSION,
            "deepfeature_version": __version__,
            "model": _absolute(self.model),
            "training": [_absolute(p) for p in self.training],
            "validation": [_absolute(p) for p in self.validation],
            "output_model": _absolute(self.output_model),
            "output_report": _absolute(self.output_report),
            "config": self.config.to_dict(),
        }

    def to_json(self) -> str:
        """:meth:`to_dict` as indented JSON."""
        return json.dumps(self.to_dict(), indent=2)

    @classmethod
    def from_json(cls, text: str, where: str = "", base: str | os.PathLike | None = None) -> TrainRun:
        """Parse a run configuration; raise :class:`ParameterError` with advice when it is not one.
        Relative paths (a configuration written by hand) are taken from the folder ``base``."""
        try:
            data = json.loads(text)
        except ValueError as exc:
            raise ParameterError(
                "The training configuration {} is not valid JSON: {}.".format(where, exc)
            ) from exc
        if not isinstance(data, dict) or data.get("format") != CONFIG_FORMAT:
            raise ParameterError(
                "{} is not a deepfeature training configuration (the JSON written next to a trained "
                "model).".format(where or "The file")
            )
        if int(data.get("version", 0)) > CONFIG_VERSION:
            raise ParameterError(
                "The training configuration {} is from a newer deepfeature; update the plugin.".format(where)
            )
        def path(value) -> str:
            text = str(value or "")
            if text and base is not None and not os.path.isabs(text):
                return os.path.normpath(os.path.join(base, text))
            return text

        return cls(
            model=path(data.get("model")),
            training=[path(p) for p in data.get("training") or []],
            validation=[path(p) for p in data.get("validation") or []],
            config=TrainConfig.from_dict(data.get("config") or {}),
            output_model=path(data.get("output_model")),
            output_report=path(data.get("output_report")),
        )

    @classmethod
    def load(cls, path: str | os.PathLike) -> TrainRun:
        """Read a run configuration file."""
        p = Path(path)
        if not p.is_file():
            raise ParameterError("The training configuration '{}' does not exist.".format(path))
        text = p.read_text(encoding="utf-8")
        return cls.from_json(text, where="'{}'".format(path), base=p.parent.absolute())


def _absolute(path: str) -> str:
    """``path`` made absolute against the current folder ('' stays '')."""
    return os.path.abspath(path) if path else ""


@dataclass
class TrainResult:
    """What :func:`train_model` did."""

    output_model: str
    best_epoch: int
    epochs_run: int
    history: list[dict]
    best_metrics: dict
    config_path: str
    report_paths: list[str] = field(default_factory=list)
    canceled: bool = False
    stopped_early: bool = False
    resumed_from: int = 0


def config_path_for(output_model: str | os.PathLike) -> Path:
    """Where the run configuration JSON goes: ``<model stem>.train.json`` next to the model."""
    p = Path(output_model)
    return p.with_name(p.stem + ".train.json")


def patches_per_epoch(config: TrainConfig, labelled_pixels: int, patch: int) -> int:
    """Patches per epoch: the explicit value, else ``rate * labelled pixels / patch area``, whole batches."""
    if config.patches_per_epoch > 0:
        n = config.patches_per_epoch
    else:
        n = math.ceil(config.patch_sampling_rate * labelled_pixels / float(patch * patch))
    b = config.patches_per_batch
    return max(b, math.ceil(n / b) * b)


def merge_config(
    config_path: str | os.PathLike,
    model: str = "",
    training: list[str] | None = None,
    validation: list[str] | None = None,
    output_model: str | None = None,
    output_report: str | None = None,
) -> TrainRun:
    """The run of the configuration file ``config_path`` (its settings win), with the inputs and outputs
    given here replacing its own: a model, training or validation rasters and an output model when given
    (empty: the file's), the report when not ``None`` ('' for none)."""
    run = TrainRun.load(config_path)
    return dataclasses.replace(
        run,
        model=model or run.model,
        training=list(training or run.training),
        validation=list(validation or run.validation),
        output_model=output_model or run.output_model,
        output_report=output_report if output_report is not None else run.output_report,
    )
