"""The model runtime: ready inference models (cached per process), the model between its device-side
input and output steps, the runners that feed a backend, and the inference threads.

One inference thread per model copy (two on a GPU) runs the model on full batches of one shape (only
the last batch is padded; on the CPU one tile per call, which halves the model's memory at no cost in
speed), the model's device normalising the tiles and weighing their exact zones. On the JAX backend a
thread copies the next batch to the device while the device computes the previous one (JAX dispatches
asynchronously); the other backends use ``predict_on_batch``. The loaded models (batch norm folded on
the CPU, bfloat16 on a GPU) are cached per process, keyed by model file, device and Keras
backend/policy, so that classifying many rasters with one model loads and compiles it once.

The model is Keras throughout (``predict_on_batch``, ``keras.device``; on JAX the model's
``stateless_call`` under ``jax.jit``), so this runs on the TensorFlow, JAX and PyTorch backends.
"""

from __future__ import annotations

import collections
import dataclasses
import os
import queue
import threading
import weakref
from dataclasses import dataclass

from ..device import device_scope
from ..errors import ModelFileError
from ..normalization import Normalization
from .threads import Pipeline, StoppedError, get, put
from .tiling import TileGrid

#: Inference threads on a GPU, each with its own copy of the model: one copies tiles to or from the
#: device while the other computes.
GPU_INFERENCE_THREADS = 2
#: Whether the GPU runs the model with batch normalisation folded into the convolutions (the CPU always
#: does).
GPU_FOLD_BATCH_NORM = False
#: Ready inference models kept per process (keyed by file, device, backend and precision policy).
MODEL_CACHE_SIZE = 2


def checked_normalization(metadata, model_path=None) -> Normalization:
    """The model's normalization, with one statistic per model band (:class:`ModelFileError` otherwise)."""
    norm = metadata.normalization
    if norm.bands != metadata.spec.bands:
        raise ModelFileError(
            "The model{} has normalization statistics for {} bands but expects {} bands: its metadata is "
            "damaged. Train it again.".format(" '{}'".format(model_path) if model_path else "",
                                              norm.bands, metadata.spec.bands)
        )
    return norm


@dataclass(frozen=True)
class InputKind:
    """What the raw tiles are: their ``dtype`` on the way to the device, whether a validity tile comes
    with them (``masked``), whether they may hold non-finite values (``floating``), and whether the model
    also sees their flips and quarter turns (``tta``, see :data:`DIHEDRAL`)."""

    dtype: str
    masked: bool
    floating: bool
    tta: bool


@dataclass
class ReadyModel:
    """A loaded model ready for inference: one instance per inference thread (Keras models are not
    thread-safe), compiled once per process and batch shape by the backend."""

    models: list
    metadata: object
    margin: int
    gpu: bool
    lock: threading.Lock
    inputs: dict = dataclasses.field(default_factory=dict)  # see inference_model

    @staticmethod
    def _key(index: int, kind: InputKind, grid: TileGrid) -> tuple:
        return (index, kind, grid.tile, grid.margin, grid.step)

    def has_inference_model(self, kind: InputKind, grid: TileGrid) -> bool:
        """Whether :meth:`inference_model` has built (and so compiled) this kind and tiling already."""
        return self._key(0, kind, grid) in self.inputs

    def inference_model(self, index: int, kind: InputKind, grid: TileGrid):
        """Model ``index`` between its input and output steps (see :func:`build_inference_model`), built
        once per input kind and tiling (a few are kept)."""
        key = self._key(index, kind, grid)
        model = self.inputs.get(key)
        if model is None:
            mean, std = checked_normalization(self.metadata).arrays()
            model = build_inference_model(self.models[index], mean, std, kind, grid)
            while len(self.inputs) >= 8 * len(self.models):
                self.inputs.pop(next(iter(self.inputs)))
            self.inputs[key] = model
        return model


_MODEL_CACHE: collections.OrderedDict = collections.OrderedDict()
_MODEL_CACHE_LOCK = threading.Lock()


