"""A chart ready to send: its wire spec (JSON text), its French summary and its data table.

Building a Plotly figure and describing it (:mod:`dashboard.charts.describe`) costs far more
than sending it: a figure object kept in a cache is unpickled and revalidated on every read,
then copied and serialised again by ``st.plotly_chart``; its summary and table are computed
cell by cell. A :class:`PreparedChart` does all of that once, when the chart is built, and holds
only plain data (text and a small table), cheap to keep in ``st.cache_data`` and to read back.
``dashboard.ui.charts.show_chart`` draws it. Pure functions, no Streamlit.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

import altair as alt
import pandas as pd
import plotly.graph_objects as go
import pyarrow as pa  # type: ignore[import-untyped]

from dashboard.charts.describe import altair_summary, altair_table, figure_summary, figure_table

PLOTLY = "plotly"
VEGA_LITE = "vega_lite"


@dataclass(frozen=True)
class PreparedChart:
    """One chart as the page sends it: ``spec`` is the Plotly figure or Vega-Lite spec as JSON
    text, ``summary`` the French sentence under it, ``table`` its data as French text."""

    kind: str  # PLOTLY or VEGA_LITE
    spec: str
    summary: str
    table: pd.DataFrame
    arrow: pa.Table | None = None  # the same table converted once (None: not convertible)

    def spec_dict(self) -> dict[str, Any]:
        """The spec as a fresh dict (a page may not change what the cache holds)."""
        return json.loads(self.spec)


def _vega_lite_spec(chart: Any) -> dict[str, Any]:
    # As ``st.altair_chart`` converts it: the "none" theme (the default one adds a fixed
    # width and height Streamlit does not want), data inline under "datasets".
    with alt.theme.enable("none"):
        return chart.to_dict()


def to_arrow(table: pd.DataFrame) -> pa.Table | None:
    """What st.dataframe would convert the table to on every rerun, converted once (None
    when a column mixes types: Streamlit then converts it its own way)."""
    try:
        return pa.Table.from_pandas(table, preserve_index=False)
    except (pa.ArrowInvalid, pa.ArrowTypeError):  # mixed types in a column: left to Streamlit
        return None


def prepare(figure: Any) -> PreparedChart:
    """Serialise and describe a Plotly figure (or an Altair chart) once."""
    if isinstance(figure, PreparedChart):
        return figure
    if isinstance(figure, go.Figure):
        table = figure_table(figure)
        spec = figure.to_json(validate=False)
        summary = figure_summary(figure, table=table)
        return PreparedChart(PLOTLY, spec, summary, table, to_arrow(table))
    table = altair_table(figure)
    spec = json.dumps(_vega_lite_spec(figure), ensure_ascii=False, default=str)
    summary = altair_summary(figure, table=table)
    return PreparedChart(VEGA_LITE, spec, summary, table, to_arrow(table))


def prepare_all(figures: dict[str, object]) -> dict[str, PreparedChart]:
    """Every figure of a dict prepared, in the same order."""
    return {name: prepare(figure) for name, figure in figures.items()}


def spec_bytes(chart: PreparedChart) -> int:
    """What the chart weighs on the wire (its spec as UTF-8)."""
    return len(chart.spec.encode("utf-8"))
