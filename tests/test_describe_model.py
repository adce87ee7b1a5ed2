"""deepfeature:describemodel through processing.run: untrained, trained and refined models, damaged and
foreign files, no TensorFlow needed."""

from __future__ import annotations

import json
import math
import os
import subprocess
import sys
import zipfile

import pytest

from .conftest import PLUGINS
from .helpers_training import tiny_config


def _recording_feedback():
    """A QgsProcessingFeedback that keeps the log lines."""
    from qgis.core import QgsProcessingFeedback

    class Recording(QgsProcessingFeedback):
        def __init__(self):
            super().__init__()
            self.infos = []

        def pushInfo(self, text):  # noqa: N802 - QGIS API
            self.infos.append(text)

    return Recording()


def test_untrained_model_matches_its_initialization(run_alg, tmp_path):
    pytest.importorskip("keras")
    from deepfeature.core.nn import read_metadata

    model = tmp_path / "init.keras"
    init = run_alg("initializemodel", {
        "ARCHITECTURE": 1, "BANDS": 4, "CLASSES": "building, road", "PATCH_SIZE": 32, "BASE_FILTERS": 2,
        "DEPTH": 3, "DROPOUT": 0.1, "SEED": 1, "OUTPUT": str(model),
    })
    feedback = _recording_feedback()
    res = run_alg("describemodel", {"MODEL": str(model)}, feedback=feedback)
    assert res["ARCHITECTURE"] == "resunet"
    assert res["BANDS"] == 4 and res["CLASSES"] == "1: building, 2: road" and res["PATCH_SIZE"] == 32
    assert res["FIELD_OF_VIEW"] == init["FIELD_OF_VIEW"] > 0
    assert res["TRAINED"] is False and res["BEST_EPOCH"] == 0 and math.isnan(res["VALIDATION_IOU"])
    assert json.loads(res["METADATA"]) == json.loads(read_metadata(model).to_json())
    log = "\n".join(feedback.infos)
    for text in ("Base filters: 2", "Levels: 3", "Dropout: 0.1", "Input bands: 4",
                 "Classes: 1: building, 2: road", "Trained: no",
                 "Contextual field of view: {} pixels".format(init["FIELD_OF_VIEW"]),
                 "Parameters: {:,}".format(init["PARAMETERS"])):
        assert text in log, text
    assert "Normalization" not in log and "Best epoch" not in log
    assert not res.get("OUTPUT_HTML")  # optional and not created by default
    assert sorted(os.listdir(tmp_path)) == ["init.keras", "init.keras.json"]


@pytest.mark.slow
def test_trained_and_refined_model_report_their_training(tiny_scene, run_alg, tmp_path):  # noqa: F811 - the fixture
    from deepfeature.core.nn import read_metadata
    from deepfeature.core.training import train_model

    model, a, b = tiny_scene
    trained = tmp_path / "trained.keras"
    train_model(model, [a], [b], str(trained), tiny_config(epochs=3))
    feedback = _recording_feedback()
    page = tmp_path / "trained.html"
    res = run_alg("describemodel", {"MODEL": str(trained), "OUTPUT_HTML": str(page)}, feedback=feedback)
    # The expected values, straight from the metadata.
    meta = read_metadata(trained)
    best_epoch = meta.training["best_epoch"]
    best = [h for h in meta.history if h["epoch"] == best_epoch][-1]
    ious = [v for v in best["val_iou"].values() if v is not None]
    assert res["TRAINED"] is True and res["BEST_EPOCH"] == best_epoch >= 1
    assert res["VALIDATION_IOU"] == pytest.approx(sum(ious) / len(ious))
    assert res["CLASSES"] == "1: building" and res["BANDS"] == 3
    assert json.loads(res["METADATA"])["history"] == json.loads(meta.to_json())["history"]
    log = "\n".join(feedback.infos)
    for text in ("Classes: 1: building", "Trained: yes", "Best epoch: {}".format(best_epoch), "Epochs run: 3",
                 "Validation IoU, building: {:.3f}".format(best["val_iou"]["building"]),
                 "Mean validation IoU: {:.3f}".format(res["VALIDATION_IOU"]), "Epochs: 3",
                 "Patches per epoch: 32", "Patches per batch: 8", "Loss: cross_entropy_dice",
                 "Learning rate: 0.003", "Seed: 3", "Band 3: mean", "stage 1: 3 epochs"):
        assert text in log, text
    assert res["OUTPUT_HTML"] == str(page)
    html = page.read_text(encoding="utf-8")
    assert "building" in html and "Normalization" in html and "cross_entropy_dice" in html
    assert html.count('<tr class="epoch') == len(meta.history) == 3
    assert html.count('<tr class="epoch best"><td>1</td><td>{}</td>'.format(best_epoch)) == 1
    # Refined: a second stage, whose best epoch is the one reported.
    refined = tmp_path / "refined.keras"
    train_model(str(trained), [b], None, str(refined), tiny_config(epochs=1, seed=4))
    feedback = _recording_feedback()
    page = tmp_path / "refined.html"
    res = run_alg("describemodel", {"MODEL": str(refined), "OUTPUT_HTML": str(page)}, feedback=feedback)
    meta = read_metadata(refined)
    assert res["BEST_EPOCH"] == meta.training["best_epoch"] == 1
    assert res["VALIDATION_IOU"] == pytest.approx(meta.training["best"]["val_mean_iou"], nan_ok=True)
    log = "\n".join(feedback.infos)
    assert "stage 1: 3 epochs; stage 2: 1 epoch" in log and "Refined from: {}".format(trained) in log
    html = page.read_text(encoding="utf-8")
    assert html.count('<tr class="epoch') == 4
    assert html.count('<tr class="epoch best"><td>2</td><td>1</td>') == 1  # stage 2, epoch 1


