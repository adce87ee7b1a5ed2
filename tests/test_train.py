"""Training engine (core, CPU, tiny models): losses, reproducibility, resume, cancel, refine, config, data."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time

import numpy as np
import pytest

from deepfeature.core.errors import CanceledError, TrainingError
from deepfeature.core.progress import Progress, RecordingProgress
from deepfeature.core.training import LOSSES

from .conftest import PLUGINS
from .helpers_training import (
    TINY,
    bakerlake_label_rasters,
    massachusetts_label_rasters,
    synthetic_scene,
    tiny_config,
    write_label_raster,
)

pytestmark = pytest.mark.slow


def weights(path):
    from deepfeature.core.nn import load_model

    model, meta = load_model(path)
    return model.get_weights(), meta


class CancelOnMessage(Progress):
    """Cancels once a log line starts with ``prefix``; records everything."""

    def __init__(self, prefix):
        self.prefix, self.canceled, self.messages = prefix, False, []

    def emit(self, event):
        if event.text:
            self.messages.append(event.text)
            if event.text.startswith(self.prefix):
                self.canceled = True

    def is_canceled(self):
        return self.canceled


def test_losses_weight_pixels_and_ignore():
    import keras

    from deepfeature.core.training.losses import WarmupExponentialDecay, WeightedSegmentationLoss
    from deepfeature.core.training.targets import make_targets

    rng = np.random.default_rng(0)
    mask = (rng.random((2, 16, 16)) > 0.7).astype(np.uint8)
    mask[:, :4] = 255
    y1 = np.stack([make_targets(m, 1, 1) for m in mask])
    y2 = np.stack([make_targets(m, 1, 1, loss_weight=3.0) for m in mask])
    good = np.where(mask == 1, 0.9, 0.1)[..., None].astype(np.float32)
    bad = 1.0 - good
    for kind in LOSSES:
        loss = WeightedSegmentationLoss(kind)
        lg, lb = (float(keras.ops.convert_to_numpy(loss(y1, p))) for p in (good, bad))
        assert np.isfinite(lg) and lg < lb, kind
        # Ignore pixels (weight 0) do not change the loss whatever is predicted there.
        noisy = good.copy()
        noisy[:, :4] = rng.random(noisy[:, :4].shape)
        assert float(keras.ops.convert_to_numpy(loss(y1, noisy))) == pytest.approx(lg, rel=1e-5), kind
        assert WeightedSegmentationLoss.from_config(loss.get_config()).kind == kind
    # LOSS_WEIGHT makes missed features cost more than false alarms.
    ce = WeightedSegmentationLoss("cross_entropy")
    miss = np.where(mask == 1, 0.2, 0.1)[..., None].astype(np.float32)
    base = float(keras.ops.convert_to_numpy(ce(y1, miss))) / float(keras.ops.convert_to_numpy(ce(y1, good)))
    weighted = float(keras.ops.convert_to_numpy(ce(y2, miss))) / float(
        keras.ops.convert_to_numpy(ce(y2, good))
    )
    assert weighted > base
    # Multi-class (softmax) targets.
    m3 = rng.integers(0, 3, (2, 8, 8)).astype(np.uint8)
    y3 = np.stack([make_targets(m, 2, 3) for m in m3])
    p3 = np.eye(3, dtype=np.float32)[m3] * 0.9 + 0.05
    for kind in LOSSES:
        assert float(keras.ops.convert_to_numpy(WeightedSegmentationLoss(kind)(y3, p3))) < 0.5
    sched = WarmupExponentialDecay(0.01, warmup_steps=10, total_steps=110)
    values = [sched.value(s) for s in range(110)]
    assert values[0] == pytest.approx(0.001) and values[9] == pytest.approx(0.01)
    assert all(a >= b for a, b in zip(values[9:], values[10:])) and values[-1] == pytest.approx(
        0.0005, rel=0.05
    )
    assert float(keras.ops.convert_to_numpy(sched(50))) == pytest.approx(sched.value(50), rel=1e-5)


def test_batches_do_not_depend_on_worker_count(tiny_scene):
    import keras

    from deepfeature.core.nn import read_metadata
    from deepfeature.core.training import BatchMaker, EpochBatches, make_dataset
    from deepfeature.tests.helpers_training import prepared

    _, a, _ = tiny_scene
    sources, sampler, _, _ = prepared([a], patch=32)
    cfg = tiny_config(solid_distance=1, blur_distance_max=2)
    maker = BatchMaker(sources, 32, 1, read_metadata(tiny_scene[0]).spec.n_outputs, cfg)
    windows = sampler.draw(24, 1.0, np.random.default_rng(0))
    epoch0 = EpochBatches(windows, batch=8, seed=5, epoch=0, blur=2.0, augment=True)
    one = make_dataset(keras, maker, epoch0, workers=1)
    three = make_dataset(keras, maker, epoch0, workers=3)
    assert len(one) == 3
    for i in range(3):
        (x1, y1), (x3, y3) = one[i], three[i]
        assert x1.shape == (8, 32, 32, 3) and y1.shape == (8, 32, 32, 2)
        assert np.array_equal(x1, x3) and np.array_equal(y1, y3)
    epoch1 = EpochBatches(windows, batch=8, seed=5, epoch=1, blur=2.0, augment=True)
    assert not np.array_equal(one[0][0], make_dataset(keras, maker, epoch1, workers=1)[0][0])
    # The raster in memory (with its target codes, as training keeps it) gives the very same batches.
    assert sources[0].cache(10**9, cfg.solid_distance, cfg.blur_distance_max) > 0
    cached = make_dataset(keras, maker, epoch0, workers=4)
    for i in range(3):
        (x1, y1), (xc, yc) = one[i], cached[i]
        assert np.array_equal(x1, xc) and np.array_equal(y1, yc)
        assert xc.dtype == yc.dtype == np.float32 and xc.flags.c_contiguous and yc.flags.c_contiguous
        assert ((yc[..., 1] == 0) == (xc == 0).all(axis=-1)).mean() > 0.99  # weight 0 <=> ignore, x 0
    sources[0].close()


def test_pipeline_workers():
    from deepfeature.core.training import TrainConfig, pipeline_workers

    assert TrainConfig().workers == 0  # automatic
    assert pipeline_workers(3, True) == 3 and pipeline_workers(3, False) == 3
    cores = os.cpu_count() or 1
    assert pipeline_workers(0, True) == max(1, min(8, cores))
    assert pipeline_workers(0, False) == max(1, min(2, cores))


def test_train_writes_best_model_report_and_config_and_reruns_identically(tiny_scene, tmp_path):
    from deepfeature.core.nn import read_metadata
    from deepfeature.core.training import TrainRun, train_from_config, train_model

    model, a, b = tiny_scene
    cfg = tiny_config(epochs=3, class_weight_max=2.0, blur_distance_max=2.0, workers=2)
    out = tmp_path / "m.keras"
    progress = RecordingProgress()
    res = train_model(
        model, [a], [b], str(out), cfg, output_report=str(tmp_path / "r.html"), progress=progress
    )
    assert out.is_file() and not res.canceled and res.epochs_run == 3
    assert 1 <= res.best_epoch <= 3
    best = max(res.history, key=lambda h: (h["val_mean_iou"] or -1, -h["val_loss"]))
    assert res.best_epoch == best["epoch"]
    # Parameters that change per epoch: class weight MAX -> MIN, blur MAX -> MIN.
    assert [h["class_weight"] for h in res.history] == [2.0, 1.0, 0.0]
    assert [h["blur_distance"] for h in res.history] == [2.0, 1.0, 0.0]
    assert len([m for m in progress.messages if m.startswith("Epoch ")]) == 3
    fr = progress.fractions
    assert len(fr) >= 12 and fr[-1] == 1.0 and all(x <= y + 1e-9 for x, y in zip(fr, fr[1:]))
    meta = read_metadata(out)
    assert meta.normalization and meta.normalization.bands == 3
    assert meta.training["best_epoch"] == res.best_epoch and len(meta.history) == 3
    # Report: inline SVG charts + CSV + JSON.
    html = (tmp_path / "r.html").read_text()
    assert html.count("<svg") == 2 and "polyline" in html
    assert html.count('<tr class="best"><td>{}</td>'.format(res.best_epoch)) == 1  # the saved epoch
    csv_lines = (tmp_path / "r.csv").read_text().splitlines()
    assert len(csv_lines) == 4 and "val_iou_building" in csv_lines[0]
    assert len(json.loads((tmp_path / "r.json").read_text())["history"]) == 3
    # Checkpoints are removed after a completed run.
    assert not (tmp_path / "m.keras.checkpoint").exists()
    # The run configuration re-runs the same experiment: identical weights (same seed, CPU).
    run = TrainRun.load(res.config_path)
    assert run.config == cfg and run.training == [a] and run.validation == [b]
    res2 = train_from_config(res.config_path, output_model=str(tmp_path / "m2.keras"), output_report="")
    w1, _ = weights(out)
    w2, _ = weights(tmp_path / "m2.keras")
    assert res2.best_epoch == res.best_epoch
    assert all(np.array_equal(x, y) for x, y in zip(w1, w2))
    # Another seed gives another model.
    res3 = train_model(model, [a], [b], str(tmp_path / "m3.keras"), tiny_config(epochs=1, seed=99))
    w3, _ = weights(res3.output_model)
    assert not all(np.array_equal(x, y) for x, y in zip(w1, w3))


def test_cancel_keeps_best_model_and_resume_finishes(tiny_scene, tmp_path):
    from deepfeature.core.training import checkpoint_dir_for, train_model

    model, a, _ = tiny_scene
    out = tmp_path / "c.keras"
    cfg = tiny_config(epochs=4)
    progress = CancelOnMessage("Epoch 2/4")
    t = time.time()
    res = train_model(model, [a], None, str(out), cfg, progress=progress)
    assert res.canceled and res.epochs_run == 2 and out.is_file()
    assert any("best model so far" in m for m in progress.messages)
    assert checkpoint_dir_for(out).is_dir()
    _, meta = weights(out)
    assert meta.training["canceled"] and meta.training["best_epoch"] == res.best_epoch
    # RESUME with other settings is refused, names what differs and leaves the checkpoint as it was.
    state = (checkpoint_dir_for(out) / "state.json").read_text()
    with pytest.raises(TrainingError, match=r"other settings \(EPOCHS 4 -> 6\).*untick RESUME"):
        train_model(model, [a], None, str(out), tiny_config(epochs=6), resume=True)
    assert (checkpoint_dir_for(out) / "state.json").read_text() == state
    res2 = train_model(model, [a], None, str(out), cfg, resume=True)
    assert res2.resumed_from == 2 and res2.epochs_run == 4 and not res2.canceled
    assert [h["epoch"] for h in res2.history] == [1, 2, 3, 4]
    assert not checkpoint_dir_for(out).exists()
    assert time.time() - t < 120
    # Cancel inside the first epoch: stops at once and writes nothing (a model without a single
    # finished epoch would pass for a trained one; there is no checkpoint to resume either).
    early = RecordingProgress(cancel_after=3)
    with pytest.raises(CanceledError, match="no model was written and there is nothing to resume"):
        train_model(model, [a], None, str(tmp_path / "e.keras"), tiny_config(epochs=3), progress=early)
    assert not (tmp_path / "e.keras").exists() and not checkpoint_dir_for(tmp_path / "e.keras").exists()


RESUME_SCRIPT = """
import os, sys
sys.path.insert(0, {plugins!r})
os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
from deepfeature.core.training import TrainConfig, train_model
cfg = TrainConfig(**{cfg!r})
train_model({model!r}, [{a!r}], None, {out!r}, cfg)
"""


def test_resume_after_sigkill_ends_with_same_epoch_count(tiny_scene, tmp_path):
    from deepfeature.core.training import checkpoint_dir_for, train_model

    model, a, _ = tiny_scene
    out = tmp_path / "k.keras"
    cfg = tiny_config(epochs=6, patches_per_epoch=96)
    script = RESUME_SCRIPT.format(plugins=str(PLUGINS), cfg=cfg.to_dict(), model=model, a=a, out=str(out))
    proc = subprocess.Popen([sys.executable, "-c", script], stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    state = checkpoint_dir_for(out) / "state.json"
    deadline = time.time() + 240
    try:
        while not state.exists() and proc.poll() is None and time.time() < deadline:
            time.sleep(0.02)
        assert state.exists(), proc.stderr.read().decode()[-2000:] if proc.poll() is not None else "timeout"
        os.kill(proc.pid, signal.SIGKILL)
    finally:
        proc.wait(timeout=60)
    assert proc.returncode == -signal.SIGKILL
    killed_at = json.loads(state.read_text())["epoch"]
    assert 1 <= killed_at < 6 and not out.exists()
    res = train_model(model, [a], None, str(out), cfg, resume=True)
    assert res.resumed_from == killed_at
    assert res.epochs_run == 6 and [h["epoch"] for h in res.history] == list(range(1, 7))
    assert out.is_file() and not checkpoint_dir_for(out).exists()


def test_validation_without_a_class_is_warned_and_not_scored_zero(tiny_scene, tmp_path):
    """A class absent from the validation truth has an undefined IoU (not 0, which false positives would
    give): the user is told, and the best epoch is chosen on what can be measured."""
    from deepfeature.core.training import iou_per_class, train_model

    # Truth rows: background 10 px, class 1 none; prediction: 3 false positives of class 1.
    assert np.isnan(iou_per_class(np.array([[7, 3], [0, 0]]))[1])
    model, a, _ = tiny_scene
    image, mask = synthetic_scene(h=96, w=128, seed=12)
    empty = write_label_raster(tmp_path / "background.tif", image, np.where(mask == 255, 255, 0))
    progress = RecordingProgress()
    res = train_model(model, [a], [empty], str(tmp_path / "v.keras"), tiny_config(epochs=2),
                      progress=progress)
    (warning,) = [w for w in progress.warnings if "no pixels of the class" in w]
    assert "'building'" in warning and "on the validation loss" in warning
    assert all(h["val_iou"]["building"] is None and h["val_mean_iou"] is None for h in res.history)
    assert res.best_epoch == min(res.history, key=lambda h: h["val_loss"])["epoch"]


def test_refine_changes_weights_and_keeps_normalization(tiny_scene, tmp_path):
    from deepfeature.core.training import train_model

    model, a, b = tiny_scene
    first = train_model(model, [a], None, str(tmp_path / "A.keras"), tiny_config())
    w_a, meta_a = weights(first.output_model)
    progress = RecordingProgress()
    second = train_model(
        first.output_model, [b], None, str(tmp_path / "B.keras"), tiny_config(seed=4), progress=progress
    )
    w_b, meta_b = weights(second.output_model)
    assert any("keeping its normalization" in m for m in progress.messages)
    assert meta_b.normalization == meta_a.normalization and meta_b.spec == meta_a.spec
    assert meta_b.training["refined_from"] == first.output_model
    assert [h["stage"] for h in meta_b.history] == [1, 1, 2, 2]
    assert not all(np.array_equal(x, y) for x, y in zip(w_a, w_b))


def test_multiclass_with_ignore_and_solid_distance(tmp_path):
    from deepfeature.core.nn import ModelSpec, initialize_model
    from deepfeature.core.training import train_model

    image, mask = synthetic_scene(h=128, w=128, seed=21)
    multi = mask.copy()
    multi[60:68, :] = 2  # the road as a second class
    multi[:, :10] = 255  # ignore
    path = write_label_raster(tmp_path / "m.tif", image, multi, classes={1: "building", 2: "road"})
    model = tmp_path / "init.keras"
    initialize_model(ModelSpec(bands=3, classes=("building", "road"), **TINY), model, seed=2)
    res = train_model(
        str(model),
        [path],
        None,
        str(tmp_path / "out.keras"),
        tiny_config(solid_distance=1.0, loss="cross_entropy"),
    )
    h = res.history[-1]
    assert set(h["val_iou"]) == {"building", "road"} and np.isfinite(h["val_loss"])


@pytest.mark.realdata
def test_massachusetts_training_beats_trivial_baseline(massachusetts, tmp_path):
    """A short CPU run (patch 64, 8 base filters) already beats 'everything is a building' clearly."""
    import rasterio

    from deepfeature.core.nn import ModelSpec, initialize_model
    from deepfeature.core.training import train_model

    train, val = massachusetts_label_rasters(tmp_path, massachusetts)
    with rasterio.open(val) as src:
        truth = src.read(4)
    baseline = float((truth == 1).mean())  # IoU of predicting building everywhere
    model = tmp_path / "init.keras"
    initialize_model(
        ModelSpec(bands=3, classes=("building",), patch_size=64, base_filters=8, depth=4), model, seed=0
    )
    res = train_model(
        str(model),
        [train],
        [val],
        str(tmp_path / "out.keras"),
        tiny_config(
            epochs=6,
            patches_per_epoch=128,
            patches_per_batch=8,
            workers=2,
            learning_rate=0.003,
            class_weight_max=1.0,
        ),
    )
    iou = res.best_metrics["val_iou"]["building"]
    print("Massachusetts quick run: building IoU {:.3f} (baseline {:.3f})".format(iou, baseline))
    assert iou > baseline + 0.15


@pytest.mark.realdata
def test_bakerlake_four_classes_with_ignore(bakerlake, tmp_path):
    from deepfeature.core.nn import ModelSpec, initialize_model
    from deepfeature.core.training import train_model

    rasters = bakerlake_label_rasters(tmp_path, bakerlake)
    classes = ("water", "forest", "road", "building")
    model = tmp_path / "init.keras"
    initialize_model(ModelSpec(bands=3, classes=classes, **TINY), model, seed=0)
    res = train_model(
        str(model), rasters, None, str(tmp_path / "out.keras"), tiny_config(epochs=2, workers=2)
    )
    assert set(res.history[-1]["val_iou"]) == set(classes)
    assert res.best_metrics["val_mean_iou"] is not None


def test_run_configuration_paths_work_from_any_folder(tmp_path, monkeypatch):
    """The written configuration holds absolute paths; a hand-written one with relative paths is read
    against its own folder, so CONFIG re-runs whatever the working folder."""
    from deepfeature.core.training import TrainConfig, TrainRun

    work = tmp_path / "project"
    work.mkdir()
    monkeypatch.chdir(work)
    run = TrainRun("init.keras", ["labels.tif"], [], TrainConfig(), output_model="out/m.keras")
    data = json.loads(run.to_json())
    assert data["model"] == str(work / "init.keras") and data["training"] == [str(work / "labels.tif")]
    assert data["output_model"] == str(work / "out" / "m.keras") and data["output_report"] == ""
    data.update(model="init.keras", training=["sub/labels.tif", str(tmp_path / "abs.tif")])
    (work / "run.train.json").write_text(json.dumps(data))
    monkeypatch.chdir(tmp_path)
    loaded = TrainRun.load(work / "run.train.json")
    assert loaded.model == str(work / "init.keras")
    assert loaded.training == [str(work / "sub" / "labels.tif"), str(tmp_path / "abs.tif")]
    assert loaded.config == TrainConfig()


def test_other_class_names_and_unlabelled_classes_are_warned(tiny_scene, tmp_path):
    """Labels whose class names are not the model's train by class number, with a warning; a model
    class without any training pixel is named, since the model cannot learn it."""
    from deepfeature.core.nn import ModelSpec, initialize_model
    from deepfeature.core.training import train_model

    model, a, _ = tiny_scene
    two = tmp_path / "two.keras"
    initialize_model(ModelSpec(bands=3, classes=("building", "road"), **TINY), two, seed=1)
    house = write_label_raster(tmp_path / "house.tif", *synthetic_scene(h=96, w=96, seed=13),
                               classes={1: "house"})
    progress = RecordingProgress()
    train_model(str(two), [house], None, str(tmp_path / "t.keras"), tiny_config(epochs=1), progress=progress)
    warnings = progress.warnings
    assert any("1=house" in w and "1=building, 2=road" in w and "class numbers" in w for w in warnings)
    assert any(w.startswith("No training pixels of the class(es) 'road'") for w in warnings)
    # Matching names and every class labelled: neither warning.
    progress = RecordingProgress()
    train_model(model, [a], None, str(tmp_path / "m.keras"), tiny_config(epochs=1), progress=progress)
    warnings = progress.warnings
    assert not any("class numbers" in w or "No training pixels" in w for w in warnings)


def test_report_axes_stay_within_the_metric_range(tmp_path):
    """IoU from 0 to 1, a loss from 0: no negative tick even when a class stays at IoU 0."""
    import re

    from deepfeature.core.training import write_report

    history = [{"epoch": e, "loss": 0.9 - 0.2 * e, "val_loss": 0.95 - 0.2 * e,
                "iou": {"road": 0.0, "building": 0.3 * e}, "val_iou": {"road": 0.0, "building": 0.25 * e}}
               for e in (1, 2, 3)]
    write_report(tmp_path / "r.html", history, ["road", "building"], {"best_epoch": 3})
    html = (tmp_path / "r.html").read_text()
    charts = re.findall(r"<svg.*?</svg>", html, flags=re.S)
    assert len(charts) == 2
    for chart in charts:
        ticks = [float(t) for t in re.findall(r'text-anchor="end">([-0-9.e]+)</text>', chart)]
        assert len(ticks) == 5 and min(ticks) >= 0.0
    iou_ticks = [float(t) for t in re.findall(r'text-anchor="end">([-0-9.e]+)</text>', charts[1])]
    assert iou_ticks[0] == 0.0 and max(iou_ticks) <= 1.0
