"""Label geometries for burning: WKB read into 2D, valid shapely geometries of one kind, sorted into
burn passes (polygons, lines, points, then the features marked "ignore"), and the area of interest."""

from __future__ import annotations

from typing import Sequence

from ..errors import LabelError
from ..files import raster_envelope
from ..progress import Progress
from .classes import GEOMETRY_KINDS, ClassResolution

# shapely geometry type ids per kind (point, linestring, linearring, polygon, multi*, collection = 7)
_KIND_TYPES = {"point": (0, 4), "line": (1, 2, 5), "polygon": (3, 6)}
_KIND_DIMENSION = {"point": 0, "line": 1, "polygon": 2}


def parse_wkb(wkb: Sequence[bytes], what: str, with_source: bool = False):
    """Shapely geometries from WKB, 2D and made valid. ``with_source``: also return the WKB as an object
    array and a boolean array of the geometries that were changed (Z dropped or repaired)."""
    import numpy as np
    import shapely

    array = np.empty(len(wkb), dtype=object)
    plain = all(isinstance(w, bytes) for w in wkb)
    array[:] = wkb if plain else [None if w is None else bytes(w) for w in wkb]
    try:
        geoms = shapely.from_wkb(array, on_invalid="raise")
    except (shapely.errors.GEOSException, ValueError, TypeError) as exc:
        raise LabelError("A geometry of {} cannot be read ({}).".format(what, exc)) from exc
    with_z = shapely.has_z(geoms)
    if with_z.any():
        geoms[with_z] = shapely.force_2d(geoms[with_z])
    present = ~shapely.is_missing(geoms)
    invalid = present & ~shapely.is_valid(geoms)
    if invalid.any():
        geoms[invalid] = shapely.make_valid(geoms[invalid])
    if with_source:
        return geoms, array, with_z | invalid
    return geoms


def of_kind(geoms, values, kind: str):
    """Keep the parts of ``geoms`` that are of ``kind`` (collections from make_valid are split)."""
    import numpy as np
    import shapely

    types = shapely.get_type_id(geoms)
    ok = np.isin(types, _KIND_TYPES[kind]) & ~shapely.is_empty(geoms)
    mixed = np.flatnonzero(types == 7)
    if not len(mixed):
        return geoms[ok], values[ok]
    parts, index = shapely.get_parts(geoms[mixed], return_index=True)
    keep = (shapely.get_dimensions(parts) == _KIND_DIMENSION[kind]) & ~shapely.is_empty(parts)
    # preserve feature order: sort by original position
    order = np.concatenate([np.flatnonzero(ok), mixed[index[keep]]])
    all_geoms = np.concatenate([geoms[ok], parts[keep]])
    sort = np.argsort(order, kind="stable")
    return all_geoms[sort], np.concatenate([values[ok], values[mixed[index[keep]]]])[sort]


def burn_passes(layers, resolution: ClassResolution, src, image_path, ignore_value: int, progress: Progress):
    """Parse, repair and sort the label geometries into burn passes.

    Returns ``([(kind, geometries, burn values, WKB or None)], feature count)`` in burn order:
    polygons, lines, points, then the features whose value is the ignore value (same kind order). The
    WKB is the given one when no geometry of the pass was changed (else None: shapely's is burnt).
    Features whose envelope misses the image are dropped; a layer with none left is reported with a
    warning.
    """
    import numpy as np
    import shapely

    left, bottom, right, top = raster_envelope(src)
    by_kind: dict[str, list] = {kind: [] for kind in GEOMETRY_KINDS}
    total = read = 0
    extents, missing = [], []
    for layer, burn in zip(layers, resolution.burn_values):
        progress.check()
        if not layer.wkb:
            missing.append(layer.name)
            continue
        geoms, source, changed = parse_wkb(layer.wkb, "the layer '{}'".format(layer.name), True)
        values = np.asarray(burn, dtype=np.uint8)
        # the given WKB can be burnt as is when no geometry was changed, dropped or split
        same = not changed.any() and bool(np.isin(shapely.get_type_id(geoms),
                                                  _KIND_TYPES[layer.geometry_kind]).all())
        same = same and not shapely.is_empty(geoms).any()
        geoms, values = of_kind(geoms, values, layer.geometry_kind)
        if not len(geoms):
            raise LabelError(
                "The label layer '{}' has no usable {} geometries (all are empty or of another "
                "type).".format(layer.name, layer.geometry_kind)
            )
        read += len(geoms)
        bounds = shapely.bounds(geoms)
        extents.append(bounds)
        keep = ((bounds[:, 0] <= right) & (bounds[:, 2] >= left)
                & (bounds[:, 1] <= top) & (bounds[:, 3] >= bottom))
        if not keep.any():
            missing.append(layer.name)
            continue
        total += int(keep.sum())
        by_kind[layer.geometry_kind].append((geoms[keep], values[keep], source[keep] if same else None))
    if not total:
        bounds = np.concatenate(extents)
        raise LabelError(
            "None of the {} label features overlaps the image '{}'. The labels cover x {:.6g}..{:.6g}, "
            "y {:.6g}..{:.6g} and the image x {:.6g}..{:.6g}, y {:.6g}..{:.6g} (image CRS). Check that "
            "labels and image show the same place and that the layers' CRS are set "
            "correctly.".format(
                read, image_path, np.nanmin(bounds[:, 0]), np.nanmax(bounds[:, 2]),
                np.nanmin(bounds[:, 1]), np.nanmax(bounds[:, 3]), left, right, bottom, top
            )
        )
    for name in missing:
        progress.warning(
            "The label layer '{}' has no feature (with a geometry) that overlaps the image '{}'; it adds "
            "no labels. Check its extent and CRS if it should.".format(name, image_path)
        )
    passes = []
    for ignore_pass in (False, True):
        for kind in GEOMETRY_KINDS:
            if not by_kind[kind]:
                continue
            geoms = np.concatenate([g for g, _, _ in by_kind[kind]])
            values = np.concatenate([v for _, v, _ in by_kind[kind]])
            sources = [w for _, _, w in by_kind[kind]]
            wkb = np.concatenate(sources) if all(w is not None for w in sources) else None
            select = (values == ignore_value) if ignore_pass else (values != ignore_value)
            if select.any():
                passes.append((kind, geoms[select], values[select], None if wkb is None else wkb[select]))
    return passes, total


def aoi_polygons(aoi_wkb, image_box, image_path):
    """The area of interest as an array of (valid) polygons, checked to overlap the image."""
    import numpy as np
    import shapely

    aoi_geoms = parse_wkb(aoi_wkb, "the area of interest")
    aoi_geoms, _ = of_kind(aoi_geoms, np.ones(len(aoi_geoms), np.uint8), "polygon")
    if not len(aoi_geoms):
        raise LabelError(
            "The area of interest has no polygons. Choose a polygon layer that outlines the "
            "labelled area, or leave it empty."
        )
    if not shapely.intersects(aoi_geoms, image_box).any():
        raise LabelError(
            "The area of interest does not overlap the image '{}'. Check its extent and CRS, "
            "or leave it empty.".format(image_path)
        )
    return aoi_geoms
