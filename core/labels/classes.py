"""Class values of label rasters (pure, unit-testable): label layers, the class each feature burns, the
class map of a classification raster, class names and the ignore value.

Whole numbers are class ids (0 background, 1..254, the ignore value marks "unknown"); text values are
numbered 1..K in sorted order (the text of the ignore value marks "unknown"); without values, layer
order gives classes 1..K.
"""

from __future__ import annotations

import math
import numbers
import re
from dataclasses import dataclass
from typing import Any, Sequence

from ..class_table import DEFAULT_IGNORE, MAX_CLASS_ID, ClassTable
from ..errors import LabelError, ParameterError

#: Geometry kinds a label layer may have, and the order they are burnt in.
GEOMETRY_KINDS = ("polygon", "line", "point")


@dataclass
class LabelLayer:
    """One vector layer of labels, already in the raster CRS.

    ``values`` holds one class value per geometry (python ints, floats or text) or is ``None`` (the
    whole layer is one class, numbered by layer order). ``feature_ids`` (optional) name features in
    error messages.
    """

    name: str
    geometry_kind: str
    wkb: list[bytes]
    values: list | None = None
    feature_ids: list | None = None


@dataclass(frozen=True)
class ClassResolution:
    """The outcome of :func:`resolve_classes`: classes and one burn value (0..255) per feature."""

    classes: dict[int, str]
    burn_values: list[list[int]]
    mode: str  # "layers", "numeric" or "text"


def check_ignore_value(ignore_value: Any) -> int:
    """The ignore value as an int in 1..255, or :class:`ParameterError`."""
    try:
        value = int(ignore_value)
    except (TypeError, ValueError):
        value = -1
    if isinstance(ignore_value, float) and not float(ignore_value).is_integer():
        value = -1
    if not 1 <= value <= 255:
        raise ParameterError(
            "The ignore value must be a whole number from 1 to 255 (got '{}'); 255 is the usual "
            "choice.".format(ignore_value)
        )
    return value


def whole_number(value: Any) -> int | None:
    """``value`` as an int if it is a whole number (or text of one), else None."""
    if isinstance(value, bool):
        return int(value)
    if isinstance(value, numbers.Integral):
        return int(value)
    if isinstance(value, numbers.Real):
        number = float(value)
        return int(number) if math.isfinite(number) and number.is_integer() else None
    if isinstance(value, str):
        text = value.strip()
        if re.fullmatch(r"[+-]?\d+", text):
            return int(text)
        if re.fullmatch(r"[+-]?\d+\.0*", text):
            return int(float(text))
    return None


def _describe(layer: LabelLayer, index: int) -> str:
    fid = layer.feature_ids[index] if layer.feature_ids is not None else index + 1
    return "feature {} of the layer '{}'".format(fid, layer.name)


def _unique_names(names: Sequence[str]) -> list[str]:
    """``names`` with repeats numbered: ``buildings, buildings (2)`` (class names must differ)."""
    seen: dict[str, int] = {}
    out = []
    for name in names:
        seen[name] = seen.get(name, 0) + 1
        out.append(name if seen[name] == 1 else "{} ({})".format(name, seen[name]))
    return out


# ----------------------------------------------------------------------------------------------
# Classes of label layers
# ----------------------------------------------------------------------------------------------
def resolve_classes(layers: Sequence[LabelLayer], ignore_value: int = DEFAULT_IGNORE) -> ClassResolution:
    """Decide class ids and names and the value each feature burns.

    - no layer has values: layer ``i`` (0-based) is class ``i + 1`` named after the layer (a repeated
      layer name is numbered: ``buildings (2)``);
    - whole numbers (or text of whole numbers): the number is the class id; 0 burns background, the
      ignore value burns "unknown"; other values must be in 1..254;
    - text: each distinct text is numbered 1..K in sorted order (the ignore value is skipped); the text
      of the ignore value (e.g. ``"255"``) burns "unknown".

    A layer without features keeps its place (class id in layer order) and burns nothing; at least one
    layer must have features. Raises :class:`LabelError` for NULL, negative, fractional, too large or
    unsupported values.
    """
    ignore_value = check_ignore_value(ignore_value)
    _check_layers(layers)
    with_values = [layer.values is not None for layer in layers]
    if not any(with_values):
        return _resolve_by_layer_order(layers, ignore_value)
    if not all(with_values):
        missing = [layer.name for layer in layers if layer.values is None]
        raise LabelError(
            "The layers {} have no class values while others have. Give every label layer the class "
            "field.".format(", ".join("'{}'".format(n) for n in missing))
        )
    if all(set(map(type, layer.values)) <= {int} for layer in layers):
        return _resolve_integers(layers, ignore_value)
    if _values_are_text(layers, ignore_value):
        return _resolve_text(layers, ignore_value)
    return _resolve_numbers(layers, ignore_value)


