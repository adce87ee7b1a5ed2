"""The worker process: results, bytes, progress events, feature sinks, errors and cancel cross the
boundary."""

from __future__ import annotations

import json

import pytest

from deepfeature.core import errors
from deepfeature.core.nn import ModelSpec, read_metadata
from deepfeature.core.progress import RecordingProgress
from deepfeature.core.worker import decode, encode, run_in_worker

from .conftest import save_tiny_model


def test_plain_data_round_trip():
    spec = ModelSpec(classes=("a", "b"), patch_size=32, base_filters=4, depth=2)
    data = json.loads(json.dumps(encode({"spec": spec, "n": 3})))
    assert decode(data)["spec"] == spec


def test_refuses_to_rebuild_foreign_classes():
    with pytest.raises(errors.DeepFeatureError, match="Refusing"):
        decode({"__dataclass__": "os:PathLike", "fields": {}})


def test_initialize_model_in_worker(tmp_path):
    spec = ModelSpec(classes=("building",), patch_size=32, base_filters=4, depth=2)
    rec = RecordingProgress()
    out = tmp_path / "m.keras"
    result = run_in_worker("initialize_model", spec, out, progress=rec, seed=1)
    assert result.path == str(out) and result.parameters > 0 and result.field_of_view > 1
    assert read_metadata(out).spec == spec
    assert rec.events, "progress events from the worker reach the parent"


def test_core_error_keeps_its_class(tmp_path):
    bad = tmp_path / "not_a_model.keras"
    bad.write_bytes(b"garbage")
    raster = tmp_path / "r.tif"
    raster.write_bytes(b"x")
    with pytest.raises(errors.DeepFeatureError) as info:
        run_in_worker("classify_raster", str(raster), str(bad), str(tmp_path / "out.tif"))
    assert type(info.value) is not errors.DeepFeatureError  # a specific subclass, not the generic one
    assert not (tmp_path / "out.tif").exists()


def test_cancel_stops_the_worker(tmp_path):
    spec = ModelSpec(classes=("building",), patch_size=32, base_filters=4, depth=2)
    rec = RecordingProgress()
    rec.cancel()
    with pytest.raises(errors.CanceledError):
        run_in_worker("initialize_model", spec, tmp_path / "m.keras", progress=rec)
    assert not (tmp_path / "m.keras").exists()


def test_unknown_function_refused():
    with pytest.raises(errors.DeepFeatureError, match="Unknown worker function"):
        run_in_worker("os.system", "true")


def test_a_worker_that_dies_gives_a_clear_error(tmp_path, monkeypatch):
    script = tmp_path / "dying_python"
    script.write_text("#!/bin/sh\necho 'simulated crash of the deep-learning stack' >&2\nexit 3\n")
    script.chmod(0o755)
    monkeypatch.setenv("DEEPFEATURE_PYTHON", str(script))
    spec = ModelSpec(classes=("building",), patch_size=32, base_filters=4, depth=2)
    with pytest.raises(errors.DeepFeatureError, match="stopped unexpectedly.*exit code 3") as info:
        run_in_worker("initialize_model", spec, tmp_path / "m.keras")
    assert "simulated crash" in str(info.value)
    assert not (tmp_path / "m.keras").exists()


def _tiny_classification_inputs(tmp_path):
    import numpy as np
    import rasterio
    from rasterio.transform import from_origin

    path = save_tiny_model(tmp_path / "m.keras", 3, {"mean": [100.0] * 3, "std": [40.0] * 3}, seed=2)
    raster = tmp_path / "r.tif"
    data = np.random.default_rng(0).integers(0, 255, (3, 90, 110)).astype("uint8")
    with rasterio.open(raster, "w", driver="GTiff", width=110, height=90, count=3, dtype="uint8",
                       crs="EPSG:32633", transform=from_origin(500000, 4000000, 1, 1)) as dst:
        dst.write(data)
    return raster, path


