"""Chart builders on small hand-made frames: French titles and axes, trace counts, target lines,
and colours from the one shared map."""

from __future__ import annotations

import datetime as dt

import pandas as pd
import pytest

from dashboard.charts import (
    alliances as charts_alliances,
)
from dashboard.charts import (
    base as charts,
)
from dashboard.charts import (
    followup as charts_followup,
)
from dashboard.charts import (
    indicators as charts_indicators,
)
from dashboard.charts import (
    maturity as charts_maturity,
)
from dashboard.charts import milestones as charts_milestones
from dashboard.charts.base import (
    CAPITALISATION_COLORS,
    FAMILY_COLORS,
    FRESHNESS_COLORS,
    MILESTONE_STATUS_COLORS,
    STAGE_COLORS,
    TARGET_COLOR,
    VALUE_STATUS_COLORS,
)

TODAY = dt.date(2026, 1, 20)


def plain(text: str) -> str:
    """French formatting uses no-break spaces; compare with plain ones."""
    return text.replace("\u202f", " ").replace("\xa0", " ")


def shape_names(fig) -> list[str]:
    return [plain(s.name) for s in fig.layout.shapes]


def annotation_texts(fig) -> list[str]:
    return [plain(a.text) for a in fig.layout.annotations]


def test_milestone_bars_stack_statuses_with_shared_colours_and_sort_by_late():
    counts = pd.DataFrame(
        [
            ("Réseau A", "done", 3),
            ("Réseau A", "late", 1),
            ("Réseau B", "done", 1),
            ("Réseau B", "late", 2),
            ("Réseau B", "planned", 4),
        ],
        columns=["network_name", "status", "count"],
    )
    fig = charts_milestones.milestone_status_bars(counts, sort_by="late")
    assert fig.layout.title.text == "Jalons par réseau et par statut"
    assert fig.layout.xaxis.title.text == "Nombre de jalons"
    assert fig.layout.barmode == "stack"
    by_name = {tr.name: tr for tr in fig.data}
    assert list(by_name) == ["Réalisé", "Prévu", "En retard"]  # statuses present, fixed order
    assert by_name["En retard"].marker.color == MILESTONE_STATUS_COLORS["late"]
    assert by_name["Réalisé"].marker.color == MILESTONE_STATUS_COLORS["done"]
    # Horizontal bars bottom-up: the network with the most late milestones ends on top.
    assert list(by_name["En retard"].y) == ["Réseau A", "Réseau B"]
    assert list(by_name["En retard"].x) == [1, 2]
    assert "2 jalon(s) sur 7" in by_name["En retard"].hovertext[1]


def test_timeline_has_session_and_today_lines_and_a_slip_trace():
    rows = pd.DataFrame(
        {
            "network_name": ["Réseau A", "Réseau A", "Réseau B"],
            "title": ["Signer <b>vite</b>", "Lancer", None],
            "due_date": [dt.date(2025, 12, 1), dt.date(2026, 3, 1), dt.date(2025, 11, 15)],
            "done_date": [None, None, dt.date(2025, 11, 30)],
            "derived_status": ["late", "planned", "done"],
            "session_code": ["S2", None, None],
        }
    )
    sessions = pd.DataFrame(
        {"code": ["S1", "S2"], "session_date": [dt.date(2025, 10, 14), dt.date(2025, 12, 9)]}
    )
    fig = charts_milestones.milestone_timeline(rows, sessions, TODAY)
    assert shape_names(fig) == ["S1", "S2", "Aujourd'hui"]
    assert [s.x0 for s in fig.layout.shapes] == ["2025-10-14", "2025-12-09", "2026-01-20"]
    assert fig.layout.shapes[-1].line.color == charts.TODAY_COLOR
    names = [tr.name for tr in fig.data]
    assert names == ["Glissement", "Réalisé", "Prévu", "En retard"]
    slip = fig.data[0]
    # Late one: due 01/12/2025 → today; the one done late: 15/11 → 30/11.
    assert list(slip.x) == ["2025-12-01", "2026-01-20", None, "2025-11-15", "2025-11-30", None]
    late = fig.data[3]
    assert late.marker.color == MILESTONE_STATUS_COLORS["late"]
    hover = late.hovertext[0]
    assert "Signer &lt;b&gt;vite&lt;/b&gt;" in hover  # user text escaped
    assert "Échéance : 01/12/2025" in hover and "Retard : 50 jours" in hover
    assert fig.layout.xaxis.title.text == "Date d'échéance"


