"""The epoch loop: Keras ``model.fit`` one epoch at a time on a prepared run, validation after each epoch,
the best weights kept, a checkpoint written, early stopping and cancel, then the model, its run
configuration and the report written. Nothing here uses a backend-specific API."""

from __future__ import annotations

import dataclasses
import math
import threading
import time
from pathlib import Path

import numpy as np

from ..errors import CanceledError, TrainingError
from ..files import write_text_atomic
from ..progress import Progress, count
from .batches import EpochBatches, epoch_rng, make_dataset, pipeline_workers
from .checkpoint import Checkpoint, checkpoint_dir_for, fingerprint, fingerprint_data, run_differences
from .config import TrainConfig, TrainResult, config_path_for
from .metrics import evaluate
from .prepare import PreparedRun
from .targets import schedule_value


def bn_momentum(total_steps: int) -> float:
    """Batch-normalization momentum so the moving statistics settle within a short training run.

    Keras' 0.99 needs hundreds of steps; a CPU run of a few hundred steps would validate (and classify)
    with statistics still close to their initial values.
    """
    return float(min(0.99, max(0.8, 1.0 - 20.0 / max(total_steps, 1))))


def batch_progress_callback(keras, progress: Progress, epoch: int, epochs_total: int, start_epoch: int,
                            steps: int, state: dict):
    """A Keras callback reporting per-batch progress and stopping on cancel (``state["canceled"]``)."""
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


def _none_nan(v):
    return None if v is None or (isinstance(v, float) and math.isnan(v)) else float(v)


def _fmt(v) -> str:
    return "n/a" if v is None or (isinstance(v, float) and math.isnan(v)) else "{:.3f}".format(v)


