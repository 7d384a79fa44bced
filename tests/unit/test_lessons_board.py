"""The lessons board shows each role what the lessons' visibility allows, anonymised for leads
when the cohort says so."""

from __future__ import annotations

import pytest

from dashboard.services.reporting.lessons_board import lessons_board
from tests.factories import make_cohort, make_network, make_user
from tests.unit.roadmap_builders import make_lesson


@pytest.fixture
def board(engine):
    cid = make_cohort(engine)
    own = make_network(engine, cid, code="R01", name="Réseau Alpha")
    other = make_network(engine, cid, code="R02", name="Fédération Beta", acronym="FB")
    lessons = {
        "own-network": make_lesson(engine, cid, network_id=own, visibility="network"),
        "own-cohort": make_lesson(engine, cid, network_id=own, visibility="cohort"),
        "other-network": make_lesson(engine, cid, network_id=other, visibility="network"),
        "other-cohort": make_lesson(
            engine,
            cid,
            network_id=other,
            visibility="cohort",
            category="obstacle",
            statement="La Fédération Beta (FB) a signé trop tôt.",
        ),
        "other-public": make_lesson(
            engine, cid, network_id=other, visibility="public", capitalisation="published"
        ),
        "collective": make_lesson(engine, cid, network_id=None, visibility="cohort"),
    }
    return {"engine": engine, "cohort": cid, "own": own, "other": other, "ids": lessons}


def visible(w, actor, **kw) -> set[str]:
    shown = set(lessons_board(w["engine"], actor, w["cohort"], **kw).lessons["id"])
    return {name for name, lid in w["ids"].items() if lid in shown}


def test_each_role_sees_what_visibility_allows(board):
    w, e = board, board["engine"]
    everything = set(w["ids"])
    assert visible(w, make_user(e, "admin")) == everything
    # Steering committee and ministry staff: cohort and public lessons only (a « network »
    # lesson is shared with the programme team alone).
    assert visible(w, make_user(e, "steering")) == everything - {"own-network", "other-network"}
    assert visible(w, make_user(e, "ministry")) == everything - {"own-network", "other-network"}
    # A lead: their own network's lessons whatever the visibility, plus shared ones.
    lead = make_user(e, "lead", network_id=w["own"])
    assert visible(w, lead) == everything - {"other-network"}


def test_counts_follow_the_same_rule_and_filters(board):
    w, e = board, board["engine"]
    lead = make_user(e, "lead", network_id=w["own"])
    result = lessons_board(e, lead, w["cohort"])
    assert int(result.counts["count"].sum()) == 5
    only_obstacles = visible(w, lead, categories=["obstacle"])
    assert only_obstacles == {"other-cohort"}
    just_other = visible(w, lead, network_ids=[w["other"]], include_collective=False)
    assert just_other == {"other-cohort", "other-public"}


def test_anonymised_lead_reads_no_other_name_even_in_the_text(engine, board):
    from dashboard.core.db import session_scope
    from models import Cohort

    w = board
    with session_scope(engine) as s:
        s.get(Cohort, w["cohort"]).anonymise_for_leads = True
    lead = make_user(engine, "lead", network_id=w["own"])
    lessons = lessons_board(engine, lead, w["cohort"]).lessons
    text = lessons.to_string()
    assert "Beta" not in text and "FB" not in text and "R02" not in text
    statement = lessons.set_index("id").loc[w["ids"]["other-cohort"], "statement"]
    assert statement == "La Réseau A (Réseau A) a signé trop tôt."
    assert set(lessons["network_name"]) == {"Réseau Alpha", "Réseau A", "Collectif"}
