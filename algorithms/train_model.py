"""Processing algorithm ``deepfeature:trainmodel``: train or refine a model on label rasters."""

from __future__ import annotations

import json

from qgis.core import (
    QgsProcessingException,
    QgsProcessingOutputBoolean,
    QgsProcessingOutputFile,
    QgsProcessingOutputNumber,
    QgsProcessingOutputString,
    QgsProcessingParameterBoolean,
    QgsProcessingParameterEnum,
    QgsProcessingParameterFile,
    QgsProcessingParameterFileDestination,
    QgsProcessingParameterMultipleLayers,
    QgsProcessingParameterNumber,
)

from ..core.device import DEVICES
from ..core.errors import DeepFeatureError
from ..core.training import LOSSES, MAX_LOSS_WEIGHT, ZOOM_RANGE, TrainConfig, merge_config
from . import compat, settings
from .base import DeepFeatureAlgorithm
from .i18n import translate_html_file, translate_message

_DEFAULTS = TrainConfig()


class TrainModelAlgorithm(DeepFeatureAlgorithm):
    """Train Model."""

    NAME = "trainmodel"
    GROUP = "model"

    MODEL = "MODEL"
    TRAINING = "TRAINING"
    VALIDATION = "VALIDATION"
    EPOCHS = "EPOCHS"
    PATCHES_PER_EPOCH = "PATCHES_PER_EPOCH"
    PATCHES_PER_BATCH = "PATCHES_PER_BATCH"
    CLASS_WEIGHT_MIN = "CLASS_WEIGHT_MIN"
    CLASS_WEIGHT_MAX = "CLASS_WEIGHT_MAX"
    LOSS_WEIGHT = "LOSS_WEIGHT"
    PATCH_SAMPLING_RATE = "PATCH_SAMPLING_RATE"
    SOLID_DISTANCE = "SOLID_DISTANCE"
    BLUR_DISTANCE_MIN = "BLUR_DISTANCE_MIN"
    BLUR_DISTANCE_MAX = "BLUR_DISTANCE_MAX"
    LOSS = "LOSS"
    LEARNING_RATE = "LEARNING_RATE"
    EARLY_STOPPING = "EARLY_STOPPING"
    AUGMENT = "AUGMENT"
    AUGMENT_ZOOM = "AUGMENT_ZOOM"
    AUGMENT_HISTOGRAM = "AUGMENT_HISTOGRAM"
    FREEZE_ENCODER_EPOCHS = "FREEZE_ENCODER_EPOCHS"
    SEED = "SEED"
    DEVICE = "DEVICE"
    RESUME = "RESUME"
    CONFIG = "CONFIG"
    OUTPUT_MODEL = "OUTPUT_MODEL"
    OUTPUT_REPORT = "OUTPUT_REPORT"
    OUTPUT_CONFIG = "OUTPUT_CONFIG"
    BEST_EPOCH = "BEST_EPOCH"
    EPOCHS_RUN = "EPOCHS_RUN"
    CANCELED = "CANCELED"
    METRICS = "METRICS"

    def displayName(self):  # noqa: N802 - QGIS API
        return self.tr("Train Model")

    def shortHelpString(self):  # noqa: N802 - QGIS API
        return self.tr("""\
Trains a model made with 'Initialize Model' on one or more label rasters, or refines an already \
trained model with new label rasters (its normalization is kept). The output is the model of the epoch \
that did best on validation (IoU of the feature classes), not the last epoch.

Training / validation: label rasters (image bands + mask band) with the model's band count; sizes \
and data types may differ. Without validation rasters the last {holdout:.0%} of each training raster is \
held out (reproducibly).
Epochs, patches: an epoch is the number of patches trained before the class-weight bias is \
adjusted. Patches per epoch 0 = derived from the patch sampling rate (average number of patches each \
labelled pixel belongs to).
Class weight min/max: patches are drawn in proportion to a density that favours feature pixels; \
the bias starts at the maximum and decays to the minimum by the last epoch (0 = the true ratio).
Loss weight (0-{max_loss_weight:g}): weight of feature pixels in the loss (0 = equal).
Solid distance: grows point/line/polygon labels by this many pixels.
Blur distance min/max: a soft edge around features that shrinks from max to min during training.
Augment: random flips, quarter turns and a small per-band brightness/contrast jitter of each \
patch.
Augment also with zoom/shift (advanced): adds a {zoom_min:g}-{zoom_max:g} zoom and a small shift; useful \
when the objects' size in pixels varies, harmful for small objects at a fixed resolution.
Augment with histogram matching (advanced, 0-1, 0 = off): the share of patches whose bands are matched \
to the histogram of another patch of the training rasters (randomized histogram matching), so that the \
model also sees other radiometries: for imagery from other sensors or dates.
Resume: continue an interrupted run (same inputs and settings: other settings are refused and named) \
from its last completed epoch.
Config: the JSON written next to a trained model ('name.train.json'); it re-runs the same \
experiment (its settings replace the parameters above; inputs not given are taken from it).
Cancel stops after the current batch and still writes the best model so far (nothing when no epoch \
has finished).""").format(
            holdout=_DEFAULTS.validation_fraction, max_loss_weight=MAX_LOSS_WEIGHT,
            zoom_min=1.0 - ZOOM_RANGE, zoom_max=1.0 + ZOOM_RANGE)

    def _loss_labels(self) -> list:
        """The LOSS choices, in the order of :data:`LOSSES`."""
        labels = {
            "cross_entropy": self.tr("Cross-entropy"),
            "dice": self.tr("Dice"),
            "kld": self.tr("Kullback-Leibler divergence (KLD)"),
            "cross_entropy_dice": self.tr("Cross-entropy + Dice"),
        }
        return [labels[name] for name in LOSSES]

    def _device_labels(self) -> list:
        """The DEVICE choices, in the order of :data:`DEVICES`."""
        labels = {
            "auto": self.tr("Automatic (GPU if available)"),
            "cpu": self.tr("CPU"),
            "gpu": self.tr("GPU"),
        }
        return [labels[name] for name in DEVICES]

    def initAlgorithm(self, config=None):  # noqa: N802 - QGIS API
        d = _DEFAULTS
        self.addParameter(
            QgsProcessingParameterFile(
                self.MODEL,
                self.tr("Model (initialized or trained, .keras)"),
                extension="keras",
                optional=True,
            )
        )
        self.addParameter(
            QgsProcessingParameterMultipleLayers(
                self.TRAINING, self.tr("Training label rasters"), compat.SOURCE_RASTER, optional=True
            )
        )
        self.addParameter(
            QgsProcessingParameterMultipleLayers(
                self.VALIDATION, self.tr("Validation label rasters"), compat.SOURCE_RASTER, optional=True
            )
        )
        number = QgsProcessingParameterNumber
        self.addParameter(number(self.EPOCHS, self.tr("Epochs"), compat.NUMBER_INTEGER, d.epochs, minValue=1))
        self.addParameter(
            number(
                self.PATCHES_PER_EPOCH,
                self.tr("Patches per epoch (0 = from the sampling rate)"),
                compat.NUMBER_INTEGER,
                d.patches_per_epoch,
                minValue=0,
            )
        )
        self.addParameter(
            number(
                self.PATCHES_PER_BATCH,
                self.tr("Patches per batch"),
                compat.NUMBER_INTEGER,
                d.patches_per_batch,
                minValue=1,
            )
        )
        self.addParameter(
            number(
                self.CLASS_WEIGHT_MIN,
                self.tr("Class weight minimum (last epoch)"),
                compat.NUMBER_DOUBLE,
                d.class_weight_min,
                minValue=0.0,
            )
        )
        self.addParameter(
            number(
                self.CLASS_WEIGHT_MAX,
                self.tr("Class weight maximum (first epoch)"),
                compat.NUMBER_DOUBLE,
                d.class_weight_max,
                minValue=0.0,
            )
        )
        self.addParameter(
            number(
                self.LOSS_WEIGHT,
                self.tr("Loss weight of feature pixels (0 = equal)"),
                compat.NUMBER_DOUBLE,
                d.loss_weight,
                minValue=0.0,
                maxValue=MAX_LOSS_WEIGHT,
            )
        )
        self.addParameter(
            number(
                self.PATCH_SAMPLING_RATE,
                self.tr("Patch sampling rate"),
                compat.NUMBER_DOUBLE,
                d.patch_sampling_rate,
                minValue=0.01,
            )
        )
        self.addParameter(
            number(
                self.SOLID_DISTANCE,
                self.tr("Solid distance (pixels)"),
                compat.NUMBER_DOUBLE,
                d.solid_distance,
                minValue=0.0,
            )
        )
        self.addParameter(
            number(
                self.BLUR_DISTANCE_MIN,
                self.tr("Blur distance minimum (pixels, last epoch)"),
                compat.NUMBER_DOUBLE,
                d.blur_distance_min,
                minValue=0.0,
            )
        )
        self.addParameter(
            number(
                self.BLUR_DISTANCE_MAX,
                self.tr("Blur distance maximum (pixels, first epoch)"),
                compat.NUMBER_DOUBLE,
                d.blur_distance_max,
                minValue=0.0,
            )
        )
        self.addParameter(
            QgsProcessingParameterEnum(
                self.LOSS,
                self.tr("Loss"),
                self._loss_labels(),
                defaultValue=LOSSES.index(d.loss),
            )
        )
        self.addParameter(
            number(
                self.LEARNING_RATE,
                self.tr("Learning rate"),
                compat.NUMBER_DOUBLE,
                d.learning_rate,
                minValue=1e-7,
                maxValue=1.0,
            )
        )
        self.addParameter(
            number(
                self.EARLY_STOPPING,
                self.tr("Early stopping patience (epochs, 0 = off)"),
                compat.NUMBER_INTEGER,
                d.early_stopping,
                minValue=0,
            )
        )
        self.addParameter(
            QgsProcessingParameterBoolean(
                self.AUGMENT, self.tr("Augment (flips, rotations, radiometric jitter)"), d.augment
            )
        )
        zoom = QgsProcessingParameterBoolean(
            self.AUGMENT_ZOOM, self.tr("Augment also with small zoom/shift (objects of varying scale)"),
            d.augment_zoom,
        )
        self.add_advanced_parameters(zoom)
        histogram = number(
            self.AUGMENT_HISTOGRAM,
            self.tr("Augment with histogram matching (share of patches, 0 = off)"),
            compat.NUMBER_DOUBLE,
            d.augment_histogram,
            minValue=0.0,
            maxValue=1.0,
        )
        self.add_advanced_parameters(histogram)
        freeze = number(
            self.FREEZE_ENCODER_EPOCHS,
            self.tr("Epochs with the pretrained encoder frozen (0 = fine-tune it from the start)"),
            compat.NUMBER_INTEGER,
            d.freeze_encoder_epochs,
            minValue=0,
        )
        self.add_advanced_parameters(freeze)
        self.addParameter(
            number(self.SEED, self.tr("Random seed"), compat.NUMBER_INTEGER, d.seed, minValue=0)
        )
        self.addParameter(
            QgsProcessingParameterEnum(
                self.DEVICE, self.tr("Device"), self._device_labels(),
                defaultValue=DEVICES.index(settings.setting(settings.DEVICE)),  # the setting; unset: auto
            )
        )
        self.addParameter(
            QgsProcessingParameterBoolean(self.RESUME, self.tr("Resume an interrupted run"), False)
        )
        cfg = QgsProcessingParameterFile(
            self.CONFIG,
            self.tr("Training configuration to re-run (.train.json)"),
            extension="json",
            optional=True,
        )
        self.add_advanced_parameters(cfg)
        self.addParameter(
            QgsProcessingParameterFileDestination(
                self.OUTPUT_MODEL, self.tr("Trained model"), self.tr("Keras model (*.keras)")
            )
        )
        self.addParameter(
            QgsProcessingParameterFileDestination(
                self.OUTPUT_REPORT,
                self.tr("Training report"),
                self.tr("HTML (*.html)"),
                optional=True,
                createByDefault=True,
            )
        )
        self.addOutput(QgsProcessingOutputFile(self.OUTPUT_CONFIG, self.tr("Training configuration (JSON)")))
        self.addOutput(QgsProcessingOutputNumber(self.BEST_EPOCH, self.tr("Best epoch")))
        self.addOutput(QgsProcessingOutputNumber(self.EPOCHS_RUN, self.tr("Epochs run")))
        self.addOutput(QgsProcessingOutputBoolean(self.CANCELED, self.tr("Canceled")))
        self.addOutput(QgsProcessingOutputString(self.METRICS, self.tr("Best epoch metrics (JSON)")))

    # ---------------------------------------------------------------------------------------------
    def _layer_paths(self, parameters, name, context):
        paths = []
        for layer in self.parameterAsLayerList(parameters, name, context) or []:
            path = self.layer_path(layer)
            if not path:
                raise QgsProcessingException(
                    self.tr(
                        "The layer '{}' is not a raster file; label rasters must be GeoTIFF files."
                    ).format(layer.name())
                )
            paths.append(path)
        return paths

    def checkParameterValues(self, parameters, context):  # noqa: N802 - QGIS API
        ok, message = super().checkParameterValues(parameters, context)
        if not ok:
            return ok, message
        has_config = bool(self.parameterAsFile(parameters, self.CONFIG, context))
        if not has_config:
            if not self.parameterAsFile(parameters, self.MODEL, context):
                return False, self.tr("Choose a model (.keras), or a training configuration to re-run.")
            if not self.parameterAsLayerList(parameters, self.TRAINING, context):
                return False, self.tr("Choose at least one training label raster.")
        if self.parameterAsDouble(parameters, self.CLASS_WEIGHT_MIN, context) > self.parameterAsDouble(
            parameters, self.CLASS_WEIGHT_MAX, context
        ):
            return False, self.tr("The class weight minimum must not exceed the maximum.")
        if self.parameterAsDouble(parameters, self.BLUR_DISTANCE_MIN, context) > self.parameterAsDouble(
            parameters, self.BLUR_DISTANCE_MAX, context
        ):
            return False, self.tr("The blur distance minimum must not exceed the maximum.")
        return True, ""

    def _config(self, parameters, context) -> TrainConfig:
        return TrainConfig(
            epochs=self.parameterAsInt(parameters, self.EPOCHS, context),
            patches_per_epoch=self.parameterAsInt(parameters, self.PATCHES_PER_EPOCH, context),
            patches_per_batch=self.parameterAsInt(parameters, self.PATCHES_PER_BATCH, context),
            class_weight_min=self.parameterAsDouble(parameters, self.CLASS_WEIGHT_MIN, context),
            class_weight_max=self.parameterAsDouble(parameters, self.CLASS_WEIGHT_MAX, context),
            loss_weight=self.parameterAsDouble(parameters, self.LOSS_WEIGHT, context),
            patch_sampling_rate=self.parameterAsDouble(parameters, self.PATCH_SAMPLING_RATE, context),
            solid_distance=self.parameterAsDouble(parameters, self.SOLID_DISTANCE, context),
            blur_distance_min=self.parameterAsDouble(parameters, self.BLUR_DISTANCE_MIN, context),
            blur_distance_max=self.parameterAsDouble(parameters, self.BLUR_DISTANCE_MAX, context),
            loss=LOSSES[self.parameterAsEnum(parameters, self.LOSS, context)],
            learning_rate=self.parameterAsDouble(parameters, self.LEARNING_RATE, context),
            early_stopping=self.parameterAsInt(parameters, self.EARLY_STOPPING, context),
            augment=self.parameterAsBoolean(parameters, self.AUGMENT, context),
            augment_zoom=self.parameterAsBoolean(parameters, self.AUGMENT_ZOOM, context),
            augment_histogram=self.parameterAsDouble(parameters, self.AUGMENT_HISTOGRAM, context),
            freeze_encoder_epochs=self.parameterAsInt(parameters, self.FREEZE_ENCODER_EPOCHS, context),
            seed=self.parameterAsInt(parameters, self.SEED, context),
            device=DEVICES[self.parameterAsEnum(parameters, self.DEVICE, context)],
        )

    def processAlgorithm(self, parameters, context, feedback):  # noqa: N802 - QGIS API
        model = self.parameterAsFile(parameters, self.MODEL, context)
        training = self._layer_paths(parameters, self.TRAINING, context)
        validation = self._layer_paths(parameters, self.VALIDATION, context)
        output_model = self.parameterAsFileOutput(parameters, self.OUTPUT_MODEL, context)
        output_report = self.parameterAsFileOutput(parameters, self.OUTPUT_REPORT, context)
        resume = self.parameterAsBoolean(parameters, self.RESUME, context)
        config_file = self.parameterAsFile(parameters, self.CONFIG, context)
        if config_file:
            try:
                run = merge_config(config_file, model, training, validation)
            except DeepFeatureError as exc:
                raise QgsProcessingException(translate_message(str(exc))) from exc
            feedback.pushInfo(
                self.tr("Re-running the experiment in {}: its settings replace the parameters.").format(
                    config_file
                )
            )
            config, model, training, validation = run.config, run.model, run.training, run.validation
        else:
            try:
                config = self._config(parameters, context)
            except DeepFeatureError as exc:
                raise QgsProcessingException(translate_message(str(exc))) from exc
        result = self.run_worker("train_model",
            feedback,
            model,
            training,
            validation,
            output_model,
            config,
            output_report=output_report or None,
            resume=resume,
            source_config=config_file or None,
        )
        if result.canceled:
            feedback.reportError(
                self.tr(
                    "Training was canceled: the best model so far (epoch {}) was written. "
                    "Set 'Resume' to continue."
                ).format(result.best_epoch),
                False,
            )
        outputs = {
            self.OUTPUT_MODEL: result.output_model,
            self.OUTPUT_CONFIG: result.config_path,
            self.BEST_EPOCH: result.best_epoch,
            self.EPOCHS_RUN: result.epochs_run,
            self.CANCELED: result.canceled,
            self.METRICS: json.dumps(result.best_metrics),
        }
        if output_report:
            translate_html_file(output_report)  # the engine writes it in English
            outputs[self.OUTPUT_REPORT] = output_report
        return outputs


ALGORITHM = TrainModelAlgorithm
