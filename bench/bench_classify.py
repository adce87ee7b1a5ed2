"""Benchmark 'Classify Raster with Model': CPU and GPU throughput, ONNX Runtime comparison, peak memory.

Prints one table. Usage (from the plugin folder, environment sourced)::

    .venv/bin/python bench/bench_classify.py                 # full: 20,000 x 20,000 x 4 memory run
    .venv/bin/python bench/bench_classify.py --size 4000     # smaller memory run
    KERAS_BACKEND=jax python bench/bench_classify.py         # GPU row when a CUDA GPU is visible

Every measured classification first runs on a small EXTENT with the same tile shape (loads the model
into the process cache and compiles it), then on the whole raster; a table of pipeline stages follows
(wall and CPU seconds summed over threads, output megapixels per CPU-second = MP/s per core).

Rows:

- Host pipeline: a 1-level, 1-filter model on the CPU on a ``--host-size``² raster: the cost of
  reading, preparing, blending and writing without the model's.

- CPU MP/s: ``classify_raster`` on a generated ``--bench-size``² 4-band uint16 raster with the default
  model (ENVINet5-like U-Net, 5 levels, 16 base filters), whole pipeline (read, tile, infer, blend, write).
- ONNX Runtime MP/s: the same network exported to ONNX (tf2onnx) run on the same tiles (same tile size,
  count and batch), inference only for both, when onnxruntime and tf2onnx import; else "n/a".
- Peak memory: a subprocess classifies a generated ``--size``² x 4 raster and reports ``ru_maxrss``
  (target < 2 GB = 2e9 bytes for 20,000²) with the default model (unet5, 16 filters) at ``--tile`` and
  ``--batch`` (about 4 minutes on 2 cores): memory is flat in the raster's height by design (one row
  of tiles is held).
- GPU MP/s (when Keras sees a GPU): the same pipeline on the GPU on a ``--gpu-size``² raster (8192²
  by default: fixed costs amortised), with the model's FLOPs per pixel
  (counted from its convolution layers) and the measured bf16 matrix throughput of the device; the target
  is >= 50 % of (bf16 FLOP/s / FLOPs per pixel).
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
PLUGINS = HERE.parent / ".venv" / "plugins"
if not (PLUGINS / "deepfeature").exists():  # a checkout without scripts/setup.sh (e.g. a GPU box)
    PLUGINS = Path(tempfile.mkdtemp())
    (PLUGINS / "deepfeature").symlink_to(HERE.parent)
if str(PLUGINS) not in sys.path:
    sys.path.insert(0, str(PLUGINS))
os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")


def make_raster(path: Path, size: int, bands: int = 4, block: int = 1024) -> None:
    """A realistic-looking uint16 raster written by windows (memory does not depend on ``size``)."""
    import numpy as np
    import rasterio
    from rasterio.transform import from_origin
    from rasterio.windows import Window

    rng = np.random.default_rng(0)
    base = rng.integers(200, 3000, (bands, 64, 64)).astype("float32")
    with rasterio.open(path, "w", driver="GTiff", width=size, height=size, count=bands, dtype="uint16",
                       crs="EPSG:3857", transform=from_origin(0, size, 1, 1), tiled=True, blockxsize=512,
                       blockysize=512, compress="deflate", zlevel=1, num_threads="ALL_CPUS",
                       BIGTIFF="IF_SAFER") as dst:
        for r in range(0, size, block):
            for c in range(0, size, block):
                h, w = min(block, size - r), min(block, size - c)
                reps = (1, -(-h // 64), -(-w // 64))
                tile = np.tile(base, reps)[:, :h, :w] + rng.integers(0, 50, (bands, h, w))
                dst.write(tile.astype("uint16"), window=Window(c, r, w, h))


def make_model(path: Path, bands: int = 4, depth: int = 5, filters: int = 16) -> Path:
    from deepfeature.core.nn import ModelMetadata, ModelSpec, build_model, field_of_view, save_model

    spec = ModelSpec(architecture="unet5", bands=bands, classes=("feature",),
                     patch_size=2 ** (depth - 1) * 16, base_filters=filters, depth=depth)
    model = build_model(spec, seed=0)
    norm = {"mean": [1500.0] * bands, "std": [800.0] * bands}
    save_model(model, ModelMetadata(spec=spec, field_of_view=field_of_view(model), normalization=norm), path)
    return path


def flops_per_pixel(model, bands: int, size: int = 256) -> float:
    """Multiply-adds x 2 of the convolution layers per input pixel (BN/ReLU/pooling neglected)."""
    import keras

    fixed = keras.models.clone_model(
        model, input_tensors=keras.Input(shape=(size, size, bands), batch_size=1))
    total = 0.0
    for layer in fixed.layers:
        if isinstance(layer, keras.layers.Conv2DTranspose):
            k = layer.kernel.shape
            total += 2.0 * k[0] * k[1] * k[2] * k[3] * layer.input.shape[1] * layer.input.shape[2]
        elif isinstance(layer, keras.layers.Conv2D):
            k = layer.kernel.shape
            total += 2.0 * k[0] * k[1] * k[2] * k[3] * layer.output.shape[1] * layer.output.shape[2]
    return total / (size * size)


def bf16_matmul_flops(seconds: float = 2.0, n: int = 8192) -> float:
    """Measured bf16 matrix-multiply throughput (FLOP/s) of the default Keras device."""
    import keras

    a = keras.ops.ones((n, n), dtype="bfloat16")
    b = keras.ops.ones((n, n), dtype="bfloat16")
    keras.ops.convert_to_numpy(keras.ops.cast(keras.ops.sum(keras.ops.matmul(a, b)), "float32"))
    count, start = 0, time.perf_counter()
    while time.perf_counter() - start < seconds:
        c = keras.ops.matmul(a, b)
        count += 1
    keras.ops.convert_to_numpy(keras.ops.cast(keras.ops.sum(c), "float32"))
    return 2.0 * n ** 3 * count / (time.perf_counter() - start)


def onnx_row(model_path: Path, raster: Path, tile: int, batch: int, onnx_python: str | None = None):
    """(keras MP/s, onnxruntime MP/s) of inference on the same tiles, or None without onnxruntime.

    The network is exported with tf2onnx when it imports, else with Keras' own ``model.export(format=
    "onnx")`` (the torch backend exports through torch.onnx). When this interpreter has no onnxruntime,
    ``onnx_python`` (another Python with keras, torch, onnxscript and onnxruntime) exports the same model
    file with the torch backend and times ONNX Runtime on the same tiles (saved to a .npy file).
    """
    try:
        import onnxruntime  # noqa: F401

        local = True
    except ImportError:
        local = False
    if not local and not onnx_python:
        return None
    import numpy as np
    import rasterio

    from deepfeature.core.inference import make_grid, read_reflected
    from deepfeature.core.nn import fold_batch_norm, load_model, receptive_field

    model, meta = load_model(model_path)
    margin = receptive_field(model).margin
    model = fold_batch_norm(model, meta.spec)  # what classify_raster runs (ONNX Runtime folds it too)
    with rasterio.open(raster) as src:
        grid = make_grid((0, 0, src.width, src.height), tile, margin, meta.spec.size_factor)
        tiles = [meta.normalization.apply(np.moveaxis(read_reflected(src, x, y, grid.tile, grid.tile)[0],
                                                      0, -1)) for y in grid.ys for x in grid.xs]
    batches = [np.stack(tiles[i:i + batch]) for i in range(0, len(tiles), batch)]
    batches = np.stack([np.concatenate([b, np.zeros((batch - len(b),) + b.shape[1:], b.dtype)])
                        for b in batches])
    pixels = raster_size(raster) ** 2
    model.predict_on_batch(batches[0])
    start = time.perf_counter()
    for b in batches:
        model.predict_on_batch(b)
    keras_mps = pixels / 1e6 / (time.perf_counter() - start)
    if local:
        return keras_mps, pixels / 1e6 / _ort_seconds(_onnx_bytes(model, batches[0].shape), batches)
    with tempfile.TemporaryDirectory() as tmp:
        npy = Path(tmp) / "batches.npy"
        np.save(npy, batches)
        env = dict(os.environ, KERAS_BACKEND="torch")
        out = subprocess.run([onnx_python, __file__, "--ort-child", str(model_path), str(npy)],
                             capture_output=True, text=True, env=env, check=True)
    return keras_mps, pixels / 1e6 / float(out.stdout.strip().splitlines()[-1])


def _ort_seconds(onnx: bytes, batches) -> float:
    """Seconds ONNX Runtime (CPU) takes for all ``batches`` after one warm-up run."""
    import onnxruntime as ort

    session = ort.InferenceSession(onnx, providers=["CPUExecutionProvider"])
    name = session.get_inputs()[0].name
    session.run(None, {name: batches[0]})
    start = time.perf_counter()
    for b in batches:
        session.run(None, {name: b})
    return time.perf_counter() - start


def ort_child(model_path: str, npy: str) -> None:
    """In the ``--onnx-python`` interpreter: print ONNX Runtime's seconds for the saved batches."""
    import numpy as np

    from deepfeature.core.nn import load_model

    batches = np.load(npy)
    model, _ = load_model(model_path)
    print(_ort_seconds(_onnx_bytes(model, batches[0].shape), batches))


