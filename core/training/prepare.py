"""Preparing a training run: the label sources (hold-out for validation), the scan (class counts,
normalization statistics and quantiles), the patch sampler, the epoch plan, the references of histogram
matching and the validation patches, handed to the loop as one :class:`PreparedRun`."""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from ..errors import LabelError, ParameterError
from ..normalization import Normalization, band_quantiles
from ..progress import Progress
from .batches import BatchMaker, epoch_rng
from .config import TrainConfig, TrainRun, patches_per_epoch
from .metrics import Patches
from .targets import IGNORE

#: Most validation pixels kept in memory (patches beyond are subsampled deterministically).
MAX_VALIDATION_PIXELS = 8_000_000
#: Training patches used to report the training IoU each epoch.
MONITOR_PATCHES = 32
#: The default minimum object size of a class is this share of the size that 5 % of its training objects
#: are below (so that the post-processing drops specks far smaller than any object the model was shown),
#: with at least MIN_OBJECTS_FOR_SIZE training objects. Measured in bench/README.md (bench_realdata.py).
MIN_OBJECT_SHARE = 0.5
MIN_OBJECT_PERCENTILE = 5
MIN_OBJECTS_FOR_SIZE = 20


@dataclass
class PreparedRun:
    """What the training loop needs, prepared from the inputs by :func:`prepare_run`."""

    run: TrainRun
    metadata: object  # ModelMetadata
    normalization: Normalization
    sampler: object  # PatchSampler
    maker: BatchMaker
    ppe: int  # patches per epoch
    validation: Patches  # validation patches, their targets and hard masks
    monitor: Patches  # fixed training patches (unaugmented) and masks: the "train" IoU
    #: The training objects per class id (see :func:`object_statistics`), kept in the model's metadata.
    objects: dict = field(default_factory=dict)

    @property
    def config(self) -> TrainConfig:
        """The run's settings."""
        return self.run.config

    @property
    def batch(self) -> int:
        """Patches per batch."""
        return self.run.config.patches_per_batch

    @property
    def steps(self) -> int:
        """Batches per epoch."""
        return self.ppe // self.batch

    @property
    def class_names(self) -> list[str]:
        """The model's feature classes."""
        return list(self.metadata.spec.classes)

    @property
    def n_outputs(self) -> int:
        """The model's output channels."""
        return self.metadata.spec.n_outputs


# -- label sources ---------------------------------------------------------------------------------------
def open_sources(run: TrainRun, spec, progress: Progress) -> tuple[list, list]:
    """(training, validation) label sources of ``run``: rasters smaller than a patch skipped (with a warning),
    without validation rasters a hold-out of each training raster."""
    patch = spec.patch_size
    usable = _usable_training(run.training, patch, progress)
    if run.validation:
        train_regions, val_specs = [None] * len(usable), _given_validation(run.validation, patch, progress)
    else:
        train_regions, val_specs = _held_out(usable, patch, run.config.validation_fraction, progress)
    sources = _open([p for p, _ in usable], spec, train_regions, progress, "training")
    val_sources = _open([p for p, _ in val_specs], spec, [r for _, r in val_specs], progress, "validation")
    return sources, val_sources


def _usable_training(training: list[str], patch: int, progress: Progress) -> list[tuple]:
    """(path, info) of the training rasters at least one patch large."""
    from ..label_format import read_info

    infos = [read_info(p) for p in training]
    usable = [(p, i) for p, i in zip(training, infos) if i.width >= patch and i.height >= patch]
    for p, i in zip(training, infos):
        if i.width < patch or i.height < patch:
            progress.warning(
                "The label raster '{}' ({} x {}) is smaller than the patch size {}: skipped.".format(
                    p, i.width, i.height, patch
                )
            )
    if not usable:
        raise ParameterError(
            "The model's patch size ({} pixels) is larger than every training label raster. Use larger "
            "label rasters, or initialize a model with a smaller patch size.".format(patch)
        )
    return usable


