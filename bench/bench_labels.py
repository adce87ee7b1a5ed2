"""Benchmark: label raster creation from polygons vs ``gdal_rasterize`` (wall time and peak memory).

Generates (once per size, in a temporary folder) a tiled RGB uint8 raster of SIZE x SIZE pixels and a
GeoPackage of N building-like polygons (rotated rectangles of 4..40 px) spread over it, then runs each
contender in its own subprocess and reads that child's peak RSS with ``os.wait4``:

- ``gdal_rasterize``: burns the polygons into a new 1-band Byte raster on the same grid (default
  creation options: an uncompressed striped GeoTIFF), and again with our creation options;
- ``deepfeature``: :func:`deepfeature.core.labels.build_label_raster_from_shapes` (reads the polygons
  as WKB, burns them window by window and copies the 3 image bands: 4-band output), with the feature
  reading time reported separately;
- ``deepfeature mask only``: the same burning with the image copy skipped (``copy_image=False``).

Usage (from the plugin folder, environment sourced)::

    .venv/bin/python bench/bench_labels.py --size 2000,10000 --polygons 100000

Prints one table. No QGIS needed.
"""

from __future__ import annotations

import argparse
import json
import math
import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
PLUGINS = ROOT / ".venv" / "plugins"
PIXEL = 0.5  # metres
ORIGIN = (500000.0, 5000000.0)  # UTM 33N
EPSG = 32633


def generate(folder: Path, size: int, polygons: int, seed: int = 0) -> tuple[Path, Path]:
    """Write image.tif (SIZE x SIZE, 3 bands uint8) and polygons.gpkg; reuse them when present."""
    import numpy as np
    import rasterio
    from osgeo import ogr, osr
    from rasterio.transform import from_origin
    from rasterio.windows import Window

    image = folder / "image_{}.tif".format(size)
    vector = folder / "polygons_{}_{}.gpkg".format(size, polygons)
    transform = from_origin(ORIGIN[0], ORIGIN[1], PIXEL, PIXEL)
    if not image.exists():
        rng = np.random.default_rng(seed)
        profile = dict(driver="GTiff", width=size, height=size, count=3, dtype="uint8",
                       crs="EPSG:{}".format(EPSG), transform=transform, tiled=True, blockxsize=256,
                       blockysize=256)
        with rasterio.open(image, "w", **profile) as dst:
            step = 1024
            for row in range(0, size, step):
                for col in range(0, size, step):
                    w = Window(col, row, min(step, size - col), min(step, size - row))
                    yy, xx = np.mgrid[row:row + w.height, col:col + w.width]
                    base = (np.sin(xx / 57.0) + np.cos(yy / 41.0)) * 50 + 120
                    noise = rng.integers(0, 20, size=(3, w.height, w.width))
                    dst.write((base[None] + noise).clip(0, 255).astype("uint8"), window=w)
    if not vector.exists():
        rng = np.random.default_rng(seed + 1)
        extent = size * PIXEL
        cx = ORIGIN[0] + rng.uniform(0, extent, polygons)
        cy = ORIGIN[1] - rng.uniform(0, extent, polygons)
        half_w = rng.uniform(2, 20, polygons) * PIXEL
        half_h = rng.uniform(2, 20, polygons) * PIXEL
        angle = rng.uniform(0, math.pi, polygons)
        srs = osr.SpatialReference()
        srs.ImportFromEPSG(EPSG)
        ds = ogr.GetDriverByName("GPKG").CreateDataSource(str(vector))
        layer = ds.CreateLayer("polygons", srs, ogr.wkbPolygon)
        layer.CreateField(ogr.FieldDefn("class", ogr.OFTInteger))
        layer.StartTransaction()
        defn = layer.GetLayerDefn()
        for i in range(polygons):
            c, s = math.cos(angle[i]), math.sin(angle[i])
            pts = []
            for dx, dy in ((-1, -1), (1, -1), (1, 1), (-1, 1), (-1, -1)):
                x, y = dx * half_w[i], dy * half_h[i]
                pts.append("{:.3f} {:.3f}".format(cx[i] + c * x - s * y, cy[i] + s * x + c * y))
            feat = ogr.Feature(defn)
            feat.SetGeometry(ogr.CreateGeometryFromWkt("POLYGON(({}))".format(",".join(pts))))
            feat.SetField("class", int(1 + i % 3))
            layer.CreateFeature(feat)
        layer.CommitTransaction()
        ds = None
    return image, vector


OURS = r"""
import json, sys, time
sys.path.insert(0, {plugins!r})
t0 = time.perf_counter()
from osgeo import ogr
ds = ogr.Open({vector!r})
layer = ds.GetLayer(0)
wkb, values = [], []
for feature in layer:
    wkb.append(bytes(feature.GetGeometryRef().ExportToWkb()))
    values.append(feature.GetField("class"))
ds = None
t1 = time.perf_counter()
from deepfeature.core.labels import LabelLayer, build_label_raster_from_shapes
layers = [LabelLayer("polygons", "polygon", wkb, values)]
result = build_label_raster_from_shapes({image!r}, {output!r}, layers, copy_image={copy!r})
t2 = time.perf_counter()
print(json.dumps(dict(read=t1 - t0, core=t2 - t1, counts=result.pixel_counts)))
"""


