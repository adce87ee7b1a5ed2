"""core/nn: architectures, field of view (checked against gradients), metadata, safe save/load."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import zipfile

import numpy as np
import pytest

from .conftest import PLUGINS

keras = pytest.importorskip("keras")

from deepfeature.core.errors import CanceledError, ModelFileError, OutputError, ParameterError  # noqa: E402
from deepfeature.core.nn import (  # noqa: E402
    ARCHITECTURES,
    METADATA_MEMBER,
    ModelMetadata,
    ModelSpec,
    build_model,
    count_parameters,
    field_of_view,
    initialize_model,
    load_model,
    read_metadata,
    receptive_field,
    resolve_spec,
    save_model,
    valid_patch_sizes,
)
from deepfeature.core.normalization import Normalization, to_float  # noqa: E402
from deepfeature.core.progress import RecordingProgress  # noqa: E402


def tiny(architecture="unet5", classes=("building",), depth=5, bands=3, patch=32, filters=4, dropout=0.0):
    return ModelSpec(architecture=architecture, bands=bands, classes=tuple(classes), patch_size=patch,
                     base_filters=filters, depth=depth, dropout=dropout)


def files_in(folder):
    return sorted(p.name for p in folder.iterdir())


# -------------------------------------------------------------------------------------------------
# Specification
# -------------------------------------------------------------------------------------------------
def test_spec_round_trip_and_outputs():
    spec = tiny("resunet", ("road", "building", "tree"), dropout=0.2)
    assert ModelSpec.from_dict(json.loads(json.dumps(spec.to_dict()))) == spec
    assert spec.n_outputs == 4 and spec.output_names == ["background", "road", "building", "tree"]
    assert tiny().n_outputs == 1 and tiny().output_names == ["building"]
    assert spec.size_factor == 16 and tiny(depth=3).size_factor == 4
    assert valid_patch_sizes(spec, up_to=64) == [16, 32, 48, 64]
    assert valid_patch_sizes(tiny(depth=3), up_to=12) == [4, 8, 12]


@pytest.mark.parametrize(
    "changes, words",
    [
        (dict(patch_size=100), ["100", "multiple of 16", "96", "112"]),
        (dict(patch_size=8), ["multiple of 16"]),
        (dict(bands=0), ["band"]),
        (dict(classes=()), ["at least one class"]),
        (dict(classes=("a", "A")), ["unique"]),
        (dict(classes=("background",)), ["background", "added"]),
        (dict(classes=("a", " ")), ["empty"]),
        (dict(architecture="vgg"), ["unet5", "resunet"]),
        (dict(dropout=1.0), ["Dropout"]),
        (dict(base_filters=0), ["filter"]),
        (dict(depth=0), ["depth"]),
    ],
)
def test_spec_validation_says_what_to_do(changes, words):
    import dataclasses

    spec = dataclasses.replace(tiny(), **changes)
    with pytest.raises(ParameterError) as err:
        spec.validate()
    for word in words:
        assert word in str(err.value)


def test_spec_class_ids_round_trip_default_and_validation():
    import dataclasses

    spec = dataclasses.replace(tiny(classes=("a", "b")), class_ids=(2, 5))
    data = json.loads(json.dumps(spec.to_dict()))
    assert data["class_ids"] == [2, 5] and ModelSpec.from_dict(data) == spec
    assert spec.ids == (2, 5) and spec.classes_by_id == {2: "a", 5: "b"}
    # A model file written before class ids existed: the classic 1..K.
    data.pop("class_ids")
    old = ModelSpec.from_dict(data)
    assert old.class_ids == () and old.ids == (1, 2) and old.classes_by_id == {1: "a", 2: "b"}
    assert tiny(classes=("a", "b", "c")).ids == (1, 2, 3)
    for ids, words in [([2], ["2 classes", "1 class ids"]), ([5, 2], ["ascending"]), ([2, 2], ["unique"]),
                       ([0, 5], ["between 1 and 254"]), ([2, 255], ["between 1 and 254"]),
                       ([2.5, 5], ["class id"]), (["x", 5], ["Invalid model specification"])]:
        with pytest.raises(ParameterError) as err:
            ModelSpec.from_dict(dict(data, class_ids=ids))
        for word in words:
            assert word in str(err.value), (ids, str(err.value))
    with pytest.raises(ParameterError, match="ascending"):
        dataclasses.replace(spec, class_ids=(5, 2)).validate()


# -------------------------------------------------------------------------------------------------
# Building
# -------------------------------------------------------------------------------------------------
@pytest.mark.parametrize("architecture", ARCHITECTURES)
@pytest.mark.parametrize("classes", [("building",), ("road", "building", "tree")])
def test_build_shapes_and_activations(architecture, classes):
    spec = tiny(architecture, classes, dropout=0.1)
    model = build_model(spec, seed=3)
    assert model.inputs[0].shape[1:] == (None, None, 3)
    assert model.outputs[0].shape[1:] == (None, None, spec.n_outputs)
    assert not any(type(layer).__name__ == "Lambda" for layer in model.layers)
    x = np.random.default_rng(0).normal(size=(2, 32, 48, 3)).astype("float32")  # not square
    y = np.asarray(model.predict(x, verbose=0))
    assert y.shape == (2, 32, 48, spec.n_outputs) and y.dtype == np.float32
    assert np.isfinite(y).all() and (y >= 0).all() and (y <= 1).all()
    if spec.n_outputs == 1:
        assert model.get_layer("probabilities").get_config()["activation"] == "sigmoid"
        assert 0.0 < y.std()
    else:
        assert model.get_layer("probabilities").get_config()["activation"] == "softmax"
        np.testing.assert_allclose(y.sum(axis=-1), 1.0, atol=1e-5)
    assert count_parameters(model) == model.count_params() > 1000
    names = {layer.name for layer in model.layers}
    assert {"image", "logits", "probabilities", "bottleneck_dropout", "dec1_dropout"} <= names


def test_seed_makes_weights_reproducible_and_architectures_differ():
    a, b = build_model(tiny(), seed=7), build_model(tiny(), seed=7)
    for wa, wb in zip(a.get_weights(), b.get_weights()):
        np.testing.assert_array_equal(wa, wb)
    c = build_model(tiny(), seed=8)
    assert any(not np.array_equal(wa, wc) for wa, wc in zip(a.get_weights(), c.get_weights()))
    assert count_parameters(build_model(tiny("resunet"))) != count_parameters(a)
    # filters double per level: the bottleneck has base * 2**(depth-1) filters
    assert a.get_layer("bottleneck_2_conv").filters == 4 * 16
    assert a.get_layer("enc0_1_conv").filters == 4


@pytest.mark.parametrize("architecture", ARCHITECTURES)
def test_folded_inference_twin_gives_the_same_probabilities(architecture):
    from deepfeature.core.nn import fold_batch_norm

    spec = tiny(architecture, ("road", "building"), dropout=0.2)
    model = build_model(spec, seed=5)
    rng = np.random.default_rng(1)
    for layer in model.layers:  # trained-looking statistics, not the identity of a fresh model
        if type(layer).__name__ == "BatchNormalization":
            n = layer.gamma.shape[0]
            layer.set_weights([rng.uniform(0.5, 2.0, n), rng.normal(0, 0.5, n), rng.normal(0, 0.5, n),
                               rng.uniform(0.2, 3.0, n)])
    twin = fold_batch_norm(model, spec)
    kinds = {type(layer).__name__ for layer in twin.layers}
    assert "BatchNormalization" not in kinds and twin.get_layer("enc0_1_conv").use_bias
    assert count_parameters(twin) < count_parameters(model)
    x = rng.normal(size=(2, 32, 48, 3)).astype("float32")
    expected = np.asarray(model(x, training=False))
    np.testing.assert_allclose(np.asarray(twin(x, training=False)), expected, atol=2e-5)
    assert expected.std() > 0.01  # the check compares something


def test_probabilities_stay_float32_under_mixed_precision():
    keras.mixed_precision.set_global_policy("mixed_bfloat16")
    try:
        model = build_model(tiny(classes=("a", "b")))
        assert model.get_layer("enc0_1_conv").compute_dtype == "bfloat16"
        y = model.predict(np.zeros((1, 16, 16, 3), "float32"), verbose=0)
    finally:
        keras.mixed_precision.set_global_policy("float32")
    assert model.outputs[0].dtype == "float32" and np.asarray(y).dtype == np.float32
    np.testing.assert_allclose(np.asarray(y).sum(-1), 1.0, atol=1e-5)


# -------------------------------------------------------------------------------------------------
# Field of view
# -------------------------------------------------------------------------------------------------
def test_receptive_field_of_simple_layers_is_computed_not_constant():
    inp = keras.Input((None, None, 1))
    x = keras.layers.Conv2D(1, 5, dilation_rate=2, padding="same")(inp)  # 9 wide
    assert receptive_field(keras.Model(inp, x)).size == 9
    y = keras.layers.MaxPooling2D(2)(x)  # + 1
    y = keras.layers.Conv2D(1, 3, padding="same")(y)  # + 2 * 2
    y = keras.layers.UpSampling2D(2)(y)  # neighbours of the up-sampled pixel see shifted windows: + 1
    rf = receptive_field(keras.Model(inp, y))
    assert rf.size == 9 + 1 + 4 + 1 and len(rf.phases[0]) == 2


def test_field_of_view_changes_with_depth_and_architecture():
    fov = {(a, d): field_of_view(tiny(a, depth=d, patch=16)) for a in ARCHITECTURES for d in (3, 4, 5)}
    for a in ARCHITECTURES:
        assert fov[(a, 3)] < fov[(a, 4)] < fov[(a, 5)]
    for d in (3, 4, 5):
        assert fov[("unet5", d)] != fov[("resunet", d)]
    spec = tiny("resunet", filters=8, bands=5, classes=("a", "b"))
    assert field_of_view(spec) == field_of_view(build_model(spec)) == fov[("resunet", 5)]


def _keep_relus_active(model, gamma=0.5, beta=2.0):
    """Shift every batch normalisation so (nearly) all ReLUs are active: with random initial weights
    whole channels are often dead, which hides connections from a gradient. Only weights change; the
    layers (and so the geometry being measured) are the model's own."""
    for layer in model.layers:
        if type(layer).__name__ == "BatchNormalization":
            g, b, mean, var = layer.get_weights()
            layer.set_weights([np.full_like(g, gamma), np.full_like(b, beta), mean, var])


