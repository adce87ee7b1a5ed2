"""deepfeature:labelrasterfromclassification on real data (Baker Lake classes in another CRS and grid)."""

from __future__ import annotations

import subprocess

import numpy as np
import pytest

from .helpers_labels import agreement, grid, leftovers, read, sha256

ALG = "labelrasterfromclassification"
UTM19 = 32619  # Baker Lake lies in UTM zone 19N; the image is in EPSG:2953 at 0.5 m


def classification_raster(polygons, folder, nodata=None):
    """Rasterize Baker Lake's Quatreclasses x 10 (255 -> 99) into a 1 m UTM 19N classification raster."""
    projected = folder / "bakerlake_utm.gpkg"
    if not projected.exists():
        sql = ("SELECT geom, CASE WHEN Quatreclasses = '255' THEN 99 "
               "ELSE CAST(Quatreclasses AS INTEGER) * 10 END AS code FROM BakerLake_2017")
        subprocess.run(["ogr2ogr", "-f", "GPKG", "-t_srs", "EPSG:{}".format(UTM19), "-nln", "bakerlake_utm",
                        "-dialect", "SQLite", "-sql", sql, str(projected), str(polygons)],
                       check=True, capture_output=True)
    out = folder / ("classification_utm{}.tif".format("" if nodata is None else "_nd"))
    cmd = ["gdal_rasterize", "-q", "-a", "code", "-tr", "1", "1", "-ot", "Int16", "-init", "0",
           "-sql", "SELECT * FROM bakerlake_utm ORDER BY (code = 99)"]
    if nodata is not None:
        cmd += ["-a_nodata", str(nodata)]
    subprocess.run(cmd + [str(projected), str(out)], check=True, capture_output=True)
    return out


def warped_reference(classification, image, out):
    """gdalwarp (nearest) of the classification onto the image grid: the independent reference."""
    width, height, (left, bottom, right, top), crs = grid(image)
    cmd = ["gdalwarp", "-q", "-r", "near", "-t_srs", crs, "-te", repr(left), repr(bottom), repr(right),
           repr(top), "-ts", str(width), str(height), "-dstnodata", "-1", str(classification), str(out)]
    subprocess.run(cmd, check=True, capture_output=True)
    return read(out)[0]


@pytest.mark.realdata
@pytest.mark.parametrize("scene", [0, 1])
def test_bakerlake_classification_in_other_crs_with_class_map(run_alg, bakerlake, tmp_path, scene):
    from deepfeature.core.label_format import read_info

    scenes, polygons = bakerlake
    image = scenes[scene]
    classification = classification_raster(polygons, tmp_path)
    assert grid(classification)[3] != grid(image)[3]
    hashes = sha256(image), sha256(classification)
    out = tmp_path / "labels.tif"
    run_alg(ALG, {"INPUT": str(image), "CLASSIFICATION": str(classification),
                  "CLASS_MAP": "10,20=1;30=2;40=3;99=255", "CLASS_NAMES": "natural, road, building",
                  "IGNORE_VALUE": 255, "OUTPUT": str(out)})
    info = read_info(out)
    assert info.classes == {1: "natural", 2: "road", 3: "building"}
    data = read(out)
    assert np.array_equal(data[:3], read(image))
    mask = data[3]

    source = warped_reference(classification, image, tmp_path / "warped.tif")
    expected = np.zeros_like(mask)
    expected[np.isin(source, [10, 20])] = 1
    expected[source == 30] = 2
    expected[source == 40] = 3
    expected[(source == 99) | (source == -1)] = 255
    assert agreement(mask, expected) >= 0.99
    assert len(set(np.unique(mask)) - {0, 255}) >= 2
    assert hashes == (sha256(image), sha256(classification))


