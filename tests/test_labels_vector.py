"""deepfeature:labelrasterfromvector on real data, checked against independent GDAL rasterizations."""

from __future__ import annotations

import contextlib
import shutil
import subprocess
from pathlib import Path

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

ALG = "labelrasterfromvector"


def run(run_alg, image, labels, output, **extra):
    params = {"INPUT": str(image), "LABELS": [str(p) for p in labels], "OUTPUT": str(output)}
    params.update(extra)
    return run_alg(ALG, params)


# ------------------------------------------------------------------------------------------------
# Real data
# ------------------------------------------------------------------------------------------------
@pytest.mark.realdata
def test_massachusetts_buildings_match_area_and_gdal(run_alg, massachusetts, tmp_path):
    import shapely
    from qgis.core import QgsRasterLayer

    from deepfeature.core.label_format import read_info

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


@pytest.mark.realdata
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


@pytest.mark.realdata
@pytest.mark.parametrize("scene", [0, 1])
def test_bakerlake_class_field_four_classes_and_ignore(run_alg, bakerlake, tmp_path, scene):
    from deepfeature.core.label_format import read_info

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


@pytest.mark.realdata
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


@pytest.mark.realdata
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


@pytest.mark.realdata
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
    # Layers named alike (two files 'buildings.gpkg') still give classes with different names.
    twins = resolve_classes([LabelLayer("buildings", "polygon", w), LabelLayer("roads", "line", w),
                             LabelLayer("buildings", "polygon", w)])
    assert twins.classes == {1: "buildings", 2: "roads", 3: "buildings (2)"}
    # Three layers cannot use 3 as the ignore value: the message names the fix.
    with pytest.raises(LabelError, match="Choose an ignore value above 3"):
        resolve_classes([LabelLayer(n, "polygon", w) for n in "abc"], 3)


@pytest.mark.realdata
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


@pytest.mark.realdata
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


# ------------------------------------------------------------------------------------------------
# Label layers without features over the image: warn, fail only when no label overlaps
# ------------------------------------------------------------------------------------------------
def _recording_feedback():
    from qgis.core import QgsProcessingFeedback

    class Recording(QgsProcessingFeedback):
        def __init__(self):
            super().__init__()
            self.warnings = []

        def reportError(self, error, fatalError=False):  # noqa: N802, N803 - QGIS API
            self.warnings.append(error)
            super().reportError(error, fatalError)

        def pushWarning(self, warning):  # noqa: N802 - QGIS API
            self.warnings.append(warning)
            super().pushWarning(warning)

    return Recording()


@pytest.mark.realdata
def test_layer_outside_image_is_skipped_with_warning(run_alg, massachusetts, spacenet, tmp_path):
    from deepfeature.core.label_format import read_info

    image, polygons = massachusetts
    far = spacenet[1]  # SpaceNet buildings: another continent
    hashes = [sha256(p) for p in (image, polygons, far)]
    out = tmp_path / "labels.tif"
    feedback = _recording_feedback()
    result = run_alg(ALG, {"INPUT": str(image), "LABELS": [str(polygons), str(far)], "OUTPUT": str(out)},
                     feedback=feedback)
    assert result["OUTPUT"] == str(out) and out.exists()
    info = read_info(out)
    assert sorted(info.classes) == [1, 2]  # layer order still gives the classes
    assert "Buildings" in info.classes[2]
    warnings = [w for w in feedback.warnings if "adds no labels" in w]
    assert len(warnings) == 1 and "Buildings" in warnings[0], feedback.warnings
    mask = read(out)[3]
    assert set(np.unique(mask)) <= {0, 1}
    reference = gdal_rasterize(polygons, image, tmp_path / "gdal.tif", burn=1)
    assert (reference == 1).sum() > 10000
    assert agreement(mask, reference) >= 0.99
    assert [sha256(p) for p in (image, polygons, far)] == hashes


