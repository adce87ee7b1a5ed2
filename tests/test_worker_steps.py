"""Label rasters, post-processing and evaluation run in the worker: their arguments (WKB bytes, label
layers, tuples) and feature streams cross the boundary unchanged, and QGIS's own Python imports none
of rasterio, shapely, scipy, scikit-image or Keras while the six algorithms run in qgis_process."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys

import numpy as np
import pytest

from deepfeature.core.worker import run_in_worker

from .conftest import PLUGINS, QGIS_PROCESS, ROOT, qgis_process_env

#: What QGIS's own Python must never import (it has only numpy and GDAL's osgeo on Windows and macOS).
HEAVY = ("rasterio", "shapely", "scipy", "skimage", "affine", "keras", "tensorflow", "jax", "torch",
         "ml_dtypes")
CRS = "EPSG:32633"


def _image(path, size=96):
    import rasterio
    from rasterio.transform import from_origin

    data = np.random.default_rng(3).integers(0, 255, (3, size, size)).astype("uint8")
    with rasterio.open(path, "w", driver="GTiff", width=size, height=size, count=3, dtype="uint8", crs=CRS,
                       transform=from_origin(500000, 5000000, 0.5, 0.5)) as dst:
        dst.write(data)
    return path


def _mask(path):
    import rasterio

    with rasterio.open(path) as src:
        return src.read(src.count)


def test_label_raster_from_shapes_in_the_worker_is_the_one_made_here(tmp_path):
    """Label layers (WKB bytes, values, ids) and the AOI's WKB travel to the worker: same raster."""
    import shapely

    from deepfeature.core.labels import LabelLayer, build_label_raster_from_shapes

    image = _image(tmp_path / "image.tif")
    x0, y0 = 500000, 5000000
    polygons = [shapely.box(x0 + 3, y0 - 20, x0 + 15, y0 - 6),
                shapely.box(x0 + 25, y0 - 40, x0 + 40, y0 - 30)]
    line = shapely.LineString([(x0 + 2, y0 - 44), (x0 + 46, y0 - 2)])
    layers = [
        LabelLayer("buildings", "polygon", [shapely.to_wkb(p) for p in polygons], ["house", "shed"], [4, 9]),
        LabelLayer("roads", "line", [shapely.to_wkb(line)], ["road"], [1]),
    ]
    aoi = [shapely.to_wkb(shapely.box(x0, y0 - 40, x0 + 48, y0))]
    here = build_label_raster_from_shapes(image, tmp_path / "here.tif", layers, aoi, 200)
    there = run_in_worker("build_label_raster_from_shapes", str(image), str(tmp_path / "there.tif"), layers,
                          aoi, 200)
    assert {int(k): v for k, v in there.classes.items()} == here.classes == {1: "house", 2: "road", 3: "shed"}
    assert {int(k): v for k, v in there.pixel_counts.items()} == here.pixel_counts
    assert there.ignore_count == here.ignore_count == 96 * 16  # rows below the AOI
    assert (there.image_bands, there.width) == (3, 96)
    mask = _mask(tmp_path / "there.tif")
    assert np.array_equal(mask, _mask(tmp_path / "here.tif"))
    assert set(np.unique(mask)) == {0, 1, 2, 3, 200}


def test_evaluate_with_reference_shapes_in_the_worker(tmp_path):
    """(wkb, class) tuples arrive as lists of bytes and values: the same metrics as here."""
    import shapely

    from deepfeature.core.postprocessing import evaluate

    from .helpers_rasters import write_activation

    activation = np.full((80, 80), 0.1, dtype="float32")
    activation[10:30, 10:40] = 0.9
    activation[50:70, 45:75] = 0.8
    prediction = write_activation(tmp_path / "act.tif", activation, {1: "building"})
    x0, y0 = 500000, 4000000  # write_activation's grid: 0.5 m pixels
    shapes = [(shapely.to_wkb(shapely.box(x0 + 5, y0 - 15, x0 + 20, y0 - 5)), "building"),
              (shapely.to_wkb(shapely.box(x0 + 22, y0 - 35, x0 + 37, y0 - 25)), 1)]
    here = evaluate(prediction, reference_shapes=shapes, reference_classes={}, threshold=0.5)
    there = run_in_worker("evaluate", str(prediction), reference_shapes=shapes, reference_classes={},
                          threshold=0.5, output_json=str(tmp_path / "m.json"))
    assert 0.9 < there.iou < 1 and there.confusion_matrix.matrix == [[5180, 20], [20, 1180]]  # 1 column off
    assert there.pop("json") == str(tmp_path / "m.json")
    assert there == json.loads(json.dumps(here))  # every figure, per class too
    assert json.loads((tmp_path / "m.json").read_text())["iou"] == here["iou"]


