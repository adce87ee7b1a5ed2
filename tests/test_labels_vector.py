"""deepfeature:labelrasterfromvector on real data, checked against independent GDAL rasterizations."""

from __future__ import annotations

import contextlib
import shutil
import subprocess

import numpy as np
import pytest

from .helpers_labels import (
    agreement,
    gdal_rasterize,
    grid,
    leftovers,
    read,
    reproject_vector,
    sha256,
    shapely_features,
    write_vector,
)

pytestmark = pytest.mark.realdata
ALG = "labelrasterfromvector"


def run(run_alg, image, labels, output, **extra):
    params = {"INPUT": str(image), "LABELS": [str(p) for p in labels], "OUTPUT": str(output)}
    params.update(extra)
    return run_alg(ALG, params)


# ------------------------------------------------------------------------------------------------
# Real data
# ------------------------------------------------------------------------------------------------
def test_massachusetts_buildings_match_area_and_gdal(run_alg, massachusetts, tmp_path):
    import shapely
    from qgis.core import QgsRasterLayer

    from deepfeature.core.labelraster import read_info

    image, polygons = massachusetts
    before = sha256(image), sha256(polygons)
    out = tmp_path / "labels.tif"
    result = run(run_alg, image, [polygons], out, CLASS_FIELD="class")
    assert result["OUTPUT"] == str(out)
    info = read_info(out)
    assert info.classes == {1: "class 1"} and info.image_bands == 3 and info.ignore_value == 255
    data, source = read(out), read(image)
    assert data.shape == (4,) + source.shape[1:] and data.dtype == source.dtype
    assert np.array_equal(data[:3], source), "image bands must be copied unchanged"
    mask = data[3]
    assert set(np.unique(mask)) <= {0, 1}

    width, height, (left, bottom, right, top), _ = grid(image)
    geoms, _ = shapely_features(polygons)
    box = shapely.box(left, bottom, right, top)
    area_fraction = shapely.union_all(geoms).intersection(box).area / box.area
    mask_fraction = float((mask == 1).mean())
    assert area_fraction > 0.03
    assert abs(mask_fraction - area_fraction) <= 0.01 * area_fraction, (mask_fraction, area_fraction)

    reference = gdal_rasterize(polygons, image, tmp_path / "gdal.tif", burn=1)
    assert agreement(mask, reference) >= 0.99
    assert before == (sha256(image), sha256(polygons))
    layer = QgsRasterLayer(str(out), "labels")
    assert layer.isValid() and layer.bandCount() == 4
    assert layer.bandName(4).endswith("mask")


def test_spacenet_labels_reprojected_and_nodata_ignored(run_alg, spacenet, tmp_path):
    image, polygons = spacenet
    out = tmp_path / "labels.tif"
    run(run_alg, image, [polygons], out)
    data, source = read(out), read(image)
    assert data.dtype == np.int16 and data.shape[0] == 5
    assert np.array_equal(data[:4], source)
    mask = data[4]
    nodata = (source == 0).any(axis=0)
    assert nodata.sum() > 0
    assert np.array_equal(mask == 255, nodata), "image NoData pixels (and only they) must be ignore"

    projected = reproject_vector(polygons, tmp_path / "labels_3857.gpkg", 3857)
    reference = gdal_rasterize(projected, image, tmp_path / "gdal.tif", burn=1)
    assert reference[~nodata].sum() > 1000
    assert agreement(mask, reference, where=~nodata) >= 0.99
    # labels landed where the independent reprojection puts them (not just "mostly background")
    buildings = reference == 1
    assert ((mask == 1) & buildings & ~nodata).sum() >= 0.95 * (buildings & ~nodata).sum()

    import rasterio

    with rasterio.open(out) as src:
        assert src.nodata is None  # NoData lives in the internal mask, not as a value
        assert np.array_equal(src.dataset_mask() == 0, nodata)


