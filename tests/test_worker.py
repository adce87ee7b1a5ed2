"""The deep-learning worker process: results, progress events, errors and cancel cross the boundary."""

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