def _given_validation(validation: list[str], patch: int, progress: Progress) -> list[tuple]:
    """(path, None) of the validation rasters at least one patch large."""
    from ..label_format import read_info

    val_specs = []
    for p in validation:
        vi = read_info(p)
        if vi.width < patch or vi.height < patch:
            progress.warning("The validation raster '{}' is smaller than the patch size: skipped.".format(p))
        else:
            val_specs.append((p, None))
    if not val_specs:
        raise ParameterError(
            "Every validation label raster is smaller than the patch size {} x {} pixels. Give larger "
            "validation label rasters, initialize a model with a smaller patch size, or leave "
            "VALIDATION empty to hold out part of the training rasters.".format(patch, patch)
        )
    return val_specs


def _held_out(usable: list[tuple], patch: int, fraction: float, progress: Progress) -> tuple[list, list]:
    """(training regions, (path, validation region) pairs): the last ``fraction`` of each training raster
    held out, or (too small) validation on the training rasters themselves."""
    from .sampling import holdout_regions

    train_regions, val_specs, held = [], [], []
    for p, i in usable:
        tr, va = holdout_regions(i.width, i.height, patch, fraction)
        train_regions.append(tr)
        if va is not None:
            val_specs.append((p, va))
            held.append(va.height * va.width / float(i.width * i.height))
    if val_specs:
        progress.info(
            "No validation rasters: holding out the last {:.0%} of each training raster (along its "
            "longer side; at least one patch: {}) for validation.".format(
                fraction, ", ".join("{:.0%}".format(f) for f in held))
        )
    else:
        progress.warning(
            "No validation rasters and the training rasters are too small to hold a part out: "
            "validating on the training data (the best epoch is then optimistic)."
        )
        val_specs = [(p, None) for p, _ in usable]
    return train_regions, val_specs


def _open(paths, spec, regions, progress: Progress, what: str) -> list:
    """Label sources of ``paths`` (their ``regions``); warns when their class names are not the model's."""
    from ..label_format import format_classes
    from .sampling import LabelSource

    sources = []
    for path, region in zip(paths, regions):
        source = LabelSource(path, spec.bands, tuple(spec.classes), region=region, model_ids=spec.ids)
        if not source.names_match:
            progress.warning(
                "The class names of the {} label raster '{}' ({}) are not the model's ({}): its mask "
                "values are used as the model's class numbers. Check that they mean the same classes, "
                "or rebuild the label raster with the model's class names.".format(
                    what, path, format_classes(source.info.classes), format_classes(spec.classes_by_id),
                )
            )
        sources.append(source)
    return sources


# -- the run ------------------------------------------------------------------------------------------------
def prepare_run(run: TrainRun, metadata, sources: list, val_sources: list, progress: Progress) -> PreparedRun:
    """Scan the sources, set their normalization, plan the epochs and read the validation patches."""
    config, patch = run.config, metadata.spec.patch_size
    normalization, sampler, objects = _scan(sources, val_sources, metadata, config, progress)
    # Training rasters in memory (with their solid / blur distance maps) while they fit; validation
    # patches are read once below, by windows.
    from .sampling import DEFAULT_CACHE_BYTES

    budget = DEFAULT_CACHE_BYTES
    for s in sources:
        budget -= s.cache(budget, config.solid_distance, config.blur_distance_max)
    ppe = _plan_epochs(config, sampler, patch, progress)
    _histogram_matching(sources, sampler, patch, config, progress)
    progress.check()
    n_classes, n_outputs = len(metadata.spec.classes), metadata.spec.n_outputs
    maker = BatchMaker(sources, patch, n_classes, n_outputs, config)
    validation = _validation_patches(BatchMaker(val_sources, patch, n_classes, n_outputs, config), config)
    mon_windows = sampler.draw(MONITOR_PATCHES, 0.0, epoch_rng(config.seed, 10**6))
    monitor = Patches(maker.make(mon_windows, None, 0.0, False)[0], None, maker.masks(mon_windows))
    _report_validation(validation, list(metadata.spec.classes), progress)
    return PreparedRun(run, metadata, normalization, sampler, maker, ppe, validation, monitor, objects)


