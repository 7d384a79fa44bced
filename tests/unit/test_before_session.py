"""« Avant la prochaine session »: milestones due, months without values, drafts, returned and
awaiting values — on a small hand-built network, then on the demo cohort (R07)."""

from __future__ import annotations

import datetime as dt

import pytest
from sqlmodel import select

from dashboard.auth.accounts import actor_for
from dashboard.core import clock
from dashboard.core.db import session_scope
from dashboard.core.errors import PermissionDenied
from dashboard.services.reporting.before_session import (
    before_session,
    last_complete_month,
    months_of,
)
from models import (
    Cohort,
    IndicatorTarget,
    IndicatorValue,
    Milestone,
    Network,
    ProgrammeSession,
    User,
)
from tests.factories import make_cohort, make_network, make_session, make_user
from tests.unit.test_indicator_values import follow, make_indicator

AS_OF = dt.date(2026, 2, 15)
M = {m: dt.date(2025 + (m < 7), m, 1) for m in (10, 11, 12, 1, 2)}


def add(engine, *rows):
    with session_scope(engine) as s:
        for row in rows:
            s.add(row)


@pytest.fixture
def world(engine):
    cohort = make_cohort(engine)
    net = make_network(engine, cohort, code="RA")
    other = make_network(engine, cohort, code="RB")
    make_session(engine, cohort, code="S2", number=2, date=dt.date(2025, 12, 9))
    s3 = make_session(engine, cohort, code="S3", number=3, date=dt.date(2026, 3, 17))
    x, y = make_indicator(engine, "X", "count"), make_indicator(engine, "YY", "percent")
    z = make_indicator(engine, "ZZZ", "count")  # not followed: never "missing"
    follow(engine, net, x)
    follow(engine, net, y)
    ms = lambda title, due, status="planned", **kw: Milestone(  # noqa: E731
        network_id=kw.pop("network_id", net), title=title, due_date=due, status=status, **kw
    )
    add(
        engine,
        ms("En retard", dt.date(2026, 1, 10)),
        ms("Reporté et en retard", dt.date(2026, 2, 1), "postponed"),
        ms("Avant S3", dt.date(2026, 3, 1), "in_progress", progress=40),
        ms("Prévu pour S3", dt.date(2026, 4, 30), session_id=s3),
        ms("Après S3", dt.date(2026, 5, 1)),
        ms("Déjà fait", dt.date(2026, 1, 5), "done"),
        ms("Annulé", dt.date(2026, 1, 5), "cancelled"),
        ms("Autre réseau", dt.date(2026, 1, 5), network_id=other),
    )
    val = lambda ind, m, status, **kw: IndicatorValue(  # noqa: E731
        network_id=net, indicator_id=ind, period_start=M[m], value=1, status=status, **kw
    )
    add(
        engine,
        *(val(x, m, "validated") for m in (10, 11, 12)),
        val(x, 1, "submitted"),
        val(x, 2, "draft"),  # the current month: not yet due
        val(y, 10, "draft"),
        val(y, 11, "draft", return_reason="Chiffre à vérifier"),
        val(z, 10, "validated"),
    )
    return {
        "engine": engine,
        "net": net,
        "other": other,
        "x": x,
        "y": y,
        "lead": make_user(engine, "lead", network_id=net),
        "admin": make_user(engine, "admin"),
        "steering": make_user(engine, "steering"),
        "lead_other": make_user(engine, "lead", network_id=other),
    }


