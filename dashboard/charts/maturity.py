"""Maturity charts (« maturité à faire alliance », levels 1–4 on seven axes): radars first vs
latest assessment (Plotly), the cohort's distribution per axis and self vs facilitator
(Altair small multiples)."""

from __future__ import annotations

import math

import altair as alt
import pandas as pd
import plotly.graph_objects as go

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


def _radar_traces(part: pd.DataFrame, *, showlegend: bool) -> list[dict]:
    """A network's radar lines as plain trace dicts (validated once, by the figure that takes
    them: a grid of many radars would otherwise validate every trace twice)."""
    labels = _axis_labels()
    theta = [*labels, labels[0]]
    traces: list[dict] = []
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
                {
                    "type": "scatterpolar",
                    "r": [*r, r[0]],
                    "theta": theta,
                    "name": f"{name} ({esc(session_code)})",
                    "legendgroup": column,
                    "showlegend": showlegend,
                    "line": {
                        "color": color, "width": 3, "dash": "dot" if fill == "none" else "solid"
                    },
                    "fill": fill,
                    "opacity": 0.85,
                    "hovertemplate": "%{theta} : " + t("niveau") + " %{r}<extra></extra>",
                }
            )  # fmt: skip
    fac = part[part["assessor"] == Assessor.facilitator]
    if not fac.empty:
        r = _levels(fac, "latest_level")
        traces.append(
            {
                "type": "scatterpolar",
                "r": [*r, r[0]],
                "theta": theta,
                "name": t("Regard de l'équipe d'animation"),
                "legendgroup": "facilitator",
                "showlegend": showlegend,
                "line": {"color": ASSESSOR_COLORS["facilitator"], "width": 2, "dash": "dash"},
                "hovertemplate": "%{theta} : " + t("niveau") + " %{r}<extra></extra>",
            }
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


def grid_domains(
    rows: int, columns: int, *, horizontal_spacing: float, vertical_spacing: float
) -> list[tuple[list[float], list[float]]]:
    """The (x, y) paper domains of a rows × columns grid read left to right, top to bottom:
    the cells ``plotly.subplots.make_subplots`` lays out with the same spacings."""
    width = (1.0 - horizontal_spacing * (columns - 1)) / columns
    height = (1.0 - vertical_spacing * (rows - 1)) / rows
    cells = []
    for r in range(rows):
        y_start = (rows - 1 - r) * (height + vertical_spacing)
        y = [max(0.0, y_start), min(1.0, y_start + height)]
        for c in range(columns):
            x_start = c * (width + horizontal_spacing)
            cells.append(([max(0.0, x_start), min(1.0, x_start + width)], y))
    return cells


def maturity_radar_grid(maturity: pd.DataFrame, *, columns: int = 4) -> go.Figure:
    """Small radars, one per network: first vs latest self-assessment.

    Laid out as ``make_subplots`` would (one polar per cell, the network's name above it),
    but written as one layout and built in one go: adding the traces one subplot at a time
    revalidated the figure per trace (2 s for the demo's 12 radars on a loaded machine)."""
    title = t("Maturité par réseau : premier et dernier auto-diagnostic")
    if maturity.empty:
        return empty_figure(title, t("Aucun auto-diagnostic enregistré."))
    names = sorted(maturity["network_name"].unique())
    rows = math.ceil(len(names) / columns)
    cells = grid_domains(
        rows, columns, horizontal_spacing=0.08, vertical_spacing=0.12 / max(rows, 1) * 2
    )
    axes = _polar_axes()
    axes["angularaxis"] = {"showticklabels": False, "direction": "clockwise", "rotation": 90}
    axes["radialaxis"]["showticklabels"] = False
    layout: dict = {"annotations": []}
    traces: list[dict] = []
    in_legend: set[str] = set()
    parts = dict(tuple(maturity.groupby("network_name", sort=False)))
    for i, (x, y) in enumerate(cells):
        polar = "polar" if i == 0 else f"polar{i + 1}"
        layout[polar] = {**axes, "domain": {"x": x, "y": y}}
        if i >= len(names):
            continue
        layout["annotations"].append(
            {
                "text": esc(names[i]), "x": sum(x) / 2.0, "y": y[1], "xref": "paper",
                "yref": "paper", "xanchor": "center", "yanchor": "bottom", "showarrow": False,
                "font": {"size": FONT_SIZE - 1},
            }
        )  # fmt: skip
        for trace in _radar_traces(parts[names[i]], showlegend=False):
            # Each kind of line in the legend once, whichever radar has it first.
            trace["showlegend"] = trace["legendgroup"] not in in_legend
            in_legend.add(trace["legendgroup"])
            traces.append({**trace, "subplot": polar})
    fig = go.Figure(data=traces, layout=layout)
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