def _onnx_bytes(model, shape) -> bytes:
    """The model as an ONNX graph for inputs of ``shape``."""
    try:
        import tensorflow as tf
        import tf2onnx
    except ImportError:
        import keras

        with tempfile.TemporaryDirectory() as tmp:
            path = Path(tmp) / "model.onnx"
            spec = [keras.InputSpec(shape=(None,) + tuple(shape[1:]), dtype="float32")]
            model.export(str(path), format="onnx", input_signature=spec, verbose=False)
            return path.read_bytes()
    spec = (tf.TensorSpec((None, None, None, shape[-1]), tf.float32, name="image"),)
    proto, _ = tf2onnx.convert.from_keras(model, input_signature=spec)
    return proto.SerializeToString()


def raster_size(path: Path) -> int:
    import rasterio

    with rasterio.open(path) as src:
        return src.width


def model_only(tile: int, batch: int, filters: int, seconds: float = 8.0) -> list[tuple]:
    """GPU/CPU model throughput with the classifier's tiling geometry, without raster I/O (no rasterio
    needed): output MP/s counts each tile's steady-state contribution (``step``² pixels)."""
    import keras
    import numpy as np

    from deepfeature.core.inference import make_grid
    from deepfeature.core.nn import ModelSpec, build_model, receptive_field

    rows = []
    for policy in ("float32", "mixed_bfloat16"):
        keras.config.set_dtype_policy(policy)
        spec = ModelSpec(architecture="unet5", bands=4, classes=("feature",), patch_size=256,
                         base_filters=filters, depth=5)
        model = build_model(spec, seed=0)
        fpp = flops_per_pixel(model, 4)
        grid = make_grid((0, 0, 100000, 100000), tile, receptive_field(model).margin, spec.size_factor)
        x = np.random.default_rng(0).normal(size=(batch, grid.tile, grid.tile, 4)).astype("float32")
        for _ in range(3):
            model.predict_on_batch(x)
        count, start = 0, time.perf_counter()
        while time.perf_counter() - start < seconds:
            np.asarray(model.predict_on_batch(x))
            count += 1
        elapsed = time.perf_counter() - start
        out_mps = count * batch * grid.step ** 2 / elapsed / 1e6
        in_mps = count * batch * grid.tile ** 2 / elapsed / 1e6
        rows.append((policy, out_mps, in_mps, fpp, grid.tile, grid.step))
    keras.config.set_dtype_policy("float32")
    return rows


