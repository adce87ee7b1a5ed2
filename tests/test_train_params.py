"""Training parameters and their documented behaviour (core, CPU, tiny models): EARLY_STOPPING,
PATCH_SAMPLING_RATE, OUTPUT_MODEL = best epoch, DEVICE, metrics without ignore pixels, mixed label
rasters, the per-epoch log line, cancel during validation, ignore pixels keep their imagery."""

from __future__ import annotations

import math
import re
import threading

import numpy as np
import pytest

from deepfeature.core.errors import ParameterError
from deepfeature.core.progress import PROGRESS, RecordingProgress
from deepfeature.core.training.targets import IGNORE

from .helpers_training import prepared, synthetic_scene, write_label_raster

PATCH = 32
TINY = dict(patch_size=PATCH, base_filters=4, depth=2)


def tiny_config(**kw):
    """test_train's tiny configuration with 16 patches per epoch (these rasters are 64 x 64)."""
    from .helpers_training import tiny_config as train_config

    return train_config(**dict({"patches_per_epoch": 16}, **kw))


@pytest.fixture(scope="module")
def scene(tmp_path_factory):
    """A tiny one-class model, the same model frozen (no trainable weight), a training and a validation
    label raster (64 x 64, uint8)."""
    from deepfeature.core.nn import ModelSpec, initialize_model, load_model, save_model

    folder = tmp_path_factory.mktemp("train_params")
    model = folder / "init.keras"
    initialize_model(ModelSpec(bands=3, classes=("building",), **TINY), model, seed=1)
    net, meta = load_model(model)
    for layer in net.layers:  # frozen: no weight and no batch-normalization statistic can change
        layer.trainable = False
    frozen = folder / "frozen.keras"
    save_model(net, meta, frozen)
    a = write_label_raster(folder / "a.tif", *synthetic_scene(h=64, w=64, seed=11))
    b = write_label_raster(folder / "b.tif", *synthetic_scene(h=64, w=64, seed=12))
    return dict(model=str(model), frozen=str(frozen), a=a, b=b, folder=folder)


def model_weights(path):
    from deepfeature.core.nn import load_model

    model, meta = load_model(path)
    return model, model.get_weights(), meta


def same_arrays(xs, ys) -> bool:
    return len(xs) == len(ys) and all(np.array_equal(x, y) for x, y in zip(xs, ys))


def training_batch_fractions(progress) -> list[float]:
    """Progress fractions of the training batches (``_BatchCallback``: 0.03 + 0.95 * done / epochs);
    the raster scan reports 0..0.02 and the end 1.0."""
    return [f for f in progress.fractions if 0.03 < f < 0.99]


# -- 1. EARLY_STOPPING ---------------------------------------------------------------------------------


@pytest.mark.slow
@pytest.mark.filterwarnings("ignore:The model does not have any trainable weights")
def test_early_stopping_stops_when_validation_does_not_improve(scene, tmp_path):
    """A frozen model (and a learning rate of 1e-12) cannot change its validation score: training stops
    PATIENCE epochs after the first one; without early stopping the same run goes all EPOCHS.

    (A learning rate of 1e-12 alone is not enough: batch normalization's moving statistics are updated by
    every training step whatever the learning rate, and they move the validation score.)"""
    from deepfeature.core.nn import read_metadata
    from deepfeature.core.training import train_model

    epochs = 4
    for patience in (1, 2):
        progress = RecordingProgress()
        out = tmp_path / "es{}.keras".format(patience)
        res = train_model(
            scene["frozen"], [scene["a"]], [scene["b"]], str(out),
            tiny_config(epochs=epochs, learning_rate=1e-12, early_stopping=patience), progress=progress,
        )
        scores = {(h["val_mean_iou"], h["val_loss"]) for h in res.history}
        assert len(scores) == 1  # the premise: validation never improves after epoch 1
        assert res.stopped_early and res.best_epoch == 1
        assert res.epochs_run == 1 + patience < epochs
        assert [h["epoch"] for h in res.history] == list(range(1, 2 + patience))
        training = read_metadata(out).training
        assert training["stopped_early"] is True and training["epochs_run"] == 1 + patience
        stops = [m for m in progress.messages if m.startswith("Early stopping")]
        assert len(stops) == 1 and "(best epoch 1)" in stops[0]
        assert "for {} (".format("1 epoch" if patience == 1 else "{} epochs".format(patience)) in stops[0]
        assert not any(m.startswith("Epoch {}/".format(2 + patience)) for m in progress.messages)
    progress = RecordingProgress()
    res = train_model(
        scene["frozen"], [scene["a"]], [scene["b"]], str(tmp_path / "all.keras"),
        tiny_config(epochs=epochs, learning_rate=1e-12, early_stopping=0), progress=progress,
    )
    assert not res.stopped_early and res.epochs_run == epochs and res.best_epoch == 1
    assert not any(m.startswith("Early stopping") for m in progress.messages)
    assert read_metadata(res.output_model).training["stopped_early"] is False


