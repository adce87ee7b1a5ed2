"""New imagery: the training rasters' quantiles kept in the model, histogram matching of the image to
classify (MATCH_HISTOGRAM) and of training patches (AUGMENT_HISTOGRAM, see also test_sampling.py)."""

from __future__ import annotations

import dataclasses

import numpy as np
import pytest

from deepfeature.core.errors import ModelFileError, ParameterError
from deepfeature.core.normalization import (
    QUANTILE_LEVELS,
    Normalization,
    band_quantiles,
    match_bands,
    quantile_levels,
    transfer_curves,
)

from .conftest import save_tiny_model
from .helpers_rasters import TILE, write_crop
from .helpers_training import synthetic_scene, tiny_config, write_label_raster


def test_histogram_transfer_maps_the_quantiles_of_an_image_onto_the_target():
    """The per-band transfer gives an image the target's quantiles (a non-linear, per-band change
    undone), levels shared by one value (uint8 ties) collapse to one point, NaN stays NaN."""
    rng = np.random.default_rng(0)
    target = rng.gamma(3.0, 20.0, (5000, 2))
    image = np.stack([(target[:, 0] / 300.0) ** 0.5 * 255, 40 + 0.3 * target[:, 1]], axis=-1)
    rng.shuffle(image)
    curves = transfer_curves(band_quantiles(image), band_quantiles(target))
    matched = match_bands(image, curves)
    assert matched.dtype == np.float32 and matched.shape == image.shape
    np.testing.assert_allclose(band_quantiles(matched), band_quantiles(target), rtol=1e-4, atol=1e-3)
    # uint8 values: runs of equal quantiles become one point at the mean of their target quantiles
    flat = np.array([[0.0, 5.0, 5.0, 5.0, 9.0]])
    (xp, fp), = transfer_curves(flat, np.array([[0.0, 1.0, 2.0, 6.0, 10.0]]))
    assert xp.tolist() == [0.0, 5.0, 9.0] and fp.tolist() == [0.0, 3.0, 10.0]
    out = match_bands(np.array([[np.nan], [5.0], [7.0], [20.0]]), ((xp, fp),))
    assert np.isnan(out[0, 0]) and out[1:, 0].tolist() == [3.0, 6.5, 10.0]
    with pytest.raises(ParameterError):
        transfer_curves(np.zeros((2, 5)), np.zeros((2, 7)))


def test_normalization_keeps_quantiles_and_older_models_without_them_load(tmp_path):
    from deepfeature.core.nn import read_metadata

    q = band_quantiles(np.random.default_rng(1).normal(100, 20, (1000, 3)))
    norm = Normalization.from_moments([300.0, 330.0, 360.0], [3.1e4, 3.7e4, 4.4e4], 3, q)
    assert np.array(norm.quantiles).shape == (3, QUANTILE_LEVELS)
    data = norm.to_metadata()
    assert Normalization.from_metadata(data) == norm
    # Models trained before the quantiles were kept: the same metadata as then, and they load.
    old = {"mean": [90.0, 95.0, 85.0], "std": [40.0, 45.0, 42.0]}
    assert Normalization.from_metadata(old).quantiles is None
    assert Normalization.from_metadata(old).to_metadata() == old
    for name, norm_data in (("new", data), ("old", old)):
        path = save_tiny_model(tmp_path / "{}.keras".format(name), 3, norm_data)
        assert read_metadata(path).normalization == Normalization.from_metadata(norm_data)
    damaged = [dict(data, quantiles=data["quantiles"][:2]),  # a band short
               dict(data, quantiles=[row[::-1] for row in data["quantiles"]]),  # decreasing
               dict(data, quantiles=[[1.0]] * 3), dict(data, quantiles="many")]
    for bad in damaged:
        with pytest.raises(ModelFileError, match="Train the model again"):
            Normalization.from_metadata(bad)


def test_the_scan_samples_every_nth_labelled_pixel(tmp_path):
    """The quantiles' sample: every n-th labelled pixel in reading order across the strips of a raster
    (NoData and ignore pixels left out)."""
    from deepfeature.core.label_format import read_info
    from deepfeature.core.training.sampling import LabelSource, cell_size

    image, mask = synthetic_scene(h=150, w=140, seed=3)
    mask = mask.copy()
    mask[:20, :30] = 255  # ignore
    image[:, 60:70, :] = 0
    path = write_label_raster(tmp_path / "l.tif", image, mask, nodata=0)
    source = LabelSource(path, 3, ("building",), info=read_info(path))
    valid = (mask != 255) & (image != 0).all(axis=0)
    pixels = np.moveaxis(image, 0, -1)[valid]
    for step in (1, 7):
        scan = source.scan(cell_size(source.region), True, sample_step=step)
        assert scan.valid == len(pixels)
        np.testing.assert_array_equal(scan.sample, pixels[::step])
    assert source.scan(cell_size(source.region), True).sample is None


