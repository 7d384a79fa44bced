"""The network page (pages/cohort/network_detail.py) through the real entry point: a network
of a new cohort before its first value, and the roadmap's objectives shown read-only to the
steering committee."""

from __future__ import annotations

from sqlmodel import select

from dashboard.core.db import session_scope
from dashboard.ui import get_engine
from models import Cohort, Indicator, Network, Objective
from tests.app.conftest import page
from tests.factories import make_network
from tests.unit.roadmap_builders import make_target


def _demo_cohort_id() -> int:
    with session_scope(get_engine()) as s:
        return s.exec(select(Cohort.id).where(Cohort.code == "AI-2026")).one()


def _open(login_as, who: str, code: str):
    at = login_as(who, run=False)
    at.query_params["reseau"] = code
    at.run()
    at.switch_page(page("cohort/network_detail")).run()
    assert not at.exception, at.exception
    return at


def test_a_network_with_targets_and_no_value_yet_opens(login_as, app_db):
    engine = get_engine()
    net = make_network(engine, _demo_cohort_id(), code="R13", name="Réseau Nouveau Venu")
    with session_scope(engine) as s:
        indicators = s.exec(select(Indicator.id, Indicator.label).order_by(Indicator.id)).all()
    for indicator_id, _ in indicators[:2]:
        make_target(engine, net, indicator_id, baseline=0, target=10)
    no_baseline_id, no_baseline_label = indicators[2]
    make_target(engine, net, no_baseline_id, baseline=None, target=10)
    at = _open(login_as, "steering", "R13")
    assert any(t.value == "R13 — Réseau Nouveau Venu" for t in at.text)
    table = next(df.value for df in at.dataframe if "Avancement" in df.value.columns)
    assert set(table["Indicateur"]) == {label for _, label in indicators[:3]}
    assert set(table["Avancement"]) == {"—"}  # no value: no progress, not 0 %
    assert set(table["Valeur actuelle"]) == {"—"}
    notes = dict(zip(table["Indicateur"], table["Remarque"], strict=True))
    assert notes[no_baseline_label] == "base de référence manquante"
    assert [n for label, n in notes.items() if label != no_baseline_label] == ["", ""]


def test_steering_reads_the_objectives_of_a_network(login_as, app_db):
    with session_scope(get_engine()) as s:
        r01 = s.exec(select(Network.id).where(Network.code == "R01")).one()
        titles = set(s.exec(select(Objective.title).where(Objective.network_id == r01)))
    assert titles
    at = _open(login_as, "steering", "R01")
    table = next(df.value for df in at.dataframe if "Objectif" in df.value.columns)
    assert set(table["Objectif"]) == titles
    # Read-only: the page offers no way to edit them.
    assert not at.get("data_editor") and not at.text_input and not at.text_area
    # (Marking a seeded discussion read is the reader's own bookkeeping, not an edit.)
    assert [b.label for b in at.button if b.label != "Marquer comme lu"] == ["Se déconnecter"]