@pytest.mark.realdata
def test_no_layer_overlapping_fails(run_alg, massachusetts, spacenet, tmp_path):
    from qgis.core import QgsProcessingException

    image, _ = massachusetts
    far = spacenet[1]
    projected = reproject_vector(far, tmp_path / "far_3857.gpkg", 3857)
    out = tmp_path / "out" / "labels.tif"
    out.parent.mkdir()
    with pytest.raises(QgsProcessingException) as error:
        run_alg(ALG, {"INPUT": str(image), "LABELS": [str(far), str(projected)], "OUTPUT": str(out)})
    assert "overlap" in str(error.value)
    assert leftovers(out.parent) == []


@pytest.mark.realdata
def test_core_layer_outside_or_empty_warns(massachusetts, tmp_path):
    import shapely

    from deepfeature.core.errors import LabelError
    from deepfeature.core.labels import LabelLayer, build_label_raster_from_shapes
    from deepfeature.core.progress import RecordingProgress

    image, polygons = massachusetts
    geoms, _ = shapely_features(polygons)
    near = [g.wkb for g in geoms]
    far = [shapely.affinity.translate(g, 1e6, 1e6).wkb for g in geoms]
    rec = RecordingProgress()
    result = build_label_raster_from_shapes(
        image, tmp_path / "a.tif",
        [LabelLayer("empty", "point", []), LabelLayer("near", "polygon", near),
         LabelLayer("far", "polygon", far)],
        progress=rec,
    )
    assert result.classes == {1: "empty", 2: "near", 3: "far"}
    assert result.pixel_counts[2] > 10000 and result.pixel_counts[1] == result.pixel_counts[3] == 0
    warnings = [m for m in rec.messages if "adds no labels" in m]
    assert len(warnings) == 2 and "'empty'" in warnings[0] and "'far'" in warnings[1]
    with pytest.raises(LabelError, match="overlaps"):
        build_label_raster_from_shapes(image, tmp_path / "b.tif",
                                       [LabelLayer("far", "polygon", far), LabelLayer("empty", "point", [])])
    with pytest.raises(LabelError, match="no features"):
        build_label_raster_from_shapes(image, tmp_path / "c.tif",
                                       [LabelLayer("e1", "polygon", []), LabelLayer("e2", "point", [])])
    assert leftovers(tmp_path) == ["a.tif"]


# ------------------------------------------------------------------------------------------------
# GDAL (osgeo) burning and the rasterio fallback give the same label raster
# ------------------------------------------------------------------------------------------------
def _generated_image(path, dtype, nodata):
    """A 2-band 900 x 1100 image with textured values and a NoData / NaN patch."""
    import rasterio
    from rasterio.transform import from_origin

    yy, xx = np.mgrid[0:900, 0:1100]
    base = (np.sin(xx / 37.0) + np.cos(yy / 23.0)) * 40
    data = np.stack([base + 60, 50 - base]).astype(dtype)
    if nodata is not None:
        data[1, 300:420, 100:900] = nodata
    elif np.dtype(dtype).kind == "f":
        data[0, 500:560, 200:700] = np.nan
    with rasterio.open(path, "w", driver="GTiff", width=1100, height=900, count=2, dtype=dtype, nodata=nodata,
                       crs="EPSG:32633", transform=from_origin(500000, 5000000, 0.5, 0.5)) as dst:
        dst.write(data)
    return path


def _both_paths(monkeypatch, tmp_path, image, layers, aoi=None, copy_image=True):
    import rasterio

    from deepfeature.core.labels import burner, from_vector
    from deepfeature.core.progress import RecordingProgress

    outputs, ran = {}, []

    def spy(name):
        function = getattr(from_vector, name)

        def wrapper(*args, **kwargs):
            ran.append(name)
            return function(*args, **kwargs)

        return wrapper

    for path_kind in ("gdal", "rasterio"):
        with monkeypatch.context() as patch:
            if path_kind == "rasterio":
                patch.setattr(from_vector, "osgeo_bindings", lambda: None)
            else:  # strips of one tile row (256 rows): several strips even on these small images
                patch.setattr(burner, "RASTERIZE_STRIP_BYTES", 1)
            patch.setattr(from_vector, "write_with_gdal", spy("write_with_gdal"))
            patch.setattr(from_vector, "write_label_raster", spy("write_label_raster"))
            out = tmp_path / "{}_{}.tif".format(path_kind, Path(image).stem)
            rec = RecordingProgress()
            result = from_vector.build_label_raster_from_shapes(image, out, layers, aoi,
                                                                copy_image=copy_image, progress=rec)
            assert rec.fractions == sorted(rec.fractions) and rec.fractions[-1] == 1.0, rec.fractions
        with rasterio.open(out) as src:
            outputs[path_kind] = dict(data=src.read(), valid=src.dataset_mask(), tags=src.tags(),
                                      descriptions=src.descriptions, interp=src.colorinterp,
                                      interleave=src.profile.get("interleave"), dtype=src.dtypes[0],
                                      result=result)
    assert ran == ["write_with_gdal", "write_label_raster"]  # both paths really ran
    return outputs["gdal"], outputs["rasterio"]


