"""Every chart in words and as a table, for people who do not see it (screen readers, a
colour-blind reader, a printout): a French summary sentence and the figure's data as rows.

Built from the figure itself, so the words and the table always say what the chart draws.
Pure functions, no Streamlit; ``dashboard.ui.charts.show_chart`` puts them on the page.
"""

from __future__ import annotations

import datetime as dt
import html
import math
import re
from collections.abc import Iterable, Sequence

import pandas as pd
import plotly.graph_objects as go

from dashboard.core.i18n import fmt_date, fmt_number, t

_TAG = re.compile(r"<[^>]+>")
_ISO_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}")


def plain(text: object, *, line_break: str = " ") -> str:
    """A Plotly label as plain text: line breaks as ``line_break``, no tags, entities decoded."""
    if text is None:
        return ""
    with_breaks = re.sub(r"<br\s*/?>", line_break, str(text), flags=re.IGNORECASE)
    return html.unescape(_TAG.sub("", with_breaks)).strip()


def _label(value: object) -> str:
    """A category as drawn: Plotly markup (``wrap``: escaped text and ``<br>``) made plain;
    a raw value (a name as typed, ``<`` included) kept as it is."""
    text = str(value)
    if re.search(r"<br\s*/?>|&(?:[a-z]+|#\d+);", text, flags=re.IGNORECASE):
        return plain(text)
    return text.strip()


