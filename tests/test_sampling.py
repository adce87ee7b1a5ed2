"""Patch sampling, targets and normalization statistics (core only, no QGIS, no keras)."""

from __future__ import annotations

import numpy as np
import pytest

from deepfeature.core.errors import LabelError, RasterError
from deepfeature.core.training.augmentation import augment
from deepfeature.core.training.sampling import (
    LabelSource,
    PatchSampler,
    Region,
    grid_windows,
    holdout_regions,
)
from deepfeature.core.training.targets import (
    IGNORE,
    TargetCoder,
    expand_solid,
    make_targets,
    schedule_value,
    soft_targets,
    target_codes,
)

from .helpers_rasters import digest
from .helpers_training import (
    prepared,
    synthetic_scene,
    write_label_raster,
)

# -- helpers shared by the training tests --------------------------------------------------------------


# -- tests ---------------------------------------------------------------------------------------------


def test_class_weight_moves_feature_fraction_from_biased_to_true_ratio(tmp_path):
    image, mask = synthetic_scene(seed=1)
    path = write_label_raster(tmp_path / "l.tif", image, mask)
    sources, sampler, _, _ = prepared([path])
    true_ratio = mask.mean()
    assert sampler.feature_fraction(0.0) == pytest.approx(true_ratio, rel=1e-6)
    rng = np.random.default_rng(0)
    epochs, cw_max, cw_min = 5, 2.0, 0.0
    measured = []
    for epoch in range(epochs):
        cw = schedule_value(epoch, epochs, cw_max, cw_min)
        wins = sampler.draw(4000, cw, rng)
        half = sampler.patch // 2
        on_feature = np.mean([mask[r + half, c + half] > 0 for _, r, c in wins])
        # Centres are clipped into the raster; the window centre is on a feature about as often as drawn.
        measured.append(on_feature)
    assert measured[0] > 0.55 and measured[0] > 2.5 * true_ratio
    assert all(a > b for a, b in zip(measured, measured[1:]))
    assert measured[-1] == pytest.approx(true_ratio, abs=0.04)


def test_draws_are_reproducible_and_respect_region(tmp_path):
    image, mask = synthetic_scene(seed=2)
    path = write_label_raster(tmp_path / "l.tif", image, mask)
    src = LabelSource(path, 3, ("building",), region=Region(0, 100, 20, 160))
    scan = src.scan(2, stats=False)
    assert scan.counts.shape == (50, 70, 2)
    assert scan.counts.sum() == 100 * 140
    sampler = PatchSampler([src], [scan.counts], [2], 32)
    a = sampler.draw(500, 1.0, np.random.default_rng(7))
    b = sampler.draw(500, 1.0, np.random.default_rng(7))
    assert a == b
    assert all(0 <= r <= 100 - 32 and 20 <= c <= 160 - 32 for _, r, c in a)


def test_solid_distance_widens_a_line_by_the_radius():
    mask = np.zeros((41, 41), np.uint8)
    mask[20, 5:36] = 1  # a 1-pixel line
    for radius in (1, 2, 3):
        grown = expand_solid(mask, radius)
        column = grown[:, 20]
        assert column.sum() == 2 * radius + 1
        assert grown[20 - radius, 20] == 1 and grown[20 - radius - 1, 20] == 0
    # Ignore pixels stay ignored, multi-class takes the nearest class.
    mask[0:5, :] = IGNORE
    mask[30, 20] = 2
    grown = expand_solid(mask, 2)
    assert (grown[0:5] == IGNORE).all()
    assert grown[31, 20] == 2 and grown[22, 20] == 1
    assert expand_solid(mask, 0) is mask