@pytest.mark.parametrize("case", ["massachusetts_kinds_aoi", "massachusetts_mask_only", "spacenet_nodata",
                                  "int8_nodata", "float_nan", "uint8_no_nodata", "uint8_no_nodata_mask"])
@pytest.mark.realdata
def test_gdal_and_rasterio_paths_agree(monkeypatch, massachusetts, spacenet, tmp_path, case):
    import rasterio
    import shapely

    from deepfeature.core.labels import LabelLayer

    aoi, copy_image = None, not case.endswith("mask_only") and not case.endswith("_mask")
    if case.startswith("massachusetts"):
        image, polygons = massachusetts
        geoms, _ = shapely_features(polygons)
        layers = [LabelLayer("points", "point", [g.centroid.wkb for g in geoms]),
                  LabelLayer("polygons", "polygon", [g.wkb for g in geoms]),
                  LabelLayer("lines", "line", [g.boundary.wkb for g in geoms[::3]])]
        if case.endswith("aoi"):
            with rasterio.open(image) as src:
                left, bottom, right, top = src.bounds
            aoi = [shapely.box(left - 5, bottom - 5, (left + right) / 2, top + 5).wkb]
    elif case == "spacenet_nodata":
        image = spacenet[0]
        projected = reproject_vector(spacenet[1], tmp_path / "sn_3857.gpkg", 3857)
        geoms, _ = shapely_features(projected)
        layers = [LabelLayer("buildings", "polygon", [g.wkb for g in geoms])]
    else:
        dtype, nodata = {"int8_nodata": ("int8", -1), "float_nan": ("float32", None),
                         "uint8_no_nodata": ("uint8", None), "uint8_no_nodata_mask": ("uint8", None)}[case]
        image = _generated_image(tmp_path / "image.tif", dtype, nodata)
        boxes = [shapely.box(500000 + x, 5000000 - y - 12, 500000 + x + 20, 5000000 - y)
                 for x in range(0, 550, 43) for y in range(0, 450, 37)]
        values = [1 + i % 3 for i in range(len(boxes))]
        values[5] = 255  # one 'ignore' feature
        layers = [LabelLayer("boxes", "polygon", [b.wkb for b in boxes], values)]
    gdal_out, rio_out = _both_paths(monkeypatch, tmp_path, image, layers, aoi, copy_image)
    if copy_image:
        assert gdal_out["interleave"] == "band" and rio_out["interleave"] == "pixel"
    assert gdal_out["dtype"] == rio_out["dtype"]
    assert np.array_equal(gdal_out["data"], rio_out["data"], equal_nan=True)
    assert np.array_equal(gdal_out["valid"], rio_out["valid"])
    for key in ("tags", "descriptions", "interp"):
        assert gdal_out[key] == rio_out[key], key
    a, b = gdal_out["result"], rio_out["result"]
    assert (a.pixel_counts, a.ignore_count, a.background_count) == (b.pixel_counts, b.ignore_count,
                                                                     b.background_count)
    mask = gdal_out["data"][-1]
    assert sum(a.pixel_counts.values()) > 1000 and a.pixel_counts == {
        cid: int((mask == cid).sum()) for cid in a.pixel_counts}
    if copy_image:
        with rasterio.open(image) as src:
            source = src.read()
        assert np.array_equal(gdal_out["data"][:-1], source.astype(gdal_out["dtype"]), equal_nan=True)
    if case in ("spacenet_nodata", "int8_nodata", "float_nan"):
        assert (gdal_out["valid"] == 0).sum() > 1000 and (mask[gdal_out["valid"] == 0] == 255).all()


