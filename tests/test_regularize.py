"""Regularized building outlines: pixel staircases of rotated buildings squared, their area kept."""

from __future__ import annotations

import numpy as np
import pytest
from scipy import ndimage

from .helpers_rasters import PIXEL, write_activation


def pixel_outline(true_polygon, noise=0.0, seed=0, size=200):
    """The outline GDAL's polygonize gives of ``true_polygon`` burnt into 0.5 m pixels; ``noise``: the
    share of boundary pixels flipped (a segmentation's ragged edge), the object kept whole."""
    import rasterio.features
    from affine import Affine
    from shapely.geometry import shape

    transform = Affine(PIXEL, 0, 0, 0, -PIXEL, size * PIXEL)
    mask = rasterio.features.rasterize([(true_polygon, 1)], out_shape=(size, size), transform=transform,
                                       dtype="uint8")
    if noise:
        rng = np.random.default_rng(seed)
        edge = mask.astype(bool) & ~ndimage.binary_erosion(mask)
        mask[edge & (rng.random(mask.shape) < noise)] = 0
        outside = ndimage.binary_dilation(mask) & ~mask.astype(bool)
        mask[outside & (rng.random(mask.shape) < noise)] = 1
        lab, _ = ndimage.label(mask)
        mask = ndimage.binary_fill_holes(lab == np.bincount(lab.ravel())[1:].argmax() + 1).astype("uint8")
    shapes = rasterio.features.shapes(mask, mask=mask > 0, transform=transform, connectivity=4)
    return max((shape(g) for g, _ in shapes), key=lambda g: g.area)


def turns(poly):
    """The turning angle (degrees, -180..180) at each vertex of every ring of ``poly``."""
    out = []
    for ring in [poly.exterior, *poly.interiors]:
        c = np.asarray(ring.coords)[:-1]
        d = np.roll(c, -1, axis=0) - c
        a = np.degrees(np.arctan2(d[:, 1], d[:, 0]))
        out.append((np.roll(a, -1) - a + 180) % 360 - 180)
    return np.concatenate(out)


def right_angled(poly, tol=2.0) -> bool:
    """Every corner of ``poly`` turns by 90° (a convex or a reflex right angle), within ``tol``."""
    return poly.geom_type == "Polygon" and bool(np.all(np.abs(np.abs(turns(poly)) - 90) <= tol))


def orientation(poly) -> float:
    """The direction (degrees modulo 90) of the longest edge of ``poly``."""
    c = np.asarray(poly.exterior.coords)
    d = np.diff(c, axis=0)
    k = np.argmax(np.hypot(d[:, 0], d[:, 1]))
    return float(np.degrees(np.arctan2(d[k, 1], d[k, 0])) % 90)


def angle_error(a, b) -> float:
    return abs((a - b + 45) % 90 - 45)


def iou(a, b) -> float:
    return a.intersection(b).area / a.union(b).area


def rotated(polygon, angle):
    from shapely import affinity

    return affinity.rotate(polygon, angle, origin="centroid")


RECTANGLE = [(30, 40), (70, 40), (70, 65), (30, 65)]
L_SHAPE = [(30, 30), (75, 30), (75, 50), (50, 50), (50, 75), (30, 75)]


@pytest.mark.parametrize("corners,vertices", [(RECTANGLE, 4), (L_SHAPE, 6)], ids=["rectangle", "L"])
@pytest.mark.parametrize("noise", [0.0, 0.3], ids=["clean", "noisy"])
def test_rotated_staircase_is_squared(corners, vertices, noise):
    from shapely.geometry import Polygon

    from deepfeature.core.postprocessing.regularize import regularize_polygon

    for angle, seed in ((30.0, 1), (62.0, 2), (11.0, 3)):
        true = rotated(Polygon(corners), angle)
        pixels = pixel_outline(true, noise, seed)
        assert angle_error(orientation(pixels), angle) > 10  # a staircase along the pixel grid
        squared = regularize_polygon(pixels, PIXEL)
        assert squared.is_valid and right_angled(squared), (angle, turns(squared))
        assert len(squared.exterior.coords) - 1 == vertices
        assert angle_error(orientation(squared), angle) <= 3
        assert squared.area == pytest.approx(pixels.area, rel=0.01)
        assert iou(squared, true) > max(iou(pixels, true), 0.97)  # closer to the building than its pixels