def test_blur_softens_edges_early_and_not_late():
    mask = np.zeros((32, 32), np.uint8)
    mask[10:20, 10:20] = 1
    epochs = 4
    early = schedule_value(0, epochs, 4.0, 0.0)
    late = schedule_value(epochs - 1, epochs, 4.0, 0.0)
    assert (early, late) == (4.0, 0.0)
    t_early = make_targets(mask, 1, 1, blur=early)[..., 0]
    t_late = make_targets(mask, 1, 1, blur=late)[..., 0]
    assert set(np.unique(t_late)) == {0.0, 1.0}
    soft = (t_early > 0) & (t_early < 1)
    assert soft.sum() > 100
    # The edge decays outward: 1 - d / (blur + 1).
    assert t_early[15, 20] == pytest.approx(0.8) and t_early[15, 23] == pytest.approx(0.2)
    assert t_early[15, 25] == 0.0 and (t_early[mask == 1] == 1).all()
    probs = soft_targets(mask, 1, 4.0)
    assert np.allclose(probs.sum(-1), 1.0)


def test_targets_weights_ignore_and_loss_weight():
    mask = np.zeros((8, 8), np.uint8)
    mask[2:4, 2:4] = 2
    mask[6:, :] = IGNORE
    y = make_targets(mask, 2, 3, loss_weight=2.0)
    assert y.shape == (8, 8, 4)
    assert (y[6:, :, 3] == 0).all()
    assert (y[2:4, 2:4, 3] == 3.0).all() and y[0, 0, 3] == 1.0
    assert (y[2:4, 2:4, 2] == 1).all() and y[0, 0, 0] == 1


def test_normalization_excludes_nodata_and_ignore_and_ignores_dtype_range(tmp_path):
    image, mask = synthetic_scene(seed=3)
    mask = mask.copy()
    mask[:10] = 255  # ignore
    image16 = image.astype(np.uint16)
    image16[:, -5:, :] = 9999  # NoData
    mask[-5:, :] = 0  # (the builder would mark them ignore; NoData must be excluded anyway)
    image8 = image.copy()
    mask8 = mask.copy()
    mask8[-5:, :] = 255
    p16 = write_label_raster(tmp_path / "u16.tif", image16, mask, nodata=9999, dtype="uint16")
    p8 = write_label_raster(tmp_path / "u8.tif", image8, mask8, dtype="uint8")
    s16, _, mean16, std16 = prepared([p16])
    s8, _, mean8, std8 = prepared([p8])
    valid = mask8 != 255
    expected = image[:, valid].astype(np.float64)
    assert np.allclose(mean16, expected.mean(axis=1)) and np.allclose(mean8, mean16)
    assert np.allclose(std16, expected.std(axis=1), rtol=1e-6) and np.allclose(std8, std16)
    a_img, a_mask = s16[0].read(20, 20, 64, 64)
    b_img, b_mask = s8[0].read(20, 20, 64, 64)
    assert np.array_equal(a_mask, b_mask) and np.allclose(a_img, b_img, atol=1e-5)
    img, msk = s16[0].read(150, 0, 16, 16)  # over the NoData rows and past the bottom edge
    # NoData and outside pixels hold the band means: 0 once normalized (up to rounding to uint16).
    assert (msk[5:] == IGNORE).all() and np.abs(img[5:]).max() < 0.05
    assert abs(float(a_img[a_mask != IGNORE].mean())) < 1.0


def test_windowed_reads_match_cached_reads(tmp_path):
    image, mask = synthetic_scene(seed=4)
    path = write_label_raster(tmp_path / "l.tif", image, mask)
    sources, _, _, _ = prepared([path])
    src = sources[0]
    direct = src.read(-8, 100, 48, 80)
    assert src.cache(10**9) > 0 and src.cached
    cached = src.read(-8, 100, 48, 80)
    assert np.array_equal(direct[0], cached[0]) and np.array_equal(direct[1], cached[1])
    assert (cached[1][:8] == IGNORE).all()
    src.close()


