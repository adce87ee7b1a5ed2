"""Training (and refining) a model on label rasters: configuration, data pipeline, loop, checkpoints.

``train_model`` runs Keras 3 ``model.fit`` one epoch at a time on a :class:`keras.utils.PyDataset` whose
batches are a pure function of ``(seed, epoch, batch index)`` (patch windows drawn by inverse transform
sampling, read by windows, augmented, turned into targets in worker threads while the model trains), so
a run is reproducible and a resumed run sees exactly the batches the interrupted one would have seen.
After each epoch the model is evaluated on the validation patches (IoU per class in numpy, ignore and
NoData excluded), the best weights are kept, and a checkpoint (weights + optimizer state + JSON state) is
written atomically to ``<output>.checkpoint/``. Nothing here uses a backend-specific API.
"""

from __future__ import annotations

import contextlib
import dataclasses
import hashlib
import json
import math
import os
import shutil
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from .. import __version__
from ..device import DEVICES, select_device
from ..errors import CanceledError, LabelError, OutputError, ParameterError, TrainingError
from ..files import check_output_path, require_file, write_text_atomic
from ..normalization import Normalization
from ..progress import Progress, count, ensure
from .targets import IGNORE, LOSSES, schedule_value

CONFIG_FORMAT = "deepfeature-train-config"
CONFIG_VERSION = 1
CHECKPOINT_VERSION = 1
#: Most validation pixels kept in memory (patches beyond are subsampled deterministically).
MAX_VALIDATION_PIXELS = 8_000_000
#: Training patches used to report the training IoU each epoch.
MONITOR_PATCHES = 32


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
    seed: int = 0
    device: str = "auto"
    workers: int = 0  # input-pipeline threads; 0: automatic (see pipeline_workers)
    validation_fraction: float = 0.2

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
                0 <= self.loss_weight <= 3,
                "The loss weight must be between 0 and 3 (got {}).".format(self.loss_weight),
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
            (self.device in DEVICES, "Unknown device '{}': use auto, cpu or gpu.".format(self.device)),
            (self.workers >= 0, "Workers must be 0 (automatic) or more."),
            (0 < self.validation_fraction < 1, "The validation fraction must be between 0 and 1."),
        ]
        for ok, message in checks:
            if not ok:
                raise ParameterError(message)

    def to_dict(self) -> dict:
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


def bn_momentum(total_steps: int) -> float:
    """Batch-normalization momentum so the moving statistics settle within a short training run.

    Keras' 0.99 needs hundreds of steps; a CPU run of a few hundred steps would validate (and classify)
    with statistics still close to their initial values.
    """
    return float(min(0.99, max(0.8, 1.0 - 20.0 / max(total_steps, 1))))


def checkpoint_dir_for(output_model: str | os.PathLike) -> Path:
    """The checkpoint folder of a run: ``<output>.checkpoint/``."""
    p = Path(output_model)
    return p.with_name(p.name + ".checkpoint")


def patches_per_epoch(config: TrainConfig, labelled_pixels: int, patch: int) -> int:
    """Patches per epoch: the explicit value, else ``rate * labelled pixels / patch area``, whole batches."""
    if config.patches_per_epoch > 0:
        n = config.patches_per_epoch
    else:
        n = math.ceil(config.patch_sampling_rate * labelled_pixels / float(patch * patch))
    b = config.patches_per_batch
    return max(b, math.ceil(n / b) * b)


# -------------------------------------------------------------------------------------------------
# Data
# -------------------------------------------------------------------------------------------------
class BatchMaker:
    """Turns patch windows into ``(x, y)`` batches; a pure function of its arguments (thread-safe).

    The work is numpy on whole patches and batches (:func:`deepfeature.core.sampling.sample_batch`, then
    one gather of :meth:`deepfeature.core.targets.TargetCoder.table`), which releases the GIL, so worker
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
        from .sampling import sample_batch

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


def _epoch_rng(seed: int, epoch: int, *more: int) -> np.random.Generator:
    return np.random.default_rng([int(seed) & 0xFFFFFFFF, 7919, int(epoch), *more])


def _make_dataset(
    keras,
    maker: BatchMaker,
    windows,
    batch: int,
    seed: int,
    epoch: int,
    blur: float,
    augment: bool,
    workers: int,
):
    """A PyDataset over one epoch's windows (batches deterministic whatever the worker order)."""

    class EpochData(keras.utils.PyDataset):
        def __init__(self):
            super().__init__(
                workers=max(workers, 1), use_multiprocessing=False, max_queue_size=max(4, 2 * workers)
            )

        def __len__(self):
            return math.ceil(len(windows) / batch)

        def __getitem__(self, index):
            part = windows[index * batch : (index + 1) * batch]
            return maker.make(part, _epoch_rng(seed, epoch, index), blur, augment)

    return EpochData()