def test_square_polygon_is_unchanged_and_tiny_one_becomes_a_rectangle():
    from shapely.geometry import Polygon, box

    from deepfeature.core.postprocessing.regularize import SMALL_PIXELS, regularize_polygon

    square = box(10, 10, 30, 25)
    out = regularize_polygon(square, PIXEL)
    assert out.is_valid and iou(out, square) > 0.98 and out.area == pytest.approx(square.area)
    # Five pixels in a plus sign: its (rotated) rectangle at the same area.
    corners = [(1, 0), (2, 0), (2, 1), (3, 1), (3, 2), (2, 2), (2, 3), (1, 3), (1, 2), (0, 2), (0, 1), (1, 1)]
    plus = Polygon([(x * PIXEL, y * PIXEL) for x, y in corners])
    assert plus.area < SMALL_PIXELS * PIXEL ** 2
    rect = regularize_polygon(plus, PIXEL)
    assert rect.is_valid and len(rect.exterior.coords) == 5 and right_angled(rect)
    assert rect.area == pytest.approx(plus.area)


def test_courtyard_is_squared_with_its_building_and_pixel_holes_dropped():
    from shapely.geometry import Polygon, box

    from deepfeature.core.postprocessing.regularize import regularize_polygon

    true = rotated(Polygon(box(30, 30, 80, 70).exterior, [box(45, 42, 65, 58).exterior]), 25)
    pixels = pixel_outline(true)
    speck = pixel_outline(rotated(box(35, 35, 36, 36), 25))  # a hole of a few pixels
    ragged = Polygon(pixels.exterior, [pixels.interiors[0], speck.exterior])
    assert ragged.is_valid and len(ragged.interiors) == 2
    squared = regularize_polygon(ragged, PIXEL)
    assert squared.is_valid and len(squared.interiors) == 1 and right_angled(squared)
    assert angle_error(orientation(squared), 25) <= 3
    assert squared.area == pytest.approx(ragged.area, rel=1e-9)
    assert iou(squared, true) > 0.95


def buildings():
    """Rotated buildings (centre x, y in pixels, width, height, angle): rectangles and an L."""
    from shapely import affinity
    from shapely.geometry import Polygon, box

    out = []
    for cx, cy, w, h, angle in ((40, 40, 36, 20, 30), (110, 45, 24, 24, 12), (40, 115, 30, 14, 75),
                                (120, 120, 40, 26, 48)):
        out.append((affinity.rotate(box(cx - w / 2, cy - h / 2, cx + w / 2, cy + h / 2), angle), angle))
    ell = Polygon([(150, 20), (190, 20), (190, 38), (168, 38), (168, 70), (150, 70)])
    out.append((affinity.rotate(ell, 20, origin="centroid"), 20))
    return out


def buildings_activation(path, shapes):
    """An activation raster (150 x 200 pixels) of ``shapes`` (pixel coordinates): each pixel's covered
    share (burnt at 8x and averaged), blurred and noisy, as a model's soft activation."""
    import rasterio.features
    from affine import Affine

    fine = rasterio.features.rasterize([(g, 1) for g, _ in shapes], out_shape=(8 * 150, 8 * 200),
                                       transform=Affine(1 / 8, 0, 0, 0, 1 / 8, 0), dtype="uint8")
    cover = fine.reshape(150, 8, 200, 8).mean(axis=(1, 3))
    rng = np.random.default_rng(0)
    act = np.clip(ndimage.gaussian_filter(cover, 0.7) + rng.normal(0, 0.08, cover.shape), 0, 1)
    return write_activation(path, act, {1: "building"})


def test_activation_to_polygons_squares_buildings(tmp_path):
    """End to end: an activation raster of rotated buildings -> one squared polygon per building, with
    its orientation, right angles and the area of its pixels."""
    from shapely import affinity, from_wkb

    from deepfeature.core.postprocessing import activation_to_polygons

    shapes = buildings()
    src = buildings_activation(tmp_path / "act.tif", shapes)
    feats = []
    res = activation_to_polygons(src, lambda w, a: feats.append((from_wkb(w), a)), threshold=0.5,
                                 min_area=20 * PIXEL ** 2, regularize=True)
    assert res["features"] == len(feats) == len(shapes)
    # The buildings in map units (pixel (col, row) -> x = 500000 + col * PIXEL, y = 4000000 - row * PIXEL).
    truth = [(affinity.affine_transform(g, [PIXEL, 0, 0, -PIXEL, 500000, 4000000]), -angle % 90)
             for g, angle in shapes]
    for poly, attrs in feats:
        assert poly.is_valid and right_angled(poly), turns(poly)
        assert poly.area == pytest.approx(attrs["pixels"] * PIXEL ** 2, rel=1e-9) == attrs["area"]
        true, angle = max(truth, key=lambda t: iou(t[0], poly))
        assert angle_error(orientation(poly), angle) <= 3
        assert iou(poly, true) > 0.9
    # Without it, the smoothed outlines have no right angles.
    smooth = []
    activation_to_polygons(src, lambda w, a: smooth.append(from_wkb(w)), threshold=0.5,
                           min_area=20 * PIXEL ** 2)
    assert len(smooth) == len(shapes) and not any(right_angled(g) for g in smooth)