def _check_layers(layers: Sequence[LabelLayer]) -> None:
    """:class:`LabelError` for no layers, an unknown geometry kind, a value count that is not the
    geometry count, or no features at all."""
    if not layers:
        raise LabelError("No label layer was given. Choose at least one point, line or polygon layer.")
    for layer in layers:
        if layer.geometry_kind not in GEOMETRY_KINDS:
            raise LabelError(
                "The layer '{}' has geometry type '{}'; label layers must hold points, lines or "
                "polygons.".format(layer.name, layer.geometry_kind)
            )
        if layer.values is not None and len(layer.values) != len(layer.wkb):
            raise LabelError(
                "The layer '{}' has {} geometries but {} class values.".format(
                    layer.name, len(layer.wkb), len(layer.values)
                )
            )
    if not any(layer.wkb for layer in layers):
        if len(layers) == 1:
            raise LabelError(
                "The label layer '{}' has no features (with a geometry). Choose a layer with labels, "
                "or remove it from the label layers.".format(layers[0].name)
            )
        raise LabelError(
            "The label layers ({}) have no features (with a geometry). Choose layers with "
            "labels.".format(", ".join("'{}'".format(layer.name) for layer in layers))
        )


def _resolve_by_layer_order(layers: Sequence[LabelLayer], ignore_value: int) -> ClassResolution:
    """No class values: layer ``i`` is class ``i + 1``, named after the layer."""
    if len(layers) > MAX_CLASS_ID:
        raise LabelError(
            "{} label layers give {} classes; at most {} are possible. Use fewer layers, or one layer "
            "with a class field.".format(len(layers), len(layers), MAX_CLASS_ID)
        )
    if len(layers) >= ignore_value:
        raise LabelError(
            "{} label layers give the classes 1 to {}, which include the ignore value {}. Choose an "
            "ignore value above {} (e.g. 255).".format(len(layers), len(layers), ignore_value,
                                                        len(layers))
        )
    classes = dict(enumerate(_unique_names([layer.name for layer in layers]), start=1))
    burn = [[i + 1] * len(layer.wkb) for i, layer in enumerate(layers)]
    return ClassResolution(classes, burn, "layers")


def _values_are_text(layers: Sequence[LabelLayer], ignore_value: int) -> bool:
    """Validate every value's type; True for text mode (some text is no whole number), False for
    numeric mode. Raises :class:`LabelError` for missing, fractional, unsupported or mixed values."""
    any_number, any_text_only = False, False
    for layer in layers:
        for index, value in enumerate(layer.values):
            if value is None or (isinstance(value, str) and not value.strip()):
                raise LabelError(
                    "The {} has no class value (NULL or empty). Give every feature a class value, or "
                    "remove the feature.".format(_describe(layer, index))
                )
            if isinstance(value, (numbers.Real, bool)) and not isinstance(value, str):
                any_number = True
                if whole_number(value) is None:
                    raise LabelError(
                        "The {} has the class value {}, which is not a whole number. Class values "
                        "must be whole numbers 0..{} (or {} for 'ignore') or text.".format(
                            _describe(layer, index), value, MAX_CLASS_ID, ignore_value
                        )
                    )
            elif isinstance(value, str):
                if whole_number(value) is None:
                    any_text_only = True
            else:
                raise LabelError(
                    "The {} has the class value '{}' of type {}. The class field must hold whole "
                    "numbers or text.".format(_describe(layer, index), value, type(value).__name__)
                )
    if any_number and any_text_only:
        raise LabelError(
            "The class values mix numbers and text. Use a field that holds either class ids or class "
            "names."
        )
    return any_text_only


def _out_of_range(layer: LabelLayer, index: int, number: int, ignore_value: int) -> LabelError:
    return LabelError(
        "The {} has the class value {}. Class values must be 0 (background) to {}, or {} to mark "
        "'ignore' (unknown) pixels. Fix the value or change the ignore value.".format(
            _describe(layer, index), number, MAX_CLASS_ID, ignore_value
        )
    )


def _resolve_numbers(layers: Sequence[LabelLayer], ignore_value: int) -> ClassResolution:
    """Whole numbers (or their text): the number is the class id."""
    burn: list[list[int]] = []
    ids: set[int] = set()
    for layer in layers:
        values = []
        for index, value in enumerate(layer.values):
            number = whole_number(value)
            if number == ignore_value:
                values.append(ignore_value)
                continue
            if number < 0 or number > MAX_CLASS_ID:
                raise _out_of_range(layer, index, number, ignore_value)
            if number:
                ids.add(number)
            values.append(number)
        burn.append(values)
    classes = {i: "class {}".format(i) for i in sorted(ids)}
    return ClassResolution(classes, burn, "numeric")