def test_bad_label_rasters_are_refused_with_clear_messages(tmp_path):
    image, mask = synthetic_scene(seed=5)
    path = write_label_raster(tmp_path / "l.tif", image, mask)
    with pytest.raises(LabelError, match="has 3 image bands but the model expects 4"):
        LabelSource(path, 4, ("building",))
    with pytest.raises(LabelError, match="do not match the model's classes"):
        LabelSource(write_label_raster(tmp_path / "c.tif", image, mask, classes={7: "tree"}), 3, ("a", "b"))
    empty = write_label_raster(tmp_path / "e.tif", image, np.zeros_like(mask))
    with pytest.raises(LabelError, match="no feature pixels"):
        prepared([empty])
    nan_img = image.astype(np.float32)
    nan_img[0, 5, 5] = np.nan
    nanp = write_label_raster(tmp_path / "n.tif", nan_img, mask, dtype="float32")
    before = digest(nanp)
    with pytest.raises(RasterError, match="NaN"):
        prepared([nanp])
    assert digest(nanp) == before
    # NaN declared as NoData is fine and excluded.
    okp = write_label_raster(tmp_path / "nn.tif", nan_img, mask, dtype="float32", nodata=float("nan"))
    src = prepared([okp])[0][0]
    _, m = src.read(0, 0, 10, 10)
    assert m[5, 5] == IGNORE


def test_class_mapping_by_name(tmp_path):
    image, mask = synthetic_scene(seed=6)
    mask = mask * 3  # class id 3 named "building"
    path = write_label_raster(tmp_path / "l.tif", image, mask, classes={3: "building", 5: "water"})
    src = LabelSource(path, 3, ("water", "building"))
    assert src.class_map == {3: 2, 5: 1}
    _, m = src.read(0, 0, 160, 160)
    assert set(np.unique(m)) <= {0, 2}



def test_class_mapping_by_the_model_class_ids(tmp_path):
    """Other names: mask values are the model's class ids (``ids[i]`` is class index ``i + 1``)."""
    image, mask = synthetic_scene(seed=6)
    path = write_label_raster(tmp_path / "l.tif", image, mask * 5, classes={5: "house"})
    assert LabelSource(path, 3, ("roof", "road"), model_ids=(2, 5)).class_map == {5: 2}
    assert LabelSource(path, 3, ("road",), model_ids=(5,)).class_map == {5: 1}
    with pytest.raises(LabelError, match="2=roof, 7=road"):
        LabelSource(path, 3, ("roof", "road"), model_ids=(2, 7))
    with pytest.raises(LabelError, match="do not match"):  # the classic ids 1..K
        LabelSource(path, 3, ("roof", "road"))


def test_holdout_and_grid_windows(tmp_path):
    train, val = holdout_regions(1182, 601, 64)
    assert val is not None and train.col1 == val.col0 and val.width == round(1182 * 0.2)
    train, val = holdout_regions(100, 300, 64)
    assert (train.row1, val.row0, val.row1) == (236, 236, 300)
    assert holdout_regions(100, 100, 64)[1] is None
    image, mask = synthetic_scene(seed=7, h=100, w=150)
    path = write_label_raster(tmp_path / "l.tif", image, mask)
    src = LabelSource(path, 3, ("building",))
    wins = grid_windows(src, 32)
    covered = np.zeros((100, 150), bool)
    for r, c in wins:
        covered[r : r + 32, c : c + 32] = True
    assert covered.all() and len(wins) == 4 * 5


def test_augment_keeps_image_and_mask_aligned():
    rng = np.random.default_rng(0)
    _, mask = synthetic_scene(seed=8, h=64, w=64)
    image = np.repeat(mask[..., None].astype(np.float32), 3, axis=-1)
    changed = 0
    for _ in range(20):
        img, msk = augment(image, mask, rng, zoom=True)
        valid = msk != IGNORE
        # Radiometric jitter is affine per band: building pixels stay brighter than ground.
        band = img[..., 0][valid]
        agree = (img[..., 0] > (band.min() + band.max()) / 2) == (msk == 1)
        assert agree[valid].mean() > 0.95
        changed += not np.array_equal(msk, mask)
    assert changed >= 15


