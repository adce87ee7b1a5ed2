"""Real-data benchmark: train with default parameters and report validation IoU (one table).

Massachusetts buildings: upper two thirds of the tile train, lower third validates (classified whole,
with overlapping tiles, then evaluated). Baker Lake: scene 1 trains, scene 2 validates (4 classes +
ignore). Uses the engine (``core``) only, so it runs on any Keras backend:

    .venv/bin/python bench/bench_realdata.py prepare WORKDIR   # label rasters (needs osgeo to read gpkg)
    .venv/bin/python bench/bench_realdata.py run WORKDIR [--epochs N] [--set key=value ...]
"""

from __future__ import annotations

import argparse
import json
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


def _read_layer(gpkg: Path, crs_wkt: str, field: str | None):
    """WKB geometries (in the raster CRS) and class values of a vector file, read with osgeo.ogr."""
    from osgeo import ogr, osr

    ds = ogr.Open(str(gpkg))
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


def _label_raster(image: Path, gpkg: Path, out: Path, field: str | None) -> Path:
    import rasterio

    from deepfeature.core.labels import LabelLayer, build_label_raster_from_shapes

    with rasterio.open(image) as src:
        wkt = src.crs.to_wkt()
    wkbs, values = _read_layer(gpkg, wkt, field)
    layer = LabelLayer(name=gpkg.stem, geometry_kind="polygon", wkb=wkbs, values=values)
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


def prepare(work: Path) -> None:
    """Build the label rasters of both scenes into ``work``."""
    work.mkdir(parents=True, exist_ok=True)
    mass = DATA / "massachusetts_buildings_train"
    full = _label_raster(mass / "22978945_15.tif", mass / "22978945_15_buildings.gpkg",
                         work / "mass_full.tif", None)
    _split_rows(full, 2 / 3, (work / "mass_train.tif", work / "mass_val.tif"))
    full.unlink()
    baker = DATA / "bakerlake_multiclass"
    for i in (1, 2):
        _label_raster(baker / "23322E759967N_clipped_1m_{}of2.tif".format(i),
                      baker / "BakerLake_2017_clipped.gpkg", work / "baker_{}.tif".format(i), "Quatreclasses")
    print("prepared", sorted(p.name for p in work.glob("*.tif")))


def _diagnostics(activation: Path, val: Path) -> dict:
    """For one-class models: building IoU at several thresholds (calibration), relaxed precision and
    recall with a 3-pixel slack (Mnih 2013's measure for this dataset, whose outlines are often a few
    pixels off the roofs) and object-level detection (connected components that overlap)."""
    import numpy as np
    import rasterio
    from scipy import ndimage

    with rasterio.open(activation) as a, rasterio.open(val) as v:
        if a.count != 1:
            return {}
        prob, truth = a.read(1), v.read(v.count)
    valid = (truth != 255) & (prob >= 0)
    ref = (truth == 1) & valid
    out: dict = {"iou_by_threshold": {}}
    for t in (0.3, 0.4, 0.5, 0.6, 0.7):
        pred = (prob >= t) & valid
        out["iou_by_threshold"][t] = float((pred & ref).sum() / max((pred | ref).sum(), 1))
    pred = (prob >= 0.5) & valid
    disk = ndimage.generate_binary_structure(2, 1)
    near_ref = ndimage.binary_dilation(ref, disk, iterations=3)
    near_pred = ndimage.binary_dilation(pred, disk, iterations=3)
    out["relaxed_precision"] = float((pred & near_ref).sum() / max(pred.sum(), 1))
    out["relaxed_recall"] = float((ref & near_pred).sum() / max(ref.sum(), 1))
    ref_lab, n_ref = ndimage.label(ref)
    pred_lab, n_pred = ndimage.label(pred)
    both = pred & ref
    found = set(np.unique(ref_lab[both]).tolist()) - {0}
    correct = set(np.unique(pred_lab[both]).tolist()) - {0}
    out["objects"] = {
        "reference": int(n_ref), "found": len(found), "predicted": int(n_pred), "correct": len(correct),
    }
    # Where the wrong pixels are: near a reference outline (at most 1 or 3 pixels from it, on either
    # side), in predicted objects that touch no building, in buildings that were missed entirely.
    wrong = (pred ^ ref) & valid
    outside = ndimage.distance_transform_edt(~ref)
    inside = ndimage.distance_transform_edt(ref)
    distance = np.where(ref, inside, outside)
    out["errors"] = {
        "pixels": int(wrong.sum()),
        "within_1px_of_outline": int((wrong & (distance <= 1)).sum()),
        "within_3px_of_outline": int((wrong & (distance <= 3)).sum()),
        "in_false_objects": int((wrong & (pred_lab > 0) & ~np.isin(pred_lab, list(correct))).sum()),
        "in_missed_buildings": int((wrong & (ref_lab > 0) & ~np.isin(ref_lab, list(found))).sum()),
    }
    return out