@pytest.mark.parametrize("bands, expected", [
    ("red green blue red", "red green blue undefined"),  # gdal_translate -b 1 -b 2 -b 3 -b 1
    ("red green blue gray alpha", "red green blue undefined alpha"),
    ("red green blue", "red green blue"),
    ("red green blue alpha", "red green blue alpha"),
    ("gray alpha", "gray alpha"),
    ("palette red green", "gray red green"),
])
def test_label_raster_colour_interpretation_reads_without_warning(monkeypatch, caplog, tmp_path, bands,
                                                                  expected):
    """Bands after red, green, blue must be alpha or undefined in the GeoTIFF: GDAL writes a 4th band
    tagged red (or gray, NIR, ...) with an ExtraSamples count that libtiff warns about on every read."""
    import logging

    import rasterio
    import shapely
    from osgeo import gdal
    from rasterio.enums import ColorInterp
    from rasterio.transform import from_origin

    from deepfeature.core.labels import LabelLayer

    interps = [ColorInterp[name] for name in bands.split()]
    data = np.stack([np.arange(300 * 260, dtype=np.uint8).reshape(300, 260) + 40 * i
                     for i in range(len(interps))])
    image = tmp_path / "image.tif"
    with rasterio.open(image, "w", driver="GTiff", width=260, height=300, count=len(interps), dtype="uint8",
                       crs="EPSG:32633", transform=from_origin(500000, 5000000, 0.5, 0.5)) as dst:
        if interps[0] == ColorInterp.palette:
            dst.write_colormap(1, {0: (0, 0, 0, 255), 255: (255, 255, 255, 255)})
        dst.colorinterp = interps  # before the data: GDAL ignores a late alpha
        dst.write(data)
    with rasterio.open(image) as src:
        assert src.colorinterp == tuple(interps)
    boxes = [shapely.box(500000 + x, 5000000 - 40 - x, 500000 + x + 20, 5000000 - x) for x in (10, 50, 90)]
    layers = [LabelLayer("boxes", "polygon", [b.wkb for b in boxes])]
    gdal_out, rio_out = _both_paths(monkeypatch, tmp_path, image, layers)
    for key in ("tags", "descriptions", "interp"):
        assert gdal_out[key] == rio_out[key], key
    assert np.array_equal(gdal_out["data"][:-1], data) and np.array_equal(rio_out["data"][:-1], data)
    messages = []
    gdal.PushErrorHandler(lambda _cls, _no, text: messages.append(text))
    try:
        for kind in ("gdal", "rasterio"):
            dataset = gdal.Open(str(tmp_path / "{}_image.tif".format(kind)))
            assert dataset.RasterCount == len(interps) + 1
            dataset = None
    finally:
        gdal.PopErrorHandler()
    assert messages == []
    caplog.clear()  # reading the input image warns
    with caplog.at_level(logging.DEBUG, logger="rasterio"):  # rasterio's own GDAL and libtiff
        for kind in ("gdal", "rasterio"):
            with rasterio.open(tmp_path / "{}_image.tif".format(kind)) as src:
                src.read(1, window=((0, 1), (0, 1)))
    assert not [r for r in caplog.records if "ExtraSamples" in r.getMessage()]
    assert [c.name for c in gdal_out["interp"]] == expected.split() + ["undefined"]


