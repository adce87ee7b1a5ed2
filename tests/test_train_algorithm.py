"""``deepfeature:trainmodel`` through Processing: outputs, CONFIG re-run, cancel, and bad inputs."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest

from .helpers_rasters import digest
from .helpers_training import synthetic_scene, write_label_raster

pytestmark = pytest.mark.slow
FAST = {"EPOCHS": 2, "PATCHES_PER_EPOCH": 16, "PATCHES_PER_BATCH": 8, "SEED": 5}


@pytest.fixture(scope="module")
def inputs(tmp_path_factory):
    from deepfeature.core.nn import ModelSpec, initialize_model

    folder = tmp_path_factory.mktemp("alg")
    model = folder / "init.keras"
    initialize_model(
        ModelSpec(bands=3, classes=("building",), patch_size=32, base_filters=4, depth=3), model, seed=0
    )
    label = write_label_raster(folder / "l.tif", *synthetic_scene(h=96, w=96, seed=31))
    return str(model), label, folder


def test_trainmodel_outputs_and_config_rerun(run_alg, inputs, tmp_path):
    from deepfeature.core.nn import load_model

    model, label, _ = inputs
    params = dict(
        FAST,
        MODEL=model,
        TRAINING=[label],
        OUTPUT_MODEL=str(tmp_path / "m.keras"),
        OUTPUT_REPORT=str(tmp_path / "r.html"),
        BLUR_DISTANCE_MAX=2.0,
        LOSS=3,
        DEVICE=1,
    )
    res = run_alg("trainmodel", params)
    assert Path(res["OUTPUT_MODEL"]).is_file() and Path(res["OUTPUT_REPORT"]).is_file()
    assert res["EPOCHS_RUN"] == 2 and res["BEST_EPOCH"] in (1, 2) and res["CANCELED"] is False
    assert "val_iou" in json.loads(res["METRICS"])
    config = json.loads(Path(res["OUTPUT_CONFIG"]).read_text())
    assert config["config"]["blur_distance_max"] == 2.0 and config["config"]["loss"] == "cross_entropy_dice"
    assert config["config"]["device"] == "cpu" and config["training"] == [label]
    # CONFIG re-runs the same experiment (its settings win over the parameters): identical weights.
    res2 = run_alg(
        "trainmodel",
        {"CONFIG": res["OUTPUT_CONFIG"], "EPOCHS": 7, "OUTPUT_MODEL": str(tmp_path / "m2.keras")},
    )
    assert res2["EPOCHS_RUN"] == 2
    w1 = load_model(res["OUTPUT_MODEL"])[0].get_weights()
    w2 = load_model(res2["OUTPUT_MODEL"])[0].get_weights()
    assert all(np.array_equal(a, b) for a, b in zip(w1, w2))
    # The report's .json / .csv beside it must not replace the configuration it re-runs (an input).
    experiment = tmp_path / "experiment.json"
    experiment.write_text(Path(res["OUTPUT_CONFIG"]).read_text())
    _expect_error(
        run_alg,
        {"CONFIG": str(experiment), "OUTPUT_MODEL": str(tmp_path / "exp.keras"),
         "OUTPUT_REPORT": str(tmp_path / "experiment.html")},
        "metrics file of the training report .*experiment.json.* is also an input",
        [str(experiment)],
    )


def test_trainmodel_cancel_returns_best_model(run_alg, inputs, tmp_path):
    from qgis.core import QgsProcessingFeedback

    model, label, _ = inputs
    feedback = QgsProcessingFeedback()
    feedback.progressChanged.connect(lambda p: feedback.cancel() if p > 50 else None)
    res = run_alg(
        "trainmodel",
        dict(FAST, EPOCHS=4, MODEL=model, TRAINING=[label], OUTPUT_MODEL=str(tmp_path / "c.keras")),
        feedback=feedback,
    )
    assert res["CANCELED"] is True and Path(res["OUTPUT_MODEL"]).is_file()
    assert 1 <= res["EPOCHS_RUN"] < 4


def _expect_error(run_alg, params, pattern, protected, new_output=True):
    from qgis.core import QgsProcessingException

    before = {p: digest(p) for p in protected}
    with pytest.raises(QgsProcessingException, match=pattern):
        run_alg("trainmodel", params)
    assert {p: digest(p) for p in protected} == before
    out = Path(params.get("OUTPUT_MODEL", ""))
    assert not (new_output and out.exists())
    assert not list(out.parent.glob("*.partial*")) if out.parent.is_dir() else True


def test_trainmodel_bad_inputs(run_alg, inputs, tmp_path):
    import rasterio
    from rasterio.transform import from_origin

    model, label, folder = inputs
    image, mask = synthetic_scene(h=96, w=96, seed=32)
    out = str(tmp_path / "bad.keras")
    base = dict(FAST, MODEL=model, OUTPUT_MODEL=out)
    # Band count mismatch between model and label raster.
    four = write_label_raster(tmp_path / "four.tif", np.concatenate([image, image[:1]]), mask)
    _expect_error(
        run_alg, dict(base, TRAINING=[four]), "has 4 image bands but the model expects 3", [four, model]
    )
    # A plain image without mask band.
    plain = str(tmp_path / "plain.tif")
    with rasterio.open(
        plain,
        "w",
        driver="GTiff",
        width=96,
        height=96,
        count=3,
        dtype="uint8",
        crs="EPSG:26986",
        transform=from_origin(0, 96, 1, 1),
    ) as dst:
        dst.write(image)
    _expect_error(run_alg, dict(base, TRAINING=[plain]), "not a label raster", [plain])
    # Patch size larger than every raster.
    small = write_label_raster(tmp_path / "small.tif", image[:, :24, :24], mask[:24, :24])
    _expect_error(run_alg, dict(base, TRAINING=[small]), "larger than every training label raster", [small])
    # No feature pixels at all.
    empty = write_label_raster(tmp_path / "empty.tif", image, np.zeros_like(mask))
    _expect_error(run_alg, dict(base, TRAINING=[empty]), "no feature pixels", [empty])
    # NaN pixels not marked as NoData.
    nan_image = image.astype(np.float32)
    nan_image[1, 40:44, 40:44] = np.nan
    nanp = write_label_raster(tmp_path / "nan.tif", nan_image, mask, dtype="float32")
    _expect_error(run_alg, dict(base, TRAINING=[nanp]), "NaN", [nanp])
    # Unwritable output (its folder does not exist).
    _expect_error(
        run_alg,
        dict(base, TRAINING=[label], OUTPUT_MODEL=str(tmp_path / "nope" / "m.keras")),
        "does not exist",
        [label, model],
    )
    # Output that is an input.
    _expect_error(
        run_alg,
        dict(base, TRAINING=[label], OUTPUT_MODEL=model),
        "also an input",
        [label, model],
        new_output=False,
    )
    # Inconsistent parameters.
    _expect_error(
        run_alg,
        dict(base, TRAINING=[label], CLASS_WEIGHT_MIN=3.0, CLASS_WEIGHT_MAX=1.0),
        "class weight minimum",
        [label],
    )
    # Neither model nor configuration.
    _expect_error(run_alg, dict(FAST, TRAINING=[label], OUTPUT_MODEL=out), "Choose a model", [label])