def test_augmentation_without_zoom_only_moves_whole_pixels(tmp_path):
    """AUGMENT_ZOOM off (the default): flips and quarter turns only, so each augmented patch holds
    exactly its unaugmented codes, rearranged, and at least some patches are rearranged."""
    from deepfeature.core.training.augmentation import sample_batch

    sources, sampler, _, _ = _batch_sources(tmp_path, cache=(0.0, 0.0))
    wins = sampler.draw(32, 1.0, np.random.default_rng(2))
    _, plain = sample_batch(sources, wins, 64, None, False)
    _, codes = sample_batch(sources, wins, 64, np.random.default_rng(3), True, zoom=False)
    moved = 0
    for i in range(len(wins)):
        assert np.array_equal(np.sort(codes[i], axis=None), np.sort(plain[i], axis=None))
        moved += not np.array_equal(codes[i], plain[i])
    assert moved >= len(wins) // 2
    sources[0].close()


def _reference_targets(mask, n_classes, n_outputs, solid, blur, loss_weight):
    """The per-patch formula (expand, soft targets, weights) the coded targets must reproduce."""
    grown = expand_solid(mask, solid)
    probs = soft_targets(grown, n_classes, blur)
    weight = np.where(grown != IGNORE, 1.0 + loss_weight * probs[..., 1:].sum(axis=-1), 0.0)
    target = probs[..., 1:2] if n_outputs == 1 else probs
    return np.concatenate([target, weight[..., None]], axis=-1).astype(np.float32)


def test_target_codes_reproduce_the_per_patch_formula_and_tile_exactly():
    rng = np.random.default_rng(0)
    for trial in range(24):
        k = 1 + trial % 4
        n_out = 1 if k == 1 else k + 1
        mask = ((rng.random((70, 90)) < 0.02) * rng.integers(1, k + 1, (70, 90))).astype(np.uint8)
        mask[rng.random((70, 90)) < 0.05] = IGNORE
        if trial % 7 == 0:
            mask[mask != IGNORE] = 0  # no feature at all
        solid, blur, lw = float(trial % 3), [0.0, 1.5, 3.0][trial % 3], float(rng.uniform(0, 3))
        y = make_targets(mask, k, n_out, solid, blur, lw)
        assert y.dtype == np.float32 and y.shape == (70, 90, n_out + 1)
        assert np.array_equal(y, _reference_targets(mask, k, n_out, solid, blur, lw)), trial
        assert (y[expand_solid(mask, solid) == IGNORE] == 0).all()
        # One code map serves every blur up to its cap; tiles (with halo) give the same codes.
        coder = TargetCoder(k, 3.5)
        codes = target_codes(mask, coder, solid)
        assert np.array_equal(codes, target_codes(mask, coder, solid, tile=16)), trial
        assert np.array_equal(coder.masks(codes), expand_solid(mask, solid))
        for b in (0.0, 2.0, 3.5):
            table = coder.table(n_out, b, lw)
            assert np.array_equal(table[codes], _reference_targets(mask, k, n_out, solid, b, lw)), (trial, b)
    with pytest.raises(ValueError):
        TargetCoder(1, 2.0).table(1, 3.0)


def _batch_sources(tmp_path, cache=None, dtype="uint8", nodata=None):
    image, mask = synthetic_scene(h=200, w=180, seed=21, n_buildings=30)
    mask = mask.copy()
    mask[:12] = IGNORE
    image = image.astype(dtype)
    if nodata is not None:
        image[:, :, 100:104] = nodata  # columns 100-103
    name = tmp_path / "batch_{}.tif".format(dtype)
    path = write_label_raster(name, image, mask, nodata=nodata, dtype=dtype)
    sources, sampler, _, _ = prepared([path], patch=64)
    if cache is not None:
        assert sources[0].cache(10**9, *cache) > 0
    return sources, sampler, image, mask


