"""Training inputs written by the tests: synthetic scenes, label rasters of the real scenes, tiny configs."""

from __future__ import annotations

from pathlib import Path

import numpy as np

from deepfeature.core.label_format import label_tags
from deepfeature.core.normalization import Normalization
from deepfeature.core.training.sampling import LabelSource, PatchSampler, cell_size

#: A tiny depth-3 U-Net: trains in seconds on the CPU.
TINY = dict(patch_size=32, base_filters=4, depth=3)


def tiny_config(**kw):
    from deepfeature.core.training import TrainConfig

    base = dict(epochs=2, patches_per_epoch=32, patches_per_batch=8, workers=1, seed=3)
    base.update(kw)
    return TrainConfig(**base)


def write_label_raster(
    path, image, mask, classes=None, ignore=255, nodata=None, dtype=None, crs="EPSG:26986"
):
    """A label raster as the builders write it: tiled GeoTIFF, image bands + mask band, tags."""
    import rasterio
    from rasterio.transform import from_origin

    image = np.asarray(image)
    bands, h, w = image.shape
    dtype = dtype or image.dtype
    classes = classes or {1: "building"}
    profile = dict(
        driver="GTiff",
        width=w,
        height=h,
        count=bands + 1,
        dtype=dtype,
        crs=crs,
        transform=from_origin(230000.0, 900000.0, 1.0, 1.0),
        tiled=True,
        blockxsize=64,
        blockysize=64,
    )
    with rasterio.open(path, "w", **profile) as dst:
        dst.write(image.astype(dtype), list(range(1, bands + 1)))
        dst.write(np.asarray(mask).astype(dtype), bands + 1)
        dst.update_tags(**label_tags(classes, ignore, bands, nodata))
        dst.set_band_description(bands + 1, "mask")
    return str(path)


