"""The whole deepfeature workflow through qgis_process, on the generated default scene or your data.

label raster -> initialize model -> train -> classify -> polygons -> evaluate; prints the IoU.
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

from qgis_process_run import qgis_process  # noqa: E402


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, default=HERE.parent / "demo_output", help="output folder")
    parser.add_argument("--image", help="training image (default: generated scene)")
    parser.add_argument("--labels", help="training labels (vector layer)")
    parser.add_argument("--test-image", help="image to classify (default: generated test scene)")
    parser.add_argument("--test-labels", help="reference labels of the test image (for evaluation)")
    parser.add_argument("--class-field", default="", help="class field of the labels (default: one class)")
    parser.add_argument("--epochs", type=int, default=12)
    parser.add_argument("--patches-per-epoch", type=int, default=128)
    parser.add_argument("--patch-size", type=int, default=96)
    parser.add_argument("--base-filters", type=int, default=16)
    args = parser.parse_args()
    out = args.out.resolve()
    out.mkdir(parents=True, exist_ok=True)
    started = time.time()

    if args.image:
        image, labels = args.image, args.labels
        test_image, test_labels = args.test_image or args.image, args.test_labels or args.labels
        if not labels:
            parser.error("--labels is required with --image")
    else:
        print("Generating the default scene in {}".format(out), flush=True)
        subprocess.run([sys.executable, str(HERE / "make_scene.py"), str(out)], check=True)
        image, labels = out / "scene_train.tif", out / "buildings_train.geojson"
        test_image, test_labels = out / "scene_test.tif", out / "buildings_test.geojson"

    step = "deepfeature:"
    label_raster = out / "labels_train.tif"
    qgis_process(step + "labelrasterfromvector", {
        "INPUT": image, "LABELS": labels, "CLASS_FIELD": args.class_field, "OUTPUT": label_raster})
    model = out / "model_initial.keras"
    qgis_process(step + "initializemodel", {
        "TEMPLATE": label_raster, "PATCH_SIZE": args.patch_size, "BASE_FILTERS": args.base_filters,
        "SEED": 1, "OUTPUT": model})  # seeded initial weights: every run gives the same model and IoU
    trained = out / "model_trained.keras"
    train = qgis_process(step + "trainmodel", {
        "MODEL": model, "TRAINING": label_raster, "EPOCHS": args.epochs,
        "PATCHES_PER_EPOCH": args.patches_per_epoch, "SEED": 1,
        "OUTPUT_MODEL": trained, "OUTPUT_REPORT": out / "training_report.html"})
    activation = out / "activation_test.tif"
    qgis_process(step + "classify", {
        "INPUT": test_image, "MODEL": train.get("OUTPUT_MODEL", trained), "OUTPUT": activation,
        "OUTPUT_CLASSIFICATION": out / "classification_test.tif"})
    qgis_process(step + "activationtopolygons", {
        "INPUT": activation, "THRESHOLD": 0.5, "MIN_AREA": 10, "OUTPUT": out / "buildings_found.gpkg"})
    qgis_process(step + "activationtopoints", {
        "INPUT": activation, "THRESHOLD": 0.5, "MIN_AREA": 10, "OUTPUT": out / "building_points.gpkg"})
    reference = out / "labels_test.tif"
    qgis_process(step + "labelrasterfromvector", {
        "INPUT": test_image, "LABELS": test_labels, "CLASS_FIELD": args.class_field, "OUTPUT": reference})
    evaluation = qgis_process(step + "evaluate", {
        "PREDICTION": activation, "REFERENCE": reference, "THRESHOLD": 0.5,
        "OUTPUT_JSON": out / "evaluation.json", "OUTPUT_HTML": out / "evaluation.html"})
    summary = {k: evaluation[k] for k in ("IOU", "F1", "PRECISION", "RECALL") if k in evaluation}
    print("\nWorkflow finished in {:.0f} s; outputs in {}".format(time.time() - started, out))
    print("Evaluation on the test image: " + json.dumps(summary))
    print("IoU = {:.3f}".format(float(evaluation.get("IOU", float("nan")))))
    return 0


if __name__ == "__main__":
    sys.exit(main())