def _progress_rows() -> pd.DataFrame:
    return pd.DataFrame(
        {
            "network_name": ["Réseau A", "Réseau B", "Réseau A"],
            "indicator_code": ["EUR", "EUR", "FORMS"],
            "indicator_label": ["Ressources", "Ressources", "Formes"],
            "unit": ["eur", "eur", "count"],
            "accumulation": ["cumulative", "cumulative", "level"],
            "baseline": [0.0, 0.0, 1.0],
            "target": [2000.0, 4000.0, None],
            "current": [1234.5, 5000.0, 2.0],
            "progress_raw": [1234.5 / 2000, 1.25, None],
            "progress": [1234.5 / 2000, 1.0, None],
        }
    )


def test_heatmap_on_share_of_own_target_with_french_hover():
    fig = charts_indicators.progress_heatmap(_progress_rows())
    (heat,) = fig.data
    assert list(heat.x) == ["Ressources", "Formes"]
    # Rows bottom-up by average progress: Réseau B (100 %) is drawn on top of Réseau A.
    assert list(heat.y) == ["Réseau A", "Réseau B"]
    # Réseau B: 5 000 of 4 000 → capped 100 %; Réseau A: 1 234,5 / 2 000 = 61,7 %; no target → blank.
    assert heat.z[1][0] == 100.0 and heat.z[0][0] == pytest.approx(61.7)
    assert heat.z[0][1] is None and heat.text[0][1] == "—"
    hover_a = plain(heat.hovertext[0][0])
    assert "Valeur : 1 234 €" in hover_a and "Cible : 2 000 €" in hover_a
    assert "Cible dépassée (125 %)" in plain(heat.hovertext[1][0])
    assert heat.zmin == 0 and heat.zmax == 100
    assert fig.layout.separators == ", "


def test_benchmark_has_quartile_band_median_networks_and_target_line():
    progress = _progress_rows()
    stats = pd.DataFrame(
        {
            "indicator_code": ["EUR"],
            "indicator_label": ["Ressources"],
            "unit": ["eur"],
            "n": [2],
            "q1": [0.7],
            "median": [0.8],
            "q3": [0.9],
        }
    )
    fig = charts_indicators.benchmark_chart(progress, stats)
    assert len(fig.data) == 3
    band, median, dots = fig.data
    assert band.base[0] == pytest.approx(70) and band.x[0] == pytest.approx(20)
    assert median.x[0] == pytest.approx(80)
    assert sorted(dots.x) == pytest.approx([61.725, 100.0])  # the untargeted one is left out
    assert shape_names(fig) == ["Cible"] and fig.layout.shapes[0].x0 == 100
    assert fig.layout.shapes[0].line.color == TARGET_COLOR
    assert fig.layout.xaxis.title.text == "Avancement vers la cible propre (%)"


def test_pipeline_stacks_families_in_stage_order_with_family_colours():
    pipeline = pd.DataFrame(
        [("signed", "company", 2), ("identified", "peer", 3), ("signed", "peer", 1)],
        columns=["stage", "family", "count"],
    )
    fig = charts_alliances.pipeline_chart(pipeline)
    assert [tr.name for tr in fig.data] == ["Pair associatif", "Entreprise"]
    peer, company = fig.data
    assert list(peer.x) == ["Identifiée", "Contractualisée"]  # pipeline order, not alphabetical
    assert list(peer.y) == [3, 1] and list(company.y) == [0, 2]
    assert peer.marker.color == FAMILY_COLORS["peer"]
    assert fig.layout.yaxis.title.text == "Nombre d'alliances"