@pytest.mark.realdata
def test_classification_nodata_and_default_map(run_alg, bakerlake, tmp_path):
    scenes, polygons = bakerlake
    image = scenes[1]
    classification = classification_raster(polygons, tmp_path, nodata=0)  # unlabelled = NoData
    out = tmp_path / "labels.tif"
    run_alg(ALG, {"INPUT": str(image), "CLASSIFICATION": str(classification), "OUTPUT": str(out)})
    mask = read(out)[3]
    source = warped_reference(classification, image, tmp_path / "warped.tif")
    expected = np.where((source == 0) | (source == -1), 255, np.where(source != 0, 1, 0))
    assert (expected == 255).sum() > 100 and (expected == 1).sum() > 100
    assert agreement(mask, expected) >= 0.99


def test_class_map_parsing():
    from deepfeature.core.errors import ParameterError
    from deepfeature.core.labels import class_names_for, parse_class_map

    assert parse_class_map("1,2=1;5=2") == {1.0: 1, 2.0: 1, 5.0: 2}
    assert parse_class_map(" -1 = 255 \n 7=0 ") == {-1.0: 255, 7.0: 0}
    assert parse_class_map("") is None and parse_class_map(None) is None
    for bad in ("1,2", "a=1", "1=x", "1=300", "1=1;1=2", "=3", "1,,2=1"):
        with pytest.raises(ParameterError):
            parse_class_map(bad)
    assert class_names_for([1, 3], "a, b") == {1: "a", 3: "b"}
    with pytest.raises(ParameterError):
        class_names_for([1, 3], "a")


@pytest.mark.realdata
@pytest.mark.parametrize("case", ["bad_map", "no_overlap", "names_mismatch", "output_is_input"])
def test_bad_classification_inputs(run_alg, bakerlake, massachusetts, tmp_path, case):
    import shutil

    from qgis.core import QgsProcessingException

    scenes, polygons = bakerlake
    image = tmp_path / "image.tif"
    shutil.copy(scenes[0], image)
    classification = classification_raster(polygons, tmp_path)
    params = {"INPUT": str(image), "CLASSIFICATION": str(classification), "OUTPUT": str(tmp_path / "out.tif")}
    expected = {"bad_map": "values=class", "no_overlap": "overlap", "names_mismatch": "names",
                "output_is_input": "input"}[case]
    if case == "bad_map":
        params["CLASS_MAP"] = "10,20:1"
    elif case == "no_overlap":
        params["CLASSIFICATION"] = str(massachusetts[0])
    elif case == "names_mismatch":
        params.update(CLASS_MAP="10=1;20=2", CLASS_NAMES="only one")
    else:
        params["OUTPUT"] = str(image)
    hashes = [sha256(image), sha256(params["CLASSIFICATION"])]
    before = leftovers(tmp_path)
    with pytest.raises(QgsProcessingException) as error:
        run_alg(ALG, params)
    assert expected in str(error.value).lower() or expected in str(error.value), str(error.value)
    assert leftovers(tmp_path) == before
    assert [sha256(image), sha256(params["CLASSIFICATION"])] == hashes


def test_default_map_keeps_the_ignore_value(tmp_path):
    """A label raster's mask band given back as a classification (no NoData set): its ignore pixels stay
    ignore instead of becoming class 1 under the default map."""
    import rasterio
    from rasterio.transform import from_origin

    from deepfeature.core.labels import build_label_raster_from_classification

    rng = np.random.default_rng(0)
    mask = rng.choice(np.array([0, 1, 255], dtype="uint8"), size=(40, 50), p=[0.5, 0.3, 0.2])
    profile = dict(driver="GTiff", width=50, height=40, crs="EPSG:32619",
                   transform=from_origin(600000, 5000000, 1, 1))
    image, cls = tmp_path / "image.tif", tmp_path / "mask.tif"
    with rasterio.open(image, "w", count=3, dtype="uint8", **profile) as dst:
        dst.write(rng.integers(0, 255, (3, 40, 50), dtype="uint8"))
    with rasterio.open(cls, "w", count=1, dtype="uint8", **profile) as dst:
        dst.write(mask, 1)
    out = tmp_path / "labels.tif"
    result = build_label_raster_from_classification(image, cls, out)
    assert np.array_equal(read(out)[3], mask)
    assert result.pixel_counts == {1: int((mask == 1).sum())}
    assert result.ignore_count == int((mask == 255).sum())
