"""Build label rasters (image bands + mask band) from vector shapes or from a classification raster.

Both builders write the format of :mod:`deepfeature.core.label_format` through a bounded GDAL block cache
and window by window, so memory stays flat in the raster size:

- :func:`build_label_raster_from_shapes` burns points, lines and polygons (WKB in the raster CRS).
  Polygons burn pixel centres, lines and points every touched pixel. Burn order: polygons, lines,
  points, then the features whose class is the ignore value. Outside the AOI -> ignore. With the GDAL
  Python bindings (``osgeo``: QGIS's GDAL) the output is written in strips of whole tile rows: each pass
  is burnt into an in-memory strip by ``gdal.RasterizeLayer`` from an in-memory OGR layer holding the
  features whose envelope meets the strip, and the image bands are copied block by block in the same
  pass; without them, the mask is burnt per window with ``rasterio.features.rasterize`` (STRtree query
  of the geometries meeting the window). Both give the same pixels (``tests/test_labels_vector.py``).
- :func:`build_label_raster_from_classification` resamples a classification raster (any grid, any CRS)
  nearest-neighbour onto the image grid (``WarpedVRT`` read per window) and maps its values to class ids
  with a ``CLASS_MAP`` such as ``1,2=1;5=2``.

In both, an image NoData pixel (any image band equal to the band's NoData value, or NaN) becomes the
ignore value in the mask band and is flagged in the output's internal per-dataset mask: a pixel with a
missing band is not trustworthy for training.

Class values (:func:`resolve_classes`) are decided here, pure and unit-testable: whole numbers are class
ids (0 background, 1..254, the ignore value marks "unknown"); text values are numbered 1..K in sorted
order (the text of the ignore value marks "unknown"); without values, layer order gives classes 1..K.
"""

from __future__ import annotations

import contextlib
import math
import numbers
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Callable, Sequence

from ..class_table import DEFAULT_IGNORE, MAX_CLASS_ID
from ..errors import LabelError, OutputError, ParameterError, RasterError
from ..files import atomic_output, check_output_path, raster_envelope, require_file
from ..geotiff import TILE_SIZE, creation_options, gdal_creation_options
from ..label_format import MASK_DESCRIPTION, label_tags
from ..progress import Progress, count, ensure

#: Geometry kinds a label layer may have, and the order they are burnt in.
GEOMETRY_KINDS = ("polygon", "line", "point")
#: Side of the square processing window in pixels (a multiple of the output tile size).
WINDOW_SIZE = 1024
#: GDAL block cache while writing (bytes).
GDAL_CACHE_BYTES = 128 * 2**20
#: GDAL block cache while burning with ``gdal.RasterizeLayer`` (bytes). It also bounds GDAL's row chunk,
#: so peak memory is about twice this on top of the features (flat once the mask band is larger).
RASTERIZE_CACHE_BYTES = 32 * 2**20
#: Mask bytes burnt at a time in memory by the GDAL path (whole tile rows; at least one tile row).
RASTERIZE_STRIP_BYTES = 16 * 2**20

# shapely geometry type ids per kind (point, linestring, linearring, polygon, multi*, collection = 7)
_KIND_TYPES = {"point": (0, 4), "line": (1, 2, 5), "polygon": (3, 6)}
_KIND_DIMENSION = {"point": 0, "line": 1, "polygon": 2}


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


@dataclass
class LabelRasterResult:
    """What was written: the path, classes ``{id: name}`` and pixel counts."""

    path: str
    classes: dict[int, str]
    pixel_counts: dict[int, int] = field(default_factory=dict)
    ignore_count: int = 0
    background_count: int = 0
    width: int = 0
    height: int = 0
    image_bands: int = 0
    dtype: str = ""


@dataclass(frozen=True)
class ClassResolution:
    """The outcome of :func:`resolve_classes`: classes and one burn value (0..255) per feature."""

    classes: dict[int, str]
    burn_values: list[list[int]]
    mode: str  # "layers", "numeric" or "text"


# ----------------------------------------------------------------------------------------------
# Class values (pure)
# ----------------------------------------------------------------------------------------------
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