@pytest.mark.parametrize("scene", [0, 1])
def test_bakerlake_class_field_four_classes_and_ignore(run_alg, bakerlake, tmp_path, scene):
    from deepfeature.core.labelraster import read_info

    scenes, polygons = bakerlake
    image = scenes[scene]
    out = tmp_path / "labels.tif"
    run(run_alg, image, [polygons], out, CLASS_FIELD="Quatreclasses", IGNORE_VALUE=255)
    info = read_info(out)
    assert sorted(info.classes) == [1, 2, 3, 4]
    mask = read(out)[3]
    assert read(out).shape[1:] == read(image).shape[1:]
    assert set(np.unique(mask)) <= {0, 1, 2, 3, 4, 255}
    # independent reference: gdal_rasterize the field with the ignore features burnt last
    sql = "SELECT * FROM BakerLake_2017 ORDER BY (Quatreclasses = '255')"
    reference = gdal_rasterize(polygons, image, tmp_path / "gdal.tif", attribute="Quatreclasses", sql=sql)
    assert agreement(mask, reference) >= 0.99
    assert len(set(np.unique(mask)) - {0, 255}) >= 2
    assert np.array_equal(mask == 255, reference == 255) or agreement(mask == 255, reference == 255) > 0.995


def test_points_and_lines_burn_all_touched_after_polygons(run_alg, massachusetts, tmp_path):
    import rasterio
    import shapely

    image, polygons = massachusetts
    geoms, _ = shapely_features(polygons)
    _, _, _, crs = grid(image)
    centroids = [g.centroid for g in geoms]
    boundaries = [g.boundary for g in geoms]
    points = write_vector(tmp_path / "points.gpkg", centroids, crs)
    lines = write_vector(tmp_path / "lines.gpkg", boundaries, crs)

    # points listed first (class 1) but burnt after polygons (class 2): burn order, not layer order
    out = tmp_path / "points_polygons.tif"
    run(run_alg, image, [points, polygons], out)
    mask = read(out)[3]
    with rasterio.open(image) as src:
        inside = [p for p in centroids if shapely.contains_xy(shapely.box(*src.bounds), p.x, p.y)]
        cells = {src.index(p.x, p.y) for p in inside}
    assert len(cells) > 300
    assert all(mask[r, c] == 1 for r, c in cells)
    assert (mask == 1).sum() == len(cells)  # a point burns exactly its pixel
    assert (mask == 2).sum() > 10 * len(cells)

    # lines: every touched pixel, as gdal_rasterize -at
    out = tmp_path / "lines.tif"
    run(run_alg, image, [lines], out)
    mask = read(out)[3]
    reference = gdal_rasterize(lines, image, tmp_path / "gdal_lines.tif", burn=1, all_touched=True)
    assert (reference == 1).sum() > 1000
    assert agreement(mask == 1, reference == 1) >= 0.999
    pixel_centres = gdal_rasterize(lines, image, tmp_path / "gdal_lines_c.tif", burn=1)
    assert (mask == 1).sum() > (pixel_centres == 1).sum()  # all-touched burns more than centres


def test_aoi_outside_is_ignore_and_z_invalid_geometries(run_alg, bakerlake, tmp_path):
    import shapely

    scenes, polygons = bakerlake
    image = scenes[0]
    width, height, (left, bottom, right, top), crs = grid(image)
    middle = (left + right) / 2
    aoi = write_vector(tmp_path / "aoi.gpkg", [shapely.box(left - 10, bottom - 10, middle, top + 10)], crs)
    # a 3D polygon and a self-intersecting "bow tie" polygon
    x0, y0 = left + 20, top - 20
    bowtie = shapely.from_wkt("POLYGON (({a} {b}, {c} {d}, {c} {b}, {a} {d}, {a} {b}))".format(
        a=x0, b=y0, c=x0 + 30, d=y0 - 30))
    assert not bowtie.is_valid
    solid = shapely.force_3d(shapely.box(x0, y0 - 80, x0 + 40, y0 - 50), 12.5)
    labels = write_vector(tmp_path / "odd.gpkg", [bowtie, solid], crs)
    out = tmp_path / "labels.tif"
    run(run_alg, image, [labels], out, AOI=str(aoi))
    mask = read(out)[3]
    half = width // 2
    assert (mask[:, half + 1:] == 255).all()
    assert (mask[:, : half - 1] != 255).all()
    reference = gdal_rasterize(labels, image, tmp_path / "gdal.tif", burn=1)
    assert agreement(mask[:, : half - 1], reference[:, : half - 1]) >= 0.99
    assert (mask == 1).sum() > 1000  # both odd polygons were burnt


