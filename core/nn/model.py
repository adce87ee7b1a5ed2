"""The model: specification, building, contextual field of view, metadata, safe save and load.

A deepfeature model file is a plain Keras 3 ``.keras`` zip archive with one extra member,
``deepfeature.json`` (the :class:`ModelMetadata`: architecture and its arguments, bands, class names,
patch size, field of view, and after training the normalisation statistics, the training configuration
and the history). Keras ignores the extra member. A copy is written next to the model as
``<model>.keras.json`` for humans; the embedded copy is the one that counts.

Loading is always safe: Keras' safe mode, no Lambda layers, only Keras' own classes (or classes
registered under the ``deepfeature`` package), nothing is ever unpickled. Keras is imported lazily:
:func:`read_metadata` and :class:`ModelSpec` work without it.
"""

from __future__ import annotations

import functools
import json
import math
import os
import zipfile
from dataclasses import asdict, dataclass, field
from fractions import Fraction
from pathlib import Path
from typing import TYPE_CHECKING, Any, Callable, Union

from .. import __version__
from ..class_table import MAX_CLASS_ID
from ..errors import ModelFileError, OutputError, ParameterError
from ..files import atomic_output, check_output_path, write_text_atomic
from ..label_format import format_classes
from ..normalization import Normalization
from ..progress import Progress, count, ensure

if TYPE_CHECKING:  # pragma: no cover
    import keras

ARCHITECTURES = ("unet5", "resunet")
ARCHITECTURE_LABELS = {
    "unet5": "ENVINet5-like U-Net (5-level encoder-decoder that classifies every pixel)",
    "resunet": "Res-UNet (residual blocks, as in Segmentation Gym)",
}
#: The metadata member inside the ``.keras`` zip.
METADATA_MEMBER = "deepfeature.json"
#: Version of the metadata layout; files with a larger one are refused.
FORMAT_VERSION = 1
MODEL_SUFFIX = ".keras"
MAX_DEPTH = 8
MAX_PATCH = 8192
_RESERVED_CLASS_NAMES = ("background",)


