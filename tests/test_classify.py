"""deepfeature:classify — streamed, seamless, tile-size independent classification on real rasters."""

from __future__ import annotations

import importlib.util
import json
import os
import zipfile
from pathlib import Path

import numpy as np
import pytest

from .conftest import save_tiny_model
from .helpers_rasters import TILE, digest, write_crop


@pytest.mark.realdata
@pytest.mark.slow  # trains the session's model (trained_model)
def test_classify_lower_third_with_trained_model(run_alg, massachusetts, trained_model, mass_labels,
                                                 tmp_path):
    import rasterio

    image, _ = massachusetts
    mask, _ = mass_labels
    before = digest(image), digest(trained_model)
    with rasterio.open(image) as src:
        t, crs = src.transform, src.crs
    extent = "{},{},{},{} [EPSG:26986]".format(t.c, t.c + 1182 * t.a, t.f + 901 * t.e, t.f + 601 * t.e)
    out, cls = tmp_path / "act.tif", tmp_path / "cls.tif"
    res = run_alg("classify", {"INPUT": str(image), "MODEL": str(trained_model), "EXTENT": extent,
                               "TILE_SIZE": TILE, "OUTPUT": str(out), "OUTPUT_CLASSIFICATION": str(cls)})
    assert res["OUTPUT"] == str(out) and res["OUTPUT_CLASSIFICATION"] == str(cls)
    assert (digest(image), digest(trained_model)) == before
    with rasterio.open(out) as act:
        assert (act.width, act.height, act.count, act.dtypes[0]) == (1182, 300, 1, "float32")
        assert act.crs == crs
        assert act.transform.f == pytest.approx(t.f + 601 * t.e)
        assert act.profile["tiled"] and act.compression.value.lower() in ("zstd", "deflate")
        assert act.overviews(1), "overviews expected"
        assert act.tags()["DEEPFEATURE_CLASSES"] == '{"1": "building"}'
        a = act.read(1)
    assert a.min() >= 0 and a.max() <= 1, "every pixel gets a value (reflection padding), no NoData border"
    with rasterio.open(cls) as c:
        ids = c.read(1)
    np.testing.assert_array_equal(ids, (a >= 0.5).astype("uint8"))
    # The model learned buildings: F1 on the held-back third, against the independently burned mask.
    ref = mask[601:901].astype(bool)
    pred = a >= 0.5
    tp = np.sum(pred & ref)
    f1 = 2 * tp / (pred.sum() + ref.sum())
    assert f1 > 0.45, f1


@pytest.mark.realdata
@pytest.mark.slow  # trains the session's model (trained_model)
def test_tile_size_does_not_change_the_result_and_extent_matches(massachusetts, trained_model, tmp_path,
                                                                lower_third_activation):
    import rasterio

    from deepfeature.core.inference import DEFAULT_TILE_SIZE, classify_raster

    image, _ = massachusetts
    outs = []
    for tile in (100, 256):
        out = tmp_path / "act_{}.tif".format(tile)
        classify_raster(image, trained_model, out, tile_size=tile, batch_size=3)
        with rasterio.open(out) as src:
            outs.append(src.read(1))
    assert np.abs(outs[0] - outs[1]).max() < 1e-4
    # TILE_SIZE 0 (the default): automatic, 1024 on the CPU; the same values again.
    res = classify_raster(image, trained_model, tmp_path / "act_auto.tif", batch_size=1)
    assert res["tile_size"] <= DEFAULT_TILE_SIZE  # the largest; fitted to the raster
    with rasterio.open(tmp_path / "act_auto.tif") as src:
        assert np.abs(src.read(1) - outs[1]).max() < 1e-4
    # EXTENT gives the same values as the matching window of the whole raster (same padding, same grid).
    with rasterio.open(lower_third_activation[0]) as src:
        part = src.read(1)
    assert np.abs(part - outs[1][601:901]).max() < 1e-4