def _gradient_support(model, size, c, phases, bands, repeats=2, seed=0):
    """Per phase: (row lo, row hi), (col lo, col hi) of the input pixels whose gradient on the output
    pixel (c+ph, c+ph), summed over channels, is non-zero for at least one of ``repeats`` random
    inputs. One backward pass: each batch item carries one (phase, repeat)."""
    import tensorflow as tf  # the test measures with TensorFlow's autodiff; the model uses keras only

    rng = np.random.default_rng(seed)
    n = phases * repeats
    x = tf.constant(rng.normal(size=(n, size, size, bands)).astype("float32"))
    with tf.GradientTape() as tape:
        tape.watch(x)
        y = model(x, training=False)
        picked = [y[i, c + i % phases, c + i % phases, :] for i in range(n)]
        total = tf.reduce_sum(tf.stack(picked))
    grad = np.abs(tape.gradient(total, x).numpy()).sum(axis=-1)
    out = []
    for ph in range(phases):
        g = grad[[ph + r * phases for r in range(repeats)]].sum(axis=0)
        rows, cols = np.nonzero(g.sum(axis=1))[0], np.nonzero(g.sum(axis=0))[0]
        q = c + ph
        assert rows[0] > 0 and cols[0] > 0 and rows[-1] < size - 1 and cols[-1] < size - 1, "patch too small"
        out.append(((rows[0] - q, rows[-1] - q), (cols[0] - q, cols[-1] - q)))
    return out