# -------------------------------------------------------------------------------------------------
# Metrics
# -------------------------------------------------------------------------------------------------
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


# -------------------------------------------------------------------------------------------------
# Device, seeds
# -------------------------------------------------------------------------------------------------
def set_seeds(keras, seed: int, deterministic: bool) -> None:
    """Seed Python, numpy and the backend; on TensorFlow/CPU also make ops deterministic."""
    keras.utils.set_random_seed(int(seed))
    if deterministic and keras.backend.backend() == "tensorflow":
        import tensorflow as tf

        tf.config.experimental.enable_op_determinism()


# -------------------------------------------------------------------------------------------------
# Checkpoints
# -------------------------------------------------------------------------------------------------
def _save_arrays(path: Path, arrays: list[np.ndarray]) -> None:
    tmp = path.with_name("." + path.name + ".partial")
    with open(tmp, "wb") as fh:
        np.savez(fh, *arrays)
        fh.flush()
        os.fsync(fh.fileno())
    os.replace(tmp, path)


def _load_arrays(path: Path) -> list[np.ndarray]:
    with np.load(path) as data:
        return [data["arr_{}".format(i)] for i in range(len(data.files))]


def _fingerprint_data(run: TrainRun) -> dict:
    """What a checkpoint must share with the run that resumes it (not the device or the report)."""
    data = run.to_dict()
    for key in ("output_report", "deepfeature_version"):
        data.pop(key, None)
    data["config"] = dict(data["config"], device="", workers=0)
    return data


def _fingerprint(data: dict) -> str:
    """A short hash of :func:`_fingerprint_data`."""
    return hashlib.sha256(json.dumps(data, sort_keys=True).encode()).hexdigest()[:16]


def _run_differences(old: dict | None, new: dict) -> list[str]:
    """'EPOCHS 4 -> 6'-style names of what differs between two fingerprint dicts (empty if unknown)."""
    if not isinstance(old, dict):
        return []
    out = []
    for key in sorted(set(old) | set(new)):
        a, b = old.get(key), new.get(key)
        if key == "config" and isinstance(a, dict) and isinstance(b, dict):
            out += ["{} {} -> {}".format(k.upper(), a.get(k), b.get(k))
                    for k in sorted(set(a) | set(b)) if a.get(k) != b.get(k)]
        elif a != b:
            out.append("{} {} -> {}".format(key, a, b))
    return out


class Checkpoint:
    """The ``<output>.checkpoint/`` folder.

    It holds ``state.json``, ``weights-NNNN.npz`` (model + optimizer) and ``best-NNNN.npz``.
    """

    def __init__(self, folder: Path):
        self.folder = folder

    def state(self) -> dict | None:
        path = self.folder / "state.json"
        if not path.is_file():
            return None
        try:
            state = json.loads(path.read_text(encoding="utf-8"))
        except ValueError:
            return None
        if state.get("version") != CHECKPOINT_VERSION:
            return None
        for key in ("weights", "best"):
            if state.get(key) and not (self.folder / state[key]).is_file():
                return None
        return state

    def write(
        self, epoch: int, model, state: dict, best_weights: list | None, best_name: str | None
    ) -> str | None:
        self.folder.mkdir(exist_ok=True)
        name = "weights-{:04d}.npz".format(epoch)
        opt_vars = [np.asarray(v) for v in model.optimizer.variables] if model.optimizer is not None else []
        weights = model.get_weights()
        _save_arrays(self.folder / name, weights + opt_vars)
        if best_weights is not None:
            best_name = "best-{:04d}.npz".format(epoch)
            _save_arrays(self.folder / best_name, best_weights)
        state = dict(
            state,
            version=CHECKPOINT_VERSION,
            weights=name,
            best=best_name,
            n_weights=len(weights),
            n_optimizer=len(opt_vars),
        )
        write_text_atomic(self.folder / "state.json", json.dumps(state, indent=1))
        keep = {name, best_name, "state.json"}
        for old in self.folder.iterdir():
            if old.name not in keep and not old.name.startswith("."):
                with contextlib.suppress(OSError):
                    old.unlink()
        return best_name

    def restore(self, model, state: dict) -> list | None:
        arrays = _load_arrays(self.folder / state["weights"])
        n = state["n_weights"]
        model.set_weights(arrays[:n])
        opt = arrays[n:]
        if opt:
            model.optimizer.build(model.trainable_variables)
            variables = model.optimizer.variables
            if len(variables) != len(opt):
                raise TrainingError(
                    "The checkpoint's optimizer state does not match; delete '{}' and train again.".format(
                        self.folder
                    )
                )
            for var, value in zip(variables, opt):
                var.assign(value)
        return _load_arrays(self.folder / state["best"]) if state.get("best") else None

    def remove(self) -> None:
        shutil.rmtree(self.folder, ignore_errors=True)