def test_a_failing_output_layer_stops_the_worker_and_names_the_problem(run_alg, tmp_path, monkeypatch):
    """The feature sink (LazySink, in QGIS) fails on the first feature: its QgsProcessingException comes
    out of processing.run, and no worker is left running."""
    from qgis.core import QgsProcessingException

    from deepfeature.core import worker as worker_module

    from .test_worker import _children, _many_objects

    monkeypatch.setenv("DEEPFEATURE_WORKER_IDLE", "60")
    worker_module.shutdown_workers()
    before = _children()
    (tmp_path / "file.txt").write_text("not a folder")
    dest = "ogr:dbname='{}' table=\"objects\" (geom)".format(tmp_path / "file.txt" / "objects.gpkg")
    path = _many_objects(tmp_path / "act.tif", 8)
    for alg in ("activationtopolygons", "activationtopoints"):
        with pytest.raises(QgsProcessingException, match="Could not create layer.*objects.gpkg"):
            run_alg(alg, {"INPUT": str(path), "OUTPUT": dest})
        assert not worker_module._IDLE[1:]  # the worker of read_activation_info only
        assert _children() - before <= {w.proc.pid for w in worker_module._IDLE}
    worker_module.shutdown_workers()


def test_class_values_that_are_not_plain_data_are_refused_in_qgis(run_alg, tmp_path):
    """A date class field gives QDate values, which cannot travel to the worker: both algorithms say
    what is wrong with the field (the core's message for the label raster), not a JSON error."""
    import rasterio
    import shapely
    from osgeo import ogr
    from qgis.core import QgsProcessingException

    from .helpers_labels import write_vector

    image = _image(tmp_path / "image.tif")
    with rasterio.open(image) as src:
        crs_wkt = src.crs.to_wkt()
        profile = dict(src.profile, count=1, dtype="float32", nodata=-1.0)
    boxes = [shapely.box(500003, 4999980, 500015, 4999994), shapely.box(500020, 4999960, 500030, 4999970)]
    labels = write_vector(tmp_path / "dated.gpkg", boxes, crs_wkt, geometry_type=ogr.wkbPolygon,
                          fields={"seen": (ogr.OFTDate, ["2020-05-01", "2021-06-02"])})
    with pytest.raises(QgsProcessingException, match="class value .* of type QDate.*whole numbers or text"):
        run_alg("labelrasterfromvector", {"INPUT": str(image), "LABELS": [str(labels)], "CLASS_FIELD": "seen",
                                          "OUTPUT": str(tmp_path / "labels.tif")})
    assert not (tmp_path / "labels.tif").exists()
    activation = np.zeros((96, 96), dtype="float32")
    activation[10:30, 10:30] = 0.9
    with rasterio.open(tmp_path / "act.tif", "w", **profile) as dst:  # on the image grid
        dst.write(activation, 1)
    with pytest.raises(QgsProcessingException, match="class value .*QDate.* neither a class id nor"):
        run_alg("evaluate", {"PREDICTION": str(tmp_path / "act.tif"), "REFERENCE": str(labels),
                             "CLASS_FIELD": "seen", "OUTPUT_JSON": str(tmp_path / "m.json"),
                             "OUTPUT_HTML": ""})
    assert not (tmp_path / "m.json").exists()


