"""Training benchmarks (backend-independent: run with KERAS_BACKEND=tensorflow, jax or torch).

Throughput (default): patches/s of the model alone on synthetic in-memory batches, of the input pipeline
alone (augmentation and targets; from windowed reads, then from the raster kept in memory as training does;
1 thread and ``--workers`` threads, so a GPU run shows whether the pipeline can feed the model), and of
real training (model.fit on the pipeline, as ``train_model`` runs it), printed as one table::

    python bench/bench_train.py --patch 64 --filters 8 --batch 8 --steps 30 --workers 2
    python bench/bench_train.py --patch 256 --filters 64 --batch 32 --steps 30 --workers 8 --device gpu

Quality on real data with default parameters: ``bench/bench_realdata.py``.
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def _setup_path(backend: str | None) -> None:
    if backend:
        os.environ["KERAS_BACKEND"] = backend
    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
    plugins = ROOT / ".venv" / "plugins"
    if not (plugins / "deepfeature").exists():
        plugins = Path(tempfile.mkdtemp())
        (plugins / "deepfeature").symlink_to(ROOT)
    sys.path.insert(0, str(plugins))


def _pipeline_rate(maker, windows, batch: int, blur: float, threads: int) -> float:
    """Patches/s of ``BatchMaker.make`` over the windows in ``threads`` threads (as the PyDataset's
    worker threads run it, minus the queue), augmentation on."""
    from concurrent.futures import ThreadPoolExecutor

    from deepfeature.core.training import EpochBatches

    epoch = EpochBatches(windows, batch, seed=0, epoch=0, blur=blur, augment=True)

    def one(i):
        return epoch.make(maker, i)

    one(0)  # warm up (first-touch of the cache, imports)
    steps = len(windows) // batch
    t = time.perf_counter()
    if threads <= 1:
        for i in range(steps):
            one(i)
    else:
        with ThreadPoolExecutor(threads) as pool:
            for _ in pool.map(one, range(steps)):
                pass
    return steps * batch / (time.perf_counter() - t)


def throughput(args) -> None:
    import dataclasses

    import keras
    import numpy as np

    from deepfeature.core.device import select_device
    from deepfeature.core.nn import ModelSpec, build_model
    from deepfeature.core.normalization import Normalization
    from deepfeature.core.progress import NullProgress
    from deepfeature.core.training import (
        BatchMaker,
        EpochBatches,
        TrainConfig,
        batch_progress_callback,
        make_dataset,
        pipeline_workers,
    )
    from deepfeature.core.training.losses import WeightedSegmentationLoss
    from deepfeature.core.training.sampling import LabelSource, PatchSampler, cell_size
    from deepfeature.tests.helpers_training import synthetic_scene, write_label_raster

    spec = ModelSpec(
        bands=3, classes=("building",), patch_size=args.patch, base_filters=args.filters, depth=args.depth
    )
    device, on_gpu = select_device(keras, args.device)
    workers = pipeline_workers(args.workers or 0, on_gpu)
    cfg = TrainConfig(patches_per_batch=args.batch, workers=workers, solid_distance=1, blur_distance_max=2)
    plain = dataclasses.replace(cfg, solid_distance=0, blur_distance_max=0)
    tmp = Path(tempfile.mkdtemp())
    image, mask = synthetic_scene(
        h=max(512, 4 * args.patch), w=max(512, 4 * args.patch), seed=0, n_buildings=60
    )
    path = write_label_raster(tmp / "bench.tif", image, mask)
    src = LabelSource(path, 3, spec.classes)
    scan = src.scan(cell_size(src.region), stats=True)
    src.set_normalization(Normalization.from_moments(scan.sums, scan.sumsq, scan.valid))
    sampler = PatchSampler([src], [scan.counts], [cell_size(src.region)], args.patch)
    n = args.steps * args.batch
    windows = sampler.draw(n, 1.0, np.random.default_rng(0))
    maker = BatchMaker([src], args.patch, 1, 1, cfg)

    # Input pipeline alone: windowed reads, then the raster in memory with its distance maps (training).
    def rate(label, batch_maker, blur, threads):
        pipe.append((label, _pipeline_rate(batch_maker, windows, args.batch, blur, threads)))

    pipe: list = []
    rate("input pipeline, windowed reads, solid 1 blur 2, 1 thread", maker, 2.0, 1)
    src.cache(10**9, cfg.solid_distance, cfg.blur_distance_max)
    rate("input pipeline, solid 0 blur 0, 1 thread", BatchMaker([src], args.patch, 1, 1, plain), 0.0, 1)
    rate("input pipeline, solid 1 blur 2, 1 thread", maker, 2.0, 1)
    rate("input pipeline, solid 1 blur 2, {} threads".format(workers), maker, 2.0, workers)

    if on_gpu:
        keras.mixed_precision.set_global_policy("mixed_bfloat16")
    rows = []
    with keras.device(device):
        model = build_model(spec, seed=0)
        model.compile(
            optimizer=keras.optimizers.Adam(1e-3), loss=WeightedSegmentationLoss("cross_entropy_dice")
        )
        x, y = maker.make(windows[: args.batch], np.random.default_rng(0), 2.0, True)

        class Fixed(keras.utils.PyDataset):
            def __len__(self):
                return args.steps

            def __getitem__(self, i):
                return x, y

        model.fit(Fixed(), epochs=1, verbose=0)  # compile / warm up
        t = time.perf_counter()
        model.fit(Fixed(), epochs=1, verbose=0)
        model_rate = n / (time.perf_counter() - t)
        rows.append(("model only (in-memory batch)", model_rate))
        rows.extend(pipe)

        epoch = EpochBatches(windows, args.batch, seed=0, epoch=1, blur=2.0, augment=True)
        data = make_dataset(keras, maker, epoch, workers)
        callback = batch_progress_callback(keras, NullProgress(), 0, 1, 0, args.steps, {"canceled": False})
        t = time.perf_counter()
        model.fit(data, epochs=1, verbose=0, shuffle=False, callbacks=[callback])  # as train_model runs it
        real_rate = n / (time.perf_counter() - t)
        rows.append(("training: model + pipeline ({} workers)".format(workers), real_rate))
    src.close()
    print(
        "backend {}, device {}, patch {}, base filters {}, depth {}, batch {}, {} steps, {} CPU cores".format(
            keras.backend.backend(),
            "GPU (mixed bfloat16)" if on_gpu else "CPU",
            args.patch,
            args.filters,
            args.depth,
            args.batch,
            args.steps,
            os.cpu_count(),
        )
    )
    print("{:<58} {:>12} {:>14}".format("measurement", "patches/s", "vs model only"))
    for name, rate in rows:
        print("{:<58} {:>12.1f} {:>13.0%}".format(name, rate, rate / model_rate))


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--patch", type=int, default=64, help="patch size")
    parser.add_argument("--filters", type=int, default=8, help="base filters")
    parser.add_argument("--depth", type=int, default=5)
    parser.add_argument("--batch", type=int, default=8)
    parser.add_argument("--steps", type=int, default=30)
    parser.add_argument("--workers", type=int, default=None, help="pipeline threads (default: automatic)")
    parser.add_argument("--device", default="auto", choices=("auto", "cpu", "gpu"))  # core.device.DEVICES
    parser.add_argument("--backend", default=None, help="sets KERAS_BACKEND (tensorflow, jax, torch)")
    args = parser.parse_args()
    _setup_path(args.backend)
    throughput(args)


if __name__ == "__main__":
    main()
