"""Pretrained encoders: the PyTorch weights reader, the EfficientNet-Lite0 port against the reference network,
every encoder built, saved and reloaded in safe mode, the band-count rule, freezing during training."""

from __future__ import annotations

import pickle
import zipfile
from pathlib import Path

import numpy as np
import pytest

from deepfeature.core.errors import ModelFileError, ParameterError
from deepfeature.core.nn import ENCODERS, ModelSpec, build_model, initialize_model, load_model, read_metadata
from deepfeature.core.nn.encoders import (
    adapt_first_kernel,
    encoder_info,
    lite0_taps,
    lite0_weights,
    lite0_weights_path,
    load_pretrained,
)
from deepfeature.core.nn.torch_weights import read_state_dict

DATA = Path(__file__).parent / "data"


# -- the weights reader -----------------------------------------------------------------------------------

@pytest.mark.parametrize("layout", ["zip", "legacy"])
def test_reader_gives_the_tensors_torch_saved(layout):
    """Files written by torch.save (scripts/lite0_reference.py --tiny), both layouts, strided and offset
    views, int64 and float16 tensors: the arrays equal what PyTorch held."""
    expected = np.load(DATA / "tiny_state_dict_expected.npz")
    state = read_state_dict(DATA / "tiny_state_dict_{}.pt".format(layout))
    assert list(state) == ["conv.weight", "view.t", "view.slice", "bn.num_batches_tracked", "half"]
    for name, array in state.items():
        want = expected[name.replace(".", "__")]
        assert array.dtype == want.dtype and array.shape == want.shape
        np.testing.assert_array_equal(array, want)


def test_reader_reads_the_installed_lite0_weights():
    state = read_state_dict(lite0_weights_path())
    assert len(state) == 296
    assert state["_conv_stem.weight"].shape == (32, 3, 3, 3) and state["_fc.weight"].shape == (1000, 1280)
    assert all(np.isfinite(v).all() for v in state.values())


class _Evil:
    def __reduce__(self):
        import os

        return (os.system, ("touch {}".format(_Evil.marker),))


@pytest.mark.parametrize("layout", ["zip", "legacy"])
def test_reader_refuses_a_file_that_would_run_code(tmp_path, layout):
    """A pickle that calls os.system when unpickled is refused before anything runs."""
    _Evil.marker = tmp_path / "ran"
    payload = pickle.dumps({"weight": _Evil()}, protocol=2)
    path = tmp_path / "evil.pth"
    if layout == "zip":
        with zipfile.ZipFile(path, "w") as zf:
            zf.writestr("archive/data.pkl", payload)
    else:
        path.write_bytes(pickle.dumps(0x1950A86A20F9469CFC6C, protocol=2) + payload)
    with pytest.raises(ModelFileError, match="system.*not a tensor|not a tensor"):
        read_state_dict(path)
    assert not _Evil.marker.exists()


def test_reader_refuses_damaged_and_missing_files(tmp_path):
    good = (DATA / "tiny_state_dict_legacy.pt").read_bytes()
    truncated = tmp_path / "truncated.pt"
    truncated.write_bytes(good[:-20])
    with pytest.raises(ModelFileError, match="truncated|damaged"):
        read_state_dict(truncated)
    with pytest.raises(ModelFileError, match="does not exist"):
        read_state_dict(tmp_path / "none.pth")
    text = tmp_path / "text.pth"
    text.write_text("not a pickle")
    with pytest.raises(ModelFileError):
        read_state_dict(text)


# -- the EfficientNet-Lite0 port against the reference network ----------------------------------------------

def test_lite0_port_reproduces_the_reference_network():
    """The Keras port with the converted weights gives the PyTorch reference network's features at every
    resolution, its pooled head features and its ImageNet logits on a photograph (reference activations
    computed once with PyTorch by scripts/lite0_reference.py)."""
    import keras
    import skimage.data

    ref = np.load(DATA / "lite0_reference.npz")
    image = skimage.data.chelsea()[38:262, 113:337].astype(np.float32)
    x = ((image - 127.0) / 128.0)[None]
    inputs = keras.Input((224, 224, 3))
    taps = lite0_taps(inputs, 6, head=True)  # 1/2 .. 1/16, then the 1280-channel head at 1/32
    features = keras.Model(inputs, taps)
    weights = lite0_weights(read_state_dict(lite0_weights_path()))
    for layer in features.layers:
        if layer.weights:
            layer.set_weights(weights[layer.name])
    outputs = features.predict(x, verbose=0)
    for level, tap in zip((2, 4, 8, 16), outputs[:4]):
        np.testing.assert_allclose(tap[0].mean(axis=(0, 1)), ref["mean_{}".format(level)],
                                   atol=2e-3, rtol=1e-3)
    np.testing.assert_allclose(outputs[4][0].mean(axis=(0, 1)), ref["pooled"], atol=2e-3, rtol=1e-3)
    deepest = keras.Model(inputs, lite0_taps(inputs, 6)[-1])
    for layer in deepest.layers:
        if layer.weights:
            layer.set_weights(weights[layer.name])
    np.testing.assert_allclose(deepest.predict(x, verbose=0)[0], ref["tap32"], atol=5e-3, rtol=1e-3)
    logits = outputs[4][0].mean(axis=(0, 1)) @ weights["lite0_fc"][0] + weights["lite0_fc"][1]
    np.testing.assert_allclose(logits, ref["logits"], atol=5e-3, rtol=1e-3)
    assert int(np.argmax(logits)) == int(np.argmax(ref["logits"])) == 282  # tiger cat


