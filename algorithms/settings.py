"""The provider's Processing settings (*Settings › Options › Processing › Providers › Deep Feature
Extraction*) and a reader that gives their typed values at run time.

The settings are registered with Processing's ``ProcessingConfig`` (:func:`register`, from the provider's
``load()``), which shows them in the options dialog and stores them in ``QgsSettings`` under
``Processing/Configuration/<name>``. :func:`setting` reads that stored value directly, so it works where
the processing plugin is not loaded (plain pytest-qgis runs) and sees a value stored by another process
(a ``qgis_process`` run); a setting never stored has its default, computed when it is read (the
environment variables ``DEEPFEATURE_ENVIRONMENT`` and ``DEEPFEATURE_WORKER_IDLE`` are honoured).
"""

from __future__ import annotations

import math
import os
from dataclasses import dataclass
from typing import Any, Callable

from qgis.core import QgsSettings
from qgis.PyQt.QtCore import QCoreApplication

from ..core.environment import BACKENDS, SETUP_DEVICES, default_folder, worker_idle
from ..core.inference import MAX_TILE_SIZE

#: Setting names (global in Processing: prefixed).
ENVIRONMENT_FOLDER = "DEEPFEATURE_ENVIRONMENT_FOLDER"
BACKEND = "DEEPFEATURE_BACKEND"
DEVICE = "DEEPFEATURE_DEVICE"
WORKER_IDLE = "DEEPFEATURE_WORKER_IDLE_SECONDS"
TILE_SIZE = "DEEPFEATURE_TILE_SIZE"
#: Where ``ProcessingConfig`` stores a setting in ``QgsSettings``.
KEY = "Processing/Configuration/{}"

FOLDER, CHOICE, NUMBER, INTEGER = "folder", "choice", "number", "integer"


@dataclass(frozen=True)
class SettingSpec:
    """One setting: ``kind`` FOLDER, CHOICE (stored as the index of ``keys``), NUMBER or INTEGER (at
    least 0, at most ``maximum``); ``default()`` its value when none is stored."""

    name: str
    kind: str
    default: Callable[[], Any]
    keys: tuple = ()
    maximum: float | None = None

    def parse(self, raw: Any) -> Any:
        """The typed value of a stored ``raw`` value (the default when it is absent or unreadable)."""
        if raw is None or (isinstance(raw, str) and not raw.strip()):
            return self.default()
        try:
            if self.kind == FOLDER:
                return os.path.expanduser(str(raw).strip())
            if self.kind == CHOICE:
                if str(raw) in self.keys:
                    return str(raw)
                return self.keys[int(raw)] if 0 <= int(raw) < len(self.keys) else self.default()
            value = float(raw)
        except (TypeError, ValueError):
            return self.default()
        if math.isnan(value) or value < 0:
            return self.default()
        if self.maximum is not None:
            value = min(value, self.maximum)
        return int(value) if self.kind == INTEGER else value

    def stored(self, value: Any) -> Any:
        """What ``QgsSettings`` holds for ``value`` (as ``ProcessingConfig`` stores it)."""
        return self.keys.index(value) if self.kind == CHOICE else value


SPECS = {
    spec.name: spec
    for spec in (
        SettingSpec(ENVIRONMENT_FOLDER, FOLDER, lambda: str(default_folder())),
        SettingSpec(BACKEND, CHOICE, lambda: BACKENDS[0], keys=BACKENDS),
        # One device setting: the set-up's choices are those of training and classification (auto, cpu, gpu).
        SettingSpec(DEVICE, CHOICE, lambda: "auto", keys=SETUP_DEVICES),
        SettingSpec(WORKER_IDLE, NUMBER, worker_idle),
        SettingSpec(TILE_SIZE, INTEGER, lambda: 0, maximum=MAX_TILE_SIZE),
    )
}


def descriptions() -> dict:
    """The settings' labels in the options dialog."""
    translate = QCoreApplication.translate
    return {
        ENVIRONMENT_FOLDER: translate(
            "DeepFeatureSettings",
            "Deep-learning environment folder (made by 'Set Up Deep-Learning Environment')"),
        BACKEND: translate("DeepFeatureSettings", "Keras backend the set-up installs by default"),
        DEVICE: translate("DeepFeatureSettings", "Device (set-up, training and classification default)"),
        WORKER_IDLE: translate(
            "DeepFeatureSettings",
            "Worker idle seconds (a worker waits this long for the next job; 0 = a new process per run)"),
        TILE_SIZE: translate(
            "DeepFeatureSettings",
            "Default tile size of 'Classify Raster with Model' (pixels; 0 = automatic)"),
    }


def choice_labels() -> dict:
    """The options of the CHOICE settings, in the order of their keys."""
    translate = QCoreApplication.translate
    return {
        BACKEND: [translate("DeepFeatureSettings", "TensorFlow"), translate("DeepFeatureSettings", "JAX"),
                  translate("DeepFeatureSettings", "PyTorch")],
        DEVICE: [
            translate("DeepFeatureSettings", "Automatic (NVIDIA GPU when its driver is found, else CPU)"),
            translate("DeepFeatureSettings", "CPU"), translate("DeepFeatureSettings", "NVIDIA GPU"),
        ],
    }


def setting(name: str) -> Any:
    """The value of setting ``name``: a folder path (str), a key of the choice (``"tensorflow"``,
    ``"auto"``), a number of seconds (float) or a tile size (int)."""
    spec = SPECS[name]
    return spec.parse(QgsSettings().value(KEY.format(name), None))


def _processing_config():
    try:
        from processing.core.ProcessingConfig import ProcessingConfig, Setting
    except ImportError:  # the processing plugin is not loaded (plain pytest-qgis runs)
        return None, None
    return ProcessingConfig, Setting


def store(name: str, value: Any) -> None:
    """Make ``value`` the setting ``name`` (also in the options dialog when it is registered) and write it
    to disk at once (a ``qgis_process`` run may end before Qt would write it)."""
    spec = SPECS[name]
    stored = spec.stored(value)
    config, _setting = _processing_config()
    if config is not None and name in config.settings:
        config.setSettingValue(name, stored)  # also keeps the dialog's value, or its OK writes the old one
    qsettings = QgsSettings()
    qsettings.setValue(KEY.format(name), stored)
    qsettings.sync()


def _accept(_value) -> None:
    """Validator for the folder setting: the folder may not exist yet (the set-up makes it)."""


def register(group: str, icon=None) -> bool:
    """Add the settings to Processing's options under ``group`` (the provider's name); False when the
    processing plugin is not loaded."""
    config, setting_class = _processing_config()
    if config is None:
        return False
    if icon is not None:
        config.settingIcons[group] = icon
    labels = choice_labels()
    for name, description in descriptions().items():
        spec = SPECS[name]
        if spec.kind == FOLDER:
            item = setting_class(group, name, description, spec.default(), valuetype=setting_class.FOLDER,
                                 validator=_accept)
        elif spec.kind == CHOICE:
            options = labels[name]
            item = setting_class(group, name, description, options[spec.keys.index(spec.default())],
                                 valuetype=setting_class.SELECTION, options=options)
        elif spec.kind == NUMBER:
            item = setting_class(group, name, description, float(spec.default()),
                                 valuetype=setting_class.FLOAT)
        else:
            item = setting_class(group, name, description, int(spec.default()), valuetype=setting_class.INT)
        config.addSetting(item)
    config.readSettings()
    return True


def unregister() -> None:
    """Remove the settings from Processing's options (the stored values stay)."""
    config, _setting = _processing_config()
    if config is None:
        return
    for name in SPECS:
        if name in config.settings:
            config.removeSetting(name)