def _zip(path, members):
    with zipfile.ZipFile(path, "w") as zf:
        for name, text in members.items():
            zf.writestr(name, text)


@pytest.mark.parametrize("kind, name, message", [
    ("damaged", "bad.keras", "is not a Keras model file or it is damaged"),
    ("truncated", "cut.keras", "is not a Keras model file or it is damaged"),
    ("keras", "plain.keras", "is not a deepfeature model (it has no deepfeature metadata)"),
    ("zip", "archive.keras", "is not a deepfeature model (it has no deepfeature metadata)"),
    ("suffix", "archive.zip", "Incorrect parameter value for MODEL"),  # QGIS: a .keras file is expected
    ("metadata", "meta.keras", "is damaged (deepfeature.json is unreadable"),
])
def test_damaged_or_foreign_file_is_refused_without_output(run_alg, tmp_path, kind, name, message):
    from qgis.core import QgsProcessingException

    path = tmp_path / name
    if kind == "damaged":
        path.write_bytes(b"this is not a zip archive")
    elif kind == "truncated":  # a deepfeature-like archive cut in the middle
        _zip(path, {"deepfeature.json": "{}" * 500, "model.weights.h5": "x" * 5000})
        path.write_bytes(path.read_bytes()[:-40])
    elif kind == "keras":  # a plain Keras model archive, not made by deepfeature
        _zip(path, {"metadata.json": '{"keras_version": "3.0"}', "config.json": "{}"})
    elif kind in ("zip", "suffix"):
        _zip(path, {"readme.txt": "hello"})
    else:
        _zip(path, {"config.json": "{}", "deepfeature.json": "{not json"})
    page = tmp_path / "description.html"
    with pytest.raises(QgsProcessingException) as err:
        run_alg("describemodel", {"MODEL": str(path), "OUTPUT_HTML": str(page)})
    text = str(err.value)
    assert message in text
    if kind != "suffix":
        assert str(path) in text
        assert "'Initialize Model'" in text or "again" in text  # what to do next
    assert sorted(os.listdir(tmp_path)) == [name]  # no HTML, no partial file


def test_listed_by_the_provider_and_runs_without_deep_learning_packages(provider, run_alg, tmp_path,
                                                                        monkeypatch):
    from qgis.core import QgsProcessingParameterFileDestination

    from deepfeature.algorithms.provider import ALGORITHM_MODULES

    assert "describe_model" in ALGORITHM_MODULES
    alg = provider.algorithm("describemodel")
    assert alg is not None and alg.id() == "deepfeature:describemodel" and alg.groupId() == "model"
    assert alg.displayName() == "Describe Model"
    html = alg.parameterDefinition("OUTPUT_HTML")
    assert isinstance(html, QgsProcessingParameterFileDestination)
    assert not html.createByDefault() and html.flags() & html.FlagOptional
    assert {o.name() for o in alg.outputDefinitions()} >= {
        "ARCHITECTURE", "BANDS", "CLASSES", "PATCH_SIZE", "FIELD_OF_VIEW", "TRAINED", "BEST_EPOCH",
        "VALIDATION_IOU", "METADATA", "OUTPUT_HTML"}
    # No deep-learning environment (inside QGIS, none set up): the algorithm still runs (it only reads
    # the metadata), while a worker algorithm says to set one up.
    with monkeypatch.context() as m:
        m.delenv("DEEPFEATURE_PYTHON", raising=False)
        m.setattr(sys, "executable", "/usr/bin/qgis")
        m.setenv("DEEPFEATURE_ENVIRONMENT", str(tmp_path / "no environment"))
        assert provider.algorithm("initializemodel").canExecute()[0] is False
        assert alg.canExecute() == (True, "")
    model = tmp_path / "m.keras"
    _zip(model, {"config.json": "{}", "deepfeature.json": json.dumps({
        "spec": {"architecture": "unet5", "bands": 2, "classes": ["road", "tree"], "class_ids": [2, 5],
                 "patch_size": 64, "depth": 3},
        "field_of_view": 47, "normalization": {"mean": [1.0, 2.0], "std": [3.0, 4.0]},
    })})
    res = run_alg("describemodel", {"MODEL": str(model), "OUTPUT_HTML": str(tmp_path / "d.html")})
    assert res["CLASSES"] == "2: road, 5: tree" and res["BANDS"] == 2 and res["FIELD_OF_VIEW"] == 47
    assert res["TRAINED"] is True and res["BEST_EPOCH"] == 0 and math.isnan(res["VALIDATION_IOU"])
    html_text = (tmp_path / "d.html").read_text(encoding="utf-8")
    assert "2: road, 5: tree" in html_text and "no training record" in html_text
    assert "Metrics per epoch" not in html_text  # no history
    # The core reads it in a Python where keras, TensorFlow, numpy, rasterio and QGIS cannot be imported.
    code = (
        "import sys\n"
        "class Block:\n"
        "    def find_spec(self, name, path=None, target=None):\n"
        "        if name.split('.')[0] in {blocked!r}:\n"
        "            raise ImportError('blocked ' + name)\n"
        "sys.meta_path.insert(0, Block())\n"
        "sys.path.insert(0, {plugins!r})\n"
        "from deepfeature.core.nn.describe import describe_model\n"
        "print(describe_model({model!r}).classes_text)\n"
    ).format(blocked=("keras", "tensorflow", "jax", "torch", "numpy", "rasterio", "scipy", "qgis", "PyQt5"),
             plugins=str(PLUGINS), model=str(model))
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120)
    assert out.returncode == 0, out.stderr
    assert out.stdout.strip() == "2: road, 5: tree"
