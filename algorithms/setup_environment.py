"""deepfeature:setupenvironment — make (or check) the plugin's own deep-learning environment."""

from __future__ import annotations

import functools
import os
import platform
import sys

from qgis.core import (
    Qgis,
    QgsProcessingOutputBoolean,
    QgsProcessingOutputFile,
    QgsProcessingOutputNumber,
    QgsProcessingOutputString,
    QgsProcessingParameterEnum,
    QgsProcessingParameterFile,
)

from ..core.environment import BACKENDS, SETUP_DEVICES, nvidia_driver, setup_environment
from . import compat, settings
from .base import DeepFeatureAlgorithm


@functools.lru_cache(maxsize=1)
def detected_driver() -> str:
    """The NVIDIA driver's CUDA version ('' when none is found); looked for once a session (it runs
    ``nvidia-smi``), when the dialog's help is shown or the set-up runs, never when the plugin loads."""
    return nvidia_driver()


class SetupEnvironmentAlgorithm(DeepFeatureAlgorithm):
    """Set Up Deep-Learning Environment: the Python environment the worker runs on, made by the plugin."""

    NAME = "setupenvironment"
    GROUP = "setup"
    #: It runs here, in QGIS (pure Python; pip runs as a subprocess): it is what makes the worker possible.
    NEEDS_WORKER = False

    BACKEND = "BACKEND"
    DEVICE = "DEVICE"
    WHEEL_FOLDER = "WHEEL_FOLDER"
    FOLDER = "FOLDER"
    LOG = "LOG"
    PYTHON = "PYTHON"
    CHANGED = "CHANGED"
    DISK_MB = "DISK_MB"
    SECONDS = "SECONDS"
    BACKEND_KEYS = BACKENDS  # the BACKEND enum's options, in this order
    DEVICE_KEYS = SETUP_DEVICES  # the DEVICE enum's options, in this order

    def initAlgorithm(self, config=None):  # noqa: N802 - QGIS API
        self.addParameter(
            QgsProcessingParameterEnum(
                self.BACKEND, self.tr("Keras backend"),
                options=[self.tr("TensorFlow"), self.tr("JAX"), self.tr("PyTorch")],
                defaultValue=self.BACKEND_KEYS.index(settings.setting(settings.BACKEND)),
            )
        )
        self.addParameter(
            QgsProcessingParameterEnum(
                self.DEVICE, self.tr("Device"),
                options=[self.tr("Automatic (NVIDIA GPU when its driver is found, else CPU)"), self.tr("CPU"),
                         self.tr("NVIDIA GPU")],
                defaultValue=self.DEVICE_KEYS.index(settings.setting(settings.DEVICE)),
            )
        )
        self.addParameter(
            QgsProcessingParameterFile(
                self.WHEEL_FOLDER, self.tr("Wheel folder (offline set-up; empty: from the internet)"),
                behavior=compat.FILE_BEHAVIOR_FOLDER, optional=True,
            )
        )
        self.addParameter(
            QgsProcessingParameterFile(
                self.FOLDER, self.tr("Environment folder (empty: the folder of the settings)"),
                behavior=compat.FILE_BEHAVIOR_FOLDER, optional=True,
            )
        )
        self.addOutput(QgsProcessingOutputFile(self.LOG, self.tr("Set-up log")))
        self.addOutput(QgsProcessingOutputString(self.PYTHON, self.tr("Python of the environment")))
        self.addOutput(
            QgsProcessingOutputBoolean(self.CHANGED, self.tr("Changed (False: it was already right)"))
        )
        self.addOutput(QgsProcessingOutputNumber(self.DISK_MB, self.tr("Disk size of the environment (MB)")))
        self.addOutput(QgsProcessingOutputNumber(self.SECONDS, self.tr("Set-up time (seconds)")))

    def displayName(self):  # noqa: N802 - QGIS API
        return self.tr("Set Up Deep-Learning Environment")

    def shortHelpString(self):  # noqa: N802 - QGIS API
        driver = detected_driver()
        if not driver:
            found = self.tr("On this computer no NVIDIA driver was found (nvidia-smi): Automatic installs "
                            "the CPU build.")
        elif int(driver.split(".")[0]) >= 12:
            found = self.tr("On this computer an NVIDIA driver for CUDA {} was found: Automatic installs "
                            "the GPU build.").format(driver)
        else:
            found = self.tr("On this computer the NVIDIA driver is for CUDA {}, older than CUDA 12: "
                            "Automatic installs the CPU build (update the driver for the GPU).")
            found = found.format(driver)
        return self.tr(
            "Makes the plugin's own deep-learning environment, once: a Python environment in a folder of "
            "its own, made from the Python that QGIS runs on, with the packages the deep-learning steps need "
            "(rasterio, shapely, scipy, scikit-image, Keras and one Keras backend), every version pinned. "
            "QGIS's own Python is not changed. No terminal and no administrator rights are needed; the CPU "
            "environment with TensorFlow takes about 2 GB.\n\n"
            "Keras backend: TensorFlow, JAX or PyTorch.\n"
            "Device: Automatic takes the NVIDIA GPU when its driver (CUDA 12 or newer) is found and installs "
            "the CUDA build of the backend, else the CPU build.\n"
            "Wheel folder (optional): for a computer without internet, a folder of wheels prepared on a "
            "connected computer with 'python3 -m deepfeature.core.environment.wheels FOLDER', run in the "
            "folder that holds the plugin (scripts/prepare_wheels.sh in a checkout); pip then installs "
            "from it alone.\n"
            "Environment folder (optional): where the environment goes; empty = the folder of the settings "
            "(Settings › Options › Processing › Providers › Deep Feature Extraction). A folder given here "
            "becomes that setting once the set-up has succeeded.\n\n"
            "The progress bar follows the downloads and installs. Cancel, or a failure, leaves the previous "
            "environment in use. Each run writes a log (output LOG) to send with an issue, and ends with a "
            "self-check: the versions, the devices Keras sees and a small model built and run. Running it "
            "again on a good environment only repeats that check and changes nothing."
        ) + "\n\n" + found

    def processAlgorithm(self, parameters, context, feedback):  # noqa: N802 - QGIS API
        backend = self.BACKEND_KEYS[self.parameterAsEnum(parameters, self.BACKEND, context)]
        device = self.DEVICE_KEYS[self.parameterAsEnum(parameters, self.DEVICE, context)]
        wheels = self.parameterAsFile(parameters, self.WHEEL_FOLDER, context) or None
        given = self.parameterAsFile(parameters, self.FOLDER, context)
        folder = os.path.abspath(os.path.expanduser(given)) if given else settings.setting(
            settings.ENVIRONMENT_FOLDER)
        details = "QGIS {} ({}) on Python {} ({})".format(
            Qgis.QGIS_VERSION, Qgis.QGIS_DEV_VERSION, platform.python_version(), sys.executable
        )
        feedback.pushInfo(self.tr("Environment folder: {}").format(folder))
        result = self.run_core(
            setup_environment, feedback, folder,
            backend=backend, device=device, wheels=wheels, details=details,
        )
        if given:
            settings.store(settings.ENVIRONMENT_FOLDER, folder)
            feedback.pushInfo(self.tr("The environment folder setting is now {}.").format(folder))
        check = result.check or {}
        versions = check.get("versions") or {}
        feedback.pushInfo(self.tr("Versions: {}.").format(
            ", ".join("{} {}".format(name, version) for name, version in versions.items())))
        feedback.pushInfo(self.tr("Devices Keras sees: {}.").format(", ".join(check.get("devices") or [])))
        if result.changed:
            feedback.pushInfo(self.tr("The deep-learning environment is ready ({} for the {}): {}.").format(
                result.backend, result.device.upper(), result.python))
        else:
            feedback.pushInfo(self.tr("The deep-learning environment was already right; nothing changed."))
        feedback.pushInfo(self.tr("Log: {}").format(result.log))
        return {
            self.LOG: result.log,
            self.PYTHON: result.python,
            self.CHANGED: bool(result.changed),
            self.DISK_MB: round(result.disk_bytes / 2**20, 1),
            self.SECONDS: result.seconds,
        }


ALGORITHM = SetupEnvironmentAlgorithm