def test_company_types_and_logic_shift():
    types = pd.DataFrame(
        [("philanthropy", True, 2), ("philanthropy", False, 1), ("societal_innovation", True, 1)],
        columns=["company_type", "signed", "count"],
    )
    fig = charts_alliances.company_types_chart(types)
    signed, building = fig.data
    assert list(signed.y) == ["Mécénat", "Innovation sociétale"]
    assert list(signed.x) == [2, 1] and list(building.x) == [1, 0]
    assert signed.marker.color == STAGE_COLORS["signed"]

    shift = pd.DataFrame(
        [("exchange", "alliance", 2), ("exchange", "exchange", 3), ("absent", "alliance", 1)],
        columns=["from_logic", "to_logic", "count"],
    )
    fig = charts_alliances.logic_shift_chart(shift, ("S1", "S4"))
    assert fig.layout.title.text == "Du contrat-échange au contrat-alliance (S1 → S4)"
    (sankey,) = fig.data
    assert list(sankey.link.value) == [2, 3, 1]
    assert list(sankey.link.source) == [0, 0, 2] and list(sankey.link.target) == [4, 3, 4]
    assert sankey.node.label[0] == "Contrat-échange (S1)"


def test_indicator_trend_draws_baseline_and_revised_target_and_cumulates_flows():
    values = pd.DataFrame(
        {
            "period_start": [dt.date(2025, 10, 1), dt.date(2025, 11, 1)],
            "value": [10.0, 5.0],
            "running_total": [10.0, 15.0],
            "status": ["validated", "submitted"],
        }
    )
    info = {
        "indicator_label": "Bénévoles mobilisés",
        "unit": "persons",
        "accumulation": "per_period",
        "baseline": 0.0,
        "target": 40.0,
        "initial_target": 60.0,
    }
    fig = charts_indicators.indicator_trend(values, info)
    assert fig.layout.title.text == "Bénévoles mobilisés — cumul des mois"
    assert fig.layout.yaxis.title.text == "Valeur (personnes)"
    assert list(fig.data[0].y) == [10.0, 15.0]  # running total, since the target is for the sum
    markers = {tr.name: tr for tr in fig.data[1:]}
    assert markers["Validée"].marker.color == VALUE_STATUS_COLORS["validated"]
    assert markers["Soumise"].marker.color == VALUE_STATUS_COLORS["submitted"]
    texts = annotation_texts(fig)
    assert "Référence : 0 pers." in texts
    assert "Cible initiale : 60 pers." in texts and "Cible révisée : 40 pers." in texts
    revised = fig.layout.shapes[shape_names(fig).index("Cible révisée : 40 pers.")]
    assert revised.y0 == 40 and revised.line.color == TARGET_COLOR

    info_level = {**info, "accumulation": "level", "initial_target": None, "unit": "percent"}
    fig = charts_indicators.indicator_trend(values, info_level)
    assert list(fig.data[0].y) == [10.0, 5.0]
    assert "Cible : 40 %" in annotation_texts(fig)
    assert not [t for t in annotation_texts(fig) if t.startswith("Cible initiale")]


def _maturity() -> pd.DataFrame:
    rows = []
    for axis, first, latest, fac in (("vision", 2, 3, 2), ("evaluation", 1, 1, 1)):
        rows.append(("Réseau A", "self", axis, "S1", first, "S4", latest))
        rows.append(("Réseau A", "facilitator", axis, "S4", fac, "S4", fac))
    return pd.DataFrame(
        rows,
        columns=[
            "network_name",
            "assessor",
            "axis",
            "first_session",
            "first_level",
            "latest_session",
            "latest_level",
        ],
    )