def test_lists_what_is_due(world):
    w = world
    todo = before_session(w["engine"], w["lead"], w["net"], as_of=AS_OF)
    assert todo["next_session"]["code"] == "S3"
    assert list(todo["milestones"]["title"]) == [
        "En retard",
        "Reporté et en retard",
        "Avant S3",
        "Prévu pour S3",
    ]
    assert list(todo["milestones"]["late"]) == [True, True, False, False]
    assert last_complete_month(AS_OF) == M[1]
    assert list(zip(todo["missing"]["code"], todo["missing"]["period_start"], strict=True)) == [
        ("YY", M[12]),
        ("YY", M[1]),
    ]
    assert list(zip(todo["drafts"]["code"], todo["drafts"]["period_start"], strict=True)) == [
        ("YY", M[10]),
        ("X", M[2]),
    ]
    assert list(todo["returned"]["return_reason"]) == ["Chiffre à vérifier"]
    assert list(todo["awaiting"]["period_start"]) == [M[1]]
    assert months_of(todo["missing"]) == [M[12], M[1]]
    assert todo["counts"] == {
        "milestones": 4,
        "milestones_late": 2,
        "missing": 2,
        "drafts": 2,
        "returned": 1,
        "awaiting": 1,
    }
    same = before_session(w["engine"], w["admin"], w["net"], as_of=AS_OF)
    assert same["counts"] == todo["counts"]


def test_after_the_last_session_everything_up_to_the_cohort_end_counts(world):
    w = world
    todo = before_session(w["engine"], w["lead"], w["net"], as_of=dt.date(2026, 11, 26))
    assert todo["next_session"] is None
    assert len(todo["milestones"]) == 5 and todo["milestones"]["late"].all()
    # Nine months × two followed indicators, minus the values that exist.
    assert len(todo["missing"]) == 9 * 2 - 7


def test_only_the_network_and_the_programme_team(world):
    w = world
    for who in ("lead_other", "steering"):
        with pytest.raises(PermissionDenied):
            before_session(w["engine"], w[who], w["net"], as_of=AS_OF)


def test_empty_network(world):
    w = world
    todo = before_session(w["engine"], w["lead_other"], w["other"], as_of=AS_OF)
    assert todo["missing"].empty and todo["awaiting"].empty
    assert list(todo["milestones"]["title"]) == ["Autre réseau"]


# --- on the demo cohort ------------------------------------------------------------------------


def _lead_of(engine, code: str):
    with session_scope(engine) as s:
        user, net = s.exec(
            select(User, Network)
            .join(Network, Network.id == User.network_id)
            .join(Cohort, Cohort.id == Network.cohort_id)
            .where(Network.code == code, Cohort.code == "AI-2026", User.role == "lead")
        ).first()
        return actor_for(user, net), net.id, net.cohort_id


def test_demo_r07_missing_months_and_due_milestones(demo_engine):
    as_of = dt.date(2026, 5, 1)
    actor, net_id, cohort_id = _lead_of(demo_engine, "R07")
    todo = before_session(demo_engine, actor, net_id, as_of=as_of)
    with session_scope(demo_engine) as s:
        cohort = s.get(Cohort, cohort_id)
        followed = s.exec(
            select(IndicatorTarget.indicator_id).where(IndicatorTarget.network_id == net_id)
        ).all()
        have = set(
            s.exec(
                select(IndicatorValue.indicator_id, IndicatorValue.period_start).where(
                    IndicatorValue.network_id == net_id
                )
            ).all()
        )
        next_date = s.exec(
            select(ProgrammeSession.session_date)
            .where(ProgrammeSession.cohort_id == cohort_id, ProgrammeSession.session_date >= as_of)
            .order_by(ProgrammeSession.session_date)
        ).first()
        open_due = s.exec(
            select(Milestone.title).where(
                Milestone.network_id == net_id,
                Milestone.status.in_(["planned", "in_progress", "postponed"]),
                Milestone.due_date <= next_date,
            )
        ).all()
        submitted = s.exec(
            select(IndicatorValue.id).where(
                IndicatorValue.network_id == net_id, IndicatorValue.status == "submitted"
            )
        ).all()
    months = clock.months_between(cohort.start_date, last_complete_month(as_of))
    expected = {(i, m) for i in followed for m in months} - have
    assert expected, "R07's storyline has missing monthly values"
    got = set(zip(todo["missing"]["indicator_id"], todo["missing"]["period_start"], strict=True))
    assert got == expected
    assert set(open_due) <= set(todo["milestones"]["title"])
    assert set(todo["awaiting"]["id"]) == set(submitted)
