"""Generate the small default scene used by the demo: a synthetic aerial image with building labels.

Writes, into the output folder, for each of two scenes (``train`` and ``test``, different seeds):
``scene_<name>.tif`` (3-band uint8 GeoTIFF, 0.5 m, EPSG:32633) and ``buildings_<name>.geojson``
(building footprints in EPSG:4326, field ``class`` = "building").

The image has textured fields, roads, trees and shadowed buildings with varied roofs, so a model has
to learn shape and context, not one colour.
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path

import numpy as np

CRS = "EPSG:32633"
ORIGIN = (500000.0, 5000000.0)
PIXEL = 0.5


def _smooth_noise(rng, shape, sigma):
    from scipy.ndimage import gaussian_filter

    field = gaussian_filter(rng.standard_normal(shape), sigma)
    return (field - field.mean()) / (field.std() + 1e-9)


def make_scene(size: int, seed: int):
    """Return (image HxWx3 uint8, list of building polygons as pixel-coordinate rings)."""
    from skimage.draw import disk, polygon

    rng = np.random.default_rng(seed)
    h = w = size
    base = _smooth_noise(rng, (h, w), 40)
    fields = np.stack([95 + 18 * base, 120 + 22 * base, 70 + 12 * base], axis=-1)
    fields += 6 * rng.standard_normal((h, w, 3))
    img = fields
    occupied = np.zeros((h, w), bool)

    # Roads: a few straight roads across the scene.
    for _ in range(3):
        width = rng.integers(6, 11)
        if rng.random() < 0.5:
            y = rng.integers(20, h - 20)
            rr, cc = np.mgrid[y : y + width, 0:w]
        else:
            x = rng.integers(20, w - 20)
            rr, cc = np.mgrid[0:h, x : x + width]
        rr, cc = rr.clip(0, h - 1), cc.clip(0, w - 1)
        img[rr, cc] = np.array([128, 126, 122]) + 5 * rng.standard_normal((*rr.shape, 3))
        occupied[rr, cc] = True

    # Trees: dark green blobs.
    for _ in range(size // 6):
        r, c = rng.integers(0, h), rng.integers(0, w)
        rad = rng.integers(3, 9)
        rr, cc = disk((r, c), rad, shape=(h, w))
        img[rr, cc] = np.array([40, 78, 38]) + 10 * rng.standard_normal((rr.size, 3))

    # Buildings: rotated rectangles with shadows and varied roofs.
    roofs = np.array([[168, 72, 60], [150, 150, 155], [110, 90, 80], [200, 195, 185], [90, 95, 105]])
    buildings = []
    tries = 0
    while len(buildings) < size // 10 and tries < size * 5:
        tries += 1
        cy, cx = rng.uniform(25, h - 25), rng.uniform(25, w - 25)
        bh, bw = rng.uniform(9, 28), rng.uniform(9, 28)
        ang = rng.uniform(0, np.pi)
        ca, sa = np.cos(ang), np.sin(ang)
        corners = [(-bw / 2, -bh / 2), (bw / 2, -bh / 2), (bw / 2, bh / 2), (-bw / 2, bh / 2)]
        ring = [(cx + x * ca - y * sa, cy + x * sa + y * ca) for x, y in corners]
        rr, cc = polygon([p[1] for p in ring], [p[0] for p in ring], shape=(h, w))
        if rr.size == 0 or occupied[rr, cc].any():
            continue
        # shadow (south-east offset), then roof
        sr, sc = (rr + 4).clip(0, h - 1), (cc + 4).clip(0, w - 1)
        img[sr, sc] = img[sr, sc] * 0.45
        roof = roofs[rng.integers(len(roofs))] + 8 * rng.standard_normal(3)
        shade = 1.0 + 0.12 * np.sign(np.cos(ang) * (cc - cx) + np.sin(ang) * (rr - cy))[:, None]
        img[rr, cc] = roof * shade + 4 * rng.standard_normal((rr.size, 3))
        grow = disk((cy, cx), max(bh, bw) * 0.8 + 6, shape=(h, w))
        occupied[grow] = True
        buildings.append(ring)
    return np.clip(img, 0, 255).astype("uint8"), buildings


def write_scene(folder: Path, name: str, size: int, seed: int) -> tuple[Path, Path]:
    """Write one scene's image and labels; return their paths."""
    import rasterio
    from rasterio.transform import from_origin
    from rasterio.warp import transform_geom

    img, buildings = make_scene(size, seed)
    transform = from_origin(ORIGIN[0], ORIGIN[1], PIXEL, PIXEL)
    tif = folder / "scene_{}.tif".format(name)
    profile = dict(driver="GTiff", width=size, height=size, count=3, dtype="uint8", crs=CRS,
                   transform=transform, tiled=True, blockxsize=256, blockysize=256, compress="deflate")
    with rasterio.open(tif, "w", **profile) as dst:
        dst.write(img.transpose(2, 0, 1))
        for band, desc in enumerate(("red", "green", "blue"), start=1):
            dst.set_band_description(band, desc)
    features = []
    for i, ring in enumerate(buildings):
        # skimage draws pixel (r, c) when its centre (c, r) is inside the ring; in the raster frame that
        # centre is at (c + 0.5, r + 0.5).
        coords = [transform * (x + 0.5, y + 0.5) for x, y in ring]
        geom = {"type": "Polygon", "coordinates": [coords + [coords[0]]]}
        features.append({"type": "Feature", "properties": {"id": i + 1, "class": "building"},
                         "geometry": transform_geom(CRS, "EPSG:4326", geom)})
    geojson = folder / "buildings_{}.geojson".format(name)
    geojson.write_text(json.dumps({"type": "FeatureCollection", "features": features}))
    return tif, geojson


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("folder", type=Path)
    parser.add_argument("--size", type=int, default=512)
    args = parser.parse_args()
    args.folder.mkdir(parents=True, exist_ok=True)
    for name, seed in (("train", 1), ("test", 2)):
        tif, gj = write_scene(args.folder, name, args.size, seed)
        print("wrote", tif, gj)


if __name__ == "__main__":
    main()
