"""Automatic snapshots: once a session's date has passed, the cohort is frozen under the
session's name exactly once, objectives included, and "what changed" has something to compare."""

from __future__ import annotations

import datetime as dt

from sqlmodel import select

from dashboard.core.db import read_scope, session_scope
from dashboard.services.reporting import snapshots
from dashboard.services.reporting.snapshot_state import read_payload
from models import Milestone, Objective, ProgrammeSession, Snapshot
from tests.factories import make_cohort, make_network, make_session, make_user
from tests.unit.roadmap_builders import make_milestone

DAY = dt.date(2025, 12, 9)


def _world(engine):
    cid = make_cohort(engine)
    net = make_network(engine, cid, code="R01", name="Réseau Alpha")
    sid = make_session(
        engine, cid, code="S2", number=2, date=DAY, title="Session 2 — Mettre en œuvre"
    )
    with session_scope(engine) as s:
        s.add(
            Objective(
                network_id=net,
                title="Diversifier nos ressources",
                motivation="other",
                created_at=dt.datetime(2025, 11, 1, tzinfo=dt.UTC),
            )
        )
    return cid, net, sid


def _snapshots(engine, cohort_id):
    with read_scope(engine) as s:
        return s.exec(select(Snapshot).where(Snapshot.cohort_id == cohort_id)).all()


def test_a_passed_session_is_frozen_once_under_its_name_with_objectives(engine):
    cid, _net, sid = _world(engine)

    assert snapshots.freeze_past_sessions(engine, as_of=DAY) == []  # the session day itself
    taken = snapshots.freeze_past_sessions(engine, as_of=DAY + dt.timedelta(days=1))
    again = snapshots.freeze_past_sessions(engine, as_of=DAY + dt.timedelta(days=5))

    assert [info.label for info in taken] == ["Session 2 — Mettre en œuvre"]
    assert again == []
    rows = _snapshots(engine, cid)
    assert len(rows) == 1
    assert rows[0].session_id == sid and rows[0].auto_session_id == sid
    assert rows[0].payload["as_of"] == DAY.isoformat()
    state = read_payload(rows[0].payload)
    assert [o["title"] for o in state["objectives"]] == ["Diversifier nos ressources"]


def test_a_session_frozen_by_hand_is_not_frozen_again(engine):
    cid, _net, sid = _world(engine)
    admin = make_user(engine, "admin")
    snapshots.take_snapshot(engine, admin, cid, label="S2 à la main", session_id=sid, as_of=DAY)

    assert snapshots.freeze_past_sessions(engine, as_of=DAY + dt.timedelta(days=1)) == []
    assert [r.label for r in _snapshots(engine, cid)] == ["S2 à la main"]


def test_a_label_already_taken_by_hand_gets_the_session_date(engine):
    cid, _net, _sid = _world(engine)
    admin = make_user(engine, "admin")
    snapshots.take_snapshot(engine, admin, cid, label="Session 2 — Mettre en œuvre", as_of=DAY)

    taken = snapshots.freeze_past_sessions(engine, as_of=DAY + dt.timedelta(days=1))

    assert [i.label for i in taken] == ["Session 2 — Mettre en œuvre — 09/12/2025"]


def test_two_processes_racing_freeze_the_session_only_once(engine, monkeypatch):
    """The second process read "not frozen yet" before the first one committed: the unique
    constraint on the session refuses its row, and it takes nothing."""
    cid, _net, sid = _world(engine)
    later = DAY + dt.timedelta(days=1)
    stale = snapshots._sessions_to_freeze  # what both processes saw before either wrote
    with read_scope(engine) as s:
        seen = stale(s, later, cid)
    assert snapshots.freeze_past_sessions(engine, as_of=later)  # the first process

    monkeypatch.setattr(snapshots, "_sessions_to_freeze", lambda *_a: seen)
    assert snapshots.freeze_past_sessions(engine, as_of=later) == []  # the second one

    assert [r.auto_session_id for r in _snapshots(engine, cid)] == [sid]


def test_what_changed_since_the_automatic_snapshot(engine):
    cid, net, _sid = _world(engine)
    make_milestone(engine, net, due=DAY + dt.timedelta(days=20), title="Signer la convention")
    taken = snapshots.freeze_past_sessions(engine, as_of=DAY + dt.timedelta(days=1))
    with session_scope(engine) as s:
        ms = s.exec(select(Milestone).where(Milestone.title == "Signer la convention")).one()
        ms.status = "done"
        ms.done_date = DAY + dt.timedelta(days=2)
    reader = make_user(engine, "steering")

    listed = snapshots.list_snapshots(engine, reader, cid)
    diff = snapshots.compare_snapshots(
        engine, reader, cid, before_id=taken[0].id, as_of=DAY + dt.timedelta(days=3)
    )

    assert list(listed["label"]) == ["Session 2 — Mettre en œuvre"]
    assert diff.before_label == "Session 2 — Mettre en œuvre"
    done = diff.milestones[diff.milestones["title"] == "Signer la convention"]
    assert len(done) == 1


def test_on_the_demo_a_new_session_is_frozen_the_day_after_it(demo_engine):
    with read_scope(demo_engine) as s:
        sessions = s.exec(select(ProgrammeSession).order_by(ProgrammeSession.session_date)).all()
        frozen = set(s.exec(select(Snapshot.session_id)).all())
    day = sessions[-1].session_date + dt.timedelta(days=30)
    sid = make_session(
        demo_engine, sessions[-1].cohort_id, code="S9", number=9, date=day, title="Bilan"
    )

    on_the_day = snapshots.freeze_past_sessions(demo_engine, as_of=day)
    after = snapshots.freeze_past_sessions(demo_engine, as_of=day + dt.timedelta(days=1))

    assert {ps.id for ps in sessions} <= frozen  # every demo session already has its snapshot
    assert on_the_day == []
    assert [(i.label, i.session_id) for i in after] == [("Bilan", sid)]
    payload = read_payload(_snapshots(demo_engine, sessions[-1].cohort_id)[-1].payload)
    assert len(payload["objectives"]) > 0 and len(payload["networks"]) == 12
