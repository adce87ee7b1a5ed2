"""The neural networks: model specification, architectures, field of view, model files, initialize.

Other packages import from here (``from ..nn import load_model``), not from the modules inside, so the
modules can be rearranged without touching their users. Importing this package never imports Keras.
"""

from .architectures import fold_batch_norm
from .model import (
    ARCHITECTURE_LABELS,
    ARCHITECTURES,
    METADATA_MEMBER,
    MODEL_SUFFIX,
    InitializeResult,
    ModelMetadata,
    ModelSpec,
    build_model,
    count_parameters,
    field_of_view,
    initialize_model,
    load_model,
    parse_class_names,
    read_metadata,
    receptive_field,
    resolve_spec,
    save_model,
    valid_patch_sizes,
)

__all__ = [
    "ARCHITECTURES",
    "ARCHITECTURE_LABELS",
    "METADATA_MEMBER",
    "MODEL_SUFFIX",
    "InitializeResult",
    "ModelMetadata",
    "ModelSpec",
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