@pytest.mark.realdata
@pytest.mark.parametrize("copy_image", [True, False])
def test_cancel_at_any_point_leaves_no_output(bakerlake, tmp_path, copy_image):
    """Cancel after the 1st, 2nd, ... progress report (inside GDAL's rasterizer and the copy too): every
    report but the last is followed by a cancel check, and a canceled run leaves nothing behind."""
    from deepfeature.core.errors import CanceledError
    from deepfeature.core.labels import LabelLayer, build_label_raster_from_shapes
    from deepfeature.core.progress import RecordingProgress

    scenes, polygons = bakerlake
    geoms, values = shapely_features(polygons, "Quatreclasses")
    layers = [LabelLayer("b", "polygon", [g.wkb for g in geoms], values)]
    full = RecordingProgress()
    build_label_raster_from_shapes(scenes[0], tmp_path / "full.tif", layers, copy_image=copy_image,
                                   progress=full)
    reports = len(full.fractions)
    assert reports >= 3 and full.fractions == sorted(full.fractions) and full.fractions[-1] == 1.0
    for after in range(1, reports + 1):
        folder = tmp_path / str(after)
        folder.mkdir()
        rec = RecordingProgress(cancel_after=after)
        if after < reports:
            with pytest.raises(CanceledError):
                build_label_raster_from_shapes(scenes[0], folder / "x.tif", layers, copy_image=copy_image,
                                               progress=rec)
            assert list(folder.iterdir()) == []
        else:
            build_label_raster_from_shapes(scenes[0], folder / "x.tif", layers, copy_image=copy_image,
                                           progress=rec)
            assert [p.name for p in folder.iterdir()] == ["x.tif"]


@pytest.mark.realdata
def test_gdal_path_with_osgeo_exceptions_enabled(bakerlake, tmp_path):
    """Another plugin may have called gdal.UseExceptions(): results, cancel and cleanup are the same."""
    from osgeo import gdal, ogr

    from deepfeature.core.errors import CanceledError
    from deepfeature.core.labels import LabelLayer, build_label_raster_from_shapes
    from deepfeature.core.progress import RecordingProgress

    scenes, polygons = bakerlake
    geoms, values = shapely_features(polygons, "Quatreclasses")
    layers = [LabelLayer("b", "polygon", [g.wkb for g in geoms], values)]
    plain = build_label_raster_from_shapes(scenes[1], tmp_path / "plain.tif", layers)
    states = gdal.GetUseExceptions(), ogr.GetUseExceptions()
    gdal.UseExceptions()
    ogr.UseExceptions()
    try:
        (tmp_path / "exc").mkdir()
        with pytest.raises(CanceledError):
            build_label_raster_from_shapes(scenes[1], tmp_path / "exc" / "x.tif", layers,
                                           progress=RecordingProgress(cancel_after=4))
        assert list((tmp_path / "exc").iterdir()) == []
        result = build_label_raster_from_shapes(scenes[1], tmp_path / "exc" / "x.tif", layers)
    finally:  # in reverse order: osgeo keeps a stack of error handlers
        if not states[1]:
            ogr.DontUseExceptions()
        if not states[0]:
            gdal.DontUseExceptions()
    assert result.pixel_counts == plain.pixel_counts and len(result.pixel_counts) == 4
    assert np.array_equal(read(tmp_path / "exc" / "x.tif"), read(tmp_path / "plain.tif"))


