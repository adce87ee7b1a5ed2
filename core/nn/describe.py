"""Model description ('Describe Model'): what a model file says about itself, as plain data, log lines and
an HTML page, from its metadata only (no Keras, numpy or TensorFlow)."""

from __future__ import annotations

import html
from dataclasses import dataclass
from pathlib import Path

from ..errors import OutputError
from ..files import check_output_path, write_text_atomic
from ..html_pages import finite as _finite
from ..html_pages import history_rows, page_html, pairs_html, table_html
from ..progress import Progress, count, ensure
from .model_file import ModelMetadata, read_metadata
from .spec import ARCHITECTURE_LABELS, ENCODER_LABELS, ModelSpec

Rows = list[tuple[str, str]]


@dataclass(frozen=True)
class ModelSummary:
    """What a model file says about itself (from its metadata only: no Keras, no model building)."""

    path: str
    metadata: ModelMetadata
    trained: bool
    best_epoch: int
    #: Validation IoU per class at the best epoch (``None``: not measurable, e.g. no feature).
    validation_ious: dict[str, float | None]
    #: Mean validation IoU of the best epoch (``None`` when untrained or not measurable).
    validation_iou: float | None
    epochs_run: int
    #: ``(stage, epochs)`` per training stage (a refined model has several).
    stages: list[tuple[int, int]]

    @property
    def spec(self) -> ModelSpec:
        """The model's specification (architecture, bands, classes, patch size)."""
        return self.metadata.spec

    @property
    def classes_text(self) -> str:
        """``'1: building, 2: road'``."""
        return ", ".join("{}: {}".format(k, v) for k, v in self.spec.classes_by_id.items())

    @property
    def training(self) -> dict:
        """The metadata's training record (``{}`` when untrained)."""
        return self.metadata.training if isinstance(self.metadata.training, dict) else {}

    @property
    def settings(self) -> dict:
        """The training configuration (TrainConfig as a dict; ``{}`` when untrained)."""
        run = self.training.get("run")
        config = run.get("config") if isinstance(run, dict) else None
        return config if isinstance(config, dict) else {}


def _number(value, pattern: str = "{:.3f}") -> str:
    return pattern.format(value) if _finite(value) else "not measurable"


def _int(value, default: int) -> int:
    """``int(value)``, or ``default`` for a value that is none."""
    try:
        return int(value)
    except (TypeError, ValueError):
        return default


def _best_entry(training: dict, history: list[dict], best_epoch: int) -> dict:
    """The history entry of the best epoch (the training record's copy, else the last stage's)."""
    best = training.get("best")
    if isinstance(best, dict) and best:
        return best
    entries = [h for h in history if isinstance(h, dict) and h.get("epoch") == best_epoch]
    return entries[-1] if entries else {}


def summarize_model(metadata: ModelMetadata, path: str | Path = "") -> ModelSummary:
    """A :class:`ModelSummary` of ``metadata`` (as :func:`~deepfeature.core.nn.read_metadata` reads it)."""
    training = metadata.training if isinstance(metadata.training, dict) else {}
    history = [h for h in metadata.history if isinstance(h, dict)]
    trained = bool(training) or metadata.normalization is not None
    best_epoch = _int(training.get("best_epoch") or 0, 0)
    best = _best_entry(training, history, best_epoch) if training else {}
    ious = best.get("val_iou") if isinstance(best.get("val_iou"), dict) else {}
    ious = {str(c): (float(v) if _finite(v) else None) for c, v in ious.items()}
    mean = best.get("val_mean_iou")
    if "val_mean_iou" not in best:  # not recorded: the mean of the measurable classes, as training does
        finite = [v for v in ious.values() if v is not None]
        mean = sum(finite) / len(finite) if finite else None
    stages: dict[int, int] = {}
    for h in history:
        stage = _int(h.get("stage", 1), 1)
        stages[stage] = stages.get(stage, 0) + 1
    return ModelSummary(
        path=str(path),
        metadata=metadata,
        trained=trained,
        best_epoch=best_epoch,
        validation_ious=ious,
        validation_iou=float(mean) if _finite(mean) else None,
        epochs_run=_int(training.get("epochs_run", 0) or 0, 0),
        stages=sorted(stages.items()),
    )


