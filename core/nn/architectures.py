"""The network architectures (an ENVINet5-like U-Net and a Segmentation Gym-like Res-UNet) and their builder.

Only ``keras.layers`` are used (no backend-specific API, no Lambda layer, no custom layer), so the
models run on the TensorFlow, JAX and PyTorch backends, save as plain ``.keras`` files and load in safe
mode. Everything is channels-last; convolutions followed by batch normalisation carry no bias.
Keras is imported inside the functions: importing this module never needs it.

Layer names (stable, used in logs and tests):

- ``image`` input, ``enc{L}_*`` encoder level ``L`` (``enc{L}_pool`` / strided ``enc{L}_conv1``
  halves the resolution), ``bottleneck_*`` the deepest level, ``dec{L}_up`` the up-sampling towards
  level ``L``, ``dec{L}_concat`` the skip connection, ``dec{L}_*`` the decoder block,
  ``*_dropout`` the dropout layers, ``logits`` the final 1x1 convolution and ``probabilities`` its
  float32 sigmoid/softmax.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from .spec import ModelSpec

if TYPE_CHECKING:  # pragma: no cover
    import keras


class _Initializers:
    """Kernel initializers: ``he_normal``, deterministic (one distinct seed per layer) if seeded.

    ``folded``: build the inference twin instead, each batch normalisation folded into the convolution
    before it (which then has a bias; see :func:`fold_batch_norm`)."""

    def __init__(self, seed: int | None, folded: bool = False):
        self.seed = seed
        self.folded = folded
        self.count = 0

    def __call__(self):
        if self.seed is None:
            return "he_normal"
        import keras

        self.count += 1
        return keras.initializers.HeNormal(seed=int(self.seed) * 1000 + self.count)


def _level_name(level: int, depth: int, prefix: str = "enc") -> str:
    return "bottleneck" if prefix == "enc" and level == depth - 1 else "{}{}".format(prefix, level)


def _conv_bn_relu(x, filters: int, name: str, init: _Initializers, strides: int = 1, relu: bool = True):
    from keras import layers

    x = layers.Conv2D(
        filters, 3, strides=strides, padding="same", use_bias=init.folded, kernel_initializer=init(),
        name=name + "_conv",
    )(x)
    if not init.folded:
        x = layers.BatchNormalization(name=name + "_bn")(x)
    if relu:
        x = layers.ReLU(name=name + "_relu")(x)
    return x


def _double_conv(x, filters: int, name: str, init: _Initializers):
    """U-Net block: (3x3 conv, batch norm, ReLU) twice."""
    x = _conv_bn_relu(x, filters, name + "_1", init)
    return _conv_bn_relu(x, filters, name + "_2", init)


def _residual_block(x, filters: int, name: str, init: _Initializers, strides: int = 1):
    """Res-UNet block: conv-BN-ReLU-conv-BN plus a 1x1 conv-BN shortcut, added, then ReLU.

    With ``strides`` 2 the first 3x3 conv is strided and the shortcut average-pools first.
    """
    from keras import layers

    if strides > 1:
        # ResNet-D shortcut (average pool, then 1x1 conv) rather than a strided 1x1 conv: it keeps
        # every input pixel, and TensorFlow 2.21's oneDNN CPU kernel for the input gradient of a
        # strided 1x1 convolution corrupts memory (the process aborts during training).
        x_short = layers.AveragePooling2D(strides, name=name + "_shortcut_pool")(x)
    else:
        x_short = x
    shortcut = layers.Conv2D(
        filters, 1, use_bias=init.folded, kernel_initializer=init(), name=name + "_shortcut",
    )(x_short)
    if not init.folded:
        shortcut = layers.BatchNormalization(name=name + "_shortcut_bn")(shortcut)
    y = _conv_bn_relu(x, filters, name + "_1", init, strides=strides)
    y = _conv_bn_relu(y, filters, name + "_2", init, relu=False)
    y = layers.Add(name=name + "_add")([shortcut, y])
    return layers.ReLU(name=name + "_relu")(y)


def _head(x, spec: ModelSpec, init: _Initializers):
    """1x1 convolution to ``n_outputs`` logits and a float32 sigmoid (one class) or softmax."""
    from keras import layers

    x = layers.Conv2D(spec.n_outputs, 1, kernel_initializer=init(), name="logits")(x)
    activation = "sigmoid" if spec.n_outputs == 1 else "softmax"
    return layers.Activation(activation, dtype="float32", name="probabilities")(x)


def _maybe_dropout(x, rate: float, name: str):
    from keras import layers

    return layers.Dropout(rate, name=name + "_dropout")(x) if rate > 0 else x


def build_unet5(spec: ModelSpec, seed: int | None = None, folded: bool = False) -> keras.Model:
    """ENVINet5-like U-Net: ``depth`` levels of double convolutions, max-pool down, 2x2 transposed
    convolution up, skip concatenation, final 1x1 convolution."""
    import keras
    from keras import layers

    init = _Initializers(seed, folded)
    inputs = keras.Input(shape=(None, None, spec.bands), dtype="float32", name="image")
    x = inputs
    skips = []
    for level in range(spec.depth):
        name = _level_name(level, spec.depth)
        if level > 0:
            x = layers.MaxPooling2D(2, name=name + "_pool")(x)
        x = _double_conv(x, spec.base_filters * 2**level, name, init)
        if level < spec.depth - 1:
            skips.append(x)
    x = _maybe_dropout(x, spec.dropout, "bottleneck")
    for level in reversed(range(spec.depth - 1)):
        filters = spec.base_filters * 2**level
        name = "dec{}".format(level)
        x = layers.Conv2DTranspose(
            filters, 2, strides=2, padding="same", kernel_initializer=init(), name=name + "_up"
        )(x)
        x = layers.Concatenate(name=name + "_concat")([x, skips[level]])
        x = _double_conv(x, filters, name, init)
        if level > 0:
            x = _maybe_dropout(x, spec.dropout, name)
    return keras.Model(inputs, _head(x, spec, init), name="deepfeature_unet5")


def build_resunet(spec: ModelSpec, seed: int | None = None, folded: bool = False) -> keras.Model:
    """Res-UNet (as in Segmentation Gym): residual blocks, strided convolutions down, nearest
    up-sampling up, skip concatenation, final 1x1 convolution."""
    import keras

    init = _Initializers(seed, folded)
    inputs = keras.Input(shape=(None, None, spec.bands), dtype="float32", name="image")
    x = inputs
    skips = []
    for level in range(spec.depth):
        name = _level_name(level, spec.depth)
        x = _residual_block(x, spec.base_filters * 2**level, name, init, strides=1 if level == 0 else 2)
        if level < spec.depth - 1:
            skips.append(x)
    x = _upsampling_decoder(_maybe_dropout(x, spec.dropout, "bottleneck"), skips, spec, init, _residual_block)
    return keras.Model(inputs, _head(x, spec, init), name="deepfeature_resunet")


def _upsampling_decoder(x, skips: list, spec: ModelSpec, init: _Initializers, block):
    """The decoder from the deepest level: nearest up-sampling, concatenation with the skip of the level,
    ``block`` with ``base_filters * 2**level`` filters, dropout (not at full resolution)."""
    from keras import layers

    for level in reversed(range(spec.depth - 1)):
        name = "dec{}".format(level)
        x = layers.UpSampling2D(2, interpolation="nearest", name=name + "_up")(x)
        x = layers.Concatenate(name=name + "_concat")([x, skips[level]])
        x = block(x, spec.base_filters * 2**level, name, init)
        if level > 0:
            x = _maybe_dropout(x, spec.dropout, name)
    return x


def build_encoder_unet(spec: ModelSpec, seed: int | None = None, folded: bool = False) -> keras.Model:
    """U-Net on a pretrained encoder (``spec.encoder``, see :mod:`.encoders`): the encoder's feature maps
    at 1/2 .. 1/2**(depth-1) are the skip connections (the normalized image itself at full resolution),
    nearest up-sampling up, and decoder blocks of the architecture (double convolutions for ``unet5``,
    residual blocks for ``resunet``) with ``base_filters * 2**level`` filters. The encoder's weights are
    set by :func:`.encoders.load_pretrained`, not here."""
    import keras

    from .encoders import encoder_taps

    init = _Initializers(seed, folded)
    block = _double_conv if spec.architecture == "unet5" else _residual_block
    inputs = keras.Input(shape=(None, None, spec.bands), dtype="float32", name="image")
    skips = [inputs] + encoder_taps(spec.encoder, inputs, spec.depth, spec.bands, folded=folded)
    x = _upsampling_decoder(_maybe_dropout(skips.pop(), spec.dropout, "bottleneck"), skips, spec, init, block)
    return keras.Model(inputs, _head(x, spec, init), name="deepfeature_{}_{}".format(
        spec.encoder, spec.architecture))


BUILDERS = {"unet5": build_unet5, "resunet": build_resunet}


def _builder(spec: ModelSpec):
    return build_encoder_unet if spec.encoder else BUILDERS[spec.architecture]


def build_model(spec: ModelSpec, seed: int | None = None) -> keras.Model:
    """Build the (uncompiled) Keras model for ``spec``.

    Input ``(None, None, bands)`` float32 (already normalised), output ``(None, None, n_outputs)``
    float32 probabilities (sigmoid for one class, softmax with background channel 0 otherwise), also
    under a mixed-precision policy. Fully convolutional: any height and width that are multiples of
    ``spec.size_factor``. ``seed`` makes the initial weights reproducible.
    """
    from .. import deps

    spec.validate()
    deps.keras_backend_module()
    return _builder(spec)(spec, seed=seed)


def count_parameters(model: keras.Model) -> int:
    """Number of weights (trainable and not) of a built model."""
    return int(model.count_params())


def fold_batch_norm(model: keras.Model, spec: ModelSpec) -> keras.Model:
    """The inference twin of a built ``model``: the same network with every batch normalisation folded
    into the convolution before it (kernel scaled per output channel, a bias added), so a GPU runs each
    convolution, its bias and its ReLU as one kernel. Built under the current dtype policy; outputs
    equal the model's in inference mode up to float rounding."""
    import numpy as np

    twin = _builder(spec)(spec, folded=True)
    layers = {layer.name: layer for layer in model.layers}
    for layer in twin.layers:
        if not layer.weights:
            continue
        source = layers[layer.name]
        bn = layers.get(layer.name[:-len("_conv")] + "_bn" if layer.name.endswith("_conv")
                        else layer.name + "_bn")
        if bn is None or len(layer.weights) == len(source.weights):
            layer.set_weights(source.get_weights())
            continue
        gamma, beta, mean, var = (np.asarray(w, dtype=np.float64) for w in bn.get_weights())
        scale = gamma / np.sqrt(var + bn.epsilon)
        kernel = np.asarray(source.get_weights()[0], dtype=np.float64)
        # a depthwise kernel is (kh, kw, channels, 1): its output channels are on axis 2
        kernel = kernel * (scale[:, None] if type(layer).__name__ == "DepthwiseConv2D" else scale)
        layer.set_weights([kernel.astype(np.float32), (beta - mean * scale).astype(np.float32)])
    return twin
