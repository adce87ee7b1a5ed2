"""Shared fixtures: the plugin importable as ``deepfeature``, QGIS + provider, real data paths."""

from __future__ import annotations

import os
import sys
import sysconfig
from pathlib import Path

import numpy as np
import pytest

from .helpers_rasters import TILE, burn_buildings
from .helpers_training import TINY, synthetic_scene, write_label_raster

ROOT = Path(__file__).resolve().parents[1]
DATA = (ROOT / ".." / "shared" / "data").resolve()
PLUGINS = ROOT / ".venv" / "plugins"
QGIS_PROCESS = os.environ.get("DEEPFEATURE_QGIS_PROCESS", "/usr/bin/qgis_process.bin")

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
os.environ.setdefault("KERAS_BACKEND", "tensorflow")
if not (PLUGINS / "deepfeature").exists():  # `scripts/setup.sh` makes it; be robust without it
    PLUGINS.mkdir(parents=True, exist_ok=True)
    (PLUGINS / "deepfeature").symlink_to(ROOT)
if str(PLUGINS) not in sys.path:
    sys.path.insert(0, str(PLUGINS))


def qgis_process_env(tmp_path: Path) -> dict:
    """A profile in which the plugin is enabled (pytest-qgis points QGIS at its own profile)."""
    profile = tmp_path / "profile"
    ini = profile / "profiles" / "default" / "QGIS" / "QGIS3.ini"
    ini.parent.mkdir(parents=True, exist_ok=True)
    ini.write_text("[PythonPlugins]\ndeepfeature=true\n")
    env = dict(os.environ)
    env.update(
        QGIS_CUSTOM_CONFIG_PATH=str(profile),
        QGIS_PLUGINPATH=str(PLUGINS),
        PYTHONPATH=os.pathsep.join([sysconfig.get_paths()["purelib"], str(PLUGINS)]),
        QT_QPA_PLATFORM="offscreen",
    )
    env.pop("QGIS_OPTIONS_PATH", None)
    return env


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


@pytest.fixture(scope="session")
def mass_labels(massachusetts, tmp_path_factory):
    """(mask array, label raster path) of the Massachusetts tile (class 1 = building)."""
    import rasterio

    from deepfeature.core.label_format import label_tags

    image, gpkg = massachusetts
    mask = burn_buildings(image, gpkg)
    path = tmp_path_factory.mktemp("labels") / "mass_labels.tif"
    with rasterio.open(image) as src:
        profile = src.profile
        data = src.read()
    profile.update(count=4, dtype="uint8", tiled=True, blockxsize=256, blockysize=256, compress="deflate")
    profile.pop("nodata", None)
    with rasterio.open(path, "w", **profile) as dst:
        dst.write(data, [1, 2, 3])
        dst.write(mask, 4)
        dst.update_tags(**label_tags({1: "building"}, 255, 3, None))
    return mask, path


@pytest.fixture(scope="session")
def trained_model(massachusetts, mass_labels, tmp_path_factory):
    """A tiny U-Net trained (CPU, ~20 s) on the upper two thirds of the Massachusetts tile."""
    import keras
    import rasterio

    from deepfeature.core.nn import ModelMetadata, ModelSpec, build_model, field_of_view, save_model
    from deepfeature.core.normalization import Normalization

    image, _ = massachusetts
    mask, _ = mass_labels
    with rasterio.open(image) as src:
        data = np.moveaxis(src.read(), 0, -1).astype("float32")
    top = 600  # rows 0..600 train; the lower third (601..) is held back
    train_img, train_mask = data[:top], mask[:top]
    flat = train_img.reshape(-1, 3)
    norm = Normalization(tuple(flat.mean(0).tolist()), tuple(flat.std(0).tolist()))
    rng = np.random.default_rng(0)
    size, n = 64, 384
    rows = rng.integers(0, top - size, n)
    cols = rng.integers(0, data.shape[1] - size, n)
    x = np.stack([norm.apply(train_img[r:r + size, c:c + size]) for r, c in zip(rows, cols)])
    y = np.stack([train_mask[r:r + size, c:c + size, None] for r, c in zip(rows, cols)]).astype("float32")
    x = np.concatenate([x, x[:, ::-1], x[:, :, ::-1]])
    y = np.concatenate([y, y[:, ::-1], y[:, :, ::-1]])
    keras.utils.set_random_seed(0)
    spec = ModelSpec(architecture="unet5", bands=3, classes=("building",), patch_size=size, base_filters=8,
                     depth=3)
    model = build_model(spec, seed=0)
    model.compile(optimizer=keras.optimizers.Adam(3e-3), loss="binary_crossentropy")
    model.fit(x, y, batch_size=16, epochs=6, verbose=0)
    path = tmp_path_factory.mktemp("model") / "buildings.keras"
    save_model(model, ModelMetadata(spec=spec, field_of_view=field_of_view(model), normalization=norm,
                                    training={"rows": [0, top], "epochs": 6}), path)
    return path


@pytest.fixture(scope="session")
def lower_third_activation(massachusetts, trained_model, tmp_path_factory):
    """The activation of the held-back lower third (core call with EXTENT), and its window."""
    import rasterio

    from deepfeature.core.inference import classify_raster

    image, _ = massachusetts
    with rasterio.open(image) as src:
        t = src.transform
        extent = (t.c, t.f + 901 * t.e, t.c + src.width * t.a, t.f + 601 * t.e)
    out = tmp_path_factory.mktemp("act") / "lower_third.tif"
    result = classify_raster(image, trained_model, out, tile_size=TILE, extent=extent)
    return out, result


@pytest.fixture(scope="module")
def tiny_scene(tmp_path_factory):
    """(initialized tiny model, training label raster, second label raster) in a module folder."""
    from deepfeature.core.nn import ModelSpec, initialize_model

    folder = tmp_path_factory.mktemp("train")
    model = folder / "init.keras"
    initialize_model(ModelSpec(bands=3, classes=("building",), **TINY), model, seed=1)
    a = write_label_raster(folder / "a.tif", *synthetic_scene(h=128, w=128, seed=11))
    b = write_label_raster(folder / "b.tif", *synthetic_scene(h=96, w=128, seed=12))
    return str(model), a, b


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


#: Fixtures that train a model: every test using one is `slow` (left out of `scripts/test.sh --fast`).
TRAINING_FIXTURES = frozenset({"trained_model", "lower_third_activation"})


def pytest_collection_modifyitems(config, items):
    for item in items:
        if TRAINING_FIXTURES & set(getattr(item, "fixturenames", ())):
            item.add_marker(pytest.mark.slow)
