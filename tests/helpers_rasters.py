"""Rasters written by the tests: activations, small label rasters, crops of real scenes, digests."""

from __future__ import annotations

import hashlib
from pathlib import Path

import numpy as np

#: Small tiles keep the tests fast (tiny depth-3 models: margin 23, stride 4).
TILE = 128
PIXEL = 0.5  # metres


def write_activation(path, bands, classes=None, nodata=-1.0, tagged=True):
    """A float32 activation raster in EPSG:3857 with 0.5 m pixels."""
    import rasterio
    from rasterio.transform import from_origin

    from deepfeature.core.activation_format import activation_tags

    bands = np.asarray(bands, dtype="float32")
    if bands.ndim == 2:
        bands = bands[None]
    with rasterio.open(path, "w", driver="GTiff", width=bands.shape[2], height=bands.shape[1],
                       count=bands.shape[0], dtype="float32", crs="EPSG:3857", nodata=nodata,
                       transform=from_origin(500000, 4000000, PIXEL, PIXEL)) as dst:
        dst.write(bands)
        if tagged:
            dst.update_tags(**activation_tags(classes or {i + 1: "c{}".format(i + 1)
                                                          for i in range(bands.shape[0])}))
    return path


def digest(path) -> str:
    return hashlib.sha256(Path(path).read_bytes()).hexdigest()


def burn_buildings(image, gpkg):
    """The building mask (uint8 0/1) of the Massachusetts tile, rasterized independently here."""
    import rasterio
    import rasterio.features
    from osgeo import ogr
    from shapely import wkb as swkb

    ds = ogr.Open(str(gpkg))
    layer = ds.GetLayer(0)
    shapes = [(swkb.loads(bytes(f.GetGeometryRef().ExportToWkb())), 1) for f in layer]
    with rasterio.open(image) as src:
        return rasterio.features.rasterize(shapes, out_shape=(src.height, src.width), transform=src.transform,
                                           dtype="uint8")


def write_crop(image, path, col, row, width, height):
    """Write a window of ``image`` to ``path`` (a GeoTIFF on the same grid); return its pixels."""
    import rasterio
    from rasterio.windows import Window

    with rasterio.open(image) as src:
        win = Window(col, row, width, height)
        profile = dict(src.profile, width=width, height=height, transform=src.window_transform(win))
        data = src.read(window=win)
    with rasterio.open(path, "w", **profile) as dst:
        dst.write(data)
    return data


def write_reference_raster(path, mask, classes, ignore=255):
    """A 2-band label raster (a constant image band and ``mask``) on the activation grid."""
    import rasterio
    from rasterio.transform import from_origin

    from deepfeature.core.label_format import label_tags

    img = np.full(mask.shape, 7, dtype="uint8")
    with rasterio.open(path, "w", driver="GTiff", width=mask.shape[1], height=mask.shape[0], count=2,
                       dtype="uint8", crs="EPSG:3857",
                       transform=from_origin(500000, 4000000, PIXEL, PIXEL)) as dst:
        dst.write(img, 1)
        dst.write(mask.astype("uint8"), 2)
        dst.update_tags(**label_tags(classes, ignore, 1, None))
    return path
