"""deepfeature:classify — Classify Raster with Model (activation raster, optional classification)."""

from __future__ import annotations

from qgis.core import (
    QgsProcessingException,
    QgsProcessingParameterBoolean,
    QgsProcessingParameterEnum,
    QgsProcessingParameterExtent,
    QgsProcessingParameterFile,
    QgsProcessingParameterNumber,
    QgsProcessingParameterRasterDestination,
    QgsProcessingParameterRasterLayer,
)

from ..core.class_table import ClassTable
from ..core.device import DEVICES
from ..core.inference import (
    CLASSIFICATION_THRESHOLD,
    DEFAULT_BATCH_SIZE,
    DEFAULT_TILE_SIZE,
    GPU_MAX_TILE_SIZE,
    MAX_BATCH_SIZE,
    MAX_TILE_SIZE,
    PANEL_COLUMNS,
    ClassifyOptions,
)
from . import compat, settings
from .base import DeepFeatureAlgorithm
from .i18n import translate_message
from .styling import LayerStyler, activation_renderer, paletted_renderer


class ClassifyAlgorithm(DeepFeatureAlgorithm):
    """Classify Raster with Model: the per-class activation (probability) raster of a trained model."""

    NAME = "classify"
    GROUP = "classification"

    INPUT = "INPUT"
    MODEL = "MODEL"
    TILE_SIZE = "TILE_SIZE"
    BATCH_SIZE = "BATCH_SIZE"
    DEVICE = "DEVICE"
    EXTENT = "EXTENT"
    TTA = "TTA"
    MATCH_HISTOGRAM = "MATCH_HISTOGRAM"
    OUTPUT = "OUTPUT"
    OUTPUT_CLASSIFICATION = "OUTPUT_CLASSIFICATION"
    DEVICE_KEYS = DEVICES  # the DEVICE enum's options, in this order: Automatic, CPU, GPU

    def displayName(self):  # noqa: N802 - QGIS API
        return self.tr("Classify Raster with Model")

    def shortHelpString(self):  # noqa: N802 - QGIS API
        return self.tr(
            "Runs a trained model over a raster and writes the class activation raster: one float "
            "band per feature class, values 0–1 (the probability of the class), on the same grid and CRS as "
            "the input (tiled, compressed GeoTIFF with overviews). It is shown like ENVI's colour slice: "
            "transparent below 0.5, a warm ramp from 0.5. The bands are named after the classes; with "
            "several classes the layer shows the first one (choose another band in the layer's "
            "Symbology).\n\nThe raster is processed by overlapping tiles; each tile keeps the model's full "
            "field of view as context and tiles are blended with a smooth window, so there are no seams and "
            "the result does not depend on the tile size. Raster edges are padded by reflection, so every "
            "pixel gets a value; NoData input pixels stay NoData. A raster (or EXTENT) smaller than one tile "
            "is classified too: the tile shrinks to it and reflection supplies the context. Memory stays "
            "flat whatever the raster size: one row of tiles is held, and rasters wider than {panel:,} "
            "pixels are processed in column panels.\n\n"
            "Tile size: pixels per tile side (larger is faster, uses more memory; at least the model's "
            "field of view plus a little); 0 = automatic: {tile} on the CPU, on a GPU as large as its memory "
            "and the model allow (up to {gpu_tile}).\nBatch size: "
            "tiles per model call on a GPU (on the CPU the model takes one tile at a time).\n"
            "Device: auto, CPU or GPU.\nExtent: classify only this area.\n"
            "Test-time augmentation: average the predictions of the 8 flips and quarter turns of every "
            "tile, each turned back (8 model passes per tile: about 8x the classification time; the same "
            "whichever way the image is turned). On by default: on buildings the model was not trained on "
            "it found more of them and fewer false ones (bench/README.md); untick it for a quick look at a "
            "large raster on the CPU.\n"
            "Match the image's histogram: map every band of the image onto the histogram of the model's "
            "training rasters before classifying (for imagery from another sensor, date or processing "
            "whose brightness and contrast differ); the image's histogram is taken from a sample of it. "
            "Needs a model trained by this version of 'Train Model'.\n\n"
            "The image must have the bands the model was trained on (a label raster is classified by its "
            "image bands, without its mask band); the model's normalization statistics are applied. "
            "Optional output: the classification, paletted with the class names: the class whose activation "
            "is highest where it is at least {threshold}, else background (the same as 'Activation to "
            "Classification' with its default threshold). Refine with 'Activation to Classification', "
            "'Activation to Polygons' or 'Activation to Points'."
        ).format(panel=PANEL_COLUMNS, tile=DEFAULT_TILE_SIZE, gpu_tile=GPU_MAX_TILE_SIZE,
                 threshold=CLASSIFICATION_THRESHOLD)

    def initAlgorithm(self, config=None):  # noqa: N802 - QGIS API
        # The defaults of TILE_SIZE and DEVICE are the provider's settings (0 = automatic, Automatic).
        tile_size = settings.setting(settings.TILE_SIZE)
        device = self.DEVICE_KEYS.index(settings.setting(settings.DEVICE))
        self.addParameter(QgsProcessingParameterRasterLayer(self.INPUT, self.tr("Input raster")))
        self.addParameter(
            QgsProcessingParameterFile(
                self.MODEL, self.tr("Model file"), behavior=compat.FILE_BEHAVIOR_FILE,
                fileFilter=self.tr("Keras model (*.keras)"),
            )
        )
        self.addParameter(
            QgsProcessingParameterExtent(self.EXTENT, self.tr("Extent (empty: whole raster)"), optional=True)
        )
        advanced = [
            QgsProcessingParameterNumber(
                self.TILE_SIZE,
                self.tr("Tile size (pixels; 0 = automatic: {} on the CPU, larger on a GPU)").format(
                    DEFAULT_TILE_SIZE),
                type=compat.NUMBER_INTEGER, defaultValue=tile_size, minValue=0,
                maxValue=MAX_TILE_SIZE,
            ),
            QgsProcessingParameterNumber(
                self.BATCH_SIZE, self.tr("Batch size (tiles per model call)"),
                type=compat.NUMBER_INTEGER, defaultValue=DEFAULT_BATCH_SIZE, minValue=1,
                maxValue=MAX_BATCH_SIZE,
            ),
            QgsProcessingParameterEnum(
                self.DEVICE, self.tr("Device"),
                options=[self.tr("Automatic"), self.tr("CPU"), self.tr("GPU")],
                defaultValue=device,
            ),
            QgsProcessingParameterBoolean(
                self.TTA, self.tr("Test-time augmentation: 8 flips and rotations (8x slower)"),
                defaultValue=True,
            ),
            QgsProcessingParameterBoolean(
                self.MATCH_HISTOGRAM,
                self.tr("Match the image's histogram to the training rasters (new imagery)"),
                defaultValue=False,
            ),
        ]
        self.add_advanced_parameters(*advanced)
        self.addParameter(
            QgsProcessingParameterRasterDestination(self.OUTPUT, self.tr("Class activation raster"))
        )
        self.addParameter(
            QgsProcessingParameterRasterDestination(
                self.OUTPUT_CLASSIFICATION, self.tr("Classification raster"), optional=True,
                createByDefault=False,
            )
        )

    def checkParameterValues(self, parameters, context):  # noqa: N802 - QGIS API
        """Refuse a damaged or foreign model file before any work. The raster's bands are checked by the
        engine (``core.inference``), the one place that decides which bands are classified: all of them,
        or the image bands of a label raster (model bands + its mask band); its message tells the user
        how to select the right bands."""
        ok, message = super().checkParameterValues(parameters, context)
        if not ok:
            return ok, message
        from ..core.errors import DeepFeatureError
        from ..core.nn import read_metadata

        model = self.parameterAsFile(parameters, self.MODEL, context)
        try:
            read_metadata(model)
        except DeepFeatureError as exc:
            return False, translate_message(str(exc))
        return True, ""

    def processAlgorithm(self, parameters, context, feedback):  # noqa: N802 - QGIS API

        layer = self.parameterAsRasterLayer(parameters, self.INPUT, context)
        source = self.layer_path(layer)
        if not source:
            raise QgsProcessingException(self.tr("The input raster must be a file on disk."))
        model = self.parameterAsFile(parameters, self.MODEL, context)
        extent = None
        if parameters.get(self.EXTENT) not in (None, ""):
            rect = self.parameterAsExtent(parameters, self.EXTENT, context, layer.crs())
            if not rect.isNull() and not rect.isEmpty():
                extent = (rect.xMinimum(), rect.yMinimum(), rect.xMaximum(), rect.yMaximum())
        output = self.parameterAsOutputLayer(parameters, self.OUTPUT, context)
        classification = None
        if parameters.get(self.OUTPUT_CLASSIFICATION) not in (None, ""):
            classification = self.parameterAsOutputLayer(
                parameters, self.OUTPUT_CLASSIFICATION, context) or None
        options = ClassifyOptions(
            classification_path=classification,
            tile_size=self.parameterAsInt(parameters, self.TILE_SIZE, context),
            batch_size=self.parameterAsInt(parameters, self.BATCH_SIZE, context),
            device=self.DEVICE_KEYS[self.parameterAsEnum(parameters, self.DEVICE, context)],
            extent=extent,
            tta=self.parameterAsBool(parameters, self.TTA, context),
            match_histogram=self.parameterAsBool(parameters, self.MATCH_HISTOGRAM, context),
        )
        result = self.run_worker("classify_raster", feedback, source, model, output, options)
        classes = ClassTable.from_mapping(result["classes"]).as_dict()
        LayerStyler.attach(context, output, lambda lyr: lyr.setRenderer(activation_renderer(lyr, 1)),
                           self.tr("Class activation"))
        outputs = {self.OUTPUT: output}
        if classification:
            LayerStyler.attach(context, classification,
                               lambda lyr: lyr.setRenderer(paletted_renderer(lyr, 1, classes)),
                               self.tr("Classification"))
            outputs[self.OUTPUT_CLASSIFICATION] = classification
        return outputs


ALGORITHM = ClassifyAlgorithm
