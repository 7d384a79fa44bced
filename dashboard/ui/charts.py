"""``show_chart``: the one way a page puts a chart on screen.

- Plotly in French (plotly.js's own ``fr`` locale, shipped in ``plotly_locale_fr.json``, MIT
  licence, Copyright (c) 2016-2024 Plotly Technologies Inc.): dates, numbers and messages;
  no toolbar (its buttons are English and add eight tab stops per chart), no Plotly logo.
- Each chart followed by a French sentence saying what it shows, and its data as a table in an
  expander « Données du graphique » (for screen readers, colour-blind readers, printouts).
"""

from __future__ import annotations

import json
from functools import cache
from pathlib import Path

import plotly.graph_objects as go
import streamlit as st

from dashboard.charts.describe import altair_summary, altair_table, figure_summary, figure_table
from dashboard.charts.prepared import PLOTLY, PreparedChart
from dashboard.core.i18n import t
from dashboard.ui import escape_markdown

LOCALE_FILE = Path(__file__).with_name("plotly_locale_fr.json")


@cache
def plotly_config() -> dict:
    """The ``config`` of every Plotly chart: French locale, no English toolbar."""
    locale = json.loads(LOCALE_FILE.read_text(encoding="utf-8"))
    return {
        "locale": "fr",
        "locales": {"fr": {"dictionary": locale["dictionary"], "format": locale["format"]}},
        "displayModeBar": False,
        "displaylogo": False,
    }


class _SerialisedFigure(go.Figure):
    """A Plotly figure already serialised (a :class:`PreparedChart`'s spec).

    ``st.plotly_chart`` takes a ``Figure`` as already validated and only asks for its
    ``to_dict()``; a plain dict would be rebuilt into a ``Figure`` and validated again, trace by
    trace, on every rerun. This one hands over the parsed spec and skips ``Figure``'s own
    construction (and validation) entirely: nothing else of it is used."""

    def __init__(self, spec: dict) -> None:  # noqa: D107 - no super().__init__: see above
        self._serialised = spec

    def to_dict(self) -> dict:
        return self._serialised


def _show_prepared(chart: PreparedChart, box, key: str | None, selection: dict):
    if chart.kind == PLOTLY:
        figure = _SerialisedFigure(chart.spec_dict())
        return box.plotly_chart(
            figure, width="stretch", config=plotly_config(), key=key, **selection
        )
    return box.vega_lite_chart(spec=chart.spec_dict(), key=key)


def show_chart(fig, *, container=None, key: str | None = None, **selection):
    """Show a Plotly figure (or an Altair chart, or a :class:`PreparedChart`) with its summary
    and its data table.

    ``selection`` passes ``on_select`` / ``selection_mode`` to ``st.plotly_chart``; the
    selection event is returned."""
    box = (container or st).container()
    if isinstance(fig, PreparedChart):
        event = _show_prepared(fig, box, key, selection)
        summary, table = fig.summary, fig.table
        box.caption(escape_markdown(summary))
        if not table.empty:
            with box.expander(t("Données du graphique")):
                shown = fig.arrow if fig.arrow is not None else table
                st.dataframe(shown, hide_index=True, width="stretch", placeholder="—")
        return event
    if isinstance(fig, go.Figure):
        event = box.plotly_chart(fig, width="stretch", config=plotly_config(), key=key, **selection)
        table = figure_table(fig)
        summary = figure_summary(fig, table=table)
    else:
        event = box.altair_chart(fig, key=key)
        table = altair_table(fig)
        summary = altair_summary(fig, table=table)
    box.caption(escape_markdown(summary))
    if not table.empty:
        with box.expander(t("Données du graphique")):
            st.dataframe(table, hide_index=True, width="stretch", placeholder="—")
    return event
