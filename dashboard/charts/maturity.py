"""Maturity charts (« maturité à faire alliance », levels 1–4 on seven axes): radars first vs
latest assessment (Plotly), the cohort's distribution per axis and self vs facilitator
(Altair small multiples)."""

from __future__ import annotations

import math

import altair as alt
import pandas as pd
import plotly.graph_objects as go
from plotly.subplots import make_subplots

from dashboard.charts.base import (
    FONT_SIZE,
    OKABE_ITO,
    OUTLINE,
    TEXT_COLOR,
    empty_figure,
    esc,
    style,
)
from dashboard.core.i18n import label_of, t
from models.enums import MATURITY_LEVELS, Assessor, MaturityAxis

FIRST_COLOR = "#9e9e9e"
LATEST_COLOR = "#1f78b4"
ASSESSOR_COLORS = {"self": OKABE_ITO["blue"], "facilitator": OKABE_ITO["orange"]}
# One hue, light to dark (level 4 darkest); the light steps are outlined.
MATURITY_LEVEL_COLORS = {1: "#c6dbef", 2: "#6baed6", 3: "#2171b5", 4: "#08306b"}
AXES = [a.value for a in MaturityAxis]
# Vega's number format in French: decimal comma, narrow no-break space for thousands.
FRENCH_LOCALE = {
    "number": {
        "decimal": ",",
        "thousands": "\u202f",
        "grouping": [3],
        "currency": ["", "\u00a0€"],
    }
}


def _axis_labels() -> list[str]:
    return [label_of(MaturityAxis, a) for a in AXES]


def _levels(frame: pd.DataFrame, column: str) -> list[float | None]:
    by_axis = dict(zip(frame["axis"], frame[column], strict=True))
    return [None if pd.isna(by_axis.get(a)) else float(by_axis[a]) for a in AXES]


def _radar_traces(part: pd.DataFrame, *, showlegend: bool) -> list[go.Scatterpolar]:
    labels = _axis_labels()
    theta = [*labels, labels[0]]
    traces = []
    self_part = part[part["assessor"] == Assessor.self]
    if not self_part.empty:
        first_session = self_part["first_session"].dropna().iloc[0]
        latest_session = self_part["latest_session"].dropna().iloc[0]
        for column, session_code, color, fill, name in (
            ("first_level", first_session, FIRST_COLOR, "none", t("Premier auto-diagnostic")),
            ("latest_level", latest_session, LATEST_COLOR, "toself", t("Dernier auto-diagnostic")),
        ):
            r = _levels(self_part, column)
            traces.append(
                go.Scatterpolar(
                    r=[*r, r[0]],
                    theta=theta,
                    name=f"{name} ({esc(session_code)})",
                    legendgroup=column,
                    showlegend=showlegend,
                    line={"color": color, "width": 3, "dash": "dot" if fill == "none" else "solid"},
                    fill=fill,
                    opacity=0.85,
                    hovertemplate="%{theta} : " + t("niveau") + " %{r}<extra></extra>",
                )
            )
    fac = part[part["assessor"] == Assessor.facilitator]
    if not fac.empty:
        r = _levels(fac, "latest_level")
        traces.append(
            go.Scatterpolar(
                r=[*r, r[0]],
                theta=theta,
                name=t("Regard de l'équipe d'animation"),
                legendgroup="facilitator",
                showlegend=showlegend,
                line={"color": ASSESSOR_COLORS["facilitator"], "width": 2, "dash": "dash"},
                hovertemplate="%{theta} : " + t("niveau") + " %{r}<extra></extra>",
            )
        )
    return traces


def _polar_axes() -> dict:
    return {
        "radialaxis": {
            "range": [0, 4],
            "tickvals": [1, 2, 3, 4],
            "tickfont": {"size": FONT_SIZE - 4},
        },
        "angularaxis": {
            "tickfont": {"size": FONT_SIZE - 3},
            "direction": "clockwise",
            "rotation": 90,
        },
    }


def maturity_radar(maturity: pd.DataFrame, network_name: str) -> go.Figure:
    """One network: first vs latest self-assessment, and the facilitator's latest view."""
    title = t("Maturité à faire alliance — {name}", name=esc(network_name))
    if maturity.empty:
        return empty_figure(title, t("Aucun auto-diagnostic enregistré."))
    fig = go.Figure(_radar_traces(maturity, showlegend=True))
    fig.update_layout(polar=_polar_axes())
    return style(fig, title=title, height=460)


