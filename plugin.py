"""The QGIS plugin object: registers the Processing provider and loads translations."""

import os

from qgis.core import QgsApplication, QgsSettings
from qgis.PyQt.QtCore import QCoreApplication, QTranslator


class DeepFeaturePlugin:
    """Registers the deepfeature Processing provider with QGIS."""

    def __init__(self, iface=None):
        self.iface = iface
        self.provider = None
        self.translator = None
        locale = (QgsSettings().value("locale/userLocale", "") or "")[0:2]
        qm = os.path.join(os.path.dirname(__file__), "i18n", "deepfeature_{}.qm".format(locale))
        if locale and os.path.exists(qm):
            self.translator = QTranslator()
            if self.translator.load(qm):
                QCoreApplication.installTranslator(self.translator)

    def initProcessing(self):  # noqa: N802 - QGIS API
        """Create and register the provider (also called by qgis_process)."""
        from .algorithms.provider import DeepFeatureProvider

        if self.provider is None:
            self.provider = DeepFeatureProvider()
            QgsApplication.processingRegistry().addProvider(self.provider)

    def initGui(self):  # noqa: N802 - QGIS API
        """Called by QGIS desktop when the plugin is enabled."""
        self.initProcessing()

    def unload(self):
        """Remove the provider when the plugin is disabled or reloaded (idle workers end too)."""
        from .core.worker import shutdown_workers

        shutdown_workers()
        if self.provider is not None:
            QgsApplication.processingRegistry().removeProvider(self.provider)
            self.provider = None
        if self.translator is not None:
            QCoreApplication.removeTranslator(self.translator)
            self.translator = None
