"""Training (and refining) a model on label rasters: the entry points.

``train_model`` runs Keras 3 ``model.fit`` one epoch at a time on a :class:`keras.utils.PyDataset` whose
batches are a pure function of ``(seed, epoch, batch index)`` (patch windows drawn by inverse transform
sampling, read by windows, augmented, turned into targets in worker threads while the model trains), so
a run is reproducible and a resumed run sees exactly the batches the interrupted one would have seen.
After each epoch the model is evaluated on the validation patches (IoU per class in numpy, ignore and
NoData excluded), the best weights are kept, and a checkpoint (weights + optimizer state + JSON state) is
written atomically to ``<output>.checkpoint/``. The steps live in :mod:`.prepare` (inputs to a
:class:`~.prepare.PreparedRun`) and :mod:`.loop` (the :class:`~.loop.Trainer`).
"""

from __future__ import annotations

import os
from pathlib import Path

from ..device import select_device
from ..errors import LabelError, OutputError
from ..files import check_output_path, require_file
from ..progress import Progress, ensure
from .config import TrainConfig, TrainResult, TrainRun, config_path_for, merge_config
from .loop import Trainer
from .prepare import open_sources, prepare_run


def set_seeds(keras, seed: int, deterministic: bool) -> None:
    """Seed Python, numpy and the backend; on TensorFlow/CPU also make ops deterministic."""
    keras.utils.set_random_seed(int(seed))
    if deterministic and keras.backend.backend() == "tensorflow":
        import tensorflow as tf

        tf.config.experimental.enable_op_determinism()


def _check_inputs(model_path, training, validation, output_model, output_report, source_config=None) -> None:
    """Refuse missing inputs, bad output names, outputs that would replace an input, an unwritable folder."""
    from .report import report_files

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


# The public API, called by keyword by the worker ("training:train_model"): 9 parameters.
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

    progress = ensure(progress)
    config = config or TrainConfig()
    config.validate()
    training, validation = [str(p) for p in training], [str(p) for p in (validation or [])]
    output_model, output_report = str(output_model), str(output_report or "")
    _check_inputs(model_path, training, validation, output_model, output_report, source_config)
    run = TrainRun(str(model_path), training, validation, config, output_model, output_report)
    metadata = read_metadata(model_path)
    sources, val_sources = open_sources(run, metadata.spec, progress)
    try:
        return _train(run, metadata, sources, val_sources, progress, resume)
    finally:
        for s in sources + val_sources:
            s.close()


def _train(run: TrainRun, metadata, sources: list, val_sources: list, progress: Progress,
           resume: bool) -> TrainResult:
    """Choose the device, prepare the run and hand it to the :class:`Trainer`."""
    from .. import deps

    keras = deps.keras_backend_module()
    name, on_gpu = select_device(keras, run.config.device)  # DEVICE 'gpu' without one: now
    prepared = prepare_run(run, metadata, sources, val_sources, progress)
    set_seeds(keras, run.config.seed, deterministic=not on_gpu)
    progress.info(
        "Training on {} ({} backend){}.".format(
            "GPU" if on_gpu else "CPU",
            keras.backend.backend(),
            ", mixed precision (bfloat16)" if on_gpu else "",
        )
    )
    previous_policy = keras.mixed_precision.global_policy().name
    try:
        with keras.device(name):
            return Trainer(keras, prepared, progress, on_gpu).run(resume)
    finally:
        keras.mixed_precision.set_global_policy(previous_policy)


def train_from_config(
    config_path: str,
    output_model: str | None = None,
    output_report: str | None = None,
    resume: bool = False,
    progress: Progress | None = None,
) -> TrainResult:
    """Re-run the experiment described by a run configuration JSON (``<model>.train.json``); the outputs
    given here replace its own (see :func:`~.config.merge_config`)."""
    run = merge_config(config_path, output_model=output_model, output_report=output_report)
    return train_model(
        run.model,
        run.training,
        run.validation,
        run.output_model,
        run.config,
        output_report=run.output_report,
        resume=resume,
        progress=progress,
        source_config=str(config_path),
    )
