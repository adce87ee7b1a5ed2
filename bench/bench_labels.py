"""Benchmark: label raster creation from polygons vs ``gdal_rasterize`` (wall time and peak memory).

Generates (once per size, in a temporary folder or ``--workdir``) a tiled RGB uint8 raster of SIZE x SIZE
pixels and a GeoPackage of N building-like polygons (rotated rectangles of 4..40 px) spread over it, then
runs each contender in its own subprocess (best of ``--repeat`` runs) and reads that child's peak RSS with
``os.wait4``:

- ``gdal_rasterize (same options)``: burns the polygons' ``class`` into a new 1-band Byte raster on the
  same grid with exactly the GeoTIFF creation options of our output (tiled 256, ZSTD 1 or DEFLATE 1):
  the like-for-like reference;
- ``gdal_rasterize (default GTiff)``: the same with GDAL's defaults (uncompressed, striped), for context;
- ``deepfeature mask only``: :func:`deepfeature.core.labels.build_label_raster_from_shapes` with
  ``copy_image=False`` (1-band Byte output): the like-for-like contender;
- ``deepfeature label raster``: the real output (3 image bands copied + the mask band);
- with ``--fallback``: the mask only through the rasterio fallback (no ``osgeo``), for comparison;
- with ``--uncompressed``: ``gdal_rasterize`` and our mask only both writing tiled uncompressed GeoTIFFs.

Timing columns: ``start s`` is process start-up (``gdal_rasterize --version`` for GDAL; Python start-up
and imports for ours), ``read s`` reading the GeoPackage into WKB (ours only: the core takes WKB in
memory, as the QGIS algorithm hands it over; gdal_rasterize reads the file inside its ``work s``),
``work s`` the rest (gdal: wall - start; ours: the core call). ``vs gdal`` = work / work of
``gdal_rasterize (same options)`` of the same size; ``+read vs gdal`` also counts our reading.
``same px``: the share of our mask band's pixels equal to ``gdal_rasterize``'s output.

Usage (from the plugin folder, environment sourced)::

    .venv/bin/python bench/bench_labels.py --size 5000,10000 --polygons 100000 --repeat 3

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
t0 = time.perf_counter()
sys.path.insert(0, {plugins!r})
import numpy, shapely, rasterio
from osgeo import gdal, ogr
from deepfeature.core import labels
from deepfeature.core.labels import burner, from_vector
if {fallback!r}:
    from_vector.osgeo_bindings = lambda: None
if {options!r}:
    burner.gdal_creation_options = lambda: tuple({options!r})
t1 = time.perf_counter()
ds = ogr.Open({vector!r})
layer = ds.GetLayer(0)
wkb, values = [], []
if hasattr(layer, "GetArrowStreamAsNumPy"):  # GDAL >= 3.6: bulk read
    for batch in layer.GetArrowStreamAsNumPy(options=["USE_MASKED_ARRAYS=NO"]):
        wkb += batch[layer.GetGeometryColumn()].tolist()
        values += batch["class"].tolist()
else:
    for feature in layer:
        wkb.append(bytes(feature.GetGeometryRef().ExportToWkb()))
        values.append(feature.GetField("class"))
ds = layer = None
t2 = time.perf_counter()
if {output!r}:
    layers = [labels.LabelLayer("polygons", "polygon", wkb, values)]
    result = labels.build_label_raster_from_shapes({image!r}, {output!r}, layers, copy_image={copy!r})
    counts = result.pixel_counts
else:
    counts = {{}}
t3 = time.perf_counter()
print(json.dumps(dict(imports=t1 - t0, read=t2 - t1, core=t3 - t2, counts=counts)))
"""

SAME = r"""
import numpy, rasterio
from rasterio.windows import Window
with rasterio.open({ours!r}) as ours, rasterio.open({gdal!r}) as gdal:
    same = 0
    for row in range(0, ours.height, 1024):
        window = Window(0, row, ours.width, min(1024, ours.height - row))
        same += int((ours.read(ours.count, window=window) == gdal.read(1, window=window)).sum())
    print(same / (ours.width * ours.height))
"""

UNCOMPRESSED = ["TILED=YES", "BLOCKXSIZE=256", "BLOCKYSIZE=256", "BIGTIFF=IF_SAFER"]

