"""Shared plumbing for deepfeature algorithms: base class, feedback adapter, error mapping."""

from __future__ import annotations

import functools
import os

from qgis.core import (
    QgsCoordinateReferenceSystem,
    QgsCsException,
    QgsGeometry,
    QgsProcessingAlgorithm,
    QgsProcessingException,
    QgsProcessingFeedback,
    QgsWkbTypes,
)
from qgis.PyQt.QtCore import QCoreApplication
from qgis.PyQt.QtGui import QIcon

from ..core.errors import CanceledError, DeepFeatureError
from ..core.progress import DEBUG, INFO, PROGRESS, WARNING, Event, Progress
from . import compat
from .i18n import QT_TRANSLATE_NOOP, translate_message

PLUGIN_DIR = os.path.dirname(os.path.dirname(__file__))
ICON_PATH = os.path.join(PLUGIN_DIR, "ui", "icon.svg")


def plain_geometry(geometry, transform=None):
    """A copy of ``geometry`` that GEOS and shapely read: 2D, curves (circular arcs, CurvePolygon,
    MultiSurface) turned into straight segments, reprojected by ``transform`` (may raise
    ``QgsCsException``). ``None`` for a missing or empty geometry; not yet made valid."""
    if geometry is None or geometry.isNull() or geometry.isEmpty():
        return None
    abstract = geometry.constGet()
    abstract = abstract.segmentize() if QgsWkbTypes.isCurvedType(abstract.wkbType()) else abstract.clone()
    abstract.dropZValue()
    abstract.dropMValue()
    plain = QgsGeometry(abstract)
    if transform is not None and not transform.isShortCircuited():
        plain.transform(transform)
    return plain


class PlainGeometries:
    """Iterate ``(feature, geometry)`` over ``features``, each geometry made plain (:func:`plain_geometry`);
    counts the features without a geometry (``empty``) and those that could not be reprojected
    (``failed``)."""

    def __init__(self, features, transform=None):
        self.features, self.transform = features, transform
        self.empty = self.failed = 0

    def __iter__(self):
        for feature in self.features:
            try:
                geometry = plain_geometry(feature.geometry(), self.transform)
            except QgsCsException:
                self.failed += 1
                continue
            if geometry is None:
                self.empty += 1
                continue
            yield feature, geometry


def field_value(value):
    """A field value as a plain python value (None for NULL; other types unchanged)."""
    if value is None:
        return None
    is_null = getattr(value, "isNull", None)
    if callable(is_null) and type(value).__name__ == "QVariant" and is_null():
        return None
    return value


class FeedbackProgress(Progress):
    """Adapts a ``QgsProcessingFeedback`` to the core progress protocol; the engine's English log lines
    are shown in the user's language (:func:`~deepfeature.algorithms.i18n.translate_message`)."""

    def __init__(self, feedback: QgsProcessingFeedback | None):
        self.feedback = feedback if feedback is not None else QgsProcessingFeedback()

    def emit(self, event: Event) -> None:
        if event.kind == PROGRESS and event.fraction is not None:
            self.feedback.setProgress(100.0 * event.fraction)
        elif event.kind == INFO:
            self.feedback.pushInfo(translate_message(event.text))
        elif event.kind == WARNING:
            warn = getattr(self.feedback, "pushWarning", None)  # QGIS >= 3.16: a warning, not an error
            if warn is not None:
                warn(translate_message(event.text))
            else:
                self.feedback.reportError(translate_message(event.text), False)
        elif event.kind == DEBUG:
            self.feedback.pushDebugInfo(event.text)

    def is_canceled(self) -> bool:
        return self.feedback.isCanceled()