@pytest.mark.realdata
@pytest.mark.slow  # trains the session's model (trained_model)
def test_wide_rasters_are_classified_in_column_panels_with_the_same_result(massachusetts, trained_model,
                                                                           tmp_path, monkeypatch):
    """A raster wider than PANEL_COLUMNS is classified panel after panel (memory does not grow with its
    width): the activation and the classification equal the single-panel ones, panel edges included."""
    import rasterio

    from deepfeature.core.inference import classify_raster, tiling
    from deepfeature.core.inference.tiling import column_panels

    assert column_panels((5, 3, 1000, 40), 1000, 256) == [(5, 3, 1000, 40)]
    panels = column_panels((5, 3, 1182, 40), 300, 256)
    assert [p[2] for p in panels] == [256] * 4 + [158] and panels[1][0] == 5 + 256
    image, _ = massachusetts
    outs = {}
    for name, columns in (("one", 16384), ("panels", 300)):
        monkeypatch.setattr(tiling, "PANEL_COLUMNS", columns)
        act, cls = tmp_path / "act_{}.tif".format(name), tmp_path / "cls_{}.tif".format(name)
        res = classify_raster(image, trained_model, act, classification_path=cls, tile_size=TILE,
                              overviews=False)
        with rasterio.open(act) as a, rasterio.open(cls) as c:
            outs[name] = (a.read(1), c.read(1), res)
    assert outs["one"][2]["panels"] == 1 and outs["panels"][2]["panels"] == 5
    assert outs["panels"][2]["valid_pixels"] == outs["one"][2]["valid_pixels"]
    assert np.abs(outs["panels"][0] - outs["one"][0]).max() < 1e-4
    unsure = np.abs(outs["one"][0] - 0.5) < 1e-4  # a class may flip only exactly at the threshold
    assert np.array_equal(outs["panels"][1][~unsure], outs["one"][1][~unsure])


@pytest.mark.realdata
@pytest.mark.slow  # trains the session's model (trained_model)
def test_tta_and_cancel(massachusetts, trained_model, tmp_path):
    import rasterio

    from deepfeature.core.errors import CanceledError
    from deepfeature.core.inference import classify_raster
    from deepfeature.core.progress import RecordingProgress

    image, _ = massachusetts
    with rasterio.open(image) as src:
        t = src.transform
    extent = (t.c, t.f + 200 * t.e, t.c + 200 * t.a, t.f)
    plain, tta = tmp_path / "plain.tif", tmp_path / "tta.tif"
    classify_raster(image, trained_model, plain, tile_size=TILE, extent=extent)
    classify_raster(image, trained_model, tta, tile_size=TILE, extent=extent, tta=True)
    with rasterio.open(plain) as a, rasterio.open(tta) as b:
        pa, pb = a.read(1), b.read(1)
    assert pa.shape == pb.shape == (200, 200)
    assert 0 < np.abs(pa - pb).mean() < 0.2
    rec = RecordingProgress(cancel_after=1)
    out = tmp_path / "canceled.tif"
    with pytest.raises(CanceledError):
        classify_raster(image, trained_model, out, tile_size=TILE, progress=rec)
    assert not out.exists() and sorted(p.name for p in tmp_path.iterdir()) == ["plain.tif", "tta.tif"]


@pytest.mark.realdata
def test_tta_makes_the_activation_invariant_to_flipping_and_turning_the_raster(massachusetts, tmp_path):
    """With TTA (the 8 flips and quarter turns) the activation of a transposed or quarter-turned copy
    of the raster, turned back, is the activation of the raster (several tiles: the tiles' exact zones
    do not depend on the tiling); without TTA it is not, for an untrained model (not symmetric)."""
    import rasterio

    from deepfeature.core.inference import classify_raster
    from deepfeature.core.progress import RecordingProgress

    image, _ = massachusetts
    crop = tmp_path / "crop.tif"
    data = write_crop(image, crop, 500, 300, 136, 136)  # square, whole strides (4): one tiling for all
    with rasterio.open(crop) as src:
        profile = src.profile
    copies = {"transposed": (lambda a: np.swapaxes(a, -1, -2), lambda a: np.swapaxes(a, -1, -2)),
              "turned": (lambda a: np.rot90(a, 1, (-2, -1)), lambda a: np.rot90(a, -1, (-2, -1))),
              "turned twice": (lambda a: np.rot90(a, 2, (-2, -1)), lambda a: np.rot90(a, -2, (-2, -1)))}
    for name, (turn, _) in copies.items():
        with rasterio.open(tmp_path / "{}.tif".format(name), "w", **profile) as dst:
            dst.write(np.ascontiguousarray(turn(data)))
    norm = {"mean": [90.0, 95.0, 85.0], "std": [40.0, 45.0, 42.0]}
    model = save_tiny_model(tmp_path / "m.keras", 3, norm, seed=5)
    for tta in (True, False):
        acts = {}
        for name in ["crop"] + list(copies):
            out = tmp_path / "act_{}_{}.tif".format(name, tta)
            rec = RecordingProgress()
            res = classify_raster(tmp_path / "{}.tif".format(name), model, out, tile_size=TILE, tta=tta,
                                  overviews=False, progress=rec)
            assert res["tiles"] == 4
            assert ("8-way TTA" in " ".join(rec.messages)) == tta
            with rasterio.open(out) as act:
                acts[name] = act.read(1)
        for name, (_, back) in copies.items():
            diff = np.abs(back(acts[name]) - acts["crop"]).max()
            if tta:
                assert diff < 1e-5, (name, diff)
            else:
                assert diff > 1e-3, (name, diff)


