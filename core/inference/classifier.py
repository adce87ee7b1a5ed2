"""Classify a raster with a model: streamed, seamless, tile-size independent activation rasters.

:func:`classify_raster` runs a :class:`Classifier`, whose methods are the steps: check the arguments,
inspect the model and the raster, load the model and tile the window (:mod:`.tiling`), then classify
the column panels one after the other (:mod:`.panel`) into the outputs (:mod:`.writing`).

NoData input pixels (NoData in any band: NoData values, alpha or internal mask) are replaced by the band
mean (0 after normalisation) for the network and stay NoData in the outputs. With ``match_histogram``
every band is first mapped through the histogram transfer from the image's quantiles (a bounded sample
of the window) to the training rasters' quantiles that the model keeps. The pipeline keeps the model
busy: a feeder thread reads and cuts the tiles (:mod:`.reading`), inference threads run the model
(:mod:`.runtime`), the calling thread adds their results into the row buffers and a writer thread
finishes and writes the final rows. ``result["stages"]`` gives the wall and CPU seconds of each stage.
"""

from __future__ import annotations

import contextlib
import dataclasses
import os
import time

from ..activation_format import ACTIVATION_NODATA, CLASS_NODATA, activation_tags, describe_classification
from ..device import device_scope, host_threads
from ..errors import ModelFileError, OutputError, RasterError
from ..files import atomic_output, check_output_path, require_file, same_file
from ..progress import Progress, count, ensure
from .options import DEFAULT_TILE_SIZE, ClassifyOptions
from .panel import PanelJob, PanelRun, Totals
from .reading import Source, is_label_raster, sample_quantiles
from .runtime import checked_normalization, ready_model
from .threads import SWITCH_INTERVAL, Stats, switch_interval
from .tiling import extent_window, gpu_tile_size, panel_grids
from .writing import build_overviews, output_profile

#: GDAL block cache (MB) while classifying, unless GDAL_CACHEMAX is set (GDAL's default is 5 % of RAM).
#: Input blocks are decoded once (block-aligned strips), so the cache mostly holds output blocks.
GDAL_CACHE_MB = 128


