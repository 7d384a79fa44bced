"""Chart builders: pure functions, a DataFrame in and a Plotly (or Altair) figure out.

French titles, axis titles with units, French hover texts (numbers "1 234,5", dates
dd/mm/yyyy). One colour per status, defined once here and used by every chart, so "late" is the
same red everywhere. Texts that users typed (titles, names) are HTML-escaped before they reach a
hover label. This module holds the colour maps and the shared look; milestone, indicator,
alliance, maturity and follow-up (freshness, changes, lessons) charts live in
``dashboard.charts.milestones``, ``indicators``, ``alliances``, ``maturity`` and
``followup``.
"""

from __future__ import annotations

import datetime as dt
import html
import textwrap
from typing import TypedDict

import pandas as pd
import plotly.graph_objects as go

from dashboard.core.i18n import label_of, t
from models.enums import (
    MilestoneStatus,
)

# --- One colour map per kind of status, used everywhere ------------------------------------
# Okabe-Ito's colour-blind-safe hues, the light ones darkened so that every mark reaches 3:1
# against the white background (WCAG 1.4.11); statuses never differ by hue alone: the timeline
# gives each its own marker symbol and the bars their own pattern (``STATUS_SYMBOLS``,
# ``STATUS_PATTERNS``). Light steps of the sequential scales (stages, capitalisation) are drawn
# with a dark outline (``OUTLINE``).
OKABE_ITO = {
    "blue": "#0072B2",
    "vermillion": "#D55E00",
    "green": "#009E73",
    "purple": "#CC79A7",
    "orange": "#B07800",  # Okabe-Ito #E69F00, darkened to 3.8:1
    "sky": "#3A8FC9",  # Okabe-Ito #56B4E9, darkened to 3.5:1
    "grey": "#6B6B6B",
}


class Outline(TypedDict):
    color: str
    width: float


OUTLINE: Outline = {"color": "#0b0c0c", "width": 1}
MILESTONE_STATUS_COLORS = {
    "done": OKABE_ITO["green"],
    "in_progress": OKABE_ITO["blue"],
    "planned": OKABE_ITO["purple"],
    "late": OKABE_ITO["vermillion"],
    "postponed": OKABE_ITO["orange"],
    "cancelled": OKABE_ITO["grey"],
}
MILESTONE_STATUS_ORDER = ["done", "in_progress", "planned", "late", "postponed", "cancelled"]
STATUS_SYMBOLS = {
    "done": "diamond",
    "in_progress": "circle",
    "planned": "circle-open",
    "late": "x",
    "postponed": "triangle-right",
    "cancelled": "square-open",
}
STATUS_PATTERNS = {
    "done": "",
    "in_progress": "",
    "planned": ".",
    "late": "/",
    "postponed": "-",
    "cancelled": "x",
}
# A single-hue (blue) progression for the stages on the way to a signed alliance.
STAGE_COLORS = {
    "identified": "#c6dbef",
    "contacted": "#9ecae1",
    "scoping": "#6baed6",
    "preparing": "#4292c6",
    "signed": "#2171b5",
    "running": "#08519c",
    "evaluating": "#08306b",
    "renewed": OKABE_ITO["green"],
    "suspended": OKABE_ITO["orange"],
    "abandoned": OKABE_ITO["grey"],
}
FAMILY_COLORS = {
    "peer": OKABE_ITO["blue"],
    "public": OKABE_ITO["orange"],
    "company": OKABE_ITO["green"],
    "foundation": OKABE_ITO["purple"],
    "academic": OKABE_ITO["grey"],
}
VALUE_STATUS_COLORS = {
    "draft": OKABE_ITO["grey"],
    "submitted": OKABE_ITO["orange"],
    "validated": OKABE_ITO["green"],
}
LOGIC_COLORS = {
    "exchange": OKABE_ITO["orange"],
    "alliance": OKABE_ITO["blue"],
    "absent": "#767676",
}
COMPANY_TYPE_COLORS = {
    "philanthropy": OKABE_ITO["purple"],
    "responsible_practices": OKABE_ITO["orange"],
    "economic_cooperation": OKABE_ITO["green"],
    "societal_innovation": OKABE_ITO["blue"],
}
CAPITALISATION_COLORS = {
    "observed": "#9ecae1",
    "modelled": "#4292c6",
    "capitalised": "#2171b5",
    "published": "#08306b",
}
FRESHNESS_COLORS = {"stale": OKABE_ITO["vermillion"], "fresh": OKABE_ITO["green"]}
TARGET_COLOR = OKABE_ITO["vermillion"]
BASELINE_COLOR = OKABE_ITO["grey"]
TODAY_COLOR = OKABE_ITO["vermillion"]
SESSION_COLOR = "#767676"
# Progress 0 → 100 % from white to mid blue, one hue: dark text stays at 5.7:1 or more on
# every cell (``HEATMAP_TEXT_COLOR``).
PROGRESS_SCALE = [[0.0, "#f7fbff"], [0.5, "#9ecae1"], [1.0, "#4292c6"]]
HEATMAP_TEXT_COLOR = "#0b0c0c"
TEXT_COLOR = "#0b0c0c"
FONT_SIZE = 14  # readable on a projector


