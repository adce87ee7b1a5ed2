"""The training report: a self-contained HTML page with inline SVG curves, plus the metrics as CSV/JSON."""

from __future__ import annotations

import csv
import html
import io
import json
import math
from pathlib import Path

from ..files import write_text_atomic
from ..html_pages import finite as _finite
from ..html_pages import history_rows, page_html, pairs_html, table_html

COLORS = ["#1f77b4", "#d62728", "#2ca02c", "#ff7f0e", "#9467bd", "#8c564b", "#e377c2", "#17becf"]
#: CSS of the report's charts (after the shared page style).
CHART_STYLE = "\n.charts svg{margin:0 1em 1em 0;border:1px solid #eee}"


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


def report_files(path: str | Path) -> tuple[Path, Path, Path]:
    """The files a report at ``path`` writes: the HTML page and its ``.csv`` / ``.json`` metrics."""
    path = Path(path)
    return path, path.with_suffix(".csv"), path.with_suffix(".json")


def write_report(
    path: str | Path, history: list[dict], classes: list[str], summary: dict, title: str = "Training report"
) -> list[str]:
    """Write the HTML report and its ``.csv`` / ``.json`` metrics siblings; return the written paths."""
    path, csv_path, json_path = report_files(path)
    header, rows = history_rows(history, classes)
    best = summary.get("best epoch")
    body = """<table>{summary}</table>
<div class="charts">{charts}</div>
<h2>Metrics per epoch</h2>
<p>{n} epochs; the highlighted row is the best epoch on validation (the saved model).
Metrics as <a href="{csv}">CSV</a> and <a href="{json}">JSON</a>.</p>
{table}""".format(
        summary=pairs_html(summary.items()),
        charts="".join(_charts(history, classes)),
        n=len(history),
        csv=html.escape(csv_path.name),
        json=html.escape(json_path.name),
        table=table_html(header, rows, lambda i: "best" if rows[i][0] == best else ""),
    )
    write_text_atomic(csv_path, metrics_csv(history, classes))
    write_text_atomic(json_path, json.dumps({"summary": summary, "history": history}, indent=2, default=str))
    write_text_atomic(path, page_html(title, body, align="right", style=CHART_STYLE))
    return [str(path), str(csv_path), str(json_path)]


def _charts(history: list[dict], classes: list[str]) -> tuple[str, str]:
    """The loss chart and the IoU chart (train solid, validation dashed)."""
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
    return loss_chart, svg_chart("IoU per class and epoch", iou_series, "IoU", limits=(0.0, 1.0))