def model_only_main(args) -> None:
    import keras

    peak = bf16_matmul_flops()
    rows = [("bf16 matmul throughput ({})".format(keras.backend.backend()),
             "{:.1f} TFLOP/s".format(peak / 1e12), "", "")]
    for policy, out_mps, in_mps, fpp, tile, step in model_only(args.tile, args.batch, args.filters):
        target = 0.5 * peak / fpp / 1e6
        rows.append(("Model only, {} (tile {}, step {}, batch {})".format(policy, tile, step, args.batch),
                     "{:.1f} MP/s out ({:.1f} in)".format(out_mps, in_mps), "{:.0f} MP/s".format(target),
                     "FLOPs/pixel {:,.0f}; {:.1f} % of target (input pixels: {:.1f} %)".format(
                         fpp, 100 * out_mps / target, 100 * in_mps / target)))
    print_table(rows)


def timed_classify(raster: Path, model_path: Path, out: Path, tile: int, batch: int, device: str) -> dict:
    """Classify the whole raster twice: the first run loads the model into the process cache and
    compiles it for the tile and batch shape the raster gets (tiles are fitted to the window, so a
    smaller EXTENT may get another shape), the second is measured (process CPU too)."""
    from deepfeature.core.inference import ClassifyOptions, classify_raster

    options = ClassifyOptions(tile_size=tile, batch_size=batch, device=device, overviews=False)
    classify_raster(raster, model_path, out.with_name(out.stem + "_warm.tif"), options)
    cpu = time.process_time()
    res = classify_raster(raster, model_path, out, options)
    res["process_cpu"] = time.process_time() - cpu
    return res