def test_tta_averages_the_model_over_the_8_turns_and_flips_of_a_tile(tmp_path):
    """The TTA inference model of one tile is the mean of 8 predictions of the model: on the tile and on
    its 3 quarter turns, on its transpose and on the transpose's 3 quarter turns, each turned back."""
    from deepfeature.core.inference.runtime import InputKind, build_inference_model
    from deepfeature.core.inference.tiling import TileGrid
    from deepfeature.core.nn import load_model
    from deepfeature.core.normalization import Normalization

    norm = Normalization((100.0, 90.0, 80.0), (30.0, 40.0, 50.0))
    model, _ = load_model(save_tiny_model(tmp_path / "m.keras", 3, norm.to_metadata(), seed=7))
    tile = 64
    grid = TileGrid(tile, 0, tile, 4, (0,), (0,))  # one tile, all of it exact, weights 1
    raw = np.random.default_rng(0).integers(0, 256, (2, tile, tile, 3)).astype("uint8")
    mean, std = norm.arrays()
    got = {}
    for tta in (False, True):
        inference = build_inference_model(model, mean, std, InputKind("uint8", False, False, tta), grid)
        got[tta] = np.moveaxis(np.asarray(inference.predict_on_batch(raw)), 1, -1)  # channels last again
    x = norm.apply(raw)
    manual = []
    for transposed in (False, True):
        xt = np.swapaxes(x, 1, 2) if transposed else x
        for k in range(4):
            y = np.asarray(model.predict(np.rot90(xt, k, (1, 2)), verbose=0))
            y = np.rot90(y, -k, (1, 2))
            manual.append(np.swapaxes(y, 1, 2) if transposed else y)
    np.testing.assert_allclose(got[False], manual[0], atol=1e-5)
    np.testing.assert_allclose(got[True], np.mean(manual, axis=0), atol=1e-5)
    assert np.abs(got[True] - got[False]).max() > 1e-3


@pytest.mark.realdata
@pytest.mark.slow  # trains the session's model (trained_model)
def test_thread_switch_interval_is_short_while_classifying_and_restored(massachusetts, trained_model,
                                                                      tmp_path):
    """The pipeline's threads take the GIL back quickly after NumPy/GDAL calls (a short switch interval)
    while classifying; the process's own interval is restored afterwards, after a cancel too."""
    import sys

    from deepfeature.core.errors import CanceledError
    from deepfeature.core.inference import SWITCH_INTERVAL, classify_raster
    from deepfeature.core.progress import RecordingProgress

    class Watching(RecordingProgress):
        def is_canceled(self) -> bool:
            seen.append(sys.getswitchinterval())
            return super().is_canceled()

    image, _ = massachusetts
    before = sys.getswitchinterval()
    assert before > SWITCH_INTERVAL
    for cancel_after in (None, 1):
        seen: list[float] = []
        try:
            classify_raster(image, trained_model, tmp_path / "out.tif", tile_size=TILE,
                            progress=Watching(cancel_after=cancel_after), overviews=False)
        except CanceledError:
            assert cancel_after is not None
        assert SWITCH_INTERVAL in seen
        assert sys.getswitchinterval() == before


def test_switch_interval_blocks_may_overlap_and_the_environment_overrides(monkeypatch):
    import sys

    from deepfeature.core.inference import switch_interval

    before = sys.getswitchinterval()
    first, second = switch_interval(0.0005), switch_interval(0.0005)
    first.__enter__()
    second.__enter__()
    first.__exit__(None, None, None)  # the other classification still runs: the short interval stays
    assert sys.getswitchinterval() == pytest.approx(0.0005)
    second.__exit__(None, None, None)
    assert sys.getswitchinterval() == before
    monkeypatch.setenv("DEEPFEATURE_SWITCH_INTERVAL", "0.002")
    with switch_interval(0.0005):
        assert sys.getswitchinterval() == pytest.approx(0.002)
    for bad in ("0", "-1", "fast"):  # ignored: the classifier's own value
        monkeypatch.setenv("DEEPFEATURE_SWITCH_INTERVAL", bad)
        with switch_interval(0.0005):
            assert sys.getswitchinterval() == pytest.approx(0.0005)
    assert sys.getswitchinterval() == before


@pytest.mark.realdata
def test_nodata_stays_nodata_on_spacenet(spacenet, tmp_path):
    import rasterio

    from deepfeature.core.inference import classify_raster

    image, _ = spacenet
    norm = {"mean": [800, 800, 800, 200], "std": [400, 400, 400, 100]}
    model = save_tiny_model(tmp_path / "sn.keras", 4, norm)
    out = tmp_path / "act.tif"
    res = classify_raster(image, model, out, tile_size=TILE)
    with rasterio.open(image) as src:
        valid = (src.read(1) != 0) & (src.read(2) != 0) & (src.read(3) != 0) & (src.read(4) != 0)
    with rasterio.open(out) as act:
        a = act.read(1)
        assert act.nodata == -1.0
    assert (~valid).sum() > 1000, "the SpaceNet clip has NoData"
    assert np.all(a[~valid] == -1.0)
    assert np.all((a[valid] >= 0) & (a[valid] <= 1))
    assert res["valid_pixels"] == int(valid.sum())