# -------------------------------------------------------------------------------------------------
# Specification
# -------------------------------------------------------------------------------------------------
@dataclass(frozen=True)
class ModelSpec:
    """What to build: architecture and its arguments, input bands, class names, patch size."""

    architecture: str = "unet5"
    bands: int = 3
    classes: tuple[str, ...] = ("feature",)
    patch_size: int = 256
    base_filters: int = 16
    depth: int = 5
    dropout: float = 0.0
    #: The class id (label raster mask value, classification value) of each class, ascending; empty
    #: means the classic ``1..K``. Activation band ``b`` is class ``ids[b - 1]``.
    class_ids: tuple[int, ...] = ()

    def to_dict(self) -> dict:
        """JSON-able dict."""
        data = asdict(self)
        data["classes"] = list(self.classes)
        data["class_ids"] = list(self.class_ids)
        return data

    @classmethod
    def from_dict(cls, data: dict) -> ModelSpec:
        """Inverse of :meth:`to_dict` (unknown keys are ignored). Raises :class:`ParameterError`."""
        if not isinstance(data, dict):
            raise ParameterError("A model specification must be a JSON object, got {!r}.".format(data))
        try:
            classes = data.get("classes", cls.classes)
            if isinstance(classes, str):
                classes = [classes]
            ids = data.get("class_ids") or ()
            if isinstance(ids, (int, str)):
                ids = [ids]
            spec = cls(
                architecture=str(data.get("architecture", cls.architecture)),
                bands=int(data.get("bands", cls.bands)),
                classes=tuple(str(c) for c in classes),
                patch_size=int(data.get("patch_size", cls.patch_size)),
                base_filters=int(data.get("base_filters", cls.base_filters)),
                depth=int(data.get("depth", cls.depth)),
                dropout=float(data.get("dropout", cls.dropout)),
                class_ids=tuple(_class_id(v) for v in ids),
            )
        except (TypeError, ValueError) as exc:
            raise ParameterError("Invalid model specification {!r}: {}.".format(data, exc)) from exc
        spec.validate_class_ids()
        return spec

    @property
    def ids(self) -> tuple[int, ...]:
        """The class id of each class (``class_ids``, else ``1..K``)."""
        return tuple(self.class_ids) or tuple(range(1, len(self.classes) + 1))

    @property
    def classes_by_id(self) -> dict[int, str]:
        """``{class id: class name}`` in class order."""
        return dict(zip(self.ids, self.classes))

    def validate_class_ids(self) -> None:
        """Raise :class:`ParameterError` unless ``class_ids`` is empty or one ascending id 1..254 per
        class (0 is the background, 255 the usual ignore value)."""
        ids = list(self.class_ids)
        if not ids:
            return
        if len(ids) != len(self.classes):
            raise ParameterError(
                "The model has {} classes ({}) but {} class ids ({}); give one id per class.".format(
                    len(self.classes), ", ".join(self.classes), len(ids), ", ".join(map(str, ids)))
            )
        if any(not 1 <= v <= MAX_CLASS_ID for v in ids) or any(a >= b for a, b in zip(ids, ids[1:])):
            raise ParameterError(
                "The class ids must be unique, ascending and between 1 and {} (0 is the background, "
                "255 the usual ignore value); got {}.".format(MAX_CLASS_ID, ", ".join(map(str, ids)))
            )

    @property
    def n_outputs(self) -> int:
        """1 (sigmoid feature probability) for one class, else classes + 1 (softmax, channel 0 is
        the background)."""
        return 1 if len(self.classes) == 1 else len(self.classes) + 1

    @property
    def size_factor(self) -> int:
        """Patch sizes (and classified tiles) must be multiples of this: ``2 ** (depth - 1)``."""
        return 2 ** (self.depth - 1)

    @property
    def output_names(self) -> list[str]:
        """Name of each output channel (``background`` first when there are several classes)."""
        return list(self.classes) if self.n_outputs == 1 else ["background"] + list(self.classes)

    def validate(self) -> None:
        """Raise :class:`ParameterError` (with advice) if this cannot make a working model."""
        if self.architecture not in ARCHITECTURES:
            raise ParameterError(
                "Unknown architecture '{}'. Choose one of: {}.".format(
                    self.architecture, ", ".join(ARCHITECTURES)
                )
            )
        if not 1 <= self.bands <= 1024:
            raise ParameterError(
                "The model needs between 1 and 1024 input bands (got {}). Set the band count to the "
                "number of image bands of your label rasters, or give a label raster as "
                "template.".format(self.bands)
            )
        if not self.classes:
            raise ParameterError("Give at least one class name (for example 'building').")
        self.validate_class_ids()
        names = [c.strip() for c in self.classes]
        if any(not c for c in names):
            raise ParameterError("Class names must not be empty (got {}).".format(list(self.classes)))
        if len({c.lower() for c in names}) != len(names):
            raise ParameterError(
                "Class names must be unique (got {}). Rename the duplicates.".format(list(self.classes))
            )
        for c in names:
            if c.lower() in _RESERVED_CLASS_NAMES:
                raise ParameterError(
                    "'{}' cannot be a class name: the background is always class 0 and is added "
                    "automatically. List only the feature classes.".format(c)
                )
        if not 1 <= self.depth <= MAX_DEPTH:
            raise ParameterError(
                "The model depth must be between 1 and {} levels (got {}); 5 is "
                "ENVINet5-like.".format(MAX_DEPTH, self.depth)
            )
        if not 1 <= self.base_filters <= 1024:
            raise ParameterError(
                "The base filter count must be between 1 and 1024 (got {}); 16 to 64 are usual. "
                "It doubles at each level.".format(self.base_filters)
            )
        if not (0.0 <= self.dropout < 1.0) or math.isnan(self.dropout):
            raise ParameterError(
                "Dropout must be at least 0 and below 1 (got {}); 0 disables it, 0.1 to 0.5 are "
                "usual.".format(self.dropout)
            )
        factor = self.size_factor
        if self.patch_size < factor or self.patch_size % factor or self.patch_size > MAX_PATCH:
            below = max(factor, self.patch_size // factor * factor)
            raise ParameterError(
                "The patch size {} does not fit a {}-level model: it must be a multiple of {} (the "
                "model halves it {} times) between {} and {}. Use for example {} or {}.".format(
                    self.patch_size, self.depth, factor, self.depth - 1, factor, MAX_PATCH,
                    min(below, MAX_PATCH), min(below + factor, MAX_PATCH)
                )
            )


def _class_id(value) -> int:
    """An integer class id from JSON (``2`` or ``"2"``; ``2.5`` and ``True`` are refused)."""
    if isinstance(value, bool) or (isinstance(value, float) and not value.is_integer()):
        raise ValueError("class id {!r} is not an integer".format(value))
    return int(value)


def valid_patch_sizes(spec: ModelSpec, up_to: int = 1024) -> list[int]:
    """The patch sizes a model of this depth accepts, up to ``up_to``: multiples of ``2**(depth-1)``."""
    factor = spec.size_factor
    return list(range(factor, int(up_to) + 1, factor))


# -------------------------------------------------------------------------------------------------
# Building
# -------------------------------------------------------------------------------------------------
def build_model(spec: ModelSpec, seed: int | None = None) -> keras.Model:
    """Build the (uncompiled) Keras model for ``spec``.

    Input ``(None, None, bands)`` float32 (already normalised), output ``(None, None, n_outputs)``
    float32 probabilities (sigmoid for one class, softmax with background channel 0 otherwise), also
    under a mixed-precision policy. Fully convolutional: any height and width that are multiples of
    ``spec.size_factor``. ``seed`` makes the initial weights reproducible.
    """
    from .. import deps
    from .architectures import BUILDERS

    spec.validate()
    deps.keras_backend_module()
    return BUILDERS[spec.architecture](spec, seed=seed)


def count_parameters(model: keras.Model) -> int:
    """Number of weights (trainable and not) of a built model."""
    return int(model.count_params())


# -------------------------------------------------------------------------------------------------
# Contextual field of view (receptive field), computed from the actual layers
# -------------------------------------------------------------------------------------------------
@dataclass(frozen=True)
class _AxisField:
    """Receptive field along one axis of a tensor whose pixel ``p`` sits at input pixel ``p*jump``.

    Pixel ``p`` is influenced by input pixels ``p*jump + lo[p % period]`` .. ``p*jump + hi[p % period]``
    (up-sampling makes neighbouring output pixels see slightly different windows: the phases).
    """

    jump: Fraction
    lo: tuple[Fraction, ...]
    hi: tuple[Fraction, ...]

    @property
    def period(self) -> int:
        return len(self.lo)

    @classmethod
    def identity(cls) -> _AxisField:
        return cls(Fraction(1), (Fraction(0),), (Fraction(0),))

    def remap(self, jump: Fraction, period: int, sources: Callable[[int], list[int]]) -> _AxisField:
        """New tensor with pixel ``q`` reading pixels ``sources(q)`` of this one."""
        los, his = [], []
        for q in range(period):
            ps = sources(q)
            los.append(min(p * self.jump + self.lo[p % self.period] for p in ps) - q * jump)
            his.append(max(p * self.jump + self.hi[p % self.period] for p in ps) - q * jump)
        return _AxisField(jump, tuple(los), tuple(his))

    @staticmethod
    def merge(fields: list[_AxisField]) -> _AxisField:
        """Element-wise union (concatenate, add, ...) of tensors on the same grid."""
        jumps = {f.jump for f in fields}
        if len(jumps) != 1:
            raise ParameterError("Cannot merge tensors of different resolutions ({}).".format(jumps))
        period = functools.reduce(lambda a, b: a * b // math.gcd(a, b), [f.period for f in fields], 1)
        lo = tuple(min(f.lo[i % f.period] for f in fields) for i in range(period))
        hi = tuple(max(f.hi[i % f.period] for f in fields) for i in range(period))
        return _AxisField(fields[0].jump, lo, hi)


@dataclass(frozen=True)
class ReceptiveField:
    """The contextual field of view of a model's output pixel, in input pixels.

    ``lo``/``hi``: the offsets (per axis: rows, columns) of the first/last input pixel that can
    influence an output pixel, over every output pixel (union of the up-sampling phases).
    ``phases``: per axis, the exact (lo, hi) of output pixels ``q`` with ``q % period == i``.
    """

    lo: tuple[int, int]
    hi: tuple[int, int]
    phases: tuple[tuple[tuple[int, int], ...], tuple[tuple[int, int], ...]]

    @property
    def size(self) -> int:
        """Field of view (pixels): width of the influencing window, largest axis."""
        return max(h - lo + 1 for lo, h in zip(self.lo, self.hi))

    @property
    def margin(self) -> int:
        """Context needed on each side of an output pixel for it to be exact (tile overlap)."""
        return max(max(-lo, h) for lo, h in zip(self.lo, self.hi))


def _pair(value) -> tuple:
    return tuple(value) if isinstance(value, (tuple, list)) else (value, value)


def _conv_args(layer, axis: int) -> tuple[int, int, int]:
    """(kernel size, stride, dilation) of a convolution layer along ``axis``."""
    return tuple(int(_pair(getattr(layer, n, 1))[axis]) for n in ("kernel_size", "strides", "dilation_rate"))


def _same_pad(kernel: int, stride: int) -> int:
    """Leading padding of 'same' (TensorFlow/JAX/Keras convention, size divisible by stride)."""
    return max(kernel - stride, 0) // 2


_IDENTITY_LAYERS = {
    "InputLayer", "BatchNormalization", "LayerNormalization", "Activation", "ReLU", "LeakyReLU",
    "PReLU", "ELU", "Softmax", "Dropout", "SpatialDropout2D", "GaussianNoise", "GaussianDropout",
    "AlphaDropout", "Rescaling", "Normalization", "Identity", "Dense", "EinsumDense",
}
_MERGE_LAYERS = {"Concatenate", "Add", "Subtract", "Multiply", "Average", "Maximum", "Minimum"}


def _layer_field(layer, inputs: list[tuple[_AxisField, _AxisField]]) -> tuple[_AxisField, _AxisField]:
    """Receptive field of the output of ``layer`` applied to tensors with fields ``inputs``."""
    kind = type(layer).__name__
    if kind in _MERGE_LAYERS:
        return tuple(_AxisField.merge([f[axis] for f in inputs]) for axis in (0, 1))
    if len(inputs) != 1:
        raise ParameterError("Cannot compute the field of view through layer '{}'.".format(layer.name))
    (fields,) = inputs
    if kind in _IDENTITY_LAYERS:
        return fields
    out = []
    for axis in (0, 1):
        f = fields[axis]
        if "Transpose" in kind and hasattr(layer, "kernel_size"):
            k, s, d = _conv_args(layer, axis)
            keff = (k - 1) * d + 1
            pad = _same_pad(keff, s) if layer.padding == "same" else 0
            # output q receives input p when q = p*s + t*d - pad, t in 0..k-1
            out.append(f.remap(f.jump / s, f.period * s, lambda q, k=k, s=s, d=d, pad=pad: [
                (q + pad - t * d) // s for t in range(k) if (q + pad - t * d) % s == 0]))
        elif hasattr(layer, "kernel_size") or hasattr(layer, "pool_size"):
            if hasattr(layer, "kernel_size"):
                k, s, d = _conv_args(layer, axis)
            else:
                k, s, d = _pair(layer.pool_size)[axis], _pair(layer.strides or layer.pool_size)[axis], 1
            keff = (k - 1) * d + 1
            pad = _same_pad(keff, s) if layer.padding == "same" else 0
            period = f.period // math.gcd(f.period, s)
            out.append(f.remap(f.jump * s, period, lambda q, k=k, s=s, d=d, pad=pad: [
                q * s + t * d - pad for t in range(k)]))
        elif kind == "UpSampling2D":
            u = _pair(layer.size)[axis]
            if layer.interpolation == "nearest":
                sources = functools.partial(lambda q, u: [q // u], u=u)
            else:  # linear-type: the two neighbours of the half-pixel-centred source coordinate
                def sources(q, u=u):
                    x = Fraction(2 * q + 1, 2 * u) - Fraction(1, 2)
                    base = math.floor(x)
                    return [base, base + 1] if x != base else [base]
            out.append(f.remap(f.jump / u, f.period * u, sources))
        elif kind == "ZeroPadding2D":
            pad = layer.padding[axis][0]
            out.append(f.remap(f.jump, f.period, lambda q, pad=pad: [q - pad]))
        elif kind == "Cropping2D":
            crop = layer.cropping[axis][0]
            out.append(f.remap(f.jump, f.period, lambda q, crop=crop: [q + crop]))
        elif hasattr(layer, "operations") and hasattr(layer, "inputs"):
            return _graph_field(layer, [fields])
        else:
            raise ParameterError(
                "Cannot compute the field of view through layer '{}' ({}): it is not a known "
                "per-pixel, convolution, pooling or resampling layer.".format(layer.name, kind)
            )
    return tuple(out)


def _graph_field(model, input_fields: list[tuple[_AxisField, _AxisField]]) -> tuple[_AxisField, _AxisField]:
    """Walk a functional model's graph from its inputs to its (first) output."""
    known: dict[int, tuple[_AxisField, _AxisField]] = {}
    for tensor, fields in zip(model.inputs, input_fields):
        known[id(tensor)] = fields

    def field_of(tensor):
        key = id(tensor)
        if key not in known:
            history = tensor._keras_history
            node = history.operation._inbound_nodes[history.node_index]
            known[key] = _layer_field(history.operation, [field_of(t) for t in node.input_tensors])
        return known[key]

    return field_of(model.outputs[0])


def receptive_field(model_or_spec: Union[keras.Model, ModelSpec]) -> ReceptiveField:
    """The receptive field of an output pixel, computed from the model's actual layers.

    Walks the functional graph and composes, for every layer, its kernel size, dilation, stride,
    'same' padding offset, pooling, up-sampling or transposed convolution, taking the union at skip
    connections. A :class:`ModelSpec` is measured on a minimal model of the same geometry.
    """
    if isinstance(model_or_spec, ModelSpec):
        return _spec_receptive_field(model_or_spec.architecture, model_or_spec.depth)
    fields = _graph_field(model_or_spec, [(_AxisField.identity(), _AxisField.identity())] * len(
        model_or_spec.inputs))
    for f in fields:
        if f.jump != 1:
            raise ParameterError("The model output is not at the input resolution (scale {}).".format(f.jump))
    lo = tuple(int(min(f.lo)) for f in fields)
    hi = tuple(int(max(f.hi)) for f in fields)
    phases = tuple(tuple((int(a), int(b)) for a, b in zip(f.lo, f.hi)) for f in fields)
    return ReceptiveField(lo=lo, hi=hi, phases=phases)


@functools.lru_cache(maxsize=32)
def _spec_receptive_field(architecture: str, depth: int) -> ReceptiveField:
    proxy = ModelSpec(architecture=architecture, bands=1, classes=("x",), patch_size=2 ** (depth - 1),
                      base_filters=1, depth=depth)
    return receptive_field(build_model(proxy))


def field_of_view(model_or_spec: Union[keras.Model, ModelSpec]) -> int:
    """Contextual field of view in pixels: how wide a window of input pixels can influence one output
    pixel, computed from the actual layers (see :func:`receptive_field`)."""
    return receptive_field(model_or_spec).size


# -------------------------------------------------------------------------------------------------
# Metadata and normalisation
# -------------------------------------------------------------------------------------------------
@dataclass
class ModelMetadata:
    """What travels with the model file (``deepfeature.json`` inside the ``.keras`` zip)."""

    spec: ModelSpec
    field_of_view: int
    normalization: Normalization | None = None
    training: dict | None = None
    history: list[dict] = field(default_factory=list)
    format_version: int = FORMAT_VERSION
    deepfeature_version: str = __version__
    parameters: int = 0

    def __post_init__(self) -> None:
        self.normalization = Normalization.from_metadata(self.normalization)

    def to_dict(self) -> dict:
        """JSON-able dict."""
        return {
            "format_version": self.format_version,
            "deepfeature_version": self.deepfeature_version,
            "spec": self.spec.to_dict(),
            "field_of_view": int(self.field_of_view),
            "parameters": int(self.parameters),
            "normalization": None if self.normalization is None else self.normalization.to_metadata(),
            "training": self.training,
            "history": list(self.history),
        }

    def to_json(self) -> str:
        """Indented JSON text."""
        return json.dumps(self.to_dict(), indent=2, sort_keys=False, default=_json_default)

    @classmethod
    def from_dict(cls, data: dict) -> ModelMetadata:
        """Inverse of :meth:`to_dict`; raises :class:`ParameterError` on malformed content."""
        if not isinstance(data, dict) or "spec" not in data:
            raise ParameterError("The model metadata has no model specification.")
        try:
            return cls(
                spec=ModelSpec.from_dict(data["spec"]),
                field_of_view=int(data.get("field_of_view", 0)),
                normalization=Normalization.from_metadata(data.get("normalization")),
                training=data.get("training"),
                history=list(data.get("history") or []),
                format_version=int(data.get("format_version", FORMAT_VERSION)),
                deepfeature_version=str(data.get("deepfeature_version", "")),
                parameters=int(data.get("parameters", 0) or 0),
            )
        except (TypeError, ValueError) as exc:
            raise ParameterError("The model metadata is malformed: {}.".format(exc)) from exc


def _json_default(value: Any):
    """numpy scalars/arrays and tuples in training configs become plain JSON."""
    if hasattr(value, "tolist"):
        return value.tolist()
    if hasattr(value, "item"):
        return value.item()
    if isinstance(value, (set, frozenset)):
        return sorted(value)
    if isinstance(value, Path):
        return str(value)
    raise TypeError("{!r} is not JSON serialisable".format(value))


# -------------------------------------------------------------------------------------------------
# Saving and loading
# -------------------------------------------------------------------------------------------------
def _check_suffix(path: str | os.PathLike, error) -> Path:
    p = Path(path)
    if p.suffix.lower() != MODEL_SUFFIX:
        raise error(
            "The model file '{}' must end with '{}' (Keras 3 model format). Choose a name like "
            "'model.keras'.".format(p, MODEL_SUFFIX)
        )
    return p


def save_model(model: keras.Model, metadata: ModelMetadata, path: str | os.PathLike,
               progress: Progress | None = None) -> None:
    """Write ``model`` (with its optimizer state if compiled) and ``metadata`` to ``path`` atomically,
    plus a human-readable ``<path>.json``."""
    progress = ensure(progress)
    _check_suffix(path, OutputError)
    out = check_output_path(path, what="model file")
    text = metadata.to_json()
    progress.check()
    with atomic_output(out, what="model file") as tmp:
        try:
            model.save(str(tmp))
            with zipfile.ZipFile(tmp, "a", compression=zipfile.ZIP_DEFLATED) as zf:
                zf.writestr(METADATA_MEMBER, text)
        except OSError as exc:
            raise OutputError("Cannot write the model file '{}': {}".format(out, exc)) from exc
        progress.progress(0.9)
    try:
        write_text_atomic(str(out) + ".json", text)
    except OSError as exc:
        progress.warning("Could not write the metadata copy '{}.json': {}".format(out, exc))
    progress.progress(1.0)


def _open_zip(path: str | os.PathLike) -> zipfile.ZipFile:
    p = Path(path) if path else None
    if p is None or not p.is_file():
        raise ModelFileError(
            "The model file '{}' does not exist. Choose a .keras file made with 'Initialize Model' or "
            "'Train Model'.".format(path)
        )
    try:
        return zipfile.ZipFile(p)
    except (zipfile.BadZipFile, OSError) as exc:
        raise ModelFileError(
            "'{}' is not a Keras model file or it is damaged ({}). Choose a .keras file made with "
            "'Initialize Model' or 'Train Model'.".format(path, exc)
        ) from exc


def _read_member(zf: zipfile.ZipFile, member: str, path) -> dict | None:
    if member not in zf.namelist():
        return None
    try:
        return json.loads(zf.read(member).decode("utf-8"))
    except (zipfile.BadZipFile, OSError, UnicodeDecodeError, ValueError, RuntimeError) as exc:
        raise ModelFileError(
            "The model file '{}' is damaged ({} is unreadable: {}). Initialize or train the model "
            "again.".format(path, member, exc)
        ) from exc


def read_metadata(path: str | os.PathLike) -> ModelMetadata:
    """The metadata of a deepfeature model file, without Keras and without building the model."""
    with _open_zip(path) as zf:
        data = _read_member(zf, METADATA_MEMBER, path)
    if data is None:
        raise ModelFileError(
            "'{}' is not a deepfeature model (it has no deepfeature metadata). Initialize one with "
            "'Initialize Model' and train it with 'Train Model'.".format(path)
        )
    version = data.get("format_version", FORMAT_VERSION) if isinstance(data, dict) else None
    if isinstance(version, int) and version > FORMAT_VERSION:
        raise ModelFileError(
            "The model file '{}' was written by a newer deepfeature (format {}, this one reads up to "
            "{}). Update the plugin.".format(path, version, FORMAT_VERSION)
        )
    try:
        return ModelMetadata.from_dict(data)
    except ParameterError as exc:
        raise ModelFileError("The model file '{}' has damaged metadata: {}".format(path, exc)) from exc


def _unsafe_objects(config) -> tuple[list[str], list[str]]:
    """(Lambda-like layers, objects from outside Keras) found anywhere in a Keras config."""
    lambdas, foreign = [], []
    stack = [config]
    while stack:
        item = stack.pop()
        if isinstance(item, dict):
            cls = item.get("class_name")
            if isinstance(cls, str) and "Lambda" in cls:
                lambdas.append(str((item.get("config") or {}).get("name", cls)) if isinstance(
                    item.get("config"), dict) else cls)
            module = item.get("module")
            if isinstance(module, str) and isinstance(cls, str):
                registered = item.get("registered_name")
                ok = module in ("keras", "builtins") or module.startswith("keras.")
                if isinstance(registered, str) and ">" in registered:
                    ok = registered.split(">", 1)[0] == "deepfeature"
                if not ok:
                    foreign.append("{}.{}".format(module, cls))
            stack.extend(item.values())
        elif isinstance(item, list):
            stack.extend(item)
    return lambdas, foreign


def load_model(path: str | os.PathLike, compile: bool = False) -> tuple[keras.Model, ModelMetadata]:
    """Load a deepfeature model safely; return ``(model, metadata)``.

    Raises :class:`ModelFileError` for a missing, damaged, foreign (no deepfeature metadata), unsafe
    (Lambda layer, code from outside Keras) or too new file. Never unpickles and never runs code from
    the file (Keras safe mode).
    """
    _check_suffix(path, ModelFileError)
    metadata = read_metadata(path)
    with _open_zip(path) as zf:
        config = _read_member(zf, "config.json", path)
    if config is None:
        raise ModelFileError(
            "The model file '{}' has no Keras configuration: it is damaged. Initialize or train the "
            "model again.".format(path)
        )
    lambdas, foreign = _unsafe_objects(config)
    if lambdas:
        raise ModelFileError(
            "The model file '{}' contains Lambda layers ({}): refused, because model files must never "
            "execute code. Initialize a model with 'Initialize Model' instead.".format(
                path, ", ".join(sorted(set(lambdas)))
            )
        )
    if foreign:
        raise ModelFileError(
            "The model file '{}' uses objects from outside Keras ({}): refused, because model files "
            "must never execute code. Initialize a model with 'Initialize Model' instead.".format(
                path, ", ".join(sorted(set(foreign)))
            )
        )
    from .. import deps

    keras = deps.keras_backend_module()
    from . import architectures as layers  # noqa: F401 - registers custom layers, if any

    try:
        model = keras.saving.load_model(str(path), compile=compile, safe_mode=True)
    except Exception as exc:  # keras raises many types for a bad archive
        raise ModelFileError(
            "Cannot load the model file '{}': {}. It may be damaged or made by an incompatible Keras; "
            "initialize or train the model again.".format(path, exc)
        ) from exc
    inputs = model.inputs[0].shape if getattr(model, "inputs", None) else None
    if inputs is None or inputs[-1] != metadata.spec.bands or model.outputs[0].shape[-1] != \
            metadata.spec.n_outputs:
        raise ModelFileError(
            "The model file '{}' does not match its metadata ({} bands, {} outputs expected). "
            "Initialize or train the model again.".format(path, metadata.spec.bands, metadata.spec.n_outputs)
        )
    return model, metadata


# -------------------------------------------------------------------------------------------------
# The 'Initialize Model' entry point
# -------------------------------------------------------------------------------------------------
def parse_class_names(text: str | None) -> tuple[str, ...]:
    """Class names from comma-separated text (blanks dropped): ``"road, building"`` -> two classes."""
    return tuple(part.strip() for part in (text or "").split(",") if part.strip())


def resolve_spec(spec: ModelSpec, template: str | os.PathLike | None = None,
                 progress: Progress | None = None) -> ModelSpec:
    """``spec`` completed from a label raster ``template`` (bands; class names when ``spec.classes`` is
    empty) and validated. Without template, empty classes mean one class, ``feature``.

    When the classes are the template's (no class names, or the same names in any order), the model
    takes the template's classes in its order and its class ids (``class_ids``), so a label raster with
    classes 2 and 5 gives a model whose outputs are classes 2 and 5; other class names are ``1..K``."""
    import dataclasses

    progress = ensure(progress)
    if template:
        from ..label_format import read_info

        info = read_info(template)
        names = tuple(info.classes[k] for k in info.class_ids)
        if not names:
            raise ParameterError(
                "The label raster '{}' lists no classes. Rebuild it with class names, or leave the "
                "template empty and give the band count and class names.".format(template)
            )
        if spec.classes and len(spec.classes) != len(names):
            raise ParameterError(
                "{} class names were given ({}) but the label raster '{}' has {} classes ({}). Leave the "
                "class names empty to take them from the label raster.".format(
                    len(spec.classes), ", ".join(spec.classes), template, len(names), ", ".join(names))
            )
        if spec.bands != info.image_bands:
            progress.info("Taking {} bands from the label raster (instead of {}).".format(
                info.image_bands, spec.bands))
        ids = spec.class_ids
        if not ids and (not spec.classes or set(spec.classes) == set(names)):
            # The label raster's classes: keep their order and ids (2 and 5 stay 2 and 5 in every output).
            spec = dataclasses.replace(spec, classes=names)
            ids = tuple(info.class_ids)
            if ids == tuple(range(1, len(ids) + 1)):
                ids = ()  # the classic 1..K
        spec = dataclasses.replace(spec, bands=info.image_bands, classes=spec.classes or names, class_ids=ids)
    elif not spec.classes:
        spec = dataclasses.replace(spec, classes=("feature",))
    spec.validate()
    return spec


@dataclass(frozen=True)
class InitializeResult:
    """What :func:`initialize_model` made."""

    path: str
    parameters: int
    field_of_view: int
    valid_patch_sizes: list[int]
    margin: int = 0


def initialize_model(spec: ModelSpec, output_path: str | os.PathLike, progress: Progress | None = None,
                     seed: int | None = None, template: str | os.PathLike | None = None) -> InitializeResult:
    """Build an untrained model for ``spec`` and save it (with its metadata) to ``output_path``.

    ``template``: a label raster that gives the band count (and the class names when ``spec.classes``
    is empty), see :func:`resolve_spec`. ``seed`` makes the initial weights reproducible.
    """
    progress = ensure(progress)
    spec = resolve_spec(spec, template, progress)
    _check_suffix(output_path, OutputError)
    check_output_path(output_path, what="model file")
    progress.info("Building the model, {}: {}, classes {}, {} levels, {}.".format(
        ARCHITECTURE_LABELS[spec.architecture], count(spec.bands, "band"),
        format_classes(spec.classes_by_id) if spec.class_ids else ", ".join(spec.classes),
        spec.depth, count(spec.base_filters, "base filter")))
    progress.check()
    model = build_model(spec, seed=seed)
    progress.progress(0.4)
    progress.check()
    rf = receptive_field(model)
    params = count_parameters(model)
    sizes = valid_patch_sizes(spec, up_to=max(1024, spec.patch_size))
    progress.info("Parameters: {:,}.".format(params))
    progress.info("Contextual field of view: {} pixels (an output pixel depends on input pixels up to {} "
                  "pixels away).".format(rf.size, rf.margin))
    recommended = [s for s in sizes if s >= rf.size]
    progress.info("Valid patch sizes: multiples of {} from {} to {}; at least the field of view is "
                  "recommended: {}.".format(spec.size_factor, sizes[0], MAX_PATCH,
                                            ", ".join(str(s) for s in recommended[:6]) or "none"))
    if spec.patch_size < rf.size:
        progress.warning(
            "The patch size {} is smaller than the field of view ({} pixels): the model will not see "
            "the full context of a pixel during training. Use a patch size of at least {}.".format(
                spec.patch_size, rf.size, recommended[0] if recommended else rf.size)
        )
    progress.progress(0.6)
    metadata = ModelMetadata(spec=spec, field_of_view=rf.size, parameters=params)
    save_model(model, metadata, output_path, progress=progress.sub(0.6, 1.0))
    progress.info("Model written to {}.".format(output_path))
    return InitializeResult(path=str(output_path), parameters=params, field_of_view=rf.size,
                            valid_patch_sizes=sizes, margin=rf.margin)