@pytest.mark.parametrize(
    "architecture, depth, filters, size",
    [("unet5", 3, 4, 96), ("resunet", 3, 4, 96), ("unet5", 5, 4, 256), ("resunet", 5, 4, 256)],
)
def test_field_of_view_equals_gradient_measurement(architecture, depth, filters, size):
    """The computed receptive field MATCHES the measured one exactly, for every up-sampling phase:
    the first/last input row and column with a non-zero gradient on an output pixel. (Hence the
    field of view, the union over the phases, is exact too and bounds every output pixel.)"""
    spec = tiny(architecture, depth=depth, filters=filters, bands=2, patch=2 ** (depth - 1))
    model = build_model(spec, seed=1)
    _keep_relus_active(model)
    rf = receptive_field(model)
    phases = len(rf.phases[0])
    assert phases == 2 ** (depth - 1)
    centre = size // 2 // phases * phases  # phase ph is the output pixel centre + ph
    measured = _gradient_support(model, size, centre, phases, bands=2)
    for ph, (rows, cols) in enumerate(measured):
        assert rows == rf.phases[0][ph] and cols == rf.phases[1][ph], ph
    union = (min(r[0] for r, _ in measured), max(r[1] for r, _ in measured))
    assert union == (rf.lo[0], rf.hi[0]) and union[1] - union[0] + 1 == field_of_view(model)
    assert rf.margin == max(-union[0], union[1])