def maturity_radar_grid(maturity: pd.DataFrame, *, columns: int = 4) -> go.Figure:
    """Small radars, one per network: first vs latest self-assessment."""
    title = t("Maturité par réseau : premier et dernier auto-diagnostic")
    if maturity.empty:
        return empty_figure(title, t("Aucun auto-diagnostic enregistré."))
    names = sorted(maturity["network_name"].unique())
    rows = math.ceil(len(names) / columns)
    fig = make_subplots(
        rows=rows,
        cols=columns,
        specs=[[{"type": "polar"}] * columns for _ in range(rows)],
        subplot_titles=[esc(n) for n in names],
        vertical_spacing=0.12 / max(rows, 1) * 2,
        horizontal_spacing=0.08,
    )
    in_legend: set[str] = set()
    for i, name in enumerate(names):
        part = maturity[maturity["network_name"] == name]
        for trace in _radar_traces(part, showlegend=False):
            # Each kind of line in the legend once, whichever radar has it first.
            trace.showlegend = trace.legendgroup not in in_legend
            in_legend.add(trace.legendgroup)
            fig.add_trace(trace, row=i // columns + 1, col=i % columns + 1)
    polar = _polar_axes()
    polar["angularaxis"] = {"showticklabels": False, "direction": "clockwise", "rotation": 90}
    polar["radialaxis"]["showticklabels"] = False
    fig.update_polars(**polar)
    fig.update_annotations(font_size=FONT_SIZE - 1)
    return style(fig, title=title, height=300 * rows + 80)


def _dark_text(chart):
    """Axis, header and legend text in the dark text colour (not the theme's grey)."""
    dark = {"labelColor": TEXT_COLOR, "titleColor": TEXT_COLOR}
    return chart.configure_axis(**dark).configure_legend(**dark).configure_header(**dark)


def _latest_and_first(maturity: pd.DataFrame) -> pd.DataFrame:
    own = maturity[maturity["assessor"] == Assessor.self]
    first = own.assign(moment=t("Premier auto-diagnostic"), level=own["first_level"])
    latest = own.assign(moment=t("Dernier auto-diagnostic"), level=own["latest_level"])
    frame = pd.concat([first, latest], ignore_index=True).dropna(subset=["level"])
    frame["level"] = frame["level"].astype(int)
    return frame


def maturity_distribution(maturity: pd.DataFrame) -> alt.TopLevelMixin:
    """The cohort's networks per level on each axis, first vs latest self-assessment."""
    frame = _latest_and_first(maturity)
    counts = frame.groupby(["moment", "axis", "level"]).size().reset_index(name="count")
    counts["axis_label"] = counts["axis"].map(lambda a: label_of(MaturityAxis, a))
    counts["level_label"] = counts["level"].map(lambda n: f"{n} — {t(MATURITY_LEVELS[n])}")
    counts["tooltip"] = [
        t("{n} réseau(x) au niveau {lvl}", n=n, lvl=lvl)
        for n, lvl in zip(counts["count"], counts["level_label"], strict=True)
    ]
    levels = [f"{n} — {t(MATURITY_LEVELS[n])}" for n in MATURITY_LEVELS]
    chart = (
        alt.Chart(counts)
        .mark_bar(stroke=OUTLINE["color"], strokeWidth=OUTLINE["width"])
        .encode(
            y=alt.Y("axis_label:N", title=None, sort=_axis_labels(), axis=alt.Axis(labelLimit=260)),
            x=alt.X("count:Q", title=t("Nombre de réseaux"), stack="zero"),
            color=alt.Color(
                "level_label:N",
                title=t("Niveau"),
                scale=alt.Scale(domain=levels, range=list(MATURITY_LEVEL_COLORS.values())),
                sort=levels,
            ),
            order=alt.Order("level:Q"),
            tooltip=[
                alt.Tooltip("moment:N", title=t("Moment")),
                alt.Tooltip("axis_label:N", title=t("Axe")),
                alt.Tooltip("tooltip:N", title=" "),
            ],
        )
        .properties(width=320, height=230)
        .facet(
            column=alt.Column(
                "moment:N",
                title=None,
                sort=[t("Premier auto-diagnostic"), t("Dernier auto-diagnostic")],
            )
        )
        .properties(title=t("Répartition des réseaux par niveau de maturité, axe par axe"))
    )
    return _dark_text(chart.configure(locale=FRENCH_LOCALE)).configure_title(
        fontSize=FONT_SIZE + 2, anchor="start", color=TEXT_COLOR
    )


def self_vs_facilitator(maturity: pd.DataFrame) -> alt.TopLevelMixin | None:
    """Small multiples per axis: each network's latest self-assessment against the
    facilitator's, joined by a line. None when no network has both."""
    latest = maturity.pivot_table(
        index=["network_name", "axis"], columns="assessor", values="latest_level"
    ).reset_index()
    if "self" not in latest.columns or "facilitator" not in latest.columns:
        return None
    both = latest.dropna(subset=["self", "facilitator"])
    if both.empty:
        return None
    long = both.melt(
        id_vars=["network_name", "axis"],
        value_vars=["self", "facilitator"],
        var_name="assessor",
        value_name="level",
    )
    long["assessor_label"] = long["assessor"].map(lambda a: label_of(Assessor, a))
    long["axis_label"] = long["axis"].map(lambda a: label_of(MaturityAxis, a))
    domain = [label_of(Assessor, "self"), label_of(Assessor, "facilitator")]
    base = alt.Chart(long).encode(
        y=alt.Y("network_name:N", title=None, sort="ascending", axis=alt.Axis(labelLimit=260)),
        yOffset=alt.YOffset("assessor_label:N", sort=domain),
        x=alt.X(
            "level:Q",
            title=t("Niveau (1 à 4)"),
            scale=alt.Scale(domain=[1, 4]),
            axis=alt.Axis(values=[1, 2, 3, 4], format="d"),
        ),
    )
    rule = base.mark_line(color="#bbbbbb").encode(detail="network_name:N")
    points = base.mark_point(filled=True, size=90).encode(
        color=alt.Color(
            "assessor_label:N",
            title=None,
            scale=alt.Scale(domain=domain, range=list(ASSESSOR_COLORS.values())),
        ),
        tooltip=[
            alt.Tooltip("network_name:N", title=t("Réseau")),
            alt.Tooltip("axis_label:N", title=t("Axe")),
            alt.Tooltip("assessor_label:N", title=t("Regard")),
            alt.Tooltip("level:Q", title=t("Niveau")),
        ],
    )
    chart = (
        alt.layer(rule, points)
        .properties(width=170, height=alt.Step(18))
        .facet(
            facet=alt.Facet("axis_label:N", title=None, sort=_axis_labels()),
            columns=4,
        )
        .properties(title=t("Auto-diagnostic et regard de l'équipe d'animation, axe par axe"))
    )
    return _dark_text(chart.configure(locale=FRENCH_LOCALE)).configure_title(
        fontSize=FONT_SIZE + 2, anchor="start", color=TEXT_COLOR
    )