@pytest.mark.slow  # trains a tiny model
def test_training_keeps_the_quantiles_of_the_labelled_pixels_and_augments_with_them(tiny_scene, tmp_path):
    import json

    import rasterio

    from deepfeature.core.nn import read_metadata
    from deepfeature.core.progress import RecordingProgress
    from deepfeature.core.training import train_model

    model, a, b = tiny_scene
    progress = RecordingProgress()
    config = tiny_config(epochs=1, augment_histogram=0.5)
    res = train_model(model, [a], [b], str(tmp_path / "m.keras"), config, progress=progress)
    norm = read_metadata(res.output_model).normalization
    with rasterio.open(a) as src:
        pixels = np.moveaxis(src.read([1, 2, 3]), 0, -1).reshape(-1, 3)  # all labelled (0 or 1)
    expected = np.quantile(pixels.astype(np.float64), quantile_levels(), axis=0).T
    np.testing.assert_allclose(np.array(norm.quantiles), expected, rtol=1e-6)
    assert norm.mean == pytest.approx(tuple(pixels.mean(axis=0)), rel=1e-6)
    assert any(m.startswith("Histogram matching: 50% of the patches") for m in progress.messages)
    assert json.loads(open(res.config_path).read())["config"]["augment_histogram"] == 0.5
    with pytest.raises(ParameterError, match="between 0 and 1"):
        tiny_config(augment_histogram=1.5).validate()


def test_image_quantiles_come_from_a_bounded_sample(tmp_path):
    """MATCH_HISTOGRAM's quantiles of the image: at most 8 x 8 windows of 128 x 128 pixels whatever the
    raster's size (close to the whole raster's quantiles), all of a small window."""
    import rasterio
    from rasterio.transform import from_origin

    from deepfeature.core.inference.reading import sample_quantiles

    rng = np.random.default_rng(2)
    h, w = 2600, 3100
    rows = np.linspace(0, 150, h)[:, None] + np.linspace(0, 60, w)[None, :]
    data = np.clip(rows + rng.normal(0, 10, (h, w)), 0, 255).astype("uint8")
    path = tmp_path / "big.tif"
    with rasterio.open(path, "w", driver="GTiff", width=w, height=h, count=1, dtype="uint8", tiled=True,
                       crs="EPSG:3857", transform=from_origin(500000, 4000000, 1, 1)) as dst:
        dst.write(data, 1)
    whole = band_quantiles(data.reshape(-1, 1))
    with rasterio.open(path) as src:
        q, pixels = sample_quantiles(src, [1], (0, 0, w, h), QUANTILE_LEVELS)
        assert pixels == 64 * 128 * 128
        assert np.abs(q - whole).max() <= 3
        q, pixels = sample_quantiles(src, [1], (100, 200, 300, 250), QUANTILE_LEVELS)
    assert pixels >= 300 * 250
    assert np.abs(q - band_quantiles(data[200:450, 100:400].reshape(-1, 1))).max() <= 1


@pytest.mark.realdata
def test_match_histogram_keeps_nodata_and_refuses_models_without_quantiles(spacenet, tmp_path):
    import rasterio

    from deepfeature.core.inference import classify_raster

    image, _ = spacenet
    with rasterio.open(image) as src:
        data = src.read()
    valid = (data != 0).all(axis=0)
    training = np.moveaxis(data, 0, -1)[valid].astype(np.float64) * 0.7 + 50  # other radiometry
    norm = Normalization(tuple(training.mean(0)), tuple(training.std(0)), band_quantiles(training))
    model = save_tiny_model(tmp_path / "sn.keras", 4, norm.to_metadata())
    acts = {}
    for match in (False, True):
        out = tmp_path / "act_{}.tif".format(match)
        res = classify_raster(image, model, out, tile_size=TILE, match_histogram=match, overviews=False)
        assert res["valid_pixels"] == int(valid.sum())
        with rasterio.open(out) as act:
            acts[match] = act.read(1)
    assert np.all(acts[True][~valid] == -1.0) and np.all((acts[True][valid] >= 0) & (acts[True][valid] <= 1))
    assert np.abs(acts[True] - acts[False])[valid].max() > 1e-3
    old = save_tiny_model(tmp_path / "old.keras", 4, {"mean": list(norm.mean), "std": list(norm.std)})
    with pytest.raises(ModelFileError, match="Train it again"):
        classify_raster(image, old, tmp_path / "refused.tif", match_histogram=True)
    assert not (tmp_path / "refused.tif").exists()


