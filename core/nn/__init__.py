"""The neural networks: model specification, architectures, field of view, model files, initialize.

Other packages import from here (``from ..nn import load_model``), not from the modules inside, so the
modules can be rearranged without touching their users. Importing this package never imports Keras.

Modules: :mod:`.spec` (what to build and its limits), :mod:`.architectures` (the networks and
:func:`build_model`), :mod:`.field_of_view` (receptive field from the actual layers),
:mod:`.model_file` (metadata, safe save and load), :mod:`.initialize` (the 'Initialize Model' entry point),
:mod:`.encoders` (ImageNet-pretrained encoders) and :mod:`.torch_weights` (PyTorch weights read as tensors).
"""

from .architectures import build_model, count_parameters, fold_batch_norm
from .describe import ModelSummary, describe_model, summarize_model
from .initialize import InitializeResult, initialize_model, parse_class_names, resolve_spec
from .model_file import METADATA_MEMBER, MODEL_SUFFIX, ModelMetadata, load_model, read_metadata, save_model
from .receptive_fields import ReceptiveField, field_of_view, receptive_field
from .spec import (
    ARCHITECTURE_LABELS,
    ARCHITECTURES,
    ENCODER_LABELS,
    ENCODER_MAX_DEPTH,
    ENCODERS,
    LISTED_PATCH_SIZES,
    MAX_BASE_FILTERS,
    MAX_DEPTH,
    MAX_PATCH,
    ModelSpec,
    valid_patch_sizes,
)

__all__ = [
    "ModelSummary",
    "describe_model",
    "summarize_model",
    "ARCHITECTURES",
    "ARCHITECTURE_LABELS",
    "ENCODERS",
    "ENCODER_LABELS",
    "ENCODER_MAX_DEPTH",
    "LISTED_PATCH_SIZES",
    "MAX_BASE_FILTERS",
    "MAX_DEPTH",
    "MAX_PATCH",
    "METADATA_MEMBER",
    "MODEL_SUFFIX",
    "InitializeResult",
    "ModelMetadata",
    "ModelSpec",
    "ReceptiveField",
    "build_model",
    "count_parameters",
    "field_of_view",
    "fold_batch_norm",
    "initialize_model",
    "load_model",
    "parse_class_names",
    "read_metadata",
    "receptive_field",
    "resolve_spec",
    "save_model",
    "valid_patch_sizes",
]