def _model_rows(summary: ModelSummary) -> Rows:
    """The 'Model' section: architecture, bands, classes, patch size, whether trained."""
    spec, meta = summary.spec, summary.metadata
    label = ARCHITECTURE_LABELS.get(spec.architecture, spec.architecture)
    output = (
        "sigmoid: probability of '{}' against the background".format(spec.classes[0])
        if spec.n_outputs == 1
        else "softmax over {} classes and the background (class 0)".format(len(spec.classes))
    )
    trained = "no: initialized only, train it with 'Train Model'"
    if summary.trained:
        trained = "yes" if summary.training else "yes (normalization statistics, no training record)"
    return [
        ("File", summary.path or "-"),
        ("Architecture", "{}: {}".format(spec.architecture, label)),
        ("Encoder", "{}, fine-tuned from ImageNet".format(ENCODER_LABELS[spec.encoder]) if spec.encoder
         else "its own, trained from scratch"),
        ("Base filters", "{} (doubles at every level)".format(spec.base_filters)),
        ("Levels", str(spec.depth)),
        ("Dropout", "{:g}".format(spec.dropout)),
        ("Parameters", "{:,}".format(meta.parameters) if meta.parameters else "not recorded"),
        ("Input bands", str(spec.bands)),
        ("Classes", summary.classes_text),
        ("Output", output),
        ("Patch size", "{} pixels (valid sizes: multiples of {})".format(spec.patch_size, spec.size_factor)),
        ("Contextual field of view",
         "{} pixels".format(meta.field_of_view) if meta.field_of_view else "not recorded"),
        ("Trained", trained),
        ("Written by", "deepfeature {} (metadata format {})".format(
            meta.deepfeature_version or "?", meta.format_version)),
    ]


def _normalization_rows(norm) -> Rows:
    """Mean and std of each band."""
    return [
        ("Band {}".format(i + 1), "mean {}, std {}".format(_number(m, "{:.6g}"), _number(s, "{:.6g}")))
        for i, (m, s) in enumerate(zip(norm.mean, norm.std))
    ]


def _configuration_rows(summary: ModelSummary) -> Rows:
    """The 'Training configuration' section: the main settings and the label rasters."""
    cfg, training = summary.settings, summary.training
    run = training.get("run") if isinstance(training.get("run"), dict) else {}
    ppe = cfg.get("patches_per_epoch", "?")
    if ppe == 0:
        ppe = "automatic (patch sampling rate {})".format(cfg.get("patch_sampling_rate", "?"))
    rate = cfg.get("learning_rate")
    rows = [
        ("Epochs", str(cfg.get("epochs", "?"))),
        ("Patches per epoch", str(ppe)),
        ("Patches per batch", str(cfg.get("patches_per_batch", "?"))),
        ("Loss", str(cfg.get("loss", "?"))),
        ("Learning rate", "{:g}".format(rate) if _finite(rate) else "?"),
        ("Seed", str(cfg.get("seed", "?"))),
        ("Early stopping", "after {} epochs without improvement".format(cfg["early_stopping"])
         if cfg.get("early_stopping") else "off"),
    ]
    if run.get("training"):
        rows.append(("Training label rasters", ", ".join(map(str, run.get("training") or []))))
    rows.append(("Validation label rasters",
                 ", ".join(map(str, run.get("validation") or [])) or "hold-out of the training rasters"))
    return rows


