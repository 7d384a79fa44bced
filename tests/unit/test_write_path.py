"""The write path: each change needs its own permission (an edit is an "update", never a
"create"), one closed-cohort refusal and one conflict message for every kind of row."""

from __future__ import annotations

import datetime as dt

import pytest
from sqlalchemy import func
from sqlmodel import select

from dashboard.core import permissions
from dashboard.core.db import session_scope
from dashboard.core.errors import ConflictError, PermissionDenied
from dashboard.core.permissions import Scope
from dashboard.services import roadmap
from dashboard.services.admin import networks as admin_networks
from dashboard.services.admin import sessions as admin_sessions
from dashboard.services.admin import users as admin_users
from dashboard.services.roadmap import milestones
from dashboard.services.roadmap.milestone_grid import (
    AddedMilestone,
    EditedMilestone,
    MilestoneChanges,
)
from dashboard.services.shared import audit
from models import Alliance, AllianceStageChange, ChangeLog, Cohort, Milestone, User
from models.enums import Role
from tests.unit.roadmap_builders import make_alliance, make_partner
from tests.unit.roadmap_world import AS_OF

CLOSED = "La cohorte « Cohorte de test » est clôturée : ses données ne sont plus modifiables."


def _one_milestone(engine, w) -> Milestone:
    milestones.save_milestones(
        engine,
        w.lead_a,
        w.net_a,
        MilestoneChanges(
            added=[AddedMilestone({"title": "Atelier", "due_date": "2026-03-01"}, row=1)]
        ),
        as_of=AS_OF,
    )
    with session_scope(engine) as s:
        return s.exec(select(Milestone).where(Milestone.network_id == w.net_a)).one()


def _edit(engine, w, row: Milestone, title: str):
    return milestones.save_milestones(
        engine,
        w.lead_a,
        w.net_a,
        MilestoneChanges(edited=[EditedMilestone(row.id, row.version, {"title": title}, row=1)]),
        as_of=AS_OF,
    )


def _without(monkeypatch, action: str) -> None:
    """The lead's permission table without ``action`` on milestones."""
    table = {e: dict(a) for e, a in permissions.PERMISSIONS[Role.lead].items()}
    del table["milestone"][action]
    monkeypatch.setitem(permissions.PERMISSIONS, Role.lead, table)


def _title(engine, milestone_id: int) -> str:
    with session_scope(engine) as s:
        return s.get(Milestone, milestone_id).title


def test_editing_a_milestone_needs_update_not_create(engine, w, monkeypatch):
    row = _one_milestone(engine, w)
    _without(monkeypatch, "create")
    result = _edit(engine, w, row, "Atelier renommé")
    assert (result.updated, result.created) == (1, 0)
    assert _title(engine, row.id) == "Atelier renommé"


def test_an_edit_is_refused_without_update_permission(engine, w, monkeypatch):
    row = _one_milestone(engine, w)
    _without(monkeypatch, "update")
    assert permissions.scope_of(w.lead_a, "create", "milestone") is Scope.own
    with pytest.raises(PermissionDenied):
        _edit(engine, w, row, "Renommé sans droit")
    assert _title(engine, row.id) == "Atelier"


def test_adding_a_milestone_still_needs_create(engine, w, monkeypatch):
    _without(monkeypatch, "create")
    with pytest.raises(PermissionDenied):
        _one_milestone(engine, w)


def test_one_closed_cohort_message_for_roadmap_and_administration(engine, w):
    row = _one_milestone(engine, w)
    with session_scope(engine) as s:
        s.get(Cohort, w.cohort).status = "closed"
    refusals = []
    for attempt in (
        lambda: _edit(engine, w, row, "Trop tard"),
        lambda: roadmap.create_objective(engine, w.admin, w.net_b, title="X", motivation="other"),
        lambda: admin_networks.add_network(engine, w.admin, w.cohort, code="NZ", name="Zêta"),
        lambda: admin_sessions.plan_session(
            engine,
            w.admin,
            w.cohort,
            code="S9",
            number=9,
            kind="collective",
            phase="deepen",
            title="Session de trop",
            session_date="2026-05-01",
        ),
    ):
        with pytest.raises(PermissionDenied) as err:
            attempt()
        refusals.append(str(err.value))
    assert refusals == [CLOSED] * 4
    assert _title(engine, row.id) == "Atelier"


def test_milestone_grid_conflict_uses_the_shared_message(engine, w):
    row = _one_milestone(engine, w)
    _edit(engine, w, row, "Changé par l'autre")
    with pytest.raises(ConflictError) as err:
        _edit(engine, w, row, "Ma version")
    what = "Le jalon « Changé par l'autre » (ligne 1)"
    with session_scope(engine) as s:
        expected = audit.conflict_message(s, "milestone", row.id, what)
    assert str(err.value) == expected
    assert expected.startswith(f"{what} a été modifié par Alice Martin le ")
    assert _title(engine, row.id) == "Changé par l'autre"


def _stage_state(engine, alliance_id: int) -> tuple:
    """What a stage move writes: the alliance's stage, its stage history and change log."""
    with session_scope(engine) as s:
        alliance = s.get(Alliance, alliance_id)
        history = s.exec(
            select(AllianceStageChange.to_stage).where(
                AllianceStageChange.alliance_id == alliance_id
            )
        ).all()
        logged = s.exec(select(func.count()).select_from(ChangeLog)).one()
        return alliance.stage, alliance.version, list(history), logged


def test_stale_stage_move_is_refused_once_with_the_conflict_message(engine, w):
    partner = make_partner(engine, family="public")
    alliance = make_alliance(engine, w.net_a, partner, stages=[("identified", dt.date(2026, 1, 5))])
    with session_scope(engine) as s:
        seen = s.get(Alliance, alliance).version
    roadmap.move_alliance_stage(engine, w.admin, alliance, seen, to_stage="contacted", as_of=AS_OF)
    before = _stage_state(engine, alliance)
    # From the screen the lead opened before the programme team's move: "identified" →
    # "contacted" is no longer a move, yet the conflict is what the lead is told.
    with pytest.raises(ConflictError) as err:
        roadmap.move_alliance_stage(
            engine, w.lead_a, alliance, seen, to_stage="contacted", as_of=AS_OF
        )
    what = "L'alliance « " + _alliance_title(engine, alliance) + " »"
    with session_scope(engine) as s:
        expected = audit.conflict_message(s, "alliance", alliance, what)
    assert str(err.value) == expected
    assert expected.startswith(f"{what} a été modifié par Claire Animation le ")
    assert _stage_state(engine, alliance) == before
    assert before[0] == "contacted" and before[2] == ["identified", "contacted"]


def _alliance_title(engine, alliance_id: int) -> str:
    with session_scope(engine) as s:
        return s.get(Alliance, alliance_id).title


def test_stale_account_change_is_refused_with_the_conflict_message(engine, w):
    lead = w.lead_b.id
    with session_scope(engine) as s:
        seen = s.get(User, lead).version
    admin_users.reset_password(engine, w.admin, lead, version=seen)
    with session_scope(engine) as s:
        after_reset = s.get(User, lead)
        expected = audit.conflict_message(s, "user", lead, "Ce compte")
        state = (after_reset.version, after_reset.active)
    for stale in (
        lambda: admin_users.deactivate_user(engine, w.admin, lead, version=seen),
        lambda: admin_users.reset_password(engine, w.admin, lead, version=seen),
    ):
        with pytest.raises(ConflictError) as err:
            stale()
        assert str(err.value) == expected
    with session_scope(engine) as s:
        row = s.get(User, lead)
        assert (row.version, row.active) == state == (seen + 1, True)
