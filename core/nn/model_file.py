"""The model file: metadata, safe save and load, metadata read without Keras.

A deepfeature model file is a plain Keras 3 ``.keras`` zip archive with one extra member,
``deepfeature.json`` (the :class:`ModelMetadata`: architecture and its arguments, bands, class names,
patch size, field of view, and after training the normalisation statistics, the training configuration
and the history). Keras ignores the extra member. A copy is written next to the model as
``<model>.keras.json`` for humans; the embedded copy is the one that counts.

Loading is always safe: Keras' safe mode, no Lambda layers, only Keras' own classes (or classes
registered under the ``deepfeature`` package), nothing is ever unpickled. Keras is imported lazily:
:func:`read_metadata` works without it.
"""

from __future__ import annotations

import json
import os
import zipfile
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from .. import __version__
from ..errors import ModelFileError, OutputError, ParameterError
from ..files import atomic_output, check_output_path, write_text_atomic
from ..normalization import Normalization
from ..progress import Progress, ensure
from .spec import ModelSpec

if TYPE_CHECKING:  # pragma: no cover
    import keras

#: The metadata member inside the ``.keras`` zip.
METADATA_MEMBER = "deepfeature.json"
#: Version of the metadata layout; files with a larger one are refused.
FORMAT_VERSION = 1
MODEL_SUFFIX = ".keras"


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
    #: For a model on a pretrained encoder: where its initial weights came from (encoder, source, layers).
    pretrained: dict | None = None

    def __post_init__(self) -> None:
        self.normalization = Normalization.from_metadata(self.normalization)

    @property
    def min_object_pixels(self) -> dict[int, int]:
        """``{class id: pixels}``: the default minimum object size of each class, from the training objects
        (empty for a model trained before it was recorded, or not trained)."""
        objects = (self.training or {}).get("objects") or {}
        out = {}
        for key, stats in objects.items():
            try:
                out[int(key)] = int(stats.get("min_object_pixels", 0))
            except (AttributeError, TypeError, ValueError):
                continue
        return out

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
            "pretrained": self.pretrained,
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
                pretrained=data.get("pretrained") if isinstance(data.get("pretrained"), dict) else None,
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


def check_suffix(path: str | os.PathLike, error: type[Exception]) -> Path:
    """``path`` as a Path; raises ``error`` (with advice) unless it ends with :data:`MODEL_SUFFIX`."""
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
    check_suffix(path, OutputError)
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
    check_suffix(path, ModelFileError)
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