# -------------------------------------------------------------------------------------------------
# Normalization
# -------------------------------------------------------------------------------------------------
def test_normalize_per_band_nan_safe_and_leaves_input_alone():
    x = np.array([[[10.0, 100.0], [20.0, np.nan]], [[30.0, 300.0], [np.inf, 200.0]]], dtype=np.float32)
    before = x.copy()
    out = Normalization((20.0, 200.0), (10.0, 0.0)).apply(x)
    assert out.dtype == np.float32
    np.testing.assert_allclose(out[..., 0], [[-1.0, 0.0], [1.0, 0.0]])
    np.testing.assert_allclose(out[..., 1], [[-100.0, 0.0], [100.0, 0.0]])  # std 0 counts as 1
    np.testing.assert_array_equal(np.isnan(x), np.isnan(before))
    assert np.array_equal(x[np.isfinite(x)], before[np.isfinite(before)])
    raw = to_float(x)
    assert raw is not x and np.isfinite(raw).all() and np.isnan(x).any()
    batch = Normalization.from_metadata({"mean": [1, 1], "std": [2, 2]}).apply(np.ones((2, 4, 4, 2), "u2"))
    assert batch.shape == (2, 4, 4, 2) and not batch.any()
    with pytest.raises(ParameterError, match="2 bands but the image has 3"):
        Normalization((0.0, 0.0), (1.0, 1.0)).apply(np.zeros((4, 4, 3)))


# -------------------------------------------------------------------------------------------------
# Save / load
# -------------------------------------------------------------------------------------------------
def _metadata(spec, model):
    return ModelMetadata(
        spec=spec,
        field_of_view=field_of_view(model),
        normalization={"mean": [1.0] * spec.bands, "std": [2.0] * spec.bands},
        training={"epochs": 2, "loss": "dice", "labels": ["/data/a.tif"]},
        history=[{"epoch": 1, "loss": 0.5}, {"epoch": 2, "loss": np.float32(0.25)}],
        parameters=count_parameters(model),
    )