# -------------------------------------------------------------------------------------------------
# The entry point
# -------------------------------------------------------------------------------------------------
def _prepare_sources(paths, spec, regions, progress, what):
    from ..label_format import format_classes
    from .sampling import LabelSource

    sources = []
    for path, region in zip(paths, regions):
        source = LabelSource(path, spec.bands, tuple(spec.classes), region=region, model_ids=spec.ids)
        if not source.names_match:
            progress.warning(
                "The class names of the {} label raster '{}' ({}) are not the model's ({}): its mask "
                "values are used as the model's class numbers. Check that they mean the same classes, "
                "or rebuild the label raster with the model's class names.".format(
                    what, path, format_classes(source.info.classes), format_classes(spec.classes_by_id),
                )
            )
        sources.append(source)
    return sources


def _check_inputs(model_path, training, validation, output_model, output_report, source_config=None):
    from ..report import report_files

    require_file(model_path, "model file")
    if not training:
        raise LabelError("Give at least one training label raster.")
    for p in list(training) + list(validation):
        require_file(p, "label raster")
    inputs = [model_path] + list(training) + list(validation)
    if Path(output_model).suffix.lower() != ".keras":
        raise OutputError("The output model '{}' must end with '.keras'.".format(output_model))
    check_output_path(output_model, inputs + [source_config], what="output model")
    # The run configuration beside the model may replace the one this run was read from (a re-run).
    check_output_path(config_path_for(output_model), inputs, what="run configuration of the output model")
    if output_report:
        if Path(output_report).suffix.lower() in (".csv", ".json"):
            raise OutputError(
                "The training report '{}' is an HTML page with .csv and .json files beside it: give a "
                "name ending in .html.".format(output_report)
            )
        others = inputs + [source_config, output_model, config_path_for(output_model)]
        page, *metrics = report_files(output_report)
        check_output_path(page, others, what="training report")
        for path in metrics:
            check_output_path(path, others, what="metrics file of the training report")
    folder = Path(output_model).parent
    probe = folder / ".deepfeature-write-test-{}".format(os.getpid())
    try:
        probe.write_bytes(b"")
        probe.unlink()
    except OSError as exc:
        raise OutputError(
            "Cannot write in the folder '{}' ({}). Choose a folder you can write to.".format(folder, exc)
        ) from exc