# -- every encoder: build, save, reload in safe mode -------------------------------------------------------

def _keras_weights_file(key: str, folder: Path) -> Path:
    """A weights file of the Keras application ``key`` (random weights: no download here), as a user
    would give the 'notop' file on an offline machine."""
    from deepfeature.core.nn.encoders import _application

    app = _application(key)(input_shape=(None, None, 3), include_top=False, weights=None)
    path = folder / "{}_notop.weights.h5".format(key)
    app.save_weights(str(path))
    return path


@pytest.mark.parametrize("encoder", ENCODERS)
def test_each_encoder_initializes_saves_and_reloads_in_safe_mode(encoder, tmp_path):
    weights = None if encoder == "efficientnet_lite0" else _keras_weights_file(encoder, tmp_path)
    spec = ModelSpec(bands=4, classes=("building",), patch_size=64, base_filters=4, depth=3, encoder=encoder)
    path = tmp_path / "model.keras"
    result = initialize_model(spec, path, seed=1, encoder_weights=weights)
    assert result.field_of_view > 30 and result.margin > 0
    meta = read_metadata(path)
    assert meta.spec.encoder == encoder and meta.pretrained["encoder"] == encoder
    assert meta.pretrained["layers"] > 5 and meta.field_of_view == result.field_of_view
    model, _ = load_model(path)  # safe mode
    x = np.random.default_rng(0).normal(size=(1, 64, 64, 4)).astype(np.float32)
    again = build_model(spec)
    again.set_weights(model.get_weights())
    np.testing.assert_allclose(model.predict(x, verbose=0), again.predict(x, verbose=0), atol=1e-6)
    # the pretrained weights are in the file: the first block's kernels equal the source's
    if encoder == "efficientnet_lite0":
        source = lite0_weights(read_state_dict(lite0_weights_path()))["lite0_b0_dw_conv"][0]
        np.testing.assert_array_equal(model.get_layer("lite0_b0_dw_conv").get_weights()[0], source)
    else:
        import keras

        from deepfeature.core.nn.encoders import _application

        app = _application(encoder)(input_shape=(None, None, 3), include_top=False, weights=str(weights))
        named = [layer for layer in app.layers if layer.weights and type(layer).__name__ != "Conv2D"][:1]
        for layer in named:
            for a, b in zip(model.get_layer(layer.name).get_weights(), layer.get_weights()):
                np.testing.assert_array_equal(a, b)
        keras.backend.clear_session()


def test_squeeze_excitation_encoders_report_their_global_context(tmp_path):
    from deepfeature.core.nn import receptive_field

    for encoder, unbounded in (("efficientnet_lite0", False), ("mobilenetv3_large", True)):
        model = build_model(ModelSpec(bands=3, patch_size=32, depth=5, base_filters=2, encoder=encoder))
        assert receptive_field(model).unbounded is unbounded
    assert encoder_info("mobilenetv3_large").squeeze_excitation


def test_encoder_spec_is_validated():
    with pytest.raises(ParameterError, match="Unknown encoder"):
        ModelSpec(encoder="vgg").validate()
    with pytest.raises(ParameterError, match="between 2 and 6 levels"):
        ModelSpec(encoder="efficientnet_lite0", depth=7, patch_size=64).validate()
    with pytest.raises(ParameterError, match="no pretrained encoder"):
        initialize_model(ModelSpec(bands=3, patch_size=32, depth=3, base_filters=2), "/tmp/x.keras",
                         encoder_weights=lite0_weights_path())


def test_a_missing_keras_weights_file_names_the_offline_fix(tmp_path):
    spec = ModelSpec(bands=3, patch_size=32, depth=3, base_filters=2, encoder="resnet50")
    with pytest.raises(ModelFileError, match="does not exist"):
        initialize_model(spec, tmp_path / "m.keras", encoder_weights=tmp_path / "none.h5")
    assert not (tmp_path / "m.keras").exists()


# -- the band-count rule -------------------------------------------------------------------------------------