def status_label(status: str) -> str:
    """French label of a derived milestone status ("late" included)."""
    if status == "late":
        return t("En retard")
    return label_of(MilestoneStatus, status)


def esc(text: object) -> str:
    """User-typed text made safe for a Plotly hover label."""
    return html.escape(
        "" if text is None or (isinstance(text, float) and pd.isna(text)) else str(text)
    )


def wrap(text: str, width: int = 18) -> str:
    """A long label on several lines (Plotly line breaks), escaped."""
    lines = textwrap.wrap(str(text), width, break_long_words=False)
    return "<br>".join(esc(line) for line in lines) or esc(text)


def style(
    fig: go.Figure,
    *,
    title: str,
    x_title: str | None = None,
    y_title: str | None = None,
    height: int | None = None,
    legend_title: str | None = None,
) -> go.Figure:
    """Shared look: French title and axes, French separators ("1 234,5"), large fonts."""
    fig.update_layout(
        title={"text": title, "x": 0, "xanchor": "left"},
        separators=", ",
        # Dark text everywhere (ticks, legend, titles): 19:1 on white, not the theme's grey.
        font={"size": FONT_SIZE, "color": TEXT_COLOR},
        hoverlabel={"font_size": FONT_SIZE},
        legend={
            "orientation": "h",
            "yanchor": "bottom",
            "y": 1.02,
            "x": 0,
            "title": legend_title,
            "traceorder": "normal",
        },
        margin={"l": 10, "r": 10, "t": 90, "b": 10},
        plot_bgcolor="white",
        **({"height": height} if height else {}),
    )
    axes = {
        "gridcolor": "#eeeeee",
        "zerolinecolor": "#cccccc",
        "tickfont_color": TEXT_COLOR,
        "title_font_color": TEXT_COLOR,
    }
    # One update per kind of axis (each update walks every axis of the figure).
    fig.update_xaxes(**axes, **({"title_text": x_title} if x_title is not None else {}))
    fig.update_yaxes(**axes, **({"title_text": y_title} if y_title is not None else {}))
    return fig


def vline(fig: go.Figure, x: object, text: str, *, color: str, dash: str = "dot") -> None:
    """A labelled vertical line (sessions, today, a target on a horizontal axis)."""
    x = x.isoformat() if isinstance(x, dt.date) else x
    fig.add_shape(
        type="line",
        x0=x,
        x1=x,
        y0=0,
        y1=1,
        yref="paper",
        line={"color": color, "dash": dash, "width": 2},
        name=text,
    )
    fig.add_annotation(
        x=x,
        y=1,
        yref="paper",
        text=esc(text),
        showarrow=False,
        yanchor="bottom",
        font={"color": color, "size": FONT_SIZE - 2},
    )


def hline(fig: go.Figure, y: float, text: str, *, color: str, dash: str = "dash") -> None:
    """A labelled horizontal line (baseline, target)."""
    fig.add_shape(
        type="line",
        x0=0,
        x1=1,
        xref="paper",
        y0=y,
        y1=y,
        line={"color": color, "dash": dash, "width": 2},
        name=text,
    )
    fig.add_annotation(
        x=1,
        xref="paper",
        y=y,
        text=esc(text),
        showarrow=False,
        xanchor="right",
        yanchor="bottom",
        font={"color": color, "size": FONT_SIZE - 2},
    )


def count_axis(fig: go.Figure, largest: float, *, axis: str = "x") -> None:
    """Whole-number ticks for counts (no "0,5 jalon")."""
    settings: dict[str, str | int] = {"tickformat": ",d", "rangemode": "tozero"}
    if largest <= 10:
        settings["dtick"] = 1
    (fig.update_xaxes if axis == "x" else fig.update_yaxes)(**settings)


def empty_figure(title: str, message: str) -> go.Figure:
    fig = go.Figure()
    fig.add_annotation(text=message, showarrow=False, x=0.5, y=0.5, xref="paper", yref="paper")
    fig.update_xaxes(visible=False)
    fig.update_yaxes(visible=False)
    return style(fig, title=title, height=220)
