"""The model specification: architecture and its arguments, bands, classes, patch size, and their limits.

:class:`ModelSpec` says what to build; it validates itself (with advice) and travels as JSON in the
model file's metadata. Needs neither Keras nor numpy.
"""

from __future__ import annotations

import math
from dataclasses import asdict, dataclass

from ..class_table import MAX_CLASS_ID
from ..errors import ParameterError

#: The architecture keys, in the order the 'Initialize Model' choices list them.
ARCHITECTURES = ("unet5", "resunet")
#: What each architecture is (log messages, reports).
ARCHITECTURE_LABELS = {
    "unet5": "ENVINet5-like U-Net (5-level encoder-decoder that classifies every pixel)",
    "resunet": "Res-UNet (residual blocks, as in Segmentation Gym)",
}
#: The ImageNet-pretrained encoders (``ModelSpec.encoder``), in the order 'Initialize Model' lists them.
ENCODERS = ("efficientnet_lite0", "mobilenetv3_large", "efficientnetv2_b0", "resnet50")
ENCODER_LABELS = {
    "efficientnet_lite0": "EfficientNet-Lite0 (ImageNet weights installed with the environment)",
    "mobilenetv3_large": "MobileNetV3-Large (ImageNet weights from Keras)",
    "efficientnetv2_b0": "EfficientNetV2-B0 (ImageNet weights from Keras)",
    "resnet50": "ResNet50 (ImageNet weights from Keras)",
}
#: Most levels of a model on a pretrained encoder (its deepest feature map is at 1/32).
ENCODER_MAX_DEPTH = 6
#: Most levels (encoder resolutions) a model may have.
MAX_DEPTH = 8
#: Largest patch size (pixels).
MAX_PATCH = 8192
#: Most input bands and most base filters a model may have.
MAX_BANDS = 1024
MAX_BASE_FILTERS = 1024
#: Valid patch sizes are listed up to this size (or the patch size, if larger).
LISTED_PATCH_SIZES = 1024
_RESERVED_CLASS_NAMES = ("background",)


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
    #: An ImageNet-pretrained encoder (a key of :data:`~.encoders.ENCODERS`); empty: the architecture's
    #: own encoder, trained from scratch.
    encoder: str = ""

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
                encoder=str(data.get("encoder") or ""),
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
        if not 1 <= self.bands <= MAX_BANDS:
            raise ParameterError(
                "The model needs between 1 and {} input bands (got {}). Set the band count to the "
                "number of image bands of your label rasters, or give a label raster as "
                "template.".format(MAX_BANDS, self.bands)
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
        if self.encoder:
            if self.encoder not in ENCODERS:
                raise ParameterError("Unknown encoder '{}'. Choose one of: {}.".format(
                    self.encoder, ", ".join(ENCODERS)))
            if not 2 <= self.depth <= ENCODER_MAX_DEPTH:
                raise ParameterError(
                    "A model on a pretrained encoder has between 2 and {} levels (got {}): the encoder "
                    "gives feature maps down to 1/32 of the image. 5 is usual.".format(
                        ENCODER_MAX_DEPTH, self.depth))
        if not 1 <= self.depth <= MAX_DEPTH:
            raise ParameterError(
                "The model depth must be between 1 and {} levels (got {}); 5 is "
                "ENVINet5-like.".format(MAX_DEPTH, self.depth)
            )
        if not 1 <= self.base_filters <= MAX_BASE_FILTERS:
            raise ParameterError(
                "The base filter count must be between 1 and {} (got {}); 16 to 64 are usual. "
                "It doubles at each level.".format(MAX_BASE_FILTERS, self.base_filters)
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


def valid_patch_sizes(spec: ModelSpec, up_to: int = LISTED_PATCH_SIZES) -> list[int]:
    """The patch sizes a model of this depth accepts, up to ``up_to``: multiples of ``2**(depth-1)``."""
    factor = spec.size_factor
    return list(range(factor, int(up_to) + 1, factor))
