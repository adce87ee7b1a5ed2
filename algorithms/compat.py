"""The QGIS names that differ between the QGIS releases the plugin runs on: 3.22 (Qt5) to 4.x (Qt6).

QGIS moved many enums into ``Qgis`` and deprecated the old names (``QgsWkbTypes.Point`` became
``Qgis.WkbType.Point`` in 3.30, the Processing enums moved in 3.36, ...), and from 3.38 a ``QgsField`` is
typed with a ``QMetaType.Type`` (Qt6's QVariant has no type enum). Each constant below is resolved once,
when the module is imported: the current name where this QGIS has it, else the name QGIS 3.22 knows. The
algorithms use these constants and never spell a name that is deprecated on a newer QGIS.

Qt's own enums need no helper: the scoped spelling (``Qt.BrushStyle.SolidPattern``,
``QMetaType.Type.Int``) works on PyQt5 5.15 and on PyQt6.
"""

from __future__ import annotations

from qgis import core as _core
from qgis.core import Qgis, QgsField

#: Every name resolved here: ``(current name, QGIS version that has it, name on QGIS 3.22)``; the tests
#: check each against the installed QGIS.
NAMES: list[tuple[str, int, str]] = []


def _lookup(path: str):
    """The object a dotted path from ``qgis.core`` names (``AttributeError`` when this QGIS lacks it)."""
    head, *rest = path.split(".")
    value = getattr(_core, head)
    for part in rest:
        value = getattr(value, part)
    return value


def enum_value(current: str, since: int, older: str):
    """The enum member named ``current`` (a dotted path from ``qgis.core``, e.g. ``"Qgis.WkbType.Point"``)
    when this QGIS has it (from QGIS ``since``, e.g. 33000 for 3.30), else the member named ``older``."""
    NAMES.append((current, since, older))
    try:
        return _lookup(current)
    except AttributeError:
        return _lookup(older)


# Geometry and WKB types (Qgis.WkbType / Qgis.GeometryType: QGIS 3.30).
WKB_POINT = enum_value("Qgis.WkbType.Point", 33000, "QgsWkbTypes.Point")
WKB_MULTIPOLYGON = enum_value("Qgis.WkbType.MultiPolygon", 33000, "QgsWkbTypes.MultiPolygon")
WKB_GEOMETRY_COLLECTION = enum_value(
    "Qgis.WkbType.GeometryCollection", 33000, "QgsWkbTypes.GeometryCollection")
GEOMETRY_POINT = enum_value("Qgis.GeometryType.Point", 33000, "QgsWkbTypes.PointGeometry")
GEOMETRY_LINE = enum_value("Qgis.GeometryType.Line", 33000, "QgsWkbTypes.LineGeometry")
GEOMETRY_POLYGON = enum_value("Qgis.GeometryType.Polygon", 33000, "QgsWkbTypes.PolygonGeometry")

# Processing (QGIS 3.36).
SOURCE_VECTOR = enum_value("Qgis.ProcessingSourceType.Vector", 33600, "QgsProcessing.TypeVector")
SOURCE_VECTOR_POINT = enum_value(
    "Qgis.ProcessingSourceType.VectorPoint", 33600, "QgsProcessing.TypeVectorPoint")
SOURCE_VECTOR_POLYGON = enum_value(
    "Qgis.ProcessingSourceType.VectorPolygon", 33600, "QgsProcessing.TypeVectorPolygon")
SOURCE_RASTER = enum_value("Qgis.ProcessingSourceType.Raster", 33600, "QgsProcessing.TypeRaster")
NUMBER_INTEGER = enum_value(
    "Qgis.ProcessingNumberParameterType.Integer", 33600, "QgsProcessingParameterNumber.Integer")
NUMBER_DOUBLE = enum_value(
    "Qgis.ProcessingNumberParameterType.Double", 33600, "QgsProcessingParameterNumber.Double")
FLAG_ADVANCED = enum_value(
    "Qgis.ProcessingParameterFlag.Advanced", 33600, "QgsProcessingParameterDefinition.FlagAdvanced")
FILE_BEHAVIOR_FILE = enum_value(
    "Qgis.ProcessingFileParameterBehavior.File", 33600, "QgsProcessingParameterFile.File")
FILE_BEHAVIOR_FOLDER = enum_value(
    "Qgis.ProcessingFileParameterBehavior.Folder", 33600, "QgsProcessingParameterFile.Folder")
FIELD_TYPE_ANY = enum_value(
    "Qgis.ProcessingFieldParameterDataType.Any", 33600, "QgsProcessingParameterField.Any")

# Coordinate reference systems (Qgis.CrsWktVariant: QGIS 3.36).
WKT_PREFERRED = enum_value(
    "Qgis.CrsWktVariant.Preferred", 33600, "QgsCoordinateReferenceSystem.WKT_PREFERRED")

# Styles (Qgis.MarkerShape: QGIS 3.24; Qgis.ShaderInterpolationMethod: QGIS 3.38).
MARKER_CIRCLE = enum_value("Qgis.MarkerShape.Circle", 32400, "QgsSimpleMarkerSymbolLayerBase.Circle")
SHADER_DISCRETE = enum_value("Qgis.ShaderInterpolationMethod.Discrete", 33800, "QgsColorRampShader.Discrete")

#: From QGIS 3.38 ``QgsField`` takes a ``QMetaType.Type``; before, a QVariant type.
FIELDS_TAKE_QMETATYPE = Qgis.QGIS_VERSION_INT >= 33800


def field(name: str, meta_type) -> QgsField:
    """A ``QgsField`` of type ``meta_type`` (``QMetaType.Type.Int``, ``.QString``, ``.Double``...) on every
    QGIS. Before 3.38 (always Qt5) the field takes the QVariant type of the same number: Qt gives the two
    enums the same values, and PyQt5 accepts the number for it."""
    return QgsField(name, meta_type if FIELDS_TAKE_QMETATYPE else int(meta_type))