def _scan(sources: list, val_sources: list, metadata, config: TrainConfig, progress: Progress) -> tuple:
    """(normalization, patch sampler): class counts of the training sources and, for a new model, the
    normalization statistics and per-band quantiles over their labelled pixels (a refined model keeps
    its own). The quantiles are those of every n-th labelled pixel, about :data:`~.sampling.QUANTILE_SAMPLE`
    in all."""
    from .sampling import QUANTILE_SAMPLE, PatchSampler, cell_size

    refine = metadata.normalization is not None
    progress.info("Scanning {} training label raster(s)...".format(len(sources)))
    area = sum(s.region.height * s.region.width for s in sources)
    step = max(1, -(-area // QUANTILE_SAMPLE))
    scans = []
    for i, s in enumerate(sources):
        scans.append(s.scan(cell_size(s.region), stats=not refine,
                            progress=progress.sub(0.02 * i / len(sources), 0.02 * (i + 1) / len(sources)),
                            sample_step=step))
        if scans[-1].unknown_values:
            progress.warning(
                "The mask band of '{}' has values that are no class of the model ({}): they are "
                "ignored.".format(s.path, ", ".join(str(v) for v in sorted(scans[-1].unknown_values)))
            )
    if refine:
        normalization = metadata.normalization
        progress.info("Refining a trained model: keeping its normalization statistics.")
    else:
        n = sum(r.valid for r in scans)
        if n == 0:
            raise LabelError("The training label rasters have no labelled pixels (all ignore or NoData).")
        sample = np.concatenate([r.sample for r in scans if r.sample is not None])
        normalization = Normalization.from_moments(sum(r.sums for r in scans), sum(r.sumsq for r in scans), n,
                                                   band_quantiles(sample))
        progress.info("Normalization (per band mean / std over labelled pixels): {}.".format(
            ", ".join("{:.4g}/{:.4g}".format(m, s) for m, s in zip(normalization.mean, normalization.std))))
    for s in sources + val_sources:
        s.set_normalization(normalization)
    sampler = PatchSampler(sources, [r.counts for r in scans], [cell_size(s.region) for s in sources],
                           metadata.spec.patch_size)
    _report_class_totals(sampler.class_totals, list(metadata.spec.classes), progress)
    objects = object_statistics(scans, metadata.spec)
    _report_objects(objects, progress)
    return normalization, sampler, objects


def object_statistics(scans: list, spec) -> dict:
    """Per class id (a string, as in JSON): the number of labelled training objects (4-connected), their
    median size and the size 5 % of them are below (pixels), and the default minimum object size of the
    post-processing (:data:`MIN_OBJECT_SHARE` of the latter; 0 with fewer than :data:`MIN_OBJECTS_FOR_SIZE`
    objects)."""
    pixels = np.concatenate([s.object_pixels for s in scans if s.object_pixels is not None] or [np.zeros(0)])
    classes = np.concatenate([s.object_classes for s in scans if s.object_classes is not None]
                             or [np.zeros(0)])
    out = {}
    for k, class_id in enumerate(spec.ids, start=1):
        sizes = pixels[classes == k]
        if not sizes.size:
            continue
        low = float(np.percentile(sizes, MIN_OBJECT_PERCENTILE))
        out[str(class_id)] = {
            "objects": int(sizes.size),
            "median_pixels": float(np.median(sizes)),
            "p5_pixels": low,
            "min_object_pixels": int(MIN_OBJECT_SHARE * low) if sizes.size >= MIN_OBJECTS_FOR_SIZE else 0,
        }
    return out


def _report_objects(objects: dict, progress: Progress) -> None:
    for class_id, stats in objects.items():
        progress.info(
            "Training objects of class {}: {} (median {:g} pixels, 5 % below {:g}); objects under {} pixels "
            "are dropped by default when this model's activation is turned into classes, polygons or "
            "points.".format(class_id, stats["objects"], stats["median_pixels"], stats["p5_pixels"],
                             stats["min_object_pixels"]))


def _report_class_totals(totals, class_names: list[str], progress: Progress) -> None:
    """Log the labelled training pixels per class; warn about classes without any."""
    progress.info(
        "Labelled training pixels: {} background, {}.".format(
            int(totals[0]),
            ", ".join("{} {}".format(int(totals[k + 1]), c) for k, c in enumerate(class_names)),
        )
    )
    missing = [c for k, c in enumerate(class_names) if totals[k + 1] == 0]
    if missing:
        progress.warning(
            "No training pixels of the class(es) {}: the model cannot learn them. Add labels of these "
            "classes, or initialize a model without them.".format(", ".join(map("'{}'".format, missing)))
        )


def _plan_epochs(config: TrainConfig, sampler, patch: int, progress: Progress) -> int:
    """Patches per epoch (whole batches), logged with the epoch plan."""
    ppe = patches_per_epoch(config, sampler.labelled_pixels, patch)
    batch = config.patches_per_batch
    if config.patches_per_epoch > 0 and ppe != config.patches_per_epoch:
        progress.info("Patches per epoch: {} rounded up to {}, a whole number of batches of {}.".format(
            config.patches_per_epoch, ppe, batch))
    if config.augment_zoom and not config.augment:
        progress.warning("'Augment also with zoom/shift' works only with 'Augment' on; no augmentation is "
                         "used. Turn 'Augment' on to use it.")
    progress.info(
        "{} epochs x {} patches ({} batches of {}), patch {} x {} pixels.".format(
            config.epochs, ppe, ppe // batch, batch, patch, patch
        )
    )
    return ppe


def _histogram_matching(sources: list, sampler, patch: int, config: TrainConfig, progress: Progress) -> None:
    """With AUGMENT_HISTOGRAM (and AUGMENT), the reference patches of randomized histogram matching
    (:class:`~.augmentation.HistogramMatching`) for every training source: drawn once from the seed,
    over the labelled pixels."""
    if config.augment_histogram <= 0:
        return
    if not config.augment:
        progress.warning("'Augment with histogram matching' works only with 'Augment' on; no "
                         "augmentation is used. Turn 'Augment' on to use it.")
        return
    from .augmentation import HISTOGRAM_REFERENCES, HistogramMatching

    windows = sampler.draw(HISTOGRAM_REFERENCES, 0.0, epoch_rng(config.seed, 10**6 + 1))
    matching = HistogramMatching.from_windows(sources, windows, patch, config.augment_histogram)
    for s in sources:
        s.set_histogram_matching(matching)
    progress.info("Histogram matching: {:.0%} of the patches are matched to the histogram of one of {} "
                  "reference patches of the training rasters.".format(config.augment_histogram, len(windows)))


def _validation_patches(val_maker: BatchMaker, config: TrainConfig) -> Patches:
    """The validation patches: grid windows with labels (at most :data:`MAX_VALIDATION_PIXELS`)."""
    from .sampling import grid_windows

    patch = val_maker.patch
    val_windows = [(i, r, c) for i, s in enumerate(val_maker.sources) for r, c in grid_windows(s, patch)]
    vmasks = val_maker.masks(val_windows) if val_windows else np.zeros((0, patch, patch), np.uint8)
    keep = [i for i in range(len(val_windows)) if (vmasks[i] != IGNORE).any()]
    limit = max(1, MAX_VALIDATION_PIXELS // (patch * patch))
    if len(keep) > limit:
        keep = sorted(np.random.default_rng(config.seed).choice(keep, limit, replace=False).tolist())
    val_windows = [val_windows[i] for i in keep]
    if not val_windows:
        raise LabelError(
            "The validation data has no labelled pixels. Give validation label rasters with labels."
        )
    x_val, y_val = val_maker.make(val_windows, None, config.blur_distance_min, False)
    return Patches(x_val, y_val, vmasks[keep])


def _report_validation(validation: Patches, class_names: list[str], progress: Progress) -> None:
    """Log the validation patches; warn about classes the validation data lacks."""
    m_val = validation.masks
    progress.info(
        "Validation: {} patches ({} labelled pixels).".format(len(m_val), int((m_val != IGNORE).sum()))
    )
    absent = [c for k, c in enumerate(class_names) if not (m_val == k + 1).any()]
    if absent:
        progress.warning(
            "The validation data has no pixels of the class(es) {}: their validation IoU is undefined "
            "(n/a) and the best epoch is chosen on the other classes{}. Give validation label rasters "
            "with these classes to measure them.".format(
                ", ".join(map("'{}'".format, absent)),
                "" if len(absent) < len(class_names) else " (here: on the validation loss)")
        )
