"""The cohort dashboard above its summary threshold (set to 5 here, so the 12-network demo is
"large"): histograms over all networks, one row per network only for the best, the worst and
the networks picked, and the full table page by page."""

from __future__ import annotations

import json

from dashboard.core.config import get_settings
from dashboard.core.i18n import fmt_number
from dashboard.ui import get_engine
from tests.app.conftest import page
from tests.app.test_dashboard_pages import _demo


def _charts(at) -> dict[str, dict]:
    specs = [json.loads(c.proto.spec) for c in at.get("plotly_chart")]
    return {c["layout"].get("title", {}).get("text", ""): c for c in specs}


def _open(login_as, monkeypatch):
    monkeypatch.setenv("DASHBOARD_SUMMARY_FROM", "5")
    get_settings.cache_clear()
    at = login_as("steering")
    at.switch_page(page("cohort/dashboard")).run()
    assert not at.exception, at.exception
    return at


def test_summarised_dashboard_shows_distributions_and_a_paged_table(login_as, monkeypatch):
    at = _open(login_as, monkeypatch)
    charts = _charts(at)
    histogram = next(c for t, c in charts.items() if t.startswith("Réseaux par avancement moyen"))
    heat = charts["Avancement vers la cible propre de chaque réseau"]
    assert len(heat["data"][0]["y"]) == 10  # the 5 best and the 5 worst of 12
    assert sum(histogram["data"][0]["y"]) <= 12
    assert any(i.value.startswith(f"{fmt_number(12)} réseaux : les graphiques") for i in at.info)
    table = next(d.value for d in at.dataframe if "Avancement moyen" in d.value.columns)
    assert len(table) == 12  # one page of 50 holds them all
    assert at.number_input(key="overview_page").max == 1
    # A network picked by the person joins the ones drawn.
    _, networks = _demo(get_engine())
    missing = networks[~networks["name"].isin(heat["data"][0]["y"])]
    assert len(missing) == 2
    at.multiselect(key="dashboard_picked").set_value([int(missing.iloc[0]["id"])]).run()
    assert not at.exception
    rows = _charts(at)["Avancement vers la cible propre de chaque réseau"]["data"][0]["y"]
    assert len(rows) == 11 and missing.iloc[0]["name"] in rows
