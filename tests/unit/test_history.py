"""History of a network: who changed what and when, filters, "since the last session"."""

from __future__ import annotations

import datetime as dt

import pytest
from sqlmodel import update

from dashboard.db import session_scope
from dashboard.errors import PermissionDenied
from dashboard.services import audit, history, milestones, roadmap
from dashboard.services.milestones import AddedMilestone, MilestoneChanges
from models import ChangeLog, Indicator, IndicatorValue
from tests.unit.roadmap_world import AS_OF, make_world


def _stamp(engine, when: dt.datetime, *where) -> None:
    with session_scope(engine) as s:
        s.exec(update(ChangeLog).where(*where).values(changed_at=when))


@pytest.fixture
def story(engine):
    """Objective by the lead in November, a milestone by the programme team the night the S2
    session started (Paris time), an alliance moved by the lead in February, and network B's
    own objective."""
    w = make_world(engine)
    objective = roadmap.create_objective(
        engine, w.lead_a, w.net_a, title="Mobiliser les pairs", motivation="peer_scaling"
    )
    _stamp(engine, dt.datetime(2025, 11, 20, 10, 0, tzinfo=dt.UTC), ChangeLog.entity == "objective")
    milestones.save_milestones(
        engine,
        w.admin,
        w.net_a,
        MilestoneChanges(
            added=[AddedMilestone({"title": "Atelier pairs", "due_date": "2026-01-30"})]
        ),
        as_of=AS_OF,
    )
    # 23:30 UTC on 8 Dec = 00:30 in Paris on 9 Dec, the day of S2.
    _stamp(engine, dt.datetime(2025, 12, 8, 23, 30, tzinfo=dt.UTC), ChangeLog.entity == "milestone")
    partner = roadmap.create_partner(engine, w.admin, name="Mairie", family="public")["id"]
    alliance = roadmap.create_alliance(
        engine,
        w.lead_a,
        w.net_a,
        title="Convention mairie",
        partner_id=partner,
        stage="contacted",
        stage_date=dt.date(2026, 1, 5),
        as_of=AS_OF,
    )
    _stamp(
        engine,
        dt.datetime(2026, 1, 5, 9, 0, tzinfo=dt.UTC),
        ChangeLog.entity == "alliance",
    )
    roadmap.move_alliance_stage(
        engine,
        w.lead_a,
        alliance["id"],
        alliance["version"],
        to_stage="scoping",
        comment="Premier rendez-vous",
        changed_on=dt.date(2026, 2, 10),
        as_of=AS_OF,
    )
    _stamp(
        engine,
        dt.datetime(2026, 2, 10, 15, 0, tzinfo=dt.UTC),
        ChangeLog.entity == "alliance",
        ChangeLog.action == "update",
    )
    roadmap.create_objective(engine, w.lead_b, w.net_b, title="Objectif de B", motivation="other")
    return w, objective


def test_history_lists_every_change_newest_first_in_french(engine, story):
    w, objective = story
    view = history.network_history(engine, w.lead_a, w.net_a, as_of=AS_OF)
    rows = view.rows
    assert rows["changed_at"].is_monotonic_decreasing
    first = rows.iloc[0]
    assert (first["entity_label"], first["item"], first["user_name"]) == (
        "Alliance",
        "Convention mairie",
        "Alice Martin",
    )
    stage = rows[(rows["field"] == "stage") & (rows["action"] == "update")].iloc[0]
    assert (stage["field_label"], stage["before"], stage["after"], stage["reason"]) == (
        "Étape",
        "Contactée",
        "Cadrage",
        "Premier rendez-vous",
    )
    assert (stage["action_label"]) == "Modification"
    moved_on = rows[rows["field"] == "stage_changed_on"].iloc[0]
    assert (moved_on["before"], moved_on["after"]) == ("05/01/2026", "10/02/2026")
    motivation = rows[(rows["entity"] == "objective") & (rows["field"] == "motivation")].iloc[0]
    assert (motivation["after"], motivation["item"]) == (
        "Démultiplication entre pairs",
        "Mobiliser les pairs",
    )
    assert "Objectif de B" not in set(rows["item"])
    assert view.people == {w.lead_a.id: "Alice Martin", w.admin.id: "Claire Animation"}
    assert set(view.entities) == {"objective", "milestone", "alliance"}  # partner: shared list
    assert view.entities["milestone"] == "Jalon"
    assert view.last_session == {"code": "S2", "date": dt.date(2025, 12, 9)}
    assert not view.truncated