def test_south_up_image_gives_the_flipped_labels(monkeypatch, tmp_path):
    """An image stored south-up (positive pixel height) is labelled like the same image stored north-up
    (its rows flipped), by both burn paths, from shapes (with an AOI) and from a classification raster;
    classify's EXTENT picks the same ground on both."""
    import rasterio
    import shapely
    from affine import Affine

    from deepfeature.core.inference import extent_window
    from deepfeature.core.labels import LabelLayer, build_label_raster_from_classification

    north = _generated_image(tmp_path / "north.tif", "uint8", None)
    with rasterio.open(north) as src:
        data, profile = src.read(), src.profile
    t = profile["transform"]
    profile.update(transform=Affine(t.a, 0, t.c, 0, -t.e, t.f + t.e * profile["height"]))
    south = tmp_path / "south.tif"
    with rasterio.open(south, "w", **profile) as dst:
        dst.write(data[:, ::-1, :])
    boxes = [shapely.box(500000 + x, 5000000 - y - 12, 500000 + x + 20, 5000000 - y)
             for x in range(0, 550, 43) for y in range(0, 450, 37)]
    layers = [LabelLayer("boxes", "polygon", [b.wkb for b in boxes], [1 + i % 3 for i in range(len(boxes))])]
    aoi = [shapely.box(500000, 4999800, 500400, 5000000).wkb]
    masks = {}
    for name, image in (("north", north), ("south", south)):
        (tmp_path / name).mkdir()
        gdal_out, rio_out = _both_paths(monkeypatch, tmp_path / name, image, layers, aoi)
        assert np.array_equal(gdal_out["data"], rio_out["data"])
        masks[name] = gdal_out["data"][-1]
    assert (masks["north"] == 1).sum() > 1000 and (masks["north"] == 255).sum() > 1000
    assert np.array_equal(masks["south"][::-1], masks["north"])
    # From a classification raster (north-up) onto the south-up image, and back.
    classification = tmp_path / "classes.tif"
    with rasterio.open(classification, "w", **dict(profile, count=1, transform=t)) as dst:
        dst.write(masks["north"][None])
    from_cls = {}
    for name, image in (("north", north), ("south", south)):
        out = tmp_path / "{}_from_classification.tif".format(name)
        build_label_raster_from_classification(image, classification, out, class_map="1=1;2=2;3=3")
        with rasterio.open(out) as src:
            from_cls[name] = src.read(src.count)
    assert (from_cls["north"] == 2).sum() > 1000
    assert np.array_equal(from_cls["south"][::-1], from_cls["north"])
    # EXTENT: the same ground, whatever the row order.
    extent = (500010.2, 4999850.3, 500120.7, 4999930.1)
    with rasterio.open(north) as n, rasterio.open(south) as s:
        c0, r0, w, h = extent_window(n, extent)
        assert (c0, w) == extent_window(s, extent)[::2] and h == extent_window(s, extent)[3]
        assert extent_window(s, extent)[1] == n.height - (r0 + h)


def test_class_names_from_tables_and_twin_layers(run_alg, tmp_path):
    """Tables of one GeoPackage opened by path are named after the table, not the file; two files named
    alike give distinct class names (with a warning); the same layer given twice is refused."""
    import shapely
    from osgeo import ogr, osr
    from qgis.core import QgsProcessingException

    from deepfeature.core.label_format import read_info

    image = _generated_image(tmp_path / "image.tif", "uint8", None)
    srs = osr.SpatialReference()
    srs.ImportFromEPSG(32633)
    multi = tmp_path / "multi.gpkg"
    ds = ogr.GetDriverByName("GPKG").CreateDataSource(str(multi))
    for table, x in (("houses", 0), ("sheds", 200)):
        layer = ds.CreateLayer(table, srs, ogr.wkbPolygon)
        feature = ogr.Feature(layer.GetLayerDefn())
        box = shapely.box(500010 + x, 4999800, 500060 + x, 4999850)
        feature.SetGeometry(ogr.CreateGeometryFromWkb(box.wkb))
        layer.CreateFeature(feature)
    ds = None
    out = tmp_path / "tables.tif"
    run_alg(ALG, {"INPUT": str(image), "OUTPUT": str(out),
                  "LABELS": [str(multi) + "|layername=houses", str(multi) + "|layername=sheds"]})
    assert read_info(out).classes == {1: "houses", 2: "sheds"}
    twins = []
    for folder, x in (("a", 0), ("b", 200)):
        (tmp_path / folder).mkdir()
        twins.append(write_vector(tmp_path / folder / "buildings.gpkg",
                                  [shapely.box(500010 + x, 4999700, 500060 + x, 4999750)],
                                  srs.ExportToWkt()))
    feedback = _recording_feedback()
    out = tmp_path / "twins.tif"
    run_alg(ALG, {"INPUT": str(image), "LABELS": [str(p) for p in twins], "OUTPUT": str(out)},
            feedback=feedback)
    assert read_info(out).classes == {1: "buildings", 2: "buildings (2)"}
    assert any("Several label layers are named 'buildings'" in w for w in feedback.warnings)
    with pytest.raises(QgsProcessingException, match="'buildings' is given twice"):
        run_alg(ALG, {"INPUT": str(image), "LABELS": [str(twins[0]), str(twins[0])],
                      "OUTPUT": str(tmp_path / "twice.tif")})
    assert not (tmp_path / "twice.tif").exists()