@pytest.mark.parametrize("architecture, classes", [("unet5", ("building",)), ("resunet", ("a", "b", "c"))])
def test_save_load_round_trip(tmp_path, architecture, classes):
    spec = tiny(architecture, classes, dropout=0.2)
    model = build_model(spec, seed=5)
    meta = _metadata(spec, model)
    path = tmp_path / "model.keras"
    progress = RecordingProgress()
    save_model(model, meta, path, progress=progress)
    assert files_in(tmp_path) == ["model.keras", "model.keras.json"]  # nothing partial left
    assert progress.fractions[-1] == 1.0
    with zipfile.ZipFile(path) as zf:
        assert {"config.json", "model.weights.h5", METADATA_MEMBER} <= set(zf.namelist())
    loaded, loaded_meta = load_model(path)
    assert loaded_meta.to_dict() == read_metadata(path).to_dict()
    expected = json.loads(meta.to_json())
    assert loaded_meta.to_dict() == expected
    assert json.loads((tmp_path / "model.keras.json").read_text()) == expected
    assert loaded_meta.spec == spec and loaded_meta.history[1]["loss"] == 0.25
    x = np.random.default_rng(1).normal(size=(2, 32, 32, 3)).astype("float32")
    np.testing.assert_array_equal(model.predict(x, verbose=0), loaded.predict(x, verbose=0))
    assert field_of_view(loaded) == meta.field_of_view


def test_compiled_model_keeps_optimizer_state(tmp_path):
    spec = tiny(filters=2, depth=2, patch=16)
    model = build_model(spec, seed=2)
    model.compile(optimizer=keras.optimizers.Adam(1e-3), loss="binary_crossentropy")
    rng = np.random.default_rng(0)
    model.train_on_batch(rng.normal(size=(2, 16, 16, 3)).astype("float32"),
                         (rng.random((2, 16, 16, 1)) > 0.5).astype("float32"))
    path = tmp_path / "trained.keras"
    save_model(model, _metadata(spec, model), path)
    loaded, _ = load_model(path, compile=True)
    assert int(loaded.optimizer.iterations.numpy()) == 1
    for a, b in zip(model.optimizer.variables, loaded.optimizer.variables):
        np.testing.assert_array_equal(np.asarray(a), np.asarray(b))


def _rewrite_zip(src, dst, edit):
    """Copy a zip, passing each member's bytes through ``edit(name, data) -> bytes | None``."""
    with zipfile.ZipFile(src) as zin, zipfile.ZipFile(dst, "w") as zout:
        for item in zin.infolist():
            data = edit(item.filename, zin.read(item.filename))
            if data is not None:
                zout.writestr(item.filename, data)


@pytest.fixture(scope="module")
def saved(tmp_path_factory):
    folder = tmp_path_factory.mktemp("saved")
    spec = tiny(filters=2)
    model = build_model(spec, seed=1)
    path = folder / "good.keras"
    save_model(model, _metadata(spec, model), path)
    return path


def test_lambda_layer_is_refused_and_never_run(tmp_path):
    marker = tmp_path / "ran.txt"
    inp = keras.Input((None, None, 3))
    out = keras.layers.Lambda(lambda t: t * 2.0, name="evil")(inp)
    path = tmp_path / "lambda.keras"
    keras.Model(inp, out).save(path)
    meta = ModelMetadata(spec=tiny(classes=("a", "b")), field_of_view=1)
    with zipfile.ZipFile(path, "a") as zf:
        zf.writestr(METADATA_MEMBER, meta.to_json())
    before = path.read_bytes()
    with pytest.raises(ModelFileError, match="Lambda.*never execute code"):
        load_model(path)
    assert read_metadata(path).spec.classes == ("a", "b")  # the metadata alone is harmless
    assert path.read_bytes() == before and not marker.exists()


def test_objects_from_outside_keras_are_refused(tmp_path, saved):
    bad = tmp_path / "foreign.keras"

    def edit(name, data):
        if name == "config.json":
            config = json.loads(data)
            config["config"]["layers"][1]["module"] = "os"
            return json.dumps(config).encode()
        return data

    _rewrite_zip(saved, bad, edit)
    with pytest.raises(ModelFileError, match="outside Keras.*os"):
        load_model(bad)