def inference_twin(model, spec, policy: str | None = None, folded: bool = True):
    """A copy of ``model`` for inference built under the dtype ``policy`` (e.g. ``mixed_bfloat16``;
    default: the current one), with its batch normalisation folded into the convolutions if ``folded``.
    Outputs stay float32."""
    from .. import deps
    from ..nn import build_model, fold_batch_norm

    keras = deps.keras_backend_module()
    current = keras.mixed_precision.global_policy().name
    keras.mixed_precision.set_global_policy(policy or current)
    try:
        if folded:
            return fold_batch_norm(model, spec)
        twin = build_model(spec)
        twin.set_weights(model.get_weights())
        return twin
    finally:
        keras.mixed_precision.set_global_policy(current)


def device_dtype(dtype: str) -> str:
    """The dtype raw tiles travel in to the model: the strips' own (1-2 bytes per value, not 4), except
    uint16 on PyTorch (whose uint16 tensors support few operations), sent as int32."""
    from .. import deps

    if dtype == "uint16" and deps.keras_backend_module().backend.backend() == "torch":
        return "int32"
    return dtype


#: The 8 symmetries of a square tile (the dihedral group D4) as ``(transpose, flip rows, flip columns)``:
#: a tile is flipped, then transposed. The identity, the three flips, the transpose, the two quarter
#: turns (transpose + one flip) and the anti-transpose. Test-time augmentation runs the model on all 8.
DIHEDRAL = tuple((t, r, c) for t in (False, True) for r in (False, True) for c in (False, True))


def dihedral(ops, x, transform: tuple[bool, bool, bool], inverse: bool = False):
    """``x`` (batch, rows, cols, channels; square) under one :data:`DIHEDRAL` ``transform``, or its inverse
    (transposed back first, then flipped back), with ``ops`` (``keras.ops`` or numpy)."""
    transpose, rows, cols = transform
    if transpose and inverse:
        x = ops.transpose(x, (0, 2, 1, 3))
    if rows:
        x = ops.flip(x, axis=1)
    if cols:
        x = ops.flip(x, axis=2)
    if transpose and not inverse:
        x = ops.transpose(x, (0, 2, 1, 3))
    return x


def build_inference_model(model, mean, std, kind: InputKind, grid: TileGrid):
    """``model`` between an input and an output step that run on the model's device, so that the host
    only copies raw pixels in and adds blended tiles out (which keeps a GPU fed):

    - in: raw ``tile`` x ``tile`` tiles of ``kind.dtype`` (and, when ``kind.masked``, a uint8 validity
      tile) are cast to float32, normalised with the model's statistics ``mean`` and ``std``, invalid
      pixels (NoData, non-finite) set to 0 (the band mean);
    - ``kind.tta``: the model also sees the 7 other flips / quarter turns of each tile (:data:`DIHEDRAL`:
      8 model passes per tile), each undone on its output, and the 8 are averaged (exactly invariant
      to flipping or turning the raster);
    - out: each tile's exact zone (``grid.margin`` cropped on every side), multiplied by the separable
      blend weights (1-D, the zone's width), channels first: (batch, channels, zone, zone) float32.

    Built at run time from ``keras.ops`` (never saved to a model file)."""
    from .. import deps

    keras = deps.keras_backend_module()
    ops = keras.ops
    bands = len(mean)
    dtype, masked, floating, tta = kind.dtype, kind.masked, kind.floating, kind.tta
    tile, margin = grid.tile, grid.margin
    weights = grid.weights()[margin:tile - margin]

    class InputStep(keras.layers.Layer):
        def __init__(self):
            super().__init__(dtype="float32", name="deepfeature_input_step")
            self.mean, self.std = mean.reshape(1, 1, 1, -1), std.reshape(1, 1, 1, -1)

        def call(self, raw, valid=None):
            x = ops.cast(raw, "float32")
            y = ops.divide(ops.subtract(x, self.mean), self.std)
            keep = None
            if valid is not None:
                keep = ops.expand_dims(ops.greater(valid, 0), -1)
            if floating:
                finite = ops.isfinite(x)
                keep = finite if keep is None else ops.logical_and(keep, finite)
            return y if keep is None else ops.where(keep, y, ops.zeros_like(y))

    class Dihedral(keras.layers.Layer):
        def __init__(self, transform, inverse, **kwargs):
            super().__init__(dtype="float32", **kwargs)
            self.transform, self.inverse = transform, inverse

        def call(self, x):
            return dihedral(ops, x, self.transform, self.inverse)

    class OutputStep(keras.layers.Layer):
        def __init__(self):
            super().__init__(dtype="float32", name="deepfeature_output_step")
            self.wy = weights.reshape(1, -1, 1, 1)
            self.wx = weights.reshape(1, 1, -1, 1)

        def call(self, *probs):
            y = ops.cast(probs[0], "float32")
            for p in probs[1:]:
                y = ops.add(y, ops.cast(p, "float32"))
            if len(probs) > 1:
                y = ops.divide(y, float(len(probs)))
            if margin:
                y = y[:, margin:tile - margin, margin:tile - margin, :]
            y = ops.multiply(ops.multiply(y, self.wy), self.wx)
            return ops.transpose(y, (0, 3, 1, 2))

    raw = keras.Input(shape=(tile, tile, bands), dtype=dtype, name="raw")
    inputs = [raw]
    if masked:
        valid = keras.Input(shape=(tile, tile), dtype="uint8", name="valid")
        inputs.append(valid)
        x = InputStep()(raw, valid)
    else:
        x = InputStep()(raw)
    probs = [model(x)]
    if tta:
        for i, transform in enumerate(DIHEDRAL[1:]):
            turned = Dihedral(transform, False, name="deepfeature_tta_{}".format(i))(x)
            probs.append(Dihedral(transform, True, name="deepfeature_untta_{}".format(i))(model(turned)))
    return keras.Model(inputs, OutputStep()(*probs), name="deepfeature_inference")