def train_model(
    model_path: str,
    training: list[str],
    validation: list[str] | None,
    output_model: str,
    config: TrainConfig | None = None,
    output_report: str | None = None,
    resume: bool = False,
    progress: Progress | None = None,
    source_config: str | None = None,
) -> TrainResult:
    """Train (or refine) the model in ``model_path`` on label rasters; write the best model on validation.

    Cancel (``progress.is_canceled()``) is not an error: training stops after the current batch and the
    best model so far is written (``TrainResult.canceled``); the checkpoint is kept for RESUME.
    ``source_config``: the run configuration file these settings were read from, if any (an input: the
    report never overwrites it).
    """
    from ..nn import read_metadata
    from .sampling import holdout_regions

    progress = ensure(progress)
    config = config or TrainConfig()
    config.validate()
    training, validation = [str(p) for p in training], [str(p) for p in (validation or [])]
    output_model, output_report = str(output_model), str(output_report or "")
    _check_inputs(model_path, training, validation, output_model, output_report, source_config)
    run = TrainRun(str(model_path), training, validation, config, output_model, output_report)
    metadata = read_metadata(model_path)
    spec = metadata.spec
    patch, n_classes, n_outputs = spec.patch_size, len(spec.classes), spec.n_outputs
    class_names = list(spec.classes)

    # -- label sources, hold-out --------------------------------------------------------------------
    from ..label_format import read_info

    infos = [read_info(p) for p in training]
    usable = [(p, i) for p, i in zip(training, infos) if i.width >= patch and i.height >= patch]
    for p, i in zip(training, infos):
        if i.width < patch or i.height < patch:
            progress.warning(
                "The label raster '{}' ({} x {}) is smaller than the patch size {}: skipped.".format(
                    p, i.width, i.height, patch
                )
            )
    if not usable:
        raise ParameterError(
            "The model's patch size ({} pixels) is larger than every training label raster. Use larger "
            "label rasters, or initialize a model with a smaller patch size.".format(patch)
        )
    train_regions, val_specs = [], []
    if validation:
        for p in validation:
            vi = read_info(p)
            if vi.width < patch or vi.height < patch:
                progress.warning(
                    "The validation raster '{}' is smaller than the patch size: skipped.".format(p)
                )
            else:
                val_specs.append((p, None))
        train_regions = [None] * len(usable)
        if not val_specs:
            raise ParameterError(
                "Every validation label raster is smaller than the patch size {} x {} pixels. Give larger "
                "validation label rasters, initialize a model with a smaller patch size, or leave "
                "VALIDATION empty to hold out part of the training rasters.".format(patch, patch)
            )
    else:
        held = []
        for p, i in usable:
            tr, va = holdout_regions(i.width, i.height, patch, config.validation_fraction)
            train_regions.append(tr)
            if va is not None:
                val_specs.append((p, va))
                held.append(va.height * va.width / float(i.width * i.height))
        if val_specs:
            progress.info(
                "No validation rasters: holding out the last {:.0%} of each training raster (along its "
                "longer side; at least one patch: {}) for validation.".format(
                    config.validation_fraction, ", ".join("{:.0%}".format(f) for f in held))
            )
        else:
            progress.warning(
                "No validation rasters and the training rasters are too small to hold a part out: "
                "validating on the training data (the best epoch is then optimistic)."
            )
            val_specs = [(p, None) for p, _ in usable]
    sources = _prepare_sources([p for p, _ in usable], spec, train_regions, progress, "training")
    val_sources = _prepare_sources(
        [p for p, _ in val_specs], spec, [r for _, r in val_specs], progress, "validation"
    )
    all_sources = sources + val_sources
    try:
        return _train(
            run,
            metadata,
            sources,
            val_sources,
            config,
            progress,
            resume,
            class_names,
            patch,
            n_classes,
            n_outputs,
        )
    finally:
        for s in all_sources:
            s.close()