def _experiment(work: Path, name: str, train: list[Path], val: Path, overrides: dict, model_args: dict,
                tta: bool = False):
    from deepfeature.core.inference import classify_raster
    from deepfeature.core.nn import ModelSpec, initialize_model
    from deepfeature.core.postprocessing import evaluate
    from deepfeature.core.progress import CallbackProgress
    from deepfeature.core.training import TrainConfig, train_model

    def log(event):
        if event.kind != "progress":
            print("  [{}] {}".format(name, event.text), flush=True)

    progress = CallbackProgress(log)
    spec = ModelSpec(classes=(), **model_args)
    model0 = work / "{}_init.keras".format(name)
    initialize_model(spec, model0, template=train[0], seed=0)
    config = TrainConfig(**overrides)
    trained = work / "{}_trained.keras".format(name)
    t0 = time.time()
    result = train_model(str(model0), [str(p) for p in train], [str(val)], str(trained), config,
                         progress=progress)
    train_s = time.time() - t0
    activation = work / "{}_activation.tif".format(name)
    t1 = time.time()
    classify_raster(val, trained, activation, tta=tta, progress=progress)
    classify_s = time.time() - t1
    scores = evaluate(activation, reference_path=val, output_json=work / "{}_eval.json".format(name))
    diag = _diagnostics(activation, val)
    if diag:
        # The same model on the raster it was trained on: what it fits, against what it generalises.
        in_sample = work / "{}_train_activation.tif".format(name)
        classify_raster(train[0], trained, in_sample, tta=tta)
        train_iou = evaluate(in_sample, reference_path=train[0])["classes"][-1]["iou"]
        diag["train_raster_iou"] = train_iou
        scores["diagnostics"] = diag
        obj = diag["objects"]
        sweep = ", ".join("{} {:.3f}".format(t, v) for t, v in diag["iou_by_threshold"].items())
        print("  [{}] IoU by threshold: {}".format(name, sweep), flush=True)
        print("  [{}] relaxed (3 px) precision {:.3f}, recall {:.3f}; buildings found {} of {}, predicted "
              "objects on a building {} of {}".format(name, diag["relaxed_precision"], diag["relaxed_recall"],
                                                      obj["found"], obj["reference"], obj["correct"],
                                                      obj["predicted"]), flush=True)
        err = diag["errors"]
        print("  [{}] wrong pixels {}: {:.0%} within 1 px of a reference outline, {:.0%} within 3 px; {:.0%} "
              "in predicted objects on no building, {:.0%} in missed buildings".format(
                  name, err["pixels"], *(err[k] / max(err["pixels"], 1) for k in (
                      "within_1px_of_outline", "within_3px_of_outline", "in_false_objects",
                      "in_missed_buildings"))), flush=True)
        if train_iou:
            print("  [{}] the same model on its own training raster (in-sample): IoU {:.3f}".format(
                name, train_iou), flush=True)
    return result, scores, train_s, classify_s


def run(work: Path, overrides: dict, model_args: dict, only: str | None, tta: bool = False) -> None:
    rows = []
    experiments = [
        ("massachusetts", [work / "mass_train.tif"], work / "mass_val.tif"),
        ("bakerlake", [work / "baker_1.tif"], work / "baker_2.tif"),
    ]
    for name, train, val in experiments:
        if only and only != name:
            continue
        result, scores, train_s, classify_s = _experiment(work, name, train, val, overrides, model_args, tta)
        per_class = {c["name"]: c.get("iou") for c in scores.get("classes", [])}
        rows.append((name, result.best_epoch, result.epochs_run, train_s, classify_s, per_class))
        (work / "{}_summary.json".format(name)).write_text(json.dumps(
            {"per_class_iou": per_class, "best_epoch": result.best_epoch, "train_s": train_s,
             "overrides": overrides, "model": model_args, "diagnostics": scores.get("diagnostics")},
            indent=1))
    import keras

    print("\nbackend: {}   overrides: {}   model: {}   tta: {}".format(
        keras.backend.backend(), overrides, model_args, tta))
    print("| scene | best epoch | epochs | train s | classify s | IoU per class (whole validation raster) |")
    print("|---|---|---|---|---|---|")
    for name, best, epochs, ts, cs, per_class in rows:
        ious = ", ".join("{} {:.3f}".format(k, v) for k, v in per_class.items() if v is not None)
        print("| {} | {} | {} | {:.0f} | {:.1f} | {} |".format(name, best, epochs, ts, cs, ious))


def _value(text: str):
    for cast in (int, float):
        try:
            return cast(text)
        except ValueError:
            pass
    return {"true": True, "false": False}.get(text.lower(), text)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("stage", choices=("prepare", "run"))
    parser.add_argument("work", type=Path)
    parser.add_argument("--set", action="append", default=[], help="TrainConfig override key=value")
    parser.add_argument("--model", action="append", default=[], help="ModelSpec override key=value")
    parser.add_argument("--only", choices=("massachusetts", "bakerlake"))
    parser.add_argument("--tta", action="store_true", help="classify with flip test-time augmentation")
    args = parser.parse_args()
    if args.stage == "prepare":
        prepare(args.work)
        return
    overrides = {k: _value(v) for k, v in (s.split("=", 1) for s in args.set)}
    model_args = {k: _value(v) for k, v in (s.split("=", 1) for s in args.model)}
    run(args.work, overrides, model_args, args.only, args.tta)


if __name__ == "__main__":
    main()