def test_classification_workers_are_kept_for_the_next_job_then_end(tmp_path, monkeypatch):
    """Batch mode: the next classification reuses the worker and its loaded model; a changed environment
    or a cancel gets a new worker; an idle worker ends by itself."""
    import time

    from deepfeature.core import worker as worker_module

    raster, model = _tiny_classification_inputs(tmp_path)
    monkeypatch.setenv("DEEPFEATURE_WORKER_IDLE", "60")
    worker_module.shutdown_workers()

    def classify(i):
        rec = RecordingProgress()
        out = tmp_path / "a{}.tif".format(i)
        result = run_in_worker("classify_raster", str(raster), str(model), str(out), tile_size=128,
                               progress=rec)
        assert result.tiles > 0 and out.exists()
        pids = [w.proc.pid for w in worker_module._IDLE]
        return " ".join(rec.messages), pids

    first, pids1 = classify(1)
    second, pids2 = classify(2)
    assert "already loaded" not in first and "already loaded" in second
    assert pids1 == pids2 and len(pids1) == 1  # the same process served both
    monkeypatch.setenv("DEEPFEATURE_TEST_MARK", "other")  # another environment: another worker
    third, pids3 = classify(3)
    assert "already loaded" not in third and pids3 == pids1 + [pids3[-1]] and pids3[-1] != pids1[0]
    # A cancelled classification's worker is not kept.
    rec = RecordingProgress()
    rec.cancel()
    with pytest.raises(errors.CanceledError):
        run_in_worker("classify_raster", str(raster), str(model), str(tmp_path / "c.tif"), tile_size=128,
                      progress=rec)
    assert not (tmp_path / "c.tif").exists()
    assert [w.proc.pid for w in worker_module._IDLE] == pids1  # the one that had the job was stopped
    worker_module.shutdown_workers()
    assert not worker_module._IDLE
    # An idle worker ends by itself after DEEPFEATURE_WORKER_IDLE seconds.
    monkeypatch.setenv("DEEPFEATURE_WORKER_IDLE", "1")
    classify(4)
    kept = list(worker_module._IDLE)
    assert len(kept) == 1
    deadline = time.monotonic() + 30
    while kept[0].proc.poll() is None and time.monotonic() < deadline:
        time.sleep(0.2)
    assert kept[0].proc.returncode == 0
    worker_module.shutdown_workers()


# ------------------------------------------------------------------------------------------------
# Bytes and feature sinks across the boundary
# ------------------------------------------------------------------------------------------------
def test_bytes_tuples_and_core_dataclasses_round_trip_as_json():
    from deepfeature.core.labels import LabelLayer
    from deepfeature.core.worker import _as_result

    wkb = bytes.fromhex("0101000000000000000000f03f0000000000000040")  # POINT (1 2), has NUL bytes
    layer = LabelLayer("roads", "line", [wkb, b"\x00\xff"], [3, "x"], [7, 8])
    sent = json.loads(json.dumps(encode({"layers": [layer], "shapes": [(wkb, 1)], "view": memoryview(wkb)})))
    back = decode(sent)
    assert back["layers"] == [layer] and type(back["layers"][0].wkb[0]) is bytes
    assert back["shapes"] == [[wkb, 1]] and back["view"] == wkb  # tuples arrive as lists
    assert _as_result(sent)["shapes"][0][0] == wkb


def _many_objects(path, n=24):
    """An activation raster with ``n`` x ``n`` separate square objects (more than two feature batches)."""
    import numpy as np

    from .helpers_rasters import write_activation

    activation = np.zeros((8 * n, 8 * n), dtype="float32")
    values = np.linspace(0.55, 0.99, n * n, dtype="float32").reshape(n, n)
    for r in range(n):
        for c in range(n):
            activation[8 * r + 2:8 * r + 6, 8 * c + 1:8 * c + 4 + (r + c) % 4] = values[r, c]
    return write_activation(path, activation, {1: "car"})


