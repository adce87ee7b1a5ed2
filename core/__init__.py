"""deepfeature engine: QGIS-free deep-learning feature extraction.

Nothing in this package imports ``qgis`` or ``PyQt``. Functions take paths, numpy arrays and plain
dataclasses, report through :mod:`deepfeature.core.progress` and raise
:class:`deepfeature.core.errors.DeepFeatureError` subclasses. Heavy libraries (keras, rasterio,
scikit-image) are imported lazily inside the functions that need them.
"""

__all__ = ["__version__"]

__version__ = "0.1.0"
