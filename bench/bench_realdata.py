"""Real-data benchmark: quality on data the model was not trained on, for the three shared scenes, several
model configurations and seeds (one table, mean ± standard deviation over the seeds).

Scenes (``../shared/data``): Massachusetts buildings (the upper two thirds of the tile train, the lower third
is the test), SpaceNet 7 (bands 1-3 of the 4-band Int16 Planet mosaic, NoData 0, tiny buildings: the upper
two thirds train, the lower third tests), Baker Lake (multi-class: scene 1 trains, scene 2 tests). The best
epoch is chosen on the hold-out of the *training* raster (its validation fraction), never on the test part.

Stages (the engine only, so any Keras backend):

    .venv/bin/python bench/bench_realdata.py prepare WORK        # label rasters (osgeo reads the vectors)
    .venv/bin/python bench/bench_realdata.py train WORK --config lite0 --seed 1 [--scene massachusetts]
    .venv/bin/python bench/bench_realdata.py score WORK                # classify every trained model, table

``train`` writes ``WORK/runs/<scene>_<config>_s<seed>.keras``; ``score`` classifies each test part with every
inference variant (plain, 8-way TTA, histogram matching onto the training rasters, post-processing
variants), evaluates with the engine's Evaluate (pixel IoU, object F1 at IoU >= 0.5, relaxed 3-px F1) and
prints the table in Markdown. ``--set key=value`` overrides training settings of a configuration.
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
DATA = ROOT.parent / "shared" / "data"
PLUGINS = ROOT / ".venv" / "plugins"
if not (PLUGINS / "deepfeature").exists():  # a checkout without scripts/setup.sh (e.g. a GPU box)
    import tempfile

    PLUGINS = Path(tempfile.mkdtemp())
    (PLUGINS / "deepfeature").symlink_to(ROOT)
sys.path.insert(0, str(PLUGINS))

#: scene -> (training label raster, test label raster) names in WORK.
SCENES = {
    "massachusetts": ("mass_train.tif", "mass_test.tif"),
    "spacenet7": ("sn7_train.tif", "sn7_test.tif"),
    "bakerlake": ("baker_1.tif", "baker_2.tif"),
}
#: configuration -> (ModelSpec arguments, TrainConfig overrides).
CONFIGS = {
    "unet5": ({}, {}),
    "lite0": ({"encoder": "efficientnet_lite0"}, {}),
    "lite0_hist": ({"encoder": "efficientnet_lite0"}, {"augment_histogram": 0.5}),
    "lite0_freeze": ({"encoder": "efficientnet_lite0"}, {"freeze_encoder_epochs": 3}),
}
#: Inference variants: classify options.
VARIANTS = {"plain": {}, "tta": {"tta": True}, "match": {"match_histogram": True}}


def _read_layer(vector: Path, crs_wkt: str, field: str | None):
    """WKB geometries (in the raster CRS) and class values of a vector file, read with osgeo.ogr."""
    from osgeo import ogr, osr

    ds = ogr.Open(str(vector))
    layer = ds.GetLayer(0)
    target = osr.SpatialReference()
    target.ImportFromWkt(crs_wkt)
    source = layer.GetSpatialRef()
    for ref in (source, target):
        ref.SetAxisMappingStrategy(osr.OAMS_TRADITIONAL_GIS_ORDER)
    transform = None if source.IsSame(target) else osr.CoordinateTransformation(source, target)
    wkbs, values = [], []
    for feature in layer:
        geom = feature.GetGeometryRef()
        if geom is None:
            continue
        geom = geom.Clone()
        if transform is not None:
            geom.Transform(transform)
        wkbs.append(bytes(geom.ExportToIsoWkb()))
        values.append(feature.GetField(field) if field else None)
    return wkbs, (values if field else None)


def _label_raster(image: Path, vector: Path, out: Path, field: str | None) -> Path:
    import rasterio

    from deepfeature.core.labels import LabelLayer, build_label_raster_from_shapes

    with rasterio.open(image) as src:
        wkt = src.crs.to_wkt()
    wkbs, values = _read_layer(vector, wkt, field)
    layer = LabelLayer(name=vector.stem, geometry_kind="polygon", wkb=wkbs, values=values)
    build_label_raster_from_shapes(image, out, [layer])
    return out


def _split_rows(path: Path, cut_fraction: float, names: tuple[Path, Path]) -> None:
    """Copy a label raster into two label rasters: rows above / below ``cut_fraction``."""
    import rasterio
    from rasterio.windows import Window

    with rasterio.open(path) as src:
        cut = int(src.height * cut_fraction)
        for out, (r0, r1) in zip(names, ((0, cut), (cut, src.height))):
            win = Window(0, r0, src.width, r1 - r0)
            profile = src.profile.copy()
            profile.update(height=r1 - r0, transform=src.window_transform(win))
            with rasterio.open(out, "w", **profile) as dst:
                dst.colorinterp = src.colorinterp  # else GDAL makes a 4th byte band "alpha"
                dst.write(src.read(window=win))
                dst.update_tags(**src.tags())
                for i in range(1, src.count + 1):
                    dst.set_band_description(i, src.descriptions[i - 1] or "")


def _rgb_copy(image: Path, out: Path) -> Path:
    """Bands 1-3 of ``image`` (SpaceNet 7: red, green, blue; band 4 is alpha), NoData kept."""
    import rasterio
    from rasterio.enums import ColorInterp

    with rasterio.open(image) as src:
        profile = src.profile.copy()
        profile.update(count=3, photometric="MINISBLACK")
        with rasterio.open(out, "w", **profile) as dst:
            dst.write(src.read([1, 2, 3]))
            dst.colorinterp = [ColorInterp.red, ColorInterp.green, ColorInterp.blue]
    return out


def prepare(work: Path) -> None:
    """Build the label rasters of the three scenes into ``work``."""
    work.mkdir(parents=True, exist_ok=True)
    mass = DATA / "massachusetts_buildings_train"
    full = _label_raster(mass / "22978945_15.tif", mass / "22978945_15_buildings.gpkg",
                         work / "mass_full.tif", None)
    _split_rows(full, 2 / 3, (work / "mass_train.tif", work / "mass_test.tif"))
    full.unlink()
    sn7 = DATA / "spacenet7_buildings"
    stem = "SN7_global_monthly_2020_01_mosaic_L15-0331E-1257N_1327_3160_13"
    rgb = _rgb_copy(sn7 / (stem + "_clipped.tif"), work / "sn7_rgb.tif")
    full = _label_raster(rgb, sn7 / (stem + "_Buildings.geojson"), work / "sn7_full.tif", None)
    _split_rows(full, 2 / 3, (work / "sn7_train.tif", work / "sn7_test.tif"))
    full.unlink()
    rgb.unlink()
    baker = DATA / "bakerlake_multiclass"
    for i in (1, 2):
        _label_raster(baker / "23322E759967N_clipped_1m_{}of2.tif".format(i),
                      baker / "BakerLake_2017_clipped.gpkg", work / "baker_{}.tif".format(i), "Quatreclasses")
    print("prepared", sorted(p.name for p in work.glob("*.tif")))


def _log(name: str):
    def log(event):
        if event.kind != "progress":
            print("  [{}] {}".format(name, event.text), flush=True)
    return log


def train(work: Path, scene: str, config: str, seed: int, overrides: dict) -> Path:
    """Initialize and train one model; its summary JSON beside it."""
    from deepfeature.core.nn import ModelSpec, initialize_model
    from deepfeature.core.progress import CallbackProgress
    from deepfeature.core.training import TrainConfig, train_model

    model_args, settings = CONFIGS[config]
    name = "{}_{}_s{}".format(scene, config, seed)
    runs = work / "runs"
    runs.mkdir(exist_ok=True)
    progress = CallbackProgress(_log(name))
    train_raster = work / SCENES[scene][0]
    model0 = runs / (name + "_init.keras")
    initialize_model(ModelSpec(classes=(), **model_args), model0, template=train_raster, seed=seed,
                     progress=progress)
    trained = runs / (name + ".keras")
    t0 = time.time()
    result = train_model(str(model0), [str(train_raster)], [], str(trained),
                         TrainConfig(seed=seed, **dict(settings, **overrides)), progress=progress)
    (runs / (name + ".train.summary.json")).write_text(json.dumps({
        "scene": scene, "config": config, "seed": seed, "train_s": time.time() - t0,
        "best_epoch": result.best_epoch, "epochs_run": result.epochs_run, "overrides": overrides}, indent=1))
    model0.unlink()
    return trained


def _feature_scores(result: dict) -> dict:
    """Pixel IoU, object F1 and relaxed F1 of the feature classes (mean over the classes) from Evaluate's
    result."""
    classes = [c for c in result.get("classes", []) if c.get("id", 1) != 0]
    ious = [c["iou"] for c in classes if c.get("iou") is not None]
    out = {"iou": statistics.fmean(ious) if ious else None}
    for section, key in (("objects", "f1"), ("relaxed", "f1")):
        data = result.get(section) or {}
        out["{}_{}".format(section, key)] = (data.get("overall") or data).get(key)
    for section, key in (("objects", "precision"), ("objects", "recall")):
        data = result.get(section) or {}
        out["{}_{}".format(section, key)] = (data.get("overall") or data).get(key)
    return out


def _filtered(activation: Path, out: Path, threshold: float, min_pixels: int) -> Path:
    """A one-class classification raster of ``activation`` at ``threshold`` without objects smaller than
    ``min_pixels`` (4-connected), for the false-positive measures."""
    import numpy as np
    import rasterio
    from skimage.morphology import remove_small_objects

    with rasterio.open(activation) as src:
        prob = src.read(1)
        profile = src.profile.copy()
    valid = np.isfinite(prob) & (prob >= 0)
    mask = (prob >= threshold) & valid
    if min_pixels > 1:
        mask = remove_small_objects(mask, min_pixels, connectivity=1)
    data = np.where(valid, mask.astype(np.uint8), 255).astype(np.uint8)
    profile.update(dtype="uint8", count=1, nodata=255)
    with rasterio.open(out, "w", **profile) as dst:
        dst.write(data, 1)
    return out


def _training_object_sizes(label_raster: Path) -> list[int]:
    """Pixel counts of the 4-connected feature objects of a one-class label raster."""
    import numpy as np
    import rasterio
    from scipy import ndimage

    with rasterio.open(label_raster) as src:
        mask = src.read(src.count)
    labels, n = ndimage.label(mask == 1)
    return np.bincount(labels.ravel())[1:].tolist() if n else []


def score(work: Path, only_variants: list[str] | None) -> None:
    """Classify the test part with every trained model and inference variant; evaluate; the table."""
    import numpy as np

    from deepfeature.core.inference import classify_raster
    from deepfeature.core.postprocessing import evaluate

    runs = sorted((work / "runs").glob("*_s*.keras"))
    rows = []
    for model in runs:
        if not model.with_suffix(".train.summary.json").exists():
            continue  # being trained, or an initial model
        summary = json.loads(model.with_suffix(".train.summary.json").read_text())
        scene = summary["scene"]
        train_raster, test = (work / n for n in SCENES[scene])
        one_class = scene != "bakerlake"
        for variant, options in VARIANTS.items():
            if only_variants and variant not in only_variants:
                continue
            out = work / "scores" / "{}_{}".format(model.stem, variant)
            out.parent.mkdir(exist_ok=True)
            result_path = out.with_suffix(".json")
            if result_path.exists():
                rows.extend(json.loads(result_path.read_text()))
                continue
            activation = out.with_suffix(".tif")
            t0 = time.time()
            try:
                classify_raster(test, model, activation, **options)
            except Exception as exc:  # a variant the model cannot do (no stored statistics...)
                print("  [{}] {} skipped: {}".format(model.stem, variant, exc), flush=True)
                continue
            seconds = time.time() - t0
            found = []
            scores = _feature_scores(evaluate(activation, reference_path=test))
            found.append(dict(summary, variant=variant, post="0.5", classify_s=seconds, **scores))
            if one_class:
                sizes = _training_object_sizes(train_raster)
                smallest = int(np.percentile(sizes, 5)) if sizes else 0
                for label, threshold, min_pixels in (
                        ("min p5/2", 0.5, smallest // 2), ("min p5", 0.5, smallest), ("t0.4", 0.4, 0),
                        ("t0.6", 0.6, 0), ("t0.6 min p5/2", 0.6, smallest // 2)):
                    filtered = _filtered(activation, out.with_name(out.name + "_post.tif"), threshold,
                                         min_pixels)
                    scores = _feature_scores(evaluate(filtered, reference_path=test))
                    found.append(dict(summary, variant=variant, post=label, classify_s=seconds, **scores))
                    filtered.unlink()
            result_path.write_text(json.dumps(found, indent=1))
            rows.extend(found)
            print("  [{}] {}: IoU {}".format(model.stem, variant, found[0]["iou"]), flush=True)
    _table(rows)


def _table(rows: list[dict]) -> None:
    import keras

    groups: dict[tuple, list[dict]] = {}
    for row in rows:
        groups.setdefault((row["scene"], row["config"], row["variant"], row["post"]), []).append(row)

    def stat(values):
        values = [v for v in values if v is not None]
        if not values:
            return "n/a"
        sd = statistics.stdev(values) if len(values) > 1 else 0.0
        return "{:.3f} ± {:.3f}".format(statistics.fmean(values), sd)

    print("\nbackend: {}; mean ± standard deviation over the seeds (n)".format(keras.backend.backend()))
    print("| scene | model | inference | post-processing | n | pixel IoU | object F1 | object P / R "
          "| relaxed F1 | train s | classify s |")
    print("|---|---|---|---|---|---|---|---|---|---|---|")
    for (scene, config, variant, post), items in sorted(groups.items()):
        pr = "{} / {}".format(stat([r["objects_precision"] for r in items]).split(" ±")[0],
                              stat([r["objects_recall"] for r in items]).split(" ±")[0])
        print("| {} | {} | {} | {} | {} | {} | {} | {} | {} | {:.0f} | {:.1f} |".format(
            scene, config, variant, post, len(items), stat([r["iou"] for r in items]),
            stat([r["objects_f1"] for r in items]), pr, stat([r["relaxed_f1"] for r in items]),
            statistics.fmean(r["train_s"] for r in items), statistics.fmean(r["classify_s"] for r in items)))


def _value(text: str):
    for cast in (int, float):
        try:
            return cast(text)
        except ValueError:
            pass
    return {"true": True, "false": False}.get(text.lower(), text)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("stage", choices=("prepare", "train", "score"))
    parser.add_argument("work", type=Path)
    parser.add_argument("--scene", action="append", choices=tuple(SCENES), help="default: every scene")
    parser.add_argument("--config", action="append", choices=tuple(CONFIGS), help="default: unet5 and lite0")
    parser.add_argument("--seed", action="append", type=int, help="default: 1, 2, 3")
    parser.add_argument("--set", action="append", default=[], help="TrainConfig override key=value")
    parser.add_argument("--variant", action="append", choices=tuple(VARIANTS),
                        help="score: default every one")
    args = parser.parse_args()
    if args.stage == "prepare":
        prepare(args.work)
    elif args.stage == "train":
        overrides = {k: _value(v) for k, v in (s.split("=", 1) for s in args.set)}
        for seed in args.seed or (1, 2, 3):
            for scene in args.scene or tuple(SCENES):
                for config in args.config or ("unet5", "lite0"):
                    if (args.work / "runs" / "{}_{}_s{}.keras".format(scene, config, seed)).exists():
                        continue
                    train(args.work, scene, config, seed, overrides)
    else:
        score(args.work, args.variant)


if __name__ == "__main__":
    main()