def _integer(value: Any) -> int | None:
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
    with_values = [layer.values is not None for layer in layers]
    if not any(with_values):
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
    if not all(with_values):
        missing = [layer.name for layer in layers if layer.values is None]
        raise LabelError(
            "The layers {} have no class values while others have. Give every label layer the class "
            "field.".format(", ".join("'{}'".format(n) for n in missing))
        )

    if all(set(map(type, layer.values)) <= {int} for layer in layers):
        return _resolve_integers(layers, ignore_value)
    # Validate every value's type first, then decide numeric or text mode.
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
                if _integer(value) is None:
                    raise LabelError(
                        "The {} has the class value {}, which is not a whole number. Class values "
                        "must be whole numbers 0..{} (or {} for 'ignore') or text.".format(
                            _describe(layer, index), value, MAX_CLASS_ID, ignore_value
                        )
                    )
            elif isinstance(value, str):
                if _integer(value) is None:
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

    burn: list[list[int]] = []
    if not any_text_only:
        ids: set[int] = set()
        for layer in layers:
            values = []
            for index, value in enumerate(layer.values):
                number = _integer(value)
                if number == ignore_value:
                    values.append(ignore_value)
                    continue
                if number < 0 or number > MAX_CLASS_ID:
                    raise LabelError(
                        "The {} has the class value {}. Class values must be 0 (background) to {}, "
                        "or {} to mark 'ignore' (unknown) pixels. Fix the value or change the "
                        "ignore value.".format(_describe(layer, index), number, MAX_CLASS_ID, ignore_value)
                    )
                if number:
                    ids.add(number)
                values.append(number)
            burn.append(values)
        classes = {i: "class {}".format(i) for i in sorted(ids)}
        return ClassResolution(classes, burn, "numeric")

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
    for layer in layers:
        burn.append([ignore_value if str(v).strip() == ignore_text else mapping[str(v).strip()]
                     for v in layer.values])
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
            raise LabelError(
                "The {} has the class value {}. Class values must be 0 (background) to {}, or {} to "
                "mark 'ignore' (unknown) pixels. Fix the value or change the ignore value.".format(
                    _describe(layer, index), int(values[index]), MAX_CLASS_ID, ignore_value
                )
            )
        ids.update(int(v) for v in np.unique(values) if v not in (0, ignore_value))
        burn.append(values.astype(np.uint8).tolist())
    return ClassResolution({i: "class {}".format(i) for i in sorted(ids)}, burn, "numeric")


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
    example = "Example: '1,2=1;5=2' makes source values 1 and 2 class 1 and value 5 class 2."
    if isinstance(class_map, dict):
        items = list(class_map.items())
    elif isinstance(class_map, str):
        items = []
        for entry in re.split(r"[;\n]", class_map):
            entry = entry.strip()
            if not entry:
                continue
            if entry.count("=") != 1:
                raise ParameterError(
                    "The class map entry '{}' is not 'values=class id'. {}".format(entry, example)
                )
            left, right = (part.strip() for part in entry.split("="))
            sources = [s.strip() for s in left.split(",")]
            if not left or any(not s for s in sources):
                raise ParameterError(
                    "The class map entry '{}' has no source value. {}".format(entry, example)
                )
            for source in sources:
                items.append((source, right))
    else:
        raise ParameterError("The class map must be text like '1,2=1;5=2'.")
    result: dict[float, int] = {}
    for source, target in items:
        try:
            value = float(source)
        except (TypeError, ValueError):
            raise ParameterError(
                "The class map source value '{}' is not a number. {}".format(source, example)
            ) from None
        target_id = _integer(target)
        if target_id is None or not (0 <= target_id <= MAX_CLASS_ID or target_id == ignore_value):
            raise ParameterError(
                "The class map target '{}' is not a class id: use 0 (background), 1..{} or {} (ignore). "
                "{}".format(target, MAX_CLASS_ID, ignore_value, example)
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


def class_names_for(ids: Sequence[int], class_names: str | Sequence[str] | dict | None) -> dict[int, str]:
    """``{id: name}`` for the class ids; names given as text ``"a,b"``, a list or a dict (else 'class N')."""
    ids = sorted(ids)
    if class_names is None or (isinstance(class_names, str) and not class_names.strip()):
        return {i: "class {}".format(i) for i in ids}
    if isinstance(class_names, dict):
        names = {int(k): str(v) for k, v in class_names.items()}
        return {i: names.get(i, "class {}".format(i)) for i in ids}
    if isinstance(class_names, str):
        class_names = [n.strip() for n in class_names.split(",")]
    names = [str(n).strip() for n in class_names]
    if len(names) != len(ids) or any(not n for n in names):
        raise ParameterError(
            "{} class names were given for {} classes ({}). Give one name per class id, in id "
            "order, separated by commas.".format(len(names), len(ids), ", ".join(str(i) for i in ids))
        )
    return dict(zip(ids, names))


# ----------------------------------------------------------------------------------------------
# Shared raster plumbing
# ----------------------------------------------------------------------------------------------
def label_dtype(image_dtype: str) -> str:
    """The label raster's data type for an image type (int8 is widened so 255 fits)."""
    import numpy as np

    dtype = np.dtype(image_dtype)
    if dtype.kind == "c":
        raise RasterError("Complex rasters are not supported. Convert the image to real values first.")
    if dtype == np.int8:
        return "int16"
    return dtype.name


def _open_image(image_path):
    import rasterio

    require_file(image_path, "image raster")
    try:
        src = rasterio.open(image_path)
    except rasterio.errors.RasterioIOError as exc:
        raise RasterError("Cannot open the image raster '{}': {}".format(image_path, exc)) from exc
    if src.crs is None:
        src.close()
        raise RasterError(
            "The image raster '{}' has no coordinate reference system. Assign its CRS (Raster > "
            "Projections > Assign Projection) and try again.".format(image_path)
        )
    return src


def _windows(width: int, height: int, size: int = WINDOW_SIZE):
    from rasterio.windows import Window

    for row in range(0, height, size):
        for col in range(0, width, size):
            yield Window(col, row, min(size, width - col), min(size, height - row))


def _nodata_pixels(src, data):
    """Boolean (h, w): image NoData pixels (any band equal to its NoData, or NaN)."""
    import numpy as np

    bad = None
    floating = np.dtype(src.dtypes[0]).kind == "f"
    for band, nodata in enumerate(src.nodatavals):
        this = None
        if nodata is not None:
            this = np.isnan(data[band]) if math.isnan(nodata) else data[band] == nodata
        if floating:
            nan = np.isnan(data[band])
            this = nan if this is None else (this | nan)
        if this is not None:
            bad = this if bad is None else (bad | this)
    return bad


def _label_colorinterp(interps: Sequence) -> list:
    """The image bands' colour interpretation in a label raster (both writers use it): the input's, with
    palette as gray (the label raster has no colour table) and, when bands 1-3 are red, green, blue (GDAL
    then writes PHOTOMETRIC=RGB), every later band that is not alpha or undefined as undefined. GDAL
    writes such a later band (R,G,B,R; R,G,B,NIR; R,G,B,gray) by switching to PHOTOMETRIC=MINISBLACK
    without fixing the ExtraSamples count, and libtiff then warns on every read ("Sum of Photometric
    type-related color channels and ExtraSamples doesn't match SamplesPerPixel")."""
    from rasterio.enums import ColorInterp

    out = [ColorInterp.gray if ColorInterp(c) == ColorInterp.palette else ColorInterp(c) for c in interps]
    if out[:3] == [ColorInterp.red, ColorInterp.green, ColorInterp.blue]:
        extra = (ColorInterp.alpha, ColorInterp.undefined)
        out[3:] = [c if c in extra else ColorInterp.undefined for c in out[3:]]
    return out


def _write_label_raster(
    src,
    output_path,
    classes: dict[int, str],
    ignore_value: int,
    mask_for_window: Callable,
    progress: Progress,
    inputs: Sequence,
    copy_image: bool = True,
) -> LabelRasterResult:
    """Copy the image window by window, add the mask band from ``mask_for_window(window)``.

    ``copy_image=False`` writes the mask band alone (uint8, 1 band): a fast path for pairing the mask
    with the image elsewhere. It has no image bands, so it is not a training input by itself (its tags
    lack the label raster marker).
    """
    import numpy as np
    import rasterio
    from rasterio.enums import ColorInterp

    from ..label_format import TAG_MARKER

    count = src.count
    dtype = label_dtype(src.dtypes[0]) if copy_image else "uint8"
    out_count = count + 1 if copy_image else 1
    mask_index = out_count
    has_nodata = any(v is not None for v in src.nodatavals) or np.dtype(src.dtypes[0]).kind == "f"
    profile = dict(creation_options(), width=src.width, height=src.height, count=out_count, dtype=dtype,
                   crs=src.crs, transform=src.transform)
    nodata_tag = next((v for v in src.nodatavals if v is not None), None)
    tags = label_tags(classes, ignore_value, count if copy_image else 0, nodata_tag)
    if not copy_image:
        tags.pop(TAG_MARKER)
    histogram = np.zeros(256, dtype=np.int64)
    windows = list(_windows(src.width, src.height))
    # A small block cache keeps memory flat: GDAL's default (5 % of RAM) fills with dirty output blocks.
    with atomic_output(output_path, inputs=inputs, what="label raster") as tmp, \
            rasterio.Env(GDAL_TIFF_INTERNAL_MASK=True, GDAL_CACHEMAX=GDAL_CACHE_BYTES):
        try:
            dst = rasterio.open(tmp, "w", **profile)
        except (rasterio.errors.RasterioIOError, OSError) as exc:
            raise OutputError(
                "Cannot write the label raster '{}': {}. Choose a folder you can write to.".format(
                    output_path, exc
                )
            ) from exc
        with dst:
            dst.update_tags(**tags)
            if copy_image:
                try:
                    dst.colorinterp = _label_colorinterp(src.colorinterp) + [ColorInterp.undefined]
                except (ValueError, rasterio.errors.RasterioError):  # pragma: no cover - exotic inputs
                    pass
                for band, text in enumerate(src.descriptions, start=1):
                    dst.set_band_description(band, text or "")
            dst.set_band_description(mask_index, MASK_DESCRIPTION)
            masked = False
            for i, window in enumerate(windows):
                progress.check()
                image = src.read(window=window) if (copy_image or has_nodata) else None
                mask = mask_for_window(window)
                if has_nodata:
                    bad = _nodata_pixels(src, image)
                    if bad is not None and (masked or bad.any()):
                        mask[bad] = ignore_value
                        if not masked:  # create the internal mask only when NoData occurs
                            for previous in windows[:i]:
                                full = np.full((int(previous.height), int(previous.width)), 255, "uint8")
                                dst.write_mask(full, window=previous)
                            masked = True
                        dst.write_mask(np.where(bad, 0, 255).astype("uint8"), window=window)
                histogram += np.bincount(mask.ravel(), minlength=256)[:256]
                if copy_image:
                    bands = list(range(1, count + 1))
                    dst.write(image.astype(dtype, copy=False), indexes=bands, window=window)
                dst.write(mask.astype(dtype, copy=False), mask_index, window=window)
                progress.progress((i + 1) / len(windows))
    counts = {cid: int(histogram[cid]) for cid in sorted(classes)}
    return LabelRasterResult(
        path=str(output_path), classes=dict(sorted(classes.items())), pixel_counts=counts,
        ignore_count=int(histogram[ignore_value]), background_count=int(histogram[0]),
        width=src.width, height=src.height, image_bands=count if copy_image else 0, dtype=dtype,
    )


def _report(result: LabelRasterResult, progress: Progress) -> None:
    total = max(result.width * result.height, 1)
    parts = ["{} '{}': {} px ({:.2%})".format(cid, result.classes[cid], n, n / total)
             for cid, n in result.pixel_counts.items()]
    progress.info("Label raster {} x {}: background {} px, {}; ignore {} px.".format(
        result.width, result.height, result.background_count, "; ".join(parts) or "no classes",
        result.ignore_count))
    if not any(result.pixel_counts.values()):
        progress.warning(
            "No pixel was labelled with a class: every pixel is background or ignore. Check that the "
            "labels cover the image and are larger than a pixel."
        )


# ----------------------------------------------------------------------------------------------
# From vector shapes
# ----------------------------------------------------------------------------------------------
def _parse_wkb(wkb: Sequence[bytes], what: str, with_source: bool = False):
    """Shapely geometries from WKB, 2D and made valid. ``with_source``: also return the WKB as an object
    array and a boolean array of the geometries that were changed (Z dropped or repaired)."""
    import numpy as np
    import shapely

    array = np.empty(len(wkb), dtype=object)
    plain = all(isinstance(w, bytes) for w in wkb)
    array[:] = wkb if plain else [None if w is None else bytes(w) for w in wkb]
    try:
        geoms = shapely.from_wkb(array, on_invalid="raise")
    except (shapely.errors.GEOSException, ValueError, TypeError) as exc:
        raise LabelError("A geometry of {} cannot be read ({}).".format(what, exc)) from exc
    with_z = shapely.has_z(geoms)
    if with_z.any():
        geoms[with_z] = shapely.force_2d(geoms[with_z])
    present = ~shapely.is_missing(geoms)
    invalid = present & ~shapely.is_valid(geoms)
    if invalid.any():
        geoms[invalid] = shapely.make_valid(geoms[invalid])
    if with_source:
        return geoms, array, with_z | invalid
    return geoms


def _of_kind(geoms, values, kind: str):
    """Keep the parts of ``geoms`` that are of ``kind`` (collections from make_valid are split)."""
    import numpy as np
    import shapely

    types = shapely.get_type_id(geoms)
    ok = np.isin(types, _KIND_TYPES[kind]) & ~shapely.is_empty(geoms)
    mixed = np.flatnonzero(types == 7)
    if not len(mixed):
        return geoms[ok], values[ok]
    parts, index = shapely.get_parts(geoms[mixed], return_index=True)
    keep = (shapely.get_dimensions(parts) == _KIND_DIMENSION[kind]) & ~shapely.is_empty(parts)
    # preserve feature order: sort by original position
    order = np.concatenate([np.flatnonzero(ok), mixed[index[keep]]])
    all_geoms = np.concatenate([geoms[ok], parts[keep]])
    sort = np.argsort(order, kind="stable")
    return all_geoms[sort], np.concatenate([values[ok], values[mixed[index[keep]]]])[sort]


def _offsets(owner, count: int) -> list[int]:
    """Start offsets (``count + 1``) of consecutive runs of ``owner`` (an index array from shapely)."""
    import numpy as np

    return np.concatenate([[0], np.cumsum(np.bincount(owner, minlength=count))]).tolist()


def _geojson_parts(geoms, values, kind: str):
    """Single-part GeoJSON-like dicts (built once, much faster than ``__geo_interface__`` per window),
    their envelopes and burn values, in feature order."""
    import shapely

    parts, index = shapely.get_parts(geoms, return_index=True)
    keep = ~shapely.is_empty(parts)
    parts, index = parts[keep], index[keep]
    part_values = values[index]
    if kind == "point":
        coords = shapely.get_coordinates(parts).tolist()
        shapes = [{"type": "Point", "coordinates": c} for c in coords]
    elif kind == "line":
        coords, owner = shapely.get_coordinates(parts, return_index=True)
        offsets = _offsets(owner, len(parts))
        coords = coords.tolist()
        shapes = [{"type": "LineString", "coordinates": coords[offsets[i]:offsets[i + 1]]}
                  for i in range(len(parts))]
    else:
        rings, ring_owner = shapely.get_rings(parts, return_index=True)
        coords, owner = shapely.get_coordinates(rings, return_index=True)
        offsets = _offsets(owner, len(rings))
        ring_offsets = _offsets(ring_owner, len(parts))
        coords = coords.tolist()
        rings_of = [range(ring_offsets[i], ring_offsets[i + 1]) for i in range(len(parts))]
        shapes = [{"type": "Polygon", "coordinates": [coords[offsets[r]:offsets[r + 1]] for r in rr]}
                  for rr in rings_of]
    return shapes, parts, part_values


class _BurnGroup:
    """Geometries burnt with one ``all_touched`` setting, queried per window through an STRtree."""

    def __init__(self, geoms, values, kind: str, all_touched: bool):
        import shapely

        self.shapes, parts, values = _geojson_parts(geoms, values, kind)
        self.values = values.tolist()
        self.all_touched = all_touched
        self.tree = shapely.STRtree(parts)

    def burn(self, out, window_box, transform) -> None:
        import numpy as np
        from rasterio.features import rasterize

        index = np.sort(self.tree.query(window_box)).tolist()
        if not index:
            return
        shapes, values = self.shapes, self.values
        rasterize([(shapes[i], values[i]) for i in index], out=out, transform=transform,
                  all_touched=self.all_touched)


def build_label_raster_from_shapes(
    image_path: str | Path,
    output_path: str | Path,
    layers: list[LabelLayer],
    aoi_wkb: list[bytes] | None = None,
    ignore_value: int = DEFAULT_IGNORE,
    *,
    copy_image: bool = True,
    progress: Progress | None = None,
) -> LabelRasterResult:
    """Write a label raster on the image grid: image bands + a mask band burnt from ``layers``.

    Geometries are WKB in the image CRS. ``aoi_wkb`` (polygons, optional): the exhaustively labelled
    area; pixels outside it get ``ignore_value``. A layer without any feature overlapping the image is
    reported with a warning and burns nothing. Raises :class:`LabelError` when there are no features or
    none at all overlaps the image, :class:`RasterError` for an image without CRS, :class:`OutputError`
    for an output that cannot be written. Nothing is left at ``output_path`` on error.
    ``copy_image=False``: write the mask band only (see :func:`_write_label_raster`).

    The mask is burnt by GDAL's rasterizer (``osgeo``, QGIS's GDAL) straight into the output through a
    bounded block cache; without ``osgeo`` it is burnt window by window with ``rasterio``.
    """
    import numpy as np
    import shapely

    progress = ensure(progress)
    ignore_value = check_ignore_value(ignore_value)
    check_output_path(output_path, [image_path], "label raster", geotiff=True)
    resolution = resolve_classes(layers, ignore_value)
    renamed = [(layer.name, name) for layer, name in zip(layers, resolution.classes.values())
               if resolution.mode == "layers" and layer.name != name]
    if renamed:
        progress.warning(
            "Several label layers are named '{}'; their classes are named {} so that they differ. Rename "
            "the layers to give the classes meaningful names.".format(
                renamed[0][0], ", ".join("'{}'".format(new) for _, new in renamed))
        )
    src = _open_image(image_path)
    with src:
        label_dtype(src.dtypes[0])
        passes, total = _burn_passes(layers, resolution, src, image_path, ignore_value, progress)
        aoi = None
        if aoi_wkb is not None:
            aoi = _aoi_polygons(aoi_wkb, shapely.box(*raster_envelope(src)), image_path)
        progress.info(
            "Burning {} ({}) into a {} x {} label raster.".format(
                count(total, "feature"), count(len(resolution.classes), "class", "classes"), src.width,
                src.height
            )
        )
        bindings = _osgeo()
        gdal_type = None if bindings is None else _gdal_type(bindings[0], label_dtype(src.dtypes[0])
                                                             if copy_image else "uint8")
        if gdal_type is not None:
            result = _write_with_gdal(
                bindings, src, image_path, output_path, resolution.classes, ignore_value, passes, aoi,
                progress, copy_image=copy_image,
            )
        else:
            groups = [_BurnGroup(geoms, values, kind, kind != "polygon") for kind, geoms, values, _ in passes]
            aoi_group = None
            if aoi is not None:
                aoi_group = _BurnGroup(aoi, np.ones(len(aoi), np.uint8), "polygon", False)
            mask_for_window = _rasterio_mask_function(src, groups, aoi_group, ignore_value)
            result = _write_label_raster(
                src, output_path, resolution.classes, ignore_value, mask_for_window, progress, [image_path],
                copy_image=copy_image,
            )
    _report(result, progress)
    return result


def _burn_passes(layers, resolution: ClassResolution, src, image_path, ignore_value: int, progress: Progress):
    """Parse, repair and sort the label geometries into burn passes.

    Returns ``([(kind, geometries, burn values, WKB or None)], feature count)`` in burn order:
    polygons, lines, points, then the features whose value is the ignore value (same kind order). The
    WKB is the given one when no geometry of the pass was changed (else None: shapely's is burnt).
    Features whose envelope misses the image are dropped; a layer with none left is reported with a
    warning.
    """
    import numpy as np
    import shapely

    left, bottom, right, top = raster_envelope(src)
    by_kind: dict[str, list] = {kind: [] for kind in GEOMETRY_KINDS}
    total = read = 0
    extents, missing = [], []
    for layer, burn in zip(layers, resolution.burn_values):
        progress.check()
        if not layer.wkb:
            missing.append(layer.name)
            continue
        geoms, source, changed = _parse_wkb(layer.wkb, "the layer '{}'".format(layer.name), True)
        values = np.asarray(burn, dtype=np.uint8)
        # the given WKB can be burnt as is when no geometry was changed, dropped or split
        same = not changed.any() and bool(np.isin(shapely.get_type_id(geoms),
                                                  _KIND_TYPES[layer.geometry_kind]).all())
        same = same and not shapely.is_empty(geoms).any()
        geoms, values = _of_kind(geoms, values, layer.geometry_kind)
        if not len(geoms):
            raise LabelError(
                "The label layer '{}' has no usable {} geometries (all are empty or of another "
                "type).".format(layer.name, layer.geometry_kind)
            )
        read += len(geoms)
        bounds = shapely.bounds(geoms)
        extents.append(bounds)
        keep = ((bounds[:, 0] <= right) & (bounds[:, 2] >= left)
                & (bounds[:, 1] <= top) & (bounds[:, 3] >= bottom))
        if not keep.any():
            missing.append(layer.name)
            continue
        total += int(keep.sum())
        by_kind[layer.geometry_kind].append((geoms[keep], values[keep], source[keep] if same else None))
    if not total:
        bounds = np.concatenate(extents)
        raise LabelError(
            "None of the {} label features overlaps the image '{}'. The labels cover x {:.6g}..{:.6g}, "
            "y {:.6g}..{:.6g} and the image x {:.6g}..{:.6g}, y {:.6g}..{:.6g} (image CRS). Check that "
            "labels and image show the same place and that the layers' CRS are set "
            "correctly.".format(
                read, image_path, np.nanmin(bounds[:, 0]), np.nanmax(bounds[:, 2]),
                np.nanmin(bounds[:, 1]), np.nanmax(bounds[:, 3]), left, right, bottom, top
            )
        )
    for name in missing:
        progress.warning(
            "The label layer '{}' has no feature (with a geometry) that overlaps the image '{}'; it adds "
            "no labels. Check its extent and CRS if it should.".format(name, image_path)
        )
    passes = []
    for ignore_pass in (False, True):
        for kind in GEOMETRY_KINDS:
            if not by_kind[kind]:
                continue
            geoms = np.concatenate([g for g, _, _ in by_kind[kind]])
            values = np.concatenate([v for _, v, _ in by_kind[kind]])
            sources = [w for _, _, w in by_kind[kind]]
            wkb = np.concatenate(sources) if all(w is not None for w in sources) else None
            select = (values == ignore_value) if ignore_pass else (values != ignore_value)
            if select.any():
                passes.append((kind, geoms[select], values[select], None if wkb is None else wkb[select]))
    return passes, total


def _aoi_polygons(aoi_wkb, image_box, image_path):
    """The area of interest as an array of (valid) polygons, checked to overlap the image."""
    import numpy as np
    import shapely

    aoi_geoms = _parse_wkb(aoi_wkb, "the area of interest")
    aoi_geoms, _ = _of_kind(aoi_geoms, np.ones(len(aoi_geoms), np.uint8), "polygon")
    if not len(aoi_geoms):
        raise LabelError(
            "The area of interest has no polygons. Choose a polygon layer that outlines the "
            "labelled area, or leave it empty."
        )
    if not shapely.intersects(aoi_geoms, image_box).any():
        raise LabelError(
            "The area of interest does not overlap the image '{}'. Check its extent and CRS, "
            "or leave it empty.".format(image_path)
        )
    return aoi_geoms


def _rasterio_mask_function(src, groups, aoi, ignore_value: int) -> Callable:
    """``mask_for_window(window)`` burning ``groups`` (then the AOI outside) with rasterio."""
    import numpy as np
    import shapely
    from rasterio.windows import transform as window_transform

    def mask_for_window(window):
        shape = (int(window.height), int(window.width))
        out = np.zeros(shape, dtype=np.uint8)
        transform = window_transform(window, src.transform)
        corners = [transform * (c, r) for c in (0, shape[1]) for r in (0, shape[0])]
        box = shapely.box(min(x for x, _ in corners), min(y for _, y in corners),
                          max(x for x, _ in corners), max(y for _, y in corners))
        for group in groups:
            group.burn(out, box, transform)
        if aoi is not None:
            inside = np.zeros(shape, dtype=np.uint8)
            aoi.burn(inside, box, transform)
            out[inside == 0] = ignore_value
        return out

    return mask_for_window


# ----------------------------------------------------------------------------------------------
# Burning with GDAL's rasterizer (osgeo)
# ----------------------------------------------------------------------------------------------
def _osgeo():
    """``(gdal, ogr)`` of the GDAL Python bindings (QGIS's GDAL), or None when they are missing."""
    try:
        from osgeo import gdal, ogr
    except ImportError:
        return None
    if not hasattr(gdal, "RasterizeLayer") or _ogr_memory_driver(ogr) is None:
        return None
    return gdal, ogr


def _ogr_memory_driver(ogr):
    """OGR's in-memory vector driver ("Memory"; "MEM" in GDAL >= 3.11)."""
    return ogr.GetDriverByName("Memory") or ogr.GetDriverByName("MEM")


def _gdal_type(gdal, dtype: str) -> int | None:
    """The GDAL data type of a numpy type name (None when this GDAL lacks it)."""
    names = {"uint8": "GDT_Byte", "uint16": "GDT_UInt16", "int16": "GDT_Int16", "uint32": "GDT_UInt32",
             "int32": "GDT_Int32", "uint64": "GDT_UInt64", "int64": "GDT_Int64", "float32": "GDT_Float32",
             "float64": "GDT_Float64"}
    return getattr(gdal, names[dtype], None) if dtype in names else None


@contextlib.contextmanager
def _gdal_settings(gdal, cache_bytes: int):
    """Bounded block cache, internal masks, no ``.aux.xml`` sidecar (the histogram would be saved in
    one; tags and band descriptions live in the GeoTIFF) and quiet GDAL errors (return codes are
    checked) while writing; everything is restored afterwards."""
    set_option = getattr(gdal, "SetThreadLocalConfigOption", gdal.SetConfigOption)
    get_option = getattr(gdal, "GetThreadLocalConfigOption", gdal.GetConfigOption)
    options = {"GDAL_TIFF_INTERNAL_MASK": "YES", "GDAL_PAM_ENABLED": "NO"}
    old_options = {key: get_option(key, None) for key in options}
    old_cache = gdal.GetCacheMax()
    gdal.SetCacheMax(cache_bytes)
    for key, value in options.items():
        set_option(key, value)
    gdal.PushErrorHandler("CPLQuietErrorHandler")
    try:
        yield
    finally:
        gdal.PopErrorHandler()
        for key, value in old_options.items():
            set_option(key, value)
        gdal.SetCacheMax(old_cache)


def _gdal_callback(progress: Progress, start: float, end: float):
    """A GDAL progress callback reporting into ``start..end``; it stops GDAL once canceled."""

    def callback(complete, message, data):
        if progress.is_canceled():
            return 0
        progress.progress(start + (end - start) * complete)
        return 1

    return callback


def _gdal_check(gdal, code, progress: Progress, output_path, what: str) -> None:
    """Raise :class:`CanceledError` after a cancel, :class:`OutputError` for a failed GDAL call."""
    progress.check()
    if code not in (0, None):
        raise OutputError(
            "Cannot {} the label raster '{}': {}. Check the free disk space and that the folder is "
            "writable.".format(what, output_path, gdal.GetLastErrorMsg() or "GDAL error {}".format(code))
        )


class _OgrPass:
    """One burn pass (features of one kind and ``all_touched`` setting) ready for ``gdal.RasterizeLayer``:
    WKB, burn values and envelopes, so each strip gets only the features that can touch it."""

    def __init__(self, geoms, values, wkb, all_touched: bool):
        import shapely

        self.wkb = (wkb if wkb is not None else shapely.to_wkb(geoms, output_dimension=2)).tolist()
        self.values = values.tolist()
        self.bounds = shapely.bounds(geoms)
        self.all_touched = all_touched

    def burn(self, bindings, strip, band: int, box, progress: Progress) -> None:
        """Burn the features whose envelope meets ``box`` (x0, y0, x1, y1) into ``band`` of ``strip``
        (an in-memory GDAL dataset), in feature order."""
        import numpy as np

        gdal, ogr = bindings
        x0, y0, x1, y1 = box
        bounds = self.bounds
        index = np.flatnonzero((bounds[:, 0] <= x1) & (bounds[:, 2] >= x0)
                               & (bounds[:, 1] <= y1) & (bounds[:, 3] >= y0)).tolist()
        if not index:
            return
        source = _ogr_memory_driver(ogr).CreateDataSource("")
        layer = source.CreateLayer("labels", None, ogr.wkbUnknown)
        layer.CreateField(ogr.FieldDefn("burn", ogr.OFTInteger))
        feature = ogr.Feature(layer.GetLayerDefn())
        make, create = ogr.CreateGeometryFromWkb, layer.CreateFeature
        set_geometry, set_value = feature.SetGeometryDirectly, feature.SetFieldInteger64
        wkbs, values = self.wkb, self.values
        step = 1 << 15
        for first in range(0, len(index), step):
            progress.check()
            for i in index[first:first + step]:
                set_geometry(make(wkbs[i]))
                set_value(0, values[i])
                create(feature)
        feature = None
        options = ["ATTRIBUTE=burn"] + (["ALL_TOUCHED=TRUE"] if self.all_touched else [])
        gdal.ErrorReset()
        try:
            code = gdal.RasterizeLayer(strip, [band], layer, options=options,
                                       callback=_gdal_callback(progress, 0, 1))
        except RuntimeError:  # osgeo with exceptions enabled
            code = -1
        layer = source = None
        progress.check()
        if code not in (0, None):
            raise LabelError(
                "GDAL could not burn the labels: {}. Check that the label geometries are valid (run 'Fix "
                "geometries' on the layer).".format(gdal.GetLastErrorMsg())
            )


def _strip_rows(width: int) -> int:
    """Rows of one processing strip: whole output tile rows, about ``RASTERIZE_STRIP_BYTES`` of mask."""
    return max(1, RASTERIZE_STRIP_BYTES // max(width * TILE_SIZE, 1)) * TILE_SIZE


def _write_with_gdal(
    bindings,
    src,
    image_path,
    output_path,
    classes: dict[int, str],
    ignore_value: int,
    passes: list,
    aoi,
    progress: Progress,
    copy_image: bool = True,
) -> LabelRasterResult:
    """Write the label raster with osgeo, strip by strip (whole tile rows, full width): burn every pass
    into an in-memory strip with ``gdal.RasterizeLayer`` (only the features whose envelope meets the
    strip), set the AOI outside and image NoData pixels to ``ignore_value``, count the classes, write
    the mask strip and copy the image bands (C block copies) through a bounded block cache. Each
    feature is handed to GDAL about once and every output block is written once, so time grows with
    features + pixels and memory stays flat. Same output as :func:`_write_label_raster`, band
    interleaved."""
    import numpy as np

    from ..label_format import TAG_MARKER

    gdal, _ = bindings
    count = src.count
    dtype = label_dtype(src.dtypes[0]) if copy_image else "uint8"
    gdal_type = _gdal_type(gdal, dtype)
    out_count = count + 1 if copy_image else 1
    mask_index = out_count
    has_nodata = any(v is not None for v in src.nodatavals) or np.dtype(src.dtypes[0]).kind == "f"
    nodata_tag = next((v for v in src.nodatavals if v is not None), None)
    tags = label_tags(classes, ignore_value, count if copy_image else 0, nodata_tag)
    if not copy_image:
        tags.pop(TAG_MARKER)
    try:
        image = gdal.OpenEx(str(image_path), gdal.OF_RASTER | gdal.OF_READONLY)
    except RuntimeError:
        image = None
    if image is None:
        raise RasterError("Cannot open the image raster '{}' with GDAL: {}".format(
            image_path, gdal.GetLastErrorMsg()))
    burn_passes = [_OgrPass(geoms, values, wkb, kind != "polygon") for kind, geoms, values, wkb in passes]
    aoi_pass = None
    if aoi is not None:
        aoi_pass = _OgrPass(aoi, np.ones(len(aoi), np.uint8), None, False)
    width, height = src.width, src.height
    rows = _strip_rows(width)
    strips = [(row, min(rows, height - row)) for row in range(0, height, rows)]
    transform = src.transform
    histogram = np.zeros(256, dtype=np.int64)
    with atomic_output(output_path, inputs=[image_path], what="label raster") as tmp, \
            _gdal_settings(gdal, RASTERIZE_CACHE_BYTES):
        gdal.ErrorReset()
        try:
            dst = gdal.GetDriverByName("GTiff").Create(str(tmp), width, height, out_count, gdal_type,
                                                       options=list(gdal_creation_options()))
        except RuntimeError:
            dst = None
        if dst is None:
            raise OutputError(
                "Cannot write the label raster '{}': {}. Choose a folder you can write to.".format(
                    output_path, gdal.GetLastErrorMsg()
                )
            )
        band = mask_band = internal = None
        try:
            dst.SetGeoTransform(transform.to_gdal())
            dst.SetProjection(image.GetProjectionRef() or src.crs.to_wkt())
            dst.SetMetadata(tags)
            if copy_image:
                interps = _label_colorinterp(src.colorinterp)
                for index, (interp, text) in enumerate(zip(interps, src.descriptions), start=1):
                    band = dst.GetRasterBand(index)
                    with contextlib.suppress(RuntimeError):  # pragma: no cover - exotic inputs
                        band.SetColorInterpretation(int(interp))  # rasterio's ColorInterp values are GDAL's
                    band.SetDescription(text or "")
            mask_band = dst.GetRasterBand(mask_index)
            mask_band.SetColorInterpretation(gdal.GCI_Undefined)
            mask_band.SetDescription(MASK_DESCRIPTION)
            memory = gdal.GetDriverByName("MEM")
            for number, (row, strip_height) in enumerate(strips):
                progress.check()
                sub = progress.sub(number / len(strips), (number + 1) / len(strips))
                strip = memory.Create("", width, strip_height, 2 if aoi_pass else 1, gdal.GDT_Byte)
                strip.SetGeoTransform((transform * transform.translation(0, row)).to_gdal())
                corners = [transform * (x, y) for x in (0, width) for y in (row, row + strip_height)]
                xs, ys = [c[0] for c in corners], [c[1] for c in corners]
                box = (min(xs), min(ys), max(xs), max(ys))
                steps = len(burn_passes) + (aoi_pass is not None)
                for step, burn in enumerate(burn_passes):
                    burn.burn(bindings, strip, 1, box, sub.sub(0.5 * step / steps, 0.5 * (step + 1) / steps))
                strip_band = strip.GetRasterBand(1)
                mask = strip_band.ReadAsArray()
                changed = False
                if aoi_pass is not None:
                    aoi_pass.burn(bindings, strip, 2, box, sub.sub(0.5 * (steps - 1) / steps, 0.5))
                    mask[strip.GetRasterBand(2).ReadAsArray() == 0] = ignore_value
                    changed = True
                if has_nodata or copy_image:
                    internal = _gdal_copy_strip(
                        gdal, dst, image, src, mask, row, ignore_value, has_nodata, copy_image, gdal_type,
                        internal, strips[:number], sub.sub(0.5, 1), output_path,
                    )
                    changed = changed or has_nodata
                if changed:
                    strip_band.WriteArray(mask)
                # GDAL's histogram of the in-memory strip: ~5x faster than numpy's bincount
                counts = strip_band.GetHistogram(min=-0.5, max=255.5, buckets=256, include_out_of_range=0,
                                                 approx_ok=0)
                histogram += np.asarray(counts, dtype=np.int64)
                strip_band = strip = None
                code = mask_band.WriteRaster(0, row, width, strip_height, mask, buf_type=gdal.GDT_Byte)
                _gdal_check(gdal, code, progress, output_path, "write")
                sub.progress(1.0)
            gdal.ErrorReset()
            dst.FlushCache()
            if gdal.GetLastErrorType() >= gdal.CE_Failure:
                _gdal_check(gdal, -1, progress, output_path, "write")
        except RuntimeError as exc:  # osgeo with exceptions enabled (UseExceptions)
            progress.check()
            raise OutputError(
                "Cannot write the label raster '{}': {}. Check the free disk space and that the folder is "
                "writable.".format(output_path, exc)
            ) from exc
        finally:
            band = mask_band = internal = None
            dst = None
            image = None
    counts = {cid: int(histogram[cid]) for cid in sorted(classes)}
    return LabelRasterResult(
        path=str(output_path), classes=dict(sorted(classes.items())), pixel_counts=counts,
        ignore_count=int(histogram[ignore_value]), background_count=int(histogram[0]),
        width=width, height=height, image_bands=count if copy_image else 0, dtype=dtype,
    )


def _gdal_copy_strip(gdal, dst, image, src, mask, row: int, ignore_value: int, has_nodata: bool,
                     copy_image: bool, gdal_type: int, internal, previous: list, progress: Progress,
                     output_path):
    """Copy the image bands of one strip window by window (if ``copy_image``) and set image NoData
    pixels to ``ignore_value`` in ``mask`` (the strip's mask, changed in place) and in the internal
    mask, created on the first NoData pixel (``previous`` strips are then marked valid). Returns the
    internal mask band (or None)."""
    import numpy as np

    signed_bytes = np.dtype(src.dtypes[0]) == np.int8
    dtype = np.dtype(label_dtype(src.dtypes[0]))
    bands = list(range(1, src.count + 1))
    strip_height, width = mask.shape
    windows = [(int(w.col_off), int(w.row_off), int(w.width), int(w.height))
               for w in _windows(width, strip_height)]

    def valid(x, y, w, h):  # mark a block of the internal mask valid
        code = internal.WriteArray(np.full((h, w), 255, np.uint8), x, y)
        _gdal_check(gdal, code, progress, output_path, "write")

    for number, (x, y, w, h) in enumerate(windows):
        progress.check()
        data = image.ReadAsArray(x, row + y, w, h)
        if data is None:
            raise RasterError("Cannot read the image raster: {}".format(gdal.GetLastErrorMsg()))
        data = data.reshape(src.count, h, w)
        if signed_bytes and data.dtype != np.int8:  # a GDAL without Int8 reads int8 as raw bytes
            data = data.view(np.int8)
        if has_nodata:
            bad = _nodata_pixels(src, data)
            if bad is not None and (internal is not None or bad.any()):
                mask[y:y + h, x:x + w][bad] = ignore_value
                if internal is None:  # create the internal mask only when NoData occurs
                    dst.CreateMaskBand(gdal.GMF_PER_DATASET)
                    internal = dst.GetRasterBand(1).GetMaskBand()
                    for before, before_height in previous:
                        for done in _windows(width, before_height):
                            valid(int(done.col_off), before + int(done.row_off), int(done.width),
                                  int(done.height))
                    for done_x, done_y, done_w, done_h in windows[:number]:
                        valid(done_x, row + done_y, done_w, done_h)
                code = internal.WriteArray(np.where(bad, 0, 255).astype(np.uint8), x, row + y)
                _gdal_check(gdal, code, progress, output_path, "write")
        if copy_image:
            data = np.ascontiguousarray(data, dtype=dtype)
            code = dst.WriteRaster(x, row + y, w, h, data, band_list=bands, buf_type=gdal_type)
            _gdal_check(gdal, code, progress, output_path, "write")
        progress.progress((number + 1) / len(windows))
    return internal


# ----------------------------------------------------------------------------------------------
# From a classification raster
# ----------------------------------------------------------------------------------------------
def build_label_raster_from_classification(
    image_path: str | Path,
    classification_path: str | Path,
    output_path: str | Path,
    class_map: str | dict | None = None,
    class_names: str | Sequence[str] | dict | None = None,
    ignore_value: int = DEFAULT_IGNORE,
    *,
    progress: Progress | None = None,
) -> LabelRasterResult:
    """Write a label raster on the image grid from a classification raster (band 1).

    The classification is resampled nearest-neighbour onto the image grid window by window (any grid,
    any CRS). ``class_map`` (:func:`parse_class_map`) says which source values become which class ids;
    without it every non-zero value is class 1, except ``ignore_value``, which stays ignore (a label
    raster's own mask band keeps its ignore pixels). Unmapped values are background; classification NoData
    and pixels outside it are ignore, as are image NoData pixels.
    """
    import numpy as np
    import rasterio
    from rasterio.enums import Resampling
    from rasterio.vrt import WarpedVRT
    from rasterio.warp import transform_bounds

    progress = ensure(progress)
    ignore_value = check_ignore_value(ignore_value)
    check_output_path(output_path, [image_path, classification_path], "label raster", geotiff=True)
    mapping = parse_class_map(class_map, ignore_value)
    ids = sorted({1} if mapping is None else {t for t in mapping.values() if t not in (0, ignore_value)})
    if not ids:
        raise ParameterError(
            "The class map gives no class (only background or ignore). Map at least one value to a "
            "class id 1..{}.".format(MAX_CLASS_ID)
        )
    classes = class_names_for(ids, class_names)
    require_file(classification_path, "classification raster")
    src = _open_image(image_path)
    with src:
        label_dtype(src.dtypes[0])
        try:
            cls = rasterio.open(classification_path)
        except rasterio.errors.RasterioIOError as exc:
            raise RasterError(
                "Cannot open the classification raster '{}': {}".format(classification_path, exc)
            ) from exc
        with cls:
            if cls.crs is None:
                raise RasterError(
                    "The classification raster '{}' has no coordinate reference system. Assign its CRS "
                    "and try again.".format(classification_path)
                )
            if cls.count > 1:
                progress.warning("The classification raster has {} bands; band 1 is used.".format(cls.count))
            try:
                cb = transform_bounds(cls.crs, src.crs, *raster_envelope(cls), densify_pts=21)
            except Exception as exc:  # noqa: BLE001 - any PROJ failure means no usable overlap
                raise LabelError(
                    "The classification raster cannot be placed on the image: {}".format(exc)
                ) from exc
            left, bottom, right, top = raster_envelope(src)
            if not (cb[0] < right and cb[2] > left and cb[1] < top and cb[3] > bottom):
                raise LabelError(
                    "The classification raster '{}' does not overlap the image '{}'. Check that they "
                    "show the same place and that their CRS are right.".format(
                        classification_path, image_path
                    )
                )
            vrt_options = dict(crs=src.crs, transform=src.transform, width=src.width, height=src.height,
                               resampling=Resampling.nearest)
            if cls.nodata is not None:
                vrt_options["nodata"] = cls.nodata
            else:
                vrt_options["add_alpha"] = True
            lookup = None if mapping is None else _group_map(mapping)
            progress.info("Resampling the classification onto the {} x {} image grid ({}).".format(
                src.width, src.height, count(len(classes), "class", "classes")))
            with WarpedVRT(cls, **vrt_options) as vrt:

                def mask_for_window(window):
                    data = vrt.read(1, window=window)
                    if cls.nodata is not None:
                        valid = vrt.read_masks(1, window=window) != 0
                    else:
                        valid = vrt.read(vrt.count, window=window) != 0
                    out = np.zeros(data.shape, dtype=np.uint8)
                    if lookup is None:  # every non-zero value is class 1; the ignore value stays ignore
                        out[data != 0] = 1
                        out[data == ignore_value] = ignore_value
                    else:
                        for target, sources in lookup:
                            out[np.isin(data, sources)] = target
                    out[~valid] = ignore_value
                    return out

                result = _write_label_raster(src, output_path, classes, ignore_value, mask_for_window,
                                             progress, [image_path, classification_path])
    _report(result, progress)
    return result


def _group_map(mapping: dict[float, int]):
    """``[(class id, array of source values)]`` (each source value has one target)."""
    import numpy as np

    targets: dict[int, list[float]] = {}
    for source, target in mapping.items():
        targets.setdefault(target, []).append(source)
    return [(t, np.asarray(targets[t])) for t in sorted(targets)]