def stage_rows(res: dict, label: str) -> list[tuple]:
    """One row per pipeline stage: wall and CPU seconds (summed over threads) and MP/s per core."""
    mp = res["width"] * res["height"] / 1e6
    overlap = res["tiles"] * res["tile_size"] ** 2 / 1e6 / mp
    rows = [("  {} stages ({} reader threads, {} inference threads; tile pixels / output pixels "
             "{:.2f})".format(label, res["threads"], res["inference_threads"], overlap), "wall s / CPU s",
             "MP/s per core", "output megapixels per CPU-second of the stage")]
    counted = 0.0
    for name, t in res["stages"].items():
        counted += t["cpu"]
        per_core = "{:.0f}".format(mp / t["cpu"]) if t["cpu"] > 0.005 else "-"
        rows.append(("    " + name, "{:.2f} / {:.2f}".format(t["wall"], t["cpu"]), per_core,
                     "waiting" if name.startswith("wait") else ""))
    other = res.get("process_cpu", 0.0) - counted
    rows.append(("    model threads + GDAL compression threads + rest", "- / {:.2f}".format(other),
                 "{:.0f}".format(mp / other) if other > 0.005 else "-", "process CPU minus the stages"))
    return rows


def print_table(rows) -> None:
    widths = [max(len(str(r[i])) for r in rows + [("measure", "value", "target", "notes")]) for i in range(4)]
    line = " | ".join("{:<" + str(w) + "}" for w in widths)
    print(line.format("measure", "value", "target", "notes"))
    print("-+-".join("-" * w for w in widths))
    for row in rows:
        print(line.format(*row))


