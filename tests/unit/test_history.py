"""History of a network: who changed what and when, filters, "since the last session"."""

from __future__ import annotations

import datetime as dt

import pytest
from sqlmodel import select, update

from dashboard.core.db import session_scope
from dashboard.core.errors import PermissionDenied
from dashboard.core.i18n import label_of
from dashboard.services import roadmap
from dashboard.services.admin import sessions as admin_sessions
from dashboard.services.admin import users as admin_users
from dashboard.services.indicators import catalogue
from dashboard.services.indicators import targets as indicator_targets
from dashboard.services.reporting import history, history_labels
from dashboard.services.roadmap import milestones
from dashboard.services.roadmap.milestone_grid import AddedMilestone, MilestoneChanges
from dashboard.services.shared import audit
from models import (
    ChangeLog,
    Cohort,
    Indicator,
    IndicatorTarget,
    IndicatorValue,
    Network,
    ProgrammeSession,
    Snapshot,
    User,
)
from models.enums import SessionKind
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


def _version(engine, model, row_id: int) -> int:
    with session_scope(engine) as s:
        return s.get(model, row_id).version


@pytest.fixture
def admin_story(engine):
    """The programme team at work: S3 moved a week later, an indicator added to the catalogue
    and network A's target on it revised mid-cohort, network B's lead deactivated, the steering
    member's name corrected, and a session moved in another cohort."""
    w = make_world(engine)
    admin_sessions.reschedule_session(
        engine,
        w.admin,
        w.s3,
        version=_version(engine, ProgrammeSession, w.s3),
        session_date=dt.date(2026, 3, 24),
    )
    indicator = catalogue.create_indicator(
        engine,
        w.admin,
        code="AGREEMENTS_SIGNED",
        label="Conventions signées",
        unit="count",
        accumulation="cumulative",
        impact_axis="performance",
        lever="alliances",
    )
    indicator_targets.set_target(
        engine, w.admin, w.net_a, indicator, target_value=4, as_of=dt.date(2025, 9, 1)
    )
    with session_scope(engine) as s:
        target = s.exec(select(IndicatorTarget)).one()
        target_version = target.version
    indicator_targets.set_target(
        engine,
        w.admin,
        w.net_a,
        indicator,
        version=target_version,
        target_value=6,
        reason="Deux conventions de plus en vue",
        as_of=AS_OF,
    )
    admin_users.deactivate_user(
        engine, w.admin, w.lead_b.id, version=_version(engine, User, w.lead_b.id)
    )
    admin_users.reset_password(
        engine, w.admin, w.lead_a.id, version=_version(engine, User, w.lead_a.id)
    )
    admin_users.update_user(
        engine,
        w.admin,
        w.steering.id,
        version=_version(engine, User, w.steering.id),
        full_name="Denis Copil-Martin",
        email=None,
        role="steering",
        network_id=None,
    )
    admin_sessions.reschedule_session(
        engine,
        w.admin,
        w.other_session,
        version=_version(engine, ProgrammeSession, w.other_session),
        session_date=dt.date(2025, 10, 21),
    )
    return w


def _one(rows, entity: str, field: str, action: str = "update"):
    found = rows[(rows["entity"] == entity) & (rows["field"] == field) & (rows["action"] == action)]
    assert len(found) == 1, (entity, field, action, len(found))
    return found.iloc[0]


def test_admin_sees_the_programme_team_actions_in_the_cohort_history(engine, admin_story):
    w = admin_story
    view = history.cohort_history(engine, w.admin, w.cohort, as_of=AS_OF)
    rows = view.rows
    moved = _one(rows, "session", "session_date")
    assert moved[
        ["entity_label", "item", "field_label", "before", "after", "network"]
    ].tolist() == [
        "Session",
        "S3 — Session S3",
        "Date",
        "17/03/2026",
        "24/03/2026",
        "",
    ]
    assert moved["user_name"] == "Claire Animation"
    revised = _one(rows, "indicator_target", "target_value")
    assert revised[
        ["entity_label", "item", "field_label", "before", "after", "reason"]
    ].tolist() == [
        "Cible d'indicateur",
        "Conventions signées",
        "Cible",
        "4",
        "6",
        "Deux conventions de plus en vue",
    ]
    assert revised["network"] == "NA"
    initial = _one(rows, "indicator_target", "initial_target_value")
    assert (initial["field_label"], initial["after"]) == ("Cible initiale", "4")
    why = _one(rows, "indicator_target", "revision_reason")
    assert (why["field_label"], why["after"]) == (
        "Raison de la révision",
        "Deux conventions de plus en vue",
    )
    unit = _one(rows, "indicator", "unit", "create")
    assert (unit["entity_label"], unit["field_label"], unit["after"]) == (
        "Indicateur (catalogue)",
        "Unité",
        "Nombre",
    )
    deactivated = _one(rows, "user", "active")
    assert deactivated[["entity_label", "item", "field_label", "before", "after"]].tolist() == [
        "Compte utilisateur",
        "Bruno Petit",
        "Compte actif",
        "Oui",
        "Non",
    ]
    reset = _one(rows, "user", "password")
    assert (reset["item"], reset["field_label"], reset["after"]) == (
        "Alice Martin",
        "Mot de passe",
        "Mot de passe réinitialisé",
    )
    renamed = _one(rows, "user", "full_name")  # a steering account: no cohort of its own
    assert (renamed["before"], renamed["after"]) == ("Denis Copil", "Denis Copil-Martin")
    # The other cohort's session stays in its own history.
    assert not ((rows["entity"] == "session") & (rows["after"] == "21/10/2025")).any()
    other = history.cohort_history(engine, w.admin, w.other_cohort, as_of=AS_OF).rows
    assert _one(other, "session", "session_date")["after"] == "21/10/2025"
    assert view.entities["session"] == "Session" and view.entities["user"] == "Compte utilisateur"
    assert view.people == {w.admin.id: "Claire Animation"}
    assert view.last_session == {"code": "S2", "date": dt.date(2025, 12, 9)}