def test_filters_by_entity_person_and_period(engine, story):
    w, _ = story
    by_entity = history.network_history(engine, w.lead_a, w.net_a, entity="objective").rows
    assert set(by_entity["entity"]) == {"objective"} and len(by_entity) == 2
    by_person = history.network_history(engine, w.lead_a, w.net_a, user_id=w.admin.id).rows
    assert set(by_person["entity"]) == {"milestone"}
    january = history.network_history(
        engine, w.lead_a, w.net_a, start=dt.date(2026, 1, 1), end=dt.date(2026, 1, 31)
    ).rows
    assert set(january["entity"]) == {"alliance"}
    assert set(january["action"]) == {"create"}
    limited = history.network_history(engine, w.lead_a, w.net_a, limit=3)
    assert len(limited.rows) == 3 and limited.truncated


def test_since_last_session_starts_on_the_session_day_in_paris(engine, story):
    w, _ = story
    since = history.network_history(
        engine, w.lead_a, w.net_a, since_last_session=True, as_of=AS_OF
    ).rows
    assert set(since["entity"]) == {"milestone", "alliance"}
    # On the day of S3 itself, S3 is not yet "the last session"; the day after it is.
    on_s3 = history.network_history(
        engine, w.lead_a, w.net_a, since_last_session=True, as_of=dt.date(2026, 3, 17)
    )
    assert on_s3.last_session["code"] == "S2"
    after_s3 = history.network_history(
        engine, w.lead_a, w.net_a, since_last_session=True, as_of=dt.date(2026, 3, 18)
    )
    assert after_s3.last_session["code"] == "S3" and after_s3.rows.empty
    before_any = history.network_history(
        engine, w.lead_a, w.net_a, since_last_session=True, as_of=dt.date(2025, 10, 1)
    )
    assert before_any.last_session is None
    assert len(before_any.rows) == len(history.network_history(engine, w.lead_a, w.net_a).rows)


def test_who_may_read_which_history(engine, story):
    w, _ = story
    with pytest.raises(PermissionDenied):
        history.network_history(engine, w.lead_a, w.net_b)
    theirs = history.network_history(engine, w.steering, w.net_b).rows
    assert set(theirs["item"]) == {"Objectif de B"}
    assert len(history.network_history(engine, w.admin, w.net_a).rows) == len(
        history.network_history(engine, w.lead_a, w.net_a).rows
    )


def test_references_and_indicator_values_are_named(engine, story):
    w, _ = story
    rows = history.network_history(engine, w.lead_a, w.net_a).rows
    partner = rows[(rows["entity"] == "alliance") & (rows["field"] == "partner_id")].iloc[0]
    assert (partner["field_label"], partner["after"]) == ("Partenaire", "Mairie")
    with session_scope(engine) as s:
        indicator = Indicator(
            code="TRUST_SCORE",
            label="Confiance perçue",
            unit="score",
            accumulation="level",
            impact_axis="trust",
            lever="alliances",
        )
        s.add(indicator)
        s.flush()
        value = IndicatorValue(
            network_id=w.net_a,
            indicator_id=indicator.id,
            period_start=dt.date(2026, 1, 1),
            value=3.5,
        )
        s.add(value)
        s.flush()
        audit.log_create(
            s,
            w.lead_a,
            "indicator_value",
            value,
            fields=["indicator_id", "period_start", "value", "status"],
            network_id=w.net_a,
            cohort_id=w.cohort,
        )
    rows = history.network_history(engine, w.lead_a, w.net_a, entity="indicator_value").rows
    assert set(rows["item"]) == {"Confiance perçue — janvier 2026"}
    assert set(rows["entity_label"]) == {"Valeur d'indicateur"}
    shown = dict(zip(rows["field_label"], rows["after"], strict=True))
    assert shown == {
        "Indicateur": "Confiance perçue",
        "Mois": "janvier 2026",
        "Valeur": "3,5",
        "Statut": "Brouillon",
    }


def test_field_and_value_labels():
    assert history.field_label("vision.level") == "Vision — niveau"
    assert history.field_label("evaluation.evidence") == "Évaluation — justification"
    assert history.shown_value("maturity_assessment", "vision.level", "3") == "3 — Structuration"
    assert history.shown_value("milestone", "status", "postponed") == "Reporté"
    assert history.shown_value("objective", "archived", "True") == "Oui"
    assert history.shown_value("milestone", "due_date", "2026-03-05") == "05/03/2026"
    assert history.shown_value("alliance", "objective_id", "42") == "#42"
    assert history.shown_value("alliance", "expected_value_eur", "12000") == "12\u202f000"