def _train(
    run, metadata, sources, val_sources, config, progress, resume, class_names, patch, n_classes, n_outputs
) -> TrainResult:
    from .. import deps
    from .sampling import DEFAULT_CACHE_BYTES, PatchSampler, cell_size, grid_windows

    refine = metadata.normalization is not None
    keras = deps.keras_backend_module()
    device, on_gpu = select_device(keras, config.device)  # DEVICE 'gpu' without one: now
    # -- scan: class counts and normalization statistics -------------------------------------------
    progress.info("Scanning {} training label raster(s)...".format(len(sources)))
    scans = []
    for i, s in enumerate(sources):
        scans.append(
            s.scan(
                cell_size(s.region),
                stats=not refine,
                progress=progress.sub(0.02 * i / len(sources), 0.02 * (i + 1) / len(sources)),
            )
        )
        if scans[-1].unknown_values:
            progress.warning(
                "The mask band of '{}' has values that are no class of the model ({}): they are "
                "ignored.".format(s.path, ", ".join(str(v) for v in sorted(scans[-1].unknown_values)))
            )
    if refine:
        normalization = metadata.normalization
        progress.info("Refining a trained model: keeping its normalization statistics.")
    else:
        n = sum(r.valid for r in scans)
        if n == 0:
            raise LabelError("The training label rasters have no labelled pixels (all ignore or NoData).")
        normalization = Normalization.from_moments(sum(r.sums for r in scans), sum(r.sumsq for r in scans), n)
        mean, std = normalization.mean, normalization.std
        progress.info(
            "Normalization (per band mean / std over labelled pixels): {}.".format(
                ", ".join("{:.4g}/{:.4g}".format(m, s) for m, s in zip(mean, std))
            )
        )
    for s in sources + val_sources:
        s.set_normalization(normalization)
    sampler = PatchSampler(sources, [r.counts for r in scans], [cell_size(s.region) for s in sources], patch)
    totals = sampler.class_totals
    progress.info(
        "Labelled training pixels: {} background, {}.".format(
            int(totals[0]),
            ", ".join("{} {}".format(int(totals[k + 1]), c) for k, c in enumerate(class_names)),
        )
    )
    missing = [c for k, c in enumerate(class_names) if totals[k + 1] == 0]
    if missing:
        progress.warning(
            "No training pixels of the class(es) {}: the model cannot learn them. Add labels of these "
            "classes, or initialize a model without them.".format(", ".join(map("'{}'".format, missing)))
        )
    # Training rasters in memory (with their solid / blur distance maps) while they fit; validation
    # patches are read once below, by windows.
    budget = DEFAULT_CACHE_BYTES
    for s in sources:
        budget -= s.cache(budget, config.solid_distance, config.blur_distance_max)
    ppe = patches_per_epoch(config, sampler.labelled_pixels, patch)
    batch = config.patches_per_batch
    steps = ppe // batch
    if config.patches_per_epoch > 0 and ppe != config.patches_per_epoch:
        progress.info("Patches per epoch: {} rounded up to {}, a whole number of batches of {}.".format(
            config.patches_per_epoch, ppe, batch))
    if config.augment_zoom and not config.augment:
        progress.warning("'Augment also with zoom/shift' works only with 'Augment' on; no augmentation is "
                         "used. Turn 'Augment' on to use it.")
    progress.info(
        "{} epochs x {} patches ({} batches of {}), patch {} x {} pixels.".format(
            config.epochs, ppe, steps, batch, patch, patch
        )
    )
    progress.check()

    maker = BatchMaker(sources, patch, n_classes, n_outputs, config)
    val_maker = BatchMaker(val_sources, patch, n_classes, n_outputs, config)
    val_windows = [(i, r, c) for i, s in enumerate(val_sources) for r, c in grid_windows(s, patch)]
    vmasks = val_maker.masks(val_windows) if val_windows else np.zeros((0, patch, patch), np.uint8)
    keep = [i for i in range(len(val_windows)) if (vmasks[i] != IGNORE).any()]
    limit = max(1, MAX_VALIDATION_PIXELS // (patch * patch))
    if len(keep) > limit:
        keep = sorted(np.random.default_rng(config.seed).choice(keep, limit, replace=False).tolist())
    val_windows = [val_windows[i] for i in keep]
    if not val_windows:
        raise LabelError(
            "The validation data has no labelled pixels. Give validation label rasters with labels."
        )
    x_val, y_val = val_maker.make(val_windows, None, config.blur_distance_min, False)
    m_val = vmasks[keep]
    mon_windows = sampler.draw(MONITOR_PATCHES, 0.0, _epoch_rng(config.seed, 10**6))
    x_mon, _ = maker.make(mon_windows, None, 0.0, False)
    m_mon = maker.masks(mon_windows)
    progress.info(
        "Validation: {} patches ({} labelled pixels).".format(len(val_windows), int((m_val != IGNORE).sum()))
    )
    absent = [c for k, c in enumerate(class_names) if not (m_val == k + 1).any()]
    if absent:
        progress.warning(
            "The validation data has no pixels of the class(es) {}: their validation IoU is undefined "
            "(n/a) and the best epoch is chosen on the other classes{}. Give validation label rasters "
            "with these classes to measure them.".format(
                ", ".join(map("'{}'".format, absent)),
                "" if len(absent) < len(class_names) else " (here: on the validation loss)")
        )

    set_seeds(keras, config.seed, deterministic=not on_gpu)
    progress.info(
        "Training on {} ({} backend){}.".format(
            "GPU" if on_gpu else "CPU",
            keras.backend.backend(),
            ", mixed precision (bfloat16)" if on_gpu else "",
        )
    )
    previous_policy = keras.mixed_precision.global_policy().name
    try:
        with keras.device(device):
            prepared = _Prepared(
                run, metadata, normalization, sampler, maker, steps, batch, ppe, x_val, y_val, m_val,
                x_mon, m_mon, class_names, n_outputs,
            )
            return _fit(keras, prepared, config, progress, resume, on_gpu)
    finally:
        keras.mixed_precision.set_global_policy(previous_policy)


class _BatchCallback:
    """Builds a keras Callback reporting per-batch progress and stopping on cancel."""

    @staticmethod
    def create(keras, progress: Progress, epoch: int, epochs_total: int, start_epoch: int, steps: int, state):
        lock, latest = threading.Lock(), [0.0]
        class ProgressCallback(keras.callbacks.Callback):
            # Keras may then call it from a helper thread (JAX, PyTorch) instead of waiting for each
            # step's loss: the host keeps queueing steps while the GPU works.
            async_safe = True

            def on_train_batch_end(self, batch, logs=None):
                done = (epoch - start_epoch) + (batch + 1) / steps
                with lock:  # async calls may arrive out of order: progress never goes back
                    value = max(latest[0], 0.03 + 0.95 * done / max(epochs_total - start_epoch, 1))
                    latest[0] = value
                progress.progress(value)
                if progress.is_canceled():
                    state["canceled"] = True
                    self.model.stop_training = True

        return ProgressCallback()


def _evaluate(keras, model, loss_fn, x, y, masks, batch: int, n_outputs: int, with_loss: bool = True,
              canceled=lambda: False):
    """(loss, IoU per class incl. background) on in-memory patches; None when ``canceled()`` turns true
    (asked before every batch, so that a cancel is honoured within one batch)."""
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


@dataclass
class _Prepared:
    """What the training loop needs, prepared from the inputs by :func:`_train`."""

    run: TrainRun
    metadata: object  # ModelMetadata
    normalization: Normalization
    sampler: object  # PatchSampler
    maker: BatchMaker
    steps: int  # batches per epoch
    batch: int  # patches per batch
    ppe: int  # patches per epoch
    x_val: np.ndarray  # validation patches, their targets and hard masks
    y_val: np.ndarray
    m_val: np.ndarray
    x_mon: np.ndarray  # fixed training patches (unaugmented) and masks: the "train" IoU
    m_mon: np.ndarray
    class_names: list
    n_outputs: int


def _fit(keras, prepared: _Prepared, config: TrainConfig, progress: Progress, resume: bool,
         on_gpu: bool) -> TrainResult:
    """The epoch loop: fit, validate, keep the best weights, checkpoint, stop early or on cancel."""
    p = prepared
    from ..nn import build_model, load_model, save_model
    from .losses import WarmupExponentialDecay, WeightedSegmentationLoss

    spec = p.metadata.spec
    model, _ = load_model(p.run.model)
    if on_gpu:
        keras.mixed_precision.set_global_policy("mixed_bfloat16")
        trained = model
        model = build_model(spec)
        model.set_weights(trained.get_weights())
        del trained
    total_steps = config.epochs * p.steps
    schedule = WarmupExponentialDecay(
        config.learning_rate, warmup_steps=max(1, min(p.steps, total_steps // 10)), total_steps=total_steps
    )
    loss_fn = WeightedSegmentationLoss(config.loss)
    momentum = bn_momentum(total_steps)
    for layer in model.layers:
        if isinstance(layer, keras.layers.BatchNormalization) and layer.momentum > momentum:
            layer.momentum = momentum
    model.compile(optimizer=keras.optimizers.Adam(learning_rate=schedule), loss=loss_fn)

    ckpt = Checkpoint(checkpoint_dir_for(p.run.output_model))
    run_data = _fingerprint_data(p.run)
    fingerprint = _fingerprint(run_data)
    history: list[dict] = []
    best_weights, best_score, best_epoch, best_name = None, None, 0, None
    start_epoch = 0
    state = ckpt.state()
    if resume:
        if state is None:
            progress.info(
                "RESUME: no checkpoint found in '{}'; starting from the first epoch.".format(ckpt.folder)
            )
        elif state.get("fingerprint") != fingerprint:
            changed = _run_differences(state.get("run"), run_data)
            raise TrainingError(
                "RESUME: the checkpoint in '{}' belongs to a run with other {}. Resume with the settings "
                "of that run, or untick RESUME to start this run from the first epoch (the checkpoint is "
                "then replaced).".format(
                    ckpt.folder, "settings ({})".format(", ".join(changed)) if changed else
                    "inputs or settings")
            )
        else:
            best_weights = ckpt.restore(model, state)
            history = state["history"]
            start_epoch = int(state["epoch"])
            best_epoch, best_name = int(state.get("best_epoch", 0)), state.get("best")
            best_score = tuple(state["best_score"]) if state.get("best_score") else None
            progress.info("Resuming after epoch {} of {}.".format(start_epoch, config.epochs))
    elif state is not None:
        progress.info(
            "Replacing the previous checkpoint in '{}' (set RESUME to continue it).".format(ckpt.folder)
        )
        ckpt.remove()

    flags = {"canceled": False}
    stopped_early = False
    workers = pipeline_workers(config.workers, on_gpu)
    t_start = time.time()
    for epoch in range(start_epoch, config.epochs):
        if progress.is_canceled():
            flags["canceled"] = True
            break
        t0 = time.time()
        cw = schedule_value(epoch, config.epochs, config.class_weight_max, config.class_weight_min)
        blur = schedule_value(epoch, config.epochs, config.blur_distance_max, config.blur_distance_min)
        windows = p.sampler.draw(p.ppe, cw, _epoch_rng(config.seed, epoch))
        data = _make_dataset(
            keras, p.maker, windows, p.batch, config.seed, epoch, blur, config.augment, workers
        )
        callback = _BatchCallback.create(keras, progress, epoch, config.epochs, start_epoch, p.steps, flags)
        fit = model.fit(
            data, epochs=epoch + 1, initial_epoch=epoch, verbose=0, shuffle=False, callbacks=[callback]
        )
        if flags["canceled"]:
            progress.info("Canceled during epoch {}: the unfinished epoch is discarded.".format(epoch + 1))
            break
        train_loss = float(fit.history["loss"][-1])
        if not math.isfinite(train_loss):
            raise TrainingError(
                "Training diverged at epoch {} (the loss is not a number). Lower the learning rate (now {}) "
                "and check the label rasters for extreme values.".format(epoch + 1, config.learning_rate)
            )
        validated = _evaluate(keras, model, loss_fn, p.x_val, p.y_val, p.m_val, p.batch, p.n_outputs,
                              canceled=progress.is_canceled)
        monitored = validated and _evaluate(keras, model, loss_fn, p.x_mon, None, p.m_mon, p.batch,
                                            p.n_outputs, with_loss=False, canceled=progress.is_canceled)
        if not monitored:
            flags["canceled"] = True
            progress.info("Canceled while validating epoch {}: the epoch is discarded.".format(epoch + 1))
            break
        (val_loss, val_iou), (_, mon_iou) = validated, monitored
        feats = val_iou[1:] if p.n_outputs > 1 else val_iou[1:2]
        mon_feats = mon_iou[1:] if p.n_outputs > 1 else mon_iou[1:2]
        finite = [v for v in feats if not math.isnan(v)]
        mean_iou = float(np.mean(finite)) if finite else float("nan")
        entry = {
            "epoch": epoch + 1,
            "loss": train_loss,
            "val_loss": val_loss,
            "iou": {c: _none_nan(v) for c, v in zip(p.class_names, mon_feats)},
            "val_iou": {c: _none_nan(v) for c, v in zip(p.class_names, feats)},
            "val_mean_iou": _none_nan(mean_iou),
            "learning_rate": schedule.value((epoch + 1) * p.steps - 1),
            "class_weight": cw,
            "blur_distance": blur,
            "seconds": round(time.time() - t0, 3),
        }
        history.append(entry)
        score = (mean_iou if finite else -1.0, -(val_loss if val_loss is not None else 0.0))
        improved = best_score is None or score > best_score
        if improved:
            best_score, best_epoch, best_weights = score, epoch + 1, model.get_weights()
        best_name = ckpt.write(
            epoch + 1,
            model,
            {
                "epoch": epoch + 1,
                "history": history,
                "best_epoch": best_epoch,
                "best_score": list(best_score),
                "fingerprint": fingerprint,
                "run": run_data,
            },
            best_weights if improved else None,
            best_name,
        )
        progress.info(
            "Epoch {}/{}: loss {:.4f}, validation loss {:.4f}, IoU {}{} ({:.1f} s)".format(
                epoch + 1,
                config.epochs,
                train_loss,
                val_loss if val_loss is not None else float("nan"),
                ", ".join(
                    "{} {} (train {})".format(c, _fmt(v), _fmt(t))
                    for c, v, t in zip(p.class_names, feats, mon_feats)
                ),
                " - best so far" if improved else "",
                entry["seconds"],
            )
        )
        if (
            config.early_stopping
            and epoch + 1 - best_epoch >= config.early_stopping
            and epoch + 1 < config.epochs
        ):
            progress.info(
                "Early stopping: no improvement on validation for {} (best epoch {}).".format(
                    count(config.early_stopping, "epoch"), best_epoch
                )
            )
            stopped_early = True
            break

    canceled = flags["canceled"]
    if best_weights is None:
        if not canceled:  # not expected: every epoch either completes or is canceled
            raise TrainingError("No epoch was completed: set EPOCHS to at least 1.")
        raise CanceledError(
            "Canceled before the first epoch ended: no model was written and there is nothing to resume."
        )
    if canceled:
        progress.warning(
            "Canceled by the user: writing the best model so far (epoch {} of {}). Set RESUME to "
            "continue this run later.".format(best_epoch, config.epochs)
        )
    model.set_weights(best_weights)
    if on_gpu:
        keras.mixed_precision.set_global_policy("float32")
        final = build_model(spec)
        final.set_weights(best_weights)
        model = final
    best = next((h for h in history if h["epoch"] == best_epoch), {})
    previous = list(p.metadata.history or [])
    stage = 1 + max((int(h.get("stage", 1)) for h in previous), default=0)
    training_info = {
        "run": p.run.to_dict(),
        "best_epoch": best_epoch,
        "epochs_run": len(history),
        "canceled": canceled,
        "stopped_early": stopped_early,
        "refined_from": p.run.model if p.metadata.normalization is not None else None,
        "seconds": round(time.time() - t_start, 1),
        "best": best,
    }
    meta = dataclasses.replace(
        p.metadata,
        normalization=p.normalization,
        training=training_info,
        history=previous + [dict(h, stage=stage) for h in history],
    )
    save_model(model, meta, p.run.output_model)
    cfg_path = config_path_for(p.run.output_model)
    write_text_atomic(cfg_path, p.run.to_json())
    reports = []
    if p.run.output_report:
        from ..report import write_report

        summary = {
            "model": p.run.output_model,
            "initial model": p.run.model,
            "training rasters": ", ".join(p.run.training),
            "validation": ", ".join(p.run.validation) or "hold-out of the training rasters",
            "best epoch": best_epoch,
            "epochs run": len(history),
            "canceled": canceled,
            "stopped early": stopped_early,
            "classes": ", ".join(p.class_names),
            "best validation IoU": ", ".join(
                "{} {}".format(c, _fmt(v)) for c, v in (best.get("val_iou") or {}).items()
            ),
            "configuration": str(cfg_path),
        }
        reports = write_report(
            p.run.output_report,
            history,
            p.class_names,
            summary,
            title="Training report: {}".format(Path(p.run.output_model).name),
        )
    if not canceled:
        ckpt.remove()
    progress.progress(1.0)
    progress.info("Best model (epoch {}) written to {}.".format(best_epoch, p.run.output_model))
    return TrainResult(
        output_model=p.run.output_model,
        best_epoch=best_epoch,
        epochs_run=len(history),
        history=history,
        best_metrics=best,
        config_path=str(cfg_path),
        report_paths=reports,
        canceled=canceled,
        stopped_early=stopped_early,
        resumed_from=start_epoch,
    )


def _none_nan(v):
    return None if v is None or (isinstance(v, float) and math.isnan(v)) else float(v)


def _fmt(v) -> str:
    return "n/a" if v is None or (isinstance(v, float) and math.isnan(v)) else "{:.3f}".format(v)


def train_from_config(
    config_path: str,
    output_model: str | None = None,
    output_report: str | None = None,
    resume: bool = False,
    progress: Progress | None = None,
) -> TrainResult:
    """Re-run the experiment described by a run configuration JSON (``<model>.train.json``)."""
    run = TrainRun.load(config_path)
    return train_model(
        run.model,
        run.training,
        run.validation,
        output_model or run.output_model,
        run.config,
        output_report=output_report if output_report is not None else run.output_report,
        resume=resume,
        progress=progress,
        source_config=str(config_path),
    )