class Classifier:
    """One classification of ``input_path`` with the model ``model_path`` into ``output_path`` (and the
    options' classification): :meth:`run` takes the steps in order."""

    def __init__(self, input_path: str | os.PathLike, model_path: str | os.PathLike,
                 output_path: str | os.PathLike, options: ClassifyOptions, progress: Progress | None = None):
        self.input_path, self.model_path, self.output_path = input_path, model_path, output_path
        self.options = options
        self.progress = ensure(progress)
        self.stats = Stats()

    def run(self) -> dict:
        """Classify; return the summary (see :func:`classify_raster`)."""
        self.check_arguments()
        self.inspect()
        self.load()
        return self.classify()

    def check_arguments(self) -> None:
        """Refuse missing inputs, bad options and unusable outputs before any work."""
        inputs = [self.input_path, self.model_path]
        require_file(self.input_path, "input raster")
        require_file(self.model_path, "model file")
        self.options.check()
        check_output_path(self.output_path, inputs, "activation raster", geotiff=True)
        classification = self.options.classification_path
        if classification:
            check_output_path(classification, inputs, "classification raster", geotiff=True)
            if same_file(classification, self.output_path):
                raise OutputError("The classification and the activation outputs must be different files.")

    def inspect(self) -> None:
        """Read the model's metadata and the raster's bands, window and layout; the outputs' profiles."""
        import rasterio

        from ..nn import read_metadata

        metadata = read_metadata(self.model_path)
        spec = self.spec = metadata.spec
        if metadata.normalization is None:
            raise ModelFileError(
                "The model '{}' has no normalization statistics: it was never trained. Train it with "
                "'Train Model' first.".format(self.model_path)
            )
        try:
            src_handle = rasterio.open(self.input_path)
        except rasterio.errors.RasterioIOError as exc:
            raise RasterError("Cannot open the raster '{}': {}".format(self.input_path, exc)) from exc
        with src_handle as src:
            bands = self._bands(src)
            self.window = extent_window(src, self.options.extent)
            norm = checked_normalization(metadata, self.model_path)  # damaged: a clear error now
            self.profiles = (
                output_profile(src, self.window, spec.n_outputs - (1 if spec.n_outputs > 1 else 0), "float32",
                               ACTIVATION_NODATA),
                output_profile(src, self.window, 1, "uint8", CLASS_NODATA),
            )
            self.source = Source.describe(src, bands)
            if self.options.match_histogram:
                self.source = self._matched(src, bands, norm)

    def _matched(self, src, bands: list[int], norm) -> Source:
        """The source with its bands mapped from the image's quantiles (a bounded sample of the window)
        onto the training rasters' ones; :class:`ModelFileError` for a model without them."""
        from ..normalization import transfer_curves

        if norm.quantiles is None:
            raise ModelFileError(
                "The model '{}' keeps no histogram of its training rasters (it was trained before "
                "histogram matching existed, or refined from such a model): it cannot match the image's "
                "histogram. Train it again with 'Train Model', or classify without 'Match the image's "
                "histogram'.".format(self.model_path)
            )
        quantiles, pixels = sample_quantiles(src, bands, self.window, len(norm.quantiles[0]))
        self.progress.info(
            "Matching the image's histogram to the training rasters' (per band quantiles of {}).".format(
                count(pixels, "sampled pixel")))
        return self.source.matched(transfer_curves(quantiles, norm.quantiles))

    def _bands(self, src) -> list[int]:
        """The bands of the open raster ``src`` to classify: all, or a label raster's image bands."""
        spec = self.spec
        bands = list(range(1, src.count + 1))
        if is_label_raster(src) and src.count == spec.bands + 1:
            bands = bands[:-1]  # a label raster: classify its image bands, not the mask band
            self.progress.info(
                "The input is a label raster: classifying its image bands (not the mask band).")
        if len(bands) != spec.bands:
            raise RasterError(
                "The model expects {} bands but the raster '{}' has {}. Classify an image with the same "
                "bands as the label rasters the model was trained on (use 'Rearrange bands' or a virtual "
                "raster to select them).".format(spec.bands, self.input_path, src.count)
            )
        return bands

    def load(self) -> None:
        """Load (or reuse) the model on the device, pick the tile size and tile the window's panels."""
        from .. import deps

        options, spec = self.options, self.spec
        # DEVICE 'gpu' without a GPU: a clear error now, not in a thread.
        device_scope(deps.keras_backend_module(), options.device)
        self.ready = ready_model(self.model_path, options.device, self.progress)
        margin = self.ready.margin
        tile_size = options.tile_size
        if not tile_size:  # automatic
            gpu = self.ready.gpu
            tile_size = gpu_tile_size(spec, options.batch_size, margin) if gpu else DEFAULT_TILE_SIZE
        self.panels, self.grids = panel_grids(self.window, tile_size, margin, spec.size_factor)
        self.threads = host_threads()
        width, height = self.window[2:]
        grid = self.grids[0]
        self.progress.info(
            "Classifying {} x {} pixels in {} of {} pixels{} (context margin {}, step {}, batch {}{}; "
            "{}).".format(
                width, height, count(sum(g.count for g in self.grids), "tile"), grid.tile,
                " ({} column panels)".format(len(self.panels)) if len(self.panels) > 1 else "", margin,
                grid.step, int(options.batch_size), ", 8-way TTA" if options.tta else "",
                count(self.threads, "reader thread"))
        )

    def classify(self) -> dict:
        """Classify the panels into the outputs (written atomically), with overviews; the summary."""
        import numpy as np
        import rasterio

        self.totals = Totals(np.zeros(256, dtype=np.int64), sum(g.count for g in self.grids))
        started = time.perf_counter()
        with contextlib.ExitStack() as stack:
            stack.enter_context(switch_interval(SWITCH_INTERVAL))
            if "GDAL_CACHEMAX" not in os.environ:  # bounded block cache (MB): memory flat in the raster size
                stack.enter_context(rasterio.Env(GDAL_CACHEMAX=GDAL_CACHE_MB))
            paths, outputs = self._open_outputs(stack)
            self._run_panels(outputs)
            if self.totals.valid_pixels == 0:
                raise RasterError(
                    "The raster '{}' has no valid pixels{} (all NoData): nothing to classify. Check the "
                    "raster's NoData value or choose another EXTENT.".format(
                        self.input_path, " in EXTENT" if self.options.extent else "")
                )
            with self.stats.stage("write"):
                for dataset in outputs:
                    if dataset is not None:
                        dataset.close()
            seconds = time.perf_counter() - started
            if self.options.overviews:
                build_overviews(*paths, *self.window[2:], self.progress)
        return self._result(seconds)

    def _open_outputs(self, stack: contextlib.ExitStack) -> tuple:
        """((activation path, classification path or None), (activation dataset, classification dataset
        or None)): temporary files in ``stack``, moved into place when it ends without an error."""
        import rasterio

        inputs = [self.input_path, self.model_path]
        classes = self.spec.classes_by_id  # band b is class ids[b - 1]: the label rasters' class ids
        act_tmp = stack.enter_context(atomic_output(self.output_path, inputs, "activation raster"))
        cls_tmp = None
        if self.options.classification_path:
            cls_tmp = stack.enter_context(
                atomic_output(self.options.classification_path, inputs, "classification raster")
            )
        dst = stack.enter_context(rasterio.open(act_tmp, "w", **self.profiles[0]))
        min_objects = self.ready.metadata.min_object_pixels
        dst.update_tags(**activation_tags(classes, str(self.model_path), min_objects))
        for b, name in enumerate(self.spec.classes, start=1):
            dst.set_band_description(b, name)
        cdst = stack.enter_context(rasterio.open(cls_tmp, "w", **self.profiles[1])) if cls_tmp else None
        if cdst is not None:
            describe_classification(cdst, classes)
        return (act_tmp, cls_tmp), (dst, cdst)

    def _run_panels(self, outputs: tuple) -> None:
        """Classify the panels one after the other, holding the cached model (one classification at a
        time per cached model)."""
        job = PanelJob(self.source, self.ready, self.options, self.window, self.threads, outputs, self.stats,
                       self.progress, self.totals)
        while not self.ready.lock.acquire(timeout=0.2):
            self.progress.check()
        try:
            for panel, grid in zip(self.panels, self.grids):
                PanelRun(job, panel, grid).run()
        finally:
            self.ready.lock.release()

    def _result(self, seconds: float) -> dict:
        """The summary of the classification (sizes, tiling, timing, class pixel counts)."""
        width, height = self.window[2:]
        mp = width * height / 1e6
        self.progress.info("Classified {:.2f} megapixels in {:.1f} s ({:.2f} MP/s).".format(
            mp, seconds, mp / seconds))
        self.progress.progress(1.0)
        totals, grid, classes = self.totals, self.grids[0], self.spec.classes_by_id
        result = {
            "width": width,
            "height": height,
            "window": self.window,
            "tiles": totals.done_tiles,
            "tile_size": grid.tile,
            "margin": self.ready.margin,
            "step": grid.step,
            "panels": len(self.panels),
            "seconds": seconds,
            "megapixels_per_second": mp / seconds if seconds > 0 else float("inf"),
            "valid_pixels": totals.valid_pixels,
            "classes": classes,
            "threads": self.threads,
            "inference_threads": len(self.ready.models),
            "stages": self.stats.summary(),
        }
        if self.options.classification_path:
            result["class_pixels"] = {c: int(totals.class_pixels[c]) for c in [0] + list(classes)}
        return result