# ------------------------------------------------------------------------------------------------
# qgis_process with the heavy modules blocked inside QGIS's Python
# ------------------------------------------------------------------------------------------------
BLOCKER = '''"""Written by tests/test_worker_steps.py for qgis_process: inside QGIS's Python (only where
DEEPFEATURE_TEST_BLOCK_LOG is set) every heavy module looks installed, and importing one fails and is
logged. The variable is removed at once, so the worker started by the plugin is not blocked."""
import os

_LOG = os.environ.pop("DEEPFEATURE_TEST_BLOCK_LOG", "")
if _LOG:
    import importlib.abc
    import importlib.machinery
    import sys
    import traceback

    _HEAVY = frozenset({heavy!r})

    class _Refuse(importlib.abc.Loader):
        def create_module(self, spec):
            importer = sys._getframe(1)
            while importer is not None and importer.f_code.co_filename.startswith("<frozen"):
                importer = importer.f_back
            origin = importer.f_code.co_filename if importer is not None else ""
            if os.path.join("qgis", "core", "__init__.py") in origin:
                # QGIS >= 3.40's own optional import (QgsGeometry.as_shapely): "not installed" for it.
                raise ModuleNotFoundError("{{}} is blocked in QGIS's Python by the test".format(spec.name))
            with open(_LOG, "a", encoding="utf-8") as log:
                stack = "".join(traceback.format_stack(limit=12))
                log.write("import {{}}\\n{{}}\\n".format(spec.name, stack))
            raise ImportError("{{}} is blocked in QGIS's Python by the test".format(spec.name))

        def exec_module(self, module):
            pass

    class _Block(importlib.abc.MetaPathFinder):
        def find_spec(self, name, path=None, target=None):
            if name.partition(".")[0] in _HEAVY:
                return importlib.machinery.ModuleSpec(name, _Refuse())
            return None

    sys.meta_path.insert(0, _Block())
    with open(_LOG + ".active", "a", encoding="utf-8") as active:
        active.write("{{}}\\n".format(os.getpid()))
'''.format(heavy=HEAVY)


def _write_activation_on(image, path, mask):
    """A tagged float32 activation raster on the grid of ``image``: the mask, blurred (soft edges)."""
    import rasterio
    from scipy import ndimage

    from deepfeature.core.activation_format import activation_tags

    activation = ndimage.gaussian_filter((mask == 1).astype("float32"), 1.2) * 0.9 + 0.05
    with rasterio.open(image) as src:
        profile = dict(src.profile, count=1, dtype="float32", nodata=-1.0)
    with rasterio.open(path, "w", **profile) as dst:
        dst.write(activation.astype("float32"), 1)
        dst.update_tags(**activation_tags({1: "building"}))
    return activation


def _blocked_qgis_process(tmp_path):
    """(run, runs, out): ``run(algorithm, **params)`` runs qgis_process with a PYTHONPATH that holds only
    the plugin and the blocker of heavy modules, fails when QGIS's Python tried one, returns the results."""
    blocker = tmp_path / "blocker"
    blocker.mkdir()
    (blocker / "sitecustomize.py").write_text(BLOCKER, encoding="utf-8")
    log = tmp_path / "blocked.log"
    env = qgis_process_env(tmp_path)
    env.update(PYTHONPATH=os.pathsep.join([str(blocker), str(PLUGINS)]), DEEPFEATURE_PYTHON=sys.executable,
               DEEPFEATURE_TEST_BLOCK_LOG=str(log), DEEPFEATURE_WORKER_IDLE="60")
    out = tmp_path / "out"
    out.mkdir()
    runs = []

    def run(algorithm, **params):
        args = [QGIS_PROCESS, "--json", "run", "deepfeature:" + algorithm, "--"]
        args += ["{}={}".format(k, v) for k, v in params.items()]
        proc = subprocess.run(args, capture_output=True, text=True, timeout=300, env=env)
        runs.append(algorithm)
        blocked = log.read_text(encoding="utf-8") if log.exists() else ""
        assert not blocked, "QGIS's Python imported a heavy module in {}:\n{}".format(algorithm, blocked)
        assert proc.returncode == 0, proc.stdout[-3000:] + proc.stderr[-3000:]
        return json.loads(proc.stdout[proc.stdout.find("{"):])["results"]

    return run, runs, out


