"""Reads never take SQLite's write lock: every read-only service call opens its transactions
deferred (``BEGIN``), never ``BEGIN IMMEDIATE`` — counted on the engine, per call."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable

import pytest
from sqlalchemy import event
from sqlmodel import select

from dashboard.core.db import session_scope
from dashboard.services.admin import networks as admin_networks
from dashboard.services.admin import user_sessions
from dashboard.services.exports import runner
from dashboard.services.indicators import catalogue, progress, review, targets, values
from dashboard.services.reporting import (
    before_session,
    cohort_dashboard,
    cohorts,
    history,
    lessons_board,
    network_detail,
    snapshots,
)
from dashboard.services.roadmap import (
    alliances,
    lessons,
    maturity,
    milestones,
    objectives,
    partners,
    stages,
)
from models import Alliance, Cohort, Milestone, Network
from tests.factories import make_user

AS_OF = dt.date(2026, 5, 25)


def immediate_begins(engine, work: Callable[[], object]) -> int:
    """How many ``BEGIN IMMEDIATE`` the engine sent while ``work`` ran."""
    seen: list[str] = []

    def listen(conn, cursor, statement, parameters, context, executemany):
        if statement.strip().upper().startswith("BEGIN IMMEDIATE"):
            seen.append(statement)

    event.listen(engine, "before_cursor_execute", listen)
    try:
        work()
    finally:
        event.remove(engine, "before_cursor_execute", listen)
    return len(seen)


@pytest.fixture
def demo(demo_engine):
    with session_scope(demo_engine) as s:
        cohort_id = s.exec(select(Cohort.id).where(Cohort.code == "AI-2026")).one()
        network_id, network_code = s.exec(
            select(Network.id, Network.code)
            .where(Network.cohort_id == cohort_id)
            .order_by(Network.code)
        ).first()
        milestone_id = s.exec(
            select(Milestone.id).where(Milestone.network_id == network_id)
        ).first()
        alliance_id = s.exec(select(Alliance.id).where(Alliance.network_id == network_id)).first()
    admin = make_user(demo_engine, "admin")
    lead = make_user(demo_engine, "lead", network_id=network_id)
    snapshots.take_snapshot(demo_engine, admin, cohort_id, label="T0", as_of=AS_OF)
    return {
        "engine": demo_engine,
        "cohort": cohort_id,
        "network": network_id,
        "code": network_code,
        "milestone": milestone_id,
        "alliance": alliance_id,
        "admin": admin,
        "lead": lead,
    }


def _snapshot_id(d) -> int:
    return int(snapshots.list_snapshots(d["engine"], d["admin"], d["cohort"]).iloc[0]["id"])


READS: dict[str, Callable[[dict], object]] = {
    "list_cohorts": lambda d: cohorts.list_cohorts(d["engine"], d["admin"]),
    "get_cohort": lambda d: cohorts.get_cohort(d["engine"], d["admin"], d["cohort"]),
    "cohort_sessions": lambda d: cohorts.cohort_sessions(d["engine"], d["admin"], d["cohort"]),
    "cohort_networks": lambda d: cohorts.cohort_networks(d["engine"], d["admin"], d["cohort"]),
    "headline": lambda d: cohorts.headline(d["engine"], d["admin"], d["cohort"], as_of=AS_OF),
    "network_name": lambda d: cohorts.network_name(d["engine"], d["admin"], d["network"]),
    "cohort_dashboard": lambda d: cohort_dashboard.cohort_dashboard(
        d["engine"], d["lead"], d["cohort"], as_of=AS_OF
    ),
    "data_version": lambda d: cohort_dashboard.data_version(d["engine"], d["admin"], d["cohort"]),
    "network_detail": lambda d: network_detail.network_detail(
        d["engine"], d["admin"], d["cohort"], d["code"], as_of=AS_OF
    ),
    "network_choices": lambda d: network_detail.network_choices(
        d["engine"], d["admin"], d["cohort"]
    ),
    "lessons_board": lambda d: lessons_board.lessons_board(d["engine"], d["admin"], d["cohort"]),
    "list_snapshots": lambda d: snapshots.list_snapshots(d["engine"], d["admin"], d["cohort"]),
    "compare_snapshots": lambda d: snapshots.compare_snapshots(
        d["engine"], d["admin"], d["cohort"], before_id=_snapshot_id(d), as_of=AS_OF
    ),
    "network_history": lambda d: history.network_history(d["engine"], d["lead"], d["network"]),
    "cohort_history": lambda d: history.cohort_history(d["engine"], d["admin"], d["cohort"]),
    "before_session": lambda d: before_session.before_session(
        d["engine"], d["lead"], d["network"], as_of=AS_OF
    ),
    "list_milestones": lambda d: milestones.list_milestones(
        d["engine"], d["lead"], d["network"], as_of=AS_OF
    ),
    "milestone_grid": lambda d: milestones.milestone_grid(
        d["engine"], d["lead"], d["network"], as_of=AS_OF
    ),
    "get_milestone": lambda d: milestones.get_milestone(d["engine"], d["lead"], d["milestone"]),
    "list_alliances": lambda d: alliances.list_alliances(d["engine"], d["lead"], d["network"]),
    "alliance_stage_history": lambda d: stages.alliance_stage_history(
        d["engine"], d["lead"], d["alliance"]
    ),
    "list_objectives": lambda d: objectives.list_objectives(d["engine"], d["lead"], d["network"]),
    "list_lessons": lambda d: lessons.list_lessons(d["engine"], d["lead"], d["network"]),
    "lesson_choices": lambda d: lessons.lesson_choices(d["engine"], d["lead"], d["network"]),
    "maturity_form": lambda d: maturity.maturity_form(d["engine"], d["lead"], d["network"]),
    "list_partners": lambda d: partners.list_partners(d["engine"], d["lead"]),
    "list_indicators": lambda d: catalogue.list_indicators(d["engine"], d["admin"]),
    "network_targets": lambda d: targets.network_targets(d["engine"], d["lead"], d["network"]),
    "target_revisions": lambda d: targets.target_revisions(d["engine"], d["admin"], d["cohort"]),
    "value_grid": lambda d: values.value_grid(d["engine"], d["lead"], d["network"], as_of=AS_OF),
    "validation_queue": lambda d: review.validation_queue(d["engine"], d["admin"], d["cohort"]),
    "indicator_progress": lambda d: progress.indicator_progress(
        d["engine"], d["admin"], d["cohort"], as_of=AS_OF
    ),
    "list_users": lambda d: user_sessions.list_users(d["engine"], d["admin"]),
    "user_sessions": lambda d: user_sessions.user_sessions(d["engine"], d["admin"], d["lead"].id),
    "network_rows": lambda d: admin_networks.network_rows(d["engine"], d["admin"], d["cohort"]),
    "export_options": lambda d: runner.export_options(d["engine"], d["admin"], d["cohort"]),
}


@pytest.mark.parametrize("backend", ["sqlite"], indirect=True)
@pytest.mark.parametrize("name", sorted(READS))
def test_read_only_service_never_takes_the_write_lock(demo, name):
    engine = demo["engine"]
    result: list[object] = []
    count = immediate_begins(engine, lambda: result.append(READS[name](demo)))
    assert result and result[0] is not None
    assert count == 0, f"{name} opened {count} write transaction(s)"


@pytest.mark.parametrize("backend", ["sqlite"], indirect=True)
def test_a_write_still_takes_the_write_lock(demo):
    """The counter sees writes: saving an objective opens one BEGIN IMMEDIATE."""
    count = immediate_begins(
        demo["engine"],
        lambda: objectives.create_objective(
            demo["engine"],
            demo["lead"],
            demo["network"],
            title="Mobiliser les pairs",
            motivation="peer_scaling",
        ),
    )
    assert count == 1
