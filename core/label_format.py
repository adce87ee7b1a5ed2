"""The label raster: image bands plus a final mask band, and its metadata.

Format (a tiled GeoTIFF on exactly the image grid):

- bands ``1..N`` are the image bands (values unchanged), band ``N+1`` is the mask:
  0 background, 1..K classes, ``ignore_value`` for unknown pixels (outside the AOI, image NoData,
  features marked "ignore");
- all bands share one data type (GeoTIFF requires it): the image type, widened when the ignore value
  does not fit (int8 → int16);
- dataset tags (see ``TAG_*``) carry the class names, ignore value, image band count and image NoData;
  the image NoData pixels are also flagged in an internal mask so QGIS shows them as transparent.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from .class_table import DEFAULT_IGNORE, ClassTable
from .errors import LabelError, RasterError

TAG_MARKER = "DEEPFEATURE_LABEL_RASTER"
TAG_CLASSES = "DEEPFEATURE_CLASSES"
TAG_IGNORE = "DEEPFEATURE_IGNORE_VALUE"
TAG_IMAGE_BANDS = "DEEPFEATURE_IMAGE_BANDS"
TAG_IMAGE_NODATA = "DEEPFEATURE_IMAGE_NODATA"
MASK_DESCRIPTION = "mask"


def format_classes(classes: dict[int, str] | tuple[str, ...] | list[str]) -> str:
    """'1=building, 2=road' for a {value: name} dict or a model's class names (numbered from 1)."""
    return ClassTable.from_mapping(classes).format()


@dataclass(frozen=True)
class LabelRasterInfo:
    """What a label raster holds (read from its tags)."""

    path: str
    width: int
    height: int
    image_bands: int
    dtype: str
    classes: dict[int, str] = field(default_factory=dict)
    ignore_value: int = DEFAULT_IGNORE
    image_nodata: float | None = None
    crs_wkt: str = ""
    transform: tuple[float, ...] = ()

    @property
    def mask_band(self) -> int:
        """1-based index of the mask band."""
        return self.image_bands + 1

    @property
    def class_ids(self) -> list[int]:
        """Class ids 1..K in order."""
        return sorted(self.classes)


def label_tags(
    classes: dict[int, str], ignore_value: int, image_bands: int, image_nodata: float | None
) -> dict[str, str]:
    """Dataset tags for a label raster."""
    return {
        TAG_MARKER: "1",
        TAG_CLASSES: ClassTable.from_mapping(classes).to_json(),
        TAG_IGNORE: str(int(ignore_value)),
        TAG_IMAGE_BANDS: str(int(image_bands)),
        TAG_IMAGE_NODATA: "" if image_nodata is None else repr(float(image_nodata)),
    }


def read_info(path: str | Path) -> LabelRasterInfo:
    """Read a label raster's metadata; raise :class:`LabelError` if it is not one."""
    import rasterio

    try:
        with rasterio.open(path) as src:
            tags = src.tags()
            info_args = dict(
                path=str(path),
                width=src.width,
                height=src.height,
                dtype=src.dtypes[0],
                crs_wkt=src.crs.to_wkt() if src.crs else "",
                transform=tuple(src.transform)[:6],
            )
            count = src.count
    except rasterio.errors.RasterioIOError as exc:
        raise RasterError("Cannot open the raster '{}': {}".format(path, exc)) from exc
    if tags.get(TAG_MARKER) != "1":
        raise LabelError(
            "'{}' is not a label raster (it has no mask band). Build one with "
            "'Build Label Raster from Vector Layers' or 'Build Label Raster from "
            "Classification'.".format(path)
        )
    try:
        classes = ClassTable.from_json(tags[TAG_CLASSES]).as_dict()
        image_bands = int(tags[TAG_IMAGE_BANDS])
        ignore = int(tags.get(TAG_IGNORE, DEFAULT_IGNORE))
        nodata_text = tags.get(TAG_IMAGE_NODATA, "")
        nodata = float(nodata_text) if nodata_text else None
    except (KeyError, ValueError) as exc:
        raise LabelError("The label raster '{}' has damaged metadata: {}.".format(path, exc)) from exc
    if image_bands + 1 != count:
        raise LabelError(
            "The label raster '{}' should have {} image bands and a mask band but has {} bands. "
            "Rebuild it.".format(path, image_bands, count)
        )
    return LabelRasterInfo(
        image_bands=image_bands, classes=classes, ignore_value=ignore, image_nodata=nodata, **info_args
    )
