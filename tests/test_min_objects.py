"""The default minimum object size: training records the sizes of the labelled objects, Classify tags the
activation with the model's minimum, the post-processing uses it when MIN_AREA is left empty."""

from __future__ import annotations

import numpy as np
import pytest

from .helpers_rasters import PIXEL, write_activation
from .helpers_training import tiny_config, write_label_raster


def _squares(sizes, side=200):
    """A mask with one square object of each side in ``sizes`` (pixels), apart from each other."""
    mask = np.zeros((side, side), np.uint8)
    x = 2
    for s in sizes:
        mask[5:5 + s, x:x + s] = 1
        x += s + 3
    return mask


def test_training_objects_are_counted_across_strips(tmp_path):
    """Objects are counted by strips and joined across them: a tall object spanning many strips is one."""
    from deepfeature.core.nn import ModelSpec
    from deepfeature.core.training.prepare import MIN_OBJECT_SHARE, object_statistics
    from deepfeature.core.training.sampling import LabelSource

    rng = np.random.default_rng(0)
    mask = np.zeros((3000, 60), np.uint8)
    mask[10:2990, 5:9] = 1  # one object through every strip
    sides = [2, 3] + [5] * 25
    for i, s in enumerate(sides):  # 27 squares of known sizes
        r = 20 + i * 100
        mask[r:r + s, 30:30 + s] = 1
    image = rng.integers(0, 255, (3, 3000, 60)).astype(np.uint8)
    path = write_label_raster(tmp_path / "labels.tif", image, mask)
    source = LabelSource(path, 3, ("building",))
    scan = source.scan(16, stats=True)
    assert len(scan.object_pixels) == 28
    assert sorted(scan.object_pixels.tolist())[-1] == 2980 * 4
    stats = object_statistics([scan], ModelSpec(bands=3, classes=("building",)))["1"]
    sizes = sorted([s * s for s in sides] + [2980 * 4])
    assert stats["objects"] == 28 and stats["median_pixels"] == float(np.median(sizes))
    assert stats["p5_pixels"] == pytest.approx(np.percentile(sizes, 5))
    assert stats["min_object_pixels"] == int(MIN_OBJECT_SHARE * np.percentile(sizes, 5))


def test_empty_min_area_takes_the_model_minimum_and_zero_keeps_all(tmp_path):
    from deepfeature.core.activation_format import read_activation_info
    from deepfeature.core.postprocessing import activation_to_classification, activation_to_polygons

    act = _squares([1, 2, 3, 6, 8]).astype(np.float32) * 0.9
    tagged = tmp_path / "act.tif"
    write_activation(tagged, act, {1: "building"})
    import rasterio

    from deepfeature.core.activation_format import activation_tags

    with rasterio.open(tagged, "r+") as dst:  # as Classify writes it for a model with minimum 9 pixels
        dst.update_tags(**activation_tags({1: "building"}, "m.keras", {1: 9}))
    assert read_activation_info(tagged).min_objects == {1: 9}
    features = []
    activation_to_polygons(tagged, lambda wkb, attrs: features.append(attrs))
    assert len(features) == 3  # 3x3, 6x6 and 8x8: 9 pixels and more
    features.clear()
    activation_to_polygons(tagged, lambda wkb, attrs: features.append(attrs), min_area=0)
    assert len(features) == 5
    explicit = activation_to_classification(tagged, tmp_path / "c.tif", min_area=20 * PIXEL * PIXEL)
    assert explicit["objects"] == 2
    untagged = tmp_path / "plain.tif"
    write_activation(untagged, act, {1: "building"})
    kept = activation_to_classification(untagged, tmp_path / "c2.tif")  # no model minimum: every object
    assert kept["removed"] == 0 and kept["class_pixels"][1] == int((act > 0).sum())


@pytest.mark.slow
def test_a_trained_model_passes_its_minimum_to_the_activation(tiny_scene, tmp_path):
    from deepfeature.core.activation_format import read_activation_info
    from deepfeature.core.inference import classify_raster
    from deepfeature.core.nn import read_metadata
    from deepfeature.core.training import train_model

    from .helpers_training import synthetic_scene

    model, _, validation_raster = tiny_scene
    train_raster = write_label_raster(tmp_path / "many.tif", *synthetic_scene(h=256, w=256, seed=5,
                                                                                n_buildings=60))
    out = tmp_path / "trained.keras"
    train_model(model, [train_raster], [validation_raster], str(out), tiny_config(epochs=1))
    meta = read_metadata(out)
    stats = meta.training["objects"]["1"]
    assert stats["objects"] >= 20 and stats["median_pixels"] > 20 and stats["min_object_pixels"] > 0
    act = tmp_path / "act.tif"
    classify_raster(validation_raster, out, act)
    assert read_activation_info(act).min_objects == meta.min_object_pixels == {1: stats["min_object_pixels"]}
