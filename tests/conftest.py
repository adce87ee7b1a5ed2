"""Shared fixtures: the plugin importable as ``deepfeature``, QGIS + provider, real data paths."""

from __future__ import annotations

import os
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
DATA = (ROOT / ".." / "shared" / "data").resolve()
PLUGINS = ROOT / ".venv" / "plugins"

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
os.environ.setdefault("KERAS_BACKEND", "tensorflow")
if not (PLUGINS / "deepfeature").exists():  # `scripts/setup.sh` makes it; be robust without it
    PLUGINS.mkdir(parents=True, exist_ok=True)
    (PLUGINS / "deepfeature").symlink_to(ROOT)
if str(PLUGINS) not in sys.path:
    sys.path.insert(0, str(PLUGINS))


def data_path(*parts: str) -> Path:
    """A file under ../shared/data, or skip the test with a clear reason."""
    path = DATA.joinpath(*parts)
    if not path.exists():
        pytest.skip("real data not available: {} is absent (see ../shared/data/README.md)".format(path))
    return path


@pytest.fixture(scope="session")
def massachusetts():
    """(image, polygons) of the Massachusetts buildings tile."""
    base = "massachusetts_buildings_train"
    return data_path(base, "22978945_15.tif"), data_path(base, "22978945_15_buildings.gpkg")


@pytest.fixture(scope="session")
def spacenet():
    """(image, polygons) of the SpaceNet 7 clip (Int16, NoData 0, EPSG:3857; labels EPSG:4326)."""
    base = "spacenet7_buildings"
    stem = "SN7_global_monthly_2020_01_mosaic_L15-0331E-1257N_1327_3160_13"
    return data_path(base, stem + "_clipped.tif"), data_path(base, stem + "_Buildings.geojson")


@pytest.fixture(scope="session")
def bakerlake():
    """([scene1, scene2], polygons) of Baker Lake (class field Quatreclasses, ignore 255)."""
    base = "bakerlake_multiclass"
    scenes = [data_path(base, "23322E759967N_clipped_1m_{}of2.tif".format(i)) for i in (1, 2)]
    return scenes, data_path(base, "BakerLake_2017_clipped.gpkg")


@pytest.fixture()
def provider(qgis_app, qgis_processing):
    """The deepfeature provider registered in the Processing registry (registered again if a test
    unloaded the plugin)."""
    from qgis.core import QgsApplication

    from deepfeature.algorithms.provider import DeepFeatureProvider

    registry = QgsApplication.processingRegistry()
    existing = registry.providerById("deepfeature")
    if existing is not None:
        return existing
    prov = DeepFeatureProvider()
    assert registry.addProvider(prov)
    _PROVIDERS.append(prov)  # keep the Python wrapper alive as long as the registry uses it
    return prov


_PROVIDERS: list = []


@pytest.fixture()
def run_alg(provider):
    """Run ``deepfeature:<name>`` with processing.run and return its results."""
    import processing
    from qgis.core import QgsProcessingContext, QgsProcessingFeedback

    def _run(name, params, feedback=None, context=None):
        return processing.run(
            "deepfeature:" + name,
            params,
            feedback=feedback or QgsProcessingFeedback(),
            context=context or QgsProcessingContext(),
        )

    return _run


# Tearing QGIS down at interpreter exit crashes (segfault) once TensorFlow, rasterio's and QGIS's GDAL
# have all been loaded. Every result is reported by then, so leave the process directly with pytest's
# own exit status (pyproject.toml also disables pytest-qgis's exitQgis()).
_EXIT_STATUS: list[int] = []


def pytest_sessionfinish(session, exitstatus):
    _EXIT_STATUS.append(int(exitstatus))


@pytest.hookimpl(tryfirst=True)
def pytest_unconfigure(config):
    if _EXIT_STATUS:
        sys.stdout.flush()
        sys.stderr.flush()
        os._exit(_EXIT_STATUS[-1])


def save_tiny_model(path, bands, normalization, classes=("building",), seed=1, base_filters=4):
    """An untrained depth-3 U-Net saved with ``normalization`` as if trained (fast classification tests)."""
    from deepfeature.core.nn import ModelMetadata, ModelSpec, build_model, field_of_view, save_model

    spec = ModelSpec(architecture="unet5", bands=bands, classes=tuple(classes), patch_size=64,
                     base_filters=base_filters, depth=3)
    model = build_model(spec, seed=seed)
    metadata = ModelMetadata(spec=spec, field_of_view=field_of_view(model), normalization=normalization)
    save_model(model, metadata, path)
    return path
