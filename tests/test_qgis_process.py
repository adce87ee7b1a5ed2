"""The plugin from the command line: qgis_process runs the shipped graphical model (whole workflow)."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from .conftest import QGIS_PROCESS, ROOT, qgis_process_env

MODEL = ROOT / "models" / "deepfeature_workflow.model3"


@pytest.fixture()
def scene(tmp_path):
    subprocess.run([sys.executable, str(ROOT / "scripts" / "make_scene.py"), str(tmp_path), "--size", "256"],
                   check=True, capture_output=True)
    return tmp_path


def test_provider_ships_the_workflow_model(provider):
    alg = provider.algorithm("workflow")
    assert alg is not None and alg.id() == "deepfeature:workflow"
    children = {c.algorithmId() for c in alg.childAlgorithms().values()}
    assert {"deepfeature:labelrasterfromvector", "deepfeature:initializemodel", "deepfeature:trainmodel",
            "deepfeature:classify", "deepfeature:activationtopolygons", "deepfeature:evaluate"} <= children


@pytest.mark.slow
def test_qgis_process_runs_the_whole_workflow_model(scene, tmp_path):
    if not shutil.which(QGIS_PROCESS):
        pytest.skip("qgis_process is not installed ({}); run scripts/setup.sh".format(QGIS_PROCESS))
    out = tmp_path / "out"
    out.mkdir()
    params = {
        "IMAGE": scene / "scene_train.tif", "LABELS": scene / "buildings_train.geojson",
        "TEST_IMAGE": scene / "scene_test.tif", "TEST_LABELS": scene / "buildings_test.geojson",
        "PATCH_SIZE": 64, "BASE_FILTERS": 4, "EPOCHS": 2, "PATCHES_PER_EPOCH": 16,
        "polygons:polygons": out / "polygons.gpkg", "evaluate:evaluation": out / "evaluation.html",
        "train:trained_model": out / "model.keras", "classify:activation": out / "activation.tif",
    }
    inputs_before = _inputs(scene)
    args = [QGIS_PROCESS, "--json", "run", str(MODEL), "--"]
    args += ["{}={}".format(k, v) for k, v in params.items()]
    proc = subprocess.run(args, capture_output=True, text=True, timeout=900, env=qgis_process_env(tmp_path))
    assert proc.returncode == 0, proc.stdout[-3000:] + proc.stderr[-3000:]
    results = json.loads(proc.stdout[proc.stdout.find("{"):])["results"]
    assert Path(results["train:trained_model"]).is_file()
    report = Path(results["evaluate:evaluation"]).read_text(encoding="utf-8").lower()
    assert "<th>iou</th>" in report and "<th>f1</th>" in report

    import rasterio
    from osgeo import ogr

    with rasterio.open(results["classify:activation"]) as src, rasterio.open(scene / "scene_test.tif") as ref:
        assert (src.width, src.height, src.crs) == (ref.width, ref.height, ref.crs)
        activation = src.read(1)
        assert 0.0 <= activation.min() and activation.max() <= 1.0
    dataset = ogr.Open(str(results["polygons:polygons"]))  # keep it referenced while the layer is used
    layer = dataset.GetLayer(0)
    valid = []
    for feature in layer:  # a geometry reference lives only as long as its feature
        geometry = feature.GetGeometryRef()
        valid.append(geometry is not None and geometry.IsValid())
    assert layer.GetFeatureCount() == len(valid) and all(valid)
    assert _inputs(scene) == inputs_before


def _inputs(folder: Path) -> dict:
    """The input files' bytes. QGIS itself (any algorithm, native ones too) stores the band statistics
    of a raster layer it loads in a GDAL ``.aux.xml`` sidecar; that file is not an input."""
    return {p: p.read_bytes() for p in folder.iterdir() if p.is_file() and not p.name.endswith(".aux.xml")}


@pytest.mark.slow
def test_qgis_process_vectorizes_many_objects(tmp_path):
    """Polygons and points inside qgis_process, where QGIS's own GEOS is loaded (shapely must cope)."""
    if not shutil.which(QGIS_PROCESS):
        pytest.skip("qgis_process is not installed ({}); run scripts/setup.sh".format(QGIS_PROCESS))
    import numpy as np
    import rasterio
    from rasterio.transform import from_origin
    from scipy import ndimage

    rng = np.random.default_rng(4)
    noise = ndimage.gaussian_filter(rng.standard_normal((300, 300)), 4.0)
    activation = (1 / (1 + np.exp(-noise / noise.std() * 3 + 4))).astype("float32")  # irregular blobs
    path = tmp_path / "activation.tif"
    profile = dict(driver="GTiff", width=300, height=300, count=1, dtype="float32", crs="EPSG:32633",
                   transform=from_origin(500000, 5000000, 0.5, 0.5))
    with rasterio.open(path, "w", **profile) as dst:
        dst.write(activation, 1)
    expected = ndimage.label(activation >= 0.5)[1]
    for algorithm, extra in (("activationtopolygons", {"SMOOTH": 1.0, "FILL_HOLES": True}),
                             ("activationtopoints", {})):
        out = tmp_path / (algorithm + ".gpkg")
        args = [QGIS_PROCESS, "--json", "run", "deepfeature:" + algorithm, "--", "INPUT={}".format(path),
                "THRESHOLD=0.5", "OUTPUT={}".format(out)] + ["{}={}".format(k, v) for k, v in extra.items()]
        env = qgis_process_env(tmp_path)
        proc = subprocess.run(args, capture_output=True, text=True, timeout=300, env=env)
        assert proc.returncode == 0, proc.stdout[-3000:] + proc.stderr[-3000:]
        results = json.loads(proc.stdout[proc.stdout.find("{"):])["results"]
        assert results["COUNT"] == expected > 20