def test_foreign_corrupt_missing_and_too_new_files(tmp_path, saved):
    foreign = tmp_path / "plain.keras"
    inp = keras.Input((8, 8, 1))
    keras.Model(inp, keras.layers.Dense(2)(inp)).save(foreign)
    for call in (load_model, read_metadata):
        with pytest.raises(ModelFileError, match="not a deepfeature model.*Initialize Model"):
            call(foreign)
    corrupt = tmp_path / "corrupt.keras"
    corrupt.write_bytes(b"PK\x03\x04 this is not really a zip" + os.urandom(64))
    with pytest.raises(ModelFileError, match="not a Keras model file or it is damaged"):
        load_model(corrupt)
    truncated = tmp_path / "truncated.keras"
    truncated.write_bytes(saved.read_bytes()[: saved.stat().st_size // 2])
    with pytest.raises(ModelFileError):
        load_model(truncated)
    with pytest.raises(ModelFileError, match="does not exist"):
        load_model(tmp_path / "absent.keras")
    with pytest.raises(ModelFileError, match="must end with '.keras'"):
        load_model(tmp_path / "model.h5")
    newer = tmp_path / "newer.keras"

    def bump(name, data):
        if name == METADATA_MEMBER:
            meta = json.loads(data)
            meta["format_version"] = 99
            return json.dumps(meta).encode()
        return data

    _rewrite_zip(saved, newer, bump)
    with pytest.raises(ModelFileError, match="newer deepfeature.*Update the plugin"):
        read_metadata(newer)
    broken = tmp_path / "broken.keras"
    _rewrite_zip(saved, broken, lambda name, data: b"{not json" if name == METADATA_MEMBER else data)
    with pytest.raises(ModelFileError, match="damaged"):
        read_metadata(broken)


def test_read_metadata_needs_no_keras(saved):
    """read_metadata in a fresh interpreter where keras and tensorflow cannot even be imported."""
    code = (
        "import sys\n"
        "class Block:\n"
        "    def find_spec(self, name, path=None, target=None):\n"
        "        if name.split('.')[0] in ('keras', 'tensorflow', 'jax', 'torch'):\n"
        "            raise ImportError('blocked ' + name)\n"
        "sys.meta_path.insert(0, Block())\n"
        "sys.path.insert(0, {plugins!r})\n"
        "from deepfeature.core.nn import read_metadata\n"
        "meta = read_metadata({path!r})\n"
        "print(meta.spec.architecture, meta.field_of_view, meta.parameters)\n"
    ).format(plugins=str(PLUGINS), path=str(saved))
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120)
    assert out.returncode == 0, out.stderr
    meta = read_metadata(saved)
    assert out.stdout.split() == ["unet5", str(meta.field_of_view), str(meta.parameters)]


def test_save_refuses_bad_destinations(tmp_path, saved):
    model, meta = load_model(saved)
    with pytest.raises(OutputError, match="does not exist"):
        save_model(model, meta, tmp_path / "missing" / "m.keras")
    with pytest.raises(OutputError, match="must end with '.keras'"):
        save_model(model, meta, tmp_path / "m.h5")
    assert files_in(tmp_path) == []


# -------------------------------------------------------------------------------------------------
# initialize_model (the algorithm's core entry point)
# -------------------------------------------------------------------------------------------------
def test_initialize_model_reports_and_warns(tmp_path):
    progress = RecordingProgress()
    spec = tiny("resunet", classes=(), patch=32)
    result = initialize_model(spec, tmp_path / "init.keras", progress=progress, seed=1)
    model, meta = load_model(result.path)
    assert meta.spec.classes == ("feature",) and meta.spec.architecture == "resunet"
    assert result.parameters == count_parameters(model) == meta.parameters
    assert result.field_of_view == field_of_view(model) == meta.field_of_view > 32
    assert result.valid_patch_sizes[:3] == [16, 32, 48] and result.valid_patch_sizes[-1] == 1024
    text = "\n".join(progress.messages)
    assert "Parameters: {:,}".format(result.parameters) in text
    assert "field of view: {} pixels".format(result.field_of_view) in text
    warnings = progress.warnings
    assert len(warnings) == 1 and "smaller than the field of view" in warnings[0]
    assert progress.fractions == sorted(progress.fractions) and progress.fractions[-1] == 1.0
    quiet = RecordingProgress()
    initialize_model(tiny(patch=256, filters=2), tmp_path / "big.keras", progress=quiet)
    assert not quiet.warnings


def test_initialize_model_failures_leave_nothing(tmp_path):
    with pytest.raises(ParameterError):
        initialize_model(tiny(patch=40), tmp_path / "bad.keras")
    with pytest.raises(OutputError):
        initialize_model(tiny(), tmp_path / "no" / "bad.keras")
    progress = RecordingProgress()
    progress.cancel()
    with pytest.raises(CanceledError):
        initialize_model(tiny(), tmp_path / "canceled.keras", progress=progress)
    assert files_in(tmp_path) == []


def test_resolve_spec_from_a_label_raster(tmp_path):
    rasterio = pytest.importorskip("rasterio")
    from rasterio.transform import from_origin

    from deepfeature.core.label_format import label_tags

    path = tmp_path / "labels.tif"
    profile = dict(driver="GTiff", width=8, height=8, count=5, dtype="uint8", crs="EPSG:32618",
                   transform=from_origin(0, 8, 1, 1))
    with rasterio.open(path, "w", **profile) as dst:
        dst.write(np.zeros((5, 8, 8), np.uint8))
        dst.update_tags(**label_tags({1: "road", 2: "roof"}, 255, 4, None))
    spec = resolve_spec(tiny(bands=3, classes=()), path)
    assert spec.bands == 4 and spec.classes == ("road", "roof") and spec.n_outputs == 3
    assert resolve_spec(tiny(classes=("r", "b")), path).classes == ("r", "b")
    with pytest.raises(ParameterError, match="has 2 classes"):
        resolve_spec(tiny(classes=("r",)), path)



def test_resolve_spec_keeps_the_template_class_ids(tmp_path):
    """A label raster with classes 2 and 5 gives a model whose classes are 2 and 5 (not 1 and 2)."""
    rasterio = pytest.importorskip("rasterio")
    from rasterio.transform import from_origin

    from deepfeature.core.label_format import label_tags

    def template(name, classes):
        path = tmp_path / name
        with rasterio.open(path, "w", driver="GTiff", width=8, height=8, count=4, dtype="uint8",
                           crs="EPSG:32618", transform=from_origin(0, 8, 1, 1)) as dst:
            dst.write(np.zeros((4, 8, 8), np.uint8))
            dst.update_tags(**label_tags(classes, 255, 3, None))
        return path

    skipping = template("skip.tif", {5: "road", 2: "roof"})
    spec = resolve_spec(tiny(classes=()), skipping)
    assert spec.classes == ("roof", "road") and spec.class_ids == (2, 5) and spec.ids == (2, 5)
    # The same names in another order: the template's order and ids.
    spec = resolve_spec(tiny(classes=("road", "roof")), skipping)
    assert spec.classes == ("roof", "road") and spec.ids == (2, 5)
    # Other names are numbered 1..K.
    assert resolve_spec(tiny(classes=("a", "b")), skipping).ids == (1, 2)
    # One class, id 3.
    assert resolve_spec(tiny(classes=()), template("three.tif", {3: "class 3"})).ids == (3,)
    # The classic 1..K stays the default (no explicit ids).
    assert resolve_spec(tiny(classes=()), template("plain.tif", {1: "a", 2: "b"})).class_ids == ()
    path = tmp_path / "m.keras"
    initialize_model(tiny(classes=()), path, template=skipping)
    assert read_metadata(path).spec.classes_by_id == {2: "roof", 5: "road"}