def _resolve_text(layers: Sequence[LabelLayer], ignore_value: int) -> ClassResolution:
    """Text: each distinct text is numbered 1..K in sorted order, skipping the ignore value."""
    ignore_text = str(ignore_value)
    names = sorted({str(v).strip() for layer in layers for v in layer.values} - {ignore_text})
    free_ids = [i for i in range(1, MAX_CLASS_ID + 1) if i != ignore_value]
    if len(names) > len(free_ids):
        raise LabelError(
            "The class field has {} different texts; at most {} classes are possible.".format(
                len(names), len(free_ids)
            )
        )
    mapping = dict(zip(names, free_ids))
    burn = [[ignore_value if str(v).strip() == ignore_text else mapping[str(v).strip()] for v in layer.values]
            for layer in layers]
    classes = {mapping[name]: name for name in names}
    return ClassResolution(classes, burn, "text")


def _resolve_integers(layers: Sequence[LabelLayer], ignore_value: int) -> ClassResolution:
    """Fast path of :func:`resolve_classes` when every value is a python int (vectorised checks)."""
    import numpy as np

    burn, ids = [], set()
    for layer in layers:
        values = np.asarray(layer.values, dtype=np.int64)
        bad = np.flatnonzero(((values < 0) | (values > MAX_CLASS_ID)) & (values != ignore_value))
        if len(bad):
            index = int(bad[0])
            raise _out_of_range(layer, index, int(values[index]), ignore_value)
        ids.update(int(v) for v in np.unique(values) if v not in (0, ignore_value))
        burn.append(values.astype(np.uint8).tolist())
    return ClassResolution({i: "class {}".format(i) for i in sorted(ids)}, burn, "numeric")


# ----------------------------------------------------------------------------------------------
# Class map of a classification raster, class names
# ----------------------------------------------------------------------------------------------
_MAP_EXAMPLE = "Example: '1,2=1;5=2' makes source values 1 and 2 class 1 and value 5 class 2."


def parse_class_map(
    class_map: str | dict | None, ignore_value: int = DEFAULT_IGNORE
) -> dict[float, int] | None:
    """Parse ``"1,2=1;5=2"`` (source values = class id; ``;`` or new lines between entries).

    Returns ``{source value: class id}`` or ``None`` for an empty map (every non-zero value is class 1).
    Class ids are 0 (background), 1..254 or the ignore value.
    """
    ignore_value = check_ignore_value(ignore_value)
    if class_map is None or (isinstance(class_map, str) and not class_map.strip()):
        return None
    result: dict[float, int] = {}
    for source, target in _class_map_items(class_map):
        try:
            value = float(source)
        except (TypeError, ValueError):
            raise ParameterError(
                "The class map source value '{}' is not a number. {}".format(source, _MAP_EXAMPLE)
            ) from None
        target_id = whole_number(target)
        if target_id is None or not (0 <= target_id <= MAX_CLASS_ID or target_id == ignore_value):
            raise ParameterError(
                "The class map target '{}' is not a class id: use 0 (background), 1..{} or {} (ignore). "
                "{}".format(target, MAX_CLASS_ID, ignore_value, _MAP_EXAMPLE)
            )
        if value in result and result[value] != target_id:
            raise ParameterError(
                "The class map gives the source value {} two classes ({} and {}).".format(
                    source, result[value], target_id
                )
            )
        result[value] = target_id
    if not result:
        return None
    return result


def _class_map_items(class_map: str | dict) -> list[tuple]:
    """``[(source, target)]`` of a class map dict or text (unchecked values)."""
    if isinstance(class_map, dict):
        return list(class_map.items())
    if not isinstance(class_map, str):
        raise ParameterError("The class map must be text like '1,2=1;5=2'.")
    items = []
    for entry in re.split(r"[;\n]", class_map):
        entry = entry.strip()
        if not entry:
            continue
        if entry.count("=") != 1:
            raise ParameterError(
                "The class map entry '{}' is not 'values=class id'. {}".format(entry, _MAP_EXAMPLE)
            )
        left, right = (part.strip() for part in entry.split("="))
        sources = [s.strip() for s in left.split(",")]
        if not left or any(not s for s in sources):
            raise ParameterError(
                "The class map entry '{}' has no source value. {}".format(entry, _MAP_EXAMPLE)
            )
        items += [(source, right) for source in sources]
    return items


def class_names_for(ids: Sequence[int], class_names: str | Sequence[str] | dict | None) -> dict[int, str]:
    """``{id: name}`` for the class ids; names given as text ``"a,b"``, a list or a dict (else 'class N')."""
    ids = sorted(ids)
    if class_names is None or (isinstance(class_names, str) and not class_names.strip()):
        return {i: "class {}".format(i) for i in ids}
    if isinstance(class_names, dict):
        table = ClassTable.from_mapping(class_names)
        return {i: table.name(i) for i in ids}
    if isinstance(class_names, str):
        class_names = [n.strip() for n in class_names.split(",")]
    names = [str(n).strip() for n in class_names]
    if len(names) != len(ids) or any(not n for n in names):
        raise ParameterError(
            "{} class names were given for {} classes ({}). Give one name per class id, in id "
            "order, separated by commas.".format(len(names), len(ids), ", ".join(str(i) for i in ids))
        )
    return dict(zip(ids, names))