def test_algorithm_regularizes_outlines(run_alg, tmp_path):
    from qgis.core import QgsVectorLayer
    from shapely import from_wkb

    src = buildings_activation(tmp_path / "act.tif", buildings())
    for regularize in (False, True):
        out = tmp_path / "poly{}.gpkg".format(int(regularize))
        res = run_alg("activationtopolygons", {"INPUT": str(src), "THRESHOLD": 0.5, "MIN_AREA": 5.0,
                                               "REGULARIZE": regularize, "OUTPUT": str(out)})
        layer = QgsVectorLayer(res["OUTPUT"], "p", "ogr")
        geoms = [from_wkb(bytes(f.geometry().asWkb())) for f in layer.getFeatures()]
        assert res["COUNT"] == len(geoms) == len(buildings())
        parts = [g.geoms[0] if g.geom_type == "MultiPolygon" else g for g in geoms]  # written as multi
        assert all(right_angled(g) for g in parts) == regularize


def test_real_buildings_keep_their_area_and_become_rectilinear(massachusetts, tmp_path):
    """The Massachusetts label raster (405 drawn buildings, 1 m) as an activation: squared outlines keep
    the buildings' area and lie closer to the drawn buildings than the pixel outlines do."""
    import rasterio
    from osgeo import ogr
    from shapely import STRtree, affinity, from_wkb
    from shapely import wkb as swkb

    from deepfeature.core.postprocessing import activation_to_polygons

    from .helpers_rasters import burn_buildings

    image, gpkg = massachusetts
    mask = burn_buildings(image, gpkg)
    with rasterio.open(image) as ds:
        t = ds.transform
    src = write_activation(tmp_path / "act.tif", mask.astype("float32"), {1: "building"})
    polygons = {}
    for regularize in (False, True):
        feats = polygons[regularize] = []
        activation_to_polygons(src, lambda w, a, out=feats: out.append(from_wkb(w)), threshold=0.5,
                               smooth=0, regularize=regularize)
    pixels, squared = polygons[False], polygons[True]
    assert len(squared) == len(pixels) > 350 and all(g.is_valid for g in squared)
    assert sum(g.area for g in squared) == pytest.approx(mask.sum() * PIXEL ** 2, rel=0.02)
    assert np.mean([right_angled(g) for g in squared]) > 0.95
    assert sum(len(g.exterior.coords) for g in squared) < sum(len(g.exterior.coords) for g in pixels) / 3
    # The drawn buildings, moved onto the activation's grid (write_activation: 0.5 m pixels from 500000,
    # 4000000); those cut by the tile's edge are left out.
    source = ogr.Open(str(gpkg))  # kept referenced while its layer is read
    drawn = [swkb.loads(bytes(f.GetGeometryRef().ExportToWkb())) for f in source.GetLayer(0)]
    to_grid = [PIXEL / t.a, 0, 0, -PIXEL / t.e, 500000 - t.c * PIXEL / t.a, 4000000 + t.f * PIXEL / t.e]
    drawn = [affinity.affine_transform(g, to_grid) for g in drawn]
    tree = STRtree(drawn)
    inner = _frame(mask.shape)
    before, after = [], []
    for p, s in zip(pixels, squared):
        hits = [drawn[i] for i in tree.query(p)]
        if not hits or not inner.contains(p):
            continue
        true = max(hits, key=lambda g: g.intersection(p).area)
        before.append(iou(p, true))
        after.append(iou(s, true))
    assert len(after) > 300
    assert np.mean(after) > np.mean(before) + 0.02
    assert np.mean(np.array(after) >= np.array(before)) > 0.7


def _frame(shape):
    """The activation raster's extent less two pixels, in map units."""
    from shapely.geometry import box

    rows, cols = shape
    return box(500000 + 2 * PIXEL, 4000000 - (rows - 2) * PIXEL, 500000 + (cols - 2) * PIXEL,
               4000000 - 2 * PIXEL)