def memory_child(raster: str, model: str, out: str, tile: int, batch: int) -> None:
    """Run in a subprocess: classify and print the peak resident memory as JSON."""
    from deepfeature.core.inference import ClassifyOptions, classify_raster

    options = ClassifyOptions(tile_size=tile, batch_size=batch, overviews=False)
    res = classify_raster(raster, model, out, options)
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024
    print(json.dumps({"peak_bytes": peak, "seconds": res["seconds"], "mps": res["megapixels_per_second"]}))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--size", type=int, default=20000, help="side of the memory-test raster (pixels)")
    parser.add_argument("--bench-size", type=int, default=1024, help="side of the CPU throughput raster")
    parser.add_argument("--gpu-size", type=int, default=8192,
                        help="side of the GPU throughput raster (at least --bench-size)")
    parser.add_argument("--host-size", type=int, default=4096,
                        help="side of the raster of the host-pipeline row (0 skips it)")
    parser.add_argument("--tile", type=int, default=1024, help="CPU tile size")
    parser.add_argument("--gpu-tile", type=int, default=0, help="GPU tile size (0: automatic)")
    parser.add_argument("--batch", type=int, default=2)
    parser.add_argument("--fold", action="store_true",
                        help="GPU row: batch norm folded into the convolutions (GPU_FOLD_BATCH_NORM)")
    parser.add_argument("--filters", type=int, default=16, help="base filters of the throughput model")
    parser.add_argument("--skip-memory", action="store_true")
    parser.add_argument("--skip-cpu", action="store_true", help="skip the CPU and ONNX Runtime rows")
    parser.add_argument("--child", nargs=5, help=argparse.SUPPRESS)
    parser.add_argument("--ort-child", nargs=2, help=argparse.SUPPRESS)
    parser.add_argument("--onnx-python", help="another Python with keras, torch, onnxscript and onnxruntime "
                        "(used for the ONNX Runtime row when this one has no onnxruntime)")
    parser.add_argument("--model-only", action="store_true",
                        help="model throughput with the tiling geometry only (no raster I/O, no rasterio)")
    args = parser.parse_args()
    if args.model_only:
        model_only_main(args)
        return
    if args.ort_child:
        ort_child(*args.ort_child)
        return
    if args.child:
        memory_child(args.child[0], args.child[1], args.child[2], int(args.child[3]), int(args.child[4]))
        return

    import keras

    from deepfeature.core.nn import load_model

    rows = []
    with tempfile.TemporaryDirectory(prefix="deepfeature-bench-") as tmp:
        tmp = Path(tmp)
        model_path = make_model(tmp / "bench.keras", filters=args.filters)
        raster = tmp / "bench.tif"
        make_raster(raster, args.bench_size)
        model, _ = load_model(model_path)
        fpp = flops_per_pixel(model, 4)
        if args.host_size > 0:
            # The pipeline without the model's cost: a 1-level, 1-filter network on the CPU.
            host_raster = tmp / "host.tif"
            make_raster(host_raster, args.host_size)
            tiny = make_model(tmp / "tiny.keras", depth=1, filters=1)
            res = timed_classify(host_raster, tiny, tmp / "host_out.tif", args.tile, args.batch, "cpu")
            rows.append(("Host pipeline, tiny model on CPU ({0} x {0}, tile {1}, batch {2})".format(
                args.host_size, res["tile_size"], args.batch),
                "{:.1f} MP/s".format(res["megapixels_per_second"]), "",
                "{} CPU cores".format(os.cpu_count())))
            rows += stage_rows(res, "host")
        if not args.skip_cpu:
            res = timed_classify(raster, model_path, tmp / "cpu.tif", args.tile, args.batch, "cpu")
            rows.append(("CPU classification ({} x {}, tile {}, batch {}, {} filters)".format(
                args.bench_size, args.bench_size, res["tile_size"], args.batch, args.filters),
                "{:.3f} MP/s".format(res["megapixels_per_second"]), "", "tiles {}, margin {}, step {}".format(
                    res["tiles"], res["margin"], res["step"])))
            rows += stage_rows(res, "CPU")
        onnx = None if args.skip_cpu else onnx_row(model_path, raster, args.tile, args.batch,
                                                     args.onnx_python)
        if args.skip_cpu:
            pass
        elif onnx is None:
            rows.append(("ONNX Runtime, same network and tiles (CPU)", "n/a (onnxruntime not installed)",
                         ">= 1.0x", ""))
        else:
            ratio = onnx[0] / onnx[1]
            rows.append(("Keras vs ONNX Runtime, inference only (CPU)", "{:.3f} vs {:.3f} MP/s".format(*onnx),
                         ">= 1.0x", "{:.2f}x {}".format(ratio, "OK" if ratio >= 1.0 else "below target")))
        rows.append(("Model FLOPs per pixel (conv layers)", "{:,.0f}".format(fpp), "", ""))
        try:
            gpus = keras.distribution.list_devices("gpu")
        except Exception:
            gpus = []
        if gpus:
            if args.fold:
                from deepfeature.core.inference import runtime

                runtime.GPU_FOLD_BATCH_NORM = True
            gpu_raster = raster
            if args.gpu_size > args.bench_size:
                gpu_raster = tmp / "gpu_input.tif"
                make_raster(gpu_raster, args.gpu_size)
            res = timed_classify(gpu_raster, model_path, tmp / "gpu_activation.tif", args.gpu_tile,
                                 args.batch, "gpu")
            gpu_mps = res["megapixels_per_second"]
            peak = bf16_matmul_flops()
            target = 0.5 * peak / fpp / 1e6
            side = raster_size(gpu_raster)
            rows.append(("GPU classification ({}, {}; {} x {}, tile {}, batch {}{})".format(
                gpus[0], keras.backend.backend(), side, side, res["tile_size"], args.batch,
                ", batch norm folded" if args.fold else ""),
                "{:.1f} MP/s".format(gpu_mps), "{:.0f} MP/s".format(target),
                "bf16 matmul {:.1f} TFLOP/s; {:.1f} % of target".format(peak / 1e12, 100 * gpu_mps / target)))
            rows += stage_rows(res, "GPU")
        else:
            rows.append(("GPU classification", "n/a (no GPU visible to Keras backend '{}')".format(
                keras.backend.backend()), "", ""))
        if not args.skip_memory:
            big = tmp / "big.tif"
            t0 = time.perf_counter()
            make_raster(big, args.size)
            default_model = make_model(tmp / "default.keras")  # the default U-Net (unet5, 16 filters)
            proc = subprocess.run(
                [sys.executable, __file__, "--child", str(big), str(default_model), str(tmp / "big_act.tif"),
                 str(args.tile), str(args.batch)], capture_output=True, text=True)
            if proc.returncode != 0:
                rows.append(("Peak memory", "failed", "< 2 GB", proc.stderr[-300:]))
            else:
                data = json.loads(proc.stdout.strip().splitlines()[-1])
                gb = data["peak_bytes"] / 1e9
                rows.append(("Peak memory, {0} x {0} x 4 raster (subprocess ru_maxrss)".format(args.size),
                             "{:.2f} GB ({:.2f} GiB)".format(gb, data["peak_bytes"] / 2 ** 30), "< 2 GB",
                             "{} ({:.0f} s, {:.2f} MP/s, default model, tile {}, batch {}; generation "
                             "{:.0f} s)".format("OK" if gb < 2 else "ABOVE TARGET", data["seconds"],
                                                data["mps"], args.tile, args.batch,
                                                time.perf_counter() - t0 - data["seconds"])))
    print_table(rows)


if __name__ == "__main__":
    main()