# ------------------------------------------------------------------------------------------------
# Bad inputs: clear error, nothing written, inputs untouched
# ------------------------------------------------------------------------------------------------
@contextlib.contextmanager
def immutable(folder):
    """A folder nobody (not even root) can write to."""
    folder.chmod(0o555)
    changed = False
    try:
        import os

        if os.access(folder, os.W_OK) and shutil.which("chattr"):
            changed = subprocess.run(["chattr", "+i", str(folder)], capture_output=True).returncode == 0
        yield folder
    finally:
        if changed:
            subprocess.run(["chattr", "-i", str(folder)], capture_output=True)
        folder.chmod(0o755)


def _bad_case(name, tmp_path, massachusetts, spacenet):
    """(image, labels, extra params, output, expected message) for one bad input."""
    from osgeo import ogr

    image, polygons = massachusetts
    _, _, _, crs = grid(image)
    geoms, _ = shapely_features(polygons)
    out = tmp_path / "out" / "labels.tif"
    out.parent.mkdir()
    extra = {}
    if name == "no_overlap":
        return image, [spacenet[1]], extra, out, "overlap"
    if name == "empty_layer":
        labels = write_vector(tmp_path / "empty.gpkg", [], crs, geometry_type=ogr.wkbPolygon)
        return image, [labels], extra, out, "no features"
    if name.startswith("value_"):
        bad = {"value_negative": (ogr.OFTInteger, -3), "value_too_large": (ogr.OFTInteger, 300),
               "value_null": (ogr.OFTInteger, None), "value_fraction": (ogr.OFTReal, 1.5)}[name]
        values = [1] * 9 + [bad[1]]
        labels = write_vector(tmp_path / "bad.gpkg", geoms[:10], crs, fields={"cls": (bad[0], values)})
        extra["CLASS_FIELD"] = "cls"
        expected = {"value_negative": "-3", "value_too_large": "300", "value_null": "NULL",
                    "value_fraction": "whole number"}[name]
        return image, [labels], extra, out, expected
    if name == "raster_without_crs":
        import rasterio

        no_crs = tmp_path / "no_crs.tif"
        with rasterio.open(image) as src:
            profile = dict(src.profile, crs=None)
            profile.pop("crs")
            with rasterio.open(no_crs, "w", **profile) as dst:
                dst.write(src.read())
        return no_crs, [polygons], extra, out, "coordinate reference system"
    if name == "output_is_input":
        copy = tmp_path / "out" / "image.tif"
        shutil.copy(image, copy)
        return copy, [polygons], extra, copy, "input"
    if name == "unwritable_folder":
        return image, [polygons], extra, out, "writ"
    if name == "table_without_geometry":
        table = write_vector(tmp_path / "table.gpkg", None, crs, geometry_type=ogr.wkbNone,
                             fields={"cls": (ogr.OFTInteger, [1, 2])})
        return image, [table], extra, out, "point, line or polygon"
    raise AssertionError(name)


BAD = ["no_overlap", "empty_layer", "value_negative", "value_too_large", "value_null", "value_fraction",
       "raster_without_crs", "output_is_input", "unwritable_folder", "table_without_geometry"]


@pytest.mark.parametrize("name", BAD)
def test_bad_inputs_fail_clearly_and_leave_nothing(run_alg, massachusetts, spacenet, tmp_path, name):
    from qgis.core import QgsProcessingException

    image, labels, extra, out, expected = _bad_case(name, tmp_path, massachusetts, spacenet)
    inputs = [image] + list(labels)
    hashes = [sha256(p) for p in inputs]
    before = leftovers(out.parent)
    context = immutable(out.parent) if name == "unwritable_folder" else contextlib.nullcontext()
    with context, pytest.raises(QgsProcessingException) as error:
        run(run_alg, image, labels, out, **extra)
    message = str(error.value)
    assert expected.lower() in message.lower(), message
    assert leftovers(out.parent) == before, "no output or partial file may be left behind"
    assert [sha256(p) for p in inputs] == hashes


