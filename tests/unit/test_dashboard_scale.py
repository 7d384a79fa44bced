"""The cohort dashboard at scale: above the threshold the charts summarise (histograms over all
networks, the best and worst networks and the ones picked drawn one by one) and the page's
figures stay under about 1 MB whatever the number of networks; below it (the 12-network demo)
every network is drawn as before. Sizes are measured, never timings."""

from __future__ import annotations

import datetime as dt

import pytest
from sqlmodel import select

from dashboard.charts import indicators as charts_indicators
from dashboard.charts import scale
from dashboard.core.db import session_scope
from dashboard.core.permissions import Actor
from dashboard.services.reporting import cohort_dashboard
from models import Cohort
from models.enums import Role
from tests.unit.test_statement_count import copy_demo_cohort

AS_OF = dt.date(2026, 5, 25)
STEERING = Actor(id=0, username="steering", full_name="Comité", role=Role.steering)
MEGABYTE = 1_000_000


def _dashboard(engine, code: str):
    with session_scope(engine) as s:
        cid = s.exec(select(Cohort.id).where(Cohort.code == code)).one()
    return cohort_dashboard.cohort_dashboard(engine, STEERING, cid, as_of=AS_OF)


@pytest.fixture
def demo(demo_engine):
    return _dashboard(demo_engine, "AI-2026")


@pytest.fixture
def big(demo_engine):
    copy_demo_cohort(demo_engine, copies=10)
    return _dashboard(demo_engine, "AI-2026-X10")


def _weight(built: scale.DashboardFigures) -> int:
    return sum(scale.figure_bytes(f) for f in built.figures.values())


def _heatmap_rows(figure) -> list[str]:
    return list(figure.data[0].y)


def test_large_cohort_summarises_under_a_megabyte(big):
    assert len(big.shown_network_ids) == 120
    # Drawn one by one, the same 120 networks weigh more than the bound …
    whole = scale.dashboard_figures(big, AS_OF, summary_from=10**6)
    assert not whole.summarised and _weight(whole) > MEGABYTE
    # … summarised, the page stays under it, with every network still counted.
    overview = scale.network_overview(big)
    middle = overview.dropna(subset=["progress"]).sort_values("progress").iloc[60]
    built = scale.dashboard_figures(big, AS_OF, summary_from=40, picked=(int(middle.network_id),))
    assert built.summarised
    assert _weight(built) <= MEGABYTE, _weight(built)
    counted = sum(built.figures["progress_histogram"].data[0].y)
    assert counted + int(overview["progress"].isna().sum()) == 120
    # One by one: the best and the worst by mean progress, and the network the person picked.
    rows = _heatmap_rows(built.figures["heatmap"])
    assert len(rows) == 2 * scale.TOP + 1 and middle.network_name in rows
    best = overview["progress"].max()
    assert set(rows) & set(overview.loc[overview["progress"] == best, "network_name"])
    assert int(middle.network_id) in built.focus_ids
    # The overview keeps every network for the paginated full table.
    assert len(built.overview) == 120


def test_demo_cohort_is_drawn_network_by_network_as_before(demo):
    built = scale.dashboard_figures(demo, AS_OF, summary_from=40)
    assert not built.summarised
    assert "progress_histogram" not in built.figures
    before = charts_indicators.progress_heatmap(demo.progress)
    assert built.figures["heatmap"].to_json() == before.to_json()
    assert len(_heatmap_rows(built.figures["heatmap"])) == 12


def test_each_figure_is_built_once(demo):
    built = scale.dashboard_figures(demo, AS_OF, sort_by="late")
    assert built.figures["milestone_bars_sorted"] is built.figures["milestone_bars"]
    by_name = scale.dashboard_figures(demo, AS_OF, sort_by="name")
    assert by_name.figures["milestone_bars_sorted"] is not by_name.figures["milestone_bars"]