def ready_model(model_path, device: str, progress) -> ReadyModel:
    """The process-wide cached inference model for this file (path, inode, mtime, size), device and
    Keras backend/policy: rasters classified one after the other with one model compile it once."""
    from .. import deps
    from ..device import gpu_available
    from ..nn import load_model, receptive_field

    keras = deps.keras_backend_module()
    gpu = device != "cpu" and gpu_available(keras)
    st = os.stat(model_path)
    key = (os.path.realpath(model_path), st.st_ino, st.st_mtime_ns, st.st_size, device, gpu,
           keras.backend.backend(), keras.mixed_precision.global_policy().name, GPU_FOLD_BATCH_NORM)
    with _MODEL_CACHE_LOCK:
        ready = _MODEL_CACHE.get(key)
        if ready is not None:
            _MODEL_CACHE.move_to_end(key)
            progress.info("Using the model already loaded in this process.")
            return ready
    progress.info("Loading the model {}.".format(os.path.basename(str(model_path))))
    model, metadata = load_model(model_path)
    margin = receptive_field(model).margin
    if gpu:  # XLA/cuDNN fuse batch normalisation themselves; folded, large tiles fall to a slow path
        models = [inference_twin(model, metadata.spec, "mixed_bfloat16", folded=GPU_FOLD_BATCH_NORM)
                  for _ in range(GPU_INFERENCE_THREADS)]
        progress.info("GPU found: running the model in bfloat16 mixed precision.")
    else:  # batch normalisation folded into the convolutions: 20 % faster on the CPU (TensorFlow)
        models = [inference_twin(model, metadata.spec)]
    ready = ReadyModel(models, metadata, margin, gpu, threading.Lock())
    with _MODEL_CACHE_LOCK:
        _MODEL_CACHE[key] = ready
        while len(_MODEL_CACHE) > MODEL_CACHE_SIZE:
            _MODEL_CACHE.popitem(last=False)
    return ready


def predict(model, x):
    """The inference model's output for a full batch ``x``: the raw tiles, or (raw tiles, validity) for a
    masked source (one compiled shape). A numpy array (it may be read-only)."""
    import numpy as np

    send, run = runner(model)
    return np.asarray(run(send(x)), dtype=np.float32)


def _arrays(batch) -> list:
    """A batch buffer as the model's list of inputs: [raw tiles] or [raw tiles, validity]."""
    return list(batch) if isinstance(batch, (list, tuple)) else [batch]


