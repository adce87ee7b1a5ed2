"""Training benchmarks (backend-independent: run with KERAS_BACKEND=tensorflow, jax or torch).

Throughput (default): patches/s of the model alone on synthetic in-memory batches, of the input pipeline
alone (augmentation and targets; from windowed reads, then from the raster kept in memory as training does;
1 thread and ``--workers`` threads, so a GPU run shows whether the pipeline can feed the model), and of
real training (model.fit on the pipeline, as ``train_model`` runs it), printed as one table::

    python bench/bench_train.py --patch 64 --filters 8 --batch 8 --steps 30 --workers 2
    python bench/bench_train.py --patch 256 --filters 64 --batch 32 --steps 30 --workers 8 --device gpu

Quality on real data (``../shared/data``), default training parameters unless overridden::

    python bench/bench_train.py --real massachusetts            # upper 2/3 train, lower 1/3 validation
    python bench/bench_train.py --real bakerlake                # 4 classes + ignore, hold-out validation
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

    from deepfeature.core.train import _epoch_rng

    def one(i):
        return maker.make(windows[i * batch : (i + 1) * batch], _epoch_rng(0, 0, i), blur, True)

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

    from deepfeature.core.losses import WeightedSegmentationLoss
    from deepfeature.core.model import ModelSpec, build_model
    from deepfeature.core.sampling import LabelSource, PatchSampler, cell_size
    from deepfeature.core.train import BatchMaker, TrainConfig, _make_dataset, pipeline_workers, select_device
    from deepfeature.tests.test_sampling import synthetic_scene, write_label_raster

    spec = ModelSpec(
        bands=3, classes=("building",), patch_size=args.patch, base_filters=args.filters, depth=args.depth
    )
    device, on_gpu = select_device(keras, args.device, _Quiet())
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
    mean = scan.sums / scan.valid
    std = np.sqrt(scan.sumsq / scan.valid - mean**2)
    src.set_normalization(mean, std)
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

        data = _make_dataset(keras, maker, windows, args.batch, 0, 1, 2.0, True, workers)
        t = time.perf_counter()
        model.fit(data, epochs=1, verbose=0, shuffle=False)
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


class _Quiet:
    def info(self, text):
        pass

    warning = info


def real(args) -> None:
    import dataclasses

    from deepfeature.core.model import ModelSpec, initialize_model
    from deepfeature.core.progress import CallbackProgress
    from deepfeature.core.train import TrainConfig, train_model
    from deepfeature.tests import test_sampling as helpers

    data = ROOT / ".." / "shared" / "data"
    tmp = Path(tempfile.mkdtemp())
    if args.real == "massachusetts":
        base = data / "massachusetts_buildings_train"
        train, val = helpers.massachusetts_label_rasters(
            tmp, (base / "22978945_15.tif", base / "22978945_15_buildings.gpkg")
        )
        training, validation, classes = [train], [val], ("building",)
    else:
        base = data / "bakerlake_multiclass"
        scenes = [base / "23322E759967N_clipped_1m_{}of2.tif".format(i) for i in (1, 2)]
        training = helpers.bakerlake_label_rasters(tmp, (scenes, base / "BakerLake_2017_clipped.gpkg"))
        validation, classes = [], ("water", "forest", "road", "building")
    spec = ModelSpec(
        bands=3, classes=classes, patch_size=args.patch, base_filters=args.filters, depth=args.depth
    )
    initialize_model(spec, tmp / "init.keras", seed=args.seed)
    overrides = {
        k: getattr(args, k)
        for k in ("epochs", "patches_per_epoch", "patch_sampling_rate", "learning_rate", "device", "workers")
        if getattr(args, k) is not None
    }
    config = dataclasses.replace(TrainConfig(), seed=args.seed, **overrides)
    t = time.time()
    log = CallbackProgress(
        lambda e: print("  " + e.text, flush=True) if e.kind in ("info", "warning") else None
    )
    result = train_model(
        str(tmp / "init.keras"),
        training,
        validation,
        str(tmp / "trained.keras"),
        config,
        output_report=str(tmp / "report.html"),
        progress=log,
    )
    seconds = time.time() - t
    print(
        "\n{} ({}), patch {}, base filters {}, depth {}; {}".format(
            args.real, ", ".join(classes), args.patch, args.filters, args.depth, config
        )
    )
    print(
        "{:<8} {:>10} {:>10} ".format("epoch", "loss", "val_loss")
        + " ".join("{:>10}".format(c[:10]) for c in classes)
    )
    for h in result.history:
        print(
            "{:<8} {:>10.4f} {:>10.4f} ".format(h["epoch"], h["loss"], h["val_loss"])
            + " ".join(
                "{:>10}".format("-" if h["val_iou"][c] is None else "{:.3f}".format(h["val_iou"][c]))
                for c in classes
            )
        )
    print(
        "best epoch {} of {}, validation IoU: {}; {:.0f} s; report {}".format(
            result.best_epoch,
            result.epochs_run,
            result.best_metrics.get("val_iou"),
            seconds,
            result.report_paths[:1],
        )
    )


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--patch", type=int, default=None, help="patch size (default 64; 256 with --real)")
    parser.add_argument("--filters", type=int, default=None, help="base filters (default 8; 16 with --real)")
    parser.add_argument("--depth", type=int, default=5)
    parser.add_argument("--batch", type=int, default=8)
    parser.add_argument("--steps", type=int, default=30)
    parser.add_argument("--workers", type=int, default=None, help="pipeline threads (default: automatic)")
    parser.add_argument("--device", default="auto", choices=("auto", "cpu", "gpu"))
    parser.add_argument("--backend", default=None, help="sets KERAS_BACKEND (tensorflow, jax, torch)")
    parser.add_argument("--real", choices=("massachusetts", "bakerlake"), default=None)
    parser.add_argument("--epochs", type=int, default=None)
    parser.add_argument("--patches-per-epoch", dest="patches_per_epoch", type=int, default=None)
    parser.add_argument("--rate", dest="patch_sampling_rate", type=float, default=None)
    parser.add_argument("--lr", dest="learning_rate", type=float, default=None)
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args()
    _setup_path(args.backend)
    if args.real:
        args.patch = args.patch or 256
        args.filters = args.filters or 16
        real(args)
    else:
        args.patch = args.patch or 64
        args.filters = args.filters or 8
        throughput(args)


if __name__ == "__main__":
    main()