class Trainer:
    """The epoch loop of a :class:`PreparedRun`: fit, validate, keep the best weights, checkpoint, stop
    early or on cancel, finish (write the best model)."""

    def __init__(self, keras, prepared: PreparedRun, progress: Progress, on_gpu: bool):
        self.keras, self.p, self.progress, self.on_gpu = keras, prepared, progress, on_gpu
        self.ckpt = Checkpoint(checkpoint_dir_for(prepared.run.output_model))
        self.run_data = fingerprint_data(prepared.run)
        self.fingerprint = fingerprint(self.run_data)
        self.history: list[dict] = []
        self.best_weights, self.best_score, self.best_epoch, self.best_name = None, None, 0, None
        self.start_epoch = 0
        self.flags = {"canceled": False}
        self.stopped_early = False
        self.model = self.schedule = self.loss_fn = None
        self.frozen = False

    @property
    def config(self) -> TrainConfig:
        """The run's settings."""
        return self.p.config

    def run(self, resume: bool) -> TrainResult:
        """Train from the first epoch, or (``resume``) after the checkpoint's last one; the result."""
        self.compile()
        self.resume(resume)
        workers = pipeline_workers(self.config.workers, self.on_gpu)
        t_start = time.time()
        for epoch in range(self.start_epoch, self.config.epochs):
            if not self.fit_epoch(epoch, workers):
                break
        return self.finish(t_start)

    def compile(self) -> None:
        """Load the model (rebuilt for mixed precision on a GPU), its schedule, loss and optimizer."""
        from ..nn import build_model, load_model
        from .losses import WarmupExponentialDecay, WeightedSegmentationLoss

        keras, config, steps = self.keras, self.config, self.p.steps
        model, _ = load_model(self.p.run.model)
        if self.on_gpu:
            keras.mixed_precision.set_global_policy("mixed_bfloat16")
            trained = model
            model = build_model(self.p.metadata.spec)
            model.set_weights(trained.get_weights())
            del trained
        total_steps = config.epochs * steps
        self.schedule = WarmupExponentialDecay(
            config.learning_rate, warmup_steps=max(1, min(steps, total_steps // 10)), total_steps=total_steps
        )
        self.loss_fn = WeightedSegmentationLoss(config.loss)
        momentum = bn_momentum(total_steps)
        for layer in model.layers:
            if isinstance(layer, keras.layers.BatchNormalization) and layer.momentum > momentum:
                layer.momentum = momentum
        model.compile(optimizer=keras.optimizers.Adam(learning_rate=self.schedule), loss=self.loss_fn)
        self.model = model
        if config.freeze_encoder_epochs and not self.p.metadata.spec.encoder:
            self.progress.warning("The model has no pretrained encoder: the epochs with a frozen encoder "
                                  "({}) are ignored.".format(config.freeze_encoder_epochs))

    def freeze_encoder(self, epoch: int) -> None:
        """Freeze a pretrained encoder during the first FREEZE_ENCODER_EPOCHS epochs (only the decoder
        learns, and the encoder's batch normalisation keeps its ImageNet statistics), then fine-tune it:
        the model is compiled again, the learning-rate schedule continues where it was."""
        from ..nn.encoders import is_encoder_layer

        frozen = epoch < self.config.freeze_encoder_epochs and bool(self.p.metadata.spec.encoder)
        if frozen == self.frozen:
            return
        keras, model = self.keras, self.model
        step = int(keras.ops.convert_to_numpy(model.optimizer.iterations))
        for layer in model.layers:
            if is_encoder_layer(layer.name):
                layer.trainable = not frozen
        optimizer = keras.optimizers.Adam(learning_rate=self.schedule)
        model.compile(optimizer=optimizer, loss=self.loss_fn)
        optimizer.build(model.trainable_variables)
        optimizer.iterations.assign(step)
        self.frozen = frozen
        if frozen:
            self.progress.info("The pretrained encoder is frozen for the first {}.".format(
                count(self.config.freeze_encoder_epochs, "epoch")))
        else:
            self.progress.info("Epoch {}: the pretrained encoder is fine-tuned from now on.".format(
                epoch + 1))

    def resume(self, resume: bool) -> None:
        """Continue the checkpoint of the same run (``resume``), or replace a previous checkpoint."""
        ckpt, progress = self.ckpt, self.progress
        state = ckpt.state()
        if not resume:
            if state is not None:
                progress.info("Replacing the previous checkpoint in '{}' (set RESUME to continue it).".format(
                    ckpt.folder))
                ckpt.remove()
            return
        if state is None:
            progress.info(
                "RESUME: no checkpoint found in '{}'; starting from the first epoch.".format(ckpt.folder)
            )
        elif state.get("fingerprint") != self.fingerprint:
            changed = run_differences(state.get("run"), self.run_data)
            raise TrainingError(
                "RESUME: the checkpoint in '{}' belongs to a run with other {}. Resume with the settings "
                "of that run, or untick RESUME to start this run from the first epoch (the checkpoint is "
                "then replaced).".format(
                    ckpt.folder, "settings ({})".format(", ".join(changed)) if changed else
                    "inputs or settings")
            )
        else:
            self.freeze_encoder(int(state["epoch"]) - 1)  # the saved optimizer state is of its last epoch
            self.best_weights = ckpt.restore(self.model, state)
            self.history = state["history"]
            self.start_epoch = int(state["epoch"])
            self.best_epoch, self.best_name = int(state.get("best_epoch", 0)), state.get("best")
            self.best_score = tuple(state["best_score"]) if state.get("best_score") else None
            progress.info("Resuming after epoch {} of {}.".format(self.start_epoch, self.config.epochs))

    def fit_epoch(self, epoch: int, workers: int) -> bool:
        """Train, validate and checkpoint epoch ``epoch`` (0-based); False when the loop stops here."""
        config, p, progress = self.config, self.p, self.progress
        if progress.is_canceled():
            self.flags["canceled"] = True
            return False
        t0 = time.time()
        self.freeze_encoder(epoch)
        cw = schedule_value(epoch, config.epochs, config.class_weight_max, config.class_weight_min)
        blur = schedule_value(epoch, config.epochs, config.blur_distance_max, config.blur_distance_min)
        windows = p.sampler.draw(p.ppe, cw, epoch_rng(config.seed, epoch))
        batches = EpochBatches(windows, p.batch, config.seed, epoch, blur, config.augment)
        data = make_dataset(self.keras, p.maker, batches, workers)
        callback = batch_progress_callback(
            self.keras, progress, epoch, config.epochs, self.start_epoch, p.steps, self.flags
        )
        fit = self.model.fit(
            data, epochs=epoch + 1, initial_epoch=epoch, verbose=0, shuffle=False, callbacks=[callback]
        )
        if self.flags["canceled"]:
            progress.info("Canceled during epoch {}: the unfinished epoch is discarded.".format(epoch + 1))
            return False
        train_loss = float(fit.history["loss"][-1])
        if not math.isfinite(train_loss):
            raise TrainingError(
                "Training diverged at epoch {} (the loss is not a number). Lower the learning rate (now {}) "
                "and check the label rasters for extreme values.".format(epoch + 1, config.learning_rate)
            )
        scores = self.validate(epoch)
        if scores is None:
            return False
        val_loss, feats, mon_feats = scores
        finite = [v for v in feats if not math.isnan(v)]
        mean_iou = float(np.mean(finite)) if finite else float("nan")
        entry = {
            "epoch": epoch + 1,
            "loss": train_loss,
            "val_loss": val_loss,
            "iou": {c: _none_nan(v) for c, v in zip(p.class_names, mon_feats)},
            "val_iou": {c: _none_nan(v) for c, v in zip(p.class_names, feats)},
            "val_mean_iou": _none_nan(mean_iou),
            "learning_rate": self.schedule.value((epoch + 1) * p.steps - 1),
            "class_weight": cw,
            "blur_distance": blur,
            "seconds": round(time.time() - t0, 3),
        }
        self.history.append(entry)
        score = (mean_iou if finite else -1.0, -(val_loss if val_loss is not None else 0.0))
        improved = self.checkpoint(epoch, score)
        self.log_epoch(entry, feats, mon_feats, improved)
        return not self.early_stop(epoch)

    def validate(self, epoch: int) -> tuple | None:
        """(validation loss, validation IoU, training IoU) of the feature classes after epoch ``epoch``;
        None when canceled meanwhile (the epoch is then discarded)."""
        p, canceled = self.p, self.progress.is_canceled
        keras, model, loss_fn = self.keras, self.model, self.loss_fn
        validated = evaluate(keras, model, loss_fn, p.validation, p.batch, p.n_outputs, canceled)
        monitored = validated and evaluate(keras, model, loss_fn, p.monitor, p.batch, p.n_outputs, canceled)
        if not monitored:
            self.flags["canceled"] = True
            self.progress.info("Canceled while validating epoch {}: the epoch is discarded.".format(
                epoch + 1))
            return None
        (val_loss, val_iou), (_, mon_iou) = validated, monitored
        feats = val_iou[1:] if p.n_outputs > 1 else val_iou[1:2]
        mon_feats = mon_iou[1:] if p.n_outputs > 1 else mon_iou[1:2]
        return val_loss, feats, mon_feats

    def checkpoint(self, epoch: int, score: tuple) -> bool:
        """Keep the weights when ``score`` is the best so far and write the checkpoint; True if improved."""
        improved = self.best_score is None or score > self.best_score
        if improved:
            self.best_score, self.best_epoch, self.best_weights = score, epoch + 1, self.model.get_weights()
        state = {
            "epoch": epoch + 1,
            "history": self.history,
            "best_epoch": self.best_epoch,
            "best_score": list(self.best_score),
            "fingerprint": self.fingerprint,
            "run": self.run_data,
        }
        self.best_name = self.ckpt.write(
            epoch + 1, self.model, state, self.best_weights if improved else None, self.best_name
        )
        return improved

    def log_epoch(self, entry: dict, feats: list, mon_feats: list, improved: bool) -> None:
        """The epoch's log line: losses and the IoU of each class."""
        val_loss = entry["val_loss"]
        self.progress.info(
            "Epoch {}/{}: loss {:.4f}, validation loss {:.4f}, IoU {}{} ({:.1f} s)".format(
                entry["epoch"],
                self.config.epochs,
                entry["loss"],
                val_loss if val_loss is not None else float("nan"),
                ", ".join(
                    "{} {} (train {})".format(c, _fmt(v), _fmt(t))
                    for c, v, t in zip(self.p.class_names, feats, mon_feats)
                ),
                " - best so far" if improved else "",
                entry["seconds"],
            )
        )

    def early_stop(self, epoch: int) -> bool:
        """True (and logged) when validation has not improved for EARLY_STOPPING epochs."""
        patience = self.config.early_stopping
        if patience and epoch + 1 - self.best_epoch >= patience and epoch + 1 < self.config.epochs:
            self.progress.info(
                "Early stopping: no improvement on validation for {} (best epoch {}).".format(
                    count(patience, "epoch"), self.best_epoch
                )
            )
            self.stopped_early = True
        return self.stopped_early

    def finish(self, t_start: float) -> TrainResult:
        """Write the best model, its run configuration and the report; remove the checkpoint unless
        canceled. :class:`CanceledError` when no epoch was completed."""
        canceled, run = self.flags["canceled"], self.p.run
        if self.best_weights is None:
            if not canceled:  # not expected: every epoch either completes or is canceled
                raise TrainingError("No epoch was completed: set EPOCHS to at least 1.")
            raise CanceledError(
                "Canceled before the first epoch ended: no model was written and there is nothing to resume."
            )
        if canceled:
            self.progress.warning(
                "Canceled by the user: writing the best model so far (epoch {} of {}). Set RESUME to "
                "continue this run later.".format(self.best_epoch, self.config.epochs)
            )
        best = next((h for h in self.history if h["epoch"] == self.best_epoch), {})
        self.save_model(best, round(time.time() - t_start, 1))
        cfg_path = config_path_for(run.output_model)
        write_text_atomic(cfg_path, run.to_json())
        reports = self.write_report(best, cfg_path) if run.output_report else []
        if not canceled:
            self.ckpt.remove()
        self.progress.progress(1.0)
        self.progress.info("Best model (epoch {}) written to {}.".format(self.best_epoch, run.output_model))
        return TrainResult(
            output_model=run.output_model,
            best_epoch=self.best_epoch,
            epochs_run=len(self.history),
            history=self.history,
            best_metrics=best,
            config_path=str(cfg_path),
            report_paths=reports,
            canceled=canceled,
            stopped_early=self.stopped_early,
            resumed_from=self.start_epoch,
        )

    def save_model(self, best: dict, seconds: float) -> None:
        """Write the best weights (in float32) with the metadata: normalization, training record, history."""
        from ..nn import build_model, save_model

        p, model = self.p, self.model
        model.set_weights(self.best_weights)
        if self.on_gpu:
            self.keras.mixed_precision.set_global_policy("float32")
            model = build_model(p.metadata.spec)
            model.set_weights(self.best_weights)
        previous = list(p.metadata.history or [])
        stage = 1 + max((int(h.get("stage", 1)) for h in previous), default=0)
        training_info = {
            "run": p.run.to_dict(),
            "best_epoch": self.best_epoch,
            "epochs_run": len(self.history),
            "canceled": self.flags["canceled"],
            "stopped_early": self.stopped_early,
            "refined_from": p.run.model if p.metadata.normalization is not None else None,
            "seconds": seconds,
            "best": best,
            "objects": p.objects,
        }
        meta = dataclasses.replace(
            p.metadata,
            normalization=p.normalization,
            training=training_info,
            history=previous + [dict(h, stage=stage) for h in self.history],
        )
        save_model(model, meta, p.run.output_model)

    def write_report(self, best: dict, cfg_path: Path) -> list[str]:
        """The training report (HTML, CSV, JSON); the written paths."""
        from .report import write_report

        run = self.p.run
        summary = {
            "model": run.output_model,
            "initial model": run.model,
            "training rasters": ", ".join(run.training),
            "validation": ", ".join(run.validation) or "hold-out of the training rasters",
            "best epoch": self.best_epoch,
            "epochs run": len(self.history),
            "canceled": self.flags["canceled"],
            "stopped early": self.stopped_early,
            "classes": ", ".join(self.p.class_names),
            "best validation IoU": ", ".join(
                "{} {}".format(c, _fmt(v)) for c, v in (best.get("val_iou") or {}).items()
            ),
            "configuration": str(cfg_path),
        }
        title = "Training report: {}".format(Path(run.output_model).name)
        return write_report(run.output_report, self.history, self.p.class_names, summary, title=title)