def test_band_rule_replicates_fewer_bands_and_learns_extra_ones():
    """1 band: the network sees it on all three channels; 4 bands: at first exactly the RGB network on the
    first three (the fourth's kernels start at zero); ResNet50 reads BGR."""
    import keras

    rng = np.random.default_rng(0)
    image = rng.normal(size=(1, 64, 64, 3)).astype(np.float32)
    outputs = {}
    for bands in (1, 3, 4):
        spec = ModelSpec(bands=bands, patch_size=64, depth=3, base_filters=2, encoder="efficientnet_lite0")
        model = build_model(spec, seed=1)
        load_pretrained(model, "efficientnet_lite0", bands)
        stem = keras.Model(model.inputs, model.get_layer("lite0_stem_bn").output)
        extra = rng.normal(size=(1, 64, 64, 1))
        x = {1: image[..., :1], 3: image, 4: np.concatenate([image, extra], -1)}[bands]
        outputs[bands] = stem.predict(x.astype(np.float32), verbose=0)
        if bands == 1:
            three = build_model(ModelSpec(bands=3, patch_size=64, depth=3, base_filters=2,
                                          encoder="efficientnet_lite0"), seed=1)
            load_pretrained(three, "efficientnet_lite0", 3)
            stem3 = keras.Model(three.inputs, three.get_layer("lite0_stem_bn").output)
            # the one band stands for red (its adapter has red's statistics): the same pixels on the three
            # channels are the RGB input whose channel c is that red value in channel c's statistics
            mean, variance = encoder_info("efficientnet_lite0").adapter()
            red = image[..., :1] * np.sqrt(variance[0]) + mean[0]
            gray3 = (red - mean) / np.sqrt(variance)
            outputs["gray3"] = stem3.predict(gray3.astype(np.float32), verbose=0)
    np.testing.assert_allclose(outputs[4], outputs[3], atol=1e-5)
    np.testing.assert_allclose(outputs[1], outputs["gray3"], atol=1e-4)
    kernel = np.arange(2 * 2 * 3 * 1, dtype=np.float32).reshape(2, 2, 3, 1)
    np.testing.assert_array_equal(adapt_first_kernel(kernel, 3, bgr=True)[:, :, 0], kernel[:, :, 2])
    np.testing.assert_array_equal(adapt_first_kernel(kernel, 2)[:, :, 0], kernel[:, :, 0] + kernel[:, :, 2])


# -- freezing the encoder during training --------------------------------------------------------------------

@pytest.mark.slow
def test_frozen_encoder_learns_only_after_the_frozen_epochs(tiny_scene, tmp_path):
    """With FREEZE_ENCODER_EPOCHS 1, the first epoch changes the decoder only (encoder weights and batch
    norm statistics as initialized), the second the encoder too."""
    from deepfeature.core.nn.encoders import is_encoder_layer
    from deepfeature.core.training import train_model
    from tests.helpers_training import tiny_config

    _, train_raster, validation_raster = tiny_scene
    spec = ModelSpec(bands=3, classes=(), patch_size=32, base_filters=4, depth=3,
                     encoder="efficientnet_lite0")
    init = tmp_path / "init.keras"
    initialize_model(spec, init, seed=1, template=train_raster)
    start, _ = load_model(init)
    one = tmp_path / "one.keras"
    train_model(str(init), [train_raster], [validation_raster], str(one),
                tiny_config(epochs=1, freeze_encoder_epochs=1))
    two = tmp_path / "two.keras"
    train_model(str(init), [train_raster], [validation_raster], str(two),
                tiny_config(epochs=2, freeze_encoder_epochs=1))
    after_one, _ = load_model(one)
    after_two, _ = load_model(two)

    def changed(model, encoder: bool) -> bool:
        return any(
            not all(np.array_equal(a, b)
                    for a, b in zip(layer.get_weights(), start.get_layer(layer.name).get_weights()))
            for layer in model.layers if layer.weights and is_encoder_layer(layer.name) == encoder)

    assert changed(after_one, encoder=False) and not changed(after_one, encoder=True)
    assert changed(after_two, encoder=True)


def test_initialize_model_algorithm_offers_the_encoders(run_alg, tmp_path):
    """The dialog's default is the pretrained EfficientNet-Lite0; 'None' gives the model trained from
    scratch; a weights file for the wrong encoder is refused with the layer that does not fit."""
    from deepfeature.algorithms.initialize_model import InitializeModelAlgorithm

    keys = InitializeModelAlgorithm.ENCODER_KEYS
    assert keys[0] == "" and set(keys[1:]) == set(ENCODERS)
    base = {"BANDS": 3, "CLASSES": "building", "PATCH_SIZE": 64, "BASE_FILTERS": 4, "DEPTH": 4}
    default = run_alg("initializemodel", dict(base, OUTPUT=str(tmp_path / "lite0.keras")))
    scratch = run_alg("initializemodel", dict(base, ENCODER=0, OUTPUT=str(tmp_path / "scratch.keras")))
    assert read_metadata(tmp_path / "lite0.keras").spec.encoder == "efficientnet_lite0"
    assert read_metadata(tmp_path / "scratch.keras").spec.encoder == ""
    assert default["FIELD_OF_VIEW"] > 50 and scratch["FIELD_OF_VIEW"] > 50
    with pytest.raises(Exception, match="does not hold the weights of ResNet50"):
        wrong = _keras_weights_file("mobilenetv3_large", tmp_path)
        run_alg("initializemodel", dict(base, ENCODER=keys.index("resnet50"), ENCODER_WEIGHTS=str(wrong),
                                        OUTPUT=str(tmp_path / "r.keras")))
    assert not (tmp_path / "r.keras").exists()