def synthetic_scene(h=160, w=160, seed=0, n_buildings=14):
    """A small realistic scene: textured ground, a road, bright rectangular roofs with shadows.

    Returns (image uint8 (3, h, w), mask uint8 (h, w)) with 1 = building.
    """
    rng = np.random.default_rng(seed)
    from scipy import ndimage

    ground = ndimage.gaussian_filter(rng.normal(0, 1, (h, w)), 3) * 18
    image = np.stack([90 + ground, 110 + ground * 1.2, 70 + ground * 0.8]).astype(np.float64)
    image += rng.normal(0, 4, image.shape)
    mask = np.zeros((h, w), np.uint8)
    road = slice(h // 2 - 3, h // 2 + 3)
    image[:, road, :] = np.array([128, 126, 122])[:, None, None] + rng.normal(0, 3, (3, 6, w))
    for _ in range(n_buildings):
        bh, bw = rng.integers(8, 20, 2)
        r, c = rng.integers(2, h - bh - 4), rng.integers(2, w - bw - 4)
        if abs(r + bh / 2 - h / 2) < bh / 2 + 5:
            continue
        tone = rng.uniform(170, 230)
        image[:, r + bh : r + bh + 3, c + 2 : c + bw + 2] *= 0.55  # shadow
        image[:, r : r + bh, c : c + bw] = tone + rng.normal(0, 5, (3, bh, bw))
        mask[r : r + bh, c : c + bw] = 1
    return np.clip(image, 0, 255).astype(np.uint8), mask


def burn_polygons(gpkg, shape, transform, field=None, crs_wkt=None):
    """Rasterize the polygons of a GeoPackage (read with osgeo.ogr) onto a grid: class values uint8."""
    from osgeo import ogr, osr
    from rasterio.features import rasterize
    from shapely import wkb

    ds = ogr.Open(str(gpkg))
    layer = ds.GetLayer(0)
    transform_geom = None
    if crs_wkt:
        target = osr.SpatialReference()
        target.ImportFromWkt(crs_wkt)
        target.SetAxisMappingStrategy(osr.OAMS_TRADITIONAL_GIS_ORDER)
        source = layer.GetSpatialRef()
        source.SetAxisMappingStrategy(osr.OAMS_TRADITIONAL_GIS_ORDER)
        if not source.IsSame(target):
            transform_geom = osr.CoordinateTransformation(source, target)
    shapes = []
    for feat in layer:
        geom = feat.GetGeometryRef()
        if geom is None:
            continue
        geom = geom.Clone()
        if transform_geom is not None:
            geom.Transform(transform_geom)
        value = int(feat.GetField(field)) if field else 1
        shapes.append((wkb.loads(bytes(geom.ExportToWkb())), value))
    # Burn 255 (ignore) last so it wins over classes it overlaps.
    shapes.sort(key=lambda s: s[1] == 255)
    return rasterize(shapes, out_shape=shape, transform=transform, fill=0, dtype="uint8")


def massachusetts_label_rasters(folder, massachusetts):
    """(training, validation) label rasters: upper two thirds / lower third of the Massachusetts tile."""
    import rasterio
    from rasterio.windows import Window

    image_path, gpkg = massachusetts
    folder = Path(folder)
    out = []
    with rasterio.open(image_path) as src:
        image = src.read()
        mask = burn_polygons(gpkg, (src.height, src.width), src.transform, crs_wkt=src.crs.to_wkt())
        cut = src.height * 2 // 3
        for name, rows in (("train", (0, cut)), ("val", (cut, src.height))):
            path = folder / "mass_{}.tif".format(name)
            win = Window(0, rows[0], src.width, rows[1] - rows[0])
            profile = dict(
                driver="GTiff",
                width=src.width,
                height=rows[1] - rows[0],
                count=4,
                dtype="uint8",
                crs=src.crs,
                transform=src.window_transform(win),
                tiled=True,
                blockxsize=256,
                blockysize=256,
            )
            with rasterio.open(path, "w", **profile) as dst:
                dst.write(image[:, rows[0] : rows[1]], [1, 2, 3])
                dst.write(mask[rows[0] : rows[1]], 4)
                dst.update_tags(**label_tags({1: "building"}, 255, 3, None))
            out.append(str(path))
    return out[0], out[1]


def bakerlake_label_rasters(folder, bakerlake):
    """One label raster per Baker Lake scene (4 classes, 255 = ignore)."""
    import rasterio

    scenes, gpkg = bakerlake
    classes = {1: "water", 2: "forest", 3: "road", 4: "building"}
    out = []
    for i, scene in enumerate(scenes):
        with rasterio.open(scene) as src:
            image = src.read()
            mask = burn_polygons(
                gpkg, (src.height, src.width), src.transform, "Quatreclasses", src.crs.to_wkt()
            )
            path = Path(folder) / "baker_{}.tif".format(i + 1)
            profile = dict(
                driver="GTiff",
                width=src.width,
                height=src.height,
                count=4,
                dtype="uint8",
                crs=src.crs,
                transform=src.transform,
                tiled=True,
                blockxsize=64,
                blockysize=64,
            )
            with rasterio.open(path, "w", **profile) as dst:
                dst.write(image[:3], [1, 2, 3])
                dst.write(mask, 4)
                dst.update_tags(**label_tags(classes, 255, 3, None))
        out.append(str(path))
    return out


def prepared(paths, patch=32, classes=("building",), bands=3, stats=True):
    """Sources + sampler + normalization as the training preparation makes them."""
    sources = [LabelSource(p, bands, classes) for p in paths]
    scans = [s.scan(cell_size(s.region), stats) for s in sources]
    norm = Normalization.from_moments(sum(r.sums for r in scans), sum(r.sumsq for r in scans),
                                      sum(r.valid for r in scans))
    for s in sources:
        s.set_normalization(norm)
    sampler = PatchSampler(sources, [r.counts for r in scans], [cell_size(s.region) for s in sources], patch)
    return sources, sampler, np.asarray(norm.mean), np.asarray(norm.std)