OPTIONS = r"""
import sys
sys.path.insert(0, {plugins!r})
from deepfeature.core.geotiff import gdal_creation_options
print(" ".join(o for o in gdal_creation_options() if not o.startswith("INTERLEAVE")))
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


def best_of(repeat: int, command: list[str], out: Path | None) -> tuple[float, float, str]:
    """Best wall time of ``repeat`` runs (with the peak RSS and stdout of that run)."""
    best = None
    for _ in range(repeat):
        if out is not None:
            out.unlink(missing_ok=True)
        result = run_measured(command)
        best = result if best is None or result[0] < best[0] else best
    return best


def bench_size(folder: Path, size: int, polygons: int, repeat: int, fallback: bool,
               uncompressed: bool) -> list[dict]:
    # Generate in a child: the parent must stay small, as a child's ru_maxrss starts from the parent's RSS.
    subprocess.run([sys.executable, __file__, "--generate", "--size", str(size), "--polygons", str(polygons),
                    "--workdir", str(folder)], check=True)
    image = folder / "image_{}.tif".format(size)
    vector = folder / "polygons_{}_{}.gpkg".format(size, polygons)
    extent = size * PIXEL
    te = [str(ORIGIN[0]), str(ORIGIN[1] - extent), str(ORIGIN[0] + extent), str(ORIGIN[1])]
    options = subprocess.run([sys.executable, "-c", OPTIONS.format(plugins=str(PLUGINS))], check=True,
                             capture_output=True, text=True).stdout.split()
    gdal_start = best_of(repeat, ["gdal_rasterize", "--version"], None)[0]
    rows = []
    out = folder / "out_{}.tif".format(size)
    references = [("gdal_rasterize (same options)", options), ("gdal_rasterize (default GTiff)", [])]
    if uncompressed:
        references.append(("gdal_rasterize (tiled, uncompressed)", UNCOMPRESSED))
    gdal_out = folder / "gdal_{}.tif".format(size)  # kept to check our pixels against
    for name, creation in references:
        cmd = ["gdal_rasterize", "-q", "-a", "class", "-te", *te, "-ts", str(size), str(size), "-ot", "Byte",
               *[arg for option in creation for arg in ("-co", option)], str(vector), str(out)]
        wall, rss, _ = best_of(repeat, cmd, out)
        rows.append(dict(size=size, polygons=polygons, tool=name, wall=wall, start=gdal_start, read=None,
                         work=wall - gdal_start, rss=rss, base=None, mb=out.stat().st_size / 2**20,
                         reference=references[0][0], same=None))
        if name == references[0][0]:
            out.replace(gdal_out)
        else:
            out.unlink()
    code = OURS.format(plugins=str(PLUGINS), vector=str(vector), image=str(image), output="", copy=False,
                       fallback=False, options=())
    _, base_rss, _ = best_of(1, [sys.executable, "-c", code], None)
    same = references[0][0]
    ours = [("deepfeature mask only", False, False, (), same),
            ("deepfeature label raster", True, False, (), same)]
    if fallback:
        ours.append(("deepfeature mask only (rasterio fallback)", False, True, (), same))
    if uncompressed:
        ours.append(("deepfeature mask only (tiled, uncompressed)", False, False,
                     tuple(UNCOMPRESSED) + ("INTERLEAVE=BAND",), references[-1][0]))
    for name, copy, use_fallback, creation, reference in ours:
        code = OURS.format(plugins=str(PLUGINS), vector=str(vector), image=str(image), output=str(out),
                           copy=copy, fallback=use_fallback, options=creation)
        wall, rss, stdout = best_of(repeat, [sys.executable, "-c", code], out)
        info = json.loads(stdout.strip().splitlines()[-1])
        agreement = subprocess.run([sys.executable, "-c", SAME.format(ours=str(out), gdal=str(gdal_out))],
                                   check=True, capture_output=True, text=True).stdout
        rows.append(dict(size=size, polygons=polygons, tool=name, wall=wall,
                         start=wall - info["read"] - info["core"], read=info["read"], work=info["core"],
                         rss=rss, base=base_rss, mb=out.stat().st_size / 2**20, reference=reference,
                         same=float(agreement)))
        out.unlink()
    gdal_out.unlink()
    return rows


def main(argv=None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--size", default="5000,10000", help="raster sizes in pixels, comma separated")
    parser.add_argument("--polygons", type=int, default=100000, help="number of polygons")
    parser.add_argument("--repeat", type=int, default=3, help="runs per contender (best is kept)")
    parser.add_argument("--workdir", default="", help="keep generated data here (default: temporary)")
    parser.add_argument("--fallback", action="store_true", help="also time the rasterio fallback")
    parser.add_argument("--uncompressed", action="store_true",
                        help="also compare both writing tiled uncompressed GeoTIFFs")
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
            rows += bench_size(folder, size, args.polygons, args.repeat, args.fallback, args.uncompressed)
    finally:
        if not args.workdir:
            shutil.rmtree(folder, ignore_errors=True)
    print("best of {} runs; vs gdal = work s / work s of 'gdal_rasterize (same options)' (uncompressed rows: "
          "of 'gdal_rasterize (tiled, uncompressed)'); process start-up (start s) excluded for both; ours "
          "reads the GeoPackage in 'read s', gdal inside 'work s'; base MiB = peak of our process without "
          "the core call; same px = our mask band pixels equal to gdal_rasterize's".format(args.repeat))
    header = "{:>6} {:>8} {:<44} {:>7} {:>7} {:>7} {:>7} {:>8} {:>13} {:>8} {:>8} {:>10} {:>9}".format(
        "size", "polygons", "tool", "wall s", "start s", "read s", "work s", "vs gdal", "+read vs gdal",
        "peak MiB", "base MiB", "output MiB", "same px")
    print(header)
    print("-" * len(header))
    line = ("{:>6} {:>8} {:<44} {:>7.2f} {:>7.2f} {:>7} {:>7.2f} {:>7.2f}x {:>13} {:>8.0f} {:>8} {:>10.1f} "
            "{:>9}")
    for row in rows:
        reference = next(r["work"] for r in rows
                         if r["size"] == row["size"] and r["tool"] == row["reference"])
        plus_read = "" if row["read"] is None else "{:.2f}x".format((row["read"] + row["work"]) / reference)
        print(line.format(
            row["size"], row["polygons"], row["tool"], row["wall"], row["start"],
            "" if row["read"] is None else "{:.2f}".format(row["read"]), row["work"], row["work"] / reference,
            plus_read, row["rss"], "" if row["base"] is None else "{:.0f}".format(row["base"]), row["mb"],
            "" if row["same"] is None else "{:.4%}".format(row["same"])))


if __name__ == "__main__":
    main()