@pytest.mark.realdata
@pytest.mark.slow  # trains the session's model (trained_model)
def test_uint16_copy_gives_the_same_activation(massachusetts, trained_model, tmp_path):
    import rasterio
    from rasterio.windows import Window

    from deepfeature.core.inference import classify_raster

    image, _ = massachusetts
    crops = {}
    for dtype in ("uint8", "uint16"):
        path = tmp_path / "crop_{}.tif".format(dtype)
        with rasterio.open(image) as src:
            win = Window(300, 300, 240, 180)
            profile = dict(src.profile, width=240, height=180, dtype=dtype,
                           transform=src.window_transform(win))
            data = src.read(window=win).astype(dtype)
        with rasterio.open(path, "w", **profile) as dst:
            dst.write(data)
        out = tmp_path / "act_{}.tif".format(dtype)
        classify_raster(path, trained_model, out, tile_size=TILE)
        with rasterio.open(out) as act:
            crops[dtype] = act.read(1)
    assert np.abs(crops["uint8"] - crops["uint16"]).max() < 1e-6


@pytest.mark.realdata
@pytest.mark.slow  # trains the session's model (trained_model)
def test_raster_smaller_than_a_tile_works(massachusetts, trained_model, tmp_path):
    import rasterio
    from rasterio.windows import Window

    from deepfeature.core.inference import classify_raster

    image, _ = massachusetts
    small = tmp_path / "small.tif"
    with rasterio.open(image) as src:
        win = Window(10, 10, 23, 17)
        profile = dict(src.profile, width=23, height=17, transform=src.window_transform(win))
        data = src.read(window=win)
    with rasterio.open(small, "w", **profile) as dst:
        dst.write(data)
    out = tmp_path / "act.tif"
    classify_raster(small, trained_model, out, tile_size=512)
    with rasterio.open(out) as act:
        a = act.read(1)
    assert a.shape == (17, 23) and a.min() >= 0 and a.max() <= 1


def _lambda_model(path):
    import keras

    inp = keras.Input((None, None, 3))
    out = keras.layers.Lambda(lambda t: t * 0 + 1.0)(keras.layers.Conv2D(1, 1)(inp))
    keras.Model(inp, out).save(str(path))
    with zipfile.ZipFile(path, "a") as zf:  # pretend to be a deepfeature model
        zf.writestr("deepfeature.json", json.dumps({
            "spec": {"architecture": "unet5", "bands": 3, "classes": ["b"], "patch_size": 64,
                     "base_filters": 4, "depth": 3},
            "field_of_view": 47, "normalization": {"mean": [0, 0, 0], "std": [1, 1, 1]}}))
    return path


def _foreign_model(path):
    import keras

    inp = keras.Input((None, None, 3))
    keras.Model(inp, keras.layers.Conv2D(1, 1)(inp)).save(str(path))
    return path


@pytest.mark.realdata
@pytest.mark.slow  # trains the session's model (trained_model)
@pytest.mark.parametrize("case", ["bands", "corrupt", "foreign", "lambda", "untrained", "all_nodata",
                                  "unwritable", "extent_outside"])
def test_bad_inputs_give_clear_errors_and_no_output(case, run_alg, massachusetts, spacenet, trained_model,
                                                     tmp_path):
    import rasterio
    from qgis.core import QgsProcessingException

    image, _ = massachusetts
    model = trained_model
    params = {"TILE_SIZE": TILE}
    out_dir = tmp_path / "out"
    out_dir.mkdir()
    expect = ""
    if case == "bands":
        image = spacenet[0]
        expect = "expects 3 bands"
    elif case == "corrupt":
        model = tmp_path / "corrupt.keras"
        model.write_bytes(b"PK\x03\x04 this is not a model" * 10)
        expect = "damaged"
    elif case == "foreign":
        model = _foreign_model(tmp_path / "foreign.keras")
        expect = "not a deepfeature model"
    elif case == "lambda":
        model = _lambda_model(tmp_path / "lambda.keras")
        expect = "Lambda"
    elif case == "untrained":
        model = save_tiny_model(tmp_path / "untrained.keras", 3, None)
        expect = "never trained"
    elif case == "all_nodata":
        image = tmp_path / "empty.tif"
        with rasterio.open(massachusetts[0]) as src:
            profile = dict(src.profile, width=90, height=70, nodata=0)
        with rasterio.open(image, "w", **profile) as dst:
            dst.write(np.zeros((3, 70, 90), dtype="uint8"))
        expect = "no valid pixels"
    elif case == "unwritable":
        if os.geteuid() == 0:  # root writes anywhere: use a folder that cannot exist (under a file)
            blocker = tmp_path / "file.txt"
            blocker.write_text("x")
            params["OUTPUT"] = str(blocker / "act.tif")
            expect = "does not exist"
        else:
            out_dir.chmod(0o555)
            expect = "not writable"
    elif case == "extent_outside":
        params["EXTENT"] = "0,10,0,10 [EPSG:26986]"
        expect = "does not overlap"
    before = {str(p): digest(p) for p in (image, model)}
    params.update({"INPUT": str(image), "MODEL": str(model)})
    params.setdefault("OUTPUT", str(out_dir / "act.tif"))
    try:
        with pytest.raises(QgsProcessingException, match=expect):
            run_alg("classify", params)
        assert list(out_dir.iterdir()) == []
    finally:
        out_dir.chmod(0o755)
    assert {str(p): digest(p) for p in (image, model)} == before
    assert os.path.exists(model)