def test_batches_from_memory_and_from_windows_are_identical(tmp_path):
    from deepfeature.core.training.augmentation import sample_batch

    windowed, sampler, _, _ = _batch_sources(tmp_path)
    cached, _, _, _ = _batch_sources(tmp_path, cache=(1.0, 3.0))
    other, _, _, _ = _batch_sources(tmp_path, cache=(0.0, 0.0))  # in memory, codes for other settings
    assert not windowed[0].cached and cached[0].cached
    # Budget too small: nothing kept, windowed reads.
    assert windowed[0].cache(1000, 1.0, 3.0) == 0 and not windowed[0].cached
    wins = sampler.draw(40, 1.0, np.random.default_rng(0)) + [(0, 0, 0), (0, 136, 116), (0, 136, 0)]
    for aug in (False, True):
        a = sample_batch(windowed, wins, 64, np.random.default_rng(5), aug, 1.0, 3.0, zoom=True)
        b = sample_batch(cached, wins, 64, np.random.default_rng(5), aug, 1.0, 3.0, zoom=True)
        c = sample_batch(other, wins, 64, np.random.default_rng(5), aug, 1.0, 3.0, zoom=True)
        for got in (b, c):
            assert np.array_equal(a[0], got[0]) and np.array_equal(a[1], got[1])
        assert a[0].flags.c_contiguous and a[0].dtype == np.float32 and a[0].shape == (43, 64, 64, 3)
    for s in windowed + cached + other:
        s.close()


def test_unaugmented_batch_is_the_normalized_window_and_its_targets(tmp_path):
    from deepfeature.core.training.augmentation import sample_batch

    for cache in (None, (2.0, 2.0)):
        sources, sampler, _, _ = _batch_sources(tmp_path, cache=cache, dtype="uint16", nodata=9999)
        wins = sampler.draw(12, 1.0, np.random.default_rng(1)) + [(0, 0, 100), (0, 90, 60)]
        coder = TargetCoder(1, 2.0)
        x, codes = sample_batch(sources, wins, 64, None, False, 2.0, 2.0)
        y = coder.table(1, 1.5, 0.5)[codes]
        t = 5
        for i, (_, r, c) in enumerate(wins):
            img, m = sources[0].read(r - t, c - t, 64 + 2 * t, 64 + 2 * t)
            assert np.allclose(x[i], img[t:-t, t:-t], atol=1e-5)
            expected = make_targets(m, 1, 1, 2.0, 1.5, 0.5)[t:-t, t:-t]
            assert np.array_equal(y[i], expected)
        ignore = codes == 0
        assert ignore[-2][:, :4].all() and ignore[-1][:, 40:44].all()  # NoData columns 100-103
        nodata = np.concatenate([x[-2][:, :4], x[-1][:, 40:44]])
        assert np.abs(nodata).max() < 0.05  # NoData pixels hold the band means: about 0 normalized
        assert (y[ignore][:, 1] == 0).all() and (y[~ignore][:, 1] >= 1).all()
        # Rows 0-11 are labelled ignore but are real imagery: the model sees them as they are.
        assert ignore[-2][:12].all() and np.abs(x[-2][:12, 4:]).mean() > 0.3
        sources[0].close()