def test_qgis_process_imports_nothing_heavy_in_qgis(tmp_path):
    """The six label / post-processing / evaluation algorithms in qgis_process, with a PYTHONPATH that
    holds only the plugin and a blocker of the heavy modules: every step succeeds, its results are right,
    and QGIS's Python never tried to import one of them (the worker, on DEEPFEATURE_PYTHON, has them)."""
    if not shutil.which(QGIS_PROCESS):
        pytest.skip("qgis_process is not installed ({}); run scripts/setup.sh".format(QGIS_PROCESS))
    import rasterio
    import shapely
    from osgeo import ogr
    from scipy import ndimage

    from .helpers_labels import write_vector

    scene = tmp_path / "scene"
    subprocess.run([sys.executable, str(ROOT / "scripts" / "make_scene.py"), str(scene), "--size", "256"],
                   check=True, capture_output=True)
    image, buildings = scene / "scene_train.tif", scene / "buildings_train.geojson"
    with rasterio.open(image) as src:
        left, bottom, right, top = src.bounds
        crs_wkt = src.crs.to_wkt()
    aoi = write_vector(tmp_path / "aoi.gpkg", [shapely.box(left, bottom, left + 0.75 * (right - left), top)],
                       crs_wkt, geometry_type=ogr.wkbPolygon)
    run, runs, out = _blocked_qgis_process(tmp_path)

    labels = run("labelrasterfromvector", INPUT=image, LABELS=buildings, CLASS_FIELD="class", AOI=aoi,
                 OUTPUT=out / "labels.tif")
    mask = _mask(labels["OUTPUT"])
    assert (mask[:, 192:] == 255).all() and {0, 1} <= set(np.unique(mask[:, :192])) <= {0, 1}
    activation = _write_activation_on(image, out / "activation.tif", _mask(labels["OUTPUT"]) % 255)
    expected = activation >= 0.5
    objects = ndimage.label(expected)[1]  # 4-connected, as the post-processing

    classes = run("activationtoclassification", INPUT=out / "activation.tif", OUTPUT=out / "classes.tif")
    assert np.array_equal(_mask(classes["OUTPUT"]), expected.astype("uint8"))
    relabelled = run("labelrasterfromclassification", INPUT=image, CLASSIFICATION=classes["OUTPUT"],
                     CLASS_MAP="1=1", CLASS_NAMES="building", OUTPUT=out / "labels2.tif")
    assert np.array_equal(_mask(relabelled["OUTPUT"]), expected.astype("uint8"))
    polygons = run("activationtopolygons", INPUT=out / "activation.tif", SMOOTH=0,
                   OUTPUT=out / "polygons.gpkg")
    points = run("activationtopoints", INPUT=out / "activation.tif", OUTPUT=out / "points.gpkg")
    assert polygons["COUNT"] == points["COUNT"] == objects > 5
    for path in (polygons["OUTPUT"], points["OUTPUT"]):
        dataset = ogr.Open(str(path).split("|")[0])
        assert dataset.GetLayer(0).GetFeatureCount() == objects
        dataset = None
    metrics = run("evaluate", PREDICTION=out / "activation.tif", REFERENCE=buildings, CLASS_FIELD="class",
                  OUTPUT_JSON=out / "metrics.json", OUTPUT_HTML=out / "report.html")
    assert metrics["IOU"] > 0.6 and json.loads((out / "metrics.json").read_text())["iou"] == metrics["IOU"]
    active = (tmp_path / "blocked.log.active").read_text().split()
    assert len(active) == len(runs) == 6  # active in each QGIS process, in none of the workers


@pytest.mark.slow
def test_qgis_process_deep_learning_steps_import_nothing_heavy_in_qgis(tmp_path):
    """Initialize (from a template label raster), Describe, Train and Classify in qgis_process with the
    heavy modules blocked inside QGIS's Python: parameter checks included, nothing heavy runs there."""
    if not shutil.which(QGIS_PROCESS):
        pytest.skip("qgis_process is not installed ({}); run scripts/setup.sh".format(QGIS_PROCESS))
    scene = tmp_path / "scene"
    subprocess.run([sys.executable, str(ROOT / "scripts" / "make_scene.py"), str(scene), "--size", "256"],
                   check=True, capture_output=True)
    run, runs, out = _blocked_qgis_process(tmp_path)
    labels = run("labelrasterfromvector", INPUT=scene / "scene_train.tif",
                 LABELS=scene / "buildings_train.geojson", OUTPUT=out / "labels.tif")
    model = run("initializemodel", TEMPLATE=labels["OUTPUT"], PATCH_SIZE=64, BASE_FILTERS=4, SEED=1,
                OUTPUT=out / "initial.keras")
    assert model["FIELD_OF_VIEW"] > 0
    described = run("describemodel", MODEL=out / "initial.keras")
    assert described["BANDS"] == 3 and described["TRAINED"] in (False, "false", 0)
    trained = run("trainmodel", MODEL=out / "initial.keras", TRAINING=labels["OUTPUT"], EPOCHS=1,
                  PATCHES_PER_EPOCH=8, SEED=1, OUTPUT_MODEL=out / "trained.keras")
    assert (out / "trained.keras").is_file() and trained
    run("classify", INPUT=scene / "scene_test.tif", MODEL=out / "trained.keras",
        OUTPUT=out / "activation.tif")
    assert (out / "activation.tif").is_file()
    active = (tmp_path / "blocked.log.active").read_text().split()
    assert len(active) == len(runs) == 5