@pytest.mark.realdata
@pytest.mark.slow  # trains the session's model (trained_model)
def test_layouts_threads_and_nan_give_the_same_activation(massachusetts, trained_model, tmp_path,
                                                          monkeypatch):
    """Striped vs tiled input, float32 vs uint8, 1 vs 3 reader threads, two strip buffers vs one (no
    read-ahead, as wide rasters on the CPU): the same activation; NaN pixels of a float raster are
    NoData in the output and count as invalid."""
    import rasterio
    from rasterio.windows import Window

    from deepfeature.core.inference import classify_raster, reading

    image, _ = massachusetts
    with rasterio.open(image) as src:
        win = Window(200, 150, 333, 271)
        base = dict(src.profile, width=333, height=271, transform=src.window_transform(win))
        data = src.read(window=win)
    striped = tmp_path / "striped.tif"
    with rasterio.open(striped, "w", **dict(base, tiled=False, blockysize=3, compress="deflate")) as dst:
        dst.write(data)
    floating = tmp_path / "float.tif"
    nan = np.zeros(data.shape[1:], dtype=bool)
    nan[40:60, 100:180] = True
    fdata = data.astype("float32")
    fdata[1][nan] = np.nan
    with rasterio.open(floating, "w", **dict(base, dtype="float32", tiled=True, blockxsize=64, blockysize=64,
                                             nodata=None)) as dst:
        dst.write(fdata)
    results = {}
    for name, path, threads in (("striped1", striped, "1"), ("striped3", striped, "3"),
                                ("float3", floating, "3"), ("onestrip", floating, "2")):
        monkeypatch.setenv("DEEPFEATURE_THREADS", threads)
        monkeypatch.setattr(reading, "CPU_PREFETCH_BYTES", 0 if name == "onestrip" else 128 << 20)
        out = tmp_path / "act_{}.tif".format(name)
        res = classify_raster(path, trained_model, out, tile_size=TILE, batch_size=2)
        assert res["threads"] == int(threads)
        with rasterio.open(out) as act:
            results[name] = (act.read(1), res)
    a1, a3, af = results["striped1"][0], results["striped3"][0], results["float3"][0]
    np.testing.assert_array_equal(a1, a3)
    np.testing.assert_array_equal(results["onestrip"][0], af)
    assert a1.min() >= 0 and a1.max() <= 1
    assert np.all(af[nan] == -1.0)
    assert results["float3"][1]["valid_pixels"] == nan.size - nan.sum()
    # Far from the NaN block (beyond the field of view) the float copy gives the uint8 values.
    far = np.ones_like(nan)
    far[:120, 40:240] = False  # the NaN block (rows 40..60, columns 100..180), 60 pixels around
    assert np.abs(af[far] - a1[far]).max() < 1e-6


@pytest.mark.realdata
def test_model_cache_follows_the_model_file(massachusetts, tmp_path):
    """A second classification reuses the loaded model; rewriting the model file loads the new one."""
    import rasterio

    from deepfeature.core.inference import classify_raster
    from deepfeature.core.progress import RecordingProgress

    image, _ = massachusetts
    crop = tmp_path / "crop.tif"
    write_crop(image, crop, 0, 0, 150, 120)
    norm = {"mean": [100.0, 100.0, 100.0], "std": [50.0, 50.0, 50.0]}
    model = save_tiny_model(tmp_path / "cached.keras", 3, norm, seed=1)
    outs, messages = [], []
    for run, seed in enumerate((None, None, 2)):
        if seed is not None:
            save_tiny_model(model, 3, norm, seed=seed)  # rewritten: new inode, mtime
        rec = RecordingProgress()
        out = tmp_path / "act{}.tif".format(run)
        classify_raster(crop, model, out, tile_size=TILE, progress=rec)
        messages.append(" ".join(rec.messages))
        with rasterio.open(out) as act:
            outs.append(act.read(1))
    assert "already loaded" not in messages[0] and "already loaded" in messages[1]
    assert "already loaded" not in messages[2]
    np.testing.assert_array_equal(outs[0], outs[1])
    assert np.abs(outs[2] - outs[0]).max() > 1e-3, "the rewritten model must be used"


