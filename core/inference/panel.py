"""One column panel of a classification: its threads (feeder, inference, writer), the row buffers that
blend the tiles' probabilities, and the rows handed to the writer once final.

The weighted sums are kept for one row of tiles only (the weights of all tiles sum to a separable total,
divided out when a row is final) and written by windows as soon as final: memory does not grow with the
raster height (one strip of the raster and one row of sums across the panel's width).
"""

from __future__ import annotations

import queue
import threading
from dataclasses import dataclass

from ..activation_format import ACTIVATION_NODATA
from ..device import device_scope
from ..postprocessing import classify_block
from .options import CLASSIFICATION_THRESHOLD, ClassifyOptions
from .reading import Feeder, Source, prefetches
from .runtime import InputKind, ReadyModel, device_dtype, inference_loop, predict
from .threads import Pipeline, Stats, put
from .tiling import TileGrid, weight_sum
from .writing import Writer


@dataclass
class Totals:
    """What the panels add up: valid pixels and class pixels (by the writer thread), tiles done (by the
    consumer) out of ``total_tiles``."""

    class_pixels: object  # int64 counts of the 256 class ids
    total_tiles: int
    valid_pixels: int = 0
    done_tiles: int = 0


@dataclass
class PanelJob:
    """What every panel of one classification shares: the input, the model, the options, the open
    outputs (``cdst`` None without a classification) and the running totals."""

    source: Source
    ready: ReadyModel
    options: ClassifyOptions
    window: tuple[int, int, int, int]
    threads: int
    outputs: tuple  # (activation dataset, classification dataset or None)
    stats: Stats
    progress: object
    totals: Totals

    @property
    def spec(self):
        """The model's spec."""
        return self.ready.metadata.spec


