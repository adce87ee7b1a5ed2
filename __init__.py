"""Deep Feature Extraction QGIS plugin."""


def classFactory(iface):  # noqa: N802 - QGIS plugin entry point
    """QGIS calls this to create the plugin; imports stay lazy."""
    from .plugin import DeepFeaturePlugin

    return DeepFeaturePlugin(iface)