# -- 2. PATCH_SAMPLING_RATE ----------------------------------------------------------------------------

EPOCH_LINE = re.compile(
    r"^(\d+) epochs x (\d+) patches \((\d+) batches of (\d+)\), patch (\d+) x (\d+) pixels\.$"
)


@pytest.mark.slow
def test_patch_sampling_rate_sets_the_patches_per_epoch(scene, tmp_path):
    """PATCHES_PER_EPOCH 0: ceil(rate * labelled pixels / patch area) patches, rounded up to whole
    batches; the epoch really trains that many batches; twice the rate, about twice the patches."""
    from deepfeature.core.training import patches_per_epoch, train_model

    image, mask = synthetic_scene(h=64, w=64, seed=11)
    mask = mask.copy()
    mask[:10] = 255  # ignore: not labelled
    mask[30:34, 50:] = 255
    path = write_label_raster(tmp_path / "rate.tif", image, mask)
    labelled = int((mask != 255).sum())
    batch = 2
    found = {}
    for rate in (4.0, 8.0):
        cfg = tiny_config(epochs=1, patches_per_epoch=0, patches_per_batch=batch, patch_sampling_rate=rate)
        progress = RecordingProgress()
        res = train_model(scene["model"], [path], [scene["b"]], str(tmp_path / "r{}.keras".format(rate)),
                          cfg, progress=progress)
        (line,) = [m for m in progress.messages if EPOCH_LINE.match(m)]
        epochs, ppe, steps, per_batch, p1, p2 = map(int, EPOCH_LINE.match(line).groups())
        expected = math.ceil(math.ceil(rate * labelled / float(PATCH * PATCH)) / batch) * batch
        assert (epochs, ppe, steps, per_batch) == (1, expected, expected // batch, batch)
        assert (p1, p2) == (PATCH, PATCH)
        assert patches_per_epoch(cfg, labelled, PATCH) == ppe
        assert len(training_batch_fractions(progress)) == steps  # one progress report per trained batch
        assert res.epochs_run == 1
        found[rate] = ppe
    assert abs(found[8.0] - 2 * found[4.0]) <= batch and found[8.0] > found[4.0]


# -- 3. OUTPUT_MODEL is the best epoch -----------------------------------------------------------------


def validation_patches(path, metadata, config):
    """The validation patches, masks of a run as the training preparation builds them: grid windows with
    labels."""
    from deepfeature.core.training import BatchMaker
    from deepfeature.core.training.sampling import LabelSource, grid_windows

    spec = metadata.spec
    source = LabelSource(path, spec.bands, tuple(spec.classes), model_ids=spec.ids)
    source.set_normalization(metadata.normalization)
    windows = [(0, r, c) for r, c in grid_windows(source, spec.patch_size)]
    masks = np.stack([source.read(r, c, spec.patch_size, spec.patch_size)[1] for _, r, c in windows])
    keep = [i for i in range(len(windows)) if (masks[i] != IGNORE).any()]
    maker = BatchMaker([source], spec.patch_size, len(spec.classes), spec.n_outputs, config)
    x, _ = maker.make([windows[i] for i in keep], None, config.blur_distance_min, False)
    source.close()
    return x, masks[keep]


@pytest.mark.slow
def test_output_model_is_the_best_epoch_not_the_last(scene, tmp_path, monkeypatch):
    """Validation truth that is the inverse of the training truth (building <-> ground on the same
    image): the more the model learns buildings, the worse it scores, so the best epoch is an early one.
    The written model scores exactly the best epoch's validation IoU and holds its weights."""
    from deepfeature.core.training import Checkpoint, checkpoint_dir_for, load_arrays, train_model

    image, mask = synthetic_scene(h=64, w=64, seed=12)
    inverted = write_label_raster(tmp_path / "inverted.tif", image, 1 - mask)
    monkeypatch.setattr(Checkpoint, "remove", lambda self: None)  # keep best-NNNN.npz to compare
    cfg = tiny_config(epochs=3, patches_per_epoch=32, learning_rate=0.01)
    out = tmp_path / "best.keras"
    res = train_model(scene["model"], [scene["a"]], [inverted], str(out), cfg)
    assert res.epochs_run == 3 and not res.stopped_early
    assert res.best_epoch < res.epochs_run  # deterministic on the CPU (seeded, deterministic ops)
    best = res.history[res.best_epoch - 1]
    last = res.history[-1]
    assert best["val_mean_iou"] > last["val_mean_iou"] + 1e-3

    model, saved, meta = model_weights(out)
    assert meta.training["best_epoch"] == res.best_epoch
    x, masks = validation_patches(inverted, meta, cfg)
    prob = np.concatenate([np.asarray(model.predict_on_batch(x[i : i + 8])) for i in range(0, len(x), 8)])
    pred = prob[..., 0] >= 0.5
    valid = masks != IGNORE
    truth = masks == 1
    tp = int((pred & truth & valid).sum())
    union = int(((pred | truth) & valid).sum())
    iou = tp / union
    assert iou == pytest.approx(best["val_iou"]["building"], abs=1e-4)
    assert abs(iou - last["val_iou"]["building"]) > 1e-3

    folder = checkpoint_dir_for(out)
    assert Checkpoint(folder).state()["best"] == "best-{:04d}.npz".format(res.best_epoch)
    best_weights = load_arrays(folder / "best-{:04d}.npz".format(res.best_epoch))
    last_weights = load_arrays(folder / "weights-{:04d}.npz".format(res.epochs_run))[: len(saved)]
    assert same_arrays(saved, best_weights)
    assert not same_arrays(saved, last_weights)


# -- 4. DEVICE 'gpu' without a GPU ---------------------------------------------------------------------


def test_device_gpu_without_a_gpu_is_refused_before_scanning(scene, tmp_path, monkeypatch):
    from deepfeature.core import deps, device
    from deepfeature.core.training import checkpoint_dir_for, train_model
    from deepfeature.core.training.sampling import LabelSource

    keras = deps.keras_backend_module()
    if device.gpu_available(keras):  # a machine with a GPU: make it one without
        monkeypatch.setattr(device, "gpu_available", lambda keras: False)
    scans = []
    real_scan = LabelSource.scan

    def scan(self, *args, **kwargs):
        scans.append(self.path)
        return real_scan(self, *args, **kwargs)

    monkeypatch.setattr(LabelSource, "scan", scan)
    progress = RecordingProgress()
    out = tmp_path / "gpu.keras"
    with pytest.raises(ParameterError, match=r"No GPU is available.*Choose DEVICE 'auto' or 'cpu'"):
        train_model(scene["model"], [scene["a"]], [scene["b"]], str(out), tiny_config(device="gpu"),
                          progress=progress)
    assert not any(m.startswith("Scanning") for m in progress.messages) and scans == []
    assert not out.exists() and not checkpoint_dir_for(out).exists()


# -- 5. Metrics without ignore pixels ------------------------------------------------------------------


def test_confusion_and_iou_exclude_ignore_pixels():
    from deepfeature.core.training import confusion, iou_per_class

    rng = np.random.default_rng(0)
    n = 4
    truth = rng.integers(0, n, (3, 40, 50)).astype(np.uint8)
    truth[truth == 3] = 0  # class 3 is never in the truth (but is predicted): IoU undefined
    truth[rng.random(truth.shape) < 0.3] = IGNORE
    pred = rng.integers(0, n, truth.shape).astype(np.uint8)
    expected = np.zeros((n, n), np.int64)
    for t, p in zip(truth.ravel().tolist(), pred.ravel().tolist()):
        if t != IGNORE:
            expected[t, p] += 1
    matrix = confusion(pred, truth, n)
    assert np.array_equal(matrix, expected)
    assert matrix.sum() == int((truth != IGNORE).sum()) < truth.size
    # Whatever is predicted on ignore pixels does not count.
    other = pred.copy()
    other[truth == IGNORE] = (other[truth == IGNORE] + 1) % n
    assert np.array_equal(confusion(other, truth, n), expected)
    valid = truth != IGNORE
    iou = []
    for c in range(n):
        tp = np.sum((pred == c) & (truth == c) & valid)
        fp = np.sum((pred == c) & (truth != c) & valid)
        fn = np.sum((pred != c) & (truth == c) & valid)
        iou.append(tp / float(tp + fp + fn) if np.any((truth == c) & valid) else float("nan"))
    got = iou_per_class(matrix)
    assert math.isnan(got[3]) and all(0 < v < 1 for v in got[:3])
    np.testing.assert_allclose(got, iou, rtol=1e-12, equal_nan=True)


# -- 6. Label rasters of different sizes and data types ------------------------------------------------


@pytest.mark.slow
def test_label_rasters_of_other_sizes_and_types_train_together(scene, tmp_path):
    """A uint8 and a uint16 label raster (other sizes, NoData in one) in one run: the normalization is the
    pooled per-band mean / std over the labelled pixels of both."""
    from deepfeature.core.nn import read_metadata
    from deepfeature.core.training import train_model

    img8, mask8 = synthetic_scene(h=96, w=64, seed=31)
    mask8 = mask8.copy()
    mask8[:6] = 255
    img16, mask16 = synthetic_scene(h=64, w=112, seed=32)
    img16 = img16.astype(np.uint16) * 3 + 500
    mask16 = mask16.copy()
    mask16[:, :5] = 255
    img16[:, 40:44, 60:70] = 9999  # NoData (labelled background: excluded all the same)
    p8 = write_label_raster(tmp_path / "u8.tif", img8, mask8)
    p16 = write_label_raster(tmp_path / "u16.tif", img16, mask16, nodata=9999, dtype="uint16")
    progress = RecordingProgress()
    res = train_model(scene["model"], [p8, p16], [scene["b"]], str(tmp_path / "mixed.keras"),
                      tiny_config(epochs=1), progress=progress)
    assert res.epochs_run == 1 and not res.canceled
    valid8 = mask8 != 255
    valid16 = (mask16 != 255) & ~(img16 == 9999).any(axis=0)
    pixels = np.concatenate([img8[:, valid8], img16[:, valid16]], axis=1).astype(np.float64)
    norm = read_metadata(res.output_model).normalization
    np.testing.assert_allclose(norm.mean, pixels.mean(axis=1), rtol=1e-7)
    np.testing.assert_allclose(norm.std, pixels.std(axis=1), rtol=1e-6)
    # Pooled indeed: far from either raster's own statistics.
    assert np.all(np.abs(np.asarray(norm.mean) - img8[:, valid8].mean(axis=1)) > 50)
    assert np.all(np.abs(np.asarray(norm.mean) - img16[:, valid16].mean(axis=1)) > 50)
    background = int(((mask8 == 0) & valid8).sum() + ((mask16 == 0) & valid16).sum())
    building = int(((mask8 == 1) & valid8).sum() + ((mask16 == 1) & valid16).sum())
    assert "Scanning 2 training label raster(s)..." in progress.messages
    assert "Labelled training pixels: {} background, {} building.".format(background, building) in (
        progress.messages
    )


# -- 7. The per-epoch log line -------------------------------------------------------------------------


def fmt(value) -> str:
    return "n/a" if value is None else "{:.3f}".format(value)


@pytest.mark.slow
def test_epoch_log_line_names_losses_and_the_iou_of_each_class(tmp_path):
    from deepfeature.core.nn import ModelSpec, initialize_model
    from deepfeature.core.training import train_model

    classes = {1: "building", 2: "road"}
    paths = []
    for name, seed in (("t", 21), ("v", 22)):
        image, mask = synthetic_scene(h=64, w=64, seed=seed)
        multi = mask.copy()
        multi[29:35, :] = 2  # the road (rows h/2 - 3 .. h/2 + 2) as a second class
        paths.append(write_label_raster(tmp_path / "{}.tif".format(name), image, multi, classes=classes))
    model = tmp_path / "two.keras"
    initialize_model(ModelSpec(bands=3, classes=("building", "road"), **TINY), model, seed=2)
    progress = RecordingProgress()
    res = train_model(str(model), [paths[0]], [paths[1]], str(tmp_path / "out.keras"), tiny_config(epochs=2),
                      progress=progress)
    lines = [m for m in progress.messages if m.startswith("Epoch ")]
    assert len(lines) == len(res.history) == 2
    pattern = re.compile(
        r"^Epoch (\d+)/2: loss (\d+\.\d{4}), validation loss (\d+\.\d{4}), IoU "
        r"building (\d\.\d{3}) \(train (\d\.\d{3}|n/a)\), road (\d\.\d{3}) \(train (\d\.\d{3}|n/a)\)"
        r"( - best so far)? \(\d+\.\d s\)$"
    )
    for line, h in zip(lines, res.history):
        match = pattern.match(line)
        assert match, line
        epoch, loss, val_loss, building, _, road, _, best = match.groups()
        assert int(epoch) == h["epoch"]
        assert float(loss) == pytest.approx(h["loss"], abs=6e-5)
        assert float(val_loss) == pytest.approx(h["val_loss"], abs=6e-5)
        assert building == fmt(h["val_iou"]["building"]) and road == fmt(h["val_iou"]["road"])
        iou = ", ".join("{} {} (train {})".format(c, fmt(h["val_iou"][c]), fmt(h["iou"][c]))
                        for c in ("building", "road"))
        assert "IoU {}".format(iou) in line
        assert (best is not None) == (h["epoch"] == 1 or h["epoch"] == res.best_epoch)


# -- 8. Cancel during validation -----------------------------------------------------------------------


class CancelWhileValidating(RecordingProgress):
    """Turns canceled once the last training batch of epoch ``epoch`` has been reported and that batch's
    own check (the batch progress callback reports a batch, then asks ``is_canceled()`` in the same
    thread) has been answered: the first check that sees the cancel is the next one, in validation."""

    def __init__(self, epoch: int, steps: int):
        super().__init__()
        self.after = epoch * steps
        self.batches = 0
        self._lock = threading.Lock()
        self._thread = threading.local()

    def emit(self, event):
        super().emit(event)
        if event.kind == PROGRESS and 0.03 < event.fraction < 0.99:  # a training batch
            with self._lock:
                self.batches += 1
            self._thread.reported = True

    def is_canceled(self):
        if getattr(self._thread, "reported", False):  # the batch callback's own check: not yet
            self._thread.reported = False
            return False
        with self._lock:
            return self.batches >= self.after


@pytest.mark.slow
def test_cancel_while_validating_discards_the_epoch_and_writes_the_best_so_far(scene, tmp_path):
    from deepfeature.core.nn import read_metadata
    from deepfeature.core.training import Checkpoint, checkpoint_dir_for, load_arrays, train_model

    cfg = tiny_config(epochs=3, patches_per_epoch=16, patches_per_batch=8)
    steps = 2
    progress = CancelWhileValidating(epoch=2, steps=steps)
    out = tmp_path / "cv.keras"
    res = train_model(scene["model"], [scene["a"]], [scene["b"]], str(out), cfg, progress=progress)
    messages = progress.messages
    assert "3 epochs x 16 patches ({} batches of 8), patch 32 x 32 pixels.".format(steps) in messages
    assert progress.batches == 2 * steps  # epoch 2 was trained to its last batch
    assert "Canceled while validating epoch 2: the epoch is discarded." in messages
    assert not any(m.startswith("Canceled during epoch") for m in messages)
    assert any(m.startswith("Epoch 1/3") for m in messages)
    assert not any(m.startswith("Epoch 2/3") for m in messages)
    assert res.canceled and res.epochs_run == 1 and res.best_epoch == 1
    assert [h["epoch"] for h in res.history] == [1]
    assert any("writing the best model so far (epoch 1 of 3)" in w for w in progress.warnings)
    training = read_metadata(out).training
    assert training["canceled"] is True and training["epochs_run"] == 1 and training["best_epoch"] == 1
    # The written model is epoch 1's (the checkpoint, kept for RESUME, records epoch 1 only).
    folder = checkpoint_dir_for(out)
    state = Checkpoint(folder).state()
    assert state["epoch"] == 1 and state["best"] == "best-0001.npz"
    _, saved, _ = model_weights(out)
    assert same_arrays(saved, load_arrays(folder / "best-0001.npz"))
    assert same_arrays(saved, load_arrays(folder / "weights-0001.npz")[: len(saved)])


# -- 9. Ignore pixels keep their imagery ---------------------------------------------------------------


def test_ignore_pixels_keep_their_image_values_and_nodata_reads_as_the_mean(tmp_path):
    from deepfeature.core.training.augmentation import sample_batch

    image, mask = synthetic_scene(h=64, w=64, seed=41)
    image = image.astype(np.uint16) * 4 + 100
    mask = mask.copy()
    mask[:8] = 255  # ignore over real imagery
    image[:, 20, 20] = 9999  # one NoData pixel (labelled)
    path = write_label_raster(tmp_path / "ig.tif", image, mask, nodata=9999, dtype="uint16")
    sources, _, mean, std = prepared([path])
    source = sources[0]
    expected = (np.moveaxis(image[:, :32, :32], 0, -1).astype(np.float32) - mean) / std
    for cached in (False, True):
        if cached:
            assert source.cache(10**9) > 0 and source.cached
        img, msk = source.read(0, 0, 32, 32)
        assert (msk[:8] == IGNORE).all() and msk[20, 20] == IGNORE and (msk[8:20] != IGNORE).all()
        np.testing.assert_allclose(img[:8], expected[:8], rtol=1e-5, atol=1e-5)
        assert np.abs(img[:8]).mean() > 0.3  # real values, not the 0 of a filled pixel
        assert np.abs(img[20, 20]).max() < 0.05  # NoData: the band means, about 0 normalized
        np.testing.assert_allclose(img[8:20], expected[8:20], rtol=1e-5, atol=1e-5)
        # Training patches (unaugmented) see the same values.
        x, codes = sample_batch(sources, [(0, 0, 0)], 32, None, False)
        np.testing.assert_allclose(x[0], img, atol=1e-5)
        assert (codes[0][:8] == 0).all()
    source.close()


def test_pixels_of_the_builders_internal_nodata_mask_read_as_the_mean(tmp_path):
    """The label builders mark NoData of any band in an internal mask (a GeoTIFF stores one NoData
    value, a source may have one per band): those pixels hold the band means in training patches even
    where their values look valid, while other ignore pixels keep their image values."""
    import rasterio

    image, mask = synthetic_scene(h=64, w=64, seed=42)
    image = image.astype(np.uint16) * 4 + 100
    mask = mask.copy()
    mask[:8] = 255  # ignore over real imagery
    mask[30:34, 30:34] = 255  # ignore because band 2 was NoData in the source (the builder's rule)
    image[1, 30:34, 30:34] = 65535  # band 2's own NoData value, not the label raster's (0)
    path = write_label_raster(tmp_path / "nd.tif", image, mask, nodata=0, dtype="uint16")
    with rasterio.Env(GDAL_TIFF_INTERNAL_MASK=True), rasterio.open(path, "r+") as dst:
        valid = np.full((64, 64), 255, np.uint8)
        valid[30:34, 30:34] = 0
        dst.write_mask(valid)
    sources, _, mean, std = prepared([path])
    img, msk = sources[0].read(0, 0, 64, 64)
    assert (msk[30:34, 30:34] == IGNORE).all() and (msk[:8] == IGNORE).all()
    assert np.abs(img[30:34, 30:34]).max() < 0.05  # filled with the band means, not 65535
    assert np.abs(img[:8]).mean() > 0.3  # plain ignore pixels: real imagery
    sources[0].close()
