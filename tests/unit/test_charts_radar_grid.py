"""The maturity radar grid is written as one layout: the figure is the one ``make_subplots``
built, trace for trace and cell for cell (domains, titles, legend entries, axes)."""

from __future__ import annotations

import json
import math

import pandas as pd
import plotly.graph_objects as go
import pytest
from plotly.subplots import make_subplots

from dashboard.charts import maturity as charts_maturity
from dashboard.charts.base import FONT_SIZE, esc, style
from dashboard.core.i18n import t


def _cohort(networks: int) -> pd.DataFrame:
    rows = []
    for n in range(networks):
        name = f"Réseau {n:02d} <b>"
        for k, axis in enumerate(charts_maturity.AXES):
            rows.append((name, "self", axis, "S1", 1 + (n + k) % 4, "S4", 1 + (n * k) % 4))
            if n % 3 == 0:
                rows.append((name, "facilitator", axis, "S4", 2, "S4", 1 + k % 4))
    return pd.DataFrame(
        rows,
        columns=["network_name", "assessor", "axis", "first_session", "first_level",
                 "latest_session", "latest_level"],
    )  # fmt: skip


def _grid_with_make_subplots(maturity: pd.DataFrame, columns: int = 4) -> go.Figure:
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
        for trace in charts_maturity._radar_traces(part, showlegend=False):
            trace = go.Scatterpolar({k: v for k, v in trace.items() if k != "type"})
            trace.showlegend = trace.legendgroup not in in_legend
            in_legend.add(trace.legendgroup)
            fig.add_trace(trace, row=i // columns + 1, col=i % columns + 1)
    polar = charts_maturity._polar_axes()
    polar["angularaxis"] = {"showticklabels": False, "direction": "clockwise", "rotation": 90}
    polar["radialaxis"]["showticklabels"] = False
    fig.update_polars(**polar)
    fig.update_annotations(font_size=FONT_SIZE - 1)
    title = t("Maturité par réseau : premier et dernier auto-diagnostic")
    return style(fig, title=title, height=300 * rows + 80)


def _rounded(value):
    if isinstance(value, float):
        return round(value, 9)
    if isinstance(value, list):
        return [_rounded(v) for v in value]
    if isinstance(value, dict):
        return {k: _rounded(v) for k, v in value.items()}
    return value


def _plain(fig: go.Figure) -> dict:
    return _rounded(json.loads(fig.to_json()))


@pytest.mark.parametrize("networks", [1, 4, 7, 12, 40])
def test_the_grid_is_the_figure_make_subplots_built(networks):
    maturity = _cohort(networks)
    got = _plain(charts_maturity.maturity_radar_grid(maturity))
    expected = _plain(_grid_with_make_subplots(maturity))
    assert got["data"] == expected["data"]
    assert got["layout"] == expected["layout"]


def test_each_line_kind_is_in_the_legend_once_and_names_are_escaped():
    fig = charts_maturity.maturity_radar_grid(_cohort(6))
    shown = [(tr.legendgroup, tr.subplot) for tr in fig.data if tr.showlegend]
    assert [group for group, _ in shown] == ["first_level", "latest_level", "facilitator"]
    titles = [a.text for a in fig.layout.annotations]
    assert titles[0] == "Réseau 00 &lt;b&gt;" and len(titles) == 6
    assert fig.data[-1].subplot == "polar6"