def run_measured(command: list[str]) -> tuple[float, float, str]:
    """Run ``command``; return (wall seconds, peak RSS MiB of that child, stdout)."""
    start = time.perf_counter()
    proc = subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    out_lines = proc.stdout.read()
    err = proc.stderr.read()
    _, status, usage = os.wait4(proc.pid, 0)
    proc.returncode = os.waitstatus_to_exitcode(status)
    wall = time.perf_counter() - start
    if proc.returncode != 0:
        raise RuntimeError("{} failed: {}".format(command[0], err[-2000:]))
    return wall, usage.ru_maxrss / 1024.0, out_lines


def bench_size(folder: Path, size: int, polygons: int, repeat: int) -> list[dict]:
    # Generate in a child: the parent must stay small, as a child's ru_maxrss starts from the parent's RSS.
    subprocess.run([sys.executable, __file__, "--generate", "--size", str(size), "--polygons", str(polygons),
                    "--workdir", str(folder)], check=True)
    image = folder / "image_{}.tif".format(size)
    vector = folder / "polygons_{}_{}.gpkg".format(size, polygons)
    extent = size * PIXEL
    te = [str(ORIGIN[0]), str(ORIGIN[1] - extent), str(ORIGIN[0] + extent), str(ORIGIN[1])]
    rows = []
    gdal_variants = [
        ("gdal_rasterize (default GTiff)", []),
        ("gdal_rasterize (tiled, deflate 1)",
         ["-co", "TILED=YES", "-co", "COMPRESS=DEFLATE", "-co", "ZLEVEL=1"]),
    ]
    for name, options in gdal_variants:
        out = folder / "gdal_{}.tif".format(size)
        cmd = ["gdal_rasterize", "-q", "-a", "class", "-te", *te, "-ts", str(size), str(size), "-ot", "Byte",
               "-a_nodata", "255", *options, str(vector), str(out)]
        best = None
        for _ in range(repeat):
            out.unlink(missing_ok=True)
            wall, rss, _ = run_measured(cmd)
            best = (wall, rss) if best is None or wall < best[0] else best
        rows.append(dict(size=size, polygons=polygons, tool=name, wall=best[0], read=None, core=None,
                         rss=best[1], mb=out.stat().st_size / 2**20))
        out.unlink()
    for name, copy in (("deepfeature label raster", True), ("deepfeature mask only", False)):
        out = folder / "ours_{}.tif".format(size)
        code = OURS.format(plugins=str(PLUGINS), vector=str(vector), image=str(image), output=str(out),
                           copy=copy)
        best = None
        for _ in range(repeat):
            out.unlink(missing_ok=True)
            wall, rss, stdout = run_measured([sys.executable, "-c", code])
            info = json.loads(stdout.strip().splitlines()[-1])
            best = (wall, rss, info) if best is None or wall < best[0] else best
        rows.append(dict(size=size, polygons=polygons, tool=name, wall=best[0], read=best[2]["read"],
                         core=best[2]["core"], rss=best[1], mb=out.stat().st_size / 2**20))
        out.unlink()
    return rows


def main(argv=None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--size", default="2000,10000", help="raster sizes in pixels, comma separated")
    parser.add_argument("--polygons", type=int, default=100000, help="number of polygons")
    parser.add_argument("--repeat", type=int, default=1, help="runs per contender (best is kept)")
    parser.add_argument("--workdir", default="", help="keep generated data here (default: temporary)")
    parser.add_argument("--generate", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    sizes = [int(s) for s in args.size.split(",") if s.strip()]
    if args.generate:
        for size in sizes:
            generate(Path(args.workdir), size, args.polygons)
        return
    folder = Path(args.workdir) if args.workdir else Path(tempfile.mkdtemp(prefix="bench_labels_"))
    folder.mkdir(parents=True, exist_ok=True)
    try:
        rows = []
        for size in sizes:
            rows += bench_size(folder, size, args.polygons, args.repeat)
    finally:
        if not args.workdir:
            shutil.rmtree(folder, ignore_errors=True)
    header = "{:>6} {:>8} {:<34} {:>8} {:>8} {:>8} {:>10} {:>9} {:>10}".format(
        "size", "polygons", "tool", "wall s", "read s", "core s", "vs gdal", "peak MiB", "output MiB")
    print(header)
    print("-" * len(header))
    for row in rows:
        reference = next(r["wall"] for r in rows if r["size"] == row["size"] and r["tool"].startswith("gdal"))
        print("{:>6} {:>8} {:<34} {:>8.2f} {:>8} {:>8} {:>9.2f}x {:>9.0f} {:>10.1f}".format(
            row["size"], row["polygons"], row["tool"], row["wall"],
            "" if row["read"] is None else "{:.2f}".format(row["read"]),
            "" if row["core"] is None else "{:.2f}".format(row["core"]),
            row["wall"] / reference, row["rss"], row["mb"]))


if __name__ == "__main__":
    main()
