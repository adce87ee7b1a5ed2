"""Helpers for the label raster tests: independent GDAL references, vector writing, file hashes."""

from __future__ import annotations

import hashlib
import subprocess
from pathlib import Path

import numpy as np


def sha256(path) -> str:
    """Hash of a file (inputs must stay byte-identical)."""
    return hashlib.sha256(Path(path).read_bytes()).hexdigest()


def grid(path):
    """(width, height, bounds, crs wkt) of a raster."""
    import rasterio

    with rasterio.open(path) as src:
        return src.width, src.height, tuple(src.bounds), src.crs.to_wkt()


def read(path):
    """All bands of a raster as an array."""
    import rasterio

    with rasterio.open(path) as src:
        return src.read()


def gdal_rasterize(vector, like, out, burn=None, attribute=None, all_touched=False, sql=None, layer=None):
    """Rasterize ``vector`` onto the grid of raster ``like`` with the gdal_rasterize CLI; return the array."""
    width, height, (left, bottom, right, top), _ = grid(like)
    cmd = ["gdal_rasterize", "-q", "-te", repr(left), repr(bottom), repr(right), repr(top),
           "-ts", str(width), str(height), "-ot", "Byte", "-init", "0"]
    cmd += ["-burn", str(burn)] if attribute is None else ["-a", attribute]
    if all_touched:
        cmd.append("-at")
    if sql:
        cmd += ["-sql", sql]
    if layer:
        cmd += ["-l", layer]
    subprocess.run(cmd + [str(vector), str(out)], check=True, capture_output=True)
    return read(out)[0]


def reproject_vector(vector, out, epsg: int):
    """ogr2ogr ``vector`` to EPSG ``epsg`` as a GeoPackage."""
    subprocess.run(["ogr2ogr", "-f", "GPKG", "-t_srs", "EPSG:{}".format(epsg), str(out), str(vector)],
                   check=True, capture_output=True)
    return Path(out)


def shapely_features(vector, field=None):
    """(geometries, values) of the first layer of a vector file, via osgeo.ogr."""
    import shapely
    from osgeo import ogr

    ds = ogr.Open(str(vector))
    layer = ds.GetLayer(0)
    geoms, values = [], []
    for feature in layer:
        geoms.append(shapely.from_wkb(bytes(feature.GetGeometryRef().ExportToWkb())))
        values.append(feature.GetField(field) if field else None)
    return geoms, values


def write_vector(path, geoms, crs_wkt, layer="labels", fields=None, geometry_type=None):
    """Write shapely geometries (and optional ``fields``: {name: (ogr type, values)}) to a GeoPackage."""
    from osgeo import ogr, osr

    srs = osr.SpatialReference()
    srs.ImportFromWkt(crs_wkt)
    srs.SetAxisMappingStrategy(osr.OAMS_TRADITIONAL_GIS_ORDER)
    ds = ogr.GetDriverByName("GPKG").CreateDataSource(str(path))
    lyr = ds.CreateLayer(layer, srs if geometry_type != ogr.wkbNone else None,
                         ogr.wkbUnknown if geometry_type is None else geometry_type)
    fields = fields or {}
    for name, (kind, _) in fields.items():
        lyr.CreateField(ogr.FieldDefn(name, kind))
    defn = lyr.GetLayerDefn()
    count = len(geoms) if geoms is not None else len(next(iter(fields.values()))[1])
    for i in range(count):
        feature = ogr.Feature(defn)
        if geoms is not None:
            feature.SetGeometry(ogr.CreateGeometryFromWkb(geoms[i].wkb))
        for name, (_, values) in fields.items():
            if values[i] is None:
                feature.SetFieldNull(name)
            else:
                feature.SetField(name, values[i])
        lyr.CreateFeature(feature)
    ds = None
    return Path(path)


def agreement(a, b, where=None) -> float:
    """Fraction of equal pixels (optionally only where ``where`` is true)."""
    equal = np.asarray(a) == np.asarray(b)
    if where is not None:
        equal = equal[where]
    return float(equal.mean())


def leftovers(folder, keep=()) -> list[str]:
    """Files in ``folder`` other than ``keep`` (partial outputs must not be left behind)."""
    return sorted(p.name for p in Path(folder).iterdir() if p.name not in set(keep))