def test_maturity_radar_first_latest_and_facilitator():
    fig = charts_maturity.maturity_radar(_maturity(), "Réseau A")
    assert [tr.name for tr in fig.data] == [
        "Premier auto-diagnostic (S1)",
        "Dernier auto-diagnostic (S4)",
        "Regard de l'équipe d'animation",
    ]
    first = fig.data[0]
    assert first.theta[0] == "Vision" and first.r[0] == 2 and first.r[-1] == 2  # closed loop
    assert fig.data[1].r[0] == 3
    assert fig.layout.polar.radialaxis.range == (0, 4)
    grid = charts_maturity.maturity_radar_grid(_maturity())
    assert len(grid.data) == 3


def test_altair_maturity_charts_use_the_level_and_assessor_colours():
    spec = charts_maturity.maturity_distribution(_maturity()).to_dict()
    assert spec["title"] == "Répartition des réseaux par niveau de maturité, axe par axe"
    colour = spec["spec"]["encoding"]["color"]
    assert colour["scale"]["range"] == list(charts_maturity.MATURITY_LEVEL_COLORS.values())
    assert spec["config"]["locale"]["number"]["decimal"] == ","
    both = charts_maturity.self_vs_facilitator(_maturity()).to_dict()
    assert both["facet"]["field"] == "axis_label"
    only_self = _maturity()[lambda f: f["assessor"] == "self"]
    assert charts_maturity.self_vs_facilitator(only_self) is None


def test_freshness_and_lessons_charts_use_shared_colours():
    fresh = pd.DataFrame(
        {
            "network_name": ["Réseau A", "Réseau B"],
            "months_missing": [0, 3],
            "months_expected": [7, 7],
            "last_update": [pd.Timestamp("2026-05-02"), pd.NaT],
            "last_period": [dt.date(2026, 4, 1), None],
            "stale": [False, True],
        }
    )
    fig = charts_followup.freshness_chart(fresh)
    (bars,) = fig.data
    assert list(bars.y) == ["Réseau A", "Réseau B"]
    assert list(bars.marker.color) == [FRESHNESS_COLORS["fresh"], FRESHNESS_COLORS["stale"]]
    assert "Mois incomplets : 3 sur 7" in plain(bars.hovertext[1])
    assert "À relancer" in bars.hovertext[1]

    lessons = pd.DataFrame(
        [("obstacle", "observed", 2), ("lever", "published", 1)],
        columns=["category", "capitalisation", "count"],
    )
    fig = charts_followup.lessons_chart(lessons)
    assert [tr.name for tr in fig.data] == ["Observé", "Publié"]
    assert fig.data[0].marker.color == CAPITALISATION_COLORS["observed"]
    assert list(fig.data[0].x) == ["Leviers", "Freins"] or list(fig.data[0].x) == [
        "Freins",
        "Leviers",
    ]


def test_empty_frames_give_a_titled_message_not_an_error():
    empty = pd.DataFrame(columns=["network_name", "status", "count"])
    fig = charts_milestones.milestone_status_bars(empty)
    assert fig.layout.title.text == "Jalons par réseau et par statut"
    assert annotation_texts(fig) == ["Aucun jalon sur la période."]


def test_stage_history_segments_per_stage():
    history = pd.DataFrame(
        {
            "alliance_id": [1, 1],
            "to_stage": ["scoping", "signed"],
            "changed_on": [dt.date(2025, 10, 1), dt.date(2025, 12, 1)],
        }
    )
    alliances = pd.DataFrame({"id": [1], "title": ["Épicerie"]})
    fig = charts_alliances.stage_history_chart(history, alliances, TODAY)
    assert [tr.name for tr in fig.data] == ["Cadrage", "Contractualisée"]
    scoping, signed = fig.data
    assert scoping.base[0] == "2025-10-01" and signed.base[0] == "2025-12-01"
    assert scoping.x[0] == pytest.approx(61 * 86_400_000)  # 1 Oct → 1 Dec, in ms
    assert signed.marker.color == STAGE_COLORS["signed"]
    assert shape_names(fig) == ["Aujourd'hui"]
