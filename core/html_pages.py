"""HTML pieces shared by the training report and the model description: the page, tables, metric rows.

No numpy, no Keras: Describe Model runs without them.
"""

from __future__ import annotations

import html
import math

#: The page style: ``{align}`` is the alignment of the table cells.
_STYLE = (
    "body{{font-family:sans-serif;margin:2em;color:#222}} table{{border-collapse:collapse;margin:1em 0}}\n"
    "td,th{{border:1px solid #ccc;padding:3px 8px;text-align:{align}}} tr.best{{background:#fff3c4}}"
)


def finite(v) -> bool:
    """True for an int or float that is neither NaN nor infinite."""
    return isinstance(v, (int, float)) and not math.isnan(v) and not math.isinf(v)


def page_html(title: str, body: str, align: str = "left", style: str = "") -> str:
    """A self-contained page: ``title`` (escaped) as title and heading, then ``body`` (HTML); table cells
    aligned ``align``; ``style``: more CSS after the shared rules."""
    return """<!DOCTYPE html>
<html><head><meta charset="utf-8"><title>{title}</title>
<style>{style}</style></head>
<body><h1>{title}</h1>
{body}
</body></html>
""".format(title=html.escape(title), style=_STYLE.format(align=align) + style, body=body)


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


def history_rows(history: list[dict], classes: list[str]) -> tuple[list[str], list[list]]:
    """Flat table (header, rows) of the per-epoch training metrics (the report's and the description's)."""
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
