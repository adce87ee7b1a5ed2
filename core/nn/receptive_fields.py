"""The contextual field of view (receptive field) of a model, computed from its actual layers.

The functional graph is walked from the input to the output; every layer composes its kernel size,
dilation, stride, 'same' padding, pooling, up-sampling or transposed convolution into the field of the
tensor it makes, and skip connections take the union. Up-sampling makes neighbouring output pixels see
slightly different windows (the phases), which are kept exactly.
"""

from __future__ import annotations

import functools
import math
from dataclasses import dataclass
from fractions import Fraction
from typing import TYPE_CHECKING, Callable, Union

from ..errors import ParameterError
from .architectures import build_model
from .spec import ModelSpec

if TYPE_CHECKING:  # pragma: no cover
    import keras


@dataclass(frozen=True)
class _AxisField:
    """Receptive field along one axis of a tensor whose pixel ``p`` sits at input pixel ``p*jump``.

    Pixel ``p`` is influenced by input pixels ``p*jump + lo[p % period]`` .. ``p*jump + hi[p % period]``
    (up-sampling makes neighbouring output pixels see slightly different windows: the phases).
    """

    jump: Fraction
    lo: tuple[Fraction, ...]
    hi: tuple[Fraction, ...]
    #: Whether a global pooling (squeeze-and-excitation) also makes every pixel depend on the whole input.
    unbounded: bool = False

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
        return _AxisField(jump, tuple(los), tuple(his), self.unbounded)

    @staticmethod
    def merge(fields: list[_AxisField]) -> _AxisField:
        """Element-wise union (concatenate, add, ...) of tensors on the same grid; a global (pooled)
        input adds no local window but makes the result unbounded."""
        unbounded = any(f is _GLOBAL or f.unbounded for f in fields)
        fields = [f for f in fields if f is not _GLOBAL]
        if not fields:
            return _GLOBAL
        jumps = {f.jump for f in fields}
        if len(jumps) != 1:
            raise ParameterError("Cannot merge tensors of different resolutions ({}).".format(jumps))
        period = functools.reduce(lambda a, b: a * b // math.gcd(a, b), [f.period for f in fields], 1)
        lo = tuple(min(f.lo[i % f.period] for f in fields) for i in range(period))
        hi = tuple(max(f.hi[i % f.period] for f in fields) for i in range(period))
        return _AxisField(fields[0].jump, lo, hi, unbounded)


#: The field of a globally pooled tensor (every input pixel): it passes through per-pixel layers and
#: makes whatever it is merged with :attr:`_AxisField.unbounded`.
_GLOBAL = _AxisField(Fraction(0), (Fraction(0),), (Fraction(0),), True)


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
    #: Whether the model also pools the whole input (squeeze-and-excitation): beyond the local window
    #: above, every output pixel then depends a little on the whole tile.
    unbounded: bool = False

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
    "AlphaDropout", "Rescaling", "Normalization", "Identity", "Dense", "EinsumDense", "Reshape",
    "HardSigmoid", "HardSwish", "Sigmoid", "Relu", "Swish",
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
    if fields[0] is _GLOBAL:
        return fields
    if kind in ("GlobalAveragePooling2D", "GlobalMaxPooling2D"):
        return (_GLOBAL, _GLOBAL)
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
        return _spec_receptive_field(model_or_spec.architecture, model_or_spec.depth, model_or_spec.encoder)
    fields = _graph_field(model_or_spec, [(_AxisField.identity(), _AxisField.identity())] * len(
        model_or_spec.inputs))
    for f in fields:
        if f.jump != 1:
            raise ParameterError("The model output is not at the input resolution (scale {}).".format(f.jump))
    lo = tuple(int(min(f.lo)) for f in fields)
    hi = tuple(int(max(f.hi)) for f in fields)
    phases = tuple(tuple((int(a), int(b)) for a, b in zip(f.lo, f.hi)) for f in fields)
    return ReceptiveField(lo=lo, hi=hi, phases=phases, unbounded=any(f.unbounded for f in fields))


@functools.lru_cache(maxsize=32)
def _spec_receptive_field(architecture: str, depth: int, encoder: str = "") -> ReceptiveField:
    proxy = ModelSpec(architecture=architecture, bands=1, classes=("x",), patch_size=2 ** (depth - 1),
                      base_filters=1, depth=depth, encoder=encoder)
    return receptive_field(build_model(proxy))


def field_of_view(model_or_spec: Union[keras.Model, ModelSpec]) -> int:
    """Contextual field of view in pixels: how wide a window of input pixels can influence one output
    pixel, computed from the actual layers (see :func:`receptive_field`)."""
    return receptive_field(model_or_spec).size
