"""The class table: which class ids a raster or model holds, their names, colours and the ignore value.

Every raster deepfeature writes (label, activation, classification) and every model carries one, as the
JSON object ``{"1": "building", "2": "road"}`` in its tags or metadata (JSON keys are strings; ids are
integers everywhere else). :class:`ClassTable` is the one place where that text becomes ids and back.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Iterable, Iterator, Mapping

#: The usual ignore value of a label raster's mask band (and the NoData of classification rasters).
DEFAULT_IGNORE = 255
#: Largest class id (0 is the background; 255 is the usual ignore value and the classification NoData).
MAX_CLASS_ID = 254

#: Class colours (background first, cycled for many classes): the GeoTIFF colour table of classification
#: rasters and the paletted styles of the QGIS layers.
CLASS_PALETTE = (
    "#000000", "#e41a1c", "#377eb8", "#4daf4a", "#984ea3", "#ff7f00", "#ffff33",
    "#a65628", "#f781bf", "#999999", "#66c2a5", "#fc8d62", "#8da0cb", "#e78ac3",
)


def class_rgb(class_id: int) -> tuple[int, int, int]:
    """The stable colour of a class id (1..254) as RGB."""
    code = CLASS_PALETTE[1 + (class_id - 1) % (len(CLASS_PALETTE) - 1)]
    return int(code[1:3], 16), int(code[3:5], 16), int(code[5:7], 16)


@dataclass(frozen=True)
class ClassTable:
    """Class ids (ascending) with their names, and the ignore value of the rasters they label."""

    entries: tuple[tuple[int, str], ...] = ()
    ignore_value: int = DEFAULT_IGNORE

    def __post_init__(self) -> None:
        object.__setattr__(self, "entries", tuple(sorted((int(k), str(v)) for k, v in self.entries)))

    # -- construction -------------------------------------------------------------------------------
    @classmethod
    def from_mapping(cls, classes: Mapping | Iterable[str] | None, ignore_value: int = DEFAULT_IGNORE
                     ) -> ClassTable:
        """From ``{id: name}`` (ids as int or str) or a sequence of names numbered from 1."""
        if classes is None:
            return cls((), ignore_value)
        if isinstance(classes, ClassTable):
            return cls(classes.entries, ignore_value)
        if isinstance(classes, Mapping):
            return cls(tuple((int(k), str(v)) for k, v in classes.items()), ignore_value)
        return cls(tuple(enumerate((str(v) for v in classes), start=1)), ignore_value)

    @classmethod
    def from_json(cls, text: str, ignore_value: int = DEFAULT_IGNORE) -> ClassTable:
        """Inverse of :meth:`to_json`; ``ValueError`` when the text is no class table."""
        data = json.loads(text)
        if not isinstance(data, dict):
            raise ValueError("a class table is a JSON object, got {!r}".format(text))
        return cls.from_mapping(data, ignore_value)

    # -- views ----------------------------------------------------------------------------------------
    def to_json(self) -> str:
        """``{"1": "building", ...}``: the form kept in raster tags and model metadata."""
        return json.dumps({str(k): v for k, v in self.entries})

    def as_dict(self) -> dict[int, str]:
        """``{id: name}`` in id order."""
        return dict(self.entries)

    @property
    def ids(self) -> list[int]:
        """Class ids in ascending order."""
        return [k for k, _ in self.entries]

    def name(self, class_id: int) -> str:
        """The name of ``class_id`` ('class <id>' when it has none)."""
        return self.as_dict().get(int(class_id), "class {}".format(class_id))

    def id_by_name(self) -> dict[str, int]:
        """``{lower-case stripped name: id}`` for matching names typed by a user."""
        return {v.strip().lower(): k for k, v in self.entries}

    def format(self) -> str:
        """'1=building, 2=road' ('none' when empty)."""
        return ", ".join("{}={}".format(k, v) for k, v in self.entries) or "none"

    def __iter__(self) -> Iterator[int]:
        return iter(self.ids)
