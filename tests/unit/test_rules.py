"""Rules written once: "late" (Python predicate and its SQL twin agree) and the programme's
"today" (its time zone, not the server's)."""

from __future__ import annotations

import datetime as dt

import pytest
from sqlmodel import select

from dashboard.core import clock
from dashboard.core.config import get_settings
from dashboard.core.db import session_scope
from dashboard.core.i18n import fmt_date, fmt_datetime
from dashboard.services.reporting import before_session, cohorts
from dashboard.services.roadmap import milestones
from dashboard.services.shared.rules import (
    derived_milestone_status,
    is_late,
    late_condition,
    milestone_status_expr,
)
from models import Milestone
from models.enums import MilestoneStatus
from tests.factories import make_cohort, make_network, make_user
from tests.unit.roadmap_builders import make_milestone

AS_OF = dt.date(2026, 1, 20)
BEFORE, ON, AFTER = dt.date(2026, 1, 19), AS_OF, dt.date(2026, 1, 21)


def test_late_is_derived_from_status_and_due_date():
    late = derived_milestone_status
    assert late("planned", dt.date(2026, 1, 19), AS_OF) == "late"
    assert late("in_progress", dt.date(2026, 1, 19), AS_OF) == "late"
    assert late("postponed", dt.date(2026, 1, 19), AS_OF) == "late"
    assert late("planned", AS_OF, AS_OF) == "planned"  # due today: not late yet
    assert late("done", dt.date(2025, 11, 1), AS_OF) == "done"
    assert late("cancelled", dt.date(2025, 11, 1), AS_OF) == "cancelled"


def test_is_late_only_for_open_milestones_due_before_today():
    for status in MilestoneStatus:
        expected = status not in (MilestoneStatus.done, MilestoneStatus.cancelled)
        assert is_late(BEFORE, status.value, AS_OF) is expected, status
        assert is_late(ON, status.value, AS_OF) is False
        assert is_late(AFTER, status.value, AS_OF) is False
    assert is_late(None, "planned", AS_OF) is False


@pytest.fixture
def every_case(engine):
    """One milestone per status × (due before, on, after ``AS_OF``), and the lead."""
    cohort = make_cohort(engine, start_date=dt.date(2025, 9, 1), end_date=dt.date(2026, 6, 30))
    network = make_network(engine, cohort)
    for status in MilestoneStatus:
        for due in (BEFORE, ON, AFTER):
            make_milestone(
                engine,
                network,
                due=due,
                status=status.value,
                done=dt.date(2025, 12, 1) if status is MilestoneStatus.done else None,
                title=f"{status.value} {due.isoformat()}",
            )
    lead = make_user(engine, "lead", network_id=network)
    return {"cohort": cohort, "network": network, "lead": lead}


def test_sql_twin_agrees_with_the_python_rule(engine, every_case):
    with session_scope(engine) as s:
        rows = s.exec(
            select(
                Milestone.title,
                Milestone.status,
                Milestone.due_date,
                late_condition(AS_OF),
                milestone_status_expr(AS_OF),
            ).where(Milestone.network_id == every_case["network"])
        ).all()
    assert len(rows) == len(MilestoneStatus) * 3
    for title, status, due, late_sql, derived_sql in rows:
        assert bool(late_sql) is is_late(due, status, AS_OF), title
        assert derived_sql == derived_milestone_status(status, due, AS_OF), title
    late_titles = {title for title, *_, derived in rows if derived == "late"}
    assert late_titles == {"planned 2026-01-19", "in_progress 2026-01-19", "postponed 2026-01-19"}


def test_grid_list_and_headline_count_the_same_late_milestones(engine, every_case):
    lead, network = every_case["lead"], every_case["network"]
    grid = milestones.list_milestones(engine, lead, network, as_of=AS_OF)
    todo = before_session.before_session(engine, lead, network, as_of=AS_OF)
    counts = cohorts.headline(engine, lead, every_case["cohort"], as_of=AS_OF)
    assert sorted(grid[grid["late"]]["title"]) == [
        "in_progress 2026-01-19",
        "planned 2026-01-19",
        "postponed 2026-01-19",
    ]
    assert sorted(todo["milestones"][todo["milestones"]["late"]]["title"]) == sorted(
        grid[grid["late"]]["title"]
    )
    assert todo["counts"]["milestones_late"] == 3
    assert counts["milestones_late"] == 3


@pytest.fixture
def zone(monkeypatch):
    def use(name: str | None) -> None:
        if name is None:
            monkeypatch.delenv("PROGRAMME_TIMEZONE", raising=False)
        else:
            monkeypatch.setenv("PROGRAMME_TIMEZONE", name)
        get_settings.cache_clear()

    yield use
    get_settings.cache_clear()


def test_today_is_the_programme_date_not_the_utc_one(zone):
    zone(None)  # default: Europe/Paris
    late_evening = dt.datetime(2026, 11, 30, 23, 30, tzinfo=dt.UTC)
    assert clock.today(late_evening) == dt.date(2026, 12, 1)
    assert fmt_date(clock.today(late_evening)) == "01/12/2026"
    assert clock.today(dt.datetime(2026, 11, 30, 22, 59, tzinfo=dt.UTC)) == dt.date(2026, 11, 30)
    assert fmt_datetime(late_evening) == "01/12/2026 00:30"


def test_programme_timezone_setting_moves_today(zone):
    zone("America/Cayenne")  # UTC-3
    assert clock.today(dt.datetime(2026, 12, 1, 2, 30, tzinfo=dt.UTC)) == dt.date(2026, 11, 30)
    assert fmt_datetime(dt.datetime(2026, 12, 1, 2, 30, tzinfo=dt.UTC)) == "30/11/2026 23:30"


def test_an_unknown_time_zone_is_refused_in_french(zone):
    with pytest.raises(ValueError, match="PROGRAMME_TIMEZONE doit être un fuseau horaire"):
        zone("Europe/Atlantis")
        get_settings()