# ------------------------------------------------------------------------------------------------
# Core: class decisions, cancel
# ------------------------------------------------------------------------------------------------
def test_resolve_classes_rules():
    from deepfeature.core.errors import LabelError
    from deepfeature.core.labels import LabelLayer, resolve_classes

    w = [b"x"] * 3
    by_layers = resolve_classes([LabelLayer("roads", "line", w[:1]), LabelLayer("houses", "polygon", w[:2])])
    assert by_layers.classes == {1: "roads", 2: "houses"} and by_layers.burn_values == [[1], [2, 2]]
    text = resolve_classes([LabelLayer("a", "polygon", w, ["water", "255", "forest"])], 255)
    assert text.classes == {1: "forest", 2: "water"} and text.burn_values == [[2, 255, 1]]
    numeric_text = resolve_classes([LabelLayer("a", "polygon", w, ["4", "1", "255"])], 255)
    assert numeric_text.classes == {1: "class 1", 4: "class 4"} and numeric_text.burn_values == [[4, 1, 255]]
    floats = resolve_classes([LabelLayer("a", "polygon", w, [2.0, 0, 7])], 7)
    assert floats.classes == {2: "class 2"} and floats.burn_values == [[2, 0, 7]]
    for bad in ([1, None, 2], [1, -1, 2], [1, 255, 2], [1, 2.5, 3], [1, "x", 2]):
        with pytest.raises(LabelError):
            resolve_classes([LabelLayer("a", "polygon", w, bad)], 100)
    with pytest.raises(LabelError, match="no features"):
        resolve_classes([LabelLayer("a", "polygon", [])])


def test_cancel_leaves_no_output(massachusetts, tmp_path):
    from osgeo import ogr

    from deepfeature.core.errors import CanceledError
    from deepfeature.core.labels import LabelLayer, build_label_raster_from_shapes
    from deepfeature.core.progress import RecordingProgress

    image, polygons = massachusetts
    ds = ogr.Open(str(polygons))
    wkb = [bytes(f.GetGeometryRef().ExportToWkb()) for f in ds.GetLayer(0)]
    rec = RecordingProgress(cancel_after=1)
    with pytest.raises(CanceledError):
        build_label_raster_from_shapes(image, tmp_path / "x.tif", [LabelLayer("b", "polygon", wkb)],
                                       progress=rec)
    assert list(tmp_path.iterdir()) == []
    assert rec.fractions and rec.fractions[0] < 1


def test_output_loads_with_paletted_mask_band(run_alg, bakerlake, tmp_path):
    from qgis.core import (
        QgsPalettedRasterRenderer,
        QgsProcessingContext,
        QgsProcessingFeedback,
        QgsProject,
        QgsRasterLayer,
    )

    scenes, polygons = bakerlake
    out = tmp_path / "labels.tif"
    context = QgsProcessingContext()
    context.setProject(QgsProject.instance())
    context.addLayerToLoadOnCompletion(
        str(out), QgsProcessingContext.LayerDetails("labels", QgsProject.instance(), "OUTPUT")
    )
    run_alg(ALG, {"INPUT": str(scenes[0]), "LABELS": [str(polygons)], "CLASS_FIELD": "Quatreclasses",
                  "OUTPUT": str(out)}, context=context)
    details = context.layerToLoadOnCompletionDetails(str(out))
    assert details.postProcessor() is not None and details.name
    layer = QgsRasterLayer(str(out), "labels")
    details.postProcessor().postProcessLayer(layer, context, QgsProcessingFeedback())
    renderer = layer.renderer()
    assert isinstance(renderer, QgsPalettedRasterRenderer)
    assert renderer.band() == 4
    values = {c.value: c.label for c in renderer.classes()}
    assert values[255] == "ignore" and {1, 2, 3, 4} <= set(values)
