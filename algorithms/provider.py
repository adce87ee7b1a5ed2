"""The deepfeature Processing provider."""

from __future__ import annotations

import importlib
import os

from qgis.core import QgsProcessingModelAlgorithm, QgsProcessingProvider
from qgis.PyQt.QtCore import QCoreApplication
from qgis.PyQt.QtGui import QIcon

from . import settings
from .base import ICON_PATH, PLUGIN_DIR

#: Graphical models shipped with the plugin (loaded as deepfeature:<model name>).
MODELS = (os.path.join(PLUGIN_DIR, "models", "deepfeature_workflow.model3"),)

#: One module per algorithm, each exposing exactly one DeepFeatureAlgorithm subclass as ``ALGORITHM``.
ALGORITHM_MODULES = (
    "setup_environment",
    "label_raster_from_vector",
    "label_raster_from_classification",
    "initialize_model",
    "train_model",
    "describe_model",
    "classify",
    "activation_to_classification",
    "activation_to_polygons",
    "activation_to_points",
    "evaluate",
)


def algorithm_classes():
    """The algorithm classes, in toolbox order."""
    return [importlib.import_module("." + name, __package__).ALGORITHM for name in ALGORITHM_MODULES]


class DeepFeatureProvider(QgsProcessingProvider):
    """Provider id ``deepfeature``."""

    def id(self):
        return "deepfeature"

    def name(self):
        return QCoreApplication.translate("DeepFeatureProvider", "Deep Feature Extraction")

    def longName(self):  # noqa: N802 - QGIS API
        return self.name()

    def icon(self):
        return QIcon(ICON_PATH)

    def svgIconPath(self):  # noqa: N802 - QGIS API
        return ICON_PATH

    def load(self):
        """Register the provider's settings (Processing options), then the algorithms (which read them)."""
        settings.register(self.name(), self.icon())
        self.refreshAlgorithms()
        return True

    def unload(self):
        settings.unregister()

    def loadAlgorithms(self):  # noqa: N802 - QGIS API
        for cls in algorithm_classes():
            self.addAlgorithm(cls())
        for path in MODELS:
            model = QgsProcessingModelAlgorithm()
            if model.fromFile(path):
                self.addAlgorithm(model)