def _children() -> set[int]:
    """Process ids of this process's children (Linux)."""
    from pathlib import Path

    tasks = list(Path("/proc/self/task").glob("*/children"))
    if not tasks:
        pytest.skip("/proc/<pid>/task/<tid>/children is not available")
    return {int(pid) for task in tasks for pid in task.read_text().split()}


def test_features_stream_to_the_parent_sink_in_order(tmp_path, monkeypatch):
    from deepfeature.core import worker as worker_module
    from deepfeature.core.postprocessing import activation_to_polygons

    path = _many_objects(tmp_path / "act.tif")
    here: list = []
    expected = activation_to_polygons(path, lambda wkb, attrs: here.append((wkb, attrs)), smooth=0.0)
    monkeypatch.setenv("DEEPFEATURE_WORKER_IDLE", "60")
    worker_module.shutdown_workers()
    streamed: list = []
    rec = RecordingProgress()
    result = run_in_worker("activation_to_polygons", str(path), progress=rec, smooth=0.0,
                           sink=lambda wkb, attrs: streamed.append((wkb, attrs)))
    assert len(here) == 576 > 2 * worker_module.FEATURE_BATCH
    assert streamed == here  # the same WKB bytes and attributes, in the same order
    assert type(streamed[0][0]) is bytes and result.features == expected["features"] == 576
    assert rec.fractions and rec.fractions[-1] == 1.0
    assert len(worker_module._IDLE) == 1  # a light job's worker is kept for the next one
    info = run_in_worker("read_activation_info", str(path))  # a function without a progress argument
    assert info.width == info.height == 192 and info.classes == {"1": "car"}  # ids come back as text
    worker_module.shutdown_workers()


class DiskFullError(Exception):
    pass


def test_an_error_in_the_parent_sink_stops_the_job_and_is_raised(tmp_path, monkeypatch):
    from deepfeature.core import worker as worker_module

    path = _many_objects(tmp_path / "act.tif")
    monkeypatch.setenv("DEEPFEATURE_WORKER_IDLE", "60")
    worker_module.shutdown_workers()
    before = _children()
    calls, workers = [], set()
    failure = DiskFullError("cannot write feature 250")

    def sink(wkb, attrs):
        calls.append(attrs["class_id"])
        workers.update(_children() - before)
        if len(calls) == 250:
            raise failure

    with pytest.raises(DiskFullError) as info:
        run_in_worker("activation_to_polygons", str(path), smooth=0.0, sink=sink)
    assert info.value is failure and len(calls) == 250  # no feature after the failing one
    assert len(workers) == 1 and not (workers & _children())  # that worker was stopped and waited for
    assert not worker_module._IDLE
    again: list = []
    result = run_in_worker("activation_to_points", str(path), sink=lambda w, a: again.append(a))
    assert result.points == len(again) == 576  # the next job gets a new worker
    worker_module.shutdown_workers()


def test_cancel_while_features_stream(tmp_path):
    path = _many_objects(tmp_path / "act.tif")
    rec = RecordingProgress()
    before = _children()
    calls, workers = [], set()

    def sink(wkb, attrs):
        calls.append(wkb)
        workers.update(_children() - before)
        if len(calls) == 30:
            rec.cancel()

    with pytest.raises(errors.CanceledError):
        run_in_worker("activation_to_polygons", str(path), progress=rec, smooth=0.0, sink=sink)
    assert len(calls) == 30 and len(workers) == 1 and not (workers & _children())


def test_arguments_that_are_not_plain_data_are_refused_before_a_worker_starts():
    class Date:  # what QGIS gives for a date field (a QDate)
        pass

    with pytest.raises(errors.ParameterError, match="cannot be sent to the worker process.*Date"):
        run_in_worker("evaluate", "p.tif", reference_shapes=[(b"\x01", Date())])
