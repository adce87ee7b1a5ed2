"""The training report: a self-contained HTML page with inline SVG curves, plus the metrics as CSV/JSON."""

from __future__ import annotations

import csv
import html
import io
import json
import math
from dataclasses import dataclass
from pathlib import Path

from .errors import OutputError
from .files import check_output_path, write_text_atomic
from .nn import ARCHITECTURE_LABELS, ModelMetadata, ModelSpec, read_metadata
from .progress import Progress, count, ensure

COLORS = ["#1f77b4", "#d62728", "#2ca02c", "#ff7f0e", "#9467bd", "#8c564b", "#e377c2", "#17becf"]


def _finite(v) -> bool:
    return isinstance(v, (int, float)) and not math.isnan(v) and not math.isinf(v)


def svg_chart(
    title: str, series: list[tuple[str, list, bool]], y_label: str, width=560, height=300,
    limits: tuple[float, float] = (-math.inf, math.inf),
) -> str:
    """An SVG line chart. ``series``: (name, values per epoch (None = missing), dashed); the y axis
    never goes beyond ``limits`` (IoU 0..1, a loss from 0)."""
    pad_l, pad_r, pad_t, pad_b = 56, 150, 28, 40
    values = [v for _, vals, _ in series for v in vals if _finite(v)]
    n = max((len(vals) for _, vals, _ in series), default=0)
    lo, hi = (min(values), max(values)) if values else (0.0, 1.0)
    if hi - lo < 1e-9:
        lo, hi = lo - 0.5, hi + 0.5
    span = hi - lo
    lo, hi = max(lo - 0.05 * span, limits[0]), min(hi + 0.05 * span, limits[1])
    pw, ph = width - pad_l - pad_r, height - pad_t - pad_b

    def x(i):
        return pad_l + (pw * i / (n - 1) if n > 1 else pw / 2)

    def y(v):
        return pad_t + ph * (1 - (v - lo) / (hi - lo))

    out = [
        '<svg xmlns="http://www.w3.org/2000/svg" width="{}" height="{}" viewBox="0 0 {} {}" '
        'font-family="sans-serif" font-size="11">'.format(width, height, width, height),
        '<text x="{}" y="16" font-size="13" font-weight="bold">{}</text>'.format(pad_l, html.escape(title)),
        '<rect x="{}" y="{}" width="{}" height="{}" fill="none" stroke="#999"/>'.format(pad_l, pad_t, pw, ph),
    ]
    for t in range(5):
        v = lo + (hi - lo) * t / 4
        out.append(
            '<line x1="{0}" x2="{1}" y1="{2:.1f}" y2="{2:.1f}" stroke="#eee"/>'.format(
                pad_l, pad_l + pw, y(v)
            )
        )
        out.append('<text x="{}" y="{:.1f}" text-anchor="end">{:.3g}</text>'.format(pad_l - 4, y(v) + 4, v))
    step = max(1, math.ceil(n / 10))
    for i in range(0, n, step):
        out.append(
            '<text x="{:.1f}" y="{}" text-anchor="middle">{}</text>'.format(x(i), pad_t + ph + 14, i + 1)
        )
    out.append('<text x="{}" y="{}" text-anchor="middle">epoch</text>'.format(pad_l + pw / 2, height - 6))
    out.append(
        '<text x="12" y="{}" transform="rotate(-90 12 {})" text-anchor="middle">{}</text>'.format(
            pad_t + ph / 2, pad_t + ph / 2, html.escape(y_label)
        )
    )
    for k, (name, vals, dashed) in enumerate(series):
        color = COLORS[k // 2 % len(COLORS)] if len(series) > 2 else COLORS[k % len(COLORS)]
        dash = ' stroke-dasharray="5,3"' if dashed else ""
        pts = [(x(i), y(v)) for i, v in enumerate(vals) if _finite(v)]
        if len(pts) > 1:
            out.append(
                '<polyline fill="none" stroke="{}" stroke-width="2"{} points="{}"/>'.format(
                    color, dash, " ".join("{:.1f},{:.1f}".format(a, b) for a, b in pts)
                )
            )
        for a, b in pts:
            out.append('<circle cx="{:.1f}" cy="{:.1f}" r="2.5" fill="{}"/>'.format(a, b, color))
        ly = pad_t + 12 + 16 * k
        out.append(
            '<line x1="{0}" x2="{1}" y1="{2}" y2="{2}" stroke="{3}" stroke-width="2"{4}/>'.format(
                pad_l + pw + 10, pad_l + pw + 30, ly, color, dash
            )
        )
        out.append('<text x="{}" y="{}">{}</text>'.format(pad_l + pw + 34, ly + 4, html.escape(name)))
    out.append("</svg>")
    return "\n".join(out)


def history_rows(history: list[dict], classes: list[str]) -> tuple[list[str], list[list]]:
    """Flat table (header, rows) of the per-epoch metrics."""
    header = ["epoch", "loss", "val_loss", "learning_rate", "class_weight", "blur_distance", "seconds"]
    header += ["iou_" + c for c in classes] + ["val_iou_" + c for c in classes] + ["val_mean_iou"]
    rows = []
    for h in history:
        row = [h.get(k) for k in header[:7]]
        row += [(h.get("iou") or {}).get(c) for c in classes]
        row += [(h.get("val_iou") or {}).get(c) for c in classes]
        row.append(h.get("val_mean_iou"))
        rows.append(row)
    return header, rows


def metrics_csv(history: list[dict], classes: list[str]) -> str:
    """The per-epoch metrics as CSV text."""
    header, rows = history_rows(history, classes)
    buf = io.StringIO()
    writer = csv.writer(buf, lineterminator="\n")
    writer.writerow(header)
    for row in rows:
        writer.writerow(
            ["" if v is None else ("{:.6g}".format(v) if isinstance(v, float) else v) for v in row]
        )
    return buf.getvalue()


def table_html(header: list, rows: list[list], row_class=lambda i: "") -> str:
    """An HTML table: ``header`` cells, then ``rows`` (floats to 4 significant digits, ``None`` empty),
    row ``i`` with the CSS class ``row_class(i)`` when it is not empty."""
    esc = html.escape
    out = ["<table><tr>" + "".join("<th>{}</th>".format(esc(str(h))) for h in header) + "</tr>"]
    for i, row in enumerate(rows):
        texts = ("" if v is None else "{:.4g}".format(v) if isinstance(v, float) else str(v) for v in row)
        cells = "".join("<td>{}</td>".format(esc(t)) for t in texts)
        css = row_class(i)
        out.append("<tr{}>{}</tr>".format(' class="{}"'.format(css) if css else "", cells))
    out.append("</table>")
    return "\n".join(out)


def pairs_html(pairs) -> str:
    """``<tr><th>label</th><td>value</td></tr>`` rows of ``(label, value)`` pairs (escaped)."""
    return "".join("<tr><th>{}</th><td>{}</td></tr>".format(html.escape(str(k)), html.escape(str(v)))
                   for k, v in pairs)


def report_files(path: str | Path) -> tuple[Path, Path, Path]:
    """The files a report at ``path`` writes: the HTML page and its ``.csv`` / ``.json`` metrics."""
    path = Path(path)
    return path, path.with_suffix(".csv"), path.with_suffix(".json")


def write_report(
    path: str | Path, history: list[dict], classes: list[str], summary: dict, title: str = "Training report"
) -> list[str]:
    """Write the HTML report and its ``.csv`` / ``.json`` metrics siblings; return the written paths."""
    path, csv_path, json_path = report_files(path)
    epochs = [h.get("epoch") for h in history]
    loss_chart = svg_chart(
        "Loss per epoch",
        [
            ("train", [h.get("loss") for h in history], False),
            ("validation", [h.get("val_loss") for h in history], True),
        ],
        "loss",
        limits=(0.0, math.inf),
    )
    iou_series = []
    for c in classes:
        iou_series.append(("{} train".format(c), [(h.get("iou") or {}).get(c) for h in history], False))
        iou_series.append(
            ("{} validation".format(c), [(h.get("val_iou") or {}).get(c) for h in history], True)
        )
    iou_chart = svg_chart("IoU per class and epoch", iou_series, "IoU", limits=(0.0, 1.0))
    header, rows = history_rows(history, classes)
    best = summary.get("best epoch")
    table = table_html(header, rows, lambda i: "best" if rows[i][0] == best else "")
    summary_rows = pairs_html(summary.items())
    page = """<!DOCTYPE html>
<html><head><meta charset="utf-8"><title>{title}</title>
<style>body{{font-family:sans-serif;margin:2em;color:#222}} table{{border-collapse:collapse;margin:1em 0}}
td,th{{border:1px solid #ccc;padding:3px 8px;text-align:right}} tr.best{{background:#fff3c4}}
.charts svg{{margin:0 1em 1em 0;border:1px solid #eee}}</style></head>
<body><h1>{title}</h1>
<table>{summary}</table>
<div class="charts">{loss}{iou}</div>
<h2>Metrics per epoch</h2>
<p>{n} epochs; the highlighted row is the best epoch on validation (the saved model).
Metrics as <a href="{csv}">CSV</a> and <a href="{json}">JSON</a>.</p>
{table}
</body></html>
""".format(
        title=html.escape(title),
        summary=summary_rows,
        loss=loss_chart,
        iou=iou_chart,
        n=len(epochs),
        csv=html.escape(csv_path.name),
        json=html.escape(json_path.name),
        table=table,
    )
    write_text_atomic(csv_path, metrics_csv(history, classes))
    write_text_atomic(json_path, json.dumps({"summary": summary, "history": history}, indent=2, default=str))
    write_text_atomic(path, page)
    return [str(path), str(csv_path), str(json_path)]


# -------------------------------------------------------------------------------------------------
# Model description ('Describe Model'): plain data, log lines and an HTML page, without Keras
# -------------------------------------------------------------------------------------------------
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


def _best_entry(training: dict, history: list[dict], best_epoch: int) -> dict:
    """The history entry of the best epoch (the training record's copy, else the last stage's)."""
    best = training.get("best")
    if isinstance(best, dict) and best:
        return best
    entries = [h for h in history if isinstance(h, dict) and h.get("epoch") == best_epoch]
    return entries[-1] if entries else {}


def summarize_model(metadata: ModelMetadata, path: str | Path = "") -> ModelSummary:
    """A :class:`ModelSummary` of ``metadata`` (as :func:`~deepfeature.core.model.read_metadata` reads it)."""
    training = metadata.training if isinstance(metadata.training, dict) else {}
    history = [h for h in metadata.history if isinstance(h, dict)]
    trained = bool(training) or metadata.normalization is not None
    try:
        best_epoch = int(training.get("best_epoch") or 0)
    except (TypeError, ValueError):
        best_epoch = 0
    best = _best_entry(training, history, best_epoch) if training else {}
    ious = best.get("val_iou") if isinstance(best.get("val_iou"), dict) else {}
    ious = {str(c): (float(v) if _finite(v) else None) for c, v in ious.items()}
    mean = best.get("val_mean_iou")
    if "val_mean_iou" not in best:  # not recorded: the mean of the measurable classes, as training does
        finite = [v for v in ious.values() if v is not None]
        mean = sum(finite) / len(finite) if finite else None
    stages: dict[int, int] = {}
    for h in history:
        try:
            stage = int(h.get("stage", 1))
        except (TypeError, ValueError):
            stage = 1
        stages[stage] = stages.get(stage, 0) + 1
    try:
        epochs_run = int(training.get("epochs_run", 0) or 0)
    except (TypeError, ValueError):
        epochs_run = 0
    return ModelSummary(
        path=str(path),
        metadata=metadata,
        trained=trained,
        best_epoch=best_epoch,
        validation_ious=ious,
        validation_iou=float(mean) if _finite(mean) else None,
        epochs_run=epochs_run,
        stages=sorted(stages.items()),
    )


def summary_sections(summary: ModelSummary) -> list[tuple[str, list[tuple[str, str]]]]:
    """The summary as ``[(section title, [(label, value), ...]), ...]``: the log and the HTML tables."""
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
    model = [
        ("File", summary.path or "-"),
        ("Architecture", "{}: {}".format(spec.architecture, label)),
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
    sections = [("Model", model)]
    norm = meta.normalization
    if norm is not None:
        means, stds = list(norm.mean), list(norm.std)
        rows = [
            ("Band {}".format(i + 1), "mean {}, std {}".format(_number(m, "{:.6g}"), _number(s, "{:.6g}")))
            for i, (m, s) in enumerate(zip(means, stds))
        ]
        sections.append(("Normalization (per band, over the labelled training pixels)", rows))
    training = summary.training
    if training:
        cfg = summary.settings
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
        sections.append(("Training configuration", rows))
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
        sections.append(("Training result", rows))
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
    esc = html.escape
    title = title or "Model: {}".format(Path(summary.path).name or "model")
    parts = []
    for section, rows in summary_sections(summary):
        parts.append("<h2>{}</h2>".format(esc(section)))
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
    return """<!DOCTYPE html>
<html><head><meta charset="utf-8"><title>{title}</title>
<style>body{{font-family:sans-serif;margin:2em;color:#222}} table{{border-collapse:collapse;margin:1em 0}}
td,th{{border:1px solid #ccc;padding:3px 8px;text-align:left}} tr.best{{background:#fff3c4}}</style></head>
<body><h1>{title}</h1>
{body}
</body></html>
""".format(title=esc(title), body="\n".join(parts))


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