def test_augmented_batches_keep_image_and_targets_aligned(tmp_path):
    from deepfeature.core.training.augmentation import sample_batch

    sources, sampler, _, _ = _batch_sources(tmp_path, cache=(0.0, 0.0))
    wins = sampler.draw(48, 1.0, np.random.default_rng(2))
    plain, plain_codes = sample_batch(sources, wins, 64, None, False)
    x, codes = sample_batch(sources, wins, 64, np.random.default_rng(3), True, zoom=True)
    again = sample_batch(sources, wins, 64, np.random.default_rng(3), True, zoom=True)
    assert np.array_equal(x, again[0]) and np.array_equal(codes, again[1])
    changed = sum(not np.array_equal(codes[i], plain_codes[i]) for i in range(len(wins)))
    assert changed >= 0.6 * len(wins)  # flips / rotations / zoom
    # Roofs are bright: after augmentation the bright pixels are still the building targets.
    valid = codes != 0
    bright = x[..., 0] > 0.5 * (x[..., 0][valid].min() + x[..., 0][valid].max())
    building = codes == 1
    assert (bright == building)[valid].mean() > 0.93
    # Label statistics are preserved (zoom 0.9-1.1 changes areas a little).
    assert building.sum() == pytest.approx((plain_codes == 1).sum(), rel=0.12)
    assert np.isfinite(x).all()
    sources[0].close()


def _zscored(q):
    """Quantile curves ``(..., levels)`` without their per-band offset and scale (affine-free shape)."""
    return (q - q.mean(axis=-1, keepdims=True)) / q.std(axis=-1, keepdims=True)


def test_histogram_matching_augmentation_changes_patch_histograms_reproducibly(tmp_path):
    """AUGMENT_HISTOGRAM: with probability 1 every augmented patch takes the histogram of one of the
    references (other patches of the training rasters), a change of shape that the affine radiometric
    jitter never makes; the same seed gives the same batch. Off (probability 0) the batches and the
    random stream are bit for bit those of a source without it (the batches of earlier versions)."""
    from deepfeature.core.normalization import band_quantiles
    from deepfeature.core.training.augmentation import HISTOGRAM_REFERENCES, HistogramMatching, sample_batch

    for cache in (None, (0.0, 0.0)):
        sources, sampler, _, _ = _batch_sources(tmp_path, cache=cache)
        src = sources[0]
        wins = sampler.draw(40, 1.0, np.random.default_rng(2))
        refs = sampler.draw(HISTOGRAM_REFERENCES, 0.0, np.random.default_rng(9))
        rng = np.random.default_rng(3)
        plain = sample_batch(sources, wins, 64, rng, True)
        after_plain = rng.random()
        batches, after = {}, {}
        for probability in (0.0, 1.0, 1.0):
            src.set_histogram_matching(HistogramMatching.from_windows(sources, refs, 64, probability))
            rng = np.random.default_rng(3)
            batch = sample_batch(sources, wins, 64, rng, True)
            if probability in batches:  # the second run with probability 1: the same batch
                assert all(np.array_equal(a, b) for a, b in zip(batch, batches[probability]))
            batches[probability], after[probability] = batch, rng.random()
        assert all(np.array_equal(a, b) for a, b in zip(plain, batches[0.0]))
        assert after[0.0] == after_plain and after[1.0] != after_plain
        references = _zscored(src.histogram_matching.references)
        shapes = []
        for i, (_, r, c) in enumerate(wins):
            raw = _zscored(band_quantiles(src.raw(r, c, 64, 64)[0].reshape(-1, 3)))
            plain_q = _zscored(band_quantiles(plain[0][i].reshape(-1, 3)))
            matched = _zscored(band_quantiles(batches[1.0][0][i].reshape(-1, 3)))
            assert np.abs(plain_q - raw).max() < 1e-3  # flips, turns and an affine jitter: the same shape
            # mean differences: uint8 ties make the steep parts of a matched curve steps
            to_reference = np.abs(matched[None] - references).mean(axis=(1, 2)).min()
            shapes.append((np.abs(matched - raw).mean(), to_reference))
        shapes = np.array(shapes)
        assert (shapes[:, 0] > 0.05).mean() > 0.8, shapes[:, 0]  # another histogram shape...
        assert (shapes[:, 1] < 0.1).all(), shapes[:, 1]  # ...that of a reference
        assert batches[1.0][0].dtype == np.float32 and np.isfinite(batches[1.0][0]).all()
        src.close()