def test_automatic_gpu_tile_size_follows_model_batch_and_memory():
    from deepfeature.core.inference.tiling import gpu_tile_size, minimum_tile_size
    from deepfeature.core.nn import ModelSpec

    def spec(filters):
        return ModelSpec(architecture="unet5", bands=4, classes=("building",), patch_size=256,
                         base_filters=filters, depth=5)

    big = 141 << 30  # an H200
    assert gpu_tile_size(spec(64), 2, 107, big) == 2896  # 2 x 2896² x 64 x 2 bytes = 2 GiB
    assert gpu_tile_size(spec(64), 1, 107, big) == 4096  # batch 1: larger tiles, same activations
    assert gpu_tile_size(spec(16), 2, 107, big) == 4096  # a smaller model: the largest tile
    laptop = gpu_tile_size(spec(16), 2, 107, 8 << 30)
    assert laptop % 16 == 0 and 2048 < laptop < 4096  # 8 GB: 1/24 of the memory for activations
    assert gpu_tile_size(spec(64), 8, 107, 1 << 30) == minimum_tile_size(107, 16)  # never below usable


def test_the_feeder_keeps_no_more_than_two_rows_of_tiles(tmp_path, monkeypatch):
    """Memory flat in the height: the feeder lets go of each tile row's cut results (the tiles' validity)
    once they are used, with two strip buffers and with one.

    Every future made while it runs is kept in a weak set, so the count of results still held is the same
    as a scan of all live objects, without scanning the whole heap (slow once TensorFlow is loaded); a
    future in garbage not yet collected still counts, so the check is no looser."""
    import queue
    import threading
    import weakref
    from concurrent.futures import Future

    import rasterio
    from rasterio.transform import from_origin

    from deepfeature.core.inference.reading import Feeder, Source
    from deepfeature.core.inference.threads import Pipeline, Stats
    from deepfeature.core.inference.tiling import plain_grid

    path = tmp_path / "tall.tif"
    h, w = 1500, 300
    with rasterio.open(path, "w", driver="GTiff", width=w, height=h, count=2, dtype="float32",
                       crs="EPSG:3857", transform=from_origin(0, h, 1, 1), tiled=True, blockxsize=256,
                       blockysize=256) as dst:
        dst.write(np.random.default_rng(0).random((2, h, w), dtype=np.float32))
    with rasterio.open(path) as src:
        source = Source.describe(src, [1, 2])
    assert source.mask == "finite"  # float: every tile has a validity result
    window = (0, 0, w, h)
    grid = plain_grid(window, 128, 23, 16)
    per_row = len(grid.xs)
    assert len(grid.ys) > 8
    futures: weakref.WeakSet = weakref.WeakSet()
    future_init = Future.__init__

    def tracked_init(self, *args, **kwargs):
        future_init(self, *args, **kwargs)
        futures.add(self)

    monkeypatch.setattr(Future, "__init__", tracked_init)
    for prefetch in (True, False):
        free_q, in_q, out_q = queue.Queue(), queue.Queue(maxsize=1), queue.Queue(maxsize=1000)
        for _ in range(4):
            free_q.put((np.zeros((2, 128, 128, 2), np.float32), np.zeros((2, 128, 128), np.uint8)))
        pipeline = Pipeline(free_q, in_q, out_q, threading.Event(), Stats(), n_workers=1)
        feeder = Feeder(source, grid, window, 2, pipeline, threads=2, prefetch=prefetch)
        live = [0]
        emit = feeder.emit

        def counting_emit(batch, emit=emit, live=live):
            held = sum(1 for o in list(futures) if o.done() and o.result() is not None)
            live[0] = max(live[0], held)
            emit(batch)

        feeder.emit = counting_emit

        def consume(in_q=in_q, free_q=free_q):
            while (item := in_q.get()) is not None:
                free_q.put(item[1])

        consumer = threading.Thread(target=consume)
        consumer.start()
        feeder.start()
        feeder.join(timeout=120)
        consumer.join(timeout=120)
        assert feeder.batches == -(-grid.count // 2)
        assert live[0] <= 3 * per_row, (prefetch, live[0], per_row)


def test_each_panel_lets_go_of_its_buffers_before_the_next_one(tmp_path, monkeypatch):
    """Memory flat in the width: a panel's run and its pipeline (the batch buffers) are freed when the
    panel ends (the writer's callback into the run is a reference cycle that must not keep them until the
    cycle collector runs), so the next panel does not allocate its own beside them."""
    import gc
    import weakref

    import rasterio
    from rasterio.transform import from_origin

    from deepfeature.core.inference import classify_raster, panel, tiling

    path = tmp_path / "wide.tif"
    with rasterio.open(path, "w", driver="GTiff", width=700, height=60, count=3, dtype="uint8",
                       crs="EPSG:3857", transform=from_origin(0, 60, 1, 1)) as dst:
        dst.write(np.random.default_rng(2).integers(0, 255, (3, 60, 700), dtype=np.uint8))
    model = save_tiny_model(tmp_path / "m.keras", 3, {"mean": [127.0] * 3, "std": [60.0] * 3})
    monkeypatch.setattr(tiling, "PANEL_COLUMNS", 256)
    buffers, alive_at_start = [], []
    run = panel.PanelRun.run

    def recording_run(self):
        alive_at_start.append(sum(ref() is not None for ref in buffers))
        buffers.extend([weakref.ref(self), weakref.ref(self.pipeline)])
        run(self)

    monkeypatch.setattr(panel.PanelRun, "run", recording_run)
    gc.collect()
    gc.disable()  # only reference counting frees memory, as between two collections
    try:
        res = classify_raster(path, model, tmp_path / "act.tif", tile_size=TILE, overviews=False)
        assert res["panels"] == len(buffers) // 2 == 3
        assert alive_at_start == [0, 0, 0]
        assert all(ref() is None for ref in buffers)
    finally:
        gc.enable()


def test_rows_move_within_one_buffer_without_losing_any():
    from deepfeature.core.inference.reading import move_rows

    rng = np.random.default_rng(1)
    for d0, s0, n in ((0, 7, 20), (7, 0, 20), (3, 5, 30), (5, 3, 30), (0, 40, 10), (4, 4, 9)):
        buf = rng.random((50, 3, 2))
        expected = buf.copy()
        expected[d0:d0 + n] = buf[s0:s0 + n].copy()
        move_rows(buf, d0, buf, s0, n)
        np.testing.assert_array_equal(buf, expected)


def test_reflected_rows_are_copied_as_slice_runs():
    """Tiles over the raster's edges are cut with a few plain slice copies (index runs): the same pixels
    as indexing with the reflected indices, for rasters smaller than a tile too."""
    from deepfeature.core.inference.tiling import index_runs, reflect_index, run_slices

    rng = np.random.default_rng(0)
    for size in (1, 2, 3, 17, 300):
        source = rng.random(size + 7)
        for start in (-650, -107, -1, 0, 5, 290):
            for length in (1, 2, 64, 700):
                index = reflect_index(np.arange(start, start + length), size) + 7
                runs = index_runs(index)
                assert len(runs) <= 2 + 2 * length // max(size, 1)
                out = np.full(length, np.nan)
                for run in runs:
                    dst, src = run_slices(run, 7)
                    out[dst] = source[7:][src]
                np.testing.assert_array_equal(out, source[index])


@pytest.mark.parametrize("size,tile", [(16384, 2896), (16384, 4096), (20000, 1024), (1182, 1024),
                                       (3000, 512)])
def test_tiles_are_fitted_to_the_window_and_cover_it(size, tile):
    from deepfeature.core.inference.tiling import make_grid, plain_grid

    window = (5, 3, size, size - 100)
    grid = make_grid(window, tile, 107, 16)
    plain = plain_grid(window, tile, 107, 16)  # the tiling without fitting
    assert grid.tile <= tile and grid.tile % 16 == 0
    assert grid.count * grid.tile ** 2 <= plain.count * plain.tile ** 2
    for origins, start, length in ((grid.xs, 5, size), (grid.ys, 3, size - 100)):
        covered = np.zeros(length, dtype=bool)
        weight = np.zeros(length)
        for o in origins:  # every window pixel lies in the exact zone of a tile, with a positive weight
            a, b = max(o + grid.margin, start), min(o + grid.tile - grid.margin, start + length)
            covered[a - start:b - start] = True
            w = grid.weights()[a - o:b - o]
            weight[a - start:b - start] += w
        assert covered.all() and (weight > 0).all()
    if (size, tile) == (16384, 2896):
        assert grid.count * grid.tile ** 2 < 0.85 * plain.count * plain.tile ** 2


@pytest.mark.realdata
def test_multiclass_activation_and_classes_match_the_model_on_the_whole_image(massachusetts, tmp_path):
    """Several classes: one activation band per feature class and arg-max classes, equal to the model run
    once on the whole (reflection-padded) image, whatever the tile size."""
    import rasterio

    from deepfeature.core.inference import classify_raster
    from deepfeature.core.nn import load_model, receptive_field

    image, _ = massachusetts
    crop = tmp_path / "crop.tif"
    data = write_crop(image, crop, 300, 200, 170, 130)
    norm = {"mean": [90.0, 95.0, 85.0], "std": [40.0, 45.0, 42.0]}
    classes = ("road", "building", "tree")
    path = save_tiny_model(tmp_path / "multi.keras", 3, norm, classes=classes, seed=4)
    acts = []
    for tile in (TILE, 200):
        out, cls_out = tmp_path / "act{}.tif".format(tile), tmp_path / "cls{}.tif".format(tile)
        res = classify_raster(crop, path, out, classification_path=cls_out, tile_size=tile, batch_size=2)
        with rasterio.open(out) as act, rasterio.open(cls_out) as cls:
            assert act.count == 3 and [act.descriptions[i] for i in range(3)] == list(classes)
            acts.append(act.read())
            ids = cls.read(1)
    assert np.abs(acts[0] - acts[1]).max() < 1e-4
    assert res["class_pixels"] == {c: int((ids == c).sum()) for c in range(4)}

    model, meta = load_model(path)
    pad = -(-receptive_field(model).margin // 4) * 4  # whole strides, as the tiles are aligned
    x = np.moveaxis(data, 0, -1).astype("float32")
    h, w = x.shape[:2]
    rows, cols = (pad, pad + (-(h + 2 * pad)) % 4), (pad, pad + (-(w + 2 * pad)) % 4)
    x = np.pad(x, (rows, cols, (0, 0)), mode="reflect")
    probs = np.asarray(model.predict(meta.normalization.apply(x)[None], verbose=0))
    probs = probs[0, pad:pad + h, pad:pad + w]
    np.testing.assert_allclose(np.moveaxis(acts[0], 0, -1), probs[..., 1:], atol=1e-4)
    # The classification is the rule of 'Activation to Classification' at its default threshold 0.5.
    feats = probs[..., 1:]
    expected = np.where(feats.max(-1) >= 0.5, feats.argmax(-1) + 1, 0)
    top = np.sort(feats, axis=-1)
    clear = (top[..., -1] - top[..., -2] > 1e-3) & (np.abs(top[..., -1] - 0.5) > 1e-3)  # no near tie
    assert (ids[clear] == expected[clear]).all() and len(np.unique(ids)) > 1
    from deepfeature.core.postprocessing import activation_to_classification

    activation_to_classification(tmp_path / "act{}.tif".format(TILE), tmp_path / "a2c.tif")
    with rasterio.open(tmp_path / "a2c.tif") as a2c:
        assert np.array_equal(a2c.read(1), ids)


@pytest.mark.skipif(importlib.util.find_spec("jax") is None,
                    reason="the JAX backend is not installed (the CI environment uses TensorFlow)")
def test_jax_backend_keeps_compiled_models_on_disk(tmp_path):
    """On the JAX backend (batches sent to the device while it computes the previous one) the activation
    is TensorFlow's, and the compiled model is kept on disk for the next process (a GPU autotunes every
    convolution when it compiles: minutes for a large U-Net)."""
    import subprocess
    import sys

    import rasterio

    from .conftest import PLUGINS

    code = (
        "import sys; sys.path.insert(0, {plugins!r}); sys.path.insert(0, {bench!r})\n"
        "import bench_classify as bc\n"
        "from deepfeature.core.inference import classify_raster\n"
        "m = bc.make_model({tmp!r} + '/m.keras', depth=3, filters=4)\n"
        "bc.make_raster({tmp!r} + '/in.tif', 700)\n"
        "classify_raster({tmp!r} + '/in.tif', m, {tmp!r} + '/out.tif', tile_size=100, batch_size=3,\n"
        "                device='cpu')\n"
    )
    bench = Path(__file__).resolve().parents[1] / "bench"
    code = code.format(plugins=str(PLUGINS), bench=str(bench), tmp=str(tmp_path))
    env = dict(os.environ, KERAS_BACKEND="jax", XDG_CACHE_HOME=str(tmp_path / "cache"),
               JAX_PERSISTENT_CACHE_MIN_COMPILE_TIME_SECS="0")  # keep even fast compilations here
    env.pop("JAX_COMPILATION_CACHE_DIR", None)
    proc = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True, timeout=600)
    assert proc.returncode == 0, proc.stderr[-2000:]
    cached = os.listdir(tmp_path / "cache" / "deepfeature" / "jax")
    assert any(name.startswith("jit_deepfeature_inference") for name in cached), cached
    from deepfeature.core.inference import classify_raster

    res = classify_raster(tmp_path / "in.tif", tmp_path / "m.keras", tmp_path / "tf.tif", tile_size=256,
                          device="cpu")  # this process: TensorFlow, other tiles
    assert res["tiles"] > 1
    with rasterio.open(tmp_path / "out.tif") as jax_out, rasterio.open(tmp_path / "tf.tif") as tf_out:
        assert np.abs(jax_out.read(1) - tf_out.read(1)).max() < 1e-4