def _cell(value: object) -> str:
    """A value as a French reader expects it: ``1 234,5``, ``26/11/2026``."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return t("oui") if value else t("non")
    if isinstance(value, (int, float)):
        if isinstance(value, float) and not math.isfinite(value):
            return ""
        return fmt_number(value, 0 if float(value).is_integer() else 1)
    if isinstance(value, (dt.date, pd.Timestamp)):
        return fmt_date(value)
    text = _label(value)
    if _ISO_DATE.match(text):
        try:
            return fmt_date(dt.date.fromisoformat(text[:10]))
        except ValueError:
            return text
    return text


def _axis_title(fig: go.Figure, axis: str, fallback: str) -> str:
    layout_axis = getattr(fig.layout, axis, None)
    title = plain(layout_axis.title.text) if layout_axis is not None and layout_axis.title else ""
    return title or fallback


def _values(seq: Sequence | None) -> list:
    return [] if seq is None else list(seq)


def _trace_rows(fig: go.Figure, trace, x_name: str, y_name: str) -> Iterable[dict]:
    series = plain(trace.name) or ""
    if trace.type == "heatmap":
        xs, ys = _values(trace.x), _values(trace.y)
        texts = _values(trace.text)
        for i, row in enumerate(_values(trace.z)):
            for j, value in enumerate(row):
                shown = texts[i][j] if texts and i < len(texts) and j < len(texts[i]) else value
                if shown is None or (isinstance(shown, float) and math.isnan(shown)):
                    continue
                yield {
                    y_name: _cell(ys[i] if i < len(ys) else i),
                    x_name: _cell(xs[j] if j < len(xs) else j),
                    t("Valeur"): _cell(shown),
                }
        return
    if trace.type == "scatterpolar":
        for theta, r in zip(_values(trace.theta), _values(trace.r), strict=False):
            yield {t("Série"): series, t("Axe"): _cell(theta), t("Valeur"): _cell(r)}
        return
    if trace.type == "sankey":
        labels = _values(trace.node.label)
        link = trace.link
        for s, d, v in zip(
            _values(link.source), _values(link.target), _values(link.value), strict=False
        ):
            yield {
                t("De"): _cell(labels[s] if s < len(labels) else s),
                t("Vers"): _cell(labels[d] if d < len(labels) else d),
                t("Valeur"): _cell(v),
            }
        return
    hover = _values(getattr(trace, "hovertext", None))
    if getattr(trace, "hoverinfo", None) == "skip":
        return
    for i, (x, y) in enumerate(zip(_values(trace.x), _values(trace.y), strict=False)):
        if x is None or y is None:
            continue
        row = {t("Série"): series, y_name: _cell(y), x_name: _cell(x)}
        if getattr(trace, "orientation", None) != "h":
            row = {t("Série"): series, x_name: _cell(x), y_name: _cell(y)}
        if hover and i < len(hover) and hover[i]:
            row[t("Détail")] = plain(hover[i], line_break=" · ")
        yield row


def figure_table(fig: go.Figure) -> pd.DataFrame:
    """The data a Plotly figure draws, one row per point (or cell, or flow), French values."""
    x_name = _axis_title(fig, "xaxis", t("Colonne"))
    y_name = _axis_title(fig, "yaxis", t("Ligne"))
    rows = [row for trace in fig.data for row in _trace_rows(fig, trace, x_name, y_name)]
    frame = pd.DataFrame(rows)
    if t("Série") in frame and (frame[t("Série")] == "").all():
        frame = frame.drop(columns=[t("Série")])
    return frame


_KINDS = {
    "bar": "Graphique en barres",
    "heatmap": "Tableau de couleurs",
    "scatterpolar": "Graphique en radar",
    "sankey": "Diagramme de flux",
}


def _kind(trace) -> str:
    if trace.type == "scatter":
        mode = trace.mode or "lines"
        return "Graphique en points" if "lines" not in mode else "Graphique en courbes"
    return _KINDS.get(trace.type, "Graphique")


def figure_summary(fig: go.Figure, *, table: pd.DataFrame | None = None) -> str:
    """One French sentence saying what the chart shows and where its values are (``table``:
    the figure's :func:`figure_table` when already built, not computed again)."""
    title = plain(fig.layout.title.text) if fig.layout.title else ""
    if not fig.data:
        messages = [plain(a.text) for a in fig.layout.annotations or ()]
        return " ".join(m.rstrip(".") for m in [title, *messages] if m) + "."
    kinds = list(dict.fromkeys(t(_kind(trace)) for trace in fig.data))
    series = [plain(tr.name) for tr in fig.data if tr.name and tr.hoverinfo != "skip"]
    series = list(dict.fromkeys(s for s in series if s))
    parts = [t("{kind} « {title} »", kind=" et ".join(kinds), title=title)]
    if series:
        parts.append(
            t("{n} série(s) : {names}", n=fmt_number(len(series)), names=", ".join(series))
        )
    rows = len(figure_table(fig) if table is None else table)
    parts.append(
        t(
            "{n} valeur(s), détaillées dans « Données du graphique »",
            n=fmt_number(rows),
        )
    )
    return " ; ".join(parts) + "."


def _titled_fields(spec: object, found: dict[str, str]) -> dict[str, str]:
    """``{field: French title}`` for every encoding of an Altair spec that has a title."""
    if isinstance(spec, dict):
        field, title = spec.get("field"), spec.get("title")
        if isinstance(field, str) and isinstance(title, str) and title.strip():
            found.setdefault(field, title)
        for key, value in spec.items():
            if key not in {"data", "datasets"}:
                _titled_fields(value, found)
    elif isinstance(spec, list):
        for value in spec:
            _titled_fields(value, found)
    return found


def altair_table(chart) -> pd.DataFrame:
    """The data behind an Altair chart: the columns its encodings name (with their French
    titles), values written the French way."""
    data = getattr(chart, "data", None)
    if not isinstance(data, pd.DataFrame):
        return pd.DataFrame()
    titles = _titled_fields(chart.to_dict(validate=False), {})
    columns = [c for c in data.columns if c in titles]
    return data[columns].rename(columns=titles).apply(lambda column: column.map(_cell))


def altair_summary(chart, *, table: pd.DataFrame | None = None) -> str:
    title = getattr(chart, "title", None)
    title = title if isinstance(title, str) else ""
    return t(
        "Graphique « {title} » ; {n} valeur(s), détaillées dans « Données du graphique ».",
        title=title,
        n=fmt_number(len(altair_table(chart) if table is None else table)),
    )
