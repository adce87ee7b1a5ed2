"""The QGIS plugin object: registers the Processing provider, loads translations and, on the desktop,
offers the set-up of the deep-learning environment when there is none."""

import os

from qgis.core import Qgis, QgsApplication
from qgis.PyQt.QtCore import QCoreApplication
from qgis.PyQt.QtWidgets import QPushButton

#: The algorithm the message bar's button opens.
SETUP_ALGORITHM = "deepfeature:setupenvironment"
#: The set-up is offered once a session (a plugin reload does not offer it again).
_OFFERED = []


class DeepFeaturePlugin:
    """Registers the deepfeature Processing provider with QGIS."""

    def __init__(self, iface=None):
        self.iface = iface
        self.provider = None
        self.translator = None
        self.setup_message = None
        # i18n/deepfeature_<locale>.qm for QGIS's user interface locale (the profile's locale/userLocale
        # when locale/overrideFlag is set, else the system's), also under qgis_process.
        from .algorithms.i18n import install_translator

        self.translator = install_translator()

    def initProcessing(self):  # noqa: N802 - QGIS API
        """Create and register the provider (also called by qgis_process)."""
        from .algorithms.provider import DeepFeatureProvider

        if self.provider is None:
            provider = DeepFeatureProvider()
            if QgsApplication.processingRegistry().addProvider(provider):  # False: one is registered already
                self.provider = provider

    def initGui(self):  # noqa: N802 - QGIS API
        """Called by QGIS desktop when the plugin is enabled."""
        self.initProcessing()
        self.offer_setup()

    def offer_setup(self):
        """A message bar with a button that opens 'Set Up Deep-Learning Environment' when the environment
        is missing or damaged (not when ``DEEPFEATURE_PYTHON`` names the worker's Python); once a session.
        Cheap: it reads the environment's manifest and runs nothing."""
        if self.iface is None or _OFFERED or os.environ.get("DEEPFEATURE_PYTHON"):
            return
        from .algorithms.settings import ENVIRONMENT_FOLDER, setting
        from .core.environment import BROKEN, environment_status, worker_problem

        folder = setting(ENVIRONMENT_FOLDER)
        if not worker_problem(folder):
            return
        _OFFERED.append(True)
        if environment_status(folder).state == BROKEN:
            text = QCoreApplication.translate(
                "DeepFeaturePlugin",
                "The deep-learning environment is damaged: set it up again to use the deep-learning steps.")
        else:
            text = QCoreApplication.translate(
                "DeepFeaturePlugin",
                "The deep-learning steps need their own environment: set it up once, no terminal needed.")
        bar = self.iface.messageBar()
        title = QCoreApplication.translate("DeepFeaturePlugin", "Deep Feature Extraction")
        item = bar.createMessage(title, text)
        button = QPushButton(QCoreApplication.translate("DeepFeaturePlugin", "Set Up…"), item)
        button.clicked.connect(self.open_setup)
        item.layout().addWidget(button)
        self.setup_message = item
        bar.pushWidget(item, Qgis.MessageLevel.Warning)

    def open_setup(self):
        """Open the set-up algorithm's dialog (and close the message)."""
        import processing

        self._close_message()
        processing.execAlgorithmDialog(SETUP_ALGORITHM)

    def _close_message(self):
        item, self.setup_message = self.setup_message, None
        if item is not None and self.iface is not None:
            try:
                self.iface.messageBar().popWidget(item)
            except RuntimeError:  # the user closed it already (the widget is deleted)
                pass

    def unload(self):
        """Remove the provider when the plugin is disabled or reloaded (idle workers end too)."""
        from .core.worker import shutdown_workers

        shutdown_workers()
        self._close_message()
        if self.provider is not None:
            QgsApplication.processingRegistry().removeProvider(self.provider)
            self.provider = None
        if self.translator is not None:
            from .algorithms.i18n import remove_translator

            remove_translator()
            self.translator = None
