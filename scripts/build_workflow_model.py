"""Write models/deepfeature_workflow.model3: the whole workflow as a Processing graphical model.

Run after changing an algorithm's parameters (from the plugin folder, environment sourced):

    .venv/bin/python scripts/build_workflow_model.py

The model chains: label raster from vector -> initialize model -> train -> classify the test image ->
activation to polygons -> evaluate against the test labels. It is shipped with the plugin (the provider
loads it as ``deepfeature:workflow``) and runs in the modeler, batch mode and qgis_process.
"""

from __future__ import annotations

import os
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
OUTPUT = ROOT / "models" / "deepfeature_workflow.model3"
sys.path.insert(0, str(ROOT / ".venv" / "plugins"))
os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")


def build(path: Path) -> None:
    from qgis.core import (
        QgsProcessing,
        QgsProcessingModelAlgorithm,
        QgsProcessingModelChildAlgorithm,
        QgsProcessingModelOutput,
        QgsProcessingModelParameter,
        QgsProcessingParameterMultipleLayers,
        QgsProcessingParameterNumber,
        QgsProcessingParameterRasterLayer,
        QgsProcessingParameterString,
    )
    from qgis.core import (
        QgsProcessingModelChildParameterSource as Source,
    )

    model = QgsProcessingModelAlgorithm(
        "workflow", "Deep feature extraction workflow", "Deep Feature Extraction"
    )
    model.setHelpContent({"ALG_DESC": (
        "Trains a model on labelled features of one image and finds them in another: label raster, "
        "initialize model, train, classify, polygons, evaluation (IoU against the test labels).")})

    def param(definition, x, y):
        model.addModelParameter(definition, QgsProcessingModelParameter(definition.name()))
        model.parameterComponent(definition.name()).setPosition(_point(x, y))

    number = QgsProcessingParameterNumber
    param(QgsProcessingParameterRasterLayer("IMAGE", "Training image"), 120, 60)
    param(QgsProcessingParameterMultipleLayers("LABELS", "Training labels (vector layers)",
                                               QgsProcessing.TypeVectorAnyGeometry), 120, 120)
    param(QgsProcessingParameterString("CLASS_FIELD", "Class field (empty: one class per layer)",
                                       optional=True, defaultValue=""), 120, 180)
    param(QgsProcessingParameterRasterLayer("TEST_IMAGE", "Image to classify"), 120, 240)
    param(QgsProcessingParameterMultipleLayers("TEST_LABELS", "Reference labels of that image",
                                               QgsProcessing.TypeVectorAnyGeometry), 120, 300)
    param(number("PATCH_SIZE", "Patch size", number.Integer, 256, minValue=16), 120, 360)
    param(number("BASE_FILTERS", "Base filters (model size)", number.Integer, 16, minValue=2), 120, 420)
    param(number("EPOCHS", "Epochs", number.Integer, 20, minValue=1), 120, 480)
    param(number("PATCHES_PER_EPOCH", "Patches per epoch (0: from the sampling rate)", number.Integer, 0,
                 minValue=0), 120, 540)

    def child(child_id, algorithm, description, sources, outputs=(), x=0, y=0):
        alg = QgsProcessingModelChildAlgorithm("deepfeature:" + algorithm)
        alg.setChildId(child_id)
        alg.setDescription(description)
        alg.setPosition(_point(x, y))
        for name, source in sources.items():
            alg.addParameterSources(name, [source])
        alg_outputs = {}
        for output_name, child_output, title in outputs:
            out = QgsProcessingModelOutput(output_name, title)
            out.setChildId(child_id)
            out.setChildOutputName(child_output)
            alg_outputs[output_name] = out
        alg.setModelOutputs(alg_outputs)
        model.addChildAlgorithm(alg)

    p, c, v = Source.fromModelParameter, Source.fromChildOutput, Source.fromStaticValue
    child("labels", "labelrasterfromvector", "Label raster (training)",
          {"INPUT": p("IMAGE"), "LABELS": p("LABELS"), "CLASS_FIELD": p("CLASS_FIELD")}, x=420, y=90)
    child("init", "initializemodel", "Initialize model",
          {"TEMPLATE": c("labels", "OUTPUT"), "PATCH_SIZE": p("PATCH_SIZE"),
           "BASE_FILTERS": p("BASE_FILTERS")}, x=420, y=200)
    child("train", "trainmodel", "Train model",
          {"MODEL": c("init", "OUTPUT"), "TRAINING": c("labels", "OUTPUT"), "EPOCHS": p("EPOCHS"),
           "PATCHES_PER_EPOCH": p("PATCHES_PER_EPOCH")},
          [("trained_model", "OUTPUT_MODEL", "Trained model")], x=420, y=310)
    child("classify", "classify", "Classify the test image",
          {"INPUT": p("TEST_IMAGE"), "MODEL": c("train", "OUTPUT_MODEL")},
          [("activation", "OUTPUT", "Class activation")], x=720, y=310)
    child("polygons", "activationtopolygons", "Activation to polygons",
          {"INPUT": c("classify", "OUTPUT"), "THRESHOLD": v(0.5), "MIN_AREA": v(10.0)},
          [("polygons", "OUTPUT", "Detected features")], x=720, y=420)
    child("reference", "labelrasterfromvector", "Label raster (reference)",
          {"INPUT": p("TEST_IMAGE"), "LABELS": p("TEST_LABELS"), "CLASS_FIELD": p("CLASS_FIELD")},
          x=1020, y=200)
    child("evaluate", "evaluate", "Evaluate",
          {"PREDICTION": c("classify", "OUTPUT"), "REFERENCE": c("reference", "OUTPUT"), "THRESHOLD": v(0.5)},
          [("evaluation", "OUTPUT_HTML", "Evaluation report")], x=1020, y=420)
    model.updateDestinationParameters()
    if not model.toFile(str(path)):
        raise SystemExit("could not write {}".format(path))


def _point(x, y):
    from qgis.PyQt.QtCore import QPointF

    return QPointF(x, y)


def main() -> None:
    from qgis.core import QgsApplication

    app = QgsApplication([], False)
    app.initQgis()
    sys.path.append("/usr/share/qgis/python/plugins")
    from processing.core.Processing import Processing

    from deepfeature.algorithms.provider import DeepFeatureProvider

    Processing.initialize()
    provider = DeepFeatureProvider()
    QgsApplication.processingRegistry().addProvider(provider)
    OUTPUT.parent.mkdir(exist_ok=True)
    build(OUTPUT)
    print("wrote", OUTPUT)


if __name__ == "__main__":
    main()