def _result_rows(summary: ModelSummary) -> Rows:
    """The 'Training result' section: best epoch, IoU, time, stages."""
    training = summary.training
    end = "completed"
    if training.get("canceled"):
        end = "canceled by the user"
    elif training.get("stopped_early"):
        end = "stopped early"
    rows = [
        ("Best epoch", "{} (the saved weights)".format(summary.best_epoch)),
        ("Epochs run", "{} ({})".format(summary.epochs_run, end)),
    ]
    rows += [("Validation IoU, {}".format(c), _number(v)) for c, v in summary.validation_ious.items()]
    rows.append(("Mean validation IoU", _number(summary.validation_iou)))
    if _finite(training.get("seconds")):
        rows.append(("Training time", "{:.1f} s".format(training["seconds"])))
    if training.get("refined_from"):
        rows.append(("Refined from", str(training["refined_from"])))
    if summary.stages:
        rows.append(("Training stages", "; ".join(
            "stage {}: {}".format(s, count(n, "epoch")) for s, n in summary.stages)))
    return rows


def summary_sections(summary: ModelSummary) -> list[tuple[str, Rows]]:
    """The summary as ``[(section title, [(label, value), ...]), ...]``: the log and the HTML tables."""
    sections = [("Model", _model_rows(summary))]
    norm = summary.metadata.normalization
    if norm is not None:
        title = "Normalization (per band, over the labelled training pixels)"
        sections.append((title, _normalization_rows(norm)))
    if summary.training:
        sections.append(("Training configuration", _configuration_rows(summary)))
        sections.append(("Training result", _result_rows(summary)))
    return sections


def summary_lines(summary: ModelSummary) -> list[str]:
    """The summary as log lines: one per section title and one per ``label: value``."""
    lines = []
    for title, rows in summary_sections(summary):
        lines.append("{}:".format(title))
        lines += ["  {}: {}".format(k, v) for k, v in rows]
    return lines


def summary_html(summary: ModelSummary, title: str = "") -> str:
    """A small self-contained HTML page: the summary tables and, when trained, the history per epoch."""
    title = title or "Model: {}".format(Path(summary.path).name or "model")
    parts = []
    for section, rows in summary_sections(summary):
        parts.append("<h2>{}</h2>".format(html.escape(section)))
        parts.append("<table>" + pairs_html(rows) + "</table>")
    history = [h for h in summary.metadata.history if isinstance(h, dict)]
    if history:
        header, rows = history_rows(history, list(summary.spec.classes))
        last_stage = max((s for s, _ in summary.stages), default=1)
        rows = [[h.get("stage", 1)] + row for h, row in zip(history, rows)]

        def row_class(i: int) -> str:
            best = rows[i][0] == last_stage and rows[i][1] == summary.best_epoch
            return "epoch best" if best else "epoch"

        parts.append("<h2>Metrics per epoch</h2>")
        parts.append("<p>{} epochs; the highlighted row is the best epoch (the saved weights).</p>".format(
            len(history)))
        parts.append(table_html(["stage"] + header, rows, row_class))
    return page_html(title, "\n".join(parts), align="left")


def describe_model(path: str | Path, output_html: str | Path | None = None,
                   progress: Progress | None = None) -> ModelSummary:
    """Read a model file's metadata (no Keras), log its summary and optionally write it as an HTML page
    (atomically). Raises :class:`~deepfeature.core.errors.ModelFileError` for a missing, damaged or
    foreign file, :class:`~deepfeature.core.errors.OutputError` for an unwritable page."""
    progress = ensure(progress)
    metadata = read_metadata(path)
    summary = summarize_model(metadata, path)
    if output_html:
        check_output_path(output_html, inputs=[path], what="HTML description")
    for line in summary_lines(summary):
        progress.info(line)
    if output_html:
        try:
            write_text_atomic(output_html, summary_html(summary))
        except OSError as exc:
            raise OutputError("Cannot write the HTML description '{}': {}".format(output_html, exc)) from exc
        progress.info("Description written to {}.".format(output_html))
    progress.progress(1.0)
    return summary