def test_no_raw_code_reaches_the_reader(engine, admin_story):
    w = admin_story
    roadmap.create_objective(engine, w.lead_a, w.net_a, title="Mobiliser", motivation="other")
    rows = history.cohort_history(engine, w.admin, w.cohort, as_of=AS_OF).rows
    assert not rows.empty
    shown = rows[["entity_label", "field_label", "action_label", "before", "after"]]
    codes = set(rows["field"]) | set(rows["entity"]) | {"due_date", "target_value"}
    for column in shown.columns:
        assert not set(shown[column].dropna()) & codes, column
    assert all("_" not in text for text in rows["field_label"])


def test_steering_sees_the_cohort_but_not_people_management(engine, admin_story):
    w = admin_story
    admin_rows = history.cohort_history(engine, w.admin, w.cohort, as_of=AS_OF).rows
    view = history.cohort_history(engine, w.steering, w.cohort, as_of=AS_OF)
    rows = view.rows
    assert "user" not in set(rows["entity"]) and "user" not in view.entities
    expected = admin_rows[admin_rows["entity"] != "user"]
    assert rows[["entity", "entity_id", "field", "after"]].values.tolist() == (
        expected[["entity", "entity_id", "field", "after"]].values.tolist()
    )
    assert {"session", "indicator_target", "indicator"} <= set(rows["entity"])
    # Nor in a network's history: network B's lead was deactivated there.
    assert "user" not in set(history.network_history(engine, w.steering, w.net_b).rows["entity"])
    assert "user" in set(history.network_history(engine, w.admin, w.net_b).rows["entity"])
    only_users = history.cohort_history(engine, w.steering, w.cohort, entity="user").rows
    assert only_users.empty


def test_leads_cannot_read_the_cohort_history(engine, admin_story):
    w = admin_story
    with pytest.raises(PermissionDenied, match="toute la cohorte"):
        history.cohort_history(engine, w.lead_a, w.cohort)
    with pytest.raises(PermissionDenied):
        history.cohort_history(engine, None, w.cohort)
    # Their own network's history keeps working, without people management.
    own = history.network_history(engine, w.lead_a, w.net_a).rows
    assert "indicator_target" in set(own["entity"]) and "user" not in set(own["entity"])


def test_cohort_history_filters(engine, admin_story):
    w = admin_story
    sessions = history.cohort_history(engine, w.admin, w.cohort, entity="session").rows
    assert set(sessions["entity"]) == {"session"} and len(sessions) == 1
    _stamp(
        engine,
        dt.datetime(2025, 11, 5, 10, 0, tzinfo=dt.UTC),
        ChangeLog.entity == "session",
    )
    since = history.cohort_history(
        engine, w.admin, w.cohort, since_last_session=True, as_of=AS_OF
    ).rows
    assert "session" not in set(since["entity"]) and not since.empty
    november = history.cohort_history(
        engine, w.admin, w.cohort, start=dt.date(2025, 11, 1), end=dt.date(2025, 11, 30)
    ).rows
    assert set(november["entity"]) == {"session"}
    assert history.cohort_history(engine, w.admin, w.cohort, user_id=w.lead_a.id).rows.empty


def test_every_logged_field_has_a_french_label():
    """Every column of the tables the services log, named in French."""
    bookkeeping = {"id", "version", "created_at", "updated_at", "password_hash", "payload"}
    for model, entity in [
        (Cohort, "cohort"),
        (Network, "network"),
        (ProgrammeSession, "session"),
        (User, "user"),
        (Indicator, "indicator"),
        (IndicatorTarget, "indicator_target"),
        (IndicatorValue, "indicator_value"),
        (Snapshot, "snapshot"),
    ]:
        for column in model.__table__.columns:
            if column.name in bookkeeping:
                continue
            assert history.field_label(column.name, entity) != column.name, column.name
        assert history_labels.entity_label(entity) != entity


def test_admin_value_labels():
    shown = history.shown_value
    assert shown("user", "role", "steering") == "Comité de pilotage"
    assert shown("cohort", "status", "closed") == "Clôturée"
    assert shown("session", "kind", "webinar") == label_of(SessionKind, "webinar") != "webinar"
    assert shown("session", "session_date", "2026-03-24") == "24/03/2026"
    assert shown("cohort", "anonymise_for_leads", "True") == "Oui"
    assert shown("indicator_target", "initial_target_value", "4.5") == "4,5"
    assert shown("user", "password", "un secret") == "Mot de passe modifié"
    assert history.field_label("status", "cohort") == "État"
    assert history.field_label("status", "milestone") == "Statut"


def test_cohort_history_is_ordered_by_date_most_recent_first(demo_engine):
    """Rows logged out of order (the seed backdates relation-logic switches) still read from
    the most recent to the oldest."""
    from dashboard.auth.accounts import login
    from dashboard.services.reporting import cohorts as cohorts_service
    from dashboard.services.reporting import history as history_service

    actor = login(demo_engine, "animation", "demo-animation-2026").actor
    cohort_id = cohorts_service.default_cohort_id(demo_engine, actor)
    dates = list(history_service.cohort_history(demo_engine, actor, cohort_id).rows["changed_at"])
    assert len(dates) > 4  # the seeded history: stage moves, milestones, values
    assert dates == sorted(dates, reverse=True)