def classify_raster(
    input_path: str | os.PathLike,
    model_path: str | os.PathLike,
    output_path: str | os.PathLike,
    options: ClassifyOptions | None = None,
    progress: Progress | None = None,
    **changes,
) -> dict:
    """Classify ``input_path`` with the model; write the activation raster (and a classification).

    The activation raster is float32, one band per feature class (probability 0..1, NoData -1), on the
    input grid (or the EXTENT window of it, in the raster CRS: xmin, ymin, xmax, ymax), tiled, compressed
    (ZSTD, else DEFLATE), with overviews. The optional classification is uint8 class ids (0 background, 255
    NoData) by :func:`~deepfeature.core.postprocessing.classify_block` at ``CLASSIFICATION_THRESHOLD`` (0.5),
    the rule of 'Activation to Classification': the most probable feature class where its activation is
    at least 0.5, else background.
    ``options``: a :class:`ClassifyOptions` (default: its defaults); ``changes``: fields of it given as
    keywords (``tile_size=512``), over ``options``. ``tile_size`` 0 picks :data:`DEFAULT_TILE_SIZE` on the
    CPU, :func:`gpu_tile_size` on a GPU.
    Returns a summary dict (sizes, tiling, timing, class pixel counts).
    """
    options = options or ClassifyOptions()
    if changes:
        options = dataclasses.replace(options, **changes)
    return Classifier(input_path, model_path, output_path, options, progress).run()