_RUNNERS: weakref.WeakKeyDictionary = weakref.WeakKeyDictionary()
_RUNNERS_LOCK = threading.Lock()


def runner(model, per_tile: bool = False):
    """``(send, run)`` for ``model``: ``send(batch)`` hands a full batch to the backend and returns when
    its host buffer may be reused; ``run(sent)`` gives the output. On JAX, ``send`` copies the batch to
    the device and ``run`` starts the jit-compiled model and returns at once (JAX dispatches
    asynchronously), so that an inference thread sends the next batch while the device computes
    (``predict_on_batch`` waits for its result, and two threads calling it were measured to take turns).
    On the other backends ``send`` is ``predict_on_batch`` (a numpy array) and ``run`` passes it on;
    with ``per_tile`` (the CPU) it calls the model one tile at a time: the same speed on the CPU, and
    the model's activations need the memory of one tile, not of the whole batch."""
    from .. import deps

    if deps.keras_backend_module().backend.backend() != "jax":
        def send(x):
            arrays = _arrays(x)
            if not per_tile or len(arrays[0]) == 1:
                return model.predict_on_batch(arrays)
            import numpy as np

            return np.concatenate([np.asarray(model.predict_on_batch([a[i:i + 1] for a in arrays]))
                                   for i in range(len(arrays[0]))])

        return send, lambda out: out
    with _RUNNERS_LOCK:
        pair = _RUNNERS.get(model)
        if pair is None:
            pair = _RUNNERS[model] = _jax_runner(model)
    return pair


def _jax_runner(model):
    """:func:`runner` on the JAX backend (built once per model)."""
    import jax
    import numpy as np

    trainable = [v.value for v in model.trainable_variables]
    fixed = [v.value for v in model.non_trainable_variables]

    def deepfeature_inference(t, f, xs):  # named: the compiled code is cached on disk by name
        return model.stateless_call(t, f, xs, training=False)[0]

    call = jax.jit(deepfeature_inference)
    # On the CPU JAX may keep a reference to the host buffer instead of copying it: copy first (the
    # batch buffer is reused as soon as send returns).
    host = next(iter(jax.device_put(np.zeros(1)).devices())).platform == "cpu"

    def send(x):
        arrays = [jax.device_put(np.array(a) if host else a) for a in _arrays(x)]
        for a in arrays:
            a.block_until_ready()
        return arrays[0] if len(arrays) == 1 else arrays

    def run(on_device):
        return call(trainable, fixed, on_device)

    return send, run


def inference_loop(model, device: str, pipeline: Pipeline, per_tile: bool = False) -> None:
    """One inference thread: batches from ``in_q`` -> probabilities to ``out_q`` (tagged by order). When
    the backend computes asynchronously (JAX), the next batch is sent before the previous result is
    fetched, so that the device always has work. ``per_tile``: see :func:`runner`."""
    import numpy as np

    in_q, out_q, free_q = pipeline.in_q, pipeline.out_q, pipeline.free_q
    stop, stats = pipeline.stop, pipeline.stats

    send, run = runner(model, per_tile)

    def finish(seq, ids, zones, out) -> None:
        with stats.stage("infer"):
            probs = np.asarray(out, dtype=np.float32)  # waits for the device
        put(out_q, ("batch", seq, ids, zones, probs), stop)

    from .. import deps

    try:
        with device_scope(deps.keras_backend_module(), device):
            pending = None
            while True:
                if pending is None:
                    item = get(in_q, stop)
                else:
                    try:
                        item = in_q.get_nowait()
                    except queue.Empty:
                        finish(*pending)
                        pending = None
                        continue
                if item is None:
                    break
                seq, buf, ids, zones = item
                with stats.stage("infer"):
                    out = run(send(buf))
                free_q.put(buf)
                if pending is not None:
                    finish(*pending)
                pending = (seq, ids, zones, out)
                if isinstance(out, np.ndarray):  # computed already (synchronous backend): pass it on
                    finish(*pending)
                    pending = None
            if pending is not None:
                finish(*pending)
    except StoppedError:
        pass
    except BaseException as exc:  # forwarded to the consumer
        pipeline.fail(exc)
