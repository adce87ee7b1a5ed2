"""The exception hierarchy of the engine.

Every error the engine raises on purpose derives from :class:`DeepFeatureError`. Messages are written
for a GIS user: they say what is wrong and what to do next. The Processing algorithms turn them into
``QgsProcessingException`` unchanged.
"""

from __future__ import annotations


class DeepFeatureError(Exception):
    """Root of all deepfeature errors."""


class InputError(DeepFeatureError, ValueError):
    """An input (raster, vector, parameter, model) is unusable as given."""


class RasterError(InputError):
    """A raster input is missing, unreadable or unsuitable."""


class LabelError(InputError):
    """Labels (vector features, classification raster, mask band) are unusable."""


class ParameterError(InputError):
    """A parameter value is out of range or inconsistent with another one."""


class ModelFileError(InputError):
    """A model file is missing, corrupt, foreign or unsafe to load."""


class OutputError(DeepFeatureError, OSError):
    """An output cannot be written where asked."""


class DependencyError(DeepFeatureError, ImportError):
    """A required Python package is not installed."""


class TrainingError(DeepFeatureError):
    """Training could not proceed (diverged, no usable patches, ...)."""


class CanceledError(DeepFeatureError):
    """The user canceled the operation."""
