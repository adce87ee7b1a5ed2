"""The deep-learning worker process: results, progress events, errors and cancel cross the boundary."""

from __future__ import annotations

import json

import pytest

from deepfeature.core import errors
from deepfeature.core.model import ModelSpec, read_metadata
from deepfeature.core.progress import RecordingProgress
from deepfeature.core.worker import decode, encode, run_in_worker


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
