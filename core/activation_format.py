"""The activation and classification raster formats: tags, NoData values, colour table, and reading
an activation raster's description.

The activation raster (written by Classify) is a float32 GeoTIFF with one band per feature class, values
0..1 (probability), NoData ``ACTIVATION_NODATA`` and the dataset tags ``DEEPFEATURE_ACTIVATION=1`` and
``DEEPFEATURE_CLASSES`` (JSON ``{"1": "building"}``; band ``i`` is the ``i``-th class id in increasing
order). A classification raster is uint8: 0 background, class ids, ``CLASS_NODATA``.
"""

from __future__ import annotations

import json
import os
from dataclasses import dataclass, field

from .class_table import ClassTable, class_rgb
from .errors import RasterError
from .files import require_file
from .label_format import TAG_CLASSES

TAG_ACTIVATION = "DEEPFEATURE_ACTIVATION"
TAG_CLASSIFICATION = "DEEPFEATURE_CLASSIFICATION"
TAG_MODEL = "DEEPFEATURE_MODEL"
#: JSON ``{"1": 30}``: the default minimum object size (pixels) per class, from the model's training objects.
TAG_MIN_OBJECT = "DEEPFEATURE_MIN_OBJECT_PIXELS"
ACTIVATION_NODATA = -1.0
CLASS_NODATA = 255


def activation_tags(classes: dict[int, str], model: str = "", min_objects: dict[int, int] | None = None
                    ) -> dict[str, str]:
    """Dataset tags of an activation raster (``min_objects``: the model's default minimum object sizes)."""
    tags = {
        TAG_ACTIVATION: "1",
        TAG_CLASSES: ClassTable.from_mapping(classes).to_json(),
        TAG_MODEL: os.path.basename(model) if model else "",
    }
    if min_objects:
        tags[TAG_MIN_OBJECT] = json.dumps({str(k): int(v) for k, v in sorted(min_objects.items())})
    return tags


def _min_objects_from_tags(tags: dict[str, str]) -> dict[int, int]:
    try:
        data = json.loads(tags.get(TAG_MIN_OBJECT) or "{}")
        return {int(k): max(0, int(v)) for k, v in data.items()}
    except (ValueError, AttributeError, TypeError):
        return {}


def describe_classification(dst, classes: dict[int, str]) -> None:
    """Tags, band description and colour table of a classification raster open for writing, so any GIS
    shows it paletted, each class in its colour (a TIFF palette has no transparency: background is
    black there; the QGIS style makes it transparent)."""
    dst.update_tags(**classification_tags(classes))
    dst.set_band_description(1, "class")
    colormap = {value: (0, 0, 0, 0) for value in range(256)}
    table = ClassTable.from_mapping(classes)
    colormap.update({c: class_rgb(c) + (255,) for c in table if 0 < c < CLASS_NODATA})
    dst.write_colormap(1, colormap)


def classification_tags(classes: dict[int, str]) -> dict[str, str]:
    """Dataset tags of a classification raster (class ids, 0 background, 255 NoData)."""
    return {
        TAG_CLASSIFICATION: "1",
        TAG_CLASSES: ClassTable.from_mapping(classes).to_json(),
    }


def class_names_from_tags(tags: dict[str, str]) -> dict[int, str]:
    """The ``{id: name}`` class dict stored in tags ({} when absent or damaged)."""
    try:
        return ClassTable.from_json(tags.get(TAG_CLASSES) or "{}").as_dict()
    except (ValueError, AttributeError, TypeError):
        return {}


@dataclass(frozen=True)
class ActivationInfo:
    """What an activation raster holds."""

    path: str
    width: int
    height: int
    bands: int
    classes: dict[int, str]
    nodata: float | None
    transform: tuple[float, ...]
    crs_wkt: str
    tagged: bool = True
    #: ``{class id: pixels}``: the default minimum object size from the model's training objects.
    min_objects: dict[int, int] = field(default_factory=dict)

    @property
    def class_ids(self) -> list[int]:
        """Class id of each band, in band order."""
        return sorted(self.classes)

    @property
    def pixel_area(self) -> float:
        """Area of one pixel in square CRS units."""
        a, b, _, d, e, _ = self.transform
        return abs(a * e - b * d)


def read_activation_info(path: str | os.PathLike) -> ActivationInfo:
    """Open an activation raster; raise :class:`RasterError` if it cannot be one.

    A float raster without deepfeature tags is accepted (classes are named "class 1", ...); an integer
    raster is refused (it is a classification, not an activation).
    """
    import rasterio

    require_file(path, "activation raster")
    try:
        with rasterio.open(path) as src:
            tags = src.tags()
            dtype = src.dtypes[0]
            info = dict(
                path=str(path),
                width=src.width,
                height=src.height,
                bands=src.count,
                nodata=src.nodata,
                transform=tuple(src.transform)[:6],
                crs_wkt=src.crs.to_wkt() if src.crs else "",
            )
    except rasterio.errors.RasterioIOError as exc:
        raise RasterError("Cannot open the raster '{}': {}".format(path, exc)) from exc
    if not dtype.startswith("float"):
        raise RasterError(
            "'{}' has integer values ({}): it is not an activation raster. Use the activation output of "
            "'Classify Raster with Model' (float values 0–1).".format(path, dtype)
        )
    classes = class_names_from_tags(tags)
    tagged = tags.get(TAG_ACTIVATION) == "1" and len(classes) == info["bands"]
    if not tagged:
        classes = {i: "class {}".format(i) for i in range(1, info["bands"] + 1)}
    return ActivationInfo(classes=classes, tagged=tagged, min_objects=_min_objects_from_tags(tags) if tagged
                          else {}, **info)