class DeepFeatureAlgorithm(QgsProcessingAlgorithm):
    """Base class: translation, instance creation, groups, icon and the environment check.

    Subclasses set ``NAME``, ``GROUP`` (a key of ``GROUPS``) and ``NEEDS_WORKER`` (False for an algorithm
    that needs nothing but QGIS: it never runs in the worker), and return ``self.tr("...")`` of a literal
    from ``displayName()`` and ``shortHelpString()`` (numbers from core formatted in after translation),
    so that ``pylupdate5`` extracts them.
    """

    GROUPS = {
        "setup": QT_TRANSLATE_NOOP("DeepFeatureAlgorithm", "0 · Set-up"),
        "labels": QT_TRANSLATE_NOOP("DeepFeatureAlgorithm", "1 · Label rasters"),
        "model": QT_TRANSLATE_NOOP("DeepFeatureAlgorithm", "2 · Model"),
        "classification": QT_TRANSLATE_NOOP("DeepFeatureAlgorithm", "3 · Classification"),
        "postprocessing": QT_TRANSLATE_NOOP("DeepFeatureAlgorithm", "4 · Post-processing"),
        "evaluation": QT_TRANSLATE_NOOP("DeepFeatureAlgorithm", "5 · Evaluation"),
    }
    NAME = ""
    GROUP = "labels"
    #: The algorithm runs in the worker (:meth:`run_worker`), on the deep-learning environment.
    NEEDS_WORKER = True

    def add_advanced_parameters(self, *params) -> None:
        """Add ``params`` to the dialog's 'Advanced parameters' group, in this order."""
        for param in params:
            param.setFlags(param.flags() | compat.FLAG_ADVANCED)
            self.addParameter(param)

    def tr(self, string):
        """Translate ``string`` (a literal, so that ``pylupdate5`` extracts it with the name of the class
        whose code holds the call as context): the algorithm's class is the context, then its base
        classes, so a string of a base class or a mixin is found too."""
        for cls in type(self).__mro__:
            if cls is QgsProcessingAlgorithm:
                break  # no plugin class after it
            translated = QCoreApplication.translate(cls.__name__, string)
            if translated != string:
                return translated
        return string

    def createInstance(self):  # noqa: N802 - QGIS API
        return type(self)()

    def name(self):
        return self.NAME

    def group(self):
        return QCoreApplication.translate("DeepFeatureAlgorithm", self.GROUPS[self.GROUP])

    def groupId(self):  # noqa: N802 - QGIS API
        return self.GROUP

    def icon(self):
        return QIcon(ICON_PATH)

    def canExecute(self):  # noqa: N802 - QGIS API
        """An algorithm that runs in the worker needs a worker that can start: the deep-learning
        environment set up (or ``DEEPFEATURE_PYTHON``); cheap, it runs nothing."""
        if not self.NEEDS_WORKER:
            return True, ""
        from ..core.environment import BROKEN, environment_status, worker_problem
        from .settings import ENVIRONMENT_FOLDER, setting

        folder = setting(ENVIRONMENT_FOLDER)
        if not worker_problem(folder):
            return True, ""
        if environment_status(folder).state == BROKEN:
            return False, QCoreApplication.translate(
                "DeepFeatureAlgorithm",
                "The deep-learning environment is damaged: run 'Set Up Deep-Learning Environment' "
                "(Processing Toolbox › Deep Feature Extraction › 0 · Set-up) again to repair it.",
            )
        return False, QCoreApplication.translate(
            "DeepFeatureAlgorithm",
            "This algorithm needs the deep-learning environment: run 'Set Up Deep-Learning Environment' "
            "(Processing Toolbox › Deep Feature Extraction › 0 · Set-up) once.",
        )

    # Helpers for subclasses -------------------------------------------------------------------
    def run_core(self, function, feedback, *args, **kwargs):
        """Call a core function with a progress adapter; map core errors to QgsProcessingException.

        Cancellation is not an error for QGIS: it returns ``None`` after telling the user.
        """
        ok, message = self.canExecute()
        if not ok:
            raise QgsProcessingException(message)
        progress = FeedbackProgress(feedback)
        try:
            return function(*args, progress=progress, **kwargs)
        except CanceledError as exc:
            text = str(exc)
            if "cancel" not in text.lower():
                text = self.tr("Canceled by the user. {}").format(translate_message(text))
            raise QgsProcessingException(translate_message(text)) from exc
        except DeepFeatureError as exc:
            raise QgsProcessingException(translate_message(str(exc))) from exc
        except MemoryError as exc:
            raise QgsProcessingException(
                self.tr("Out of memory. Use smaller tiles or batches, or close other programs.")
            ) from exc

    def run_worker(self, name, feedback, *args, **kwargs):
        """Like :meth:`run_core` for a step that needs more than QGIS ships, run in a worker process on
        the deep-learning environment of the settings (its folder, the worker idle seconds).

        ``name`` is a key of ``core.worker.FUNCTIONS``. TensorFlow cannot be imported inside the QGIS
        process (protobuf clash), and a worker keeps a crash of the deep-learning stack away from QGIS.
        """
        from ..core.environment import worker_runtime
        from ..core.worker import run_in_worker
        from .settings import ENVIRONMENT_FOLDER, WORKER_IDLE, setting

        ok, message = self.canExecute()
        if not ok:
            raise QgsProcessingException(message)
        try:
            runtime = worker_runtime(setting(ENVIRONMENT_FOLDER), idle=setting(WORKER_IDLE))
        except DeepFeatureError as exc:
            raise QgsProcessingException(translate_message(str(exc))) from exc
        call = functools.partial(run_in_worker, name, runtime=runtime)
        return self.run_core(call, feedback, *args, **kwargs)

    @staticmethod
    def crs_wkt(crs: QgsCoordinateReferenceSystem) -> str:
        """The CRS as WKT (empty string for an invalid CRS)."""
        if crs is None or not crs.isValid():
            return ""
        return crs.toWkt(compat.WKT_PREFERRED)

    @staticmethod
    def layer_path(layer) -> str:
        """The local file path of a raster layer ('' if it is not file-based)."""
        if layer is None:
            return ""
        source = layer.source()
        path = source.split("|")[0]
        return path if os.path.exists(path) else ""