@pytest.mark.realdata
def test_match_histogram_classifies_the_image_mapped_through_the_transfer(massachusetts, tmp_path):
    """MATCH_HISTOGRAM classifies what the transfer from the image's quantiles to the model's makes of
    every pixel (all strips, chunks and tiles): the same activation as the mapped image written out."""
    import rasterio

    from deepfeature.core.inference import classify_raster
    from deepfeature.core.inference.reading import sample_quantiles

    image, _ = massachusetts
    crop = tmp_path / "crop.tif"
    data = write_crop(image, crop, 200, 100, 300, 260)
    pixels = np.moveaxis(data, 0, -1).reshape(-1, 3).astype(np.float64)
    training = 255 * (pixels / 255) ** 1.5  # darker training rasters
    norm = Normalization(tuple(training.mean(0)), tuple(training.std(0)), band_quantiles(training))
    model = save_tiny_model(tmp_path / "m.keras", 3, norm.to_metadata(), seed=2)
    with rasterio.open(crop) as src:
        quantiles, _ = sample_quantiles(src, [1, 2, 3], (0, 0, 300, 260), QUANTILE_LEVELS)
        profile = dict(src.profile, dtype="float32")
    mapped = match_bands(np.moveaxis(data, 0, -1), transfer_curves(quantiles, norm.quantiles))
    with rasterio.open(tmp_path / "mapped.tif", "w", **profile) as dst:
        dst.write(np.moveaxis(mapped, -1, 0))
    acts = []
    for path, match in ((crop, True), (tmp_path / "mapped.tif", False), (crop, False)):
        out = tmp_path / "act_{}.tif".format(len(acts))
        res = classify_raster(path, model, out, tile_size=TILE, match_histogram=match, overviews=False)
        assert res["tiles"] > 4
        with rasterio.open(out) as act:
            acts.append(act.read(1))
    assert np.abs(acts[0] - acts[1]).max() < 1e-5
    assert np.abs(acts[0] - acts[2]).max() > 1e-3


@pytest.mark.realdata
@pytest.mark.slow  # trains the session's model (trained_model)
def test_match_histogram_brings_other_imagery_back_to_the_training_radiometry(massachusetts, trained_model,
                                                                             tmp_path):
    """The lower third of the Massachusetts tile with another brightness, contrast and colour balance:
    matched to the training rasters' histogram its activation is much closer to the original's."""
    import rasterio

    from deepfeature.core.inference import classify_raster
    from deepfeature.core.nn import load_model, save_model

    image, _ = massachusetts
    with rasterio.open(image) as src:
        data = src.read()
    original = tmp_path / "original.tif"
    part = write_crop(image, original, 0, 601, data.shape[2], 300)  # the held-back rows
    # The model with the quantiles training keeps (its training rows 0..600).
    model, metadata = load_model(trained_model)
    train = np.moveaxis(data[:, :600], 0, -1).reshape(-1, 3)
    norm = metadata.normalization
    with_quantiles = tmp_path / "with_quantiles.keras"
    save_model(model, dataclasses.replace(
        metadata, normalization=Normalization(norm.mean, norm.std, band_quantiles(train))), with_quantiles)
    # Another sensor / date: a gamma, less contrast, brighter, other colour balance.
    gain = np.array([0.65, 0.8, 0.7])[:, None, None]
    other = np.clip(255 * (part / 255.0) ** 0.7 * gain + 45, 0, 255).astype("uint8")
    changed = tmp_path / "changed.tif"
    with rasterio.open(original) as src:
        profile = src.profile
    with rasterio.open(changed, "w", **profile) as dst:
        dst.write(other)
    acts = {}
    for name, path, match in (("original", original, False), ("plain", changed, False),
                              ("matched", changed, True)):
        out = tmp_path / "{}_act.tif".format(name)
        classify_raster(path, with_quantiles, out, tile_size=TILE, match_histogram=match, overviews=False)
        with rasterio.open(out) as act:
            acts[name] = act.read(1)
    plain = np.abs(acts["plain"] - acts["original"]).mean()
    matched = np.abs(acts["matched"] - acts["original"]).mean()
    assert matched < 0.4 * plain, (matched, plain)