class PanelRun:
    """Classify the columns of ``panel`` (a window) with the tiling ``grid`` into the outputs."""

    def __init__(self, job: PanelJob, panel: tuple[int, int, int, int], grid: TileGrid):
        import numpy as np

        self.job, self.panel, self.grid = job, panel, grid
        col0, row0, width, height = panel
        self.n_out = job.spec.n_outputs
        self.first_feature = 1 if self.n_out > 1 else 0  # channel 0 is the background when there are several
        self.class_ids = list(job.spec.classes_by_id)
        w1 = grid.weights()  # the model's output step weighs each tile's exact zone by the outer product
        # The blend weights of all tiles sum to a separable total: 1 inside, less near the panel edges.
        self.inv_wy = weight_sum(w1.astype(np.float64), grid.ys, row0, height).astype(np.float32)
        self.inv_wx = weight_sum(w1.astype(np.float64), grid.xs, col0, width).astype(np.float32)
        # Blended probabilities (channels first) and validity of the exact-zone rows of the current tile
        # row.
        self.acc = np.zeros((self.n_out, grid.zone, width), dtype=np.float32)
        self.vbuf = np.zeros((grid.zone, width), dtype=bool) if job.source.mask != "none" else None
        self.row = 0  # the next tile row to flush
        source = job.source  # what the raw tiles are, on their way to the model
        self.kind = InputKind(device_dtype(source.dtype), source.mask != "none", source.floating,
                              bool(job.options.tta))
        self.pipeline = self._pipeline()
        self.writer = Writer(*job.outputs, self.finish, self.pipeline.stop, job.stats)
        self.feeder = Feeder(job.source, grid, panel, int(job.options.batch_size), self.pipeline, job.threads,
                             prefetch=prefetches(job.ready.gpu, grid.tile, width, job.spec.bands,
                                                 job.source.dtype))
        self.workers: list[threading.Thread] = []

    def _pipeline(self) -> Pipeline:
        """The queues, with empty batch buffers of raw tiles (+ validity): the model's device normalises
        them."""
        import numpy as np

        job, tile = self.job, self.grid.tile
        batch_size, n_workers = int(job.options.batch_size), len(job.ready.models)
        free_q: queue.Queue = queue.Queue()
        raw_dtype, masked = self.kind.dtype, self.kind.masked
        for _ in range(n_workers + 3):
            raw = np.zeros((batch_size, tile, tile, job.spec.bands), dtype=raw_dtype)
            free_q.put((raw, np.zeros((batch_size, tile, tile), dtype=np.uint8)) if masked else raw)
        return Pipeline(free_q, queue.Queue(maxsize=1), queue.Queue(maxsize=n_workers + 1), threading.Event(),
                        job.stats, n_workers)

    # -- the writer thread's side ---------------------------------------------------------------------
    def finish(self, block, vblock, b0: int, b1: int, g0: int, g1: int):
        """(activation, classification or None) of rows ``b0..b1`` of the accumulator ``block`` (and
        validity ``vblock``) = window rows ``g0..g1``. Runs in the writer thread, which owns the
        block."""
        import numpy as np

        totals, row0, width = self.job.totals, self.panel[1], self.panel[2]
        probs = block[:, b0:b1]
        probs *= self.inv_wy[None, g0 - row0:g1 - row0, None]
        probs *= self.inv_wx[None, None, :]
        np.clip(probs, 0.0, 1.0, out=probs)
        act = probs[self.first_feature:]
        if act.shape[0] > 1:
            act = np.ascontiguousarray(act)
        valid = vblock[b0:b1] if vblock is not None else None
        if valid is not None:
            np.copyto(act, np.float32(ACTIVATION_NODATA), where=~valid[None])
            totals.valid_pixels += int(np.count_nonzero(valid))
        else:
            totals.valid_pixels += (g1 - g0) * width
        cls = None
        if self.job.outputs[1] is not None:  # the rule of 'Activation to Classification' at its default
            if valid is None:
                valid = np.ones(act.shape[1:], bool)
            cls, _ = classify_block(act, valid, CLASSIFICATION_THRESHOLD, self.class_ids)
            totals.class_pixels[:] += np.bincount(cls.ravel(), minlength=256)
        return act, cls

    def flush(self, ty: int) -> None:
        """Hand the buffer rows of tile row ``ty`` that no later tile touches to the writer thread (the
        buffers themselves: fresh ones take over, starting with the rows the next tile row shares)."""
        import numpy as np
        from rasterio.windows import Window

        grid, stats = self.grid, self.job.stats
        col0, row0, width, height = self.panel
        zone, step = grid.zone, grid.step
        buf_y = grid.ys[ty] + grid.margin
        rows = zone if ty == len(grid.ys) - 1 else step
        g0, g1 = max(buf_y, row0), min(buf_y + rows, row0 + height)
        block, vblock = self.acc, self.vbuf
        with stats.stage("blend"):
            self.acc = np.zeros_like(block)
            self.acc[:, :zone - step] = block[:, step:]
            if vblock is not None:
                self.vbuf = np.zeros_like(vblock)
                self.vbuf[:zone - step] = vblock[step:]
        if g1 > g0:
            if self.writer.error is not None:
                raise self.writer.error
            out_col = col0 - self.job.window[0]
            with stats.stage("wait for writer"):
                put(self.writer.q, (Window(out_col, g0 - row0, width, g1 - g0), block, vblock,
                                    g0 - buf_y, g1 - buf_y, g0, g1), self.pipeline.stop)

    # -- the consumer (the calling thread) -------------------------------------------------------------
    def run(self) -> None:
        """Run the panel's threads until every row is written (the calling thread blends)."""
        try:
            self._compile()
            kind, ready, job = self.kind, self.job.ready, self.job
            self.workers = [
                threading.Thread(
                    target=inference_loop, name="deepfeature-inference-{}".format(i), daemon=True,
                    args=(ready.inference_model(i, kind, self.grid), job.options.device, self.pipeline,
                          not ready.gpu))
                for i in range(len(ready.models))
            ]
            self.writer.start()
            self.feeder.start()
            for w in self.workers:
                w.start()
            self._consume()
            while self.row < len(self.grid.ys):
                self.flush(self.row)
                self.row += 1
            put(self.writer.q, None, self.pipeline.stop)
            self.writer.join()
            if self.writer.error is not None:
                raise self.writer.error
        finally:
            self.pipeline.stop.set()
            for thread in [self.feeder, self.writer] + self.workers:
                if thread.is_alive() or thread.ident is not None:
                    thread.join(timeout=30)
            # The writer calls back into this run (self.finish): a reference cycle. Let go of the panel's
            # buffers and threads now, not when the cycle collector runs, so that the next panel does not
            # allocate its own beside them.
            self.acc = self.vbuf = self.pipeline = self.feeder = self.writer = None
            self.workers = []

    def _compile(self) -> None:
        """On a GPU, say that the first batch of a new tile size compiles; on JAX compile the model copies
        one after the other: the later ones load the first one's compiled code from JAX's cache (the
        copies share it) instead of all compiling at once."""
        from .. import deps

        ready, kind, progress = self.job.ready, self.kind, self.job.progress
        if not ready.gpu or ready.has_inference_model(kind, self.grid):
            return
        progress.info("Compiling the model for this tile size on the GPU: the first batch takes "
                      "a while (minutes for a large model; JAX keeps the result for the next "
                      "runs).")
        keras = deps.keras_backend_module()
        if len(ready.models) > 1 and keras.backend.backend() == "jax":
            free_q = self.pipeline.free_q
            batch = free_q.get()  # a still empty batch buffer
            with device_scope(keras, self.job.options.device):
                for i in range(len(ready.models)):
                    predict(ready.inference_model(i, kind, self.grid), batch)
                    progress.check()
            free_q.put(batch)

    def _consume(self) -> None:
        """Take the model's batches in order (they may come out of order from several inference threads)
        and blend them, until the feeder's last batch."""
        progress, out_q, stats = self.job.progress, self.pipeline.out_q, self.job.stats
        waiting: dict[int, tuple] = {}
        next_seq, total = 0, None
        while total is None or next_seq < total:
            item = waiting.pop(next_seq, None)
            if item is None:
                with stats.stage("wait for model"):
                    try:
                        msg = out_q.get(timeout=0.2)
                    except queue.Empty:
                        msg = None
                progress.check()
                if msg is None:
                    continue
                if msg[0] == "error":
                    raise msg[1]
                if msg[0] == "end":
                    total = msg[1]
                else:
                    waiting[msg[1]] = msg
                continue
            _, _, ids, zones, probs = item
            next_seq += 1
            self._blend(ids, zones, probs)
            totals = self.job.totals
            totals.done_tiles += len(ids)
            progress.check()
            progress.progress(min(0.999, totals.done_tiles / max(totals.total_tiles, 1)))

    def _blend(self, ids, zones, probs) -> None:
        """Add the tiles ``ids`` of one batch (probabilities ``probs``, exact-zone validity ``zones``) into
        the row buffers, flushing the tile rows before them."""
        grid = self.grid
        col0, width = self.panel[0], self.panel[2]
        margin, tile, nx = grid.margin, grid.tile, len(grid.xs)
        for k, zvalid, p in zip(ids, zones, probs):
            ty, tx = divmod(k, nx)
            while self.row < ty:
                self.flush(self.row)
                self.row += 1
            x0 = grid.xs[tx]
            c0, c1 = max(x0 + margin, col0), min(x0 + tile - margin, col0 + width)
            # p: (channels, zone, zone), weighted on the model's device
            with self.job.stats.stage("blend"):
                self.acc[:, :, c0 - col0:c1 - col0] += p[:, :, c0 - x0 - margin:c1 - x0 - margin]
                if self.vbuf is not None:
                    self.vbuf[:, c0 - col0:c1 - col0] = zvalid[:, c0 - x0 - margin:c1 - x0 - margin]
