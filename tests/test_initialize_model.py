"""deepfeature:initializemodel through processing.run."""

from __future__ import annotations

import os
import stat

import numpy as np
import pytest

pytest.importorskip("keras")
rasterio = pytest.importorskip("rasterio")


def _label_raster(path, image_bands=4, classes=None, tagged=True):
    """A small label raster (image bands + mask band) like 'Build Label Raster' writes."""
    from rasterio.transform import from_origin

    from deepfeature.core.label_format import label_tags

    rng = np.random.default_rng(0)
    data = rng.integers(0, 200, size=(image_bands + 1, 48, 48)).astype("uint8")
    data[-1] = rng.integers(0, 3, size=(48, 48))
    profile = dict(driver="GTiff", width=48, height=48, count=image_bands + 1, dtype="uint8",
                   crs="EPSG:32618", transform=from_origin(500000, 4000000, 0.5, 0.5), tiled=True,
                   blockxsize=16, blockysize=16)
    with rasterio.open(path, "w", **profile) as dst:
        dst.write(data)
        if tagged:
            dst.update_tags(**label_tags(classes or {1: "road", 2: "building"}, 255, image_bands, None))
    return str(path)


class _Feedback:
    """A QgsProcessingFeedback that keeps what the algorithm reported."""

    @staticmethod
    def make():
        from qgis.core import QgsProcessingFeedback

        class Recording(QgsProcessingFeedback):
            def __init__(self):
                super().__init__()
                self.infos, self.errors, self.warnings = [], [], []

            def pushInfo(self, text):  # noqa: N802 - QGIS API
                self.infos.append(text)

            def reportError(self, text, fatal=False):  # noqa: N802 - QGIS API
                self.errors.append(text)

            def pushWarning(self, text):  # noqa: N802 - QGIS API
                self.warnings.append(text)

        return Recording()


def test_defaults_report_parameters_and_field_of_view(run_alg, tmp_path):
    from deepfeature.core.nn import count_parameters, field_of_view, load_model

    out = tmp_path / "unet.keras"
    feedback = _Feedback.make()
    result = run_alg("initializemodel", {"BASE_FILTERS": 4, "PATCH_SIZE": 32, "SEED": 1, "OUTPUT": str(out)},
                     feedback=feedback)
    assert result["OUTPUT"] == str(out) and out.is_file() and (tmp_path / "unet.keras.json").is_file()
    model, meta = load_model(out)
    assert meta.spec.architecture == "unet5" and meta.spec.depth == 5
    assert meta.spec.bands == 3 and meta.spec.classes == ("feature",) and meta.spec.n_outputs == 1
    assert meta.spec.patch_size == 32 and meta.spec.base_filters == 4
    assert result["PARAMETERS"] == count_parameters(model) == meta.parameters
    assert result["FIELD_OF_VIEW"] == field_of_view(model) == meta.field_of_view > 32
    assert result["VALID_PATCH_SIZES"].startswith("16, 32, 48")
    log = "\n".join(feedback.infos)
    assert "Contextual field of view: {} pixels".format(meta.field_of_view) in log
    assert "Valid patch sizes: multiples of 16 from 16 to 8192" in log  # what PATCH_SIZE accepts
    assert any("smaller than the field of view" in e for e in feedback.warnings)  # 32 < FOV: warned
    assert not feedback.errors  # a warning, not an error


def test_resunet_with_classes_and_dropout(run_alg, tmp_path):
    from deepfeature.core.nn import field_of_view, read_metadata

    out = tmp_path / "res.keras"
    feedback = _Feedback.make()
    result = run_alg("initializemodel", {
        "ARCHITECTURE": 1, "BANDS": 6, "CLASSES": " water, trees ,roads", "PATCH_SIZE": 256,
        "BASE_FILTERS": 2, "DROPOUT": 0.3, "DEPTH": 4, "OUTPUT": str(out),
    }, feedback=feedback)
    meta = read_metadata(out)
    assert meta.spec.architecture == "resunet" and meta.spec.bands == 6 and meta.spec.depth == 4
    assert meta.spec.classes == ("water", "trees", "roads") and meta.spec.n_outputs == 4
    assert meta.spec.dropout == pytest.approx(0.3)
    assert result["FIELD_OF_VIEW"] == meta.field_of_view == field_of_view(meta.spec)
    assert not feedback.errors and not feedback.warnings  # 256 >= the field of view: no warning


def test_template_gives_bands_and_class_names(run_alg, tmp_path):
    from deepfeature.core.nn import load_model

    template = _label_raster(tmp_path / "labels.tif", image_bands=4, classes={1: "road", 2: "building"})
    before = open(template, "rb").read()
    out = tmp_path / "from_template.keras"
    run_alg("initializemodel", {"TEMPLATE": template, "BANDS": 3, "CLASSES": "", "BASE_FILTERS": 2,
                                "PATCH_SIZE": 64, "OUTPUT": str(out)})
    model, meta = load_model(out)
    assert meta.spec.bands == 4 and meta.spec.classes == ("road", "building")
    assert model.inputs[0].shape[-1] == 4 and model.outputs[0].shape[-1] == 3
    y = model.predict(np.zeros((1, 64, 64, 4), "float32"), verbose=0)
    np.testing.assert_allclose(y.sum(-1), 1.0, atol=1e-5)
    assert open(template, "rb").read() == before


@pytest.mark.parametrize(
    "params, message",
    [
        ({"BANDS": 0}, "band"),
        ({"PATCH_SIZE": 100}, "multiple of 16"),
        ({"PATCH_SIZE": 42, "DEPTH": 3}, "multiple of 4"),
        ({"CLASSES": "a, a"}, "unique"),
        ({"CLASSES": "background"}, "background"),
        ({"TEMPLATE": "labels", "CLASSES": "only_one"}, "has 2 classes"),
        ({"TEMPLATE": "plain"}, "not a label raster"),
        ({"OUTPUT": "missing_folder"}, "does not exist"),
        ({"OUTPUT": "readonly"}, "not writable"),
        ({"OUTPUT": "wrong_suffix"}, ".keras"),
        ({"OUTPUT": "a_folder"}, "is a folder"),
    ],
)
def test_bad_inputs_fail_clearly_and_leave_nothing(run_alg, tmp_path, params, message):
    from qgis.core import QgsProcessingException

    work = tmp_path / "work"
    work.mkdir()
    out = work / "model.keras"
    params = dict(params)
    if params.get("TEMPLATE") == "labels":
        params["TEMPLATE"] = _label_raster(tmp_path / "labels.tif")
    elif params.get("TEMPLATE") == "plain":
        params["TEMPLATE"] = _label_raster(tmp_path / "plain.tif", tagged=False)
    readonly = params.get("OUTPUT") == "readonly"
    if readonly:
        if os.geteuid() == 0:
            pytest.skip("root can write into read-only folders")
        os.chmod(work, stat.S_IRUSR | stat.S_IXUSR)
    elif params.get("OUTPUT") == "missing_folder":
        out = work / "absent" / "model.keras"
    elif params.get("OUTPUT") == "wrong_suffix":
        out = work / "model.h5"
    elif params.get("OUTPUT") == "a_folder":
        out.mkdir()
    params["OUTPUT"] = str(out)
    params.setdefault("BASE_FILTERS", 2)
    params.setdefault("PATCH_SIZE", 32)
    try:
        with pytest.raises(QgsProcessingException) as err:
            run_alg("initializemodel", params)
        assert message in str(err.value)
        assert sorted(os.listdir(work)) == (["model.keras"] if out.is_dir() else [])
    finally:
        os.chmod(work, stat.S_IRWXU)
