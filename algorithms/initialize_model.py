"""deepfeature:initializemodel — build an untrained U-Net / Res-UNet and save it as a model file."""

from __future__ import annotations

from qgis.core import (
    QgsProcessingException,
    QgsProcessingOutputNumber,
    QgsProcessingOutputString,
    QgsProcessingParameterEnum,
    QgsProcessingParameterFile,
    QgsProcessingParameterFileDestination,
    QgsProcessingParameterNumber,
    QgsProcessingParameterRasterLayer,
    QgsProcessingParameterString,
)

from ..core.errors import DeepFeatureError
from ..core.nn import (
    ARCHITECTURES,
    ENCODER_MAX_DEPTH,
    ENCODERS,
    LISTED_PATCH_SIZES,
    MAX_BASE_FILTERS,
    MAX_DEPTH,
    MODEL_SUFFIX,
    ModelSpec,
    parse_class_names,
    resolve_spec,
)
from . import compat
from .base import DeepFeatureAlgorithm
from .i18n import translate_message


class InitializeModelAlgorithm(DeepFeatureAlgorithm):
    """Initialize Model: architecture, size and classes -> an untrained ``.keras`` model file."""

    NAME = "initializemodel"
    GROUP = "model"

    TEMPLATE = "TEMPLATE"
    ARCHITECTURE = "ARCHITECTURE"
    ENCODER = "ENCODER"
    ENCODER_WEIGHTS = "ENCODER_WEIGHTS"
    BANDS = "BANDS"
    CLASSES = "CLASSES"
    PATCH_SIZE = "PATCH_SIZE"
    BASE_FILTERS = "BASE_FILTERS"
    DROPOUT = "DROPOUT"
    DEPTH = "DEPTH"
    SEED = "SEED"
    OUTPUT = "OUTPUT"
    PARAMETERS = "PARAMETERS"
    FIELD_OF_VIEW = "FIELD_OF_VIEW"
    VALID_PATCH_SIZES = "VALID_PATCH_SIZES"

    #: Enum index -> core architecture key.
    ARCHITECTURE_KEYS = ARCHITECTURES

    #: Enum index -> core encoder key ('' first: the architecture's own encoder, from scratch).
    ENCODER_KEYS = ("",) + ENCODERS
    #: The dialog's default encoder.
    DEFAULT_ENCODER = "efficientnet_lite0"

    def architecture_labels(self) -> dict:
        """The dialog's name of each core architecture id (literal strings, so they can be translated)."""
        return {"unet5": self.tr("ENVINet5-like U-Net"), "resunet": self.tr("Res-UNet (Segmentation Gym)")}

    def encoder_labels(self) -> dict:
        """The dialog's name of each encoder choice (literal strings, so they can be translated)."""
        return {
            "": self.tr("None: the architecture's own encoder, trained from scratch"),
            "efficientnet_lite0": self.tr(
                "EfficientNet-Lite0, pretrained on ImageNet (installed, no download)"),
            "mobilenetv3_large": self.tr(
                "MobileNetV3-Large, pretrained on ImageNet (Keras download or file)"),
            "efficientnetv2_b0": self.tr(
                "EfficientNetV2-B0, pretrained on ImageNet (Keras download or file)"),
            "resnet50": self.tr("ResNet50, pretrained on ImageNet (Keras download or file)"),
        }

    def displayName(self):  # noqa: N802 - QGIS API
        return self.tr("Initialize Model")

    def shortHelpString(self):  # noqa: N802 - QGIS API
        return self.tr(
            "Creates an untrained deep-learning model for pixel classification and saves it as a model "
            "file (.keras) to train with 'Train Model'.\n\n"
            "Architecture: 'ENVINet5-like U-Net' is a 5-level encoder-decoder U-Net that classifies "
            "every pixel; 'Res-UNet' uses residual blocks, as Segmentation Gym's Res-UNet.\n"
            "Base filters is the size knob: the number of filters doubles at every level "
            "({} gives a small fast model, 32-64 a larger one).\n"
            "Patch size: the side of the square training patches. It must be a multiple of {} for "
            "{} levels (2^(levels-1)); it should be at least the model's field of view.\n"
            "Template: a label raster; the number of bands (and the class names when 'Class names' "
            "is empty) are taken from it. Without template, give the number of bands. A model with the "
            "template's classes keeps their class ids (a label raster with classes 2 and 5 gives "
            "activation bands and classification values 2 and 5); other class names are numbered 1, 2, ...\n"
            "Class names: comma-separated, background excluded. One class gives a sigmoid "
            "feature/background model, several a softmax model with a background class.\n\n"
            "Pretrained encoder: the U-Net's encoder starts from a network trained on the millions of "
            "photographs of ImageNet, which finds features from a few hundred labelled examples far better "
            "than one trained from scratch. The decoder follows the architecture (double convolutions or "
            "residual blocks) and 'Levels' says how deep the encoder is used (at most {}; 5 uses it down "
            "to 1/16 of the image). EfficientNet-Lite0's weights are installed with the deep-learning "
            "environment; the others are downloaded by Keras on first use, or read from the encoder "
            "weights file (the 'notop' .h5 file Keras downloads, for offline machines). The image bands "
            "are taken as red, green, blue: an image with fewer bands has them replicated, extra bands "
            "(near infrared...) get their own first-layer weights, learnt from zero. Each band is "
            "standardized with the training rasters' statistics, then given the mean and spread the "
            "encoder saw on ImageNet, whatever the data type.\n\n"
            "The model file carries its metadata: architecture and arguments, patch size, bands, class "
            "names and the contextual field of view (and, after training, the normalization statistics "
            "and the training configuration). Loading a model never executes code.\n\n"
            "Outputs: the number of parameters and the contextual field of view (pixels), computed from "
            "the model's actual layers; the log also lists the valid patch sizes."
        ).format(ModelSpec.base_filters, 2 ** (ModelSpec.depth - 1), ModelSpec.depth, ENCODER_MAX_DEPTH)

    def initAlgorithm(self, config=None):  # noqa: N802 - QGIS API
        self.addParameter(
            QgsProcessingParameterEnum(
                self.ARCHITECTURE,
                self.tr("Architecture"),
                options=[self.architecture_labels()[key] for key in self.ARCHITECTURE_KEYS],
                defaultValue=self.ARCHITECTURE_KEYS.index(ModelSpec.architecture),
            )
        )
        self.addParameter(
            QgsProcessingParameterEnum(
                self.ENCODER,
                self.tr("Pretrained encoder"),
                options=[self.encoder_labels()[key] for key in self.ENCODER_KEYS],
                defaultValue=self.ENCODER_KEYS.index(self.DEFAULT_ENCODER),
            )
        )
        self.addParameter(
            QgsProcessingParameterRasterLayer(
                self.TEMPLATE, self.tr("Template label raster (gives bands and class names)"), optional=True
            )
        )
        self.addParameter(
            QgsProcessingParameterNumber(
                self.BANDS,
                self.tr("Number of image bands (ignored with a template)"),
                type=compat.NUMBER_INTEGER,
                defaultValue=ModelSpec.bands,
                minValue=0,
            )
        )
        self.addParameter(
            QgsProcessingParameterString(
                self.CLASSES,
                self.tr("Class names, comma-separated (empty: from the template, else 'feature')"),
                defaultValue="",
                optional=True,
            )
        )
        self.addParameter(
            QgsProcessingParameterNumber(
                self.PATCH_SIZE,
                self.tr("Patch size (pixels)"),
                type=compat.NUMBER_INTEGER,
                defaultValue=ModelSpec.patch_size,
                minValue=0,
            )
        )
        self.addParameter(
            QgsProcessingParameterNumber(
                self.BASE_FILTERS,
                self.tr("Base filters (doubles at every level)"),
                type=compat.NUMBER_INTEGER,
                defaultValue=ModelSpec.base_filters,
                minValue=1,
                maxValue=MAX_BASE_FILTERS,
            )
        )
        self.addParameter(
            QgsProcessingParameterNumber(
                self.DROPOUT,
                self.tr("Dropout rate (0 = none)"),
                type=compat.NUMBER_DOUBLE,
                defaultValue=ModelSpec.dropout,
                minValue=0.0,
                maxValue=0.95,
            )
        )
        advanced = [
            QgsProcessingParameterNumber(
                self.DEPTH,
                self.tr("Levels ({} = ENVINet5-like)").format(ModelSpec.depth),
                type=compat.NUMBER_INTEGER,
                defaultValue=ModelSpec.depth,
                minValue=1,
                maxValue=MAX_DEPTH,
            ),
            QgsProcessingParameterFile(
                self.ENCODER_WEIGHTS,
                self.tr("Encoder weights file (empty: the default source)"),
                optional=True,
                fileFilter=self.tr("Weights files (*.h5 *.pth *.pt);;All files (*.*)"),
            ),
            QgsProcessingParameterNumber(
                self.SEED,
                self.tr("Random seed for the initial weights (empty: random)"),
                type=compat.NUMBER_INTEGER,
                optional=True,
                minValue=0,
            ),
        ]
        self.add_advanced_parameters(*advanced)
        self.addParameter(
            QgsProcessingParameterFileDestination(
                self.OUTPUT, self.tr("Model file"), fileFilter=self.tr("Keras model (*.keras)")
            )
        )
        self.addOutput(QgsProcessingOutputNumber(self.PARAMETERS, self.tr("Number of parameters")))
        self.addOutput(QgsProcessingOutputNumber(self.FIELD_OF_VIEW, self.tr("Field of view (pixels)")))
        self.addOutput(
            QgsProcessingOutputString(
                self.VALID_PATCH_SIZES,
                self.tr("Valid patch sizes (listed up to {})").format(LISTED_PATCH_SIZES),
            )
        )

    # Parameters -> plain values ----------------------------------------------------------------
    def _spec_and_template(self, parameters, context):
        index = self.parameterAsEnum(parameters, self.ARCHITECTURE, context)
        layer = self.parameterAsRasterLayer(parameters, self.TEMPLATE, context)
        template = self.layer_path(layer) if layer is not None else ""
        if layer is not None and not template:
            raise QgsProcessingException(
                self.tr("The template '{}' is not a label raster file. Choose a label raster built with "
                        "'Build Label Raster from Vector Layers'.").format(layer.name())
            )
        spec = ModelSpec(
            architecture=self.ARCHITECTURE_KEYS[index],
            bands=self.parameterAsInt(parameters, self.BANDS, context),
            classes=parse_class_names(self.parameterAsString(parameters, self.CLASSES, context)),
            patch_size=self.parameterAsInt(parameters, self.PATCH_SIZE, context),
            base_filters=self.parameterAsInt(parameters, self.BASE_FILTERS, context),
            depth=self.parameterAsInt(parameters, self.DEPTH, context),
            dropout=self.parameterAsDouble(parameters, self.DROPOUT, context),
            encoder=self.ENCODER_KEYS[self.parameterAsEnum(parameters, self.ENCODER, context)],
        )
        return spec, template or None

    def checkParameterValues(self, parameters, context):  # noqa: N802 - QGIS API
        ok, message = super().checkParameterValues(parameters, context)
        if not ok:
            return ok, message
        try:
            spec, template = self._spec_and_template(parameters, context)
            if template is None:  # a template is read in the worker (it needs the environment), not here
                resolve_spec(spec, None)
        except (DeepFeatureError, QgsProcessingException) as exc:
            return False, translate_message(str(exc))
        output = self.parameterAsFileOutput(parameters, self.OUTPUT, context)
        if output and not output.lower().endswith(MODEL_SUFFIX):
            return False, self.tr("The model file '{}' must end with '{}'.").format(output, MODEL_SUFFIX)
        return True, ""

    def processAlgorithm(self, parameters, context, feedback):  # noqa: N802 - QGIS API
        spec, template = self._spec_and_template(parameters, context)
        output = self.parameterAsFileOutput(parameters, self.OUTPUT, context)
        seed = parameters.get(self.SEED)
        seed = self.parameterAsInt(parameters, self.SEED, context) if seed not in (None, "") else None
        weights = self.parameterAsFile(parameters, self.ENCODER_WEIGHTS, context) or None
        result = self.run_worker("initialize_model", feedback, spec, output, seed=seed, template=template,
                                 encoder_weights=weights)
        sizes = result.valid_patch_sizes
        feedback.pushInfo(
            self.tr("{} parameters; field of view {} pixels.").format(result.parameters, result.field_of_view)
        )
        return {
            self.OUTPUT: result.path,
            self.PARAMETERS: result.parameters,
            self.FIELD_OF_VIEW: result.field_of_view,
            self.VALID_PATCH_SIZES: ", ".join(str(s) for s in sizes),
        }


ALGORITHM = InitializeModelAlgorithm
